package blueprint_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"lastmile/internal/blueprint"
)

func TestWriteMarkdown(t *testing.T) {
	b := csvFixture(t)
	mustApply(t, b, update(blueprint.TypeCard, "c2", blueprint.Fields{Text: str("<img src=x onerror=alert(1)> **bold** [x](javascript:1)\n# not a title")}))
	var buf bytes.Buffer
	if err := blueprint.WriteMarkdown(&buf, b, blueprint.Analyze(b, nil, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"## Stages\n\n1. Order\n2. \\+Réception\n",
		"### Customer (customer\\_actions)\n",
		"- \\<img src\\=x onerror\\=alert\\(1\\)\\> \\*\\*bold\\*\\* \\[x\\]\\(javascript\\:1\\) \\# not a title — Order, note",
		"Livré à l’étage « 3 » 🚚 \\<b\\>\\&amp;\\</b\\>",
		"- \\=HYPERLINK\\(\\\"http\\:",
		"active 30 min–90 min",
		"## Links\n\n",
		"→",
		"## Analysis (2026-05-01)\n",
		"- Readiness: **",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if m := regexp.MustCompile(`(^|[^\\])[<>\[]|\n# not`).FindString(md); m != "" {
		t.Errorf("the report holds %q unescaped", m)
	}
}
