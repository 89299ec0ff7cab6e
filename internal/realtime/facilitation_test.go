package realtime_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
)

// TestFacilitationLock: only a facilitator changes the lock (a participant's forged frame
// gets forbidden and changes nothing); everyone is told; a participant's stage edit is
// refused with code locked while a card goes in; the facilitator is exempt; the HTTP path
// (Hub.ApplyEdits) is refused alike; a new hub on the same database (a restart) welcomes
// with the lock, and the board lock leaves annotations alone.
func TestFacilitationLock(t *testing.T) {
	t.Parallel()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	b := mustBoard(t, store)
	stage, lane := b.SortedStages()[0].ID, b.SortedLanes()[0].ID

	serve := func(t *testing.T) (*realtime.Hub, string) { return serveRoles(t, store, b.ID) }
	type frame = map[string]any
	dial := func(t *testing.T, url, role string) (*websocket.Conn, frame) { return dialRole(t, url, role, b.Seq) }
	lockOf := func(f frame) string {
		fac, _ := f["facilitation"].(frame)
		lock, _ := fac["lock"].(string)
		return lock
	}

	hub, url := serve(t)
	fac, welcome := dial(t, url, "facilitator")
	if lockOf(welcome) != "" {
		t.Fatalf("welcome of an unlocked board: %v", welcome)
	}
	ed, _ := dial(t, url, "editor")

	t.Run("ErrForbidden", func(t *testing.T) {
		send(t, ed, frame{"t": "facilitate", "lock": "board"})
		if f := next(t, ed, "error"); f["code"] != blueprint.EFORBIDDEN {
			t.Fatalf("a participant's facilitate frame: %v; want forbidden", f)
		}
		if got, err := store.Facilitation(context.Background(), b.ID); err != nil || got.Lock != "" || got.Seq != 0 {
			t.Fatalf("after a participant's facilitate frame the state is %+v, %v; want unchanged", got, err)
		}
	})

	t.Run("LockStructure", func(t *testing.T) {
		send(t, fac, frame{"t": "facilitate", "lock": "structure"})
		for _, ws := range []*websocket.Conn{fac, ed} {
			if f := next(t, ws, "facilitation"); lockOf(f) != "structure" || f["now"] == nil {
				t.Fatalf("facilitation frame %v; want the structure lock and the server's clock", f)
			}
		}
		send(t, ed, frame{"t": "ops", "ops": []frame{
			{"key": "ceditor:1", "op": "update", "type": "stage", "id": stage, "fields": frame{"name": "Renamed"}},
			{"key": "ceditor:2", "op": "create", "type": "card", "id": "card-under-lock", "fields": frame{"stage": stage, "lane": lane, "order": "V", "text": "still welcome"}},
		}})
		got := collect(t, ed, "nack", "ops") // the broadcast goes before the answers
		if f := got["nack"]; f["code"] != blueprint.ELOCKED || f["key"] != "ceditor:1" || !strings.Contains(f["message"].(string), "structure") {
			t.Fatalf("a participant's stage rename: %v; want a nack locked naming the structure", f)
		}
		if f := got["ops"]; f["ops"].([]any)[0].(frame)["op"].(frame)["id"] != "card-under-lock" {
			t.Fatalf("the card: %v", f)
		}
		next(t, fac, "ops") // the participant's card
		// The facilitator is exempt.
		send(t, fac, frame{"t": "ops", "ops": []frame{{"key": "cfacilitator:1", "op": "update", "type": "stage", "id": stage, "fields": frame{"name": "By the facilitator"}}}})
		if f := next(t, fac, "ops"); f["ops"].([]any)[0].(frame)["op"].(frame)["id"] != stage {
			t.Fatalf("the facilitator's rename: %v", f)
		}
		// The HTTP path goes through the same room.
		name := "By the API"
		res, err := hub.ApplyEdits(context.Background(), b.ID, []blueprint.Edit{{Author: "api", Op: blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeLane, ID: lane, Fields: blueprint.Fields{Label: &name}}}})
		if err != nil || blueprint.ErrorCode(res[0].Err) != blueprint.ELOCKED {
			t.Fatalf("a lane edit through the API: %+v, %v; want locked", res, err)
		}
		if got := serverState(t, store, b.ID); got.Stages[stage].Name != "By the facilitator" {
			t.Fatalf("the stage is named %q", got.Stages[stage].Name)
		}
	})

	// The timer: start, pause, add a minute, resume, stop, told to everyone with the
	// server's clock; a participant's timer frame is forbidden; an action that does not
	// apply, and a bad duration, are refused; the lock is left as it was.
	t.Run("Timer", func(t *testing.T) {
		timerOf := func(f frame) frame {
			fac, _ := f["facilitation"].(frame)
			timer, _ := fac["timer"].(frame)
			return timer
		}
		ms := func(v any) int64 { n, _ := v.(float64); return int64(n) }
		act := func(t *testing.T, change frame) frame {
			t.Helper()
			send(t, fac, frame{"t": "facilitate", "timer": change})
			f := next(t, fac, "facilitation")
			if g := next(t, ed, "facilitation"); g["facilitation"].(frame)["seq"] != f["facilitation"].(frame)["seq"] {
				t.Fatalf("the participant is told %v; the facilitator %v", g, f)
			}
			if lockOf(f) != "structure" {
				t.Fatalf("a timer's action changed the lock: %v", f)
			}
			return f
		}
		send(t, ed, frame{"t": "facilitate", "timer": frame{"action": "start", "minutes": 5}})
		if f := next(t, ed, "error"); f["code"] != blueprint.EFORBIDDEN {
			t.Fatalf("a participant's timer frame: %v; want forbidden", f)
		}
		send(t, fac, frame{"t": "facilitate", "timer": frame{"action": "start", "minutes": 121}})
		if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID || !strings.Contains(f["message"].(string), "120 minutes") {
			t.Fatalf("a 121-minute timer: %v; want invalid", f)
		}
		send(t, fac, frame{"t": "facilitate", "timer": frame{"action": "pause"}})
		if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID {
			t.Fatalf("pausing no timer: %v; want invalid", f)
		}

		f := act(t, frame{"action": "start", "minutes": 5})
		tm, now := timerOf(f), ms(f["now"])
		if tm["running"] != true || ms(tm["duration_ms"]) != 300_000 || ms(tm["ends_at"])-now < 299_000 || ms(tm["ends_at"])-now > 300_000 {
			t.Fatalf("a started timer: %v at %d", tm, now)
		}
		f = act(t, frame{"action": "pause"})
		tm = timerOf(f)
		if tm["running"] != false || tm["ends_at"] != nil || ms(tm["remaining_ms"]) < 290_000 || ms(tm["remaining_ms"]) > 300_000 {
			t.Fatalf("a paused timer: %v", tm)
		}
		remaining := ms(tm["remaining_ms"])
		f = act(t, frame{"action": "add"})
		if tm = timerOf(f); ms(tm["remaining_ms"]) != remaining+60_000 || ms(tm["duration_ms"]) != 360_000 {
			t.Fatalf("a minute added to a paused timer: %v", tm)
		}
		f = act(t, frame{"action": "resume"})
		tm = timerOf(f)
		if left := ms(tm["ends_at"]) - ms(f["now"]); tm["running"] != true || left > remaining+60_000 || left < remaining+58_000 {
			t.Fatalf("a resumed timer: %v at %v", tm, f["now"])
		}
		if got, err := store.Facilitation(context.Background(), b.ID); err != nil || !got.Timer.Running || got.Timer.DurationMs != 360_000 {
			t.Fatalf("the stored timer: %+v, %v", got.Timer, err)
		}
		if f = act(t, frame{"action": "stop"}); timerOf(f) != nil {
			t.Fatalf("a stopped timer: %v", f)
		}
		// A paused timer for the restart.
		act(t, frame{"action": "start", "minutes": 2})
		act(t, frame{"action": "pause"})
	})

	t.Run("SurvivesRestart", func(t *testing.T) {
		_, url2 := serve(t)
		_, welcome := dial(t, url2, "viewer")
		if lockOf(welcome) != "structure" {
			t.Fatalf("welcome after a restart: %v; want the structure lock", welcome)
		}
		if f, _ := welcome["facilitation"].(frame)["timer"].(frame); f["running"] != false || f["remaining_ms"] == nil {
			t.Fatalf("welcome after a restart: %v; want the paused timer", welcome)
		}
	})

	t.Run("LockBoard", func(t *testing.T) {
		send(t, fac, frame{"t": "facilitate", "lock": "board"})
		next(t, ed, "facilitation")
		send(t, ed, frame{"t": "ops", "ops": []frame{
			{"key": "ceditor:3", "op": "create", "type": "card", "id": "card-refused", "fields": frame{"stage": stage, "lane": lane, "order": "W", "text": "no"}},
		}})
		if f := next(t, ed, "nack"); f["code"] != blueprint.ELOCKED || !strings.Contains(f["message"].(string), "board") {
			t.Fatalf("a participant's card under the board lock: %v", f)
		}
	})
}

