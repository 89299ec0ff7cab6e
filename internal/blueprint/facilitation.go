package blueprint

// Facilitation is the live state of a workshop on a board that the facilitator controls:
// today its lock. It is not part of the board's document (docs/facilitation.md): it is
// kept apart, never undone, and never in an export or a past version; a change to it is
// durable before anyone is told of it.
type Facilitation struct {
	// Seq counts the changes of the state, from 0 for a board that never had one; a
	// client keeps the state of the highest Seq it has seen.
	Seq int64 `json:"seq"`
	// Lock is what is frozen for everyone but the board's facilitators: LockNone,
	// LockStructure or LockBoard.
	Lock string `json:"lock,omitempty"`
}

// The locks a facilitator may put on a board.
const (
	LockNone      = ""          // nothing is frozen
	LockStructure = "structure" // stages and lanes cannot be created, changed or deleted
	LockBoard     = "board"     // no change to the board's document; annotations still go
)

// Locks are the values of Facilitation.Lock, from the weakest.
var Locks = []string{LockNone, LockStructure, LockBoard}

// ValidLock reports whether lock is one of Locks.
func ValidLock(lock string) bool {
	return lock == LockNone || lock == LockStructure || lock == LockBoard
}

// Refuse returns the error (code ELOCKED, a message naming the lock) of an op that the
// lock of f forbids to someone who is not a facilitator, and nil for an op it allows.
// Under LockStructure every op on a stage or a lane is refused; under LockBoard every op
// but the annotations (comments, markers, +1s: freezing is about the map, and the
// discussion of it goes on). Facilitators are exempt: the caller does not ask for them.
func (f *Facilitation) Refuse(op Op) error {
	switch {
	case f.Lock == LockStructure && (op.Type == TypeStage || op.Type == TypeLane):
		return Errorf(ELOCKED, "the facilitator has locked the structure: stages and lanes cannot be changed")
	case f.Lock == LockBoard && !op.IsAnnotation():
		return Errorf(ELOCKED, "the facilitator has locked the board: only comments, markers and +1s can be added")
	}
	return nil
}
