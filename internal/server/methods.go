package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/blueprint"
)

// methodIndex tells which methods have a route for a path, for the Allow header of a 405
// and for HEAD. chi's own Match cannot say it for a path under a sub-router: the mount
// point answers every method, so every method would seem allowed. The index is a flat
// router holding each route of the server once, with its method and its full pattern.
type methodIndex struct{ flat *chi.Mux }

// answeredMethods are the methods an Allow header may name, in the order it names them.
var answeredMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func newMethodIndex(routes chi.Routes) methodIndex {
	flat := chi.NewRouter()
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	_ = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		flat.Method(method, route, noop)
		// A sub-router's "/" also answers at its mount point, without the slash
		// (/boards/{boardID} as /boards/{boardID}/); Match says where a mount is.
		if trimmed := strings.TrimSuffix(route, "/"); trimmed != route && trimmed != "" && routes.Match(chi.NewRouteContext(), method, trimmed) {
			flat.Method(method, trimmed, noop)
		}
		return nil
	})
	return methodIndex{flat: flat}
}

// has reports whether path has a route for method.
func (x methodIndex) has(method, path string) bool {
	return x.flat.Match(chi.NewRouteContext(), method, path)
}

// allowed returns the methods path answers: those of its routes, and HEAD with GET.
func (x methodIndex) allowed(path string) []string {
	var out []string
	for _, m := range answeredMethods {
		if x.has(m, path) || (m == http.MethodHead && x.has(http.MethodGet, path)) {
			out = append(out, m)
		}
	}
	return out
}

// routingPath is the path chi routes r by.
func routingPath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

// headAsGet serves HEAD as GET on a path whose routes have GET and no HEAD, as HTTP
// asks of every server; net/http sends the headers and drops the body.
func (s *Server) headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			path := routingPath(r)
			if rctx := chi.RouteContext(r.Context()); rctx != nil && !s.methods.has(http.MethodHead, path) && s.methods.has(http.MethodGet, path) {
				rctx.RouteMethod = http.MethodGet
			}
		}
		next.ServeHTTP(w, r)
	})
}

// methodNotAllowed answers a request whose path has routes, none for its method: 405,
// with an Allow header naming the methods that have one.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if allowed := s.methods.allowed(routingPath(r)); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
	}
	s.fail(w, r, blueprint.Errorf(codeMethod, "method %s is not allowed on %s", r.Method, r.URL.Path))
}
