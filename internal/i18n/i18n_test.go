package i18n_test

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"testing"

	"lastmile/internal/i18n"
)

func keys(t *testing.T, lang string) []string {
	t.Helper()
	data, err := os.ReadFile("locales/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLocalesHaveTheSameMessages(t *testing.T) {
	en, fr := keys(t, "en"), keys(t, "fr")
	for _, k := range en {
		if !slices.Contains(fr, k) {
			t.Errorf("fr.json lacks %q", k)
		}
	}
	for _, k := range fr {
		if !slices.Contains(en, k) {
			t.Errorf("en.json lacks %q", k)
		}
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
