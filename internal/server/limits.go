package server

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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

// errHashBusy answers a request whose password could not be hashed in time: the hashes
// sent before it from its client, then a slot of the gate, took longer than hashWait.
var errHashBusy = retryLater(blueprint.Errorf(blueprint.EUNAVAILABLE,
	"the server is busy checking other passwords: try again in a moment"), hashWait)

// enterGate takes a slot of the gate for a password hash of the request's client, after
// the client's earlier hashes (one at a time per client), or returns errHashBusy (503)
// when that took longer than the gate's wait. Callers take a try per request from a
// limiter keyed by the client address before, and hold it until the hash is done: that
// bounds how many of a client's hashes wait (see auth.Gate).
func (s *Server) enterGate(r *http.Request) (release func(), err error) {
	release, err = s.gate.Enter(r.Context(), s.clientIP(r))
	if err != nil {
		return nil, errHashBusy
	}
	return release, nil
}

// hashPassword hashes a password under the gate that bounds concurrent hashes.
func (s *Server) hashPassword(r *http.Request, pw string) (string, error) {
	release, err := s.enterGate(r)
	if err != nil {
		return "", err
	}
	defer release()
	return s.hasher.Hash(pw), nil
}

// verifyPassword checks a password under the gate that bounds concurrent hashes.
func (s *Server) verifyPassword(r *http.Request, encoded, pw string) (bool, error) {
	release, err := s.enterGate(r)
	if err != nil {
		return false, err
	}
	defer release()
	ok, err := s.hasher.Verify(encoded, pw)
	if err != nil {
		return false, blueprint.Internal(err)
	}
	return ok, nil
}

// reserveTry takes a try from limiter for keys, to be given back with Refund when it
// should not count, or returns refusal (a 429) with when the keys may try again.
func reserveTry(limiter *auth.Limiter, refusal *blueprint.Error, keys ...string) (*auth.Reservation, error) {
	if try, ok := limiter.Reserve(keys...); ok {
		return try, nil
	}
	return nil, retryLater(refusal, limiter.Wait(keys...))
}

// takeTry takes a try from limiter for keys, or returns refusal (a 429) with when the
// keys may try again.
func takeTry(limiter *auth.Limiter, refusal *blueprint.Error, keys ...string) error {
	_, err := reserveTry(limiter, refusal, keys...)
	return err
}

// clientIP names the client of a request for the limits per address: the connection's
// address or, when the connection comes from a trusted proxy (Config.TrustedProxies),
// the rightmost address of X-Forwarded-For that is not itself a trusted proxy. Never the
// leftmost: the client writes what it likes there, and each proxy only appends the
// address it saw. An IPv6 client is named by its /64, since one client holds a whole /64
// and could otherwise take a fresh address, and fresh limits, for each try.
func (s *Server) clientIP(r *http.Request) string {
	ip, ok := parseHop(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if s.trusted(ip) {
		ip = s.forwardedFor(r, ip)
	}
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// forwardedFor returns the client that the trusted proxy at proxy forwarded r for: the
// rightmost address of X-Forwarded-For that is not a trusted proxy, or the leftmost of
// the trusted ones when all are. An entry that is not an address ends the walk, leaving
// the last trusted address before it.
func (s *Server) forwardedFor(r *http.Request, proxy netip.Addr) netip.Addr {
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := proxy
	for i := len(hops) - 1; i >= 0; i-- {
		ip, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = ip
		if !s.trusted(ip) {
			break
		}
	}
	return client
}

// trusted says whether ip is one of the trusted proxies.
func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHop parses an address as found in RemoteAddr or X-Forwarded-For, with or without
// a port; an IPv4 address written as IPv6 is taken as IPv4, and a zone is dropped.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	ip, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		ip = ap.Addr()
	}
	return ip.Unmap().WithZone(""), true
}
