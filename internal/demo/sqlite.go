package demo

import (
	"context"

	"github.com/linli-org/linli/internal/store"
)

// quickWrites lets a SQLite store commit without waiting for the disk
// while the demo is seeded (synchronous=OFF on the writer pool's one
// connection) and returns the function that sets the store's
// synchronous=FULL back. Seeding commits thousands of small transactions
// (the work-order history about 4,500), each of which would otherwise
// wait for an fsync. A process crash loses nothing (the data is in the
// operating system's cache); a power cut while seeding may damage the
// new demo database, which is then deleted and seeded again. A connection
// opened later has FULL from the store's settings anyway. PostgreSQL is
// left as it is.
func quickWrites(ctx context.Context, s *store.Store) (restore func()) {
	if s.Dialect() != "sqlite" {
		return func() {}
	}
	if _, err := s.DB().ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
		return func() {}
	}
	return func() { _, _ = s.DB().ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL") }
}
