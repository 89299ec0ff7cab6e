package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"lastmile/internal/blueprint"
)

// Card text that would run if the page ever wrote it as markup.
const hostileText = `<img src=x onerror=window.__pwned=1>`

const (
	statusSel = `[data-testid="live-status"]`
	waitLive  = 10 * time.Second
)

func cardSel(id string) string { return fmt.Sprintf(`[data-card-id=%q]`, id) }

// waitState waits until the status line shows one of the states.
func waitState(t testing.TB, tab context.Context, states ...string) {
	t.Helper()
	var conds []string
	for _, s := range states {
		conds = append(conds, fmt.Sprintf(`el.dataset.state === %q`, s))
	}
	expr := fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && !el.hidden && (%s); })()`,
		statusSel, strings.Join(conds, " || "))
	ctx, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](expr, chromedp.WithPollingInterval(10*time.Millisecond)))); err != nil {
		got := eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q)?.dataset.state ?? "(none)"`, statusSel))
		t.Fatalf("waiting for the status to be %v: %v (it is %q)", states, err, got)
	}
}

// statusText returns the status line's text and the text its data attribute holds for
// the state it shows, which must be the same.
func statusText(t *testing.T, tab context.Context) (shown, want string) {
	t.Helper()
	v := eval[[]string](t, tab, fmt.Sprintf(`(() => { const el = document.querySelector(%q); return [el.textContent, el.dataset[el.dataset.state]]; })()`, statusSel))
	return v[0], v[1]
}

// TestLiveUpdate opens a board page and changes the board from elsewhere: the page shows
// the new card, as text, without any error.
func TestLiveUpdate(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t)
	watchConsole(t, tab, false)

	run(t, tab, "opening the board", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, tab, "connected")
	if shown, want := statusText(t, tab); shown != want || !strings.HasPrefix(shown, "Connected") {
		t.Errorf("status text = %q, want %q (starting with Connected)", shown, want)
	}
	if role := eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q).getAttribute("role")`, statusSel)); role != "status" {
		t.Errorf("status role = %q, want status", role)
	}

	// Someone is typing in a form of the page while the board changes (the teams panel's:
	// the forms under the board are for pages without JavaScript).
	stageName := `[data-testid="add-team"] input[name="name"]`
	run(t, tab, "typing in a form", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="teams-toggle"]`)),
		chromedp.SendKeys(chromedp.CSS(stageName), "Half typed"))

	postOps(t, n, b.ID, cardOp("c-live", "stage-2", "lane-3", "V", hostileText))
	run(t, tab, "waiting for the new card", waitLive, chromedp.WaitVisible(chromedp.CSS(cardSel("c-live")+" .card-text")))
	typing := eval[[]any](t, tab, fmt.Sprintf(`[document.querySelector(%q).value, document.activeElement === document.querySelector(%q)]`, stageName, stageName))
	if typing[0] != "Half typed" || typing[1] != true {
		t.Errorf("the form being typed in = %v, want its text and focus kept", typing)
	}

	text := eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q).textContent`, cardSel("c-live")+" .card-text"))
	if text != hostileText {
		t.Errorf("card text = %q, want it shown as text: %q", text, hostileText)
	}
	if imgs := eval[int](t, tab, `document.querySelectorAll("article.board img").length`); imgs != 0 {
		t.Errorf("the board holds %d img elements: card text became markup", imgs)
	}
	if pwned := eval[string](t, tab, `typeof window.__pwned`); pwned != "undefined" {
		t.Errorf("window.__pwned is %s: card text ran", pwned)
	}
	cell := eval[string](t, tab, fmt.Sprintf(`document.querySelector(%q).closest("td").dataset.stageId + "/" + document.querySelector(%q).closest("td").dataset.laneId`, cardSel("c-live"), cardSel("c-live")))
	if cell != "stage-2/lane-3" {
		t.Errorf("the card is in cell %s, want stage-2/lane-3", cell)
	}

	// A new team shows in the legend with its colour, although the page's own style
	// element (which carries the nonce) does not know it.
	postOps(t, n, b.ID, teamOp("t-new", "Night shift", "#ff0000"), cardTeamOp("c-live", "t-new"))
	run(t, tab, "waiting for the new team", waitLive, chromedp.WaitVisible(chromedp.CSS(`[data-team="t-new"].team-chip`)))
	color := eval[string](t, tab, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).getPropertyValue("--team").trim()`, cardSel("c-live")))
	if color != "#ff0000" {
		t.Errorf("the card's --team colour = %q, want #ff0000", color)
	}
	run(t, tab, "waiting for data-seq to follow", waitLive, discard(chromedp.Poll[bool](
		fmt.Sprintf(`document.querySelector("article.board").dataset.seq === "%d"`, b.Seq+3))))

	// Keyboard focus on a card's button stays on that card's button when the grid is
	// swapped.
	eval[chromedp.Void](t, tab, fmt.Sprintf(`document.querySelector(%q).focus()`, cardSel("c-live")+" button"))
	postOps(t, n, b.ID, blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c-live",
		Fields: blueprint.Fields{Text: str("renamed")}})
	run(t, tab, "waiting for the renamed card", waitLive, discard(chromedp.Poll[bool](
		fmt.Sprintf(`document.querySelector(%q)?.textContent === "renamed"`, cardSel("c-live")+" .card-text"))))
	if focused := eval[bool](t, tab, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, cardSel("c-live")+" button")); !focused {
		t.Errorf("focus left the card's button: it is on %s", eval[string](t, tab, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	waitState(t, tab, "connected")
}

// TestWithoutJavaScript checks that the board page is whole without JavaScript, and that
// the status line, which only the script fills, stays hidden.
func TestWithoutJavaScript(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t)
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disabling JavaScript: %v", err)
	}
	run(t, tab, "opening the board without JavaScript", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="add-card-form"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(statusSel)))
}

