package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// This file keeps accounts, sessions, board members and share links. Secrets arrive
// hashed: the store never sees a password or a token.

// CreateUser creates an account. ECONFLICT when the e-mail is taken.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash string) (*auth.User, error) {
	u := &auth.User{ID: "u" + newBoardID(), Email: email, PasswordHash: passwordHash, CreatedAt: s.now().UTC()}
	_, err := s.pool.Exec(ctx, `INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)`,
		u.ID, u.Email, u.PasswordHash, u.CreatedAt)
	if err != nil {
		return nil, interpretError(err, "an account with this e-mail")
	}
	return u, nil
}

// FindUserByEmail returns the account of an e-mail. ENOTFOUND when there is none.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*auth.User, error) {
	var u auth.User
	err := s.pool.QueryRow(ctx, `SELECT id, email, password_hash, created_at FROM users WHERE email = $1`, email).
		Scan(&u.ID, &u.Email, &u.PasswordHash, &u.CreatedAt)
	if err != nil {
		return nil, interpretError(err, "account")
	}
	return &u, nil
}

// FindUser returns an account by id. ENOTFOUND when there is none.
func (s *Store) FindUser(ctx context.Context, id string) (*auth.User, error) {
	var u auth.User
	err := s.pool.QueryRow(ctx, `SELECT id, email, password_hash, created_at FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Email, &u.PasswordHash, &u.CreatedAt)
	if err != nil {
		return nil, interpretError(err, "account")
	}
	return &u, nil
}

// SetPassword replaces a user's password hash and ends every other session of the user,
// in one transaction. ENOTFOUND for an unknown user.
func (s *Store) SetPassword(ctx context.Context, userID, passwordHash string, keepSession []byte) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return interpretError(err, "account")
	}
	defer func() { _ = tx.Rollback(ctx) }()
	tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, passwordHash)
	if err != nil {
		return interpretError(err, "account")
	}
	if tag.RowsAffected() == 0 {
		return blueprint.Errorf(blueprint.ENOTFOUND, "account not found")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keepSession); err != nil {
		return interpretError(err, "session")
	}
	return interpretError(tx.Commit(ctx), "account")
}

// CreateSession stores a session under the hash of its token, for a user (guestName "")
// or a guest (userID ""). It lives auth.SessionTTL.
func (s *Store) CreateSession(ctx context.Context, tokenHash []byte, userID, guestName string) (*auth.Session, error) {
	now := s.now().UTC()
	sess := &auth.Session{TokenHash: tokenHash, UserID: userID, GuestName: guestName, ExpiresAt: now.Add(auth.SessionTTL)}
	var uid *string
	if userID != "" {
		uid = &userID
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, guest_name, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, tokenHash, uid, guestName, now, sess.ExpiresAt)
	if err != nil {
		return nil, interpretError(err, "session")
	}
	if userID != "" {
		u, err := s.FindUser(ctx, userID)
		if err != nil {
			return nil, err
		}
		sess.Email = u.Email
	}
	return sess, nil
}

// ReplaceSession stores a new session, as CreateSession, in place of the session of
// oldHash, in one transaction: the unlisted boards the old session made move to the new
// one when the old one was a guest's or the same user's (so that a person who signs in
// keeps them listed, and may claim them), then the old session ends.
func (s *Store) ReplaceSession(ctx context.Context, oldHash, tokenHash []byte, userID, guestName string) (*auth.Session, error) {
	now := s.now().UTC()
	sess := &auth.Session{TokenHash: tokenHash, UserID: userID, GuestName: guestName, ExpiresAt: now.Add(auth.SessionTTL)}
	var uid *string
	if userID != "" {
		uid = &userID
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, interpretError(err, "session")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, guest_name, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, tokenHash, uid, guestName, now, sess.ExpiresAt); err != nil {
		return nil, interpretError(err, "session")
	}
	// Only a guest's boards, or the same user's, move: signing in as someone else in a
	// browser where another account was signed in takes nothing of theirs.
	if _, err := tx.Exec(ctx, `UPDATE board_creators SET token_hash = $2 WHERE token_hash = $1
		AND EXISTS (SELECT 1 FROM sessions WHERE token_hash = $1 AND (user_id IS NULL OR user_id = $3))`,
		oldHash, tokenHash, userID); err != nil {
		return nil, interpretError(err, "session")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, oldHash); err != nil {
		return nil, interpretError(err, "session")
	}
	if userID != "" {
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&sess.Email); err != nil {
			return nil, interpretError(err, "account")
		}
	}
	return sess, interpretError(tx.Commit(ctx), "session")
}

// FindSession returns the live session of a token hash. ENOTFOUND when there is none or
// it has expired.
func (s *Store) FindSession(ctx context.Context, tokenHash []byte) (*auth.Session, error) {
	sess := auth.Session{TokenHash: tokenHash}
	var uid, email *string
	err := s.pool.QueryRow(ctx, `SELECT s.user_id, u.email, s.guest_name, s.expires_at
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`, tokenHash, s.now()).
		Scan(&uid, &email, &sess.GuestName, &sess.ExpiresAt)
	if err != nil {
		return nil, interpretError(err, "session")
	}
	if uid != nil {
		sess.UserID = *uid
	}
	if email != nil {
		sess.Email = *email
	}
	return &sess, nil
}

// DeleteSession ends a session. Ending one that does not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return interpretError(err, "session")
}

// AddMember gives a user a role on a board (replacing any role they had).
func (s *Store) AddMember(ctx context.Context, boardID, userID string, role auth.Role) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO board_members (board_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role`, boardID, userID, string(role), s.now().UTC())
	return interpretError(err, "board")
}

