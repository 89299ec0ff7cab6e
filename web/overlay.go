package web

import (
	"github.com/a-h/templ"

	"lastmile/internal/blueprint"
)

func init() {
	editorShortcuts = append(editorShortcuts, "analysis")
}

// overlayTexts returns the data attributes holding the texts of the analysis overlay, in
// the page's language: data-rag-red, data-break-no-owner and so on (analysis-overlay.js
// reads them as dataset.ragRed, dataset.breakNoOwner).
func overlayTexts(p Page) templ.Attributes {
	ph := map[string]any{"Level": "{level}", "Stage": "{stage}", "FromTeam": "{from_team}", "ToTeam": "{to_team}",
		"From": "{from}", "To": "{to}", "Kind": "{kind}", "Card": "{card}"}
	a := templ.Attributes{
		"data-blockers-one":   p.L.Plural("overlay.blockers", 1, "{n}"),
		"data-blockers-other": p.L.Plural("overlay.blockers", 2, "{n}"),
	}
	for _, id := range []string{"overall", "rag.red", "rag.amber", "rag.green", "stage_level", "gap", "gap_mark", "no_gaps",
		"break_item", "break_item_card", "heat_level", "no_heat", "no_breaks", "shown", "hidden"} {
		a["data-"+undoAttr.Replace(id)] = p.L.TD("overlay."+id, ph)
	}
	for _, k := range blueprint.BreakKinds {
		a["data-break-"+undoAttr.Replace(k)] = p.L.T("overlay.break." + k)
	}
	return a
}
