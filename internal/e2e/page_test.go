package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
)

// editorState is the open card editor as the page shows it.
type editorState struct {
	Focused    bool   // the textarea has the focus
	Value      string // what is typed in it
	Start, End int    // its selection
	Card       string // the card it is in
	Cell       string // where that card is: "stage/lane"
}

const editorStateJS = `(() => {
	const ta = document.querySelector("textarea.card-editor");
	if (!ta) return {};
	const card = ta.closest("[data-card-id]"), td = card?.closest("td.cell");
	return {Focused: document.activeElement === ta, Value: ta.value, Start: ta.selectionStart, End: ta.selectionEnd,
		Card: card?.dataset.cardId ?? "", Cell: td ? td.dataset.stageId + "/" + td.dataset.laneId : ""};
})()`

// TestPageKeepsWhatIsOpen changes the board from elsewhere while the page's person is in
// the middle of something: typing in a card that others move to another cell, choosing a
// card's team, editing a link, renaming a stage while others change the stages around it.
// Nothing they have open is disturbed, since only the nodes of what changed are drawn
// again. When what they have open is deleted, it closes, and the page says who deleted it
// and what was not saved.
func TestPageKeepsWhatIsOpen(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	postOps(t, n, b.ID,
		cardOp("c-typed", "stage-1", "lane-1", "V", "Before"),
		cardOp("c-next", "stage-1", "lane-1", "W", "Next"),
		cardOp("c-other", "stage-2", "lane-2", "V", "Other"))
	tab := newTab(t)
	watchConsole(t, tab, false)
	openStructure(t, tab, n.url+"/boards/"+b.ID+"?lang=en")

	t.Run("TypingWhileTheCardMoves", func(t *testing.T) {
		focusEl(t, tab, cardSel("c-typed"))
		keys(t, tab, "pressing Enter", kb.Enter)
		waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
		eval[chromedp.Void](t, tab, `document.activeElement.select()`)
		keys(t, tab, "typing", "Half typed")
		eval[chromedp.Void](t, tab, `document.activeElement.setSelectionRange(2, 6)`)
		// Others move the card being edited to another cell, change its neighbour and
		// the stages, and add cards around it.
		postOps(t, n, b.ID,
			blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-typed",
				Fields: blueprint.Fields{Stage: str("stage-3"), Lane: str("lane-2"), Order: str("k")}},
			blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-next", Fields: blueprint.Fields{Text: str("Renamed")}},
			cardOp("c-new", "stage-3", "lane-2", "a", "Before it"),
			blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: "stage-0",
				Fields: blueprint.Fields{Name: str("First"), Order: str("1")}},
			blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-typed", Fields: blueprint.Fields{Emotion: num(1)}})
		waitCell(t, tab, "c-typed", "stage-3/lane-2")
		waitText(t, tab, "c-next", "Renamed")
		waitFor(t, tab, "the new stage", `document.querySelector('th[data-stage-id="stage-0"]') !== null`)
		got := eval[editorState](t, tab, editorStateJS)
		want := editorState{Focused: true, Value: "Half typed", Start: 2, End: 6, Card: "c-typed", Cell: "stage-3/lane-2"}
		if got != want {
			t.Errorf("after others' ops the editor is %+v, want %+v", got, want)
		}
		keys(t, tab, "saving", kb.Enter)
		waitText(t, tab, "c-typed", "Half typed")
		// The page shows the text as soon as it is sent; the server has it a moment later.
		c := mustFind(t, n, b.ID).Cards["c-typed"]
		for deadline := time.Now().Add(waitLive); (c == nil || c.Text != "Half typed") && time.Now().Before(deadline); c = mustFind(t, n, b.ID).Cards["c-typed"] {
			time.Sleep(20 * time.Millisecond)
		}
		if c == nil || c.Text != "Half typed" || c.Stage != "stage-3" {
			t.Errorf("the server has the card as %+v", c)
		}
	})

	t.Run("TypingWhileTheCardIsDeleted", func(t *testing.T) {
		focusEl(t, tab, cardSel("c-other"))
		keys(t, tab, "pressing Enter", kb.Enter)
		waitFor(t, tab, "the card editor", `document.activeElement?.matches("textarea.card-editor") === true`)
		eval[chromedp.Void](t, tab, `document.activeElement.select()`)
		keys(t, tab, "typing", "Words to keep")
		postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c-other"})
		waitFor(t, tab, "the card to go", fmt.Sprintf(`document.querySelector(%q) === null`, cardSel("c-other")))
		announced(t, tab, "the loss to be announced", `api deleted the card you were editing; what you typed was not saved: “Words to keep”`)
		if n := eval[int](t, tab, `document.querySelectorAll("textarea.card-editor").length`); n != 0 {
			t.Errorf("%d card editors left open", n)
		}
	})

	t.Run("MenuWhileTheCardIsDeleted", func(t *testing.T) {
		focusEl(t, tab, cardSel("c-next"))
		keys(t, tab, "pressing t", "t")
		waitFor(t, tab, "the team list", `document.activeElement?.dataset.testid === "card-team-list"`)
		postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-next", Fields: blueprint.Fields{Text: str("Still here")}})
		waitText(t, tab, "c-next", "Still here")
		if f := eval[string](t, tab, `document.activeElement?.dataset.testid ?? ""`); f != "card-team-list" {
			t.Errorf("after another's edit of the card the focus is on %q, want its menu", f)
		}
		postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c-next"})
		announced(t, tab, "the deletion to be announced", "api deleted the card whose menu was open.")
		waitFor(t, tab, "the menu to close", `document.querySelector('[data-testid="card-popup"]') === null`)
	})

	t.Run("DialogWhileTheLinkIsDeleted", func(t *testing.T) {
		postOps(t, n, b.ID, linkOp("k-open", "c-typed", "c-new"))
		waitFor(t, tab, "the link's row", `document.querySelector('tr[data-link-id="k-open"]') !== null`)
		focusEl(t, tab, `tr[data-link-id="k-open"]`)
		keys(t, tab, "pressing Enter on the row", kb.Enter)
		waitFor(t, tab, "the link dialog", `document.querySelector('[data-testid="link-dialog"]').open === true`)
		postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeLink, ID: "k-open", Fields: blueprint.Fields{Status: str("agreed")}})
		waitFor(t, tab, "the status to follow", `document.querySelector('[data-testid="link-status"]').value === "agreed"`)
		postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeLink, ID: "k-open"})
		announced(t, tab, "the deletion to be announced", "api deleted the link you were editing.")
		waitFor(t, tab, "the dialog to close", `document.querySelector('[data-testid="link-dialog"]').open === false`)
	})

	t.Run("RenamingWhileStagesChange", func(t *testing.T) {
		focusEl(t, tab, stageSel("stage-2"))
		keys(t, tab, "pressing Enter", kb.Enter)
		waitFor(t, tab, "the stage name input", `document.activeElement?.dataset.testid === "stage-name-input"`)
		eval[chromedp.Void](t, tab, `document.activeElement.select()`)
		keys(t, tab, "typing", "Pay")
		postOps(t, n, b.ID,
			blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeStage, ID: "stage-3", Fields: blueprint.Fields{Name: str("Third")}},
			blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeStage, ID: "stage-2", Fields: blueprint.Fields{Order: str("z")}},
			cardOp("c-paid", "stage-2", "lane-1", "V", "Paid"))
		waitCell(t, tab, "c-paid", "stage-2/lane-1")
		waitFor(t, tab, "stage-2 to move last", `[...document.querySelectorAll("th[data-stage-id]")].at(-1).dataset.stageId === "stage-2"`)
		v := eval[[]any](t, tab, `[document.activeElement?.dataset.testid ?? "", document.activeElement?.value ?? "", document.activeElement?.closest("th")?.dataset.stageId ?? ""]`)
		if v[0] != "stage-name-input" || v[1] != "Pay" || v[2] != "stage-2" {
			t.Errorf("after others' ops the rename is %v, want the input of stage-2, focused, holding what was typed", v)
		}
		postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeStage, ID: "stage-2"})
		announced(t, tab, "the deletion to be announced", "api deleted the stage you were renaming.")
		if n := eval[int](t, tab, `document.querySelectorAll('[data-testid="stage-name-input"]').length`); n != 0 {
			t.Errorf("%d rename inputs left open", n)
		}
	})
}

func num(n int) *int { return &n }
