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

// Errors of Gate.Enter.
var (
	// ErrHashing refuses a hash for a client that has one waiting or running already.
	ErrHashing = errors.New("auth: a password of this client is being hashed already")
	// ErrGateFull refuses a hash for which no slot came free in time.
	ErrGateFull = errors.New("auth: no password-hash slot came free in time")
)

// Gate bounds how many password hashes run at once. Each argon2id hash holds HashMemory
// for its duration, so a crowd of sign-ups or sign-ins would otherwise take memory without
// limit; past the bound a request waits a little for a slot, then is refused.
//
// Each client (a key: its address) has at most one hash waiting or running: a second one
// is refused at once, so that a few clients cannot fill the queue of those waiting and
// keep everyone else's password from being checked.
type Gate struct {
	slots chan struct{}
	wait  time.Duration

	mu      sync.Mutex
	hashing map[string]bool // clients with a hash waiting or running
}

// NewGate returns a gate letting n hashes run at once (at least one), where a hash waits
// at most wait for its turn.
func NewGate(n int, wait time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), wait: wait, hashing: map[string]bool{}}
}

// Size returns how many hashes may run at once.
func (g *Gate) Size() int { return cap(g.slots) }

// Enter takes a slot for a hash of the client key. It returns ErrHashing at once when key
// has a hash waiting or running already, and ErrGateFull when no slot came free within
// the gate's wait (or before ctx ended). Otherwise the caller must call release once the
// hash is done, which frees the slot and the client's turn.
func (g *Gate) Enter(ctx context.Context, key string) (release func(), err error) {
	g.mu.Lock()
	if g.hashing[key] {
		g.mu.Unlock()
		return nil, ErrHashing
	}
	g.hashing[key] = true
	g.mu.Unlock()
	if !g.take(ctx) {
		g.done(key)
		return nil, ErrGateFull
	}
	return func() { <-g.slots; g.done(key) }, nil
}

// take takes a slot, waiting at most the gate's wait (and not past ctx), and reports
// whether it did.
func (g *Gate) take(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// done ends the turn of key.
func (g *Gate) done(key string) {
	g.mu.Lock()
	delete(g.hashing, key)
	g.mu.Unlock()
}

// GateSize returns how many password hashes may run at once on a machine with memory
// bytes of memory (the process's limit) and cpus processors: a quarter of the memory in
// hashes, and no more than the processors, since a hash is busy on one all along and more
// at once would only make each slower. At least one.
func GateSize(memory int64, cpus int) int {
	n := int(memory / 4 / HashMemory)
	return max(1, min(n, cpus))
}
