package blueprint_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// document returns a board's document as JSON: its export without annotations, id,
// template and seq.
func document(t *testing.T, b *blueprint.Board) string {
	t.Helper()
	e := b.Export()
	e.ID, e.Template, e.Seq, e.Comments, e.Markers = "", "", 0, nil, nil // a template is fixed at creation
	data, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// changedTemplate returns templateBoard with every kind of change made to it: fields set
// and cleared, a card moved to a new stage, a stage deleted with its card, a team
// deleted, a link's ends changed, framing set.
func changedTemplate(t *testing.T) *blueprint.Board {
	t.Helper()
	b := templateBoard(t)
	mustApply(t, b,
		create(blueprint.TypeStage, "s-new", blueprint.Fields{Name: str("Nouveau"), Order: str("z"), Entered: num(40), Completed: num(12)}),
		update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s-new"), Text: str("Autre"), Team: str(""), ActiveMinutes: num(5),
			ActiveMax: num(9), Evidence: str("observed"), Manual: flg(true), Milestone: str("value_moment"), Emotion: num(-1), Detail: str("d")}),
		update(blueprint.TypeCard, "c2", blueprint.Fields{Kind: str("system"), Lane: str("lane-2")}),
		update(blueprint.TypeLink, "k1", blueprint.Fields{Holder: str("Ana"), Critical: flg(true), Status: str("agreed"),
			Risk: &blueprint.Acceptance{By: "Ana", Reason: "ok", On: "2026-01-02"}, AckFrom: &blueprint.Ack{By: "Bo", On: "2026-01-03"}}),
		del(blueprint.TypeLink, "k2"),
		create(blueprint.TypeLink, "k2", blueprint.Fields{From: str("c2"), To: str("c1"), Kind: str("dependency")}),
		del(blueprint.TypeTeam, "team-success"),
		del(blueprint.TypeStage, "stage-2"),
		update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("Renamed"), LaunchCandidate: flg(true), Problem: str("p"),
			DailyUsers: &[]string{"Ana"}, LaunchDate: str("2026-02-01")}),
	)
	return b
}

func TestRestoreOps(t *testing.T) {
	t.Parallel()
	boards := map[string]func(t *testing.T) *blueprint.Board{
		"empty":    func(*testing.T) *blueprint.Board { return blueprint.NewBoard("b1", "", blueprint.TemplateBlank) },
		"template": func(t *testing.T) *blueprint.Board { return templateBoard(t) },
		"changed":  changedTemplate,
		"fixture":  fixture,
		"rich":     richBoard,
	}
	for curName, curFn := range boards {
		for targetName, targetFn := range boards {
			t.Run(curName+"→"+targetName, func(t *testing.T) {
				cur, target := curFn(t), targetFn(t)
				before, _ := json.Marshal(cur.Annotations)
				ops := blueprint.RestoreOps(cur, target)
				if curName == targetName && len(ops) != 0 {
					t.Fatalf("restoring the same board makes %d ops: %+v", len(ops), ops)
				}
				b := cur.Clone()
				for i, op := range ops {
					if err := op.Validate(); err != nil {
						t.Fatalf("op %d %s %s %s: %v", i, op.Action, op.Type, op.ID, err)
					}
					if err := b.Commit(op, fuzzPeople[0]); err != nil {
						t.Fatalf("op %d %s %s %s: %v", i, op.Action, op.Type, op.ID, err)
					}
					if err := boardInvariants(b); err != nil {
						t.Fatalf("op %d %+v broke the board: %v", i, op, err)
					}
				}
				if diff := cmp.Diff(document(t, target), document(t, b)); diff != "" {
					t.Errorf("restored board differs from the target (-want +got):\n%s", diff)
				}
				if after, _ := json.Marshal(b.Annotations); string(after) != string(before) {
					t.Errorf("annotations changed by the restore")
				}
				checkIntegrity(t, b)
			})
		}
	}
}
