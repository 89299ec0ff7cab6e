package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
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

// AccessChannel is the Postgres channel on which processes announce that someone lost or
// changed their access to a board, so that every process closes the matching websockets.
// A payload is "<board id> grant <share link id>", "<board id> user <user id> <time>",
// where time is the database's time after the member's change committed, in Unix
// nanoseconds (see Store.Clock), or "<board id> board deleted|claimed".
const AccessChannel = "lastmile_access"

// FacilitationChannel is the Postgres channel on which processes announce that a board's
// facilitation state (lock, timer, votes, focus, private mode) was stored under a new
// sequence, so that every process serving the board adopts it. A payload is
// "<board id> <facilitation seq>".
const FacilitationChannel = "lastmile_facilitation"

// Kinds of access a notification on AccessChannel names.
const (
	AccessGrant = "grant" // a share link, revoked
	AccessUser  = "user"  // a member, removed or given another role
	AccessBoard = "board" // everyone: the board was deleted, or claimed (its id says which)
)

// Ids of an AccessBoard notification.
const (
	BoardDeleted = "deleted"
	BoardClaimed = "claimed"
)

// Notifier sends notifications outside the commit's transaction, in batches: Publish only
// records the latest sequence per board, and one goroutine sends what accumulated.
type Notifier struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// send sends a batch of notifications: the pool's, or a test's.
	send func(ctx context.Context, b *pgx.Batch) error

	mu         sync.Mutex
	pending    map[string]int64 // board → the sequence its log reaches
	facPending map[string]int64 // board → the sequence of its facilitation state
	wake       chan struct{}
}

// NewNotifier returns a notifier over pool; Run sends its notifications.
func NewNotifier(pool *pgxpool.Pool, log *slog.Logger) *Notifier {
	n := &Notifier{pool: pool, log: log, pending: map[string]int64{}, facPending: map[string]int64{}, wake: make(chan struct{}, 1)}
	n.send = func(ctx context.Context, b *pgx.Batch) error { return pool.SendBatch(ctx, b).Close() }
	return n
}

// Publish records that boardID's log reaches seq. It never blocks.
func (n *Notifier) Publish(boardID string, seq int64) { n.record(&n.pending, boardID, seq) }

// PublishFacilitation records that boardID's facilitation state is stored under seq
// (FacilitationChannel). It never blocks.
func (n *Notifier) PublishFacilitation(boardID string, seq int64) {
	n.record(&n.facPending, boardID, seq)
}

