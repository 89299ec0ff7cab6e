package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
	"lastmile/internal/server"
)

// templateOut is a template as the API shows it.
type templateOut struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	BuiltIn     bool              `json:"builtin"`
	Visibility  string            `json:"visibility"`
	Mine        bool              `json:"mine"`
	Owner       string            `json:"owner"`
	Kind        string            `json:"kind"`
	Cards       int               `json:"cards"`
	Document    *blueprint.Export `json:"document"`
}

func decodeInto[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %v: %v", r, err)
	}
	return v
}

// mustSaveTemplate saves the board as a template of p's with the given visibility.
func (p *person) mustSaveTemplate(t *testing.T, board, name, vis string) templateOut {
	t.Helper()
	r := p.postJSON(t, http.MethodPost, "/api/boards/"+board+"/templates", map[string]string{"name": name, "visibility": vis})
	if r.status != http.StatusCreated {
		t.Fatalf("save template: %v", r)
	}
	return decodeInto[templateOut](t, r)
}

// templateIDs lists the ids of the templates p is offered.
func (p *person) templateIDs(t *testing.T) []string {
	t.Helper()
	r := p.do(t, http.MethodGet, "/api/templates", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/templates: %v", r)
	}
	var ids []string
	for _, tpl := range decodeInto[struct{ Templates []templateOut }](t, r).Templates {
		ids = append(ids, tpl.ID)
	}
	return ids
}

// boardFromTemplate makes a board from a template as p through the API and returns its
// export, or the response when it is refused.
func (p *person) boardFromTemplate(t *testing.T, template, title string) (*blueprint.Export, response) {
	t.Helper()
	r := p.postJSON(t, http.MethodPost, "/api/boards", map[string]string{"template": template, "title": title})
	if r.status != http.StatusCreated {
		return nil, r
	}
	id := decodeInto[struct{ ID string }](t, r).ID
	g := p.do(t, http.MethodGet, "/api/boards/"+id, nil)
	if g.status != http.StatusOK {
		t.Fatalf("GET the new board: %v", g)
	}
	return decodeInto[*blueprint.Export](t, g), r
}

