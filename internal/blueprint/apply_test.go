package blueprint_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
)

func TestApplyCreate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		b := fixture(t)
		mustApply(t, b,
			create(blueprint.TypeTeam, "t3", blueprint.Fields{Name: str("Logistique"), Color: str("#059669")}),
			create(blueprint.TypeStage, "s3", blueprint.Fields{Name: str("Utiliser"), Order: str("k")}),
			create(blueprint.TypeLane, "l3", blueprint.Fields{Role: str("emotion"), Label: str("Émotion"), Order: str("k"), Hidden: flg(true)}),
			create(blueprint.TypeCard, "c5", blueprint.Fields{
				Stage: str("s3"), Lane: str("l3"), Order: str("V"), Text: str("Ravi"), Team: str("t3"), Kind: str("emotion"),
				ActiveMinutes: num(3), WaitMinutes: num(60), Detail: str("Très content"), Emotion: num(2),
			}),
			create(blueprint.TypeLink, "k4", blueprint.Fields{
				Kind: str("dependency"), From: str("c4"), To: str("c5"), Critical: flg(true), Status: str("agreed"), Owner: str("t3"),
			}),
		)
		for _, tt := range []struct {
			name      string
			got, want any
		}{
			{"Team", b.Teams["t3"], &blueprint.Team{ID: "t3", Name: "Logistique", Color: "#059669"}},
			{"Stage", b.Stages["s3"], &blueprint.Stage{ID: "s3", Name: "Utiliser", Order: "k"}},
			{"Lane", b.Lanes["l3"], &blueprint.Lane{ID: "l3", Role: blueprint.RoleEmotion, Label: "Émotion", Order: "k", Hidden: true}},
			{"Card", b.Cards["c5"], &blueprint.Card{ID: "c5", Stage: "s3", Lane: "l3", Order: "V", Text: "Ravi", Team: "t3",
				Kind: "emotion", ActiveMinutes: 3, WaitMinutes: 60, Detail: "Très content", Emotion: 2}},
			{"Link", b.Links["k4"], &blueprint.Link{ID: "k4", Kind: "dependency", From: "c4", To: "c5", Critical: true, Status: "agreed", Owner: "t3"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, tt.got); diff != "" {
					t.Errorf("created %s mismatch (-want +got):\n%s", tt.name, diff)
				}
			})
		}
	})

	t.Run("Defaults", func(t *testing.T) {
		b := fixture(t)
		mustApply(t, b,
			create(blueprint.TypeTeam, "t3", blueprint.Fields{Name: str("Ops")}),
			create(blueprint.TypeStage, "s3", blueprint.Fields{Order: str("k")}),
			create(blueprint.TypeLane, "l3", blueprint.Fields{Role: str("custom"), Order: str("k")}),
			create(blueprint.TypeCard, "c5", blueprint.Fields{Stage: str("s3"), Lane: str("l3"), Order: str("V")}),
			create(blueprint.TypeLink, "k4", blueprint.Fields{From: str("c4"), To: str("c5")}),
		)
		for _, tt := range []struct {
			name      string
			got, want any
		}{
			{"Team", b.Teams["t3"], &blueprint.Team{ID: "t3", Name: "Ops", Color: "#6b7280"}},
			{"Stage", b.Stages["s3"], &blueprint.Stage{ID: "s3", Order: "k"}},
			{"Lane", b.Lanes["l3"], &blueprint.Lane{ID: "l3", Role: blueprint.RoleCustom, Order: "k"}},
			{"Card", b.Cards["c5"], &blueprint.Card{ID: "c5", Stage: "s3", Lane: "l3", Order: "V", Kind: blueprint.KindNote}},
			{"Link", b.Links["k4"], &blueprint.Link{ID: "k4", Kind: blueprint.LinkHandoff, From: "c4", To: "c5", Status: blueprint.StatusOpen}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, tt.got); diff != "" {
					t.Errorf("created %s mismatch (-want +got):\n%s", tt.name, diff)
				}
			})
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		for _, op := range []blueprint.Op{
			create(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("Again")}),
			create(blueprint.TypeStage, "s1", blueprint.Fields{Order: str("k")}),
			create(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("support"), Order: str("k")}),
			create(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Lane: str("l2"), Order: str("k")}),
			create(blueprint.TypeLink, "k1", blueprint.Fields{From: str("c3"), To: str("c4")}),
		} {
			t.Run(op.Type, func(t *testing.T) {
				wantErr(t, fixture(t).Apply(op), blueprint.ECONFLICT, "already exists", op.ID)
			})
		}
	})

	t.Run("ErrInvalidMissingField", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			op   blueprint.Op
			word string
		}{
			{"StageOrder", create(blueprint.TypeStage, "s9", blueprint.Fields{Name: str("x")}), `"order"`},
			{"LaneOrder", create(blueprint.TypeLane, "l9", blueprint.Fields{Role: str("support")}), `"order"`},
			{"LaneRole", create(blueprint.TypeLane, "l9", blueprint.Fields{Order: str("k")}), `"role"`},
			{"CardStage", create(blueprint.TypeCard, "c9", blueprint.Fields{Lane: str("l1"), Order: str("k")}), `"stage"`},
			{"CardLane", create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Order: str("k")}), `"lane"`},
			{"CardOrder", create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l1")}), `"order"`},
			{"TeamName", create(blueprint.TypeTeam, "t9", blueprint.Fields{Color: str("#000000")}), `"name"`},
			{"LinkFrom", create(blueprint.TypeLink, "k9", blueprint.Fields{To: str("c1")}), `"from"`},
			{"LinkTo", create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1")}), `"to"`},
			{"NoFields", create(blueprint.TypeStage, "s9", blueprint.Fields{}), `"order"`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantErr(t, fixture(t).Apply(tt.op), blueprint.EINVALID, "needs", tt.word)
			})
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			op   blueprint.Op
			word string
		}{
			{"LinkToItself", create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1"), To: str("c1")}), "two different cards"},
			{"LinkKindOnCard", create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("k"), Kind: str("handoff")}), "card kind"},
			{"CardKindOnLink", create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1"), To: str("c3"), Kind: str("note")}), "link kind"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantErr(t, fixture(t).Apply(tt.op), blueprint.EINVALID, tt.word)
			})
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			before []blueprint.Op
			op     blueprint.Op
			word   string
		}{
			{"CardMissingStage", nil, create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s9"), Lane: str("l1"), Order: str("k")}), `stage "s9"`},
			{"CardDeletedStage", []blueprint.Op{del(blueprint.TypeStage, "s2")},
				create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s2"), Lane: str("l1"), Order: str("k")}), `stage "s2"`},
			{"CardMissingLane", nil, create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l9"), Order: str("k")}), `lane "l9"`},
			{"CardDeletedLane", []blueprint.Op{del(blueprint.TypeLane, "l1")},
				create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("k")}), `lane "l1"`},
			{"CardMissingTeam", nil, create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("k"), Team: str("t9")}), `team "t9"`},
			{"LinkMissingFrom", nil, create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c9"), To: str("c1")}), `card "c9"`},
			{"LinkDeletedTo", []blueprint.Op{del(blueprint.TypeCard, "c4")},
				create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1"), To: str("c4")}), `card "c4"`},
			{"LinkMissingOwner", nil, create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1"), To: str("c3"), Owner: str("t9")}), `team "t9"`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := fixture(t)
				mustApply(t, b, tt.before...)
				wantErr(t, b.Apply(tt.op), blueprint.ENOTFOUND, "does not exist", tt.word)
				checkAbsent(t, b, tt.op.Type, tt.op.ID)
			})
		}
	})
}

