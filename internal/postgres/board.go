package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// Store keeps boards in Postgres. It implements blueprint.BoardService.
//
// Invariant: a board's row holds seq = the highest sequence in its op log, and state = the
// result of applying the log up to some sequence (the state's own seq, at most snapshotEvery
// ops behind) to an empty board; the board is that state with the ops after it applied.
// Both change only in one transaction that takes the board row's lock before it writes to
// the log, so writers in any number of processes are ordered by Postgres and sequences
// stay gap-free. Most commits append ops and bump seq only: rewriting the whole state on
// every commit would multiply the bytes each commit writes and waits for.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time

	mu    sync.Mutex
	slots map[string]*slot
}

// slot serialises this process's writers of one board and caches the board's state
// as of the last commit made through it, so that a commit does not decode the state
// again unless another process wrote in between. It also keeps, apart, the board as the
// last reader saw it, so that readers neither wait for a commit nor decode the state.
type slot struct {
	mu       sync.Mutex
	board    *blueprint.Board // nil when unknown
	stateSeq int64            // the seq of the stored state, when board is known

	read atomic.Pointer[blueprint.Board] // never changed once stored; nil when unknown
}

// historyEvery is how far apart, in ops, the copies of a board's state kept in
// board_snapshots are, for rebuilding past versions (history.go): a commit that rewrites
// the stored state and crosses a multiple of historyEvery keeps a copy of it too.
const historyEvery = 1024

// snapshotEvery is how many ops a board's stored state may lag behind its log before a
// commit writes it again.
const snapshotEvery = 256

// maxCachedBoards bounds the state cache; past it, idle entries are dropped.
const maxCachedBoards = 1000

var _ blueprint.BoardService = (*Store)(nil)

// NewStore returns a store over the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, now: time.Now, slots: map[string]*slot{}}
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

func (s *Store) slot(id string) *slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.slots[id]
	if !ok {
		if len(s.slots) >= maxCachedBoards {
			for k, v := range s.slots {
				if v.mu.TryLock() {
					delete(s.slots, k)
					v.mu.Unlock()
				}
			}
		}
		sl = &slot{}
		s.slots[id] = sl
	}
	return sl
}

// CreateBoard creates a board and applies ops to it in one transaction, as made by
// nobody known: see CreateBoardBy.
func (s *Store) CreateBoard(ctx context.Context, title, template, author string, ops []blueprint.Op) (*blueprint.Board, error) {
	return s.CreateBoardBy(ctx, title, template, author, "", ops)
}

