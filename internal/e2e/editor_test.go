package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
)

// cellSel selects the grid cell of a stage and a lane.
func cellSel(stage, lane string) string {
	return fmt.Sprintf(`td.cell[data-stage-id=%q][data-lane-id=%q]`, stage, lane)
}

// openEditable opens the board in the tab and waits until it is live and editable.
func openEditable(t testing.TB, tab context.Context, url string) {
	t.Helper()
	run(t, tab, "opening the board", waitLive,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, tab, "connected")
	waitFor(t, tab, "the editor to start", `document.querySelector('td.cell[tabindex="0"]') !== null`)
}

// waitFor polls a JavaScript condition in the tab.
func waitFor(t testing.TB, tab context.Context, what, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](cond))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// focusEl gives the keyboard focus to the element selected.
func focusEl(t testing.TB, tab context.Context, sel string) {
	t.Helper()
	if !eval[bool](t, tab, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.focus(); return document.activeElement === el; })()`, sel)) {
		t.Fatalf("cannot focus %s", sel)
	}
}

// keys types keys in the tab, to the focused element.
func keys(t testing.TB, tab context.Context, what, k string, opts ...chromedp.KeyOption) {
	t.Helper()
	run(t, tab, what, waitLive, chromedp.KeyEvent(k, opts...))
}

// cardWithText returns the id of the card of a cell whose text is text, waiting for it.
func cardWithText(t *testing.T, tab context.Context, cell, text string) string {
	t.Helper()
	expr := fmt.Sprintf(`[...document.querySelectorAll(%q)].find((c) => c.querySelector(".card-text")?.textContent === %q)?.dataset.cardId ?? ""`,
		cell+" > .card", text)
	waitFor(t, tab, fmt.Sprintf("a card %q in %s", text, cell), "("+expr+`) !== ""`)
	return eval[string](t, tab, expr)
}

// addCardByKeyboard adds a card to a cell as a person would: focus the cell, press n,
// type, press Enter. It returns the new card's id.
func addCardByKeyboard(t *testing.T, tab context.Context, cell, text string) string {
	t.Helper()
	focusEl(t, tab, cell)
	keys(t, tab, "pressing n", "n")
	waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	if v := eval[string](t, tab, `document.activeElement.value`); v != "" {
		t.Fatalf("the new card's editor holds %q, want it empty", v)
	}
	keys(t, tab, "typing the card's text", text)
	keys(t, tab, "pressing Enter", kb.Enter)
	id := cardWithText(t, tab, cell, text)
	if n := eval[int](t, tab, `document.querySelectorAll("textarea.card-editor").length`); n != 0 {
		t.Errorf("%d card editors still open after Enter", n)
	}
	return id
}

// cellOf returns "stage/lane" of the card, or "" when the page does not show it.
func cellOf(t testing.TB, tab context.Context, id string) string {
	t.Helper()
	return eval[string](t, tab, fmt.Sprintf(`(() => { const td = document.querySelector(%q)?.closest("td.cell"); return td ? td.dataset.stageId + "/" + td.dataset.laneId : ""; })()`, cardSel(id)))
}

func waitCell(t testing.TB, tab context.Context, id, want string) {
	t.Helper()
	waitFor(t, tab, fmt.Sprintf("card %s in %q", id, want), fmt.Sprintf(
		`(() => { const td = document.querySelector(%q)?.closest("td.cell"); return (td ? td.dataset.stageId + "/" + td.dataset.laneId : "") === %q; })()`, cardSel(id), want))
}

func waitText(t testing.TB, tab context.Context, id, want string) {
	t.Helper()
	waitFor(t, tab, fmt.Sprintf("card %s to read %q", id, want), fmt.Sprintf(
		`document.querySelector(%q)?.textContent === %q`, cardSel(id)+" .card-text", want))
}

// TestEditor has two people edit one board in two tabs, by keyboard: each sees the
// other's edits, the soft lock shows, and undo takes back only one's own edits.
func TestEditor(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	openEditable(t, tabA, url)
	openEditable(t, tabB, url)

	// A adds a card by keyboard; B sees it.
	cell11, cell31 := cellSel("stage-1", "lane-1"), cellSel("stage-3", "lane-1")
	id := addCardByKeyboard(t, tabA, cell11, "Flyer")
	if focused := eval[string](t, tabA, `document.activeElement?.dataset?.cardId ?? ""`); focused != id {
		t.Errorf("after Enter the focus is on %q, want the new card %s", focused, id)
	}
	waitText(t, tabB, id, "Flyer")
	waitCell(t, tabB, id, "stage-1/lane-1")

	// B edits its text; while B types, A sees who is editing and cannot open the editor.
	focusEl(t, tabB, cardSel(id))
	keys(t, tabB, "pressing Enter on the card", kb.Enter)
	waitFor(t, tabB, "B's card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	if v := eval[string](t, tabB, `document.activeElement.value`); v != "Flyer" {
		t.Errorf("the editor holds %q, want the card's text", v)
	}
	waitFor(t, tabA, "the lock to show in A", fmt.Sprintf(`(document.querySelector(%q)?.dataset.lockedBy ?? "").endsWith("is editing")`, cardSel(id)))
	focusEl(t, tabA, cardSel(id))
	keys(t, tabA, "pressing Enter on a locked card", kb.Enter)
	if n := eval[int](t, tabA, `document.querySelectorAll("textarea.card-editor").length`); n != 0 {
		t.Errorf("A opened an editor on the card B is editing")
	}
	waitFor(t, tabA, "the lock to be announced", `document.querySelector('[data-testid="editor-announce"]').textContent.endsWith("is editing")`)

	eval[chromedp.Void](t, tabB, `document.activeElement.select()`)
	keys(t, tabB, "typing the new text", "Flyer, A5")
	// The board changes meanwhile: B's page swaps in the new board and keeps the editor,
	// what is typed in it and the focus.
	postOps(t, n, b.ID, cardOp("c-other", "stage-5", "lane-2", "V", "Meanwhile"))
	waitText(t, tabB, "c-other", "Meanwhile")
	if v := eval[[]any](t, tabB, fmt.Sprintf(`[document.activeElement.matches("textarea.card-editor"), document.activeElement.value, !!document.activeElement.closest(%q)]`, cardSel(id))); v[0] != true || v[1] != "Flyer, A5" || v[2] != true {
		t.Errorf("after a swap B's editor is %v, want it focused, holding the text, in the card", v)
	}
	keys(t, tabB, "saving", kb.Enter)
	waitText(t, tabA, id, "Flyer, A5")
	waitFor(t, tabA, "the lock to go", fmt.Sprintf(`document.querySelector(%q)?.dataset.lockedBy === undefined`, cardSel(id)))

	// A moves it to the next stage with Alt+ArrowRight; B sees it there.
	focusEl(t, tabA, cardSel(id))
	keys(t, tabA, "pressing Alt+ArrowRight", kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt))
	waitCell(t, tabA, id, "stage-2/lane-1")
	waitCell(t, tabB, id, "stage-2/lane-1")
	if focused := eval[string](t, tabA, `document.activeElement?.dataset?.cardId ?? ""`); focused != id {
		t.Errorf("after the move the focus is on %q, want the card moved", focused)
	}

	// B adds a card of its own; the board changes while its editor is open.
	focusEl(t, tabB, cell31)
	keys(t, tabB, "pressing n", "n")
	waitFor(t, tabB, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	keys(t, tabB, "typing", "B's ")
	postOps(t, n, b.ID, cardOp("c-other2", "stage-5", "lane-2", "W", "Meanwhile again"))
	waitText(t, tabB, "c-other2", "Meanwhile again")
	keys(t, tabB, "typing on", "card")
	keys(t, tabB, "saving", kb.Enter)
	idB := cardWithText(t, tabB, cell31, "B's card")
	waitText(t, tabA, idB, "B's card")

	// A undoes: its last own edit (the move) goes back; B's text and B's card stay.
	keys(t, tabA, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitCell(t, tabB, id, "stage-1/lane-1")
	waitCell(t, tabA, id, "stage-1/lane-1")
	if got := eval[string](t, tabB, fmt.Sprintf(`document.querySelector(%q)?.textContent`, cardSel(id)+" .card-text")); got != "Flyer, A5" {
		t.Errorf("after A's undo the card reads %q, want B's text kept", got)
	}
	// Again: A's card is not taken back, as B has rewritten it (docs/undo.md); A is told.
	keys(t, tabA, "pressing Ctrl+Z again", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	announced(t, tabA, "the undo to be refused", "changed this card's text since.")
	if got := cellOf(t, tabB, idB); got != "stage-3/lane-1" {
		t.Errorf("B's card is in %q after A's undo, want stage-3/lane-1", got)
	}
	// Redo moves A's card again.
	keys(t, tabA, "pressing Ctrl+Shift+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl, chromedp.ModifierShift))
	waitCell(t, tabB, id, "stage-2/lane-1")
	waitText(t, tabB, id, "Flyer, A5")

	// Hostile text typed in a card is shown as text, in both tabs.
	idH := addCardByKeyboard(t, tabA, cellSel("stage-2", "lane-2"), hostileText)
	waitText(t, tabB, idH, hostileText)
	for _, tab := range []context.Context{tabA, tabB} {
		if imgs := eval[int](t, tab, `document.querySelectorAll("article.board img").length`); imgs != 0 {
			t.Errorf("the board holds %d img elements: card text became markup", imgs)
		}
		if pwned := eval[string](t, tab, `typeof window.__pwned`); pwned != "undefined" {
			t.Errorf("window.__pwned is %s: card text ran", pwned)
		}
	}

	// B deletes it with the Delete key; A sees it go.
	focusEl(t, tabB, cardSel(idH))
	keys(t, tabB, "pressing Delete", kb.Delete)
	waitFor(t, tabA, "the deleted card to go", fmt.Sprintf(`document.querySelector(%q) === null`, cardSel(idH)))

	// The × button deletes without leaving the page.
	eval[chromedp.Void](t, tabA, `window.__samePage = true`)
	eval[chromedp.Void](t, tabA, fmt.Sprintf(`document.querySelector(%q).click()`, cardSel(idB)+" .card-delete button"))
	waitFor(t, tabB, "the card deleted by its button to go", fmt.Sprintf(`document.querySelector(%q) === null`, cardSel(idB)))
	if same := eval[bool](t, tabA, `window.__samePage === true`); !same {
		t.Errorf("the delete button left the page")
	}

	// Arrow keys move between cells; ? shows the help, Escape hides it.
	focusEl(t, tabA, cell11)
	keys(t, tabA, "pressing ArrowRight", kb.ArrowRight)
	keys(t, tabA, "pressing ArrowDown", kb.ArrowDown)
	got := eval[string](t, tabA, `(() => { const el = document.activeElement; return el.matches("td.cell") ? el.dataset.stageId + "/" + el.dataset.laneId : el.outerHTML.slice(0, 80); })()`)
	if got != "stage-2/lane-2" {
		t.Errorf("after ArrowRight and ArrowDown the focus is on %s, want the cell stage-2/lane-2", got)
	}
	if stops := eval[int](t, tabA, `document.querySelectorAll('td.cell[tabindex="0"], .card[tabindex="0"]').length`); stops != 1 {
		t.Errorf("the grid has %d tab stops, want 1", stops)
	}
	keys(t, tabA, "pressing ?", "?")
	waitFor(t, tabA, "the help", `!document.querySelector('[data-testid="editor-help"]').hidden`)
	help := eval[string](t, tabA, `document.querySelector('[data-testid="editor-help"]').textContent`)
	if !strings.Contains(help, "Undo") || strings.Contains(help, "editor.") {
		t.Errorf("the help reads %q, want the shortcuts in English", help)
	}
	keys(t, tabA, "pressing Escape", kb.Escape)
	waitFor(t, tabA, "the help to close", `document.querySelector('[data-testid="editor-help"]').hidden`)
}

// TestEditorRejected edits a card while the page is cut off, and has the card deleted
// meanwhile: when the page is back, the server refuses the edit, the page says why and
// shows the board as it is.
func TestEditorRejected(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-doomed", "stage-1", "lane-1", "V", "Doomed"))
	tab := newTab(t)
	watchConsole(t, tab, true)
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	waitText(t, tab, "c-doomed", "Doomed")

	n.live.cut()
	waitState(t, tab, "reconnecting", "offline")
	focusEl(t, tab, cardSel("c-doomed"))
	keys(t, tab, "pressing Enter on the card", kb.Enter)
	waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	eval[chromedp.Void](t, tab, `document.activeElement.select()`)
	keys(t, tab, "typing", "Saved later")
	keys(t, tab, "saving", kb.Enter)
	waitText(t, tab, "c-doomed", "Saved later") // shown before the server has it

	postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c-doomed"})
	n.live.restore()
	waitState(t, tab, "connected")
	waitFor(t, tab, "the refusal to be announced",
		`document.querySelector('[data-testid="editor-announce"]').textContent.includes("does not exist")`)
	waitFor(t, tab, "the card to go", fmt.Sprintf(`document.querySelector(%q) === null`, cardSel("c-doomed")))
	if live := eval[string](t, tab, `document.querySelector('[data-testid="editor-announce"]').getAttribute("aria-live")`); live != "assertive" {
		t.Errorf("the announcement's aria-live = %q, want assertive", live)
	}
}

// TestEditorMouse adds a card by clicking an empty cell, opens and cancels its editor by
// double-click and Escape, and drags it to another cell.
func TestEditorMouse(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t)
	watchConsole(t, tab, false)
	url := n.url + "/boards/" + b.ID + "?lang=fr"
	openEditable(t, tab, url)

	cell := cellSel("stage-4", "lane-5")
	run(t, tab, "clicking an empty cell", waitLive, chromedp.Click(chromedp.CSS(cell)))
	waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	if label := eval[string](t, tab, `document.activeElement.getAttribute("aria-label")`); label != "Texte de la carte" {
		t.Errorf("the editor's label = %q, want it in French", label)
	}
	keys(t, tab, "typing", "Clicked")
	keys(t, tab, "saving", kb.Enter)
	id := cardWithText(t, tab, cell, "Clicked")

	run(t, tab, "double-clicking the card", waitLive, chromedp.DoubleClick(chromedp.CSS(cardSel(id)+" .card-text")))
	waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	keys(t, tab, "typing", " more")
	keys(t, tab, "cancelling", kb.Escape)
	waitFor(t, tab, "the editor to close", `document.querySelector("textarea.card-editor") === null`)
	waitText(t, tab, id, "Clicked")

	// Drag and drop, with the events a browser fires.
	eval[chromedp.Void](t, tab, fmt.Sprintf(`(() => {
		const card = document.querySelector(%q), target = document.querySelector(%q);
		const dt = new DataTransfer();
		const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt, clientX: 1, clientY: 1 }));
		fire(card, "dragstart"); fire(target, "dragover"); fire(target, "drop"); fire(card, "dragend");
	})()`, cardSel(id), cellSel("stage-1", "lane-5")))
	waitCell(t, tab, id, "stage-1/lane-5")

	// The server has it there: a fresh page shows it so.
	openEditable(t, tab, url)
	waitCell(t, tab, id, "stage-1/lane-5")
	waitText(t, tab, id, "Clicked")
}
