// Package blueprint is the domain of lastmile: boards made of stages (columns), lanes
// (rows with a semantic role), cards in the cells, teams that own cards, and links
// between cards. It also holds the closed vocabulary of edits (ops), how an op applies to
// a board, the templates a board starts from and the versioned JSON export.
//
// It imports only the standard library: no SQL, no HTTP, no websocket.
package blueprint

import (
	"cmp"
	"slices"
	"time"
)

// LaneRole is the semantic role of a lane. The five canonical roles of a service
// blueprint come first, then the optional lanes, then a free one.
type LaneRole string

// Lane roles.
const (
	RolePhysicalEvidence LaneRole = "physical_evidence"
	RoleCustomerActions  LaneRole = "customer_actions"
	RoleFrontstage       LaneRole = "frontstage"
	RoleBackstage        LaneRole = "backstage"
	RoleSupport          LaneRole = "support"
	RoleEmotion          LaneRole = "emotion"
	RoleTime             LaneRole = "time"
	RoleMetrics          LaneRole = "metrics"
	RolePolicies         LaneRole = "policies"
	RolePainPoints       LaneRole = "pain_points"
	RoleOpportunities    LaneRole = "opportunities"
	RoleCustom           LaneRole = "custom"
)

// LaneRoles lists every lane role in canonical top-to-bottom order.
var LaneRoles = []LaneRole{
	RolePhysicalEvidence, RoleCustomerActions, RoleFrontstage, RoleBackstage, RoleSupport,
	RoleEmotion, RoleTime, RoleMetrics, RolePolicies, RolePainPoints, RoleOpportunities, RoleCustom,
}

// Card kinds.
const (
	KindNote        = "note"
	KindTouchpoint  = "touchpoint"
	KindAction      = "action"
	KindProcess     = "process"
	KindSystem      = "system"
	KindPainPoint   = "pain_point"
	KindOpportunity = "opportunity"
	KindMetric      = "metric"
	KindPolicy      = "policy"
	KindEmotion     = "emotion"
)

// CardKinds lists every card kind.
var CardKinds = []string{KindNote, KindTouchpoint, KindAction, KindProcess, KindSystem,
	KindPainPoint, KindOpportunity, KindMetric, KindPolicy, KindEmotion}

// Link kinds and statuses.
const (
	LinkHandoff    = "handoff"    // one-way: work passes from one card's team to another's
	LinkDependency = "dependency" // two-way: the cards depend on each other

	StatusOpen     = "open"
	StatusAgreed   = "agreed"
	StatusResolved = "resolved"
)

// LinkKinds and LinkStatuses list the allowed values.
var (
	LinkKinds    = []string{LinkHandoff, LinkDependency}
	LinkStatuses = []string{StatusOpen, StatusAgreed, StatusResolved}
)

// Stage is a column of the board: a step of the journey over time. Entered and Completed
// are how many people entered the stage and got through it, for the funnel; 0 when not
// measured.
type Stage struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Order     string `json:"order"`
	Entered   int    `json:"entered,omitempty"`
	Completed int    `json:"completed,omitempty"`
}

// Lane is a row of the board. Role says what the lane means; Label is what people call it.
type Lane struct {
	ID     string   `json:"id"`
	Role   LaneRole `json:"role"`
	Label  string   `json:"label"`
	Order  string   `json:"order"`
	Hidden bool     `json:"hidden,omitempty"`
}

// Card sits in one cell (stage × lane). Minutes are zero when unknown; a time may be a
// range, from ActiveMinutes to ActiveMax (WaitMinutes to WaitMax), a top of 0 meaning no
// range. Emotion is a score from -2 to +2 used on the emotion lane. Evidence says how the
// team knows the card (EvidenceLevels, or "" when it does not say), Manual that it is a
// manual or paper step, Milestone whether the journey's first contact or value moment is
// here (launch.go).
type Card struct {
	ID            string `json:"id"`
	Stage         string `json:"stage"`
	Lane          string `json:"lane"`
	Order         string `json:"order"`
	Text          string `json:"text"`
	Team          string `json:"team,omitempty"`
	Kind          string `json:"kind"`
	ActiveMinutes int    `json:"active_minutes,omitempty"`
	WaitMinutes   int    `json:"wait_minutes,omitempty"`
	Detail        string `json:"detail,omitempty"`
	Emotion       int    `json:"emotion,omitempty"`
	ActiveMax     int    `json:"active_minutes_max,omitempty"`
	WaitMax       int    `json:"wait_minutes_max,omitempty"`
	Evidence      string `json:"evidence,omitempty"`
	Manual        bool   `json:"manual,omitempty"`
	Milestone     string `json:"milestone,omitempty"`
}

// Team owns cards; its colour is a CSS hex colour (#rrggbb).
type Team struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// Link joins two cards: a handoff (From passes to To) or a dependency (both ways).
// Owner is the id of the team that owns the link, or empty when nobody does; Holder the
// person who holds it for them. Risk is a risk accepted instead of resolving it; AckFrom
// and AckTo are the acknowledgements of the teams of the From and To cards.
type Link struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	From     string     `json:"from"`
	To       string     `json:"to"`
	Critical bool       `json:"critical,omitempty"`
	Status   string     `json:"status"`
	Owner    string     `json:"owner,omitempty"`
	Holder   string     `json:"holder,omitempty"`
	Risk     Acceptance `json:"risk,omitzero"`
	AckFrom  Ack        `json:"ack_from,omitzero"`
	AckTo    Ack        `json:"ack_to,omitzero"`
}

