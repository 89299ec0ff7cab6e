package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"lastmile/internal/auth"
	"lastmile/internal/server"
)

// lockedBuffer is a log sink the server's goroutines write to at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mustToken makes a personal API token on the account page, as a browser does, and
// returns it as the page shows it, once.
func (p *person) mustToken(t *testing.T, name string) string {
	t.Helper()
	r := p.form(t, "/account/tokens", url.Values{"name": {name}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/account/tokens" {
		t.Fatalf("make a token: %v", r)
	}
	page := p.do(t, http.MethodGet, "/account/tokens", nil)
	m := regexp.MustCompile(`value="(lmt_[A-Za-z0-9_-]+)"`).FindStringSubmatch(string(page.body))
	if page.status != http.StatusOK || m == nil {
		t.Fatalf("the token page shows no new token: %v", page)
	}
	if again := p.do(t, http.MethodGet, "/account/tokens", nil); strings.Contains(string(again.body), m[1]) {
		t.Fatal("the token is shown a second time")
	}
	return m[1]
}

// bearer sends a request with a token and no cookie.
func (e *authEnv) bearer(t *testing.T, token, method, path string, body string) response {
	t.Helper()
	p := e.person(t)
	var header []string
	if body != "" {
		header = []string{"Content-Type", "application/json"}
	}
	if strings.HasPrefix(path, "/boards/") {
		header = []string{"Content-Type", "application/x-www-form-urlencoded"}
	}
	return p.do(t, method, path, strings.NewReader(body), append(header, "Authorization", "Bearer "+token)...)
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	e := setupAuth(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	roles := map[string]string{"facilitator": owner.mustToken(t, "owner's script")}
	for _, role := range []auth.Role{auth.Editor, auth.Commenter, auth.Viewer} {
		p := e.person(t)
		email := string(role) + "@example.org"
		p.mustSignUp(t, email)
		u, err := e.store.FindUserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.AddMember(context.Background(), board, u.ID, role); err != nil {
			t.Fatal(err)
		}
		roles[string(role)] = p.mustToken(t, "tool of "+string(role))
	}
	stranger := e.person(t)
	stranger.mustSignUp(t, "stranger@example.org")
	roles["stranger"] = stranger.mustToken(t, "stranger's tool")

	t.Run("ActsAsItsOwner", func(t *testing.T) {
		for role, token := range roles {
			can := func(a auth.Action) bool { return role != "stranger" && auth.Can(auth.Role(role), a) }
			n := 0
			check := func(what string, a auth.Action, r response, ok int) {
				t.Helper()
				want := ok
				if !can(a) {
					want = http.StatusForbidden
				}
				if r.status != want {
					t.Errorf("%s with the token of %s: %d, want %d: %s", what, role, r.status, want, truncate(string(r.body), 200))
				}
			}
			check("GET board", auth.View, e.bearer(t, token, http.MethodGet, "/api/boards/"+board, ""), http.StatusOK)
			check("GET ops", auth.View, e.bearer(t, token, http.MethodGet, "/api/boards/"+board+"/ops", ""), http.StatusOK)
			n++
			ops, _ := json.Marshal([]any{titleOp(board, fmt.Sprintf("tok-%s-%d", role, n), "Title by "+role)})
			check("POST ops", auth.Edit, e.bearer(t, token, http.MethodPost, "/api/boards/"+board+"/ops", string(ops)), http.StatusOK)
			check("GET members", auth.ManageMembers, e.bearer(t, token, http.MethodGet, "/api/boards/"+board+"/members", ""), http.StatusOK)
		}
		r := e.bearer(t, roles["editor"], http.MethodGet, "/api/boards", "")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), board) {
			t.Errorf("the editor's token does not list the board: %v", r)
		}
		r = e.bearer(t, roles["stranger"], http.MethodGet, "/api/boards", "")
		if r.status != http.StatusOK || strings.Contains(string(r.body), board) {
			t.Errorf("the stranger's token lists the board: %v", r)
		}
	})

	t.Run("WrongToken", func(t *testing.T) {
		for _, header := range []string{"Bearer lmt_nope", "Bearer " + roles["editor"] + "x", "Basic " + roles["editor"], "Bearer "} {
			r := e.person(t).do(t, http.MethodGet, "/api/boards/"+board, nil, "Authorization", header)
			wantAPIError(t, r, http.StatusUnauthorized)
		}
	})

	t.Run("NotForForms", func(t *testing.T) {
		before := e.seq(t, board)
		r := e.bearer(t, roles["facilitator"], http.MethodPost, "/boards/"+board+"/title", url.Values{"title": {"By form"}}.Encode())
		if r.status != http.StatusUnauthorized {
			t.Errorf("a form posted with a token: %v, want 401", r)
		}
		if r := e.bearer(t, roles["facilitator"], http.MethodGet, "/boards/"+board, ""); r.status != http.StatusUnauthorized {
			t.Errorf("a page read with a token: %d, want 401", r.status)
		}
		if e.seq(t, board) != before {
			t.Error("the form changed the board")
		}
	})

	t.Run("TokenCannotMakeTokens", func(t *testing.T) {
		r := e.bearer(t, roles["editor"], http.MethodPost, "/api/tokens", `{"name":"child"}`)
		wantAPIError(t, r, http.StatusForbidden)
	})

	t.Run("Revoked", func(t *testing.T) {
		p := e.person(t)
		p.mustSignUp(t, "revoker@example.org")
		r := p.do(t, http.MethodPost, "/api/tokens", strings.NewReader(`{"name":"short-lived"}`), "Content-Type", "application/json")
		var made struct{ ID, Token string }
		if r.status != http.StatusCreated || json.Unmarshal(r.body, &made) != nil || made.Token == "" {
			t.Fatalf("POST /api/tokens: %v", r)
		}
		if r := e.bearer(t, made.Token, http.MethodGet, "/api/tokens", ""); r.status != http.StatusOK ||
			!strings.Contains(string(r.body), made.ID) || strings.Contains(string(r.body), made.Token) {
			t.Fatalf("GET /api/tokens: %v", r)
		}
		if r := e.bearer(t, roles["editor"], http.MethodDelete, "/api/tokens/"+made.ID, ""); r.status != http.StatusNotFound {
			t.Errorf("someone else revoked the token: %v", r)
		}
		if r := p.form(t, "/account/tokens/"+made.ID+"/revoke", nil); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %v", r)
		}
		wantAPIError(t, e.bearer(t, made.Token, http.MethodGet, "/api/boards", ""), http.StatusUnauthorized)
	})

	t.Run("NeverLogged", func(t *testing.T) {
		out := logs.String()
		if !strings.Contains(out, "/api/boards/{boardID}") {
			t.Fatalf("the requests were not logged: %.300s", out)
		}
		for role, token := range roles {
			if strings.Contains(out, token) || strings.Contains(out, token[len(auth.TokenPrefix):]) {
				t.Errorf("the token of %s is in the log", role)
			}
		}
	})
}
