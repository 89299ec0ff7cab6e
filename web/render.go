package web

import (
	"lastmile/internal/blueprint"
)

// The live page draws the board in the browser (web/static/render.js, docs/page.md) from
// the markup the components below render into <template> elements, filled with the
// placeholder entities made here: every optional part present, so that the browser only
// fills texts and attributes and takes away what an entity does not have.

// The ids of the placeholder entities. None can collide with a real entity in a template:
// templates hold nothing else.
const (
	tplStage = "__stage__"
	tplLane  = "__lane__"
	tplTeam  = "__team__"
	tplLink  = "__link__"
)

// Placeholders in the texts of templates that hold values rather than the markup of an
// entity: the browser puts the value in their place.
const (
	phStage = "{stage}"
	phScore = "{score}"
	phCards = "{cards}"
)

// templateSet is what BoardTemplates renders: a board view of placeholder entities, with
// the reader's role, and the parts of it each template shows.
type templateSet struct {
	View     *BoardView
	Stage    *blueprint.Stage
	Row      Row // the lane's row, without cells
	Cell     Cell
	Card     *blueprint.Card
	Team     *blueprint.Team
	Owned    LinkView // a critical dependency with an owner
	Unowned  LinkView // a critical handoff without one
	Curve    *EmotionCurve
	NoPoints *EmotionCurve
}

// newTemplateSet makes the placeholder board for v's reader: one stage, one emotion lane,
// one team, one card with every optional part (team, emotion score, times, detail) and two
// critical links, one with an owner and one without.
func newTemplateSet(v *BoardView) *templateSet {
	b := blueprint.NewBoard(v.Board.ID, v.Board.Title, v.Board.Template)
	stage := &blueprint.Stage{ID: tplStage, Order: "V"}
	lane := &blueprint.Lane{ID: tplLane, Role: blueprint.RoleEmotion, Label: "{label}", Order: "V"}
	team := &blueprint.Team{ID: tplTeam, Color: "#6b7280"}
	card := &blueprint.Card{ID: newCardID, Stage: tplStage, Lane: tplLane, Order: "V", Team: tplTeam, Kind: blueprint.KindNote,
		ActiveMinutes: 1, WaitMinutes: 1, Detail: "-", Emotion: 1,
		Milestone: blueprint.MilestoneFirstContact, Evidence: blueprint.EvidenceAssumed, Manual: true}
	other := &blueprint.Card{ID: newCardID + "2", Stage: tplStage, Lane: tplLane, Order: "W", Kind: blueprint.KindNote}
	b.Stages[stage.ID], b.Lanes[lane.ID], b.Teams[team.ID] = stage, lane, team
	b.Cards[card.ID], b.Cards[other.ID] = card, other
	// Both links hold a holder, an accepted risk and both acknowledgements, whose values
	// are the placeholders the browser fills.
	risk := blueprint.Acceptance{By: "{by}", Reason: "{reason}", On: "{on}"}
	ack := blueprint.Ack{By: "{by}", On: "{on}"}
	owned := &blueprint.Link{ID: tplLink, Kind: blueprint.LinkDependency, From: card.ID, To: other.ID, Critical: true,
		Status: blueprint.StatusOpen, Owner: tplTeam, Holder: "{name}", Risk: risk, AckFrom: ack, AckTo: ack}
	unowned := &blueprint.Link{ID: tplLink + "2", Kind: blueprint.LinkHandoff, From: card.ID, To: other.ID, Critical: true,
		Status: blueprint.StatusOpen, Holder: "{name}", Risk: risk, AckFrom: ack, AckTo: ack}
	b.Links[owned.ID], b.Links[unowned.ID] = owned, unowned

	tv := NewBoardView(b)
	tv.ReadOnly, tv.Role = v.ReadOnly, v.Role
	row := Row{Lane: lane}
	full := Row{Lane: lane, Cells: []Cell{{Stage: stage, Cards: []*blueprint.Card{card}}, {Stage: stage, Cards: []*blueprint.Card{other}}}}
	return &templateSet{
		View: tv, Stage: stage, Row: row, Cell: Cell{Stage: stage}, Card: card, Team: team,
		Owned:   LinkView{Link: owned, Owner: team},
		Unowned: LinkView{Link: unowned},
		// Two points: the cell of the first column holds both the line and the point.
		Curve:    NewEmotionCurve(full),
		NoPoints: NewEmotionCurve(row),
	}
}

// boardTexts are the texts the browser needs to fill the templates, in the reader's
// language: the names of kinds, roles, lines, statuses and link kinds, the words before
// times and scores, and the plural forms of counts with {n} for the number.
func boardTexts(p Page) map[string]any {
	byKey := func(prefix string, keys []string) map[string]string {
		m := make(map[string]string, len(keys))
		for _, k := range keys {
			m[k] = p.L.T(prefix + k)
		}
		return m
	}
	roles := make([]string, len(blueprint.LaneRoles))
	for i, r := range blueprint.LaneRoles {
		roles[i] = string(r)
	}
	plural := func(id string) map[string]string {
		return map[string]string{"one": p.L.Plural(id, 1, "{n}"), "other": p.L.Plural(id, 2, "{n}")}
	}
	return map[string]any{
		"lang":      p.L.Lang(),
		"kind":      byKey("kind.", blueprint.CardKinds),
		"role":      byKey("role.", roles),
		"line":      byKey("line.", []string{"interaction", "visibility", "internal_interaction"}),
		"status":    byKey("status.", blueprint.LinkStatuses),
		"link":      byKey("link.", blueprint.LinkKinds),
		"card":      byKey("card.", []string{"emotion", "active", "wait"}),
		"evidence":  byKey("evidence.", blueprint.EvidenceLevels),
		"milestone": byKey("milestone.", blueprint.Milestones),
		"manual":    p.L.T("mark.manual"),
		"curveOf":   p.L.TD("emotion.curve_of", map[string]any{"Lane": "{lane}"}),
		"anno":      annoBadgeTexts(p),
		"plural": map[string]any{
			"cards": plural("count.cards"), "minutes": plural("time.minutes"),
			"hours": plural("time.hours"), "days": plural("time.days"),
		},
	}
}

// TeamStyles returns the CSS of the team colours the board page renders (the browser tests
// compare the live page's with it).
func TeamStyles(teams []*blueprint.Team) string { return teamStyles(teams) }
