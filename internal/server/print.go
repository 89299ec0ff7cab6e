package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// Printer renders a page of this server to PDF or PNG in a headless browser
// (internal/printer's Printer). Print returns an error whose method Busy() reports true
// when every slot is taken (at once, without waiting), Timeout() when the render took too
// long, and Unavailable() when the browser cannot be started. A Printer that also has a
// method Available() bool is taken as absent while it says false.
type Printer interface {
	Print(ctx context.Context, job PrintJob) ([]byte, error)
}

// canPrint says whether the server has a Printer that may render now.
func (s *Server) canPrint() bool {
	if s.printer == nil {
		return false
	}
	if a, ok := s.printer.(interface{ Available() bool }); ok {
		return a.Available()
	}
	return true
}

// PrintJob is one render, with the fields of internal/printer's Job so that one converts
// to the other: the page's URL and the headers sent with its requests; for a PDF the
// paper's size and margins in millimetres, and FitWidth (CSS pixels) to scale the page
// onto one sheet; for a PNG (no paper) the width the page is laid out at.
type PrintJob struct {
	URL                             string
	Header                          map[string]string
	PaperWidth, PaperHeight, Margin float64
	FitWidth                        float64
	Width                           float64
}

// PrintFunc makes a Printer of a function.
type PrintFunc func(ctx context.Context, job PrintJob) ([]byte, error)

// Print implements Printer.
func (f PrintFunc) Print(ctx context.Context, job PrintJob) ([]byte, error) { return f(ctx, job) }

// MaxPrintCards bounds the boards rendered to PDF or PNG: a larger board is refused (413)
// before a browser is asked, and can still be exported as SVG, CSV or JSON.
const MaxPrintCards = 3000

// Print tickets: how the browser that renders an export reads the board as the person who
// asked for it (docs/security.md).
const (
	printTicketHeader = "X-Lastmile-Print-Ticket"
	printTicketTTL    = 30 * time.Second
	maxPrintTickets   = 1000
)

// Errors of the PDF and PNG exports.
var (
	errNoPrinter = blueprint.Errorf(blueprint.EUNAVAILABLE,
		"PDF and PNG exports are not available on this server: it has no Chromium to render them. Export the board as an SVG picture instead")
	errPrintBusy = retryLater(blueprint.Errorf(blueprint.EUNAVAILABLE,
		"the server is already rendering as many exports as it can at once: try again in a few seconds"), 5*time.Second)
	errPrintTimeout = retryLater(blueprint.Errorf(blueprint.EUNAVAILABLE,
		"the export took too long and was stopped: try again later, or export the board as an SVG picture"), 30*time.Second)
	errPrintBroken = retryLater(blueprint.Errorf(blueprint.EUNAVAILABLE,
		"the browser that renders PDF and PNG exports could not run: try again in a moment, or export the board as an SVG picture"), 10*time.Second)
	errPrintTicket = blueprint.Errorf(blueprint.EUNAUTHORIZED,
		"this print ticket is not valid: it was already used, has expired, or is for another board")
)

// printTicket is the capability a render hands its browser: the board, and the person
// who asked (their user and session or API token), whose access is resolved again when
// the browser comes with it.
type printTicket struct {
	boardID   string
	userID    string
	tokenHash []byte
	expires   time.Time
}

// printTickets holds the tickets issued and not yet used, by the SHA-256 of their value.
// They live in this process only: the browser asks the process that issued its ticket.
type printTickets struct {
	mu sync.Mutex
	m  map[[32]byte]printTicket
}

// issue returns a new ticket's value (256 random bits) for t, valid once until
// printTicketTTL from now; "" when too many are outstanding.
func (ts *printTickets) issue(t printTicket, now time.Time) string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.m == nil {
		ts.m = map[[32]byte]printTicket{}
	}
	for k, old := range ts.m {
		if !now.Before(old.expires) {
			delete(ts.m, k)
		}
	}
	if len(ts.m) >= maxPrintTickets {
		return ""
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	value := base64.RawURLEncoding.EncodeToString(b)
	t.expires = now.Add(printTicketTTL)
	ts.m[sha256.Sum256([]byte(value))] = t
	return value
}

