package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/protocol"
	"lastmile/internal/realtime"
	"lastmile/internal/server"
	"lastmile/internal/wsclient"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// node is one lastmile process: a store, a hub and an HTTP server.
type node struct {
	store *postgres.Store
	hub   *realtime.Hub
	http  *httptest.Server
	url   string
	reg   *prometheus.Registry // the hub's metrics
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// startNode starts a process on the database at dsn. With broker, it announces and
// receives commits through Postgres notifications.
func startNode(t *testing.T, dsn string, opts realtime.Options, broker bool) *node {
	t.Helper()
	return startNodeWith(t, dsn, nodeConfig{opts: opts, broker: broker})
}

// nodeConfig is how startNodeWith builds a process.
type nodeConfig struct {
	opts   realtime.Options
	broker bool
	log    *slog.Logger                         // the hub's; quietLog when nil
	store  func(*postgres.Store) realtime.Store // what the hub uses; the store itself when nil
}

func startNodeWith(t *testing.T, dsn string, cfg nodeConfig) *node {
	t.Helper()
	opts, broker := cfg.opts, cfg.broker
	ctx := context.Background()
	pool, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(pool)
	var br realtime.Broker
	bg, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	var hub *realtime.Hub
	if broker {
		n := postgres.NewNotifier(pool, quietLog())
		br = n
		go func() { n.Run(bg); done <- struct{}{} }()
	}
	var hubStore realtime.Store = store
	if cfg.store != nil {
		hubStore = cfg.store(store)
	}
	hubLog := cfg.log
	if hubLog == nil {
		hubLog = quietLog()
	}
	reg := prometheus.NewRegistry()
	hub = realtime.NewHub(hubStore, br, hubLog, realtime.NewMetrics(reg), opts)
	if broker {
		go func() {
			postgres.Listen(bg, dsn, quietLog(), postgres.Handlers{Ops: hub.Notify, Resync: hub.Resync, Facilitation: hub.FacilitationChanged})
			done <- struct{}{}
		}()
	}
	srv := server.New(server.Config{Boards: store, Editor: hub, Catalog: i18n.MustCatalog(), Logger: quietLog(),
		Live: func(ws *websocket.Conn, id string, p server.Participant) {
			hub.Serve(ws, id, realtime.Participant{Name: p.Name, Role: p.Role, CanEdit: p.CanEdit})
		}})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("hub shutdown: %v", err)
		}
		hs.CloseClientConnections()
		hs.Close()
		stop()
		if broker {
			<-done
			<-done
		}
		pool.Close()
	})
	return &node{store: store, hub: hub, http: hs, url: hs.URL, reg: reg}
}

