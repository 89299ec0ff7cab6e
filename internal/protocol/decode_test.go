package protocol

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"lastmile/internal/blueprint"
)

// frameCodes are the codes DecodeFrame may refuse a frame with.
var frameCodes = []string{CodeProtocol, CodeVersion, blueprint.EINVALID, blueprint.ETOOLARGE}

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

		{"NotJSON", `{`, CodeProtocol},
		{"NotUTF8", "{\"t\":\"hello\xff\"}", CodeProtocol},
		{"Trailing", `{"t":"presence"} {}`, CodeProtocol},
		{"UnknownField", `{"t":"presence","x":1}`, CodeProtocol},
		{"KeyTwice", `{"t":"presence","t":"hello","v":1,"client":"c1"}`, CodeProtocol},
		{"KeyTwiceInAnotherCase", `{"t":"ops","T":"presence","ops":[` + op + `]}`, CodeProtocol},
		{"KeyTwiceInAnOp", `{"t":"ops","ops":[{"key":"c1:1","op":"update","op":"delete","type":"card","id":"x"}]}`, CodeProtocol},
		{"NoType", `{"cursor":{"x":1,"y":2}}`, CodeProtocol},
		{"EmptyType", `{"t":""}`, CodeProtocol},
		{"UnknownType", `{"t":"peers"}`, CodeProtocol},
		{"FieldOfAnotherType", `{"t":"presence","ops":[` + op + `]}`, CodeProtocol},
		{"HelloWithCursor", `{"t":"hello","v":1,"client":"c1","cursor":{"x":1,"y":1}}`, CodeProtocol},
		{"HelloOtherVersion", `{"t":"hello","v":2,"client":"c1"}`, CodeVersion},
		{"HelloNoVersion", `{"t":"hello","client":"c1"}`, CodeVersion},
		{"HelloNoClient", `{"t":"hello","v":1}`, CodeProtocol},
		{"HelloBadClient", `{"t":"hello","v":1,"client":"a b"}`, CodeProtocol},
		{"OpsNull", `{"t":"ops","ops":null}`, blueprint.EINVALID},
		{"OpsEmpty", `{"t":"ops","ops":[]}`, blueprint.EINVALID},
		{"OpsMissing", `{"t":"ops"}`, blueprint.EINVALID},
		{"OpsNotAnArray", `{"t":"ops","ops":{}}`, blueprint.EINVALID},
		{"OpsTooMany", `{"t":"ops","ops":[` + strings.Repeat(op+",", blueprint.MaxOpsPerBatch) + op + `]}`, blueprint.ETOOLARGE},
		{"EditingNotAnID", `{"t":"presence","editing":"a b"}`, blueprint.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := DecodeFrame([]byte(tc.frame))
			if got := blueprint.ErrorCode(err); got != tc.code {
				t.Fatalf("DecodeFrame(%s) = %+v, %v; want code %q", tc.frame, f, err, tc.code)
			}
			if err != nil && blueprint.ErrorMessage(err) == "" {
				t.Fatalf("DecodeFrame(%s): %v has no message", tc.frame, err)
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
		`{"t":"facilitate","lock":"structure"}`,
		`{"t":"facilitate","lock":""}`,
		`{"t":"facilitate","lock":"all"}`,
		`{"t":"facilitate"}`,
		`{"t":"facilitate","lock":"board","editing":"c-1"}`,
		`{"t":"facilitate","timer":{"action":"start","minutes":5}}`,
		`{"t":"facilitate","timer":{"action":"start","minutes":0}}`,
		`{"t":"facilitate","timer":{"action":"pause"}}`,
		`{"t":"facilitate","timer":{"action":"add","minutes":1}}`,
		`{"t":"facilitate","timer":{"action":"lap"}}`,
		`{"t":"facilitate","lock":"","timer":{"action":"stop"}}`,
		`{"t":"facilitate","vote":{"action":"open","on":"cards","per_person":3,"multiple":true,"minutes":5}}`,
		`{"t":"facilitate","vote":{"action":"open","on":"both","per_person":21}}`,
		`{"t":"facilitate","vote":{"action":"reopen","id":"v-1"}}`,
		`{"t":"facilitate","vote":{"action":"close","id":"v-1"}}`,
		`{"t":"facilitate","vote":{"action":"discard"}}`,
		`{"t":"vote","item":"c-1","delta":1}`,
		`{"t":"vote","item":"c-1","delta":2}`,
		`{"t":"vote","item":"../x","delta":-1}`,
		`{"t":"vote","delta":1}`,
		`{"t":"facilitate","private":"reveal"}`,
		`{"t":"facilitate","private":"maybe"}`,
		`{"t":"draft","draft":{"action":"add","id":"c-1","stage":"s","lane":"l","text":"Idée"}}`,
		`{"t":"draft","draft":{"action":"edit","id":"c-1","stage":"s","text":"x"}}`,
		`{"t":"draft","draft":{"action":"delete","id":"c-1"}}`,
		`{"t":"draft","draft":{"action":"add","id":"c-1","stage":"s","lane":"l","text":"  "}}`,
		`{"t":"draft"}`,
		`{"t":"facilitate","close":{"name":"After workshop 1"}}`,
		`{"t":"facilitate","close":{"name":"  "}}`,
		`{"t":"facilitate","close":{}}`,
		`{"t":"facilitate","focus":{"kind":"stage","id":"stage-1"}}`,
		`{"t":"facilitate","focus":{}}`,
		`{"t":"facilitate","focus":{"kind":"card","id":"c"}}`,
		`{"t":"follow","conn":"mfrgg2lbnrqw4zlb"}`,
		`{"t":"follow","conn":""}`,
		`{"t":"view","view":{"x":812.5,"y":240,"zoom":0.8}}`,
		`{"t":"view","view":{"x":1e9,"y":0,"zoom":1}}`,
		`{"t":"summon","view":{"x":-4,"y":3e-2,"zoom":0.1}}`,
		`{"t":"summon","view":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeFrame(data)
		if err != nil {
			var coded *blueprint.Error
			if !errors.As(err, &coded) || !slices.Contains(frameCodes, coded.Code) || coded.Message == "" {
				t.Fatalf("DecodeFrame(%q) refused with %#v; want a coded error of %v with a message", data, err, frameCodes)
			}
			return
		}
		allowed, known := frameFields[fr.T]
		if !known {
			t.Fatalf("DecodeFrame(%q) read a frame of unknown type %q", data, fr.T)
		}
		for _, name := range fr.present() {
			if !slices.Contains(allowed, name) {
				t.Fatalf("DecodeFrame(%q) read a %s frame with the field %q", data, fr.T, name)
			}
		}
		switch fr.T {
		case TypeHello:
			if *fr.V != Version || !blueprint.ValidID(*fr.Client) {
				t.Fatalf("DecodeFrame(%q) read a hello of version %d from client %q", data, *fr.V, *fr.Client)
			}
		case TypeSubmit:
			if len(fr.Ops) == 0 || len(fr.Ops) > blueprint.MaxOpsPerBatch {
				t.Fatalf("DecodeFrame(%q) read %d ops", data, len(fr.Ops))
			}
		case TypePresence:
			if fr.Editing != nil && *fr.Editing != "" && !blueprint.ValidID(*fr.Editing) {
				t.Fatalf("DecodeFrame(%q) read editing %q", data, *fr.Editing)
			}
		case TypeVote:
			if fr.Item == nil || !blueprint.ValidID(*fr.Item) || fr.Delta == nil || (*fr.Delta != 1 && *fr.Delta != -1) {
				t.Fatalf("DecodeFrame(%q) read a vote without an item or a delta of 1 or -1", data)
			}
		case TypeDraft:
			if fr.Draft == nil || fr.Draft.Check() != nil {
				t.Fatalf("DecodeFrame(%q) read a draft frame whose change does not check", data)
			}
		case TypeFollow:
			if fr.Conn == nil || (*fr.Conn != "" && !blueprint.ValidID(*fr.Conn)) {
				t.Fatalf("DecodeFrame(%q) read a follow frame of conn %v", data, fr.Conn)
			}
		case TypeView, TypeSummon:
			if fr.View == nil || fr.View.Validate() != nil {
				t.Fatalf("DecodeFrame(%q) read a %s frame of view %+v", data, fr.T, fr.View)
			}
		case TypeFacilitate:
			n := 0
			for _, set := range []bool{fr.Lock != nil, fr.Timer != nil, fr.Vote != nil, fr.Private != nil, fr.Close != nil, fr.Focus != nil} {
				if set {
					n++
				}
			}
			switch {
			case n != 1:
				t.Fatalf("DecodeFrame(%q) read a facilitate frame without exactly one change", data)
			case fr.Focus != nil && fr.Focus.Validate() != nil:
				t.Fatalf("DecodeFrame(%q) read a focus %+v", data, *fr.Focus)
			case fr.Lock != nil && !blueprint.ValidLock(*fr.Lock):
				t.Fatalf("DecodeFrame(%q) read a facilitate frame without a valid lock", data)
			case fr.Timer != nil && !slices.Contains(blueprint.TimerActions, fr.Timer.Action):
				t.Fatalf("DecodeFrame(%q) read a timer's action %q", data, fr.Timer.Action)
			case fr.Timer != nil && fr.Timer.Minutes != nil && (*fr.Timer.Minutes < blueprint.MinTimerMinutes || *fr.Timer.Minutes > blueprint.MaxTimerMinutes):
				t.Fatalf("DecodeFrame(%q) read a timer of %d minutes", data, *fr.Timer.Minutes)
			case fr.Private != nil && !slices.Contains(blueprint.PrivateActions, *fr.Private):
				t.Fatalf("DecodeFrame(%q) read private mode's action %q", data, *fr.Private)
			case fr.Vote != nil && fr.Vote.Check() != nil:
				t.Fatalf("DecodeFrame(%q) read a vote's change that does not check: %v", data, fr.Vote.Check())
			}
		}
	})
}
