package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// This file keeps who has a role on a board: its members, and the guests who came
// through its share links. The owner of a board is its first facilitator — the person
// who made it, added when the board was created — and stays so: it can be neither
// removed nor given another role, so a board with members always keeps a facilitator.

// ownerQuery selects the owner of board $1, if any.
const ownerQuery = `SELECT user_id FROM board_members WHERE board_id = $1 AND role = 'facilitator'
	ORDER BY created_at, user_id LIMIT 1`

// ListMembers returns the members of a board, the owner first, then by the time they
// joined. An unknown board has none.
func (s *Store) ListMembers(ctx context.Context, boardID string) ([]auth.Member, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.user_id, u.email, m.role, m.created_at,
			m.user_id = (`+ownerQuery+`)
		FROM board_members m JOIN users u ON u.id = m.user_id
		WHERE m.board_id = $1
		ORDER BY m.created_at, m.user_id`, boardID)
	if err != nil {
		return nil, interpretError(err, "member")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Member, error) {
		var m auth.Member
		var role string
		var owner *bool
		err := r.Scan(&m.UserID, &m.Email, &role, &m.JoinedAt, &owner)
		m.Role, m.Owner = auth.Role(role), owner != nil && *owner
		return m, err
	})
	return list, interpretError(err, "member")
}

// ListGuests returns the live sessions that hold a grant of one of the board's valid
// share links, in the order they joined. The role of each is its link's.
func (s *Store) ListGuests(ctx context.Context, boardID string) ([]auth.Guest, error) {
	now := s.now()
	// The identity is the one the server stamps on the session's annotations (server.person):
	// the user's, or a digest of the session's token hash.
	rows, err := s.pool.Query(ctx, `SELECT COALESCE(u.email, s.guest_name), s.user_id IS NOT NULL, l.id, l.label, l.role, g.created_at,
		  CASE WHEN s.user_id IS NOT NULL THEN 'u:' || s.user_id
		       ELSE 'g:' || encode(substring(sha256('lastmile guest'::bytea || '\x00'::bytea || s.token_hash) FROM 1 FOR 16), 'hex') END
		FROM session_grants g
		JOIN share_links l ON l.id = g.link_id
		JOIN sessions s ON s.token_hash = g.token_hash
		LEFT JOIN users u ON u.id = s.user_id
		WHERE l.board_id = $1 AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > $2)
		  AND s.expires_at > $2
		ORDER BY g.created_at, l.id`, boardID, now)
	if err != nil {
		return nil, interpretError(err, "guest")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Guest, error) {
		var g auth.Guest
		var role string
		err := r.Scan(&g.Name, &g.SignedIn, &g.LinkID, &g.LinkLabel, &role, &g.JoinedAt, &g.Person)
		g.Role = auth.Role(role)
		return g, err
	})
	return list, interpretError(err, "guest")
}

// InviteMember gives the account of an e-mail a role on a board. ENOTFOUND when there is
// no such account (the message says so, since only a facilitator may ask); ECONFLICT when
// the account is a member already; EINVALID for a role a member may not have.
func (s *Store) InviteMember(ctx context.Context, boardID, email string, role auth.Role) (*auth.Member, error) {
	if !auth.ValidMemberRole(role) {
		return nil, blueprint.Errorf(blueprint.EINVALID, "a member is facilitator, editor, commenter or viewer")
	}
	u, err := s.FindUserByEmail(ctx, email)
	if blueprint.ErrorCode(err) == blueprint.ENOTFOUND {
		return nil, blueprint.Errorf(blueprint.ENOTFOUND, "no account has the e-mail %s: ask them to sign up first", email)
	} else if err != nil {
		return nil, err
	}
	m := &auth.Member{UserID: u.ID, Email: u.Email, Role: role, JoinedAt: s.now().UTC()}
	tag, err := s.pool.Exec(ctx, `INSERT INTO board_members (board_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (board_id, user_id) DO NOTHING`, boardID, u.ID, string(role), m.JoinedAt)
	if err != nil {
		return nil, interpretError(err, "board")
	}
	if tag.RowsAffected() == 0 {
		return nil, blueprint.Errorf(blueprint.ECONFLICT, "%s is a member of this board already: change their role instead", email)
	}
	return m, nil
}

// SetMemberRole gives a member of a board another role. ENOTFOUND when the user is not a
// member; EFORBIDDEN for the owner; EINVALID for a role a member may not have.
func (s *Store) SetMemberRole(ctx context.Context, boardID, userID string, role auth.Role) error {
	if !auth.ValidMemberRole(role) {
		return blueprint.Errorf(blueprint.EINVALID, "a member is facilitator, editor, commenter or viewer")
	}
	return s.changeMember(ctx, boardID, userID, `UPDATE board_members SET role = $3 WHERE board_id = $1 AND user_id = $2`, string(role))
}

// RemoveMember takes a user's membership of a board away. ENOTFOUND when the user is not
// a member; EFORBIDDEN for the owner. Share links the user's sessions hold still count.
func (s *Store) RemoveMember(ctx context.Context, boardID, userID string) error {
	return s.changeMember(ctx, boardID, userID, `DELETE FROM board_members WHERE board_id = $1 AND user_id = $2`)
}

// changeMember runs a change of one membership, refused for the owner. The board's member
// rows are locked first, so that two changes cannot both see a different owner.
func (s *Store) changeMember(ctx context.Context, boardID, userID, query string, args ...any) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return interpretError(err, "member")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT 1 FROM board_members WHERE board_id = $1 FOR UPDATE`, boardID); err != nil {
		return interpretError(err, "member")
	}
	var owner string
	err = tx.QueryRow(ctx, ownerQuery, boardID).Scan(&owner)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return interpretError(err, "member")
	}
	if owner != "" && owner == userID {
		return blueprint.Errorf(blueprint.EFORBIDDEN, "the owner of the board can be neither removed nor given another role")
	}
	tag, err := tx.Exec(ctx, query, append([]any{boardID, userID}, args...)...)
	if err != nil {
		return interpretError(err, "member")
	}
	if tag.RowsAffected() == 0 {
		return blueprint.Errorf(blueprint.ENOTFOUND, "member not found")
	}
	return interpretError(tx.Commit(ctx), "member")
}

