package server

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// The last-mile analysis (docs/analysis.md) as JSON, as the Analysis page with the forms
// of the facts it reads that are not on the board's grid (the framing, the launch, the
// funnel's volumes from a CSV), and as the portfolio across every board a person sees.
// The forms commit ops through the same path as the websocket's (the hub), so that every
// page open on the board sees them and they are undone like any other edit.

// logPage is how many ops of a board's log the analysis reads per query.
const logPage = 5000

// MaxVolumesUpload bounds the body of the CSV upload: the CSV itself
// (blueprint.MaxVolumesCSV) and the multipart envelope around it.
const MaxVolumesUpload = blueprint.MaxVolumesCSV + 16<<10

// analyze computes the analysis of b as it is now, with its op log up to b's sequence
// (the log tells how long each blocker has held and how the critical dependencies moved).
func (s *Server) analyze(ctx context.Context, b *blueprint.Board) (*blueprint.Analysis, error) {
	var log []blueprint.Committed
	for after := int64(0); after < b.Seq; {
		ops, err := s.boards.OpsSince(ctx, b.ID, after, logPage)
		if err != nil {
			return nil, err
		}
		if len(ops) == 0 {
			break
		}
		for _, c := range ops {
			if c.Seq > b.Seq {
				break
			}
			log = append(log, c)
		}
		after = ops[len(ops)-1].Seq
	}
	if log == nil {
		log = []blueprint.Committed{}
	}
	return blueprint.Analyze(b, log, time.Now()), nil
}

// handleAnalysis serves GET /api/boards/{id}/analysis: the analysis as JSON, to whoever
// may view the board.
func (s *Server) handleAnalysis(w http.ResponseWriter, r *http.Request) {
	a, err := s.analyze(r.Context(), boardFrom(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleAnalysisPage serves GET /boards/{id}/analysis: the Analysis page, with its forms
// for those who may edit.
func (s *Server) handleAnalysisPage(w http.ResponseWriter, r *http.Request) {
	s.renderAnalysis(w, r, boardFrom(r), http.StatusOK, nil, "")
}

// renderAnalysis renders the Analysis page of b. After a refused form, failed is its error
// and form names it: that form shows what was posted, so that nothing typed is lost.
func (s *Server) renderAnalysis(w http.ResponseWriter, r *http.Request, b *blueprint.Board, status int, failed error, form string) {
	a, err := s.analyze(r.Context(), b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localizer(r)
	p := s.page(r, l.TD("analysis.title", map[string]any{"Board": b.Title}))
	p.Error = l.ErrorMessage(failed)
	v := web.NewAnalysisView(b, a)
	v.CanEdit = auth.Can(accessFrom(r).Role, auth.Edit)
	if failed != nil {
		v.Form, v.Posted = form, r.PostForm
	}
	render(w, r, status, web.AnalysisPage(p, v))
}

// analysisForm commits the ops build makes from a posted form of the Analysis page and
// redirects back to the page's section (303). A refused form re-renders the page with the
// message and what was posted; the board is unchanged. No op (nothing changed) redirects
// all the same.
func (s *Server) analysisForm(w http.ResponseWriter, r *http.Request, form string, build func(b *blueprint.Board) ([]blueprint.Op, error)) {
	b, err := s.boards.FindBoard(r.Context(), chi.URLParam(r, "boardID"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ops, err := build(b)
	if err == nil && len(ops) > 0 {
		err = s.commitOps(r, b.ID, ops)
	}
	if err != nil {
		if code := blueprint.ErrorCode(err); code == blueprint.EINTERNAL || code == blueprint.EFORBIDDEN || code == blueprint.EUNAUTHORIZED {
			s.fail(w, r, err)
			return
		}
		s.renderAnalysis(w, r, b, ErrorStatus(err), err, form)
		return
	}
	http.Redirect(w, r, boardPath(b.ID, "/analysis#"+form), http.StatusSeeOther)
}

// commitOps applies ops as the caller, through the editor, and returns the first refusal.
// Every op is checked before any is sent, so a malformed one changes nothing.
func (s *Server) commitOps(r *http.Request, boardID string, ops []blueprint.Op) error {
	for i, op := range ops {
		if err := op.Validate(); err != nil {
			return err
		}
		if err := checkRoleFor(r, i, op); err != nil {
			return err
		}
	}
	edits, err := s.apiEdits(r, boardID, ops)
	if err != nil {
		return err
	}
	results, err := s.editor.ApplyEdits(r.Context(), boardID, edits)
	if err != nil {
		return err
	}
	for _, res := range results {
		if res.Err != nil {
			return res.Err
		}
	}
	return nil
}

func boardPath(id, rest string) string { return "/boards/" + url.PathEscape(id) + rest }

// boardUpdate returns the update of board b setting f, or no op when f sets nothing.
func boardUpdate(b *blueprint.Board, f blueprint.Fields) []blueprint.Op {
	if f == (blueprint.Fields{}) {
		return nil
	}
	return []blueprint.Op{{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: b.ID, Fields: f}}
}

// changed returns the trimmed value posted as name when it differs from cur, else nil:
// a form sends only what the person changed, so that it does not undo what someone else
// changed meanwhile in another field.
func changed(r *http.Request, name, cur string) *string {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == cur {
		return nil
	}
	return &v
}

// handleFramingForm serves POST /boards/{id}/analysis/framing: problem, daily_user (up
// to three), minimum_useful, deadline and check_in (YYYY-MM-DD, or empty to clear).
func (s *Server) handleFramingForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.analysisForm(w, r, "framing", func(b *blueprint.Board) ([]blueprint.Op, error) {
		fr := b.Framing
		f := blueprint.Fields{Problem: changed(r, "problem", fr.Problem), MinimumUseful: changed(r, "minimum_useful", fr.MinimumUseful),
			Deadline: changed(r, "deadline", fr.Deadline), CheckIn: changed(r, "check_in", fr.CheckIn)}
		users := []string{}
		for _, u := range r.PostForm["daily_user"] {
			if u = strings.TrimSpace(u); u != "" {
				users = append(users, u)
			}
		}
		if !slices.Equal(users, fr.DailyUsers) && (len(users) > 0 || len(fr.DailyUsers) > 0) {
			f.DailyUsers = &users
		}
		return boardUpdate(b, f), nil
	})
}

// handleLaunchForm serves POST /boards/{id}/analysis/launch: launch_candidate (a
// checkbox) and launch_date.
func (s *Server) handleLaunchForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.analysisForm(w, r, "launch", func(b *blueprint.Board) ([]blueprint.Op, error) {
		f := blueprint.Fields{LaunchDate: changed(r, "launch_date", b.Framing.LaunchDate)}
		if c := r.PostForm.Get("launch_candidate") != ""; c != b.Framing.LaunchCandidate {
			f.LaunchCandidate = &c
		}
		return boardUpdate(b, f), nil
	})
}

// errNoCSV answers an upload of volumes without a file.
var errNoCSV = blueprint.Errorf(blueprint.EINVALID, "choose a CSV file of the funnel's volumes to upload")

// handleVolumesForm serves POST /boards/{id}/analysis/volumes: a multipart form whose
// file "csv" holds the funnel's volumes per stage (blueprint.DecodeVolumesCSV). All its
// rows are checked before any is applied.
func (s *Server) handleVolumesForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxVolumesUpload)
	data, err := readUpload(r, "csv")
	if err != nil {
		if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		b, ferr := s.boards.FindBoard(r.Context(), chi.URLParam(r, "boardID"))
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		s.renderAnalysis(w, r, b, ErrorStatus(err), err, "volumes")
		return
	}
	s.analysisForm(w, r, "volumes", func(b *blueprint.Board) ([]blueprint.Op, error) {
		return blueprint.DecodeVolumesCSV(data, b)
	})
}

// readUpload reads the file field name of a multipart form.
func readUpload(r *http.Request, name string) ([]byte, error) {
	err := r.ParseMultipartForm(MaxVolumesUpload)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, blueprint.Errorf(blueprint.ETOOLARGE, "the file is larger than the limit of %d KiB", blueprint.MaxVolumesCSV>>10)
	case errors.Is(err, http.ErrNotMultipart):
		return nil, errNoCSV
	case err != nil:
		return nil, blueprint.Errorf(blueprint.EINVALID, "the upload could not be read: %v", err)
	}
	f, _, err := r.FormFile(name)
	if err != nil {
		return nil, errNoCSV
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, blueprint.MaxVolumesCSV+1))
	if err != nil {
		return nil, blueprint.Internal(err)
	}
	if len(data) == 0 {
		return nil, blueprint.Errorf(blueprint.EINVALID, "the file is empty")
	}
	return data, nil
}

