package auth

import (
	"context"
	"time"
)

// HashMemory is what one password hash or check takes in memory with DefaultParams
// (64 MiB).
const HashMemory = 64 << 20

// Gate bounds how many password hashes run at once. Each argon2id hash holds HashMemory
// for its duration, so a crowd of sign-ups or sign-ins would otherwise take memory without
// limit; past the bound a request waits a little for a slot, then is refused.
type Gate struct {
	slots chan struct{}
	wait  time.Duration
}

// NewGate returns a gate letting n hashes run at once (at least one), where a hash waits
// at most wait for its turn.
func NewGate(n int, wait time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// Size returns how many hashes may run at once.
func (g *Gate) Size() int { return cap(g.slots) }

// Enter takes a slot, waiting at most the gate's wait (and not past ctx). It returns false
// when no slot came free in time; otherwise the caller must call the release function.
func (g *Gate) Enter(ctx context.Context) (release func(), ok bool) {
	select {
	case g.slots <- struct{}{}:
		return g.release, true
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.release, true
	case <-t.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
}

func (g *Gate) release() { <-g.slots }

// GateSize returns how many password hashes may run at once on a machine with memory
// bytes of memory (the process's limit) and cpus processors: a quarter of the memory in
// hashes, and no more than the processors, since a hash is busy on one all along and more
// at once would only make each slower. At least one.
func GateSize(memory int64, cpus int) int {
	n := int(memory / 4 / HashMemory)
	return max(1, min(n, cpus))
}
