package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
	"lastmile/internal/i18n"
	"lastmile/internal/protocol"
	"lastmile/web"
)

// keyCase is one call of KeyBetween and what the Go implementation answered.
type keyCase struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Key  string `json:"key,omitempty"`
	Code string `json:"code,omitempty"`
}

// keysCase is one call of KeysBetween.
type keysCase struct {
	A    string   `json:"a"`
	B    string   `json:"b"`
	N    int      `json:"n"`
	Keys []string `json:"keys"`
}

// applyStep is one op applied by the Go domain, with the error code ("" when applied)
// and the board's export afterwards (encoded at once: the export shares the board's
// entities, which later ops change).
type applyStep struct {
	Op     blueprint.Op      `json:"op"`
	Origin *blueprint.Origin `json:"origin,omitempty"` // who makes an annotation op: {Seq, By, Name, At}
	Code   string            `json:"code,omitempty"`
	After  json.RawMessage   `json:"after"`
}

// coreInput is what the Go side hands to the JavaScript tests.
type coreInput struct {
	Keys  []keyCase         `json:"keys"`
	KeysN []keysCase        `json:"keysN"`
	Start *blueprint.Export `json:"start"`
	Steps []applyStep       `json:"steps"`
	// UndoHTML is web.UndoTexts as the board page renders it, by language.
	UndoHTML map[string]string `json:"undoHTML"`
	// Frames are the example frames of internal/protocol/testdata/frames, by file name
	// ("client-hello"); Vocabulary is the protocol's (protocol.Vocabulary).
	Frames     map[string]json.RawMessage `json:"frames"`
	Vocabulary protocol.Vocab             `json:"vocabulary"`
}

type coreResults struct {
	Pass     int      `json:"pass"`
	Fail     int      `json:"fail"`
	Failures []string `json:"failures"`
}

// TestCore runs the JavaScript tests of live-core.js and live.js (testdata/core_test.js)
// in Chromium, with the answers of the Go implementation for order keys and op
// application, the protocol's example frames and its vocabulary, and fails on any
// JavaScript failure.
func TestCore(t *testing.T) {
	n := startNode(t, map[string]http.Handler{"/test/": http.StripPrefix("/test/", http.FileServer(http.Dir("testdata")))})
	in := coreInput{Keys: keyTable(t), KeysN: keysTable(t)}
	in.Start, in.Steps = applyTable(t)
	in.UndoHTML = undoHTML(t)
	in.Frames, in.Vocabulary = exampleFrames(t), protocol.Vocabulary()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}

	tab := newTab(t)
	watchConsole(t, tab, false)
	run(t, tab, "loading the test page", 20*time.Second,
		chromedp.Navigate(n.url+"/test/core.html"),
		discard(chromedp.Poll[bool](`window.coreTestsReady === true`, chromedp.WithPollingInterval(10*time.Millisecond))))
	eval[chromedp.Void](t, tab, "window.coreTests.run("+string(data)+")", chromedp.EvalAwaitPromise)
	res := eval[coreResults](t, tab, `window.__coreResults`)

	for _, f := range res.Failures {
		t.Error(f)
	}
	if res.Fail > len(res.Failures) {
		t.Errorf("… and %d more failures", res.Fail-len(res.Failures))
	}
	if res.Pass == 0 {
		t.Fatal("no JavaScript check ran")
	}
	t.Logf("%d JavaScript checks passed, %d failed", res.Pass, res.Fail)
}

