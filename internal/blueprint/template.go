package blueprint

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
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

// Limits on the templates people save from their boards (docs/templates.md).
const (
	MaxTemplatesPerOwner   = 50      // templates one account keeps
	MaxTemplateDescription = 1000    // a template's description (characters)
	MaxTemplateBytes       = 8 << 20 // a template's document as lastmile JSON, the limit of an import
	MaxSharedListed        = 200     // shared templates a list offers, the newest
	templateIDPrefix       = "tpl"   // begins a saved template's id, never a built-in's name
)

// SavedTemplate is a template someone saved from a board: a frozen copy of the board's
// document (see TemplateDocument), which new boards start from. A private one is its
// owner's alone; a shared one is offered to everyone who may make boards on the server.
type SavedTemplate struct {
	ID          string
	Owner       string // the owner's user id
	OwnerName   string // the owner's display name, for others' lists
	Name        string
	Description string
	Shared      bool
	Kind        string // the built-in template the board started from, or ""
	Cards       int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TemplateChange is a change of a saved template's name, description or sharing; a nil
// field is left as it is.
type TemplateChange struct {
	Name        *string
	Description *string
	Shared      *bool
}

// NewTemplateID returns the id of a new saved template from random letters (ValidID):
// it starts with "tpl", and no built-in template's name does.
func NewTemplateID(random string) string { return templateIDPrefix + random }

// IsSavedTemplateID reports whether id may name a saved template rather than a built-in
// one.
func IsSavedTemplateID(id string) bool {
	return strings.HasPrefix(id, templateIDPrefix) && ValidID(id) && !ValidTemplate(id)
}

// CheckTemplateText checks a template's name (1 to MaxNameLen characters, on one line)
// and description (up to MaxTemplateDescription), given without their outer spaces.
func CheckTemplateText(name, description string) error {
	if name == "" {
		return Errorf(EINVALID, "a template needs a name")
	}
	if err := checkField("name", name, MaxNameLen); err != nil {
		return err
	}
	if strings.ContainsAny(name, "\r\n") {
		return Errorf(EINVALID, "%s is a name on one line", Term("name"))
	}
	return checkField("description", description, MaxTemplateDescription)
}

// checkField is checkText for a field named by a term of the vocabulary, which messages
// name in the reader's language.
func checkField(what Term, v string, max int) error { return checkText(string(what), v, max) }

// TemplateDocument returns the document of a template saved from b: its export without
// its id, sequence or annotations (a template is a starting point; comments, markers and
// +1s are what people said of one board), which Export.Ops rebuilds on each new board.
// A document larger than MaxTemplateBytes is ETOOLARGE.
func TemplateDocument(b *Board) ([]byte, error) {
	e := b.Export()
	e.ID, e.Seq, e.Comments, e.Markers = "", 0, nil, nil
	data, err := json.Marshal(e)
	if err != nil {
		return nil, Internal(err)
	}
	if len(data) > MaxTemplateBytes {
		return nil, Errorf(ETOOLARGE, "this board is too large to be a template: %d bytes of JSON, the limit is %d", len(data), MaxTemplateBytes)
	}
	return data, nil
}

// TemplateBoardOps returns the ops that make a new board from a saved template's
// document: its document's and its framing's (on the board; see
// BoardService.CreateBoard). A document that is not one is EINTERNAL: the server wrote it.
func TemplateBoardOps(document []byte) (*Export, []Op, error) {
	e, err := DecodeExport(document)
	if err != nil {
		return nil, nil, Internal(err)
	}
	ops := e.Ops()
	if op, ok := e.FramingOp(TypeBoard); ok {
		ops = append(ops, op)
	}
	return e, ops, nil
}
