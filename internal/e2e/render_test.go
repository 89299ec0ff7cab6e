package e2e_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
	"lastmile/web"
)

var seedFlag = flag.Uint64("seed", 0, "seed of TestRenderMatchesServer's random ops (0: its fixed seeds and one from the clock)")

// renderOps is how many random ops each seed of TestRenderMatchesServer makes; the page
// is compared with the server's render after each burst of them.
const renderOps = 400

// renderResult is what testdata/render_check.js's compare answers.
type renderResult struct {
	Equal      bool
	Seq        int64
	Difference *struct {
		Line      int
		Got, Want string
	}
	Styles  string
	Title   [2]string
	Fetches int
}

// TestRenderMatchesServer proves that the live page draws the board as the server renders
// it: for random sequences of ops (the domain's generator, blueprinttest.RandomOp), the
// board the page drew from its store equals, once normalised (render_check.js says
// what that leaves out and why), the server's render of the same board at the same
// sequence, and so do the team colours and the page's title. It checks after every burst
// of ops, and that the page fetched nothing meanwhile.
//
// Most ops come from elsewhere (the hub, as another person's edits would), in bursts;
// on editable pages about a third are made by the page itself, while others' ops arrive,
// so that the page shows them pending, rebases them on the others' and drops those the
// server refuses. Seeds run on an editable page in English and in French, and on a
// read-only page (a viewer share link), whose markup differs. A failure names its seed;
// `go test -run TestRenderMatchesServer ./internal/e2e/ -args -seed N` replays it.
func TestRenderMatchesServer(t *testing.T) {
	n := startNode(t, map[string]http.Handler{"/test/": http.StripPrefix("/test/", http.FileServer(http.Dir("testdata")))}, withAccounts)
	type variant struct {
		seed   uint64
		lang   string
		viewer bool
	}
	variants := []variant{{1, "en", false}, {2, "fr", false}, {3, "en", true}, {uint64(time.Now().UnixNano()), "en", false}}
	if *seedFlag != 0 {
		variants = []variant{{*seedFlag, "en", false}, {*seedFlag, "fr", false}, {*seedFlag, "en", true}}
	}
	for _, r := range variants {
		name := fmt.Sprintf("Seed%d/%s", r.seed, r.lang)
		if r.viewer {
			name += "/Viewer"
		}
		t.Run(name, func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d; replay with: go test -run TestRenderMatchesServer ./internal/e2e/ -args -seed %d", r.seed, r.seed)
				}
			})
			var tab context.Context
			var boardID string
			if r.viewer {
				tab, boardID = viewerPage(t, n)
			} else {
				b, err := n.store.CreateBoard(context.Background(), "", blueprint.TemplateBlank, "test", nil)
				if err != nil {
					t.Fatal(err)
				}
				boardID = b.ID
				tab = newTab(t)
				watchConsole(t, tab, false)
				run(t, tab, "opening the board", waitLive,
					chromedp.Navigate(n.url+"/boards/"+boardID+"?lang="+r.lang),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
				waitState(t, tab, "connected")
			}
			checkRender(t, n, tab, boardID, r.seed, !r.viewer)
		})
	}
}

