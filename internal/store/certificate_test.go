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

const certTemplate = "兹证明{{name}}（公民身份号码：{{id_number}}）自{{since}}起在本社区{{address}}居住。\n本证明仅用于{{purpose}}。\n特此证明。\n\n{{committee}}\n{{date}}"

// certFixture: the work-order fixture, a residence certificate service
// (like the demo's), the committee of community A as a unit, and a
// resident of grid A with an ID number and an address.
type certFixture struct {
	woFixture
	cert      linli.Service
	committee linli.OrgUnit
	committer linli.Actor // the committee's staff (a community worker whose unit is the committee)
	person    linli.Person
	idNumber  string
}

func mustCertFixture(t *testing.T, s *store.Store) certFixture {
	t.Helper()
	ctx := context.Background()
	f := certFixture{woFixture: mustWOFixture(t, s)}
	var err error
	con := linli.ConsoleActor()
	if f.committee, err = s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷社区居民委员会", Kind: "community_committee", AreaID: f.tr.a.ID}); err != nil {
		t.Fatal(err)
	}
	f.committer = actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.a)
	f.committer.OrgUnitID = f.committee.ID
	admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, f.tr.district)
	f.cert, err = s.SaveService(ctx, admin, linli.Service{
		Code: "CERT-RESIDENCE", NameZh: "居住证明开具", NameEn: "Certificate of residence", Group: "certificate", Duty: linli.DutyOwn,
		DefaultUnitID: f.committee.ID, Public: true, Certificate: true, CertDays: 1, CertTemplate: certTemplate,
		Deadlines: map[linli.Priority]linli.Deadline{
			linli.PriorityNormal: {N: 1, Unit: linli.UnitWorkingDays}, linli.PriorityUrgent: {N: 4, Unit: linli.UnitWorkingHours},
			linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}},
		Attrs: []linli.ServiceAttr{
			{Code: "purpose", Datatype: linli.AttrSingleValue, Required: true, Variable: true, Order: 1, Description: "证明用途",
				Values: []linli.AttrValue{{Key: "school", Name: "子女入学"}, {Key: "other", Name: "其他"}}},
			{Code: "since", Datatype: linli.AttrDatetime, Required: true, Variable: true, Order: 2, Description: "开始居住日期"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.idNumber = idWith("11010519800101001")
	f.person = newPerson(t, s, f.clerk, linli.PersonInput{Name: "张少明", IDNumber: f.idNumber, GridID: f.tr.gridA.ID,
		Address: "幸福里小区1号楼1单元204"})
	return f
}

// certOrder is a new request for the certificate by a resident.
func (f certFixture) certOrder(t *testing.T, s *store.Store, personID int64) linli.WorkOrder {
	t.Helper()
	o, _, err := s.CreateWorkOrder(context.Background(), f.clerk, linli.WorkOrderInput{ServiceCode: "CERT-RESIDENCE", RequesterPersonID: personID,
		ContactName: "张少明", AreaID: f.tr.gridA.ID, Description: "孩子上学需要居住证明",
		Answers: map[string][]string{"purpose": {"school"}, "since": {"2019-09-01"}}})
	if err != nil {
		t.Fatalf("CreateWorkOrder = %v", err)
	}
	return o
}

func auditActions(t *testing.T, s *store.Store, action string) []linli.AuditEvent {
	t.Helper()
	ev, err := s.SearchAudit(context.Background(), actorOn([]linli.Role{linli.RoleAuditAdmin}), linli.AuditQuery{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// At the counter: the preview shows the text masked; issuing answers the
// order with a public reply naming the number, writes the register row
// (masked text, full text sealed) and the audit record; the register
// lists it in scope only.
func TestIssueCertificateAtTheCounter(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustCertFixture(t, s)
		o := f.certOrder(t, s, f.person.ID)
		masked := "1101**********" + f.idNumber[14:]

		text, err := s.CertificatePreview(ctx, f.clerk, o.ID, linli.CertificateInput{})
		want := "兹证明张少明（公民身份号码：" + masked + "）自2019年9月1日起在本社区幸福里小区1号楼1单元204居住。\n本证明仅用于子女入学。\n特此证明。\n\n多福巷社区居民委员会\n2026年3月2日"
		if err != nil || text != want {
			t.Fatalf("CertificatePreview = %q, %v; want %q", text, err, want)
		}
		c.Advance(10 * time.Minute)
		cert, err := s.IssueCertificate(ctx, f.clerk, o.ID, linli.CertificateInput{Purpose: "子女入学（小学）", Note: "请妥善保管。", Version: o.Version})
		if err != nil {
			t.Fatalf("IssueCertificate = %v", err)
		}
		if cert.Number != "ZM110101001001-2026-0001" || cert.OrderID != o.ID || cert.PersonID != f.person.ID || cert.AreaID != f.tr.a.ID ||
			cert.Path != f.tr.a.Path || cert.Purpose != "子女入学（小学）" || cert.Late() || cert.Voided() || !cert.DueAt.Equal(o.DueAt) {
			t.Errorf("issued %+v", cert)
		}
		if !strings.Contains(cert.BodyMasked, masked) || strings.Contains(cert.BodyMasked, f.idNumber) || !strings.Contains(cert.BodyMasked, "仅用于子女入学（小学）") {
			t.Errorf("BodyMasked = %q, want the ID masked and the purpose given", cert.BodyMasked)
		}
		var sealed string
		if err := s.DB().QueryRow(`SELECT body_sealed FROM certificates WHERE id = ` + itoa(cert.ID)).Scan(&sealed); err != nil ||
			!strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, f.idNumber) || strings.Contains(sealed, "张少明") {
			t.Errorf("body_sealed = %q, %v; want a sealed value", sealed, err)
		}
		got, err := s.WorkOrder(ctx, f.clerk, o.ID)
		if err != nil || got.State != linli.WOAnswered || got.Reply != "已出具证明，证明编号 ZM110101001001-2026-0001。请妥善保管。" {
			t.Errorf("order after issue: %s %q, %v", got.State, got.Reply, err)
		}
		evs, err := s.Timeline(ctx, f.clerk, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Kind != string(linli.ActAnswer) || last.Visibility != linli.VisPublic || last.Data["certificate"] != cert.Number ||
			!strings.Contains(last.Note, cert.Number) {
			t.Errorf("last event = %+v, want a public answer naming the certificate", last)
		}
		if ev := auditActions(t, s, "cert.issue"); len(ev) != 1 || ev[0].ObjectID != cert.Number || ev[0].Detail != "order="+o.Number {
			t.Errorf("cert.issue audit = %+v", ev)
		}
		// One certificate per order.
		if _, err := s.IssueCertificate(ctx, f.clerk, o.ID, linli.CertificateInput{}); err == nil {
			t.Error("a second certificate for the same order was issued")
		} else {
			conflictErr(t, err, "cert.exists")
		}
		// The next one of the community and year.
		o2 := f.certOrder(t, s, f.person.ID)
		cert2, err := s.IssueCertificate(ctx, f.clerk, o2.ID, linli.CertificateInput{})
		if err != nil || cert2.Number != "ZM110101001001-2026-0002" || !strings.Contains(cert2.BodyMasked, "仅用于子女入学。") || cert2.Purpose != "子女入学" {
			t.Fatalf("second IssueCertificate = %+v, %v", cert2, err)
		}

		// The register, newest first, in scope.
		list, err := s.Certificates(ctx, f.clerk, store.CertFilter{})
		if err != nil || len(list) != 2 || list[0].ID != cert2.ID || list[1].ID != cert.ID || list[0].ServiceCode != "CERT-RESIDENCE" ||
			list[0].PersonName != "张少明" || list[0].OrderNumber != o2.Number {
			t.Fatalf("Certificates = %+v, %v", list, err)
		}
		for _, tt := range []struct {
			name string
			f    store.CertFilter
			want int
		}{
			{"late only", store.CertFilter{Late: true}, 0},
			{"another service", store.CertFilter{ServiceCode: "REPAIR-PUBLIC"}, 0},
			{"its service", store.CertFilter{ServiceCode: "CERT-RESIDENCE"}, 2},
			{"older than the newest", store.CertFilter{AfterID: cert2.ID}, 1},
			{"this period", store.CertFilter{From: c.t.Add(-time.Hour), To: c.t.Add(time.Hour)}, 2},
			{"a period before", store.CertFilter{To: c.t.Add(-time.Hour)}, 0},
			{"one a page", store.CertFilter{Limit: 1}, 1},
		} {
			if got, err := s.Certificates(ctx, f.clerk, tt.f); err != nil || len(got) != tt.want {
				t.Errorf("Certificates(%s) = %d, %v; want %d", tt.name, len(got), err, tt.want)
			}
		}
		clerkB := actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b)
		if got, err := s.Certificates(ctx, clerkB, store.CertFilter{}); err != nil || len(got) != 0 {
			t.Errorf("Certificates for B = %d, %v; want none", len(got), err)
		}
		if _, err := s.Certificate(ctx, clerkB, cert.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("Certificate out of scope = %v, want not found", err)
		}
		if got, err := s.CertificateOfOrder(ctx, f.clerk, o.ID); err != nil || got.ID != cert.ID {
			t.Errorf("CertificateOfOrder = %+v, %v", got, err)
		}
	})
}

// The committee's unit, the order's lead unit, issues it after the
// deadline: the order is resolved and the register marks it late.
func TestIssueCertificateByTheUnitLate(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustCertFixture(t, s)
		o := f.certOrder(t, s, f.person.ID)
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch})
		if o.LeadUnitID != f.committee.ID {
			t.Fatalf("dispatched to %d, want the committee %d", o.LeadUnitID, f.committee.ID)
		}
		// Dispatched: nobody may issue it until the unit signs.
		if _, err := s.IssueCertificate(ctx, f.committer, o.ID, linli.CertificateInput{}); !errors.Is(err, linli.ErrConflict) {
			t.Errorf("issue while dispatched = %v, want a conflict (transition)", err)
		}
		o = mustAct(t, s, f.committer, o, linli.WOActionInput{Action: linli.ActSign})
		// Only the lead unit resolves: the clerk without the unit may not.
		if _, err := s.IssueCertificate(ctx, f.clerk, o.ID, linli.CertificateInput{}); !errors.Is(err, linli.ErrForbidden) {
			t.Errorf("issue by a clerk while in progress = %v, want forbidden", err)
		}
		c.t = o.DueAt.Add(2 * time.Hour)
		cert, err := s.IssueCertificate(ctx, f.committer, o.ID, linli.CertificateInput{})
		if err != nil {
			t.Fatalf("IssueCertificate by the unit = %v", err)
		}
		if !cert.Late() || !cert.DueAt.Equal(o.DueAt) {
			t.Errorf("issued %s, due %s: Late = %v, want true", cert.IssuedAt, cert.DueAt, cert.Late())
		}
		if got, _ := s.WorkOrder(ctx, f.clerk, o.ID); got.State != linli.WOResolved || !strings.Contains(got.Reply, cert.Number) {
			t.Errorf("order after issue: %s %q", got.State, got.Reply)
		}
		if list, err := s.Certificates(ctx, f.clerk, store.CertFilter{Late: true}); err != nil || len(list) != 1 || list[0].ID != cert.ID {
			t.Errorf("late certificates = %+v, %v", list, err)
		}
	})
}

