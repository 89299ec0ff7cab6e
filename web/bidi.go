package web

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/a-h/templ"

	"lastmile/internal/i18n"
)

// What people type goes into sentences the pages build ("Remove {name}", "Through the
// link “{label}”"). Without care its direction leaks into the sentence: a U+202E
// RIGHT-TO-LEFT OVERRIDE in a name reverses the words after it, and a name in Arabic
// drags the punctuation next to it. Each such value is isolated: between U+2068 FIRST
// STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE in plain text (attributes included),
// in a bdi element in markup. The templates call sentence or sentenceMarkup where a value
// is what someone typed; in the browser, live-core.js's fill() and isolate() do the same.

const (
	firstStrongIsolate = "\u2068"
	popIsolate         = "\u2069"
)

// paragraphEnds replaces the characters that end a bidirectional paragraph, and with it
// any isolate, by spaces.
var paragraphEnds = strings.NewReplacer("\n", " ", "\r", " ", "\x1c", " ", "\x1d", " ", "\x1e", " ", "\u0085", " ", "\u2029", " ")

// isolate returns s as a unit of its own inside a sentence: between U+2068 and U+2069, so
// that its direction is its own and every bidirectional control it holds ends with it.
// So that s can neither end the isolate early nor leave one open, its isolates are
// balanced (see balanced) and its line breaks become spaces. An s that is already one
// isolate is returned as it is.
func isolate(s string) string {
	s = balanced(paragraphEnds.Replace(s))
	if oneIsolate(s) {
		return s
	}
	return firstStrongIsolate + s + popIsolate
}

// balanced returns s with every isolate it opens closed at its end and every U+2069 that
// closes none of its own dropped. Embeddings and overrides (U+202A to U+202E) need
// nothing: the U+2069 that ends an isolate ends them too.
func balanced(s string) string {
	if !strings.ContainsAny(s, "\u2066\u2067\u2068\u2069") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068': // LRI, RLI, FSI
			depth++
		case '\u2069':
			if depth == 0 {
				continue
			}
			depth--
		}
		b.WriteRune(r)
	}
	b.WriteString(strings.Repeat(popIsolate, depth))
	return b.String()
}

// oneIsolate reports whether a balanced s is one isolate: a U+2068 and the U+2069 that
// closes it at its end.
func oneIsolate(s string) bool {
	if !strings.HasPrefix(s, firstStrongIsolate) {
		return false
	}
	depth := 0
	for i, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068':
			depth++
		case '\u2069':
			if depth--; depth == 0 {
				return i+len(popIsolate) == len(s)
			}
		}
	}
	return false
}

// sentence returns message id filled with data, each string value isolated: for a
// sentence in plain text, such as an aria-label or a title attribute.
func sentence(l *i18n.Localizer, id string, data map[string]any) string {
	iso := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok {
			v = isolate(s)
		}
		iso[k] = v
	}
	return l.TD(id, iso)
}

// valueMark stands for a value in a message while it is translated: no message holds a
// NUL character. The values themselves never go through the translation.
const valueMark = "\x00"

// sentenceMarkup renders message id filled with data as markup: the message's text, and
// each value in a bdi element, escaped.
func sentenceMarkup(l *i18n.Localizer, id string, data map[string]any) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		marks := make(map[string]any, len(data))
		for k := range data {
			marks[k] = valueMark + k + valueMark
		}
		// The translated text alternates: text, a value's key, text, a value's key, … text.
		for i, part := range strings.Split(l.TD(id, marks), valueMark) {
			html := templ.EscapeString(part)
			if v, ok := data[part]; ok && i%2 == 1 {
				html = "<bdi>" + templ.EscapeString(balanced(paragraphEnds.Replace(fmt.Sprint(v)))) + "</bdi>"
			}
			if _, err := io.WriteString(w, html); err != nil {
				return err
			}
		}
		return nil
	})
}
