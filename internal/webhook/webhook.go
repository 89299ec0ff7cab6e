// Package webhook holds what outgoing webhooks of a board need apart from storage and
// transport: the signature a receiver checks, and the rule of which addresses a webhook
// may be sent to (no private or loopback address unless the operator allows it, so that
// a board's facilitator cannot make the server call into its own network).
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Headers of a delivery.
const (
	SignatureHeader = "X-Lastmile-Signature" // "sha256=" and the hex HMAC-SHA256 of the signed content
	TimestampHeader = "X-Lastmile-Timestamp" // Unix seconds when the delivery was signed
)

// signed is what the HMAC covers: the timestamp, a dot, and the body. Covering the
// timestamp lets a receiver refuse an old delivery replayed as it was captured: changing
// the timestamp breaks the signature.
func signed(ts int64, body []byte) []byte {
	return append([]byte(strconv.FormatInt(ts, 10)+"."), body...)
}

// Sign returns the value of SignatureHeader for a body sent at ts (Unix seconds).
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(signed(ts, body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ErrSignature is returned by Verify for a delivery whose signature or timestamp is wrong.
var ErrSignature = errors.New("webhook: bad signature or timestamp")

// Verify checks a delivery as a receiver does: the signature of the timestamp and body,
// in constant time, and a timestamp within tolerance of now.
func Verify(secret []byte, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrSignature
	}
	if !hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body))) {
		return ErrSignature
	}
	return nil
}

// MaxURLLen bounds a webhook's address.
const MaxURLLen = 2000

// CheckURL says whether a webhook may be sent to raw: http or https, a host, no user
// information, at most MaxURLLen bytes. Unless allowPrivate, a host written as an
// address must be public (see Public); a host name is checked again at each connection
// by Dialer, since what it resolves to can change.
func CheckURL(raw string, allowPrivate bool) (*url.URL, error) {
	if len(raw) > MaxURLLen {
		return nil, fmt.Errorf("the address is longer than %d bytes", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" {
		return nil, errors.New("the address must be an http or https URL with a host")
	}
	if u.User != nil {
		return nil, errors.New("the address must not hold a user name or password")
	}
	if allowPrivate {
		return u, nil
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return nil, errors.New("the address is not public")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !Public(ip) {
		return nil, errors.New("the address is not public")
	}
	return u, nil
}

// Public reports whether ip is an address of the internet: not loopback, private,
// link-local, unspecified, multicast, carrier-grade NAT, or an IPv4 address written in
// IPv6.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsInterfaceLocalMulticast() && !ip.IsMulticast() &&
		!ip.IsUnspecified() && !cgnat.Contains(ip)
}

// Dialer returns a dialer that refuses, at connection time, any address that is not
// public unless allowPrivate: it checks the address a name resolved to, so that a name
// pointing (or re-pointed) at an internal address is refused too.
func Dialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if allowPrivate {
		return d
	}
	d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !Public(ap.Addr()) {
			return fmt.Errorf("webhook: %s is not a public address", address)
		}
		return nil
	}
	return d
}
