package blueprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Op actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// Entity types an op can touch.
const (
	TypeBoard = "board"
	TypeStage = "stage"
	TypeLane  = "lane"
	TypeCard  = "card"
	TypeTeam  = "team"
	TypeLink  = "link"
)

// BoardTypes are the types of the board document, which undo and the cascades know;
// AnnotationTypes (annotation.go) are the others.
var BoardTypes = []string{TypeBoard, TypeStage, TypeLane, TypeCard, TypeTeam, TypeLink}

// Limits on what one op and one board may hold. They are part of the documented
// protocol (docs/protocol.md).
const (
	MaxIDLen       = 64
	MaxKeyLen      = 128
	MaxNameLen     = 200  // titles, stage names, lane labels, team names (characters)
	MaxTextLen     = 4000 // card text (characters)
	MaxDetailLen   = 10000
	MaxMinutes     = 525600 // one year
	MaxStages      = 200
	MaxLanes       = 50
	MaxCards       = 5000
	MaxTeams       = 100
	MaxLinks       = 5000
	MaxOpsPerBatch = 500
	MinEmotion     = -2 // a card's emotion score, from MinEmotion to MaxEmotion
	MaxEmotion     = 2
)

// Op is one edit of a board, in the closed vocabulary: create, update or delete one entity.
// Fields holds the fields to set; an update sets only the fields it names (last writer wins
// per field, in server order). Key is the idempotency key chosen by the client (client id
// and client op number): an op whose key the board already holds is not applied again.
type Op struct {
	Key    string `json:"key,omitempty"`
	Action string `json:"op"`
	Type   string `json:"type"`
	ID     string `json:"id"`
	Fields Fields `json:"fields,omitzero"`
}

// Fields are the settable fields of every entity type; which ones an op may carry depends
// on its type. A nil pointer means "not set by this op". Team and Owner set to "" clear
// the reference; minutes set to 0 clear the time.
type Fields struct {
	Title         *string `json:"title,omitempty"`
	Name          *string `json:"name,omitempty"`
	Role          *string `json:"role,omitempty"`
	Label         *string `json:"label,omitempty"`
	Hidden        *bool   `json:"hidden,omitempty"`
	Order         *string `json:"order,omitempty"`
	Stage         *string `json:"stage,omitempty"`
	Lane          *string `json:"lane,omitempty"`
	Text          *string `json:"text,omitempty"`
	Team          *string `json:"team,omitempty"`
	Kind          *string `json:"kind,omitempty"`
	ActiveMinutes *int    `json:"active_minutes,omitempty"`
	WaitMinutes   *int    `json:"wait_minutes,omitempty"`
	Detail        *string `json:"detail,omitempty"`
	Emotion       *int    `json:"emotion,omitempty"`
	Color         *string `json:"color,omitempty"`
	From          *string `json:"from,omitempty"`
	To            *string `json:"to,omitempty"`
	Critical      *bool   `json:"critical,omitempty"`
	Status        *string `json:"status,omitempty"`
	Owner         *string `json:"owner,omitempty"`

	// The fields of annotations (comments, markers; annotation.go). Kind and Text above
	// are theirs too: a marker's kind of friction, a comment's or a marker's text.
	Anchor     *Anchor   `json:"anchor,omitempty"`
	Parent     *string   `json:"parent,omitempty"`
	Mentions   *[]string `json:"mentions,omitempty"`
	Severity   *string   `json:"severity,omitempty"`
	Evidence   *string   `json:"evidence,omitempty"`
	Resolved   *bool     `json:"resolved,omitempty"`
	Resolution *string   `json:"resolution,omitempty"`
	// Imported is only in the op of an import that recreates a comment or a marker
	// (imported.go); Permit refuses it from anyone who sends it.
	Imported *Imported `json:"imported,omitempty"`

	// The facts the last-mile analysis reads (launch.go): the board's framing and launch,
	// a stage's volumes, a card's range of times, milestone and manual flag (its evidence
	// level is Evidence above), a link's holder, accepted risk and acknowledgements.
	LaunchCandidate *bool       `json:"launch_candidate,omitempty"`
	LaunchDate      *string     `json:"launch_date,omitempty"`
	Problem         *string     `json:"problem,omitempty"`
	DailyUsers      *[]string   `json:"daily_users,omitempty"`
	MinimumUseful   *string     `json:"minimum_useful,omitempty"`
	Deadline        *string     `json:"deadline,omitempty"`
	CheckIn         *string     `json:"check_in,omitempty"`
	Entered         *int        `json:"entered,omitempty"`
	Completed       *int        `json:"completed,omitempty"`
	ActiveMax       *int        `json:"active_minutes_max,omitempty"`
	WaitMax         *int        `json:"wait_minutes_max,omitempty"`
	Manual          *bool       `json:"manual,omitempty"`
	Milestone       *string     `json:"milestone,omitempty"`
	Holder          *string     `json:"holder,omitempty"`
	Risk            *Acceptance `json:"risk,omitempty"`
	AckFrom         *Ack        `json:"ack_from,omitempty"`
	AckTo           *Ack        `json:"ack_to,omitempty"`
}

