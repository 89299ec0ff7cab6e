package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
	"lastmile/internal/server"
)

// Texts that would run as markup if a page ever wrote them unescaped.
const (
	hostileImg    = `<img src=x onerror=alert(1)>`
	hostileScript = `</script><script>alert(1)</script>`
)

// env is one server over a fresh database, served by httptest.
type env struct {
	srv    *server.Server
	url    string
	client *http.Client
}

// setup starts a server over a fresh migrated database. opts adjust its configuration
// before it is built.
func setup(t *testing.T, opts ...func(*server.Config)) *env {
	t.Helper()
	pool, err := postgres.Open(context.Background(), pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	cfg := server.Config{
		Boards:  postgres.NewStore(pool),
		Catalog: i18n.MustCatalog(),
		Logger:  slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := server.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close) // runs first: every request is over before the pool closes
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &env{srv: srv, url: ts.URL, client: client}
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// response is a response read to the end.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.status, truncate(string(r.body), 600))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// do sends a request; header holds name/value pairs.
func (e *env) do(t *testing.T, method, path string, body io.Reader, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: data}
}

func (e *env) get(t *testing.T, path string, header ...string) response {
	t.Helper()
	return e.do(t, http.MethodGet, path, nil, header...)
}

func (e *env) postJSON(t *testing.T, path string, body []byte) response {
	t.Helper()
	return e.do(t, http.MethodPost, path, bytes.NewReader(body), "Content-Type", "application/json")
}

func (e *env) postForm(t *testing.T, path string, form url.Values, header ...string) response {
	t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)
	return e.do(t, http.MethodPost, path, strings.NewReader(form.Encode()), h...)
}

// mustDecode decodes a JSON response into T.
func mustDecode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("Content-Type = %q, want JSON; response %v", r.header.Get("Content-Type"), r)
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %T: %v; response %v", v, err, r)
	}
	return v
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// created is the answer to POST /api/boards.
type created struct {
	ID  string `json:"id"`
	Seq int64  `json:"seq"`
	URL string `json:"url"`
}

// apiError is the JSON shape of an error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// opsAnswer is the answer to POST /api/boards/{id}/ops.
type opsAnswer struct {
	Results []opResult `json:"results"`
	Seq     int64      `json:"seq"`
	Error   *apiError  `json:"error"`
}

type opResult struct {
	Seq       int64     `json:"seq"`
	Duplicate bool      `json:"duplicate"`
	Error     *apiError `json:"error"`
}

var boardIDPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

// mustCreate posts body to /api/boards and returns the new board.
func (e *env) mustCreate(t *testing.T, body string, header ...string) created {
	t.Helper()
	r := e.do(t, http.MethodPost, "/api/boards", strings.NewReader(body), append([]string{"Content-Type", "application/json"}, header...)...)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/boards %s: got %v, want 201", body, r)
	}
	c := mustDecode[created](t, r)
	if !boardIDPattern.MatchString(c.ID) || c.URL != "/boards/"+c.ID {
		t.Fatalf("POST /api/boards: id %q, url %q", c.ID, c.URL)
	}
	return c
}

func (e *env) mustBoard(t *testing.T, template string) created {
	t.Helper()
	return e.mustCreate(t, fmt.Sprintf(`{"template": %q}`, template))
}

// mustExport returns GET /api/boards/{id}.
func (e *env) mustExport(t *testing.T, id string) *blueprint.Export {
	t.Helper()
	r := e.get(t, "/api/boards/"+id)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/boards/%s: %v", id, r)
	}
	return mustDecode[*blueprint.Export](t, r)
}

// mustList returns the ids of GET /api/boards.
func (e *env) mustList(t *testing.T) []string {
	t.Helper()
	r := e.get(t, "/api/boards")
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/boards: %v", r)
	}
	var ids []string
	for _, b := range mustDecode[struct{ Boards []struct{ ID string } }](t, r).Boards {
		ids = append(ids, b.ID)
	}
	return ids
}

// postOps posts ops to a board.
func (e *env) postOps(t *testing.T, id string, ops ...blueprint.Op) (response, opsAnswer) {
	t.Helper()
	r := e.postJSON(t, "/api/boards/"+id+"/ops", mustJSON(t, ops))
	return r, mustDecode[opsAnswer](t, r)
}

// mustOps posts ops to a board and fails unless every one was applied.
func (e *env) mustOps(t *testing.T, id string, ops ...blueprint.Op) opsAnswer {
	t.Helper()
	r, a := e.postOps(t, id, ops...)
	if r.status != http.StatusOK || len(a.Results) != len(ops) {
		t.Fatalf("POST ops: %v", r)
	}
	for i, res := range a.Results {
		if res.Error != nil || res.Seq == 0 {
			t.Fatalf("op %d (%s %s %s) not applied: %+v", i, ops[i].Action, ops[i].Type, ops[i].ID, res.Error)
		}
	}
	return a
}

// wantAPIError fails unless r is a JSON error with the status whose message contains
// every one of words. The error is the body's, or that of the first op of a batch.
func wantAPIError(t *testing.T, r response, status int, words ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; response %v", r.status, status, r)
	}
	a := mustDecode[opsAnswer](t, r)
	e := a.Error
	if e == nil && len(a.Results) > 0 {
		e = a.Results[0].Error
	}
	if e == nil || e.Code == "" || e.Message == "" {
		t.Fatalf("no error with a code and a message in %v", r)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Errorf("error message %q does not contain %q", e.Message, w)
		}
	}
}

func str(s string) *string { return &s }
func num(n int) *int       { return &n }
func flg(v bool) *bool     { return &v }

func createOp(typ, id string, f blueprint.Fields) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionCreate, Type: typ, ID: id, Fields: f}
}

func cardOp(id, stage, lane, order, text string) blueprint.Op {
	return createOp(blueprint.TypeCard, id, blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str(order), Text: str(text)})
}

func renameOp(boardID, title string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: boardID, Fields: blueprint.Fields{Title: str(title)}}
}

func stageNames(e *blueprint.Export) []string {
	var out []string
	for _, s := range e.Stages {
		out = append(out, s.Name)
	}
	return out
}

func laneLabels(e *blueprint.Export) []string {
	var out []string
	for _, l := range e.Lanes {
		out = append(out, l.Label)
	}
	return out
}

