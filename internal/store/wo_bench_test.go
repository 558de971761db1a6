package store_test

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Work-order benchmarks (issue 4). They run only with LINLI_BENCH_WO=1
// (minutes each); LINLI_BENCH_DIALECTS=sqlite,postgres picks databases.

func woBenchDialects(b *testing.B) []string {
	if os.Getenv("LINLI_BENCH_WO") != "1" {
		b.Skip("LINLI_BENCH_WO=1 runs the work-order benchmarks")
	}
	ds := []string{"sqlite", "postgres"}
	if v := os.Getenv("LINLI_BENCH_DIALECTS"); v != "" {
		ds = strings.Split(v, ",")
	}
	return ds
}

func woBenchStore(b *testing.B, dialect string, c *clock) *store.Store {
	if dialect == "postgres" {
		return openPostgres(b, c)
	}
	return openSQLite(b, c)
}

// hourWeights is the daily curve of a city hotline: quiet at night, a
// morning peak three times the day's average hourly volume.
var hourWeights = [24]float64{0.45, 0.3, 0.2, 0.15, 0.15, 0.25, 0.6, 1.4, 2.6, 3.6, 3.3, 2.2, 1.4, 1.5, 1.7, 1.6, 1.5, 1.3, 1.1, 0.9, 0.8, 0.7, 0.6, 0.5}

// arrivals spreads n arrivals over one day (from day, UTC) by hourWeights.
func arrivals(rng *rand.Rand, day time.Time, n int) []time.Time {
	var sum float64
	for _, w := range hourWeights {
		sum += w
	}
	out := make([]time.Time, 0, n)
	for h, w := range hourWeights {
		k := int(float64(n) * w / sum)
		if h == 23 {
			k = n - len(out)
		}
		for range k {
			out = append(out, day.Add(time.Duration(h)*time.Hour+time.Duration(rng.Int64N(int64(time.Hour)))))
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

type simStep struct {
	at    time.Time
	order int // index into orders
	step  int // 0 create, 1 dispatch, 2 sign, 3 resolve, 4 rate
}

type simQueue []simStep

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simStep)) }
func (q *simQueue) Pop() any          { o := (*q)[len(*q)-1]; *q = (*q)[:len(*q)-1]; return o }

// woBenchWorld is a district with units, services and a responsibility
// map for the benchmarks.
type woBenchWorld struct {
	tr        tree
	clerk     linli.Actor
	unitStaff map[int64]linli.Actor
	services  []linli.Service
	grids     []linli.Area
}

func mustWOBenchWorld(b *testing.B, s *store.Store) woBenchWorld {
	ctx := context.Background()
	con := linli.ConsoleActor()
	var w woBenchWorld
	w.tr = mustTree(b, s)
	w.grids = []linli.Area{w.tr.gridA, w.tr.gridB}
	w.clerk = actorOn([]linli.Role{linli.RoleDistrictAdmin}, w.tr.district)
	w.unitStaff = map[int64]linli.Actor{}
	admin := w.clerk
	groups := []string{"repair", "environment", "dispute", "safety", "elderly"}
	for i, g := range groups {
		u, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: fmt.Sprintf("承办单位%d", i+1), Kind: "department", AreaID: w.tr.district.ID})
		if err != nil {
			b.Fatal(err)
		}
		staff := actorOn([]linli.Role{linli.RoleDeptStaff}, w.tr.district)
		staff.OrgUnitID = u.ID
		w.unitStaff[u.ID] = staff
		sv, err := s.SaveService(ctx, admin, linli.Service{Code: "BENCH-" + strings.ToUpper(g), NameZh: "服务" + g, NameEn: g, Group: g,
			Duty: linli.DutyOwn, DefaultUnitID: u.ID, Public: true, ReopenOnBad: true,
			Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays},
				linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours}, linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}},
			Attrs: []linli.ServiceAttr{{Code: "kind", Datatype: linli.AttrSingleValue, Variable: true, Required: true, Order: 1, Description: "类别",
				Values: []linli.AttrValue{{Key: "a", Name: "甲"}, {Key: "b", Name: "乙"}}}}})
		if err != nil {
			b.Fatal(err)
		}
		w.services = append(w.services, sv)
	}
	return w
}

