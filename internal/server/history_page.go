package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// historyPageOps is how many ops one page of the history page groups.
const historyPageOps = 500

// handleHistoryPage serves GET /boards/{id}/history?before=N: the board's activity feed,
// a page at a time, and its named versions.
func (s *Server) handleHistoryPage(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	before, err := queryInt(r, "before", b.Seq+1, 1, 1<<62)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	before = min(before, b.Seq+1)
	after := max(0, before-1-historyPageOps)
	ops, err := s.boards.OpsSince(r.Context(), b.ID, after, int(before-1-after))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	versions, err := s.history().Versions(r.Context(), b.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sessions, err := s.sessions(r.Context(), b.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &web.HistoryView{Board: b, Groups: blueprint.Activity(ops, b), Versions: versions, Sessions: sessions,
		CanEdit: auth.Can(accessFrom(r).Role, auth.Edit)}
	if after > 0 {
		v.Next = after + 1
	}
	render(w, r, http.StatusOK, web.HistoryPage(s.page(r, b.Title), v))
}

// handleVersionPage serves GET /boards/{id}/versions/{seq}: the board as it was at seq,
// read-only, compared with now.
func (s *Server) handleVersionPage(w http.ResponseWriter, r *http.Request) {
	now := boardFrom(r)
	seq, err := versionSeq(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	past, err := s.history().BoardAt(r.Context(), now.ID, seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bv := web.NewBoardView(past)
	bv.ReadOnly = true
	v := &web.VersionView{BoardView: bv, Now: now.Seq, Diff: blueprint.Compare(past, now),
		CanEdit: auth.Can(accessFrom(r).Role, auth.Edit)}
	render(w, r, http.StatusOK, web.VersionPage(s.page(r, past.Title), v))
}

// handleNameVersionForm serves POST /boards/{id}/versions (name): names the current
// version, then back to the history page (303).
func (s *Server) handleNameVersionForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := blueprint.CheckVersionName(r.PostFormValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := chi.URLParam(r, "boardID")
	if _, err := s.history().NameVersion(r.Context(), id, name, sessionFrom(r).Name()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+id+"/history", http.StatusSeeOther)
}

// handleRestoreForm serves POST /boards/{id}/versions/{seq}/restore (confirm=yes):
// restores the version (see handleRestore), then back to the board (303).
func (s *Server) handleRestoreForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	seq, err := versionSeq(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "tick the box to confirm the restore"))
		return
	}
	id := chi.URLParam(r, "boardID")
	if _, err := s.restore(r, id, seq); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+id, http.StatusSeeOther)
}

// handleDuplicateForm serves POST /boards/{id}/duplicate (title): makes a new board, the
// caller's, with this board's document as it is now — not its comments and markers,
// which are other people's words on this board, nor its history — then goes to it (303).
// Whoever may view a board may copy it, as they may export it.
func (s *Server) handleDuplicateForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	src := boardFrom(r)
	title := strings.TrimSpace(r.PostForm.Get("title"))
	if title == "" {
		title = src.Title
	}
	err := s.mayCreate(r)
	var b *blueprint.Board
	if err == nil {
		e := src.Export()
		ops := e.Ops()
		if op, ok := e.FramingOp(blueprint.TypeBoard); ok { // CreateBoard gives it the new board's id
			ops = append(ops, op)
		}
		b, err = s.createBoard(r, title, src.Template, "copy", ops)
	}
	if err == nil {
		err = s.addOwner(w, r, b)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+b.ID, http.StatusSeeOther)
}
