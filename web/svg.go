package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"lastmile/internal/blueprint"
)

// The SVG picture's measures, in px.
const (
	svgHeadW    = 170 // the column of lane names
	svgColW     = 210 // one stage
	svgCardW    = 190
	svgHeadH    = 44 // the row of stage names
	svgPad      = 10
	svgLineH    = 16 // one line of a card's text
	svgLineLen  = 26 // characters on one line of a card
	svgMaxLines = 8  // a card shows at most so many lines, the last ending in …
	svgMinRowH  = 70
	svgStripe   = 6
)

// SVGView is a board laid out as a picture: every box placed, every text wrapped.
type SVGView struct {
	Title         string
	Width, Height int
	Stages        []SVGBox
	Lanes         []SVGBox
	Lines         []SVGLine
	Cards         []SVGCard
	Links         []SVGLink
	Emotion       string // the emotion curve's points ("x,y x,y …"), "" without one
}

// SVGBox is a stage or lane header.
type SVGBox struct {
	X, Y, W, H int
	Label      string
	Role       string
}

// SVGLine is one of the blueprint lines, drawn across the board at Y.
type SVGLine struct {
	Y    int
	Name string // "interaction", "visibility" or "internal_interaction"
}

// SVGCard is a card placed, its text cut into lines.
type SVGCard struct {
	ID         string
	X, Y, W, H int
	Lines      []string
	Color      string // the team's colour, "" without a team
	Kind       string
}

// SVGLink is an arrow from one card's edge to another's.
type SVGLink struct {
	X1, Y1, X2, Y2 int
	Kind           string
	Critical       bool
}

// NewSVGView lays out the visible lanes of b, stage by stage, cards stacked in their cells.
func NewSVGView(b *blueprint.Board) *SVGView {
	bv := NewBoardView(b)
	v := &SVGView{Title: b.Title}
	placed := map[string]SVGCard{}
	y := svgHeadH
	var emotion []string
	for _, row := range bv.Rows {
		if row.Line != "" {
			v.Lines = append(v.Lines, SVGLine{Y: y, Name: row.Line})
		}
		h := svgMinRowH
		var rowCards []SVGCard
		for i, cell := range row.Cells {
			cy := y + svgPad
			for _, c := range cell.Cards {
				lines := wrapText(c.Text, svgLineLen, svgMaxLines)
				sc := SVGCard{ID: c.ID, X: svgHeadW + i*svgColW + (svgColW-svgCardW)/2, Y: cy, W: svgCardW,
					H: len(lines)*svgLineH + 2*svgPad, Lines: lines, Kind: c.Kind}
				if t := bv.Team(c); t != nil {
					sc.Color = t.Color
				}
				rowCards = append(rowCards, sc)
				placed[c.ID] = sc
				cy += sc.H + svgPad
			}
			h = max(h, cy-y)
		}
		v.Cards = append(v.Cards, rowCards...)
		v.Lanes = append(v.Lanes, SVGBox{X: 0, Y: y, W: svgHeadW, H: h, Label: laneLabel(row.Lane), Role: string(row.Lane.Role)})
		if row.Lane.Role == blueprint.RoleEmotion {
			for i, cell := range row.Cells {
				sum, n := 0, 0
				for _, c := range cell.Cards {
					if c.Emotion != 0 {
						sum, n = sum+c.Emotion, n+1
					}
				}
				if n == 0 {
					continue
				}
				// +2 at the top of the lane, -2 at the bottom.
				ey := y + h/2 - sum*(h/2-svgPad)/(n*blueprint.MaxEmotion)
				emotion = append(emotion, strconv.Itoa(svgHeadW+i*svgColW+svgColW/2)+","+strconv.Itoa(ey))
			}
		}
		y += h
	}
	for i, s := range bv.Stages {
		v.Stages = append(v.Stages, SVGBox{X: svgHeadW + i*svgColW, Y: 0, W: svgColW, H: svgHeadH, Label: s.Name})
	}
	for _, l := range bv.Links {
		from, ok1 := placed[l.Link.From]
		to, ok2 := placed[l.Link.To]
		if !ok1 || !ok2 { // a card of a hidden lane
			continue
		}
		x1, x2 := from.X+from.W, to.X
		if to.X+to.W <= from.X { // backwards
			x1, x2 = from.X, to.X+to.W
		} else if to.X == from.X { // same stage: bottom to top
			x1, x2 = from.X+from.W/2, to.X+to.W/2
		}
		v.Links = append(v.Links, SVGLink{X1: x1, Y1: from.Y + from.H/2, X2: x2, Y2: to.Y + to.H/2, Kind: l.Link.Kind, Critical: l.Link.Critical})
	}
	if len(emotion) > 1 {
		v.Emotion = strings.Join(emotion, " ")
	}
	v.Width = svgHeadW + max(1, len(bv.Stages))*svgColW
	v.Height = max(y, svgHeadH+svgMinRowH)
	return v
}

func laneLabel(l *blueprint.Lane) string {
	if l.Label != "" {
		return l.Label
	}
	return string(l.Role)
}

// wrapText cuts s into lines of at most width characters, at spaces where it can, and
// keeps at most most lines, the last ending in … when some text is left out.
func wrapText(s string, width, most int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for utf8.RuneCountInString(word) > width {
				if line != "" {
					lines, line = append(lines, line), ""
				}
				r := []rune(word)
				lines, word = append(lines, string(r[:width])), string(r[width:])
			}
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
				line += " " + word
			default:
				lines, line = append(lines, line), word
			}
		}
		lines = append(lines, line)
	}
	for len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > most {
		lines = lines[:most]
		lines[most-1] += " …"
	}
	return lines
}

func px(n int) string { return strconv.Itoa(n) }

// lineDash tells the three blueprint lines apart by pattern, as the board does.
func lineDash(name string) string {
	switch name {
	case "visibility":
		return "10 6"
	case "internal_interaction":
		return "2 4"
	}
	return "none"
}

func linkWidth(critical bool) string {
	if critical {
		return "3"
	}
	return "1.5"
}
