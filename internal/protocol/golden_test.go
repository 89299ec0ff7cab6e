package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lastmile/internal/blueprint"
)

var update = flag.Bool("update", false, "rewrite testdata/frames and testdata/vocabulary.json from the Go encoder")

// The example frames of testdata/frames: one session on one board, as docs/protocol.md
// tells it. Ana's client connects holding nothing, gets a welcome and a snapshot, sends
// two ops — one applies, the other names a card that does not exist — and her pointer;
// Bo edits a card; Cy has left. The browser tests (internal/e2e/testdata/core_test.js)
// feed the server's frames to live.js and compare what it sends with the client's.
const (
	exampleBoard  = "b7x2k"
	exampleClient = "k3j5q2m7x4a6b2c9"
	exampleConn   = "mfrgg2lbnrqw4zlb" // Ana's connection
	exampleBo     = "onswg4tfoq2gk3dz"
	exampleCy     = "mzxw6ytboi2gk3dz"
	exampleAt     = 1767225600123 // 2026-01-01T00:00:00.123Z
)

func ptr[T any](v T) *T { return &v }

// exampleBoardState returns the board of the examples as the server holds it before
// Ana's ops: made as the store makes a board (a title op, then the creating ops), so
// that its sequence is theirs.
func exampleBoardState(t *testing.T) *blueprint.Board {
	t.Helper()
	b := blueprint.NewBoard(exampleBoard, "", blueprint.TemplateServiceBlueprint)
	for _, op := range []blueprint.Op{
		{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: exampleBoard, Fields: blueprint.Fields{Title: ptr("Bike repair")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: "stage-1", Fields: blueprint.Fields{Name: ptr("Discover"), Order: ptr("8")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeLane, ID: "lane-1",
			Fields: blueprint.Fields{Role: ptr(string(blueprint.RolePhysicalEvidence)), Label: ptr("Physical evidence"), Order: ptr("8")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c-12",
			Fields: blueprint.Fields{Stage: ptr("stage-1"), Lane: ptr("lane-1"), Order: ptr("V"), Text: ptr("Flyer")}},
	} {
		if err := b.Apply(op); err != nil {
			t.Fatal(err)
		}
		b.Seq++
	}
	return b
}

// exampleFrames returns every example frame by the name of its file, made with the
// frame types and the domain, the way the server and the Go client make them.
func exampleFrames(t *testing.T) map[string]any {
	t.Helper()
	b := exampleBoardState(t)
	bo := Peer{Conn: exampleBo, Name: "Bo", Role: "editor", Cursor: &Cursor{X: 10, Y: 20}, Editing: "c-12", Person: exampleBoPerson}
	ops := []blueprint.Op{
		{Key: exampleClient + ":17", Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c-9f2a",
			Fields: blueprint.Fields{Stage: ptr("stage-1"), Lane: ptr("lane-1"), Order: ptr("W"), Text: ptr("Call the customer")}},
		{Key: exampleClient + ":18", Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-7",
			Fields: blueprint.Fields{Text: ptr("Flyer, A5")}},
	}
	frames := map[string]any{
		"client-hello":    Hello{T: TypeHello, V: Version, Client: exampleClient, Name: "Ana", Seq: -1},
		"client-ops":      Submit{T: TypeSubmit, Ops: ops},
		"client-presence": Presence{T: TypePresence, Cursor: &Cursor{X: 412.5, Y: 88}, Editing: ptr("c-12")},
		"server-welcome": Welcome{T: TypeWelcome, V: Version, Board: b.ID, Conn: exampleConn, Role: "editor", By: "c:" + exampleClient, Seq: b.Seq, Peers: []Peer{bo},
			Facilitation: &blueprint.Facilitation{}, Now: exampleAt},
		"server-snapshot": Snapshot{T: TypeSnapshot, Board: b.Export()},
		"server-peers":    Peers{T: TypePeers, Peers: []Peer{bo}, Left: []string{exampleCy}},
	}
	// The first op applies and is broadcast; the second is refused. Sent again after a
	// reconnect, the first is acknowledged with the sequence it was applied under.
	if err := b.Apply(ops[0]); err != nil {
		t.Fatal(err)
	}
	b.Seq++
	frames["server-ops"] = Ops{T: TypeOps, Ops: []Committed{{Seq: b.Seq, Author: "Ana", By: "c:" + exampleClient, Conn: exampleConn, At: exampleAt, Op: ops[0]}}}
	frames["server-ack"] = Ack{T: TypeAck, Key: ops[0].Key, Seq: b.Seq}
	err := b.Apply(ops[1])
	if err == nil {
		t.Fatal("the second op applied")
	}
	frames["server-nack"] = Nack{T: TypeNack, Key: ops[1].Key, ID: ops[1].ID, Code: blueprint.ErrorCode(err), Message: blueprint.ErrorMessage(err)}
	// A hello of another version.
	_, err = DecodeFrame([]byte(`{"t":"hello","v":2,"client":"` + exampleClient + `"}`))
	if err == nil {
		t.Fatal("a hello of version 2 was read")
	}
	frames["server-error"] = Error{T: TypeError, Code: blueprint.ErrorCode(err), Message: blueprint.ErrorMessage(err)}
	// The facilitator locks the structure: every connection is told, with the server's
	// clock.
	frames["client-facilitate"] = Facilitate{T: TypeFacilitate, Lock: ptr(blueprint.LockStructure)}
	frames["server-facilitation"] = FacilitationFrame{T: TypeFacilitation, Facilitation: blueprint.Facilitation{Seq: 1, Lock: blueprint.LockStructure}, Now: exampleAt}
	// The facilitator starts a 5-minute timer: every page counts down to ends_at, from the
	// offset between the frame's now and its own clock.
	frames["client-facilitate.timer"] = Facilitate{T: TypeFacilitate, Timer: &TimerChange{Action: blueprint.TimerStart, Minutes: ptr(5)}}
	frames["server-facilitation.timer"] = FacilitationFrame{T: TypeFacilitation, Now: exampleAt, Facilitation: blueprint.Facilitation{
		Seq: 2, Lock: blueprint.LockStructure, Timer: blueprint.Timer{Running: true, EndsAt: exampleAt + 5*60_000, DurationMs: 5 * 60_000}}}
	// The facilitator opens a dot vote on cards, three votes each; a participant votes
	// and gets their own ballot, which nobody else is sent; the vote closes with its
	// results, ranked.
	frames["client-facilitate.vote"] = Facilitate{T: TypeFacilitate, Vote: &blueprint.VoteChange{Action: blueprint.VoteOpen, On: blueprint.VoteCards, PerPerson: 3}}
	frames["client-vote"] = Vote{T: TypeVote, Item: "c-12", Delta: 1}
	frames["server-ballot"] = Ballot{T: TypeBallot, Vote: "v-4kq2m7x3a6b2", Items: map[string]int{"c-12": 1}, Used: 1}
	frames["server-facilitation.vote"] = FacilitationFrame{T: TypeFacilitation, Now: exampleAt, Facilitation: blueprint.Facilitation{
		Seq: 4, Votes: []blueprint.Vote{{ID: "v-4kq2m7x3a6b2", On: blueprint.VoteCards, PerPerson: 3, OpenedAt: exampleAt - 300_000,
			ClosedAt: exampleAt, Voters: 2, Results: []blueprint.VoteResult{{Item: "c-12", Votes: 4}, {Item: "c-3", Votes: 2}}}}}}
	// Private mode: a participant adds a private card, and only their connections are
	// sent their private cards.
	frames["client-facilitate.close"] = Facilitate{T: TypeFacilitate, Close: &CloseSession{Name: "Après l'atelier 1"}}
	frames["client-facilitate.private"] = Facilitate{T: TypeFacilitate, Private: ptr(blueprint.PrivateOn)}
	frames["client-draft"] = Draft{T: TypeDraft, Draft: blueprint.DraftChange{Action: blueprint.DraftAdd, ID: "c-k3j5q2m7", Stage: "s-1", Lane: "l-2", Text: "Relancer par SMS"}}
	frames["server-drafts"] = Drafts{T: TypeDrafts, Drafts: []blueprint.Draft{{ID: "c-k3j5q2m7", Stage: "s-1", Lane: "l-2", Text: "Relancer par SMS"}}}
	addFollowFrames(frames)
	return frames
}

// newFrame returns a new value of the type of the example frame name, to decode into.
func newFrame(name string) any {
	if f, ok := followFrameTypes[name]; ok {
		return f()
	}
	return map[string]func() any{
		"client-hello":              func() any { return new(Hello) },
		"client-ops":                func() any { return new(Submit) },
		"client-presence":           func() any { return new(Presence) },
		"server-welcome":            func() any { return new(Welcome) },
		"server-snapshot":           func() any { return new(Snapshot) },
		"server-ops":                func() any { return new(Ops) },
		"server-ack":                func() any { return new(Ack) },
		"server-nack":               func() any { return new(Nack) },
		"server-peers":              func() any { return new(Peers) },
		"server-error":              func() any { return new(Error) },
		"client-facilitate":         func() any { return new(Facilitate) },
		"server-facilitation":       func() any { return new(FacilitationFrame) },
		"client-facilitate.timer":   func() any { return new(Facilitate) },
		"server-facilitation.timer": func() any { return new(FacilitationFrame) },
		"client-facilitate.vote":    func() any { return new(Facilitate) },
		"client-vote":               func() any { return new(Vote) },
		"server-ballot":             func() any { return new(Ballot) },
		"server-facilitation.vote":  func() any { return new(FacilitationFrame) },
		"client-facilitate.private": func() any { return new(Facilitate) },
		"client-facilitate.close":   func() any { return new(Facilitate) },
		"client-draft":              func() any { return new(Draft) },
		"server-drafts":             func() any { return new(Drafts) },
	}[name]()
}

// golden compares the JSON of v with the golden file path (indented there, for people to
// read), or rewrites the file with -update.
func golden(t *testing.T, path string, v any) {
	t.Helper()
	want, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/protocol -run TestGolden -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the Go encoder makes (if the change is meant, run go test ./internal/protocol -run TestGolden -update and review the diff):\n--- the file\n%s\n--- the encoder\n%s", path, got, want)
	}
}

// The example frames are what the frame types make of a known board and known ops, and
// nothing else is in testdata/frames.
func TestGoldenFrames(t *testing.T) {
	frames := exampleFrames(t)
	for name, v := range frames {
		golden(t, filepath.Join("testdata", "frames", name+".json"), v)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "frames", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := frames[strings.TrimSuffix(filepath.Base(f), ".json")]; !ok || filepath.Ext(f) != ".json" {
			t.Errorf("%s is no example frame: remove it, or make it in exampleFrames", f)
		}
	}
}

// Each example frame decodes strictly with the Go types and encodes again to the same
// JSON; the server reads the client's frames, and the Go client's view of a server frame
// (ServerFrame) knows every field the server sends.
func TestGoldenFramesRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "frames", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(exampleFrames(t)) {
		t.Fatalf("%d example frames in testdata/frames; want %d", len(files), len(exampleFrames(t)))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, data); err != nil {
				t.Fatal(err)
			}
			v := newFrame(name)
			if err := blueprint.DecodeStrict(data, v); err != nil {
				t.Fatalf("decoding %s with its Go type: %v", path, err)
			}
			if got := Encode(v); !bytes.Equal(got, compact.Bytes()) {
				t.Errorf("%s encodes again as\n%s\nwant\n%s", path, got, compact.Bytes())
			}
			if strings.HasPrefix(name, "client-") {
				f, err := DecodeFrame(data)
				if err != nil {
					t.Fatalf("the server refuses %s: %v", path, err)
				}
				// A second example of a type is named after a dot: client-facilitate.timer.
				if want, _, _ := strings.Cut(strings.TrimPrefix(name, "client-"), "."); f.T != want {
					t.Errorf("the server reads %s as a %q frame; want %q", path, f.T, want)
				}
				return
			}
			var sf ServerFrame
			if err := blueprint.DecodeStrict(data, &sf); err != nil {
				t.Fatalf("decoding %s as a ServerFrame: %v", path, err)
			}
			if want, _, _ := strings.Cut(strings.TrimPrefix(name, "server-"), "."); sf.T != want {
				t.Errorf("%s is a %q frame; want %q", path, sf.T, want)
			}
		})
	}
}

