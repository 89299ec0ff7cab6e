package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/blueprint"
	"lastmile/internal/webhook"
)

var _ webhook.Store = (*Store)(nil)

// CreateWebhook stores a board's webhook; it hears of the ops after the board's last.
// readiness is the board's overall readiness level now, from which a change is announced.
func (s *Store) CreateWebhook(ctx context.Context, boardID, url, secret, readiness string) (*webhook.Hook, error) {
	h := webhook.Hook{ID: "w" + newBoardID(), BoardID: boardID, URL: url, Secret: secret, CreatedAt: s.now().UTC(), Readiness: readiness}
	err := s.pool.QueryRow(ctx, `INSERT INTO webhooks (id, board_id, url, secret, created_at, cursor, readiness)
		SELECT $1, $2, $3, $4, $5, seq, $6 FROM boards WHERE id = $2 RETURNING cursor`,
		h.ID, boardID, url, secret, h.CreatedAt, readiness).Scan(&h.Cursor)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	return &h, nil
}

// ListWebhooks returns a board's webhooks, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, boardID string) ([]*webhook.Hook, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, board_id, url, created_at FROM webhooks WHERE board_id = $1 ORDER BY created_at, id`, boardID)
	if err != nil {
		return nil, interpretError(err, "webhook")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*webhook.Hook, error) {
		var h webhook.Hook
		return &h, r.Scan(&h.ID, &h.BoardID, &h.URL, &h.CreatedAt)
	})
	if list == nil {
		list = []*webhook.Hook{}
	}
	return list, interpretError(err, "webhook")
}

// DeleteWebhook deletes a board's webhook and its deliveries. ENOTFOUND when none.
func (s *Store) DeleteWebhook(ctx context.Context, boardID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND board_id = $2`, id, boardID)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return interpretError(err, "webhook")
}

// QueueWebhookEvent adds an event to a board's webhook's outbox (the "send test" action).
// ENOTFOUND when the board has no such webhook.
func (s *Store) QueueWebhookEvent(ctx context.Context, boardID, id string, e webhook.Event) error {
	now := s.now().UTC()
	tag, err := s.pool.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, body, created_at, next_at)
		SELECT id, $3, $4, $5, $5 FROM webhooks WHERE id = $1 AND board_id = $2`, id, boardID, e.Name, e.Body, now)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return interpretError(err, "webhook")
}

// WebhookDeliveries returns the latest deliveries of a board's webhook, newest first,
// with their attempts. ENOTFOUND when the board has no such webhook.
func (s *Store) WebhookDeliveries(ctx context.Context, boardID, id string, limit int) ([]*webhook.Delivery, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE id = $1 AND board_id = $2`, id, boardID).Scan(&n); err != nil || n == 0 {
		if err == nil {
			err = pgx.ErrNoRows
		}
		return nil, interpretError(err, "webhook")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, webhook_id, event, created_at, state FROM webhook_deliveries
		WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, interpretError(err, "webhook")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*webhook.Delivery, error) {
		d := webhook.Delivery{Attempts: []webhook.Attempt{}}
		return &d, r.Scan(&d.ID, &d.HookID, &d.Event, &d.CreatedAt, &d.State)
	})
	if err != nil {
		return nil, interpretError(err, "webhook")
	}
	byID := map[int64]*webhook.Delivery{}
	ids := make([]int64, len(list))
	for i, d := range list {
		byID[d.ID], ids[i] = d, d.ID
	}
	rows, err = s.pool.Query(ctx, `SELECT delivery_id, at, status, error FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY at`, ids)
	if err != nil {
		return nil, interpretError(err, "webhook")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a webhook.Attempt
		if err := rows.Scan(&id, &a.At, &a.Status, &a.Error); err != nil {
			return nil, interpretError(err, "webhook")
		}
		byID[id].Attempts = append(byID[id].Attempts, a)
	}
	if list == nil {
		list = []*webhook.Delivery{}
	}
	return list, interpretError(rows.Err(), "webhook")
}

// Fill implements webhook.Store: for each hook whose board has ops after its cursor
// (locked, skipping hooks another process is filling), the events of those ops and the
// new cursor and readiness are written in one transaction.
func (s *Store) Fill(ctx context.Context, events func(h *webhook.Hook, ops []blueprint.Committed) ([]webhook.Event, string, error)) error {
	rows, err := s.pool.Query(ctx, `SELECT w.id FROM webhooks w JOIN boards b ON b.id = w.board_id WHERE b.seq > w.cursor`)
	if err != nil {
		return interpretError(err, "webhook")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return interpretError(err, "webhook")
	}
	for _, id := range ids {
		if err := s.fillOne(ctx, id, events); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) fillOne(ctx context.Context, id string, events func(h *webhook.Hook, ops []blueprint.Committed) ([]webhook.Event, string, error)) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return interpretError(err, "webhook")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var h webhook.Hook
	err = tx.QueryRow(ctx, `SELECT id, board_id, url, secret, created_at, cursor, readiness FROM webhooks WHERE id = $1 FOR UPDATE SKIP LOCKED`, id).
		Scan(&h.ID, &h.BoardID, &h.URL, &h.Secret, &h.CreatedAt, &h.Cursor, &h.Readiness)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return interpretError(err, "webhook")
	}
	ops, err := queryOps(ctx, tx, h.BoardID, h.Cursor, 1<<62, 500)
	if err != nil || len(ops) == 0 {
		return err
	}
	list, level, err := events(&h, ops)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for _, e := range list {
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, body, created_at, next_at) VALUES ($1, $2, $3, $4, $4)`,
			h.ID, e.Name, e.Body, now); err != nil {
			return interpretError(err, "webhook")
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE webhooks SET cursor = $2, readiness = $3 WHERE id = $1`, h.ID, ops[len(ops)-1].Seq, level); err != nil {
		return interpretError(err, "webhook")
	}
	return interpretError(tx.Commit(ctx), "webhook")
}

// reserve is how long a due delivery is kept from other workers while it is tried.
const reserve = time.Minute

// Due implements webhook.Store.
func (s *Store) Due(ctx context.Context, n int) ([]*webhook.Delivery, error) {
	now := s.now().UTC()
	rows, err := s.pool.Query(ctx, `UPDATE webhook_deliveries d SET next_at = $2
		FROM webhooks w WHERE w.id = d.webhook_id AND d.id IN (
			SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING d.id, d.webhook_id, d.event, d.body, d.created_at, d.attempts, w.url, w.secret`, now, now.Add(reserve), n)
	if err != nil {
		return nil, interpretError(err, "webhook")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*webhook.Delivery, error) {
		d := webhook.Delivery{State: "pending"}
		return &d, r.Scan(&d.ID, &d.HookID, &d.Event, &d.Body, &d.CreatedAt, &d.Tries, &d.URL, &d.Secret)
	})
	return list, interpretError(err, "webhook")
}

// Record implements webhook.Store.
func (s *Store) Record(ctx context.Context, d *webhook.Delivery, a webhook.Attempt, delivered bool, next time.Time) error {
	state := "pending"
	switch {
	case delivered:
		state = "delivered"
	case next.IsZero():
		state = "failed"
	}
	if next.IsZero() {
		next = a.At
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return interpretError(err, "webhook")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, at, status, error) VALUES ($1, $2, $3, $4)`,
		d.ID, a.At.UTC(), a.Status, a.Error); err != nil {
		return interpretError(err, "webhook")
	}
	if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, next_at = $3 WHERE id = $1`,
		d.ID, state, next.UTC()); err != nil {
		return interpretError(err, "webhook")
	}
	return interpretError(tx.Commit(ctx), "webhook")
}
