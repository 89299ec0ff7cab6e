package postgres

import (
	"context"
	"time"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// CreateAPIToken stores a personal API token of a user under its token's hash.
func (s *Store) CreateAPIToken(ctx context.Context, userID, name string, tokenHash []byte) (*auth.APIToken, error) {
	t := auth.APIToken{ID: "t" + newBoardID(), UserID: userID, Name: name, CreatedAt: s.now().UTC()}
	_, err := s.pool.Exec(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, t.UserID, t.Name, tokenHash, t.CreatedAt)
	if err != nil {
		return nil, interpretError(err, "API token")
	}
	return &t, nil
}

// ListAPITokens returns a user's personal API tokens, newest first.
func (s *Store) ListAPITokens(ctx context.Context, userID string) ([]*auth.APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens
		WHERE user_id = $1 ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, interpretError(err, "API token")
	}
	defer rows.Close()
	list := []*auth.APIToken{}
	for rows.Next() {
		var t auth.APIToken
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt); err != nil {
			return nil, interpretError(err, "API token")
		}
		list = append(list, &t)
	}
	return list, interpretError(rows.Err(), "API token")
}

// RevokeAPIToken deletes a user's token: it stops working at the next request.
// ENOTFOUND when the user has no such token.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, tokenID, userID)
	if err != nil {
		return interpretError(err, "API token")
	}
	if tag.RowsAffected() == 0 {
		return blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", blueprint.Term("API token"))
	}
	return nil
}

// FindAPIToken returns the token of a hash. ENOTFOUND when none has it.
func (s *Store) FindAPIToken(ctx context.Context, tokenHash []byte) (*auth.APIToken, error) {
	var t auth.APIToken
	err := s.pool.QueryRow(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens WHERE token_hash = $1`,
		tokenHash).Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt)
	if err != nil {
		return nil, interpretError(err, "API token")
	}
	return &t, nil
}

// UseAPIToken returns the session a personal API token stands for: its user, with no
// expiry and the token's hash as TokenHash (which names no browser session, so it holds
// no share-link grant and made no unlisted board). It records the token's use, at most
// once a minute. ENOTFOUND when no token has that hash.
func (s *Store) UseAPIToken(ctx context.Context, tokenHash []byte) (*auth.Session, error) {
	sess := auth.Session{TokenHash: tokenHash, APIToken: true}
	var id string
	var used *time.Time
	err := s.pool.QueryRow(ctx, `SELECT t.id, t.user_id, u.email, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, tokenHash).
		Scan(&id, &sess.UserID, &sess.Email, &used)
	if err != nil {
		return nil, interpretError(err, "API token")
	}
	if now := s.now().UTC(); used == nil || now.Sub(*used) > time.Minute {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, now); err != nil {
			return nil, interpretError(err, "API token")
		}
	}
	return &sess, nil
}
