package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PanicOnFirstSend makes the notifier panic instead of sending its first batch. Call it
// before Run.
func PanicOnFirstSend(n *Notifier) {
	send, panicked := n.send, false
	n.send = func(ctx context.Context, b *pgx.Batch) error {
		if !panicked {
			panicked = true
			panic("a panic injected by the test")
		}
		return send(ctx, b)
	}
}

// InterpretError is interpretError, for tests.
var InterpretError = interpretError

// PoolOf returns the store's pool, for tests that change rows directly.
func PoolOf(s *Store) *pgxpool.Pool { return s.pool }