// keyTable calls blueprint.KeyBetween on fixed cases, on keys grown by repeated
// insertion at the ends and in the middle, and on random pairs of such keys.
func keyTable(t *testing.T) []keyCase {
	t.Helper()
	var out []keyCase
	call := func(a, b string) string {
		k, err := blueprint.KeyBetween(a, b)
		c := keyCase{A: a, B: b, Key: k, Code: blueprint.ErrorCode(err)}
		out = append(out, c)
		return k
	}
	z128 := strings.Repeat("z", blueprint.MaxOrderLen)
	for _, p := range [][2]string{
		{"", ""}, {"", "V"}, {"V", ""}, {"", "1"}, {"", "01"}, {"", "001"}, {"z", ""}, {"zz", ""},
		{"V", "W"}, {"V", "V1"}, {"V", "X"}, {"1", "2"}, {"0001", "0002"}, {"Zz", "a"}, {"y", "z"},
		{"9", "A"}, {"Z", "a"}, {"V", "Vz"}, {"Vzzz", "W"}, {"", "zzzz"},
		// refused
		{"a0", ""}, {"", "a0"}, {"b", "a"}, {"V", "V"}, {"", "0"}, {"é", ""}, {"V", " "}, {"V-", ""},
		{z128[1:], ""}, {z128, ""}, {strings.Repeat("z", blueprint.MaxOrderLen+1), ""},
	} {
		call(p[0], p[1])
	}
	// Appending, prepending and inserting in the same spot again and again.
	var pool []string
	last, first := "", ""
	lo, hi := "V", "W"
	for range 60 {
		last = call(last, "")
		first = call("", first)
		hi = call(lo, hi)
		pool = append(pool, last, first, hi)
	}
	// Random pairs of the keys made so far, and of keys made between them.
	r := rand.New(rand.NewPCG(1, 2))
	slices.Sort(pool)
	pool = slices.Compact(pool)
	for range 300 {
		i, j := r.IntN(len(pool)), r.IntN(len(pool))
		if i == j {
			continue
		}
		a, b := pool[min(i, j)], pool[max(i, j)]
		if k := call(a, b); k != "" && len(pool) < 2000 {
			pool = append(pool, k)
			slices.Sort(pool)
		}
	}
	return out
}

func keysTable(t *testing.T) []keysCase {
	t.Helper()
	var out []keysCase
	for _, c := range []struct {
		a, b string
		n    int
	}{{"", "", 1}, {"", "", 5}, {"", "", 26}, {"V", "W", 7}, {"A", "", 3}, {"", "1", 10}} {
		keys, err := blueprint.KeysBetween(c.a, c.b, c.n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, keysCase{A: c.a, B: c.b, N: c.n, Keys: keys})
	}
	return out
}

