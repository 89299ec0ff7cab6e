package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// TestStructureMarkup checks what the board page gives each role for editing the
// structure in place: editors get the structure controls and the cards' menu buttons;
// viewers get neither, but every reader gets the legend's filter buttons. Hidden lanes
// are left out of the grid.
func TestStructureMarkup(t *testing.T) {
	e := setupAuth(t)
	owner := e.person(t)
	owner.mustSignUp(t, "owner@example.org")
	board := owner.mustBoard(t)
	body, err := json.Marshal([]blueprint.Op{
		createOp(blueprint.TypeTeam, "t-b", blueprint.Fields{Name: str("Billing"), Color: str("#dc2626")}),
		createOp(blueprint.TypeTeam, "t-a", blueprint.Fields{Name: str("Atelier"), Color: str("#0f766e")}),
		cardOp("c-1", "stage-1", "lane-1", "V", "One"),
		createOp(blueprint.TypeLane, "l-time", blueprint.Fields{Role: str("time"), Label: str("Time"), Order: str("z"), Hidden: flg(true)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := owner.do(t, http.MethodPost, "/api/boards/"+board+"/ops", strings.NewReader(string(body)), "Content-Type", "application/json"); r.status != http.StatusOK || strings.Contains(string(r.body), `"error"`) {
		t.Fatalf("POST ops: %v", r)
	}
	viewer := e.person(t)
	viewer.mustJoin(t, owner.mustLink(t, board, url.Values{"role": {"viewer"}}), board, url.Values{"name": {"Vera"}})

	legend := func(t *testing.T, p *person) {
		t.Helper()
		doc := mustPage(t, p.do(t, http.MethodGet, "/boards/"+board+"?lang=fr", nil))
		buttons := doc.Find(`section.legend button[data-team-filter]`)
		if diff := cmp.Diff([]string{"Atelier", "Billing"}, texts(buttons)); diff != "" {
			t.Errorf("legend buttons (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"t-a", "t-b"}, attrs(buttons, "data-team-filter")); diff != "" {
			t.Errorf("legend teams (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"false", "false"}, attrs(buttons, "aria-pressed")); diff != "" {
			t.Errorf("legend aria-pressed (-want +got):\n%s", diff)
		}
		if got := doc.Find(`[data-legend]`).AttrOr("data-other-team", ""); got != "Carte d’une autre équipe" {
			t.Errorf("the legend's text for dimmed cards = %q, want it in French", got)
		}
		if n := doc.Find(`tr.lane[data-role="time"]`).Length(); n != 0 {
			t.Errorf("the hidden lane is in the grid (%d rows)", n)
		}
	}

	t.Run("Editor", func(t *testing.T) {
		legend(t, owner)
		doc := mustPage(t, owner.do(t, http.MethodGet, "/boards/"+board+"?lang=fr", nil))
		ui := doc.Find(`[data-structure-ui]`)
		if ui.Length() != 1 {
			t.Fatalf("%d structure elements, want 1", ui.Length())
		}
		if _, hidden := ui.Attr("hidden"); !hidden {
			t.Errorf("the structure controls show without JavaScript")
		}
		if got := ui.AttrOr("data-confirm-stage-other", ""); got != "Supprimer l’étape « {name} » ? Ses {count} cartes seront supprimées aussi." {
			t.Errorf("the stage confirmation = %q", got)
		}
		boxes := ui.Find(`input[data-optional-role]`)
		if diff := cmp.Diff([]string{"emotion", "time", "metrics", "policies", "pain_points", "opportunities"}, attrs(boxes, "data-optional-role")); diff != "" {
			t.Errorf("optional lanes (-want +got):\n%s", diff)
		}
		if got := doc.Find(`article.board .card button[data-card-menu]`).Length(); got != 1 {
			t.Errorf("%d card menu buttons on the board, want one per card", got)
		}
		if diff := cmp.Diff([]string{"col-stage-1", "col-stage-2", "col-stage-3", "col-stage-4", "col-stage-5"}, attrs(doc.Find(`th.stage`), "id")); diff != "" {
			t.Errorf("stage header ids (-want +got):\n%s", diff)
		}
		help := doc.Find(`[data-testid="editor-help"]`).Text()
		for _, want := range []string{"Sur une carte : choisir son équipe responsable", "Sur une carte : choisir son type"} {
			if !strings.Contains(help, want) {
				t.Errorf("the help lacks %q", want)
			}
		}
		if strings.Contains(help, "editor.") {
			t.Errorf("the help shows a message id: %q", help)
		}
	})

	t.Run("Viewer", func(t *testing.T) {
		legend(t, viewer)
		doc := mustPage(t, viewer.do(t, http.MethodGet, "/boards/"+board, nil))
		for _, sel := range []string{`[data-structure-ui]`, `button[data-card-menu]`, `[data-add-stage]`, `dialog[data-confirm]`} {
			if n := doc.Find(sel).Length(); n != 0 {
				t.Errorf("a viewer gets %d of %s", n, sel)
			}
		}
	})
}
