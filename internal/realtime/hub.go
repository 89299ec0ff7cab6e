// Package realtime runs live collaboration on boards: one room per board per process,
// the connections of its participants, fan-out of committed ops, presence and soft locks,
// catch-up on reconnect, and catch-up from the op log when another process has written.
//
// Invariants, stated once here and relied on everywhere below:
//   - A room's goroutine is the only writer of the board in this process. It batches the
//     submissions that arrive while a commit is in flight into the next commit (group
//     commit), under a server-owned context, never the client's. One commit at a time is
//     in flight; the store works on it in a goroutine of its own while the room goes on
//     with everything but submissions (room.commit), and the room finishes it.
//   - An op is broadcast only after its commit, in sequence order, with no gap and no
//     duplicate: the room's seq is the last sequence it broadcast, and anything newer comes
//     from its own commits or from the log (OpsSince), read by the same goroutine.
//   - Each connection has one reader and one writer goroutine and a bounded send queue.
//     What a room sends goes out in order through its fanout, which writes each frame
//     straight to the sockets that take it at once and queues the rest for their writers
//     (fanout.go, conn.enqueue). A connection whose queue is full, or whose socket takes
//     no frame for WriteWait, is dropped (close code 1013, conn.dropSlow); it never slows
//     the room.
//   - A panic in a room's goroutine costs that room only: its connections close with
//     1011 and reconnect to a new room; the hub and the other rooms go on.
//
// The package knows the domain and two small interfaces, Store and Broker; it never sees
// SQL or HTTP routing.
package realtime

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// Store is what rooms need from storage.
type Store interface {
	// ApplyEdits has the contract of blueprint.BoardService.ApplyEdits.
	ApplyEdits(ctx context.Context, boardID string, edits []blueprint.Edit) ([]blueprint.Result, error)
	// OpsSince returns up to limit ops with sequence > after, in order.
	OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]blueprint.Committed, error)
	// FindBoard returns the board's current state (ENOTFOUND if none).
	FindBoard(ctx context.Context, id string) (*blueprint.Board, error)
	// BoardSeq returns the board's current sequence (ENOTFOUND if none).
	BoardSeq(ctx context.Context, id string) (int64, error)
}

// Broker tells other processes that a board has new ops.
type Broker interface {
	// Publish announces that boardID's log reaches seq. It must not block: it is called
	// on the commit path, after the commit.
	Publish(boardID string, seq int64)
}

// FacilitationBroker is a Broker that also tells other processes that a board's
// facilitation state changed (see Hub.FacilitationChanged).
type FacilitationBroker interface {
	// PublishFacilitation announces that boardID's facilitation state is stored under
	// seq. It must not block.
	PublishFacilitation(boardID string, seq int64)
}

// Options tune a hub. Zero values take the defaults below.
type Options struct {
	SendQueue     int           // frames a connection may have queued before it is dropped
	Horizon       int64         // a client further behind than this gets a snapshot
	MaxBatch      int           // ops per group commit, at most
	LockTTL       time.Duration // a soft lock not refreshed for this long expires
	IdleTimeout   time.Duration // a room without participants stops after this long
	CommitTimeout time.Duration
	OpsPerSecond  float64 // per connection, with a burst of OpsBurst; faster clients are slowed
	OpsBurst      int     // at least blueprint.MaxOpsPerBatch, so a whole frame fits
	// PresenceEvery is how often a room sends the presence changes gathered meanwhile, in
	// one frame to everyone: joins, leaves, pointers and soft locks.
	PresenceEvery time.Duration
	// MemberMemory is how long the hub remembers a change of a member's role (see
	// RevokeMember): long enough for a connection authorised before it to have joined.
	MemberMemory time.Duration
	// WriteWait is how long a write to a socket may take: a connection whose socket
	// takes no frame for this long is dropped as slow.
	WriteWait time.Duration
	// FanoutDuty is the share of the time a room's fan-out may spend writing to large
	// audiences (more than one goroutine's share of sockets) one broadcast per commit.
	// When a board's commits come faster than that allows, its broadcasts are paced: each
	// waits until FanoutDuty of the time since the previous one started was spent
	// writing, and the ops committed meanwhile go out with it, in one write per socket
	// (fanout.go). 0 (the default) never holds a broadcast: measured, holding costs the
	// followers more latency than the CPU it saves is worth (docs/performance.md).
	FanoutDuty float64
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.SendQueue, 512)
	def(&o.MaxBatch, 1000)
	def(&o.OpsBurst, 2*blueprint.MaxOpsPerBatch)
	o.OpsBurst = max(o.OpsBurst, blueprint.MaxOpsPerBatch)
	if o.Horizon <= 0 {
		o.Horizon = 1000
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = time.Minute
	}
	if o.CommitTimeout <= 0 {
		o.CommitTimeout = 10 * time.Second
	}
	if o.PresenceEvery <= 0 {
		o.PresenceEvery = 40 * time.Millisecond
	}
	if o.MemberMemory <= 0 {
		o.MemberMemory = time.Minute
	}
	if o.OpsPerSecond <= 0 {
		o.OpsPerSecond = 200
	}
	if o.WriteWait <= 0 {
		o.WriteWait = writeWait
	}
	return o
}

