package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The fragment every live page fetches is rendered once per sequence and variant and
// shared: people of the same role and language get the same render, and nobody gets a
// render made for another role or language, nor one from before the last edit.
func TestFragmentShared(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	people := map[string]*person{}
	for _, m := range []struct{ name, role string }{{"ada", "viewer"}, {"cy", "viewer"}, {"bo", "editor"}, {"dee", "facilitator"}} {
		p := e.person(t)
		p.mustSignUp(t, m.name+"@example.org")
		if r := owner.form(t, "/boards/"+board+"/members", url.Values{"email": {m.name + "@example.org"}, "role": {m.role}}); r.status != http.StatusSeeOther {
			t.Fatalf("invite %s: %v", m.name, r)
		}
		people[m.name] = p
	}
	ada, cy, bo, dee := people["ada"], people["cy"], people["bo"], people["dee"]
	fragment := func(p *person, query string) string {
		t.Helper()
		r := p.do(t, http.MethodGet, "/boards/"+board+"/fragment"+query, nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/html; charset=utf-8" || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("fragment: %v", r)
		}
		return string(r.body)
	}
	const members, readOnly, editable = `data-testid="members"`, `data-can-edit="false"`, `data-can-edit="true"`

	first := fragment(ada, "") // made for viewers in English, then kept
	if !strings.Contains(first, readOnly) || strings.Contains(first, members) {
		t.Fatalf("a viewer's fragment is editable or shows the members panel")
	}
	if got := fragment(cy, ""); got != first {
		t.Fatalf("two viewers of the same board and language got different fragments")
	}
	if got := fragment(bo, ""); !strings.Contains(got, editable) || strings.Contains(got, members) {
		t.Fatalf("the editor's fragment is read-only or shows the members panel")
	}
	if got := fragment(owner, ""); !strings.Contains(got, editable) || !strings.Contains(got, members) {
		t.Fatalf("the facilitator's fragment lacks the members panel or is read-only")
	}
	// A facilitator's panels are their own: each is marked "you" on their own row.
	you := func(html, email string) bool {
		doc := mustDoc(t, response{body: []byte(html)})
		return strings.Contains(doc.Find(`th:contains("`+email+`")`).Text(), "you")
	}
	if got := fragment(dee, ""); !you(got, "dee@example.org") || you(got, "owner@example.org") {
		t.Fatalf("the second facilitator's members panel does not mark her as you")
	}
	if got := fragment(owner, ""); !you(got, "owner@example.org") || you(got, "dee@example.org") {
		t.Fatalf("the owner's members panel does not mark the owner as you")
	}
	if got := fragment(ada, ""); got != first {
		t.Fatalf("the viewer's fragment changed after others fetched theirs")
	}
	french := fragment(cy, "?lang=fr")
	if french == first || !strings.Contains(french, `lang="fr"`) && !strings.Contains(french, "Étape") && !strings.Contains(french, "étape") {
		t.Fatalf("a viewer asking for French got the English render")
	}
	if got := fragment(ada, ""); got != first {
		t.Fatalf("an English viewer got the French render")
	}

	// Gzipped for a client that accepts it, the same render.
	r := ada.do(t, http.MethodGet, "/boards/"+board+"/fragment", nil, "Accept-Encoding", "br, gzip;q=0.8")
	if r.status != http.StatusOK || r.header.Get("Content-Encoding") != "gzip" || !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzipped fragment: %v", r)
	}
	if got := gunzip(t, r.body); got != first {
		t.Fatalf("the gzipped fragment differs from the plain one")
	}
	if r := ada.do(t, http.MethodGet, "/boards/"+board+"/fragment", nil, "Accept-Encoding", "identity"); r.header.Get("Content-Encoding") != "" || string(r.body) != first {
		t.Fatalf("a client without gzip got Content-Encoding %q", r.header.Get("Content-Encoding"))
	}

	if r := bo.form(t, "/boards/"+board+"/title", url.Values{"title": {"Renamed <b>board</b>"}}); r.status != http.StatusSeeOther {
		t.Fatalf("rename: %v", r)
	}
	after := fragment(ada, "")
	if after == first || !strings.Contains(after, "Renamed &lt;b&gt;board&lt;/b&gt;") {
		t.Fatalf("after an edit, the viewer's fragment does not show it")
	}
}

func gunzip(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Pages, scripts and JSON go gzipped to clients that accept it; websockets are left alone.
func TestCompression(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	for _, path := range []string{"/boards/" + board, "/static/board.js", "/api/boards/" + board} {
		plain := owner.do(t, http.MethodGet, path, nil, "Accept-Encoding", "identity")
		gz := owner.do(t, http.MethodGet, path, nil, "Accept-Encoding", "gzip")
		if plain.status != http.StatusOK || gz.status != http.StatusOK {
			t.Fatalf("%s: %v / %v", path, plain, gz)
		}
		if plain.header.Get("Content-Encoding") != "" || gz.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: Content-Encoding %q without gzip, %q with", path, plain.header.Get("Content-Encoding"), gz.header.Get("Content-Encoding"))
		}
		if len(gz.body) >= len(plain.body) {
			t.Fatalf("%s: gzipped %d bytes, plain %d", path, len(gz.body), len(plain.body))
		}
		got := gunzip(t, gz.body)
		if !strings.HasPrefix(path, "/boards/") && got != string(plain.body) { // a page has a fresh nonce each time
			t.Fatalf("%s: the gzipped body differs from the plain one", path)
		}
	}
	ws, _, status := owner.dialWS(t, board)
	if ws == nil {
		t.Fatalf("websocket with compression on: status %d", status)
	}
	ws.Close()
}
