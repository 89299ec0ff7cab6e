package blueprint_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
)

// importer is who imports in these tests.
var importer = blueprint.Origin{By: "u:importer", Name: "Imogen", At: 1_800_000_000_000}

// importJSON imports an export's bytes as the store does (Import, then Build) and returns
// the new board.
func importJSON(t *testing.T, data []byte, id string) *blueprint.Board {
	t.Helper()
	e, err := blueprint.DecodeExport(data)
	if err != nil {
		t.Fatalf("DecodeExport: %v", err)
	}
	ops, err := e.Import()
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	b, _, err := blueprint.Build(id, e.Title, e.Template, ops, importer)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

// TestImportRoundTrip: export → import → export gives the export blueprinttest.AfterImport
// defines, comments, replies, resolved threads, markers with their evidence and +1s
// included; imported again, the board exports byte for byte the same but for its id.
func TestImportRoundTrip(t *testing.T) {
	src := blueprinttest.Workshop()
	first := exportJSON(t, src)
	b := importJSON(t, first, "copy-1")
	second := exportJSON(t, b)

	e1, err := blueprint.DecodeExport(first)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(blueprinttest.AfterImport(e1, "copy-1"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(second)); diff != "" {
		t.Fatalf("export of the import differs from the round trip's definition (-want +got):\n%s", diff)
	}

	t.Run("Annotations", func(t *testing.T) {
		if len(b.Annotations.Comments) != 7 || len(b.Annotations.Markers) != 3 {
			t.Fatalf("the import holds %d comments and %d markers; want 7 and 3", len(b.Annotations.Comments), len(b.Annotations.Markers))
		}
		ana := blueprint.ImportedPerson("u:ana")
		m1, m2, m3, m6, m7 := b.Annotations.Comments["m1"], b.Annotations.Comments["m2"], b.Annotations.Comments["m3"], b.Annotations.Comments["m6"], b.Annotations.Comments["m7"]
		if m1.By != ana || m1.Author != "Ana "+blueprinttest.Hostile || m1.At != src.Annotations.Comments["m1"].At {
			t.Errorf("m1 by %q %q at %d; want %q, the author's name and time kept", m1.By, m1.Author, m1.At, ana)
		}
		if m2.Parent != "m1" || m2.Anchor != m1.Anchor {
			t.Errorf("the reply m2 is %+v; want in m1's thread", m2)
		}
		if !m3.Resolved || m3.Resolver != "Fa" || m3.ResolvedBy != blueprint.ImportedPerson("u:fa") || m3.EditedAt == 0 {
			t.Errorf("m3 = %+v; want resolved by Fa and edited", m3)
		}
		if !m6.Deleted || m6.Text != "" || m7.Parent != "m6" {
			t.Errorf("m6 %+v, m7 %+v; want m6 deleted and its reply kept", m6, m7)
		}
		if m5 := b.Annotations.Comments["m5"]; b.AnchorExists(m5.Anchor) {
			t.Errorf("m5 is on an anchor that exists: %+v", m5.Anchor)
		}
		f1 := b.Annotations.Markers["f1"]
		if len(f1.PlusOnes) != 2 || f1.PlusOnes[0].Author != "Bo" || f1.Evidence != "https://example.org/form.pdf" || f1.Severity != "blocking" {
			t.Errorf("f1 = %+v", f1)
		}
		if f3 := b.Annotations.Markers["f3"]; !f3.Resolved || f3.Resolution != "Checked at 8 am now" {
			t.Errorf("f3 = %+v; want resolved with its sentence", f3)
		}
		for _, id := range []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7"} {
			if c := b.Annotations.Comments[id]; !blueprint.IsImported(c.By) || strings.Contains(string(second), `"`+src.Annotations.Comments[id].By+`"`) {
				t.Errorf("comment %s is by %q, and the export names the original identity", id, c.By)
			}
		}
	})

	t.Run("Document", func(t *testing.T) {
		a, b := src.Export(), b.Export()
		a.ID, a.Seq, a.Comments, a.Markers = "", 0, nil, nil
		b.ID, b.Seq, b.Comments, b.Markers = "", 0, nil, nil
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("the document differs (-source +import):\n%s", diff)
		}
	})

	t.Run("Again", func(t *testing.T) {
		// Imported people stay who they are: the export of an unchanged import is a fixed
		// point of the round trip, but for the board's id.
		third := exportJSON(t, importJSON(t, second, "copy-2"))
		if diff := cmp.Diff(strings.Replace(string(second), `"id":"copy-1"`, `"id":"copy-2"`, 1), string(third)); diff != "" {
			t.Errorf("a second round trip changed the export (-second +third):\n%s", diff)
		}
	})

	t.Run("Replay", func(t *testing.T) {
		// The state is the replay of the log: the ops Build returns, applied again.
		e, _ := blueprint.DecodeExport(first)
		ops, _ := e.Import()
		_, log, err := blueprint.Build("copy-1", e.Title, e.Template, ops, importer)
		if err != nil {
			t.Fatal(err)
		}
		r := blueprint.NewBoard("copy-1", "", e.Template)
		for i, op := range log {
			data, _ := json.Marshal(op) // as the log stores it
			var back blueprint.Op
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			o := importer
			o.Seq = int64(i + 1)
			if err := r.ApplyAs(back, o); err != nil {
				t.Fatalf("replaying op %d: %v", i+1, err)
			}
		}
		r.Seq = int64(len(log))
		if diff := cmp.Diff(string(second), string(exportJSON(t, r))); diff != "" {
			t.Errorf("the replay differs (-import +replay):\n%s", diff)
		}
	})

	t.Run("Version1", func(t *testing.T) {
		// A version 1 export reads as before, and its annotations come in too.
		v1 := strings.Replace(string(first), `"version":2`, `"version":1`, 1)
		if got := exportJSON(t, importJSON(t, []byte(v1), "copy-1")); string(got) != string(second) {
			t.Errorf("a version 1 export imports otherwise:\n%s", cmp.Diff(string(second), string(got)))
		}
	})
}

