package blueprint

// Range is a time from Min to Max minutes (Min == Max when it is known to the minute).
type Range struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// RatioRange is a ratio from Low to High, each from 0 to 1.
type RatioRange struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// TimeToValue is the time from the customer's first contact to the value they came for:
// every timed card of the stages from the first-contact card's to the value moment's,
// added up as a range (a card's time is its range, or its one value), with the flow
// efficiency (active time ÷ elapsed time, as the range its bounds allow) and the single
// wait that adds the most. Known is false while the board lacks a first contact or a
// value moment after it (Missing names which: MilestoneFirstContact, MilestoneValue).
type TimeToValue struct {
	Known        bool       `json:"known"`
	Missing      []string   `json:"missing"`
	FirstContact Ref        `json:"first_contact,omitzero"`
	ValueMoment  Ref        `json:"value_moment,omitzero"`
	FromStage    Ref        `json:"from_stage,omitzero"`
	ToStage      Ref        `json:"to_stage,omitzero"`
	Elapsed      Range      `json:"elapsed"`
	Active       Range      `json:"active"`
	Wait         Range      `json:"wait"`
	Efficiency   RatioRange `json:"efficiency"`
	Steps        int        `json:"steps"`   // the cards of those stages
	Untimed      int        `json:"untimed"` // of which with no time: the range is a floor
	Biggest      *Wait      `json:"biggest_wait,omitempty"`
	Evidence     Evidence   `json:"evidence"` // of the timed cards
}

// Wait is the longest wait on the way to value: the card it is before, and, when the
// card receives a handoff, the teams between which it waits.
type Wait struct {
	Card     Ref   `json:"card"`
	Stage    Ref   `json:"stage"`
	Minutes  Range `json:"minutes"`
	Handoff  bool  `json:"handoff"`
	FromTeam Ref   `json:"from_team,omitzero"`
	ToTeam   Ref   `json:"to_team,omitzero"`
}

// span returns a card's time as a range: a top below the bottom, or 0, is no range.
func span(low, high int) Range { return Range{low, max(low, high)} }

func (x *index) timeToValue(handoffs []Handoff) TimeToValue {
	t := TimeToValue{Missing: []string{}}
	var first, value *Card
	for _, c := range x.cards { // in journey order
		if c.Milestone == MilestoneFirstContact && first == nil {
			first = c
		}
	}
	for _, c := range x.cards {
		if c.Milestone == MilestoneValue && value == nil && (first == nil || x.stageAt[c.Stage] >= x.stageAt[first.Stage]) {
			value = c
		}
	}
	if first == nil {
		t.Missing = append(t.Missing, MilestoneFirstContact)
	}
	if value == nil {
		t.Missing = append(t.Missing, MilestoneValue)
	}
	if first == nil || value == nil {
		return t
	}
	t.Known = true
	t.FirstContact, t.ValueMoment = x.cardRef(first.ID), x.cardRef(value.ID)
	t.FromStage, t.ToStage = x.stageRef(first.Stage), x.stageRef(value.Stage)
	var biggest *Card
	var timed []*Card
	for i := x.stageAt[first.Stage]; i <= x.stageAt[value.Stage]; i++ {
		for _, c := range x.byStage[i] {
			t.Steps++
			a, w := span(c.ActiveMinutes, c.ActiveMax), span(c.WaitMinutes, c.WaitMax)
			if a.Max == 0 && w.Max == 0 {
				t.Untimed++
				continue
			}
			timed = append(timed, c)
			t.Active.Min += a.Min
			t.Active.Max += a.Max
			t.Wait.Min += w.Min
			t.Wait.Max += w.Max
			if w.Max > 0 && (biggest == nil || w.Max > biggest.maxWait() || (w.Max == biggest.maxWait() && w.Min > biggest.WaitMinutes)) {
				biggest = c
			}
		}
	}
	t.Elapsed = Range{t.Active.Min + t.Wait.Min, t.Active.Max + t.Wait.Max}
	// Active ÷ (active + wait) grows with active time and falls with waiting: its lowest
	// is the shortest work with the longest waits, its highest the reverse.
	t.Efficiency = RatioRange{Low: share(t.Active.Min, t.Active.Min+t.Wait.Max), High: share(t.Active.Max, t.Active.Max+t.Wait.Min)}
	if biggest != nil {
		w := &Wait{Card: x.cardRef(biggest.ID), Stage: x.stageRef(biggest.Stage), Minutes: span(biggest.WaitMinutes, biggest.WaitMax)}
		for _, h := range handoffs {
			if h.To.ID == biggest.ID {
				w.Handoff, w.FromTeam, w.ToTeam = true, h.FromTeam, h.ToTeam
				break
			}
		}
		t.Biggest = w
	}
	t.Evidence = x.evidenceOf(timed)
	return t
}

func (c *Card) maxWait() int { return max(c.WaitMinutes, c.WaitMax) }
