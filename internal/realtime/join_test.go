package realtime_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/protocol"
	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

// logReads counts the reads of the op log a hub makes.
type logReads struct {
	realtime.Store
	n atomic.Int64
}

func (s *logReads) OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]blueprint.Committed, error) {
	s.n.Add(1)
	return s.Store.OpsSince(ctx, boardID, after, limit)
}

// A board page joins from the board it was rendered with (wsclient.Hold, as board.js
// gives its embedded export to its LiveBoard): it gets the ops since, never a snapshot,
// and, when it is current or a little behind, without the hub reading the log, so that a
// crowd of pages opening a board costs the database nothing. A page further behind than
// the room keeps in memory is caught up from the log.
func TestLive_JoinFromPage(t *testing.T) {
	var store *logReads
	n := startNodeWith(t, pgtest.NewURL(t), nodeConfig{store: func(s *postgres.Store) realtime.Store {
		store = &logReads{Store: s}
		return store
	}})
	b := mustBoard(t, n.store)
	first := mustConnect(t, n, b.ID, "first") // the room is open and current
	page := func(at *blueprint.Export, id string) (*wsclient.Client, *atomic.Int64) {
		snapshots := &atomic.Int64{}
		return mustConnect(t, n, b.ID, id, func(c *wsclient.Client) {
			if err := c.Hold(at); err != nil {
				t.Fatal(err)
			}
			c.OnFrame = func(f *protocol.ServerFrame) {
				if f.T == protocol.TypeSnapshot {
					snapshots.Add(1)
				}
			}
		}), snapshots
	}
	export := func() *blueprint.Export {
		cur, err := n.store.FindBoard(context.Background(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		return cur.Export()
	}
	commit := func(k int) {
		edits := make([]blueprint.Edit, k)
		for i := range edits {
			edits[i] = blueprint.Edit{Author: "t", Op: createCard(fmt.Sprintf("c%d-%d", k, i), "stage-1", "lane-1", "x")}
		}
		if _, err := n.hub.ApplyEdits(context.Background(), b.ID, edits); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the first client to follow", func() bool { return first.Seq() == export().Seq })
	}

	t.Run("Current", func(t *testing.T) {
		at := export()
		before := store.n.Load()
		c, snapshots := page(at, "current")
		if c.Seq() != at.Seq || snapshots.Load() != 0 || store.n.Load() != before {
			t.Fatalf("joined at seq %d with %d snapshots and %d log reads; want seq %d, none and none",
				c.Seq(), snapshots.Load(), store.n.Load()-before, at.Seq)
		}
	})

	t.Run("ALittleBehind", func(t *testing.T) {
		at := export()
		commit(3)
		before := store.n.Load()
		c, snapshots := page(at, "behind")
		want := at.Seq + 3
		if c.Seq() != want || snapshots.Load() != 0 || store.n.Load() != before {
			t.Fatalf("joined at seq %d with %d snapshots and %d log reads; want seq %d, none and none",
				c.Seq(), snapshots.Load(), store.n.Load()-before, want)
		}
		if got := c.Confirmed().Export(); len(got.Cards) != len(export().Cards) {
			t.Fatalf("the page holds %d cards; want %d", len(got.Cards), len(export().Cards))
		}
	})

	t.Run("FarBehind", func(t *testing.T) {
		at := export()
		commit(300)
		commit(301) // more than the room keeps: 2 × recentOps at most
		before := store.n.Load()
		c, snapshots := page(at, "far")
		if c.Seq() != at.Seq+601 || snapshots.Load() != 0 || store.n.Load() == before {
			t.Fatalf("joined at seq %d with %d snapshots and %d log reads; want seq %d, no snapshot, the log read",
				c.Seq(), snapshots.Load(), store.n.Load()-before, at.Seq+601)
		}
	})
}