// TestImportedAuthority: an import op names nobody of the server, nobody may send one,
// nobody is the author of an imported comment or marker (so nobody edits it), a
// facilitator still deletes one, and nobody imported is told of a reply.
func TestImportedAuthority(t *testing.T) {
	b := importJSON(t, exportJSON(t, blueprinttest.Workshop()), "copy")
	ana := blueprint.Origin{Seq: 100, By: "u:ana", Name: "Ana", At: 1}
	fa := blueprint.Origin{Seq: 101, By: "u:fa", Name: "Fa", At: 2, Moderator: true}

	imp := &blueprint.Imported{By: blueprint.ImportedPerson("u:bo"), Author: "Bo", At: 5}
	forged := create(blueprint.TypeComment, "x1", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("Signed: Bo"), Imported: imp})
	wantErr(t, b.Commit(forged, fa), blueprint.EFORBIDDEN, "imported only with a whole board")

	wantErr(t, b.Commit(update(blueprint.TypeComment, "m1", blueprint.Fields{Text: str("Rewritten")}), ana), blueprint.EFORBIDDEN, "only its author")
	wantErr(t, b.Commit(update(blueprint.TypeMarker, "f1", blueprint.Fields{Text: str("Rewritten")}), ana), blueprint.EFORBIDDEN, "only its author")
	wantErr(t, b.Commit(del(blueprint.TypeComment, "m1"), ana), blueprint.EFORBIDDEN, "author or a facilitator")
	mustCommit(t, b, fa, del(blueprint.TypeMarker, "f2"))
	mustCommit(t, b, ana, create(blueprint.TypePlusOne, "f1", blueprint.Fields{}))

	r := reply("r1", "m1", "Still on paper")
	mustCommit(t, b, ana, r)
	if n := b.Notices(r, ana, nil); len(n) != 0 {
		t.Errorf("a reply to an imported thread tells %+v; want nobody", n)
	}

	for _, tc := range []struct {
		name string
		op   blueprint.Op
		code string
		word string
	}{
		{"NotImportedPerson", create(blueprint.TypeComment, "x2", blueprint.Fields{Anchor: on(blueprint.Anchor{Card: "c1"}), Text: str("x"),
			Imported: &blueprint.Imported{By: "u:bo", Author: "Bo"}}), blueprint.EINVALID, "imported people"},
		{"Update", update(blueprint.TypeComment, "m1", blueprint.Fields{Imported: imp}), blueprint.EINVALID, "only a new comment or marker"},
		{"Card", create(blueprint.TypeCard, "x3", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Imported: imp}), blueprint.EINVALID, `no field "imported"`},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.op.Validate(), tc.code, tc.word) })
	}
}

