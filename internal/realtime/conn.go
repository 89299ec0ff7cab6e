package realtime

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// Timing and size limits of a connection (docs/protocol.md).
const (
	writeWait      = 10 * time.Second  // time allowed to write a frame (Options.WriteWait)
	pongWait       = 60 * time.Second  // time allowed between pongs
	pingPeriod     = pongWait * 9 / 10 // must be less than pongWait
	closeGrace     = time.Second       // time allowed to write a close frame
	maxCloseReason = 123               // bytes of a close frame's reason: 125, less the code's 2
	presenceRate   = rate.Limit(30)    // presence frames per second, per connection
	presenceBurst  = 30
)

// The hello's wait, the largest frame and the longest display name are the protocol's:
// protocol.HelloWait, protocol.MaxFrameSize, protocol.MaxNameLen.

// outMsg is a frame to write: a JSON payload (data), or a whole websocket frame already
// made (frame, see textFrame), which a broadcast makes once for every connection.
type outMsg struct {
	data  []byte
	frame []byte
	since time.Time // for a broadcast of ops: when it started, to measure its delivery
	// ops are the ops of a broadcast of ops (the frame's content), for merging it with
	// the next ones (fanout.go); nil for any other frame.
	ops []protocol.Committed
}

// lastSeq returns the sequence of the last of m's ops.
func (m outMsg) lastSeq() int64 { return m.ops[len(m.ops)-1].Seq }

// conn is one participant's websocket. Its reader runs in Serve's goroutine and its
// writer in its own; the room owns cursor, editing and skipThrough.
//
// Writing. A frame sent to a connection whose socket is idle is written at once by the
// sender (the room, for a broadcast), with one non-blocking write: no goroutine wakes
// and nothing is queued, which is what a follower costs when it keeps up. What the socket
// does not take at once waits in queue, and the writer goroutine writes it, every frame
// queued meanwhile in one write, with the write wait as deadline. While it does, frames
// sent meanwhile queue behind, so that they keep their order. wmu guards queue, writing,
// shut and the pong, and only its holder, or the writer while writing is set, writes to
// the socket.
type conn struct {
	hub     *Hub
	ws      *websocket.Conn
	boardID string
	id      string
	p       Participant
	client  string // the client's own id, which prefixes its op keys
	resume  int64  // the sequence the client held when it said hello; -1 for none

	wmu     sync.Mutex
	raw     rawWriter // the socket's non-blocking write; nil when the socket has none
	queue   []outMsg  // frames for the writer, in order
	writing bool      // the writer owns the socket
	shut    bool      // the connection is closing: frames sent now are dropped
	pong    []byte    // the payload of a pong the writer owes the client
	pongDue bool
	wake    chan struct{} // capacity 1: the writer has frames or a pong to write

	closeOnce  sync.Once
	closing    chan struct{}
	closeCode  int
	closeText  string
	readerDone chan struct{} // closed when the reader has stopped
	// joined is the room the reader joined, set at the join and by the reader alone: run
	// leaves it however the reader ended, a panic included.
	joined *room

	ops      *rate.Limiter
	presence *rate.Limiter
	views    *rate.Limiter // view frames (follow.go)
	control  *rate.Limiter // follow, summon and facilitate frames (follow.go)

	// owned by the room
	cursor      *protocol.Cursor
	editing     string
	skipThrough int64
	following   *conn  // whose view this connection follows (follow.go)
	personID    string // conn.person, once made
}

func newConn(h *Hub, ws *websocket.Conn, boardID string, p Participant) *conn {
	p.Name = cleanName(p.Name)
	c := &conn{
		hub: h, ws: ws, boardID: boardID, id: newConnID(), p: p, resume: -1,
		wake: make(chan struct{}, 1), closing: make(chan struct{}), readerDone: make(chan struct{}),
		ops:      rate.NewLimiter(rate.Limit(h.opts.OpsPerSecond), h.opts.OpsBurst),
		presence: rate.NewLimiter(presenceRate, presenceBurst),
		views:    rate.NewLimiter(viewRate, viewBurst),
		control:  rate.NewLimiter(controlRate, controlBurst),
	}
	if ws == nil { // a benchmark's connection, whose frames stay queued
		return c
	}
	c.raw = rawWriterOf(ws.NetConn())
	// Only the writer side writes to the socket (see conn): the reader's answers to a ping
	// and to a close go through it, instead of gorilla's handlers writing from the reader.
	ws.SetPingHandler(func(data string) error {
		c.wmu.Lock()
		c.pong, c.pongDue = []byte(data), true
		c.wmu.Unlock()
		c.poke()
		return nil
	})
	ws.SetCloseHandler(func(code int, _ string) error {
		c.closeWith(code, "") // the writer answers with the same code
		return nil
	})
	return c
}

