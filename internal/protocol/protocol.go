// Package protocol defines lastmile's websocket protocol (docs/protocol.md) once: the
// version, the frames each side sends and their JSON, the strict decoder of a client's
// frames, the codes of error and nack frames, the close codes and what a client does
// after each. The server (internal/realtime) and the Go client (internal/wsclient) both
// use it; the browser's copy (web/static/live.js, live-core.js) is compared with it by
// the browser tests, through the example frames of testdata/frames and Vocabulary.
//
// It knows the domain (internal/blueprint) and the standard library, nothing else: no
// websocket library, no room, no network.
package protocol

import (
	"encoding/json"
	"time"

	"lastmile/internal/blueprint"
)

// Version is the version of the protocol. A client that says another version gets an
// error frame with code CodeVersion and is closed with ClosePolicy: it must reload the
// page rather than guess.
const Version = 1

// Frame types: the t of every frame.
const (
	// client → server
	TypeHello    = "hello"    // first frame: version, client id, last sequence held
	TypeSubmit   = "ops"      // a batch of ops with idempotency keys
	TypePresence = "presence" // cursor and the card being edited (soft lock)
	// TypeFacilitate changes the board's facilitation state (a lock); facilitators only.
	TypeFacilitate = "facilitate"
	// TypeVote casts or takes back one vote in the board's open vote (commenters and up).
	TypeVote = "vote"
	// TypeDraft adds, edits or deletes one of the sender's private cards (private mode).
	TypeDraft = "draft"

	// server → client
	TypeWelcome  = "welcome"  // the connection is in the room
	TypeSnapshot = "snapshot" // the whole board, when the client is too far behind
	TypeOps      = "ops"      // committed ops in sequence order, with author and key
	TypeAck      = "ack"      // an op whose key was already applied (a resend)
	TypeNack     = "nack"     // an op (or a soft lock) refused; it changed nothing
	TypePeers    = "peers"    // presence that changed since the last such frame, and who left
	TypeError    = "error"    // a protocol error; the server may close after it
	// TypeFacilitation is the board's facilitation state after a change, to everyone.
	TypeFacilitation = "facilitation"
	// TypeBallot is a person's own votes in the open vote, to their connections only.
	TypeBallot = "ballot"
	// TypeDrafts is a person's own private cards, to their connections only.
	TypeDrafts = "drafts"
)

// Codes of error frames beyond the domain's.
const (
	CodeVersion  = "version"  // unsupported protocol version: reload
	CodeProtocol = "protocol" // a frame out of place or malformed
)

// Codes returns every code an error or a nack frame may carry: the domain's codes the
// server sends over a websocket, then the protocol's own.
func Codes() []string {
	return []string{blueprint.EINVALID, blueprint.ENOTFOUND, blueprint.ECONFLICT, blueprint.EFORBIDDEN,
		blueprint.ETOOLARGE, blueprint.EUNAVAILABLE, blueprint.EINTERNAL, blueprint.ELOCKED, CodeVersion, CodeProtocol}
}

// Close codes the server closes a connection with (RFC 6455, section 7.4.1), and what
// the client does after each: Reload says which ones mean "stop".
const (
	CloseNormal        = 1000 // normal end
	ClosePolicy        = 1008 // bad hello, wrong version, no such board, access revoked, board deleted or claimed
	CloseTooBig        = 1009 // a frame over MaxFrameSize
	CloseInternal      = 1011 // the board's room on this server failed; a new room serves the board
	CloseRestart       = 1012 // service restart; waiting ops were committed first
	CloseTryAgainLater = 1013 // too slow, a commit failed, the board could not be loaded
)

// Reload reports whether a client whose connection the server closed with code must stop
// and ask for a reload of the page: after ClosePolicy trying again will not help, and
// after CloseTooBig it would send the same frame again. After any other code, and after
// a lost connection, the client reconnects, catches up and resends its pending ops.
func Reload(code int) bool { return code == ClosePolicy || code == CloseTooBig }

// Limits of a connection that clients see (docs/protocol.md). The limits of ops and
// boards are the domain's (blueprint.MaxOpsPerBatch and the others).
const (
	MaxFrameSize = 1 << 20          // bytes of a frame from a client; more: CloseTooBig
	MaxNameLen   = 80               // characters of a display name; longer ones are cut
	HelloWait    = 10 * time.Second // from the upgrade to the hello; the client waits as long for the welcome
)

// Hello is the first frame a client sends, once.
type Hello struct {
	T      string `json:"t"`
	V      int    `json:"v"`
	Client string `json:"client"`         // the client's id, which prefixes its op keys
	Name   string `json:"name,omitempty"` // display name; the ?name= of the URL, or Anonymous, when empty
	Seq    int64  `json:"seq"`            // the last sequence the client holds; -1 for none
}

