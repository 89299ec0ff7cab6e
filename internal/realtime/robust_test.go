package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

// rawSocket is a websocket to a board that the test drives frame by frame.
type rawSocket struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, n *node, board string) *rawSocket {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(n.url, "http")+"/boards/"+board+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &rawSocket{t: t, ws: ws}
}

func (s *rawSocket) send(frame string) {
	s.t.Helper()
	if err := s.ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		s.t.Fatal(err)
	}
}

// next returns the next frame, or the error that ended the connection.
func (s *rawSocket) next() (map[string]any, error) {
	_ = s.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := s.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		s.t.Fatalf("frame %s: %v", data, err)
	}
	return f, nil
}

// answer returns the next frame that answers the client, skipping presence (peers
// frames), or the error that ended the connection.
func (s *rawSocket) answer() (map[string]any, error) {
	for {
		f, err := s.next()
		if err != nil || f["t"] != "peers" {
			return f, err
		}
	}
}

func (s *rawSocket) mustAnswer() map[string]any {
	s.t.Helper()
	f, err := s.answer()
	if err != nil {
		s.t.Fatalf("reading a frame: %v", err)
	}
	return f
}

// hello says hello and reads the welcome.
func (s *rawSocket) hello(client string, seq int64) {
	s.t.Helper()
	s.send(fmt.Sprintf(`{"t":"hello","v":1,"client":%q,"seq":%d}`, client, seq))
	if f := s.mustAnswer(); f["t"] != "welcome" {
		s.t.Fatalf("got %v; want the welcome", f)
	}
}

// wantClose reads until the connection ends and checks that it ended with code.
func (s *rawSocket) wantClose(code int) {
	s.t.Helper()
	for {
		f, err := s.next()
		if err == nil {
			s.t.Logf("frame before the close: %v", f)
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			s.t.Fatalf("the connection ended with %v; want close %d", err, code)
		}
		return
	}
}

// The corners of the protocol answer what docs/protocol.md says.
func TestLive_ProtocolCorners(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	card := func(id string) string {
		return fmt.Sprintf(`{"key":"corner:%s","op":"create","type":"card","id":%q,"fields":{"stage":"stage-1","lane":"lane-1","order":"V"}}`, id, id)
	}

	t.Run("TooLargeSaysWhyBeforeClosing", func(t *testing.T) {
		s := dialRaw(t, n, b.ID)
		s.hello("corner", b.Seq)
		if err := s.ws.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte(" "), 2<<20)); err != nil {
			t.Fatal(err)
		}
		f, err := s.answer()
		if err != nil || f["t"] != "error" || f["code"] != blueprint.ETOOLARGE {
			t.Fatalf("after a frame of 2 MiB: %v, %v; want an error frame too_large, then the close", f, err)
		}
		s.wantClose(websocket.CloseMessageTooBig)
	})

	t.Run("EmptyOpsAreAnswered", func(t *testing.T) {
		s := dialRaw(t, n, b.ID)
		s.hello("corner", b.Seq)
		for _, frame := range []string{`{"t":"ops","ops":null}`, `{"t":"ops","ops":[]}`, `{"t":"ops"}`} {
			s.send(frame)
			// A frame that is answered for sure follows: the first answer must be the
			// empty frame's.
			s.send(`{"t":"nope"}`)
			if f := s.mustAnswer(); f["t"] != "error" || f["code"] != blueprint.EINVALID {
				t.Fatalf("%s answered %v; want an error frame invalid", frame, f)
			}
			if f := s.mustAnswer(); f["t"] != "error" || f["code"] != "protocol" {
				t.Fatalf("the unknown frame after %s answered %v; want an error frame protocol", frame, f)
			}
		}
	})

	t.Run("KeyTwiceIsRefused", func(t *testing.T) {
		s := dialRaw(t, n, b.ID)
		s.hello("corner", b.Seq)
		s.send(`{"t":"ops","ops":[` + card("shown") + `],"ops":[` + card("applied") + `]}`)
		if f := s.mustAnswer(); f["t"] != "error" || f["code"] != "protocol" {
			t.Fatalf("a frame with ops twice answered %v; want an error frame protocol", f)
		}
		if got := serverState(t, n.store, b.ID); got.Seq != b.Seq {
			t.Fatalf("a frame with ops twice moved the board from %d to %d", b.Seq, got.Seq)
		}
	})

	t.Run("LongReasonKeepsItsCode", func(t *testing.T) {
		s := dialRaw(t, n, b.ID)
		// The reason quotes the unknown field: past the 123 bytes of a close frame's
		// reason, and cut in the middle of a character if cut by bytes.
		s.send(`{"t":"hello","v":1,"client":"corner","` + strings.Repeat("é", 100) + `":1}`)
		if f := s.mustAnswer(); f["t"] != "error" || f["code"] != "protocol" {
			t.Fatalf("got %v; want an error frame protocol", f)
		}
		s.wantClose(websocket.ClosePolicyViolation)
	})
}

