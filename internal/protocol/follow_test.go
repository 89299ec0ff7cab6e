package protocol

import (
	"testing"

	"lastmile/internal/blueprint"
)

// exampleBoPerson is Bo's opaque person id in the example frames.
const exampleBoPerson = "n5zgk4tfoq2gk3dz"

// addFollowFrames adds the example frames of following, summoning and the focus to
// frames: Ana spotlights the first stage; Bo follows Ana, whose page then shares its
// view; Ana brings everyone to her view.
func addFollowFrames(frames map[string]any) {
	view := View{X: 812.5, Y: 240, Zoom: 0.8}
	frames["client-facilitate.focus"] = Facilitate{T: TypeFacilitate, Focus: &blueprint.Focus{Kind: blueprint.FocusStage, ID: "stage-1"}}
	frames["server-facilitation.focus"] = FacilitationFrame{T: TypeFacilitation, Now: exampleAt, Facilitation: blueprint.Facilitation{
		Seq: 5, Lock: blueprint.LockStructure, Focus: blueprint.Focus{Kind: blueprint.FocusStage, ID: "stage-1"}}}
	frames["client-follow"] = Follow{T: TypeFollow, Conn: exampleBo}
	frames["client-view"] = ViewFrame{T: TypeView, View: view}
	frames["server-view"] = ViewFrame{T: TypeView, Conn: exampleBo, View: view}
	frames["client-summon"] = Summon{T: TypeSummon, View: view}
	frames["server-summon"] = Summon{T: TypeSummon, Conn: exampleConn, Name: "Ana", View: view}
	frames["server-peers.following"] = Peers{T: TypePeers, Peers: []Peer{{Conn: exampleBo, Name: "Bo", Role: "editor",
		Person: exampleBoPerson, Following: exampleConn}}}
}

// followFrameTypes make a new value of the type of each example frame of addFollowFrames.
var followFrameTypes = map[string]func() any{
	"client-facilitate.focus":   func() any { return new(Facilitate) },
	"server-facilitation.focus": func() any { return new(FacilitationFrame) },
	"client-follow":             func() any { return new(Follow) },
	"client-view":               func() any { return new(ViewFrame) },
	"server-view":               func() any { return new(ViewFrame) },
	"client-summon":             func() any { return new(Summon) },
	"server-summon":             func() any { return new(Summon) },
	"server-peers.following":    func() any { return new(Peers) },
}

func TestDecodeFollowFrames(t *testing.T) {
	for _, tc := range []struct {
		name, frame string
		code        string // "" when the frame is read
	}{
		{"Focus", `{"t":"facilitate","focus":{"kind":"stage","id":"s-1"}}`, ""},
		{"FocusLane", `{"t":"facilitate","focus":{"kind":"lane","id":"l-1"}}`, ""},
		{"FocusNone", `{"t":"facilitate","focus":{}}`, ""},
		{"Follow", `{"t":"follow","conn":"mfrgg2lbnrqw4zlb"}`, ""},
		{"FollowStop", `{"t":"follow","conn":""}`, ""},
		{"View", `{"t":"view","view":{"x":12.5,"y":-3,"zoom":0.8}}`, ""},
		{"Summon", `{"t":"summon","view":{"x":0,"y":0,"zoom":2}}`, ""},

		{"FocusNull", `{"t":"facilitate","focus":null}`, blueprint.EINVALID},
		{"FocusAndLock", `{"t":"facilitate","focus":{},"lock":""}`, blueprint.EINVALID},
		{"FocusKindOnly", `{"t":"facilitate","focus":{"kind":"stage"}}`, blueprint.EINVALID},
		{"FocusIDOnly", `{"t":"facilitate","focus":{"id":"s-1"}}`, blueprint.EINVALID},
		{"FocusOfACard", `{"t":"facilitate","focus":{"kind":"card","id":"c-1"}}`, blueprint.EINVALID},
		{"FocusBadID", `{"t":"facilitate","focus":{"kind":"lane","id":"a b"}}`, blueprint.EINVALID},
		{"FocusUnknownField", `{"t":"facilitate","focus":{"kind":"lane","id":"l","x":1}}`, CodeProtocol},
		{"FollowNoConn", `{"t":"follow"}`, blueprint.EINVALID},
		{"FollowBadConn", `{"t":"follow","conn":"../x"}`, blueprint.EINVALID},
		{"FollowLongConn", `{"t":"follow","conn":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`, blueprint.EINVALID},
		{"FollowWithView", `{"t":"follow","conn":"a","view":{"x":0,"y":0,"zoom":1}}`, CodeProtocol},
		{"ViewMissing", `{"t":"view"}`, blueprint.EINVALID},
		{"ViewNoZoom", `{"t":"view","view":{"x":1,"y":1}}`, blueprint.EINVALID},
		{"ViewZoomTooSmall", `{"t":"view","view":{"x":1,"y":1,"zoom":0.05}}`, blueprint.EINVALID},
		{"ViewZoomTooLarge", `{"t":"view","view":{"x":1,"y":1,"zoom":2.5}}`, blueprint.EINVALID},
		{"ViewFarAway", `{"t":"view","view":{"x":1e8,"y":1,"zoom":1}}`, blueprint.EINVALID},
		{"ViewNotANumber", `{"t":"view","view":{"x":"1","y":1,"zoom":1}}`, CodeProtocol},
		{"ViewHuge", `{"t":"view","view":{"x":1e400,"y":1,"zoom":1}}`, CodeProtocol},
		{"ViewWithConn", `{"t":"view","conn":"a","view":{"x":1,"y":1,"zoom":1}}`, CodeProtocol},
		{"SummonMissing", `{"t":"summon"}`, blueprint.EINVALID},
		{"SummonWithName", `{"t":"summon","name":"Ana","view":{"x":1,"y":1,"zoom":1}}`, CodeProtocol},
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

// The vocabulary's view bounds are the package's.
func TestVocabularyView(t *testing.T) {
	if v := Vocabulary().View; v.MinZoom != MinZoom || v.MaxZoom != MaxZoom || v.Coord != MaxViewCoord {
		t.Fatalf("Vocabulary().View = %+v", v)
	}
}
