package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

const formType = "application/x-www-form-urlencoded"

// residentID completes 17 digits with their check digit.
func residentID(first17 string) string { return first17 + string(seal.IDCheckDigit(first17)) }

// person registers a resident as the console.
func (e *env) person(name, id, phone string, grid linli.Area, room int64) linli.Person {
	e.t.Helper()
	in := linli.PersonInput{Name: name, IDNumber: id, RegType: linli.RegRegistered, GridID: grid.ID, RoomID: room, Address: "多福巷" + name + "号"}
	if phone != "" {
		in.Phones = []string{phone}
	}
	p, err := e.st.CreatePerson(context.Background(), linli.ConsoleActor(), in)
	if err != nil {
		e.t.Fatalf("CreatePerson(%s): %v", name, err)
	}
	return p
}

func auditReader() linli.Actor {
	return linli.NewActor(0, "auditor", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{Paths: []string{"/"}})
}

func (e *env) audits(action string) []linli.AuditEvent {
	e.t.Helper()
	ev, err := e.st.SearchAudit(context.Background(), auditReader(), linli.AuditQuery{Action: action, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func postForm(e *env, c *http.Client, path string, v url.Values) (*http.Response, string) {
	e.t.Helper()
	return e.do(c, http.MethodPost, path, formType, v.Encode())
}

func TestPersonSearchScopedAndMasked(t *testing.T) {
	e := newEnv(t)
	grid1 := e.area(demo.GridA1Code)
	grid2 := e.area(demo.CommunityACode + "-02")
	id := residentID("11010119800101123")
	p := e.person("欧阳少明", id, "13912345678", grid1, 0)
	other := e.person("司马青衫", residentID("11010119810202234"), "13987654321", grid2, 0)

	// A worker of community A finds the person by two characters, masked.
	resp, body := e.get(e.as("comm.worker"), "/persons?q="+url.QueryEscape("少明"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "欧阳少明") || !strings.Contains(body, "/persons/"+itoa(p.ID)) {
		t.Fatalf("search = %d, person missing", resp.StatusCode)
	}
	if strings.Contains(body, id) || strings.Contains(body, "13912345678") || !strings.Contains(body, seal.MaskIDNumber(id)) {
		t.Fatal("the list shows a full ID or phone, or no masked ID")
	}
	// By the last four digits of the phone and by pinyin initials too.
	for _, q := range []string{"5678", "oysm"} {
		if _, body := e.get(e.as("comm.worker"), "/persons?q="+q); !strings.Contains(body, "欧阳少明") {
			t.Fatalf("search %q misses the person", q)
		}
	}
	// A single character is too short.
	if resp, _ := e.get(e.as("comm.worker"), "/persons?q="+url.QueryEscape("少")); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("one character = %d", resp.StatusCode)
	}

	// The grid worker of grid 1 does not find grid 2's person, and their
	// page does not exist.
	gw := e.as("grid.worker")
	resp, body = e.get(gw, "/persons?q="+url.QueryEscape("青衫"))
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "司马青衫") {
		t.Fatalf("grid worker search = %d, finds grid 2", resp.StatusCode)
	}
	for _, path := range []string{"/persons/" + itoa(other.ID), "/persons/" + itoa(other.ID) + "/edit"} {
		resp, body = e.get(gw, path)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "司马青衫") || strings.Contains(body, "青衫") {
			t.Fatalf("grid worker GET %s = %d", path, resp.StatusCode)
		}
	}
	// Their own grid's person is there, masked.
	resp, body = e.get(gw, "/persons/"+itoa(p.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "欧阳少明") || strings.Contains(body, id) || strings.Contains(body, "13912345678") {
		t.Fatalf("grid worker on own person = %d", resp.StatusCode)
	}
	// The worker without pii.reveal gets no reveal form.
	if strings.Contains(body, `action="/persons/`+itoa(p.ID)+`/reveal"`) {
		t.Fatal("a reveal form for a worker without pii.reveal")
	}
}

func TestCreatePersonForm(t *testing.T) {
	e := newEnv(t)
	grid1 := e.area(demo.GridA1Code)
	c := e.as("comm.worker")
	if resp, body := e.get(c, "/persons/new"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "汉族") || !strings.Contains(body, demo.GridA1Name) {
		t.Fatalf("new form = %d", resp.StatusCode)
	}
	good := residentID("11010119800101123")
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	form := url.Values{"name": {"上官婉清"}, "id_type": {"resident_id"}, "id_number": {bad}, "phones": {"13800138000"},
		"ethnicity": {"01"}, "reg_type": {"registered"}, "grid": {itoa(grid1.ID)}}
	resp, body := postForm(e, c, "/persons", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "身份证号校验位错误") || !strings.Contains(body, `value="上官婉清"`) {
		t.Fatalf("wrong check digit = %d", resp.StatusCode)
	}
	found, err := e.st.SearchPersons(context.Background(), linli.ConsoleActor(), linli.PersonQuery{Text: "婉清"})
	if err != nil || len(found) != 0 {
		t.Fatalf("a person was created: %v %v", found, err)
	}

	// The right number registers the person.
	form.Set("id_number", good)
	resp, _ = postForm(e, c, "/persons", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/persons/") {
		t.Fatalf("create = %d %s", resp.StatusCode, loc)
	}
	resp, body = e.get(c, loc)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "上官婉清") || !strings.Contains(body, "1980-01-01") || strings.Contains(body, good) {
		t.Fatalf("person page = %d", resp.StatusCode)
	}

	// The same ID number again: a conflict that links to the person.
	form.Set("name", "上官婉儿")
	resp, body = postForm(e, c, "/persons", form)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `href="`+loc+`"`) {
		t.Fatalf("duplicate id = %d", resp.StatusCode)
	}
	// Same name and birth date without an ID number: confirm first.
	dup := url.Values{"name": {"上官婉清"}, "id_type": {"none"}, "birth_date": {"1980-01-01"}, "gender": {"2"}, "reg_type": {"registered"}, "grid": {itoa(grid1.ID)}}
	resp, body = postForm(e, c, "/persons", dup)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `name="confirm_duplicate"`) || !strings.Contains(body, `href="`+loc+`"`) {
		t.Fatalf("possible duplicate = %d", resp.StatusCode)
	}
	dup.Set("confirm_duplicate", "1")
	if resp, _ = postForm(e, c, "/persons", dup); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed duplicate = %d", resp.StatusCode)
	}
}

