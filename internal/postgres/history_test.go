package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
)

// grow commits n ops to the board in batches of 500: cards made in turn in the first
// stages and lanes, then their texts and places changed, some deleted.
func grow(tb testing.TB, s *postgres.Store, b *blueprint.Board, n int) {
	tb.Helper()
	ctx := context.Background()
	stages, lanes := b.SortedStages(), b.SortedLanes()
	var edits []blueprint.Edit
	flush := func() {
		if len(edits) == 0 {
			return
		}
		res, err := s.ApplyEdits(ctx, b.ID, edits)
		if err != nil {
			tb.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				tb.Fatalf("op %+v: %v", edits[i].Op, r.Err)
			}
		}
		edits = edits[:0]
	}
	const cards = 300
	for i := range n {
		id := fmt.Sprintf("c%d", i%cards)
		var op blueprint.Op
		switch round := i / cards; {
		case round%4 == 0:
			op = cardOp("", id, stages[i%len(stages)].ID, lanes[i%len(lanes)].ID, "V", fmt.Sprintf("card %d", i))
		case round%4 == 3:
			op = blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: id}
		default:
			op = blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: id,
				Fields: blueprint.Fields{Text: str(fmt.Sprintf("text %d", i)), Stage: str(stages[(i/7)%len(stages)].ID)}}
		}
		edits = append(edits, blueprint.Edit{Author: "grow", Op: op})
		if len(edits) == 500 {
			flush()
		}
	}
	flush()
}

// doc returns a board's export as JSON, without its sequence.
func doc(tb testing.TB, b *blueprint.Board) string {
	tb.Helper()
	e := b.Export()
	e.Seq = 0
	data, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

func TestStore_BoardAt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustStore(t)
	b := mustBoard(t, s, blueprint.TemplateServiceBlueprint)
	grow(t, s, b, 2600)
	last, err := s.BoardSeq(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := s.Snapshots(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 {
		t.Fatalf("snapshots at %v after %d ops; want two, past 1,024 and 2,048", snaps, last)
	}
	// Every version is the log replayed from an empty board up to it.
	ops, err := s.OpsSince(ctx, b.ID, 0, int(last))
	if err != nil {
		t.Fatal(err)
	}
	want := blueprint.NewBoard(b.ID, "", b.Template)
	check := map[int64]bool{1: true, snaps[0] - 1: true, snaps[0]: true, snaps[0] + 1: true, snaps[1]: true, last - 1: true, last: true, 1500: true}
	for _, c := range ops {
		if err := want.ApplyAs(c.Op, c.Origin()); err != nil {
			t.Fatal(err)
		}
		want.Seq = c.Seq
		if !check[c.Seq] {
			continue
		}
		got, err := s.BoardAt(ctx, b.ID, c.Seq)
		if err != nil {
			t.Fatalf("BoardAt(%d): %v", c.Seq, err)
		}
		if got.Seq != c.Seq || !got.UpdatedAt.Equal(c.At) {
			t.Fatalf("BoardAt(%d): seq %d, updated %v; want %v", c.Seq, got.Seq, got.UpdatedAt, c.At)
		}
		if diff := cmp.Diff(doc(t, want), doc(t, got)); diff != "" {
			t.Fatalf("BoardAt(%d) differs from the replayed log (-want +got):\n%s", c.Seq, diff)
		}
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, tc := range []struct {
			id  string
			seq int64
		}{{b.ID, last + 1}, {"no-such-board", 1}, {"bad id!", 1}} {
			if _, err := s.BoardAt(ctx, tc.id, tc.seq); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
				t.Errorf("BoardAt(%q, %d) = %v; want not_found", tc.id, tc.seq, err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := s.BoardAt(ctx, b.ID, 0); blueprint.ErrorCode(err) != blueprint.EINVALID {
			t.Errorf("BoardAt(0) = %v; want invalid", err)
		}
	})
}

// TestStore_Restore is the round trip on the store: restoring version N (its
// RestoreOps committed as one batch) gives a board equal to version N, and restoring the
// version just before the restore gives the board as it was.
func TestStore_Restore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustStore(t)
	b := mustBoard(t, s, blueprint.TemplateServiceBlueprint)
	grow(t, s, b, 700)
	restore := func(seq int64) {
		t.Helper()
		cur, err := s.FindBoard(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		past, err := s.BoardAt(ctx, b.ID, seq)
		if err != nil {
			t.Fatal(err)
		}
		var edits []blueprint.Edit
		for _, op := range blueprint.RestoreOps(cur, past) {
			edits = append(edits, blueprint.Edit{Author: "Ana", Op: op})
		}
		res, err := s.ApplyEdits(ctx, b.ID, edits)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("restore op %d: %v", i, r.Err)
			}
		}
	}
	board := func(seq int64) string {
		t.Helper()
		got, err := s.BoardAt(ctx, b.ID, seq)
		if err != nil {
			t.Fatal(err)
		}
		return doc(t, got)
	}
	before, err := s.BoardSeq(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	const n = 450 // cards made, some changed
	restore(n)
	after, _ := s.BoardSeq(ctx, b.ID)
	if diff := cmp.Diff(board(n), board(after)); diff != "" {
		t.Fatalf("restored board differs from version %d (-want +got):\n%s", n, diff)
	}
	restore(before)
	again, _ := s.BoardSeq(ctx, b.ID)
	if diff := cmp.Diff(board(before), board(again)); diff != "" {
		t.Fatalf("undoing the restore does not give the board before (-want +got):\n%s", diff)
	}
}

// BenchmarkBoardAt measures opening a past version of a board whose log holds 100,000
// ops, at the worst place: just before a kept snapshot, where the most ops are replayed.
// Run it (it builds the board first, which takes a while) with
//
//	go test -run x -bench BoardAt -benchtime 20x ./internal/postgres/
func BenchmarkBoardAt(b *testing.B) {
	ctx := context.Background()
	s := mustStore(b)
	board := mustBoard(b, s, blueprint.TemplateServiceBlueprint)
	grow(b, s, board, 100_000)
	snaps, err := s.Snapshots(ctx, board.ID)
	if err != nil || len(snaps) < 2 {
		b.Fatalf("snapshots %v, %v", snaps, err)
	}
	for _, at := range []struct {
		name string
		seq  int64
	}{{"worst", snaps[len(snaps)/2] - 1}, {"middle", 50_000}, {"early", 100}} {
		b.Run(at.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.BoardAt(ctx, board.ID, at.seq); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
