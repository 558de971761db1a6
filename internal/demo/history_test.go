package demo_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// historyEnd is the end of the test histories: a Friday evening whose 60
// days include the National Day holidays and the start of the heating
// season.
var historyEnd = time.Date(2026, 11, 27, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))

// openClockStore opens a fresh SQLite store with keys (requesters'
// phones are sealed) and a demo.Clock.
func openClockStore(t *testing.T) (*store.Store, *demo.Clock) {
	t.Helper()
	c := &demo.Clock{}
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), store.Options{Now: c.Now, Keys: seal.Generate()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// openPostgresClockStore is openClockStore on PostgreSQL in a fresh
// schema; it skips without LINLI_TEST_POSTGRES (and fails on CI).
func openPostgresClockStore(t *testing.T) (*store.Store, *demo.Clock) {
	t.Helper()
	base := os.Getenv("LINLI_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but LINLI_TEST_POSTGRES is not set")
		}
		t.Skip("LINLI_TEST_POSTGRES not set")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("t_demo_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	c := &demo.Clock{}
	s, err := store.Open(context.Background(), base+sep+"search_path="+schema, store.Options{Now: c.Now, Keys: seal.Generate()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// seedHistory seeds the district an hour before the history and then
// the history of orders requests ending at historyEnd.
func seedHistory(t *testing.T, s *store.Store, c *demo.Clock, orders int) demo.HistoryResult {
	t.Helper()
	ctx := context.Background()
	c.Set(demo.HistoryStart(historyEnd, demo.HistoryDays).Add(-time.Hour))
	if _, _, err := demo.Seed(ctx, s, (&fakeHasher{}).hash); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := demo.SeedHistory(ctx, s, c.Set, demo.HistoryOptions{Seed: demo.DefaultSeed, End: historyEnd, Orders: orders})
	if err != nil {
		t.Fatal(err)
	}
	c.Set(time.Time{})
	t.Logf("history of %d orders in %v: %+v", res.Orders, time.Since(start), res)
	return res
}

// admin is a district admin actor (reads every order and the audit).
func admin(t *testing.T, s *store.Store) linli.Actor {
	t.Helper()
	d, err := demo.AreaByCode(context.Background(), s, demo.DistrictCode)
	if err != nil {
		t.Fatal(err)
	}
	return linli.NewActor(0, "test", []linli.Role{linli.RoleDistrictAdmin, linli.RoleAuditAdmin},
		linli.Scope{AreaIDs: []int64{d.ID}, Paths: []string{d.Path}})
}

// allOrders lists every order of the store.
func allOrders(t *testing.T, s *store.Store) []linli.WorkOrder {
	t.Helper()
	a := admin(t, s)
	var out []linli.WorkOrder
	var after int64
	for {
		page, err := s.ListWorkOrders(context.Background(), a, store.WOFilter{AfterID: after, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 200 {
			return out
		}
		after = page[len(page)-1].ID
	}
}

// checkAuditTimes walks the audit record back from the newest and checks
// that its times never go back as its sequence goes forward, and that the
// chain verifies.
func checkAuditTimes(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	v, err := s.VerifyAudit(ctx)
	if err != nil || v.BrokenSeq != 0 {
		t.Fatalf("VerifyAudit = %+v, %v", v, err)
	}
	auditor := linli.NewActor(0, "auditor", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{})
	var before int64
	var next time.Time // the time of the record after the current one
	n := 0
	for {
		evs, err := s.SearchAudit(ctx, auditor, linli.AuditQuery{BeforeSeq: before, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if !next.IsZero() && e.Time.After(next) {
				t.Fatalf("audit record %d (%s) at %s is after the next one (%s)", e.Seq, e.Action, e.Time, next)
			}
			next, before = e.Time, e.Seq
			n++
		}
		if len(evs) < 1000 {
			break
		}
	}
	if int64(n) != v.Records {
		t.Errorf("walked %d audit records, the chain has %d", n, v.Records)
	}
}

// The demo history on a fresh SQLite store: orders in every major state,
// a realistic satisfaction rate, times inside the history, an audit
// record whose times follow its sequence, and nothing more on a second
// call.
func TestHistory(t *testing.T) {
	ctx := context.Background()
	s, c := openClockStore(t)
	res := seedHistory(t, s, c, demo.HistoryOrders)
	if res.Orders < 550 || res.Orders > 650 {
		t.Errorf("%d orders, want about 600", res.Orders)
	}
	if res.Accounts < 40 {
		t.Errorf("%d staff accounts created, want one per community, unit and street", res.Accounts)
	}
	orders := allOrders(t, s)
	if len(orders) != res.Orders {
		t.Fatalf("the store holds %d orders, the history made %d", len(orders), res.Orders)
	}
	states := map[linli.WOState]int{}
	communities := map[int64]bool{}
	services := map[string]bool{}
	channels := map[linli.Channel]bool{}
	priorities := map[linli.Priority]bool{}
	start := demo.HistoryStart(historyEnd, demo.HistoryDays)
	for _, o := range orders {
		states[o.State]++
		comm := strings.Split(strings.Trim(o.Path, "/"), "/")
		if len(comm) >= 3 {
			communities[mustAtoi(t, comm[2])] = true
		}
		services[o.ServiceCode] = true
		channels[o.Channel] = true
		priorities[o.Priority] = true
		if o.AcceptedAt.Before(start) || o.AcceptedAt.After(historyEnd) || o.UpdatedAt.After(historyEnd) {
			t.Errorf("%s accepted %s, updated %s: outside the history", o.Number, o.AcceptedAt, o.UpdatedAt)
		}
	}
	t.Logf("states %v", states)
	for _, st := range []linli.WOState{linli.WOAccepted, linli.WODispatched, linli.WOInProgress, linli.WOContacted, linli.WODeferred,
		linli.WOResolved, linli.WOVerified, linli.WOArchived, linli.WOAnswered, linli.WODuplicate, linli.WOWithdrawn, linli.WOVoid} {
		if states[st] == 0 {
			t.Errorf("no order in state %s", st)
		}
	}
	for name, n := range map[string]int{"overdue": res.Overdue, "closed unrated": res.Unrated, "reopened": res.Reopened,
		"returned": res.Returned, "merged": res.Merged, "extended": res.Extended, "deferred": res.Deferred} {
		if n == 0 {
			t.Errorf("no order %s", name)
		}
	}
	if rate := float64(res.Satisfied) / float64(res.Rated); res.Rated < 200 || rate < 0.85 || rate > 0.99 {
		t.Errorf("%d of %d rated orders satisfied (%.1f %%), want about 92 %%", res.Satisfied, res.Rated, rate*100)
	}
	if len(communities) < 40 {
		t.Errorf("orders in %d communities, want nearly all", len(communities))
	}
	if len(services) < 30 {
		t.Errorf("orders for %d services, want most of the catalogue", len(services))
	}
	if len(channels) != len(linli.Channels) || len(priorities) != len(linli.Priorities) {
		t.Errorf("channels %v, priorities %v: want every one", channels, priorities)
	}
	// A reopened order went back to its unit and was rated twice.
	for _, o := range orders {
		if o.Reopens > 0 && o.State == linli.WOVerified {
			if o.Ratings != 2 {
				t.Errorf("%s reopened and verified with %d ratings", o.Number, o.Ratings)
			}
			tl, err := s.Timeline(ctx, admin(t, s), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			kinds := []string{}
			for _, e := range tl {
				kinds = append(kinds, e.Kind)
			}
			if !strings.Contains(strings.Join(kinds, " "), "rate reopen") {
				t.Errorf("%s timeline %v: no reopen after a rating", o.Number, kinds)
			}
			break
		}
	}
	checkAuditTimes(t, s)
	// Nothing more the second time.
	again, err := demo.SeedHistory(ctx, s, c.Set, demo.HistoryOptions{Seed: demo.DefaultSeed, End: historyEnd})
	if err != nil || again.Orders != 0 {
		t.Errorf("second SeedHistory = %+v, %v; want nothing done", again, err)
	}
	if v, err := s.Setting(ctx, demo.HistoryKey); err != nil || v != fmt.Sprint(res.Orders) {
		t.Errorf("setting %s = %q, %v", demo.HistoryKey, v, err)
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The same seed and end make the same history.
func TestHistoryDeterministic(t *testing.T) {
	var runs [2][]string
	for i := range runs {
		s, c := openClockStore(t)
		seedHistory(t, s, c, 60)
		for _, o := range allOrders(t, s) {
			runs[i] = append(runs[i], fmt.Sprintf("%s %s %s %s %d", o.Number, o.ServiceCode, o.State, o.DueAt.UTC().Format(time.RFC3339), o.Rating))
		}
	}
	if strings.Join(runs[0], "\n") != strings.Join(runs[1], "\n") {
		t.Errorf("two histories differ:\n%s\n---\n%s", strings.Join(runs[0], "\n"), strings.Join(runs[1], "\n"))
	}
}

// The history on PostgreSQL (smaller): every flow runs there too.
func TestHistoryPostgres(t *testing.T) {
	s, c := openPostgresClockStore(t)
	res := seedHistory(t, s, c, 200)
	if res.Orders < 150 || res.States[linli.WOVerified] == 0 || res.States[linli.WOAnswered] == 0 {
		t.Errorf("history %+v", res)
	}
	checkAuditTimes(t, s)
}

// SeedHistory needs the district.
func TestHistoryNeedsSeed(t *testing.T) {
	s, c := openClockStore(t)
	if _, err := demo.SeedHistory(context.Background(), s, c.Set, demo.HistoryOptions{End: historyEnd, Orders: 10}); err == nil {
		t.Fatal("SeedHistory on an empty store succeeded")
	}
}

func TestClock(t *testing.T) {
	var c demo.Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Errorf("zero Clock is %v away from the real time", d)
	}
	c.Set(historyEnd)
	if !c.Now().Equal(historyEnd) {
		t.Errorf("Now = %v after Set(%v)", c.Now(), historyEnd)
	}
	c.Set(time.Time{})
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Errorf("Set(zero) did not give the real time back")
	}
}
