package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/internal/postgres"
)

func mustUser(t *testing.T, s *postgres.Store, email string) *auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), email, "$argon2id$test")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStore_Users(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	u := mustUser(t, s, "ada@example.org")
	t.Run("OK", func(t *testing.T) {
		got, err := s.FindUserByEmail(ctx, "ada@example.org")
		if err != nil || got.ID != u.ID || got.PasswordHash != "$argon2id$test" {
			t.Fatalf("FindUserByEmail = %+v, %v", got, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		if _, err := s.CreateUser(ctx, "ada@example.org", "x"); blueprint.ErrorCode(err) != blueprint.ECONFLICT {
			t.Fatalf("second account with one e-mail: %v; want conflict", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := s.FindUserByEmail(ctx, "nobody@example.org"); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
			t.Fatalf("unknown e-mail: %v; want not found", err)
		}
	})
}

func TestStore_Sessions(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	u := mustUser(t, s, "ada@example.org")
	_, h1 := auth.NewToken()
	_, h2 := auth.NewToken()
	for _, h := range [][]byte{h1, h2} {
		if _, err := s.CreateSession(ctx, h, u.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindSession(ctx, h1)
	if err != nil || got.UserID != u.ID || got.Email != "ada@example.org" {
		t.Fatalf("FindSession = %+v, %v", got, err)
	}
	// A new password ends every other session.
	if err := s.SetPassword(ctx, u.ID, "$argon2id$new", h1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindSession(ctx, h2); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("other session after a new password: %v; want not found", err)
	}
	if _, err := s.FindSession(ctx, h1); err != nil {
		t.Fatalf("own session after a new password: %v", err)
	}
	if err := s.DeleteSession(ctx, h1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindSession(ctx, h1); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("deleted session: %v; want not found", err)
	}
}

func TestStore_ResolveAccess(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	b := mustBoard(t, s, "service-blueprint")
	owner := mustUser(t, s, "owner@example.org")
	_, guest := auth.NewToken()
	if _, err := s.CreateSession(ctx, guest, "", "Guest"); err != nil {
		t.Fatal(err)
	}
	access := func(userID string, tokenHash []byte) auth.Access {
		t.Helper()
		before := time.Now()
		a, err := s.ResolveAccess(ctx, b.ID, userID, tokenHash)
		if err != nil {
			t.Fatal(err)
		}
		// The database's time of the read; this machine's clock is the database's here.
		if a.At.Before(before.Add(-time.Second)) || a.At.After(time.Now().Add(time.Second)) {
			t.Fatalf("access read at %v, between %v and now", a.At, before)
		}
		a.At = time.Time{}
		return a
	}
	if got := access("", nil); got != (auth.Access{Role: auth.Editor, Open: true}) {
		t.Fatalf("board without members: %+v; want open", got)
	}
	// The session that made the unlisted board is its creator; another is not.
	_, maker := auth.NewToken()
	if _, err := s.CreateSession(ctx, maker, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCreator(ctx, b.ID, maker); err != nil {
		t.Fatal(err)
	}
	if got := access("", maker); got != (auth.Access{Role: auth.Editor, Open: true, Creator: true}) {
		t.Fatalf("the session that made the board: %+v; want open, creator", got)
	}
	if got := access("", guest); got != (auth.Access{Role: auth.Editor, Open: true}) {
		t.Fatalf("another session: %+v; want open, not creator", got)
	}
	if err := s.AddMember(ctx, b.ID, owner.ID, auth.Facilitator); err != nil {
		t.Fatal(err)
	}
	if got := access(owner.ID, nil); got != (auth.Access{Role: auth.Facilitator, Owner: true}) {
		t.Fatalf("owner: %+v", got)
	}
	if got := access("", maker); got.Role != auth.None || got.Creator {
		t.Fatalf("the maker's session once the board has members: %+v", got)
	}
	second := mustUser(t, s, "second@example.org")
	if err := s.AddMember(ctx, b.ID, second.ID, auth.Facilitator); err != nil {
		t.Fatal(err)
	}
	if got := access(second.ID, nil); got != (auth.Access{Role: auth.Facilitator}) {
		t.Fatalf("a second facilitator: %+v; want not the owner", got)
	}
	if got := access("", guest); got.Role != auth.None {
		t.Fatalf("guest without grant: %+v", got)
	}
	_, lh := auth.NewToken()
	l, err := s.CreateLink(ctx, auth.Link{BoardID: b.ID, Role: auth.Commenter}, lh)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrant(ctx, guest, l.ID); err != nil {
		t.Fatal(err)
	}
	if got := access("", guest); got != (auth.Access{Role: auth.Commenter, GrantID: l.ID}) {
		t.Fatalf("guest with grant: %+v", got)
	}
	found, err := s.FindLink(ctx, lh)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l.ID, found.ID); diff != "" || found.Role != auth.Commenter {
		t.Fatalf("FindLink: %+v", found)
	}
	if err := s.RevokeLink(ctx, b.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	if got := access("", guest); got.Role != auth.None {
		t.Fatalf("guest after revocation: %+v", got)
	}
	if err := s.RevokeLink(ctx, b.ID, "knope"); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("revoking an unknown link: %v", err)
	}
	if _, err := s.ResolveAccess(ctx, "nosuchboard00000", "", nil); blueprint.ErrorCode(err) != blueprint.ENOTFOUND {
		t.Fatalf("unknown board: %v", err)
	}
}

// A change made before Clock is read is seen by every access read after it, and the
// read's At is later than that clock: the hub relies on this to tell a connection
// authorised after a member's change from one authorised before it.
func TestStore_ClockOrdersAccess(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t)
	b := mustBoard(t, s, "service-blueprint")
	owner := mustUser(t, s, "owner@example.org")
	ada := mustUser(t, s, "ada@example.org")
	if err := s.AddMember(ctx, b.ID, owner.ID, auth.Facilitator); err != nil {
		t.Fatal(err)
	}
	for _, role := range []auth.Role{auth.Viewer, auth.Editor, auth.Commenter} {
		before, err := s.ResolveAccess(ctx, b.ID, ada.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if role == auth.Viewer {
			err = s.AddMember(ctx, b.ID, ada.ID, role)
		} else {
			err = s.SetMemberRole(ctx, b.ID, ada.ID, role)
		}
		if err != nil {
			t.Fatal(err)
		}
		changed, err := s.Clock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		after, err := s.ResolveAccess(ctx, b.ID, ada.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !before.At.Before(changed) || !after.At.After(changed) || after.Role != role {
			t.Fatalf("read before at %v, change seen at %v, read after at %v with role %s; want before < change < after, role %s",
				before.At, changed, after.At, after.Role, role)
		}
	}
}
