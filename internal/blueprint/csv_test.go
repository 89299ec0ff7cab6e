package blueprint_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// csvCard is a card as the CSV carries it: its cell and team by name.
type csvCard struct {
	Stage, Lane, Role, Team, Color string
	Card                           blueprint.Card
}

// csvCards lists the board's cards in the export's order, named as a CSV names them.
func csvCards(b *blueprint.Board) []csvCard {
	var out []csvCard
	for _, s := range b.SortedStages() {
		for _, l := range b.SortedLanes() {
			for _, c := range b.SortedCards() {
				if c.Stage != s.ID || c.Lane != l.ID {
					continue
				}
				x := csvCard{Stage: s.Name, Lane: l.Label, Role: string(l.Role), Card: *c}
				if t := b.Teams[c.Team]; t != nil {
					x.Team, x.Color = t.Name, t.Color
				}
				x.Card.ID, x.Card.Stage, x.Card.Lane, x.Card.Team, x.Card.Order = "", "", "", "", ""
				out = append(out, x)
			}
		}
	}
	return out
}

// csvFixture is the fixture with cards holding every field and hostile text.
func csvFixture(t *testing.T) *blueprint.Board {
	t.Helper()
	b := fixture(t)
	mustApply(t, b,
		update(blueprint.TypeCard, "c1", blueprint.Fields{Text: str("=HYPERLINK(\"http://evil\";\"x\")"), Detail: str("line 1\nline 2, \"quoted\""),
			ActiveMinutes: num(30), ActiveMax: num(90), WaitMinutes: num(60), WaitMax: num(120), Evidence: str("to_verify"),
			Milestone: str("first_contact"), Manual: flg(true), Emotion: num(-2), Kind: str("touchpoint")}),
		update(blueprint.TypeCard, "c2", blueprint.Fields{Text: str("-1 in stock; @all +tab\tinside")}),
		update(blueprint.TypeCard, "c3", blueprint.Fields{Text: str("'=already quoted"), Detail: str("\tstarts with a tab")}),
		update(blueprint.TypeCard, "c4", blueprint.Fields{Text: str("Livré à l’étage « 3 » 🚚 <b>&amp;</b>"), Emotion: num(2), Milestone: str("value_moment")}),
		update(blueprint.TypeStage, "s2", blueprint.Fields{Name: str("+Réception")}),
		create(blueprint.TypeCard, "c5", blueprint.Fields{Stage: str("s2"), Lane: str("l1"), Order: str("W"), Text: str("@second in the cell")}),
	)
	return b
}

