package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// Accounts keeps accounts, sessions, board members and share links. The Postgres store is
// one. Secrets reach it hashed: it never sees a password or a token.
type Accounts interface {
	// CreateUser creates an account. ECONFLICT when the e-mail is taken.
	CreateUser(ctx context.Context, email, passwordHash string) (*auth.User, error)
	// FindUserByEmail returns the account of an e-mail. ENOTFOUND when there is none.
	FindUserByEmail(ctx context.Context, email string) (*auth.User, error)
	// FindUser returns an account by id. ENOTFOUND when there is none.
	FindUser(ctx context.Context, id string) (*auth.User, error)
	// SetPassword replaces a password hash and ends the user's other sessions.
	SetPassword(ctx context.Context, userID, passwordHash string, keepSession []byte) error
	// CreateSession stores a session for a user or a guest under its token's hash.
	CreateSession(ctx context.Context, tokenHash []byte, userID, guestName string) (*auth.Session, error)
	// ReplaceSession stores a new session in place of the one of oldHash, which ends; the
	// unlisted boards the old one made move to the new one.
	ReplaceSession(ctx context.Context, oldHash, tokenHash []byte, userID, guestName string) (*auth.Session, error)
	// FindSession returns a live session. ENOTFOUND when there is none or it expired.
	FindSession(ctx context.Context, tokenHash []byte) (*auth.Session, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// AddMember gives a user a role on a board.
	AddMember(ctx context.Context, boardID, userID string, role auth.Role) error
	// ResolveAccess says what a session may do on a board. ENOTFOUND for an unknown board.
	ResolveAccess(ctx context.Context, boardID, userID string, tokenHash []byte) (auth.Access, error)
	// Clock returns the storage's time now, on the clock of auth.Access.At.
	Clock(ctx context.Context) (time.Time, error)
	// CreateLink stores a share link under its token's hash.
	CreateLink(ctx context.Context, l auth.Link, tokenHash []byte) (*auth.Link, error)
	// ListLinks returns the share links of a board, newest first.
	ListLinks(ctx context.Context, boardID string) ([]*auth.Link, error)
	// FindLink returns the share link of a token hash, valid or not. ENOTFOUND when none.
	FindLink(ctx context.Context, tokenHash []byte) (*auth.Link, error)
	// RevokeLink revokes a share link of a board. ENOTFOUND when there is none.
	RevokeLink(ctx context.Context, boardID, linkID string) error
	// SetCreator records the session that made an unlisted board.
	SetCreator(ctx context.Context, boardID string, tokenHash []byte) error
	// ClaimBoard makes a user the owner of the unlisted board their session made.
	// EFORBIDDEN when the session did not make it or it has an owner already.
	ClaimBoard(ctx context.Context, boardID, userID string, tokenHash []byte) error
	// AddGrant records that a session exchanged a share link.
	AddGrant(ctx context.Context, sessionTokenHash []byte, linkID string) error
	// ListVisibleBoards returns the boards a session may see listed (the unlisted boards
	// it made included), each with the session's role, most recently changed first.
	ListVisibleBoards(ctx context.Context, userID string, tokenHash []byte) ([]auth.VisibleBoard, error)
	Members
}

// listBoards returns the boards the caller may see, with the caller's role: all of them,
// open, without accounts.
func (s *Server) listBoards(r *http.Request) ([]auth.VisibleBoard, error) {
	if s.accounts == nil {
		list, err := s.boards.ListBoards(r.Context())
		out := make([]auth.VisibleBoard, len(list))
		for i, b := range list {
			out[i] = auth.VisibleBoard{BoardSummary: b, Role: auth.Editor, Open: true}
		}
		return out, err
	}
	var userID string
	var tokenHash []byte
	if sess := sessionFrom(r); sess != nil {
		userID, tokenHash = sess.UserID, sess.TokenHash
	}
	return s.accounts.ListVisibleBoards(r.Context(), userID, tokenHash)
}

// PasswordHasher hashes and checks passwords; *auth.Hasher is the one in use.
type PasswordHasher interface {
	Hash(password string) string
	Verify(encoded, password string) (bool, error)
	// Dummy returns a hash to verify against when there is no account, so that an
	// unknown e-mail costs as much as a wrong password.
	Dummy() string
}

// sessionCookie is the name of the cookie holding the session token.
const sessionCookie = "lastmile_session"

// session finds the caller's session from the cookie and puts it on the context. A
// cookie naming no live session is cleared. On /api, an Authorization header (a personal
// API token, see bearer) is read instead of the cookie.
func (s *Server) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" && strings.HasPrefix(r.URL.Path, "/api/") {
			s.bearer(w, r, next, h)
			return
		}
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || len(c.Value) > 100 || noSession(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.accounts.FindSession(r.Context(), auth.HashToken(c.Value))
		if err != nil {
			if blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
				s.fail(w, r, err)
				return
			}
			clearSessionCookie(w, r)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, sess)))
	})
}