// checkAbsent fails if the board holds an entity of type typ with the given id.
func checkAbsent(t *testing.T, b *blueprint.Board, typ, id string) {
	t.Helper()
	var found bool
	switch typ {
	case blueprint.TypeStage:
		_, found = b.Stages[id]
	case blueprint.TypeLane:
		_, found = b.Lanes[id]
	case blueprint.TypeCard:
		_, found = b.Cards[id]
	case blueprint.TypeTeam:
		_, found = b.Teams[id]
	case blueprint.TypeLink:
		_, found = b.Links[id]
	default:
		t.Fatalf("unknown type %q", typ)
	}
	if found {
		t.Errorf("%s %s exists", typ, id)
	}
}

func TestApplyUpdate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		b := fixture(t)
		mustApply(t, b,
			update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("Parcours d'achat")}),
			update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("#111111")}),
			update(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("Commander")}),
			update(blueprint.TypeLane, "l2", blueprint.Fields{Role: str("support"), Hidden: flg(true)}),
			update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Lane: str("l2"), Order: str("k"), Kind: str("pain_point"),
				ActiveMinutes: num(7), WaitMinutes: num(8), Detail: str("détail"), Emotion: num(-2)}),
			update(blueprint.TypeLink, "k1", blueprint.Fields{Kind: str("dependency"), Critical: flg(true), Status: str("resolved"), Owner: str("t2")}),
		)
		if b.Title != "Parcours d'achat" {
			t.Errorf("title = %q", b.Title)
		}
		for _, tt := range []struct {
			name      string
			got, want any
		}{
			// Fields the op did not name keep their value.
			{"Team", b.Teams["t1"], &blueprint.Team{ID: "t1", Name: "Sales", Color: "#111111"}},
			{"Stage", b.Stages["s1"], &blueprint.Stage{ID: "s1", Name: "Commander", Order: "G"}},
			{"Lane", b.Lanes["l2"], &blueprint.Lane{ID: "l2", Role: blueprint.RoleSupport, Label: "Back office", Order: "V", Hidden: true}},
			{"Card", b.Cards["c1"], &blueprint.Card{ID: "c1", Stage: "s2", Lane: "l2", Order: "k", Text: "Places an order", Team: "t1",
				Kind: "pain_point", ActiveMinutes: 7, WaitMinutes: 8, Detail: "détail", Emotion: -2}},
			{"Link", b.Links["k1"], &blueprint.Link{ID: "k1", Kind: "dependency", From: "c1", To: "c2", Critical: true, Status: "resolved", Owner: "t2"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, tt.got); diff != "" {
					t.Errorf("updated %s mismatch (-want +got):\n%s", tt.name, diff)
				}
			})
		}
	})

	t.Run("Clear", func(t *testing.T) {
		b := fixture(t)
		mustApply(t, b,
			update(blueprint.TypeCard, "c1", blueprint.Fields{ActiveMinutes: num(9), Emotion: num(1)}),
			update(blueprint.TypeCard, "c1", blueprint.Fields{Team: str(""), ActiveMinutes: num(0), Emotion: num(0), Text: str("")}),
			update(blueprint.TypeLink, "k1", blueprint.Fields{Owner: str(""), Critical: flg(false)}),
			update(blueprint.TypeLane, "l1", blueprint.Fields{Hidden: flg(true)}),
			update(blueprint.TypeLane, "l1", blueprint.Fields{Hidden: flg(false)}),
		)
		want := &blueprint.Card{ID: "c1", Stage: "s1", Lane: "l1", Order: "V", Kind: blueprint.KindNote}
		if diff := cmp.Diff(want, b.Cards["c1"]); diff != "" {
			t.Errorf("card mismatch (-want +got):\n%s", diff)
		}
		if l := b.Links["k1"]; l.Owner != "" || l.Critical {
			t.Errorf("link k1 = %+v, want no owner and not critical", l)
		}
		if b.Lanes["l1"].Hidden {
			t.Errorf("lane l1 still hidden")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			before []blueprint.Op
			op     blueprint.Op
			word   string
		}{
			{"MissingStage", nil, update(blueprint.TypeStage, "s9", blueprint.Fields{Name: str("x")}), `stage "s9"`},
			{"MissingLane", nil, update(blueprint.TypeLane, "l9", blueprint.Fields{Label: str("x")}), `lane "l9"`},
			{"MissingCard", nil, update(blueprint.TypeCard, "c9", blueprint.Fields{Text: str("x")}), `card "c9"`},
			{"MissingTeam", nil, update(blueprint.TypeTeam, "t9", blueprint.Fields{Name: str("x")}), `team "t9"`},
			{"MissingLink", nil, update(blueprint.TypeLink, "k9", blueprint.Fields{Status: str("agreed")}), `link "k9"`},
			{"OtherBoard", nil, update(blueprint.TypeBoard, "b2", blueprint.Fields{Title: str("x")}), `board "b2"`},
			// Deletes win over later updates.
			{"DeletedStage", []blueprint.Op{del(blueprint.TypeStage, "s1")}, update(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("x")}), `stage "s1"`},
			{"DeletedLane", []blueprint.Op{del(blueprint.TypeLane, "l1")}, update(blueprint.TypeLane, "l1", blueprint.Fields{Label: str("x")}), `lane "l1"`},
			{"DeletedCard", []blueprint.Op{del(blueprint.TypeCard, "c1")}, update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("x")}), `card "c1"`},
			{"DeletedTeam", []blueprint.Op{del(blueprint.TypeTeam, "t1")}, update(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("x")}), `team "t1"`},
			{"DeletedLink", []blueprint.Op{del(blueprint.TypeLink, "k1")}, update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str("agreed")}), `link "k1"`},
			{"CascadedCard", []blueprint.Op{del(blueprint.TypeStage, "s1")}, update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("x")}), `card "c1"`},
			{"CascadedLink", []blueprint.Op{del(blueprint.TypeCard, "c2")}, update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str("agreed")}), `link "k1"`},
			// References an update makes must exist too.
			{"CardToDeletedStage", []blueprint.Op{del(blueprint.TypeStage, "s2")}, update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2")}), `stage "s2"`},
			{"CardToMissingLane", nil, update(blueprint.TypeCard, "c1", blueprint.Fields{Lane: str("l9")}), `lane "l9"`},
			{"CardToDeletedTeam", []blueprint.Op{del(blueprint.TypeTeam, "t2")}, update(blueprint.TypeCard, "c1", blueprint.Fields{Team: str("t2")}), `team "t2"`},
			{"LinkToDeletedOwner", []blueprint.Op{del(blueprint.TypeTeam, "t2")}, update(blueprint.TypeLink, "k2", blueprint.Fields{Owner: str("t2")}), `team "t2"`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := fixture(t)
				mustApply(t, b, tt.before...)
				wantErr(t, b.Apply(tt.op), blueprint.ENOTFOUND, tt.word)
			})
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			op   blueprint.Op
			word string
		}{
			{"LinkKindOnCard", update(blueprint.TypeCard, "c1", blueprint.Fields{Kind: str("dependency")}), "card kind"},
			{"CardKindOnLink", update(blueprint.TypeLink, "k1", blueprint.Fields{Kind: str("touchpoint")}), "link kind"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantErr(t, fixture(t).Apply(tt.op), blueprint.EINVALID, tt.word)
			})
		}
	})
}

