package open311_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/open311/open311test"
	"github.com/linli-org/linli/internal/store"
)

// fixture: a district with a street and two communities (A with a grid),
// a unit, the test catalogue, and API tokens: a community worker of A
// (key), of B (keyB), and a department's staff of A who reads orders but
// may not take them (keyRead).
type fixture struct {
	env                        *open311test.Env
	st                         *store.Store
	district, street, a, b     linli.Area
	gridA                      linli.Area
	unit                       linli.OrgUnit
	key, keyB, keyRead         string
	clerk, unitStaff, outsider linli.Actor
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{}
	f.env = open311test.New(t, func(ctx context.Context, st *store.Store, _ func(string) (string, error)) error {
		con := linli.ConsoleActor()
		area := func(parent int64, level linli.Level, name, code string) linli.Area {
			ar, err := st.CreateArea(ctx, con, linli.AreaInput{ParentID: parent, Level: level, Name: name, Code: code})
			if err != nil {
				t.Fatal(err)
			}
			return ar
		}
		f.district = area(0, linli.LevelDistrict, "东城区", "110101000000")
		f.street = area(f.district.ID, linli.LevelStreet, "东华门街道", "110101001000")
		f.a = area(f.street.ID, linli.LevelCommunity, "多福巷社区", "110101001001")
		f.b = area(f.street.ID, linli.LevelCommunity, "银闸社区", "110101001002")
		f.gridA = area(f.a.ID, linli.LevelGrid, "多福巷第一网格", "110101001001-1")
		var err error
		if f.unit, err = st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷物业服务中心", Kind: "property_company", AreaID: f.a.ID}); err != nil {
			return err
		}
		if err := open311test.Catalogue(ctx, st, f.unit.ID); err != nil {
			return err
		}
		if f.key, err = open311test.Token(ctx, st, "12345 热线平台", linli.RoleCommunityWorker, f.a.ID); err != nil {
			return err
		}
		if f.keyB, err = open311test.Token(ctx, st, "银闸接口", linli.RoleCommunityWorker, f.b.ID); err != nil {
			return err
		}
		f.keyRead, err = open311test.Token(ctx, st, "只读接口", linli.RoleDeptStaff, f.a.ID)
		return err
	})
	f.st = f.env.Store
	scope := func(ars ...linli.Area) linli.Scope {
		var sc linli.Scope
		for _, ar := range ars {
			sc.AreaIDs, sc.Paths = append(sc.AreaIDs, ar.ID), append(sc.Paths, ar.Path)
		}
		return sc
	}
	f.clerk = linli.NewActor(0, "clerk.zhangwei", []linli.Role{linli.RoleCommunityWorker}, scope(f.a))
	f.unitStaff = linli.NewActor(0, "staff.liqiang", []linli.Role{linli.RoleDeptStaff}, scope(f.district))
	f.unitStaff.OrgUnitID = f.unit.ID
	f.outsider = linli.NewActor(0, "clerk.b", []linli.Role{linli.RoleCommunityWorker}, scope(f.b))
	return f
}

