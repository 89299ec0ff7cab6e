package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// handleHome serves GET /: the boards and the form for a new one.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	list, err := s.listBoards(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	templates, err := s.templateChoices(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, localizer(r).T("home.boards"))
	if r.URL.Query().Get("deleted") == "1" {
		p.Notice = localizer(r).T("board.deleted")
	}
	render(w, r, http.StatusOK, web.Home(p, list, templates))
}

// handleBoardPage serves GET /boards/{id}: the board, rendered on the server.
func (s *Server) handleBoardPage(w http.ResponseWriter, r *http.Request) {
	s.renderBoard(w, r, boardFrom(r), http.StatusOK, nil)
}

// renderBoard renders the board page, with the message of err at its top when it is not
// nil.
func (s *Server) renderBoard(w http.ResponseWriter, r *http.Request, b *blueprint.Board, status int, err error) {
	s.renderBoardWith(w, r, b, status, err, "")
}

// renderBoardWith renders the board page; newLink is the address of a share link just
// made, shown this once to the facilitator.
func (s *Server) renderBoardWith(w http.ResponseWriter, r *http.Request, b *blueprint.Board, status int, failed error, newLink string) {
	p := s.page(r, b.Title)
	p.Error = localizer(r).ErrorMessage(failed)
	v, err := s.boardView(r, b, newLink)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	render(w, r, status, web.BoardPage(p, v))
}

// boardView lays the board out for the caller's role: the edit forms only for those who
// may edit, the share links only for the facilitator.
func (s *Server) boardView(r *http.Request, b *blueprint.Board, newLink string) (*web.BoardView, error) {
	v := web.NewBoardView(b)
	acc := accessFrom(r)
	v.ReadOnly = !auth.Can(acc.Role, auth.Edit)
	v.Role = string(acc.Role)
	if acc.Open {
		v.Role = ""
	}
	share, err := s.shareView(r, b.ID, newLink)
	if err != nil {
		return nil, err
	}
	v.Share = share
	v.CanPrint = s.canPrint()
	v.Access = web.BoardAccess{Unlisted: s.accounts != nil && acc.Open, Creator: acc.Creator, CanDelete: acc.CanDelete()}
	v.CanSaveTemplate = s.canSaveTemplate(r)
	if v.Viewer, err = s.viewerState(r, b); err != nil {
		return nil, err
	}
	v.Members, err = s.membersView(r, b.ID)
	return v, err
}

// viewerState says who reads the board page, and their last-seen point before this
// visit; a first visit sets the point at the board's sequence.
func (s *Server) viewerState(r *http.Request, b *blueprint.Board) (web.ViewerState, error) {
	by, moderator := person(r)
	v := web.ViewerState{By: by, Name: sessionFrom(r).Name(), CanComment: auth.Can(accessFrom(r).Role, auth.Comment), Moderator: moderator}
	if by == "" || s.notes == nil {
		return v, nil
	}
	seq, at, ok, err := s.notes.LastSeen(r.Context(), b.ID, by)
	if err != nil {
		return v, err
	}
	if !ok {
		v.FirstVisit = true
		_, err = s.notes.MarkSeen(r.Context(), b.ID, by, b.Seq, true)
		return v, err
	}
	v.LastSeen, v.LastSeenAt = seq, at.UnixMilli()
	return v, nil
}

// handleCreateBoardForm serves POST /boards from the home page's form.
func (s *Server) handleCreateBoardForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.mayCreate(r)
	var b *blueprint.Board
	if err == nil {
		b, err = s.createFromTemplate(r, r.PostForm.Get("template"), strings.TrimSpace(r.PostForm.Get("title")), localizer(r).Lang())
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

func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
	if err := r.ParseForm(); err != nil {
		if n := normalize(err); n != err {
			return n
		}
		return blueprint.Errorf(blueprint.EINVALID, "the form could not be read: %v", err)
	}
	return nil
}

