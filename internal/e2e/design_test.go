package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// The window the design is checked in: a common laptop's, and a projector's.
const (
	designWidth  = 1366
	designHeight = 768
)

// openDesigned opens the board at 1366×768 in a browser of its own and waits until the
// editor runs.
func openDesigned(t *testing.T, n *node, boardID, lang string) context.Context {
	t.Helper()
	tab := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	run(t, tab, "sizing the window", waitLive, chromedp.EmulateViewport(designWidth, designHeight))
	openEditable(t, tab, n.url+"/boards/"+boardID+"?lang="+lang)
	return tab
}

// insideJS is a JavaScript expression: what of the element selected passes an edge of the
// window ("" when it is inside, "absent" when there is no such element shown).
func insideJS(sel string) string {
	return fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return "absent";
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) return "absent";
		const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight, out = [];
		if (r.left < -0.5) out.push("left " + Math.round(r.left));
		if (r.top < -0.5) out.push("top " + Math.round(r.top));
		if (r.right > vw + 0.5) out.push("right " + Math.round(r.right) + " > " + vw);
		if (r.bottom > vh + 0.5) out.push("bottom " + Math.round(r.bottom) + " > " + vh);
		return out.join(", ");
	})()`, sel)
}

func checkInside(t *testing.T, tab context.Context, what, sel string) {
	t.Helper()
	if out := eval[string](t, tab, insideJS(sel)); out != "" {
		t.Errorf("%s (%s) is not inside the 1366×768 window: %s", what, sel, out)
	}
}

// TestDesignFormsOnlyWithoutJavaScript checks that the plain forms under the board, which
// edit it without JavaScript, are not shown once the live editor runs, and are there
// without JavaScript.
func TestDesignFormsOnlyWithoutJavaScript(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := openDesigned(t, n, b.ID, "en")
	if shown := eval[[]string](t, tab, `[...document.querySelectorAll('.edit-forms, [data-testid="add-card-form"], [data-testid="add-stage-form"], [data-testid="rename-form"]')].filter((f) => f.getClientRects().length > 0).map((f) => f.className || f.dataset.testid)`); len(shown) != 0 {
		t.Errorf("with the live editor running, the forms without JavaScript are shown: %v", shown)
	}

	plain := newTab(t, chromedp.WithNewBrowserContext())
	if _, err := chromedp.Call(plain, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disabling JavaScript: %v", err)
	}
	run(t, plain, "opening the board without JavaScript", waitLive,
		chromedp.Navigate(n.url+"/boards/"+b.ID),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="add-card-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="add-stage-form"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-testid="board-bar"]`)))
}

