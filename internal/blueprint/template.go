package blueprint

import (
	"fmt"
	"slices"
)

// Template names.
const (
	TemplateServiceBlueprint = "service-blueprint"
	TemplateJourneyMap       = "journey-map"
	TemplateSalesCycle       = "sales-cycle"
	TemplateBlank            = "blank"
)

// Templates lists the templates a board can start from, in the order a menu shows them.
var Templates = []string{TemplateServiceBlueprint, TemplateJourneyMap, TemplateSalesCycle, TemplateBlank}

// Translate returns the text for a message id in the reader's language, or fallback
// (English) when it has none. Templates use it to name lanes and stages.
type Translate func(id, fallback string) string

type named struct{ id, en string }

type laneSpec struct {
	role LaneRole
	name named
}

type teamSpec struct {
	id, color string
	name      named
}

type templateSpec struct {
	title  named
	stages []named
	lanes  []laneSpec
	teams  []teamSpec
}

var canonicalLanes = []laneSpec{
	{RolePhysicalEvidence, named{"lane.physical_evidence", "Physical evidence"}},
	{RoleCustomerActions, named{"lane.customer_actions", "Customer actions"}},
	{RoleFrontstage, named{"lane.frontstage", "Frontstage"}},
	{RoleBackstage, named{"lane.backstage", "Backstage"}},
	{RoleSupport, named{"lane.support", "Support processes"}},
}

var templates = map[string]templateSpec{
	TemplateServiceBlueprint: {
		title: named{"template.service-blueprint.title", "Service blueprint"},
		stages: []named{
			{"template.service-blueprint.stage1", "Discover"},
			{"template.service-blueprint.stage2", "Order"},
			{"template.service-blueprint.stage3", "Receive"},
			{"template.service-blueprint.stage4", "Use"},
			{"template.service-blueprint.stage5", "Get help"},
		},
		lanes: canonicalLanes,
	},
	TemplateJourneyMap: {
		title: named{"template.journey-map.title", "Customer journey map"},
		stages: []named{
			{"template.journey-map.stage1", "Become aware"},
			{"template.journey-map.stage2", "Consider"},
			{"template.journey-map.stage3", "Decide"},
			{"template.journey-map.stage4", "Buy"},
			{"template.journey-map.stage5", "Use"},
		},
		lanes: []laneSpec{
			{RolePhysicalEvidence, named{"lane.touchpoints", "Touchpoints"}},
			{RoleCustomerActions, named{"lane.customer_actions", "Customer actions"}},
			{RoleEmotion, named{"lane.emotion", "Emotion"}},
			{RolePainPoints, named{"lane.pain_points", "Pain points"}},
			{RoleOpportunities, named{"lane.opportunities", "Opportunities"}},
		},
	},
	TemplateSalesCycle: {
		title: named{"template.sales-cycle.title", "Sales cycle"},
		stages: []named{
			{"template.sales-cycle.stage1", "First contact"},
			{"template.sales-cycle.stage2", "Qualification"},
			{"template.sales-cycle.stage3", "Discovery & demo"},
			{"template.sales-cycle.stage4", "Proposal"},
			{"template.sales-cycle.stage5", "Signature"},
			{"template.sales-cycle.stage6", "Onboarding"},
		},
		lanes: []laneSpec{
			{RoleCustomerActions, named{"lane.customer", "Customer"}},
			{RoleFrontstage, named{"lane.marketing", "Marketing"}},
			{RoleFrontstage, named{"lane.sales", "Sales"}},
			{RoleFrontstage, named{"lane.customer_success", "Customer success"}},
			{RoleSupport, named{"lane.crm", "CRM and tools"}},
		},
		teams: []teamSpec{
			{"team-marketing", "#d97706", named{"team.marketing", "Marketing"}},
			{"team-sales", "#2563eb", named{"team.sales", "Sales"}},
			{"team-success", "#059669", named{"team.customer_success", "Customer success"}},
		},
	},
	TemplateBlank: {title: named{"template.blank.title", "Untitled board"}},
}

// TemplateOps returns the title of a new board made from the named template and the ops
// that build it, with lane and stage names in the reader's language. An unknown name is
// EINVALID.
func TemplateOps(name string, tr Translate) (string, []Op, error) {
	spec, ok := templates[name]
	if !ok {
		return "", nil, Errorf(EINVALID, "unknown template %q: expected one of %v", truncate(name, 40), Templates)
	}
	if tr == nil {
		tr = func(_, fallback string) string { return fallback }
	}
	var ops []Op
	for _, t := range spec.teams {
		ops = append(ops, Op{Action: ActionCreate, Type: TypeTeam, ID: t.id,
			Fields: Fields{Name: ptr(tr(t.name.id, t.name.en)), Color: ptr(t.color)}})
	}
	stageKeys, _ := KeysBetween("", "", len(spec.stages))
	for i, s := range spec.stages {
		ops = append(ops, Op{Action: ActionCreate, Type: TypeStage, ID: idf("stage", i),
			Fields: Fields{Name: ptr(tr(s.id, s.en)), Order: ptr(stageKeys[i])}})
	}
	laneKeys, _ := KeysBetween("", "", len(spec.lanes))
	for i, l := range spec.lanes {
		ops = append(ops, Op{Action: ActionCreate, Type: TypeLane, ID: idf("lane", i),
			Fields: Fields{Role: ptr(string(l.role)), Label: ptr(tr(l.name.id, l.name.en)), Order: ptr(laneKeys[i])}})
	}
	return tr(spec.title.id, spec.title.en), ops, nil
}

// ValidTemplate reports whether name is a known template.
func ValidTemplate(name string) bool { return slices.Contains(Templates, name) }

func idf(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i+1) }