// noSession tells the paths that never need a session, so that they cost no query.
func noSession(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/livez" || path == "/readyz" || path == "/metrics"
}

// sessionFrom returns the caller's session, or nil.
func sessionFrom(r *http.Request) *auth.Session {
	sess, _ := r.Context().Value(sessionKey).(*auth.Session)
	return sess
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(auth.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r)})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r)})
}

// startSession makes a new session (a fresh token, so a session is never fixed by someone
// else) in place of the one the caller had, which ends, and sets the cookie. The unlisted
// boards the old session made stay listed to the new one.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID, guestName string) (*auth.Session, error) {
	token, hash := auth.NewToken()
	var sess *auth.Session
	var err error
	if old := sessionFrom(r); old != nil {
		sess, err = s.accounts.ReplaceSession(r.Context(), old.TokenHash, hash, userID, guestName)
	} else {
		sess, err = s.accounts.CreateSession(r.Context(), hash, userID, guestName)
	}
	if err != nil {
		return nil, err
	}
	setSessionCookie(w, r, token)
	return sess, nil
}

func checkPassword(pw string) error {
	if n := len([]rune(pw)); n < auth.MinPasswordLen || len(pw) > auth.MaxPasswordLen {
		return blueprint.Errorf(blueprint.EINVALID, "the password must be %d to %d characters long", auth.MinPasswordLen, auth.MaxPasswordLen)
	}
	return nil
}

// errBadEmail answers an e-mail address that cannot be one.
var errBadEmail = blueprint.Errorf(blueprint.EINVALID, "the e-mail address is not valid")

// errManyPasswords answers a password tried too often, of an account or of a share link.
var errManyPasswords = blueprint.Errorf(blueprint.ETOOMANY, "too many wrong passwords: wait a minute before trying again")

// authForm re-renders a sign-in, sign-up or password form with a message, or fails.
func (s *Server) authForm(w http.ResponseWriter, r *http.Request, kind string, email string, err error) {
	if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
		s.fail(w, r, err)
		return
	}
	l := localizer(r)
	p := s.page(r, l.T("account."+kind))
	if err != nil {
		p.Error = l.ErrorMessage(err)
	}
	status := http.StatusOK
	if err != nil {
		status = ErrorStatus(err)
		setRetryAfter(w, err)
	}
	next := r.URL.Query().Get("next")
	if r.PostForm != nil && r.PostForm.Get("next") != "" {
		next = r.PostForm.Get("next")
	}
	if next = safeNext(next); next == "/" {
		next = ""
	}
	render(w, r, status, web.AccountForm(p, kind, email, next))
}

// errSignUpClosed answers sign-ups on an instance where the operator makes the accounts.
var errSignUpClosed = blueprint.Errorf(blueprint.EFORBIDDEN,
	"sign-up is closed on this server: ask its operator for an account")

// handleSignUpPage serves GET /signup.
func (s *Server) handleSignUpPage(w http.ResponseWriter, r *http.Request) {
	if s.signUpClosed {
		s.fail(w, r, errSignUpClosed)
		return
	}
	s.authForm(w, r, "signup", "", nil)
}

