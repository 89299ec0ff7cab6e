package e2e_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// workshop is a facilitator and two participants (editors Pia and Noé) on one board, in
// three browsers, with three cards made by the facilitator. Noé reads French, the others
// English.
type workshop struct {
	n           *node
	board       string
	fac, p1, p2 context.Context
	cards       []string // ids, in the first cell
}

func startWorkshop(t *testing.T) *workshop {
	t.Helper()
	w := &workshop{n: startNode(t, nil, withAccounts)}
	tabs := []*context.Context{&w.fac, &w.p1, &w.p2}
	for _, tab := range tabs {
		*tab = newTab(t, chromedp.WithNewBrowserContext())
		watchConsole(t, *tab, false)
		run(t, *tab, "a laptop's window", waitLive, chromedp.EmulateViewport(longWidth, longHeight))
	}
	w.board = signUpWithBoard(t, w.fac, w.n, "facilitator@example.org")
	run(t, w.fac, "making an editor link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "editor"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="copy-share-url"]`)))
	link := eval[string](t, w.fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	for i, tab := range []context.Context{w.p1, w.p2} {
		run(t, tab, "joining as editor", waitLive,
			chromedp.Navigate(link+"?lang="+[]string{"en", "fr"}[i]),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), []string{"Pia", "Noé"}[i]),
			submitForm(`[data-testid="join-form"]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
		waitState(t, tab, "connected")
	}
	run(t, w.fac, "back to the board", waitLive, chromedp.Navigate(w.n.url+"/boards/"+w.board+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, w.fac, "connected")
	for _, tab := range w.tabs() {
		expose(t, tab)
	}
	w.cards = []string{"w-apply", "w-wait", "w-call"}
	eval[chromedp.Void](t, w.fac, `(() => {
	  const cell = document.querySelector('td.cell');
	  const texts = {'w-apply': 'Apply online', 'w-wait': 'Wait for the letter', 'w-call': 'Call the help line'};
	  let order = 'V';
	  for (const [id, text] of Object.entries(texts)) {
	    window.lastmile.live.submit({op: 'create', type: 'card', id, fields: {stage: cell.dataset.stageId, lane: cell.dataset.laneId, order, text}});
	    order += 'V';
	  }
	})()`)
	for _, tab := range w.tabs() {
		for _, id := range w.cards {
			waitFor(t, tab, "card "+id, fmt.Sprintf(`document.querySelector(%q) !== null`, cardSel(id)))
		}
	}
	return w
}

func strconvQuote(s string) string { return strconv.Quote(s) }

func (w *workshop) tabs() []context.Context { return []context.Context{w.fac, w.p1, w.p2} }

// expose makes the page's LiveBoard and modules reachable as window.lastmile, for the
// test's checks.
func expose(t *testing.T, tab context.Context) {
	t.Helper()
	eval[chromedp.Void](t, tab, `import('/static/board.js').then(({ page }) => { window.lastmile = page; })`, chromedp.EvalAwaitPromise)
}

// TestWorkshopVoteAndClose: the facilitator opens a dot vote of two votes each from the
// dialog; every page shows it open; each participant votes, with V on a focused card and
// with the ● buttons, and sees only their own votes (in the page and in its ballot); the
// facilitator closes it and the three pages show the same ranked results, on the cards
// and in the dialog; the results are still there after a reload. Then the facilitator
// closes the workshop: every page shows its summary, and the board's history keeps it.
func TestWorkshopVoteAndClose(t *testing.T) {
	w := startWorkshop(t)
	if eval[int](t, w.p1, `document.querySelectorAll('[data-testid="vote-open-form"]').length`) != 0 {
		t.Fatal("a participant has the facilitator's vote form")
	}
	run(t, w.fac, "opening the vote dialog", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-dialog-open"]`)))
	checkFits(t, w.fac, "vote-dialog-en")
	eval[chromedp.Void](t, w.fac, `document.querySelector('[data-testid="vote-per-person"]').value = '2'`)
	focusEl(t, w.fac, `[data-testid="vote-open"]`)
	keys(t, w.fac, "opening the vote", "\r")
	for i, tab := range w.tabs() {
		waitFor(t, tab, "the open vote's badge", `(() => { const b = document.querySelector('[data-testid="vote-badge"]'); return !b.hidden && b.textContent.startsWith('`+[]string{"Vote open on cards", "Vote open on cards", "Vote ouvert sur les cartes"}[i]+`'); })()`)
	}
	waitFor(t, w.p1, "2 votes left", `document.querySelector('[data-testid="vote-badge"]').textContent.includes('2 votes left')`)
	run(t, w.fac, "closing the dialog", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-dialog-close"]`)))
	// The workshop started with the vote: Pia adds a card during it.
	eval[chromedp.Void](t, w.p1, `(() => {
	  const cell = document.querySelector('td.cell');
	  window.lastmile.live.submit({op: 'create', type: 'card', id: 'w-ask', fields: {stage: cell.dataset.stageId, lane: cell.dataset.laneId, order: 'X', text: 'Ask a neighbour'}});
	})()`)

	dot := func(id string) string {
		return fmt.Sprintf(`document.querySelector('%s [data-testid="vote-add"]')`, cardSel(id))
	}
	// Pia: V on "Wait for the letter", then the ● of "Apply online".
	waitFor(t, w.p1, "the vote buttons", dot(w.cards[1])+` !== null`)
	focusEl(t, w.p1, cardSel(w.cards[1]))
	keys(t, w.p1, "voting with V", "v")
	waitFor(t, w.p1, "Pia's vote on the card", dot(w.cards[1])+`.textContent === '● 1'`)
	run(t, w.p1, "voting with the button", waitLive, chromedp.Click(chromedp.CSS(cardSel(w.cards[0])+` [data-testid="vote-add"]`)))
	waitFor(t, w.p1, "Pia's ballot", `window.lastmile.live.ballot?.used === 2`)
	waitFor(t, w.p1, "0 votes left", `document.querySelector('[data-testid="vote-badge"]').textContent.includes('0 votes left')`)
	checkFits(t, w.p1, "vote-open-en")
	// Noé: the ● of "Apply online", twice: the second is refused (one per item), said in the page.
	run(t, w.p2, "voting with the button", waitLive, chromedp.Click(chromedp.CSS(cardSel(w.cards[0])+` [data-testid="vote-add"]`)))
	waitFor(t, w.p2, "Noé's vote", dot(w.cards[0])+`.textContent === '● 1'`)
	run(t, w.p2, "voting again", waitLive, chromedp.Click(chromedp.CSS(cardSel(w.cards[0])+` [data-testid="vote-add"]`)))
	waitFor(t, w.p2, "the refusal, in French", `document.querySelector('[data-testid="vote-announce"]').textContent.includes('un seul vote par élément')`)
	// Private while open: Noé's page knows nothing of Pia's votes, nor the facilitator's.
	if got := eval[string](t, w.p2, `JSON.stringify(window.lastmile.live.ballot.items)`); got != fmt.Sprintf(`{%q:1}`, w.cards[0]) {
		t.Fatalf("Noé's ballot: %s", got)
	}
	checkFits(t, w.p2, "vote-open-fr")
	if got := eval[string](t, w.p2, dot(w.cards[1])+`.textContent`); got != "●" {
		t.Fatalf("Noé's page shows %q on the card Pia voted for", got)
	}
	if got := eval[int](t, w.fac, `document.querySelectorAll('[data-testid="vote-result"]').length`); got != 0 {
		t.Fatalf("the facilitator's page shows %d results while the vote is open", got)
	}

	run(t, w.fac, "opening the vote dialog", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-dialog-open"]`)))
	run(t, w.fac, "closing the vote", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-close"]`)))
	want := fmt.Sprintf(`%s:2,%s:1`, w.cards[0], w.cards[1])
	ranking := `[...document.querySelectorAll('[data-testid="vote-ranking"] li')].map((li) => li.dataset.item + ':' + li.dataset.votes).join(',')`
	onCards := `[...document.querySelectorAll('[data-testid="vote-result"]')].sort((a, b) => a.dataset.rank - b.dataset.rank).map((r) => r.closest('.card').dataset.cardId + ':' + r.dataset.votes).join(',')`
	waitFor(t, w.fac, "the results in the dialog", ranking+` === '`+want+`'`)
	check := func(what string) {
		t.Helper()
		for _, tab := range w.tabs() {
			waitFor(t, tab, "the results on the cards "+what, onCards+` === '`+want+`'`)
		}
		run(t, w.p2, "opening the results", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-dialog-open"]`)))
		waitFor(t, w.p2, "the results in Noé's dialog "+what, ranking+` === '`+want+`'`)
		if got := eval[string](t, w.p2, `document.querySelector('[data-testid="vote-ranking"] li').textContent`); got != "2 votes pour « Apply online »" {
			t.Fatalf("the first result reads %q", got)
		}
	}
	check("when the vote closes")
	checkFits(t, w.p2, "vote-results-fr")
	run(t, w.p2, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	expose(t, w.p2)
	check("after a reload")
	run(t, w.p2, "closing the results", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-dialog-close"]`)))
	run(t, w.fac, "closing the results", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="vote-dialog-close"]`)))

	// The facilitator closes the workshop, naming the version it keeps.
	run(t, w.fac, "opening the close dialog", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="session-open"]`)))
	if got := eval[string](t, w.fac, `document.querySelector('[data-testid="session-name"]').value`); !strings.HasPrefix(got, "Workshop of ") {
		t.Fatalf("the version's default name: %q", got)
	}
	eval[chromedp.Void](t, w.fac, `document.querySelector('[data-testid="session-name"]').value = 'After workshop 1'`)
	run(t, w.fac, "closing the workshop", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="session-close"]`)))
	const summary = `(() => { const d = document.querySelector('[data-testid="session-summary-dialog"]'); return d.open ? d.querySelector('[data-testid="session-summary"]').textContent : ''; })()`
	want = "closed the workshop “After workshop 1”: 1 card added by 1 person, 0 friction markers, 0 comments. Top voted: “Apply online” (2 votes), “Wait for the letter” (1 vote)."
	for _, tab := range []context.Context{w.fac, w.p1} {
		waitFor(t, tab, "the workshop's summary", summary+`.endsWith(`+strconvQuote(want)+`)`)
	}
	wantFR := "a clos l'atelier « After workshop 1 » : 1 carte ajoutée par 1 personne, 0 point de friction, 0 commentaire. Les plus votés : « Apply online » (2 votes), « Wait for the letter » (1 vote)."
	waitFor(t, w.p2, "the workshop's summary in French", summary+`.endsWith(`+strconvQuote(wantFR)+`)`)
	checkFits(t, w.p2, "workshop-closed-fr")
	checkFits(t, w.p1, "workshop-closed-en")
	// The Markdown report carries the results and the workshop.
	report := eval[string](t, w.fac, `fetch('/api/boards/`+w.board+`/export.md').then((r) => r.text())`, chromedp.EvalAwaitPromise)
	for _, want := range []string{"## Dot votes", "1. Apply online — 2 votes\n2. Wait for the letter — 1 vote", "## Workshops", "**After workshop 1**", "1 cards added by 1 people"} {
		if !strings.Contains(report, want) {
			t.Fatalf("the Markdown report lacks %q:\n%s", want, report)
		}
	}
	run(t, w.p1, "the board's history", waitLive, chromedp.Navigate(w.n.url+"/boards/"+w.board+"/history?lang=fr"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="history-session"]`)))
	if got := eval[string](t, w.p1, `document.querySelector('[data-testid="history-session"] p').textContent`); got != "1 carte ajoutée par 1 personne, 0 point de friction, 0 commentaire. Les plus votés : « Apply online » (2 votes), « Wait for the letter » (1 vote)." {
		t.Fatalf("the workshop in the history, in French: %q", got)
	}
}

