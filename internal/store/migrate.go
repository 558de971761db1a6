package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations lists the migration file names of a dialect, in order.
func Migrations(dialect string) ([]string, error) {
	entries, err := fs.ReadDir(migrationsFS, "migrations/"+dialect)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func (s *Store) ensureMigrationsTable(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)`)
	return err
}

// Pending lists the migrations not yet applied.
func (s *Store) Pending(ctx context.Context) ([]string, error) {
	all, err := Migrations(s.d.name)
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	rows, err := s.rdb.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		// No table yet: everything is pending.
		return all, nil //nolint:nilerr // a missing table means a new database
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var pending []string
	for _, n := range all {
		if !applied[n] {
			pending = append(pending, n)
		}
	}
	return pending, nil
}

// Migrate applies the pending migrations, each in its own transaction, and
// returns their names. Migrations only move forward.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	if err := s.ensureMigrationsTable(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, name := range pending {
		body, err := migrationsFS.ReadFile(path.Join("migrations", s.d.name, name))
		if err != nil {
			return nil, err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
			name, s.now().UTC().Format(timeLayout)); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return pending, nil
}
