package main

// Browser journeys of work orders (issue 4, part 14): a resident's repair
// request with a photo, its dispatch, return and re-dispatch, its
// resolution, the resident's unsatisfied rating that reopens it with a
// call-back task, the KPIs that count it, and a hotline call. They share
// the helpers of e2e_test.go and e2e_registry_test.go and, like those, run
// only with LINLI_E2E=1, against one `linli demo` for all five.
//
// What the journeys need is made through the store before the browser
// starts, so that they do not depend on the demo's random population or
// its history of orders: two units of community A that nobody else uses
// (so that their KPI rows count this order alone) with one account each,
// the map entry that sends community A's repairs of shared parts to the
// wrong one of them, the minimum KPI volume of 1, and the caller of the
// hotline journey with a known phone.

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

const (
	// The resident's phone is 375 px wide.
	e2eResidentWidth  = 375
	e2eResidentHeight = 812

	e2eWOService     = "REPAIR-PUBLIC" // 公共区域维修
	e2eWOServiceName = "公共区域维修"
	e2eWOBuilding    = "3号楼2单元"
	e2eWODescription = "3号楼2单元的单元门门禁坏了，刷卡打不开，老人进出很不方便。"

	// The unit the map wrongly names for community A's repairs of shared
	// parts (a lift company), and the unit that does them.
	e2eWOWrongUnit     = "北京安畅电梯维保有限公司"
	e2eWORightUnit     = "北京多福巷物业服务中心"
	e2eWOWrongUser     = "e2e.lift"
	e2eWORightUser     = "e2e.wuye"
	e2eWOUnitPassword  = "Unit-Pass-2026!"
	e2eWOReturnReason  = "我司只负责电梯维保，单元门门禁不在我司维修范围内，请改派物业。"
	e2eWOOverride      = "单元门门禁属于物业维修范围，派单目录有误，改派物业。"
	e2eWOReply         = "已更换3号楼2单元门禁读卡器并调试，刷卡开门正常。"
	e2eWOUnsatisfied   = "门禁修好第二天又坏了，还是打不开。"
	e2eWOClerk         = "comm.worker"
	e2eWOKPIReader     = "comm.head"
	e2eWOReturnsHead   = "退单率"
	e2eWOReopensHead   = "重办率"
	e2eWOPhoneChannel  = "电话/热线"
	e2eWOCallerName    = "聂翾蔚"
	e2eWOCallerPhone   = "13987650421"
	e2eWOHotlineSvc    = "环境卫生问题" // ENV-SANITATION
	e2eWOHotlinePlace  = "5号楼1单元楼道"
	e2eWOHotlineReport = "楼道里堆了很多纸箱和旧家具，影响通行，有消防隐患。"
)

// e2eWOFixture is what the journeys find in the store.
type e2eWOFixture struct {
	wrongUnit, rightUnit int64
	caller               int64
}