// Every refusal writes nothing: no register row, no number used, no
// event, no audit record, the order as it was.
func TestIssueCertificateRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustCertFixture(t, s)
		repair, _, err := s.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "王大爷",
			AreaID: f.tr.gridA.ID, Description: "楼道灯不亮", Answers: map[string][]string{"what": {"light"}}})
		if err != nil {
			t.Fatal(err)
		}
		noPerson, _, err := s.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: "CERT-RESIDENCE", ContactName: "李女士",
			AreaID: f.tr.gridA.ID, Description: "需要居住证明", Answers: map[string][]string{"purpose": {"school"}, "since": {"2020-01-01"}}})
		if err != nil {
			t.Fatal(err)
		}
		homeless := newPerson(t, s, f.clerk, linli.PersonInput{Name: "赵建国", IDNumber: idWith("11010519700101002"), GridID: f.tr.gridA.ID})
		noAddress := f.certOrder(t, s, homeless.ID)
		good := f.certOrder(t, s, f.person.ID)
		resident := linli.NewActor(99, "resident", []linli.Role{linli.RoleResident}, linli.Scope{})
		tests := []struct {
			name  string
			a     linli.Actor
			o     linli.WorkOrder
			in    linli.CertificateInput
			check func(t *testing.T, err error)
		}{
			{"not a certificate service", f.clerk, repair, linli.CertificateInput{}, func(t *testing.T, err error) { conflictErr(t, err, "cert.service.none") }},
			{"out of scope", actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b), good, linli.CertificateInput{}, func(t *testing.T, err error) {
				if !errors.Is(err, linli.ErrNotFound) {
					t.Fatalf("err = %v, want not found", err)
				}
			}},
			{"no resident of the registry", f.clerk, noPerson, linli.CertificateInput{}, func(t *testing.T, err error) {
				fieldErr(t, err, "requester", "cert.requester.not_person")
			}},
			{"a placeholder without a value", f.clerk, noAddress, linli.CertificateInput{}, func(t *testing.T, err error) {
				fieldErr(t, err, "template", "cert.template.missing")
				var ve *linli.ValidationError
				if errors.As(err, &ve) && ve.Fields[0].Args[0] != "address" {
					t.Errorf("missing = %v, want address", ve.Fields[0].Args)
				}
			}},
			{"a purpose too long", f.clerk, good, linli.CertificateInput{Purpose: strings.Repeat("用", 101)}, func(t *testing.T, err error) {
				fieldErr(t, err, "purpose", "field.too_long")
			}},
			{"valid until yesterday", f.clerk, good, linli.CertificateInput{ValidUntil: c.t.AddDate(0, 0, -1)}, func(t *testing.T, err error) {
				fieldErr(t, err, "valid_until", "cert.valid_until.past")
			}},
			{"a grid worker does not speak for the committee", actorOn([]linli.Role{linli.RoleGridWorker}, f.tr.gridA), good, linli.CertificateInput{},
				func(t *testing.T, err error) {
					if !errors.Is(err, linli.ErrForbidden) {
						t.Fatalf("err = %v, want forbidden", err)
					}
				}},
			{"a resident", resident, good, linli.CertificateInput{}, func(t *testing.T, err error) {
				if !errors.Is(err, linli.ErrForbidden) {
					t.Fatalf("err = %v, want forbidden", err)
				}
			}},
			{"a stale version", f.clerk, good, linli.CertificateInput{Version: good.Version + 1}, func(t *testing.T, err error) {
				if !errors.Is(err, linli.ErrConflict) {
					t.Fatalf("err = %v, want a conflict", err)
				}
			}},
		}
		events := countRows(t, s, "wo_events")
		audits := countRows(t, s, "audit")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.IssueCertificate(ctx, tt.a, tt.o.ID, tt.in)
				tt.check(t, err)
				if n := countRows(t, s, "certificates"); n != 0 {
					t.Errorf("%d register rows written", n)
				}
				if n := countRows(t, s, "cert_numbers"); n != 0 {
					t.Errorf("a number was used")
				}
				if n := countRows(t, s, "wo_events"); n != events {
					t.Errorf("events %d, want %d", n, events)
				}
				if n := countRows(t, s, "audit"); n != audits {
					t.Errorf("audit records %d, want %d", n, audits)
				}
				if got, err := s.WorkOrder(ctx, f.clerk, tt.o.ID); err != nil || got.State != tt.o.State || got.Version != tt.o.Version {
					t.Errorf("order changed: %s v%d, %v", got.State, got.Version, err)
				}
				// The preview gives the same answer, without writing.
				if _, perr := s.CertificatePreview(ctx, tt.a, tt.o.ID, tt.in); tt.in.Version == 0 && !sameError(perr, err) {
					t.Errorf("CertificatePreview = %v, IssueCertificate = %v", perr, err)
				}
			})
		}
		// A missing placeholder shows in the preview, kept in the text.
		if text, err := s.CertificatePreview(ctx, f.clerk, noAddress.ID, linli.CertificateInput{}); !strings.Contains(text, "在本社区{{address}}居住") || err == nil {
			t.Errorf("preview without an address = %q, %v", text, err)
		}
		// Nothing was used up: the next certificate is the first.
		cert, err := s.IssueCertificate(ctx, f.clerk, good.ID, linli.CertificateInput{})
		if err != nil || !strings.HasSuffix(cert.Number, "-0001") {
			t.Fatalf("IssueCertificate after the refusals = %+v, %v", cert, err)
		}
	})
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	for _, e := range []error{linli.ErrNotFound, linli.ErrForbidden, linli.ErrInvalid, linli.ErrConflict} {
		if errors.Is(a, e) != errors.Is(b, e) {
			return false
		}
	}
	return true
}