// BenchmarkWODayReplay replays a day of a megacity hotline: 60,000 orders
// (LINLI_BENCH_ORDERS) arriving on the daily curve, each created from a
// call, dispatched 5 minutes later, signed after 30, resolved after 4
// hours and rated the next day, every step one use-case transaction as
// the pages and the API run it, in the order of the simulated clock.
func BenchmarkWODayReplay(b *testing.B) {
	for _, d := range woBenchDialects(b) {
		b.Run(d, func(b *testing.B) {
			n := 60000
			if v := os.Getenv("LINLI_BENCH_ORDERS"); v != "" {
				fmt.Sscan(v, &n)
			}
			for range b.N {
				c := &clock{t: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
				s := woBenchStore(b, d, c)
				w := mustWOBenchWorld(b, s)
				ctx := context.Background()
				rng := rand.New(rand.NewPCG(1, 2))
				day := time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC) // 2026-03-02 00:00 in Beijing
				arr := arrivals(rng, day, n)
				q := &simQueue{}
				for i, t := range arr {
					heap.Push(q, simStep{at: t, order: i})
				}
				orders := make([]linli.WorkOrder, n)
				steps, errs := 0, 0
				var peak [24]int
				b.ResetTimer()
				start := time.Now()
				for q.Len() > 0 {
					st := heap.Pop(q).(simStep)
					c.t = st.at
					var err error
					o := orders[st.order]
					switch st.step {
					case 0:
						peak[st.at.In(time.FixedZone("CST", 8*3600)).Hour()]++
						sv := w.services[st.order%len(w.services)]
						o, _, err = s.CreateWorkOrder(ctx, w.clerk, linli.WorkOrderInput{ServiceCode: sv.Code, Channel: linli.ChannelPhone,
							ContactName: "市民", ContactPhone: fmt.Sprintf("139%08d", st.order), AreaID: w.grids[st.order%len(w.grids)].ID,
							Description: "热线来电反映的问题", Answers: map[string][]string{"kind": {"a"}}, IdempotencyKey: fmt.Sprint("call-", st.order)})
					case 1:
						o, err = s.Act(ctx, w.clerk, o.ID, linli.WOActionInput{Action: linli.ActDispatch})
					case 2:
						o, err = s.Act(ctx, w.unitStaff[o.LeadUnitID], o.ID, linli.WOActionInput{Action: linli.ActSign})
					case 3:
						o, err = s.Act(ctx, w.unitStaff[o.LeadUnitID], o.ID, linli.WOActionInput{Action: linli.ActResolve, Note: "已处理并答复"})
					case 4:
						o, err = s.Act(ctx, w.clerk, o.ID, linli.WOActionInput{Action: linli.ActRate, Rating: 3 + st.order%3, Solved: true, Channel: "callback"})
					}
					steps++
					if err != nil {
						errs++
						if errs < 5 {
							b.Errorf("step %d of order %d: %v", st.step, st.order, err)
						}
						continue
					}
					orders[st.order] = o
					next := []time.Duration{5 * time.Minute, 30 * time.Minute, 4 * time.Hour, 20 * time.Hour}
					if st.step < 4 {
						heap.Push(q, simStep{at: st.at.Add(next[st.step]), order: st.order, step: st.step + 1})
					}
					// Timers fire as they come due, as the runner would.
					if steps%500 == 0 {
						if _, err := s.RunTimers(ctx, c.t, 1000); err != nil {
							b.Fatal(err)
						}
					}
				}
				el := time.Since(start)
				b.StopTimer()
				var sum, peakHour int
				for _, p := range peak {
					sum += p
					peakHour = max(peakHour, p)
				}
				b.ReportMetric(el.Seconds(), "replay-s")
				b.ReportMetric(float64(steps)/el.Seconds(), "tx/s")
				b.ReportMetric(float64(errs), "errors")
				b.ReportMetric(float64(peakHour)/(float64(sum)/24), "peak/avg")
				list, err := s.ListWorkOrders(ctx, w.clerk, store.WOFilter{States: []linli.WOState{linli.WOVerified}, Limit: 1})
				if err != nil || len(list) != 1 {
					b.Errorf("no verified order after the replay: %v", err)
				}
			}
		})
	}
}

// woScaleWorld is a district of 40 communities (a grid each), 40
// services and 40 units, for the benchmarks at a million orders.
type woScaleWorld struct {
	admin    linli.Actor
	district linli.Area
	grids    []linli.Area
	units    []linli.OrgUnit
	services []linli.Service
	staff    []linli.Actor
}