// Hub holds the rooms of this process.
type Hub struct {
	store   Store
	broker  Broker
	log     *slog.Logger
	opts    Options
	metrics *Metrics

	ctx    context.Context // ends when the hub shuts down
	cancel context.CancelFunc
	wg     sync.WaitGroup // rooms and connection pumps

	mu      sync.Mutex
	rooms   map[string]*room
	closed  bool
	revoked map[string]bool // grant ids revoked while this process ran
	// changed holds when a member's role last changed (key: board, NUL, user id), for
	// Options.MemberMemory.
	changed map[string]memberChange
	// ended holds the boards deleted or claimed while this process ran, for
	// Options.MemberMemory: a connection authorised before that and joining after it is
	// refused (see CloseBoard).
	ended map[string]boardEnd
}

// boardEnd is a board's deletion, or its claim, as the hub was told of it.
type boardEnd struct {
	gone  bool      // deleted; else claimed
	noted time.Time // when the hub was told, on this process's clock
}

// NewHub returns a hub over store. broker may be nil (a single process); metrics may be nil.
func NewHub(store Store, broker Broker, log *slog.Logger, metrics *Metrics, opts Options) *Hub {
	if log == nil {
		log = slog.Default()
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{store: store, broker: broker, log: log, opts: opts.withDefaults(), metrics: metrics,
		ctx: ctx, cancel: cancel, rooms: map[string]*room{}}
}

// room returns the board's room, starting it if needed. ENOTFOUND for an unknown board;
// EUNAVAILABLE once the hub is shutting down.
func (h *Hub) room(ctx context.Context, boardID string) (*room, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, blueprint.Errorf(blueprint.EUNAVAILABLE, "the server is restarting; reconnect in a moment")
	}
	if r, ok := h.rooms[boardID]; ok {
		h.mu.Unlock()
		return r, nil
	}
	h.mu.Unlock()

	seq, err := h.store.BoardSeq(ctx, boardID)
	if err != nil {
		return nil, err
	}
	fac, err := h.loadFacilitation(ctx, boardID)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, blueprint.Errorf(blueprint.EUNAVAILABLE, "the server is restarting; reconnect in a moment")
	}
	if r, ok := h.rooms[boardID]; ok {
		return r, nil
	}
	r := newRoom(h, boardID, seq, fac)
	h.rooms[boardID] = r
	h.metrics.rooms.Inc()
	h.wg.Add(1)
	go r.run()
	return r, nil
}

// removeRoom forgets an idle room, unless someone is still in it. It reports whether the
// room may stop.
func (h *Hub) removeRoom(r *room) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(r.conns) > 0 || h.rooms[r.id] != r {
		return false
	}
	delete(h.rooms, r.id)
	h.metrics.rooms.Dec()
	close(r.done)
	return true
}

// ApplyEdits commits edits through the board's room, so that everyone in the room sees
// them. It waits for the commit; the commit itself runs under the hub's context, so a
// caller that goes away does not cancel it. It implements the server's Editor.
func (h *Hub) ApplyEdits(ctx context.Context, boardID string, edits []blueprint.Edit) ([]blueprint.Result, error) {
	s := &submission{edits: edits, reply: make(chan reply, 1)}
	r, err := h.submit(ctx, boardID, s)
	if err != nil {
		return nil, err
	}
	select {
	case rep := <-s.reply:
		return rep.results, rep.err
	case <-r.done:
		select {
		case rep := <-s.reply: // answered as the room stopped
			return rep.results, rep.err
		default: // the room failed (a panic) with the edits in hand
			return nil, blueprint.Errorf(blueprint.EUNAVAILABLE, "the board's room stopped before the commit was confirmed; try again")
		}
	case <-ctx.Done():
		return nil, blueprint.Errorf(blueprint.EUNAVAILABLE, "the request ended before the commit was confirmed")
	}
}

// submit hands a submission to the board's room, starting the room if needed, and
// returns the room.
func (h *Hub) submit(ctx context.Context, boardID string, s *submission) (*room, error) {
	for {
		r, err := h.room(ctx, boardID)
		if err != nil {
			return nil, err
		}
		select {
		case r.submit <- s:
			return r, nil
		case <-r.done: // the room stopped as we arrived: start a new one
		case <-ctx.Done():
			return nil, blueprint.Errorf(blueprint.EUNAVAILABLE, "the request ended before the op was taken")
		}
	}
}

