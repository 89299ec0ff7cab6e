package realtime

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// submission is a batch of edits handed to a room: from a websocket connection (conn set;
// results go back as frames) or from an HTTP handler (reply set).
type submission struct {
	conn  *conn
	edits []blueprint.Edit
	reply chan reply
	read  time.Time // when the frame was read, for a websocket's submission
}

type reply struct {
	results []blueprint.Result
	err     error
}

// presenceUpdate is a participant's new cursor or editing state.
type presenceUpdate struct {
	conn    *conn
	cursor  *protocol.Cursor
	editing *string
}

// lock is a soft lock on a card's text, held by one connection.
type lock struct {
	holder *conn
	until  time.Time
}

// logRecheck is how long a room trusts that it is current with the log without reading it
// again, when someone joins and no other process has announced a commit.
const logRecheck = time.Second

// recentOps is how many of the last ops broadcast a room keeps, for joiners a little
// behind: a board page joins from the sequence it was rendered at, and a busy board moves
// on while it loads. Joiners further behind read the log.
const recentOps = 256

// room is one board in this process. Every field below is owned by the room's goroutine,
// except remoteSeq and the channels.
type room struct {
	hub *Hub
	id  string

	seq   int64 // the last sequence broadcast to the room
	conns map[*conn]struct{}
	list  []*conn // conns as a slice, for broadcasts; nil after a change of conns
	// skipping is set while a connection may have joined from a snapshot ahead of seq
	// (skipThrough > seq): broadcasts then look at each connection's skipThrough.
	skipping bool
	joining  *conn                  // the connection being admitted, not yet in conns
	locks    map[string]*lock       // card id → lock
	fac      blueprint.Facilitation // the board's facilitation state, as stored (facilitation.go)

	logChecked  time.Time            // when the room last knew it was current with the log
	snapshot    []byte               // the last snapshot frame sent, encoded, for the next joiners
	snapshotSeq int64                // its sequence
	recent      []protocol.Committed // the last ops broadcast, at most recentOps, ending at seq

	// Presence changes wait for the next peers frame, so that a crowd joining or moving
	// pointers costs one frame per connection per PresenceEvery, not one per change.
	changed      map[*conn]struct{} // joined, or changed their presence
	left         []string           // ids of connections that left
	presenceTick *time.Timer
	presenceDue  bool // presenceTick is running

	submit       chan *submission // unbuffered: senders wait while a commit is in flight
	committed    chan *inflight   // capacity 1: the commit in flight, done
	inFlight     bool             // a commit is in flight
	join         chan *conn
	leave        chan *conn
	presence     chan presenceUpdate
	remote       chan struct{}   // capacity 1: "the log may have moved on"
	revoke       chan revocation // connections that must close
	facilitateCh chan facilitateRequest
	voteCh       chan voteRequest
	draftCh      chan draftRequest
	voteEnd      *time.Timer    // rings when the open vote's time is up (scheduleVoteEnd)
	follows      chan followMsg // follow, view and summon frames (follow.go)
	done         chan struct{}  // closed when the room has stopped

	remoteSeq atomic.Int64
	pokedAt   atomic.Int64 // when a poke first announced ops not broadcast yet (Unix ns), or 0

	// Another process stored the board's facilitation state under facSeq (0: nothing
	// announced since the room last read it); facRemote says so to the room.
	facSeq    atomic.Int64
	facRemote chan struct{} // capacity 1

	out        *fanout // writes what the room sends, in order
	framedData []byte  // the last payload send framed, and its frame
	framed     []byte
}

