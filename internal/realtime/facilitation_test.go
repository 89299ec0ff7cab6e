package realtime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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
	hub := realtime.NewHub(store, nil, quietLog(), nil, realtime.Options{})
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
