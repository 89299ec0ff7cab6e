package blueprint

import "slices"

// Where a handoff is: along the journey (a lane's work passes from one team's card to the
// next card, of another team), across the line of visibility (frontstage to backstage in
// one stage) or of internal interaction (backstage to support), or a handoff link drawn
// between two teams' cards that none of these finds.
const (
	AcrossJourney     = "journey"
	AcrossVisibility  = "visibility"
	AcrossInteraction = "internal_interaction"
	AcrossLink        = "link"
)

// HandoffReport lists the handoffs between teams, in journey order, and counts them: how
// many are gaps (no link agreed on, nor acknowledged by both teams), and how many links
// both teams, one, or neither acknowledged.
type HandoffReport struct {
	Handoffs     []Handoff `json:"handoffs"`
	Gaps         int       `json:"gaps"`
	Acknowledged int       `json:"acknowledged"` // by both teams
	Partly       int       `json:"partly"`       // by one team
	Evidence     Evidence  `json:"evidence"`     // of the gaps' cards
}

// Handoff is a place where the work passes from a card of one team (From, FromTeam) to a
// card of another (To, ToTeam). Link is the link that covers it — one joining the two
// teams' cards in these stages, the best agreed first — or "" when none does; AckFrom and
// AckTo are its teams' acknowledgements, turned to match From and To. It is agreed when
// the link is agreed or resolved, or both teams acknowledged it; a Gap otherwise.
type Handoff struct {
	Across    string `json:"across"`
	From      Ref    `json:"from"`
	To        Ref    `json:"to"`
	FromTeam  Ref    `json:"from_team"`
	ToTeam    Ref    `json:"to_team"`
	FromStage Ref    `json:"from_stage"`
	ToStage   Ref    `json:"to_stage"`
	Link      string `json:"link,omitempty"`
	Status    string `json:"status,omitempty"`
	AckFrom   Ack    `json:"ack_from,omitzero"`
	AckTo     Ack    `json:"ack_to,omitzero"`
	Agreed    bool   `json:"agreed"`
	Gap       bool   `json:"gap"`
	Evidence  `json:"evidence"`
}

type teamPair struct{ a, b string }

func pairOf(a, b string) teamPair {
	if b < a {
		a, b = b, a
	}
	return teamPair{a, b}
}

