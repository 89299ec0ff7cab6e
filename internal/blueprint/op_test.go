package blueprint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// Valid ops of every type, used as the base of the table below.
var (
	okStage = create(blueprint.TypeStage, "s1", blueprint.Fields{Name: str("Commande"), Order: str("V")})
	okLane  = create(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("frontstage"), Label: str("Accueil"), Hidden: flg(true), Order: str("V")})
	okCard  = create(blueprint.TypeCard, "c1", blueprint.Fields{
		Stage: str("s1"), Lane: str("l1"), Order: str("V"), Text: str("Le client paie à la caisse"),
		Team: str("t1"), Kind: str("touchpoint"), ActiveMinutes: num(5), WaitMinutes: num(10),
		Detail: str("Carte bancaire ou espèces"), Emotion: num(-1),
	})
	okTeam = create(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("Équipe vente"), Color: str("#A1b2C3")})
	okLink = create(blueprint.TypeLink, "k1", blueprint.Fields{
		Kind: str("dependency"), From: str("c1"), To: str("c2"), Critical: flg(true), Status: str("agreed"), Owner: str("t1"),
	})
	okBoard = update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("Parcours client")})
)

// with returns op with its fields changed by f.
func with(op blueprint.Op, f func(*blueprint.Op)) blueprint.Op {
	f(&op)
	return op
}

func cardText(s string) blueprint.Op {
	return update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str(s)})
}

func TestOpValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			op   blueprint.Op
		}{
			{"Stage", okStage},
			{"Lane", okLane},
			{"Card", okCard},
			{"Team", okTeam},
			{"Link", okLink},
			{"Board", okBoard},
			{"MinimalStage", create(blueprint.TypeStage, "s", blueprint.Fields{Order: str("1")})},
			{"DeleteStage", del(blueprint.TypeStage, "s1")},
			{"DeleteLink", del(blueprint.TypeLink, "k1")},
			{"UpdateLinkStatus", update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str("resolved")})},
			{"UpdateLinkCritical", update(blueprint.TypeLink, "k1", blueprint.Fields{Critical: flg(false)})},
			{"WithKey", with(okStage, func(op *blueprint.Op) { op.Key = "client-1:42" })},
			{"KeyAtLimit", with(okStage, func(op *blueprint.Op) { op.Key = strings.Repeat("k", blueprint.MaxKeyLen) })},
			{"IDAtLimit", with(okStage, func(op *blueprint.Op) { op.ID = strings.Repeat("a", blueprint.MaxIDLen) })},
			{"IDAllChars", with(okStage, func(op *blueprint.Op) { op.ID = "aZ09_-" })},
			{"ClearTeam", update(blueprint.TypeCard, "c1", blueprint.Fields{Team: str("")})},
			{"ClearOwner", update(blueprint.TypeLink, "k1", blueprint.Fields{Owner: str("")})},
			{"ClearMinutes", update(blueprint.TypeCard, "c1", blueprint.Fields{ActiveMinutes: num(0), WaitMinutes: num(0)})},
			{"MaxMinutes", update(blueprint.TypeCard, "c1", blueprint.Fields{ActiveMinutes: num(blueprint.MaxMinutes), WaitMinutes: num(blueprint.MaxMinutes)})},
			{"EmotionMin", update(blueprint.TypeCard, "c1", blueprint.Fields{Emotion: num(-2)})},
			{"EmotionMax", update(blueprint.TypeCard, "c1", blueprint.Fields{Emotion: num(2)})},
			{"EmptyText", cardText("")},
			{"TextAtLimitASCII", cardText(strings.Repeat("a", blueprint.MaxTextLen))},
			// 4,000 characters but 8,000 bytes: the limit counts characters.
			{"TextAtLimitFrench", cardText(strings.Repeat("é", blueprint.MaxTextLen))},
			{"TitleAtLimitFrench", update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str(strings.Repeat("é", blueprint.MaxNameLen))})},
			{"NameAtLimitFrench", update(blueprint.TypeStage, "s1", blueprint.Fields{Name: str(strings.Repeat("à", blueprint.MaxNameLen))})},
			{"LabelAtLimitFrench", update(blueprint.TypeLane, "l1", blueprint.Fields{Label: str(strings.Repeat("ç", blueprint.MaxNameLen))})},
			{"TeamNameAtLimitFrench", update(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str(strings.Repeat("ô", blueprint.MaxNameLen))})},
			{"DetailAtLimitFrench", update(blueprint.TypeCard, "c1", blueprint.Fields{Detail: str(strings.Repeat("è", blueprint.MaxDetailLen))})},
			{"HostileText", cardText(`<img src=x onerror=alert(1)></script>`)},
			{"Newlines", cardText("ligne 1\nligne 2\ttab")},
			{"EveryRole", update(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("custom")})},
			{"LinkKindOnCard", update(blueprint.TypeCard, "c1", blueprint.Fields{Kind: str("handoff")})}, // Apply refuses it, not Validate
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.op.Validate(); err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
			})
		}
	})

	t.Run("Vocabulary", func(t *testing.T) {
		// Every role, card kind, link kind and status of the vocabulary is accepted.
		validate := func(op blueprint.Op) error { return op.Validate() }
		for _, r := range blueprint.LaneRoles {
			if err := validate(update(blueprint.TypeLane, "l1", blueprint.Fields{Role: str(string(r))})); err != nil {
				t.Errorf("role %q: %v", r, err)
			}
		}
		for _, k := range blueprint.CardKinds {
			if err := validate(update(blueprint.TypeCard, "c1", blueprint.Fields{Kind: str(k)})); err != nil {
				t.Errorf("card kind %q: %v", k, err)
			}
		}
		for _, k := range blueprint.LinkKinds {
			if err := validate(update(blueprint.TypeLink, "k1", blueprint.Fields{Kind: str(k)})); err != nil {
				t.Errorf("link kind %q: %v", k, err)
			}
		}
		for _, s := range blueprint.LinkStatuses {
			if err := validate(update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str(s)})); err != nil {
				t.Errorf("status %q: %v", s, err)
			}
		}
	})

	long := func(s string, n int) string { return strings.Repeat(s, n) }
	for _, tt := range []struct {
		name string
		op   blueprint.Op
		code string
		word string // the message must contain it
	}{
		// Actions.
		{"MissingAction", with(okStage, func(op *blueprint.Op) { op.Action = "" }), blueprint.EINVALID, `missing "op"`},
		{"UnknownAction", with(okStage, func(op *blueprint.Op) { op.Action = "move" }), blueprint.EINVALID, `unknown op "move"`},
		{"UpperCaseAction", with(okStage, func(op *blueprint.Op) { op.Action = "CREATE" }), blueprint.EINVALID, "unknown op"},

		// Types.
		{"MissingType", with(okStage, func(op *blueprint.Op) { op.Type = "" }), blueprint.EINVALID, `missing "type"`},
		{"UnknownType", with(okStage, func(op *blueprint.Op) { op.Type = "column" }), blueprint.EINVALID, `unknown type "column"`},

		// Keys.
		{"KeyTooLong", with(okStage, func(op *blueprint.Op) { op.Key = long("k", blueprint.MaxKeyLen+1) }), blueprint.EINVALID, "longer than"},
		{"KeyInvalidUTF8", with(okStage, func(op *blueprint.Op) { op.Key = "client\xff1" }), blueprint.EINVALID, "UTF-8"},

		// Ids.
		{"MissingID", with(okStage, func(op *blueprint.Op) { op.ID = "" }), blueprint.EINVALID, `missing "id"`},
		{"IDTooLong", with(okStage, func(op *blueprint.Op) { op.ID = long("a", blueprint.MaxIDLen+1) }), blueprint.EINVALID, "invalid id"},
		{"IDSpace", with(okStage, func(op *blueprint.Op) { op.ID = "a b" }), blueprint.EINVALID, "invalid id"},
		{"IDSlash", with(okStage, func(op *blueprint.Op) { op.ID = "a/b" }), blueprint.EINVALID, "invalid id"},
		{"IDDot", with(okStage, func(op *blueprint.Op) { op.ID = "a.b" }), blueprint.EINVALID, "invalid id"},
		{"IDAccent", with(okStage, func(op *blueprint.Op) { op.ID = "étape" }), blueprint.EINVALID, "invalid id"},
		{"IDMarkup", with(okStage, func(op *blueprint.Op) { op.ID = "<b>" }), blueprint.EINVALID, "invalid id"},
		{"IDNewline", with(okStage, func(op *blueprint.Op) { op.ID = "s1\n" }), blueprint.EINVALID, "invalid id"},
		{"IDNUL", with(okStage, func(op *blueprint.Op) { op.ID = "s\x001" }), blueprint.EINVALID, "invalid id"},

		// Board ops.
		{"CreateBoard", create(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("x")}), blueprint.EINVALID, "only be updated"},
		{"DeleteBoard", del(blueprint.TypeBoard, "b1"), blueprint.EINVALID, "only be updated"},

		// Field sets.
		{"DeleteWithFields", with(del(blueprint.TypeStage, "s1"), func(op *blueprint.Op) { op.Fields.Name = str("x") }), blueprint.EINVALID, "no fields"},
		{"UpdateNoFields", update(blueprint.TypeCard, "c1", blueprint.Fields{}), blueprint.EINVALID, "at least one field"},
		{"BoardName", update(blueprint.TypeBoard, "b1", blueprint.Fields{Name: str("x")}), blueprint.EINVALID, `board has no field "name"`},
		{"StageText", update(blueprint.TypeStage, "s1", blueprint.Fields{Text: str("x")}), blueprint.EINVALID, `stage has no field "text"`},
		{"StageTitle", update(blueprint.TypeStage, "s1", blueprint.Fields{Title: str("x")}), blueprint.EINVALID, `stage has no field "title"`},
		{"LaneName", update(blueprint.TypeLane, "l1", blueprint.Fields{Name: str("x")}), blueprint.EINVALID, `lane has no field "name"`},
		{"CardColor", update(blueprint.TypeCard, "c1", blueprint.Fields{Color: str("#000000")}), blueprint.EINVALID, `card has no field "color"`},
		{"CardHidden", update(blueprint.TypeCard, "c1", blueprint.Fields{Hidden: flg(true)}), blueprint.EINVALID, `card has no field "hidden"`},
		{"TeamOrder", update(blueprint.TypeTeam, "t1", blueprint.Fields{Order: str("V")}), blueprint.EINVALID, `team has no field "order"`},
		{"LinkText", update(blueprint.TypeLink, "k1", blueprint.Fields{Text: str("x")}), blueprint.EINVALID, `link has no field "text"`},
		{"LinkStage", with(okLink, func(op *blueprint.Op) { op.Fields.Stage = str("s1") }), blueprint.EINVALID, `link has no field "stage"`},
		{"UpdateLinkFrom", update(blueprint.TypeLink, "k1", blueprint.Fields{From: str("c3")}), blueprint.EINVALID, "ends cannot change"},
		{"UpdateLinkTo", update(blueprint.TypeLink, "k1", blueprint.Fields{To: str("c3")}), blueprint.EINVALID, "ends cannot change"},

		// Text limits, counted in characters.
		{"TitleTooLong", update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str(long("a", blueprint.MaxNameLen+1))}), blueprint.ETOOLARGE, "title"},
		{"TitleTooLongFrench", update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str(long("é", blueprint.MaxNameLen+1))}), blueprint.ETOOLARGE, "201 characters"},
		{"NameTooLong", update(blueprint.TypeStage, "s1", blueprint.Fields{Name: str(long("é", blueprint.MaxNameLen+1))}), blueprint.ETOOLARGE, "name"},
		{"TeamNameTooLong", update(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str(long("ô", blueprint.MaxNameLen+1))}), blueprint.ETOOLARGE, "name"},
		{"LabelTooLong", update(blueprint.TypeLane, "l1", blueprint.Fields{Label: str(long("ç", blueprint.MaxNameLen+1))}), blueprint.ETOOLARGE, "label"},
		{"TextTooLong", cardText(long("a", blueprint.MaxTextLen+1)), blueprint.ETOOLARGE, "text"},
		{"TextTooLongFrench", cardText(long("é", blueprint.MaxTextLen+1)), blueprint.ETOOLARGE, "the limit is 4000"},
		{"DetailTooLong", update(blueprint.TypeCard, "c1", blueprint.Fields{Detail: str(long("è", blueprint.MaxDetailLen+1))}), blueprint.ETOOLARGE, "detail"},

		// NUL and invalid UTF-8 inside strings.
		{"TextNUL", cardText("a\x00b"), blueprint.EINVALID, "NUL"},
		{"TitleNUL", update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("\x00")}), blueprint.EINVALID, "NUL"},
		{"NameNUL", update(blueprint.TypeTeam, "t1", blueprint.Fields{Name: str("Vente\x00")}), blueprint.EINVALID, "NUL"},
		{"DetailNUL", update(blueprint.TypeCard, "c1", blueprint.Fields{Detail: str("x\x00")}), blueprint.EINVALID, "NUL"},
		{"TextInvalidUTF8", cardText("caf\xe9"), blueprint.EINVALID, "text is not valid UTF-8"},
		{"LabelInvalidUTF8", update(blueprint.TypeLane, "l1", blueprint.Fields{Label: str("\xc3\x28")}), blueprint.EINVALID, "label is not valid UTF-8"},
		{"TitleInvalidUTF8", update(blueprint.TypeBoard, "b1", blueprint.Fields{Title: str("\xff")}), blueprint.EINVALID, "title is not valid UTF-8"},
		{"DetailInvalidUTF8", update(blueprint.TypeCard, "c1", blueprint.Fields{Detail: str("\xed\xa0\x80")}), blueprint.EINVALID, "detail is not valid UTF-8"},

		// Roles, orders, references.
		{"UnknownRole", update(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("kitchen")}), blueprint.EINVALID, `lane role "kitchen"`},
		{"EmptyRole", update(blueprint.TypeLane, "l1", blueprint.Fields{Role: str("")}), blueprint.EINVALID, "lane role"},
		{"BadOrder", update(blueprint.TypeStage, "s1", blueprint.Fields{Order: str("V0")}), blueprint.EINVALID, "order key"},
		{"EmptyOrder", update(blueprint.TypeLane, "l1", blueprint.Fields{Order: str("")}), blueprint.EINVALID, "order key"},
		{"BadStageRef", update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("s 1")}), blueprint.EINVALID, "stage id"},
		{"EmptyStageRef", update(blueprint.TypeCard, "c1", blueprint.Fields{Stage: str("")}), blueprint.EINVALID, "stage id"},
		{"BadLaneRef", update(blueprint.TypeCard, "c1", blueprint.Fields{Lane: str("l/1")}), blueprint.EINVALID, "lane id"},
		{"BadTeamRef", update(blueprint.TypeCard, "c1", blueprint.Fields{Team: str("t.1")}), blueprint.EINVALID, "team id"},
		{"BadFromRef", with(okLink, func(op *blueprint.Op) { op.Fields.From = str("") }), blueprint.EINVALID, "from id"},
		{"BadToRef", with(okLink, func(op *blueprint.Op) { op.Fields.To = str(long("c", 65)) }), blueprint.EINVALID, "to id"},
		{"BadOwnerRef", update(blueprint.TypeLink, "k1", blueprint.Fields{Owner: str("équipe")}), blueprint.EINVALID, "owner id"},

		// Kinds, colours, statuses, numbers.
		{"UnknownCardKind", update(blueprint.TypeCard, "c1", blueprint.Fields{Kind: str("sticky")}), blueprint.EINVALID, `kind "sticky"`},
		{"UnknownLinkKind", update(blueprint.TypeLink, "k1", blueprint.Fields{Kind: str("")}), blueprint.EINVALID, "kind"},
		{"ColourName", update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("red")}), blueprint.EINVALID, "colour"},
		{"ColourShort", update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("#fff")}), blueprint.EINVALID, "colour"},
		{"ColourLong", update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("#1234567")}), blueprint.EINVALID, "colour"},
		{"ColourNotHex", update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("#GGGGGG")}), blueprint.EINVALID, "colour"},
		{"ColourCSS", update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("#000;}")}), blueprint.EINVALID, "colour"},
		{"ColourNoHash", update(blueprint.TypeTeam, "t1", blueprint.Fields{Color: str("2563eb")}), blueprint.EINVALID, "colour"},
		{"UnknownStatus", update(blueprint.TypeLink, "k1", blueprint.Fields{Status: str("done")}), blueprint.EINVALID, `status "done"`},
		{"ActiveMinutesNegative", update(blueprint.TypeCard, "c1", blueprint.Fields{ActiveMinutes: num(-1)}), blueprint.EINVALID, "active_minutes"},
		{"ActiveMinutesTooMany", update(blueprint.TypeCard, "c1", blueprint.Fields{ActiveMinutes: num(blueprint.MaxMinutes + 1)}), blueprint.EINVALID, "active_minutes"},
		{"WaitMinutesNegative", update(blueprint.TypeCard, "c1", blueprint.Fields{WaitMinutes: num(-5)}), blueprint.EINVALID, "wait_minutes"},
		{"WaitMinutesTooMany", update(blueprint.TypeCard, "c1", blueprint.Fields{WaitMinutes: num(blueprint.MaxMinutes + 1)}), blueprint.EINVALID, "wait_minutes"},
		{"EmotionTooLow", update(blueprint.TypeCard, "c1", blueprint.Fields{Emotion: num(-3)}), blueprint.EINVALID, "emotion"},
		{"EmotionTooHigh", update(blueprint.TypeCard, "c1", blueprint.Fields{Emotion: num(3)}), blueprint.EINVALID, "emotion"},
	} {
		t.Run("Err"+tt.name, func(t *testing.T) {
			wantErr(t, tt.op.Validate(), tt.code, tt.word)
		})
	}
}

