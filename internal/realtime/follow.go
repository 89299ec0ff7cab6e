package realtime

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// Following, summoning and the facilitator's focus (docs/facilitation.md).
//
// Following and summoning are presence: the room keeps, for each connection, whose view
// it follows (conn.following, shown to everyone as the following of its peers entry),
// and relays the view frames of a followed page to its followers only; nothing of it is
// stored. A page sends its view only while someone follows it, which it learns from the
// peers frames, so a board where nobody follows anyone costs nothing. The focus is part
// of the facilitation state, stored like the lock (facilitation.go).

// Rates of the frames of following, per connection.
const (
	viewRate     = rate.Limit(20) // view frames per second; the excess is dropped, a newer view follows
	viewBurst    = 20
	controlRate  = rate.Limit(5) // follow, summon and facilitate frames per second; a faster client is slowed
	controlBurst = 10
)

// followMsg is a follow, view or summon frame handed to the room.
type followMsg struct {
	conn   *conn
	t      string // protocol.TypeFollow, TypeView or TypeSummon
	target string // follow: the conn followed, "" to stop
	view   protocol.View
}

// handleFollowing checks a follow, view or summon frame and hands it to the room. A
// summon from anyone but a facilitator gets an error frame with code forbidden, and
// nobody is told of it.
func (c *conn) handleFollowing(r *room, f protocol.ClientFrame) bool {
	m := followMsg{conn: c, t: f.T}
	switch f.T {
	case protocol.TypeView:
		if !c.views.Allow() {
			return true // a newer view follows
		}
		m.view = *f.View
	case protocol.TypeSummon:
		if !c.paceControl(r) {
			return false
		}
		if !c.p.Moderator {
			c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EFORBIDDEN, "only the board's facilitators can bring everyone to their view")))
			return true
		}
		m.view = *f.View
	case protocol.TypeFollow:
		if !c.paceControl(r) {
			return false
		}
		m.target = *f.Conn
	}
	select {
	case r.follows <- m:
		return true
	case <-r.done:
		return false
	case <-c.closing:
		return false
	}
}

// paceControl waits until the connection's rate of control frames allows one more: like
// ops, a faster client is slowed down rather than refused. False means the connection or
// the room ended meanwhile.
func (c *conn) paceControl(r *room) bool {
	d := c.control.Reserve().Delay()
	if d == 0 {
		return true
	}
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

// following acts on a follow, view or summon frame, in the room's goroutine.
func (r *room) following(m followMsg) {
	c := m.conn
	if _, ok := r.conns[c]; !ok {
		return
	}
	switch m.t {
	case protocol.TypeFollow:
		r.follow(c, m.target)
	case protocol.TypeView:
		r.relayView(c, m.view)
	case protocol.TypeSummon:
		r.summon(c, m.view)
	}
}

// follow makes c follow the connection target ("" stops). Following someone who is not
// on the board (in this process), oneself, or someone who follows c (a circle, in which
// the pages would move each other) is an error frame to c, and changes nothing.
func (r *room) follow(c *conn, target string) {
	if target == "" {
		r.setFollowing(c, nil)
		return
	}
	var t *conn
	for o := range r.conns {
		if o.id == target {
			t = o
			break
		}
	}
	switch {
	case t == nil:
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.ENOTFOUND, "this person is no longer on the board")))
		return
	case t == c:
		c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EINVALID, "you cannot follow yourself")))
		return
	}
	for o := t.following; o != nil; o = o.following { // no circle exists, so this ends
		if o == c {
			c.sendJSON(c.errorFor(blueprint.Errorf(blueprint.EINVALID, "%s is following you", t.p.Name)))
			return
		}
	}
	r.setFollowing(c, t)
}

// setFollowing records whom c follows, for everyone's next peers frame: the page of t
// sees a new follower there and sends its view.
func (r *room) setFollowing(c, t *conn) {
	if c.following == t {
		return
	}
	c.following = t
	r.presenceChanged(c)
}

// relayView sends the view of c's page to the connections that follow it, encoded once.
func (r *room) relayView(c *conn, v protocol.View) {
	var data []byte
	for o := range r.conns {
		if o.following != c {
			continue
		}
		if data == nil {
			data = protocol.Encode(protocol.ViewFrame{T: protocol.TypeView, Conn: c.id, View: v})
		}
		r.send(o, outMsg{data: data})
	}
}

// summon brings everyone else to the view of c, a facilitator: each other connection is
// sent the summon and now follows c, until its person moves (their page then stops
// following, with a follow frame); c follows nobody.
func (r *room) summon(c *conn, v protocol.View) {
	r.setFollowing(c, nil)
	data := protocol.Encode(protocol.Summon{T: protocol.TypeSummon, Conn: c.id, Name: c.p.Name, View: v})
	for o := range r.conns {
		if o == c {
			continue
		}
		r.setFollowing(o, c)
		r.send(o, outMsg{data: data})
	}
}

// unfollow stops everyone following c, which is leaving the room.
func (r *room) unfollow(c *conn) {
	for o := range r.conns {
		if o.following == c {
			r.setFollowing(o, nil)
		}
	}
}

// person returns an opaque id of the connection's person on this board, the same over
// their reconnects: a digest of the board and of their identity (conn.by), which it does
// not reveal. Pages find the person they followed again by it (Peer.By).
func (c *conn) person() string {
	if c.personID == "" {
		sum := sha256.Sum256([]byte(c.boardID + "\x00" + c.by()))
		c.personID = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
	}
	return c.personID
}

// checkFocus checks that the stage or lane a facilitator spotlights is on the board: an
// error (not found, or a hidden lane) to send back, or nil. It reads the board in the
// connection's goroutine, not the room's: a focus is rare, and the room's commits do not
// wait for it. A stage deleted between this check and the change is shown as no focus.
func (c *conn) checkFocus(f *blueprint.Focus) error {
	if f == nil || f.IsZero() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.hub.ctx), c.hub.opts.CommitTimeout)
	defer cancel()
	b, err := c.hub.store.FindBoard(ctx, c.boardID)
	if err != nil {
		if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
			c.hub.log.Warn("reading the board for a focus", "board", c.boardID, "err", err)
			err = blueprint.Errorf(blueprint.EUNAVAILABLE, "the change could not be saved; try again")
		}
		return err
	}
	return f.On(b)
}