// Notify tells the board's room, if this process has one, that the log reaches seq. The
// listener of another process's commits calls it; it never blocks.
func (h *Hub) Notify(boardID string, seq int64) {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r != nil {
		r.poke(seq)
	}
}

// FacilitationChanged tells the board's room, if this process has one, that another
// process stored the board's facilitation state under seq: the room reads it and shows
// it to its connections. It never blocks.
func (h *Hub) FacilitationChanged(boardID string, seq int64) {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r != nil {
		r.pokeFacilitation(seq)
	}
}

// Resync makes every room read the log for ops it may have missed, and its facilitation
// state, as after the loss of the connection that listens for other processes' commits.
func (h *Hub) Resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.rooms {
		r.poke(1 << 62)
		r.pokeFacilitation(1 << 62)
	}
}

// Shutdown stops the hub: rooms commit what they were handed, then close every
// connection with code 1012 (service restart) so that clients reconnect elsewhere or
// later. It waits for every goroutine of the hub, or for ctx.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Participant is who a connection is: a display name and a role on the board.
type Participant struct {
	Name    string
	Role    string // "editor", "viewer", …; see CanEdit
	CanEdit bool
	// CanComment allows annotation ops (comments, markers, +1s), as CanEdit does too;
	// CanEdit alone allows the others.
	CanComment bool
	// By is the participant's identity as the server knows it ("u:<user id>", "g:<guest
	// digest>"), stamped on their annotations; "" when they have no session, and then
	// their client id is ("c:<client id>").
	By string
	// Moderator may delete others' comments and markers (a facilitator).
	Moderator bool
	// GrantID names the share link the role comes from ("" when it does not): Revoke
	// closes the connections of a grant.
	GrantID string
	// UserID names the account of the connection ("" for a guest): RevokeMember closes
	// the connections of a user.
	UserID string
	// Open is set when the role comes from the board being unlisted (open to whoever has
	// its address): claiming the board ends that role.
	Open bool
	// AuthorizedAt is the storage's time when the role was read (auth.Access.At), on the
	// clock of RevokeMember's changedAt. A connection whose user's membership changed at
	// or after it is refused when it joins its room, since its role may be the old one.
	// Zero skips that check.
	AuthorizedAt time.Time
	// Localize gives the message of a coded error in the participant's language, for the
	// nack and error frames sent to them; nil gives the English message.
	Localize func(error) string
}

// revocation names the connections of a board that must close: those of a grant, or
// those of a user.
type revocation struct {
	grant, user string
	// all names every connection: they close with 1012, to come back at once through a
	// fresh check of their access.
	all bool
	// everyone names every connection of the board, whatever its role came from: they
	// close with 1008, the board being deleted (gone) or claimed, which changes everyone's
	// access. Their pages say to reload, and the reload shows what each may do now.
	everyone, gone bool
}

func (v revocation) code() int {
	if v.all {
		return protocol.CloseRestart
	}
	return protocol.ClosePolicy
}

func (v revocation) reason() string {
	if v.gone {
		return "this board was deleted"
	}
	if v.everyone {
		return "this board was claimed by its owner: reload the page"
	}
	if v.all {
		return "checking access again: reconnect"
	}
	if v.grant != "" {
		return "your access to this board was revoked"
	}
	return "your role on this board changed: reload the page"
}

func (v revocation) matches(p Participant) bool {
	if v.everyone || v.all {
		return true
	}
	return (v.grant != "" && p.GrantID == v.grant) || (v.user != "" && p.UserID == v.user)
}

// Revoke closes, with code 1008 (policy violation), every connection of this process to
// boardID that came in through the grant (share link) grantID. The caller has revoked the
// grant in storage first, so that a reconnect is refused. It returns once the room has
// closed them, or at once when the board has no room here.
func (h *Hub) Revoke(boardID, grantID string) {
	if grantID == "" {
		return
	}
	h.mu.Lock()
	if h.revoked == nil {
		h.revoked = map[string]bool{}
	}
	h.revoked[grantID] = true // refuses a connection authorised just before and admitted after
	h.mu.Unlock()
	h.closeMatching(boardID, revocation{grant: grantID})
}

