package server_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastmile/internal/auth"
	"lastmile/internal/server"
)

// loopback trusts the test client as a reverse proxy, so that X-Forwarded-For names the
// client of each request.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// floodHasher holds every check of one wrong password until let through, and counts the
// checks of it that began.
type floodHasher struct {
	*countingHasher
	flood string
	let   chan struct{}
	once  sync.Once
	began atomic.Int64
}

func (h *floodHasher) Verify(enc, pw string) (bool, error) {
	if pw == h.flood {
		h.began.Add(1)
		<-h.let
	}
	return h.countingHasher.Verify(enc, pw)
}

func (h *floodHasher) release() { h.once.Do(func() { close(h.let) }) }

// setupFlood starts a server whose checks of the password "a wrong guess" wait until let
// through, with gate slots for ten checks at once, trusting the test client as a proxy.
func setupFlood(t *testing.T) (*authEnv, *floodHasher) {
	t.Helper()
	h := &floodHasher{flood: "a wrong guess", let: make(chan struct{})}
	e := setupAuth(t, func(c *server.Config) {
		h.countingHasher = c.Hasher.(*countingHasher)
		c.Hasher, c.HashSlots, c.HashWait, c.TrustedProxies = h, 10, 100*time.Millisecond, loopback
	})
	t.Cleanup(h.release)
	return e, h
}

// flood sends n requests at once and waits until each has been answered or has a check
// held by h; finish then lets the held checks through and returns every answer.
func flood(t *testing.T, h *floodHasher, n int, send func(i int) response) (finish func() []response) {
	t.Helper()
	answers := make([]response, n)
	var answered atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = send(i)
			answered.Add(1)
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for answered.Load()+h.began.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := answered.Load() + h.began.Load(); got < int64(n) {
		h.release()
		wg.Wait()
		t.Fatalf("after 20 s, %d of %d requests answered or checking", got, n)
	}
	return func() []response {
		h.release()
		wg.Wait()
		return answers
	}
}

