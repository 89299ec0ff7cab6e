package blueprint

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// An import recreates a board's comments, markers and +1s as they were: text, anchor,
// state, times and the display names of the people who wrote them (docs/export.md). It
// cannot vouch for who those people are: the export names identities of the board it was
// made on, perhaps on another server, and anyone can write a file. So every person an
// import records is an imported person, "i:" and a digest of the identity the export
// gave, which no session ever has: an import never makes anyone of this server the
// author of something they did not write, nobody can edit an imported comment as its
// author, and a facilitator can still delete it. The op that recreates it is the
// importer's (the log's made_by).

// importedPrefix begins the identity of an imported person.
const importedPrefix = "i:"

// ImportedPerson returns the identity under which an import records a person an export
// names: an imported person's identity stays as it is, so that a board exported and
// imported again names the same people; any other becomes "i:" and the first 128 bits of
// SHA-256 of "lastmile imported person", NUL and the identity, in hex. It is the same
// wherever and whenever it is computed, so the imports of one board agree on who is who.
// "" stays "".
func ImportedPerson(by string) string {
	if by == "" || IsImported(by) {
		return by
	}
	sum := sha256.Sum256([]byte("lastmile imported person\x00" + by))
	return importedPrefix + hex.EncodeToString(sum[:16])
}

// IsImported reports whether by is an imported person's identity: recorded by an import,
// never the identity of someone signed in, a guest or a connection.
func IsImported(by string) bool { return strings.HasPrefix(by, importedPrefix) && ValidPerson(by) }

