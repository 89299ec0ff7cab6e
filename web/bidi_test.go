package web

import (
	"context"
	"strings"
	"testing"

	"lastmile/internal/i18n"
)

func TestIsolate(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"Plain", "Ana Lima", "\u2068Ana Lima\u2069"},
		{"Empty", "", "\u2068\u2069"},
		{"Override", "abc\u202Edef", "\u2068abc\u202Edef\u2069"},
		{"Arabic", "مرحبا", "\u2068مرحبا\u2069"},
		{"OwnIsolateKept", "a\u2067b\u2069c", "\u2068a\u2067b\u2069c\u2069"},
		{"StrayPopDropped", "\u2069\u202Eevil", "\u2068\u202Eevil\u2069"},
		{"OpenIsolateClosed", "\u2067abc\u2068d", "\u2068\u2067abc\u2068d\u2069\u2069\u2069"},
		{"LineBreaks", "one\ntwo\u2029three", "\u2068one two three\u2069"},
		{"AlreadyOne", "\u2068Bea\u2069", "\u2068Bea\u2069"},
		{"TwoIsolates", "\u2068a\u2069b\u2068c\u2069", "\u2068\u2068a\u2069b\u2068c\u2069\u2069"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := isolate(tt.in); got != tt.want {
				t.Errorf("isolate(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	cat := i18n.MustCatalog()
	t.Run("Text", func(t *testing.T) {
		got := sentence(cat.For("en"), "members.remove_who", map[string]any{"Name": "\u202Eevil@example.org"})
		if want := "Remove \u2068\u202Eevil@example.org\u2069"; got != want {
			t.Errorf("sentence = %+q, want %+q", got, want)
		}
	})
	t.Run("NotAString", func(t *testing.T) {
		got := sentence(cat.For("en"), "count.cards", map[string]any{"Count": 3})
		if got != "3 cards" {
			t.Errorf("sentence = %+q, want a number left as it is", got)
		}
	})
	t.Run("Markup", func(t *testing.T) {
		l := cat.For("fr")
		var sb strings.Builder
		label := "<b>\u2069\u202E&"
		if err := sentenceMarkup(l, "members.through_link", map[string]any{"Label": label}).Render(context.Background(), &sb); err != nil {
			t.Fatal(err)
		}
		if want := "Par le lien « <bdi>&lt;b&gt;\u202E&amp;</bdi> »"; sb.String() != want {
			t.Errorf("sentenceMarkup = %+q, want %+q", sb.String(), want)
		}
	})
	t.Run("MarkupSeveral", func(t *testing.T) {
		var sb strings.Builder
		data := map[string]any{"Stage": "Order", "Score": "+1", "Cards": "2 cards"}
		if err := sentenceMarkup(cat.For("en"), "emotion.point", data).Render(context.Background(), &sb); err != nil {
			t.Fatal(err)
		}
		if want := "<bdi>Order</bdi>: <bdi>+1</bdi> (<bdi>2 cards</bdi>)"; sb.String() != want {
			t.Errorf("sentenceMarkup = %+q, want %+q", sb.String(), want)
		}
	})
}
