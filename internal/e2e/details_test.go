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

const detailsSel = `[data-testid="details-dialog"]`

// detailsOpen is a JavaScript condition: the detail and times dialog is open.
const detailsOpen = `document.querySelector('[data-testid="details-dialog"]').open === true`

// cardShows is a JavaScript expression: what the card shows of its detail and times, as
// "detail|active|waiting" ("" for a part it does not show).
func cardShows(id string) string {
	return fmt.Sprintf(`(() => {
		const c = document.querySelector(%q);
		if (!c) return "(gone)";
		const times = [...c.querySelectorAll(".card-time")];
		return [c.querySelector(".card-detail")?.textContent ?? "",
			times.find((e) => !e.classList.contains("wait"))?.textContent ?? "",
			times.find((e) => e.classList.contains("wait"))?.textContent ?? ""].join("|");
	})()`, cardSel(id))
}

// waitShows waits for the card to show want (as cardShows says it); on a time-out it
// says what the card shows instead.
func waitShows(t *testing.T, tab context.Context, id, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](cardShows(id)+" === "+fmt.Sprintf("%q", want)))); err != nil {
		t.Fatalf("waiting for card %s to show %q: %v (it shows %q)", id, want, err, eval[string](t, tab, cardShows(id)))
	}
}

// detailsValue returns the value of a field of the dialog: detail, active or wait.
func detailsValue(t *testing.T, tab context.Context, name string) string {
	t.Helper()
	return eval[string](t, tab, fmt.Sprintf(`document.querySelector('[data-testid="details-%s"]').value`, name))
}

func detailsText(t *testing.T, tab context.Context, testid string) string {
	t.Helper()
	return eval[string](t, tab, fmt.Sprintf(`document.querySelector('[data-testid=%q]').textContent`, testid))
}

// focused is a JavaScript expression: the data-testid of the focused element.
const focused = `(document.activeElement?.dataset.testid ?? document.activeElement?.tagName)`

// openDetailsByKey focuses the card and presses d; the dialog opens with the focus in the
// detail.
func openDetailsByKey(t *testing.T, tab context.Context, id string) {
	t.Helper()
	focusEl(t, tab, cardSel(id))
	keys(t, tab, "pressing d on the card", "d")
	waitFor(t, tab, "the detail and times dialog", detailsOpen)
	waitFor(t, tab, "the focus in the detail", focused+` === "details-detail"`)
}

// waitDetailsSaved waits for the dialog to close after a save; when it stays open, it
// says what the dialog shows (its error, its fields, the focus) and the page's state.
func waitDetailsSaved(t *testing.T, tab context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool]("!("+detailsOpen+")"))); err != nil {
		t.Fatalf("the dialog stays open after saving: %v; it shows %s", err, eval[string](t, tab, `JSON.stringify({
			error: document.querySelector('[data-testid="details-error"]').textContent,
			detail: document.querySelector('[data-testid="details-detail"]').value.length,
			active: document.querySelector('[data-testid="details-active"]').value,
			wait: document.querySelector('[data-testid="details-wait"]').value,
			focus: `+focused+`,
			state: document.querySelector('[data-testid="live-status"]')?.dataset.state,
		})`))
	}
}

// selectAllAndType replaces what the focused field holds by text.
func selectAllAndType(t *testing.T, tab context.Context, what, text string) {
	t.Helper()
	eval[chromedp.Void](t, tab, `document.activeElement.select()`)
	if text == "" {
		keys(t, tab, what, kb.Delete)
		return
	}
	keys(t, tab, what, text)
}