// TestDesignEmptyCellHint checks that an empty cell of the grid says how to add a card,
// in the page's language: "click" when the mouse is over it, the key when it has the
// keyboard's focus; a cell holding cards says nothing.
func TestDesignEmptyCellHint(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	applyDirect(t, n, b.ID, cardOp("c-full", "stage-1", "lane-2", "V", "Here"))
	for _, tc := range []struct{ lang, click, key string }{
		{"en", "Click to add a card", "Press N to add a card"},
		{"fr", "Cliquer pour ajouter une carte", "Appuyer sur N pour ajouter une carte"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			tab := openDesigned(t, n, b.ID, tc.lang)
			hint := func(sel string) string {
				return eval[string](t, tab, fmt.Sprintf(`getComputedStyle(document.querySelector(%q), "::after").content`, sel))
			}
			empty, full := cellSel("stage-2", "lane-2"), cellSel("stage-1", "lane-2")

			// The mouse over the empty cell.
			box := eval[[]float64](t, tab, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height - 6]; })()`, empty))
			run(t, tab, "moving the mouse over the empty cell", waitLive, chromedp.MouseEvent("mouseMoved", box[0], box[1]))
			if got := hint(empty); !strings.Contains(got, tc.click) {
				t.Errorf("the empty cell under the mouse shows %s, want %q", got, tc.click)
			}
			if got := hint(full); got != "none" && got != "normal" {
				t.Errorf("a cell with a card shows %s", got)
			}
			if got := hint(cellSel("stage-3", "lane-2")); got != "none" && got != "normal" {
				t.Errorf("an empty cell away from the mouse shows %s", got)
			}

			// The keyboard: from the card, the arrow key moves to the empty cell beside it.
			run(t, tab, "moving the mouse away", waitLive, chromedp.MouseEvent("mouseMoved", 2, 2))
			focusEl(t, tab, cardSel("c-full"))
			keys(t, tab, "pressing the right arrow", kb.ArrowRight)
			waitFor(t, tab, "the empty cell's focus", fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, empty))
			if got := hint(empty); !strings.Contains(got, tc.key) {
				t.Errorf("the empty cell with the keyboard's focus shows %s, want %q", got, tc.key)
			}
		})
	}
}

// TestDesignMenusInsideWindow opens every menu and dialog of the board at 1366×768 —
// the card's menu on a card at the window's bottom right, the lanes and teams panels, the
// link dialog, the confirmation, the keyboard help — and checks that each stays inside
// the window, in the normal and the large mode.
func TestDesignMenusInsideWindow(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	ops := []blueprint.Op{
		cardOp("c-a", "stage-1", "lane-1", "V", "First"),
		cardOp("c-b", "stage-2", "lane-3", "V", "Second"),
		cardOp("c-corner", "stage-5", "lane-5", "V", "At the bottom right of the window"),
		linkOp("l-ab", "c-a", "c-b"),
	}
	for i := range 12 {
		id := fmt.Sprintf("t-%02d", i)
		ops = append(ops, teamOp(id, fmt.Sprintf("Team number %d of the workshop", i+1), "#2563eb"))
	}
	applyDirect(t, n, b.ID, ops...)

	for _, large := range []bool{false, true} {
		name := map[bool]string{false: "normal", true: "large"}[large]
		t.Run(name, func(t *testing.T) {
			tab := openDesigned(t, n, b.ID, "fr")
			if large {
				run(t, tab, "switching the large mode on", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="large-toggle"]`)))
				waitFor(t, tab, "the large mode", `document.documentElement.classList.contains("large")`)
			}

			// The card's menu, on the card at the bottom right of what the window shows.
			focusEl(t, tab, cardSel("c-corner"))
			keys(t, tab, "opening the card's team list", "t")
			waitFor(t, tab, "the card's menu", `document.querySelector('[data-testid="card-popup"]') !== null`)
			checkInside(t, tab, "the card's menu", `[data-testid="card-popup"]`)
			keys(t, tab, "closing the card's menu", kb.Escape)

			// The card's detail and times, opened from the same card.
			focusEl(t, tab, cardSel("c-corner"))
			keys(t, tab, "opening the detail and times", "d")
			waitFor(t, tab, "the detail and times", detailsOpen)
			checkInside(t, tab, "the detail and times", detailsSel)
			keys(t, tab, "closing the detail and times", kb.Escape)
			waitFor(t, tab, "the detail and times to close", "!("+detailsOpen+")")
			// The dialog gives the focus back to the card in a task of its own, which may
			// scroll the page: a click aimed before that could land beside its target.
			waitFor(t, tab, "the focus back on the card", fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, cardSel("c-corner")))

			if !large { // the large mode leaves the structure tools out
				for _, p := range []string{"lanes", "teams"} {
					run(t, tab, "opening the "+p+" panel", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="`+p+`-toggle"]`)))
					waitFor(t, tab, "the "+p+" panel", `!document.querySelector('[data-testid="`+p+`-panel"]').hidden`)
					checkInside(t, tab, "the "+p+" panel", `[data-testid="`+p+`-panel"]`)
				}
				// Deleting a team asks first.
				run(t, tab, "deleting a team", waitLive, chromedp.Click(chromedp.CSS(`[data-team-rows] li:first-child [data-team-delete]`)))
				waitFor(t, tab, "the confirmation", `document.querySelector('[data-testid="confirm"]').open`)
				checkInside(t, tab, "the confirmation", `[data-testid="confirm"]`)
				run(t, tab, "cancelling", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="confirm-cancel"]`)))
				waitFor(t, tab, "the confirmation to close", `!document.querySelector('[data-testid="confirm"]').open`)
				keys(t, tab, "closing the panel", kb.Escape)

				run(t, tab, "opening the keyboard help", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="help-open"]`)))
				waitFor(t, tab, "the help", `!document.querySelector('[data-testid="editor-help"]').hidden`)
				checkInside(t, tab, "the keyboard help", `[data-testid="editor-help"]`)
				keys(t, tab, "closing the help", kb.Escape)
				waitFor(t, tab, "the help to close", `document.querySelector('[data-testid="editor-help"]').hidden`)
			}

			focusEl(t, tab, `tr[data-link-id="l-ab"]`)
			keys(t, tab, "opening the link dialog", kb.Enter)
			waitFor(t, tab, "the link dialog", `document.querySelector('[data-testid="link-dialog"]').open`)
			checkInside(t, tab, "the link dialog", `[data-testid="link-dialog"]`)
		})
	}
}

// badgeClearJS is a JavaScript expression: how the arrow of the link is drawn, as
// {length, hidden}: the length of its line, and how many of the points along it (one
// every pixel, the head's end included) lie under its badge.
func badgeClearJS(id string) string {
	return fmt.Sprintf(`(() => {
		const g = document.querySelector(%q);
		const line = g.querySelector(".link-line"), badge = g.querySelector(".link-badge");
		const len = line.getTotalLength();
		const m = badge.transform.baseVal.consolidate()?.matrix;
		const cx = m ? m.e : 0, cy = m ? m.f : 0, r = Number(badge.querySelector("circle").getAttribute("r"));
		let hidden = 0;
		for (let s = 0; s <= len; s += 1) {
			const p = line.getPointAtLength(Math.min(s, len));
			if (Math.hypot(p.x - cx, p.y - cy) < r + 1) hidden++;
		}
		return { length: len, hidden, badge: badge.getAttribute("visibility") };
	})()`, arrowSel(id))
}

// TestDesignNeighbourArrows checks the arrows between cards of neighbouring stages, side
// by side in a lane: each is long enough to be read (not all head), starts and ends on its
// cards, and its badge (critical, agreed) covers no part of it.
func TestDesignNeighbourArrows(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	critical := linkOp("l-next", "c-left", "c-right")
	critical.Fields.Critical = new(bool)
	*critical.Fields.Critical = true
	critical.Fields.Status = str("agreed")
	back := linkOp("l-back", "c-far", "c-mid")
	back.Fields.Critical = critical.Fields.Critical
	applyDirect(t, n, b.ID,
		cardOp("c-left", "stage-1", "lane-2", "V", "Asks for the permit"),
		cardOp("c-right", "stage-2", "lane-2", "V", "Gets an answer"),
		cardOp("c-mid", "stage-3", "lane-4", "V", "Checks"),
		cardOp("c-far", "stage-4", "lane-4", "V", "Sends back"),
		critical, back)
	for _, large := range []bool{false, true} {
		tab := openDesigned(t, n, b.ID, "en")
		if large {
			run(t, tab, "switching the large mode on", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="large-toggle"]`)))
			waitFor(t, tab, "the large mode", `document.documentElement.classList.contains("large")`)
		}
		for _, id := range []string{"l-next", "l-back"} {
			waitFor(t, tab, "the arrow "+id, arrowFitsJS(id))
			got := eval[struct {
				Length float64 `json:"length"`
				Hidden int     `json:"hidden"`
				Badge  string  `json:"badge"`
			}](t, tab, badgeClearJS(id))
			if got.Badge != "visible" {
				t.Errorf("large=%v: the arrow %s has no badge (%q)", large, id, got.Badge)
			}
			if got.Length < 40 {
				t.Errorf("large=%v: the arrow %s is %.0f px long: too short to be read between neighbouring stages", large, id, got.Length)
			}
			if got.Hidden > 0 {
				t.Errorf("large=%v: the badge of the arrow %s hides %d px of it (of %.0f)", large, id, got.Hidden, got.Length)
			}
		}
	}
}

