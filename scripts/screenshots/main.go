// Command screenshots takes the README's pictures of a running lastmile: pages at
// 1366×768 in a headless Chromium, in a light or dark colour scheme and, where asked, in
// the large mode for projectors. scripts/screenshot.sh imports the sample boards and runs
// it; it is a development tool, not part of the server.
//
//	go run ./scripts/screenshots -chromium PATH -base URL -out DIR SHOT...
//
// Each SHOT is NAME=PATH[,dark][,large][,board][,print][,details:CARD][,title][,keys:TEXT][,signin:EMAIL][,menu:CARD][,link:ID][,overlay][,panel][,compose:CARD][,since][,notifications][,expand]:
// the page at base+PATH is written to DIR/NAME.png. dark emulates prefers-color-scheme:
// dark; large turns on the large mode as its switch remembers it (localStorage
// "lastmile.large"); board waits until the board's page is live and its arrows are drawn;
// print lays the page out for paper. On a board, details:CARD opens the detail and times
// dialog of the card whose id is CARD (D on the focused card), title clicks the board's
// title to rename it in place, and keys:TEXT then types TEXT, percent-decoded (%2C for a
// comma, %09 for Tab), into what has the focus. signin:EMAIL signs in as that account
// first, with the password in LASTMILE_SCREENSHOT_PASSWORD (scripts/screenshot.sh makes
// the account). overlay shows the board's analysis overlay (its button in the tool bar),
// menu:CARD opens the ▾ menu of the card whose id is CARD (t on the focused card), and
// link:ID the dialog of the link whose id is ID (Enter on its row of the links table).
// panel opens the side panel of comments and markers, compose:CARD its composer on a card
// (C on the focused card; keys then type, and a mention's completion is waited for),
// since waits for "since you last looked" and its marks on the board,
// notifications opens the header's list, and expand opens the page's first closed
// disclosure (details element, such as a template's edit form) and brings it into view.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Width and height of the pictures: the screen of a common laptop and projector.
const (
	width  = 1366
	height = 768
)

type shot struct {
	name, path                string
	dark, large, board, print bool
	details, keys             string // the card whose dialog is opened; what is typed
	title                     bool   // the title being renamed
	signin                    string // the account signed in first
	menu, link                string // the card whose ▾ menu is opened; the link whose dialog is
	overlay                   bool   // the analysis overlay shown
	panel, since, notes       bool   // the annotations panel, since-you-last-looked, the notifications
	expand                    bool   // the first closed details element opened
	compose                   string // the card the composer is opened on
}

func parseShot(s string) (shot, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" || strings.ContainsAny(name, "/\\") {
		return shot{}, fmt.Errorf("bad shot %q: want NAME=PATH[,dark][,large][,board][,print][,details:CARD][,title][,keys:TEXT][,signin:EMAIL][,menu:CARD][,link:ID][,overlay][,panel][,compose:CARD][,since][,notifications][,expand]", s)
	}
	parts := strings.Split(rest, ",")
	sh := shot{name: name, path: parts[0]}
	for _, p := range parts[1:] {
		switch p {
		case "dark":
			sh.dark = true
		case "large":
			sh.large = true
		case "board":
			sh.board = true
		case "print":
			sh.print = true
		case "title":
			sh.title = true
		case "overlay":
			sh.overlay = true
		case "panel":
			sh.panel = true
		case "since":
			sh.since = true
		case "notifications":
			sh.notes = true
		case "expand":
			sh.expand = true
		default:
			if card, ok := strings.CutPrefix(p, "details:"); ok && card != "" {
				sh.details = card
				continue
			}
			if email, ok := strings.CutPrefix(p, "signin:"); ok && email != "" {
				sh.signin = email
				continue
			}
			if card, ok := strings.CutPrefix(p, "menu:"); ok && card != "" {
				sh.menu = card
				continue
			}
			if card, ok := strings.CutPrefix(p, "compose:"); ok && card != "" {
				sh.compose = card
				continue
			}
			if link, ok := strings.CutPrefix(p, "link:"); ok && link != "" {
				sh.link = link
				continue
			}
			if text, ok := strings.CutPrefix(p, "keys:"); ok {
				keys, err := url.PathUnescape(text)
				if err != nil || keys == "" {
					return shot{}, fmt.Errorf("bad shot %q: keys: %q is not percent-encoded text", s, text)
				}
				sh.keys = keys
				continue
			}
			return shot{}, fmt.Errorf("bad shot %q: unknown option %q", s, p)
		}
	}
	return sh, nil
}

