package e2e_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
	"lastmile/internal/wsclient"
)

// liveWithin is how soon a change on the board shows on an open Analysis page: the
// issue's "within a second".
const liveWithin = time.Second

// TestAnalysisLive opens the Analysis page of a board with one critical link nobody
// agreed on (red); an editor, in another client, resolves the link and names its owner
// team; the page, without being reloaded, turns green within a second: the overall level
// and the stage's, and the counts.
func TestAnalysisLive(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	stage := b.SortedStages()[0].ID
	var front, back string
	for _, l := range b.SortedLanes() {
		switch l.Role {
		case blueprint.RoleFrontstage:
			front = l.ID
		case blueprint.RoleBackstage:
			back = l.ID
		}
	}
	postOps(t, n, b.ID,
		teamOp("t-desk", "Front desk", "#2563eb"), teamOp("t-it", "IT", "#059669"),
		cardOp("c-front", stage, front, "a", "Clerk checks the form"), cardTeamOp("c-front", "t-desk"),
		cardOp("c-back", stage, back, "a", "Account is opened"), cardTeamOp("c-back", "t-it"),
		blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: "k-crit", Fields: blueprint.Fields{
			From: str("c-front"), To: str("c-back"), Kind: str("dependency"), Critical: new(true)}})

	tab := newTab(t)
	watchConsole(t, tab, false)
	run(t, tab, "opening the Analysis page", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID+"/analysis?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="readiness"]`)))
	waitFor(t, tab, "the page to be red", `document.querySelector('[data-live="level"]').dataset.level === 'red'`)
	waitFor(t, tab, "the page to listen to the board", `document.querySelector('article.analysis').dataset.liveState === 'connected'`)

	editor := wsclient.New(n.url, b.ID, "editor-tab", "Edna")
	ctx, cancel := context.WithTimeout(context.Background(), waitLive)
	defer cancel()
	if err := editor.Connect(ctx); err != nil {
		t.Fatalf("connecting the editor: %v", err)
	}
	defer editor.Close()
	if _, err := editor.Submit(blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeLink, ID: "k-crit",
		Fields: blueprint.Fields{Status: str(blueprint.StatusResolved), Owner: str("t-it")}}); err != nil {
		t.Fatal(err)
	}

	green := `(() => {
	  const a = document.querySelector('article.analysis');
	  const level = a.querySelector('[data-live="level"]');
	  const stage = a.querySelector('.strip-stage[data-stage-id="` + stage + `"]');
	  return level.dataset.level === 'green' && level.textContent.includes('Green') &&
	    stage.dataset.level === 'green' && stage.textContent.includes('Green') &&
	    a.querySelector('[data-live="cleared"]').textContent === '1' &&
	    a.querySelector('[data-live="share"]').textContent === '100%' &&
	    a.querySelector('[data-live="blockers"]').textContent === '0';
	})()`
	within, done := context.WithTimeout(tab, liveWithin)
	defer done()
	if _, err := chromedp.Run(within, discard(chromedp.Poll[bool](green))); err != nil {
		t.Fatalf("the readiness did not turn green within %v: %v (level %q)", liveWithin, err,
			eval[string](t, tab, `document.querySelector('[data-live="level"]').textContent`))
	}
}

// TestPortfolio signs up in the browser, makes two boards from the home page — "Zeta
// permits", red (a critical link nobody resolved, between two teams), and "Alpha
// onboarding", green — and opens the portfolio: the red board comes first, sorting by
// board name by keyboard puts Alpha first, filtering by a team keeps the board where it
// works, and a row's link opens that board's Analysis page.
func TestPortfolio(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	tab := newTab(t)
	watchConsole(t, tab, false)
	red := signUpWithBoard(t, tab, n, "manager@example.org")
	run(t, tab, "making a second board", waitLive,
		chromedp.Navigate(n.url+"/?lang=en"),
		submitForm(`[data-testid="new-board-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-form"]`)))
	green := eval[string](t, tab, `document.querySelector('article.board').dataset.boardId`)

	b := mustFind(t, n, red)
	stage := b.SortedStages()[0].ID
	var front, back string
	for _, l := range b.SortedLanes() {
		switch l.Role {
		case blueprint.RoleFrontstage:
			front = l.ID
		case blueprint.RoleBackstage:
			back = l.ID
		}
	}
	title := func(id, s string) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: id, Fields: blueprint.Fields{Title: str(s)}}
	}
	applyDirect(t, n, red, title(red, "Zeta permits"),
		teamOp("t-desk", "Front desk", "#2563eb"), teamOp("t-it", "IT", "#059669"),
		cardOp("c-front", stage, front, "a", "Clerk checks the form"), cardTeamOp("c-front", "t-desk"),
		cardOp("c-back", stage, back, "a", "Account is opened"), cardTeamOp("c-back", "t-it"),
		blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: "k-crit", Fields: blueprint.Fields{
			From: str("c-front"), To: str("c-back"), Kind: str("dependency"), Critical: new(true)}})
	applyDirect(t, n, green, title(green, "Alpha onboarding"))

	rows := `[...document.querySelectorAll('[data-testid="portfolio-row"]')].map((r) => r.dataset.boardId)`
	run(t, tab, "opening the portfolio", waitLive,
		chromedp.Navigate(n.url+"/portfolio?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="portfolio-table"]`)))
	if got := eval[[]string](t, tab, rows); !slices.Equal(got, []string{red, green}) {
		t.Errorf("by readiness the rows are %v; want the red board, then the green one", got)
	}
	if level := eval[string](t, tab, `document.querySelector('[data-testid="portfolio-row"] td').textContent.trim()`); !strings.Contains(level, "Red") {
		t.Errorf("the first row's readiness says %q; want it in words, Red", level)
	}

	eval[chromedp.Void](t, tab, `document.querySelector('a[data-sort="title"]').focus()`)
	keys(t, tab, "sorting by name", kb.Enter)
	run(t, tab, "waiting for the page sorted by name", waitLive, chromedp.WaitVisible(chromedp.CSS(`[data-testid="portfolio-table"] thead th:first-child .sorted`)))
	if got := eval[[]string](t, tab, rows); !slices.Equal(got, []string{green, red}) {
		t.Errorf("by name the rows are %v; want Alpha, then Zeta", got)
	}

	run(t, tab, "filtering by team", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="team-filter"] select`), "IT"),
		submitForm(`[data-testid="team-filter"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="portfolio-filtered"]`)))
	if got := eval[[]string](t, tab, rows); !slices.Equal(got, []string{red}) {
		t.Errorf("filtered by IT the rows are %v; want only %s", got, red)
	}

	run(t, tab, "opening the board's analysis from its row", waitLive,
		chromedp.Click(chromedp.CSS(`[data-testid="portfolio-row"] th a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="readiness"]`)))
	if path := eval[string](t, tab, `location.pathname`); path != "/boards/"+red+"/analysis" {
		t.Errorf("the row's link opened %s", path)
	}
}
