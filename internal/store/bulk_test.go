package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mozillazg/go-pinyin"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// planCounts is what a generated population should load as.
type planCounts struct {
	households, persons, phones, tags, migrants, rooms int
}

// loadGenerated streams n generated residents over the tree's two grids
// into a bulk loader and returns the plan's counts, the plans (by ID
// number) and the loader's result.
func loadGenerated(t *testing.T, s *store.Store, tr tree, today time.Time, n int, opt store.BulkOptions) (planCounts, map[string]demo.PersonPlan, store.BulkResult) {
	t.Helper()
	ctx := context.Background()
	grids := []demo.GridRef{{Code: tr.gridA.Code, CommunityCode: tr.a.Code}, {Code: tr.gridB.Code, CommunityCode: tr.b.Code}}
	ids := map[string]int64{tr.gridA.Code: tr.gridA.ID, tr.gridB.Code: tr.gridB.ID}
	l, err := s.NewBulkLoader(ctx, linli.ConsoleActor(), opt)
	if err != nil {
		t.Fatal(err)
	}
	var pc planCounts
	plans := map[string]demo.PersonPlan{}
	rooms := map[string]bool{}
	err = demo.GenerateStreamAt(7, n, grids, today, func(h demo.HouseholdPlan, members []demo.PersonPlan) error {
		pc.households++
		rooms[h.GridCode+h.Address] = true
		for _, m := range members {
			pc.persons++
			pc.phones += len(m.Phones)
			pc.tags += len(m.Tags)
			if m.Residence != nil {
				pc.migrants++
			}
			plans[m.IDNumber] = m
		}
		return l.Add(demo.BulkHousehold(h, members, ids))
	})
	res, cerr := l.Close()
	if err != nil || cerr != nil {
		t.Fatalf("load: %v, %v", err, cerr)
	}
	pc.rooms = len(rooms)
	return pc, plans, res
}

