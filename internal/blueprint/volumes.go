package blueprint

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxVolumesCSV is the largest CSV of stage volumes DecodeVolumesCSV reads, in bytes;
// MaxVolumesRows the most rows, the header and blank ones included (a board has at most
// MaxStages stages).
const (
	MaxVolumesCSV  = 256 << 10
	MaxVolumesRows = 1000
)

// volumeColumns are the names a CSV's header may give its columns, in English and in
// French, compared without regard to case or accents' absence.
var volumeColumns = map[string]string{
	"stage": "stage", "étape": "stage", "etape": "stage",
	"entered": "entered", "entrés": "entered", "entres": "entered", "entrées": "entered", "entrees": "entered",
	"completed": "completed", "terminés": "completed", "termines": "completed",
}

// DecodeVolumesCSV reads the funnel's volumes per stage from a CSV (what a spreadsheet
// or a CRM exports) and returns the stage updates that set them on b. The first row names
// the columns — stage, entered, completed (or étape, entrés, terminés), in any order,
// other columns ignored; then one row per stage, named by its id or its name (a name two
// stages share must be given as the id). Fields are separated by commas, or by
// semicolons when the header has a semicolon and no comma (as French spreadsheets write
// them). A number may hold spaces between its digits ("12 500"); an empty cell leaves
// that volume as it is. A stage given twice, a row naming no stage of b, a number that is
// not a whole number from 0 to MaxVolume, or more completed than entered in one row is
// refused with a message naming the row. Nothing is applied: the caller sends the ops.
func DecodeVolumesCSV(data []byte, b *Board) ([]Op, error) {
	if len(data) > MaxVolumesCSV {
		return nil, Errorf(ETOOLARGE, "the CSV is larger than %d bytes", MaxVolumesCSV)
	}
	if !utf8.Valid(data) {
		return nil, Errorf(EINVALID, "the CSV is not valid UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	header, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Contains(header, []byte(";")) && !bytes.Contains(header, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	read := func() ([]string, error) {
		rec, err := r.Read()
		var perr *csv.ParseError
		switch {
		case errors.As(err, &perr):
			return nil, Errorf(EINVALID, "line %d of the CSV is malformed", perr.Line)
		case err != nil && !errors.Is(err, io.EOF):
			return nil, Errorf(EINVALID, "the CSV cannot be read")
		}
		return rec, err
	}
	head, err := read()
	if errors.Is(err, io.EOF) {
		return nil, Errorf(EINVALID, "the CSV is empty")
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, name := range head {
		c, ok := volumeColumns[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			continue
		}
		if _, twice := col[c]; twice {
			return nil, Errorf(EINVALID, "the CSV names the column %q twice", c)
		}
		col[c] = i
	}
	_, hasEntered := col["entered"]
	_, hasCompleted := col["completed"]
	if _, ok := col["stage"]; !ok || (!hasEntered && !hasCompleted) {
		return nil, Errorf(EINVALID, "the CSV's first row names its columns: stage, and entered or completed")
	}
	byName := map[string][]string{}
	for id, s := range b.Stages {
		k := strings.ToLower(strings.TrimSpace(s.Name))
		byName[k] = append(byName[k], id)
	}
	seen := map[string]int{} // stage id → row
	var ops []Op
	for row := 2; ; row++ {
		if row > MaxVolumesRows {
			return nil, Errorf(ETOOLARGE, "the CSV holds more than %d rows", MaxVolumesRows)
		}
		rec, err := read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if blankRecord(rec) {
			continue
		}
		cell := func(c string) string {
			i, ok := col[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		name := cell("stage")
		id := name
		if b.Stages[id] == nil {
			ids := byName[strings.ToLower(name)]
			switch len(ids) {
			case 0:
				return nil, Errorf(EINVALID, "row %d: no stage is named %q", row, truncate(name, 80))
			case 1:
				id = ids[0]
			default:
				return nil, Errorf(EINVALID, "row %d: %d stages are named %q; give the stage's id", row, len(ids), truncate(name, 80))
			}
		}
		if at, ok := seen[id]; ok {
			return nil, Errorf(EINVALID, "row %d gives the stage of row %d again", row, at)
		}
		seen[id] = row
		op := Op{Action: ActionUpdate, Type: TypeStage, ID: id}
		for _, v := range []struct {
			name string
			to   **int
		}{{"entered", &op.Fields.Entered}, {"completed", &op.Fields.Completed}} {
			s := cell(v.name)
			if s == "" {
				continue
			}
			n, ok := parseVolume(s)
			if !ok {
				return nil, Errorf(EINVALID, "row %d: %s must be a whole number from 0 to %d, not %q", row, Term(v.name), MaxVolume, truncate(s, 40))
			}
			*v.to = &n
		}
		if op.Fields.Entered == nil && op.Fields.Completed == nil {
			continue
		}
		if err := op.Validate(); err != nil {
			return nil, Errorf(ErrorCode(err), "row %d: %s", row, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// parseVolume reads a whole number from 0 to MaxVolume, with spaces (plain, no-break or
// thin) allowed between its digits.
func parseVolume(s string) (int, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' {
			return -1
		}
		return r
	}, s)
	if s == "" || len(s) > 10 || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= MaxVolume
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