func newRoom(h *Hub, id string, seq int64, fac blueprint.Facilitation) *room {
	tick := time.NewTimer(time.Hour)
	tick.Stop()
	voteEnd := time.NewTimer(time.Hour)
	voteEnd.Stop()
	r := &room{
		hub: h, id: id, seq: seq, fac: fac, facilitateCh: make(chan facilitateRequest),
		voteCh: make(chan voteRequest), voteEnd: voteEnd, draftCh: make(chan draftRequest),
		follows: make(chan followMsg),
		conns:   map[*conn]struct{}{}, locks: map[string]*lock{},
		changed: map[*conn]struct{}{}, presenceTick: tick,
		submit: make(chan *submission), committed: make(chan *inflight, 1), join: make(chan *conn), leave: make(chan *conn),
		presence: make(chan presenceUpdate), remote: make(chan struct{}, 1), revoke: make(chan revocation), done: make(chan struct{}),
		facRemote: make(chan struct{}, 1),
	}
	r.out = newFanout(r)
	return r
}

// poke records that the log reaches at least seq and wakes the room.
func (r *room) poke(seq int64) {
	for {
		cur := r.remoteSeq.Load()
		if seq <= cur {
			break
		}
		if r.remoteSeq.CompareAndSwap(cur, seq) {
			r.pokedAt.CompareAndSwap(0, time.Now().UnixNano())
			break
		}
	}
	select {
	case r.remote <- struct{}{}:
	default:
	}
}

// run is the room's goroutine. A panic in it is logged with its stack and ends the room
// (fail), and nothing else.
func (r *room) run() {
	defer r.hub.wg.Done()
	go r.out.run()
	defer r.out.stop() // after fail or shutdown below, which wait for what is queued
	defer func() {
		if v := recover(); v != nil {
			r.hub.log.Error("panic in a room; closing its connections", "board", r.id, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
			r.fail()
		}
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	defer r.voteEnd.Stop()
	r.scheduleVoteEnd()
	idleSince := time.Now()
	gone := false // the board was deleted: the room stops once its connections have left
	for {
		submit := r.submit
		if r.inFlight {
			submit = nil // the senders wait, and go into the next commit together
		}
		select {
		case s := <-submit:
			if r.remoteSeq.Load() > r.seq {
				// Another process's ops first: its clients here see them without waiting
				// for this commit, and the commit starts from them (see Store.OpsSince).
				r.catchUp()
			}
			r.inFlight = r.commit(r.gather(s))
			idleSince = time.Now()
		case f := <-r.committed:
			r.inFlight = false
			r.finish(f)
			idleSince = time.Now()
		case c := <-r.join:
			r.joining = c
			r.admit(c)
			r.joining = nil
		case c := <-r.leave:
			r.remove(c)
			idleSince = time.Now()
		case p := <-r.presence:
			r.relay(p)
		case req := <-r.facilitateCh:
			r.facilitate(req)
		case <-r.facRemote:
			r.adoptFacilitation()
		case req := <-r.voteCh:
			r.vote(req)
		case req := <-r.draftCh:
			r.draft(req)
		case <-r.voteEnd.C:
			r.endVote()
		case m := <-r.follows:
			r.following(m)
		case <-r.presenceTick.C:
			r.flushPresence()
		case v := <-r.revoke:
			for c := range r.conns {
				if v.matches(c.p) {
					c.closeWith(v.code(), v.reason())
				}
			}
			if v.gone { // the board is deleted: nothing of it is served again
				r.snapshot, gone = nil, true
			}
		case <-r.remote:
			if r.remoteSeq.Load() > r.seq {
				r.catchUp()
			} else {
				r.pokedAt.Store(0) // an announcement of what the room has: its own commits
			}
		case now := <-tick.C:
			r.expireLocks(now)
			if len(r.conns) == 0 && !r.inFlight && (gone || now.Sub(idleSince) > r.hub.opts.IdleTimeout) && r.hub.removeRoom(r) {
				return
			}
		case <-r.hub.ctx.Done():
			r.shutdown()
			return
		}
	}
}

// gather adds to s the submissions whose senders are already waiting, up to MaxBatch ops:
// they go into the same transaction.
func (r *room) gather(s *submission) []*submission {
	batch := []*submission{s}
	n := len(s.edits)
	for n < r.hub.opts.MaxBatch {
		select {
		case more := <-r.submit:
			batch = append(batch, more)
			n += len(more.edits)
		default:
			return batch
		}
	}
	return batch
}

// inflight is a commit handed to the store: the room goes on meanwhile (other processes'
// ops, joins, presence) and takes no submission until it is done (finish).
type inflight struct {
	batch   []*submission
	pre     map[*submission][]blueprint.Result // results decided before the store (locks)
	edits   []blueprint.Edit
	origins []origin
	start   time.Time
	results []blueprint.Result
	err     error
	panic   any // a panic of the store, raised again in the room's goroutine
	stack   []byte
}

type origin struct {
	s *submission
	i int // index in s.edits
}

// commit applies a batch of submissions in one transaction, then (finish) broadcasts what
// was applied, answers the senders, and tells other processes. The store's work runs in
// a goroutine of its own, and the room's goroutine goes on: while this process commits,
// another process's ops on the board are broadcast here as soon as they are announced,
// instead of after this commit. It returns false when nothing went to the store (every
// edit was refused before); the answers are sent then.
func (r *room) commit(batch []*submission) bool {
	f := &inflight{batch: batch, pre: map[*submission][]blueprint.Result{}}
	for _, s := range batch {
		res := make([]blueprint.Result, len(s.edits))
		f.pre[s] = res
		for i, e := range s.edits {
			err := r.refuseLocked(e)
			if err == nil {
				err = r.checkLock(s.conn, e.Op)
			}
			if err != nil {
				res[i].Err = err
				continue
			}
			f.edits = append(f.edits, e)
			f.origins = append(f.origins, origin{s, i})
		}
	}
	if len(f.edits) == 0 {
		for _, s := range batch {
			r.answer(s, f.pre[s])
		}
		return false
	}
	f.start = time.Now()
	for _, s := range batch {
		if !s.read.IsZero() {
			r.hub.metrics.waitSeconds.Observe(f.start.Sub(s.read).Seconds())
		}
	}
	r.hub.wg.Add(1)
	go func() {
		defer r.hub.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				f.panic, f.stack = v, debug.Stack()
			}
			r.committed <- f // capacity 1, one commit at a time: never blocks
		}()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
		defer cancel()
		f.results, f.err = r.hub.store.ApplyEdits(ctx, r.id, f.edits)
	}()
	return true
}

