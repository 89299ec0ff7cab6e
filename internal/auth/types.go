package auth

import (
	"strings"
	"time"

	"lastmile/internal/blueprint"
)

// User is an account. PasswordHash is the encoded argon2id hash; it never leaves the server.
type User struct {
	ID           string
	Email        string
	PasswordHash string
	CreatedAt    time.Time
}

// Session is a signed-in person or a guest who came through a share link. It is found by
// the SHA-256 hash of its cookie's token; the token itself is never stored.
type Session struct {
	TokenHash []byte
	UserID    string // "" for a guest
	Email     string // the user's e-mail, "" for a guest
	GuestName string // the name a guest gave, "" for a user
	ExpiresAt time.Time
	// APIToken is true when the caller sent a personal API token rather than a cookie;
	// TokenHash is then the token's hash.
	APIToken bool
}

// Name is how the session's person is shown to others: a guest's chosen name, or the
// part of a user's e-mail before the @ (the whole address is not shown to others).
func (s *Session) Name() string {
	if s == nil {
		return ""
	}
	if s.UserID != "" {
		local, _, _ := strings.Cut(s.Email, "@")
		return local
	}
	return s.GuestName
}

// Link is a share link of a board. Whoever holds its token gets Role until it is revoked
// or expires. Only the SHA-256 hash of the token is stored, so a link can be listed and
// revoked but never shown again.
type Link struct {
	ID           string
	BoardID      string
	Role         Role
	Label        string
	PasswordHash string // "" when the link asks for no password
	CreatedAt    time.Time
	ExpiresAt    *time.Time
	RevokedAt    *time.Time
}

// Valid reports whether the link still gives its role at now.
func (l *Link) Valid(now time.Time) bool {
	return l.RevokedAt == nil && (l.ExpiresAt == nil || now.Before(*l.ExpiresAt))
}

// Access is what the caller may do on one board and why.
type Access struct {
	Role Role
	// Open is set when the board has no members: it is unlisted, and anyone who holds its
	// address edits it.
	Open bool
	// Creator is set on an unlisted board for the browser session that made it: it may
	// claim the board (once signed in) or delete it.
	Creator bool
	// Owner is set for the board's owner (see Member.Owner), who alone may delete it.
	Owner bool
	// GrantID is the id of the share link the role comes from, "" when it comes from a
	// membership or the board is open.
	GrantID string
	// At is the database's time when the access was read (the start of the statement that
	// read it): a change committed before it is seen. Zero when nothing was read.
	At time.Time
}

// Member is a user with a role on a board. The owner is the board's first facilitator,
// who made it: the owner can be neither removed nor given another role.
type Member struct {
	UserID   string
	Email    string
	Role     Role
	Owner    bool
	JoinedAt time.Time
}

// Guest is a session that holds a grant of one of a board's valid share links: a guest
// who gave a display name, or a signed-in user who opened the link. Its role comes from
// the link and ends with it.
type Guest struct {
	Name      string // the guest's display name, or the user's e-mail
	SignedIn  bool   // the session belongs to a user with an account
	LinkID    string
	LinkLabel string
	Role      Role
	JoinedAt  time.Time
	// Person is the identity annotations give the session: "u:" and the user's id, or
	// "g:" and a digest of the session (as the server stamps them).
	Person string
}

// VisibleBoard is a board someone can see, with their role on it: the stronger of their
// membership and the share links their session holds. Open is set for an unlisted board
// (without members), which whoever holds its address edits (Role is then Editor); such a
// board is listed only to the session that made it.
type VisibleBoard struct {
	blueprint.BoardSummary
	Role Role
	Open bool
}

// CanDelete reports whether acc allows deleting the board: its owner may, and so may the
// session that made an unlisted board.
func (acc Access) CanDelete() bool { return acc.Owner || (acc.Open && acc.Creator) }

// CanClaim reports whether acc allows claiming the board: the session that made an
// unlisted board may, once it belongs to a signed-in user.
func (acc Access) CanClaim() bool { return acc.Open && acc.Creator }
