package blueprint

import (
	"errors"
	"fmt"
)

// Error codes. Each names a class of failure that the server maps to an HTTP status,
// an HTML page, a JSON body or a websocket error frame in one place.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the entity does not exist (or no longer does)
	ECONFLICT     = "conflict"     // the input is valid but clashes with current state
	EFORBIDDEN    = "forbidden"    // the caller is known but not allowed
	EUNAUTHORIZED = "unauthorized" // the caller is not known
	ETOOLARGE     = "too_large"    // the input exceeds a documented size limit
	EUNAVAILABLE  = "unavailable"  // the service is draining or overloaded; try again
	ETOOMANY      = "too_many"     // the caller tried too often; wait before trying again
	EINTERNAL     = "internal"     // a bug or an infrastructure failure
)

// Error is the one coded error of lastmile. Message is safe to show to the person who
// caused it; the wrapped error (if any) is for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a coded error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure; its message never reveals the cause.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// ErrorCode returns the code of a coded error, EINTERNAL for any other non-nil error,
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of a coded error, or "internal error".
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