func mustBoard(t *testing.T, s *postgres.Store) *blueprint.Board {
	t.Helper()
	title, ops, err := blueprint.TemplateOps(blueprint.TemplateServiceBlueprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBoard(context.Background(), title, blueprint.TemplateServiceBlueprint, "t", ops)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustConnect(t *testing.T, n *node, board, id string, setup ...func(*wsclient.Client)) *wsclient.Client {
	t.Helper()
	c := wsclient.New(n.url, board, id, id)
	for _, f := range setup {
		f(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connecting %s: %v", id, err)
	}
	t.Cleanup(c.Close)
	return c
}

func str(s string) *string { return &s }

func createCard(id, stage, lane, text string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
		Fields: blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str("V"), Text: str(text)}}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exportOf(t *testing.T, b *blueprint.Board) string {
	t.Helper()
	if b == nil {
		return "<nil>"
	}
	e := b.Export()
	e.ID = ""
	data, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func serverState(t *testing.T, s *postgres.Store, id string) *blueprint.Board {
	t.Helper()
	b, err := s.FindBoard(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLive_EditsReachEveryone(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	alice := mustConnect(t, n, b.ID, "alice")
	bob := mustConnect(t, n, b.ID, "bob")

	if _, err := alice.Submit(createCard("c1", "stage-1", "lane-1", "Hello")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob sees alice's card", func() bool { c := bob.Confirmed(); return c != nil && c.Cards["c1"] != nil })
	eventually(t, "alice's op is acknowledged", func() bool { return alice.Pending() == 0 })

	// An edit through the JSON API reaches the websocket clients too.
	res, err := n.hub.ApplyEdits(context.Background(), b.ID, []blueprint.Edit{{Author: "api", Op: blueprint.Op{
		Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Text: str("Bonjour")}}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("api edit: %v %v", err, res)
	}
	eventually(t, "both see the API edit", func() bool {
		return alice.Confirmed().Cards["c1"].Text == "Bonjour" && bob.Confirmed().Cards["c1"].Text == "Bonjour"
	})
	want := exportOf(t, serverState(t, n.store, b.ID))
	for _, c := range []*wsclient.Client{alice, bob} {
		if diff := cmp.Diff(want, exportOf(t, c.Confirmed())); diff != "" {
			t.Errorf("%s differs from the server (-server +client):\n%s", c.ID(), diff)
		}
	}
}

func TestLive_RejectedOpIsNackedAndChangesNothing(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	c := mustConnect(t, n, b.ID, "c")
	key, _ := c.Submit(createCard("x", "no-such-stage", "lane-1", "lost"))
	eventually(t, "the nack", func() bool { return len(c.Rejected()) == 1 })
	r := c.Rejected()[0]
	if r.T != "nack" || r.Key != key || r.Code != blueprint.ENOTFOUND {
		t.Fatalf("rejection = %+v; want nack %s not_found", r, key)
	}
	if c.Pending() != 0 || c.View().Cards["x"] != nil {
		t.Fatalf("the refused op is still shown")
	}
	if got := serverState(t, n.store, b.ID).Seq; got != b.Seq {
		t.Fatalf("seq moved from %d to %d on a refused op", b.Seq, got)
	}
}

// Reconnecting from any sequence, including one older than the snapshot horizon, gives
// exactly the missing ops (the client fails on any gap and ignores nothing silently).
func TestLive_ResumeFromAnySequence(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{Horizon: 5}, false)
	b := mustBoard(t, n.store)
	writer := mustConnect(t, n, b.ID, "writer")
	for i := range 12 {
		if _, err := writer.Submit(createCard(fmt.Sprintf("c%d", i), "stage-1", "lane-1", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "writer's ops confirmed", func() bool { return writer.Pending() == 0 })
	final := serverState(t, n.store, b.ID)
	want := exportOf(t, final)

	// A client that followed from the start, then dropped at every sequence in turn.
	for from := int64(0); from <= final.Seq; from++ {
		t.Run(fmt.Sprintf("from%d", from), func(t *testing.T) {
			// Build a client holding the state at `from` by replaying the log.
			c := wsclient.New(n.url, b.ID, fmt.Sprintf("r%d", from), "r")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.Connect(ctx); err != nil { // snapshot at the current seq
				t.Fatal(err)
			}
			c.Close()
			if got := exportOf(t, c.Confirmed()); got != want {
				t.Fatalf("state after snapshot differs")
			}
		})
	}

	// Resume from every sequence: follow the writer, dropping after each op.
	follower := mustConnect(t, n, b.ID, "follower")
	for i := range 12 {
		follower.Drop()
		if _, err := writer.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard,
			ID: fmt.Sprintf("c%d", i), Fields: blueprint.Fields{Text: str(fmt.Sprint("edited ", i))}}); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 { // sometimes fall further behind than the horizon
			for j := range 6 {
				_, _ = writer.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard,
					ID: fmt.Sprintf("c%d", j), Fields: blueprint.Fields{Detail: str(fmt.Sprint(i, j))}})
			}
		}
		eventually(t, "writer confirmed", func() bool { return writer.Pending() == 0 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := follower.Connect(ctx)
		cancel()
		if err != nil {
			t.Fatalf("resume %d: %v", i, err)
		}
		server := serverState(t, n.store, b.ID)
		eventually(t, "follower current", func() bool { return follower.Seq() == server.Seq })
		if diff := cmp.Diff(exportOf(t, server), exportOf(t, follower.Confirmed())); diff != "" {
			t.Fatalf("after resume %d the follower differs (-server +follower):\n%s", i, diff)
		}
	}
}

func TestLive_SoftLock(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	ana := mustConnect(t, n, b.ID, "ana")
	var benSaw atomic.Value
	benSaw.Store("")
	ben := mustConnect(t, n, b.ID, "ben", func(c *wsclient.Client) {
		c.OnFrame = func(f *protocol.ServerFrame) {
			if f.T != protocol.TypePeers {
				return
			}
			for _, p := range f.Peers {
				if p.Editing == "c1" {
					benSaw.Store(p.Name)
				}
			}
		}
	})
	_, _ = ana.Submit(createCard("c1", "stage-1", "lane-1", "draft"))
	eventually(t, "card everywhere", func() bool { return ben.Confirmed().Cards["c1"] != nil && ana.Pending() == 0 })

	if err := ana.SendPresence(1, 2, str("c1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ben sees ana editing", func() bool { return benSaw.Load() == "ana" })
	_, _ = ben.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Text: str("ben's")}})
	eventually(t, "ben's edit refused", func() bool { return len(ben.Rejected()) == 1 })
	if r := ben.Rejected()[0]; r.Code != blueprint.ECONFLICT {
		t.Fatalf("rejection %+v; want conflict", r)
	}
	// Moving the card is not a text edit: allowed.
	_, _ = ben.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Stage: str("stage-2")}})
	eventually(t, "move applied", func() bool { return ben.Pending() == 0 && ana.Confirmed().Cards["c1"].Stage == "stage-2" })

	ana.Close() // the lock goes with her
	eventually(t, "lock released", func() bool {
		_, _ = ben.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Text: str("ben's")}})
		time.Sleep(50 * time.Millisecond)
		return ben.Confirmed().Cards["c1"].Text == "ben's"
	})
}