func count(t *testing.T, s *store.Store, q string, args ...any) int {
	t.Helper()
	if s.Dialect() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
		}
	}
	var n int
	if err := s.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestBulkLoad(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		// Small batches: several transactions and every statement size.
		pc, plans, res := loadGenerated(t, s, tr, today, 2000, store.BulkOptions{BatchHouseholds: 333})

		want := store.BulkResult{Households: pc.households, Persons: pc.persons, Phones: pc.phones, Tags: pc.tags, Migrants: pc.migrants, Rooms: pc.rooms}
		got := res
		got.Batches, got.Compounds, got.Buildings, got.Units, got.Terms, got.History = 0, 0, 0, 0, 0, 0
		if got != want {
			t.Fatalf("result %+v, want %+v", got, want)
		}
		if res.Persons != 2000 || res.Batches != (pc.households+332)/333 || res.Compounds == 0 || res.Buildings == 0 || res.Units == 0 {
			t.Fatalf("result %+v", res)
		}
		for q, n := range map[string]int{
			`SELECT COUNT(*) FROM persons`:                               pc.persons,
			`SELECT COUNT(*) FROM households`:                            pc.households,
			`SELECT COUNT(*) FROM person_phones`:                         pc.phones,
			`SELECT COUNT(*) FROM person_tags`:                           pc.tags,
			`SELECT COUNT(*) FROM migrant_registrations`:                 pc.migrants,
			`SELECT COUNT(*) FROM rooms`:                                 pc.rooms,
			`SELECT COUNT(*) FROM compounds`:                             res.Compounds,
			`SELECT COUNT(*) FROM person_terms`:                          res.Terms,
			`SELECT COUNT(*) FROM person_history`:                        res.History,
			`SELECT COUNT(*) FROM household_members WHERE until IS NULL`: pc.persons,
			`SELECT COUNT(DISTINCT person_id) FROM household_members`:    pc.persons,
			`SELECT COUNT(*) FROM persons p JOIN household_members m ON m.person_id = p.id AND m.household_id = p.household_id`:                            pc.persons,
			`SELECT COUNT(*) FROM households h JOIN household_members m ON m.person_id = h.head_person_id AND m.household_id = h.id AND m.relation = '02'`: pc.households,
			`SELECT COUNT(*) FROM household_history WHERE field = 'member.joined'`:                                                                         pc.persons,
			`SELECT COUNT(*) FROM person_history WHERE field = 'created'`:                                                                                  pc.persons,
			`SELECT COUNT(*) FROM person_history WHERE field = 'household'`:                                                                                pc.persons,
			`SELECT COUNT(*) FROM audit WHERE action = 'person.bulk_load'`:                                                                                 res.Batches,
			`SELECT COUNT(*) FROM persons WHERE room_id IS NULL OR version <> 2`:                                                                           0,
			`SELECT COUNT(*) FROM person_tags WHERE attrs_sealed <> '' AND attrs <> ''`:                                                                    0,
		} {
			if got := count(t, s, q); got != n {
				t.Errorf("%s = %d, want %d", q, got, n)
			}
		}

		// Find loaded people the ways a worker does.
		checked := 0
		var someID string
		for idn, pl := range plans {
			if len(pl.Phones) == 0 || len(pl.Tags) == 0 || checked >= 15 {
				continue
			}
			checked++
			someID = idn
			byID, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: idn})
			if err != nil || len(byID) != 1 || byID[0].Name != pl.Name {
				t.Fatalf("search by ID %s = %v, %v", idn, byID, err)
			}
			pid := byID[0].ID
			find := func(how, text string) {
				t.Helper()
				q := linli.PersonQuery{Text: text, Limit: 200}
				for range 50 {
					ps, err := s.SearchPersons(ctx, con, q)
					if err != nil {
						t.Fatalf("search %s %q: %v", how, text, err)
					}
					for _, p := range ps {
						if p.ID == pid {
							return
						}
					}
					if len(ps) < 200 {
						break
					}
					q.AfterID = ps[len(ps)-1].ID
				}
				t.Errorf("search %s %q does not find %s (%d)", how, text, pl.Name, pid)
			}
			find("by phone", pl.Phones[0])
			find("by 2 name characters", string([]rune(pl.Name)[:2]))
			var initials string
			for _, py := range pinyin.LazyPinyin(pl.Name, pinyin.NewArgs()) {
				initials += py[:1]
			}
			find("by pinyin initials", initials)
			find("by tag", "")

			p, err := s.Person(ctx, con, pid)
			if err != nil {
				t.Fatal(err)
			}
			if p.IDNumber != "" || p.IDMasked != seal.MaskIDNumber(idn) || len(p.PhoneMasked) != len(pl.Phones) ||
				p.PhoneMasked[0] != seal.MaskPhone(pl.Phones[0]) || p.HouseholdID == 0 || p.RoomID == 0 {
				t.Fatalf("Person = %+v", p)
			}
			if p.Sources["name"].Source != linli.SourceImport || p.Sources["name"].Note != demo.DemoSource || p.Sources["phones"].Source == "" {
				t.Errorf("sources %+v", p.Sources)
			}
			h, err := s.Household(ctx, con, p.HouseholdID)
			if err != nil || !containsMember(h, pid) {
				t.Fatalf("Household(%d) = %+v, %v", p.HouseholdID, h, err)
			}
			hist, err := s.PersonHistory(ctx, con, pid)
			if err != nil || len(hist) < 3 || hist[0].Field != "created" || hist[1].Field != "household" || !strings.HasPrefix(hist[2].Field, "tag:") {
				t.Fatalf("PersonHistory = %+v, %v", hist, err)
			}
			tags, err := s.PersonTags(ctx, con, pid, "bulk test")
			if err != nil || len(tags) != len(pl.Tags) {
				t.Fatalf("PersonTags = %+v, %v (plan %+v)", tags, err, pl.Tags)
			}
			for _, tg := range tags {
				for _, pt := range pl.Tags {
					if pt.Code == tg.Tag.Code && pt.Attrs[0].Key != "" && tg.Attrs[pt.Attrs[0].Key] != pt.Attrs[0].Value {
						t.Errorf("tag %s attrs %v, plan %v", tg.Tag.Code, tg.Attrs, pt.Attrs)
					}
				}
			}
		}
		if checked == 0 {
			t.Fatal("no person with a phone and a tag in the plan")
		}

		// One household per person: a loaded person cannot join another.
		other := plans[someID]
		byID, _ := s.SearchPersons(ctx, con, linli.PersonQuery{Text: someID})
		var stranger int64
		for idn := range plans {
			if idn != someID && plans[idn].Household != other.Household {
				ps, _ := s.SearchPersons(ctx, con, linli.PersonQuery{Text: idn})
				p, _ := s.Person(ctx, con, ps[0].ID)
				if ph, _ := s.Household(ctx, con, p.HouseholdID); ph.Kind != linli.HouseholdSingle {
					stranger = p.HouseholdID
					break
				}
			}
		}
		if _, err := s.AddMember(ctx, con, stranger, byID[0].ID, "99"); !errors.Is(err, linli.ErrConflict) {
			t.Errorf("AddMember of a loaded person to a second household = %v, want a conflict", err)
		}
		// A second load of the same people fails on the unique ID index
		// and leaves nothing behind.
		l, err := s.NewBulkLoader(ctx, con, store.BulkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pl := plans[someID]
		pl.PersonInput.GridID = tr.gridA.ID
		_ = l.Add(store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: pl.PersonInput}}})
		if _, err := l.Close(); !errors.Is(err, linli.ErrConflict) {
			t.Errorf("loading a known ID number = %v, want a conflict", err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM persons`); n != pc.persons {
			t.Errorf("persons after a failed load = %d", n)
		}

		// No ID number and no phone in plaintext anywhere.
		var sample []string
		for idn, pl := range plans {
			sample = append(sample, idn)
			sample = append(sample, pl.Phones...)
			if len(sample) > 200 {
				break
			}
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM persons WHERE id_number LIKE ? OR id_masked LIKE ? OR address LIKE ? OR sources LIKE ?`,
			`SELECT COUNT(*) FROM person_phones WHERE phone LIKE ? OR phone_masked LIKE ? OR phone_bidx LIKE ?`,
			`SELECT COUNT(*) FROM person_history WHERE new_value LIKE ? OR old_value LIKE ?`,
			`SELECT COUNT(*) FROM person_terms WHERE term LIKE ?`,
			`SELECT COUNT(*) FROM audit WHERE detail LIKE ? OR object_id LIKE ?`,
		} {
			for _, v := range sample {
				args := make([]any, strings.Count(q, "?"))
				for i := range args {
					args[i] = "%" + v + "%"
				}
				if n := count(t, s, q, args...); n != 0 {
					t.Fatalf("%q found in plaintext: %s", v, q)
				}
			}
		}
		if s.Dialect() == "sqlite" {
			var raw []byte
			for _, suffix := range []string{"", "-wal"} {
				b, _ := os.ReadFile(sqlitePath(t, s) + suffix)
				raw = append(raw, b...)
			}
			for _, v := range sample {
				if bytes.Contains(raw, []byte(v)) {
					t.Fatalf("%q is in the database file", v)
				}
			}
		}

		v, err := s.VerifyAudit(ctx)
		if err != nil || v.BrokenSeq != 0 {
			t.Fatalf("VerifyAudit = %+v, %v", v, err)
		}
	})
}

