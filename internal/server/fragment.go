package server

import (
	"net/http"

	"lastmile/web"
)

// handleBoardFragment serves GET /boards/{id}/fragment: the board alone, rendered by the
// same components as the board page, with its team colours. The live page fetches it when
// ops arrive and swaps it in, so that no markup is written twice.
func (s *Server) handleBoardFragment(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	v, err := s.boardView(r, b, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	render(w, r, http.StatusOK, web.BoardFragment(s.page(r, b.Title), v))
}
