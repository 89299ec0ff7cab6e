package web

import (
	"github.com/a-h/templ"

	"lastmile/internal/i18n"
)

// timeRange says a card's time as its card shows it: one time (minutes), or a range from
// low to high when the top is above the bottom ("2 days – 5 days"). render.js's
// timeRange says the same.
func timeRange(l *i18n.Localizer, low, high int) string {
	if high > low {
		return minutes(l, low) + " – " + minutes(l, high)
	}
	return minutes(l, low)
}

// agreementTexts are the texts links.js says about what the teams agreed on a link, in
// the page's language, as data attributes of the link dialog's holder.
func agreementTexts(p Page) templ.Attributes {
	a := templ.Attributes{}
	for _, id := range []string{"links.risk_missing", "links.risk_saved", "links.risk_withdrawn", "links.ack_missing",
		"links.ack_saved", "links.ack_withdrawn", "card.no_team"} {
		a["data-"+undoAttr.Replace(id)] = p.L.T(id)
	}
	for _, side := range []string{"from", "to"} {
		a["data-links-ack-side-"+side] = p.L.TD("links.ack_side_"+side, map[string]any{"Team": "{team}"})
	}
	return a
}
