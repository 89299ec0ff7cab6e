package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// wsOp sends op (its key is set here) over p's websocket and says whether it was
// committed, or the status its refusal stands for.
func wsOp(t *testing.T, p *person, board string, op map[string]any) (bool, int) {
	t.Helper()
	ws, client, status := p.dialWS(t, board)
	if ws == nil {
		return false, status
	}
	if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
		t.Fatalf("no welcome: %v", f)
	}
	key := client + ":1"
	op["key"] = key
	if err := ws.WriteJSON(map[string]any{"t": "ops", "ops": []any{op}}); err != nil {
		t.Fatal(err)
	}
	for {
		f := wsFrame(t, ws, "ops", "nack")
		switch f["t"] {
		case "nack":
			if f["key"] == key {
				if f["code"] != "forbidden" {
					t.Errorf("nack %v; want code forbidden", f)
				}
				return false, http.StatusForbidden
			}
		case "ops":
			for _, o := range f["ops"].([]any) {
				if o.(map[string]any)["op"].(map[string]any)["key"] == key {
					return true, http.StatusOK
				}
			}
		default:
			t.Fatalf("websocket ended: %v", f)
		}
	}
}

// postJSON posts v as JSON.
func (p *person) postJSON(t *testing.T, method, path string, v any) response {
	t.Helper()
	var body string
	if v != nil {
		data, _ := json.Marshal(v)
		body = string(data)
	}
	return p.do(t, method, path, strings.NewReader(body), "Content-Type", "application/json")
}

// annotationFixture makes, on board, a comment and a marker by someone who is none of
// the people of the role matrix, for them to reply to, resolve and +1; it returns a
// stage, a lane, the comment's id and the marker's id.
func annotationFixture(t *testing.T, e *authEnv, board string) (stage, lane, comment, marker string) {
	t.Helper()
	b, err := e.store.FindBoard(context.Background(), board)
	if err != nil {
		t.Fatal(err)
	}
	stage, lane = b.SortedStages()[0].ID, b.SortedLanes()[0].ID
	a := blueprint.Anchor{Stage: stage, Lane: lane}
	text := "Who signs this?"
	ops := []blueprint.Op{
		{Action: blueprint.ActionCreate, Type: blueprint.TypeComment, ID: "m-fixture", Fields: blueprint.Fields{Anchor: &a, Text: &text}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeMarker, ID: "f-fixture", Fields: blueprint.Fields{Anchor: &a,
			Severity: ptr("high"), Kind: ptr("waiting"), Text: &text}},
	}
	res, err := e.store.ApplyEdits(context.Background(), board, []blueprint.Edit{{Author: "Zoe", By: "u:zoe", Op: ops[0]}, {Author: "Zoe", By: "u:zoe", Op: ops[1]}})
	if err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("fixture: %v %+v", err, res)
	}
	return stage, lane, "m-fixture", "f-fixture"
}

func ptr[T any](v T) *T { return &v }

