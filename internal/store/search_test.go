package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func mustPerson(t *testing.T, s *store.Store, a linli.Actor, name, id, phone, address string, grid linli.Area) linli.Person {
	t.Helper()
	in := linli.PersonInput{Name: name, IDType: linli.IDResident, IDNumber: id, RegType: linli.RegRegistered, GridID: grid.ID,
		Address: address, Source: linli.SourceWorker}
	if phone != "" {
		in.Phones = []string{phone}
	}
	p, err := s.CreatePerson(context.Background(), a, in)
	if err != nil {
		t.Fatalf("CreatePerson(%s) = %v", name, err)
	}
	return p
}

func TestSearchPersons(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		zsm := mustPerson(t, s, con, "张少明", "11010519491231002X", "13812345678", "北京市东城区多福巷12号院3号楼", tr.gridA)
		mustPerson(t, s, con, "李少华", "440524188001010014", "13900001111", "北京市东城区银闸胡同5号", tr.gridB)
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		cases := []struct {
			who  linli.Actor
			text string
			want []string
		}{
			{con, "少明", []string{"张少明"}},
			{con, "少", nil}, // too short: a validation error, checked below
			{con, "zsm", []string{"张少明"}},
			{con, "zhangshao", []string{"张少明"}},
			{con, "ZS", []string{"张少明"}},
			{con, "5678", []string{"张少明"}},
			{con, "138 1234 5678", []string{"张少明"}},
			{con, "11010519491231002x", []string{"张少明"}},
			{con, "多福巷", []string{"张少明"}},
			{con, "少", nil},
			{con, "东城区", []string{"张少明", "李少华"}},
			// Address fragments without a distinctive bigram (digits,
			// address stop words) are found by scanning the scope.
			{con, "3号楼", []string{"张少明"}},
			{con, "12号院", []string{"张少明"}},
			{con, "5号", []string{"李少华"}},
			{worker, "5号", nil},
			{con, "号院3号楼", []string{"张少明"}},
			// The first distinctive bigram (胡同) selects, LIKE checks the rest.
			{con, "5号胡同", nil},
			{con, "闸胡同5号", []string{"李少华"}},
			{worker, "东城区", []string{"张少明"}},
			{worker, "李少华", nil},
			{worker, "440524188001010014", nil},
			{worker, "13900001111", nil},
			{worker, "lsh", nil},
		}
		for _, tc := range cases {
			got, err := s.SearchPersons(ctx, tc.who, linli.PersonQuery{Text: tc.text})
			if tc.text == "少" {
				if err == nil {
					t.Errorf("SearchPersons(%q) = %v, want a too-short error", tc.text, got)
				}
				continue
			}
			if err != nil {
				t.Fatalf("SearchPersons(%q) = %v", tc.text, err)
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
				if strings.Contains(p.IDMasked, "19491231") || (len(p.PhoneMasked) > 0 && strings.Contains(p.PhoneMasked[0], "1234")) {
					t.Errorf("SearchPersons(%q) shows %q / %v unmasked", tc.text, p.IDMasked, p.PhoneMasked)
				}
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") {
				t.Errorf("SearchPersons(%q) as %v = %v, want %v", tc.text, tc.who.Roles, names, tc.want)
			}
		}
		// A landline written differently at entry and at search is one number.
		mustPerson(t, s, con, "王座机", "110101198001010010", "010-65123456", "北京市东城区多福巷1号", tr.gridA)
		for _, q := range []string{"(010) 6512 3456", "（010）65123456", "01065123456"} {
			got, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: q})
			if err != nil || len(got) != 1 || got[0].Name != "王座机" {
				t.Errorf("SearchPersons(%q) = %v, %v; want 王座机", q, got, err)
			}
		}
		// Age filter: 张少明 was born in 1949, 李少华 in 1880.
		old, err := s.SearchPersons(ctx, con, linli.PersonQuery{AgeMin: 60, AgeMax: 100})
		if err != nil || len(old) != 1 || old[0].ID != zsm.ID {
			t.Fatalf("SearchPersons(age 60–100) = %v, %v", old, err)
		}
	})
}

// A term search pages grid by grid (path, then id) with the last
// person's id as the cursor: every match once, in that order, in the
// actor's scope only; the same for initials and their prefixes.
func TestSearchPagesByGrid(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		// Alternate grids so that id order and grid order differ.
		var want []string
		var inA []string
		for i, g := range []linli.Area{tr.gridB, tr.gridA, tr.gridB, tr.gridA, tr.gridB} {
			name := "欧阳" + []string{"一", "二", "三", "四", "五"}[i]
			in := linli.PersonInput{Name: name, IDType: linli.IDNone, RegType: linli.RegRegistered, GridID: g.ID, Source: linli.SourceWorker,
				Address: "幸福里小区", BirthDate: time.Date(1980, 1, i+1, 0, 0, 0, 0, time.UTC)}
			if _, err := s.CreatePerson(ctx, con, in); err != nil {
				t.Fatal(err)
			}
			if g.ID == tr.gridA.ID {
				inA = append(inA, name)
			}
		}
		first, second := tr.gridA, tr.gridB
		if second.Path < first.Path {
			first, second = second, first
		}
		for _, g := range []linli.Area{first, second} {
			for i, gg := range []linli.Area{tr.gridB, tr.gridA, tr.gridB, tr.gridA, tr.gridB} {
				if gg.ID == g.ID {
					want = append(want, "欧阳"+[]string{"一", "二", "三", "四", "五"}[i])
				}
			}
		}
		for _, text := range []string{"欧阳", "oy", "ouyang"} {
			var got []string
			after := int64(0)
			for range 10 {
				page, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: text, Limit: 2, AfterID: after})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				for _, p := range page {
					got = append(got, p.Name)
				}
				after = page[len(page)-1].ID
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("SearchPersons(%q) pages = %v, want %v", text, got, want)
			}
		}
		if page, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: "oye"}); err != nil || len(page) != 1 || page[0].Name != "欧阳二" {
			t.Errorf("SearchPersons(oye) = %v, %v; want 欧阳二 alone", page, err)
		}
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		page, err := s.SearchPersons(ctx, worker, linli.PersonQuery{Text: "欧阳", Limit: 20})
		var got []string
		for _, p := range page {
			got = append(got, p.Name)
		}
		if err != nil || strings.Join(got, ",") != strings.Join(inA, ",") {
			t.Errorf("SearchPersons as community A = %v, %v; want %v", got, err, inA)
		}
	})
}

// A filter that drops most of a term's matches: the chunks of matches grow
// until the page is full, and paging finds every kept person once.
func TestSearchFilterSparseMatches(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		var want []int64
		for i := range 60 {
			birth := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			if i%9 == 4 {
				birth = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			p, err := s.CreatePerson(ctx, con, linli.PersonInput{Name: fmt.Sprintf("司徒%c", '甲'+rune(i)), IDType: linli.IDNone,
				RegType: linli.RegRegistered, GridID: tr.gridA.ID, Source: linli.SourceWorker, BirthDate: birth})
			if err != nil {
				t.Fatal(err)
			}
			if i%9 == 4 {
				want = append(want, p.ID)
			}
		}
		for _, limit := range []int{1, 2, 5} {
			var got []int64
			after := int64(0)
			for range 20 {
				page, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: "司徒", AgeMin: 80, Limit: limit, AfterID: after, Today: c.Now()})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("limit %d: a page of %d", limit, len(page))
				}
				if len(page) == 0 {
					break
				}
				for _, p := range page {
					got = append(got, p.ID)
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: pages = %v, want %v", limit, got, want)
			}
		}
	})
}