func mustWOScaleWorld(b *testing.B, s *store.Store) woScaleWorld {
	ctx := context.Background()
	con := linli.ConsoleActor()
	var w woScaleWorld
	w.district = mustArea(b, s, con, 0, linli.LevelDistrict, "东城区", "110101000000")
	st := mustArea(b, s, con, w.district.ID, linli.LevelStreet, "东华门街道", "110101001000")
	w.admin = actorOn([]linli.Role{linli.RoleDistrictAdmin}, w.district)
	groups := linli.ServiceGroups
	for i := range 40 {
		c := mustArea(b, s, con, st.ID, linli.LevelCommunity, fmt.Sprintf("社区%02d", i), fmt.Sprintf("110101001%03d", i+1))
		w.grids = append(w.grids, mustArea(b, s, con, c.ID, linli.LevelGrid, fmt.Sprintf("网格%02d", i), fmt.Sprintf("110101001%03d-1", i+1)))
		u, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: fmt.Sprintf("单位%02d", i), Kind: "department", AreaID: w.district.ID})
		if err != nil {
			b.Fatal(err)
		}
		w.units = append(w.units, u)
		staff := actorOn([]linli.Role{linli.RoleDeptStaff}, w.district)
		staff.OrgUnitID = u.ID
		w.staff = append(w.staff, staff)
		sv, err := s.SaveService(ctx, w.admin, linli.Service{Code: fmt.Sprintf("S-%02d", i), NameZh: fmt.Sprintf("服务%02d", i), NameEn: "s",
			Group: groups[i%len(groups)], Duty: linli.DutyOwn, DefaultUnitID: u.ID, Public: true,
			Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays},
				linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours}, linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}}})
		if err != nil {
			b.Fatal(err)
		}
		w.services = append(w.services, sv)
	}
	return w
}

