package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/protocol"
	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

// A room larger than one goroutine's share of a broadcast (its fanout writes it from
// several) gives every follower every op, in order, without a gap (a wsclient ends its
// connection on a gap): the last sequence reaches everyone and no one is cut. Pacing is
// off by default: however fast the commits, no broadcast is held.
func TestFanout_ManyFollowersGetEveryOpInOrder(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	clients := connectFollowers(t, n, b.ID, 300, nil)
	writer := mustConnect(t, n, b.ID, "writer")
	submitCards(t, writer, "c", 40, 0)
	wantEveryFollowerAtTheEnd(t, n, b.ID, clients)
	if held := counter(t, n.reg, "lastmile_broadcast_held_seconds"); held != 0 {
		t.Fatalf("%v broadcasts held with pacing off", held)
	}
}

// A busy board followed by many is paced: with a duty so small that every broadcast to
// its 300 followers is held, the ops committed during a hold go out together, so the
// followers get fewer frames of ops than there were commits, and still every op, in
// order (a gap would end a wsclient's connection).
func TestFanout_PacedBroadcastsGiveEveryOpInFewerFrames(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{FanoutDuty: 1e-6}, false)
	b := mustBoard(t, n.store)
	var frames sync.Map // follower → *atomic.Int64, its frames of ops
	clients := connectFollowers(t, n, b.ID, 300, func(i int) func(*protocol.ServerFrame) {
		var k atomic.Int64
		frames.Store(i, &k)
		return func(f *protocol.ServerFrame) {
			if f.T == protocol.TypeOps {
				k.Add(1)
			}
		}
	})
	writer := mustConnect(t, n, b.ID, "writer")
	submitCards(t, writer, "c", 40, 10*time.Millisecond) // several commits to a hold
	wantEveryFollowerAtTheEnd(t, n, b.ID, clients)
	commits := counter(t, n.reg, "lastmile_commit_seconds")
	held := counter(t, n.reg, "lastmile_broadcast_held_seconds")
	if held == 0 {
		t.Fatalf("no broadcast held, with %v commits", commits)
	}
	frames.Range(func(i, k any) bool {
		if got := k.(*atomic.Int64).Load(); float64(got) >= commits {
			t.Errorf("follower %d got %d frames of ops for %v commits (%v holds): none merged", i, got, commits, held)
		}
		return true
	})
}

// An edit alone on a quiet board is never held, however many follow it: with pacing on
// at a quarter of the time, two edits, each broadcast to 300 followers before the next is
// sent, wait for no pace.
func TestFanout_QuietBoardNeverHeld(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{FanoutDuty: 0.25}, false)
	b := mustBoard(t, n.store)
	clients := connectFollowers(t, n, b.ID, 300, nil)
	writer := mustConnect(t, n, b.ID, "writer")
	for i := range 2 {
		submitCards(t, writer, fmt.Sprintf("q%d-", i), 1, 0)
		wantEveryFollowerAtTheEnd(t, n, b.ID, clients)
	}
	if held := counter(t, n.reg, "lastmile_broadcast_held_seconds"); held != 0 {
		t.Fatalf("%v broadcasts held on a quiet board", held)
	}
}

// connectFollowers connects count light clients to the board and closes them at the end
// of the test; onFrame, when not nil, gives the OnFrame of the i-th.
func connectFollowers(t *testing.T, n *node, boardID string, count int, onFrame func(i int) func(*protocol.ServerFrame)) []*wsclient.Client {
	t.Helper()
	clients := make([]*wsclient.Client, count)
	var wg sync.WaitGroup
	errs := make(chan error, count)
	for i := range clients {
		c := wsclient.New(n.url, boardID, fmt.Sprintf("f%d", i), "follower")
		c.Light = true
		if onFrame != nil {
			c.OnFrame = onFrame(i)
		}
		clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.Connect(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	t.Cleanup(func() {
		for _, c := range clients {
			c.Close()
		}
	})
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	return clients
}

// submitCards sends count ops, one every every, creating cards whose ids start with p and
// changing their texts in turn, and waits until all are committed.
func submitCards(t *testing.T, writer *wsclient.Client, p string, count int, every time.Duration) {
	t.Helper()
	for i := range count {
		time.Sleep(every)
		op := createCard(fmt.Sprintf("%s%d", p, i), "stage-1", "lane-1", "card")
		if i%2 == 1 {
			op = blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: fmt.Sprintf("%s%d", p, i-1),
				Fields: blueprint.Fields{Text: str(fmt.Sprintf("text %d", i))}}
		}
		if _, err := writer.Submit(op); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the writer's ops committed", func() bool { return writer.Pending() == 0 })
}

// wantEveryFollowerAtTheEnd waits for every client to reach the board's last sequence,
// and fails if one was cut.
func wantEveryFollowerAtTheEnd(t *testing.T, n *node, boardID string, clients []*wsclient.Client) {
	t.Helper()
	last := serverState(t, n.store, boardID).Seq
	eventually(t, "every follower at the last sequence", func() bool {
		for _, c := range clients {
			if c.Seq() != last {
				return false
			}
		}
		return true
	})
	for _, c := range clients {
		select {
		case <-c.Done():
			t.Fatalf("%s was cut (close %d)", c.ID(), c.CloseCode())
		default:
		}
	}
}

// A client's ping is answered with a pong carrying its data, and a client's close with a
// close of the same code: both written by the connection's writer side, the only one
// that writes to the socket.
func TestLive_PingAnsweredAndCloseEchoed(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	s := dialRaw(t, n, b.ID)
	s.hello("pinger", b.Seq)
	pong := make(chan string, 1)
	s.ws.SetPongHandler(func(data string) error {
		select {
		case pong <- data:
		default:
		}
		return nil
	})
	if err := s.ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for got := ""; got == ""; {
		if _, err := s.next(); err != nil { // reading runs the pong handler
			t.Fatal(err)
		}
		select {
		case got = <-pong:
			if got != "are you there" {
				t.Fatalf("pong %q; want the ping's data", got)
			}
		default:
			// A peers frame came first; the pong follows. Send something answered, so
			// that the next read does not wait for a frame that may never come.
			s.send(`{"t":"presence","cursor":{"x":1,"y":1}}`)
		}
	}
	if err := s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye"),
		time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := s.next()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Fatalf("ended with %v; want the server's close 1001", err)
		}
		break
	}
}
