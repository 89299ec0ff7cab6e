package blueprint_test

import (
	"testing"

	"lastmile/internal/blueprint"
)

func TestBoardClone(t *testing.T) {
	b := blueprint.NewBoard("b1", "Title", blueprint.TemplateServiceBlueprint)
	_, ops, err := blueprint.TemplateOps(blueprint.TemplateServiceBlueprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if err := b.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	before, err := blueprint.MarshalBoard(b)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Clone()
	copied, _ := blueprint.MarshalBoard(c)
	if string(copied) != string(before) {
		t.Fatalf("the clone differs:\n%s\n%s", copied, before)
	}
	for _, l := range c.Lanes {
		l.Label = "changed"
	}
	for id := range c.Stages {
		delete(c.Stages, id)
	}
	c.Title = "changed"
	after, _ := blueprint.MarshalBoard(b)
	if string(after) != string(before) {
		t.Fatal("changing the clone changed the original")
	}
}