// form is a valid request of the repair service.
func (f *fixture) form() url.Values {
	return url.Values{"api_key": {f.key}, "service_code": {open311test.Repair}, "attribute[what]": {"stair"},
		"lat": {"39.9163"}, "long": {"116.4093"}, "description": {"3号楼2单元楼道灯不亮"}, "first_name": {"秀英"}, "last_name": {"王"},
		"phone": {"13912345678"}, "email": {"wxy@example.com"}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, method, path string, body io.Reader, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.env.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := f.env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (f *fixture) get(t *testing.T, path string) answer {
	return f.do(t, http.MethodGet, path, nil, nil)
}

func (f *fixture) post(t *testing.T, format string, form url.Values, header http.Header) answer {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	for k, v := range header {
		h[k] = v
	}
	return f.do(t, http.MethodPost, "/requests."+format, strings.NewReader(form.Encode()), h)
}

// orders counts the orders of the public catalogue.
func (f *fixture) orders(t *testing.T) int {
	t.Helper()
	l, err := f.st.Open311Requests(context.Background(), store.Open311Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(l)
}

// created returns the id (or token) of a POST's answer.
func created(t *testing.T, a answer) (id, token string) {
	t.Helper()
	var l []struct {
		ID    string `json:"service_request_id"`
		Token string `json:"token"`
	}
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &l) != nil || len(l) != 1 {
		t.Fatalf("POST = %d %s", a.status, a.body)
	}
	return l[0].ID, l[0].Token
}

// items parses a JSON list of requests.
func items(t *testing.T, a answer) []map[string]any {
	t.Helper()
	var l []map[string]any
	if a.status != http.StatusOK {
		t.Fatalf("GET = %d %s", a.status, a.body)
	}
	if err := json.Unmarshal([]byte(a.body), &l); err != nil {
		t.Fatalf("%v: %s", err, a.body)
	}
	return l
}

func errBody(code int, descs ...string) string {
	parts := make([]string, len(descs))
	for i, d := range descs {
		j, _ := json.Marshal(d)
		parts[i] = fmt.Sprintf(`{"code":%d,"description":%s}`, code, j)
	}
	return "[" + strings.Join(parts, ",") + "]\n"
}

// Every bad input of the issue, and more: the exact status and error
// document, and no order is left behind.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	with := func(change func(url.Values)) url.Values {
		v := f.form()
		change(v)
		return v
	}
	long := strings.Repeat("灯", 4001)
	end := time.Now().UTC().Truncate(time.Second)
	w3c := func(t time.Time) string { return t.Format(time.RFC3339) }
	noService := "service_code 不存在：请从服务列表（services.xml）中选择"
	cases := []struct {
		name   string
		method string
		path   string
		form   url.Values
		header http.Header
		status int
		body   string
	}{
		{"unknown service code", "POST", "", with(func(v url.Values) { v.Set("service_code", "NO-SUCH") }), nil, 404, errBody(404, noService)},
		{"private service", "POST", "", with(func(v url.Values) { v.Set("service_code", open311test.Private) }), nil, 404, errBody(404, noService)},
		{"negative-list service", "POST", "", with(func(v url.Values) { v.Set("service_code", open311test.Refused) }), nil, 404, errBody(404, noService)},
		{"retired service", "POST", "", with(func(v url.Values) { v.Set("service_code", open311test.Retired) }), nil, 404, errBody(404, noService)},
		{"no service code", "POST", "", with(func(v url.Values) { v.Del("service_code") }), nil, 400, errBody(400, "缺少 service_code")},
		{"missing required attribute", "POST", "", with(func(v url.Values) { v.Del("attribute[what]") }), nil, 400,
			errBody(400, "attribute[what]（损坏设施）为必填项")},
		{"multivaluelist value not in the list", "POST", "", with(func(v url.Values) { v["attribute[floors][]"] = []string{"1", "9"} }), nil, 400,
			errBody(400, "attribute[floors]（楼层）的取值不在可选列表中")},
		{"singlevaluelist value not in the list", "POST", "", with(func(v url.Values) { v.Set("attribute[what]", "roof") }), nil, 400,
			errBody(400, "attribute[what]（损坏设施）的取值不在可选列表中")},
		{"two values for a singlevaluelist", "POST", "", with(func(v url.Values) { v["attribute[what][]"] = []string{"street"} }), nil, 400,
			errBody(400, "attribute[what]（损坏设施）只能有一个取值")},
		{"two bad fields at once", "POST", "", with(func(v url.Values) { v.Del("attribute[what]"); v.Set("email", "not-an-address") }), nil, 400,
			errBody(400, "attribute[what]（损坏设施）为必填项", "email 不是有效的电子邮箱地址")},
		{"no api key", "POST", "", with(func(v url.Values) { v.Del("api_key") }), nil, 403,
			errBody(403, "缺少 api_key：提交诉求须提供 API 密钥（表单字段 api_key 或 Authorization: Bearer）")},
		{"no api key, bad service too", "POST", "", with(func(v url.Values) { v.Del("api_key"); v.Set("service_code", "NO-SUCH") }), nil, 403,
			errBody(403, "缺少 api_key：提交诉求须提供 API 密钥（表单字段 api_key 或 Authorization: Bearer）")},
		{"invalid api key", "POST", "", with(func(v url.Values) { v.Set("api_key", "lt_nope") }), nil, 403, errBody(403, "api_key 无效或已吊销，无法提交诉求")},
		{"invalid bearer key", "POST", "", with(func(v url.Values) { v.Del("api_key") }), http.Header{"Authorization": {"Bearer lt_nope"}}, 403,
			errBody(403, "api_key 无效或已吊销，无法提交诉求")},
		{"a key that may not take requests", "POST", "", with(func(v url.Values) { v.Set("api_key", f.keyRead) }), nil, 403,
			errBody(403, "该 api_key 无权提交诉求：其令牌的角色须有受理权限")},
		{"no location", "POST", "", with(func(v url.Values) { v.Del("lat"); v.Del("long") }), nil, 400,
			errBody(400, "缺少位置：请提供 lat 与 long，或 address_string，或 address_id")},
		{"lat without long", "POST", "", with(func(v url.Values) { v.Del("long") }), nil, 400, errBody(400, "lat 与 long 须同时提供，且为 WGS-84 经纬度数值")},
		{"lat out of range", "POST", "", with(func(v url.Values) { v.Set("lat", "91") }), nil, 400, errBody(400, "lat 与 long 须同时提供，且为 WGS-84 经纬度数值")},
		{"no name for a service that takes no anonymous requests", "POST", "", with(func(v url.Values) { v.Del("first_name"); v.Del("last_name") }), nil, 400,
			errBody(400, "该服务不受理匿名诉求：请提供 first_name 或 last_name")},
		{"a bad phone", "POST", "", with(func(v url.Values) { v.Set("phone", "12345") }), nil, 400,
			errBody(400, "phone 不是有效的电话号码（11 位手机号或带区号的固定电话）")},
		{"an area outside the key's scope", "POST", "", with(func(v url.Values) { v.Set("area_code", f.b.Code) }), nil, 400,
			errBody(400, "area_code 不是该 api_key 辖区内的区域代码")},
		{"a description over 4000 characters", "POST", "", with(func(v url.Values) { v.Set("description", long) }), nil, 400,
			errBody(400, "description 过长，最多 4000 个字")},
		{"a JSON body", "POST", "", nil, http.Header{"Content-Type": {"application/json"}}, 400,
			errBody(400, "请求体须为 application/x-www-form-urlencoded 或 multipart/form-data 表单")},
		{"start_date after end_date", "GET", "/requests.json?start_date=" + w3c(end) + "&end_date=" + w3c(end.Add(-time.Hour)), nil, nil, 400,
			errBody(400, "开始时间晚于结束时间")},
		{"a 91-day range", "GET", "/requests.json?start_date=" + w3c(end.AddDate(0, 0, -91)) + "&end_date=" + w3c(end), nil, nil, 400,
			errBody(400, "日期范围不能超过 90 天")},
		{"a 91-day range of dates", "GET", "/requests.json?start_date=2025-01-01&end_date=2025-04-01", nil, nil, 400,
			errBody(400, "日期范围不能超过 90 天")},
		{"updated range over 90 days", "GET", "/requests.json?updated_after=" + w3c(end.AddDate(0, 0, -100)) + "&updated_before=" + w3c(end), nil, nil, 400,
			errBody(400, "日期范围不能超过 90 天")},
		{"a datetime without zone", "GET", "/requests.json?start_date=2025-01-01T00:00:00", nil, nil, 400,
			errBody(400, "start_date 须为带时区的 W3C 日期时间（如 2025-01-01T00:00:00Z）或日期（如 2025-01-01）")},
		{"a bad status", "GET", "/requests.json?status=pending", nil, nil, 400, errBody(400, "status 只能是 open 或 closed（可用逗号分隔）")},
		{"page_size over 1000", "GET", "/requests.json?page_size=1001", nil, nil, 400, errBody(400, "page_size 须为 1 到 1000 的整数")},
		{"page 0", "GET", "/requests.json?page=0", nil, nil, 400, errBody(400, "page 须为 1 到 1000000 的整数")},
		{"extensions not a boolean", "GET", "/requests.json?extensions=yes", nil, nil, 400, errBody(400, "extensions 须为 true 或 false")},
		{"unknown request", "GET", "/requests/GD20250101999999.json", nil, nil, 404, errBody(404, "服务请求不存在")},
		{"unknown token", "GET", "/tokens/0000.json", nil, nil, 404, errBody(404, "token 不存在")},
		{"unknown service definition", "GET", "/services/NO-SUCH.json", nil, nil, 404, errBody(404, noService)},
		{"private service definition", "GET", "/services/" + open311test.Private + ".json", nil, nil, 404, errBody(404, noService)},
		{"unknown resource", "GET", "/nothing.json", nil, nil, 404, errBody(404, "没有这个资源：请参阅 discovery.xml 列出的接口")},
		{"wrong method", "PUT", "/requests.json", nil, nil, 405, errBody(405, "该资源不支持此 HTTP 方法")},
		{"no format (answered in XML)", "GET", "/services", nil, nil, 404, `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
			`<errors><error><code>404</code><description>不支持的格式：请在路径末尾使用 .xml 或 .json</description></error></errors>` + "\n"},
		{"no api key in XML", "POST", ".xml", with(func(v url.Values) { v.Del("api_key") }), nil, 403, `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
			`<errors><error><code>403</code><description>缺少 api_key：提交诉求须提供 API 密钥（表单字段 api_key 或 Authorization: Bearer）</description></error></errors>` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.orders(t)
			var a answer
			switch {
			case c.method == "POST" && c.path == ".xml":
				a = f.post(t, "xml", c.form, c.header)
			case c.method == "POST" && c.form == nil:
				a = f.do(t, "POST", "/requests.json", strings.NewReader(`{"service_code":"x"}`), c.header)
			case c.method == "POST":
				a = f.post(t, "json", c.form, c.header)
			default:
				a = f.do(t, c.method, c.path, nil, c.header)
			}
			if a.status != c.status || a.body != c.body {
				t.Errorf("%s %s = %d %s\nwant %d %s", c.method, c.path, a.status, a.body, c.status, c.body)
			}
			if n := f.orders(t); n != before {
				t.Errorf("%d orders after a refused request, want %d", n, before)
			}
		})
	}
	if a := f.do(t, "PUT", "/requests.json", nil, nil); a.header.Get("Allow") != "POST, GET" {
		t.Errorf("Allow = %q", a.header.Get("Allow"))
	}
	// English on request.
	a := f.do(t, "GET", "/requests/NOPE.json", nil, http.Header{"Accept-Language": {"en-GB,en;q=0.9"}})
	if a.body != errBody(404, "No such service request") {
		t.Errorf("English error = %s", a.body)
	}
}

