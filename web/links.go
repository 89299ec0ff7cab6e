package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

// linkShortcuts are the keyboard shortcuts of links and emotion scores, listed in the
// editor's help after the editor's own.
var linkShortcuts = []string{"link", "link_mouse", "link_edit", "emotion"}

func init() {
	editorShortcuts = append(editorShortcuts, linkShortcuts...)
}

// EmotionPoint is one point of an emotion curve: the mean score of the cards an emotion
// lane holds in one stage.
type EmotionPoint struct {
	Stage *blueprint.Stage
	Index int // the stage's column, from 0
	Mean  float64
	Count int
}

// EmotionCurve is the curve of one emotion lane across the stages: one point per stage
// that has cards in the lane, none for the others, which the curve passes over.
type EmotionCurve struct {
	Points []EmotionPoint
	stages int
}

// Emotion curves are drawn in each cell of the lane on a 100×100 box: x from the cell's
// left edge to its right edge, the point of a stage in the middle; y from +2 at the top
// (emotionTop) to -2 at the bottom (emotionBottom).
const (
	emotionBox    = 100.0
	emotionTop    = 10.0
	emotionBottom = 90.0
)

// NewEmotionCurve computes the curve of a lane's row. A card counts with its score, 0 when
// it has none; stages without cards in the lane have no point.
func NewEmotionCurve(row Row) *EmotionCurve {
	c := &EmotionCurve{stages: len(row.Cells)}
	for i, cell := range row.Cells {
		if len(cell.Cards) == 0 {
			continue
		}
		sum := 0
		for _, card := range cell.Cards {
			sum += card.Emotion
		}
		c.Points = append(c.Points, EmotionPoint{Stage: cell.Stage, Index: i, Mean: float64(sum) / float64(len(cell.Cards)), Count: len(cell.Cards)})
	}
	return c
}

// isEmotionCard reports whether the card is in an emotion lane.
func isEmotionCard(v *BoardView, c *blueprint.Card) bool {
	l := v.Board.Lanes[c.Lane]
	return l != nil && l.Role == blueprint.RoleEmotion
}

// isEmotionLane reports whether the row's lane holds emotion scores.
func isEmotionLane(row Row) bool { return row.Lane.Role == blueprint.RoleEmotion }

// emotionY is the height in the drawing box of a score.
func emotionY(score float64) float64 {
	mid := (emotionTop + emotionBottom) / 2
	return mid - score*(emotionBottom-emotionTop)/4
}

// at returns the curve's score at x, a position in stage columns (stage i's point is at
// x = i), and whether the curve passes there.
func (c *EmotionCurve) at(x float64) (float64, bool) {
	if len(c.Points) == 0 || x < float64(c.Points[0].Index) || x > float64(c.Points[len(c.Points)-1].Index) {
		return 0, false
	}
	for k, p := range c.Points {
		if float64(p.Index) == x {
			return p.Mean, true
		}
		if k > 0 && float64(p.Index) > x {
			q := c.Points[k-1]
			t := (x - float64(q.Index)) / float64(p.Index-q.Index)
			return q.Mean + t*(p.Mean-q.Mean), true
		}
	}
	return 0, false
}

// Point returns the curve's point in the stage of column i, or nil.
func (c *EmotionCurve) Point(i int) *EmotionPoint {
	for k := range c.Points {
		if c.Points[k].Index == i {
			return &c.Points[k]
		}
	}
	return nil
}

// Segment returns the SVG path data of the part of the curve that crosses the cell of
// column i, in the cell's drawing box, or "" when the curve does not cross it.
func (c *EmotionCurve) Segment(i int) string {
	if len(c.Points) == 0 {
		return ""
	}
	first, last := float64(c.Points[0].Index), float64(c.Points[len(c.Points)-1].Index)
	from, to := math.Max(float64(i)-0.5, first), math.Min(float64(i)+0.5, last)
	if from >= to {
		return ""
	}
	var xs []float64
	xs = append(xs, from)
	if mid := float64(i); mid > from && mid < to {
		xs = append(xs, mid)
	}
	xs = append(xs, to)
	var sb strings.Builder
	for k, x := range xs {
		y, _ := c.at(x)
		if k == 0 {
			sb.WriteString("M")
		} else {
			sb.WriteString(" L")
		}
		fmt.Fprintf(&sb, "%s %s", num((x-float64(i)+0.5)*emotionBox), num(emotionY(y)))
	}
	return sb.String()
}

// Dot returns the SVG path data of the point of column i (a line of no length that a
// round cap draws as a dot), or "".
func (c *EmotionCurve) Dot(i int) string {
	p := c.Point(i)
	if p == nil {
		return ""
	}
	return fmt.Sprintf("M%s %s h0", num(emotionBox/2), num(emotionY(p.Mean)))
}

// num writes a coordinate with at most two decimals.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// scoreText writes a mean score with its sign and at most one decimal, with the decimal
// separator of the reader's language.
func scoreText(l *i18n.Localizer, f float64) string {
	f = math.Round(f*10) / 10
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	if l.Lang() == "fr" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	switch {
	case f > 0:
		return "+" + s
	case f < 0:
		return "-" + s
	}
	return s
}

// meanAttr is a mean score as the data-mean attribute carries it, for scripts and tests.
func meanAttr(f float64) string { return num(f) }

// boolAttr writes a boolean as a data attribute carries it.
func boolAttr(b bool) string { return strconv.FormatBool(b) }
