package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/blueprint"
)

// CastBallot adds one vote (delta 1) or takes one back (delta -1) for voter on item in
// the board's vote voteID, and returns the voter's ballot after it. In the same
// transaction it reads the stored facilitation state, so that a vote closed meanwhile
// (by another process) takes no more ballots, and it checks the vote's rules
// (blueprint.Vote.CheckBallot) against the ballot as stored. now is the server's clock
// (unix ms): an open vote whose time is up takes no ballot.
func (s *Store) CastBallot(ctx context.Context, boardID, voteID, voter, item string, delta int, now int64) (blueprint.Ballot, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return blueprint.Ballot{}, interpretError(err, "board")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var state []byte
	err = tx.QueryRow(ctx, `SELECT state FROM board_facilitation WHERE board_id = $1 FOR UPDATE`, boardID).Scan(&state)
	if err != nil {
		if err == pgx.ErrNoRows {
			return blueprint.Ballot{}, blueprint.Errorf(blueprint.ECONFLICT, "no vote is open")
		}
		return blueprint.Ballot{}, interpretError(err, "board")
	}
	var f blueprint.Facilitation
	if err := json.Unmarshal(state, &f); err != nil {
		return blueprint.Ballot{}, blueprint.Internal(err)
	}
	v := f.OpenVote()
	if v == nil || v.ID != voteID {
		return blueprint.Ballot{}, blueprint.Errorf(blueprint.ECONFLICT, "no vote is open")
	}
	if v.EndsAt > 0 && now >= v.EndsAt {
		return blueprint.Ballot{}, blueprint.Errorf(blueprint.ECONFLICT, "the vote's time is up")
	}
	b, err := ballot(ctx, tx, boardID, voteID, voter)
	if err != nil {
		return blueprint.Ballot{}, err
	}
	if err := v.CheckBallot(delta, b.Items[item], b.Used); err != nil {
		return blueprint.Ballot{}, err
	}
	query := `INSERT INTO board_ballots (board_id, vote_id, voter, item, votes) VALUES ($1, $2, $3, $4, 1)
		ON CONFLICT (board_id, vote_id, voter, item) DO UPDATE SET votes = board_ballots.votes + 1`
	if delta < 0 {
		query = `UPDATE board_ballots SET votes = votes - 1 WHERE board_id = $1 AND vote_id = $2 AND voter = $3 AND item = $4`
		if b.Items[item] == 1 {
			query = `DELETE FROM board_ballots WHERE board_id = $1 AND vote_id = $2 AND voter = $3 AND item = $4`
		}
	}
	if _, err := tx.Exec(ctx, query, boardID, voteID, voter, item); err != nil {
		return blueprint.Ballot{}, interpretError(err, "board")
	}
	if err := tx.Commit(ctx); err != nil {
		return blueprint.Ballot{}, interpretError(err, "board")
	}
	b.Items[item] += delta
	if b.Items[item] <= 0 {
		delete(b.Items, item)
	}
	b.Used += delta
	return b, nil
}

// BallotOf returns voter's ballot in the board's vote voteID (empty when they did not vote).
func (s *Store) BallotOf(ctx context.Context, boardID, voteID, voter string) (blueprint.Ballot, error) {
	return ballot(ctx, s.pool, boardID, voteID, voter)
}

func ballot(ctx context.Context, q querier, boardID, voteID, voter string) (blueprint.Ballot, error) {
	rows, err := q.Query(ctx, `SELECT item, votes FROM board_ballots WHERE board_id = $1 AND vote_id = $2 AND voter = $3`,
		boardID, voteID, voter)
	if err != nil {
		return blueprint.Ballot{}, interpretError(err, "board")
	}
	b := blueprint.Ballot{Items: map[string]int{}}
	var item string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&item, &n}, func() error {
		b.Items[item] = n
		b.Used += n
		return nil
	})
	if err != nil {
		return blueprint.Ballot{}, interpretError(err, "board")
	}
	return b, nil
}

// Tally counts the ballots of the board's vote voteID: how many people voted, and the
// votes of each item voted for, unordered.
func (s *Store) Tally(ctx context.Context, boardID, voteID string) (int, []blueprint.VoteResult, error) {
	rows, err := s.pool.Query(ctx, `SELECT item, sum(votes)::int,
		(SELECT count(DISTINCT voter) FROM board_ballots WHERE board_id = $1 AND vote_id = $2)::int
		FROM board_ballots WHERE board_id = $1 AND vote_id = $2 GROUP BY item`, boardID, voteID)
	if err != nil {
		return 0, nil, interpretError(err, "board")
	}
	var results []blueprint.VoteResult
	var r blueprint.VoteResult
	var voters int
	_, err = pgx.ForEachRow(rows, []any{&r.Item, &r.Votes, &voters}, func() error {
		results = append(results, r)
		return nil
	})
	if err != nil {
		return 0, nil, interpretError(err, "board")
	}
	return voters, results, nil
}

// DiscardBallots deletes the ballots of the board's vote voteID.
func (s *Store) DiscardBallots(ctx context.Context, boardID, voteID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM board_ballots WHERE board_id = $1 AND vote_id = $2`, boardID, voteID)
	return interpretError(err, "board")
}
