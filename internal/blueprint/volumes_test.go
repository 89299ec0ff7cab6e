package blueprint_test

import (
	"fmt"
	"strings"
	"testing"

	"lastmile/internal/blueprint"
)

func volumesBoard(t testing.TB) *blueprint.Board {
	b := blueprint.NewBoard("b1", "Funnel", blueprint.TemplateBlank)
	for i, name := range []string{"Intérêt", "Devis", "Signature", "Twin", "Twin"} {
		if err := b.Apply(op("create", "stage", fmt.Sprintf("s%d", i+1), blueprint.Fields{Name: str(name), Order: str(string(rune('a' + i)))})); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestDecodeVolumesCSV(t *testing.T) {
	for _, c := range []struct {
		name string
		csv  string
		want string // the ops as stage:entered/completed, "-" for a volume left as it is
	}{
		{"by name, in English", "stage,entered,completed\nIntérêt,1000,800\nDevis,800,200\n", "s1:1000/800 s2:800/200"},
		{"French headers, semicolons, spaces in numbers, a BOM", "\ufeffÉtape;Entrés;Terminés\nintérêt;1 000;800\ns3;200;\n",
			"s1:1000/800 s3:200/-"},
		{"columns in any order, others ignored, blank rows skipped", "note,completed,stage\nx,5,Devis\n\n,,\n", "s2:-/5"},
		{"quoted names with commas", "stage,entered\n\"s2\",\"1,5\"\n", "error:row 2"},
		{"a row with no volume is skipped", "stage,entered,completed\nDevis,,\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := volumesBoard(t)
			ops, err := blueprint.DecodeVolumesCSV([]byte(c.csv), b)
			var got []string
			if err != nil {
				got = append(got, "error:"+strings.SplitN(blueprint.ErrorMessage(err), ":", 2)[0])
			}
			for _, o := range ops {
				v := func(p *int) string {
					if p == nil {
						return "-"
					}
					return fmt.Sprint(*p)
				}
				got = append(got, fmt.Sprintf("%s:%s/%s", o.ID, v(o.Fields.Entered), v(o.Fields.Completed)))
				if err := b.Apply(o); err != nil {
					t.Errorf("op %v does not apply: %v", o, err)
				}
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %q, want %q", g, c.want)
			}
		})
	}
}

func TestDecodeVolumesCSV_Errors(t *testing.T) {
	for _, c := range []struct {
		name, csv, code string
		words           []string
	}{
		{"empty", "", blueprint.EINVALID, []string{"empty"}},
		{"no stage column", "name,entered\nx,1\n", blueprint.EINVALID, []string{"first row"}},
		{"no volume column", "stage,comment\nx,1\n", blueprint.EINVALID, []string{"first row"}},
		{"a column twice", "stage,entered,entrés\nx,1,2\n", blueprint.EINVALID, []string{"twice"}},
		{"unknown stage", "stage,entered\nNope,1\n", blueprint.EINVALID, []string{"row 2", "Nope"}},
		{"a name two stages share", "stage,entered\nTwin,1\n", blueprint.EINVALID, []string{"row 2", "2 stages", "id"}},
		{"a stage twice", "stage,entered\nDevis,1\ns2,3\n", blueprint.EINVALID, []string{"row 3", "row 2"}},
		{"not a number", "stage,entered\nDevis,12.5\n", blueprint.EINVALID, []string{"row 2", "12.5"}},
		{"negative", "stage,entered\nDevis,-3\n", blueprint.EINVALID, []string{"row 2"}},
		{"too large", "stage,entered\nDevis,1000000001\n", blueprint.EINVALID, []string{"row 2"}},
		{"more completed than entered", "stage,entered,completed\nDevis,5,6\n", blueprint.EINVALID, []string{"row 2", "more people"}},
		{"malformed", "stage,entered\n\"Devis,1\n", blueprint.EINVALID, []string{"malformed"}},
		{"not UTF-8", "stage,entered\n\xff,1\n", blueprint.EINVALID, []string{"UTF-8"}},
		{"too many rows", "stage,entered\n" + strings.Repeat(",\n", blueprint.MaxVolumesRows), blueprint.ETOOLARGE, []string{"rows"}},
		{"too big", "stage,entered\n" + strings.Repeat("x", blueprint.MaxVolumesCSV), blueprint.ETOOLARGE, []string{"larger"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := blueprint.DecodeVolumesCSV([]byte(c.csv), volumesBoard(t))
			wantErr(t, err, c.code, c.words...)
		})
	}
}

// Whatever the CSV, DecodeVolumesCSV returns a coded error or ops that are valid and
// apply to the board, at most one per stage.
func FuzzDecodeVolumesCSV(f *testing.F) {
	for _, s := range []string{
		"stage,entered,completed\nIntérêt,1000,800\nDevis,800,200\n",
		"\ufeffÉtape;Entrés;Terminés\nintérêt;1 000;800\ns3;200;\n",
		"stage,entered\n\"Devis,1\n", "stage,entered\nTwin,1\n", "completed,stage\n5,s4\n\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := volumesBoard(t)
		ops, err := blueprint.DecodeVolumesCSV(data, b)
		if err != nil {
			if blueprint.ErrorCode(err) == blueprint.EINTERNAL {
				t.Fatalf("uncoded error %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, o := range ops {
			if seen[o.ID] {
				t.Fatalf("stage %s twice", o.ID)
			}
			seen[o.ID] = true
			if err := b.Apply(o); err != nil {
				t.Fatalf("op %+v does not apply: %v", o, err)
			}
		}
	})
}