// finish completes a commit in the room's goroutine, once the store is done with it.
func (r *room) finish(f *inflight) {
	if f.panic != nil {
		panic(fmt.Sprintf("%v (in the store, at %s)", f.panic, f.stack))
	}
	r.hub.metrics.commitSeconds.Observe(time.Since(f.start).Seconds())
	r.hub.metrics.batchOps.Observe(float64(len(f.edits)))
	if f.err != nil {
		r.hub.log.Warn("commit failed", "board", r.id, "ops", len(f.edits), "err", f.err)
		for _, s := range f.batch {
			r.answerFailure(s, f.err)
		}
		return
	}
	var committed []protocol.Committed
	var lastSeq int64
	for k, res := range f.results {
		o := f.origins[k]
		f.pre[o.s][o.i] = res
		if res.Err != nil || res.Duplicate {
			continue
		}
		e := f.edits[k]
		co := protocol.Committed{Seq: res.Seq, Author: e.Author, By: e.By, At: res.At.UnixMilli(), Op: e.Op}
		if o.s.conn != nil {
			co.Conn = o.s.conn.id
		}
		committed = append(committed, co)
		lastSeq = res.Seq
	}
	if len(committed) > 0 {
		r.hub.metrics.opsCommitted.Add(float64(len(committed)))
		// Other processes first: their participants wait for the notification and a read
		// of the log, this process's only for the writes below.
		if r.hub.broker != nil {
			r.hub.broker.Publish(r.id, lastSeq)
		}
		if committed[0].Seq == r.seq+1 {
			r.broadcastOps(committed)
			r.logChecked = time.Now() // the commit held the board's lock: nothing came between
		} else {
			// Another process wrote in between, or the room read these ops from the log
			// already while the commit was under way: read the log, ours included.
			r.catchUp()
		}
	}
	for _, s := range f.batch {
		r.answer(s, f.pre[s])
	}
}

