package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// woFixture: a community with a clerk, two units (the map's choice and
// the right one), a supervisor, and a repair service.
type woFixture struct {
	tr                    tree
	clerk, sup            linli.Actor
	wrongUnit, unit       linli.OrgUnit
	wrongStaff, unitStaff linli.Actor
	svc                   linli.Service
}

func mustWOFixture(t *testing.T, s *store.Store) woFixture {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	var f woFixture
	f.tr = mustTree(t, s)
	var err error
	if f.wrongUnit, err = s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东华门街道办事处", Kind: "street_office", AreaID: f.tr.s1.ID}); err != nil {
		t.Fatal(err)
	}
	if f.unit, err = s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷物业", Kind: "property_company", AreaID: f.tr.a.ID}); err != nil {
		t.Fatal(err)
	}
	f.clerk = actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.a)
	f.sup = actorOn([]linli.Role{linli.RoleStreetStaff}, f.tr.s1)
	f.wrongStaff = actorOn([]linli.Role{linli.RoleDeptStaff}, f.tr.district)
	f.wrongStaff.OrgUnitID = f.wrongUnit.ID
	f.unitStaff = actorOn([]linli.Role{linli.RoleDeptStaff}, f.tr.district)
	f.unitStaff.OrgUnitID = f.unit.ID
	admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, f.tr.district)
	f.svc, err = s.SaveService(ctx, admin, linli.Service{
		Code: "REPAIR-PUBLIC", NameZh: "公共区域维修", NameEn: "Repairs in public areas", Group: "repair", Duty: linli.DutyOwn,
		DefaultUnitID: f.wrongUnit.ID, Public: true, ReopenOnBad: true,
		Deadlines: map[linli.Priority]linli.Deadline{
			linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays}, linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours},
			linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}},
		Attrs: []linli.ServiceAttr{
			{Code: "what", Datatype: linli.AttrSingleValue, Required: true, Variable: true, Order: 1, Description: "损坏设施",
				Values: []linli.AttrValue{{Key: "light", Name: "楼道灯"}, {Key: "lift", Name: "电梯"}}},
			{Code: "floors", Datatype: linli.AttrMultiValue, Variable: true, Order: 2, Description: "楼层",
				Values: []linli.AttrValue{{Key: "1", Name: "一层"}, {Key: "2", Name: "二层"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustAct(t *testing.T, s *store.Store, a linli.Actor, o linli.WorkOrder, in linli.WOActionInput) linli.WorkOrder {
	t.Helper()
	got, err := s.Act(context.Background(), a, o.ID, in)
	if err != nil {
		t.Fatalf("Act(%s from %s) = %v", in.Action, o.State, err)
	}
	return got
}

// The whole loop of issue 4's journeys (b) and (c): dispatch to the
// wrong unit, return, re-dispatch, sign (the clock starts), resolve,
// an unsatisfied rating reopens it with a call-back task.
func TestWorkOrderLoop(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		in := linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "王大爷", ContactPhone: "13812345678", AreaID: f.tr.gridA.ID,
			Description: "3号楼2单元楼道灯不亮", Answers: map[string][]string{"what": {"light"}}, IdempotencyKey: "k-1"}
		o, created, err := s.CreateWorkOrder(ctx, f.clerk, in)
		if err != nil || !created {
			t.Fatalf("CreateWorkOrder = %v, %v", created, err)
		}
		if o.State != linli.WOAccepted || len(o.Number) != len("GD20260302000001") || o.ContactPhone != "138****5678" || o.DueAt.IsZero() {
			t.Errorf("created %+v", o)
		}
		// A retried submit with the same key returns the same order.
		again, created, err := s.CreateWorkOrder(ctx, f.clerk, in)
		if err != nil || created || again.ID != o.ID {
			t.Errorf("retry = %d, created %v, %v; want order %d, not created", again.ID, created, err, o.ID)
		}
		// Dispatch without a unit takes the map's (the service's default).
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch})
		if o.State != linli.WODispatched || o.LeadUnitID != f.wrongUnit.ID {
			t.Fatalf("dispatched to %d (%s), want %d", o.LeadUnitID, o.State, f.wrongUnit.ID)
		}
		// The other unit cannot sign; the assigned one returns it.
		if _, err := s.Act(ctx, f.unitStaff, o.ID, linli.WOActionInput{Action: linli.ActSign}); !errors.Is(err, linli.ErrForbidden) {
			t.Errorf("sign by another unit = %v, want forbidden", err)
		}
		if _, err := s.Act(ctx, f.wrongStaff, o.ID, linli.WOActionInput{Action: linli.ActRequestReturn}); !errors.Is(err, linli.ErrInvalid) {
			t.Errorf("return without a reason = %v, want invalid", err)
		}
		o = mustAct(t, s, f.wrongStaff, o, linli.WOActionInput{Action: linli.ActRequestReturn, Note: "属物业管理范围"})
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActApproveReturn})
		if o.State != linli.WOAccepted || o.LeadUnitID != 0 || o.Returns != 1 {
			t.Fatalf("after approved return: %s unit %d returns %d", o.State, o.LeadUnitID, o.Returns)
		}
		// Overriding the map needs a reason.
		if _, err := s.Act(ctx, f.clerk, o.ID, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID}); !errors.Is(err, linli.ErrInvalid) {
			t.Errorf("override without a reason = %v, want invalid", err)
		}
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "物业负责楼道照明"})
		c.Advance(30 * time.Minute)
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActSign})
		// Signed Monday 09:30 Beijing, 3 working days: due at the close of Thursday.
		wantDue := time.Date(2026, 3, 5, 17, 30, 0, 0, time.FixedZone("CST", 8*3600))
		if o.State != linli.WOInProgress || !o.DueAt.Equal(wantDue) || o.SignedAt.IsZero() {
			t.Errorf("signed: %s due %s, want due %s", o.State, o.DueAt.In(wantDue.Location()), wantDue)
		}
		as, err := s.Assignments(ctx, f.clerk, o.ID)
		if err != nil || len(as) != 2 || as[0].UnitID != f.wrongUnit.ID || as[0].EndReason != "returned" || as[1].UnitID != f.unit.ID || !as[1].EndedAt.IsZero() {
			t.Errorf("Assignments = %+v, %v; want the returned one then the current one", as, err)
		}
		// Rating before resolution is refused by the table.
		if _, err := s.Act(ctx, f.clerk, o.ID, linli.WOActionInput{Action: linli.ActRate, Rating: 5}); !errors.Is(err, linli.ErrConflict) {
			t.Errorf("rate in progress = %v, want a conflict", err)
		}
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActResolve, Note: "已更换灯泡"})
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActRate, Rating: linli.RatingUnsatisfied, Note: "还是不亮", Channel: "callback"})
		if o.State != linli.WOReopened || o.Reopens != 1 || o.Ratings != 1 || o.LeadUnitID != f.unit.ID {
			t.Fatalf("after 不满意: %s reopens %d ratings %d unit %d", o.State, o.Reopens, o.Ratings, o.LeadUnitID)
		}
		cbs, err := s.Callbacks(ctx, f.clerk)
		if err != nil || len(cbs) != 1 || cbs[0].OrderID != o.ID {
			t.Errorf("Callbacks = %+v, %v; want one for the order", cbs, err)
		}
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActResolve, Note: "更换线路"})
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActRate, Rating: linli.RatingUnsatisfied})
		if o.State != linli.WOVerified || o.Ratings != 2 {
			t.Errorf("second rating: %s ratings %d; want verified, no second reopen", o.State, o.Ratings)
		}
		tl, err := s.Timeline(ctx, f.clerk, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range tl {
			kinds = append(kinds, e.Kind)
		}
		want := []string{"created", "dispatch", "request_return", "approve_return", "dispatch", "sign", "resolve", "rate", "reopen", "resolve", "rate"}
		if len(kinds) != len(want) {
			t.Fatalf("timeline %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Errorf("timeline %v, want %v", kinds, want)
				break
			}
		}
		// Nobody in community B sees it.
		other := actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b)
		if _, err := s.WorkOrder(ctx, other, o.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("WorkOrder as community B = %v, want not found", err)
		}
	})
}

