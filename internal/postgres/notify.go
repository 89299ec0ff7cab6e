package postgres

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// NotifyChannel is the Postgres channel on which processes announce new ops. A payload is
// "<board id> <seq>": which board, and the sequence its log now reaches. Receivers read
// the ops themselves from the log; the notification carries nothing else.
const NotifyChannel = "lastmile_ops"

// Notifier sends notifications outside the commit's transaction, in batches: Publish only
// records the latest sequence per board, and one goroutine sends what accumulated.
type Notifier struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu      sync.Mutex
	pending map[string]int64
	wake    chan struct{}
}

// NewNotifier returns a notifier over pool; Run sends its notifications.
func NewNotifier(pool *pgxpool.Pool, log *slog.Logger) *Notifier {
	return &Notifier{pool: pool, log: log, pending: map[string]int64{}, wake: make(chan struct{}, 1)}
}

// Publish records that boardID's log reaches seq. It never blocks.
func (n *Notifier) Publish(boardID string, seq int64) {
	n.mu.Lock()
	if seq > n.pending[boardID] {
		n.pending[boardID] = seq
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run sends pending notifications until ctx ends, then sends what is left.
func (n *Notifier) Run(ctx context.Context) {
	for {
		select {
		case <-n.wake:
			n.flush(ctx)
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			n.flush(fctx)
			cancel()
			return
		}
	}
}

func (n *Notifier) flush(ctx context.Context) {
	n.mu.Lock()
	pending := n.pending
	n.pending = map[string]int64{}
	n.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	// NOTIFY makes its transaction take an id and write a commit record. Waiting for that
	// record to reach the disk would add a flush per commit of ops, for nothing: the
	// notification is delivered at commit either way, and a lost one only delays.
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SET LOCAL synchronous_commit = off")
	for board, seq := range pending {
		b.Queue(`SELECT pg_notify($1, $2)`, NotifyChannel, board+" "+strconv.FormatInt(seq, 10))
	}
	b.Queue("COMMIT")
	if err := n.pool.SendBatch(ctx, b).Close(); err != nil {
		// Receivers also catch up when they reconnect and when a client joins; a lost
		// notification delays, it does not lose.
		n.log.Warn("sending notifications", "boards", len(pending), "err", err)
	}
}

// Listen holds one connection listening for notifications and calls onNotify for each.
// After the connection is lost and made again, it calls onResync, since notifications
// may have been missed in between. It returns when ctx ends.
func Listen(ctx context.Context, dsn string, log *slog.Logger, onNotify func(board string, seq int64), onResync func()) {
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := listenOnce(ctx, dsn, func() {
			if !first {
				onResync()
			}
			first = false
			backoff = 100 * time.Millisecond
		}, onNotify)
		if ctx.Err() != nil {
			return
		}
		log.Warn("lost the notification listener; reconnecting", "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func listenOnce(ctx context.Context, dsn string, onListening func(), onNotify func(string, int64)) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	onListening()
	for {
		nt, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		board, seqText, ok := strings.Cut(nt.Payload, " ")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		if !ok || err != nil {
			continue // not ours: the channel is public to anyone connected
		}
		onNotify(board, seq)
	}
}
