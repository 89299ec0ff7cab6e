package blueprint

import (
	"cmp"
	"slices"
)

// Since is what changed on a board between two of its states, the one a person saw last
// and the one there is now: what "since you last looked" shows. It is computed from the
// two states and the committed ops between them (SinceLastLooked), never guessed: an
// entity made and deleted in between is in no list, and one changed and changed back is
// not "changed".
type Since struct {
	From    int64 `json:"from"`               // the sequence the person had seen
	To      int64 `json:"to"`                 // the board's sequence now
	FirstAt int64 `json:"first_at,omitempty"` // the first op's commit time, Unix ms; 0 without ops
	LastAt  int64 `json:"last_at,omitempty"`  // the last op's

	// What of the board document is new, changed or gone, by type (board, stage, lane,
	// card, team, link): the ids, sorted. What is gone comes with what it said.
	Added   map[string][]string `json:"added"`
	Changed map[string][]string `json:"changed"`
	Deleted map[string][]Gone   `json:"deleted"`

	Comments CommentEvents `json:"comments"`
	Markers  MarkerEvents  `json:"markers"`

	// People who made the ops, most ops first.
	People  []Person `json:"people"`
	Summary Summary  `json:"summary"`
}

// Gone is an entity that was deleted, with the text it showed (a card's text, a stage's
// or a team's name, a lane's label), cut to 80 characters, for a sentence to quote it.
type Gone struct {
	ID    string `json:"id"`
	Label string `json:"label,omitempty"`
}

// CommentEvents are the ids of the comments that were written (replies included),
// edited, deleted, and of the threads resolved or reopened.
type CommentEvents struct {
	Added    []string `json:"added"`
	Edited   []string `json:"edited"`
	Deleted  []string `json:"deleted"`
	Resolved []string `json:"resolved"`
	Reopened []string `json:"reopened"`
}

// MarkerEvents are the ids of the markers made, changed, deleted, resolved, reopened, and
// of those that others gave a +1 to.
type MarkerEvents struct {
	Added    []string `json:"added"`
	Edited   []string `json:"edited"`
	Deleted  []string `json:"deleted"`
	Resolved []string `json:"resolved"`
	Reopened []string `json:"reopened"`
	PlusOned []string `json:"plus_oned"`
}

// Person is someone who made ops, by identity (or by name alone, for ops logged before
// identities were), with their latest display name and how many ops they made.
type Person struct {
	By   string `json:"by,omitempty"`
	Name string `json:"name"`
	Ops  int    `json:"ops"`
}

// Summary counts what a summary sentence says: "14 changes since Tuesday 15:02, by 3
// people".
type Summary struct {
	Ops         int `json:"ops"`         // ops committed since
	Changes     int `json:"changes"`     // entities of the board added, changed or deleted
	Annotations int `json:"annotations"` // comment and marker events
	People      int `json:"people"`
}

// SinceLastLooked returns what changed from before (the board at the sequence a person
// saw last) to now (the board at its current sequence), of which ops are the committed
// ops in between, in order. before and now are not changed.
func SinceLastLooked(before, now *Board, ops []Committed) Since {
	s := Since{From: before.Seq, To: now.Seq, Added: map[string][]string{}, Changed: map[string][]string{},
		Deleted: map[string][]Gone{}}
	if before.Title != now.Title {
		s.Changed[TypeBoard] = []string{now.ID}
	}
	diff(&s, TypeStage, before.Stages, now.Stages, func(x *Stage) string { return x.Name })
	diff(&s, TypeLane, before.Lanes, now.Lanes, func(x *Lane) string { return x.Label })
	diff(&s, TypeCard, before.Cards, now.Cards, func(x *Card) string { return x.Text })
	diff(&s, TypeTeam, before.Teams, now.Teams, func(x *Team) string { return x.Name })
	diff(&s, TypeLink, before.Links, now.Links, func(*Link) string { return "" })
	s.Comments = commentEvents(before.Annotations.Comments, now.Annotations.Comments)
	s.Markers = markerEvents(before.Annotations.Markers, now.Annotations.Markers)
	s.People = people(ops)
	if len(ops) > 0 {
		s.FirstAt, s.LastAt = ops[0].At.UnixMilli(), ops[len(ops)-1].At.UnixMilli()
	}
	for _, l := range s.Added {
		s.Summary.Changes += len(l)
	}
	for _, l := range s.Changed {
		s.Summary.Changes += len(l)
	}
	for _, l := range s.Deleted {
		s.Summary.Changes += len(l)
	}
	c, m := s.Comments, s.Markers
	for _, l := range [][]string{c.Added, c.Edited, c.Deleted, c.Resolved, c.Reopened,
		m.Added, m.Edited, m.Deleted, m.Resolved, m.Reopened, m.PlusOned} {
		s.Summary.Annotations += len(l)
	}
	s.Summary.Ops, s.Summary.People = len(ops), len(s.People)
	return s
}