// annotationActions are the actions of the role matrix on comments, markers, +1s,
// activity and last-seen points, over the JSON API, the HTML forms and the websocket.
func annotationActions(t *testing.T, e *authEnv, board string) []roleAction {
	stage, lane, comment, marker := annotationFixture(t, e, board)
	cell := map[string]any{"stage": stage, "lane": lane}
	api := "/api/boards/" + board
	ok := func(r response, status int) (bool, int) { return r.status == status, r.status }
	// toggle resolves the fixture's thread when it is open, and reopens it when resolved,
	// so that every allowed role changes it.
	toggle := func(t *testing.T) string {
		b, err := e.store.FindBoard(context.Background(), board)
		if err != nil {
			t.Fatal(err)
		}
		if b.Annotations.Comments[comment].Resolved {
			return "reopen"
		}
		return "resolve"
	}
	return []roleAction{
		{"CommentsGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.do(t, http.MethodGet, api+"/comments", nil), http.StatusOK)
		}},
		{"MarkersGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.do(t, http.MethodGet, api+"/markers?sort=severity", nil), http.StatusOK)
		}},
		{"ActivityGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.do(t, http.MethodGet, api+"/activity", nil), http.StatusOK)
		}},
		{"SinceGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.do(t, http.MethodGet, api+"/since", nil), http.StatusOK)
		}},
		{"SeenPOST", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.postJSON(t, http.MethodPost, api+"/seen", nil), http.StatusOK)
		}},
		{"CommentAPI", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.postJSON(t, http.MethodPost, api+"/comments", map[string]any{"anchor": cell, "text": fmt.Sprintf("API %d", n)}), http.StatusCreated)
		}},
		{"ReplyAPI", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.postJSON(t, http.MethodPost, api+"/comments", map[string]any{"parent": comment, "text": "Me"}), http.StatusCreated)
		}},
		{"ResolveAPI", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.postJSON(t, http.MethodPost, api+"/comments/"+comment+"/"+toggle(t), nil), http.StatusOK)
		}},
		{"MarkerAPI", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.postJSON(t, http.MethodPost, api+"/markers", map[string]any{"anchor": cell, "severity": "low",
				"kind": "rework", "text": "Typed twice", "evidence": "https://example.org/form.pdf"}), http.StatusCreated)
		}},
		{"PlusOneAPI", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.postJSON(t, http.MethodPost, api+"/markers/"+marker+"/plusone", nil), http.StatusOK)
		}},
		{"AnnotationAPIOps", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			op := map[string]any{"op": "create", "type": "comment", "id": fmt.Sprintf("m-ops-%d", n), "fields": map[string]any{"anchor": cell, "text": "via ops"}}
			return ok(p.postJSON(t, http.MethodPost, api+"/ops", []any{op}), http.StatusOK)
		}},
		{"CommentForm", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.form(t, "/boards/"+board+"/comments", url.Values{"anchor": {"cell:" + stage + "/" + lane}, "text": {"Form"}}), http.StatusSeeOther)
		}},
		{"ResolveForm", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.form(t, "/boards/"+board+"/comments/"+comment+"/"+toggle(t), nil), http.StatusSeeOther)
		}},
		{"MarkerForm", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return ok(p.form(t, "/boards/"+board+"/markers", url.Values{"anchor": {"cell:" + stage + "/" + lane},
				"severity": {"blocking"}, "kind": {"manual"}, "text": {"Paper form"}}), http.StatusSeeOther)
		}},
		{"CommentWS", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return wsOp(t, p, board, map[string]any{"op": "create", "type": "comment", "id": fmt.Sprintf("m-ws-%d", n),
				"fields": map[string]any{"anchor": cell, "text": "live"}})
		}},
		{"MarkerWS", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return wsOp(t, p, board, map[string]any{"op": "create", "type": "marker", "id": fmt.Sprintf("f-ws-%d", n),
				"fields": map[string]any{"anchor": cell, "text": "live", "severity": "medium", "kind": "other"}})
		}},
		{"ResolveWS", auth.Comment, true, func(t *testing.T, p *person, n int) (bool, int) {
			return wsOp(t, p, board, map[string]any{"op": "update", "type": "comment", "id": comment,
				"fields": map[string]any{"resolved": toggle(t) == "resolve"}})
		}},
	}
}

