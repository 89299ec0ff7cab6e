package server

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

// readBody reads a request body of at most limit bytes and checks that it is UTF-8.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, normalize(err)
	}
	return data, nil
}

// createBoardRequest is the body of POST /api/boards when it names a template.
type createBoardRequest struct {
	Template string `json:"template"`
	Title    string `json:"title,omitempty"`
	Lang     string `json:"lang,omitempty"`
}

// boardCreated answers POST /api/boards.
type boardCreated struct {
	ID  string `json:"id"`
	Seq int64  `json:"seq"`
	URL string `json:"url"`
}

// handleCreateBoard serves POST /api/boards: a new board from a template
// ({"template": "service-blueprint"}), from a lastmile JSON export, or from a CSV of cards
// (Content-Type: text/csv; with ?preview=1, what it would create, writing nothing).
func (s *Server) handleCreateBoard(w http.ResponseWriter, r *http.Request) {
	if err := s.mayCreate(r); err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := readBody(w, r, MaxImportBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b *blueprint.Board
	if isCSV(r) {
		var imp *blueprint.CSVImport
		if imp, err = blueprint.DecodeCSV(data); err == nil && r.URL.Query().Get("preview") == "1" {
			writeJSON(w, http.StatusOK, previewOf(imp)) // nothing is written
			return
		}
		if err == nil {
			b, err = s.importCSV(r, imp)
		}
	} else if isExport(data) {
		b, err = s.importBoard(r, data)
	} else {
		var req createBoardRequest
		if err = decodeJSON(data, &req); err == nil {
			lang := req.Lang
			if lang == "" {
				lang = localizer(r).Lang()
			}
			b, err = s.createFromTemplate(r, req.Template, req.Title, i18n.Match(lang, ""))
		}
	}
	if err == nil {
		err = s.addOwner(w, r, b)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, boardCreated{ID: b.ID, Seq: b.Seq, URL: "/boards/" + b.ID})
}

// isExport tells an export from a template request: an export names its format.
func isExport(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, ok := probe["format"]
	return ok
}

// readJSON reads a request body of at most limit bytes and decodes it strictly into v.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	return decodeJSON(data, v)
}

func decodeJSON(data []byte, v any) error {
	if !utf8.Valid(data) {
		return blueprint.Errorf(blueprint.EINVALID, "the body is not valid UTF-8")
	}
	return blueprint.DecodeStrict(data, v)
}

// importBoard makes a board of a lastmile JSON export: its document, and its comments,
// markers and +1s as imported (blueprint.Export.Import), the ops of the log being the
// caller's.
func (s *Server) importBoard(r *http.Request, data []byte) (*blueprint.Board, error) {
	e, err := blueprint.DecodeExport(data)
	if err != nil {
		return nil, err
	}
	if e.Template != "" && !blueprint.ValidTemplate(e.Template) {
		return nil, blueprint.Errorf(blueprint.EINVALID, "unknown template %.40q: expected one of %v", e.Template, blueprint.Templates)
	}
	ops, err := e.Import() // every rule, before anything is written
	if err != nil {
		// A dangling reference or a repeated id inside the body makes the body invalid;
		// nothing the URL names is missing or in conflict.
		if c := blueprint.ErrorCode(err); c == blueprint.ENOTFOUND || c == blueprint.ECONFLICT {
			return nil, blueprint.Errorf(blueprint.EINVALID, "%s", err)
		}
		return nil, err
	}
	return s.createBoard(r, e.Title, e.Template, "import", ops)
}

// createBoard makes a board of ops as the caller: the log names them (their display
// name, or fallback without one, and their identity) as the maker of its ops.
func (s *Server) createBoard(r *http.Request, title, template, fallback string, ops []blueprint.Op) (*blueprint.Board, error) {
	by, _ := person(r)
	return s.boards.CreateBoardBy(r.Context(), title, template, cmp.Or(sessionFrom(r).Name(), fallback), by, ops)
}

// createFromTemplate makes a board from a built-in template, named in lang, or from a
// saved one the caller may use.
func (s *Server) createFromTemplate(r *http.Request, template, title, lang string) (*blueprint.Board, error) {
	if s.templates != nil && blueprint.IsSavedTemplateID(template) {
		return s.createFromSaved(r, template, title)
	}
	if template == "" {
		return nil, blueprint.Errorf(blueprint.EINVALID, `"template" is required: one of %v, or send a lastmile export`, blueprint.Templates)
	}
	name, ops, err := blueprint.TemplateOps(template, s.catalog.For(lang).Fallback)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = name
	}
	return s.createBoard(r, title, template, "", ops)
}