// TestImportRefusals: an export whose annotations could not have been made is refused
// with a message naming the item and the rule, before anything is made.
func TestImportRefusals(t *testing.T) {
	base := `{"format":"lastmile","version":2,"title":"T","seq":9,"stages":[{"id":"s1","name":"S","order":"V"}],` +
		`"lanes":[{"id":"l1","role":"frontstage","label":"L","order":"V"}],"cards":[{"id":"c1","stage":"s1","lane":"l1","order":"V","text":"x","kind":"note"}],"teams":[],"links":[],`
	root := `{"id":"m1","anchor":{"card":"c1"},"text":"Root","seq":2,"by":"u:a","author":"A","at":2}`
	mk := func(m string) string {
		return `{"id":"f1","anchor":{"card":"c1"},"severity":"high","kind":"manual","text":"x","seq":3,"by":"u:a","author":"A","at":3` + m + `}`
	}
	for _, tc := range []struct {
		name, json string
		code       string
		words      []string
	}{
		{"ReplyFirst", `"comments":[{"id":"m2","parent":"m1","anchor":{"card":"c1"},"text":"a","seq":1,"by":"u:b","author":"B","at":1},` + root + `]`,
			blueprint.ENOTFOUND, []string{`comment "m2" of the export`, "does not exist"}},
		{"ReplyElsewhere", `"comments":[` + root + `,{"id":"m2","parent":"m1","anchor":{"stage":"s1"},"text":"a","seq":3,"by":"u:b","author":"B","at":3}]`,
			blueprint.EINVALID, []string{"m2", "on its anchor"}},
		{"ReplyToReply", `"comments":[` + root + `,{"id":"m2","parent":"m1","anchor":{"card":"c1"},"text":"a","seq":3,"by":"u:b","author":"B","at":3},` +
			`{"id":"m3","parent":"m2","anchor":{"card":"c1"},"text":"a","seq":4,"by":"u:b","author":"B","at":4}]`, blueprint.EINVALID, []string{"m3", "first comment of its thread"}},
		{"ResolvedReply", `"comments":[` + root + `,{"id":"m2","parent":"m1","anchor":{"card":"c1"},"text":"a","seq":3,"by":"u:b","author":"B","at":3,"resolved":true,"resolved_by":"u:a","resolver":"A","resolved_at":4}]`,
			blueprint.EINVALID, []string{"resolved or reopened by its first comment"}},
		{"DeletedWithText", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"x","seq":2,"by":"u:a","author":"A","at":2,"deleted":true}]`,
			blueprint.EINVALID, []string{"deleted comment has no text"}},
		{"EmptyText", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":" ","seq":2,"by":"u:a","author":"A","at":2}]`,
			blueprint.EINVALID, []string{"needs a text"}},
		{"ResolverOfOpen", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"x","seq":2,"by":"u:a","author":"A","at":2,"resolver":"A"}]`,
			blueprint.EINVALID, []string{"only a resolved"}},
		{"NoAuthor", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"x","seq":2,"by":"","author":"A","at":2}]`,
			blueprint.EINVALID, []string{"names its author"}},
		{"LongAuthor", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"x","seq":2,"by":"u:a","author":"` + strings.Repeat("é", 201) + `","at":2}]`,
			blueprint.ETOOLARGE, []string{"201 characters"}},
		{"NegativeTime", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"x","seq":2,"by":"u:a","author":"A","at":-2}]`,
			blueprint.EINVALID, []string{"not a negative one"}},
		{"BadMention", `"comments":[{"id":"m1","anchor":{"card":"c1"},"text":"x","mentions":["nobody"],"seq":2,"by":"u:a","author":"A","at":2}]`,
			blueprint.EINVALID, []string{"mention 1"}},
		{"TwiceTheID", `"comments":[` + root + `,` + root + `]`, blueprint.ECONFLICT, []string{"already exists"}},
		{"BadSeverity", `"markers":[` + strings.Replace(mk(""), "high", "huge", 1) + `]`, blueprint.EINVALID, []string{"unknown severity"}},
		{"LinkMarker", `"markers":[` + strings.Replace(mk(""), `{"card":"c1"}`, `{"link":"k1"}`, 1) + `]`, blueprint.EINVALID, []string{"card or a cell"}},
		{"EvidenceScript", `"markers":[` + mk(`,"evidence":"javascript:alert(1)"`) + `]`, blueprint.EINVALID, []string{"http or https"}},
		{"ResolvedWithoutSentence", `"markers":[` + mk(`,"resolved":true,"resolved_by":"u:a","resolver":"A","resolved_at":4`) + `]`,
			blueprint.EINVALID, []string{"sentence"}},
		{"SentenceOfOpen", `"markers":[` + mk(`,"resolution":"done"`) + `]`, blueprint.EINVALID, []string{"resolved: true"}},
		{"OwnPlusOne", `"markers":[` + mk(`,"plus_ones":[{"by":"u:a","author":"A","at":4}]`) + `]`, blueprint.EINVALID, []string{"one +1 of each person"}},
		{"PlusOneTwice", `"markers":[` + mk(`,"plus_ones":[{"by":"u:b","author":"B","at":4},{"by":"u:b","author":"B","at":5}]`) + `]`,
			blueprint.EINVALID, []string{"one +1 of each person"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := blueprint.DecodeExport([]byte(base + tc.json + `}`))
			if err != nil {
				t.Fatalf("DecodeExport: %v", err)
			}
			ops, err := e.Import()
			wantErr(t, err, tc.code, tc.words...)
			if ops != nil {
				t.Errorf("a refused import returns %d ops", len(ops))
			}
		})
	}
}