func (x *index) handoffs() HandoffReport {
	type found struct{ from, to *Card }
	var list []struct {
		found
		across string
	}
	add := func(from, to *Card, across string) {
		list = append(list, struct {
			found
			across string
		}{found{from, to}, across})
	}
	// Along the journey: each lane's owned cards, left to right.
	last := map[string]*Card{} // lane id → its last owned card so far
	for _, c := range x.cards {
		if c.Team == "" {
			continue
		}
		if p := last[c.Lane]; p != nil && p.Team != c.Team {
			add(p, c, AcrossJourney)
		}
		last[c.Lane] = c
	}
	// Across the lines, stage by stage: the first card of each team on either side.
	for _, cards := range x.byStage {
		var front, back, support []*Card
		for _, c := range cards {
			if c.Team == "" {
				continue
			}
			switch x.role(c) {
			case RoleFrontstage:
				front = firstOfTeam(front, c)
			case RoleBackstage:
				back = firstOfTeam(back, c)
			case RoleSupport:
				support = firstOfTeam(support, c)
			}
		}
		for _, line := range []struct {
			above, below []*Card
			across       string
		}{{front, back, AcrossVisibility}, {back, support, AcrossInteraction}} {
			for _, a := range line.above {
				for _, b := range line.below {
					if a.Team != b.Team {
						add(a, b, line.across)
					}
				}
			}
		}
	}
	// The links between two teams' cards, by pair of teams.
	byPair := map[teamPair][]*Link{}
	for _, l := range x.b.SortedLinks() {
		f, t := x.b.Cards[l.From], x.b.Cards[l.To]
		if f.Team == "" || t.Team == "" || f.Team == t.Team {
			continue
		}
		p := pairOf(f.Team, t.Team)
		byPair[p] = append(byPair[p], l)
	}
	used := map[string]bool{}
	r := HandoffReport{Handoffs: []Handoff{}}
	for _, h := range list {
		var best *Link
		for _, l := range byPair[pairOf(h.from.Team, h.to.Team)] {
			if !x.linkWithin(l, h.from.Stage, h.to.Stage) {
				continue
			}
			if best == nil || rankLink(l, h.from, h.to) > rankLink(best, h.from, h.to) {
				best = l
			}
		}
		if best != nil {
			used[best.ID] = true
		}
		r.Handoffs = append(r.Handoffs, x.handoff(h.from, h.to, h.across, best))
	}
	// Handoff links between teams that no place above found.
	for _, l := range x.b.SortedLinks() {
		if used[l.ID] || l.Kind != LinkHandoff {
			continue
		}
		f, t := x.b.Cards[l.From], x.b.Cards[l.To]
		if f.Team == "" || t.Team == "" || f.Team == t.Team {
			continue
		}
		r.Handoffs = append(r.Handoffs, x.handoff(f, t, AcrossLink, l))
	}
	slices.SortStableFunc(r.Handoffs, func(a, b Handoff) int {
		return x.stageAt[a.FromStage.ID]*len(x.stages) + x.stageAt[a.ToStage.ID] -
			(x.stageAt[b.FromStage.ID]*len(x.stages) + x.stageAt[b.ToStage.ID])
	})
	for _, h := range r.Handoffs {
		if h.Gap {
			r.Gaps++
			r.Evidence = r.Evidence.plus(h.Evidence)
		}
		if h.Link != "" {
			switch {
			case !h.AckFrom.IsZero() && !h.AckTo.IsZero():
				r.Acknowledged++
			case !h.AckFrom.IsZero() || !h.AckTo.IsZero():
				r.Partly++
			}
		}
	}
	return r
}

// firstOfTeam appends c to cards unless a card of its team is there already.
func firstOfTeam(cards []*Card, c *Card) []*Card {
	for _, o := range cards {
		if o.Team == c.Team {
			return cards
		}
	}
	return append(cards, c)
}

// linkWithin reports whether both ends of l are in the stages s1 or s2.
func (x *index) linkWithin(l *Link, s1, s2 string) bool {
	in := func(id string) bool { s := x.b.Cards[id].Stage; return s == s1 || s == s2 }
	return in(l.From) && in(l.To)
}

// rankLink says how well l covers the handoff from one card to another: an agreed link
// over an open one, a link between these very cards over one between their teams' others.
func rankLink(l *Link, from, to *Card) int {
	n := 0
	if linkAgreed(l) {
		n += 4
	}
	if (l.From == from.ID && l.To == to.ID) || (l.From == to.ID && l.To == from.ID) {
		n += 2
	}
	if l.Kind == LinkHandoff {
		n++
	}
	return n
}

// linkAgreed reports whether a link says the two teams agreed on the handoff: agreed or
// resolved, or acknowledged by both.
func linkAgreed(l *Link) bool {
	return l.Status == StatusAgreed || l.Status == StatusResolved || (!l.AckFrom.IsZero() && !l.AckTo.IsZero())
}

func (x *index) handoff(from, to *Card, across string, l *Link) Handoff {
	h := Handoff{Across: across, From: x.cardRef(from.ID), To: x.cardRef(to.ID), FromTeam: x.teamRef(from.Team),
		ToTeam: x.teamRef(to.Team), FromStage: x.stageRef(from.Stage), ToStage: x.stageRef(to.Stage),
		Evidence: x.evidenceOfIDs(from.ID, to.ID)}
	if l != nil {
		h.Link, h.Status, h.Agreed = l.ID, l.Status, linkAgreed(l)
		h.AckFrom, h.AckTo = l.AckFrom, l.AckTo
		if x.b.Cards[l.From].Team != from.Team { // the link runs the other way
			h.AckFrom, h.AckTo = l.AckTo, l.AckFrom
		}
	}
	h.Gap = !h.Agreed
	return h
}
