package demo_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
)

func TestZZDebug(t *testing.T) {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	pop := demo.GenerateAt(42, 1000000, demo.Grids(), popDay)
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	runtime.GC()
	var m2 runtime.MemStats
	runtime.ReadMemStats(&m2)
	t.Logf("batch 1M: %v, alloc %d MB, mallocs %d, retained heap %d MB, compounds %d households %d", el, (m1.TotalAlloc-m0.TotalAlloc)>>20, m1.Mallocs-m0.Mallocs, m2.HeapAlloc>>20, len(pop.Compounds), len(pop.Households))
	start = time.Now()
	ids := make(map[string]struct{}, len(pop.People))
	phones := map[string]struct{}{}
	n := len(pop.People)
	old, young, mig, sep := 0, 0, 0, 0
	tags := map[string]int{}
	a45, work, o60 := 0, 0, 0
	edu := map[string]int{}
	pol := map[string]int{}
	eth := map[string]int{}
	adults := 0
	for i := range pop.People {
		p := &pop.People[i]
		if _, err := seal.ValidateIDNumber(p.IDNumber, popDay); err != nil {
			t.Fatal(err)
		}
		if _, d := ids[p.IDNumber]; d {
			t.Fatal("dup id")
		}
		ids[p.IDNumber] = struct{}{}
		for _, ph := range p.Phones {
			if _, d := phones[ph]; d {
				t.Fatal("dup phone")
			}
			phones[ph] = struct{}{}
		}
		a := linli.AgeOn(p.BirthDate, popDay)
		if a >= 60 {
			old++
			o60++
		}
		if a < 15 {
			young++
		}
		if a >= 45 {
			a45++
		}
		if a >= 18 && a < 60 {
			work++
		}
		if a >= 18 {
			adults++
			pol[p.Political]++
		}
		if a >= 25 {
			edu[p.Education]++
		}
		eth[p.Ethnicity]++
		switch p.RegType {
		case linli.RegMigrant:
			mig++
		case linli.RegSeparated:
			sep++
		}
		for _, tg := range p.Tags {
			tags[tg.Code]++
		}
	}
	t.Logf("checks %v", time.Since(start))
	pc := func(a, b int) float64 { return 100 * float64(a) / float64(b) }
	t.Logf("60+ %.2f <15 %.2f migrants %.2f separated %.2f", pc(old, n), pc(young, n), pc(mig, n), pc(sep, n))
	sizes := map[int]int{}
	for _, h := range pop.Households {
		sizes[min(h.Size, 5)]++
	}
	for s := 1; s <= 5; s++ {
		t.Logf("size %d: %.2f", s, pc(sizes[s], len(pop.Households)))
	}
	t.Logf("avg size %.2f", float64(n)/float64(len(pop.Households)))
	for k, v := range tags {
		t.Logf("tag %s: %d %.3f%%", k, v, pc(v, n))
	}
	t.Logf("chronic/45+ %.2f unemployed/18-59 %.2f elderly_alone/60+ %.2f empty_nest/60+ %.2f", pc(tags["chronic"], a45), pc(tags["unemployed"], work), pc(tags["elderly_alone"], o60), pc(tags["empty_nest"], o60))
	for k, v := range edu {
		t.Logf("edu25+ %s %.1f", k, pc(v, n-0))
	}
	for k, v := range pol {
		t.Logf("pol18+ %s %.2f", k, pc(v, adults))
	}
	for k, v := range eth {
		t.Logf("eth %s %.2f", k, pc(v, n))
	}
}
