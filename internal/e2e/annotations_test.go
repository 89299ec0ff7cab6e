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
)

// openBoard opens a board page and waits until it is live.
func openBoard(t testing.TB, tab context.Context, url string) {
	t.Helper()
	run(t, tab, "opening the board", waitLive, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, tab, "connected")
	waitFor(t, tab, "the panel's button", `!document.querySelector('[data-anno-tools]').hidden`)
}

// openPanel opens the side panel of comments and markers.
func openPanel(t testing.TB, tab context.Context) {
	t.Helper()
	if eval[bool](t, tab, `document.querySelector('[data-testid="anno-panel"]').hidden`) {
		run(t, tab, "opening the panel", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="anno-toggle"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="anno-panel"]`)))
	}
}

// sinceMarks lists the board's nodes marked "since you last looked": the card, link,
// stage or cell each is, and what happened to it.
const sinceMarks = `[...document.querySelectorAll('article.board .since-mark')].map((n) =>
  (n.dataset.cardId ? 'card:' + n.dataset.cardId : n.dataset.linkId ? 'link:' + n.dataset.linkId : n.matches('th') ? 'stage:' + n.dataset.stageId : 'cell:' + n.dataset.stageId + '/' + n.dataset.laneId) + '=' + n.dataset.since).sort().join(' ')`

// TestAnnotations is the scenario: a commenter who came through a commenter link
// marks friction on a card and comments on another, mentioning an editor; the editor sees
// the notification within a second, replies and resolves; a manager (a viewer) coming
// back sees exactly these highlighted, badges without controls; all of it survives a
// reload and a restart of the server, until the manager marks it seen.
func TestAnnotations(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	b := mustBoard(t, n.store)
	ctx := context.Background()
	applyDirect(t, n, b.ID,
		cardOp("c-form", "stage-1", "lane-1", "V", "Fill in the form"),
		cardOp("c-sign", "stage-2", "lane-2", "V", "Sign the contract"),
		cardOp("c-quiet", "stage-3", "lane-1", "V", "Nothing happens here"))
	boardURL := n.url + "/boards/" + b.ID + "?lang=en"
	member := func(tab context.Context, email string, role auth.Role) {
		signUp(t, tab, n, email)
		u, err := n.store.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.store.AddMember(ctx, b.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	owner, err := n.store.CreateUser(ctx, "owner@example.org", "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.store.AddMember(ctx, b.ID, owner.ID, auth.Facilitator); err != nil {
		t.Fatal(err)
	}
	editor := newTab(t, chromedp.WithNewBrowserContext())
	commenter := newTab(t, chromedp.WithNewBrowserContext())
	manager := newTab(t, chromedp.WithNewBrowserContext())
	for _, tab := range []context.Context{editor, commenter, manager} {
		watchConsole(t, tab, false)
	}
	member(editor, "edith@example.org", auth.Editor)
	member(manager, "manager@example.org", auth.Viewer)

	// The manager looked at the board before: that is their last-seen point.
	openBoard(t, manager, boardURL)
	if !eval[bool](t, manager, `document.querySelector('[data-testid="since"]').hidden`) {
		t.Fatal("a first visit shows what changed since")
	}
	openBoard(t, editor, boardURL)

	token, hash := auth.NewToken()
	if _, err := n.store.CreateLink(ctx, auth.Link{BoardID: b.ID, Role: auth.Commenter, Label: "Team"}, hash); err != nil {
		t.Fatal(err)
	}
	run(t, commenter, "joining as commenter", waitLive,
		chromedp.Navigate(n.url+"/s/"+token+"?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Cleo"),
		submitForm(`[data-testid="join-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, commenter, "connected")
	if eval[bool](t, commenter, `document.querySelector('[data-testid="add-card-form"]') !== null`) {
		t.Fatal("a commenter's page has the board's edit forms")
	}

	// A marker on the form's card, by mouse.
	openPanel(t, commenter)
	run(t, commenter, "marking friction", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="anno-anchor"]`), "card:c-form"),
		chromedp.Click(chromedp.CSS(`[data-testid="anno-mark-open"]`)),
		chromedp.SetValue(chromedp.CSS(`[data-anno-marker-form] select[name="severity"]`), "high"),
		chromedp.SetValue(chromedp.CSS(`[data-anno-marker-form] select[name="kind"]`), "waiting"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="anno-marker-text"]`), "The form waits a week for a stamp"),
		chromedp.Click(chromedp.CSS(`[data-testid="anno-mark"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#card-c-form .anno-marker[data-severity="high"]`)))
	// A comment on the contract's card mentioning Edith, completed as it is typed.
	run(t, commenter, "choosing the card", waitLive, chromedp.SetValue(chromedp.CSS(`[data-testid="anno-anchor"]`), "card:c-sign"))
	focusEl(t, commenter, `[data-testid="anno-text"]`)
	keys(t, commenter, "typing", "Who signs this? @edi")
	waitFor(t, commenter, "Edith offered", `[...document.querySelectorAll('[data-testid="anno-person"]')].some((li) => li.textContent === 'edith@example.org')`)
	if eval[bool](t, commenter, `[...document.querySelectorAll('[data-testid="anno-person"]')].some((li) => li.textContent === 'manager@example.org')`) {
		t.Error("the completion of @edi offers the manager")
	}
	keys(t, commenter, "choosing Edith", kb.Tab) // Enter does the same; the test driver types its character anyway
	if got := eval[string](t, commenter, `document.querySelector('[data-testid="anno-text"]').value`); got != "Who signs this? @edith@example.org " {
		t.Fatalf("the text after the completion is %q", got)
	}
	run(t, commenter, "sending", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="anno-send"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#card-c-sign .anno-comments`)))

	// Edith sees the notification within a second.
	waitWithin(t, editor, "the editor's notification", `document.querySelector('[data-testid="notif-count"]')?.textContent === '1'`, time.Second)
	run(t, editor, "opening the notifications", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="notif-toggle"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notif-item"]`)))
	if got := eval[string](t, editor, `document.querySelector('[data-testid="notif-item"] a').textContent`); got != "Cleo mentioned you on Commande en ligne" && !strings.HasPrefix(got, "Cleo mentioned you on") {
		t.Errorf("the notification says %q", got)
	}
	keys(t, editor, "closing the notifications", kb.Escape)
	if !eval[bool](t, editor, `document.querySelector('[data-testid="notif-list"]').hidden && document.activeElement.matches('[data-testid="notif-toggle"]')`) {
		t.Error("Escape did not close the notifications and give the focus back to their button")
	}
	// She replies and resolves, from the panel.
	openPanel(t, editor)
	thread := `#anno-panel [data-testid="anno-thread"][data-anchor="card:c-sign"]`
	run(t, editor, "replying", waitLive, chromedp.Click(chromedp.CSS(thread+` [data-testid="anno-reply"]`)))
	keys(t, editor, "typing the reply", "I sign it")
	run(t, editor, "sending the reply", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="anno-send"]`)))
	waitFor(t, editor, "the reply", fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, thread+` [data-testid="anno-comment"]`))
	run(t, editor, "resolving", waitLive, chromedp.Click(chromedp.CSS(thread+` [data-testid="anno-resolve"]`)))
	waitFor(t, editor, "the badge to go", `document.querySelector('#card-c-sign .anno-comments') === null`)
	waitFor(t, commenter, "the commenter's notification of the reply", `document.querySelector('[data-testid="notif-count"]')?.textContent === '1'`)

	// The manager comes back: exactly the two cards are highlighted.
	want := "card:c-form=marked card:c-sign=commented resolved"
	check := func(what string) {
		t.Helper()
		openBoard(t, manager, boardURL)
		waitFor(t, manager, "the summary", `!document.querySelector('[data-testid="since"]').hidden`)
		if got := eval[string](t, manager, sinceMarks); got != want {
			t.Fatalf("%s: highlighted %q; want %q", what, got, want)
		}
		if got := eval[string](t, manager, `document.querySelector('[data-testid="since-summary"]').textContent`); !strings.HasPrefix(got, "2 changes since ") || !strings.HasSuffix(got, ", by 2 people") {
			t.Errorf("%s: the summary says %q", what, got)
		}
		// Badges, but no control.
		if !eval[bool](t, manager, `document.querySelector('#card-c-form .anno-marker[data-severity="high"]')?.getAttribute('aria-label') === '1 friction marker, high'`) {
			t.Errorf("%s: the marker's badge is not told in words", what)
		}
		openPanel(t, manager)
		if n := eval[int](t, manager, `document.querySelectorAll('#anno-panel form, #anno-panel [data-testid="anno-reply"], #anno-panel [data-testid="anno-resolve"], #anno-panel [data-testid="anno-plusone"]').length`); n != 0 {
			t.Errorf("%s: the viewer's panel has %d controls", what, n)
		}
		if got := eval[int](t, manager, `document.querySelectorAll('#anno-panel [data-testid="anno-marker"]').length`); got != 1 {
			t.Errorf("%s: the panel lists %d markers, want 1", what, got)
		}
	}
	check("on return")
	keys(t, manager, "stepping to the first change", "]")
	if got := eval[string](t, manager, `document.querySelector('[data-testid="since-position"]').textContent`); got != "1 of 2" {
		t.Errorf("after ] the position is %q", got)
	}
	check("after a reload")
	n.live.stopHub(t)
	n.live.startHub()
	check("after a restart")
	openBoard(t, editor, boardURL)
	openPanel(t, editor)
	run(t, editor, "showing the resolved", waitLive, chromedp.SetValue(chromedp.CSS(`[data-testid="anno-filter"]`), "resolved"))
	eval[chromedp.Void](t, editor, `document.querySelector('[data-testid="anno-filter"]').dispatchEvent(new Event('change'))`)
	waitFor(t, editor, "the resolved thread with its reply", fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, thread+` [data-testid="anno-comment"]`))

	// Marked seen, the board is highlighted no more.
	run(t, manager, "marking seen", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="since-seen"]`)))
	waitFor(t, manager, "the marks to go", `document.querySelector('.since-mark') === null && document.querySelector('[data-testid="since"]').hidden`)
	openBoard(t, manager, boardURL)
	if !eval[bool](t, manager, `document.querySelector('[data-testid="since"]').hidden && document.querySelector('.since-mark') === null`) {
		t.Fatal("after 'mark all as seen' the board still shows changes")
	}
}

