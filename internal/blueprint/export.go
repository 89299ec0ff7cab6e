package blueprint

import (
	"cmp"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// The export format. Version grows when the meaning of the format changes; a reader
// refuses versions newer than it knows rather than guess, and reads every older one.
// Version 2 may name imported people (identities "i:…", see ImportedPerson), which
// version 1 never held; its import recreates the annotations, which version 1's dropped.
// Both read the same way (docs/export.md).
const (
	ExportFormat  = "lastmile"
	ExportVersion = 2
)

// Export is a whole board as lastmile JSON: the format of GET /api/boards/{id}, of
// POST /api/boards with a board to import, and of the state stored beside the op log.
// Lists are sorted (stages and lanes by order, cards by order then id, teams by name,
// links by id, comments and markers in the order they were made) so that equal boards
// export byte-for-byte equal. Comments and markers, the board's annotations, are absent
// when there are none.
type Export struct {
	Format   string   `json:"format"`
	Version  int      `json:"version"`
	ID       string   `json:"id,omitempty"`
	Title    string   `json:"title"`
	Template string   `json:"template,omitempty"`
	Seq      int64    `json:"seq"`
	Stages   []*Stage `json:"stages"`
	Lanes    []*Lane  `json:"lanes"`
	Cards    []*Card  `json:"cards"`
	Teams    []*Team  `json:"teams"`
	Links    []*Link  `json:"links"`
	// Framing is the board's framing and launch, absent when nothing of it is set (and
	// in exports made before it existed).
	Framing *Framing `json:"framing,omitempty"`

	Comments []*Comment `json:"comments,omitempty"`
	Markers  []*Marker  `json:"markers,omitempty"`
}

// Export returns the board as lastmile JSON.
func (b *Board) Export() *Export {
	return &Export{
		Format: ExportFormat, Version: ExportVersion,
		ID: b.ID, Title: b.Title, Template: b.Template, Seq: b.Seq,
		Stages: b.SortedStages(), Lanes: b.SortedLanes(), Cards: b.SortedCards(),
		Teams: b.SortedTeams(), Links: b.SortedLinks(),
		Comments: b.SortedComments(), Markers: b.SortedMarkers(), Framing: framingOrNil(b.Framing),
	}
}

func framingOrNil(f Framing) *Framing {
	if f.IsZero() {
		return nil
	}
	f = f.clone()
	return &f
}

// FramingOp returns the board op that sets the export's framing on the board id, and
// whether there is a framing to set. Ops leaves it out: a board op names its board, and
// an import makes a board of another id.
func (e *Export) FramingOp(id string) (Op, bool) {
	if e.Framing == nil || e.Framing.IsZero() {
		return Op{}, false
	}
	f, fr := Fields{}, e.Framing
	set := func(p **string, v string) {
		if v != "" {
			*p = ptr(v)
		}
	}
	if fr.LaunchCandidate {
		f.LaunchCandidate = ptr(true)
	}
	set(&f.LaunchDate, fr.LaunchDate)
	set(&f.Problem, fr.Problem)
	if len(fr.DailyUsers) > 0 {
		f.DailyUsers = ptr(slices.Clone(fr.DailyUsers))
	}
	set(&f.MinimumUseful, fr.MinimumUseful)
	set(&f.Deadline, fr.Deadline)
	set(&f.CheckIn, fr.CheckIn)
	return Op{Action: ActionUpdate, Type: TypeBoard, ID: id, Fields: f}, true
}

// DecodeExport reads lastmile JSON strictly: unknown fields, another format or a newer
// version are refused with a message naming the problem.
func DecodeExport(data []byte) (*Export, error) {
	if !utf8.Valid(data) {
		return nil, Errorf(EINVALID, "the body is not valid UTF-8")
	}
	var e Export
	if err := DecodeStrict(data, &e); err != nil {
		return nil, err
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return &e, nil
}

func (e *Export) check() error {
	if e.Format != ExportFormat {
		return Errorf(EINVALID, "not a lastmile export: format is %q, expected %q", truncate(e.Format, 40), ExportFormat)
	}
	if e.Version > ExportVersion {
		return Errorf(EINVALID, "this export has version %d, made by a newer lastmile; this server reads up to version %d", e.Version, ExportVersion)
	}
	if e.Version < 1 {
		return Errorf(EINVALID, "the export has no valid version")
	}
	// A null in a list decodes to a nil item, which Ops would dereference.
	for _, list := range []struct {
		name string
		at   int
	}{
		{"stages", slices.Index(e.Stages, nil)}, {"lanes", slices.Index(e.Lanes, nil)},
		{"cards", slices.Index(e.Cards, nil)}, {"teams", slices.Index(e.Teams, nil)},
		{"links", slices.Index(e.Links, nil)}, {"comments", slices.Index(e.Comments, nil)},
		{"markers", slices.Index(e.Markers, nil)},
	} {
		if list.at >= 0 {
			return Errorf(EINVALID, "item %d of %s is null, not an object", list.at+1, list.name)
		}
	}
	return checkText("title", e.Title, MaxNameLen)
}

// Ops returns the ops that rebuild the export's board document on an empty board: teams,
// stages, lanes, cards, then links, so that every reference exists when it is used. The
// annotations are not among them: Import adds them, as imported (imported.go); a copy
// of a board or a template leaves them out (Board restores them, for the server's own
// state).
func (e *Export) Ops() []Op {
	var ops []Op
	add := func(typ, id string, f Fields) {
		ops = append(ops, Op{Action: ActionCreate, Type: typ, ID: id, Fields: f})
	}
	for _, t := range e.Teams {
		add(TypeTeam, t.ID, Fields{Name: ptr(t.Name), Color: ptr(t.Color)})
	}
	for _, s := range e.Stages {
		f := Fields{Name: ptr(s.Name), Order: ptr(s.Order)}
		f.Entered, f.Completed = nonZero(s.Entered), nonZero(s.Completed)
		add(TypeStage, s.ID, f)
	}
	for _, l := range e.Lanes {
		f := Fields{Role: ptr(string(l.Role)), Label: ptr(l.Label), Order: ptr(l.Order)}
		if l.Hidden {
			f.Hidden = ptr(true)
		}
		add(TypeLane, l.ID, f)
	}
	for _, c := range e.Cards {
		f := Fields{Stage: ptr(c.Stage), Lane: ptr(c.Lane), Order: ptr(c.Order), Text: ptr(c.Text), Kind: ptr(c.Kind)}
		if c.Team != "" {
			f.Team = ptr(c.Team)
		}
		if c.ActiveMinutes != 0 {
			f.ActiveMinutes = ptr(c.ActiveMinutes)
		}
		if c.WaitMinutes != 0 {
			f.WaitMinutes = ptr(c.WaitMinutes)
		}
		if c.Detail != "" {
			f.Detail = ptr(c.Detail)
		}
		if c.Emotion != 0 {
			f.Emotion = ptr(c.Emotion)
		}
		f.ActiveMax, f.WaitMax = nonZero(c.ActiveMax), nonZero(c.WaitMax)
		f.Evidence, f.Milestone = nonZero(c.Evidence), nonZero(c.Milestone)
		if c.Manual {
			f.Manual = ptr(true)
		}
		add(TypeCard, c.ID, f)
	}
	for _, l := range e.Links {
		f := Fields{Kind: ptr(l.Kind), From: ptr(l.From), To: ptr(l.To), Status: ptr(l.Status)}
		if l.Critical {
			f.Critical = ptr(true)
		}
		if l.Owner != "" {
			f.Owner = ptr(l.Owner)
		}
		f.Holder, f.Risk = nonZero(l.Holder), nonZero(l.Risk)
		f.AckFrom, f.AckTo = nonZero(l.AckFrom), nonZero(l.AckTo)
		add(TypeLink, l.ID, f)
	}
	return ops
}

// Board rebuilds a board from the export by applying its ops, so an export is held to
// every rule an edit is, and restores its annotations as they are, each checked as an
// op that makes it would be. The board's Seq is the export's.
func (e *Export) Board() (*Board, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	b := NewBoard(e.ID, e.Title, e.Template)
	for i, op := range e.Ops() {
		if err := b.Apply(op); err != nil {
			return nil, Errorf(ErrorCode(err), "item %d of the export (%s %s): %s", i+1, Term(op.Type), op.ID, err)
		}
	}
	if op, ok := e.FramingOp(cmp.Or(b.ID, TypeBoard)); ok { // the id only passes Validate
		if err := op.Validate(); err != nil {
			return nil, Errorf(ErrorCode(err), "the export's framing: %s", err)
		}
		b.writeBoard(op.Fields)
	}
	if err := e.restoreAnnotations(b); err != nil {
		return nil, err
	}
	b.Seq = e.Seq
	return b, nil
}

// restoreAnnotations puts the export's comments and markers in b, refusing what an op
// could not have made: a repeated id, a bad anchor, text or value, a reply whose thread
// is not there. Anchors may be gone from the board: annotations outlive their cards.
func (e *Export) restoreAnnotations(b *Board) error {
	bad := func(what string, id string, err error) error {
		return Errorf(ErrorCode(err), "%s %q of the export: %s", Term(what), truncate(id, 80), err)
	}
	// In the order the export is written in, whatever the order of the document: a reply
	// comes after the first comment of its thread.
	comments := slices.Clone(e.Comments)
	slices.SortStableFunc(comments, func(a, b *Comment) int { return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.ID, b.ID)) })
	for _, c := range comments {
		op := Op{Action: ActionCreate, Type: TypeComment, ID: c.ID, Fields: Fields{Anchor: &c.Anchor, Text: &c.Text}}
		if c.Mentions != nil {
			op.Fields.Mentions = &c.Mentions
		}
		if c.Deleted {
			op.Fields.Text = ptr("-") // a deleted comment has no text
		}
		if err := op.Validate(); err != nil {
			return bad(TypeComment, c.ID, err)
		}
		if b.Annotations.Comments[c.ID] != nil {
			return bad(TypeComment, c.ID, Errorf(ECONFLICT, "a %s with id %q already exists", Term(TypeComment), c.ID))
		}
		if !ValidPerson(c.By) {
			return bad(TypeComment, c.ID, Errorf(EINVALID, "a comment names its author"))
		}
		if c.Deleted && c.Text != "" {
			return bad(TypeComment, c.ID, Errorf(EINVALID, "a deleted comment has no text"))
		}
		if c.Parent != "" {
			if root := b.Annotations.Comments[c.Parent]; root == nil || root.Parent != "" || root.Anchor != c.Anchor {
				return bad(TypeComment, c.ID, Errorf(EINVALID, "a reply comes after the first comment of its thread, on its anchor"))
			}
			if c.Resolved {
				return bad(TypeComment, c.ID, Errorf(EINVALID, "a thread is resolved or reopened by its first comment"))
			}
		}
		x := *c
		x.Mentions = slices.Clone(c.Mentions)
		b.Annotations.Comments[c.ID] = &x
	}
	for _, m := range e.Markers {
		op := Op{Action: ActionCreate, Type: TypeMarker, ID: m.ID, Fields: Fields{Anchor: &m.Anchor, Severity: &m.Severity,
			Kind: &m.Kind, Text: &m.Text, Evidence: &m.Evidence}}
		if err := op.Validate(); err != nil {
			return bad(TypeMarker, m.ID, err)
		}
		if b.Annotations.Markers[m.ID] != nil {
			return bad(TypeMarker, m.ID, Errorf(ECONFLICT, "a %s with id %q already exists", Term(TypeMarker), m.ID))
		}
		if !ValidPerson(m.By) || slices.ContainsFunc(m.PlusOnes, func(p PlusOne) bool { return !ValidPerson(p.By) }) {
			return bad(TypeMarker, m.ID, Errorf(EINVALID, "a marker and its +1s name their authors"))
		}
		if m.Resolved != (m.Resolution != "") {
			return bad(TypeMarker, m.ID, Errorf(EINVALID, "a resolved marker says how it was resolved, and only a resolved one"))
		}
		if err := checkText("resolution", m.Resolution, MaxResolutionLen); err != nil {
			return bad(TypeMarker, m.ID, err)
		}
		if len(m.PlusOnes) > MaxPlusOnes {
			return bad(TypeMarker, m.ID, Errorf(ETOOLARGE, "a marker holds at most %d +1s", MaxPlusOnes))
		}
		for i, p := range m.PlusOnes {
			if p.By == m.By || slices.ContainsFunc(m.PlusOnes[:i], func(q PlusOne) bool { return q.By == p.By }) {
				return bad(TypeMarker, m.ID, Errorf(EINVALID, "a marker has one +1 of each person but its author"))
			}
		}
		x := *m
		x.PlusOnes = slices.Clone(m.PlusOnes)
		b.Annotations.Markers[m.ID] = &x
	}
	if len(b.Annotations.Comments) > MaxComments || len(b.Annotations.Markers) > MaxMarkers {
		return Errorf(ETOOLARGE, "the export holds more comments or markers than a board may")
	}
	return nil
}

// MarshalBoard encodes the board's state as lastmile JSON.
func MarshalBoard(b *Board) ([]byte, error) { return json.Marshal(b.Export()) }

func ptr[T any](v T) *T { return &v }

// nonZero returns a pointer to v, or nil for the zero value: a field an export's op
// leaves out.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
