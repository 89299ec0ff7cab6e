package realtime

import (
	"context"
	"slices"
	"time"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// FacilitationStore keeps a board's facilitation state (docs/facilitation.md). A hub
// whose Store implements it serves facilitate frames; with any other store they are
// refused as unavailable and every board is unlocked.
type FacilitationStore interface {
	// Facilitation returns the board's state, the zero state when it never changed;
	// ENOTFOUND for no such board.
	Facilitation(ctx context.Context, boardID string) (blueprint.Facilitation, error)
	// SetFacilitation stores f as the board's state under the next Seq and returns it
	// as stored; ENOTFOUND for no such board.
	SetFacilitation(ctx context.Context, boardID string, f blueprint.Facilitation) (blueprint.Facilitation, error)
}

// VoteStore keeps the ballots of a board's votes (blueprint.Vote), apart from the
// facilitation state that everyone sees. A hub whose Store implements it serves votes.
type VoteStore interface {
	// CastBallot adds one vote (delta 1) or takes one back (-1) for voter on item in the
	// board's open vote voteID, checking the vote's rules and that it is still open at now
	// (the server's clock, unix ms), and returns the voter's ballot after it.
	CastBallot(ctx context.Context, boardID, voteID, voter, item string, delta int, now int64) (blueprint.Ballot, error)
	// BallotOf returns voter's ballot in the vote.
	BallotOf(ctx context.Context, boardID, voteID, voter string) (blueprint.Ballot, error)
	// Tally counts the vote's ballots: its voters and each item's votes.
	Tally(ctx context.Context, boardID, voteID string) (int, []blueprint.VoteResult, error)
	// DiscardBallots deletes the vote's ballots.
	DiscardBallots(ctx context.Context, boardID, voteID string) error
}

// facilitateRequest is a facilitator's change of the board's facilitation state; conn
// is nil for the room's own change (a vote whose time is up).
type facilitateRequest struct {
	conn  *conn
	lock  *string                // a new lock, or
	timer *protocol.TimerChange  // an action on the timer, or
	vote  *blueprint.VoteChange  // an action on the votes, or
	priv  *string                // an action on private mode (blueprint.PrivateActions), or
	close *protocol.CloseSession // the close of the workshop, or
	focus *blueprint.Focus       // a new focus (follow.go)
}

// SessionStore names versions of a board: a hub whose Store implements it lets the
// facilitator close a workshop.
type SessionStore interface {
	NameVersion(ctx context.Context, boardID, name, author string) (blueprint.Version, error)
}

// voteRequest is one vote cast or taken back by a participant.
type voteRequest struct {
	conn  *conn
	item  string
	delta int
}

// loadFacilitation reads the board's facilitation state, for a room that starts.
func (h *Hub) loadFacilitation(ctx context.Context, boardID string) (blueprint.Facilitation, error) {
	fs, ok := h.store.(FacilitationStore)
	if !ok {
		return blueprint.Facilitation{}, nil
	}
	return fs.Facilitation(ctx, boardID)
}

// refuseLocked returns the error of an edit that the board's lock forbids. The board's
// facilitators (Moderator) are exempt from its locks.
func (r *room) refuseLocked(e blueprint.Edit) error {
	if e.Moderator {
		return nil
	}
	return r.fac.Refuse(e.Op)
}

// facilitate stores a facilitator's change and, once it is stored, tells everyone of the
// new state. A timer's action is applied at the server's clock; one that does not apply
// (a pause of a timer that is not running) is an error frame to its sender. A change that cannot be stored is an error frame to its sender only.
func (r *room) facilitate(req facilitateRequest) {
	refuse := func(err error) {
		if req.conn != nil {
			req.conn.sendJSON(req.conn.errorFor(err))
		} else {
			r.hub.log.Warn("changing the facilitation state", "board", r.id, "err", err)
		}
	}
	fs, ok := r.hub.store.(FacilitationStore)
	vs, votes := r.hub.store.(VoteStore)
	ds, drafts := r.hub.store.(DraftStore)
	ss, sessions := r.hub.store.(SessionStore)
	if !ok || (req.vote != nil && !votes) || (req.priv != nil && !drafts) || (req.close != nil && (!sessions || !votes)) {
		refuse(blueprint.Errorf(blueprint.EUNAVAILABLE, "this server cannot keep a facilitation state"))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	defer cancel()
	if req.priv != nil || req.close != nil {
		// A reveal, a hide and a close write before the state is stored (cards, a named
		// version): they start only from the stored state, not from one another process
		// has changed since (SetFacilitation would refuse the state after the writes).
		seq := r.fac.Seq
		if err := r.refreshFacilitation(ctx, fs); err != nil {
			refuse(unavailableIfInternal(err))
			return
		}
		if r.fac.Seq != seq {
			refuse(blueprint.FacilitationChanged())
			return
		}
	}
	next := r.fac
	now := time.Now().UnixMilli()
	if next.SessionAt == 0 && req.close == nil && req.conn != nil { // the workshop starts
		next.SessionSeq, next.SessionAt = r.seq, now
	}
	if req.lock != nil {
		next.Lock = *req.lock
	}
	if req.focus != nil {
		next.Focus = *req.focus
	}
	if t := req.timer; t != nil {
		minutes := 0
		if t.Minutes != nil {
			minutes = *t.Minutes
		}
		timer, err := next.Timer.Apply(t.Action, minutes, now)
		if err != nil {
			refuse(err)
			return
		}
		next.Timer = timer
	}
	if v := req.vote; v != nil {
		tally := func(voteID string) (int, []blueprint.VoteResult, error) { return vs.Tally(ctx, r.id, voteID) }
		changed, err := next.ApplyVote(*v, now, "v-"+newConnID()[:12], tally)
		if err != nil {
			refuse(unavailableIfInternal(err))
			return
		}
		next = changed
	}
	if p := req.priv; p != nil {
		var err error
		switch *p {
		case blueprint.PrivateOn, blueprint.PrivateOff:
			next.Private = *p == blueprint.PrivateOn
		case blueprint.PrivateReveal:
			next, err = r.reveal(ctx, ds, next, now)
		case blueprint.PrivateHide:
			next, err = r.hide(ctx, ds, next, now, req.conn)
		}
		if err != nil {
			refuse(unavailableIfInternal(err))
			return
		}
	}
	if req.close != nil {
		closed, err := r.closeSession(ctx, ss, vs, next, now, req.conn, req.close.Name)
		if err != nil {
			refuse(unavailableIfInternal(err))
			return
		}
		next = closed
	}
	stored, err := fs.SetFacilitation(ctx, r.id, next)
	if blueprint.ErrorCode(err) == blueprint.ECONFLICT {
		// Another process changed the state since the room read it: everyone here sees
		// the state as it is (a failed read is logged, and the next announcement or
		// change reads again), and the facilitator decides again from it. The room's
		// own change (a vote's time up) was made by the other process too.
		_ = r.refreshFacilitation(ctx, fs)
		if req.conn != nil {
			refuse(err)
		}
		return
	}
	if err != nil {
		r.hub.log.Warn("storing the facilitation state", "board", r.id, "err", err)
		refuse(unavailableIfInternal(err))
		return
	}
	r.fac = stored
	if fb, ok := r.hub.broker.(FacilitationBroker); ok {
		fb.PublishFacilitation(r.id, stored.Seq)
	}
	if v := req.vote; v != nil && v.Action == blueprint.VoteDiscard {
		if err := vs.DiscardBallots(ctx, r.id, v.ID); err != nil {
			r.hub.log.Warn("discarding a vote's ballots", "board", r.id, "vote", v.ID, "err", err)
		}
	}
	r.broadcastFacilitation()
	if v := req.vote; v != nil && v.Action == blueprint.VoteReopen {
		r.sendBallots(ctx, nil) // each voter's votes are theirs again
	}
	if p := req.priv; p != nil && (*p == blueprint.PrivateReveal || *p == blueprint.PrivateHide) {
		r.sendDrafts(ctx, ds, r.everyone(), nil) // their private cards went on the board, or came back
	}
	r.scheduleVoteEnd()
}

// pokeFacilitation tells the room that the board's facilitation state is stored under
// seq (by another process). It never blocks.
func (r *room) pokeFacilitation(seq int64) {
	for {
		cur := r.facSeq.Load()
		if seq <= cur || r.facSeq.CompareAndSwap(cur, seq) {
			break
		}
	}
	select {
	case r.facRemote <- struct{}{}:
	default:
	}
}

// adoptFacilitation reads the board's facilitation state when another process announced
// a newer one than the room's, and shows it here (adopt).
func (r *room) adoptFacilitation() {
	announced := r.facSeq.Load()
	defer r.facSeq.CompareAndSwap(announced, 0) // a later announcement stays, and is poked
	fs, ok := r.hub.store.(FacilitationStore)
	if !ok || announced <= r.fac.Seq { // nothing, or this process's own change
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	defer cancel()
	_ = r.refreshFacilitation(ctx, fs)
}

// refreshFacilitation reads the board's facilitation state and adopts it when another
// process stored a newer one than the room's. A failure to read is logged and returned.
func (r *room) refreshFacilitation(ctx context.Context, fs FacilitationStore) error {
	stored, err := fs.Facilitation(ctx, r.id)
	if err != nil {
		r.hub.log.Warn("reading the facilitation state", "board", r.id, "err", err)
		return err
	}
	r.adopt(ctx, stored)
	return nil
}

// broadcastFacilitation tells everyone in the room the room's facilitation state.
func (r *room) broadcastFacilitation() {
	data := protocol.Encode(protocol.FacilitationFrame{T: protocol.TypeFacilitation, Facilitation: r.fac, Now: time.Now().UnixMilli()})
	for c := range r.conns {
		r.send(c, outMsg{data: data})
	}
}

// adopt makes stored, a state newer than the room's that another process stored, the
// room's, and tells everyone here as facilitate does after a change of its own: the
// state, each voter's ballot while a vote is open, each author's private cards when
// private mode is or was on or the cards were revealed or hidden, and the vote's clock.
func (r *room) adopt(ctx context.Context, stored blueprint.Facilitation) {
	if stored.Seq <= r.fac.Seq {
		return
	}
	old := r.fac
	r.fac = stored
	r.broadcastFacilitation()
	if stored.OpenVote() != nil {
		r.sendBallots(ctx, nil)
	}
	if ds, ok := r.hub.store.(DraftStore); ok && (old.Private || stored.Private || old.Revealed != stored.Revealed) {
		r.sendDrafts(ctx, ds, r.everyone(), nil)
	}
	r.scheduleVoteEnd()
}

// unavailableIfInternal turns an infrastructure failure into a message a person can act on.
func unavailableIfInternal(err error) error {
	if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
		return blueprint.Errorf(blueprint.EUNAVAILABLE, "the change could not be saved; try again")
	}
	return err
}

// scheduleVoteEnd sets the room's vote clock to the end of the open vote, if it has one;
// when it rings, the room closes the vote (endVote).
func (r *room) scheduleVoteEnd() {
	r.voteEnd.Stop()
	if v := r.fac.OpenVote(); v != nil && v.EndsAt > 0 {
		r.voteEnd.Reset(time.Until(time.UnixMilli(v.EndsAt)))
	}
}

// endVote closes the open vote whose time is up, and shows its results to everyone.
func (r *room) endVote() {
	if v := r.fac.OpenVote(); v != nil && v.EndsAt > 0 {
		if wait := time.Until(time.UnixMilli(v.EndsAt)); wait > 0 { // the vote was changed meanwhile
			r.voteEnd.Reset(wait)
			return
		}
		r.facilitate(facilitateRequest{vote: &blueprint.VoteChange{Action: blueprint.VoteClose}})
	}
}

// vote casts or takes back one vote, then sends the voter's ballot to each of their
// connections (and to them only): while a vote is open nobody sees the others' votes.
func (r *room) vote(req voteRequest) {
	c := req.conn
	vs, ok := r.hub.store.(VoteStore)
	v := r.fac.OpenVote()
	switch {
	case !ok:
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EUNAVAILABLE, "this server cannot keep a facilitation state")))
		return
	case v == nil:
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.ECONFLICT, "no vote is open")))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	defer cancel()
	if req.delta > 0 {
		b, err := r.hub.store.FindBoard(ctx, r.id)
		if err != nil {
			c.sendJSON(c.errorFor(unavailableIfInternal(err)))
			return
		}
		if !v.Votable(b, req.item) {
			c.sendJSON(c.errorFor(notVotable(v.On)))
			return
		}
	}
	ballot, err := vs.CastBallot(ctx, r.id, v.ID, c.by(), req.item, req.delta, time.Now().UnixMilli())
	if err != nil {
		c.sendJSON(c.errorFor(unavailableIfInternal(err)))
		return
	}
	r.sendBallot(c.by(), v.ID, ballot)
}

