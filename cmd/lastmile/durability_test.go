package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/protocol"
	"lastmile/internal/wsclient"
)

// TestDurabilityUnderKill runs the real binary as a child process and SIGKILLs it, again
// and again, while editors send ops. After each kill the server comes back on the same
// database and the same clients reconnect and resend what they hold pending, with the same
// keys. At the end the op log must hold every op a client saw acknowledged, every key
// exactly once, sequences 1..N without a gap, and replaying it from an empty board must
// give the board's stored state.
func TestDurabilityUnderKill(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const (
		rounds      = 10
		editors     = 5
		maxPending  = 100                  // an editor waits while it holds this many unconfirmed ops
		sendEvery   = 6 * time.Millisecond // under the server's 200 ops/s per connection
		drainWithin = 30 * time.Second
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	srv := &durServer{bin: durBuild(t), dsn: pgtest.NewURL(t), addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(durFreePort(t)))}
	defer srv.kill()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	base := "http://" + srv.addr

	srv.start(t)
	var created struct{ ID string }
	durJSON(t, hc, http.MethodPost, base+"/api/boards", `{"template":"service-blueprint"}`, &created)
	var initial blueprint.Export
	durJSON(t, hc, http.MethodGet, base+"/api/boards/"+created.ID, "", &initial)
	var stages, lanes []string
	for _, s := range initial.Stages {
		stages = append(stages, s.ID)
	}
	for _, l := range initial.Lanes {
		lanes = append(lanes, l.ID)
	}

	// What the clients saw acknowledged (any committed op in a broadcast or catch-up, or an
	// ack of a resend) and what they submitted.
	var mu sync.Mutex
	acked := map[string]bool{}
	submitted := map[string]bool{}
	resendAcks := 0 // acks of resent ops the log already held
	clients := make([]*wsclient.Client, editors)
	for i := range clients {
		c := wsclient.New(base, created.ID, fmt.Sprintf("dur%d", i), fmt.Sprintf("editor %d", i))
		c.OnOps = func(ops []protocol.Committed, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			for _, o := range ops {
				if o.Op.Key != "" {
					acked[o.Op.Key] = true
				}
			}
		}
		c.OnFrame = func(f *protocol.ServerFrame) {
			if f.T == protocol.TypeAck {
				mu.Lock()
				acked[f.Key] = true
				resendAcks++
				mu.Unlock()
			}
		}
		clients[i] = c
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	connectAll := func() {
		t.Helper()
		for _, c := range clients {
			if err := durConnect(c); err != nil {
				t.Fatalf("connecting %s: %v\nserver log:\n%s", c.ID(), err, srv.log.String())
			}
		}
	}

	// Each editor creates cards of its own and moves, edits and deletes them, so that
	// nothing it sends can be refused because of another editor.
	type editor struct {
		c     *wsclient.Client
		cards []string
		next  int
		rng   *rand.Rand
	}
	eds := make([]*editor, editors)
	for i, c := range clients {
		eds[i] = &editor{c: c, rng: rand.New(rand.NewPCG(seed, uint64(i)+2))}
	}
	nextOp := func(e *editor) blueprint.Op {
		r := e.rng
		stage, lane := stages[r.IntN(len(stages))], lanes[r.IntN(len(lanes))]
		order := benchOrder(r)
		x := r.Float64()
		switch {
		case len(e.cards) < 2 || (x < 0.25 && len(e.cards) < 30):
			id := fmt.Sprintf("%s-%d", e.c.ID(), e.next)
			e.next++
			e.cards = append(e.cards, id)
			text := "card " + id
			return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
				Fields: blueprint.Fields{Stage: &stage, Lane: &lane, Order: &order, Text: &text}}
		case x < 0.35:
			i := r.IntN(len(e.cards))
			id := e.cards[i]
			e.cards = slices.Delete(e.cards, i, i+1)
			return blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: id}
		case x < 0.65:
			return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: e.cards[r.IntN(len(e.cards))],
				Fields: blueprint.Fields{Stage: &stage, Lane: &lane, Order: &order}}
		default:
			text := fmt.Sprintf("text %d", r.IntN(1_000_000))
			return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: e.cards[r.IntN(len(e.cards))],
				Fields: blueprint.Fields{Text: &text}}
		}
	}
	send := func(ctx context.Context, e *editor) {
		tick := time.NewTicker(sendEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if e.c.Pending() >= maxPending {
				continue
			}
			// A write to a connection that has just died fails: the op stays pending and is
			// sent again after the next Connect.
			key, _ := e.c.Submit(nextOp(e))
			mu.Lock()
			submitted[key] = true
			mu.Unlock()
		}
	}

	// Ops pending at a kill that the log already holds: committed, but the kill came before
	// their broadcast reached the client. The catch-up after the restart acknowledges them.
	db, err := pgx.Connect(context.Background(), srv.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pendingAtKills, committedUnacked := 0, 0
	for round := range rounds {
		if round > 0 {
			srv.start(t)
		}
		connectAll()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, e := range eds {
			wg.Add(1)
			go func() { defer wg.Done(); send(ctx, e) }()
		}
		time.Sleep(200*time.Millisecond + time.Duration(rng.Int64N(int64(600*time.Millisecond))))
		srv.kill() // SIGKILL, while the editors keep sending
		cancel()
		wg.Wait()
		for _, c := range clients {
			c.Drop()
			pendingAtKills += c.Pending()
		}
		var unacked []string
		mu.Lock()
		for k := range submitted {
			if !acked[k] {
				unacked = append(unacked, k)
			}
		}
		mu.Unlock()
		var n int
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM ops WHERE board_id = $1 AND key = ANY($2)`,
			created.ID, unacked).Scan(&n); err != nil {
			t.Fatal(err)
		}
		committedUnacked += n
	}

	// Last start: the clients resend what they hold and wait until all of it is confirmed.
	srv.start(t)
	connectAll()
	deadline := time.Now().Add(drainWithin)
	for {
		pending := 0
		for _, c := range clients {
			pending += c.Pending()
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ops still pending %s after the last restart", pending, drainWithin)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range clients {
		if rej := c.Rejected(); len(rej) > 0 {
			t.Errorf("%s had %d ops refused, first: %+v", c.ID(), len(rej), rej[0])
		}
	}

	// The whole op log, page by page.
	var log []blueprint.Committed
	for {
		var page struct{ Ops []blueprint.Committed }
		durJSON(t, hc, http.MethodGet, fmt.Sprintf("%s/api/boards/%s/ops?after=%d&limit=5000", base, created.ID, len(log)), "", &page)
		log = append(log, page.Ops...)
		if len(page.Ops) < 5000 {
			break
		}
	}
	var stored blueprint.Export
	durJSON(t, hc, http.MethodGet, base+"/api/boards/"+created.ID, "", &stored)

	inLog := map[string]int64{}
	for i, c := range log {
		if c.Seq != int64(i+1) {
			t.Fatalf("op %d of the log has sequence %d: the log is not 1..N without gaps", i+1, c.Seq)
		}
		if k := c.Op.Key; k != "" {
			if prev, ok := inLog[k]; ok {
				t.Errorf("key %s is in the log twice: sequences %d and %d", k, prev, c.Seq)
			}
			inLog[k] = c.Seq
		}
	}
	mu.Lock()
	for k := range acked {
		if _, ok := inLog[k]; !ok {
			t.Errorf("key %s was acknowledged to a client but is not in the log", k)
		}
	}
	for k := range submitted {
		if _, ok := inLog[k]; !ok {
			t.Errorf("key %s was submitted and drained but is not in the log", k)
		}
	}
	nAcked, nSubmitted, nResendAcks := len(acked), len(submitted), resendAcks
	mu.Unlock()
	if len(inLog) != nSubmitted {
		t.Errorf("the log holds %d keyed ops, the clients submitted %d", len(inLog), nSubmitted)
	}

	// Replaying the log from an empty board gives the stored state.
	replay := blueprint.NewBoard(created.ID, "", stored.Template)
	for _, c := range log {
		if err := replay.Apply(c.Op); err != nil {
			t.Fatalf("op %d of the log does not apply to the replay: %v", c.Seq, err)
		}
		replay.Seq = c.Seq
	}
	got := replay.Export()
	got.ID, stored.ID = "", ""
	if diff := cmp.Diff(&stored, got); diff != "" {
		t.Errorf("replaying the log does not give the stored board (-stored +replay):\n%s", diff)
	}
	for _, c := range clients {
		for wait := time.Now().Add(10 * time.Second); c.Seq() < stored.Seq && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
		view := c.Confirmed().Export()
		view.ID = ""
		if diff := cmp.Diff(&stored, view); diff != "" {
			t.Errorf("%s holds another state than the server (-server +client):\n%s", c.ID(), diff)
		}
	}
	t.Logf("%d rounds with a SIGKILL; %d ops submitted, %d acknowledged, %d in the log (%d keyed), %d cards at the end; "+
		"%d ops were pending at the kills, %d of them already committed (acknowledged after the restart by the catch-up "+
		"or, %d times, by an ack of the resend)",
		rounds, nSubmitted, nAcked, len(log), len(inLog), len(stored.Cards), pendingAtKills, committedUnacked, nResendAcks)

	for _, c := range clients {
		c.Close()
	}
	srv.stop(t)
}

// durServer is `lastmile serve` as a child process on a fixed address.
type durServer struct {
	bin, dsn, addr string
	log            durLog

	cmd    *exec.Cmd
	exited chan struct{}
}

func (s *durServer) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+s.dsn, "LASTMILE_ADDR="+s.addr, "LASTMILE_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = &s.log, &s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the server: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	exited := s.exited
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(s.kill)
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := hc.Get("http://" + s.addr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("the server exited before it was ready (%v); log:\n%s", cmd.ProcessState, s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server was not ready within 30s; log:\n%s", s.log.String())
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone. It does nothing when no
// server runs.
func (s *durServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// stop asks the server to shut down as on a deploy (SIGTERM) and checks that it does.
func (s *durServer) stop(t *testing.T) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
		s.cmd = nil
	case <-time.After(shutdownTimeout + 5*time.Second):
		s.kill()
		t.Errorf("the server did not stop after SIGTERM; log:\n%s", s.log.String())
	}
}

// durLog collects the child's output; the exec package writes it from its own goroutine.
type durLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *durLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *durLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// durBuild builds the program of this package into a temporary directory.
func durBuild(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary under test: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "lastmile")
	cmd := exec.Command(gobin, "build", "-o", bin, ".") // the test runs in this package's directory
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func durFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// durConnect connects c, retrying briefly: the server may still be starting its rooms.
func durConnect(c *wsclient.Client) error {
	var err error
	for attempt := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = c.Connect(ctx)
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
	}
	return err
}

// durJSON sends a request and decodes the JSON answer into v, failing the test on any
// status but 2xx.
func durJSON(t *testing.T, hc *http.Client, method, url, body string, v any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, url, resp.Status, data)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s %s: decoding %s: %v", method, url, data, err)
	}
}