func TestCreateBoard(t *testing.T) {
	e := setup(t)

	for _, tt := range []struct {
		template string
		title    string
		stages   []string
		lanes    []string
		teams    int
	}{
		{"service-blueprint", "Service blueprint", []string{"Discover", "Order", "Receive", "Use", "Get help"},
			[]string{"Physical evidence", "Customer actions", "Frontstage", "Backstage", "Support processes"}, 0},
		{"journey-map", "Customer journey map", []string{"Become aware", "Consider", "Decide", "Buy", "Use"},
			[]string{"Touchpoints", "Customer actions", "Emotion", "Pain points", "Opportunities"}, 0},
		{"sales-cycle", "Sales cycle", []string{"First contact", "Qualification", "Discovery & demo", "Proposal", "Signature", "Onboarding"},
			[]string{"Customer", "Marketing", "Sales", "Customer success", "CRM and tools"}, 3},
		{"blank", "Untitled board", nil, nil, 0},
	} {
		t.Run(tt.template, func(t *testing.T) {
			c := e.mustBoard(t, tt.template)
			x := e.mustExport(t, c.ID)
			if x.Format != blueprint.ExportFormat || x.Version != blueprint.ExportVersion {
				t.Errorf("format %q version %d", x.Format, x.Version)
			}
			if x.ID != c.ID || x.Template != tt.template || x.Title != tt.title {
				t.Errorf("export id %q template %q title %q; want %q %q %q", x.ID, x.Template, x.Title, c.ID, tt.template, tt.title)
			}
			if x.Seq != c.Seq || x.Seq < 1 {
				t.Errorf("export seq %d, creation answered seq %d", x.Seq, c.Seq)
			}
			if diff := cmp.Diff(tt.stages, stageNames(x)); diff != "" {
				t.Errorf("stages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.lanes, laneLabels(x)); diff != "" {
				t.Errorf("lanes (-want +got):\n%s", diff)
			}
			if len(x.Teams) != tt.teams {
				t.Errorf("%d teams, want %d", len(x.Teams), tt.teams)
			}
		})
	}

	t.Run("French", func(t *testing.T) {
		c := e.mustCreate(t, `{"template": "service-blueprint", "lang": "fr"}`)
		x := e.mustExport(t, c.ID)
		if x.Title != "Blueprint de service" {
			t.Errorf("title %q", x.Title)
		}
		if diff := cmp.Diff([]string{"Découvrir", "Commander", "Recevoir", "Utiliser", "Obtenir de l’aide"}, stageNames(x)); diff != "" {
			t.Errorf("stages (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Preuves physiques", "Actions du client", "Front-office", "Back-office", "Processus de support"}, laneLabels(x)); diff != "" {
			t.Errorf("lanes (-want +got):\n%s", diff)
		}
	})

	t.Run("AcceptLanguage", func(t *testing.T) {
		c := e.mustCreate(t, `{"template": "sales-cycle"}`, "Accept-Language", "fr-CA,fr;q=0.9")
		x := e.mustExport(t, c.ID)
		if diff := cmp.Diff([]string{"Client", "Marketing", "Ventes", "Customer success", "CRM et outils"}, laneLabels(x)); diff != "" {
			t.Errorf("lanes (-want +got):\n%s", diff)
		}
	})

	t.Run("Title", func(t *testing.T) {
		c := e.mustCreate(t, `{"template": "blank", "title": "Réparation de vélo"}`)
		if x := e.mustExport(t, c.ID); x.Title != "Réparation de vélo" {
			t.Errorf("title %q", x.Title)
		}
	})

	t.Run("Listed", func(t *testing.T) {
		c := e.mustBoard(t, "blank")
		if ids := e.mustList(t); len(ids) == 0 || ids[0] != c.ID {
			t.Errorf("GET /api/boards = %v; want the newest board %s first", ids, c.ID)
		}
	})
}

// fullBoardOps builds a board using every entity type and every optional field.
func fullBoardOps(boardID string) []blueprint.Op {
	return []blueprint.Op{
		renameOp(boardID, "Réparer un vélo"),
		createOp(blueprint.TypeTeam, "t-workshop", blueprint.Fields{Name: str("Atelier"), Color: str("#d97706")}),
		createOp(blueprint.TypeTeam, "t-desk", blueprint.Fields{Name: str("Accueil"), Color: str("#2563eb")}),
		createOp(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("Book"), Order: str("G")}),
		createOp(blueprint.TypeStage, "s2", blueprint.Fields{Name: str("Drop off"), Order: str("V")}),
		createOp(blueprint.TypeStage, "s3", blueprint.Fields{Name: str("Repair"), Order: str("k")}),
		createOp(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("customer_actions"), Label: str("Customer"), Order: str("G")}),
		createOp(blueprint.TypeLane, "l2", blueprint.Fields{Role: str("frontstage"), Label: str("Counter"), Order: str("V")}),
		createOp(blueprint.TypeLane, "l3", blueprint.Fields{Role: str("backstage"), Label: str("Workshop"), Order: str("k"), Hidden: flg(true)}),
		createOp(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("V"),
			Text: str("Books a repair slot online"), Team: str("t-desk"), Kind: str("touchpoint"),
			ActiveMinutes: num(15), WaitMinutes: num(2880), Detail: str("Only two slots a day"), Emotion: num(-2)}),
		cardOp("c2", "s2", "l2", "V", "Hands the bike over"),
		cardOp("c3", "s3", "l3", "V", hostileImg),
		cardOp("c4", "s3", "l3", "k", "Temporary"),
		createOp(blueprint.TypeLink, "k1", blueprint.Fields{Kind: str("handoff"), From: str("c1"), To: str("c2"),
			Critical: flg(true), Status: str("agreed"), Owner: str("t-desk")}),
		createOp(blueprint.TypeLink, "k2", blueprint.Fields{Kind: str("dependency"), From: str("c2"), To: str("c3")}),
		{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c2",
			Fields: blueprint.Fields{Text: str("Dépose le vélo à l’accueil"), Team: str("t-workshop"), Emotion: num(2)}},
		{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c4"},
	}
}

func TestExportRoundTrip(t *testing.T) {
	e := setup(t)
	orig := e.mustBoard(t, "blank")
	e.mustOps(t, orig.ID, fullBoardOps(orig.ID)...)

	r := e.get(t, "/api/boards/"+orig.ID)
	if r.status != http.StatusOK {
		t.Fatalf("GET: %v", r)
	}
	first := mustDecode[*blueprint.Export](t, r)
	// The round trip must carry something worth comparing.
	if len(first.Cards) != 3 || len(first.Links) != 2 || len(first.Teams) != 2 || len(first.Lanes) != 3 {
		t.Fatalf("the board holds %d cards, %d links, %d teams, %d lanes", len(first.Cards), len(first.Links), len(first.Teams), len(first.Lanes))
	}
	want := blueprint.Card{ID: "c1", Stage: "s1", Lane: "l1", Order: "V", Text: "Books a repair slot online", Team: "t-desk",
		Kind: "touchpoint", ActiveMinutes: 15, WaitMinutes: 2880, Detail: "Only two slots a day", Emotion: -2}
	if diff := cmp.Diff(&want, first.Cards[0]); diff != "" {
		t.Errorf("card c1 (-want +got):\n%s", diff)
	}

	copied := e.mustCreate(t, string(r.body))
	if copied.ID == orig.ID {
		t.Fatalf("the import got the id of the original")
	}
	second := e.mustExport(t, copied.ID)
	if second.ID != copied.ID || second.Seq != copied.Seq {
		t.Errorf("copy exports id %q seq %d; creation answered %q seq %d", second.ID, second.Seq, copied.ID, copied.Seq)
	}
	first.ID, first.Seq, second.ID, second.Seq = "", 0, "", 0
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("export of the copy differs from the original (-original +copy):\n%s", diff)
	}
}

