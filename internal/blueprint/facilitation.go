package blueprint

// Facilitation is the live state of a workshop on a board that the facilitator controls:
// its lock, its timer and its votes. It is not part of the board's document (docs/facilitation.md): it is
// kept apart, never undone, and never in an export or a past version; a change to it is
// durable before anyone is told of it.
type Facilitation struct {
	// Seq counts the changes of the state, from 0 for a board that never had one; a
	// client keeps the state of the highest Seq it has seen.
	Seq int64 `json:"seq"`
	// Lock is what is frozen for everyone but the board's facilitators: LockNone,
	// LockStructure or LockBoard.
	Lock string `json:"lock,omitempty"`
	// Timer is the workshop's timer, the zero Timer (left out of the JSON) when there is none.
	Timer Timer `json:"timer,omitzero"`
	// Votes are the board's dot votes, the open one (at most one) and the past ones, in
	// the order they were opened (vote.go).
	Votes []Vote `json:"votes,omitempty"`
	// Private is set while participants' new cards are private drafts (private.go).
	Private bool `json:"private,omitempty"`
	// Revealed is when the drafts were last revealed (unix ms, the server's clock), 0 once
	// hidden again or when they never were: while it is set, the facilitator can hide them.
	Revealed int64 `json:"revealed,omitempty"`
	// SessionSeq and SessionAt are the board's sequence and the time (unix ms) when the
	// facilitator first changed this state since the last close: the start of the
	// workshop that a close summarises. Sessions are the closed ones, oldest first.
	SessionSeq int64     `json:"session_seq,omitempty"`
	SessionAt  int64     `json:"session_at,omitempty"`
	Sessions   []Session `json:"sessions,omitempty"`
	// Focus is the stage or lane spotlighted for everyone (focus.go), the zero Focus (left
	// out of the JSON) when there is none.
	Focus Focus `json:"focus,omitzero"`
}

// Timer is a facilitator's countdown, counted by every page from the server's clock:
// while Running it ends at EndsAt (unix ms, the server's clock); paused, RemainingMs are
// left. DurationMs is its length as started, plus the minutes added.
type Timer struct {
	Running     bool  `json:"running"`
	EndsAt      int64 `json:"ends_at,omitempty"`
	RemainingMs int64 `json:"remaining_ms,omitempty"`
	DurationMs  int64 `json:"duration_ms"`
}

// The actions on a timer, and the minutes a timer may last.
const (
	TimerStart  = "start"  // a new timer of Minutes, running
	TimerPause  = "pause"  // freezes a running timer
	TimerResume = "resume" // runs a paused timer again
	TimerAdd    = "add"    // one more minute, running or paused
	TimerStop   = "stop"   // no timer any more

	MinTimerMinutes = 1
	MaxTimerMinutes = 120
)

// TimerActions are the actions on a timer.
var TimerActions = []string{TimerStart, TimerPause, TimerResume, TimerAdd, TimerStop}

const minuteMs = 60_000

// Apply returns the timer after action at now (the server's clock, unix ms); minutes is
// a start's length. The error (EINVALID) says why the action does not apply.
func (t Timer) Apply(action string, minutes int, now int64) (Timer, error) {
	switch action {
	case TimerStart:
		if minutes < MinTimerMinutes || minutes > MaxTimerMinutes {
			return t, Errorf(EINVALID, "a timer lasts from %d to %d minutes", MinTimerMinutes, MaxTimerMinutes)
		}
		d := int64(minutes) * minuteMs
		return Timer{Running: true, EndsAt: now + d, DurationMs: d}, nil
	case TimerPause:
		if !t.Running {
			return t, Errorf(EINVALID, "the timer is not running")
		}
		return Timer{RemainingMs: max(0, t.EndsAt-now), DurationMs: t.DurationMs}, nil
	case TimerResume:
		if t.Running || t.DurationMs == 0 {
			return t, Errorf(EINVALID, "the timer is not paused")
		}
		return Timer{Running: true, EndsAt: now + t.RemainingMs, DurationMs: t.DurationMs}, nil
	case TimerAdd:
		if t.DurationMs == 0 {
			return t, Errorf(EINVALID, "there is no timer to add a minute to")
		}
		if t.DurationMs+minuteMs > MaxTimerMinutes*minuteMs {
			return t, Errorf(EINVALID, "a timer lasts from %d to %d minutes", MinTimerMinutes, MaxTimerMinutes)
		}
		t.DurationMs += minuteMs
		if t.Running {
			t.EndsAt = max(t.EndsAt, now) + minuteMs
		} else {
			t.RemainingMs += minuteMs
		}
		return t, nil
	case TimerStop:
		return Timer{}, nil
	}
	return t, Errorf(EINVALID, "a timer's action is start, pause, resume, add or stop, not %q", action)
}

// The locks a facilitator may put on a board.
const (
	LockNone      = ""          // nothing is frozen
	LockStructure = "structure" // stages and lanes cannot be created, changed or deleted
	LockBoard     = "board"     // no change to the board's document; annotations still go
)

// Locks are the values of Facilitation.Lock, from the weakest.
var Locks = []string{LockNone, LockStructure, LockBoard}

// FacilitationChanged is the error of a change to a facilitation state made from an
// older one than the stored: another facilitator, or another process, changed it
// meanwhile (ECONFLICT).
func FacilitationChanged() error {
	return Errorf(ECONFLICT, "the workshop's state was changed meanwhile (by another facilitator or server); look and try again")
}

// ValidLock reports whether lock is one of Locks.
func ValidLock(lock string) bool {
	return lock == LockNone || lock == LockStructure || lock == LockBoard
}

// Refuse returns the error (code ELOCKED, a message naming the lock) of an op that the
// lock of f forbids to someone who is not a facilitator, and nil for an op it allows.
// Under LockStructure every op on a stage or a lane is refused; in private mode, a new
// card (participants add drafts instead); under LockBoard every op but the annotations (comments, markers, +1s: freezing is about the map, and the
// discussion of it goes on). Facilitators are exempt: the caller does not ask for them.
func (f *Facilitation) Refuse(op Op) error {
	switch {
	case f.Lock == LockStructure && (op.Type == TypeStage || op.Type == TypeLane):
		return Errorf(ELOCKED, "the facilitator has locked the structure: stages and lanes cannot be changed")
	case f.Lock == LockBoard && !op.IsAnnotation():
		return Errorf(ELOCKED, "the facilitator has locked the board: only comments, markers and +1s can be added")
	case f.Private && op.Type == TypeCard && op.Action == ActionCreate:
		return Errorf(ELOCKED, "private mode is on: a new card is private until the facilitator reveals it")
	}
	return nil
}
