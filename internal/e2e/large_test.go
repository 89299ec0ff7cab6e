package e2e_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/internal/protocol"
	"lastmile/internal/wsclient"
	"lastmile/web"
)

// The size of the large board: what a big workshop ends with.
const (
	largeStages = 20
	largeLanes  = 8
	largeCards  = 300
	largeTeams  = 6
	largeLinks  = 40
)

// largeBoard creates a board of largeStages × largeLanes with largeCards cards spread
// over its cells (some cells full, some empty), teams owning most cards, and links.
func largeBoard(t testing.TB, n *node) *blueprint.Board {
	t.Helper()
	rng := rand.New(rand.NewPCG(300, 1))
	var ops []blueprint.Op
	next := func(prev string) string {
		k, err := blueprint.KeyBetween(prev, "")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	order := ""
	for i := range largeStages {
		order = next(order)
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: fmt.Sprintf("s%02d", i),
			Fields: blueprint.Fields{Name: str(fmt.Sprintf("Stage %d", i+1)), Order: str(order)}})
	}
	order = ""
	for i := range largeLanes {
		order = next(order)
		role := string(blueprint.LaneRoles[i%len(blueprint.LaneRoles)])
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLane, ID: fmt.Sprintf("l%d", i),
			Fields: blueprint.Fields{Label: str(fmt.Sprintf("Lane %d", i+1)), Role: str(role), Order: str(order)}})
	}
	for i := range largeTeams {
		ops = append(ops, teamOp(fmt.Sprintf("t%d", i), fmt.Sprintf("Team %d", i+1), fmt.Sprintf("#%02x%02x%02x", 40*i, 200-25*i, 90+20*i)))
	}
	orders := map[string]string{}
	words := strings.Fields("check the booking confirm by email call the customer back order the part wait for approval update the ticket hand over to the workshop")
	for i := range largeCards {
		stage, lane := fmt.Sprintf("s%02d", rng.IntN(largeStages)), fmt.Sprintf("l%d", rng.IntN(largeLanes))
		cell := stage + "/" + lane
		orders[cell] = next(orders[cell])
		text := fmt.Sprintf("Card %d: %s", i+1, strings.Join(words[:3+rng.IntN(len(words)-3)], " "))
		op := cardOp(fmt.Sprintf("c%03d", i), stage, lane, orders[cell], text)
		if rng.IntN(5) > 0 {
			op.Fields.Team = str(fmt.Sprintf("t%d", rng.IntN(largeTeams)))
		}
		ops = append(ops, op)
	}
	for i := range largeLinks {
		from, to := rng.IntN(largeCards), rng.IntN(largeCards)
		if from == to {
			to = (to + 1) % largeCards
		}
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: fmt.Sprintf("k%02d", i),
			Fields: blueprint.Fields{From: str(fmt.Sprintf("c%03d", from)), To: str(fmt.Sprintf("c%03d", to)),
				Kind: str(blueprint.LinkKinds[i%2]), Owner: str(fmt.Sprintf("t%d", i%largeTeams))}})
	}
	b, err := n.store.CreateBoard(context.Background(), "Large board", blueprint.TemplateServiceBlueprint, "test", ops)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLargeBoard opens the large board: every card is in the grid, and fitting it to the
