package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// forEachDB runs fn on a fresh SQLite database and, when
// LINLI_TEST_POSTGRES is set, on PostgreSQL in a fresh schema. With CI=true
// a missing PostgreSQL URL fails the test instead of skipping it.
func forEachDB(t *testing.T, fn func(t *testing.T, s *store.Store, c *clock)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
		s := openSQLite(t, c)
		fn(t, s, c)
	})
	t.Run("postgres", func(t *testing.T) {
		c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
		s := openPostgres(t, c)
		fn(t, s, c)
	})
}

func openSQLite(tb testing.TB, c *clock) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "t.db"), store.Options{Now: c.Now, Keys: seal.Generate()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

// postgresURL returns the test server's URL, skipping (or failing on CI)
// when it is not set.
func postgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("LINLI_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true but LINLI_TEST_POSTGRES is not set")
		}
		tb.Skip("LINLI_TEST_POSTGRES not set")
	}
	return u
}

func openPostgres(tb testing.TB, c *clock) *store.Store {
	tb.Helper()
	base := postgresURL(tb)
	schema := freshSchema(tb, base)
	s, err := store.Open(context.Background(), withSearchPath(base, schema), store.Options{Now: c.Now, Keys: seal.Generate()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

func withSearchPath(u, schema string) string {
	sep := "?"
	for i := 0; i < len(u); i++ {
		if u[i] == '?' {
			sep = "&"
		}
	}
	return u + sep + "search_path=" + schema
}

// freshSchema creates a uniquely named schema and drops it after the test.
func freshSchema(tb testing.TB, base string) string {
	tb.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	})
	return schema
}

func mustArea(tb testing.TB, s *store.Store, a linli.Actor, parent int64, level linli.Level, name, code string) linli.Area {
	tb.Helper()
	ar, err := s.CreateArea(context.Background(), a, linli.AreaInput{ParentID: parent, Level: level, Name: name, Code: code})
	if err != nil {
		tb.Fatalf("CreateArea(%s, %s) = %v", name, code, err)
	}
	return ar
}

// tree is a small district: one district, two streets, communities A and B
// under the first street, C under the second, a grid in each.
type tree struct {
	district, s1, s2, a, b, c, gridA, gridB linli.Area
}

func mustTree(tb testing.TB, s *store.Store) tree {
	tb.Helper()
	con := linli.ConsoleActor()
	var t tree
	t.district = mustArea(tb, s, con, 0, linli.LevelDistrict, "东城区", "110101000000")
	t.s1 = mustArea(tb, s, con, t.district.ID, linli.LevelStreet, "东华门街道", "110101001000")
	t.s2 = mustArea(tb, s, con, t.district.ID, linli.LevelStreet, "景山街道", "110101002000")
	t.a = mustArea(tb, s, con, t.s1.ID, linli.LevelCommunity, "多福巷社区", "110101001001")
	t.b = mustArea(tb, s, con, t.s1.ID, linli.LevelCommunity, "银闸社区", "110101001002")
	t.c = mustArea(tb, s, con, t.s2.ID, linli.LevelCommunity, "隆福寺社区", "110101002001")
	t.gridA = mustArea(tb, s, con, t.a.ID, linli.LevelGrid, "多福巷第一网格", "110101001001-1")
	t.gridB = mustArea(tb, s, con, t.b.ID, linli.LevelGrid, "银闸第一网格", "110101001002-1")
	return t
}

func actorOn(roles []linli.Role, areas ...linli.Area) linli.Actor {
	var sc linli.Scope
	for _, a := range areas {
		sc.AreaIDs = append(sc.AreaIDs, a.ID)
		sc.Paths = append(sc.Paths, a.Path)
	}
	return linli.NewActor(0, "tester", roles, sc)
}
