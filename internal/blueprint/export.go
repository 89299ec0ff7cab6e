package blueprint

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// The export format. Version grows when the meaning of the format changes; a reader
// refuses versions newer than it knows rather than guess.
const (
	ExportFormat  = "lastmile"
	ExportVersion = 1
)

// Export is a whole board as lastmile JSON: the format of GET /api/boards/{id}, of
// POST /api/boards with a board to import, and of the state stored beside the op log.
// Lists are sorted (stages and lanes by order, cards by order then id, teams by name,
// links by id) so that equal boards export byte-for-byte equal.
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
}

// Export returns the board as lastmile JSON.
func (b *Board) Export() *Export {
	return &Export{
		Format: ExportFormat, Version: ExportVersion,
		ID: b.ID, Title: b.Title, Template: b.Template, Seq: b.Seq,
		Stages: b.SortedStages(), Lanes: b.SortedLanes(), Cards: b.SortedCards(),
		Teams: b.SortedTeams(), Links: b.SortedLinks(),
	}
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
		{"links", slices.Index(e.Links, nil)},
	} {
		if list.at >= 0 {
			return Errorf(EINVALID, "item %d of %s is null, not an object", list.at+1, list.name)
		}
	}
	return checkText("title", e.Title, MaxNameLen)
}

// Ops returns the ops that rebuild the export's content on an empty board: teams, stages,
// lanes, cards, then links, so that every reference exists when it is used.
func (e *Export) Ops() []Op {
	var ops []Op
	add := func(typ, id string, f Fields) {
		ops = append(ops, Op{Action: ActionCreate, Type: typ, ID: id, Fields: f})
	}
	for _, t := range e.Teams {
		add(TypeTeam, t.ID, Fields{Name: ptr(t.Name), Color: ptr(t.Color)})
	}
	for _, s := range e.Stages {
		add(TypeStage, s.ID, Fields{Name: ptr(s.Name), Order: ptr(s.Order)})
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
		add(TypeLink, l.ID, f)
	}
	return ops
}

// Board rebuilds a board from the export by applying its ops, so an export is held to
// every rule an edit is. The board's Seq is the export's.
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
	b.Seq = e.Seq
	return b, nil
}

// MarshalBoard encodes the board's state as lastmile JSON.
func MarshalBoard(b *Board) ([]byte, error) { return json.Marshal(b.Export()) }

func ptr[T any](v T) *T { return &v }
