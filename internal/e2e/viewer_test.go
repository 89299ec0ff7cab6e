package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lastmile/internal/auth"
	"lastmile/internal/server"
)

// withAccounts turns on accounts, roles and share links on a node, with a fast password
// hasher; revocations close sockets through the node's current hub.
func withAccounts(cfg *server.Config, n *node) {
	cfg.Accounts = n.store
	cfg.Hasher = &auth.Hasher{Params: auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}
	cfg.Revoke = func(boardID, grantID string) { n.live.current().Revoke(boardID, grantID) }
	cfg.RevokeMember = func(boardID, userID string, changedAt time.Time) {
		n.live.current().RevokeMember(boardID, userID, changedAt)
	}
	cfg.CloseBoard = func(boardID string, gone bool) { n.live.current().CloseBoard(boardID, gone) }
}

// signUp makes an account in the tab, which lands on the home page, signed in.
func signUp(t *testing.T, tab context.Context, n *node, email string) {
	t.Helper()
	run(t, tab, "signing up", waitLive,
		chromedp.Navigate(n.url+"/signup?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="signup-form"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="signup-form"] input[name="password"]`), "correct horse battery"),
		submitForm(`[data-testid="signup-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-board-form"]`)))
}

// signUpWithBoard makes an account in the tab and a board from the home page's form; the
// tab shows the board, live. It returns the board's id.
func signUpWithBoard(t *testing.T, tab context.Context, n *node, email string) string {
	t.Helper()
	signUp(t, tab, n, email)
	run(t, tab, "making a board", waitLive,
		submitForm(`[data-testid="new-board-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-form"]`)))
	waitState(t, tab, "connected")
	return eval[string](t, tab, `document.querySelector('article.board').dataset.boardId`)
}

// forgeScript opens a second websocket to the board from the page, as a hostile script
// would, says hello, sends an op renaming the board, and resolves with the first frame
// that answers the op (a nack or an error), or with what ended the connection.
const forgeScript = `new Promise((resolve) => {
  const id = document.querySelector('article.board').dataset.boardId;
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/boards/' + id + '/ws');
  const done = (v) => { resolve(JSON.stringify(v)); ws.close(); };
  setTimeout(() => done({t: 'timeout'}), 5000);
  ws.onopen = () => ws.send(JSON.stringify({t: 'hello', v: 1, client: 'forger01', seq: -1}));
  ws.onclose = (e) => done({t: 'closed', code: e.code});
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.t === 'welcome') {
      ws.send(JSON.stringify({t: 'ops', ops: [{key: 'forger01:1', op: 'update', type: 'board', id: id, fields: {title: 'Forged'}}]}));
    } else if (f.t === 'nack' || f.t === 'error') {
      done(f);
    }
  };
})`

