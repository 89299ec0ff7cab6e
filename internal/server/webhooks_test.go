package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lastmile/internal/server"
	"lastmile/internal/webhook"
)

// delivery is what the test receiver got.
type delivery struct {
	id, event string
	status    int
}

// TestWebhooks runs a real server and its worker against a receiver on 127.0.0.1 (which
// the operator setting allows): each delivery is signed, a delivery answered 500 is tried
// again, the delivery log shows both attempts, and test, ops and comment events arrive.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	e := setupAuth(t, func(c *server.Config) { c.AllowPrivateWebhooks = true })
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)

	var mu sync.Mutex
	var secret []byte
	failed := map[string]bool{}
	got := make(chan delivery, 100)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), r.Header.Get(webhook.TimestampHeader), body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("delivery %s: %v", r.Header.Get("X-Lastmile-Delivery"), err)
		}
		d := delivery{id: r.Header.Get("X-Lastmile-Delivery"), event: r.Header.Get("X-Lastmile-Event"), status: http.StatusOK}
		if d.event == "ops" && !failed["ops"] {
			failed["ops"] = true
			d.status = http.StatusInternalServerError
		}
		w.WriteHeader(d.status)
		got <- d
	}))
	t.Cleanup(recv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &webhook.Worker{Store: e.store, Boards: e.store, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		AllowPrivate: true, Poll: 20 * time.Millisecond, Backoff: 10 * time.Millisecond}
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; w.Client.CloseIdleConnections() })

	r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/webhooks", strings.NewReader(`{"url":"`+recv.URL+`/hook"}`), "Content-Type", "application/json")
	var hook struct{ ID, URL, Secret string }
	if r.status != http.StatusCreated || json.Unmarshal(r.body, &hook) != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("POST webhooks: %v", r)
	}
	mu.Lock()
	secret = []byte(hook.Secret)
	mu.Unlock()
	if r := owner.do(t, http.MethodGet, "/api/boards/"+board+"/webhooks", nil); r.status != http.StatusOK ||
		!strings.Contains(string(r.body), hook.ID) || strings.Contains(string(r.body), hook.Secret) {
		t.Fatalf("GET webhooks: %v", r)
	}
	wait := func(event string) delivery {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case d := <-got:
				if d.event == event {
					return d
				}
			case <-timeout:
				t.Fatalf("no %s delivery", event)
			}
		}
	}

	if r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/webhooks/"+hook.ID+"/test", nil); r.status != http.StatusAccepted {
		t.Fatalf("send test: %v", r)
	}
	wait("test")

	ops, _ := json.Marshal([]any{titleOp(board, "hook-1", "Heard by the hook")})
	if r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/ops", strings.NewReader(string(ops)), "Content-Type", "application/json"); r.status != http.StatusOK {
		t.Fatalf("ops: %v", r)
	}
	first := wait("ops")
	retry := wait("ops")
	if first.status != http.StatusInternalServerError || retry.status != http.StatusOK || retry.id != first.id {
		t.Fatalf("ops deliveries %+v then %+v, want the same delivery answered 500 then 200", first, retry)
	}

	var exp struct{ Stages, Lanes []struct{ ID string } }
	if r := owner.do(t, http.MethodGet, "/api/boards/"+board, nil); json.Unmarshal(r.body, &exp) != nil || len(exp.Stages) == 0 || len(exp.Lanes) == 0 {
		t.Fatalf("board: %v", r)
	}
	if r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/comments", strings.NewReader(`{"anchor":{"stage":"`+exp.Stages[0].ID+`"},"text":"for the ticket tool"}`),
		"Content-Type", "application/json"); r.status != http.StatusCreated {
		t.Fatalf("comment: %v", r)
	}
	wait("comment")

	// A blocking marker makes the board red: one readiness event says from what to what.
	var before struct{ Readiness struct{ Level string } }
	if r := owner.do(t, http.MethodGet, "/api/boards/"+board+"/analysis", nil); json.Unmarshal(r.body, &before) != nil || before.Readiness.Level == "red" {
		t.Fatalf("analysis before the marker: %v", r)
	}
	if r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/markers", strings.NewReader(`{"anchor":{"stage":"`+exp.Stages[0].ID+`","lane":"`+exp.Lanes[0].ID+`"},"severity":"blocking","kind":"manual","text":"paper form"}`),
		"Content-Type", "application/json"); r.status != http.StatusCreated {
		t.Fatalf("marker: %v", r)
	}
	wait("readiness")

	r = owner.do(t, http.MethodGet, "/api/boards/"+board+"/webhooks/"+hook.ID+"/deliveries", nil)
	var log struct {
		Deliveries []struct {
			ID       int64
			Event    string
			State    string
			Attempts []struct{ Status int }
		}
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &log) != nil {
		t.Fatalf("deliveries: %v", r)
	}
	found := false
	for _, d := range log.Deliveries {
		if d.Event == "ops" && d.State == "delivered" && len(d.Attempts) == 2 && d.Attempts[0].Status == 500 && d.Attempts[1].Status == 200 {
			found = true
		}
	}
	if !found {
		t.Errorf("the log does not show the ops delivery tried twice: %s", r.body)
	}

	stranger := e.person(t)
	stranger.mustSignUp(t, "stranger@example.org")
	if r := stranger.do(t, http.MethodGet, "/api/boards/"+board+"/webhooks", nil); r.status != http.StatusForbidden {
		t.Errorf("a stranger lists the webhooks: %v", r)
	}
	if r := owner.do(t, http.MethodDelete, "/api/boards/"+board+"/webhooks/"+hook.ID, nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %v", r)
	}
}

