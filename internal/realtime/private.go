package realtime

import (
	"context"
	"fmt"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// DraftStore keeps the private cards of participants (blueprint.Draft), apart from the
// board's op log. A hub whose Store implements it serves private mode.
type DraftStore interface {
	AddDraft(ctx context.Context, boardID string, d blueprint.Draft) error
	EditDraft(ctx context.Context, boardID, by, id, text string) error
	DeleteDraft(ctx context.Context, boardID, by, id string) error
	// DraftsOf returns by's unrevealed drafts; PendingDrafts everyone's.
	DraftsOf(ctx context.Context, boardID, by string) ([]blueprint.Draft, error)
	PendingDrafts(ctx context.Context, boardID string) ([]blueprint.Draft, error)
	// RevealedDrafts returns the drafts revealed at at (unix ms); MarkRevealed records a
	// reveal, Unreveal makes drafts private again with the stage, lane and text they hold.
	RevealedDrafts(ctx context.Context, boardID string, at int64) ([]blueprint.Draft, error)
	MarkRevealed(ctx context.Context, boardID string, ids []string, at int64) error
	Unreveal(ctx context.Context, boardID string, drafts []blueprint.Draft) error
}

// draftRequest is a participant's change of one of their private cards.
type draftRequest struct {
	conn   *conn
	change blueprint.DraftChange
}

// handleDraft hands a change of a private card to the room: those who may edit the
// board may add private cards.
func (c *conn) handleDraft(r *room, f protocol.ClientFrame) bool {
	if !c.p.CanEdit {
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EFORBIDDEN, "your role on this board (%s) cannot edit it", blueprint.Term(c.p.Role))))
		return true
	}
	select {
	case r.draftCh <- draftRequest{conn: c, change: *f.Draft}:
		return true
	case <-r.done:
		c.closeWith(protocol.CloseRestart, "server restarting")
		return false
	case <-c.closing:
		return false
	}
}

// draft applies a change of one of the sender's private cards, then sends them their
// private cards, and nobody else anything.
func (r *room) draft(req draftRequest) {
	c, ch := req.conn, req.change
	ds, ok := r.hub.store.(DraftStore)
	if !ok {
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EUNAVAILABLE, "this server cannot keep a facilitation state")))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hub.ctx), r.hub.opts.CommitTimeout)
	defer cancel()
	var err error
	switch ch.Action {
	case blueprint.DraftAdd:
		if !r.fac.Private {
			err = blueprint.Errorf(blueprint.ECONFLICT, "private mode is off: add the card to the board")
			break
		}
		var b *blueprint.Board
		if b, err = r.hub.store.FindBoard(ctx, r.id); err != nil {
			break
		}
		if b.Stages[ch.Stage] == nil || b.Lanes[ch.Lane] == nil {
			err = blueprint.Errorf(blueprint.ENOTFOUND, "there is no such cell on the board")
			break
		}
		if b.Cards[ch.ID] != nil {
			err = blueprint.Errorf(blueprint.ECONFLICT, "this private card exists already")
			break
		}
		err = ds.AddDraft(ctx, r.id, blueprint.Draft{ID: ch.ID, Stage: ch.Stage, Lane: ch.Lane, Text: ch.Text, By: c.by(), Name: c.p.Name})
	case blueprint.DraftEdit:
		err = ds.EditDraft(ctx, r.id, c.by(), ch.ID, ch.Text)
	case blueprint.DraftDelete:
		err = ds.DeleteDraft(ctx, r.id, c.by(), ch.ID)
	}
	if err != nil {
		c.sendJSON(c.errorFor(unavailableIfInternal(err)))
		return
	}
	r.sendDrafts(ctx, ds, map[string]bool{c.by(): true}, nil)
}

// sendDrafts sends each person of people their private cards, to each of their
// connections in the room (or to only, when it is not nil). Those who cannot edit add no
// private card: they get none, without a read of the database for each (a thousand
// viewers may join while private mode is on).
func (r *room) sendDrafts(ctx context.Context, ds DraftStore, people map[string]bool, only *conn) {
	editors := map[string]bool{}
	for c := range r.conns {
		if c.p.CanEdit {
			editors[c.by()] = true
		}
	}
	if only != nil && only.p.CanEdit {
		editors[only.by()] = true
	}
	for by := range people {
		var drafts []blueprint.Draft
		if editors[by] {
			var err error
			if drafts, err = ds.DraftsOf(ctx, r.id, by); err != nil {
				r.hub.log.Warn("reading private cards", "board", r.id, "err", err)
				continue
			}
		}
		data := protocol.Encode(protocol.Drafts{T: protocol.TypeDrafts, Drafts: drafts})
		if only != nil {
			r.send(only, outMsg{data: data})
			continue
		}
		for c := range r.conns {
			if c.by() == by {
				r.send(c, outMsg{data: data})
			}
		}
	}
}