// TestAnnotationsByKeyboard comments on a focused card with C, sends with Ctrl+Enter,
// marks friction with M, and closes and opens the panel with Escape and Shift+C; a
// hostile, long, right-to-left text stays text and keeps the panel's layout.
func TestAnnotationsByKeyboard(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	applyDirect(t, n, b.ID, cardOp("c-1", "stage-1", "lane-1", "V", "Call the bank"))
	tab := newTab(t)
	watchConsole(t, tab, false)
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=fr")
	waitFor(t, tab, "the panel's button", `!document.querySelector('[data-anno-tools]').hidden`)

	focusEl(t, tab, cardSel("c-1"))
	keys(t, tab, "C on the card", "c")
	if !eval[bool](t, tab, `document.activeElement.matches('[data-testid="anno-text"]') && document.querySelector('[data-testid="anno-anchor"]').value === 'card:c-1'`) {
		t.Fatal("C on a card did not open the composer on it")
	}
	hostile := `<img src=x onerror="window.__pwned=1"> שלום {text} ` + strings.Repeat("x", 300)
	keys(t, tab, "typing", hostile)
	keys(t, tab, "Ctrl+Enter", kb.Enter, chromedp.KeyModifiers(2)) // 2: Ctrl
	waitFor(t, tab, "the comment", `document.querySelector('#anno-panel [data-testid="anno-comment"] .anno-body') !== null`)
	if got := eval[string](t, tab, `document.querySelector('#anno-panel [data-testid="anno-comment"] .anno-body').textContent`); got != hostile {
		t.Errorf("the comment shows %q; want %q", got, hostile)
	}
	if eval[bool](t, tab, `document.querySelector('#anno-panel img') !== null || window.__pwned === 1`) {
		t.Fatal("the comment's text became markup")
	}
	if !eval[bool](t, tab, `(() => { const p = document.getElementById('anno-panel'); return p.scrollWidth <= p.clientWidth; })()`) {
		t.Error("the long comment widens the panel")
	}
	if got := eval[string](t, tab, `document.querySelector('#card-c-1 .anno-comments')?.getAttribute('aria-label') ?? ''`); got != "1 commentaire" {
		t.Errorf("the card's badge says %q; want 1 commentaire", got)
	}

	// M on the card: the marker form, on the card.
	focusEl(t, tab, cardSel("c-1"))
	keys(t, tab, "M on the card", "m")
	if !eval[bool](t, tab, `document.activeElement.matches('[data-testid="anno-marker-text"]')`) {
		t.Fatal("M on a card did not open the marker form")
	}
	keys(t, tab, "typing", "Attente du tampon")
	keys(t, tab, "Enter", kb.Enter)
	waitFor(t, tab, "the marker", `document.querySelector('#card-c-1 .anno-marker[data-severity="medium"]') !== null`)

	keys(t, tab, "Escape", kb.Escape)
	if !eval[bool](t, tab, `document.getElementById('anno-panel').hidden && document.activeElement.matches('[data-testid="anno-toggle"]')`) {
		t.Fatal("Escape did not close the panel and give the focus to its button")
	}
	focusEl(t, tab, cardSel("c-1"))
	keys(t, tab, "Shift+C", "C", chromedp.KeyModifiers(8)) // 8: Shift
	waitFor(t, tab, "the panel", `!document.getElementById('anno-panel').hidden`)
	if got := eval[string](t, tab, `document.querySelector('[data-testid="anno-toggle"]').getAttribute('aria-expanded')`); got != "true" {
		t.Errorf("the panel's button says aria-expanded=%q", got)
	}
}