// seedWorkOrders makes, through a second store handle with the demo's key
// file, the units, accounts, map entry, setting and caller the journeys
// need.
func (srv *e2eServer) seedWorkOrders(t *testing.T) e2eWOFixture {
	t.Helper()
	ctx := context.Background()
	keys, err := seal.LoadKeyFile(filepath.Join(filepath.Dir(srv.dbPath), "e2e.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, srv.dbPath, store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	console := linli.ConsoleActor()
	comm, err := s.AreaByCode(ctx, console, demo.CommunityACode)
	if err != nil {
		t.Fatalf("community A: %v", err)
	}
	grid, err := s.AreaByCode(ctx, console, demo.GridA1Code)
	if err != nil {
		t.Fatalf("grid %s: %v", demo.GridA1Code, err)
	}
	hash, err := web.HashPassword(auth.NewHasher(auth.DefaultParams, 1), keys, e2eWOUnitPassword)
	if err != nil {
		t.Fatal(err)
	}
	var fx e2eWOFixture
	for _, u := range []struct {
		unit, user, display string
		id                  *int64
	}{
		{e2eWOWrongUnit, e2eWOWrongUser, "安畅维保调度", &fx.wrongUnit},
		{e2eWORightUnit, e2eWORightUser, "多福巷物业客服", &fx.rightUnit},
	} {
		ou, err := s.CreateOrgUnit(ctx, console, linli.OrgUnit{Name: u.unit, Kind: "property_company", AreaID: comm.ID})
		if err != nil {
			t.Fatalf("create unit %s: %v", u.unit, err)
		}
		*u.id = ou.ID
		if _, err := s.CreateUser(ctx, console, linli.UserInput{Username: u.user, DisplayName: u.display, Roles: []linli.Role{linli.RoleDeptStaff},
			OrgUnitID: ou.ID, ScopeIDs: []int64{comm.ID}}, hash); err != nil {
			t.Fatalf("create user %s: %v", u.user, err)
		}
	}
	if err := s.SetRoute(ctx, console, comm.ID, e2eWOService, fx.wrongUnit); err != nil {
		t.Fatalf("route %s in community A: %v", e2eWOService, err)
	}
	if err := s.SetSetting(ctx, console, store.SettingKPIMinVolume, "1"); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePerson(ctx, console, linli.PersonInput{Name: e2eWOCallerName, IDNumber: e2eIDNumber("11010119450315327"),
		IDType: linli.IDResident, RegType: linli.RegRegistered, Ethnicity: "01", Source: linli.SourceWorker,
		Phones: []string{e2eWOCallerPhone}, GridID: grid.ID, Address: "多福巷5号楼1单元502"})
	if err != nil {
		t.Fatalf("create the caller: %v", err)
	}
	fx.caller = p.ID
	return fx
}

// e2ePhoto writes a small JPEG photo of a door for the upload.
func e2ePhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			c := color.RGBA{R: uint8(90 + x/2), G: uint8(60 + y), B: 40, A: 255}
			if x > 50 && x < 110 && y > 15 { // the door
				c = color.RGBA{R: 120, G: 80, B: uint8(30 + y/2), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "door.jpg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// woTab is a journey's tab with screenshots along the way.
type woTab struct {
	e2eTab
	tab  context.Context // the tab without the journey's deadline
	name string
}

// woJourney is e2eJourney at a given screen width, with a tab that takes
// screenshots of the steps (LINLI_E2E_SHOTS) as well as of the end.
func woJourney(t *testing.T, browserCtx context.Context, base, name string, width, height int64, fn func(b woTab)) bool {
	return t.Run(name, func(t *testing.T) {
		tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		defer cancelTab()
		if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(width, height)); err != nil {
			t.Fatalf("open tab: %v", err)
		}
		ctx, cancel := context.WithTimeout(tabCtx, e2eJourneyTime)
		defer cancel()
		defer e2eShot(t, tabCtx, name)
		fn(woTab{e2eTab: e2eTab{t: t, ctx: ctx, base: base}, tab: tabCtx, name: name})
	})
}

// shot saves a screenshot of a step, named after the journey.
func (b woTab) shot(step string) { e2eShot(b.t, b.tab, b.name+"_"+step) }

// wait waits until sel is visible, for at most 10 seconds.
func (b woTab) wait(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("%s did not appear on %s (%v); the page says:\n%s", sel, b.path(), err, b.pageText())
	}
}

// tick clicks a check box, a radio button or a summary (no page load).
func (b woTab) tick(sel string) {
	b.t.Helper()
	b.wait(sel)
	b.must(chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(sel))), "click "+sel)
}

// as logs out whoever is logged in and logs in user (enrolling TOTP where
// the role needs it).
func (b woTab) as(user, pw string) {
	b.t.Helper()
	if b.has("#logout") {
		b.click("#logout")
	}
	b.login(user, pw)
	b.enrolTOTP()
	// The enrolment ends on its page of recovery codes, logged in.
	if p := b.path(); strings.HasPrefix(p, "/login") || strings.HasPrefix(p, "/account/password") {
		b.t.Fatalf("%s is not logged in (at %s):\n%s", user, p, b.pageText())
	}
}

// state is the order's state on the staff order page.
func (b woTab) state() string {
	b.t.Helper()
	return strings.TrimSpace(b.text("#wo-state"))
}

