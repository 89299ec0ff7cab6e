package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// syncBuffer is an output the program and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newMain returns a Main whose environment is env alone and whose output is captured.
func newMain(env map[string]string) (*Main, *syncBuffer, *syncBuffer) {
	m := NewMain()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	m.Stdout, m.Stderr = stdout, stderr
	m.Getenv = func(name string) string { return env[name] }
	return m, stdout, stderr
}

// running is the program started by mustStart.
type running struct {
	addr   string
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	err    error         // what Run returned, once done is closed
	stderr *syncBuffer
}

// stop cancels the program's context and returns what Run returned. It may be called
// more than once.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("Run did not return after its context ended; log:\n%s", r.stderr)
		return nil
	}
}

// mustStart runs `lastmile serve` with env until the test ends, and waits until it listens.
func mustStart(t *testing.T, env map[string]string) *running {
	t.Helper()
	m, _, stderr := newMain(env)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan struct{}), stderr: stderr}
	go func() {
		r.err = m.Run(ctx, nil)
		close(r.done)
	}()
	listening := make(chan string, 1)
	go func() { listening <- m.Addr() }()
	select {
	case r.addr = <-listening:
	case <-r.done:
		cancel()
		t.Fatalf("Run returned before listening: %v; log:\n%s", r.err, stderr)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("the server did not listen within 30s; log:\n%s", stderr)
	}
	t.Cleanup(func() { _ = r.stop(t) })
	return r
}

// runErr runs the program with env and args, which must fail before serving anything,
// and returns its error.
func runErr(t *testing.T, env map[string]string, args ...string) error {
	t.Helper()
	m, _, stderr := newMain(env)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := m.Run(ctx, args)
	if err == nil {
		t.Fatalf("Run(%q) returned nil; log:\n%s", args, stderr)
	}
	return err
}