// notVotable is the error of a vote on something the open vote is not on.
func notVotable(on string) error {
	switch on {
	case blueprint.VoteCards:
		return blueprint.Errorf(blueprint.ENOTFOUND, "this vote is on cards: there is no such card on the board")
	case blueprint.VoteMarkers:
		return blueprint.Errorf(blueprint.ENOTFOUND, "this vote is on friction markers: there is no such marker on the board")
	}
	return blueprint.Errorf(blueprint.ENOTFOUND, "this vote is on cards and friction markers: there is no such card or marker on the board")
}

// sendBallot sends voter's ballot in vote voteID to each of their connections.
func (r *room) sendBallot(voter, voteID string, b blueprint.Ballot) {
	data := protocol.Encode(protocol.Ballot{T: protocol.TypeBallot, Vote: voteID, Items: b.Items, Used: b.Used})
	for c := range r.conns {
		if c.by() == voter {
			r.send(c, outMsg{data: data})
		}
	}
	if j := r.joining; j != nil && j.by() == voter {
		r.send(j, outMsg{data: data})
	}
}

// sendBallots sends each person of the room (or only the connection only, when it is
// not nil) their ballot in the open vote, if one is open.
func (r *room) sendBallots(ctx context.Context, only *conn) {
	vs, ok := r.hub.store.(VoteStore)
	v := r.fac.OpenVote()
	if !ok || v == nil {
		return
	}
	// Those who cannot vote (viewers) get an empty ballot, without a read of the
	// database for each: a thousand of them may join during a vote.
	empty := outMsg{data: protocol.Encode(protocol.Ballot{T: protocol.TypeBallot, Vote: v.ID, Items: map[string]int{}})}
	voters := map[string]bool{}
	if only != nil {
		if !only.canVote() {
			r.send(only, empty)
			return
		}
		voters[only.by()] = true
	} else {
		for c := range r.conns {
			if c.canVote() {
				voters[c.by()] = true
			} else {
				r.send(c, empty)
			}
		}
	}
	for voter := range voters {
		b, err := vs.BallotOf(ctx, r.id, v.ID, voter)
		if err != nil {
			r.hub.log.Warn("reading a ballot", "board", r.id, "err", err)
			continue
		}
		if only != nil {
			r.send(only, outMsg{data: protocol.Encode(protocol.Ballot{T: protocol.TypeBallot, Vote: v.ID, Items: b.Items, Used: b.Used})})
		} else {
			r.sendBallot(voter, v.ID, b)
		}
	}
}

