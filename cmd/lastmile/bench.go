package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
	"lastmile/internal/wsclient"
)

// benchConfig is what `lastmile bench` is asked to do (docs/performance.md).
type benchConfig struct {
	url       string
	urls      []string // the servers, from -url or the children; participants are dealt out among them
	instances int      // children to start when -url is empty
	acked     string   // file for the keys of the ops their authors saw committed
	board     string
	editors   int
	viewers   int
	rate      float64 // edits per second per editor
	duration  time.Duration
	push      bool
	window    int     // ops an editor may have unconfirmed at once, with -push
	pushRate  float64 // ops per second per editor at most, with -push
	cards     int     // cards made before the run on a new board
	parallel  int     // connections opened at once
	drain     time.Duration
	profile   string  // file for a CPU profile of the bench process itself
	pointers  float64 // pointer moves per second per editor (presence frames)
	pages     int     // participants that follow the board as an open board page does
}

// runBench runs `lastmile bench`: a load of editors and viewers on one board, against a
// server at -url or against a child process of this binary started for the run.
func (m *Main) runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var cfg benchConfig
	fs.StringVar(&cfg.url, "url", "", "base URL of the server to load (http://host:port), or several separated by commas (participants are dealt out among them in turn); empty: start this program's server as a child process on 127.0.0.1 with DATABASE_URL")
	fs.IntVar(&cfg.instances, "instances", 1, "without -url: how many servers to start as child processes on the same database; participants are dealt out among them in turn, and the latency is also given apart for participants of the author's server and of another one")
	fs.StringVar(&cfg.acked, "acked", "", "write to this file the key of every op its author saw committed (in a broadcast or an ack), one a line, for checking that none is lost (make scale-check)")
	fs.StringVar(&cfg.board, "board", "", "id of an existing board; empty: create one from the service-blueprint template")
	fs.IntVar(&cfg.editors, "editors", 50, "participants that edit")
	fs.IntVar(&cfg.viewers, "viewers", 0, "participants that only watch")
	fs.IntVar(&cfg.pages, "pages", 0, "participants that follow the board as an open board page does: each loads the page (GET /boards/{id}) once, takes the board's state it embeds and joins from its sequence; then it only reads its websocket")
	fs.Float64Var(&cfg.rate, "rate", 4, "edits per second per editor (0: editors stay idle)")
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "length of the measured run")
	fs.BoolVar(&cfg.push, "push", false, "editors send as fast as their pending window allows (measures the most committed edits/s)")
	fs.IntVar(&cfg.window, "window", 32, "with -push: unconfirmed ops an editor may have at once")
	fs.Float64Var(&cfg.pushRate, "push-rate", 190, "with -push: ops/s per editor at most (the server slows down a connection sending more than 200/s)")
	fs.IntVar(&cfg.cards, "cards", 200, "cards to create on a new board before the run, shared out among the editors")
	fs.IntVar(&cfg.parallel, "parallel", 32, "connections opened at once while connecting")
	fs.DurationVar(&cfg.drain, "drain", 15*time.Second, "after the run, how long to wait for the last ops to be confirmed")
	fs.Float64Var(&cfg.pointers, "pointer-rate", 0, "pointer moves per second per editor, sent as presence frames (the browser sends at most 30/s)")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the load generator (not the server) to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case cfg.editors < 0 || cfg.viewers < 0 || cfg.pages < 0 || cfg.editors+cfg.viewers+cfg.pages == 0:
		return errors.New("bench: -editors, -viewers and -pages must not be negative, and at least one participant is needed")
	case cfg.pointers < 0 || cfg.pointers > 30:
		return errors.New("bench: -pointer-rate must be between 0 and 30 (the server drops presence beyond 30 frames/s)")
	case cfg.rate < 0 || cfg.duration <= 0 || cfg.window < 1 || cfg.pushRate <= 0 || cfg.parallel < 1 || cfg.cards < 0:
		return errors.New("bench: -rate, -cards must be ≥ 0; -duration, -window, -push-rate, -parallel must be > 0")
	case cfg.instances < 1 || cfg.instances > 16:
		return errors.New("bench: -instances must be between 1 and 16")
	case cfg.url != "" && cfg.instances > 1:
		return errors.New("bench: -instances starts servers; with -url, list the servers there instead, separated by commas")
	case cfg.cards > blueprint.MaxCards/2:
		return fmt.Errorf("bench: -cards is at most %d", blueprint.MaxCards/2)
	}

	out := m.Stdout
	var targets []string
	if cfg.url == "" {
		for range cfg.instances {
			child, err := m.startBenchChild(ctx)
			if err != nil {
				return err
			}
			defer child.stop()
			cfg.urls = append(cfg.urls, child.base)
			targets = append(targets, fmt.Sprintf("child server pid %d at %s", child.cmd.Process.Pid, child.base))
		}
	} else {
		for _, u := range strings.Split(cfg.url, ",") {
			if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
				cfg.urls = append(cfg.urls, u)
				targets = append(targets, "server at "+u)
			}
		}
		if len(cfg.urls) == 0 {
			return errors.New("bench: -url names no server")
		}
	}
	cfg.url = cfg.urls[0] // the board is made and read there
	target := strings.Join(targets, ", ")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(cfg.pages, 2)
	r := &benchRun{cfg: cfg, out: out, http: &http.Client{Timeout: 30 * time.Second, Transport: transport}, run: newBenchRunID()}
	defer r.http.CloseIdleConnections()
	if err := r.prepareBoard(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "lastmile bench: board %s (%d cards), %s\n", r.boardID, len(r.initial.Cards), target)
	mode := fmt.Sprintf("%.3g edits/s each", cfg.rate)
	if cfg.push {
		mode = fmt.Sprintf("push: window %d, at most %.3g ops/s each", cfg.window, cfg.pushRate)
	}
	fmt.Fprintf(out, "participants: %d editors (%s), %d viewers, %d pages; run %s\n", cfg.editors, mode, cfg.viewers, cfg.pages, cfg.duration)
	if cfg.profile != "" {
		f, err := os.Create(cfg.profile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return r.execute(ctx, out)
}

// benchChild is `lastmile serve` run as a child process, so that the server's memory
// and CPU figures are its own.
type benchChild struct {
	cmd    *exec.Cmd
	base   string
	exited chan struct{}
}

func (m *Main) startBenchChild(ctx context.Context) (*benchChild, error) {
	dsn := m.Getenv("DATABASE_URL")
	if dsn == "" {
		return nil, errors.New("bench: give -url of a running server, or set DATABASE_URL so that bench can start one (`make bench` does)")
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: finding this program to start the server: %w", err)
	}
	port, err := benchFreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(exe, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "LASTMILE_ADDR="+addr,
		"LASTMILE_LOG_LEVEL="+m.env("LASTMILE_LOG_LEVEL", "warn"))
	cmd.Stdout, cmd.Stderr = m.Stderr, m.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting the server: %w", err)
	}
	c := &benchChild{cmd: cmd, base: "http://" + addr, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.exited) }()
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := hc.Get(c.base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		select {
		case <-c.exited:
			return nil, fmt.Errorf("bench: the server exited before it was ready (%v)", cmd.ProcessState)
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, errors.New("bench: the server was not ready within 60s")
		}
	}
}