// RevokeMember closes, with code 1008, every connection of this process to boardID
// opened by the user userID, whatever its role came from. The caller has changed or
// removed the user's membership in storage first: the client, told to reload, comes back
// with the role it has now. changedAt is the storage's time after that change committed,
// on the clock of Participant.AuthorizedAt: a connection of the user authorised at or
// before it and joining later is refused too, one authorised after it is let in. A zero
// changedAt (the time could not be read) refuses every connection of the user that joins
// within Options.MemberMemory. It returns once the room has closed the open ones, or at
// once when the board has no room here.
func (h *Hub) RevokeMember(boardID, userID string, changedAt time.Time) {
	if userID == "" {
		return
	}
	now := time.Now()
	h.mu.Lock()
	if h.changed == nil {
		h.changed = map[string]memberChange{}
	}
	forgetOlder(h.changed, func(c memberChange) time.Time { return c.noted }, now.Add(-h.opts.MemberMemory))
	key := boardID + "\x00" + userID
	c := h.changed[key]
	c.noted = now
	if changedAt.IsZero() {
		c.any = true
	} else if changedAt.After(c.at) {
		c.at = changedAt
	}
	h.changed[key] = c
	h.mu.Unlock()
	h.closeMatching(boardID, revocation{user: userID})
}

// memberChange is the latest change of a member's role that the hub was told of.
type memberChange struct {
	at    time.Time // the storage's time after the change committed
	any   bool      // a change whose time is unknown: every connection is stale
	noted time.Time // when the hub was told, on this process's clock
}

// staleMember reports whether p's user had their membership of boardID changed after p
// was authorised.
func (h *Hub) staleMember(boardID string, p Participant) bool {
	if p.UserID == "" || p.AuthorizedAt.IsZero() {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.changed[boardID+"\x00"+p.UserID]
	if !ok || time.Since(c.noted) > h.opts.MemberMemory { // forgotten, even if not pruned yet
		return false
	}
	return c.any || !c.at.Before(p.AuthorizedAt)
}

// CloseBoard closes, with 1008, every connection of this process to boardID: the board
// was deleted (gone), or claimed, and is no longer open to whoever has its address. The
// caller has made the change in storage first. For Options.MemberMemory afterwards, a
// connection authorised before the change that joins the room late (after its upgrade it
// has protocol.HelloWait to say hello) is refused: every connection for a deleted board, the
// connections whose role came from the board being open for a claimed one. A deleted
// board's room forgets its snapshot and stops once empty. It returns once the room has
// closed them, or at once when the board has no room here.
func (h *Hub) CloseBoard(boardID string, gone bool) {
	now := time.Now()
	h.mu.Lock()
	if h.ended == nil {
		h.ended = map[string]boardEnd{}
	}
	forgetOlder(h.ended, func(e boardEnd) time.Time { return e.noted }, now.Add(-h.opts.MemberMemory))
	if e, ok := h.ended[boardID]; !ok || !e.gone { // a deletion stays a deletion
		h.ended[boardID] = boardEnd{gone: gone, noted: now}
	}
	h.mu.Unlock()
	h.closeMatching(boardID, revocation{everyone: true, gone: gone})
}

// forgetOlder deletes from m the entries noted before since.
func forgetOlder[V any](m map[string]V, noted func(V) time.Time, since time.Time) {
	for k, v := range m {
		if noted(v).Before(since) {
			delete(m, k)
		}
	}
}

// boardEnded says whether p may no longer join boardID's room because the board was
// deleted, or claimed while p's role came from it being open; it returns the revocation
// that says why.
func (h *Hub) boardEnded(boardID string, p Participant) (revocation, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.ended[boardID]
	if !ok || time.Since(e.noted) > h.opts.MemberMemory || (!e.gone && !p.Open) {
		return revocation{}, false
	}
	return revocation{everyone: true, gone: e.gone}, true
}

// Reauthorize closes, with code 1012 (service restart), every connection of this process,
// so that each reconnects through a fresh check of its access. It is for when
// revocations may have been missed, as after the loss of the connection that listens for
// other processes' notifications: a share link revoked, a member changed, or a board
// deleted or claimed (which ends the access of those who came by its address).
func (h *Hub) Reauthorize() {
	h.mu.Lock()
	ids := make([]string, 0, len(h.rooms))
	for id := range h.rooms {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.closeMatching(id, revocation{all: true})
	}
}

func (h *Hub) closeMatching(boardID string, v revocation) {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r == nil {
		return
	}
	select {
	case r.revoke <- v:
	case <-r.done:
	case <-h.ctx.Done():
	}
}

func (h *Hub) isRevoked(grantID string) bool {
	if grantID == "" {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.revoked[grantID]
}

// Serve runs one websocket connection of a participant of boardID until it ends. The
// caller has upgraded the connection (after checking origin and role) and hands it over.
// A hub shutting down closes it at once with 1012, so that the client comes back later.
func (h *Hub) Serve(ws *websocket.Conn, boardID string, p Participant) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		_ = ws.WriteControl(websocket.CloseMessage, closeMessage(protocol.CloseRestart, "server restarting"),
			time.Now().Add(closeGrace))
		_ = ws.Close()
		return
	}
	h.wg.Add(1) // under mu: Shutdown waits for every connection it did not refuse
	h.mu.Unlock()
	defer h.wg.Done()
	c := newConn(h, ws, boardID, p)
	c.run()
}
