package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/webhook"
	"lastmile/web"
)

// newSecretCookie holds the secret of a webhook just made, for the page that shows it once.
const newSecretCookie = "lastmile_new_webhook"

func webhooksPath(boardID string) string { return "/boards/" + boardID + "/webhooks" }

// handleWebhooksPage serves GET /boards/{id}/webhooks: the facilitator's page of the
// board's webhooks with their latest deliveries, and the secret of one just made.
func (s *Server) handleWebhooksPage(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	var secret string
	if c, err := r.Cookie(newSecretCookie); err == nil && len(c.Value) < 100 {
		http.SetCookie(w, &http.Cookie{Name: newSecretCookie, Value: "", Path: webhooksPath(b.ID), MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
		secret = c.Value
	}
	hooks, err := s.webhooks.ListWebhooks(r.Context(), b.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]web.WebhookRow, len(hooks))
	for i, h := range hooks {
		d, err := s.webhooks.WebhookDeliveries(r.Context(), b.ID, h.ID, 10)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows[i] = web.WebhookRow{Hook: h, Deliveries: d}
	}
	render(w, r, http.StatusOK, web.Webhooks(s.page(r, localizer(r).T("webhooks.title")), b, rows, secret))
}

// handleCreateWebhookForm serves POST /boards/{id}/webhooks, then shows the secret once.
func (s *Server) handleCreateWebhookForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := chi.URLParam(r, "boardID")
	if _, err := webhook.CheckURL(r.PostForm.Get("url"), s.allowPrivateWebhooks); err != nil {
		s.fail(w, r, errWebhookURL)
		return
	}
	_, secret, err := s.createWebhook(r, r.PostForm.Get("url"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: newSecretCookie, Value: secret, Path: webhooksPath(id), MaxAge: 300,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, webhooksPath(id), http.StatusSeeOther)
}

// handleWebhookVerbForm serves POST /boards/{id}/webhooks/{webhookID}/test and …/delete.
func (s *Server) handleWebhookVerbForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	boardID, id := chi.URLParam(r, "boardID"), chi.URLParam(r, "webhookID")
	var err error
	if chi.URLParam(r, "verb") == "delete" {
		err = s.webhooks.DeleteWebhook(r.Context(), boardID, id)
	} else {
		body, _ := json.Marshal(map[string]any{"event": "test", "board": boardID, "webhook": id, "at": time.Now().UTC()})
		err = s.webhooks.QueueWebhookEvent(r.Context(), boardID, id, webhook.Event{Name: "test", Body: body})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, webhooksPath(boardID), http.StatusSeeOther)
}
