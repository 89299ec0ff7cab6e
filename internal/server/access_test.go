package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/websocket"

	"lastmile/internal/server"
)

// find parses an HTML page and returns the selection of css.
func find(t *testing.T, r response, css string) *goquery.Selection {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("template").Remove() // not part of the page, as a browser's selectors see it
	return doc.Find(css)
}

// listed returns the ids of the boards GET /api/boards lists to p.
func (p *person) listed(t *testing.T) []string {
	t.Helper()
	r := p.do(t, http.MethodGet, "/api/boards", nil)
	var list struct{ Boards []struct{ ID string } }
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("%v: %v", r, err)
	}
	var ids []string
	for _, b := range list.Boards {
		ids = append(ids, b.ID)
	}
	return ids
}

// mustFormBoard makes a board through the home page's form and returns its id.
func (p *person) mustFormBoard(t *testing.T) string {
	t.Helper()
	r := p.form(t, "/boards", url.Values{"template": {"journey-map"}})
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/boards/") {
		t.Fatalf("create board: %v", r)
	}
	return strings.TrimPrefix(loc, "/boards/")
}

// closeOf reads from ws until it closes and returns the close code (0 if it ended
// otherwise, or timed out).
func closeOf(ws *websocket.Conn) int {
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			return 0
		}
	}
}

// TestUnlistedBoard follows a board made without an account: listed only to the browser
// that made it, open to whoever has its address, claimed by its maker once signed up, and
// then restricted to its members.
func TestUnlistedBoard(t *testing.T) {
	e := setupAuth(t)
	maker, other := e.person(t), e.person(t)
	board := maker.mustFormBoard(t)

	if got := maker.listed(t); len(got) != 1 || got[0] != board {
		t.Fatalf("the maker's list: %v; want only %s", got, board)
	}
	if got := other.listed(t); len(got) != 0 {
		t.Fatalf("someone else's list: %v; want nothing", got)
	}
	page := other.do(t, http.MethodGet, "/boards/"+board, nil)
	if page.status != http.StatusOK || find(t, page, `[data-testid="unlisted-notice"]`).Length() != 1 {
		t.Fatalf("someone with the address opens the board and is told it is unlisted: %v", page)
	}
	if find(t, page, `[data-testid="claim"], [data-testid="claim-signin"], [data-testid="delete-board"]`).Length() != 0 {
		t.Fatal("someone else is offered to claim or delete the board")
	}
	if r := other.form(t, "/boards/"+board+"/title", url.Values{"title": {"Edited by the address"}}); r.status != http.StatusSeeOther {
		t.Fatalf("someone with the address edits: %v", r)
	}
	if r := maker.do(t, http.MethodGet, "/boards/"+board, nil); find(t, r, `[data-testid="claim-signin"]`).Length() != 1 {
		t.Fatal("the maker, not signed in, is not offered to sign in to claim the board")
	}

	// Someone else cannot claim it, signed in or not.
	if r := other.do(t, http.MethodPost, "/api/boards/"+board+"/claim", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("claim without an account: %v; want 401", r)
	}
	other.mustSignUp(t, "other@example.org")
	if r := other.do(t, http.MethodPost, "/api/boards/"+board+"/claim", nil); r.status != http.StatusForbidden {
		t.Fatalf("claim by someone else: %v; want 403", r)
	}
	if got := e.members(t, board); got != "" {
		t.Fatalf("a refused claim made members: %s", got)
	}

	// A third person follows the board live; the claim closes the socket for a new check.
	follower := e.person(t)
	ws, _, status := follower.dialWS(t, board)
	if ws == nil {
		t.Fatalf("websocket: %d", status)
	}
	if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
		t.Fatalf("no welcome: %v", f)
	}

	// Someone with the address upgrades a socket before the claim and says hello after it.
	held := e.person(t).upgradeOnly(t, board)

	// The maker signs up in the same browser: the board stays listed, and can be claimed.
	maker.mustSignUp(t, "maker@example.org")
	if got := maker.listed(t); len(got) != 1 || got[0] != board {
		t.Fatalf("after signing up, the maker's list: %v; want %s", got, board)
	}
	r := maker.do(t, http.MethodGet, "/boards/"+board, nil)
	if find(t, r, `[data-testid="claim"]`).Length() != 1 {
		t.Fatal("the signed-in maker is not offered to claim the board")
	}
	if r := maker.form(t, "/boards/"+board+"/claim", nil); r.status != http.StatusSeeOther {
		t.Fatalf("claim: %v", r)
	}
	if got := e.members(t, board); got != "maker@example.org=facilitator" {
		t.Fatalf("members after the claim: %s", got)
	}
	if code := closeOf(ws); code != websocket.ClosePolicyViolation {
		t.Fatalf("the follower's socket closed with %d; want 1008", code)
	}
	if err := held.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "held", "seq": 0}); err != nil {
		t.Fatal(err)
	}
	if code := closeOf(held); code != websocket.ClosePolicyViolation {
		t.Fatalf("a socket upgraded before the claim and joining after it closed with %d; want 1008", code)
	}
	if _, _, status := follower.dialWS(t, board); status != http.StatusUnauthorized {
		t.Fatalf("the follower reconnects: %d; want 401", status)
	}
	for _, p := range []*person{other, e.person(t)} {
		if r := p.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusForbidden && r.status != http.StatusUnauthorized {
			t.Fatalf("after the claim, someone else opens the board: %v", r)
		}
	}
	if r := maker.do(t, http.MethodPost, "/api/boards/"+board+"/claim", nil); r.status != http.StatusForbidden {
		t.Fatalf("claiming twice: %v; want 403", r)
	}
}

