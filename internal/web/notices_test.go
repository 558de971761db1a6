package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
)

const (
	noticePhone = "13812345678"
	noticeEmail = "wang.xiuying@example.cn"
)

// residentOrder has the demo resident ask for a repair at an area, with a
// phone and an email: an in-app notice for the resident, and an email and
// an SMS in the outbox.
func residentOrder(t testing.TB, e *env, areaID int64) (linli.WorkOrder, store.Notice) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.st.ServiceByCode(ctx, linli.ConsoleActor(), "NOTIFY-TEST"); err != nil {
		if _, err := e.st.SaveService(ctx, linli.ConsoleActor(), linli.Service{Code: "NOTIFY-TEST", NameZh: "楼道照明维修", NameEn: "Stairwell lighting repair",
			Group: "repair", Duty: linli.DutyOwn, Public: true,
			Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays},
				linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours}, linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}}}); err != nil {
			t.Fatal(err)
		}
	}
	id, err := e.st.UserIDByName(ctx, "resident")
	if err != nil {
		t.Fatal(err)
	}
	res := linli.NewActor(id, "resident", []linli.Role{linli.RoleResident}, linli.Scope{})
	o, _, err := e.st.CreateWorkOrder(ctx, res, linli.WorkOrderInput{ServiceCode: "NOTIFY-TEST", ContactPhone: noticePhone, ContactEmail: noticeEmail,
		AreaID: areaID, Description: "5号楼楼道灯坏了"})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := e.st.Notices(ctx, res, 1)
	if err != nil || len(ns) != 1 || ns[0].OrderID != o.ID {
		t.Fatalf("resident's notices = %+v, %v", ns, err)
	}
	return o, ns[0]
}

// The resident sees the notice, with the unread count in the header, and
// marks it read; nobody else can.
func TestNoticesPage(t *testing.T) {
	e := newEnv(t)
	o, n := residentOrder(t, e, e.area(demo.CommunityACode).ID)
	c := e.as("resident")
	resp, body := e.get(c, "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="nav-notices" aria-label="通知（1 条未读）"`) || !strings.Contains(body, `<span class="badge">1</span>`) {
		t.Fatalf("dashboard = %d, no unread count in the header", resp.StatusCode)
	}
	resp, body = e.get(c, "/notices")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "您的诉求已受理，工单号 "+o.Number+"（楼道照明维修）") ||
		!strings.Contains(body, `id="notice-`+itoa(n.ID)+`" class="unread"`) {
		t.Fatalf("notices page = %d:\n%s", resp.StatusCode, body)
	}
	for _, who := range []string{"comm.worker", "district.admin"} {
		if resp, _ := e.do(e.as(who), http.MethodPost, "/notices/"+itoa(n.ID)+"/read", "application/x-www-form-urlencoded", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s marking the resident's notice = %d, want 404", who, resp.StatusCode)
		}
		if _, body := e.get(e.as(who), "/notices"); strings.Contains(body, o.Number) {
			t.Errorf("%s sees the resident's notice", who)
		}
	}
	resp, _ = e.do(c, http.MethodPost, "/notices/"+itoa(n.ID)+"/read", "application/x-www-form-urlencoded", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/notices" {
		t.Fatalf("mark read = %d", resp.StatusCode)
	}
	if _, body := e.get(c, "/"); strings.Contains(body, `class="badge"`) {
		t.Errorf("unread count shown after reading")
	}
	// English, and mark all.
	residentOrder(t, e, e.area(demo.CommunityACode).ID)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/notices", nil)
	req.Header.Set("Accept-Language", "en")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("english notices = %d", resp.StatusCode)
	}
	if resp, _ := e.do(c, http.MethodPost, "/notices/read-all", "application/x-www-form-urlencoded", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("read all = %d", resp.StatusCode)
	}
	if got, _ := e.st.UnreadNotices(context.Background(), linli.NewActor(mustUserID(t, e, "resident"), "resident", nil, linli.Scope{})); got != 0 {
		t.Errorf("unread after read-all = %d", got)
	}
}

func mustUserID(t testing.TB, e *env, name string) int64 {
	t.Helper()
	id, err := e.st.UserIDByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The system administrator sees what waits and what failed, without the
// phone or the address, and retries a failed message (audited); nobody
// else has the page.
func TestOutboxAdminPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o, _ := residentOrder(t, e, e.area(demo.CommunityACode).ID)
	if n, err := e.st.OutboxDeferChannel(ctx, store.ChannelEmail, 24*time.Hour); err != nil || n != 1 {
		t.Fatalf("deferred %d emails, %v", n, err)
	}
	msgs, err := e.st.LeaseOutbox(ctx, 10, time.Minute)
	if err != nil || len(msgs) != 1 || msgs[0].Channel != store.ChannelWebhook {
		t.Fatalf("leased %+v, %v", msgs, err)
	}
	sms := msgs[0]
	if _, err := e.st.OutboxAttemptFailed(ctx, sms, "gateway refused "+noticePhone, true); err != nil {
		t.Fatal(err)
	}
	sys := e.as("sys.admin")
	resp, body := e.get(sys, "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/admin/outbox"`) {
		t.Errorf("no link to the outbox for the system admin")
	}
	resp, body = e.get(sys, "/admin/outbox")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("outbox page = %d", resp.StatusCode)
	}
	for _, want := range []string{"工单 " + o.Number + " 的诉求人", "w***@example.cn", "gateway refused #", "渠道未配置", `id="retry-` + itoa(sms.ID) + `"`,
		"待发送 1 条（其中 1 条等待渠道配置），失败 1 条"} {
		if !strings.Contains(body, want) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
	for _, secret := range []string{noticePhone, noticeEmail, "1381234"} {
		if strings.Contains(body, secret) {
			t.Errorf("outbox page shows %q", secret)
		}
	}
	for _, who := range []string{"district.admin", "sec.admin", "comm.worker", "resident"} {
		c := e.as(who)
		if resp, _ := e.get(c, "/admin/outbox"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s GET /admin/outbox = %d, want 404", who, resp.StatusCode)
		}
		if resp, _ := e.do(c, http.MethodPost, "/admin/outbox/"+itoa(sms.ID)+"/retry", "application/x-www-form-urlencoded", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s retry = %d, want 404", who, resp.StatusCode)
		}
	}
	resp, _ = e.do(sys, http.MethodPost, "/admin/outbox/"+itoa(sms.ID)+"/retry", "application/x-www-form-urlencoded", "")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry = %d", resp.StatusCode)
	}
	if _, body := e.get(sys, "/admin/outbox?state=failed"); !strings.Contains(body, "没有符合条件的消息") {
		t.Errorf("the retried message is still failed")
	}
	evs, err := e.st.SearchAudit(ctx, linli.NewActor(0, "audit", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{}), linli.AuditQuery{Action: "outbox.retry"})
	if err != nil || len(evs) != 1 || evs[0].ActorName != "sys.admin" {
		t.Fatalf("audit = %+v, %v", evs, err)
	}
	if resp, _ := e.do(sys, http.MethodPost, "/admin/outbox/999999/retry", "application/x-www-form-urlencoded", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("retry of an unknown message = %d", resp.StatusCode)
	}
}