// ResolveAccess returns what the holder of a session (userID and token hash, either may
// be empty) may do on a board: the board is unlisted (Open) when it has no member, and
// then the session that made it is its Creator; otherwise the stronger of the user's
// membership and the session's valid share-link grants, and Owner for its owner. Role is
// auth.None when nothing applies. ENOTFOUND when the board does not exist.
func (s *Store) ResolveAccess(ctx context.Context, boardID, userID string, tokenHash []byte) (auth.Access, error) {
	if !blueprint.ValidID(boardID) {
		return auth.Access{}, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	var exists, open, creator, owner bool
	var member string
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM boards WHERE id = $1),
		NOT EXISTS (SELECT 1 FROM board_members WHERE board_id = $1),
		COALESCE((SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2), ''),
		$2 <> '' AND $2 = COALESCE((`+ownerQuery+`), ''),
		EXISTS (SELECT 1 FROM board_creators WHERE board_id = $1 AND token_hash = $3),
		statement_timestamp()`,
		boardID, userID, tokenHash).Scan(&exists, &open, &member, &owner, &creator, &at)
	if err != nil {
		return auth.Access{}, interpretError(err, "board")
	}
	if !exists {
		return auth.Access{}, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	if open {
		return auth.Access{Role: auth.Editor, Open: true, Creator: creator, At: at}, nil
	}
	acc := auth.Access{Role: auth.Role(member), Owner: owner, At: at}
	if len(tokenHash) == 0 {
		return acc, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT l.id, l.role FROM session_grants g JOIN share_links l ON l.id = g.link_id
		WHERE g.token_hash = $1 AND l.board_id = $2 AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > $3)
		ORDER BY l.created_at`, tokenHash, boardID, s.now())
	if err != nil {
		return auth.Access{}, interpretError(err, "grant")
	}
	defer rows.Close()
	for rows.Next() {
		var id, role string
		if err := rows.Scan(&id, &role); err != nil {
			return auth.Access{}, interpretError(err, "grant")
		}
		if r := auth.Role(role); auth.Stronger(acc.Role, r) != acc.Role {
			acc.Role, acc.GrantID = r, id
		}
	}
	return acc, interpretError(rows.Err(), "grant")
}

// CreateLink stores a share link of a board under the hash of its token.
func (s *Store) CreateLink(ctx context.Context, l auth.Link, tokenHash []byte) (*auth.Link, error) {
	l.ID = "k" + newBoardID()
	l.CreatedAt = s.now().UTC()
	_, err := s.pool.Exec(ctx, `INSERT INTO share_links (id, board_id, role, token_hash, password_hash, label, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		l.ID, l.BoardID, string(l.Role), tokenHash, l.PasswordHash, l.Label, l.CreatedAt, l.ExpiresAt)
	if err != nil {
		return nil, interpretError(err, "share link")
	}
	return &l, nil
}

const linkColumns = `id, board_id, role, label, password_hash, created_at, expires_at, revoked_at`

func scanLink(row pgx.Row) (*auth.Link, error) {
	var l auth.Link
	var role string
	if err := row.Scan(&l.ID, &l.BoardID, &role, &l.Label, &l.PasswordHash, &l.CreatedAt, &l.ExpiresAt, &l.RevokedAt); err != nil {
		return nil, err
	}
	l.Role = auth.Role(role)
	return &l, nil
}

// ListLinks returns the share links of a board, newest first, revoked ones included.
func (s *Store) ListLinks(ctx context.Context, boardID string) ([]*auth.Link, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+linkColumns+` FROM share_links WHERE board_id = $1 ORDER BY created_at DESC, id`, boardID)
	if err != nil {
		return nil, interpretError(err, "share link")
	}
	defer rows.Close()
	var out []*auth.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, interpretError(err, "share link")
		}
		out = append(out, l)
	}
	return out, interpretError(rows.Err(), "share link")
}

// FindLink returns the share link of a token hash, valid or not. ENOTFOUND when there is none.
func (s *Store) FindLink(ctx context.Context, tokenHash []byte) (*auth.Link, error) {
	l, err := scanLink(s.pool.QueryRow(ctx, `SELECT `+linkColumns+` FROM share_links WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return nil, interpretError(err, "share link")
	}
	return l, nil
}

// RevokeLink revokes a share link of a board now; every grant made from it stops
// working at once. ENOTFOUND when the board has no such link. Revoking twice is not an error.
func (s *Store) RevokeLink(ctx context.Context, boardID, linkID string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE share_links SET revoked_at = COALESCE(revoked_at, $3) WHERE board_id = $1 AND id = $2`,
		boardID, linkID, s.now().UTC())
	if err != nil {
		return interpretError(err, "share link")
	}
	if tag.RowsAffected() == 0 {
		return blueprint.Errorf(blueprint.ENOTFOUND, "share link not found")
	}
	return nil
}

// AddGrant records that a session exchanged a share link.
func (s *Store) AddGrant(ctx context.Context, sessionTokenHash []byte, linkID string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO session_grants (token_hash, link_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, sessionTokenHash, linkID, s.now().UTC())
	return interpretError(err, "session")
}

// Clock returns the database's time now. A change committed before the call is seen by
// every access read whose Access.At is later.
func (s *Store) Clock(ctx context.Context) (time.Time, error) {
	var now time.Time
	err := s.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now)
	return now, interpretError(err, "clock")
}
