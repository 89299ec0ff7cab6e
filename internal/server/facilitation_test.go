package server_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/gorilla/websocket"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// facilitationActions are the role matrix's actions on the facilitation state: facilitate
// frames over the websocket (a lock, a timer's action, a vote's opening), and a vote cast
// in an open vote. A refused one gets an error frame with code forbidden and leaves the
// state (and the ballots) as they were.
func facilitationActions(t *testing.T, e *authEnv, board string, owner *person) []roleAction {
	ctx := context.Background()
	stage, lane := "", ""
	if b, err := e.store.FindBoard(ctx, board); err != nil {
		t.Fatal(err)
	} else {
		stage, lane = b.SortedStages()[0].ID, b.SortedLanes()[0].ID
	}
	text, order := "To vote on", "V"
	res, err := e.store.ApplyEdits(ctx, board, []blueprint.Edit{{Author: "t", Op: blueprint.Op{Action: blueprint.ActionCreate,
		Type: blueprint.TypeCard, ID: "card-to-vote-on", Fields: blueprint.Fields{Stage: &stage, Lane: &lane, Order: &order, Text: &text}}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("a card to vote on: %v %v", err, res)
	}
	state := func(t *testing.T) blueprint.Facilitation {
		f, err := e.store.Facilitation(ctx, board)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// dial opens p's websocket on the board, past its welcome (and the ballot that follows
	// it while a vote is open); nil and the status when p may not open one.
	dial := func(t *testing.T, p *person) (*websocket.Conn, int) {
		ws, _, status := p.dialWS(t, board)
		if ws == nil {
			return nil, status
		}
		if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
			t.Fatalf("no welcome: %v", f)
		}
		return ws, status
	}
	// facilitate sends one facilitate frame, then undo (if the frame was allowed) to leave
	// the state as the matrix's other actions need it.
	facilitate := func(name string, frame, undo map[string]any) roleAction {
		return roleAction{name, auth.Facilitate, false, func(t *testing.T, p *person, n int) (bool, int) {
			before := state(t)
			ws, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			if err := ws.WriteJSON(frame); err != nil {
				t.Fatal(err)
			}
			f := wsFrame(t, ws, "facilitation", "error")
			after := state(t)
			switch f["t"] {
			case "facilitation":
				if after.Seq != before.Seq+1 {
					t.Errorf("an allowed facilitate frame: state seq %d → %d", before.Seq, after.Seq)
				}
				if undo != nil {
					if err := ws.WriteJSON(undo); err != nil {
						t.Fatal(err)
					}
					if f := wsFrame(t, ws, "facilitation", "error"); f["t"] != "facilitation" {
						t.Fatalf("undoing %s: %v", name, f)
					}
				}
				return true, http.StatusOK
			case "error":
				if f["code"] != "forbidden" || !reflect.DeepEqual(after, before) {
					t.Errorf("a refused facilitate frame: %v, state %+v → %+v; want forbidden and no change", f, before, after)
				}
				return false, http.StatusForbidden
			}
			t.Fatalf("websocket ended: %v", f)
			return false, 0
		}}
	}
	return []roleAction{
		facilitate("FacilitateLock", map[string]any{"t": "facilitate", "lock": ""}, nil),
		// Stopping the timer is allowed whether or not one runs.
		facilitate("FacilitateTimer", map[string]any{"t": "facilitate", "timer": map[string]any{"action": "stop"}}, nil),
		facilitate("FacilitateVote", map[string]any{"t": "facilitate", "vote": map[string]any{"action": "open", "on": "cards", "per_person": 1}},
			map[string]any{"t": "facilitate", "vote": map[string]any{"action": "close"}}),
		facilitate("FacilitateClose", map[string]any{"t": "facilitate", "close": map[string]any{"name": "After the matrix"}}, nil),
		facilitate("FacilitatePrivate", map[string]any{"t": "facilitate", "private": "on"},
			map[string]any{"t": "facilitate", "private": "off"}),
		// A private card, added then deleted, while the facilitator has private mode on:
		// those who edit.
		{"PrivateCard", auth.Edit, false, func(t *testing.T, p *person, n int) (bool, int) {
			fac, _ := dial(t, owner)
			if err := fac.WriteJSON(map[string]any{"t": "facilitate", "private": "on"}); err != nil {
				t.Fatal(err)
			}
			if f := wsFrame(t, fac, "facilitation", "error"); f["t"] != "facilitation" {
				t.Fatalf("private mode on: %v", f)
			}
			defer func() {
				if err := fac.WriteJSON(map[string]any{"t": "facilitate", "private": "off"}); err != nil {
					t.Fatal(err)
				}
				wsFrame(t, fac, "facilitation", "error")
			}()
			ws, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			if f := wsFrame(t, ws, "drafts"); f["t"] != "drafts" { // their own (none), after the welcome
				t.Fatalf("the private cards on joining: %v", f)
			}
			id := fmt.Sprintf("matrix-private-%d", n)
			if err := ws.WriteJSON(map[string]any{"t": "draft", "draft": map[string]any{"action": "add", "id": id, "stage": stage, "lane": lane, "text": "private"}}); err != nil {
				t.Fatal(err)
			}
			got := wsFrame(t, ws, "drafts", "error")
			pending, err := e.store.PendingDrafts(ctx, board)
			if err != nil {
				t.Fatal(err)
			}
			switch got["t"] {
			case "drafts":
				if len(pending) != 1 || pending[0].ID != id {
					t.Errorf("an allowed private card: the board's private cards are %v", pending)
				}
				if err := ws.WriteJSON(map[string]any{"t": "draft", "draft": map[string]any{"action": "delete", "id": id}}); err != nil {
					t.Fatal(err)
				}
				if f := wsFrame(t, ws, "drafts", "error"); f["t"] != "drafts" {
					t.Fatalf("deleting the private card: %v", f)
				}
				return true, http.StatusOK
			case "error":
				if got["code"] != "forbidden" || len(pending) != 0 {
					t.Errorf("a refused private card: %v, private cards %v; want forbidden and none", got, pending)
				}
				return false, http.StatusForbidden
			}
			t.Fatalf("websocket ended: %v", got)
			return false, 0
		}},
		// A vote, one vote cast then taken back, in a vote the storage opens: commenters and up.
		{"Vote", auth.Comment, false, func(t *testing.T, p *person, n int) (bool, int) {
			const card = "card-to-vote-on"
			fac, _ := dial(t, owner)
			if err := fac.WriteJSON(map[string]any{"t": "facilitate", "vote": map[string]any{"action": "open", "on": "cards", "per_person": 1}}); err != nil {
				t.Fatal(err)
			}
			opened := wsFrame(t, fac, "facilitation", "error")
			fs, _ := opened["facilitation"].(map[string]any)
			votes, _ := fs["votes"].([]any)
			voteID := ""
			for _, v := range votes {
				if v := v.(map[string]any); v["open"] == true {
					voteID = v["id"].(string)
				}
			}
			if voteID == "" {
				t.Fatalf("opening a vote: %v", opened)
			}
			defer func() {
				if err := fac.WriteJSON(map[string]any{"t": "facilitate", "vote": map[string]any{"action": "discard", "id": voteID}}); err != nil {
					t.Fatal(err)
				}
				wsFrame(t, fac, "facilitation", "error")
			}()
			ws, status := dial(t, p)
			if ws == nil {
				return false, status
			}
			if f := wsFrame(t, ws, "ballot"); f["used"] != 0.0 { // their (empty) ballot, after the welcome
				t.Fatalf("the ballot on joining: %v", f)
			}
			if err := ws.WriteJSON(map[string]any{"t": "vote", "item": card, "delta": 1}); err != nil {
				t.Fatal(err)
			}
			got := wsFrame(t, ws, "ballot", "error")
			_, results, err := e.store.Tally(ctx, board, voteID)
			if err != nil {
				t.Fatal(err)
			}
			switch got["t"] {
			case "ballot":
				if len(results) != 1 {
					t.Errorf("an allowed vote: the vote's tally is %v", results)
				}
				if err := ws.WriteJSON(map[string]any{"t": "vote", "item": card, "delta": -1}); err != nil {
					t.Fatal(err)
				}
				if f := wsFrame(t, ws, "ballot", "error"); f["t"] != "ballot" {
					t.Fatalf("taking the vote back: %v", f)
				}
				return true, http.StatusOK
			case "error":
				if got["code"] != "forbidden" || results != nil {
					t.Errorf("a refused vote: %v, tally %v; want forbidden and no ballot", got, results)
				}
				return false, http.StatusForbidden
			}
			t.Fatalf("websocket ended: %v", got)
			return false, 0
		}},
	}
}
