// Package printer renders pages of lastmile's own server to PDF and PNG in a headless
// Chromium, driven with chromedp. One browser process is started at the first job and
// kept for the next ones; each job gets a tab in a browser context of its own (no cookie,
// cache or storage shared with another job), which is closed when the job ends.
//
// The package knows nothing of boards: a job names a page of the server, the headers
// that let the browser in (a print ticket, see internal/server), and the paper. It bounds
// how many jobs run at once and how long each may take.
package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Limits of a job's output. A PDF or a picture larger than them is refused rather than
// held in memory.
const (
	MaxPDFBytes = 64 << 20
	// MaxPNGPixels bounds a picture's area: a larger page is scaled down to fit it.
	MaxPNGPixels = 40_000_000
	// MaxPNGSide bounds a picture's width and height, the limit of Chromium's capture.
	MaxPNGSide = 16_000
	// MaxViewport bounds the width a page is laid out at for a picture or a measure.
	MaxViewport = 12_000
)

// Defaults of a Printer's configuration.
const (
	DefaultSlots   = 2
	DefaultTimeout = 60 * time.Second
)

// pxPerMM is the number of CSS pixels in a millimetre (96 per inch).
const pxPerMM = 96 / 25.4

// Errors of a job. Each has a method (Busy, Timeout, Unavailable) that tells it apart
// without importing this package.
var (
	// ErrBusy is returned at once when every slot is taken.
	ErrBusy = &jobError{msg: "printer: every slot is taken", busy: true}
	// ErrTimeout is returned when a job took longer than the printer's timeout.
	ErrTimeout = &jobError{msg: "printer: the job took too long", timeout: true}
)

type jobError struct {
	msg                        string
	busy, timeout, unavailable bool
	err                        error
}

func (e *jobError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}
func (e *jobError) Unwrap() error     { return e.err }
func (e *jobError) Busy() bool        { return e.busy }
func (e *jobError) Timeout() bool     { return e.timeout }
func (e *jobError) Unavailable() bool { return e.unavailable }

// Config is what a Printer is made of. Path is required.
type Config struct {
	// Path is the Chromium executable (see Find).
	Path string
	// Slots bounds the jobs that run at once; a job past it gets ErrBusy. Defaults to
	// DefaultSlots.
	Slots int
	// Timeout bounds each job, from its start to its last byte. Defaults to DefaultTimeout.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Printer renders pages in a headless Chromium. It is safe for concurrent use.
type Printer struct {
	path    string
	timeout time.Duration
	slots   chan struct{}
	log     *slog.Logger
	running atomic.Int64

	// broken is why the browser cannot serve (Disable), nil while it may.
	broken atomic.Pointer[error]

	mu      sync.Mutex
	browser context.Context // nil until the first job, and again after the browser died
	stop    context.CancelFunc
	closed  bool
}

// New returns a printer of cfg. The browser starts with the first job.
func New(cfg Config) *Printer {
	p := &Printer{path: cfg.Path, timeout: cfg.Timeout, log: cfg.Logger}
	if cfg.Slots < 1 {
		cfg.Slots = DefaultSlots
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.slots = make(chan struct{}, cfg.Slots)
	return p
}

// Path is the browser's executable.
func (p *Printer) Path() string { return p.path }

// Slots is how many jobs may run at once.
func (p *Printer) Slots() int { return cap(p.slots) }

// Running is how many jobs run now.
func (p *Printer) Running() int { return int(p.running.Load()) }

// Disable marks the printer as unable to render, for err: Available then says false and
// every job fails at once with an unavailable error. A browser that does not start
// disables its printer.
func (p *Printer) Disable(err error) { p.broken.Store(&err) }

// Available says whether the printer may render: it was not disabled.
func (p *Printer) Available() bool { return p.broken.Load() == nil }

// Find returns the path of the Chromium to use: path when it is given (a file, or a
// command on PATH), else the first of chromium, chromium-browser, google-chrome-stable
// and google-chrome found on PATH. It does not start it: the first job does.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("LASTMILE_CHROMIUM=%s is not an executable file or a command on PATH", path)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on PATH, and LASTMILE_CHROMIUM is not set")
}

// Close stops the browser; jobs still running fail. A closed printer starts no browser.
func (p *Printer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.stop != nil {
		p.stop()
		p.browser, p.stop = nil, nil
	}
}

// start returns the browser's context, starting the browser when there is none.
func (p *Printer) start() (context.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, &jobError{msg: "printer: closed", unavailable: true}
	}
	if p.browser != nil && p.browser.Err() == nil {
		return p.browser, nil
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p.path),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root; as any other user it stays on.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// The first Run starts the browser, which lives as long as bctx: no deadline on it.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void]("1")); err != nil {
		bcancel()
		acancel()
		// A browser that does not start (a snap stub without snapd, a missing library)
		// will not start at the next job either: the exports turn off until a restart.
		err = fmt.Errorf("starting %s: %w", p.path, err)
		p.Disable(err)
		p.log.Error("PDF and PNG exports off: their browser does not start (set LASTMILE_CHROMIUM and restart)", "err", err)
		return nil, &jobError{msg: "printer", unavailable: true, err: err}
	}
	p.browser, p.stop = bctx, func() { bcancel(); acancel() }
	p.log.Info("export browser started", "path", p.path)
	return bctx, nil
}

