package realtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// rawUntil reads frames from ws until one of type typ, and returns it with the raw bytes
// of every frame read, that one included.
func rawUntil(t *testing.T, ws *websocket.Conn, typ string) (map[string]any, []byte) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var all []byte
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		all = append(all, data...)
		var f map[string]any
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		if f["t"] == typ {
			return f, all
		}
	}
}

// TestFacilitationPrivate: in private mode a participant's new card is refused as an op
// and kept as a private card, sent to its author only (another participant's frames never
// hold its text); the facilitator reveals every private card at once, as ops in their
// authors' names, and hides them again (the cards come off the board and are private
// again, with the text they had); the mode survives a restart; only a facilitator runs
// it, and only those who edit add private cards.
func TestFacilitationPrivate(t *testing.T) {
	t.Parallel()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	b := mustBoard(t, store)
	stage, lane := b.SortedStages()[0].ID, b.SortedLanes()[0].ID
	type frame = map[string]any
	_, url := serveRoles(t, store, b.ID)
	fac, _ := dialRole(t, url, "facilitator", b.Seq)
	ed, _ := dialRole(t, url, "editor", b.Seq)
	ed2, _ := dialRole(t, url, "editor2", b.Seq)
	com, _ := dialRole(t, url, "commenter", b.Seq)
	draft := func(ws *websocket.Conn, change frame) { send(t, ws, frame{"t": "draft", "draft": change}) }
	add := func(id, text string) frame {
		return frame{"action": "add", "id": id, "stage": stage, "lane": lane, "text": text}
	}
	wantError := func(ws *websocket.Conn, code, what string) {
		t.Helper()
		if f := next(t, ws, "error"); f["code"] != code {
			t.Fatalf("%s: %v; want %s", what, f, code)
		}
	}
	draftsOf := func(f frame) []string {
		var out []string
		list, _ := f["drafts"].([]any)
		for _, d := range list {
			d := d.(frame)
			out = append(out, d["id"].(string)+"="+d["text"].(string))
		}
		return out
	}
	private := func(change string) []frame {
		t.Helper()
		send(t, fac, frame{"t": "facilitate", "private": change})
		var seen []frame
		for _, ws := range []*websocket.Conn{fac, ed, ed2, com} {
			seen = append(seen, next(t, ws, "facilitation"))
		}
		return seen
	}
	privateOf := func(f frame) bool { p, _ := f["facilitation"].(frame)["private"].(bool); return p }

	draft(ed, add("d-1", "A secret idea"))
	wantError(ed, blueprint.ECONFLICT, "a private card while private mode is off")
	send(t, ed, frame{"t": "facilitate", "private": "on"})
	wantError(ed, blueprint.EFORBIDDEN, "a participant turning private mode on")

	if seen := private("on"); !privateOf(seen[1]) {
		t.Fatalf("private mode on, as a participant is told: %v", seen[1])
	}
	send(t, ed, frame{"t": "ops", "ops": []frame{{"key": "ceditor:1", "op": "create", "type": "card", "id": "c-open",
		"fields": frame{"stage": stage, "lane": lane, "order": "V", "text": "in the open"}}}})
	if f := next(t, ed, "nack"); f["code"] != blueprint.ELOCKED || !strings.Contains(f["message"].(string), "private mode") {
		t.Fatalf("a participant's card op in private mode: %v", f)
	}
	draft(com, add("d-com", "from a commenter"))
	wantError(com, blueprint.EFORBIDDEN, "a commenter's private card")
	draft(ed, frame{"action": "add", "id": "d-x", "stage": "no-such-stage", "lane": lane, "text": "x"})
	wantError(ed, blueprint.ENOTFOUND, "a private card in no cell")

	draft(ed, add("d-1", "A secret idea"))
	if f := next(t, ed, "drafts"); strings.Join(draftsOf(f), ",") != "d-1=A secret idea" {
		t.Fatalf("the author's private cards: %v", f)
	}
	draft(ed2, add("d-2", "Another one"))
	f, raw := rawUntil(t, ed2, "drafts")
	if strings.Join(draftsOf(f), ",") != "d-2=Another one" || strings.Contains(string(raw), "secret") {
		t.Fatalf("the other participant's frames: %s", raw)
	}
	draft(ed2, frame{"action": "delete", "id": "d-1"})
	wantError(ed2, blueprint.ENOTFOUND, "deleting another's private card")
	draft(ed, frame{"action": "edit", "id": "d-1", "text": "A secret idea, edited"})
	next(t, ed, "drafts")
	if got := serverState(t, store, b.ID); got.Cards["d-1"] != nil || got.Cards["d-2"] != nil {
		t.Fatal("a private card is on the board before the reveal")
	}

	// The reveal: the cards go on the board in their authors' names, for everyone.
	send(t, fac, frame{"t": "facilitate", "private": "reveal"})
	ops, _ := rawUntil(t, com, "ops")
	var authors []string
	for _, o := range ops["ops"].([]any) {
		o := o.(frame)
		authors = append(authors, o["op"].(frame)["id"].(string)+":"+o["author"].(string))
	}
	if strings.Join(authors, ",") != "d-1:editor,d-2:editor2" {
		t.Fatalf("the revealed cards' ops: %v", ops)
	}
	if f := next(t, com, "facilitation"); privateOf(f) || f["facilitation"].(frame)["revealed"] == nil {
		t.Fatalf("the state after the reveal: %v", f)
	}
	if f := next(t, ed, "drafts"); len(draftsOf(f)) != 0 {
		t.Fatalf("the author's private cards after the reveal: %v", f)
	}
	if got := serverState(t, store, b.ID); got.Cards["d-1"] == nil || got.Cards["d-1"].Text != "A secret idea, edited" || got.Cards["d-2"] == nil {
		t.Fatalf("the board after the reveal: %+v", got.Cards)
	}
	send(t, ed, frame{"t": "facilitate", "private": "hide"})
	wantError(ed, blueprint.EFORBIDDEN, "a participant hiding the reveal")

	// The facilitator takes the reveal back: off the board, private again.
	send(t, fac, frame{"t": "facilitate", "private": "hide"})
	if f := next(t, ed, "drafts"); strings.Join(draftsOf(f), ",") != "d-1=A secret idea, edited" {
		t.Fatalf("the author's private cards after the hide: %v", f)
	}
	if got := serverState(t, store, b.ID); got.Cards["d-1"] != nil || got.Cards["d-2"] != nil {
		t.Fatal("a hidden card is still on the board")
	}

	// A restart: private mode is on, and the author gets their private card back.
	_, url2 := serveRoles(t, store, b.ID)
	back, welcome := dialRole(t, url2, "editor", b.Seq)
	if !privateOf(welcome) {
		t.Fatalf("the welcome after a restart: %v", welcome)
	}
	if f := next(t, back, "drafts"); strings.Join(draftsOf(f), ",") != "d-1=A secret idea, edited" {
		t.Fatalf("the private cards after a restart: %v", f)
	}
}
