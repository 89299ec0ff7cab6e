package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

// logBuffer collects a server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newJSONLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lines returns the log lines whose message is msg, decoded.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// A path can carry a secret (a share link's token): the request log, the recoverer and the
// error sink name the route's pattern instead.
func TestLogsNameRoutesNotPaths(t *testing.T) {
	const token = "sekrit-token-4xq2"
	var logs logBuffer
	s := New(Config{Catalog: i18n.MustCatalog(), Logger: newJSONLogger(&logs)})
	s.router.Get("/t/{token}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, "ok") })
	s.router.Get("/t/{token}/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	s.router.Get("/t/{token}/fail", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, blueprint.Internal(errors.New("the cause")))
	})
	for _, path := range []string{"/t/" + token, "/t/" + token + "/panic", "/t/" + token + "/fail"} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Accept", "application/json")
		s.ServeHTTP(httptest.NewRecorder(), r)
	}

	if got := logs.String(); strings.Contains(got, token) {
		t.Errorf("the log holds the token:\n%s", got)
	}
	var routes []string
	for _, l := range logs.lines(t, "request") {
		routes = append(routes, l["route"].(string))
	}
	// The request log is outside the recoverer: a panic has its request line too.
	if want := []string{"/t/{token}", "/t/{token}/panic", "/t/{token}/fail"}; strings.Join(routes, " ") != strings.Join(want, " ") {
		t.Errorf("request lines name routes %q; want %q", routes, want)
	}
	if l := logs.lines(t, "panic"); len(l) != 1 || l[0]["route"] != "/t/{token}/panic" {
		t.Errorf("panic lines: %v; want one naming the route /t/{token}/panic", l)
	}
	internal := logs.lines(t, "internal error")
	var failed int
	for _, l := range internal {
		if l["route"] == "/t/{token}/fail" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("internal error lines: %v; want one naming the route /t/{token}/fail", internal)
	}
}

// /readyz answers anyone: it says that a dependency failed, and the log says which and why,
// once per change rather than at every probe.
func TestReadyzHidesTheCause(t *testing.T) {
	const cause = "dial tcp 10.1.2.3:5432: connect: connection refused"
	var logs logBuffer
	var mu sync.Mutex
	failing := errors.New(cause)
	s := New(Config{Catalog: i18n.MustCatalog(), Logger: newJSONLogger(&logs), Ready: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return failing
	}})
	probe := func() (int, string) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w.Code, w.Body.String()
	}
	for range 3 {
		status, body := probe()
		if status != http.StatusServiceUnavailable || strings.Contains(body, "10.1.2.3") || !strings.Contains(body, notReadyReason) {
			t.Fatalf("/readyz answered %d %s; want 503 with the fixed reason only", status, body)
		}
	}
	if l := logs.lines(t, "not ready"); len(l) != 1 || l[0]["err"] != cause || l[0]["level"] != "WARN" {
		t.Errorf("'not ready' lines: %v; want one WARN with the cause", l)
	}
	mu.Lock()
	failing = nil
	mu.Unlock()
	if status, _ := probe(); status != http.StatusOK {
		t.Fatalf("/readyz answered %d once ready", status)
	}
	probe()
	if l := logs.lines(t, "ready again"); len(l) != 1 {
		t.Errorf("'ready again' lines: %v; want one", l)
	}
}
