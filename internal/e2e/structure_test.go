package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
)

// stageSel selects the header of a stage, laneSel the header of a lane.
func stageSel(id string) string { return fmt.Sprintf(`th.stage[data-stage-id=%q]`, id) }
func laneSel(id string) string  { return fmt.Sprintf(`tr.lane[data-lane-id=%q] > th.lane-label`, id) }

// stageNamesIn returns the names of the stage headers, left to right.
func stageNamesIn(t *testing.T, tab context.Context) []string {
	t.Helper()
	return eval[[]string](t, tab, `[...document.querySelectorAll("th.stage")].map((th) => th.textContent.trim())`)
}

// waitStages waits until the stage headers read want, left to right.
func waitStages(t *testing.T, tab context.Context, want ...string) {
	t.Helper()
	waitFor(t, tab, fmt.Sprintf("the stages to be %v", want), fmt.Sprintf(
		`JSON.stringify([...document.querySelectorAll("th.stage")].map((th) => th.textContent.trim())) === %q`, jsonList(want)))
}

// waitLanes waits until the lane labels read want, top to bottom.
func waitLanes(t *testing.T, tab context.Context, want ...string) {
	t.Helper()
	waitFor(t, tab, fmt.Sprintf("the lanes to be %v", want), fmt.Sprintf(
		`JSON.stringify([...document.querySelectorAll("tr.lane .lane-name")].map((s) => s.textContent.trim())) === %q`, jsonList(want)))
}

// openStructure opens the board in the tab and waits until its structure is editable.
func openStructure(t *testing.T, tab context.Context, url string) {
	t.Helper()
	openEditable(t, tab, url)
	waitFor(t, tab, "the structure editor to start", `document.querySelector("article.board[data-structure]") !== null`)
}