// stop asks the server to stop (SIGTERM, as on a deploy) and kills it if it lingers.
func (c *benchChild) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		_ = c.cmd.Process.Kill()
	}
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

func benchFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("bench: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func newBenchRunID() string {
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = digits[rand.IntN(len(digits))]
	}
	return string(b)
}

// benchRun is one run: the board, the participants and what they measured.
type benchRun struct {
	cfg     benchConfig
	out     io.Writer
	http    *http.Client
	run     string // prefix of client and card ids, unique per run so keys never repeat
	boardID string
	initial *blueprint.Export
	stages  []string
	lanes   []string

	base time.Time    // the time base of every measurement; set before any client exists
	end  atomic.Int64 // end of the run, in nanoseconds since base
	sent sync.Map     // op key → benchSent

	editors []*benchEditor
	viewers []*benchParticipant
	pages   []*benchPage

	stopping atomic.Bool
	nacks    atomic.Int64
	errs     atomic.Int64 // error frames and failed writes
	drops    atomic.Int64 // connections that ended while the run went on
}

// benchSent is when an op was submitted, since benchRun.base, and the server of its author.
type benchSent struct {
	at   time.Duration
	inst int
}

// benchPage is a viewer that joins as the board page does (web/static/board.js,
// docs/page.md): it loads the page once, holds the board's state the page embeds, and
// joins from its sequence. It fetches nothing after: the page draws the ops it receives.
type benchPage struct {
	*benchParticipant
	load  time.Duration // the page's load, as sent
	bytes int64
}

// benchParticipant is one connected client with its own latency histogram.
type benchParticipant struct {
	c         *wsclient.Client
	inst      int          // the index of its server in cfg.urls
	hist      benchHist    // ops of others
	cross     benchHist    // ops of others whose author is on another server (-instances, several -url)
	snapshots atomic.Int64 // snapshot frames received
}