// Imported is what an import op says of the comment or marker it recreates beyond what a
// create says: who made it and when, as the export recorded it, and its state. Its people
// are imported people (IsImported): an import op names nobody of this server.
type Imported struct {
	By         string    `json:"by"`
	Author     string    `json:"author"` // By's display name, as the export gave it
	At         int64     `json:"at"`     // Unix milliseconds, as the export gave it
	EditedAt   int64     `json:"edited_at,omitempty"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Resolver   string    `json:"resolver,omitempty"`
	ResolvedAt int64     `json:"resolved_at,omitempty"`
	Deleted    bool      `json:"deleted,omitempty"`   // a comment deleted in its thread, without text
	PlusOnes   []PlusOne `json:"plus_ones,omitempty"` // a marker's, in the order they were given
}

// validateImported checks the shape of an import op: a create of a comment or a marker
// whose people are imported, with times, names and +1s within the limits, and state that
// holds together.
func (op *Op) validateImported() error {
	f, imp := op.Fields, op.Fields.Imported
	if op.Action != ActionCreate || (op.Type != TypeComment && op.Type != TypeMarker) {
		return Errorf(EINVALID, "only a new comment or marker is imported")
	}
	person := func(by string, optional bool) error {
		if (optional && by == "") || IsImported(by) {
			return nil
		}
		return Errorf(EINVALID, "an import names people as imported people (i:…), not %q", truncate(by, 80))
	}
	if err := person(imp.By, false); err != nil {
		return err
	}
	if err := person(imp.ResolvedBy, true); err != nil {
		return err
	}
	if err := checkDisplayName("author", imp.Author); err != nil {
		return err
	}
	if err := checkDisplayName("resolver", imp.Resolver); err != nil {
		return err
	}
	if imp.At < 0 || imp.EditedAt < 0 || imp.ResolvedAt < 0 {
		return Errorf(EINVALID, "an imported time is a number of milliseconds since 1970, not a negative one")
	}
	resolved := f.Resolved != nil && *f.Resolved
	if f.Resolved != nil && !resolved {
		return Errorf(EINVALID, "an imported comment or marker that is open leaves out resolved")
	}
	if !resolved && (imp.ResolvedBy != "" || imp.Resolver != "" || imp.ResolvedAt != 0) {
		return Errorf(EINVALID, "only a resolved comment or marker names who resolved it")
	}
	if f.Mentions != nil {
		for i, p := range *f.Mentions {
			if !IsImported(p) {
				return Errorf(EINVALID, "mention %d of an imported comment is not an imported person (i:…)", i+1)
			}
		}
	}
	if op.Type == TypeComment {
		if len(imp.PlusOnes) > 0 {
			return Errorf(EINVALID, "+1s are given to markers, not to comments")
		}
		if imp.Deleted && (f.Text != nil || f.Mentions != nil) {
			return Errorf(EINVALID, "a deleted comment has no text")
		}
		if !imp.Deleted && f.Text == nil {
			return Errorf(EINVALID, "creating a %s needs %q", Term(op.Type), "text")
		}
		return nil
	}
	if imp.Deleted {
		return Errorf(EINVALID, "a deleted marker is not imported: it is gone")
	}
	if len(imp.PlusOnes) > MaxPlusOnes {
		return Errorf(ETOOLARGE, "a marker holds at most %d +1s", MaxPlusOnes)
	}
	for i, p := range imp.PlusOnes {
		if err := person(p.By, false); err != nil {
			return err
		}
		if err := checkDisplayName("author", p.Author); err != nil {
			return err
		}
		if p.At < 0 {
			return Errorf(EINVALID, "an imported time is a number of milliseconds since 1970, not a negative one")
		}
		if p.By == imp.By || slices.ContainsFunc(imp.PlusOnes[:i], func(q PlusOne) bool { return q.By == p.By }) {
			return Errorf(EINVALID, "a marker has one +1 of each person but its author")
		}
	}
	return nil
}

// checkDisplayName checks a display name an import gives: UTF-8 without NUL, at most
// MaxNameLen characters. It may hold a line break, as a name kept in an annotation may.
func checkDisplayName(what Term, v string) error { return checkText(string(what), v, MaxNameLen) }

// importComment makes the comment an import op recreates, under the op's sequence. A
// reply names the first comment of its thread, which may have been deleted since the
// reply was written; the anchor may be gone from the board: annotations outlive their
// cards.
func (b *Board) importComment(op Op, o Origin) error {
	cs, f, imp := b.Annotations.Comments, op.Fields, op.Fields.Imported
	c := &Comment{ID: op.ID, Text: or(f.Text, ""), Seq: o.Seq, By: imp.By, Author: imp.Author, At: imp.At,
		EditedAt: imp.EditedAt, Deleted: imp.Deleted}
	if f.Mentions != nil && len(*f.Mentions) > 0 {
		c.Mentions = slices.Clone(*f.Mentions)
	}
	if f.Parent != nil {
		root := cs[*f.Parent]
		if root == nil {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(TypeComment), *f.Parent)
		}
		if root.Parent != "" {
			return Errorf(EINVALID, "a reply comes after the first comment of its thread, on its anchor")
		}
		c.Parent, c.Anchor = root.ID, root.Anchor
	} else {
		c.Anchor = *f.Anchor
	}
	if f.Resolved != nil {
		if c.Parent != "" {
			return Errorf(EINVALID, "a thread is resolved or reopened by its first comment")
		}
		c.Resolved, c.ResolvedBy, c.Resolver, c.ResolvedAt = true, imp.ResolvedBy, imp.Resolver, imp.ResolvedAt
	}
	cs[op.ID] = c
	return nil
}

// importMarker makes the marker an import op recreates, under the op's sequence, with
// its +1s.
func (b *Board) importMarker(op Op, o Origin) error {
	f, imp := op.Fields, op.Fields.Imported
	m := &Marker{ID: op.ID, Anchor: *f.Anchor, Severity: *f.Severity, Kind: *f.Kind, Text: *f.Text,
		Evidence: or(f.Evidence, ""), Seq: o.Seq, By: imp.By, Author: imp.Author, At: imp.At, EditedAt: imp.EditedAt,
		PlusOnes: slices.Clone(imp.PlusOnes)}
	if f.Resolved != nil {
		m.Resolved, m.Resolution = true, *f.Resolution
		m.ResolvedBy, m.Resolver, m.ResolvedAt = imp.ResolvedBy, imp.Resolver, imp.ResolvedAt
	}
	b.Annotations.Markers[op.ID] = m
	return nil
}

// Import returns the ops that make the export's board on a new board, in this order: its
// document's (Ops), its framing's (an op on the board, whose id the store replaces: see
// BoardService.CreateBoard), then one import op per comment and marker, in the order
// they were made, each naming imported people only (ImportedPerson). Replies follow the
// first comment of their thread. It checks them by applying them to an empty board, so
// that an export that cannot be imported is refused before anything is written, with a
// message naming the item.
func (e *Export) Import() ([]Op, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	ops := e.Ops()
	if op, ok := e.FramingOp(TypeBoard); ok {
		ops = append(ops, op)
	}
	annotations, err := e.annotationOps()
	if err != nil {
		return nil, err
	}
	ops = append(ops, annotations...)
	b := NewBoard(TypeBoard, e.Title, e.Template)
	for i, op := range ops {
		// The first op of a new board's log sets its title (CreateBoard), hence i+2.
		if err := b.ApplyAs(op, Origin{Seq: int64(i + 2)}); err != nil {
			if op.IsAnnotation() {
				return nil, Errorf(ErrorCode(err), "%s %q of the export: %s", Term(op.Type), truncate(op.ID, 80), err)
			}
			return nil, Errorf(ErrorCode(err), "item %d of the export (%s %s): %s", i+1, Term(op.Type), op.ID, err)
		}
	}
	return ops, nil
}

// annotationOps returns the import ops of the export's comments and markers, in the
// order they were made (by sequence, then id; a comment before a marker of the same
// sequence).
func (e *Export) annotationOps() ([]Op, error) {
	type item struct {
		seq    int64
		marker bool
		id     string
		op     Op
	}
	var items []item
	roots := map[string]*Comment{}
	for _, c := range e.Comments {
		if c.Parent == "" {
			roots[c.ID] = c
		}
	}
	bad := func(what, id string, err error) error {
		return Errorf(ErrorCode(err), "%s %q of the export: %s", Term(what), truncate(id, 80), err)
	}
	// people checks the identities of an annotation before they are replaced by imported
	// ones, which any text would give.
	people := func(what, id string, by, resolvedBy string, mentions []string, plusOnes []PlusOne) error {
		if !ValidPerson(by) {
			return bad(what, id, Errorf(EINVALID, "a comment or a marker names its author"))
		}
		if resolvedBy != "" && !ValidPerson(resolvedBy) {
			return bad(what, id, Errorf(EINVALID, "the resolver is not a person"))
		}
		for i, p := range mentions {
			if !ValidPerson(p) {
				return bad(what, id, Errorf(EINVALID, "mention %d is not a person of the board", i+1))
			}
		}
		for _, p := range plusOnes {
			if !ValidPerson(p.By) {
				return bad(what, id, Errorf(EINVALID, "a marker and its +1s name their authors"))
			}
		}
		return nil
	}
	for _, c := range e.Comments {
		if err := people(TypeComment, c.ID, c.By, c.ResolvedBy, c.Mentions, nil); err != nil {
			return nil, err
		}
		imp := &Imported{By: ImportedPerson(c.By), Author: c.Author, At: c.At, EditedAt: c.EditedAt,
			ResolvedBy: ImportedPerson(c.ResolvedBy), Resolver: c.Resolver, ResolvedAt: c.ResolvedAt, Deleted: c.Deleted}
		f := Fields{Imported: imp}
		if c.Parent == "" {
			f.Anchor = ptr(c.Anchor)
		} else {
			f.Parent = ptr(c.Parent)
			if root := roots[c.Parent]; root != nil && root.Anchor != c.Anchor {
				return nil, bad(TypeComment, c.ID, Errorf(EINVALID, "a reply comes after the first comment of its thread, on its anchor"))
			}
		}
		if !c.Deleted || c.Text != "" {
			f.Text = ptr(c.Text) // a deleted comment with a text is refused by the op's checks
		}
		if len(c.Mentions) > 0 {
			m := make([]string, len(c.Mentions))
			for i, p := range c.Mentions {
				m[i] = ImportedPerson(p)
			}
			f.Mentions = &m
		}
		if c.Resolved {
			f.Resolved = ptr(true)
		}
		items = append(items, item{c.Seq, false, c.ID, Op{Action: ActionCreate, Type: TypeComment, ID: c.ID, Fields: f}})
	}
	for _, m := range e.Markers {
		if err := people(TypeMarker, m.ID, m.By, m.ResolvedBy, nil, m.PlusOnes); err != nil {
			return nil, err
		}
		imp := &Imported{By: ImportedPerson(m.By), Author: m.Author, At: m.At, EditedAt: m.EditedAt,
			ResolvedBy: ImportedPerson(m.ResolvedBy), Resolver: m.Resolver, ResolvedAt: m.ResolvedAt}
		for _, p := range m.PlusOnes {
			imp.PlusOnes = append(imp.PlusOnes, PlusOne{By: ImportedPerson(p.By), Author: p.Author, At: p.At})
		}
		f := Fields{Anchor: ptr(m.Anchor), Severity: ptr(m.Severity), Kind: ptr(m.Kind), Text: ptr(m.Text), Imported: imp}
		if m.Evidence != "" {
			f.Evidence = ptr(m.Evidence)
		}
		if m.Resolved {
			f.Resolved = ptr(true)
		}
		if m.Resolution != "" {
			f.Resolution = ptr(m.Resolution)
		}
		items = append(items, item{m.Seq, true, m.ID, Op{Action: ActionCreate, Type: TypeMarker, ID: m.ID, Fields: f}})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), compareBool(a.marker, b.marker), cmp.Compare(a.id, b.id))
	})
	ops := make([]Op, len(items))
	for i, it := range items {
		ops[i] = it.op
	}
	return ops, nil
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
