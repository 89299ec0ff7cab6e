package server

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
)

// This file serves comments, friction markers and +1s (docs/annotations.md), the activity
// feed, "since you last looked" and notifications. Every change is an annotation op, made
// as the caller (person): it goes through the board's room like any op, so it is durable
// before it is answered, idempotent with a key, and live to every page.

// Notes is what the annotation routes need from storage besides boards.
type Notes interface {
	// History returns the board at sequence from, the board now and the ops in between.
	// ENOTFOUND for an unknown board.
	History(ctx context.Context, boardID string, from int64) (before, now *blueprint.Board, ops []blueprint.Committed, _ error)
	// LastSeen returns a person's last-seen point on a board; ok false when none.
	LastSeen(ctx context.Context, boardID, person string) (seq int64, at time.Time, ok bool, _ error)
	// MarkSeen moves a person's last-seen point to seq (never backwards; with onlyFirst,
	// only where there is none) and returns the point kept. ENOTFOUND for an unknown board.
	MarkSeen(ctx context.Context, boardID, person string, seq int64, onlyFirst bool) (int64, error)
	// Notifications returns a person's latest notifications, newest first, and how many
	// are unread.
	Notifications(ctx context.Context, person string, limit int, unread bool) ([]blueprint.Notification, int, error)
	// MarkRead marks a person's notifications read (ids, or all, of one board when boardID
	// is not "") and returns how many changed.
	MarkRead(ctx context.Context, person string, ids []int64, all bool, boardID string) (int64, error)
	// Unsubscribe records that a user wants no more e-mail.
	Unsubscribe(ctx context.Context, userID string) error
}

// person returns who the caller is, as annotations record it: "u:<user id>" for a
// signed-in user, "g:<digest>" for a guest's session (a digest of the session that tells
// nothing of its token), "" without a session; and whether they may delete others'
// comments and markers (a facilitator of the board).
func person(r *http.Request) (string, bool) {
	moderator := accessFrom(r).Role == auth.Facilitator
	sess := sessionFrom(r)
	switch {
	case sess == nil:
		return "", moderator
	case sess.UserID != "":
		return "u:" + sess.UserID, moderator
	}
	sum := sha256.Sum256(append([]byte("lastmile guest\x00"), sess.TokenHash...))
	return "g:" + hex.EncodeToString(sum[:16]), moderator
}

// mustPerson returns the caller's identity, or EUNAUTHORIZED without a session.
func mustPerson(r *http.Request) (string, error) {
	if p, _ := person(r); p != "" {
		return p, nil
	}
	return "", blueprint.Errorf(blueprint.EUNAUTHORIZED, "this needs to know who you are: sign in, or join the board with a share link")
}

// checkRoleFor refuses ops the caller's role may not send: board ops need the right to
// edit, annotation ops the right to comment. i is the op's place in its batch.
func checkRoleFor(r *http.Request, i int, op blueprint.Op) error {
	action := auth.Edit
	if op.IsAnnotation() {
		action = auth.Comment
	}
	if err := can(r, action); err != nil {
		if i < 0 {
			return err
		}
		return blueprint.Errorf(blueprint.ErrorCode(err), "op %d: %s", i, err)
	}
	return nil
}

// annotate commits one annotation op of the caller and answers with the sequence it was
// committed under (or had been, for a resend of its key) and the comment or marker as it
// is now.
func (s *Server) annotate(w http.ResponseWriter, r *http.Request, op blueprint.Op, status int) {
	id := chi.URLParam(r, "boardID")
	res, err := s.commitAnnotation(r, op)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"seq": res.Seq}
	if res.Duplicate {
		out["duplicate"] = true
		status = http.StatusOK
	}
	if b, err := s.boards.FindBoard(r.Context(), id); err == nil {
		switch op.Type {
		case blueprint.TypeComment:
			if c := b.Annotations.Comments[op.ID]; c != nil {
				out["comment"] = commentOut(b, c)
			}
		default:
			if m := b.Annotations.Markers[op.ID]; m != nil {
				out["marker"] = markerOut(b, m)
			}
		}
	}
	writeJSON(w, status, out)
}

// commitAnnotation commits an op as the caller, through the board's room.
func (s *Server) commitAnnotation(r *http.Request, op blueprint.Op) (blueprint.Result, error) {
	if err := checkRoleFor(r, -1, op); err != nil {
		return blueprint.Result{}, err
	}
	if err := op.Validate(); err != nil {
		return blueprint.Result{}, err
	}
	id := chi.URLParam(r, "boardID")
	edits, err := s.apiEdits(r, id, []blueprint.Op{op})
	if err != nil {
		return blueprint.Result{}, err
	}
	results, err := s.editor.ApplyEdits(r.Context(), id, edits)
	if err != nil {
		return blueprint.Result{}, err
	}
	return results[0], results[0].Err
}

