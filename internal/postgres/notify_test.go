package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// logLines is a JSON log that goroutines write to and a test reads.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// with returns the lines whose message is msg.
func (l *logLines) with(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	text := l.buf.String()
	l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// wantPanicLogged checks that the log has one ERROR line msg with the panic's stack.
func wantPanicLogged(t *testing.T, logs *logLines, msg string) {
	t.Helper()
	lines := logs.with(t, msg)
	if len(lines) != 1 || lines[0]["level"] != "ERROR" || !strings.Contains(lines[0]["stack"].(string), "goroutine") {
		t.Fatalf("log lines %q: %v; want one ERROR with the stack", msg, lines)
	}
}

// listening returns a connection listening on channel.
func listening(t *testing.T, dsn, channel string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		t.Fatal(err)
	}
	return conn
}

// A panic in the notifier is logged with its stack; the notifier goes on sending.
func TestNotifierSurvivesAPanic(t *testing.T) {
	dsn := pgtest.NewURL(t)
	pool, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	listener := listening(t, dsn, postgres.NotifyChannel)
	var logs logLines
	n := postgres.NewNotifier(pool, logs.logger())
	postgres.PanicOnFirstSend(n)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { n.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })

	n.Publish("lost", 1) // its batch panics
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	for {
		// Until the panic has happened, a publication may join the batch that panics:
		// publish again until one arrives.
		n.Publish("after", 2)
		nctx, ncancel := context.WithTimeout(wctx, 100*time.Millisecond)
		nt, err := listener.WaitForNotification(nctx)
		ncancel()
		if err == nil && nt.Payload == "after 2" {
			break
		}
		if wctx.Err() != nil {
			t.Fatal("no notification arrived after the panic")
		}
	}
	wantPanicLogged(t, &logs, "panic in the notifier; it goes on")
}

// listenFor runs Listen on dsn until the test ends, with handlers that record the
// boards notified and count resyncs; it returns once the listener hears a notification.
func listenFor(t *testing.T, dsn string, pool *pgxpool.Pool, logs *logLines, ops func(board string)) (resynced <-chan struct{}) {
	t.Helper()
	heard := make(chan string, 100)
	resync := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		postgres.Listen(ctx, dsn, logs.logger(), postgres.Handlers{
			Ops: func(board string, seq int64) {
				if ops != nil {
					ops(board)
				}
				select {
				case heard <- board:
				default:
				}
			},
			Resync: func() { resync <- struct{}{} },
		})
		close(stopped)
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	notifyUntilHeard(t, pool, heard, "ready")
	return resync
}

// notifyUntilHeard notifies board until the listener hears it.
func notifyUntilHeard(t *testing.T, pool *pgxpool.Pool, heard <-chan string, board string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := pool.Exec(context.Background(), `SELECT pg_notify($1, $2)`, postgres.NotifyChannel, board+" 1"); err != nil {
			t.Fatal(err)
		}
		select {
		case b := <-heard:
			if b == board {
				return
			}
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the listener never heard %q", board)
		}
	}
}

// A panic in a handler is logged with its stack; the listener connects again, resyncs
// and goes on.
func TestListenerSurvivesAPanic(t *testing.T) {
	dsn := pgtest.NewURL(t)
	pool, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var logs logLines
	var once sync.Once
	heard := make(chan string, 100)
	resynced := listenFor(t, dsn, pool, &logs, func(board string) {
		if board == "boom" {
			once.Do(func() { panic("a panic injected by the test") })
		}
		select {
		case heard <- board:
		default:
		}
	})
	if _, err := pool.Exec(context.Background(), `SELECT pg_notify($1, 'boom 1')`, postgres.NotifyChannel); err != nil {
		t.Fatal(err)
	}
	select {
	case <-resynced:
	case <-time.After(20 * time.Second):
		t.Fatal("the listener did not resync after the panic")
	}
	notifyUntilHeard(t, pool, heard, "after")
	wantPanicLogged(t, &logs, "panic in the notification listener; listening again")
}

// While the database cannot be reached, the listener says once that it lost its
// connection, however many times it tries again, and once that it listens again.
func TestListenerLogsALossOnce(t *testing.T) {
	dsn := pgtest.NewURL(t)
	pool, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	proxy := pgtest.NewProxy(t, dsn)
	var logs logLines
	resynced := listenFor(t, proxy.URL, pool, &logs, nil)

	proxy.Down()
	deadline := time.Now().Add(20 * time.Second)
	for proxy.Refused() < 3 { // several attempts to connect have failed
		if time.Now().After(deadline) {
			t.Fatalf("the listener tried %d times to connect while the database was away", proxy.Refused())
		}
		time.Sleep(10 * time.Millisecond)
	}
	proxy.Up()
	// The listener writes its line saying it listens again before it calls Resync: once
	// resynced, both lines are in the log, and any line per attempt made while away.
	select {
	case <-resynced:
	case <-time.After(20 * time.Second):
		t.Fatal("the listener did not come back")
	}
	lost, back := logs.with(t, "lost the notification listener; reconnecting"), logs.with(t, "listening for notifications again")
	if len(lost) != 1 || len(back) != 1 {
		t.Fatalf("after %d connections refused the log says %d times that the listener was lost and %d that it listens again; want 1 and 1",
			proxy.Refused(), len(lost), len(back))
	}
}
