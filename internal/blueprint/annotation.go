package blueprint

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Annotation op types: comments, friction markers and +1s on markers. They are ops of the
// board's log like any other — ordered, durable before acknowledged, idempotent, live —
// but they apply to Board.Annotations, which the board document, its cascades and undo
// leave alone (docs/annotations.md).
const (
	TypeComment = "comment" // a comment on an anchor, or a reply in its thread
	TypeMarker  = "marker"  // a friction marker on a card or a cell
	TypePlusOne = "plusone" // the author's +1 on the marker whose id the op names
)

// AnnotationTypes lists the annotation op types.
var AnnotationTypes = []string{TypeComment, TypeMarker, TypePlusOne}

// IsAnnotation reports whether op is an annotation's (comment, marker or +1), which
// commenters may send, rather than an edit of the board document.
func (op *Op) IsAnnotation() bool { return slices.Contains(AnnotationTypes, op.Type) }

// Limits on annotations (docs/protocol.md). A comment's text has the limit of a card's
// text, MaxTextLen.
const (
	MaxMarkerTextLen = 500
	MaxEvidenceLen   = 2000
	MaxResolutionLen = 500
	MaxMentions      = 20
	MaxComments      = 10000 // per board, deleted ones included
	MaxMarkers       = 5000  // per board
	MaxPlusOnes      = 1000  // per marker
)

// Severities of a friction marker, from the least to the most severe.
var Severities = []string{"low", "medium", "high", "blocking"}

// FrictionKinds are the kinds of friction a marker names: a wait, work done again, a
// manual or paper step, missing information, a gap at a handoff or in the tools.
var FrictionKinds = []string{"waiting", "rework", "manual", "missing_info", "handoff_gap", "tool_gap", "other"}

// Anchor is what an annotation is on: a card, a link or a stage by its id, or a cell by its
// stage and lane. It names ids, not places: a moved card keeps its threads, and an
// annotation whose card was deleted comes back with the card when an undo makes it again.
type Anchor struct {
	Card  string `json:"card,omitempty"`
	Link  string `json:"link,omitempty"`
	Stage string `json:"stage,omitempty"` // a stage alone, or a cell's column
	Lane  string `json:"lane,omitempty"`  // a cell's row
}

// Kinds of anchors.
const (
	AnchorCard  = "card"
	AnchorLink  = "link"
	AnchorStage = "stage"
	AnchorCell  = "cell"
)

// Kind returns what the anchor names (AnchorCard, AnchorLink, AnchorStage or AnchorCell),
// or "" when it is not one of them.
func (a Anchor) Kind() string {
	switch {
	case a.Card != "" && a.Link == "" && a.Stage == "" && a.Lane == "":
		return AnchorCard
	case a.Link != "" && a.Card == "" && a.Stage == "" && a.Lane == "":
		return AnchorLink
	case a.Stage != "" && a.Lane != "" && a.Card == "" && a.Link == "":
		return AnchorCell
	case a.Stage != "" && a.Card == "" && a.Link == "" && a.Lane == "":
		return AnchorStage
	}
	return ""
}

// String names the anchor in one word, as the counts per anchor of the JSON API do:
// "card:c1", "link:k1", "stage:s1", "cell:s1/l1".
func (a Anchor) String() string {
	switch a.Kind() {
	case AnchorCard:
		return "card:" + a.Card
	case AnchorLink:
		return "link:" + a.Link
	case AnchorStage:
		return "stage:" + a.Stage
	case AnchorCell:
		return "cell:" + a.Stage + "/" + a.Lane
	}
	return ""
}

// ParseAnchor reads an anchor written as String writes it.
func ParseAnchor(s string) (Anchor, error) {
	kind, rest, _ := strings.Cut(s, ":")
	var a Anchor
	switch kind {
	case AnchorCard:
		a.Card = rest
	case AnchorLink:
		a.Link = rest
	case AnchorStage:
		a.Stage = rest
	case AnchorCell:
		a.Stage, a.Lane, _ = strings.Cut(rest, "/")
	}
	if err := a.validate(); err != nil {
		return Anchor{}, err
	}
	if a.Kind() != kind {
		return Anchor{}, Errorf(EINVALID, "an anchor names a card, a link, a stage, or a cell by its stage and lane")
	}
	return a, nil
}