// Bad input leaves nothing behind.
func TestWorkOrderBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		base := linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "王大爷", AreaID: f.tr.gridA.ID, Description: "灯不亮",
			Answers: map[string][]string{"what": {"light"}}}
		cases := []struct {
			name  string
			edit  func(in *linli.WorkOrderInput)
			field string
		}{
			{"unknown service", func(in *linli.WorkOrderInput) { in.ServiceCode = "NOPE" }, "service_code"},
			{"missing required attribute", func(in *linli.WorkOrderInput) { in.Answers = nil }, "attribute[what]"},
			{"value not in the list", func(in *linli.WorkOrderInput) { in.Answers["floors"] = []string{"9"} }, "attribute[floors]"},
			{"no description", func(in *linli.WorkOrderInput) { in.Description = " " }, "description"},
			{"no requester", func(in *linli.WorkOrderInput) { in.ContactName = "" }, "contact_name"},
			{"area out of scope", func(in *linli.WorkOrderInput) { in.AreaID = f.tr.gridB.ID }, "area"},
			{"bad phone", func(in *linli.WorkOrderInput) { in.ContactPhone = "1381234567" }, "contact_phone"},
		}
		for _, tc := range cases {
			in := base
			in.Answers = map[string][]string{"what": {"light"}}
			tc.edit(&in)
			_, _, err := s.CreateWorkOrder(ctx, f.clerk, in)
			var ve *linli.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != tc.field {
				t.Errorf("%s: CreateWorkOrder = %v, want a field error on %s", tc.name, err, tc.field)
			}
		}
		list, err := s.ListWorkOrders(ctx, f.clerk, store.WOFilter{})
		if err != nil || len(list) != 0 {
			t.Errorf("after bad input: %d orders, %v; want none", len(list), err)
		}
		if n, _ := s.PendingTimers(ctx); n != 0 {
			t.Errorf("after bad input: %d pending timers, want 0", n)
		}
	})
}