// Joiners while the board stands still share one encoded snapshot; a joiner after an
// edit gets the board with it.
func TestLive_SnapshotAfterEdit(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	ana := mustConnect(t, n, b.ID, "ana")
	ben := mustConnect(t, n, b.ID, "ben")
	if diff := cmp.Diff(exportOf(t, ana.Confirmed()), exportOf(t, ben.Confirmed())); diff != "" {
		t.Fatalf("two joiners of a still board differ (-ana +ben):\n%s", diff)
	}
	for i, text := range []string{"first", "second"} {
		_, _ = ana.Submit(createCard(fmt.Sprintf("c%d", i), "stage-1", "lane-1", text))
		eventually(t, "edit committed", func() bool { return ana.Pending() == 0 })
		late := mustConnect(t, n, b.ID, fmt.Sprintf("late%d", i))
		if c := late.Confirmed().Cards[fmt.Sprintf("c%d", i)]; c == nil || c.Text != text {
			t.Fatalf("a joiner after edit %d holds card %+v", i, c)
		}
		if diff := cmp.Diff(exportOf(t, serverState(t, n.store, b.ID)), exportOf(t, late.Confirmed())); diff != "" {
			t.Fatalf("a joiner after edit %d differs from the server (-server +joiner):\n%s", i, diff)
		}
	}
}

