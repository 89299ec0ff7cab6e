package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/blueprint"
)

// This file keeps what annotations need beside the op log: each person's last-seen point
// on a board, their notifications (written with the commit of the op that makes them,
// see queueWrite), who asked for no more mail, and the instance's signing key.

// History returns the board as it was at sequence from (a past state, replayed from the
// log with each op's logged origin), the board now, and the committed ops in between, in
// order. A from beyond the board's sequence is the board's sequence. ENOTFOUND for an
// unknown board.
func (s *Store) History(ctx context.Context, boardID string, from int64) (before, now *blueprint.Board, ops []blueprint.Committed, _ error) {
	if !blueprint.ValidID(boardID) {
		return nil, nil, nil, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	var template string
	var seq int64
	var created, updated time.Time
	if err := s.pool.QueryRow(ctx, `SELECT template, seq, created_at, updated_at FROM boards WHERE id = $1`, boardID).
		Scan(&template, &seq, &created, &updated); err != nil {
		return nil, nil, nil, interpretError(err, "board")
	}
	from = min(max(from, 0), seq)
	log, err := queryOps(ctx, s.pool, boardID, 0, seq, math.MaxInt32)
	if err != nil {
		return nil, nil, nil, err
	}
	b := blueprint.NewBoard(boardID, "", template)
	for i, c := range log {
		if c.Seq != int64(i)+1 {
			return nil, nil, nil, blueprint.Internal(fmt.Errorf("board %s: op %d missing from the log", boardID, i+1))
		}
		if c.Seq == from+1 {
			before = b.Clone()
		}
		if err := b.ApplyAs(c.Op, c.Origin()); err != nil {
			return nil, nil, nil, blueprint.Internal(fmt.Errorf("board %s: replaying op %d: %w", boardID, c.Seq, err))
		}
		b.Seq = c.Seq
	}
	if before == nil {
		before = b.Clone()
	}
	b.CreatedAt, b.UpdatedAt = created, updated
	return before, b, log[from:], nil
}

// LastSeen returns the sequence a person had seen of a board when they last marked it
// seen, and when; ok is false when they never did.
func (s *Store) LastSeen(ctx context.Context, boardID, person string) (seq int64, at time.Time, ok bool, _ error) {
	err := s.pool.QueryRow(ctx, `SELECT seq, seen_at FROM last_seen WHERE board_id = $1 AND person = $2`, boardID, person).
		Scan(&seq, &at)
	if err == pgx.ErrNoRows {
		return 0, time.Time{}, false, nil
	}
	return seq, at, err == nil, interpretError(err, "last-seen point")
}

// MarkSeen sets a person's last-seen point on a board to seq (at most the board's
// sequence; never backwards unless back is set) and returns the point kept. With
// onlyFirst, a point is set only where there was none (a first visit).
func (s *Store) MarkSeen(ctx context.Context, boardID, person string, seq int64, onlyFirst bool) (int64, error) {
	if !blueprint.ValidID(boardID) {
		return 0, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	var kept int64
	err := s.pool.QueryRow(ctx, `WITH b AS (SELECT id, seq FROM boards WHERE id = $1)
		INSERT INTO last_seen (board_id, person, seq, seen_at)
		SELECT b.id, $2, LEAST($3, b.seq), $4 FROM b
		ON CONFLICT (board_id, person) DO UPDATE
			SET seq = CASE WHEN $5 THEN last_seen.seq ELSE GREATEST(last_seen.seq, excluded.seq) END,
			    seen_at = CASE WHEN $5 THEN last_seen.seen_at ELSE excluded.seen_at END
		RETURNING seq`, boardID, person, seq, s.now().UTC(), onlyFirst).Scan(&kept)
	return kept, interpretError(err, "board")
}

// Notifications returns a person's latest notifications, newest first, at most limit;
// with unread, only those not read yet. It also returns how many are unread in all.
func (s *Store) Notifications(ctx context.Context, person string, limit int, unread bool) ([]blueprint.Notification, int, error) {
	rows, err := s.pool.Query(ctx, `SELECT n.id, n.board_id, b.title, n.seq, n.kind, n.item, n.anchor, n.actor, n.actor_name,
			n.created_at, n.read_at IS NOT NULL
		FROM notifications n JOIN boards b ON b.id = n.board_id
		WHERE n.person = $1 AND (NOT $3 OR n.read_at IS NULL)
		ORDER BY n.id DESC LIMIT $2`, person, limit, unread)
	if err != nil {
		return nil, 0, interpretError(err, "notification")
	}
	list, err := pgx.CollectRows(rows, scanNotification)
	if err != nil {
		return nil, 0, interpretError(err, "notification")
	}
	var n int
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE person = $1 AND read_at IS NULL`, person).Scan(&n)
	return list, n, interpretError(err, "notification")
}

func scanNotification(r pgx.CollectableRow) (blueprint.Notification, error) {
	var n blueprint.Notification
	var at time.Time
	err := r.Scan(&n.ID, &n.Board, &n.BoardTitle, &n.Seq, &n.Kind, &n.Item, &n.Anchor, &n.By, &n.Author, &at, &n.Read)
	n.At = at.UnixMilli()
	return n, err
}

// MarkRead marks a person's notifications read: those of ids, or all of them (on the
// board boardID only, when it is not ""). Others' notifications are not touched. It
// returns how many changed.
func (s *Store) MarkRead(ctx context.Context, person string, ids []int64, all bool, boardID string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE notifications SET read_at = $2
		WHERE person = $1 AND read_at IS NULL AND ($3 OR id = ANY($4)) AND ($5 = '' OR board_id = $5)`,
		person, s.now().UTC(), all, ids, boardID)
	if err != nil {
		return 0, interpretError(err, "notification")
	}
	return tag.RowsAffected(), nil
}

// Unsubscribe records that a user wants no more e-mail. Saying it twice is no error.
func (s *Store) Unsubscribe(ctx context.Context, userID string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO mail_unsubscribed (user_id, created_at)
		SELECT id, $2 FROM users WHERE id = $1 ON CONFLICT DO NOTHING`, userID, s.now().UTC())
	return interpretError(err, "user")
}

// Unsubscribed reports whether a user asked for no more e-mail.
func (s *Store) Unsubscribed(ctx context.Context, userID string) (bool, error) {
	var yes bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mail_unsubscribed WHERE user_id = $1)`, userID).Scan(&yes)
	return yes, interpretError(err, "user")
}

