package realtime

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// A frame made by textFrame is read by a websocket client as the text message it holds,
// whatever the size of its length (7 bits, 16 bits or 64 bits), several in one write too.
func TestTextFrame(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 300_000}
	payload := func(n int) []byte { return bytes.Repeat([]byte("é"), n/2+n%2)[:n] }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		var all []byte
		for _, n := range sizes {
			all = append(all, textFrame(payload(n))...)
		}
		_, _ = ws.NetConn().Write(all)
		_, _, _ = ws.ReadMessage() // until the client goes
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, n := range sizes {
		typ, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("frame of %d bytes: %v", n, err)
		}
		if typ != websocket.TextMessage || !bytes.Equal(data, payload(n)) {
			t.Fatalf("frame of %d bytes: got type %d, %d bytes", n, typ, len(data))
		}
	}
}
