package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/calendar"
	"github.com/linli-org/linli/internal/store"
)

// The work-order history of the demo: about 600 requests over the last
// 60 days in every community, each taken through its life by the real
// store methods (CreateWorkOrder, Act, RunTimers, CompleteCallback) as the
// accounts who would do it: clerks (the community workers of each
// community), units (a handler account per unit: dept_staff whose org
// unit is the unit; the committee's own clerk for the committee), street
// supervisors and two resident accounts. Nothing is inserted behind the
// store's back: every order, event, rating, timer, notice and audit
// record is what the application itself would have written.
//
// Time: the store's clock is set to each event's time as it happens. The
// events of all orders are kept in one queue ordered by time, so the
// clock only moves forward and the audit chain's time follows its
// sequence. Timers are run at the moments they are due (a warning, an
// overdue flag, an escalation, the close of an unrated order). Staff act
// in working time (the calendar in the store, holidays included);
// urgent and critical orders are handled day and night.
//
// The history is deterministic for a seed and an end time. docs/demo-data.md
// describes it.

// HistoryKey is the setting that records the number of orders of the
// seeded history; SeedHistory does nothing when it is set.
const HistoryKey = "demo.history"

// Defaults of HistoryOptions.
const (
	HistoryDays   = 60
	HistoryOrders = 600
)

// HistoryOptions shape SeedHistory.
type HistoryOptions struct {
	Seed   uint64    // random seed; DefaultSeed in the demo
	End    time.Time // the last moment of the history (now); zero: time.Now
	Days   int       // how far back the first request is (HistoryDays)
	Orders int       // requests to plan (HistoryOrders); duplicates come on top
}

// HistoryResult summarises a seeded history.
type HistoryResult struct {
	Orders    int                   // work orders created
	Accounts  int                   // staff accounts created for the history
	States    map[linli.WOState]int // orders by state at the end
	Overdue   int                   // orders flagged overdue
	Unrated   int                   // closed unrated by the timer
	Reopened  int                   // reopened after an unsatisfied rating
	Returned  int                   // returned by a unit at least once
	Merged    int                   // duplicates merged into another order
	Extended  int                   // extensions granted
	Deferred  int                   // orders deferred (挂账) at some time
	Rated     int                   // orders with a rating
	Satisfied int                   // … whose latest rating is satisfied
}

// HistoryStart is the first moment of a history of days ending at end.
func HistoryStart(end time.Time, days int) time.Time {
	if days <= 0 {
		days = HistoryDays
	}
	return end.Truncate(time.Second).AddDate(0, 0, -days)
}

// SeedHistory writes the work-order history into a store seeded by Seed.
// setNow sets the store's clock (Clock.Set when the store was opened with
// a Clock's Now); it is called with times that never go back, from
// HistoryStart − 30 minutes to opt.End, so the district should have been
// seeded before that (cmd/linli seeds it an hour before the start). When
// HistoryKey is set it does nothing and returns a zero result.
func SeedHistory(ctx context.Context, s *store.Store, setNow func(time.Time), opt HistoryOptions) (HistoryResult, error) {
	if v, err := s.Setting(ctx, HistoryKey); err != nil {
		return HistoryResult{}, fmt.Errorf("demo: read %s: %w", HistoryKey, err)
	} else if v != "" {
		return HistoryResult{}, nil
	}
	if opt.Days <= 0 {
		opt.Days = HistoryDays
	}
	if opt.Orders <= 0 {
		opt.Orders = HistoryOrders
	}
	if opt.End.IsZero() {
		opt.End = time.Now()
	}
	end := opt.End.Truncate(time.Second)
	defer quickWrites(ctx, s)()
	h := &history{
		ctx: ctx, s: s, setNow: setNow,
		r:     rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5eed0f4157029)), // #nosec G404 -- synthetic demo history: deterministic from a seed by design
		start: HistoryStart(end, opt.Days), end: end,
		ticks:    map[int64]bool{},
		handlers: map[int64]linli.Actor{},
		streets:  map[int64]*hstreet{},
		commByID: map[int64]*hcomm{},
		services: map[string]linli.Service{},
		units:    map[int64]linli.OrgUnit{},
		byGroup:  map[string][]int64{},
		res:      HistoryResult{States: map[linli.WOState]int{}},
		property: map[int64]int64{},
	}
	h.now = h.start.Add(-30 * time.Minute)
	setNow(h.now)
	var err error
	if h.cal, err = s.Calendar(ctx); err != nil {
		return HistoryResult{}, fmt.Errorf("demo: calendar: %w", err)
	}
	if err := h.load(); err != nil {
		return HistoryResult{}, err
	}
	if err := h.staff(); err != nil {
		return HistoryResult{}, err
	}
	h.plan(opt.Orders * 95 / 100) // duplicate reports make up the rest
	if err := h.run(); err != nil {
		return HistoryResult{}, err
	}
	if err := h.summarise(); err != nil {
		return HistoryResult{}, err
	}
	if err := s.SetSetting(ctx, linli.ConsoleActor(), HistoryKey, strconv.Itoa(h.res.Orders)); err != nil {
		return HistoryResult{}, fmt.Errorf("demo: set %s: %w", HistoryKey, err)
	}
	return h.res, nil
}

// history is the simulation's state.
type history struct {
	ctx        context.Context
	s          *store.Store
	setNow     func(time.Time)
	cal        *calendar.Calendar
	r          *rand.Rand
	start, end time.Time
	now        time.Time
	q          eventQueue
	seq        int
	ticks      map[int64]bool // unix seconds of the timer runs done

	hash      string // the demo password's stored hash, copied from comm.worker
	comms     []*hcomm
	commByID  map[int64]*hcomm
	streets   map[int64]*hstreet // by street area id
	handlers  map[int64]linli.Actor
	units     map[int64]linli.OrgUnit
	byGroup   map[string][]int64 // department ids by service group, for re-dispatch
	property  map[int64]int64    // property company by community id
	services  map[string]linli.Service
	svcCodes  []string
	residents []linli.Actor
	district  linli.Area
	gridA1    linli.Area
	gridUser  linli.Actor

	res HistoryResult
}

// hcomm is a community of the history.
type hcomm struct {
	area      linli.Area
	grids     []linli.Area
	street    int64
	committee int64
	clerk     linli.Actor
	weight    int
}