func TestRevealPhone(t *testing.T) {
	e := newEnv(t)
	grid1 := e.area(demo.GridA1Code)
	id := residentID("11010119800101123")
	p := e.person("欧阳少明", id, "13912345678", grid1, 0)
	head := e.as("comm.head")
	path := "/persons/" + itoa(p.ID) + "/reveal"

	resp, body := e.get(head, "/persons/"+itoa(p.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="`+path+`"`) || strings.Contains(body, "13912345678") {
		t.Fatalf("person page for the head = %d", resp.StatusCode)
	}
	resp, body = postForm(e, head, path, url.Values{"field": {"phone"}, "purpose": {"contact_resident"}})
	if resp.StatusCode != http.StatusOK || strings.Count(body, "13912345678") != 1 || strings.Contains(body, id) {
		t.Fatalf("reveal = %d, phone shown %d times", resp.StatusCode, strings.Count(body, "13912345678"))
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Fatal("a revealed page may be cached")
	}
	ev := e.audits("pii.reveal")
	if len(ev) != 1 || ev[0].Purpose != "contact_resident" || ev[0].Detail != "phone" || ev[0].ObjectID != itoa(p.ID) || ev[0].ActorName != "comm.head" {
		t.Fatalf("audit = %+v", ev)
	}
	// The page shows the full value only in the answer to the reveal.
	if _, body = e.get(head, "/persons/"+itoa(p.ID)); strings.Contains(body, "13912345678") {
		t.Fatal("the full phone stays on the page")
	}
	// The ID number with a free-text purpose.
	resp, body = postForm(e, head, path, url.Values{"field": {"id_number"}, "purpose": {"other"}, "purpose_text": {"核对低保申请材料"}})
	if resp.StatusCode != http.StatusOK || strings.Count(body, id) != 1 {
		t.Fatalf("reveal id = %d", resp.StatusCode)
	}
	if ev := e.audits("pii.reveal"); len(ev) != 2 || ev[0].Purpose != "other:核对低保申请材料" {
		t.Fatalf("audit = %+v", ev)
	}

	// Without a purpose, or a free text too short: 422, nothing shown.
	for _, v := range []url.Values{{"field": {"phone"}}, {"field": {"phone"}, "purpose": {"other"}, "purpose_text": {"看看"}}} {
		resp, body = postForm(e, head, path, v)
		if resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "13912345678") {
			t.Fatalf("reveal %v = %d", v, resp.StatusCode)
		}
	}
	// A worker without pii.reveal: the resident does not exist for them.
	resp, body = postForm(e, e.as("comm.worker"), path, url.Values{"field": {"phone"}, "purpose": {"contact_resident"}})
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "13912345678") || strings.Contains(body, "欧阳少明") {
		t.Fatalf("worker reveal = %d", resp.StatusCode)
	}
	if ev := e.audits("pii.reveal"); len(ev) != 2 {
		t.Fatalf("refused reveals were audited as reveals: %d", len(ev))
	}
}

func TestRevealBudgetAlerts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	grid1 := e.area(demo.GridA1Code)
	if err := e.st.SetSetting(ctx, linli.ConsoleActor(), store.RevealBudgetSetting, "2"); err != nil {
		t.Fatal(err)
	}
	phones := []string{"13900000001", "13900000002", "13900000003"}
	var people []linli.Person
	for i, name := range []string{"欧阳一", "欧阳二", "欧阳三"} {
		people = append(people, e.person(name, "", phones[i], grid1, 0))
	}
	head := e.as("comm.head")
	reveal := func(i int) (*http.Response, string) {
		return postForm(e, head, "/persons/"+itoa(people[i].ID)+"/reveal", url.Values{"field": {"phone"}, "purpose": {"verify_identity"}})
	}
	for _, i := range []int{0, 1, 0} {
		if resp, body := reveal(i); resp.StatusCode != http.StatusOK || !strings.Contains(body, phones[i]) {
			t.Fatalf("reveal %d = %d", i, resp.StatusCode)
		}
	}
	resp, body := reveal(2)
	if resp.StatusCode != http.StatusTooManyRequests || strings.Contains(body, phones[2]) || !strings.Contains(body, "已达上限") {
		t.Fatalf("third resident = %d", resp.StatusCode)
	}
	alerts := e.audits("security.alert")
	if len(alerts) != 1 || alerts[0].ActorName != "comm.head" {
		t.Fatalf("alerts = %+v", alerts)
	}
	denied := 0
	for _, ev := range e.audits("pii.reveal") {
		if ev.Outcome == linli.OutcomeDenied {
			denied++
		}
	}
	if denied != 1 {
		t.Fatalf("%d denied reveals audited", denied)
	}
	// The security admin's dashboard lists the alert; others see no alerts.
	resp, body = e.get(e.as("sec.admin"), "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="alerts"`) || !strings.Contains(body, "comm.head") {
		t.Fatalf("security dashboard = %d", resp.StatusCode)
	}
	if _, body = e.get(head, "/"); strings.Contains(body, `id="alerts"`) {
		t.Fatal("alerts on a community head's dashboard")
	}
}

func TestEditPersonHistory(t *testing.T) {
	e := newEnv(t)
	grid1 := e.area(demo.GridA1Code)
	p := e.person("欧阳少明", residentID("11010119800101123"), "13912345678", grid1, 0)
	c := e.as("comm.worker")
	path := "/persons/" + itoa(p.ID)
	resp, body := e.get(c, path+"/edit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="多福巷欧阳少明号"`) || strings.Contains(body, "13912345678") {
		t.Fatalf("edit form = %d", resp.StatusCode)
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)
	if version == nil {
		t.Fatal("no version in the form")
	}
	form := url.Values{"name": {"欧阳少明"}, "id_type": {"resident_id"}, "reg_type": {"registered"}, "grid": {itoa(grid1.ID)},
		"address": {"多福巷99号"}, "version": {version[1]}}
	// A phone with ten digits: the form keeps the input.
	form.Set("phones", "1391234567")
	resp, body = postForm(e, c, path+"/edit", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="多福巷99号"`) {
		t.Fatalf("bad phone = %d", resp.StatusCode)
	}
	form.Del("phones")
	resp, _ = postForm(e, c, path+"/edit", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit = %d", resp.StatusCode)
	}
	resp, body = e.get(c, path)
	hist := body[strings.Index(body, `id="person-history"`):]
	if resp.StatusCode != http.StatusOK || !strings.Contains(hist, "多福巷欧阳少明号") || !strings.Contains(hist, "多福巷99号") {
		t.Fatalf("history lacks old → new address")
	}
	got, err := e.st.Person(context.Background(), linli.ConsoleActor(), p.ID)
	if err != nil || got.Address != "多福巷99号" || len(got.PhoneMasked) != 1 || got.IDMasked != p.IDMasked {
		t.Fatalf("after edit: %+v %v", got, err)
	}
	// The same version again is stale.
	if resp, body = postForm(e, c, path+"/edit", form); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "已被他人修改") {
		t.Fatalf("stale edit = %d", resp.StatusCode)
	}
	// A move-out ends the person's records.
	if resp, _ = postForm(e, c, path+"/move-out", url.Values{"note": {"迁往外省"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move out = %d", resp.StatusCode)
	}
	if got, _ := e.st.Person(context.Background(), linli.ConsoleActor(), p.ID); got.Status != linli.StatusMovedOut {
		t.Fatalf("status %s", got.Status)
	}
}

func TestHouseholdAndBuildingPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	con := linli.ConsoleActor()
	grid1 := e.area(demo.GridA1Code)
	b, err := e.st.CreateBuilding(ctx, con, store.BuildingInput{GridID: grid1.ID, Name: "多福巷3号楼", Floors: 6})
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.st.CreateUnit(ctx, con, b.ID, "1单元")
	if err != nil {
		t.Fatal(err)
	}
	r101, err := e.st.CreateRoom(ctx, con, b.ID, u.ID, "101")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateRoom(ctx, con, b.ID, u.ID, "102"); err != nil {
		t.Fatal(err)
	}
	father := e.person("欧阳德厚", residentID("11010119600101123"), "", grid1, r101.ID)
	son := e.person("欧阳志远", residentID("11010119900101123"), "", grid1, r101.ID)
	h, err := e.st.CreateHousehold(ctx, con, father.ID, linli.HouseholdFamily, 0, []store.Member{{PersonID: son.ID, Relation: linli.RelSon}})
	if err != nil {
		t.Fatal(err)
	}
	c := e.as("grid.worker")
	resp, body := e.get(c, "/households/"+itoa(h.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "欧阳德厚") || !strings.Contains(body, "欧阳志远") || !strings.Contains(body, "户主") {
		t.Fatalf("household page = %d", resp.StatusCode)
	}
	// The person page links the household.
	if _, body = e.get(c, "/persons/"+itoa(son.ID)); !strings.Contains(body, `href="/households/`+itoa(h.ID)+`"`) {
		t.Fatal("person page lacks the household")
	}
	resp, body = e.get(c, "/buildings")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "多福巷3号楼") {
		t.Fatalf("buildings = %d", resp.StatusCode)
	}
	resp, body = e.get(c, "/buildings/"+itoa(b.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "101") || !strings.Contains(body, "102") || !strings.Contains(body, "欧阳志远") || !strings.Contains(body, "1单元") {
		t.Fatalf("building page = %d", resp.StatusCode)
	}
	// Change the head (停旧建新): a new household, the old one closed.
	resp, _ = postForm(e, e.as("comm.worker"), "/households/"+itoa(h.ID)+"/head", url.Values{"head": {itoa(son.ID)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") == "/households/"+itoa(h.ID) {
		t.Fatalf("change head = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body = e.get(c, "/households/"+itoa(h.ID)); !strings.Contains(body, `id="household-closed"`) || !strings.Contains(body, `id="successor-link"`) {
		t.Fatal("the old household is not closed with a successor")
	}
	// Other registry pages answer.
	for _, p := range []string{"/migrants", "/tags", "/persons", "/persons/new"} {
		if resp, _ := e.get(e.as("comm.head"), p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
	}
	// The catalogue hides restricted tags from a worker.
	if _, body = e.get(c, "/tags"); strings.Contains(body, "社区矫正") {
		t.Fatal("restricted tag shown to a grid worker")
	}
	if _, body = e.get(e.as("comm.head"), "/tags"); !strings.Contains(body, "社区矫正") {
		t.Fatal("restricted tag hidden from the head")
	}
}