// forget drops a browser that died, so that the next job starts another.
func (p *Printer) forget(browser context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.browser == browser && p.stop != nil {
		p.stop()
		p.browser, p.stop = nil, nil
	}
}

// Job is one page to render. For a PDF, PaperWidth and PaperHeight are set; a picture
// (PNG) has neither.
type Job struct {
	// URL is the page, on the server itself.
	URL string
	// Header is sent with every request of the page.
	Header map[string]string
	// PaperWidth and PaperHeight are the sheet's size in millimetres, Margin its margins;
	// the page's own CSS @page rule must give the same size (it is preferred).
	PaperWidth, PaperHeight, Margin float64
	// FitWidth, when not 0, asks for the whole page on one sheet: the width in CSS pixels
	// the page needs to be readable; the scale is computed from it and the height the
	// page then takes.
	FitWidth float64
	// Width is the width in CSS pixels a picture is laid out at (at least 800).
	Width float64
}

// Print renders the job: a PDF when it names a paper, else a PNG. It returns ErrBusy at
// once when every slot is taken, ErrTimeout past the printer's timeout, and an error
// whose Unavailable method says true when the browser could not be started.
func (p *Printer) Print(ctx context.Context, job Job) ([]byte, error) {
	if err := p.broken.Load(); err != nil {
		return nil, &jobError{msg: "printer: disabled", unavailable: true, err: *err}
	}
	select {
	case p.slots <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	p.running.Add(1)
	defer func() { p.running.Add(-1); <-p.slots }()

	browser, err := p.start()
	if err != nil {
		return nil, err
	}
	tab, closeTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer closeTab()
	// The tab closes when the request is abandoned or the job takes too long. No
	// deadline sits on the tab's context itself (chromedp ties the tab's life to it).
	var timedOut atomic.Bool
	timer := time.AfterFunc(p.timeout, func() { timedOut.Store(true); closeTab() })
	defer timer.Stop()
	defer context.AfterFunc(ctx, closeTab)()

	var out []byte
	if job.PaperWidth > 0 && job.PaperHeight > 0 {
		out, err = chromedp.Run(tab, printPDF(job))
	} else {
		out, err = chromedp.Run(tab, printPNG(job))
	}
	switch {
	case err == nil:
		return out, nil
	case timedOut.Load():
		return nil, ErrTimeout
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case browser.Err() != nil:
		p.forget(browser)
		return nil, &jobError{msg: "printer: the browser stopped", unavailable: true, err: err}
	}
	return nil, err
}

// load opens the job's page in the tab with print media emulated, laid out width CSS
// pixels wide, and fails unless the server answered 200.
func load(job Job, width float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		headers := network.Headers{}
		for k, v := range job.Header {
			headers[k] = v
		}
		if _, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			return err
		}
		if err := viewport(ctx, t, width); err != nil {
			return err
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Navigate(job.URL))
		if err != nil {
			return fmt.Errorf("loading the page: %w", err)
		}
		if res == nil || res.Status != 200 {
			status := int64(0)
			if res != nil {
				status = res.Status
			}
			return fmt.Errorf("loading the page: the server answered %d", status)
		}
		return nil
	})
}