// canVote reports whether the connection's role may vote: viewers cannot.
func (c *conn) canVote() bool { return c.p.CanComment || c.p.CanEdit }

// handleVote hands a vote to the room; people who cannot comment (viewers) cannot vote.
func (c *conn) handleVote(r *room, f protocol.ClientFrame) bool {
	if !c.canVote() {
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EFORBIDDEN, "your role on this board (%s) cannot vote", blueprint.Term(c.p.Role))))
		return true
	}
	select {
	case r.voteCh <- voteRequest{conn: c, item: *f.Item, delta: *f.Delta}:
		return true
	case <-r.done:
		c.closeWith(protocol.CloseRestart, "server restarting")
		return false
	case <-c.closing:
		return false
	}
}

// handleFacilitate checks a facilitate frame and hands it to the room. Anyone but a
// facilitator gets an error frame with code forbidden, and nothing changes.
func (c *conn) handleFacilitate(r *room, f protocol.ClientFrame) bool {
	if !c.p.Moderator {
		err := blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can lock it")
		if f.Timer != nil {
			err = blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can run its timer")
		}
		if f.Vote != nil {
			err = blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can run its votes")
		}
		if f.Private != nil {
			err = blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can run private mode")
		}
		if f.Close != nil {
			err = blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can close the workshop")
		}
		if f.Focus != nil {
			err = blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can spotlight a stage or a lane")
		}
		c.sendJSON(c.errorFor(err))
		return true
	}
	if err := c.checkFocus(f.Focus); err != nil {
		c.sendJSON(c.errorFor(err))
		return true
	}
	select {
	case r.facilitateCh <- facilitateRequest{conn: c, lock: f.Lock, timer: f.Timer, vote: f.Vote, priv: f.Private, close: f.Close, focus: f.Focus}:
		return true
	case <-r.done:
		c.closeWith(protocol.CloseRestart, "server restarting")
		return false
	case <-c.closing:
		return false
	}
}