func TestApplyDelete(t *testing.T) {
	ids := func(m any) []string {
		var out []string
		switch m := m.(type) {
		case map[string]*blueprint.Stage:
			for id := range m {
				out = append(out, id)
			}
		case map[string]*blueprint.Lane:
			for id := range m {
				out = append(out, id)
			}
		case map[string]*blueprint.Card:
			for id := range m {
				out = append(out, id)
			}
		case map[string]*blueprint.Team:
			for id := range m {
				out = append(out, id)
			}
		case map[string]*blueprint.Link:
			for id := range m {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	type state struct{ Stages, Lanes, Cards, Teams, Links []string }
	snapshot := func(b *blueprint.Board) state {
		return state{ids(b.Stages), ids(b.Lanes), ids(b.Cards), ids(b.Teams), ids(b.Links)}
	}

	for _, tt := range []struct {
		name string
		op   blueprint.Op
		want state
	}{
		{"Link", del(blueprint.TypeLink, "k2"), state{
			Stages: []string{"s1", "s2"}, Lanes: []string{"l1", "l2"}, Cards: []string{"c1", "c2", "c3", "c4"},
			Teams: []string{"t1", "t2"}, Links: []string{"k1", "k3"}}},
		{"CardDeletesItsLinks", del(blueprint.TypeCard, "c2"), state{
			Stages: []string{"s1", "s2"}, Lanes: []string{"l1", "l2"}, Cards: []string{"c1", "c3", "c4"},
			Teams: []string{"t1", "t2"}, Links: []string{"k2"}}},
		{"StageDeletesItsCardsAndTheirLinks", del(blueprint.TypeStage, "s1"), state{
			Stages: []string{"s2"}, Lanes: []string{"l1", "l2"}, Cards: []string{"c3", "c4"},
			Teams: []string{"t1", "t2"}, Links: []string{"k2"}}},
		{"LaneDeletesItsCardsAndTheirLinks", del(blueprint.TypeLane, "l2"), state{
			Stages: []string{"s1", "s2"}, Lanes: []string{"l1"}, Cards: []string{"c1", "c3"},
			Teams: []string{"t1", "t2"}}},
		{"TeamKeepsCards", del(blueprint.TypeTeam, "t1"), state{
			Stages: []string{"s1", "s2"}, Lanes: []string{"l1", "l2"}, Cards: []string{"c1", "c2", "c3", "c4"},
			Teams: []string{"t2"}, Links: []string{"k1", "k2", "k3"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := fixture(t)
			mustApply(t, b, tt.op)
			if diff := cmp.Diff(tt.want, snapshot(b)); diff != "" {
				t.Errorf("board after delete (-want +got):\n%s", diff)
			}
			checkIntegrity(t, b)
		})
	}

	t.Run("TeamClearedFromCardsAndLinks", func(t *testing.T) {
		b := fixture(t)
		mustApply(t, b, del(blueprint.TypeTeam, "t1"))
		for _, id := range []string{"c1", "c3"} {
			if got := b.Cards[id].Team; got != "" {
				t.Errorf("card %s team = %q, want cleared", id, got)
			}
		}
		if got := b.Cards["c4"].Team; got != "t2" {
			t.Errorf("card c4 team = %q, want t2 untouched", got)
		}
		if got := b.Links["k1"].Owner; got != "" {
			t.Errorf("link k1 owner = %q, want cleared", got)
		}
		if got := b.Links["k3"].Owner; got != "t2" {
			t.Errorf("link k3 owner = %q, want t2 untouched", got)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			before []blueprint.Op
			op     blueprint.Op
		}{
			{"MissingStage", nil, del(blueprint.TypeStage, "s9")},
			{"MissingLane", nil, del(blueprint.TypeLane, "l9")},
			{"MissingCard", nil, del(blueprint.TypeCard, "c9")},
			{"MissingTeam", nil, del(blueprint.TypeTeam, "t9")},
			{"MissingLink", nil, del(blueprint.TypeLink, "k9")},
			{"StageTwice", []blueprint.Op{del(blueprint.TypeStage, "s1")}, del(blueprint.TypeStage, "s1")},
			{"LaneTwice", []blueprint.Op{del(blueprint.TypeLane, "l1")}, del(blueprint.TypeLane, "l1")},
			{"CardTwice", []blueprint.Op{del(blueprint.TypeCard, "c1")}, del(blueprint.TypeCard, "c1")},
			{"TeamTwice", []blueprint.Op{del(blueprint.TypeTeam, "t1")}, del(blueprint.TypeTeam, "t1")},
			{"LinkTwice", []blueprint.Op{del(blueprint.TypeLink, "k1")}, del(blueprint.TypeLink, "k1")},
			{"CascadedCard", []blueprint.Op{del(blueprint.TypeLane, "l1")}, del(blueprint.TypeCard, "c3")},
			{"CascadedLink", []blueprint.Op{del(blueprint.TypeStage, "s2")}, del(blueprint.TypeLink, "k2")},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := fixture(t)
				mustApply(t, b, tt.before...)
				wantErr(t, b.Apply(tt.op), blueprint.ENOTFOUND, "does not exist", fmt.Sprintf("%s %q", tt.op.Type, tt.op.ID))
			})
		}
	})

	t.Run("Recreate", func(t *testing.T) {
		// A deleted id may be used again by a new create.
		b := fixture(t)
		mustApply(t, b,
			del(blueprint.TypeCard, "c1"),
			create(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Lane: str("l2"), Order: str("k")}),
		)
		if c := b.Cards["c1"]; c == nil || c.Stage != "s2" || c.Text != "" || c.Team != "" {
			t.Errorf("recreated card = %+v, want a fresh card in s2", c)
		}
	})
}

func TestApplyRejectedOpChangesNothing(t *testing.T) {
	long := func(n int) *string { return str(string(bytes.Repeat([]byte("é"), n))) }
	for _, tt := range []struct {
		name string
		op   blueprint.Op
	}{
		// Refused by Validate.
		{"UnknownAction", blueprint.Op{Action: "move", Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Order: str("k")}}},
		{"BadID", create(blueprint.TypeStage, "s 9", blueprint.Fields{Order: str("k")})},
		{"UpdateNoFields", update(blueprint.TypeCard, "c1", blueprint.Fields{})},
		{"DeleteWithFields", blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Text: str("x")}}},
		{"FieldNotAllowed", update(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("x"), Text: str("y")})},
		{"TextTooLongWithValidFields", update(blueprint.TypeCard, "c1", blueprint.Fields{Order: str("k"), Text: long(blueprint.MaxTextLen + 1)})},
		{"TitleTooLong", update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: long(blueprint.MaxNameLen + 1)})},
		{"NULAfterValidField", update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Detail: str("\x00")})},
		{"EmotionWithValidFields", update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("x"), Emotion: num(9)})},
		{"BadColour", update(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("x"), Color: str("blue")})},
		{"BadRole", update(blueprint.TypeLane, "l1", blueprint.Fields{Label: str("x"), Role: str("kitchen")})},
		{"LinkEnds", update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str("agreed"), To: str("c4")})},
		{"CreateBoard", create(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("x")})},
		// Refused by the board.
		{"DuplicateCard", create(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Lane: str("l2"), Order: str("k"), Text: str("x")})},
		{"DuplicateTeam", create(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("x")})},
		{"CardInMissingStage", create(blueprint.TypeCard, "c9", blueprint.Fields{Stage: str("s9"), Lane: str("l1"), Order: str("k")})},
		{"MoveCardToMissingLane", update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s2"), Order: str("k"), Text: str("moved"), Lane: str("l9")})},
		{"CardToMissingTeam", update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("x"), Team: str("t9")})},
		{"CardLinkKind", update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("x"), Kind: str("handoff")})},
		{"LinkCardKind", update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str("agreed"), Kind: str("note")})},
		{"LinkMissingOwner", update(blueprint.TypeLink, "k1", blueprint.Fields{Critical: flg(true), Owner: str("t9")})},
		{"LinkToItself", create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1"), To: str("c1")})},
		{"LinkToMissingCard", create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1"), To: str("c9")})},
		{"LinkMissingTo", create(blueprint.TypeLink, "k9", blueprint.Fields{From: str("c1")})},
		{"StageMissingOrder", create(blueprint.TypeStage, "s9", blueprint.Fields{Name: str("x")})},
		{"LaneMissingRole", create(blueprint.TypeLane, "l9", blueprint.Fields{Order: str("k"), Label: str("x")})},
		{"UpdateMissing", update(blueprint.TypeCard, "c9", blueprint.Fields{Text: str("x")})},
		{"DeleteMissing", del(blueprint.TypeStage, "s9")},
		{"OtherBoard", update(blueprint.TypeBoard, "b2", blueprint.Fields{Title: str("x")})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := fixture(t)
			before := exportJSON(t, b)
			if err := b.Apply(tt.op); err == nil {
				t.Fatalf("Apply(%+v) succeeded, want an error", tt.op)
			} else if code := blueprint.ErrorCode(err); code == blueprint.EINTERNAL || code == "" {
				t.Errorf("Apply: %v, want a coded error", err)
			}
			if diff := cmp.Diff(string(before), string(exportJSON(t, b))); diff != "" {
				t.Errorf("a rejected op changed the board (-before +after):\n%s", diff)
			}
		})
	}
}