func TestPostOps(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")

	t.Run("SequencesConsecutive", func(t *testing.T) {
		before := e.mustExport(t, b.ID).Seq
		a := e.mustOps(t, b.ID,
			cardOp("seq1", "stage-1", "lane-1", "G", "Confirmation e-mail"),
			cardOp("seq2", "stage-1", "lane-2", "G", "Fills in the form"),
			cardOp("seq3", "stage-1", "lane-3", "G", "Chat answers"))
		var got []int64
		for _, res := range a.Results {
			got = append(got, res.Seq)
		}
		if diff := cmp.Diff([]int64{before + 1, before + 2, before + 3}, got); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
		if a.Seq != before+3 {
			t.Errorf("answer seq %d, want %d", a.Seq, before+3)
		}
		if x := e.mustExport(t, b.ID); x.Seq != before+3 {
			t.Errorf("board seq %d, want %d", x.Seq, before+3)
		}
	})

	t.Run("PerOpErrors", func(t *testing.T) {
		before := e.mustExport(t, b.ID).Seq
		r, a := e.postOps(t, b.ID,
			cardOp("err1", "stage-2", "lane-2", "G", "Pays online"),
			cardOp("err2", "s-missing", "lane-2", "V", "Nowhere"),
			createOp(blueprint.TypeCard, "err3", blueprint.Fields{Stage: str("stage-2"), Lane: str("lane-2"), Order: str("k"), Kind: str("banana")}),
			cardOp("err4", "stage-2", "lane-2", "V", "Gets a receipt"))
		if r.status != http.StatusOK || len(a.Results) != 4 {
			t.Fatalf("got %v", r)
		}
		for _, tt := range []struct {
			i    int
			seq  int64
			code string
			word string
		}{
			{0, before + 1, "", ""},
			{1, 0, blueprint.ENOTFOUND, `stage "s-missing"`},
			{2, 0, blueprint.EINVALID, `kind "banana"`},
			{3, before + 2, "", ""},
		} {
			res := a.Results[tt.i]
			if res.Seq != tt.seq {
				t.Errorf("result %d: seq %d, want %d", tt.i, res.Seq, tt.seq)
			}
			if tt.code == "" {
				if res.Error != nil {
					t.Errorf("result %d: unexpected error %+v", tt.i, res.Error)
				}
				continue
			}
			if res.Error == nil || res.Error.Code != tt.code || !strings.Contains(res.Error.Message, tt.word) {
				t.Errorf("result %d: error %+v; want code %q and a message naming %s", tt.i, res.Error, tt.code, tt.word)
			}
		}
		x := e.mustExport(t, b.ID)
		if x.Seq != before+2 {
			t.Errorf("board seq %d, want %d", x.Seq, before+2)
		}
		for _, c := range x.Cards {
			if c.ID == "err2" || c.ID == "err3" {
				t.Errorf("rejected card %s was stored", c.ID)
			}
		}
	})

	t.Run("IdempotencyKey", func(t *testing.T) {
		op := cardOp("idem1", "stage-3", "lane-4", "G", "Prints the label")
		op.Key = "client-a:1"
		first := e.mustOps(t, b.ID, op)
		seq := first.Results[0].Seq
		if first.Results[0].Duplicate {
			t.Fatalf("the first send is marked duplicate")
		}

		r, again := e.postOps(t, b.ID, op)
		if r.status != http.StatusOK {
			t.Fatalf("resend: %v", r)
		}
		if diff := cmp.Diff([]opResult{{Seq: seq, Duplicate: true}}, again.Results); diff != "" {
			t.Errorf("resend (-want +got):\n%s", diff)
		}
		if x := e.mustExport(t, b.ID); x.Seq != seq {
			t.Errorf("board seq %d after the resend, want %d", x.Seq, seq)
		}

		next := cardOp("idem2", "stage-3", "lane-4", "V", "Ships the parcel")
		next.Key = "client-a:2"
		_, mixed := e.postOps(t, b.ID, op, next)
		if diff := cmp.Diff([]opResult{{Seq: seq, Duplicate: true}, {Seq: seq + 1}}, mixed.Results); diff != "" {
			t.Errorf("resend with a new op (-want +got):\n%s", diff)
		}
	})

	t.Run("AllRejected", func(t *testing.T) {
		before := e.mustExport(t, b.ID)
		r, a := e.postOps(t, b.ID, cardOp("seq1", "stage-1", "lane-1", "V", "Same id again"))
		wantAPIError(t, r, http.StatusConflict, `"seq1"`, "already exists")
		if a.Results[0].Error.Code != blueprint.ECONFLICT {
			t.Errorf("code %q, want %q", a.Results[0].Error.Code, blueprint.ECONFLICT)
		}
		if diff := cmp.Diff(before, e.mustExport(t, b.ID)); diff != "" {
			t.Errorf("board changed (-before +after):\n%s", diff)
		}
	})
}

