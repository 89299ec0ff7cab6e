package e2e_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/unicode/norm"
	"rsc.io/pdf"

	"lastmile/internal/blueprint"
	"lastmile/internal/printer"
	"lastmile/internal/server"
	"lastmile/web"
)

// exporter is the export renderer shared by the tests of the package: one Chromium of its
// own, as the server's, apart from the tests' browser.
var exporter struct {
	once sync.Once
	p    *printer.Printer
}

// exportPrinter returns the shared renderer as the server's Printer.
func exportPrinter(t testing.TB) server.Printer {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		t.Fatalf("%s is not set: run the tests with `make test`", EnvChromium)
	}
	exporter.once.Do(func() {
		exporter.p = printer.New(printer.Config{Path: path, Slots: 2, Timeout: 2 * time.Minute,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	return server.PrintFunc(func(ctx context.Context, job server.PrintJob) ([]byte, error) {
		return exporter.p.Print(ctx, printer.Job(job))
	})
}

func closeExporter() {
	if exporter.p != nil {
		exporter.p.Close()
	}
}

// withPrinter gives the node's server a Printer, and its own address to print from.
func withPrinter(p server.Printer) func(*server.Config, *node) {
	return func(cfg *server.Config, n *node) {
		cfg.Printer = p
		cfg.SelfURL = func() string { return n.url }
	}
}

// fetch GETs a path of the node and returns the status, the header and the body.
func fetch(t testing.TB, n *node, path string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, n.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, data
}

// pdfPage is a page of a PDF: its MediaBox's size in points and its text.
type pdfPage struct {
	W, H float64
	Text string
}

// readPDF reads the pages of a PDF made by Chromium. Chromium compresses the content
// streams (rsc.io/pdf inflates them) and shows text as glyph ids of embedded fonts
// (Identity-H), which the fonts' ToUnicode CMaps turn back into characters: the text
// shown by Tj, TJ, ' and " is mapped that way here, font by font.
func readPDF(t testing.TB, data []byte) (pages []pdfPage) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", data[:min(len(data), 40)])
	}
	defer func() {
		if e := recover(); e != nil {
			t.Fatalf("reading the PDF: %v", e)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		box := p.V.Key("MediaBox")
		fonts := p.Resources().Key("Font")
		cmaps := map[string]map[string]string{}
		var text strings.Builder
		var cmap map[string]string
		show := func(s string) {
			for len(s) >= 2 {
				text.WriteString(cmap[s[:2]])
				s = s[2:]
			}
		}
		pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for k := len(args) - 1; k >= 0; k-- {
				args[k] = stk.Pop()
			}
			switch op {
			case "Tf":
				if len(args) == 2 {
					name := args[0].Name()
					if cmaps[name] == nil {
						cmaps[name] = toUnicode(fonts.Key(name).Key("ToUnicode"))
					}
					cmap = cmaps[name]
				}
			case "Tj", "'", `"`:
				if len(args) > 0 {
					show(args[len(args)-1].RawString())
				}
			case "TJ":
				if len(args) == 1 {
					for k := 0; k < args[0].Len(); k++ {
						if v := args[0].Index(k); v.Kind() == pdf.String {
							show(v.RawString())
						}
					}
				}
			case "ET":
				text.WriteString(" ")
			}
		})
		pages = append(pages, pdfPage{W: box.Index(2).Float64() - box.Index(0).Float64(),
			H: box.Index(3).Float64() - box.Index(1).Float64(), Text: text.String()})
	}
	return pages
}

var (
	bfchar   = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	bfrange  = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	cmapToks = regexp.MustCompile(`<([0-9A-Fa-f]*)>|\[|\]`)
)