// counter returns the value of the counter or gauge name in reg, or a histogram's count.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// A connection that stops reading while the room broadcasts is dropped once its socket
// takes no frame for WriteWait, even with room left in its queue, and is counted once.
func TestLive_StalledReaderIsDroppedAndCounted(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{WriteWait: 200 * time.Millisecond, SendQueue: 1 << 16}, false)
	b := mustBoard(t, n.store)
	stalled := dialRaw(t, n, b.ID)
	stalled.hello("stalled", b.Seq) // and it reads nothing more
	writer := mustConnect(t, n, b.ID, "writer")
	eventually(t, "both in the room", func() bool { return counter(t, n.reg, "lastmile_connections") == 2 })

	if _, err := writer.Submit(createCard("c", "stage-1", "lane-1", "big")); err != nil {
		t.Fatal(err)
	}
	// Large frames fill the socket's buffers; then a write waits, and times out.
	i := 0
	eventually(t, "the stalled connection dropped", func() bool {
		for ; writer.Pending() < 20; i++ {
			_, _ = writer.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c",
				Fields: blueprint.Fields{Detail: str(fmt.Sprintf("%09000d", i))}})
		}
		return counter(t, n.reg, "lastmile_slow_connections_dropped_total") > 0
	})
	eventually(t, "the stalled connection out of the room", func() bool { return counter(t, n.reg, "lastmile_connections") == 1 })
	if got := counter(t, n.reg, "lastmile_slow_connections_dropped_total"); got != 1 {
		t.Fatalf("%v slow connections counted; want 1", got)
	}
	eventually(t, "the writer's edits all committed", func() bool { return writer.Pending() == 0 })
	if writer.CloseCode() != 0 || len(writer.Rejected()) != 0 {
		t.Fatalf("the writer was disturbed: close %d, rejections %v", writer.CloseCode(), writer.Rejected())
	}
}

// panicky is a store whose ApplyEdits (armed) or FindBoard (armedFind) panics, for one
// board, as many times as armed.
type panicky struct {
	*postgres.Store
	board            string
	armed, armedFind atomic.Int32
}

func (s *panicky) ApplyEdits(ctx context.Context, boardID string, edits []blueprint.Edit) ([]blueprint.Result, error) {
	if boardID == s.board && s.armed.Add(-1) >= 0 {
		panic("a panic injected by the test")
	}
	return s.Store.ApplyEdits(ctx, boardID, edits)
}

func (s *panicky) FindBoard(ctx context.Context, id string) (*blueprint.Board, error) {
	if id == s.board && s.armedFind.Add(-1) >= 0 {
		panic("a panic injected by the test")
	}
	return s.Store.FindBoard(ctx, id)
}