// TestPasswordFlood checks that wrong sign-ins sent at once from several addresses
// cannot keep the right password of someone at another address from being checked: each
// address has one check at a time, holding one slot of the gate, while its other tries
// wait their turn behind it (and get 503 once the gate's wait has passed), the tries past
// its bucket are refused at once with 429, and the burst costs the address its tries.
func TestPasswordFlood(t *testing.T) {
	e, h := setupFlood(t)
	e.person(t).mustSignUp(t, "ada@example.org")

	const addresses, each = 8, 30
	finish := flood(t, h, addresses*each, func(i int) response {
		return e.person(t).form(t, "/signin", url.Values{"email": {fmt.Sprintf("guess%d@example.org", i)}, "password": {h.flood}},
			"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i%addresses+1))
	})
	r := e.person(t).form(t, "/signin", url.Values{"email": {"ada@example.org"}, "password": {testPassword}}, "X-Forwarded-For", "192.0.2.10")
	answers := finish()
	if r.status != http.StatusSeeOther {
		t.Fatalf("the right password from another address during the flood: %v; want 303", r)
	}
	if got := h.began.Load(); got != addresses {
		t.Errorf("%d checks of the flood began; want one per address (%d)", got, addresses)
	}
	statuses := countAnswers(t, answers)
	waited := auth.DefaultBurst - 1
	if statuses[http.StatusUnauthorized] != addresses || statuses[http.StatusServiceUnavailable] != addresses*waited ||
		statuses[http.StatusTooManyRequests] != addresses*(each-auth.DefaultBurst) {
		t.Errorf("answers to the flood: %v; want %d × 401, %d × 503 and %d × 429",
			statuses, addresses, addresses*waited, addresses*(each-auth.DefaultBurst))
	}
	// The burst cost each address its tries: the next guess is refused unchecked.
	before := e.hasher.verifies.Load()
	r = e.person(t).form(t, "/signin", url.Values{"email": {"guess@example.org"}, "password": {"another guess"}}, "X-Forwarded-For", "198.51.100.1")
	if r.status != http.StatusTooManyRequests || e.hasher.verifies.Load() != before {
		t.Fatalf("a guess after the burst: %v, %d checks; want 429 and none", r, e.hasher.verifies.Load()-before)
	}
}

// passwordForms are the forms that check a password: prepare makes what the form checks
// and returns how to send it a password from an address, and its right password.
var passwordForms = []struct {
	name    string
	prepare func(t *testing.T, e *authEnv) (send func(pw, addr string) response, right string)
}{
	{"SignIn", func(t *testing.T, e *authEnv) (func(pw, addr string) response, string) {
		e.person(t).mustSignUp(t, "ada@example.org")
		return func(pw, addr string) response {
			return e.person(t).form(t, "/signin", url.Values{"email": {"ada@example.org"}, "password": {pw}}, "X-Forwarded-For", addr)
		}, testPassword
	}},
	{"ChangePassword", func(t *testing.T, e *authEnv) (func(pw, addr string) response, string) {
		p := e.person(t)
		p.mustSignUp(t, "ada@example.org")
		return func(pw, addr string) response {
			return p.form(t, "/account/password", url.Values{"current": {pw}, "password": {testPassword}}, "X-Forwarded-For", addr)
		}, testPassword
	}},
	{"LinkPassword", func(t *testing.T, e *authEnv) (func(pw, addr string) response, string) {
		owner := e.person(t)
		owner.mustSignUp(t, "owner@example.org")
		link := owner.mustLink(t, owner.mustBoard(t), url.Values{"role": {"viewer"}, "password": {"the link password"}})
		return func(pw, addr string) response {
			return e.person(t).form(t, link, url.Values{"password": {pw}}, "X-Forwarded-For", addr)
		}, "the link password"
	}},
}

// TestPasswordTries checks, for every form that checks a password, that a right password
// costs no try however often it is given, and that wrong ones sent at once each cost a
// try, though only one of them is checked at a time: those past the bucket are refused at
// once (429), the others wait their turn, here in vain (503).
func TestPasswordTries(t *testing.T) {
	for _, f := range passwordForms {
		t.Run(f.name+"/RightCostsNothing", func(t *testing.T) {
			e := setupAuth(t, func(c *server.Config) { c.TrustedProxies = loopback })
			send, right := f.prepare(t, e)
			for i := range 2 * auth.DefaultBurst {
				if r := send(right, "198.51.100.1"); r.status != http.StatusSeeOther {
					t.Fatalf("right password %d: %v; want 303", i+1, r)
				}
			}
		})
		t.Run(f.name+"/BurstCosts", func(t *testing.T) {
			e, h := setupFlood(t)
			send, right := f.prepare(t, e)
			const n = 30
			answers := flood(t, h, n, func(int) response { return send(h.flood, "198.51.100.1") })()
			if got := h.began.Load(); got != 1 {
				t.Errorf("%d checks of the burst began; want 1", got)
			}
			statuses := countAnswers(t, answers)
			if statuses[http.StatusUnauthorized] != 1 || statuses[http.StatusServiceUnavailable] != auth.DefaultBurst-1 ||
				statuses[http.StatusTooManyRequests] != n-auth.DefaultBurst {
				t.Errorf("answers to %d tries sent at once: %v; want 1 × 401, %d × 503 and %d × 429",
					n, statuses, auth.DefaultBurst-1, n-auth.DefaultBurst)
			}
			before := e.hasher.verifies.Load()
			if r := send(right, "198.51.100.1"); r.status != http.StatusTooManyRequests || e.hasher.verifies.Load() != before {
				t.Fatalf("after the burst: %v, %d checks; want 429 and none", r, e.hasher.verifies.Load()-before)
			}
		})
	}
}

// countAnswers counts the answers by status, and checks that those telling to try again
// (429, 503) say when.
func countAnswers(t *testing.T, answers []response) map[int]int {
	t.Helper()
	statuses := map[int]int{}
	for _, a := range answers {
		statuses[a.status]++
		if a.status == http.StatusTooManyRequests || a.status == http.StatusServiceUnavailable {
			if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("%d without a Retry-After: %v", a.status, a.header)
			}
		}
	}
	return statuses
}