func TestApplyLimits(t *testing.T) {
	// Every type is filled to its limit; one more is ETOOLARGE and changes nothing, and
	// after a delete there is room again.
	for _, tt := range []struct {
		typ   string
		limit int
		op    func(i int) blueprint.Op
	}{
		{blueprint.TypeStage, blueprint.MaxStages, func(i int) blueprint.Op {
			return create(blueprint.TypeStage, fmt.Sprintf("x%d", i), blueprint.Fields{Order: str("k")})
		}},
		{blueprint.TypeLane, blueprint.MaxLanes, func(i int) blueprint.Op {
			return create(blueprint.TypeLane, fmt.Sprintf("x%d", i), blueprint.Fields{Role: str("custom"), Order: str("k")})
		}},
		{blueprint.TypeTeam, blueprint.MaxTeams, func(i int) blueprint.Op {
			return create(blueprint.TypeTeam, fmt.Sprintf("x%d", i), blueprint.Fields{Name: str("x")})
		}},
		{blueprint.TypeCard, blueprint.MaxCards, func(i int) blueprint.Op {
			return create(blueprint.TypeCard, fmt.Sprintf("x%d", i), blueprint.Fields{Stage: str("s1"), Lane: str("l1"), Order: str("k")})
		}},
		{blueprint.TypeLink, blueprint.MaxLinks, func(i int) blueprint.Op {
			return create(blueprint.TypeLink, fmt.Sprintf("x%d", i), blueprint.Fields{From: str("c1"), To: str("c2")})
		}},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			b := fixture(t)
			count := func() int {
				return map[string]int{
					blueprint.TypeStage: len(b.Stages), blueprint.TypeLane: len(b.Lanes), blueprint.TypeTeam: len(b.Teams),
					blueprint.TypeCard: len(b.Cards), blueprint.TypeLink: len(b.Links),
				}[tt.typ]
			}
			for i := 0; count() < tt.limit; i++ {
				mustApply(t, b, tt.op(i))
			}
			before := exportJSON(t, b)
			over := tt.op(tt.limit)
			wantErr(t, b.Apply(over), blueprint.ETOOLARGE, fmt.Sprintf("at most %d", tt.limit), tt.typ)
			if !bytes.Equal(before, exportJSON(t, b)) {
				t.Errorf("the refused create changed the board")
			}
			if got := count(); got != tt.limit {
				t.Errorf("count = %d, want %d", got, tt.limit)
			}
			mustApply(t, b, del(tt.typ, tt.op(0).ID), over)
			if got := count(); got != tt.limit {
				t.Errorf("count after delete and create = %d, want %d", got, tt.limit)
			}
		})
	}

	t.Run("ConflictBeforeLimit", func(t *testing.T) {
		// At the limit, a duplicate id is still reported as the conflict it is.
		b := newBoard(t)
		for i := range blueprint.MaxStages {
			mustApply(t, b, create(blueprint.TypeStage, fmt.Sprintf("x%d", i), blueprint.Fields{Order: str("k")}))
		}
		wantErr(t, b.Apply(create(blueprint.TypeStage, "x0", blueprint.Fields{Order: str("k")})), blueprint.ECONFLICT, "already exists")
	})
}