func TestDecodeOps(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		body := `[
			{"key":"c1:1","op":"create","type":"card","id":"c1","fields":{"stage":"s1","lane":"l1","order":"V","text":"Le client paie à la caisse","active_minutes":5,"emotion":-2}},
			{"op":"update","type":"lane","id":"l1","fields":{"hidden":false}},
			{"op":"delete","type":"link","id":"k1"}
		]`
		got, err := blueprint.DecodeOps([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		want := []blueprint.Op{
			{Key: "c1:1", Action: "create", Type: "card", ID: "c1", Fields: blueprint.Fields{
				Stage: str("s1"), Lane: str("l1"), Order: str("V"), Text: str("Le client paie à la caisse"), ActiveMinutes: num(5), Emotion: num(-2),
			}},
			{Action: "update", Type: "lane", ID: "l1", Fields: blueprint.Fields{Hidden: flg(false)}},
			{Action: "delete", Type: "link", ID: "k1"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DecodeOps mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("EmptyArray", func(t *testing.T) {
		got, err := blueprint.DecodeOps([]byte(" [] \n"))
		if err != nil || len(got) != 0 {
			t.Errorf("DecodeOps([]) = %v, %v; want no ops and no error", got, err)
		}
	})

	t.Run("AtLimit", func(t *testing.T) {
		got, err := blueprint.DecodeOps(opsBody(blueprint.MaxOpsPerBatch))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != blueprint.MaxOpsPerBatch {
			t.Errorf("got %d ops, want %d", len(got), blueprint.MaxOpsPerBatch)
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		_, err := blueprint.DecodeOps(opsBody(blueprint.MaxOpsPerBatch + 1))
		wantErr(t, err, blueprint.ETOOLARGE, "at most 500 ops", "got 501")
	})

	for _, tt := range []struct {
		name  string
		body  string
		words []string
	}{
		{"Malformed", `[{"op":}]`, []string{"malformed JSON", "invalid character"}},
		{"Truncated", `[{"op":"create"`, []string{"malformed JSON", "ends too early"}},
		{"Empty", ``, []string{"empty"}},
		{"Blank", " \n\t", []string{"empty"}},
		{"UnknownField", `[{"op":"create","type":"stage","id":"s1","colour":"red"}]`, []string{"unknown field", `"colour"`}},
		{"UnknownNestedField", `[{"op":"create","type":"stage","id":"s1","fields":{"order":"V","position":3}}]`, []string{"unknown field", `"position"`}},
		{"TrailingValue", `[] []`, []string{"after the value"}},
		{"TrailingGarbage", `[]x`, []string{"after the value"}},
		{"TrailingBrace", `[]}`, []string{"after the value"}},
		{"InvalidUTF8", "[{\"op\":\"create\",\"type\":\"stage\",\"id\":\"s1\",\"fields\":{\"name\":\"caf\xe9\",\"order\":\"V\"}}]", []string{"UTF-8"}},
		{"InvalidUTF8Outside", "\xff[]", []string{"UTF-8"}},
		{"WrongTypeNumber", `[{"op":"update","type":"card","id":"c1","fields":{"active_minutes":"5"}}]`, []string{"active_minutes", "string"}},
		{"WrongTypeBool", `[{"op":"update","type":"lane","id":"l1","fields":{"hidden":"yes"}}]`, []string{"hidden"}},
		{"WrongTypeString", `[{"op":1,"type":"card","id":"c1"}]`, []string{"op"}},
		{"FractionalNumber", `[{"op":"update","type":"card","id":"c1","fields":{"emotion":1.5}}]`, []string{"emotion"}},
		{"Object", `{"op":"delete","type":"card","id":"c1"}`, []string{"malformed JSON", "object"}},
	} {
		t.Run("Err"+tt.name, func(t *testing.T) {
			ops, err := blueprint.DecodeOps([]byte(tt.body))
			wantErr(t, err, blueprint.EINVALID, tt.words...)
			if ops != nil {
				t.Errorf("got ops %v alongside an error", ops)
			}
		})
	}
}

// opsBody returns a JSON array of n stage creations.
func opsBody(n int) []byte {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"op":"create","type":"stage","id":"s%d","fields":{"order":"V"}}`, i)
	}
	sb.WriteByte(']')
	return []byte(sb.String())
}
