package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// TestFacilitationVote: a facilitator opens a dot vote; each person's ballot goes to
// them only while it is open (a participant's next frame after their own vote is their
// own ballot, never another's); the rules are kept (votes per person, one per item,
// votable items, viewers cannot vote, participants cannot run a vote); a reconnected
// voter gets their ballot back; closing shows everyone the same ranked results; a
// reopened vote gives each voter their ballot again; a vote whose time is up is closed
// by the room, even one that ended while no process served the board; discard removes it.
func TestFacilitationVote(t *testing.T) {
	t.Parallel()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	b := mustBoard(t, store)
	cards := []string{"card-a", "card-b", "card-c"}
	stage, lane := b.SortedStages()[0].ID, b.SortedLanes()[0].ID
	for i, id := range cards {
		res, err := store.ApplyEdits(context.Background(), b.ID, []blueprint.Edit{{Author: "t", Op: createCard(id, stage, lane, id)}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("card %d: %v %v", i, err, res)
		}
	}
	b = serverState(t, store, b.ID)
	type frame = map[string]any
	hub, url := serveRoles(t, store, b.ID)
	fac, _ := dialRole(t, url, "facilitator", b.Seq)
	ed, _ := dialRole(t, url, "editor", b.Seq)
	com, _ := dialRole(t, url, "commenter", b.Seq)
	viewer, _ := dialRole(t, url, "viewer", b.Seq)
	everyone := []*websocket.Conn{fac, ed, com, viewer}
	vote := func(ws *websocket.Conn, item string, delta int) {
		send(t, ws, frame{"t": "vote", "item": item, "delta": delta})
	}
	wantError := func(ws *websocket.Conn, code, what string) {
		t.Helper()
		if f := next(t, ws, "error"); f["code"] != code {
			t.Fatalf("%s: %v; want %s", what, f, code)
		}
	}
	ballotOf := func(f frame) map[string]int {
		out := map[string]int{}
		items, _ := f["items"].(frame)
		for k, v := range items {
			out[k] = int(v.(float64))
		}
		return out
	}
	votesOf := func(f frame) []any {
		v, _ := f["facilitation"].(frame)["votes"].([]any)
		return v
	}
	facilitate := func(change frame) []frame {
		t.Helper()
		send(t, fac, frame{"t": "facilitate", "vote": change})
		var seen []frame
		for _, ws := range everyone {
			seen = append(seen, next(t, ws, "facilitation"))
		}
		return seen
	}

	vote(ed, cards[0], 1)
	wantError(ed, blueprint.ECONFLICT, "a vote with no vote open")
	send(t, ed, frame{"t": "facilitate", "vote": frame{"action": "open", "on": "cards", "per_person": 2}})
	wantError(ed, blueprint.EFORBIDDEN, "a participant opening a vote")

	seen := facilitate(frame{"action": "open", "on": "cards", "per_person": 2})
	open := votesOf(seen[1])
	if len(open) != 1 || open[0].(frame)["open"] != true || open[0].(frame)["results"] != nil {
		t.Fatalf("an opened vote, as a participant sees it: %v", seen[1])
	}
	voteID := open[0].(frame)["id"].(string)

	vote(ed, cards[0], 1)
	if f := next(t, ed, "ballot"); f["vote"] != voteID || !cmp.Equal(ballotOf(f), map[string]int{cards[0]: 1}) || f["used"] != 1.0 {
		t.Fatalf("the editor's ballot: %v", f)
	}
	vote(ed, cards[0], 1)
	wantError(ed, blueprint.ECONFLICT, "a second vote on one item")
	vote(ed, "no-such-card", 1)
	wantError(ed, blueprint.ENOTFOUND, "a vote on no card")
	vote(ed, cards[1], 1)
	next(t, ed, "ballot")
	vote(ed, cards[2], 1)
	wantError(ed, blueprint.ECONFLICT, "a third vote of two")
	vote(viewer, cards[0], 1)
	wantError(viewer, blueprint.EFORBIDDEN, "a viewer's vote")
	// The commenter's next ballot is their own: the editor's were never sent to them.
	vote(com, cards[1], 1)
	if f := next(t, com, "ballot"); !cmp.Equal(ballotOf(f), map[string]int{cards[1]: 1}) {
		t.Fatalf("the commenter's first ballot frame: %v; want their own vote only", f)
	}
	vote(com, cards[1], -1)
	next(t, com, "ballot")
	vote(com, cards[1], 1)
	next(t, com, "ballot")

	// A voter who comes back gets their ballot after the welcome.
	ed2, _ := dialRole(t, url, "editor", b.Seq)
	if f := next(t, ed2, "ballot"); !cmp.Equal(ballotOf(f), map[string]int{cards[0]: 1, cards[1]: 1}) {
		t.Fatalf("the editor's ballot on reconnecting: %v", f)
	}
	everyone = append(everyone, ed2)

	seen = facilitate(frame{"action": "close"})
	want := []any{frame{"item": cards[1], "votes": 2.0}, frame{"item": cards[0], "votes": 1.0}}
	for _, f := range seen {
		v := votesOf(f)[0].(frame)
		if v["open"] != false || v["voters"] != 2.0 || !cmp.Equal(v["results"], want) {
			t.Fatalf("the closed vote: %v; want 2 voters and results %v", v, want)
		}
	}
	vote(ed, cards[2], 1)
	wantError(ed, blueprint.ECONFLICT, "a vote after the close")

	send(t, fac, frame{"t": "facilitate", "vote": frame{"action": "reopen", "id": voteID}})
	for _, ws := range everyone {
		if v := votesOf(next(t, ws, "facilitation"))[0].(frame); v["open"] != true || v["results"] != nil {
			t.Fatalf("the reopened vote: %v", v)
		}
	}
	if f := next(t, ed, "ballot"); !cmp.Equal(ballotOf(f), map[string]int{cards[0]: 1, cards[1]: 1}) {
		t.Fatalf("the editor's ballot after the reopening: %v", f)
	}

	// A vote whose time ended while no process served the board is closed when one does.
	st, err := store.Facilitation(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.Votes[0].EndsAt = time.Now().Add(-time.Second).UnixMilli()
	if _, err := store.SetFacilitation(context.Background(), b.ID, st); err != nil {
		t.Fatal(err)
	}
	_, url2 := serveRoles(t, store, b.ID)
	late, f := dialRole(t, url2, "commenter", b.Seq)
	// The room closes the vote as it starts: before this joiner's welcome, or just after.
	if v := votesOf(f)[0].(frame); v["open"] != false {
		f = next(t, late, "facilitation")
	}
	if v := votesOf(f)[0].(frame); v["open"] != false || !cmp.Equal(v["results"], want) {
		t.Fatalf("a vote whose time was up: %v; want it closed with its results", v)
	}
	// The first process hears of it as through a notification (these hubs have no
	// broker), and shows the closed vote; a change made there before that would be
	// refused as made from an older state (TestFacilitationAcrossProcesses).
	hub.FacilitationChanged(b.ID, int64(f["facilitation"].(frame)["seq"].(float64)))
	for _, ws := range everyone {
		if v := votesOf(next(t, ws, "facilitation"))[0].(frame); v["open"] != false || !cmp.Equal(v["results"], want) {
			t.Fatalf("the first process after the announcement: %v; want the vote closed with its results", v)
		}
	}

	seen = facilitate(frame{"action": "discard", "id": voteID})
	if votesOf(seen[0]) != nil {
		t.Fatalf("after discarding the only vote: %v", seen[0])
	}
	if _, results, err := store.Tally(context.Background(), b.ID, voteID); err != nil || results != nil {
		t.Fatalf("the discarded vote's ballots: %v, %v", results, err)
	}
}
