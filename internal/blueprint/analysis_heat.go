package blueprint

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// SeverityWeights weigh a friction marker in the heat map: each severity counts twice
// the one below it.
var SeverityWeights = map[string]int{"low": 1, "medium": 2, "high": 4, "blocking": 8}

// HeatMap is the friction of the board per cell (stage × lane), from the markers not
// resolved: each weighs its severity (SeverityWeights) times one plus its +1s. Cells are
// ranked, the hottest first: the list "where the journey breaks"; Level places each on a
// scale of 1 to 4 of the hottest (Max), for drawing.
type HeatMap struct {
	Cells []HeatCell `json:"cells"`
	Max   int        `json:"max"`
}

// HeatCell is the friction of one cell.
type HeatCell struct {
	Stage    Ref               `json:"stage"`
	Lane     Ref               `json:"lane"`
	Score    int               `json:"score"`
	Level    int               `json:"level"`
	Markers  int               `json:"markers"`
	PlusOnes int               `json:"plus_ones"`
	Blocking int               `json:"blocking"`
	Evidence `json:"evidence"` // of the marked cards
}

func (x *index) heat() HeatMap {
	h := HeatMap{Cells: []HeatCell{}}
	at := map[[2]string]int{}
	for _, m := range x.unresolved {
		stage, lane := m.Anchor.Stage, m.Anchor.Lane
		c := x.b.Cards[m.Anchor.Card]
		if c != nil {
			stage, lane = c.Stage, c.Lane
		}
		k := [2]string{stage, lane}
		i, ok := at[k]
		if !ok {
			i = len(h.Cells)
			at[k] = i
			h.Cells = append(h.Cells, HeatCell{Stage: x.stageRef(stage), Lane: x.laneRef(lane)})
		}
		cell := &h.Cells[i]
		cell.Markers++
		cell.PlusOnes += len(m.PlusOnes)
		cell.Score += SeverityWeights[m.Severity] * (1 + len(m.PlusOnes))
		if m.Severity == "blocking" {
			cell.Blocking++
		}
		if c != nil {
			cell.Evidence.add(c)
		}
	}
	for i := range h.Cells {
		h.Cells[i].Evidence = h.Cells[i].Evidence.done()
		h.Max = max(h.Max, h.Cells[i].Score)
	}
	for i := range h.Cells {
		h.Cells[i].Level = (4*h.Cells[i].Score + h.Max - 1) / h.Max
	}
	slices.SortFunc(h.Cells, func(a, b HeatCell) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(x.stageAt[a.Stage.ID], x.stageAt[b.Stage.ID]),
			cmp.Compare(x.laneAt[a.Lane.ID], x.laneAt[b.Lane.ID]))
	})
	return h
}

// FramingReport is the board's one-page framing (seed 004) as the analysis reads it: the
// four answers, which are missing (Missing: "problem", "daily_users" — fewer than two
// people named —, "minimum_useful", "deadline"), how many days to the deadline, and the
// check-in: its day (the one set, or the launch date plus CheckInAfterDays), whether that
// is the default, and whether it is due (today or past).
type FramingReport struct {
	Problem        string   `json:"problem"`
	DailyUsers     []string `json:"daily_users"`
	MinimumUseful  string   `json:"minimum_useful"`
	Deadline       string   `json:"deadline,omitempty"`
	Missing        []string `json:"missing"`
	Complete       bool     `json:"complete"`
	DaysToDeadline *int     `json:"days_to_deadline,omitempty"`
	Overdue        bool     `json:"overdue"`
	CheckIn        string   `json:"check_in,omitempty"`
	CheckInDefault bool     `json:"check_in_default"`
	CheckInDue     bool     `json:"check_in_due"`
	DaysToCheckIn  *int     `json:"days_to_check_in,omitempty"`
}

// MinDailyUsers is how many daily users a complete framing names at least.
const MinDailyUsers = 2

func framingReport(f Framing, now time.Time) FramingReport {
	today := now.Format(DateLayout)
	r := FramingReport{Problem: f.Problem, DailyUsers: slices.Clone(f.DailyUsers), MinimumUseful: f.MinimumUseful,
		Deadline: f.Deadline, Missing: []string{}}
	if r.DailyUsers == nil {
		r.DailyUsers = []string{}
	}
	for _, q := range []struct {
		name string
		ok   bool
	}{{"problem", blank(f.Problem)}, {"daily_users", len(f.DailyUsers) < MinDailyUsers},
		{"minimum_useful", blank(f.MinimumUseful)}, {"deadline", f.Deadline == ""}} {
		if q.ok {
			r.Missing = append(r.Missing, q.name)
		}
	}
	r.Complete = len(r.Missing) == 0
	if d, ok := daysBetween(today, f.Deadline); ok {
		r.DaysToDeadline, r.Overdue = &d, d < 0
	}
	r.CheckIn, r.CheckInDefault = f.CheckInDate()
	if d, ok := daysBetween(today, r.CheckIn); ok {
		r.DaysToCheckIn, r.CheckInDue = &d, d <= 0
	}
	return r
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
