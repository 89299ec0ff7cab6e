package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"lastmile/internal/blueprint"
)

// Hook is an outgoing webhook of a board. Secret signs its deliveries; it is shown once,
// when the hook is made.
type Hook struct {
	ID        string    `json:"id"`
	BoardID   string    `json:"board"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	Cursor    int64     `json:"-"`
	Readiness string    `json:"-"`
}

// Delivery is one event to send to a hook, with its attempts.
type Delivery struct {
	ID        int64     `json:"id"`
	HookID    string    `json:"webhook"`
	Event     string    `json:"event"`
	Body      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	State     string    `json:"state"` // pending, delivered or failed
	Attempts  []Attempt `json:"attempts"`
	URL       string    `json:"-"`
	Secret    string    `json:"-"`
	Tries     int       `json:"-"`
}

// Attempt is one try of a delivery: the receiver's status, 0 when it was not reached.
type Attempt struct {
	At     time.Time `json:"at"`
	Status int       `json:"status"`
	Error  string    `json:"error,omitempty"`
}

// Event is what the outbox is filled with: an event of a hook and its JSON body.
type Event struct {
	Name string
	Body []byte
}

// Store keeps hooks and their outbox. The Postgres store is one.
type Store interface {
	// Fill turns the ops of each hook's board after its cursor into events (made by
	// events), and writes them with the new cursor and readiness in one transaction.
	Fill(ctx context.Context, events func(h *Hook, ops []blueprint.Committed) ([]Event, string, error)) error
	// Due returns up to n pending deliveries whose next try is due, and reserves them
	// until their try is recorded.
	Due(ctx context.Context, n int) ([]*Delivery, error)
	// Record stores a try of a delivery: delivered, or next tried at next (failed when
	// next is zero).
	Record(ctx context.Context, d *Delivery, a Attempt, delivered bool, next time.Time) error
}

// Boards gives the worker the board and its log to compute readiness.
type Boards interface {
	FindBoard(ctx context.Context, id string) (*blueprint.Board, error)
	OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]blueprint.Committed, error)
}

// Worker fills the outbox from the op log and sends what is due, with retries.
type Worker struct {
	Store  Store
	Boards Boards
	Log    *slog.Logger
	Client *http.Client // built with Dialer(AllowPrivate) when nil
	// AllowPrivate lets hooks reach private and loopback addresses (LASTMILE_WEBHOOKS_PRIVATE).
	AllowPrivate bool
	Poll         time.Duration // how often to look; 1 s by default
	Backoff      time.Duration // the wait after the first failure, doubled each time; 10 s by default
	MaxBackoff   time.Duration // 1 h by default
	MaxAttempts  int           // 10 by default; then the delivery is failed
	Wake         <-chan struct{}
}

// Run works until ctx ends. It recovers from a panic of one round and goes on.
func (w *Worker) Run(ctx context.Context) {
	if w.Client == nil {
		w.Client = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: Dialer(w.AllowPrivate).DialContext},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	defer w.Client.CloseIdleConnections()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		w.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.Wake:
		}
	}
}

func (w *Worker) round(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			w.Log.Error("webhook worker panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	if err := w.Store.Fill(ctx, w.events); err != nil && ctx.Err() == nil {
		w.Log.Warn("filling the webhook outbox", "err", err)
	}
	due, err := w.Store.Due(ctx, 20)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Warn("reading due webhook deliveries", "err", err)
		}
		return
	}
	for _, d := range due {
		w.send(ctx, d)
	}
}

// events turns a batch of committed ops into the events of a hook: one "ops" event for
// the batch, one "comment" event per new comment, and a "readiness" event when the
// board's overall readiness level changed (computed once per batch: changes made in
// quick succession make one event).
func (w *Worker) events(h *Hook, ops []blueprint.Committed) ([]Event, string, error) {
	var out []Event
	body, _ := json.Marshal(map[string]any{"event": "ops", "board": h.BoardID, "ops": ops})
	out = append(out, Event{"ops", body})
	for _, c := range ops {
		if c.Op.Type == blueprint.TypeComment && c.Op.Action == blueprint.ActionCreate {
			body, _ := json.Marshal(map[string]any{"event": "comment", "board": h.BoardID, "seq": c.Seq, "author": c.Author, "comment": c.Op})
			out = append(out, Event{"comment", body})
		}
	}
	level := h.Readiness
	ctx := context.Background()
	b, err := w.Boards.FindBoard(ctx, h.BoardID)
	if err != nil {
		return nil, "", err
	}
	log, err := w.Boards.OpsSince(ctx, h.BoardID, 0, 1<<30)
	if err != nil {
		return nil, "", err
	}
	if now := string(blueprint.Analyze(b, log, time.Now()).Readiness.Level); now != level {
		if level != "" {
			body, _ := json.Marshal(map[string]any{"event": "readiness", "board": h.BoardID, "seq": b.Seq, "from": level, "to": now})
			out = append(out, Event{"readiness", body})
		}
		level = now
	}
	return out, level, nil
}

// send tries a delivery once and records the try.
func (w *Worker) send(ctx context.Context, d *Delivery) {
	a := Attempt{At: time.Now()}
	err := w.post(ctx, d, &a)
	if err != nil {
		a.Error = err.Error()
	}
	delivered := err == nil && a.Status >= 200 && a.Status < 300
	var next time.Time
	if !delivered && d.Tries+1 < cmpOr(w.MaxAttempts, 10) {
		next = a.At.Add(w.backoff(d.Tries))
	}
	if err := w.Store.Record(context.WithoutCancel(ctx), d, a, delivered, next); err != nil {
		w.Log.Warn("recording a webhook delivery", "delivery", d.ID, "err", err)
	}
}

// backoff is the wait after the tries-th failure: Backoff doubled each time, at most MaxBackoff.
func (w *Worker) backoff(tries int) time.Duration {
	b, ceil := cmpOr(w.Backoff, 10*time.Second), cmpOr(w.MaxBackoff, time.Hour)
	for range tries {
		if b *= 2; b >= ceil {
			return ceil
		}
	}
	return min(b, ceil)
}

func (w *Worker) post(ctx context.Context, d *Delivery, a *Attempt) error {
	if _, err := CheckURL(d.URL, w.AllowPrivate); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return err
	}
	ts := a.At.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lastmile-webhook")
	req.Header.Set("X-Lastmile-Event", d.Event)
	req.Header.Set("X-Lastmile-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign([]byte(d.Secret), ts, d.Body))
	res, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("the receiver could not be reached")
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	a.Status = res.StatusCode
	return nil
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}
