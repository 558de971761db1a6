package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// woTestService is a service of the tests' own: the demo's catalogue may
// change, these tests should not.
const woTestService = "WOSTAFF-TEST"

// woFixture: the test service, mapped in community A to A's committee
// (comm.worker's unit); the street office is another unit a clerk may
// choose.
type woFixture struct {
	unitA, street int64
}

func mustWOFixture(t *testing.T, e *env) woFixture {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	var f woFixture
	ensureWOService(t, e)
	f.unitA = e.actorOf("comm.worker").OrgUnitID
	f.street = e.actorOf("street.staff").OrgUnitID
	if f.unitA == 0 || f.street == 0 {
		t.Fatalf("units: A %d, street %d", f.unitA, f.street)
	}
	if err := e.st.SetRoute(ctx, con, e.area(demo.CommunityACode).ID, woTestService, f.unitA); err != nil {
		t.Fatal(err)
	}
	return f
}

// ensureWOService saves the tests' service unless it is there.
func ensureWOService(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	if _, err := e.st.ServiceByCode(ctx, con, woTestService); err == nil {
		return
	}
	_, err := e.st.SaveService(ctx, con, linli.Service{
		Code: woTestService, NameZh: "测试咨询事项", NameEn: "Test question", Group: "consultation", Duty: linli.DutyOwn, Public: true,
		Materials: []string{"身份证原件"}, WhoMayApply: "本社区居民", ReopenOnBad: true,
		Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays},
			linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours}, linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}},
		Attrs: []linli.ServiceAttr{{Code: "topic", Datatype: linli.AttrSingleValue, Required: true, Variable: true, Order: 1, Description: "咨询主题",
			DescriptionEn: "Topic", Values: []linli.AttrValue{{Key: "permit", Name: "居住证", NameEn: "Residence permit"}, {Key: "other", Name: "其他", NameEn: "Other"}}}},
		Answers: []linli.KBAnswer{{Question: "居住证怎么办？", Answer: "请携带身份证到派出所申领居住证。"}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// actorOf is the actor of a demo account, as a session would build it.
func (e *env) actorOf(user string) linli.Actor {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.st.UserIDByName(ctx, user)
	if err != nil {
		e.t.Fatal(err)
	}
	_, hash, _ := auth.NewToken("s_")
	if _, err := e.st.CreateSession(ctx, id, hash, "done", storeClient(), time.Hour); err != nil {
		e.t.Fatal(err)
	}
	_, a, err := e.st.SessionActor(ctx, hash, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// post sends a form and returns the response and the body.
func (e *env) post(c *http.Client, path string, v url.Values) (*http.Response, string) {
	e.t.Helper()
	return e.do(c, http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode())
}

var woPathRE = regexp.MustCompile(`^/wo/(\d+)$`)

// orderID is the order a redirect points at.
func (e *env) orderID(resp *http.Response, body string) int64 {
	t := e.t
	t.Helper()
	m := woPathRE.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("status %d, Location %q, want a redirect to an order; body: %s", resp.StatusCode, resp.Header.Get("Location"), excerpt(body))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func excerpt(s string) string {
	if i := strings.Index(s, `role="alert"`); i >= 0 {
		return s[i:min(len(s), i+600)]
	}
	if i := strings.Index(s, `field-error`); i >= 0 {
		return s[i:min(len(s), i+600)]
	}
	return s[:min(len(s), 600)]
}

func (e *env) order(id int64) linli.WorkOrder {
	e.t.Helper()
	o, err := e.st.WorkOrder(context.Background(), e.actorOf("district.admin"), id)
	if err != nil {
		e.t.Fatalf("order %d: %v", id, err)
	}
	return o
}

// noRawKeys fails when a page shows one of our message keys untranslated.
func noRawKeys(t *testing.T, where, body string) {
	t.Helper()
	if m := regexp.MustCompile(`wostaff\.[a-z_.]+[a-z]`).FindString(body); m != "" {
		t.Errorf("%s shows the raw key %s", where, m)
	}
}

// The counter journey: find the resident, pick the service, the form
// adapts; create (a repeated submit returns the same order); dispatch
// with the map's unit preselected (another unit needs a reason); the
// unit sees it in its to-sign queue, signs and resolves it; a worker of
// community B does not see it.
func TestWOStaffCounterToResolution(t *testing.T) {
	e := newEnv(t)
	f := mustWOFixture(t, e)
	clerk := e.as("comm.worker")

	resp, page := e.get(clerk, "/wo/intake?svc="+woTestService)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "身份证原件") || !strings.Contains(page, `name="attribute[topic]"`) ||
		!strings.Contains(page, "居住证怎么办？") || !strings.Contains(page, `name="idem"`) {
		t.Fatalf("intake with a service = %d; want the materials, the form and the KB answers", resp.StatusCode)
	}
	noRawKeys(t, "intake", page)
	idem := regexp.MustCompile(`name="idem" value="([^"]+)"`).FindStringSubmatch(page)[1]

	form := url.Values{"idem": {idem}, "svc": {woTestService}, "contact_name": {"李桂兰"}, "contact_phone": {"13900001111"},
		"description": {"想问居住证怎么办理"}, "priority": {"normal"}}
	// A required attribute left out: the form comes back with a message.
	resp, page = e.post(clerk, "/wo/intake", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="attr-topic-err"`) || !strings.Contains(page, "想问居住证怎么办理") {
		t.Fatalf("missing attribute = %d; want 422 with the message and the input kept", resp.StatusCode)
	}
	form.Set("attribute[topic]", "permit")
	id := e.orderID(e.post(clerk, "/wo/intake", form))
	if again := e.orderID(e.post(clerk, "/wo/intake", form)); again != id {
		t.Fatalf("a repeated submit created order %d, want %d", again, id)
	}
	o := e.order(id)
	if o.State != linli.WOAccepted || o.Channel != linli.ChannelCounter || o.ContactPhone != "139****1111" {
		t.Fatalf("created %+v", o)
	}

	// The order page offers answer and dispatch, the map's unit chosen.
	resp, page = e.get(clerk, "/wo/"+itoa(id))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="act-answer"`) || !strings.Contains(page, `id="act-dispatch"`) {
		t.Fatalf("order page = %d, want the answer and dispatch forms", resp.StatusCode)
	}
	if !regexp.MustCompile(`<option value="` + itoa(f.unitA) + `" selected>`).MatchString(page) {
		t.Fatalf("the suggested unit %d is not preselected", f.unitA)
	}
	if strings.Contains(page, "13900001111") || !strings.Contains(page, "139****1111") {
		t.Fatal("the order page must show the phone masked")
	}
	noRawKeys(t, "order page", page)
	// Another unit without a reason: refused with a message on the form.
	resp, page = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"dispatch"}, "unit": {itoa(f.street)}, "version": {itoa(o.Version)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="dispatch-note-err"`) {
		t.Fatalf("override without a reason = %d, want 422 with the reason's message", resp.StatusCode)
	}
	if got := e.order(id); got.State != linli.WOAccepted {
		t.Fatalf("a refused dispatch changed the order: %s", got.State)
	}
	// A stale version is a conflict, shown on the page.
	resp, page = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"dispatch"}, "unit": {itoa(f.unitA)}, "version": {itoa(o.Version + 5)}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `id="wo-error"`) {
		t.Fatalf("stale version = %d, want 409 on the order page", resp.StatusCode)
	}
	resp, _ = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"dispatch"}, "unit": {itoa(f.unitA)}, "version": {itoa(o.Version)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dispatch = %d", resp.StatusCode)
	}
	if o = e.order(id); o.State != linli.WODispatched || o.LeadUnitID != f.unitA {
		t.Fatalf("dispatched: %s to %d, want %d", o.State, o.LeadUnitID, f.unitA)
	}

	// The unit's queue: to sign, with its count.
	resp, page = e.get(clerk, "/wo/queue?tab=to_sign")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, o.Number) || !regexp.MustCompile(`id="tab-to_sign"[^>]*>[^<]*<span class="n">1</span>`).MatchString(page) {
		t.Fatalf("to_sign queue = %d; want the order and a count of 1", resp.StatusCode)
	}
	noRawKeys(t, "queue", page)
	if _, page = e.get(clerk, "/wo/queue?tab=in_progress"); strings.Contains(page, o.Number) {
		t.Fatal("a dispatched order is listed as in progress")
	}

	// Sign, then resolve (a reply is required) from the order page.
	if resp, _ = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"sign"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign = %d", resp.StatusCode)
	}
	if o = e.order(id); o.State != linli.WOInProgress || o.SignedAt.IsZero() {
		t.Fatalf("signed: %s", o.State)
	}
	_, page = e.get(clerk, "/wo/"+itoa(id))
	if !strings.Contains(page, `id="act-resolve"`) || !strings.Contains(page, `id="act-request_extension"`) || strings.Contains(page, `id="act-sign"`) {
		t.Fatal("in progress: want resolve and extension forms and no sign form")
	}
	resp, page = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"resolve"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="resolve-note-err"`) {
		t.Fatalf("resolve without a reply = %d", resp.StatusCode)
	}
	if resp, _ = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"resolve"}, "note": {"已电话告知办理流程"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resolve = %d", resp.StatusCode)
	}
	if o = e.order(id); o.State != linli.WOResolved || o.Reply != "已电话告知办理流程" {
		t.Fatalf("resolved: %s %q", o.State, o.Reply)
	}
	// The call-back rating by a clerk.
	if resp, page = e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"rate"}, "rating": {"5"}, "solved": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rate = %d %s", resp.StatusCode, excerpt(page))
	}
	_, page = e.get(clerk, "/wo/"+itoa(id))
	for _, want := range []string{`id="wo-timeline"`, `id="wo-assignments"`, "已电话告知办理流程"} {
		if !strings.Contains(page, want) {
			t.Errorf("order page lacks %s", want)
		}
	}

	// Community B's worker: the order does not exist.
	other := e.as("comm.worker.b")
	if resp, page = e.get(other, "/wo/"+itoa(id)); resp.StatusCode != http.StatusNotFound || strings.Contains(page, "李桂兰") {
		t.Fatalf("B's worker on A's order = %d", resp.StatusCode)
	}
	if resp, _ = e.post(other, "/wo/"+itoa(id)+"/act", url.Values{"action": {"void"}, "note": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("B's worker acting on A's order = %d", resp.StatusCode)
	}
}

