package blueprint_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
)

var (
	ana = blueprint.Origin{Seq: 20, By: "u:ana", Name: "Ana", At: 1000}
	bo  = blueprint.Origin{Seq: 21, By: "u:bo", Name: "Bo", At: 2000}
	fac = blueprint.Origin{Seq: 22, By: "u:fa", Name: "Fa", At: 3000, Moderator: true}
)

func mustCommit(t *testing.T, b *blueprint.Board, o blueprint.Origin, ops ...blueprint.Op) {
	t.Helper()
	for i, op := range ops {
		if err := b.Commit(op, o); err != nil {
			t.Fatalf("op %d (%s %s %s) as %s: %v", i, op.Action, op.Type, op.ID, o.By, err)
		}
	}
}

func on(a blueprint.Anchor) *blueprint.Anchor { return &a }

func comment(id string, a blueprint.Anchor, text string) blueprint.Op {
	return create(blueprint.TypeComment, id, blueprint.Fields{Anchor: &a, Text: str(text)})
}

func reply(id, parent, text string) blueprint.Op {
	return create(blueprint.TypeComment, id, blueprint.Fields{Parent: str(parent), Text: str(text)})
}

func marker(id string, a blueprint.Anchor) blueprint.Op {
	return create(blueprint.TypeMarker, id, blueprint.Fields{Anchor: &a, Severity: str("high"), Kind: str("manual"), Text: str("Paper form")})
}

// annotated returns the fixture with a thread on c1 (Ana's comment, Bo's reply) and Ana's
// marker on cell s2×l2.
func annotated(t *testing.T) *blueprint.Board {
	t.Helper()
	b := fixture(t)
	mustCommit(t, b, ana, create(blueprint.TypeComment, "m1", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}),
		Text: str("Who signs? @Bo"), Mentions: &[]string{"u:bo"}}))
	mustCommit(t, b, bo, reply("m2", "m1", "The manager"))
	mustCommit(t, b, ana, marker("f1", blueprint.Anchor{Stage: "s2", Lane: "l2"}))
	return b
}

func TestAnnotationCreate(t *testing.T) {
	b := annotated(t)
	mustCommit(t, b, bo, reply("m3", "m2", "a reply to a reply goes in the thread"))
	want := map[string]*blueprint.Comment{
		"m1": {ID: "m1", Anchor: blueprint.Anchor{Card: "c1"}, Text: "Who signs? @Bo", Mentions: []string{"u:bo"}, Seq: 20, By: "u:ana", Author: "Ana", At: 1000},
		"m2": {ID: "m2", Anchor: blueprint.Anchor{Card: "c1"}, Parent: "m1", Text: "The manager", Seq: 21, By: "u:bo", Author: "Bo", At: 2000},
		"m3": {ID: "m3", Anchor: blueprint.Anchor{Card: "c1"}, Parent: "m1", Text: "a reply to a reply goes in the thread", Seq: 21, By: "u:bo", Author: "Bo", At: 2000},
	}
	if diff := cmp.Diff(want, b.Annotations.Comments); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	wantMarker := &blueprint.Marker{ID: "f1", Anchor: blueprint.Anchor{Stage: "s2", Lane: "l2"}, Severity: "high", Kind: "manual",
		Text: "Paper form", Seq: 20, By: "u:ana", Author: "Ana", At: 1000}
	if diff := cmp.Diff(wantMarker, b.Annotations.Markers["f1"]); diff != "" {
		t.Errorf("marker (-want +got):\n%s", diff)
	}
	mustCommit(t, b, bo, create(blueprint.TypeComment, "m4", blueprint.Fields{Anchor: on(blueprint.Anchor{Link: "k1"}), Text: str("x"),
		Mentions: &[]string{"u:ana", "g:0123abcd"}}))
	mustCommit(t, b, bo, comment("m5", blueprint.Anchor{Stage: "s1"}, "on a stage"))
	if got := b.Annotations.Comments["m4"].Mentions; !slices2Equal(got, []string{"u:ana", "g:0123abcd"}) {
		t.Errorf("mentions %v", got)
	}
}