// commentView is a comment as the API lists it: AnchorGone is set when what it is on was
// deleted (it is kept, shown as on a deleted card, and comes back with an undo).
type commentView struct {
	*blueprint.Comment
	AnchorGone bool `json:"anchor_gone,omitempty"`
}

type markerView struct {
	*blueprint.Marker
	AnchorGone bool   `json:"anchor_gone,omitempty"`
	Link       string `json:"evidence_link,omitempty"` // the evidence, when it is an http(s) link
}

func commentOut(b *blueprint.Board, c *blueprint.Comment) commentView {
	return commentView{Comment: c, AnchorGone: !b.AnchorExists(c.Anchor)}
}

func markerOut(b *blueprint.Board, m *blueprint.Marker) markerView {
	v := markerView{Marker: m, AnchorGone: !b.AnchorExists(m.Anchor)}
	v.Link, _ = blueprint.EvidenceLink(m.Evidence)
	return v
}

// annotationBody is the JSON of a request that makes or changes a comment or a marker:
// the fields of the op, an optional id for a new one and an optional idempotency key.
type annotationBody struct {
	ID         string            `json:"id"`
	Key        string            `json:"key"`
	Anchor     *blueprint.Anchor `json:"anchor"`
	Parent     *string           `json:"parent"`
	Text       *string           `json:"text"`
	Mentions   *[]string         `json:"mentions"`
	Severity   *string           `json:"severity"`
	Kind       *string           `json:"kind"`
	Evidence   *string           `json:"evidence"`
	Resolution *string           `json:"resolution"`
}

// readAnnotationBody reads a request's JSON body; an empty body is an empty request.
func readAnnotationBody(w http.ResponseWriter, r *http.Request) (annotationBody, error) {
	var b annotationBody
	data, err := readBody(w, r, MaxFormBody)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return b, err
	}
	return b, decodeJSON(data, &b)
}

// annotationOp reads the body of a request on the annotation of the path (or a new one)
// and builds its op with build.
func (s *Server) annotationRoute(typ, action string, status int, build func(b annotationBody, f *blueprint.Fields) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readAnnotationBody(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		op := blueprint.Op{Key: body.Key, Action: action, Type: typ, ID: chi.URLParam(r, "itemID")}
		if op.ID == "" {
			op.ID = body.ID
			if op.ID == "" {
				op.ID = newID(map[string]string{blueprint.TypeComment: "m", blueprint.TypeMarker: "f"}[typ])
			}
		}
		if err := build(body, &op.Fields); err != nil {
			s.fail(w, r, err)
			return
		}
		s.annotate(w, r, op, status)
	}
}

// onlyFields refuses a body that sets a field the request does not take.
func onlyFields(b annotationBody, names ...string) error {
	set := map[string]bool{"anchor": b.Anchor != nil, "parent": b.Parent != nil, "text": b.Text != nil,
		"mentions": b.Mentions != nil, "severity": b.Severity != nil, "kind": b.Kind != nil,
		"evidence": b.Evidence != nil, "resolution": b.Resolution != nil}
	for _, n := range []string{"anchor", "parent", "text", "mentions", "severity", "kind", "evidence", "resolution"} {
		if set[n] && !slices.Contains(names, n) {
			return blueprint.Errorf(blueprint.EINVALID, "this request takes no field %q", n)
		}
	}
	return nil
}

var (
	// POST /api/boards/{id}/comments: a thread on an anchor, or a reply (parent).
	createComment = func(b annotationBody, f *blueprint.Fields) error {
		f.Anchor, f.Parent, f.Text, f.Mentions = b.Anchor, b.Parent, b.Text, b.Mentions
		return onlyFields(b, "anchor", "parent", "text", "mentions")
	}
	// PATCH /api/boards/{id}/comments/{cid}: a new text (and its mentions).
	editComment = func(b annotationBody, f *blueprint.Fields) error {
		f.Text, f.Mentions = b.Text, b.Mentions
		return onlyFields(b, "text", "mentions")
	}
	createMarker = func(b annotationBody, f *blueprint.Fields) error {
		f.Anchor, f.Severity, f.Kind, f.Text, f.Evidence = b.Anchor, b.Severity, b.Kind, b.Text, b.Evidence
		return onlyFields(b, "anchor", "severity", "kind", "text", "evidence")
	}
	editMarker = func(b annotationBody, f *blueprint.Fields) error {
		f.Severity, f.Kind, f.Text, f.Evidence = b.Severity, b.Kind, b.Text, b.Evidence
		return onlyFields(b, "severity", "kind", "text", "evidence")
	}
	resolveMarker = func(b annotationBody, f *blueprint.Fields) error {
		f.Resolved, f.Resolution = ptrTo(true), b.Resolution
		return onlyFields(b, "resolution")
	}
	noFields = func(b annotationBody, f *blueprint.Fields) error { return onlyFields(b) }
)