// TestAnnotationBadInput sends what a commenter may not: every refusal names what was
// wrong, with its code, and changes nothing.
func TestAnnotationBadInput(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	other := owner.mustBoard(t)
	stage, lane, comment, marker := annotationFixture(t, e, board)
	otherBoard, err := e.store.FindBoard(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	// A card that is on the other board only.
	if res, err := e.store.ApplyEdits(context.Background(), other, []blueprint.Edit{{Author: "owner", Op: blueprint.Op{
		Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c-elsewhere", Fields: blueprint.Fields{
			Stage: &otherBoard.SortedStages()[0].ID, Lane: &otherBoard.SortedLanes()[0].ID, Order: ptr("V")}}}}); err != nil || res[0].Err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	people := map[string]*person{"owner": owner}
	for _, role := range []string{"commenter", "viewer", "editor"} {
		p := e.person(t)
		p.mustJoin(t, owner.mustLink(t, board, url.Values{"role": {role}}), board, url.Values{"name": {"Guest " + role}})
		people[role] = p
	}
	c := people["commenter"]
	api := "/api/boards/" + board
	cell := map[string]any{"stage": stage, "lane": lane}
	// The commenter's own marker, for +1 twice.
	if r := c.postJSON(t, http.MethodPost, api+"/markers/"+marker+"/plusone", nil); r.status != http.StatusOK {
		t.Fatalf("+1: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		name, method, path string
		p                  *person
		body               any
		status             int
		code, says         string
	}{
		{"UnknownAnchor", "POST", "/comments", c, map[string]any{"anchor": map[string]any{"card": "c-nope"}, "text": "x"}, 404, "not_found", `"c-nope" does not exist`},
		{"AnchorOnAnotherBoard", "POST", "/comments", c, map[string]any{"anchor": map[string]any{"card": "c-elsewhere"}, "text": "x"}, 404, "not_found", `"c-elsewhere" does not exist`},
		{"CommentTooLong", "POST", "/comments", c, map[string]any{"anchor": cell, "text": strings.Repeat("é", 4001)}, 413, "too_large", "4000"},
		{"MarkerTextTooLong", "POST", "/markers", c, map[string]any{"anchor": cell, "severity": "low", "kind": "other", "text": strings.Repeat("a", 501)}, 413, "too_large", "500"},
		{"EvidenceTooLong", "POST", "/markers", c, map[string]any{"anchor": cell, "severity": "low", "kind": "other", "text": "t", "evidence": strings.Repeat("a", 2001)}, 413, "too_large", "2000"},
		{"HostileEvidenceLink", "POST", "/markers", c, map[string]any{"anchor": cell, "severity": "low", "kind": "other", "text": "t", "evidence": "javascript:alert(1)"}, 400, "invalid", "http or https"},
		{"NULInText", "POST", "/comments", c, map[string]any{"anchor": cell, "text": "a\x00b"}, 400, "invalid", "NUL"},
		{"ForgedAuthor", "POST", "/comments", c, map[string]any{"anchor": cell, "text": "x", "by": "u:zoe"}, 400, "invalid", "by"},
		{"ForgedAuthorInOps", "POST", "/ops", c, []any{map[string]any{"op": "create", "type": "comment", "id": "m-forged", "by": "u:zoe", "fields": map[string]any{"anchor": cell, "text": "x"}}}, 400, "invalid", "by"},
		{"PlusOneTwice", "POST", "/markers/" + marker + "/plusone", c, nil, 409, "conflict", "+1 already"},
		{"ResolveByViewer", "POST", "/comments/" + comment + "/resolve", people["viewer"], nil, 403, "forbidden", "viewer"},
		{"EditSomeoneElsesComment", "PATCH", "/comments/" + comment, people["editor"], map[string]any{"text": "mine now"}, 403, "forbidden", "author"},
		{"DeleteSomeoneElsesMarker", "DELETE", "/markers/" + marker, c, nil, 403, "forbidden", "author"},
		{"BoardOpByCommenter", "POST", "/ops", c, []any{map[string]any{"op": "update", "type": "board", "id": board, "fields": map[string]any{"title": "x"}}}, 403, "forbidden", "commenter"},
		{"UnknownSeverity", "POST", "/markers", c, map[string]any{"anchor": cell, "severity": "urgent", "kind": "other", "text": "t"}, 400, "invalid", "urgent"},
		{"MarkerOnALink", "POST", "/markers", c, map[string]any{"anchor": map[string]any{"link": "k1"}, "severity": "low", "kind": "other", "text": "t"}, 400, "invalid", "card or a cell"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := e.store.FindBoard(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			r := tc.p.postJSON(t, tc.method, api+tc.path, tc.body)
			var got struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal([]byte(r.body), &got)
			if r.status != tc.status || got.Error.Code != tc.code || !strings.Contains(got.Error.Message, tc.says) {
				t.Errorf("%d %s; want %d %s saying %q", r.status, r.body, tc.status, tc.code, tc.says)
			}
			after, err := e.store.FindBoard(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			if after.Seq != before.Seq {
				t.Errorf("a refused request changed the board: seq %d → %d", before.Seq, after.Seq)
			}
		})
	}
	// An editor cannot make a comment appear as someone else's: the author is the
	// caller, whatever the op says of it.
	r := people["editor"].postJSON(t, http.MethodPost, api+"/comments", map[string]any{"anchor": cell, "text": "Signed: Zoe"})
	var made struct{ Comment blueprint.Comment }
	if err := json.Unmarshal([]byte(r.body), &made); err != nil || r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if !strings.HasPrefix(made.Comment.By, "g:") || made.Comment.Author != "Guest editor" {
		t.Errorf("the comment is by %q (%q); want the editor's guest identity", made.Comment.By, made.Comment.Author)
	}
	// Hostile text is kept as text.
	hostile := `<script>alert(1)</script>&amp; "quoted"`
	r = c.postJSON(t, http.MethodPost, api+"/comments", map[string]any{"anchor": cell, "text": hostile})
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	page := owner.do(t, http.MethodGet, "/boards/"+board, nil)
	if strings.Contains(string(page.body), "<script>alert(1)") {
		t.Error("the board page holds a comment's text as markup")
	}
	var list struct{ Comments []blueprint.Comment }
	if err := json.Unmarshal([]byte(owner.do(t, http.MethodGet, api+"/comments?filter=open", nil).body), &list); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list.Comments, func(c blueprint.Comment) bool { return c.Text == hostile }) {
		t.Errorf("the hostile text did not come back as it was typed: %+v", list.Comments)
	}
}

// TestNotificationsAndSince: a commenter's mention reaches the editor's notifications, a
// reply reaches the commenter's; each reads and marks only their own; "since you last
// looked" names exactly what changed after one's last-seen point, and mark-all-seen moves
// it.
func TestNotificationsAndSince(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	stage, lane, _, _ := annotationFixture(t, e, board)
	people := map[string]*person{}
	for _, role := range []string{"commenter", "editor", "viewer"} {
		p := e.person(t)
		p.mustJoin(t, owner.mustLink(t, board, url.Values{"role": {role}}), board, url.Values{"name": {"Guest " + role}})
		people[role] = p
	}
	c, ed, viewer := people["commenter"], people["editor"], people["viewer"]
	api := "/api/boards/" + board
	var viewerState struct {
		By        string `json:"by"`
		FirstSeen bool   `json:"first_visit"`
	}
	readViewer := func(p *person) {
		t.Helper()
		page := string(p.do(t, http.MethodGet, "/boards/"+board, nil).body)
		_, rest, ok := strings.Cut(page, `id="board-viewer"`)
		_, rest, _ = strings.Cut(rest, ">")
		data, _, _ := strings.Cut(rest, "</script>")
		if !ok || json.Unmarshal([]byte(data), &viewerState) != nil {
			t.Fatalf("no #board-viewer in the page: %q", data)
		}
	}
	readViewer(ed)
	edBy := viewerState.By
	if !strings.HasPrefix(edBy, "g:") || !viewerState.FirstSeen {
		t.Fatalf("the editor's page says %+v", viewerState)
	}
	readViewer(viewer) // the viewer's last-seen point: now
	r := c.postJSON(t, http.MethodPost, api+"/comments", map[string]any{"anchor": map[string]any{"stage": stage, "lane": lane},
		"text": "@editor who signs?", "mentions": []string{edBy}})
	var made struct{ Comment blueprint.Comment }
	if err := json.Unmarshal([]byte(r.body), &made); err != nil || r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var list struct {
		Notifications []blueprint.Notification
		Unread        int
	}
	mustList := func(p *person) {
		t.Helper()
		list.Notifications = nil
		r := p.do(t, http.MethodGet, "/api/notifications?unread=1", nil)
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &list) != nil {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	mustList(ed)
	if list.Unread != 1 || len(list.Notifications) != 1 || list.Notifications[0].Kind != "mention" ||
		list.Notifications[0].Item != made.Comment.ID || list.Notifications[0].Author != "Guest commenter" {
		t.Fatalf("the editor's notifications: %+v", list)
	}
	// The editor replies and resolves; the commenter hears of the reply.
	if r := ed.postJSON(t, http.MethodPost, api+"/comments", map[string]any{"parent": made.Comment.ID, "text": "I do"}); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := ed.postJSON(t, http.MethodPost, api+"/comments/"+made.Comment.ID+"/resolve", nil); r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	mustList(c)
	if list.Unread != 1 || list.Notifications[0].Kind != "reply" {
		t.Fatalf("the commenter's notifications: %+v", list)
	}
	// Nobody marks another's notifications read.
	id := list.Notifications[0].ID
	var read struct{ Read int }
	if r := ed.postJSON(t, http.MethodPost, "/api/notifications/read", map[string]any{"ids": []int64{id}}); json.Unmarshal([]byte(r.body), &read) != nil || read.Read != 0 {
		t.Errorf("the editor marked the commenter's notification: %s", r.body)
	}
	if r := c.postJSON(t, http.MethodPost, "/api/notifications/read", map[string]any{"ids": []int64{id}}); json.Unmarshal([]byte(r.body), &read) != nil || read.Read != 1 {
		t.Errorf("marking one's own: %s", r.body)
	}
	mustList(c)
	if list.Unread != 0 {
		t.Errorf("%d unread after marking", list.Unread)
	}
	if r := e.person(t).do(t, http.MethodGet, "/api/notifications", nil); r.status != http.StatusUnauthorized {
		t.Errorf("notifications without a session: %d", r.status)
	}

	// The viewer comes back: exactly the comment, the reply and the resolution, by two people.
	var since struct {
		Since blueprint.Since
	}
	r = viewer.do(t, http.MethodGet, api+"/since", nil)
	if err := json.Unmarshal([]byte(r.body), &since); err != nil || r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	s := since.Since
	if len(s.Comments.Added) != 2 || !slices.Equal(s.Comments.Resolved, []string{made.Comment.ID}) || s.Summary.Changes != 0 ||
		s.Summary.People != 2 || s.Summary.Ops != 3 {
		t.Errorf("since: %+v", s)
	}
	if r := viewer.postJSON(t, http.MethodPost, api+"/seen", nil); r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = viewer.do(t, http.MethodGet, api+"/since", nil)
	if err := json.Unmarshal([]byte(r.body), &since); err != nil || since.Since.Summary.Ops != 0 {
		t.Errorf("after mark-all-seen: %s", r.body)
	}
	// The activity feed groups them by person.
	var act struct{ Groups []blueprint.ActivityGroup }
	if r := viewer.do(t, http.MethodGet, api+"/activity", nil); json.Unmarshal([]byte(r.body), &act) != nil || len(act.Groups) < 2 {
		t.Errorf("activity: %s", r.body)
	}
}
