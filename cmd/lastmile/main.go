// Command lastmile serves the collaborative service-blueprint editor.
//
//	lastmile [serve]                  serve HTTP on LASTMILE_ADDR (default :8080)
//	lastmile migrate up|down|version  manage the database schema
//	lastmile bench [flags]            load-test a board (see -h)
//
// Configuration comes from flags and from the environment: DATABASE_URL (a postgres://
// URL), LASTMILE_ADDR, LASTMILE_LOG_LEVEL (debug, info, warn, error).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "lastmile:", err)
		os.Exit(1)
	}
}
