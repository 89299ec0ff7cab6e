package blueprint_test

import (
	"bytes"
	"testing"

	"lastmile/internal/blueprint"
)

// The analysis fields go through the export and come back the same; an export made
// before them imports as before (the other export tests), and without them the export
// says nothing of them.
func TestAnalysisFieldsExport(t *testing.T) {
	j := newJourney(t, "One", "Two")
	j.team("t", "Team")
	j.card("c1", "s1", back, "t", "a", blueprint.Fields{ActiveMinutes: num(5), ActiveMax: num(9), WaitMax: num(3), Evidence: str("observed"),
		Manual: flg(true), Milestone: str("first_contact")})
	j.card("c2", "s2", back, "t", "b")
	j.link("k", "c1", "c2", blueprint.Fields{Holder: str("Chloé"), Risk: &blueprint.Acceptance{By: "Dan", Reason: "r", On: "2026-05-05"},
		AckTo: &blueprint.Ack{By: "Eve", On: "2026-05-06"}})
	j.update("stage", "s1", blueprint.Fields{Entered: num(10), Completed: num(4)})
	plain := exportJSON(t, j.b)
	j.update("board", "b1", blueprint.Fields{LaunchCandidate: flg(true), LaunchDate: str("2026-06-01"), DailyUsers: &[]string{"Ana", "Bo"},
		Problem: str("p"), MinimumUseful: str("m"), Deadline: str("2026-06-30"), CheckIn: str("2026-07-01")})
	data := exportJSON(t, j.b)
	e, err := blueprint.DecodeExport(data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Board()
	if err != nil {
		t.Fatal(err)
	}
	if again := exportJSON(t, b); !bytes.Equal(again, data) {
		t.Errorf("export after import:\n%s\nwant\n%s", again, data)
	}
	if bytes.Contains(plain, []byte("framing")) || !bytes.Contains(data, []byte(`"framing":{"launch_candidate":true`)) {
		t.Errorf("framing in the export: %s", data)
	}
	if op, ok := e.FramingOp("other"); !ok || op.ID != "other" || op.Validate() != nil {
		t.Errorf("FramingOp = %+v, %v", op, ok)
	}
	j.update("board", "b1", blueprint.Fields{LaunchCandidate: flg(false), LaunchDate: str(""), DailyUsers: &[]string{}, Problem: str(""),
		MinimumUseful: str(""), Deadline: str(""), CheckIn: str("")})
	if got := exportJSON(t, j.b); !bytes.Equal(got, plain) {
		t.Errorf("a framing cleared is absent from the export: %s", got)
	}
}

func TestAnalysisFieldsValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		op    blueprint.Op
		code  string
		words []string
	}{
		{"a day that does not exist", op("update", "board", "b1", blueprint.Fields{Deadline: str("2026-02-30")}), blueprint.EINVALID, []string{"YYYY-MM-DD"}},
		{"four daily users", op("update", "board", "b1", blueprint.Fields{DailyUsers: &[]string{"a", "b", "c", "d"}}), blueprint.ETOOLARGE, []string{"3"}},
		{"a daily user without a name", op("update", "board", "b1", blueprint.Fields{DailyUsers: &[]string{"a", " "}}), blueprint.EINVALID, []string{"2"}},
		{"a problem too long", op("update", "board", "b1", blueprint.Fields{Problem: str(string(bytes.Repeat([]byte("é"), 501)))}), blueprint.ETOOLARGE, []string{"500"}},
		{"more completed than entered", op("update", "stage", "s1", blueprint.Fields{Entered: num(1), Completed: num(2)}), blueprint.EINVALID, []string{"more people"}},
		{"a negative volume", op("update", "stage", "s1", blueprint.Fields{Entered: num(-1)}), blueprint.EINVALID, []string{"entered"}},
		{"a range upside down", op("update", "card", "c1", blueprint.Fields{WaitMinutes: num(9), WaitMax: num(3)}), blueprint.EINVALID, []string{"longest"}},
		{"an unknown evidence level", op("update", "card", "c1", blueprint.Fields{Evidence: str("sure")}), blueprint.EINVALID, []string{"observed"}},
		{"an unknown milestone", op("update", "card", "c1", blueprint.Fields{Milestone: str("end")}), blueprint.EINVALID, []string{"value_moment"}},
		{"a risk without a reason", op("update", "link", "k", blueprint.Fields{Risk: &blueprint.Acceptance{By: "Dan", On: "2026-05-05"}}), blueprint.EINVALID, []string{"why"}},
		{"an acknowledgement without a day", op("update", "link", "k", blueprint.Fields{AckFrom: &blueprint.Ack{By: "Ana"}}), blueprint.EINVALID, []string{"which day"}},
		{"a holder on two lines", op("update", "link", "k", blueprint.Fields{Holder: str("a\nb")}), blueprint.EINVALID, []string{"one line"}},
		{"a stage has no milestone", op("update", "stage", "s1", blueprint.Fields{Milestone: str("value_moment")}), blueprint.EINVALID, []string{"milestone"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, c.op.Validate(), c.code, c.words...)
		})
	}
}
