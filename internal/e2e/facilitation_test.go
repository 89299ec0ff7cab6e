package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// cardScript sends, from the page's session over a second websocket, an op creating a
// card in the first cell of the grid, and resolves with the frame that answers it.
const cardScript = `new Promise((resolve) => {
  const id = document.querySelector('article.board').dataset.boardId;
  const cell = document.querySelector('td.cell');
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/boards/' + id + '/ws');
  const done = (v) => { resolve(JSON.stringify(v)); ws.close(); };
  ws.onopen = () => ws.send(JSON.stringify({t: 'hello', v: 1, client: 'cardmaker', seq: -1}));
  ws.onclose = (e) => done({t: 'closed', code: e.code});
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.t === 'welcome') {
      ws.send(JSON.stringify({t: 'ops', ops: [{key: 'cardmaker:1', op: 'create', type: 'card', id: 'c-locked-in',
        fields: {stage: cell.dataset.stageId, lane: cell.dataset.laneId, order: 'V', text: 'Added under the lock'}}]}));
    } else if (f.t === 'nack' || f.t === 'error' || (f.t === 'ops' && f.ops.some((o) => o.op.key === 'cardmaker:1'))) {
      done({t: f.t, code: f.code ?? ''});
    }
  };
})`

// TestFacilitationLock: the facilitator locks the structure; a participant sees the
// badge, their stage rename is refused with the lock's message and a card still goes in;
// the lock is still shown after a reload and after a restart of the server.
func TestFacilitationLock(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	part := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, part, false)
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")
	run(t, fac, "making an editor link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "editor"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="copy-share-url"]`)))
	link := eval[string](t, fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	run(t, part, "joining as editor", waitLive,
		chromedp.Navigate(link+"?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Pia"),
		submitForm(`[data-testid="join-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, part, "connected")
	if eval[int](t, part, `document.querySelectorAll('[data-testid="lock-select"]').length`) != 0 {
		t.Fatal("a participant has the facilitator's lock control")
	}

	run(t, fac, "back to the board", waitLive, chromedp.Navigate(n.url+"/boards/"+boardID+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, fac, "connected")
	waitFor(t, fac, "the lock control", `!document.querySelector('[data-testid="facilitation"]').hidden`)
	focusEl(t, fac, `[data-testid="lock-select"]`)
	eval[chromedp.Void](t, fac, `(() => { const s = document.querySelector('[data-testid="lock-select"]'); s.value = 'structure'; s.dispatchEvent(new Event('change')); })()`)
	badge := `document.querySelector('[data-testid="lock-badge"]')`
	shown := `!document.querySelector('[data-testid="facilitation"]').hidden && !` + badge + `.hidden && ` + badge + `.textContent.startsWith('Structure locked')`
	waitFor(t, part, "the participant's lock badge", shown)
	waitFor(t, fac, "the facilitator's lock badge", shown)

	// The participant renames a stage: refused, with the lock's message.
	stage := eval[string](t, part, `document.querySelector('th.stage').dataset.stageId`)
	before := eval[string](t, part, `document.querySelector('th.stage').textContent.trim()`)
	focusEl(t, part, stageSel(stage))
	keys(t, part, "pressing Enter on the stage", kb.Enter)
	waitFor(t, part, "the stage name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
	eval[chromedp.Void](t, part, `document.activeElement.select()`)
	keys(t, part, "typing the new name", "Renamed under the lock")
	keys(t, part, "saving", kb.Enter)
	waitFor(t, part, "the lock's message", `document.querySelector('[data-testid="editor-announce"]').textContent.includes('the facilitator has locked the structure')`)
	waitFor(t, part, "the old name back", fmt.Sprintf(`document.querySelector('th.stage').textContent.trim() === %q`, before))

	// A card still goes in.
	if got := eval[string](t, part, cardScript, chromedp.EvalAwaitPromise); !strings.Contains(got, `"t":"ops"`) {
		t.Fatalf("a participant's card under the structure lock: %s", got)
	}
	waitFor(t, fac, "the card on the facilitator's page", `document.querySelector('#card-c-locked-in') !== null`)

	check := func(what string) {
		t.Helper()
		run(t, part, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
		waitFor(t, part, "the lock badge "+what, shown)
	}
	check("after a reload")
	n.live.stopHub(t)
	n.live.startHub()
	check("after a restart")
}

// TestFacilitationTimer: the facilitator starts a 1-minute timer with the keyboard; a
// participant's tab shows the same time left within a second of the facilitator's; a
// pause freezes both at the same time; after a reload the paused timer is still there.
func TestFacilitationTimer(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	part := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, part, false)
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")
	run(t, fac, "making an editor link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "editor"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="copy-share-url"]`)))
	link := eval[string](t, fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	run(t, part, "joining as editor", waitLive,
		chromedp.Navigate(link+"?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Pia"),
		submitForm(`[data-testid="join-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, part, "connected")
	if eval[int](t, part, `document.querySelectorAll('[data-testid="timer-start"]').length`) != 0 {
		t.Fatal("a participant has the facilitator's timer buttons")
	}

	run(t, fac, "back to the board", waitLive, chromedp.Navigate(n.url+"/boards/"+boardID+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, fac, "connected")
	waitFor(t, fac, "the timer buttons", `!document.querySelector('[data-testid="facilitation"]').hidden`)
	eval[chromedp.Void](t, fac, `document.querySelector('[data-testid="timer-minutes"]').value = '1'`)
	focusEl(t, fac, `[data-testid="timer-start"]`)
	keys(t, fac, "starting the timer", kb.Enter)

	const secs = `Number(document.querySelector('[data-testid="timer-time"]').dataset.seconds ?? -1)`
	stateIs := func(s string) string {
		return `!document.querySelector('[data-testid="timer-badge"]').hidden && document.querySelector('[data-testid="timer-badge"]').dataset.state === '` + s + `'`
	}
	waitFor(t, fac, "the facilitator's running timer", stateIs("running")+` && `+secs+` <= 60 && `+secs+` > 0`)
	waitFor(t, part, "the participant's running timer", stateIs("running")+` && `+secs+` <= 60 && `+secs+` > 0`)
	a, b := eval[int](t, fac, secs), eval[int](t, part, secs)
	if d := a - b; d < -1 || d > 1 {
		t.Fatalf("the facilitator's tab shows %d s left, the participant's %d s", a, b)
	}

	focusEl(t, fac, `[data-testid="timer-pause"]`)
	keys(t, fac, "pausing the timer", kb.Enter)
	waitFor(t, fac, "the facilitator's paused timer", stateIs("paused"))
	waitFor(t, part, "the participant's paused timer", stateIs("paused"))
	a, b = eval[int](t, fac, secs), eval[int](t, part, secs)
	if a != b || a <= 0 {
		t.Fatalf("paused, the facilitator's tab shows %d s left, the participant's %d s", a, b)
	}
	if got := eval[string](t, part, `document.querySelector('[data-testid="timer-state"]').textContent`); got != "(paused)" {
		t.Fatalf("the paused timer says %q", got)
	}

	run(t, part, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitFor(t, part, "the paused timer after a reload", stateIs("paused")+fmt.Sprintf(` && %s === %d`, secs, a))
	if got := eval[int](t, fac, secs); got != a {
		t.Fatalf("the paused timer went on on the facilitator's tab: %d s, then %d s", a, got)
	}
}