// serveRoles starts a hub on store with a server whose participants of board come from
// ?role=: a facilitator is a moderator, a viewer can neither edit nor comment, a
// commenter only comments, anyone else edits. Each connection's identity is its client id.
func serveRoles(t *testing.T, store *postgres.Store, board string) (*realtime.Hub, string) {
	return serveRolesWith(t, store, nil, board)
}

// serveRolesProcess is serveRoles as a lastmile process of its own on dsn: its own pool,
// and a notifier and a listener through which it tells and hears the others.
func serveRolesProcess(t *testing.T, dsn, board string) (*realtime.Hub, string) {
	ctx, stop := context.WithCancel(context.Background())
	pool, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	n := postgres.NewNotifier(pool, quietLog())
	hub, url := serveRolesWith(t, postgres.NewStore(pool), n, board)
	done := make(chan struct{}, 2)
	go func() { n.Run(ctx); done <- struct{}{} }()
	go func() {
		postgres.Listen(ctx, dsn, quietLog(), postgres.Handlers{Ops: hub.Notify, Resync: hub.Resync, Facilitation: hub.FacilitationChanged})
		done <- struct{}{}
	}()
	t.Cleanup(func() { stop(); <-done; <-done; pool.Close() }) // after the hub's shutdown: cleanups run last first
	return hub, url
}

