package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	proxy := pgtest.NewProxy(t, pgtest.NewURL(t))
	var logs syncBuffer
	log := slogJSON(&logs)
	pool, err := postgres.OpenLogged(context.Background(), proxy.URL, log)
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

	proxy.Down()
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

	proxy.Up()
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
