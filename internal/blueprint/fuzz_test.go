package blueprint_test

// Fuzz targets for what the domain reads from outside: batches of ops, board exports and
// order keys. Plain `go test` runs their seeds (the f.Add calls below and the files under
// testdata/fuzz/<Name>/); `make fuzz` runs each target for a while on generated inputs.

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
)

// FuzzDecodeOps decodes arbitrary bytes as a batch of ops and applies them one by one to a
// board made from a template and to an empty board. Every input is decoded or refused with
// a coded error; every op is applied or refused with a coded error; a refused op leaves
// the board as it was and an applied one keeps every invariant of a board.
func FuzzDecodeOps(f *testing.F) {
	for _, seed := range []string{
		`[]`,
		`null`,
		`[{"op":"update","type":"board","id":"b1","fields":{"title":"Parcours « commande »"}}]`,
		`[{"key":"cl-1:1","op":"create","type":"card","id":"c9","fields":{"stage":"stage-2","lane":"lane-3","order":"V","text":"Rappelle le client","team":"team-sales","kind":"touchpoint","active_minutes":15,"wait_minutes":60,"detail":"<b>x</b>","emotion":-2}}]`,
		`[{"op":"create","type":"stage","id":"s9","fields":{"name":"Payer","order":"W"}},{"op":"create","type":"lane","id":"l9","fields":{"role":"emotion","label":"Humeur","order":"z","hidden":true}},{"op":"create","type":"card","id":"c9","fields":{"stage":"s9","lane":"l9","order":"1"}}]`,
		`[{"op":"update","type":"card","id":"c1","fields":{"stage":"stage-3","lane":"lane-2","order":"Vk","team":""}}]`,
		`[{"op":"create","type":"team","id":"t9","fields":{"name":"Juridique","color":"#ABCDEF"}},{"op":"update","type":"link","id":"k1","fields":{"owner":"t9","status":"agreed","critical":true,"kind":"dependency"}}]`,
		`[{"op":"create","type":"link","id":"k9","fields":{"kind":"handoff","from":"c2","to":"c3","status":"resolved","owner":"team-success"}}]`,
		`[{"op":"delete","type":"stage","id":"stage-1"},{"op":"delete","type":"lane","id":"lane-2"},{"op":"delete","type":"team","id":"team-sales"},{"op":"delete","type":"card","id":"c3"},{"op":"delete","type":"link","id":"k2"}]`,
		`[{"op":"update","type":"lane","id":"lane-1","fields":{"role":"custom","label":"","hidden":false,"order":"0V"}},{"op":"update","type":"team","id":"team-marketing","fields":{"name":"Marketing","color":"#000000"}}]`,
		// Refused, each for another reason.
		`[{"op":"create","type":"card","id":"c1","fields":{"stage":"stage-1","lane":"lane-1","order":"V"}}]`,
		`[{"op":"create","type":"link","id":"k9","fields":{"from":"c1","to":"c1"}}]`,
		`[{"op":"update","type":"link","id":"k1","fields":{"to":"c3"}}]`,
		`[{"op":"update","type":"card","id":"c1","fields":{"kind":"handoff","order":"V0"}}]`,
		`[{"op":"update","type":"card","id":"c1","fields":{"text":"a\u0000b"}}]`,
		`[{"op":"move","type":"card","id":"c1"},{"op":"create","type":"board","id":"b1"},{"op":"update","type":"card","id":"c1"}]`,
		`[{"op":"create","type":"stage","id":"s 9","fields":{"order":"V"}}]`,
		`[{"op":"create","type":"card","id":"c9","fields":{"stage":"stage-1","lane":"lane-1","order":"V","color":"#123456"}}]`,
		`[{"op":"create","type":"card","id":"c9","unknown":1}]`,
		`[{"op":"update","type":"card","id":"c1","fields":{"active_minutes":1e3}}]`,
		`[{"op":"delete","type":"card","id":"c1","fields":{"text":"x"}}]`,
		`{"op":"create"}`,
		`[] []`,
		"[\"\xff\"]",
		// The analysis fields, and what is refused of them.
		`[{"op":"update","type":"board","id":"b1","fields":{"launch_candidate":true,"launch_date":"2026-06-01","problem":"Le formulaire se perd","daily_users":["Ana","Bo"],"minimum_useful":"Un formulaire en ligne","deadline":"2026-06-30","check_in":""}},{"op":"update","type":"stage","id":"stage-1","fields":{"entered":1000,"completed":800}},{"op":"update","type":"card","id":"c1","fields":{"active_minutes":60,"active_minutes_max":120,"wait_minutes_max":30,"evidence":"to_verify","manual":true,"milestone":"first_contact"}},{"op":"update","type":"link","id":"k1","fields":{"holder":"Chloé","risk":{"by":"Dan","reason":"repli par téléphone","on":"2026-05-05"},"ack_from":{"by":"Ana","on":"2026-05-04"},"ack_to":{}}}]`,
		`[{"op":"update","type":"board","id":"b1","fields":{"deadline":"2026-02-30","daily_users":["a","b","c","d"]}},{"op":"update","type":"stage","id":"stage-1","fields":{"entered":1,"completed":2}},{"op":"update","type":"card","id":"c1","fields":{"evidence":"sure","milestone":"end","active_minutes":9,"active_minutes_max":3}},{"op":"update","type":"link","id":"k1","fields":{"risk":{"by":"Dan"},"ack_to":{"on":"2026-05-04"}}}]`,
		// Annotations: comments, replies, markers and +1s, made as several people (see
		// fuzzPeople), and what is refused of them.
		`[{"op":"create","type":"comment","id":"m9","fields":{"anchor":{"card":"c1"},"text":"Qui signe ? @Bo","mentions":["u:bo"]}},{"op":"create","type":"comment","id":"m8","fields":{"parent":"m9","text":"Moi"}}]`,
		`[{"op":"create","type":"comment","id":"m9","fields":{"anchor":{"stage":"stage-1","lane":"lane-2"},"text":"x"}},{"op":"update","type":"comment","id":"m1","fields":{"resolved":true}},{"op":"update","type":"comment","id":"m1","fields":{"text":"edit","mentions":[]}},{"op":"delete","type":"comment","id":"m1"}]`,
		`[{"op":"create","type":"comment","id":"m9","fields":{"anchor":{"link":"k1"},"text":"x"}},{"op":"create","type":"comment","id":"m8","fields":{"anchor":{"stage":"stage-2"},"text":"y"}}]`,
		`[{"op":"create","type":"marker","id":"f9","fields":{"anchor":{"card":"c2"},"severity":"blocking","kind":"manual","text":"Formulaire papier","evidence":"https://example.org/scan.pdf"}},{"op":"create","type":"plusone","id":"f9"},{"op":"create","type":"plusone","id":"f1"},{"op":"delete","type":"plusone","id":"f1"}]`,
		`[{"op":"update","type":"marker","id":"f1","fields":{"resolved":true,"resolution":"En ligne"}},{"op":"update","type":"marker","id":"f1","fields":{"resolved":false}},{"op":"update","type":"marker","id":"f1","fields":{"severity":"low","kind":"waiting","text":"x","evidence":"photo"}},{"op":"delete","type":"marker","id":"f1"}]`,
		`[{"op":"create","type":"comment","id":"m9","fields":{"anchor":{"card":"c1","lane":"lane-1"},"text":"x"}},{"op":"create","type":"comment","id":"m9","fields":{"text":"x"}},{"op":"create","type":"marker","id":"f9","fields":{"anchor":{"link":"k1"},"severity":"low","kind":"manual","text":"x"}}]`,
		`[{"op":"create","type":"marker","id":"f9","fields":{"anchor":{"card":"c1"},"severity":"low","kind":"manual","text":"x","evidence":"javascript:alert(1)"}},{"op":"update","type":"plusone","id":"f1","fields":{"text":"x"}},{"op":"create","type":"comment","id":"m9","by":"u:ana","fields":{"anchor":{"card":"c1"},"text":"x"}}]`,
	} {
		f.Add([]byte(seed))
	}
	template := templateBoard(f)
	empty := blueprint.NewBoard("b1", "", blueprint.TemplateBlank)

	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := blueprint.DecodeOps(data)
		if err != nil {
			wantRefused(t, err, "DecodeOps")
			return
		}
		for _, start := range []*blueprint.Board{template, empty} {
			b := start.Clone()
			for i, op := range ops {
				applyChecked(t, b, i, op)
			}
			if err := annotationInvariants(b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// templateBoard returns board b1 made from the sales-cycle template (stages, lanes and
// teams), with a few cards and links added so that deletes have something to cascade to.
func templateBoard(tb testing.TB) *blueprint.Board {
	tb.Helper()
	title, ops, err := blueprint.TemplateOps(blueprint.TemplateSalesCycle, nil)
	if err != nil {
		tb.Fatalf("TemplateOps: %v", err)
	}
	ops = append(ops,
		create(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V"), Text: str("Asks for a quote"), Team: str("team-sales")}),
		create(blueprint.TypeCard, "c2", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-3"), Order: str("V"), Kind: str("process")}),
		create(blueprint.TypeCard, "c3", blueprint.Fields{Stage: str("stage-2"), Lane: str("lane-3"), Order: str("G"), Team: str("team-success")}),
		create(blueprint.TypeLink, "k1", blueprint.Fields{From: str("c1"), To: str("c2"), Owner: str("team-sales")}),
		create(blueprint.TypeLink, "k2", blueprint.Fields{From: str("c2"), To: str("c3"), Kind: str("dependency")}),
		create(blueprint.TypeComment, "m1", blueprint.Fields{Anchor: &blueprint.Anchor{Card: "c1"}, Text: str("Qui valide ?")}),
		create(blueprint.TypeComment, "m2", blueprint.Fields{Parent: str("m1"), Text: str("Le responsable")}),
		create(blueprint.TypeMarker, "f1", blueprint.Fields{Anchor: &blueprint.Anchor{Card: "c2"}, Severity: str("high"), Kind: str("manual"), Text: str("Papier")}),
	)
	b := blueprint.NewBoard("b1", title, blueprint.TemplateSalesCycle)
	for i, op := range ops {
		if err := b.Commit(op, fuzzPeople[i%len(fuzzPeople)]); err != nil {
			tb.Fatalf("op %d (%s %s %s): %v", i, op.Action, op.Type, op.ID, err)
		}
	}
	return b
}

// fuzzPeople are who the fuzzed ops are made as, in turn: two people and a facilitator.
var fuzzPeople = []blueprint.Origin{{By: "u:ana", Name: "Ana", At: 1}, {By: "u:bo", Name: "Bo", At: 2}, {By: "g:fa", Name: "Fa", At: 3, Moderator: true}}

// annotationInvariants returns an error naming the first rule of annotations that b
// breaks: every reply is in the thread of an existing first comment, with its anchor;
// anchors are well formed and a marker's is a card or a cell; texts, values and +1s
// within their limits, one +1 per person.
func annotationInvariants(b *blueprint.Board) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for k, c := range b.Annotations.Comments {
		if k != c.ID || c.Anchor.Kind() == "" || (c.Deleted && c.Text != "") || (!c.Deleted && strings.TrimSpace(c.Text) == "") ||
			utf8.RuneCountInString(c.Text) > blueprint.MaxTextLen || len(c.Mentions) > blueprint.MaxMentions {
			bad("comment %s: %+v", k, c)
		}
		if c.Parent != "" {
			root := b.Annotations.Comments[c.Parent]
			if root == nil || root.Parent != "" || root.Anchor != c.Anchor || c.Resolved {
				bad("reply %s is not in a thread: %+v", k, c)
			}
		}
	}
	for k, m := range b.Annotations.Markers {
		if k != m.ID || (m.Anchor.Kind() != blueprint.AnchorCard && m.Anchor.Kind() != blueprint.AnchorCell) ||
			!slices.Contains(blueprint.Severities, m.Severity) || !slices.Contains(blueprint.FrictionKinds, m.Kind) ||
			utf8.RuneCountInString(m.Text) > blueprint.MaxMarkerTextLen || (m.Resolved != (m.Resolution != "")) {
			bad("marker %s: %+v", k, m)
		}
		seen := map[string]bool{}
		for _, p := range m.PlusOnes {
			if seen[p.By] || p.By == m.By {
				bad("marker %s: a second +1 of %s, or its author's", k, p.By)
			}
			seen[p.By] = true
		}
	}
	return errors.Join(errs...)
}

// applyChecked applies op (item i of a batch) to b and fails the test if a refusal is not
// coded, if a refused op changed the board, or if an applied one broke an invariant.
func applyChecked(t *testing.T, b *blueprint.Board, i int, op blueprint.Op) {
	t.Helper()
	before := marshalBoard(t, b)
	if err := b.Commit(op, fuzzPeople[i%len(fuzzPeople)]); err != nil {
		wantRefused(t, err, fmt.Sprintf("op %d %+v", i, op))
		if after := marshalBoard(t, b); !bytes.Equal(before, after) {
			t.Fatalf("op %d %+v was refused (%v) but changed the board (-before +after):\n%s", i, op, err, cmp.Diff(string(before), string(after)))
		}
		return
	}
	if err := boardInvariants(b); err != nil {
		t.Fatalf("op %d %+v was applied and broke the board: %v", i, op, err)
	}
}

func marshalBoard(t testing.TB, b *blueprint.Board) []byte {
	t.Helper()
	data, err := blueprint.MarshalBoard(b)
	if err != nil {
		t.Fatalf("MarshalBoard: %v", err)
	}
	return data
}

// wantRefused fails unless err is a coded error that blames the input: invalid, not
// found, conflict or too large, or forbidden (someone else's comment or marker), with a
// message to show.
func wantRefused(t *testing.T, err error, what string) {
	t.Helper()
	var e *blueprint.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: uncoded error %v (%T)", what, err, err)
	}
	switch e.Code {
	case blueprint.EINVALID, blueprint.ENOTFOUND, blueprint.ECONFLICT, blueprint.ETOOLARGE, blueprint.EFORBIDDEN:
	default:
		t.Fatalf("%s: error code %q (%v), want one that blames the input", what, e.Code, err)
	}
	if e.Message == "" {
		t.Fatalf("%s: coded error %q without a message", what, e.Code)
	}
}

var teamColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// boardInvariants returns an error naming the first rule of a board that b breaks: every
// entity is filed under its own valid id with a valid order key and texts within their
// limits; every card's stage, lane and team, and every link's cards and owner, exist;
// kinds, roles, statuses, colours, minutes and emotions are from their ranges; no type
// holds more entities than its limit.
func boardInvariants(b *blueprint.Board) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	text := func(what, v string, limit int) {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || utf8.RuneCountInString(v) > limit {
			bad("%s: text %.40q is not valid UTF-8 without NUL of at most %d characters", what, v, limit)
		}
	}
	entity := func(what, key, id, order string) {
		if key != id || !blueprint.ValidID(id) {
			bad("%s is filed under %q with id %q", what, key, id)
		}
		if order != "-" && !blueprint.ValidOrder(order) {
			bad("%s has invalid order key %q", what, order)
		}
	}
	exists := func(what, ref string, ok bool) {
		if !ok {
			bad("%s refers to missing %q", what, ref)
		}
	}

	text("title", b.Title, blueprint.MaxNameLen)
	for _, n := range []struct {
		what     string
		got, max int
	}{
		{"stages", len(b.Stages), blueprint.MaxStages}, {"lanes", len(b.Lanes), blueprint.MaxLanes},
		{"cards", len(b.Cards), blueprint.MaxCards}, {"teams", len(b.Teams), blueprint.MaxTeams},
		{"links", len(b.Links), blueprint.MaxLinks},
	} {
		if n.got > n.max {
			bad("%d %s, more than the limit of %d", n.got, n.what, n.max)
		}
	}
	for k, s := range b.Stages {
		entity("stage "+k, k, s.ID, s.Order)
		text("stage "+k+" name", s.Name, blueprint.MaxNameLen)
	}
	for k, l := range b.Lanes {
		entity("lane "+k, k, l.ID, l.Order)
		text("lane "+k+" label", l.Label, blueprint.MaxNameLen)
		if !slices.Contains(blueprint.LaneRoles, l.Role) {
			bad("lane %s has role %q", k, l.Role)
		}
	}
	for k, tm := range b.Teams {
		entity("team "+k, k, tm.ID, "-")
		text("team "+k+" name", tm.Name, blueprint.MaxNameLen)
		if !teamColor.MatchString(tm.Color) {
			bad("team %s has colour %q", k, tm.Color)
		}
	}
	for k, c := range b.Cards {
		what := "card " + k
		entity(what, k, c.ID, c.Order)
		_, ok := b.Stages[c.Stage]
		exists(what+" stage", c.Stage, ok)
		_, ok = b.Lanes[c.Lane]
		exists(what+" lane", c.Lane, ok)
		_, ok = b.Teams[c.Team]
		exists(what+" team", c.Team, ok || c.Team == "")
		text(what+" text", c.Text, blueprint.MaxTextLen)
		text(what+" detail", c.Detail, blueprint.MaxDetailLen)
		if !slices.Contains(blueprint.CardKinds, c.Kind) {
			bad("%s has kind %q", what, c.Kind)
		}
		if c.ActiveMinutes < 0 || c.ActiveMinutes > blueprint.MaxMinutes || c.WaitMinutes < 0 || c.WaitMinutes > blueprint.MaxMinutes {
			bad("%s has minutes %d and %d", what, c.ActiveMinutes, c.WaitMinutes)
		}
		if c.Emotion < -2 || c.Emotion > 2 {
			bad("%s has emotion %d", what, c.Emotion)
		}
	}
	for k, l := range b.Links {
		what := "link " + k
		entity(what, k, l.ID, "-")
		_, ok := b.Cards[l.From]
		exists(what+" from", l.From, ok)
		_, ok = b.Cards[l.To]
		exists(what+" to", l.To, ok)
		_, ok = b.Teams[l.Owner]
		exists(what+" owner", l.Owner, ok || l.Owner == "")
		if l.From == l.To {
			bad("%s joins card %q to itself", what, l.From)
		}
		if !slices.Contains(blueprint.LinkKinds, l.Kind) || !slices.Contains(blueprint.LinkStatuses, l.Status) {
			bad("%s has kind %q and status %q", what, l.Kind, l.Status)
		}
	}
	return errors.Join(errs...)
}

// FuzzDecodeExport imports arbitrary bytes as a board export. Every input is imported or
// refused with a coded error; an accepted export holds what the input held and exports
// again to a document that imports to the same board, byte for byte.
func FuzzDecodeExport(f *testing.F) {
	f.Add(marshalBoard(f, templateBoard(f)))
	f.Add(marshalBoard(f, blueprinttest.Workshop()))
	for _, seed := range []string{
		`{"format":"lastmile","version":2,"title":"","seq":4,"stages":[],"lanes":[],"cards":[],"teams":[],"links":[],` +
			`"comments":[{"id":"m1","anchor":{"card":"c9"},"text":"x","mentions":["i:ab"],"seq":2,"by":"i:0123","author":"<b>A</b>","at":2,"resolved":true,"resolved_by":"i:ab","resolver":"B","resolved_at":3},` +
			`{"id":"m2","anchor":{"card":"c9"},"parent":"m1","text":"","seq":3,"by":"u:x","author":"","at":0,"deleted":true}],` +
			`"markers":[{"id":"f1","anchor":{"stage":"s1","lane":"l1"},"severity":"low","kind":"other","text":"x","seq":1,"by":"c:k","author":"K","at":1,"plus_ones":[{"by":"i:ab","author":"B","at":2}]}]}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"stages":null,"lanes":null,"cards":null,"teams":null,"links":null}`,
		`{"format":"lastmile","version":1,"id":"b7","title":"Parcours","template":"journey-map","seq":12,` +
			`"stages":[{"id":"s1","name":"Payer","order":"V"}],` +
			`"lanes":[{"id":"l1","role":"emotion","label":"Humeur","order":"G","hidden":true}],` +
			`"cards":[{"id":"c1","stage":"s1","lane":"l1","order":"V","text":"é","kind":"emotion","emotion":2,"active_minutes":5,"wait_minutes":525600,"detail":"<script>","team":"t1"},` +
			`{"id":"c2","stage":"s1","lane":"l1","order":"V","text":"","kind":"note"}],` +
			`"teams":[{"id":"t1","name":"Vente","color":"#2563eb"}],` +
			`"links":[{"id":"k1","kind":"dependency","from":"c2","to":"c1","critical":true,"status":"agreed","owner":"t1"}]}`,
		`{"format":"lastmile","version":1,"id":"b7","title":"Cadre","seq":3,"framing":{"launch_candidate":true,"launch_date":"2026-06-01","problem":"p","daily_users":["Ana","Bo"],"deadline":"2026-06-30"},` +
			`"stages":[{"id":"s1","name":"Payer","order":"V","entered":10,"completed":4}],"lanes":[{"id":"l1","role":"backstage","label":"","order":"G"}],` +
			`"cards":[{"id":"c1","stage":"s1","lane":"l1","order":"V","text":"a","kind":"note","active_minutes":5,"active_minutes_max":9,"evidence":"observed","manual":true,"milestone":"value_moment"},` +
			`{"id":"c2","stage":"s1","lane":"l1","order":"W","text":"b","kind":"note"}],"teams":[],` +
			`"links":[{"id":"k1","kind":"handoff","from":"c1","to":"c2","status":"open","holder":"Chloé","risk":{"by":"Dan","reason":"r","on":"2026-05-05"},"ack_from":{"by":"Ana","on":"2026-05-04"}}]}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"framing":{"daily_users":["a","b","c","d"],"check_in":"tomorrow"}}`,
		`{"format":"lastmile","version":2,"title":"","seq":0}`,
		`{"format":"other","version":1,"title":"","seq":0}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"stages":[{"id":"s1","order":"V"},{"id":"s1","order":"W"}]}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"cards":[{"id":"c1","stage":"s1","lane":"l1","order":"V","kind":"note"}]}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"teams":[{"id":"t1","name":"x","color":""}]}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"extra":true}`,
		`{"format":"lastmile","version":1,"title":"a\u0000"}`,
		`{"format":"lastmile","version":1,"title":"","seq":-1,"stages":[{}],"lanes":[{}],"cards":[{}],"teams":[{}],"links":[{}]}`,
		`[]`,
		`{"format":"lastmile","version":1,"title":"","seq":9,"stages":[{"id":"s1","order":"V"}],"lanes":[],"cards":[],"teams":[],"links":[],` +
			`"comments":[{"id":"m2","anchor":{"card":"c1"},"parent":"m1","text":"Oui","seq":3,"by":"g:bo","author":"Bo","at":3},` +
			`{"id":"m1","anchor":{"card":"c1"},"text":"Qui ?","mentions":["g:bo"],"seq":2,"by":"u:ana","author":"Ana","at":2,"resolved":true,"resolved_by":"g:bo","resolver":"Bo","resolved_at":4},` +
			`{"id":"m3","anchor":{"stage":"s1"},"text":"","seq":5,"by":"u:ana","author":"Ana","at":5,"deleted":true}],` +
			`"markers":[{"id":"f1","anchor":{"stage":"s1","lane":"l9"},"severity":"blocking","kind":"handoff_gap","text":"x","evidence":"https://example.org","seq":6,"by":"u:ana","author":"Ana","at":6,` +
			`"plus_ones":[{"by":"g:bo","author":"Bo","at":7}],"resolved":true,"resolution":"ok","resolved_by":"g:bo","resolver":"Bo","resolved_at":8}]}`,
		`{"format":"lastmile","version":1,"title":"","seq":0,"comments":[{"id":"m1","anchor":{"card":"c1"},"parent":"m1","text":"x","seq":1}],"markers":[{"id":"f1","anchor":{"link":"k1"}}]}`,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := blueprint.DecodeExport(data)
		if err != nil {
			wantRefused(t, err, "DecodeExport")
			return
		}
		checkImport(t, e)
		b, err := e.Board()
		if err != nil {
			wantRefused(t, err, "Export.Board")
			return
		}
		if err := errors.Join(boardInvariants(b), annotationInvariants(b)); err != nil {
			t.Fatalf("an accepted export makes a broken board: %v", err)
		}
		want := exportContent(e)
		want.Version = blueprint.ExportVersion // an older version reads as this one
		if diff := cmp.Diff(want, exportContent(b.Export())); diff != "" {
			t.Fatalf("the board differs from the export it was made from (-export +board):\n%s", diff)
		}

		first := marshalBoard(t, b)
		e2, err := blueprint.DecodeExport(first)
		if err != nil {
			t.Fatalf("DecodeExport refuses an export of an accepted board: %v\n%s", err, first)
		}
		b2, err := e2.Board()
		if err != nil {
			t.Fatalf("Export.Board refuses an export of an accepted board: %v\n%s", err, first)
		}
		if second := marshalBoard(t, b2); !bytes.Equal(first, second) {
			t.Fatalf("the export does not survive a round trip (-first +second):\n%s", cmp.Diff(string(first), string(second)))
		}
	})
}

// checkImport imports e as POST /api/boards does: refused with a coded error, or the
// board it makes holds what blueprinttest.AfterImport says, and an export of it imports
// again to the same board but for its id.
func checkImport(t *testing.T, e *blueprint.Export) {
	t.Helper()
	ops, err := e.Import()
	if err != nil {
		wantRefused(t, err, "Export.Import")
		return
	}
	who := blueprint.Origin{By: "u:importer", Name: "I", At: 1}
	b, _, err := blueprint.Build("imported", e.Title, e.Template, ops, who)
	if err != nil {
		t.Fatalf("Build refuses the ops Import checked: %v", err)
	}
	if err := errors.Join(boardInvariants(b), annotationInvariants(b)); err != nil {
		t.Fatalf("an accepted import makes a broken board: %v", err)
	}
	if diff := cmp.Diff(exportContent(blueprinttest.AfterImport(e, "imported")), exportContent(b.Export())); diff != "" {
		t.Fatalf("the import differs from the round trip's definition (-want +got):\n%s", diff)
	}
	first := marshalBoard(t, b)
	e2, err := blueprint.DecodeExport(first)
	if err != nil {
		t.Fatalf("DecodeExport refuses the export of an import: %v\n%s", err, first)
	}
	ops2, err := e2.Import()
	if err != nil {
		t.Fatalf("Import refuses the export of an import: %v\n%s", err, first)
	}
	b2, _, err := blueprint.Build("imported", e2.Title, e2.Template, ops2, who)
	if err != nil {
		t.Fatal(err)
	}
	if second := marshalBoard(t, b2); !bytes.Equal(first, second) {
		t.Fatalf("importing an import's export changes it (-first +second):\n%s", cmp.Diff(string(first), string(second)))
	}
}

// content is what an export says about a board, with its lists as sets: the order of
// items in a document does not matter, sorting is the exporter's job.
type content struct {
	Format, ID, Title, Template string
	Version                     int
	Seq                         int64
	Stages                      map[string]blueprint.Stage
	Lanes                       map[string]blueprint.Lane
	Cards                       map[string]blueprint.Card
	Teams                       map[string]blueprint.Team
	Links                       map[string]blueprint.Link
	Comments                    map[string]blueprint.Comment
	Markers                     map[string]blueprint.Marker
}

func exportContent(e *blueprint.Export) content {
	return content{
		Format: e.Format, ID: e.ID, Title: e.Title, Template: e.Template, Version: e.Version, Seq: e.Seq,
		Stages:   byID(e.Stages, func(s *blueprint.Stage) string { return s.ID }),
		Lanes:    byID(e.Lanes, func(l *blueprint.Lane) string { return l.ID }),
		Cards:    byID(e.Cards, func(c *blueprint.Card) string { return c.ID }),
		Comments: byID(e.Comments, func(c *blueprint.Comment) string { return c.ID }),
		Markers:  byID(e.Markers, func(m *blueprint.Marker) string { return m.ID }),
		Teams:    byID(e.Teams, func(t *blueprint.Team) string { return t.ID }),
		Links:    byID(e.Links, func(l *blueprint.Link) string { return l.ID }),
	}
}

func byID[T any](items []*T, id func(*T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, v := range items {
		m[id(v)] = *v
	}
	return m
}

// FuzzKeyBetween calls the order-key functions with arbitrary bounds. ValidOrder never
// panics; KeyBetween and KeysBetween return keys that are valid and strictly between
// valid bounds given in order, ETOOLARGE only when a bound is already at the length
// limit, and EINVALID for anything else.
func FuzzKeyBetween(f *testing.F) {
	z128 := strings.Repeat("z", blueprint.MaxOrderLen)
	for _, seed := range []struct {
		a, b string
		n    uint8
	}{
		{"", "", 1}, {"", "", 7}, {"V", "", 1}, {"", "V", 2}, {"", "1", 1}, {"", "01", 3},
		{"z", "", 1}, {"zz", "", 4}, {"1", "2", 1}, {"1", "101", 5}, {"V", "V01", 2}, {"Vz", "W", 1},
		{"y", "z", 9}, {"0001", "", 1}, {"", "0001", 1}, {z128, "", 1}, {"", "0" + z128[1:], 1},
		{"W", "V", 1}, {"V", "V", 1}, {"0", "", 1}, {"", "a0", 1}, {"é", "", 1}, {"V", "V\x00", 1},
		{z128 + "z", "", 1},
	} {
		f.Add(seed.a, seed.b, seed.n)
	}

	f.Fuzz(func(t *testing.T, a, b string, n uint8) {
		validA, validB := blueprint.ValidOrder(a), blueprint.ValidOrder(b)
		ok := (a == "" || validA) && (b == "" || validB) && (a == "" || b == "" || a < b)

		k, err := blueprint.KeyBetween(a, b)
		if err != nil && k != "" {
			t.Fatalf("KeyBetween(%q, %q) = %q alongside the error %v", a, b, k, err)
		}
		checkKeys(t, "KeyBetween", a, b, ok, []string{k}, err, 1)

		count := int(n % 32)
		keys, err := blueprint.KeysBetween(a, b, count)
		if err == nil && len(keys) != count {
			t.Fatalf("KeysBetween(%q, %q, %d) returned %d keys", a, b, count, len(keys))
		}
		if err != nil && keys != nil {
			t.Fatalf("KeysBetween(%q, %q, %d) = %q alongside the error %v", a, b, count, keys, err)
		}
		if count > 0 {
			// Each level of KeysBetween's halving may add a digit.
			checkKeys(t, "KeysBetween", a, b, ok, keys, err, bits.Len(uint(count)))
		}
	})
}

// checkKeys fails unless keys, made by fn between a and b, are what the bounds allow:
// when ok (the bounds are valid and in order) ascending valid keys strictly between them,
// at most grow digits longer than the longer bound, or ETOOLARGE when such keys could
// pass the length limit; otherwise EINVALID.
func checkKeys(t *testing.T, fn, a, b string, ok bool, keys []string, err error, grow int) {
	t.Helper()
	if !ok {
		if blueprint.ErrorCode(err) != blueprint.EINVALID {
			t.Fatalf("%s(%q, %q) = %q, %v; want an EINVALID error", fn, a, b, keys, err)
		}
		wantRefused(t, err, fn)
		return
	}
	if err != nil {
		if blueprint.ErrorCode(err) != blueprint.ETOOLARGE || max(len(a), len(b))+grow <= blueprint.MaxOrderLen {
			t.Fatalf("%s(%q, %q): %v; want keys between them", fn, a, b, err)
		}
		wantRefused(t, err, fn)
		return
	}
	prev := a
	for _, k := range keys {
		if !blueprint.ValidOrder(k) || (prev != "" && k <= prev) {
			t.Fatalf("%s(%q, %q) = %q: %q is not a valid key after %q", fn, a, b, keys, k, prev)
		}
		if len(k) > max(len(a), len(b))+grow {
			t.Fatalf("%s(%q, %q) = %q: %q is more than %d digits longer than the bounds", fn, a, b, keys, k, grow)
		}
		prev = k
	}
	if b != "" && prev >= b {
		t.Fatalf("%s(%q, %q) = %q: %q is not before %q", fn, a, b, keys, prev, b)
	}
}
