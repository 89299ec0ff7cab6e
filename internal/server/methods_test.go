package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lastmile/internal/i18n"
)

// A 405 names the methods that have a route on the path, and only those, also on paths
// under a sub-router; HEAD is answered wherever GET is.
func TestMethodNotAllowed(t *testing.T) {
	s := New(Config{Catalog: i18n.MustCatalog()})
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodPut, "/boards/b1", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, "/boards/b1/", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/boards/b1/cards", http.StatusMethodNotAllowed, "POST"},
		{http.MethodDelete, "/api/boards/b1/ops", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodPatch, "/api/boards", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodGet, "/boards", http.StatusMethodNotAllowed, "POST"},
		{http.MethodOptions, "/livez", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"BREW", "/livez", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodHead, "/livez", http.StatusOK, ""},
		{http.MethodHead, "/boards", http.StatusMethodNotAllowed, "POST"},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(tc.method, tc.path, nil)
			r.Header.Set("Accept", "application/json")
			s.ServeHTTP(w, r)
			allow := strings.Join(w.Header().Values("Allow"), ", ")
			if w.Code != tc.status || allow != tc.allow {
				t.Fatalf("%s %s: %d with Allow %q; want %d with Allow %q", tc.method, tc.path, w.Code, allow, tc.status, tc.allow)
			}
		})
	}
}