// A POST creates exactly one order, however often it is retried with the
// same Idempotency-Key, in either format, even at once.
func TestPostIdempotent(t *testing.T) {
	f := newFixture(t)
	before := f.orders(t)
	key := http.Header{"Idempotency-Key": {"fms-report-4711"}}
	first, _ := created(t, f.post(t, "json", f.form(), key))
	var wg sync.WaitGroup
	got := make([]answer, 6)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			format := []string{"json", "xml"}[i%2]
			req, _ := http.NewRequest("POST", f.env.URL+"/requests."+format, strings.NewReader(f.form().Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Idempotency-Key", "fms-report-4711")
			resp, err := f.env.Server.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got[i] = answer{resp.StatusCode, resp.Header, string(b)}
		}()
	}
	wg.Wait()
	for i, a := range got {
		if a.status != 200 || !strings.Contains(a.body, first) {
			t.Errorf("retry %d = %d %s, want %s", i, a.status, a.body, first)
		}
	}
	if n := f.orders(t); n != before+1 {
		t.Errorf("%d orders after retries, want %d", n, before+1)
	}
	// Another key is another request.
	if second, _ := created(t, f.post(t, "json", f.form(), http.Header{"Idempotency-Key": {"fms-report-4712"}})); second == first {
		t.Errorf("another key gave the same request %s", second)
	}
	// A batch service answers a token, the same one when retried, and the
	// token resolves to the order.
	batch := url.Values{"api_key": {f.key}, "service_code": {open311test.Assist}, "address_string": {"多福巷 5 号院"},
		"first_name": {"桂兰"}, "last_name": {"刘"}, "description": {"为母亲申请高龄津贴"}}
	id1, tok1 := created(t, f.post(t, "json", batch, http.Header{"Idempotency-Key": {"b-1"}}))
	id2, tok2 := created(t, f.post(t, "json", batch, http.Header{"Idempotency-Key": {"b-1"}}))
	if id1 != "" || tok1 == "" || tok1 != tok2 || id2 != "" {
		t.Fatalf("batch: ids %q %q, tokens %q %q", id1, id2, tok1, tok2)
	}
	a := f.get(t, "/tokens/"+tok1+".json")
	l := items(t, a)
	if len(l) != 1 || l[0]["token"] != tok1 || !strings.HasPrefix(l[0]["service_request_id"].(string), "GD") {
		t.Fatalf("tokens/%s = %s", tok1, a.body)
	}
	if n := f.orders(t); n != before+3 {
		t.Errorf("%d orders, want %d", n, before+3)
	}
}

