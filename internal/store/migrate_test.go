package store_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli-org/linli/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMigrationNamesMatch(t *testing.T) {
	lite, err := store.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lite, ",") != strings.Join(pg, ",") || len(lite) == 0 {
		t.Fatalf("migrations differ:\n sqlite   %v\n postgres %v", lite, pg)
	}
}

func TestMigrateIsIdempotentAndServeSeesCurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		again, err := s.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate = %v, %v; want nothing to do", again, err)
		}
		p, err := s.Pending(ctx)
		if err != nil || len(p) != 0 {
			t.Fatalf("Pending = %v, %v", p, err)
		}
	})
}

func TestPendingOnNewDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new database file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	p, err := s.Pending(context.Background())
	all, _ := store.Migrations("sqlite")
	if err != nil || len(p) != len(all) {
		t.Fatalf("Pending on a new database = %v, %v; want all %d", p, err, len(all))
	}
}

// TestSchemaGolden dumps each dialect's schema and compares it with
// testdata/schema.<dialect>.sql, so every schema change shows in review.
func TestSchemaGolden(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		got, err := s.SchemaDump(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "schema."+s.Dialect()+".sql")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/store -run SchemaGolden -update)", err)
		}
		if got != string(want) {
			t.Errorf("schema of %s differs from %s; run go test ./internal/store -run SchemaGolden -update and review the diff", s.Dialect(), path)
		}
	})
}