// Submit is a batch of ops a client sends, each with its idempotency key.
type Submit struct {
	T   string         `json:"t"`
	Ops []blueprint.Op `json:"ops"`
}

// Presence is a client's pointer and the card whose text it edits; either may be absent.
type Presence struct {
	T       string  `json:"t"`
	Cursor  *Cursor `json:"cursor,omitempty"`
	Editing *string `json:"editing,omitempty"` // a card id; "" stops editing
}

// Cursor is a pointer position in board coordinates: CSS pixels from the top left
// corner of the grid at a zoom of 100 %. A negative coordinate means off the board.
type Cursor struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Peer is one participant as others see them.
type Peer struct {
	Conn    string  `json:"conn"`
	Name    string  `json:"name"`
	Role    string  `json:"role,omitempty"`
	Cursor  *Cursor `json:"cursor,omitempty"`
	Editing string  `json:"editing,omitempty"`
	// Person is an opaque id of the participant on this board, the same over their
	// reconnects (a digest of their identity, which it does not reveal): a page that
	// followed them finds them again by it when their conn is another (follow.go).
	Person string `json:"person,omitempty"`
	// Following is the conn whose view the participant follows (a Follow frame).
	Following string `json:"following,omitempty"`
}

// Welcome tells a client it is in the room. Seq is the sequence it will hold once the
// frames that follow (a snapshot, ops) have caught it up; Peers are the others.
type Welcome struct {
	T     string `json:"t"`
	V     int    `json:"v"`
	Board string `json:"board"`
	Conn  string `json:"conn"` // this connection's id, as in peers frames and in the conn of its ops
	Role  string `json:"role,omitempty"`
	// By is the identity the server stamps on this connection's comments, markers and
	// +1s: a client tells its own annotations (and the mentions of it) by it.
	By    string `json:"by,omitempty"`
	Seq   int64  `json:"seq"`
	Peers []Peer `json:"peers"`
	// Facilitation is the board's facilitation state (docs/facilitation.md), and Now the
	// server's clock (unix milliseconds) when the frame was made.
	Facilitation *blueprint.Facilitation `json:"facilitation,omitempty"`
	Now          int64                   `json:"now,omitempty"`
}

// Facilitate asks for a change of the board's facilitation state: Lock, one of
// blueprint.Locks, Timer, an action on the timer, Vote, an action on the votes, Private,
// an action on private mode, or Focus, the stage or lane spotlighted (follow.go). Only a
// facilitator may send it; anyone else gets an error frame with code forbidden, and
// nothing changes.
type Facilitate struct {
	T     string                `json:"t"`
	Lock  *string               `json:"lock,omitempty"`
	Timer *TimerChange          `json:"timer,omitempty"`
	Vote  *blueprint.VoteChange `json:"vote,omitempty"`
	// Private is an action on private mode: blueprint.PrivateActions.
	Private *string `json:"private,omitempty"`
	// Close ends the workshop: a named version, and the session's summary.
	Close *CloseSession `json:"close,omitempty"`
	// Focus spotlights a stage or a lane for everyone; the zero Focus ({}) clears it.
	Focus *blueprint.Focus `json:"focus,omitempty"`
}

// CloseSession closes the facilitator's workshop; Name names the version of the board it
// keeps (blueprint.CheckVersionName).
type CloseSession struct {
	Name string `json:"name"`
}

// Draft changes one of the sender's private cards, while the facilitator has private
// mode on (an add) or before the reveal (an edit or a delete). The answer is a Drafts
// frame to the sender's connections, or an error frame.
type Draft struct {
	T     string                `json:"t"`
	Draft blueprint.DraftChange `json:"draft"`
}

// Drafts is a person's own private cards, not yet revealed: to their connections only,
// after each change of them, when they join, and after a reveal or a hide.
type Drafts struct {
	T      string            `json:"t"`
	Drafts []blueprint.Draft `json:"drafts"`
}

// Vote casts one vote on Item (Delta 1) or takes one back (Delta -1) in the board's open
// vote. The answer is a Ballot to the voter's connections, or an error frame.
type Vote struct {
	T     string `json:"t"`
	Item  string `json:"item"`
	Delta int    `json:"delta"`
}

// Ballot is a person's own votes in the open vote Vote: item → votes, and Used, their sum.
// It goes to that person's connections only, after each of their votes and when they join
// while a vote is open: while a vote is open nobody sees the others' votes.
type Ballot struct {
	T     string         `json:"t"`
	Vote  string         `json:"vote"`
	Items map[string]int `json:"items"`
	Used  int            `json:"used"`
}

