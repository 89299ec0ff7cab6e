package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// authorize resolves what the caller may do on the board named in the path — from the
// session user's membership, a share-link grant held by the session, or the board being
// open — and puts it on the context. It is the one place where access is decided;
// routes then require an action with allow. Without Accounts every board is open.
//
// The access carries the storage's time when it was read (auth.Access.At): a websocket's
// room compares it with the time of a later change of the member's role (see
// realtime.Participant.AuthorizedAt).
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acc, err := s.resolveAccess(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accessKey, acc)))
	})
}

func (s *Server) resolveAccess(r *http.Request) (auth.Access, error) {
	id := chi.URLParam(r, "boardID")
	if !blueprint.ValidID(id) {
		return auth.Access{}, blueprint.Errorf(blueprint.ENOTFOUND, "board not found")
	}
	if s.accounts == nil {
		return auth.Access{Role: auth.Editor, Open: true}, nil
	}
	var userID string
	var tokenHash []byte
	if sess := sessionFrom(r); sess != nil {
		userID, tokenHash = sess.UserID, sess.TokenHash
	}
	return s.accounts.ResolveAccess(r.Context(), id, userID, tokenHash)
}

func accessFrom(r *http.Request) auth.Access {
	acc, _ := r.Context().Value(accessKey).(auth.Access)
	return acc
}