func TestBadInput(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")
	e.mustOps(t, b.ID, cardOp("c1", "stage-1", "lane-2", "V", "Looks for a repair shop"))
	opsPath := "/api/boards/" + b.ID + "/ops"
	rename := `{"op": "update", "type": "board", "id": "` + b.ID + `", "fields": {"title": "Renamed"}}`

	manyOps := make([]blueprint.Op, blueprint.MaxOpsPerBatch+1)
	for i := range manyOps {
		manyOps[i] = renameOp(b.ID, fmt.Sprintf("Title %d", i))
	}
	newer := fmt.Sprintf(`{"format": "lastmile", "version": %d, "title": "From the future", "seq": 3,
		"stages": [], "lanes": [], "cards": [], "teams": [], "links": []}`, blueprint.ExportVersion+1)

	for _, tt := range []struct {
		name   string
		method string
		path   string
		body   string
		status int
		words  []string
	}{
		{"MalformedJSON", "POST", opsPath, `[{"op": "update",`, 400, []string{"malformed JSON", "ends too early"}},
		{"SyntaxError", "POST", opsPath, `[{"op" "update"}]`, 400, []string{"malformed JSON", "invalid character", "byte"}},
		{"UnknownField", "POST", opsPath, `[{"op": "update", "type": "board", "id": "` + b.ID + `", "fields": {"title": "x"}, "colour": "red"}]`,
			400, []string{`unknown field "colour"`}},
		{"UnknownNestedField", "POST", opsPath, `[{"op": "update", "type": "board", "id": "` + b.ID + `", "fields": {"title": "x", "font": "Comic"}}]`,
			400, []string{`unknown field "font"`}},
		{"WrongFieldType", "POST", opsPath, `[{"op": "update", "type": "card", "id": "c1", "fields": {"emotion": "very sad"}}]`,
			400, []string{`field "fields.emotion" must be a whole number, not a string`}},
		{"WrongTextType", "POST", opsPath, `[{"op": "update", "type": "card", "id": "c1", "fields": {"text": 42}}]`,
			400, []string{`field "fields.text" must be a string, not a number`}},
		{"FieldOfAnotherType", "POST", opsPath, `[{"op": "update", "type": "card", "id": "c1", "fields": {"color": "#ffffff"}}]`,
			400, []string{`a card has no field "color"`}},
		{"TrailingGarbage", "POST", opsPath, "[" + rename + `] {"op": "delete"}`, 400, []string{"after the value"}},
		{"EmptyBody", "POST", opsPath, ``, 400, []string{"empty"}},
		{"EmptyBatch", "POST", opsPath, `[]`, 400, []string{"no op"}},
		{"InvalidUTF8", "POST", opsPath, `[{"op": "update", "type": "board", "id": "` + b.ID + `", "fields": {"title": "caf` + "\xe9\xff" + `"}}]`,
			400, []string{"UTF-8"}},
		{"OversizedBody", "POST", opsPath, `[{"op": "update", "type": "board", "id": "` + b.ID + `", "fields": {"title": "` +
			strings.Repeat("a", server.MaxOpsBody) + `"}}]`, 413, []string{"larger than the limit", fmt.Sprint(server.MaxOpsBody)}},
		{"NotAnArray", "POST", opsPath, rename, 400, []string{"expected an array, not an object"}},
		{"TooManyOps", "POST", opsPath, string(mustJSON(t, manyOps)), 413, []string{"at most 500 ops", "501"}},
		{"TextTooLong", "POST", opsPath, string(mustJSON(t, []blueprint.Op{{Action: "update", Type: "card", ID: "c1",
			Fields: blueprint.Fields{Text: str(strings.Repeat("é", blueprint.MaxTextLen+1))}}})), 413, []string{"text", "4000"}},
		{"WrongMethod", "DELETE", opsPath, ``, 405, []string{"method DELETE is not allowed"}},
		{"UnknownBoard", "POST", "/api/boards/nosuchboard/ops", "[" + rename + "]", 404, []string{"board not found"}},
		{"UnknownBoardGet", "GET", "/api/boards/nosuchboard", ``, 404, []string{"board not found"}},
		{"UnknownCard", "POST", opsPath, `[{"op": "update", "type": "card", "id": "nope", "fields": {"text": "x"}}]`,
			404, []string{`card "nope" does not exist`}},
		{"DeleteUnknownCard", "POST", opsPath, `[{"op": "delete", "type": "card", "id": "nope"}]`, 404, []string{`card "nope"`}},
		{"UnknownTemplate", "POST", "/api/boards", `{"template": "kanban"}`, 400, []string{`unknown template "kanban"`, "service-blueprint"}},
		{"MissingTemplate", "POST", "/api/boards", `{"title": "No template"}`, 400, []string{`"template" is required`}},
		{"CreateUnknownField", "POST", "/api/boards", `{"template": "blank", "colour": "red"}`, 400, []string{`unknown field "colour"`}},
		{"CreateTrailingGarbage", "POST", "/api/boards", `{"template": "blank"} {}`, 400, []string{"after the value"}},
		{"CreateEmptyBody", "POST", "/api/boards", ``, 400, []string{"empty"}},
		{"CreateInvalidUTF8", "POST", "/api/boards", `{"template": "blank", "title": "` + "\xff" + `"}`, 400, []string{"UTF-8"}},
		{"ExportNewerVersion", "POST", "/api/boards", newer, 400, []string{fmt.Sprintf("version %d", blueprint.ExportVersion+1), "newer"}},
		{"ExportOtherFormat", "POST", "/api/boards", `{"format": "trello", "version": 1, "title": "x"}`, 400, []string{"not a lastmile export"}},
		{"ExportUnknownField", "POST", "/api/boards", `{"format": "lastmile", "version": 1, "title": "x", "owner": "me"}`, 400, []string{`unknown field "owner"`}},
		{"ExportUnknownTemplate", "POST", "/api/boards", `{"format": "lastmile", "version": 1, "title": "x", "template": "kanban"}`,
			400, []string{`unknown template "kanban"`}},
		{"ExportDanglingReference", "POST", "/api/boards", `{"format": "lastmile", "version": 1, "title": "x",
			"lanes": [{"id": "l1", "role": "frontstage", "label": "Desk", "order": "V"}],
			"cards": [{"id": "c1", "stage": "s-gone", "lane": "l1", "order": "V", "text": "Orphan", "kind": "note"}]}`,
			400, []string{"item 2 of the export (card c1)", `stage "s-gone" does not exist`}},
		{"ExportDuplicateID", "POST", "/api/boards", `{"format": "lastmile", "version": 1, "title": "x",
			"teams": [{"id": "t1", "name": "A", "color": "#000000"}, {"id": "t1", "name": "B", "color": "#ffffff"}]}`,
			400, []string{`team with id "t1" already exists`}},
		{"ExportBadField", "POST", "/api/boards", `{"format": "lastmile", "version": 1, "title": "x",
			"teams": [{"id": "t1", "name": "A", "color": "blue"}]}`, 400, []string{`colour "blue"`}},
		{"ExportOversized", "POST", "/api/boards", `{"format": "lastmile", "version": 1, "title": "` + strings.Repeat("a", server.MaxImportBody) + `"}`,
			413, []string{"larger than the limit"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, boards := e.mustExport(t, b.ID), e.mustList(t)
			r := e.do(t, tt.method, tt.path, strings.NewReader(tt.body), "Content-Type", "application/json")
			wantAPIError(t, r, tt.status, tt.words...)
			if tt.status == http.StatusMethodNotAllowed && strings.Join(r.header.Values("Allow"), ", ") != "GET, HEAD, POST" {
				t.Errorf("Allow = %q; want GET, HEAD, POST", r.header.Values("Allow"))
			}
			if diff := cmp.Diff(before, e.mustExport(t, b.ID)); diff != "" {
				t.Errorf("board changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(boards, e.mustList(t)); diff != "" {
				t.Errorf("board list changed (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("HostileTextStoredVerbatim", func(t *testing.T) {
		texts := []string{hostileImg, hostileScript, `"quoted" & 'single' \ back`, "Vélo – réparé ✓"}
		var ops []blueprint.Op
		for i, text := range texts {
			ops = append(ops, cardOp(fmt.Sprintf("h%d", i), "stage-2", "lane-3", fmt.Sprintf("%c", 'G'+i), text))
		}
		ops = append(ops, renameOp(b.ID, hostileScript))
		e.mustOps(t, b.ID, ops...)

		r := e.get(t, "/api/boards/"+b.ID)
		for _, raw := range []string{"<img", "<script", "</script"} {
			if bytes.Contains(r.body, []byte(raw)) {
				t.Errorf("the JSON holds raw %q; it should be escaped", raw)
			}
		}
		x := mustDecode[*blueprint.Export](t, r)
		got := map[string]string{}
		for _, c := range x.Cards {
			got[c.ID] = c.Text
		}
		for i, text := range texts {
			if id := fmt.Sprintf("h%d", i); got[id] != text {
				t.Errorf("card %s text = %q, want %q", id, got[id], text)
			}
		}
		if x.Title != hostileScript {
			t.Errorf("title = %q, want %q", x.Title, hostileScript)
		}
	})
}

func TestGetOps(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "blank") // its log holds one op: the title
	sent := []blueprint.Op{
		createOp(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("Apply"), Order: str("V")}),
		renameOp(b.ID, "Permit application"),
	}
	sent[0].Key = "client-b:1"
	e.mustOps(t, b.ID, sent...)

	getOps := func(t *testing.T, query string) []blueprint.Committed {
		t.Helper()
		r := e.get(t, "/api/boards/"+b.ID+"/ops"+query)
		if r.status != http.StatusOK {
			t.Fatalf("GET ops%s: %v", query, r)
		}
		ops := mustDecode[struct{ Ops []blueprint.Committed }](t, r).Ops
		if ops == nil {
			t.Fatalf("GET ops%s: no ops array in %v", query, r)
		}
		return ops
	}
	seqsAndOps := func(list []blueprint.Committed) ([]int64, []blueprint.Op) {
		var seqs []int64
		var ops []blueprint.Op
		for _, c := range list {
			seqs, ops = append(seqs, c.Seq), append(ops, c.Op)
		}
		return seqs, ops
	}

	t.Run("After", func(t *testing.T) {
		list := getOps(t, "?after="+fmt.Sprint(b.Seq))
		seqs, ops := seqsAndOps(list)
		if diff := cmp.Diff([]int64{b.Seq + 1, b.Seq + 2}, seqs); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
		// The log keeps an API caller's key in the caller's namespace (here no session).
		logged := slices.Clone(sent)
		logged[0].Key = "api/anon/client-b:1"
		if diff := cmp.Diff(logged, ops); diff != "" {
			t.Errorf("ops (-sent +logged):\n%s", diff)
		}
		for _, c := range list {
			if c.Author != "api" || c.At.IsZero() {
				t.Errorf("op %d: author %q at %v", c.Seq, c.Author, c.At)
			}
		}
	})

	t.Run("Whole", func(t *testing.T) {
		seqs, ops := seqsAndOps(getOps(t, ""))
		if diff := cmp.Diff([]int64{1, 2, 3}, seqs); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
		if ops[0].Type != blueprint.TypeBoard || ops[0].Fields.Title == nil {
			t.Errorf("first op %+v, want the board's title", ops[0])
		}
	})

	t.Run("Limit", func(t *testing.T) {
		seqs, _ := seqsAndOps(getOps(t, "?after=1&limit=1"))
		if diff := cmp.Diff([]int64{2}, seqs); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
	})

	t.Run("NothingAfter", func(t *testing.T) {
		if ops := getOps(t, "?after=3"); len(ops) != 0 {
			t.Errorf("got %d ops after the last", len(ops))
		}
	})

	for _, tt := range []struct{ name, query, word string }{
		{"AfterNegative", "?after=-1", "after"},
		{"AfterNotANumber", "?after=abc", "after"},
		{"AfterFraction", "?after=1.5", "after"},
		{"LimitZero", "?limit=0", "limit"},
		{"LimitTooLarge", "?limit=5001", "limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, e.get(t, "/api/boards/"+b.ID+"/ops"+tt.query), http.StatusBadRequest, tt.word, "whole number")
		})
	}

	t.Run("UnknownBoard", func(t *testing.T) {
		wantAPIError(t, e.get(t, "/api/boards/nosuchboard/ops?after=0"), http.StatusNotFound, "board not found")
	})
}

// mustPage parses an HTML response. The content of template elements, which the live
// board page draws from (web/render.templ), is not part of the page, as a browser's
// selectors see it: it is left out.
func mustPage(t *testing.T, r response) *goquery.Document {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want HTML; response %v", ct, r)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("template").Remove()
	return doc
}

// mustGetPage gets a page that must answer 200.
func (e *env) mustGetPage(t *testing.T, path string, header ...string) *goquery.Document {
	t.Helper()
	r := e.get(t, path, header...)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %v", path, r)
	}
	return mustPage(t, r)
}

