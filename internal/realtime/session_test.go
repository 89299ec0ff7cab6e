package realtime_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// TestFacilitationClose: a workshop starts with the facilitator's first action; two
// participants add three cards and a friction marker, and vote; the facilitator closes
// the workshop: everyone is told, with the session's summary (cards, people, markers,
// the top-voted items with their text), the open vote is closed with its results, the
// timer and the lock end, and the board is kept as a version with the close's name. A
// participant's close is forbidden; a close without a name is refused.
func TestFacilitationClose(t *testing.T) {
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

	send(t, fac, frame{"t": "facilitate", "timer": frame{"action": "start", "minutes": 10}})
	next(t, ed, "facilitation")
	send(t, fac, frame{"t": "facilitate", "lock": "structure"})
	next(t, ed, "facilitation")
	card := func(key, id, text string) frame {
		return frame{"key": key, "op": "create", "type": "card", "id": id, "fields": frame{"stage": stage, "lane": lane, "order": "V" + id, "text": text}}
	}
	send(t, ed, frame{"t": "ops", "ops": []any{card("ceditor:1", "k1", "Apply online"), card("ceditor:2", "k2", "Wait"),
		frame{"key": "ceditor:3", "op": "create", "type": "marker", "id": "f1", "fields": frame{"anchor": frame{"card": "k2"}, "text": "too long", "severity": "high", "kind": "other"}}}})
	send(t, ed2, frame{"t": "ops", "ops": []any{card("ceditor2:1", "k3", "Call")}})
	// Wait until the four ops are on the board.
	eventually(t, "the session's ops", func() bool {
		got := serverState(t, store, b.ID)
		return got.Cards["k1"] != nil && got.Cards["k2"] != nil && got.Cards["k3"] != nil && got.Annotations.Markers["f1"] != nil
	})
	send(t, fac, frame{"t": "facilitate", "vote": frame{"action": "open", "on": "cards", "per_person": 2}})
	next(t, ed, "facilitation")
	for _, v := range []struct {
		ws   *websocket.Conn
		item string
	}{{ed, "k2"}, {ed2, "k2"}, {ed2, "k1"}} {
		send(t, v.ws, frame{"t": "vote", "item": v.item, "delta": 1})
		next(t, v.ws, "ballot")
	}

	send(t, ed, frame{"t": "facilitate", "close": frame{"name": "After workshop 1"}})
	if f := next(t, ed, "error"); f["code"] != blueprint.EFORBIDDEN {
		t.Fatalf("a participant's close: %v", f)
	}
	send(t, fac, frame{"t": "facilitate", "close": frame{"name": " "}})
	if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID {
		t.Fatalf("a close without a name: %v", f)
	}
	send(t, fac, frame{"t": "facilitate", "close": frame{"name": "After workshop 1"}})
	for _, ws := range []*websocket.Conn{fac, ed, ed2} {
		f := next(t, ws, "facilitation")["facilitation"].(frame)
		sessions, _ := f["sessions"].([]any)
		if len(sessions) != 1 || f["timer"] != nil || f["lock"] != nil || f["session_at"] != nil {
			t.Fatalf("the state after the close: %v", f)
		}
		s := sessions[0].(frame)
		want := frame{"name": "After workshop 1", "by": "facilitator", "cards": 3.0, "people": 2.0, "markers": 1.0, "comments": 0.0,
			"top_voted": []any{frame{"item": "k2", "text": "Wait", "votes": 2.0}, frame{"item": "k1", "text": "Apply online", "votes": 1.0}}}
		for k, v := range want {
			if !cmp.Equal(s[k], v) {
				t.Fatalf("the session's %s: %v; want %v (in %v)", k, s[k], v, s)
			}
		}
		if votes := f["votes"].([]any); votes[0].(frame)["open"] != false {
			t.Fatalf("the vote after the close: %v", votes)
		}
	}
	versions, err := store.Versions(context.Background(), b.ID)
	if err != nil || len(versions) != 1 || versions[0].Name != "After workshop 1" || versions[0].Seq != serverState(t, store, b.ID).Seq {
		t.Fatalf("the named versions after the close: %+v, %v", versions, err)
	}
}