type benchEditor struct {
	benchParticipant
	cards    []string // ids of the cards this editor moves, edits and deletes
	next     int      // number of the next card it creates
	submits  int      // ops submitted, hence the number in the next key
	slots    chan struct{}
	seen     atomic.Int64 // own ops seen committed (in a broadcast or an ack)
	inWindow atomic.Int64 // own ops seen committed before the end of the run
	self     benchHist    // edit → its broadcast back to its author: the commit path alone
	ackMu    sync.Mutex
	acked    []string // keys of its own ops seen committed, for -acked
}

func (r *benchRun) get(ctx context.Context, path string, v any) error {
	return r.do(ctx, http.MethodGet, path, nil, v)
}

func (r *benchRun) do(ctx context.Context, method, path string, body, v any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("bench: %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}

// prepareBoard creates the board (unless -board names one) with its cards, and reads it.
func (r *benchRun) prepareBoard(ctx context.Context) error {
	r.boardID = r.cfg.board
	created := r.boardID == ""
	if created {
		var b struct{ ID string }
		if err := r.do(ctx, http.MethodPost, "/api/boards", map[string]string{"template": "service-blueprint", "title": "bench " + r.run}, &b); err != nil {
			return err
		}
		r.boardID = b.ID
	}
	if err := r.get(ctx, "/api/boards/"+r.boardID, &r.initial); err != nil {
		return err
	}
	for _, s := range r.initial.Stages {
		r.stages = append(r.stages, s.ID)
	}
	for _, l := range r.initial.Lanes {
		r.lanes = append(r.lanes, l.ID)
	}
	if len(r.stages) == 0 || len(r.lanes) == 0 {
		return fmt.Errorf("bench: board %s has no stage or no lane to put cards in", r.boardID)
	}
	if !created || r.cfg.cards == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ops []blueprint.Op
	for k := range r.cfg.cards {
		ops = append(ops, r.createOp(rng, r.sharedCardID(k)))
	}
	for len(ops) > 0 {
		n := min(len(ops), blueprint.MaxOpsPerBatch)
		if err := r.do(ctx, http.MethodPost, "/api/boards/"+r.boardID+"/ops", ops[:n], nil); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return r.get(ctx, "/api/boards/"+r.boardID, &r.initial)
}

func (r *benchRun) sharedCardID(k int) string { return fmt.Sprintf("%s-c%d", r.run, k) }

func (r *benchRun) createOp(rng *rand.Rand, id string) blueprint.Op {
	stage, lane := r.stages[rng.IntN(len(r.stages))], r.lanes[rng.IntN(len(r.lanes))]
	order, text, kind := benchOrder(rng), "card "+id, blueprint.CardKinds[rng.IntN(5)]
	return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
		Fields: blueprint.Fields{Stage: &stage, Lane: &lane, Order: &order, Text: &text, Kind: &kind}}
}

// benchOrder returns a random order key.
func benchOrder(rng *rand.Rand) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 1+rng.IntN(4))
	for i := range b {
		b[i] = digits[rng.IntN(len(digits))]
	}
	b[len(b)-1] = digits[1+rng.IntN(len(digits)-1)] // a key does not end in '0'
	return string(b)
}

// nextOp picks an editor's next edit: mostly moves and text edits of its own cards, some
// creates and deletes, so that nobody's edit is refused because of someone else's.
func (r *benchRun) nextOp(e *benchEditor, rng *rand.Rand) blueprint.Op {
	x := rng.Float64()
	switch {
	case len(e.cards) < 3 || (x < 0.10 && len(e.cards) < 40):
		id := fmt.Sprintf("%s-%d", e.c.ID(), e.next)
		e.next++
		e.cards = append(e.cards, id)
		return r.createOp(rng, id)
	case x < 0.20:
		i := rng.IntN(len(e.cards))
		id := e.cards[i]
		e.cards[i] = e.cards[len(e.cards)-1]
		e.cards = e.cards[:len(e.cards)-1]
		return blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: id}
	case x < 0.60:
		stage, lane, order := r.stages[rng.IntN(len(r.stages))], r.lanes[rng.IntN(len(r.lanes))], benchOrder(rng)
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: e.cards[rng.IntN(len(e.cards))],
			Fields: blueprint.Fields{Stage: &stage, Lane: &lane, Order: &order}}
	default:
		text := fmt.Sprintf("edited by %s, %d", e.c.ID(), rng.IntN(1_000_000))
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: e.cards[rng.IntN(len(e.cards))],
			Fields: blueprint.Fields{Text: &text}}
	}
}

