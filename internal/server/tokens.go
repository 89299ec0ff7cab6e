package server

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// Tokens keeps personal API tokens. The Postgres store is one; tokens reach it hashed.
type Tokens interface {
	// CreateAPIToken stores a token of a user under its hash.
	CreateAPIToken(ctx context.Context, userID, name string, tokenHash []byte) (*auth.APIToken, error)
	// ListAPITokens returns a user's tokens, newest first.
	ListAPITokens(ctx context.Context, userID string) ([]*auth.APIToken, error)
	// RevokeAPIToken deletes a user's token. ENOTFOUND when the user has no such token.
	RevokeAPIToken(ctx context.Context, userID, tokenID string) error
	// FindAPIToken returns the token of a hash, without recording a use. ENOTFOUND when none.
	FindAPIToken(ctx context.Context, tokenHash []byte) (*auth.APIToken, error)
	// UseAPIToken returns the session a token stands for and records its use. ENOTFOUND
	// when no token has that hash.
	UseAPIToken(ctx context.Context, tokenHash []byte) (*auth.Session, error)
}

// errBadToken answers a bearer token that names no token: wrong, or revoked.
var errBadToken = blueprint.Errorf(blueprint.EUNAUTHORIZED, "this API token is not valid: it is wrong or was revoked")

// errNotBearer answers an Authorization header of another scheme than Bearer.
var errNotBearer = blueprint.Errorf(blueprint.EUNAUTHORIZED, "the Authorization header must be \"Bearer\" and a personal API token")

// bearer finds the person of a personal API token sent as "Authorization: Bearer" to an
// /api route, and puts the session it stands for on the context; the session cookie is
// then not read. A wrong or revoked token gets 401 and nothing else happens. It is called
// only for /api paths: on pages and forms the header is ignored, so a token can never
// post a form (which the cross-origin protection and the cookie's SameSite guard).
func (s *Server) bearer(w http.ResponseWriter, r *http.Request, next http.Handler, header string) {
	token := auth.BearerToken(header)
	if token == "" {
		s.fail(w, r, errNotBearer)
		return
	}
	if s.tokens == nil || len(token) > 100 {
		s.fail(w, r, errBadToken)
		return
	}
	sess, err := s.tokens.UseAPIToken(r.Context(), auth.HashToken(token))
	if err != nil {
		if blueprint.ErrorCode(err) == blueprint.ENOTFOUND {
			err = errBadToken
		}
		s.fail(w, r, err)
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, sess)))
}

// tokenName reads the name of a new token.
func tokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", blueprint.Errorf(blueprint.EINVALID, "give the token a name")
	case utf8.RuneCountInString(name) > auth.MaxTokenName:
		return "", blueprint.Errorf(blueprint.EINVALID, "the token's name is longer than %d characters", auth.MaxTokenName)
	}
	return name, nil
}

// createToken makes a token for the signed-in person of a browser session: a token
// cannot make another, so that a leaked token cannot outlive its revocation.
func (s *Server) createToken(r *http.Request, name string) (string, *auth.APIToken, error) {
	sess, err := signedIn(r)
	if err != nil {
		return "", nil, err
	}
	if sess.APIToken {
		return "", nil, blueprint.Errorf(blueprint.EFORBIDDEN, "an API token cannot make another: make it on the account page")
	}
	if name, err = tokenName(name); err != nil {
		return "", nil, err
	}
	token, hash := auth.NewAPIToken()
	t, err := s.tokens.CreateAPIToken(r.Context(), sess.UserID, name, hash)
	return token, t, err
}

// newTokenCookie holds a token just made, for the page that shows it once.
const (
	newTokenCookie = "lastmile_new_token"
	tokensPath     = "/account/tokens"
)

// handleTokensPage serves GET /account/tokens: the person's tokens, and the one just
// made, shown once (it comes in a cookie scoped to this page, which is cleared).
func (s *Server) handleTokensPage(w http.ResponseWriter, r *http.Request) {
	sess, err := signedIn(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var shown string
	if c, err := r.Cookie(newTokenCookie); err == nil && len(c.Value) < 100 {
		http.SetCookie(w, &http.Cookie{Name: newTokenCookie, Value: "", Path: tokensPath, MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
		// Only a token of this person is shown: the cookie could have been set by a
		// neighbouring site of the same domain.
		if t, err := s.tokens.FindAPIToken(r.Context(), auth.HashToken(c.Value)); err == nil && t.UserID == sess.UserID {
			shown = c.Value
		}
	}
	list, err := s.tokens.ListAPITokens(r.Context(), sess.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, web.Tokens(s.page(r, localizer(r).T("tokens.title")), list, shown))
}

// handleCreateTokenForm serves POST /account/tokens, then shows the token once.
func (s *Server) handleCreateTokenForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	token, _, err := s.createToken(r, r.PostForm.Get("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: newTokenCookie, Value: token, Path: tokensPath, MaxAge: 300,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, tokensPath, http.StatusSeeOther)
}

// handleRevokeTokenForm serves POST /account/tokens/{tokenID}/revoke.
func (s *Server) handleRevokeTokenForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.revokeToken(r); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, tokensPath, http.StatusSeeOther)
}

func (s *Server) revokeToken(r *http.Request) error {
	sess, err := signedIn(r)
	if err != nil {
		return err
	}
	return s.tokens.RevokeAPIToken(r.Context(), sess.UserID, chi.URLParam(r, "tokenID"))
}

// tokenJSON is a token as the API shows it; the token itself only in the answer that made it.
type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"`
}

func toTokenJSON(t *auth.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt}
}

// handleListTokens serves GET /api/tokens: the caller's tokens, without their values.
func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	sess, err := signedIn(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.tokens.ListAPITokens(r.Context(), sess.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]tokenJSON, len(list))
	for i, t := range list {
		out[i] = toTokenJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

// handleCreateToken serves POST /api/tokens with {"name": …}: 201 with the token, shown
// this once. Only a browser session may make a token.
func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	err := readJSON(w, r, MaxFormBody, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	token, t, err := s.createToken(r, req.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := toTokenJSON(t)
	out.Token = token
	writeJSON(w, http.StatusCreated, out)
}

// handleRevokeToken serves DELETE /api/tokens/{tokenID}: 204.
func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.revokeToken(r); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
