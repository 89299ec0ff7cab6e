package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/web"
)

// Templates keeps the templates people save from their boards (docs/templates.md). The
// Postgres store is one; the server finds it on Config.Boards when there are accounts.
type Templates interface {
	// CreateTemplate stores a template of the user t.Owner with its document, giving it
	// its id and times. ECONFLICT when the user has max templates already.
	CreateTemplate(ctx context.Context, t blueprint.SavedTemplate, document []byte, max int) (*blueprint.SavedTemplate, error)
	// ListTemplates returns the templates userID may use: their own, then up to
	// sharedLimit shared by others, each newest first. For "", the shared ones only.
	ListTemplates(ctx context.Context, userID string, sharedLimit int) ([]*blueprint.SavedTemplate, error)
	// FindTemplate returns a template userID may use, with its document. ENOTFOUND when
	// there is none, and for another's private template.
	FindTemplate(ctx context.Context, id, userID string) (*blueprint.SavedTemplate, []byte, error)
	// UpdateTemplate changes the user's own template. ENOTFOUND when they may not see it,
	// EFORBIDDEN when it is another's shared one.
	UpdateTemplate(ctx context.Context, id, userID string, c blueprint.TemplateChange) (*blueprint.SavedTemplate, error)
	// DeleteTemplate deletes the user's own template, with the errors of UpdateTemplate.
	DeleteTemplate(ctx context.Context, id, userID string) error
}

// Visibilities of a saved template, as forms and the API name them.
const (
	visibilityPrivate = "private" // its owner's alone
	visibilityShared  = "shared"  // offered to everyone who may make boards here
)

// templateViewer says whose saved templates the caller is offered: a signed-in person's
// own and the shared ones (userID), someone else's who may make boards the shared ones
// only (userID ""), and nobody's (ok false) without stored templates or on a server
// where only accounts make boards.
func (s *Server) templateViewer(r *http.Request) (userID string, ok bool) {
	if s.templates == nil {
		return "", false
	}
	if sess := sessionFrom(r); sess != nil && sess.UserID != "" {
		return sess.UserID, true
	}
	return "", !s.accountRequired
}

// templateChoices returns the templates the caller may start a board from: the built-in
// ones, then their own and the shared ones.
func (s *Server) templateChoices(r *http.Request) (web.TemplateChoices, error) {
	c := web.TemplateChoices{BuiltIn: blueprint.Templates}
	userID, ok := s.templateViewer(r)
	if !ok {
		return c, nil
	}
	list, err := s.templates.ListTemplates(r.Context(), userID, blueprint.MaxSharedListed)
	if err != nil {
		return c, err
	}
	for _, t := range list {
		if t.Owner == userID {
			c.Mine = append(c.Mine, t)
		} else {
			c.Shared = append(c.Shared, t)
		}
	}
	c.CanManage = userID != ""
	return c, nil
}

// visibility reads a template's visibility: private (also when not given) or shared.
func visibility(v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "", visibilityPrivate:
		return false, nil
	case visibilityShared:
		return true, nil
	}
	return false, blueprint.Errorf(blueprint.EINVALID, "the visibility of a template is private or shared, not %q", v)
}

// saveTemplate saves the board as a template of the signed-in caller: name (the board's
// title when empty), description and visibility.
func (s *Server) saveTemplate(r *http.Request, b *blueprint.Board, name, description, vis string) (*blueprint.SavedTemplate, error) {
	sess, err := signedIn(r)
	if err != nil {
		return nil, blueprint.Errorf(blueprint.EUNAUTHORIZED, "a template is kept by an account: sign in to save one")
	}
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if name == "" {
		name = strings.TrimSpace(b.Title)
	}
	if err := blueprint.CheckTemplateText(name, description); err != nil {
		return nil, err
	}
	shared, err := visibility(vis)
	if err != nil {
		return nil, err
	}
	doc, err := blueprint.TemplateDocument(b)
	if err != nil {
		return nil, err
	}
	kind := b.Template
	if !blueprint.ValidTemplate(kind) {
		kind = ""
	}
	t := blueprint.SavedTemplate{Owner: sess.UserID, Name: name, Description: description, Shared: shared, Kind: kind, Cards: len(b.Cards)}
	return s.templates.CreateTemplate(r.Context(), t, doc, blueprint.MaxTemplatesPerOwner)
}

// createFromSaved makes a board of the caller's from a saved template they may use,
// titled title or, when it is empty, as the template is named.
func (s *Server) createFromSaved(r *http.Request, id, title string) (*blueprint.Board, error) {
	userID, ok := s.templateViewer(r)
	if !ok {
		return nil, blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", blueprint.Term("template"))
	}
	t, doc, err := s.templates.FindTemplate(r.Context(), id, userID)
	if err != nil {
		return nil, err
	}
	e, ops, err := blueprint.TemplateBoardOps(doc)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = t.Name
	}
	template := e.Template
	if !blueprint.ValidTemplate(template) {
		template = ""
	}
	return s.createBoard(r, title, template, "", ops)
}