// toUnicode reads a ToUnicode CMap: its bfchar and bfrange sections, from codes to text.
func toUnicode(v pdf.Value) map[string]string {
	m := map[string]string{}
	if v.Kind() != pdf.Stream {
		return m
	}
	data, err := io.ReadAll(v.Reader())
	if err != nil {
		return m
	}
	unhex := func(b []byte) string { s, _ := hex.DecodeString(string(b)); return string(s) }
	utf16be := func(s string) string {
		var u []uint16
		for i := 0; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	}
	for _, sec := range bfchar.FindAllSubmatch(data, -1) {
		toks := cmapToks.FindAllSubmatch(sec[1], -1)
		for i := 0; i+1 < len(toks); i += 2 {
			m[unhex(toks[i][1])] = utf16be(unhex(toks[i+1][1]))
		}
	}
	for _, sec := range bfrange.FindAllSubmatch(data, -1) {
		toks := cmapToks.FindAllSubmatch(sec[1], -1)
		for i := 0; i+2 < len(toks); {
			lo, hi := []byte(unhex(toks[i][1])), unhex(toks[i+1][1])
			i += 2
			var dst []string
			if string(toks[i][0]) == "[" {
				for i++; i < len(toks) && string(toks[i][0]) != "]"; i++ {
					dst = append(dst, unhex(toks[i][1]))
				}
			} else {
				dst = []string{unhex(toks[i][1])}
			}
			i++
			if len(lo) == 0 || len(lo) != len(hi) {
				continue
			}
			for k := 0; k < 256; k++ {
				switch {
				case len(dst) > 1 && k < len(dst):
					m[string(lo)] = utf16be(dst[k])
				case len(dst) == 1 && len(dst[0]) > 0:
					d := []byte(dst[0])
					d[len(d)-1] += byte(k)
					m[string(lo)] = utf16be(string(d))
				}
				if string(lo) >= hi {
					break
				}
				lo[len(lo)-1]++
			}
		}
	}
	return m
}

// squeeze drops every space, a text wrapped over lines coming out of a PDF without the
// spaces at the ends of its lines, and undoes ligatures (the font draws "fi" as one
// glyph, "ﬁ"), by compatibility normalization.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
}

// pdfHas reports whether the text of the pages holds s.
func pdfHas(pages []pdfPage, s string) bool {
	var all strings.Builder
	for _, p := range pages {
		all.WriteString(p.Text)
	}
	return strings.Contains(squeeze(all.String()), squeeze(s))
}

// checkPaper fails unless every page is w × h points, within a point and a half
// (Chromium rounds the sheet to its device pixels).
func checkPaper(t *testing.T, what string, pages []pdfPage, w, h float64) {
	t.Helper()
	for i, p := range pages {
		if math.Abs(p.W-w) > 1.5 || math.Abs(p.H-h) > 1.5 {
			t.Errorf("%s: page %d is %.2f × %.2f pt, want %.0f × %.0f", what, i+1, p.W, p.H, w, h)
		}
	}
}