func encodeCSV(t *testing.T, b *blueprint.Board) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := blueprint.EncodeCSV(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeCSV(t *testing.T) {
	data := encodeCSV(t, csvFixture(t))
	if !bytes.HasPrefix(data, []byte("\ufeffstage,lane,")) {
		t.Fatalf("the export does not start with a BOM and the header: %q", data[:min(40, len(data))])
	}
	if !utf8.Valid(data) {
		t.Fatal("the export is not UTF-8")
	}
	rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(blueprint.CSVColumns, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want the header and 5 cards", len(rows))
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s holds %q, which a spreadsheet runs as a formula", rows[0][i], cell)
			}
		}
	}
	col := func(row []string, name string) string {
		for i, n := range rows[0] {
			if n == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	first := rows[1]
	for name, want := range map[string]string{"stage": "Order", "lane": "Customer", "lane_role": "customer_actions", "team": "Sales",
		"team_color": "#2563eb", "kind": "touchpoint", "text": `'=HYPERLINK("http://evil";"x")`, "emotion": "'-2",
		"active_minutes": "30", "active_minutes_max": "90", "wait_minutes": "60", "wait_minutes_max": "120",
		"evidence": "to_verify", "manual": "yes", "milestone": "first_contact", "links_in": "0", "links_out": "1"} {
		if got := col(first, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := col(rows[2], "links_in"); got != "1" {
		t.Errorf("Checks stock: links_in = %q, want 1", got)
	}
	if got := col(rows[3], "text"); got != "''=already quoted" {
		t.Errorf("a text starting with an apostrophe and '=': %q", got)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	b := csvFixture(t)
	imp, err := blueprint.DecodeCSV(encodeCSV(t, b))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range imp.Problems {
		t.Errorf("row %d: %v", p.Row, p.Err)
	}
	if diff := cmp.Diff(csvCards(b), csvCards(imp.Board)); diff != "" {
		t.Errorf("cards after export and import (-want +got):\n%s", diff)
	}
	// The ops alone rebuild the same board on an empty one.
	again := blueprint.NewBoard("b2", "x", "")
	mustApply(t, again, imp.Ops...)
	if diff := cmp.Diff(csvCards(b), csvCards(again)); diff != "" {
		t.Errorf("cards from the ops (-want +got):\n%s", diff)
	}
	if imp.Cards != 5 || len(imp.Stages) != 2 || len(imp.Lanes) != 2 || len(imp.Teams) != 2 {
		t.Errorf("plan: %d cards, stages %v, lanes %v, teams %v", imp.Cards, imp.Stages, imp.Lanes, imp.Teams)
	}
}

func TestDecodeCSV(t *testing.T) {
	t.Run("SemicolonsAndDefaults", func(t *testing.T) {
		imp, err := blueprint.DecodeCSV([]byte("Text;Stage\nAppelle;Contact\n\n;\nRépond;Contact\n"))
		if err != nil || len(imp.Problems) > 0 {
			t.Fatal(err, imp.Problems)
		}
		if imp.Cards != 2 || len(imp.Stages) != 1 || len(imp.Lanes) != 1 {
			t.Fatalf("%+v", imp)
		}
		for _, c := range imp.Board.Cards {
			if c.Kind != blueprint.KindNote || imp.Board.Lanes[c.Lane].Role != blueprint.RoleCustom {
				t.Errorf("card %+v", c)
			}
		}
	})
	t.Run("RowProblems", func(t *testing.T) {
		data := "text,stage,kind,active_minutes,manual,emotion,evidence\n" +
			"fine,A,,,,,\n" +
			"=cmd|' /C calc'!A0,A,,,,,\n" + // formula injection
			"x,A,handoff,,,,\n" + // bad kind
			"x,A,,ten,,,\n" + // not a number
			"x,A,,,maybe,,\n" +
			"x,A,,,,-7,\n" +
			"x,@B,,,,,\n" +
			"x,A,,,,-1,sure\n" +
			"fine too,A,,,,-1,\n"
		imp, err := blueprint.DecodeCSV([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		var rows []int
		for _, p := range imp.Problems {
			rows = append(rows, p.Row)
			if !strings.HasPrefix(p.Err.Message, fmt.Sprintf("row %d: ", p.Row)) {
				t.Errorf("message %q", p.Err.Message)
			}
		}
		if diff := cmp.Diff([]int{3, 4, 5, 6, 7, 8, 9}, rows); diff != "" {
			t.Errorf("rows refused (-want +got):\n%s", diff)
		}
		if !strings.Contains(imp.Problems[0].Err.Message, "formula") {
			t.Errorf("formula: %q", imp.Problems[0].Err.Message)
		}
		if imp.Cards != 2 || len(imp.Stages) != 1 {
			t.Errorf("%d cards, stages %v; a refused row leaves nothing", imp.Cards, imp.Stages)
		}
	})
	for name, tc := range map[string]struct{ data, code, words string }{
		"Empty":         {"", blueprint.EINVALID, "empty"},
		"BOMOnly":       {"\ufeff", blueprint.EINVALID, "empty"},
		"NotUTF8":       {"text\n\xff\n", blueprint.EINVALID, "UTF-8"},
		"UnknownColumn": {"text,colour\nx,red\n", blueprint.EINVALID, `"colour"`},
		"Twice":         {"text,TEXT\nx,y\n", blueprint.EINVALID, "twice"},
		"NoText":        {"stage\nA\n", blueprint.EINVALID, `"text"`},
		"NoCard":        {"text\n", blueprint.EINVALID, "no card"},
		"Broken":        {"text,\"stage\nx", blueprint.EINVALID, "malformed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := blueprint.DecodeCSV([]byte(tc.data))
			wantErr(t, err, tc.code, tc.words)
		})
	}
	t.Run("AFullBoard", func(t *testing.T) {
		var sb strings.Builder
		sb.WriteString("text,stage,lane,team\n")
		for i := range blueprint.MaxCards {
			fmt.Fprintf(&sb, "card %d,stage %d,lane %d,team %d\n", i, i%blueprint.MaxStages, i%blueprint.MaxLanes, i%blueprint.MaxTeams)
		}
		imp, err := blueprint.DecodeCSV([]byte(sb.String()))
		if err != nil {
			t.Fatal(err)
		}
		if imp.Cards != blueprint.MaxCards || len(imp.Problems) > 0 || len(imp.Stages) != blueprint.MaxStages {
			t.Errorf("%d cards, %d stages, problems %+v", imp.Cards, len(imp.Stages), imp.Problems[:min(1, len(imp.Problems))])
		}
	})
	t.Run("TooManyRows", func(t *testing.T) {
		data := "text\n" + strings.Repeat("x\n", blueprint.MaxCSVRows)
		_, err := blueprint.DecodeCSV([]byte(data))
		wantErr(t, err, blueprint.ETOOLARGE, "rows")
	})
}

// FuzzDecodeCSV reads arbitrary bytes as a CSV import. Every input is refused with a coded
// error or planned; each problem is coded and names its row; the plan's ops rebuild its
// board on an empty one, and that board exports as a CSV that reads back to the same cards.
func FuzzDecodeCSV(f *testing.F) {
	b := fixture(&testing.T{})
	var buf bytes.Buffer
	_ = blueprint.EncodeCSV(&buf, b)
	f.Add(buf.Bytes())
	for _, seed := range []string{
		"text;stage;lane\n'=1;A;B\n",
		"text,emotion,manual\n-x,-2,oui\n'@y,'-1,no\n",
		"text,stage\n\"a\nb\",\"c\"\"d\"\n",
		"text\n=1\n+2\n\t3\n",
		"text,\"stage\nx",
		"\ufefftext,links_in,links_out\nx,3,4\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		imp, err := blueprint.DecodeCSV(data)
		if err != nil {
			if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
				t.Fatalf("uncoded error %v", err)
			}
			return
		}
		for _, p := range imp.Problems {
			if p.Err == nil || !strings.HasPrefix(p.Err.Message, fmt.Sprintf("row %d: ", p.Row)) && !strings.HasPrefix(p.Err.Message, "line ") {
				t.Fatalf("problem %+v", p)
			}
		}
		again := blueprint.NewBoard("b", "x", "")
		for _, op := range imp.Ops {
			if err := again.Apply(op); err != nil {
				t.Fatalf("op %+v of the plan: %v", op, err)
			}
		}
		want := csvCards(imp.Board)
		if diff := cmp.Diff(want, csvCards(again)); diff != "" {
			t.Fatalf("the ops make another board (-plan +ops):\n%s", diff)
		}
		if imp.Cards == 0 {
			return
		}
		var out bytes.Buffer
		if err := blueprint.EncodeCSV(&out, again); err != nil {
			t.Fatal(err)
		}
		back, err := blueprint.DecodeCSV(out.Bytes())
		if err != nil || len(back.Problems) > 0 {
			t.Fatalf("the export of an import is refused: %v %+v\n%q", err, back, out.Bytes())
		}
		if diff := cmp.Diff(want, csvCards(back.Board)); diff != "" {
			t.Fatalf("export then import (-want +got):\n%s", diff)
		}
	})
}