// CreateBoardBy creates a board and applies ops to it in one transaction, each logged as
// made by author, whose identity is by (ops.made_by). The first op of its log sets the
// title, so that replaying the log from an empty board gives its state (blueprint.Build).
func (s *Store) CreateBoardBy(ctx context.Context, title, template, author, by string, ops []blueprint.Op) (*blueprint.Board, error) {
	id := newBoardID()
	now := s.now().UTC().Truncate(time.Microsecond) // as Postgres keeps it, so a replay's times are these
	b, all, err := blueprint.Build(id, title, template, ops, blueprint.Origin{By: by, Name: author, At: now.UnixMilli()})
	if err != nil {
		return nil, err
	}
	b.CreatedAt, b.UpdatedAt = now, now
	state, err := blueprint.MarshalBoard(b)
	if err != nil {
		return nil, blueprint.Internal(err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `INSERT INTO boards (id, title, template, seq, state, card_count, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, id, b.Title, template, b.Seq, state, len(b.Cards), now); err != nil {
		return nil, interpretError(err, "board")
	}
	edits := make([]blueprint.Edit, len(all))
	seqs := make([]int64, len(all))
	for i, op := range all {
		edits[i], seqs[i] = blueprint.Edit{Author: author, By: by, Op: op}, int64(i+1)
	}
	if err := insertOps(ctx, tx, id, edits, seqs, now); err != nil {
		return nil, err
	}
	if b.Seq >= historyEvery { // a large import: its past versions start from here
		if _, err := tx.Exec(ctx, `INSERT INTO board_snapshots (board_id, seq, state) VALUES ($1, $2, $3)`, id, b.Seq, state); err != nil {
			return nil, interpretError(err, "board")
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, interpretError(err, "board")
	}
	return b, nil
}

// FindBoard returns the current state of a board, the caller's to change. Readers of a
// board this process writes share the board as a reader last saw it: they apply the ops
// logged after it, few when the board is live, and decode the stored state only when it is
// further behind than that state (or unknown). A board newer than the shared one replaces
// it. Other boards are read from their stored state and log each time.
func (s *Store) FindBoard(ctx context.Context, id string) (*blueprint.Board, error) {
	if !blueprint.ValidID(id) {
		return nil, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	// Only boards written through this process have a slot: a reader does not make one,
	// so that reading many boards does not keep a copy of each.
	s.mu.Lock()
	sl := s.slots[id]
	s.mu.Unlock()
	var seen *blueprint.Board
	if sl != nil {
		seen = sl.read.Load()
	}
	seenSeq := int64(-1)
	if seen != nil {
		seenSeq = seen.Seq
	}
	var state []byte
	var seq int64
	var created, updated time.Time
	err := s.pool.QueryRow(ctx, `SELECT CASE WHEN $2 < 0 OR seq - $2 > $3 THEN state END, seq, created_at, updated_at
		FROM boards WHERE id = $1`, id, seenSeq, snapshotEvery).Scan(&state, &seq, &created, &updated)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	var b *blueprint.Board
	if state != nil {
		if b, err = decodeState(id, state); err != nil {
			return nil, err
		}
	} else {
		b = seen.Clone()
	}
	// The ops up to seq were committed with the row read above, so they are all there.
	if err := replay(ctx, s.pool, b, seq); err != nil {
		return nil, err
	}
	b.CreatedAt, b.UpdatedAt = created, updated
	if sl != nil && b.Seq > seenSeq {
		share := b.Clone()
		for cur := seen; (cur == nil || cur.Seq < share.Seq) && !sl.read.CompareAndSwap(cur, share); {
			cur = sl.read.Load()
		}
	}
	return b, nil
}

// querier is a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// replay applies to b the logged ops after its seq, up to and including seq to.
func replay(ctx context.Context, q querier, b *blueprint.Board, to int64) error {
	if b.Seq >= to {
		return nil
	}
	ops, err := queryOps(ctx, q, b.ID, b.Seq, to, int(to-b.Seq))
	if err != nil {
		return err
	}
	for _, c := range ops {
		if c.Seq != b.Seq+1 {
			return blueprint.Internal(fmt.Errorf("board %s: op %d missing from the log", b.ID, b.Seq+1))
		}
		if err := b.ApplyAs(c.Op, c.Origin()); err != nil {
			return blueprint.Internal(fmt.Errorf("board %s: replaying op %d: %w", b.ID, c.Seq, err))
		}
		b.Seq = c.Seq
	}
	if b.Seq != to {
		return blueprint.Internal(fmt.Errorf("board %s: the log ends at %d, before %d", b.ID, b.Seq, to))
	}
	return nil
}

func decodeState(id string, state []byte) (*blueprint.Board, error) {
	e, err := blueprint.DecodeExport(state)
	if err != nil {
		return nil, blueprint.Internal(err)
	}
	b, err := e.Board()
	if err != nil {
		return nil, blueprint.Internal(err)
	}
	b.ID = id
	return b, nil
}

// DeleteBoard deletes a board with its op log, members, share links and grants, in one
// statement. ENOTFOUND when there is no such board. The caller closes its live
// connections; a commit in flight finds the board gone and appends nothing.
func (s *Store) DeleteBoard(ctx context.Context, id string) error {
	if !blueprint.ValidID(id) {
		return blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM boards WHERE id = $1`, id)
	if err != nil {
		return interpretError(err, "board")
	}
	s.mu.Lock()
	delete(s.slots, id)
	s.mu.Unlock()
	if tag.RowsAffected() == 0 {
		return blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	return nil
}

// ListBoards returns the boards, most recently changed first (at most 1,000).
func (s *Store) ListBoards(ctx context.Context) ([]blueprint.BoardSummary, error) {
	return s.listBoards(ctx, `SELECT id, title, template, seq, card_count, created_at, updated_at
		FROM boards ORDER BY updated_at DESC, id LIMIT 1000`)
}

// ListVisibleBoards returns the boards the holder of a session (userID and token hash,
// either may be empty) may see listed — the unlisted boards the session made, boards the
// user is a member of, boards of a valid share-link grant of the session — each with the
// session's role on it. Other unlisted boards are reachable by their address, never
// listed. Most recently changed first, at most 1,000.
func (s *Store) ListVisibleBoards(ctx context.Context, userID string, tokenHash []byte) ([]auth.VisibleBoard, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.id, b.title, b.template, b.seq, b.card_count, b.created_at, b.updated_at,
			NOT EXISTS (SELECT 1 FROM board_members m WHERE m.board_id = b.id),
			COALESCE((SELECT m.role FROM board_members m WHERE m.board_id = b.id AND m.user_id = $1), ''),
			ARRAY(SELECT l.role FROM session_grants g JOIN share_links l ON l.id = g.link_id
			      WHERE g.token_hash = $2 AND l.board_id = b.id AND l.revoked_at IS NULL
			        AND (l.expires_at IS NULL OR l.expires_at > $3))
		FROM boards b
		WHERE (NOT EXISTS (SELECT 1 FROM board_members m WHERE m.board_id = b.id)
		       AND EXISTS (SELECT 1 FROM board_creators c WHERE c.board_id = b.id AND c.token_hash = $2))
		   OR EXISTS (SELECT 1 FROM board_members m WHERE m.board_id = b.id AND m.user_id = $1)
		   OR EXISTS (SELECT 1 FROM session_grants g JOIN share_links l ON l.id = g.link_id
		              WHERE g.token_hash = $2 AND l.board_id = b.id AND l.revoked_at IS NULL
		                AND (l.expires_at IS NULL OR l.expires_at > $3))
		ORDER BY b.updated_at DESC, b.id LIMIT 1000`, userID, tokenHash, s.now())
	if err != nil {
		return nil, interpretError(err, "boards")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.VisibleBoard, error) {
		var v auth.VisibleBoard
		var member string
		var links []string
		b := &v.BoardSummary
		err := r.Scan(&b.ID, &b.Title, &b.Template, &b.Seq, &b.Cards, &b.CreatedAt, &b.UpdatedAt, &v.Open, &member, &links)
		v.Role = auth.Role(member)
		for _, l := range links {
			v.Role = auth.Stronger(v.Role, auth.Role(l))
		}
		if v.Open {
			v.Role = auth.Editor
		}
		return v, err
	})
	return list, interpretError(err, "boards")
}

func (s *Store) listBoards(ctx context.Context, query string, args ...any) ([]blueprint.BoardSummary, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err, "boards")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (blueprint.BoardSummary, error) {
		var b blueprint.BoardSummary
		err := r.Scan(&b.ID, &b.Title, &b.Template, &b.Seq, &b.Cards, &b.CreatedAt, &b.UpdatedAt)
		return b, err
	})
	return list, interpretError(err, "boards")
}

// ApplyEdits applies a batch of edits to one board in one transaction (group commit).
// See blueprint.BoardService for the contract. Nothing is published here: the caller
// announces the ops only after this returns, that is after the commit.
//
// When this process holds the board's state, the batch is first tried on it in a single
// round trip (see commitOnCache). Otherwise, or when that finds the cache stale or a key
// already applied, the full path takes two round trips: one pipeline begins the
// transaction, locks the board row, reads the state if needed and which keys are applied
// already; the other updates the row, appends the ops (one statement, see queueWrite)
// and commits.
func (s *Store) ApplyEdits(ctx context.Context, boardID string, edits []blueprint.Edit) (_ []blueprint.Result, err error) {
	if !blueprint.ValidID(boardID) {
		return nil, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	sl := s.slot(boardID)
	sl.mu.Lock()
	defer sl.mu.Unlock()
	cached, stateSeq := sl.board, sl.stateSeq
	sl.board = nil // until this commit succeeds, the cache is not to be trusted

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	defer conn.Release()
	open := false
	defer func() {
		if open { // a connection left inside a transaction is closed by the pool
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	now := s.now().UTC()
	if cached != nil {
		results, done, err := commitOnCache(ctx, conn, sl, cached, stateSeq, edits, now)
		if done || err != nil {
			return results, err
		}
	}

	var seq int64
	var state []byte
	var created time.Time
	seen := map[string]int64{}
	begin := &pgx.Batch{}
	begin.Queue("BEGIN")
	open = true
	begin.Queue(`SELECT seq, state, created_at FROM boards WHERE id = $1 FOR UPDATE`, boardID).
		QueryRow(func(row pgx.Row) error { return row.Scan(&seq, &state, &created) })
	if keys := editKeys(edits); len(keys) > 0 {
		// One probe of the key index per key, whatever the planner believes of the board's
		// log: estimated from statistics taken while the log was small, a plain
		// "key = ANY($2)" could be planned as a scan of the board's whole log.
		begin.Queue(`SELECT k.key, o.seq FROM unnest($2::text[]) AS k(key)
			CROSS JOIN LATERAL (SELECT seq FROM ops WHERE board_id = $1 AND key = k.key) AS o`, boardID, keys).
			Query(func(rows pgx.Rows) error {
				var k string
				var sq int64
				_, err := pgx.ForEachRow(rows, []any{&k, &sq}, func() error { seen[k] = sq; return nil })
				return err
			})
	}
	if err := conn.SendBatch(ctx, begin).Close(); err != nil {
		return nil, interpretError(err, "board")
	}
	b, err := decodeState(boardID, state)
	if err != nil {
		return nil, err
	}
	b.CreatedAt, stateSeq = created, b.Seq
	if err := replay(ctx, conn, b, seq); err != nil {
		return nil, err
	}

	results, applied, seqs, notices := applyEdits(b, edits, seen, now)
	if len(applied) == 0 {
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return nil, interpretError(err, "board")
		}
		open = false
		sl.board, sl.stateSeq = b, stateSeq // nothing changed: the state read above is current
		return results, nil
	}
	commit := &pgx.Batch{}
	if stateSeq, err = queueWrite(commit, b, applied, seqs, notices, stateSeq, now); err != nil {
		return nil, err
	}
	commit.Queue("COMMIT")
	if err := conn.SendBatch(ctx, commit).Close(); err != nil {
		return nil, interpretError(err, "board")
	}
	open = false
	sl.board, sl.stateSeq = b, stateSeq
	return results, nil
}

// commitOnCache applies edits to the cached state b and commits them in one statement,
// its own transaction, assuming that b is current and that no key of the batch was
// applied before. The log checks both: its primary key refuses a sequence that another
// process wrote meanwhile, and its key index a key applied before, so either fails the
// statement and nothing is written. done false (with a nil error) says so: the caller
// takes the full path, with b spoiled. A batch in which an op is refused also takes the
// full path, since the refusal may come from a stale cache.
func commitOnCache(ctx context.Context, conn *pgxpool.Conn, sl *slot, b *blueprint.Board, stateSeq int64,
	edits []blueprint.Edit, now time.Time) (_ []blueprint.Result, done bool, _ error) {
	results, applied, seqs, notices := applyEdits(b, edits, map[string]int64{}, now)
	if len(applied) != len(edits) {
		return nil, false, nil
	}
	batch := &pgx.Batch{} // one statement: its own transaction
	stateSeq, err := queueWrite(batch, b, applied, seqs, notices, stateSeq, now)
	if err != nil {
		return nil, false, err
	}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation: nothing was written
			return nil, false, nil
		}
		return nil, false, interpretError(err, "board")
	}
	sl.board, sl.stateSeq = b, stateSeq
	return results, true, nil
}

// applyEdits commits edits to b, in order, from its seq on, each as made by its sender
// (blueprint.Board.Commit: the annotations' rules of who may change what included). An
// edit whose key is in seen is a duplicate; seen grows with the keys applied. It returns
// every edit's result, the edits applied with their sequences, and the notifications
// they make.
func applyEdits(b *blueprint.Board, edits []blueprint.Edit, seen map[string]int64, now time.Time) ([]blueprint.Result, []blueprint.Edit, []int64, []notice) {
	results := make([]blueprint.Result, len(edits))
	var applied []blueprint.Edit
	var seqs []int64
	var notices []notice
	for i, e := range edits {
		if k := e.Op.Key; k != "" {
			if prev, ok := seen[k]; ok {
				results[i] = blueprint.Result{Seq: prev, Duplicate: true}
				continue
			}
		}
		o := e.Origin(b.Seq+1, now.UnixMilli())
		var prev []string
		if c := b.Annotations.Comments[e.Op.ID]; c != nil && e.Op.Type == blueprint.TypeComment {
			prev = c.Mentions
		}
		if err := b.Commit(e.Op, o); err != nil {
			results[i] = blueprint.Result{Err: err}
			continue
		}
		b.Seq++
		results[i] = blueprint.Result{Seq: b.Seq, At: now}
		if k := e.Op.Key; k != "" {
			seen[k] = b.Seq
		}
		applied = append(applied, e)
		seqs = append(seqs, b.Seq)
		if e.Op.IsAnnotation() {
			for _, n := range b.Notices(e.Op, o, prev) {
				notices = append(notices, notice{Notice: n, seq: b.Seq, by: e.By, name: e.Author})
			}
		}
	}
	if len(applied) > 0 {
		b.UpdatedAt = now
	}
	return results, applied, seqs, notices
}

// notice is a notification to write with the commit of the op that made it.
type notice struct {
	blueprint.Notice
	seq      int64
	by, name string
}

// queueWrite queues the one statement a commit of applied ops runs: it updates the board
// row with its new seq, rewriting the stored state when it lags snapshotEvery ops or more,
// appends the ops and writes the notifications they make. The ops are read through the
// row's update, so the row's lock is taken before anything reaches the log and two
// writers never wait for each other crosswise; a board that is gone appends nothing.
// Sent alone, the statement is its own transaction: an op and its notifications are
// committed together or not at all. It returns the seq of the stored state after the
// commit.
func queueWrite(batch *pgx.Batch, b *blueprint.Board, applied []blueprint.Edit, seqs []int64, notices []notice, stateSeq int64, now time.Time) (int64, error) {
	var state []byte // NULL keeps the stored state
	keep := false    // whether to keep a copy of the state in board_snapshots too
	if b.Seq-stateSeq >= snapshotEvery {
		var err error
		if state, err = blueprint.MarshalBoard(b); err != nil {
			return 0, blueprint.Internal(err)
		}
		keep = b.Seq/historyEvery > stateSeq/historyEvery
		stateSeq = b.Seq
	}
	keys, authors, bys, bodies, err := opColumns(applied)
	if err != nil {
		return 0, err
	}
	n := noticeColumns(notices)
	want := int64(len(applied))
	batch.Queue(`WITH b AS (
			UPDATE boards SET seq = $2, title = $3, card_count = $4, updated_at = $5, state = COALESCE($6, state)
			WHERE id = $1 RETURNING id),
		h AS (INSERT INTO board_snapshots (board_id, seq, state) SELECT b.id, $2, $6 FROM b WHERE $19
			ON CONFLICT DO NOTHING),
		n AS (INSERT INTO notifications (person, board_id, seq, kind, item, anchor, actor, actor_name, created_at)
			SELECT t.person, b.id, t.seq, t.kind, t.item, t.anchor, t.actor, t.actor_name, $5
			FROM b, unnest($12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
				AS t(person, seq, kind, item, anchor, actor, actor_name))
		INSERT INTO ops (board_id, seq, key, author, made_by, op, created_at)
		SELECT b.id, t.seq, NULLIF(t.key, ''), t.author, t.made_by, t.op::jsonb, $5
		FROM b, unnest($7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[]) AS t(seq, key, author, op, made_by)`,
		b.ID, b.Seq, b.Title, len(b.Cards), now, state, seqs, keys, authors, bodies, bys,
		n.person, n.seq, n.kind, n.item, n.anchor, n.actor, n.actorName, keep).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != want {
				return blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
			}
			return nil
		})
	return stateSeq, nil
}

// editKeys returns the idempotency keys of a batch.
func editKeys(edits []blueprint.Edit) []string {
	var keys []string
	for _, e := range edits {
		if e.Op.Key != "" {
			keys = append(keys, e.Op.Key)
		}
	}
	return keys
}

// insertOps appends ops to a board's log in one statement (for a new board; commits
// append through queueWrite).
func insertOps(ctx context.Context, tx pgx.Tx, boardID string, edits []blueprint.Edit, seqs []int64, at time.Time) error {
	keys, authors, bys, bodies, err := opColumns(edits)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO ops (board_id, seq, key, author, made_by, op, created_at)
		SELECT $1, t.seq, NULLIF(t.key, ''), t.author, t.made_by, t.op::jsonb, $6
		FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $7::text[]) AS t(seq, key, author, op, made_by)`,
		boardID, seqs, keys, authors, bodies, at, bys)
	return interpretError(err, "op")
}

// opColumns returns the columns of the log rows for edits: keys, authors, identities and
// op bodies (the op without its key, which has a column of its own).
func opColumns(edits []blueprint.Edit) (keys, authors, bys, bodies []string, _ error) {
	keys = make([]string, len(edits))
	authors = make([]string, len(edits))
	bys = make([]string, len(edits))
	bodies = make([]string, len(edits))
	for i, e := range edits {
		op := e.Op
		keys[i], authors[i], bys[i] = op.Key, e.Author, e.By
		op.Key = ""
		data, err := json.Marshal(op)
		if err != nil {
			return nil, nil, nil, nil, blueprint.Internal(err)
		}
		bodies[i] = string(data)
	}
	return keys, authors, bys, bodies, nil
}

// noticeRows are the columns of the notification rows a commit writes.
type noticeRows struct {
	person, kind, item, anchor, actor, actorName []string
	seq                                          []int64
}

func noticeColumns(notices []notice) noticeRows {
	var n noticeRows
	for _, x := range notices {
		n.person, n.seq, n.kind = append(n.person, x.To), append(n.seq, x.seq), append(n.kind, x.Kind)
		n.item, n.anchor = append(n.item, x.Item), append(n.anchor, x.Anchor.String())
		n.actor, n.actorName = append(n.actor, x.by), append(n.actorName, x.name)
	}
	return n
}

// OpsSince returns up to limit ops of a board with sequence > after, in order.
//
// Ops that directly follow the board this process holds for its commits (another
// process's, read by the board's room when told of them) also bring that board forward,
// so that the next commit through this process takes the one-statement path instead of
// failing on it and reading the board again: with several processes writing one board,
// that was most of their commits' time.
func (s *Store) OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]blueprint.Committed, error) {
	ops, err := queryOps(ctx, s.pool, boardID, after, math.MaxInt64, limit)
	if err == nil && len(ops) > 0 {
		s.advance(boardID, after, ops)
	}
	return ops, err
}

