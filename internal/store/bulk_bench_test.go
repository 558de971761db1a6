package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mozillazg/go-pinyin"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// BenchmarkBulkLoad1M loads the demo population of LINLI_BENCH_RESIDENTS
// residents (default 1,000,000) on SQLite and, with LINLI_TEST_POSTGRES,
// PostgreSQL, and then measures store-level search on the loaded
// database. It runs only with LINLI_BENCH_1M=1 (it takes minutes); run it
// with -benchtime 1x. Reported:
//   - load-s: LoadPopulation (generation, validation, sealing, blind
//     indexes, masks, terms, history, writing), wall clock;
//   - raw-s: the same rows, pre-computed by the loader's own preparation
//     (untimed), inserted with the same statements and batching; only
//     the writing is timed, with the loader's Close (moving the staged
//     search terms into place, building the deferred indexes);
//   - load/raw: raw-s / load-s, the loader's rate as a share of the raw
//     rate;
//   - search p50/p99 per kind of query, over 2,000 queries drawn from the
//     loaded people, as a district admin and as the person's grid worker.
func BenchmarkBulkLoad1M(b *testing.B) {
	if os.Getenv("LINLI_BENCH_1M") != "1" {
		b.Skip("LINLI_BENCH_1M=1 runs the million-resident load")
	}
	n := 1_000_000
	if v := os.Getenv("LINLI_BENCH_RESIDENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	if db := os.Getenv("LINLI_BENCH_DB"); db != "" {
		// Search only, on a database a previous run loaded and kept
		// (LINLI_BENCH_DIR): its keys are in the same directory.
		keys, err := seal.LoadKeyFile(filepath.Join(filepath.Dir(db), "bench.key"))
		if err != nil {
			b.Fatal(err)
		}
		s, err := store.Open(context.Background(), db, store.Options{Keys: keys})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for range b.N {
			benchSearch(b, s, n)
		}
		return
	}
	dialects := []string{"sqlite", "postgres"}
	if v := os.Getenv("LINLI_BENCH_DIALECTS"); v != "" {
		dialects = strings.Split(v, ",")
	}
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			for range b.N {
				benchLoad(b, d, n)
			}
		})
	}
}

// benchDB opens a fresh, migrated, seeded demo database.
func benchDB(b *testing.B, dialect, name string) (*store.Store, string) {
	b.Helper()
	ctx := context.Background()
	var s *store.Store
	var path string
	keys := seal.Generate()
	if dir := os.Getenv("LINLI_BENCH_DIR"); dir != "" {
		// Keep the keys with the databases, to search them again later.
		var err error
		if keys, _, err = seal.LoadOrCreateKeyFile(filepath.Join(dir, "bench.key")); err != nil {
			b.Fatal(err)
		}
	}
	if dialect == "postgres" {
		base := postgresURL(b)
		schema := freshSchema(b, base)
		var err error
		if s, err = store.Open(ctx, withSearchPath(base, schema), store.Options{Keys: keys}); err != nil {
			b.Fatal(err)
		}
		path = schema
	} else {
		dir := os.Getenv("LINLI_BENCH_DIR")
		if dir == "" {
			dir = b.TempDir()
		}
		path = filepath.Join(dir, name+".db")
		for _, suf := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suf)
		}
		var err error
		if s, err = store.Open(ctx, path, store.Options{Keys: keys}); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, _, err := demo.Seed(ctx, s, func(pw string) (string, error) { return "bench:" + pw, nil }); err != nil {
		b.Fatal(err)
	}
	return s, path
}

