package realtime

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

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

// inFrame is any frame a client sends, as decodeFrame reads it; which fields it may hold
// depends on T (frameFields). A field absent from the frame is nil.
type inFrame struct {
	T       string          `json:"t"`
	V       *int            `json:"v,omitempty"`
	Client  *string         `json:"client,omitempty"`
	Seq     *int64          `json:"seq,omitempty"`
	Name    *string         `json:"name,omitempty"`
	Ops     json.RawMessage `json:"ops,omitempty"`
	Cursor  *Cursor         `json:"cursor,omitempty"`
	Editing *string         `json:"editing,omitempty"`

	ops []blueprint.Op // Ops, decoded: 1 to blueprint.MaxOpsPerBatch of them
}

// frameFields are the fields each type of client frame may hold besides t.
var frameFields = map[string][]string{
	frameHello:    {"v", "client", "seq", "name"},
	frameSubmit:   {"ops"},
	framePresence: {"cursor", "editing"},
}

// present returns the names of the fields f holds besides t.
func (f *inFrame) present() []string {
	var names []string
	for _, field := range []struct {
		name string
		set  bool
	}{{"v", f.V != nil}, {"client", f.Client != nil}, {"seq", f.Seq != nil}, {"name", f.Name != nil},
		{"ops", f.Ops != nil}, {"cursor", f.Cursor != nil}, {"editing", f.Editing != nil}} {
		if field.set {
			names = append(names, field.name)
		}
	}
	return names
}

// decodeFrame reads the bytes of a text frame from a client. It refuses, with a coded
// error whose message says what was wrong, anything docs/protocol.md does not allow:
// bytes that are not UTF-8 JSON, an unknown field, a key given twice, trailing data
// (code protocol); a missing or unknown type, or a field of another type of frame
// (protocol); a hello of another version (version) or without a valid client id
// (protocol); an ops frame without ops or whose ops cannot be read (invalid, or
// too_large past blueprint.MaxOpsPerBatch); a presence whose editing is not an id
// (invalid). What it returns is a frame of a known type that holds only its own fields,
// with its ops decoded; what the connection's state allows is for the caller to check.
func decodeFrame(data []byte) (inFrame, error) {
	var f inFrame
	if !utf8.Valid(data) {
		return inFrame{}, blueprint.Errorf(codeProtocol, "malformed frame: the frame is not valid UTF-8")
	}
	if err := blueprint.DecodeStrict(data, &f); err != nil {
		return inFrame{}, blueprint.Errorf(codeProtocol, "malformed frame: %s", err)
	}
	allowed, known := frameFields[f.T]
	switch {
	case f.T == "":
		return inFrame{}, blueprint.Errorf(codeProtocol, "a frame needs its type, t")
	case !known:
		return inFrame{}, blueprint.Errorf(codeProtocol, "unknown frame type %q", truncate(f.T, 40))
	}
	for _, name := range f.present() {
		if !slices.Contains(allowed, name) {
			return inFrame{}, blueprint.Errorf(codeProtocol, "a %s frame has no field %q", f.T, name)
		}
	}
	switch f.T {
	case frameHello:
		if f.V == nil || *f.V != ProtocolVersion {
			v := 0
			if f.V != nil {
				v = *f.V
			}
			return inFrame{}, blueprint.Errorf(codeVersion, "this server speaks protocol version %d, not %d: please reload the page", ProtocolVersion, v)
		}
		if f.Client == nil || !blueprint.ValidID(*f.Client) {
			return inFrame{}, blueprint.Errorf(codeProtocol, "hello needs a client id of 1 to 64 letters, digits, '-' or '_'")
		}
	case frameSubmit:
		if len(f.Ops) > 0 && string(f.Ops) != "null" {
			ops, err := blueprint.DecodeOps(f.Ops)
			if err != nil {
				return inFrame{}, err
			}
			f.ops = ops
		}
		if len(f.ops) == 0 {
			return inFrame{}, blueprint.Errorf(blueprint.EINVALID, "an ops frame needs an array of 1 to %d ops", blueprint.MaxOpsPerBatch)
		}
	case framePresence:
		if f.Editing != nil && *f.Editing != "" && !blueprint.ValidID(*f.Editing) {
			return inFrame{}, blueprint.Errorf(blueprint.EINVALID, "editing must be a card id")
		}
	}
	return f, nil
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
