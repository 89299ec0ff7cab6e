package realtime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
)

// followEnv is a hub over a fresh database with one board, serving participants whose
// role comes from ?role= (facilitator, editor or viewer).
type followEnv struct {
	store *postgres.Store
	board *blueprint.Board
	url   string
}

func newFollowEnv(t *testing.T) *followEnv {
	t.Helper()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := &followEnv{store: postgres.NewStore(pool)}
	e.board = mustBoard(t, e.store)
	e.url = e.serve(t)
	return e
}

// serve starts a hub, as a process does, and returns its websocket URL.
func (e *followEnv) serve(t *testing.T) string {
	t.Helper()
	hub := realtime.NewHub(e.store, nil, quietLog(), nil, realtime.Options{})
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		role := r.URL.Query().Get("role")
		hub.Serve(ws, e.board.ID, realtime.Participant{Name: r.URL.Query().Get("name"), Role: role, CanEdit: role != "viewer",
			CanComment: role != "viewer", Moderator: role == "facilitator", By: "u:" + r.URL.Query().Get("name")})
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
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
}

// dial connects name with role and returns the socket and its conn id.
func (e *followEnv) dial(t *testing.T, url, name, role string) (*websocket.Conn, string) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url+"?role="+role+"&name="+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	send(t, ws, map[string]any{"t": "hello", "v": 1, "client": "c" + name, "seq": e.board.Seq})
	return ws, next(t, ws, "welcome")["conn"].(string)
}

// peerOf reads peers frames from ws until one holds the entry of conn for which ok is
// true, and returns that entry.
func peerOf(t *testing.T, ws *websocket.Conn, conn string, ok func(p map[string]any) bool) map[string]any {
	t.Helper()
	for {
		f := next(t, ws, "peers")
		peers, _ := f["peers"].([]any)
		for _, p := range peers {
			if p := p.(map[string]any); p["conn"] == conn && ok(p) {
				return p
			}
		}
	}
}

// before reads frames from ws until one of type typ, failing on a frame of type never
// on the way: the server sends a connection's frames in order, so a frame that did not
// come before typ's was never sent before it.
func before(t *testing.T, ws *websocket.Conn, typ, never string) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		switch f["t"] {
		case never:
			t.Fatalf("got %v before the %s frame", f, typ)
		case typ:
			return f
		}
	}
}

func focusOf(f map[string]any) map[string]any {
	fac, _ := f["facilitation"].(map[string]any)
	focus, _ := fac["focus"].(map[string]any)
	return focus
}

