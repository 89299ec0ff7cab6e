// Package wsclient is a Go client of lastmile's websocket protocol (docs/protocol.md),
// with the same model as the browser's: ops apply locally at once, wait in a pending list
// until the server's broadcast (or ack) confirms them, are re-applied over every server op
// (last writer wins per field, in server order), and are sent again with the same keys
// after a reconnect. The tests and `lastmile bench` use it. Its frames are those of
// internal/protocol.
package wsclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// Client is one participant. Its methods are safe for concurrent use.
type Client struct {
	url   string // ws://host/boards/{id}/ws
	board string
	id    string
	name  string

	// OnOps and OnFrame are set before Connect, never after.
	// OnOps, when set, is called (from the reading goroutine) with each ops frame and
	// the time its last byte was read, before it was decoded.
	OnOps func(ops []protocol.Committed, received time.Time)
	// OnFrame, when set, is called with every frame, before it is handled.
	OnFrame func(f *protocol.ServerFrame)
	// Light, set before Connect, makes a client that holds no board: it follows sequences
	// and its pending ops only, and of each broadcast op decodes only the sequence and the
	// key. Confirmed and View then return nil. A load generator uses it to spend its CPU
	// on load rather than on replicas.
	Light bool

	wmu       sync.Mutex // serialises writes to ws; taken after mu when both are
	mu        sync.Mutex
	ws        *websocket.Conn
	confirmed *blueprint.Board // the server's state at seq
	seq       int64            // -1 before the first welcome
	by        string           // the identity the server stamps on this client's annotations (welcome)
	pending   []blueprint.Op   // local ops not yet confirmed, in the order made
	nextKey   int
	rejected  []protocol.ServerFrame // nacks and error frames received
	closeCode int                    // close code of the last connection, when the server closed it
	done      chan struct{}
}

// New returns a client of the board served at base (http://host:port) as clientID.
func New(base, boardID, clientID, name string) *Client {
	u := strings.Replace(strings.TrimRight(base, "/"), "http", "ws", 1) + "/boards/" + url.PathEscape(boardID) + "/ws"
	return &Client{url: u, board: boardID, id: clientID, name: name, seq: -1}
}

// By returns the identity the server stamps on this client's comments, markers and +1s,
// as its last welcome said ("" before one).
func (c *Client) By() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.by
}

// ID returns the client id.
func (c *Client) ID() string { return c.id }

// Hold makes the client hold board e, an export at its sequence (as a board page embeds
// it), before its first Connect: the hello then says that sequence, and the server sends
// the ops since rather than a snapshot. A Light client keeps the sequence only.
func (c *Client) Hold(e *blueprint.Export) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Light {
		c.seq = e.Seq
		return nil
	}
	b, err := e.Board()
	if err != nil {
		return err
	}
	c.confirmed, c.seq = b, e.Seq
	return nil
}

// Connect dials, says hello with the last sequence held, waits for the welcome and the
// catch-up that follows it, then sends every pending op again with its key. It returns
// once the client is current, and reads in the background until the connection ends.
func (c *Client) Connect(ctx context.Context) error {
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, c.url, http.Header{})
	if err != nil {
		return err
	}
	c.mu.Lock()
	hello := protocol.Hello{T: protocol.TypeHello, V: protocol.Version, Client: c.id, Name: c.name, Seq: c.seq}
	c.mu.Unlock()
	if err := ws.WriteJSON(hello); err != nil {
		ws.Close()
		return err
	}
	// The welcome, then a snapshot or ops up to the welcome's seq.
	ready := make(chan error, 1)
	done := make(chan struct{})
	c.mu.Lock()
	c.ws, c.done, c.closeCode = ws, done, 0
	c.mu.Unlock()
	go c.read(ws, ready, done)
	select {
	case err := <-ready:
		if err != nil {
			ws.Close()
			return err
		}
	case <-ctx.Done():
		ws.Close()
		return ctx.Err()
	}
	c.mu.Lock()
	pending := append([]blueprint.Op(nil), c.pending...)
	c.mu.Unlock()
	return c.sendOps(ws, pending)
}

// maxFrameBytes bounds the ops of one frame we send, half of what the server takes.
const maxFrameBytes = protocol.MaxFrameSize / 2

// sendOps sends ops in order, in frames of at most blueprint.MaxOpsPerBatch ops and about
// maxFrameBytes: the server refuses a larger frame whole, and the ops would stay pending.
func (c *Client) sendOps(ws *websocket.Conn, ops []blueprint.Op) error {
	var batch []blueprint.Op
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.write(ws, protocol.Submit{T: protocol.TypeSubmit, Ops: batch})
		batch, size = nil, 0
		return err
	}
	for _, op := range ops {
		data, err := json.Marshal(op)
		if err != nil {
			return err
		}
		if len(batch) >= blueprint.MaxOpsPerBatch || (len(batch) > 0 && size+len(data) > maxFrameBytes) {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, op)
		size += len(data) + 1
	}
	return flush()
}

// read handles frames until the connection ends. It reports on ready once the client
// holds the sequence the welcome announced.
func (c *Client) read(ws *websocket.Conn, ready chan<- error, done chan struct{}) {
	defer close(done)
	target := int64(-1)
	report := func(err error) {
		if ready != nil {
			ready <- err
			ready = nil
		}
	}
	buf := make([]byte, 0, 4096) // reused: a frame's decoded form copies what it keeps
	for {
		_, r, err := ws.NextReader()
		if err == nil {
			buf, err = readAll(r, buf[:0])
		}
		data, received := buf, time.Now()
		if err != nil {
			var ce *websocket.CloseError
			c.mu.Lock()
			if errors.As(err, &ce) {
				c.closeCode = ce.Code
			}
			c.mu.Unlock()
			report(err)
			return
		}
		f, err := c.decode(data)
		if err != nil {
			report(err)
			ws.Close()
			return
		}
		if c.OnFrame != nil {
			c.OnFrame(f)
		}
		if err := c.handle(f, &target, received); err != nil {
			report(err)
			ws.Close()
			return
		}
		c.mu.Lock()
		current := target >= 0 && c.seq >= target
		c.mu.Unlock()
		if current {
			report(nil)
		}
	}
}

