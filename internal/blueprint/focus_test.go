package blueprint

import "testing"

func TestFocus(t *testing.T) {
	b := NewBoard("b", "T", TemplateServiceBlueprint)
	_, ops, err := TemplateOps(TemplateServiceBlueprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if err := b.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	stage, lane, hidden := b.SortedStages()[0].ID, b.SortedLanes()[0].ID, b.SortedLanes()[1].ID
	b.Lanes[hidden].Hidden = true
	for _, tc := range []struct {
		name  string
		focus Focus
		code  string // "" when the board has it
	}{
		{"None", Focus{}, ""},
		{"Stage", Focus{Kind: FocusStage, ID: stage}, ""},
		{"Lane", Focus{Kind: FocusLane, ID: lane}, ""},
		{"NoSuchStage", Focus{Kind: FocusStage, ID: "nope"}, ENOTFOUND},
		{"LaneAsStage", Focus{Kind: FocusStage, ID: lane}, ENOTFOUND},
		{"NoSuchLane", Focus{Kind: FocusLane, ID: stage}, ENOTFOUND},
		{"HiddenLane", Focus{Kind: FocusLane, ID: hidden}, EINVALID},
		{"Card", Focus{Kind: "card", ID: "c"}, EINVALID},
		{"KindOnly", Focus{Kind: FocusStage}, EINVALID},
		{"IDOnly", Focus{ID: stage}, EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.focus.Validate()
			if err == nil {
				err = tc.focus.On(b)
			}
			if got := ErrorCode(err); got != tc.code {
				t.Fatalf("focus %+v: %v; want code %q", tc.focus, err, tc.code)
			}
		})
	}
}
