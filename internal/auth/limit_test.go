package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"lastmile/internal/auth"
)

// clock is a limiter's clock that moves only when told.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

func newLimiter(burst int) (*auth.Limiter, *clock) {
	c := &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &auth.Limiter{Burst: burst, Every: time.Minute, Now: c.Now}, c
}

func mustReserve(t *testing.T, l *auth.Limiter, keys ...string) *auth.Reservation {
	t.Helper()
	r, ok := l.Reserve(keys...)
	if !ok {
		t.Fatalf("Reserve(%q) refused", keys)
	}
	return r
}

func TestLimiter(t *testing.T) {
	t.Run("Burst", func(t *testing.T) {
		l, _ := newLimiter(3)
		for range 3 {
			mustReserve(t, l, "ip:1", "email:a")
		}
		if l.Take("ip:1") || l.Take("ip:2", "email:a") {
			t.Fatal("a key with three tries taken may still try")
		}
		// The refused pair took nothing from ip:2.
		for range 3 {
			mustReserve(t, l, "ip:2", "email:b")
		}
	})

	t.Run("Refill", func(t *testing.T) {
		l, c := newLimiter(2)
		l.Take("k")
		l.Take("k")
		if got := l.Wait("k"); got != time.Minute {
			t.Fatalf("Wait with no try left: %v; want a minute", got)
		}
		c.advance(20 * time.Second)
		if got := l.Wait("k"); got != 40*time.Second {
			t.Fatalf("Wait 20 s later: %v; want 40 s", got)
		}
		if l.Take("k") {
			t.Fatal("a try came back before its time")
		}
		c.advance(40 * time.Second)
		if !l.Take("k") || l.Take("k") {
			t.Fatal("a minute gives back one try, no more")
		}
	})

	// Tries taken at once are all counted while they are being checked; a refund gives
	// its try back, even after time has passed.
	t.Run("Refund", func(t *testing.T) {
		l, c := newLimiter(3)
		held := []*auth.Reservation{mustReserve(t, l, "ip:1", "email:a"), mustReserve(t, l, "ip:1", "email:a"), mustReserve(t, l, "ip:1", "email:a")}
		if _, ok := l.Reserve("ip:1"); ok {
			t.Fatal("a fourth try while three are being checked")
		}
		c.advance(time.Second)
		held[0].Refund()
		mustReserve(t, l, "ip:1", "email:a")
		if l.Take("ip:1") || l.Take("email:a") {
			t.Fatal("one refund gave back more than one try")
		}
		held[0].Refund()
		if l.Take("ip:1") {
			t.Fatal("a second refund of one reservation gave back a try")
		}
		var none *auth.Reservation
		none.Refund()
	})

	t.Run("RefundKeepsBurst", func(t *testing.T) {
		l, c := newLimiter(3)
		r := mustReserve(t, l, "k")
		c.advance(time.Hour) // the bucket is full again
		r.Refund()
		for range 3 {
			mustReserve(t, l, "k")
		}
		if l.Take("k") {
			t.Fatal("a refund into a full bucket made it hold more than its burst")
		}
	})
}