// Timers fire once, after a restart too, and not when the deadline moved.
func TestWorkOrderTimers(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		c.Advance(123456789 * time.Nanosecond) // times the databases keep to the microsecond
		o, _, err := s.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "李", AreaID: f.tr.gridA.ID,
			Description: "电梯异响", Priority: linli.PriorityCritical, Answers: map[string][]string{"what": {"lift"}}})
		if err != nil {
			t.Fatal(err)
		}
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "物业"})
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActSign})
		if got := o.DueAt.Sub(o.SignedAt); got != 2*time.Hour {
			t.Fatalf("特急 due after %s, want 2h", got)
		}
		if n, err := s.RunTimers(ctx, c.Now(), 100); err != nil || n != 0 {
			t.Errorf("RunTimers before anything is due = %d, %v", n, err)
		}
		c.Advance(3 * time.Hour)
		// The warning fires and sets the deadline's timer, which fires next.
		if n, err := s.RunTimers(ctx, c.Now(), 100); err != nil || n != 1 {
			t.Errorf("RunTimers after the deadline = %d, %v; want the warning", n, err)
		}
		if n, err := s.RunTimers(ctx, c.Now(), 100); err != nil || n != 1 {
			t.Errorf("RunTimers again = %d, %v; want the overdue reminder", n, err)
		}
		if n, err := s.RunTimers(ctx, c.Now(), 100); err != nil || n != 0 {
			t.Errorf("RunTimers a third time = %d, %v; want nothing (each fires once)", n, err)
		}
		o, _ = s.WorkOrder(ctx, f.clerk, o.ID)
		if !o.Overdue || o.Light(c.Now()) != "red" {
			t.Errorf("overdue = %v light %q, want flagged red", o.Overdue, o.Light(c.Now()))
		}
		counts, err := s.QueueCounts(ctx, f.unitStaff, 0, c.Now())
		if err != nil || counts[store.QueueOverdue] != 1 || counts[store.QueueInProgress] != 1 || counts[store.QueueToSign] != 0 {
			t.Errorf("QueueCounts = %v, %v; want 1 in progress, 1 overdue", counts, err)
		}
		q, err := s.UnitQueue(ctx, f.unitStaff, 0, store.QueueOverdue, c.Now(), 20)
		if err != nil || len(q) != 1 || q[0].ID != o.ID {
			t.Errorf("UnitQueue(overdue) = %d orders, %v; want the order", len(q), err)
		}
		board, err := s.OverdueBoard(ctx, f.sup, c.Now(), 20)
		if err != nil || len(board) != 1 {
			t.Errorf("OverdueBoard = %d, %v; want the order", len(board), err)
		}
		// An extension moves the deadline: the escalation timer set for
		// the old one is cancelled.
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActRequestExtension, Note: "需更换配件", NewDue: c.Now().Add(48 * time.Hour)})
		o = mustAct(t, s, f.sup, o, linli.WOActionInput{Action: linli.ActGrantExtension})
		if o.Overdue || o.State != linli.WOInProgress {
			t.Errorf("after the extension: overdue %v state %s", o.Overdue, o.State)
		}
		c.Advance(24 * time.Hour)
		if n, _ := s.RunTimers(ctx, c.Now(), 100); n != 0 {
			t.Errorf("RunTimers after the old escalation time = %d, want 0 (its deadline moved)", n)
		}
		tl, _ := s.Timeline(ctx, f.clerk, o.ID)
		var reminded, escalated int
		for _, e := range tl {
			switch e.Kind {
			case "reminded":
				reminded++
			case "escalated":
				escalated++
			}
		}
		if reminded != 1 || escalated != 0 {
			t.Errorf("timeline has %d reminders and %d escalations, want 1 and 0", reminded, escalated)
		}
	})
}

