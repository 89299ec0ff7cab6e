package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// Bounds on what a visitor may make the server do, beyond the password limiter's.
const (
	// hashWait is how long a password hash waits for a free slot of the gate before the
	// request is refused with 503.
	hashWait = 2 * time.Second
	// signUpBurst sign-ups may come from one address at once (a workshop behind one
	// router), then one per signUpEvery.
	signUpBurst = 20
	signUpEvery = time.Minute
	// createBurst boards may be made from one address at once, then one per createEvery.
	createBurst = 30
	createEvery = 20 * time.Second
)

// retryError is a coded error that tells the client when to try again: fail sends it as
// Retry-After.
type retryError struct {
	err   *blueprint.Error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryLater returns err with the time after which trying again may succeed.
func retryLater(err *blueprint.Error, after time.Duration) error {
	return &retryError{err: err, after: after}
}

// setRetryAfter sets Retry-After, in whole seconds rounded up, for an error that says
// when to try again.
func setRetryAfter(w http.ResponseWriter, err error) {
	var re *retryError
	if errors.As(err, &re) && re.after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((re.after+time.Second-1)/time.Second)))
	}
}

// errHashBusy answers a request whose password could not be hashed in time because the
// gate was full.
var errHashBusy = retryLater(blueprint.Errorf(blueprint.EUNAVAILABLE,
	"the server is busy checking other passwords: try again in a moment"), hashWait)

// hashPassword hashes a password under the gate that bounds concurrent hashes.
func (s *Server) hashPassword(ctx context.Context, pw string) (string, error) {
	release, ok := s.gate.Enter(ctx)
	if !ok {
		return "", errHashBusy
	}
	defer release()
	return s.hasher.Hash(pw), nil
}

// verifyPassword checks a password under the gate that bounds concurrent hashes.
func (s *Server) verifyPassword(ctx context.Context, encoded, pw string) (bool, error) {
	release, ok := s.gate.Enter(ctx)
	if !ok {
		return false, errHashBusy
	}
	defer release()
	ok, err := s.hasher.Verify(encoded, pw)
	if err != nil {
		return false, blueprint.Internal(err)
	}
	return ok, nil
}

// takeTry takes a try from limiter for keys, or returns refusal (a 429) with when the
// keys may try again.
func takeTry(limiter *auth.Limiter, refusal *blueprint.Error, keys ...string) error {
	if limiter.Take(keys...) {
		return nil
	}
	return retryLater(refusal, limiter.Wait(keys...))
}