// viewerPage makes a board with a facilitator's account and opens it, read-only, in a
// browser of its own through a viewer share link.
func viewerPage(t *testing.T, n *node) (context.Context, string) {
	t.Helper()
	fac := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, fac, false)
	boardID := signUpWithBoard(t, fac, n, "facilitator@example.org")
	run(t, fac, "making a viewer link", waitLive,
		chromedp.SetValue(chromedp.CSS(`[data-testid="share-form"] select[name="role"]`), "viewer"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="share-form"] input[name="label"]`), "Wall"),
		submitForm(`[data-testid="share-form"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-share-url"]`)))
	link := eval[string](t, fac, `document.querySelector('[data-testid="new-share-url"]').value`)
	if u, err := url.Parse(link); err != nil || !strings.HasPrefix(u.Path, "/s/") {
		t.Fatalf("new link %q", link)
	}
	viewer := newTab(t, chromedp.WithNewBrowserContext())
	watchConsole(t, viewer, false)
	run(t, viewer, "opening the link", waitLive, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitState(t, viewer, "connected")
	if ro := eval[string](t, viewer, `document.querySelector("article.board").dataset.canEdit`); ro != "false" {
		t.Fatalf("the viewer's page has data-can-edit=%q", ro)
	}
	return viewer, boardID
}

// checkRender applies renderOps random ops of seed to the board and compares the page's
// drawing with the server's render after each burst. With fromPage, about a third of the
// ops are the page's own.
func checkRender(t *testing.T, n *node, tab context.Context, boardID string, seed uint64, fromPage bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	eval[chromedp.Void](t, tab, `import("/test/render_check.js").then((m) => { window.__render = m; })`, chromedp.EvalAwaitPromise)
	if fromPage {
		waitFor(t, tab, "the editor to start", `window.__render.ready()`)
	}
	sent, pageOps, checks := 0, 0, 0
	applied := map[string]int{} // of the others' ops, by action and type
	for sent < renderOps {
		burst := 1 + rng.IntN(8)
		ops := make([]blueprint.Op, burst)
		for i := range ops {
			ops[i] = blueprinttest.RandomOp(rng, boardID)
		}
		sent += burst
		if fromPage && rng.IntN(3) == 0 {
			// The page's ops go first; others' follow before the server has answered.
			data, err := json.Marshal(ops)
			if err != nil {
				t.Fatal(err)
			}
			eval[chromedp.Void](t, tab, `window.__render.submit(`+string(data)+`)`)
			pageOps += burst
			ops = []blueprint.Op{blueprinttest.RandomOp(rng, boardID), blueprinttest.RandomOp(rng, boardID)}
			sent += len(ops)
		}
		edits := make([]blueprint.Edit, len(ops))
		for i, op := range ops {
			edits[i] = blueprint.Edit{Author: "other", Op: op}
		}
		// Comments, markers and +1s by others, for the badges they put on the board.
		for range rng.IntN(4) {
			op, o := blueprinttest.RandomAnnotation(rng)
			ops = append(ops, op)
			edits = append(edits, blueprint.Edit{Author: o.Name, By: o.By, Moderator: o.Moderator, Op: op})
		}
		res, err := n.live.current().ApplyEdits(context.Background(), boardID, edits)
		if err != nil {
			t.Fatalf("seed %d: applying ops: %v", seed, err)
		}
		for i, r := range res {
			if r.Err == nil {
				applied[ops[i].Action+" "+ops[i].Type]++
			}
		}
		checks++
		compareRender(t, n, tab, boardID, seed, sent)
	}
	b, err := n.store.FindBoard(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: %d ops (%d made by the page), %d comparisons; the board ends at seq %d with %d stages, %d lanes, %d cards, %d teams, %d links; others' ops applied: %v",
		seed, sent, pageOps, checks, b.Seq, len(b.Stages), len(b.Lanes), len(b.Cards), len(b.Teams), len(b.Links), applied)
}

// compareRender waits until the page holds every op it sent confirmed or refused and
// shows the server's last sequence, then compares.
func compareRender(t *testing.T, n *node, tab context.Context, boardID string, seed uint64, sent int) {
	t.Helper()
	waitFor(t, tab, "the page's ops to be answered", `window.__render.pending() === 0`)
	b, err := n.store.FindBoard(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, fmt.Sprintf("the page to show seq %d", b.Seq), fmt.Sprintf(`document.querySelector("article.board").dataset.seq === "%d"`, b.Seq))
	res := eval[renderResult](t, tab, `window.__render.compare()`, chromedp.EvalAwaitPromise)
	if res.Seq != b.Seq {
		t.Fatalf("seed %d: the server rendered seq %d, want %d (nothing else writes to the board)", seed, res.Seq, b.Seq)
	}
	if !res.Equal {
		t.Fatalf("seed %d, after %d ops (seq %d): the page's board differs from the server's at line %d:\npage:\n%s\nserver:\n%s",
			seed, sent, b.Seq, res.Difference.Line, res.Difference.Got, res.Difference.Want)
	}
	if want := web.TeamStyles(b.SortedTeams()); res.Styles != want {
		t.Fatalf("seed %d, after %d ops: the page's team colours are %q, the server's %q", seed, sent, res.Styles, want)
	}
	if res.Title[0] != res.Title[1] {
		t.Fatalf("seed %d, after %d ops: the page's title is %q, the server's %q", seed, sent, res.Title[0], res.Title[1])
	}
	if res.Fetches != 0 {
		t.Fatalf("seed %d, after %d ops: the page fetched %d times since it loaded, want none", seed, sent, res.Fetches)
	}
}
