package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// blueprintPath is the import path of the package whose Errorf makes every message.
const blueprintPath = "lastmile/internal/blueprint"

// found is what the code of the module says to readers: the formats of its messages and
// the terms it names in them, each with where it was first seen.
type found struct {
	formats map[string]string
	terms   map[string]string
}

// TestEveryMessageIsTranslated reads every Go file of the module (tests aside) and checks
// that each message the server can show — the format of each blueprint.Errorf call, the
// Message of each blueprint.Error literal — has a French translation with the same
// verbs, and that each blueprint.Term the code names has a French word. It also fails on
// a translation of a message the code no longer has, and on code that would make a
// message escape translation: a format that is not a constant, or the English text of an
// error (ErrorMessage) passed where the error itself would be translated.
func TestEveryMessageIsTranslated(t *testing.T) {
	code := scanModule(t)
	if len(code.formats) < 50 {
		t.Fatalf("found only %d messages in the code: the scan is broken", len(code.formats))
	}
	fr := mustCatalogTexts(t, "fr")
	for _, f := range sortedKeys(code.formats) {
		tr, ok := fr.Formats[f]
		if !ok {
			if hasLetter(f) {
				t.Errorf("errors/fr.json lacks the message %q (%s)", f, code.formats[f])
			}
			continue
		}
		if err := sameVerbs(f, tr); err != nil {
			t.Errorf("errors/fr.json: %q translates %q with other verbs: %v", tr, f, err)
		}
	}
	for _, f := range sortedKeys(fr.Formats) {
		if _, ok := code.formats[f]; !ok {
			t.Errorf("errors/fr.json translates %q, which the code no longer says", f)
		}
	}
	for _, w := range sortedKeys(code.terms) {
		if fr.Terms[w] == "" {
			t.Errorf("errors/fr.json lacks the term %q (%s)", w, code.terms[w])
		}
	}
	for _, w := range sortedKeys(fr.Terms) {
		if _, ok := code.terms[w]; !ok {
			t.Errorf("errors/fr.json names the term %q, which the code no longer uses", w)
		}
	}
}

// TestErrorMessage checks how a message is said again in French: its format and terms
// translated, a nested coded error translated too, English where French has nothing, and
// English itself unchanged.
func TestErrorMessage(t *testing.T) {
	c := MustCatalog()
	en, fr := c.For("en"), c.For("fr")
	tooLong := blueprint.Errorf(blueprint.ETOOLARGE, "%s is %d characters long; the limit is %d", blueprint.Term("text"), 4001, 4000)
	nested := blueprint.Errorf(blueprint.ErrorCode(tooLong), "item %d of the export (%s %s): %s", 3, blueprint.Term("card"), "c1", tooLong)
	for _, tc := range []struct {
		name   string
		err    error
		en, fr string
	}{
		{"Format", tooLong, "text is 4001 characters long; the limit is 4000",
			"le champ texte fait 4001 caractères ; la limite est de 4000"},
		{"Nested", nested, "item 3 of the export (card c1): text is 4001 characters long; the limit is 4000",
			"élément 3 de l’export (carte c1) : le champ texte fait 4001 caractères ; la limite est de 4000"},
		{"Literal", blueprint.Internal(fmt.Errorf("disk full")), "internal error", "erreur interne"},
		{"NotCoded", fmt.Errorf("disk full"), "internal error", "erreur interne"},
		{"Untranslated", blueprint.Errorf(blueprint.EINVALID, "no %s here", blueprint.Term("card")), "no card here", "no carte here"},
		{"Nil", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := en.ErrorMessage(tc.err); got != tc.en {
				t.Errorf("English: %q; want %q", got, tc.en)
			}
			if got := blueprint.ErrorMessage(tc.err); got != tc.en {
				t.Errorf("blueprint.ErrorMessage: %q; want %q", got, tc.en)
			}
			if got := fr.ErrorMessage(tc.err); got != tc.fr {
				t.Errorf("French: %q; want %q", got, tc.fr)
			}
		})
	}
}

func mustCatalogTexts(t *testing.T, lang string) *errorTexts {
	t.Helper()
	texts, err := loadErrorTexts()
	if err != nil {
		t.Fatal(err)
	}
	if texts[lang] == nil {
		t.Fatalf("no errors/%s.json", lang)
	}
	return texts[lang]
}