// TestDesignGuestHeader checks the header of a guest who came through a share link
// without an account: their name marked as a guest, a way to sign in that comes back to
// the board, a way to leave — and nothing of an account (no password to change, no "sign
// out" of an account they do not have).
func TestDesignGuestHeader(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	b := mustBoard(t, n.store)
	ctx := context.Background()
	owner, err := n.store.CreateUser(ctx, "owner@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.store.AddMember(ctx, b.ID, owner.ID, auth.Facilitator); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewToken()
	if _, err := n.store.CreateLink(ctx, auth.Link{BoardID: b.ID, Role: auth.Editor}, hash); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, guest, leave, signout string }{
		{"en", "guest", "Leave", "Sign out"},
		{"fr", "invité", "Quitter", "Se déconnecter"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			tab := newTab(t, chromedp.WithNewBrowserContext())
			watchConsole(t, tab, false)
			run(t, tab, "joining as a guest", waitLive,
				chromedp.Navigate(n.url+"/s/"+token+"?lang="+tc.lang),
				chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Ada"),
				submitForm(`[data-testid="join-form"]`),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
			header := eval[struct {
				Who      string   `json:"who"`
				Mark     string   `json:"mark"`
				Links    []string `json:"links"`
				Button   string   `json:"button"`
				SignIn   string   `json:"signin"`
				Password bool     `json:"password"`
			}](t, tab, `(() => {
				const nav = document.querySelector('[data-testid="account-nav"]');
				return {
					who: nav.querySelector('[data-testid="who"]')?.textContent ?? "",
					mark: nav.querySelector('[data-testid="guest-mark"]')?.textContent ?? "",
					links: [...nav.querySelectorAll("a")].map((a) => a.getAttribute("href")),
					button: nav.querySelector('[data-testid="signout"]')?.textContent ?? "",
					signin: nav.querySelector('[data-testid="signin-link"]')?.getAttribute("href") ?? "",
					password: !!document.querySelector('header a[href="/account/password"]'),
				};
			})()`)
			if header.Who != "Ada" || header.Mark != tc.guest {
				t.Errorf("the guest's header names %q marked %q, want Ada marked %q", header.Who, header.Mark, tc.guest)
			}
			if header.Password {
				t.Errorf("the guest's header offers to change a password")
			}
			if header.Button != tc.leave || strings.Contains(header.Button, tc.signout) {
				t.Errorf("the guest's header button reads %q, want %q", header.Button, tc.leave)
			}
			if want := "/signin?next=%2Fboards%2F" + b.ID; header.SignIn != want {
				t.Errorf("the guest's sign-in link goes to %q, want %q (back to the board)", header.SignIn, want)
			}
			if len(header.Links) != 1 {
				t.Errorf("the guest's header links to %v, want the sign-in only", header.Links)
			}
		})
	}
}

