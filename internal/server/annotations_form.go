package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/blueprint"
	"lastmile/web"
)

// The plain forms of annotations, for pages without JavaScript. Each posts one
// annotation op made as the caller, then redirects to the board (303); a refused op
// re-renders the board with its message, as the board's forms do.

// annotationForm commits the op build makes from the posted form.
func (s *Server) annotationForm(w http.ResponseWriter, r *http.Request, build func() (blueprint.Op, error)) {
	b, ok := s.formBoard(w, r)
	if !ok {
		return
	}
	op, err := build()
	if err == nil {
		_, err = s.commitAnnotation(r, op)
	}
	if err != nil {
		if code := blueprint.ErrorCode(err); code == blueprint.EINTERNAL || code == blueprint.EFORBIDDEN || code == blueprint.EUNAUTHORIZED {
			s.fail(w, r, err)
			return
		}
		s.renderBoard(w, r, b, ErrorStatus(err), err)
		return
	}
	http.Redirect(w, r, "/boards/"+b.ID, http.StatusSeeOther)
}

// formText returns a posted text as typed (not trimmed: a text keeps its lines), or nil
// when the form has no such field.
func formText(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := r.PostForm.Get(name)
	return &v
}

// formAnchor reads an anchor written "card:c1", "cell:s1/l1", "link:k1" or "stage:s1".
func formAnchor(r *http.Request) (*blueprint.Anchor, error) {
	v := strings.TrimSpace(r.PostForm.Get("anchor"))
	if v == "" {
		return nil, nil
	}
	a, err := blueprint.ParseAnchor(v)
	return &a, err
}

// handleCommentForm serves POST /boards/{id}/comments: anchor ("card:c1"…) or parent (a
// comment id), text.
func (s *Server) handleCommentForm(w http.ResponseWriter, r *http.Request) {
	s.annotationForm(w, r, func() (blueprint.Op, error) {
		a, err := formAnchor(r)
		op := blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeComment, ID: newID("m"),
			Fields: blueprint.Fields{Anchor: a, Text: formText(r, "text")}}
		if p := strings.TrimSpace(r.PostForm.Get("parent")); p != "" {
			op.Fields.Parent = &p
		}
		return op, err
	})
}

// handleCommentVerbForm serves POST /boards/{id}/comments/{cid}/{verb}: verb is edit
// (text), delete, resolve or reopen.
func (s *Server) handleCommentVerbForm(w http.ResponseWriter, r *http.Request) {
	s.annotationForm(w, r, func() (blueprint.Op, error) {
		op := blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeComment, ID: chi.URLParam(r, "itemID")}
		switch chi.URLParam(r, "verb") {
		case "edit":
			op.Fields.Text = formText(r, "text")
		case "delete":
			op.Action = blueprint.ActionDelete
		case "resolve":
			op.Fields.Resolved = ptrTo(true)
		case "reopen":
			op.Fields.Resolved = ptrTo(false)
		default:
			return op, blueprint.Errorf(blueprint.ENOTFOUND, "no page at %s", r.URL.Path)
		}
		return op, nil
	})
}

// handleMarkerForm serves POST /boards/{id}/markers: anchor, severity, kind, text,
// evidence.
func (s *Server) handleMarkerForm(w http.ResponseWriter, r *http.Request) {
	s.annotationForm(w, r, func() (blueprint.Op, error) {
		a, err := formAnchor(r)
		if err == nil && a == nil {
			err = blueprint.Errorf(blueprint.EINVALID, "creating a %s needs %q", blueprint.Term(blueprint.TypeMarker), "anchor")
		}
		f := blueprint.Fields{Anchor: a, Severity: formValue(r, "severity"), Kind: formValue(r, "kind"), Text: formText(r, "text")}
		if e := formText(r, "evidence"); e != nil && strings.TrimSpace(*e) != "" {
			f.Evidence = e
		}
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeMarker, ID: newID("f"), Fields: f}, err
	})
}

// handleMarkerVerbForm serves POST /boards/{id}/markers/{mid}/{verb}: verb is delete,
// resolve (resolution), reopen, plusone or withdraw (one's +1).
func (s *Server) handleMarkerVerbForm(w http.ResponseWriter, r *http.Request) {
	s.annotationForm(w, r, func() (blueprint.Op, error) {
		id := chi.URLParam(r, "itemID")
		op := blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeMarker, ID: id}
		switch chi.URLParam(r, "verb") {
		case "delete":
			op.Action = blueprint.ActionDelete
		case "resolve":
			op.Fields.Resolved, op.Fields.Resolution = ptrTo(true), formText(r, "resolution")
		case "reopen":
			op.Fields.Resolved = ptrTo(false)
		case "plusone":
			op = blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypePlusOne, ID: id}
		case "withdraw":
			op = blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypePlusOne, ID: id}
		default:
			return op, blueprint.Errorf(blueprint.ENOTFOUND, "no page at %s", r.URL.Path)
		}
		return op, nil
	})
}

// handleSeenForm serves POST /boards/{id}/seen: "mark all as seen".
func (s *Server) handleSeenForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.markSeen(r, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/boards/"+chi.URLParam(r, "boardID"), http.StatusSeeOther)
}

// handleUnsubscribe serves GET /unsubscribe?t=<signed token>, the link of every e-mail:
// the user it names gets no more e-mail. A GET, so that one click in a mail client does
// it; the token is signed, so nobody unsubscribes someone else.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	userID, err := s.unsubscribe(r.URL.Query().Get("t"))
	if err == nil {
		err = s.notes.Unsubscribe(r.Context(), userID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localizer(r)
	render(w, r, http.StatusOK, web.ErrorPage(s.page(r, l.T("mail.unsubscribed.title")), http.StatusOK, l.T("mail.unsubscribed")))
}
