package realtime

import (
	"encoding/json"

	"lastmile/internal/blueprint"
)

// ProtocolVersion is the version of the websocket protocol (docs/protocol.md). A client
// that says another version gets an error frame with code "version" and is closed: it must
// reload the page rather than guess.
const ProtocolVersion = 1

// Frame types.
const (
	// client → server
	frameHello    = "hello"    // first frame: version, client id, last sequence held
	frameSubmit   = "ops"      // a batch of ops with idempotency keys
	framePresence = "presence" // cursor and the card being edited (soft lock)

	// server → client
	frameWelcome  = "welcome"  // the connection is in the room
	frameSnapshot = "snapshot" // the whole board, when the client is too far behind
	frameOps      = "ops"      // committed ops in sequence order, with author and key
	frameAck      = "ack"      // an op whose key was already applied (a resend)
	frameNack     = "nack"     // an op refused; it changed nothing
	framePeers    = "peers"    // presence that changed since the last such frame, and who left
	frameError    = "error"    // a protocol error; the server may close after it
)

// inFrame is any frame a client sends; which fields count depends on T.
type inFrame struct {
	T       string          `json:"t"`
	V       int             `json:"v,omitempty"`
	Client  string          `json:"client,omitempty"`
	Seq     *int64          `json:"seq,omitempty"`
	Name    string          `json:"name,omitempty"`
	Ops     json.RawMessage `json:"ops,omitempty"`
	Cursor  *Cursor         `json:"cursor,omitempty"`
	Editing *string         `json:"editing,omitempty"`
}

// Cursor is a pointer position in board coordinates.
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
}

type welcomeFrame struct {
	T     string `json:"t"`
	V     int    `json:"v"`
	Board string `json:"board"`
	Conn  string `json:"conn"`
	Role  string `json:"role,omitempty"`
	Seq   int64  `json:"seq"`
	Peers []Peer `json:"peers"`
}

type snapshotFrame struct {
	T     string            `json:"t"`
	Board *blueprint.Export `json:"board"`
}

// committedOp is an op as broadcast: sequence, author, the connection that sent it and
// the op with its key, so that its sender recognises it as acknowledged.
type committedOp struct {
	Seq    int64        `json:"seq"`
	Author string       `json:"author"`
	Conn   string       `json:"conn,omitempty"`
	At     int64        `json:"at"` // unix milliseconds
	Op     blueprint.Op `json:"op"`
}

type opsFrame struct {
	T   string        `json:"t"`
	Ops []committedOp `json:"ops"`
}

type ackFrame struct {
	T   string `json:"t"`
	Key string `json:"key"`
	Seq int64  `json:"seq"`
}

type nackFrame struct {
	T       string `json:"t"`
	Key     string `json:"key"`
	ID      string `json:"id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// peersFrame tells of the presence changes since the last one: the whole presence of
// everyone who joined or changed it, and the connections that left.
type peersFrame struct {
	T     string   `json:"t"`
	Peers []Peer   `json:"peers,omitempty"`
	Left  []string `json:"left,omitempty"`
}

type errorFrame struct {
	T       string `json:"t"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of error frames beyond the domain's.
const (
	codeVersion  = "version"  // unsupported protocol version: reload
	codeProtocol = "protocol" // a frame out of place or malformed
)

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own frame types are encoded here
	}
	return data
}
