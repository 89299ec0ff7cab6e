package blueprint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNotices(t *testing.T) {
	b := NewBoard("b1", "", "blank")
	mustApply := func(op Op, o Origin) []Notice {
		t.Helper()
		var prev []string
		if c := b.Annotations.Comments[op.ID]; c != nil {
			prev = c.Mentions
		}
		if err := b.Commit(op, o); err != nil {
			t.Fatalf("%+v: %v", op, err)
		}
		return b.Notices(op, o, prev)
	}
	ana := Origin{Seq: 1, By: "u:ana", Name: "Ana"}
	bo := Origin{Seq: 2, By: "u:bo", Name: "Bo"}
	cy := Origin{Seq: 3, By: "g:cy", Name: "Cy"}
	for _, op := range []Op{
		{Action: ActionCreate, Type: TypeStage, ID: "s1", Fields: Fields{Order: ptr("V")}},
		{Action: ActionCreate, Type: TypeLane, ID: "l1", Fields: Fields{Order: ptr("V"), Role: ptr("frontstage")}},
		{Action: ActionCreate, Type: TypeCard, ID: "c1", Fields: Fields{Stage: ptr("s1"), Lane: ptr("l1"), Order: ptr("V")}},
	} {
		if n := mustApply(op, ana); n != nil {
			t.Errorf("a board op makes notices: %v", n)
		}
	}
	a := Anchor{Card: "c1"}
	got := mustApply(Op{Action: ActionCreate, Type: TypeComment, ID: "m1", Fields: Fields{Anchor: &a, Text: ptr("@Bo @Ana"),
		Mentions: &[]string{"u:bo", "u:ana"}}}, ana)
	if diff := cmp.Diff([]Notice{{To: "u:bo", Kind: NoticeMention, Item: "m1", Anchor: a}}, got); diff != "" {
		t.Errorf("mention, not of oneself (-want +got):\n%s", diff)
	}
	got = mustApply(Op{Action: ActionCreate, Type: TypeComment, ID: "m2", Fields: Fields{Parent: ptr("m1"), Text: ptr("yes")}}, bo)
	if diff := cmp.Diff([]Notice{{To: "u:ana", Kind: NoticeReply, Item: "m2", Anchor: a}}, got); diff != "" {
		t.Errorf("reply (-want +got):\n%s", diff)
	}
	cy.Seq = 4
	got = mustApply(Op{Action: ActionCreate, Type: TypeComment, ID: "m3", Fields: Fields{Parent: ptr("m2"), Text: ptr("@Bo"),
		Mentions: &[]string{"u:bo"}}}, cy)
	want := []Notice{{To: "u:bo", Kind: NoticeMention, Item: "m3", Anchor: a}, {To: "u:ana", Kind: NoticeReply, Item: "m3", Anchor: a}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reply with a mention: each person once, the mention first (-want +got):\n%s", diff)
	}
	got = mustApply(Op{Action: ActionUpdate, Type: TypeComment, ID: "m3", Fields: Fields{Text: ptr("@Bo @Ana"),
		Mentions: &[]string{"u:bo", "u:ana"}}}, cy)
	if diff := cmp.Diff([]Notice{{To: "u:ana", Kind: NoticeMention, Item: "m3", Anchor: a}}, got); diff != "" {
		t.Errorf("an edit tells only the newly mentioned (-want +got):\n%s", diff)
	}
	if got := mustApply(Op{Action: ActionUpdate, Type: TypeComment, ID: "m1", Fields: Fields{Resolved: ptr(true)}}, bo); got != nil {
		t.Errorf("resolving makes notices: %v", got)
	}
	mustApply(Op{Action: ActionCreate, Type: TypeMarker, ID: "f1", Fields: Fields{Anchor: &a, Severity: ptr("high"),
		Kind: ptr("waiting"), Text: ptr("slow")}}, ana)
	got = mustApply(Op{Action: ActionCreate, Type: TypePlusOne, ID: "f1"}, bo)
	if diff := cmp.Diff([]Notice{{To: "u:ana", Kind: NoticePlusOne, Item: "f1", Anchor: a}}, got); diff != "" {
		t.Errorf("+1 (-want +got):\n%s", diff)
	}
	if got := mustApply(Op{Action: ActionDelete, Type: TypePlusOne, ID: "f1"}, bo); got != nil {
		t.Errorf("withdrawing a +1 makes notices: %v", got)
	}
}
