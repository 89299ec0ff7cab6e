package server

import (
	"bytes"
	"mime"
	"net/http"

	"lastmile/internal/blueprint"
	"lastmile/web"
)

// handleExportCSV serves GET /api/boards/{id}/export.csv: one row per card, with the
// columns of blueprint.CSVColumns (README), as a download.
func (s *Server) handleExportCSV(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	var buf bytes.Buffer
	if err := blueprint.EncodeCSV(&buf, b); err != nil {
		s.fail(w, r, blueprint.Internal(err))
		return
	}
	sendFile(w, "text/csv; charset=utf-8", b.ID+".csv", buf.Bytes())
}

// sendFile answers with an export to download under name.
func sendFile(w http.ResponseWriter, contentType, name string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}

// isCSV tells whether a request's body is declared as CSV.
func isCSV(r *http.Request) bool {
	t, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return t == "text/csv"
}

// csvPreview answers POST /api/boards?preview=1 with a CSV body: what the import would
// create, and each row that cannot be read and why. Nothing is written.
type csvPreview struct {
	Stages   []string            `json:"stages"`
	Lanes    []string            `json:"lanes"`
	Teams    []string            `json:"teams"`
	Cards    int                 `json:"cards"`
	Problems []csvPreviewProblem `json:"problems"`
}

type csvPreviewProblem struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

func previewOf(imp *blueprint.CSVImport) csvPreview {
	p := csvPreview{Stages: imp.Stages, Lanes: imp.Lanes, Teams: imp.Teams, Cards: imp.Cards, Problems: []csvPreviewProblem{}}
	for _, x := range []*[]string{&p.Stages, &p.Lanes, &p.Teams} {
		if *x == nil {
			*x = []string{}
		}
	}
	for _, pr := range imp.Problems {
		p.Problems = append(p.Problems, csvPreviewProblem{Row: pr.Row, Message: pr.Err.Message})
	}
	return p
}

// importCSV makes a board of the cards of a CSV (blueprint.DecodeCSV), titled by the
// query's title. A CSV with a row that cannot be read makes nothing: the error names the
// first such row.
func (s *Server) importCSV(r *http.Request, imp *blueprint.CSVImport) (*blueprint.Board, error) {
	if len(imp.Problems) > 0 {
		return nil, blueprint.Errorf(blueprint.EINVALID, "%d rows of the CSV cannot be read, nothing was imported; the first: %s", len(imp.Problems), imp.Problems[0].Err)
	}
	title := r.URL.Query().Get("title")
	if title == "" {
		title = "CSV import"
	}
	return s.createBoard(r, title, "", "import", imp.Ops)
}

// handleExportMarkdown serves GET /api/boards/{id}/export.md: the board as a Markdown
// report, then the summary of its analysis, then its dot votes' results and its workshops.
func (s *Server) handleExportMarkdown(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	a, err := s.analyze(r.Context(), b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := blueprint.WriteMarkdown(&buf, b, a); err != nil {
		s.fail(w, r, blueprint.Internal(err))
		return
	}
	if fr, ok := s.boards.(facilitationReader); ok {
		f, err := fr.Facilitation(r.Context(), b.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := blueprint.WriteWorkshopMarkdown(&buf, b, f); err != nil {
			s.fail(w, r, blueprint.Internal(err))
			return
		}
	}
	sendFile(w, "text/markdown; charset=utf-8", b.ID+".md", buf.Bytes())
}

// handleExportSVG serves GET /api/boards/{id}/export.svg: the board as a vector picture,
// rendered by templ (web.BoardSVG), its line names in the reader's language.
func (s *Server) handleExportSVG(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if err := web.BoardSVG(s.page(r, b.Title), web.NewSVGView(b)).Render(r.Context(), &buf); err != nil {
		s.fail(w, r, blueprint.Internal(err))
		return
	}
	sendFile(w, "image/svg+xml; charset=utf-8", b.ID+".svg", buf.Bytes())
}
