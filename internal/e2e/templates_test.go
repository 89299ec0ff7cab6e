package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
)

// TestTemplateFromBoard: a facilitator saves a board as a template from its tool bar, by
// keyboard, then starts a new board from it on the home page: the new board has the
// cards, and the template did not take the comment.
func TestTemplateFromBoard(t *testing.T) {
	t.Parallel()
	n := startNode(t, nil, withAccounts)
	tab := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	boardID := signUpWithBoard(t, tab, n, "facilitator@example.org")
	b, err := n.store.FindBoard(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	stage, lane := b.SortedStages()[1].ID, b.SortedLanes()[1].ID
	applyDirect(t, n, boardID,
		cardOp("c-form", stage, lane, "V", "Fills in the paper form"),
		cardOp("c-stamp", stage, lane, "W", "Waits for a stamp"))
	res, err := n.store.ApplyEdits(context.Background(), boardID, []blueprint.Edit{{Author: "Fa", By: "u:someone",
		Op: blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeComment, ID: "m1",
			Fields: blueprint.Fields{Anchor: &blueprint.Anchor{Card: "c-form"}, Text: str("Why paper?")}}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("comment: %v %v", err, res)
	}

	openBoard(t, tab, n.url+"/boards/"+boardID+"?lang=en")
	focusEl(t, tab, `[data-testid="save-template-link"]`)
	keys(t, tab, "following the link", kb.Enter)
	run(t, tab, "waiting for the form", waitLive, chromedp.WaitVisible(chromedp.CSS(`[data-testid="save-template-form"]`)))
	eval[chromedp.Void](t, tab, `document.querySelector('#save-name').value = ''`)
	run(t, tab, "naming the template", waitLive,
		chromedp.SendKeys(chromedp.CSS(`#save-name`), "Paper onboarding"),
		chromedp.SendKeys(chromedp.CSS(`#save-description`), "Two cards, one stamp"))
	focusEl(t, tab, `[data-testid="save-template-submit"]`)
	keys(t, tab, "saving", kb.Enter)
	run(t, tab, "waiting for the templates page", waitLive, chromedp.WaitVisible(chromedp.CSS(`[data-testid="my-template-list"]`)))
	if got := eval[string](t, tab, `document.querySelector('[data-testid="notice"]')?.textContent ?? ''`); !strings.HasPrefix(got, "Template saved.") {
		t.Errorf("notice %q", got)
	}
	tplID := eval[string](t, tab, `document.querySelector('[data-testid="my-template-list"] [data-template-id]').dataset.templateId`)

	run(t, tab, "starting a board from it on the home page", waitLive,
		chromedp.Navigate(n.url+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-board-form"]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid="template-select"]`), tplID))
	if got := eval[string](t, tab, `document.querySelector('[data-testid="template-select"]').selectedOptions[0].textContent`); !strings.Contains(got, "Paper onboarding") {
		t.Errorf("the menu shows %q", got)
	}
	focusEl(t, tab, `[data-testid="new-board-form"] button[type="submit"]`)
	keys(t, tab, "making the board", kb.Enter)
	run(t, tab, "waiting for the new board", waitLive, chromedp.WaitVisible(chromedp.CSS(`[data-card-id="c-stamp"]`)))
	waitState(t, tab, "connected")
	newID := eval[string](t, tab, `document.querySelector('article.board').dataset.boardId`)
	if newID == boardID {
		t.Fatal("the form went back to the source board")
	}
	cards := eval[map[string]string](t, tab, `Object.fromEntries([...document.querySelectorAll('[data-card-id]')].map((c) => [c.dataset.cardId, c.querySelector('.card-text').textContent]))`)
	if len(cards) != 2 || cards["c-form"] != "Fills in the paper form" || cards["c-stamp"] != "Waits for a stamp" {
		t.Errorf("the new board shows %v", cards)
	}
	if got := eval[string](t, tab, `document.querySelector('[data-testid="board-title"]').textContent`); got != "Paper onboarding" {
		t.Errorf("the new board's title %q", got)
	}
	made, err := n.store.FindBoard(context.Background(), newID)
	if err != nil {
		t.Fatal(err)
	}
	if len(made.Annotations.Comments) != 0 || len(made.Cards) != 2 {
		t.Errorf("the new board holds %d cards and %d comments", len(made.Cards), len(made.Annotations.Comments))
	}
}

// TestImportedAnnotations: a board imported with its comments and markers shows them in
// the side panel with their authors' names, each marked imported, and offers nobody to
// edit them.
func TestImportedAnnotations(t *testing.T) {
	t.Parallel()
	n := startNode(t, nil, withAccounts)
	tab := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	signUp(t, tab, n, "importer@example.org")
	data, err := json.Marshal(blueprinttest.Workshop().Export())
	if err != nil {
		t.Fatal(err)
	}
	id := eval[string](t, tab, fmt.Sprintf(`fetch('/api/boards', {method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json'}, body: %q}).then((r) => r.json()).then((d) => d.id ?? JSON.stringify(d))`, data),
		chromedp.EvalAwaitPromise)
	if !blueprint.ValidID(id) {
		t.Fatalf("import: %s", id)
	}
	openBoard(t, tab, n.url+"/boards/"+id+"?lang=fr")
	openPanel(t, tab)
	waitFor(t, tab, "the threads", `document.querySelectorAll('[data-testid="anno-comment"]').length > 0`)
	marks := eval[[]string](t, tab, `[...document.querySelectorAll('[data-testid="anno-panel"] .anno-by')].map((p) => p.querySelector('.anno-author').textContent + '|' + (p.querySelector('[data-testid="anno-imported"]')?.textContent ?? ''))`)
	if len(marks) == 0 {
		t.Fatal("no byline in the panel")
	}
	for _, m := range marks {
		if !strings.HasSuffix(m, "|importé") {
			t.Errorf("byline %q is not marked imported", m)
		}
	}
	if !strings.Contains(strings.Join(marks, "\n"), "Bo|") {
		t.Errorf("no byline names Bo: %v", marks)
	}
	if eval[int](t, tab, `document.querySelectorAll('[data-testid="anno-panel"] [data-testid="anno-edit"]').length`) != 0 {
		t.Errorf("the panel offers to edit an imported comment")
	}
}
