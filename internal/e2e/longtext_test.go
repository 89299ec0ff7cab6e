package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// EnvScreenshots names a folder where TestLongText leaves a screenshot of each page it
// checks, for a person to look at; unset, it takes none.
const EnvScreenshots = "LASTMILE_SCREENSHOTS"

// The window the long-text pages are checked in.
const (
	longWidth  = 1366
	longHeight = 768
	// printWidth is the width of a landscape A4 page inside the print stylesheet's
	// margins (277 mm), in CSS pixels.
	printWidth = 1047
)

// long returns a text of exactly n characters without a space: prefix, then letters
// as wide as they come.
func long(prefix string, n int) string {
	return prefix + strings.Repeat("W", n-len([]rune(prefix)))
}

// longEmail returns an address of the greatest length an account accepts.
func longEmail(prefix string) string {
	const domain = "@example.org"
	return long(prefix, auth.MaxEmailLen-len(domain)) + domain
}

// overflowJS is a JavaScript function that lists, in the page as it is laid out, what
// does not fit: the page itself when it scrolls sideways, every element whose box passes
// the right edge of the box that holds it (the nearest ancestor that scrolls or clips,
// else the window) or whose content runs out of its own box, and what is fixed in the
// window (an announcement) but passes its top or bottom. Inside the board's grid, which
// scrolls sideways on purpose, each element must stay inside its cell, a cell may be no
// wider than the grid's window, and what is drawn over the grid (others' pointers) may
// not pass its right edge. What is hidden for screen readers only is left out.
const overflowJS = `(() => {
  const out = [];
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const name = (el) => el.localName + (el.id ? '#' + el.id : el.classList.length ? '.' + [...el.classList].join('.') : '') +
    (el.dataset?.testid ? '[' + el.dataset.testid + ']' : '');
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(name(e));
    return parts.join(' > ');
  };
  const px = (n) => Math.round(n) + ' px';
  if (document.documentElement.scrollWidth > vw + 1) {
    out.push('the page is ' + px(document.documentElement.scrollWidth) + ' wide in a window of ' + px(vw));
  }
  const grid = document.querySelector('.board-scroll');
  const skip = '.visually-hidden, svg, template, script, style, head, option';
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest(skip)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.display !== 'inline' && cs.overflowX === 'visible' && !el.matches('input, select, textarea, table, tbody, thead, tr') &&
        el.scrollWidth > el.clientWidth + 1) {
      out.push(path(el) + ': its content is ' + px(el.scrollWidth) + ' wide in ' + px(el.clientWidth));
    }
    if (cs.position === 'fixed' && (r.top < -1 || r.bottom > vh + 1)) {
      out.push(path(el) + ': fixed from ' + px(r.top) + ' to ' + px(r.bottom) + ' in a window of ' + px(vh));
    }
    if (grid && grid.contains(el) && el !== grid) {
      const cell = el.parentElement.closest('td, th'), table = grid.querySelector('table');
      if (!cell && !el.closest('table') && table && r.right > table.getBoundingClientRect().right + 1) {
        out.push(path(el) + ': ends at ' + px(r.right) + ', the grid at ' + px(table.getBoundingClientRect().right));
      }
      if (el.matches('td, th') && el.colSpan === 1 && r.width > grid.clientWidth + 1) {
        out.push(path(el) + ': a column of ' + px(r.width) + ' in a grid of ' + px(grid.clientWidth));
      }
      if (cell && grid.contains(cell)) {
        const c = cell.getBoundingClientRect();
        if (r.right > c.right + 1) out.push(path(el) + ': ends at ' + px(r.right) + ', its cell at ' + px(c.right));
      }
      continue;
    }
    let limit = vw, by = 'the window';
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        limit = a.getBoundingClientRect().left + a.clientLeft + a.clientWidth;
        by = name(a);
        break;
      }
    }
    if (r.right > limit + 1) out.push(path(el) + ': ends at ' + px(r.right) + ', ' + by + ' at ' + px(limit));
  }
  return out;
})`

// checkFits fails the test with what does not fit on the tab's page; with EnvScreenshots
// set it leaves a screenshot of the window under the page's name.
func checkFits(t *testing.T, tab context.Context, page string) {
	t.Helper()
	checkFitsWhen(t, tab, page, "true")
}

