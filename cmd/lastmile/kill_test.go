package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/wsclient"
)

// TestDurabilityUnderSIGKILL runs the real binary, has clients edit a board, kills the
// server with SIGKILL at a random moment, restarts it on the same database, lets the
// clients reconnect and resend, and repeats. Every op a client saw acknowledged must be in
// the log exactly once, the log must be gap-free, and its replay must equal the state.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "lastmile")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	dsn := pgtest.NewURL(t)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr

	var server *exec.Cmd
	start := func() {
		t.Helper()
		server = exec.Command(bin, "serve")
		server.Env = append(os.Environ(), "DATABASE_URL="+dsn, "LASTMILE_ADDR="+addr, "LASTMILE_LOG_LEVEL=error")
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not become ready: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	kill := func() {
		_ = server.Process.Kill()
		_, _ = server.Process.Wait()
	}
	t.Cleanup(func() {
		if server != nil && server.ProcessState == nil {
			kill()
		}
	})

	start()
	resp, err := http.Post(base+"/api/boards", "application/json", strings.NewReader(`{"template":"service-blueprint"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()

	var mu sync.Mutex
	acked := map[string]bool{}
	const nClients = 5
	clients := make([]*wsclient.Client, nClients)
	for i := range clients {
		c := wsclient.New(base, created.ID, fmt.Sprintf("k%d", i), "k")
		c.OnOps = func(ops []wsclient.Committed, _ time.Time) {
			mu.Lock()
			for _, o := range ops {
				if o.Op.Key != "" {
					acked[o.Op.Key] = true
				}
			}
			mu.Unlock()
		}
		c.OnFrame = func(f *wsclient.Frame) {
			if f.T == "ack" {
				mu.Lock()
				acked[f.Key] = true
				mu.Unlock()
			}
		}
		clients[i] = c
	}
	connectAll := func() {
		for _, c := range clients {
			var err error
			for range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err = c.Connect(ctx)
				cancel()
				if err == nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("reconnecting %s: %v", c.ID(), err)
			}
		}
	}

	const rounds = 10
	n := 0
	for round := range rounds {
		if round > 0 {
			start()
		}
		connectAll()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					if c.Pending() > 16 {
						time.Sleep(time.Millisecond)
						continue
					}
					id := fmt.Sprintf("r%d-c%d-%d", round, i, k)
					_, _ = c.Submit(blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
						Fields: blueprint.Fields{Stage: ptr("stage-1"), Lane: ptr("lane-1"), Order: ptr("V"), Text: ptr(id)}})
					time.Sleep(time.Millisecond)
				}
			}()
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		kill() // SIGKILL while ops are in flight
		close(stop)
		wg.Wait()
		for _, c := range clients {
			<-c.Done()
		}
		n++
	}
	// Last start: everyone reconnects, resends and drains.
	start()
	connectAll()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending := 0
		for _, c := range clients {
			pending += c.Pending()
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ops still pending after the last restart", pending)
		}
		time.Sleep(20 * time.Millisecond)
	}

	pool, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	log, err := store.OpsSince(context.Background(), created.ID, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.FindBoard(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	inLog := map[string]int{}
	replay := blueprint.NewBoard(created.ID, "", b.Template)
	for i, c := range log {
		if c.Seq != int64(i+1) {
			t.Fatalf("log position %d holds seq %d: not contiguous", i, c.Seq)
		}
		if c.Op.Key != "" {
			inLog[c.Op.Key]++
			if inLog[c.Op.Key] > 1 {
				t.Fatalf("op %s applied twice", c.Op.Key)
			}
		}
		if err := replay.Apply(c.Op); err != nil {
			t.Fatalf("replaying seq %d: %v", c.Seq, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for key := range acked {
		if inLog[key] != 1 {
			t.Fatalf("acknowledged op %s is not in the log", key)
		}
	}
	replay.Seq = b.Seq
	if diff := cmp.Diff(stateJSON(t, b), stateJSON(t, replay)); diff != "" {
		t.Fatalf("state differs from the replay of the log:\n%s", diff)
	}
	t.Logf("%d kills; %d ops acknowledged, %d ops in the log", n, len(acked), len(log))
	if len(acked) < rounds*nClients {
		t.Fatalf("only %d ops were acknowledged: the test did not load the server", len(acked))
	}
}

func ptr(s string) *string { return &s }

func stateJSON(t *testing.T, b *blueprint.Board) string {
	t.Helper()
	e := b.Export()
	e.ID = ""
	data, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