// upgradeOnly opens the board's websocket as p without saying hello: authorised, not yet
// in the room.
func (p *person) upgradeOnly(t *testing.T, boardID string) *websocket.Conn {
	t.Helper()
	h := http.Header{}
	if c := p.cookieHeader(); c != "" {
		h.Set("Cookie", c)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(p.e.url, "http")+"/boards/"+boardID+"/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// TestSignOutForgetsUnlistedBoards checks that an unlisted board stays listed only while
// the session that made it lives.
func TestSignOutForgetsUnlistedBoards(t *testing.T) {
	e := setupAuth(t)
	maker := e.person(t)
	board := maker.mustBoard(t)
	maker.mustSignUp(t, "maker@example.org")
	if r := maker.form(t, "/signout", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %v", r)
	}
	if got := maker.listed(t); len(got) != 0 {
		t.Fatalf("after signing out, the list: %v; want nothing", got)
	}
	if r := maker.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusOK {
		t.Fatalf("the address still opens the board: %v", r)
	}
}

// TestAccountRequired checks the operator setting that makes boards for accounts only.
func TestAccountRequired(t *testing.T) {
	e := setupAuth(t, func(c *server.Config) { c.AccountRequired = true })
	anon := e.person(t)
	if r := anon.form(t, "/boards", url.Values{"template": {"blank"}}); r.status != http.StatusUnauthorized {
		t.Fatalf("form without an account: %v; want 401", r)
	}
	if r := anon.do(t, http.MethodPost, "/api/boards", strings.NewReader(`{"template":"blank"}`)); r.status != http.StatusUnauthorized {
		t.Fatalf("API without an account: %v; want 401", r)
	}
	home := anon.do(t, http.MethodGet, "/", nil)
	if find(t, home, `[data-testid="account-required"]`).Length() != 1 || find(t, home, `[data-testid="new-board-form"]`).Length() != 0 {
		t.Fatal("the home page offers the form to someone who may not use it")
	}
	if n, err := e.store.ListBoards(context.Background()); err != nil || len(n) != 0 {
		t.Fatalf("boards after refused creations: %v, %v", n, err)
	}
	anon.mustSignUp(t, "member@example.org")
	board := anon.mustBoard(t)
	if got := e.members(t, board); got != "member@example.org=facilitator" {
		t.Fatalf("members: %s", got)
	}
}

// TestBoardCreationLimit checks that one address cannot make boards without limit.
func TestBoardCreationLimit(t *testing.T) {
	e := setupAuth(t)
	p := e.person(t)
	var refused response
	made := 0
	for range 40 {
		r := p.do(t, http.MethodPost, "/api/boards", strings.NewReader(`{"template":"blank"}`))
		if r.status != http.StatusCreated {
			refused = r
			break
		}
		made++
	}
	if refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") == "" {
		t.Fatalf("after %d boards: %v; want 429 with Retry-After", made, refused)
	}
	if made < 10 {
		t.Fatalf("only %d boards before the limit", made)
	}
}

// TestDeleteBoard checks that the owner, and only the owner, deletes a board after a
// confirmation, and that its links and live sockets end at once.
func TestDeleteBoard(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	link := owner.mustLink(t, board, url.Values{"role": {"editor"}})
	guest := e.person(t)
	guest.mustJoin(t, link, board, url.Values{"name": {"Ada"}})
	ws, _, status := guest.dialWS(t, board)
	if ws == nil {
		t.Fatalf("websocket: %d", status)
	}
	if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
		t.Fatalf("no welcome: %v", f)
	}

	t.Run("ErrForbidden", func(t *testing.T) {
		if r := guest.do(t, http.MethodGet, "/boards/"+board+"/delete", nil); r.status != http.StatusForbidden {
			t.Errorf("an editor opens the confirmation: %v", r)
		}
		if r := guest.form(t, "/boards/"+board+"/delete", nil); r.status != http.StatusForbidden {
			t.Errorf("an editor deletes: %v", r)
		}
		if r := e.person(t).do(t, http.MethodDelete, "/api/boards/"+board, nil); r.status != http.StatusUnauthorized {
			t.Errorf("a stranger deletes: %v", r)
		}
		if r := guest.do(t, http.MethodGet, "/boards/"+board, nil); find(t, r, `[data-testid="delete-board"]`).Length() != 0 {
			t.Error("an editor is offered to delete the board")
		}
		if _, err := e.store.FindBoard(context.Background(), board); err != nil {
			t.Fatalf("the board is gone after refused deletes: %v", err)
		}
	})

	page := owner.do(t, http.MethodGet, "/boards/"+board, nil)
	if find(t, page, `[data-testid="delete-board"]`).Length() != 1 {
		t.Fatal("the owner is not offered to delete the board")
	}
	confirm := owner.do(t, http.MethodGet, "/boards/"+board+"/delete", nil)
	if confirm.status != http.StatusOK || find(t, confirm, `[data-testid="delete-confirm-button"]`).Length() != 1 {
		t.Fatalf("confirmation page: %v", confirm)
	}
	r := owner.form(t, "/boards/"+board+"/delete", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/?deleted=1" {
		t.Fatalf("delete: %v", r)
	}
	if code := closeOf(ws); code != websocket.ClosePolicyViolation {
		t.Fatalf("the guest's socket closed with %d; want 1008", code)
	}
	if r := owner.do(t, http.MethodGet, "/boards/"+board, nil); r.status != http.StatusNotFound {
		t.Fatalf("the deleted board: %v; want 404", r)
	}
	if r := e.person(t).do(t, http.MethodGet, link, nil); r.status != http.StatusNotFound {
		t.Fatalf("the deleted board's share link: %v; want 404", r)
	}
	if got := owner.listed(t); len(got) != 0 {
		t.Fatalf("the owner's list after the delete: %v", got)
	}
	if home := owner.do(t, http.MethodGet, "/?deleted=1", nil); find(t, home, `[data-testid="notice"]`).Length() != 1 {
		t.Fatal("the home page does not say that the board was deleted")
	}

	t.Run("Unlisted", func(t *testing.T) {
		maker, other := e.person(t), e.person(t)
		board := maker.mustBoard(t)
		if r := other.do(t, http.MethodDelete, "/api/boards/"+board, nil); r.status != http.StatusForbidden {
			t.Fatalf("someone with the address deletes: %v; want 403", r)
		}
		if r := maker.do(t, http.MethodDelete, "/api/boards/"+board, nil); r.status != http.StatusNoContent {
			t.Fatalf("the maker deletes: %v; want 204", r)
		}
		if r := maker.do(t, http.MethodGet, "/api/boards/"+board, nil); r.status != http.StatusNotFound {
			t.Fatalf("the deleted board: %v", r)
		}
	})
}

