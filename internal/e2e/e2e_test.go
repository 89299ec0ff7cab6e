package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
	"lastmile/internal/server"
)

// EnvChromium names the variable holding the path of the browser.
const EnvChromium = "LASTMILE_CHROMIUM"

// browser is one Chromium shared by the tests of the package; each test opens its own tabs.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	closeExporter()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// newTab opens a tab of the shared browser for the test, starting the browser if needed.
// The tab closes when the test ends. With chromedp.WithNewBrowserContext() among opts the
// tab has cookies of its own, as another person's browser.
func newTab(t testing.TB, opts ...chromedp.ContextOption) context.Context {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, or set it to a Chromium, e.g. %s=$(scripts/chromium.sh)", EnvChromium, EnvChromium)
	}
	browser.once.Do(func() {
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
		}
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		browser.ctx = bctx
		browser.cancel = func() { bcancel(); acancel() }
		// The first Run starts the browser; it lives as long as bctx.
		_, browser.err = chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void]("1"))
	})
	if browser.err != nil {
		t.Fatalf("starting Chromium at %s: %v", path, browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, opts...)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void]("1")); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// run runs browser actions under a deadline and fails the test on error.
func run(t testing.TB, tab context.Context, what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submitForm submits the form selected, as chromedp.Submit does (without its submit
// event), once the form is in the page. It looks the form up by its selector in the page
// itself rather than by a node id, which a page that has just replaced its document
// (after a redirect) may have forgotten.
func submitForm(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel))(ctx, t); err != nil {
			return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", sel, err)
		}
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
  const el = document.querySelector(%q);
  HTMLFormElement.prototype.submit.call(el.nodeName === 'FORM' ? el : el.form);
})()`, sel))(ctx, t)
	}
}

// discard makes an action whose value does not matter fit among steps.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// eval evaluates a JavaScript expression in the tab and decodes its value.
func eval[T any](t testing.TB, tab context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluating %s: %v", truncate(expr, 120), err)
	}
	return v
}

// consoleErrors collects what a tab reports as going wrong: console.error calls,
// uncaught exceptions and error entries of the browser log (such as Content-Security-Policy
// violations and failed loads).
type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

// watchConsole fails the test, when it ends, if the tab reported an error. With
// networkOK, errors the browser logs about the network (a websocket that could not
// connect, as when the tests cut it on purpose) are allowed.
func watchConsole(t testing.TB, tab context.Context, networkOK bool) {
	t.Helper()
	c := &consoleErrors{}
	t.Cleanup(func() { c.check(t) })
	err := chromedp.Listen(tab, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			msg = "console.error: " + strings.Join(parts, " ")
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level != log.EntryLevelError || (networkOK && ev.Entry.Source == log.EntrySourceNetwork) ||
				strings.HasSuffix(ev.Entry.URL, "/favicon.ico") { // the site has no icon (yet)
				return
			}
			msg = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		default:
			return
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, msg)
		c.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("listening to the console: %v", err)
	}
}

func (c *consoleErrors) check(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		t.Errorf("the page reported an error: %s", m)
	}
}

// node is one lastmile process over a fresh database: store, hub and HTTP server. The
// hub can be swapped (a restart) and the websockets cut (a network loss).
type node struct {
	store *postgres.Store
	live  *liveSwitch
	url   string
}

// startNode starts a node; extra routes are served before the server's (test pages).
// Each of opts may change the server's configuration before it starts.
func startNode(t testing.TB, extra map[string]http.Handler, opts ...func(*server.Config, *node)) *node {
	t.Helper()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(pool)
	live := &liveSwitch{store: store, conns: map[*websocket.Conn]struct{}{}}
	live.hub = live.newHub()
	n := &node{store: store, live: live}
	cfg := server.Config{Boards: store, Editor: live, Catalog: i18n.MustCatalog(), Logger: quietLog(),
		Live: live.serve}
	for _, o := range opts {
		o(&cfg, n)
	}
	srv := server.New(cfg)
	mux := http.NewServeMux()
	for pattern, h := range extra {
		mux.Handle(pattern, h)
	}
	mux.Handle("/", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		live.mu.Lock()
		hubs := live.hubs
		live.mu.Unlock()
		for _, h := range hubs {
			if err := h.Shutdown(ctx); err != nil {
				t.Errorf("hub shutdown: %v", err)
			}
		}
		hs.CloseClientConnections()
		hs.Close()
		pool.Close()
	})
	n.url = hs.URL
	return n
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// liveSwitch stands between the server and the hub: it is the server's Editor and serves
// its websockets through the current hub, and it can refuse connections for a while.
type liveSwitch struct {
	store *postgres.Store

	mu    sync.Mutex
	hub   *realtime.Hub
	hubs  []*realtime.Hub // every hub started, for the cleanup
	down  bool            // refuse websockets, as an unreachable network would
	conns map[*websocket.Conn]struct{}
}

func (l *liveSwitch) newHub() *realtime.Hub {
	h := realtime.NewHub(l.store, nil, quietLog(), nil, realtime.Options{})
	l.hubs = append(l.hubs, h)
	return h
}

func (l *liveSwitch) current() *realtime.Hub {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hub
}

// ApplyEdits implements server.Editor through the current hub.
func (l *liveSwitch) ApplyEdits(ctx context.Context, boardID string, edits []blueprint.Edit) ([]blueprint.Result, error) {
	return l.current().ApplyEdits(ctx, boardID, edits)
}

func (l *liveSwitch) serve(ws *websocket.Conn, boardID string, p server.Participant) {
	l.mu.Lock()
	if l.down {
		l.mu.Unlock()
		_ = ws.Close() // no close frame: the browser sees the connection drop
		return
	}
	hub := l.hub
	l.conns[ws] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.conns, ws)
		l.mu.Unlock()
	}()
	hub.Serve(ws, boardID, realtime.Participant{Name: p.Name, Role: p.Role, CanEdit: p.CanEdit, CanComment: p.CanComment, By: p.By, Moderator: p.Moderator,
		GrantID: p.GrantID, UserID: p.UserID,
		Open: p.Open, AuthorizedAt: p.AuthorizedAt, Localize: p.Localize})
}

// cut drops every websocket without a close frame and refuses new ones until restore.
func (l *liveSwitch) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for ws := range l.conns {
		_ = ws.Close()
	}
}

func (l *liveSwitch) restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}

// stopHub shuts the current hub down, as a process does when it stops: its clients are
// closed with 1012, and connections made meanwhile are refused with 1012 too.
func (l *liveSwitch) stopHub(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.current().Shutdown(ctx); err != nil {
		t.Fatalf("hub shutdown: %v", err)
	}
}

// startHub puts a new hub in place, as a restarted process.
func (l *liveSwitch) startHub() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hub = l.newHub()
}

func mustBoard(t testing.TB, s *postgres.Store) *blueprint.Board {
	t.Helper()
	title, ops, err := blueprint.TemplateOps(blueprint.TemplateServiceBlueprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBoard(context.Background(), title, blueprint.TemplateServiceBlueprint, "test", ops)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func str(s string) *string { return &s }

func cardOp(id, stage, lane, order, text string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
		Fields: blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str(order), Text: str(text)}}
}

func teamOp(id, name, color string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: id,
		Fields: blueprint.Fields{Name: str(name), Color: str(color)}}
}

func cardTeamOp(card, team string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: card,
		Fields: blueprint.Fields{Team: str(team)}}
}

// postOps applies ops through the JSON API, as another client would.
func postOps(t testing.TB, n *node, boardID string, ops ...blueprint.Op) {
	t.Helper()
	body, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(n.url+"/api/boards/"+boardID+"/ops", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || bytes.Contains(data, []byte(`"error"`)) {
		t.Fatalf("POST ops: %d %s", res.StatusCode, data)
	}
}

// applyDirect commits ops straight to the store, bypassing the hub, as another process
// would: connected pages learn of them only by catching up.
func applyDirect(t *testing.T, n *node, boardID string, ops ...blueprint.Op) {
	t.Helper()
	edits := make([]blueprint.Edit, len(ops))
	for i, op := range ops {
		edits[i] = blueprint.Edit{Author: "elsewhere", Op: op}
	}
	res, err := n.store.ApplyEdits(context.Background(), boardID, edits)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("applying directly: %v", r.Err)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
