package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

func openKeyedStore(tb testing.TB, path string) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), path, store.Options{Keys: seal.Generate()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := demo.Seed(context.Background(), s, func(pw string) (string, error) { return "sealed:" + pw, nil }); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestLoadPopulation(t *testing.T) {
	s := openKeyedStore(t, t.TempDir()+"/demo.db")
	ctx := context.Background()
	today := time.Now()
	res, err := demo.LoadPopulation(ctx, s, 3000, 1, today)
	if err != nil {
		t.Fatal(err)
	}
	var people, households, tags, migrants int
	_ = demo.GenerateStreamAt(1, 3000, demo.Grids(), today.In(time.FixedZone("CST", 8*3600)), func(h demo.HouseholdPlan, ms []demo.PersonPlan) error {
		households++
		for _, m := range ms {
			people++
			tags += len(m.Tags)
			if m.Residence != nil {
				migrants++
			}
		}
		return nil
	})
	if res.Persons != people || res.Households != households || res.Tags != tags || res.Migrants != migrants {
		t.Fatalf("loaded %+v, plan %d people, %d households, %d tags, %d migrants", res, people, households, tags, migrants)
	}
	// A grid worker of grid A1 sees the people of their grid only.
	a1, err := demo.AreaByCode(ctx, s, demo.GridA1Code)
	if err != nil {
		t.Fatal(err)
	}
	worker := linli.NewActor(0, "w", []linli.Role{linli.RoleGridWorker}, linli.Scope{AreaIDs: []int64{a1.ID}, Paths: []string{a1.Path}})
	ps, err := s.SearchPersons(ctx, worker, linli.PersonQuery{Limit: 200})
	if err != nil || len(ps) == 0 {
		t.Fatalf("grid worker's people = %d, %v", len(ps), err)
	}
	for _, p := range ps {
		if p.GridID != a1.ID {
			t.Fatalf("grid worker sees %+v", p)
		}
	}
	if v, err := s.VerifyAudit(ctx); err != nil || v.BrokenSeq != 0 {
		t.Fatalf("VerifyAudit = %+v, %v", v, err)
	}
}

// BenchmarkLoadPopulation loads the default demo population (20,000
// residents) into a seeded SQLite database.
func BenchmarkLoadPopulation(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s := openKeyedStore(b, b.TempDir()+"/demo.db")
		b.StartTimer()
		if _, err := demo.LoadPopulation(context.Background(), s, 20000, demo.DefaultSeed, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
