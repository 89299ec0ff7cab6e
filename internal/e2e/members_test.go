package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focusVisible reports whether the focused element shows an outline.
func focusVisible(t *testing.T, tab context.Context) bool {
	t.Helper()
	return eval[bool](t, tab, `(() => { const el = document.activeElement; return el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none'; })()`)
}

// TestMembersPanel has the facilitator add a member, give them another role and remove
// them, by keyboard alone; each change reaches the member's open page at once.
func TestMembersPanel(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	member := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, member, true) // the removed member's last page is a 403
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")
	signUp(t, member, n, "ada@example.org")
	boardURL := n.url + "/boards/" + boardID

	// Add Ada as editor: type her e-mail, Tab to the role, choose editor, Enter.
	focusEl(t, fac, `[data-testid="invite-form"] input[name="email"]`)
	keys(t, fac, "typing the e-mail", "ada@example.org")
	keys(t, fac, "tab to the role", kb.Tab)
	if !eval[bool](t, fac, `document.activeElement.matches('[data-testid="invite-form"] select[name="role"]')`) || !focusVisible(t, fac) {
		t.Fatalf("Tab from the e-mail did not reach the role with a visible focus")
	}
	if v := eval[string](t, fac, `document.activeElement.value`); v != "editor" {
		t.Fatalf("the invitation's default role is %q; want editor", v)
	}
	keys(t, fac, "tab to the button", kb.Tab)
	keys(t, fac, "pressing Enter", kb.Enter)
	run(t, fac, "waiting for the member", waitLive, chromedp.WaitVisible(chromedp.CSS(`[data-testid="member"] + [data-testid="member"]`)))
	adaRow := eval[string](t, fac, `[...document.querySelectorAll('[data-testid="member"]')].find((r) => r.textContent.includes('ada@example.org'))?.dataset.memberId ?? ''`)
	if adaRow == "" {
		t.Fatal("Ada is not listed")
	}
	row := fmt.Sprintf(`[data-member-id=%q]`, adaRow)

	openEditable(t, member, boardURL)
	eval[chromedp.Void](t, member, `window.__notReloaded = true`)

	// Give her the viewer role: focus her role, press End (the last option, viewer), Tab
	// to the button, Enter.
	focusEl(t, fac, row+` select[name="role"]`)
	keys(t, fac, "choosing viewer", kb.End)
	if v := eval[string](t, fac, `document.activeElement.value`); v != "viewer" {
		t.Fatalf("the role select holds %q after End; want viewer", v)
	}
	keys(t, fac, "tab to the button", kb.Tab)
	if !eval[bool](t, fac, `document.activeElement.matches('[data-testid="member-role-form"] button')`) || !focusVisible(t, fac) {
		t.Fatalf("Tab from the role did not reach its button with a visible focus")
	}
	keys(t, fac, "pressing Enter", kb.Enter)
	waitState(t, member, "reload")
	if !eval[bool](t, member, `window.__notReloaded === true`) {
		t.Error("the member's page reloaded itself")
	}
	run(t, member, "reloading", waitLive, chromedp.Navigate(boardURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, member, "connected")
	if !eval[bool](t, member, `document.querySelector('article.board').dataset.canEdit === 'false' && document.querySelector('[data-testid="add-card-form"]') === null`) {
		t.Fatal("after the new role the member's page is still editable")
	}

	// Remove her: her open page stops, and she no longer gets in.
	run(t, fac, "waiting for the panel", waitLive, chromedp.WaitVisible(chromedp.CSS(row+` [data-testid="member-remove-form"] button`)))
	focusEl(t, fac, row+` [data-testid="member-remove-form"] button`)
	keys(t, fac, "pressing Enter", kb.Enter)
	waitState(t, member, "reload")
	run(t, fac, "waiting for the removal", waitLive, chromedp.WaitNotPresent(chromedp.CSS(row)))
	run(t, member, "reloading", waitLive, chromedp.Navigate(boardURL), chromedp.WaitVisible(chromedp.CSS(`body`)))
	if eval[bool](t, member, `document.querySelector('[data-testid="grid"]') !== null`) {
		t.Fatal("a removed member still sees the board")
	}
	// The owner's row has no control at all.
	if n := eval[int](t, fac, `document.querySelector('[data-testid="member"]').querySelectorAll('select, button').length`); n != 0 {
		t.Errorf("the owner's row has %d controls; want none", n)
	}
}