// TestWebhookAddresses checks that without the operator setting a webhook to a loopback,
// private or link-local address, or of another scheme, is refused.
func TestWebhookAddresses(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	for _, u := range []string{"http://127.0.0.1:8080/h", "http://localhost/h", "http://169.254.169.254/", "http://10.0.0.1/", "file:///etc/passwd", "http://u:p@example.com/"} {
		r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/webhooks", strings.NewReader(`{"url":"`+u+`"}`), "Content-Type", "application/json")
		wantAPIError(t, r, http.StatusBadRequest)
	}
	r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/webhooks", strings.NewReader(`{"url":"https://hooks.example.com/x"}`), "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		t.Errorf("a public address: %v", r)
	}
}

// TestWebhooksPage manages webhooks from the facilitator's page, without JavaScript.
func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	page := "/boards/" + board + "/webhooks"
	if r := owner.do(t, http.MethodGet, "/boards/"+board, nil); !strings.Contains(string(r.body), `href="`+page+`"`) {
		t.Errorf("the board page does not link the webhooks page")
	}
	if r := owner.form(t, page, url.Values{"url": {"http://127.0.0.1:9/"}}); r.status != http.StatusBadRequest {
		t.Errorf("a loopback address from the form: %v", r)
	}
	if r := owner.form(t, page, url.Values{"url": {"https://hooks.example.com/x"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add: %v", r)
	}
	r := owner.do(t, http.MethodGet, page, nil)
	m := regexp.MustCompile(`value="(whsec_[A-Za-z0-9_-]+)"`).FindStringSubmatch(string(r.body))
	if r.status != http.StatusOK || m == nil || !strings.Contains(string(r.body), "https://hooks.example.com/x") {
		t.Fatalf("the page shows no new secret: %v", r)
	}
	if again := owner.do(t, http.MethodGet, page, nil); strings.Contains(string(again.body), m[1]) {
		t.Error("the secret is shown a second time")
	}
	var list struct{ Webhooks []struct{ ID string } }
	if r := owner.do(t, http.MethodGet, "/api"+page, nil); json.Unmarshal(r.body, &list) != nil || len(list.Webhooks) != 1 {
		t.Fatalf("webhooks: %v", r)
	}
	id := list.Webhooks[0].ID
	if r := owner.form(t, page+"/"+id+"/test", nil); r.status != http.StatusSeeOther {
		t.Errorf("send test: %v", r)
	}
	if r := owner.do(t, http.MethodGet, "/api"+page+"/"+id+"/deliveries", nil); !strings.Contains(string(r.body), `"event":"test"`) {
		t.Errorf("no test delivery queued: %v", r)
	}
	stranger := e.person(t)
	stranger.mustSignUp(t, "stranger@example.org")
	if r := stranger.do(t, http.MethodGet, page, nil); r.status != http.StatusForbidden {
		t.Errorf("a stranger opens the page: %d", r.status)
	}
	if r := owner.form(t, page+"/"+id+"/delete", nil); r.status != http.StatusSeeOther {
		t.Errorf("delete: %v", r)
	}
	if r := owner.do(t, http.MethodGet, "/api"+page, nil); strings.Contains(string(r.body), id) {
		t.Errorf("the webhook is still listed: %v", r)
	}
}