// handlePortfolio serves GET /portfolio: every board the person sees, each with its
// readiness, open blockers by team, breaks, time to first value, handoff gaps and
// framing deadline; ?sort= orders the rows (web.PortfolioSorts) and ?team= keeps the
// boards where a team of that name works. With accounts it is for signed-in people.
func (s *Server) handlePortfolio(w http.ResponseWriter, r *http.Request) {
	if s.accounts != nil {
		if _, err := signedIn(r); err != nil {
			s.fail(w, r, blueprint.Errorf(blueprint.EUNAUTHORIZED, "sign in to see the portfolio of your boards"))
			return
		}
	}
	list, err := s.listBoards(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	v := &web.PortfolioView{Sort: cmp.Or(q.Get("sort"), web.SortReadiness), Team: strings.TrimSpace(q.Get("team"))}
	if !slices.Contains(web.PortfolioSorts, v.Sort) {
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "sort must be one of %v", web.PortfolioSorts))
		return
	}
	now := time.Now()
	for _, vb := range list {
		b, err := s.boards.FindBoard(r.Context(), vb.ID)
		if blueprint.ErrorCode(err) == blueprint.ENOTFOUND {
			continue // deleted since it was listed
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Without the log: the portfolio shows no blocker's age nor history, and one
		// board costs its analysis alone (docs/analysis.md).
		v.Add(b, blueprint.Analyze(b, nil, now), string(vb.Role))
	}
	v.Finish()
	render(w, r, http.StatusOK, web.PortfolioPage(s.page(r, localizer(r).T("portfolio.title")), v))
}