// Chinese survives the round trip in both formats, and JSON writes it as
// UTF-8, not as escapes.
func TestChineseRoundTrip(t *testing.T) {
	f := newFixture(t)
	desc := "小区东门路灯不亮，晚上很黑——老人出行不便。“请尽快修”"
	form := f.form()
	form.Set("description", desc)
	form.Set("address_string", "东城区多福巷东门")
	form.Del("phone")
	id, _ := created(t, f.post(t, "json", form, nil))
	j := f.get(t, "/requests/"+id+".json")
	if !strings.Contains(j.body, desc) || j.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("JSON = %s %s", j.header.Get("Content-Type"), j.body)
	}
	l := items(t, j)
	if l[0]["description"] != desc || l[0]["address"] != "东城区多福巷东门" || l[0]["service_name"] != "楼道灯、路灯报修" {
		t.Errorf("JSON item = %v", l[0])
	}
	x := f.get(t, "/requests/"+id+".xml")
	if !strings.HasPrefix(x.body, `<?xml version="1.0" encoding="utf-8"?>`) || !strings.Contains(x.body, "<description>"+desc+"</description>") ||
		x.header.Get("Content-Type") != "text/xml; charset=utf-8" {
		t.Errorf("XML = %s %s", x.header.Get("Content-Type"), x.body)
	}
	// English names on request; the resident's text stays as written.
	e := items(t, f.do(t, "GET", "/requests/"+id+".json", nil, http.Header{"Accept-Language": {"en"}}))
	if e[0]["service_name"] != "Broken stair or street lights" || e[0]["description"] != desc {
		t.Errorf("English item = %v", e[0])
	}
}

