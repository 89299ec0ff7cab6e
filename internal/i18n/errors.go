package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"lastmile/internal/blueprint"
)

// The server's messages — the coded errors of internal/blueprint and of the adapters,
// shown on pages, in forms and in websocket frames — are written in English in the code,
// as the constant format of blueprint.Errorf. Their translations are kept the way gettext
// keeps them, keyed by that English text, in one file per other language (errors/fr.json):
//
//	"formats": the English format → the language's format, with the same verbs for the
//	           same arguments ("%[2]s … %[1]d" may reorder them)
//	"terms":   a blueprint.Term ("card", "editor") → the language's word for it
//
// Keying by the English text keeps the domain free of message ids and of this package: a
// message is written once, where it is raised, and reads in English wherever no
// translation is asked for (logs, the JSON API). English has no file. A format or term
// the language lacks stays in English; messages_test.go finds every format in the code
// and fails on one that has no translation, or whose translation has other verbs.

//go:embed errors/*.json
var errorFiles embed.FS

// errorTexts are the translations of the server's messages into one language.
type errorTexts struct {
	Formats map[string]string `json:"formats"`
	Terms   map[string]string `json:"terms"`
}

// loadErrorTexts reads errors/<lang>.json for each language but English.
func loadErrorTexts() (map[string]*errorTexts, error) {
	names, err := fs.Glob(errorFiles, "errors/*.json")
	if err != nil {
		return nil, err
	}
	out := map[string]*errorTexts{}
	for _, name := range names {
		lang := strings.TrimSuffix(path.Base(name), ".json")
		if lang == "en" || !slices.Contains(Languages, lang) {
			return nil, fmt.Errorf("%s: not a translation into one of %v but English", name, Languages)
		}
		data, err := errorFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var t errorTexts
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("loading %s: %w", name, err)
		}
		out[lang] = &t
	}
	return out, nil
}

// ErrorMessage returns the message of err in the localizer's language: the translation
// of its format filled with its arguments, where an argument that is a coded error is
// translated the same way and a blueprint.Term is named in the language. What the
// language lacks stays in English; an error that is not coded reads "internal error",
// translated. It is blueprint.ErrorMessage in English.
func (l *Localizer) ErrorMessage(err error) string {
	if l.errors == nil || err == nil {
		return blueprint.ErrorMessage(err)
	}
	return l.errors.message(err)
}

func (t *errorTexts) message(err error) string {
	var e *blueprint.Error
	if !errors.As(err, &e) {
		return t.format(blueprint.ErrorMessage(err))
	}
	if e.Format == "" {
		return t.format(e.Message) // built as a literal: the message is its own format
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		switch a := a.(type) {
		case *blueprint.Error:
			args[i] = t.message(a)
		case blueprint.Term:
			args[i] = t.term(a)
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(t.format(e.Format), args...)
}

// format returns the translation of an English format, or the format itself.
func (t *errorTexts) format(english string) string {
	if s, ok := t.Formats[english]; ok {
		return s
	}
	return english
}

// term returns the word for a term, or the term itself.
func (t *errorTexts) term(w blueprint.Term) string {
	if s, ok := t.Terms[string(w)]; ok {
		return s
	}
	return string(w)
}