// newParticipant makes a client of server inst whose hooks measure what it receives.
func (r *benchRun) newParticipant(id string, inst int, e *benchEditor) *benchParticipant {
	p := &benchParticipant{}
	if e != nil {
		p = &e.benchParticipant
	}
	p.inst = inst
	p.c = wsclient.New(r.cfg.urls[inst], r.boardID, id, id)
	p.c.Light = true // its replica would only cost the CPU the server needs on this machine
	prefix := id + ":"
	own := func(key string, at time.Duration, committed bool) {
		if e == nil {
			return
		}
		if committed && r.cfg.acked != "" {
			e.ackMu.Lock()
			e.acked = append(e.acked, key)
			e.ackMu.Unlock()
		}
		e.seen.Add(1)
		if int64(at) < r.end.Load() {
			e.inWindow.Add(1)
		}
		select {
		case <-e.slots:
		default:
		}
	}
	p.c.OnOps = func(ops []protocol.Committed, received time.Time) {
		at := received.Sub(r.base)
		for _, o := range ops {
			if strings.HasPrefix(o.Op.Key, prefix) {
				if sent, ok := r.sent.Load(o.Op.Key); ok && e != nil {
					e.self.add(at - sent.(benchSent).at)
				}
				own(o.Op.Key, at, true)
				continue
			}
			if v, ok := r.sent.Load(o.Op.Key); ok {
				sent := v.(benchSent)
				p.hist.add(at - sent.at)
				if sent.inst != p.inst {
					p.cross.add(at - sent.at)
				}
			}
		}
	}
	p.c.OnFrame = func(f *protocol.ServerFrame) {
		switch f.T {
		case protocol.TypeSnapshot:
			p.snapshots.Add(1)
		case protocol.TypeAck:
			own(f.Key, time.Since(r.base), true)
		case protocol.TypeNack:
			r.nacks.Add(1)
			if f.Key != "" {
				own(f.Key, time.Since(r.base), false)
			}
		case "error":
			r.errs.Add(1)
		}
	}
	return p
}

// loadPages loads the board page for every page participant, cfg.parallel at a time.
func (r *benchRun) loadPages(ctx context.Context) error {
	sem := make(chan struct{}, r.cfg.parallel)
	errc := make(chan error, len(r.pages))
	var wg sync.WaitGroup
	for _, pg := range r.pages {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := r.loadPage(ctx, pg); err != nil {
				errc <- fmt.Errorf("bench: loading the page of %s: %w", pg.c.ID(), err)
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// connect opens every participant's connection, cfg.parallel at a time, and watches for
// connections that end during the run.
func (r *benchRun) connect(ctx context.Context, all []*benchParticipant) error {
	sem := make(chan struct{}, r.cfg.parallel)
	errc := make(chan error, len(all))
	var wg sync.WaitGroup
	for _, p := range all {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := p.c.Connect(cctx); err != nil {
				errc <- fmt.Errorf("bench: connecting %s: %w", p.c.ID(), err)
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// watch reconnects a participant whose connection ends before the run is over (the server
// dropped it as too slow, say), counting it.
func (r *benchRun) watch(ctx context.Context, p *benchParticipant, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.c.Done():
		}
		if r.stopping.Load() {
			return
		}
		r.drops.Add(1)
		for attempt := 1; ; attempt++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(min(attempt, 10)) * 50 * time.Millisecond):
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := p.c.Connect(cctx)
			cancel()
			if err == nil {
				break
			}
		}
	}
}

// submit records the send time of e's next op under the key the client will give it,
// then submits it.
func (r *benchRun) submit(e *benchEditor, op blueprint.Op) {
	e.submits++
	key := e.c.ID() + ":" + strconv.Itoa(e.submits)
	r.sent.Store(key, benchSent{at: time.Since(r.base), inst: e.inst})
	got, err := e.c.Submit(op)
	if err != nil {
		r.errs.Add(1)
	}
	if got != key {
		panic(fmt.Sprintf("bench: the client gave key %q, expected %q", got, key))
	}
}

// edit runs one editor until ctx ends: edits at cfg.rate with jitter, or pushed.
func (r *benchRun) edit(ctx context.Context, e *benchEditor, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	if r.cfg.push {
		lim := rate.NewLimiter(rate.Limit(r.cfg.pushRate), 1)
		for {
			select {
			case e.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if lim.Wait(ctx) != nil {
				return
			}
			r.submit(e, r.nextOp(e, rng))
		}
	}
	if r.cfg.rate == 0 {
		return
	}
	interval := time.Duration(float64(time.Second) / r.cfg.rate)
	next := time.Now().Add(time.Duration(rng.Int64N(int64(interval))))
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		r.submit(e, r.nextOp(e, rng))
		// The next edit comes after a jittered interval (0.5 to 1.5 of the mean), counted
		// from when this one was due, so that the mean rate is exact.
		next = next.Add(time.Duration(float64(interval) * (0.5 + rng.Float64())))
		timer.Reset(max(time.Until(next), 0))
	}
}

// boardState finds the board's state a board page embeds (web/render.templ).
var boardState = regexp.MustCompile(`<script id="board-state" type="application/json">([^<]*)</script>`)

// loadPage loads the board page for pg as a browser does, gzip accepted, and gives the
// board's state it embeds to pg's client, which then joins from its sequence.
func (r *benchRun) loadPage(ctx context.Context, pg *benchPage) error {
	url := r.cfg.urls[pg.inst] + "/boards/" + r.boardID
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Encoding", "gzip") // set here, so the client leaves the body zipped
	start := time.Now()
	res, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	sent, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	pg.load, pg.bytes = time.Since(start), int64(len(sent))
	html := sent
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(sent))
		if err != nil {
			return err
		}
		if html, err = io.ReadAll(zr); err != nil {
			return err
		}
	}
	m := boardState.FindSubmatch(html)
	if m == nil {
		return fmt.Errorf("GET %s: the page holds no board state", url)
	}
	e, err := blueprint.DecodeExport(bytes.TrimSpace(m[1]))
	if err != nil {
		return fmt.Errorf("GET %s: the board state: %w", url, err)
	}
	return pg.c.Hold(e)
}

