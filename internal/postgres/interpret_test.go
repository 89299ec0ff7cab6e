package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
)

// Database errors become the domain's at the boundary: a database that cannot be reached
// is unavailable with a message that says so, a deadline of the caller's is not mistaken
// for it, and anything unexpected is internal.
func TestInterpretError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, refused := pgx.Connect(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
	if refused == nil {
		t.Fatal("connecting to port 1 succeeded")
	}
	const away, timedOut = "cannot be reached", "cancelled or timed out"
	for _, tc := range []struct {
		name  string
		err   error
		code  string
		words string
	}{
		{"ConnectionRefused", refused, blueprint.EUNAVAILABLE, away},
		{"ConnectionReset", fmt.Errorf("failed to receive message: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), blueprint.EUNAVAILABLE, away},
		{"ConnectionCut", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), blueprint.EUNAVAILABLE, away},
		{"ConnectionException", &pgconn.PgError{Code: "08006"}, blueprint.EUNAVAILABLE, away},
		{"ShuttingDown", &pgconn.PgError{Code: "57P01"}, blueprint.EUNAVAILABLE, "restarting"},
		{"StartingUp", &pgconn.PgError{Code: "57P03"}, blueprint.EUNAVAILABLE, "restarting"},
		{"Deadline", fmt.Errorf("timeout: %w", context.DeadlineExceeded), blueprint.EUNAVAILABLE, timedOut},
		{"Cancelled", context.Canceled, blueprint.EUNAVAILABLE, timedOut},
		{"Duplicate", &pgconn.PgError{Code: "23505"}, blueprint.ECONFLICT, "already exists"},
		{"NoRows", pgx.ErrNoRows, blueprint.ENOTFOUND, "not found"},
		{"Unexpected", errors.New("syntax error at or near"), blueprint.EINTERNAL, "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := postgres.InterpretError(tc.err, "board")
			if blueprint.ErrorCode(err) != tc.code || !strings.Contains(blueprint.ErrorMessage(err), tc.words) {
				t.Fatalf("interpretError(%v) = %v; want %s, saying %q", tc.err, err, tc.code, tc.words)
			}
			if !errors.Is(err, tc.err) && tc.code != blueprint.ENOTFOUND && tc.code != blueprint.ECONFLICT {
				t.Fatalf("interpretError(%v) = %v, which lost its cause", tc.err, err)
			}
		})
	}
}