// names lists the JSON names of the fields that are set.
func (f Fields) names() []string {
	var n []string
	add := func(set bool, name string) {
		if set {
			n = append(n, name)
		}
	}
	add(f.Title != nil, "title")
	add(f.Name != nil, "name")
	add(f.Role != nil, "role")
	add(f.Label != nil, "label")
	add(f.Hidden != nil, "hidden")
	add(f.Order != nil, "order")
	add(f.Stage != nil, "stage")
	add(f.Lane != nil, "lane")
	add(f.Text != nil, "text")
	add(f.Team != nil, "team")
	add(f.Kind != nil, "kind")
	add(f.ActiveMinutes != nil, "active_minutes")
	add(f.WaitMinutes != nil, "wait_minutes")
	add(f.Detail != nil, "detail")
	add(f.Emotion != nil, "emotion")
	add(f.Color != nil, "color")
	add(f.From != nil, "from")
	add(f.To != nil, "to")
	add(f.Critical != nil, "critical")
	add(f.Status != nil, "status")
	add(f.Owner != nil, "owner")
	add(f.Anchor != nil, "anchor")
	add(f.Parent != nil, "parent")
	add(f.Mentions != nil, "mentions")
	add(f.Severity != nil, "severity")
	add(f.Evidence != nil, "evidence")
	add(f.Resolved != nil, "resolved")
	add(f.Resolution != nil, "resolution")
	add(f.Imported != nil, "imported")
	add(f.LaunchCandidate != nil, "launch_candidate")
	add(f.LaunchDate != nil, "launch_date")
	add(f.Problem != nil, "problem")
	add(f.DailyUsers != nil, "daily_users")
	add(f.MinimumUseful != nil, "minimum_useful")
	add(f.Deadline != nil, "deadline")
	add(f.CheckIn != nil, "check_in")
	add(f.Entered != nil, "entered")
	add(f.Completed != nil, "completed")
	add(f.ActiveMax != nil, "active_minutes_max")
	add(f.WaitMax != nil, "wait_minutes_max")
	add(f.Manual != nil, "manual")
	add(f.Milestone != nil, "milestone")
	add(f.Holder != nil, "holder")
	add(f.Risk != nil, "risk")
	add(f.AckFrom != nil, "ack_from")
	add(f.AckTo != nil, "ack_to")
	return n
}

// allowedFields says which fields each entity type accepts.
var allowedFields = map[string][]string{
	TypeBoard: {"title", "launch_candidate", "launch_date", "problem", "daily_users", "minimum_useful", "deadline", "check_in"},
	TypeStage: {"name", "order", "entered", "completed"},
	TypeLane:  {"role", "label", "hidden", "order"},
	TypeCard: {"stage", "lane", "order", "text", "team", "kind", "active_minutes", "wait_minutes", "detail", "emotion",
		"active_minutes_max", "wait_minutes_max", "evidence", "manual", "milestone"},
	TypeTeam: {"name", "color"},
	TypeLink: {"kind", "from", "to", "critical", "status", "owner", "holder", "risk", "ack_from", "ack_to"},

	TypeComment: {"anchor", "parent", "text", "mentions", "resolved"},
	TypeMarker:  {"anchor", "severity", "kind", "text", "evidence", "resolved", "resolution"},
	TypePlusOne: {},
}

