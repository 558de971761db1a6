package demo

import (
	"context"

	"github.com/linli-org/linli/internal/store"
)

// quickWrites lets a SQLite store commit without an fsync per transaction
// while the demo is seeded (synchronous=NORMAL: the WAL stays consistent
// after a crash, a power cut may lose the last transactions, which a demo
// seeds again) and returns the function that restores the store's
// synchronous=FULL. Seeding commits thousands of small transactions, each
// waiting for the disk otherwise. The pragma applies to the writer pool's
// one connection; a connection opened later has FULL from the store's
// settings anyway. PostgreSQL is left as it is.
func quickWrites(ctx context.Context, s *store.Store) (restore func()) {
	if s.Dialect() != "sqlite" {
		return func() {}
	}
	if _, err := s.DB().ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
		return func() {}
	}
	return func() { _, _ = s.DB().ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL") }
}
