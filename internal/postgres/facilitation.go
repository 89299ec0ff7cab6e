package postgres

import (
	"context"
	"encoding/json"

	"lastmile/internal/blueprint"
)

// Facilitation returns the board's facilitation state: the zero state (Seq 0) for a
// board whose facilitator never changed it, ENOTFOUND for no such board.
func (s *Store) Facilitation(ctx context.Context, boardID string) (blueprint.Facilitation, error) {
	if !blueprint.ValidID(boardID) {
		return blueprint.Facilitation{}, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	var state []byte
	err := s.pool.QueryRow(ctx, `SELECT f.state FROM boards b
		LEFT JOIN board_facilitation f ON f.board_id = b.id WHERE b.id = $1`, boardID).Scan(&state)
	if err != nil {
		return blueprint.Facilitation{}, interpretError(err, "board")
	}
	var f blueprint.Facilitation
	if state == nil {
		return f, nil
	}
	if err := json.Unmarshal(state, &f); err != nil {
		return blueprint.Facilitation{}, blueprint.Internal(err)
	}
	return f, nil
}

// SetFacilitation stores f as the board's facilitation state under the next Seq, and
// returns it as stored. f.Seq is the sequence of the state f was made from: when the
// stored state has moved on since (another process changed it meanwhile), nothing is
// stored and the error is ECONFLICT. ENOTFOUND for no such board.
func (s *Store) SetFacilitation(ctx context.Context, boardID string, f blueprint.Facilitation) (blueprint.Facilitation, error) {
	if !blueprint.ValidID(boardID) {
		return blueprint.Facilitation{}, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return blueprint.Facilitation{}, interpretError(err, "board")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var seq int64
	err = tx.QueryRow(ctx, `SELECT coalesce(f.seq, 0) FROM boards b
		LEFT JOIN board_facilitation f ON f.board_id = b.id WHERE b.id = $1 FOR UPDATE OF b`, boardID).Scan(&seq)
	if err != nil {
		return blueprint.Facilitation{}, interpretError(err, "board")
	}
	if f.Seq != seq {
		return blueprint.Facilitation{}, blueprint.FacilitationChanged()
	}
	f.Seq = seq + 1
	state, err := json.Marshal(f)
	if err != nil {
		return blueprint.Facilitation{}, blueprint.Internal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO board_facilitation (board_id, seq, state, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (board_id) DO UPDATE SET seq = excluded.seq, state = excluded.state, updated_at = excluded.updated_at`,
		boardID, f.Seq, state, s.now().UTC()); err != nil {
		return blueprint.Facilitation{}, interpretError(err, "board")
	}
	if err := tx.Commit(ctx); err != nil {
		return blueprint.Facilitation{}, interpretError(err, "board")
	}
	return f, nil
}
