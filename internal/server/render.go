package server

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
)

// render writes a component as an HTML page. It renders into a buffer first, so that a
// failure mid-way becomes a clean error rather than half a page.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
