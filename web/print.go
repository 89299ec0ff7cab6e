package web

import (
	"fmt"
	"math"
)

// Paper is a sheet a board is printed on, in landscape: its size and margins in
// millimetres.
type Paper struct {
	Key           string // a4 or a3, as the query names it
	Name          string // A4 or A3
	Width, Height float64
	Margin        float64
}

// Papers are the sheets the print view and the PDF export lay a board out for.
var Papers = map[string]Paper{
	"a4": {Key: "a4", Name: "A4", Width: 297, Height: 210, Margin: 10},
	"a3": {Key: "a3", Name: "A3", Width: 420, Height: 297, Margin: 10},
}

// Widths of the print view's columns in CSS pixels (96 per inch), at the print
// stylesheet's 11pt root: the lane labels' 8rem, and the least a stage's column gets
// before its stages go to another band of pages.
const (
	PrintLabelWidth = 118
	PrintStageWidth = 150
	// PictureStageWidth is a stage's width in the PNG export, which has no page to fit.
	PictureStageWidth = 200
)

const pxPerMM = 96 / 25.4

// StagesPerBand is how many stage columns fit across the printable width of paper.
func (p Paper) StagesPerBand() int {
	area := (p.Width - 2*p.Margin) * pxPerMM
	return max(1, int((area-PrintLabelWidth)/PrintStageWidth))
}

// FitWidth is the width in CSS pixels a grid of n stages needs to stay readable: the
// width the PDF export lays it out at before scaling it down onto one sheet.
func FitWidth(n int) float64 { return PrintLabelWidth + float64(max(n, 1))*PrintStageWidth }

// PictureWidth is the width in CSS pixels the PNG export lays a grid of n stages out at.
func PictureWidth(n int) float64 {
	return max(PrintLabelWidth+float64(max(n, 1))*PictureStageWidth, 1200)
}

// PrintView is a board laid out for paper (web.PrintPage): the whole board, and its
// stages cut into bands that each fit the paper's width, each band starting a page.
// With Fit there is one band of every stage, for a sheet the PDF export scales it onto.
type PrintView struct {
	*BoardView
	Paper Paper
	Fit   bool
	// Picture lays the board out for the PNG export: one band, with a margin of its own.
	Picture bool
	Bands   []PrintBand
}

// PrintBand is a run of stages printed together: the board view cut to them, and their
// numbers From to To (from 1) among Of.
type PrintBand struct {
	View         *BoardView
	From, To, Of int
}

// NewPrintView lays v out on paper: in balanced bands of at most StagesPerBand stages
// (20 stages on A4, 6 a band, make 4 bands of 5), or in one band when fit.
func NewPrintView(v *BoardView, paper Paper, fit bool) *PrintView {
	pv := &PrintView{BoardView: v, Paper: paper, Fit: fit}
	n := len(v.Stages)
	per := n
	if !fit && n > 0 {
		bands := int(math.Ceil(float64(n) / float64(paper.StagesPerBand())))
		per = int(math.Ceil(float64(n) / float64(bands)))
	}
	if n == 0 {
		return pv
	}
	for from := 0; from < n; from += per {
		to := min(from+per, n)
		pv.Bands = append(pv.Bands, PrintBand{View: v.band(from, to), From: from + 1, To: to, Of: n})
	}
	return pv
}

// band is the view cut to the stages from (included) to to (excluded).
func (v *BoardView) band(from, to int) *BoardView {
	b := *v
	b.Stages = v.Stages[from:to]
	b.Rows = make([]Row, len(v.Rows))
	for i, r := range v.Rows {
		b.Rows[i] = Row{Lane: r.Lane, Line: r.Line, Cells: r.Cells[from:to]}
	}
	return &b
}

// pageRule is the CSS @page rule of the paper, so that the browser's own printing and
// the PDF export use the same sheet.
func (pv *PrintView) pageRule() string {
	return fmt.Sprintf("@page{size:%gmm %gmm;margin:%gmm}", pv.Paper.Width, pv.Paper.Height, pv.Paper.Margin)
}