// everyone returns the identities of the room's connections.
func (r *room) everyone() map[string]bool {
	people := map[string]bool{}
	for c := range r.conns {
		people[c.by()] = true
	}
	return people
}

// reveal writes every private card of the board as an op creating it, in its author's
// name, at the end of its cell; records the reveal; and returns the state after it:
// private mode off, Revealed now. by is the facilitator who reveals.
func (r *room) reveal(ctx context.Context, ds DraftStore, next blueprint.Facilitation, now int64) (blueprint.Facilitation, error) {
	drafts, err := ds.PendingDrafts(ctx, r.id)
	if err != nil {
		return next, err
	}
	if len(drafts) == 0 {
		return next, blueprint.Errorf(blueprint.ECONFLICT, "there is no private card to reveal")
	}
	b, err := r.hub.store.FindBoard(ctx, r.id)
	if err != nil {
		return next, err
	}
	last := map[[2]string]string{} // cell → its last card's order
	for _, c := range b.Cards {
		if k := [2]string{c.Stage, c.Lane}; c.Order > last[k] {
			last[k] = c.Order
		}
	}
	var edits []blueprint.Edit
	for i, d := range drafts {
		k := [2]string{d.Stage, d.Lane}
		order, err := blueprint.KeyBetween(last[k], "")
		if err != nil {
			continue
		}
		last[k] = order
		stage, lane, text, kind := d.Stage, d.Lane, d.Text, "note"
		edits = append(edits, blueprint.Edit{Author: d.Name, By: d.By, Moderator: true, Op: blueprint.Op{
			Key: fmt.Sprintf("reveal-%d:%d", now, i+1), Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: d.ID,
			Fields: blueprint.Fields{Stage: &stage, Lane: &lane, Order: &order, Text: &text, Kind: &kind}}})
	}
	ids, err := r.commitOwn(edits)
	if err != nil {
		return next, err
	}
	if err := ds.MarkRevealed(ctx, r.id, ids, now); err != nil {
		return next, err
	}
	next.Private, next.Revealed = false, now
	return next, nil
}

// hide takes the cards of the last reveal off the board, as ops of the facilitator by,
// and makes them private cards again with the stage, lane and text they had; a card
// deleted since the reveal stays deleted. It returns the state after it: private mode on.
func (r *room) hide(ctx context.Context, ds DraftStore, next blueprint.Facilitation, now int64, by *conn) (blueprint.Facilitation, error) {
	if next.Revealed == 0 {
		return next, blueprint.Errorf(blueprint.ECONFLICT, "there is no reveal to take back")
	}
	drafts, err := ds.RevealedDrafts(ctx, r.id, next.Revealed)
	if err != nil {
		return next, err
	}
	b, err := r.hub.store.FindBoard(ctx, r.id)
	if err != nil {
		return next, err
	}
	var edits []blueprint.Edit
	back := map[string]blueprint.Draft{}
	for i, d := range drafts {
		card := b.Cards[d.ID]
		if card == nil {
			continue
		}
		d.Stage, d.Lane, d.Text = card.Stage, card.Lane, card.Text
		back[d.ID] = d
		edits = append(edits, blueprint.Edit{Author: by.p.Name, By: by.by(), Moderator: true, Op: blueprint.Op{
			Key: fmt.Sprintf("hide-%d:%d", now, i+1), Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: d.ID}})
	}
	ids, err := r.commitOwn(edits)
	if err != nil {
		return next, err
	}
	hidden := make([]blueprint.Draft, 0, len(ids))
	for _, id := range ids {
		hidden = append(hidden, back[id])
	}
	if err := ds.Unreveal(ctx, r.id, hidden); err != nil {
		return next, err
	}
	next.Private, next.Revealed = true, 0
	return next, nil
}

// commitOwn commits edits the room makes itself, as one batch, and returns the ids of the
// ops applied; an op refused (its cell was deleted, say) is logged and left out.
func (r *room) commitOwn(edits []blueprint.Edit) ([]string, error) {
	if len(edits) == 0 {
		return nil, nil
	}
	// The room's goroutine waits for the store here: first for a commit in flight, then
	// for this one (commit hands the store's work to a goroutine of its own).
	if r.inFlight {
		r.inFlight = false
		r.finish(<-r.committed)
	}
	if r.remoteSeq.Load() > r.seq {
		r.catchUp()
	}
	s := &submission{edits: edits, reply: make(chan reply, 1)}
	if r.commit([]*submission{s}) {
		r.finish(<-r.committed)
	}
	rep := <-s.reply
	if rep.err != nil {
		return nil, rep.err
	}
	var ids []string
	for i, res := range rep.results {
		if res.Err != nil {
			r.hub.log.Info("a private card's op was refused", "board", r.id, "card", edits[i].Op.ID, "err", res.Err)
			continue
		}
		ids = append(ids, edits[i].Op.ID)
	}
	return ids, nil
}
