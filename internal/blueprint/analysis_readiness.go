package blueprint

import (
	"slices"
	"time"
)

// Readiness says whether the board can launch: every critical link (dependency or
// handoff) cleared — resolved with an owner team, or its risk accepted by a named person
// with a reason and a day — and no blocking friction left. An open critical link or an
// unresolved blocking marker is red; a critical link agreed but not resolved, or resolved
// with no team owning it, is amber. Each stage takes the worst level of the blockers that
// touch it; the board the worst of its stages.
type Readiness struct {
	Candidate  bool   `json:"candidate"`
	LaunchDate string `json:"launch_date,omitempty"`
	// DaysToLaunch is how many days from Analysis.Today to the launch date (negative once
	// it is past); nil without a launch date.
	DaysToLaunch *int             `json:"days_to_launch,omitempty"`
	Level        RAG              `json:"level"`
	Stages       []StageReadiness `json:"stages"`   // left to right
	Blockers     []Blocker        `json:"blockers"` // red first, then the longest held
	Critical     CriticalCount    `json:"critical"`
	// History is how many critical links were identified and cleared at the end of each
	// day the numbers changed, from the op log; empty without it.
	History []CriticalPoint `json:"history"`
	// AtLaunch is the history's point at the end of the launch day, once that day is
	// reached: the seed's "critical dependencies identified and resolved before launch".
	AtLaunch *CriticalPoint `json:"at_launch,omitempty"`
	Evidence Evidence       `json:"evidence"` // of the blockers' cards
}

// StageReadiness is the level of one stage and how many blockers touch it.
type StageReadiness struct {
	Stage    Ref `json:"stage"`
	Level    RAG `json:"level"`
	Blockers int `json:"blockers"`
}

// Reasons a blocker blocks.
const (
	BlockerOpen     = "open"     // a critical link nobody agreed on yet
	BlockerAgreed   = "agreed"   // agreed on, not resolved
	BlockerNoOwner  = "no_owner" // resolved, but no team owns the link
	BlockerBlocking = "blocking" // a blocking friction marker not resolved
)

// Blocker is one thing that stands between the board and its launch: a critical link not
// cleared, or a blocking friction marker. Team and Holder say who holds it (the link's
// owner team and the person named on it; a marker's author); Since when it started to
// block, Unix ms (for a link, from the op log: 0 when unknown), and Days how many whole
// days before Analysis.Today that is (-1 when unknown).
type Blocker struct {
	Level    RAG    `json:"level"`
	Reason   string `json:"reason"`
	Link     string `json:"link,omitempty"`
	LinkKind string `json:"link_kind,omitempty"`
	Marker   string `json:"marker,omitempty"`
	Text     string `json:"text,omitempty"` // a marker's text
	From     Ref    `json:"from,omitzero"`  // a link's cards, or the marker's card
	To       Ref    `json:"to,omitzero"`
	Stages   []Ref  `json:"stages"`
	Team     Ref    `json:"team,omitzero"`
	Holder   string `json:"holder,omitempty"`
	Since    int64  `json:"since,omitempty"`
	Days     int    `json:"days"`
	Evidence `json:"evidence"`
}

// CriticalCount counts the critical links: identified (all of them), cleared (resolved
// with an owner, or risk accepted), of which accepted, and the share cleared.
type CriticalCount struct {
	Identified int     `json:"identified"`
	Cleared    int     `json:"cleared"`
	Accepted   int     `json:"accepted"`
	Share      float64 `json:"share"`
}

// CriticalPoint is the count of critical links at the end of one day.
type CriticalPoint struct {
	Day        string `json:"day"`
	Identified int    `json:"identified"`
	Cleared    int    `json:"cleared"`
}

// cleared reports whether a critical link no longer blocks launch.
func cleared(l *Link) bool {
	return (l.Status == StatusResolved && l.Owner != "") || !l.Risk.IsZero()
}