// TestHashesHoldTries checks that the password hashes that come after a right password,
// or without a password to check, hold a password try of the address while they wait for
// the gate and run, so that the tries bound how many hashes of an address wait: the new
// password of a change of password, and the password of a new share link.
func TestHashesHoldTries(t *testing.T) {
	setup := func(t *testing.T, pw string, slots int, wait time.Duration) (*authEnv, *blockingHasher) {
		t.Helper()
		h := &blockingHasher{let: make(chan struct{}), only: pw}
		e := setupAuth(t, func(c *server.Config) {
			h.countingHasher = c.Hasher.(*countingHasher)
			c.Hasher, c.HashSlots, c.HashWait = h, slots, wait
		})
		t.Cleanup(h.letAll)
		return e, h
	}
	waitUntil := func(t *testing.T, done func() bool, what func() string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s, %s", what())
			}
		}
	}

	// While the new password of a change is hashed, its try stays taken: the others sent
	// meanwhile wait in vain (503), and the tries run out one earlier.
	t.Run("NewPassword", func(t *testing.T) {
		e, h := setup(t, "a new long password", 1, 20*time.Millisecond)
		p := e.person(t)
		p.mustSignUp(t, "ada@example.org")
		change := func() response {
			return p.form(t, "/account/password", url.Values{"current": {testPassword}, "password": {h.only}})
		}
		first := make(chan response, 1)
		go func() { first <- change() }()
		waitUntil(t, func() bool { return h.running.Load() == 1 }, func() string { return "the new password is not being hashed" })
		busy := 0
		for r := change(); r.status != http.StatusTooManyRequests; r = change() {
			if r.status != http.StatusServiceUnavailable || busy == auth.DefaultBurst {
				t.Fatalf("change %d while another is hashed: %v; want 503, then 429 once the tries are out", busy+1, r)
			}
			busy++
		}
		if busy != auth.DefaultBurst-1 {
			t.Fatalf("%d changes told to come back before the tries ran out; want %d, the one being hashed holding its try", busy, auth.DefaultBurst-1)
		}
		h.letAll()
		if r := <-first; r.status != http.StatusSeeOther {
			t.Fatalf("the change being hashed: %v", r)
		}
	})

	// New links with a password sent at once: as many as the address has tries wait
	// their turn and are made, one hash at a time; the others are refused at once (429).
	// Every try is given back once its password is hashed.
	t.Run("NewLink", func(t *testing.T) {
		e, h := setup(t, "the link password", 4, time.Minute)
		owner := e.person(t)
		owner.mustSignUp(t, "owner@example.org")
		board := owner.mustBoard(t)
		newLink := func() response {
			return owner.form(t, "/boards/"+board+"/share", url.Values{"role": {"viewer"}, "password": {h.only}})
		}
		const n = 3 * auth.DefaultBurst
		answers := make([]response, n)
		var answered atomic.Int64
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				answers[i] = newLink()
				answered.Add(1)
			})
		}
		waitUntil(t, func() bool { return answered.Load() == n-auth.DefaultBurst && h.running.Load() == 1 }, func() string {
			return fmt.Sprintf("%d of %d links answered and %d hashed; want %d and 1", answered.Load(), n, h.running.Load(), n-auth.DefaultBurst)
		})
		h.letAll()
		wg.Wait()
		statuses := countAnswers(t, answers)
		if statuses[http.StatusSeeOther] != auth.DefaultBurst || statuses[http.StatusTooManyRequests] != n-auth.DefaultBurst {
			t.Errorf("answers to %d new links at once: %v; want %d × 303 and %d × 429", n, statuses, auth.DefaultBurst, n-auth.DefaultBurst)
		}
		h.mu.Lock()
		if h.mostOfOne != 1 {
			t.Errorf("%d hashes of the address ran at once; want 1", h.mostOfOne)
		}
		h.mu.Unlock()
		for i := range auth.DefaultBurst {
			if r := newLink(); r.status != http.StatusSeeOther {
				t.Fatalf("link %d after the others were made: %v; want 303, their tries given back", i+1, r)
			}
		}
	})
}

// TestBoardCreationPerUser checks that a signed-in person's new boards are limited per
// user: someone on the same network who used up the address's limit does not stop them.
func TestBoardCreationPerUser(t *testing.T) {
	e := setupAuth(t)
	mustUseUp := func(p *person) response {
		t.Helper()
		for range 100 {
			if r := p.do(t, http.MethodPost, "/api/boards", strings.NewReader(`{"template":"blank"}`)); r.status != http.StatusCreated {
				return r
			}
		}
		t.Fatal("100 boards without reaching the limit")
		return response{}
	}
	if r := mustUseUp(e.person(t)); r.status != http.StatusTooManyRequests {
		t.Fatalf("anonymous boards past the limit: %v; want 429", r)
	}
	ada := e.person(t)
	ada.mustSignUp(t, "ada@example.org")
	ada.mustBoard(t)
	if r := mustUseUp(ada); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("a user's boards past the limit: %v; want 429 with Retry-After", r)
	}
	grace := e.person(t)
	grace.mustSignUp(t, "grace@example.org")
	grace.mustBoard(t)
}
