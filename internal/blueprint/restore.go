package blueprint

import (
	"cmp"
	"reflect"
	"slices"
)

// RestoreOps returns the board ops that turn the document of cur into that of target (a
// past version of the same board): applied in order to cur, they give a board whose
// export equals target's, annotations and sequence aside. Annotations are not part of the
// document (see Annotations): a restore leaves comments and markers as they are.
//
// The order keeps every op valid on the board the ops before it leave, and never lets a
// cascade take what target keeps: links that go (or whose ends differ, since a link's ends
// cannot change) are deleted first, then cards that go, then teams that go; then teams,
// stages and lanes are made or set, then cards (which may move into new stages and
// lanes), then stages and lanes that go are deleted (their cards have left or gone), and
// links are drawn or set last. Each op is computed on a working copy with the ops before
// it applied, so a cascade (a deleted team cleared from the cards) is seen. Only the
// fields that differ are set. cur is not changed.
func RestoreOps(cur, target *Board) []Op {
	work := cur.Clone()
	var ops []Op
	emit := func(op Op) {
		if err := work.Apply(op); err != nil {
			// Every op is built from two valid boards; an error is a bug in this function.
			panic("blueprint: restore op " + op.Action + " " + op.Type + " " + op.ID + ": " + err.Error())
		}
		ops = append(ops, op)
	}
	del := func(typ, id string) { emit(Op{Action: ActionDelete, Type: typ, ID: id}) }

	for _, id := range sortedKeys(work.Links) {
		l, t := work.Links[id], target.Links[id]
		if t == nil || t.From != l.From || t.To != l.To {
			del(TypeLink, id)
		}
	}
	for _, id := range sortedKeys(work.Cards) {
		if target.Cards[id] == nil {
			del(TypeCard, id)
		}
	}
	for _, id := range sortedKeys(work.Teams) {
		if target.Teams[id] == nil {
			del(TypeTeam, id)
		}
	}
	set := func(typ, id string, exists bool, now, want Fields) {
		if !exists {
			emit(Op{Action: ActionCreate, Type: typ, ID: id, Fields: withoutZeros(want, typ)})
			return
		}
		if f, changed := changedFields(now, want); changed {
			emit(Op{Action: ActionUpdate, Type: typ, ID: id, Fields: f})
		}
	}
	for _, id := range sortedKeys(target.Teams) {
		w := work.Teams[id]
		set(TypeTeam, id, w != nil, teamFields(w), teamFields(target.Teams[id]))
	}
	for _, id := range sortedKeys(target.Stages) {
		w := work.Stages[id]
		set(TypeStage, id, w != nil, stageFields(w), stageFields(target.Stages[id]))
	}
	for _, id := range sortedKeys(target.Lanes) {
		w := work.Lanes[id]
		set(TypeLane, id, w != nil, laneFields(w), laneFields(target.Lanes[id]))
	}
	for _, id := range sortedKeys(target.Cards) {
		w := work.Cards[id]
		set(TypeCard, id, w != nil, cardFields(w), cardFields(target.Cards[id]))
	}
	for _, id := range sortedKeys(work.Stages) {
		if target.Stages[id] == nil {
			del(TypeStage, id)
		}
	}
	for _, id := range sortedKeys(work.Lanes) {
		if target.Lanes[id] == nil {
			del(TypeLane, id)
		}
	}
	for _, id := range sortedKeys(target.Links) {
		w := work.Links[id]
		set(TypeLink, id, w != nil, linkFields(w), linkFields(target.Links[id]))
	}
	if f, changed := changedFields(boardFields(work), boardFields(target)); changed {
		emit(Op{Action: ActionUpdate, Type: TypeBoard, ID: cur.ID, Fields: f})
	}
	return ops
}

func sortedKeys[T any](m map[string]*T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	return keys
}

// changedFields returns the fields of want whose values differ from those of now (both
// with every field of their type set), and whether there is any.
func changedFields(now, want Fields) (Fields, bool) {
	var out Fields
	changed := false
	vn, vw, vo := reflect.ValueOf(now), reflect.ValueOf(want), reflect.ValueOf(&out).Elem()
	for i := range vw.NumField() {
		w := vw.Field(i)
		if w.IsNil() {
			continue
		}
		if n := vn.Field(i); !n.IsNil() && reflect.DeepEqual(n.Elem().Interface(), w.Elem().Interface()) {
			continue
		}
		vo.Field(i).Set(w)
		changed = true
	}
	return out, changed
}