// The full text leaves the store only with pii.reveal and a purpose,
// counted against the hourly budget and audited; a void certificate is
// kept, marked, and no longer printed; nothing deletes a row.
func TestCertificateTextAndVoid(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustCertFixture(t, s)
		o := f.certOrder(t, s, f.person.ID)
		cert, err := s.IssueCertificate(ctx, f.clerk, o.ID, linli.CertificateInput{})
		if err != nil {
			t.Fatal(err)
		}
		head := actorOn([]linli.Role{linli.RoleCommunityHead}, f.tr.a)
		head.UserID = 7
		if _, err := s.CertificateText(ctx, f.clerk, cert.ID, "service_handling"); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("CertificateText without pii.reveal = %v, want not found", err)
		}
		if _, err := s.CertificateText(ctx, head, cert.ID, ""); err == nil {
			t.Error("CertificateText without a purpose succeeded")
		} else {
			fieldErr(t, err, "purpose", "reveal.purpose.required")
		}
		headB := actorOn([]linli.Role{linli.RoleCommunityHead}, f.tr.b)
		if _, err := s.CertificateText(ctx, headB, cert.ID, "service_handling"); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("CertificateText out of scope = %v, want not found", err)
		}
		if n := len(auditActions(t, s, "cert.print")); n != 0 {
			t.Fatalf("%d cert.print records before any print", n)
		}
		text, err := s.CertificateText(ctx, head, cert.ID, "other:居民到窗口领取证明")
		if err != nil || !strings.Contains(text, "公民身份号码："+f.idNumber+"）") || !strings.Contains(text, "2026年3月2日") {
			t.Fatalf("CertificateText = %q, %v; want the full ID number", text, err)
		}
		ev := auditActions(t, s, "cert.print")
		if len(ev) != 1 || ev[0].Purpose != "other:居民到窗口领取证明" || ev[0].ObjectID != cert.Number || ev[0].ActorID != 7 {
			t.Fatalf("cert.print audit = %+v", ev)
		}
		// The reveal budget counts it: with a budget of one resident an
		// hour, another resident's ID number is refused.
		if err := s.SetSetting(ctx, linli.ConsoleActor(), store.RevealBudgetSetting, "1"); err != nil {
			t.Fatal(err)
		}
		other := newPerson(t, s, f.clerk, linli.PersonInput{Name: "钱多多", IDNumber: idWith("11010519900101003"), GridID: f.tr.gridA.ID})
		if _, err := s.RevealPerson(ctx, head, other.ID, store.RevealIDNumber, "verify_identity"); err == nil {
			t.Error("a reveal over the budget succeeded")
		} else {
			conflictErr(t, err, "reveal.budget_exceeded")
		}

		// Void: a reason is required; then it is marked, not printed, and
		// the order's timeline says so.
		if _, err := s.VoidCertificate(ctx, f.clerk, cert.ID, "  "); err == nil {
			t.Fatal("void without a reason succeeded")
		} else {
			fieldErr(t, err, "reason", "cert.void.reason_required")
		}
		if _, err := s.VoidCertificate(ctx, actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b), cert.ID, "地址有误"); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("void out of scope = %v, want not found", err)
		}
		voided, err := s.VoidCertificate(ctx, f.clerk, cert.ID, "地址有误，重新申请")
		if err != nil || !voided.Voided() || voided.VoidReason != "地址有误，重新申请" {
			t.Fatalf("VoidCertificate = %+v, %v", voided, err)
		}
		if _, err := s.VoidCertificate(ctx, f.clerk, cert.ID, "again"); err == nil {
			t.Error("voided twice")
		} else {
			conflictErr(t, err, "cert.voided")
		}
		if _, err := s.CertificateText(ctx, head, cert.ID, "service_handling"); err == nil {
			t.Error("a void certificate was printed")
		} else {
			conflictErr(t, err, "cert.voided")
		}
		evs, err := s.Timeline(ctx, f.clerk, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := evs[len(evs)-1]; last.Kind != "certificate_voided" || last.Visibility != linli.VisPublic || last.Data["certificate"] != cert.Number {
			t.Errorf("last event = %+v, want the public void", last)
		}
		if n := len(auditActions(t, s, "cert.void")); n != 1 {
			t.Errorf("%d cert.void records, want 1", n)
		}
		if list, err := s.Certificates(ctx, f.clerk, store.CertFilter{}); err != nil || len(list) != 1 || !list[0].Voided() {
			t.Errorf("register after void = %+v, %v; want it kept, marked", list, err)
		}
		if _, err := s.DB().Exec(`DELETE FROM certificates`); err == nil {
			t.Error("DELETE FROM certificates succeeded")
		}
	})
}
