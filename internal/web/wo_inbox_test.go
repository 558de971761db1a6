package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/linli-org/linli/internal/demo"
)

// TestIntakeInbox: a resident's web request waits in the inbox (待派单)
// of community A's clerk, with its requester masked, and is not in the
// inbox of community B's clerk; the tabs count, the order links to its
// page, and the inbox does not exist for a resident.
func TestIntakeInbox(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res := e.as("resident")
	areaA := e.area(demo.CommunityACode)
	resp, _ := e.postMultipart(res, "/services/REPAIR-PUBLIC/request", repairForm(e.requestForm(res, "REPAIR-PUBLIC"), areaA.ID))
	id := orderIDFrom(t, resp)
	o, err := e.st.WorkOrder(ctx, e.residentActor("resident"), id)
	if err != nil {
		t.Fatal(err)
	}

	clerk := e.as("comm.worker")
	resp, body := e.get(clerk, "/wo/inbox")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /wo/inbox as A's clerk = %d", resp.StatusCode)
	}
	row := between(body, `<tr id="row-`+itoa(id)+`">`, "</tr>")
	for _, want := range []string{`href="/wo/` + itoa(id) + `"`, o.Number, "公共区域维修", "网上/手机", "王*英", "3号楼2单元2层"} {
		if !strings.Contains(row, want) {
			t.Errorf("inbox row lacks %q: %s", want, row)
		}
	}
	if strings.Contains(body, "王秀英") {
		t.Error("the inbox shows the requester's full name")
	}
	if !strings.Contains(body, `id="tab-new"`) || !strings.Contains(body, `aria-current="page"`) || !strings.Contains(body, `href="/wo/inbox?tab=returned"`) {
		t.Error("the inbox has no tabs")
	}
	if _, dash := e.get(clerk, "/"); !strings.Contains(dash, `href="/wo/inbox"`) {
		t.Error("the dashboard has no link to the inbox")
	}
	if resp, body := e.get(clerk, "/wo/inbox?tab=returned"); resp.StatusCode != http.StatusOK || strings.Contains(body, o.Number) {
		t.Errorf("returned tab = %d, shows the new order: %v", resp.StatusCode, strings.Contains(body, o.Number))
	}
	if resp, _ := e.get(clerk, "/wo/inbox?tab=overdue"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown tab = %d, want 404", resp.StatusCode)
	}

	// Community B's clerk: the inbox, without A's order.
	resp, body = e.get(e.as("comm.worker.b"), "/wo/inbox")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, o.Number) || strings.Contains(body, "row-"+itoa(id)) {
		t.Fatalf("B's clerk inbox = %d, shows A's order: %v", resp.StatusCode, strings.Contains(body, o.Number))
	}
	// No inbox for a resident.
	if resp, _ := e.get(res, "/wo/inbox"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a resident's /wo/inbox = %d, want 404", resp.StatusCode)
	}

	// Dispatched, it leaves the inbox.
	resp, _ = e.do(clerk, http.MethodPost, "/wo/"+itoa(id)+"/act", "application/x-www-form-urlencoded",
		"action=dispatch&version="+itoa(o.Version))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dispatch = %d", resp.StatusCode)
	}
	if _, body := e.get(clerk, "/wo/inbox"); strings.Contains(body, o.Number) {
		t.Fatal("a dispatched order is still in the inbox")
	}
}

// between is the part of s from the first start to the next end.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

// noisyPhoto is a JPEG of noise, larger than the 1 MiB body limit of
// other requests.
func noisyPhoto(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 1000, 800))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= 1<<20 {
		t.Fatalf("the noisy photo has only %d bytes", buf.Len())
	}
	return buf.Bytes()
}

// TestAPIPhotoThroughServer: through the whole server as `linli serve`
// builds it, a resident uploads a photo larger than 1 MiB to the API,
// names it in a new order and reads it back; A's staff see it, B's staff
// and another resident get 404.
func TestAPIPhotoThroughServer(t *testing.T) {
	e := newEnv(t)
	res := e.as("resident")
	resp, body := e.postMultipart(res, "/api/v1/attachments", nil, upload{"file", "IMG_2001.jpg", noisyPhoto(t)})
	var x struct {
		Name        string `json:"name"`
		ContentType string `json:"content_type"`
		URL         string `json:"url"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &x) != nil {
		t.Fatalf("POST /api/v1/attachments = %d %s", resp.StatusCode, body)
	}
	if len(x.Name) != 32 || x.URL != "/api/v1/attachments/"+x.Name || x.ContentType != "image/jpeg" {
		t.Fatalf("upload = %+v", x)
	}
	order := `{"service_code":"REPAIR-PUBLIC","area_id":` + itoa(e.area(demo.CommunityACode).ID) +
		`,"description":"楼道灯坏了","answers":{"what":["light"],"building":["3号楼2单元"]},"attachments":["` + x.Name + `"]}`
	if resp, body := e.do(res, http.MethodPost, "/api/v1/work-orders", "application/json", order); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/work-orders = %d %s", resp.StatusCode, body)
	}
	e.newResident("resident.two")
	for who, want := range map[string]int{"resident": 200, "comm.worker": 200, "comm.worker.b": 404, "resident.two": 404} {
		resp, img := e.get(e.as(who), x.URL)
		if resp.StatusCode != want {
			t.Errorf("%s GET %s = %d, want %d", who, x.URL, resp.StatusCode, want)
			continue
		}
		h := resp.Header
		if want == 200 && (h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || !strings.HasPrefix(img, "\xFF\xD8\xFF")) {
			t.Errorf("%s GET %s: headers %v", who, x.URL, h)
		}
	}
	// The same photo on the web route, with the same headers.
	if resp, _ := e.get(res, "/attachments/"+x.Name); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != "sandbox; default-src 'none'" {
		t.Fatalf("GET /attachments/%s = %d %v", x.Name, resp.StatusCode, resp.Header)
	}
	// Other API requests keep the 1 MiB limit.
	big := `{"service_code":"` + strings.Repeat("x", 1<<20) + `"}`
	if resp, _ := e.do(res, http.MethodPost, "/api/v1/work-orders", "application/json", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 1 MiB JSON body = %d, want 413", resp.StatusCode)
	}
}
