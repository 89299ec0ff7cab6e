package realtime_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

var (
	seedFlag  = flag.Uint64("seed", 0, "run the convergence tests with this seed only")
	seedCount = flag.Int("seeds", 8, "how many seeds the convergence tests run")
)

// TestConvergence has many clients edit the same cards at once — moves, text edits,
// deletes, creates in stages that others delete, links on deleted cards — while they are
// cut off and reconnect at random. When all is quiet, every client must hold exactly the
// server's state, and the server's state must be the replay of its op log from empty.
func TestConvergence(t *testing.T) {
	seeds := []uint64{*seedFlag}
	if *seedFlag == 0 {
		seeds = nil
		base := uint64(time.Now().UnixNano())
		for i := range *seedCount {
			seeds = append(seeds, base+uint64(i))
		}
	}
	for i, seed := range seeds {
		clients, ops := 20, 6000
		if i > 0 {
			clients, ops = 8, 1000 // the first seed is the big one; the others vary the schedule
		}
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Logf("seed %d (rerun with -run TestConvergence -seed %d): %d clients, %d ops", seed, seed, clients, ops)
			runConvergence(t, seed, clients, ops)
			if t.Failed() {
				t.Logf("FAILING SEED: %d", seed)
			}
		})
	}
}

func runConvergence(t *testing.T, seed uint64, nClients, nOps int) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{OpsPerSecond: 1e6, OpsBurst: 1e6}, false)
	b := mustBoard(t, n.store)

	var wg sync.WaitGroup
	clients := make([]*wsclient.Client, nClients)
	errs := make(chan error, nClients)
	for i := range clients {
		clients[i] = mustConnect(t, n, b.ID, fmt.Sprintf("cl%d", i))
	}
	perClient := nOps / nClients
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for k := 0; k < perClient; k++ {
				for c.Pending() > 8 {
					time.Sleep(time.Millisecond)
				}
				op := randomOp(rng, c.View(), i, k)
				if rng.IntN(100) < 15 { // comments, markers and +1s, made as this client (the server says who)
					op, _ = blueprinttest.RandomAnnotation(rng)
				}
				if _, err := c.Submit(op); err != nil {
					// A failed write leaves the op pending; it goes again on reconnect.
					_ = err
				}
				if rng.IntN(100) == 0 { // the network drops
					c.Drop()
					time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
					if err := reconnect(c); err != nil {
						errs <- fmt.Errorf("client %d reconnecting: %w", i, err)
						return
					}
				}
				select {
				case <-c.Done():
					if err := reconnect(c); err != nil {
						errs <- fmt.Errorf("client %d reconnecting after a server close: %w", i, err)
						return
					}
				default:
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Quiet: every client drains its pending ops and catches up.
	for _, c := range clients {
		select {
		case <-c.Done():
			if err := reconnect(c); err != nil {
				t.Fatal(err)
			}
		default:
		}
	}
	eventually(t, "every pending op confirmed or refused", func() bool {
		for _, c := range clients {
			if c.Pending() > 0 {
				return false
			}
		}
		return true
	})
	server := serverState(t, n.store, b.ID)
	eventually(t, "every client at the server's sequence", func() bool {
		for _, c := range clients {
			if c.Seq() != server.Seq {
				return false
			}
		}
		return true
	})
	want := exportOf(t, server)
	for _, c := range clients {
		if diff := cmp.Diff(want, exportOf(t, c.Confirmed())); diff != "" {
			t.Fatalf("client %s differs from the server (-server +client):\n%s", c.ID(), diff)
		}
		if diff := cmp.Diff(want, exportOf(t, c.View())); diff != "" {
			t.Fatalf("client %s shows something else than it holds:\n%s", c.ID(), diff)
		}
	}

	// The state is the replay of the log from an empty board.
	log, err := n.store.OpsSince(context.Background(), b.ID, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	replay := blueprint.NewBoard(b.ID, "", b.Template)
	keys := map[string]int64{}
	for i, c := range log {
		if c.Seq != int64(i+1) {
			t.Fatalf("log position %d holds seq %d", i, c.Seq)
		}
		if prev, dup := keys[c.Op.Key]; dup && c.Op.Key != "" {
			t.Fatalf("key %s applied twice (seq %d and %d)", c.Op.Key, prev, c.Seq)
		}
		keys[c.Op.Key] = c.Seq
		if err := replay.ApplyAs(c.Op, c.Origin()); err != nil { // each op as its logged author made it
			t.Fatalf("replaying seq %d: %v", c.Seq, err)
		}
	}
	replay.Seq = server.Seq
	if diff := cmp.Diff(want, exportOf(t, replay)); diff != "" {
		t.Fatalf("the server's state is not the replay of its log:\n%s", diff)
	}
	var refused int
	for _, c := range clients {
		refused += len(c.Rejected())
	}
	t.Logf("%d ops in the log, %d refused, %d cards, %d stages, %d links at the end",
		int64(len(log))-b.Seq, refused, len(server.Cards), len(server.Stages), len(server.Links))
	if int64(len(log))-b.Seq < int64(nOps/4) {
		t.Fatalf("only %d ops were applied: the generator does not exercise the server", int64(len(log))-b.Seq)
	}
}

func reconnect(c *wsclient.Client) error {
	var err error
	for attempt := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = c.Connect(ctx)
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

// randomOp makes an op on a small id space so that clients collide often.
func randomOp(rng *rand.Rand, view *blueprint.Board, client, k int) blueprint.Op {
	pick := func(m []string) string { return m[rng.IntN(len(m))] }
	shared := []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}
	fresh := fmt.Sprintf("c%d-%d", client, k)
	stages := []string{"stage-1", "stage-2", "stage-3", "stage-4", "stage-5", "s1", "s2", "s3"}
	lanes := []string{"lane-1", "lane-2", "lane-3", "lane-4", "lane-5"}
	var known []string // cards this client sees: most edits aim at them
	if view != nil {
		for _, c := range view.SortedCards() {
			known = append(known, c.ID)
		}
	}
	card := func() string {
		if len(known) > 0 && rng.IntN(4) != 0 {
			return pick(known)
		}
		return pick(shared)
	}
	newCard := func() string {
		if rng.IntN(3) == 0 {
			return pick(shared)
		}
		return fresh
	}
	order := func() *string {
		o := string("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rng.IntN(35)]) + string("abcdefghijklmnopqrstuvwxyz"[rng.IntN(26)])
		return &o
	}
	text := func() *string { s := fmt.Sprintf("t%d-%d «é» <b>%d</b>", client, k, rng.IntN(1000)); return &s }
	switch r := rng.IntN(100); {
	case r < 30:
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: card(), Fields: blueprint.Fields{Text: text()}}
	case r < 50:
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: card(),
			Fields: blueprint.Fields{Stage: str(pick(stages)), Lane: str(pick(lanes)), Order: order()}}
	case r < 68:
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: newCard(),
			Fields: blueprint.Fields{Stage: str(pick(stages)), Lane: str(pick(lanes)), Order: order(), Text: text()}}
	case r < 76:
		return blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: card()}
	case r < 83:
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: pick(stages),
			Fields: blueprint.Fields{Name: text(), Order: order()}}
	case r < 86:
		return blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeStage, ID: pick(stages)}
	case r < 93:
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: fmt.Sprintf("k%d", rng.IntN(15)),
			Fields: blueprint.Fields{From: str(card()), To: str(card()), Critical: ptrBool(rng.IntN(2) == 0)}}
	case r < 96:
		return blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeLink, ID: fmt.Sprintf("k%d", rng.IntN(15))}
	default:
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: fmt.Sprintf("t%d", rng.IntN(4)),
			Fields: blueprint.Fields{Name: text(), Color: str("#123abc")}}
	}
}

func ptrBool(b bool) *bool { return &b }