// allow lets the request through when the caller's role may do action: 401 for someone
// with no role and no session, 403 otherwise.
func (s *Server) allow(action auth.Action) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := can(r, action); err != nil {
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// can says whether the caller may do action on the board of the request, as a coded error.
func can(r *http.Request, action auth.Action) error {
	acc := accessFrom(r)
	if auth.Can(acc.Role, action) {
		return nil
	}
	if acc.Role == auth.None && sessionFrom(r) == nil {
		return blueprint.Errorf(blueprint.EUNAUTHORIZED, "this board is private: sign in, or open a share link of it")
	}
	if acc.Role == auth.None {
		return blueprint.Errorf(blueprint.EFORBIDDEN, "you have no access to this board")
	}
	return blueprint.Errorf(blueprint.EFORBIDDEN, "your role on this board (%s) does not allow this", acc.Role)
}

// addOwner makes the signed-in creator of a new board its facilitator. A board created
// without a signed-in user stays open.
func (s *Server) addOwner(r *http.Request, b *blueprint.Board) error {
	sess := sessionFrom(r)
	if s.accounts == nil || sess == nil || sess.UserID == "" {
		return nil
	}
	return s.accounts.AddMember(r.Context(), b.ID, sess.UserID, auth.Facilitator)
}

// shareView lists a board's share links for its facilitator; nil for anyone else.
func (s *Server) shareView(r *http.Request, boardID, newURL string) (*web.ShareView, error) {
	if s.accounts == nil || !auth.Can(accessFrom(r).Role, auth.ManageLinks) {
		return nil, nil
	}
	links, err := s.accounts.ListLinks(r.Context(), boardID)
	if err != nil {
		return nil, err
	}
	return &web.ShareView{Links: links, NewURL: newURL, Now: time.Now()}, nil
}

// maxLinkDays bounds the lifetime a share link may be given.
const maxLinkDays = 365

// handleCreateLink serves POST /boards/{id}/share: a new share link. The board page is
// rendered with the link's address, shown this once: only its hash is kept.
func (s *Server) handleCreateLink(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	l := auth.Link{BoardID: b.ID, Role: auth.Role(r.PostForm.Get("role")), Label: strings.TrimSpace(r.PostForm.Get("label"))}
	if !auth.ValidLinkRole(l.Role) {
		s.renderBoard(w, r, b, http.StatusBadRequest, blueprint.ErrorMessage(blueprint.Errorf(blueprint.EINVALID,
			"a share link gives one of the roles editor, commenter or viewer")))
		return
	}
	if len([]rune(l.Label)) > 100 {
		s.renderBoard(w, r, b, http.StatusBadRequest, "the label is longer than 100 characters")
		return
	}
	if d := strings.TrimSpace(r.PostForm.Get("days")); d != "" {
		n, err := queryIntValue("days", d, 1, maxLinkDays)
		if err != nil {
			s.renderBoard(w, r, b, http.StatusBadRequest, blueprint.ErrorMessage(err))
			return
		}
		t := time.Now().Add(time.Duration(n) * 24 * time.Hour).UTC()
		l.ExpiresAt = &t
	}
	if pw := r.PostForm.Get("password"); pw != "" {
		if err := checkPassword(pw); err != nil {
			s.renderBoard(w, r, b, http.StatusBadRequest, blueprint.ErrorMessage(err))
			return
		}
		l.PasswordHash = s.hasher.Hash(pw)
	}
	token, hash := auth.NewToken()
	if _, err := s.accounts.CreateLink(r.Context(), l, hash); err != nil {
		s.fail(w, r, err)
		return
	}
	scheme := "http"
	if secure(r) {
		scheme = "https"
	}
	s.renderBoardWith(w, r, b, http.StatusCreated, "", scheme+"://"+r.Host+"/s/"+token)
}

// handleRevokeLink serves POST /boards/{id}/share/{linkID}/revoke. Whoever came in through
// the link loses access at once, open websockets included.
func (s *Server) handleRevokeLink(w http.ResponseWriter, r *http.Request) {
	boardID, linkID := chi.URLParam(r, "boardID"), chi.URLParam(r, "linkID")
	if err := s.accounts.RevokeLink(r.Context(), boardID, linkID); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.revoke != nil {
		s.revoke(boardID, linkID)
	}
	http.Redirect(w, r, "/boards/"+boardID, http.StatusSeeOther)
}

// handleListLinks serves GET /api/boards/{id}/share: the board's share links as JSON.
func (s *Server) handleListLinks(w http.ResponseWriter, r *http.Request) {
	links, err := s.accounts.ListLinks(r.Context(), chi.URLParam(r, "boardID"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type item struct {
		ID        string     `json:"id"`
		Role      string     `json:"role"`
		Label     string     `json:"label"`
		Password  bool       `json:"password"`
		CreatedAt time.Time  `json:"created_at"`
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
		RevokedAt *time.Time `json:"revoked_at,omitempty"`
	}
	out := make([]item, len(links))
	for i, l := range links {
		out[i] = item{l.ID, string(l.Role), l.Label, l.PasswordHash != "", l.CreatedAt, l.ExpiresAt, l.RevokedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": out})
}

// errBadLink is the answer to a share link that does not exist, was revoked or expired.
var errBadLink = blueprint.Errorf(blueprint.ENOTFOUND, "this share link is not valid: it may have been revoked or have expired")

// findLink returns the valid share link of the token in the path.
func (s *Server) findLink(r *http.Request) (*auth.Link, error) {
	token := chi.URLParam(r, "token")
	if len(token) < 20 || len(token) > 100 {
		return nil, errBadLink
	}
	l, err := s.accounts.FindLink(r.Context(), auth.HashToken(token))
	if blueprint.ErrorCode(err) == blueprint.ENOTFOUND || (err == nil && !l.Valid(time.Now())) {
		return nil, errBadLink
	}
	return l, err
}

// needsForm says whether exchanging a link asks something: a password, or a display name
// from someone without a session who will be able to write.
func needsForm(l *auth.Link, sess *auth.Session) bool {
	return l.PasswordHash != "" || (sess == nil && l.Role != auth.Viewer)
}

// handleShareLink serves GET /s/{token}: a viewer link without password is exchanged at
// once; other links show a small form (display name, password).
func (s *Server) handleShareLink(w http.ResponseWriter, r *http.Request) {
	l, err := s.findLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if needsForm(l, sessionFrom(r)) {
		s.renderJoin(w, r, l, http.StatusOK, "")
		return
	}
	s.exchange(w, r, l, "")
}

func (s *Server) renderJoin(w http.ResponseWriter, r *http.Request, l *auth.Link, status int, msg string) {
	p := s.page(r, localizer(r).T("share.join"))
	p.Error = msg
	render(w, r, status, web.JoinForm(p, string(l.Role), l.PasswordHash != "", sessionFrom(r) == nil && l.Role != auth.Viewer))
}

// handleJoin serves POST /s/{token}: the form of handleShareLink.
func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	l, err := s.findLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if l.PasswordHash != "" {
		keys := []string{"ip:" + clientIP(r), "link:" + l.ID}
		if !s.limiter.Allowed(keys...) {
			s.renderJoin(w, r, l, http.StatusTooManyRequests, "too many wrong passwords: wait a minute before trying again")
			return
		}
		pw := r.PostForm.Get("password")
		if len(pw) > auth.MaxPasswordLen {
			pw = ""
		}
		ok, err := s.hasher.Verify(l.PasswordHash, pw)
		if err != nil {
			s.fail(w, r, blueprint.Internal(err))
			return
		}
		if !ok {
			s.limiter.Failed(keys...)
			s.renderJoin(w, r, l, http.StatusUnauthorized, "the password of this link is wrong")
			return
		}
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if sessionFrom(r) == nil && l.Role != auth.Viewer && (name == "" || len([]rune(name)) > 60) {
		s.renderJoin(w, r, l, http.StatusBadRequest, "give a display name of 1 to 60 characters")
		return
	}
	s.exchange(w, r, l, name)
}

// exchange stores a grant of the link in the caller's session (starting a guest session
// when there is none) and redirects to the board, so that the token leaves the address bar.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, l *auth.Link, name string) {
	sess := sessionFrom(r)
	if sess == nil {
		var err error
		if sess, err = s.startSession(w, r, "", name); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.accounts.AddGrant(r.Context(), sess.TokenHash, l.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+l.BoardID, http.StatusSeeOther)
}
