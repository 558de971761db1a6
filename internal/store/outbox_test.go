package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// outboxFixture: the work-order fixture, a resident account that asks for
// a repair with a phone and an email (an in-app notice, an email and an
// SMS), a unit with an email address and a member.
type outboxFixture struct {
	woFixture
	resident, member, admin linli.Actor
	unit                    linli.OrgUnit
	order                   linli.WorkOrder
}

const (
	obPhone = "13812345678"
	obEmail = "wang.daye@example.cn"
)

func mustOutboxFixture(t *testing.T, s *store.Store) outboxFixture {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	f := outboxFixture{woFixture: mustWOFixture(t, s)}
	var err error
	if f.unit, err = s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷维修队", Kind: "property_company", AreaID: f.tr.a.ID, Email: "weixiu@example.cn"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.CreateUser(ctx, con, linli.UserInput{Username: "wang.daye", DisplayName: "王大爷", Roles: []linli.Role{linli.RoleResident}}, "sealed-hash")
	if err != nil {
		t.Fatal(err)
	}
	f.resident = linli.NewActor(res.ID, "wang.daye", []linli.Role{linli.RoleResident}, linli.Scope{})
	mem, err := s.CreateUser(ctx, con, linli.UserInput{Username: "li.weixiu", DisplayName: "李师傅", Roles: []linli.Role{linli.RoleDeptStaff},
		OrgUnitID: f.unit.ID, ScopeIDs: []int64{f.tr.district.ID}}, "sealed-hash")
	if err != nil {
		t.Fatal(err)
	}
	f.member = actorOn([]linli.Role{linli.RoleDeptStaff}, f.tr.district)
	f.member.UserID, f.member.OrgUnitID = mem.ID, f.unit.ID
	f.admin = actorOn([]linli.Role{linli.RoleSystemAdmin}, f.tr.district)
	f.admin.UserID = 1
	f.order, _, err = s.CreateWorkOrder(ctx, f.resident, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactPhone: obPhone,
		ContactEmail: obEmail, AreaID: f.tr.gridA.ID, Description: "3号楼楼道灯不亮", Answers: map[string][]string{"what": {"light"}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// leaseAll leases every due message, by channel.
func leaseAll(t *testing.T, s *store.Store) map[string]store.OutboxMessage {
	t.Helper()
	ms, err := s.LeaseOutbox(context.Background(), 50, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.OutboxMessage{}
	for _, m := range ms {
		out[m.Channel] = m
	}
	return out
}

func TestOutboxBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := store.OutboxBackoff(i + 1); got != w {
			t.Errorf("OutboxBackoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}

func TestScrubReason(t *testing.T) {
	for _, tc := range []struct{ in, rcpt, want string }{
		{"smtp RCPT: 550 5.1.1 <wang.daye@example.cn>: Recipient address rejected", "wang.daye@example.cn", "smtp RCPT: 550 5.1.1 <…>: Recipient address rejected"},
		{"550 no such user other@example.cn", "x@example.cn", "550 no such user <address>"},
		{"gateway refused 138-1234-5678 and 11010519491231002X", "order:7", "gateway refused # and #"},
		{"webhook: HTTP 503", "order:7", "webhook: HTTP 503"},
		{"line\r\nbreak", "", "line break"},
	} {
		if got := store.ScrubReason(tc.in, tc.rcpt); got != tc.want {
			t.Errorf("ScrubReason(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := store.ScrubReason(strings.Repeat("错", 200), ""); len(got) > 304 || !strings.HasSuffix(got, "…") {
		t.Errorf("long reason = %d bytes", len(got))
	}
}

// A change writes its messages; a runner leases them, and a second runner
// gets nothing until the lease expires; a runner whose lease was taken
// over changes nothing; failures back off and end as failed; an
// administrator sees them without personal data and retries (audited).
func TestOutboxLeaseRetryAndAdmin(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustOutboxFixture(t, s)
		got := leaseAll(t, s)
		email, sms := got[store.ChannelEmail], got[store.ChannelWebhook]
		if len(got) != 2 || email.Recipient != obEmail || sms.Recipient != "order:"+itoa(f.order.ID) || email.Key != "wo.notify.accepted" ||
			email.Params["number"] != f.order.Number || email.Params["service_en"] != "Repairs in public areas" || email.OrderID != f.order.ID {
			t.Fatalf("leased %+v", got)
		}
		if again := leaseAll(t, s); len(again) != 0 {
			t.Fatalf("second runner leased %d messages under a live lease", len(again))
		}
		if phone, err := s.OutboxPhone(ctx, sms); err != nil || phone != obPhone {
			t.Errorf("OutboxPhone = %q, %v", phone, err)
		}
		if _, err := s.OutboxPhone(ctx, email); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("OutboxPhone(email) = %v, want not found", err)
		}
		if err := s.OutboxSent(ctx, email); err != nil {
			t.Fatal(err)
		}
		// The SMS runner stalls past its lease; another takes over.
		c.Advance(61 * time.Second)
		taken := leaseAll(t, s)[store.ChannelWebhook]
		if taken.ID != sms.ID {
			t.Fatalf("expired lease not taken over: %+v", taken)
		}
		if err := s.OutboxSent(ctx, sms); !errors.Is(err, store.ErrOutboxLease) {
			t.Fatalf("stale runner's OutboxSent = %v, want ErrOutboxLease", err)
		}
		if _, err := s.OutboxAttemptFailed(ctx, sms, "x", false); !errors.Is(err, store.ErrOutboxLease) {
			t.Fatalf("stale runner's OutboxAttemptFailed = %v, want ErrOutboxLease", err)
		}
		// Eight failures, each after its back-off.
		m := taken
		for n := 1; n <= store.OutboxMaxAttempts; n++ {
			after, err := s.OutboxAttemptFailed(ctx, m, "gateway answered 500 for "+obPhone, false)
			if err != nil {
				t.Fatal(err)
			}
			if after.Attempts != n || strings.Contains(after.LastError, obPhone) || !after.NextAt.Equal(c.Now().Add(store.OutboxBackoff(n))) {
				t.Fatalf("after failure %d: %+v", n, after)
			}
			if n == store.OutboxMaxAttempts {
				if after.State != store.OutboxFailed {
					t.Fatalf("after %d failures: state %s", n, after.State)
				}
				break
			}
			if early := leaseAll(t, s); len(early) != 0 {
				t.Fatalf("leased before the back-off ended")
			}
			c.Advance(store.OutboxBackoff(n))
			m = leaseAll(t, s)[store.ChannelWebhook]
			if m.ID != sms.ID || m.Attempts != n {
				t.Fatalf("after back-off %d: %+v", n, m)
			}
		}
		c.Advance(2 * time.Hour)
		if l := leaseAll(t, s); len(l) != 0 {
			t.Fatalf("a failed message was leased")
		}

		// The administrator's list: the failed SMS, named by its order.
		if _, err := s.Outbox(ctx, f.clerk, store.OutboxFilter{}); !errors.Is(err, linli.ErrForbidden) {
			t.Errorf("Outbox as a clerk = %v, want forbidden", err)
		}
		list, err := s.Outbox(ctx, f.admin, store.OutboxFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("Outbox = %d, %v; want the failed SMS", len(list), err)
		}
		var failed store.OutboxMessage
		for _, m := range list {
			if m.ID == sms.ID {
				failed = m
			}
		}
		if failed.State != store.OutboxFailed || failed.Attempts != store.OutboxMaxAttempts || failed.ToOrder != f.order.Number ||
			failed.OrderNumber != f.order.Number || failed.LastError != "gateway answered 500 for #" {
			t.Errorf("failed entry = %+v", failed)
		}
		sent, err := s.Outbox(ctx, f.admin, store.OutboxFilter{State: store.OutboxSent})
		if err != nil || len(sent) != 1 || sent[0].To != "w***@example.cn" {
			t.Fatalf("sent = %+v, %v", sent, err)
		}
		counts, err := s.CountOutbox(ctx, f.admin)
		if err != nil || counts != (store.OutboxCounts{Failed: 1, Sent: 1}) {
			t.Errorf("CountOutbox = %+v, %v", counts, err)
		}
		// Retry: due now, attempts afresh, audited.
		if err := s.RetryOutbox(ctx, f.clerk, sms.ID); !errors.Is(err, linli.ErrForbidden) {
			t.Errorf("retry as a clerk = %v", err)
		}
		if err := s.RetryOutbox(ctx, f.admin, email.ID); !errors.Is(err, linli.ErrConflict) {
			t.Errorf("retry of a sent message = %v, want conflict", err)
		}
		if err := s.RetryOutbox(ctx, f.admin, sms.ID); err != nil {
			t.Fatal(err)
		}
		m = leaseAll(t, s)[store.ChannelWebhook]
		if m.ID != sms.ID || m.Attempts != 0 || m.State != store.OutboxPending {
			t.Fatalf("after retry leased %+v", m)
		}
		if err := s.RetryOutbox(ctx, f.admin, sms.ID); !errors.Is(err, linli.ErrConflict) {
			t.Errorf("retry while being sent = %v, want conflict", err)
		}
		if err := s.OutboxSent(ctx, m); err != nil {
			t.Fatal(err)
		}
		evs, err := s.SearchAudit(ctx, actorOn([]linli.Role{linli.RoleAuditAdmin}, f.tr.district), linli.AuditQuery{Action: "outbox.retry"})
		if err != nil || len(evs) != 1 || evs[0].ObjectID != itoa(sms.ID) || strings.Contains(evs[0].Detail, obPhone) {
			t.Fatalf("audit = %+v, %v", evs, err)
		}
	})
}

// A message of a channel that is not configured waits a day without an
// attempt counted, and is due again as soon as the channel is there.
func TestOutboxDeferAndResume(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustOutboxFixture(t, s)
		sms := leaseAll(t, s)[store.ChannelWebhook]
		if n, err := s.OutboxDeferChannel(ctx, store.ChannelWebhook, 24*time.Hour); err != nil || n != 0 {
			t.Fatalf("deferring a leased message = %d, %v; want 0 (it is being sent)", n, err)
		}
		c.Advance(2 * time.Minute) // the lease expires
		if n, err := s.OutboxDeferChannel(ctx, store.ChannelWebhook, 24*time.Hour); err != nil || n != 1 {
			t.Fatalf("OutboxDeferChannel = %d, %v", n, err)
		}
		if l := leaseAll(t, s); len(l) != 1 || l[store.ChannelEmail].ID == 0 {
			t.Fatalf("after deferring the SMS leased %+v; want the email only", l)
		}
		list, err := s.Outbox(ctx, f.admin, store.OutboxFilter{State: store.OutboxPending})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			if m.ID == sms.ID && (m.Attempts != 0 || m.LastError != store.ReasonNotConfigured || !m.NextAt.Equal(c.Now().Add(24*time.Hour))) {
				t.Errorf("deferred = %+v", m)
			}
		}
		if n, err := s.CountOutbox(ctx, f.admin); err != nil || n.Deferred != 1 {
			t.Errorf("CountOutbox = %+v, %v", n, err)
		}
		if n, err := s.OutboxResume(ctx, store.ChannelEmail); err != nil || n != 0 {
			t.Errorf("resume email = %d, %v", n, err)
		}
		if n, err := s.OutboxResume(ctx, store.ChannelWebhook); err != nil || n != 1 {
			t.Errorf("resume webhook = %d, %v", n, err)
		}
		if m := leaseAll(t, s)[store.ChannelWebhook]; m.ID != sms.ID || m.LastError != "" {
			t.Errorf("after resume leased %+v", m)
		}
	})
}

// Notices: the requester's own, the unit's for its members; reading one
// another's is not found; a unit's notice read by one member is read.
func TestNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustOutboxFixture(t, s)
		mustAct(t, s, f.clerk, f.order, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "维修队负责楼道照明"})
		mine, err := s.Notices(ctx, f.resident, 0)
		if err != nil || len(mine) != 1 || mine[0].Key != "wo.notify.accepted" || mine[0].Params["number"] != f.order.Number ||
			mine[0].OrderID != f.order.ID || mine[0].UnitID != 0 || mine[0].Read() {
			t.Fatalf("resident's notices = %+v, %v", mine, err)
		}
		unit, err := s.Notices(ctx, f.member, 0)
		if err != nil || len(unit) != 1 || unit[0].Key != "wo.notify.dispatched" || unit[0].UnitID != f.unit.ID {
			t.Fatalf("member's notices = %+v, %v", unit, err)
		}
		other := f.unitStaff
		other.UserID = f.member.UserID + 100 // a member of another unit
		if got, _ := s.Notices(ctx, other, 0); len(got) != 0 {
			t.Errorf("another unit sees %+v", got)
		}
		if n, err := s.UnreadNotices(ctx, f.resident); err != nil || n != 1 {
			t.Errorf("UnreadNotices = %d, %v", n, err)
		}
		if err := s.MarkNoticeRead(ctx, f.member, mine[0].ID); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("reading another's notice = %v, want not found", err)
		}
		if err := s.MarkNoticeRead(ctx, f.resident, mine[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadNotices(ctx, f.resident); n != 0 {
			t.Errorf("unread after reading = %d", n)
		}
		if n, err := s.MarkAllNoticesRead(ctx, f.member); err != nil || n != 1 {
			t.Errorf("MarkAllNoticesRead = %d, %v", n, err)
		}
		if got, _ := s.Notices(ctx, f.member, 0); len(got) != 1 || !got[0].Read() {
			t.Errorf("after mark all: %+v", got)
		}
		// The dispatch emailed the unit.
		ms, err := s.LeaseOutbox(ctx, 50, time.Minute)
		if err != nil || len(ms) != 3 {
			t.Errorf("outbox after dispatch = %d messages, %v; want the requester's email and SMS and the unit's email", len(ms), err)
		}
	})
}