// checkFitsWhen is checkFits at the moment the JavaScript condition cond holds, waited
// for: what lasts a few seconds (an announcement) is measured while it is there.
func checkFitsWhen(t *testing.T, tab context.Context, page, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(`(%s) ? JSON.stringify(%s()) : ""`, cond, overflowJS)))
	if err != nil {
		t.Fatalf("%s: waiting for %s: %v", page, cond, err)
	}
	var bad []string
	if err := json.Unmarshal([]byte(got), &bad); err != nil {
		t.Fatal(err)
	}
	const most = 12
	for i, b := range bad {
		if i == most {
			t.Errorf("%s: … and %d more", page, len(bad)-most)
			break
		}
		t.Errorf("%s: %s", page, b)
	}
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		return
	}
	shot, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	png, err := chromedp.Run(shot, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("taking a screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, page+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// longBoardOps fills every field of a service blueprint board to its limit, without a
// space: its title, the names of its stages and lanes, a team, an emotion lane, cards
// with the longest text and detail, and a link between two of them.
func longBoardOps(boardID string) []blueprint.Op {
	update := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: typ, ID: id, Fields: f}
	}
	create := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionCreate, Type: typ, ID: id, Fields: f}
	}
	ops := []blueprint.Op{update(blueprint.TypeBoard, boardID, blueprint.Fields{Title: str(long("Title", blueprint.MaxNameLen))})}
	for i := 1; i <= 5; i++ {
		ops = append(ops,
			update(blueprint.TypeStage, fmt.Sprintf("stage-%d", i), blueprint.Fields{Name: str(long(fmt.Sprintf("Stage%d", i), blueprint.MaxNameLen))}),
			update(blueprint.TypeLane, fmt.Sprintf("lane-%d", i), blueprint.Fields{Label: str(long(fmt.Sprintf("Lane%d", i), blueprint.MaxNameLen))}))
	}
	keys, err := blueprint.KeysBetween("", "", 5)
	if err != nil {
		panic(err)
	}
	last, err := blueprint.KeyBetween(keys[4], "")
	if err != nil {
		panic(err)
	}
	mins, emotion := 90, 2
	ops = append(ops,
		create(blueprint.TypeTeam, "t-long", blueprint.Fields{Name: str(long("Team", blueprint.MaxNameLen)), Color: str("#7c3aed")}),
		create(blueprint.TypeLane, "lane-emotion", blueprint.Fields{Role: str(string(blueprint.RoleEmotion)), Order: str(last),
			Label: str(long("Emotion", blueprint.MaxNameLen))}),
		create(blueprint.TypeCard, "c-long", blueprint.Fields{Stage: str("stage-1"), Lane: str("lane-2"), Order: str("V"),
			Text: str(long("Text", blueprint.MaxTextLen)), Detail: str(long("Detail", blueprint.MaxDetailLen)), Team: str("t-long"),
			ActiveMinutes: &mins, WaitMinutes: &mins}),
		create(blueprint.TypeCard, "c-other", blueprint.Fields{Stage: str("stage-2"), Lane: str("lane-3"), Order: str("V"),
			Text: str(long("Other", blueprint.MaxTextLen)), Team: str("t-long")}),
		create(blueprint.TypeCard, "c-emotion", blueprint.Fields{Stage: str("stage-3"), Lane: str("lane-emotion"), Order: str("V"),
			Text: str(long("Feeling", blueprint.MaxTextLen)), Emotion: &emotion}),
		create(blueprint.TypeLink, "l-long", blueprint.Fields{From: str("c-long"), To: str("c-other"), Owner: str("t-long"),
			Critical: new(true)}))
	return ops
}

