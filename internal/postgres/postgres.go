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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/blueprint"
)

// Open connects a pool to the database at dsn and checks that it answers.
func Open(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing DATABASE_URL: %w", err)
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
