package blueprint

import (
	"slices"
	"strings"
	"time"
)

// The facts the last-mile analysis reads (docs/analysis.md), set by people through board
// ops like every other field: never guessed from a card's text.

// Evidence levels of a card: how the team knows what the card says. A card that says
// nothing ("") counts as not observed.
const (
	EvidenceObserved = "observed"  // seen in the field, measured, or in the data
	EvidenceAssumed  = "assumed"   // what the team believes
	EvidenceToVerify = "to_verify" // doubted: someone must check it
)

// EvidenceLevels lists the evidence levels a card may have.
var EvidenceLevels = []string{EvidenceObserved, EvidenceAssumed, EvidenceToVerify}

// Milestones a card may be: where the journey starts for the customer and where they get
// the value they came for. Time to first value runs from one to the other.
const (
	MilestoneFirstContact = "first_contact"
	MilestoneValue        = "value_moment"
)

// Milestones lists the milestones a card may be.
var Milestones = []string{MilestoneFirstContact, MilestoneValue}

// Limits of the analysis fields.
const (
	MaxVolume        = 1_000_000_000 // people entering or completing a stage
	MaxDailyUsers    = 3             // the framing names the 2–3 people who use it daily
	MaxProblemLen    = 500           // the problem, in one sentence (characters)
	MaxMinimumLen    = 2000          // the minimum useful version (characters)
	MaxReasonLen     = 500           // why a risk is accepted (characters)
	CheckInAfterDays = 30            // the check-in's default: the launch date plus this
)

// DateLayout is how the analysis fields write a day: 2026-05-04. A day has no time zone:
// it is the day people agreed on.
const DateLayout = "2006-01-02"

// Framing is the board's one-page framing (seed 004) and its launch: the problem in one
// sentence, the 2–3 people who will use it daily, the minimum useful version, the
// deadline; whether the board is a launch candidate and for which day; when to check
// that adoption holds (the launch date plus CheckInAfterDays when not set). Dates are
// DateLayout days or "".
type Framing struct {
	LaunchCandidate bool     `json:"launch_candidate,omitempty"`
	LaunchDate      string   `json:"launch_date,omitempty"`
	Problem         string   `json:"problem,omitempty"`
	DailyUsers      []string `json:"daily_users,omitempty"`
	MinimumUseful   string   `json:"minimum_useful,omitempty"`
	Deadline        string   `json:"deadline,omitempty"`
	CheckIn         string   `json:"check_in,omitempty"`
}

// IsZero reports whether nothing of the framing is set: the export then leaves it out.
func (f Framing) IsZero() bool {
	return !f.LaunchCandidate && f.LaunchDate == "" && f.Problem == "" && len(f.DailyUsers) == 0 &&
		f.MinimumUseful == "" && f.Deadline == "" && f.CheckIn == ""
}

func (f Framing) clone() Framing {
	f.DailyUsers = slices.Clone(f.DailyUsers)
	return f
}

// CheckInDate returns the check-in day: the one set, or the launch date plus
// CheckInAfterDays; "" when neither is known. defaulted says it was computed.
func (f Framing) CheckInDate() (day string, defaulted bool) {
	if f.CheckIn != "" {
		return f.CheckIn, false
	}
	d, err := time.Parse(DateLayout, f.LaunchDate)
	if err != nil {
		return "", false
	}
	return d.AddDate(0, 0, CheckInAfterDays).Format(DateLayout), true
}

// Acceptance is a risk accepted on a critical link instead of resolving it: by a named
// person, why, and on which day. The zero Acceptance accepts nothing.
type Acceptance struct {
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	On     string `json:"on,omitempty"`
}

// IsZero reports whether no risk is accepted.
func (a Acceptance) IsZero() bool { return a == Acceptance{} }

// Ack is a team's acknowledgement of a handoff: who of the team, on which day. The zero
// Ack acknowledges nothing.
type Ack struct {
	By string `json:"by,omitempty"`
	On string `json:"on,omitempty"`
}

// IsZero reports whether nobody acknowledged.
func (a Ack) IsZero() bool { return a == Ack{} }

// validDate reports whether s is a DateLayout day.
func validDate(s string) bool {
	_, err := time.Parse(DateLayout, s)
	return err == nil && len(s) == len(DateLayout)
}

// checkDate checks a date field: a day, or "" to clear it.
func checkDate(name string, v *string) error {
	if v != nil && *v != "" && !validDate(*v) {
		return Errorf(EINVALID, "%s must be a day written YYYY-MM-DD, not %q", Term(name), truncate(*v, 40))
	}
	return nil
}

// checkName checks a person's name in an analysis field: text of at most MaxNameLen
// characters, on one line.
func checkName(name, v string) error {
	if err := checkText(name, v, MaxNameLen); err != nil {
		return err
	}
	if strings.ContainsAny(v, "\r\n") {
		return Errorf(EINVALID, "%s is a name on one line", Term(name))
	}
	return nil
}