// SetCreator records that the session of tokenHash made the unlisted board boardID: the
// board is listed to that session alone, which may claim or delete it.
func (s *Store) SetCreator(ctx context.Context, boardID string, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO board_creators (board_id, token_hash) VALUES ($1, $2)
		ON CONFLICT (board_id) DO NOTHING`, boardID, tokenHash)
	return interpretError(err, "board")
}

// ClaimBoard makes the user userID the owner of the unlisted board boardID that the
// session of tokenHash made: the user becomes its first facilitator, and the board is
// restricted to its members and share links from then on. EFORBIDDEN when the board has
// members already or the session did not make it; ENOTFOUND for an unknown board.
func (s *Store) ClaimBoard(ctx context.Context, boardID, userID string, tokenHash []byte) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return interpretError(err, "board")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// Deleting the creator's row takes its lock: of two claims, the second finds none.
	tag, err := tx.Exec(ctx, `DELETE FROM board_creators WHERE board_id = $1 AND token_hash = $2`, boardID, tokenHash)
	if err != nil {
		return interpretError(err, "board")
	}
	if tag.RowsAffected() == 0 {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM boards WHERE id = $1)`, boardID).Scan(&exists); err != nil {
			return interpretError(err, "board")
		}
		if !exists {
			return blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
		}
		return blueprint.Errorf(blueprint.EFORBIDDEN, "only the browser that made this unlisted board can claim it")
	}
	tag, err = tx.Exec(ctx, `INSERT INTO board_members (board_id, user_id, role, created_at)
		SELECT $1, $2, 'facilitator', $3 WHERE NOT EXISTS (SELECT 1 FROM board_members WHERE board_id = $1)`,
		boardID, userID, s.now().UTC())
	if err != nil {
		return interpretError(err, "board")
	}
	if tag.RowsAffected() == 0 {
		return blueprint.Errorf(blueprint.EFORBIDDEN, "this board has an owner already")
	}
	return interpretError(tx.Commit(ctx), "board")
}
