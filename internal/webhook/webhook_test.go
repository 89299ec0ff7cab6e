package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"lastmile/internal/webhook"
)

func TestSignVerify(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"event":"ops"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhook.Sign(secret, now.Unix(), body)
	if err := webhook.Verify(secret, sig, ts, body, now, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		secret  string
		sig, ts string
		body    string
		now     time.Time
	}{
		"OtherSecret": {"other", sig, ts, string(body), now},
		"OtherBody":   {"s3cret", sig, ts, `{"event":"opz"}`, now},
		"OtherTime":   {"s3cret", sig, strconv.FormatInt(now.Unix()+1, 10), string(body), now},
		"Replayed":    {"s3cret", sig, ts, string(body), now.Add(6 * time.Minute)},
		"NoTime":      {"s3cret", sig, "", string(body), now},
	} {
		if err := webhook.Verify([]byte(c.secret), c.sig, c.ts, []byte(c.body), c.now, 5*time.Minute); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, raw := range []string{"https://hooks.example.com/x?y=1", "http://93.184.216.34:8080/h"} {
		if _, err := webhook.CheckURL(raw, false); err != nil {
			t.Errorf("%s: %v", raw, err)
		}
	}
	for _, raw := range []string{"ftp://example.com/", "https://", "http://user:pw@example.com/", "javascript:alert(1)",
		"http://127.0.0.1/", "http://localhost:8080/", "http://[::1]/", "http://10.1.2.3/", "http://192.168.1.1/",
		"http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://100.64.0.1/", "http://[fe80::1]/"} {
		if _, err := webhook.CheckURL(raw, false); err == nil {
			t.Errorf("%s: allowed", raw)
		}
	}
	if _, err := webhook.CheckURL("http://127.0.0.1:9/", true); err != nil {
		t.Errorf("allowed private: %v", err)
	}
	if webhook.Public(netip.MustParseAddr("::ffff:10.0.0.1")) {
		t.Error("a mapped private address is public")
	}
}

// TestDialerRefusesPrivate connects to a server on 127.0.0.1 through a name: refused
// unless private addresses are allowed.
func TestDialerRefusesPrivate(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	for _, allow := range []bool{false, true} {
		c := &http.Client{Transport: &http.Transport{DialContext: webhook.Dialer(allow).DialContext}}
		res, err := c.Get(ts.URL)
		if err == nil {
			res.Body.Close()
		}
		if (err == nil) != allow {
			t.Errorf("allowPrivate %v: %v", allow, err)
		}
		c.CloseIdleConnections()
	}
}
