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
)

// certOrderFor is a request for the demo's residence certificate by a
// registered resident of grid, taken in by clerk.
func certOrderFor(t testing.TB, e *env, clerk string, grid linli.Area, personID int64) linli.WorkOrder {
	t.Helper()
	o, _, err := e.st.CreateWorkOrder(context.Background(), e.actorOf(clerk), linli.WorkOrderInput{ServiceCode: "CERT-RESIDENCE",
		RequesterPersonID: personID, AreaID: grid.ID, Description: "孩子上学需要居住证明",
		Answers: map[string][]string{"purpose": {"school"}, "since": {"2019-09-01"}}})
	if err != nil {
		t.Fatalf("CreateWorkOrder: %v", err)
	}
	return o
}

// issuedCertificate registers a resident of grid, takes in their request
// for a residence certificate and issues it, as clerk.
func issuedCertificate(t testing.TB, e *env, clerk string, grid linli.Area, name, id string) linli.Certificate {
	t.Helper()
	p := e.person(name, id, "", grid, 0)
	o := certOrderFor(t, e, clerk, grid, p.ID)
	c, err := e.st.IssueCertificate(context.Background(), e.actorOf(clerk), o.ID, linli.CertificateInput{})
	if err != nil {
		t.Fatalf("IssueCertificate: %v", err)
	}
	return c
}

// certNoRawKeys fails when a page shows one of the certificates' message
// keys untranslated.
func certNoRawKeys(t *testing.T, where, body string) {
	t.Helper()
	if m := regexp.MustCompile(`\bcert\.[a-z_]+\.[a-z_.]*[a-z]`).FindString(body); m != "" {
		t.Errorf("%s shows the raw key %s", where, m)
	}
	noRawKeys(t, where, body)
}

var certPathRE = regexp.MustCompile(`^/certificates/(\d+)$`)

