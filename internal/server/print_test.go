package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"lastmile/internal/server"
)

// ticketBrowser stands where the export's Chromium is: asked to print, it loads the job's
// page the way the browser does (no cookie, the job's headers), through visit, which a
// test may change to do something else with the ticket. It answers a stub PDF: the real
// renders are tested in Chromium (internal/e2e/export_test.go).
type ticketBrowser struct {
	self  string // the server's address
	mu    sync.Mutex
	jobs  []server.PrintJob
	seen  []response
	visit func(t *testing.T, job server.PrintJob) response
}

// plainVisit loads the job's page as the browser does.
func plainVisit(t *testing.T, job server.PrintJob) response {
	return load(t, http.MethodGet, job.URL, job.Header)
}

// setVisit changes what the browser does with its next jobs.
func (b *ticketBrowser) setVisit(f func(t *testing.T, job server.PrintJob) response) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.visit = f
}

func (b *ticketBrowser) printer(t *testing.T) func(*server.Config) {
	return func(cfg *server.Config) {
		cfg.SelfURL = func() string { return b.self }
		cfg.Printer = server.PrintFunc(func(ctx context.Context, job server.PrintJob) ([]byte, error) {
			b.mu.Lock()
			visit := b.visit
			b.mu.Unlock()
			r := visit(t, job)
			b.mu.Lock()
			defer b.mu.Unlock()
			b.jobs = append(b.jobs, job)
			b.seen = append(b.seen, r)
			if r.status != http.StatusOK {
				return nil, fmt.Errorf("loading the page: the server answered %d", r.status)
			}
			return []byte("%PDF-1.4 stub"), nil
		})
	}
}

// load requests a page of the server as the export's browser does.
func load(t *testing.T, method, u string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: data}
}

func (b *ticketBrowser) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.jobs)
}

func (b *ticketBrowser) last(t *testing.T) (server.PrintJob, response) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.jobs) == 0 {
		t.Fatal("the printer was never asked")
	}
	return b.jobs[len(b.jobs)-1], b.seen[len(b.seen)-1]
}

// TestPrintTicket checks how the export's browser reads a private board: with a ticket
// that the export issues for the person asking, used once, for that board only, through
// the print view only, with that person's access as it is when the browser comes.
func TestPrintTicket(t *testing.T) {
	t.Parallel()
	b := &ticketBrowser{visit: plainVisit}
	e := setupAuth(t, b.printer(t))
	b.self = e.url
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	other := owner.mustBoard(t)
	ops := `[{"op":"create","type":"card","id":"c-ticket","fields":{"stage":"stage-1","lane":"lane-2","order":"V","text":"Call the customer back"}}]`
	if r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/ops", strings.NewReader(ops), "Content-Type", "application/json"); r.status != http.StatusOK {
		t.Fatalf("adding a card: %v", r)
	}
	viewer := e.person(t)
	viewer.mustSignUp(t, "viewer@example.org")
	u, err := e.store.FindUserByEmail(t.Context(), "viewer@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddMember(t.Context(), board, u.ID, "viewer"); err != nil {
		t.Fatal(err)
	}

	t.Run("OwnerAndViewer", func(t *testing.T) {
		for _, p := range []*person{owner, viewer} {
			r := p.do(t, http.MethodGet, "/boards/"+board+"/export.pdf?paper=a3", nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" ||
				!strings.Contains(r.header.Get("Content-Disposition"), board+".pdf") {
				t.Fatalf("export: %v", r)
			}
			job, page := b.last(t)
			if page.status != http.StatusOK || !strings.Contains(string(page.body), "Call the customer back") ||
				!strings.Contains(string(page.body), `data-testid="print-view"`) || strings.Contains(string(page.body), "add-card-form") {
				t.Fatalf("the browser got %v", page)
			}
			if job.PaperWidth != 420 || job.PaperHeight != 297 || job.FitWidth != 0 || !strings.Contains(job.URL, "paper=a3") {
				t.Fatalf("job %+v", job)
			}
			// The ticket was used up: the same request again is refused.
			if again := load(t, http.MethodGet, job.URL, job.Header); again.status != http.StatusUnauthorized {
				t.Fatalf("a ticket used twice: %v", again)
			}
		}
	})

	t.Run("NoTicket", func(t *testing.T) {
		job, _ := b.last(t)
		if r := load(t, http.MethodGet, job.URL, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("the print view of a private board without session or ticket: %v", r)
		}
		if r := load(t, http.MethodGet, job.URL, map[string]string{"X-Lastmile-Print-Ticket": "forged-ticket-value"}); r.status != http.StatusUnauthorized {
			t.Fatalf("a forged ticket: %v", r)
		}
	})

	t.Run("Stranger", func(t *testing.T) {
		stranger := e.person(t)
		stranger.mustSignUp(t, "stranger@example.org")
		before := b.count()
		if r := stranger.do(t, http.MethodGet, "/api/boards/"+board+"/export.pdf", nil); r.status != http.StatusForbidden {
			t.Fatalf("a stranger's export: %v", r)
		}
		if r := e.person(t).do(t, http.MethodGet, "/boards/"+board+"/export.png", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("an anonymous export: %v", r)
		}
		if b.count() != before {
			t.Fatal("the printer was asked for someone who may not view the board")
		}
	})

	t.Run("OtherBoard", func(t *testing.T) {
		// A ticket is for its board: shown at another board of the same person, refused.
		b.setVisit(func(t *testing.T, job server.PrintJob) response {
			return load(t, http.MethodGet, strings.Replace(job.URL, board, other, 1), job.Header)
		})
		defer b.setVisit(plainVisit)
		r := owner.do(t, http.MethodGet, "/api/boards/"+board+"/export.pdf", nil)
		if _, page := b.last(t); page.status != http.StatusUnauthorized || r.status != http.StatusInternalServerError {
			t.Fatalf("a ticket at another board: the browser got %d, the export %v", page.status, r)
		}
	})

	t.Run("OnlyThePrintView", func(t *testing.T) {
		// The ticket opens the print view and nothing else: a form posted with it is
		// refused as from someone without session, and the page is then still refused.
		b.setVisit(func(t *testing.T, job server.PrintJob) response {
			form := url.Values{"text": {"Posted with a ticket"}, "stage": {"stage-1"}, "lane": {"lane-2"}, "kind": {"note"}}
			req, _ := http.NewRequest(http.MethodPost, b.self+"/boards/"+board+"/cards", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range job.Header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("a form posted with a ticket: %d", res.StatusCode)
			}
			return load(t, http.MethodGet, job.URL, job.Header)
		})
		defer b.setVisit(plainVisit)
		if r := owner.do(t, http.MethodGet, "/api/boards/"+board+"/export.pdf", nil); r.status != http.StatusOK {
			t.Fatalf("export: %v", r)
		}
		var exp struct{ Cards []struct{ Text string } }
		if err := json.Unmarshal(owner.do(t, http.MethodGet, "/api/boards/"+board, nil).body, &exp); err != nil {
			t.Fatal(err)
		}
		for _, c := range exp.Cards {
			if c.Text == "Posted with a ticket" {
				t.Fatal("a form posted with a print ticket changed the board")
			}
		}
	})

	t.Run("AccessRemovedMeanwhile", func(t *testing.T) {
		// The person's access is resolved when the browser comes: removed in between, the
		// page is refused and so is the export.
		b.setVisit(func(t *testing.T, job server.PrintJob) response {
			if err := e.store.RemoveMember(t.Context(), board, u.ID); err != nil {
				t.Error(err)
			}
			return load(t, http.MethodGet, job.URL, job.Header)
		})
		r := viewer.do(t, http.MethodGet, "/boards/"+board+"/export.pdf", nil)
		if _, page := b.last(t); page.status == http.StatusOK || r.status == http.StatusOK {
			t.Fatalf("access removed before the browser came: the browser got %d, the export %v", page.status, r)
		}
	})
}