// exportBoard is the large board (20 stages, 300 cards) and a card of French text, on a
// node that renders exports.
func exportBoard(t *testing.T) (*node, *blueprint.Board) {
	t.Helper()
	n := startNode(t, nil, withPrinter(exportPrinter(t)))
	b := largeBoard(t, n)
	postOps(t, n, b.ID, cardOp("cfr", "s19", "l1", "V", "Valider le dossier « papier » à l’accueil"))
	b, err := n.store.FindBoard(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n, b
}

// TestExportPDF renders the large board to PDF in Chromium, A4 and A3 landscape and fit
// on one page, and reads the files: their header, each page's size from its MediaBox,
// the number of pages, and the cards' texts in the PDF's text.
func TestExportPDF(t *testing.T) {
	n, b := exportBoard(t)
	cards := []string{b.Cards["c000"].Text, b.Cards["c150"].Text, b.Cards["c299"].Text, "Valider le dossier « papier » à l’accueil"}
	get := func(t *testing.T, path string, header ...string) []pdfPage {
		t.Helper()
		status, h, data := fetch(t, n, path, header...)
		if status != http.StatusOK || h.Get("Content-Type") != "application/pdf" || len(data) < 1000 {
			t.Fatalf("GET %s: %d %s, %d bytes: %.300s", path, status, h.Get("Content-Type"), len(data), data)
		}
		return readPDF(t, data)
	}
	checkText := func(t *testing.T, what string, pages []pdfPage, want ...string) {
		t.Helper()
		for _, s := range append(want, cards...) {
			if !pdfHas(pages, s) {
				t.Errorf("%s: the PDF's text lacks %q", what, s)
			}
		}
	}

	var a4 []pdfPage
	t.Run("A4", func(t *testing.T) {
		a4 = get(t, "/api/boards/"+b.ID+"/export.pdf?paper=a4")
		checkPaper(t, "A4", a4, 842, 595)
		// 20 stages, 6 to a band at most: 4 bands of 5, each starting a page.
		if len(a4) < 4 {
			t.Errorf("A4: %d pages, want a page at least for each of the 4 bands of stages", len(a4))
		}
		checkText(t, "A4", a4, "Stage 1", "Stage 20", "Stages 1 to 5 of 20", "Stages 16 to 20 of 20")
	})

	t.Run("TextCheckFails", func(t *testing.T) {
		// The check of the text is no rubber stamp: what is not on the board is not found.
		for _, s := range []string{"Zébulon is not on this board", "Stage 21", "Card 301:"} {
			if pdfHas(a4, s) {
				t.Errorf("the PDF's text has %q, which is not on the board", s)
			}
		}
	})

	t.Run("A3InFrench", func(t *testing.T) {
		// The board page's link, in the reader's language.
		a3 := get(t, "/boards/"+b.ID+"/export.pdf?paper=a3", "Accept-Language", "fr")
		checkPaper(t, "A3", a3, 1191, 842)
		// 9 stages to a band at most: 3 bands of 7.
		if len(a3) < 3 || len(a3) >= len(a4) {
			t.Errorf("A3: %d pages, want 3 at least and fewer than A4's %d", len(a3), len(a4))
		}
		checkText(t, "A3", a3, "Stage 20", "Couloirs / étapes", "Étapes 1 à 7 sur 20", "Étapes 15 à 20 sur 20")
	})

	t.Run("FitOnOnePage", func(t *testing.T) {
		fit := get(t, "/api/boards/"+b.ID+"/export.pdf?fit=1")
		if len(fit) != 1 {
			t.Errorf("fit: %d pages, want 1", len(fit))
		}
		checkPaper(t, "fit", fit, 842, 595)
		checkText(t, "fit", fit, "Stage 1", "Stage 20")
		if pdfHas(fit, "Stages 1 to") {
			t.Error("fit: the page is cut into bands")
		}
	})
}

// TestExportPNG takes a board's picture in Chromium and reads it: a PNG of every stage
// side by side, as wide as the export lays it out, and not blank.
func TestExportPNG(t *testing.T) {
	n := startNode(t, nil, withPrinter(exportPrinter(t)))
	b := mustBoard(t, n.store)
	var ops []blueprint.Op
	for i := range 24 {
		ops = append(ops, cardOp(fmt.Sprintf("p%02d", i), fmt.Sprintf("stage-%d", 1+i%5), fmt.Sprintf("lane-%d", 1+i%5),
			fmt.Sprintf("V%c", 'a'+i), fmt.Sprintf("Card %d of the picture", i+1)))
	}
	postOps(t, n, b.ID, ops...)
	status, h, data := fetch(t, n, "/api/boards/"+b.ID+"/export.png")
	if status != http.StatusOK || h.Get("Content-Type") != "image/png" {
		t.Fatalf("GET export.png: %d %s: %.300s", status, h.Get("Content-Type"), data)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := int(web.PictureWidth(len(b.Stages)))
	if r := img.Bounds(); r.Dx() != want || r.Dy() < 700 {
		t.Fatalf("the picture is %d × %d, want %d wide and at least 700 high for 5 lanes of cards", r.Dx(), r.Dy(), want)
	}
	if inked, colours := ink(img); inked < 0.05 || colours < 20 {
		t.Errorf("the picture looks blank: %.1f %% of its pixels are not white, %d colours", 100*inked, colours)
	}
}

// ink is the share of pixels of img that are not white, and how many colours it has
// (counted on a grid of samples).
func ink(img image.Image) (float64, int) {
	r := img.Bounds()
	colours := map[[3]uint32]bool{}
	var inked, all int
	for y := r.Min.Y; y < r.Max.Y; y += 7 {
		for x := r.Min.X; x < r.Max.X; x += 7 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			all++
			if cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				inked++
			}
			colours[[3]uint32{cr >> 10, cg >> 10, cb >> 10}] = true
		}
	}
	return float64(inked) / float64(all), len(colours)
}

// gatedPrinter holds each render until it is let go, so that a test sees the page while
// the export is being prepared.
type gatedPrinter struct {
	inner   server.Printer
	started chan struct{}
	release chan struct{}
}

func (g *gatedPrinter) Print(ctx context.Context, job server.PrintJob) ([]byte, error) {
	g.started <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.inner.Print(ctx, job)
}

// busyPrinter answers as the renderer does when all its slots are taken.
type busyPrinter struct{}