// mustFind reads the board from the store, as the server has it.
func mustFind(t testing.TB, n *node, id string) *blueprint.Board {
	t.Helper()
	b, err := n.store.FindBoard(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// confirmDialog waits for the confirmation dialog, checks its text holds want, and
// presses its Delete button (ok) or Cancel.
func confirmDialog(t *testing.T, tab context.Context, want string, ok bool) {
	t.Helper()
	waitFor(t, tab, "the confirmation dialog", `document.querySelector('[data-testid="confirm"]').open === true`)
	if got := eval[string](t, tab, `document.querySelector('[data-confirm-text]').textContent`); got != want {
		t.Errorf("the confirmation reads %q, want %q", got, want)
	}
	if f := eval[string](t, tab, `document.activeElement?.dataset.testid ?? ""`); f != "confirm-cancel" {
		t.Errorf("the confirmation opens with the focus on %q, want its Cancel button", f)
	}
	if ok {
		keys(t, tab, "Tab to Delete", kb.Tab)
	}
	keys(t, tab, "pressing Enter in the dialog", kb.Enter)
	waitFor(t, tab, "the dialog to close", `document.querySelector('[data-testid="confirm"]').open === false`)
}

// TestStructureStages adds, renames, reorders and deletes stages by keyboard and by drag
// in one tab; the other tab sees each change; undo brings a deleted stage back with its
// cards.
func TestStructureStages(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID,
		cardOp("c-1", "stage-2", "lane-1", "V", "First"),
		cardOp("c-2", "stage-2", "lane-3", "V", "Second"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	openStructure(t, tabA, url)
	openStructure(t, tabB, url)
	waitStages(t, tabA, "Discover", "Order", "Receive", "Use", "Get help")

	// Rename by keyboard: Enter opens an input, Enter saves.
	focusEl(t, tabA, stageSel("stage-1"))
	keys(t, tabA, "pressing Enter on the stage", kb.Enter)
	waitFor(t, tabA, "the stage name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	if v := eval[string](t, tabA, `document.activeElement.value`); v != "Discover" {
		t.Errorf("the input holds %q, want the stage's name", v)
	}
	eval[chromedp.Void](t, tabA, `document.activeElement.select()`)
	keys(t, tabA, "typing the new name", "Hear about us")
	keys(t, tabA, "saving", kb.Enter)
	waitStages(t, tabB, "Hear about us", "Order", "Receive", "Use", "Get help")
	waitStages(t, tabA, "Hear about us", "Order", "Receive", "Use", "Get help")
	if f := eval[string](t, tabA, `document.activeElement?.dataset.stageId ?? ""`); f != "stage-1" {
		t.Errorf("after saving, the focus is on %q, want the stage header", f)
	}

	// Escape cancels a rename (F2 opens it too).
	keys(t, tabA, "pressing F2", kb.F2)
	waitFor(t, tabA, "the stage name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	keys(t, tabA, "typing", "Nope")
	keys(t, tabA, "cancelling", kb.Escape)
	waitFor(t, tabA, "the input to close", `document.querySelector('[data-testid="stage-name-input"]') === null`)
	waitStages(t, tabA, "Hear about us", "Order", "Receive", "Use", "Get help")

	// An empty name is refused, with a message; the stage keeps its name.
	keys(t, tabA, "pressing Enter", kb.Enter)
	waitFor(t, tabA, "the stage name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	keys(t, tabA, "erasing the name", kb.Delete)
	keys(t, tabA, "saving", kb.Enter)
	waitFor(t, tabA, "the refusal to be announced", `document.querySelector('[data-testid="editor-announce"]').textContent === "A name cannot be empty: the former one is kept."`)
	waitStages(t, tabA, "Hear about us", "Order", "Receive", "Use", "Get help")

	// Alt+ArrowRight moves it one place right; the focus stays on it.
	keys(t, tabA, "pressing Alt+ArrowRight", kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt))
	waitStages(t, tabB, "Order", "Hear about us", "Receive", "Use", "Get help")
	waitStages(t, tabA, "Order", "Hear about us", "Receive", "Use", "Get help")
	if f := eval[string](t, tabA, `document.activeElement?.dataset.stageId ?? ""`); f != "stage-1" {
		t.Errorf("after the move, the focus is on %q, want the moved stage", f)
	}

	// N adds a stage after it and opens its name.
	keys(t, tabA, "pressing n", "n")
	waitFor(t, tabA, "the new stage's name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	if v := eval[string](t, tabA, `document.activeElement.value`); v != "New stage" {
		t.Errorf("the new stage's input holds %q, want the default name", v)
	}
	keys(t, tabA, "typing", "Compare")
	keys(t, tabA, "saving", kb.Enter)
	waitStages(t, tabB, "Order", "Hear about us", "Compare", "Receive", "Use", "Get help")

	// The toolbar adds one at the end.
	run(t, tabA, "clicking Add a stage", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="add-stage"]`)))
	waitFor(t, tabA, "the new stage's name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	keys(t, tabA, "typing", "Leave")
	keys(t, tabA, "saving", kb.Enter)
	waitStages(t, tabB, "Order", "Hear about us", "Compare", "Receive", "Use", "Get help", "Leave")

	// Drag "Leave" before "Order".
	eval[chromedp.Void](t, tabA, `(() => {
		const ths = [...document.querySelectorAll("th.stage")];
		const from = ths.find((th) => th.textContent.trim() === "Leave"), to = ths[0];
		const r = to.getBoundingClientRect(), dt = new DataTransfer();
		const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt, clientX: r.left + 2, clientY: r.top + 2 }));
		fire(from, "dragstart"); fire(to, "dragover"); fire(to, "drop"); fire(from, "dragend");
	})()`)
	waitStages(t, tabB, "Leave", "Order", "Hear about us", "Compare", "Receive", "Use", "Get help")

	// Delete "Order" (stage-2, two cards): the dialog says so; Cancel keeps it.
	focusEl(t, tabA, stageSel("stage-2"))
	keys(t, tabA, "pressing Delete", kb.Delete)
	confirmDialog(t, tabA, "Delete the stage “Order”? Its 2 cards will be deleted too.", false)
	if f := eval[string](t, tabA, `document.activeElement?.dataset.stageId ?? ""`); f != "stage-2" {
		t.Errorf("after cancelling, the focus is on %q, want the stage header", f)
	}
	keys(t, tabA, "pressing Delete again", kb.Delete)
	confirmDialog(t, tabA, "Delete the stage “Order”? Its 2 cards will be deleted too.", true)
	// The note is read first: it goes after a few seconds, and tab B may take a while.
	waitFor(t, tabA, "the deletion to be announced", `document.querySelector('[data-testid="editor-announce"]').textContent.startsWith("Stage deleted")`)
	waitStages(t, tabB, "Leave", "Hear about us", "Compare", "Receive", "Use", "Get help")
	waitFor(t, tabB, "the stage's cards to go", `document.querySelector('[data-card-id="c-1"], [data-card-id="c-2"]') === null`)

	// Undo brings the stage back, in its place, with its cards.
	keys(t, tabA, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitStages(t, tabB, "Leave", "Order", "Hear about us", "Compare", "Receive", "Use", "Get help")
	waitText(t, tabB, "c-1", "First")
	waitCell(t, tabB, "c-1", "stage-2/lane-1")
	waitCell(t, tabB, "c-2", "stage-2/lane-3")

	// The server has it all: a fresh page shows the same.
	openStructure(t, tabB, url)
	waitStages(t, tabB, "Leave", "Order", "Hear about us", "Compare", "Receive", "Use", "Get help")
	if got := stageNamesIn(t, tabA); len(got) != 7 {
		t.Errorf("tab A shows stages %v", got)
	}
}

// TestStructureLanes renames a lane and changes its role, reorders and deletes one, and
// switches optional lanes on and off from the Lanes panel.
func TestStructureLanes(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-1", "stage-1", "lane-5", "V", "Warehouse"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	openStructure(t, tabA, url)
	openStructure(t, tabB, url)
	waitLanes(t, tabA, "Physical evidence", "Customer actions", "Frontstage", "Backstage", "Support processes")

	// From the first cell, ArrowLeft reaches the lane's header; Enter opens its editor.
	focusEl(t, tabA, cellSel("stage-1", "lane-3"))
	keys(t, tabA, "pressing ArrowLeft", kb.ArrowLeft)
	if f := eval[string](t, tabA, `document.activeElement?.closest("tr.lane")?.dataset.laneId ?? ""`); f != "lane-3" {
		t.Fatalf("ArrowLeft from the first cell went to %q, want the lane header of lane-3", f)
	}
	keys(t, tabA, "pressing Enter", kb.Enter)
	waitFor(t, tabA, "the lane label input", `document.activeElement?.dataset.testid === "lane-name-input"`)
	if shown := eval[string](t, tabA, `[...document.activeElement.closest("th").querySelectorAll(":scope > span")].filter((s) => s.offsetParent !== null).map((s) => s.textContent).join("|")`); shown != "" {
		t.Errorf("while the lane is edited its header still shows %q besides the editor", shown)
	}
	eval[chromedp.Void](t, tabA, `document.activeElement.select()`)
	keys(t, tabA, "typing", "Counter staff")
	keys(t, tabA, "Tab to the role", kb.Tab)
	if f := eval[string](t, tabA, `document.activeElement?.dataset.testid ?? ""`); f != "lane-role-select" {
		t.Fatalf("Tab from the label went to %q, want the role select", f)
	}
	eval[chromedp.Void](t, tabA, `document.activeElement.value = "backstage"`)
	keys(t, tabA, "saving", kb.Enter)
	waitLanes(t, tabB, "Physical evidence", "Customer actions", "Counter staff", "Backstage", "Support processes")
	waitFor(t, tabB, "the new role", `document.querySelector('tr.lane[data-lane-id="lane-3"]').dataset.role === "backstage"`)

	// Alt+ArrowUp moves it up.
	focusEl(t, tabA, laneSel("lane-3"))
	keys(t, tabA, "pressing Alt+ArrowUp", kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt))
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage", "Support processes")

	// Deleting the support lane says it takes its card.
	focusEl(t, tabA, laneSel("lane-5"))
	keys(t, tabA, "pressing Delete", kb.Delete)
	confirmDialog(t, tabA, "Delete the lane “Support processes”? Its 1 card will be deleted too.", true)
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage")
	waitFor(t, tabB, "the lane's card to go", `document.querySelector('[data-card-id="c-1"]') === null`)

	// The Lanes panel switches the emotion lane on (a new lane, named by its role) ...
	run(t, tabA, "opening the Lanes panel", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="lanes-toggle"]`)))
	waitFor(t, tabA, "the panel", `!document.querySelector('[data-testid="lanes-panel"]').hidden`)
	if exp := eval[string](t, tabA, `document.querySelector('[data-testid="lanes-toggle"]').getAttribute("aria-expanded")`); exp != "true" {
		t.Errorf("the Lanes button's aria-expanded = %q, want true", exp)
	}
	emotion := `input[data-optional-role="emotion"]`
	if eval[bool](t, tabA, fmt.Sprintf(`document.querySelector(%q).checked`, emotion)) {
		t.Errorf("the emotion lane is checked on a board without one")
	}
	run(t, tabA, "checking Emotion", waitLive, chromedp.Click(chromedp.CSS(emotion)))
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage", "Emotion")
	laneID := eval[string](t, tabB, `document.querySelector('tr.lane[data-role="emotion"]').dataset.laneId`)
	// ... off (hidden, not deleted: its cards stay) ...
	postOps(t, n, b.ID, cardOp("c-feel", "stage-1", laneID, "V", "Happy"))
	waitText(t, tabA, "c-feel", "Happy")
	run(t, tabA, "unchecking Emotion", waitLive, chromedp.Click(chromedp.CSS(emotion)))
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage")
	if l := mustFind(t, n, b.ID).Lanes[laneID]; l == nil || !l.Hidden {
		t.Errorf("the emotion lane on the server is %+v, want it kept and hidden", l)
	}
	// ... and on again: the same lane comes back, with its card.
	waitFor(t, tabA, "the box to be unchecked", fmt.Sprintf(`document.querySelector(%q).checked === false`, emotion))
	run(t, tabA, "checking Emotion again", waitLive, chromedp.Click(chromedp.CSS(emotion)))
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage", "Emotion")
	waitText(t, tabB, "c-feel", "Happy")
	if n := eval[int](t, tabB, `document.querySelectorAll('tr.lane[data-role="emotion"]').length`); n != 1 {
		t.Errorf("%d emotion lanes, want the one switched on again", n)
	}
	// Undo hides it again: the toggle is one step of the history.
	keys(t, tabA, "pressing Escape to leave the panel", kb.Escape)
	if f := eval[string](t, tabA, `document.activeElement?.dataset.testid ?? ""`); f != "lanes-toggle" {
		t.Errorf("Escape in the panel left the focus on %q, want the Lanes button", f)
	}
	keys(t, tabA, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage")

	// The toolbar adds a lane at the bottom, of the custom role, and opens its label.
	run(t, tabA, "clicking Add a lane", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="add-lane"]`)))
	waitFor(t, tabA, "the new lane's label input", `document.activeElement?.dataset.testid === "lane-name-input"`)
	if v := eval[string](t, tabA, `document.activeElement.value`); v != "New lane" {
		t.Errorf("the new lane's input holds %q, want the default label", v)
	}
	keys(t, tabA, "typing", "Partners")
	keys(t, tabA, "saving", kb.Enter)
	waitLanes(t, tabB, "Physical evidence", "Counter staff", "Customer actions", "Backstage", "Partners")
	waitFor(t, tabB, "the new lane's role", `[...document.querySelectorAll("tr.lane")].at(-1).dataset.role === "custom"`)

	// A click on a header opens its editor too; Escape leaves it as it was. (The header is
	// brought to the middle of the grid first: the new lane's header, focused, scrolled the
	// grid, and the sticky stage headings may cover the first lane.)
	eval[chromedp.Void](t, tabA, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, laneSel("lane-1")))
	run(t, tabA, "clicking a lane header", waitLive, chromedp.Click(chromedp.CSS(laneSel("lane-1"))))
	waitFor(t, tabA, "the lane label input", `document.activeElement?.dataset.testid === "lane-name-input"`)
	keys(t, tabA, "typing", "x")
	keys(t, tabA, "cancelling", kb.Escape)
	waitFor(t, tabA, "the editor to close", `document.querySelector('[data-testid="lane-name-input"]') === null`)
	waitLanes(t, tabA, "Physical evidence", "Counter staff", "Customer actions", "Backstage", "Partners")

	// Drag "Partners" above "Physical evidence".
	eval[chromedp.Void](t, tabA, `(() => {
		const ths = [...document.querySelectorAll("tr.lane > th.lane-label")];
		const from = ths.at(-1), to = ths[0];
		const r = to.getBoundingClientRect(), dt = new DataTransfer();
		const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt, clientX: r.left + 2, clientY: r.top + 2 }));
		fire(from, "dragstart"); fire(to, "dragover"); fire(to, "drop"); fire(from, "dragend");
	})()`)
	waitLanes(t, tabB, "Partners", "Physical evidence", "Counter staff", "Customer actions", "Backstage")
}

// TestStructureTeams creates a team in place, sets a card's team and kind by keyboard,
// and filters the board by team from the legend; the filter survives a swap caused by
// the other tab, and a read-only reader may use it too.
func TestStructureTeams(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID,
		teamOp("t-sales", "Sales", "#2563eb"),
		cardOp("c-1", "stage-1", "lane-1", "V", "Ours"),
		cardOp("c-2", "stage-1", "lane-2", "V", "Theirs"),
		cardTeamOp("c-2", "t-sales"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	openStructure(t, tabA, url)
	openStructure(t, tabB, url)

	// A creates the team "Logistics" from the Teams panel.
	run(t, tabA, "opening the Teams panel", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="teams-toggle"]`)))
	waitFor(t, tabA, "the team rows", `document.querySelectorAll('[data-team-rows] > li').length === 1`)
	run(t, tabA, "naming the team", waitLive,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="add-team"] input[name="name"]`), "Logistics"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="add-team"] input[name="color"]`), "#059669"))
	keys(t, tabA, "pressing Enter to add", kb.Enter)
	waitFor(t, tabB, "the new team in the legend", `[...document.querySelectorAll('[data-testid="team"]')].map((li) => li.textContent.trim()).join("|") === "Logistics|Sales"`)
	teamID := eval[string](t, tabB, `[...document.querySelectorAll('button[data-team-filter]')].find((b) => b.textContent.trim() === "Logistics").dataset.teamFilter`)
	if c := eval[string](t, tabB, fmt.Sprintf(`getComputedStyle(document.querySelector('button[data-team-filter=%q]')).getPropertyValue("--team").trim()`, teamID)); c != "#059669" {
		t.Errorf("the legend's colour for Logistics = %q, want #059669", c)
	}

	// A sets card c-1's team by keyboard: t opens the list, ArrowDown, Enter.
	focusEl(t, tabA, cardSel("c-1"))
	keys(t, tabA, "pressing t", "t")
	waitFor(t, tabA, "the team list", `document.activeElement?.dataset.testid === "card-team-list"`)
	opts := eval[string](t, tabA, `[...document.activeElement.querySelectorAll('[role="option"]')].map((o) => o.textContent).join("|")`)
	if opts != "No team|Logistics|Sales" {
		t.Errorf("the team list offers %q", opts)
	}
	keys(t, tabA, "ArrowDown", kb.ArrowDown)
	keys(t, tabA, "Enter", kb.Enter)
	waitFor(t, tabB, "card c-1 to belong to Logistics", fmt.Sprintf(`document.querySelector('[data-card-id="c-1"]').dataset.team === %q`, teamID))
	if f := eval[string](t, tabA, `document.activeElement?.dataset.cardId ?? ""`); f != "c-1" {
		t.Errorf("after choosing, the focus is on %q, want the card", f)
	}
	// k sets its kind.
	keys(t, tabA, "pressing k", "k")
	waitFor(t, tabA, "the kind list", `document.activeElement?.dataset.testid === "card-kind-list"`)
	keys(t, tabA, "ArrowDown", kb.ArrowDown)
	keys(t, tabA, "Enter", kb.Enter)
	waitFor(t, tabB, "card c-1 to be a touchpoint", `document.querySelector('[data-card-id="c-1"]').classList.contains("kind-touchpoint")`)

	// Escape closes the list without a change.
	keys(t, tabA, "pressing t", "t")
	waitFor(t, tabA, "the team list", `document.activeElement?.dataset.testid === "card-team-list"`)
	keys(t, tabA, "ArrowDown", kb.ArrowDown)
	keys(t, tabA, "Escape", kb.Escape)
	waitFor(t, tabA, "the list to close", `document.querySelector('[data-testid="card-popup"]') === null`)

	// With the mouse: the card's ▾ button opens the lists; a click on a kind chooses it.
	run(t, tabA, "clicking the card's menu button", waitLive, chromedp.Click(chromedp.CSS(cardSel("c-1")+" button[data-card-menu]")))
	waitFor(t, tabA, "the team list", `document.activeElement?.dataset.testid === "card-team-list"`)
	run(t, tabA, "clicking Pain point", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="card-kind-list"] [data-value="pain_point"]`)))
	waitFor(t, tabB, "card c-1 to be a pain point", `document.querySelector('[data-card-id="c-1"]').classList.contains("kind-pain_point")`)
	waitFor(t, tabA, "the lists to close", `document.querySelector('[data-testid="card-popup"]') === null`)

	// B highlights Logistics from the legend, with the keyboard.
	focusEl(t, tabB, fmt.Sprintf(`button[data-team-filter=%q]`, teamID))
	keys(t, tabB, "pressing Space", " ")
	dimmed := func(tab context.Context) string {
		return eval[string](t, tab, `[...document.querySelectorAll(".card")].map((c) => c.dataset.cardId + (c.classList.contains("dimmed") ? ":dim:" + (c.getAttribute("aria-description") ?? "") : "")).sort().join("|")`)
	}
	waitFor(t, tabB, "the filter", `document.querySelector("article.board").dataset.teamFilter !== undefined`)
	if got, want := dimmed(tabB), "c-1|c-2:dim:Another team's card"; got != want {
		t.Errorf("with Logistics highlighted the cards are %q, want %q", got, want)
	}
	if p := eval[string](t, tabB, fmt.Sprintf(`document.querySelector('button[data-team-filter=%q]').getAttribute("aria-pressed")`, teamID)); p != "true" {
		t.Errorf("the pressed team's aria-pressed = %q", p)
	}
	waitFor(t, tabB, "the filter to be announced", `document.querySelector("[data-filter-status]").textContent.startsWith("Highlighting the cards of Logistics")`)

	// A's edit (a new card of Sales) swaps B's board: the filter holds, the new card is dimmed.
	postOps(t, n, b.ID, cardOp("c-3", "stage-2", "lane-1", "V", "New"), cardTeamOp("c-3", "t-sales"))
	waitText(t, tabB, "c-3", "New")
	waitFor(t, tabB, "the new card to be dimmed", `document.querySelector('[data-card-id="c-3"]').classList.contains("dimmed")`)
	if got, want := dimmed(tabB), "c-1|c-2:dim:Another team's card|c-3:dim:Another team's card"; got != want {
		t.Errorf("after a swap the cards are %q, want %q", got, want)
	}
	if p := eval[string](t, tabB, fmt.Sprintf(`document.querySelector('button[data-team-filter=%q]').getAttribute("aria-pressed")`, teamID)); p != "true" {
		t.Errorf("after a swap the pressed team's aria-pressed = %q", p)
	}
	// The filter is B's alone.
	if f := eval[bool](t, tabA, `document.querySelector(".card.dimmed") === null`); !f {
		t.Errorf("A's board is dimmed by B's filter")
	}
	// A second press clears it.
	run(t, tabB, "clicking the team again", waitLive, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-team-filter=%q]`, teamID))))
	waitFor(t, tabB, "the filter to clear", `document.querySelector(".card.dimmed") === null`)

	// A renames and recolours Sales, then deletes it; undo gives its cards back.
	salesRow := `[data-team-rows] > li[data-team="t-sales"]`
	run(t, tabA, "renaming Sales", waitLive, chromedp.SetValue(chromedp.CSS(salesRow+" [data-team-name]"), "Sales team"))
	eval[chromedp.Void](t, tabA, fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, salesRow+" [data-team-name]"))
	eval[chromedp.Void](t, tabA, fmt.Sprintf(`(() => { const c = document.querySelector(%q); c.value = "#dc2626"; c.dispatchEvent(new Event("change", {bubbles: true})); })()`, salesRow+" [data-team-color]"))
	waitFor(t, tabB, "the renamed team", `document.querySelector('button[data-team-filter="t-sales"]')?.textContent.trim() === "Sales team"`)
	waitFor(t, tabB, "the new colour", `getComputedStyle(document.querySelector('button[data-team-filter="t-sales"]')).getPropertyValue("--team").trim() === "#dc2626"`)
	run(t, tabA, "deleting Sales", waitLive, chromedp.Click(chromedp.CSS(salesRow+" [data-team-delete]")))
	confirmDialog(t, tabA, "Delete the team “Sales team”? Its 2 cards will have no team.", true)
	waitFor(t, tabB, "the team to go", `document.querySelector('button[data-team-filter="t-sales"]') === null`)
	waitFor(t, tabB, "its cards to lose it", `document.querySelector('[data-card-id="c-2"]').dataset.team === ""`)
	focusEl(t, tabA, cardSel("c-1")) // in a text field, Ctrl+Z undoes the typing
	keys(t, tabA, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tabB, "the team's cards back", `document.querySelector('[data-card-id="c-2"]').dataset.team === "t-sales" && document.querySelector('[data-card-id="c-3"]').dataset.team === "t-sales"`)
}