// TestViewerLink follows a viewer share link from a browser without an account: the board
// is read-only and live, a forged op is refused, and revoking the link ends it all.
func TestViewerLink(t *testing.T) {
	n := startNode(t, nil, withAccounts)

	// The facilitator signs up, makes a board and a viewer link, in a browser of their own.
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")
	run(t, fac, "making a viewer link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "viewer"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="share-form"] input[name="label"]`), "Workshop wall"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-share-url"]`)))
	link := eval[string](t, fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	if u, err := url.Parse(link); err != nil || !strings.HasPrefix(u.Path, "/s/") {
		t.Fatalf("new link %q", link)
	}
	before, err := n.store.FindBoard(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}

	// Someone without an account opens the link in a browser of their own. The revoked
	// link answers 404 at the end, which the browser logs as a network error.
	viewer := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, viewer, true)
	run(t, viewer, "opening the link", waitLive,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, viewer, "connected")

	t.Run("ReadOnly", func(t *testing.T) {
		if loc := eval[string](t, viewer, `location.pathname`); loc != "/boards/"+boardID {
			t.Fatalf("the link landed on %s; want the board, token gone", loc)
		}
		if role := eval[string](t, viewer, `document.querySelector('[data-testid="my-role"]')?.textContent ?? ''`); role != "Viewer" {
			t.Errorf("my role shows %q; want Viewer", role)
		}
		// Give the editor, were it loading, time to start.
		time.Sleep(300 * time.Millisecond)
		checks := map[string]string{
			"data-can-edit":        `document.querySelector('article.board').dataset.canEdit === 'false'`,
			"no edit forms":        `document.querySelector('.edit-forms, [data-testid="add-card-form"], [data-testid="rename-form"]') === null`,
			"no delete":            `document.querySelector('.card-delete, form[action$="/delete"]') === null`,
			"no roving focus":      `document.querySelector('td.cell[tabindex], .card[tabindex]') === null`,
			"no card editor":       `document.querySelector('textarea.card-editor') === null`,
			"no editor.js":         `!performance.getEntriesByType('resource').some((e) => e.name.endsWith('/static/editor.js'))`,
			"no share panel":       `document.querySelector('[data-testid="share"], [data-testid="members"]') === null`,
			"no details":           `document.querySelector('[data-details-ui], [data-testid="details-dialog"], [data-card-menu]') === null`,
			"title not a tab stop": `!document.querySelector('[data-testid="board-title"]').hasAttribute('tabindex')`,
		}
		for what, cond := range checks {
			if !eval[bool](t, viewer, cond) {
				t.Errorf("%s: %s is false", what, cond)
			}
		}
		// Keys that edit on an editable page do nothing here.
		keys(t, viewer, "pressing n", "n")
		if eval[bool](t, viewer, `document.querySelector('textarea.card-editor') !== null`) {
			t.Error("pressing n opened a card editor on a read-only page")
		}
		// Nor does a click on the title, or d on a card.
		eval[chromedp.Void](t, viewer, `document.querySelector('[data-testid="board-title"]').click()`)
		keys(t, viewer, "pressing d", "d")
		if eval[bool](t, viewer, `document.querySelector('[data-testid="title-input"], dialog[open]') !== null`) {
			t.Error("a click on the title or d opened an editor on a read-only page")
		}
	})

	t.Run("LiveUpdate", func(t *testing.T) {
		body := `[{"key":"fac:1","op":"create","type":"card","id":"c-from-fac","fields":{"stage":"stage-2","lane":"lane-3","order":"V","text":"Seen by the viewer"}}]`
		status := eval[int](t, fac, fmt.Sprintf(`fetch('/api/boards/%s/ops', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: %q}).then((r) => r.status)`,
			boardID, body), chromedp.EvalAwaitPromise)
		if status != 200 {
			t.Fatalf("the facilitator's op: status %d", status)
		}
		start := time.Now() // the op is committed
		run(t, viewer, "waiting for the new card", waitLive, discard(chromedp.Poll[bool](
			fmt.Sprintf(`document.querySelector(%q)?.textContent === "Seen by the viewer"`, cardSel("c-from-fac")+" .card-text"),
			chromedp.WithPollingInterval(10*time.Millisecond))))
		if d := time.Since(start); d > time.Second {
			t.Errorf("the viewer saw the change after %v; want within a second", d)
		}
		if eval[bool](t, viewer, `document.querySelector('.card-delete') !== null`) {
			t.Error("the refreshed board has delete buttons")
		}
	})

	t.Run("ForgedOpRefused", func(t *testing.T) {
		seq := eval[string](t, viewer, `document.querySelector('article.board').dataset.seq`)
		got := eval[string](t, viewer, forgeScript, chromedp.EvalAwaitPromise)
		if !strings.Contains(got, `"code":"forbidden"`) {
			t.Fatalf("the forged op got %s; want a refusal with code forbidden", got)
		}
		b, err := n.store.FindBoard(context.Background(), boardID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Title != before.Title || fmt.Sprint(b.Seq) != seq {
			t.Fatalf("after the forged op the board is %q at seq %d; want %q at seq %s", b.Title, b.Seq, before.Title, seq)
		}
		waitState(t, viewer, "connected") // the page's own connection is unaffected
	})

	t.Run("Revoked", func(t *testing.T) {
		eval[chromedp.Void](t, viewer, `window.__notReloaded = true`)
		run(t, fac, "revoking the link", waitLive,
			chromedp.Click(chromedp.CSS(`[data-testid="share-link"] form[action$="/revoke"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-links"]`)))
		waitState(t, viewer, "reload")
		if shown, want := statusText(t, viewer); shown != want || shown == "" {
			t.Errorf("status text = %q; want %q", shown, want)
		}
		if !eval[bool](t, viewer, `window.__notReloaded === true`) {
			t.Error("the page reloaded itself")
		}
		// The board changes again: the viewer's page, no longer live, does not follow.
		eval[int](t, fac, fmt.Sprintf(`fetch('/api/boards/%s/ops', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: %q}).then((r) => r.status)`,
			boardID, `[{"key":"fac:2","op":"create","type":"card","id":"c-after","fields":{"stage":"stage-2","lane":"lane-3","order":"W","text":"after"}}]`), chromedp.EvalAwaitPromise)
		time.Sleep(500 * time.Millisecond)
		if eval[bool](t, viewer, fmt.Sprintf(`document.querySelector(%q) !== null`, cardSel("c-after"))) {
			t.Error("the viewer's page still follows the board after revocation")
		}
		run(t, viewer, "opening the revoked link", waitLive,
			chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.CSS(`body`)))
		if eval[bool](t, viewer, `document.querySelector('[data-testid="grid"]') !== null`) {
			t.Fatal("the revoked link still shows the board")
		}
		if text := eval[string](t, viewer, `document.body.textContent`); !strings.Contains(text, "not valid") {
			t.Errorf("the revoked link's page does not say why: %.300s", text)
		}
		run(t, viewer, "opening the board", waitLive, chromedp.Navigate(n.url+"/boards/"+boardID), chromedp.WaitVisible(chromedp.CSS(`body`)))
		if eval[bool](t, viewer, `document.querySelector('[data-testid="grid"]') !== null`) {
			t.Fatal("the board is still shown after revocation")
		}
	})
}
