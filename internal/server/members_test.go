package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/websocket"
)

// memberList is GET /api/boards/{id}/members.
type memberList struct {
	Members []struct {
		UserID      string `json:"user_id"`
		Email, Role string
		Owner       bool
	}
	Guests []struct {
		Name, Role string
		LinkID     string `json:"link_id"`
		SignedIn   bool   `json:"signed_in"`
	}
}

func (p *person) mustMembers(t *testing.T, boardID string) memberList {
	t.Helper()
	r := p.do(t, http.MethodGet, "/api/boards/"+boardID+"/members", nil)
	var l memberList
	if r.status != http.StatusOK || json.Unmarshal(r.body, &l) != nil {
		t.Fatalf("members: %v", r)
	}
	return l
}

func (l memberList) id(t *testing.T, email string) string {
	t.Helper()
	for _, m := range l.Members {
		if m.Email == email {
			return m.UserID
		}
	}
	t.Fatalf("%s is not a member: %+v", email, l.Members)
	return ""
}

func (l memberList) role(email string) string {
	for _, m := range l.Members {
		if m.Email == email {
			return m.Role
		}
	}
	return ""
}

// wantClosed reads until the socket ends and checks it was closed with 1008.
func wantClosed(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var f map[string]any
		err := ws.ReadJSON(&f)
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
			t.Fatalf("socket ended with %v; want close 1008", err)
		}
		return
	}
}

func mustDoc(t *testing.T, r response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("template").Remove() // not part of the page, as a browser's selectors see it
	return doc
}