// applyTable applies a sequence of ops to a board made from a template with the Go
// domain, covering every type and action, the cascades and the refusals.
func applyTable(t *testing.T) (*blueprint.Export, []applyStep) {
	t.Helper()
	_, ops, err := blueprint.TemplateOps(blueprint.TemplateServiceBlueprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := blueprint.NewBoard("b1", "Start", blueprint.TemplateServiceBlueprint)
	for _, op := range ops {
		if err := b.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	b.Seq = 40
	var start blueprint.Export
	if data, err := blueprint.MarshalBoard(b); err != nil || json.Unmarshal(data, &start) != nil {
		t.Fatalf("exporting the start board: %v", err)
	}

	i := func(v int) *int { return &v }
	yes, no := true, false
	create := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionCreate, Type: typ, ID: id, Fields: f}
	}
	update := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: typ, ID: id, Fields: f}
	}
	del := func(typ, id string) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionDelete, Type: typ, ID: id}
	}
	card := func(stage, lane, order, text string) blueprint.Fields {
		return blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str(order), Text: str(text)}
	}
	seq := []blueprint.Op{
		create("team", "t1", blueprint.Fields{Name: str("Ops"), Color: str("#123456")}),
		create("team", "t2", blueprint.Fields{Name: str("\ue000 private use")}),
		create("team", "t3", blueprint.Fields{Name: str("😀 emoji"), Color: str("#abcdef")}),
		create("card", "c1", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V"),
			Text: str("hello <b>"), Kind: str("touchpoint"), Team: str("t1")}),
		create("card", "c2", card("stage-1", "lane-1", "V", "same order: the id decides")),
		create("card", "c0", card("stage-1", "lane-1", "V", "sorts before c1")),
		create("card", "c3", blueprint.Fields{Stage: str("stage-2"), Lane: str("lane-2"), Order: str("k"), Text: str("Vélo ✓"),
			ActiveMinutes: i(30), WaitMinutes: i(15), Emotion: i(-2), Detail: str("detail")}),
		create("link", "l1", blueprint.Fields{From: str("c1"), To: str("c3"), Owner: str("t1"), Critical: &yes,
			Kind: str("dependency"), Status: str("agreed")}),
		create("link", "l2", blueprint.Fields{From: str("c2"), To: str("c3")}),
		create("link", "l4", blueprint.Fields{From: str("c1"), To: str("c2")}),
		update("card", "c1", blueprint.Fields{Text: str("changed")}),
		update("card", "c1", blueprint.Fields{Team: str("")}),
		update("card", "c2", blueprint.Fields{Stage: str("stage-3"), Order: str("a"), Emotion: i(2), ActiveMinutes: i(0)}),
		update("link", "l1", blueprint.Fields{Status: str("resolved"), Owner: str("t2"), Critical: &no}),
		update("team", "t1", blueprint.Fields{Color: str("#fedcba"), Name: str("Operations")}),
		del("team", "t2"),
		create("card", "c5", blueprint.Fields{Stage: str("stage-2"), Lane: str("lane-3"), Order: str("V"), Team: str("t3")}),
		del("team", "t3"),
		del("card", "c3"),
		update("card", "c3", blueprint.Fields{Text: str("deleted wins")}),
		del("card", "c3"),
		create("card", "c1", card("stage-1", "lane-1", "W", "again")),
		create("card", "c4", card("nope", "lane-1", "V", "no such stage")),
		create("card", "c4", card("stage-1", "nope", "V", "no such lane")),
		create("card", "c4", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V"), Team: str("nope")}),
		create("card", "c4", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Text: str("no order")}),
		create("card", "c4", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V"), Kind: str("handoff")}),
		create("card", "c4", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V"), Emotion: i(3)}),
		create("card", "c4", card("stage-1", "lane-1", "V", strings.Repeat("é", blueprint.MaxTextLen+1))),
		create("card", "c4", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V0")}),
		create("card", "c4", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-1"), Order: str("V"), Color: str("#000000")}),
		create("link", "l3", blueprint.Fields{From: str("c1"), To: str("c1")}),
		create("link", "l3", blueprint.Fields{From: str("c1"), To: str("gone")}),
		create("link", "l3", blueprint.Fields{From: str("c1")}),
		update("link", "l4", blueprint.Fields{From: str("c2")}),
		update("link", "l4", blueprint.Fields{Kind: str("note")}),
		update("card", "c1", blueprint.Fields{}),
		{Action: blueprint.ActionDelete, Type: "card", ID: "c1", Fields: blueprint.Fields{Text: str("x")}},
		{Action: blueprint.ActionCreate, Type: "board", ID: "b1", Fields: blueprint.Fields{Title: str("x")}},
		{Action: "move", Type: "card", ID: "c1"},
		{Action: blueprint.ActionCreate, Type: "comment", ID: "x1"},
		create("card", "bad id!", card("stage-1", "lane-1", "V", "")),
		update("board", "b1", blueprint.Fields{Title: str(`New </script> title`)}),
		update("board", "other", blueprint.Fields{Title: str("not this board")}),
		create("team", "t4", blueprint.Fields{Color: str("#000000")}),
		create("team", "t4", blueprint.Fields{Name: str("Bad colour"), Color: str("red")}),
		create("stage", "s-x", blueprint.Fields{Name: str("no order")}),
		create("stage", "s-x", blueprint.Fields{Name: str("Extra"), Order: str("z")}),
		update("stage", "s-x", blueprint.Fields{Name: str("Renamed"), Order: str("0V")}),
		create("lane", "lane-x", blueprint.Fields{Role: str("frontstage"), Label: str("Extra"), Hidden: &yes, Order: str("x")}),
		create("lane", "lane-y", blueprint.Fields{Label: str("no role"), Order: str("y")}),
		create("lane", "lane-y", blueprint.Fields{Role: str("nope"), Order: str("y")}),
		update("lane", "lane-x", blueprint.Fields{Hidden: &no, Role: str("support")}),
		create("card", "c6", card("s-x", "lane-x", "V", "in the new cell")),
		// The analysis fields: the board's framing and launch, a stage's volumes, a card's
		// ranges, evidence, flag and milestone, a link's holder, risk and acknowledgements.
		update("board", "b1", blueprint.Fields{LaunchCandidate: &yes, LaunchDate: str("2026-06-01"), Problem: str("Users still print the form"),
			DailyUsers: &[]string{"Ana", "Bea"}}),
		update("board", "b1", blueprint.Fields{DailyUsers: &[]string{}, CheckIn: str("2026-07-15"), LaunchCandidate: &no}),
		update("board", "b1", blueprint.Fields{Deadline: str("2026-02-30")}),
		update("stage", "s-x", blueprint.Fields{Entered: i(100), Completed: i(40)}),
		update("stage", "s-x", blueprint.Fields{Entered: i(10), Completed: i(40)}),
		create("card", "c7", blueprint.Fields{Stage: str("s-x"), Lane: str("lane-2"), Order: str("V"), ActiveMinutes: i(60), ActiveMax: i(120),
			Evidence: str("assumed"), Manual: &yes, Milestone: str("value_moment")}),
		update("card", "c7", blueprint.Fields{Evidence: str("observed"), Milestone: str(""), WaitMax: i(30)}),
		update("card", "c7", blueprint.Fields{Evidence: str("sure")}),
		update("card", "c7", blueprint.Fields{ActiveMinutes: i(90), ActiveMax: i(30)}),
		create("link", "l5", blueprint.Fields{From: str("c7"), To: str("c5"), Critical: &yes, Holder: str("Chloé"),
			AckFrom: &blueprint.Ack{By: "Ana", On: "2026-05-04"}}),
		update("link", "l5", blueprint.Fields{Risk: &blueprint.Acceptance{By: "Dan", Reason: "a fallback by phone", On: "2026-05-05"},
			AckTo: &blueprint.Ack{By: "Eve", On: "2026-05-06"}}),
		update("link", "l5", blueprint.Fields{Risk: &blueprint.Acceptance{}}),
		update("link", "l5", blueprint.Fields{Risk: &blueprint.Acceptance{By: "Dan"}}),
		del("stage", "stage-1"),
		del("lane", "lane-x"),
		del("stage", "stage-1"),
		del("link", "l1"),
		del("link", "l1"),
	}
	// Comments, markers and +1s, before the deletes at the end take their anchors away: a
	// thread on c1 with a reply and a mention, a marker on a cell and its +1s, then random
	// ones (many refused: a missing anchor, a +1 twice, a text too long).
	ana := blueprint.Origin{By: "u:ana", Name: "Ana"}
	bo := blueprint.Origin{By: "u:bo", Name: "Bo"}
	type made struct {
		op blueprint.Op
		o  blueprint.Origin
	}
	notes := []made{
		{create("comment", "m1", blueprint.Fields{Anchor: &blueprint.Anchor{Card: "c1"}, Text: str("Who signs? @Bo"), Mentions: &[]string{"u:bo"}}), ana},
		{create("comment", "m2", blueprint.Fields{Parent: str("m1"), Text: str("Me <b>")}), bo},
		{update("comment", "m1", blueprint.Fields{Resolved: &yes}), bo},
		{update("comment", "m1", blueprint.Fields{Resolved: &yes}), bo},
		{update("comment", "m2", blueprint.Fields{Resolved: &yes}), bo},
		{create("marker", "f1", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "stage-1", Lane: "lane-1"}, Severity: str("high"),
			Kind: str("waiting"), Text: str("Three days"), Evidence: str("https://example.org/log")}), ana},
		{create("plusone", "f1", blueprint.Fields{}), bo},
		{create("plusone", "f1", blueprint.Fields{}), bo},
		{update("marker", "f1", blueprint.Fields{Resolved: &yes, Resolution: str("Same day now")}), bo},
		{del("comment", "m2"), bo},
	}
	rng := rand.New(rand.NewPCG(12, 1))
	for range 120 {
		op, o := blueprinttest.RandomAnnotation(rng)
		notes = append(notes, made{op, o})
	}
	cut := slices.IndexFunc(seq, func(op blueprint.Op) bool {
		return op.Action == blueprint.ActionDelete && op.Type == blueprint.TypeStage
	})
	var steps []applyStep
	seqNow := b.Seq // the sequence an applied op would take (the board's own stays, as the page's does)
	step := func(op blueprint.Op, o *blueprint.Origin) {
		var err error
		if o != nil {
			o.Seq, o.At = seqNow+1, 1767225600000+seqNow
			err = b.ApplyAs(op, *o)
		} else {
			err = b.Apply(op)
		}
		if err == nil {
			seqNow++
		}
		after, jerr := blueprint.MarshalBoard(b)
		if jerr != nil {
			t.Fatal(jerr)
		}
		steps = append(steps, applyStep{Op: op, Origin: o, Code: blueprint.ErrorCode(err), After: after})
	}
	for i, op := range seq {
		if i == cut {
			for _, n := range notes {
				step(n.op, &n.o)
			}
		}
		step(op, nil)
	}
	return &start, steps
}

// undoHTML renders the texts of per-person undo in each language, as the board page does.
func undoHTML(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, lang := range i18n.Languages {
		var buf bytes.Buffer
		if err := web.UndoTexts(web.Page{L: i18n.MustCatalog().For(lang)}).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		out[lang] = buf.String()
	}
	return out
}

// exampleFrames reads the example frames of the protocol (internal/protocol/testdata/frames).
func exampleFrames(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "protocol", "testdata", "frames", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example frames in internal/protocol/testdata/frames (%v)", err)
	}
	out := map[string]json.RawMessage{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = data
	}
	return out
}