var benchToday = func() time.Time {
	y, m, d := time.Now().In(time.FixedZone("CST", 8*3600)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}()

func benchLoad(b *testing.B, dialect string, n int) {
	ctx := context.Background()
	b.StopTimer()

	// Raw baseline: rows pre-computed batch by batch, only inserts timed.
	raw, rawPath := benchDB(b, dialect, "raw")
	ids, err := demo.GridIDs(ctx, raw)
	if err != nil {
		b.Fatal(err)
	}
	l, err := raw.NewBulkLoader(ctx, linli.ConsoleActor(), store.BulkOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var rawTime time.Duration
	var batch []store.BulkHousehold
	flush := func() error {
		pb, err := l.PrepareBatch(batch)
		if err != nil {
			return err
		}
		batch = nil
		t0 := time.Now()
		err = l.WriteBatch(pb)
		rawTime += time.Since(t0)
		return err
	}
	err = demo.GenerateStreamAt(demo.DefaultSeed, n, demo.Grids(), benchToday, func(h demo.HouseholdPlan, ms []demo.PersonPlan) error {
		batch = append(batch, demo.BulkHousehold(h, ms, ids))
		if len(batch) == 5000 {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	// Close moves the staged search terms into place and builds the
	// deferred indexes, as the loader's does: part of inserting the rows.
	t0 := time.Now()
	if _, cerr := l.Close(); err == nil {
		err = cerr
	}
	rawTime += time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	raw.Close()
	if dialect == "sqlite" {
		for _, suf := range []string{"", "-wal", "-shm"} {
			os.Remove(rawPath + suf)
		}
	}

	// The loader, timed as a whole.
	s, path := benchDB(b, dialect, "loaded")
	b.StartTimer()
	t0 = time.Now()
	res, err := demo.LoadPopulation(ctx, s, n, demo.DefaultSeed, benchToday)
	load := time.Since(t0)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(rawTime.Seconds(), "raw-s")
	b.ReportMetric(rawTime.Seconds()/load.Seconds(), "load/raw")
	b.Logf("%s: %d residents loaded in %s (%.0f/s); raw inserts of the same rows %s; load rate = %.0f %% of raw; %+v",
		dialect, n, load.Round(time.Millisecond), float64(n)/load.Seconds(), rawTime.Round(time.Millisecond), 100*rawTime.Seconds()/load.Seconds(), res)
	benchSizes(b, s, dialect, path)
	benchSearch(b, s, n)
}

// benchSizes logs the database size and the rows per table.
func benchSizes(b *testing.B, s *store.Store, dialect, path string) {
	var size int64
	if dialect == "sqlite" {
		if _, err := s.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = fi.Size()
	} else if err := s.DB().QueryRow(`SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r'`, path).Scan(&size); err != nil {
		b.Fatal(err)
	}
	var lines []string
	for _, t := range []string{"persons", "person_phones", "person_terms", "person_history", "households", "household_members",
		"household_history", "person_tags", "migrant_registrations", "compounds", "buildings", "building_units", "rooms", "audit"} {
		var c int64
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM ` + t).Scan(&c); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%s %d", t, c))
	}
	b.ReportMetric(float64(size)/(1<<20), "db-MiB")
	b.Logf("%s: database %.0f MiB; rows: %s", dialect, float64(size)/(1<<20), strings.Join(lines, ", "))
}

// sample is a loaded person a query is drawn from.
type sample struct {
	id, phone, name, initials, grid, tag string
}

func benchSearch(b *testing.B, s *store.Store, n int) {
	ctx := context.Background()
	const queries = 2000
	every := max(1, n/queries)
	var people []sample
	i := 0
	_ = demo.GenerateStreamAt(demo.DefaultSeed, n, demo.Grids(), benchToday, func(h demo.HouseholdPlan, ms []demo.PersonPlan) error {
		for _, m := range ms {
			i++
			if i%every != 0 {
				continue
			}
			p := sample{id: m.IDNumber, name: m.Name, grid: m.GridCode}
			if len(m.Phones) > 0 {
				p.phone = m.Phones[0]
			}
			for _, py := range pinyin.LazyPinyin(m.Name, pinyin.NewArgs()) {
				p.initials += py[:1]
			}
			for _, t := range m.Tags {
				if t.Code == demo.TagElderlyAlone || t.Code == demo.TagEmptyNest || t.Code == demo.TagUnemployed || t.Code == demo.TagVeteran {
					p.tag = t.Code
				}
			}
			if p.tag == "" {
				p.tag = demo.TagUnemployed
			}
			people = append(people, p)
		}
		return nil
	})
	district, err := demo.AreaByCode(ctx, s, demo.DistrictCode)
	if err != nil {
		b.Fatal(err)
	}
	grids := map[string]linli.Area{}
	for _, g := range demo.Grids() {
		a, err := demo.AreaByCode(ctx, s, g.Code)
		if err != nil {
			b.Fatal(err)
		}
		grids[g.Code] = a
	}
	admin := linli.NewActor(1, "admin", []linli.Role{linli.RoleDistrictAdmin}, linli.Scope{AreaIDs: []int64{district.ID}, Paths: []string{district.Path}})
	kinds := []struct {
		name  string
		query func(p sample, g linli.Area) linli.PersonQuery
	}{
		{"id", func(p sample, _ linli.Area) linli.PersonQuery { return linli.PersonQuery{Text: p.id} }},
		{"phone", func(p sample, _ linli.Area) linli.PersonQuery { return linli.PersonQuery{Text: p.phone} }},
		{"name2", func(p sample, _ linli.Area) linli.PersonQuery {
			return linli.PersonQuery{Text: string([]rune(p.name)[:2]), Limit: 20}
		}},
		{"initials", func(p sample, _ linli.Area) linli.PersonQuery { return linli.PersonQuery{Text: p.initials, Limit: 20} }},
		{"tag+grid", func(p sample, g linli.Area) linli.PersonQuery {
			return linli.PersonQuery{TagCode: p.tag, AreaID: g.ID, Limit: 20}
		}},
	}
	for _, who := range []string{"admin", "grid"} {
		for _, k := range kinds {
			var lat []time.Duration
			found := 0
			for _, p := range people {
				if k.name == "phone" && p.phone == "" {
					continue
				}
				g := grids[p.grid]
				a := admin
				if who == "grid" {
					a = linli.NewActor(2, "grid", []linli.Role{linli.RoleGridWorker}, linli.Scope{AreaIDs: []int64{g.ID}, Paths: []string{g.Path}})
				}
				q := k.query(p, g)
				t0 := time.Now()
				res, err := s.SearchPersons(ctx, a, q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatalf("%s %s %+v: %v", who, k.name, q, err)
				}
				if len(res) > 0 {
					found++
				}
			}
			slices.Sort(lat)
			p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
			b.ReportMetric(float64(p50.Microseconds())/1000, who+"-"+k.name+"-p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, who+"-"+k.name+"-p99-ms")
			b.Logf("search %-5s %-8s p50 %7.2f ms  p99 %7.2f ms  (%d queries, %d with results)", who, k.name,
				float64(p50.Microseconds())/1000, float64(p99.Microseconds())/1000, len(lat), found)
		}
	}
}