// testdata/vocabulary.json is the vocabulary, for people to read; the browser tests
// compare live-core.js and live.js with Vocabulary itself.
func TestGoldenVocabulary(t *testing.T) {
	golden(t, filepath.Join("testdata", "vocabulary.json"), Vocabulary())
}

// The vocabulary holds the domain's lists and every code of the package.
func TestVocabulary(t *testing.T) {
	v := Vocabulary()
	if v.Version != Version || v.Limits.OpsPerBatch != blueprint.MaxOpsPerBatch || v.OrderDigits != blueprint.OrderDigits {
		t.Errorf("Vocabulary() = %+v", v)
	}
	if len(v.Fields) < len(blueprint.BoardTypes) || !slices.Equal(v.Fields[blueprint.TypeCard], blueprint.AllowedFields(blueprint.TypeCard)) {
		t.Errorf("fields by type: %v", v.Fields)
	}
	if len(v.Codes) != len(Codes()) || v.Codes["NOT_FOUND"] != blueprint.ENOTFOUND || v.Codes["VERSION"] != CodeVersion {
		t.Errorf("codes: %v", v.Codes)
	}
	if !slices.Equal(v.Reload, []int{ClosePolicy, CloseTooBig}) || len(v.Close) != 6 {
		t.Errorf("close codes %v, reload after %v", v.Close, v.Reload)
	}
}

// The package knows the domain and the standard library only, as the layering wants:
// the server and the Go client both import it, and it imports neither.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			std := !strings.Contains(strings.Split(p, "/")[0], ".") && !strings.HasPrefix(p, "lastmile/")
			if !std && p != "lastmile/internal/blueprint" {
				t.Errorf("%s imports %s: the protocol imports only the domain and the standard library", path, p)
			}
		}
	}
}