// advance applies ops read from the log to the board held for commits, when it stands
// at after. It never waits: a commit in flight holds the board, and then it is left as is.
func (s *Store) advance(boardID string, after int64, ops []blueprint.Committed) {
	s.mu.Lock()
	sl := s.slots[boardID]
	s.mu.Unlock()
	if sl == nil || !sl.mu.TryLock() {
		return
	}
	defer sl.mu.Unlock()
	b := sl.board
	if b == nil || b.Seq != after {
		return
	}
	for _, c := range ops {
		if c.Seq != b.Seq+1 || b.ApplyAs(c.Op, c.Origin()) != nil {
			sl.board = nil // read again at the next commit
			return
		}
		b.Seq = c.Seq
	}
}

// queryOps returns up to limit ops of a board with after < sequence <= to, in order.
func queryOps(ctx context.Context, q querier, boardID string, after, to int64, limit int) ([]blueprint.Committed, error) {
	rows, err := q.Query(ctx, `SELECT seq, key, author, made_by, op, created_at FROM ops
		WHERE board_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`, boardID, after, to, limit)
	if err != nil {
		return nil, interpretError(err, "ops")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (blueprint.Committed, error) {
		var c blueprint.Committed
		var key *string
		var body []byte
		if err := r.Scan(&c.Seq, &key, &c.Author, &c.By, &body, &c.At); err != nil {
			return c, err
		}
		if err := json.Unmarshal(body, &c.Op); err != nil {
			return c, err
		}
		if key != nil {
			c.Op.Key = *key
		}
		return c, nil
	})
	return out, interpretError(err, "ops")
}

// BoardSeq returns the board's current sequence. ENOTFOUND if there is no such board.
func (s *Store) BoardSeq(ctx context.Context, id string) (int64, error) {
	if !blueprint.ValidID(id) {
		return 0, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT seq FROM boards WHERE id = $1`, id).Scan(&seq)
	return seq, interpretError(err, "board")
}
