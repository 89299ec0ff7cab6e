package server

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// handleLivez serves GET /livez: the process is up.
func (s *Server) handleLivez(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// notReadyReason is what /readyz says when a dependency fails. The cause (a database
// address, a driver's message) goes to the log only: the endpoint answers anyone.
const notReadyReason = "a dependency is unavailable: see the server's log"

// handleReadyz serves GET /readyz: the database answers, the schema is migrated and the
// server is not draining.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.ready(ctx)
	s.noteReadiness(err)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": notReadyReason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// noteReadiness logs the cause when the server stops being ready, or when the cause
// changes, and once when it is ready again: a probe every few seconds does not repeat it.
func (s *Server) noteReadiness(err error) {
	cause := ""
	if err != nil {
		cause = err.Error()
	}
	s.readiness.mu.Lock()
	last := s.readiness.cause
	s.readiness.cause = cause
	s.readiness.mu.Unlock()
	switch {
	case cause == last:
	case cause != "":
		s.log.Warn("not ready", "err", cause)
	default:
		s.log.Info("ready again")
	}
}

// readiness is the cause /readyz last reported, "" when it was ready.
type readiness struct {
	mu    sync.Mutex
	cause string
}
