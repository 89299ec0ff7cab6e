// Package i18n holds lastmile's interface text in English and French and picks the
// language of each reader. Message files are embedded JSON in go-i18n's format, with CLDR
// plural forms (French counts 0 and 1 as singular).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var files embed.FS

// Languages are the interface languages, the default first.
var Languages = []string{"en", "fr"}

var matcher = language.NewMatcher([]language.Tag{language.English, language.French})

// Catalog holds every message in every language.
type Catalog struct {
	bundle *i18n.Bundle
	ids    []string
	errors map[string]*errorTexts // the server's messages by language (errors.go); none for English
}

// NewCatalog loads the embedded message files: for each language, its main file (en.json)
// and any other file of the same language (links.en.json), so that each part of the
// interface can keep its texts in a file of its own. It fails only on a malformed file.
func NewCatalog() (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b}
	for _, lang := range Languages {
		names, err := fs.Glob(files, "locales/*"+lang+".json")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			base := path.Base(name)
			if base != lang+".json" && !strings.HasSuffix(base, "."+lang+".json") {
				continue
			}
			mf, err := b.LoadMessageFileFS(files, name)
			if err != nil {
				return nil, fmt.Errorf("loading %s messages: %w", lang, err)
			}
			if lang == "en" {
				for _, m := range mf.Messages {
					c.ids = append(c.ids, m.ID)
				}
			}
		}
	}
	sort.Strings(c.ids)
	var err error
	if c.errors, err = loadErrorTexts(); err != nil {
		return nil, err
	}
	return c, nil
}

// MustCatalog is NewCatalog for program start and tests.
func MustCatalog() *Catalog {
	c, err := NewCatalog()
	if err != nil {
		panic(err)
	}
	return c
}

// Match returns the supported language best fitting an explicit choice (a cookie or a
// query parameter) and then an Accept-Language header.
func Match(choice, acceptLanguage string) string {
	if choice = strings.ToLower(strings.TrimSpace(choice)); choice == "en" || choice == "fr" {
		return choice
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return Languages[idx]
}

// Localizer gives the text of messages in one language.
type Localizer struct {
	lang   string
	l      *i18n.Localizer
	errors *errorTexts // nil for English
}

// For returns a localizer for lang ("en" or "fr"; anything else means English).
func (c *Catalog) For(lang string) *Localizer {
	if lang != "fr" {
		lang = "en"
	}
	return &Localizer{lang: lang, l: i18n.NewLocalizer(c.bundle, lang), errors: c.errors[lang]}
}

// IDs returns every message id, sorted.
func (c *Catalog) IDs() []string { return c.ids }

// Lang returns the localizer's language code.
func (l *Localizer) Lang() string { return l.lang }

// T returns the message id; a missing message shows as its id, which tests catch.
func (l *Localizer) T(id string) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil {
		return id
	}
	return s
}

// TD returns the message id filled with data ({{.Name}} in the message).
func (l *Localizer) TD(id string, data map[string]any) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// N returns the plural form of message id for count n ({{.Count}} in the message).
func (l *Localizer) N(id string, n int) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n,
		TemplateData: map[string]any{"Count": n}})
	if err != nil {
		return id
	}
	return s
}

// Plural returns the plural form of message id that the language uses for n, with count
// in place of {{.Count}}: the browser's scripts fill in a placeholder count themselves.
func (l *Localizer) Plural(id string, n int, count string) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n,
		TemplateData: map[string]any{"Count": count}})
	if err != nil {
		return id
	}
	return s
}

// Fallback translates id, or returns fallback when the catalog lacks it. Its signature
// fits blueprint.Translate.
func (l *Localizer) Fallback(id, fallback string) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil {
		return fallback
	}
	return s
}

// Messages returns every message of the catalog in the localizer's language, for the
// browser's scripts. Plural messages are given in their "other" form.
func (l *Localizer) Messages(c *Catalog) map[string]string {
	out := make(map[string]string, len(c.ids))
	for _, id := range c.ids {
		out[id] = l.T(id)
	}
	return out
}