func newConnID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func cleanName(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if s == "" {
		return "Anonymous"
	}
	if utf8.RuneCountInString(s) > protocol.MaxNameLen {
		s = string([]rune(s)[:protocol.MaxNameLen])
	}
	return s
}

func (c *conn) peer() protocol.Peer {
	p := protocol.Peer{Conn: c.id, Name: c.p.Name, Role: c.p.Role, Cursor: c.cursor, Editing: c.editing, Person: c.person()}
	if c.following != nil {
		p.Following = c.following.id
	}
	return p
}

// enqueue sends a frame without blocking: written at once when the socket is idle and
// takes it, else queued for the writer. False when Options.SendQueue frames are queued
// already: the caller drops the connection (dropSlow). A connection closing drops it.
func (c *conn) enqueue(m outMsg) bool {
	if m.frame == nil {
		m.frame = textFrame(m.data)
	}
	c.wmu.Lock()
	if c.shut {
		c.wmu.Unlock()
		return true // closing anyway: nothing to report
	}
	if !c.writing && len(c.queue) == 0 && c.raw != nil {
		n := c.raw.tryWrite(m.frame)
		if n == len(m.frame) {
			c.wmu.Unlock()
			c.written(m)
			return true
		}
		m.frame = m.frame[n:] // the writer writes the rest, or meets the socket's error
	}
	if len(c.queue) >= c.hub.opts.SendQueue {
		c.wmu.Unlock()
		return false
	}
	c.queue = append(c.queue, m)
	c.wmu.Unlock()
	c.poke()
	return true
}

// poke wakes the writer.
func (c *conn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// written counts a frame of a broadcast as delivered to the socket.
func (c *conn) written(m outMsg) {
	if !m.since.IsZero() {
		c.hub.metrics.writeSeconds.Observe(time.Since(m.since).Seconds())
	}
}

// sendJSON queues a frame for this connection alone; a full queue drops it.
func (c *conn) sendJSON(v any) {
	if !c.enqueue(outMsg{data: protocol.Encode(v)}) {
		c.dropSlow("its send queue is full")
	}
}

// closeWith asks the writer to send a close frame with code and end the connection. It
// reports whether this call closed it: only the first one does.
func (c *conn) closeWith(code int, text string) bool {
	closed := false
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.closing)
		closed = true
	})
	return closed
}

// dropSlow ends a connection that does not take what it is sent: its send queue is full
// (Options.SendQueue frames), or its socket took no frame for Options.WriteWait. It is
// the one way a slow connection goes, with close code 1013: the client reconnects and
// catches up. The connection is counted once, in lastmile_slow_connections_dropped_total,
// unless it was closing already.
func (c *conn) dropSlow(why string) {
	if c.closeWith(protocol.CloseTryAgainLater, "too slow: reconnect to catch up") {
		c.hub.metrics.slowDrops.Inc()
		c.hub.log.Info("dropping a slow connection", "board", c.boardID, "conn", c.id, "why", why)
	}
}