// fact is the value of the fact labelled label on the staff order page.
func (b woTab) fact(label string) string {
	b.t.Helper()
	return e2eEval[string](b.e2eTab, fmt.Sprintf(`(() => {
		const dt = [...document.querySelectorAll('#wo-facts dt')].find(dt => dt.innerText.trim() === %s);
		return dt && dt.nextElementSibling ? dt.nextElementSibling.innerText.trim() : '';
	})()`, strconv.Quote(label)))
}

// act opens the form of an action on the order page (a <details>), fills
// its note and submits it; it returns the HTTP status.
func (b woTab) act(action, note string) int64 {
	b.t.Helper()
	if open := e2eEval[bool](b.e2eTab, fmt.Sprintf(`!!(document.querySelector('#act-%s') || {}).open`, action)); !open {
		b.tick("#act-" + action + " > summary")
	}
	if note != "" {
		b.wait("#" + action + "-note")
		b.fill("#"+action+"-note", note)
	}
	b.wait("#do-" + action)
	return b.click("#do-" + action)
}

// noOverflow fails when the page is wider than the screen.
func (b woTab) noOverflow(width int) {
	b.t.Helper()
	if w := e2eEval[int](b.e2eTab, "document.documentElement.scrollWidth"); w > width {
		b.t.Errorf("%s is %d px wide on a %d px screen", b.path(), w, width)
	}
}

// openFromQueue opens the order from the unit's queue (the tab to sign
// for), as the unit's staff would.
func (b woTab) openFromQueue(id int64) {
	b.t.Helper()
	b.open("/")
	b.wait("#wo-queue-link")
	if st := b.click("#wo-queue-link"); st != 200 {
		b.t.Fatalf("the queue: status %d:\n%s", st, b.pageText())
	}
	link := fmt.Sprintf(`#row-%d a[href="/wo/%d"]`, id, id)
	if !b.has(link) {
		b.t.Fatalf("the queue does not list order %d:\n%s", id, b.pageText())
	}
	if st := b.click(link); st != 200 {
		b.t.Fatalf("open order %d from the queue: status %d:\n%s", id, st, b.pageText())
	}
}

// e2eKPICell is one KPI of one row of the KPI table.
type e2eKPICell struct {
	N      string `json:"n"`
	Detail string `json:"detail"`
}

// kpiRows reads the KPI table: the heads of the columns and, per row
// label, its cells.
func (b woTab) kpiRows() ([]string, map[string][]e2eKPICell) {
	b.t.Helper()
	type table struct {
		Heads []string                `json:"heads"`
		Rows  map[string][]e2eKPICell `json:"rows"`
	}
	tb := e2eEval[table](b.e2eTab, `(() => {
		const t = document.querySelector('#kpi-table table');
		const heads = [...t.querySelectorAll('thead th')].slice(1).map(th => th.innerText.trim());
		const rows = {};
		for (const tr of t.querySelectorAll('tbody tr')) {
			const th = tr.querySelector('th');
			if (!th) continue;
			rows[th.innerText.trim()] = [...tr.querySelectorAll('td')].map(td => ({
				n: ((td.querySelector('.n') || {}).innerText || '').trim(),
				detail: ((td.querySelector('.hint') || {}).innerText || '').trim(),
			}));
		}
		return {heads, rows};
	})()`)
	return tb.Heads, tb.Rows
}

