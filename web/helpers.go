package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

func langName(lang string) string {
	if lang == "fr" {
		return "Français"
	}
	return "English"
}

// langURL returns path with the lang parameter set; only local paths are kept.
func langURL(path, lang string) string {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		path = "/"
	}
	return path + "?lang=" + url.QueryEscape(lang)
}

func boardURL(id string, parts ...string) string {
	return "/boards/" + url.PathEscape(id) + strings.Join(parts, "")
}

// teamStyles returns CSS giving each team's colour to the elements that carry its id.
// Ids and colours are checked against their patterns again here, because the result is
// written into a style element as is.
func teamStyles(teams []*blueprint.Team) string {
	var sb strings.Builder
	for _, t := range teams {
		if !blueprint.ValidID(t.ID) || !validColor(t.Color) {
			continue
		}
		fmt.Fprintf(&sb, "[data-team=%q]{--team:%s}", t.ID, t.Color)
	}
	return sb.String()
}

func validColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func styleTag(nonce, css string) string {
	if nonce != "" {
		return `<style nonce="` + nonce + `">` + css + `</style>`
	}
	return `<style>` + css + `</style>`
}

func minutes(l *i18n.Localizer, n int) string {
	if n >= 60*24 {
		return l.N("time.days", n/(60*24))
	}
	if n >= 60 && n%60 == 0 {
		return l.N("time.hours", n/60)
	}
	return l.N("time.minutes", n)
}

func emotionLabel(n int) string {
	switch {
	case n > 0:
		return fmt.Sprintf("+%d", n)
	default:
		return fmt.Sprintf("%d", n)
	}
}

func itoa(n int) string { return fmt.Sprint(n) }

// newCardID is the id of the card markup the editor copies for a new card; it puts the
// new card's id in its place.
const newCardID = "__new__"

// editorShortcuts are the keyboard shortcuts the editor's help lists, in order; each has
// a key text (editor.key.*) and a description (editor.help.*).
var editorShortcuts = []string{"arrows", "enter", "new", "save", "newline", "escape", "move", "select", "delete", "undo", "redo",
	"structure_rename", "structure_move", "structure_add", "structure_delete", "card_team", "card_kind", "zoom", "fit", "pan", "help"}

// accountAction is where an account form posts.
func accountAction(kind string) string {
	if kind == "password" {
		return "/account/password"
	}
	return "/" + kind
}

// signInURL is the sign-in page, coming back to path afterwards.
func signInURL(path string) string {
	return "/signin?next=" + url.QueryEscape(path)
}

// confirmTexts returns the data attributes holding the texts that ask before deleting a
// stage, a lane or a team, for no card, one card or several ({name} and {count} are
// filled in by structure.js, which picks the form with the page language's plural rule).
func confirmTexts(p Page) templ.Attributes {
	a := templ.Attributes{}
	for _, what := range []string{"stage", "lane", "team"} {
		for _, n := range []string{"none", "one", "other"} {
			a["data-confirm-"+what+"-"+n] = p.L.TD("structure.delete_"+what+"."+n, map[string]any{"Name": "{name}", "Count": "{count}"})
		}
	}
	return a
}
