package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/websocket"

	"lastmile/internal/postgres/pgtest"
)

// browser is someone with cookies, talking to one or the other process.
type browser struct {
	t   *testing.T
	c   *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, c: c, jar: jar}
}

// do sends a request to base+path; a url.Values body is sent as a form, a string as JSON.
func (b *browser) do(method, base, path string, body any) (int, string) {
	b.t.Helper()
	var r io.Reader
	ctype := ""
	switch v := body.(type) {
	case url.Values:
		r, ctype = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	case string:
		r, ctype = strings.NewReader(v), "application/json"
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Close = true
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

// dial opens the board's websocket on the process at base with the browser's cookies (the
// cookie jar keys them by host, and both processes listen on 127.0.0.1) and waits for the
// welcome.
func (b *browser) dial(base, boardID string) *websocket.Conn {
	b.t.Helper()
	u, _ := url.Parse(base)
	h := http.Header{}
	for _, c := range b.jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	ws, res, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/boards/"+boardID+"/ws", h)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		b.t.Fatalf("dial %s: %v (status %d)", base, err, status)
	}
	b.t.Cleanup(func() { ws.Close() })
	if err := ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "revoketest", "seq": 0}); err != nil {
		b.t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			b.t.Fatalf("no welcome: %v", err)
		}
		if f["t"] == "welcome" {
			return ws
		}
	}
}

// closedWithin reads until ws ends and returns how long that took after start; it fails
// unless the close code is 1008.
func closedWithin(t *testing.T, ws *websocket.Conn, start time.Time) time.Duration {
	t.Helper()
	return closedWith(t, ws, start, websocket.ClosePolicyViolation)
}

// closedWith reads until ws ends and returns how long that took after start; it fails
// unless the close code is code.
func closedWith(t *testing.T, ws *websocket.Conn, start time.Time, code int) time.Duration {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var f map[string]any
		err := ws.ReadJSON(&f)
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, code) {
			t.Fatalf("socket ended with %v; want close %d", err, code)
		}
		return time.Since(start)
	}
}

// newLink makes a share link of role on the process at base, as the board's facilitator,
// and returns its address. Making it redirects to the page that shows it once.
func (b *browser) newLink(base, boardID, role string) *url.URL {
	b.t.Helper()
	status, _ := b.do("POST", base, "/boards/"+boardID+"/share", url.Values{"role": {role}})
	if status != http.StatusSeeOther {
		b.t.Fatalf("create link: %d", status)
	}
	status, body := b.do("GET", base, "/boards/"+boardID+"/share/new", nil)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if status != http.StatusOK || err != nil {
		b.t.Fatalf("page of the new link: %d", status)
	}
	link, err := url.Parse(doc.Find(`[data-testid="new-share-url"]`).AttrOr("value", ""))
	if err != nil || !strings.HasPrefix(link.Path, "/s/") {
		b.t.Fatalf("no new link on the page")
	}
	return link
}