func setResolved(v bool) func(annotationBody, *blueprint.Fields) error {
	return func(b annotationBody, f *blueprint.Fields) error {
		f.Resolved = ptrTo(v)
		return onlyFields(b)
	}
}

func ptrTo[T any](v T) *T { return &v }

// handleListComments serves GET /api/boards/{id}/comments?filter=&anchor=: the comments
// in the order they were made, replies included (parent names their thread), each
// thread's resolution on its first comment. filter is open, resolved (threads), mine (the
// caller wrote it) or mentions (it mentions the caller); anchor is "card:c1",
// "cell:s1/l1", "link:k1" or "stage:s1".
func (s *Server) handleListComments(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	me, _ := person(r)
	keep, anchor, err := listFilter(r, me)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	roots := b.Annotations.Comments
	out := []commentView{}
	for _, c := range b.SortedComments() {
		root := c
		if c.Parent != "" && roots[c.Parent] != nil {
			root = roots[c.Parent]
		}
		if anchor != nil && c.Anchor != *anchor {
			continue
		}
		if keep(root.Resolved, c.By, c.Mentions) {
			out = append(out, commentOut(b, c))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": out, "seq": b.Seq})
}

// handleListMarkers serves GET /api/boards/{id}/markers?filter=&anchor=&sort=: sort is
// age (oldest first, the default), severity (most severe first) or plusones (most first).
func (s *Server) handleListMarkers(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	me, _ := person(r)
	keep, anchor, err := listFilter(r, me)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []markerView{}
	for _, m := range b.SortedMarkers() {
		if (anchor == nil || m.Anchor == *anchor) && keep(m.Resolved, m.By, nil) {
			out = append(out, markerOut(b, m))
		}
	}
	severity := func(v markerView) int { return slices.Index(blueprint.Severities, v.Severity) }
	switch r.URL.Query().Get("sort") {
	case "", "age":
	case "severity":
		slices.SortStableFunc(out, func(a, b markerView) int { return cmp.Compare(severity(b), severity(a)) })
	case "plusones":
		slices.SortStableFunc(out, func(a, b markerView) int { return cmp.Compare(len(b.PlusOnes), len(a.PlusOnes)) })
	default:
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "sort is age, severity or plusones"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"markers": out, "seq": b.Seq})
}

// listFilter reads the filter and anchor of a list request.
func listFilter(r *http.Request, me string) (func(resolved bool, by string, mentions []string) bool, *blueprint.Anchor, error) {
	var anchor *blueprint.Anchor
	if v := r.URL.Query().Get("anchor"); v != "" {
		a, err := blueprint.ParseAnchor(v)
		if err != nil {
			return nil, nil, err
		}
		anchor = &a
	}
	filter := r.URL.Query().Get("filter")
	if (filter == "mine" || filter == "mentions") && me == "" {
		return nil, nil, blueprint.Errorf(blueprint.EUNAUTHORIZED, "this needs to know who you are: sign in, or join the board with a share link")
	}
	switch filter {
	case "", "all":
		return func(bool, string, []string) bool { return true }, anchor, nil
	case "open":
		return func(res bool, _ string, _ []string) bool { return !res }, anchor, nil
	case "resolved":
		return func(res bool, _ string, _ []string) bool { return res }, anchor, nil
	case "mine":
		return func(_ bool, by string, _ []string) bool { return by == me }, anchor, nil
	case "mentions":
		return func(_ bool, _ string, m []string) bool { return slices.Contains(m, me) }, anchor, nil
	}
	return nil, nil, blueprint.Errorf(blueprint.EINVALID, "filter is open, resolved, mine or mentions")
}

// handleActivity serves GET /api/boards/{id}/activity?after=N&limit=M: the ops after N
// (by default the last M), at most M (1–5000, default 500), grouped by person and minute,
// newest first.
func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	limit, err := queryInt(r, "limit", 500, 1, 5000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := queryInt(r, "after", max(0, b.Seq-limit), 0, 1<<62)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ops, err := s.boards.OpsSince(r.Context(), b.ID, after, int(limit))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	to := after
	if len(ops) > 0 {
		to = ops[len(ops)-1].Seq
	}
	writeJSON(w, http.StatusOK, map[string]any{"after": after, "to": to, "groups": blueprint.Activity(ops, b)})
}

// handleSince serves GET /api/boards/{id}/since?seq=N: what changed since N, by default
// since the caller's last-seen point. A caller who never looked gets their point set
// now, and nothing since.
func (s *Server) handleSince(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "boardID")
	me, _ := person(r)
	from, err := queryInt(r, "seq", -1, 0, 1<<62)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var seenAt int64
	first := false
	if from < 0 {
		if me == "" {
			s.fail(w, r, blueprint.Errorf(blueprint.EUNAUTHORIZED, "without a session there is no last-seen point: give seq"))
			return
		}
		seq, at, ok, err := s.notes.LastSeen(r.Context(), id, me)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ok {
			first = true
			if seq, err = s.notes.MarkSeen(r.Context(), id, me, 1<<62, true); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		from, seenAt = seq, at.UnixMilli()
		if first {
			seenAt = 0
		}
	}
	before, now, ops, err := s.notes.History(r.Context(), id, from)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"since": blueprint.SinceLastLooked(before, now, ops), "seen_at": seenAt, "first_visit": first})
}

