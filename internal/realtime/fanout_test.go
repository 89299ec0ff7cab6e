package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

// A room larger than one goroutine's share of a broadcast (its fanout writes it from
// several) gives every follower every op, in order, without a gap (a wsclient ends its
// connection on a gap): the last sequence reaches everyone and no one is cut.
func TestFanout_ManyFollowersGetEveryOpInOrder(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	b := mustBoard(t, n.store)
	const followers = 300
	clients := make([]*wsclient.Client, followers)
	var wg sync.WaitGroup
	errs := make(chan error, followers)
	for i := range clients {
		c := wsclient.New(n.url, b.ID, fmt.Sprintf("f%d", i), "follower")
		c.Light = true
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
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range clients {
			c.Close()
		}
	})
	writer := mustConnect(t, n, b.ID, "writer")
	for i := range 40 {
		op := createCard(fmt.Sprintf("c%d", i), "stage-1", "lane-1", "card")
		if i%2 == 1 {
			op = blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: fmt.Sprintf("c%d", i-1),
				Fields: blueprint.Fields{Text: str(fmt.Sprintf("text %d", i))}}
		}
		if _, err := writer.Submit(op); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the writer's ops committed", func() bool { return writer.Pending() == 0 })
	last := serverState(t, n.store, b.ID).Seq
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