func (busyPrinter) Print(context.Context, server.PrintJob) ([]byte, error) {
	return nil, printer.ErrBusy
}

// saveDownloads saves the tab's downloads in a directory of the test, returned.
func saveDownloads(t *testing.T, tab context.Context) string {
	t.Helper()
	dir := t.TempDir()
	run(t, tab, "allowing downloads", waitLive, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		return err
	}))
	return dir
}

// downloaded waits for the file name to be downloaded into dir, and returns its start.
func downloaded(t *testing.T, dir, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		data, err := os.ReadFile(dir + "/" + name)
		if err == nil && len(data) > 8 {
			if _, err := os.Stat(dir + "/" + name + ".crdownload"); os.IsNotExist(err) {
				return data[:8]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not downloaded: %v", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLong waits for a condition that a render may take a while to bring.
func waitLong(t *testing.T, tab context.Context, what, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](cond))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestExportMenu exports from the board page in Chromium: the PDF link shows that the
// PDF is being prepared (a live region says so, the links wait) until the server's
// Chromium has rendered it, then that it is ready, with a link to the file that holds the
// PDF, without leaving the page; the PNG by the keyboard; and a refusal, in French.
func TestExportMenu(t *testing.T) {
	gate := &gatedPrinter{inner: exportPrinter(t), started: make(chan struct{}, 4), release: make(chan struct{}, 4)}
	n := startNode(t, nil, withPrinter(gate))
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c1", "stage-1", "lane-2", "V", "Hand the parcel over"))
	tab := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	downloads := saveDownloads(t, tab)
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	checkScreen := `(() => { const box = document.querySelector('[data-export-status]'); return box.hidden; })()`
	if !eval[bool](t, tab, checkScreen) {
		t.Fatal("the export's status shows before any export")
	}

	t.Run("PDF", func(t *testing.T) {
		run(t, tab, "clicking PDF A4", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="export-pdf-a4"]`)))
		select {
		case <-gate.started:
		case <-time.After(time.Minute):
			t.Fatal("the server was never asked for the PDF")
		}
		waitFor(t, tab, "the busy state", `document.querySelector('[data-export-menu]').getAttribute('aria-busy') === 'true'
			&& document.querySelector('[data-testid="export-message"]').textContent === 'Preparing the PDF…'
			&& !document.querySelector('[data-export-progress]').hidden && !document.querySelector('[data-export-status]').hidden`)
		if eval[string](t, tab, `location.pathname`) != "/boards/"+b.ID {
			t.Fatal("the page was left")
		}
		gate.release <- struct{}{}
		waitLong(t, tab, "the PDF", `document.querySelector('[data-testid="export-message"]').textContent === 'The PDF is ready.'`)
		state := eval[[]string](t, tab, `(() => { const a = document.querySelector('[data-testid="export-again"]');
			return [a.hidden ? 'hidden' : 'shown', a.href.slice(0, 5), a.download, String(document.querySelector('[data-export-menu]').hasAttribute('aria-busy')),
				String(document.querySelector('[data-export-progress]').hidden), document.querySelector('[data-testid="export-error"]').textContent]; })()`)
		if want := []string{"shown", "blob:", b.ID + ".pdf", "false", "true", ""}; fmt.Sprint(state) != fmt.Sprint(want) {
			t.Fatalf("once ready: %q, want %q", state, want)
		}
		if head := downloaded(t, downloads, b.ID+".pdf"); !bytes.HasPrefix(head, []byte("%PDF-")) {
			t.Fatalf("the file the page saved starts with %q", head)
		}
	})

	t.Run("PNGByKeyboard", func(t *testing.T) {
		gate.release <- struct{}{}
		focusEl(t, tab, `[data-testid="export-png"]`)
		keys(t, tab, "pressing Enter", "\r")
		waitLong(t, tab, "the picture", `document.querySelector('[data-testid="export-message"]').textContent === 'The picture is ready.'`)
		<-gate.started
		if head := downloaded(t, downloads, b.ID+".png"); !bytes.HasPrefix(head, []byte("\x89PNG")) {
			t.Fatalf("the picture the page saved starts with %q", head)
		}
	})

	t.Run("RefusedInFrench", func(t *testing.T) {
		busy := startNode(t, nil, withPrinter(busyPrinter{}))
		bb := mustBoard(t, busy.store)
		tab := newTab(t)
		watchConsole(t, tab, true) // the 503 is logged as a network error
		openEditable(t, tab, busy.url+"/boards/"+bb.ID+"?lang=fr")
		run(t, tab, "clicking the PDF on one page", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="export-pdf-fit"]`)))
		waitFor(t, tab, "the refusal", `document.querySelector('[data-testid="export-error"]').textContent !== ''`)
		got := eval[[]string](t, tab, `[document.querySelector('[data-testid="export-error"]').textContent,
			document.querySelector('[data-testid="export-message"]').textContent, String(document.querySelector('[data-export-progress]').hidden),
			String(document.querySelector('[data-export-menu]').hasAttribute('aria-busy'))]`)
		want := []string{"L’export a échoué : le serveur produit déjà autant d’exports qu’il le peut à la fois : réessayez dans quelques secondes", "", "true", "false"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after a refusal: %q, want %q", got, want)
		}
		if eval[int](t, tab, `document.querySelectorAll('[role="alert"]').length`) > 1 {
			t.Fatal("more than one role=alert on the page")
		}
	})
}

