package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestShareLinkAndDelete follows a board's life in the browser: the facilitator makes a
// viewer link, which a page shows once with a copy button; a manager follows the board
// through it; the facilitator deletes the board after the confirmation page, and the
// manager's page says to reload, which then says the board is gone.
func TestShareLinkAndDelete(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	manager := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, manager, true) // the page of a deleted board is a 404
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")

	run(t, fac, "making a viewer link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "viewer"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="copy-share-url"]`)))
	if path := eval[string](t, fac, `location.pathname`); path != "/boards/"+boardID+"/share/new" {
		t.Fatalf("the new link is shown at %s", path)
	}
	link := eval[string](t, fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	if !strings.Contains(link, "/s/") {
		t.Fatalf("new link %q", link)
	}
	run(t, fac, "copying", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="copy-share-url"]`)))
	waitFor(t, fac, "the button to say it copied", `document.querySelector('[data-testid="copy-share-url"]').textContent === 'Copied'`)
	if sel := eval[string](t, fac, `String(getSelection()) || document.activeElement.value.slice(document.activeElement.selectionStart, document.activeElement.selectionEnd)`); sel != link {
		t.Errorf("the copied text is %q; want the link", sel)
	}

	// A reload shows the link no more, and makes no second one.
	run(t, fac, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	if path := eval[string](t, fac, `location.pathname`); path != "/boards/"+boardID {
		t.Fatalf("after a reload the page is %s", path)
	}
	if eval[int](t, fac, `document.querySelectorAll('[data-testid="new-share-url"]').length`) != 0 ||
		eval[int](t, fac, `document.querySelectorAll('[data-testid="share-link"]').length`) != 1 {
		t.Fatal("after a reload the link is shown again, or there are two")
	}

	run(t, manager, "opening the link", waitLive, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, manager, "connected")

	run(t, fac, "asking to delete", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="delete-board"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="delete-confirm"]`)))
	run(t, fac, "confirming", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="delete-confirm-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="notice"]`)))
	if eval[bool](t, fac, `document.body.textContent.includes('`+boardID+`')`) {
		t.Error("the home page still lists the deleted board")
	}
	waitState(t, manager, "reload")
	run(t, manager, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-message"]`)))
	if eval[bool](t, manager, `document.querySelector('[data-testid="grid"]') !== null`) {
		t.Fatal("the deleted board is still shown")
	}
}