func serveRolesWith(t *testing.T, store realtime.Store, broker realtime.Broker, board string) (*realtime.Hub, string) {
	hub := realtime.NewHub(store, broker, quietLog(), nil, realtime.Options{})
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		role := r.URL.Query().Get("role")
		hub.Serve(ws, board, realtime.Participant{Name: role, Role: role, CanEdit: role != "viewer" && role != "commenter",
			CanComment: role != "viewer", Moderator: role == "facilitator"})
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		hs.CloseClientConnections()
		hs.Close()
	})
	return hub, "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
}

// dialRole connects to a serveRoles server as role, with the client id "c"+role, holding
// the board at seq, and returns the connection and its welcome.
func dialRole(t *testing.T, url, role string, seq int64) (*websocket.Conn, map[string]any) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url+"?role="+role, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "c" + role, "seq": seq}); err != nil {
		t.Fatal(err)
	}
	return ws, next(t, ws, "welcome")
}

// send writes a frame to ws.
func send(t *testing.T, ws *websocket.Conn, f map[string]any) {
	t.Helper()
	if err := ws.WriteJSON(f); err != nil {
		t.Fatal(err)
	}
}

// next reads frames from ws until one of type typ, for at most 10 seconds.
func next(t *testing.T, ws *websocket.Conn, typ string) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		if f["t"] == typ {
			return f
		}
	}
}

