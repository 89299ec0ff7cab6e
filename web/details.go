package web

import (
	"slices"
	"strconv"

	"github.com/a-h/templ"

	"lastmile/internal/blueprint"
)

// detailShortcuts are the keyboard shortcuts of a card's detail and times and of the
// board's title, listed in the editor's help after those of a card's team and kind.
var detailShortcuts = []string{"card_details", "details_save", "board_title"}

func init() {
	i := slices.Index(editorShortcuts, "card_kind") + 1
	editorShortcuts = slices.Insert(editorShortcuts, i, detailShortcuts...)
}

// detailTexts returns the data attributes holding the texts that details.js and
// title.js fill in or say, in the page's language ({name}, {field}, {value}, {count},
// {max}, {time}, {shown} and {text} are filled in by the page).
func detailTexts(p Page) templ.Attributes {
	placeholders := map[string]any{"Name": "{name}", "Field": "{field}", "Value": "{value}", "Count": "{count}",
		"Max": "{max}", "Time": "{time}", "Shown": "{shown}", "Text": "{text}", "Low": "{low}", "High": "{high}"}
	a := templ.Attributes{"data-max-detail": strconv.Itoa(blueprint.MaxDetailLen), "data-max-title": strconv.Itoa(blueprint.MaxNameLen)}
	for _, id := range []string{
		"details.card", "details.count", "details.unit_day", "details.unit_hour", "details.unit_minute",
		"details.said", "details.said_shown", "details.said_range", "details.range_reversed", "details.no_time", "details.invalid_time", "details.time_too_long",
		"details.detail_too_long", "details.locked", "details.saved", "details.unchanged", "details.card_deleted",
		"details.card_deleted_text", "title.hint", "title.required", "title.kept", "title.too_long", "title.too_long_kept", "title.renamed", "undo.someone",
	} {
		a["data-"+undoAttr.Replace(id)] = p.L.TD(id, placeholders)
	}
	return a
}
