package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPeople lists whom a comment may mention: the members by account and the guests of
// the share links who gave a name, by the identity their annotations get, to anyone who may read the
// board and to nobody else.
func TestPeople(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	guests := map[string]*person{}
	for _, role := range []string{"commenter", "viewer"} {
		p := e.person(t)
		p.mustJoin(t, owner.mustLink(t, board, url.Values{"role": {role}}), board, url.Values{"name": {"Guest " + role}})
		guests[role] = p
	}
	// The identity the board page gives a guest, which its annotations get.
	identity := func(p *person) string {
		t.Helper()
		page := string(p.do(t, http.MethodGet, "/boards/"+board, nil).body)
		_, rest, _ := strings.Cut(page, `id="board-viewer"`)
		_, rest, _ = strings.Cut(rest, ">")
		data, _, _ := strings.Cut(rest, "</script>")
		var v struct{ By string }
		if err := json.Unmarshal([]byte(data), &v); err != nil || v.By == "" {
			t.Fatalf("no identity in #board-viewer: %q", data)
		}
		return v.By
	}
	list := func(p *person) (int, map[string]string) {
		t.Helper()
		r := p.do(t, http.MethodGet, "/api/boards/"+board+"/people", nil)
		if r.status != http.StatusOK {
			return r.status, nil
		}
		var got struct{ People []struct{ By, Name string } }
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, x := range got.People {
			out[x.By] = x.Name
		}
		return r.status, out
	}

	t.Run("OK", func(t *testing.T) {
		want := map[string]string{
			identity(owner):               "owner@example.org",
			identity(guests["commenter"]): "Guest commenter",
		}
		// A viewer's link asks for no name: nobody could tell whom they mention.
		for role, p := range map[string]*person{"owner": owner, "commenter": guests["commenter"], "viewer": guests["viewer"]} {
			status, got := list(p)
			if status != http.StatusOK || len(got) != len(want) {
				t.Fatalf("%s: %d %v; want %v", role, status, got, want)
			}
			for by, name := range want {
				if got[by] != name {
					t.Errorf("%s: %s is %q; want %q", role, by, got[by], name)
				}
			}
		}
	})

	t.Run("ErrNoAccess", func(t *testing.T) {
		stranger := e.person(t)
		stranger.mustSignUp(t, "stranger@example.org")
		if status, got := list(stranger); status == http.StatusOK {
			t.Fatalf("someone without access read the board's people: %v", got)
		}
	})
}
