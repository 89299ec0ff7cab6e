package web

import "lastmile/internal/i18n"

// timeRange says a card's time as its card shows it: one time (minutes), or a range from
// low to high when the top is above the bottom ("2 days – 5 days"). render.js's
// timeRange says the same.
func timeRange(l *i18n.Localizer, low, high int) string {
	if high > low {
		return minutes(l, low) + " – " + minutes(l, high)
	}
	return minutes(l, low)
}