// TestReconnect cuts the page's connection, then restarts the hub; each time the page
// says it is reconnecting, comes back, and shows what changed meanwhile.
func TestReconnect(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t)
	watchConsole(t, tab, true)

	run(t, tab, "opening the board", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID+"?lang=fr"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, tab, "connected")
	eval[chromedp.Void](t, tab, `window.__firstLoad = true`)
	if shown, want := statusText(t, tab); shown != want || !strings.HasPrefix(shown, "Connecté") {
		t.Errorf("status text = %q, want %q (in French)", shown, want)
	}

	t.Run("NetworkLoss", func(t *testing.T) {
		n.live.cut()
		waitState(t, tab, "reconnecting", "offline")
		if shown, want := statusText(t, tab); shown != want || shown == "" {
			t.Errorf("status text = %q, want %q", shown, want)
		}
		postOps(t, n, b.ID, cardOp("c-while-cut", "stage-1", "lane-1", "V", "made while the page was cut off"))
		n.live.restore()
		waitState(t, tab, "connected")
		run(t, tab, "waiting for the card made meanwhile", waitLive, chromedp.WaitVisible(chromedp.CSS(cardSel("c-while-cut"))))
	})

	t.Run("Restart", func(t *testing.T) {
		n.live.stopHub(t) // clients are closed with 1012, and refused until a hub is back
		waitState(t, tab, "reconnecting", "offline")
		applyDirect(t, n, b.ID, cardOp("c-while-down", "stage-3", "lane-2", "V", "made while the server restarted"))
		n.live.startHub()
		waitState(t, tab, "connected")
		run(t, tab, "waiting for the card made meanwhile", waitLive, chromedp.WaitVisible(chromedp.CSS(cardSel("c-while-down"))))

		// Live again: an op now arrives without a reload.
		postOps(t, n, b.ID, cardOp("c-after", "stage-3", "lane-2", "W", "after the restart"))
		run(t, tab, "waiting for the card made after", waitLive, chromedp.WaitVisible(chromedp.CSS(cardSel("c-after"))))
	})

	// Never a reload: the page that went through all this is the one first opened.
	if marked := eval[bool](t, tab, `window.__firstLoad === true`); !marked {
		t.Errorf("the page was reloaded")
	}
}
