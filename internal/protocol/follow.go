package protocol

import (
	"math"

	"lastmile/internal/blueprint"
)

// The frames of following and summoning (docs/facilitation.md): what part of the board a
// page shows, relayed to those who follow it, and a facilitator's call to everyone to
// come to their view. They are presence: relayed, never stored.
const (
	// TypeFollow (client → server) says whose view the sender follows; conn "" stops.
	TypeFollow = "follow"
	// TypeView is a page's view: from a client that someone follows, and relayed by the
	// server to each connection that follows it, with the conn it is of.
	TypeView = "view"
	// TypeSummon is a facilitator's call to come to their view: from the facilitator, and
	// relayed by the server to everyone else, with their conn and name.
	TypeSummon = "summon"
)

// The bounds of a View: its zoom is the page's (web/static/zoom.js), and its centre lies
// within MaxViewCoord board pixels of the grid's corner, which any board's grid fits in.
const (
	MinZoom      = 0.1
	MaxZoom      = 2
	MaxViewCoord = 10_000_000
)

// View is what a page shows of the board: the point of the board at the centre of its
// scrolled area, in board coordinates (CSS pixels from the top left corner of the grid at
// a zoom of 100 %, like a Cursor), and its zoom. Pages of any size show the same part of
// the board around the same centre.
type View struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Zoom float64 `json:"zoom"`
}

// Validate checks that v is within the bounds (EINVALID otherwise).
func (v *View) Validate() error {
	switch {
	case math.IsNaN(v.X) || math.IsNaN(v.Y) || math.Abs(v.X) > MaxViewCoord || math.Abs(v.Y) > MaxViewCoord:
		return blueprint.Errorf(blueprint.EINVALID, "a view's centre lies within %d pixels of the board", MaxViewCoord)
	case !(v.Zoom >= MinZoom && v.Zoom <= MaxZoom):
		return blueprint.Errorf(blueprint.EINVALID, "a view's zoom is from %g to %g", MinZoom, MaxZoom)
	}
	return nil
}

// Follow says whose view the sender follows: Conn is a connection of the board (as in
// peers frames), or "" to stop following. Anyone on the board may follow anyone else
// there; the server refuses someone who is not there, oneself, and a circle.
type Follow struct {
	T    string `json:"t"`
	Conn string `json:"conn"`
}

// ViewFrame is a page's view. From a client it needs no Conn; the server relays it, with
// the Conn of the page it is of, to the connections that follow that page.
type ViewFrame struct {
	T    string `json:"t"`
	Conn string `json:"conn,omitempty"`
	View View   `json:"view"`
}

// Summon asks everyone on the board to come to View, the facilitator's view; only a
// facilitator may send it. The server relays it to every other connection with the
// facilitator's Conn and Name; each page then moves there and follows the facilitator
// until its person moves.
type Summon struct {
	T    string `json:"t"`
	Conn string `json:"conn,omitempty"`
	Name string `json:"name,omitempty"`
	View View   `json:"view"`
}

// ViewLimits are the bounds of a View, for the browser's copy (web/static/follow.js).
type ViewLimits struct {
	MinZoom float64 `json:"minZoom"`
	MaxZoom float64 `json:"maxZoom"`
	Coord   int     `json:"coord"`
}

func viewLimits() ViewLimits {
	return ViewLimits{MinZoom: MinZoom, MaxZoom: MaxZoom, Coord: MaxViewCoord}
}

// decodeFollowing checks the fields of a follow, view or summon frame and the focus of a
// facilitate frame, for DecodeFrame.
func decodeFollowing(f *ClientFrame) error {
	switch f.T {
	case TypeFollow:
		if f.Conn == nil || (*f.Conn != "" && !blueprint.ValidID(*f.Conn)) {
			return blueprint.Errorf(blueprint.EINVALID, "a follow frame needs conn: a connection's id, or empty to stop")
		}
	case TypeView, TypeSummon:
		if f.View == nil {
			return blueprint.Errorf(blueprint.EINVALID, "a %s frame needs a view: {x, y, zoom}", f.T)
		}
		return f.View.Validate()
	case TypeFacilitate:
		if f.Focus != nil {
			return f.Focus.Validate()
		}
	}
	return nil
}