// TestMembers walks a member through invitation, a new role and removal, each taking
// effect at once on their open socket, and checks what the facilitator may not do.
func TestMembers(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	ada := e.person(t)
	ada.mustSignUp(t, "ada@example.org")

	if r := ada.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusForbidden {
		t.Fatalf("board page before the invitation: %v", r)
	}
	if r := owner.form(t, "/boards/"+board+"/members", url.Values{"email": {"Ada@Example.org "}, "role": {"viewer"}}); r.status != http.StatusSeeOther {
		t.Fatalf("invite: %v", r)
	}
	list := owner.mustMembers(t, board)
	adaID, ownerID := list.id(t, "ada@example.org"), list.id(t, "owner@example.org")
	if list.role("ada@example.org") != "viewer" || !list.Members[0].Owner || list.Members[0].Email != "owner@example.org" {
		t.Fatalf("members after the invitation: %+v", list.Members)
	}

	t.Run("PanelOnlyForFacilitator", func(t *testing.T) {
		doc := mustDoc(t, owner.do(t, http.MethodGet, "/boards/"+board, nil))
		if n := doc.Find(`[data-testid="member"]`).Length(); n != 2 {
			t.Fatalf("%d member rows on the facilitator's page; want 2", n)
		}
		if n := doc.Find(`[data-member-id="` + ownerID + `"] form`).Length(); n != 0 {
			t.Fatalf("the owner's row has %d forms; want none", n)
		}
		if n := doc.Find(`[data-member-id="` + adaID + `"] form`).Length(); n != 2 {
			t.Fatalf("a member's row has %d forms; want 2 (role, remove)", n)
		}
		doc = mustDoc(t, ada.do(t, http.MethodGet, "/boards/"+board, nil))
		if doc.Find(`[data-testid="members"]`).Length() != 0 || doc.Find(`article.board`).AttrOr("data-can-edit", "") != "false" {
			t.Fatalf("a viewer's page shows the members panel or is editable")
		}
		if doc := mustDoc(t, owner.do(t, http.MethodGet, "/boards/"+board, nil)); doc.Find(`article.board`).AttrOr("data-can-edit", "") != "true" {
			t.Fatalf("the facilitator's page lacks data-can-edit=true")
		}
	})

	t.Run("HomeShowsRole", func(t *testing.T) {
		doc := mustDoc(t, ada.do(t, http.MethodGet, "/", nil))
		if got := doc.Find(`li[data-board-id="`+board+`"]`).AttrOr("data-role", ""); got != "viewer" {
			t.Fatalf("ada's home: role %q; want viewer", got)
		}
		doc = mustDoc(t, owner.do(t, http.MethodGet, "/", nil))
		if got := doc.Find(`li[data-board-id="`+board+`"]`).AttrOr("data-role", ""); got != "facilitator" {
			t.Fatalf("owner's home: role %q; want facilitator", got)
		}
	})

	t.Run("NewRoleClosesSocket", func(t *testing.T) {
		ws, _, _ := ada.dialWS(t, board)
		if f := wsFrame(t, ws, "welcome"); f["role"] != "viewer" {
			t.Fatalf("welcome: %v", f)
		}
		if r := owner.form(t, "/boards/"+board+"/members/"+adaID+"/role", url.Values{"role": {"editor"}}); r.status != http.StatusSeeOther {
			t.Fatalf("new role: %v", r)
		}
		wantClosed(t, ws)
		ws, _, _ = ada.dialWS(t, board)
		if f := wsFrame(t, ws, "welcome"); f["role"] != "editor" {
			t.Fatalf("welcome after the new role: %v", f)
		}
		if r := ada.form(t, "/boards/"+board+"/title", url.Values{"title": {"By Ada"}}); r.status != http.StatusSeeOther {
			t.Fatalf("editing as editor: %v", r)
		}
	})

	t.Run("RemovalClosesSocket", func(t *testing.T) {
		ws, _, _ := ada.dialWS(t, board)
		if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
			t.Fatalf("welcome: %v", f)
		}
		if r := owner.form(t, "/boards/"+board+"/members/"+adaID+"/remove", nil); r.status != http.StatusSeeOther {
			t.Fatalf("remove: %v", r)
		}
		wantClosed(t, ws)
		if _, _, status := ada.dialWS(t, board); status != http.StatusForbidden {
			t.Fatalf("websocket after removal: %d; want 403", status)
		}
		if r := ada.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusForbidden {
			t.Fatalf("board page after removal: %v", r)
		}
	})

	t.Run("ErrOwner", func(t *testing.T) {
		if err := e.store.AddMember(t.Context(), board, adaID, "facilitator"); err != nil {
			t.Fatal(err)
		}
		// Even another facilitator cannot demote or remove the owner.
		for _, p := range []*person{owner, ada} {
			if r := p.form(t, "/boards/"+board+"/members/"+ownerID+"/role", url.Values{"role": {"viewer"}}); r.status != http.StatusForbidden {
				t.Fatalf("demoting the owner: %v; want 403", r)
			}
			if r := p.form(t, "/boards/"+board+"/members/"+ownerID+"/remove", nil); r.status != http.StatusForbidden {
				t.Fatalf("removing the owner: %v; want 403", r)
			}
		}
		if got := owner.mustMembers(t, board).role("owner@example.org"); got != "facilitator" {
			t.Fatalf("owner's role after refused changes: %q", got)
		}
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		before := e.members(t, board)
		for _, tc := range []struct {
			name, path string
			v          url.Values
			status     int
			text       string
		}{
			{"UnknownUser", "/members/unobody/role", url.Values{"role": {"viewer"}}, http.StatusNotFound, "member not found"},
			{"UnknownUserRemove", "/members/unobody/remove", nil, http.StatusNotFound, "member not found"},
			{"BadRole", "/members/" + adaID + "/role", url.Values{"role": {"owner"}}, http.StatusBadRequest, "facilitator, editor, commenter or viewer"},
			{"NoAccount", "/members", url.Values{"email": {"nobody@example.org"}, "role": {"viewer"}}, http.StatusNotFound, "ask them to sign up first"},
			{"Twice", "/members", url.Values{"email": {"ada@example.org"}, "role": {"viewer"}}, http.StatusConflict, "member of this board already"},
			{"HostileEmail", "/members", url.Values{"email": {`<script>alert(1)</script>`}, "role": {"viewer"}}, http.StatusBadRequest, "not valid"},
			{"HugeEmail", "/members", url.Values{"email": {strings.Repeat("a", 70000) + "@example.org"}}, http.StatusRequestEntityTooLarge, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := owner.form(t, "/boards/"+board+tc.path, tc.v)
				if r.status != tc.status || !strings.Contains(string(r.body), tc.text) {
					t.Fatalf("status %d; want %d with %q in:\n%.400s", r.status, tc.status, tc.text, r.body)
				}
				if strings.Contains(string(r.body), "<script>alert") {
					t.Fatal("hostile text was not escaped")
				}
				if after := e.members(t, board); after != before {
					t.Fatalf("a refused change changed the members: %s → %s", before, after)
				}
			})
		}
	})

	t.Run("GuestsListed", func(t *testing.T) {
		link := owner.mustLink(t, board, url.Values{"role": {"commenter"}, "label": {"workshop"}})
		guest := e.person(t)
		guest.mustJoin(t, link, board, url.Values{"name": {`<b>Grace</b>`}})
		list := owner.mustMembers(t, board)
		if len(list.Guests) != 1 || list.Guests[0].Name != "<b>Grace</b>" || list.Guests[0].Role != "commenter" || list.Guests[0].SignedIn {
			t.Fatalf("guests: %+v", list.Guests)
		}
		r := owner.do(t, http.MethodGet, "/boards/"+board, nil)
		doc := mustDoc(t, r)
		row := doc.Find(`[data-testid="guest"]`)
		if row.Length() != 1 || !strings.Contains(row.Text(), "<b>Grace</b>") || !strings.Contains(row.Text(), "workshop") {
			t.Fatalf("guest row: %q", row.Text())
		}
		if strings.Contains(string(r.body), "<b>Grace") {
			t.Fatal("the guest's name was not escaped")
		}
	})
}
