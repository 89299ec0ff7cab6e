package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// Members keeps who has a role on a board. The Postgres store is one.
type Members interface {
	// ListMembers returns the members of a board, the owner first.
	ListMembers(ctx context.Context, boardID string) ([]auth.Member, error)
	// ListGuests returns the sessions holding a grant of a valid share link of a board.
	ListGuests(ctx context.Context, boardID string) ([]auth.Guest, error)
	// InviteMember gives the account of an e-mail a role. ENOTFOUND when there is no such
	// account, ECONFLICT when it is a member already, EINVALID for a bad role.
	InviteMember(ctx context.Context, boardID, email string, role auth.Role) (*auth.Member, error)
	// SetMemberRole gives a member another role. ENOTFOUND for a non-member, EFORBIDDEN
	// for the owner, EINVALID for a bad role.
	SetMemberRole(ctx context.Context, boardID, userID string, role auth.Role) error
	// RemoveMember ends a membership. ENOTFOUND for a non-member, EFORBIDDEN for the owner.
	RemoveMember(ctx context.Context, boardID, userID string) error
}

// membersView lists a board's members and guests for its facilitator; nil for anyone
// else.
func (s *Server) membersView(r *http.Request, boardID string) (*web.MembersView, error) {
	if s.accounts == nil || !auth.Can(accessFrom(r).Role, auth.ManageMembers) {
		return nil, nil
	}
	members, err := s.accounts.ListMembers(r.Context(), boardID)
	if err != nil {
		return nil, err
	}
	guests, err := s.accounts.ListGuests(r.Context(), boardID)
	if err != nil {
		return nil, err
	}
	var self string
	if sess := sessionFrom(r); sess != nil {
		self = sess.UserID
	}
	return &web.MembersView{Members: members, Guests: guests, Self: self}, nil
}

// handleInviteMember serves POST /boards/{id}/members: the account of an e-mail becomes a
// member with a role.
func (s *Server) handleInviteMember(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	email := auth.NormalizeEmail(r.PostForm.Get("email"))
	if !auth.ValidEmail(email) {
		s.renderBoard(w, r, b, http.StatusBadRequest, errBadEmail)
		return
	}
	m, err := s.accounts.InviteMember(r.Context(), b.ID, email, auth.Role(r.PostForm.Get("role")))
	if err != nil {
		s.memberFailed(w, r, b, err)
		return
	}
	// A user who already had a socket on the board (through a share link) gets the role
	// now, not after their next reconnect.
	s.revokeMember(r.Context(), b.ID, m.UserID)
	http.Redirect(w, r, "/boards/"+b.ID+"#members", http.StatusSeeOther)
}

// handleSetMemberRole serves POST /boards/{id}/members/{userID}/role. The member's open
// websockets close at once (1008), so that they come back with the new role.
func (s *Server) handleSetMemberRole(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	userID := chi.URLParam(r, "userID")
	if err := s.accounts.SetMemberRole(r.Context(), b.ID, userID, auth.Role(r.PostForm.Get("role"))); err != nil {
		s.memberFailed(w, r, b, err)
		return
	}
	s.revokeMember(r.Context(), b.ID, userID)
	http.Redirect(w, r, "/boards/"+b.ID+"#members", http.StatusSeeOther)
}

// handleRemoveMember serves POST /boards/{id}/members/{userID}/remove. The member's open
// websockets close at once (1008).
func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	userID := chi.URLParam(r, "userID")
	if err := s.accounts.RemoveMember(r.Context(), b.ID, userID); err != nil {
		s.memberFailed(w, r, b, err)
		return
	}
	s.revokeMember(r.Context(), b.ID, userID)
	// A facilitator who removed themselves may no longer see the board.
	if sess := sessionFrom(r); sess != nil && sess.UserID == userID {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/boards/"+b.ID+"#members", http.StatusSeeOther)
}

// memberFailed re-renders the board with the message of a refused member change, or
// fails on an internal error.
func (s *Server) memberFailed(w http.ResponseWriter, r *http.Request, b *blueprint.Board, err error) {
	if blueprint.ErrorCode(err) == blueprint.EINTERNAL || blueprint.ErrorCode(err) == blueprint.EUNAVAILABLE {
		s.fail(w, r, err)
		return
	}
	s.renderBoard(w, r, b, ErrorStatus(err), err)
}

// revokeMember closes the member's live connections after a change of their membership,
// telling the hub when the change was committed on the storage's clock, so that a
// connection whose access was read after it is let in.
func (s *Server) revokeMember(ctx context.Context, boardID, userID string) {
	if s.revokeUser == nil {
		return
	}
	at, err := s.accounts.Clock(ctx) // zero on error: the hub then refuses the member's next joins
	if err != nil {
		s.log.Warn("reading the database's clock", "err", err)
	}
	s.revokeUser(boardID, userID, at)
}

// handleListMembers serves GET /api/boards/{id}/members: the members and guests as JSON.
func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) {
	v, err := s.membersView(r, chi.URLParam(r, "boardID"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type member struct {
		UserID string `json:"user_id"`
		Email  string `json:"email"`
		Role   string `json:"role"`
		Owner  bool   `json:"owner"`
	}
	type guest struct {
		Name     string `json:"name"`
		SignedIn bool   `json:"signed_in"`
		LinkID   string `json:"link_id"`
		Role     string `json:"role"`
	}
	members, guests := []member{}, []guest{}
	for _, m := range v.Members {
		members = append(members, member{m.UserID, m.Email, string(m.Role), m.Owner})
	}
	for _, g := range v.Guests {
		guests = append(guests, guest{strings.TrimSpace(g.Name), g.SignedIn, g.LinkID, string(g.Role)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": members, "guests": guests})
}
