package store

import (
	"context"
	"time"
)

// Hooks for the work-order benchmarks: bulk rows written straight to the
// tables (the figures measured are reads at scale, not these writes).

// BenchInsert inserts rows (len(cols) values each) into table with the
// bulk loader's multi-row INSERTs (COPY on PostgreSQL) in one transaction.
func (s *Store) BenchInsert(ctx context.Context, table string, cols []string, args []any) error {
	var ts txStmts
	if s.d.pg() {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return s.writeOn(ctx, conn, func(tx *Tx) error { return ts.insert(tx, table, cols, args) })
	}
	return s.write(ctx, func(tx *Tx) error { return ts.insert(tx, table, cols, args) })
}

// BenchAnalyze refreshes the planner's statistics (PostgreSQL) after a
// bulk insert.
func (s *Store) BenchAnalyze(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `ANALYZE`)
	return err
}

// BenchTime is the database's value of a time.
func (s *Store) BenchTime(t time.Time) any { return s.d.t(t) }