// AllowedFields returns the names of the fields an op on an entity of type typ may
// carry, in the order of docs/protocol.md, or nil for a type that is not one.
func AllowedFields(typ string) []string { return slices.Clone(allowedFields[typ]) }

// Committed is an op as stored in a board's log. Author is its author's display name, By
// their identity (see Origin; empty in ops logged before identities were kept).
type Committed struct {
	Seq    int64     `json:"seq"`
	Author string    `json:"author"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
	Op     Op        `json:"op"`
}

// Origin returns who made the op and when, as its log says: what ApplyAs needs to apply
// it again.
func (c *Committed) Origin() Origin {
	return Origin{Seq: c.Seq, By: c.By, Name: c.Author, At: c.At.UnixMilli()}
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ValidID reports whether s is a well-formed entity id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// DecodeOps reads a JSON array of ops, rejecting unknown fields, trailing data and
// invalid UTF-8 with a message that names the problem.
func DecodeOps(data []byte) ([]Op, error) {
	if !utf8.Valid(data) {
		return nil, Errorf(EINVALID, "the body is not valid UTF-8")
	}
	var ops []Op
	if err := DecodeStrict(data, &ops); err != nil {
		return nil, err
	}
	if len(ops) > MaxOpsPerBatch {
		return nil, Errorf(ETOOLARGE, "a batch holds at most %d ops, got %d", MaxOpsPerBatch, len(ops))
	}
	return ops, nil
}

// DecodeStrict decodes one JSON value into v, refusing unknown fields, a key given twice
// in an object (see duplicateKey) and trailing data. Errors are coded EINVALID with a
// message that says what and where.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(EINVALID, "malformed JSON: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Errorf(EINVALID, "malformed JSON: unexpected data after the value")
	}
	if key, ok := duplicateKey(data); ok {
		return Errorf(EINVALID, "malformed JSON: the key %q appears twice in one object", truncate(key, 40))
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	case errors.As(err, &syn):
		return fmt.Sprintf("%s (at byte %d)", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type), withArticle(typ.Value))
		}
		return fmt.Sprintf("expected %s, not %s", jsonKind(typ.Type), withArticle(typ.Value))
	default:
		return strings.TrimPrefix(err.Error(), "json: ")
	}
}

// jsonKind names, in JSON's terms, what a Go type is decoded from, so that messages do
// not speak of Go types.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a " + t.String()
}

// withArticle puts "a" or "an" before the name of a JSON value ("string", "object", ...).
func withArticle(v string) string {
	if v != "" && strings.ContainsRune("aeiou", rune(v[0])) {
		return "an " + v
	}
	return "a " + v
}

// Validate checks an op's shape — action, type, id, key and the fields allowed for its
// type, with their limits — without looking at any board. Apply calls it too.
func (op *Op) Validate() error {
	switch op.Action {
	case ActionCreate, ActionUpdate, ActionDelete:
	case "":
		return Errorf(EINVALID, `the op is missing "op" (create, update or delete)`)
	default:
		return Errorf(EINVALID, "unknown op %q: expected create, update or delete", op.Action)
	}
	allowed, ok := allowedFields[op.Type]
	if !ok {
		if op.Type == "" {
			return Errorf(EINVALID, `the op is missing "type"`)
		}
		return Errorf(EINVALID, "unknown type %q: expected board, stage, lane, card, team, link, comment, marker or plusone", op.Type)
	}
	if len(op.Key) > MaxKeyLen {
		return Errorf(EINVALID, "the key is longer than %d bytes", MaxKeyLen)
	}
	if !utf8.ValidString(op.Key) {
		return Errorf(EINVALID, "the key is not valid UTF-8")
	}
	if !ValidID(op.ID) {
		if op.ID == "" {
			return Errorf(EINVALID, `the op is missing "id"`)
		}
		return Errorf(EINVALID, "invalid id %q: use 1 to 64 letters, digits, '-' or '_'", truncate(op.ID, 80))
	}
	if op.Type == TypeBoard && op.Action != ActionUpdate {
		return Errorf(EINVALID, "a board can only be updated by an op")
	}
	names := op.Fields.names()
	if op.Action == ActionDelete && len(names) > 0 {
		return Errorf(EINVALID, "a delete op takes no fields")
	}
	if op.Action == ActionUpdate && len(names) == 0 {
		return Errorf(EINVALID, "an update op must set at least one field")
	}
	for _, n := range names {
		if n == "imported" && (op.Type == TypeComment || op.Type == TypeMarker) {
			continue // not a field of the live protocol's: see validateImported
		}
		if !slices.Contains(allowed, n) {
			return Errorf(EINVALID, "a %s has no field %q", Term(op.Type), n)
		}
	}
	if op.Action == ActionUpdate && op.Type == TypeLink && (op.Fields.From != nil || op.Fields.To != nil) {
		return Errorf(EINVALID, "a link's ends cannot change: delete it and draw a new one")
	}
	if err := op.Fields.validate(); err != nil {
		return err
	}
	if err := op.validateAnalysis(); err != nil {
		return err
	}
	return op.validateAnnotation()
}

func (f *Fields) validate() error {
	for _, s := range []struct {
		name string
		v    *string
		max  int
	}{
		{"title", f.Title, MaxNameLen}, {"name", f.Name, MaxNameLen}, {"label", f.Label, MaxNameLen},
		{"text", f.Text, MaxTextLen}, {"detail", f.Detail, MaxDetailLen},
		{"evidence", f.Evidence, MaxEvidenceLen}, {"resolution", f.Resolution, MaxResolutionLen},
	} {
		if s.v == nil {
			continue
		}
		if err := checkText(s.name, *s.v, s.max); err != nil {
			return err
		}
	}
	if f.Role != nil && !slices.Contains(LaneRoles, LaneRole(*f.Role)) {
		return Errorf(EINVALID, "unknown lane role %q", truncate(*f.Role, 40))
	}
	if f.Order != nil && !ValidOrder(*f.Order) {
		return Errorf(EINVALID, "invalid order key %q", truncate(*f.Order, 40))
	}
	for _, r := range []struct {
		name string
		v    *string
		zero bool
	}{{"stage", f.Stage, false}, {"lane", f.Lane, false}, {"team", f.Team, true}, {"from", f.From, false}, {"to", f.To, false}, {"owner", f.Owner, true}} {
		if r.v == nil || (r.zero && *r.v == "") {
			continue
		}
		if !ValidID(*r.v) {
			return Errorf(EINVALID, "invalid %s id %q", r.name, truncate(*r.v, 80))
		}
	}
	if f.Kind != nil && !slices.Contains(CardKinds, *f.Kind) && !slices.Contains(LinkKinds, *f.Kind) && !slices.Contains(FrictionKinds, *f.Kind) {
		return Errorf(EINVALID, "unknown kind %q", truncate(*f.Kind, 40))
	}
	for _, m := range []struct {
		name string
		v    *int
	}{{"active_minutes", f.ActiveMinutes}, {"wait_minutes", f.WaitMinutes}} {
		if m.v != nil && (*m.v < 0 || *m.v > MaxMinutes) {
			return Errorf(EINVALID, "%s must be between 0 and %d", Term(m.name), MaxMinutes)
		}
	}
	if f.Emotion != nil && (*f.Emotion < MinEmotion || *f.Emotion > MaxEmotion) {
		return Errorf(EINVALID, "emotion must be between -2 and +2")
	}
	if f.Color != nil && !colorPattern.MatchString(*f.Color) {
		return Errorf(EINVALID, "invalid colour %q: use #rrggbb", truncate(*f.Color, 20))
	}
	if f.Status != nil && !slices.Contains(LinkStatuses, *f.Status) {
		return Errorf(EINVALID, "unknown link status %q: expected open, agreed or resolved", truncate(*f.Status, 40))
	}
	return nil
}

func checkText(name, v string, max int) error {
	if !utf8.ValidString(v) {
		return Errorf(EINVALID, "%s is not valid UTF-8", Term(name))
	}
	if n := utf8.RuneCountInString(v); n > max {
		return Errorf(ETOOLARGE, "%s is %d characters long; the limit is %d", Term(name), n, max)
	}
	if strings.ContainsRune(v, 0) {
		return Errorf(EINVALID, "%s contains a NUL character", Term(name))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
