package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// withoutSeq returns an export with its sequence cleared, to compare documents.
func withoutSeq(e *blueprint.Export) *blueprint.Export {
	c := *e
	c.Seq = 0
	return &c
}

func TestHistory(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")
	card := func(id, text string) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: id,
			Fields: blueprint.Fields{Stage: ptr("stage-1"), Lane: ptr("lane-1"), Order: ptr("V"), Text: ptr(text)}}
	}
	e.mustOps(t, b.ID, card("c1", "Asks"), card("c2", "Waits"))
	then := e.mustExport(t, b.ID)
	e.mustOps(t, b.ID,
		blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: "c1", Fields: blueprint.Fields{Text: ptr("Asks again")}},
		blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: "c2"},
		card("c3", "New"))
	now := e.mustExport(t, b.ID)
	base := "/api/boards/" + b.ID

	t.Run("Version", func(t *testing.T) {
		r := e.get(t, fmt.Sprintf("%s/versions/%d", base, then.Seq))
		if r.status != http.StatusOK {
			t.Fatalf("GET version: %v", r)
		}
		if diff := cmp.Diff(then, mustDecode[*blueprint.Export](t, r)); diff != "" {
			t.Fatalf("version %d differs from the board as it was (-want +got):\n%s", then.Seq, diff)
		}
		wantAPIError(t, e.get(t, fmt.Sprintf("%s/versions/%d", base, now.Seq+1)), http.StatusNotFound, "does not exist")
		wantAPIError(t, e.get(t, base+"/versions/0"), http.StatusBadRequest, "sequence from 1")
		wantAPIError(t, e.get(t, base+"/versions/x"), http.StatusBadRequest, "sequence from 1")
	})

	t.Run("History", func(t *testing.T) {
		type page struct {
			From, To, Next, Seq int64
			Groups              []blueprint.ActivityGroup
		}
		p := mustDecode[page](t, e.get(t, base+"/history?limit=2"))
		if p.To != now.Seq || p.From != now.Seq-1 || p.Next != now.Seq-1 || len(p.Groups) != 1 || p.Groups[0].ToSeq != now.Seq {
			t.Fatalf("last page: %+v", p)
		}
		all := mustDecode[page](t, e.get(t, fmt.Sprintf("%s/history?before=%d", base, p.Next)))
		if all.From != 1 || all.To != now.Seq-2 || all.Next != 0 {
			t.Fatalf("page before %d: %+v", p.Next, all)
		}
	})

	t.Run("NamedVersions", func(t *testing.T) {
		r := e.postJSON(t, base+"/versions", []byte(`{"name": "  after workshop 1 "}`))
		if r.status != http.StatusCreated {
			t.Fatalf("POST versions: %v", r)
		}
		v := mustDecode[blueprint.Version](t, r)
		if v.Name != "after workshop 1" || v.Seq != now.Seq {
			t.Fatalf("named version %+v; want seq %d", v, now.Seq)
		}
		list := mustDecode[struct{ Versions []blueprint.Version }](t, e.get(t, base+"/versions"))
		if len(list.Versions) != 1 || list.Versions[0] != v {
			t.Fatalf("versions %+v; want %+v", list.Versions, v)
		}
		wantAPIError(t, e.postJSON(t, base+"/versions", []byte(`{"name": " "}`)), http.StatusBadRequest, "needs a name")
		wantAPIError(t, e.postJSON(t, base+"/versions", []byte(`{"nom": "x"}`)), http.StatusBadRequest)
	})

	// The round trip: restoring version N gives a board equal to version N, and
	// restoring the version just before the restore gives the board before.
	t.Run("Restore", func(t *testing.T) {
		r := e.postJSON(t, base+"/restore", mustJSON(t, map[string]int64{"seq": then.Seq}))
		if r.status != http.StatusOK {
			t.Fatalf("POST restore: %v", r)
		}
		res := mustDecode[struct{ Before, Seq, Ops int64 }](t, r)
		restored := e.mustExport(t, b.ID)
		if res.Before != now.Seq || res.Seq != restored.Seq || res.Ops != restored.Seq-now.Seq || res.Ops == 0 {
			t.Fatalf("restore answered %+v; board at %d", res, restored.Seq)
		}
		if diff := cmp.Diff(withoutSeq(then), withoutSeq(restored)); diff != "" {
			t.Fatalf("restored board differs from version %d (-want +got):\n%s", then.Seq, diff)
		}
		r = e.postJSON(t, base+"/restore", mustJSON(t, map[string]int64{"seq": res.Before}))
		if r.status != http.StatusOK {
			t.Fatalf("POST restore: %v", r)
		}
		if diff := cmp.Diff(withoutSeq(now), withoutSeq(e.mustExport(t, b.ID))); diff != "" {
			t.Fatalf("undoing the restore does not give the board before (-want +got):\n%s", diff)
		}
		wantAPIError(t, e.postJSON(t, base+"/restore", []byte(`{"seq": 0}`)), http.StatusBadRequest, "sequence from 1")
		wantAPIError(t, e.postJSON(t, base+"/restore", []byte(`{"seq": 1000}`)), http.StatusNotFound, "does not exist")
	})
}

func TestDuplicateBoard(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.mustBoard(t, "service-blueprint")
	e.mustOps(t, b.ID, blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeCard, ID: "c1",
		Fields: blueprint.Fields{Stage: ptr("stage-1"), Lane: ptr("lane-1"), Order: ptr("V"), Text: ptr("Asks")}},
		blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: b.ID,
			Fields: blueprint.Fields{Problem: ptr("Too slow")}})
	r := e.postForm(t, "/boards/"+b.ID+"/duplicate", url.Values{"title": {"Copie « 2 »"}})
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/boards/") || loc == "/boards/"+b.ID {
		t.Fatalf("POST duplicate: %v, Location %q", r, loc)
	}
	src, dup := e.mustExport(t, b.ID), e.mustExport(t, strings.TrimPrefix(loc, "/boards/"))
	if dup.Title != "Copie « 2 »" {
		t.Errorf("copy's title %q", dup.Title)
	}
	src.ID, src.Seq, src.Title, dup.ID, dup.Seq, dup.Title = "", 0, "", "", 0, ""
	if diff := cmp.Diff(src, dup); diff != "" {
		t.Fatalf("the copy differs from the board (-want +got):\n%s", diff)
	}
	if r := e.postForm(t, "/boards/"+b.ID+"/duplicate", url.Values{"title": {strings.Repeat("x", 201)}}); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a title of 201 characters: %v; want 413", r)
	}
}
