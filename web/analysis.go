package web

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

// AnalysisView is the Analysis page of a board: its last-mile analysis, the board's stages
// and lanes for the heat map, and whether the reader may edit the facts the page sets.
// After a refused form, Form names it and Posted holds what was posted, which the form
// shows again.
type AnalysisView struct {
	Board   *blueprint.Board
	A       *blueprint.Analysis
	Stages  []*blueprint.Stage
	Lanes   []*blueprint.Lane
	CanEdit bool
	Form    string
	Posted  url.Values
}

// NewAnalysisView lays out the analysis a of board b.
func NewAnalysisView(b *blueprint.Board, a *blueprint.Analysis) *AnalysisView {
	return &AnalysisView{Board: b, A: a, Stages: b.SortedStages(), Lanes: b.SortedLanes()}
}

// value returns what the form shows in field name: what was posted when form was refused,
// else cur.
func (v *AnalysisView) value(form, name, cur string) string {
	if v.Form == form && v.Posted != nil {
		return v.Posted.Get(name)
	}
	return cur
}

// dailyUser returns the i-th daily user the framing form shows.
func (v *AnalysisView) dailyUser(i int) string {
	users := v.Board.Framing.DailyUsers
	if v.Form == "framing" && v.Posted != nil {
		users = v.Posted["daily_user"]
	}
	if i < len(users) {
		return users[i]
	}
	return ""
}

// candidate says whether the launch form shows the board as a launch candidate.
func (v *AnalysisView) candidate() bool {
	if v.Form == "launch" && v.Posted != nil {
		return v.Posted.Get("launch_candidate") != ""
	}
	return v.Board.Framing.LaunchCandidate
}

// ragIcons are the signs shown beside each level's word, so that a level never rests on
// its colour alone (analysis.js shows the same).
var ragIcons = map[blueprint.RAG]string{blueprint.Red: "✕", blueprint.Amber: "!", blueprint.Green: "✓"}

func ragIcon(level blueprint.RAG) string { return ragIcons[level] }

func ragWord(l *i18n.Localizer, level blueprint.RAG) string {
	return l.T("analysis.rag." + string(level))
}

// pct writes a share from 0 to 1 as a whole percentage the way the language does, as
// the browser's Intl.NumberFormat does too: 42% in English, 42 % (a narrow no-break
// space) in French.
func pct(l *i18n.Localizer, f float64) string {
	n := strconv.Itoa(int(math.Round(f * 100)))
	if l.Lang() == "fr" {
		return n + "\u202f%"
	}
	return n + "%"
}

// number writes a whole number with the language's thousands separator.
func number(l *i18n.Localizer, n int) string {
	s := strconv.Itoa(max(n, -n))
	sep := ","
	if l.Lang() == "fr" {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if n < 0 {
		return "−" + b.String()
	}
	return b.String()
}

// span writes a duration in minutes the way people say it: days and hours, hours and
// minutes, or minutes.
func span(l *i18n.Localizer, m int) string {
	const hour, day = 60, 24 * 60
	switch {
	case m >= day && m%day >= hour:
		return l.N("time.days", m/day) + " " + l.N("time.hours", m%day/hour)
	case m >= day:
		return l.N("time.days", m/day)
	case m >= hour && m%hour > 0:
		return l.N("time.hours", m/hour) + " " + l.N("time.minutes", m%hour)
	case m >= hour:
		return l.N("time.hours", m/hour)
	}
	return l.N("time.minutes", m)
}

// spanRange writes a range of minutes: one duration when both ends are the same.
func spanRange(l *i18n.Localizer, r blueprint.Range) string {
	if r.Max <= r.Min {
		return span(l, r.Min)
	}
	return l.TD("analysis.range", map[string]any{"Min": span(l, r.Min), "Max": span(l, r.Max)})
}

// ratioRange writes a range of shares.
func ratioRange(l *i18n.Localizer, r blueprint.RatioRange) string {
	lo, hi := pct(l, r.Low), pct(l, r.High)
	if lo == hi {
		return lo
	}
	return l.TD("analysis.range", map[string]any{"Min": lo, "Max": hi})
}

// days writes a count of days relative to today: "in 3 days", "today", "2 days ago".
func days(l *i18n.Localizer, d int) string {
	switch {
	case d == 0:
		return l.T("analysis.today")
	case d > 0:
		return l.N("analysis.in_days", d)
	}
	return l.N("analysis.days_ago", -d)
}

// refName is an entity's name, or its id when it has none (a deleted one).
func refName(r blueprint.Ref) string { return cmp.Or(r.Name, r.ID) }

// refNames is the names of refs, separated by commas.
func refNames(refs []blueprint.Ref) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = refName(r)
	}
	return strings.Join(names, ", ")
}

