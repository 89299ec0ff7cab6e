package blueprint

import (
	"cmp"
	"slices"
)

// Kinds of breaks in the journey, from the most to the least severe at one place.
const (
	BreakBlocking         = "blocking_marker"     // a blocking friction marker not resolved
	BreakUnsupported      = "unsupported_promise" // a customer-visible card with nothing owned behind it
	BreakManual           = "manual_step"         // a manual or paper step in the last stages
	BreakNoCustomerAction = "no_customer_action"  // a stage where the customer does nothing
	BreakNoOwner          = "no_owner"            // a stage where no team owns any card
	BreakUnownedCard      = "unowned_card"        // a card below the line of interaction with no team
	lastStagesDenominator = 3                     // the last stages are the last third, at least one
)

// BreakKinds lists the kinds of breaks, the most severe first.
var BreakKinds = []string{BreakBlocking, BreakUnsupported, BreakManual, BreakNoCustomerAction, BreakNoOwner, BreakUnownedCard}

// BreakReport says where the journey breaks: each break ranked by where it sits (the
// later, the heavier: that is the last mile), and the seed's measure, the share of
// stages with no break (Rate, from 0 to 1; 1 for a board without stages).
type BreakReport struct {
	Stages   int           `json:"stages"`
	Unbroken int           `json:"unbroken"`
	Rate     float64       `json:"rate"`
	Breaks   []Break       `json:"breaks"`
	PerStage []StageBreaks `json:"per_stage"` // left to right
	Evidence Evidence      `json:"evidence"`  // of the breaks' cards
}

// StageBreaks is how many breaks a stage holds.
type StageBreaks struct {
	Stage  Ref `json:"stage"`
	Breaks int `json:"breaks"`
}

// Break is one break: its kind, its stage and position (1 for the first stage), its
// weight (position ÷ stages: the last stage weighs 1), and the card, lane or marker it is
// about when it is about one. A stage's breaks rest on the stage's cards.
type Break struct {
	Kind     string  `json:"kind"`
	Stage    Ref     `json:"stage"`
	Position int     `json:"position"`
	Weight   float64 `json:"weight"`
	Card     Ref     `json:"card,omitzero"`
	Lane     Ref     `json:"lane,omitzero"`
	Marker   string  `json:"marker,omitempty"`
	Evidence `json:"evidence"`
}

func (x *index) breaks() BreakReport {
	n := len(x.stages)
	r := BreakReport{Stages: n, Breaks: []Break{}, PerStage: make([]StageBreaks, n), Rate: 1}
	hasCustomerLane := slices.ContainsFunc(x.lanes, func(l *Lane) bool { return l.Role == RoleCustomerActions })
	lastFrom := n - max(1, (n+lastStagesDenominator-1)/lastStagesDenominator)
	add := func(i int, kind string, c *Card, ev Evidence) {
		b := Break{Kind: kind, Stage: Ref{ID: x.stages[i].ID, Name: x.stages[i].Name}, Position: i + 1,
			Weight: float64(i+1) / float64(n), Evidence: ev}
		if c != nil {
			b.Card, b.Lane, b.Evidence = x.cardRef(c.ID), x.laneRef(c.Lane), x.evidenceOfIDs(c.ID)
		}
		r.Breaks = append(r.Breaks, b)
	}
	markersAt := map[string][]*Marker{} // stage id → its blocking markers
	for _, m := range x.unresolved {
		if m.Severity != "blocking" {
			continue
		}
		stage := m.Anchor.Stage
		if c := x.b.Cards[m.Anchor.Card]; c != nil {
			stage = c.Stage
		}
		markersAt[stage] = append(markersAt[stage], m)
	}
	for i, cards := range x.byStage {
		stage := x.stages[i]
		r.PerStage[i].Stage = Ref{ID: stage.ID, Name: stage.Name}
		before := len(r.Breaks)
		for _, m := range markersAt[stage.ID] {
			var c *Card
			if m.Anchor.Card != "" {
				c = x.b.Cards[m.Anchor.Card]
			}
			add(i, BreakBlocking, c, Evidence{})
			r.Breaks[len(r.Breaks)-1].Marker = m.ID
			if c == nil {
				r.Breaks[len(r.Breaks)-1].Lane = x.laneRef(m.Anchor.Lane)
			}
		}
		supported := false
		for _, c := range cards {
			if c.Team != "" && behind(x.role(c)) {
				supported = true
				break
			}
		}
		customer, ownedAny := false, false
		for _, c := range cards {
			role := x.role(c)
			customer = customer || role == RoleCustomerActions
			ownedAny = ownedAny || c.Team != ""
			if visible(role) && !supported && !x.linkedBehind(c) {
				add(i, BreakUnsupported, c, Evidence{})
			}
		}
		for _, c := range cards {
			if c.Manual && i >= lastFrom {
				add(i, BreakManual, c, Evidence{})
			}
		}
		if hasCustomerLane && !customer {
			add(i, BreakNoCustomerAction, nil, x.evidenceOf(cards))
		}
		if !ownedAny {
			add(i, BreakNoOwner, nil, x.evidenceOf(cards))
		}
		for _, c := range cards {
			if c.Team == "" && owned(x.role(c)) {
				add(i, BreakUnownedCard, c, Evidence{})
			}
		}
		r.PerStage[i].Breaks = len(r.Breaks) - before
		if r.PerStage[i].Breaks == 0 {
			r.Unbroken++
		}
	}
	if n > 0 {
		r.Rate = share(r.Unbroken, n)
	}
	slices.SortStableFunc(r.Breaks, func(a, b Break) int {
		return cmp.Or(cmp.Compare(b.Position, a.Position),
			cmp.Compare(slices.Index(BreakKinds, a.Kind), slices.Index(BreakKinds, b.Kind)))
	})
	for _, b := range r.Breaks {
		r.Evidence = r.Evidence.plus(b.Evidence)
	}
	return r
}

// linkedBehind reports whether a link joins c to an owned card below the line of
// visibility, in any stage: the support of a promise may sit in a stage of its own.
func (x *index) linkedBehind(c *Card) bool {
	for _, l := range x.linksOf[c.ID] {
		o := x.b.Cards[l.To]
		if l.To == c.ID {
			o = x.b.Cards[l.From]
		}
		if o.Team != "" && behind(x.role(o)) {
			return true
		}
	}
	return false
}