// Answering at the counter from the knowledge base closes the order.
func TestWOStaffAnswerDirectly(t *testing.T) {
	e := newEnv(t)
	mustWOFixture(t, e)
	clerk := e.as("comm.worker")
	id := e.orderID(e.post(clerk, "/wo/intake", url.Values{"idem": {"a-1"}, "svc": {woTestService}, "contact_name": {"赵大爷"},
		"description": {"居住证"}, "attribute[topic]": {"permit"}}))
	resp, _ := e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"answer"}, "kb": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d", resp.StatusCode)
	}
	if o := e.order(id); o.State != linli.WOAnswered || o.Reply != "请携带身份证到派出所申领居住证。" {
		t.Fatalf("answered: %s %q", o.State, o.Reply)
	}
}

// The hotline finds the caller by number (masked) and the caller's
// earlier orders, and records the order with channel phone.
func TestWOStaffHotline(t *testing.T) {
	e := newEnv(t)
	mustWOFixture(t, e)
	ctx := context.Background()
	grid := e.area(demo.GridA1Code)
	pr, err := e.st.CreatePerson(ctx, linli.ConsoleActor(), linli.PersonInput{Name: "欧阳春梅", Phones: []string{"13712340000"},
		RegType: linli.RegRegistered, GridID: grid.ID, Address: "多福巷12号"})
	if err != nil {
		t.Fatal(err)
	}
	clerk := e.as("comm.worker")
	resp, page := e.get(clerk, "/wo/hotline?phone=13712340000")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, seal.MaskName("欧阳春梅")) || strings.Contains(page, "欧阳春梅") ||
		!strings.Contains(page, `id="caller-`+itoa(pr.ID)+`"`) || !strings.Contains(page, `id="no-previous"`) {
		t.Fatalf("hotline lookup = %d; want the masked resident and no earlier orders", resp.StatusCode)
	}
	noRawKeys(t, "hotline", page)
	resp, page = e.get(clerk, "/wo/hotline?phone=13712340000&person="+itoa(pr.ID)+"&svc="+woTestService)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="person" value="`+itoa(pr.ID)+`"`) || !strings.Contains(page, `value="13712340000"`) {
		t.Fatalf("hotline form = %d; want the caller chosen and the number filled in", resp.StatusCode)
	}
	id := e.orderID(e.post(clerk, "/wo/hotline", url.Values{"idem": {"h-1"}, "svc": {woTestService}, "person": {itoa(pr.ID)},
		"contact_phone": {"13712340000"}, "description": {"来电咨询"}, "attribute[topic]": {"other"}, "lookup_phone": {"13712340000"}}))
	o := e.order(id)
	if o.Channel != linli.ChannelPhone || o.RequesterPersonID != pr.ID || o.AreaID != grid.ID {
		t.Fatalf("hotline order: channel %s person %d area %d", o.Channel, o.RequesterPersonID, o.AreaID)
	}
	_, page = e.get(clerk, "/wo/hotline?phone=13712340000")
	if !strings.Contains(page, o.Number) {
		t.Fatal("the caller's earlier order is not listed")
	}
	// A number that is not one.
	if _, page = e.get(clerk, "/wo/hotline?phone=12ab"); !strings.Contains(page, `id="phone-err"`) {
		t.Fatal("a bad number has no message")
	}
}

// The KPI page shows each formula and the base; the export is a valid
// XLSX and is audited.
func TestWOStaffKPI(t *testing.T) {
	e := newEnv(t)
	mustWOFixture(t, e)
	clerk := e.as("comm.worker")
	id := e.orderID(e.post(clerk, "/wo/intake", url.Values{"idem": {"k-1"}, "svc": {woTestService}, "contact_name": {"钱女士"},
		"description": {"居住证"}, "attribute[topic]": {"permit"}}))
	if resp, _ := e.post(clerk, "/wo/"+itoa(id)+"/act", url.Values{"action": {"answer"}, "note": {"已答复"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d", resp.StatusCode)
	}
	admin := e.as("district.admin")
	resp, page := e.get(admin, "/kpi?by=community")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/kpi = %d", resp.StatusCode)
	}
	for _, d := range store.KPIDefs {
		if !strings.Contains(page, d.FormulaZh) {
			t.Errorf("formula of %s missing", d.Code)
		}
	}
	// One order is below the minimum volume: "—" and not ranked.
	for _, want := range []string{"—", "不排名", "基数", demo.CommunityAName, `id="kpi-export"`, `id="kpi-min-volume"`} {
		if !strings.Contains(page, want) {
			t.Errorf("KPI page lacks %q", want)
		}
	}
	if strings.Contains(page, "<rect") {
		t.Error("a bar for a rate below the minimum volume")
	}
	noRawKeys(t, "kpi", page)
	if err := e.st.SetSetting(context.Background(), linli.ConsoleActor(), store.SettingKPIMinVolume, "1"); err != nil {
		t.Fatal(err)
	}
	_, page = e.get(admin, "/kpi?by=community")
	if !strings.Contains(page, "<svg") || !strings.Contains(page, "<rect") || !strings.Contains(page, "100.0%") || !strings.Contains(page, "第 1 名") {
		t.Error("with a minimum volume of 1, the direct-answer rate should be charted and ranked")
	}
	if resp, _ := e.get(admin, "/kpi?from=2026-13-01"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad date = %d, want 422", resp.StatusCode)
	}
	if resp, _ := e.get(e.as("grid.worker"), "/kpi"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a grid worker (no kpi.read) = %d, want 404", resp.StatusCode)
	}
	resp, body := e.get(admin, "/kpi.xlsx?by=community")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("/kpi.xlsx = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("the export is not an XLSX: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil || len(rows) < 3 || rows[1][0] != "合计" {
		t.Fatalf("rows = %v, %v; want a header, the total and a community", rows, err)
	}
	found := false
	for _, r := range rows {
		found = found || r[0] == demo.CommunityAName
	}
	if !found {
		t.Errorf("community A missing from the export: %v", rows)
	}
	if len(x.GetSheetList()) != 2 {
		t.Errorf("sheets %v, want the KPIs and the formulas", x.GetSheetList())
	}
	_, page = e.get(e.as("audit.admin"), "/audit?action=kpi.export")
	if !strings.Contains(page, "rows=") {
		t.Error("the export was not audited")
	}
}

// Supervisors' and clerks' lists, and the catalogue and map admin.
func TestWOStaffListsAndAdmin(t *testing.T) {
	e := newEnv(t)
	mustWOFixture(t, e)
	for _, c := range []struct{ who, path string }{
		{"comm.head", "/wo/overdue"}, {"comm.worker", "/wo/callbacks"}, {"district.admin", "/admin/services"},
		{"district.admin", "/admin/routes"}, {"district.admin", "/admin/services/new"}, {"district.admin", "/admin/services/" + woTestService},
		{"comm.head", "/wo/queue"},
	} {
		resp, page := e.get(e.as(c.who), c.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s GET %s = %d", c.who, c.path, resp.StatusCode)
		}
		noRawKeys(t, c.path, page)
	}
	for _, c := range []struct{ who, path string }{{"comm.worker", "/wo/overdue"}, {"comm.worker", "/admin/services"}, {"resident", "/wo/intake"}} {
		if resp, _ := e.get(e.as(c.who), c.path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s GET %s = %d, want 404", c.who, c.path, resp.StatusCode)
		}
	}
	admin := e.as("district.admin")
	// A new service with a form field and an answer; a bad one comes back.
	v := url.Values{"code": {"WOSTAFF-NEW"}, "name_zh": {"新事项"}, "name_en": {"New one"}, "group": {"other"}, "duty": {"own"},
		"public": {"1"}, "deadline_normal_n": {"5"}, "deadline_normal_unit": {"working_days"}, "deadline_urgent_n": {"24"},
		"deadline_urgent_unit": {"hours"}, "deadline_critical_n": {"2"}, "deadline_critical_unit": {"hours"},
		"attr_rows": {"2"}, "attr.0.code": {"size"}, "attr.0.type": {"singlevaluelist"}, "attr.0.variable": {"1"}, "attr.0.required": {"1"},
		"attr.0.description": {"大小"}, "attr.0.values": {"s|小|Small\nl|大|Large"}, "kb_rows": {"1"}, "kb.0.q": {"问"}, "kb.0.a": {"答"}}
	bad := url.Values{}
	for k, x := range v {
		bad[k] = x
	}
	bad.Set("attr.0.values", "")
	if resp, page := e.post(admin, "/admin/services", bad); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="attr-0-err"`) {
		t.Fatalf("a list without values = %d; want 422 with the message on the field", resp.StatusCode)
	}
	if resp, page := e.post(admin, "/admin/services", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create service = %d %s", resp.StatusCode, excerpt(page))
	}
	sv, err := e.st.ServiceByCode(context.Background(), e.actorOf("district.admin"), "WOSTAFF-NEW")
	if err != nil || len(sv.Attrs) != 1 || len(sv.Attrs[0].Values) != 2 || sv.Attrs[0].Values[1].NameEn != "Large" || len(sv.Answers) != 1 ||
		sv.Deadlines[linli.PriorityUrgent].Unit != linli.UnitHours {
		t.Fatalf("saved %+v, %v", sv, err)
	}
	if resp, _ := e.post(admin, "/admin/services/WOSTAFF-NEW/retire", url.Values{"retire": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire = %d", resp.StatusCode)
	}
	// The map: set an entry, then delete it.
	b := e.area(demo.CommunityBCode)
	if resp, page := e.post(admin, "/admin/routes", url.Values{"area": {itoa(b.ID)}, "service": {"WOSTAFF-TEST"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `id="route-unit-err"`) {
		t.Fatalf("route without a unit = %d", resp.StatusCode)
	}
	street := e.actorOf("street.staff").OrgUnitID
	if resp, _ := e.post(admin, "/admin/routes", url.Values{"area": {itoa(b.ID)}, "service": {woTestService}, "unit": {itoa(street)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set route = %d", resp.StatusCode)
	}
	routes, err := e.st.Routes(context.Background(), linli.ConsoleActor())
	if err != nil {
		t.Fatal(err)
	}
	var rid int64
	for _, r := range routes {
		if r.AreaID == b.ID && r.ServiceCode == woTestService {
			rid = r.ID
		}
	}
	if rid == 0 {
		t.Fatal("the entry was not saved")
	}
	if resp, _ := e.post(admin, "/admin/routes/"+itoa(rid)+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete route = %d", resp.StatusCode)
	}
}

// woRouteIn is an entry of the responsibility map at an area (the demo's
// community fallback, or one made for the test).
func woRouteIn(t *testing.T, e *env, areaID int64) int64 {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	routes, err := e.st.Routes(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if r.AreaID == areaID {
			return r.ID
		}
	}
	units, err := e.st.OrgUnits(ctx, con)
	if err != nil || len(units) == 0 {
		t.Fatalf("units: %v", err)
	}
	ensureWOService(t, e)
	if err := e.st.SetRoute(ctx, con, areaID, woTestService, units[0].ID); err != nil {
		t.Fatal(err)
	}
	return woRouteIn(t, e, areaID)
}