// unsure says how much of a finding rests on cards nobody observed, or "" when all were.
func unsure(l *i18n.Localizer, e blueprint.Evidence) string {
	n := e.Cards - e.Observed
	if e.Cards == 0 || n == 0 {
		return ""
	}
	return l.TD("analysis.unsure", map[string]any{"Count": n, "Cards": l.N("count.cards", e.Cards)})
}

// The charts are drawn in SVG user units; viewBox scales them to the page's width.
const (
	chartW     = 960
	labelW     = 200
	funnelRowH = 56
	heatCellH  = 40
	historyH   = 160
)

// stageStrip is one stage of the readiness strip: where it is drawn.
type stageStrip struct {
	S       blueprint.StageReadiness
	X, W    int
	Points  string // the chevron's outline
	Name    string // the stage's name, cut to fit
	Center  int
	Unknown bool
}

func readinessStrip(stages []blueprint.StageReadiness) []stageStrip {
	n := len(stages)
	if n == 0 {
		return nil
	}
	w := chartW / n
	const tip = 14
	out := make([]stageStrip, n)
	for i, s := range stages {
		x := i * w
		pts := fmt.Sprintf("%d,0 %d,0 %d,32 %d,64 %d,64", x, x+w-tip, x+w-2, x+w-tip, x)
		if i > 0 {
			pts += fmt.Sprintf(" %d,32", x+tip-2)
		}
		out[i] = stageStrip{S: s, X: x, W: w, Points: pts, Name: cutName(refName(s.Stage), max(4, w/12)), Center: x + w/2}
	}
	return out
}

