package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const announceSel = `[data-testid="editor-announce"]`

// setCardText replaces a card's text by keyboard (Enter, the new text, Enter), once
// nobody else is editing it.
func setCardText(t *testing.T, tab context.Context, id, text string) {
	t.Helper()
	waitFor(t, tab, "the card to be free", fmt.Sprintf(`document.querySelector(%q)?.dataset.lockedBy === undefined`, cardSel(id)))
	focusEl(t, tab, cardSel(id))
	keys(t, tab, "pressing Enter on the card", kb.Enter)
	waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
	eval[chromedp.Void](t, tab, `document.activeElement.select()`)
	keys(t, tab, "typing the card's text", text)
	keys(t, tab, "saving", kb.Enter)
	waitText(t, tab, id, text)
}

// undoAndHear presses Ctrl+Z and returns what the page then announces. The line is
// emptied first, so that the same sentence said twice is heard twice.
func undoAndHear(t *testing.T, tab context.Context) string {
	t.Helper()
	eval[chromedp.Void](t, tab, fmt.Sprintf(`document.querySelector(%q).textContent = ""`, announceSel))
	keys(t, tab, "pressing Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tab, "an announcement", fmt.Sprintf(`document.querySelector(%q).textContent !== ""`, announceSel))
	return eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q).textContent`, announceSel))
}

// TestUndoKeepsOthersWork has Ana and Bea edit one board in two browsers. Ana moves a
// card, adds a card and rewrites a third; Bea then rewrites the card Ana added and the
// card Ana rewrote. Ana's undo leaves both of Bea's texts as they are and says so,
// naming Bea; Ana's move, which nobody touched, is undone. The log shows that the two
// refused undos sent nothing.
func TestUndoKeepsOthersWork(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID, cardOp("c-flyer", "stage-1", "lane-1", "V", "Flyer"), cardOp("c-mine", "stage-2", "lane-1", "V", "Mine"))
	url := n.url + "/boards/" + b.ID + "?lang=en"
	ana, bea := newTab(t, chromedp.WithNewBrowserContext()), newTab(t, chromedp.WithNewBrowserContext())
	asPerson(t, ana, "Ana")
	asPerson(t, bea, "Bea")
	watchConsole(t, ana, false)
	watchConsole(t, bea, false)
	openEditable(t, ana, url)
	openEditable(t, bea, url)
	waitText(t, ana, "c-flyer", "Flyer")

	// Ana: a move nobody will touch, a new card, a new text.
	focusEl(t, ana, cardSel("c-mine"))
	keys(t, ana, "pressing Alt+ArrowRight", kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt))
	waitCell(t, bea, "c-mine", "stage-3/lane-1")
	added := addCardByKeyboard(t, ana, cellSel("stage-4", "lane-1"), "Ana's card")
	setCardText(t, ana, "c-flyer", "Ana's flyer")

	// Bea rewrites both; Ana sees it.
	waitText(t, bea, added, "Ana's card")
	waitText(t, bea, "c-flyer", "Ana's flyer")
	setCardText(t, bea, added, "Bea's card")
	setCardText(t, bea, "c-flyer", "Bea's flyer")
	waitText(t, ana, added, "Bea's card")
	waitText(t, ana, "c-flyer", "Bea's flyer")
	seq, err := n.store.BoardSeq(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}

	// Ana's text: Bea has changed it since.
	want := "Not undone: \u2068Bea\u2069 changed this card's text since."
	if got := undoAndHear(t, ana); got != want {
		t.Errorf("undoing the text overwritten by Bea says %q, want %q", got, want)
	}
	if got := eval[string](t, ana, fmt.Sprintf(`document.querySelector(%q)?.textContent`, cardSel("c-flyer")+" .card-text")); got != "Bea's flyer" {
		t.Errorf("after the undo Ana's page shows %q, want Bea's text", got)
	}
	// Ana's card: Bea has rewritten it, so it is not deleted.
	if got := undoAndHear(t, ana); got != want {
		t.Errorf("undoing the card Bea rewrote says %q, want %q", got, want)
	}
	if got := eval[string](t, ana, fmt.Sprintf(`document.querySelector(%q)?.textContent ?? "(gone)"`, cardSel(added)+" .card-text")); got != "Bea's card" {
		t.Errorf("after the undo Ana's page shows the card as %q, want Bea's text", got)
	}
	// Ana's move: nobody touched it since, so it is undone.
	if got := undoAndHear(t, ana); got != "Undone" {
		t.Errorf("undoing the move says %q, want Undone", got)
	}
	waitCell(t, bea, "c-mine", "stage-2/lane-1")
	waitText(t, bea, "c-flyer", "Bea's flyer")
	waitText(t, bea, added, "Bea's card")

	// Bea sees the move undone, so it is committed: the log after Bea's edits holds it
	// alone.
	after, err := n.store.OpsSince(context.Background(), b.ID, seq, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].Author != "Ana" || after[0].Op.ID != "c-mine" || after[0].Op.Fields.Stage == nil || *after[0].Op.Fields.Stage != "stage-2" {
		var got []string
		for _, c := range after {
			got = append(got, fmt.Sprintf("%s: %s %s %s", c.Author, c.Op.Action, c.Op.Type, c.Op.ID))
		}
		t.Errorf("Ana's three undos committed %v, want the move of c-mine back to stage-2 alone", got)
	}
}