// A deletion confirmed, then asked again at once on the same header before the dialog's
// close event came (a quick second Delete): the first answer deletes the stage, once, the
// focus goes to the next header, and no question is asked about a stage that is gone.
func TestStructureDeleteAskedAgainAtOnce(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t)
	watchConsole(t, tab, false)
	openStructure(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	before := eval[int](t, tab, `document.querySelectorAll("th.stage").length`)
	focusEl(t, tab, stageSel("stage-1"))
	keys(t, tab, "pressing Delete", kb.Delete)
	waitFor(t, tab, "the confirmation dialog", `document.querySelector('[data-testid="confirm"]').open === true`)
	// In one task, so before the close event: Delete in the dialog, then Delete on the header.
	eval[chromedp.Void](t, tab, fmt.Sprintf(`(() => {
		document.querySelector('[data-testid="confirm-ok"]').click();
		document.querySelector(%q).dispatchEvent(new KeyboardEvent("keydown", { key: "Delete", bubbles: true, cancelable: true }));
	})()`, stageSel("stage-1")))
	waitFor(t, tab, "the stage to go", fmt.Sprintf(`document.querySelectorAll("th.stage").length === %d`, before-1))
	waitFor(t, tab, "the focus on the next stage", `document.activeElement?.matches("th.stage") && document.activeElement.dataset.stageId !== "stage-1"`)
	if open := eval[bool](t, tab, `document.querySelector('[data-testid="confirm"]').open`); open {
		t.Fatalf("a question was asked about a stage that is gone: %q", eval[string](t, tab, `document.querySelector('[data-confirm-text]').textContent`))
	}
	waitFor(t, tab, "the deletion announced", `document.querySelector('[data-testid="editor-announce"]').textContent.startsWith("Stage deleted")`)
	for deadline := time.Now().Add(waitLive); len(mustFind(t, n, b.ID).Stages) != before-1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server has %d stages, want %d", len(mustFind(t, n, b.ID).Stages), before-1)
		}
	}
}