// collect reads frames from ws until it has one of each of types, for at most 10 seconds,
// and returns the first of each.
func collect(t *testing.T, ws *websocket.Conn, types ...string) map[string]map[string]any {
	t.Helper()
	got := map[string]map[string]any{}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(got) < len(types) {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("waiting for frames %v, got %v: %v", types, got, err)
		}
		typ, _ := f["t"].(string)
		if _, seen := got[typ]; !seen && slices.Contains(types, typ) {
			got[typ] = f
		}
	}
	return got
}

// TestFacilitationAcrossProcesses: two processes serve the board. The facilitator on one
// locks the structure and starts the timer; the participant on the other is told within
// moments and its stage edit is refused with the lock's message. A facilitator whose
// process did not hear of a change (no listener) is refused with conflict, and sees the
// state as it is.
func TestFacilitationAcrossProcesses(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	pool, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	b := mustBoard(t, store)
	stage := b.SortedStages()[0].ID
	type frame = map[string]any
	stateOf := func(f frame) frame { s, _ := f["facilitation"].(frame); return s }

	_, urlA := serveRolesProcess(t, dsn, b.ID)
	_, urlB := serveRolesProcess(t, dsn, b.ID)
	fac, _ := dialRole(t, urlA, "facilitator", b.Seq)
	ed, _ := dialRole(t, urlB, "editor", b.Seq)
	// A card from A reaching B says that B listens: a notification sent before would be
	// missed (and heard of again only when B's listener reconnects). A sends one every
	// 100 ms until B's participant has one.
	lane := b.SortedLanes()[0].ID
	stopProbes, probing := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(probing)
		for i := 1; ; i++ {
			_ = fac.WriteJSON(frame{"t": "ops", "ops": []frame{{"key": fmt.Sprintf("cfacilitator:%d", i), "op": "create", "type": "card",
				"id": fmt.Sprintf("probe-%d", i), "fields": frame{"stage": stage, "lane": lane, "order": "V", "text": "probe"}}}})
			select {
			case <-stopProbes:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	next(t, ed, "ops")
	close(stopProbes)
	<-probing

	send(t, fac, frame{"t": "facilitate", "lock": "structure"})
	if f := next(t, ed, "facilitation"); stateOf(f)["lock"] != "structure" {
		t.Fatalf("the other process's participant was told %v; want the structure lock", f)
	}
	send(t, fac, frame{"t": "facilitate", "timer": frame{"action": "start", "minutes": 5}})
	if f := next(t, ed, "facilitation"); stateOf(f)["timer"] == nil || stateOf(f)["lock"] != "structure" {
		t.Fatalf("the other process's participant was told %v; want the timer and the lock", f)
	}
	send(t, ed, frame{"t": "ops", "ops": []frame{{"key": "ceditor:1", "op": "update", "type": "stage", "id": stage, "fields": frame{"name": "Renamed"}}}})
	if f := next(t, ed, "nack"); f["code"] != blueprint.ELOCKED || !strings.Contains(f["message"].(string), "structure") {
		t.Fatalf("a stage rename through the other process: %v; want locked, naming the structure", f)
	}
	if got := serverState(t, store, b.ID); got.Stages[stage].Name == "Renamed" {
		t.Fatal("the stage was renamed under the lock")
	}

	// A process that hears nothing keeps the state it read; its facilitator's change is
	// refused, and everyone there is shown the state as stored.
	_, deaf := serveRoles(t, store, b.ID)
	stale, welcome := dialRole(t, deaf, "facilitator", b.Seq)
	seqAtJoin := stateOf(welcome)["seq"]
	send(t, fac, frame{"t": "facilitate", "lock": "board"})
	if f := next(t, ed, "facilitation"); stateOf(f)["lock"] != "board" {
		t.Fatalf("the board lock: %v", f)
	}
	send(t, stale, frame{"t": "facilitate", "lock": ""})
	got := collect(t, stale, "error", "facilitation")
	if f := got["error"]; f["code"] != blueprint.ECONFLICT {
		t.Fatalf("a change made from a state changed meanwhile: %v; want conflict", f)
	}
	if f := got["facilitation"]; stateOf(f)["lock"] != "board" || stateOf(f)["seq"] == seqAtJoin {
		t.Fatalf("after the conflict the stale process shows %v; want the board lock as stored", f)
	}
	if st, err := store.Facilitation(context.Background(), b.ID); err != nil || st.Lock != blueprint.LockBoard {
		t.Fatalf("stored: %+v, %v; want the board lock kept", st, err)
	}

	// A reveal writes the private cards before the state is stored: from a state that
	// another process has changed, it is refused before writing anything.
	for _, change := range []frame{{"lock": ""}, {"private": "on"}} {
		change["t"] = "facilitate"
		send(t, fac, change)
		next(t, ed, "facilitation")
	}
	send(t, ed, frame{"t": "draft", "draft": frame{"action": "add", "id": "d-1", "stage": stage, "lane": lane, "text": "A secret idea"}})
	next(t, ed, "drafts")
	before := serverState(t, store, b.ID).Seq
	send(t, stale, frame{"t": "facilitate", "private": "reveal"})
	if f := collect(t, stale, "error", "facilitation")["error"]; f["code"] != blueprint.ECONFLICT {
		t.Fatalf("a reveal from a state changed meanwhile: %v; want conflict", f)
	}
	if after := serverState(t, store, b.ID); after.Seq != before || after.Cards["d-1"] != nil {
		t.Fatalf("the refused reveal wrote: seq %d → %d", before, after.Seq)
	}
}

// countingStore counts the reads of ballots and private cards.
type countingStore struct {
	*postgres.Store
	ballots, drafts atomic.Int64
}

func (s *countingStore) BallotOf(ctx context.Context, boardID, voteID, voter string) (blueprint.Ballot, error) {
	s.ballots.Add(1)
	return s.Store.BallotOf(ctx, boardID, voteID, voter)
}

func (s *countingStore) DraftsOf(ctx context.Context, boardID, by string) ([]blueprint.Draft, error) {
	s.drafts.Add(1)
	return s.Store.DraftsOf(ctx, boardID, by)
}

// TestViewersJoinWithoutReads: while a vote is open and private mode is on, a viewer
// joining gets an empty ballot and no private cards, as the others get theirs, without
// a read of the database (a thousand of them may join at once); an editor's are read.
func TestViewersJoinWithoutReads(t *testing.T) {
	t.Parallel()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := &countingStore{Store: postgres.NewStore(pool)}
	b := mustBoard(t, store.Store)
	type frame = map[string]any
	_, url := serveRolesWith(t, store, nil, b.ID)
	fac, _ := dialRole(t, url, "facilitator", b.Seq)
	for _, change := range []frame{{"private": "on"}, {"vote": frame{"action": "open", "on": "cards", "per_person": 2}}} {
		change["t"] = "facilitate"
		send(t, fac, change)
		next(t, fac, "facilitation")
	}
	ballots, drafts := store.ballots.Load(), store.drafts.Load()
	viewer, _ := dialRole(t, url, "viewer", b.Seq)
	got := collect(t, viewer, "ballot", "drafts")
	if items, _ := got["ballot"]["items"].(frame); got["ballot"]["vote"] == "" || len(items) != 0 || got["ballot"]["used"] != float64(0) {
		t.Errorf("the viewer's ballot: %v; want the open vote's, empty", got["ballot"])
	}
	if d := got["drafts"]["drafts"]; d != nil {
		t.Errorf("the viewer's private cards: %v; want none", d)
	}
	if store.ballots.Load() != ballots || store.drafts.Load() != drafts {
		t.Errorf("a viewer's join read %d ballots and %d private card lists; want none",
			store.ballots.Load()-ballots, store.drafts.Load()-drafts)
	}
	ed, _ := dialRole(t, url, "editor", b.Seq)
	collect(t, ed, "ballot", "drafts")
	if store.ballots.Load() != ballots+1 || store.drafts.Load() != drafts+1 {
		t.Errorf("an editor's join read %d ballots and %d private card lists; want 1 and 1",
			store.ballots.Load()-ballots, store.drafts.Load()-drafts)
	}
}
