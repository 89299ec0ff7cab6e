package server

import (
	"io"
	"net/http"
	"strings"

	"lastmile/internal/blueprint"
	"lastmile/web"
)

// handleImportForm serves POST /boards/import, the page form of a CSV import (multipart:
// the file csv, or on confirmation the field data, and title). Without confirm=1 it writes
// nothing and answers the preview page: what would be created and each row that cannot be
// read and why, in the reader's language. With it, a CSV that reads without a problem
// makes the board (as POST /api/boards with text/csv), then redirects to it.
func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request) {
	if err := s.mayCreate(r); err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody+MaxFormBody)
	if err := r.ParseMultipartForm(MaxFormBody); err != nil {
		if n := normalize(err); n != err {
			s.fail(w, r, n)
			return
		}
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "the form could not be read: %v", err))
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	data := r.FormValue("data")
	if f, _, err := r.FormFile("csv"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, MaxImportBody+1))
		_ = f.Close()
		if err != nil {
			s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "the upload could not be read: %v", err))
			return
		}
		if len(b) > MaxImportBody {
			s.fail(w, r, blueprint.Errorf(blueprint.ETOOLARGE, "the body is larger than the limit of %d bytes", MaxImportBody))
			return
		}
		data = string(b)
	}
	if data == "" {
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "the file is empty"))
		return
	}
	imp, err := blueprint.DecodeCSV([]byte(data))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := strings.TrimSpace(r.FormValue("title"))
	if r.FormValue("confirm") != "1" || len(imp.Problems) > 0 {
		l := localizer(r)
		status := http.StatusOK
		if len(imp.Problems) > 0 {
			status = http.StatusBadRequest
		}
		render(w, r, status, web.ImportPreview(s.page(r, l.T("import.title")), title, data, imp))
		return
	}
	if title != "" {
		q := r.URL.Query()
		q.Set("title", title)
		r.URL.RawQuery = q.Encode()
	}
	b, err := s.importCSV(r, imp)
	if err == nil {
		err = s.addOwner(w, r, b)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+b.ID, http.StatusSeeOther)
}
