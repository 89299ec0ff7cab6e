package auth

import (
	"sync"
	"time"
)

// Limiter slows down password guessing, and anything else that must not be done too
// often from one place. Each key (an address, an e-mail, a user) has a bucket of Burst
// tries that refills at one per Every; a key whose bucket holds less than one try is
// refused until it refills.
//
// A password check takes its try before the password is hashed (Reserve), so that
// requests sent at once cost their tries even when they are refused before their turn,
// and gives it back when the password was right (Reservation.Refund): a person who signs
// in right is never slowed down. Sign-ups and new boards take a try each (Take).
//
// The buckets are the limiter's own rather than golang.org/x/time/rate's: a rate
// Reservation cancelled after the moment it was made for restores nothing, and a try is
// given back only once its password has been checked.
type Limiter struct {
	Burst int
	Every time.Duration
	// Now is the limiter's clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

// bucket holds the tries left to a key, as of at.
type bucket struct {
	tries float64
	at    time.Time
}

// Default limits: ten failures in a row, then one more try every thirty seconds.
const (
	DefaultBurst = 10
	DefaultEvery = 30 * time.Second
	maxBuckets   = 100_000
)

// NewLimiter returns a limiter with the default limits.
func NewLimiter() *Limiter { return &Limiter{Burst: DefaultBurst, Every: DefaultEvery} }

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// forgetAll drops every bucket when there are too many: forgetting everyone is safer than
// running out of memory. Callers hold l.mu.
func (l *Limiter) forgetAll() {
	if l.buckets == nil || len(l.buckets) > maxBuckets {
		l.buckets = map[string]*bucket{}
	}
}

// bucket returns the bucket of key refilled up to now. Callers hold l.mu.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tries: float64(l.Burst), at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	return b
}

// refill adds to b the tries that came back since it was last looked at. Callers hold l.mu.
func (l *Limiter) refill(b *bucket, now time.Time) {
	if !now.After(b.at) {
		return
	}
	if l.Every > 0 {
		b.tries += float64(now.Sub(b.at)) / float64(l.Every)
	}
	b.tries = min(b.tries, float64(l.Burst))
	b.at = now
}

// Reservation is a try taken from the buckets of some keys by Reserve.
type Reservation struct {
	l        *Limiter
	buckets  []*bucket
	refunded bool
}

// Reserve takes a try from every key when each may try now, and reports whether they
// could; nothing is taken from any key when one of them is refused. The reservation gives
// the tries back (Refund) when they should not count.
func (l *Limiter) Reserve(keys ...string) (*Reservation, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetAll()
	now := l.now()
	buckets := make([]*bucket, len(keys))
	for i, k := range keys {
		if buckets[i] = l.bucket(k, now); buckets[i].tries < 1 {
			return nil, false
		}
	}
	for _, b := range buckets {
		b.tries--
	}
	return &Reservation{l: l, buckets: buckets}, true
}

// Refund gives the tries of r back to their keys, as far as their buckets have room: one
// that refilled to Burst meanwhile stays at Burst. Only the first call gives anything
// back; a nil reservation has nothing to give.
func (r *Reservation) Refund() {
	if r == nil {
		return
	}
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	if r.refunded {
		return
	}
	r.refunded = true
	now := r.l.now()
	for _, b := range r.buckets {
		r.l.refill(b, now)
		b.tries = min(b.tries+1, float64(r.l.Burst))
	}
}

// Take records a try for every key when each may try now, and reports whether they could.
// Nothing is taken from any key when one of them is refused.
func (l *Limiter) Take(keys ...string) bool {
	_, ok := l.Reserve(keys...)
	return ok
}

// Wait returns how long until every key may try again; zero when each may now.
func (l *Limiter) Wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetAll()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if tries := l.bucket(k, now).tries; tries < 1 {
			wait = max(wait, time.Duration((1-tries)*float64(l.Every)))
		}
	}
	return wait
}