// redeem takes the ticket of value for boardID: it is used up whether or not it matches.
func (ts *printTickets) redeem(value, boardID string, now time.Time) (printTicket, bool) {
	key := sha256.Sum256([]byte(value))
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[key]
	delete(ts.m, key)
	if !ok || t.boardID != boardID || !now.Before(t.expires) {
		return printTicket{}, false
	}
	return t, true
}

// drop forgets a ticket that was not used (the render failed before its page loaded).
func (ts *printTickets) drop(value string) {
	key := sha256.Sum256([]byte(value))
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.m, key)
}

// usePrintTicket lets the print view in by a print ticket instead of a session: a
// request that carries one is the browser of an export, which reads the board as the
// person who asked for it (resolveAccess), as a viewer at most. A ticket that is not
// valid, or comes from anywhere but loopback, is refused.
func (s *Server) usePrintTicket(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value := r.Header.Get(printTicketHeader)
		if value == "" {
			next.ServeHTTP(w, r)
			return
		}
		t, ok := s.tickets.redeem(value, chi.URLParam(r, "boardID"), time.Now())
		if !ok || !fromLoopback(r) {
			s.fail(w, r, errPrintTicket)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ticketKey, t)))
	})
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// ticketAccess is the access of a print ticket's person to the board, as a viewer at most.
func (s *Server) ticketAccess(r *http.Request, boardID string, t printTicket) (auth.Access, error) {
	if s.accounts == nil {
		return auth.Access{Role: auth.Viewer, Open: true}, nil
	}
	acc, err := s.accounts.ResolveAccess(r.Context(), boardID, t.userID, t.tokenHash)
	if err != nil {
		return acc, err
	}
	if auth.Can(acc.Role, auth.View) {
		acc.Role = auth.Viewer
	}
	acc.Creator, acc.Owner = false, false
	return acc, nil
}

// printOptions are the query of the print view and of the PDF export.
type printOptions struct {
	paper   web.Paper
	fit     bool
	picture bool // the PNG export's layout (picture=1)
}

// parsePrintOptions reads paper (a4, the default, or a3) and fit (0, the default, or 1).
func parsePrintOptions(q url.Values) (printOptions, error) {
	o := printOptions{paper: web.Papers["a4"]}
	if v := q.Get("paper"); v != "" {
		p, ok := web.Papers[strings.ToLower(v)]
		if !ok {
			return o, blueprint.Errorf(blueprint.EINVALID, "paper must be a4 or a3, not %q", clip(v, 20))
		}
		o.paper = p
	}
	switch v := q.Get("fit"); v {
	case "", "0":
	case "1":
		o.fit = true
	default:
		return o, blueprint.Errorf(blueprint.EINVALID, "fit must be 0 or 1, not %q", clip(v, 20))
	}
	o.picture = q.Get("picture") == "1"
	if o.picture {
		o.fit = true
	}
	return o, nil
}