// TestDesignThemeAndLargeMode checks the display switches: the theme follows the
// system's until the reader chooses, the choice and the large mode are remembered by the
// browser (another page of it opens in them), and each changes what the page looks like.
func TestDesignThemeAndLargeMode(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	tab := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, tab, false)
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	run(t, tab, "sizing the window", waitLive, chromedp.EmulateViewport(designWidth, designHeight))
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")
	type look struct {
		Background string `json:"bg"`
		Size       string `json:"size"`
		Pressed    string `json:"pressed"`
		Large      string `json:"large"`
	}
	lookJS := `(() => ({
		bg: getComputedStyle(document.body).backgroundColor,
		size: getComputedStyle(document.documentElement).fontSize,
		pressed: document.querySelector('[data-testid="theme-toggle"]').getAttribute("aria-pressed"),
		large: document.querySelector('[data-testid="large-toggle"]').getAttribute("aria-pressed"),
	}))()`
	dark := eval[look](t, tab, lookJS)
	if dark.Pressed != "true" || dark.Background != "rgb(14, 17, 22)" {
		t.Errorf("with a dark system, the page is %+v, want dark", dark)
	}
	run(t, tab, "choosing the light theme", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="theme-toggle"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="large-toggle"]`)))
	chosen := eval[look](t, tab, lookJS)
	if chosen.Pressed != "false" || chosen.Background != "rgb(243, 244, 246)" || chosen.Large != "true" || chosen.Size != "20px" {
		t.Errorf("after choosing light and large, the page is %+v", chosen)
	}
	// Another page of the same browser opens as chosen, the system still dark.
	run(t, tab, "opening the home page", waitLive, chromedp.Navigate(n.url+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-board-form"]`)))
	if again := eval[look](t, tab, lookJS); again != chosen {
		t.Errorf("the next page is %+v, want %+v as chosen", again, chosen)
	}
	if dir := eval[string](t, tab, `document.documentElement.dataset.theme + " " + document.documentElement.className`); !strings.Contains(dir, "light") || !strings.Contains(dir, "large") {
		t.Errorf("the page's root says %q", dir)
	}
}
