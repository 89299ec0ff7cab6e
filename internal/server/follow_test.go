package server_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/gorilla/websocket"

	"lastmile/internal/auth"
)

// followActions are the role matrix's actions of the focus, following and summoning
// (docs/facilitation.md), over the websocket. Spotlighting and summoning are the
// facilitator's (auth.Facilitate): anyone else gets an error frame with code forbidden,
// the state does not change and nobody is summoned. Following and sharing one's view are
// everyone's who may view the board. watcher is a facilitator, whose second connection
// looks on.
func followActions(e *authEnv, board string, watcher *person) []roleAction {
	// dial opens p's websocket and returns it with its conn id, or the refused upgrade's status.
	dial := func(t *testing.T, p *person) (*websocket.Conn, string, int) {
		ws, _, status := p.dialWS(t, board)
		if ws == nil {
			return nil, "", status
		}
		f := wsFrame(t, ws, "welcome")
		if f["t"] != "welcome" {
			t.Fatalf("no welcome: %v", f)
		}
		return ws, f["conn"].(string), status
	}
	// ownEntry reads peers frames on ws until its own entry (conn) satisfies ok, or an error frame.
	ownEntry := func(t *testing.T, ws *websocket.Conn, conn string, ok func(map[string]any) bool) map[string]any {
		for {
			f := wsFrame(t, ws, "peers", "error")
			if f["t"] != "peers" {
				return f
			}
			peers, _ := f["peers"].([]any)
			for _, p := range peers {
				if p := p.(map[string]any); p["conn"] == conn && ok(p) {
					return f
				}
			}
		}
	}
	focus := func(name string, target func(t *testing.T) map[string]any) roleAction {
		return roleAction{name, auth.Facilitate, false, func(t *testing.T, p *person, n int) (bool, int) {
			before, err := e.store.Facilitation(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			ws, _, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			if err := ws.WriteJSON(map[string]any{"t": "facilitate", "focus": target(t)}); err != nil {
				t.Fatal(err)
			}
			f := wsFrame(t, ws, "facilitation", "error")
			after, err := e.store.Facilitation(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			switch f["t"] {
			case "facilitation":
				if after.Seq != before.Seq+1 {
					t.Errorf("an allowed focus: state seq %d → %d", before.Seq, after.Seq)
				}
				return true, http.StatusOK
			case "error":
				if f["code"] != "forbidden" || !reflect.DeepEqual(after, before) {
					t.Errorf("a refused focus: %v, state %+v → %+v; want forbidden and no change", f, before, after)
				}
				return false, http.StatusForbidden
			}
			t.Fatalf("websocket ended: %v", f)
			return false, 0
		}}
	}
	return []roleAction{
		focus("FocusSet", func(t *testing.T) map[string]any {
			b, err := e.store.FindBoard(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]any{"kind": "stage", "id": b.SortedStages()[0].ID}
		}),
		focus("FocusClear", func(*testing.T) map[string]any { return map[string]any{} }),
		{"Summon", auth.Facilitate, false, func(t *testing.T, p *person, n int) (bool, int) {
			w, _, _ := dial(t, watcher)
			ws, conn, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			// The summon, then a pointer: the watcher sees the summon before the pointer,
			// or never.
			for _, f := range []map[string]any{
				{"t": "summon", "view": map[string]any{"x": 10, "y": 20, "zoom": 1}},
				{"t": "presence", "cursor": map[string]any{"x": float64(n), "y": 1}},
			} {
				if err := ws.WriteJSON(f); err != nil {
					t.Fatal(err)
				}
			}
			answer := ownEntry(t, ws, conn, func(e map[string]any) bool { return e["cursor"] != nil })
			summoned := false
			for {
				f := wsFrame(t, w, "summon", "peers")
				if f["t"] == "summon" {
					summoned = f["conn"] == conn
					break
				}
				if f["t"] != "peers" {
					t.Fatalf("the watcher's websocket ended: %v", f)
				}
				if hasEntry(f, conn, func(e map[string]any) bool { return e["cursor"] != nil }) {
					break
				}
			}
			if !summoned && (answer["t"] != "error" || answer["code"] != "forbidden") {
				t.Errorf("a summon that reached nobody was answered %v; want an error forbidden", answer)
			}
			if summoned {
				return true, http.StatusOK
			}
			return false, http.StatusForbidden
		}},
		{"Follow", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			_, wConn, _ := dial(t, watcher)
			ws, conn, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			if err := ws.WriteJSON(map[string]any{"t": "follow", "conn": wConn}); err != nil {
				t.Fatal(err)
			}
			if f := ownEntry(t, ws, conn, func(e map[string]any) bool { return e["following"] == wConn }); f["t"] != "peers" {
				t.Fatalf("following: %v", f)
			}
			return true, http.StatusOK
		}},
		{"ShareView", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			w, wConn, _ := dial(t, watcher)
			ws, conn, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			if err := w.WriteJSON(map[string]any{"t": "follow", "conn": conn}); err != nil {
				t.Fatal(err)
			}
			if f := ownEntry(t, w, wConn, func(e map[string]any) bool { return e["following"] == conn }); f["t"] != "peers" {
				t.Fatalf("following: %v", f)
			}
			if err := ws.WriteJSON(map[string]any{"t": "view", "view": map[string]any{"x": 10, "y": 20, "zoom": 0.5}}); err != nil {
				t.Fatal(err)
			}
			if f := wsFrame(t, w, "view"); f["conn"] != conn {
				t.Fatalf("the follower got %v", f)
			}
			return true, http.StatusOK
		}},
	}
}

// hasEntry reports whether the peers frame f holds an entry of conn for which ok is true.
func hasEntry(f map[string]any, conn string, ok func(map[string]any) bool) bool {
	peers, _ := f["peers"].([]any)
	for _, p := range peers {
		if p := p.(map[string]any); p["conn"] == conn && ok(p) {
			return true
		}
	}
	return false
}
