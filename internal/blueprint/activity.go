package blueprint

import (
	"cmp"
	"slices"
)

// Verbs of the activity feed: what someone did, in the sentences the page makes of them
// ("Bea moved 4 cards in Fill in the application"). With the item's type they say it all:
// "delete" of a comment, "resolve" of a marker.
const (
	VerbAdd      = "add"      // a board entity made
	VerbChange   = "change"   // a board entity changed, other than moved
	VerbMove     = "move"     // a card moved (its stage, lane or place), a stage or lane moved
	VerbDelete   = "delete"   // an entity, a comment or a marker deleted
	VerbComment  = "comment"  // a thread started
	VerbReply    = "reply"    // a reply in a thread
	VerbEdit     = "edit"     // a comment's or a marker's text changed
	VerbResolve  = "resolve"  // a thread or a marker resolved
	VerbReopen   = "reopen"   // a thread or a marker reopened
	VerbMark     = "mark"     // a friction marker made
	VerbPlusOne  = "plusone"  // a +1 given to a marker
	VerbWithdraw = "withdraw" // a +1 withdrawn
)

// ActivityGroup is what one person did in one minute: the data of the sentences of an
// activity feed. By and Name are the person's identity and latest name; Minute is the
// minute's start, Unix ms; FromSeq and ToSeq the first and last of their ops in it.
type ActivityGroup struct {
	By      string         `json:"by,omitempty"`
	Name    string         `json:"name"`
	Minute  int64          `json:"minute"`
	FromSeq int64          `json:"from_seq"`
	ToSeq   int64          `json:"to_seq"`
	Items   []ActivityItem `json:"items"`
}

// ActivityItem is one clause: a verb on entities of one type, counted by distinct id, and
// the stage they are in (where cards went, for a move) when they are all in one.
type ActivityItem struct {
	Verb  string   `json:"verb"`
	Type  string   `json:"type"`
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
	Stage string   `json:"stage,omitempty"`
}

// Activity groups committed ops (in sequence order) by person and by minute, newest group
// first; within a group, clauses come in the order of their first op. now is the board as
// it is, which says where cards and annotations are when an op does not.
func Activity(ops []Committed, now *Board) []ActivityGroup {
	type key struct {
		person string
		minute int64
	}
	index := map[key]int{}
	var groups []ActivityGroup
	for i := range ops {
		c := &ops[i]
		minute := c.At.UnixMilli() / 60000 * 60000
		k := key{personKey(c), minute}
		j, ok := index[k]
		if !ok {
			j = len(groups)
			index[k] = j
			groups = append(groups, ActivityGroup{By: c.By, Minute: minute, FromSeq: c.Seq})
		}
		g := &groups[j]
		g.Name, g.ToSeq = c.Author, c.Seq
		verb, typ := activityVerb(&c.Op)
		stage := activityStage(&c.Op, now)
		at := slices.IndexFunc(g.Items, func(it ActivityItem) bool { return it.Verb == verb && it.Type == typ && it.Stage == stage })
		if at < 0 {
			g.Items = append(g.Items, ActivityItem{Verb: verb, Type: typ, Stage: stage})
			at = len(g.Items) - 1
		}
		it := &g.Items[at]
		if !slices.Contains(it.IDs, c.Op.ID) {
			it.IDs = append(it.IDs, c.Op.ID)
			it.Count++
		}
	}
	slices.SortFunc(groups, func(a, b ActivityGroup) int { return cmp.Compare(b.ToSeq, a.ToSeq) })
	if groups == nil {
		groups = []ActivityGroup{}
	}
	return groups
}

// activityVerb says what an op did, and to what type of thing.
func activityVerb(op *Op) (verb, typ string) {
	f := op.Fields
	switch op.Type {
	case TypeComment:
		switch {
		case op.Action == ActionCreate && f.Parent != nil:
			return VerbReply, TypeComment
		case op.Action == ActionCreate:
			return VerbComment, TypeComment
		case op.Action == ActionDelete:
			return VerbDelete, TypeComment
		case f.Resolved != nil && *f.Resolved:
			return VerbResolve, TypeComment
		case f.Resolved != nil:
			return VerbReopen, TypeComment
		}
		return VerbEdit, TypeComment
	case TypeMarker:
		switch {
		case op.Action == ActionCreate:
			return VerbMark, TypeMarker
		case op.Action == ActionDelete:
			return VerbDelete, TypeMarker
		case f.Resolved != nil && *f.Resolved:
			return VerbResolve, TypeMarker
		case f.Resolved != nil:
			return VerbReopen, TypeMarker
		}
		return VerbEdit, TypeMarker
	case TypePlusOne:
		if op.Action == ActionCreate {
			return VerbPlusOne, TypeMarker
		}
		return VerbWithdraw, TypeMarker
	}
	switch op.Action {
	case ActionCreate:
		return VerbAdd, op.Type
	case ActionDelete:
		return VerbDelete, op.Type
	}
	names := f.names()
	moves := map[string][]string{TypeCard: {"stage", "lane", "order"}, TypeStage: {"order"}, TypeLane: {"order"}}[op.Type]
	if len(moves) > 0 && !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(moves, n) }) {
		return VerbMove, op.Type
	}
	return VerbChange, op.Type
}

// activityStage returns the stage an op's card or annotation is in: where the op puts it,
// or else where it is now; "" when it is in none (a link, a team) or is gone.
func activityStage(op *Op, now *Board) string {
	f := op.Fields
	switch op.Type {
	case TypeCard:
		if f.Stage != nil {
			return *f.Stage
		}
		if c := now.Cards[op.ID]; c != nil {
			return c.Stage
		}
	case TypeComment, TypeMarker, TypePlusOne:
		var a *Anchor
		switch {
		case f.Anchor != nil:
			a = f.Anchor
		case op.Type == TypeComment && f.Parent != nil:
			if c := now.Annotations.Comments[*f.Parent]; c != nil {
				a = &c.Anchor
			}
		case op.Type == TypeComment:
			if c := now.Annotations.Comments[op.ID]; c != nil {
				a = &c.Anchor
			}
		default:
			if m := now.Annotations.Markers[op.ID]; m != nil {
				a = &m.Anchor
			}
		}
		if a == nil {
			return ""
		}
		if a.Stage != "" {
			return a.Stage
		}
		if c := now.Cards[a.Card]; a.Card != "" && c != nil {
			return c.Stage
		}
	}
	return ""
}
