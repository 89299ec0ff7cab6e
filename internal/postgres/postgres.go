// Package postgres stores lastmile boards in Postgres: the per-board op log and the state
// it leads to, written in one transaction; the migrations runner; and LISTEN/NOTIFY so that
// several processes can serve one board. pgx types never leave this package: database
// errors are translated into the domain's coded errors here.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/blueprint"
)

// connectTimeout bounds a connection attempt when the database URL sets none
// (connect_timeout): while the database cannot be reached, requests are told so within
// it rather than waiting for the network to give up.
const connectTimeout = 5 * time.Second

// Open connects a pool to the database at dsn and checks that it answers. It logs
// nothing; OpenLogged is for a server.
func Open(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	return OpenLogged(ctx, dsn, nil)
}

// OpenLogged is Open, and also logs to log, once each time, when the database stops
// answering and when it answers again (see health). log may be nil.
func OpenLogged(ctx context.Context, dsn string, log *slog.Logger) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing DATABASE_URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if log != nil {
		cfg.ConnConfig.Tracer = &health{log: log}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to Postgres: %w", err)
	}
	return pool, nil
}

// interpretError translates a database error into a domain error. It is the only place
// where pgx errors are looked at. what names the missing or repeated thing in messages.
func interpretError(err error, what blueprint.Term) error {
	if err == nil {
		return nil
	}
	var coded *blueprint.Error
	if errors.As(err, &coded) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", what)
	}
	if unreachable(err) {
		return &blueprint.Error{Code: blueprint.EUNAVAILABLE, Message: "the database cannot be reached; try again in a moment", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &blueprint.Error{Code: blueprint.EUNAVAILABLE, Message: "the request was cancelled or timed out", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			e := blueprint.Errorf(blueprint.ECONFLICT, "%s already exists", what)
			e.Err = err
			return e
		case "57P01", "57P02", "57P03":
			return &blueprint.Error{Code: blueprint.EUNAVAILABLE, Message: "the database is restarting; try again", Err: err}
		}
	}
	return blueprint.Internal(err)
}

// unreachable reports whether err says that the database could not be reached, or
// that the connection to it broke, rather than that a statement failed: a connection
// that could not be made (refused, timed out, the server starting up or shutting down),
// a network error, a connection cut in the middle of a message, or a server error of
// class 08 (connection exception).
func unreachable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr):
		return !errors.Is(err, context.Canceled) // the caller gave up: that says nothing of the database
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false // the caller's deadline, which a net.Error would also match
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08")
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	return false
}

// newBoardID returns a random board id: 26 characters of lowercase base 32 (130 bits). A
// board without members is reached by whoever holds its address, so its id is a secret
// that nobody can guess or enumerate.
func newBoardID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 17) // 136 random bits, of which the 26 characters use 130
	_, _ = rand.Read(b)
	out := make([]byte, 26)
	var acc uint64
	bits := 0
	j := 0
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 && j < len(out) {
			bits -= 5
			out[j] = alphabet[(acc>>uint(bits))&31]
			j++
		}
	}
	return string(out)
}