// A public GET never shows the requester's name, phone or e-mail, staff
// names or internal notes, whether the text is in a field or written into
// the description; a resident's own matter shows no free text at all
// without a key that reads it.
func TestPublicGetHidesPersonalData(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	form := f.form()
	form.Set("description", "王秀英反映：3号楼楼道灯坏了，电话 139 1234 5678，邮箱 wxy@example.com，身份证 110101194503127829")
	id, _ := created(t, f.post(t, "json", form, nil))
	o, err := f.st.Open311Request(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Its life: dispatched with an internal note, signed, resolved with a
	// reply that names the requester.
	var x linli.WorkOrder
	if x, err = f.st.Act(ctx, f.clerk, o.ID, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "内部：此人多次投诉"}); err != nil {
		t.Fatal(err)
	}
	if x, err = f.st.Act(ctx, f.unitStaff, x.ID, linli.WOActionInput{Action: linli.ActSign}); err != nil {
		t.Fatal(err)
	}
	if _, err = f.st.Act(ctx, f.unitStaff, x.ID, linli.WOActionInput{Action: linli.ActResolve, Note: "已更换灯管，已电话告知王秀英（13912345678）"}); err != nil {
		t.Fatal(err)
	}
	// A resident's own matter, taken at the counter.
	own, _, err := f.st.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: open311test.Consult, ContactName: "赵建国",
		ContactPhone: "13698765432", AreaID: f.gridA.ID, Address: "多福巷 7 号 302", Description: "咨询父亲赵老汉的医保报销"})
	if err != nil {
		t.Fatal(err)
	}
	personal := []string{"王秀英", "13912345678", "139 1234 5678", "wxy@example.com", "110101194503127829", "clerk.zhangwei", "staff.liqiang",
		"内部", "多次投诉", "赵建国", "13698765432", "token:"}
	ownText := []string{"赵老汉", "7 号 302"} // the resident's own matter: only with community A's key
	paths := []string{"/requests.json", "/requests.xml", "/requests.json?extensions=true", "/requests.xml?extensions=true",
		"/requests/" + id + ".json?extensions=true", "/requests/" + own.Number + ".xml?extensions=true",
		"/requests.json?extensions=true&api_key=" + f.keyB, "/requests.json?extensions=true&api_key=" + f.key}
	for _, p := range paths {
		a := f.get(t, p)
		if a.status != 200 {
			t.Fatalf("GET %s = %d %s", p, a.status, a.body)
		}
		hidden := personal
		if !strings.HasSuffix(p, f.key) {
			hidden = append(slices.Clone(personal), ownText...)
		}
		for _, s := range hidden {
			if strings.Contains(a.body, s) {
				t.Errorf("GET %s shows %q: %s", p, s, a.body)
			}
		}
	}
	// The repair (public space) shows its text, redacted; the resident's
	// own matter shows none without A's key, and all of it with it.
	l := items(t, f.get(t, "/requests.json?extensions=true"))
	byID := map[string]map[string]any{}
	for _, m := range l {
		byID[m["service_request_id"].(string)] = m
	}
	rep, mine := byID[id], byID[own.Number]
	if rep == nil || mine == nil {
		t.Fatalf("list misses %s or %s: %v", id, own.Number, l)
	}
	if d := rep["description"]; d != "王*英反映：3号楼楼道灯坏了，电话 139****5678，邮箱 w***@example.com，身份证 1101**********7829" {
		t.Errorf("description = %v", d)
	}
	if rep["status"] != "closed" || rep["status_notes"] != "已更换灯管，已电话告知王*英（139****5678）" || rep["agency_responsible"] != "多福巷物业服务中心" {
		t.Errorf("repair = %v", rep)
	}
	if mine["description"] != nil || mine["address"] != nil || mine["status"] != "open" || mine["service_name"] != "政策咨询" {
		t.Errorf("own matter without key = %v", mine)
	}
	for _, m := range items(t, f.get(t, "/requests.json?api_key="+f.key)) {
		if m["service_request_id"] == own.Number && (m["description"] != "咨询父亲赵老汉的医保报销" || m["address"] != "多福巷 7 号 302") {
			t.Errorf("own matter with A's key = %v", m)
		}
	}
}

