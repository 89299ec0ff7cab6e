package realtime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
)

// TestRevokeMember checks which connections a member's change closes: those of the user,
// at once, with 1008; not those of others; and a connection authorised before the change
// that joins after it is refused.
func TestRevokeMember(t *testing.T) {
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	b := mustBoard(t, store)
	const memory = 500 * time.Millisecond
	hub := realtime.NewHub(store, nil, quietLog(), nil, realtime.Options{MemberMemory: memory})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	// The participant comes from the query: ?user=…&at=<RFC 3339 time>.
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("at"))
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		hub.Serve(ws, b.ID, realtime.Participant{Name: "n", Role: "editor", CanEdit: true, UserID: r.URL.Query().Get("user"), AuthorizedAt: at})
	}))
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })

	// dial connects as user, authorised at at, and returns the socket and the type of
	// its first frame ("" when it was closed instead, with the close error).
	dial := func(t *testing.T, user string, at time.Time) (*websocket.Conn, string, error) {
		t.Helper()
		u := "ws" + strings.TrimPrefix(hs.URL, "http") + "/?user=" + user + "&at=" + at.Format(time.RFC3339Nano)
		ws, _, err := websocket.DefaultDialer.Dial(u, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		if err := ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "c" + user, "seq": -1}); err != nil {
			t.Fatal(err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return ws, "", err
		}
		return ws, f["t"].(string), nil
	}
	closeCode := func(t *testing.T, ws *websocket.Conn) int {
		t.Helper()
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			var f map[string]any
			if err := ws.ReadJSON(&f); err != nil {
				if ce, ok := err.(*websocket.CloseError); ok {
					return ce.Code
				}
				return -1
			}
		}
	}

	ada, _, err := dial(t, "uada", time.Now())
	if err != nil {
		t.Fatalf("ada: %v", err)
	}
	bob, _, err := dial(t, "ubob", time.Now())
	if err != nil {
		t.Fatalf("bob: %v", err)
	}
	changedAt := time.Now()
	hub.RevokeMember(b.ID, "uada", changedAt)
	if code := closeCode(t, ada); code != websocket.ClosePolicyViolation {
		t.Fatalf("ada's socket closed with %d; want 1008", code)
	}
	// Bob's connection stays: it still answers.
	if err := bob.WriteJSON(map[string]any{"t": "cursor", "cursor": map[string]any{"stage": "stage-1", "lane": "lane-1"}}); err != nil {
		t.Fatalf("bob's socket: %v", err)
	}
	_ = bob.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var f map[string]any
	if err := bob.ReadJSON(&f); err != nil && websocket.IsUnexpectedCloseError(err) {
		t.Fatalf("bob's socket was closed: %v", err)
	}

	// Authorised before the change or at its time, joining after it: refused.
	for _, at := range []time.Time{changedAt.Add(-time.Millisecond), changedAt} {
		if _, typ, err := dial(t, "uada", at); typ != "" || !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
			t.Fatalf("a connection authorised at %v, the change at %v, got %q, %v; want close 1008", at, changedAt, typ, err)
		}
	}
	// Authorised after it, even when the hub hears of the change later (another process's
	// notification): welcomed.
	if _, typ, err := dial(t, "uada", changedAt.Add(time.Microsecond)); typ != "welcome" {
		t.Fatalf("a connection authorised after the change got %q, %v; want welcome", typ, err)
	}
	hub.RevokeMember(b.ID, "uada", changedAt) // the same change, told again
	if _, typ, err := dial(t, "uada", changedAt.Add(time.Microsecond)); typ != "welcome" {
		t.Fatalf("after the change was told again, a connection authorised after it got %q, %v; want welcome", typ, err)
	}
	// A change whose time is unknown refuses whoever joins next, until it is forgotten.
	hub.RevokeMember(b.ID, "ucy", time.Time{})
	if _, typ, err := dial(t, "ucy", time.Now().Add(time.Hour)); typ != "" || !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Fatalf("after a change of unknown time, cy got %q, %v; want close 1008", typ, err)
	}
	time.Sleep(memory + 100*time.Millisecond) // nothing else is revoked meanwhile: no pruning
	if _, typ, err := dial(t, "ucy", time.Now()); typ != "welcome" {
		t.Fatalf("once the change of unknown time is forgotten, cy got %q, %v; want welcome", typ, err)
	}
}