// The counter clerk sees the masked preview on the order page, corrects
// the form after a message, issues the certificate and finds it in the
// register; the head prints it with a purpose (audited); the clerk voids
// it with a reason; community B sees none of it.
func TestCertificateIssueAndRegister(t *testing.T) {
	e := newEnv(t)
	grid := e.area(demo.GridA1Code)
	id := residentID("11010519800101001")
	masked := "1101**********" + id[14:]
	p := e.person("张少明", id, "", grid, 0)
	o := certOrderFor(t, e, "comm.worker", grid, p.ID)
	clerk := e.as("comm.worker")
	orderURL := "/wo/" + itoa(o.ID)

	resp, page := e.get(clerk, orderURL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="cert-preview"`) || !strings.Contains(page, `id="do-certificate"`) {
		t.Fatalf("order page = %d; want the certificate's preview and the issue button", resp.StatusCode)
	}
	if !strings.Contains(page, "兹证明张少明（公民身份号码："+masked+"）自2019年9月1日起在本社区多福巷张少明号居住") ||
		!strings.Contains(page, "多福巷社区居民委员会") || strings.Contains(page, id) {
		t.Fatalf("the preview must show the filled text with the ID number masked: %s", excerpt(page[strings.Index(page, `id="wo-certificate"`):]))
	}
	certNoRawKeys(t, "order page", page)

	// A purpose too long and a bad date: the form comes back with the
	// messages and what was typed; nothing is issued.
	resp, page = e.post(clerk, orderURL+"/certificate", url.Values{"purpose": {strings.Repeat("用", 101)}, "note": {"请本人领取"},
		"version": {itoa(o.Version)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="cert-purpose-err"`) || !strings.Contains(page, "请本人领取") {
		t.Fatalf("a purpose too long = %d; want 422 with the message and the note kept", resp.StatusCode)
	}
	resp, page = e.post(clerk, orderURL+"/certificate", url.Values{"valid_until": {"2026-13-40"}, "version": {itoa(o.Version)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="cert-valid_until-err"`) || !strings.Contains(page, "2026-13-40") {
		t.Fatalf("a bad date = %d; want 422 with the message and the date kept", resp.StatusCode)
	}
	certNoRawKeys(t, "order page with messages", page)
	if got := e.order(o.ID); got.State != linli.WOAccepted || got.Version != o.Version {
		t.Fatalf("a refused issue changed the order: %s v%d", got.State, got.Version)
	}

	resp, _ = e.post(clerk, orderURL+"/certificate", url.Values{"purpose": {"子女入学（小学）"}, "note": {"请本人领取"}, "version": {itoa(o.Version)}})
	m := certPathRE.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("issue = %d, Location %q; want a redirect to the register entry", resp.StatusCode, resp.Header.Get("Location"))
	}
	certURL := m[0]
	resp, page = e.get(clerk, certURL)
	number := regexp.MustCompile(`ZM110101001001-\d{4}-\d{4}`).FindString(page)
	if resp.StatusCode != http.StatusOK || number == "" || !strings.Contains(page, "证明已出具并登记") || !strings.Contains(page, masked) ||
		strings.Contains(page, id) || !strings.Contains(page, "仅用于子女入学（小学）") || !strings.Contains(page, `id="cert-void"`) ||
		strings.Contains(page, `id="cert-print"`) {
		t.Fatalf("register entry = %d (number %q); want the masked text, the void form and no print form for a clerk", resp.StatusCode, number)
	}
	certNoRawKeys(t, "register entry", page)
	if got := e.order(o.ID); got.State != linli.WOAnswered || !strings.Contains(got.Reply, number) || !strings.Contains(got.Reply, "请本人领取") {
		t.Fatalf("order after issue: %s %q", got.State, got.Reply)
	}
	_, page = e.get(clerk, orderURL)
	if !strings.Contains(page, `id="cert-issued"`) || !strings.Contains(page, "证明编号 "+number) || strings.Contains(page, `id="do-certificate"`) {
		t.Fatal("the order page should link the certificate and show its number on the timeline, and offer no second one")
	}

	// The register, its filters, and community B.
	resp, page = e.get(clerk, "/certificates")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, number) || !strings.Contains(page, masked) || strings.Contains(page, id) {
		t.Fatalf("register = %d; want the certificate, masked", resp.StatusCode)
	}
	certNoRawKeys(t, "register", page)
	for _, q := range []string{"?late=1", "?service=CERT-ACTIVITY", "?to=2000-01-01"} {
		if _, page := e.get(clerk, "/certificates"+q); strings.Contains(page, number) || !strings.Contains(page, `id="cert-empty"`) {
			t.Errorf("register%s lists the certificate", q)
		}
	}
	if resp, page := e.get(clerk, "/certificates?from=yesterday"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-from-err"`) {
		t.Errorf("a bad filter date = %d, want 422 with the message", resp.StatusCode)
	}
	if _, page := e.get(e.as("district.admin"), "/"); !strings.Contains(page, `id="certificates-link"`) {
		t.Error("the dashboard does not link the register")
	}
	other := e.as("comm.worker.b")
	if _, page := e.get(other, "/certificates"); strings.Contains(page, number) {
		t.Error("community B's register lists A's certificate")
	}
	if resp, _ := e.get(other, certURL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("B on A's certificate = %d, want 404", resp.StatusCode)
	}

	// Printing: a purpose is required; then the full text, not cached,
	// audited with the purpose.
	head := e.as("comm.head")
	resp, page = e.post(head, certURL+"/print", url.Values{"purpose": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="print-purpose-err"`) || strings.Contains(page, id) {
		t.Fatalf("print without a purpose = %d; want 422 with the message", resp.StatusCode)
	}
	if n := len(e.audits("cert.print")); n != 0 {
		t.Fatalf("%d cert.print records before a print", n)
	}
	resp, page = e.post(head, certURL+"/print", url.Values{"purpose": {"other"}, "purpose_text": {"居民到窗口领取证明"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="cert-full"`) || !strings.Contains(page, "公民身份号码："+id+"）") ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("print = %d; want the full text, not stored", resp.StatusCode)
	}
	certNoRawKeys(t, "print view", page)
	if ev := e.audits("cert.print"); len(ev) != 1 || ev[0].Purpose != "other:居民到窗口领取证明" || ev[0].ObjectID != number {
		t.Fatalf("cert.print audit = %+v", ev)
	}
	if resp, _ := e.post(clerk, certURL+"/print", url.Values{"purpose": {"verify_identity"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("print without pii.reveal = %d, want 404", resp.StatusCode)
	}

	// Void: a reason is required; the entry stays, marked; no more prints.
	resp, page = e.post(clerk, certURL+"/void", url.Values{"reason": {" "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="void-reason-err"`) {
		t.Fatalf("void without a reason = %d; want 422 with the message", resp.StatusCode)
	}
	resp, _ = e.post(clerk, certURL+"/void", url.Values{"reason": {"地址有误，请重新申请"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("void = %d, want 303", resp.StatusCode)
	}
	_, page = e.get(clerk, certURL)
	if !strings.Contains(page, `id="cert-voided"`) || !strings.Contains(page, "地址有误，请重新申请") || strings.Contains(page, `id="cert-void"`) {
		t.Fatal("the void certificate's page should show it void, with the reason, and no void form")
	}
	if resp, page := e.post(head, certURL+"/print", url.Values{"purpose": {"verify_identity"}}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(page, `id="cert-error"`) || strings.Contains(page, id) {
		t.Errorf("print of a void certificate = %d, want 409 with the message", resp.StatusCode)
	}
}

// An order without a registered requester cannot have a certificate: the
// page says why and offers no button; a forced post is refused with the
// message and writes nothing.
func TestCertificateNeedsARegisteredResident(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.as("comm.worker")
	o, _, err := e.st.CreateWorkOrder(ctx, e.actorOf("comm.worker"), linli.WorkOrderInput{ServiceCode: "CERT-RESIDENCE", ContactName: "李女士",
		AreaID: e.area(demo.GridA1Code).ID, Description: "需要居住证明", Answers: map[string][]string{"purpose": {"permit"}, "since": {"2020-05-01"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, page := e.get(clerk, "/wo/"+itoa(o.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="cert-problems"`) || !strings.Contains(page, "申请人须为本辖区登记在册的居民") ||
		strings.Contains(page, `id="do-certificate"`) {
		t.Fatalf("order page = %d; want the reason and no issue button", resp.StatusCode)
	}
	resp, page = e.post(clerk, "/wo/"+itoa(o.ID)+"/certificate", url.Values{"version": {itoa(o.Version)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "申请人须为本辖区登记在册的居民") {
		t.Fatalf("forced issue = %d; want 422 with the message", resp.StatusCode)
	}
	if got := e.order(o.ID); got.State != linli.WOAccepted {
		t.Fatalf("order changed: %s", got.State)
	}
	if _, page := e.get(clerk, "/certificates"); !strings.Contains(page, `id="cert-empty"`) {
		t.Error("the register is not empty")
	}
	// A repair order has no certificate section at all.
	_, page = e.get(clerk, "/wo/"+itoa(residentOrderID(t, e)))
	if strings.Contains(page, `id="wo-certificate"`) {
		t.Error("a service without certificates shows the certificate section")
	}
}

func residentOrderID(t *testing.T, e *env) int64 {
	o, _ := residentOrder(t, e, e.area(demo.CommunityACode).ID)
	return o.ID
}