func main() {
	chromium := flag.String("chromium", os.Getenv("LASTMILE_CHROMIUM"), "Chromium binary")
	base := flag.String("base", "http://localhost:8080", "URL of the running server")
	out := flag.String("out", "docs/img", "directory the pictures are written to")
	flag.Parse()
	log.SetFlags(0)
	if *chromium == "" {
		log.Fatal("screenshots: no Chromium: pass -chromium or set LASTMILE_CHROMIUM")
	}
	var shots []shot
	for _, a := range flag.Args() {
		sh, err := parseShot(a)
		if err != nil {
			log.Fatalf("screenshots: %v", err)
		}
		shots = append(shots, sh)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatalf("screenshots: %v", err)
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(*chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-dev-shm-usage", true))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void]("1")); err != nil {
		log.Fatalf("screenshots: starting %s: %v", *chromium, err)
	}
	for _, sh := range shots {
		file := filepath.Join(*out, sh.name+".png")
		if err := take(bctx, strings.TrimRight(*base, "/"), sh, file); err != nil {
			log.Fatalf("screenshots: %s: %v", file, err)
		}
		log.Printf("screenshots: wrote %s from %s", file, sh.path)
	}
}

// take writes the picture of one shot, in a browser context of its own (no cookies or
// storage left by another shot).
func take(bctx context.Context, base string, sh shot, file string) error {
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
	defer tcancel()
	scheme := "light"
	if sh.dark {
		scheme = "dark"
	}
	large := "0"
	if sh.large {
		large = "1"
	}
	url := base + sh.path
	media := ""
	if sh.print {
		media = "print"
	}
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Media:    media,
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		return err
	}
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height),
		// The large mode is remembered per browser: set it on the site's origin, then load.
		chromedp.Navigate(base+"/livez"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem("lastmile.large", %q)`, large)),
	)
	if err != nil {
		return err
	}
	if sh.signin != "" {
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), sh.signin),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), os.Getenv("LASTMILE_SCREENSHOT_PASSWORD")),
			chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="who"]`)),
		)
		if err != nil {
			return fmt.Errorf("signing in as %s: %w", sh.signin, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return err
	}
	if sh.board {
		// Live, and the arrows drawn over the grid (when the board has links).
		err = chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('[data-live-status]')?.dataset.state === 'connected'`)),
			discard(chromedp.Poll[bool](`!document.querySelector('tr[data-link-id]') || !!document.querySelector('.link-layer path')`)),
		)
		if err != nil {
			return fmt.Errorf("waiting for the live board: %w", err)
		}
	}
	if err := act(ctx, sh); err != nil {
		return err
	}
	// Let the last frame settle (fonts, a resize drawn again).
	time.Sleep(400 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	if len(png) == 0 {
		return errors.New("empty picture")
	}
	return os.WriteFile(file, png, 0o644)
}

// act does on the board what the shot asks for before the picture: opens a card's detail
// and times, or the title's field, and types.
func act(ctx context.Context, sh shot) error {
	if sh.overlay {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="overlay-toggle"]:not([hidden])') !== null`)),
			chromedp.Click(chromedp.CSS(`[data-testid="overlay-toggle"]`)),
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="overlay-stages"] li') !== null`)),
		)
		if err != nil {
			return fmt.Errorf("showing the analysis overlay: %w", err)
		}
	}
	if sh.menu != "" {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('td.cell > .card[tabindex]') !== null`)),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('.card[data-card-id=%q]').focus()`, sh.menu)),
			chromedp.KeyEvent("t"),
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="card-popup"]') !== null`)),
		)
		if err != nil {
			return fmt.Errorf("opening the menu of card %s: %w", sh.menu, err)
		}
	}
	if sh.link != "" {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('td.cell > .card[tabindex]') !== null`)),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('tr[data-link-id=%q]').focus()`, sh.link)),
			chromedp.KeyEvent("\r"),
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="link-dialog"]')?.open === true`)),
		)
		if err != nil {
			return fmt.Errorf("opening the dialog of link %s: %w", sh.link, err)
		}
	}
	if sh.details != "" {
		err := chromedp.Do(ctx,
			// The editor starts after the page is live: wait for the cards' tab stops.
			discard(chromedp.Poll[bool](`document.querySelector('td.cell > .card[tabindex]') !== null`)),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('.card[data-card-id=%q]').focus()`, sh.details)),
			chromedp.KeyEvent("d"),
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="details-dialog"]')?.open === true`)),
		)
		if err != nil {
			return fmt.Errorf("opening the detail and times of card %s: %w", sh.details, err)
		}
	}
	if sh.title {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="board-title"][tabindex]') !== null`)),
			chromedp.Click(chromedp.CSS(`[data-testid="board-title"]`)),
			discard(chromedp.Poll[bool](`document.activeElement?.dataset.testid === "title-input"`)),
		)
		if err != nil {
			return fmt.Errorf("renaming the title: %w", err)
		}
	}
	if sh.panel {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('[data-anno-tools]:not([hidden])') !== null`)),
			chromedp.Click(chromedp.CSS(`[data-testid="anno-toggle"]`)),
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="anno-thread"]') !== null`)),
		)
		if err != nil {
			return fmt.Errorf("opening the comments panel: %w", err)
		}
	}
	if sh.compose != "" {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('td.cell > .card[tabindex]') !== null`)),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('.card[data-card-id=%q]').focus()`, sh.compose)),
			chromedp.KeyEvent("c"),
			discard(chromedp.Poll[bool](`document.activeElement?.dataset.testid === "anno-text"`)),
		)
		if err != nil {
			return fmt.Errorf("opening the composer on card %s: %w", sh.compose, err)
		}
	}
	if sh.since {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="since"]:not([hidden])') !== null`)),
		)
		if err != nil {
			return fmt.Errorf("waiting for since-you-last-looked: %w", err)
		}
	}
	if sh.notes {
		err := chromedp.Do(ctx,
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="notif-count"]:not([hidden])') !== null`)),
			chromedp.Click(chromedp.CSS(`[data-testid="notif-toggle"]`)),
			discard(chromedp.Poll[bool](`document.querySelector('[data-testid="notif-item"]') !== null`)),
		)
		if err != nil {
			return fmt.Errorf("opening the notifications: %w", err)
		}
	}
	if sh.expand {
		err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
			const d = document.querySelector('details:not([open])');
			if (d) { d.open = true; d.scrollIntoView({block: 'center'}); }
		})()`))
		if err != nil {
			return fmt.Errorf("opening the disclosure: %w", err)
		}
	}
	if sh.keys != "" {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(sh.keys)); err != nil {
			return fmt.Errorf("typing: %w", err)
		}
		if sh.compose != "" && strings.Contains(sh.keys, "@") {
			if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](`document.querySelector('[data-testid="anno-people"]:not([hidden])') !== null`))); err != nil {
				return fmt.Errorf("waiting for the completion: %w", err)
			}
		}
	}
	return nil
}

// discard makes an action whose value does not matter fit among steps.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}
