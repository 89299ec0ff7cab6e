package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

func svgBoard(t *testing.T) *blueprint.Board {
	t.Helper()
	b := blueprint.NewBoard("b1", `Board </title><script>alert(1)</script>`, "")
	_, ops, err := blueprint.TemplateOps(blueprint.TemplateServiceBlueprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	n := func(v int) *int { return &v }
	ops = append(ops,
		blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: "t1", Fields: blueprint.Fields{Name: s("Desk"), Color: s("#2563eb")}},
		blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLane, ID: "emo", Fields: blueprint.Fields{Role: s("emotion"), Label: s("Feelings & <moods>"), Order: s("zz")}},
	)
	texts := []string{`<img src=x onerror=alert(1)>`, `]]> & "quotes" 'apostrophes' &amp;`, "Livré à l’étage « 3 » 🚚",
		"A rather long text that has to be wrapped over several lines of the card to fit in its width"}
	for i, text := range texts {
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c" + string(rune('1'+i)),
			Fields: blueprint.Fields{Stage: s("stage-" + string(rune('1'+i%2))), Lane: s("lane-" + string(rune('1'+i))), Order: s("V"), Text: s(text), Team: s("t1")}})
	}
	for i := range 2 {
		ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "e" + string(rune('1'+i)),
			Fields: blueprint.Fields{Stage: s("stage-" + string(rune('1'+i))), Lane: s("emo"), Order: s("V"), Text: s("mood"), Emotion: n(2 - 3*i), Kind: s("emotion")}})
	}
	ops = append(ops, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: "k1", Fields: blueprint.Fields{From: s("c1"), To: s("c2")}})
	for _, op := range ops {
		if err := b.Apply(op); err != nil {
			t.Fatalf("%+v: %v", op, err)
		}
	}
	return b
}

func TestBoardSVG(t *testing.T) {
	b := svgBoard(t)
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			p := Page{L: i18n.MustCatalog().For(lang)}
			var buf bytes.Buffer
			if err := BoardSVG(p, NewSVGView(b)).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			// Every element and text, as an XML reader sees them.
			d := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
			var texts []string
			elements := map[string]int{}
			cardText := map[string]*strings.Builder{}
			card := ""
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not valid XML: %v\n%s", err, buf.String())
				}
				switch x := tok.(type) {
				case xml.StartElement:
					elements[x.Name.Local]++
					for _, a := range x.Attr {
						if x.Name.Local == "g" && a.Name.Local == "data-id" {
							card = a.Value
							cardText[card] = &strings.Builder{}
						}
					}
				case xml.CharData:
					if s := strings.TrimSpace(string(x)); s != "" {
						texts = append(texts, s)
						if card != "" {
							cardText[card].WriteString(s + " ")
						}
					}
				case xml.EndElement:
					if x.Name.Local == "g" {
						card = ""
					}
				}
			}
			if elements["script"] > 0 || elements["img"] > 0 {
				t.Errorf("hostile text became elements: %v", elements)
			}
			all := strings.Join(texts, "\n")
			want := []string{b.Title, "Feelings & <moods>", p.L.T("line.interaction"), p.L.T("line.visibility"), p.L.T("line.internal_interaction")}
			for _, l := range b.Lanes {
				if !l.Hidden {
					want = append(want, l.Label)
				}
			}
			for _, s := range b.Stages {
				want = append(want, s.Name)
			}
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("the picture lacks %q", w)
				}
			}
			for id, c := range b.Cards {
				got := strings.Join(strings.Fields(cardText[id].String()), " ")
				if got != strings.Join(strings.Fields(c.Text), " ") {
					t.Errorf("card %s reads %q, want %q", id, got, c.Text)
				}
			}
			if elements["polyline"] != 1 || elements["line"] != 4 || elements["tspan"] < len(b.Cards)+2 {
				t.Errorf("elements %v: want the emotion curve, three lines and a link, wrapped text", elements)
			}
		})
	}
}

func TestWrapText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"short one", []string{"short", "one"}},
		{"short on", []string{"short on"}},
		{"one two three four", []string{"one two", "three", "four"}},
		{"abcdefghijkl", []string{"abcdefgh", "ijkl"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42", []string{"1 2 3 4", "5 6 7 8", "9 10 11", "12 13 14", "15 16 17", "18 19 20", "21 22 23", "24 25 26 …"}},
	} {
		got := wrapText(tc.in, 8, 8)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrapText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
