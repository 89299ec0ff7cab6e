package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"lastmile/internal/auth"
)

// TestMessagesInFrench checks that what the server says to a reader of French pages
// arrives in French, through each way a message leaves it: a form re-rendered with its
// error, the board page after a refused edit, the share link's form, an error page, and
// the nacks and error frames of a websocket opened from a French page. The JSON API keeps
// English. (TestEveryMessageIsTranslated, in internal/i18n, checks that every message has
// a translation; this checks that the translations reach the reader.)
func TestMessagesInFrench(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.do(t, http.MethodGet, "/?lang=fr", nil) // the choice is remembered in a cookie
	owner.mustSignUp(t, "owner@example.org")
	boardID := owner.mustBoard(t)

	t.Run("SignIn", func(t *testing.T) {
		fr, en := e.person(t), e.person(t)
		v := url.Values{"email": {"nobody@example.org"}, "password": {"not the password"}}
		wantError(t, fr.form(t, "/signin?lang=fr", v), http.StatusUnauthorized, "adresse e-mail ou mot de passe erroné")
		wantError(t, en.form(t, "/signin?lang=en", v), http.StatusUnauthorized, "wrong e-mail or password")
	})
	t.Run("SignUp", func(t *testing.T) {
		p := e.person(t)
		r := p.form(t, "/signup?lang=fr", url.Values{"email": {"new@example.org"}, "password": {"short"}})
		wantError(t, r, http.StatusBadRequest,
			fmt.Sprintf("le mot de passe doit faire de %d à %d caractères", auth.MinPasswordLen, auth.MaxPasswordLen))
	})
	t.Run("BoardForm", func(t *testing.T) {
		r := owner.form(t, "/boards/"+boardID+"/cards", url.Values{"stage": {"stage-1"}, "lane": {"lane-1"},
			"text": {strings.Repeat("é", 4001)}})
		wantError(t, r, http.StatusRequestEntityTooLarge, "le champ texte fait 4001 caractères ; la limite est de 4000")
	})
	t.Run("ShareLinkForm", func(t *testing.T) {
		r := owner.form(t, "/boards/"+boardID+"/share", url.Values{"role": {"editor"}, "label": {strings.Repeat("x", 101)}})
		wantError(t, r, http.StatusBadRequest, "le libellé dépasse 100 caractères")
	})
	t.Run("JoinForm", func(t *testing.T) {
		link := owner.mustLink(t, boardID, url.Values{"role": {"viewer"}, "password": {testPassword}})
		guest := e.person(t)
		r := guest.form(t, link+"?lang=fr", url.Values{"password": {"not the password"}})
		wantError(t, r, http.StatusUnauthorized, "le mot de passe de ce lien est erroné")
	})
	t.Run("ErrorPage", func(t *testing.T) {
		r := owner.do(t, http.MethodGet, "/boards/"+boardID+"/share/nolink/revoke", nil)
		doc := mustDoc(t, r)
		if got := doc.Find(`[data-testid="error-message"]`).Text(); r.status != http.StatusMethodNotAllowed ||
			got != "la méthode GET n’est pas acceptée sur /boards/"+boardID+"/share/nolink/revoke" {
			t.Errorf("error page %d %q; want 405 in French", r.status, got)
		}
	})
	t.Run("JSONStaysEnglish", func(t *testing.T) {
		r := owner.do(t, http.MethodPost, "/api/boards/"+boardID+"/ops", strings.NewReader(`[]`),
			"Content-Type", "application/json", "Accept-Language", "fr")
		if want := `"message":"the batch holds no op"`; !strings.Contains(string(r.body), want) {
			t.Errorf("JSON error %v; want %s", r, want)
		}
	})
	t.Run("Websocket", func(t *testing.T) {
		owner.do(t, http.MethodGet, "/boards/"+boardID+"?lang=fr", nil)
		ws, client, status := owner.dialWS(t, boardID)
		if status != http.StatusSwitchingProtocols {
			t.Fatalf("websocket: %d", status)
		}
		wsFrame(t, ws, "welcome")
		send := func(frame string) {
			t.Helper()
			if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
				t.Fatal(err)
			}
		}
		long := strings.Repeat("a", 4001)
		// Refused when read: the op breaks a limit.
		send(fmt.Sprintf(`{"t":"ops","ops":[{"key":"%s:1","op":"update","type":"card","id":"c1","fields":{"text":%q}}]}`, client, long))
		wantFrame(t, wsFrame(t, ws, "nack"), "too_large", "le champ texte fait 4001 caractères ; la limite est de 4000")
		// Refused by the board: the card does not exist.
		send(fmt.Sprintf(`{"t":"ops","ops":[{"key":"%s:2","op":"update","type":"card","id":"nope","fields":{"text":"x"}}]}`, client))
		wantFrame(t, wsFrame(t, ws, "nack"), "not_found", "élément introuvable : carte « nope » (il a peut-être été supprimé)")
		// Error frames, one quoting a coded error of the domain.
		send(`{"t":"presence"} {}`)
		wantFrame(t, wsFrame(t, ws, "error"), "protocol", "trame mal formée : JSON mal formé : données inattendues après la valeur")
		send(`{"t":"bogus"}`)
		wantFrame(t, wsFrame(t, ws, "error"), "protocol", "type de trame « bogus » inconnu")
	})
	t.Run("WebsocketRole", func(t *testing.T) {
		link := owner.mustLink(t, boardID, url.Values{"role": {"viewer"}})
		viewer := e.person(t)
		viewer.do(t, http.MethodGet, "/?lang=fr", nil)
		viewer.mustJoin(t, link, boardID, nil)
		ws, client, status := viewer.dialWS(t, boardID)
		if status != http.StatusSwitchingProtocols {
			t.Fatalf("websocket: %d", status)
		}
		wsFrame(t, ws, "welcome")
		op := fmt.Sprintf(`{"t":"ops","ops":[{"key":"%s:1","op":"update","type":"card","id":"c1","fields":{"text":"x"}}]}`, client)
		if err := ws.WriteMessage(websocket.TextMessage, []byte(op)); err != nil {
			t.Fatal(err)
		}
		wantFrame(t, wsFrame(t, ws, "nack"), "forbidden", "votre rôle sur ce tableau (lecteur) ne permet pas de le modifier")
	})
}

// wantError checks that a page came back with status and the message at its top.
func wantError(t *testing.T, r response, status int, message string) {
	t.Helper()
	got := mustDoc(t, r).Find(`[data-testid="error"]`).Text()
	if r.status != status || got != message {
		t.Errorf("got %d with the message %q; want %d with %q", r.status, got, status, message)
	}
}

// wantFrame checks the code and message of a nack or error frame.
func wantFrame(t *testing.T, f map[string]any, code, message string) {
	t.Helper()
	if f["code"] != code || f["message"] != message {
		t.Errorf("frame %v; want code %q and message %q", f, code, message)
	}
}