func TestLines(t *testing.T) {
	fromTemplate := func(t *testing.T, name string) *blueprint.Board {
		t.Helper()
		title, ops, err := blueprint.TemplateOps(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := blueprint.NewBoard("b1", title, name)
		mustApply(t, b, ops...)
		return b
	}
	laneWithRole := func(t *testing.T, b *blueprint.Board, role blueprint.LaneRole) string {
		t.Helper()
		for _, l := range b.SortedLanes() {
			if l.Role == role {
				return l.ID
			}
		}
		t.Fatalf("no %s lane", role)
		return ""
	}

	t.Run("ServiceBlueprint", func(t *testing.T) {
		b := fromTemplate(t, blueprint.TemplateServiceBlueprint)
		want := []blueprint.Line{
			{Name: "interaction", Before: laneWithRole(t, b, blueprint.RoleFrontstage)},
			{Name: "visibility", Before: laneWithRole(t, b, blueprint.RoleBackstage)},
			{Name: "internal_interaction", Before: laneWithRole(t, b, blueprint.RoleSupport)},
		}
		if diff := cmp.Diff(want, b.Lines()); diff != "" {
			t.Errorf("Lines() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("JourneyMap", func(t *testing.T) {
		b := fromTemplate(t, blueprint.TemplateJourneyMap)
		lines := b.Lines()
		for _, l := range lines {
			if l.Name == "visibility" {
				t.Errorf("journey map has a line of visibility above %s", l.Before)
			}
		}
		if len(lines) != 0 {
			t.Errorf("Lines() = %+v, want none: a journey map has no frontstage, backstage or support lane", lines)
		}
	})

	type lane struct {
		id     string
		role   blueprint.LaneRole
		hidden bool
	}
	for _, tt := range []struct {
		name  string
		lanes []lane
		want  []blueprint.Line
	}{
		{"FrontstageWithoutCustomer", []lane{{"a", "frontstage", false}, {"b", "backstage", false}},
			[]blueprint.Line{{Name: "visibility", Before: "b"}}},
		{"HiddenLanesSkipped", []lane{{"a", "customer_actions", false}, {"b", "frontstage", true}, {"c", "frontstage", false},
			{"d", "backstage", true}, {"e", "support", false}},
			[]blueprint.Line{{Name: "interaction", Before: "c"}, {Name: "internal_interaction", Before: "e"}}},
		{"HiddenCustomerLane", []lane{{"a", "customer_actions", true}, {"b", "frontstage", false}}, nil},
		{"OnlyFirstOfEach", []lane{{"a", "physical_evidence", false}, {"b", "frontstage", false}, {"c", "frontstage", false},
			{"d", "backstage", false}, {"e", "backstage", false}, {"f", "support", false}, {"g", "support", false}},
			[]blueprint.Line{{Name: "interaction", Before: "b"}, {Name: "visibility", Before: "d"}, {Name: "internal_interaction", Before: "f"}}},
		{"OptionalLanesBetween", []lane{{"a", "customer_actions", false}, {"b", "emotion", false}, {"c", "frontstage", false}, {"d", "pain_points", false}},
			[]blueprint.Line{{Name: "interaction", Before: "c"}}},
		{"Empty", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBoard(t)
			keys, err := blueprint.KeysBetween("", "", len(tt.lanes))
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range tt.lanes {
				mustApply(t, b, create(blueprint.TypeLane, l.id, blueprint.Fields{Role: str(string(l.role)), Order: str(keys[i]), Hidden: flg(l.hidden)}))
			}
			if diff := cmp.Diff(tt.want, b.Lines()); diff != "" {
				t.Errorf("Lines() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyDeterministic(t *testing.T) {
	const n = 4000
	r := rand.New(rand.NewPCG(testSeed(t), 1))
	ops := make([]blueprint.Op, n)
	for i := range ops {
		ops[i] = blueprinttest.RandomOp(r, "b1")
	}

	a := blueprint.NewBoard("b1", "Board", blueprint.TemplateBlank)
	b := blueprint.NewBoard("b1", "Board", blueprint.TemplateBlank)
	var accepted []blueprint.Op
	codes := map[string]int{}
	peakCards, peakLinks := 0, 0
	applied := map[string]int{}
	for i, op := range ops {
		before := exportJSON(t, a)
		errA, errB := a.Apply(op), b.Apply(op)
		codeA, codeB := blueprint.ErrorCode(errA), blueprint.ErrorCode(errB)
		if codeA != codeB {
			t.Fatalf("op %d %+v: board A says %q, board B says %q", i, op, codeA, codeB)
		}
		codes[codeA]++
		if errA != nil {
			if codeA == blueprint.EINTERNAL {
				t.Fatalf("op %d %+v: uncoded error %v", i, op, errA)
			}
			if after := exportJSON(t, a); !bytes.Equal(before, after) {
				t.Fatalf("op %d %+v was rejected (%v) but changed the board:\n%s", i, op, errA, cmp.Diff(string(before), string(after)))
			}
			continue
		}
		accepted = append(accepted, op)
		applied[op.Action+" "+op.Type]++
		peakCards, peakLinks = max(peakCards, len(a.Cards)), max(peakLinks, len(a.Links))
		checkIntegrity(t, a)
		if t.Failed() {
			t.Fatalf("op %d %+v broke a reference", i, op)
		}
	}
	t.Logf("%d ops: outcome counts by error code (\"\" = applied): %v; at most %d cards and %d links at once; final board: %d stages, %d lanes, %d cards, %d teams, %d links",
		n, codes, peakCards, peakLinks, len(a.Stages), len(a.Lanes), len(a.Cards), len(a.Teams), len(a.Links))
	t.Logf("applied ops by kind: %v", applied)
	for _, typ := range []string{blueprint.TypeStage, blueprint.TypeLane, blueprint.TypeCard, blueprint.TypeTeam, blueprint.TypeLink} {
		for _, action := range []string{blueprint.ActionCreate, blueprint.ActionUpdate, blueprint.ActionDelete} {
			if applied[action+" "+typ] < 5 {
				t.Errorf("only %d ops %q applied; the sequence barely exercises them", applied[action+" "+typ], action+" "+typ)
			}
		}
	}

	// The sequence must be a real mix, or the comparison below proves little.
	if len(accepted) < n/5 || n-len(accepted) < n/5 {
		t.Errorf("%d of %d ops applied; want a real mix of applied and rejected ops", len(accepted), n)
	}
	for _, code := range []string{"", blueprint.EINVALID, blueprint.ENOTFOUND, blueprint.ECONFLICT} {
		if codes[code] == 0 {
			t.Errorf("no op ended with code %q", code)
		}
	}

	exportA := exportJSON(t, a)
	if diff := cmp.Diff(string(exportA), string(exportJSON(t, b))); diff != "" {
		t.Errorf("two boards given the same ops differ (-A +B):\n%s", diff)
	}

	// Replaying only the applied ops (the op log) gives the same board.
	c := blueprint.NewBoard("b1", "Board", blueprint.TemplateBlank)
	mustApply(t, c, accepted...)
	if diff := cmp.Diff(string(exportA), string(exportJSON(t, c))); diff != "" {
		t.Errorf("replaying the applied ops gives another board (-live +replay):\n%s", diff)
	}
}
