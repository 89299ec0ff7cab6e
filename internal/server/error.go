package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"lastmile/internal/blueprint"
	"lastmile/web"
)

// codeMethod is the code of a request whose method the route does not take.
const codeMethod = "method_not_allowed"

// statusOf maps an error code to its HTTP status.
var statusOf = map[string]int{
	codeMethod:              http.StatusMethodNotAllowed,
	blueprint.EINVALID:      http.StatusBadRequest,
	blueprint.ENOTFOUND:     http.StatusNotFound,
	blueprint.ECONFLICT:     http.StatusConflict,
	blueprint.EFORBIDDEN:    http.StatusForbidden,
	blueprint.EUNAUTHORIZED: http.StatusUnauthorized,
	blueprint.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	blueprint.EUNAVAILABLE:  http.StatusServiceUnavailable,
	blueprint.ETOOMANY:      http.StatusTooManyRequests,
	blueprint.ELOCKED:       http.StatusLocked,
	blueprint.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for an error.
func ErrorStatus(err error) int {
	if st, ok := statusOf[blueprint.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error the API returns.
type errorBody struct {
	Error jsonError `json:"error"`
}

type jsonError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func toJSONError(err error) *jsonError {
	if err == nil {
		return nil
	}
	return &jsonError{Code: blueprint.ErrorCode(err), Message: blueprint.ErrorMessage(err)}
}

// fail is the one place where an error becomes a response: JSON under /api, an HTML page
// elsewhere. Only internal errors are logged as errors; their cause is never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	err = normalize(err)
	code := blueprint.ErrorCode(err)
	if code == blueprint.EINTERNAL {
		s.log.Error("internal error", "method", r.Method, "route", routeOf(r), "err", err)
	}
	status := ErrorStatus(err)
	setRetryAfter(w, err)
	if wantsJSON(r) {
		writeJSON(w, status, errorBody{Error: *toJSONError(err)})
		return
	}
	l := localizer(r)
	p := s.page(r, l.T("error."+code))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = web.ErrorPage(p, status, l.ErrorMessage(err)).Render(r.Context(), w)
}

// normalize turns errors of the standard library that carry a meaning into coded ones.
func normalize(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return blueprint.Errorf(blueprint.ETOOLARGE, "the body is larger than the limit of %d bytes", tooBig.Limit)
	}
	return err
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
