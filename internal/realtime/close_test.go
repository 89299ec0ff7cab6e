package realtime

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"lastmile/internal/protocol"
)

// A close frame's reason is cut to the 123 bytes a close frame holds, between two
// characters.
func TestCloseMessage(t *testing.T) {
	for _, text := range []string{"", "short", strings.Repeat("a", 123), strings.Repeat("a", 124),
		strings.Repeat("é", 100), "a" + strings.Repeat("€", 60), "bad \xff utf-8"} {
		msg := closeMessage(websocket.ClosePolicyViolation, text)
		code, reason := int(msg[0])<<8|int(msg[1]), string(msg[2:])
		if code != websocket.ClosePolicyViolation || len(reason) > maxCloseReason || !utf8.ValidString(reason) ||
			!strings.HasPrefix(strings.ToValidUTF8(text, ""), reason) {
			t.Errorf("closeMessage(1008, %q) = %d %q; want 1008 and the start of the text, valid UTF-8, at most %d bytes",
				text, code, reason, maxCloseReason)
		}
		if len(text) <= maxCloseReason && utf8.ValidString(text) && reason != text {
			t.Errorf("closeMessage(1008, %q) cut a short reason to %q", text, reason)
		}
	}
}

// The protocol's close codes are the websocket's (RFC 6455) of the same meaning.
func TestCloseCodes(t *testing.T) {
	for _, c := range []struct {
		name              string
		protocol, gorilla int
	}{
		{"normal", protocol.CloseNormal, websocket.CloseNormalClosure},
		{"policy", protocol.ClosePolicy, websocket.ClosePolicyViolation},
		{"too big", protocol.CloseTooBig, websocket.CloseMessageTooBig},
		{"internal", protocol.CloseInternal, websocket.CloseInternalServerErr},
		{"restart", protocol.CloseRestart, websocket.CloseServiceRestart},
		{"try again later", protocol.CloseTryAgainLater, websocket.CloseTryAgainLater},
	} {
		if c.protocol != c.gorilla {
			t.Errorf("close code %s: protocol says %d, the websocket library %d", c.name, c.protocol, c.gorilla)
		}
	}
}
