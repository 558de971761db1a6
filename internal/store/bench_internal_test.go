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
	benchHook(s)
	return s
}

var benchHook = func(*Store) {}

func randomSuffix() string { return itoa(int64(os.Getpid())) + "_" + itoa(int64(len(os.Args))) }

// BenchmarkWriteTx compares write transactions without and with the audit
// append, on each database. "usecase" is the statements of the rename-area
// use case (read the node in scope, read its parent, check the code, update
// the node, add a history row); "minimal" is a single insert, the worst case
// for the ratio.
func BenchmarkWriteTx(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			s := benchStore(b, dialect)
			ctx := context.Background()
			con := linli.ConsoleActor()
			d, err := s.CreateArea(ctx, con, linli.AreaInput{Level: linli.LevelDistrict, Name: "区", Code: "110101000000"})
			if err != nil {
				b.Fatal(err)
			}
			ar, err := s.CreateArea(ctx, con, linli.AreaInput{ParentID: d.ID, Level: linli.LevelStreet, Name: "街道", Code: "110101001000"})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			usecase := func(tx *Tx) error {
				n++
				a, err := tx.area(con, ar.ID)
				if err != nil {
					return err
				}
				if _, err := tx.area(con, a.ParentID); err != nil {
					return err
				}
				if _, err := tx.codeTaken(a.Code, a.ID); err != nil {
					return err
				}
				a.Name = "街道" + itoa(int64(n))
				if _, err := tx.exec(`UPDATE areas SET name = ?, updated_at = ?, version = version + 1 WHERE id = ?`, a.Name, tx.s.d.t(tx.now), a.ID); err != nil {
					return err
				}
				return tx.areaHistory(a, "rename", 0)
			}
			minimal := func(tx *Tx) error { return tx.areaHistory(ar, "rename", 0) }
			for _, tc := range []struct {
				name string
				fn   func(tx *Tx) error
			}{{"usecase", usecase}, {"minimal", minimal}} {
				for _, audited := range []bool{false, true} {
					name := tc.name + "/bare"
					if audited {
						name = tc.name + "/audited"
					}
					b.Run(name, func(b *testing.B) {
						for b.Loop() {
							err := s.write(ctx, func(tx *Tx) error {
								if err := tc.fn(tx); err != nil {
									return err
								}
								if audited {
									return tx.audit(auditEvent(con, "area.update", "area", ar.ID, ar.ID))
								}
								return nil
							})
							if err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}