// hstreet is a street: its office and the supervisor.
type hstreet struct {
	area   linli.Area
	office int64
	sup    linli.Actor
}

// fate is how an order's life goes, decided when it arrives.
type fate int

const (
	fateNormal fate = iota
	fateAnswer
	fateVoid
	fateWithdraw
	fateReturn
	fateReturnRejected
	fateExtension
	fateDefer
	fateOverdue
	fateSlowDispatch
)

// horder is an order in the simulation.
type horder struct {
	o       linli.WorkOrder
	comm    *hcomm
	svc     linli.Service
	fate    fate
	creator linli.Actor
	self    bool // created by a resident account
	done    map[string]bool
}

// event is something that happens at a time; seq breaks ties in the
// order events were planned.
type event struct {
	at  time.Time
	seq int
	fn  func() error
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// at plans fn at t; what would happen after the end does not happen.
func (h *history) at(t time.Time, fn func() error) {
	t = t.Truncate(time.Second)
	if t.After(h.end) {
		return
	}
	h.seq++
	heap.Push(&h.q, &event{at: t, seq: h.seq, fn: fn})
}

// run plays the events in time order, then runs the timers due at the
// end.
func (h *history) run() error {
	for h.q.Len() > 0 {
		ev := heap.Pop(&h.q).(*event)
		if ev.at.After(h.now) {
			h.now = ev.at
			h.setNow(h.now)
		}
		if err := ev.fn(); err != nil {
			return err
		}
	}
	h.now = h.end
	h.setNow(h.end)
	_, err := h.s.RunTimers(h.ctx, h.end, 100000)
	return err
}

// tick plans a run of the timers at the first 5-minute mark after t (as
// a timer runner polling every few minutes would), for an order whose
// deadline is still due then: when the order has moved on meanwhile (its
// deadline changed, it was closed or paused), the run is left out and
// the timer fires as a no-op with the next run.
func (h *history) tick(ho *horder, t time.Time, resolved bool) {
	if t.IsZero() {
		return
	}
	t = t.Add(5 * time.Minute).Truncate(5 * time.Minute)
	if !t.After(h.now) || t.After(h.end) {
		return
	}
	due, id := ho.o.DueAt, ho.o.ResolvedAt
	h.at(t, func() error {
		if h.ticks[t.Unix()] {
			return nil
		}
		if resolved && (ho.o.State != linli.WOResolved || !ho.o.ResolvedAt.Equal(id)) ||
			!resolved && (!ho.o.State.Open() || ho.o.State == linli.WODeferred || !ho.o.DueAt.Equal(due)) {
			return nil
		}
		h.ticks[t.Unix()] = true
		_, err := h.s.RunTimers(h.ctx, h.now, 1000)
		return err
	})
}

// watch plans the timer runs of an order's current deadline: the
// warning, the deadline, the escalation a day later; for a resolved
// order, the close of an unrated one.
func (h *history) watch(ho *horder) {
	o := ho.o
	if o.State.Open() && !o.DueAt.IsZero() && o.State != linli.WODeferred {
		if !o.SignedAt.IsZero() {
			h.tick(ho, o.WarnAt, false)
		}
		h.tick(ho, o.DueAt, false)
		if !o.SignedAt.IsZero() {
			h.tick(ho, o.DueAt.Add(24*time.Hour), false)
		}
	}
	if o.State == linli.WOResolved {
		h.tick(ho, o.ResolvedAt.AddDate(0, 0, 7), true)
	}
}

// ── random helpers ──

func (h *history) pick(xs []string) string { return xs[h.r.IntN(len(xs))] }
func (h *history) chance(pct float64) bool { return h.r.Float64()*100 < pct }
func (h *history) between(lo, hi int) int  { return lo + h.r.IntN(hi-lo+1) }

// minutes is a random duration of lo to hi minutes.
func (h *history) minutes(lo, hi int) time.Duration {
	return time.Duration(h.between(lo, hi)) * time.Minute
}

// work is t plus d of working time.
func (h *history) work(t time.Time, d time.Duration) time.Time { return h.cal.AddWorkingHours(t, d) }

// later is t plus lo to hi minutes: working time for normal orders,
// natural time for urgent and critical ones (units sign 7×24).
func (h *history) later(ho *horder, t time.Time, lo, hi int) time.Time {
	if ho.o.Priority == linli.PriorityNormal {
		return h.work(t, h.minutes(lo, hi))
	}
	d := h.minutes(lo, hi)
	if ho.o.Priority == linli.PriorityCritical {
		d /= 4
	} else {
		d /= 2
	}
	return t.Add(d)
}

// within is a time between the fractions lo and hi of the way from t to
// due (working time for normal orders).
func (h *history) within(ho *horder, t, due time.Time, lo, hi float64) time.Time {
	f := lo + h.r.Float64()*(hi-lo)
	if ho.o.Priority == linli.PriorityNormal {
		rem := h.cal.WorkingDuration(t, due)
		if rem <= 0 {
			return h.work(t, h.minutes(20, 120))
		}
		return h.work(t, time.Duration(float64(rem)*f))
	}
	if !due.After(t) {
		return t.Add(h.minutes(10, 60))
	}
	return t.Add(time.Duration(float64(due.Sub(t)) * f))
}

// name is a plausible Chinese name.
func (h *history) name() string {
	sur := topSurnames[h.r.IntN(40)].name
	era := eraOf(1950 + h.r.IntN(50))
	if h.r.IntN(2) == 0 {
		return sur + h.pick(era.male2)
	}
	return sur + h.pick(era.female2)
}

// phone is a plausible mobile number.
func (h *history) phone() string {
	return h.pick(mobilePrefixes) + fmt.Sprintf("%08d", h.r.IntN(100000000))
}

// ── loading what Seed made ──

func (h *history) load() error {
	con := linli.ConsoleActor()
	li, err := h.s.LoginInfo(h.ctx, "comm.worker")
	if err != nil {
		return fmt.Errorf("demo: the district is not seeded (comm.worker: %w)", err)
	}
	h.hash = li.PasswordHash
	areas, err := h.s.Areas(h.ctx, con, store.AreaFilter{})
	if err != nil {
		return err
	}
	byCode := map[string]linli.Area{}
	for _, a := range areas {
		byCode[a.Code] = a
		switch a.Level {
		case linli.LevelDistrict:
			h.district = a
		case linli.LevelStreet:
			h.streets[a.ID] = &hstreet{area: a}
		case linli.LevelCommunity:
			c := &hcomm{area: a, street: a.ParentID, weight: 2}
			h.commByID[a.ID] = c
			h.comms = append(h.comms, c)
		}
	}
	for _, a := range areas {
		if a.Level == linli.LevelGrid {
			if c := h.commByID[a.ParentID]; c != nil {
				c.grids = append(c.grids, a)
			}
		}
	}
	h.gridA1 = byCode[GridA1Code]
	for _, c := range h.comms {
		switch {
		case c.area.Code == CommunityACode:
			c.weight = 10
		case c.area.Code == CommunityBCode:
			c.weight = 7
		case strings.HasPrefix(c.area.Code, StreetCode[:9]):
			c.weight = 3
		}
		if len(c.grids) == 0 {
			c.grids = []linli.Area{c.area}
		}
	}
	units, err := h.s.OrgUnits(h.ctx, con)
	if err != nil {
		return err
	}
	deptGroup := map[string][]string{
		OrgHousing: {"repair"}, OrgCityManagement: {"environment", "repair"}, OrgEmergency: {"safety"},
		OrgFireRescue: {"safety"}, OrgEnvironment: {"environment"},
	}
	for _, u := range units {
		h.units[u.ID] = u
		switch u.Kind {
		case "community_committee":
			if c := h.commByID[u.AreaID]; c != nil {
				c.committee = u.ID
			}
		case "street_office":
			if st := h.streets[u.AreaID]; st != nil {
				st.office = u.ID
			}
		case "property_company":
			h.property[u.AreaID] = u.ID
		case "department":
			for _, g := range deptGroup[u.Name] {
				h.byGroup[g] = append(h.byGroup[g], u.ID)
			}
		}
	}
	svcs, err := h.s.Services(h.ctx, con, store.ServiceFilter{IncludePriv: true})
	if err != nil {
		return err
	}
	for _, sv := range svcs {
		if sv.Duty != linli.DutyNegative {
			h.services[sv.Code] = sv
			h.svcCodes = append(h.svcCodes, sv.Code)
		}
	}
	if len(h.services) == 0 {
		return errors.New("demo: the service catalogue is empty")
	}
	return nil
}

// ── the staff of the history ──

// account returns the actor of an account, creating the account (with
// the demo password) when it does not exist.
func (h *history) account(username, display string, role linli.Role, unit int64, scope linli.Area) (linli.Actor, error) {
	var sc linli.Scope
	var ids []int64
	if scope.ID != 0 {
		sc = linli.Scope{AreaIDs: []int64{scope.ID}, Paths: []string{scope.Path}}
		ids = []int64{scope.ID}
	}
	var id int64
	if li, err := h.s.LoginInfo(h.ctx, username); err == nil {
		id = li.ID
	} else if errors.Is(err, linli.ErrNotFound) {
		u, err := h.s.CreateUser(h.ctx, linli.ConsoleActor(), linli.UserInput{Username: username, DisplayName: display,
			Roles: []linli.Role{role}, OrgUnitID: unit, ScopeIDs: ids}, h.hash)
		if err != nil {
			return linli.Actor{}, fmt.Errorf("demo: create %s: %w", username, err)
		}
		id = u.ID
		h.res.Accounts++
	} else {
		return linli.Actor{}, err
	}
	a := linli.NewActor(id, username, []linli.Role{role}, sc)
	a.OrgUnitID = unit
	return a, nil
}

// staff finds or creates the accounts the history acts as: a clerk per
// community (comm.worker and comm.worker.b for A and B), a handler per
// unit that is not a committee (dept.staff for the civil affairs bureau),
// a supervisor per street (street.staff for the first), the grid worker
// and the two resident accounts.
func (h *history) staff() error {
	var err error
	for _, c := range h.comms {
		user := "cw." + c.area.Code[6:12]
		switch c.area.Code {
		case CommunityACode:
			user = "comm.worker"
		case CommunityBCode:
			user = "comm.worker.b"
		}
		if c.clerk, err = h.account(user, h.name(), linli.RoleCommunityWorker, c.committee, c.area); err != nil {
			return err
		}
		h.handlers[c.committee] = c.clerk
	}
	streetIDs := make([]int64, 0, len(h.streets))
	for id := range h.streets {
		streetIDs = append(streetIDs, id)
	}
	slices.Sort(streetIDs)
	for _, id := range streetIDs {
		st := h.streets[id]
		user := "street.staff." + st.area.Code[6:9]
		if st.area.Code == StreetCode {
			user = "street.staff"
		}
		if st.sup, err = h.account(user, h.name(), linli.RoleStreetStaff, st.office, st.area); err != nil {
			return err
		}
		if h.handlers[st.office], err = h.account("unit.jd"+st.area.Code[6:9], h.name(), linli.RoleDeptStaff, st.office, st.area); err != nil {
			return err
		}
	}
	keys := map[string]string{OrgServiceCenter: "zwfw"}
	for _, d := range departments {
		keys[d.Name] = d.Key
	}
	for _, p := range propertyCompanies {
		keys[p.Name] = p.Key
	}
	unitIDs := make([]int64, 0, len(h.units))
	for id := range h.units {
		unitIDs = append(unitIDs, id)
	}
	slices.Sort(unitIDs)
	for _, id := range unitIDs {
		u := h.units[id]
		if u.Kind == "community_committee" || u.Kind == "street_office" || keys[u.Name] == "" {
			continue
		}
		user := "unit." + keys[u.Name]
		if u.Name == OrgCivilAffairs {
			user = "dept.staff"
		}
		scope := h.district
		if c := h.commByID[u.AreaID]; c != nil {
			scope = c.area
		}
		if h.handlers[id], err = h.account(user, h.name(), linli.RoleDeptStaff, id, scope); err != nil {
			return err
		}
	}
	a := h.commByID[h.gridA1.ParentID]
	if a == nil {
		return errors.New("demo: grid A1 has no community")
	}
	if h.gridUser, err = h.account("grid.worker", h.name(), linli.RoleGridWorker, a.committee, h.gridA1); err != nil {
		return err
	}
	for _, u := range []struct {
		name string
		role linli.Role
	}{{"resident", linli.RoleResident}, {"volunteer", linli.RoleVolunteer}} {
		r, err := h.account(u.name, h.name(), u.role, 0, linli.Area{})
		if err != nil {
			return err
		}
		h.residents = append(h.residents, r)
	}
	return nil
}

// ── arrivals ──

// plan spreads n arrivals over the history: counter and patrol requests
// in working hours of working days, phone and web requests any day (fewer
// on days off) from morning to evening.
func (h *history) plan(n int) {
	total := 0
	for _, c := range h.comms {
		total += c.weight
	}
	days := int(h.end.Sub(h.start).Hours()/24) + 1
	loc := h.cal.Location()
	for i := 0; i < n; i++ {
		ch := h.channel()
		var t time.Time
		// One request in fifty comes in the last six hours: the newest
		// orders are still waiting to be dispatched or signed for.
		if i%50 == 0 && ch != linli.ChannelCounter && ch != linli.ChannelPatrol {
			t = h.end.Add(-h.minutes(1, 6*60))
		}
		for t.IsZero() {
			d := h.start.In(loc).AddDate(0, 0, h.r.IntN(days))
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			workday := h.cal.IsWorkday(day)
			switch ch {
			case linli.ChannelCounter, linli.ChannelPatrol:
				if !workday {
					continue
				}
				t = h.work(day.Add(9*time.Hour), h.minutes(0, 7*60))
			case linli.ChannelWeb:
				if !workday && h.chance(40) {
					continue
				}
				t = day.Add(7*time.Hour + h.minutes(0, 16*60))
			default:
				if !workday && h.chance(60) {
					continue
				}
				t = day.Add(8*time.Hour + h.minutes(0, 12*60))
			}
			if !t.After(h.start) || !t.Before(h.end) {
				t = time.Time{}
			}
		}
		var c *hcomm
		if ch == linli.ChannelWeb || ch == linli.ChannelPatrol && h.chance(50) {
			c = h.commByID[h.gridA1.ParentID]
		} else {
			x := h.r.IntN(total)
			for _, cc := range h.comms {
				if x -= cc.weight; x < 0 {
					c = cc
					break
				}
			}
		}
		h.at(t, func() error { return h.arrive(ch, c, nil) })
	}
}

// channel draws a request's channel.
func (h *history) channel() linli.Channel {
	switch x := h.r.IntN(100); {
	case x < 45:
		return linli.ChannelCounter
	case x < 75:
		return linli.ChannelPhone
	case x < 87:
		return linli.ChannelPatrol
	case x < 96:
		return linli.ChannelOpen311
	default:
		return linli.ChannelWeb
	}
}

// serviceWeights are how often each service is asked for; heating only
// in the heating season (from 15 November, a few questions before).
func (h *history) serviceWeight(code string, t time.Time) int {
	w := map[string]int{
		"REPAIR-PUBLIC": 60, "REPAIR-LIFT": 18, "REPAIR-DRAIN": 18, "REPAIR-ROAD": 10,
		"ENV-SANITATION": 35, "ENV-GREENING": 12, "ENV-GARBAGE-SORT": 18, "ENV-NOISE": 25,
		"DISPUTE-NEIGHBOR": 18, "DISPUTE-PROPERTY": 10, "SAFETY-HAZARD": 20, "SAFETY-FIRE-LANE": 10, "SAFETY-RENTAL": 5,
		"CONSULT-POLICY": 40, "CONSULT-SOCIAL-INSURANCE": 30, "CONSULT-RENOVATION": 8,
		"CERT-RESIDENCE": 25, "CERT-ACTIVITY": 8, "ELDER-ALLOWANCE": 10, "ELDER-SUBSIDY": 6, "ELDER-HOMECARE": 15, "ELDER-MEALS": 10,
		"EMP-UNEMPLOYMENT": 6, "EMP-ASSISTANCE": 4, "EMP-TRAINING": 4, "AID-DIBAO": 5, "AID-TEMPORARY": 3, "AID-DISABILITY": 3,
		"VENUE-BOOKING": 15, "VENUE-EQUIPMENT": 5, "HEALTH-FOLLOWUP": 8, "HEALTH-VACCINE": 10,
		"OTHER-VOLUNTEER": 8, "OTHER-DONATION": 4, "OTHER-SUGGESTION": 6, "OTHER-PRAISE": 4,
	}[code]
	if code == "REPAIR-HEATING" {
		_, m, d := t.In(h.cal.Location()).Date()
		switch {
		case m == time.November && d >= 15 || m == time.December || m <= time.March:
			w = 70
		case m == time.November:
			w = 4
		}
	}
	return w
}

// service draws the service of a request on a channel.
func (h *history) service(ch linli.Channel, self bool) linli.Service {
	if ch == linli.ChannelPatrol {
		return h.services[h.pick([]string{"OTHER-GRID-PATROL", "OTHER-GRID-PATROL", "REPAIR-PUBLIC", "ENV-SANITATION",
			"SAFETY-HAZARD", "SAFETY-FIRE-LANE", "REPAIR-ROAD"})]
	}
	total := 0
	ws := make([]int, len(h.svcCodes))
	for i, code := range h.svcCodes {
		sv := h.services[code]
		w := h.serviceWeight(code, h.now)
		if sv.Group == "certificate" && ch != linli.ChannelCounter || self && !sv.Public {
			w = 0
		}
		ws[i] = w
		total += w
	}
	x := h.r.IntN(total)
	for i, w := range ws {
		if x -= w; x < 0 {
			return h.services[h.svcCodes[i]]
		}
	}
	return h.services["REPAIR-PUBLIC"]
}

// fill replaces the placeholders of a text.
func (h *history) fill(s string) string {
	r := strings.NewReplacer("{b}", strconv.Itoa(h.between(1, 24)), "{u}", strconv.Itoa(h.between(1, 6)),
		"{f}", strconv.Itoa(h.between(1, 6)), "{r}", strconv.Itoa(h.between(1, 4)),
		"{dir}", h.pick(directions), "{place}", h.pick(places))
	return r.Replace(s)
}

// answers fills a service's form: every required attribute, half of the
// others.
func (h *history) answers(sv linli.Service, pr linli.Priority) map[string][]string {
	out := map[string][]string{}
	loc := h.cal.Location()
	now := h.now.In(loc)
	for _, a := range sv.Attrs {
		if !a.Variable || !a.Required && h.chance(50) {
			continue
		}
		var v []string
		switch a.Datatype {
		case linli.AttrSingleValue:
			k := a.Values[h.r.IntN(len(a.Values))].Key
			switch a.Code {
			case "trapped":
				k = map[bool]string{true: "yes", false: "no"}[pr == linli.PriorityCritical]
			case "overflow":
				k = map[bool]string{true: "yes", false: "no"}[pr != linli.PriorityNormal]
			}
			v = []string{k}
		case linli.AttrMultiValue:
			perm := h.r.Perm(len(a.Values))
			for _, i := range perm[:min(len(perm), h.between(1, 2))] {
				v = append(v, a.Values[i].Key)
			}
		case linli.AttrNumber:
			n := map[string][2]int{"copies": {1, 3}, "hours": {1, 4}, "people": {5, 40}, "household_size": {1, 5},
				"amount": {2, 10}, "quantity": {5, 50}, "temperature": {14, 17}}[a.Code]
			if n[1] == 0 {
				n = [2]int{1, 10}
			}
			x := h.between(n[0], n[1])
			if a.Code == "amount" {
				x *= 500
			}
			v = []string{strconv.Itoa(x)}
		case linli.AttrDatetime:
			switch a.Code {
			case "since":
				v = []string{now.AddDate(-h.between(1, 10), -h.between(0, 11), 0).Format("2006-01-02")}
			case "left_job":
				v = []string{now.AddDate(0, -h.between(1, 6), 0).Format("2006-01-02")}
			case "seen":
				v = []string{now.Add(-h.minutes(60, 30*60)).Format("2006-01-02T15:04")}
			default:
				d := now.AddDate(0, 0, h.between(1, 7))
				v = []string{time.Date(d.Year(), d.Month(), d.Day(), h.pick2(9, 14), 30, 0, 0, loc).Format("2006-01-02T15:04")}
			}
		case linli.AttrString:
			switch a.Code {
			case "building":
				v = []string{h.fill("{b}号楼{u}单元")}
			case "address":
				v = []string{h.fill("{b}号楼{u}单元{f}0{r}")}
			case "other_party":
				v = []string{h.fill("{b}号楼{f}0{r}")}
			case "activity":
				v = []string{h.pick(activities)}
			case "period":
				v = []string{fmt.Sprintf("%d年%d月", now.Year(), int(now.Month()))}
			case "diet":
				v = []string{h.pick(diets)}
			default:
				v = []string{h.fill("{b}号楼{dir}侧")}
			}
		case linli.AttrText:
			switch a.Code {
			case "skills":
				v = []string{h.pick(skills)}
			case "purpose":
				v = []string{h.pick(purposes)}
			default:
				v = []string{h.pick(situations)}
			}
		}
		out[a.Code] = v
	}
	return out
}

func (h *history) pick2(a, b int) int {
	if h.r.IntN(2) == 0 {
		return a
	}
	return b
}

// priority draws a request's priority from its service.
func (h *history) priority(sv linli.Service) linli.Priority {
	x := h.r.IntN(100)
	switch sv.Code {
	case "REPAIR-LIFT":
		if x < 10 {
			return linli.PriorityCritical // someone trapped
		}
		if x < 35 {
			return linli.PriorityUrgent
		}
	case "REPAIR-DRAIN", "AID-TEMPORARY":
		if x < 3 {
			return linli.PriorityCritical
		}
		if x < 25 {
			return linli.PriorityUrgent
		}
	case "SAFETY-HAZARD", "SAFETY-FIRE-LANE", "REPAIR-HEATING":
		if x < 3 {
			return linli.PriorityCritical
		}
		if x < 15 {
			return linli.PriorityUrgent
		}
	}
	if sv.Group == "repair" || sv.Group == "environment" {
		if x >= 97 {
			return linli.PriorityUrgent
		}
	}
	return linli.PriorityNormal
}

// arrive takes in a request. dupOf is the order a duplicate report is
// about (nil for a new matter).
func (h *history) arrive(ch linli.Channel, c *hcomm, dupOf *horder) error {
	ho := &horder{comm: c, creator: c.clerk, done: map[string]bool{}}
	grid := c.grids[h.r.IntN(len(c.grids))]
	switch {
	case dupOf != nil:
		ho.svc = dupOf.svc
		grid = linli.Area{ID: dupOf.o.AreaID}
	case ch == linli.ChannelWeb:
		ho.self = true
		ho.creator = h.residents[h.r.IntN(len(h.residents))]
		ho.svc = h.service(ch, true)
	case ch == linli.ChannelPatrol && c.area.ID == h.gridA1.ParentID:
		ho.creator, grid = h.gridUser, h.gridA1
		ho.svc = h.service(ch, false)
	default:
		ho.svc = h.service(ch, false)
	}
	pr := h.priority(ho.svc)
	texts := requestTexts[ho.svc.Code]
	desc := h.fill(h.pick(texts))
	if dupOf != nil {
		pr = linli.PriorityNormal
		desc = dupOf.o.Description + "（又有居民反映）"
	}
	addr := c.area.Name + " " + h.fill("{b}号楼")
	if dupOf != nil {
		addr = dupOf.o.Address
	}
	in := linli.WorkOrderInput{
		ServiceCode: ho.svc.Code, Channel: ch, Priority: pr, AreaID: grid.ID,
		Address: addr, Description: desc, Answers: h.answers(ho.svc, pr),
		Title: ho.svc.NameZh,
	}
	switch {
	case ho.self:
	case ho.svc.Anonymous && h.chance(25):
		in.Anonymous = true
	case ch == linli.ChannelPatrol:
		in.ContactName = "网格巡查"
	default:
		in.ContactName, in.ContactPhone = h.name(), h.phone()
	}
	if (ho.svc.Group == "repair" || ho.svc.Group == "environment" || ho.svc.Group == "safety") && h.chance(40) {
		in.HasPoint, in.Lat, in.Lon = true, 39.915+h.r.Float64()*0.03, 116.400+h.r.Float64()*0.03
	}
	o, _, err := h.s.CreateWorkOrder(h.ctx, ho.creator, in)
	if err != nil {
		return fmt.Errorf("demo: create a %s order as %s: %w", ho.svc.Code, ho.creator.Username, err)
	}
	ho.o = o
	h.res.Orders++
	h.watch(ho)
	if dupOf != nil {
		h.at(h.later(ho, h.now, 5, 40), func() error { return h.merge(ho, dupOf) })
		return nil
	}
	ho.fate = h.fate(ho)
	if h.end.Sub(h.now) < 6*time.Hour && ho.fate != fateAnswer && h.chance(40) {
		ho.fate = fateSlowDispatch // the newest wait in the queue
	}
	// A few matters are reported again by neighbours.
	if !ho.self && ho.fate != fateVoid && (ho.svc.Group == "repair" || ho.svc.Group == "environment" || ho.svc.Group == "safety") && h.chance(6) {
		for k := h.between(1, 3); k > 0; k-- {
			h.at(h.now.Add(h.minutes(60, 20*60)), func() error { return h.arrive(linli.ChannelPhone, c, ho) })
		}
	}
	return h.begin(ho)
}

// fate draws how an order's life goes.
func (h *history) fate(ho *horder) fate {
	if len(ho.svc.Answers) > 0 && h.chance(80) || h.chance(directShare[ho.svc.Code]) {
		return fateAnswer
	}
	if ho.o.Priority != linli.PriorityNormal {
		if h.chance(8) {
			return fateOverdue
		}
		return fateNormal
	}
	switch x := h.r.Float64() * 100; {
	case x < 1.5:
		return fateVoid
	case x < 4.5:
		return fateWithdraw
	case x < 8.5:
		return fateReturn
	case x < 10.5:
		return fateReturnRejected
	case x < 15.5:
		return fateExtension
	case x < 18 && (ho.svc.Group == "repair" || ho.svc.Group == "environment"):
		return fateDefer
	case x < 26:
		return fateOverdue
	case x < 30:
		return fateSlowDispatch
	}
	return fateNormal
}

// begin plans the first step after intake.
func (h *history) begin(ho *horder) error {
	clerk := ho.comm.clerk
	switch ho.fate {
	case fateAnswer:
		h.at(h.later(ho, h.now, 2, 15), func() error {
			var note string
			if len(ho.svc.Answers) > 0 {
				note = ho.svc.Answers[h.r.IntN(len(ho.svc.Answers))].Answer
			} else {
				note = h.pick(directAnswers[ho.svc.Code])
			}
			if err := h.act(ho, clerk, linli.WOActionInput{Action: linli.ActAnswer, Note: note, Public: true}); err != nil {
				return err
			}
			if h.chance(20) {
				h.at(h.work(h.now, h.minutes(8*60, 60*60)), func() error {
					return h.act(ho, clerk, linli.WOActionInput{Action: linli.ActArchive})
				})
			}
			return nil
		})
	case fateVoid:
		h.at(h.later(ho, h.now, 5, 60), func() error {
			return h.act(ho, clerk, linli.WOActionInput{Action: linli.ActVoid, Note: h.pick(voidNotes)})
		})
	case fateSlowDispatch:
		h.at(h.work(h.now, h.minutes(6*60, 16*60)), func() error { return h.dispatch(ho, 0, "") })
	default:
		if ho.fate == fateWithdraw && h.chance(40) {
			h.at(h.later(ho, h.now, 10, 90), func() error { return h.withdraw(ho) })
			return nil
		}
		h.at(h.later(ho, h.now, 10, 90), func() error { return h.dispatch(ho, 0, "") })
	}
	return nil
}

// act applies an action and plans the timer runs of the result.
func (h *history) act(ho *horder, a linli.Actor, in linli.WOActionInput) error {
	o, err := h.s.Act(h.ctx, a, ho.o.ID, in)
	if err != nil {
		return fmt.Errorf("demo: %s %s (%s, %s) as %s: %w", in.Action, ho.o.Number, ho.svc.Code, ho.o.State, a.Username, err)
	}
	ho.o = o
	h.watch(ho)
	return nil
}

// handler is who works for the order's lead unit.
func (h *history) handler(ho *horder) (linli.Actor, bool) {
	a, ok := h.handlers[ho.o.LeadUnitID]
	return a, ok
}

// supervisor is the supervisor of the order's street.
func (h *history) supervisor(ho *horder) linli.Actor { return h.streets[ho.comm.street].sup }

// dispatch sends the order to the map's unit (unit 0) or to unit with
// the clerk's reason.
func (h *history) dispatch(ho *horder, unit int64, note string) error {
	if ho.o.State != linli.WOAccepted {
		return nil
	}
	if err := h.act(ho, ho.comm.clerk, linli.WOActionInput{Action: linli.ActDispatch, UnitID: unit, Note: note}); err != nil {
		return err
	}
	hd, ok := h.handler(ho)
	if !ok {
		return nil // nobody works there: it waits to be signed for
	}
	if (ho.fate == fateReturn || ho.fate == fateReturnRejected) && !ho.done["return"] {
		if ho.o.LeadUnitID != ho.comm.committee {
			ho.done["return"] = true
			h.at(h.later(ho, h.now, 30, 180), func() error {
				if err := h.act(ho, hd, linli.WOActionInput{Action: linli.ActRequestReturn, Note: h.pick(returnNotes)}); err != nil {
					return err
				}
				h.at(h.later(ho, h.now, 20, 180), func() error { return h.decideReturn(ho) })
				return nil
			})
			return nil
		}
	}
	slow := h.chance(8) || h.end.Sub(h.now) < 8*time.Hour && h.chance(40)
	t := h.later(ho, h.now, 15, 240)
	if slow {
		t = h.work(h.now, h.minutes(8*60, 16*60))
	}
	h.at(t, func() error { return h.sign(ho) })
	return nil
}

// decideReturn: the clerk approves a return and re-dispatches to the
// right unit, or rejects it.
func (h *history) decideReturn(ho *horder) error {
	clerk := ho.comm.clerk
	if ho.fate == fateReturnRejected {
		if err := h.act(ho, clerk, linli.WOActionInput{Action: linli.ActRejectReturn, Note: h.pick(rejectNotes)}); err != nil {
			return err
		}
		h.at(h.later(ho, h.now, 15, 120), func() error { return h.sign(ho) })
		return nil
	}
	old := ho.o.LeadUnitID
	if err := h.act(ho, clerk, linli.WOActionInput{Action: linli.ActApproveReturn}); err != nil {
		return err
	}
	alt := h.alternative(ho, old)
	h.at(h.later(ho, h.now, 10, 60), func() error { return h.dispatch(ho, alt, h.pick(redispatch)) })
	return nil
}

// alternative is the unit a returned order goes to instead of old: the
// community's property company, the street office, or a department of
// the service's group.
func (h *history) alternative(ho *horder, old int64) int64 {
	var cands []int64
	if p := h.property[ho.comm.area.ID]; p != 0 && ho.svc.Group == "repair" {
		cands = append(cands, p)
	}
	cands = append(cands, h.streets[ho.comm.street].office)
	cands = append(cands, h.byGroup[ho.svc.Group]...)
	for _, c := range cands {
		if c != old {
			if _, ok := h.handlers[c]; ok {
				return c
			}
		}
	}
	return ho.comm.committee
}

// sign: the unit signs for the order, then works on it.
func (h *history) sign(ho *horder) error {
	if ho.o.State != linli.WODispatched {
		return nil
	}
	hd, ok := h.handler(ho)
	if !ok {
		return nil
	}
	if err := h.act(ho, hd, linli.WOActionInput{Action: linli.ActSign}); err != nil {
		return err
	}
	if ho.o.State == linli.WOInProgress && ho.o.Priority != linli.PriorityCritical && h.chance(30) {
		h.at(h.later(ho, h.now, 20, 180), func() error {
			if ho.o.State != linli.WOInProgress {
				return nil
			}
			if err := h.act(ho, hd, linli.WOActionInput{Action: linli.ActContact, Note: "已电话联系诉求人，约定处理时间。"}); err != nil {
				return err
			}
			h.work2(ho)
			return nil
		})
		return nil
	}
	h.work2(ho)
	return nil
}

// work2 plans what the unit does next while the clock runs, by fate.
func (h *history) work2(ho *horder) {
	due := ho.o.DueAt
	switch {
	case ho.fate == fateWithdraw && !ho.done["withdraw"]:
		h.at(h.within(ho, h.now, due, 0.1, 0.5), func() error { return h.withdraw(ho) })
	case ho.fate == fateExtension && !ho.done["extension"]:
		ho.done["extension"] = true
		h.at(h.within(ho, h.now, due, 0.4, 0.8), func() error { return h.extend(ho) })
	case ho.fate == fateDefer && !ho.done["defer"]:
		ho.done["defer"] = true
		h.at(h.within(ho, h.now, due, 0.2, 0.6), func() error { return h.deferOrder(ho) })
	case ho.fate == fateOverdue && !ho.done["late"]:
		ho.done["late"] = true
		late := h.work(due, h.minutes(2*60, 3*8*60))
		if ho.o.Priority != linli.PriorityNormal {
			late = due.Add(h.minutes(60, 30*60))
		}
		if h.chance(35) {
			return // never within the history: still overdue at the end
		}
		h.at(late, func() error { return h.resolve(ho) })
	default:
		lo, hi := 0.1, 0.85
		if ho.svc.Group == "certificate" || ho.svc.Group == "venue" {
			lo, hi = 0.05, 0.4
		}
		h.at(h.within(ho, h.now, due, lo, hi), func() error { return h.resolve(ho) })
	}
}

// withdraw: the requester (their account, or a clerk on their behalf)
// withdraws the order.
func (h *history) withdraw(ho *horder) error {
	if _, ok := linli.Transitions[ho.o.State][linli.ActWithdraw]; !ok {
		return nil
	}
	ho.done["withdraw"] = true
	a := ho.comm.clerk
	if ho.self {
		a = ho.creator
	}
	return h.act(ho, a, linli.WOActionInput{Action: linli.ActWithdraw, Note: h.pick(withdrawals), Public: true})
}

// extend: the unit asks for more time; the supervisor grants or denies.
func (h *history) extend(ho *horder) error {
	if _, ok := linli.Transitions[ho.o.State][linli.ActRequestExtension]; !ok {
		return nil
	}
	hd, _ := h.handler(ho)
	newDue := h.cal.AddWorkingDays(ho.o.DueAt, h.between(3, 7))
	if err := h.act(ho, hd, linli.WOActionInput{Action: linli.ActRequestExtension, Note: h.pick(extendNotes), NewDue: newDue}); err != nil {
		return err
	}
	h.at(h.work(h.now, h.minutes(30, 6*60)), func() error {
		if ho.o.State != linli.WOExtensionRequested {
			return nil
		}
		if h.chance(75) {
			if err := h.act(ho, h.supervisor(ho), linli.WOActionInput{Action: linli.ActGrantExtension, Note: "同意延期。"}); err != nil {
				return err
			}
			h.res.Extended++
		} else {
			if err := h.act(ho, h.supervisor(ho), linli.WOActionInput{Action: linli.ActDenyExtension, Note: "理由不充分，请按原时限办理。"}); err != nil {
				return err
			}
		}
		h.at(h.within(ho, h.now, ho.o.DueAt, 0.3, 1.1), func() error { return h.resolve(ho) })
		return nil
	})
	return nil
}

// deferOrder: the supervisor approves 挂账; half are resumed later.
func (h *history) deferOrder(ho *horder) error {
	if _, ok := linli.Transitions[ho.o.State][linli.ActDefer]; !ok {
		return nil
	}
	if err := h.act(ho, h.supervisor(ho), linli.WOActionInput{Action: linli.ActDefer, Note: h.pick(deferNotes), Public: true}); err != nil {
		return err
	}
	h.res.Deferred++
	if h.chance(50) {
		h.at(h.cal.AddWorkingDays(h.now, h.between(5, 15)), func() error {
			if ho.o.State != linli.WODeferred {
				return nil
			}
			if err := h.act(ho, h.supervisor(ho), linli.WOActionInput{Action: linli.ActResume, Note: "具备实施条件，恢复办理。"}); err != nil {
				return err
			}
			h.at(h.within(ho, h.now, ho.o.DueAt, 0.2, 0.8), func() error { return h.resolve(ho) })
			return nil
		})
	}
	return nil
}

// resolve: the unit replies and closes its work; then the rating (or
// none: closed unrated by the timer).
func (h *history) resolve(ho *horder) error {
	if _, ok := linli.Transitions[ho.o.State][linli.ActResolve]; !ok {
		return nil
	}
	hd, ok := h.handler(ho)
	if !ok {
		return nil
	}
	if err := h.act(ho, hd, linli.WOActionInput{Action: linli.ActResolve, Note: h.pick(replies[ho.svc.Group])}); err != nil {
		return err
	}
	if h.chance(15) {
		return nil // nobody rates it
	}
	t := h.work(h.now, h.minutes(2*60, 14*60))
	if ho.self {
		t = h.now.Add(h.minutes(60, 30*60))
	}
	h.at(t, func() error { return h.rate(ho) })
	return nil
}

// rating draws a level: about 92 % satisfied on a first rating.
func (h *history) rating(second bool) int {
	x := h.r.IntN(100)
	if second {
		switch {
		case x < 30:
			return 5
		case x < 70:
			return 4
		case x < 88:
			return 3
		case x < 98:
			return 2
		}
		return 1
	}
	switch {
	case x < 48:
		return 5
	case x < 80:
		return 4
	case x < 92:
		return 3
	case x < 98:
		return 2
	}
	return 1
}

// rate: the requester rates on the web, or a clerk calls back. An
// unsatisfied first rating reopens the order (services with ReopenOnBad).
func (h *history) rate(ho *horder) error {
	a := ho.comm.clerk
	if ho.self {
		a = ho.creator
	}
	// The timer may have closed it unrated meanwhile (after a long
	// holiday).
	if h.now.Sub(ho.o.ResolvedAt) >= 7*24*time.Hour {
		cur, err := h.s.WorkOrder(h.ctx, a, ho.o.ID)
		if err != nil {
			return err
		}
		ho.o = cur
	}
	if ho.o.State != linli.WOResolved {
		return nil
	}
	second := ho.o.Ratings > 0
	lvl := h.rating(second)
	in := linli.WOActionInput{Action: linli.ActRate, Rating: lvl, Solved: lvl >= linli.RatingNeutral, Channel: "callback"}
	if ho.self {
		in.Channel = "web"
	}
	if lvl >= linli.RatingNeutral {
		in.Note = h.pick(rateGood)
		in.RatingTags = []string{h.pick(tagsGood)}
	} else {
		in.Note = h.pick(rateBad)
		in.RatingTags = []string{h.pick(tagsBad)}
	}
	if err := h.act(ho, a, in); err != nil {
		return err
	}
	switch ho.o.State {
	case linli.WOReopened:
		// The clerk calls the requester back within a working day; the
		// unit works on it again.
		h.at(h.work(h.now, h.minutes(30, 6*60)), func() error { return h.callback(ho) })
		hd, _ := h.handler(ho)
		h.at(h.work(h.now, h.minutes(60, 4*60)), func() error {
			if ho.o.State != linli.WOReopened {
				return nil
			}
			if err := h.act(ho, hd, linli.WOActionInput{Action: linli.ActContact, Note: "已重新联系诉求人，再次上门查看。"}); err != nil {
				return err
			}
			h.at(h.within(ho, h.now, ho.o.DueAt, 0.2, 0.8), func() error { return h.resolve(ho) })
			return nil
		})
	case linli.WOVerified:
		if h.chance(20) {
			h.at(h.work(h.now, h.minutes(3*8*60, 10*8*60)), func() error {
				if ho.o.State != linli.WOVerified {
					return nil
				}
				return h.act(ho, ho.comm.clerk, linli.WOActionInput{Action: linli.ActArchive})
			})
		}
	}
	return nil
}

// callback: the clerk completes the order's call-back task.
func (h *history) callback(ho *horder) error {
	cbs, err := h.s.Callbacks(h.ctx, ho.comm.clerk)
	if err != nil {
		return err
	}
	for _, cb := range cbs {
		if cb.OrderID == ho.o.ID {
			return h.s.CompleteCallback(h.ctx, ho.comm.clerk, cb.ID, h.pick(callbacks))
		}
	}
	return nil
}

// merge: the clerk finds the report is a duplicate of an open order and
// merges it; when that order is closed already, the report is handled
// on its own.
func (h *history) merge(dup, orig *horder) error {
	cur, err := h.s.WorkOrder(h.ctx, dup.comm.clerk, orig.o.ID)
	if err != nil {
		return err
	}
	if cur.State.Open() && dup.o.State == linli.WOAccepted {
		return h.act(dup, dup.comm.clerk, linli.WOActionInput{Action: linli.ActMarkDuplicate, DuplicateOf: orig.o.ID,
			Note: "与" + orig.o.Number + "为同一问题，合并办理。"})
	}
	dup.fate = fateNormal
	return h.begin(dup)
}

// summarise counts the orders by state at the end.
func (h *history) summarise() error {
	a := linli.NewActor(0, "demo", []linli.Role{linli.RoleDistrictAdmin}, linli.Scope{AreaIDs: []int64{h.district.ID}, Paths: []string{h.district.Path}})
	var after int64
	for {
		page, err := h.s.ListWorkOrders(h.ctx, a, store.WOFilter{AfterID: after, Limit: 200})
		if err != nil {
			return err
		}
		for _, o := range page {
			h.res.States[o.State]++
			if o.Overdue {
				h.res.Overdue++
			}
			if o.Unrated {
				h.res.Unrated++
			}
			if o.Reopens > 0 {
				h.res.Reopened++
			}
			if o.Returns > 0 {
				h.res.Returned++
			}
			if o.State == linli.WODuplicate {
				h.res.Merged++
			}
			if o.Ratings > 0 {
				h.res.Rated++
				if linli.Satisfied(o.Rating) {
					h.res.Satisfied++
				}
			}
			after = o.ID
		}
		if len(page) < 200 {
			return nil
		}
	}
}