func containsMember(h store.Household, pid int64) bool {
	for _, m := range h.Current() {
		if m.PersonID == pid {
			return true
		}
	}
	return false
}

// sqlitePath is the file of a SQLite store.
func sqlitePath(t *testing.T, s *store.Store) string {
	t.Helper()
	var seq int
	var name, file string
	if err := s.DB().QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestBulkLoadRefusesBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		good := linli.PersonInput{Name: "张三", IDType: linli.IDResident, IDNumber: "11010519491231002X", RegType: linli.RegRegistered}
		bad := good
		bad.IDNumber = "110105194912310021" // wrong check digit
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		migrant := good
		migrant.RegType = linli.RegMigrant
		origin := func(o string) *store.BulkMigrant {
			return &store.BulkMigrant{MigrantInput: store.MigrantInput{ArrivalDate: time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC), Reason: "work", OriginRegion: o}}
		}
		for name, tc := range map[string]struct {
			a linli.Actor
			h store.BulkHousehold
		}{
			"bad ID":            {con, store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: bad}}}},
			"two heads":         {con, store.BulkHousehold{Kind: linli.HouseholdFamily, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: good}, {PersonInput: good, Relation: "02"}}}},
			"grid out of scope": {worker, store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridB.ID, Members: []store.BulkPerson{{PersonInput: good}}}},
			"unknown tag":       {con, store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: good, Tags: []store.BulkTag{{Code: "nope"}}}}}},
			"not a migrant":     {con, store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: good, Migrant: &store.BulkMigrant{}}}}},
			"unknown origin":    {con, store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: migrant, Migrant: origin("999999")}}}},
		} {
			l, err := s.NewBulkLoader(ctx, tc.a, store.BulkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_ = l.Add(tc.h)
			if _, err := l.Close(); err == nil {
				t.Errorf("%s: loaded", name)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM persons`); n != 0 {
			t.Errorf("persons = %d after refused loads", n)
		}
		// The same migrant with an origin given by name: stored as its code.
		l, err := s.NewBulkLoader(ctx, con, store.BulkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Add(store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{PersonInput: migrant, Migrant: origin("成都市锦江区")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM migrant_registrations WHERE origin_region = '510104'`); n != 1 {
			t.Errorf("registrations from 510104 = %d", n)
		}
		if _, err := s.NewBulkLoader(ctx, actorOn([]linli.Role{linli.RoleResident}, tr.gridA), store.BulkOptions{}); !errors.Is(err, linli.ErrForbidden) {
			t.Errorf("a resident may bulk load: %v", err)
		}
	})
}

