package blueprint_test

import (
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"lastmile/internal/blueprint"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomised tests (0 picks one from the clock)")

// testSeed returns the seed of a randomised test and prints it if the test fails, so a
// failure can be replayed with -seed.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test -run '%s' -seed %d", t.Name(), seed)
		}
	})
	return seed
}

func str(s string) *string { return &s }
func num(n int) *int       { return &n }
func flg(v bool) *bool     { return &v }

// wantErr fails unless err is a coded error with the given code whose message contains
// every one of words.
func wantErr(t *testing.T, err error, code string, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var e *blueprint.Error
	if !errors.As(err, &e) {
		t.Fatalf("got uncoded error %v (%T), want a *blueprint.Error with code %s", err, err, code)
	}
	if got := blueprint.ErrorCode(err); got != code {
		t.Errorf("code = %q, want %q (error: %v)", got, code, err)
	}
	msg := blueprint.ErrorMessage(err)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
}

// newBoard returns an empty board with id "b1".
func newBoard(t *testing.T) *blueprint.Board {
	t.Helper()
	return blueprint.NewBoard("b1", "Test board", blueprint.TemplateBlank)
}

// mustApply applies ops in order and fails the test at the first rejected one.
func mustApply(t *testing.T, b *blueprint.Board, ops ...blueprint.Op) {
	t.Helper()
	for i, op := range ops {
		if err := b.Apply(op); err != nil {
			t.Fatalf("op %d (%s %s %s): %v", i, op.Action, op.Type, op.ID, err)
		}
	}
}

// exportJSON returns the board's export as JSON.
func exportJSON(t *testing.T, b *blueprint.Board) []byte {
	t.Helper()
	data, err := json.Marshal(b.Export())
	if err != nil {
		t.Fatalf("marshal export: %v", err)
	}
	return data
}

func create(typ, id string, f blueprint.Fields) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionCreate, Type: typ, ID: id, Fields: f}
}

func update(typ, id string, f blueprint.Fields) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionUpdate, Type: typ, ID: id, Fields: f}
}

func del(typ, id string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionDelete, Type: typ, ID: id}
}

// fixture returns a small board holding every entity type:
//
//	teams t1, t2; stages s1, s2; lanes l1 (customer actions), l2 (backstage);
//	cards c1 (s1×l1, team t1), c2 (s1×l2), c3 (s2×l1, team t1), c4 (s2×l2, team t2);
//	links k1 c1→c2 (owner t1), k2 c3→c4, k3 c2→c3 (owner t2).
func fixture(t *testing.T) *blueprint.Board {
	t.Helper()
	b := newBoard(t)
	mustApply(t, b,
		create(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("Sales"), Color: str("#2563eb")}),
		create(blueprint.TypeTeam, "t2", blueprint.Fields{Name: str("Support")}),
		create(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("Order"), Order: str("G")}),
		create(blueprint.TypeStage, "s2", blueprint.Fields{Name: str("Receive"), Order: str("V")}),
		create(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("customer_actions"), Label: str("Customer"), Order: str("G")}),
		create(blueprint.TypeLane, "l2", blueprint.Fields{Role: str("backstage"), Label: str("Back office"), Order: str("V")}),
		create(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("V"), Text: str("Places an order"), Team: str("t1")}),
		create(blueprint.TypeCard, "c2", blueprint.Fields{Stage: str("s1"), Lane: str("l2"), Order: str("V"), Text: str("Checks stock")}),
		create(blueprint.TypeCard, "c3", blueprint.Fields{Stage: str("s2"), Lane: str("l1"), Order: str("V"), Text: str("Opens the parcel"), Team: str("t1")}),
		create(blueprint.TypeCard, "c4", blueprint.Fields{Stage: str("s2"), Lane: str("l2"), Order: str("V"), Text: str("Ships"), Team: str("t2")}),
		create(blueprint.TypeLink, "k1", blueprint.Fields{From: str("c1"), To: str("c2"), Owner: str("t1")}),
		create(blueprint.TypeLink, "k2", blueprint.Fields{From: str("c3"), To: str("c4")}),
		create(blueprint.TypeLink, "k3", blueprint.Fields{From: str("c2"), To: str("c3"), Owner: str("t2")}),
	)
	return b
}

// checkIntegrity fails if any reference on the board points at a missing entity.
func checkIntegrity(t *testing.T, b *blueprint.Board) {
	t.Helper()
	for id, c := range b.Cards {
		if b.Stages[c.Stage] == nil {
			t.Errorf("card %s is in missing stage %q", id, c.Stage)
		}
		if b.Lanes[c.Lane] == nil {
			t.Errorf("card %s is in missing lane %q", id, c.Lane)
		}
		if c.Team != "" && b.Teams[c.Team] == nil {
			t.Errorf("card %s belongs to missing team %q", id, c.Team)
		}
	}
	for id, l := range b.Links {
		if b.Cards[l.From] == nil || b.Cards[l.To] == nil {
			t.Errorf("link %s joins a missing card (%q → %q)", id, l.From, l.To)
		}
		if l.Owner != "" && b.Teams[l.Owner] == nil {
			t.Errorf("link %s is owned by missing team %q", id, l.Owner)
		}
	}
}