// record keeps the highest seq announced for boardID in *pending until the next flush,
// and wakes Run.
func (n *Notifier) record(pending *map[string]int64, boardID string, seq int64) {
	n.mu.Lock()
	if seq > (*pending)[boardID] {
		(*pending)[boardID] = seq
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run sends pending notifications until ctx ends, then sends what is left. A panic
// while sending is logged with its stack, and Run goes on: the notifications of that
// batch are lost, which delays other processes and loses nothing (see flush).
func (n *Notifier) Run(ctx context.Context) {
	for !n.run(ctx) {
	}
}

// run is Run until ctx ends (true) or a panic (false).
func (n *Notifier) run(ctx context.Context) (done bool) {
	defer func() {
		if v := recover(); v != nil {
			n.log.Error("panic in the notifier; it goes on", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	for {
		select {
		case <-n.wake:
			n.flush(ctx)
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n.flush(fctx)
			return true
		}
	}
}

func (n *Notifier) flush(ctx context.Context) {
	n.mu.Lock()
	pending, facPending := n.pending, n.facPending
	n.pending, n.facPending = map[string]int64{}, map[string]int64{}
	n.mu.Unlock()
	if len(pending)+len(facPending) == 0 {
		return
	}
	// NOTIFY makes its transaction take an id and write a commit record. Waiting for that
	// record to reach the disk would add a flush per commit of ops, for nothing: the
	// notification is delivered at commit either way, and a lost one only delays. The
	// batch is one implicit transaction, for which set_config(…, true) turns that off.
	b := &pgx.Batch{}
	for channel, boards := range map[string]map[string]int64{NotifyChannel: pending, FacilitationChannel: facPending} {
		for board, seq := range boards {
			b.Queue(`SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`,
				channel, board+" "+strconv.FormatInt(seq, 10))
		}
	}
	if err := n.send(ctx, b); err != nil {
		// Receivers also catch up when they reconnect and when a client joins; a lost
		// notification delays, it does not lose.
		n.log.Warn("sending notifications", "boards", len(pending)+len(facPending), "err", err)
	}
}

// PublishAccess tells every process listening on AccessChannel, this one included, that
// the access kind (AccessGrant or AccessUser) id to boardID was revoked or changed, at
// changedAt for a member (see Store.Clock; zero when unknown). It sends at once, outside
// any transaction: the caller has committed the change. A failure is logged; the caller
// has closed its own process's connections already.
func (n *Notifier) PublishAccess(ctx context.Context, boardID, kind, id string, changedAt time.Time) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	payload := boardID + " " + kind + " " + id
	if kind == AccessUser && !changedAt.IsZero() {
		payload += " " + strconv.FormatInt(changedAt.UnixNano(), 10)
	}
	if _, err := n.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, AccessChannel, payload); err != nil {
		n.log.Warn("sending an access notification", "board", boardID, "kind", kind, "err", err)
	}
}

// Handlers are what a listener calls. Any may be nil.
type Handlers struct {
	// Ops is told that a board's log reaches seq (NotifyChannel).
	Ops func(board string, seq int64)
	// Resync is called after the listening connection was lost and made again, since
	// notifications may have been missed in between.
	Resync func()
	// Access is told that the access kind id to board was revoked or changed
	// (AccessChannel), at changedAt for a member (zero when the payload has no time).
	Access func(board, kind, id string, changedAt time.Time)
	// Facilitation is told that a board's facilitation state is stored under seq
	// (FacilitationChannel).
	Facilitation func(board string, seq int64)
}

// Timing of the listener's reconnection: the first wait, doubled after each failure up
// to the last.
const (
	listenRetryFirst = 100 * time.Millisecond
	listenRetryMax   = 5 * time.Second
)

// Listen holds one connection listening on NotifyChannel, AccessChannel and
// FacilitationChannel and calls the handlers. After the connection is lost and made
// again, it calls h.Resync. It returns when ctx ends.
//
// The loss is logged once (WARN), and the return once (INFO), however many attempts it
// takes in between; the return is logged before h.Resync is called, so that what Resync
// sets off follows it in the log. A panic in a handler is logged with its stack and costs
// the connection: the listener connects again and resyncs, as after any loss.
func Listen(ctx context.Context, dsn string, log *slog.Logger, h Handlers) {
	backoff := listenRetryFirst
	first, lost := true, false
	for ctx.Err() == nil {
		err := listenSafely(ctx, dsn, log, func() {
			resync := !first && h.Resync != nil
			if lost {
				log.Info("listening for notifications again")
			}
			first, lost = false, false
			backoff = listenRetryFirst
			if resync {
				h.Resync()
			}
		}, h)
		if ctx.Err() != nil {
			return
		}
		if !lost {
			log.Warn("lost the notification listener; reconnecting", "err", err)
			lost = true
		} else {
			log.Debug("the notification listener could not connect; trying again", "err", err, "in", backoff)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, listenRetryMax)
	}
}

// listenSafely is listenOnce, with a panic turned into an error after its stack is
// logged.
func listenSafely(ctx context.Context, dsn string, log *slog.Logger, onListening func(), h Handlers) (err error) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("panic in the notification listener; listening again", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return listenOnce(ctx, dsn, onListening, h)
}

func listenOnce(ctx context.Context, dsn string, onListening func(), h Handlers) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ch := range []string{NotifyChannel, AccessChannel, FacilitationChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return err
		}
	}
	onListening()
	for {
		nt, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		// Payloads that do not parse are not ours: the channels are public to anyone
		// connected to the database.
		switch nt.Channel {
		case NotifyChannel:
			if board, seq, ok := boardSeq(nt.Payload); ok && h.Ops != nil {
				h.Ops(board, seq)
			}
		case FacilitationChannel:
			if board, seq, ok := boardSeq(nt.Payload); ok && h.Facilitation != nil {
				h.Facilitation(board, seq)
			}
		case AccessChannel:
			f := strings.Fields(nt.Payload)
			if len(f) < 3 || len(f) > 4 || (f[1] != AccessGrant && f[1] != AccessUser && f[1] != AccessBoard) || h.Access == nil {
				break
			}
			var at time.Time
			if len(f) == 4 {
				ns, err := strconv.ParseInt(f[3], 10, 64)
				if err != nil {
					break
				}
				at = time.Unix(0, ns)
			}
			h.Access(f[0], f[1], f[2], at)
		}
	}
}

// boardSeq reads a "<board id> <sequence>" payload.
func boardSeq(payload string) (string, int64, bool) {
	board, seqText, ok := strings.Cut(payload, " ")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	return board, seq, ok && err == nil
}