// Secret returns the instance's secret of that name, 32 random bytes made the first time
// it is asked for and shared by every process from then on.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, blueprint.Internal(err)
	}
	var v []byte
	err := s.pool.QueryRow(ctx, `WITH ins AS (INSERT INTO instance_secrets (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING RETURNING value)
		SELECT value FROM ins UNION ALL SELECT value FROM instance_secrets WHERE name = $1 LIMIT 1`, name, fresh).Scan(&v)
	return v, interpretError(err, "secret")
}

// SendMail hands the mentions and replies not yet e-mailed, one NoticeMail per user (at most
// 50 items each), to send, and marks those it sent as e-mailed in the same transaction;
// a send that fails leaves them for the next round, and a process that dies in between
// sends them again (at least once). Items already read, of users who unsubscribed, or of
// boards the user may no longer see (allowed says), are marked without being sent. Rows
// another process is mailing are skipped. It returns how many mails were sent.
func (s *Store) SendMail(ctx context.Context, allowed func(ctx context.Context, boardID, userID string) bool,
	send func(blueprint.NoticeMail) error) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT person FROM notifications
		WHERE emailed_at IS NULL AND kind IN ('mention', 'reply') LIMIT 1000`)
	if err != nil {
		return 0, interpretError(err, "notification")
	}
	people, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, interpretError(err, "notification")
	}
	sent := 0
	for _, p := range people {
		ok, err := s.mailOne(ctx, p, allowed, send)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (s *Store) mailOne(ctx context.Context, person string, allowed func(ctx context.Context, boardID, userID string) bool,
	send func(blueprint.NoticeMail) error) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, interpretError(err, "notification")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows, err := tx.Query(ctx, `SELECT n.id, n.board_id, b.title, n.seq, n.kind, n.item, n.anchor, n.actor, n.actor_name,
			n.created_at, n.read_at IS NOT NULL
		FROM notifications n JOIN boards b ON b.id = n.board_id
		WHERE n.person = $1 AND n.emailed_at IS NULL AND n.kind IN ('mention', 'reply')
		ORDER BY n.id LIMIT 50 FOR UPDATE OF n SKIP LOCKED`, person)
	if err != nil {
		return false, interpretError(err, "notification")
	}
	items, err := pgx.CollectRows(rows, scanNotification)
	if err != nil || len(items) == 0 {
		return false, interpretError(err, "notification")
	}
	ids := make([]int64, len(items))
	for i, n := range items {
		ids[i] = n.ID
	}
	m := blueprint.NoticeMail{}
	if len(person) > 2 && person[:2] == "u:" {
		m.UserID = person[2:]
		var unsubscribed bool
		err := tx.QueryRow(ctx, `SELECT u.email, EXISTS (SELECT 1 FROM mail_unsubscribed m WHERE m.user_id = u.id)
			FROM users u WHERE u.id = $1`, m.UserID).Scan(&m.Email, &unsubscribed)
		if err != nil && err != pgx.ErrNoRows {
			return false, interpretError(err, "user")
		}
		if unsubscribed {
			m.Email = ""
		}
	}
	if m.Email != "" { // guests and people without accounts have no address
		for _, n := range items {
			if !n.Read && allowed(ctx, n.Board, m.UserID) {
				m.Items = append(m.Items, n)
			}
		}
	}
	if len(m.Items) > 0 {
		if err := send(m); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE notifications SET emailed_at = $2 WHERE id = ANY($1)`, ids, s.now().UTC()); err != nil {
		return false, interpretError(err, "notification")
	}
	if err := tx.Commit(ctx); err != nil {
		return false, interpretError(err, "notification")
	}
	return len(m.Items) > 0, nil
}