func (x *index) readiness(log []Committed, now time.Time) Readiness {
	f := x.b.Framing
	r := Readiness{Candidate: f.LaunchCandidate, LaunchDate: f.LaunchDate, Level: Green, Stages: []StageReadiness{},
		Blockers: []Blocker{}, History: []CriticalPoint{}}
	today := now.Format(DateLayout)
	if d, ok := daysBetween(today, f.LaunchDate); ok {
		r.DaysToLaunch = &d
	}
	since := map[string]int64{}
	if log != nil {
		since, r.History = criticalHistory(log, now.Location())
		if f.LaunchDate != "" && f.LaunchDate <= today {
			for i := len(r.History) - 1; i >= 0; i-- {
				if r.History[i].Day <= f.LaunchDate {
					p := r.History[i]
					p.Day = f.LaunchDate
					r.AtLaunch = &p
					break
				}
			}
			if r.AtLaunch == nil {
				r.AtLaunch = &CriticalPoint{Day: f.LaunchDate}
			}
		}
	}
	level := make([]RAG, len(x.stages))
	count := make([]int, len(x.stages))
	var ev Evidence
	touch := func(bl *Blocker, stages ...string) {
		for _, s := range stages {
			i, ok := x.stageAt[s]
			if !ok || slices.ContainsFunc(bl.Stages, func(r Ref) bool { return r.ID == s }) {
				continue
			}
			bl.Stages = append(bl.Stages, x.stageRef(s))
			level[i] = worst(level[i], bl.Level)
			count[i]++
		}
	}
	days := func(at int64) int {
		if at == 0 {
			return -1
		}
		d, _ := daysBetween(time.UnixMilli(at).In(now.Location()).Format(DateLayout), today)
		return d
	}
	for _, l := range x.b.SortedLinks() {
		if !l.Critical {
			continue
		}
		r.Critical.Identified++
		if cleared(l) {
			r.Critical.Cleared++
			if !l.Risk.IsZero() {
				r.Critical.Accepted++
			}
			continue
		}
		bl := Blocker{Level: Red, Reason: BlockerOpen, Link: l.ID, LinkKind: l.Kind, From: x.cardRef(l.From), To: x.cardRef(l.To),
			Stages: []Ref{}, Holder: l.Holder, Since: since[l.ID], Evidence: x.evidenceOfIDs(l.From, l.To)}
		switch l.Status {
		case StatusAgreed:
			bl.Level, bl.Reason = Amber, BlockerAgreed
		case StatusResolved:
			bl.Level, bl.Reason = Amber, BlockerNoOwner
		}
		if l.Owner != "" {
			bl.Team = x.teamRef(l.Owner)
		}
		bl.Days = days(bl.Since)
		touch(&bl, x.b.Cards[l.From].Stage, x.b.Cards[l.To].Stage)
		ev = ev.plus(bl.Evidence)
		r.Blockers = append(r.Blockers, bl)
	}
	r.Critical.Share = share(r.Critical.Cleared, r.Critical.Identified)
	for _, m := range x.unresolved {
		if m.Severity != "blocking" {
			continue
		}
		bl := Blocker{Level: Red, Reason: BlockerBlocking, Marker: m.ID, Text: m.Text, Stages: []Ref{}, Holder: m.Author,
			Since: m.At}
		stage := m.Anchor.Stage
		if c := x.b.Cards[m.Anchor.Card]; c != nil {
			bl.From, stage = x.cardRef(c.ID), c.Stage
			if c.Team != "" {
				bl.Team = x.teamRef(c.Team)
			}
			bl.Evidence = x.evidenceOfIDs(c.ID)
		}
		bl.Days = days(bl.Since)
		touch(&bl, stage)
		ev = ev.plus(bl.Evidence)
		r.Blockers = append(r.Blockers, bl)
	}
	slices.SortStableFunc(r.Blockers, func(a, b Blocker) int {
		if a.Level != b.Level {
			if a.Level == Red {
				return -1
			}
			return 1
		}
		return b.Days - a.Days // the longest held first; unknown (-1) last
	})
	for i, s := range x.stages {
		lv := level[i]
		if lv == "" {
			lv = Green
		}
		r.Stages = append(r.Stages, StageReadiness{Stage: Ref{ID: s.ID, Name: s.Name}, Level: lv, Blockers: count[i]})
		r.Level = worst(r.Level, lv)
	}
	for _, bl := range r.Blockers {
		r.Level = worst(r.Level, bl.Level) // a blocker on no stage still counts
	}
	r.Evidence = ev
	return r
}