// validateAnalysis checks the shape of the analysis fields an op sets, without a board:
// values, limits, and the fields that go together (a risk accepted names who, why and
// when; an acknowledgement who and when; a range's top is not below its bottom when one
// op sets both, and a stage does not complete more people than entered it).
func (f *Fields) validateAnalysis() error {
	for _, s := range []struct {
		name string
		v    *string
		max  int
	}{{"problem", f.Problem, MaxProblemLen}, {"minimum_useful", f.MinimumUseful, MaxMinimumLen}} {
		if s.v != nil {
			if err := checkText(s.name, *s.v, s.max); err != nil {
				return err
			}
		}
	}
	for _, d := range []struct {
		name string
		v    *string
	}{{"launch_date", f.LaunchDate}, {"deadline", f.Deadline}, {"check_in", f.CheckIn}} {
		if err := checkDate(d.name, d.v); err != nil {
			return err
		}
	}
	if f.DailyUsers != nil {
		if len(*f.DailyUsers) > MaxDailyUsers {
			return Errorf(ETOOLARGE, "the framing names at most %d daily users", MaxDailyUsers)
		}
		for i, u := range *f.DailyUsers {
			if err := checkName("daily_users", u); err != nil {
				return err
			}
			if strings.TrimSpace(u) == "" {
				return Errorf(EINVALID, "daily user %d has no name", i+1)
			}
		}
	}
	if f.Holder != nil {
		if err := checkName("holder", *f.Holder); err != nil {
			return err
		}
	}
	if f.Milestone != nil && *f.Milestone != "" && !slices.Contains(Milestones, *f.Milestone) {
		return Errorf(EINVALID, "unknown milestone %q: expected first_contact or value_moment", truncate(*f.Milestone, 40))
	}
	for _, m := range []struct {
		name string
		v    *int
	}{{"active_minutes_max", f.ActiveMax}, {"wait_minutes_max", f.WaitMax}} {
		if m.v != nil && (*m.v < 0 || *m.v > MaxMinutes) {
			return Errorf(EINVALID, "%s must be between 0 and %d", Term(m.name), MaxMinutes)
		}
	}
	for _, r := range []struct {
		low, high *int
		name      string
	}{{f.ActiveMinutes, f.ActiveMax, "active_minutes"}, {f.WaitMinutes, f.WaitMax, "wait_minutes"}} {
		if r.low != nil && r.high != nil && *r.high != 0 && *r.high < *r.low {
			return Errorf(EINVALID, "the longest %s is shorter than the shortest", Term(r.name))
		}
	}
	for _, v := range []struct {
		name string
		v    *int
	}{{"entered", f.Entered}, {"completed", f.Completed}} {
		if v.v != nil && (*v.v < 0 || *v.v > MaxVolume) {
			return Errorf(EINVALID, "%s must be between 0 and %d", Term(v.name), MaxVolume)
		}
	}
	if f.Entered != nil && f.Completed != nil && *f.Completed > *f.Entered {
		return Errorf(EINVALID, "a stage cannot complete more people than entered it")
	}
	if a := f.Risk; a != nil && !a.IsZero() {
		if strings.TrimSpace(a.By) == "" || strings.TrimSpace(a.Reason) == "" || a.On == "" {
			return Errorf(EINVALID, "accepting a risk names who accepts it, why, and on which day")
		}
		if err := checkName("risk", a.By); err != nil {
			return err
		}
		if err := checkText("risk", a.Reason, MaxReasonLen); err != nil {
			return err
		}
		if err := checkDate("risk", &a.On); err != nil {
			return err
		}
	}
	for _, a := range []struct {
		name string
		v    *Ack
	}{{"ack_from", f.AckFrom}, {"ack_to", f.AckTo}} {
		if a.v == nil || a.v.IsZero() {
			continue
		}
		if strings.TrimSpace(a.v.By) == "" || a.v.On == "" {
			return Errorf(EINVALID, "an acknowledgement names who of the team acknowledges, and on which day")
		}
		if err := checkName(a.name, a.v.By); err != nil {
			return err
		}
		if err := checkDate(a.name, &a.v.On); err != nil {
			return err
		}
	}
	return nil
}

// validateAnalysis checks the analysis fields of an op (Fields.validateAnalysis) and a
// card's evidence level, whose field a marker shares with a text of its own.
func (op *Op) validateAnalysis() error {
	f := op.Fields
	if op.Type == TypeCard && f.Evidence != nil && *f.Evidence != "" && !slices.Contains(EvidenceLevels, *f.Evidence) {
		return Errorf(EINVALID, "unknown evidence level %q: expected observed, assumed or to_verify", truncate(*f.Evidence, 40))
	}
	return f.validateAnalysis()
}
