package demo

import (
	"sync"
	"time"
)

// Clock is the store's clock while the demo is seeded (store.Options.Now
// = Clock.Now): the time last Set while a history is written, so that
// its events carry past times, and the real time otherwise. The zero
// Clock is the real time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the time set, or time.Now when none is.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

// Set makes Now return t; the zero time gives the real time back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
