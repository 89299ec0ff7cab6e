package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
	"lastmile/internal/server"
)

// While the database cannot be reached, the JSON API, the pages and the websocket
// upgrade answer 503 unavailable, as docs/protocol.md says, and the log says once that
// the database is away and once that it is back, instead of an error per request.
func TestDatabaseUnreachable(t *testing.T) {
	proxy := startProxy(t, pgtest.NewURL(t))
	var logs syncBuffer
	log := slogJSON(&logs)
	pool, err := postgres.OpenLogged(context.Background(), proxy.dsn, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	hub := realtime.NewHub(store, nil, log, nil, realtime.Options{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
	})
	srv := server.New(server.Config{Boards: store, Editor: hub, Catalog: i18n.MustCatalog(), Logger: log, Accounts: store,
		Live: func(ws *websocket.Conn, boardID string, who server.Participant) {
			hub.Serve(ws, boardID, realtime.Participant{Name: who.Name, Role: who.Role, CanEdit: who.CanEdit})
		}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	title, ops, err := blueprint.TemplateOps(blueprint.TemplateBlank, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.CreateBoard(context.Background(), title, blueprint.TemplateBlank, "t", ops)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, body := get("/api/boards/" + b.ID); status != http.StatusOK {
		t.Fatalf("before the database goes away: %d %s", status, body)
	}

	proxy.stop()
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/boards/" + b.ID + "/ws"
	for range 5 {
		status, body := get("/api/boards/" + b.ID)
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal([]byte(body), &e)
		if status != http.StatusServiceUnavailable || e.Error.Code != blueprint.EUNAVAILABLE {
			t.Fatalf("GET /api/boards/{id} while the database is away: %d %s; want 503 unavailable", status, body)
		}
		if status, body := get("/boards/"+b.ID+"/", "Accept", "text/html"); status != http.StatusServiceUnavailable {
			t.Fatalf("GET /boards/{id}/ while the database is away: %d %s; want 503", status, body)
		}
		ws, res, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err == nil {
			ws.Close()
			t.Fatal("the websocket was upgraded while the database is away")
		}
		if res == nil || res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("websocket upgrade while the database is away: %v %v; want 503", res, err)
		}
	}

	proxy.start()
	if status, body := get("/api/boards/" + b.ID); status != http.StatusOK {
		t.Fatalf("once the database is back: %d %s", status, body)
	}
	var away, back, errors int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch {
		case l["level"] == "ERROR":
			errors++
		case l["msg"] == "the database cannot be reached" && l["level"] == "WARN":
			away++
		case l["msg"] == "the database answers again":
			back++
		}
	}
	if errors != 0 || away != 1 || back != 1 {
		t.Fatalf("the log has %d errors, %d lines saying the database is away, %d saying it is back; want 0, 1, 1:\n%s",
			errors, away, back, logs.String())
	}
}

// proxy forwards TCP connections to a Postgres server, and can stop (refusing new
// connections and cutting those it holds) and start again on the same address: a
// database that becomes unreachable, without stopping the server that other tests use.
type proxy struct {
	t      *testing.T
	addr   string // where it listens
	target string // the server's host:port
	dsn    string // the database's URL through the proxy

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, dsn string) *proxy {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: ln.Addr().String(), target: u.Host, conns: map[net.Conn]struct{}{}}
	u.Host = p.addr
	p.dsn = u.String()
	p.serve(ln)
	t.Cleanup(func() { p.stop(); p.wg.Wait() })
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.forward(c)
		}
	}()
}

// forward copies between c and a new connection to the target, both ways.
func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	for _, pair := range [][2]net.Conn{{c, up}, {up, c}} {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(pair[0], pair[1])
			pair[0].Close()
			pair[1].Close()
		}()
	}
}

// stop closes the listener and every connection: connecting is refused from now on.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// start listens again on the same address.
func (p *proxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listening again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// syncBuffer is a log destination that handlers of several goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func slogJSON(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