// TestFocus: a facilitator spotlights a stage, then a lane, for everyone; what is not on
// the board, a hidden lane and a participant's forged frame are refused and change
// nothing; a restarted hub welcomes with the focus; {} clears it.
func TestFocus(t *testing.T) {
	t.Parallel()
	e := newFollowEnv(t)
	stage, lane := e.board.SortedStages()[0].ID, e.board.SortedLanes()[0].ID
	fac, _ := e.dial(t, e.url, "Ana", "facilitator")
	ed, _ := e.dial(t, e.url, "Bo", "editor")
	state := func() blueprint.Facilitation {
		t.Helper()
		f, err := e.store.Facilitation(context.Background(), e.board.ID)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}

	t.Run("ErrForbidden", func(t *testing.T) {
		send(t, ed, map[string]any{"t": "facilitate", "focus": map[string]any{"kind": "stage", "id": stage}})
		if f := next(t, ed, "error"); f["code"] != blueprint.EFORBIDDEN || !strings.Contains(f["message"].(string), "spotlight") {
			t.Fatalf("a participant's focus: %v; want forbidden", f)
		}
		if got := state(); got.Seq != 0 {
			t.Fatalf("after a participant's focus the state is %+v", got)
		}
	})
	t.Run("Stage", func(t *testing.T) {
		send(t, fac, map[string]any{"t": "facilitate", "focus": map[string]any{"kind": "stage", "id": stage}})
		for _, ws := range []*websocket.Conn{fac, ed} {
			if f := focusOf(next(t, ws, "facilitation")); f["kind"] != "stage" || f["id"] != stage {
				t.Fatalf("focus %v; want the stage %s", f, stage)
			}
		}
		if got := state(); got.Focus != (blueprint.Focus{Kind: blueprint.FocusStage, ID: stage}) {
			t.Fatalf("stored %+v", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		was := state()
		for _, focus := range []map[string]any{{"kind": "stage", "id": "no-such-stage"}, {"kind": "lane", "id": stage}} {
			send(t, fac, map[string]any{"t": "facilitate", "focus": focus})
			if f := next(t, fac, "error"); f["code"] != blueprint.ENOTFOUND {
				t.Fatalf("a focus on %v: %v; want not_found", focus, f)
			}
		}
		if got := state(); !reflect.DeepEqual(got, was) {
			t.Fatalf("refused focuses changed the state: %+v → %+v", was, got)
		}
	})
	t.Run("ErrHiddenLane", func(t *testing.T) {
		hidden, yes := e.board.SortedLanes()[1].ID, true
		if res, err := e.store.ApplyEdits(context.Background(), e.board.ID, []blueprint.Edit{{Author: "t",
			Op: blueprint.Op{Key: "t:1", Action: blueprint.ActionUpdate, Type: blueprint.TypeLane, ID: hidden, Fields: blueprint.Fields{Hidden: &yes}}}}); err != nil || res[0].Err != nil {
			t.Fatalf("hiding a lane: %v %v", err, res)
		}
		send(t, fac, map[string]any{"t": "facilitate", "focus": map[string]any{"kind": "lane", "id": hidden}})
		if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID {
			t.Fatalf("a focus on a hidden lane: %v; want invalid", f)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		was := state()
		send(t, fac, map[string]any{"t": "facilitate", "focus": map[string]any{"kind": "card", "id": "c-1"}})
		if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID {
			t.Fatalf("a focus on a card: %v; want invalid", f)
		}
		if got := state(); !reflect.DeepEqual(got, was) {
			t.Fatalf("a malformed focus changed the state: %+v → %+v", was, got)
		}
	})
	t.Run("Lane", func(t *testing.T) {
		send(t, fac, map[string]any{"t": "facilitate", "focus": map[string]any{"kind": "lane", "id": lane}})
		if f := focusOf(next(t, ed, "facilitation")); f["kind"] != "lane" || f["id"] != lane {
			t.Fatalf("focus %v; want the lane %s", f, lane)
		}
	})
	t.Run("Restart", func(t *testing.T) {
		url := e.serve(t) // a second hub on the same database, as after a restart
		ws, _, err := websocket.DefaultDialer.Dial(url+"?role=viewer&name=Cy", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		send(t, ws, map[string]any{"t": "hello", "v": 1, "client": "cCy", "seq": e.board.Seq})
		if f := focusOf(next(t, ws, "welcome")); f["kind"] != "lane" || f["id"] != lane {
			t.Fatalf("the welcome of a restarted hub has the focus %v", f)
		}
	})
	t.Run("Clear", func(t *testing.T) {
		send(t, fac, map[string]any{"t": "facilitate", "focus": map[string]any{}})
		if f := next(t, ed, "facilitation"); focusOf(f) != nil {
			t.Fatalf("a cleared focus: %v", f)
		}
		if got := state(); !got.Focus.IsZero() {
			t.Fatalf("stored %+v", got)
		}
	})
}

// TestFollow: a viewer follows the facilitator and gets the views the facilitator's page
// sends, which nobody else gets; following oneself, a circle and someone absent are
// refused; the followed leaving ends the following.
func TestFollow(t *testing.T) {
	t.Parallel()
	e := newFollowEnv(t)
	fac, facConn := e.dial(t, e.url, "Ana", "facilitator")
	vw, vwConn := e.dial(t, e.url, "Vi", "viewer")
	ed, edConn := e.dial(t, e.url, "Bo", "editor")
	view := map[string]any{"x": 812.5, "y": 240.0, "zoom": 0.8}

	send(t, vw, map[string]any{"t": "follow", "conn": facConn})
	p := peerOf(t, fac, vwConn, func(p map[string]any) bool { return p["following"] == facConn })
	if p["person"] == nil || p["person"] == "" {
		t.Fatalf("a peers entry without its person: %v", p)
	}
	send(t, fac, map[string]any{"t": "view", "view": view})
	if f := next(t, vw, "view"); f["conn"] != facConn || f["view"].(map[string]any)["x"] != 812.5 {
		t.Fatalf("the follower got %v", f)
	}
	// The editor follows nobody: the facilitator's next pointer reaches it with no view before.
	send(t, fac, map[string]any{"t": "presence", "cursor": map[string]any{"x": 1, "y": 2}})
	before(t, ed, "peers", "view")

	t.Run("ErrSelf", func(t *testing.T) {
		send(t, ed, map[string]any{"t": "follow", "conn": edConn})
		if f := next(t, ed, "error"); f["code"] != blueprint.EINVALID {
			t.Fatalf("following oneself: %v; want invalid", f)
		}
	})
	t.Run("ErrCircle", func(t *testing.T) {
		send(t, fac, map[string]any{"t": "follow", "conn": vwConn})
		if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID || !strings.Contains(f["message"].(string), "Vi") {
			t.Fatalf("following one's follower: %v; want invalid naming Vi", f)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		send(t, ed, map[string]any{"t": "follow", "conn": "nobodyhere"})
		if f := next(t, ed, "error"); f["code"] != blueprint.ENOTFOUND {
			t.Fatalf("following someone absent: %v; want not_found", f)
		}
	})
	t.Run("ErrMalformedView", func(t *testing.T) {
		send(t, fac, map[string]any{"t": "view", "view": map[string]any{"x": 1, "y": 1, "zoom": 9}})
		if f := next(t, fac, "error"); f["code"] != blueprint.EINVALID {
			t.Fatalf("a view of zoom 9: %v; want invalid", f)
		}
		send(t, fac, map[string]any{"t": "presence", "cursor": map[string]any{"x": 3, "y": 2}})
		before(t, vw, "peers", "view")
	})
	t.Run("Chain", func(t *testing.T) {
		// The editor follows the viewer, who follows the facilitator.
		send(t, ed, map[string]any{"t": "follow", "conn": vwConn})
		peerOf(t, vw, edConn, func(p map[string]any) bool { return p["following"] == vwConn })
		send(t, vw, map[string]any{"t": "view", "view": view})
		if f := next(t, ed, "view"); f["conn"] != vwConn {
			t.Fatalf("the editor got %v", f)
		}
		send(t, ed, map[string]any{"t": "follow", "conn": ""})
		peerOf(t, vw, edConn, func(p map[string]any) bool { return p["following"] == nil })
	})
	t.Run("LeaderLeaves", func(t *testing.T) {
		fac.Close()
		peerOf(t, vw, vwConn, func(p map[string]any) bool { return p["following"] == nil })
	})
}

// TestSummon: a participant's forged summon is forbidden and reaches nobody; the
// facilitator's reaches everyone else with their conn, name and view, and makes them
// follow the facilitator.
func TestSummon(t *testing.T) {
	t.Parallel()
	e := newFollowEnv(t)
	fac, facConn := e.dial(t, e.url, "Ana", "facilitator")
	ed, edConn := e.dial(t, e.url, "Bo", "editor")
	vw, vwConn := e.dial(t, e.url, "Vi", "viewer")
	view := map[string]any{"x": 100.0, "y": 50.0, "zoom": 1.5}

	t.Run("ErrForbidden", func(t *testing.T) {
		send(t, ed, map[string]any{"t": "summon", "view": view})
		if f := next(t, ed, "error"); f["code"] != blueprint.EFORBIDDEN {
			t.Fatalf("a participant's summon: %v; want forbidden", f)
		}
		// The editor's next pointer reaches the others with no summon before it.
		send(t, ed, map[string]any{"t": "presence", "cursor": map[string]any{"x": 1, "y": 2}})
		for _, ws := range []*websocket.Conn{fac, vw} {
			for !hasCursor(before(t, ws, "peers", "summon"), edConn) {
			}
		}
	})
	t.Run("OK", func(t *testing.T) {
		send(t, fac, map[string]any{"t": "summon", "view": view})
		for _, ws := range []*websocket.Conn{ed, vw} {
			f := next(t, ws, "summon")
			if f["conn"] != facConn || f["name"] != "Ana" || f["view"].(map[string]any)["zoom"] != 1.5 {
				t.Fatalf("summon %v", f)
			}
		}
		for waiting := map[string]bool{edConn: true, vwConn: true}; len(waiting) > 0; {
			peers, _ := next(t, fac, "peers")["peers"].([]any)
			for _, p := range peers {
				if p := p.(map[string]any); p["following"] == facConn {
					delete(waiting, p["conn"].(string))
				}
			}
		}
		send(t, fac, map[string]any{"t": "view", "view": map[string]any{"x": 1, "y": 1, "zoom": 1}})
		for _, ws := range []*websocket.Conn{ed, vw} {
			if f := next(t, ws, "view"); f["conn"] != facConn {
				t.Fatalf("view %v", f)
			}
		}
	})
}

// hasCursor reports whether the peers frame f holds the entry of conn with a pointer.
func hasCursor(f map[string]any, conn string) bool {
	peers, _ := f["peers"].([]any)
	for _, p := range peers {
		if p := p.(map[string]any); p["conn"] == conn && p["cursor"] != nil {
			return true
		}
	}
	return false
}
