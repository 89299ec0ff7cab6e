package e2e_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gorilla/websocket"

	"lastmile/internal/realtime"
	"lastmile/internal/wsclient"
)

// asPerson makes the tab's websockets carry a display name, as the server takes it from
// the address (?name=) when nobody is signed in: the tab then appears to others as name.
func asPerson(t testing.TB, tab context.Context, name string) {
	t.Helper()
	src := fmt.Sprintf(`(() => {
		const W = window.WebSocket, name = %q;
		window.WebSocket = class extends W {
			constructor(u, p) { u = String(u); super(u + (u.includes("?") ? "&" : "?") + "name=" + encodeURIComponent(name), p); }
		};
	})()`, name)
	run(t, tab, "naming the tab", waitLive, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

// viewerRoute serves websockets at /viewer/boards/{id}/ws as a viewer named name, on
// the node's current hub: a participant who may look but not edit.
func viewerRoute(n **node, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/viewer/boards/"), "/ws")
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		(*n).live.current().Serve(ws, id, realtime.Participant{Name: name, Role: "viewer"})
	})
}

// rect is an element's box in client coordinates.
type rect struct{ Left, Top, Right, Bottom, Width, Height float64 }

func rectOf(t testing.TB, tab context.Context, sel string) rect {
	t.Helper()
	return eval[rect](t, tab, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect();
		return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, Width: r.width, Height: r.height}; })()`, sel))
}

func zoomOf(t testing.TB, tab context.Context) float64 {
	t.Helper()
	return eval[float64](t, tab, `Number(document.querySelector("article.board").dataset.zoom ?? "NaN")`)
}

// gridFits checks that the whole grid is inside the window.
func gridFits(t testing.TB, tab context.Context) {
	t.Helper()
	g := rectOf(t, tab, `[data-testid="grid"]`)
	w := eval[[]float64](t, tab, `[window.innerWidth, window.innerHeight]`)
	if g.Left < 0 || g.Top < 0 || g.Right > w[0]+0.5 || g.Bottom > w[1]+0.5 {
		t.Errorf("after fit the grid is at %+v, not inside the window %v", g, w)
	}
}

// TestPresence has two people and a viewer on one board: each sees who is here and
// where the others point; the zoom changes the scale, fits the grid to the window and
// survives a swap of the board; several cards move together as one undo step.
func TestPresence(t *testing.T) {
	var n *node
	n = startNode(t, map[string]http.Handler{"/viewer/": viewerRoute(&n, "Vera Viewer")})
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID,
		cardOp("c-one", "stage-2", "lane-2", "V", "One"),
		cardOp("c-two", "stage-2", "lane-3", "V", "Two"),
		cardOp("c-stay", "stage-3", "lane-2", "V", "Stays"))
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	for _, tab := range []context.Context{tabA, tabB} {
		run(t, tab, "sizing the window", waitLive, chromedp.EmulateViewport(1280, 800))
	}
	asPerson(t, tabA, "Ana Lima")
	asPerson(t, tabB, "Bo")
	openEditable(t, tabA, n.url+"/boards/"+b.ID+"?lang=en")
	openEditable(t, tabB, n.url+"/boards/"+b.ID+"?lang=fr")

	vera := wsclient.New(n.url+"/viewer", b.ID, "vera-tab", "")
	ctx, cancel := context.WithTimeout(context.Background(), waitLive)
	defer cancel()
	if err := vera.Connect(ctx); err != nil {
		t.Fatalf("the viewer connecting: %v", err)
	}
	t.Cleanup(vera.Close)

	// C has no editor at all (its script cannot load), as on a page for viewers: presence
	// and zoom work without it.
	tabC := newTab(t)
	run(t, tabC, "sizing the window", waitLive, chromedp.EmulateViewport(1280, 800))
	asPerson(t, tabC, "Cy")
	run(t, tabC, "blocking the editor's script", waitLive, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{
			URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/static/editor.js", Block: true}}})
		return err
	}))
	run(t, tabC, "opening the board without the editor", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, tabC, "connected")

	t.Run("WithoutEditor", func(t *testing.T) {
		waitFor(t, tabC, "the others' avatars", `document.querySelectorAll('[data-testid="avatar"]').length === 3`)
		if n := eval[int](t, tabC, `document.querySelectorAll('td.cell[tabindex]').length`); n != 0 {
			t.Fatalf("the editor runs in C (%d focusable cells): the test would prove nothing", n)
		}
		waitFor(t, tabC, "the count", `document.querySelector('[data-testid="presence-count"]').textContent === "4 people here"`)
		keys(t, tabC, "pressing +", "+")
		if z := zoomOf(t, tabC); z != 1.25 {
			t.Errorf("without the editor, + sets the scale to %v, want 1.25", z)
		}
		run(t, tabC, "fitting", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="zoom-fit"]`)))
		gridFits(t, tabC)
		keys(t, tabC, "pressing 0", "0")
	})

	t.Run("Avatars", func(t *testing.T) {
		waitFor(t, tabB, "Ana's, Cy's and Vera's avatars", `document.querySelectorAll('[data-testid="avatar"]').length === 3`)
		ana := eval[[]string](t, tabB, `(() => { const li = document.querySelector('[data-testid="avatar"][data-name="Ana Lima"]');
			return li ? [li.querySelector(".avatar-initials").textContent, li.title, li.textContent] : []; })()`)
		if len(ana) != 3 || ana[0] != "AL" || ana[1] != "Ana Lima (Éditeur)" || !strings.Contains(ana[2], "Ana Lima") {
			t.Errorf("Ana's avatar in B = %q, want initials AL and her name with her role in French", ana)
		}
		vera := eval[string](t, tabB, `document.querySelector('[data-testid="avatar"][data-name="Vera Viewer"]')?.title ?? ""`)
		if vera != "Vera Viewer (Lecteur)" && !strings.HasPrefix(vera, "Vera Viewer (") {
			t.Errorf("Vera's avatar in B has the title %q, want her name and role", vera)
		}
		waitFor(t, tabB, "the count in French", `document.querySelector('[data-testid="presence-count"]').textContent === "4 personnes présentes"`)
		waitFor(t, tabA, "the count in English", `document.querySelector('[data-testid="presence-count"]').textContent === "4 people here"`)
		if bg := eval[string](t, tabB, `getComputedStyle(document.querySelector('[data-testid="avatar"] .avatar-initials')).backgroundColor`); bg == "" || bg == "rgba(0, 0, 0, 0)" {
			t.Errorf("the avatar's circle has no colour: %q", bg)
		}
	})

	t.Run("Cursor", func(t *testing.T) {
		cell := rectOf(t, tabA, cellSel("stage-4", "lane-3"))
		x, y := cell.Left+cell.Width/2, cell.Top+cell.Height/2
		run(t, tabA, "moving the pointer", waitLive,
			chromedp.MouseEvent("mouseMoved", x-5, y-5), chromedp.MouseEvent("mouseMoved", x, y))
		g := rectOf(t, tabA, `[data-testid="grid"]`)
		bx, by := x-g.Left, y-g.Top // board coordinates: A is at 100 %
		waitFor(t, tabB, "Ana's pointer", `[...document.querySelectorAll('[data-testid="cursor"]')].some((c) => c.textContent === "Ana Lima")`)
		waitFor(t, tabC, "Ana's pointer in the page without editor", `[...document.querySelectorAll('[data-testid="cursor"]')].some((c) => c.textContent === "Ana Lima")`)
		near := func(what string) {
			t.Helper()
			// The marker is drawn where B's grid has A's board coordinates, at B's scale.
			waitFor(t, tabB, what+": Ana's pointer where she points", fmt.Sprintf(`(() => {
				const m = document.querySelector('[data-testid="cursor"]'), g = document.querySelector('[data-testid="grid"]').getBoundingClientRect();
				if (!m || m.getAnimations().length > 0) return false;
				const r = m.getBoundingClientRect(), z = Number(document.querySelector("article.board").dataset.zoom);
				return Math.abs(r.left - (g.left + %f * z)) <= 2 && Math.abs(r.top - (g.top + %f * z)) <= 2;
			})()`, bx, by))
		}
		near("at 100 %")
		if label := eval[string](t, tabB, `getComputedStyle(document.querySelector('[data-testid="cursor"] .cursor-name')).display`); label == "none" {
			t.Errorf("the pointer's name is hidden")
		}
		run(t, tabB, "zooming out in B", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="zoom-out"]`)))
		near("zoomed out")
		run(t, tabB, "back to 100 %", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="zoom-reset"]`)))
	})

	t.Run("Zoom", func(t *testing.T) {
		if z := zoomOf(t, tabB); z != 1 {
			t.Fatalf("the zoom starts at %v, want 1", z)
		}
		h1 := rectOf(t, tabB, `[data-testid="stage"]`).Height
		run(t, tabB, "clicking zoom in", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="zoom-in"]`)))
		if z := zoomOf(t, tabB); z != 1.25 {
			t.Errorf("after zoom in the scale is %v, want 1.25", z)
		}
		if h := rectOf(t, tabB, `[data-testid="stage"]`).Height; math.Abs(h-h1*1.25) > 2 {
			t.Errorf("zoomed in, a stage's heading is %.1f px high, want about %.1f", h, h1*1.25)
		}
		if lvl := eval[string](t, tabB, `document.querySelector('[data-testid="zoom-level"]').textContent`); lvl != "125 %" {
			t.Errorf("the level reads %q", lvl)
		}
		focusEl(t, tabB, cellSel("stage-1", "lane-1"))
		keys(t, tabB, "pressing -", "-")
		keys(t, tabB, "pressing - again", "-")
		if z := zoomOf(t, tabB); math.Abs(z-0.8) > 0.001 {
			t.Errorf("after + and - - the scale is %v, want 0.8", z)
		}
		keys(t, tabB, "pressing 0", "0")
		if z := zoomOf(t, tabB); z != 1 {
			t.Errorf("after 0 the scale is %v, want 1", z)
		}
		keys(t, tabB, "pressing +", "+")
		keys(t, tabB, "pressing + again", "+")
		// The keyboard still brings the focused cell into view at this scale.
		for range 6 {
			keys(t, tabB, "pressing ArrowRight", kb.ArrowRight)
		}
		in := eval[bool](t, tabB, `(() => { const c = document.activeElement.getBoundingClientRect(), s = document.querySelector(".board-scroll").getBoundingClientRect();
			return document.activeElement.matches("td.cell") && c.left >= s.left - 1 && c.right <= s.right + 1; })()`)
		if !in {
			t.Errorf("zoomed in, the focused cell is out of view after moving right: %s", eval[string](t, tabB, `JSON.stringify([document.activeElement.outerHTML.slice(0, 90), document.activeElement.getBoundingClientRect(), document.querySelector(".board-scroll").getBoundingClientRect(), document.querySelector(".board-scroll").scrollLeft])`))
		}
		if got := eval[string](t, tabB, `document.activeElement.dataset.stageId ?? ""`); got != "stage-6" && got != "stage-5" {
			t.Logf("the focus is on %q", got)
		}
		keys(t, tabB, "pressing f", "f")
		if z := zoomOf(t, tabB); z == 1.5625 {
			t.Errorf("after f the scale is still %v", z)
		}
		gridFits(t, tabB)

		// A's edit makes B fetch the board and swap it in: the scale stays.
		fitted := zoomOf(t, tabB)
		width := rectOf(t, tabB, `[data-testid="grid"]`).Width
		id := addCardByKeyboard(t, tabA, cellSel("stage-1", "lane-4"), "Swapped in")
		waitText(t, tabB, id, "Swapped in")
		if z := zoomOf(t, tabB); z != fitted {
			t.Errorf("after a swap the scale is %v, want %v", z, fitted)
		}
		if w := rectOf(t, tabB, `[data-testid="grid"]`).Width; math.Abs(w-width) > 3 {
			t.Errorf("after a swap the grid is %.0f px wide, want %.0f as before", w, width)
		}
		gridFits(t, tabB)
		keys(t, tabB, "pressing 0", "0")

		// The help lists the new keys, in the page's language.
		keys(t, tabB, "pressing ?", "?")
		waitFor(t, tabB, "the help", `!document.querySelector('[data-testid="editor-help"]').hidden`)
		help := eval[string](t, tabB, `document.querySelector('[data-testid="editor-help"]').textContent`)
		for _, want := range []string{"Ajuster tout le tableau à l’écran", "Maj + Espace", "Espace + glisser"} {
			if !strings.Contains(help, want) {
				t.Errorf("the help lacks %q: %s", want, help)
			}
		}
		keys(t, tabB, "closing the help", kb.Escape)
	})

	t.Run("MultiSelect", func(t *testing.T) {
		focusEl(t, tabA, cardSel("c-one"))
		keys(t, tabA, "pressing Shift+Space", " ", chromedp.KeyModifiers(chromedp.ModifierShift))
		c2 := rectOf(t, tabA, cardSel("c-two")+" .card-text")
		run(t, tabA, "Ctrl+click on the second card", waitLive,
			chromedp.MouseClickXY(c2.Left+3, c2.Top+3, chromedp.ButtonModifiers(chromedp.ModifierCtrl)))
		sel := eval[[]string](t, tabA, `[...document.querySelectorAll('.card[aria-selected="true"]')].map((c) => c.dataset.cardId)`)
		if strings.Join(sel, ",") != "c-one,c-two" {
			t.Fatalf("selected: %v, want c-one and c-two", sel)
		}
		if !eval[bool](t, tabA, `document.querySelector('[data-testid="grid"]').getAttribute("aria-multiselectable") === "true"`) {
			t.Errorf("the grid does not say that several cards may be selected")
		}
		mark := eval[string](t, tabA, `getComputedStyle(document.querySelector('.card[aria-selected="true"]'), "::before").content`)
		if !strings.Contains(mark, "✓") {
			t.Errorf("a selected card shows %s before it, want a check mark (not colour alone)", mark)
		}
		keys(t, tabA, "pressing Alt+ArrowRight", kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt))
		for _, tab := range []context.Context{tabA, tabB} {
			waitCell(t, tab, "c-one", "stage-3/lane-2")
			waitCell(t, tab, "c-two", "stage-3/lane-3")
		}
		if got := cellOf(t, tabB, "c-stay"); got != "stage-3/lane-2" {
			t.Errorf("a card not selected moved to %q", got)
		}
		order := eval[string](t, tabB, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((c) => c.dataset.cardId).join(",")`, cellSel("stage-3", "lane-2")+" > .card"))
		if order != "c-stay,c-one" {
			t.Errorf("the cell reads %s, want the moved card after the one there", order)
		}
		keys(t, tabA, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		for _, tab := range []context.Context{tabA, tabB} {
			waitCell(t, tab, "c-one", "stage-2/lane-2")
			waitCell(t, tab, "c-two", "stage-2/lane-3")
		}
		focusEl(t, tabA, cardSel("c-one"))
		keys(t, tabA, "pressing Escape", kb.Escape)
		if n := eval[int](t, tabA, `document.querySelectorAll('.card[aria-selected="true"]').length`); n != 0 {
			t.Errorf("%d cards still selected after Escape", n)
		}
	})

	t.Run("LockName", func(t *testing.T) {
		focusEl(t, tabB, cardSel("c-stay"))
		keys(t, tabB, "pressing Enter", kb.Enter)
		waitFor(t, tabA, "the lock", fmt.Sprintf(`document.querySelector(%q)?.dataset.lockedBy !== undefined`, cardSel("c-stay")))
		shown := eval[string](t, tabA, fmt.Sprintf(`getComputedStyle(document.querySelector(%q), "::after").content`, cardSel("c-stay")))
		if !strings.Contains(shown, "Bo") {
			t.Errorf("the locked card shows %s, want the name of who is editing it", shown)
		}
		keys(t, tabB, "cancelling", kb.Escape)
	})

	t.Run("Leave", func(t *testing.T) {
		run(t, tabA, "leaving the board", waitLive, chromedp.Navigate("about:blank"))
		waitFor(t, tabB, "Ana's pointer to go", `document.querySelectorAll('[data-testid="cursor"]').length === 0`)
		waitFor(t, tabB, "Ana's avatar to go", `document.querySelector('[data-testid="avatar"][data-name="Ana Lima"]') === null`)
		vera.Close()
		waitFor(t, tabB, "the count without Ana and Vera", `document.querySelector('[data-testid="presence-count"]').textContent === "2 personnes présentes"`)
		run(t, tabC, "C leaving", waitLive, chromedp.Navigate("about:blank"))
		waitFor(t, tabB, "the count, singular in French", `document.querySelector('[data-testid="presence-count"]').textContent === "1 personne présente"`)
	})
}
