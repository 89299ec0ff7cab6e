package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// Participant is who opens a websocket on a board.
type Participant struct {
	Name    string
	Role    string
	CanEdit bool
	// CanComment allows comments, markers and +1s (annotation ops).
	CanComment bool
	// By is the caller's identity, stamped on their annotations ("u:<user id>" or
	// "g:<guest digest>"); "" without a session (the connection's client id is used).
	By string
	// Moderator may delete others' comments and markers (a facilitator).
	Moderator bool
	// GrantID is the share link the role comes from, "" otherwise: revoking the link
	// closes the connection.
	GrantID string
	// UserID is the caller's account, "" for a guest: removing the member or changing
	// their role closes the connection.
	UserID string
	// Open is set when the role comes from the board being unlisted (open to whoever has
	// its address): claiming or deleting the board closes the connection.
	Open bool
	// AuthorizedAt is the storage's time when the caller's role was read (auth.Access.At);
	// zero without accounts.
	AuthorizedAt time.Time
	// Localize gives the message of an error in the caller's language, the language of
	// the page that opened the websocket, for its nack and error frames.
	Localize func(error) string
}

// handleWebsocket serves GET /boards/{id}/ws: it checks that the board exists, that the
// caller may view it (authorize and allow ran before) and that the request comes from an
// allowed origin, upgrades, and hands the connection over with the caller's role; a role
// that may not edit gets its ops refused. The
// protocol is in docs/protocol.md.
func (s *Server) handleWebsocket(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "boardID")
	if !blueprint.ValidID(id) {
		s.fail(w, r, blueprint.Errorf(blueprint.ENOTFOUND, "board not found"))
		return
	}
	if !s.upgrader.CheckOrigin(r) {
		s.fail(w, r, blueprint.Errorf(blueprint.EFORBIDDEN, "websocket connections from origin %q are not allowed", r.Header.Get("Origin")))
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an error already
	}
	acc := accessFrom(r)
	sess := sessionFrom(r)
	name := sess.Name()
	if name == "" {
		name = r.URL.Query().Get("name")
	}
	var userID string
	if sess != nil {
		userID = sess.UserID
	}
	by, moderator := person(r)
	s.live(ws, id, Participant{Name: name, Role: string(acc.Role), CanEdit: auth.Can(acc.Role, auth.Edit),
		CanComment: auth.Can(acc.Role, auth.Comment), By: by, Moderator: moderator, GrantID: acc.GrantID, UserID: userID, Open: acc.Open, AuthorizedAt: acc.At, Localize: localizer(r).ErrorMessage})
}

// originChecker allows requests without an Origin header (not from a browser), from the
// server's own host, and from the listed origins. Everything else is refused.
func originChecker(allowed []string) func(*http.Request) bool {
	norm := make([]string, 0, len(allowed))
	for _, a := range allowed {
		norm = append(norm, strings.TrimRight(strings.ToLower(a), "/"))
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" {
			return false
		}
		if strings.EqualFold(u.Host, r.Host) {
			return true
		}
		return slices.Contains(norm, strings.ToLower(u.Scheme+"://"+u.Host))
	}
}
