package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/protocol"
	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

// commitTime is the commit time of a committed op.
var commitTime = regexp.MustCompile(`"at":[0-9]+`)

// serverClock is the server's clock in a welcome or facilitation frame.
var serverClock = regexp.MustCompile(`"now":[0-9]+`)

// goldenFrame returns the example frame name of internal/protocol/testdata/frames.
func goldenFrame(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "protocol", "testdata", "frames", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatal(err)
	}
	return compact.Bytes()
}

// The server sends the example frames of internal/protocol/testdata/frames when its
// clients do what the examples tell, on the board they show: Bo edits a card, Ana's
// client sends the example hello and ops, Cy leaves, another client says hello in
// version 2. What only the moment decides — the board's id, the connections' ids, the
// commit time — is put back to the examples' before comparing.
func TestLive_FramesAreTheExamples(t *testing.T) {
	n := startNode(t, pgtest.NewURL(t), realtime.Options{}, false)
	var snap protocol.Snapshot
	var exampleWelcome protocol.Welcome
	var examplePeers protocol.Peers
	for name, v := range map[string]any{"server-snapshot": &snap, "server-welcome": &exampleWelcome, "server-peers": &examplePeers} {
		if err := json.Unmarshal(goldenFrame(t, name), v); err != nil {
			t.Fatal(err)
		}
	}
	var ops []blueprint.Op
	for _, s := range snap.Board.Stages {
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: s.ID,
			Fields: blueprint.Fields{Name: str(s.Name), Order: str(s.Order)}})
	}
	for _, l := range snap.Board.Lanes {
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLane, ID: l.ID,
			Fields: blueprint.Fields{Role: str(string(l.Role)), Label: str(l.Label), Order: str(l.Order)}})
	}
	for _, c := range snap.Board.Cards {
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: c.ID,
			Fields: blueprint.Fields{Stage: str(c.Stage), Lane: str(c.Lane), Order: str(c.Order), Text: str(c.Text)}})
	}
	b, err := n.store.CreateBoard(context.Background(), snap.Board.Title, snap.Board.Template, "t", ops)
	if err != nil {
		t.Fatal(err)
	}

	// Ids of the moment → ids of the examples.
	ids := map[string]string{b.ID: snap.Board.ID}
	normal := func(data []byte) []byte {
		out := commitTime.ReplaceAllString(string(data), `"at":1767225600123`)
		out = serverClock.ReplaceAllString(out, `"now":1767225600123`)
		for moment, example := range ids {
			out = strings.ReplaceAll(out, `"`+moment+`"`, `"`+example+`"`)
		}
		return []byte(out)
	}
	want := func(name string, got []byte) {
		t.Helper()
		if g, w := normal(got), goldenFrame(t, name); !bytes.Equal(g, w) {
			t.Errorf("the server's %s frame, with the examples' ids and time:\n%s\nthe example (internal/protocol/testdata/frames/%s.json):\n%s", name, g, name, w)
		}
	}

	// Bo edits the card and points at the board.
	boPeer := examplePeers.Peers[0]
	boEditing := make(chan [2]string, 16) // his conn and person
	bo := mustConnect(t, n, b.ID, boPeer.Name, func(c *wsclient.Client) {
		c.OnFrame = func(f *protocol.ServerFrame) {
			for _, p := range f.Peers {
				if p.Name == boPeer.Name && p.Editing == boPeer.Editing {
					select {
					case boEditing <- [2]string{p.Conn, p.Person}:
					default:
					}
				}
			}
		}
	})
	if err := bo.SendPresence(boPeer.Cursor.X, boPeer.Cursor.Y, &boPeer.Editing); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-boEditing:
		ids[got[0]], ids[got[1]] = boPeer.Conn, boPeer.Person
	case <-time.After(10 * time.Second):
		t.Fatal("Bo's presence did not come back")
	}

	// Ana says the example hello, holding nothing.
	ana := dialRaw(t, n, b.ID)
	ana.send(string(goldenFrame(t, "client-hello")))
	frames := map[string][]byte{}
	read := func(names ...string) {
		t.Helper()
		for _, name := range names {
			for {
				_ = ana.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, data, err := ana.ws.ReadMessage()
				if err != nil {
					t.Fatalf("waiting for the %s frame: %v", name, err)
				}
				var f protocol.ServerFrame
				if err := json.Unmarshal(data, &f); err != nil {
					t.Fatal(err)
				}
				if f.T == protocol.TypePeers && name != "server-peers" {
					continue // presence comes when it comes
				}
				if f.T != strings.TrimPrefix(name, "server-") {
					t.Fatalf("got %s; want the %s frame", data, name)
				}
				frames[name] = data
				break
			}
		}
	}
	read("server-welcome", "server-snapshot")
	var welcome protocol.Welcome
	if err := json.Unmarshal(frames["server-welcome"], &welcome); err != nil {
		t.Fatal(err)
	}
	ids[welcome.Conn] = exampleWelcome.Conn
	want("server-welcome", frames["server-welcome"])
	want("server-snapshot", frames["server-snapshot"])

	// Her ops: the first applies, the second is refused; sent again, the first is acked.
	ana.send(string(goldenFrame(t, "client-ops")))
	read("server-ops", "server-nack")
	want("server-ops", frames["server-ops"])
	want("server-nack", frames["server-nack"])
	ana.send(string(goldenFrame(t, "client-ops")))
	read("server-ack", "server-nack")
	want("server-ack", frames["server-ack"])
	want("server-nack", frames["server-nack"])

	// Cy comes and goes while Bo points again: the peers frames that tell it, together.
	cy := mustConnect(t, n, b.ID, "Cy")
	var cyConn string
	for cyConn == "" {
		read("server-peers")
		var f protocol.Peers
		_ = json.Unmarshal(frames["server-peers"], &f)
		for _, p := range f.Peers {
			if p.Name == "Cy" {
				cyConn = p.Conn
			}
		}
	}
	ids[cyConn] = examplePeers.Left[0]
	cy.Close()
	if err := bo.SendPresence(boPeer.Cursor.X, boPeer.Cursor.Y, &boPeer.Editing); err != nil {
		t.Fatal(err)
	}
	var told protocol.Peers
	for len(told.Left) == 0 || len(told.Peers) == 0 {
		read("server-peers")
		var f protocol.Peers
		if err := json.Unmarshal(frames["server-peers"], &f); err != nil {
			t.Fatal(err)
		}
		told.T, told.Peers, told.Left = f.T, append(told.Peers, f.Peers...), append(told.Left, f.Left...)
	}
	want("server-peers", protocol.Encode(told))

	// A client of another version.
	old := dialRaw(t, n, b.ID)
	old.send(strings.Replace(string(goldenFrame(t, "client-hello")), `"v":1`, `"v":2`, 1))
	_ = old.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := old.ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	want("server-error", data)
	old.wantClose(protocol.ClosePolicy)
}
