package blueprint

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSVColumns are the columns of a board's CSV export, in order, and the columns a CSV
// import reads (by name, in any order). They are part of the documented API: a name is
// never changed, new columns are only added. links_in and links_out are written by the
// export and ignored by an import (a CSV holds no links).
var CSVColumns = []string{
	"stage", "lane", "lane_role", "team", "team_color", "kind", "text", "detail", "emotion",
	"active_minutes", "active_minutes_max", "wait_minutes", "wait_minutes_max",
	"evidence", "manual", "milestone", "links_in", "links_out",
}

// csvBOM starts every CSV export, so that spreadsheets read it as UTF-8.
const csvBOM = "\ufeff"

// MaxCSVRows bounds the rows a CSV import reads, blank ones included: a board holds at
// most MaxCards cards.
const MaxCSVRows = MaxCards + 100

// EncodeCSV writes the board's cards as CSV: a BOM, the header CSVColumns, then one row
// per card, by stage, lane and card order. A cell that a spreadsheet would take for a
// formula (starting with =, +, -, @, a tab or a carriage return) is written after an
// apostrophe, as is one already starting with apostrophes before such a character, so
// that DecodeCSV gives back exactly what was written.
func EncodeCSV(w io.Writer, b *Board) error {
	if _, err := io.WriteString(w, csvBOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	in, out := map[string]int{}, map[string]int{}
	for _, l := range b.Links {
		out[l.From]++
		in[l.To]++
	}
	stageAt, laneAt := map[string]int{}, map[string]int{}
	for i, s := range b.SortedStages() {
		stageAt[s.ID] = i
	}
	for i, l := range b.SortedLanes() {
		laneAt[l.ID] = i
	}
	cards := b.SortedCards()
	slices.SortStableFunc(cards, func(x, y *Card) int {
		if d := stageAt[x.Stage] - stageAt[y.Stage]; d != 0 {
			return d
		}
		return laneAt[x.Lane] - laneAt[y.Lane]
	})
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, c := range cards {
		var stage, lane, role, team, color string
		if s := b.Stages[c.Stage]; s != nil {
			stage = s.Name
		}
		if l := b.Lanes[c.Lane]; l != nil {
			lane, role = l.Label, string(l.Role)
		}
		if t := b.Teams[c.Team]; t != nil {
			team, color = t.Name, t.Color
		}
		manual := ""
		if c.Manual {
			manual = "yes"
		}
		row := []string{stage, lane, role, team, color, c.Kind, c.Text, c.Detail, num(c.Emotion),
			num(c.ActiveMinutes), num(c.ActiveMax), num(c.WaitMinutes), num(c.WaitMax),
			c.Evidence, manual, c.Milestone, strconv.Itoa(in[c.ID]), strconv.Itoa(out[c.ID])}
		for i := range row {
			row[i] = neutralize(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// formulaStart reports whether a spreadsheet would read a cell starting so as a formula.
func formulaStart(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// neutralize puts an apostrophe before a cell that would read as a formula once its
// leading apostrophes are gone.
func neutralize(s string) string {
	if formulaStart(strings.TrimLeft(s, "'")) {
		return "'" + s
	}
	return s
}

// CSVRowProblem is a row of a CSV import that cannot be read, and why.
type CSVRowProblem struct {
	Row int    `json:"row"` // the row's number in the file, the header being row 1
	Err *Error `json:"-"`
}

// CSVImport is what a CSV import would create on an empty board: its ops, in order
// (teams, stages and lanes as the rows first name them, then the cards), what they make,
// and the rows that cannot be read.
type CSVImport struct {
	Ops      []Op
	Board    *Board // the board the ops make, without the rows that cannot be read
	Stages   []string
	Lanes    []string
	Teams    []string
	Cards    int
	Problems []CSVRowProblem
}

// DecodeCSV reads a CSV of cards with the export's columns (CSVColumns, by name in the
// header, in any order; text is required, the others optional, links_in and links_out
// ignored) and plans the board it makes. Stages, lanes and teams are found by name,
// created the first time a row names them. Fields are separated by commas, or by
// semicolons when the header has a semicolon and no comma. A cell starting with a formula
// character (=, +, -, @, tab, CR) must be written after an apostrophe, as the export
// writes it; the apostrophe is removed. A file too large, not UTF-8, without a header or
// with an unknown or repeated column is refused with an error; a row that cannot be read
// is listed in Problems with why, and the others are planned all the same: the caller
// decides (an import writes nothing while there is any problem).
func DecodeCSV(data []byte) (*CSVImport, error) {
	if !utf8.Valid(data) {
		return nil, Errorf(EINVALID, "the CSV is not valid UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte(csvBOM))
	r := csv.NewReader(bytes.NewReader(data))
	header, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Contains(header, []byte(";")) && !bytes.Contains(header, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, Errorf(EINVALID, "the CSV is empty")
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return nil, Errorf(EINVALID, "line %d of the CSV is malformed", perr.Line)
	}
	if err != nil {
		return nil, Errorf(EINVALID, "the CSV cannot be read")
	}
	col := map[string]int{}
	for i, name := range head {
		name = strings.ToLower(strings.TrimSpace(name))
		if !slices.Contains(CSVColumns, name) {
			return nil, Errorf(EINVALID, "the CSV has a column %q, which is not one of %v", truncate(name, 40), CSVColumns)
		}
		if _, twice := col[name]; twice {
			return nil, Errorf(EINVALID, "the CSV names the column %q twice", name)
		}
		col[name] = i
	}
	if _, ok := col["text"]; !ok {
		return nil, Errorf(EINVALID, "the CSV has no column %q", "text")
	}

	// The rows are read first, so that the order keys can be spread evenly over them:
	// keys made one after another would grow too long for a board's worth of cards.
	type record struct {
		row    int
		fields []string
	}
	var records []record
	var broken *CSVRowProblem
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &perr) {
			// A broken quote spoils the rest of the file: nothing after it can be trusted.
			broken = &CSVRowProblem{Row: row, Err: Errorf(EINVALID, "line %d of the CSV is malformed", perr.Line)}
			break
		}
		if err != nil {
			return nil, Errorf(EINVALID, "the CSV cannot be read")
		}
		if row > MaxCSVRows {
			return nil, Errorf(ETOOLARGE, "the CSV holds more than %d rows", MaxCSVRows)
		}
		if !blankRecord(rec) {
			records = append(records, record{row, rec})
		}
	}
	p := &csvPlan{CSVImport: CSVImport{Board: NewBoard("", "", "")},
		stages: map[string]string{}, lanes: map[string]string{}, teams: map[string]string{}}
	p.cardKeys, _ = KeysBetween("", "", len(records))
	p.stageKeys, _ = KeysBetween("", "", min(len(records), MaxStages))
	p.laneKeys, _ = KeysBetween("", "", min(len(records), MaxLanes))
	for _, rec := range records {
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec.fields) {
				return rec.fields[i]
			}
			return ""
		}
		if err := p.row(get); err != nil {
			code := EINVALID
			if ErrorCode(err) == ETOOLARGE {
				code = ETOOLARGE
			}
			p.Problems = append(p.Problems, CSVRowProblem{Row: rec.row, Err: Errorf(code, "row %d: %s", rec.row, err)})
		}
	}
	if broken != nil {
		p.Problems = append(p.Problems, *broken)
	}
	if p.Cards == 0 && len(p.Problems) == 0 {
		return nil, Errorf(EINVALID, "the CSV holds no card")
	}
	return &p.CSVImport, nil
}

// csvPlan is a CSV import being read: the board so far and the ids given to names.
type csvPlan struct {
	CSVImport
	stages, lanes, teams map[string]string // name → id
	// The order keys of the stages, lanes and cards, in the order they are made.
	stageKeys, laneKeys, cardKeys []string
}

// row plans one row: the stage, lane and team it names if they are new, then its card.
// The ops are applied to the plan's board; a row that fails leaves it as it was.
func (p *csvPlan) row(get func(string) string) error {
	cell := func(name string) (string, error) {
		v := get(name)
		t := strings.TrimLeft(v, "'")
		if formulaStart(t) {
			if t == v {
				return "", Errorf(EINVALID, "the %s starts with %q, which a spreadsheet would run as a formula: write an apostrophe before it", Term(name), v[:1])
			}
			v = v[1:]
		}
		return v, nil
	}
	var cells = map[string]string{}
	for _, name := range CSVColumns {
		v, err := cell(name)
		if err != nil {
			// A number keeps its sign without an apostrophe.
			if _, nerr := strconv.Atoi(strings.TrimSpace(get(name))); nerr != nil || !slices.Contains(csvNumbers, name) {
				return err
			}
			v = get(name)
		}
		cells[name] = v
	}
	stage, lane, team := strings.TrimSpace(cells["stage"]), strings.TrimSpace(cells["lane"]), strings.TrimSpace(cells["team"])
	if stage == "" {
		stage = "—"
	}
	if lane == "" {
		lane = "—"
	}
	var ops []Op
	stageID, ok := p.stages[stage]
	if !ok {
		key := p.stageKeys[min(len(p.stages), len(p.stageKeys)-1)] // past the last, the board refuses the stage
		stageID = fmt.Sprintf("stage-%d", len(p.stages)+1)
		ops = append(ops, Op{Action: ActionCreate, Type: TypeStage, ID: stageID, Fields: Fields{Name: ptr(stage), Order: ptr(key)}})
	}
	laneID, ok := p.lanes[lane]
	if !ok {
		role := cmp.Or(strings.TrimSpace(cells["lane_role"]), string(RoleCustom))
		key := p.laneKeys[min(len(p.lanes), len(p.laneKeys)-1)]
		laneID = fmt.Sprintf("lane-%d", len(p.lanes)+1)
		ops = append(ops, Op{Action: ActionCreate, Type: TypeLane, ID: laneID, Fields: Fields{Role: ptr(role), Label: ptr(lane), Order: ptr(key)}})
	}
	teamID := ""
	if team != "" {
		if teamID, ok = p.teams[team]; !ok {
			color := cmp.Or(strings.TrimSpace(cells["team_color"]), csvTeamColors[len(p.teams)%len(csvTeamColors)])
			teamID = fmt.Sprintf("team-%d", len(p.teams)+1)
			ops = append(ops, Op{Action: ActionCreate, Type: TypeTeam, ID: teamID, Fields: Fields{Name: ptr(team), Color: ptr(color)}})
		}
	}
	cardKey := p.cardKeys[min(p.Cards, len(p.cardKeys)-1)]
	f := Fields{Stage: ptr(stageID), Lane: ptr(laneID), Order: ptr(cardKey), Text: ptr(cells["text"]),
		Kind: ptr(cmp.Or(strings.TrimSpace(cells["kind"]), KindNote))}
	if teamID != "" {
		f.Team = ptr(teamID)
	}
	f.Detail = nonZero(cells["detail"])
	for _, n := range []struct {
		name string
		to   **int
	}{{"emotion", &f.Emotion}, {"active_minutes", &f.ActiveMinutes}, {"active_minutes_max", &f.ActiveMax},
		{"wait_minutes", &f.WaitMinutes}, {"wait_minutes_max", &f.WaitMax}} {
		v := strings.TrimSpace(cells[n.name])
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return Errorf(EINVALID, "the %s must be a whole number, not %q", Term(n.name), truncate(v, 40))
		}
		*n.to = ptr(i)
	}
	f.Evidence, f.Milestone = nonZero(strings.TrimSpace(cells["evidence"])), nonZero(strings.TrimSpace(cells["milestone"]))
	switch strings.ToLower(strings.TrimSpace(cells["manual"])) {
	case "", "no", "non", "false", "0":
	case "yes", "oui", "true", "1":
		f.Manual = ptr(true)
	default:
		return Errorf(EINVALID, "manual is yes or no, not %q", truncate(cells["manual"], 40))
	}
	ops = append(ops, Op{Action: ActionCreate, Type: TypeCard, ID: fmt.Sprintf("card-%d", p.Cards+1), Fields: f})

	// A row refused leaves nothing of itself: what its ops made before the one that
	// failed is taken out again (nothing can hang on it yet).
	for i, op := range ops {
		if err := p.Board.Apply(op); err != nil {
			for _, done := range ops[:i] {
				delete(p.Board.Stages, done.ID)
				delete(p.Board.Lanes, done.ID)
				delete(p.Board.Teams, done.ID)
			}
			return err
		}
	}
	p.Ops = append(p.Ops, ops...)
	for _, op := range ops {
		switch op.Type {
		case TypeStage:
			p.stages[stage] = op.ID
			p.Stages = append(p.Stages, stage)
		case TypeLane:
			p.lanes[lane] = op.ID
			p.Lanes = append(p.Lanes, lane)
		case TypeTeam:
			p.teams[team] = op.ID
			p.Teams = append(p.Teams, team)
		case TypeCard:
			p.Cards++
		}
	}
	return nil
}

// csvNumbers are the columns holding whole numbers, which may start with a minus sign.
var csvNumbers = []string{"emotion", "active_minutes", "active_minutes_max", "wait_minutes", "wait_minutes_max", "links_in", "links_out"}

// csvTeamColors colour the teams an import creates without a team_color.
var csvTeamColors = []string{"#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563"}