// TestExportWithoutChromium checks a server that has no Chromium: the board page says
// that PDF and PNG are not available and offers the SVG, and their routes answer 503
// with that message, in the reader's language.
func TestExportWithoutChromium(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t)
	watchConsole(t, tab, false)
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	got := eval[[]string](t, tab, `[document.querySelector('[data-testid="export-unavailable"]')?.textContent ?? '',
		document.querySelector('[data-testid="export-svg"]')?.getAttribute('href') ?? '',
		String(document.querySelectorAll('[data-export-menu], [data-export-status], script[src="/static/export.js"]').length)]`)
	want := []string{"PDF and PNG: not available on this server (no Chromium to render them); take the SVG picture", "/api/boards/" + b.ID + "/export.svg", "0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the board page without Chromium: %q, want %q", got, want)
	}
	for _, c := range []struct{ path, lang, want string }{
		{"/api/boards/" + b.ID + "/export.pdf", "en", "PDF and PNG exports are not available on this server: it has no Chromium to render them"},
		{"/boards/" + b.ID + "/export.png", "fr", "Les exports PDF et PNG ne sont pas disponibles sur ce serveur"},
		{"/boards/" + b.ID + "/export.pdf?paper=a3", "en", "Export the board as an SVG picture instead"},
	} {
		status, _, body := fetch(t, n, c.path, "Accept-Language", c.lang)
		if status != http.StatusServiceUnavailable || !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s: %d %.300s", c.path, status, body)
		}
	}
	if status, _, _ := fetch(t, n, "/api/boards/"+b.ID+"/export.svg"); status != http.StatusOK {
		t.Errorf("the SVG without Chromium: %d", status)
	}
}

// BenchmarkExportPDF300 measures the time the server takes to render the large board
// (20 stages, 300 cards) to PDF through its Chromium, from the request to the last byte,
// on A4 in bands and fit on one page, and to PNG, the browser already started; and, for
// the share of the server itself, the print view's HTML alone. Run it with
//
//	make bench-export
//
// It prints the figures; it asserts nothing about them.
func BenchmarkExportPDF300(b *testing.B) {
	n := startNode(b, nil, withPrinter(exportPrinter(b)))
	board := largeBoard(b, n)
	b.Run("print-view-html", func(b *testing.B) {
		for b.Loop() {
			if status, _, body := fetch(b, n, "/boards/"+board.ID+"/print?paper=a4"); status != http.StatusOK {
				b.Fatalf("GET the print view: %d %.200s", status, body)
			}
		}
	})
	for _, q := range []string{"paper=a4", "paper=a4&fit=1", "png"} {
		path := "/api/boards/" + board.ID + "/export.pdf?" + q
		if q == "png" {
			path = "/api/boards/" + board.ID + "/export.png"
		}
		// The first render starts the browser: not counted.
		if status, _, body := fetch(b, n, path); status != http.StatusOK {
			b.Fatalf("GET %s: %d %.200s", path, status, body)
		}
		b.Run(strings.ReplaceAll(q, "&", "+"), func(b *testing.B) {
			var size int
			for b.Loop() {
				status, _, body := fetch(b, n, path)
				if status != http.StatusOK {
					b.Fatalf("GET %s: %d %.200s", path, status, body)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
}
