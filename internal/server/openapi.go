package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

// apiOp is one operation of the JSON API as the OpenAPI document describes it. The
// document is built from this table, by hand: TestOpenAPI fails when a route under /api
// is missing from it, or when it names a route that does not exist.
type apiOp struct {
	method, path string
	tag, summary string
	query        []string // names of query parameters, all optional strings
	body         bool     // takes a JSON body
	status       int      // the status of success
}

// apiOps lists every route under /api. Path parameters are those of the chi patterns.
var apiOps = []apiOp{
	{"GET", "/api/openapi.json", "meta", "This OpenAPI document", nil, false, 200},
	{"GET", "/api/boards", "boards", "The boards the caller may see, with the caller's role", nil, false, 200},
	{"POST", "/api/boards", "boards", "Make a board from a template (built-in or saved), or import a board (lastmile JSON, or CSV with Content-Type text/csv)", []string{"preview"}, true, 201},
	{"GET", "/api/boards/{boardID}", "boards", "The whole board as lastmile JSON", nil, false, 200},
	{"DELETE", "/api/boards/{boardID}", "boards", "Delete the board (its owner only)", nil, false, 204},
	{"POST", "/api/boards/{boardID}/claim", "boards", "Claim an unlisted board made by the caller's browser session", nil, false, 200},
	{"GET", "/api/boards/{boardID}/analysis", "analysis", "The last-mile analysis of the board now", nil, false, 200},
	{"GET", "/api/boards/{boardID}/export.csv", "exports", "The board's cards as CSV (UTF-8 with a BOM)", nil, false, 200},
	{"GET", "/api/boards/{boardID}/export.md", "exports", "The board as a Markdown report", nil, false, 200},
	{"GET", "/api/boards/{boardID}/export.svg", "exports", "The board as an SVG picture", nil, false, 200},
	{"GET", "/api/boards/{boardID}/export.pdf", "exports", "The board as a PDF, A4 or A3 landscape (paper=a4|a3), on one page with fit=1; 503 when the server has no Chromium or is busy", []string{"paper", "fit"}, false, 200},
	{"GET", "/api/boards/{boardID}/export.png", "exports", "The board as a PNG picture; 503 when the server has no Chromium or is busy", nil, false, 200},
	{"POST", "/api/boards/{boardID}/ops", "ops", "Apply a JSON array of ops, in order", nil, true, 200},
	{"GET", "/api/boards/{boardID}/ops", "ops", "The op log after a sequence number", []string{"after", "limit"}, false, 200},
	{"GET", "/api/boards/{boardID}/activity", "ops", "The ops after a sequence number, as activity", []string{"after", "limit"}, false, 200},
	{"GET", "/api/boards/{boardID}/comments", "comments", "The board's comments", []string{"filter", "anchor"}, false, 200},
	{"POST", "/api/boards/{boardID}/comments", "comments", "A new comment thread, or a reply", nil, true, 201},
	{"PATCH", "/api/boards/{boardID}/comments/{itemID}", "comments", "A new text for one's comment", nil, true, 200},
	{"DELETE", "/api/boards/{boardID}/comments/{itemID}", "comments", "Delete a comment", nil, false, 200},
	{"POST", "/api/boards/{boardID}/comments/{itemID}/resolve", "comments", "Resolve a thread", nil, false, 200},
	{"POST", "/api/boards/{boardID}/comments/{itemID}/reopen", "comments", "Reopen a thread", nil, false, 200},
	{"GET", "/api/boards/{boardID}/markers", "markers", "The board's friction markers", []string{"filter", "anchor", "sort"}, false, 200},
	{"POST", "/api/boards/{boardID}/markers", "markers", "A new friction marker", nil, true, 201},
	{"PATCH", "/api/boards/{boardID}/markers/{itemID}", "markers", "Change a marker", nil, true, 200},
	{"DELETE", "/api/boards/{boardID}/markers/{itemID}", "markers", "Delete a marker", nil, false, 200},
	{"POST", "/api/boards/{boardID}/markers/{itemID}/resolve", "markers", "Resolve a marker", nil, true, 200},
	{"POST", "/api/boards/{boardID}/markers/{itemID}/reopen", "markers", "Reopen a marker", nil, false, 200},
	{"POST", "/api/boards/{boardID}/markers/{itemID}/plusone", "markers", "Give a marker a +1", nil, false, 200},
	{"DELETE", "/api/boards/{boardID}/markers/{itemID}/plusone", "markers", "Take back one's +1", nil, false, 200},
	{"GET", "/api/boards/{boardID}/people", "people", "Whom a comment on the board may mention", nil, false, 200},
	{"GET", "/api/boards/{boardID}/since", "notifications", "What changed since the caller last looked", []string{"seq"}, false, 200},
	{"POST", "/api/boards/{boardID}/seen", "notifications", "Mark the board as seen", nil, true, 200},
	{"GET", "/api/boards/{boardID}/history", "history", "Who changed what and when, grouped", nil, false, 200},
	{"GET", "/api/boards/{boardID}/versions", "history", "The board's named versions", nil, false, 200},
	{"POST", "/api/boards/{boardID}/versions", "history", "Name a version", nil, true, 201},
	{"GET", "/api/boards/{boardID}/versions/{seq}", "history", "The board as it was at a sequence number", nil, false, 200},
	{"POST", "/api/boards/{boardID}/restore", "history", "Restore a past version, as new ops", nil, true, 200},
	{"GET", "/api/boards/{boardID}/share", "people", "The board's share links (facilitators)", nil, false, 200},
	{"GET", "/api/boards/{boardID}/members", "people", "The board's members and guests (facilitators)", nil, false, 200},
	{"GET", "/api/notifications", "notifications", "The caller's latest notifications", []string{"unread", "limit"}, false, 200},
	{"POST", "/api/notifications/read", "notifications", "Mark notifications as read", nil, true, 200},
	{"GET", "/api/boards/{boardID}/webhooks", "webhooks", "The board's outgoing webhooks (facilitators)", nil, false, 200},
	{"POST", "/api/boards/{boardID}/webhooks", "webhooks", "Add a webhook; its signing secret is shown once", nil, true, 201},
	{"DELETE", "/api/boards/{boardID}/webhooks/{webhookID}", "webhooks", "Delete a webhook", nil, false, 204},
	{"POST", "/api/boards/{boardID}/webhooks/{webhookID}/test", "webhooks", "Queue a test delivery", nil, false, 202},
	{"GET", "/api/boards/{boardID}/webhooks/{webhookID}/deliveries", "webhooks", "The webhook's latest deliveries and their attempts", nil, false, 200},
	{"GET", "/api/templates", "templates", "The templates the caller may start a board from: built-in, their own, shared", nil, false, 200},
	{"GET", "/api/templates/{templateID}", "templates", "A saved template with its document", nil, false, 200},
	{"PATCH", "/api/templates/{templateID}", "templates", "Rename, describe, share or unshare one's template", nil, true, 200},
	{"DELETE", "/api/templates/{templateID}", "templates", "Delete one's template", nil, false, 204},
	{"POST", "/api/boards/{boardID}/templates", "templates", "Save the board as a template (facilitators)", nil, true, 201},
	{"GET", "/api/tokens", "tokens", "The caller's personal API tokens (never their values)", nil, false, 200},
	{"POST", "/api/tokens", "tokens", "Make a personal API token, shown once (browser sessions only)", nil, true, 201},
	{"DELETE", "/api/tokens/{tokenID}", "tokens", "Revoke a personal API token", nil, false, 204},
}

