// Package auth holds the parts of accounts and access that know no database and no HTTP:
// password hashing, session and link tokens, roles and what each role may do, and the
// sign-in rate limiter.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id parameters. They are stored with every hash, so that they can be
// raised later without breaking the hashes made before.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams are close to the second recommended option of RFC 9106 (64 MiB, 3 passes),
// with two lanes for a small server.
var DefaultParams = Params{Memory: HashMemory >> 10, Time: 3, Threads: 2, KeyLen: 32, SaltLen: 16}

// Limits on what a person types.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
	MaxEmailLen    = 254
)

// Hasher hashes and verifies passwords with argon2id. Its zero value uses DefaultParams.
type Hasher struct {
	Params Params

	once  sync.Once
	dummy string
}

func (h *Hasher) params() Params {
	if h.Params == (Params{}) {
		return DefaultParams
	}
	return h.Params
}

// Hash returns the encoded argon2id hash of password with a fresh random salt:
// $argon2id$v=19$m=…,t=…,p=…$salt$key (base64 without padding).
func (h *Hasher) Hash(password string) string {
	p := h.params()
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

var b64 = base64.RawStdEncoding

// ErrMalformedHash is returned by Verify for a hash it cannot read.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Verify reports whether password matches the encoded hash, in time independent of
// where the two differ.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformedHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Dummy returns a hash of a random password with the hasher's parameters, made once.
// Verifying against it when an e-mail is unknown makes "unknown e-mail" cost as much as
// "wrong password".
func (h *Hasher) Dummy() string {
	h.once.Do(func() {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		h.dummy = h.Hash(b64.EncodeToString(b))
	})
	return h.dummy
}

// NewToken returns a random 256-bit token, URL-safe, and the SHA-256 hash under which it is
// stored. The token itself is never stored.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the SHA-256 hash of a token, as stored.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// NormalizeEmail trims and lower-cases an e-mail address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidEmail reports whether email looks like an address: one @, something on both sides,
// a dot in the domain, no spaces, not too long.
func ValidEmail(email string) bool {
	if len(email) > MaxEmailLen || strings.ContainsAny(email, " \t\r\n<>\"") {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	return at > 0 && at < len(email)-1 && strings.Contains(email[at+1:], ".")
}

// SessionTTL is how long a session lives after it is made.
const SessionTTL = 30 * 24 * time.Hour
