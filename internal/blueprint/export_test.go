package blueprint_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

const (
	hostileText = `<img src=x onerror=alert(1)></script><script>alert("é")</script>&amp; ' " \ ` + "\u2028\u2029"
	frenchText  = "Le client reçoit un e-mail de confirmation — délai estimé : 2 à 3 jours ouvrés. « Ça marche ! » Œuvre, naïve, Noël."
)

// richBoard returns a board with every entity type and every optional field set, holding
// French and hostile text.
func richBoard(t *testing.T) *blueprint.Board {
	t.Helper()
	b := blueprint.NewBoard("board-42", "Parcours « commande » </script>", blueprint.TemplateServiceBlueprint)
	mustApply(t, b,
		create(blueprint.TypeTeam, "t-vente", blueprint.Fields{Name: str("Équipe vente"), Color: str("#2563eb")}),
		create(blueprint.TypeTeam, "t-hostile", blueprint.Fields{Name: str(hostileText), Color: str("#ABCDEF")}),
		create(blueprint.TypeTeam, "t-default", blueprint.Fields{Name: str("Support")}),
		create(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("Découvrir"), Order: str("G")}),
		create(blueprint.TypeStage, "s2", blueprint.Fields{Name: str(hostileText), Order: str("V")}),
		create(blueprint.TypeStage, "s3", blueprint.Fields{Order: str("VV")}), // no name
		create(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("customer_actions"), Label: str("Actions du client"), Order: str("1")}),
		create(blueprint.TypeLane, "l2", blueprint.Fields{Role: str("frontstage"), Label: str(hostileText), Order: str("2")}),
		create(blueprint.TypeLane, "l3", blueprint.Fields{Role: str("backstage"), Label: str("Coulisses"), Order: str("3"), Hidden: flg(true)}),
		create(blueprint.TypeLane, "l4", blueprint.Fields{Role: str("emotion"), Order: str("4")}),
		create(blueprint.TypeCard, "c1", blueprint.Fields{
			Stage: str("s1"), Lane: str("l1"), Order: str("V"), Text: str(frenchText), Team: str("t-vente"), Kind: str("touchpoint"),
			ActiveMinutes: num(15), WaitMinutes: num(blueprint.MaxMinutes), Detail: str(hostileText), Emotion: num(-2),
		}),
		create(blueprint.TypeCard, "c2", blueprint.Fields{
			Stage: str("s1"), Lane: str("l1"), Order: str("V"), Text: str(hostileText), Team: str("t-hostile"), Kind: str("pain_point"),
			ActiveMinutes: num(1), WaitMinutes: num(2), Detail: str("Ligne 1\nLigne 2\ttabulée"), Emotion: num(2),
		}), // same order as c1: sorted by id
		create(blueprint.TypeCard, "c3", blueprint.Fields{Stage: str("s2"), Lane: str("l3"), Order: str("G"), Text: str(strings.Repeat("é", blueprint.MaxTextLen))}),
		create(blueprint.TypeCard, "c4", blueprint.Fields{Stage: str("s3"), Lane: str("l4"), Order: str("z"), Kind: str("emotion"), Emotion: num(1)}),
		create(blueprint.TypeLink, "k1", blueprint.Fields{Kind: str("handoff"), From: str("c1"), To: str("c3"), Critical: flg(true), Status: str("agreed"), Owner: str("t-vente")}),
		create(blueprint.TypeLink, "k2", blueprint.Fields{Kind: str("dependency"), From: str("c2"), To: str("c4"), Status: str("resolved"), Owner: str("t-hostile")}),
		create(blueprint.TypeLink, "k3", blueprint.Fields{From: str("c4"), To: str("c1")}),
	)
	b.Seq = 17
	return b
}

