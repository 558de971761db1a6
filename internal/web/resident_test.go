package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/attach"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

// gpsMark is text in a photo's GPS block: it must never come back.
const gpsMark = "GPS-39.9151N-116.4039E"

// phonePhoto is a small JPEG with an EXIF block (orientation, and a GPS
// IFD with a latitude and gpsMark), as a phone writes it.
func phonePhoto(t testing.TB) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 80, 60))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var tf bytes.Buffer
	put := func(v ...any) {
		for _, x := range v {
			_ = binary.Write(&tf, le, x)
		}
	}
	tf.WriteString("II*\x00")
	put(uint32(8), uint16(2), uint16(0x0112), uint16(3), uint32(1), uint32(1), uint16(0x8825), uint16(4), uint32(1), uint32(38), uint32(0))
	// GPS IFD at 38: latitude ref, processing method (gpsMark at 68).
	put(uint16(2), uint16(1), uint16(2), uint32(2), uint32('N'), uint16(0x1B), uint16(7), uint32(len(gpsMark)), uint32(68), uint32(0))
	tf.WriteString(gpsMark)
	seg := append([]byte("Exif\x00\x00"), tf.Bytes()...)
	jpg := buf.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(append(out, seg...), jpg[2:]...)
	return out
}

type upload struct {
	field, name string
	data        []byte
}

// postMultipart sends a multipart form (as a browser sends a form with
// file inputs) and returns the response and body.
func (e *env) postMultipart(c *http.Client, path string, vals url.Values, files ...upload) (*http.Response, string) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range vals {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	return e.do(c, http.MethodPost, path, mw.FormDataContentType(), body.String())
}

var idemRE = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// requestForm opens a service's form as c and returns its idempotency key.
func (e *env) requestForm(c *http.Client, code string) string {
	e.t.Helper()
	resp, body := e.get(c, "/services/"+code+"/request")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET request form %s = %d", code, resp.StatusCode)
	}
	m := idemRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("form of %s has no idempotency key", code)
	}
	return m[1]
}

// orderIDFrom reads the order id from a redirect to /my/requests/{id}.
func orderIDFrom(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	loc := resp.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/my/requests/"), 10, 64)
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("submit = %d to %q, want 303 to /my/requests/{id}", resp.StatusCode, loc)
	}
	return id
}