// withoutZeros returns f without its zero values, which a create gives anyway, except a
// team's name, which a create needs.
func withoutZeros(f Fields, typ string) Fields {
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		if p := v.Field(i); !p.IsNil() && p.Elem().IsZero() && !(typ == TypeTeam && v.Type().Field(i).Name == "Name") {
			p.SetZero()
		}
	}
	return f
}

// The fields of each entity with every settable field set, zero values included (a zero
// clears: no team, no time, no risk). Nil entities give no fields.

func teamFields(t *Team) Fields {
	if t == nil {
		return Fields{}
	}
	return Fields{Name: ptr(t.Name), Color: ptr(t.Color)}
}

func stageFields(s *Stage) Fields {
	if s == nil {
		return Fields{}
	}
	return Fields{Name: ptr(s.Name), Order: ptr(s.Order), Entered: ptr(s.Entered), Completed: ptr(s.Completed)}
}

func laneFields(l *Lane) Fields {
	if l == nil {
		return Fields{}
	}
	return Fields{Role: ptr(string(l.Role)), Label: ptr(l.Label), Order: ptr(l.Order), Hidden: ptr(l.Hidden)}
}

func cardFields(c *Card) Fields {
	if c == nil {
		return Fields{}
	}
	return Fields{Stage: ptr(c.Stage), Lane: ptr(c.Lane), Order: ptr(c.Order), Text: ptr(c.Text), Team: ptr(c.Team),
		Kind: ptr(c.Kind), ActiveMinutes: ptr(c.ActiveMinutes), WaitMinutes: ptr(c.WaitMinutes), Detail: ptr(c.Detail),
		Emotion: ptr(c.Emotion), ActiveMax: ptr(c.ActiveMax), WaitMax: ptr(c.WaitMax), Evidence: ptr(c.Evidence),
		Manual: ptr(c.Manual), Milestone: ptr(c.Milestone)}
}

func linkFields(l *Link) Fields {
	if l == nil {
		return Fields{}
	}
	return Fields{Kind: ptr(l.Kind), From: ptr(l.From), To: ptr(l.To), Critical: ptr(l.Critical), Status: ptr(l.Status),
		Owner: ptr(l.Owner), Holder: ptr(l.Holder), Risk: ptr(l.Risk), AckFrom: ptr(l.AckFrom), AckTo: ptr(l.AckTo)}
}

func boardFields(b *Board) Fields {
	fr := b.Framing
	return Fields{Title: ptr(b.Title), LaunchCandidate: ptr(fr.LaunchCandidate), LaunchDate: ptr(fr.LaunchDate),
		Problem: ptr(fr.Problem), DailyUsers: ptr(slices.Clone(fr.DailyUsers)), MinimumUseful: ptr(fr.MinimumUseful),
		Deadline: ptr(fr.Deadline), CheckIn: ptr(fr.CheckIn)}
}

// VersionDiff says how a past version of a board differs from the board now, by id:
// cards and links removed since (on the past board, not now), added since (now, not on
// the past board) and changed since (on both, with a field of their own different).
type VersionDiff struct {
	AddedCards, RemovedCards, ChangedCards []string
	AddedLinks, RemovedLinks, ChangedLinks []string
}

// Compare returns how past differs from now.
func Compare(past, now *Board) VersionDiff {
	var d VersionDiff
	for _, id := range sortedKeys(past.Cards) {
		switch n := now.Cards[id]; {
		case n == nil:
			d.RemovedCards = append(d.RemovedCards, id)
		case *n != *past.Cards[id]:
			d.ChangedCards = append(d.ChangedCards, id)
		}
	}
	for _, id := range sortedKeys(now.Cards) {
		if past.Cards[id] == nil {
			d.AddedCards = append(d.AddedCards, id)
		}
	}
	for _, id := range sortedKeys(past.Links) {
		switch n := now.Links[id]; {
		case n == nil:
			d.RemovedLinks = append(d.RemovedLinks, id)
		case *n != *past.Links[id]:
			d.ChangedLinks = append(d.ChangedLinks, id)
		}
	}
	for _, id := range sortedKeys(now.Links) {
		if past.Links[id] == nil {
			d.AddedLinks = append(d.AddedLinks, id)
		}
	}
	return d
}
