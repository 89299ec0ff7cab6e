package realtime

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"lastmile/internal/blueprint"
)

// frameCodes are the codes decodeFrame may refuse a frame with.
var frameCodes = []string{codeProtocol, codeVersion, blueprint.EINVALID, blueprint.ETOOLARGE}

func TestDecodeFrame(t *testing.T) {
	const op = `{"key":"c1:1","op":"update","type":"card","id":"x","fields":{"text":"t"}}`
	for _, tc := range []struct {
		name, frame string
		code        string // "" when the frame is read
	}{
		{"Hello", `{"t":"hello","v":1,"client":"c1","seq":4,"name":"Ana"}`, ""},
		{"HelloWithNulls", `{"t":"hello","v":1,"client":"c1","seq":null,"name":null}`, ""},
		{"Ops", `{"t":"ops","ops":[` + op + `]}`, ""},
		{"Presence", `{"t":"presence","cursor":{"x":1,"y":2},"editing":"c-1"}`, ""},
		{"PresenceWithNothing", `{"t":"presence"}`, ""}, // refreshes a soft lock

		{"NotJSON", `{`, codeProtocol},
		{"NotUTF8", "{\"t\":\"hello\xff\"}", codeProtocol},
		{"Trailing", `{"t":"presence"} {}`, codeProtocol},
		{"UnknownField", `{"t":"presence","x":1}`, codeProtocol},
		{"KeyTwice", `{"t":"presence","t":"hello","v":1,"client":"c1"}`, codeProtocol},
		{"KeyTwiceInAnotherCase", `{"t":"ops","T":"presence","ops":[` + op + `]}`, codeProtocol},
		{"KeyTwiceInAnOp", `{"t":"ops","ops":[{"key":"c1:1","op":"update","op":"delete","type":"card","id":"x"}]}`, codeProtocol},
		{"NoType", `{"cursor":{"x":1,"y":2}}`, codeProtocol},
		{"EmptyType", `{"t":""}`, codeProtocol},
		{"UnknownType", `{"t":"peers"}`, codeProtocol},
		{"FieldOfAnotherType", `{"t":"presence","ops":[` + op + `]}`, codeProtocol},
		{"HelloWithCursor", `{"t":"hello","v":1,"client":"c1","cursor":{"x":1,"y":1}}`, codeProtocol},
		{"HelloOtherVersion", `{"t":"hello","v":2,"client":"c1"}`, codeVersion},
		{"HelloNoVersion", `{"t":"hello","client":"c1"}`, codeVersion},
		{"HelloNoClient", `{"t":"hello","v":1}`, codeProtocol},
		{"HelloBadClient", `{"t":"hello","v":1,"client":"a b"}`, codeProtocol},
		{"OpsNull", `{"t":"ops","ops":null}`, blueprint.EINVALID},
		{"OpsEmpty", `{"t":"ops","ops":[]}`, blueprint.EINVALID},
		{"OpsMissing", `{"t":"ops"}`, blueprint.EINVALID},
		{"OpsNotAnArray", `{"t":"ops","ops":{}}`, blueprint.EINVALID},
		{"OpsTooMany", `{"t":"ops","ops":[` + strings.Repeat(op+",", blueprint.MaxOpsPerBatch) + op + `]}`, blueprint.ETOOLARGE},
		{"EditingNotAnID", `{"t":"presence","editing":"a b"}`, blueprint.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := decodeFrame([]byte(tc.frame))
			if got := blueprint.ErrorCode(err); got != tc.code {
				t.Fatalf("decodeFrame(%s) = %+v, %v; want code %q", tc.frame, f, err, tc.code)
			}
			if err != nil && blueprint.ErrorMessage(err) == "" {
				t.Fatalf("decodeFrame(%s): %v has no message", tc.frame, err)
			}
		})
	}
}

// FuzzDecodeFrame: any bytes are a frame of a known type holding only its own, valid,
// fields, or are refused with a coded error that has a message; nothing panics.
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"t":"hello","v":1,"client":"k3j5q2m7x4a6b2c9","name":"Ana","seq":41}`,
		`{"t":"hello","v":1,"client":"c","seq":-1}`,
		`{"t":"ops","ops":[{"key":"c:1","op":"create","type":"card","id":"c-9","fields":{"stage":"s","lane":"l","order":"V","text":"Appeler"}}]}`,
		`{"t":"ops","ops":[{"key":"c:2","op":"delete","type":"link","id":"k1"},{"key":"c:3","op":"update","type":"board","id":"b","fields":{"title":"«»"}}]}`,
		`{"t":"presence","cursor":{"x":412.5,"y":88},"editing":"c-12"}`,
		`{"t":"presence","cursor":{"x":-1,"y":-1},"editing":""}`,
		`{"t":"presence"}`,
		`{"t":"ops","ops":null}`,
		`{"t":"ops","ops":[]}`,
		`{"t":"hello","t":"ops"}`,
		`{"t":"ops","\u0074":"hello"}`,
		`{"t":"hello","v":2,"client":"c"}`,
		`{"t":"presence","ops":[]}`,
		`{"t":"nope"}`,
		`{}`,
		`[]`,
		`null`,
		"{\"t\":\"\xff\"}",
		`{"t":"presence"} trailing`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFrame(data)
		if err != nil {
			var coded *blueprint.Error
			if !errors.As(err, &coded) || !slices.Contains(frameCodes, coded.Code) || coded.Message == "" {
				t.Fatalf("decodeFrame(%q) refused with %#v; want a coded error of %v with a message", data, err, frameCodes)
			}
			return
		}
		allowed, known := frameFields[fr.T]
		if !known {
			t.Fatalf("decodeFrame(%q) read a frame of unknown type %q", data, fr.T)
		}
		for _, name := range fr.present() {
			if !slices.Contains(allowed, name) {
				t.Fatalf("decodeFrame(%q) read a %s frame with the field %q", data, fr.T, name)
			}
		}
		switch fr.T {
		case frameHello:
			if *fr.V != ProtocolVersion || !blueprint.ValidID(*fr.Client) {
				t.Fatalf("decodeFrame(%q) read a hello of version %d from client %q", data, *fr.V, *fr.Client)
			}
		case frameSubmit:
			if len(fr.ops) == 0 || len(fr.ops) > blueprint.MaxOpsPerBatch {
				t.Fatalf("decodeFrame(%q) read %d ops", data, len(fr.ops))
			}
		case framePresence:
			if fr.Editing != nil && *fr.Editing != "" && !blueprint.ValidID(*fr.Editing) {
				t.Fatalf("decodeFrame(%q) read editing %q", data, *fr.Editing)
			}
		}
	})
}

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
