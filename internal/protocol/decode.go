package protocol

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"lastmile/internal/blueprint"
)

// ClientFrame is any frame a client sends, as DecodeFrame reads it: a Hello, a Submit or
// a Presence. Which fields it may hold depends on T (frameFields); a field absent from
// the frame is nil.
type ClientFrame struct {
	T       string                 `json:"t"`
	V       *int                   `json:"v,omitempty"`
	Client  *string                `json:"client,omitempty"`
	Seq     *int64                 `json:"seq,omitempty"`
	Name    *string                `json:"name,omitempty"`
	RawOps  json.RawMessage        `json:"ops,omitempty"`
	Cursor  *Cursor                `json:"cursor,omitempty"`
	Editing *string                `json:"editing,omitempty"`
	Lock    *string                `json:"lock,omitempty"`
	Timer   *TimerChange           `json:"timer,omitempty"`
	Vote    *blueprint.VoteChange  `json:"vote,omitempty"`
	Item    *string                `json:"item,omitempty"`
	Delta   *int                   `json:"delta,omitempty"`
	Private *string                `json:"private,omitempty"`
	Draft   *blueprint.DraftChange `json:"draft,omitempty"`
	Close   *CloseSession          `json:"close,omitempty"`
	// follow.go: a facilitate frame's focus, a follow frame's conn, a view or summon's view
	Focus *blueprint.Focus `json:"focus,omitempty"`
	Conn  *string          `json:"conn,omitempty"`
	View  *View            `json:"view,omitempty"`

	// Ops are the ops of a Submit, decoded: 1 to blueprint.MaxOpsPerBatch of them.
	Ops []blueprint.Op `json:"-"`
}

// frameFields are the fields each type of client frame may hold besides t.
var frameFields = map[string][]string{
	TypeHello:    {"v", "client", "seq", "name"},
	TypeSubmit:   {"ops"},
	TypePresence: {"cursor", "editing"},
	// A facilitate frame holds one change: a lock, a timer's action or a vote's.
	TypeFacilitate: {"lock", "timer", "vote", "private", "close", "focus"},
	TypeVote:       {"item", "delta"},
	TypeDraft:      {"draft"},
	TypeFollow:     {"conn"},
	TypeView:       {"view"},
	TypeSummon:     {"view"},
}

// present returns the names of the fields f holds besides t.
func (f *ClientFrame) present() []string {
	var names []string
	for _, field := range []struct {
		name string
		set  bool
	}{{"v", f.V != nil}, {"client", f.Client != nil}, {"seq", f.Seq != nil}, {"name", f.Name != nil},
		{"ops", f.RawOps != nil}, {"cursor", f.Cursor != nil}, {"editing", f.Editing != nil},
		{"lock", f.Lock != nil}, {"timer", f.Timer != nil}, {"vote", f.Vote != nil},
		{"item", f.Item != nil}, {"delta", f.Delta != nil}, {"private", f.Private != nil}, {"draft", f.Draft != nil},
		{"close", f.Close != nil}, {"focus", f.Focus != nil}, {"conn", f.Conn != nil}, {"view", f.View != nil}} {
		if field.set {
			names = append(names, field.name)
		}
	}
	return names
}

