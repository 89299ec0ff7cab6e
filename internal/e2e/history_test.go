package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lastmile/internal/blueprint"
)

// TestHistoryPreviewAndRestore: from the board's tool bar (by keyboard) to its history,
// a past version shown read-only with what changed since marked on it, then restored
// from its confirmed form: the board becomes that version, and the store agrees.
func TestHistoryPreviewAndRestore(t *testing.T) {
	t.Parallel()
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c1", "stage-1", "lane-1", "V", "Before"), cardOp("c2", "stage-1", "lane-2", "V", "Kept"))
	then, err := n.store.BoardSeq(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	postOps(t, n, b.ID,
		blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Text: str("After")}},
		blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c2"},
		cardOp("c3", "stage-2", "lane-1", "V", "Added later"))

	tab := newTab(t)
	run(t, tab, "opening the history from the tool bar", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="history-link"]`)),
		chromedp.Focus(chromedp.CSS(`[data-testid="history-link"]`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="history-feed"] [data-testid="version-link"]`)))
	if got := eval[string](t, tab, `document.querySelector('[data-testid="history-group"] strong').textContent`); got != "api" {
		t.Errorf("history group by %q; want api", got)
	}

	run(t, tab, "opening version "+fmt.Sprint(then), waitLive,
		chromedp.Navigate(fmt.Sprintf("%s/boards/%s/versions/%d", n.url, b.ID, then)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="version-bar"]`)))
	type card struct{ Text, Outline string }
	cards := eval[map[string]card](t, tab, `Object.fromEntries([...document.querySelectorAll('[data-card-id]')].map(c =>
		[c.dataset.cardId, {Text: c.querySelector('.card-text, [data-card-text]')?.textContent.trim() ?? c.textContent.trim(), Outline: getComputedStyle(c).outlineStyle}]))`)
	if len(cards) != 2 || cards["c3"] != (card{}) {
		t.Fatalf("version %d shows cards %+v; want c1 and c2 only", then, cards)
	}
	if cards["c1"].Outline != "solid" || cards["c2"].Outline != "dashed" {
		t.Errorf("outlines: c1 (changed since) %q, c2 (removed since) %q; want solid and dashed", cards["c1"].Outline, cards["c2"].Outline)
	}
	compare := eval[string](t, tab, `document.querySelector('[data-testid="version-compare"]').textContent`)
	for _, want := range []string{"1 card removed since", "1 card changed since", "1 card added since"} {
		if !strings.Contains(compare, want) {
			t.Errorf("comparison %q lacks %q", compare, want)
		}
	}
	if eval[bool](t, tab, `!!document.querySelector('.edit-forms, [data-testid="add-card-form"]')`) {
		t.Errorf("the past version shows edit forms")
	}

	run(t, tab, "restoring the version", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="restore-confirm"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="restore"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="board-title"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-card-id="c2"]`)))
	now, err := n.store.FindBoard(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now.Cards["c1"] == nil || now.Cards["c1"].Text != "Before" || now.Cards["c2"] == nil || now.Cards["c3"] != nil {
		t.Fatalf("after the restore the board holds %v", now.Cards)
	}
	if got := eval[bool](t, tab, `!document.querySelector('[data-card-id="c3"]')`); !got {
		t.Errorf("the restored board still shows c3")
	}
}
