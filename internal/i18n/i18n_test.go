package i18n_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"lastmile/internal/i18n"
)

func keys(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestLocalesHaveTheSameMessages checks that each English file (en.json, links.en.json)
// has a French twin with the same messages, and that no message id is in two files.
func TestLocalesHaveTheSameMessages(t *testing.T) {
	names, err := filepath.Glob("locales/*en.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no English message file: %v", err)
	}
	seen := map[string]string{}
	for _, enName := range names {
		frName := strings.TrimSuffix(enName, "en.json") + "fr.json"
		en, fr := keys(t, enName), keys(t, frName)
		for _, k := range en {
			if !slices.Contains(fr, k) {
				t.Errorf("%s lacks %q", frName, k)
			}
			if other, ok := seen[k]; ok {
				t.Errorf("%q is in both %s and %s", k, other, enName)
			}
			seen[k] = enName
		}
		for _, k := range fr {
			if !slices.Contains(en, k) {
				t.Errorf("%s lacks %q", enName, k)
			}
		}
	}
	frNames, _ := filepath.Glob("locales/*fr.json")
	if len(frNames) != len(names) {
		t.Errorf("%d French files for %d English ones", len(frNames), len(names))
	}
}

func TestPlurals(t *testing.T) {
	c := i18n.MustCatalog()
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 cards"}, {"en", 1, "1 card"}, {"en", 2, "2 cards"},
		{"fr", 0, "0 carte"}, {"fr", 1, "1 carte"}, {"fr", 2, "2 cartes"}, {"fr", 1000, "1000 cartes"},
	} {
		if got := c.For(tc.lang).N("count.cards", tc.n); got != tc.want {
			t.Errorf("%s %d: %q; want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ choice, accept, want string }{
		{"", "fr-CA,fr;q=0.9,en;q=0.8", "fr"},
		{"", "de-DE,de;q=0.9", "en"},
		{"", "", "en"},
		{"en", "fr", "en"},
		{"FR", "", "fr"},
		{"xx", "fr-BE", "fr"},
		{"", "garbage;;;q=", "en"},
	} {
		if got := i18n.Match(tc.choice, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q; want %q", tc.choice, tc.accept, got, tc.want)
		}
	}
}

func TestPluralForm(t *testing.T) {
	c := i18n.MustCatalog()
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "{n} card"}, {"en", 0, "{n} cards"}, {"fr", 0, "{n} carte"}, {"fr", 2, "{n} cartes"},
	} {
		if got := c.For(tc.lang).Plural("count.cards", tc.n, "{n}"); got != tc.want {
			t.Errorf("%s %d: %q; want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
