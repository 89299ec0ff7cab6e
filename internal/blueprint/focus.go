package blueprint

// Focus is the stage or the lane a facilitator spotlights for everyone
// (docs/facilitation.md): every page dims the rest of the board. The zero Focus is none.
// It lives in the facilitation state, apart from the document: a focus never goes into
// the op log, an undo or an export.
type Focus struct {
	Kind string `json:"kind,omitempty"` // FocusStage or FocusLane; "" for none
	ID   string `json:"id,omitempty"`   // the stage's or the lane's id
}

// The kinds of a Focus.
const (
	FocusStage = "stage"
	FocusLane  = "lane"
)

// IsZero reports whether f is no focus.
func (f Focus) IsZero() bool { return f == Focus{} }

// Validate checks the form of a focus: none, or a kind with an id (EINVALID otherwise).
// Whether its stage or lane is on the board is On's to say.
func (f Focus) Validate() error {
	if f.IsZero() {
		return nil
	}
	if f.Kind != FocusStage && f.Kind != FocusLane {
		return Errorf(EINVALID, "a focus is a stage or a lane")
	}
	if !ValidID(f.ID) {
		return Errorf(EINVALID, "a focus needs the id of its stage or lane")
	}
	return nil
}

// On checks that b has the stage or the visible lane f names, so that a facilitator
// spotlights only what everyone can see: ENOTFOUND for a stage or lane that is not there,
// EINVALID for a hidden lane. No focus is always on the board.
func (f Focus) On(b *Board) error {
	switch f.Kind {
	case "":
		return nil
	case FocusStage:
		if b.Stages[f.ID] == nil {
			return Errorf(ENOTFOUND, "there is no such stage on this board")
		}
	case FocusLane:
		l := b.Lanes[f.ID]
		if l == nil {
			return Errorf(ENOTFOUND, "there is no such lane on this board")
		}
		if l.Hidden {
			return Errorf(EINVALID, "a hidden lane cannot be spotlighted")
		}
	default:
		return f.Validate()
	}
	return nil
}