func TestExportRoundTrip(t *testing.T) {
	b := richBoard(t)
	first := exportJSON(t, b)

	e, err := blueprint.DecodeExport(first)
	if err != nil {
		t.Fatalf("DecodeExport: %v", err)
	}
	b2, err := e.Board()
	if err != nil {
		t.Fatalf("Board: %v", err)
	}
	second := exportJSON(t, b2)
	if diff := cmp.Diff(string(first), string(second)); diff != "" {
		t.Errorf("export → import → export changed the bytes (-first +second):\n%s", diff)
	}

	t.Run("Content", func(t *testing.T) {
		// The bytes being equal proves little if the first export lost data.
		if diff := cmp.Diff(b.Export(), b2.Export()); diff != "" {
			t.Errorf("rebuilt board differs (-original +rebuilt):\n%s", diff)
		}
		if b2.ID != "board-42" || b2.Seq != 17 || b2.Template != blueprint.TemplateServiceBlueprint || b2.Title != b.Title {
			t.Errorf("board header = %q %d %q %q", b2.ID, b2.Seq, b2.Template, b2.Title)
		}
		for _, tt := range []struct{ name, got, want string }{
			{"HostileCardText", b2.Cards["c2"].Text, hostileText},
			{"HostileDetail", b2.Cards["c1"].Detail, hostileText},
			{"FrenchText", b2.Cards["c1"].Text, frenchText},
			{"HostileTeam", b2.Teams["t-hostile"].Name, hostileText},
			{"HostileLabel", b2.Lanes["l2"].Label, hostileText},
			{"HostileStage", b2.Stages["s2"].Name, hostileText},
		} {
			if tt.got != tt.want {
				t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
			}
		}
		if want := (blueprint.Card{ID: "c1", Stage: "s1", Lane: "l1", Order: "V", Text: frenchText, Team: "t-vente", Kind: "touchpoint",
			ActiveMinutes: 15, WaitMinutes: blueprint.MaxMinutes, Detail: hostileText, Emotion: -2}); cmp.Diff(&want, b2.Cards["c1"]) != "" {
			t.Errorf("card c1 (-want +got):\n%s", cmp.Diff(&want, b2.Cards["c1"]))
		}
		if !b2.Lanes["l3"].Hidden {
			t.Errorf("lane l3 lost hidden")
		}
		if l := b2.Links["k1"]; !l.Critical || l.Owner != "t-vente" || l.Status != "agreed" {
			t.Errorf("link k1 = %+v", l)
		}
	})

	t.Run("Sorted", func(t *testing.T) {
		var ids []string
		for _, c := range e.Cards {
			ids = append(ids, c.ID)
		}
		// c3 "G" < c1 "V" = c2 "V" (by id) < c4 "z".
		if diff := cmp.Diff([]string{"c3", "c1", "c2", "c4"}, ids); diff != "" {
			t.Errorf("card order (-want +got):\n%s", diff)
		}
		var teams []string
		for _, tm := range e.Teams {
			teams = append(teams, tm.Name)
		}
		if diff := cmp.Diff([]string{hostileText, "Support", "Équipe vente"}, teams); diff != "" {
			t.Errorf("team order (-want +got):\n%s", diff)
		}
	})

	t.Run("NoRawMarkup", func(t *testing.T) {
		// encoding/json escapes <, > and & so the export can sit inside a <script> tag.
		for _, raw := range []string{"<img", "</script>", "<script>"} {
			if strings.Contains(string(first), raw) {
				t.Errorf("export contains raw %q", raw)
			}
		}
	})

	t.Run("MarshalBoard", func(t *testing.T) {
		data, err := blueprint.MarshalBoard(b)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(first), string(data)); diff != "" {
			t.Errorf("MarshalBoard differs from json.Marshal(Export()) (-want +got):\n%s", diff)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		empty := blueprint.NewBoard("b1", "", blueprint.TemplateBlank)
		data := exportJSON(t, empty)
		e, err := blueprint.DecodeExport(data)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Board()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(data), string(exportJSON(t, b))); diff != "" {
			t.Errorf("empty board round trip (-first +second):\n%s", diff)
		}
	})
}