// diff puts in s what differs between two maps of entities of one type.
func diff[T comparable](s *Since, typ string, before, now map[string]*T, label func(*T) string) {
	var added, changed []string
	var gone []Gone
	for id, x := range now {
		if old, ok := before[id]; !ok {
			added = append(added, id)
		} else if *old != *x {
			changed = append(changed, id)
		}
	}
	for id, old := range before {
		if _, ok := now[id]; !ok {
			gone = append(gone, Gone{ID: id, Label: truncateRunes(label(old), 80)})
		}
	}
	slices.Sort(added)
	slices.Sort(changed)
	slices.SortFunc(gone, func(a, b Gone) int { return cmp.Compare(a.ID, b.ID) })
	if len(added) > 0 {
		s.Added[typ] = added
	}
	if len(changed) > 0 {
		s.Changed[typ] = changed
	}
	if len(gone) > 0 {
		s.Deleted[typ] = gone
	}
}

func commentEvents(before, now map[string]*Comment) CommentEvents {
	e := CommentEvents{Added: []string{}, Edited: []string{}, Deleted: []string{}, Resolved: []string{}, Reopened: []string{}}
	for _, c := range sortedByID(now) {
		old := before[c.ID]
		switch {
		case old == nil && !c.Deleted:
			e.Added = append(e.Added, c.ID)
		case old == nil:
		case c.Deleted && !old.Deleted:
			e.Deleted = append(e.Deleted, c.ID)
		case !c.Deleted && (c.Text != old.Text || !slices.Equal(c.Mentions, old.Mentions)):
			e.Edited = append(e.Edited, c.ID)
		}
		if c.Resolved && (old == nil || !old.Resolved) {
			e.Resolved = append(e.Resolved, c.ID)
		}
		if !c.Resolved && old != nil && old.Resolved {
			e.Reopened = append(e.Reopened, c.ID)
		}
	}
	return e
}

func markerEvents(before, now map[string]*Marker) MarkerEvents {
	e := MarkerEvents{Added: []string{}, Edited: []string{}, Deleted: []string{}, Resolved: []string{}, Reopened: []string{}, PlusOned: []string{}}
	for _, m := range sortedByID(now) {
		old := before[m.ID]
		if old == nil {
			e.Added = append(e.Added, m.ID)
		} else if m.Severity != old.Severity || m.Kind != old.Kind || m.Text != old.Text || m.Evidence != old.Evidence {
			e.Edited = append(e.Edited, m.ID)
		}
		if m.Resolved && (old == nil || !old.Resolved) {
			e.Resolved = append(e.Resolved, m.ID)
		}
		if !m.Resolved && old != nil && old.Resolved {
			e.Reopened = append(e.Reopened, m.ID)
		}
		for _, p := range m.PlusOnes {
			if old == nil || !slices.ContainsFunc(old.PlusOnes, func(q PlusOne) bool { return q.By == p.By }) {
				e.PlusOned = append(e.PlusOned, m.ID)
				break
			}
		}
	}
	for _, m := range sortedByID(before) {
		if now[m.ID] == nil {
			e.Deleted = append(e.Deleted, m.ID)
		}
	}
	return e
}

func sortedByID[T any](m map[string]*T) []*T {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]*T, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// personKey names the person who made a committed op: their identity, or their name
// for ops logged before identities were.
func personKey(c *Committed) string {
	if c.By != "" {
		return c.By
	}
	return "name:" + c.Author
}

// people returns who made ops, most ops first, then by name and identity.
func people(ops []Committed) []Person {
	index := map[string]int{}
	out := []Person{}
	for i := range ops {
		c := &ops[i]
		k := personKey(c)
		j, ok := index[k]
		if !ok {
			j = len(out)
			index[k] = j
			out = append(out, Person{By: c.By})
		}
		out[j].Name = c.Author
		out[j].Ops++
	}
	slices.SortStableFunc(out, func(a, b Person) int {
		return cmp.Or(cmp.Compare(b.Ops, a.Ops), cmp.Compare(a.Name, b.Name), cmp.Compare(a.By, b.By))
	})
	return out
}

// truncateRunes cuts s to n characters, marking the cut with an ellipsis.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
