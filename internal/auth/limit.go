package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter slows down password guessing. Each key (an IP address, an e-mail) has a bucket
// of Burst failures that refills at one per Every; a key whose bucket is empty is refused
// until it refills. Only failures take from the bucket, so a person who signs in right is
// never slowed down.
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
