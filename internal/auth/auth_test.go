package auth_test

import (
	"bytes"
	"strings"
	"testing"

	"lastmile/internal/auth"
)

var fast = auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHasher(t *testing.T) {
	h := &auth.Hasher{Params: fast}
	enc := h.Hash("correct horse battery")
	t.Run("Format", func(t *testing.T) {
		if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("hash %q does not carry its parameters", enc)
		}
		if enc == h.Hash("correct horse battery") {
			t.Fatal("two hashes of one password are equal: the salt is not random")
		}
	})
	t.Run("OK", func(t *testing.T) {
		if ok, err := h.Verify(enc, "correct horse battery"); !ok || err != nil {
			t.Fatalf("Verify = %v, %v; want true", ok, err)
		}
	})
	t.Run("Wrong", func(t *testing.T) {
		if ok, err := h.Verify(enc, "correct horse batterY"); ok || err != nil {
			t.Fatalf("Verify = %v, %v; want false", ok, err)
		}
	})
	t.Run("OtherParams", func(t *testing.T) {
		// A hash made with other parameters still verifies: they are read from the hash.
		other := &auth.Hasher{Params: auth.Params{Memory: 128, Time: 2, Threads: 1, KeyLen: 16, SaltLen: 8}}
		if ok, err := h.Verify(other.Hash("pw"), "pw"); !ok || err != nil {
			t.Fatalf("Verify = %v, %v; want true", ok, err)
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
			if _, err := h.Verify(bad, "pw"); err == nil {
				t.Errorf("Verify(%q) gave no error", bad)
			}
		}
	})
	t.Run("Dummy", func(t *testing.T) {
		if d := h.Dummy(); d != h.Dummy() || !strings.HasPrefix(d, "$argon2id$") {
			t.Fatalf("Dummy = %q; want one stable argon2id hash", d)
		}
	})
}

func TestNewToken(t *testing.T) {
	a, ha := auth.NewToken()
	b, _ := auth.NewToken()
	if a == b || len(a) < 43 {
		t.Fatalf("tokens %q and %q: want distinct 256-bit tokens", a, b)
	}
	if !bytes.Equal(ha, auth.HashToken(a)) || len(ha) != 32 {
		t.Fatal("the hash returned is not the SHA-256 of the token")
	}
}

func TestCan(t *testing.T) {
	want := map[auth.Role][]auth.Action{
		auth.Facilitator: {auth.View, auth.Comment, auth.Edit, auth.ManageLinks},
		auth.Editor:      {auth.View, auth.Comment, auth.Edit},
		auth.Commenter:   {auth.View, auth.Comment},
		auth.Viewer:      {auth.View},
		auth.None:        nil,
	}
	for role, actions := range want {
		for _, a := range []auth.Action{auth.View, auth.Comment, auth.Edit, auth.ManageLinks} {
			allowed := false
			for _, w := range actions {
				allowed = allowed || w == a
			}
			if got := auth.Can(role, a); got != allowed {
				t.Errorf("Can(%q, %q) = %v; want %v", role, a, got, allowed)
			}
		}
	}
}

func TestValidEmail(t *testing.T) {
	for email, want := range map[string]bool{
		"ada@example.org": true, "a@b.c": true, "": false, "ada": false, "@example.org": false,
		"ada@example": false, "ada @example.org": false, "ada@": false,
	} {
		if got := auth.ValidEmail(email); got != want {
			t.Errorf("ValidEmail(%q) = %v; want %v", email, got, want)
		}
	}
}
