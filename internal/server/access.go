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
	if t, ok := r.Context().Value(ticketKey).(printTicket); ok {
		return s.ticketAccess(r, id, t)
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
	return blueprint.Errorf(blueprint.EFORBIDDEN, "your role on this board (%s) does not allow this", blueprint.Term(acc.Role))
}

// errAccountRequired answers someone who is not signed in and asks for a new board on a
// server that makes boards for accounts only.
var errAccountRequired = blueprint.Errorf(blueprint.EUNAUTHORIZED, "sign in to make a board")

// errManyBoards answers an address that made too many boards in a short time.
var errManyBoards = blueprint.Errorf(blueprint.ETOOMANY, "too many new boards from your network: wait a minute before making another")

// errManyBoardsOfUser answers a signed-in user who made too many boards in a short time.
var errManyBoardsOfUser = blueprint.Errorf(blueprint.ETOOMANY, "you made too many new boards in a short time: wait a minute before making another")

// mayCreate says whether the caller may make a board now: signed in when the server
// asks for an account, and within the limit of new boards — per user for someone signed
// in, so that people sharing a network with them cannot use it up; per address otherwise.
func (s *Server) mayCreate(r *http.Request) error {
	if s.accounts == nil {
		return nil
	}
	sess := sessionFrom(r)
	if sess != nil && sess.UserID != "" {
		return takeTry(s.creations, errManyBoardsOfUser, "user:"+sess.UserID)
	}
	if s.accountRequired {
		return errAccountRequired
	}
	return takeTry(s.creations, errManyBoards, "ip:"+s.clientIP(r))
}

// addOwner gives a new board its owner: the signed-in creator becomes its facilitator.
// A board made without an account is unlisted, and remembered as made by the caller's
// session — started now when there is none — which alone sees it listed and may claim or
// delete it. When that fails the board is deleted again, so that no board is left that
// nobody owns or lists.
func (s *Server) addOwner(w http.ResponseWriter, r *http.Request, b *blueprint.Board) error {
	if s.accounts == nil {
		return nil
	}
	err := s.setOwner(w, r, b)
	if err != nil {
		if derr := s.boards.DeleteBoard(context.WithoutCancel(r.Context()), b.ID); derr != nil {
			s.log.Warn("deleting a board left without owner", "board", b.ID, "err", derr)
		}
	}
	return err
}

func (s *Server) setOwner(w http.ResponseWriter, r *http.Request, b *blueprint.Board) error {
	sess := sessionFrom(r)
	if sess != nil && sess.UserID != "" {
		return s.accounts.AddMember(r.Context(), b.ID, sess.UserID, auth.Facilitator)
	}
	if sess == nil {
		var err error
		if sess, err = s.startSession(w, r, "", ""); err != nil {
			return err
		}
	}
	return s.accounts.SetCreator(r.Context(), b.ID, sess.TokenHash)
}

// claim makes the signed-in caller the owner of the unlisted board of the request, which
// their session made; its connections then close (their pages say to reload), since the
// board is no longer open to whoever has its address.
func (s *Server) claim(r *http.Request) error {
	sess, err := signedIn(r)
	if err != nil {
		return blueprint.Errorf(blueprint.EUNAUTHORIZED, "sign in or sign up to claim this board")
	}
	if !accessFrom(r).CanClaim() {
		return blueprint.Errorf(blueprint.EFORBIDDEN, "only the browser that made this unlisted board can claim it")
	}
	id := chi.URLParam(r, "boardID")
	if err := s.accounts.ClaimBoard(r.Context(), id, sess.UserID, sess.TokenHash); err != nil {
		return err
	}
	if s.closeBoard != nil {
		s.closeBoard(id, false)
	}
	return nil
}

// handleClaimForm serves POST /boards/{id}/claim.
func (s *Server) handleClaimForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.claim(r); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+chi.URLParam(r, "boardID"), http.StatusSeeOther)
}

// handleClaim serves POST /api/boards/{id}/claim.
func (s *Server) handleClaim(w http.ResponseWriter, r *http.Request) {
	if err := s.claim(r); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": chi.URLParam(r, "boardID"), "role": auth.Facilitator})
}