// loadOrders writes n orders spread over the year before now straight to
// the tables, with their KPI roll-ups (each order created, dispatched,
// signed, resolved and rated, as RebuildKPI would count them). Orders of
// the last week are still open.
func loadOrders(b *testing.B, s *store.Store, w woScaleWorld, n int, now time.Time) {
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	start := now.AddDate(-1, 0, 0)
	step := now.Sub(start) / time.Duration(n)
	cols := []string{"id", "number", "service_id", "channel", "priority", "state", "contact_name", "area_id", "path", "community_id",
		"street_id", "district_id", "description", "lead_unit_id", "accepted_at", "dispatched_at", "signed_at", "due_at", "warn_at",
		"resolved_at", "closed_at", "rating", "ratings", "created_at", "updated_at"}
	type rk struct {
		day, path string
		unit, svc int64
		kind      string
	}
	type rv struct{ n, num, flag int64 }
	daily := map[rk]*rv{}
	add := func(t time.Time, path string, unit, svc int64, kind string, num, flag int64) {
		k := rk{t.In(cst).Format("2006-01-02"), path, unit, svc, kind}
		if daily[k] == nil {
			daily[k] = &rv{}
		}
		daily[k].n++
		daily[k].num += num
		daily[k].flag += flag
	}
	seq := map[string]int{}
	var args []any
	flush := func() {
		if err := s.BenchInsert(ctx, "work_orders", cols, args); err != nil {
			b.Fatal(err)
		}
		args = args[:0]
	}
	states := []linli.WOState{linli.WODispatched, linli.WOInProgress, linli.WOInProgress, linli.WOContacted, linli.WOInProgress}
	for i := range n {
		at := start.Add(time.Duration(i) * step)
		k := i % len(w.grids)
		// The map routes a service to its unit, as the seeded district does.
		sv := w.services[(i/3)%len(w.services)]
		g, u := w.grids[k], w.units[(i/3)%len(w.units)]
		day := at.In(cst).Format("20060102")
		seq[day]++
		comm, street, district := pathParts(g.Path)
		disp, sign := at.Add(5*time.Minute), at.Add(35*time.Minute)
		due := at.Add(72 * time.Hour)
		state, resolved, closed, rating, ratings := linli.WOVerified, at.Add(30*time.Hour), at.Add(50*time.Hour), any(4+i%2), 1
		if now.Sub(at) < 7*24*time.Hour {
			state, resolved, closed, rating, ratings = states[i%len(states)], time.Time{}, time.Time{}, nil, 0
		}
		args = append(args, int64(i+1), fmt.Sprintf("GD%s%06d", day, seq[day]), sv.ID, "phone", "normal", string(state), "市民", g.ID, g.Path,
			comm, street, district, "诉求", u.ID, s.BenchTime(at), s.BenchTime(disp), s.BenchTime(sign), s.BenchTime(due),
			s.BenchTime(at.Add(54*time.Hour)), s.BenchTime(resolved), s.BenchTime(closed), rating, ratings, s.BenchTime(at), s.BenchTime(at))
		cp := g.Path[:strings.LastIndex(strings.TrimSuffix(g.Path, "/"), "/")+1]
		add(at, cp, 0, sv.ID, "created", 0, 0)
		add(disp, cp, u.ID, sv.ID, "dispatch", 0, 0)
		add(sign, cp, u.ID, sv.ID, "sign", int64(30*60), 1)
		if !resolved.IsZero() {
			add(resolved, cp, u.ID, sv.ID, "resolve", 0, int64(b2i(i%10 != 0)))
			add(closed, cp, u.ID, sv.ID, "rate", int64(b2i(i%5 != 0)), int64(b2i(i%8 != 0)))
		}
		if len(args) >= 20000*len(cols) {
			flush()
		}
	}
	if len(args) > 0 {
		flush()
	}
	monthly := map[rk]*rv{}
	var dArgs, mArgs []any
	for k, v := range daily {
		dArgs = append(dArgs, k.day, k.path, k.unit, k.svc, k.kind, v.n, v.num, v.flag)
		mk := rk{k.day[:7], k.path, k.unit, k.svc, k.kind}
		if monthly[mk] == nil {
			monthly[mk] = &rv{}
		}
		monthly[mk].n += v.n
		monthly[mk].num += v.num
		monthly[mk].flag += v.flag
	}
	for k, v := range monthly {
		mArgs = append(mArgs, k.day, k.path, k.unit, k.svc, k.kind, v.n, v.num, v.flag)
	}
	kcols := []string{"day", "path", "unit_id", "service_id", "kind", "n", "num_sum", "flag_sum"}
	for len(dArgs) > 0 {
		m := min(len(dArgs), 50000*8)
		if err := s.BenchInsert(ctx, "kpi_daily", kcols, dArgs[:m]); err != nil {
			b.Fatal(err)
		}
		dArgs = dArgs[m:]
	}
	if err := s.BenchInsert(ctx, "kpi_monthly", append([]string{"month"}, kcols[1:]...), mArgs); err != nil {
		b.Fatal(err)
	}
	if err := s.BenchAnalyze(ctx); err != nil {
		b.Fatal(err)
	}
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// pathParts returns the community, street and district ids of a grid path.
func pathParts(p string) (c, s, d int64) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	fmt.Sscan(parts[0], &d)
	fmt.Sscan(parts[1], &s)
	fmt.Sscan(parts[2], &c)
	return
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkWO1M measures, at a million orders (LINLI_BENCH_ORDERS), a
// unit's queue page (the tab counts and the in-progress list, as the page
// reads them) and the KPI report of the district for a month (a calendar
// month, from the monthly roll-up, and a month from the 15th, half of it
// from the daily one).
func BenchmarkWO1M(b *testing.B) {
	for _, d := range woBenchDialects(b) {
		b.Run(d, func(b *testing.B) {
			n := 1_000_000
			if v := os.Getenv("LINLI_BENCH_ORDERS"); v != "" {
				fmt.Sscan(v, &n)
			}
			now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
			c := &clock{t: now}
			s := woBenchStore(b, d, c)
			w := mustWOScaleWorld(b, s)
			t0 := time.Now()
			loadOrders(b, s, w, n, now)
			b.ReportMetric(time.Since(t0).Seconds(), "load-s")
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				var queue, kpiMonth, kpiMid []time.Duration
				for r := range 200 {
					staff := w.staff[r%len(w.staff)]
					t := time.Now()
					counts, err := s.QueueCounts(ctx, staff, 0, now)
					if err != nil {
						b.Fatal(err)
					}
					list, err := s.UnitQueue(ctx, staff, 0, store.QueueInProgress, now, 50)
					if err != nil || len(list) == 0 || counts[store.QueueInProgress] == 0 {
						b.Fatalf("queue: %d rows, counts %v, %v", len(list), counts, err)
					}
					queue = append(queue, time.Since(t))
				}
				for range 20 {
					t := time.Now()
					rep, err := s.KPIs(ctx, w.admin, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
					if err != nil || rep.Total.Counts["created"] == 0 {
						b.Fatalf("KPIs: %v", err)
					}
					kpiMonth = append(kpiMonth, time.Since(t))
					t = time.Now()
					if _, err := s.KPIs(ctx, w.admin, time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)); err != nil {
						b.Fatal(err)
					}
					kpiMid = append(kpiMid, time.Since(t))
				}
				b.ReportMetric(float64(pct(queue, 0.5).Microseconds())/1000, "queue-p50-ms")
				b.ReportMetric(float64(pct(queue, 0.99).Microseconds())/1000, "queue-p99-ms")
				b.ReportMetric(float64(pct(kpiMonth, 0.5).Microseconds())/1000, "kpi-month-p50-ms")
				b.ReportMetric(float64(pct(kpiMonth, 0.99).Microseconds())/1000, "kpi-month-max-ms")
				b.ReportMetric(float64(pct(kpiMid, 0.5).Microseconds())/1000, "kpi-15to15-p50-ms")
				b.ReportMetric(float64(pct(kpiMid, 0.99).Microseconds())/1000, "kpi-15to15-max-ms")
			}
		})
	}
}

