package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/blueprint"
)

// history returns the store's past versions and named versions; routes are only
// registered when the store keeps them.
func (s *Server) history() blueprint.HistoryService {
	h, _ := s.boards.(blueprint.HistoryService)
	return h
}

// facilitationReader is a store that keeps boards' facilitation states.
type facilitationReader interface {
	Facilitation(ctx context.Context, boardID string) (blueprint.Facilitation, error)
}

// sessions returns the workshops closed on the board, newest first; none when the store
// keeps no facilitation state.
func (s *Server) sessions(ctx context.Context, boardID string) ([]blueprint.Session, error) {
	fr, ok := s.boards.(facilitationReader)
	if !ok {
		return nil, nil
	}
	f, err := fr.Facilitation(ctx, boardID)
	if err != nil {
		return nil, err
	}
	slices.Reverse(f.Sessions)
	return f.Sessions, nil
}

// versionSeq reads the {seq} of a version's address.
func versionSeq(r *http.Request) (int64, error) {
	seq, err := strconv.ParseInt(chi.URLParam(r, "seq"), 10, 64)
	if err != nil || seq < 1 {
		return 0, blueprint.Errorf(blueprint.EINVALID, "a version is a sequence from 1")
	}
	return seq, nil
}

// handleGetVersion serves GET /api/boards/{id}/versions/{seq}: the board as it was once
// op seq was committed, as lastmile JSON (the export of that version).
func (s *Server) handleGetVersion(w http.ResponseWriter, r *http.Request) {
	seq, err := versionSeq(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.history().BoardAt(r.Context(), chi.URLParam(r, "boardID"), seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b.Export())
}

// handleHistory serves GET /api/boards/{id}/history?before=N&limit=M: the activity feed
// of the ops before N (by default all), at most M of them (1–5000, default 500), grouped
// by person and minute, newest first, and the workshops closed on the board ("sessions",
// newest first, each with its summary). "next" is the before= of the page after (older), 0
// when this page reaches the first op.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	limit, err := queryInt(r, "limit", 500, 1, 5000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	before, err := queryInt(r, "before", b.Seq+1, 1, 1<<62)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	before = min(before, b.Seq+1)
	after := max(0, before-1-limit)
	ops, err := s.boards.OpsSince(r.Context(), b.ID, after, int(before-1-after))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := after + 1
	if after == 0 {
		next = 0
	}
	sessions, err := s.sessions(r.Context(), b.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sessions == nil {
		sessions = []blueprint.Session{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"seq": b.Seq, "from": after + 1, "to": before - 1, "next": next,
		"groups": blueprint.Activity(ops, b), "sessions": sessions})
}

// handleListVersions serves GET /api/boards/{id}/versions: the named versions, newest first.
func (s *Server) handleListVersions(w http.ResponseWriter, r *http.Request) {
	list, err := s.history().Versions(r.Context(), chi.URLParam(r, "boardID"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": list})
}

// MaxHistoryBody bounds the body of POST /versions and /restore.
const MaxHistoryBody = 4 << 10

// handleNameVersion serves POST /api/boards/{id}/versions {"name": "..."}: names the
// board's current sequence. 201 with the version.
func (s *Server) handleNameVersion(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	err := readJSON(w, r, MaxHistoryBody, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := blueprint.CheckVersionName(in.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.history().NameVersion(r.Context(), chi.URLParam(r, "boardID"), name, sessionFrom(r).Name())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// restoreResult is the answer of a restore: the board's sequence just before it (restore
// that version to take the restore back), its sequence after, and how many ops it took.
type restoreResult struct {
	Before int64 `json:"before"`
	Seq    int64 `json:"seq"`
	Ops    int   `json:"ops"`
}

// handleRestore serves POST /api/boards/{id}/restore {"seq": N}: makes the board's
// document (not its comments and markers) what it was at version N, by committing the
// ops that turn the board into it (blueprint.RestoreOps) as one batch by the caller,
// through the same path as every edit: everyone watching sees them, the log keeps
// everything before. Editors may restore, as they may make each of those ops by hand.
func (s *Server) handleRestore(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Seq int64 `json:"seq"`
	}
	err := readJSON(w, r, MaxHistoryBody, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.restore(r, chi.URLParam(r, "boardID"), in.Seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// restore commits the ops that turn the board into its version seq. A concurrent edit
// committed between reading the board and the commit may make some op of the restore
// fail (a card deleted meanwhile): the others apply, as with any batch, and ECONFLICT says
// so when none did.
func (s *Server) restore(r *http.Request, boardID string, seq int64) (restoreResult, error) {
	ctx := r.Context()
	cur, err := s.boards.FindBoard(ctx, boardID)
	if err != nil {
		return restoreResult{}, err
	}
	past, err := s.history().BoardAt(ctx, boardID, seq)
	if err != nil {
		return restoreResult{}, err
	}
	out := restoreResult{Before: cur.Seq, Seq: cur.Seq}
	ops := blueprint.RestoreOps(cur, past)
	if len(ops) == 0 {
		return out, nil
	}
	edits, err := s.apiEdits(r, boardID, ops)
	if err != nil {
		return out, err
	}
	results, err := s.editor.ApplyEdits(ctx, boardID, edits)
	if err != nil {
		return out, err
	}
	for _, res := range results {
		if res.Err == nil {
			out.Ops++
			out.Seq = max(out.Seq, res.Seq)
		}
	}
	if out.Ops == 0 {
		return out, blueprint.Errorf(blueprint.ECONFLICT, "the board changed while it was being restored; try again")
	}
	return out, nil
}