// deleteBoard deletes the board of the request for its owner (or the session that made
// an unlisted board): its log, members and share links go, and every live connection to
// it closes at once.
func (s *Server) deleteBoard(r *http.Request) error {
	if err := mayDelete(r); err != nil {
		return err
	}
	id := chi.URLParam(r, "boardID")
	if err := s.boards.DeleteBoard(r.Context(), id); err != nil {
		return err
	}
	if s.closeBoard != nil {
		s.closeBoard(id, true)
	}
	return nil
}

// mayDelete says whether the caller may delete the board of the request: 401 or 403 for
// someone who may not even see it, as for any action, else 403 for all but its owner.
func mayDelete(r *http.Request) error {
	if err := can(r, auth.View); err != nil {
		return err
	}
	if !accessFrom(r).CanDelete() {
		return blueprint.Errorf(blueprint.EFORBIDDEN, "only the owner of this board can delete it")
	}
	return nil
}

// handleDeletePage serves GET /boards/{id}/delete: the confirmation asked before deleting.
func (s *Server) handleDeletePage(w http.ResponseWriter, r *http.Request) {
	if err := mayDelete(r); err != nil {
		s.fail(w, r, err)
		return
	}
	b := boardFrom(r)
	render(w, r, http.StatusOK, web.DeleteBoard(s.page(r, localizer(r).T("board.delete.title")), b))
}

// handleDeleteForm serves POST /boards/{id}/delete, from the confirmation page.
func (s *Server) handleDeleteForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deleteBoard(r); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/?deleted=1", http.StatusSeeOther)
}