func texts(s *goquery.Selection) []string {
	return s.Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
}

func attrs(s *goquery.Selection, name string) []string {
	return s.Map(func(_ int, s *goquery.Selection) string { return s.AttrOr(name, "") })
}

func TestHomePage(t *testing.T) {
	e := setup(t)

	t.Run("Empty", func(t *testing.T) {
		doc := e.mustGetPage(t, "/")
		if doc.Find(`[data-testid="board-list"]`).Length() != 0 || doc.Find(".empty").Length() != 1 {
			t.Errorf("a home page without boards should say there are none")
		}
		if got := attrs(doc.Find(`[data-testid="template-select"] option`), "value"); !cmp.Equal(blueprint.Templates, got) {
			t.Errorf("templates offered: %v", got)
		}
	})

	t.Run("ListsBoards", func(t *testing.T) {
		a := e.mustCreate(t, `{"template": "blank", "title": "Réparation de vélo"}`)
		b := e.mustCreate(t, `{"template": "blank", "title": "`+strings.ReplaceAll(hostileImg, `"`, `\"`)+`"}`)
		doc := e.mustGetPage(t, "/")
		links := doc.Find(`[data-testid="board-list"] a`)
		if diff := cmp.Diff([]string{"/boards/" + b.ID, "/boards/" + a.ID}, attrs(links, "href")); diff != "" {
			t.Errorf("links (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{hostileImg, "Réparation de vélo"}, texts(links)); diff != "" {
			t.Errorf("titles (-want +got):\n%s", diff)
		}
		if doc.Find("img").Length() != 0 {
			t.Errorf("a board title became an element")
		}
	})
}

// mustRedirectToBoard checks a 303 to the board's page.
func mustRedirectToBoard(t *testing.T, r response, id string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/"+id {
		t.Fatalf("got %d to %q, want 303 to /boards/%s; body %v", r.status, r.header.Get("Location"), id, r)
	}
}