func wantErrContains(t *testing.T, err error, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// mustEmptyDB creates a database without any schema and drops it when the test ends.
func mustEmptyDB(t *testing.T) string {
	t.Helper()
	admin := pgtest.AdminURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "lastmile_empty_" + hex.EncodeToString(b)
	mustExecURL(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { mustExecURL(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// mustExecURL runs one SQL statement on the database at dsn.
func mustExecURL(t *testing.T, dsn, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// httpDo sends a request without keeping the connection, so that no client goroutine
// outlives it.
func httpDo(t *testing.T, method, u, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, data
}

const hostileText = `<img src=x onerror=alert(1)></script><script>alert(1)</script>`

func TestServe(t *testing.T) {
	// Goroutines already running (the test framework's, other tests') are not ours.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	dsn := pgtest.NewURL(t)
	r := mustStart(t, map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0"})
	base := "http://" + r.addr

	if status, body := httpDo(t, "GET", base+"/readyz", ""); status != http.StatusOK {
		t.Errorf("GET /readyz: %d %s", status, body)
	}

	status, body := httpDo(t, "POST", base+"/api/boards", `{"template": "service-blueprint", "title": "Réparer un vélo"}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/boards: %d %s", status, body)
	}
	var created struct{ ID, URL string }
	if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
		t.Fatalf("POST /api/boards answered %s (%v)", body, err)
	}
	ops := fmt.Sprintf(`[
		{"op": "create", "type": "team", "id": "t-desk", "fields": {"name": "Accueil", "color": "#2563eb"}},
		{"op": "create", "type": "card", "id": "c1", "fields": {"stage": "stage-2", "lane": "lane-2", "order": "V", "text": "Books a repair slot", "team": "t-desk"}},
		{"op": "create", "type": "card", "id": "c2", "fields": {"stage": "stage-3", "lane": "lane-4", "order": "V", "text": %q}}
	]`, hostileText)
	if status, body := httpDo(t, "POST", base+"/api/boards/"+created.ID+"/ops", ops); status != http.StatusOK {
		t.Fatalf("POST ops: %d %s", status, body)
	}

	status, body = httpDo(t, "GET", base+created.URL, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", created.URL, status, body)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("template").Remove() // not part of the page, as a browser's selectors see it

	t.Run("Page", func(t *testing.T) {
		if got := doc.Find(`[data-testid="board-title"]`).Text(); got != "Réparer un vélo" {
			t.Errorf("title %q", got)
		}
		roles := doc.Find(`[data-testid="lane"]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-role", "") })
		if diff := cmp.Diff([]string{"physical_evidence", "customer_actions", "frontstage", "backstage", "support"}, roles); diff != "" {
			t.Errorf("lane roles (-want +got):\n%s", diff)
		}
		for _, line := range []string{"interaction", "visibility", "internal_interaction"} {
			if n := doc.Find(`[data-testid="line-` + line + `"]`).Length(); n != 1 {
				t.Errorf("%d lines of %s, want 1", n, line)
			}
		}
		card := doc.Find(`td[data-stage-id="stage-2"][data-lane-id="lane-2"] [data-card-id="c1"]`)
		if got := card.Find(".card-text").Text(); got != "Books a repair slot" {
			t.Errorf("card c1 text %q", got)
		}
		if got := card.Find(".card-team").Text(); got != "Accueil" {
			t.Errorf("card c1 team %q", got)
		}
	})

	t.Run("UserTextEscaped", func(t *testing.T) {
		if got := doc.Find(`[data-card-id="c2"] .card-text`).Text(); got != hostileText {
			t.Errorf("card c2 text %q, want %q", got, hostileText)
		}
		if doc.Find("img").Length() != 0 || doc.Find("[onerror]").Length() != 0 {
			t.Errorf("card text became elements")
		}
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			// The board's state is data, which a browser never runs, and one JSON value.
			if s.AttrOr("type", "") == "application/json" {
				if !json.Valid([]byte(s.Text())) {
					t.Errorf("a JSON script element does not hold JSON: %q", s.Text())
				}
				return
			}
			if strings.Contains(s.Text(), "alert") {
				t.Errorf("card text became a script: %q", s.Text())
			}
		})
	})

	t.Run("GracefulShutdown", func(t *testing.T) {
		if err := r.stop(t); err != nil {
			t.Fatalf("Run returned %v after its context ended, want nil; log:\n%s", err, r.stderr)
		}
		for _, msg := range []string{`"msg":"lastmile listening"`, `"msg":"shutting down"`, `"msg":"stopped"`} {
			if !strings.Contains(r.stderr.String(), msg) {
				t.Errorf("the log lacks %s:\n%s", msg, r.stderr)
			}
		}
		if _, err := http.Get(base + "/livez"); err == nil {
			t.Errorf("the server still answers after Run returned")
		}
	})
}

func TestMigrations(t *testing.T) {
	latest, err := postgres.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ServeMigratesAnEmptyDatabase", func(t *testing.T) {
		dsn := mustEmptyDB(t)
		r := mustStart(t, map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0"})
		if status, body := httpDo(t, "GET", "http://"+r.addr+"/readyz", ""); status != http.StatusOK {
			t.Errorf("GET /readyz: %d %s", status, body)
		}
		if err := r.stop(t); err != nil {
			t.Errorf("Run returned %v", err)
		}
	})

	t.Run("NoAutoMigrateRefusesAnEmptyDatabase", func(t *testing.T) {
		err := runErr(t, map[string]string{"DATABASE_URL": mustEmptyDB(t), "LASTMILE_ADDR": "127.0.0.1:0", "LASTMILE_MIGRATE": "false"})
		wantErrContains(t, err, "schema at version 0", fmt.Sprintf("expected %d", latest))
	})

	t.Run("UpVersionDown", func(t *testing.T) {
		env := map[string]string{"DATABASE_URL": mustEmptyDB(t)}
		for _, step := range []struct {
			args []string
			want string
		}{
			{[]string{"migrate", "version"}, fmt.Sprintf("schema version 0 (latest known %d, dirty false)\n", latest)},
			{[]string{"migrate", "up"}, fmt.Sprintf("schema version %d (latest known %d, dirty false)\n", latest, latest)},
			{[]string{"migrate", "version"}, fmt.Sprintf("schema version %d (latest known %d, dirty false)\n", latest, latest)},
			{[]string{"migrate", "down"}, fmt.Sprintf("schema version 0 (latest known %d, dirty false)\n", latest)},
			{[]string{"migrate", "up"}, fmt.Sprintf("schema version %d (latest known %d, dirty false)\n", latest, latest)},
		} {
			m, stdout, stderr := newMain(env)
			if err := m.Run(context.Background(), step.args); err != nil {
				t.Fatalf("%v: %v; log:\n%s", step.args, err, stderr)
			}
			if got := stdout.String(); got != step.want {
				t.Errorf("%v printed %q, want %q", step.args, got, step.want)
			}
		}
	})

	t.Run("Dirty", func(t *testing.T) {
		dsn := pgtest.NewURL(t)
		mustExecURL(t, dsn, `UPDATE schema_migrations SET dirty = true`)
		for _, migrate := range []string{"true", "false"} {
			err := runErr(t, map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0", "LASTMILE_MIGRATE": migrate})
			wantErrContains(t, err, "dirty", fmt.Sprintf("version %d", latest), "never forces")
		}
	})

	t.Run("Newer", func(t *testing.T) {
		dsn := pgtest.NewURL(t)
		mustExecURL(t, dsn, `UPDATE schema_migrations SET version = 999`)
		for _, migrate := range []string{"true", "false"} {
			err := runErr(t, map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0", "LASTMILE_MIGRATE": migrate})
			wantErrContains(t, err, "version 999", "newer", fmt.Sprintf("(%d)", latest))
		}
	})

	t.Run("UnknownMigrateCommand", func(t *testing.T) {
		err := runErr(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t)}, "migrate", "sideways")
		wantErrContains(t, err, `unknown migrate command "sideways"`)
	})

	t.Run("MigrateWithoutCommand", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t)}, "migrate"), "usage: lastmile migrate up|down|version")
	})
}

func TestStartErrors(t *testing.T) {
	t.Run("UnknownCommand", func(t *testing.T) {
		wantErrContains(t, runErr(t, nil, "frobnicate"), `unknown command "frobnicate"`)
	})

	t.Run("MissingDatabaseURL", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"LASTMILE_ADDR": "127.0.0.1:0"}), "DATABASE_URL is not set")
	})

	t.Run("MigrateMissingDatabaseURL", func(t *testing.T) {
		wantErrContains(t, runErr(t, nil, "migrate", "version"), "DATABASE_URL is not set")
	})

	t.Run("NotAPostgresURL", func(t *testing.T) {
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": "mysql://localhost/db"}), "postgres:// URL")
	})

	t.Run("AddressTaken", func(t *testing.T) {
		dsn := pgtest.NewURL(t)
		r := mustStart(t, map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": "127.0.0.1:0"})
		wantErrContains(t, runErr(t, map[string]string{"DATABASE_URL": dsn, "LASTMILE_ADDR": r.addr}), "listening on "+r.addr)
	})

	t.Run("Help", func(t *testing.T) {
		m, stdout, _ := newMain(nil)
		if err := m.Run(context.Background(), []string{"help"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout.String(), "usage: lastmile") {
			t.Errorf("help printed %q", stdout)
		}
	})
}
