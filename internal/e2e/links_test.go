package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// arrowSel selects the arrow drawn for a link.
func arrowSel(id string) string {
	return fmt.Sprintf(`[data-testid="link-layer"] g[data-link-id=%q]`, id)
}

// arrowFitsJS is a JavaScript expression that is true when the arrow of the link starts
// on the box of its first card and ends on the box of its second (within 4 px), in the
// window's coordinates, whatever the layer's own coordinates are.
func arrowFitsJS(id string) string {
	return fmt.Sprintf(`(() => {
		const g = document.querySelector(%q);
		if (!g) return false;
		const line = g.querySelector(".link-line"), m = line.getScreenCTM();
		const p0 = line.getPointAtLength(0).matrixTransform(m);
		const p1 = line.getPointAtLength(line.getTotalLength()).matrixTransform(m);
		const near = (p, id) => {
			const el = document.querySelector('td.cell > .card[data-card-id="' + id + '"]');
			if (!el) return false;
			const r = el.getBoundingClientRect();
			const dx = Math.max(r.left - p.x, 0, p.x - r.right), dy = Math.max(r.top - p.y, 0, p.y - r.bottom);
			return Math.hypot(dx, dy) <= 4;
		};
		return near(p0, g.dataset.from) && near(p1, g.dataset.to);
	})()`, arrowSel(id))
}

// arrowEnd returns where the arrow of the link ends, in the window's coordinates.
func arrowEnd(t *testing.T, tab context.Context, id string) [2]float64 {
	t.Helper()
	v := eval[[]float64](t, tab, fmt.Sprintf(`(() => {
		const line = document.querySelector(%q + " .link-line");
		const p = line.getPointAtLength(line.getTotalLength()).matrixTransform(line.getScreenCTM());
		return [p.x, p.y];
	})()`, arrowSel(id)))
	return [2]float64{v[0], v[1]}
}

// waitWithin polls a JavaScript condition for at most d.
func waitWithin(t *testing.T, tab context.Context, what, cond string, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, d)
	defer cancel()
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](cond, chromedp.WithPollingInterval(10*time.Millisecond)))); err != nil {
		t.Fatalf("waiting at most %v for %s: %v", d, what, err)
	}
}

func announced(t *testing.T, tab context.Context, what, part string) {
	t.Helper()
	waitFor(t, tab, what, fmt.Sprintf(`document.querySelector('[data-testid="editor-announce"]').textContent.includes(%q)`, part))
}

// linkIDs returns the ids of the arrows the tab draws.
func linkIDs(t *testing.T, tab context.Context) []string {
	t.Helper()
	return eval[[]string](t, tab, `[...document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]')].map((g) => g.dataset.linkId)`)
}

func linkOp(id, from, to string) blueprint.Op {
	return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: id,
		Fields: blueprint.Fields{From: str(from), To: str(to)}}
}

