package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"

	"lastmile/internal/auth"
	"lastmile/internal/i18n"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
	"lastmile/internal/server"
)

// countingHasher is a fast argon2id hasher that counts verifications, and those made
// against the dummy hash.
type countingHasher struct {
	inner         *auth.Hasher
	verifies      atomic.Int64
	dummyVerifies atomic.Int64
}

func (h *countingHasher) Hash(pw string) string { return h.inner.Hash(pw) }
func (h *countingHasher) Dummy() string         { return h.inner.Dummy() }
func (h *countingHasher) Verify(enc, pw string) (bool, error) {
	h.verifies.Add(1)
	if enc == h.inner.Dummy() {
		h.dummyVerifies.Add(1)
	}
	return h.inner.Verify(enc, pw)
}

// authEnv is a server with accounts and a realtime hub over a fresh database.
type authEnv struct {
	url    string
	pool   *pgxpool.Pool
	store  *postgres.Store
	hasher *countingHasher
}

// setupAuth starts the server; opts change its configuration before it is built.
func setupAuth(t *testing.T, opts ...func(*server.Config)) *authEnv {
	t.Helper()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hub := realtime.NewHub(store, nil, log, nil, realtime.Options{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
	})
	h := &countingHasher{inner: &auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}}
	cfg := server.Config{
		Boards: store, Editor: hub, Catalog: i18n.MustCatalog(), Logger: log,
		Accounts: store, Hasher: h, Revoke: hub.Revoke, RevokeMember: hub.RevokeMember, CloseBoard: hub.CloseBoard,
		Live: func(ws *websocket.Conn, boardID string, who server.Participant) {
			hub.Serve(ws, boardID, realtime.Participant{Name: who.Name, Role: who.Role, CanEdit: who.CanEdit,
				CanComment: who.CanComment, By: who.By, Moderator: who.Moderator, GrantID: who.GrantID, UserID: who.UserID, Open: who.Open, AuthorizedAt: who.AuthorizedAt, Localize: who.Localize})
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := server.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &authEnv{url: ts.URL, pool: pool, store: store, hasher: h}
}

// person is a browser: a client with its own cookies that does not follow redirects.
type person struct {
	e   *authEnv
	c   *http.Client
	jar http.CookieJar
}

func (e *authEnv) person(t *testing.T) *person {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &person{e: e, c: c, jar: jar}
}

func (p *person) do(t *testing.T, method, path string, body io.Reader, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, p.e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := p.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: data}
}

