package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/blueprint"
)

var _ blueprint.HistoryService = (*Store)(nil)

// BoardAt returns the board as it was at sequence seq (see blueprint.HistoryService). It
// starts from the latest of the snapshots kept every historyEvery ops and the board's
// stored state that is at or before seq — or from an empty board when there is none —
// and applies the logged ops after it, up to seq: at most about historyEvery +
// snapshotEvery ops, however long the log. It reads one board row, one snapshot and the
// ops; the board's commits are not held up (no lock is taken).
func (s *Store) BoardAt(ctx context.Context, id string, seq int64) (*blueprint.Board, error) {
	if !blueprint.ValidID(id) {
		return nil, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	if seq < 1 {
		return nil, blueprint.Errorf(blueprint.EINVALID, "a version is a sequence from 1")
	}
	var last int64
	var template string
	var created time.Time
	var state []byte
	err := s.pool.QueryRow(ctx, `SELECT b.seq, b.template, b.created_at, (
			SELECT x.state FROM (
				(SELECT h.seq, h.state FROM board_snapshots h WHERE h.board_id = b.id AND h.seq <= $2 ORDER BY h.seq DESC LIMIT 1)
				UNION ALL
				SELECT (b.state->>'seq')::bigint, b.state) AS x
			WHERE x.seq <= $2 ORDER BY x.seq DESC LIMIT 1)
		FROM boards b WHERE b.id = $1`, id, seq).Scan(&last, &template, &created, &state)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	if seq > last {
		return nil, blueprint.Errorf(blueprint.ENOTFOUND, "version %d does not exist: the board's last change is %d", seq, last)
	}
	var b *blueprint.Board
	if state != nil {
		if b, err = decodeState(id, state); err != nil {
			return nil, err
		}
	} else {
		b = blueprint.NewBoard(id, "", template)
	}
	if err := replay(ctx, s.pool, b, seq); err != nil {
		return nil, err
	}
	b.Template, b.CreatedAt = template, created
	var at time.Time
	if err := s.pool.QueryRow(ctx, `SELECT created_at FROM ops WHERE board_id = $1 AND seq = $2`, id, seq).Scan(&at); err != nil {
		return nil, interpretError(err, "op")
	}
	b.UpdatedAt = at
	return b, nil
}

// NameVersion names the board's current sequence (see blueprint.HistoryService).
func (s *Store) NameVersion(ctx context.Context, boardID, name, author string) (blueprint.Version, error) {
	v := blueprint.Version{Name: name, Author: author, At: s.now().UTC().Truncate(time.Microsecond)} // as Postgres keeps it
	if !blueprint.ValidID(boardID) {
		return v, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	var count int64
	err := s.pool.QueryRow(ctx, `WITH b AS (SELECT id, seq FROM boards WHERE id = $1),
			c AS (SELECT count(*) AS n FROM board_versions WHERE board_id = $1),
			i AS (INSERT INTO board_versions (board_id, seq, name, author, created_at)
				SELECT b.id, b.seq, $2, $3, $4 FROM b, c WHERE c.n < $5 RETURNING id, seq)
		SELECT COALESCE((SELECT id FROM i), 0), COALESCE((SELECT seq FROM i), 0), (SELECT n FROM c)
		FROM b`, boardID, name, author, v.At, blueprint.MaxVersions).Scan(&v.ID, &v.Seq, &count)
	if err != nil {
		return v, interpretError(err, "board")
	}
	if v.ID == 0 {
		return v, blueprint.Errorf(blueprint.ECONFLICT, "a board keeps at most %d named versions", blueprint.MaxVersions)
	}
	return v, nil
}

// Versions returns the board's named versions, newest first (see blueprint.HistoryService).
func (s *Store) Versions(ctx context.Context, boardID string) ([]blueprint.Version, error) {
	if _, err := s.BoardSeq(ctx, boardID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, seq, name, author, created_at FROM board_versions
		WHERE board_id = $1 ORDER BY seq DESC, id DESC`, boardID)
	if err != nil {
		return nil, interpretError(err, "versions")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (blueprint.Version, error) {
		var v blueprint.Version
		err := r.Scan(&v.ID, &v.Seq, &v.Name, &v.Author, &v.At)
		return v, err
	})
	if list == nil {
		list = []blueprint.Version{}
	}
	return list, interpretError(err, "versions")
}

// Snapshots returns the sequences of the board's kept snapshots, oldest first (for tests
// and operators).
func (s *Store) Snapshots(ctx context.Context, boardID string) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq FROM board_snapshots WHERE board_id = $1 ORDER BY seq`, boardID)
	if err != nil {
		return nil, interpretError(err, "snapshots")
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return seqs, interpretError(err, "snapshots")
}