// wait waits for the commit in flight, if any, and finishes it.
func (r *room) wait() {
	if r.inFlight {
		f := <-r.committed
		r.inFlight = false
		r.finish(f)
	}
}

// answer sends a submission's results: nacks for refused ops and acks for resent ones to
// a connection (applied ops are acknowledged by their broadcast), or the results to an
// HTTP caller.
func (r *room) answer(s *submission, results []blueprint.Result) {
	if s.reply != nil {
		s.reply <- reply{results: results}
		return
	}
	for i, res := range results {
		op := s.edits[i].Op
		switch {
		case res.Err != nil:
			r.send(s.conn, outMsg{data: protocol.Encode(s.conn.nackFor(op.Key, op.ID, res.Err))})
		case res.Duplicate:
			r.send(s.conn, outMsg{data: protocol.Encode(protocol.Ack{T: protocol.TypeAck, Key: op.Key, Seq: res.Seq})})
		}
	}
}

// answerFailure tells the senders of a batch that nothing of it was committed. A client
// keeps such ops and sends them again after reconnecting, with the same keys.
func (r *room) answerFailure(s *submission, err error) {
	if s.reply != nil {
		s.reply <- reply{err: err}
		return
	}
	code := blueprint.ErrorCode(err)
	if code == blueprint.ENOTFOUND { // the board is gone: sending again would not help
		s.conn.sendJSON(s.conn.errorFor(blueprint.Errorf(code, "this board was deleted")))
		s.conn.closeWith(protocol.ClosePolicy, revocation{gone: true}.reason())
		return
	}
	if code == blueprint.EINTERNAL {
		code = blueprint.EUNAVAILABLE
	}
	s.conn.sendJSON(s.conn.errorFor(blueprint.Errorf(code, "the edit could not be saved; it will be sent again")))
	s.conn.closeWith(protocol.CloseTryAgainLater, "commit failed")
}

// broadcastOps sends ops that directly follow r.seq to everyone, encoded once.
func (r *room) broadcastOps(ops []protocol.Committed) {
	if len(ops) == 0 {
		return
	}
	since := time.Now()
	msg := outMsg{frame: textFrame(protocol.Encode(protocol.Ops{T: protocol.TypeOps, Ops: ops})), since: since, ops: ops}
	last := ops[len(ops)-1].Seq
	all := r.connList()
	if r.skipping {
		// Some joined from a snapshot in the middle of these or later: they get the rest
		// alone, the others the frame everyone shares.
		shared := make([]*conn, 0, len(all))
		r.skipping = false
		for _, c := range all {
			switch {
			case c.skipThrough >= last:
				r.skipping = true
			case c.skipThrough >= ops[0].Seq:
				r.send(c, outMsg{data: protocol.Encode(protocol.Ops{T: protocol.TypeOps, Ops: after(ops, c.skipThrough)}), since: since})
			default:
				shared = append(shared, c)
			}
		}
		all = shared
	}
	r.sendAll(all, msg)
	r.hub.metrics.deliveries.Add(float64(len(r.conns) * len(ops)))
	r.seq = last
	for _, o := range ops {
		o.Conn = "" // as the log has it: a replay names no connection
		r.recent = append(r.recent, o)
	}
	if len(r.recent) > 2*recentOps { // trimmed now and then, not at each broadcast
		r.recent = append([]protocol.Committed(nil), r.recent[len(r.recent)-recentOps:]...)
	}
}

// since returns the ops after seq up to the room's, from those kept in memory, and whether
// they reach back that far.
func (r *room) since(seq int64) ([]protocol.Committed, bool) {
	if seq == r.seq {
		return nil, true
	}
	if len(r.recent) == 0 || r.recent[0].Seq > seq+1 || r.recent[len(r.recent)-1].Seq != r.seq {
		return nil, false
	}
	return r.recent[seq+1-r.recent[0].Seq:], true
}

