package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lastmile/internal/auth"
	"lastmile/internal/postgres/pgtest"
)

// TestUserAdd makes accounts as an operator does on a server whose sign-up is closed, and
// signs in with them.
func TestUserAdd(t *testing.T) {
	dsn := pgtest.NewURL(t)
	env := map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0", "LASTMILE_SIGNUP": "closed"}
	run := func(stdin string, args ...string) (string, error) {
		m, stdout, _ := newMain(env)
		m.Stdin = strings.NewReader(stdin)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := m.Run(ctx, append([]string{"user", "add"}, args...))
		return stdout.String(), err
	}
	if _, err := run("a long password\n", "-password-stdin", "Ada@Example.org"); err != nil {
		t.Fatal(err)
	}
	out, err := run("", "grace@example.org")
	if err != nil {
		t.Fatal(err)
	}
	made := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if made == nil {
		t.Fatalf("no password printed: %q", out)
	}
	if _, err := run("another password\n", "-password-stdin", "ada@example.org"); err == nil || !strings.Contains(err.Error(), "e-mail") {
		t.Fatalf("a second account for one e-mail: %v", err)
	}
	if _, err := run("short\n", "-password-stdin", "bob@example.org"); err == nil || !strings.Contains(err.Error(), "characters") {
		t.Fatalf("a short password: %v", err)
	}
	if _, err := run("", "not an address"); err == nil {
		t.Fatal("an invalid e-mail was taken")
	}

	base := "http://" + mustStart(t, env).addr
	for email, pw := range map[string]string{"ada@example.org": "a long password", "grace@example.org": made[1]} {
		if status, body := newBrowser(t).do("POST", base, "/signin", url.Values{"email": {email}, "password": {pw}}); status != http.StatusSeeOther {
			t.Errorf("sign in as %s: %d %s", email, status, body)
		}
	}
	if status, _ := newBrowser(t).do("POST", base, "/signup", url.Values{"email": {"eve@example.org"}, "password": {"a long password"}}); status != http.StatusForbidden {
		t.Errorf("sign-up on a closed server: %d; want 403", status)
	}
}

