package blueprint_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// mustTemplate builds a board from the named template.
func mustTemplate(t *testing.T, name string, tr blueprint.Translate) *blueprint.Board {
	t.Helper()
	title, ops, err := blueprint.TemplateOps(name, tr)
	if err != nil {
		t.Fatalf("TemplateOps(%q): %v", name, err)
	}
	b := blueprint.NewBoard("b1", title, name)
	mustApply(t, b, ops...)
	return b
}

func stageNames(b *blueprint.Board) []string {
	var out []string
	for _, s := range b.SortedStages() {
		out = append(out, s.Name)
	}
	return out
}

func laneRoles(b *blueprint.Board) []blueprint.LaneRole {
	var out []blueprint.LaneRole
	for _, l := range b.SortedLanes() {
		out = append(out, l.Role)
	}
	return out
}

func teamNames(b *blueprint.Board) []string {
	var out []string
	for _, tm := range b.SortedTeams() {
		out = append(out, tm.Name)
	}
	return out
}

func TestTemplates(t *testing.T) {
	if len(blueprint.Templates) == 0 {
		t.Fatal("no templates")
	}
	for _, name := range blueprint.Templates {
		t.Run(name, func(t *testing.T) {
			if !blueprint.ValidTemplate(name) {
				t.Errorf("ValidTemplate(%q) = false", name)
			}
			title, ops, err := blueprint.TemplateOps(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if title == "" {
				t.Errorf("empty title")
			}
			for i, op := range ops {
				if err := op.Validate(); err != nil {
					t.Errorf("op %d (%s %s): %v", i, op.Type, op.ID, err)
				}
			}
			b := blueprint.NewBoard("b1", title, name)
			mustApply(t, b, ops...)
			checkIntegrity(t, b)
			if name != blueprint.TemplateBlank && (len(b.Stages) == 0 || len(b.Lanes) == 0) {
				t.Errorf("%d stages and %d lanes, want some of each", len(b.Stages), len(b.Lanes))
			}
			// Every name is set, and the board survives an export round trip.
			for _, s := range b.Stages {
				if s.Name == "" {
					t.Errorf("stage %s has no name", s.ID)
				}
			}
			for _, l := range b.Lanes {
				if l.Label == "" {
					t.Errorf("lane %s has no label", l.ID)
				}
			}
			e, err := blueprint.DecodeExport(exportJSON(t, b))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Board(); err != nil {
				t.Errorf("export of the template does not import: %v", err)
			}
		})
	}

	t.Run("Deterministic", func(t *testing.T) {
		for _, name := range blueprint.Templates {
			a, b := mustTemplate(t, name, nil), mustTemplate(t, name, nil)
			if diff := cmp.Diff(string(exportJSON(t, a)), string(exportJSON(t, b))); diff != "" {
				t.Errorf("%s: two builds differ:\n%s", name, diff)
			}
		}
	})

	t.Run("ServiceBlueprint", func(t *testing.T) {
		b := mustTemplate(t, blueprint.TemplateServiceBlueprint, nil)
		want := []blueprint.LaneRole{blueprint.RolePhysicalEvidence, blueprint.RoleCustomerActions,
			blueprint.RoleFrontstage, blueprint.RoleBackstage, blueprint.RoleSupport}
		if diff := cmp.Diff(want, laneRoles(b)); diff != "" {
			t.Errorf("lane roles (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(blueprint.LaneRoles[:5], want); diff != "" {
			t.Errorf("the five canonical roles are not first in LaneRoles (-got +want):\n%s", diff)
		}
		var lines []string
		for _, l := range b.Lines() {
			lines = append(lines, l.Name)
		}
		if diff := cmp.Diff([]string{"interaction", "visibility", "internal_interaction"}, lines); diff != "" {
			t.Errorf("lines (-want +got):\n%s", diff)
		}
		if b.Title != "Service blueprint" {
			t.Errorf("title = %q", b.Title)
		}
	})

	t.Run("JourneyMap", func(t *testing.T) {
		b := mustTemplate(t, blueprint.TemplateJourneyMap, nil)
		if !slices.Contains(laneRoles(b), blueprint.RoleEmotion) {
			t.Errorf("lane roles %v have no emotion lane", laneRoles(b))
		}
		if len(b.Stages) < 3 {
			t.Errorf("%d stages, want a journey of several", len(b.Stages))
		}
	})

	t.Run("SalesCycle", func(t *testing.T) {
		b := mustTemplate(t, blueprint.TemplateSalesCycle, nil)
		stages := stageNames(b)
		if len(stages) < 2 || stages[0] != "First contact" || stages[len(stages)-1] != "Onboarding" {
			t.Errorf("stages = %q, want first contact to onboarding", stages)
		}
		if diff := cmp.Diff([]string{"Customer success", "Marketing", "Sales"}, teamNames(b)); diff != "" {
			t.Errorf("teams (-want +got):\n%s", diff)
		}
		for _, tm := range b.Teams {
			if tm.Color == "" {
				t.Errorf("team %s has no colour", tm.ID)
			}
		}
	})

	t.Run("Blank", func(t *testing.T) {
		b := mustTemplate(t, blueprint.TemplateBlank, nil)
		if n := len(b.Stages) + len(b.Lanes) + len(b.Cards) + len(b.Teams) + len(b.Links); n != 0 {
			t.Errorf("blank board holds %d entities", n)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, name := range []string{"", "kanban", "Service-Blueprint", "service-blueprint ", strings.Repeat("x", 500)} {
			title, ops, err := blueprint.TemplateOps(name, nil)
			wantErr(t, err, blueprint.EINVALID, "unknown template")
			if title != "" || ops != nil {
				t.Errorf("TemplateOps(%q) = %q, %d ops alongside an error", name, title, len(ops))
			}
			if blueprint.ValidTemplate(name) {
				t.Errorf("ValidTemplate(%q) = true", name)
			}
		}
		_, _, err := blueprint.TemplateOps("kanban", nil)
		wantErr(t, err, blueprint.EINVALID, `"kanban"`)
	})

	t.Run("Translate", func(t *testing.T) {
		var ids []string
		tr := func(id, fallback string) string {
			ids = append(ids, id)
			return "FR:" + fallback
		}
		for _, name := range blueprint.Templates {
			ids = nil
			b := mustTemplate(t, name, tr)
			if !strings.HasPrefix(b.Title, "FR:") {
				t.Errorf("%s: title %q not translated", name, b.Title)
			}
			for _, s := range b.Stages {
				if !strings.HasPrefix(s.Name, "FR:") {
					t.Errorf("%s: stage %s name %q not translated", name, s.ID, s.Name)
				}
			}
			for _, l := range b.Lanes {
				if !strings.HasPrefix(l.Label, "FR:") {
					t.Errorf("%s: lane %s label %q not translated", name, l.ID, l.Label)
				}
			}
			for _, tm := range b.Teams {
				if !strings.HasPrefix(tm.Name, "FR:") {
					t.Errorf("%s: team %s name %q not translated", name, tm.ID, tm.Name)
				}
			}
			if want := 1 + len(b.Stages) + len(b.Lanes) + len(b.Teams); len(ids) != want {
				t.Errorf("%s: Translate called %d times, want %d", name, len(ids), want)
			}
			for _, id := range ids {
				if id == "" {
					t.Errorf("%s: Translate called with an empty message id", name)
				}
			}
		}
		b := mustTemplate(t, blueprint.TemplateServiceBlueprint, tr)
		if diff := cmp.Diff([]string{"FR:Discover", "FR:Order", "FR:Receive", "FR:Use", "FR:Get help"}, stageNames(b)); diff != "" {
			t.Errorf("stage names (-want +got):\n%s", diff)
		}
	})
}