// formEdit applies the op a form built and redirects to the board; a rejected op
// re-renders the board with the message.
func (s *Server) formEdit(w http.ResponseWriter, r *http.Request, build func(b *blueprint.Board) (blueprint.Op, error)) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	op, err := build(b)
	if err == nil {
		var res []blueprint.Result
		_, facilitator := person(r) // exempt from the board's locks (docs/facilitation.md)
		res, err = s.editor.ApplyEdits(r.Context(), b.ID, []blueprint.Edit{{Author: "form", Moderator: facilitator, Op: op}})
		if err == nil {
			err = res[0].Err
		}
	}
	if err != nil {
		if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		s.renderBoard(w, r, b, ErrorStatus(err), err)
		return
	}
	http.Redirect(w, r, "/boards/"+b.ID, http.StatusSeeOther)
}

func formValue(r *http.Request, name string) *string {
	v := strings.TrimSpace(r.PostForm.Get(name))
	return &v
}

// handleAddCardForm serves POST /boards/{id}/cards: a card at the end of its cell.
func (s *Server) handleAddCardForm(w http.ResponseWriter, r *http.Request) {
	s.formEdit(w, r, func(b *blueprint.Board) (blueprint.Op, error) {
		f := blueprint.Fields{Stage: formValue(r, "stage"), Lane: formValue(r, "lane"), Text: formValue(r, "text")}
		if k := formValue(r, "kind"); *k != "" {
			f.Kind = k
		}
		if t := formValue(r, "team"); *t != "" {
			f.Team = t
		}
		order, err := afterLast(b.CellCards()[[2]string{*f.Stage, *f.Lane}], func(c *blueprint.Card) string { return c.Order })
		f.Order = &order
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: newID("c"), Fields: f}, err
	})
}

// handleDeleteCardForm serves POST /boards/{id}/cards/{cardID}/delete.
func (s *Server) handleDeleteCardForm(w http.ResponseWriter, r *http.Request) {
	s.formEdit(w, r, func(*blueprint.Board) (blueprint.Op, error) {
		return blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: chi.URLParam(r, "cardID")}, nil
	})
}

// handleAddStageForm serves POST /boards/{id}/stages: a stage at the right end.
func (s *Server) handleAddStageForm(w http.ResponseWriter, r *http.Request) {
	s.formEdit(w, r, func(b *blueprint.Board) (blueprint.Op, error) {
		order, err := afterLast(b.SortedStages(), func(s *blueprint.Stage) string { return s.Order })
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: newID("s"),
			Fields: blueprint.Fields{Name: formValue(r, "name"), Order: &order}}, err
	})
}

// handleAddLaneForm serves POST /boards/{id}/lanes: a lane at the bottom.
func (s *Server) handleAddLaneForm(w http.ResponseWriter, r *http.Request) {
	s.formEdit(w, r, func(b *blueprint.Board) (blueprint.Op, error) {
		order, err := afterLast(b.SortedLanes(), func(l *blueprint.Lane) string { return l.Order })
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLane, ID: newID("l"),
			Fields: blueprint.Fields{Label: formValue(r, "label"), Role: formValue(r, "role"), Order: &order}}, err
	})
}

// handleAddTeamForm serves POST /boards/{id}/teams.
func (s *Server) handleAddTeamForm(w http.ResponseWriter, r *http.Request) {
	s.formEdit(w, r, func(*blueprint.Board) (blueprint.Op, error) {
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeTeam, ID: newID("t"),
			Fields: blueprint.Fields{Name: formValue(r, "name"), Color: formValue(r, "color")}}, nil
	})
}

// handleRenameForm serves POST /boards/{id}/title.
func (s *Server) handleRenameForm(w http.ResponseWriter, r *http.Request) {
	s.formEdit(w, r, func(b *blueprint.Board) (blueprint.Op, error) {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: b.ID,
			Fields: blueprint.Fields{Title: formValue(r, "title")}}, nil
	})
}

// afterLast returns an order key after the last of sorted siblings (or a first key).
func afterLast[T any](sorted []T, order func(T) string) (string, error) {
	last := ""
	if len(sorted) > 0 {
		last = order(sorted[len(sorted)-1])
	}
	return blueprint.KeyBetween(last, "")
}

// formBoard reads a form posted to a board and loads the board, answering the error itself
// when either fails.
func (s *Server) formBoard(w http.ResponseWriter, r *http.Request) (*blueprint.Board, bool) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	b, err := s.boards.FindBoard(r.Context(), chi.URLParam(r, "boardID"))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return b, true
}
