package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/blueprint"
)

// AddDraft keeps d, a participant's private card on the board. ECONFLICT for an id the
// board's drafts (revealed or not) already have, or past blueprint.MaxDraftsPerPerson.
func (s *Store) AddDraft(ctx context.Context, boardID string, d blueprint.Draft) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO board_drafts (board_id, id, author, author_name, stage, lane, text, created_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8
		WHERE (SELECT count(*) FROM board_drafts WHERE board_id = $1 AND author = $3 AND revealed_at IS NULL) < $9
		ON CONFLICT (board_id, id) DO NOTHING`,
		boardID, d.ID, d.By, d.Name, d.Stage, d.Lane, d.Text, s.now().UTC(), blueprint.MaxDraftsPerPerson)
	if err != nil {
		return interpretError(err, "board")
	}
	if tag.RowsAffected() == 0 {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM board_drafts WHERE board_id = $1 AND id = $2)`, boardID, d.ID).Scan(&exists); err != nil {
			return interpretError(err, "board")
		}
		if exists {
			return blueprint.Errorf(blueprint.ECONFLICT, "this private card exists already")
		}
		return blueprint.Errorf(blueprint.ECONFLICT, "you have %d private cards on this board, the most one may hold", blueprint.MaxDraftsPerPerson)
	}
	return nil
}

// EditDraft changes the text of by's unrevealed draft id; ENOTFOUND when by has none.
func (s *Store) EditDraft(ctx context.Context, boardID, by, id, text string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE board_drafts SET text = $4 WHERE board_id = $1 AND id = $2 AND author = $3 AND revealed_at IS NULL`,
		boardID, id, by, text)
	return draftChanged(tag.RowsAffected(), err)
}

// DeleteDraft deletes by's unrevealed draft id; ENOTFOUND when by has none.
func (s *Store) DeleteDraft(ctx context.Context, boardID, by, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM board_drafts WHERE board_id = $1 AND id = $2 AND author = $3 AND revealed_at IS NULL`,
		boardID, id, by)
	return draftChanged(tag.RowsAffected(), err)
}

func draftChanged(n int64, err error) error {
	if err != nil {
		return interpretError(err, "board")
	}
	if n == 0 {
		return blueprint.Errorf(blueprint.ENOTFOUND, "no such private card of yours")
	}
	return nil
}

// DraftsOf returns by's unrevealed drafts on the board, oldest first.
func (s *Store) DraftsOf(ctx context.Context, boardID, by string) ([]blueprint.Draft, error) {
	return s.drafts(ctx, `WHERE board_id = $1 AND author = $2 AND revealed_at IS NULL`, boardID, by)
}

// PendingDrafts returns every unrevealed draft of the board, oldest first.
func (s *Store) PendingDrafts(ctx context.Context, boardID string) ([]blueprint.Draft, error) {
	return s.drafts(ctx, `WHERE board_id = $1 AND revealed_at IS NULL`, boardID)
}

// RevealedDrafts returns the drafts revealed at at (unix ms), oldest first.
func (s *Store) RevealedDrafts(ctx context.Context, boardID string, at int64) ([]blueprint.Draft, error) {
	return s.drafts(ctx, `WHERE board_id = $1 AND revealed_at = $2`, boardID, at)
}

func (s *Store) drafts(ctx context.Context, where string, args ...any) ([]blueprint.Draft, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, author, author_name, stage, lane, text FROM board_drafts `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	var out []blueprint.Draft
	var d blueprint.Draft
	_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.By, &d.Name, &d.Stage, &d.Lane, &d.Text}, func() error {
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "board")
	}
	return out, nil
}

// MarkRevealed records that the drafts ids were revealed at at (unix ms).
func (s *Store) MarkRevealed(ctx context.Context, boardID string, ids []string, at int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE board_drafts SET revealed_at = $3 WHERE board_id = $1 AND id = ANY($2)`, boardID, ids, at)
	return interpretError(err, "board")
}

// Unreveal makes drafts private again, with the stage, lane and text they hold.
func (s *Store) Unreveal(ctx context.Context, boardID string, drafts []blueprint.Draft) error {
	batch := &pgx.Batch{}
	for _, d := range drafts {
		batch.Queue(`UPDATE board_drafts SET revealed_at = NULL, stage = $3, lane = $4, text = $5 WHERE board_id = $1 AND id = $2`,
			boardID, d.ID, d.Stage, d.Lane, d.Text)
	}
	return interpretError(s.pool.SendBatch(ctx, batch).Close(), "board")
}
