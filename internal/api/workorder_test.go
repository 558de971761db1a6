package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// woFixture is the API over the test tree with a repair service and two
// units: the street office (the service's default, the wrong one) and the
// property company of community A (the right one); a clerk of A, a clerk
// of B, the staff of each unit, a street supervisor and the district
// admin (service.admin).
type woFixture struct {
	*fixture
	clerk, clerkB, sup, admin *linli.Actor
	wrongStaff, unitStaff     *linli.Actor
	wrongUnit, unit           linli.OrgUnit
}

const woPhone = "13812345678"

func newWOFixture(t *testing.T) *woFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "api.db"), store.Options{Keys: seal.Generate()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, logs: &bytes.Buffer{}}
	f.h = New(Deps{Store: st, Logger: testLogger(f.logs)})
	f.tr = mustTree(t, st)
	w := &woFixture{fixture: f}
	con := linli.ConsoleActor()
	if w.wrongUnit, err = st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东华门街道办事处", Kind: "street_office", AreaID: f.tr.s1.ID}); err != nil {
		t.Fatal(err)
	}
	if w.unit, err = st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷物业", Kind: "property_company", AreaID: f.tr.a.ID}); err != nil {
		t.Fatal(err)
	}
	w.clerk = actorOn(0, "clerk.a", []linli.Role{linli.RoleCommunityWorker}, f.tr.a)
	w.clerkB = actorOn(0, "clerk.b", []linli.Role{linli.RoleCommunityWorker}, f.tr.b)
	w.sup = actorOn(0, "sup.s1", []linli.Role{linli.RoleStreetStaff}, f.tr.s1)
	w.admin = districtAdmin(f.tr)
	w.wrongStaff = actorOn(0, "office.staff", []linli.Role{linli.RoleDeptStaff}, f.tr.district)
	w.wrongStaff.OrgUnitID = w.wrongUnit.ID
	w.unitStaff = actorOn(0, "property.staff", []linli.Role{linli.RoleDeptStaff}, f.tr.district)
	w.unitStaff.OrgUnitID = w.unit.ID
	_, err = st.SaveService(ctx, *w.admin, linli.Service{
		Code: "REPAIR-PUBLIC", NameZh: "公共区域维修", NameEn: "Repairs in public areas", Group: "repair", Duty: linli.DutyOwn,
		DefaultUnitID: w.wrongUnit.ID, Public: true, ReopenOnBad: true,
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
	return w
}

// order is a valid new order in grid A.
func (w *woFixture) order() map[string]any {
	return map[string]any{
		"service_code": "REPAIR-PUBLIC", "area_id": w.tr.gridA.ID, "description": "3号楼2单元楼道灯不亮",
		"contact": map[string]any{"name": "王大爷", "phone": woPhone},
		"answers": map[string][]string{"what": {"light"}, "floors": {"1", "2"}},
	}
}

// create posts an order, with an Idempotency-Key when key is not "".
func (w *woFixture) create(t *testing.T, a *linli.Actor, body any, key string) *httptest.ResponseRecorder {
	t.Helper()
	b, err := jsonBytes(body)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/work-orders", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set(idempotencyHeader, key)
	}
	return serve(w.h, a, r)
}

func jsonBytes(body any) ([]byte, error) {
	if s, ok := body.(string); ok {
		return []byte(s), nil
	}
	return json.Marshal(body)
}

// decodeBody decodes a response body, whatever its status.
func decodeBody(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
}

// act posts an action and decodes the order it answers with.
func (w *woFixture) act(t *testing.T, a *linli.Actor, id int64, body map[string]any) workOrderJSON {
	t.Helper()
	return mustJSON[workOrderJSON](t, w.send(t, a, http.MethodPost, woPath(id, "/actions"), body), http.StatusOK)
}

func woPath(id int64, suffix string) string {
	return fmt.Sprintf("/api/v1/work-orders/%d%s", id, suffix)
}