// TestWorkshopPrivate: the facilitator turns private mode on with the keyboard; a
// participant adds a card with N in a cell, which shows on their page as a private card
// and nowhere else — not in the other participant's page, nor in any frame it receives,
// nor on the facilitator's page; the participant edits it; the facilitator reveals every
// private card at once and all three pages show it as a card; the facilitator hides the
// reveal and it is private again, on its author's page only.
func TestWorkshopPrivate(t *testing.T) {
	w := startWorkshop(t)
	// Noé's page records every frame it receives.
	eval[chromedp.Void](t, w.p2, `(() => {
	  window.received = [];
	  const ws = window.lastmile.live.conn.ws;
	  ws.addEventListener('message', (m) => window.received.push(m.data));
	})()`)
	if eval[int](t, w.p1, `document.querySelectorAll('[data-testid="private-toggle"]').length`) != 0 {
		t.Fatal("a participant has the facilitator's private mode switch")
	}
	focusEl(t, w.fac, `[data-testid="private-toggle"]`)
	keys(t, w.fac, "turning private mode on", "\r")
	waitFor(t, w.fac, "the switch pressed", `document.querySelector('[data-testid="private-toggle"]').getAttribute('aria-pressed') === 'true'`)
	for i, tab := range []context.Context{w.p1, w.p2} {
		waitFor(t, tab, "the private mode badge", `(() => { const b = document.querySelector('[data-testid="private-badge"]'); return !b.hidden && b.textContent.startsWith('`+[]string{"Private mode: your new cards", "Mode privé : vos nouvelles cartes"}[i]+`'); })()`)
	}

	// Pia adds a card with N in the second cell, types and leaves it.
	focusEl(t, w.p1, `td.cell:nth-of-type(2)`)
	cellID := eval[string](t, w.p1, `document.activeElement.dataset.stageId + '/' + document.activeElement.dataset.laneId`)
	keys(t, w.p1, "a new card", "n")
	waitFor(t, w.p1, "the card editor", `document.activeElement?.dataset.testid === 'card-editor'`)
	keys(t, w.p1, "typing", "Secret idea")
	keys(t, w.p1, "saving", "\r")
	private := `[...document.querySelectorAll('[data-testid="private-card"]')].map((c) => c.closest('td.cell').dataset.stageId + '/' + c.closest('td.cell').dataset.laneId + '=' + c.querySelector('.card-text').textContent).join(',')`
	waitFor(t, w.p1, "Pia's private card", private+` === '`+cellID+`=Secret idea'`)
	waitFor(t, w.p1, "the server's confirmation", `window.lastmile.live.drafts.length === 1`)
	// Edited with its Edit button.
	run(t, w.p1, "editing it", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="private-card"] [data-testid="private-edit"]`)))
	waitFor(t, w.p1, "the private card's editor", `document.activeElement?.dataset.testid === 'private-editor'`)
	keys(t, w.p1, "typing more", ", edited")
	keys(t, w.p1, "saving", "\r")
	waitFor(t, w.p1, "the edit confirmed", `window.lastmile.live.drafts[0]?.text === 'Secret idea, edited'`)
	waitFor(t, w.p1, "the editor closed, the card focused", `document.querySelector('[data-testid="private-editor"]') === null && document.activeElement?.dataset.testid === 'private-card'`)
	checkFits(t, w.p1, "private-card-en")
	checkFits(t, w.p2, "private-mode-fr")
	checkFits(t, w.fac, "private-facilitator-en")
	for _, tab := range []context.Context{w.fac, w.p2} {
		if got := eval[int](t, tab, `document.querySelectorAll('[data-testid="private-card"]').length + [...document.querySelectorAll('.card-text')].filter((c) => c.textContent.includes('Secret idea')).length`); got != 0 {
			t.Fatalf("another page shows Pia's private card (%d)", got)
		}
	}
	if got := eval[int](t, w.p2, `window.received.filter((f) => f.includes('Secret idea')).length`); got != 0 {
		t.Fatalf("Noé's page received %d frames holding Pia's private card", got)
	}
	if got := eval[int](t, w.p2, `window.received.length`); got == 0 {
		t.Fatal("Noé's page recorded no frame at all: the check above could not fail")
	}

	// The reveal: the card is on every page, as a card.
	onBoard := `[...document.querySelectorAll('td.cell > .card .card-text')].some((c) => c.textContent === 'Secret idea, edited')`
	run(t, w.fac, "revealing", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="private-reveal"]`)))
	for _, tab := range w.tabs() {
		waitFor(t, tab, "the revealed card", onBoard)
	}
	waitFor(t, w.p1, "no private card left", `document.querySelectorAll('[data-testid="private-card"]').length === 0`)
	waitFor(t, w.p2, "private mode off", `document.querySelector('[data-testid="private-badge"]').hidden`)

	// The facilitator takes the reveal back.
	run(t, w.fac, "hiding again", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="private-hide"]`)))
	for _, tab := range w.tabs() {
		waitFor(t, tab, "the card off the board", `!(`+onBoard+`)`)
	}
	waitFor(t, w.p1, "Pia's private card back", private+` === '`+cellID+`=Secret idea, edited'`)
	if got := eval[int](t, w.p2, `document.querySelectorAll('[data-testid="private-card"]').length`); got != 0 {
		t.Fatal("Noé's page shows a private card after the hide")
	}
}

// TestWorkshopTimerAndLock: the facilitator starts a one-minute timer, which the three
// pages count within a second of each other, then locks the structure: the French
// participant's stage rename is refused with the lock's message in French, and the other
// participant still adds a card.
func TestWorkshopTimerAndLock(t *testing.T) {
	w := startWorkshop(t)
	eval[chromedp.Void](t, w.fac, `document.querySelector('[data-testid="timer-minutes"]').value = '1'`)
	focusEl(t, w.fac, `[data-testid="timer-start"]`)
	keys(t, w.fac, "starting the timer", "\r")
	const secs = `Number(document.querySelector('[data-testid="timer-time"]').dataset.seconds ?? -1)`
	for _, tab := range w.tabs() {
		waitFor(t, tab, "the running timer", `document.querySelector('[data-testid="timer-badge"]').dataset.state === 'running' && `+secs+` > 0`)
	}
	// Read as close together as the three tabs allow: the first and the last again.
	var left []int
	for _, tab := range append(w.tabs(), w.fac) {
		left = append(left, eval[int](t, tab, secs))
	}
	lo, hi := left[0], left[0]
	for _, s := range left[:3] {
		lo, hi = min(lo, s), max(hi, s)
	}
	if hi-lo > 1+(left[0]-left[3]) {
		t.Fatalf("seconds left on the three pages: %v (the facilitator's again last)", left)
	}

	eval[chromedp.Void](t, w.fac, `(() => { const s = document.querySelector('[data-testid="lock-select"]'); s.value = 'structure'; s.dispatchEvent(new Event('change')); })()`)
	waitFor(t, w.p2, "the lock's badge in French", `!document.querySelector('[data-testid="lock-badge"]').hidden && document.querySelector('[data-testid="lock-badge"]').textContent.startsWith('Structure verrouillée')`)
	stage := eval[string](t, w.p2, `document.querySelector('th.stage').dataset.stageId`)
	focusEl(t, w.p2, stageSel(stage))
	keys(t, w.p2, "renaming the stage", "\r")
	waitFor(t, w.p2, "the stage name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	eval[chromedp.Void](t, w.p2, `document.activeElement.select()`)
	keys(t, w.p2, "typing", "Renommée")
	keys(t, w.p2, "saving", "\r")
	waitFor(t, w.p2, "the lock's message in French", `document.querySelector('[data-testid="editor-announce"]').textContent.includes('l’animateur a verrouillé la structure')`)
	eval[chromedp.Void](t, w.p1, `(() => {
	  const cell = document.querySelector('td.cell');
	  window.lastmile.live.submit({op: 'create', type: 'card', id: 'w-locked-in', fields: {stage: cell.dataset.stageId, lane: cell.dataset.laneId, order: 'Y', text: 'Added under the lock'}});
	})()`)
	for _, tab := range w.tabs() {
		waitFor(t, tab, "the card added under the lock", `document.querySelector('#card-w-locked-in') !== null`)
	}
	waitFor(t, w.p1, "the card acknowledged", `window.lastmile.live.replica.pending.length === 0`)
}
