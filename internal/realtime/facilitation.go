package realtime

import (
	"context"
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

// facilitateRequest is a facilitator's change of the board's facilitation state.
type facilitateRequest struct {
	conn  *conn
	lock  *string               // a new lock, or
	timer *protocol.TimerChange // an action on the timer
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
	fs, ok := r.hub.store.(FacilitationStore)
	if !ok {
		req.conn.sendJSON(req.conn.errorFor(blueprint.Errorf(blueprint.EUNAVAILABLE, "this server cannot keep a facilitation state")))
		return
	}
	next := r.fac
	now := time.Now().UnixMilli()
	if req.lock != nil {
		next.Lock = *req.lock
	}
	if t := req.timer; t != nil {
		minutes := 0
		if t.Minutes != nil {
			minutes = *t.Minutes
		}
		timer, err := next.Timer.Apply(t.Action, minutes, now)
		if err != nil {
			req.conn.sendJSON(req.conn.errorFor(err))
			return
		}
		next.Timer = timer
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	stored, err := fs.SetFacilitation(ctx, r.id, next)
	cancel()
	if err != nil {
		r.hub.log.Warn("storing the facilitation state", "board", r.id, "err", err)
		if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
			err = blueprint.Errorf(blueprint.EUNAVAILABLE, "the change could not be saved; try again")
		}
		req.conn.sendJSON(req.conn.errorFor(err))
		return
	}
	r.fac = stored
	data := protocol.Encode(protocol.FacilitationFrame{T: protocol.TypeFacilitation, Facilitation: stored, Now: time.Now().UnixMilli()})
	for c := range r.conns {
		r.send(c, outMsg{data: data})
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
		c.sendJSON(c.errorFor(err))
		return true
	}
	select {
	case r.facilitateCh <- facilitateRequest{conn: c, lock: f.Lock, timer: f.Timer}:
		return true
	case <-r.done:
		c.closeWith(protocol.CloseRestart, "server restarting")
		return false
	case <-c.closing:
		return false
	}
}
