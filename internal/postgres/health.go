package postgres

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// health follows whether the database answers, from the outcome of the connections the
// pool makes and of the statements it runs, and logs each change once: a WARN when the
// database cannot be reached (a connection fails, or breaks under a statement), with
// the cause, and an INFO when it answers again. While it is away, requests are answered
// 503 (interpretError) without a line each.
//
// A pool reaches the database only for requests, so the database is known to be away
// when a request (or the readiness probe) finds it so, and back when one finds it
// answering.
type health struct {
	log  *slog.Logger
	down atomic.Bool
}

var (
	_ pgx.ConnectTracer = (*health)(nil)
	_ pgx.QueryTracer   = (*health)(nil)
)

// note records the outcome of a connection or a statement: err nil means the database
// answered.
func (h *health) note(err error) {
	switch {
	case err == nil:
		if h.down.Load() && h.down.CompareAndSwap(true, false) {
			h.log.Info("the database answers again")
		}
	case unreachable(err):
		if !h.down.Load() && h.down.CompareAndSwap(false, true) {
			h.log.Warn("the database cannot be reached", "err", err)
		}
	}
}

// TraceConnectStart implements pgx.ConnectTracer.
func (h *health) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return ctx
}

// TraceConnectEnd implements pgx.ConnectTracer: a connection that cannot be made, for
// any reason but the caller's giving up, means that the database cannot be reached.
func (h *health) TraceConnectEnd(_ context.Context, data pgx.TraceConnectEndData) {
	h.note(data.Err)
}

// TraceQueryStart implements pgx.QueryTracer.
func (h *health) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer. A statement that fails for its own reasons
// (a constraint, a timeout) says nothing of the database and changes nothing here.
func (h *health) TraceQueryEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	h.note(data.Err)
}