// sessionOps is the most ops a session's summary reads.
const sessionOps = 200_000

// closeSession ends the workshop at now: the open vote closes with its results, the board
// is kept as a version named name, the session's summary joins the state's sessions, and
// the timer and the lock end. Private mode is left as it is: private cards not revealed
// stay their authors', for the facilitator to reveal or not.
func (r *room) closeSession(ctx context.Context, ss SessionStore, vs VoteStore, next blueprint.Facilitation, now int64, by *conn, name string) (blueprint.Facilitation, error) {
	if next.OpenVote() != nil {
		tally := func(voteID string) (int, []blueprint.VoteResult, error) { return vs.Tally(ctx, r.id, voteID) }
		closed, err := next.ApplyVote(blueprint.VoteChange{Action: blueprint.VoteClose}, now, "", tally)
		if err != nil {
			return next, err
		}
		next = closed
	}
	b, err := r.hub.store.FindBoard(ctx, r.id)
	if err != nil {
		return next, err
	}
	var ops []blueprint.Committed
	for from := next.SessionSeq; from < b.Seq && len(ops) < sessionOps; {
		page, err := r.hub.store.OpsSince(ctx, r.id, from, 5000)
		if err != nil {
			return next, err
		}
		if len(page) == 0 {
			break
		}
		ops = append(ops, page...)
		from = page[len(page)-1].Seq
	}
	s := blueprint.Summarize(ops, b, next.Votes, next.SessionAt)
	v, err := ss.NameVersion(ctx, r.id, name, by.p.Name)
	if err != nil {
		return next, err
	}
	s.Name, s.By, s.ClosedAt, s.FromSeq, s.ToSeq = name, by.p.Name, now, next.SessionSeq, v.Seq
	next.Sessions = append(slices.Clone(next.Sessions), s)
	if len(next.Sessions) > blueprint.MaxSessions {
		next.Sessions = next.Sessions[len(next.Sessions)-blueprint.MaxSessions:]
	}
	next.Timer, next.Lock = blueprint.Timer{}, blueprint.LockNone
	next.SessionSeq, next.SessionAt = 0, 0
	return next, nil
}