// handleSignUp serves POST /signup: a new account, signed in at once. Sign-ups are
// limited per address, and their password hash waits for the address's earlier ones and a
// slot of the gate. A sign-up whose hash did not come in time costs no try: people behind
// one router who sign up at the same moment try again in a moment. The try is held while
// the hash waits, so that the sign-up allowance bounds how many of an address wait.
func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request) {
	if s.signUpClosed {
		s.fail(w, r, errSignUpClosed)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	email := auth.NormalizeEmail(r.PostForm.Get("email"))
	pw := r.PostForm.Get("password")
	err := checkPassword(pw)
	if !auth.ValidEmail(email) {
		err = errBadEmail
	}
	var try *auth.Reservation
	if err == nil {
		try, err = reserveTry(s.signUps, errManySignUps, "ip:"+s.clientIP(r))
	}
	var hash string
	if err == nil {
		if hash, err = s.hashPassword(r, pw); err == errHashBusy {
			try.Refund()
		}
	}
	var u *auth.User
	if err == nil {
		u, err = s.accounts.CreateUser(r.Context(), email, hash)
	}
	if err == nil {
		_, err = s.startSession(w, r, u.ID, "")
	}
	if err != nil {
		s.authForm(w, r, "signup", email, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// errManySignUps answers an address that made too many accounts in a short time.
var errManySignUps = blueprint.Errorf(blueprint.ETOOMANY, "too many sign-ups from your network: wait a few minutes before trying again")

// handleSignInPage serves GET /signin.
func (s *Server) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	s.authForm(w, r, "signin", "", nil)
}

// errManySignIns answers an address or an e-mail with too many failed sign-ins.
var errManySignIns = blueprint.Errorf(blueprint.ETOOMANY, "too many failed sign-ins: wait a minute before trying again")

// errSignIn is the one answer to a wrong e-mail or password: it does not say which.
var errSignIn = blueprint.Errorf(blueprint.EUNAUTHORIZED, "wrong e-mail or password")

// handleSignIn serves POST /signin. An unknown e-mail and a wrong password answer the
// same, after the same work: the password is checked against a dummy hash when there is
// no account. Tries are limited per address and per e-mail: each takes its try before the
// password is checked, so that tries sent at once count even when they are refused before
// their turn, and a right password gives it back.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	email := auth.NormalizeEmail(r.PostForm.Get("email"))
	pw := r.PostForm.Get("password")
	if len(email) > auth.MaxEmailLen || len(pw) > auth.MaxPasswordLen {
		s.authForm(w, r, "signin", "", blueprint.Errorf(blueprint.EINVALID, "the e-mail or the password is too long"))
		return
	}
	try, err := reserveTry(s.limiter, errManySignIns, "ip:"+s.clientIP(r), "email:"+email)
	if err != nil {
		s.authForm(w, r, "signin", email, err)
		return
	}
	u, err := s.accounts.FindUserByEmail(r.Context(), email)
	encoded := s.hasher.Dummy()
	if err == nil {
		encoded = u.PasswordHash
	} else if blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	ok, verr := s.verifyPassword(r, encoded, pw)
	if verr != nil {
		s.authForm(w, r, "signin", email, verr)
		return
	}
	if err != nil || !ok {
		s.authForm(w, r, "signin", email, errSignIn)
		return
	}
	try.Refund()
	if _, err := s.startSession(w, r, u.ID, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, `\`) {
		return next
	}
	return "/"
}

// handleSignOut serves POST /signout.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if sess := sessionFrom(r); sess != nil {
		if err := s.accounts.DeleteSession(r.Context(), sess.TokenHash); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	clearSessionCookie(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signedIn returns the caller's session when it belongs to a user, else EUNAUTHORIZED.
func signedIn(r *http.Request) (*auth.Session, error) {
	sess := sessionFrom(r)
	if sess == nil || sess.UserID == "" {
		return nil, blueprint.Errorf(blueprint.EUNAUTHORIZED, "sign in first")
	}
	return sess, nil
}

// handlePasswordPage serves GET /account/password.
func (s *Server) handlePasswordPage(w http.ResponseWriter, r *http.Request) {
	if _, err := signedIn(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.authForm(w, r, "password", "", nil)
}

// handleChangePassword serves POST /account/password: the current password, then the new
// one. Every other session of the user ends. Tries of the current password are limited
// per address and per user, as sign-ins are.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	sess, err := signedIn(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	try, err := reserveTry(s.limiter, errManyPasswords, "ip:"+s.clientIP(r), "user:"+sess.UserID)
	if err != nil {
		s.authForm(w, r, "password", "", err)
		return
	}
	u, err := s.accounts.FindUser(r.Context(), sess.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	current, next := r.PostForm.Get("current"), r.PostForm.Get("password")
	if len(current) > auth.MaxPasswordLen {
		current = ""
	}
	ok, err := s.verifyPassword(r, u.PasswordHash, current)
	if err != nil {
		s.authForm(w, r, "password", "", err)
		return
	}
	if !ok {
		s.authForm(w, r, "password", "", blueprint.Errorf(blueprint.EUNAUTHORIZED, "the current password is wrong"))
		return
	}
	// The right password gives its try back, but only once the new one is hashed: the
	// try held bounds how many hashes of the address wait for the gate.
	defer try.Refund()
	if err := checkPassword(next); err != nil {
		s.authForm(w, r, "password", "", err)
		return
	}
	hash, err := s.hashPassword(r, next)
	if err != nil {
		s.authForm(w, r, "password", "", err)
		return
	}
	if err := s.accounts.SetPassword(r.Context(), u.ID, hash, sess.TokenHash); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