// TestGate checks that a client's hashes wait their turn, one after the other, without
// taking more than one slot or keeping other clients waiting, and that a hash whose turn
// and slot do not come within the gate's wait, counted from its call, is refused.
func TestGate(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	mustEnter := func(t *testing.T, g *auth.Gate, ctx context.Context, key string) func() {
		t.Helper()
		release, err := g.Enter(ctx, key)
		if err != nil {
			t.Fatalf("%s enters: %v", key, err)
		}
		return release
	}
	// waitFor waits until the client key has n hashes in the gate.
	waitFor := func(t *testing.T, g *auth.Gate, key string, n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); g.Hashes(key) != n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s has %d hashes in the gate; want %d", key, g.Hashes(key), n)
			}
		}
	}

	// A client's second hash waits for the first, without holding a slot meanwhile, and
	// then runs.
	t.Run("Turn", func(t *testing.T) {
		g := auth.NewGate(2, time.Hour)
		releaseA := mustEnter(t, g, ctx, "a")
		second := make(chan error, 1)
		var releaseA2 func()
		go func() {
			var err error
			releaseA2, err = g.Enter(ctx, "a")
			second <- err
		}()
		waitFor(t, g, "a", 2)
		// A request already gone enters only where nothing is to wait for: the second
		// slot is free for another client, and the first client's turn is taken.
		releaseB := mustEnter(t, g, cancelled, "b")
		if _, err := g.Enter(cancelled, "a"); !errors.Is(err, auth.ErrGateFull) {
			t.Fatalf("a third hash of a client, the request gone: %v; want ErrGateFull", err)
		}
		releaseA()
		if err := <-second; err != nil {
			t.Fatalf("the second hash of a client, once the first is done: %v", err)
		}
		releaseB()
		releaseA2()
		if n := g.Clients(); n != 0 {
			t.Fatalf("the gate remembers %d clients after every hash is done", n)
		}
	})

	// Many hashes of a few clients at once: never two of one client at a time, never
	// more than the slots, and all of them run.
	t.Run("OneAtATime", func(t *testing.T) {
		const slots, clients, each = 2, 3, 6
		g := auth.NewGate(slots, time.Hour)
		var mu sync.Mutex
		running, most := map[string]int{}, map[string]int{}
		total, mostTotal := 0, 0
		hash := func(key string, d int) {
			mu.Lock()
			running[key]++
			most[key] = max(most[key], running[key])
			total++
			mostTotal = max(mostTotal, total)
			mu.Unlock()
			time.Sleep(time.Duration(d) * time.Millisecond)
			mu.Lock()
			running[key]--
			total--
			mu.Unlock()
		}
		var wg sync.WaitGroup
		errs := make(chan error, clients*each)
		for i := range clients * each {
			key := fmt.Sprintf("client%d", i%clients)
			wg.Go(func() {
				release, err := g.Enter(ctx, key)
				if err != nil {
					errs <- err
					return
				}
				defer release()
				hash(key, i%3+1)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a hash: %v", err)
		}
		for key, n := range most {
			if n != 1 {
				t.Errorf("%d hashes of %s ran at once; want 1", n, key)
			}
		}
		if mostTotal > slots || len(most) != clients {
			t.Errorf("%d hashes of %d clients ran at once; want at most %d of %d", mostTotal, len(most), slots, clients)
		}
		if n := g.Clients(); n != 0 {
			t.Fatalf("the gate remembers %d clients after every hash is done", n)
		}
	})

	t.Run("Full", func(t *testing.T) {
		g := auth.NewGate(1, time.Millisecond)
		release := mustEnter(t, g, ctx, "a")
		if _, err := g.Enter(ctx, "b"); !errors.Is(err, auth.ErrGateFull) {
			t.Fatalf("a full gate: %v; want ErrGateFull", err)
		}
		long := auth.NewGate(1, time.Hour)
		releaseLong := mustEnter(t, long, ctx, "a")
		if _, err := long.Enter(cancelled, "b"); !errors.Is(err, auth.ErrGateFull) {
			t.Fatalf("a full gate, the request gone: %v; want ErrGateFull", err)
		}
		releaseLong()
		release()
		// The refused client's turn ended with the refusal.
		mustEnter(t, g, ctx, "b")()
		if n := g.Clients() + long.Clients(); n != 0 {
			t.Fatalf("the gates remember %d clients after every hash is done", n)
		}
	})

	// A client's hash whose turn does not come within the wait is refused, though slots
	// are free.
	t.Run("TurnTooLate", func(t *testing.T) {
		g := auth.NewGate(3, time.Millisecond)
		release := mustEnter(t, g, ctx, "a")
		if _, err := g.Enter(ctx, "a"); !errors.Is(err, auth.ErrGateFull) {
			t.Fatalf("a second hash of a client whose first one runs on: %v; want ErrGateFull", err)
		}
		if n := g.Hashes("a"); n != 1 {
			t.Fatalf("a refused hash still counted: the client has %d hashes in the gate", n)
		}
		release()
		mustEnter(t, g, ctx, "a")()
		if n := g.Clients(); n != 0 {
			t.Fatalf("the gate remembers %d clients after every hash is done", n)
		}
	})

	// The wait covers the turn and the slot together: hashes of a client queued behind
	// each other for a full gate are all refused once the wait has passed since their
	// call, not the second one a wait after the first was refused.
	t.Run("OneWait", func(t *testing.T) {
		const wait, n = 400 * time.Millisecond, 3
		g := auth.NewGate(1, wait)
		release := mustEnter(t, g, ctx, "b")
		defer release()
		took := make(chan time.Duration, n)
		for i := range n {
			go func() {
				start := time.Now()
				if _, err := g.Enter(ctx, "a"); !errors.Is(err, auth.ErrGateFull) {
					t.Errorf("a hash behind a full gate: %v; want ErrGateFull", err)
				}
				took <- time.Since(start)
			}()
			waitFor(t, g, "a", i+1)
		}
		for range n {
			if d := <-took; d < wait || d > wait*3/2 {
				t.Errorf("a hash was refused after %v; want the wait, %v", d, wait)
			}
		}
	})
}