// scanModule parses every non-test Go file of the module and collects its messages and
// terms. Terms are those the code converts from a constant (blueprint.Term("x")), the
// constants it passes where a function takes a Term, and the vocabulary that reaches
// messages as values: entity types, op actions, field names and roles.
func scanModule(t *testing.T) found {
	t.Helper()
	root := moduleRoot(t)
	out := found{formats: map[string]string{}, terms: map[string]string{}}
	for _, w := range []string{blueprint.TypeBoard, blueprint.TypeStage, blueprint.TypeLane, blueprint.TypeCard,
		blueprint.TypeTeam, blueprint.TypeLink, blueprint.TypeComment, blueprint.TypeMarker, blueprint.TypePlusOne,
		blueprint.ActionCreate, blueprint.ActionUpdate, blueprint.ActionDelete} {
		out.terms[w] = "the vocabulary of ops"
	}
	fields := reflect.TypeFor[blueprint.Fields]()
	for i := range fields.NumField() {
		name, _, _ := strings.Cut(fields.Field(i).Tag.Get("json"), ",")
		out.terms[name] = "a field of blueprint.Fields"
	}
	for _, r := range auth.MemberRoles {
		out.terms[string(r)] = "auth.MemberRoles"
	}

	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &scanner{t: t, fset: fset, root: root, out: out, termParams: map[string][]int{}}
	for _, f := range files {
		s.findTermParams(f)
	}
	for _, f := range files {
		s.scan(f)
		s.checkSinks(f)
	}
	return out
}

// sinks are the only functions of the server and of the hub that may read an error's
// English message: the JSON API's error body, the reason of a websocket close frame, and
// the English of a connection without a language. Everything else a reader sees is
// translated, and errorFrame and nackFrame are built in one place each.
var sinks = map[string][]string{
	"internal/server":   {"toJSONError"},
	"internal/realtime": {"fail", "say"},
}

// checkSinks fails on a message of the server or of the hub that would reach its reader
// in English: blueprint.ErrorMessage outside the sinks, a websocket error or nack frame
// built outside errorFor and nackFor, a page's Error set from anything but ErrorMessage.
func (s *scanner) checkSinks(f *ast.File) {
	rel, _ := filepath.Rel(s.root, s.dirOf(f))
	allowed, ok := sinks[filepath.ToSlash(rel)]
	if !ok {
		return
	}
	q := s.bp(f)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		name := fn.Name.Name
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if isBP(n.Fun, q, "ErrorMessage") && !slices.Contains(allowed, name) {
					s.t.Errorf("%s: %s shows an error's English message: use the reader's localizer (or add %s to the sinks)", s.where(n), name, name)
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && (id.Name == "errorFrame" || id.Name == "nackFrame") &&
					name != "errorFor" && name != "nackFor" {
					s.t.Errorf("%s: build %s with errorFor or nackFor, which say the message in the reader's language", s.where(n), id.Name)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Error" && i < len(n.Rhs) {
						if c, ok := n.Rhs[i].(*ast.CallExpr); !ok || calledName(c.Fun) != "ErrorMessage" {
							s.t.Errorf("%s: a page's Error is the localizer's ErrorMessage of a coded error", s.where(n))
						}
					}
				}
			}
			return true
		})
	}
}

type scanner struct {
	t    *testing.T
	fset *token.FileSet
	root string
	out  found
	// termParams gives, for "dir.func", the indexes of its parameters of type Term.
	termParams map[string][]int
}

// bp returns how a file names the blueprint package: "" inside it, its import name
// elsewhere, or "-" when the file does not import it.
func (s *scanner) bp(f *ast.File) string {
	if filepath.Dir(s.fset.Position(f.Pos()).Filename) == filepath.Join(s.root, "internal", "blueprint") {
		return ""
	}
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == blueprintPath {
			if im.Name != nil {
				return im.Name.Name
			}
			return "blueprint"
		}
	}
	return "-"
}

// isBP reports whether e names the blueprint identifier name in a file that calls the
// package q (see bp).
func isBP(e ast.Expr, q, name string) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return q == "" && e.Name == name
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && q != "" && x.Name == q && e.Sel.Name == name
	}
	return false
}

func (s *scanner) where(n ast.Node) string {
	p := s.fset.Position(n.Pos())
	rel, _ := filepath.Rel(s.root, p.Filename)
	return fmt.Sprintf("%s:%d", rel, p.Line)
}

func (s *scanner) dirOf(n ast.Node) string {
	return filepath.Dir(s.fset.Position(n.Pos()).Filename)
}

func (s *scanner) findTermParams(f *ast.File) {
	q := s.bp(f)
	if q == "-" {
		return
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		i := 0
		for _, field := range fn.Type.Params.List {
			n := max(len(field.Names), 1)
			if isBP(field.Type, q, "Term") {
				for j := range n {
					key := s.dirOf(f) + "." + fn.Name.Name
					s.termParams[key] = append(s.termParams[key], i+j)
				}
			}
			i += n
		}
	}
}

func (s *scanner) scan(f *ast.File) {
	q := s.bp(f)
	if q == "-" {
		return
	}
	dir := s.dirOf(f)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			switch {
			case isBP(n.Fun, q, "Errorf"):
				s.errorf(n, q)
			case isBP(n.Fun, q, "Term") && len(n.Args) == 1:
				if w, ok := constString(n.Args[0]); ok {
					s.addTerm(w, n)
				}
			default:
				for _, i := range s.termParams[dir+"."+calledName(n.Fun)] {
					if i < len(n.Args) {
						if w, ok := constString(n.Args[i]); ok {
							s.addTerm(w, n)
						}
					}
				}
			}
		case *ast.CompositeLit:
			if isBP(n.Type, q, "Error") {
				s.literal(n)
			}
		}
		return true
	})
}