func TestForms(t *testing.T) {
	e := setup(t)

	t.Run("CreateBoard", func(t *testing.T) {
		r := e.postForm(t, "/boards", url.Values{"template": {"journey-map"}, "title": {"  Parcours usager  "}})
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/boards/") || !boardIDPattern.MatchString(strings.TrimPrefix(loc, "/boards/")) {
			t.Fatalf("got %d to %q, want 303 to a board; body %v", r.status, loc, r)
		}
		doc := e.mustGetPage(t, loc)
		if got := doc.Find(`[data-testid="board-title"]`).Text(); got != "Parcours usager" {
			t.Errorf("title %q", got)
		}
		want := []string{"physical_evidence", "customer_actions", "emotion", "pain_points", "opportunities"}
		if diff := cmp.Diff(want, attrs(doc.Find(`[data-testid="lane"]`), "data-role")); diff != "" {
			t.Errorf("lane roles (-want +got):\n%s", diff)
		}
	})

	t.Run("CreateBoardInFrench", func(t *testing.T) {
		r := e.postForm(t, "/boards", url.Values{"template": {"service-blueprint"}}, "Accept-Language", "fr")
		if r.status != http.StatusSeeOther {
			t.Fatalf("got %v", r)
		}
		doc := e.mustGetPage(t, r.header.Get("Location"))
		if got := texts(doc.Find(`[data-testid="stage"]`)); len(got) == 0 || got[0] != "Découvrir" {
			t.Errorf("stages %v, want French names", got)
		}
	})

	t.Run("CreateBoardUnknownTemplate", func(t *testing.T) {
		boards := e.mustList(t)
		r := e.postForm(t, "/boards", url.Values{"template": {"kanban"}})
		if r.status != http.StatusBadRequest {
			t.Fatalf("got %v, want 400", r)
		}
		if msg := mustPage(t, r).Find(`[data-testid="error-message"]`).Text(); !strings.Contains(msg, `unknown template "kanban"`) {
			t.Errorf("error message %q", msg)
		}
		if diff := cmp.Diff(boards, e.mustList(t)); diff != "" {
			t.Errorf("board list changed (-before +after):\n%s", diff)
		}
	})

	b := e.mustBoard(t, "service-blueprint")
	base := "/boards/" + b.ID
	page := func(t *testing.T) *goquery.Document { t.Helper(); return e.mustGetPage(t, base) }

	t.Run("AddTeam", func(t *testing.T) {
		mustRedirectToBoard(t, e.postForm(t, base+"/teams", url.Values{"name": {"Atelier mécanique"}, "color": {"#0f766e"}}), b.ID)
		doc := page(t)
		if got := texts(doc.Find(`[data-testid="team"]`)); !cmp.Equal([]string{"Atelier mécanique"}, got) {
			t.Errorf("teams %v", got)
		}
		if css := doc.Find("style").Text(); !strings.Contains(css, "--team:#0f766e") {
			t.Errorf("team colour missing from the style element: %q", css)
		}
	})

	t.Run("AddCard", func(t *testing.T) {
		teamID := e.mustExport(t, b.ID).Teams[0].ID
		mustRedirectToBoard(t, e.postForm(t, base+"/cards", url.Values{"text": {"Prend rendez-vous en ligne"},
			"stage": {"stage-2"}, "lane": {"lane-2"}, "kind": {"action"}, "team": {teamID}}), b.ID)
		mustRedirectToBoard(t, e.postForm(t, base+"/cards", url.Values{"text": {"Second card"},
			"stage": {"stage-2"}, "lane": {"lane-2"}}), b.ID)
		cell := page(t).Find(`td[data-stage-id="stage-2"][data-lane-id="lane-2"]`)
		if diff := cmp.Diff([]string{"Prend rendez-vous en ligne", "Second card"}, texts(cell.Find(".card-text"))); diff != "" {
			t.Errorf("cards in the cell, top to bottom (-want +got):\n%s", diff)
		}
		if got := texts(cell.Find(".card-team")); !cmp.Equal([]string{"Atelier mécanique"}, got) {
			t.Errorf("card teams %v", got)
		}
		if got := attrs(cell.Find(`[data-testid="card"]`), "class"); len(got) != 2 || !strings.Contains(got[0], "kind-action") || !strings.Contains(got[1], "kind-note") {
			t.Errorf("card classes %v", got)
		}
	})

	t.Run("AddStage", func(t *testing.T) {
		mustRedirectToBoard(t, e.postForm(t, base+"/stages", url.Values{"name": {"Validation papier"}}), b.ID)
		got := texts(page(t).Find(`[data-testid="stage"]`))
		if len(got) != 6 || got[5] != "Validation papier" {
			t.Errorf("stages %v, want the new one last", got)
		}
	})

	t.Run("AddLane", func(t *testing.T) {
		mustRedirectToBoard(t, e.postForm(t, base+"/lanes", url.Values{"label": {"Ressenti"}, "role": {"emotion"}}), b.ID)
		lanes := page(t).Find(`[data-testid="lane"]`)
		last := lanes.Last()
		if lanes.Length() != 6 || last.AttrOr("data-role", "") != "emotion" || strings.TrimSpace(last.Find(".lane-name").Text()) != "Ressenti" {
			t.Errorf("%d lanes, last %q (%s)", lanes.Length(), last.Find(".lane-name").Text(), last.AttrOr("data-role", ""))
		}
	})

	t.Run("Rename", func(t *testing.T) {
		mustRedirectToBoard(t, e.postForm(t, base+"/title", url.Values{"title": {"Réparer un vélo"}}), b.ID)
		doc := page(t)
		if got := doc.Find(`[data-testid="board-title"]`).Text(); got != "Réparer un vélo" {
			t.Errorf("title %q", got)
		}
		if got := doc.Find("title").Text(); !strings.HasPrefix(got, "Réparer un vélo") {
			t.Errorf("<title> %q", got)
		}
	})

	t.Run("DeleteCard", func(t *testing.T) {
		id := e.mustExport(t, b.ID).Cards[0].ID
		if page(t).Find(`[data-card-id="`+id+`"]`).Length() != 1 {
			t.Fatalf("card %s is not on the page", id)
		}
		mustRedirectToBoard(t, e.postForm(t, base+"/cards/"+id+"/delete", nil), b.ID)
		if page(t).Find(`[data-card-id="`+id+`"]`).Length() != 0 {
			t.Errorf("card %s is still on the page", id)
		}
	})

	for _, tt := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		words  []string
	}{
		{"UnknownStage", "/cards", url.Values{"text": {"x"}, "stage": {"s-nope"}, "lane": {"lane-1"}}, 404, []string{`stage "s-nope"`}},
		{"UnknownLane", "/cards", url.Values{"text": {"x"}, "stage": {"stage-1"}, "lane": {"l-nope"}}, 404, []string{`lane "l-nope"`}},
		{"UnknownKind", "/cards", url.Values{"text": {"x"}, "stage": {"stage-1"}, "lane": {"lane-1"}, "kind": {"banana"}}, 400, []string{`kind "banana"`}},
		{"TextTooLong", "/cards", url.Values{"text": {strings.Repeat("é", blueprint.MaxTextLen+1)}, "stage": {"stage-1"}, "lane": {"lane-1"}},
			413, []string{"text", "4001", "4000"}},
		{"StageNameTooLong", "/stages", url.Values{"name": {strings.Repeat("x", blueprint.MaxNameLen+1)}}, 413, []string{"name", "200"}},
		{"UnknownRole", "/lanes", url.Values{"label": {"VIP"}, "role": {"vip"}}, 400, []string{`unknown lane role "vip"`}},
		{"BadColour", "/teams", url.Values{"name": {"Logistique"}, "color": {"red"}}, 400, []string{`colour "red"`}},
		{"TitleTooLong", "/title", url.Values{"title": {strings.Repeat("t", blueprint.MaxNameLen+1)}}, 413, []string{"title", "200"}},
		{"DeleteUnknownCard", "/cards/nope/delete", nil, 404, []string{`card "nope"`}},
	} {
		t.Run("Bad"+tt.name, func(t *testing.T) {
			before := e.mustExport(t, b.ID)
			r := e.postForm(t, base+tt.path, tt.form)
			if r.status != tt.status {
				t.Fatalf("got %v, want %d", r, tt.status)
			}
			doc := mustPage(t, r)
			alert := doc.Find(`[role="alert"]`)
			if alert.Length() != 1 {
				t.Fatalf("%d role=alert elements, want 1", alert.Length())
			}
			for _, w := range tt.words {
				if !strings.Contains(alert.Text(), w) {
					t.Errorf("alert %q does not contain %q", alert.Text(), w)
				}
			}
			if doc.Find(`[data-testid="grid"]`).Length() != 1 || doc.Find(`[data-testid="add-card-form"]`).Length() != 1 {
				t.Errorf("the board and its forms are not shown again with the message")
			}
			if diff := cmp.Diff(before, e.mustExport(t, b.ID)); diff != "" {
				t.Errorf("board changed (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("BadOversizedForm", func(t *testing.T) {
		before := e.mustExport(t, b.ID)
		r := e.postForm(t, base+"/title", url.Values{"title": {strings.Repeat("t", server.MaxFormBody)}})
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("got %v, want 413", r)
		}
		if msg := mustPage(t, r).Find(`[data-testid="error-message"]`).Text(); !strings.Contains(msg, "larger than the limit") {
			t.Errorf("error message %q", msg)
		}
		if diff := cmp.Diff(before, e.mustExport(t, b.ID)); diff != "" {
			t.Errorf("board changed (-before +after):\n%s", diff)
		}
	})

	t.Run("UnknownBoard", func(t *testing.T) {
		r := e.postForm(t, "/boards/nosuchboard/cards", url.Values{"text": {"x"}, "stage": {"stage-1"}, "lane": {"lane-1"}})
		if r.status != http.StatusNotFound {
			t.Fatalf("got %v, want 404", r)
		}
		if msg := mustPage(t, r).Find(`[data-testid="error-message"]`).Text(); !strings.Contains(msg, "board not found") {
			t.Errorf("error message %q", msg)
		}
	})
}

func TestBoardPage(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")
	e.mustOps(t, b.ID,
		createOp(blueprint.TypeTeam, "t-workshop", blueprint.Fields{Name: str("Atelier mécanique"), Color: str("#0f766e")}),
		cardOp("c-evidence", "stage-1", "lane-1", "V", "Confirmation e-mail"),
		createOp(blueprint.TypeCard, "c-customer", blueprint.Fields{Stage: str("stage-2"), Lane: str("lane-2"), Order: str("V"),
			Text: str("Books a repair slot"), Team: str("t-workshop"), Kind: str("action"), WaitMinutes: num(2 * 24 * 60)}),
		cardOp("c-front", "stage-2", "lane-3", "V", "Counter checks the bike"),
		cardOp("c-back", "stage-3", "lane-4", "V", "Orders the spare part"),
		cardOp("c-support", "stage-4", "lane-5", "V", "Supplier delivers"),
		cardOp("c-img", "stage-1", "lane-2", "G", hostileImg),
		cardOp("c-script", "stage-1", "lane-2", "V", hostileScript),
		createOp(blueprint.TypeLink, "k-critical", blueprint.Fields{Kind: str("handoff"), From: str("c-back"), To: str("c-support"), Critical: flg(true)}),
	)
	r := e.get(t, "/boards/"+b.ID)
	if r.status != http.StatusOK {
		t.Fatalf("GET the board: %v", r)
	}
	doc := mustPage(t, r)

	t.Run("Lanes", func(t *testing.T) {
		lanes := doc.Find(`[data-testid="lane"]`)
		if diff := cmp.Diff([]string{"physical_evidence", "customer_actions", "frontstage", "backstage", "support"}, attrs(lanes, "data-role")); diff != "" {
			t.Errorf("lane roles (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Physical evidence", "Customer actions", "Frontstage", "Backstage", "Support processes"}, texts(lanes.Find(".lane-name"))); diff != "" {
			t.Errorf("lane names (-want +got):\n%s", diff)
		}
	})

	t.Run("Lines", func(t *testing.T) {
		var rows []string
		doc.Find(`[data-testid="grid"] > tbody > tr`).Each(func(_ int, s *goquery.Selection) {
			if id := s.AttrOr("data-testid", ""); id == "lane" {
				rows = append(rows, "lane:"+s.AttrOr("data-role", ""))
			} else {
				rows = append(rows, id)
			}
		})
		want := []string{"lane:physical_evidence", "lane:customer_actions", "line-interaction", "lane:frontstage",
			"line-visibility", "lane:backstage", "line-internal_interaction", "lane:support"}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("rows of the grid, top to bottom (-want +got):\n%s", diff)
		}
		for id, label := range map[string]string{"line-interaction": "Line of interaction", "line-visibility": "Line of visibility",
			"line-internal_interaction": "Line of internal interaction"} {
			if got := strings.TrimSpace(doc.Find(`[data-testid="` + id + `"]`).Text()); got != label {
				t.Errorf("%s says %q, want %q", id, got, label)
			}
		}
	})

	t.Run("Stages", func(t *testing.T) {
		if diff := cmp.Diff([]string{"Discover", "Order", "Receive", "Use", "Get help"}, texts(doc.Find(`[data-testid="stage"]`))); diff != "" {
			t.Errorf("stages (-want +got):\n%s", diff)
		}
	})

	t.Run("CardsInTheirCells", func(t *testing.T) {
		for _, tt := range []struct{ card, stage, lane, text string }{
			{"c-evidence", "stage-1", "lane-1", "Confirmation e-mail"},
			{"c-customer", "stage-2", "lane-2", "Books a repair slot"},
			{"c-front", "stage-2", "lane-3", "Counter checks the bike"},
			{"c-back", "stage-3", "lane-4", "Orders the spare part"},
			{"c-support", "stage-4", "lane-5", "Supplier delivers"},
			{"c-img", "stage-1", "lane-2", hostileImg},
			{"c-script", "stage-1", "lane-2", hostileScript},
		} {
			if n := doc.Find(`[data-card-id="` + tt.card + `"]`).Length(); n != 1 {
				t.Errorf("card %s appears %d times", tt.card, n)
			}
			card := doc.Find(`td[data-stage-id="` + tt.stage + `"][data-lane-id="` + tt.lane + `"] [data-card-id="` + tt.card + `"]`)
			if card.Length() != 1 {
				t.Errorf("card %s is not in the cell %s × %s", tt.card, tt.stage, tt.lane)
				continue
			}
			if got := card.Find(".card-text").Text(); got != tt.text {
				t.Errorf("card %s says %q, want %q", tt.card, got, tt.text)
			}
		}
		cell := doc.Find(`td[data-stage-id="stage-1"][data-lane-id="lane-2"]`)
		if diff := cmp.Diff([]string{"c-img", "c-script"}, attrs(cell.Find(`[data-testid="card"]`), "data-card-id")); diff != "" {
			t.Errorf("cards of a cell by order (-want +got):\n%s", diff)
		}
	})

	t.Run("TeamOnCard", func(t *testing.T) {
		card := doc.Find(`[data-card-id="c-customer"]`)
		if got := card.Find(".card-team").Text(); got != "Atelier mécanique" {
			t.Errorf("team on card %q", got)
		}
		if got := card.AttrOr("data-team", ""); got != "t-workshop" {
			t.Errorf("data-team %q", got)
		}
		if got := card.Find(".card-time.wait").Text(); !strings.Contains(got, "2 days") {
			t.Errorf("waiting time %q", got)
		}
		if doc.Find(`[data-card-id="c-front"] .card-team`).Length() != 0 {
			t.Errorf("a card without a team shows one")
		}
	})

	t.Run("CriticalLink", func(t *testing.T) {
		row := doc.Find(`[data-testid="links"] tr[data-link-id="k-critical"]`)
		if !row.HasClass("critical") || !strings.Contains(row.Text(), "Critical") || !strings.Contains(row.Text(), "Orders the spare part") {
			t.Errorf("critical link row: class %q, text %q", row.AttrOr("class", ""), row.Text())
		}
	})

	t.Run("HostileTextIsText", func(t *testing.T) {
		if n := doc.Find("img").Length(); n != 0 {
			t.Errorf("%d img elements on the page", n)
		}
		if n := doc.Find("[onerror]").Length(); n != 0 {
			t.Errorf("%d elements with onerror", n)
		}
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			// The board's state is data, which a browser never runs: it holds the texts,
			// and must stay one JSON value (the hostile texts cannot end its element).
			if s.AttrOr("type", "") == "application/json" {
				if !json.Valid([]byte(s.Text())) {
					t.Errorf("a JSON script element does not hold JSON: %q", s.Text())
				}
				return
			}
			if strings.Contains(s.Text(), "alert") {
				t.Errorf("a script element runs card text: %q", s.Text())
			}
		})
		// The same board without the hostile cards has as many script elements.
		clean := e.mustBoard(t, "service-blueprint")
		if want, got := e.mustGetPage(t, "/boards/"+clean.ID).Find("script").Length(), doc.Find("script").Length(); got != want {
			t.Errorf("%d script elements, want %d as on a clean board", got, want)
		}
		if bytes.Contains(r.body, []byte(hostileImg)) || bytes.Contains(r.body, []byte("<script>alert")) {
			t.Errorf("the page holds card text unescaped")
		}
	})

	t.Run("CSPNonce", func(t *testing.T) {
		csp := r.header.Get("Content-Security-Policy")
		m := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9+/]{16,}={0,2})'`).FindStringSubmatch(csp)
		if m == nil {
			t.Fatalf("no script nonce in Content-Security-Policy %q", csp)
		}
		nonce := m[1]
		if !strings.Contains(csp, "style-src 'self' 'nonce-"+nonce+"'") {
			t.Errorf("styles do not have the same nonce: %q", csp)
		}
		style := doc.Find(`style[nonce="` + nonce + `"]`)
		if style.Length() != 1 {
			t.Fatalf("%d style elements carry the nonce; all styles: %d", style.Length(), doc.Find("style").Length())
		}
		if css := style.Text(); !strings.Contains(css, `[data-team="t-workshop"]{--team:#0f766e}`) {
			t.Errorf("the style element lacks the team colour: %q", css)
		}
		again := e.get(t, "/boards/"+b.ID).header.Get("Content-Security-Policy")
		if strings.Contains(again, nonce) {
			t.Errorf("two responses share the nonce %q", nonce)
		}
	})

	t.Run("UnknownBoard", func(t *testing.T) {
		r := e.get(t, "/boards/nosuchboard")
		if r.status != http.StatusNotFound {
			t.Fatalf("got %v, want 404", r)
		}
		doc := mustPage(t, r)
		if msg := doc.Find(`[data-testid="error-message"]`).Text(); !strings.Contains(msg, "board not found") {
			t.Errorf("error message %q", msg)
		}
		if got := doc.Find("h1").Text(); got != "Not found" {
			t.Errorf("heading %q", got)
		}
	})

	t.Run("InvalidBoardID", func(t *testing.T) {
		if r := e.get(t, "/boards/"+url.PathEscape("<b>x</b>")); r.status != http.StatusNotFound {
			t.Errorf("got %v, want 404", r)
		}
	})
}

