package auth

import (
	"strings"
	"time"
)

// APIToken is a personal API token: whoever sends it as "Authorization: Bearer <token>"
// on /api acts as its person, with that person's roles. Only the SHA-256 hash of the
// token is stored (HashToken); the token is shown once, when it is made.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// MaxTokenName bounds the name a person gives a token.
const MaxTokenName = 100

// TokenPrefix starts every personal API token, so that a token found in a file or a log
// can be recognised (and scanners can look for it); the 256 random bits follow.
const TokenPrefix = "lmt_"

// NewAPIToken returns a new personal API token and the hash under which it is stored.
func NewAPIToken() (token string, hash []byte) {
	t, _ := NewToken()
	token = TokenPrefix + t
	return token, HashToken(token)
}

// BearerToken returns the token of an Authorization header of the Bearer scheme, or "".
func BearerToken(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