// clip shortens a value quoted back in a message.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// handlePrintPage serves GET /boards/{id}/print: the board laid out for paper (A4 or A3
// landscape, or fit on one sheet), read-only and without script. The PDF export prints it.
func (s *Server) handlePrintPage(w http.ResponseWriter, r *http.Request) {
	o, err := parsePrintOptions(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := boardFrom(r)
	v := web.NewBoardView(b)
	v.ReadOnly = true
	pv := web.NewPrintView(v, o.paper, o.fit)
	pv.Picture = o.picture
	render(w, r, http.StatusOK, web.PrintPage(s.page(r, b.Title), pv))
}

// handleExportPDF serves GET /boards/{id}/export.pdf and /api/boards/{id}/export.pdf:
// the print view printed to PDF by the server's Chromium.
func (s *Server) handleExportPDF(w http.ResponseWriter, r *http.Request) {
	o, err := parsePrintOptions(r.URL.Query())
	if err != nil {
		s.failExport(w, r, err)
		return
	}
	b := boardFrom(r)
	job := PrintJob{PaperWidth: o.paper.Width, PaperHeight: o.paper.Height, Margin: o.paper.Margin}
	if o.fit {
		job.FitWidth = web.FitWidth(len(b.Stages))
	}
	data, err := s.print(r, b, o, job)
	if err != nil {
		s.failExport(w, r, err)
		return
	}
	sendFile(w, "application/pdf", b.ID+".pdf", data)
}

// handleExportPNG serves GET /boards/{id}/export.png and /api/boards/{id}/export.png: the
// whole board as one picture, its stages side by side, taken by the server's Chromium.
func (s *Server) handleExportPNG(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	o := printOptions{paper: web.Papers["a4"], fit: true, picture: true}
	data, err := s.print(r, b, o, PrintJob{Width: web.PictureWidth(len(b.Stages))})
	if err != nil {
		s.failExport(w, r, err)
		return
	}
	sendFile(w, "image/png", b.ID+".png", data)
}

// print renders the print view of b with o through the printer, as the person asking.
func (s *Server) print(r *http.Request, b *blueprint.Board, o printOptions, job PrintJob) ([]byte, error) {
	if !s.canPrint() {
		return nil, errNoPrinter
	}
	if n := len(b.Cards); n > MaxPrintCards {
		return nil, blueprint.Errorf(blueprint.ETOOLARGE,
			"this board has %d cards, more than the %d a PDF or PNG export renders: export it as an SVG picture or as CSV", n, MaxPrintCards)
	}
	self := ""
	if s.selfURL != nil {
		self = s.selfURL()
	}
	if self == "" {
		return nil, blueprint.Internal(errors.New("print: the server does not know its own address"))
	}
	t := printTicket{boardID: b.ID}
	if sess := sessionFrom(r); sess != nil {
		t.userID, t.tokenHash = sess.UserID, sess.TokenHash
	}
	value := s.tickets.issue(t, time.Now())
	if value == "" {
		return nil, errPrintBusy
	}
	defer s.tickets.drop(value)
	q := url.Values{"paper": {o.paper.Key}, "lang": {localizer(r).Lang()}}
	if o.fit {
		q.Set("fit", "1")
	}
	if o.picture {
		q.Set("picture", "1")
	}
	job.URL = strings.TrimSuffix(self, "/") + "/boards/" + b.ID + "/print?" + q.Encode()
	job.Header = map[string]string{printTicketHeader: value}
	data, err := s.printer.Print(r.Context(), job)
	if err == nil {
		return data, nil
	}
	var kind interface {
		Busy() bool
		Timeout() bool
		Unavailable() bool
	}
	switch {
	case errors.As(err, &kind) && kind.Busy():
		return nil, errPrintBusy
	case errors.As(err, &kind) && kind.Timeout():
		s.log.Warn("export render timed out", "board", b.ID)
		return nil, errPrintTimeout
	case errors.As(err, &kind) && kind.Unavailable():
		s.log.Error("export browser unavailable", "board", b.ID, "err", err)
		return nil, errPrintBroken
	case r.Context().Err() != nil:
		return nil, r.Context().Err()
	}
	return nil, blueprint.Internal(err)
}

// failExport answers a failed PDF or PNG export. The board page's script asks for JSON
// (Accept): outside /api it gets the message in the reader's language, to show as is.
func (s *Server) failExport(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") || !wantsJSON(r) {
		s.fail(w, r, err)
		return
	}
	err = normalize(err)
	code := blueprint.ErrorCode(err)
	if code == blueprint.EINTERNAL {
		s.log.Error("internal error", "method", r.Method, "route", routeOf(r), "err", err)
	}
	setRetryAfter(w, err)
	writeJSON(w, ErrorStatus(err), errorBody{Error: jsonError{Code: code, Message: localizer(r).ErrorMessage(err)}})
}
