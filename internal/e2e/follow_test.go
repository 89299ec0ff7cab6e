package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
)

// followWorkshop signs a facilitator up with a board and lets each of names join it through an
// editor link, each in a browser of their own, at the window size given (0: the default).
// It returns the board's id, the facilitator's tab (on the board, in English) and the
// participants' tabs.
func followWorkshop(t *testing.T, n *node, names []string, sizes [][2]int64) (string, context.Context, []context.Context) {
	t.Helper()
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")
	run(t, fac, "making an editor link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "editor"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="copy-share-url"]`)))
	link := eval[string](t, fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	var parts []context.Context
	for i, name := range names {
		part := newTab(t, chromedp.WithNewBrowserContext())
		watchConsole(t, part, false)
		if i < len(sizes) && sizes[i][0] > 0 {
			run(t, part, "sizing the window", waitLive, chromedp.EmulateViewport(sizes[i][0], sizes[i][1]))
		}
		run(t, part, "joining as editor", waitLive,
			chromedp.Navigate(link+"?lang=en"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), name),
			submitForm(`[data-testid="join-form"]`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
		waitState(t, part, "connected")
		exposePage(t, part)
		parts = append(parts, part)
	}
	run(t, fac, "back to the board", waitLive, chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(n.url+"/boards/"+boardID+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, fac, "connected")
	exposePage(t, fac)
	waitFor(t, fac, "the follow tools", `!document.querySelector('[data-testid="follow-ui"]').hidden && window.__page.follow !== null`)
	return boardID, fac, parts
}

// exposePage puts the page's modules (board.js's page) at window.__page, for the
// conditions the tests poll, once follow.js has started.
func exposePage(t *testing.T, tab context.Context) {
	t.Helper()
	eval[chromedp.Void](t, tab, `import('/static/board.js').then(({ page }) => { window.__page = page; })`, chromedp.EvalAwaitPromise)
	waitFor(t, tab, "follow.js", `!!window.__page?.follow`)
}

// viewOf is what the page shows of the board, measured from the layout: the board
// coordinates of the scroller's centre, and the zoom.
const viewOf = `(() => {
  const s = document.querySelector('.board-scroll');
  const g = document.querySelector('table.blueprint').getBoundingClientRect();
  const z = Number(document.querySelector('article.board').dataset.zoom);
  const v = s.getBoundingClientRect();
  return [(v.left + s.clientLeft + s.clientWidth / 2 - g.left) / z, (v.top + s.clientTop + s.clientHeight / 2 - g.top) / z, z];
})()`

// sameView is a condition: the page shows view (x, y, zoom) within tol board pixels.
func sameView(v []float64, tol float64) string {
	return fmt.Sprintf(`(() => { const [x, y, z] = %s; return Math.abs(x - %f) <= %f && Math.abs(y - %f) <= %f && Math.abs(z - %f) < 0.001; })()`,
		viewOf, v[0], tol, v[1], tol, v[2])
}

// scrollTo scrolls the tab's board so that the fractions fx, fy of its scrollable extent
// are passed, as the person would with the scroll bars.
func scrollTo(t *testing.T, tab context.Context, fx, fy float64) []float64 {
	t.Helper()
	eval[chromedp.Void](t, tab, fmt.Sprintf(`(() => { const s = document.querySelector('.board-scroll');
		s.scrollLeft = (s.scrollWidth - s.clientWidth) * %f; s.scrollTop = (s.scrollHeight - s.clientHeight) * %f; })()`, fx, fy))
	return eval[[]float64](t, tab, viewOf)
}

// forgeFollowScript opens a second websocket from the page, as a hostile script would, and
// sends a summon and a focus on the first stage, then, once both are answered, a pointer.
// It resolves with its conn and the codes of the answers; the socket stays open.
const forgeFollowScript = `new Promise((resolve) => {
  const id = document.querySelector('article.board').dataset.boardId;
  const stage = document.querySelector('th.stage').dataset.stageId;
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/boards/' + id + '/ws');
  window.__forger = ws;
  let conn = '';
  const codes = [];
  ws.onopen = () => ws.send(JSON.stringify({t: 'hello', v: 1, client: 'forger02', seq: -1}));
  ws.onclose = (e) => resolve(JSON.stringify({conn, codes, closed: e.code}));
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.t === 'welcome') {
      conn = f.conn;
      ws.send(JSON.stringify({t: 'summon', view: {x: 5, y: 5, zoom: 2}}));
      ws.send(JSON.stringify({t: 'facilitate', focus: {kind: 'stage', id: stage}}));
    } else if (f.t === 'error') {
      codes.push(f.code);
      if (codes.length === 2) {
        ws.send(JSON.stringify({t: 'presence', cursor: {x: 7, y: 7}}));
        resolve(JSON.stringify({conn, codes}));
      }
    }
  };
})`

// TestSpotlight: the facilitator spotlights a stage from its heading with "S"; the
// participant's page dims the other stages, names it in a badge and announces it, and
// still does after a reload; the badge's button clears it; the tool bar's choice
// spotlights a lane, which shows as no focus once deleted. A participant's forged focus
// and summon get forbidden and change nothing on the facilitator's page or in the state.
// The facilitator's help lists the shortcuts; a participant's does not.
func TestSpotlight(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	boardID, fac, parts := followWorkshop(t, n, []string{"Pia"}, nil)
	part := parts[0]
	if eval[int](t, part, `document.querySelectorAll('[data-testid="focus-select"], [data-testid="summon"], [data-testid="focus-clear"]').length`) != 0 {
		t.Fatal("a participant has the facilitator's spotlight or summon controls")
	}
	// The facilitator's shortcuts are in the facilitator's help (?) only.
	help := `(() => { const h = document.querySelector('[data-testid="editor-help"]')?.textContent ?? ''; return ['S', 'Shift + S', 'Shift + B'].every((k) => h.includes(k)) && h.includes('Bring everyone to your view'); })()`
	if !eval[bool](t, fac, help) {
		t.Error("the facilitator's help does not list the spotlight's and the summon's shortcuts")
	}
	if eval[bool](t, part, help) {
		t.Error("a participant's help lists the facilitator's shortcuts")
	}
	stage := eval[[]string](t, fac, `[...document.querySelectorAll('th.stage')].slice(1, 3).map((h) => h.dataset.stageId)`)
	name := eval[string](t, fac, fmt.Sprintf(`document.querySelector('th.stage[data-stage-id=%q] .stage-name').textContent`, stage[0]))

	waitFor(t, fac, "the stage headings to take the focus", `document.querySelector('th.stage[tabindex]') !== null`)
	focusEl(t, fac, fmt.Sprintf(`th.stage[data-stage-id=%q]`, stage[0]))
	keys(t, fac, "spotlighting the stage", "s")

	dimmed := func(stageID string, want bool) string {
		op := "==="
		if !want {
			op = "!=="
		}
		return fmt.Sprintf(`getComputedStyle(document.querySelector('td.cell[data-stage-id=%q]')).opacity %s '0.3'`, stageID, op)
	}
	shown := `!document.querySelector('[data-testid="focus-badge"]').hidden && document.querySelector('[data-testid="focus-text"]').textContent === ` +
		fmt.Sprintf("%q", "Focus: "+name) + ` && document.querySelector('article.board').dataset.focusKind === 'stage'`
	waitFor(t, part, "the participant's badge", shown)
	waitFor(t, part, "the other stage dimmed", dimmed(stage[1], true))
	waitFor(t, part, "the spotlit stage clear", dimmed(stage[0], false))
	if got := eval[string](t, part, `document.querySelector('[data-testid="follow-announce"]').textContent`); !strings.Contains(got, "spotlights the stage "+name) {
		t.Errorf("the participant's page announced %q", got)
	}
	waitFor(t, fac, "the facilitator's badge", shown)

	run(t, part, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitFor(t, part, "the badge after a reload", shown)
	waitFor(t, part, "the other stage dimmed after a reload", dimmed(stage[1], true))
	exposePage(t, part)
	waitState(t, part, "connected")

	// A participant's forged summon and focus: forbidden, and nothing reaches the facilitator.
	before, err := n.store.Facilitation(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	var forged struct {
		Conn  string
		Codes []string
	}
	if err := json.Unmarshal([]byte(eval[string](t, part, forgeFollowScript, chromedp.EvalAwaitPromise)), &forged); err != nil {
		t.Fatal(err)
	}
	if strings.Join(forged.Codes, ",") != "forbidden,forbidden" {
		t.Fatalf("a participant's forged summon and focus were answered %v; want forbidden twice", forged.Codes)
	}
	// The forger's pointer comes after its summon would have: once the facilitator's page
	// has it, a relayed summon would have been handled.
	waitFor(t, fac, "the forger's pointer", fmt.Sprintf(`window.__page.live.peers.get(%q)?.cursor?.x === 7`, forged.Conn))
	if got := eval[string](t, fac, `JSON.stringify([document.querySelector('[data-testid="follow-notice"]').hidden, window.__page.follow.leader])`); got != `[true,null]` {
		t.Fatalf("after a forged summon the facilitator's page has the notice hidden and the leader: %s", got)
	}
	if after, err := n.store.Facilitation(context.Background(), boardID); err != nil || !reflect.DeepEqual(after, before) {
		t.Fatalf("a forged focus changed the state: %+v → %+v (%v)", before, after, err)
	}
	eval[chromedp.Void](t, part, `window.__forger.close()`)

	// The badge's button clears it, with the keyboard.
	focusEl(t, fac, `[data-testid="focus-clear"]`)
	keys(t, fac, "clearing the spotlight", kb.Enter)
	waitFor(t, part, "the badge gone", `document.querySelector('[data-testid="focus-badge"]').hidden && !('focusKind' in document.querySelector('article.board').dataset)`)
	waitFor(t, part, "nothing dimmed", dimmed(stage[1], false))
	waitFor(t, part, "the clearing announced", `document.querySelector('[data-testid="follow-announce"]').textContent === 'The spotlight is off'`)

	// The tool bar's choice spotlights a lane.
	lane := eval[string](t, fac, `document.querySelectorAll('tr.lane')[1].dataset.laneId`)
	eval[chromedp.Void](t, fac, fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="focus-select"]'); s.focus(); s.value = 'lane:%s'; s.dispatchEvent(new Event('change')); })()`, lane))
	waitFor(t, part, "the lane spotlit", fmt.Sprintf(`document.querySelector('article.board').dataset.focusId === %q && getComputedStyle(document.querySelector('tr.lane:not([data-lane-id=%q]) > td.cell')).opacity === '0.3'`, lane, lane))

	// The lane deleted, the focus shows as none, though the state keeps it.
	if _, err := n.live.ApplyEdits(context.Background(), boardID, []blueprint.Edit{{Author: "Ana", Moderator: true,
		Op: blueprint.Op{Key: "test:1", Action: blueprint.ActionDelete, Type: blueprint.TypeLane, ID: lane}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, part, "no focus once the lane is gone", `document.querySelector('[data-testid="focus-badge"]').hidden && !('focusKind' in document.querySelector('article.board').dataset) && getComputedStyle(document.querySelector('td.cell')).opacity === '1'`)
	if f, err := n.store.Facilitation(context.Background(), boardID); err != nil || f.Focus.ID != lane {
		t.Fatalf("the state's focus after the lane's deletion: %+v, %v", f.Focus, err)
	}
}

// TestFollowAndSummon: a participant, in a smaller window, follows the facilitator with
// their avatar's button; the facilitator zooms and scrolls and the participant's page
// shows the same part of the board; after a reload it follows again; scrolling with the
// mouse wheel stops it, with a notice. Then the facilitator brings everyone to their view
// with Shift+B: both participants' pages move there.
func TestFollowAndSummon(t *testing.T) {
	n := startNode(t, nil, withAccounts)
	_, fac, parts := followWorkshop(t, n, []string{"Pia", "Bo"}, [][2]int64{{1100, 700}, {1280, 720}})
	pia, bo := parts[0], parts[1]
	facConn := eval[string](t, fac, `window.__page.live.connID`)
	avatar := fmt.Sprintf(`[data-testid="avatar"][data-conn=%q] button`, facConn)

	waitFor(t, pia, "the facilitator's avatar", fmt.Sprintf(`document.querySelector(%q) !== null`, avatar))
	focusEl(t, pia, avatar)
	keys(t, pia, "following the facilitator", kb.Enter)
	waitFor(t, pia, "the following notice", `!document.querySelector('[data-testid="follow-notice"]').hidden && document.querySelector('[data-testid="follow-text"]').textContent.startsWith('You are following ')`)
	waitFor(t, pia, "the pressed avatar", fmt.Sprintf(`document.querySelector(%q).getAttribute('aria-pressed') === 'true'`, avatar))
	waitFor(t, fac, "the facilitator told", `document.querySelector('[data-testid="followers"]').textContent === '1 person follows your view'`)

	// The facilitator zooms in three steps and scrolls to the middle of the board.
	for range 3 {
		keys(t, fac, "zooming in", "+")
	}
	facView := scrollTo(t, fac, 0.5, 0.5)
	if facView[2] < 1.9 {
		t.Fatalf("the facilitator's zoom is %v", facView[2])
	}
	waitFor(t, pia, fmt.Sprintf("Pia's view to be the facilitator's %v", facView), sameView(facView, 3))
	facView = scrollTo(t, fac, 0.3, 0.7)
	waitFor(t, pia, fmt.Sprintf("Pia's view to follow to %v", facView), sameView(facView, 3))

	// After a reload Pia follows again.
	run(t, pia, "reloading", waitLive, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	exposePage(t, pia)
	waitFor(t, pia, "following again after a reload", `document.querySelector('[data-testid="follow-text"]').textContent.startsWith('You are following ')`)
	waitFor(t, pia, "the view after a reload", sameView(facView, 3))
	facView = scrollTo(t, fac, 0.6, 0.4)
	waitFor(t, pia, "following the next scroll after a reload", sameView(facView, 3))

	// Pia scrolls with the wheel herself: following stops, and says so.
	box := eval[[]float64](t, pia, `(() => { const r = document.querySelector('.board-scroll').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	// DeltaX is not 0, which the command would leave out: it needs both.
	run(t, pia, "scrolling with the wheel", waitLive, chromedp.MouseEvent("mouseWheel", box[0], box[1],
		func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 0.001, 240 }))
	waitFor(t, pia, "the stopped notice", `document.querySelector('[data-testid="follow-text"]').textContent.startsWith('You stopped following ') && document.querySelector('[data-testid="follow-stop"]').hidden`)
	waitFor(t, pia, "the avatar no longer pressed", fmt.Sprintf(`document.querySelector(%q).getAttribute('aria-pressed') === 'false'`, avatar))
	waitFor(t, fac, "nobody following the facilitator", `document.querySelector('[data-testid="followers"]').hidden`)
	if got := eval[string](t, pia, `sessionStorage.getItem('lastmile.follow.' + document.querySelector('article.board').dataset.boardId) ?? ''`); got != "" {
		t.Errorf("the following is still kept for a reload: %s", got)
	}

	// The facilitator brings everyone to their view, with Shift+B.
	facView = scrollTo(t, fac, 0.2, 0.3)
	eval[chromedp.Void](t, fac, `document.activeElement?.blur()`)
	keys(t, fac, "summoning everyone", "B", chromedp.KeyModifiers(chromedp.ModifierShift))
	for who, tab := range map[string]context.Context{"Pia": pia, "Bo": bo} {
		waitFor(t, tab, who+"'s view to be the facilitator's", sameView(facView, 3))
		waitFor(t, tab, who+"'s summoned notice", `document.querySelector('[data-testid="follow-text"]').textContent.includes('brought everyone to their view')`)
	}
	waitFor(t, fac, "both following the facilitator", `document.querySelector('[data-testid="followers"]').textContent === '2 people follow your view'`)
	if got := eval[string](t, fac, `document.querySelector('[data-testid="follow-announce"]').textContent`); got != "Everyone was brought to your view" {
		t.Errorf("the facilitator's page announced %q", got)
	}
	// Summoned, they follow until they move.
	facView = scrollTo(t, fac, 0.7, 0.6)
	for who, tab := range map[string]context.Context{"Pia": pia, "Bo": bo} {
		waitFor(t, tab, who+" following after the summon", sameView(facView, 3))
	}
	if math.IsNaN(facView[0]) {
		t.Fatal("no view")
	}
}
