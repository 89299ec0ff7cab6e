package blueprint

import "testing"

func TestFacilitationRefuse(t *testing.T) {
	for _, tc := range []struct {
		lock   string
		typ    string
		locked bool
	}{
		{LockNone, TypeStage, false},
		{LockNone, TypeCard, false},
		{LockStructure, TypeStage, true},
		{LockStructure, TypeLane, true},
		{LockStructure, TypeCard, false},
		{LockStructure, TypeBoard, false},
		{LockStructure, TypeLink, false},
		{LockStructure, TypeComment, false},
		{LockBoard, TypeStage, true},
		{LockBoard, TypeCard, true},
		{LockBoard, TypeTeam, true},
		{LockBoard, TypeBoard, true},
		{LockBoard, TypeComment, false},
		{LockBoard, TypeMarker, false},
		{LockBoard, TypePlusOne, false},
	} {
		f := Facilitation{Lock: tc.lock}
		err := f.Refuse(Op{Action: ActionUpdate, Type: tc.typ, ID: "x"})
		if got := err != nil; got != tc.locked {
			t.Errorf("lock %q, %s op: refused=%v (%v); want %v", tc.lock, tc.typ, got, err, tc.locked)
		}
		if err != nil && ErrorCode(err) != ELOCKED {
			t.Errorf("lock %q, %s op: code %s; want %s", tc.lock, tc.typ, ErrorCode(err), ELOCKED)
		}
	}
}