// TestCloseBoard checks what a deleted or claimed board does to its connections: those in
// the room close with 1008 at once; one authorised before and joining after is refused
// (every one for a deletion, those whose role came from the board being open for a
// claim); an op that finds its board deleted closes its socket with 1008, not a retry; and
// Reauthorize closes every connection, those of open boards included.
func TestCloseBoard(t *testing.T) {
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	hub := realtime.NewHub(store, nil, quietLog(), nil, realtime.Options{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	// The participant comes from the query: ?board=…&open=1 for a role from an open board,
	// else a member.
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		open := r.URL.Query().Get("open") == "1"
		p := realtime.Participant{Name: "n", Role: "editor", CanEdit: true, Open: open}
		if !open {
			p.UserID = "umember"
		}
		hub.Serve(ws, r.URL.Query().Get("board"), p)
	}))
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })

	// upgrade opens a socket without saying hello: authorised, not yet in the room.
	upgrade := func(t *testing.T, board string, open bool) *websocket.Conn {
		t.Helper()
		q := "?board=" + board
		if open {
			q += "&open=1"
		}
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/"+q, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		return ws
	}
	// hello says hello and returns the first frame's type, or "" and the close error.
	hello := func(t *testing.T, ws *websocket.Conn, client string) (string, error) {
		t.Helper()
		if err := ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": client, "seq": -1}); err != nil {
			t.Fatal(err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return "", err
		}
		return f["t"].(string), nil
	}
	// closed reads until ws closes and returns the close error.
	closed := func(t *testing.T, ws *websocket.Conn) error {
		t.Helper()
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return err
			}
		}
	}
	isPolicy := func(err error, reason string) bool {
		ce, ok := err.(*websocket.CloseError)
		return ok && ce.Code == websocket.ClosePolicyViolation && strings.Contains(ce.Text, reason)
	}

	t.Run("Claimed", func(t *testing.T) {
		b := mustBoard(t, store)
		in := upgrade(t, b.ID, true)
		if typ, err := hello(t, in, "cin"); typ != "welcome" {
			t.Fatalf("joining: %q %v", typ, err)
		}
		held := upgrade(t, b.ID, true) // authorised while the board was open
		hub.CloseBoard(b.ID, false)
		if err := closed(t, in); !isPolicy(err, "claimed") {
			t.Fatalf("the socket in the room ended with %v; want 1008 saying the board was claimed", err)
		}
		if typ, err := hello(t, held, "cheld"); typ != "" || !isPolicy(err, "claimed") {
			t.Fatalf("a socket authorised before the claim, joining after it, got %q %v; want 1008", typ, err)
		}
		if typ, err := hello(t, upgrade(t, b.ID, false), "cmember"); typ != "welcome" {
			t.Fatalf("a member joining after the claim got %q %v; want welcome", typ, err)
		}
	})

	t.Run("Deleted", func(t *testing.T) {
		b := mustBoard(t, store)
		in := upgrade(t, b.ID, false)
		if typ, err := hello(t, in, "cin"); typ != "welcome" {
			t.Fatalf("joining: %q %v", typ, err)
		}
		held := upgrade(t, b.ID, false)
		if err := store.DeleteBoard(context.Background(), b.ID); err != nil {
			t.Fatal(err)
		}
		// Before the hub hears of it (as on another process), an op finds the board gone.
		if err := in.WriteJSON(map[string]any{"t": "ops", "ops": []any{map[string]any{"key": "cin:1", "op": "update",
			"type": "board", "id": b.ID, "fields": map[string]any{"title": "Late"}}}}); err != nil {
			t.Fatal(err)
		}
		if err := closed(t, in); !isPolicy(err, "deleted") {
			t.Fatalf("the op on a deleted board ended the socket with %v; want 1008 saying the board was deleted", err)
		}
		hub.CloseBoard(b.ID, true)
		if typ, err := hello(t, held, "cheld"); typ != "" || !isPolicy(err, "deleted") {
			t.Fatalf("a socket authorised before the deletion, joining after it, got %q %v; want 1008", typ, err)
		}
	})

	t.Run("Reauthorize", func(t *testing.T) {
		b := mustBoard(t, store)
		open := upgrade(t, b.ID, true)
		if typ, err := hello(t, open, "copen"); typ != "welcome" {
			t.Fatalf("joining: %q %v", typ, err)
		}
		hub.Reauthorize()
		if err := closed(t, open); !websocket.IsCloseError(err, websocket.CloseServiceRestart) {
			t.Fatalf("after Reauthorize the open board's socket ended with %v; want 1012", err)
		}
	})
}