// TestCardDetails has Ana set a card's detail and both of its times by keyboard, while
// Bea follows in another browser: Ana's page reads what she types as it will be saved,
// Bea sees the card change, and Ana's Ctrl+Z takes the whole change back. Times that are
// not durations, too long, or a detail over the limit are refused in the dialog with a
// message naming what is wrong, in English and in French, and nothing is sent.
func TestCardDetails(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-pay", "stage-2", "lane-2", "V", "Pay at the counter"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	ana, bea := newTab(t, chromedp.WithNewBrowserContext()), newTab(t, chromedp.WithNewBrowserContext())
	asPerson(t, ana, "Ana")
	asPerson(t, bea, "Bea")
	watchConsole(t, ana, false)
	watchConsole(t, bea, false)
	openStructure(t, ana, url)
	openEditable(t, bea, url)

	t.Run("ByKeyboard", func(t *testing.T) {
		openDetailsByKey(t, ana, "c-pay")
		if v := detailsValue(t, ana, "detail"); v != "" {
			t.Errorf("the detail holds %q, want it empty (the d that opened it is not typed)", v)
		}
		if got := detailsText(t, ana, "details-dialog"); !strings.Contains(got, "Card: “Pay at the counter”") {
			t.Errorf("the dialog does not name the card: %q", got)
		}
		keys(t, ana, "typing the detail", "Cash only.\nAsk for a receipt.")
		if got := detailsText(t, ana, "details-count"); got != "29 of 10,000 characters" {
			t.Errorf("the count reads %q", got)
		}
		keys(t, ana, "going to the active time", kb.Tab)
		waitFor(t, ana, "the focus on the active time", focused+` === "details-active"`)
		keys(t, ana, "typing the active time", "1h30")
		if got := detailsText(t, ana, "details-active-said"); got != "= 1 hour 30 minutes; the card shows 90 minutes" {
			t.Errorf("the active time is read as %q", got)
		}
		keys(t, ana, "going to the waiting time", kb.Tab)
		keys(t, ana, "typing the waiting time", "2 d")
		if got := detailsText(t, ana, "details-wait-said"); got != "= 2 days" {
			t.Errorf("the waiting time is read as %q", got)
		}
		keys(t, ana, "saving with Ctrl+Enter", kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitFor(t, ana, "the dialog to close", "!("+detailsOpen+")")
		want := "Cash only.\nAsk for a receipt.|Active: 90 minutes|Waiting: 2 days"
		waitShows(t, ana, "c-pay", want)
		if got := eval[string](t, ana, `document.activeElement?.dataset.cardId ?? ""`); got != "c-pay" {
			t.Errorf("after saving the focus is on %q, want the card", got)
		}
		announced(t, ana, "the save to be announced", "Detail and times saved")
		waitShows(t, bea, "c-pay", want)
		c := mustFind(t, n, b.ID).Cards["c-pay"]
		if c.Detail != "Cash only.\nAsk for a receipt." || c.ActiveMinutes != 90 || c.WaitMinutes != 2880 {
			t.Errorf("the server has the card as %+v", c)
		}

		// The dialog opens again on what the card holds, written exactly.
		openDetailsByKey(t, ana, "c-pay")
		if a, w := detailsValue(t, ana, "active"), detailsValue(t, ana, "wait"); a != "1 h 30 min" || w != "2 d" {
			t.Errorf("the dialog shows the times as %q and %q, want 1 h 30 min and 2 d", a, w)
		}
		keys(t, ana, "cancelling", kb.Escape)
		waitFor(t, ana, "the dialog to close", "!("+detailsOpen+")")
		waitFor(t, ana, "the focus back on the card", `document.activeElement?.dataset.cardId === "c-pay"`)

		// One undo takes the detail and both times back, in both pages; a redo sets them again.
		if got := undoAndHear(t, ana); got != "Undone" {
			t.Errorf("the undo says %q", got)
		}
		waitShows(t, ana, "c-pay", "||")
		waitShows(t, bea, "c-pay", "||")
		keys(t, ana, "redoing", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl|chromedp.ModifierShift))
		waitShows(t, bea, "c-pay", want)
	})

	// The card's ▾ menu, opened by t, holds the entry after its four lists (team, kind,
	// evidence, milestone) and the manual step's switch: Tab reaches it, Enter opens the
	// dialog, Escape on it closes the menu; the focus ends on the card.
	t.Run("FromTheMenuByKeyboard", func(t *testing.T) {
		focusEl(t, ana, cardSel("c-pay"))
		keys(t, ana, "pressing t", "t")
		waitFor(t, ana, "the team list", focused+` === "card-team-list"`)
		keys(t, ana, "going to the kind list", kb.Tab)
		keys(t, ana, "going to the evidence list", kb.Tab)
		keys(t, ana, "going to the milestone list", kb.Tab)
		keys(t, ana, "going to the manual switch", kb.Tab)
		keys(t, ana, "going to the entry", kb.Tab)
		waitFor(t, ana, "the focus on the entry", focused+` === "card-details-open"`)
		keys(t, ana, "pressing Escape", kb.Escape)
		waitFor(t, ana, "the menu to close", `document.querySelector('[data-testid="card-popup"]') === null`)
		waitFor(t, ana, "the focus back on the card", `document.activeElement?.dataset.cardId === "c-pay"`)

		keys(t, ana, "pressing k", "k")
		waitFor(t, ana, "the kind list", focused+` === "card-kind-list"`)
		for _, to := range []string{"the evidence list", "the milestone list", "the manual switch", "the entry"} {
			keys(t, ana, "going to "+to, kb.Tab)
		}
		waitFor(t, ana, "the focus on the entry", focused+` === "card-details-open"`)
		keys(t, ana, "pressing Enter", kb.Enter)
		waitFor(t, ana, "the dialog", detailsOpen)
		waitFor(t, ana, "the focus in the detail", focused+` === "details-detail"`)
		if v := detailsValue(t, ana, "detail"); v != "Cash only.\nAsk for a receipt." {
			t.Errorf("the detail holds %q", v)
		}
		keys(t, ana, "cancelling", kb.Escape)
		waitFor(t, ana, "the dialog to close", "!("+detailsOpen+")")
		waitFor(t, ana, "the focus back on the card", `document.activeElement?.dataset.cardId === "c-pay"`)
	})

	t.Run("Limits", func(t *testing.T) {
		seq := mustFind(t, n, b.ID).Seq
		openDetailsByKey(t, ana, "c-pay")
		keys(t, ana, "going to the active time", kb.Tab)
		selectAllAndType(t, ana, "typing what is no duration", "soon")
		if got := detailsText(t, ana, "details-active-said"); !strings.Contains(got, "is not a duration") {
			t.Errorf("under the field, %q", got)
		}
		keys(t, ana, "pressing Enter", kb.Enter)
		wantErr := "Active time: “soon” is not a duration. Write minutes (90), hours (1 h 30) or days (2 d)."
		waitFor(t, ana, "the error", fmt.Sprintf(`document.querySelector('[data-testid="details-error"]').textContent === %q`, wantErr))
		if !eval[bool](t, ana, detailsOpen+` && document.activeElement.dataset.testid === "details-active" && document.activeElement.getAttribute("aria-invalid") === "true"`) {
			t.Errorf("after a refused time the dialog is not open with the focus on the field marked invalid")
		}
		selectAllAndType(t, ana, "typing a year and more", "366 d")
		keys(t, ana, "pressing Enter", kb.Enter)
		waitFor(t, ana, "the error", `document.querySelector('[data-testid="details-error"]').textContent === "Active time: “366 d” is more than 365 days, the most a card can have."`)
		selectAllAndType(t, ana, "typing the most there is", "365 d")
		// A detail over the limit, as pasted: the count says so, and saving is refused.
		eval[chromedp.Void](t, ana, `(() => {
			const ta = document.querySelector('[data-testid="details-detail"]');
			ta.value = "é".repeat(10001);
			ta.dispatchEvent(new Event("input", {bubbles: true}));
		})()`)
		if got := detailsText(t, ana, "details-count"); got != "10,001 of 10,000 characters" {
			t.Errorf("the count reads %q", got)
		}
		keys(t, ana, "saving", kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitFor(t, ana, "the error", `document.querySelector('[data-testid="details-error"]').textContent === "The detail is 10,001 characters long; the limit is 10,000. Shorten it to save."`)
		waitFor(t, ana, "the focus on the detail", focused+` === "details-detail"`)
		keys(t, ana, "cancelling", kb.Escape)
		waitFor(t, ana, "the dialog to close", "!("+detailsOpen+")")
		if s := mustFind(t, n, b.ID).Seq; s != seq {
			t.Errorf("refused values sent ops: the board went from seq %d to %d", seq, s)
		}

		// The most: exactly 10,000 characters and 365 days.
		openDetailsByKey(t, ana, "c-pay")
		eval[chromedp.Void](t, ana, `(() => {
			const ta = document.querySelector('[data-testid="details-detail"]');
			ta.value = "é".repeat(10000);
			ta.dispatchEvent(new Event("input", {bubbles: true}));
		})()`)
		keys(t, ana, "going to the waiting time", kb.Tab)
		keys(t, ana, "going to the waiting time", kb.Tab)
		waitFor(t, ana, "the focus in the waiting time", focused+` === "details-wait"`)
		selectAllAndType(t, ana, "typing the most there is", "365 d")
		keys(t, ana, "saving", kb.Enter)
		waitDetailsSaved(t, ana)
		waitShows(t, ana, "c-pay", strings.Repeat("é", 10000)+"|Active: 90 minutes|Waiting: 365 days")
		waitShows(t, bea, "c-pay", strings.Repeat("é", 10000)+"|Active: 90 minutes|Waiting: 365 days")
		if c := mustFind(t, n, b.ID).Cards["c-pay"]; c.WaitMinutes != blueprint.MaxMinutes {
			t.Errorf("the server has the waiting time as %d", c.WaitMinutes)
		}
	})

	t.Run("French", func(t *testing.T) {
		fr := newTab(t)
		watchConsole(t, fr, false)
		openStructure(t, fr, n.url+"/boards/"+b.ID+"?lang=fr")
		openDetailsByKey(t, fr, "c-pay")
		keys(t, fr, "going to the active time", kb.Tab)
		if v := detailsValue(t, fr, "active"); v != "1 h 30 min" {
			t.Errorf("the active time reads %q", v)
		}
		if got := detailsText(t, fr, "details-count"); got != "10\u202f000 sur 10\u202f000 caractères" {
			t.Errorf("the count reads %q", got)
		}
		selectAllAndType(t, fr, "typing hours with a comma", "1,5 j")
		if got := detailsText(t, fr, "details-active-said"); got != "= 1 jour 12 heures ; la carte affiche 1 jour" {
			t.Errorf("the active time is read as %q", got)
		}
		selectAllAndType(t, fr, "typing what is no duration", "bientôt")
		keys(t, fr, "pressing Enter", kb.Enter)
		waitFor(t, fr, "the error", `document.querySelector('[data-testid="details-error"]').textContent === "Temps actif : « bientôt » n’est pas une durée. Écrivez des minutes (90), des heures (1 h 30) ou des jours (2 j)."`)
		selectAllAndType(t, fr, "typing minutes", "45")
		keys(t, fr, "pressing Enter", kb.Enter)
		waitShows(t, bea, "c-pay", strings.Repeat("é", 10000)+"|Active: 45 minutes|Waiting: 365 days")
		announced(t, fr, "the save to be announced", "Détail et durées enregistrés")
	})
}

// TestCardDetailsReopenedAtOnce closes the dialog and presses D on the card before the
// dialog's close event has come (it comes in a task of its own): the dialog reopens, and
// the late close event does not end the new editing, whose save goes through.
func TestCardDetailsReopenedAtOnce(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-pay", "stage-2", "lane-2", "V", "Pay at the counter"))
	tab := newTab(t)
	watchConsole(t, tab, false)
	openStructure(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	openDetailsByKey(t, tab, "c-pay")
	eval[chromedp.Void](t, tab, fmt.Sprintf(`(() => {
		document.querySelector('[data-testid="details-dialog"]').close();
		const card = document.querySelector(%q);
		card.focus();
		card.dispatchEvent(new KeyboardEvent("keydown", {key: "d", bubbles: true, cancelable: true}));
		// The key's end, which a real D sends to the dialog's field it opened on.
		document.activeElement.dispatchEvent(new KeyboardEvent("keyup", {key: "d", bubbles: true}));
	})()`, cardSel("c-pay")))
	// The close event of the first closing has been dispatched once a task later.
	eval[chromedp.Void](t, tab, `new Promise((resolve) => setTimeout(resolve, 50))`)
	if !eval[bool](t, tab, detailsOpen) {
		t.Fatal("the dialog did not reopen")
	}
	focusEl(t, tab, `[data-testid="details-detail"]`)
	selectAllAndType(t, tab, "typing a detail", "Reopened at once")
	keys(t, tab, "saving", kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitDetailsSaved(t, tab)
	waitShows(t, tab, "c-pay", "Reopened at once||")
}

// TestCardDetailsMouse sets a card's detail and times with the mouse: from the card's ▾
// menu, then by a double-click on the times the card shows; another tab sees them.
func TestCardDetailsMouse(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-form", "stage-3", "lane-1", "V", "Fill in the form"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tab, other := newTab(t), newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	watchConsole(t, other, false)
	openStructure(t, tab, url)
	openEditable(t, other, url)

	run(t, tab, "opening the card's menu", waitLive, chromedp.Click(chromedp.CSS(cardSel("c-form")+" [data-card-menu]")))
	waitFor(t, tab, "the card's menu", `document.querySelector('[data-testid="card-details-open"]') !== null`)
	run(t, tab, "choosing Detail and times", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="card-details-open"]`)))
	waitFor(t, tab, "the dialog", detailsOpen)
	waitFor(t, tab, "the menu to close", `document.querySelector('[data-testid="card-popup"]') === null`)
	run(t, tab, "filling in the dialog", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="details-detail"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="details-detail"]`), "Eight pages"),
		chromedp.Click(chromedp.CSS(`[data-testid="details-active"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="details-active"]`), "20 min"),
		chromedp.Click(chromedp.CSS(`[data-testid="details-wait"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="details-wait"]`), "3 h"),
		chromedp.Click(chromedp.CSS(`[data-testid="details-save"]`)))
	waitFor(t, tab, "the dialog to close", "!("+detailsOpen+")")
	want := "Eight pages|Active: 20 minutes|Waiting: 3 hours"
	waitShows(t, tab, "c-form", want)
	waitShows(t, other, "c-form", want)

	// A double-click on the waiting time opens the dialog (not the card's text editor).
	run(t, tab, "double-clicking the waiting time", waitLive, chromedp.DoubleClick(chromedp.CSS(cardSel("c-form")+" .card-time.wait")))
	waitFor(t, tab, "the dialog", detailsOpen)
	if n := eval[int](t, tab, `document.querySelectorAll("textarea.card-editor").length`); n != 0 {
		t.Errorf("the double-click opened the card's text editor too")
	}
	run(t, tab, "emptying the active time", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="details-active"]`)),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`),
		chromedp.KeyEvent(kb.Delete))
	if got := detailsText(t, tab, "details-active-said"); got != "No time" {
		t.Errorf("an empty time is read as %q", got)
	}
	run(t, tab, "cancelling", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="details-cancel"]`)))
	waitFor(t, tab, "the dialog to close", "!("+detailsOpen+")")
	run(t, tab, "double-clicking the detail", waitLive, chromedp.DoubleClick(chromedp.CSS(cardSel("c-form")+" .card-detail")))
	waitFor(t, tab, "the dialog", detailsOpen)
	run(t, tab, "emptying the active time", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="details-active"]`)),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`),
		chromedp.KeyEvent(kb.Delete),
		chromedp.Click(chromedp.CSS(`[data-testid="details-save"]`)))
	waitShows(t, other, "c-form", "Eight pages||Waiting: 3 hours")
}

// TestCardDetailsWhileOthersEdit keeps the dialog open while others change the card: the
// fields the person has not touched follow, what they typed stays, and the focus too.
// When someone deletes the card, the dialog closes and the page says who did, with the
// detail that was not saved. While someone else types the card's text, its detail is
// read-only and the times can still be changed.
func TestCardDetailsWhileOthersEdit(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-wait", "stage-1", "lane-1", "V", "Queue"), cardOp("c-lock", "stage-2", "lane-1", "V", "Locked"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tab := newTab(t)
	watchConsole(t, tab, false)
	openStructure(t, tab, url)

	openDetailsByKey(t, tab, "c-wait")
	keys(t, tab, "typing the detail", "Half typed")
	postOps(t, n, b.ID,
		blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-wait", Fields: blueprint.Fields{WaitMinutes: num(15)}},
		blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-wait",
			Fields: blueprint.Fields{Stage: str("stage-3"), Lane: str("lane-2")}},
		cardOp("c-near", "stage-3", "lane-2", "A", "Near"))
	waitCell(t, tab, "c-wait", "stage-3/lane-2")
	waitFor(t, tab, "the waiting time to follow", `document.querySelector('[data-testid="details-wait"]').value === "15 min"`)
	if got := eval[[]any](t, tab, `[document.activeElement.dataset.testid, document.activeElement.value, `+detailsOpen+`]`); got[0] != "details-detail" || got[1] != "Half typed" || got[2] != true {
		t.Errorf("after others' ops the dialog is %v, want it open with the focus in the detail holding what was typed", got)
	}

	postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c-wait"})
	waitFor(t, tab, "the dialog to close", "!("+detailsOpen+")")
	announced(t, tab, "the loss to be announced",
		"api deleted the card whose detail and times you were editing; what you changed was not saved. The detail you typed: “Half typed”")
	if got := eval[string](t, tab, `document.activeElement?.closest("article.board") ? "board" : document.activeElement?.tagName`); got != "board" {
		t.Errorf("after the dialog closed the focus is on %s, want the board", got)
	}

	// Someone else types the card's text: its detail cannot change meanwhile.
	other := newTab(t, chromedp.WithNewBrowserContext())
	asPerson(t, other, "Bo")
	openEditable(t, other, url)
	focusEl(t, other, cardSel("c-lock"))
	keys(t, other, "editing the text", kb.Enter)
	waitFor(t, tab, "the lock to show", fmt.Sprintf(`document.querySelector(%q)?.dataset.lockedBy !== undefined`, cardSel("c-lock")))
	focusEl(t, tab, cardSel("c-lock"))
	keys(t, tab, "pressing d", "d")
	waitFor(t, tab, "the dialog", detailsOpen)
	if got := eval[[]any](t, tab, `[document.querySelector('[data-testid="details-detail"]').readOnly, document.querySelector('[data-testid="details-lock"]').textContent, document.activeElement.dataset.testid]`); got[0] != true ||
		got[1] != "Bo is editing this card's text: its detail can be changed once they are done. The times can be changed now." || got[2] != "details-active" {
		t.Errorf("with the card locked the dialog is %v", got)
	}
	keys(t, tab, "typing a time", "5")
	keys(t, tab, "saving", kb.Enter)
	waitShows(t, tab, "c-lock", "|Active: 5 minutes|")
}

// TestTitleRename renames the board in place, by keyboard and by mouse: another tab
// shows the new title (heading, page title, the grid's name), an empty title is refused
// with a message, and Ctrl+Z takes a rename back.
func TestTitleRename(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tab, other := newTab(t), newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	watchConsole(t, other, false)
	openEditable(t, tab, url)
	openEditable(t, other, url)
	const heading = `[data-testid="board-title"]`
	titleIs := func(tab context.Context, want string) {
		t.Helper()
		waitFor(t, tab, fmt.Sprintf("the title %q", want), fmt.Sprintf(
			`document.querySelector(%q).textContent === %[2]q && document.title.startsWith(%[2]q) && document.querySelector('[data-testid="grid"]').getAttribute("aria-label") === %[2]q`, heading, want))
	}
	titleIs(tab, b.Title)

	t.Run("ByKeyboard", func(t *testing.T) {
		if d := eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-description")`, heading)); d != "Board title: press Enter or click to rename the board" {
			t.Errorf("the heading is described as %q", d)
		}
		focusEl(t, tab, heading)
		keys(t, tab, "pressing Enter", kb.Enter)
		waitFor(t, tab, "the title field", focused+` === "title-input"`)
		if v := eval[string](t, tab, `document.activeElement.value`); v != b.Title {
			t.Errorf("the field holds %q, want the title", v)
		}
		selectAllAndType(t, tab, "emptying the title", "")
		keys(t, tab, "pressing Enter", kb.Enter)
		announced(t, tab, "the refusal", "A board needs a title: type one, or press Esc to keep the former one.")
		if !eval[bool](t, tab, `document.activeElement.dataset.testid === "title-input" && document.activeElement.getAttribute("aria-invalid") === "true"`) {
			t.Errorf("after an empty title the field is not open, focused and marked invalid")
		}
		keys(t, tab, "typing a title", "Parking permits")
		keys(t, tab, "pressing Enter", kb.Enter)
		titleIs(tab, "Parking permits")
		titleIs(other, "Parking permits")
		if got := eval[string](t, tab, focused); got != "board-title" {
			t.Errorf("after the rename the focus is on %q, want the heading", got)
		}
		if got := mustFind(t, n, b.ID).Title; got != "Parking permits" {
			t.Errorf("the server has the title %q", got)
		}

		// The limit is in characters, as the server counts them: 200 emoji (400 UTF-16
		// units) are a title, 201 letters are refused with a message.
		keys(t, tab, "pressing Enter", kb.Enter)
		waitFor(t, tab, "the title field", focused+` === "title-input"`)
		eval[chromedp.Void](t, tab, fmt.Sprintf(`document.activeElement.value = %q`, strings.Repeat("a", blueprint.MaxNameLen+1)))
		keys(t, tab, "pressing Enter", kb.Enter)
		announced(t, tab, "the refusal", "A board's title can have at most 200 characters; this one has 201. Shorten it, or press Esc to keep the former one.")
		if !eval[bool](t, tab, `document.activeElement.dataset.testid === "title-input" && document.activeElement.getAttribute("aria-invalid") === "true"`) {
			t.Errorf("after a title too long the field is not open, focused and marked invalid")
		}
		long := strings.Repeat("🚗", blueprint.MaxNameLen)
		eval[chromedp.Void](t, tab, fmt.Sprintf(`document.activeElement.value = %q`, long))
		keys(t, tab, "pressing Enter", kb.Enter)
		titleIs(other, long)
		if got := mustFind(t, n, b.ID).Title; got != long {
			t.Errorf("the server has the title %q", got)
		}
		if got := undoAndHear(t, tab); got != "Undone" {
			t.Errorf("the undo says %q", got)
		}
		titleIs(other, "Parking permits")

		// Escape keeps the title.
		keys(t, tab, "pressing F2", kb.F2)
		waitFor(t, tab, "the title field", focused+` === "title-input"`)
		selectAllAndType(t, tab, "typing", "Not this")
		keys(t, tab, "pressing Escape", kb.Escape)
		waitFor(t, tab, "the field to close", `document.querySelector('[data-testid="title-input"]') === null`)
		titleIs(tab, "Parking permits")

		// Ctrl+Z takes the rename back, in both pages.
		if got := undoAndHear(t, tab); got != "Undone" {
			t.Errorf("the undo says %q", got)
		}
		titleIs(other, b.Title)
	})

	t.Run("ByMouse", func(t *testing.T) {
		run(t, other, "clicking the title", waitLive, chromedp.Click(chromedp.CSS(heading)))
		waitFor(t, other, "the title field", focused+` === "title-input"`)
		selectAllAndType(t, other, "typing a title", "Permits, by mouse")
		// Leaving the field saves.
		run(t, other, "clicking elsewhere", waitLive, chromedp.Click(chromedp.CSS(`.board-header .meta`)))
		titleIs(other, "Permits, by mouse")
		titleIs(tab, "Permits, by mouse")
		// Leaving it empty keeps the former title.
		run(t, other, "clicking the title", waitLive, chromedp.Click(chromedp.CSS(heading)))
		waitFor(t, other, "the title field", focused+` === "title-input"`)
		selectAllAndType(t, other, "emptying it", "")
		run(t, other, "clicking elsewhere", waitLive, chromedp.Click(chromedp.CSS(`.board-header .meta`)))
		announced(t, other, "the refusal", "A board needs a title: the former one is kept.")
		titleIs(other, "Permits, by mouse")
	})
}