// Board is the current state of one board: the result of applying its op log, in
// sequence order, to an empty board. Seq is the sequence of the last applied op.
type Board struct {
	ID        string
	Title     string
	Template  string
	Seq       int64
	CreatedAt time.Time
	UpdatedAt time.Time

	Stages map[string]*Stage
	Lanes  map[string]*Lane
	Cards  map[string]*Card
	Teams  map[string]*Team
	Links  map[string]*Link

	// Framing is the board's one-page framing and launch (launch.go).
	Framing Framing

	// Annotations are the board's comments and markers, apart from the document: board
	// ops, their cascades and undo never touch them (annotation.go).
	Annotations Annotations
}

// Clone returns a deep copy of b: changing one never changes the other.
func (b *Board) Clone() *Board {
	c := *b
	c.Stages, c.Lanes, c.Cards = cloneAll(b.Stages), cloneAll(b.Lanes), cloneAll(b.Cards)
	c.Teams, c.Links = cloneAll(b.Teams), cloneAll(b.Links)
	c.Framing = b.Framing.clone()
	c.Annotations = b.Annotations.clone()
	return &c
}

// cloneAll copies a map of entities, which hold no references of their own.
func cloneAll[T any](m map[string]*T) map[string]*T {
	out := make(map[string]*T, len(m))
	for k, v := range m {
		x := *v
		out[k] = &x
	}
	return out
}

// NewBoard returns an empty board.
func NewBoard(id, title, template string) *Board {
	return &Board{
		ID: id, Title: title, Template: template,
		Stages: map[string]*Stage{}, Lanes: map[string]*Lane{}, Cards: map[string]*Card{},
		Teams: map[string]*Team{}, Links: map[string]*Link{}, Annotations: newAnnotations(),
	}
}

// Build makes the board that BoardService.CreateBoard makes, and the ops of its log: a
// first op that sets the title, then ops, every op on the board naming the new board's
// id (which its caller cannot know), each applied as made by who under the next sequence
// from 1. The board's Seq is that of its last op. A refused op refuses the whole board,
// named by its place in ops.
func Build(id, title, template string, ops []Op, who Origin) (*Board, []Op, error) {
	b := NewBoard(id, "", template)
	all := append([]Op{{Action: ActionUpdate, Type: TypeBoard, ID: id, Fields: Fields{Title: &title}}}, ops...)
	for i := range all {
		if all[i].Type == TypeBoard {
			all[i].ID = id
		}
	}
	for i, op := range all {
		who.Seq = int64(i + 1)
		if err := b.ApplyAs(op, who); err != nil {
			return nil, nil, Errorf(ErrorCode(err), "op %d (%s %s %s): %s", i, Term(op.Action), Term(op.Type), op.ID, err)
		}
	}
	b.Seq = int64(len(all))
	return b, all, nil
}

// BoardSummary is what a list of boards shows.
type BoardSummary struct {
	ID        string
	Title     string
	Template  string
	Seq       int64
	Cards     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func byOrder[T any](m map[string]*T, key func(*T) (string, string)) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *T) int {
		ao, aid := key(a)
		bo, bid := key(b)
		return cmp.Or(cmp.Compare(ao, bo), cmp.Compare(aid, bid))
	})
	return out
}

// SortedStages returns the stages left to right.
func (b *Board) SortedStages() []*Stage {
	return byOrder(b.Stages, func(s *Stage) (string, string) { return s.Order, s.ID })
}

// SortedLanes returns the lanes top to bottom.
func (b *Board) SortedLanes() []*Lane {
	return byOrder(b.Lanes, func(l *Lane) (string, string) { return l.Order, l.ID })
}

// SortedCards returns every card, ordered by order key then id.
func (b *Board) SortedCards() []*Card {
	return byOrder(b.Cards, func(c *Card) (string, string) { return c.Order, c.ID })
}

// SortedTeams returns the teams by name.
func (b *Board) SortedTeams() []*Team {
	return byOrder(b.Teams, func(t *Team) (string, string) { return t.Name, t.ID })
}

// SortedLinks returns the links by id.
func (b *Board) SortedLinks() []*Link {
	return byOrder(b.Links, func(l *Link) (string, string) { return l.ID, "" })
}

// CellCards returns the cards of one cell, top to bottom.
func (b *Board) CellCards() map[[2]string][]*Card {
	cells := map[[2]string][]*Card{}
	for _, c := range b.SortedCards() {
		k := [2]string{c.Stage, c.Lane}
		cells[k] = append(cells[k], c)
	}
	return cells
}

// Line is one of the three lines of a service blueprint, drawn above the lane Before.
type Line struct {
	Name   string // "interaction", "visibility" or "internal_interaction"
	Before string // id of the lane the line is drawn above
}

// Lines returns the blueprint lines for the board's lanes: the line of interaction above
// the first frontstage lane that follows a customer lane, the line of visibility above the
// first backstage lane, and the line of internal interaction above the first support lane.
func (b *Board) Lines() []Line {
	var lines []Line
	seen := map[string]bool{}
	customer := false
	for _, l := range b.SortedLanes() {
		if l.Hidden {
			continue
		}
		name := ""
		switch l.Role {
		case RolePhysicalEvidence, RoleCustomerActions:
			customer = true
		case RoleFrontstage:
			if customer {
				name = "interaction"
			}
		case RoleBackstage:
			name = "visibility"
		case RoleSupport:
			name = "internal_interaction"
		}
		if name != "" && !seen[name] {
			seen[name] = true
			lines = append(lines, Line{Name: name, Before: l.ID})
		}
	}
	return lines
}