// TimerChange is an action on the board's timer (blueprint.TimerActions); Minutes, from
// blueprint.MinTimerMinutes to MaxTimerMinutes, goes with start and only with it.
type TimerChange struct {
	Action  string `json:"action"`
	Minutes *int   `json:"minutes,omitempty"`
}

// FacilitationFrame is the board's facilitation state after a change, sent to every
// connection of the board once the change is stored; Now is the server's clock (unix
// milliseconds) when it was sent.
type FacilitationFrame struct {
	T            string                 `json:"t"`
	Facilitation blueprint.Facilitation `json:"facilitation"`
	Now          int64                  `json:"now"`
}

// Snapshot is the whole board, for a client too far behind or holding nothing.
type Snapshot struct {
	T     string            `json:"t"`
	Board *blueprint.Export `json:"board"`
}

// Committed is an op as broadcast: sequence, author, the connection that sent it and the
// op with its key, so that its sender recognises it as acknowledged. By is the author's
// identity, which the comments, markers and +1s an annotation op makes are stamped with
// (blueprint.Origin); absent when nobody is known.
type Committed struct {
	Seq    int64        `json:"seq"`
	Author string       `json:"author"`
	By     string       `json:"by,omitempty"`
	Conn   string       `json:"conn,omitempty"` // only in the live broadcast of ops sent over a websocket of this process
	At     int64        `json:"at"`             // commit time, unix milliseconds
	Op     blueprint.Op `json:"op"`
}

// Ops are committed ops, in sequence order.
type Ops struct {
	T   string      `json:"t"`
	Ops []Committed `json:"ops"`
}

// Ack answers an op whose key the board had already applied, under Seq (a resend).
type Ack struct {
	T   string `json:"t"`
	Key string `json:"key"`
	Seq int64  `json:"seq"`
}

// Nack refuses an op, which changed nothing and never will; without a Key it refuses
// the soft lock of the card ID that a presence frame asked for.
type Nack struct {
	T       string `json:"t"`
	Key     string `json:"key,omitempty"`
	ID      string `json:"id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"` // safe to show, in the language of the page
}

// Peers tells of the presence changes since the last such frame: the whole presence of
// everyone who joined or changed it, and the connections that left.
type Peers struct {
	T     string   `json:"t"`
	Peers []Peer   `json:"peers,omitempty"`
	Left  []string `json:"left,omitempty"`
}

// Error is the error frame: a protocol error, which a close may follow.
type Error struct {
	T       string `json:"t"`
	Code    string `json:"code"`
	Message string `json:"message"` // safe to show, in the language of the page
}

// ServerFrame is any frame the server sends, as a client reads it: the fields of every
// type, of which a frame holds those of its type T. A client ignores a type it does not
// know, and fields it does not know.
type ServerFrame struct {
	T       string          `json:"t"`
	V       int             `json:"v,omitempty"`
	Board   json.RawMessage `json:"board,omitempty"` // welcome: the board's id (a JSON string); snapshot: its export
	Conn    string          `json:"conn,omitempty"`
	Role    string          `json:"role,omitempty"`
	By      string          `json:"by,omitempty"` // welcome: the identity stamped on this connection's annotations
	Seq     int64           `json:"seq,omitempty"`
	Ops     []Committed     `json:"ops,omitempty"`
	Key     string          `json:"key,omitempty"`
	ID      string          `json:"id,omitempty"`
	Code    string          `json:"code,omitempty"`
	Message string          `json:"message,omitempty"`
	Peers   []Peer          `json:"peers,omitempty"` // welcome: who is here; peers: whose presence changed
	Left    []string        `json:"left,omitempty"`  // peers: connections that left
	// welcome, facilitation: the board's facilitation state and the server's clock
	Facilitation *blueprint.Facilitation `json:"facilitation,omitempty"`
	Now          int64                   `json:"now,omitempty"`
	// drafts: this person's private cards
	Drafts []blueprint.Draft `json:"drafts,omitempty"`
	// ballot: the vote, this person's votes in it per item, and their sum
	Vote  string         `json:"vote,omitempty"`
	Items map[string]int `json:"items,omitempty"`
	Used  int            `json:"used,omitempty"`
	// view, summon: the view of the page of Conn; summon: the facilitator's Name
	View *View  `json:"view,omitempty"`
	Name string `json:"name,omitempty"`
}

// Encode returns the JSON of a frame of this package, as it goes on the wire.
func Encode(frame any) []byte {
	data, err := json.Marshal(frame)
	if err != nil {
		panic(err) // only the frames of this package are encoded, and they always encode
	}
	return data
}