// daysBetween returns how many days from the day a to the day b, and whether both are days.
func daysBetween(a, b string) (int, bool) {
	ta, err1 := time.Parse(DateLayout, a)
	tb, err2 := time.Parse(DateLayout, b)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return int(tb.Sub(ta).Hours() / 24), true
}

// criticalHistory follows the critical links through the op log: when each link still
// blocking now started to block (Unix ms of the op that made it so), and the count of
// identified and cleared critical links at the end of each day it changed (days in loc).
// It tracks only what links need — cards' stages and lanes, which a deleted stage, lane or
// card takes its links with, and teams, whose deletion leaves links without an owner —
// so that it costs a map lookup or two per op.
func criticalHistory(log []Committed, loc *time.Location) (map[string]int64, []CriticalPoint) {
	type card struct{ stage, lane string }
	cards := map[string]card{}
	links := map[string]*Link{}
	since := map[string]int64{}
	var ident, clear int
	contrib := func(l *Link) (int, int) {
		if l == nil || !l.Critical {
			return 0, 0
		}
		if cleared(l) {
			return 1, 1
		}
		return 1, 0
	}
	set := func(id string, l *Link, at int64) { // l nil deletes
		oi, oc := contrib(links[id])
		ni, nc := contrib(l)
		ident += ni - oi
		clear += nc - oc
		wasBlocking := oi == 1 && oc == 0
		if ni == 1 && nc == 0 {
			if !wasBlocking {
				since[id] = at
			}
		} else {
			delete(since, id)
		}
		if l == nil {
			delete(links, id)
		} else {
			links[id] = l
		}
	}
	dropCard := func(id string, at int64) {
		delete(cards, id)
		for lid, l := range links {
			if l.From == id || l.To == id {
				set(lid, nil, at)
			}
		}
	}
	history := []CriticalPoint{}
	record := func(at int64) {
		day := time.UnixMilli(at).In(loc).Format(DateLayout)
		p := CriticalPoint{Day: day, Identified: ident, Cleared: clear}
		n := len(history)
		switch {
		case n > 0 && history[n-1].Day == day:
			history[n-1] = p
		case n > 0 && history[n-1].Identified == ident && history[n-1].Cleared == clear:
		case n == 0 && ident == 0:
		default:
			history = append(history, p)
		}
	}
	for i := range log {
		op, at := &log[i].Op, log[i].At.UnixMilli()
		f := op.Fields
		before := [2]int{ident, clear}
		switch op.Type {
		case TypeCard:
			switch op.Action {
			case ActionCreate:
				cards[op.ID] = card{or(f.Stage, ""), or(f.Lane, "")}
			case ActionUpdate:
				if c, ok := cards[op.ID]; ok {
					cards[op.ID] = card{or(f.Stage, c.stage), or(f.Lane, c.lane)}
				}
			case ActionDelete:
				dropCard(op.ID, at)
			}
		case TypeStage, TypeLane:
			if op.Action == ActionDelete {
				for id, c := range cards {
					if (op.Type == TypeStage && c.stage == op.ID) || (op.Type == TypeLane && c.lane == op.ID) {
						dropCard(id, at)
					}
				}
			}
		case TypeTeam:
			if op.Action == ActionDelete {
				for id, l := range links {
					if l.Owner == op.ID {
						x := *l
						x.Owner = ""
						set(id, &x, at)
					}
				}
			}
		case TypeLink:
			switch op.Action {
			case ActionCreate:
				set(op.ID, &Link{ID: op.ID, From: or(f.From, ""), To: or(f.To, ""), Critical: or(f.Critical, false),
					Status: or(f.Status, StatusOpen), Owner: or(f.Owner, ""), Risk: or(f.Risk, Acceptance{})}, at)
			case ActionUpdate:
				if l := links[op.ID]; l != nil {
					x := *l
					x.Critical, x.Status, x.Owner = or(f.Critical, x.Critical), or(f.Status, x.Status), or(f.Owner, x.Owner)
					x.Risk = or(f.Risk, x.Risk)
					set(op.ID, &x, at)
				}
			case ActionDelete:
				set(op.ID, nil, at)
			}
		}
		if before != [2]int{ident, clear} {
			record(at)
		}
	}
	return since, history
}
