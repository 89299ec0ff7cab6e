package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

func mustStore(t testing.TB) *postgres.Store {
	t.Helper()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return postgres.NewStore(pool)
}

func mustBoard(t testing.TB, s *postgres.Store, template string) *blueprint.Board {
	t.Helper()
	title, ops, err := blueprint.TemplateOps(template, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBoard(context.Background(), title, template, "tester", ops)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func str(s string) *string { return &s }

func cardOp(key, id, stage, lane, order, text string) blueprint.Op {
	return blueprint.Op{Key: key, Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
		Fields: blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str(order), Text: str(text)}}
}

func TestStore_ApplyEdits(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*postgres.Store, *blueprint.Board) {
		s := mustStore(t)
		return s, mustBoard(t, s, blueprint.TemplateServiceBlueprint)
	}

	t.Run("OK", func(t *testing.T) {
		s, b := setup(t)
		res, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{
			{Author: "ana", Op: cardOp("c1:1", "card1", "stage-1", "lane-2", "V", "Visits the site")},
			{Author: "ana", Op: blueprint.Op{Key: "c1:2", Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "card1",
				Fields: blueprint.Fields{Text: str("Visits <b>the</b> site")}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("unexpected op errors: %v %v", res[0].Err, res[1].Err)
		}
		if res[0].Seq != b.Seq+1 || res[1].Seq != b.Seq+2 {
			t.Fatalf("seqs = %d, %d; want %d, %d", res[0].Seq, res[1].Seq, b.Seq+1, b.Seq+2)
		}
		got, err := s.FindBoard(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq != b.Seq+2 || got.Cards["card1"].Text != "Visits <b>the</b> site" {
			t.Fatalf("board after edits: seq %d, card %+v", got.Seq, got.Cards["card1"])
		}
	})

	t.Run("RejectedOpChangesNothing", func(t *testing.T) {
		s, b := setup(t)
		res, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{
			{Op: cardOp("", "card1", "no-such-stage", "lane-1", "V", "x")},
			{Op: cardOp("", "card2", "stage-1", "lane-1", "V", "y")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if blueprint.ErrorCode(res[0].Err) != blueprint.ENOTFOUND {
			t.Fatalf("res[0].Err = %v; want not_found", res[0].Err)
		}
		if res[1].Err != nil || res[1].Seq != b.Seq+1 {
			t.Fatalf("res[1] = %+v; want seq %d", res[1], b.Seq+1)
		}
		ops, err := s.OpsSince(ctx, b.ID, b.Seq, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ops) != 1 || ops[0].Op.ID != "card2" {
			t.Fatalf("log after batch: %+v", ops)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		s, b := setup(t)
		op := cardOp("client-x:7", "card1", "stage-1", "lane-1", "V", "once")
		first, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Op: op}})
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Op: op}, {Op: op}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range again {
			if !r.Duplicate || r.Seq != first[0].Seq {
				t.Fatalf("resend result %+v; want duplicate of seq %d", r, first[0].Seq)
			}
		}
		got, _ := s.FindBoard(ctx, b.ID)
		if got.Seq != first[0].Seq {
			t.Fatalf("seq moved on a resend: %d", got.Seq)
		}
	})

	// The fast path commits on the cached state in one statement: a board whose row went
	// away meanwhile must be refused, with nothing appended to the log.
	t.Run("BoardGoneWhileCached", func(t *testing.T) {
		url := pgtest.NewURL(t)
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		s := postgres.NewStore(pool)
		b := mustBoard(t, s, blueprint.TemplateServiceBlueprint)
		if _, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Op: cardOp("k:1", "card1", "stage-1", "lane-1", "V", "a")}}); err != nil {
			t.Fatal(err)
		}
		var ops int
		if _, err := pool.Exec(ctx, `ALTER TABLE ops DROP CONSTRAINT ops_board_id_fkey`); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `DELETE FROM boards WHERE id = $1`, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM ops WHERE board_id = $1`, b.ID).Scan(&ops); err != nil {
			t.Fatal(err)
		}
		_, err = s.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Op: cardOp("k:2", "card2", "stage-1", "lane-1", "W", "b")}})
		if blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("err = %v; want not_found", err)
		}
		var after int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM ops WHERE board_id = $1`, b.ID).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != ops {
			t.Fatalf("the log of a deleted board grew from %d to %d rows", ops, after)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s, _ := setup(t)
		_, err := s.ApplyEdits(ctx, "nosuchboard", []blueprint.Edit{{Op: cardOp("", "c", "s", "l", "V", "")}})
		if blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("err = %v; want not_found", err)
		}
		if _, err := s.FindBoard(ctx, "bad id with spaces"); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("err = %v; want not_found", err)
		}
	})
}