func after(ops []protocol.Committed, seq int64) []protocol.Committed {
	for i, o := range ops {
		if o.Seq > seq {
			return ops[i:]
		}
	}
	return nil
}

// catchUp reads the ops this room has not broadcast yet from the log and broadcasts them.
func (r *room) catchUp() {
	for {
		ops, err := r.readLog(r.seq, 1000)
		if err != nil {
			r.hub.log.Warn("reading the op log", "board", r.id, "err", err)
			return
		}
		r.broadcastOps(ops)
		if len(ops) < 1000 {
			r.logChecked = time.Now()
			if at := r.pokedAt.Load(); at != 0 && r.seq >= r.remoteSeq.Load() && r.pokedAt.CompareAndSwap(at, 0) {
				r.hub.metrics.remoteSeconds.Observe(time.Since(time.Unix(0, at)).Seconds())
			}
			return
		}
	}
}

func (r *room) readLog(after int64, limit int) ([]protocol.Committed, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	defer cancel()
	log, err := r.hub.store.OpsSince(ctx, r.id, after, limit)
	if err != nil {
		return nil, err
	}
	ops := make([]protocol.Committed, 0, len(log))
	for i, c := range log {
		if c.Seq != after+int64(i)+1 {
			return nil, blueprint.Errorf(blueprint.EINTERNAL, "the op log of board %s has a gap at %d", r.id, after+int64(i)+1)
		}
		ops = append(ops, protocol.Committed{Seq: c.Seq, Author: c.Author, By: c.By, At: c.At.UnixMilli(), Op: c.Op})
	}
	return ops, nil
}

// send sends a message to c after what the room sent before (see fanout), dropping c
// when its queue is full.
//
// The same payload sent to several connections in turn (a view to each follower, a
// facilitation frame to each) is framed once: the room keeps the last payload it framed.
func (r *room) send(c *conn, m outMsg) {
	if m.frame == nil && len(m.data) > 0 {
		if len(r.framedData) != len(m.data) || &r.framedData[0] != &m.data[0] {
			r.framedData, r.framed = m.data, textFrame(m.data)
		}
		m.frame = r.framed
	}
	r.out.push(fanJob{one: c, m: m})
}

// admit brings a connection into the room: it catches the room up with the log, sends the
// welcome, then what the client misses — the ops after the sequence it holds, or a
// snapshot when it is too far behind — and only then adds it to the broadcast, so the
// client sees every sequence exactly once.
func (r *room) admit(c *conn) {
	if r.hub.isRevoked(c.p.GrantID) {
		c.closeWith(protocol.ClosePolicy, revocation{grant: c.p.GrantID}.reason())
		return
	}
	if r.hub.staleMember(r.id, c.p) {
		c.closeWith(protocol.ClosePolicy, revocation{user: c.p.UserID}.reason())
		return
	}
	if v, ended := r.hub.boardEnded(r.id, c.p); ended {
		c.closeWith(v.code(), v.reason())
		return
	}
	// Other processes' commits are announced (poke), so the log is read again here only
	// when one is pending or a while has passed: a crowd joining costs one read, not one
	// read each.
	if r.remoteSeq.Load() > r.seq || time.Since(r.logChecked) > logRecheck {
		r.catchUp()
	}
	held := c.resume
	welcome := protocol.Welcome{T: protocol.TypeWelcome, V: protocol.Version, Board: r.id, Conn: c.id, Role: c.p.Role, By: c.by(), Peers: r.peers(),
		Facilitation: &r.fac, Now: time.Now().UnixMilli()}
	if held >= 0 && held <= r.seq && r.seq-held <= r.hub.opts.Horizon {
		// A joiner current or a little behind (a board page joins from the sequence it
		// was rendered at) is caught up from memory; one further behind, from the log.
		ops, ok := r.since(held)
		var err error
		if !ok {
			ops, err = r.readLog(held, int(r.seq-held))
		}
		if err == nil && (len(ops) == 0 || ops[len(ops)-1].Seq == r.seq) {
			welcome.Seq = r.seq
			c.enqueue(outMsg{data: protocol.Encode(welcome)})
			for len(ops) > 0 {
				n := min(len(ops), 500)
				c.enqueue(outMsg{data: protocol.Encode(protocol.Ops{T: protocol.TypeOps, Ops: ops[:n]})})
				ops = ops[n:]
			}
			r.addConn(c)
			return
		}
	}
	snap, seq, err := r.snapshotFrame()
	if err != nil {
		c.sendJSON(c.errorFor(err))
		c.closeWith(protocol.CloseTryAgainLater, "could not load the board")
		return
	}
	welcome.Seq = seq
	c.enqueue(outMsg{data: protocol.Encode(welcome)})
	c.enqueue(outMsg{data: snap})
	c.skipThrough = seq
	if seq < r.seq { // the room is ahead of the snapshot: send the difference
		if ops, err := r.readLog(seq, int(r.seq-seq)); err == nil {
			c.enqueue(outMsg{data: protocol.Encode(protocol.Ops{T: protocol.TypeOps, Ops: ops})})
		}
	}
	r.addConn(c)
	if seq > r.seq { // the snapshot is ahead of the room: catch the others up
		r.catchUp()
	}
}

