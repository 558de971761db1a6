package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/linli-org/linli"
)

// benchStore opens a migrated store of the given dialect for benchmarks.
func benchStore(b *testing.B, dialect string) *Store {
	b.Helper()
	ctx := context.Background()
	url := filepath.Join(b.TempDir(), "bench.db")
	if dialect == "postgres" {
		url = os.Getenv("LINLI_TEST_POSTGRES")
		if url == "" {
			b.Skip("LINLI_TEST_POSTGRES not set")
		}
	}
	s, err := Open(ctx, url, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if dialect == "postgres" {
		// A fresh schema per run keeps the benchmark independent.
		schema := "bench_" + randomSuffix()
		if _, err := s.db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			b.Fatal(err)
		}
		s.Close()
		s, err = Open(ctx, url+"&search_path="+schema, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			_, _ = s.db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			s.Close()
		})
	}
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}

func randomSuffix() string { return itoa(int64(os.Getpid())) + "_" + itoa(int64(len(os.Args))) }

// BenchmarkWriteTx compares the same write transaction (one area history
// row) without and with the audit append, on each database.
func BenchmarkWriteTx(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			s := benchStore(b, dialect)
			ctx := context.Background()
			con := linli.ConsoleActor()
			ar, err := s.CreateArea(ctx, con, linli.AreaInput{Level: linli.LevelDistrict, Name: "区", Code: "110101000000"})
			if err != nil {
				b.Fatal(err)
			}
			write := func(audit bool) error {
				return s.write(ctx, func(tx *Tx) error {
					if err := tx.areaHistory(ar, "rename", 0); err != nil {
						return err
					}
					if audit {
						return tx.audit(auditEvent(con, "area.update", "area", ar.ID, ar.ID))
					}
					return nil
				})
			}
			b.Run("bare", func(b *testing.B) {
				for b.Loop() {
					if err := write(false); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("audited", func(b *testing.B) {
				for b.Loop() {
					if err := write(true); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
