package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
)

// mustGuest starts a guest session named name holding a grant of a new link of boardID
// with role, and returns the session's token hash and the link.
func mustGuest(t *testing.T, s *postgres.Store, boardID, name string, role auth.Role) ([]byte, *auth.Link) {
	t.Helper()
	ctx := context.Background()
	_, sh := auth.NewToken()
	if _, err := s.CreateSession(ctx, sh, "", name); err != nil {
		t.Fatal(err)
	}
	_, lh := auth.NewToken()
	l, err := s.CreateLink(ctx, auth.Link{BoardID: boardID, Role: role, Label: name + "'s link"}, lh)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrant(ctx, sh, l.ID); err != nil {
		t.Fatal(err)
	}
	return sh, l
}

func TestStore_Members(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*postgres.Store, *blueprint.Board, *auth.User, *auth.User) {
		s := mustStore(t)
		b := mustBoard(t, s, "service-blueprint")
		owner, ada := mustUser(t, s, "owner@example.org"), mustUser(t, s, "ada@example.org")
		if err := s.AddMember(ctx, b.ID, owner.ID, auth.Facilitator); err != nil {
			t.Fatal(err)
		}
		return s, b, owner, ada
	}
	roles := func(t *testing.T, s *postgres.Store, boardID string) map[string]string {
		t.Helper()
		list, err := s.ListMembers(ctx, boardID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, m := range list {
			v := string(m.Role)
			if m.Owner {
				v += " owner"
			}
			out[m.Email] = v
		}
		return out
	}

	t.Run("OK", func(t *testing.T) {
		s, b, owner, ada := setup(t)
		m, err := s.InviteMember(ctx, b.ID, "ada@example.org", auth.Viewer)
		if err != nil || m.UserID != ada.ID || m.Role != auth.Viewer {
			t.Fatalf("InviteMember = %+v, %v", m, err)
		}
		want := map[string]string{"owner@example.org": "facilitator owner", "ada@example.org": "viewer"}
		if diff := cmp.Diff(want, roles(t, s, b.ID)); diff != "" {
			t.Fatalf("members (-want +got):\n%s", diff)
		}
		if err := s.SetMemberRole(ctx, b.ID, ada.ID, auth.Facilitator); err != nil {
			t.Fatal(err)
		}
		if a, _ := s.ResolveAccess(ctx, b.ID, ada.ID, nil); a.Role != auth.Facilitator {
			t.Fatalf("access after promotion: %+v", a)
		}
		// A second facilitator is not the owner, and may be demoted.
		want["ada@example.org"] = "facilitator"
		if diff := cmp.Diff(want, roles(t, s, b.ID)); diff != "" {
			t.Fatalf("members (-want +got):\n%s", diff)
		}
		if err := s.SetMemberRole(ctx, b.ID, ada.ID, auth.Commenter); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, b.ID, ada.ID); err != nil {
			t.Fatal(err)
		}
		if a, _ := s.ResolveAccess(ctx, b.ID, ada.ID, nil); a.Role != auth.None {
			t.Fatalf("access after removal: %+v", a)
		}
		if diff := cmp.Diff(map[string]string{"owner@example.org": "facilitator owner"}, roles(t, s, b.ID)); diff != "" {
			t.Fatalf("members after removal (-want +got):\n%s", diff)
		}
		_ = owner
	})
	t.Run("ErrOwner", func(t *testing.T) {
		s, b, owner, _ := setup(t)
		if _, err := s.InviteMember(ctx, b.ID, "ada@example.org", auth.Facilitator); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMemberRole(ctx, b.ID, owner.ID, auth.Editor); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
			t.Fatalf("demoting the owner: %v; want forbidden", err)
		}
		if err := s.RemoveMember(ctx, b.ID, owner.ID); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
			t.Fatalf("removing the owner: %v; want forbidden", err)
		}
		if got := roles(t, s, b.ID)["owner@example.org"]; got != "facilitator owner" {
			t.Fatalf("owner after refused changes: %q", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s, b, _, ada := setup(t)
		if _, err := s.InviteMember(ctx, b.ID, "nobody@example.org", auth.Editor); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("inviting an unknown e-mail: %v; want not found", err)
		}
		if err := s.SetMemberRole(ctx, b.ID, ada.ID, auth.Editor); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("changing a non-member: %v; want not found", err)
		}
		if err := s.RemoveMember(ctx, b.ID, "unobody"); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("removing a non-member: %v; want not found", err)
		}
		if n := len(roles(t, s, b.ID)); n != 1 {
			t.Fatalf("%d members after refused changes; want 1", n)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s, b, _, _ := setup(t)
		if _, err := s.InviteMember(ctx, b.ID, "ada@example.org", auth.Editor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InviteMember(ctx, b.ID, "ada@example.org", auth.Viewer); blueprint.ErrorCode(err) != blueprint.ECONFLICT {
			t.Fatalf("inviting a member twice: %v; want conflict", err)
		}
		if got := roles(t, s, b.ID)["ada@example.org"]; got != "editor" {
			t.Fatalf("role after a refused second invitation: %q", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		s, b, _, ada := setup(t)
		if _, err := s.InviteMember(ctx, b.ID, "ada@example.org", "owner"); blueprint.ErrorCode(err) != blueprint.EINVALID {
			t.Fatalf("inviting with an unknown role: %v; want invalid", err)
		}
		if err := s.SetMemberRole(ctx, b.ID, ada.ID, ""); blueprint.ErrorCode(err) != blueprint.EINVALID {
			t.Fatalf("empty role: %v; want invalid", err)
		}
	})
}

func TestStore_ListGuests(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	b, other := mustBoard(t, s, "service-blueprint"), mustBoard(t, s, "journey-map")
	_, l1 := mustGuest(t, s, b.ID, "Grace", auth.Editor)
	_, l2 := mustGuest(t, s, b.ID, "Linus", auth.Viewer)
	mustGuest(t, s, other.ID, "Ken", auth.Viewer)
	// A signed-in user who opened a link is listed by e-mail.
	ada := mustUser(t, s, "ada@example.org")
	_, ah := auth.NewToken()
	if _, err := s.CreateSession(ctx, ah, ada.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrant(ctx, ah, l2.ID); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListGuests(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name, Link string
		Role       auth.Role
		SignedIn   bool
	}
	var got []row
	for _, g := range list {
		got = append(got, row{g.Name, g.LinkID, g.Role, g.SignedIn})
	}
	want := []row{{"Grace", l1.ID, auth.Editor, false}, {"Linus", l2.ID, auth.Viewer, false}, {"ada@example.org", l2.ID, auth.Viewer, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("guests (-want +got):\n%s", diff)
	}
	// The guests of a revoked link have no role left: they are not listed.
	if err := s.RevokeLink(ctx, b.ID, l2.ID); err != nil {
		t.Fatal(err)
	}
	list, err = s.ListGuests(ctx, b.ID)
	if err != nil || len(list) != 1 || list[0].Name != "Grace" {
		t.Fatalf("guests after revoking a link = %+v, %v", list, err)
	}
}

func TestStore_ListVisibleBoards(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	ada, bob := mustUser(t, s, "ada@example.org"), mustUser(t, s, "bob@example.org")
	open := mustBoard(t, s, "service-blueprint")
	owned := mustBoard(t, s, "service-blueprint")
	joined := mustBoard(t, s, "journey-map")
	linked := mustBoard(t, s, "journey-map")
	hidden := mustBoard(t, s, "journey-map")
	for _, m := range []struct {
		board, user string
		role        auth.Role
	}{{owned.ID, ada.ID, auth.Facilitator}, {joined.ID, bob.ID, auth.Facilitator}, {joined.ID, ada.ID, auth.Commenter},
		{linked.ID, bob.ID, auth.Facilitator}, {hidden.ID, bob.ID, auth.Facilitator}} {
		if err := s.AddMember(ctx, m.board, m.user, m.role); err != nil {
			t.Fatal(err)
		}
	}
	// Ada's session holds a viewer link of linked, and a viewer link of joined, where her
	// membership (commenter) is stronger.
	_, sh := auth.NewToken()
	if _, err := s.CreateSession(ctx, sh, ada.ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{linked.ID, joined.ID} {
		_, lh := auth.NewToken()
		l, err := s.CreateLink(ctx, auth.Link{BoardID: id, Role: auth.Viewer}, lh)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddGrant(ctx, sh, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Ada's session made the unlisted board.
	if err := s.SetCreator(ctx, open.ID, sh); err != nil {
		t.Fatal(err)
	}
	// Most recently changed first: touch the boards in a known order.
	for _, id := range []string{open.ID, joined.ID, owned.ID, linked.ID} {
		title := "changed " + id
		op := blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: id, Fields: blueprint.Fields{Title: &title}}
		if _, err := s.ApplyEdits(ctx, id, []blueprint.Edit{{Author: "t", Op: op}}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListVisibleBoards(ctx, ada.ID, sh)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID   string
		Role auth.Role
		Open bool
	}
	var got []row
	for _, v := range list {
		got = append(got, row{v.ID, v.Role, v.Open})
	}
	want := []row{{linked.ID, auth.Viewer, false}, {owned.ID, auth.Facilitator, false}, {joined.ID, auth.Commenter, false},
		{open.ID, auth.Editor, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("visible boards (-want +got):\n%s", diff)
	}
	// Nobody else sees the unlisted board listed: not without a session, not another
	// session, not Ada's account from another session.
	_, other := auth.NewToken()
	if _, err := s.CreateSession(ctx, other, "", "Eve"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		user  string
		token []byte
	}{{"", nil}, {"", other}, {bob.ID, other}} {
		list, err = s.ListVisibleBoards(ctx, who.user, who.token)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range list {
			if v.ID == open.ID {
				t.Fatalf("the unlisted board is listed to %q: %+v", who.user, list)
			}
		}
	}
	list, err = s.ListVisibleBoards(ctx, "", nil)
	if err != nil || len(list) != 0 {
		t.Fatalf("visible boards of nobody = %+v, %v", list, err)
	}
}

// TestStore_ClaimAndDelete follows an unlisted board: its maker's session moves to a
// signed-in one, which claims it; a claimed board cannot be claimed again; deleting it
// takes its links and log along.
func TestStore_ClaimAndDelete(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	ada := mustUser(t, s, "ada@example.org")
	b := mustBoard(t, s, "blank")
	_, anon := auth.NewToken()
	if _, err := s.CreateSession(ctx, anon, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCreator(ctx, b.ID, anon); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimBoard(ctx, b.ID, ada.ID, anon); err != nil {
		// An account may claim from the session that made the board; the store does not
		// check who the session's person is (the server does).
		t.Fatalf("claim from the maker's session: %v", err)
	}
	if err := s.ClaimBoard(ctx, b.ID, ada.ID, anon); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
		t.Fatalf("claiming twice: %v; want forbidden", err)
	}

	c := mustBoard(t, s, "blank")
	if err := s.SetCreator(ctx, c.ID, anon); err != nil {
		t.Fatal(err)
	}
	// Signing in replaces the session: the board moves with it, and the old session ends.
	_, signed := auth.NewToken()
	sess, err := s.ReplaceSession(ctx, anon, signed, ada.ID, "")
	if err != nil || sess.Email != "ada@example.org" {
		t.Fatalf("replace session: %+v, %v", sess, err)
	}
	if _, err := s.FindSession(ctx, anon); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("the old session lives on: %v", err)
	}
	if err := s.ClaimBoard(ctx, c.ID, ada.ID, anon); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
		t.Fatalf("claim from the ended session: %v; want forbidden", err)
	}
	if err := s.ClaimBoard(ctx, c.ID, ada.ID, signed); err != nil {
		t.Fatalf("claim from the new session: %v", err)
	}
	if err := s.ClaimBoard(ctx, "nosuchboard", ada.ID, signed); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("claiming an unknown board: %v", err)
	}

	// Another account signing in over Ada's session takes none of her boards.
	d := mustBoard(t, s, "blank")
	if err := s.SetCreator(ctx, d.ID, signed); err != nil {
		t.Fatal(err)
	}
	bob := mustUser(t, s, "bob@example.org")
	_, bobs := auth.NewToken()
	if _, err := s.ReplaceSession(ctx, signed, bobs, bob.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimBoard(ctx, d.ID, bob.ID, bobs); blueprint.ErrorCode(err) != blueprint.EFORBIDDEN {
		t.Fatalf("another account claims the board Ada's session made: %v; want forbidden", err)
	}

	_, lh := auth.NewToken()
	if _, err := s.CreateLink(ctx, auth.Link{BoardID: c.ID, Role: auth.Viewer}, lh); err != nil {
		t.Fatal(err)
	}
	// The board was written through this store, which keeps its state: deleting it must
	// leave nothing a later commit could append to.
	title := "before"
	op := blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: c.ID, Fields: blueprint.Fields{Title: &title}}
	if _, err := s.ApplyEdits(ctx, c.ID, []blueprint.Edit{{Author: "t", Op: op}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBoard(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindBoard(ctx, c.ID); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("the deleted board: %v", err)
	}
	if _, err := s.FindLink(ctx, lh); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("the deleted board's link: %v", err)
	}
	if ops, err := s.OpsSince(ctx, c.ID, 0, 10); err != nil || len(ops) != 0 {
		t.Fatalf("the deleted board's log: %d ops, %v", len(ops), err)
	}
	if err := s.DeleteBoard(ctx, c.ID); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("deleting twice: %v", err)
	}
	// A commit on a board deleted under it appends nothing.
	title = "after"
	op = blueprint.Op{Action: blueprint.ActionUpdate, Type: blueprint.TypeBoard, ID: c.ID, Fields: blueprint.Fields{Title: &title}}
	if _, err := s.ApplyEdits(ctx, c.ID, []blueprint.Edit{{Author: "t", Op: op}}); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("editing the deleted board: %v", err)
	}
}