func kpiOf(t *testing.T, row store.KPIRow, code string) store.KPIValue {
	t.Helper()
	for _, v := range row.Values {
		if v.Code == code {
			return v
		}
	}
	t.Fatalf("no KPI %s", code)
	return store.KPIValue{}
}

// The KPIs count the loop's return and reopen, from the roll-ups; a
// rebuild from the event log gives the same figures.
func TestWorkOrderKPIs(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		o, _, err := s.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "王", AreaID: f.tr.gridA.ID,
			Description: "楼道灯", Answers: map[string][]string{"what": {"light"}}})
		if err != nil {
			t.Fatal(err)
		}
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch})
		o = mustAct(t, s, f.wrongStaff, o, linli.WOActionInput{Action: linli.ActRequestReturn, Note: "不属本单位"})
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActApproveReturn})
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "物业"})
		c.Advance(time.Hour)
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActSign})
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActResolve, Note: "已修"})
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActRate, Rating: 1})
		o = mustAct(t, s, f.unitStaff, o, linli.WOActionInput{Action: linli.ActResolve, Note: "再修"})
		_ = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActRate, Rating: 5, Solved: true})
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		check := func(when string) {
			r, err := s.KPIs(ctx, f.sup, day, day.AddDate(0, 1, 0))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []struct {
				code      string
				num, base int64
			}{{"returns", 1, 2}, {"reopens", 1, 2}, {"satisfaction", 1, 2}, {"resolution", 1, 2}, {"response", 3600, 1}, {"on_time", 2, 2}, {"direct", 0, 1}} {
				v := kpiOf(t, r.Total, w.code)
				if v.Num != w.num || v.Base != w.base {
					t.Errorf("%s: KPI %s = %d/%d, want %d/%d", when, w.code, v.Num, v.Base, w.num, w.base)
				}
			}
			if len(r.ByUnit) != 2 {
				t.Errorf("%s: %d unit rows, want 2", when, len(r.ByUnit))
			}
			for _, row := range r.ByUnit {
				if row.Key == f.wrongUnit.ID && kpiOf(t, row, "returns").Num != 1 {
					t.Errorf("%s: the returning unit's returns = %+v", when, kpiOf(t, row, "returns"))
				}
				if kpiOf(t, row, "returns").Ranked {
					t.Errorf("%s: a rate on a base of 1 is ranked", when)
				}
			}
			// Outside the period: nothing.
			r, _ = s.KPIs(ctx, f.sup, day.AddDate(0, 1, 0), day.AddDate(0, 2, 0))
			if v := kpiOf(t, r.Total, "returns"); v.Base != 0 {
				t.Errorf("%s: next month's returns base = %d, want 0", when, v.Base)
			}
		}
		check("rolled up")
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, f.tr.district)
		if err := s.RebuildKPI(ctx, admin); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
		// A mid-month period reads the daily roll-up.
		r, _ := s.KPIs(ctx, f.sup, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2))
		if v := kpiOf(t, r.Total, "returns"); v.Num != 1 || v.Base != 2 {
			t.Errorf("one day: returns = %d/%d, want 1/2", v.Num, v.Base)
		}
	})
}