// cutName cuts s to n characters with an ellipsis.
func cutName(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// historyChart is the time line of critical dependencies: identified and cleared at the
// end of each day they changed, as step lines.
type historyChart struct {
	Identified, Cleared string // the lines' paths
	Points              []historyPoint
	Max                 int
	First, Last         string
	Width, Height       int
}

type historyPoint struct {
	X, YIdentified, YCleared int
	P                        blueprint.CriticalPoint
}

func newHistoryChart(h []blueprint.CriticalPoint) historyChart {
	c := historyChart{Width: chartW, Height: historyH}
	if len(h) == 0 {
		return c
	}
	for _, p := range h {
		c.Max = max(c.Max, p.Identified, p.Cleared)
	}
	c.Max = max(c.Max, 1)
	const left, right, top, bottom = 40, 20, 12, 28
	plotW, plotH := chartW-left-right, historyH-top-bottom
	y := func(n int) int { return top + plotH - n*plotH/c.Max }
	var id, cl strings.Builder
	for i, p := range h {
		x := left + plotW/2
		if len(h) > 1 {
			x = left + i*plotW/(len(h)-1)
		}
		pt := historyPoint{X: x, YIdentified: y(p.Identified), YCleared: y(p.Cleared), P: p}
		if i == 0 {
			fmt.Fprintf(&id, "M%d,%d", x, pt.YIdentified)
			fmt.Fprintf(&cl, "M%d,%d", x, pt.YCleared)
		} else {
			fmt.Fprintf(&id, " H%d V%d", x, pt.YIdentified)
			fmt.Fprintf(&cl, " H%d V%d", x, pt.YCleared)
		}
		c.Points = append(c.Points, pt)
	}
	c.Identified, c.Cleared = id.String(), cl.String()
	c.First, c.Last = h[0].Day, h[len(h)-1].Day
	return c
}

// funnelRow is one stage of the funnel chart.
type funnelRow struct {
	S                         blueprint.FunnelStage
	Y                         int
	EnteredW, CompletedW      int
	Name                      string
	Last                      bool
	NextConversion            float64 // into the next measured stage
	HasNext                   bool
	BarY, LabelY, NumberX, DX int
}

func funnelRows(f blueprint.Funnel) []funnelRow {
	top := 0
	for _, s := range f.Stages {
		top = max(top, s.Entered)
	}
	barW := chartW - labelW - 260
	var rows []funnelRow
	for i, s := range f.Stages {
		r := funnelRow{S: s, Y: i * funnelRowH, Name: cutName(refName(s.Stage), 24)}
		if top > 0 {
			r.EnteredW = s.Entered * barW / top
			r.CompletedW = s.Completed * barW / top
		}
		if i+1 < len(f.Stages) && f.Stages[i+1].Measured && s.Completed > 0 {
			r.HasNext = true
			r.NextConversion = float64(f.Stages[i+1].Entered) / float64(s.Completed)
		}
		r.BarY, r.LabelY, r.NumberX = r.Y+8, r.Y+24, labelW+barW+12
		rows = append(rows, r)
	}
	if len(rows) > 0 {
		rows[len(rows)-1].Last = true
	}
	return rows
}

func funnelHeight(f blueprint.Funnel) int { return max(1, len(f.Stages)) * funnelRowH }

// heatGrid is the heat map as a grid of stages (columns) by lanes (rows).
type heatGrid struct {
	Cols   []heatCol
	Rows   []heatRow
	Width  int
	Height int
	CellW  int
}

type heatCol struct {
	Name string
	X    int
}

type heatRow struct {
	Name  string
	Y     int
	Cells []heatSquare
}

type heatSquare struct {
	X    int
	Cell *blueprint.HeatCell
}

func newHeatGrid(v *AnalysisView) heatGrid {
	g := heatGrid{Width: chartW}
	n := max(1, len(v.Stages))
	g.CellW = (chartW - labelW) / n
	at := map[[2]string]*blueprint.HeatCell{}
	for i := range v.A.Heat.Cells {
		c := &v.A.Heat.Cells[i]
		at[[2]string{c.Stage.ID, c.Lane.ID}] = c
	}
	for i, s := range v.Stages {
		g.Cols = append(g.Cols, heatCol{Name: cutName(s.Name, max(4, g.CellW/9)), X: labelW + i*g.CellW})
	}
	for j, l := range v.Lanes {
		row := heatRow{Name: cutName(l.Label, 24), Y: 28 + j*heatCellH}
		for i, s := range v.Stages {
			row.Cells = append(row.Cells, heatSquare{X: labelW + i*g.CellW, Cell: at[[2]string{s.ID, l.ID}]})
		}
		g.Rows = append(g.Rows, row)
	}
	g.Height = 28 + len(v.Lanes)*heatCellH
	return g
}

// topHeat returns the hottest cells first, at most n.
func topHeat(h blueprint.HeatMap, n int) []blueprint.HeatCell {
	cells := slices.Clone(h.Cells)
	slices.SortStableFunc(cells, func(a, b blueprint.HeatCell) int { return cmp.Compare(b.Score, a.Score) })
	return cells[:min(n, len(cells))]
}

// gaps returns the handoffs that are gaps.
func gaps(h blueprint.HandoffReport) []blueprint.Handoff {
	var out []blueprint.Handoff
	for _, x := range h.Handoffs {
		if x.Gap {
			out = append(out, x)
		}
	}
	return out
}

// evidenceBar is the evidence's shares for a stacked bar: observed, assumed, to verify,
// unstated.
type evidencePart struct {
	Key   string
	N     int
	X, W  int
	Share float64
}

func evidenceParts(e blueprint.Evidence) []evidencePart {
	parts := []evidencePart{{Key: "observed", N: e.Observed}, {Key: "assumed", N: e.Assumed}, {Key: "to_verify", N: e.ToVerify}, {Key: "unstated", N: e.Unstated}}
	x := 0
	for i := range parts {
		if e.Cards > 0 {
			parts[i].Share = float64(parts[i].N) / float64(e.Cards)
			parts[i].W = parts[i].N * chartW / e.Cards
		}
		parts[i].X = x
		x += parts[i].W
	}
	return parts
}

func svgBox(w, h int) string { return fmt.Sprintf("0 0 %d %d", w, h) }

// evidenceLine says how much of a finding rests on cards nobody observed.
func evidenceLine(p Page, finding string, e blueprint.Evidence) string {
	what := p.L.T("analysis.evidence.all_observed")
	switch {
	case e.Cards == 0:
		what = p.L.T("analysis.evidence.no_cards")
	case e.Observed < e.Cards:
		what = unsure(p.L, e)
	}
	return p.L.TD("analysis.evidence.finding", map[string]any{"Finding": p.L.T(finding), "Text": what})
}

// orMissing is a framing's answer, or a word saying it is not given.
func orMissing(p Page, s string) string {
	if s == "" {
		return p.L.T("analysis.framing.unset")
	}
	return s
}