// residentActor is the store actor of a resident account.
func (e *env) residentActor(name string) linli.Actor {
	e.t.Helper()
	id, err := e.st.UserIDByName(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return linli.NewActor(id, name, []linli.Role{linli.RoleResident}, linli.Scope{})
}

// newResident creates another resident account.
func (e *env) newResident(name string) {
	e.t.Helper()
	h := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	hash, err := web.HashPassword(h, e.keys, "Resident-Pass-2026")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUser(context.Background(), linli.ConsoleActor(), linli.UserInput{Username: name, DisplayName: "李桂兰",
		Roles: []linli.Role{linli.RoleResident}}, hash); err != nil {
		e.t.Fatal(err)
	}
}

func repairForm(key string, area int64) url.Values {
	return url.Values{"idempotency_key": {key}, "attribute[what]": {"light"}, "attribute[floors]": {"2", "3"},
		"attribute[building]": {"3号楼2单元"}, "description": {"楼道灯坏了一个星期，晚上很黑"}, "area": {itoa(area)},
		"address": {"3号楼2单元2层"}, "contact_phone": {"13812345678"}}
}

// TestResidentRequestJourney: the catalogue, a request with a photo (its
// EXIF and GPS gone), the number and due date on the request page, a
// double submit that creates one order, and the photo served only to
// those who may see the order.
func TestResidentRequestJourney(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res := e.as("resident")
	areaA := e.area(demo.CommunityACode)

	resp, body := e.get(e.client(), "/services?q=楼道灯")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "公共区域维修") || !strings.Contains(body, "5个工作日") {
		t.Fatalf("public catalogue search = %d", resp.StatusCode)
	}
	resp, body = e.get(res, "/services")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/services/REPAIR-PUBLIC/request"`) || !strings.Contains(body, "需要准备的材料") {
		t.Fatalf("catalogue for a resident = %d", resp.StatusCode)
	}

	en := e.client()
	en.Jar.SetCookies(mustURL(e.srv.URL), []*http.Cookie{{Name: "lang", Value: "en", Path: "/"}})
	if resp, body := e.get(en, "/services?group=repair"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Repairs in public areas") ||
		!strings.Contains(body, "5 working days") || !strings.Contains(body, "Log in to apply") {
		t.Fatalf("English catalogue = %d", resp.StatusCode)
	}

	key := e.requestForm(res, "REPAIR-PUBLIC")
	form := repairForm(key, areaA.ID)
	photo := phonePhoto(t)
	resp, _ = e.postMultipart(res, "/services/REPAIR-PUBLIC/request", form, upload{"photos", "IMG_0001.jpg", photo}, upload{"photos", "", nil})
	id := orderIDFrom(t, resp)

	resident := e.residentActor("resident")
	o, err := e.st.WorkOrder(ctx, resident, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.Channel != linli.ChannelWeb || o.State != linli.WOAccepted || o.ServiceCode != "REPAIR-PUBLIC" || o.DueAt.IsZero() {
		t.Fatalf("order = %+v", o)
	}
	if got := o.Answers["floors"]; len(got) != 2 || o.Answers["what"][0] != "light" {
		t.Fatalf("answers = %v", o.Answers)
	}
	resp, body = e.get(res, "/my/requests/"+itoa(id))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("request page = %d", resp.StatusCode)
	}
	due := o.DueAt.In(mustShanghai(t))
	wantDue := strconv.Itoa(due.Year()) + "年" + strconv.Itoa(int(due.Month())) + "月" + strconv.Itoa(due.Day()) + "日"
	for _, want := range []string{o.Number, `id="due-date"`, wantDue, due.Format("15:04"), "预计办结时间", "您的诉求已提交", "已受理", "诉求已受理", "楼道灯", "二层、三层"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}

	// The same form again (a double tap, a retry): the same order.
	resp, _ = e.postMultipart(res, "/services/REPAIR-PUBLIC/request", form, upload{"photos", "IMG_0001.jpg", photo})
	if again := orderIDFrom(t, resp); again != id {
		t.Fatalf("second submit created order %d, want %d", again, id)
	}
	mine, err := e.st.ListWorkOrders(ctx, resident, store.WOFilter{Mine: true})
	if err != nil || len(mine) != 1 {
		t.Fatalf("orders after a double submit = %d, %v", len(mine), err)
	}
	resp, body = e.get(res, "/my/requests")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, o.Number) || !strings.Contains(body, "预计") {
		t.Fatalf("my requests = %d", resp.StatusCode)
	}

	// The photo: re-encoded without EXIF and GPS, with safe headers.
	atts, err := e.st.Attachments(ctx, resident, id)
	if err != nil || len(atts) != 1 {
		t.Fatalf("attachments = %v, %v", atts, err)
	}
	name := atts[0].Name
	if len(name) != 32 || strings.Contains(body, "IMG_0001") {
		t.Fatalf("attachment name %q", name)
	}
	resp, img := e.get(res, "/attachments/"+name)
	h := resp.Header
	if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline; filename=\""+name) ||
		!strings.Contains(h.Get("Cache-Control"), "private") {
		t.Fatalf("GET attachment = %d %v", resp.StatusCode, h)
	}
	if strings.Contains(img, "Exif") || strings.Contains(img, gpsMark) || !strings.HasPrefix(img, "\xFF\xD8\xFF") {
		t.Fatal("the served photo still carries EXIF or GPS, or is not a JPEG")
	}
	// Staff of community A see it; staff of B, another resident and
	// anonymous visitors do not.
	if resp, _ := e.get(e.as("comm.worker"), "/attachments/"+name); resp.StatusCode != http.StatusOK {
		t.Fatalf("A's worker on A's photo = %d", resp.StatusCode)
	}
	e.newResident("resident.two")
	other := e.as("resident.two")
	for who, c := range map[string]*http.Client{"comm.worker.b": e.as("comm.worker.b"), "resident.two": other} {
		for _, p := range []string{"/attachments/" + name, "/my/requests/" + itoa(id)} {
			resp, got := e.get(c, p)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(got, o.Number) {
				t.Errorf("%s GET %s = %d, want 404", who, p, resp.StatusCode)
			}
		}
	}
	if resp, _ := e.get(e.client(), "/attachments/"+name); resp.StatusCode == http.StatusOK {
		t.Fatal("an anonymous visitor got the photo")
	}
	// Another resident cannot act on it either.
	resp, _ = e.do(other, http.MethodPost, "/my/requests/"+itoa(id)+"/withdraw", "application/x-www-form-urlencoded", "note=x")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another resident withdrawing = %d", resp.StatusCode)
	}
	// The other resident's same idempotency key is theirs: a new order.
	resp, _ = e.postMultipart(other, "/services/REPAIR-PUBLIC/request", form)
	if theirs := orderIDFrom(t, resp); theirs == id {
		t.Fatal("another resident's submit with the same key returned the first resident's order")
	}
}