func (a Anchor) validate() error {
	if a.Kind() == "" {
		return Errorf(EINVALID, "an anchor names a card, a link, a stage, or a cell by its stage and lane")
	}
	for _, id := range []string{a.Card, a.Link, a.Stage, a.Lane} {
		if id != "" && !ValidID(id) {
			return Errorf(EINVALID, "invalid anchor id %q", truncate(id, 80))
		}
	}
	return nil
}

// AnchorExists reports whether what the anchor names is on the board. An annotation whose
// anchor is gone is kept, and shown as on a deleted card (or cell, link, stage).
func (b *Board) AnchorExists(a Anchor) bool {
	switch a.Kind() {
	case AnchorCard:
		return b.Cards[a.Card] != nil
	case AnchorLink:
		return b.Links[a.Link] != nil
	case AnchorStage:
		return b.Stages[a.Stage] != nil
	case AnchorCell:
		return b.Stages[a.Stage] != nil && b.Lanes[a.Lane] != nil
	}
	return false
}

// anchorMissing says which part of an anchor is not on the board.
func (b *Board) anchorMissing(a Anchor) error {
	missing := func(typ, id string) error {
		return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(typ), id)
	}
	switch {
	case a.Card != "" && b.Cards[a.Card] == nil:
		return missing(TypeCard, a.Card)
	case a.Link != "" && b.Links[a.Link] == nil:
		return missing(TypeLink, a.Link)
	case a.Stage != "" && b.Stages[a.Stage] == nil:
		return missing(TypeStage, a.Stage)
	case a.Lane != "" && b.Lanes[a.Lane] == nil:
		return missing(TypeLane, a.Lane)
	}
	return nil
}

// Origin is who made an op and when, as the server stamped it on commit: never what a
// client says. ApplyAs records it in the annotations an op makes or changes; Permit
// checks that the author may make the op.
type Origin struct {
	Seq  int64  // the op's sequence; 0 for an op not yet committed
	By   string // the author's identity (see ValidPerson); "" when unknown
	Name string // the author's display name
	At   int64  // commit time, Unix milliseconds; 0 for an op not yet committed
	// Moderator is set for an author who may delete others' comments and markers (a
	// facilitator). Only Permit reads it: it is not stored, and a replay needs it not.
	Moderator bool
}

// personPattern matches an identity: "u:" and a user id, "g:" and a guest's session
// digest, "c:" and a client id (a server without accounts), "i:" and the digest of a
// person an import named (ImportedPerson).
var personPattern = regexp.MustCompile(`^[ugci]:[A-Za-z0-9_-]{1,64}$`)

// ValidPerson reports whether s is a well-formed identity of a person, as Origin.By and
// a comment's mentions hold.
func ValidPerson(s string) bool { return personPattern.MatchString(s) }

// Comment is a comment on an anchor, or a reply (Parent is the first comment of its
// thread, whose anchor it shares). Seq, By, Author and At are the creating op's origin;
// a deleted comment keeps its place in its thread, without text.
type Comment struct {
	ID         string   `json:"id"`
	Anchor     Anchor   `json:"anchor"`
	Parent     string   `json:"parent,omitempty"`
	Text       string   `json:"text"`
	Mentions   []string `json:"mentions,omitempty"` // identities of the people it mentions
	Seq        int64    `json:"seq"`
	By         string   `json:"by"`
	Author     string   `json:"author"`
	At         int64    `json:"at"`
	EditedAt   int64    `json:"edited_at,omitempty"`
	Resolved   bool     `json:"resolved,omitempty"` // a thread's first comment only
	ResolvedBy string   `json:"resolved_by,omitempty"`
	Resolver   string   `json:"resolver,omitempty"` // the display name of ResolvedBy
	ResolvedAt int64    `json:"resolved_at,omitempty"`
	Deleted    bool     `json:"deleted,omitempty"`
}