// e2eDueDate matches a date as the resident's pages write it.
var e2eDueDate = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日（星期.）\d{2}:\d{2}$`)

func TestE2EWorkOrder(t *testing.T) {
	e2eEnabled(t)
	start := time.Now()
	srv := startE2EServer(t)
	t.Logf("linli demo at %s (%s)", srv.url, time.Since(start).Round(time.Millisecond))
	fx := srv.seedWorkOrders(t)
	photo := e2ePhoto(t)
	browser := startE2EBrowser(t)
	base := srv.url

	var orderID int64 // the resident's request
	var number string

	okA := woJourney(t, browser, base, "wo_a_resident_request_with_photo", e2eResidentWidth, e2eResidentHeight, func(b woTab) {
		b.as("resident", demo.DemoPassword)
		b.wait("#nav-services")
		if st := b.click("#nav-services"); st != 200 {
			b.t.Fatalf("GET /services: status %d:\n%s", st, b.pageText())
		}
		// Find the service by a word a resident would use.
		b.fill("#svc-q", "门禁")
		if st := b.click("#svc-search"); st != 200 {
			b.t.Fatalf("search the catalogue: status %d:\n%s", st, b.pageText())
		}
		card := "#svc-" + e2eWOService
		b.wait(card)
		if name := strings.TrimSpace(b.text(card + " .res-svc-name")); name != e2eWOServiceName {
			b.t.Errorf("the card of %s is named %q, want %q", e2eWOService, name, e2eWOServiceName)
		}
		b.tick(card + " summary")
		b.wait("#apply-" + e2eWOService)
		if st := b.click("#apply-" + e2eWOService); st != 200 {
			b.t.Fatalf("the request form: status %d:\n%s", st, b.pageText())
		}
		b.wait("#request-form")
		b.noOverflow(e2eResidentWidth)
		b.tick(`input[name="attribute[what]"][value="door"]`)
		b.tick(`input[name="attribute[floors]"][value="1"]`)
		b.fill("#attr-building", e2eWOBuilding)
		b.fill("#description", e2eWODescription)
		b.selectByText("#area", demo.CommunityAName)
		b.fill("#address", "多福巷"+e2eWOBuilding)
		b.must(chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#photo-files"), []string{photo})), "choose the photo")
		b.shot("form")
		st := b.click("#request-submit")
		p := b.path()
		if st != 200 || !strings.HasPrefix(p, "/my/requests/") {
			b.t.Fatalf("submit: status %d at %s:\n%s", st, p, b.pageText())
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(p, "/my/requests/"), 10, 64)
		if err != nil {
			b.t.Fatalf("the request page is %s", p)
		}
		b.wait("#order-number")
		number = strings.TrimSpace(b.text("#order-number"))
		if number == "" {
			b.t.Fatalf("no order number on the request page:\n%s", b.pageText())
		}
		if !b.has(".flash") {
			b.t.Errorf("no confirmation (.flash) after submitting:\n%s", b.pageText())
		}
		// The due date, in words, between today and the time allowed (5
		// working days: at most a fortnight with a holiday).
		due := strings.TrimSpace(b.text("#due-date"))
		m := e2eDueDate.FindStringSubmatch(due)
		if m == nil {
			b.t.Fatalf("#due-date %q is not a date like 2026年5月12日（星期二）18:00", due)
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		cst := time.FixedZone("CST", 8*3600)
		dueDay := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, cst)
		today := time.Now().In(cst)
		today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, cst)
		if dueDay.Before(today) || dueDay.After(today.AddDate(0, 0, 21)) {
			b.t.Errorf("due %s (%s), want within three weeks of today", due, dueDay.Format("2006-01-02"))
		}
		if txt := b.text("#due"); !strings.Contains(txt, "预计办结时间") {
			b.t.Errorf("the due date is not labelled 预计办结时间: %q", txt)
		}
		if s := strings.TrimSpace(b.text("#order-state")); s != "已受理" {
			b.t.Errorf("#order-state %q, want 已受理", s)
		}
		// The photo, served back and decoded by the browser.
		b.wait("#order-photos img")
		pctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		loaded, err := chromedp.Run(pctx, chromedp.Poll[bool](`(() => {
			const i = document.querySelector('#order-photos img');
			return i && i.complete && i.naturalWidth > 0;
		})()`))
		cancel()
		if err != nil || !loaded {
			b.t.Errorf("the photo did not load: %v", err)
		} else if w := e2eEval[int](b.e2eTab, `document.querySelector('#order-photos img').naturalWidth`); w != 160 {
			b.t.Errorf("the photo is %d px wide, want the 160 px uploaded", w)
		}
		if txt := b.text("#order-description"); !strings.Contains(txt, e2eWODescription) {
			b.t.Errorf("the request page does not show the description: %q", txt)
		}
		b.noOverflow(e2eResidentWidth)
		orderID = id
		b.t.Logf("order %s (id %d) due %s", number, id, due)
	})

	okB := woJourney(t, browser, base, "wo_b_dispatch_return_redispatch_resolve", e2eWidth, e2eHeight, func(b woTab) {
		if !okA || orderID == 0 {
			b.t.Skip("no request: see wo_a_resident_request_with_photo")
		}
		order := fmt.Sprintf("/wo/%d", orderID)

		// The clerk follows the map, which names the lift company.
		b.as(e2eWOClerk, demo.DemoPassword)
		if st := b.open(order); st != 200 {
			b.t.Fatalf("GET %s: status %d:\n%s", order, st, b.pageText())
		}
		if s := b.state(); s != "已受理" {
			b.t.Fatalf("the order is %q, want 已受理", s)
		}
		if n := strings.TrimSpace(b.text("#wo-title")); !strings.HasPrefix(n, number) {
			b.t.Errorf("#wo-title %q, want the number %s", n, number)
		}
		b.wait("#suggested-unit")
		if sug := b.text("#suggested-unit"); !strings.Contains(sug, e2eWOWrongUnit) {
			b.t.Fatalf("#suggested-unit %q, want the map's %s", sug, e2eWOWrongUnit)
		}
		if sel := e2eEval[string](b.e2eTab, `(() => { const s = document.querySelector('#dispatch-unit'); return s.options[s.selectedIndex].text; })()`); !strings.Contains(sel, e2eWOWrongUnit) {
			b.t.Errorf("the preselected unit is %q, want the suggestion %s", sel, e2eWOWrongUnit)
		}
		if st := b.click("#do-dispatch"); st != 200 {
			b.t.Fatalf("dispatch: status %d:\n%s", st, b.pageText())
		}
		if s, u := b.state(), strings.TrimSpace(b.text("#wo-unit")); s != "已派单" || u != e2eWOWrongUnit {
			b.t.Fatalf("after the dispatch: %q to %q, want 已派单 to %s", s, u, e2eWOWrongUnit)
		}

		// The lift company finds it in its queue and hands it back.
		b.as(e2eWOWrongUser, e2eWOUnitPassword)
		b.openFromQueue(orderID)
		if !b.has("#do-sign") {
			b.t.Errorf("the lift company is not offered to sign for it:\n%s", b.pageText())
		}
		if st := b.act("request_return", e2eWOReturnReason); st != 200 {
			b.t.Fatalf("request the return: status %d:\n%s", st, b.pageText())
		}
		if s := b.state(); s != "退单审核中" {
			b.t.Fatalf("after the return request the order is %q, want 退单审核中:\n%s", s, b.pageText())
		}
		b.shot("returned")

		// The clerk agrees and sends it to the property service centre,
		// which the map does not name: a reason is required.
		b.as(e2eWOClerk, demo.DemoPassword)
		b.open(order)
		if txt := b.text("#wo-timeline"); !strings.Contains(txt, e2eWOReturnReason) {
			b.t.Errorf("the clerk does not see the unit's reason in the timeline:\n%s", txt)
		}
		if st := b.act("approve_return", ""); st != 200 {
			b.t.Fatalf("approve the return: status %d:\n%s", st, b.pageText())
		}
		if s := b.state(); s != "已受理" {
			b.t.Fatalf("after the approval the order is %q, want 已受理 (to dispatch again)", s)
		}
		b.wait("#dispatch-unit")
		b.selectByText("#dispatch-unit", e2eWORightUnit)
		if st := b.click("#do-dispatch"); st != 422 {
			b.t.Errorf("dispatch against the map without a reason: status %d, want 422", st)
		}
		b.wait("#dispatch-note-err")
		if msg := b.text("#dispatch-note-err"); !strings.Contains(msg, "理由") {
			b.t.Errorf("#dispatch-note-err %q, want it to ask for a reason", msg)
		}
		if sel := e2eEval[string](b.e2eTab, `(() => { const s = document.querySelector('#dispatch-unit'); return s.options[s.selectedIndex].text; })()`); sel != e2eWORightUnit {
			b.t.Errorf("the form came back with unit %q, want %s still chosen", sel, e2eWORightUnit)
			b.selectByText("#dispatch-unit", e2eWORightUnit)
		}
		b.fill("#dispatch-note", e2eWOOverride)
		if st := b.click("#do-dispatch"); st != 200 {
			b.t.Fatalf("dispatch with a reason: status %d:\n%s", st, b.pageText())
		}
		if s, u := b.state(), strings.TrimSpace(b.text("#wo-unit")); s != "已派单" || u != e2eWORightUnit {
			b.t.Fatalf("after the re-dispatch: %q to %q, want 已派单 to %s", s, u, e2eWORightUnit)
		}
		if txt := b.text("#wo-assignments"); !strings.Contains(txt, e2eWOWrongUnit) || !strings.Contains(txt, e2eWOOverride) {
			b.t.Errorf("the assignments do not show the returned unit and the reason of the re-dispatch:\n%s", txt)
		}

		// The property service centre signs for it and resolves it.
		b.as(e2eWORightUser, e2eWOUnitPassword)
		b.openFromQueue(orderID)
		if st := b.click("#do-sign"); st != 200 {
			b.t.Fatalf("sign: status %d:\n%s", st, b.pageText())
		}
		if s := b.state(); s != "办理中" {
			b.t.Fatalf("after signing the order is %q, want 办理中", s)
		}
		if due := b.fact("办理期限"); due == "" || due == "—" || strings.Contains(due, "预计") {
			b.t.Errorf("after signing the deadline is %q, want a firm date", due)
		}
		if st := b.act("resolve", e2eWOReply); st != 200 {
			b.t.Fatalf("resolve: status %d:\n%s", st, b.pageText())
		}
		if s := b.state(); s != "已办结，待评价" {
			b.t.Fatalf("after resolving the order is %q, want 已办结，待评价", s)
		}
		if r := strings.TrimSpace(b.text("#wo-reply")); r != e2eWOReply {
			b.t.Errorf("#wo-reply %q, want %q", r, e2eWOReply)
		}
	})

	okC := woJourney(t, browser, base, "wo_c_unsatisfied_rating_reopens", e2eWidth, e2eHeight, func(b woTab) {
		if !okB {
			b.t.Skip("the order was not resolved: see wo_b_dispatch_return_redispatch_resolve")
		}
		b.as("resident", demo.DemoPassword)
		if st := b.open("/my/requests"); st != 200 {
			b.t.Fatalf("GET /my/requests: status %d:\n%s", st, b.pageText())
		}
		link := fmt.Sprintf(`a[href="/my/requests/%d"]`, orderID)
		b.wait(link)
		if st := b.click(link); st != 200 {
			b.t.Fatalf("open the request: status %d:\n%s", st, b.pageText())
		}
		if u := strings.TrimSpace(b.text("#order-unit")); u != e2eWORightUnit {
			b.t.Errorf("#order-unit %q, want %s", u, e2eWORightUnit)
		}
		if txt := b.text("#reply"); !strings.Contains(txt, e2eWOReply) {
			b.t.Errorf("the resident does not see the reply: %q", txt)
		}
		if txt := b.text("#timeline"); strings.Contains(txt, e2eWOReturnReason) {
			b.t.Errorf("the resident sees the unit's internal return reason:\n%s", txt)
		}
		b.wait("#rate")
		b.tick(`#rating input[name="rating"][value="2"]`)
		b.tick(`#solved input[name="solved"][value="no"]`)
		b.fill("#rate-note", e2eWOUnsatisfied)
		if st := b.click("#rate-submit"); st != 200 {
			b.t.Fatalf("rate: status %d:\n%s", st, b.pageText())
		}
		if r := strings.TrimSpace(b.text("#order-rating")); r != "不满意" {
			b.t.Errorf("#order-rating %q, want 不满意", r)
		}
		if s := strings.TrimSpace(b.text("#order-state")); s != "重新办理" {
			b.t.Fatalf("after an unsatisfied rating the order is %q, want 重新办理:\n%s", s, b.pageText())
		}
		if due := strings.TrimSpace(b.text("#due-date")); !e2eDueDate.MatchString(due) {
			b.t.Errorf("the reopened order's #due-date is %q, want a new deadline", due)
		}
		if b.has("#rate") {
			b.t.Errorf("the rating form is still offered after the rating reopened the order")
		}
		b.shot("reopened")

		// The clerk has a call-back task for it.
		b.as(e2eWOClerk, demo.DemoPassword)
		b.open("/")
		b.wait("#wo-intake-link")
		if st := b.click(`#wo-links a[href="/wo/callbacks"]`); st != 200 {
			b.t.Fatalf("GET /wo/callbacks: status %d:\n%s", st, b.pageText())
		}
		b.wait("#callbacks")
		row := e2eEval[[]string](b.e2eTab, fmt.Sprintf(`(() => {
			const a = document.querySelector('#callbacks tbody a[href="/wo/%d"]');
			return a ? [...a.closest('tr').cells].map(td => td.innerText.trim()) : [];
		})()`, orderID))
		if len(row) < 4 {
			b.t.Fatalf("/wo/callbacks has no task for %s:\n%s", number, b.pageText())
		}
		if row[0] != number || row[1] != e2eWOServiceName || !strings.Contains(row[3], "不满意") {
			b.t.Errorf("the call-back task is %q, want %s, %s and the reason 评价不满意", row, number, e2eWOServiceName)
		}
		b.must(chromedp.Do(b.ctx, chromedp.ScrollIntoView(chromedp.CSS(fmt.Sprintf(`#callbacks a[href="/wo/%d"]`, orderID)))), "scroll to the task")
	})

	woJourney(t, browser, base, "wo_d_kpi_counts_return_and_reopen", e2eWidth, e2eHeight, func(b woTab) {
		if !okC {
			b.t.Skip("the order was not reopened: see wo_c_unsatisfied_rating_reopens")
		}
		b.as(e2eWOKPIReader, demo.DemoPassword)
		b.open("/")
		b.wait("#kpi-link")
		if st := b.click("#kpi-link"); st != 200 {
			b.t.Fatalf("GET /kpi: status %d:\n%s", st, b.pageText())
		}
		b.wait("#kpi-table")
		if h := b.text("#kpi-min-volume"); !strings.Contains(h, "少于 1 件") {
			b.t.Errorf("#kpi-min-volume %q, want the minimum volume of 1", h)
		}
		heads, rows := b.kpiRows()
		col := func(head string) int {
			for i, h := range heads {
				if h == head {
					return i
				}
			}
			b.t.Fatalf("the KPI table has no column %s: %q", head, heads)
			return -1
		}
		ret, reo := col(e2eWOReturnsHead), col(e2eWOReopensHead)
		cell := func(unit string, i int) e2eKPICell {
			r, ok := rows[unit]
			if !ok || i >= len(r) {
				b.t.Fatalf("the KPI table (by unit) has no row %s; rows: %q", unit, e2eKeys(rows))
			}
			return r[i]
		}
		// The lift company: one dispatch, handed back once.
		if c := cell(e2eWOWrongUnit, ret); c.N != "100.0%" || c.Detail != "1 / 1" {
			b.t.Errorf("%s %s: %q (%s), want 100.0%% (1 / 1)", e2eWOWrongUnit, e2eWOReturnsHead, c.N, c.Detail)
		}
		// The property service centre: dispatched once and kept it;
		// resolved once and reopened once.
		if c := cell(e2eWORightUnit, ret); c.N != "0.0%" || c.Detail != "0 / 1" {
			b.t.Errorf("%s %s: %q (%s), want 0.0%% (0 / 1)", e2eWORightUnit, e2eWOReturnsHead, c.N, c.Detail)
		}
		if c := cell(e2eWORightUnit, reo); c.N != "100.0%" || c.Detail != "1 / 1" {
			b.t.Errorf("%s %s: %q (%s), want 100.0%% (1 / 1)", e2eWORightUnit, e2eWOReopensHead, c.N, c.Detail)
		}
		b.must(chromedp.Do(b.ctx, chromedp.ScrollIntoView(chromedp.CSS("#kpi-table"))), "scroll to the table")
	})

	woJourney(t, browser, base, "wo_e_hotline_caller_by_phone", e2eWidth, e2eHeight, func(b woTab) {
		b.as(e2eWOClerk, demo.DemoPassword)
		b.open("/")
		b.wait("#wo-hotline-link")
		if st := b.click("#wo-hotline-link"); st != 200 {
			b.t.Fatalf("GET /wo/hotline: status %d:\n%s", st, b.pageText())
		}
		b.fill("#phone", e2eWOCallerPhone)
		if st := b.click("#phone-lookup"); st != 200 {
			b.t.Fatalf("look up the caller: status %d:\n%s", st, b.pageText())
		}
		caller := fmt.Sprintf("#caller-%d", fx.caller)
		b.wait("#callers")
		if txt := b.text("#callers"); strings.Contains(txt, e2eWOCallerName) {
			b.t.Errorf("the caller's full name is shown before the agent knows who calls:\n%s", txt)
		}
		if !b.has(caller) {
			b.t.Fatalf("the lookup of %s does not list the resident %d:\n%s", e2eWOCallerPhone, fx.caller, b.pageText())
		}
		if st := b.click(caller); st != 200 {
			b.t.Fatalf("choose the caller: status %d:\n%s", st, b.pageText())
		}
		b.wait("#svc")
		b.selectByText("#svc", e2eWOHotlineSvc)
		if st := b.click("#service-choose"); st != 200 {
			b.t.Fatalf("choose the service: status %d:\n%s", st, b.pageText())
		}
		b.wait("#create")
		if v := e2eEval[string](b.e2eTab, `document.querySelector('#contact_phone').value`); v != e2eWOCallerPhone {
			b.t.Errorf("#contact_phone is %q, want the caller's number %s", v, e2eWOCallerPhone)
		}
		b.tick(`input[name="attribute[problems]"][value="piles"]`)
		b.fill("#attr-place", e2eWOHotlinePlace)
		b.fill("#description", e2eWOHotlineReport)
		b.shot("form")
		st := b.click("#wo-create")
		p := b.path()
		id, err := strconv.ParseInt(strings.TrimPrefix(p, "/wo/"), 10, 64)
		if st != 200 || err != nil {
			b.t.Fatalf("create: status %d at %s:\n%s", st, p, b.pageText())
		}
		hn := strings.Fields(b.text("#wo-title"))[0]
		if ch := b.fact("受理渠道"); ch != e2eWOPhoneChannel {
			b.t.Errorf("the order's channel is %q, want %s", ch, e2eWOPhoneChannel)
		}
		if s := b.state(); s != "已受理" {
			b.t.Errorf("the new order is %q, want 已受理", s)
		}
		if c := b.text("#wo-contact"); !strings.Contains(c, e2eWOCallerName) {
			b.t.Errorf("#wo-contact %q, want the caller %s", c, e2eWOCallerName)
		}
		if !b.has(fmt.Sprintf(`#wo-contact a[href="/persons/%d"]`, fx.caller)) {
			b.t.Errorf("the requester is not linked to the resident %d", fx.caller)
		}
		if ph := b.text("#wo-phone"); !strings.Contains(ph, e2eWOCallerPhone[7:]) {
			b.t.Errorf("#wo-phone %q does not end in the caller's %s", ph, e2eWOCallerPhone[7:])
		}
		b.shot("order")
		// The next call from the number shows the order.
		if st := b.open("/wo/hotline?phone=" + e2eWOCallerPhone); st != 200 {
			b.t.Fatalf("look up again: status %d", st)
		}
		b.wait("#previous-orders")
		if !b.has(fmt.Sprintf(`#previous-orders a[href="/wo/%d"]`, id)) {
			b.t.Errorf("the caller's previous orders do not list %s:\n%s", hn, b.text("#caller"))
		}
	})
	t.Logf("work-order journeys done in %s", time.Since(start).Round(time.Millisecond))
}

// e2eKeys lists a map's keys, for messages.
func e2eKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