// run serves the connection: the writer in a goroutine, the reader here. It returns
// when both have stopped.
func (c *conn) run() {
	c.hub.wg.Add(1)
	writerDone := make(chan struct{})
	go func() {
		defer c.hub.wg.Done()
		defer close(writerDone)
		c.writePump()
	}()
	defer func() {
		if v := recover(); v != nil {
			c.hub.log.Error("panic in a websocket's reader; closing it", "board", c.boardID, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
			c.closeWith(protocol.CloseInternal, closeInternal)
		}
		close(c.readerDone)
		if r := c.joined; r != nil {
			select {
			case r.leave <- c:
			case <-r.done:
			}
		}
		c.closeWith(protocol.CloseNormal, "")
		<-writerDone
		_ = c.ws.Close()
	}()
	c.readPump()
}

// fail sends an error frame and closes the connection with code. The close frame's
// reason, for logs and tools, is in English.
func (c *conn) fail(closeCode int, err error) {
	c.sendJSON(c.errorFor(err))
	c.closeWith(closeCode, blueprint.ErrorMessage(err))
}

// say returns the message of err in the language of the connection's reader.
func (c *conn) say(err error) string {
	if c.p.Localize == nil {
		return blueprint.ErrorMessage(err)
	}
	return c.p.Localize(err)
}

// errorFor returns the error frame of err for this connection.
func (c *conn) errorFor(err error) protocol.Error {
	return protocol.Error{T: protocol.TypeError, Code: blueprint.ErrorCode(err), Message: c.say(err)}
}

// nackFor returns the nack of the op with key and id for this connection.
func (c *conn) nackFor(key, id string, err error) protocol.Nack {
	return protocol.Nack{T: protocol.TypeNack, Key: key, ID: id, Code: blueprint.ErrorCode(err), Message: c.say(err)}
}

// readPump reads the hello, joins the room (c.joined), then reads frames until the
// connection ends.
func (c *conn) readPump() {
	_ = c.ws.SetReadDeadline(time.Now().Add(protocol.HelloWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })

	hello, err := c.readFrame()
	var bad *blueprint.Error
	switch {
	case errors.Is(err, errConnDone):
		return
	case errors.As(err, &bad) && bad.Code == protocol.CodeVersion:
		c.fail(protocol.ClosePolicy, bad)
		return
	case bad != nil:
		c.fail(protocol.ClosePolicy, blueprint.Errorf(protocol.CodeProtocol, "expected a hello frame: %s", bad))
		return
	case err != nil:
		c.fail(protocol.ClosePolicy, blueprint.Errorf(protocol.CodeProtocol, "expected a hello frame: %s", err))
		return
	case hello.T != protocol.TypeHello:
		c.fail(protocol.ClosePolicy, blueprint.Errorf(protocol.CodeProtocol, "the first frame must be a hello"))
		return
	}
	c.client = *hello.Client
	if hello.Seq != nil {
		c.resume = *hello.Seq
	}
	if hello.Name != nil && *hello.Name != "" {
		c.p.Name = cleanName(*hello.Name)
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))

	var r *room
	for r == nil {
		rm, err := c.hub.room(c.hub.ctx, c.boardID)
		if err != nil {
			code := protocol.CloseTryAgainLater
			if blueprint.ErrorCode(err) == blueprint.ENOTFOUND {
				code = protocol.ClosePolicy
			} else if blueprint.ErrorCode(err) == blueprint.EUNAVAILABLE {
				code = protocol.CloseRestart
			}
			c.fail(code, err)
			return
		}
		select {
		case rm.join <- c:
			r, c.joined = rm, rm
		case <-rm.done:
		case <-c.closing:
			return
		}
	}

	for {
		f, err := c.readFrame()
		var bad *blueprint.Error
		if errors.As(err, &bad) {
			c.sendJSON(c.errorFor(bad))
			continue
		}
		if err != nil || !c.handle(r, f) {
			return
		}
	}
}

// errConnDone is readFrame's answer once it has closed the connection itself.
var errConnDone = errors.New("connection closed")

// readFrame reads one frame and decodes it (protocol.DecodeFrame). A frame that is not one of the
// protocol's is answered by a *blueprint.Error saying what was wrong, and the connection
// goes on; any other error ends it. A frame over protocol.MaxFrameSize gets its error frame,
// then close 1009 (errConnDone).
//
// The size is checked here rather than by the websocket's read limit, which would send
// its close frame before the error frame could say why.
func (c *conn) readFrame() (protocol.ClientFrame, error) {
	typ, r, err := c.ws.NextReader()
	if err != nil {
		return protocol.ClientFrame{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, protocol.MaxFrameSize+1))
	if err != nil {
		return protocol.ClientFrame{}, err
	}
	if len(data) > protocol.MaxFrameSize {
		c.fail(protocol.CloseTooBig, blueprint.Errorf(blueprint.ETOOLARGE, "a frame may be at most %d bytes", protocol.MaxFrameSize))
		c.discard(r)
		return protocol.ClientFrame{}, errConnDone
	}
	if typ != websocket.TextMessage {
		return protocol.ClientFrame{}, blueprint.Errorf(protocol.CodeProtocol, "malformed frame: frames are JSON text")
	}
	return protocol.DecodeFrame(data)
}

