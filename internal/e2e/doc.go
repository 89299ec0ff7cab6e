// Package e2e holds lastmile's browser tests: a real server with its realtime hub over a
// fresh Postgres database, driven from Go through a headless Chromium (chromedp). They
// check what only a browser can: the ES modules of web/static (the pure logic against the
// Go implementation, and the live board page end to end), under the page's real
// Content-Security-Policy.
//
// The browser is the one LASTMILE_CHROMIUM names (`make test` sets it from
// scripts/chromium.sh); without it the tests fail rather than skip.
package e2e
