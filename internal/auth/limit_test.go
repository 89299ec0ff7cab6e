package auth_test

import (
	"context"
	"errors"
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

func TestGate(t *testing.T) {
	ctx := context.Background()
	t.Run("OnePerClient", func(t *testing.T) {
		g := auth.NewGate(3, time.Hour)
		release, err := g.Enter(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Enter(ctx, "a"); !errors.Is(err, auth.ErrHashing) {
			t.Fatalf("a second hash of one client while there are free slots: %v; want ErrHashing", err)
		}
		releaseB, err := g.Enter(ctx, "b")
		if err != nil {
			t.Fatalf("another client: %v", err)
		}
		release()
		releaseA, err := g.Enter(ctx, "a")
		if err != nil {
			t.Fatalf("the client after its hash was done: %v", err)
		}
		releaseA()
		releaseB()
	})

	t.Run("Full", func(t *testing.T) {
		g := auth.NewGate(1, time.Millisecond)
		release, err := g.Enter(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Enter(ctx, "b"); !errors.Is(err, auth.ErrGateFull) {
			t.Fatalf("a full gate: %v; want ErrGateFull", err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		long := auth.NewGate(1, time.Hour)
		releaseLong, err := long.Enter(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := long.Enter(cancelled, "b"); !errors.Is(err, auth.ErrGateFull) {
			t.Fatalf("a full gate, the request gone: %v; want ErrGateFull", err)
		}
		releaseLong()
		release()
		// The refused client's turn ended with the refusal.
		releaseB, err := g.Enter(ctx, "b")
		if err != nil {
			t.Fatalf("the refused client once a slot is free: %v", err)
		}
		releaseB()
	})
}