// blockingHasher hashes only when let through, and counts the hashes running at once,
// in all and of each password. With only set, other passwords than only are hashed at
// once, uncounted.
type blockingHasher struct {
	*countingHasher
	let     chan struct{}
	only    string
	running atomic.Int64
	most    atomic.Int64

	mu        sync.Mutex
	of        map[string]int // hashes of each password running
	mostOfOne int            // the most hashes of one password that ran at once
	once      sync.Once
}

// letAll lets every hash through, from now on.
func (h *blockingHasher) letAll() { h.once.Do(func() { close(h.let) }) }

func (h *blockingHasher) Hash(pw string) string {
	if h.only != "" && pw != h.only {
		return h.countingHasher.Hash(pw)
	}
	n := h.running.Add(1)
	for m := h.most.Load(); n > m && !h.most.CompareAndSwap(m, n); m = h.most.Load() {
	}
	h.mu.Lock()
	if h.of == nil {
		h.of = map[string]int{}
	}
	h.of[pw]++
	h.mostOfOne = max(h.mostOfOne, h.of[pw])
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.of[pw]--
		h.mu.Unlock()
		h.running.Add(-1)
	}()
	<-h.let
	return h.countingHasher.Hash(pw)
}

// letOne lets one hash through, once one has begun.
func (h *blockingHasher) letOne(t *testing.T) {
	t.Helper()
	select {
	case h.let <- struct{}{}:
	case <-time.After(20 * time.Second):
		t.Fatalf("no hash to let through after 20 s (%d running)", h.running.Load())
	}
}