// snapshotFrame returns an encoded snapshot frame of the board and its sequence: the one
// made for an earlier joiner while the room has not moved since, or a new one. A board
// changes only through ops, so a snapshot at a given sequence never goes stale.
func (r *room) snapshotFrame() ([]byte, int64, error) {
	if r.snapshot != nil && r.snapshotSeq == r.seq {
		return r.snapshot, r.snapshotSeq, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	b, err := r.hub.store.FindBoard(ctx, r.id)
	cancel()
	if err != nil {
		return nil, 0, err
	}
	r.snapshot, r.snapshotSeq = protocol.Encode(protocol.Snapshot{T: protocol.TypeSnapshot, Board: b.Export()}), b.Seq
	return r.snapshot, r.snapshotSeq, nil
}

func (r *room) addConn(c *conn) {
	if r.fac.OpenVote() != nil || r.fac.Private { // their own votes and private cards
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
		r.sendBallots(ctx, c)
		if ds, ok := r.hub.store.(DraftStore); ok && r.fac.Private {
			r.sendDrafts(ctx, ds, map[string]bool{c.by(): true}, c)
		}
		cancel()
	}
	r.conns[c] = struct{}{}
	r.list = nil
	if c.skipThrough > r.seq {
		r.skipping = true
	}
	r.hub.metrics.conns.Inc()
	r.presenceChanged(c)
}

func (r *room) peers() []protocol.Peer {
	out := make([]protocol.Peer, 0, len(r.conns))
	for c := range r.conns {
		out = append(out, c.peer())
	}
	return out
}

// remove takes a connection out of the room, releases its locks and tells the others.
func (r *room) remove(c *conn) {
	if _, ok := r.conns[c]; !ok {
		return
	}
	delete(r.conns, c)
	r.list = nil
	r.hub.metrics.conns.Dec()
	for card, l := range r.locks {
		if l.holder == c {
			delete(r.locks, card)
		}
	}
	delete(r.changed, c)
	r.unfollow(c)
	r.left = append(r.left, c.id)
	r.armPresence()
}

// presenceChanged records that c joined or changed its presence, for the next peers frame.
func (r *room) presenceChanged(c *conn) {
	r.changed[c] = struct{}{}
	r.armPresence()
}

func (r *room) armPresence() {
	if !r.presenceDue {
		r.presenceDue = true
		r.presenceTick.Reset(r.hub.opts.PresenceEvery)
	}
}

// flushPresence sends the presence changes gathered since the last peers frame to
// everyone, in one frame encoded once. Those who changed get their own entry too.
func (r *room) flushPresence() {
	r.presenceDue = false
	f := protocol.Peers{T: protocol.TypePeers, Left: r.left}
	for c := range r.changed {
		f.Peers = append(f.Peers, c.peer())
	}
	clear(r.changed)
	r.left = nil
	if len(r.conns) == 0 || len(f.Peers)+len(f.Left) == 0 {
		return
	}
	r.sendAll(r.connList(), outMsg{frame: textFrame(protocol.Encode(f))})
}

// relay records a presence update and passes it on. Setting editing to a card takes its
// soft lock unless someone else holds it; an empty editing releases it.
func (r *room) relay(p presenceUpdate) {
	c := p.conn
	if _, ok := r.conns[c]; !ok {
		return
	}
	if p.cursor != nil {
		c.cursor = p.cursor
	}
	if p.editing != nil {
		card := *p.editing
		if l := r.locks[c.editing]; c.editing != "" && l != nil && l.holder == c && c.editing != card {
			delete(r.locks, c.editing)
		}
		c.editing = ""
		if card != "" {
			if l := r.locks[card]; l != nil && l.holder != c {
				c.sendJSON(c.nackFor("", card, blueprint.Errorf(blueprint.ECONFLICT, "%s is editing this card", l.holder.p.Name)))
			} else {
				r.locks[card] = &lock{holder: c, until: time.Now().Add(r.hub.opts.LockTTL)}
				c.editing = card
			}
		}
	} else if c.editing != "" {
		if l := r.locks[c.editing]; l != nil && l.holder == c {
			l.until = time.Now().Add(r.hub.opts.LockTTL) // any presence refreshes the lock
		}
	}
	r.presenceChanged(c)
}

// checkLock refuses a change to the text of a card that someone else is editing.
func (r *room) checkLock(c *conn, op blueprint.Op) error {
	if op.Type != blueprint.TypeCard || op.Action != blueprint.ActionUpdate ||
		(op.Fields.Text == nil && op.Fields.Detail == nil) {
		return nil
	}
	l := r.locks[op.ID]
	if l == nil || l.holder == c {
		return nil
	}
	return blueprint.Errorf(blueprint.ECONFLICT, "%s is editing this card's text", l.holder.p.Name)
}

func (r *room) expireLocks(now time.Time) {
	for card, l := range r.locks {
		if now.After(l.until) {
			delete(r.locks, card)
			if l.holder.editing == card {
				l.holder.editing = ""
				r.presenceChanged(l.holder)
			}
		}
	}
}

// fail ends the room after a panic in its goroutine, which may have left its state half
// changed: every connection closes with 1011 and reconnects, to a new room that reads
// the board again; the hub forgets this one, and callers waiting on it see done closed.
// Edits it held uncommitted are resent by their clients, with the same keys.
func (r *room) fail() {
	for c := range r.conns {
		c.closeWith(protocol.CloseInternal, closeInternal)
	}
	if r.joining != nil {
		r.joining.closeWith(protocol.CloseInternal, closeInternal)
	}
	r.hub.metrics.conns.Sub(float64(len(r.conns)))
	r.hub.mu.Lock()
	if r.hub.rooms[r.id] == r {
		delete(r.hub.rooms, r.id)
		r.hub.metrics.rooms.Dec()
	}
	r.hub.mu.Unlock()
	select {
	case <-r.done: // it had stopped already
	default:
		close(r.done)
	}
}

// closeInternal is the reason of close frames with code 1011 (internal error).
const closeInternal = "internal error: reconnect"

// shutdown commits the submissions already waiting, then closes every connection with
// 1012 so that clients reconnect; nothing acknowledged is lost and nothing handed over
// is dropped silently.
func (r *room) shutdown() {
	r.wait()
	for {
		select {
		case s := <-r.submit:
			r.inFlight = r.commit(r.gather(s))
			r.wait()
			continue
		default:
		}
		break
	}
	r.out.drain() // everything sent before the close frames
	for c := range r.conns {
		c.closeWith(protocol.CloseRestart, "server restarting")
	}
	r.hub.mu.Lock()
	if r.hub.rooms[r.id] == r {
		delete(r.hub.rooms, r.id)
		r.hub.metrics.rooms.Dec()
	}
	r.hub.mu.Unlock()
	close(r.done)
}