// Presence goes out as one peers frame per PresenceEvery: joins, pointer moves and leaves
// made meanwhile reach the others together, with each participant's latest presence.
func TestLive_PresenceIsBatched(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{PresenceEvery: 400 * time.Millisecond}, false)
	b := mustBoard(t, n.store)
	type seen struct {
		frames int                      // peers frames naming ana
		ana    protocol.Peer            // her latest presence
		here   map[string]protocol.Peer // conn id → peer, as ben's page would hold them
	}
	var mu sync.Mutex
	got := seen{here: map[string]protocol.Peer{}}
	mustConnect(t, n, b.ID, "ben", func(c *wsclient.Client) {
		c.OnFrame = func(f *protocol.ServerFrame) {
			if f.T != protocol.TypePeers {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range f.Peers {
				got.here[p.Conn] = p
				if p.Name == "ana" {
					got.frames++
					got.ana = p
				}
			}
			for _, id := range f.Left {
				delete(got.here, id)
			}
		}
	})
	ana := mustConnect(t, n, b.ID, "ana")
	const moves = 25 // within the presence rate's burst of 30
	for i := 1; i <= moves; i++ {
		if err := ana.SendPresence(float64(i), float64(2*i), nil); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "ben sees ana's last pointer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got.ana.Cursor != nil && got.ana.Cursor.X == moves && got.ana.Cursor.Y == 2*moves
	})
	mu.Lock()
	frames := got.frames
	mu.Unlock()
	// One frame for her join and her moves, or a few if the moves straddled a tick; one
	// frame per move (26) is what batching prevents.
	if frames > 5 {
		t.Errorf("ben got %d peers frames naming ana for her join and %d moves; want them batched", frames, moves)
	}

	ana.Close()
	eventually(t, "ana's departure reaches ben", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range got.here {
			if p.Name == "ana" {
				return false
			}
		}
		return true
	})
}

func TestLive_TwoProcesses(t *testing.T) {
	dsn := pgtest.NewURL(t)
	a := startNode(t, dsn, realtime.Options{}, true)
	bn := startNode(t, dsn, realtime.Options{}, true)
	b := mustBoard(t, a.store)
	onA := mustConnect(t, a, b.ID, "on-a")
	onB := mustConnect(t, bn, b.ID, "on-b")
	_, _ = onA.Submit(createCard("from-a", "stage-1", "lane-1", "A"))
	_, _ = onB.Submit(createCard("from-b", "stage-2", "lane-2", "B"))
	eventually(t, "each sees the other's edit", func() bool {
		ca, cb := onA.Confirmed(), onB.Confirmed()
		return ca.Cards["from-b"] != nil && cb.Cards["from-a"] != nil
	})
	eventually(t, "both current", func() bool { return onA.Pending() == 0 && onB.Pending() == 0 && onA.Seq() == onB.Seq() })
	if diff := cmp.Diff(exportOf(t, onA.Confirmed()), exportOf(t, onB.Confirmed())); diff != "" {
		t.Fatalf("the two processes' clients differ:\n%s", diff)
	}
}

func TestLive_ShutdownClosesWith1012(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	c := mustConnect(t, n, b.ID, "c")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if got := c.CloseCode(); got != websocket.CloseServiceRestart {
		t.Fatalf("close code %d; want 1012", got)
	}

	// A connection handed over while or after the hub stops is closed with 1012 too, and
	// the hub does not start it (Shutdown has stopped waiting).
	late := wsclient.New(n.url, b.ID, "late", "late")
	err := late.Connect(ctx)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseServiceRestart {
		t.Fatalf("connecting after shutdown: %v; want close 1012", err)
	}
}

