package server_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"lastmile/internal/i18n"
	"lastmile/internal/server"
)

// TestOpenAPI checks the document served at /api/openapi.json: it validates as OpenAPI
// 3.1, documents every route under /api and nothing else, and every GET it documents
// answers without a server error.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	// The PDF and PNG exports answer 503 on a server without Chromium: this one has a
	// browser that loads the print view and answers a stub (the real renders are tested
	// in Chromium, internal/e2e/export_test.go).
	b := &ticketBrowser{visit: plainVisit}
	e := setupAuth(t, b.printer(t))
	b.self = e.url
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	token := owner.mustToken(t, "openapi")

	r := e.person(t).do(t, http.MethodGet, "/api/openapi.json", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/openapi.json: %v", r)
	}

	t.Run("Valid", func(t *testing.T) {
		doc, err := openapi3.NewLoader().LoadFromData(r.body)
		if err != nil {
			t.Fatal(err)
		}
		if doc.OpenAPI != "3.1.0" || doc.Info == nil || doc.Info.Title == "" || doc.Paths == nil || doc.Paths.Len() == 0 {
			t.Fatalf("openapi %q, info %v, %d paths", doc.OpenAPI, doc.Info, doc.Paths.Len())
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("the document is not valid OpenAPI: %v", err)
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if op.Responses == nil || op.Responses.Len() == 0 {
					t.Errorf("%s %s has no responses", method, path)
				}
			}
		}
	})

	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}

	t.Run("EveryRoute", func(t *testing.T) {
		// A server with every optional part, as cmd/lastmile builds it.
		srv := server.New(server.Config{Boards: e.store, Catalog: i18n.MustCatalog(), Accounts: e.store})
		routed := map[string]bool{}
		err := chi.Walk(srv.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if strings.HasPrefix(route, "/api/") {
				routed[method+" "+strings.TrimSuffix(route, "/")] = true
			}
			return nil
		})
		if err != nil || len(routed) < 30 {
			t.Fatalf("walking the routes: %v, %d routes under /api", err, len(routed))
		}
		for _, k := range slices.Sorted(maps.Keys(routed)) {
			if !documented[k] {
				t.Errorf("%s is routed but not in /api/openapi.json", k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(documented)) {
			if !routed[k] {
				t.Errorf("%s is in /api/openapi.json but not routed", k)
			}
		}
	})

	t.Run("EveryGET", func(t *testing.T) {
		for k := range documented {
			method, path, _ := strings.Cut(k, " ")
			if method != http.MethodGet {
				continue
			}
			path = strings.NewReplacer("{boardID}", board, "{seq}", "1").Replace(path)
			for _, who := range []string{"session", "token"} {
				var res response
				if who == "session" {
					res = owner.do(t, method, path, nil)
				} else {
					res = e.bearer(t, token, method, path, "")
				}
				if res.status >= 500 {
					t.Errorf("%s %s with a %s: %v", method, path, who, res)
				}
			}
		}
	})
}