func calledName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func (s *scanner) addTerm(w string, n ast.Node) {
	if _, ok := s.out.terms[w]; !ok {
		s.out.terms[w] = s.where(n)
	}
}

func (s *scanner) addFormat(f string, n ast.Node) {
	if _, ok := s.out.formats[f]; !ok {
		s.out.formats[f] = s.where(n)
	}
}

// errorf collects the format of an Errorf call.
func (s *scanner) errorf(call *ast.CallExpr, q string) {
	if len(call.Args) < 2 {
		return // Errorf's own declaration is not a call; anything else does not compile
	}
	f, ok := constString(call.Args[1])
	if !ok {
		s.t.Errorf("%s: the format of a message must be a constant string, the key of its translations", s.where(call))
		return
	}
	s.addFormat(f, call)
	for _, a := range call.Args[2:] {
		if c, ok := a.(*ast.CallExpr); ok && isBP(c.Fun, q, "ErrorMessage") {
			s.t.Errorf("%s: pass the error itself, not its English message, so that it is translated with the message", s.where(a))
		}
	}
}

// literal collects the Message of an Error literal. The literal of Errorf itself, which
// sets Format, is left: its message is its format.
func (s *scanner) literal(lit *ast.CompositeLit) {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Format" {
				return
			}
		}
	}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Message" {
			continue
		}
		m, ok := constString(kv.Value)
		if !ok {
			s.t.Errorf("%s: the Message of an Error literal must be a constant string (or use Errorf)", s.where(kv))
			continue
		}
		s.addFormat(m, kv)
	}
}

// constString returns the value of a string literal, or of literals joined with +.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(e.Value)
		return v, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := constString(e.X)
		b, ok2 := constString(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", false
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// verbKind groups the verbs that may stand for one another in a translation: a string
// quoted with %q in English may be put in « %s » in French.
func verbKind(v rune) string {
	switch v {
	case 's', 'q', 'v':
		return "text"
	}
	return string(v)
}

// verbs returns the kind of verb each argument of a format gets, by argument index.
func verbs(format string) (map[int]string, error) {
	out := map[int]string{}
	arg := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.ContainsRune("+-# 0", rune(format[i])) {
			i++
		}
		if i < len(format) && format[i] == '%' {
			continue
		}
		for i < len(format) && (format[i] == '[' || format[i] == ']' || format[i] == '.' || unicode.IsDigit(rune(format[i]))) {
			if format[i] == '[' {
				end := strings.IndexByte(format[i:], ']')
				if end < 0 {
					return nil, fmt.Errorf("unclosed [ in %q", format)
				}
				n, err := strconv.Atoi(format[i+1 : i+end])
				if err != nil || n < 1 {
					return nil, fmt.Errorf("bad argument index in %q", format)
				}
				arg = n - 1
				i += end
			}
			i++
		}
		if i >= len(format) {
			return nil, fmt.Errorf("%q ends within a verb", format)
		}
		if format[i] == '*' {
			return nil, fmt.Errorf("%q takes a width from its arguments", format)
		}
		k := verbKind(rune(format[i]))
		if prev, ok := out[arg]; ok && prev != k {
			return nil, fmt.Errorf("argument %d is both %s and %s", arg+1, prev, k)
		}
		out[arg] = k
		arg++
	}
	return out, nil
}

// sameVerbs says how a translation's verbs differ from those of its English format.
func sameVerbs(english, translation string) error {
	en, err := verbs(english)
	if err != nil {
		return err
	}
	tr, err := verbs(translation)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(en, tr) {
		return fmt.Errorf("the English gives its arguments %v, the translation %v", en, tr)
	}
	return nil
}

func TestSameVerbs(t *testing.T) {
	for _, tc := range []struct {
		en, tr string
		ok     bool
	}{
		{"%s is %d long", "%s fait %d", true},
		{"unknown type %q", "type « %s » inconnu", true},
		{"%s then %d", "%[2]d puis %[1]s", true},
		{"100%% of %s", "100 %% de %s", true},
		{"%s is %d long", "%s fait", false},
		{"%s is %d long", "%d fait %s", false},
		{"%d of %d", "%d", false},
		{"no verb", "aucun %s", false},
		{"%5.2f", "%5.2f", true},
	} {
		if err := sameVerbs(tc.en, tc.tr); (err == nil) != tc.ok {
			t.Errorf("sameVerbs(%q, %q) = %v; want ok=%v", tc.en, tc.tr, err, tc.ok)
		}
	}
}

// verb matches a verb of a format, to tell the words of a format from its verbs.
var verb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?[\d.]*[a-zA-Z%]`)

// hasLetter reports whether a format has words to translate ("%s" has none).
func hasLetter(format string) bool {
	return strings.IndexFunc(verb.ReplaceAllString(format, ""), unicode.IsLetter) >= 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
