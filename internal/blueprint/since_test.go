package blueprint_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"lastmile/internal/blueprint"
)

// logOf commits ops to b as the log does, from seq on, each with its origin, and returns
// them as committed ops. Each step is (origin, op); the origin's Seq is set here.
type step struct {
	o  blueprint.Origin
	op blueprint.Op
}

func commitLog(t *testing.T, b *blueprint.Board, steps ...step) []blueprint.Committed {
	t.Helper()
	var out []blueprint.Committed
	for _, s := range steps {
		s.o.Seq = b.Seq + 1
		if err := b.Commit(s.op, s.o); err != nil {
			t.Fatalf("%s %s %s: %v", s.op.Action, s.op.Type, s.op.ID, err)
		}
		b.Seq++
		out = append(out, blueprint.Committed{Seq: b.Seq, Author: s.o.Name, By: s.o.By, At: time.UnixMilli(s.o.At), Op: s.op})
	}
	return out
}

func at(o blueprint.Origin, ms int64) blueprint.Origin { o.At = ms; return o }

func TestSinceLastLooked(t *testing.T) {
	const minute = 60000
	for _, tc := range []struct {
		name  string
		steps []step
		want  blueprint.Since
	}{{
		name: "Nothing",
		want: blueprint.Since{},
	}, {
		name: "AddedChangedDeleted",
		steps: []step{
			{at(ana, 1*minute), create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("W"), Text: str("New")})},
			{at(ana, 1*minute), update(blueprint.TypeCard, "c2", blueprint.Fields{Text: str("Checks the stock")})},
			{at(bo, 2*minute), del(blueprint.TypeCard, "c4")}, // and its link k2
			{at(bo, 3*minute), update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("Renamed")})},
		},
		want: blueprint.Since{
			Added:   map[string][]string{"card": {"c9"}},
			Changed: map[string][]string{"card": {"c2"}, "board": {"b1"}},
			Deleted: map[string][]blueprint.Gone{"card": {{ID: "c4", Label: "Ships"}}, "link": {{ID: "k2"}}},
			People:  []blueprint.Person{{By: "u:ana", Name: "Ana", Ops: 2}, {By: "u:bo", Name: "Bo", Ops: 2}},
			FirstAt: 1 * minute, LastAt: 3 * minute,
			Summary: blueprint.Summary{Ops: 4, Changes: 5, People: 2},
		},
	}, {
		name: "MadeAndDeletedIsNothing",
		steps: []step{
			{ana, create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("W")})},
			{ana, del(blueprint.TypeCard, "c9")},
			{ana, update(blueprint.TypeCard, "c2", blueprint.Fields{Text: str("Other")})},
			{ana, update(blueprint.TypeCard, "c2", blueprint.Fields{Text: str("Checks stock")})}, // back as it was
			{ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("gone")})},
			{ana, del(blueprint.TypeComment, "m9")},
		},
		want: blueprint.Since{
			People:  []blueprint.Person{{By: "u:ana", Name: "Ana", Ops: 6}},
			FirstAt: 1000, LastAt: 1000,
			Summary: blueprint.Summary{Ops: 6, People: 1},
		},
	}, {
		name: "CascadesAndTeams",
		steps: []step{
			{ana, del(blueprint.TypeStage, "s1")}, // c1, c2 and their links k1, k3
			{ana, del(blueprint.TypeTeam, "t1")},  // clears c3's team
		},
		want: blueprint.Since{
			Changed: map[string][]string{"card": {"c3"}},
			Deleted: map[string][]blueprint.Gone{"stage": {{ID: "s1", Label: "Order"}}, "card": {{ID: "c1", Label: "Places an order"}, {ID: "c2", Label: "Checks stock"}},
				"link": {{ID: "k1"}, {ID: "k3"}}, "team": {{ID: "t1", Label: "Sales"}}},
			People:  []blueprint.Person{{By: "u:ana", Name: "Ana", Ops: 2}},
			FirstAt: 1000, LastAt: 1000,
			Summary: blueprint.Summary{Ops: 2, Changes: 7, People: 1},
		},
	}, {
		name: "Annotations",
		steps: []step{
			{bo, reply("m3", "m1", "Me")},
			{ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(true)})},
			{bo, update(blueprint.TypeComment, "m2", blueprint.Fields{Text: str("The manager, or me")})},
			{bo, create(blueprint.TypePlusOne, "f1", blueprint.Fields{})},
			{bo, marker("f2", blueprint.Anchor{Card: "c3"})},
			{fac, del(blueprint.TypeComment, "m0")},
		},
		want: blueprint.Since{
			Comments: blueprint.CommentEvents{Added: []string{"m3"}, Edited: []string{"m2"}, Deleted: []string{"m0"}, Resolved: []string{"m1"}},
			Markers:  blueprint.MarkerEvents{Added: []string{"f2"}, PlusOned: []string{"f1"}},
			People:   []blueprint.Person{{By: "u:bo", Name: "Bo", Ops: 4}, {By: "u:ana", Name: "Ana", Ops: 1}, {By: "u:fa", Name: "Fa", Ops: 1}},
			FirstAt:  2000, LastAt: 3000,
			Summary: blueprint.Summary{Ops: 6, Annotations: 6, People: 3},
		},
	}, {
		name: "MarkerEvents",
		steps: []step{
			{ana, update(blueprint.TypeMarker, "f1", blueprint.Fields{Kind: str("waiting")})},
			{bo, update(blueprint.TypeMarker, "f1", blueprint.Fields{Resolved: flg(true), Resolution: str("Done")})},
			{ana, update(blueprint.TypeComment, "m0", blueprint.Fields{Resolved: flg(false)})},
			{bo, del(blueprint.TypeMarker, "f0")},
		},
		want: blueprint.Since{
			Comments: blueprint.CommentEvents{Reopened: []string{"m0"}},
			Markers:  blueprint.MarkerEvents{Edited: []string{"f1"}, Resolved: []string{"f1"}, Deleted: []string{"f0"}},
			People:   []blueprint.Person{{By: "u:ana", Name: "Ana", Ops: 2}, {By: "u:bo", Name: "Bo", Ops: 2}},
			FirstAt:  1000, LastAt: 2000,
			Summary: blueprint.Summary{Ops: 4, Annotations: 4, People: 2},
		},
	}, {
		name: "OldOpsWithoutIdentity",
		steps: []step{
			{blueprint.Origin{Name: "form", At: 4000}, update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("a")})},
			{blueprint.Origin{Name: "form", At: 4000}, update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("b")})},
		},
		want: blueprint.Since{
			Changed: map[string][]string{"card": {"c1"}},
			People:  []blueprint.Person{{Name: "form", Ops: 2}},
			FirstAt: 4000, LastAt: 4000,
			Summary: blueprint.Summary{Ops: 2, Changes: 1, People: 1},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := annotated(t)
			mustCommit(t, b, ana, comment("m0", blueprint.Anchor{Stage: "s2"}, "Resolved before"),
				update(blueprint.TypeComment, "m0", blueprint.Fields{Resolved: flg(true)}))
			mustCommit(t, b, bo, marker("f0", blueprint.Anchor{Card: "c2"}))
			b.Seq = 50
			before := b.Clone()
			ops := commitLog(t, b, tc.steps...)
			got := blueprint.SinceLastLooked(before, b, ops)
			want := tc.want
			want.From, want.To = 50, b.Seq
			fill := func(m *map[string][]string) {
				if *m == nil {
					*m = map[string][]string{}
				}
			}
			fill(&want.Added)
			fill(&want.Changed)
			if want.Deleted == nil {
				want.Deleted = map[string][]blueprint.Gone{}
			}
			if want.People == nil {
				want.People = []blueprint.Person{}
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("SinceLastLooked (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActivity(t *testing.T) {
	const minute = 60000
	b := annotated(t)
	b.Seq = 10
	ops := commitLog(t, b,
		step{at(bo, 5*minute+1000), update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Order: str("k")})},
		step{at(bo, 5*minute+2000), update(blueprint.TypeCard, "c2", blueprint.Fields{Order: str("k")})},
		step{at(ana, 5*minute+2500), update(blueprint.TypeCard, "c3", blueprint.Fields{Text: str("Opens it")})},
		step{at(bo, 5*minute+3000), update(blueprint.TypeCard, "c1", blueprint.Fields{Lane: str("l2"), Order: str("z")})},
		step{at(bo, 5*minute+4000), update(blueprint.TypeCard, "c4", blueprint.Fields{Stage: str("s2"), Order: str("W")})},
		step{at(bo, 5*minute+5000), update(blueprint.TypeCard, "c4", blueprint.Fields{Text: str("Ships fast")})},
		step{at(bo, 5*minute+6000), reply("m3", "m1", "ok")},
		step{at(bo, 6*minute), create(blueprint.TypePlusOne, "f1", blueprint.Fields{})},
		step{at(bo, 6*minute+10), create(blueprint.TypeStage, "s3", blueprint.Fields{Order: str("z")})},
		step{at(bo, 6*minute+20), update(blueprint.TypeMarker, "f1", blueprint.Fields{Resolved: flg(true), Resolution: str("Online")})},
		step{at(ana, 6*minute+30), del(blueprint.TypeStage, "s3")},
		step{at(ana, 6*minute+40), update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(true)})},
		step{at(ana, 6*minute+50), marker("f2", blueprint.Anchor{Card: "c3"})},
	)
	want := []blueprint.ActivityGroup{
		{By: "u:ana", Name: "Ana", Minute: 6 * minute, FromSeq: 21, ToSeq: 23, Items: []blueprint.ActivityItem{
			{Verb: "delete", Type: "stage", Count: 1, IDs: []string{"s3"}},
			{Verb: "resolve", Type: "comment", Count: 1, IDs: []string{"m1"}, Stage: "s2"},
			{Verb: "mark", Type: "marker", Count: 1, IDs: []string{"f2"}, Stage: "s2"},
		}},
		{By: "u:bo", Name: "Bo", Minute: 6 * minute, FromSeq: 18, ToSeq: 20, Items: []blueprint.ActivityItem{
			{Verb: "plusone", Type: "marker", Count: 1, IDs: []string{"f1"}, Stage: "s2"},
			{Verb: "add", Type: "stage", Count: 1, IDs: []string{"s3"}},
			{Verb: "resolve", Type: "marker", Count: 1, IDs: []string{"f1"}, Stage: "s2"},
		}},
		// c2 moved in its cell: it is in s1; c1's second move names no stage: it is in s2.
		{By: "u:bo", Name: "Bo", Minute: 5 * minute, FromSeq: 11, ToSeq: 17, Items: []blueprint.ActivityItem{
			{Verb: "move", Type: "card", Count: 2, IDs: []string{"c1", "c4"}, Stage: "s2"},
			{Verb: "move", Type: "card", Count: 1, IDs: []string{"c2"}, Stage: "s1"},
			{Verb: "change", Type: "card", Count: 1, IDs: []string{"c4"}, Stage: "s2"},
			{Verb: "reply", Type: "comment", Count: 1, IDs: []string{"m3"}, Stage: "s2"},
		}},
		{By: "u:ana", Name: "Ana", Minute: 5 * minute, FromSeq: 13, ToSeq: 13, Items: []blueprint.ActivityItem{
			{Verb: "change", Type: "card", Count: 1, IDs: []string{"c3"}, Stage: "s2"},
		}},
	}
	got := blueprint.Activity(ops, b)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Activity (-want +got):\n%s", diff)
	}
	if got := blueprint.Activity(nil, b); got == nil || len(got) != 0 {
		t.Errorf("Activity(nil) = %#v; want an empty list", got)
	}
}