// point moves e's pointer cfg.pointers times a second, with jitter, until ctx ends.
func (r *benchRun) point(ctx context.Context, e *benchEditor, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	interval := time.Duration(float64(time.Second) / r.cfg.pointers)
	timer := time.NewTimer(time.Duration(rng.Int64N(int64(interval))))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		_ = e.c.SendPresence(rng.Float64()*2000, rng.Float64()*1000, nil) // a lost connection is counted by watch
		timer.Reset(time.Duration(float64(interval) * (0.8 + 0.4*rng.Float64())))
	}
}

// execute connects everyone, runs the load for cfg.duration, drains and reports.
func (r *benchRun) execute(ctx context.Context, out io.Writer) error {
	cfg := r.cfg
	r.base = time.Now()
	r.end.Store(math.MaxInt64)
	var all []*benchParticipant
	for i := range cfg.editors {
		e := &benchEditor{slots: make(chan struct{}, cfg.window)}
		r.newParticipant(fmt.Sprintf("%s-e%d", r.run, i), i%len(cfg.urls), e)
		r.editors = append(r.editors, e)
		all = append(all, &e.benchParticipant)
	}
	for k, c := range r.initial.Cards {
		if cfg.editors > 0 && strings.HasPrefix(c.ID, r.run+"-c") {
			e := r.editors[k%cfg.editors]
			e.cards = append(e.cards, c.ID)
		}
	}
	for i := range cfg.viewers + cfg.pages {
		p := r.newParticipant(fmt.Sprintf("%s-v%d", r.run, i), i%len(cfg.urls), nil)
		r.viewers = append(r.viewers, p)
		all = append(all, p)
		if i >= cfg.viewers {
			r.pages = append(r.pages, &benchPage{benchParticipant: p})
		}
	}
	defer func() {
		r.stopping.Store(true)
		var wg sync.WaitGroup
		for _, p := range all {
			wg.Add(1)
			go func() { defer wg.Done(); p.c.Close() }()
		}
		wg.Wait()
	}()

	t0 := time.Now()
	if err := r.loadPages(ctx); err != nil {
		return err
	}
	if len(r.pages) > 0 {
		fmt.Fprintf(out, "loaded %d pages in %s\n", len(r.pages), time.Since(t0).Round(time.Millisecond))
		t0 = time.Now()
	}
	if err := r.connect(ctx, all); err != nil {
		return err
	}
	fmt.Fprintf(out, "connected %d participants in %s\n", len(all), time.Since(t0).Round(time.Millisecond))
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var watchers sync.WaitGroup
	for _, p := range all {
		watchers.Add(1)
		go r.watch(runCtx, p, &watchers)
	}

	before, err := r.metrics(ctx)
	if err != nil {
		fmt.Fprintf(out, "server metrics unavailable: %v\n", err)
	}
	cpu0 := benchReadCPU()
	r.end.Store(int64(time.Since(r.base) + cfg.duration))
	var editing sync.WaitGroup
	for i, e := range r.editors {
		editing.Add(1)
		go func() { defer editing.Done(); r.edit(runCtx, e, uint64(i)+1) }()
		if cfg.pointers > 0 {
			editing.Add(1)
			go func() { defer editing.Done(); r.point(runCtx, e, uint64(i)+1) }()
		}
	}
	select {
	case <-time.After(cfg.duration):
	case <-ctx.Done():
	}
	elapsed := cfg.duration
	after, err2 := r.metrics(ctx)
	cpu1 := benchReadCPU()
	stopRun()
	editing.Wait()
	watchers.Wait()
	r.stopping.Store(true)

	// Drain: wait for the ops still pending to be confirmed.
	drainStart := time.Now()
	pending := 0
	for {
		pending = 0
		for _, e := range r.editors {
			pending += e.c.Pending()
		}
		if pending == 0 || time.Since(drainStart) > cfg.drain || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	drained := time.Since(drainStart)
	end, err3 := r.metrics(ctx) // memory with everyone still connected
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.report(out, elapsed, drained, pending, before, after, end, errors.Join(err, err2, err3), cpu0, cpu1)
	if r.cfg.acked != "" {
		return r.writeAcked()
	}
	return nil
}

// writeAcked writes the keys of the ops their authors saw committed to cfg.acked.
func (r *benchRun) writeAcked() error {
	var b strings.Builder
	n := 0
	for _, e := range r.editors {
		e.ackMu.Lock()
		for _, k := range e.acked {
			b.WriteString(k)
			b.WriteByte('\n')
			n++
		}
		e.ackMu.Unlock()
	}
	if err := os.WriteFile(r.cfg.acked, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(r.out, "acknowledged ops      %d keys written to %s\n", n, r.cfg.acked)
	return nil
}

func (r *benchRun) report(out io.Writer, elapsed, drained time.Duration, pending int,
	befores, afters, ends []benchMetrics, merr error, cpu0, cpu1 benchCPU) {
	end := benchSum(ends)
	secs := elapsed.Seconds()
	before, after := benchSum(befores), benchSum(afters)
	var hist, cross, self benchHist
	var sentOps, seen, inWindow int64
	for _, e := range r.editors {
		hist.merge(&e.hist)
		cross.merge(&e.cross)
		self.merge(&e.self)
		sentOps += int64(e.submits)
		seen += e.seen.Load()
		inWindow += e.inWindow.Load()
	}
	for _, v := range r.viewers {
		hist.merge(&v.hist)
		cross.merge(&v.cross)
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	fmt.Fprintf(w, "ops sent              %d (%.0f/s)\n", sentOps, float64(sentOps)/secs)
	fmt.Fprintf(w, "edits committed       %d in the run (%.0f/s), %d after the drain (%s)",
		inWindow, float64(inWindow)/secs, seen, drained.Round(time.Millisecond))
	if merr == nil {
		d := after.get("lastmile_ops_committed_total") - before.get("lastmile_ops_committed_total")
		fmt.Fprintf(w, "; server counted %.0f in the run (%.0f/s)", d, d/secs)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "deliveries            %d to other participants (%.0f/s)", hist.n, float64(hist.n)/secs)
	if merr == nil {
		d := after.get("lastmile_op_deliveries_total") - before.get("lastmile_op_deliveries_total")
		fmt.Fprintf(w, "; server queued %.0f (%.0f/s)", d, d/secs)
	}
	fmt.Fprintln(w)
	if hist.n > 0 {
		fmt.Fprintf(w, "latency, edit → seen by another participant: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
			benchMS(hist.quantile(0.50)), benchMS(hist.quantile(0.90)), benchMS(hist.quantile(0.99)),
			benchMS(hist.quantile(0.999)), benchMS(hist.max))
	}
	if len(r.cfg.urls) > 1 {
		var same benchHist
		same.merge(&hist)
		same.subtract(&cross)
		for _, h := range []struct {
			name string
			h    *benchHist
		}{{"on the author's server", &same}, {"on another server", &cross}} {
			if h.h.n > 0 {
				fmt.Fprintf(w, "  seen %-22s %d: p50 %s  p90 %s  p99 %s  p99.9 %s\n", h.name, h.h.n,
					benchMS(h.h.quantile(0.50)), benchMS(h.h.quantile(0.90)), benchMS(h.h.quantile(0.99)), benchMS(h.h.quantile(0.999)))
			}
		}
	}
	if len(r.pages) > 0 {
		var load benchHist
		var bytes, snapshots int64
		for _, pg := range r.pages {
			load.add(pg.load)
			bytes += pg.bytes
			snapshots += pg.snapshots.Load()
		}
		fmt.Fprintf(w, "pages                 %d loaded the board page once (%.0f kB as sent; p50 %s  p99 %s), then fetched nothing: 0 fetches/s; snapshots received %d\n",
			len(r.pages), float64(bytes)/float64(len(r.pages))/1e3, benchMS(load.quantile(0.50)), benchMS(load.quantile(0.99)), snapshots)
	}
	if self.n > 0 {
		fmt.Fprintf(w, "latency, edit → seen by its author:        p50 %s  p90 %s  p99 %s\n",
			benchMS(self.quantile(0.50)), benchMS(self.quantile(0.90)), benchMS(self.quantile(0.99)))
	}
	fmt.Fprintf(w, "nacks %d, error frames or failed writes %d, connections lost %d, still pending after the drain %d\n",
		r.nacks.Load(), r.errs.Load(), r.drops.Load(), pending)
	if merr != nil {
		fmt.Fprintf(w, "server metrics: %v\n", merr)
		return
	}
	after, before = benchSum(afters), benchSum(befores)
	if n := after.get("lastmile_commit_seconds_count") - before.get("lastmile_commit_seconds_count"); n > 0 {
		sum := after.get("lastmile_commit_seconds_sum") - before.get("lastmile_commit_seconds_sum")
		ops := after.get("lastmile_commit_batch_ops_sum") - before.get("lastmile_commit_batch_ops_sum")
		fmt.Fprintf(w, "group commits         %.0f (%.0f/s), mean %s, mean batch %.1f ops, store busy %.0f%% of the run\n",
			n, n/secs, benchMS(time.Duration(sum/n*float64(time.Second))), ops/n, 100*sum/secs)
	}
	mean := func(name string) (time.Duration, bool) {
		n := after.get(name+"_count") - before.get(name+"_count")
		if n <= 0 {
			return 0, false
		}
		return time.Duration((after.get(name+"_sum") - before.get(name+"_sum")) / n * float64(time.Second)), true
	}
	wait, ok1 := mean("lastmile_op_wait_seconds")
	write, ok2 := mean("lastmile_broadcast_write_seconds")
	if ok1 && ok2 {
		fmt.Fprintf(w, "server path (means)   frame read → commit starts %s; broadcast starts → frame written to a socket %s",
			benchMS(wait), benchMS(write))
		if remote, ok := mean("lastmile_remote_catchup_seconds"); ok {
			fmt.Fprintf(w, "; another server's ops announced → broadcast here %s", benchMS(remote))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "connections           %.0f (server gauge), %d participants; %.0f dropped by the server as too slow in the run\n",
		end.get("lastmile_connections"), len(r.editors)+len(r.viewers),
		after.get("lastmile_slow_connections_dropped_total")-before.get("lastmile_slow_connections_dropped_total"))
	for i, e := range ends {
		name := "server memory        "
		if len(ends) > 1 {
			name = fmt.Sprintf("server %d memory      ", i+1)
		}
		fmt.Fprintf(w, "%s RSS %.1f MB, Go heap in use %.1f MB, %.0f goroutines, %.0f connections\n", name,
			e.get("process_resident_memory_bytes")/1e6, e.get("go_memstats_heap_inuse_bytes")/1e6, e.get("go_goroutines"), e.get("lastmile_connections"))
	}
	cpu := after.get("process_cpu_seconds_total") - before.get("process_cpu_seconds_total")
	fmt.Fprintf(w, "server CPU            %.0f%% of one core", 100*cpu/secs)
	if len(afters) > 1 {
		fmt.Fprint(w, " in all:")
		for i := range afters {
			fmt.Fprintf(w, " %.0f%%", 100*(afters[i].get("process_cpu_seconds_total")-befores[i].get("process_cpu_seconds_total"))/secs)
		}
	}
	fmt.Fprintln(w)
	if cpu0.ok && cpu1.ok {
		fmt.Fprintf(w, "other CPU             bench process %.0f%%, postgres %.0f%% of one core; machine %.0f%% busy over %d cores\n",
			100*(cpu1.self-cpu0.self)/secs, 100*(cpu1.postgres-cpu0.postgres)/secs,
			100*(cpu1.busy-cpu0.busy)/max(cpu1.total-cpu0.total, 1e-9), cpu1.cores)
	}
}

func benchMS(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms"
}

// benchMetrics is a scrape of the server's /metrics: the samples without labels.
type benchMetrics map[string]float64

func (m benchMetrics) get(name string) float64 { return m[name] }

// metrics scrapes every server's /metrics, in the order of cfg.urls.
func (r *benchRun) metrics(ctx context.Context) ([]benchMetrics, error) {
	var all []benchMetrics
	for _, u := range r.cfg.urls {
		m, err := r.metricsOf(ctx, u)
		if err != nil {
			return nil, err
		}
		all = append(all, m)
	}
	return all, nil
}

// benchSum adds up the samples of several servers.
func benchSum(all []benchMetrics) benchMetrics {
	out := benchMetrics{}
	for _, m := range all {
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}

func (r *benchRun) metricsOf(ctx context.Context, base string) (benchMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseBenchMetrics(resp.Body)
}

// parseBenchMetrics reads the Prometheus text format, keeping the samples without labels.
func parseBenchMetrics(rd io.Reader) (benchMetrics, error) {
	out := benchMetrics{}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out, sc.Err()
}

// benchCPU is CPU time read from /proc (Linux): this process, the postgres processes,
// and the machine. ok is false elsewhere.
type benchCPU struct {
	ok             bool
	self, postgres float64 // seconds
	busy, total    float64 // machine, in ticks
	cores          int
}

const benchTicks = 100 // USER_HZ, 100 on every Linux this runs on

func benchReadCPU() benchCPU {
	var c benchCPU
	self, ok := benchProcCPU("/proc/self/stat")
	if !ok {
		return c
	}
	c.self = self
	if entries, err := os.ReadDir("/proc"); err == nil {
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			if comm, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
				if s, ok := benchProcCPU("/proc/" + e.Name() + "/stat"); ok {
					c.postgres += s
				}
			}
		}
	}
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c
	}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		switch {
		case len(f) > 5 && f[0] == "cpu":
			for i, v := range f[1:] {
				n, _ := strconv.ParseFloat(v, 64)
				if i >= 8 { // guest time is already in user time
					break
				}
				c.total += n
				if i != 3 && i != 4 { // idle, iowait
					c.busy += n
				}
			}
		case strings.HasPrefix(f[0], "cpu"):
			c.cores++
		}
	}
	c.ok = true
	return c
}

// benchProcCPU returns the user+system CPU seconds of a process from its stat file.
func benchProcCPU(path string) (float64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces: fields are counted after its closing parenthesis.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (utime + stime) / benchTicks, true
}

// benchHist is a latency histogram: 10µs buckets up to 10ms, 100µs up to 100ms, 1ms up
// to 10s, and one bucket beyond.
type benchHist struct {
	mu      sync.Mutex
	buckets [1000 + 900 + 9900 + 1]int64
	n       int64
	max     time.Duration
}

func benchBucket(d time.Duration) int {
	us := d.Microseconds()
	switch {
	case us < 0:
		return 0
	case us < 10_000:
		return int(us / 10)
	case us < 100_000:
		return 1000 + int((us-10_000)/100)
	case us < 10_000_000:
		return 1900 + int((us-100_000)/1000)
	}
	return 11800
}

// benchBucketTop is the upper bound of bucket i.
func benchBucketTop(i int) time.Duration {
	switch {
	case i < 1000:
		return time.Duration(i+1) * 10 * time.Microsecond
	case i < 1900:
		return 10*time.Millisecond + time.Duration(i-1000+1)*100*time.Microsecond
	case i < 11800:
		return 100*time.Millisecond + time.Duration(i-1900+1)*time.Millisecond
	}
	return time.Duration(math.MaxInt64)
}

func (h *benchHist) add(d time.Duration) {
	h.mu.Lock()
	h.buckets[benchBucket(d)]++
	h.n++
	h.max = max(h.max, d)
	h.mu.Unlock()
}

// subtract takes o's samples out of h, o being a part of h; max stays h's.
func (h *benchHist) subtract(o *benchHist) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, v := range o.buckets {
		h.buckets[i] -= v
	}
	h.n -= o.n
}

func (h *benchHist) merge(o *benchHist) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, v := range o.buckets {
		h.buckets[i] += v
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the upper bound of the bucket holding the q-quantile.
func (h *benchHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var acc int64
	for i, v := range h.buckets {
		acc += v
		if acc >= rank {
			return min(benchBucketTop(i), h.max)
		}
	}
	return h.max
}