func (p *person) form(t *testing.T, path string, v url.Values, header ...string) response {
	t.Helper()
	return p.do(t, http.MethodPost, path, strings.NewReader(v.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

func (p *person) cookieHeader() string {
	u, _ := url.Parse(p.e.url)
	var parts []string
	for _, c := range p.jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

const testPassword = "correct horse battery"

// mustSignUp makes an account and signs the person in.
func (p *person) mustSignUp(t *testing.T, email string) {
	t.Helper()
	r := p.form(t, "/signup", url.Values{"email": {email}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign up: %v", r)
	}
}

// mustBoard creates a board through the API as this person.
func (p *person) mustBoard(t *testing.T) string {
	t.Helper()
	r := p.do(t, http.MethodPost, "/api/boards", strings.NewReader(`{"template":"service-blueprint"}`), "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		t.Fatalf("create board: %v", r)
	}
	var c struct{ ID string }
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// mustLink makes a share link as the board's facilitator and returns its path /s/….
// The form redirects to the page that shows the new link once.
func (p *person) mustLink(t *testing.T, boardID string, v url.Values) string {
	t.Helper()
	r := p.form(t, "/boards/"+boardID+"/share", v)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/"+boardID+"/share/new" {
		t.Fatalf("create link: %v", r)
	}
	r = p.do(t, http.MethodGet, r.header.Get("Location"), nil)
	if r.status != http.StatusOK {
		t.Fatalf("page of the new link: %v", r)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	link, ok := doc.Find(`[data-testid="new-share-url"]`).Attr("value")
	if !ok {
		t.Fatalf("no new link on the page: %v", r)
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/s/") {
		t.Fatalf("link %q is not a share link", link)
	}
	return u.Path
}

// mustJoin exchanges a share link and checks that it lands on the board with the token
// gone from the address.
func (p *person) mustJoin(t *testing.T, path, boardID string, v url.Values) {
	t.Helper()
	r := p.do(t, http.MethodGet, path, nil)
	if r.status == http.StatusOK {
		r = p.form(t, path, v)
	}
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/"+boardID {
		t.Fatalf("join through %s: %v", path, r)
	}
}

func (e *authEnv) seq(t *testing.T, boardID string) int64 {
	t.Helper()
	b, err := e.store.FindBoard(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	return b.Seq
}

// members describes the board's members and their roles, in a stable order.
func (e *authEnv) members(t *testing.T, boardID string) string {
	t.Helper()
	list, err := e.store.ListMembers(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, m := range list {
		parts = append(parts, m.Email+"="+string(m.Role))
	}
	return strings.Join(parts, ",")
}

// dialWS opens the board's websocket as p and reads the welcome. It returns the HTTP
// status when the upgrade is refused.
func (p *person) dialWS(t *testing.T, boardID string) (*websocket.Conn, string, int) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(p.e.url, "http") + "/boards/" + boardID + "/ws"
	h := http.Header{}
	if c := p.cookieHeader(); c != "" {
		h.Set("Cookie", c)
	}
	ws, res, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		if res != nil {
			return nil, "", res.StatusCode
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	client := fmt.Sprintf("test%d", time.Now().UnixNano())
	if err := ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": client, "seq": 0}); err != nil {
		t.Fatal(err)
	}
	return ws, client, http.StatusSwitchingProtocols
}

// wsFrame reads frames until one of type typ (or the connection ends: then "").
func wsFrame(t *testing.T, ws *websocket.Conn, typ ...string) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return map[string]any{"t": "", "err": err.Error()}
		}
		for _, ty := range typ {
			if f["t"] == ty {
				return f
			}
		}
	}
}

func titleOp(boardID, key, title string) map[string]any {
	return map[string]any{"key": key, "op": "update", "type": "board", "id": boardID, "fields": map[string]any{"title": title}}
}

// TestRoleMatrix runs every action as every role: allowed ones succeed; refused ones
// answer 401/403 (or a nack on the websocket) and change nothing.
// roleAction is an action of the role matrix: what it needs, whether it writes an op, and
// how a person does it (whether it succeeded, and the status).
type roleAction struct {
	name   string
	needs  auth.Action
	writes bool
	do     func(t *testing.T, p *person, n int) (ok bool, status int)
}

func TestRoleMatrix(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)

	people := map[string]*person{"facilitator": owner}
	for _, role := range []string{"editor", "commenter", "viewer"} {
		link := owner.mustLink(t, board, url.Values{"role": {role}})
		p := e.person(t)
		p.mustJoin(t, link, board, url.Values{"name": {"Guest " + role}})
		people[role] = p
	}
	stranger := e.person(t)
	stranger.mustSignUp(t, "stranger@example.org")
	people["stranger"] = stranger
	people["anonymous"] = e.person(t)
	// The member actions work on these accounts: target is invited, kept has its role
	// changed and is removed.
	e.person(t).mustSignUp(t, "target@example.org")
	e.person(t).mustSignUp(t, "kept@example.org")
	kept, err := e.store.FindUserByEmail(context.Background(), "kept@example.org")
	if err != nil {
		t.Fatal(err)
	}
	mustMember := func(t *testing.T) {
		t.Helper()
		if err := e.store.AddMember(context.Background(), board, kept.ID, auth.Editor); err != nil {
			t.Fatal(err)
		}
	}

	allowed := map[string]map[auth.Action]bool{}
	for _, role := range []auth.Role{auth.Facilitator, auth.Editor, auth.Commenter, auth.Viewer} {
		allowed[string(role)] = map[auth.Action]bool{}
		for _, a := range []auth.Action{auth.View, auth.Comment, auth.Edit, auth.ManageLinks, auth.ManageMembers, auth.Facilitate, auth.SaveTemplate} {
			allowed[string(role)][a] = auth.Can(role, a)
		}
	}

	actions := []roleAction{
		{"BoardPage", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/boards/"+board, nil)
			return r.status == http.StatusOK, r.status
		}},
		{"ExportGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/api/boards/"+board, nil)
			return r.status == http.StatusOK, r.status
		}},
		{"OpLogGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/api/boards/"+board+"/ops", nil)
			return r.status == http.StatusOK, r.status
		}},
		{"HTMLForm", auth.Edit, true, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/title", url.Values{"title": {fmt.Sprintf("Form %d", n)}})
			return r.status == http.StatusSeeOther, r.status
		}},
		{"APIOps", auth.Edit, true, func(t *testing.T, p *person, n int) (bool, int) {
			body, _ := json.Marshal([]any{titleOp(board, fmt.Sprintf("api-%d", n), fmt.Sprintf("API %d", n))})
			r := p.do(t, http.MethodPost, "/api/boards/"+board+"/ops", strings.NewReader(string(body)), "Content-Type", "application/json")
			return r.status == http.StatusOK, r.status
		}},
		{"WebsocketOp", auth.Edit, true, func(t *testing.T, p *person, n int) (bool, int) {
			ws, client, status := p.dialWS(t, board)
			if ws == nil {
				return false, status
			}
			if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
				t.Fatalf("no welcome: %v", f)
			}
			key := client + ":1"
			if err := ws.WriteJSON(map[string]any{"t": "ops", "ops": []any{titleOp(board, key, fmt.Sprintf("WS %d", n))}}); err != nil {
				t.Fatal(err)
			}
			for {
				f := wsFrame(t, ws, "ops", "nack")
				switch f["t"] {
				case "nack":
					if f["key"] == key {
						if f["code"] != "forbidden" {
							t.Errorf("nack %v; want code forbidden", f)
						}
						return false, http.StatusForbidden
					}
				case "ops":
					for _, o := range f["ops"].([]any) {
						if o.(map[string]any)["op"].(map[string]any)["key"] == key {
							return true, http.StatusOK
						}
					}
				default:
					t.Fatalf("websocket ended: %v", f)
				}
			}
		}},
		{"LinkList", auth.ManageLinks, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/api/boards/"+board+"/share", nil)
			return r.status == http.StatusOK, r.status
		}},
		{"LinkCreate", auth.ManageLinks, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/share", url.Values{"role": {"viewer"}})
			return r.status == http.StatusSeeOther, r.status
		}},
		{"MemberList", auth.ManageMembers, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/api/boards/"+board+"/members", nil)
			return r.status == http.StatusOK, r.status
		}},
		{"MemberInvite", auth.ManageMembers, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/members", url.Values{"email": {"target@example.org"}, "role": {"viewer"}})
			return r.status == http.StatusSeeOther, r.status
		}},
		{"MemberRole", auth.ManageMembers, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/members/"+kept.ID+"/role", url.Values{"role": {"commenter"}})
			return r.status == http.StatusSeeOther, r.status
		}},
		{"MemberRemove", auth.ManageMembers, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/members/"+kept.ID+"/remove", nil)
			return r.status == http.StatusSeeOther, r.status
		}},
		{"TemplateSave", auth.SaveTemplate, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/template", url.Values{"name": {fmt.Sprintf("Template %d", n)}})
			return r.status == http.StatusSeeOther, r.status
		}},
	}
	actions = append(actions, annotationActions(t, e, board)...)
	actions = append(actions, analysisActions(board)...)
	actions = append(actions, facilitationActions(t, e, board, owner)...)
	actions = append(actions, followActions(e, board, owner)...)
	n := 0
	for _, role := range []string{"facilitator", "editor", "commenter", "viewer", "stranger", "anonymous"} {
		for _, a := range actions {
			t.Run(role+"/"+a.name, func(t *testing.T) {
				n++
				want := allowed[role][a.needs]
				mustMember(t)
				before := e.seq(t, board)
				membersBefore := e.members(t, board)
				ok, status := a.do(t, people[role], n)
				if ok != want {
					t.Fatalf("%s %s: succeeded=%v (status %d); want %v", role, a.name, ok, status, want)
				}
				if !want {
					if status != http.StatusForbidden && status != http.StatusUnauthorized {
						t.Errorf("status %d; want 401 or 403", status)
					}
					if after := e.seq(t, board); after != before {
						t.Errorf("a refused %s changed the board: seq %d → %d", a.name, before, after)
					}
					if after := e.members(t, board); after != membersBefore {
						t.Errorf("a refused %s changed the members: %s → %s", a.name, membersBefore, after)
					}
				} else if a.writes && e.seq(t, board) != before+1 {
					t.Errorf("an allowed %s did not apply one op", a.name)
				}
			})
		}
	}
}