// handleDeleteBoard serves DELETE /api/boards/{id}: 204 once the board is gone.
func (s *Server) handleDeleteBoard(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteBoard(r); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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

// handleCreateLink serves POST /boards/{id}/share: a new share link. It redirects to
// /boards/{id}/share/new, which shows the link's address this once (only its hash is
// kept), so that reloading that page never makes a second link.
func (s *Server) handleCreateLink(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	l := auth.Link{BoardID: b.ID, Role: auth.Role(r.PostForm.Get("role")), Label: strings.TrimSpace(r.PostForm.Get("label"))}
	if !auth.ValidLinkRole(l.Role) {
		s.renderBoard(w, r, b, http.StatusBadRequest, blueprint.Errorf(blueprint.EINVALID,
			"a share link gives one of the roles editor, commenter or viewer"))
		return
	}
	if len([]rune(l.Label)) > 100 {
		s.renderBoard(w, r, b, http.StatusBadRequest, blueprint.Errorf(blueprint.EINVALID, "the label is longer than 100 characters"))
		return
	}
	if d := strings.TrimSpace(r.PostForm.Get("days")); d != "" {
		n, err := queryIntValue("days", d, 1, maxLinkDays)
		if err != nil {
			s.renderBoard(w, r, b, http.StatusBadRequest, err)
			return
		}
		t := time.Now().Add(time.Duration(n) * 24 * time.Hour).UTC()
		l.ExpiresAt = &t
	}
	if pw := r.PostForm.Get("password"); pw != "" {
		if err := checkPassword(pw); err != nil {
			s.renderBoard(w, r, b, http.StatusBadRequest, err)
			return
		}
		// A password try of the address is held while the password waits for the gate
		// and is hashed, and given back after: making a link is no guess, but the tries
		// held bound how many hashes of the address wait (see auth.Gate).
		try, err := reserveTry(s.limiter, errManyPasswords, "ip:"+s.clientIP(r))
		if err == nil {
			l.PasswordHash, err = s.hashPassword(r, pw)
			try.Refund()
		}
		if err != nil {
			setRetryAfter(w, err)
			s.renderBoard(w, r, b, ErrorStatus(err), err)
			return
		}
	}
	token, hash := auth.NewToken()
	if _, err := s.accounts.CreateLink(r.Context(), l, hash); err != nil {
		s.fail(w, r, err)
		return
	}
	// The token travels to the next page in a cookie that only that page receives, for
	// a few minutes, and that it clears: it never appears in an address or a log.
	http.SetCookie(w, &http.Cookie{Name: newLinkCookie, Value: token, Path: newLinkPath(b.ID), MaxAge: 300,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, newLinkPath(b.ID), http.StatusSeeOther)
}

// newLinkCookie holds the token of a share link just made, for the page that shows it.
const newLinkCookie = "lastmile_new_link"

func newLinkPath(boardID string) string { return "/boards/" + boardID + "/share/new" }

// handleNewLinkPage serves GET /boards/{id}/share/new: the board page with the address of
// the share link just made, shown once. Without that link (a reload, a bookmark), it
// sends the reader to the board.
func (s *Server) handleNewLinkPage(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	c, err := r.Cookie(newLinkCookie)
	if err != nil || len(c.Value) < 20 || len(c.Value) > 100 {
		http.Redirect(w, r, "/boards/"+b.ID, http.StatusSeeOther)
		return
	}
	// Only a live link of this board is shown: the cookie could have been set by someone
	// else (a neighbouring site of the same domain).
	if l, err := s.accounts.FindLink(r.Context(), auth.HashToken(c.Value)); err != nil || l.BoardID != b.ID || !l.Valid(time.Now()) {
		if err != nil && blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/boards/"+b.ID, http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: newLinkCookie, Value: "", Path: newLinkPath(b.ID), MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	scheme := "http"
	if secure(r) {
		scheme = "https"
	}
	s.renderBoardWith(w, r, b, http.StatusOK, nil, scheme+"://"+r.Host+"/s/"+c.Value)
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
// from someone without one who will be able to write.
func needsForm(l *auth.Link, sess *auth.Session) bool {
	return l.PasswordHash != "" || (needsName(sess) && l.Role != auth.Viewer)
}

// needsName says whether a session has no name to show others: there is none, or it is a
// guest's that was started without one (by making an unlisted board).
func needsName(sess *auth.Session) bool {
	return sess == nil || (sess.UserID == "" && sess.GuestName == "")
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
		s.renderJoin(w, r, l, http.StatusOK, nil)
		return
	}
	s.exchange(w, r, l, "")
}

// renderJoin renders the form of a share link, with the message of err when it is not nil.
func (s *Server) renderJoin(w http.ResponseWriter, r *http.Request, l *auth.Link, status int, err error) {
	p := s.page(r, localizer(r).T("share.join"))
	p.Error = localizer(r).ErrorMessage(err)
	render(w, r, status, web.JoinForm(p, string(l.Role), l.PasswordHash != "", needsName(sessionFrom(r)) && l.Role != auth.Viewer))
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
		// The try is taken before the check and given back for the right password, as
		// for sign-ins.
		try, err := reserveTry(s.limiter, errManyPasswords, "ip:"+s.clientIP(r), "link:"+l.ID)
		if err != nil {
			setRetryAfter(w, err)
			s.renderJoin(w, r, l, http.StatusTooManyRequests, err)
			return
		}
		pw := r.PostForm.Get("password")
		if len(pw) > auth.MaxPasswordLen {
			pw = ""
		}
		ok, err := s.verifyPassword(r, l.PasswordHash, pw)
		if err != nil {
			setRetryAfter(w, err)
			s.renderJoin(w, r, l, ErrorStatus(err), err)
			return
		}
		if !ok {
			s.renderJoin(w, r, l, http.StatusUnauthorized, blueprint.Errorf(blueprint.EUNAUTHORIZED, "the password of this link is wrong"))
			return
		}
		try.Refund()
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if needsName(sessionFrom(r)) && l.Role != auth.Viewer && (name == "" || len([]rune(name)) > 60) {
		s.renderJoin(w, r, l, http.StatusBadRequest, blueprint.Errorf(blueprint.EINVALID, "give a display name of 1 to 60 characters"))
		return
	}
	s.exchange(w, r, l, name)
}

// exchange stores a grant of the link in the caller's session (starting a guest session
// when there is none, or when a name was given for a session that had none) and
// redirects to the board, so that the token leaves the address bar.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, l *auth.Link, name string) {
	sess := sessionFrom(r)
	if sess == nil || (name != "" && needsName(sess)) {
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
