package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// analysisBoard makes, as owner, a board with a critical link nobody agreed on between
// two teams' cards of the first stage; it returns the board and the link's id.
func analysisBoard(t *testing.T, e *authEnv, owner *person) (string, *blueprint.Board) {
	t.Helper()
	board := owner.mustBoard(t)
	b, err := e.store.FindBoard(context.Background(), board)
	if err != nil {
		t.Fatal(err)
	}
	stage := b.SortedStages()[0].ID
	var front, back string
	for _, l := range b.SortedLanes() {
		switch l.Role {
		case blueprint.RoleFrontstage:
			front = l.ID
		case blueprint.RoleBackstage:
			back = l.ID
		}
	}
	ops := []blueprint.Op{
		{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: "t-desk", Fields: blueprint.Fields{Name: ptr("Front desk"), Color: ptr("#2563eb")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: "t-it", Fields: blueprint.Fields{Name: ptr("IT"), Color: ptr("#059669")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c-front", Fields: blueprint.Fields{Stage: &stage, Lane: &front, Order: ptr("a"), Text: ptr("Clerk checks the form"), Team: ptr("t-desk")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c-back", Fields: blueprint.Fields{Stage: &stage, Lane: &back, Order: ptr("a"), Text: ptr("Account is opened"), Team: ptr("t-it")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: "k-crit", Fields: blueprint.Fields{From: ptr("c-front"), To: ptr("c-back"),
			Kind: ptr("dependency"), Critical: ptr(true)}},
	}
	edits := make([]blueprint.Edit, len(ops))
	for i, op := range ops {
		edits[i] = blueprint.Edit{Author: "test", Op: op}
	}
	res, err := e.store.ApplyEdits(context.Background(), board, edits)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("fixture: %v", r.Err)
		}
	}
	b, err = e.store.FindBoard(context.Background(), board)
	if err != nil {
		t.Fatal(err)
	}
	return board, b
}

// TestAnalysisAPI checks GET /api/boards/{id}/analysis: the analysis of the board as it
// is, to whoever may view it, and nothing to anyone else.
func TestAnalysisAPI(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board, _ := analysisBoard(t, e, owner)
	viewer := e.person(t)
	viewer.mustJoin(t, owner.mustLink(t, board, url.Values{"role": {"viewer"}}), board, url.Values{"name": {"Vic"}})
	stranger := e.person(t)
	stranger.mustSignUp(t, "stranger@example.org")

	t.Run("OK", func(t *testing.T) {
		for name, p := range map[string]*person{"owner": owner, "viewer": viewer} {
			r := p.do(t, http.MethodGet, "/api/boards/"+board+"/analysis", nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %v", name, r)
			}
			var a blueprint.Analysis
			if err := json.Unmarshal(r.body, &a); err != nil {
				t.Fatal(err)
			}
			if a.Board != board || a.Readiness.Level != blueprint.Red || a.Readiness.Critical.Identified != 1 ||
				len(a.Readiness.Blockers) != 1 || a.Readiness.Blockers[0].Link != "k-crit" {
				t.Errorf("%s: readiness %+v; want red with the open critical link", name, a.Readiness)
			}
			if len(a.Readiness.History) == 0 {
				t.Errorf("%s: no history: the log was not read", name)
			}
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		r := stranger.do(t, http.MethodGet, "/api/boards/"+board+"/analysis", nil)
		if r.status != http.StatusForbidden || bytes.Contains(r.body, []byte("k-crit")) {
			t.Errorf("stranger: %v; want 403 and nothing of the board", r)
		}
		r = e.person(t).do(t, http.MethodGet, "/api/boards/"+board+"/analysis", nil)
		if r.status != http.StatusUnauthorized {
			t.Errorf("anonymous: %v; want 401", r)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/api/boards/bnosuchboard2/analysis", "/boards/bnosuchboard2/analysis"} {
			if r := owner.do(t, http.MethodGet, path, nil); r.status != http.StatusNotFound {
				t.Errorf("%s: %d; want 404", path, r.status)
			}
		}
	})
}

// TestAnalysisPage checks the page: its figures from the server, the forms for editors
// only, and the link from the board's tool bar.
func TestAnalysisPage(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board, _ := analysisBoard(t, e, owner)
	commenter := e.person(t)
	commenter.mustJoin(t, owner.mustLink(t, board, url.Values{"role": {"commenter"}}), board, url.Values{"name": {"Cam"}})

	doc := mustDoc(t, owner.do(t, http.MethodGet, "/boards/"+board+"/analysis?lang=en", nil))
	if got := strings.Join(strings.Fields(doc.Find(`[data-live="level"]`).Text()), " "); got != "✕ Red" {
		t.Errorf("overall level %q; want ✕ Red", got)
	}
	if got := doc.Find(`[data-live="identified"]`).Text(); got != "1" {
		t.Errorf("identified %q; want 1", got)
	}
	blocker := doc.Find(`[data-testid="blocker"]`)
	unisolated := strings.NewReplacer("\u2068", "", "\u2069", "")
	if blocker.Length() != 1 || !strings.Contains(unisolated.Replace(blocker.Text()), "Clerk checks the form → Account is opened") {
		t.Errorf("blockers: %q", blocker.Text())
	}
	for _, sel := range []string{"stage-strip", "history", "framing-form", "launch-form", "volumes-form"} {
		if doc.Find(`[data-testid="`+sel+`"]`).Length() != 1 {
			t.Errorf("the editor's page has no %s", sel)
		}
	}
	if doc.Find(`svg[data-testid="history"] title`).Length() != 1 || doc.Find(`svg[data-testid="history"] desc`).Text() == "" {
		t.Error("the time line has no title or description")
	}
	ro := mustDoc(t, commenter.do(t, http.MethodGet, "/boards/"+board+"/analysis?lang=fr", nil))
	if n := ro.Find(`form[action*="/analysis/"]`).Length(); n != 0 {
		t.Errorf("a commenter sees %d forms of the analysis", n)
	}
	if got := strings.Join(strings.Fields(ro.Find(`[data-live="level"]`).Text()), " "); got != "✕ Rouge" {
		t.Errorf("French level %q; want ✕ Rouge", got)
	}
	bar := mustDoc(t, owner.do(t, http.MethodGet, "/boards/"+board, nil))
	if href, _ := bar.Find(`[data-testid="board-bar"] [data-testid="analysis-link"]`).Attr("href"); href != "/boards/"+board+"/analysis" {
		t.Errorf("the tool bar links to %q", href)
	}
}

// multipartCSV is a multipart body whose file field "csv" holds data.
func multipartCSV(t *testing.T, data string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, err := w.CreateFormFile("csv", "volumes.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte(data))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

// TestAnalysisForms posts the framing, the launch and the funnel's volumes: each commits
// and redirects to the page; bad input re-renders the page with a message in the reader's
// language and changes nothing; a cross-site post is refused.
func TestAnalysisForms(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board, b := analysisBoard(t, e, owner)
	stages := b.SortedStages()
	path := "/boards/" + board + "/analysis/"
	find := func(t *testing.T) *blueprint.Board {
		t.Helper()
		b, err := e.store.FindBoard(context.Background(), board)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	unchanged := func(t *testing.T, before int64) {
		t.Helper()
		if after := e.seq(t, board); after != before {
			t.Errorf("a refused form changed the board: seq %d → %d", before, after)
		}
	}

	t.Run("Framing", func(t *testing.T) {
		r := owner.form(t, path+"framing", url.Values{"problem": {"Residents wait weeks for a permit"},
			"daily_user": {"Desk clerk", "", "Permit officer"}, "minimum_useful": {"Online validation"}, "deadline": {"2026-09-01"}, "check_in": {""}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/boards/"+board+"/analysis#framing" {
			t.Fatalf("%v", r)
		}
		f := find(t).Framing
		if f.Problem != "Residents wait weeks for a permit" || !slices.Equal(f.DailyUsers, []string{"Desk clerk", "Permit officer"}) ||
			f.MinimumUseful != "Online validation" || f.Deadline != "2026-09-01" {
			t.Errorf("framing %+v", f)
		}
		// The same form again changes nothing: no op.
		before := e.seq(t, board)
		owner.form(t, path+"framing", url.Values{"problem": {"Residents wait weeks for a permit"},
			"daily_user": {"Desk clerk", "Permit officer"}, "minimum_useful": {"Online validation"}, "deadline": {"2026-09-01"}})
		unchanged(t, before)
	})
	t.Run("FramingBadDate", func(t *testing.T) {
		before := e.seq(t, board)
		r := owner.form(t, path+"framing?lang=fr", url.Values{"problem": {"Kept as typed"}, "deadline": {"2026-13-45"}})
		wantError(t, r, http.StatusBadRequest, `le champ date butoir doit être un jour écrit AAAA-MM-JJ, pas « 2026-13-45 »`)
		if v, _ := mustDoc(t, r).Find(`[data-testid="framing-form"] input[name="problem"]`).Attr("value"); v != "Kept as typed" {
			t.Errorf("the form shows %q again; want what was typed", v)
		}
		unchanged(t, before)
	})
	t.Run("Launch", func(t *testing.T) {
		r := owner.form(t, path+"launch", url.Values{"launch_candidate": {"1"}, "launch_date": {"2026-08-15"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("%v", r)
		}
		if f := find(t).Framing; !f.LaunchCandidate || f.LaunchDate != "2026-08-15" {
			t.Errorf("launch %+v", f)
		}
		r = owner.form(t, path+"launch", url.Values{"launch_date": {"2026-08-15"}})
		if f := find(t).Framing; r.status != http.StatusSeeOther || f.LaunchCandidate {
			t.Errorf("unticking the candidate: %d %+v", r.status, f)
		}
	})
	t.Run("Volumes", func(t *testing.T) {
		body, ct := multipartCSV(t, fmt.Sprintf("stage;entered;completed\n%s;1 200;900\n%s;900;300\n", stages[0].Name, stages[1].Name))
		r := owner.do(t, http.MethodPost, path+"volumes", strings.NewReader(body), "Content-Type", ct)
		if r.status != http.StatusSeeOther {
			t.Fatalf("%v", r)
		}
		got := find(t)
		s0, s1 := got.Stages[stages[0].ID], got.Stages[stages[1].ID]
		if s0.Entered != 1200 || s0.Completed != 900 || s1.Entered != 900 || s1.Completed != 300 {
			t.Errorf("volumes %+v %+v", s0, s1)
		}
	})
	t.Run("VolumesBad", func(t *testing.T) {
		before := e.seq(t, board)
		body, ct := multipartCSV(t, "stage,entered,completed\n"+stages[0].Name+",10,5\nNo such stage,3,1\n")
		r := owner.do(t, http.MethodPost, path+"volumes?lang=en", strings.NewReader(body), "Content-Type", ct)
		wantError(t, r, http.StatusBadRequest, `row 3: no stage is named "No such stage"`)
		body, ct = multipartCSV(t, "")
		wantError(t, owner.do(t, http.MethodPost, path+"volumes?lang=fr", strings.NewReader(body), "Content-Type", ct),
			http.StatusBadRequest, "le fichier est vide")
		wantError(t, owner.form(t, path+"volumes?lang=en", url.Values{}), http.StatusBadRequest,
			"choose a CSV file of the funnel's volumes to upload")
		body, ct = multipartCSV(t, "stage,entered,completed\n"+strings.Repeat("x", blueprint.MaxVolumesCSV+20<<10))
		wantError(t, owner.do(t, http.MethodPost, path+"volumes?lang=fr", strings.NewReader(body), "Content-Type", ct),
			http.StatusRequestEntityTooLarge, fmt.Sprintf("le fichier dépasse la limite de %d Kio", blueprint.MaxVolumesCSV>>10))
		unchanged(t, before)
	})
	t.Run("ErrCrossSite", func(t *testing.T) {
		before := e.seq(t, board)
		r := owner.form(t, path+"framing", url.Values{"problem": {"Forged"}}, "Sec-Fetch-Site", "cross-site")
		if r.status != http.StatusForbidden {
			t.Errorf("a cross-site post: %d; want 403", r.status)
		}
		unchanged(t, before)
	})
}

// TestImportKeepsFraming imports an export with a framing: the new board has it.
func TestImportKeepsFraming(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board, _ := analysisBoard(t, e, owner)
	if r := owner.form(t, "/boards/"+board+"/analysis/framing", url.Values{"problem": {"Nobody finishes online"},
		"daily_user": {"Ana", "Bo"}, "deadline": {"2026-10-01"}}); r.status != http.StatusSeeOther {
		t.Fatal(r)
	}
	if r := owner.form(t, "/boards/"+board+"/analysis/launch", url.Values{"launch_candidate": {"1"}, "launch_date": {"2026-09-20"}}); r.status != http.StatusSeeOther {
		t.Fatal(r)
	}
	export := owner.do(t, http.MethodGet, "/api/boards/"+board, nil)
	r := owner.do(t, http.MethodPost, "/api/boards", bytes.NewReader(export.body), "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		t.Fatal(r)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	old, err := e.store.FindBoard(context.Background(), board)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.store.FindBoard(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Framing.DailyUsers, old.Framing.DailyUsers) || got.Framing.Problem != old.Framing.Problem ||
		got.Framing.Deadline != old.Framing.Deadline || !got.Framing.LaunchCandidate || got.Framing.LaunchDate != "2026-09-20" {
		t.Errorf("imported framing %+v; want %+v", got.Framing, old.Framing)
	}
}

// TestPortfolio checks the portfolio: every board the person sees, sorted and filtered
// as asked, each linking to its analysis; nobody's portfolio without signing in.
func TestPortfolio(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	red, _ := analysisBoard(t, e, owner)
	green := owner.mustBoard(t)
	other := e.person(t)
	other.mustSignUp(t, "other@example.org")
	hidden := other.mustBoard(t)

	rows := func(t *testing.T, query string) []string {
		t.Helper()
		r := owner.do(t, http.MethodGet, "/portfolio"+query, nil)
		if r.status != http.StatusOK {
			t.Fatal(r)
		}
		var ids []string
		mustDoc(t, r).Find(`[data-testid="portfolio-row"]`).Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("data-board-id")
			if href, _ := s.Find("a").Attr("href"); href != "/boards/"+id+"/analysis" {
				t.Errorf("row %s links to %q", id, href)
			}
			ids = append(ids, id)
		})
		return ids
	}
	if got := rows(t, ""); !slices.Equal(got, []string{red, green}) {
		t.Errorf("by readiness %v; want the red board first, and never %s", got, hidden)
	}
	if got := rows(t, "?sort=gaps"); len(got) != 2 {
		t.Errorf("by gaps %v", got)
	}
	if got := rows(t, "?team=it"); !slices.Equal(got, []string{red}) {
		t.Errorf("team IT: %v; want only the board where IT works", got)
	}
	if r := owner.do(t, http.MethodGet, "/portfolio?sort=nonsense", nil); r.status != http.StatusBadRequest {
		t.Errorf("an unknown sort: %d", r.status)
	}
	if r := e.person(t).do(t, http.MethodGet, "/portfolio", nil); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d; want 401", r.status)
	}
}

// analysisActions are the role matrix's actions on the analysis.
func analysisActions(board string) []roleAction {
	return []roleAction{
		{"AnalysisGET", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/api/boards/"+board+"/analysis", nil)
			return r.status == http.StatusOK, r.status
		}},
		{"AnalysisPage", auth.View, false, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.do(t, http.MethodGet, "/boards/"+board+"/analysis", nil)
			return r.status == http.StatusOK, r.status
		}},
		{"FramingForm", auth.Edit, true, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/analysis/framing", url.Values{"problem": {fmt.Sprintf("Problem %d", n)}})
			return r.status == http.StatusSeeOther, r.status
		}},
		{"LaunchForm", auth.Edit, true, func(t *testing.T, p *person, n int) (bool, int) {
			r := p.form(t, "/boards/"+board+"/analysis/launch", url.Values{"launch_date": {fmt.Sprintf("2027-%02d-%02d", n/28%12+1, n%28+1)}})
			return r.status == http.StatusSeeOther, r.status
		}},
		{"VolumesForm", auth.Edit, true, func(t *testing.T, p *person, n int) (bool, int) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			f, _ := w.CreateFormFile("csv", "v.csv")
			fmt.Fprintf(f, "stage,entered,completed\n%s,%d,1\n", "Discover", 100+n)
			_ = w.Close()
			r := p.do(t, http.MethodPost, "/boards/"+board+"/analysis/volumes", &buf, "Content-Type", w.FormDataContentType())
			return r.status == http.StatusSeeOther, r.status
		}},
	}
}
