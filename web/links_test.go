package web

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

// journey returns a journey map (lane-3 is its emotion lane) with cards of the given
// emotion scores in the emotion lane, by stage id.
func journey(t *testing.T, scores map[string][]int) *blueprint.Board {
	t.Helper()
	_, ops, err := blueprint.TemplateOps(blueprint.TemplateJourneyMap, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := blueprint.NewBoard("b1", "Journey", blueprint.TemplateJourneyMap)
	n := 0
	for stage, list := range scores {
		for _, s := range list {
			n++
			id := "e" + strings.Repeat("x", n)
			ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
				Fields: blueprint.Fields{Stage: ptr(stage), Lane: ptr("lane-3"), Order: ptr("V"), Text: ptr(id), Emotion: ptr(s)}})
		}
	}
	// A card of another lane does not count.
	ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "other",
		Fields: blueprint.Fields{Stage: ptr("stage-2"), Lane: ptr("lane-1"), Order: ptr("V"), Text: ptr("Ad"), Emotion: ptr(2)}})
	for _, op := range ops {
		if err := b.Apply(op); err != nil {
			t.Fatalf("%+v: %v", op, err)
		}
	}
	return b
}

func ptr[T any](v T) *T { return &v }

func render(t *testing.T, lang string, v *BoardView) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	p := Page{L: i18n.MustCatalog().For(lang)}
	if err := Board(p, v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestEmotionCurve(t *testing.T) {
	// Stage 1: +2 and +1 (mean 1.5); stage 2: none; stage 3: -2; stage 4: 0 and 0 and +1;
	// stage 5: none.
	b := journey(t, map[string][]int{"stage-1": {2, 1}, "stage-3": {-2}, "stage-4": {0, 0, 1}})
	v := NewBoardView(b)
	var row Row
	for _, r := range v.Rows {
		if r.Lane.ID == "lane-3" {
			row = r
		}
	}

	t.Run("Points", func(t *testing.T) {
		c := NewEmotionCurve(row)
		var got []string
		for _, p := range c.Points {
			got = append(got, p.Stage.ID+"="+meanAttr(p.Mean))
		}
		if diff := cmp.Diff([]string{"stage-1=1.5", "stage-3=-2", "stage-4=0.33"}, got); diff != "" {
			t.Errorf("points (-want +got):\n%s", diff)
		}
	})

	t.Run("Segments", func(t *testing.T) {
		c := NewEmotionCurve(row)
		// y = 50 - 20 × score: +1.5 → 20, -2 → 90, 1/3 → 43.33. Stage 2 has no point: the
		// line crosses it from +1.5 to -2, through their middle (-0.25 → 55) at its centre.
		want := []string{
			"M50 20 L100 37.5",
			"M0 37.5 L50 55 L100 72.5",
			"M0 72.5 L50 90 L100 66.67",
			"M0 66.67 L50 43.33",
			"",
		}
		for i, w := range want {
			if got := c.Segment(i); got != w {
				t.Errorf("segment of column %d = %q, want %q", i, got, w)
			}
		}
		if got := c.Dot(1); got != "" {
			t.Errorf("column 1 has a dot %q, want none", got)
		}
		if got := c.Dot(2); got != "M50 90 h0" {
			t.Errorf("column 2's dot = %q", got)
		}
	})

	t.Run("Rendered", func(t *testing.T) {
		doc := render(t, "fr", v)
		lane := doc.Find(`tr[data-lane-id="lane-3"]`)
		if n := lane.Find(`svg[data-testid="emotion-curve"]`).Length(); n != 5 {
			t.Errorf("%d cells draw the curve, want 5", n)
		}
		var points []string
		lane.Find(`[data-testid="emotion-point"]`).Each(func(_ int, s *goquery.Selection) {
			stage, _ := s.Closest("td").Attr("data-stage-id")
			mean, _ := s.Attr("data-mean")
			d, _ := s.Attr("d")
			points = append(points, stage+"="+mean+" "+d)
		})
		if diff := cmp.Diff([]string{"stage-1=1.5 M50 20 h0", "stage-3=-2 M50 90 h0", "stage-4=0.33 M50 43.33 h0"}, points); diff != "" {
			t.Errorf("points (-want +got):\n%s", diff)
		}
		if svg, _ := lane.Find("svg").First().Attr("aria-hidden"); svg != "true" {
			t.Errorf("the drawing is not hidden from screen readers")
		}
		if n := doc.Find(`tr[data-lane-id="lane-1"] svg`).Length(); n != 0 {
			t.Errorf("another lane draws %d curves", n)
		}
		var items []string
		doc.Find(`[data-testid="emotion-summary"] li`).Each(func(_ int, s *goquery.Selection) { items = append(items, s.Text()) })
		want := []string{"Become aware : +1,5 (2 cartes)", "Decide : -2 (1 carte)", "Buy : +0,3 (3 cartes)"}
		if diff := cmp.Diff(want, items); diff != "" {
			t.Errorf("the curve's text (-want +got):\n%s", diff)
		}
		if label, _ := doc.Find(`[data-testid="emotion-summary"]`).Attr("aria-label"); !strings.HasPrefix(label, "Courbe des émotions de ") {
			t.Errorf("the curve's text is labelled %q", label)
		}
		if html, _ := doc.Html(); strings.Contains(html, "style=") {
			t.Errorf("the board has a style attribute, which the Content-Security-Policy refuses")
		}
	})

	t.Run("NoScores", func(t *testing.T) {
		doc := render(t, "en", NewBoardView(journey(t, nil)))
		if n := doc.Find(`svg[data-testid="emotion-curve"]`).Length(); n != 0 {
			t.Errorf("a lane without cards draws %d curves", n)
		}
		if got := doc.Find(`[data-testid="emotion-summary"]`).Text(); got != "No scores yet" {
			t.Errorf("the text of an empty curve is %q", got)
		}
	})
}

func TestLinkRows(t *testing.T) {
	b := journey(t, map[string][]int{"stage-1": {1}})
	for _, op := range []blueprint.Op{
		{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: "t1", Fields: blueprint.Fields{Name: ptr("Ops"), Color: ptr("#112233")}},
		{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: "l1", Fields: blueprint.Fields{From: ptr("ex"), To: ptr("other"),
			Kind: ptr(blueprint.LinkDependency), Critical: ptr(true), Status: ptr(blueprint.StatusAgreed), Owner: ptr("t1")}},
	} {
		if err := b.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	attrs := func(s *goquery.Selection, names ...string) []string {
		var out []string
		for _, n := range names {
			v, ok := s.Attr(n)
			if !ok {
				v = "(none)"
			}
			out = append(out, n+"="+v)
		}
		return out
	}
	names := []string{"data-from", "data-to", "data-kind", "data-critical", "data-status", "data-owner", "tabindex"}

	v := NewBoardView(b)
	editable := render(t, "en", v)
	row := editable.Find(`tr[data-link-id="l1"]`)
	if n := editable.Find(`#card-ex [data-emotion-buttons] button`).Length(); n != 2 {
		t.Errorf("a card of the emotion lane has %d emotion buttons, want 2", n)
	}
	if n := editable.Find(`#card-other [data-emotion-buttons]`).Length(); n != 0 {
		t.Errorf("a card of another lane has emotion buttons")
	}
	want := []string{"data-from=ex", "data-to=other", "data-kind=dependency", "data-critical=true", "data-status=agreed", "data-owner=t1", "tabindex=0"}
	if diff := cmp.Diff(want, attrs(row, names...)); diff != "" {
		t.Errorf("editable row (-want +got):\n%s", diff)
	}

	v.ReadOnly = true
	doc := render(t, "en", v)
	want[len(want)-1] = "tabindex=(none)"
	if diff := cmp.Diff(want, attrs(doc.Find(`tr[data-link-id="l1"]`), names...)); diff != "" {
		t.Errorf("read-only row (-want +got):\n%s", diff)
	}
	if n := doc.Find(`[data-emotion-buttons]`).Length(); n != 0 {
		t.Errorf("a read-only board has %d emotion buttons", n)
	}
	if got, _ := doc.Find("article.board").Attr("data-can-edit"); got != "false" {
		t.Errorf("a read-only board says data-can-edit=%q", got)
	}
}