func countTemplates(t *testing.T, e *authEnv) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM board_templates`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTemplates: a facilitator saves a board as a template (its document as it is, without
// its comments), new boards start from it, it is renamed, shared and deleted by its owner
// only, and someone else's private template is nowhere to be seen or used: 404.
func TestTemplates(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner, other, anon := e.person(t), e.person(t), e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	other.mustSignUp(t, "other@example.org")
	board := owner.mustBoard(t)
	src, err := e.store.FindBoard(context.Background(), board)
	if err != nil {
		t.Fatal(err)
	}
	stage, lane := src.SortedStages()[0].ID, src.SortedLanes()[0].ID
	r := owner.postJSON(t, http.MethodPost, "/api/boards/"+board+"/ops", []map[string]any{
		{"op": "create", "type": "card", "id": "c1", "fields": map[string]any{"stage": stage, "lane": lane, "order": "V", "text": "Fills in the form"}},
		{"op": "create", "type": "card", "id": "c2", "fields": map[string]any{"stage": stage, "lane": lane, "order": "W", "text": "Signs it"}},
		{"op": "create", "type": "comment", "id": "m1", "fields": map[string]any{"anchor": map[string]string{"card": "c1"}, "text": "Why paper?"}},
	})
	if r.status != http.StatusOK {
		t.Fatalf("ops: %v", r)
	}
	src, _ = e.store.FindBoard(context.Background(), board)

	saved := owner.mustSaveTemplate(t, board, "  Onboarding  ", "")
	if saved.Name != "Onboarding" || saved.Visibility != "private" || !saved.Mine || saved.Cards != 2 || saved.Kind != "service-blueprint" || saved.Owner != "owner" {
		t.Fatalf("saved %+v", saved)
	}

	t.Run("Document", func(t *testing.T) {
		r := owner.do(t, http.MethodGet, "/api/templates/"+saved.ID, nil)
		got := decodeInto[templateOut](t, r)
		if r.status != http.StatusOK || got.Document == nil {
			t.Fatalf("GET the template: %v", r)
		}
		want := src.Export()
		want.ID, want.Seq, want.Comments, want.Markers = "", 0, nil, nil
		if diff := cmp.Diff(want, got.Document); diff != "" {
			t.Errorf("the template's document (-board +template):\n%s", diff)
		}
	})

	t.Run("Listed", func(t *testing.T) {
		want := append(slices.Clone(blueprint.Templates), saved.ID)
		if diff := cmp.Diff(want, owner.templateIDs(t)); diff != "" {
			t.Errorf("owner's templates (-want +got):\n%s", diff)
		}
		if ids := other.templateIDs(t); slices.Contains(ids, saved.ID) {
			t.Errorf("another account is offered a private template: %v", ids)
		}
		if ids := anon.templateIDs(t); !slices.Equal(ids, blueprint.Templates) {
			t.Errorf("someone not signed in is offered %v", ids)
		}
		doc := mustPage(t, owner.do(t, http.MethodGet, "/", nil))
		if got := doc.Find(`[data-testid="my-templates"] option`).AttrOr("value", ""); got != saved.ID {
			t.Errorf("the home page's menu offers %q in my templates; want %q", got, saved.ID)
		}
	})

	t.Run("NewBoard", func(t *testing.T) {
		b, r := owner.boardFromTemplate(t, saved.ID, "")
		if b == nil {
			t.Fatalf("new board from the template: %v", r)
		}
		want := src.Export()
		if b.Title != "Onboarding" || b.Template != "service-blueprint" || len(b.Comments) != 0 {
			t.Errorf("new board %q (%s) with %d comments; want the template's name, kind and no comment", b.Title, b.Template, len(b.Comments))
		}
		if diff := cmp.Diff(want.Cards, b.Cards); diff != "" {
			t.Errorf("cards (-source +new):\n%s", diff)
		}
		if diff := cmp.Diff(want.Stages, b.Stages); diff != "" {
			t.Errorf("stages (-source +new):\n%s", diff)
		}
		// The template is frozen: a change of the board does not reach it.
		owner.postJSON(t, http.MethodPost, "/api/boards/"+board+"/ops", []map[string]any{{"op": "delete", "type": "card", "id": "c2"}})
		if b, _ := owner.boardFromTemplate(t, saved.ID, "Again"); b == nil || len(b.Cards) != 2 || b.Title != "Again" {
			t.Errorf("after a change of the board, a new board from the template is %+v", b)
		}
		r = owner.form(t, "/boards", url.Values{"template": {saved.ID}, "title": {"From the form"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/boards/") {
			t.Errorf("form: %v", r)
		}
	})

	t.Run("PrivateIsNotFound", func(t *testing.T) {
		before := countTemplates(t, e)
		for who, p := range map[string]*person{"other": other, "anonymous": anon} {
			if _, r := p.boardFromTemplate(t, saved.ID, ""); r.status != http.StatusNotFound {
				t.Errorf("%s makes a board from a private template: %v; want 404", who, r)
			}
			if r := p.form(t, "/boards", url.Values{"template": {saved.ID}}); r.status != http.StatusNotFound {
				t.Errorf("%s makes a board from a private template by the form: %v; want 404", who, r)
			}
			if r := p.do(t, http.MethodGet, "/api/templates/"+saved.ID, nil); r.status != http.StatusNotFound {
				t.Errorf("%s reads a private template: %v; want 404", who, r)
			}
		}
		if r := other.postJSON(t, http.MethodPatch, "/api/templates/"+saved.ID, map[string]string{"name": "Mine now"}); r.status != http.StatusNotFound {
			t.Errorf("another renames a private template: %v; want 404", r)
		}
		if r := other.do(t, http.MethodDelete, "/api/templates/"+saved.ID, nil); r.status != http.StatusNotFound {
			t.Errorf("another deletes a private template: %v; want 404", r)
		}
		if r := other.form(t, "/templates/"+saved.ID+"/delete", nil); r.status != http.StatusNotFound {
			t.Errorf("another deletes a private template by the form: %v; want 404", r)
		}
		if r := anon.do(t, http.MethodDelete, "/api/templates/"+saved.ID, nil); r.status != http.StatusUnauthorized {
			t.Errorf("someone not signed in deletes a template: %v; want 401", r)
		}
		if n := countTemplates(t, e); n != before {
			t.Errorf("%d templates after refusals; want %d", n, before)
		}
	})

	t.Run("Shared", func(t *testing.T) {
		r := owner.postJSON(t, http.MethodPatch, "/api/templates/"+saved.ID, map[string]string{"visibility": "shared", "description": "For new customers"})
		got := decodeInto[templateOut](t, r)
		if r.status != http.StatusOK || got.Visibility != "shared" || got.Name != "Onboarding" || got.Description != "For new customers" {
			t.Fatalf("share: %v", r)
		}
		for who, p := range map[string]*person{"other": other, "anonymous": anon} {
			if !slices.Contains(p.templateIDs(t), saved.ID) {
				t.Errorf("%s is not offered a shared template", who)
			}
			if b, r := p.boardFromTemplate(t, saved.ID, ""); b == nil || len(b.Cards) != 2 {
				t.Errorf("%s makes a board from a shared template: %v", who, r)
			}
		}
		if r := other.postJSON(t, http.MethodPatch, "/api/templates/"+saved.ID, map[string]string{"name": "Mine now"}); r.status != http.StatusForbidden {
			t.Errorf("another renames a shared template: %v; want 403", r)
		}
		if r := other.do(t, http.MethodDelete, "/api/templates/"+saved.ID, nil); r.status != http.StatusForbidden {
			t.Errorf("another deletes a shared template: %v; want 403", r)
		}
		doc := mustPage(t, other.do(t, http.MethodGet, "/templates", nil))
		if got := doc.Find(`[data-testid="shared-template-list"] [data-testid="template-name"]`).Text(); got != "Onboarding" {
			t.Errorf("the shared list of another's page shows %q", got)
		}
		if doc.Find(`[data-testid="shared-template-list"] form[action^="/templates/"]`).Length() != 0 {
			t.Errorf("another's page offers to change a shared template")
		}
	})

	t.Run("Delete", func(t *testing.T) {
		tpl := owner.mustSaveTemplate(t, board, "Short-lived", "private")
		made, _ := owner.boardFromTemplate(t, tpl.ID, "")
		if r := owner.form(t, "/templates/"+tpl.ID+"/delete", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/templates?deleted=1" {
			t.Fatalf("delete form: %v", r)
		}
		if r := owner.do(t, http.MethodGet, "/api/templates/"+tpl.ID, nil); r.status != http.StatusNotFound {
			t.Errorf("a deleted template: %v", r)
		}
		if r := owner.do(t, http.MethodDelete, "/api/templates/"+tpl.ID, nil); r.status != http.StatusNotFound {
			t.Errorf("deleting it again: %v", r)
		}
		if r := owner.do(t, http.MethodGet, "/api/boards/"+made.ID, nil); r.status != http.StatusOK {
			t.Errorf("the board made from a deleted template: %v", r)
		}
	})

	t.Run("RenameForm", func(t *testing.T) {
		r := owner.form(t, "/templates/"+saved.ID, url.Values{"name": {"Accueil"}, "description": {""}, "visibility": {"private"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("rename form: %v", r)
		}
		doc := mustPage(t, owner.do(t, http.MethodGet, r.header.Get("Location"), nil))
		item := doc.Find(`[data-template-id="` + saved.ID + `"]`)
		if got := item.Find(`[data-testid="template-name"]`).Text(); got != "Accueil" {
			t.Errorf("renamed template shows %q", got)
		}
		if got := item.Find(`[data-testid="template-visibility"]`).Text(); got != "Only you" {
			t.Errorf("visibility %q", got)
		}
		if doc.Find(`[data-testid="notice"]`).Text() != "Template changed." {
			t.Errorf("notice %q", doc.Find(`[data-testid="notice"]`).Text())
		}
		if slices.Contains(other.templateIDs(t), saved.ID) {
			t.Errorf("a template made private again is still offered to others")
		}
	})
}

// TestTemplateLimits: what a template's name and description may be, the cap on the
// templates of one account, a hostile name shown as text, and who may save one; every
// refusal writes nothing.
func TestTemplateLimits(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	save := func(v any) response {
		return owner.postJSON(t, http.MethodPost, "/api/boards/"+board+"/templates", v)
	}

	for _, tc := range []struct {
		name   string
		body   any
		status int
		words  string
	}{
		{"LongName", map[string]string{"name": strings.Repeat("é", 201)}, http.StatusRequestEntityTooLarge, "201 characters"},
		{"TwoLines", map[string]string{"name": "a\nb"}, http.StatusBadRequest, "one line"},
		{"LongDescription", map[string]string{"name": "x", "description": strings.Repeat("d", 1001)}, http.StatusRequestEntityTooLarge, "1001 characters"},
		{"NUL", map[string]string{"name": "a\x00"}, http.StatusBadRequest, "NUL"},
		{"Visibility", map[string]string{"name": "x", "visibility": "public"}, http.StatusBadRequest, "private or shared"},
		{"UnknownField", map[string]any{"name": "x", "cards": 3}, http.StatusBadRequest, "unknown field"},
		{"NotJSON", "x", http.StatusBadRequest, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := save(tc.body)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.words) {
				t.Errorf("got %v; want %d with %q", r, tc.status, tc.words)
			}
			if n := countTemplates(t, e); n != 0 {
				t.Errorf("%d templates after a refusal", n)
			}
		})
	}

	t.Run("Hostile", func(t *testing.T) {
		name := "\u202e" + hostileImg + " نموذج"
		tpl := owner.mustSaveTemplate(t, board, name, "shared")
		if tpl.Name != name {
			t.Errorf("name %q; want %q", tpl.Name, name)
		}
		for _, path := range []string{"/templates", "/"} {
			r := owner.do(t, http.MethodGet, path, nil)
			if strings.Contains(string(r.body), hostileImg) {
				t.Errorf("%s holds the name unescaped", path)
			}
		}
		doc := mustPage(t, owner.do(t, http.MethodGet, "/templates", nil))
		if got := doc.Find(`[data-template-id="` + tpl.ID + `"] [data-testid="template-name"] bdi`).Text(); got != name {
			t.Errorf("the page shows %q", got)
		}
		home := mustPage(t, owner.do(t, http.MethodGet, "/", nil))
		if got := home.Find(`option[value="` + tpl.ID + `"]`).Text(); got != "\u2068"+name+"\u2069" {
			t.Errorf("the menu shows %q; want the name isolated", got)
		}
		long := owner.mustSaveTemplate(t, board, strings.Repeat("L", 200), "private")
		if got := []rune(mustPage(t, owner.do(t, http.MethodGet, "/", nil)).Find(`option[value="` + long.ID + `"]`).Text()); len(got) > 62 {
			t.Errorf("a long name is %d characters in the menu", len(got))
		}
		if r := owner.do(t, http.MethodDelete, "/api/templates/"+tpl.ID, nil); r.status != http.StatusNoContent {
			t.Fatal(r)
		}
		if r := owner.do(t, http.MethodDelete, "/api/templates/"+long.ID, nil); r.status != http.StatusNoContent {
			t.Fatal(r)
		}
	})

	t.Run("Cap", func(t *testing.T) {
		b, err := e.store.FindBoard(context.Background(), board)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := blueprint.TemplateDocument(b)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.store.FindUserByEmail(context.Background(), "owner@example.org")
		if err != nil {
			t.Fatal(err)
		}
		for i := countTemplates(t, e); i < blueprint.MaxTemplatesPerOwner; i++ {
			if _, err := e.store.CreateTemplate(context.Background(), blueprint.SavedTemplate{Owner: u.ID, Name: fmt.Sprint("T", i)}, doc, blueprint.MaxTemplatesPerOwner); err != nil {
				t.Fatal(err)
			}
		}
		r := save(map[string]string{"name": "One too many"})
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "delete one") {
			t.Errorf("the template past the cap: %v; want 409", r)
		}
		if n := countTemplates(t, e); n != blueprint.MaxTemplatesPerOwner {
			t.Errorf("%d templates; want %d", n, blueprint.MaxTemplatesPerOwner)
		}
	})

	t.Run("WhoMaySave", func(t *testing.T) {
		before := countTemplates(t, e)
		link := owner.mustLink(t, board, url.Values{"role": {"editor"}})
		guest, stranger, anon := e.person(t), e.person(t), e.person(t)
		guest.mustJoin(t, link, board, url.Values{"name": {"Gus"}})
		stranger.mustSignUp(t, "stranger@example.org")
		for who, c := range map[string]struct {
			p      *person
			status int
		}{"guest editor": {guest, http.StatusForbidden}, "stranger": {stranger, http.StatusForbidden}, "anonymous": {anon, http.StatusUnauthorized}} {
			r := c.p.postJSON(t, http.MethodPost, "/api/boards/"+board+"/templates", map[string]string{"name": "x"})
			if r.status != c.status {
				t.Errorf("%s saves a template: %v; want %d", who, r, c.status)
			}
			if r := c.p.form(t, "/boards/"+board+"/template", url.Values{"name": {"x"}}); r.status != c.status {
				t.Errorf("%s posts the form: %v; want %d", who, r, c.status)
			}
			doc := mustPage(t, c.p.do(t, http.MethodGet, "/boards/"+board, nil))
			if doc.Find(`[data-testid="save-template-link"]`).Length() != 0 {
				t.Errorf("%s is offered to save the board as a template", who)
			}
		}
		if n := countTemplates(t, e); n != before {
			t.Errorf("%d templates; want %d", n, before)
		}
	})
}

// TestSaveTemplateForm: the facilitator's form, refused with its message and what was
// typed, then saved and listed on the templates page, in French too.
func TestSaveTemplateForm(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)

	doc := mustPage(t, owner.do(t, http.MethodGet, "/boards/"+board, nil))
	if href := doc.Find(`[data-testid="save-template-link"]`).AttrOr("href", ""); href != "/boards/"+board+"/template" {
		t.Fatalf("the tool bar's link goes to %q", href)
	}
	page := mustPage(t, owner.do(t, http.MethodGet, "/boards/"+board+"/template?lang=fr", nil))
	if got := page.Find(`#save-name`).AttrOr("value", ""); got != "Plan de service" && got == "" {
		t.Errorf("the name is not the board's title: %q", got)
	}
	if got := page.Find("h1").Text(); got != "Enregistrer comme modèle" {
		t.Errorf("French title %q", got)
	}

	r := owner.form(t, "/boards/"+board+"/template", url.Values{"name": {"Atelier"}, "description": {"Gardé"}, "visibility": {"everyone"}})
	wantError(t, r, http.StatusBadRequest, "la visibilité d’un modèle est private ou shared, pas « everyone »")
	back := mustPage(t, r)
	if back.Find(`#save-name`).AttrOr("value", "") != "Atelier" || back.Find(`#save-description`).Text() != "Gardé" {
		t.Errorf("the refused form lost what was typed")
	}
	if back.Find(`[role="alert"]`).Length() != 1 {
		t.Errorf("%d alerts on the page", back.Find(`[role="alert"]`).Length())
	}

	r = owner.form(t, "/boards/"+board+"/template", url.Values{"name": {"Atelier"}, "description": {"Gardé"}, "visibility": {"shared"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/templates?saved=1" {
		t.Fatalf("save form: %v", r)
	}
	list := mustPage(t, owner.do(t, http.MethodGet, "/templates?saved=1", nil))
	if got := list.Find(`[data-testid="my-template-list"] [data-testid="template-name"]`).Text(); got != "Atelier" {
		t.Errorf("templates page lists %q", got)
	}
	if got := list.Find(`[data-testid="template-visibility"]`).Text(); got != "Partagé avec tout le monde" {
		t.Errorf("visibility %q", got)
	}
	if list.Find(`[data-testid="notice"]`).Length() != 1 {
		t.Errorf("no notice of the save")
	}
}

// TestAnonymousTemplates: where only accounts make boards, someone not signed in is offered
// no saved template and cannot start from a shared one.
func TestAnonymousTemplates(t *testing.T) {
	t.Parallel()
	e := setupAuth(t, func(c *server.Config) { c.AccountRequired = true })
	owner, anon := e.person(t), e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	tpl := owner.mustSaveTemplate(t, owner.mustBoard(t), "Shared", "shared")
	if ids := anon.templateIDs(t); !slices.Equal(ids, blueprint.Templates) {
		t.Errorf("offered %v", ids)
	}
	if _, r := anon.boardFromTemplate(t, tpl.ID, ""); r.status != http.StatusUnauthorized {
		t.Errorf("a board from a shared template without an account: %v; want 401", r)
	}
}

// TestImportRoundTripHTTP: a board with every kind of annotation, exported by GET
// /api/boards/{id} and imported by POST /api/boards, exports as the round trip's
// definition says (blueprinttest.AfterImport), read back from Postgres; its log names the
// importer; and an import refused for one bad annotation writes nothing.
func TestImportRoundTripHTTP(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	importer := e.person(t)
	importer.mustSignUp(t, "imogen@example.org")
	first, err := json.Marshal(blueprinttest.Workshop().Export())
	if err != nil {
		t.Fatal(err)
	}
	r := importer.do(t, http.MethodPost, "/api/boards", strings.NewReader(string(first)), "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		t.Fatalf("import: %v", r)
	}
	id := decodeInto[struct{ ID string }](t, r).ID
	got := importer.do(t, http.MethodGet, "/api/boards/"+id, nil)
	e1, _ := blueprint.DecodeExport(first)
	want, _ := json.Marshal(blueprinttest.AfterImport(e1, id))
	if diff := cmp.Diff(string(want), strings.TrimSpace(string(got.body))); diff != "" {
		t.Fatalf("round trip through Postgres (-definition +export):\n%s", diff)
	}

	var by, author string
	if err := e.pool.QueryRow(context.Background(), `SELECT made_by, author FROM ops WHERE board_id = $1 AND op->>'type' = 'comment' LIMIT 1`, id).Scan(&by, &author); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(by, "u:") || author != "imogen" {
		t.Errorf("the import's ops are made by %q (%q); want the importer", by, author)
	}

	// Again, from the import's export: the same board but for its id.
	r = importer.do(t, http.MethodPost, "/api/boards", strings.NewReader(string(got.body)), "Content-Type", "application/json")
	id2 := decodeInto[struct{ ID string }](t, r).ID
	again := importer.do(t, http.MethodGet, "/api/boards/"+id2, nil)
	if diff := cmp.Diff(strings.Replace(string(got.body), id, id2, 1), string(again.body)); diff != "" {
		t.Errorf("the second round trip (-first import +second):\n%s", diff)
	}

	// Nobody forges an imported comment on a live board: the op is refused as forbidden.
	forged := importer.postJSON(t, http.MethodPost, "/api/boards/"+id+"/ops", []map[string]any{{"op": "create", "type": "comment", "id": "x1",
		"fields": map[string]any{"anchor": map[string]string{"card": "c1"}, "text": "Signed: Ana",
			"imported": map[string]any{"by": blueprint.ImportedPerson("u:ana"), "author": "Ana", "at": 1}}}})
	if forged.status != http.StatusForbidden || !strings.Contains(string(forged.body), "imported only with a whole board") {
		t.Errorf("an op with imported: %v; want 403", forged)
	}

	var boards int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM boards`).Scan(&boards)
	bad := strings.Replace(string(first), `"severity":"low"`, `"severity":"huge"`, 1)
	r = importer.do(t, http.MethodPost, "/api/boards", strings.NewReader(bad), "Content-Type", "application/json")
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `marker \"f3\" of the export: unknown severity`) {
		t.Errorf("a bad marker: %v", r)
	}
	var after int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM boards`).Scan(&after)
	if after != boards {
		t.Errorf("%d boards after a refused import; want %d", after, boards)
	}
}