// screen shows the whole grid in the window.
func TestLargeBoard(t *testing.T) {
	n := startNode(t, nil)
	b := largeBoard(t, n)
	tab := newTab(t)
	watchConsole(t, tab, false)
	run(t, tab, "sizing the window", waitLive, chromedp.EmulateViewport(1280, 800))
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	counts := eval[[]int](t, tab, `[document.querySelectorAll('td.cell > .card').length, document.querySelectorAll('th.stage').length, document.querySelectorAll('tr.lane').length]`)
	if !slices.Equal(counts, []int{largeCards, largeStages, largeLanes}) {
		t.Errorf("the grid shows %v cards, stages and lanes, want %d, %d, %d", counts, largeCards, largeStages, largeLanes)
	}
	if fits := eval[bool](t, tab, `document.querySelector('[data-testid="grid"]').getBoundingClientRect().right <= window.innerWidth`); fits {
		t.Fatalf("the large board fits the window at 100 %%: the test would prove nothing")
	}
	run(t, tab, "fitting to the screen", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="zoom-fit"]`)))
	if z := zoomOf(t, tab); z >= 1 {
		t.Errorf("after fit the scale is %v, want it under 1", z)
	}
	gridFits(t, tab)
	// Every card is inside the window, so visible without scrolling.
	outside := eval[int](t, tab, `[...document.querySelectorAll('td.cell > .card')].filter((c) => {
		const r = c.getBoundingClientRect(); return r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight; }).length`)
	if outside != 0 {
		t.Errorf("after fit %d cards are outside the window", outside)
	}
	focusEl(t, tab, cellSel("s00", "l0"))
	keys(t, tab, "pressing 0", "0")

	t.Run("WheelZoomsAroundThePointer", func(t *testing.T) {
		// The cell in the middle of the view, clear of the sticky headings that grow with
		// the zoom.
		eval[chromedp.Void](t, tab, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center", inline: "center"})`, cellSel("s03", "l2")))
		c := rectOf(t, tab, cellSel("s03", "l2"))
		x, y := c.Left+c.Width/2, c.Top+c.Height/2
		// The cell under the point, under any link arrow drawn over it.
		under := `(() => { const td = document.elementsFromPoint(%f, %f).map((el) => el.closest("td.cell")).find(Boolean); return td ? td.dataset.stageId + "/" + td.dataset.laneId : ""; })()`
		before := eval[string](t, tab, fmt.Sprintf(under, x, y))
		run(t, tab, "Ctrl+wheel", waitLive, chromedp.MouseEvent("mouseWheel", x, y, chromedp.ButtonModifiers(chromedp.ModifierCtrl),
			func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 0.001, -100 }))
		waitFor(t, tab, "the zoom", `document.querySelector("article.board").dataset.zoom === "1.25"`)
		if after := eval[string](t, tab, fmt.Sprintf(under, x, y)); after != before || before == "" {
			t.Errorf("under the pointer: %q before the zoom, %q after; want the same cell", before, after)
		}
		keys(t, tab, "pressing 0", "0")
	})

	t.Run("Pan", func(t *testing.T) {
		scroll := func() []float64 {
			return eval[[]float64](t, tab, `(() => { const s = document.querySelector(".board-scroll"); return [s.scrollLeft, s.scrollTop]; })()`)
		}
		focusEl(t, tab, cellSel("s10", "l1"))
		eval[chromedp.Void](t, tab, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center", inline: "center"})`, cellSel("s10", "l1")))
		c := rectOf(t, tab, cellSel("s10", "l1"))
		x, y := c.Left+c.Width/2, c.Top+c.Height/2
		start := scroll()
		run(t, tab, "dragging with the middle button", waitLive,
			chromedp.MouseEvent("mouseMoved", x, y),
			chromedp.MouseEvent("mousePressed", x, y, chromedp.ButtonMiddle, middleHeld, chromedp.ClickCount(1)),
			chromedp.MouseEvent("mouseMoved", x+100, y, chromedp.ButtonMiddle, middleHeld),
			chromedp.MouseEvent("mouseMoved", x+300, y, chromedp.ButtonMiddle, middleHeld),
			chromedp.MouseEvent("mouseReleased", x+300, y, chromedp.ButtonMiddle, chromedp.ClickCount(1)))
		if got := scroll(); start[0]-got[0] != 300 {
			t.Errorf("a middle-drag of 300 px scrolled the board from %v to %v", start, got)
		}
		// Space held: a drag with the left button pans, and drags no card.
		start = scroll()
		space := func(typ input.DispatchKeyEventType) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: " ", Code: "Space", WindowsVirtualKeyCode: 32})
				return err
			})
		}
		left := func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }
		run(t, tab, "dragging with the space bar held", waitLive,
			space(input.DispatchKeyEventTypeRawKeyDown),
			chromedp.MouseEvent("mouseMoved", x, y),
			chromedp.MouseEvent("mousePressed", x, y, chromedp.ButtonLeft, left, chromedp.ClickCount(1)),
			chromedp.MouseEvent("mouseMoved", x+50, y, chromedp.ButtonLeft, left),
			chromedp.MouseEvent("mouseMoved", x+120, y, chromedp.ButtonLeft, left),
			chromedp.MouseEvent("mouseReleased", x+120, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
			space(input.DispatchKeyEventTypeKeyUp))
		if got := scroll(); start[0]-got[0] != 120 {
			t.Errorf("a space-drag of 120 px scrolled the board from %v to %v", start, got)
		}
		if n := eval[int](t, tab, `document.querySelectorAll("textarea.card-editor").length`); n != 0 {
			t.Errorf("the space-drag opened %d card editors", n)
		}
	})

	t.Run("DragAndDeleteSeveral", func(t *testing.T) {
		cards := eval[[]string](t, tab, `[...document.querySelectorAll("td.cell > .card")].slice(0, 2).map((c) => c.dataset.cardId)`)
		from := []string{cellOf(t, tab, cards[0]), cellOf(t, tab, cards[1])}
		for _, id := range cards {
			focusEl(t, tab, cardSel(id))
			keys(t, tab, "pressing Shift+Space", " ", chromedp.KeyModifiers(chromedp.ModifierShift))
		}
		target := cellSel("s19", "l7")
		eval[chromedp.Void](t, tab, fmt.Sprintf(`(() => {
			const card = document.querySelector(%q), target = document.querySelector(%q);
			const dt = new DataTransfer();
			const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt, clientX: 1, clientY: 1 }));
			fire(card, "dragstart"); fire(target, "dragover"); fire(target, "drop"); fire(card, "dragend");
		})()`, cardSel(cards[0]), target))
		for _, id := range cards {
			waitCell(t, tab, id, "s19/l7")
		}
		order := eval[string](t, tab, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((c) => c.dataset.cardId).join(",")`, target+" > .card[aria-selected]"))
		if order != strings.Join(cards, ",") {
			t.Errorf("the dropped cards read %s in their new cell, want %v in that order", order, cards)
		}
		focusEl(t, tab, cardSel(cards[1]))
		keys(t, tab, "pressing Delete", kb.Delete)
		for _, id := range cards {
			waitFor(t, tab, "the card to go", fmt.Sprintf(`document.querySelector(%q) === null`, cardSel(id)))
		}
		keys(t, tab, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		for _, id := range cards {
			waitCell(t, tab, id, "s19/l7")
		}
		keys(t, tab, "pressing Ctrl+Z again", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		for i, id := range cards {
			waitCell(t, tab, id, from[i])
		}
		if n := eval[int](t, tab, `document.querySelectorAll("td.cell > .card").length`); n != largeCards {
			t.Errorf("after the undos the grid holds %d cards, want %d", n, largeCards)
		}
	})
}

// navTiming is what the Performance API says of the page's load, in ms from the start
// of the navigation.
type navTiming struct {
	TTFB, FCP, DCL, Load float64
	Bytes                float64
}

// BenchmarkOpen300 measures the large board: its server render, its load in Chromium
// (navigation timing and first contentful paint), a move of a card by Alt+ArrowRight until
// the grid shows it (locally, once the server's confirmation is drawn, and in another
// tab), and the frame times while the pointer drags across the board. Run it with
//
//	go test -run x -bench Open300 ./internal/e2e/
//
// It prints the figures; it asserts nothing about them.
func BenchmarkOpen300(b *testing.B) {
	n := startNode(b, nil)
	board := largeBoard(b, n)
	url := n.url + "/boards/" + board.ID + "?lang=en"

	// Server: the page over HTTP (database read, layout, render, transfer) and the render
	// alone.
	var httpTimes, renderTimes []float64
	for range 20 {
		start := time.Now()
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		size, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		httpTimes = append(httpTimes, ms(time.Since(start)))
		if size < 100_000 {
			b.Fatalf("the page is only %d bytes", size)
		}
	}
	loaded, err := n.store.FindBoard(context.Background(), board.ID)
	if err != nil {
		b.Fatal(err)
	}
	p := web.Page{L: i18n.MustCatalog().For("en"), Title: loaded.Title, Path: "/boards/" + board.ID}
	for range 20 {
		start := time.Now()
		if err := web.BoardPage(p, web.NewBoardView(loaded)).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
		renderTimes = append(renderTimes, ms(time.Since(start)))
	}

	tab, other := newTab(b), newTab(b)
	for _, t := range []context.Context{tab, other} {
		run(b, t, "sizing the window", waitLive, chromedp.EmulateViewport(1280, 800))
	}
	openEditable(b, other, url)

	var nav []navTiming
	var ready []float64
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		openEditable(b, tab, url)
		ready = append(ready, ms(time.Since(start)))
		waitFor(b, tab, "the load to end", `performance.getEntriesByType("navigation")[0]?.loadEventEnd > 0`)
		nav = append(nav, eval[navTiming](b, tab, `(() => {
			const n = performance.getEntriesByType("navigation")[0], p = performance.getEntriesByName("first-contentful-paint")[0];
			return {TTFB: n.responseStart, FCP: p ? p.startTime : -1, DCL: n.domContentLoadedEventEnd, Load: n.loadEventEnd, Bytes: n.transferSize};
		})()`))
	}
	b.StopTimer()

	// Moves: Alt+ArrowRight, then Alt+ArrowLeft, on one card put in the first stage, ten
	// times each way.
	postOps(b, n, board.ID, blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c000",
		Fields: blueprint.Fields{Stage: str("s00"), Lane: str("l0")}})
	waitCell(b, tab, "c000", "s00/l0")
	waitCell(b, other, "c000", "s00/l0")
	eval[chromedp.Void](b, other, `window.__seen = []; new MutationObserver(() => {
		const td = document.querySelector('[data-card-id="c000"]')?.closest("td.cell");
		const at = td?.dataset.stageId ?? "";
		if (at !== window.__at) { window.__at = at; window.__seen.push([at, performance.timeOrigin + performance.now()]); }
	}).observe(document.querySelector("article.board"), {subtree: true, childList: true})`)
	var local, confirmed, remote []float64
	for i := range 20 {
		key := "ArrowRight"
		if i%2 == 1 {
			key = "ArrowLeft"
		}
		r := eval[[]float64](b, tab, fmt.Sprintf(`new Promise((resolve) => {
			const article = document.querySelector("article.board"), seq0 = Number(article.dataset.seq);
			const cellNow = () => document.querySelector('[data-card-id="c000"]')?.closest("td.cell")?.dataset.stageId;
			const card = document.querySelector('[data-card-id="c000"]'), from = cellNow();
			let painted = -1, t0 = 0;
			const check = () => {
				if (painted < 0 || cellNow() === from || Number(article.dataset.seq) <= seq0) return;
				article.removeEventListener("board:render", check);
				resolve([painted, performance.now() - t0, performance.timeOrigin + t0]);
			};
			article.addEventListener("board:render", check);
			card.focus();
			t0 = performance.now();
			card.dispatchEvent(new KeyboardEvent("keydown", {key: %q, altKey: true, bubbles: true, cancelable: true}));
			if (cellNow() === from) { resolve([-1, 0, 0]); return; }
			// The frame showing the move is painted by the time the frame after it starts.
			requestAnimationFrame(() => requestAnimationFrame(() => { painted = performance.now() - t0; check(); }));
		})`, key), chromedp.EvalAwaitPromise)
		if r[0] < 0 {
			b.Fatalf("move %d: the card did not move at once", i)
		}
		local = append(local, r[0])
		confirmed = append(confirmed, r[1])
		want := "s01"
		if i%2 == 1 {
			want = "s00"
		}
		waitFor(b, other, "the other tab to show the move", fmt.Sprintf(`window.__at === %q`, want))
		seen := eval[float64](b, other, fmt.Sprintf(`window.__seen.findLast((s) => s[0] === %q)[1]`, want))
		remote = append(remote, seen-r[2])
	}

	// Others' ops of each kind, sent at a steady pace, from their receipt to their paint
	// in the other tab.
	if remoteRun.samples == nil { // once: the N=1 run that comes first measures for the runs after
		remoteRun.samples, remoteRun.fetched = remoteOps(b, n, board.ID, other)
	}

	// The renderer's work in the other tab for others' ops of each kind, and for a whole
	// redraw (as after a snapshot): the time of its draw calls.
	eval[chromedp.Void](b, other, `import("/static/board.js").then(({ page }) => {
		const r = page.renderer, draw = r.draw.bind(r);
		window.__draws = [];
		r.draw = (ch) => { const t = performance.now(); draw(ch); window.__draws.push(performance.now() - t); };
	})`, chromedp.EvalAwaitPromise)
	drawn := func(what string, ops ...blueprint.Op) float64 {
		eval[chromedp.Void](b, other, `window.__draws = []`)
		postOps(b, n, board.ID, ops...)
		seq := mustFind(b, n, board.ID).Seq
		waitFor(b, other, what, fmt.Sprintf(`document.querySelector("article.board").dataset.seq === "%d"`, seq))
		return eval[float64](b, other, `window.__draws.reduce((a, x) => a + x, 0)`)
	}
	upd := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: typ, ID: id, Fields: f}
	}
	draws := map[string][]float64{}
	kinds := []string{"card text", "card move", "team rename (its ~50 cards)", "stage added", "stage moved", "lane added", "lane hidden or shown", "whole redraw"}
	for i := range 6 {
		draws[kinds[0]] = append(draws[kinds[0]], drawn("a text", upd("card", "c001", blueprint.Fields{Text: str(fmt.Sprintf("text %d", i))})))
		draws[kinds[1]] = append(draws[kinds[1]], drawn("a move", upd("card", "c002", blueprint.Fields{Stage: str(fmt.Sprintf("s%02d", 2*i+1)), Lane: str("l3")})))
		draws[kinds[2]] = append(draws[kinds[2]], drawn("a team", upd("team", "t1", blueprint.Fields{Name: str(fmt.Sprintf("Team %d", i))})))
		draws[kinds[3]] = append(draws[kinds[3]], drawn("a stage", blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage,
			ID: fmt.Sprintf("sx%d", i), Fields: blueprint.Fields{Name: str("New"), Order: str(fmt.Sprintf("%sV", mustFind(b, n, board.ID).Stages["s09"].Order))}}))
		draws[kinds[4]] = append(draws[kinds[4]], drawn("a stage moved", upd("stage", fmt.Sprintf("sx%d", i), blueprint.Fields{Order: str("0V")})))
		draws[kinds[5]] = append(draws[kinds[5]], drawn("a lane", blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLane,
			ID: fmt.Sprintf("lx%d", i), Fields: blueprint.Fields{Role: str("custom"), Label: str("New"), Order: str(fmt.Sprintf("%sV", mustFind(b, n, board.ID).Lanes["l3"].Order))}}))
		draws[kinds[6]] = append(draws[kinds[6]], drawn("a lane hidden", upd("lane", "l2", blueprint.Fields{Hidden: ptrBool(i%2 == 0)})))
		draws[kinds[7]] = append(draws[kinds[7]], eval[float64](b, other, `import("/static/board.js").then(({ page }) => {
			const t = performance.now(); page.renderer.draw({ all: true, keys: new Set() }); return performance.now() - t; })`, chromedp.EvalAwaitPromise))
	}

	// Frames while the pointer drags across the board (the middle button pans it) and the
	// other tab draws the pointer.
	eval[chromedp.Void](b, tab, `document.querySelector(".board-scroll").scrollIntoView()`)
	g := rectOf(b, tab, `.board-scroll`)
	eval[chromedp.Void](b, tab, `window.__frames = []; window.__frameRun = true; (function f(t) { window.__frames.push(t); if (window.__frameRun) requestAnimationFrame(f); })(performance.now())`)
	eval[chromedp.Void](b, other, `window.__frames = []; window.__frameRun = true; (function f(t) { window.__frames.push(t); if (window.__frameRun) requestAnimationFrame(f); })(performance.now())`)
	y := g.Top + 150
	x0, x1 := g.Left+250, g.Right-50
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent("mouseMoved", x1, y),
		chromedp.MouseEvent("mousePressed", x1, y, chromedp.ButtonMiddle, middleHeld, chromedp.ClickCount(1))}
	for i := range 120 {
		x := x1 - (x1-x0)*float64(i)/119
		steps = append(steps, chromedp.MouseEvent("mouseMoved", x, y+float64(i%20), chromedp.ButtonMiddle, middleHeld),
			chromedp.Func(func(context.Context, *chromedp.Target) error { time.Sleep(8 * time.Millisecond); return nil }))
	}
	steps = append(steps, chromedp.MouseEvent("mouseReleased", x0, y, chromedp.ButtonMiddle))
	dragStart := time.Now()
	run(b, tab, "dragging across the board", time.Minute, steps...)
	dragTime := ms(time.Since(dragStart))
	scrolled := eval[float64](b, tab, `document.querySelector(".board-scroll").scrollLeft`)
	frames := frameTimes(eval[[]float64](b, tab, `(window.__frameRun = false, window.__frames)`))
	otherFrames := frameTimes(eval[[]float64](b, other, `(window.__frameRun = false, window.__frames)`))

	b.ReportMetric(median(httpTimes), "page-http-ms")
	b.ReportMetric(median(renderTimes), "render-ms")
	b.ReportMetric(median(col(nav, func(t navTiming) float64 { return t.FCP })), "fcp-ms")
	b.ReportMetric(median(col(nav, func(t navTiming) float64 { return t.Load })), "load-ms")
	b.ReportMetric(median(local), "move-paint-ms")
	b.ReportMetric(median(frames), "drag-frame-ms")
	// Benchmarks keep 10 lines of b.Logf, over every run: the figures go to the standard
	// output.
	logf := func(format string, args ...any) { fmt.Printf("    "+format+"\n", args...) }
	logf("large board: %d stages × %d lanes, %d cards, %d teams, %d links; page %.0f kB",
		largeStages, largeLanes, largeCards, largeTeams, largeLinks, nav[0].Bytes/1024)
	logf("server: GET page %s; render alone %s", stats(httpTimes), stats(renderTimes))
	logf("browser (%d loads): TTFB %s; first contentful paint %s; DOMContentLoaded %s; load %s; editable and live %s",
		len(nav), stats(col(nav, func(t navTiming) float64 { return t.TTFB })), stats(col(nav, func(t navTiming) float64 { return t.FCP })),
		stats(col(nav, func(t navTiming) float64 { return t.DCL })), stats(col(nav, func(t navTiming) float64 { return t.Load })), stats(ready))
	logf("Alt+arrow move (%d): shown and painted %s; the server's confirmation drawn %s; seen in another tab %s",
		len(local), stats(local), stats(confirmed), stats(remote))
	var all []remoteSample
	for _, k := range remoteKinds {
		all = append(all, remoteRun.samples[k]...)
	}
	b.ReportMetric(quantile(col(all, remoteSample.painted), 0.95), "remote-painted-p95-ms")
	b.ReportMetric(quantile(col(all, remoteSample.work), 0.95), "remote-work-p95-ms")
	logf("others' ops, %d of each kind at %.0f ops/s, from the frame's receipt in the other tab: painted (the end of the rendering of the frame showing it), "+
		"the page's work (parsing, applying and drawing it; that frame's callbacks, style, layout and paint), the wait for that frame between the two, bytes received (median); %d resources fetched meanwhile",
		remotePerKind, float64(time.Second)/float64(remoteEvery), remoteRun.fetched)
	for _, k := range append(slices.Clone(remoteKinds), "all") {
		s := remoteRun.samples[k]
		if k == "all" {
			s = all
		}
		if len(s) == 0 {
			b.Errorf("no sample of %s", k)
			continue
		}
		logf("  %-12s (%3d) painted %s; work %s (script %s, frame %s); waiting %s; %.0f B",
			k, len(s), pct(col(s, remoteSample.painted)), pct(col(s, remoteSample.work)), pct(col(s, remoteSample.script)),
			pct(col(s, remoteSample.render)), pct(col(s, remoteSample.wait)), median(col(s, func(x remoteSample) float64 { return x.Bytes })))
	}
	var drawLines []string
	for _, k := range kinds {
		drawLines = append(drawLines, fmt.Sprintf("%s: %s", k, stats(draws[k])))
	}
	logf("the renderer's work in another tab for others' ops: %s", strings.Join(drawLines, "; "))
	logf("middle-drag across the board, 120 moves in %.0f ms, scrolled %.0f px: frame times %s (%d frames over 50 ms); in the tab drawing the pointer %s",
		dragTime, scrolled, stats(frames), over(frames, 50), stats(otherFrames))
}

// middleHeld says that the middle button is down during a mouse event.
func middleHeld(p *input.DispatchMouseEventParams) { p.Buttons = 4 }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func col[T any](xs []T, f func(T) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// frameTimes returns the intervals between successive animation frames.
func frameTimes(stamps []float64) []float64 {
	var out []float64
	for i := 1; i < len(stamps); i++ {
		out = append(out, stamps[i]-stamps[i-1])
	}
	return out
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func over(xs []float64, limit float64) int {
	n := 0
	for _, x := range xs {
		if x > limit {
			n++
		}
	}
	return n
}

// stats formats the median, 95th percentile and maximum of xs, in ms.
func stats(xs []float64) string {
	return fmt.Sprintf("median %.1f ms, p95 %.1f ms, max %.1f ms", median(xs), quantile(xs, 0.95), slices.Max(xs))
}

// pct formats the median and 95th percentile of xs, in ms.
func pct(xs []float64) string {
	return fmt.Sprintf("p50 %.1f p95 %.1f ms", median(xs), quantile(xs, 0.95))
}

func ptrBool(v bool) *bool { return &v }

// remoteKinds are the kinds of others' ops whose way to the screen BenchmarkOpen300 times.
var remoteKinds = []string{"card text", "card move", "card create", "card delete", "link create", "stage rename", "team colour"}

// remote holds what remoteOps measured, once per process.
var remoteRun struct {
	samples map[string][]remoteSample
	fetched int
}

const (
	remotePerKind = 40                     // samples of each kind
	remoteEvery   = 250 * time.Millisecond // mean time between two ops, jittered 0.5–1.5×: 4 ops/s
)

// remoteSample is the way of one ops frame through a page, from live.js's 'lastmile:ops'
// measure: its receipt before parsing (At), the end of its drawing (Drawn), the start of
// the next frame's animation callbacks (Start; Frame is that frame's timestamp) and the end
// of that frame's rendering on the main thread (Painted), in ms of performance.now().
type remoteSample struct {
	Seq                              int64
	Bytes                            float64
	At, Drawn, Start, Frame, Painted float64
}

func (s remoteSample) painted() float64 { return s.Painted - s.At }
func (s remoteSample) script() float64  { return s.Drawn - s.At }
func (s remoteSample) wait() float64    { return s.Start - s.Drawn }
func (s remoteSample) render() float64  { return s.Painted - s.Start }
func (s remoteSample) work() float64    { return s.script() + s.render() }

// remoteOps sends others' ops of every kind in remoteKinds to the board at a steady pace
// from a websocket client (another person, in this process rather than the browser), and
// returns, by kind, how the page in tab received, drew and painted each of them, and how
// many resources the page fetched meanwhile.
func remoteOps(b *testing.B, n *node, boardID string, tab context.Context) (map[string][]remoteSample, int) {
	eval[chromedp.Void](b, tab, `import("/static/board.js").then(({ page }) => {
		performance.clearMeasures("lastmile:ops"); window.__since = performance.now(); page.live.timing = true; })`, chromedp.EvalAwaitPromise)
	defer eval[chromedp.Void](b, tab, `import("/static/board.js").then(({ page }) => { page.live.timing = false; })`, chromedp.EvalAwaitPromise)

	sender := wsclient.New(n.url, boardID, "remote-sender", "Remote")
	var mu sync.Mutex
	seqOf := map[string]int64{} // key → seq, as the sender sees its ops come back
	sender.OnOps = func(ops []protocol.Committed, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for _, o := range ops {
			seqOf[o.Op.Key] = o.Seq
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sender.Connect(ctx); err != nil {
		b.Fatalf("connecting the sender: %v", err)
	}
	defer sender.Close()

	rng := rand.New(rand.NewPCG(7, 300))
	cellEnd := func(v *blueprint.Board, stage, lane string) string {
		last := ""
		for _, c := range v.Cards {
			if c.Stage == stage && c.Lane == lane && c.Order > last {
				last = c.Order
			}
		}
		k, err := blueprint.KeyBetween(last, "")
		if err != nil {
			b.Fatal(err)
		}
		return k
	}
	someCard := func() string { return fmt.Sprintf("c%03d", 1+rng.IntN(largeCards-1)) }
	upd := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: typ, ID: id, Fields: f}
	}
	var created []string
	kindOf := map[string]string{} // key → kind
	next := time.Now()
	for round := range remotePerKind {
		order := rng.Perm(len(remoteKinds))
		// A card is deleted once one was created.
		create, del := slices.Index(remoteKinds, "card create"), slices.Index(remoteKinds, "card delete")
		if i, j := slices.Index(order, create), slices.Index(order, del); j < i {
			order[i], order[j] = order[j], order[i]
		}
		for k, kind := range order {
			v := sender.View()
			var op blueprint.Op
			switch remoteKinds[kind] {
			case "card text":
				op = upd("card", someCard(), blueprint.Fields{Text: str(fmt.Sprintf("Edited elsewhere, round %d: %s", round, strings.Repeat("word ", rng.IntN(12))))})
			case "card move":
				id := someCard()
				stage, lane := v.Cards[id].Stage, v.Cards[id].Lane
				for stage == v.Cards[id].Stage && lane == v.Cards[id].Lane {
					stage, lane = fmt.Sprintf("s%02d", rng.IntN(largeStages)), fmt.Sprintf("l%d", rng.IntN(largeLanes))
				}
				op = upd("card", id, blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str(cellEnd(v, stage, lane))})
			case "card create":
				id := fmt.Sprintf("rc%03d", round)
				stage, lane := fmt.Sprintf("s%02d", rng.IntN(largeStages)), fmt.Sprintf("l%d", rng.IntN(largeLanes))
				op = cardOp(id, stage, lane, cellEnd(v, stage, lane), fmt.Sprintf("Made elsewhere, round %d", round))
				op.Fields.Team = str(fmt.Sprintf("t%d", rng.IntN(largeTeams)))
				created = append(created, id)
			case "card delete":
				op = blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: created[0]}
				created = created[1:]
			case "link create":
				from, to := someCard(), someCard()
				for to == from {
					to = someCard()
				}
				op = blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: fmt.Sprintf("rk%03d", round),
					Fields: blueprint.Fields{From: str(from), To: str(to), Kind: str(blueprint.LinkKinds[rng.IntN(2)]), Owner: str(fmt.Sprintf("t%d", rng.IntN(largeTeams)))}}
			case "stage rename":
				s := rng.IntN(largeStages)
				op = upd("stage", fmt.Sprintf("s%02d", s), blueprint.Fields{Name: str(fmt.Sprintf("Stage %d (%d.%d)", s+1, round, k))})
			case "team colour":
				op = upd("team", fmt.Sprintf("t%d", rng.IntN(largeTeams)), blueprint.Fields{Color: str(fmt.Sprintf("#%06x", rng.IntN(1<<24)))})
			}
			next = next.Add(time.Duration(float64(remoteEvery) * (0.5 + rng.Float64())))
			time.Sleep(time.Until(next))
			key, err := sender.Submit(op)
			if err != nil {
				b.Fatalf("sending %s: %v", remoteKinds[kind], err)
			}
			kindOf[key] = remoteKinds[kind]
		}
	}
	// The last ops sent may not have come back yet: wait until every one has.
	for deadline := time.Now().Add(30 * time.Second); sender.Pending() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of the sender's ops still unconfirmed after 30 s", sender.Pending())
		}
	}
	waitFor(b, tab, "the page to draw the sender's ops", fmt.Sprintf(`Number(document.querySelector("article.board").dataset.seq) >= %d`, sender.Seq()))
	if rej := sender.Rejected(); len(rej) > 0 {
		b.Fatalf("the server refused %d of the sender's ops, the first: %+v", len(rej), rej[0])
	}
	mu.Lock()
	kindAt := map[int64]string{}
	for key, kind := range kindOf {
		seq, ok := seqOf[key]
		if !ok {
			b.Fatalf("the sender never saw op %s committed", key)
		}
		kindAt[seq] = kind
	}
	mu.Unlock()
	// The ops were sent 125 ms apart at least, so each comes in a frame of its own unless the
	// server fell behind; a frame that carries several is counted once, as the kind of its
	// last op, and the report says how many frames there were.
	last := slices.Max(slices.Collect(maps.Keys(kindAt)))
	waitFor(b, tab, "the page to paint them", fmt.Sprintf(`performance.getEntriesByName("lastmile:ops").some((m) => m.startTime >= window.__since && m.detail.seq >= %d)`, last))
	samples := eval[[]remoteSample](b, tab, `performance.getEntriesByName("lastmile:ops").filter((m) => m.startTime >= window.__since).map((m) => ({...m.detail, at: m.startTime}))`)
	out := map[string][]remoteSample{}
	for _, s := range samples {
		if kind, ok := kindAt[s.Seq]; ok {
			out[kind] = append(out[kind], s)
		}
	}
	if len(samples) != len(kindAt) {
		fmt.Printf("    %d ops came in %d frames\n", len(kindAt), len(samples))
	}
	fetched := eval[int](b, tab, `performance.getEntriesByType("resource").filter((r) => r.startTime >= window.__since).length`)
	return out, fetched
}