// exportMap returns the rich board's export as a generic JSON object to tamper with.
func exportMap(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(exportJSON(t, richBoard(t)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeExport(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tamper func(m map[string]any)
		code   string
		words  []string
	}{
		{"OtherFormat", func(m map[string]any) { m["format"] = "trello" }, blueprint.EINVALID, []string{"not a lastmile export", `"trello"`}},
		{"NoFormat", func(m map[string]any) { delete(m, "format") }, blueprint.EINVALID, []string{"format"}},
		{"NewerVersion", func(m map[string]any) { m["version"] = blueprint.ExportVersion + 1 }, blueprint.EINVALID, []string{"newer", "version 2"}},
		{"VersionZero", func(m map[string]any) { m["version"] = 0 }, blueprint.EINVALID, []string{"version"}},
		{"NoVersion", func(m map[string]any) { delete(m, "version") }, blueprint.EINVALID, []string{"version"}},
		{"NegativeVersion", func(m map[string]any) { m["version"] = -1 }, blueprint.EINVALID, []string{"version"}},
		{"VersionString", func(m map[string]any) { m["version"] = "1" }, blueprint.EINVALID, []string{"version"}},
		{"UnknownTopField", func(m map[string]any) { m["owner"] = "me" }, blueprint.EINVALID, []string{"unknown field", `"owner"`}},
		{"UnknownCardField", func(m map[string]any) { m["cards"].([]any)[0].(map[string]any)["colour"] = "red" }, blueprint.EINVALID, []string{"unknown field", `"colour"`}},
		{"TitleTooLong", func(m map[string]any) { m["title"] = strings.Repeat("é", blueprint.MaxNameLen+1) }, blueprint.ETOOLARGE, []string{"title"}},
		{"TitleNUL", func(m map[string]any) { m["title"] = "a\x00b" }, blueprint.EINVALID, []string{"NUL"}},
		{"NullCard", func(m map[string]any) { m["cards"] = append(m["cards"].([]any), nil) }, blueprint.EINVALID, []string{"item 5 of cards", "null"}},
		{"NullStage", func(m map[string]any) { m["stages"] = append([]any{nil}, m["stages"].([]any)...) }, blueprint.EINVALID, []string{"item 1 of stages", "null"}},
		{"NullLink", func(m map[string]any) { m["links"].([]any)[1] = nil }, blueprint.EINVALID, []string{"item 2 of links", "null"}},
	} {
		t.Run("Err"+tt.name, func(t *testing.T) {
			m := exportMap(t)
			tt.tamper(m)
			e, err := blueprint.DecodeExport(marshal(t, m))
			wantErr(t, err, tt.code, tt.words...)
			if e != nil {
				t.Errorf("got an export alongside an error")
			}
		})
	}

	for _, tt := range []struct {
		name  string
		body  string
		words []string
	}{
		{"InvalidUTF8", "{\"format\":\"lastmile\",\"version\":1,\"title\":\"caf\xe9\"}", []string{"UTF-8"}},
		{"Empty", "", []string{"empty"}},
		{"Array", "[]", []string{"malformed JSON"}},
		{"Trailing", `{"format":"lastmile","version":1,"title":"x"} {}`, []string{"after the value"}},
		{"Truncated", `{"format":"lastmile","version":1,`, []string{"ends too early"}},
	} {
		t.Run("Err"+tt.name, func(t *testing.T) {
			_, err := blueprint.DecodeExport([]byte(tt.body))
			wantErr(t, err, blueprint.EINVALID, tt.words...)
		})
	}

	t.Run("OldestVersion", func(t *testing.T) {
		if _, err := blueprint.DecodeExport([]byte(`{"format":"lastmile","version":1,"title":"x"}`)); err != nil {
			t.Errorf("minimal version-1 export: %v", err)
		}
	})
}

func TestExportBoard(t *testing.T) {
	// DecodeExport checks the shape; Board holds every item to the rules of an edit and
	// names the item that breaks one.
	for _, tt := range []struct {
		name   string
		tamper func(m map[string]any)
		code   string
		words  []string
	}{
		{"CardInMissingStage", func(m map[string]any) { card(m, "c4")["stage"] = "s-gone" }, blueprint.ENOTFOUND,
			[]string{"item", "card c4", `stage "s-gone"`}},
		{"CardInMissingLane", func(m map[string]any) { card(m, "c1")["lane"] = "l-gone" }, blueprint.ENOTFOUND,
			[]string{"card c1", `lane "l-gone"`}},
		{"CardOfMissingTeam", func(m map[string]any) { card(m, "c2")["team"] = "t-gone" }, blueprint.ENOTFOUND,
			[]string{"card c2", `team "t-gone"`}},
		{"LinkToMissingCard", func(m map[string]any) { m["links"].([]any)[0].(map[string]any)["to"] = "c-gone" }, blueprint.ENOTFOUND,
			[]string{"link k1", `card "c-gone"`}},
		{"DuplicateCard", func(m map[string]any) { m["cards"] = append(m["cards"].([]any), card(m, "c1")) }, blueprint.ECONFLICT,
			[]string{"card c1", "already exists"}},
		{"BadColour", func(m map[string]any) { m["teams"].([]any)[0].(map[string]any)["color"] = "red" }, blueprint.EINVALID,
			[]string{"item 1", "colour"}},
		{"TextTooLong", func(m map[string]any) { card(m, "c1")["text"] = strings.Repeat("é", blueprint.MaxTextLen+1) }, blueprint.ETOOLARGE,
			[]string{"card c1", "text"}},
		{"BadOrder", func(m map[string]any) { m["stages"].([]any)[0].(map[string]any)["order"] = "G0" }, blueprint.EINVALID,
			[]string{"stage s1", "order key"}},
		{"BadRole", func(m map[string]any) { m["lanes"].([]any)[0].(map[string]any)["role"] = "kitchen" }, blueprint.EINVALID,
			[]string{"lane l1", "kitchen"}},
		{"LinkKindOnCard", func(m map[string]any) { card(m, "c1")["kind"] = "handoff" }, blueprint.EINVALID,
			[]string{"card c1", "kind"}},
		{"EmotionOutOfRange", func(m map[string]any) { card(m, "c1")["emotion"] = 5 }, blueprint.EINVALID,
			[]string{"card c1", "emotion"}},
		{"TooManyStages", func(m map[string]any) {
			var stages []any
			for i := range blueprint.MaxStages + 1 {
				stages = append(stages, map[string]any{"id": fmt.Sprintf("x%d", i), "name": "", "order": "V"})
			}
			m["stages"], m["cards"], m["links"] = stages, []any{}, []any{}
		}, blueprint.ETOOLARGE, []string{"at most 200"}},
	} {
		t.Run("Err"+tt.name, func(t *testing.T) {
			m := exportMap(t)
			tt.tamper(m)
			e, err := blueprint.DecodeExport(marshal(t, m))
			if err != nil {
				t.Fatalf("DecodeExport: %v", err)
			}
			b, err := e.Board()
			wantErr(t, err, tt.code, tt.words...)
			if b != nil {
				t.Errorf("got a board alongside an error")
			}
		})
	}

	t.Run("ErrCheck", func(t *testing.T) {
		// Board checks the header too, for an export built in code.
		e := richBoard(t).Export()
		e.Version = blueprint.ExportVersion + 1
		_, err := e.Board()
		wantErr(t, err, blueprint.EINVALID, "newer")
	})

	t.Run("ErrNilItem", func(t *testing.T) {
		// An export built in code may hold a nil item too; Board refuses it.
		e := richBoard(t).Export()
		e.Teams = append(e.Teams, nil)
		_, err := e.Board()
		wantErr(t, err, blueprint.EINVALID, "item 4 of teams", "null")
	})
}

// card returns the card with the given id from a generic export.
func card(m map[string]any, id string) map[string]any {
	for _, c := range m["cards"].([]any) {
		if c := c.(map[string]any); c["id"] == id {
			return c
		}
	}
	panic("no card " + id)
}

func TestExportSortsTiesByID(t *testing.T) {
	// Siblings with the same order key (two people inserting at the same spot) sort by id,
	// so that equal boards export byte-for-byte equal whatever the map order.
	b := newBoard(t)
	var ids []string
	for i := range 30 {
		id := fmt.Sprintf("x%02d", i)
		ids = append(ids, id)
		mustApply(t, b,
			create(blueprint.TypeStage, id, blueprint.Fields{Order: str("V")}),
			create(blueprint.TypeLane, id, blueprint.Fields{Role: str("custom"), Order: str("V")}),
			create(blueprint.TypeTeam, id, blueprint.Fields{Name: str("Même nom")}),
		)
	}
	for _, id := range ids {
		mustApply(t, b, create(blueprint.TypeCard, id, blueprint.Fields{Stage: str("x00"), Lane: str("x00"), Order: str("V")}))
	}
	first := exportJSON(t, b)
	e := b.Export()
	for _, tt := range []struct {
		name string
		got  []string
	}{
		{"Stages", idsOf(e.Stages, func(s *blueprint.Stage) string { return s.ID })},
		{"Lanes", idsOf(e.Lanes, func(l *blueprint.Lane) string { return l.ID })},
		{"Cards", idsOf(e.Cards, func(c *blueprint.Card) string { return c.ID })},
		{"Teams", idsOf(e.Teams, func(tm *blueprint.Team) string { return tm.ID })},
	} {
		if diff := cmp.Diff(ids, tt.got); diff != "" {
			t.Errorf("%s not sorted by id on ties (-want +got):\n%s", tt.name, diff)
		}
	}
	for range 20 {
		if diff := cmp.Diff(string(first), string(exportJSON(t, b))); diff != "" {
			t.Fatalf("two exports of the same board differ:\n%s", diff)
		}
	}
}

func idsOf[T any](items []*T, id func(*T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}