// TestImportedPerson: an imported person's identity is stable, tells nothing of the
// identity it stands for, is never a session's, and stays as it is when imported again.
func TestImportedPerson(t *testing.T) {
	a, b := blueprint.ImportedPerson("u:ana"), blueprint.ImportedPerson("g:ana")
	if a == b || a != blueprint.ImportedPerson("u:ana") || !strings.HasPrefix(a, "i:") || strings.Contains(a, "ana") {
		t.Errorf("ImportedPerson: u:ana → %q, g:ana → %q", a, b)
	}
	if !blueprint.ValidPerson(a) || !blueprint.IsImported(a) || blueprint.IsImported("u:ana") || blueprint.IsImported("i:") {
		t.Errorf("IsImported/ValidPerson of %q", a)
	}
	if blueprint.ImportedPerson(a) != a || blueprint.ImportedPerson("") != "" {
		t.Errorf("an imported person or nobody changes when imported again")
	}
}

// BenchmarkImport measures what POST /api/boards does with an export before it writes:
// decoding it, checking and making its import ops (Import) and the board they make
// (Build), for the 300-card board of BenchmarkAnalyze with its 40 links, 200 markers and
// their +1s, and 600 comments in 200 threads (docs/performance.md gives the figure).
func BenchmarkImport(b *testing.B) {
	board, _ := bigJourney(b)
	for i := range 600 {
		o := blueprint.Origin{Seq: int64(1000 + i), By: "u:ana", Name: "Ana", At: int64(i)}
		f := blueprint.Fields{Text: str("A comment with a few words in it")}
		if i%3 == 0 {
			f.Anchor = &blueprint.Anchor{Card: fmt.Sprintf("c%d", i%300)}
		} else {
			f.Parent = str(fmt.Sprintf("x%d", i-i%3))
		}
		if err := board.ApplyAs(create(blueprint.TypeComment, fmt.Sprintf("x%d", i), f), o); err != nil {
			b.Fatal(err)
		}
	}
	data, err := json.Marshal(board.Export())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		e, err := blueprint.DecodeExport(data)
		if err != nil {
			b.Fatal(err)
		}
		ops, err := e.Import()
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := blueprint.Build("imported", e.Title, e.Template, ops, importer); err != nil {
			b.Fatal(err)
		}
	}
}