// DecodeFrame reads the bytes of a text frame from a client. It refuses, with a coded
// error whose message says what was wrong, anything docs/protocol.md does not allow:
// bytes that are not UTF-8 JSON, an unknown field, a key given twice, trailing data
// (code protocol); a missing or unknown type, or a field of another type of frame
// (protocol); a hello of another version (version) or without a valid client id
// (protocol); an ops frame without ops or whose ops cannot be read (invalid, or
// too_large past blueprint.MaxOpsPerBatch); a presence whose editing is not an id
// (invalid); a facilitate frame without one change, whose lock is unknown, or whose
// timer's action or minutes are not valid, or whose focus is not none or a stage's or
// lane's kind and id (invalid); a vote without an item or whose delta is not 1 or -1
// (invalid); a follow frame without a conn that is an id or empty, a view or summon
// frame without a view within the bounds of View (invalid).
// What it returns is a frame of a known type that holds only its own fields,
// with its ops decoded; what the connection's state allows is for the caller to check.
func DecodeFrame(data []byte) (ClientFrame, error) {
	var f ClientFrame
	if !utf8.Valid(data) {
		return ClientFrame{}, blueprint.Errorf(CodeProtocol, "malformed frame: the frame is not valid UTF-8")
	}
	if err := blueprint.DecodeStrict(data, &f); err != nil {
		return ClientFrame{}, blueprint.Errorf(CodeProtocol, "malformed frame: %s", err)
	}
	allowed, known := frameFields[f.T]
	switch {
	case f.T == "":
		return ClientFrame{}, blueprint.Errorf(CodeProtocol, "a frame needs its type, t")
	case !known:
		return ClientFrame{}, blueprint.Errorf(CodeProtocol, "unknown frame type %q", truncate(f.T, 40))
	}
	for _, name := range f.present() {
		if !slices.Contains(allowed, name) {
			return ClientFrame{}, blueprint.Errorf(CodeProtocol, "a %s frame has no field %q", f.T, name)
		}
	}
	switch f.T {
	case TypeHello:
		if f.V == nil || *f.V != Version {
			v := 0
			if f.V != nil {
				v = *f.V
			}
			return ClientFrame{}, blueprint.Errorf(CodeVersion, "this server speaks protocol version %d, not %d: please reload the page", Version, v)
		}
		if f.Client == nil || !blueprint.ValidID(*f.Client) {
			return ClientFrame{}, blueprint.Errorf(CodeProtocol, "hello needs a client id of 1 to 64 letters, digits, '-' or '_'")
		}
	case TypeSubmit:
		if len(f.RawOps) > 0 && string(f.RawOps) != "null" {
			ops, err := blueprint.DecodeOps(f.RawOps)
			if err != nil {
				return ClientFrame{}, err
			}
			f.Ops = ops
		}
		if len(f.Ops) == 0 {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "an ops frame needs an array of 1 to %d ops", blueprint.MaxOpsPerBatch)
		}
	case TypePresence:
		if f.Editing != nil && *f.Editing != "" && !blueprint.ValidID(*f.Editing) {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "editing must be a card id")
		}
	case TypeVote:
		if f.Item == nil || !blueprint.ValidID(*f.Item) {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "a vote names its item, a card's or a marker's id")
		}
		if f.Delta == nil || (*f.Delta != 1 && *f.Delta != -1) {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "a ballot adds one vote or takes one back")
		}
	case TypeDraft:
		if f.Draft == nil {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "a draft frame holds a change of a private card")
		}
		if err := f.Draft.Check(); err != nil {
			return ClientFrame{}, err
		}
	case TypeFacilitate:
		changes := 0
		for _, set := range []bool{f.Lock != nil, f.Timer != nil, f.Vote != nil, f.Private != nil, f.Close != nil, f.Focus != nil} {
			if set {
				changes++
			}
		}
		if changes != 1 {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "a facilitate frame needs one change: lock, timer, vote, private, close or focus")
		}
		if f.Focus != nil {
			if err := decodeFollowing(&f); err != nil {
				return ClientFrame{}, err
			}
		} else if f.Close != nil {
			name, err := blueprint.CheckVersionName(f.Close.Name)
			if err != nil {
				return ClientFrame{}, err
			}
			f.Close.Name = name
		} else if f.Private != nil {
			if !slices.Contains(blueprint.PrivateActions, *f.Private) {
				return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "private mode's action is on, off, reveal or hide")
			}
		} else if f.Vote != nil {
			if err := f.Vote.Check(); err != nil {
				return ClientFrame{}, err
			}
		} else if f.Timer != nil {
			if !slices.Contains(blueprint.TimerActions, f.Timer.Action) {
				return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "a timer's action is start, pause, resume, add or stop, not %q", truncate(f.Timer.Action, 40))
			}
			if (f.Timer.Action == blueprint.TimerStart) != (f.Timer.Minutes != nil) {
				return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "minutes go with a timer's start, and only with it")
			}
			if m := f.Timer.Minutes; m != nil && (*m < blueprint.MinTimerMinutes || *m > blueprint.MaxTimerMinutes) {
				return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "a timer lasts from %d to %d minutes", blueprint.MinTimerMinutes, blueprint.MaxTimerMinutes)
			}
		} else if !blueprint.ValidLock(*f.Lock) {
			return ClientFrame{}, blueprint.Errorf(blueprint.EINVALID, "lock must be structure, board or empty, not %q", truncate(*f.Lock, 40))
		}
	case TypeFollow, TypeView, TypeSummon:
		if err := decodeFollowing(&f); err != nil {
			return ClientFrame{}, err
		}
	}
	return f, nil
}

// truncate cuts s to n bytes, for a message that quotes it.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