// TestRevokeAcrossProcesses runs two processes on one database: access taken away on
// the first closes the sockets opened on the second, with 1008, promptly.
func TestRevokeAcrossProcesses(t *testing.T) {
	dsn := pgtest.NewURL(t)
	env := map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0"}
	a, b := "http://"+mustStart(t, env).addr, "http://"+mustStart(t, env).addr

	owner := newBrowser(t)
	if status, body := owner.do("POST", a, "/signup", url.Values{"email": {"owner@example.org"}, "password": {"correct horse battery"}}); status != http.StatusSeeOther {
		t.Fatalf("sign up: %d %s", status, body)
	}
	status, body := owner.do("POST", a, "/api/boards", `{"template":"service-blueprint"}`)
	var created struct{ ID string }
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &created) != nil {
		t.Fatalf("create board: %d %s", status, body)
	}
	board := created.ID

	t.Run("ShareLink", func(t *testing.T) {
		link := owner.newLink(a, board, "viewer")
		guest := newBrowser(t)
		if status, _ := guest.do("GET", b, link.Path, nil); status != http.StatusSeeOther {
			t.Fatalf("open the link on the second process: %d", status)
		}
		ws := guest.dial(b, board)

		var list struct{ Links []struct{ ID string } }
		_, body := owner.do("GET", a, "/api/boards/"+board+"/share", nil)
		if json.Unmarshal([]byte(body), &list) != nil || len(list.Links) != 1 {
			t.Fatalf("links: %s", body)
		}
		start := time.Now()
		if status, _ := owner.do("POST", a, "/boards/"+board+"/share/"+list.Links[0].ID+"/revoke", url.Values{}); status != http.StatusSeeOther {
			t.Fatalf("revoke on the first process: %d", status)
		}
		if d := closedWithin(t, ws, start); d > 2*time.Second {
			t.Fatalf("the second process closed the socket after %v; want within 2s", d)
		}
		if status, _ := guest.do("GET", b, "/boards/"+board, nil); status != http.StatusForbidden {
			t.Fatalf("board page on the second process after revocation: %d", status)
		}
	})

	// When a process loses the connection on which it hears revocations, it cannot know
	// what it missed: once it listens again, sockets that came through a link or a
	// membership reconnect (1012) and have their access checked again.
	t.Run("ListenerLost", func(t *testing.T) {
		link := owner.newLink(a, board, "editor")
		guest := newBrowser(t)
		if status, _ := guest.do("GET", b, link.Path, nil); status != http.StatusOK {
			t.Fatalf("open the link: %d", status)
		}
		if status, _ := guest.do("POST", b, link.Path, url.Values{"name": {"Grace"}}); status != http.StatusSeeOther {
			t.Fatalf("join: %d", status)
		}
		ws := guest.dial(b, board)
		start := time.Now()
		mustExecURL(t, dsn, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
		if d := closedWith(t, ws, start, websocket.CloseServiceRestart); d > 5*time.Second {
			t.Fatalf("the socket was closed after %v", d)
		}
		guest.dial(b, board) // access still valid: the reconnect is welcomed
	})

	t.Run("Member", func(t *testing.T) {
		ada := newBrowser(t)
		if status, _ := ada.do("POST", b, "/signup", url.Values{"email": {"ada@example.org"}, "password": {"correct horse battery"}}); status != http.StatusSeeOther {
			t.Fatalf("sign up: %d", status)
		}
		if status, _ := owner.do("POST", a, "/boards/"+board+"/members", url.Values{"email": {"ada@example.org"}, "role": {"editor"}}); status != http.StatusSeeOther {
			t.Fatalf("invite: %d", status)
		}
		ws := ada.dial(b, board)
		var list struct {
			Members []struct {
				UserID string `json:"user_id"`
				Email  string
			}
		}
		_, body := owner.do("GET", a, "/api/boards/"+board+"/members", nil)
		if json.Unmarshal([]byte(body), &list) != nil || len(list.Members) != 2 || list.Members[1].Email != "ada@example.org" {
			t.Fatalf("members: %s", body)
		}
		start := time.Now()
		if status, _ := owner.do("POST", a, "/boards/"+board+"/members/"+list.Members[1].UserID+"/role", url.Values{"role": {"viewer"}}); status != http.StatusSeeOther {
			t.Fatalf("new role on the first process: %d", status)
		}
		if d := closedWithin(t, ws, start); d > 2*time.Second {
			t.Fatalf("the second process closed the member's socket after %v; want within 2s", d)
		}
	})

	// A claimed board is no longer open to whoever has its address: sockets on the other
	// process close, to be reloaded.
	t.Run("Claim", func(t *testing.T) {
		maker := newBrowser(t)
		status, body := maker.do("POST", a, "/api/boards", `{"template":"blank"}`)
		var created struct{ ID string }
		if status != http.StatusCreated || json.Unmarshal([]byte(body), &created) != nil {
			t.Fatalf("create board: %d %s", status, body)
		}
		ws := newBrowser(t).dial(b, created.ID)
		if status, _ := maker.do("POST", a, "/signup", url.Values{"email": {"maker@example.org"}, "password": {"correct horse battery"}}); status != http.StatusSeeOther {
			t.Fatalf("sign up: %d", status)
		}
		start := time.Now()
		if status, body := maker.do("POST", a, "/api/boards/"+created.ID+"/claim", nil); status != http.StatusOK {
			t.Fatalf("claim: %d %s", status, body)
		}
		if d := closedWithin(t, ws, start); d > 2*time.Second {
			t.Fatalf("the second process closed the socket after %v; want within 2s", d)
		}
	})

	// Deleting a board ends every socket on it, on every process (the board is the
	// shared one of the other subtests, so this runs last).
	t.Run("Delete", func(t *testing.T) {
		link := owner.newLink(a, board, "viewer")
		guest := newBrowser(t)
		if status, _ := guest.do("GET", b, link.Path, nil); status != http.StatusSeeOther {
			t.Fatalf("open the link on the second process: %d", status)
		}
		ws := guest.dial(b, board)
		start := time.Now()
		if status, body := owner.do("DELETE", a, "/api/boards/"+board, nil); status != http.StatusNoContent {
			t.Fatalf("delete on the first process: %d %s", status, body)
		}
		if d := closedWithin(t, ws, start); d > 2*time.Second {
			t.Fatalf("the second process closed the socket after %v; want within 2s", d)
		}
		if status, _ := guest.do("GET", b, "/boards/"+board, nil); status != http.StatusNotFound {
			t.Fatalf("board page on the second process after the delete: %d", status)
		}
	})
}