// discard reads and drops what the client still sends, for up to closeGrace: the rest of
// a frame too large, then frames until the client answers the close. Closing a socket
// with unread data resets it, and the client could lose the frames sent before.
func (c *conn) discard(r io.Reader) {
	_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
	if _, err := io.Copy(io.Discard, r); err != nil {
		return
	}
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// handle acts on one frame after the hello; false ends the connection.
func (c *conn) handle(r *room, f protocol.ClientFrame) bool {
	switch f.T {
	case protocol.TypeSubmit:
		return c.handleOps(r, f)
	case protocol.TypePresence:
		if !c.presence.Allow() {
			return true // cursors are best effort: drop the excess quietly
		}
		if f.Editing != nil && !c.p.CanEdit {
			f.Editing = nil
		}
		select {
		case r.presence <- presenceUpdate{conn: c, cursor: f.Cursor, editing: f.Editing}:
		case <-r.done:
			return false
		case <-c.closing:
			return false
		}
		return true
	case protocol.TypeFacilitate:
		if !c.paceControl(r) {
			return false
		}
		return c.handleFacilitate(r, f)
	case protocol.TypeVote:
		return c.handleVote(r, f)
	case protocol.TypeDraft:
		return c.handleDraft(r, f)
	case protocol.TypeFollow, protocol.TypeView, protocol.TypeSummon:
		return c.handleFollowing(r, f)
	case protocol.TypeHello:
		c.sendJSON(c.errorFor(blueprint.Errorf(protocol.CodeProtocol, "hello is sent once, first")))
	}
	return true
}

// handleOps checks a batch of ops and hands it to the room. Refused ops get a nack each
// and change nothing.
func (c *conn) handleOps(r *room, f protocol.ClientFrame) bool {
	read := time.Now()
	var edits []blueprint.Edit
	for _, op := range f.Ops {
		var refuse error
		switch {
		case op.IsAnnotation() && !c.p.CanComment && !c.p.CanEdit:
			refuse = blueprint.Errorf(blueprint.EFORBIDDEN, "your role on this board (%s) cannot comment on it", blueprint.Term(c.p.Role))
		case !op.IsAnnotation() && !c.p.CanEdit:
			refuse = blueprint.Errorf(blueprint.EFORBIDDEN, "your role on this board (%s) cannot edit it", blueprint.Term(c.p.Role))
		case !strings.HasPrefix(op.Key, c.client+":") || len(op.Key) == len(c.client)+1:
			refuse = blueprint.Errorf(blueprint.EINVALID, "every op needs a key of the form <client id>:<number>")
		default:
			refuse = op.Validate()
		}
		if refuse != nil {
			c.sendJSON(c.nackFor(op.Key, op.ID, refuse))
			continue
		}
		edits = append(edits, blueprint.Edit{Author: c.p.Name, By: c.by(), Moderator: c.p.Moderator, Op: op})
	}
	if len(edits) == 0 {
		return true
	}
	if !c.pace(r, len(edits)) {
		return false
	}
	select {
	case r.submit <- &submission{conn: c, edits: edits, read: read}:
		return true
	case <-r.done:
		// The room stopped (shutdown): the ops were not taken. Close so the client resends.
		c.closeWith(protocol.CloseRestart, "server restarting")
		return false
	case <-c.closing:
		return false
	}
}

// by returns who the connection's person is: the identity of their session, or, without
// one, the client id their hello gave ("c:<client id>"), which is all a server without
// accounts (or a visitor of an unlisted board without a session) knows of them.
func (c *conn) by() string {
	if c.p.By != "" {
		return c.p.By
	}
	return "c:" + c.client
}

// pace waits until the connection's op rate allows n more ops. A client sending faster
// than the rate is slowed down rather than refused: its reader waits, TCP pushes back on
// the client, and nothing it sent is lost (a client coming back online with many
// pending ops resends them all). False means the connection or the room ended meanwhile.
func (c *conn) pace(r *room, n int) bool {
	res := c.ops.ReserveN(time.Now(), n)
	if !res.OK() { // n above the burst: cannot happen, as the burst holds a whole frame
		return false
	}
	d := res.Delay()
	if d == 0 {
		return true
	}
	c.hub.metrics.paced.Inc()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.done:
		return false
	case <-c.closing:
		return false
	}
}

