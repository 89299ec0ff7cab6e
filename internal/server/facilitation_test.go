package server_test

import (
	"context"
	"net/http"
	"testing"

	"lastmile/internal/auth"
)

// facilitationActions are the role matrix's actions on the facilitation state: a
// facilitate frame over the websocket. A refused one gets an error frame with code
// forbidden and leaves the state as it was.
func facilitationActions(e *authEnv, board string) []roleAction {
	return []roleAction{
		{"FacilitateLock", auth.Facilitate, false, func(t *testing.T, p *person, n int) (bool, int) {
			before, err := e.store.Facilitation(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			ws, _, status := p.dialWS(t, board)
			if ws == nil {
				return false, status
			}
			if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
				t.Fatalf("no welcome: %v", f)
			}
			// Unlocking leaves the board as the matrix's other actions need it.
			if err := ws.WriteJSON(map[string]any{"t": "facilitate", "lock": ""}); err != nil {
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
					t.Errorf("an allowed facilitate frame: state seq %d → %d", before.Seq, after.Seq)
				}
				return true, http.StatusOK
			case "error":
				if f["code"] != "forbidden" || after != before {
					t.Errorf("a refused facilitate frame: %v, state %+v → %+v; want forbidden and no change", f, before, after)
				}
				return false, http.StatusForbidden
			}
			t.Fatalf("websocket ended: %v", f)
			return false, 0
		}},
		{"FacilitateTimer", auth.Facilitate, false, func(t *testing.T, p *person, n int) (bool, int) {
			before, err := e.store.Facilitation(context.Background(), board)
			if err != nil {
				t.Fatal(err)
			}
			ws, _, status := p.dialWS(t, board)
			if ws == nil {
				return false, status
			}
			if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
				t.Fatalf("no welcome: %v", f)
			}
			// Stopping the timer is allowed whether or not one runs.
			if err := ws.WriteJSON(map[string]any{"t": "facilitate", "timer": map[string]any{"action": "stop"}}); err != nil {
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
					t.Errorf("an allowed facilitate frame: state seq %d → %d", before.Seq, after.Seq)
				}
				return true, http.StatusOK
			case "error":
				if f["code"] != "forbidden" || after != before {
					t.Errorf("a refused facilitate frame: %v, state %+v → %+v; want forbidden and no change", f, before, after)
				}
				return false, http.StatusForbidden
			}
			t.Fatalf("websocket ended: %v", f)
			return false, 0
		}},
	}
}
