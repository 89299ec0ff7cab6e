package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIP checks how the limits per address name a client: the connection's
// address, IPv6 by its /64, and X-Forwarded-For only from a trusted proxy, read from the
// right.
func TestClientIP(t *testing.T) {
	s := &Server{trustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::1/128")}}
	for _, c := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"IPv4", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"IPv6ByItsSlash64", "[2001:db8:1:2:aaaa::1]:5000", nil, "2001:db8:1:2::/64"},
		{"SameSlash64", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:80", nil, "2001:db8:1:2::/64"},
		{"IPv4InIPv6", "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
		{"UntrustedForwardedFor", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"TrustedProxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"RightmostUntrusted", "10.1.2.3:5000", []string{"192.0.2.66, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"SeveralHeaders", "10.1.2.3:5000", []string{"192.0.2.66", "198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"ForwardedIPv6", "[2001:db8:ffff::1]:443", []string{"2001:db8:5:6::77"}, "2001:db8:5:6::/64"},
		{"ForwardedWithPort", "10.1.2.3:5000", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"NoHeader", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"OnlyProxies", "10.1.2.3:5000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"Garbage", "10.1.2.3:5000", []string{"198.51.100.1, nonsense, 10.0.0.2"}, "10.0.0.2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/signin", nil)
			r.RemoteAddr = c.remote
			for _, h := range c.forwarded {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := s.clientIP(r); got != c.want {
				t.Errorf("clientIP = %q; want %q", got, c.want)
			}
		})
	}
}
