package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
)

// templateSetup returns a store with two accounts and a board's template document.
func templateSetup(t *testing.T) (s *postgres.Store, ana, bo string, doc []byte) {
	t.Helper()
	s = mustStore(t)
	ctx := context.Background()
	var ids []string
	for _, email := range []string{"ana@example.org", "bo@example.org"} {
		u, err := s.CreateUser(ctx, email, "hash")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	b := mustBoard(t, s, blueprint.TemplateSalesCycle)
	doc, err := blueprint.TemplateDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	return s, ids[0], ids[1], doc
}

func TestStore_Templates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		s, ana, bo, doc := templateSetup(t)
		mine, err := s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: ana, Name: "Ventes", Description: "Cycle", Kind: "sales-cycle", Cards: 0}, doc, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !blueprint.IsSavedTemplateID(mine.ID) || mine.OwnerName != "ana" || mine.CreatedAt.IsZero() {
			t.Fatalf("created %+v", mine)
		}
		shared, err := s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: bo, Name: "Partagé", Shared: true}, doc, 5)
		if err != nil {
			t.Fatal(err)
		}
		private, err := s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: bo, Name: "Privé"}, doc, 5)
		if err != nil {
			t.Fatal(err)
		}

		names := func(user string) []string {
			list, err := s.ListTemplates(ctx, user, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, t := range list {
				out = append(out, t.Name)
			}
			return out
		}
		if diff := cmp.Diff([]string{"Ventes", "Partagé"}, names(ana)); diff != "" {
			t.Errorf("ana's list (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Privé", "Partagé"}, names(bo)); diff != "" {
			t.Errorf("bo's list, own first and newest first (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Partagé"}, names("")); diff != "" {
			t.Errorf("the list of nobody signed in (-want +got):\n%s", diff)
		}

		got, gotDoc, err := s.FindTemplate(ctx, mine.ID, ana)
		if err != nil || string(gotDoc) != string(doc) || got.Name != "Ventes" || got.Kind != "sales-cycle" {
			t.Fatalf("FindTemplate: %+v %v", got, err)
		}
		if _, _, err := s.FindTemplate(ctx, shared.ID, ana); err != nil {
			t.Errorf("a shared template: %v", err)
		}
		for _, tc := range []struct{ id, user string }{{private.ID, ana}, {private.ID, ""}, {"tplnothing", ana}, {"blank", ana}, {"<x>", ana}} {
			if _, _, err := s.FindTemplate(ctx, tc.id, tc.user); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
				t.Errorf("FindTemplate(%q, %q) = %v; want not found", tc.id, tc.user, err)
			}
		}

		name, sharedNow := "Cycle de vente", true
		up, err := s.UpdateTemplate(ctx, mine.ID, ana, blueprint.TemplateChange{Name: &name, Shared: &sharedNow})
		if err != nil || up.Name != name || !up.Shared || up.Description != "Cycle" || up.UpdatedAt.Before(mine.UpdatedAt) {
			t.Fatalf("UpdateTemplate: %+v %v", up, err)
		}
		if _, err := s.UpdateTemplate(ctx, shared.ID, ana, blueprint.TemplateChange{Name: &name}); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
			t.Errorf("renaming another's shared template: %v; want forbidden", err)
		}
		if _, err := s.UpdateTemplate(ctx, private.ID, ana, blueprint.TemplateChange{Name: &name}); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Errorf("renaming another's private template: %v; want not found", err)
		}
		if err := s.DeleteTemplate(ctx, shared.ID, ana); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
			t.Errorf("deleting another's shared template: %v; want forbidden", err)
		}
		if err := s.DeleteTemplate(ctx, private.ID, ana); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Errorf("deleting another's private template: %v; want not found", err)
		}
		if err := s.DeleteTemplate(ctx, private.ID, bo); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Partagé", "Cycle de vente"}, names(bo)); diff != "" {
			t.Errorf("bo's list after the delete (-want +got):\n%s", diff)
		}
	})

	t.Run("Cap", func(t *testing.T) {
		// Saves at once past the cap: exactly the cap is kept, the others are refused.
		t.Parallel()
		s, ana, _, doc := templateSetup(t)
		const max = 3
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: ana, Name: fmt.Sprint("T", i)}, doc, max)
			})
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			switch {
			case err == nil:
			case blueprint.ErrorCode(err) == blueprint.ECONFLICT:
				refused++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		list, _ := s.ListTemplates(ctx, ana, 10)
		if len(list) != max || refused != len(errs)-max {
			t.Errorf("%d kept, %d refused; want %d and %d", len(list), refused, max, len(errs)-max)
		}
	})

	t.Run("SharedLimit", func(t *testing.T) {
		t.Parallel()
		s, ana, bo, doc := templateSetup(t)
		for i := range 4 {
			if _, err := s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: bo, Name: fmt.Sprint("S", i), Shared: true}, doc, 10); err != nil {
				t.Fatal(err)
			}
		}
		if list, _ := s.ListTemplates(ctx, ana, 2); len(list) != 2 || list[0].Name != "S3" {
			t.Errorf("the shared list with a limit of 2: %d, first %q", len(list), list[0].Name)
		}
	})

	t.Run("AccountDeleted", func(t *testing.T) {
		t.Parallel()
		s, ana, _, doc := templateSetup(t)
		if _, err := s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: ana, Name: "x", Shared: true}, doc, 5); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateTemplate(ctx, blueprint.SavedTemplate{Owner: "nobody", Name: "x"}, doc, 5); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Errorf("a template of no account: %v; want not found", err)
		}
		if _, err := postgres.PoolOf(s).Exec(ctx, `DELETE FROM users WHERE id = $1`, ana); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.ListTemplates(ctx, "", 10); len(list) != 0 {
			t.Errorf("the templates of a deleted account are still listed: %d", len(list))
		}
	})
}