func TestCreateWorkOrderIdempotent(t *testing.T) {
	w := newWOFixture(t)
	rec := w.create(t, w.clerk, w.order(), "intake-7f3a")
	o := mustJSON[workOrderJSON](t, rec, http.StatusCreated)
	if loc := rec.Header().Get("Location"); loc != woPath(o.ID, "") {
		t.Fatalf("Location = %q, want %s", loc, woPath(o.ID, ""))
	}
	if o.State != linli.WOAccepted || o.ServiceCode != "REPAIR-PUBLIC" || o.Channel != linli.ChannelCounter || o.Priority != linli.PriorityNormal ||
		!strings.HasPrefix(o.Number, "GD") || o.DueAt == nil || o.Light != "green" || !o.Open || o.AreaID != w.tr.gridA.ID ||
		strings.Join(o.Answers["floors"], ",") != "1,2" || o.Version != 1 {
		t.Fatalf("created %+v", o)
	}
	if o.ContactPhoneMasked != "138****5678" || strings.Contains(rec.Body.String(), woPhone) {
		t.Fatalf("the answer holds the phone unmasked: %s", rec.Body)
	}

	// A retry with the same key: the same order, 200, nothing new.
	rec = w.create(t, w.clerk, w.order(), "intake-7f3a")
	again := mustJSON[workOrderJSON](t, rec, http.StatusOK)
	if again.ID != o.ID || again.Number != o.Number || rec.Header().Get("Location") != woPath(o.ID, "") {
		t.Fatalf("retry = %d %s, want the first order %d %s", again.ID, again.Number, o.ID, o.Number)
	}
	list := mustJSON[page[workOrderItemJSON]](t, w.get(w.clerk, "/api/v1/work-orders"), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].ID != o.ID || list.Items[0].ContactPhoneMasked != "138****5678" {
		t.Fatalf("list after the retry = %+v, want the one order", list.Items)
	}
	// The timeline has one "created" event.
	tl := mustJSON[page[woEventJSON]](t, w.get(w.clerk, woPath(o.ID, "/timeline")), http.StatusOK)
	if len(tl.Items) != 1 || tl.Items[0].Kind != "created" {
		t.Fatalf("timeline = %+v", tl.Items)
	}
	// A key that is too long names the header.
	p := mustProblem(t, w.create(t, w.clerk, w.order(), strings.Repeat("k", 101)), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "Idempotency-Key=wo.idempotency.too_long" {
		t.Fatalf("long key = %s", got)
	}
	// Without a key, a second request is a second order.
	mustJSON[workOrderJSON](t, w.create(t, w.clerk, w.order(), ""), http.StatusCreated)
	if list = mustJSON[page[workOrderItemJSON]](t, w.get(w.clerk, "/api/v1/work-orders"), http.StatusOK); len(list.Items) != 2 {
		t.Fatalf("%d orders, want 2", len(list.Items))
	}
}

func TestCreateWorkOrderBadInput(t *testing.T) {
	w := newWOFixture(t)
	cases := []struct {
		name string
		edit func(m map[string]any)
		want string // field=code of the first error
	}{
		{"missing required attribute", func(m map[string]any) { m["answers"] = map[string][]string{"floors": {"1"}} }, "attribute[what]=wo.attr.required"},
		{"multivaluelist value not in the list", func(m map[string]any) { m["answers"] = map[string][]string{"what": {"light"}, "floors": {"1", "9"}} },
			"attribute[floors]=wo.attr.not_in_list"},
		{"singlevaluelist with two values", func(m map[string]any) { m["answers"] = map[string][]string{"what": {"light", "lift"}} }, "attribute[what]=wo.attr.one_value"},
		{"unknown service", func(m map[string]any) { m["service_code"] = "NO-SUCH" }, "service_code=wo.service.unknown"},
		{"no description", func(m map[string]any) { m["description"] = " " }, "description=field.required"},
		{"no requester", func(m map[string]any) { m["contact"] = map[string]any{} }, "contact.name=wo.contact.required"},
		{"bad phone", func(m map[string]any) { m["contact"] = map[string]any{"name": "王", "phone": "1381234567"} }, "contact.phone=person.phone.ten_digits"},
		{"area out of scope", func(m map[string]any) { m["area_id"] = w.tr.gridB.ID }, "area_id=wo.area.not_found"},
		{"unknown resident", func(m map[string]any) { m["requester_person_id"] = 999 }, "requester_person_id=wo.requester.not_found"},
		{"lat without lon", func(m map[string]any) { m["lat"] = 39.9 }, "lon=wo.point.invalid"},
		{"bad priority", func(m map[string]any) { m["priority"] = "asap" }, "priority=wo.priority.invalid"},
		{"anonymous not allowed", func(m map[string]any) { m["anonymous"] = true; m["contact"] = map[string]any{} }, "anonymous=wo.anonymous.not_allowed"},
	}
	for _, tc := range cases {
		m := w.order()
		tc.edit(m)
		p := mustProblem(t, w.create(t, w.clerk, m, "bad-"+tc.name), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || p.Errors[0].Field+"="+p.Errors[0].Code != tc.want {
			t.Errorf("%s: errors = %s, want first %s", tc.name, fieldCodes(p), tc.want)
			continue
		}
		if m := p.Errors[0].Message; m == "" || m == p.Errors[0].Code {
			t.Errorf("%s: no English message for %s", tc.name, p.Errors[0].Code)
		}
	}
	mustProblem(t, w.create(t, w.clerk, `{"service_code":"REPAIR-PUBLIC","colour":"red"}`, ""), http.StatusBadRequest)
	mustProblem(t, w.create(t, w.clerk, `{"answers":{"what":"light"}}`, ""), http.StatusBadRequest)
	// An admin without wo.intake takes no orders; a dept staff neither.
	mustProblem(t, w.create(t, w.unitStaff, w.order(), ""), http.StatusForbidden)
	if list := mustJSON[page[workOrderItemJSON]](t, w.get(w.clerk, "/api/v1/work-orders"), http.StatusOK); len(list.Items) != 0 {
		t.Fatalf("bad input left %d orders", len(list.Items))
	}
	var n int
	if err := w.st.DB().QueryRow(`SELECT COUNT(*) FROM work_orders`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("work_orders = %d, %v", n, err)
	}
}

// The whole loop through the API: dispatch to the map's (wrong) unit,
// return, re-dispatch with a reason, sign, a refused rating, a refused
// extension, resolve, an unsatisfied rating that reopens it with a
// call-back, resolve again, rate.
func TestWorkOrderFlowThroughAPI(t *testing.T) {
	w := newWOFixture(t)
	o := mustJSON[workOrderJSON](t, w.create(t, w.clerk, w.order(), "flow-1"), http.StatusCreated)

	o = w.act(t, w.clerk, o.ID, map[string]any{"action": "dispatch"})
	if o.State != linli.WODispatched || o.LeadUnitID == nil || *o.LeadUnitID != w.wrongUnit.ID || o.LeadUnitName != w.wrongUnit.Name {
		t.Fatalf("dispatched: %+v", o)
	}
	// Another unit may not sign for it (it sees the order through its
	// district scope); the clerk's role may not either.
	mustProblem(t, w.send(t, w.unitStaff, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "sign"}), http.StatusForbidden)
	mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "sign"}), http.StatusForbidden)
	p := mustProblem(t, w.send(t, w.wrongStaff, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "request_return"}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "note=wo.reason.required" {
		t.Fatalf("return without a reason = %s", got)
	}
	o = w.act(t, w.wrongStaff, o.ID, map[string]any{"action": "request_return", "note": "属物业管理范围"})
	o = w.act(t, w.clerk, o.ID, map[string]any{"action": "approve_return", "version": o.Version})
	if o.State != linli.WOAccepted || o.LeadUnitID != nil || o.Returns != 1 {
		t.Fatalf("after the approved return: %+v", o)
	}
	// A stale version is refused.
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "dispatch", "unit_id": w.unit.ID,
		"note": "物业", "version": o.Version - 1}), http.StatusConflict)
	if p.Code != "edit.stale" {
		t.Fatalf("stale version: %+v", p)
	}
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "dispatch", "unit_id": w.unit.ID}),
		http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "note=wo.override.reason" {
		t.Fatalf("override without a reason = %s", got)
	}
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "dispatch", "unit_id": 99999, "note": "x"}),
		http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "unit_id=service.unit.not_found" {
		t.Fatalf("unknown unit = %s", got)
	}
	o = w.act(t, w.clerk, o.ID, map[string]any{"action": "dispatch", "unit_id": w.unit.ID, "note": "物业负责楼道照明"})
	o = w.act(t, w.unitStaff, o.ID, map[string]any{"action": "sign"})
	if o.State != linli.WOInProgress || o.SignedAt == nil || o.DueAt == nil {
		t.Fatalf("signed: %+v", o)
	}

	// Rating before resolution: the table refuses it, naming the state.
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "rate", "rating": 5}), http.StatusConflict)
	if p.Code != "wo.transition" || !strings.Contains(p.Detail, "in_progress") {
		t.Fatalf("rate before resolve: %+v", p)
	}
	var st struct {
		State string `json:"state"`
	}
	decodeBody(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "rate", "rating": 5}), &st)
	if st.State != "in_progress" {
		t.Fatalf("409 state = %q, want in_progress", st.State)
	}
	// An extension needs a reason (and a later deadline).
	p = mustProblem(t, w.send(t, w.unitStaff, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "request_extension",
		"new_due": "2099-01-01T00:00:00Z"}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "note=wo.reason.required" {
		t.Fatalf("extension without a reason = %s", got)
	}
	p = mustProblem(t, w.send(t, w.unitStaff, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "request_extension",
		"note": "等配件", "new_due": "next week"}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "new_due=api.time.invalid" {
		t.Fatalf("extension with a bad date = %s", got)
	}
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "fix_it"}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "action=error.invalid" {
		t.Fatalf("unknown action = %s", got)
	}

	o = w.act(t, w.unitStaff, o.ID, map[string]any{"action": "resolve", "note": "已更换灯泡"})
	if o.State != linli.WOResolved || o.Reply != "已更换灯泡" || o.ResolvedAt == nil {
		t.Fatalf("resolved: %+v", o)
	}
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "rate", "rating": 9}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "rating=wo.rating.invalid" {
		t.Fatalf("rating 9 = %s", got)
	}
	o = w.act(t, w.clerk, o.ID, map[string]any{"action": "rate", "rating": linli.RatingUnsatisfied, "note": "还是不亮", "tags": []string{"slow"}})
	if o.State != linli.WOReopened || o.Reopens != 1 || o.Rating == nil || *o.Rating != 2 {
		t.Fatalf("after 不满意: %+v", o)
	}

	// The unsatisfied rating left a call-back task.
	cbs := mustJSON[page[callbackJSON]](t, w.get(w.clerk, "/api/v1/callbacks"), http.StatusOK)
	if len(cbs.Items) != 1 || cbs.Items[0].OrderID != o.ID || cbs.Items[0].Number != o.Number || cbs.Items[0].DoneAt != nil {
		t.Fatalf("callbacks = %+v", cbs.Items)
	}
	cb := cbs.Items[0]
	mustProblem(t, w.get(w.clerkB, "/api/v1/callbacks/"+fmt.Sprint(cb.ID)+"/complete"), http.StatusMethodNotAllowed)
	mustProblem(t, w.send(t, w.clerkB, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/complete", cb.ID), `{"junk":1}`), http.StatusNotFound)
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/complete", cb.ID), `{"note":" "}`), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "note=wo.reason.required" {
		t.Fatalf("call-back without a note = %s", got)
	}
	done := mustJSON[callbackJSON](t, w.send(t, w.clerk, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/complete", cb.ID), `{"note":"已致电，约好周三上门"}`), http.StatusOK)
	if done.DoneAt == nil || done.Note != "已致电，约好周三上门" {
		t.Fatalf("completed call-back = %+v", done)
	}
	p = mustProblem(t, w.send(t, w.clerk, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/complete", cb.ID), `{"note":"again"}`), http.StatusConflict)
	if p.Code != "api.callback.done" {
		t.Fatalf("complete twice = %+v", p)
	}

	// The unit's queue holds the reopened order.
	q := mustJSON[page[workOrderItemJSON]](t, w.get(w.unitStaff, "/api/v1/queue?tab=in_progress"), http.StatusOK)
	if len(q.Items) != 1 || q.Items[0].ID != o.ID {
		t.Fatalf("queue = %+v", q.Items)
	}
	p = mustProblem(t, w.get(w.unitStaff, "/api/v1/queue?tab=later"), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "tab=wo.queue.tab_invalid" {
		t.Fatalf("bad tab = %s", got)
	}
	mustProblem(t, w.get(w.unitStaff, "/api/v1/overdue"), http.StatusForbidden)
	if ov := mustJSON[page[workOrderItemJSON]](t, w.get(w.sup, "/api/v1/overdue"), http.StatusOK); len(ov.Items) != 0 {
		t.Fatalf("overdue = %+v", ov.Items)
	}

	o = w.act(t, w.unitStaff, o.ID, map[string]any{"action": "resolve", "note": "更换线路"})
	o = w.act(t, w.clerk, o.ID, map[string]any{"action": "rate", "rating": 5, "solved": true})
	if o.State != linli.WOVerified || o.Ratings != 2 || o.Open {
		t.Fatalf("verified: %+v", o)
	}

	tl := mustJSON[page[woEventJSON]](t, w.get(w.clerk, woPath(o.ID, "/timeline")), http.StatusOK)
	var kinds []string
	for _, e := range tl.Items {
		kinds = append(kinds, e.Kind)
	}
	want := "created,dispatch,request_return,approve_return,dispatch,sign,resolve,rate,reopen,resolve,rate"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("timeline = %s, want %s", strings.Join(kinds, ","), want)
	}
	as := mustJSON[page[assignmentJSON]](t, w.get(w.clerk, woPath(o.ID, "/assignments")), http.StatusOK)
	if len(as.Items) != 2 || as.Items[0].UnitID != w.wrongUnit.ID || as.Items[0].EndReason != "returned" || as.Items[1].UnitID != w.unit.ID ||
		as.Items[1].EndedAt != nil {
		t.Fatalf("assignments = %+v", as.Items)
	}

	// KPIs of this month in the street: one return of two dispatches, one
	// reopen of two resolutions.
	mustProblem(t, w.get(w.unitStaff, "/api/v1/kpis"), http.StatusForbidden) // a unit's staff has no kpi.read
	rep := mustJSON[kpiReportJSON](t, w.get(w.sup, "/api/v1/kpis"), http.StatusOK)
	vals := map[string]kpiValueJSON{}
	for _, v := range rep.Total.Values {
		vals[v.Code] = v
	}
	if v := vals["returns"]; v.Num != 1 || v.Base != 2 {
		t.Errorf("returns = %+v", v)
	}
	if v := vals["reopens"]; v.Num != 1 || v.Base != 2 {
		t.Errorf("reopens = %+v", v)
	}
	if len(rep.Definitions) != len(store.KPIDefs) || rep.Definitions[0].FormulaEn == "" || len(rep.ByUnit) != 2 || len(rep.ByCommunity) != 1 ||
		rep.ByCommunity[0].ID == nil || *rep.ByCommunity[0].ID != w.tr.a.ID {
		t.Errorf("report = %+v", rep)
	}
	p = mustProblem(t, w.get(w.sup, "/api/v1/kpis?from=2026-03-10&to=2026-03-01"), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "to=kpi.range.invalid" {
		t.Errorf("reversed period = %s", got)
	}
	p = mustProblem(t, w.get(w.sup, "/api/v1/kpis?from=March"), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "from=api.date.invalid" {
		t.Errorf("bad from = %s", got)
	}
}

// An order outside the caller's scope does not exist: every route that
// names it answers 404, before looking at the body.
func TestWorkOrderOutOfScope(t *testing.T) {
	w := newWOFixture(t)
	o := mustJSON[workOrderJSON](t, w.create(t, w.clerk, w.order(), ""), http.StatusCreated)
	for _, target := range []string{woPath(o.ID, ""), woPath(o.ID, "/timeline"), woPath(o.ID, "/assignments"), "/api/v1/work-orders/abc"} {
		rec := w.get(w.clerkB, target)
		mustProblem(t, rec, http.StatusNotFound)
		if strings.Contains(rec.Body.String(), "王大爷") || strings.Contains(rec.Body.String(), o.Number) {
			t.Errorf("GET %s leaks the order: %s", target, rec.Body)
		}
	}
	mustProblem(t, w.send(t, w.clerkB, http.MethodPost, woPath(o.ID, "/actions"), `{"name":"x","version":1}`), http.StatusNotFound)
	mustProblem(t, w.send(t, w.clerkB, http.MethodPost, woPath(o.ID, "/actions"), map[string]any{"action": "void", "note": "x"}), http.StatusNotFound)
	if list := mustJSON[page[workOrderItemJSON]](t, w.get(w.clerkB, "/api/v1/work-orders"), http.StatusOK); len(list.Items) != 0 {
		t.Fatalf("B lists A's order: %+v", list.Items)
	}
	if list := mustJSON[page[workOrderItemJSON]](t, w.get(w.clerkB, fmt.Sprintf("/api/v1/work-orders?area_id=%d", w.tr.a.ID)), http.StatusOK); len(list.Items) != 0 {
		t.Fatalf("B lists A's area: %+v", list.Items)
	}
	if got := mustJSON[workOrderJSON](t, w.get(w.clerk, woPath(o.ID, "")), http.StatusOK); got.State != linli.WOAccepted {
		t.Fatalf("A's order changed: %+v", got)
	}
}

func TestListWorkOrdersFiltersAndCursor(t *testing.T) {
	w := newWOFixture(t)
	var ids []int64
	for i := 0; i < 5; i++ {
		m := w.order()
		if i == 4 {
			m["contact"] = map[string]any{"name": "李", "phone": "13900001111"}
			m["priority"] = "urgent"
		}
		ids = append(ids, mustJSON[workOrderJSON](t, w.create(t, w.clerk, m, ""), http.StatusCreated).ID)
	}
	w.act(t, w.clerk, ids[0], map[string]any{"action": "dispatch", "unit_id": w.unit.ID, "note": "物业"})

	// Newest first, two at a time.
	var seen []int64
	cursor := ""
	for pages := 0; pages < 5; pages++ {
		pg := mustJSON[page[workOrderItemJSON]](t, w.get(w.clerk, "/api/v1/work-orders?limit=2&cursor="+cursor), http.StatusOK)
		for _, it := range pg.Items {
			seen = append(seen, it.ID)
		}
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint([]int64{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
		t.Fatalf("pages = %v, want %v newest first", seen, ids)
	}
	count := func(q string) int {
		t.Helper()
		return len(mustJSON[page[workOrderItemJSON]](t, w.get(w.clerk, "/api/v1/work-orders?"+q), http.StatusOK).Items)
	}
	num := mustJSON[workOrderJSON](t, w.get(w.clerk, woPath(ids[2], "")), http.StatusOK).Number
	for q, want := range map[string]int{
		"state=dispatched": 1, "state=accepted,dispatched": 5, "state=accepted&state=void": 4,
		"service=REPAIR-PUBLIC": 5, "service=OTHER": 0,
		fmt.Sprintf("unit_id=%d", w.unit.ID): 1, fmt.Sprintf("area_id=%d", w.tr.gridA.ID): 5,
		"phone=13900001111": 1, "phone=" + woPhone: 4, "number=" + num: 1,
		"from=2000-01-01": 5, "to=2000-01-01": 0, "from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z": 5,
	} {
		if got := count(q); got != want {
			t.Errorf("?%s: %d orders, want %d", q, got, want)
		}
	}
	p := mustProblem(t, w.get(w.clerk, "/api/v1/work-orders?state=lost&limit=0&cursor=x&from=soon"), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "state=error.invalid,from=api.date.invalid,limit=api.limit.range,cursor=api.cursor.invalid" {
		t.Fatalf("bad params = %s", got)
	}
}

func TestServiceCatalogueAndRoutesAPI(t *testing.T) {
	w := newWOFixture(t)
	cat := mustJSON[page[serviceJSON]](t, w.get(w.clerk, "/api/v1/services?group=repair"), http.StatusOK)
	if len(cat.Items) != 1 || cat.Items[0].Code != "REPAIR-PUBLIC" || len(cat.Items[0].Attrs) != 2 || cat.Items[0].Deadlines[linli.PriorityUrgent].N != 24 {
		t.Fatalf("catalogue = %+v", cat.Items)
	}
	if n := len(mustJSON[page[serviceJSON]](t, w.get(w.clerk, "/api/v1/services?q=维修"), http.StatusOK).Items); n != 1 {
		t.Fatalf("q=维修: %d services", n)
	}
	if n := len(mustJSON[page[serviceJSON]](t, w.get(w.clerk, "/api/v1/services?q=passport"), http.StatusOK).Items); n != 0 {
		t.Fatalf("q=passport: %d services", n)
	}
	p := mustProblem(t, w.get(w.clerk, "/api/v1/services?group=shopping"), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "group=service.group.invalid" {
		t.Fatalf("bad group = %s", got)
	}
	mustProblem(t, w.get(w.clerk, "/api/v1/services/NO-SUCH"), http.StatusNotFound)

	good := map[string]any{"code": "ELDERLY-MEAL", "name_zh": "老年助餐", "name_en": "Meals for the elderly", "group": "elderly", "duty": "own",
		"deadlines": map[string]any{"normal": map[string]any{"n": 5, "unit": "working_days"}, "urgent": map[string]any{"n": 2, "unit": "working_days"},
			"critical": map[string]any{"n": 8, "unit": "working_hours"}},
		"attrs": []map[string]any{{"code": "diet", "datatype": "multivaluelist", "required": false, "variable": true, "order": 1,
			"description": "饮食要求", "values": []map[string]any{{"key": "soft", "name": "软食"}, {"key": "low_salt", "name": "低盐"}}}},
		"default_unit_id": w.unit.ID}
	mustProblem(t, w.send(t, w.clerk, http.MethodPost, "/api/v1/services", good), http.StatusForbidden)
	p = mustProblem(t, w.send(t, w.admin, http.MethodPost, "/api/v1/services", map[string]any{"code": "meal", "name_zh": "", "group": "food",
		"duty": "assist", "default_unit_id": 0}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "code=service.code.invalid,name_zh=field.required,name_en=field.required,group=service.group.invalid,"+
		"authority=service.authority.required,deadlines.normal=service.deadline.invalid,deadlines.urgent=service.deadline.invalid,"+
		"deadlines.critical=service.deadline.invalid" {
		t.Fatalf("bad service = %s", got)
	}
	rec := w.send(t, w.admin, http.MethodPost, "/api/v1/services", good)
	sv := mustJSON[serviceJSON](t, rec, http.StatusCreated)
	if rec.Header().Get("Location") != "/api/v1/services/ELDERLY-MEAL" || !sv.Public || !sv.ReopenOnBad || sv.Version != 1 || sv.DefaultUnitID == nil ||
		*sv.DefaultUnitID != w.unit.ID || len(sv.Attrs) != 1 || sv.Attrs[0].Values[1].Key != "low_salt" {
		t.Fatalf("created service = %+v (Location %q)", sv, rec.Header().Get("Location"))
	}
	p = mustProblem(t, w.send(t, w.admin, http.MethodPost, "/api/v1/services", good), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "code=service.code.taken" {
		t.Fatalf("same code = %s", got)
	}

	// Replace it: the version read, the code from the path.
	upd := map[string]any{}
	for k, v := range good {
		if k != "code" {
			upd[k] = v
		}
	}
	upd["name_zh"], upd["public"] = "老年助餐服务", false
	mustProblem(t, w.send(t, w.admin, http.MethodPut, "/api/v1/services/ELDERLY-MEAL", upd), http.StatusUnprocessableEntity) // no version
	upd["version"] = sv.Version
	sv = mustJSON[serviceJSON](t, w.send(t, w.admin, http.MethodPut, "/api/v1/services/ELDERLY-MEAL", upd), http.StatusOK)
	if sv.NameZh != "老年助餐服务" || sv.Public || sv.Version != 2 {
		t.Fatalf("updated service = %+v", sv)
	}
	p = mustProblem(t, w.send(t, w.admin, http.MethodPut, "/api/v1/services/ELDERLY-MEAL", upd), http.StatusConflict)
	if p.Code != "edit.stale" {
		t.Fatalf("stale update = %+v", p)
	}
	mustProblem(t, w.send(t, w.admin, http.MethodPut, "/api/v1/services/NO-SUCH", upd), http.StatusNotFound)
	// Private now: a resident does not see it; staff do.
	resident := actorOn(0, "resident", []linli.Role{linli.RoleResident})
	mustProblem(t, w.get(resident, "/api/v1/services/ELDERLY-MEAL"), http.StatusNotFound)
	if n := len(mustJSON[page[serviceJSON]](t, w.get(resident, "/api/v1/services"), http.StatusOK).Items); n != 1 {
		t.Fatalf("a resident sees %d services, want the public one", n)
	}
	mustJSON[serviceJSON](t, w.get(w.clerk, "/api/v1/services/ELDERLY-MEAL"), http.StatusOK)

	// Retire: out of the catalogue and of intake; back again.
	mustProblem(t, w.send(t, w.clerk, http.MethodPost, "/api/v1/services/ELDERLY-MEAL/retire", nil), http.StatusForbidden)
	if sv = mustJSON[serviceJSON](t, w.send(t, w.admin, http.MethodPost, "/api/v1/services/ELDERLY-MEAL/retire", nil), http.StatusOK); !sv.Retired {
		t.Fatalf("retired = %+v", sv)
	}
	if n := len(mustJSON[page[serviceJSON]](t, w.get(w.clerk, "/api/v1/services"), http.StatusOK).Items); n != 1 {
		t.Fatalf("catalogue after retiring: %d services", n)
	}
	if n := len(mustJSON[page[serviceJSON]](t, w.get(w.clerk, "/api/v1/services?include_retired=true"), http.StatusOK).Items); n != 2 {
		t.Fatalf("catalogue with retired: %d services", n)
	}
	m := w.order()
	m["service_code"], m["answers"] = "ELDERLY-MEAL", map[string][]string{}
	p = mustProblem(t, w.create(t, w.clerk, m, ""), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "service_code=wo.service.unknown" {
		t.Fatalf("order for a retired service = %s", got)
	}
	if sv = mustJSON[serviceJSON](t, w.send(t, w.admin, http.MethodPost, "/api/v1/services/ELDERLY-MEAL/unretire", nil), http.StatusOK); sv.Retired {
		t.Fatalf("unretired = %+v", sv)
	}

	// The responsibility map: community A's repairs go to its property
	// company; dispatch without a unit follows the map.
	mustProblem(t, w.send(t, w.clerk, http.MethodPut, "/api/v1/routes", map[string]any{"area_id": w.tr.a.ID, "service_code": "REPAIR-PUBLIC", "unit_id": w.unit.ID}),
		http.StatusForbidden)
	p = mustProblem(t, w.send(t, w.admin, http.MethodPut, "/api/v1/routes", map[string]any{"area_id": w.tr.a.ID, "service_code": "NOPE", "unit_id": w.unit.ID}),
		http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "service_code=wo.service.unknown" {
		t.Fatalf("route for an unknown service = %s", got)
	}
	rt := mustJSON[routeJSON](t, w.send(t, w.admin, http.MethodPut, "/api/v1/routes", map[string]any{"area_id": w.tr.a.ID, "service_code": "REPAIR-PUBLIC",
		"unit_id": w.unit.ID}), http.StatusOK)
	if rt.AreaID != w.tr.a.ID || rt.UnitID != w.unit.ID || rt.UnitName != w.unit.Name || rt.ServiceCode != "REPAIR-PUBLIC" {
		t.Fatalf("route = %+v", rt)
	}
	rts := mustJSON[page[routeJSON]](t, w.get(w.clerk, "/api/v1/routes"), http.StatusOK)
	if len(rts.Items) != 1 || rts.Items[0].ID != rt.ID {
		t.Fatalf("routes = %+v", rts.Items)
	}
	if n := len(mustJSON[page[routeJSON]](t, w.get(w.clerkB, "/api/v1/routes"), http.StatusOK).Items); n != 0 {
		t.Fatalf("B sees %d routes of A", n)
	}
	mustProblem(t, w.get(w.unitStaff, "/api/v1/routes"), http.StatusForbidden)
	o := mustJSON[workOrderJSON](t, w.create(t, w.clerk, w.order(), ""), http.StatusCreated)
	if o = w.act(t, w.clerk, o.ID, map[string]any{"action": "dispatch"}); o.LeadUnitID == nil || *o.LeadUnitID != w.unit.ID {
		t.Fatalf("dispatch by the map went to %v", o.LeadUnitID)
	}
	del := fmt.Sprintf("/api/v1/routes?area_id=%d&service_code=REPAIR-PUBLIC", w.tr.a.ID)
	if rec := w.send(t, w.admin, http.MethodDelete, del, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE route = %d %s", rec.Code, rec.Body)
	}
	mustProblem(t, w.send(t, w.admin, http.MethodDelete, del, nil), http.StatusNotFound)
	p = mustProblem(t, w.send(t, w.admin, http.MethodDelete, "/api/v1/routes", nil), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "area_id=field.required" {
		t.Fatalf("DELETE without area = %s", got)
	}
}

// TestWorkOrderSchemasMatchJSON checks that the OpenAPI schemas of the
// work-order answers name exactly the members the handlers write.
func TestWorkOrderSchemasMatchJSON(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(servedOpenAPI(t), &doc); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{
		"WorkOrder": workOrderJSON{}, "WorkOrderListItem": workOrderItemJSON{}, "Service": serviceJSON{}, "Route": routeJSON{},
		"WOEvent": woEventJSON{}, "Assignment": assignmentJSON{}, "Callback": callbackJSON{}, "KPIReport": kpiReportJSON{},
		"KPIRow": kpiRowJSON{}, "KPIValue": kpiValueJSON{}, "KPIDefinition": kpiDefJSON{},
		"CreateWorkOrderRequest": createWorkOrderRequest{}, "Contact": contactRequest{}, "ActionRequest": actionRequest{},
		"ServiceInput": createServiceRequest{}, "UpdateServiceRequest": updateServiceRequest{}, "SetRouteRequest": setRouteRequest{},
		"CompleteCallbackRequest": completeCallbackRequest{}, "Attachment": attachmentJSON{},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		sc, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		for k := range m {
			if _, ok := sc.Properties[k]; !ok {
				t.Errorf("%s: member %s is not in the schema", name, k)
			}
		}
		for k := range sc.Properties {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: the schema names %s, which the JSON lacks", name, k)
			}
		}
		for _, k := range sc.Required {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: required %s is not in the JSON", name, k)
			}
		}
	}
}