func slices2Equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// Bad input gets a clear error and changes nothing.
func TestAnnotationRefused(t *testing.T) {
	long := strings.Repeat("é", blueprint.MaxTextLen+1)
	for _, tc := range []struct {
		name  string
		as    blueprint.Origin
		op    blueprint.Op
		code  string
		words []string
	}{
		{"UnknownCard", ana, comment("m9", blueprint.Anchor{Card: "nope"}, "x"), blueprint.ENOTFOUND, []string{`card "nope" does not exist`}},
		{"AnotherBoardsCard", ana, marker("f9", blueprint.Anchor{Card: "c-of-another-board"}), blueprint.ENOTFOUND, []string{"does not exist"}},
		{"UnknownLaneOfCell", ana, comment("m9", blueprint.Anchor{Stage: "s1", Lane: "l9"}, "x"), blueprint.ENOTFOUND, []string{`lane "l9"`}},
		{"BadAnchor", ana, comment("m9", blueprint.Anchor{Card: "c1", Link: "k1"}, "x"), blueprint.EINVALID, []string{"an anchor names"}},
		{"NoAnchor", ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Text: str("x")}), blueprint.EINVALID, []string{"not both"}},
		{"AnchorAndParent", ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Text: str("x"), Parent: str("m1"), Anchor: on(blueprint.Anchor{Card: "c1"})}), blueprint.EINVALID, []string{"not both"}},
		{"UnknownParent", ana, reply("m9", "m8", "x"), blueprint.ENOTFOUND, []string{`comment "m8"`}},
		{"Oversized", ana, comment("m9", blueprint.Anchor{Card: "c1"}, long), blueprint.ETOOLARGE, []string{"4001 characters"}},
		{"Blank", ana, comment("m9", blueprint.Anchor{Card: "c1"}, " \n "), blueprint.EINVALID, []string{"needs a text"}},
		{"NUL", ana, comment("m9", blueprint.Anchor{Card: "c1"}, "a\x00b"), blueprint.EINVALID, []string{"NUL"}},
		{"Exists", ana, comment("m1", blueprint.Anchor{Card: "c1"}, "x"), blueprint.ECONFLICT, []string{"already exists"}},
		{"BadMention", ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("x"), Mentions: &[]string{"ana@example.org"}}), blueprint.EINVALID, []string{"mention 1"}},
		{"MentionTwice", ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("x"), Mentions: &[]string{"u:bo", "u:bo"}}), blueprint.EINVALID, []string{"mention 2"}},
		{"MentionsWithoutText", ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Mentions: &[]string{"u:bo"}}), blueprint.EINVALID, []string{"mentions come with"}},
		{"EditOthers", bo, update(blueprint.TypeComment, "m1", blueprint.Fields{Text: str("mine now")}), blueprint.EFORBIDDEN, []string{"only its author"}},
		{"EditOthersAsFacilitator", fac, update(blueprint.TypeComment, "m1", blueprint.Fields{Text: str("mine now")}), blueprint.EFORBIDDEN, []string{"only its author"}},
		{"DeleteOthers", bo, del(blueprint.TypeComment, "m1"), blueprint.EFORBIDDEN, []string{"or a facilitator"}},
		{"NoAuthor", blueprint.Origin{}, comment("m9", blueprint.Anchor{Card: "c1"}, "x"), blueprint.EUNAUTHORIZED, []string{"who you are"}},
		{"ResolveReply", ana, update(blueprint.TypeComment, "m2", blueprint.Fields{Resolved: flg(true)}), blueprint.EINVALID, []string{"first comment"}},
		{"ReopenOpen", ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(false)}), blueprint.ECONFLICT, []string{"open already"}},
		{"MoveThread", ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c2"})}), blueprint.EINVALID, []string{"follows its card"}},
		{"ResolvedAtCreate", ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("x"), Resolved: flg(true)}), blueprint.EINVALID, []string{"is open"}},
		{"MarkerOnLink", ana, marker("f9", blueprint.Anchor{Link: "k1"}), blueprint.EINVALID, []string{"card or a cell"}},
		{"MarkerSeverity", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("urgent"), Kind: str("manual"), Text: str("x")}), blueprint.EINVALID, []string{"severity"}},
		{"MarkerKind", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"), Kind: str("note"), Text: str("x")}), blueprint.EINVALID, []string{"kind of friction"}},
		{"MarkerNoKind", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"), Text: str("x")}), blueprint.EINVALID, []string{`needs "kind"`}},
		{"MarkerText", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"), Kind: str("manual"), Text: str(strings.Repeat("x", 501))}), blueprint.ETOOLARGE, []string{"501 characters", "500"}},
		{"Evidence", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"), Kind: str("manual"), Text: str("x"), Evidence: str(strings.Repeat("x", 2001))}), blueprint.ETOOLARGE, []string{"2000"}},
		{"JavascriptEvidence", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"), Kind: str("manual"), Text: str("x"), Evidence: str("javascript:alert(1)")}), blueprint.EINVALID, []string{"http or https"}},
		{"FTPEvidence", ana, create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"), Kind: str("manual"), Text: str("x"), Evidence: str("ftp://example.org/x")}), blueprint.EINVALID, []string{"http or https"}},
		{"EditOthersMarker", bo, update(blueprint.TypeMarker, "f1", blueprint.Fields{Severity: str("low")}), blueprint.EFORBIDDEN, []string{"only its author"}},
		{"DeleteOthersMarker", bo, del(blueprint.TypeMarker, "f1"), blueprint.EFORBIDDEN, []string{"or a facilitator"}},
		{"ResolveWithoutHow", bo, update(blueprint.TypeMarker, "f1", blueprint.Fields{Resolved: flg(true)}), blueprint.EINVALID, []string{"saying how"}},
		{"ResolutionAlone", bo, update(blueprint.TypeMarker, "f1", blueprint.Fields{Resolution: str("done")}), blueprint.EINVALID, []string{"resolved: true"}},
		{"OwnPlusOne", ana, create(blueprint.TypePlusOne, "f1", blueprint.Fields{}), blueprint.EINVALID, []string{"not your own"}},
		{"PlusOneMissing", bo, create(blueprint.TypePlusOne, "f9", blueprint.Fields{}), blueprint.ENOTFOUND, []string{`marker "f9"`}},
		{"WithdrawNone", bo, del(blueprint.TypePlusOne, "f1"), blueprint.ENOTFOUND, []string{"not given"}},
		{"PlusOneUpdate", bo, update(blueprint.TypePlusOne, "f1", blueprint.Fields{Text: str("x")}), blueprint.EINVALID, []string{"no field"}},
		{"PlusOneFields", bo, create(blueprint.TypePlusOne, "f1", blueprint.Fields{Text: str("x")}), blueprint.EINVALID, []string{"no field"}},
		{"CardField", ana, create(blueprint.TypeComment, "m9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("x"), Order: str("V")}), blueprint.EINVALID, []string{`no field "order"`}},
		{"AnnotationFieldOnCard", ana, update(blueprint.TypeCard, "c1", blueprint.Fields{Severity: str("low")}), blueprint.EINVALID, []string{`no field "severity"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := annotated(t)
			before := exportJSON(t, b)
			wantErr(t, b.Commit(tc.op, tc.as), tc.code, tc.words...)
			if after := exportJSON(t, b); !bytes.Equal(before, after) {
				t.Fatalf("a refused op changed the board:\n%s", cmp.Diff(string(before), string(after)))
			}
		})
	}
}

func TestAnnotationUpdateDelete(t *testing.T) {
	t.Run("EditOwn", func(t *testing.T) {
		b := annotated(t)
		mustCommit(t, b, blueprint.Origin{Seq: 30, By: "u:ana", Name: "Ana", At: 5000},
			update(blueprint.TypeComment, "m1", blueprint.Fields{Text: str("Who signs, @Fa?"), Mentions: &[]string{"u:fa"}}))
		c := b.Annotations.Comments["m1"]
		if c.Text != "Who signs, @Fa?" || c.EditedAt != 5000 || !slices2Equal(c.Mentions, []string{"u:fa"}) || c.At != 1000 {
			t.Errorf("edited comment %+v", c)
		}
		mustCommit(t, b, ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Text: str("no mention")}))
		if c.Mentions != nil {
			t.Errorf("an edit without mentions keeps %v", c.Mentions)
		}
	})
	t.Run("ResolveReopen", func(t *testing.T) {
		b := annotated(t)
		mustCommit(t, b, bo, update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(true)}))
		c := b.Annotations.Comments["m1"]
		if !c.Resolved || c.ResolvedBy != "u:bo" || c.Resolver != "Bo" || c.ResolvedAt != 2000 {
			t.Errorf("resolved %+v", c)
		}
		wantErr(t, b.Commit(update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(true)}), ana), blueprint.ECONFLICT, "resolved already")
		mustCommit(t, b, ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(false)}))
		if c.Resolved || c.ResolvedBy != "" || c.ResolvedAt != 0 {
			t.Errorf("reopened %+v", c)
		}
	})
	t.Run("DeleteKeepsTheThread", func(t *testing.T) {
		b := annotated(t)
		mustCommit(t, b, ana, del(blueprint.TypeComment, "m1"))
		c := b.Annotations.Comments["m1"]
		if !c.Deleted || c.Text != "" || c.Author != "Ana" {
			t.Errorf("deleted comment %+v", c)
		}
		if b.Annotations.Comments["m2"].Parent != "m1" {
			t.Error("the reply lost its thread")
		}
		wantErr(t, b.Commit(update(blueprint.TypeComment, "m1", blueprint.Fields{Text: str("back")}), ana), blueprint.ENOTFOUND)
		wantErr(t, b.Commit(del(blueprint.TypeComment, "m1"), ana), blueprint.ENOTFOUND)
		wantErr(t, b.Commit(reply("m9", "m1", "x"), bo), blueprint.ENOTFOUND)
		mustCommit(t, b, bo, reply("m9", "m2", "the thread goes on"))
	})
	t.Run("FacilitatorDeletes", func(t *testing.T) {
		b := annotated(t)
		mustCommit(t, b, fac, del(blueprint.TypeComment, "m2"), del(blueprint.TypeMarker, "f1"))
		if !b.Annotations.Comments["m2"].Deleted || b.Annotations.Markers["f1"] != nil {
			t.Error("a facilitator's delete did not apply")
		}
	})
	t.Run("Marker", func(t *testing.T) {
		b := annotated(t)
		later := blueprint.Origin{Seq: 40, By: "u:ana", Name: "Ana", At: 9000}
		mustCommit(t, b, later, update(blueprint.TypeMarker, "f1", blueprint.Fields{Severity: str("blocking"), Evidence: str("https://example.org/form.pdf")}))
		mustCommit(t, b, bo, create(blueprint.TypePlusOne, "f1", blueprint.Fields{}))
		mustCommit(t, b, fac, create(blueprint.TypePlusOne, "f1", blueprint.Fields{}))
		wantErr(t, b.Commit(create(blueprint.TypePlusOne, "f1", blueprint.Fields{}), bo), blueprint.ECONFLICT, "+1 already")
		mustCommit(t, b, bo, del(blueprint.TypePlusOne, "f1"))
		mustCommit(t, b, bo, update(blueprint.TypeMarker, "f1", blueprint.Fields{Resolved: flg(true), Resolution: str("An online form")}))
		want := &blueprint.Marker{ID: "f1", Anchor: blueprint.Anchor{Stage: "s2", Lane: "l2"}, Severity: "blocking", Kind: "manual",
			Text: "Paper form", Evidence: "https://example.org/form.pdf", Seq: 20, By: "u:ana", Author: "Ana", At: 1000, EditedAt: 9000,
			PlusOnes: []blueprint.PlusOne{{By: "u:fa", Author: "Fa", At: 3000}},
			Resolved: true, Resolution: "An online form", ResolvedBy: "u:bo", Resolver: "Bo", ResolvedAt: 2000}
		if diff := cmp.Diff(want, b.Annotations.Markers["f1"]); diff != "" {
			t.Errorf("marker (-want +got):\n%s", diff)
		}
		mustCommit(t, b, fac, update(blueprint.TypeMarker, "f1", blueprint.Fields{Resolved: flg(false)}))
		if m := b.Annotations.Markers["f1"]; m.Resolved || m.Resolution != "" || m.ResolvedBy != "" {
			t.Errorf("reopened %+v", m)
		}
		mustCommit(t, b, ana, del(blueprint.TypeMarker, "f1"))
		wantErr(t, b.Commit(create(blueprint.TypePlusOne, "f1", blueprint.Fields{}), bo), blueprint.ENOTFOUND)
	})
}

// Annotations outlive their anchors, which they name by id: a deleted card's threads are
// kept, the anchor gone, and are on the card again when an undo makes it again; a moved
// card keeps its threads; board ops never change annotations, nor annotation ops the
// document.
func TestAnnotationsFollowTheirAnchors(t *testing.T) {
	b := annotated(t)
	card := *b.Cards["c1"]
	mustApply(t, b, update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Order: str("k")}))
	if c := b.Annotations.Comments["m1"]; c.Anchor.Card != "c1" || !b.AnchorExists(c.Anchor) {
		t.Fatalf("a moved card's thread: %+v", c)
	}
	before := annotationsJSON(t, b)
	mustApply(t, b, del(blueprint.TypeStage, "s2")) // the card and the marker's cell go
	if after := annotationsJSON(t, b); !bytes.Equal(before, after) {
		t.Fatalf("a board op changed the annotations:\n%s", cmp.Diff(string(before), string(after)))
	}
	if b.AnchorExists(b.Annotations.Comments["m1"].Anchor) || b.AnchorExists(b.Annotations.Markers["f1"].Anchor) {
		t.Fatal("the anchors are still there")
	}
	wantErr(t, b.Commit(comment("m9", blueprint.Anchor{Card: "c1"}, "x"), ana), blueprint.ENOTFOUND)
	mustCommit(t, b, bo, reply("m9", "m1", "a deleted card's thread goes on"))
	// The undo makes the stage and the card again, with their ids.
	mustApply(t, b, create(blueprint.TypeStage, "s2", blueprint.Fields{Name: str("Receive"), Order: str("V")}),
		create(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Lane: str(card.Lane), Order: str("k"), Text: str(card.Text)}))
	if !b.AnchorExists(b.Annotations.Comments["m1"].Anchor) || !b.AnchorExists(b.Annotations.Markers["f1"].Anchor) {
		t.Fatal("the anchors did not come back")
	}
	doc := documentJSON(t, b)
	mustCommit(t, b, ana, update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(true)}))
	mustCommit(t, b, bo, create(blueprint.TypePlusOne, "f1", blueprint.Fields{}))
	if after := documentJSON(t, b); !bytes.Equal(doc, after) {
		t.Fatal("an annotation op changed the board document")
	}
}

// annotationsJSON and documentJSON return the two parts of a board's export.
func annotationsJSON(t *testing.T, b *blueprint.Board) []byte {
	t.Helper()
	e := b.Export()
	data, _ := json.Marshal([]any{e.Comments, e.Markers})
	return data
}

func documentJSON(t *testing.T, b *blueprint.Board) []byte {
	t.Helper()
	e := b.Export()
	e.Comments, e.Markers = nil, nil
	data, _ := json.Marshal(e)
	return data
}

func TestAnnotationExport(t *testing.T) {
	b := annotated(t)
	mustCommit(t, b, bo, create(blueprint.TypePlusOne, "f1", blueprint.Fields{}))
	mustCommit(t, b, bo, update(blueprint.TypeComment, "m1", blueprint.Fields{Resolved: flg(true)}))
	mustCommit(t, b, bo, del(blueprint.TypeComment, "m2"))
	mustApply(t, b, del(blueprint.TypeCard, "c1"))
	data := exportJSON(t, b)
	e, err := blueprint.DecodeExport(data)
	if err != nil {
		t.Fatal(err)
	}
	back, err := e.Board()
	if err != nil {
		t.Fatal(err)
	}
	if again := exportJSON(t, back); !bytes.Equal(data, again) {
		t.Fatalf("the export does not round-trip:\n%s", cmp.Diff(string(data), string(again)))
	}
	if got := len(e.Ops()); got != len(b.Export().Ops()) {
		t.Fatal("Ops changed")
	}
	for _, op := range e.Ops() {
		if op.IsAnnotation() {
			t.Fatalf("the export's ops make annotations: %+v", op)
		}
	}
	c := b.Clone()
	c.Annotations.Comments["m1"].Mentions[0] = "changed"
	c.Annotations.Markers["f1"].PlusOnes[0].By = "changed"
	if bytes.Equal(exportJSON(t, c), data) || !bytes.Equal(exportJSON(t, b), data) {
		t.Fatal("Clone shares annotations with its board")
	}

	for _, tc := range []struct {
		name, json, words string
		code              string
	}{
		{"NullComment", `"comments":[null]`, "item 1 of comments is null", blueprint.EINVALID},
		{"TwiceTheID", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"a","seq":1,"by":"u:a","author":"A","at":1},{"id":"m1","anchor":{"card":"c1"},"text":"b","seq":2,"by":"u:a","author":"A","at":2}]`, "already exists", blueprint.ECONFLICT},
		{"ReplyFirst", `"comments":[{"id":"m2","parent":"m1","anchor":{"card":"c1"},"text":"a","seq":1,"by":"u:a","author":"A","at":1}]`, "after the first comment of its thread", blueprint.EINVALID},
		{"BadAnchor", `"markers":[{"id":"f1","anchor":{"link":"k1"},"severity":"low","kind":"manual","text":"x","seq":1,"by":"u:a","author":"A","at":1}]`, "card or a cell", blueprint.EINVALID},
		{"LongText", `"markers":[{"id":"f1","anchor":{"card":"c1"},"severity":"low","kind":"manual","text":"` + strings.Repeat("x", 501) + `","seq":1,"by":"u:a","author":"A","at":1}]`, "501 characters", blueprint.ETOOLARGE},
		{"UnknownField", `"markers":[{"id":"f1","anchor":{"card":"c1"},"nope":1}]`, "unknown field", blueprint.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"format":"lastmile","version":1,"title":"T","seq":3,"stages":[],"lanes":[],"cards":[],"teams":[],"links":[],` + tc.json + `}`
			e, err := blueprint.DecodeExport([]byte(in))
			if err == nil {
				_, err = e.Board()
			}
			wantErr(t, err, tc.code, tc.words)
		})
	}
}

func TestEvidenceLink(t *testing.T) {
	for _, tc := range []struct {
		in   string
		link bool
		ok   bool // accepted as evidence
	}{
		{"https://example.org/a?b=c", true, true},
		{" http://example.org ", true, true},
		{"Photo of the paper form", false, true},
		{"ticket:42", false, true},
		{"see https://example.org", false, true},
		{"javascript:alert(1)", false, false},
		{"JavaScript://%0aalert(1)", false, false},
		{"data:text/html,<b>", false, false},
		{"ftp://example.org", false, false},
		{"https://user:pw@example.org", false, false},
		{"https://", false, false},
	} {
		_, link := blueprint.EvidenceLink(tc.in)
		op := create(blueprint.TypeMarker, "f9", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Severity: str("low"),
			Kind: str("manual"), Text: str("x"), Evidence: str(tc.in)})
		if link != tc.link || (op.Validate() == nil) != tc.ok {
			t.Errorf("%q: link %v, accepted %v (%v); want %v, %v", tc.in, link, op.Validate() == nil, op.Validate(), tc.link, tc.ok)
		}
	}
}

func TestParseAnchor(t *testing.T) {
	for _, a := range []blueprint.Anchor{{Card: "c1"}, {Link: "k1"}, {Stage: "s1"}, {Stage: "s1", Lane: "l1"}} {
		got, err := blueprint.ParseAnchor(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAnchor(%q) = %+v, %v", a.String(), got, err)
		}
	}
	for _, s := range []string{"", "card:", "cell:s1", "lane:l1", "card:a b", "cell:/l1"} {
		if _, err := blueprint.ParseAnchor(s); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", s)
		}
	}
}

// Board ops and annotation ops, made at random by several people: whatever is applied,
// replayed from the log with the origins it was committed with, gives the same board; a
// refused op changes nothing; board ops never change the annotations, and annotation ops
// never the document.
func TestAnnotationsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(testSeed(t), 2))
	type logged struct {
		op blueprint.Op
		o  blueprint.Origin
	}
	b := blueprint.NewBoard("b1", "Board", blueprint.TemplateBlank)
	var log []logged
	applied := map[string]int{}
	for i := range 6000 {
		var op blueprint.Op
		o := blueprint.Origin{By: "u:ana", Name: "Ana"}
		if r.IntN(2) == 0 {
			op = blueprinttest.RandomOp(r, "b1")
		} else {
			op, o = blueprinttest.RandomAnnotation(r)
		}
		o.Seq, o.At = int64(len(log)+1), int64(i)*1000
		before, doc, notes := exportJSON(t, b), documentJSON(t, b), annotationsJSON(t, b)
		if err := b.Commit(op, o); err != nil {
			if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
				t.Fatalf("op %d %+v: uncoded error %v", i, op, err)
			}
			if !bytes.Equal(before, exportJSON(t, b)) {
				t.Fatalf("op %d %+v was refused (%v) but changed the board", i, op, err)
			}
			continue
		}
		applied[op.Action+" "+op.Type]++
		if op.IsAnnotation() && !bytes.Equal(doc, documentJSON(t, b)) {
			t.Fatalf("annotation op %d %+v changed the document", i, op)
		}
		if !op.IsAnnotation() && !bytes.Equal(notes, annotationsJSON(t, b)) {
			t.Fatalf("board op %d %+v changed the annotations", i, op)
		}
		o.Moderator = false // not logged
		log = append(log, logged{op, o})
	}
	t.Logf("applied: %v", applied)
	for _, typ := range blueprint.AnnotationTypes {
		for _, action := range []string{blueprint.ActionCreate, blueprint.ActionUpdate, blueprint.ActionDelete} {
			if typ == blueprint.TypePlusOne && action == blueprint.ActionUpdate {
				continue
			}
			if applied[action+" "+typ] < 5 {
				t.Errorf("only %d ops %q applied", applied[action+" "+typ], action+" "+typ)
			}
		}
	}
	replay := blueprint.NewBoard("b1", "Board", blueprint.TemplateBlank)
	for i, l := range log {
		if err := replay.ApplyAs(l.op, l.o); err != nil {
			t.Fatalf("replaying op %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(string(exportJSON(t, b)), string(exportJSON(t, replay))); diff != "" {
		t.Fatalf("the replay differs (-live +replay):\n%s", diff)
	}
}