// Marker is a friction marker on a card or a cell: how severe, what kind of friction, a
// short text and optional evidence (a text, or an http or https link), with the +1s of
// others. A resolved marker says how it was resolved.
type Marker struct {
	ID         string    `json:"id"`
	Anchor     Anchor    `json:"anchor"`
	Severity   string    `json:"severity"`
	Kind       string    `json:"kind"`
	Text       string    `json:"text"`
	Evidence   string    `json:"evidence,omitempty"`
	Seq        int64     `json:"seq"`
	By         string    `json:"by"`
	Author     string    `json:"author"`
	At         int64     `json:"at"`
	EditedAt   int64     `json:"edited_at,omitempty"`
	PlusOnes   []PlusOne `json:"plus_ones,omitempty"` // in the order given
	Resolved   bool      `json:"resolved,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Resolver   string    `json:"resolver,omitempty"`
	ResolvedAt int64     `json:"resolved_at,omitempty"`
}

// PlusOne is someone's +1 on a marker.
type PlusOne struct {
	By     string `json:"by"`
	Author string `json:"author"`
	At     int64  `json:"at"`
}

// Annotations are the comments and markers of a board: apart from the board document,
// untouched by its ops, cascades and undo.
type Annotations struct {
	Comments map[string]*Comment
	Markers  map[string]*Marker
}

func newAnnotations() Annotations {
	return Annotations{Comments: map[string]*Comment{}, Markers: map[string]*Marker{}}
}

func (a Annotations) clone() Annotations {
	out := Annotations{Comments: make(map[string]*Comment, len(a.Comments)), Markers: make(map[string]*Marker, len(a.Markers))}
	for id, c := range a.Comments {
		x := *c
		x.Mentions = slices.Clone(c.Mentions)
		out.Comments[id] = &x
	}
	for id, m := range a.Markers {
		x := *m
		x.PlusOnes = slices.Clone(m.PlusOnes)
		out.Markers[id] = &x
	}
	return out
}

// SortedComments returns the comments in the order they were made (by sequence, then id).
func (b *Board) SortedComments() []*Comment {
	return bySeq(b.Annotations.Comments, func(c *Comment) (int64, string) { return c.Seq, c.ID })
}

// SortedMarkers returns the markers in the order they were made.
func (b *Board) SortedMarkers() []*Marker {
	return bySeq(b.Annotations.Markers, func(m *Marker) (int64, string) { return m.Seq, m.ID })
}

// bySeq returns nil for none, as an export decoded from JSON holds them (the lists are
// omitted when empty), so that a board and its stored state export alike.
func bySeq[T any](m map[string]*T, key func(*T) (int64, string)) []*T {
	if len(m) == 0 {
		return nil
	}
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *T) int {
		as, aid := key(a)
		bs, bid := key(b)
		return cmp.Or(cmp.Compare(as, bs), cmp.Compare(aid, bid))
	})
	return out
}

// validateAnnotation checks the shape of an annotation op, without any board: which
// fields each action takes, the anchors, mentions, values and limits of comments and
// markers.
func (op *Op) validateAnnotation() error {
	if !op.IsAnnotation() {
		return nil
	}
	f := op.Fields
	if op.Action != ActionCreate {
		if f.Anchor != nil {
			return Errorf(EINVALID, "an annotation's anchor cannot change: it follows its card")
		}
		if f.Parent != nil {
			return Errorf(EINVALID, "a reply stays in its thread")
		}
	}
	if f.Anchor != nil {
		if err := f.Anchor.validate(); err != nil {
			return err
		}
	}
	if f.Parent != nil && !ValidID(*f.Parent) {
		return Errorf(EINVALID, "invalid parent id %q", truncate(*f.Parent, 80))
	}
	if f.Mentions != nil {
		if f.Text == nil {
			return Errorf(EINVALID, "mentions come with the text that makes them")
		}
		if len(*f.Mentions) > MaxMentions {
			return Errorf(ETOOLARGE, "a comment mentions at most %d people", MaxMentions)
		}
		for i, p := range *f.Mentions {
			if !ValidPerson(p) {
				return Errorf(EINVALID, "mention %d is not a person of the board", i+1)
			}
			if slices.Contains((*f.Mentions)[:i], p) {
				return Errorf(EINVALID, "mention %d names someone mentioned already", i+1)
			}
		}
	}
	if f.Text != nil && strings.TrimSpace(*f.Text) == "" {
		return Errorf(EINVALID, "a %s needs a text", Term(op.Type))
	}
	if f.Imported != nil {
		if err := op.validateImported(); err != nil {
			return err
		}
	}
	if op.Action == ActionCreate && f.Imported == nil && (f.Resolved != nil || f.Resolution != nil) {
		return Errorf(EINVALID, "a new %s is open: resolve it once it is made", Term(op.Type))
	}
	switch op.Type {
	case TypeComment:
		if op.Action == ActionCreate {
			if (f.Anchor == nil) == (f.Parent == nil) {
				return Errorf(EINVALID, "a comment is on an anchor, or replies to a comment (parent), not both")
			}
			if f.Text == nil && f.Imported == nil { // validateImported checks an import's
				return Errorf(EINVALID, "creating a %s needs %q", Term(op.Type), "text")
			}
		}
	case TypeMarker:
		if f.Text != nil {
			if err := checkText("text", *f.Text, MaxMarkerTextLen); err != nil {
				return err
			}
		}
		if f.Severity != nil && !slices.Contains(Severities, *f.Severity) {
			return Errorf(EINVALID, "unknown severity %q: expected low, medium, high or blocking", truncate(*f.Severity, 40))
		}
		if f.Kind != nil && !slices.Contains(FrictionKinds, *f.Kind) {
			return Errorf(EINVALID, "unknown kind of friction %q: expected waiting, rework, manual, missing_info, handoff_gap, tool_gap or other", truncate(*f.Kind, 40))
		}
		if f.Evidence != nil {
			if err := checkEvidence(*f.Evidence); err != nil {
				return err
			}
		}
		if op.Action == ActionCreate {
			if f.Anchor != nil && f.Anchor.Kind() != AnchorCard && f.Anchor.Kind() != AnchorCell {
				return Errorf(EINVALID, "a friction marker is on a card or a cell")
			}
			for _, req := range []struct {
				set  bool
				name string
			}{{f.Anchor != nil, "anchor"}, {f.Severity != nil, "severity"}, {f.Kind != nil, "kind"}, {f.Text != nil, "text"}} {
				if !req.set {
					return Errorf(EINVALID, "creating a %s needs %q", Term(op.Type), req.name)
				}
			}
		}
		if f.Resolution != nil && (f.Resolved == nil || !*f.Resolved) {
			return Errorf(EINVALID, "a resolution comes with resolved: true")
		}
		if f.Resolved != nil && *f.Resolved && (f.Resolution == nil || strings.TrimSpace(*f.Resolution) == "") {
			return Errorf(EINVALID, "resolving a marker needs a sentence saying how (resolution)")
		}
	case TypePlusOne:
		if op.Action == ActionUpdate {
			return Errorf(EINVALID, "a +1 is given (create) or withdrawn (delete), never updated")
		}
	}
	return nil
}

// schemePattern matches the start of a text that names a URL scheme.
var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// checkEvidence checks a marker's evidence: a text, or a link. A value of one word that
// starts with a URL's scheme and "//" (or with a scheme that runs code or reads files:
// javascript, data, vbscript, file) is a link, and must be an http or https address with
// a host.
func checkEvidence(v string) error {
	s := strings.TrimSpace(v)
	if strings.ContainsAny(s, " \t\r\n") || !schemePattern.MatchString(s) {
		return nil
	}
	scheme, rest, _ := strings.Cut(s, ":")
	scheme = strings.ToLower(scheme)
	switch {
	case strings.HasPrefix(rest, "//"), scheme == "javascript", scheme == "data", scheme == "vbscript", scheme == "file":
	default:
		return nil // "ticket:42" is a text
	}
	if _, ok := EvidenceLink(s); !ok {
		return Errorf(EINVALID, "evidence that is a link must be an http or https address")
	}
	return nil
}

// EvidenceLink returns a marker's evidence as a link when it is one: an absolute http or
// https address with a host, and nothing else. The page makes a link of it only then, and
// shows any other evidence as text.
func EvidenceLink(evidence string) (string, bool) {
	s := strings.TrimSpace(evidence)
	if strings.ContainsAny(s, " \t\r\n") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	return u.String(), true
}

// applyAnnotation applies an annotation op whose shape is valid, as made by o.
func (b *Board) applyAnnotation(op Op, o Origin) error {
	switch op.Type {
	case TypeComment:
		return b.applyComment(op, o)
	case TypeMarker:
		return b.applyMarker(op, o)
	default:
		return b.applyPlusOne(op, o)
	}
}

func (b *Board) applyComment(op Op, o Origin) error {
	cs := b.Annotations.Comments
	f := op.Fields
	cur := cs[op.ID]
	switch op.Action {
	case ActionCreate:
		if cur != nil {
			return Errorf(ECONFLICT, "a %s with id %q already exists", Term(op.Type), op.ID)
		}
		if len(cs) >= MaxComments {
			return Errorf(ETOOLARGE, "a board holds at most %d of type %s", MaxComments, Term(op.Type))
		}
		if f.Imported != nil {
			return b.importComment(op, o)
		}
		c := &Comment{ID: op.ID, Text: *f.Text, Seq: o.Seq, By: o.By, Author: o.Name, At: o.At}
		if f.Mentions != nil {
			c.Mentions = slices.Clone(*f.Mentions)
		}
		if f.Parent != nil {
			root := cs[*f.Parent]
			if root == nil || root.Deleted {
				return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(TypeComment), *f.Parent)
			}
			if root.Parent != "" { // a reply to a reply goes in the same thread
				root = cs[root.Parent]
			}
			c.Parent, c.Anchor = root.ID, root.Anchor
		} else {
			if err := b.anchorMissing(*f.Anchor); err != nil {
				return err
			}
			c.Anchor = *f.Anchor
		}
		cs[op.ID] = c
	case ActionUpdate:
		if cur == nil || cur.Deleted {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(op.Type), op.ID)
		}
		if f.Resolved != nil {
			if cur.Parent != "" {
				return Errorf(EINVALID, "a thread is resolved or reopened by its first comment")
			}
			if err := resolvedAlready(cur.Resolved, *f.Resolved); err != nil {
				return err
			}
		}
		if f.Text != nil {
			cur.Text, cur.Mentions, cur.EditedAt = *f.Text, nil, o.At
			if f.Mentions != nil {
				cur.Mentions = slices.Clone(*f.Mentions)
			}
		}
		if f.Resolved != nil {
			cur.Resolved = *f.Resolved
			cur.ResolvedBy, cur.Resolver, cur.ResolvedAt = "", "", 0
			if cur.Resolved {
				cur.ResolvedBy, cur.Resolver, cur.ResolvedAt = o.By, o.Name, o.At
			}
		}
	case ActionDelete:
		if cur == nil || cur.Deleted {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(op.Type), op.ID)
		}
		// It keeps its place in its thread, so that the replies keep theirs.
		cur.Deleted, cur.Text, cur.Mentions = true, "", nil
	}
	return nil
}

func resolvedAlready(now, want bool) error {
	if now == want && want {
		return Errorf(ECONFLICT, "it is resolved already")
	}
	if now == want {
		return Errorf(ECONFLICT, "it is open already")
	}
	return nil
}

func (b *Board) applyMarker(op Op, o Origin) error {
	ms := b.Annotations.Markers
	f := op.Fields
	cur := ms[op.ID]
	switch op.Action {
	case ActionCreate:
		if cur != nil {
			return Errorf(ECONFLICT, "a %s with id %q already exists", Term(op.Type), op.ID)
		}
		if len(ms) >= MaxMarkers {
			return Errorf(ETOOLARGE, "a board holds at most %d of type %s", MaxMarkers, Term(op.Type))
		}
		if f.Imported != nil {
			return b.importMarker(op, o)
		}
		if err := b.anchorMissing(*f.Anchor); err != nil {
			return err
		}
		ms[op.ID] = &Marker{ID: op.ID, Anchor: *f.Anchor, Severity: *f.Severity, Kind: *f.Kind, Text: *f.Text,
			Evidence: or(f.Evidence, ""), Seq: o.Seq, By: o.By, Author: o.Name, At: o.At}
	case ActionUpdate:
		if cur == nil {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(op.Type), op.ID)
		}
		if f.Resolved != nil {
			if err := resolvedAlready(cur.Resolved, *f.Resolved); err != nil {
				return err
			}
		}
		if f.Severity != nil || f.Kind != nil || f.Text != nil || f.Evidence != nil {
			cur.Severity, cur.Kind = or(f.Severity, cur.Severity), or(f.Kind, cur.Kind)
			cur.Text, cur.Evidence = or(f.Text, cur.Text), or(f.Evidence, cur.Evidence)
			cur.EditedAt = o.At
		}
		if f.Resolved != nil {
			cur.Resolved = *f.Resolved
			cur.Resolution, cur.ResolvedBy, cur.Resolver, cur.ResolvedAt = "", "", "", 0
			if cur.Resolved {
				cur.Resolution, cur.ResolvedBy, cur.Resolver, cur.ResolvedAt = *f.Resolution, o.By, o.Name, o.At
			}
		}
	case ActionDelete:
		if cur == nil {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(op.Type), op.ID)
		}
		delete(ms, op.ID)
	}
	return nil
}

// applyPlusOne gives (create) or withdraws (delete) o's +1 on the marker op.ID.
func (b *Board) applyPlusOne(op Op, o Origin) error {
	m := b.Annotations.Markers[op.ID]
	if m == nil {
		return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(TypeMarker), op.ID)
	}
	i := slices.IndexFunc(m.PlusOnes, func(p PlusOne) bool { return p.By == o.By })
	if op.Action == ActionCreate {
		if i >= 0 {
			return Errorf(ECONFLICT, "you have given this marker a +1 already")
		}
		if len(m.PlusOnes) >= MaxPlusOnes {
			return Errorf(ETOOLARGE, "a marker holds at most %d +1s", MaxPlusOnes)
		}
		m.PlusOnes = append(m.PlusOnes, PlusOne{By: o.By, Author: o.Name, At: o.At})
		return nil
	}
	if i < 0 {
		return Errorf(ENOTFOUND, "you have not given this marker a +1")
	}
	m.PlusOnes = slices.Delete(m.PlusOnes, i, i+1)
	return nil
}

// Permit says whether the author of o may make op on b, as far as the annotations say:
// annotation ops need a known author; only the author of a comment or a marker changes
// its text, and only the author or a moderator deletes it; nobody gives their own marker
// a +1. Resolving and reopening are anyone's who may comment. It does not check the
// author's role (the server does, where the op comes in), nor anything of board ops. An
// op on an annotation that does not exist is permitted: Apply then says it does not exist.
func (b *Board) Permit(op Op, o Origin) error {
	if !op.IsAnnotation() {
		return nil
	}
	if op.Fields.Imported != nil {
		return Errorf(EFORBIDDEN, "comments and markers are imported only with a whole board, by importing its export (POST /api/boards)")
	}
	if o.By == "" {
		return Errorf(EUNAUTHORIZED, "comments and markers need to know who you are: sign in, or join the board with a share link")
	}
	f := op.Fields
	switch op.Type {
	case TypeComment:
		c := b.Annotations.Comments[op.ID]
		if c == nil || c.Deleted {
			return nil
		}
		if op.Action == ActionUpdate && (f.Text != nil || f.Mentions != nil) && c.By != o.By {
			return Errorf(EFORBIDDEN, "only its author can change a comment")
		}
		if op.Action == ActionDelete && c.By != o.By && !o.Moderator {
			return Errorf(EFORBIDDEN, "only its author or a facilitator can delete a comment")
		}
	case TypeMarker:
		m := b.Annotations.Markers[op.ID]
		if m == nil {
			return nil
		}
		if op.Action == ActionUpdate && (f.Severity != nil || f.Kind != nil || f.Text != nil || f.Evidence != nil) && m.By != o.By {
			return Errorf(EFORBIDDEN, "only its author can change a marker")
		}
		if op.Action == ActionDelete && m.By != o.By && !o.Moderator {
			return Errorf(EFORBIDDEN, "only its author or a facilitator can delete a marker")
		}
	case TypePlusOne:
		if m := b.Annotations.Markers[op.ID]; m != nil && op.Action == ActionCreate && m.By == o.By {
			return Errorf(EINVALID, "a +1 is for others' markers, not your own")
		}
	}
	return nil
}