// TestLinks has two people link cards: A by keyboard, B with the mouse. Each sees the
// other's arrows, drawn between the cards and following them; the dialog changes a link;
// undo takes back only one's own link; deleting a card takes its arrows away.
func TestLinks(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID,
		teamOp("t-ops", "Operations", "#059669"),
		cardOp("c-order", "stage-1", "lane-2", "V", "Order online"),
		cardOp("c-pick", "stage-3", "lane-4", "V", "Pick the parcel"),
		cardOp("c-call", "stage-2", "lane-3", "V", "Call the customer"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	openEditable(t, tabA, url)
	openEditable(t, tabB, url)

	// A links "Order online" to "Pick the parcel" with the keyboard only: l on the card,
	// arrows to the target, Enter.
	focusEl(t, tabA, cardSel("c-order"))
	keys(t, tabA, "pressing l", "l")
	announced(t, tabA, "the linking to be announced", "Linking from “Order online”")
	if !eval[bool](t, tabA, fmt.Sprintf(`document.querySelector(%q).classList.contains("link-source")`, cardSel("c-order"))) {
		t.Errorf("the card a link starts from is not marked")
	}
	keys(t, tabA, "ArrowRight", kb.ArrowRight)
	keys(t, tabA, "ArrowRight", kb.ArrowRight)
	keys(t, tabA, "ArrowDown", kb.ArrowDown)
	keys(t, tabA, "ArrowDown", kb.ArrowDown)
	keys(t, tabA, "Enter on the cell: to its card", kb.Enter)
	waitFor(t, tabA, "the focus on the target card", `document.activeElement?.dataset?.cardId === "c-pick"`)
	announced(t, tabA, "the target to be announced", "Target: “Pick the parcel”")
	keys(t, tabA, "Enter: link", kb.Enter)
	announced(t, tabA, "the link to be announced", "Link created from “Order online” to “Pick the parcel”")
	waitFor(t, tabA, "A's arrow", `document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]').length === 1`)
	ids := linkIDs(t, tabA)
	l1 := ids[0]
	if !strings.HasPrefix(l1, "l-") {
		t.Errorf("the new link's id is %q, want it to start with l-", l1)
	}
	if n := eval[int](t, tabA, `document.querySelectorAll("textarea.card-editor").length`); n != 0 {
		t.Errorf("Enter on the target opened %d card editors", n)
	}
	// B sees the arrow within a second, from one card to the other.
	waitWithin(t, tabB, "B to draw the arrow", arrowFitsJS(l1), time.Second)
	waitFor(t, tabA, "A's arrow between the cards", arrowFitsJS(l1))
	v := eval[[]any](t, tabB, fmt.Sprintf(`(() => { const g = document.querySelector(%q), line = g.querySelector(".link-line");
		return [g.dataset.kind, line.hasAttribute("marker-start"), line.hasAttribute("marker-end"), g.querySelector("title").textContent]; })()`, arrowSel(l1)))
	if v[0] != "handoff" || v[1] != false || v[2] != true || v[3] != "Order online → Pick the parcel · Handoff · Open · Nobody" {
		t.Errorf("B's arrow is %v, want a one-way handoff, open, owned by nobody", v)
	}

	// A edits the link in the dialog, from its row in the links table.
	rowSel := fmt.Sprintf(`tr[data-link-id=%q]`, l1)
	waitFor(t, tabA, "the link's row", fmt.Sprintf(`document.querySelector(%q)?.tabIndex === 0`, rowSel))
	focusEl(t, tabA, rowSel)
	keys(t, tabA, "Enter on the row", kb.Enter)
	waitFor(t, tabA, "the dialog", `document.querySelector('[data-testid="link-dialog"]').open && document.querySelector('[data-testid="link-dialog"]').contains(document.activeElement)`)
	if ends := eval[string](t, tabA, `document.querySelector('[data-link-ends]').textContent`); ends != "From “Order online” to “Pick the parcel”" {
		t.Errorf("the dialog says %q", ends)
	}
	focusEl(t, tabA, `[data-testid="link-critical"]`)
	keys(t, tabA, "Space on critical", " ")
	eval[chromedp.Void](t, tabA, `(() => { for (const [n, v] of [["status", "agreed"], ["owner", "t-ops"]]) {
		const s = document.querySelector('[data-testid="link-' + n + '"]'); s.value = v; s.dispatchEvent(new Event("change", { bubbles: true })); } })()`)
	focusEl(t, tabA, `[data-testid="link-kind-dependency"]`)
	keys(t, tabA, "Space on dependency", " ")
	waitFor(t, tabB, "B to see the link changed", fmt.Sprintf(`(() => { const g = document.querySelector(%q);
		return !!g && g.dataset.critical === "true" && g.dataset.status === "agreed" && g.dataset.kind === "dependency"
			&& g.querySelector(".link-line").hasAttribute("marker-start") && g.querySelector(".link-badge text").textContent === "!="
			&& g.querySelector("title").textContent.endsWith("Owner: Operations"); })()`, arrowSel(l1)))
	waitFor(t, tabB, "B's table to say so", fmt.Sprintf(`(() => { const tr = document.querySelector(%q);
		return !!tr && tr.dataset.owner === "t-ops" && tr.textContent.includes("Critical") && tr.textContent.includes("Agreed"); })()`, rowSel))
	keys(t, tabA, "Escape", kb.Escape)
	waitFor(t, tabA, "the dialog to close and the focus to come back to the row", fmt.Sprintf(
		`!document.querySelector('[data-testid="link-dialog"]').open && document.activeElement?.matches(%q)`, rowSel))

	// A moves the target card: the arrow follows it, in both tabs.
	before := arrowEnd(t, tabB, l1)
	focusEl(t, tabA, cardSel("c-pick"))
	keys(t, tabA, "Alt+ArrowRight", kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt))
	waitCell(t, tabB, "c-pick", "stage-4/lane-4")
	waitFor(t, tabB, "B's arrow to follow the card", arrowFitsJS(l1))
	waitFor(t, tabA, "A's arrow to follow the card", arrowFitsJS(l1))
	if after := arrowEnd(t, tabB, l1); after[0] <= before[0]+50 {
		t.Errorf("the arrow ends at x=%v after the card moved right, was %v", after[0], before[0])
	}

	// B draws a link with the mouse: Shift and drag from one card to another.
	eval[chromedp.Void](t, tabB, fmt.Sprintf(`(() => {
		const from = document.querySelector(%q), to = document.querySelector(%q);
		const at = (el) => { const r = el.getBoundingClientRect(); return { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }; };
		const o = { bubbles: true, cancelable: true, shiftKey: true, button: 0 };
		from.dispatchEvent(new MouseEvent("mousedown", { ...o, ...at(from) }));
		document.dispatchEvent(new MouseEvent("mousemove", { ...o, ...at(to) }));
		document.dispatchEvent(new MouseEvent("mouseup", { ...o, ...at(to) }));
	})()`, cardSel("c-call"), cardSel("c-order")))
	waitFor(t, tabA, "A to see B's link", `document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]').length === 2`)
	var lB string
	for _, id := range linkIDs(t, tabA) {
		if id != l1 {
			lB = id
		}
	}
	waitFor(t, tabA, "B's arrow between its cards", arrowFitsJS(lB))
	waitFor(t, tabA, "A's table to list B's link", fmt.Sprintf(`document.querySelector('tr[data-link-id=%q]') !== null`, lB))

	// A links again, then undoes: A's new link goes, B's stays.
	focusEl(t, tabA, cardSel("c-call"))
	keys(t, tabA, "pressing l", "l")
	keys(t, tabA, "ArrowUp: to the cell", kb.ArrowUp)
	keys(t, tabA, "ArrowRight", kb.ArrowRight)
	keys(t, tabA, "ArrowDown", kb.ArrowDown)
	keys(t, tabA, "Enter on the cell", kb.Enter)
	waitFor(t, tabA, "the focus on the empty cell's neighbour", `document.activeElement?.matches("td.cell") === true`)
	// The cell stage-3/lane-3 has no card: Enter stays there; go to a card with the mouse.
	run(t, tabA, "clicking the target", waitLive, chromedp.Click(chromedp.CSS(cardSel("c-pick")+" .card-text")))
	waitFor(t, tabB, "B to see A's second link", `document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]').length === 3`)
	keys(t, tabA, "Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tabB, "A's second link to go", `document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]').length === 2`)
	if got := strings.Join(linkIDs(t, tabB), ","); !strings.Contains(got, lB) || !strings.Contains(got, l1) {
		t.Errorf("after A's undo B draws %s, want %s and B's %s kept", got, l1, lB)
	}

	// Deleting a card takes its arrows away, in the other tab too.
	focusEl(t, tabA, cardSel("c-pick"))
	keys(t, tabA, "Delete", kb.Delete)
	waitFor(t, tabB, "the card's arrow to go", fmt.Sprintf(`document.querySelector(%q) === null && document.querySelector(%q) === null`, arrowSel(l1), rowSel))
	if got := linkIDs(t, tabB); len(got) != 1 || got[0] != lB {
		t.Errorf("after the delete B draws %v, want only %s", got, lB)
	}

	// A click on an arrow opens its dialog; Delete there removes the link.
	eval[chromedp.Void](t, tabB, fmt.Sprintf(`document.querySelector(%q + " .link-hit").dispatchEvent(new MouseEvent("click", { bubbles: true }))`, arrowSel(lB)))
	waitFor(t, tabB, "the dialog", `document.querySelector('[data-testid="link-dialog"]').open`)
	run(t, tabB, "clicking delete", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="link-delete"]`)))
	waitFor(t, tabA, "the link to go", `document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]').length === 0`)
	announced(t, tabB, "the delete to be announced", "Link deleted")

	// The help lists the new shortcuts.
	focusEl(t, tabA, cellSel("stage-1", "lane-1"))
	keys(t, tabA, "?", "?")
	help := eval[string](t, tabA, `document.querySelector('[data-testid="editor-help"]').textContent`)
	for _, want := range []string{"Shift + drag", "link it to another card", "raise or lower its score"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q: %q", want, help)
		}
	}
}

