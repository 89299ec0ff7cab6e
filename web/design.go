package web

import (
	"fmt"
	"strings"
)

// designTexts is the stylesheet of the words that app.css shows itself, in the page's
// language: the hints of an empty cell of the grid, as custom properties that its
// content rules read.
func designTexts(p Page) string {
	return fmt.Sprintf(":root{--hint-add-card-click:%s;--hint-add-card-key:%s}",
		cssString(p.L.T("design.hint_click")), cssString(p.L.T("design.hint_key")))
}

// cssString quotes s as a CSS string. Quotes, backslashes, angle brackets, ampersands and
// control characters are written as escapes, so that no text can end the string, the
// rule or the style element.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\%x ", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
