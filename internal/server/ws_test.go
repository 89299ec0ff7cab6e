package server

import (
	"net/http/httptest"
	"testing"
)

func TestOriginChecker(t *testing.T) {
	check := originChecker([]string{"https://Boards.Example.org/"})
	for _, tc := range []struct {
		name, host, origin string
		want               bool
	}{
		{"NoOrigin", "lastmile.local", "", true},
		{"SameHost", "lastmile.local:8080", "http://lastmile.local:8080", true},
		{"SameHostOtherCase", "Lastmile.Local:8080", "http://lastmile.local:8080", true},
		{"Listed", "lastmile.local", "https://boards.example.org", true},
		{"ListedWrongScheme", "lastmile.local", "http://boards.example.org", false},
		{"OtherHost", "lastmile.local:8080", "http://evil.example:8080", false},
		{"OtherPort", "lastmile.local:8080", "http://lastmile.local:9090", false},
		{"Garbage", "lastmile.local", "::not a url", false},
		{"Null", "lastmile.local", "null", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://"+tc.host+"/boards/b/ws", nil)
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if got := check(r); got != tc.want {
				t.Fatalf("origin %q on host %q: allowed=%v; want %v", tc.origin, tc.host, got, tc.want)
			}
		})
	}
}
