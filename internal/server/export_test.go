package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// csvRows reads an export.csv answer, without its BOM, and drops the link counts (a CSV
// import makes no links).
func csvRows(t *testing.T, r response) [][]string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("export.csv: %v", r)
	}
	if !bytes.HasPrefix(r.body, []byte("\ufeff")) {
		t.Fatalf("export.csv has no BOM: %q", truncate(string(r.body), 60))
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i] = rows[i][:len(rows[i])-2]
	}
	return rows
}

func (e *env) postCSV(t *testing.T, query, body string) response {
	t.Helper()
	return e.do(t, http.MethodPost, "/api/boards"+query, strings.NewReader(body), "Content-Type", "text/csv; charset=utf-8")
}

func TestCSV(t *testing.T) {
	e := setup(t)
	orig := e.mustBoard(t, "blank")
	e.mustOps(t, orig.ID, fullBoardOps(orig.ID)...)
	r := e.get(t, "/api/boards/"+orig.ID+"/export.csv")

	t.Run("Export", func(t *testing.T) {
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename=`+orig.ID+`.csv` {
			t.Errorf("Content-Disposition %q", cd)
		}
		rows := csvRows(t, r)
		if len(rows) != 4 || rows[0][0] != "stage" || rows[1][6] != "Books a repair slot online" || rows[1][8] != "'-2" {
			t.Errorf("rows %q", rows)
		}
		if !strings.Contains(string(r.body), "Dépose le vélo à l’accueil") {
			t.Errorf("the French text is not in the export")
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		c := e.postCSV(t, "?title=Copie", string(r.body))
		if c.status != http.StatusCreated {
			t.Fatalf("import: %v", c)
		}
		copied := mustDecode[created](t, c)
		if got := e.mustExport(t, copied.ID).Title; got != "Copie" {
			t.Errorf("title %q", got)
		}
		if diff := cmp.Diff(csvRows(t, r), csvRows(t, e.get(t, "/api/boards/"+copied.ID+"/export.csv"))); diff != "" {
			t.Errorf("cards of the copy (-original +copy):\n%s", diff)
		}
	})
	t.Run("Preview", func(t *testing.T) {
		before := e.mustList(t)
		p := e.postCSV(t, "?preview=1", "text,stage,lane,team\nCalls,Contact,Customer,Desk\n=1+1,Contact,Customer,\nAnswers,Contact,Staff,Desk\nx,Contact,Customer,,extra\n")
		if p.status != http.StatusOK {
			t.Fatalf("preview: %v", p)
		}
		type problem struct {
			Row     int
			Message string
		}
		got := mustDecode[struct {
			Stages, Lanes, Teams []string
			Cards                int
			Problems             []problem
		}](t, p)
		if got.Cards != 3 || !cmp.Equal(got.Stages, []string{"Contact"}) || !cmp.Equal(got.Lanes, []string{"Customer", "Staff"}) ||
			!cmp.Equal(got.Teams, []string{"Desk"}) || len(got.Problems) != 1 || got.Problems[0].Row != 3 ||
			!strings.Contains(got.Problems[0].Message, "formula") {
			t.Errorf("preview %+v", got)
		}
		if diff := cmp.Diff(before, e.mustList(t)); diff != "" {
			t.Errorf("a preview wrote a board:\n%s", diff)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		before := e.mustList(t)
		for name, tc := range map[string]struct {
			body   string
			status int
			words  []string
		}{
			"Formula":    {"text\nfine\n@SUM(A1)\n", http.StatusBadRequest, []string{"1 rows", "row 3", "formula"}},
			"Columns":    {"title,colour\nx,y\n", http.StatusBadRequest, []string{`"title"`}},
			"NotUTF8":    {"text\n\xff\n", http.StatusBadRequest, []string{"UTF-8"}},
			"Hostile":    {"text,kind\n" + hostileScript + ",nope\n", http.StatusBadRequest, []string{"row 2"}},
			"FiftyMegas": {"text\n" + strings.Repeat("a fine card\n", 50<<20/12), http.StatusRequestEntityTooLarge, []string{"larger than"}},
		} {
			t.Run(name, func(t *testing.T) {
				wantAPIError(t, e.postCSV(t, "", tc.body), tc.status, tc.words...)
			})
		}
		if diff := cmp.Diff(before, e.mustList(t)); diff != "" {
			t.Errorf("a refused import wrote a board:\n%s", diff)
		}
	})
}

func TestMarkdownExport(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "blank")
	e.mustOps(t, b.ID, fullBoardOps(b.ID)...)
	r := e.get(t, "/api/boards/"+b.ID+"/export.md")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Fatalf("export.md: %v %q", r, r.header.Get("Content-Type"))
	}
	md := string(r.body)
	for _, want := range []string{"# Réparer un vélo\n", "1. Book\n", "### Workshop (backstage)\n", `- \<img src\=x onerror\=alert\(1\)\>`,
		"- Books a repair slot online — Book, touchpoint, team Accueil, active 15 min, wait 2 d, emotion -2", "## Analysis ("} {
		if !strings.Contains(md, want) {
			t.Errorf("export.md lacks %q:\n%s", want, md)
		}
	}
	if r := e.get(t, "/api/boards/nosuchboard/export.md"); r.status != http.StatusNotFound {
		t.Errorf("a missing board: %v", r)
	}
}

func TestSVGExport(t *testing.T) {
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")
	e.mustOps(t, b.ID, cardOp("c1", "stage-1", "lane-2", "V", hostileScript))
	r := e.get(t, "/api/boards/"+b.ID+"/export.svg", "Accept-Language", "fr")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/svg+xml; charset=utf-8" {
		t.Fatalf("export.svg: %v %q", r, r.header.Get("Content-Type"))
	}
	d := xml.NewDecoder(bytes.NewReader(r.body))
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "script" {
			t.Fatalf("a card's text became a script element")
		}
	}
	for _, want := range []string{"Ligne de visibilité", "</script><script>alert(1)</script>"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the picture lacks %q", want)
		}
	}
}

// postMultipart posts a multipart form: fields, and the file csv when file is not "".
func (e *env) postMultipart(t *testing.T, path string, fields map[string]string, file string, header ...string) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("csv", "cards.csv")
		_, _ = io.WriteString(fw, file)
	}
	_ = mw.Close()
	return e.do(t, http.MethodPost, path, &buf, append([]string{"Content-Type", mw.FormDataContentType()}, header...)...)
}

func TestImportForm(t *testing.T) {
	e := setup(t)
	before := e.mustList(t)
	good := "\ufefftext,stage,lane,team\nAppelle,Contact,Client,Accueil\n'=Répond,Contact,Équipe,Accueil\n"

	t.Run("Preview", func(t *testing.T) {
		r := e.postMultipart(t, "/boards/import", map[string]string{"title": "Importé"}, good, "Accept-Language", "fr")
		doc := mustPage(t, r)
		if r.status != http.StatusOK {
			t.Fatalf("preview: %v", r)
		}
		created := texts(doc.Find(`[data-testid="import-created"] li`))
		if diff := cmp.Diff([]string{"Nouvelle étape « Contact »", "Nouveau couloir « Client »", "Nouveau couloir « Équipe »", "Nouvelle équipe « Accueil »"}, created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if doc.Find(`[data-testid="import-confirm"] textarea[name="data"]`).Text() != good {
			t.Errorf("the confirmation does not carry the CSV")
		}
		if diff := cmp.Diff(before, e.mustList(t)); diff != "" {
			t.Errorf("a preview wrote a board:\n%s", diff)
		}
	})
	t.Run("Problems", func(t *testing.T) {
		r := e.postMultipart(t, "/boards/import", nil, "text,kind\nfine,note\n=1+1,note\nx,nope\n", "Accept-Language", "fr")
		doc := mustPage(t, r)
		if r.status != http.StatusBadRequest || doc.Find(`[data-testid="import-confirm"]`).Length() != 0 {
			t.Fatalf("problems: %v", r)
		}
		problems := texts(doc.Find(`[data-testid="import-problems"] li`))
		if len(problems) != 2 || !strings.HasPrefix(problems[0], "ligne 3 : ") || !strings.Contains(problems[0], "formule") || !strings.HasPrefix(problems[1], "ligne 4 : ") {
			t.Errorf("problems %q", problems)
		}
		if diff := cmp.Diff(before, e.mustList(t)); diff != "" {
			t.Errorf("a refused import wrote a board:\n%s", diff)
		}
	})
	t.Run("Confirm", func(t *testing.T) {
		r := e.postMultipart(t, "/boards/import", map[string]string{"title": "Importé", "data": good, "confirm": "1"}, "")
		if r.status != http.StatusSeeOther {
			t.Fatalf("confirm: %v", r)
		}
		id := strings.TrimPrefix(r.header.Get("Location"), "/boards/")
		x := e.mustExport(t, id)
		if x.Title != "Importé" || len(x.Cards) != 2 || len(x.Lanes) != 2 || x.Cards[1].Text != "=Répond" && x.Cards[0].Text != "=Répond" {
			t.Errorf("imported board %+v", x)
		}
	})
}