// TestSignUpBounds checks that sign-ups are limited per address, that password hashes
// never run more at once than the gate allows (past it, 503 with Retry-After), and that
// an address has one hash at a time, its others waiting their turn.
func TestSignUpBounds(t *testing.T) {
	t.Run("PerAddress", func(t *testing.T) {
		e := setupAuth(t)
		var last response
		made := 0
		for i := range 30 {
			last = e.person(t).form(t, "/signup", url.Values{"email": {fmt.Sprintf("p%d@example.org", i)}, "password": {testPassword}})
			if last.status != http.StatusSeeOther {
				break
			}
			made++
		}
		if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
			t.Fatalf("after %d sign-ups: %v; want 429 with Retry-After", made, last)
		}
		if made < 10 {
			t.Fatalf("only %d sign-ups before the limit", made)
		}
		if _, err := e.store.FindUserByEmail(context.Background(), fmt.Sprintf("p%d@example.org", made)); err == nil {
			t.Fatal("the refused sign-up made an account")
		}
	})

	t.Run("Gate", func(t *testing.T) {
		h := &blockingHasher{let: make(chan struct{})}
		e := setupAuth(t, func(c *server.Config) {
			h.countingHasher = c.Hasher.(*countingHasher)
			c.Hasher, c.HashSlots, c.HashWait, c.TrustedProxies = h, 2, 100*time.Millisecond, loopback
		})
		const n = 12
		statuses := make([]response, n)
		var wg sync.WaitGroup
		var answered atomic.Int64
		for i := range n {
			wg.Go(func() {
				statuses[i] = e.person(t).form(t, "/signup", url.Values{"email": {fmt.Sprintf("g%d@example.org", i)}, "password": {testPassword}},
					"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
				answered.Add(1)
			})
		}
		// Two hashes start and hold their slots until let through; every other sign-up
		// waits for a slot, in vain, and is answered.
		deadline := time.Now().Add(20 * time.Second)
		for answered.Load() < n-2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		h.letAll()
		wg.Wait()
		ok, busy := 0, 0
		for _, r := range statuses {
			switch r.status {
			case http.StatusSeeOther:
				ok++
			case http.StatusServiceUnavailable:
				busy++
				if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("503 without a Retry-After: %v", r.header)
				}
			default:
				t.Errorf("sign-up: %v", r)
			}
		}
		if got := h.most.Load(); got > 2 {
			t.Fatalf("%d hashes ran at once; the gate allows 2", got)
		}
		if ok != 2 || busy != n-2 {
			t.Fatalf("%d signed up, %d told to come back; want 2 and %d", ok, busy, n-2)
		}
	})

	// Sign-ups sent at once from a few addresses (each a workshop behind one router) are
	// all made: an address's hashes run one at a time, each after the one before, while
	// the others of the address wait their turn; the gate's slots are shared among the
	// addresses.
	t.Run("OneAtATimePerAddress", func(t *testing.T) {
		h := &blockingHasher{let: make(chan struct{})}
		e := setupAuth(t, func(c *server.Config) {
			h.countingHasher = c.Hasher.(*countingHasher)
			c.Hasher, c.HashSlots, c.HashWait, c.TrustedProxies = h, 2, time.Minute, loopback
		})
		t.Cleanup(h.letAll)
		const addresses, each = 3, 4
		// Everyone at an address has the same password, so that the hasher counts the
		// hashes of each address.
		password := func(i int) string { return fmt.Sprintf("the password of network %d", i%addresses) }
		statuses := make([]response, addresses*each)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				statuses[i] = e.person(t).form(t, "/signup", url.Values{"email": {fmt.Sprintf("g%d@example.org", i)}, "password": {password(i)}},
					"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i%addresses+1))
			})
		}
		for range statuses {
			h.letOne(t)
		}
		wg.Wait()
		for i, r := range statuses {
			if r.status != http.StatusSeeOther {
				t.Errorf("sign-up %d: %v; want 303", i, r)
			}
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.mostOfOne != 1 || h.most.Load() > 2 {
			t.Fatalf("%d hashes of one address ran at once, %d in all; want 1, and at most the gate's 2", h.mostOfOne, h.most.Load())
		}
	})

	// A sign-up whose turn does not come within the gate's wait, behind another of its
	// address, gets 503 with Retry-After, though the gate has free slots; it costs no try
	// of the address's sign-ups.
	t.Run("TurnTooLate", func(t *testing.T) {
		h := &blockingHasher{let: make(chan struct{}), only: "the first one's password"}
		e := setupAuth(t, func(c *server.Config) {
			h.countingHasher = c.Hasher.(*countingHasher)
			c.Hasher, c.HashSlots, c.HashWait = h, 4, 20*time.Millisecond
		})
		t.Cleanup(h.letAll)
		first := make(chan response, 1)
		go func() {
			first <- e.person(t).form(t, "/signup", url.Values{"email": {"first@example.org"}, "password": {h.only}})
		}()
		for deadline := time.Now().Add(20 * time.Second); h.running.Load() != 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the first sign-up's hash did not begin within 20 s")
			}
		}
		// More than the 20 sign-ups of an address at once: each one refused for its turn
		// gives its try back.
		for i := range 25 {
			r := e.person(t).form(t, "/signup", url.Values{"email": {fmt.Sprintf("late%d@example.org", i)}, "password": {testPassword}})
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("sign-up %d while another of its address is hashed: %v; want 503", i, r)
			}
			if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
				t.Fatalf("503 without a Retry-After: %v", r.header)
			}
		}
		h.letAll()
		if r := <-first; r.status != http.StatusSeeOther {
			t.Fatalf("the first sign-up: %v", r)
		}
		if _, err := e.store.FindUserByEmail(context.Background(), "late0@example.org"); err == nil {
			t.Fatal("a refused sign-up made an account")
		}
		if r := e.person(t).form(t, "/signup", url.Values{"email": {"late0@example.org"}, "password": {testPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("the refused sign-up again: %v", r)
		}
	})

	t.Run("Closed", func(t *testing.T) {
		e := setupAuth(t, func(c *server.Config) { c.SignUpClosed = true })
		p := e.person(t)
		if r := p.do(t, http.MethodGet, "/signup", nil); r.status != http.StatusForbidden {
			t.Fatalf("sign-up page: %v; want 403", r)
		}
		if r := p.form(t, "/signup", url.Values{"email": {"x@example.org"}, "password": {testPassword}}); r.status != http.StatusForbidden {
			t.Fatalf("sign-up: %v; want 403", r)
		}
		if _, err := e.store.FindUserByEmail(context.Background(), "x@example.org"); err == nil {
			t.Fatal("a closed sign-up made an account")
		}
		if home := p.do(t, http.MethodGet, "/", nil); find(t, home, `a[href="/signup"]`).Length() != 0 {
			t.Fatal("the header offers sign-up")
		}
		// Accounts the operator made still sign in.
		u, err := e.store.CreateUser(context.Background(), "op@example.org", e.hasher.Hash(testPassword))
		if err != nil {
			t.Fatal(err)
		}
		if r := p.form(t, "/signin", url.Values{"email": {u.Email}, "password": {testPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in: %v", r)
		}
	})
}

// TestAPIKeysNamespaced checks that an idempotency key sent through the JSON API cannot
// take the place of a websocket client's, nor of another API caller's: the other's op with
// that key is applied, not acknowledged as a resend and dropped.
func TestAPIKeysNamespaced(t *testing.T) {
	e := setupAuth(t)
	maker := e.person(t)
	board := maker.mustBoard(t)
	ws, client, status := maker.dialWS(t, board)
	if ws == nil {
		t.Fatalf("websocket: %d", status)
	}
	if f := wsFrame(t, ws, "welcome"); f["t"] != "welcome" {
		t.Fatalf("no welcome: %v", f)
	}
	key := client + ":1"
	attacker := e.person(t)
	attacker.mustSignUp(t, "attacker@example.org")
	post := func(p *person, key, title string) response {
		body, _ := json.Marshal([]any{titleOp(board, key, title)})
		return p.do(t, http.MethodPost, "/api/boards/"+board+"/ops", strings.NewReader(string(body)), "Content-Type", "application/json")
	}
	if r := post(attacker, key, "Taken by the API"); r.status != http.StatusOK {
		t.Fatalf("API op: %v", r)
	}
	seq := e.seq(t, board)

	if err := ws.WriteJSON(map[string]any{"t": "ops", "ops": []any{titleOp(board, key, "Sent by the client")}}); err != nil {
		t.Fatal(err)
	}
	for {
		f := wsFrame(t, ws, "ops", "ack", "nack")
		if f["t"] == "ack" || f["t"] == "nack" {
			t.Fatalf("the client's op was answered %v; want it applied", f)
		}
		if f["t"] != "ops" {
			t.Fatalf("websocket ended: %v", f)
		}
		applied := false
		for _, o := range f["ops"].([]any) {
			op := o.(map[string]any)["op"].(map[string]any)
			applied = applied || op["key"] == key
		}
		if applied {
			break
		}
	}
	b, err := e.store.FindBoard(context.Background(), board)
	if err != nil || b.Title != "Sent by the client" || b.Seq != seq+1 {
		t.Fatalf("board %q at %d (%v); want the client's title at %d", b.Title, b.Seq, err, seq+1)
	}

	results := func(r response) []struct{ Duplicate bool } {
		t.Helper()
		var res struct{ Results []struct{ Duplicate bool } }
		if err := json.Unmarshal(r.body, &res); err != nil || len(res.Results) != 1 {
			t.Fatalf("answer: %v", r)
		}
		return res.Results
	}
	// The caller's resend is recognised as its own; another caller's same key is not.
	if !results(post(attacker, key, "Again"))[0].Duplicate {
		t.Fatal("a resend through the API was applied again")
	}
	if results(post(maker, key, "Another caller"))[0].Duplicate {
		t.Fatal("another API caller's op with the same key was taken for a resend")
	}
	// Without a session there is no namespace: keys are refused, ops without one applied.
	stranger := e.person(t)
	if r := post(stranger, "k1", "No session"); r.status != http.StatusBadRequest {
		t.Fatalf("a key without a session: %v; want 400", r)
	}
	if r := post(stranger, "", "No session, no key"); r.status != http.StatusOK {
		t.Fatalf("an op without a key and without a session: %v; want 200", r)
	}
	if r := post(attacker, strings.Repeat("k", server.MaxAPIKeyLen+1), "Long key"); r.status != http.StatusBadRequest {
		t.Fatalf("a key over the limit: %v; want 400", r)
	}
}

// TestNewLinkShownOnce checks that making a share link redirects to a page that shows it
// once, with a copy button, and that reloading that page makes no second link.
func TestNewLinkShownOnce(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	r := owner.form(t, "/boards/"+board+"/share", url.Values{"role": {"viewer"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %v", r)
	}
	shown := owner.do(t, http.MethodGet, r.header.Get("Location"), nil)
	if shown.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with the new link may be cached: %v", shown.header)
	}
	if find(t, shown, `[data-testid="new-share-url"]`).Length() != 1 || find(t, shown, `[data-testid="copy-share-url"]`).Length() != 1 {
		t.Fatalf("the new link and its copy button are not shown: %v", shown)
	}
	again := owner.do(t, http.MethodGet, r.header.Get("Location"), nil)
	if again.status != http.StatusSeeOther || again.header.Get("Location") != "/boards/"+board {
		t.Fatalf("reloading: %v; want a redirect to the board", again)
	}
	links, err := e.store.ListLinks(context.Background(), board)
	if err != nil || len(links) != 1 {
		t.Fatalf("links: %d (%v); want 1", len(links), err)
	}

	// A cookie the server did not set for this board shows nothing: not a made-up token,
	// not another board's link.
	other := owner.mustBoard(t)
	otherLink := strings.TrimPrefix(owner.mustLink(t, other, url.Values{"role": {"viewer"}}), "/s/")
	for _, token := range []string{"made-up-token-made-up-token", otherLink} {
		r := owner.do(t, http.MethodGet, "/boards/"+board+"/share/new", nil, "Cookie", "lastmile_new_link="+token+"; "+owner.cookieHeader())
		if r.status != http.StatusSeeOther || find(t, r, `[data-testid="new-share-url"]`).Length() != 0 {
			t.Errorf("a planted cookie %q: %v; want a redirect to the board", token, r)
		}
	}
}

// TestNoStore checks that pages of boards, and others that may hold private data, are not
// kept by caches, while static files are.
func TestNoStore(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	for _, path := range []string{"/", "/boards/" + board, "/boards/" + board + "/delete", "/api/boards/" + board, "/signin"} {
		if r := owner.do(t, http.MethodGet, path, nil); r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q; want no-store", path, r.header.Get("Cache-Control"))
		}
	}
	if r := owner.do(t, http.MethodGet, "/static/app.css", nil); !strings.Contains(r.header.Get("Cache-Control"), "max-age") {
		t.Errorf("static: Cache-Control %q", r.header.Get("Cache-Control"))
	}
}

// TestUnlistedIDs checks that board ids carry at least 128 random bits.
func TestUnlistedIDs(t *testing.T) {
	e := setupAuth(t)
	id := e.person(t).mustBoard(t)
	if len(id) < 26 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Fatalf("board id %q: want 26 or more characters of base 32 (130 bits)", id)
	}
}