// The state mapping and the public timeline under extensions=true.
func TestExtensions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id, _ := created(t, f.post(t, "json", f.form(), nil))
	o, _ := f.st.Open311Request(ctx, id)
	check := func(status, detailed, fms string, summaries ...string) {
		t.Helper()
		l := items(t, f.get(t, "/requests/"+id+".json?extensions=true"))
		m := l[0]
		ea, _ := m["extended_attributes"].(map[string]any)
		if m["status"] != status || ea["detailed_status"] != detailed || ea["fms_status"] != fms || ea["channel"] != "open311" || ea["priority"] != "normal" {
			t.Errorf("status %v, extended %v; want %s %s %s", m["status"], ea, status, detailed, fms)
		}
		notes, _ := m["notes"].([]any)
		var got []string
		for _, n := range notes {
			got = append(got, n.(map[string]any)["summary"].(string))
		}
		if !slices.Equal(got, summaries) {
			t.Errorf("notes %q, want %q", got, summaries)
		}
		// Without extensions: none of them.
		if plain := items(t, f.get(t, "/requests/"+id+".json"))[0]; plain["notes"] != nil || plain["extended_attributes"] != nil {
			t.Errorf("extensions without extensions=true: %v", plain)
		}
	}
	check("open", "accepted", "OPEN", "已受理")
	o, err := f.st.Act(ctx, f.clerk, o.ID, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "物业负责楼道照明"})
	if err != nil {
		t.Fatal(err)
	}
	check("open", "dispatched", "INVESTIGATING", "已受理", "已派单至多福巷物业服务中心")
	if o, err = f.st.Act(ctx, f.unitStaff, o.ID, linli.WOActionInput{Action: linli.ActSign}); err != nil {
		t.Fatal(err)
	}
	if o, err = f.st.Act(ctx, f.unitStaff, o.ID, linli.WOActionInput{Action: linli.ActResolve, Note: "已更换灯管"}); err != nil {
		t.Fatal(err)
	}
	check("closed", "resolved", "FIXED", "已受理", "已派单至多福巷物业服务中心", "承办单位已签收，开始办理", "已办结")
	m := items(t, f.get(t, "/requests/"+id+".json"))[0]
	if m["expected_datetime"] == nil || m["status_notes"] != "已更换灯管" || m["service_notice"] != "承诺 3 个工作日内办结" {
		t.Errorf("item = %v", m)
	}
	req, _ := time.Parse(time.RFC3339, m["requested_datetime"].(string))
	upd, _ := time.Parse(time.RFC3339, m["updated_datetime"].(string))
	if !strings.HasSuffix(m["requested_datetime"].(string), "Z") || strings.Contains(m["requested_datetime"].(string), ".") || upd.Before(req) {
		t.Errorf("datetimes %v %v", m["requested_datetime"], m["updated_datetime"])
	}
}