// Concurrent writers, through two stores (as two processes would be) and many
// goroutines, must leave a gap-free log whose replay gives the stored state.
func TestStore_SequenceGapFreeUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t)
	var stores []*postgres.Store
	for range 2 {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		stores = append(stores, postgres.NewStore(pool))
	}
	b := mustBoard(t, stores[0], blueprint.TemplateServiceBlueprint)

	const writers, perWriter = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for i := range perWriter {
				id := fmt.Sprintf("w%d-c%d", w, i)
				res, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Author: id, Op: cardOp(id, id, "stage-1", "lane-1", "V", id)}})
				if err == nil && res[0].Err != nil {
					err = res[0].Err
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	log, err := stores[1].OpsSince(ctx, b.ID, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	want := b.Seq + writers*perWriter
	if int64(len(log)) != want {
		t.Fatalf("log has %d ops; want %d", len(log), want)
	}
	replay := blueprint.NewBoard(b.ID, "", b.Template)
	for i, c := range log {
		if c.Seq != int64(i+1) {
			t.Fatalf("op %d has seq %d: the log has a gap or a duplicate", i, c.Seq)
		}
		if err := replay.Apply(c.Op); err != nil {
			t.Fatalf("replaying seq %d: %v", c.Seq, err)
		}
	}
	replay.Seq = want
	stored, err := stores[0].FindBoard(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(exportJSON(t, stored), exportJSON(t, replay)); diff != "" {
		t.Fatalf("stored state differs from the replay of the log (-stored +replay):\n%s", diff)
	}
}

func exportJSON(t *testing.T, b *blueprint.Board) string {
	t.Helper()
	data, err := json.MarshalIndent(b.Export(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestMigrations_UpDownUp(t *testing.T) {
	m, err := postgres.NewMigrator(pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	latest, _ := postgres.LatestVersion()
	for i, step := range []func() error{m.Down, m.Up, m.Down, m.Up} {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if v, dirty, err := m.Version(); err != nil || dirty || v != latest {
		t.Fatalf("version = %d dirty=%v err=%v; want %d clean", v, dirty, err, latest)
	}
	if err := m.Ready(); err != nil {
		t.Fatal(err)
	}
}

// The stored state is rewritten only every so many ops; in between, readers apply the
// ops after it. A store with a cold cache (another process) must see the same board as
// the log's replay at every point, and write on top of it.
func TestStore_StateLagsTheLogAndReadersCatchUp(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t)
	open := func() (*postgres.Store, *pgxpool.Pool) {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return postgres.NewStore(pool), pool
	}
	writer, pool := open()
	b := mustBoard(t, writer, blueprint.TemplateServiceBlueprint)
	sparse, _ := open() // reads seldom: its last read is far behind, less or more than the state
	maxLag := int64(0)
	for i := range 700 {
		s := writer
		switch {
		case i == 0:
			s = sparse // so that it shares what its readers read, as a writer of the board
		case i%100 == 99:
			s, _ = open() // now and then a cold store writes, reading state and log itself
		}
		id := fmt.Sprintf("c%d", i%40)
		op := cardOp("", id, "stage-1", "lane-1", "V", fmt.Sprint(i))
		switch {
		case i >= 40 && i%7 == 0:
			op = blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: id}
		case i >= 40:
			op = blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: id, Fields: blueprint.Fields{Text: str(fmt.Sprint(i))}}
		}
		if _, err := s.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Author: "t", Op: op}}); err != nil {
			t.Fatal(err)
		}
		var stateSeq, seq int64
		if err := pool.QueryRow(ctx, `SELECT (state->>'seq')::bigint, seq FROM boards WHERE id = $1`, b.ID).Scan(&stateSeq, &seq); err != nil {
			t.Fatal(err)
		}
		maxLag = max(maxLag, seq-stateSeq)
		if i%50 != 0 && i != 699 && i != 120 {
			continue
		}
		cold, _ := open()
		got, err := cold.FindBoard(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq != seq {
			t.Fatalf("after %d commits: FindBoard at seq %d; the log is at %d", i+1, got.Seq, seq)
		}
		log, err := cold.OpsSince(ctx, b.ID, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		replay := blueprint.NewBoard(b.ID, "", b.Template)
		for _, c := range log {
			if err := replay.Apply(c.Op); err != nil {
				t.Fatalf("replaying seq %d: %v", c.Seq, err)
			}
		}
		replay.Seq = seq
		if diff := cmp.Diff(exportJSON(t, got), exportJSON(t, replay)); diff != "" {
			t.Fatalf("after %d commits, the board read differs from the replay of the log (-read +replay):\n%s", i+1, diff)
		}
		if i == 0 || i == 120 || i == 699 { // 120 and 579 ops after its previous read
			got, err := sparse.FindBoard(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(exportJSON(t, got), exportJSON(t, replay)); diff != "" {
				t.Fatalf("after %d commits, a seldom reader's read differs from the replay of the log (-read +replay):\n%s", i+1, diff)
			}
		}
		// The writer's store reads the board its readers share; changing it changes nothing stored.
		warm, err := writer.FindBoard(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(exportJSON(t, warm), exportJSON(t, replay)); diff != "" {
			t.Fatalf("after %d commits, the writer's read differs from the replay of the log (-read +replay):\n%s", i+1, diff)
		}
		for _, c := range warm.Cards {
			c.Text = "changed by a reader"
		}
		again, err := writer.FindBoard(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(exportJSON(t, again), exportJSON(t, replay)); diff != "" {
			t.Fatalf("a change to a board read reached the store's copy:\n%s", diff)
		}
	}
	if maxLag == 0 || maxLag >= 256 {
		t.Fatalf("the stored state lagged at most %d ops behind the log; want between 1 and 255", maxLag)
	}
}