// TestSettings checks the operator settings of access: anonymous boards turned off, and
// values that are refused at start.
func TestSettings(t *testing.T) {
	t.Run("NoAnonymousBoards", func(t *testing.T) {
		base := "http://" + mustStart(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t), "LASTMILE_ADDR": "127.0.0.1:0",
			"LASTMILE_ANONYMOUS_BOARDS": "false"}).addr
		if status, body := newBrowser(t).do("POST", base, "/api/boards", `{"template":"blank"}`); status != http.StatusUnauthorized {
			t.Fatalf("anonymous board: %d %s; want 401", status, body)
		}
	})
	t.Run("BadSignUp", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_SIGNUP": "maybe"}), "LASTMILE_SIGNUP")
	})
	t.Run("BadHashConcurrency", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_HASH_CONCURRENCY": "0"}), "LASTMILE_HASH_CONCURRENCY")
	})
	// Any spelling of true that strconv.ParseBool reads keeps anonymous boards on; any
	// value it does not read stops the start.
	t.Run("AnonymousBoardsAsNumber", func(t *testing.T) {
		base := "http://" + mustStart(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t), "LASTMILE_ADDR": "127.0.0.1:0",
			"LASTMILE_ANONYMOUS_BOARDS": "1"}).addr
		if status, body := newBrowser(t).do("POST", base, "/api/boards", `{"template":"blank"}`); status != http.StatusCreated {
			t.Fatalf("anonymous board with LASTMILE_ANONYMOUS_BOARDS=1: %d %s; want 201", status, body)
		}
	})
	t.Run("BadAnonymousBoards", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_ANONYMOUS_BOARDS": "yes"}),
			"LASTMILE_ANONYMOUS_BOARDS", `"yes"`)
	})
	t.Run("BadTrustedProxies", func(t *testing.T) {
		for _, v := range []string{"10.0.0.0/8, proxy.example", "10.0.0.0/33", "::ffff:10.0.0.0/104"} {
			wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_TRUSTED_PROXIES": v}),
				"LASTMILE_TRUSTED_PROXIES")
		}
	})
	t.Run("BadExportSettings", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_EXPORT_CONCURRENCY": "0"}),
			"LASTMILE_EXPORT_CONCURRENCY")
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_EXPORT_TIMEOUT": "forever"}),
			"LASTMILE_EXPORT_TIMEOUT")
	})
	t.Run("BadFanoutDuty", func(t *testing.T) {
		for _, v := range []string{"0", "2", "NaN", "quarter", "-1"} {
			wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "postgres://localhost/x", "LASTMILE_FANOUT_DUTY": v}),
				"LASTMILE_FANOUT_DUTY", strconv.Quote(v))
		}
	})
	// A Chromium that is not there turns the PDF and PNG exports off; the server starts.
	t.Run("NoChromium", func(t *testing.T) {
		base := "http://" + mustStart(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t), "LASTMILE_ADDR": "127.0.0.1:0",
			"LASTMILE_CHROMIUM": "/nonexistent/chromium"}).addr
		b := newBrowser(t)
		status, body := b.do("POST", base, "/api/boards", `{"template":"blank"}`)
		if status != http.StatusCreated {
			t.Fatalf("new board: %d %s", status, body)
		}
		var created struct{ ID string }
		if err := json.Unmarshal([]byte(body), &created); err != nil {
			t.Fatal(err)
		}
		if status, body := b.do("GET", base, "/api/boards/"+created.ID+"/export.pdf", nil); status != http.StatusServiceUnavailable ||
			!strings.Contains(body, "no Chromium") {
			t.Fatalf("PDF without Chromium: %d %s; want 503", status, body)
		}
	})
	// Behind a trusted proxy, the limits per address count the client X-Forwarded-For
	// names: one client's failed sign-ins do not refuse another's.
	t.Run("TrustedProxies", func(t *testing.T) {
		base := "http://" + mustStart(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t), "LASTMILE_ADDR": "127.0.0.1:0",
			"LASTMILE_TRUSTED_PROXIES": "127.0.0.1, ::1"}).addr
		signIn := func(i int, client string) int {
			t.Helper()
			form := url.Values{"email": {fmt.Sprintf("nobody%d@example.org", i)}, "password": {"a wrong password"}}
			req, err := http.NewRequest("POST", base+"/signin", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "192.0.2.99, "+client)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		// The burst's sign-ins are refused as wrong, then the client is refused as too
		// many. A token comes back every auth.DefaultEvery: on a machine so loaded that
		// the burst's password hashes outlast that, one more wrong sign-in may pass
		// before the 429, so a few more are allowed, never an endless stream.
		for i := range auth.DefaultBurst {
			if status := signIn(i, "198.51.100.1"); status != http.StatusUnauthorized {
				t.Fatalf("wrong sign-in %d: %d; want 401", i+1, status)
			}
		}
		for i := auth.DefaultBurst; ; i++ {
			status := signIn(i, "198.51.100.1")
			if status == http.StatusTooManyRequests {
				break
			}
			if status != http.StatusUnauthorized || i == auth.DefaultBurst+3 {
				t.Fatalf("wrong sign-in %d from the same client: %d; want 429 after %d", i+1, status, auth.DefaultBurst)
			}
		}
		if status := signIn(101, "198.51.100.2"); status != http.StatusUnauthorized {
			t.Fatalf("another client behind the proxy: %d; want 401, not refused for the first one's failures", status)
		}
	})
}

// LASTMILE_FANOUT_DUTY sets the rooms' pacing; unset or off, there is none.
func TestRealtimeOptions(t *testing.T) {
	for v, want := range map[string]float64{"": 0, "off": 0, "0.25": 0.25, "1": 1, "0.05": 0.05} {
		m := &Main{Getenv: func(k string) string {
			if k == "LASTMILE_FANOUT_DUTY" {
				return v
			}
			return ""
		}}
		o, err := m.realtimeOptions()
		if err != nil || o.FanoutDuty != want {
			t.Errorf("LASTMILE_FANOUT_DUTY=%q: duty %v, %v; want %v", v, o.FanoutDuty, err, want)
		}
	}
}
