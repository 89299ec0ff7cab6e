package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// SetFacilitation stores a state made from the stored one, and refuses one made from an
// older state (another process changed it meanwhile) with ECONFLICT, storing nothing.
func TestStore_SetFacilitationFromTheStoredState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustStore(t)
	b := mustBoard(t, s, blueprint.TemplateServiceBlueprint)

	base, err := s.Facilitation(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := base
	a.Lock = blueprint.LockStructure
	storedA, err := s.SetFacilitation(ctx, b.ID, a)
	if err != nil {
		t.Fatal(err)
	}
	if storedA.Seq != base.Seq+1 {
		t.Fatalf("stored under %d; want %d", storedA.Seq, base.Seq+1)
	}

	late := base // made from the state before a's change
	late.Lock = blueprint.LockBoard
	if _, err := s.SetFacilitation(ctx, b.ID, late); blueprint.ErrorCode(err) != blueprint.ECONFLICT {
		t.Fatalf("a change made from an older state: %v; want conflict", err)
	}
	got, err := s.Facilitation(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != storedA.Seq || got.Lock != blueprint.LockStructure {
		t.Fatalf("after the refused change: seq %d, lock %q; want %d, %q", got.Seq, got.Lock, storedA.Seq, blueprint.LockStructure)
	}

	next := got
	next.Lock = blueprint.LockNone
	if _, err := s.SetFacilitation(ctx, b.ID, next); err != nil {
		t.Fatalf("a change made from the stored state: %v", err)
	}
}

// The notifier's facilitation announcements reach listeners as (board, seq), the
// highest of those published for a board before a send; payloads that are not theirs
// are ignored.
func TestNotifier_Facilitation(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var logs logLines
	heard := make(chan string, 100)
	listenerReady := make(chan string, 100)
	stopped := make(chan struct{})
	go func() {
		postgres.Listen(ctx, dsn, logs.logger(), postgres.Handlers{
			Ops: func(board string, seq int64) {
				select {
				case listenerReady <- board:
				default:
				}
			},
			Facilitation: func(board string, seq int64) { heard <- fmt.Sprintf("%s %d", board, seq) },
		})
		close(stopped)
	}()
	defer func() { cancel(); <-stopped }()
	notifyUntilHeard(t, pool, listenerReady, "ready")

	// Not ours: no handler call.
	for _, payload := range []string{"", "b1", "b1 x", "b1 2 3"} {
		if _, err := pool.Exec(ctx, `SELECT pg_notify($1, $2)`, postgres.FacilitationChannel, payload); err != nil {
			t.Fatal(err)
		}
	}
	n := postgres.NewNotifier(pool, logs.logger())
	n.PublishFacilitation("b1", 3)
	n.PublishFacilitation("b1", 2) // older: the announcement stays at 3
	nctx, ncancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { n.Run(nctx); close(ran) }()
	defer func() { ncancel(); <-ran }()
	select {
	case got := <-heard:
		if got != "b1 3" {
			t.Fatalf("heard %q first; want \"b1 3\" (the malformed payloads ignored)", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the announcement never arrived")
	}
}