func viewport(ctx context.Context, t *chromedp.Target, width float64) error {
	w := int64(math.Ceil(min(max(width, 800), MaxViewport)))
	_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: w, Height: 800, DeviceScaleFactor: 1})
	return err
}

// contentSize is the size of the laid-out page in CSS pixels.
func contentSize(ctx context.Context, t *chromedp.Target) (w, h float64, err error) {
	m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return 0, 0, err
	}
	if m.CSSContentSize == nil {
		return 0, 0, errors.New("the browser gave no size of the page")
	}
	return m.CSSContentSize.Width, m.CSSContentSize.Height, nil
}

// FitScale is the scale at which a page fits one sheet: laid out w CSS pixels wide it
// takes h high, and the sheet's printable area is areaW × areaH. Printed at scale s, the
// page is laid out areaW/s wide, at least w, so it takes at most h high: s = areaH/h fits
// it whenever the width alone would allow more. The scale is kept within the browser's
// 0.1 to 1, with a little room for rounding.
func FitScale(w, h, areaW, areaH float64) float64 {
	s := 1.0
	if w > 0 {
		s = min(s, areaW/w)
	}
	if h > 0 {
		s = min(s, areaH/h)
	}
	s *= 0.985
	return min(max(s, 0.1), 1)
}

func printPDF(job Job) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		areaW := (job.PaperWidth - 2*job.Margin) * pxPerMM
		areaH := (job.PaperHeight - 2*job.Margin) * pxPerMM
		width := areaW
		if job.FitWidth > 0 {
			width = max(job.FitWidth, areaW)
		}
		if _, err := load(job, width)(ctx, t); err != nil {
			return nil, err
		}
		scale := 1.0
		if job.FitWidth > 0 {
			_, h, err := contentSize(ctx, t)
			if err != nil {
				return nil, err
			}
			scale = FitScale(width, h, areaW, areaH)
		}
		top, wide := job.Margin/25.4, job.PaperWidth/25.4
		res, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{
			PreferCSSPageSize: new(true),
			PaperWidth:        wide,
			PaperHeight:       job.PaperHeight / 25.4,
			MarginTop:         &top, MarginBottom: &top, MarginLeft: &top, MarginRight: &top,
			PrintBackground: new(true),
			Scale:           scale,
			TransferMode:    page.PrintToPDFTransferModeReturnAsStream,
		})
		if err != nil {
			return nil, err
		}
		return readStream(ctx, t, res.Stream, MaxPDFBytes)
	}
}

// readStream reads a stream of the browser up to limit bytes, and closes it.
func readStream(ctx context.Context, t *chromedp.Target, h cdpio.StreamHandle, limit int) (data []byte, err error) {
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = cdp.Call(cctx, t, cdpio.Close, cdpio.CloseParams{Handle: h})
	}()
	var buf bytes.Buffer
	for {
		res, err := cdp.Call(ctx, t, cdpio.Read, cdpio.ReadParams{Handle: h})
		if err != nil {
			return nil, fmt.Errorf("reading the PDF: %w", err)
		}
		buf.Write(res.Data)
		if buf.Len() > limit {
			return nil, fmt.Errorf("the PDF is larger than %d bytes", limit)
		}
		if res.EOF {
			return buf.Bytes(), nil
		}
	}
}

// PictureScale is the scale at which a page of w × h CSS pixels becomes a picture within
// MaxPNGSide and MaxPNGPixels.
func PictureScale(w, h float64) float64 {
	s := 1.0
	if w > 0 && h > 0 {
		s = min(s, MaxPNGSide/w, MaxPNGSide/h, math.Sqrt(MaxPNGPixels/(w*h)))
	}
	return s
}

func printPNG(job Job) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := load(job, job.Width)(ctx, t); err != nil {
			return nil, err
		}
		w, h, err := contentSize(ctx, t)
		if err != nil {
			return nil, err
		}
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: math.Ceil(w), Height: math.Ceil(h), Scale: PictureScale(w, h)},
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		})
		if err != nil {
			return nil, err
		}
		return res.Data, nil
	}
}