// handleListBoards serves GET /api/boards.
func (s *Server) handleListBoards(w http.ResponseWriter, r *http.Request) {
	list, err := s.listBoards(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type item struct {
		ID        string    `json:"id"`
		Title     string    `json:"title"`
		Template  string    `json:"template"`
		Seq       int64     `json:"seq"`
		Cards     int       `json:"cards"`
		UpdatedAt time.Time `json:"updated_at"`
		Role      string    `json:"role"` // the caller's role on the board
		Open      bool      `json:"open"` // a board without members: anyone edits it
	}
	out := make([]item, len(list))
	for i, b := range list {
		out[i] = item{b.ID, b.Title, b.Template, b.Seq, b.Cards, b.UpdatedAt, string(b.Role), b.Open}
	}
	writeJSON(w, http.StatusOK, map[string]any{"boards": out})
}

// handleGetBoard serves GET /api/boards/{id}: the whole board as lastmile JSON.
func (s *Server) handleGetBoard(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, boardFrom(r).Export())
}

// opResult is one entry of the answer to POST /api/boards/{id}/ops.
type opResult struct {
	Seq       int64      `json:"seq,omitempty"`
	Duplicate bool       `json:"duplicate,omitempty"`
	Error     *jsonError `json:"error,omitempty"`
}

// handlePostOps serves POST /api/boards/{id}/ops: a JSON array of ops, applied in order.
// It answers with one result per op: its sequence, or an error naming what was wrong. The
// status is 200 when at least one op was applied (or had been), else that of the first error.
func (s *Server) handlePostOps(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r, MaxOpsBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ops, err := blueprint.DecodeOps(data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(ops) == 0 {
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "the batch holds no op"))
		return
	}
	for i, op := range ops {
		if err := checkRoleFor(r, i, op); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	edits, err := s.apiEdits(r, chi.URLParam(r, "boardID"), ops)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	results, err := s.editor.ApplyEdits(r.Context(), chi.URLParam(r, "boardID"), edits)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]opResult, len(results))
	status := 0
	var seq int64
	for i, res := range results {
		out[i] = opResult{Seq: res.Seq, Duplicate: res.Duplicate, Error: toJSONError(res.Err)}
		if res.Err == nil {
			status = http.StatusOK
			seq = max(seq, res.Seq)
		} else if status == 0 {
			status = ErrorStatus(res.Err)
		}
	}
	writeJSON(w, status, map[string]any{"results": out, "seq": seq})
}

// MaxAPIKeyLen bounds the idempotency key an API caller gives an op.
const MaxAPIKeyLen = 64

// apiEdits turns the ops of an API call into edits by the caller. Their idempotency keys
// are put in the caller's own namespace, "api/<caller>/<key>": a key chosen through the
// API can never be one a websocket client uses ("<client id>:<n>", where a client id has
// no '/') nor another caller's, so that nobody can make someone else's op be taken for a
// resend and dropped. The caller is the signed-in user, or else the guest's session,
// named by a hash of it and the board (it tells nothing about the session, and the same
// caller reads differently on two boards). A caller without a session has no namespace
// of its own: its ops may not carry keys. (A server without accounts knows nobody apart:
// every caller shares "api/anon/".) Each edit carries the caller's identity (person),
// which annotation ops are stamped with: whatever author a client writes is not read.
func (s *Server) apiEdits(r *http.Request, boardID string, ops []blueprint.Op) ([]blueprint.Edit, error) {
	author, caller := "api", ""
	by, moderator := person(r)
	if s.accounts == nil {
		caller = "anon"
	}
	if sess := sessionFrom(r); sess != nil {
		h := sha256.New()
		if sess.UserID != "" {
			h.Write([]byte("user\x00" + sess.UserID))
		} else {
			h.Write(append([]byte("guest\x00"), sess.TokenHash...))
		}
		h.Write([]byte("\x00" + boardID))
		caller = hex.EncodeToString(h.Sum(nil)[:8])
		if name := sess.Name(); name != "" {
			author = name
		}
	}
	edits := make([]blueprint.Edit, len(ops))
	for i, op := range ops {
		if op.Key != "" {
			switch {
			case caller == "":
				return nil, blueprint.Errorf(blueprint.EINVALID, "op %d has a key, which needs a session: sign in, or send ops without keys", i)
			case len(op.Key) > MaxAPIKeyLen:
				return nil, blueprint.Errorf(blueprint.EINVALID, "op %d: the key is longer than %d bytes", i, MaxAPIKeyLen)
			}
			op.Key = "api/" + caller + "/" + op.Key
		}
		edits[i] = blueprint.Edit{Author: author, By: by, Moderator: moderator, Op: op}
	}
	return edits, nil
}

// handleGetOps serves GET /api/boards/{id}/ops?after=N&limit=M: the op log after N.
func (s *Server) handleGetOps(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "boardID")
	if _, err := s.boards.FindBoard(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := queryInt(r, "after", 0, 0, 1<<62)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 500, 1, 5000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ops, err := s.boards.OpsSince(r.Context(), id, after, int(limit))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ops == nil {
		ops = []blueprint.Committed{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ops": ops})
}

func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	return queryIntValue(blueprint.Term(name), v, lo, hi)
}

// queryIntValue parses a whole number from lo to hi given in a query or a form.
func queryIntValue(name blueprint.Term, v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, blueprint.Errorf(blueprint.EINVALID, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}
