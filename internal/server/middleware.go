package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/web"
)

// contextKey is the type of this package's context keys.
type contextKey int

const (
	boardKey contextKey = iota
	localizerKey
	nonceKey
	sessionKey
	accessKey
	ticketKey // the print ticket a request came with (usePrintTicket)
)

// loadBoard loads the board named in the path once, answers 404 when there is none, and
// puts it on the request's context.
func (s *Server) loadBoard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.boards.FindBoard(r.Context(), chi.URLParam(r, "boardID"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), boardKey, b)))
	})
}

func boardFrom(r *http.Request) *blueprint.Board {
	return r.Context().Value(boardKey).(*blueprint.Board)
}

// language picks the reader's language: ?lang= (remembered in a cookie), then the cookie,
// then Accept-Language.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		choice := r.URL.Query().Get("lang")
		if choice == "en" || choice == "fr" {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: choice, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie("lang"); err == nil {
			choice = c.Value
		}
		l := s.catalog.For(i18n.Match(choice, r.Header.Get("Accept-Language")))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), localizerKey, l)))
	})
}

func localizer(r *http.Request) *i18n.Localizer {
	if l, ok := r.Context().Value(localizerKey).(*i18n.Localizer); ok {
		return l
	}
	return i18n.MustCatalog().For("en")
}

// securityHeaders sets a Content-Security-Policy with a fresh nonce per response, so
// that only the page's own scripts and styles run, and forbids caching the response.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		nonce := base64.RawStdEncoding.EncodeToString(b)
		h := w.Header()
		h.Set("Content-Security-Policy", fmt.Sprintf("default-src 'self'; script-src 'self' 'nonce-%[1]s'; "+
			"style-src 'self' 'nonce-%[1]s'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "+
			"base-uri 'none'; form-action 'self'; frame-ancestors 'none'", nonce))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		// Pages hold private boards, share links shown once and a nonce of their own: no
		// cache keeps them. Static files set their own caching.
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
	})
}

func (s *Server) page(r *http.Request, title string) web.Page {
	nonce, _ := r.Context().Value(nonceKey).(string)
	return web.Page{L: localizer(r), Title: title, Path: r.URL.Path, Nonce: nonce,
		Accounts: s.accounts != nil, Who: sessionFrom(r).Name(), SignedIn: sessionFrom(r) != nil && sessionFrom(r).UserID != "",
		SignUpClosed: s.signUpClosed, AccountRequired: s.accountRequired, Templates: s.templates != nil}
}

// logRequests writes one JSON log line per request. It names the route's pattern, not
// the path (see routeOf).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := routeOf(r)
		level := slog.LevelInfo
		if route == "/livez" || route == "/readyz" {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "route", route,
			"status", ww.Status(), "bytes", ww.BytesWritten(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// routeOf returns the pattern of the route that serves r, such as /s/{token}, for the
// logs: a path may hold a secret (a share link's token), a pattern never does. It is ""
// for a path that no route matches.
func routeOf(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil {
		return rctx.RoutePattern()
	}
	return ""
}

// recoverer turns a panic in a handler into a 500 and a log line; the process lives on.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "route", routeOf(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.fail(w, r, blueprint.Internal(fmt.Errorf("panic: %v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
