package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter slows down password guessing, and anything else that must not be done too
// often from one place. Each key (an IP address, an e-mail) has a bucket of Burst tries
// that refills at one per Every; a key whose bucket is empty is refused until it refills.
// For passwords only failures take from the bucket (Failed), so a person who signs in
// right is never slowed down; for sign-ups and new boards every try does (Take).
type Limiter struct {
	Burst int
	Every time.Duration

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// Default limits: ten failures in a row, then one more try every thirty seconds.
const (
	DefaultBurst = 10
	DefaultEvery = 30 * time.Second
	maxBuckets   = 100_000
)

// NewLimiter returns a limiter with the default limits.
func NewLimiter() *Limiter { return &Limiter{Burst: DefaultBurst, Every: DefaultEvery} }

func (l *Limiter) bucket(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil || len(l.buckets) > maxBuckets {
		l.buckets = map[string]*rate.Limiter{} // forgetting everyone is safer than running out of memory
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Every(l.Every), l.Burst)
		l.buckets[key] = b
	}
	return b
}

// Allowed reports whether every key may try now.
func (l *Limiter) Allowed(keys ...string) bool {
	for _, k := range keys {
		if l.bucket(k).Tokens() < 1 {
			return false
		}
	}
	return true
}

// Failed records a failed try for every key.
func (l *Limiter) Failed(keys ...string) {
	for _, k := range keys {
		l.bucket(k).Allow()
	}
}

// Take records a try for every key when each may try now, and reports whether they could.
// Nothing is taken from any key when one of them is refused.
func (l *Limiter) Take(keys ...string) bool {
	if !l.Allowed(keys...) {
		return false
	}
	l.Failed(keys...)
	return true
}

// Wait returns how long until every key may try again; zero when each may now.
func (l *Limiter) Wait(keys ...string) time.Duration {
	var wait time.Duration
	for _, k := range keys {
		if tokens := l.bucket(k).Tokens(); tokens < 1 {
			wait = max(wait, time.Duration((1-tokens)*float64(l.Every)))
		}
	}
	return wait
}