// Connections handed over while the hub shuts down are either served and closed with
// 1012, or refused with 1012; Shutdown waits for those it served (under -race, a
// connection started after Shutdown began waiting would be reported).
func TestLive_ConnectDuringShutdown(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	codes := make(chan int, 200)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ctx.Err() == nil && j < 25; j++ {
				c := wsclient.New(n.url, b.ID, fmt.Sprintf("c%d-%d", i, j), "c")
				err := c.Connect(ctx)
				if err == nil {
					<-c.Done()
					codes <- c.CloseCode()
					continue
				}
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					codes <- ce.Code
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := n.hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(codes)
	seen := 0
	for code := range codes {
		seen++
		if code != websocket.CloseServiceRestart {
			t.Errorf("a connection made during shutdown ended with %d; want 1012", code)
		}
	}
	if seen == 0 {
		t.Fatal("no connection was made during shutdown")
	}
}

func TestLive_BadFrames(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	wsURL := "ws" + n.url[len("http"):] + "/boards/" + b.ID + "/ws"
	dial := func(t *testing.T) *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		return ws
	}
	readFrame := func(t *testing.T, ws *websocket.Conn) map[string]any {
		t.Helper()
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("reading: %v", err)
		}
		return f
	}
	hello := func(t *testing.T, ws *websocket.Conn) {
		t.Helper()
		_ = ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "bad", "seq": b.Seq})
		if f := readFrame(t, ws); f["t"] != "welcome" {
			t.Fatalf("got %v; want welcome", f)
		}
	}

	t.Run("OldVersion", func(t *testing.T) {
		ws := dial(t)
		_ = ws.WriteJSON(map[string]any{"t": "hello", "v": 0, "client": "x"})
		f := readFrame(t, ws)
		if f["t"] != "error" || f["code"] != "version" {
			t.Fatalf("got %v; want a version error", f)
		}
		_, _, err := ws.ReadMessage()
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
			t.Fatalf("err = %v; want close 1008", err)
		}
	})
	t.Run("MalformedThenValid", func(t *testing.T) {
		ws := dial(t)
		hello(t, ws)
		for _, bad := range []string{`{`, `[]`, `{"t":"ops","ops":{}}`, `{"t":"nope"}`, `{"t":"ops","extra":1}`, "\xff\xfe"} {
			_ = ws.WriteMessage(websocket.TextMessage, []byte(bad))
			f := readFrame(t, ws)
			if f["t"] != "error" || f["message"] == "" {
				t.Fatalf("for %q got %v; want an error frame with a message", bad, f)
			}
		}
		// Ops without a proper key are refused one by one.
		_ = ws.WriteJSON(map[string]any{"t": "ops", "ops": []blueprint.Op{createCard("k", "stage-1", "lane-1", "x")}})
		if f := readFrame(t, ws); f["t"] != "nack" || f["code"] != blueprint.EINVALID {
			t.Fatalf("got %v; want nack invalid", f)
		}
		// The connection still works.
		op := createCard("ok", "stage-1", "lane-1", "<script>alert(1)</script>")
		op.Key = "bad:1"
		_ = ws.WriteJSON(map[string]any{"t": "ops", "ops": []blueprint.Op{op}})
		f := readFrame(t, ws)
		if f["t"] != "ops" {
			t.Fatalf("got %v; want the broadcast of the valid op", f)
		}
		if got := serverState(t, n.store, b.ID); got.Seq != b.Seq+1 || got.Cards["ok"].Text != "<script>alert(1)</script>" {
			t.Fatalf("state after bad frames: seq %d", got.Seq)
		}
	})
	t.Run("Oversized", func(t *testing.T) {
		ws := dial(t)
		hello(t, ws)
		_ = ws.WriteMessage(websocket.TextMessage, make([]byte, 2<<20))
		for {
			_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err := ws.ReadMessage()
			if err != nil {
				if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
					t.Fatalf("err = %v; want close 1009", err)
				}
				break
			}
		}
	})
	t.Run("ForeignOrigin", func(t *testing.T) {
		ws, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {"http://evil.example"}})
		if err == nil {
			ws.Close()
			t.Fatal("a websocket from another origin was accepted")
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("response %v; want 403", resp)
		}
	})
	t.Run("UnknownBoard", func(t *testing.T) {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+n.url[len("http"):]+"/boards/nosuchboard/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		_ = ws.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "x"})
		f := readFrame(t, ws)
		if f["t"] != "error" || f["code"] != blueprint.ENOTFOUND {
			t.Fatalf("got %v; want not_found", f)
		}
	})
}