// A load into an empty registry stages its search terms and drops the
// indexes it builds at the end. A load that stops at a bad batch still
// finishes them for the batches it committed, and FinishBulkLoad finishes
// what a load that was killed left.
func TestBulkLoadFinishesWhatItLeft(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		deferred := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('person_terms_person', 'persons_community_name', 'person_phones_bidx')`
		all := 3
		if s.Dialect() == "postgres" {
			deferred = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN ('person_terms_person', 'persons_community_name', 'person_phones_bidx', 'person_terms_pkey')`
			all = 4
		}
		l, err := s.NewBulkLoader(ctx, con, store.BulkOptions{BatchHouseholds: 1, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, deferred); n != 0 {
			t.Fatalf("%d of the deferred indexes are there during the load", n)
		}
		person := func(name, idn string) store.BulkHousehold {
			return store.BulkHousehold{Kind: linli.HouseholdSingle, GridID: tr.gridA.ID, Members: []store.BulkPerson{{
				PersonInput: linli.PersonInput{Name: name, IDType: linli.IDResident, IDNumber: idn, RegType: linli.RegRegistered, Phones: []string{"13912345678"}}}}}
		}
		_ = l.Add(person("欧阳修远", "11010519491231002X"))
		_ = l.Add(person("司马光明", "110105194912310038"))
		_ = l.Add(person("诸葛亮亮", "110105194912310021")) // wrong check digit: the load stops here
		_ = l.Add(person("上官婉儿", "110105195001010017"))
		if _, err := l.Close(); err == nil {
			t.Fatal("a bad ID number loaded")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM persons`); n != 2 {
			t.Fatalf("%d persons committed, want the 2 batches before the bad one", n)
		}
		if n := count(t, s, deferred); n != all {
			t.Errorf("%d of the %d deferred indexes rebuilt", n, all)
		}
		for _, text := range []string{"司马", "smgm", "5678"} {
			ps, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: text})
			if err != nil || len(ps) == 0 {
				t.Errorf("search %q after the stopped load: %v, %v", text, ps, err)
			}
		}

		// A load killed between batches: on SQLite terms staged, on
		// PostgreSQL written without their key; indexes dropped.
		terms := count(t, s, `SELECT COUNT(*) FROM person_terms`)
		var pid int64
		if err := s.DB().QueryRow(`SELECT id FROM persons WHERE name = '欧阳修远'`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM person_terms WHERE term = 'n阳修'`); err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == "postgres" {
			if _, err := s.DB().Exec(`ALTER TABLE person_terms DROP CONSTRAINT person_terms_pkey`); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().Exec(`INSERT INTO person_terms (term, path, person_id) VALUES ('n阳修', $1, $2)`, tr.gridA.Path, pid); err != nil {
				t.Fatal(err)
			}
		} else if _, err := s.DB().Exec(`INSERT INTO person_terms_load (term, path, person_id) VALUES ('n阳修', ?, ?), ('n欧阳', ?, ?)`,
			tr.gridA.Path, pid, tr.gridA.Path, pid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DROP INDEX person_phones_bidx`); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishBulkLoad(ctx); err != nil {
			t.Fatal(err)
		}
		// On SQLite 'n欧阳' was there already: moved once, not twice.
		if got := count(t, s, `SELECT COUNT(*) FROM person_terms`); got != terms {
			t.Errorf("person_terms %d after finishing, want %d", got, terms)
		}
		if s.Dialect() == "sqlite" {
			if n := count(t, s, `SELECT COUNT(*) FROM person_terms_load`); n != 0 {
				t.Errorf("%d terms left staged", n)
			}
		}
		if n := count(t, s, deferred); n != all {
			t.Errorf("%d of the %d deferred indexes after finishing", n, all)
		}
		if ps, err := s.SearchPersons(ctx, con, linli.PersonQuery{Text: "阳修"}); err != nil || len(ps) != 1 || ps[0].ID != pid {
			t.Errorf("search 阳修 after finishing: %v, %v", ps, err)
		}
	})
}
