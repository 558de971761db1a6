package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// certOrders: the work-order fixture with a residence certificate service,
// and three requests for it in grid A: by a registered resident, by a
// resident without an address, by someone not registered.
func certOrders(t *testing.T) (w *woFixture, withPerson, noAddress, noPerson linli.WorkOrder, id string) {
	t.Helper()
	ctx := context.Background()
	w = newWOFixture(t)
	con := linli.ConsoleActor()
	if _, err := w.st.SaveService(ctx, *w.admin, linli.Service{
		Code: "CERT-RESIDENCE", NameZh: "居住证明开具", NameEn: "Certificate of residence", Group: "certificate", Duty: linli.DutyOwn,
		Public: true, Certificate: true, CertDays: 1,
		CertTemplate: "兹证明{{name}}（公民身份号码：{{id_number}}）在本社区{{address}}居住。用于{{purpose}}。\n{{committee}}\n{{date}}",
		Deadlines: map[linli.Priority]linli.Deadline{
			linli.PriorityNormal: {N: 1, Unit: linli.UnitWorkingDays}, linli.PriorityUrgent: {N: 4, Unit: linli.UnitWorkingHours},
			linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}},
		Attrs: []linli.ServiceAttr{{Code: "purpose", Datatype: linli.AttrSingleValue, Required: true, Variable: true, Order: 1, Description: "用途",
			Values: []linli.AttrValue{{Key: "school", Name: "子女入学"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	id = "11010519800101001"
	id += string(seal.IDCheckDigit(id))
	p, err := w.st.CreatePerson(ctx, con, linli.PersonInput{Name: "张少明", IDNumber: id, RegType: linli.RegRegistered, GridID: w.tr.gridA.ID,
		Address: "幸福里1号楼204"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.st.CreatePerson(ctx, con, linli.PersonInput{Name: "赵建国", RegType: linli.RegRegistered, GridID: w.tr.gridA.ID})
	if err != nil {
		t.Fatal(err)
	}
	order := func(personID int64, contact string) linli.WorkOrder {
		o, _, err := w.st.CreateWorkOrder(ctx, *w.clerk, linli.WorkOrderInput{ServiceCode: "CERT-RESIDENCE", RequesterPersonID: personID,
			ContactName: contact, AreaID: w.tr.gridA.ID, Description: "需要居住证明", Answers: map[string][]string{"purpose": {"school"}}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	return w, order(p.ID, ""), order(q.ID, ""), order(0, "李女士"), id
}

func TestIssueCertificateAPI(t *testing.T) {
	w, o, noAddress, noPerson, id := certOrders(t)
	itoa := func(id int64) string { return strconv.FormatInt(id, 10) }
	issue := func(a *linli.Actor, o linli.WorkOrder, body any) *httptest.ResponseRecorder {
		return w.send(t, a, http.MethodPost, "/api/v1/work-orders/"+itoa(o.ID)+"/certificate", body)
	}

	// Refusals: problem documents with the field or the code; nothing written.
	for _, tt := range []struct {
		name         string
		a            *linli.Actor
		o            linli.WorkOrder
		body         any
		status       int
		field, code  string
		conflictCode string
	}{
		{name: "out of scope", a: w.clerkB, o: o, body: map[string]any{}, status: http.StatusNotFound},
		{name: "not registered", a: w.clerk, o: noPerson, body: map[string]any{}, status: http.StatusUnprocessableEntity,
			field: "requester_person_id", code: "cert.requester.not_person"},
		{name: "a placeholder without a value", a: w.clerk, o: noAddress, body: map[string]any{}, status: http.StatusUnprocessableEntity,
			field: "template", code: "cert.template.missing"},
		{name: "a bad date", a: w.clerk, o: o, body: map[string]any{"valid_until": "next week"}, status: http.StatusUnprocessableEntity,
			field: "valid_until", code: "api.date.invalid"},
		{name: "a stale version", a: w.clerk, o: o, body: map[string]any{"version": o.Version + 3}, status: http.StatusConflict,
			conflictCode: "edit.stale"},
		{name: "a unit's staff may not answer it", a: w.unitStaff, o: o, body: map[string]any{}, status: http.StatusForbidden},
		{name: "an unknown member", a: w.clerk, o: o, body: map[string]any{"purposes": "x"}, status: http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProblem(t, issue(tt.a, tt.o, tt.body), tt.status)
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field || p.Errors[0].Code != tt.code || p.Errors[0].Message == tt.code) {
				t.Errorf("errors = %+v, want %s %s with a message", p.Errors, tt.field, tt.code)
			}
			if tt.conflictCode != "" && p.Code != tt.conflictCode {
				t.Errorf("code = %q, want %s", p.Code, tt.conflictCode)
			}
		})
	}
	if list := mustJSON[page[certificateJSON]](t, w.get(w.clerk, "/api/v1/certificates"), http.StatusOK); len(list.Items) != 0 {
		t.Fatalf("the register holds %d entries after refusals", len(list.Items))
	}

	rec := issue(w.clerk, o, map[string]any{"purpose": "子女入学（小学）", "note": "请本人领取", "version": o.Version})
	c := mustJSON[certificateJSON](t, rec, http.StatusCreated)
	masked := "1101**********" + id[14:]
	if rec.Header().Get("Location") != "/api/v1/certificates/"+itoa(c.ID) || !strings.HasPrefix(c.Number, "ZM"+w.tr.a.Code+"-") ||
		c.OrderID != o.ID || c.Purpose != "子女入学（小学）" || c.Late || c.Voided || c.DueAt == nil || c.ValidUntil != nil ||
		!strings.Contains(c.BodyMasked, masked) || strings.Contains(rec.Body.String(), id) {
		t.Fatalf("issued %s: %s", rec.Header().Get("Location"), rec.Body)
	}
	got := mustJSON[workOrderJSON](t, w.get(w.clerk, "/api/v1/work-orders/"+itoa(o.ID)), http.StatusOK)
	if got.State != linli.WOAnswered || !strings.Contains(got.Reply, c.Number) {
		t.Errorf("order after issue: %s %q", got.State, got.Reply)
	}
	p := mustProblem(t, issue(w.clerk, o, map[string]any{}), http.StatusConflict)
	if p.Code != "cert.exists" || !strings.Contains(p.Detail, c.Number) {
		t.Errorf("second issue = %+v, want cert.exists naming the number", p)
	}

	// The register.
	list := mustJSON[page[certificateJSON]](t, w.get(w.clerk, "/api/v1/certificates"), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].ID != c.ID || list.Items[0].PersonName != "张少明" || list.NextCursor != "" {
		t.Errorf("register = %+v", list)
	}
	for q, want := range map[string]int{"?late=true": 0, "?service=REPAIR-PUBLIC": 0, "?service=CERT-RESIDENCE": 1, "?to=2000-01-01": 0} {
		if l := mustJSON[page[certificateJSON]](t, w.get(w.clerk, "/api/v1/certificates"+q), http.StatusOK); len(l.Items) != want {
			t.Errorf("register%s = %d entries, want %d", q, len(l.Items), want)
		}
	}
	if p := mustProblem(t, w.get(w.clerk, "/api/v1/certificates?late=maybe&from=soon"), http.StatusUnprocessableEntity); len(p.Errors) != 2 {
		t.Errorf("bad filters = %+v, want two field errors", p.Errors)
	}
	if one := mustJSON[certificateJSON](t, w.get(w.clerk, "/api/v1/certificates/"+itoa(c.ID)), http.StatusOK); one.Number != c.Number {
		t.Errorf("GET one = %+v", one)
	}
	if l := mustJSON[page[certificateJSON]](t, w.get(w.clerkB, "/api/v1/certificates"), http.StatusOK); len(l.Items) != 0 {
		t.Errorf("B's register lists %d of A's certificates", len(l.Items))
	}
	mustProblem(t, w.get(w.clerkB, "/api/v1/certificates/"+itoa(c.ID)), http.StatusNotFound)
	resident := actorOn(50, "resident", []linli.Role{linli.RoleResident})
	mustProblem(t, w.get(resident, "/api/v1/certificates"), http.StatusForbidden)
}
