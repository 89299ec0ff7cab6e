package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/internal/webhook"
)

// Webhooks keeps the outgoing webhooks of boards; the Postgres store is one. The
// webhook.Worker sends their deliveries.
type Webhooks interface {
	// CreateWebhook stores a board's webhook, with the board's readiness level now (a
	// later change of it is announced). ENOTFOUND for an unknown board.
	CreateWebhook(ctx context.Context, boardID, url, secret, readiness string) (*webhook.Hook, error)
	// ListWebhooks returns a board's webhooks, oldest first.
	ListWebhooks(ctx context.Context, boardID string) ([]*webhook.Hook, error)
	// DeleteWebhook deletes a board's webhook. ENOTFOUND when the board has none of that id.
	DeleteWebhook(ctx context.Context, boardID, id string) error
	// QueueWebhookEvent adds an event to a webhook's outbox. ENOTFOUND as DeleteWebhook.
	QueueWebhookEvent(ctx context.Context, boardID, id string, e webhook.Event) error
	// WebhookDeliveries returns a webhook's latest deliveries with their attempts,
	// newest first. ENOTFOUND as DeleteWebhook.
	WebhookDeliveries(ctx context.Context, boardID, id string, limit int) ([]*webhook.Delivery, error)
}

// errWebhookURL answers an address a webhook may not be sent to.
var errWebhookURL = blueprint.Errorf(blueprint.EINVALID, "a webhook's address must be an http or https URL of a public host, without user name or password")

// webhookJSON is a webhook as the API shows it; its secret only in the answer that made it.
type webhookJSON struct {
	*webhook.Hook
	Secret string `json:"secret,omitempty"`
}

// handleListWebhooks serves GET /api/boards/{id}/webhooks (facilitators).
func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) {
	list, err := s.webhooks.ListWebhooks(r.Context(), chi.URLParam(r, "boardID"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
}

// handleCreateWebhook serves POST /api/boards/{id}/webhooks with {"url": …}: 201 with the
// webhook and its signing secret, shown this once.
func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL string `json:"url"`
	}
	err := readJSON(w, r, MaxFormBody, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := webhook.CheckURL(req.URL, s.allowPrivateWebhooks); err != nil {
		s.fail(w, r, errWebhookURL)
		return
	}
	h, secret, err := s.createWebhook(r, req.URL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, webhookJSON{Hook: h, Secret: secret})
}

// handleDeleteWebhook serves DELETE /api/boards/{id}/webhooks/{webhookID}: 204.
func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.webhooks.DeleteWebhook(r.Context(), chi.URLParam(r, "boardID"), chi.URLParam(r, "webhookID")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleTestWebhook serves POST /api/boards/{id}/webhooks/{webhookID}/test: a "test"
// delivery is queued (202); the delivery log shows how it went.
func (s *Server) handleTestWebhook(w http.ResponseWriter, r *http.Request) {
	boardID, id := chi.URLParam(r, "boardID"), chi.URLParam(r, "webhookID")
	body, _ := json.Marshal(map[string]any{"event": "test", "board": boardID, "webhook": id, "at": time.Now().UTC()})
	if err := s.webhooks.QueueWebhookEvent(r.Context(), boardID, id, webhook.Event{Name: "test", Body: body}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true})
}

// handleWebhookDeliveries serves GET /api/boards/{id}/webhooks/{webhookID}/deliveries:
// the latest 100 deliveries, each with its state and attempts.
func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	list, err := s.webhooks.WebhookDeliveries(r.Context(), chi.URLParam(r, "boardID"), chi.URLParam(r, "webhookID"), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

// createWebhook makes a webhook of the request's board (loaded) to an address already
// checked, with a new signing secret and the board's readiness level now.
func (s *Server) createWebhook(r *http.Request, url string) (*webhook.Hook, string, error) {
	b := boardFrom(r)
	a, err := s.analyze(r.Context(), b)
	if err != nil {
		return nil, "", err
	}
	secret, _ := auth.NewToken()
	secret = "whsec_" + secret
	h, err := s.webhooks.CreateWebhook(r.Context(), b.ID, url, secret, string(a.Readiness.Level))
	return h, secret, err
}