func mustShanghai(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}

// TestResidentFormErrors: a missing required answer re-renders the form
// with the input, the photo already uploaded and a message per field; a
// photo that is really HTML is refused with its own message; a negative
// list service shows the referral; a forbidden certificate is refused with
// where to go instead.
func TestResidentFormErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res := e.as("resident")
	areaA := e.area(demo.CommunityACode)

	key := e.requestForm(res, "REPAIR-PUBLIC")
	form := repairForm(key, areaA.ID)
	form.Del("attribute[what]")
	form.Set("description", "单元门关不上")
	resp, body := e.postMultipart(res, "/services/REPAIR-PUBLIC/request", form, upload{"photos", "door.jpg", phonePhoto(t)})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("missing answer = %d", resp.StatusCode)
	}
	for _, want := range []string{`id="attr-what-err"`, "请填写这一项", `href="#attr-what"`, "单元门关不上", `value="3号楼2单元"`, `value="2" checked`, `value="13812345678"`, `name="attachment" value="`} {
		if !strings.Contains(body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if n, _ := e.st.ListWorkOrders(ctx, e.residentActor("resident"), store.WOFilter{Mine: true}); len(n) != 0 {
		t.Fatal("a refused form created an order")
	}
	// Sent again with the answer and the kept photo: one order with it.
	kept := regexp.MustCompile(`name="attachment" value="([0-9a-f]{32})"`).FindStringSubmatch(body)
	form.Set("attribute[what]", "door")
	form.Set("attachment", kept[1])
	resp, _ = e.postMultipart(res, "/services/REPAIR-PUBLIC/request", form)
	id := orderIDFrom(t, resp)
	if atts, err := e.st.Attachments(ctx, e.residentActor("resident"), id); err != nil || len(atts) != 1 || atts[0].Name != kept[1] {
		t.Fatalf("kept photo = %v, %v", atts, err)
	}

	// A "photo" that is a web page.
	key = e.requestForm(res, "REPAIR-PUBLIC")
	resp, body = e.postMultipart(res, "/services/REPAIR-PUBLIC/request", repairForm(key, areaA.ID),
		upload{"photos", "photo.jpg", []byte("<html><body><script>fetch('/my/requests')</script></body></html>")})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "不是照片，而是网页或脚本文件") || !strings.Contains(body, `id="photos-err"`) {
		t.Fatalf("HTML as a photo = %d", resp.StatusCode)
	}
	// A file over the size limit.
	big := append(phonePhoto(t), make([]byte, 8<<20)...)
	resp, body = e.postMultipart(res, "/services/REPAIR-PUBLIC/request", repairForm(key, areaA.ID), upload{"photos", "big.jpg", big})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "照片不能超过8 MB") {
		t.Fatalf("9 MB photo = %d", resp.StatusCode)
	}

	// A forbidden certificate asked for through a certificate service.
	key = e.requestForm(res, "CERT-RESIDENCE")
	resp, body = e.postMultipart(res, "/services/CERT-RESIDENCE/request", url.Values{"idempotency_key": {key}, "attribute[purpose]": {"other"},
		"attribute[since]": {"2019-09-01"}, "description": {"单位要求开无犯罪记录证明"}, "area": {itoa(areaA.ID)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "无犯罪记录证明") || !strings.Contains(body, "公安机关") ||
		!strings.Contains(body, `id="description-err"`) {
		t.Fatalf("forbidden certificate = %d", resp.StatusCode)
	}

	// A public negative-list service: the referral, no form.
	admin := linli.NewActor(0, "admin", []linli.Role{linli.RoleDistrictAdmin}, linli.Scope{Paths: []string{"/"}})
	if _, err := e.st.SaveService(ctx, admin, linli.Service{Code: "NEG-TEST", NameZh: "开具无关证明", NameEn: "Unrelated certificate", Group: "other",
		Duty: linli.DutyNegative, Referral: "区政务服务中心", Public: true}); err != nil {
		t.Fatal(err)
	}
	resp, body = e.get(res, "/services/NEG-TEST/request")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "区政务服务中心") || strings.Contains(body, `id="request-form"`) {
		t.Fatalf("negative service = %d", resp.StatusCode)
	}
	resp, body = e.do(res, http.MethodPost, "/services/NEG-TEST/request", "application/x-www-form-urlencoded", "description=x&area="+itoa(areaA.ID))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "区政务服务中心") {
		t.Fatalf("POST to a negative service = %d", resp.StatusCode)
	}
	// Staff have no resident pages.
	if resp, _ := e.get(e.as("comm.worker"), "/services/REPAIR-PUBLIC/request"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("staff on the resident form = %d", resp.StatusCode)
	}
}