// templateJSON is a template as the API shows it: a built-in one (its id is its name) or
// a saved one.
type templateJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	BuiltIn     bool              `json:"builtin"`
	Visibility  string            `json:"visibility,omitempty"` // a saved one's
	Mine        bool              `json:"mine"`
	Owner       string            `json:"owner,omitempty"`
	Kind        string            `json:"kind,omitempty"`
	Cards       int               `json:"cards"`
	CreatedAt   *time.Time        `json:"created_at,omitempty"`
	UpdatedAt   *time.Time        `json:"updated_at,omitempty"`
	Document    *blueprint.Export `json:"document,omitempty"` // GET /api/templates/{id} only
}

func toTemplateJSON(t *blueprint.SavedTemplate, userID string) templateJSON {
	vis := visibilityPrivate
	if t.Shared {
		vis = visibilityShared
	}
	return templateJSON{ID: t.ID, Name: t.Name, Description: t.Description, Visibility: vis, Mine: t.Owner == userID,
		Owner: t.OwnerName, Kind: t.Kind, Cards: t.Cards, CreatedAt: &t.CreatedAt, UpdatedAt: &t.UpdatedAt}
}

// handleListTemplates serves GET /api/templates: the templates the caller may start a
// board from (POST /api/boards with {"template": id}), built-in ones first, named in the
// caller's language, then their own, then those others shared.
func (s *Server) handleListTemplates(w http.ResponseWriter, r *http.Request) {
	c, err := s.templateChoices(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localizer(r)
	userID, _ := s.templateViewer(r)
	out := []templateJSON{}
	for _, name := range c.BuiltIn {
		_, ops, err := blueprint.TemplateOps(name, nil)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cards := 0
		for _, op := range ops {
			if op.Type == blueprint.TypeCard {
				cards++
			}
		}
		out = append(out, templateJSON{ID: name, Name: l.T("template." + name + ".title"), BuiltIn: true, Kind: name, Cards: cards})
	}
	for _, t := range append(c.Mine, c.Shared...) {
		out = append(out, toTemplateJSON(t, userID))
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
}

// handleGetTemplate serves GET /api/templates/{templateID}: a saved template the caller
// may use, with its document (lastmile JSON). 404 for another's private template.
func (s *Server) handleGetTemplate(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.templateViewer(r)
	if !ok {
		s.fail(w, r, blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", blueprint.Term("template")))
		return
	}
	t, doc, err := s.templates.FindTemplate(r.Context(), chi.URLParam(r, "templateID"), userID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := blueprint.DecodeExport(doc)
	if err != nil {
		s.fail(w, r, blueprint.Internal(err))
		return
	}
	out := toTemplateJSON(t, userID)
	out.Document = e
	writeJSON(w, http.StatusOK, out)
}

// templateRequest is the body of POST /api/boards/{id}/templates and of PATCH
// /api/templates/{id}: for a PATCH, what is left out stays as it is.
type templateRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Visibility  *string `json:"visibility"`
}

// handleSaveTemplate serves POST /api/boards/{boardID}/templates ({"name", "description",
// "visibility": "private" or "shared"}): the board as it is now becomes a template of the
// caller's, a facilitator of the board with an account. 201 with the template.
func (s *Server) handleSaveTemplate(w http.ResponseWriter, r *http.Request) {
	var req templateRequest
	if err := readJSON(w, r, MaxFormBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.saveTemplate(r, boardFrom(r), deref(req.Name), deref(req.Description), deref(req.Visibility))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toTemplateJSON(t, t.Owner))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// templateChange reads a change of a template; nil fields are left as they are.
func templateChange(name, description, vis *string) (blueprint.TemplateChange, error) {
	var c blueprint.TemplateChange
	if name == nil && description == nil && vis == nil {
		return c, blueprint.Errorf(blueprint.EINVALID, "say what changes: name, description or visibility")
	}
	if name != nil {
		c.Name = ptrTo(strings.TrimSpace(*name))
	}
	if description != nil {
		c.Description = ptrTo(strings.TrimSpace(*description))
	}
	check := "x" // a name that passes, when the name does not change
	if c.Name != nil {
		check = *c.Name
	}
	if err := blueprint.CheckTemplateText(check, deref(c.Description)); err != nil {
		return c, err
	}
	if vis != nil {
		shared, err := visibility(*vis)
		if err != nil {
			return c, err
		}
		c.Shared = &shared
	}
	return c, nil
}

// handleUpdateTemplate serves PATCH /api/templates/{templateID}: a new name, description
// or visibility for one's own template. 404 for one the caller may not see, 403 for
// another's shared one.
func (s *Server) handleUpdateTemplate(w http.ResponseWriter, r *http.Request) {
	sess, err := signedIn(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req templateRequest
	if err := readJSON(w, r, MaxFormBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := templateChange(req.Name, req.Description, req.Visibility)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.templates.UpdateTemplate(r.Context(), chi.URLParam(r, "templateID"), sess.UserID, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toTemplateJSON(t, sess.UserID))
}

// handleDeleteTemplate serves DELETE /api/templates/{templateID}: 204. Only its owner
// deletes a template: 404 for one the caller may not see, 403 for another's shared one.
// Boards made from it stay as they are.
func (s *Server) handleDeleteTemplate(w http.ResponseWriter, r *http.Request) {
	sess, err := signedIn(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.templates.DeleteTemplate(r.Context(), chi.URLParam(r, "templateID"), sess.UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// templatesPath is the page of one's templates.
const templatesPath = "/templates"

// handleTemplatesPage serves GET /templates: one's templates, each with a form to rename
// it, describe it, share it or not, and delete it, and the templates others shared; each
// can start a new board. ?saved=1, ?changed=1 and ?deleted=1 say what was just done.
func (s *Server) handleTemplatesPage(w http.ResponseWriter, r *http.Request) {
	if _, err := signedIn(r); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.templateChoices(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := localizer(r)
	p := s.page(r, l.T("templates.title"))
	for _, done := range []string{"saved", "changed", "deleted"} {
		if r.URL.Query().Get(done) == "1" {
			p.Notice = l.T("templates." + done)
		}
	}
	render(w, r, http.StatusOK, web.TemplatesPage(p, c))
}

// handleTemplateForm serves POST /templates/{templateID} (name, description, visibility):
// changes one's template, then back to the templates page (303).
func (s *Server) handleTemplateForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := signedIn(r)
	if err == nil {
		var c blueprint.TemplateChange
		f := r.PostForm
		c, err = templateChange(ptrTo(f.Get("name")), ptrTo(f.Get("description")), ptrTo(f.Get("visibility")))
		if err == nil {
			_, err = s.templates.UpdateTemplate(r.Context(), chi.URLParam(r, "templateID"), sess.UserID, c)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, templatesPath+"?changed=1", http.StatusSeeOther)
}

// handleDeleteTemplateForm serves POST /templates/{templateID}/delete.
func (s *Server) handleDeleteTemplateForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := signedIn(r)
	if err == nil {
		err = s.templates.DeleteTemplate(r.Context(), chi.URLParam(r, "templateID"), sess.UserID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, templatesPath+"?deleted=1", http.StatusSeeOther)
}

// handleSaveTemplatePage serves GET /boards/{boardID}/template: the form that saves the
// board as a template (a facilitator's, signed in).
func (s *Server) handleSaveTemplatePage(w http.ResponseWriter, r *http.Request) {
	s.renderSaveTemplate(w, r, http.StatusOK, nil)
}

func (s *Server) renderSaveTemplate(w http.ResponseWriter, r *http.Request, status int, failed error) {
	if _, err := signedIn(r); err != nil {
		s.fail(w, r, err)
		return
	}
	b := boardFrom(r)
	l := localizer(r)
	p := s.page(r, l.T("templates.save_title"))
	p.Error = l.ErrorMessage(failed)
	form := web.SaveTemplateForm{Name: b.Title, Visibility: visibilityPrivate}
	if failed != nil {
		form = web.SaveTemplateForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Visibility: r.PostForm.Get("visibility")}
	}
	render(w, r, status, web.SaveTemplatePage(p, b, form))
}

// handleSaveTemplateForm serves POST /boards/{boardID}/template (name, description,
// visibility): saves the board as it is now as a template of the caller's, then goes to
// the templates page (303). A refused form comes back with its message and what was typed.
func (s *Server) handleSaveTemplateForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	if _, err := s.saveTemplate(r, boardFrom(r), f.Get("name"), f.Get("description"), f.Get("visibility")); err != nil {
		if c := blueprint.ErrorCode(err); c == blueprint.EINTERNAL || c == blueprint.EUNAUTHORIZED || c == blueprint.EUNAVAILABLE {
			s.fail(w, r, err)
			return
		}
		s.renderSaveTemplate(w, r, ErrorStatus(err), err)
		return
	}
	http.Redirect(w, r, templatesPath+"?saved=1", http.StatusSeeOther)
}

// canSaveTemplate says whether the board page offers to save the board as a template:
// to a facilitator signed in, where templates are kept.
func (s *Server) canSaveTemplate(r *http.Request) bool {
	sess := sessionFrom(r)
	return s.templates != nil && sess != nil && sess.UserID != "" && auth.Can(accessFrom(r).Role, auth.SaveTemplate)
}