// TestStructureFrench checks the structure controls speak French on a French page.
func TestStructureFrench(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-1", "stage-1", "lane-1", "V", "Un"), cardOp("c-2", "stage-1", "lane-2", "V", "Deux"))
	tab := newTab(t)
	watchConsole(t, tab, false)
	openStructure(t, tab, n.url+"/boards/"+b.ID+"?lang=fr")
	if got := eval[string](t, tab, `document.querySelector('[data-testid="structure-bar"]').textContent.replace(/\s+/g, " ").trim()`); got != "Ajouter une étape Ajouter un couloir Couloirs Équipes" {
		t.Errorf("the toolbar reads %q, want it in French", got)
	}
	focusEl(t, tab, stageSel("stage-1"))
	keys(t, tab, "pressing Delete", kb.Delete)
	confirmDialog(t, tab, "Supprimer l’étape « Discover » ? Ses 2 cartes seront supprimées aussi.", false)
	keys(t, tab, "pressing Shift+N", "N", chromedp.KeyModifiers(chromedp.ModifierShift))
	waitFor(t, tab, "the new stage's name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	if v := eval[string](t, tab, `document.activeElement.value`); v != "Nouvelle étape" {
		t.Errorf("the new stage is named %q, want it in French", v)
	}
	keys(t, tab, "saving", kb.Enter)
	waitFor(t, tab, "the new stage first", `document.querySelector("th.stage").textContent.trim() === "Nouvelle étape"`)
	keys(t, tab, "pressing ?", "?")
	help := eval[string](t, tab, `document.querySelector('[data-testid="editor-help"]').textContent`)
	for _, want := range []string{"Sur une carte : choisir son équipe responsable", "Sur l’en-tête d’une étape ou d’un couloir : le renommer"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q", want)
		}
	}
	run(t, tab, "opening the Lanes panel", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="lanes-toggle"]`)))
	if got := eval[string](t, tab, `[...document.querySelectorAll('[data-testid="lanes-panel"] label')].map((l) => l.textContent.trim()).join("|")`); got != "Émotion|Temps|Indicateurs|Règles|Points de friction|Opportunités" {
		t.Errorf("the optional lanes read %q", got)
	}
}