// TestBoardList checks that the lists of boards show a restricted board only to those
// who may see it, and an unlisted board only to the browser that made it.
func TestBoardList(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	private := owner.mustBoard(t)
	maker := e.person(t)
	unlisted := maker.mustBoard(t)
	for _, tc := range []struct {
		name string
		p    *person
		want []string
	}{
		{"Owner", owner, []string{private}},
		{"Maker", maker, []string{unlisted}},
		{"Anonymous", e.person(t), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.p.do(t, http.MethodGet, "/api/boards", nil)
			var list struct{ Boards []struct{ ID string } }
			if err := json.Unmarshal(r.body, &list); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range list.Boards {
				got = append(got, b.ID)
			}
			if !sameSet(got, tc.want) {
				t.Fatalf("boards %v; want %v", got, tc.want)
			}
			home := string(tc.p.do(t, http.MethodGet, "/", nil).body)
			for _, b := range []string{private, unlisted} {
				if shown, want := strings.Contains(home, b), slices.Contains(tc.want, b); shown != want {
					t.Fatalf("the home page shows board %s: %v; want %v", b, shown, want)
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// TestOpenBoards checks that a board created without a signed-in user is open to anyone
// who has its address.
func TestOpenBoards(t *testing.T) {
	e := setupAuth(t)
	anon := e.person(t)
	board := anon.mustBoard(t)
	other := e.person(t)
	if r := other.form(t, "/boards/"+board+"/title", url.Values{"title": {"Open"}}); r.status != http.StatusSeeOther {
		t.Fatalf("editing an open board: %v", r)
	}
	if r := other.do(t, http.MethodGet, "/api/boards/"+board+"/share", nil); r.status != http.StatusForbidden {
		t.Fatalf("listing the links of an open board: %v; want 403", r)
	}
}

// TestRevokedLink checks that revoking a link ends access at once, open sockets included,
// and that an expired link does not let anyone in.
func TestRevokedLink(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	link := owner.mustLink(t, board, url.Values{"role": {"editor"}, "label": {"workshop"}})
	guest := e.person(t)
	guest.mustJoin(t, link, board, url.Values{"name": {"Ada"}})

	ws, _, _ := guest.dialWS(t, board)
	if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
		t.Fatalf("no welcome: %v", f)
	}

	r := owner.do(t, http.MethodGet, "/api/boards/"+board+"/share", nil)
	var list struct{ Links []struct{ ID string } }
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Links) != 1 {
		t.Fatalf("links: %v", r)
	}
	if r := owner.form(t, "/boards/"+board+"/share/"+list.Links[0].ID+"/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %v", r)
	}

	t.Run("SocketClosed", func(t *testing.T) {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			var f map[string]any
			err := ws.ReadJSON(&f)
			if err == nil {
				continue
			}
			if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
				t.Fatalf("socket ended with %v; want close 1008", err)
			}
			return
		}
	})
	t.Run("RequestsRefused", func(t *testing.T) {
		if r := guest.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusForbidden {
			t.Fatalf("board page after revocation: %v", r)
		}
		if r := guest.form(t, "/boards/"+board+"/title", url.Values{"title": {"x"}}); r.status != http.StatusForbidden {
			t.Fatalf("form after revocation: %v", r)
		}
		if _, _, status := guest.dialWS(t, board); status != http.StatusForbidden {
			t.Fatalf("websocket after revocation: %d", status)
		}
	})
	t.Run("AnonymousGetsSignIn", func(t *testing.T) {
		r := e.person(t).do(t, http.MethodGet, "/boards/"+board, nil)
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "/signin?next=%2Fboards%2F"+board) {
			t.Fatalf("private board, no session: %v; want 401 with a sign-in link", r)
		}
		p := e.person(t)
		r = p.form(t, "/signin", url.Values{"email": {"owner@example.org"}, "password": {testPassword}, "next": {"/boards/" + board}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/"+board {
			t.Fatalf("sign in with next: %v", r)
		}
		r = e.person(t).form(t, "/signin", url.Values{"email": {"owner@example.org"}, "password": {testPassword}, "next": {"//evil.example"}})
		if r.header.Get("Location") != "/" {
			t.Fatalf("sign in with an off-site next went to %q", r.header.Get("Location"))
		}
	})
	t.Run("LinkRefused", func(t *testing.T) {
		if r := e.person(t).do(t, http.MethodGet, link, nil); r.status != http.StatusNotFound {
			t.Fatalf("revoked link: %v", r)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		expired := owner.mustLink(t, board, url.Values{"role": {"viewer"}, "days": {"1"}})
		if _, err := e.store.FindLink(context.Background(), auth.HashToken(strings.TrimPrefix(expired, "/s/"))); err != nil {
			t.Fatal(err)
		}
		viewer := e.person(t)
		viewer.mustJoin(t, expired, board, nil)
		if r := viewer.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusOK {
			t.Fatalf("before expiry: %v", r)
		}
		expireLinks(t, e, board)
		if r := viewer.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusForbidden {
			t.Fatalf("after expiry: %v", r)
		}
		if r := e.person(t).do(t, http.MethodGet, expired, nil); r.status != http.StatusNotFound {
			t.Fatalf("expired link: %v", r)
		}
	})
}

// TestCrossOriginForm checks that a form posted from another site is refused and
// changes nothing, while the same form from the site itself goes through.
func TestCrossOriginForm(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	before := e.seq(t, board)
	r := owner.form(t, "/boards/"+board+"/title", url.Values{"title": {"Hijacked"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-site form: %v; want 403", r)
	}
	r = owner.form(t, "/boards/"+board+"/title", url.Values{"title": {"Hijacked"}}, "Origin", "https://evil.example")
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-origin form without Sec-Fetch-Site: %v; want 403", r)
	}
	if e.seq(t, board) != before {
		t.Fatal("a cross-origin form changed the board")
	}
	if r := owner.form(t, "/boards/"+board+"/title", url.Values{"title": {"Fine"}}, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin form: %v", r)
	}
}

// TestSignIn covers sign-in, sign-out, the equal work of unknown e-mail and wrong
// password, the limit on wrong passwords, and changing the password.
func TestSignIn(t *testing.T) {
	e := setupAuth(t)
	p := e.person(t)
	p.mustSignUp(t, "ada@example.org")

	t.Run("SignOutIn", func(t *testing.T) {
		if r := p.form(t, "/signout", nil); r.status != http.StatusSeeOther {
			t.Fatalf("sign out: %v", r)
		}
		if r := p.form(t, "/signin", url.Values{"email": {"ADA@example.org "}, "password": {testPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in: %v", r)
		}
		for _, c := range p.jar.Cookies(mustURL(t, e.url)) {
			if c.Name == "lastmile_session" && len(c.Value) < 40 {
				t.Fatalf("session token %q is too short", c.Value)
			}
		}
	})
	t.Run("CookieFlags", func(t *testing.T) {
		r := e.person(t).form(t, "/signin", url.Values{"email": {"ada@example.org"}, "password": {testPassword}}, "X-Forwarded-Proto", "https")
		c := r.header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Secure"} {
			if !strings.Contains(c, want) {
				t.Errorf("Set-Cookie %q lacks %s", c, want)
			}
		}
	})
	t.Run("SameWork", func(t *testing.T) {
		q := e.person(t)
		v0, d0 := e.hasher.verifies.Load(), e.hasher.dummyVerifies.Load()
		unknown := q.form(t, "/signin", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password!"}})
		v1, d1 := e.hasher.verifies.Load(), e.hasher.dummyVerifies.Load()
		wrong := q.form(t, "/signin", url.Values{"email": {"ada@example.org"}, "password": {"wrong password!"}})
		v2, d2 := e.hasher.verifies.Load(), e.hasher.dummyVerifies.Load()
		if v1-v0 != 1 || d1-d0 != 1 {
			t.Errorf("unknown e-mail: %d verifications (%d against the dummy); want 1 (1)", v1-v0, d1-d0)
		}
		if v2-v1 != 1 || d2-d1 != 0 {
			t.Errorf("wrong password: %d verifications (%d against the dummy); want 1 (0)", v2-v1, d2-d1)
		}
		if unknown.status != http.StatusUnauthorized || wrong.status != http.StatusUnauthorized {
			t.Errorf("statuses %d and %d; want 401 for both", unknown.status, wrong.status)
		}
		msg := func(r response) string {
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(r.body)))
			return doc.Find(`[data-testid="error"]`).Text()
		}
		if msg(unknown) != msg(wrong) {
			t.Errorf("messages differ: %q vs %q", msg(unknown), msg(wrong))
		}
	})
	t.Run("TenWrongPasswords", func(t *testing.T) {
		e := setupAuth(t)
		p := e.person(t)
		p.mustSignUp(t, "bob@example.org")
		for i := range auth.DefaultBurst {
			if r := p.form(t, "/signin", url.Values{"email": {"bob@example.org"}, "password": {"wrong password!"}}); r.status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %v", i+1, r)
			}
		}
		r := p.form(t, "/signin", url.Values{"email": {"bob@example.org"}, "password": {testPassword}})
		if r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "too many failed sign-ins") {
			t.Fatalf("after ten wrong passwords: %v; want 429 with a message", r)
		}
		if after, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || after < 1 || after > 30 {
			t.Fatalf("Retry-After %q; want the seconds until the next try (1 to 30)", r.header.Get("Retry-After"))
		}
	})
	t.Run("ChangePassword", func(t *testing.T) {
		other := e.person(t)
		if r := other.form(t, "/signin", url.Values{"email": {"ada@example.org"}, "password": {testPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("second sign in: %v", r)
		}
		if r := p.form(t, "/account/password", url.Values{"current": {"not it at all"}, "password": {"a new long password"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong current password: %v", r)
		}
		if r := p.form(t, "/account/password", url.Values{"current": {testPassword}, "password": {"a new long password"}}); r.status != http.StatusSeeOther {
			t.Fatalf("change password: %v", r)
		}
		if r := other.do(t, http.MethodGet, "/account/password", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("the other session survived the change: %v", r)
		}
		if r := e.person(t).form(t, "/signin", url.Values{"email": {"ada@example.org"}, "password": {"a new long password"}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in with the new password: %v", r)
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// expireLinks moves the expiry of the board's links with one into the past.
func expireLinks(t *testing.T, e *authEnv, boardID string) {
	t.Helper()
	_, err := e.pool.Exec(context.Background(),
		`UPDATE share_links SET expires_at = now() - interval '1 second' WHERE board_id = $1 AND expires_at IS NOT NULL`, boardID)
	if err != nil {
		t.Fatal(err)
	}
}