// writePump writes queued frames and pings, and the close frame at the end.
func (c *conn) writePump() {
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	defer func() {
		if v := recover(); v != nil {
			c.hub.log.Error("panic in a websocket's writer; closing it", "board", c.boardID, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
		}
		_ = c.ws.Close() // unblocks the reader
	}()
	for {
		select {
		case <-c.wake:
			if err := c.flush(false); err != nil {
				c.writeFailed(err)
				return
			}
		case <-ping.C:
			if err := c.flush(true); err != nil {
				c.writeFailed(err)
				return
			}
		case <-c.closing:
			c.wmu.Lock()
			c.shut, c.writing = true, true // from now on only this goroutine writes
			queued := c.queue
			c.queue = nil
			c.wmu.Unlock()
			// Write what is queued when closing normally, so that a client told to
			// reconnect has every frame sent before.
			if c.closeCode != protocol.CloseTryAgainLater {
				_ = c.writeFrames(queued)
			}
			if c.ws.WriteControl(websocket.CloseMessage, closeMessage(c.closeCode, c.closeText), time.Now().Add(closeGrace)) == nil {
				c.awaitReader()
			}
			return
		}
	}
}

// flush writes, in the writer goroutine, the frames queued and the pong owed, then a ping
// when asked, until nothing is left queued. The socket is the writer's meanwhile.
func (c *conn) flush(ping bool) error {
	for {
		c.wmu.Lock()
		if len(c.queue) == 0 && !c.pongDue && !ping {
			c.writing = false
			c.wmu.Unlock()
			return nil
		}
		queued, pong, pongDue := c.queue, c.pong, c.pongDue
		c.queue, c.pong, c.pongDue, c.writing = nil, nil, false, true
		c.wmu.Unlock()
		deadline := time.Now().Add(c.hub.opts.WriteWait)
		if pongDue {
			if err := c.ws.WriteControl(websocket.PongMessage, pong, deadline); err != nil {
				return err
			}
		}
		if err := c.writeFrames(queued); err != nil {
			return err
		}
		for _, m := range queued {
			c.written(m)
		}
		if ping {
			if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				return err
			}
			ping = false
		}
	}
}

// writeFrames writes frames in one write (writev), within the write wait.
func (c *conn) writeFrames(queued []outMsg) error {
	if len(queued) == 0 {
		return nil
	}
	nc := c.ws.NetConn()
	_ = nc.SetWriteDeadline(time.Now().Add(c.hub.opts.WriteWait))
	bufs := make(net.Buffers, len(queued))
	for i, m := range queued {
		bufs[i] = m.frame
	}
	_, err := bufs.WriteTo(nc)
	return err
}

// awaitReader waits, up to closeGrace, for the reader to stop: once the client has
// answered the close frame, or has stopped sending. Closing the socket while the client
// still sends would reset the connection, and the client could lose what was sent last,
// the close frame included.
func (c *conn) awaitReader() {
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-c.readerDone:
	case <-t.C:
	}
}

// writeFailed ends the connection after a failed write: a write that timed out means a
// slow client (dropSlow); anything else, a connection already gone.
func (c *conn) writeFailed(err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.dropSlow("a write took longer than the write wait")
		return
	}
	c.closeWith(websocket.CloseGoingAway, "")
}

// closeMessage returns the payload of a close frame: code, and text cut to
// maxCloseReason bytes on a character boundary. A longer reason makes the whole frame
// invalid, and the client would see 1006 (connection lost) and reconnect, instead of the
// code that tells it why.
func closeMessage(code int, text string) []byte {
	text = strings.ToValidUTF8(text, "")
	if len(text) > maxCloseReason {
		cut := maxCloseReason
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return websocket.FormatCloseMessage(code, text)
}

// textFrame returns payload as a whole websocket text frame from a server: final, not
// masked, not compressed (the upgrader offers no compression), RFC 6455 section 5.2.
func textFrame(payload []byte) []byte {
	n := len(payload)
	var f []byte
	switch {
	case n < 126:
		f = make([]byte, 2, 2+n)
		f[1] = byte(n)
	case n <= 0xFFFF:
		f = make([]byte, 4, 4+n)
		f[1] = 126
		binary.BigEndian.PutUint16(f[2:], uint16(n))
	default:
		f = make([]byte, 10, 10+n)
		f[1] = 127
		binary.BigEndian.PutUint64(f[2:], uint64(n))
	}
	f[0] = 0x80 | websocket.TextMessage // FIN, opcode 1
	return append(f, payload...)
}
