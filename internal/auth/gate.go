package auth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// HashMemory is what one password hash or check takes in memory with DefaultParams
// (64 MiB).
const HashMemory = 64 << 20

// ErrGateFull refuses a hash whose turn did not come in time: the client's own earlier
// hashes, then a slot of the gate, took longer than the gate's wait (or the request ended).
var ErrGateFull = errors.New("auth: no password-hash slot came free in time")

// Gate bounds how many password hashes run at once. Each argon2id hash holds HashMemory
// for its duration, so a crowd of sign-ups or sign-ins would otherwise take memory without
// limit; past the bound a request waits a little for a slot, then is refused.
//
// Each client (a key: its address) has a turn: at most one hash of the client holds a slot
// or waits for one, and its other hashes queue behind it for the turn. So one client never
// holds more than one slot, and however many hashes it sends at once, it puts one in the
// queue for the slots: a few clients cannot keep everyone else's password from being
// checked, and people behind one router who send their passwords at the same moment are
// served one after the other instead of being refused.
//
// The gate does not bound how many hashes of one client wait for its turn (each waits at
// most the gate's wait): its callers do, by taking a try per hash from a limiter keyed by
// the client before entering the gate, and holding it until the hash is done. The server
// holds a sign-up try of the address for a sign-up; a password try of the address for a
// sign-in, for the password that opens a share link, and for a change of password until
// its new password is hashed too; and, for the password given to a new share link, a
// password try of the address given back once the password is hashed.
type Gate struct {
	slots chan struct{}
	wait  time.Duration

	mu    sync.Mutex
	turns map[string]*turn // clients with a hash waiting or running; none without
}

// turn is a client's turn: held by the one hash of the client that holds or waits for a
// slot.
type turn struct {
	held chan struct{} // holds a value while the turn is taken
	n    int           // hashes of the client waiting for the turn, holding it or running
}

// NewGate returns a gate letting n hashes run at once (at least one), where a hash waits
// at most wait for its turn and a slot, together.
func NewGate(n int, wait time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), wait: wait, turns: map[string]*turn{}}
}

// Size returns how many hashes may run at once.
func (g *Gate) Size() int { return cap(g.slots) }

// Enter takes a slot for a hash of the client key, once the client's earlier hashes have
// taken theirs and let go of the client's turn. It returns ErrGateFull when the turn and
// then a slot did not come within the gate's wait, counted from the call, or before ctx
// ended. Otherwise the caller must call release once the hash is done, which frees the
// slot and the client's turn.
func (g *Gate) Enter(ctx context.Context, key string) (release func(), err error) {
	deadline := time.NewTimer(g.wait)
	defer deadline.Stop()
	t := g.join(key)
	if !take(ctx, deadline.C, t.held) {
		g.leave(key, t)
		return nil, ErrGateFull
	}
	if !take(ctx, deadline.C, g.slots) {
		<-t.held
		g.leave(key, t)
		return nil, ErrGateFull
	}
	return func() { <-g.slots; <-t.held; g.leave(key, t) }, nil
}

// take puts a value in ch, waiting for room until timeout fires or ctx ends, and reports
// whether it did.
func take(ctx context.Context, timeout <-chan time.Time, ch chan struct{}) bool {
	select {
	case ch <- struct{}{}:
		return true
	default:
	}
	select {
	case ch <- struct{}{}:
		return true
	case <-timeout:
		return false
	case <-ctx.Done():
		return false
	}
}

// join counts a hash of key in its client's turn, which it makes when the client has none.
func (g *Gate) join(key string) *turn {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.turns[key]
	if t == nil {
		t = &turn{held: make(chan struct{}, 1)}
		g.turns[key] = t
	}
	t.n++
	return t
}

// leave counts out a hash of key that no longer holds nor waits for t, and forgets the
// turn once no hash of the client is left.
func (g *Gate) leave(key string, t *turn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.n--; t.n == 0 {
		delete(g.turns, key)
	}
}

// GateSize returns how many password hashes may run at once on a machine with memory
// bytes of memory (the process's limit) and cpus processors: a quarter of the memory in
// hashes, and no more than the processors, since a hash is busy on one all along and more
// at once would only make each slower. At least one.
func GateSize(memory int64, cpus int) int {
	n := int(memory / 4 / HashMemory)
	return max(1, min(n, cpus))
}