// TestResidentRatesAndWithdraws: an unsatisfied rating reopens the order
// (and the page says so); an open request can be withdrawn.
func TestResidentRatesAndWithdraws(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res := e.as("resident")
	resident := e.residentActor("resident")
	areaA := e.area(demo.CommunityACode)
	units, err := e.st.OrgUnits(ctx, linli.ConsoleActor())
	if err != nil {
		t.Fatal(err)
	}
	var unit linli.OrgUnit
	for _, u := range units {
		if u.Name == demo.CommunityAName+"居民委员会" {
			unit = u
		}
	}
	if unit.ID == 0 {
		t.Fatal("no committee of community A")
	}
	staff := linli.NewActor(0, "clerk", []linli.Role{linli.RoleStreetStaff}, linli.Scope{Paths: []string{"/"}})
	staff.OrgUnitID = unit.ID

	o, _, err := e.st.CreateWorkOrder(ctx, resident, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", Description: "扶手松了",
		AreaID: areaA.ID, Answers: map[string][]string{"what": {"rail"}, "building": {"5号楼"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []linli.WOActionInput{{Action: linli.ActDispatch, UnitID: unit.ID, Note: "居委会负责"}, {Action: linli.ActSign},
		{Action: linli.ActResolve, Note: "已紧固扶手螺栓"}} {
		if _, err := e.st.Act(ctx, staff, o.ID, in); err != nil {
			t.Fatalf("%s: %v", in.Action, err)
		}
	}
	page := "/my/requests/" + itoa(o.ID)
	resp, body := e.get(res, page)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("resolved request page = %d", resp.StatusCode)
	}
	for _, want := range []string{`id="rate"`, "已紧固扶手螺栓", unit.Name, "非常满意", "非常不满意", "已办结，待评价"} {
		if !strings.Contains(body, want) {
			t.Errorf("resolved request page lacks %q", want)
		}
	}
	cur, _ := e.st.WorkOrder(ctx, resident, o.ID)
	// A rating without a level is refused with its message.
	resp, body = e.do(res, http.MethodPost, page+"/rate", "application/x-www-form-urlencoded", "solved=no&version="+strconv.FormatInt(cur.Version, 10))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="rating-err"`) || !strings.Contains(body, `value="no" checked`) {
		t.Fatalf("rating without a level = %d", resp.StatusCode)
	}
	resp, _ = e.do(res, http.MethodPost, page+"/rate", "application/x-www-form-urlencoded",
		url.Values{"rating": {"2"}, "solved": {"no"}, "tags": {"slow", "bogus"}, "note": {"还是晃"}, "version": {strconv.FormatInt(cur.Version, 10)}}.Encode())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rating = %d", resp.StatusCode)
	}
	got, _ := e.st.WorkOrder(ctx, resident, o.ID)
	if got.State != linli.WOReopened || got.Rating != linli.RatingUnsatisfied {
		t.Fatalf("after 不满意: %s rating %d", got.State, got.Rating)
	}
	_, body = e.get(res, page)
	for _, want := range []string{"重新办理", "您的评价：不满意", "还是晃", `id="due-date"`} {
		if !strings.Contains(body, want) {
			t.Errorf("reopened request page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="rate"`) {
		t.Error("the rate form is still offered on a reopened order")
	}

	// Withdraw an open request; a stale page's version is a conflict.
	o2, _, err := e.st.CreateWorkOrder(ctx, resident, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", Description: "灯不亮",
		AreaID: areaA.ID, Answers: map[string][]string{"what": {"light"}, "building": {"5号楼"}}})
	if err != nil {
		t.Fatal(err)
	}
	page2 := "/my/requests/" + itoa(o2.ID)
	if _, body := e.get(res, page2); !strings.Contains(body, `id="withdraw"`) {
		t.Fatal("no withdraw form on an open request")
	}
	resp, _ = e.do(res, http.MethodPost, page2+"/withdraw", "application/x-www-form-urlencoded", "note=已经修好了&version=999")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("stale withdraw = %d", resp.StatusCode)
	}
	if cur, _ := e.st.WorkOrder(ctx, resident, o2.ID); cur.State != linli.WOAccepted {
		t.Fatalf("a stale withdraw went through: %s", cur.State)
	}
	resp, _ = e.do(res, http.MethodPost, page2+"/withdraw", "application/x-www-form-urlencoded", "note=已经修好了&version="+strconv.FormatInt(o2.Version, 10))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw = %d", resp.StatusCode)
	}
	_, body = e.get(res, page2)
	if !strings.Contains(body, "已撤销") || !strings.Contains(body, "已经修好了") || strings.Contains(body, `id="withdraw"`) {
		t.Fatal("withdrawn request page")
	}
}

// residentPhotoIn is the photo of a resident's request in an area.
func residentPhotoIn(t testing.TB, e *env, areaID int64) store.Attachment {
	t.Helper()
	ctx := context.Background()
	res := e.residentActor("resident")
	img, err := attach.ProcessBytes(phonePhoto(t))
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.st.SaveAttachment(ctx, res, img.ContentType, img.Width, img.Height, img.Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.CreateWorkOrder(ctx, res, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", AreaID: areaID, Description: "单元门关不上",
		Answers: map[string][]string{"what": {"door"}, "building": {"7号楼1单元"}}, AttachmentNames: []string{x.Name}}); err != nil {
		t.Fatal(err)
	}
	return x
}