// handleMarkSeen serves POST /api/boards/{id}/seen with {"seq"?: N}: the caller's
// last-seen point moves to N (by default the board's sequence; never backwards).
func (s *Server) handleMarkSeen(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Seq *int64 `json:"seq"`
	}
	data, err := readBody(w, r, MaxFormBody)
	if err == nil && len(strings.TrimSpace(string(data))) > 0 {
		err = decodeJSON(data, &body)
	}
	if err == nil && body.Seq != nil && *body.Seq < 0 {
		err = blueprint.Errorf(blueprint.EINVALID, "seq must be a whole number from 0")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seq, err := s.markSeen(r, body.Seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"seq": seq})
}

func (s *Server) markSeen(r *http.Request, seq *int64) (int64, error) {
	me, err := mustPerson(r)
	if err != nil {
		return 0, err
	}
	to := int64(1 << 62)
	if seq != nil {
		to = *seq
	}
	return s.notes.MarkSeen(r.Context(), chi.URLParam(r, "boardID"), me, to, false)
}

// handleNotifications serves GET /api/notifications?unread=1&limit=N: the caller's latest
// notifications (at most N, 1–200, default 50), on the boards they may still see, and how
// many are unread.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	me, err := mustPerson(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 50, 1, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unread := r.URL.Query().Get("unread")
	if unread != "" && unread != "0" && unread != "1" {
		s.fail(w, r, blueprint.Errorf(blueprint.EINVALID, "unread is 0 or 1"))
		return
	}
	list, n, err := s.notes.Notifications(r.Context(), me, int(limit), unread == "1")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []blueprint.Notification{}
	seen := map[string]bool{}
	sess := sessionFrom(r)
	for _, x := range list {
		ok, known := seen[x.Board]
		if !known {
			acc, err := s.accounts.ResolveAccess(r.Context(), x.Board, sess.UserID, sess.TokenHash)
			ok = err == nil && auth.Can(acc.Role, auth.View)
			seen[x.Board] = ok
		}
		if ok {
			out = append(out, x)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "unread": n})
}

// handleReadNotifications serves POST /api/notifications/read with {"ids": [...]} or
// {"all": true, "board"?: id}: they are marked read; the answer says how many changed.
func (s *Server) handleReadNotifications(w http.ResponseWriter, r *http.Request) {
	me, err := mustPerson(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		IDs   []int64 `json:"ids"`
		All   bool    `json:"all"`
		Board string  `json:"board"`
	}
	err = readJSON(w, r, MaxFormBody, &body)
	if err == nil && body.All == (len(body.IDs) > 0) {
		err = blueprint.Errorf(blueprint.EINVALID, `give either "ids" or "all": true`)
	}
	if err == nil && len(body.IDs) > 1000 {
		err = blueprint.Errorf(blueprint.ETOOLARGE, "at most 1000 ids at once")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.notes.MarkRead(r.Context(), me, body.IDs, body.All, body.Board)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"read": n})
}