// decode reads a frame: whole, or, for a Light client, what it follows.
func (c *Client) decode(data []byte) (*protocol.ServerFrame, error) {
	if !c.Light {
		var f protocol.ServerFrame
		err := json.Unmarshal(data, &f)
		return &f, err
	}
	return readLight(data)
}

func (c *Client) handle(f *protocol.ServerFrame, target *int64, received time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch f.T {
	case protocol.TypeWelcome:
		*target = f.Seq
		c.by = f.By
	case protocol.TypeSnapshot:
		if c.Light {
			c.seq = f.Seq
			break
		}
		e, err := blueprint.DecodeExport(f.Board)
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		b, err := e.Board()
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		c.confirmed, c.seq = b, e.Seq
	case protocol.TypeOps:
		for _, o := range f.Ops {
			if o.Seq <= c.seq {
				continue
			}
			if o.Seq != c.seq+1 {
				return fmt.Errorf("gap: holding %d, received %d", c.seq, o.Seq)
			}
			if !c.Light {
				if c.confirmed == nil {
					return fmt.Errorf("ops before any state")
				}
				if err := c.confirmed.ApplyAs(o.Op, blueprint.Origin{Seq: o.Seq, By: o.By, Name: o.Author, At: o.At}); err != nil {
					return fmt.Errorf("server op %d does not apply: %w", o.Seq, err)
				}
				c.confirmed.Seq = o.Seq
			}
			c.seq = o.Seq
			c.dropPending(o.Op.Key)
		}
		if c.OnOps != nil {
			c.mu.Unlock()
			c.OnOps(f.Ops, received)
			c.mu.Lock()
		}
	case protocol.TypeAck:
		c.dropPending(f.Key)
	case protocol.TypeNack:
		if f.Key != "" {
			c.dropPending(f.Key)
		}
		c.rejected = append(c.rejected, *f)
	case protocol.TypeError:
		c.rejected = append(c.rejected, *f)
	}
	return nil
}

func (c *Client) dropPending(key string) {
	if key == "" {
		return
	}
	for i, p := range c.pending {
		if p.Key == key {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return
		}
	}
}

// Submit gives op a key, keeps it pending and sends it when connected. It returns the key.
func (c *Client) Submit(op blueprint.Op) (string, error) {
	c.mu.Lock()
	c.nextKey++
	op.Key = fmt.Sprintf("%s:%d", c.id, c.nextKey)
	c.pending = append(c.pending, op)
	ws := c.ws
	c.mu.Unlock()
	if ws == nil {
		return op.Key, nil
	}
	return op.Key, c.write(ws, protocol.Submit{T: protocol.TypeSubmit, Ops: []blueprint.Op{op}})
}

// write sends one frame. A failed write is not an error of the op: it stays pending and
// is sent again after the next Connect.
func (c *Client) write(ws *websocket.Conn, v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return ws.WriteJSON(v)
}

// SendPresence sends a presence frame.
func (c *Client) SendPresence(x, y float64, editing *string) error {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws == nil {
		return errors.New("not connected")
	}
	return c.write(ws, protocol.Presence{T: protocol.TypePresence, Cursor: &protocol.Cursor{X: x, Y: y}, Editing: editing})
}

// Drop ends the connection abruptly, as a lost network would; pending ops stay.
func (c *Client) Drop() {
	c.mu.Lock()
	ws, done := c.ws, c.done
	c.ws = nil
	c.mu.Unlock()
	if ws != nil {
		ws.Close()
		<-done
	}
}

// Close ends the connection politely.
func (c *Client) Close() {
	c.mu.Lock()
	ws, done := c.ws, c.done
	c.ws = nil
	c.mu.Unlock()
	if ws != nil {
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		ws.Close()
		<-done
	}
}

// Done is closed when the current connection has ended.
func (c *Client) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// CloseCode returns the close code the server sent on the last connection, or 0.
func (c *Client) CloseCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode
}

// Seq returns the last sequence the client holds.
func (c *Client) Seq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Pending returns how many local ops wait for confirmation.
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Rejected returns the nacks and error frames received so far.
func (c *Client) Rejected() []protocol.ServerFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]protocol.ServerFrame(nil), c.rejected...)
}

// Confirmed returns a copy of the server's state as the client holds it.
func (c *Client) Confirmed() *blueprint.Board {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clone(c.confirmed)
}

// View returns what the participant sees: the confirmed state with the pending ops
// applied over it, in order; a pending op that no longer applies is left out.
func (c *Client) View() *blueprint.Board {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := clone(c.confirmed)
	if v == nil {
		return nil
	}
	for _, op := range c.pending {
		_ = v.ApplyAs(op, blueprint.Origin{By: c.by, Name: c.name})
	}
	return v
}

func clone(b *blueprint.Board) *blueprint.Board {
	if b == nil {
		return nil
	}
	e := b.Export()
	data, _ := json.Marshal(e)
	e2, err := blueprint.DecodeExport(data)
	if err != nil {
		panic(err)
	}
	out, err := e2.Board()
	if err != nil {
		panic(err)
	}
	out.ID, out.Seq = b.ID, b.Seq
	return out
}

// readAll appends what r gives to buf until io.EOF, growing buf only when it is full.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
