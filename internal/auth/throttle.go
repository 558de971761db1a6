package auth

import (
	"math"
	"sync"
	"time"
)

// DefaultThrottleMaxKeys caps the number of keys a Throttle tracks.
const DefaultThrottleMaxKeys = 100_000

// throttlePruneInterval is how often Allow sweeps out idle buckets.
const throttlePruneInterval = time.Minute

// Throttle is a per-key token-bucket rate limiter (for example keyed by
// client IP or by account). Each key may make burst requests at once and
// then rate requests per second. Memory is bounded: buckets that have been
// idle long enough to be full again are forgotten (they behave exactly like
// a new key), and at most DefaultThrottleMaxKeys keys are tracked.
// A Throttle is safe for concurrent use.
type Throttle struct {
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	maxKeys int
	// fullAfter is how long an empty bucket takes to refill completely.
	fullAfter time.Duration

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastPrune time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewThrottle returns a Throttle allowing rate requests per second per key
// with bursts of up to burst requests. now is the clock (nil means
// time.Now); tests inject a fake one. It panics if rate <= 0 or burst < 1.
func NewThrottle(rate float64, burst int, now func() time.Time) *Throttle {
	if !(rate > 0) || burst < 1 {
		panic("auth: NewThrottle needs rate > 0 and burst >= 1")
	}
	if now == nil {
		now = time.Now
	}
	fullAfter := time.Duration(math.MaxInt64)
	if secs := float64(burst) / rate; secs < fullAfter.Seconds() {
		fullAfter = time.Duration(secs * float64(time.Second))
	}
	return &Throttle{
		rate:      rate,
		burst:     float64(burst),
		now:       now,
		maxKeys:   DefaultThrottleMaxKeys,
		fullAfter: fullAfter,
		buckets:   make(map[string]*bucket),
		lastPrune: now(),
	}
}

// Allow reports whether a request for key may proceed now, consuming one
// token if so.
func (t *Throttle) Allow(key string) bool {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()

	if now.Sub(t.lastPrune) >= throttlePruneInterval {
		t.prune(now)
	}

	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= t.maxKeys {
			// Sweeping is O(n); do it at most once a second when full.
			if now.Sub(t.lastPrune) >= time.Second {
				t.prune(now)
			}
			if len(t.buckets) >= t.maxKeys {
				t.evictOne()
			}
		}
		b = &bucket{tokens: t.burst, last: now}
		t.buckets[key] = b
	} else if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(t.burst, b.tokens+elapsed.Seconds()*t.rate)
		b.last = now
	}

	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// Len returns the number of keys currently tracked.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}

// prune removes buckets that would be full by now; forgetting them does not
// change any future decision. t.mu must be held.
func (t *Throttle) prune(now time.Time) {
	for k, b := range t.buckets {
		if now.Sub(b.last) >= t.fullAfter {
			delete(t.buckets, k)
		}
	}
	t.lastPrune = now
}

// evictOne drops an arbitrary bucket (map iteration order is randomised) to
// make room when every tracked key is active. This only happens with more
// than maxKeys concurrently active keys, where per-key limiting is no longer
// the relevant defence; keeping memory bounded matters more. t.mu must be
// held.
func (t *Throttle) evictOne() {
	for k := range t.buckets {
		delete(t.buckets, k)
		return
	}
}