// BenchmarkWOTimers: request handling (create, dispatch, sign: three use
// cases) with no pending timers and with 100,000 (LINLI_BENCH_TIMERS)
// pending in the future, while a runner polls for due timers every
// second as the server's does. The figure is the ratio of the two.
func BenchmarkWOTimers(b *testing.B) {
	for _, d := range woBenchDialects(b) {
		for _, pending := range []int{0, 100000} {
			b.Run(fmt.Sprintf("%s/pending=%d", d, pending), func(b *testing.B) {
				if v := os.Getenv("LINLI_BENCH_TIMERS"); v != "" && pending > 0 {
					fmt.Sscan(v, &pending)
				}
				c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
				s := woBenchStore(b, d, c)
				w := mustWOBenchWorld(b, s)
				ctx := context.Background()
				if pending > 0 {
					// Orders whose timers are pending a month ahead.
					o, _, err := s.CreateWorkOrder(ctx, w.clerk, linli.WorkOrderInput{ServiceCode: w.services[0].Code, ContactName: "甲",
						AreaID: w.grids[0].ID, Description: "x", Answers: map[string][]string{"kind": {"a"}}})
					if err != nil {
						b.Fatal(err)
					}
					var args []any
					for i := range pending {
						args = append(args, o.ID, "overdue", s.BenchTime(c.t.Add(30*24*time.Hour+time.Duration(i)*time.Second)), "x", s.BenchTime(c.t))
					}
					if err := s.BenchInsert(ctx, "wo_timers", []string{"order_id", "kind", "fire_at", "for_due", "created_at"}, args); err != nil {
						b.Fatal(err)
					}
					if n, _ := s.PendingTimers(ctx); n < int64(pending) {
						b.Fatalf("%d pending timers, want %d", n, pending)
					}
				}
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					tk := time.NewTicker(time.Second)
					defer tk.Stop()
					for {
						select {
						case <-stop:
							return
						case <-tk.C:
							if _, err := s.RunTimers(ctx, c.Now(), 200); err != nil {
								b.Error(err)
							}
						}
					}
				}()
				b.ResetTimer()
				for i := range b.N {
					sv := w.services[i%len(w.services)]
					o, _, err := s.CreateWorkOrder(ctx, w.clerk, linli.WorkOrderInput{ServiceCode: sv.Code, ContactName: "乙", AreaID: w.grids[i%2].ID,
						Description: "y", Answers: map[string][]string{"kind": {"b"}}})
					if err != nil {
						b.Fatal(err)
					}
					if o, err = s.Act(ctx, w.clerk, o.ID, linli.WOActionInput{Action: linli.ActDispatch}); err != nil {
						b.Fatal(err)
					}
					if _, err = s.Act(ctx, w.unitStaff[o.LeadUnitID], o.ID, linli.WOActionInput{Action: linli.ActSign}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				close(stop)
				<-done
			})
		}
	}
}
