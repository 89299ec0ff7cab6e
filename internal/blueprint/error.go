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
	ELOCKED       = "locked"       // a facilitator's lock on the board forbids the change
	EINTERNAL     = "internal"     // a bug or an infrastructure failure
)

// Error is the one coded error of lastmile. Message is safe to show to the person who
// caused it; the wrapped error (if any) is for logs only.
//
// Message is in English. Format and Args are what Errorf made it from, so that the
// server can say the message again in the reader's language: its translation of Format,
// filled with Args, where an Arg that is itself an *Error is said again the same way and
// a Term is named in that language. An Error built as a literal has no Format: its
// Message is then translated whole.
type Error struct {
	Code    string
	Message string
	Err     error
	Format  string
	Args    []any
}

// Term is a word of lastmile's vocabulary given as an argument of a message — an entity
// type ("card"), a field ("text"), a role ("editor") — which another language names in
// its own words. In English it is the word itself.
type Term string

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a coded error with a formatted message. format is a constant string:
// it is the key under which the message's translations are found, and a test checks that
// every format has them. An argument that is an *Error reads as its message (not as
// Error(), which starts with the code), so that a message can quote the reason of
// another: Errorf(code, "op %d (%s): %s", i, what, err).
func Errorf(code, format string, args ...any) *Error {
	shown := make([]any, len(args))
	for i, a := range args {
		if e, ok := a.(*Error); ok {
			a = e.Message
		}
		shown[i] = a
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, shown...), Format: format, Args: args}
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