// The filters of GET requests: the default 90 days, ranges, ids, codes,
// status, pages.
func TestFilters(t *testing.T) {
	f := newFixture(t)
	now := f.env.Clock.Now()
	// An old request, 100 days ago.
	f.env.Clock.Set(now.AddDate(0, 0, -100))
	old, _ := created(t, f.post(t, "json", f.form(), nil))
	f.env.Clock.Set(now)
	var recent []string
	for range 3 {
		id, _ := created(t, f.post(t, "json", f.form(), nil))
		recent = append(recent, id)
	}
	consult := url.Values{"api_key": {f.key}, "service_code": {open311test.Consult}, "address_string": {"多福巷"}, "attribute[people]": {"2"}}
	cid, _ := created(t, f.post(t, "json", consult, nil)) // anonymous: the service allows it
	ids := func(q string) []string {
		t.Helper()
		var out []string
		for _, m := range items(t, f.get(t, "/requests.json"+q)) {
			out = append(out, m["service_request_id"].(string))
		}
		return out
	}
	w3c := func(t time.Time) string { return url.QueryEscape(t.UTC().Format(time.RFC3339)) }
	newestFirst := []string{cid, recent[2], recent[1], recent[0]}
	cases := []struct {
		name string
		q    string
		want []string
	}{
		{"default: the last 90 days, newest first", "", newestFirst},
		{"empty arguments are absent ones", "?status=&service_code=&start_date=&end_date=&page=&page_size=", newestFirst},
		{"a range 90 days back", "?start_date=" + w3c(now.AddDate(0, 0, -110)) + "&end_date=" + w3c(now.AddDate(0, 0, -20)), []string{old}},
		{"start only: 90 days from it", "?start_date=" + w3c(now.AddDate(0, 0, -101)), []string{old}},
		{"end only: 90 days to it", "?end_date=" + w3c(now.AddDate(0, 0, -99)), []string{old}},
		{"ids override everything, any case", "?service_request_id=" + strings.ToLower(old) + "," + recent[0] + "&status=closed&service_code=X",
			[]string{recent[0], old}},
		{"service_code list", "?service_code=" + open311test.Consult + ",NOPE", []string{cid}},
		{"status open", "?status=open", newestFirst},
		{"status closed", "?status=closed", nil},
		{"status open,closed", "?status=open,closed", newestFirst},
		{"page_size", "?page_size=2", newestFirst[:2]},
		{"page 2", "?page_size=2&page=2", newestFirst[2:]},
		{"page past the end", "?page_size=2&page=3", nil},
		{"updated window", "?updated_after=" + w3c(now.Add(-time.Minute)), newestFirst},
		{"updated window, old", "?updated_before=" + w3c(now.AddDate(0, 0, -50)), []string{old}},
		{"a date range in Beijing days", "?start_date=" + now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") +
			"&end_date=" + now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"), newestFirst},
	}
	for _, c := range cases {
		if got := ids(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q = %v, want %v", c.name, c.q, got, c.want)
		}
	}
	// An empty answer is an empty list.
	if a := f.get(t, "/requests.xml?status=closed"); a.body != `<?xml version="1.0" encoding="utf-8"?>`+"\n<service_requests></service_requests>\n" {
		t.Errorf("empty XML = %s", a.body)
	}
	if a := f.get(t, "/requests.json?status=closed"); a.body != "[]\n" {
		t.Errorf("empty JSON = %s", a.body)
	}
}

// The service list: public, live services not on the negative list, with
// their type, metadata, keywords and group; a definition per service.
func TestServices(t *testing.T) {
	f := newFixture(t)
	a := f.get(t, "/services.json")
	var l []map[string]any
	if err := json.Unmarshal([]byte(a.body), &l); err != nil {
		t.Fatal(a.body)
	}
	want := `[{"service_code":"CT-CONSULT","service_name":"政策咨询","description":"社保、医保、养老等政策咨询","metadata":true,"type":"realtime","keywords":null,"group":"政策咨询"},` +
		`{"service_code":"CT-ASSIST-SUBSIDY","service_name":"高龄津贴申请协助","description":"协助八十周岁以上老人申请高龄津贴","metadata":false,"type":"batch","keywords":null,"group":"养老服务"},` +
		`{"service_code":"CT-REPAIR-LIGHT","service_name":"楼道灯、路灯报修","description":"楼道灯、路灯不亮或损坏","metadata":true,"type":"realtime","keywords":"路灯,楼道灯,照明","group":"维修报修"}]` + "\n"
	if a.body != want {
		t.Errorf("services.json =\n%s\nwant\n%s", a.body, want)
	}
	x := f.get(t, "/services/"+open311test.Repair+".xml")
	wantX := `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<service_definition><service_code>CT-REPAIR-LIGHT</service_code><attributes>` +
		`<attribute><variable>true</variable><code>what</code><datatype>singlevaluelist</datatype><required>true</required><datatype_description></datatype_description><order>1</order><description>损坏设施</description>` +
		`<values><value><key>stair</key><name>楼道灯</name></value><value><key>street</key><name>路灯</name></value><value><key>lift</key><name>电梯照明</name></value></values></attribute>` +
		`<attribute><variable>true</variable><code>floors</code><datatype>multivaluelist</datatype><required>false</required><datatype_description></datatype_description><order>2</order><description>楼层</description>` +
		`<values><value><key>1</key><name>一层</name></value><value><key>2</key><name>二层</name></value><value><key>3</key><name>三层</name></value></values></attribute>` +
		`<attribute><variable>false</variable><code>safety</code><datatype>text</datatype><required>false</required><datatype_description></datatype_description><order>3</order><description>夜间请注意安全，勿自行维修</description></attribute>` +
		`</attributes></service_definition>` + "\n"
	if x.body != wantX {
		t.Errorf("definition =\n%s\nwant\n%s", x.body, wantX)
	}
	if j := f.get(t, "/services/"+open311test.Assist+".json"); j.body != `{"service_code":"CT-ASSIST-SUBSIDY","attributes":[]}`+"\n" {
		t.Errorf("definition without attributes = %s", j.body)
	}
	en := f.do(t, "GET", "/services/"+open311test.Repair+".json", nil, http.Header{"Accept-Language": {"en"}})
	if !strings.Contains(en.body, `"description":"What is broken"`) || !strings.Contains(en.body, `"name":"Street light"`) {
		t.Errorf("English definition = %s", en.body)
	}
}

// Discovery: both formats, the endpoint's URL, a changeset that follows
// the catalogue.
func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	var d struct {
		Changeset string `json:"changeset"`
		Endpoints []struct {
			Specification, URL, Changeset, Type string
			Formats                             []string
		} `json:"endpoints"`
	}
	a := f.get(t, "/discovery.json")
	if err := json.Unmarshal([]byte(a.body), &d); err != nil || len(d.Endpoints) != 1 {
		t.Fatalf("discovery = %s", a.body)
	}
	e := d.Endpoints[0]
	if e.URL != f.env.URL || e.Specification != "http://wiki.open311.org/GeoReport_v2" || e.Type != "production" ||
		!slices.Equal(e.Formats, []string{"text/xml", "application/json"}) || e.Changeset != d.Changeset {
		t.Errorf("endpoint = %+v", e)
	}
	ch, err := time.Parse(time.RFC3339, d.Changeset)
	if err != nil || ch.After(time.Now()) {
		t.Errorf("changeset %q", d.Changeset)
	}
	x := f.get(t, "/discovery.xml")
	if !strings.Contains(x.body, "<changeset>"+d.Changeset+"</changeset>") || !strings.Contains(x.body, "<formats><format>text/xml</format><format>application/json</format></formats>") {
		t.Errorf("discovery.xml = %s", x.body)
	}
}

// Open311 answers carry the security headers of the rest of the app and
// are not cached; a session cookie does not make a POST count as anyone.
func TestHeaders(t *testing.T) {
	f := newFixture(t)
	a := f.get(t, "/services.json")
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		"Cache-Control": "no-store"} {
		if got := a.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if a.header.Get("Content-Security-Policy") == "" || a.header.Get("X-Request-Id") == "" {
		t.Errorf("headers %v", a.header)
	}
	form := f.form()
	form.Del("api_key")
	if b := f.post(t, "json", form, http.Header{"Cookie": {"linli_session=whatever"}, "Origin": {"https://elsewhere.example"},
		"Sec-Fetch-Site": {"cross-site"}}); b.status != 403 || !strings.Contains(b.body, "api_key") {
		t.Errorf("POST with a cookie and no key = %d %s", b.status, b.body)
	}
	if a := f.do(t, "HEAD", "/services.json", nil, nil); a.status != 200 || a.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("HEAD = %d %v", a.status, a.header)
	}
}