// TestLongText fills every text a person can type to its limit, without a space, and
// checks in a 1366×768 window that each page keeps it inside its boxes: the board,
// editable and read-only and as printed, with its announcements, menus and others'
// pointers, the home page's list, the members and share panels, the share link's form,
// the account forms, the board's deletion and the error page, in English and in French.
func TestLongText(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	ctx := context.Background()
	viewport := chromedp.EmulateViewport(longWidth, longHeight)

	// The facilitator's account has the longest e-mail; the board is theirs.
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, true) // the error page is a 404 on purpose
	run(t, fac, "sizing the window", waitLive, viewport)
	boardID := signUpWithBoard(t, fac, n, longEmail("facilitator"))
	body, err := json.Marshal(longBoardOps(boardID))
	if err != nil {
		t.Fatal(err)
	}
	status := eval[int](t, fac, fmt.Sprintf(`fetch('/api/boards/%s/ops', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: %q}).then((r) => r.status)`,
		boardID, body), chromedp.EvalAwaitPromise)
	if status != 200 {
		t.Fatalf("building the board: status %d", status)
	}

	// A member with the longest e-mail, and a commenter's share link with the longest label.
	member, err := n.store.CreateUser(ctx, longEmail("member"), "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.store.InviteMember(ctx, boardID, member.Email, auth.Editor); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewToken()
	if _, err := n.store.CreateLink(ctx, auth.Link{BoardID: boardID, Role: auth.Commenter, Label: long("Label", 100)}, hash); err != nil {
		t.Fatal(err)
	}

	// A guest with the longest display name comes through the link and stays on the board,
	// read-only for a commenter.
	guest := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, guest, false)
	run(t, guest, "sizing the window", waitLive, viewport)
	for _, lang := range []string{"en", "fr"} {
		run(t, guest, "opening the share link", waitLive, chromedp.Navigate(n.url+"/s/"+token+"?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="join-form"]`)))
		checkFits(t, guest, "join-"+lang)
	}
	run(t, guest, "joining", waitLive,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), long("Guest", 60)),
		submitForm(`[data-testid="join-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, guest, "connected")

	boardURL := n.url + "/boards/" + boardID
	for _, lang := range []string{"en", "fr"} {
		t.Run("Board-"+lang, func(t *testing.T) {
			run(t, fac, "opening the board", waitLive, chromedp.Navigate(boardURL+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="member-list"]`)))
			waitState(t, fac, "connected")
			waitFor(t, fac, "the editor to start", `document.querySelector('td.cell[tabindex="0"]') !== null`)
			waitFor(t, fac, "the guest's avatar", `document.querySelector('[data-testid="avatar"]') !== null`)
			waitFor(t, fac, "the arrow", `document.querySelector('[data-testid="link-layer"] g[data-link-id="l-long"]') !== null`)
			checkFits(t, fac, "board-"+lang)
			eval[chromedp.Void](t, fac, `document.querySelector('[data-card-id="c-long"]').scrollIntoView()`)
			checkFits(t, fac, "cards-"+lang)
			// l on the card starts a link: the announcement quotes the card's text.
			focusEl(t, fac, cardSel("c-long"))
			keys(t, fac, "pressing l", "l")
			checkFitsWhen(t, fac, "linking-"+lang, `document.querySelector('[data-testid="editor-announce"]').textContent.includes("Text")`)
			keys(t, fac, "pressing Escape", kb.Escape)
			// t on the card opens the list of teams under it.
			focusEl(t, fac, cardSel("c-long"))
			keys(t, fac, "pressing t", "t")
			checkFitsWhen(t, fac, "teams-"+lang, `document.querySelector('[data-testid="card-popup"]') !== null`)
			if !eval[bool](t, fac, `document.querySelector('[data-testid="card-popup"]').getBoundingClientRect().top <= document.querySelector('.board-scroll').getBoundingClientRect().bottom + 8`) {
				t.Errorf("teams-%s: the list of teams opens below the grid, not under what shows of the card", lang)
			}
			keys(t, fac, "pressing Escape", kb.Escape)
			eval[chromedp.Void](t, fac, `document.querySelector('[data-testid="members"]').scrollIntoView()`)
			checkFits(t, fac, "members-"+lang)
		})
		t.Run("ReadOnly-"+lang, func(t *testing.T) {
			run(t, guest, "opening the board", waitLive, chromedp.Navigate(boardURL+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
			waitState(t, guest, "connected")
			checkFits(t, guest, "readonly-"+lang)
			// The facilitator points at the middle of the grid: the guest sees the pointer
			// with the facilitator's e-mail.
			eval[chromedp.Void](t, fac, `window.scrollTo(0, 0)`)
			head := rectOf(t, fac, `th#col-stage-2`)
			x, y := head.Left+head.Width/2, head.Top+20
			run(t, fac, "moving the pointer", waitLive, chromedp.MouseEvent("mouseMoved", x-5, y-5), chromedp.MouseEvent("mouseMoved", x, y))
			checkFitsWhen(t, guest, "pointer-"+lang, `document.querySelector('[data-testid="cursor"]') !== null`)
		})
		t.Run("Home-"+lang, func(t *testing.T) {
			run(t, fac, "opening the home page", waitLive, chromedp.Navigate(n.url+"/?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="board-list"]`)))
			checkFits(t, fac, "home-"+lang)
		})
		t.Run("Account-"+lang, func(t *testing.T) {
			run(t, fac, "opening the password form", waitLive, chromedp.Navigate(n.url+"/account/password?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="password-form"]`)))
			checkFits(t, fac, "password-"+lang)
		})
		t.Run("Delete-"+lang, func(t *testing.T) {
			run(t, fac, "opening the board's deletion", waitLive, chromedp.Navigate(boardURL+"/delete?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="delete-confirm"]`)))
			checkFits(t, fac, "delete-"+lang)
		})
		t.Run("Error-"+lang, func(t *testing.T) {
			run(t, fac, "opening a board that does not exist", waitLive, chromedp.Navigate(n.url+"/boards/"+long("missing", blueprint.MaxIDLen)+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-message"]`)))
			checkFits(t, fac, "error-"+lang)
		})
	}

	t.Run("Print", func(t *testing.T) {
		if _, err := chromedp.Call(fac, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatalf("emulating print: %v", err)
		}
		defer func() {
			if _, err := chromedp.Call(fac, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Errorf("ending the print emulation: %v", err)
			}
		}()
		run(t, fac, "opening the board", waitLive, chromedp.EmulateViewport(printWidth, longHeight), chromedp.Navigate(boardURL+"?lang=en"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
		checkFits(t, fac, "print-en")
	})
}

// wordInOrderJS is a JavaScript function that finds the sentence holding want in the
// first text node of the element selected and returns it as JSON with whether each of
// words, after the value, is drawn left to right (its first letter left of its last):
// the page's languages are, and a reversed word means the value's direction leaked out
// of it. It returns "" while there is no such sentence.
const wordInOrderJS = `((sel, want, words) => {
  const node = [...(document.querySelector(sel)?.childNodes ?? [])].find((n) => n.nodeType === Node.TEXT_NODE && n.data.includes(want));
  if (!node) return '';
  const x = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect().left; };
  const order = {};
  for (const w of words) {
    const i = node.data.indexOf(w, node.data.indexOf(want) + want.length);
    order[w] = i >= 0 && x(i) < x(i + w.length - 1);
  }
  return JSON.stringify({text: node.data, order});
})`

// sentenceInOrder waits for the sentence holding want in the element selected and fails
// the test unless each of words after it is drawn left to right.
func sentenceInOrder(t *testing.T, tab context.Context, what, sel, want string, words ...string) {
	t.Helper()
	args, err := json.Marshal([]any{sel, want, words})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, waitLive)
	defer cancel()
	// The measure is taken when the sentence is found, in one go: an announcement may
	// go away a few seconds later.
	got, err := chromedp.Run(ctx, chromedp.Poll[string](wordInOrderJS+"(..."+string(args)+")"))
	if err != nil {
		t.Fatalf("waiting for %s (%+q in %s): %v", what, want, sel, err)
	}
	var res struct {
		Text  string
		Order map[string]bool
	}
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatal(err)
	}
	for _, w := range words {
		if !res.Order[w] {
			t.Errorf("%s: the word %q after the value is drawn reversed in %+q", what, w, res.Text)
		}
	}
}

// TestHostileTextInSentences puts a right-to-left override in a card's text and in a
// lane's label and checks, in Chromium, that the sentences the page builds around them (an
// announcement and a confirmation) hold each value isolated, U+2068 … U+2069, and keep
// their own words in order.
func TestHostileTextInSentences(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	applyDirect(t, n, b.ID,
		cardOp("c-evil", "stage-1", "lane-2", "V", "abc\u202Edef"),
		cardOp("c-support", "stage-1", "lane-5", "V", "Kept"),
		blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeLane, ID: "lane-5",
			Fields: blueprint.Fields{Label: str("\u202Esupport")}})
	tab := newTab(t)
	watchConsole(t, tab, false)
	run(t, tab, "sizing the window", waitLive, chromedp.EmulateViewport(longWidth, longHeight))
	openEditable(t, tab, n.url+"/boards/"+b.ID+"?lang=en")

	// l on the card starts a link and announces it.
	focusEl(t, tab, cardSel("c-evil"))
	keys(t, tab, "pressing l", "l")
	sentenceInOrder(t, tab, "the linking announcement", `[data-testid="editor-announce"]`,
		"Linking from “\u2068abc\u202Edef\u2069”", "target", "cancels")
	keys(t, tab, "pressing Escape", kb.Escape) // ends the linking

	// Delete on the lane's label asks first.
	focusEl(t, tab, `tr.lane[data-lane-id="lane-5"] > th.lane-label`)
	keys(t, tab, "pressing Delete", kb.Delete)
	sentenceInOrder(t, tab, "the confirmation", `[data-confirm-text]`,
		"Delete the lane “\u2068\u202Esupport\u2069”?", "card", "deleted")
	keys(t, tab, "pressing Escape", kb.Escape)
}
