package blueprint

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The last-mile analysis: pure functions of a board, its annotations and its op log that
// say where the journey breaks, which handoffs nobody agreed on, what still blocks launch,
// how long from first contact to value, where the funnel leaks, and how much of it rests
// on cards nobody observed. docs/analysis.md says what each measure means, for managers.
//
// Every result is plain data: lists sorted the way a page shows them, ids with the names
// and texts a page needs (Ref), levels as words (RAG), and no pointer into the board, so
// that templ renders it and encoding/json serves it as it is.

// RAG is a red, amber or green level.
type RAG string

// RAG levels.
const (
	Red   RAG = "red"
	Amber RAG = "amber"
	Green RAG = "green"
)

func worst(a, b RAG) RAG {
	rank := map[RAG]int{Green: 0, Amber: 1, Red: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Ref names an entity of the board for a page: its id, and its name (a stage's or a
// team's name, a lane's label, a card's text cut to RefTextLen characters).
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RefTextLen is how much of a card's text a Ref keeps.
const RefTextLen = 80

// Analysis is the whole last-mile analysis of a board at one moment: GET
// /api/boards/{id}/analysis serves it as JSON, the Analysis page and the board's overlay
// draw it.
type Analysis struct {
	Board     string        `json:"board"`
	Seq       int64         `json:"seq"`
	Today     string        `json:"today"` // the day the analysis was made for, DateLayout
	Readiness Readiness     `json:"readiness"`
	Handoffs  HandoffReport `json:"handoffs"`
	Breaks    BreakReport   `json:"breaks"`
	Time      TimeToValue   `json:"time_to_value"`
	Funnel    Funnel        `json:"funnel"`
	Heat      HeatMap       `json:"heat"`
	Framing   FramingReport `json:"framing"`
	// Evidence is how sure the team is of the board's cards as a whole; each finding
	// says it of its own cards.
	Evidence Evidence `json:"evidence"`
}

// Analyze computes the analysis of b. log is the board's op log in sequence order (all of
// it, or nil: then how long each blocker has been held and the history of critical
// dependencies are unknown); now is the moment the analysis is for, in the time zone
// whose day counts (dates of the board are days without a zone).
func Analyze(b *Board, log []Committed, now time.Time) *Analysis {
	x := newIndex(b)
	a := &Analysis{Board: b.ID, Seq: b.Seq, Today: now.Format(DateLayout)}
	a.Handoffs = x.handoffs()
	a.Readiness = x.readiness(log, now)
	a.Breaks = x.breaks()
	a.Time = x.timeToValue(a.Handoffs.Handoffs)
	a.Funnel = x.funnel()
	a.Heat = x.heat()
	a.Framing = framingReport(b.Framing, now)
	a.Evidence = x.evidenceOf(x.cards)
	return a
}

// index is what every measure reads of a board, computed once: stages and lanes in
// order, each card's place, the cards of each stage.
type index struct {
	b          *Board
	stages     []*Stage
	stageAt    map[string]int // stage id → index from the left
	lanes      []*Lane
	laneAt     map[string]int
	cards      []*Card // every card: by stage, then lane, then order
	byStage    [][]*Card
	linksOf    map[string][]*Link // card id → the links it is an end of
	unresolved []*Marker          // markers not resolved whose anchor is on the board
}

func newIndex(b *Board) *index {
	x := &index{b: b, stages: b.SortedStages(), lanes: b.SortedLanes(), stageAt: map[string]int{}, laneAt: map[string]int{},
		linksOf: map[string][]*Link{}}
	for i, s := range x.stages {
		x.stageAt[s.ID] = i
	}
	for i, l := range x.lanes {
		x.laneAt[l.ID] = i
	}
	x.cards = make([]*Card, 0, len(b.Cards))
	for _, c := range b.Cards {
		x.cards = append(x.cards, c)
	}
	slices.SortFunc(x.cards, func(p, q *Card) int {
		return cmp.Or(cmp.Compare(x.stageAt[p.Stage], x.stageAt[q.Stage]), cmp.Compare(x.laneAt[p.Lane], x.laneAt[q.Lane]),
			cmp.Compare(p.Order, q.Order), cmp.Compare(p.ID, q.ID))
	})
	x.byStage = make([][]*Card, len(x.stages))
	for _, c := range x.cards {
		i := x.stageAt[c.Stage]
		x.byStage[i] = append(x.byStage[i], c)
	}
	for _, l := range b.SortedLinks() {
		x.linksOf[l.From] = append(x.linksOf[l.From], l)
		x.linksOf[l.To] = append(x.linksOf[l.To], l)
	}
	for _, m := range b.SortedMarkers() {
		if !m.Resolved && b.AnchorExists(m.Anchor) {
			x.unresolved = append(x.unresolved, m)
		}
	}
	return x
}

func (x *index) role(c *Card) LaneRole { return x.b.Lanes[c.Lane].Role }

// owned reports whether cards of lanes of role r are the organisation's to own: below
// the line of interaction. Customer-side lanes (physical evidence, customer actions,
// emotion) and the optional lanes are nobody's.
func owned(r LaneRole) bool { return r == RoleFrontstage || r == RoleBackstage || r == RoleSupport }

// behind reports whether lanes of role r are below the line of visibility.
func behind(r LaneRole) bool { return r == RoleBackstage || r == RoleSupport }

// visible reports whether cards of lanes of role r are what the customer sees of the
// organisation: its physical evidence and its frontstage.
func visible(r LaneRole) bool { return r == RolePhysicalEvidence || r == RoleFrontstage }

func (x *index) stageRef(id string) Ref {
	if s := x.b.Stages[id]; s != nil {
		return Ref{ID: id, Name: s.Name}
	}
	return Ref{ID: id}
}

func (x *index) laneRef(id string) Ref {
	if l := x.b.Lanes[id]; l != nil {
		return Ref{ID: id, Name: l.Label}
	}
	return Ref{ID: id}
}

func (x *index) teamRef(id string) Ref {
	if t := x.b.Teams[id]; t != nil {
		return Ref{ID: id, Name: t.Name}
	}
	return Ref{ID: id}
}

func (x *index) cardRef(id string) Ref {
	if c := x.b.Cards[id]; c != nil {
		return Ref{ID: id, Name: cut(c.Text, RefTextLen)}
	}
	return Ref{ID: id}
}

// cut returns s on one line, at most n characters, with an ellipsis where it was cut.
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Evidence counts the cards a finding rests on by how the team knows them. Unsure is
// the share of them that nobody observed (assumed, to verify, or saying nothing), from 0
// to 1; 0 when there are no cards.
type Evidence struct {
	Cards    int     `json:"cards"`
	Observed int     `json:"observed"`
	Assumed  int     `json:"assumed"`
	ToVerify int     `json:"to_verify"`
	Unstated int     `json:"unstated"`
	Unsure   float64 `json:"unsure"`
}

func (x *index) evidenceOf(cards []*Card) Evidence {
	var e Evidence
	for _, c := range cards {
		e.add(c)
	}
	return e.done()
}

func (x *index) evidenceOfIDs(ids ...string) Evidence {
	var e Evidence
	for _, id := range ids {
		if c := x.b.Cards[id]; c != nil {
			e.add(c)
		}
	}
	return e.done()
}

func (e *Evidence) add(c *Card) {
	e.Cards++
	switch c.Evidence {
	case EvidenceObserved:
		e.Observed++
	case EvidenceAssumed:
		e.Assumed++
	case EvidenceToVerify:
		e.ToVerify++
	default:
		e.Unstated++
	}
}

func (e Evidence) done() Evidence {
	if e.Cards > 0 {
		e.Unsure = float64(e.Cards-e.Observed) / float64(e.Cards)
	}
	return e
}

func (e Evidence) plus(o Evidence) Evidence {
	e.Cards += o.Cards
	e.Observed += o.Observed
	e.Assumed += o.Assumed
	e.ToVerify += o.ToVerify
	e.Unstated += o.Unstated
	return e.done()
}

// share returns n/of, 0 when of is 0.
func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
