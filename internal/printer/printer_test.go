package printer_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lastmile/internal/printer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// chromium is the browser of the tests: make test provides it.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("LASTMILE_CHROMIUM")
	if path == "" {
		t.Fatal("LASTMILE_CHROMIUM is not set: run the tests with `make test`, or set it, e.g. LASTMILE_CHROMIUM=$(scripts/chromium.sh)")
	}
	p, err := printer.Find(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const page = `<!DOCTYPE html><html><head><style>@page{size:297mm 210mm;margin:10mm} body{font:14px sans-serif}</style></head>
<body><h1>Printed page</h1><p style="height:300px;background:#c33">A block</p></body></html>`

// site serves the page when the request carries the ticket header, and counts requests.
type site struct {
	*httptest.Server
	hits  atomic.Int64
	block atomic.Pointer[chan struct{}] // when set, requests of the page wait on it
}

// hold makes requests of the page wait until the returned func is called.
func (s *site) hold() (release func()) {
	ch := make(chan struct{})
	s.block.Store(&ch)
	return func() { s.block.Store(nil); close(ch) }
}

func newSite(t *testing.T) *site {
	s := &site{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		s.hits.Add(1)
		if ch := s.block.Load(); ch != nil {
			select {
			case <-*ch:
			case <-r.Context().Done():
				return
			}
		}
		if r.Header.Get("X-Ticket") != "t1" {
			http.Error(w, "no ticket", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestPrint(t *testing.T) {
	path := chromium(t)
	s := newSite(t)
	p := printer.New(printer.Config{Path: path, Slots: 1, Logger: quiet})
	defer p.Close()
	ctx := context.Background()
	header := map[string]string{"X-Ticket": "t1"}

	t.Run("PDF", func(t *testing.T) {
		pdf, err := p.Print(ctx, printer.Job{URL: s.URL, Header: header, PaperWidth: 297, PaperHeight: 210, Margin: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/MediaBox [0 0 841.9")) {
			t.Fatalf("not an A4 landscape PDF: %q…", pdf[:min(len(pdf), 200)])
		}
	})

	t.Run("PNG", func(t *testing.T) {
		data, err := p.Print(ctx, printer.Job{URL: s.URL, Header: header, Width: 1000})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1000 || b.Dy() < 300 {
			t.Fatalf("picture of %v, want 1000 wide and at least 300 high", b)
		}
	})

	t.Run("RefusedPage", func(t *testing.T) {
		_, err := p.Print(ctx, printer.Job{URL: s.URL, PaperWidth: 297, PaperHeight: 210})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("a page answered 401 gave %v", err)
		}
	})

	t.Run("Busy", func(t *testing.T) {
		release := s.hold()
		hits := s.hits.Load()
		done := make(chan error, 1)
		go func() {
			_, err := p.Print(ctx, printer.Job{URL: s.URL, Header: header, PaperWidth: 297, PaperHeight: 210})
			done <- err
		}()
		// The first job holds the only slot once its page is asked for.
		for s.hits.Load() == hits {
			time.Sleep(10 * time.Millisecond)
		}
		if p.Running() != 1 {
			t.Fatalf("%d jobs running, want 1", p.Running())
		}
		_, err := p.Print(ctx, printer.Job{URL: s.URL, Header: header, PaperWidth: 297, PaperHeight: 210})
		var busy interface{ Busy() bool }
		if !errors.Is(err, printer.ErrBusy) || !errors.As(err, &busy) || !busy.Busy() {
			t.Fatalf("a job past the slots gave %v, want ErrBusy", err)
		}
		release()
		if err := <-done; err != nil {
			t.Fatalf("the first job: %v", err)
		}
	})

	t.Run("Canceled", func(t *testing.T) {
		defer s.hold()()
		ctx, cancel := context.WithCancel(ctx)
		hits := s.hits.Load()
		go func() {
			for s.hits.Load() == hits {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}()
		if _, err := p.Print(ctx, printer.Job{URL: s.URL, Header: header, PaperWidth: 297, PaperHeight: 210}); !errors.Is(err, context.Canceled) {
			t.Fatalf("an abandoned job gave %v", err)
		}
		if p.Running() != 0 {
			t.Fatalf("%d jobs still running", p.Running())
		}
	})
}

func TestPrintTimeout(t *testing.T) {
	s := newSite(t)
	defer s.hold()()
	p := printer.New(printer.Config{Path: chromium(t), Timeout: time.Second, Logger: quiet})
	defer p.Close()
	_, err := p.Print(context.Background(), printer.Job{URL: s.URL, PaperWidth: 297, PaperHeight: 210})
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Fatalf("a page that never answers gave %v, want ErrTimeout", err)
	}
}

func TestNoBrowser(t *testing.T) {
	if _, err := printer.Find("/nonexistent/chromium"); err == nil {
		t.Fatal("Find accepted a path that does not exist")
	}
	p := printer.New(printer.Config{Path: "/bin/false", Logger: quiet})
	defer p.Close()
	_, err := p.Print(context.Background(), printer.Job{URL: "http://127.0.0.1:1/", PaperWidth: 297, PaperHeight: 210})
	var u interface{ Unavailable() bool }
	if !errors.As(err, &u) || !u.Unavailable() {
		t.Fatalf("a browser that does not start gave %v, want an unavailable error", err)
	}
	// It will not start at the next job either: the printer is off.
	_, err = p.Print(context.Background(), printer.Job{URL: "http://127.0.0.1:1/", PaperWidth: 297, PaperHeight: 210})
	if p.Available() || !errors.As(err, &u) || !u.Unavailable() || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("after a browser that did not start: available %v, printing gave %v", p.Available(), err)
	}
}

func TestFitScale(t *testing.T) {
	for _, c := range []struct {
		w, h, areaW, areaH float64
		want               float64
	}{
		{1000, 500, 1000, 700, 0.985},        // fits as it is
		{2000, 500, 1000, 700, 0.4925},       // twice too wide
		{1000, 1400, 1000, 700, 0.4925},      // twice too high
		{100000, 100000, 1000, 700, 0.1},     // the browser's least
		{0, 0, 1000, 700, 0.985},             // nothing measured
		{1000, 700 / 0.985, 1000, 700, 0.97}, // exactly the page's height
	} {
		got := printer.FitScale(c.w, c.h, c.areaW, c.areaH)
		if got < c.want-0.001 || got > c.want+0.001 {
			t.Errorf("FitScale(%v, %v, %v, %v) = %v, want %v", c.w, c.h, c.areaW, c.areaH, got, c.want)
		}
		if got*c.h > c.areaH && got > 0.1 {
			t.Errorf("FitScale(%v, %v, …) = %v does not fit the height", c.w, c.h, got)
		}
	}
}

func TestPictureScale(t *testing.T) {
	for _, c := range []struct{ w, h, want float64 }{
		{1000, 1000, 1},
		{2000, 20000, 0.8},                 // the side limit
		{10000, 10000, 0.6324555320336759}, // the area limit
	} {
		got := printer.PictureScale(c.w, c.h)
		if got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("PictureScale(%v, %v) = %v, want %v", c.w, c.h, got, c.want)
		}
	}
}