func TestLanguage(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")
	path := "/boards/" + b.ID

	wantLang := func(t *testing.T, doc *goquery.Document, lang, line string) {
		t.Helper()
		if got := doc.Find("html").AttrOr("lang", ""); got != lang {
			t.Errorf("html lang %q, want %q", got, lang)
		}
		if got := strings.TrimSpace(doc.Find(`[data-testid="line-interaction"]`).Text()); got != line {
			t.Errorf("line of interaction %q, want %q", got, line)
		}
	}
	langCookie := func(r response) *http.Cookie {
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == "lang" {
				return c
			}
		}
		return nil
	}

	t.Run("Default", func(t *testing.T) {
		r := e.get(t, path)
		wantLang(t, mustPage(t, r), "en", "Line of interaction")
		if c := langCookie(r); c != nil {
			t.Errorf("cookie set without a choice: %v", c)
		}
	})

	t.Run("QueryParameter", func(t *testing.T) {
		r := e.get(t, path+"?lang=fr")
		doc := mustPage(t, r)
		wantLang(t, doc, "fr", "Ligne d’interaction")
		if got := doc.Find(`[data-testid="add-card-form"] button`).Text(); got != "Ajouter la carte" {
			t.Errorf("add-card button %q", got)
		}
		c := langCookie(r)
		if c == nil || c.Value != "fr" || c.Path != "/" || !c.HttpOnly {
			t.Fatalf("lang cookie %v", c)
		}

		t.Run("RememberedByCookie", func(t *testing.T) {
			wantLang(t, e.mustGetPage(t, path, "Cookie", "lang=fr"), "fr", "Ligne d’interaction")
			wantLang(t, e.mustGetPage(t, "/", "Cookie", "lang=fr"), "fr", "")
		})

		t.Run("QueryWinsOverCookie", func(t *testing.T) {
			r := e.get(t, path+"?lang=en", "Cookie", "lang=fr")
			wantLang(t, mustPage(t, r), "en", "Line of interaction")
			if c := langCookie(r); c == nil || c.Value != "en" {
				t.Errorf("lang cookie %v, want en", c)
			}
		})
	})

	t.Run("AcceptLanguage", func(t *testing.T) {
		doc := e.mustGetPage(t, path, "Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
		wantLang(t, doc, "fr", "Ligne d’interaction")
		if diff := cmp.Diff([]string{"Preuves physiques", "Actions du client", "Front-office", "Back-office", "Processus de support"},
			texts(doc.Find(`[data-testid="lane"] .lane-role`))); diff != "" {
			// The lanes were named in English at creation; their roles are shown in French.
			t.Errorf("lane roles (-want +got):\n%s", diff)
		}
	})

	t.Run("UnsupportedChoice", func(t *testing.T) {
		r := e.get(t, path+"?lang=de", "Accept-Language", "de-DE")
		wantLang(t, mustPage(t, r), "en", "Line of interaction")
		if c := langCookie(r); c != nil {
			t.Errorf("cookie set for an unsupported language: %v", c)
		}
	})

	t.Run("ErrorPageInFrench", func(t *testing.T) {
		r := e.get(t, "/boards/nosuchboard", "Accept-Language", "fr")
		if r.status != http.StatusNotFound {
			t.Fatalf("got %v", r)
		}
		if got := mustPage(t, r).Find("h1").Text(); got != "Introuvable" {
			t.Errorf("heading %q", got)
		}
	})
}