// TestLinksZoomed draws the arrows of a grid scaled by a CSS transform and scrolled: they
// still join the cards.
func TestLinksZoomed(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID,
		cardOp("c-1", "stage-1", "lane-1", "V", "One"),
		cardOp("c-2", "stage-5", "lane-5", "V", "Two"),
		linkOp("l-1", "c-1", "c-2"))
	tab := newTab(t)
	watchConsole(t, tab, false)
	run(t, tab, "opening the board", waitLive, chromedp.EmulateViewport(700, 500),
		chromedp.Navigate(n.url+"/boards/"+b.ID+"?lang=fr"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitFor(t, tab, "the arrow", arrowFitsJS("l-1"))
	eval[chromedp.Void](t, tab, `(() => { const g = document.querySelector('[data-testid="grid"]'); g.style.transformOrigin = "0 0"; g.style.transform = "scale(0.6)"; })()`)
	waitFor(t, tab, "the arrow on the zoomed grid", arrowFitsJS("l-1"))
	eval[chromedp.Void](t, tab, `document.querySelector(".board-scroll").scrollLeft = 200`)
	waitFor(t, tab, "the arrow on the scrolled grid", arrowFitsJS("l-1"))
	if title := eval[string](t, tab, `document.querySelector('[data-testid="link-layer"] title').textContent`); !strings.Contains(title, "Passation") {
		t.Errorf("the arrow's title is %q, want it in French", title)
	}
}

// TestLinksViewer opens a board with members through a viewer share link: the arrows
// show and come live, but nothing edits them.
func TestLinksViewer(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	b := mustBoard(t, n.store)
	ctx := context.Background()
	owner, err := n.store.CreateUser(ctx, "owner@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.store.AddMember(ctx, b.ID, owner.ID, auth.Facilitator); err != nil {
		t.Fatal(err)
	}
	share := func(role auth.Role) string {
		token, hash := auth.NewToken()
		if _, err := n.store.CreateLink(ctx, auth.Link{BoardID: b.ID, Role: role}, hash); err != nil {
			t.Fatal(err)
		}
		return n.url + "/s/" + token
	}
	applyDirect(t, n, b.ID,
		cardOp("c-1", "stage-1", "lane-1", "V", "One"),
		cardOp("c-2", "stage-2", "lane-3", "V", "Two"),
		cardOp("c-3", "stage-4", "lane-2", "V", "Three"),
		linkOp("l-first", "c-1", "c-2"))

	editor := newTab(t, chromedp.WithNewBrowserContext())
	viewer := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, editor, false)
	watchConsole(t, viewer, false)
	run(t, editor, "joining as editor", waitLive,
		chromedp.Navigate(share(auth.Editor)+"?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Ed"),
		submitForm(`[data-testid="join-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, editor, "connected")
	waitFor(t, editor, "the editor to start", `document.querySelector('td.cell[tabindex="0"]') !== null`)
	run(t, viewer, "joining as viewer", waitLive,
		chromedp.Navigate(share(auth.Viewer)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, viewer, "connected")
	if role := eval[string](t, viewer, `document.querySelector('[data-testid="my-role"]')?.textContent ?? ""`); role == "" {
		t.Fatalf("the viewer's page shows no role")
	}
	waitFor(t, viewer, "the viewer to see the arrow", arrowFitsJS("l-first"))

	// The editor links by keyboard; the viewer sees it come.
	focusEl(t, editor, cardSel("c-2"))
	keys(t, editor, "pressing l", "l")
	keys(t, editor, "ArrowRight", kb.ArrowRight)
	keys(t, editor, "ArrowRight", kb.ArrowRight)
	keys(t, editor, "ArrowUp", kb.ArrowUp)
	keys(t, editor, "Enter on the cell", kb.Enter)
	waitFor(t, editor, "the focus on the target", `document.activeElement?.dataset?.cardId === "c-3"`)
	keys(t, editor, "Enter: link", kb.Enter)
	waitFor(t, viewer, "the viewer to see the new arrow", `document.querySelectorAll('[data-testid="link-layer"] g[data-link-id]').length === 2`)
	for _, id := range linkIDs(t, viewer) {
		waitFor(t, viewer, "the arrow between its cards", arrowFitsJS(id))
	}

	// Nothing on the viewer's page edits links.
	got := eval[[]any](t, viewer, `[
		document.querySelectorAll('[data-link-dialog], [data-testid="link-dialog"]').length,
		document.querySelectorAll('tr[data-link-id][tabindex]').length,
		document.querySelector('[data-testid="link-layer"]').classList.contains("editable"),
		document.querySelectorAll('.card[tabindex]').length,
		document.querySelectorAll('tr[data-link-id]').length]`)
	if got[0] != 0.0 || got[1] != 0.0 || got[2] != false || got[3] != 0.0 || got[4] != 2.0 {
		t.Errorf("the viewer's page has %v (dialogs, focusable rows, clickable arrows, focusable cards, rows), want 0, 0, false, 0, 2", got)
	}
	eval[chromedp.Void](t, viewer, `document.querySelector('[data-testid="link-layer"] .link-hit').dispatchEvent(new MouseEvent("click", { bubbles: true }))`)
	if open := eval[int](t, viewer, `document.querySelectorAll("dialog[open]").length`); open != 0 {
		t.Errorf("a click on an arrow opened a dialog for a viewer")
	}
}

// TestEmotionCurve changes emotion scores from the keyboard: the curve drawn in the
// emotion lane and its text follow.
func TestEmotionCurve(t *testing.T) {
	n := startNode(t, nil)
	title, ops, err := blueprint.TemplateOps(blueprint.TemplateJourneyMap, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.store.CreateBoard(context.Background(), title, blueprint.TemplateJourneyMap, "test", ops)
	if err != nil {
		t.Fatal(err)
	}
	score := func(id string, e int) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: id, Fields: blueprint.Fields{Emotion: &e}}
	}
	// lane-3 is the emotion lane of the journey map.
	postOps(t, n, b.ID,
		cardOp("e-1", "stage-1", "lane-3", "V", "Curious"), score("e-1", 1),
		cardOp("e-2", "stage-3", "lane-3", "V", "Lost"), score("e-2", -2))
	tab := newTab(t)
	watchConsole(t, tab, false)
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")

	means := func() string {
		return eval[string](t, tab, `[...document.querySelectorAll('[data-testid="emotion-point"]')].map((p) => p.closest("td").dataset.stageId + "=" + p.dataset.mean).join(" ")`)
	}
	if got := means(); got != "stage-1=1 stage-3=-2" {
		t.Errorf("the curve's points are %q", got)
	}
	if n := eval[int](t, tab, `document.querySelectorAll('[data-testid="emotion-curve"]').length`); n != 5 {
		t.Errorf("%d cells draw the curve, want the 5 of the emotion lane", n)
	}

	focusEl(t, tab, cardSel("e-2"))
	keys(t, tab, "+", "+")
	announced(t, tab, "the new score", "Emotion: -1")
	waitFor(t, tab, "the curve to rise", `document.querySelector('td[data-stage-id="stage-3"] [data-testid="emotion-point"]')?.dataset.mean === "-1"`)
	waitFor(t, tab, "the text to follow", `document.querySelector('[data-testid="emotion-summary"]').textContent.includes("-1")`)
	focusEl(t, tab, cardSel("e-1"))
	keys(t, tab, "+", "+")
	keys(t, tab, "+ again", "+")
	announced(t, tab, "the limit", "already +2")
	waitFor(t, tab, "the first point at +2", `document.querySelector('td[data-stage-id="stage-1"] [data-testid="emotion-point"]')?.dataset.mean === "2"`)
	if got := means(); got != "stage-1=2 stage-3=-1" {
		t.Errorf("the curve's points are %q", got)
	}
	// The mouse does the same with the card's buttons.
	run(t, tab, "clicking -", waitLive, chromedp.Click(chromedp.CSS(cardSel("e-1")+` [data-testid="emotion-lower"]`)))
	waitFor(t, tab, "the first point at +1", `document.querySelector('td[data-stage-id="stage-1"] [data-testid="emotion-point"]')?.dataset.mean === "1"`)
	run(t, tab, "clicking + twice", waitLive,
		chromedp.Click(chromedp.CSS(cardSel("e-1")+` [data-testid="emotion-raise"]`)),
		chromedp.Click(chromedp.CSS(cardSel("e-1")+` [data-testid="emotion-raise"]`)))
	waitFor(t, tab, "the first point back at +2", `document.querySelector('td[data-stage-id="stage-1"] [data-testid="emotion-point"]')?.dataset.mean === "2"`)
	if n := eval[int](t, tab, `document.querySelectorAll('tr[data-role="emotion"] .card [data-testid="emotion-raise"]').length`); n != 2 {
		t.Errorf("%d cards of the emotion lane have a + button, want 2", n)
	}
	if n := eval[int](t, tab, `document.querySelectorAll('tr:not([data-role="emotion"]) [data-emotion-buttons]').length`); n != 0 {
		t.Errorf("%d cards outside the emotion lane have emotion buttons", n)
	}

	// + on a card of another lane changes nothing: once a later change is through, the
	// server holds no score for it.
	id := addCardByKeyboard(t, tab, cellSel("stage-2", "lane-1"), "Ad")
	focusEl(t, tab, cardSel(id))
	keys(t, tab, "+", "+")
	focusEl(t, tab, cardSel("e-1"))
	keys(t, tab, "-", "-")
	waitFor(t, tab, "the first point at +1", `document.querySelector('td[data-stage-id="stage-1"] [data-testid="emotion-point"]')?.dataset.mean === "1"`)
	got, err := n.store.FindBoard(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Cards[id]; c == nil || c.Emotion != 0 {
		t.Errorf("the card outside the emotion lane is %+v, want it kept with no score", c)
	}
}