var pathParam = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// openAPIDocument builds the OpenAPI 3.1 document of the JSON API from apiOps.
func openAPIDocument() map[string]any {
	errorRef := map[string]any{"$ref": "#/components/responses/Error"}
	paths := map[string]any{}
	for _, op := range apiOps {
		item, _ := paths[op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(op.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		success := map[string]any{"description": http.StatusText(op.status)}
		if op.status != http.StatusNoContent {
			success["content"] = map[string]any{contentType(op.path): map[string]any{}}
		}
		o := map[string]any{
			"operationId": operationID(op),
			"summary":     op.summary,
			"tags":        []string{op.tag},
			"responses":   map[string]any{itoa(op.status): success, "default": errorRef},
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.body {
			o["requestBody"] = map[string]any{
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{}}}}
		}
		item[strings.ToLower(op.method)] = o
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "lastmile JSON API", "version": "1",
			"description": "The JSON API of lastmile. Authenticate with the session cookie of a browser, or with a personal API token: Authorization: Bearer <token>."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "A personal API token, made on /account/tokens"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "required": []string{"error"},
				"properties": map[string]any{"error": map[string]any{"type": "object", "required": []string{"code", "message"},
					"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}},
			"responses": map[string]any{"Error": map[string]any{"description": "An error, with its code and message",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}},
		},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}, map[string]any{}},
	}
}

func contentType(path string) string {
	switch {
	case strings.HasSuffix(path, ".csv"):
		return "text/csv"
	case strings.HasSuffix(path, ".md"):
		return "text/markdown"
	case strings.HasSuffix(path, ".svg"):
		return "image/svg+xml"
	case strings.HasSuffix(path, ".pdf"):
		return "application/pdf"
	case strings.HasSuffix(path, ".png"):
		return "image/png"
	}
	return "application/json"
}

func operationID(op apiOp) string {
	id := strings.ToLower(op.method)
	for _, part := range strings.FieldsFunc(op.path, func(r rune) bool { return r == '/' || r == '.' || r == '{' || r == '}' }) {
		if part != "api" {
			id += strings.ToUpper(part[:1]) + part[1:]
		}
	}
	return id
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

var openAPIJSON = sync.OnceValue(func() []byte {
	data, _ := json.MarshalIndent(openAPIDocument(), "", "  ")
	return data
})

// handleOpenAPI serves GET /api/openapi.json: the OpenAPI 3.1 document of the JSON API.
func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIJSON())
}

// Routes returns the server's routes, for tests that walk them (chi.Walk).
func (s *Server) Routes() chi.Routes { return s.router }