func TestHealth(t *testing.T) {
	t.Run("Livez", func(t *testing.T) {
		e := setup(t)
		r := e.get(t, "/livez")
		if r.status != http.StatusOK || mustDecode[map[string]string](t, r)["status"] != "ok" {
			t.Errorf("got %v", r)
		}
	})

	t.Run("ReadyzThenDrain", func(t *testing.T) {
		var calls atomic.Int32
		e := setup(t, func(c *server.Config) {
			c.Ready = func(context.Context) error { calls.Add(1); return nil }
		})
		if r := e.get(t, "/readyz"); r.status != http.StatusOK || mustDecode[map[string]string](t, r)["status"] != "ready" {
			t.Errorf("ready: got %v", r)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("Ready called %d times, want 1", n)
		}
		e.srv.Drain()
		if r := e.get(t, "/readyz"); r.status != http.StatusServiceUnavailable || mustDecode[map[string]string](t, r)["status"] != "draining" {
			t.Errorf("draining: got %v", r)
		}
		if r := e.get(t, "/livez"); r.status != http.StatusOK {
			t.Errorf("livez while draining: got %v", r)
		}
	})

	t.Run("ReadyzNotReady", func(t *testing.T) {
		e := setup(t, func(c *server.Config) {
			c.Ready = func(context.Context) error { return errors.New("schema at version 0") }
		})
		r := e.get(t, "/readyz")
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("got %v, want 503", r)
		}
		if got := mustDecode[map[string]string](t, r); got["reason"] == "" || strings.Contains(got["reason"], "version 0") {
			t.Errorf("body %v; want a reason without the cause, which goes to the log only", got)
		}
	})

	t.Run("UnknownPath", func(t *testing.T) {
		e := setup(t)
		wantAPIError(t, e.get(t, "/api/nothing"), http.StatusNotFound, "/api/nothing")
		if r := e.get(t, "/nothing"); r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET /nothing: %v", r)
		}
	})
}