// TestPrintOptions checks the query of the PDF export and the print view.
func TestPrintOptions(t *testing.T) {
	t.Parallel()
	b := &ticketBrowser{visit: plainVisit}
	e := setupAuth(t, b.printer(t))
	b.self = e.url
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)

	for _, c := range []struct {
		query  string
		status int
		paper  float64
		fit    bool
		msg    string
	}{
		{"", 200, 297, false, ""},
		{"?paper=A3&fit=1", 200, 420, true, ""},
		{"?paper=letter", 400, 0, false, `paper must be a4 or a3, not "letter"`},
		{"?fit=yes", 400, 0, false, `fit must be 0 or 1, not "yes"`},
		{"?paper=" + strings.Repeat("x", 500), 400, 0, false, `not "xxxxxxxxxxxxxxxxxxxx…"`},
	} {
		r := owner.do(t, http.MethodGet, "/api/boards/"+board+"/export.pdf"+c.query, nil)
		var body struct{ Error struct{ Message string } }
		_ = json.Unmarshal(r.body, &body)
		if r.status != c.status || !strings.Contains(body.Error.Message, c.msg) {
			t.Errorf("%q: %v", c.query, r)
			continue
		}
		if c.status != 200 {
			continue
		}
		job, page := b.last(t)
		if job.PaperWidth != c.paper || (job.FitWidth > 0) != c.fit || page.status != 200 {
			t.Errorf("%q: job %+v, page %d", c.query, job, page.status)
		}
		if c.fit && strings.Count(string(page.body), `data-testid="print-band"`) != 1 {
			t.Errorf("%q: the page to fit has more than one band", c.query)
		}
	}
	// The board page's script asks for JSON, and gets the message in the page's language.
	r := owner.do(t, http.MethodGet, "/boards/"+board+"/export.pdf?paper=b5", nil, "Accept", "application/pdf, application/json", "Accept-Language", "fr")
	if r.status != 400 || !strings.Contains(string(r.body), "le papier doit être a4 ou a3") {
		t.Errorf("a refusal in French: %v", r)
	}
}