// A client that stops reading is dropped; the others keep receiving everything.
func TestLive_SlowConsumerIsDropped(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{SendQueue: 32}, false)
	b := mustBoard(t, n.store)
	wsURL := "ws" + n.url[len("http"):] + "/boards/" + b.ID + "/ws"
	slow, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_ = slow.WriteJSON(map[string]any{"t": "hello", "v": 1, "client": "slow", "seq": b.Seq})
	// It never reads again.

	fast := mustConnect(t, n, b.ID, "fast")
	writer := mustConnect(t, n, b.ID, "writer")
	_, _ = writer.Submit(createCard("c", "stage-1", "lane-1", "big"))
	// Large frames fill the slow socket's buffers, so its queue fills in turn.
	const edits = 1500
	for i := range edits {
		for writer.Pending() > 20 {
			time.Sleep(time.Millisecond)
		}
		_, _ = writer.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c",
			Fields: blueprint.Fields{Detail: str(fmt.Sprintf("%09000d", i))}})
	}
	eventually(t, "fast client has every op", func() bool {
		return writer.Pending() == 0 && fast.Seq() == serverState(t, n.store, b.ID).Seq
	})
	if fast.CloseCode() != 0 || len(writer.Rejected()) != 0 {
		t.Fatalf("the others were disturbed: fast close %d, writer rejections %v", fast.CloseCode(), writer.Rejected())
	}
	// The slow one was dropped: reading what it was sent ends with close 1013 or a cut,
	// well before every op.
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	var frames int
	for {
		_, _, err := slow.ReadMessage()
		if err != nil {
			if websocket.IsUnexpectedCloseError(err, websocket.CloseTryAgainLater) && !isCut(err) {
				t.Fatalf("slow client ended with %v; want close 1013", err)
			}
			break
		}
		frames++
	}
	if frames >= edits {
		t.Fatalf("slow client received %d frames, as many as the edits; it was not dropped", frames)
	}
}

func isCut(err error) bool {
	var ce *websocket.CloseError
	if ok := asCloseError(err, &ce); ok {
		return ce.Code == websocket.CloseAbnormalClosure
	}
	return true // a reset connection, not a close frame
}

func asCloseError(err error, target **websocket.CloseError) bool {
	ce, ok := err.(*websocket.CloseError)
	if ok {
		*target = ce
	}
	return ok
}

// TestLive_ManyPendingOpsAfterOffline: an editor who comes back with far more pending ops
// than the connection's burst gets every one committed. Faster than the op rate, the
// server slows the client down; it refuses nothing.
func TestLive_ManyPendingOpsAfterOffline(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{OpsPerSecond: 1000, OpsBurst: 500}, false)
	b := mustBoard(t, n.store)
	c := mustConnect(t, n, b.ID, "traveller")
	c.Drop()
	const total = 1600
	for i := range total {
		if _, err := c.Submit(createCard(fmt.Sprintf("c%d", i), "stage-1", "lane-1", "offline")); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every pending op to be acknowledged", func() bool { return c.Pending() == 0 })
	if r := c.Rejected(); len(r) != 0 {
		t.Fatalf("%d ops refused, first: %+v", len(r), r[0])
	}
	if got := len(serverState(t, n.store, b.ID).Cards); got != total {
		t.Fatalf("the server holds %d cards; want %d", got, total)
	}
}

// A light client (the load generator's) follows sequences and keys without a board.
func TestLive_LightClient(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	var mu sync.Mutex
	var keys []string
	light := mustConnect(t, n, b.ID, "light", func(c *wsclient.Client) {
		c.Light = true
		c.OnOps = func(ops []protocol.Committed, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			for _, o := range ops {
				keys = append(keys, o.Op.Key)
			}
		}
	})
	full := mustConnect(t, n, b.ID, "full")
	if light.Seq() != b.Seq {
		t.Fatalf("the light client holds seq %d after its snapshot; want %d", light.Seq(), b.Seq)
	}
	k1, _ := light.Submit(createCard("l1", "stage-1", "lane-1", "from light"))
	k2, _ := full.Submit(createCard("f1", "stage-1", "lane-1", "from full"))
	eventually(t, "both ops confirmed to both", func() bool {
		return light.Pending() == 0 && full.Pending() == 0 && light.Seq() == b.Seq+2 && full.Seq() == b.Seq+2
	})
	mu.Lock()
	got := append([]string(nil), keys...)
	mu.Unlock()
	want := []string{k1, k2}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the light client saw keys %q; want %q", got, want)
	}
	if light.Confirmed() != nil || light.View() != nil {
		t.Fatal("a light client holds a board")
	}
	if c := full.Confirmed(); c.Cards["l1"] == nil || c.Cards["f1"] == nil {
		t.Fatal("the full client lacks a card")
	}
}