// lockedBuffer is a log that goroutines write to and a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A panic in a room costs that room's connections only: they close with 1011 and
// reconnect to a new room, where their edits are committed; the other rooms, the
// process and HTTP callers go on, and the log has the panic with its stack.
func TestLive_PanicInARoom(t *testing.T) {
	dsn := pgtest.NewURL(t)
	var store *panicky
	var logs lockedBuffer
	n := startNodeWith(t, dsn, nodeConfig{
		log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})),
		store: func(s *postgres.Store) realtime.Store {
			store = &panicky{Store: s}
			return store
		}})
	failing, other := mustBoard(t, n.store), mustBoard(t, n.store)
	store.board = failing.ID
	ana := mustConnect(t, n, failing.ID, "ana")
	ben := mustConnect(t, n, failing.ID, "ben")
	cleo := mustConnect(t, n, other.ID, "cleo")

	store.armed.Store(1)
	if _, err := ana.Submit(createCard("c1", "stage-1", "lane-1", "kept")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface {
		Done() <-chan struct{}
		CloseCode() int
		ID() string
	}{ana, ben} {
		<-c.Done()
		if got := c.CloseCode(); got != websocket.CloseInternalServerErr {
			t.Fatalf("%s's connection ended with %d; want 1011", c.ID(), got)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"panic in a room; closing its connections"`) || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("the log lacks the panic and its stack:\n%s", logs.String())
	}

	// The other room goes on.
	if _, err := cleo.Submit(createCard("c2", "stage-1", "lane-1", "elsewhere")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "cleo's edit committed", func() bool { return cleo.Pending() == 0 && cleo.CloseCode() == 0 })

	// The failing room's clients reconnect; ana's edit, resent, is committed.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []interface{ Connect(context.Context) error }{ana, ben} {
		if err := c.Connect(ctx); err != nil {
			t.Fatalf("reconnecting after the panic: %v", err)
		}
	}
	eventually(t, "ana's edit committed and seen by ben", func() bool {
		c := ben.Confirmed()
		return ana.Pending() == 0 && c != nil && c.Cards["c1"] != nil && c.Cards["c1"].Text == "kept"
	})

	// An HTTP caller whose edits the room held when it failed is told so at once.
	store.armed.Store(1)
	httpCtx, httpCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer httpCancel()
	_, err := n.hub.ApplyEdits(httpCtx, failing.ID, []blueprint.Edit{{Author: "api", Op: createCard("c3", "stage-1", "lane-1", "api")}})
	if blueprint.ErrorCode(err) != blueprint.EUNAVAILABLE || httpCtx.Err() != nil {
		t.Fatalf("ApplyEdits through a room that panics: %v (its context: %v); want unavailable before the deadline", err, httpCtx.Err())
	}
	<-ana.Done()
	<-ben.Done()

	// A connection that the room was admitting when it failed is closed too, rather than
	// left waiting for a welcome from a room that is gone.
	store.armedFind.Store(1)
	late := wsclient.New(n.url, failing.ID, "late", "late")
	var ce *websocket.CloseError
	if err := late.Connect(ctx); !errors.As(err, &ce) || ce.Code != websocket.CloseInternalServerErr {
		t.Fatalf("joining a room that fails while it admits: %v; want close 1011", err)
	}
	if err := late.Connect(ctx); err != nil {
		t.Fatalf("joining again: %v", err)
	}
	t.Cleanup(late.Close)
}

// A panic in a connection's reader costs that connection only, and leaves no ghost in its
// room: it closes with 1011 and the log has the panic, and the room lets it go as if it
// had left — the connections gauge comes back, a newcomer's welcome does not list it, the
// card it was editing is free, and the room, once empty, goes idle.
func TestLive_PanicInAReader(t *testing.T) {
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	var logs lockedBuffer
	reg := prometheus.NewRegistry()
	hub := realtime.NewHub(store, nil, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})),
		realtime.NewMetrics(reg), realtime.Options{IdleTimeout: time.Millisecond})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	// The participant comes from the query: ?board=…; &panic=1 gives it a Localize that
	// panics, which its reader calls to word a nack.
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		p := realtime.Participant{Name: "n", Role: "editor", CanEdit: true}
		if r.URL.Query().Get("panic") == "1" {
			p.Localize = func(error) string { panic("a panic injected by the test") }
		}
		hub.Serve(ws, r.URL.Query().Get("board"), p)
	}))
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	b := mustBoard(t, store)

	// join says hello as name and returns the socket and the names of the peers its
	// welcome lists.
	join := func(name, query string) (*rawSocket, []string) {
		t.Helper()
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/?board="+b.ID+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		s := &rawSocket{t: t, ws: ws}
		s.send(fmt.Sprintf(`{"t":"hello","v":1,"client":%q,"seq":%d,"name":%q}`, name, b.Seq, name))
		f := s.mustAnswer()
		if f["t"] != "welcome" {
			t.Fatalf("%s got %v; want the welcome", name, f)
		}
		var peers []string
		for _, p := range f["peers"].([]any) {
			peers = append(peers, p.(map[string]any)["name"].(string))
		}
		return s, peers
	}
	// outcome sends one op from s and returns its nack's code, or "" once it is committed.
	outcome := func(s *rawSocket, key, op string) string {
		t.Helper()
		s.send(`{"t":"ops","ops":[` + op + `]}`)
		for {
			f := s.mustAnswer()
			switch f["t"] {
			case "nack":
				if f["key"] == key {
					return f["code"].(string)
				}
			case "ops":
				for _, o := range f["ops"].([]any) {
					if o.(map[string]any)["op"].(map[string]any)["key"] == key {
						return ""
					}
				}
			}
		}
	}
	conns := func() float64 { return counter(t, reg, "lastmile_connections") }

	ana, _ := join("ana", "")
	if code := outcome(ana, "ana:1", `{"key":"ana:1","op":"create","type":"card","id":"c1","fields":{"stage":"stage-1","lane":"lane-1","order":"V","text":"t"}}`); code != "" {
		t.Fatalf("creating the card: nack %s", code)
	}
	ghost, _ := join("ghost", "&panic=1")
	eventually(t, "ana and the ghost in the room", func() bool { return conns() == 2 })
	// The ghost takes the card's soft lock; ana sees it once the room has it.
	ghost.send(`{"t":"presence","editing":"c1"}`)
	for editing := false; !editing; {
		f, err := ana.next()
		if err != nil {
			t.Fatal(err)
		}
		peers, _ := f["peers"].([]any)
		for _, p := range peers {
			editing = editing || p.(map[string]any)["name"] == "ghost" && p.(map[string]any)["editing"] == "c1"
		}
	}

	// An op whose key is not the ghost's gets a nack, whose wording panics.
	ghost.send(`{"t":"ops","ops":[{"key":"other:1","op":"update","type":"card","id":"c1","fields":{"text":"x"}}]}`)
	ghost.wantClose(websocket.CloseInternalServerErr)
	if !strings.Contains(logs.String(), `"msg":"panic in a websocket's reader; closing it"`) || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("the log lacks the panic and its stack:\n%s", logs.String())
	}

	eventually(t, "the ghost out of the connections gauge", func() bool { return conns() == 1 })
	cleo, peers := join("cleo", "")
	if slices.Contains(peers, "ghost") {
		t.Fatalf("cleo's welcome lists %v; want no ghost", peers)
	}
	if code := outcome(cleo, "cleo:1", `{"key":"cleo:1","op":"update","type":"card","id":"c1","fields":{"text":"cleo's"}}`); code != "" {
		t.Fatalf("editing the card the ghost was editing: nack %s; want it committed", code)
	}

	ana.ws.Close()
	cleo.ws.Close()
	eventually(t, "the room idle and gone", func() bool { return counter(t, reg, "lastmile_rooms") == 0 })
}
