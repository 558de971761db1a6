package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock for Throttle tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func TestThrottleBurstThenRefuse(t *testing.T) {
	clk := newFakeClock()
	th := NewThrottle(1, 5, clk.Now) // 1 per second, burst 5
	for i := 0; i < 5; i++ {
		if !th.Allow("203.0.113.7") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if th.Allow("203.0.113.7") {
		t.Fatal("request beyond the burst allowed")
	}
	// Other keys are independent.
	if !th.Allow("198.51.100.1") {
		t.Fatal("a different key was throttled")
	}
}

func TestThrottleRefill(t *testing.T) {
	clk := newFakeClock()
	th := NewThrottle(2, 3, clk.Now) // 2 per second, burst 3
	for i := 0; i < 3; i++ {
		th.Allow("k")
	}
	if th.Allow("k") {
		t.Fatal("empty bucket allowed a request")
	}
	clk.Advance(400 * time.Millisecond) // 0.8 tokens
	if th.Allow("k") {
		t.Fatal("allowed before a whole token refilled")
	}
	clk.Advance(100 * time.Millisecond) // 1.0 token
	if !th.Allow("k") {
		t.Fatal("refused after one token refilled")
	}
	if th.Allow("k") {
		t.Fatal("allowed twice after one token refilled")
	}
	// A long pause refills only up to the burst. (10 s is well past the
	// 1.5 s refill time but before the idle sweep, so the bucket itself
	// must cap its tokens.)
	clk.Advance(10 * time.Second)
	for i := 0; i < 3; i++ {
		if !th.Allow("k") {
			t.Fatalf("request %d refused after full refill", i+1)
		}
	}
	if th.Allow("k") {
		t.Fatal("bucket refilled beyond the burst")
	}
	// A clock that goes backwards must not mint tokens.
	clk.Advance(-time.Minute)
	if th.Allow("k") {
		t.Fatal("backwards clock produced a token")
	}
}

func TestThrottlePrunesIdleKeys(t *testing.T) {
	clk := newFakeClock()
	th := NewThrottle(1, 2, clk.Now) // refills completely in 2 s
	for i := 0; i < 1000; i++ {
		th.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if th.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", th.Len())
	}
	// Just before the sweep, drain one key so its bucket is not full.
	clk.Advance(throttlePruneInterval - time.Second)
	th.Allow("busy")
	th.Allow("busy")         // bucket now empty
	clk.Advance(time.Second) // sweep due; "busy" has refilled only 1 token
	if !th.Allow("busy") {   // this call triggers the sweep
		t.Fatal("busy key refused after refilling one token")
	}
	if th.Len() != 1 {
		t.Fatalf("Len after sweep = %d, want 1 (only the busy key)", th.Len())
	}
	// Had the non-full bucket been dropped, a fresh one would allow again.
	if th.Allow("busy") {
		t.Fatal("sweep forgot a bucket that was not yet full")
	}
}

func TestThrottleMaxKeys(t *testing.T) {
	clk := newFakeClock()
	th := NewThrottle(0.001, 1, clk.Now) // buckets stay non-full for ~17 min
	th.maxKeys = 50
	for i := 0; i < 500; i++ {
		th.Allow(fmt.Sprintf("key-%d", i))
		clk.Advance(time.Millisecond)
		if n := th.Len(); n > 50 {
			t.Fatalf("Len = %d after %d keys, cap is 50", n, i+1)
		}
	}
	if th.Len() != 50 {
		t.Fatalf("Len = %d, want 50", th.Len())
	}
	if DefaultThrottleMaxKeys != 100_000 || NewThrottle(1, 1, nil).maxKeys != DefaultThrottleMaxKeys {
		t.Fatal("default key cap not applied")
	}
}

func TestThrottleConcurrent(t *testing.T) {
	clk := newFakeClock()
	th := NewThrottle(1, 100, clk.Now)
	const goroutines, perG = 8, 2000
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	keys := make([][]string, goroutines)
	for g := range keys {
		for i := 0; i < perG; i++ {
			keys[g] = append(keys[g], fmt.Sprintf("g%d-%d", g, i))
		}
	}
	start := make(chan struct{})
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perG; i++ {
				// Distinct keys make goroutines insert into the map concurrently.
				th.Allow(keys[g][i])
				if th.Allow("shared") {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if allowed != 100 {
		t.Fatalf("allowed %d shared requests, want exactly the burst of 100", allowed)
	}
	if n := th.Len(); n != goroutines*perG+1 {
		t.Fatalf("Len = %d, want %d", n, goroutines*perG+1)
	}
}

func TestNewThrottleRejectsBadConfig(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
	}{{0, 1}, {-1, 1}, {1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewThrottle(%v, %d) did not panic", c.rate, c.burst)
				}
			}()
			NewThrottle(c.rate, c.burst, nil)
		}()
	}
}
