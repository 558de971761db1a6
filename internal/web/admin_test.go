package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/locale"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

const testPassword = "Quiet-Harbour-2026"

// adminEnv is a server built as in production over a fresh SQLite
// database, with a small tree and one account per role the tests need.
type adminEnv struct {
	t        *testing.T
	st       *store.Store
	srv      *Server
	keys     *seal.Keyring
	hasher   *auth.Hasher
	zh       locale.Printer
	district linli.Area
	street   linli.Area
	commA    linli.Area // 多福巷社区
	commB    linli.Area // 银闸社区
	org      linli.OrgUnit
	ids      map[string]int64 // username → id
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "web.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys := seal.Generate()
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	srv, err := New(Options{Store: st, Keys: keys, Hasher: hasher})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &adminEnv{t: t, st: st, srv: srv, keys: keys, hasher: hasher, zh: cat.Printer("zh-CN"), ids: map[string]int64{}}
	con := linli.ConsoleActor()
	mk := func(parent int64, l linli.Level, name, code string) linli.Area {
		a, err := st.CreateArea(ctx, con, linli.AreaInput{ParentID: parent, Level: l, Name: name, Code: code})
		if err != nil {
			t.Fatalf("create area %s: %v", code, err)
		}
		return a
	}
	e.district = mk(0, linli.LevelDistrict, "东城区", "110101000000")
	e.street = mk(e.district.ID, linli.LevelStreet, "东华门街道", "110101001000")
	e.commA = mk(e.street.ID, linli.LevelCommunity, "多福巷社区", "110101001001")
	e.commB = mk(e.street.ID, linli.LevelCommunity, "银闸社区", "110101001002")
	e.org, err = st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东城区民政局", Kind: "district_office", AreaID: e.district.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.user("dadmin", linli.RoleDistrictAdmin, e.district.ID)
	e.user("worker.a", linli.RoleCommunityWorker, e.commA.ID)
	e.user("sysadmin", linli.RoleSystemAdmin, e.district.ID)
	e.user("auditor", linli.RoleAuditAdmin, e.district.ID)
	return e
}

func (e *adminEnv) user(name string, role linli.Role, scope int64) {
	e.t.Helper()
	hash, err := HashPassword(e.hasher, e.keys, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.st.CreateUser(context.Background(), linli.ConsoleActor(), linli.UserInput{Username: name, DisplayName: name,
		Roles: []linli.Role{role}, OrgUnitID: e.org.ID, ScopeIDs: []int64{scope}}, hash)
	if err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	e.ids[name] = u.ID
}

// login posts the login form and returns the session cookie.
func (e *adminEnv) login(name string) *http.Cookie {
	e.t.Helper()
	form := url.Values{"username": {name}, "password": {testPassword}}
	rec := e.do(http.MethodPost, "/login", nil, form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		e.t.Fatalf("login %s: %d %s", name, rec.Code, rec.Header().Get("Location"))
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "linli_session" && c.Value != "" {
			return c
		}
	}
	e.t.Fatalf("login %s: no session cookie", name)
	return nil
}

// session starts a session whose second factor is done, for the accounts
// that must use TOTP.
func (e *adminEnv) session(name string) *http.Cookie {
	e.t.Helper()
	token, hash, err := auth.NewToken("s_")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateSession(context.Background(), e.ids[name], hash, "done", store.Client{IP: "192.0.2.1"}, time.Hour); err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: "linli_session", Value: token}
}

// do sends a request through the whole handler chain. form, when not nil,
// is sent url-encoded.
func (e *adminEnv) do(method, path string, c *http.Cookie, form url.Values) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "zh-CN")
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// upload posts a CSV file to the import form.
func (e *adminEnv) upload(c *http.Cookie, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "areas.csv")
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/areas/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "zh-CN")
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// msg is the Chinese message of key as the page shows it (HTML-escaped).
func (e *adminEnv) msg(key string, args ...any) string {
	return html.EscapeString(e.zh.T(key, args...))
}

func (e *adminEnv) areaByCode(code string) (linli.Area, bool) {
	e.t.Helper()
	all, err := e.st.Areas(context.Background(), linli.ConsoleActor(), store.AreaFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range all {
		if a.Code == code {
			return a, true
		}
	}
	return linli.Area{}, false
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

func TestDistrictAdminCreatesScopedWorker(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("dadmin")

	rec := e.do(http.MethodGet, "/users/new", c, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /users/new: %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `value="community_worker"`) {
		t.Error("the form does not offer the business role community_worker")
	}
	if strings.Contains(body, `value="system_admin"`) {
		t.Error("a district admin is offered an admin duty to grant")
	}

	form := url.Values{"username": {"wang.xm"}, "display_name": {"王小明"}, "password": {"Paper-Lantern-88"},
		"roles": {"community_worker"}, "org_unit": {id(e.org.ID)}, "scope": {id(e.commA.ID)}}
	rec = e.do(http.MethodPost, "/users", c, form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /users: %d\n%s", rec.Code, rec.Body)
	}
	if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "/users/") {
		t.Fatalf("redirect to %q", loc)
	}
	u, err := e.st.LoginInfo(context.Background(), "wang.xm")
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.st.User(context.Background(), linli.ConsoleActor(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Scope) != 1 || full.Scope[0].ID != e.commA.ID || len(full.Roles) != 1 || full.Roles[0] != linli.RoleCommunityWorker {
		t.Fatalf("created user has scope %+v roles %v", full.Scope, full.Roles)
	}
	if !e.srv.verifyPassword("Paper-Lantern-88", u.PasswordHash) {
		t.Error("the stored password hash does not verify")
	}

	rec = e.do(http.MethodGet, "/users", c, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), ">wang.xm</a>") || !strings.Contains(rec.Body.String(), "多福巷社区") {
		t.Fatalf("the new user is not listed with its scope: %d", rec.Code)
	}
	rec = e.do(http.MethodGet, "/users/"+id(u.ID), c, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="/users/`+id(u.ID)+`/disable"`) {
		t.Fatalf("detail page lacks the disable form: %d", rec.Code)
	}
}

func TestCreateUserInvalidKeepsInput(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("dadmin")
	form := url.Values{"username": {""}, "display_name": {"李四海"}, "password": {"xyzzy42"},
		"roles": {"community_worker"}, "org_unit": {id(e.org.ID)}, "scope": {id(e.commB.ID)}}
	rec := e.do(http.MethodPost, "/users", c, form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{`value="李四海"`, e.msg("user.username.required"), e.msg("pw.too_short", 12),
		`id="username-err"`, `id="password-err"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "xyzzy42") {
		t.Error("the password is echoed back")
	}
	// The choices are kept too.
	if !regexp.MustCompile(`value="community_worker" checked`).MatchString(body) {
		t.Error("the chosen role is not kept")
	}
	if !strings.Contains(body, `value="`+id(e.commB.ID)+`" selected`) {
		t.Error("the chosen scope is not kept")
	}
	users, err := e.st.Users(context.Background(), linli.ConsoleActor(), store.UserFilter{Query: "李四海"})
	if err != nil || len(users) != 0 {
		t.Fatalf("a user was created: %v %v", users, err)
	}
}

func TestUserPagesNeedManagement(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("worker.a")
	for _, path := range []string{"/users/new", "/users"} {
		if rec := e.do(http.MethodGet, path, c, nil); rec.Code != http.StatusNotFound {
			t.Errorf("worker GET %s: %d, want 404", path, rec.Code)
		}
	}
	form := url.Values{"username": {"sneaky"}, "display_name": {"x"}, "password": {"Paper-Lantern-88"}, "roles": {"community_worker"}}
	if rec := e.do(http.MethodPost, "/users", c, form); rec.Code != http.StatusNotFound {
		t.Errorf("worker POST /users: %d, want 404", rec.Code)
	}
	if rec := e.do(http.MethodPost, "/users/"+id(e.ids["dadmin"])+"/disable", c, url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("worker disables an account: %d, want 404", rec.Code)
	}
}

func TestWorkerSeesOnlyOwnScope(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("worker.a")
	rec := e.do(http.MethodGet, "/areas/"+id(e.commB.ID), c, nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET out-of-scope area: %d, want 404", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "银闸社区") {
		t.Error("the 404 page names the out-of-scope area")
	}
	rec = e.do(http.MethodGet, "/areas/"+id(e.commA.ID), c, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "多福巷社区") {
		t.Fatalf("GET own area: %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), `id="rename"`) || strings.Contains(rec.Body.String(), "/retire") {
		t.Error("a worker without area.manage sees the manage forms")
	}
	if strings.Contains(rec.Body.String(), `id="parent-link"`) {
		t.Error("the parent outside the scope is linked")
	}
	rec = e.do(http.MethodGet, "/areas", c, nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "银闸社区") || !strings.Contains(rec.Body.String(), "多福巷社区") {
		t.Fatalf("tree of the worker: %d, shows B or lacks A", rec.Code)
	}
	if rec := e.do(http.MethodPost, "/areas/"+id(e.commA.ID)+"/retire", c, url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("worker retires an area: %d, want 404", rec.Code)
	}
}

func TestAreaTreeNestsAndHidesRetired(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	old, err := e.st.CreateArea(ctx, linli.ConsoleActor(), linli.AreaInput{ParentID: e.street.ID, Level: linli.LevelCommunity, Name: "旧社区", Code: "110101001009"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RetireArea(ctx, linli.ConsoleActor(), old.ID); err != nil {
		t.Fatal(err)
	}
	c := e.login("dadmin")
	body := e.do(http.MethodGet, "/areas", c, nil).Body.String()
	if strings.Contains(body, "旧社区") {
		t.Error("a retired area is shown without ?retired=1")
	}
	// The community is nested inside the street's list item, inside the district's.
	nested := regexp.MustCompile(`(?s)<ul class="tree" id="area-tree"><li><a href="/areas/` + id(e.district.ID) + `">东城区</a>.*?<ul><li><a href="/areas/` +
		id(e.street.ID) + `">东华门街道</a>.*?<ul><li><a href="/areas/` + id(e.commA.ID) + `">多福巷社区</a>`)
	if !nested.MatchString(body) {
		t.Errorf("the tree is not nested district → street → community:\n%s", body)
	}
	body = e.do(http.MethodGet, "/areas?retired=1", c, nil).Body.String()
	if !strings.Contains(body, `class="retired">旧社区</a>`) || !strings.Contains(body, `href="/areas"`) {
		t.Error("?retired=1 does not show the retired area, or lacks the toggle back")
	}
}

func TestAreaCreateWrongCode(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("dadmin")
	form := url.Values{"parent": {id(e.street.ID)}, "fixed": {"1"}, "name": {"新建社区"}, "code": {"12345"}}
	rec := e.do(http.MethodPost, "/areas", c, form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, e.msg("area.code.format")) || !strings.Contains(body, `value="新建社区"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("the page lacks the code message or the typed name:\n%s", body)
	}
	if _, ok := e.areaByCode("12345"); ok {
		t.Fatal("an area with a bad code was created")
	}
	// A code of another street is refused with its own message.
	form.Set("code", "110101002001")
	rec = e.do(http.MethodPost, "/areas", c, form)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), e.msg("area.code.parent_prefix")) {
		t.Fatalf("wrong prefix: %d", rec.Code)
	}
	form.Set("code", "110101001003")
	rec = e.do(http.MethodPost, "/areas", c, form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good create: %d\n%s", rec.Code, rec.Body)
	}
	a, ok := e.areaByCode("110101001003")
	if !ok || a.ParentID != e.street.ID || a.Level != linli.LevelCommunity || rec.Header().Get("Location") != "/areas/"+id(a.ID) {
		t.Fatalf("created %+v, redirect %q", a, rec.Header().Get("Location"))
	}
	// Only the whole tree's holder may add a district.
	rec = e.do(http.MethodPost, "/areas", c, url.Values{"parent": {"0"}, "name": {"西城区"}, "code": {"110102000000"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("district by a district admin: %d, want 422", rec.Code)
	}
	if _, ok := e.areaByCode("110102000000"); ok {
		t.Fatal("a district admin created a district")
	}
}

func TestAreaConflictsRerender(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("dadmin")
	// worker.a has community A in scope: it cannot retire.
	rec := e.do(http.MethodPost, "/areas/"+id(e.commA.ID)+"/retire", c, url.Values{})
	if rec.Code != http.StatusConflict {
		t.Fatalf("retire occupied area: %d, want 409", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), e.msg("area.retire.has_staff", 1)) || !strings.Contains(rec.Body.String(), `id="history"`) {
		t.Error("the conflict is not shown on the area page")
	}
	// A rename with an old version is a stale edit.
	rec = e.do(http.MethodPost, "/areas/"+id(e.commB.ID), c, url.Values{"name": {"银闸社区（新）"}, "code": {""}, "version": {"99"}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), e.msg("edit.stale")) {
		t.Fatalf("stale rename: %d", rec.Code)
	}
	rec = e.do(http.MethodPost, "/areas/"+id(e.commB.ID), c, url.Values{"name": {"银闸社区（新）"}, "code": {""}, "version": {id(e.commB.Version)}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("rename: %d", rec.Code)
	}
	if a, _ := e.areaByCode(e.commB.Code); a.Name != "银闸社区（新）" {
		t.Fatalf("name after rename: %q", a.Name)
	}
	rec = e.do(http.MethodPost, "/areas/"+id(e.commB.ID)+"/retire", c, url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("retire empty area: %d", rec.Code)
	}
}

const importHeader = "level,code,name,parent_code\n"

func TestAreaImportAllOrNothing(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("dadmin")
	bad := importHeader +
		"community,110101001003,新桥社区,110101001000\n" +
		"grid,110101001003-01,第一网格,110101001003\n" +
		"community,11010100100,坏代码社区,110101001000\n"
	rec := e.upload(c, []byte(bad))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad import: %d, want 422", rec.Code)
	}
	body := rec.Body.String()
	report := regexp.MustCompile(`<tr><td>3</td><td><code>11010100100</code></td><td>([^<]*)</td></tr>`).FindStringSubmatch(body)
	if report == nil || report[1] != e.msg("area.code.format") {
		t.Fatalf("the report does not name row 3 with its message:\n%s", body)
	}
	if strings.Contains(body, "<tr><td>1</td>") || strings.Contains(body, "<tr><td>2</td>") {
		t.Error("the report lists good rows")
	}
	for _, code := range []string{"110101001003", "110101001003-01"} {
		if _, ok := e.areaByCode(code); ok {
			t.Errorf("row %s was written although the import failed", code)
		}
	}

	good := strings.Replace(bad, "11010100100,坏代码社区", "110101001004,好代码社区", 1)
	rec = e.upload(c, []byte(good))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/areas?imported=3" {
		t.Fatalf("good import: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	grid, ok := e.areaByCode("110101001003-01")
	parent, ok2 := e.areaByCode("110101001003")
	if !ok || !ok2 || grid.ParentID != parent.ID || parent.ParentID != e.street.ID {
		t.Fatalf("imported tree: grid %+v parent %+v", grid, parent)
	}
	if _, ok := e.areaByCode("110101001004"); !ok {
		t.Error("row 3 of the good import is missing")
	}
	rec = e.do(http.MethodGet, "/areas?imported=3", c, nil)
	if !strings.Contains(rec.Body.String(), e.msg("area.import.done", 3)) {
		t.Error("the flash does not show the count")
	}
	evs, err := e.st.SearchAudit(context.Background(), linli.NewActor(e.ids["auditor"], "auditor", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{}),
		linli.AuditQuery{Action: "area.import"})
	if err != nil || len(evs) != 1 || evs[0].Detail != "created=3" || evs[0].ActorName != "dadmin" {
		t.Fatalf("area.import audit: %+v %v", evs, err)
	}
}

func TestAreaImportEncodings(t *testing.T) {
	e := newAdminEnv(t)
	c := e.login("dadmin")
	text := "层级,代码,名称,上级代码\n社区,110101001005,东四社区,110101001000\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.upload(c, gbk); rec.Code != http.StatusSeeOther {
		t.Fatalf("GBK import: %d\n%s", rec.Code, rec.Body)
	}
	if a, ok := e.areaByCode("110101001005"); !ok || a.Name != "东四社区" {
		t.Fatalf("GBK name decoded as %q", a.Name)
	}
	bom := append([]byte("\xef\xbb\xbf"), importHeader+"community,110101001006,西四社区,110101001000\n"...)
	if rec := e.upload(c, bom); rec.Code != http.StatusSeeOther {
		t.Fatalf("UTF-8 BOM import: %d\n%s", rec.Code, rec.Body)
	}
	if _, ok := e.areaByCode("110101001006"); !ok {
		t.Fatal("the BOM import did not create the area")
	}
	rec := e.upload(c, []byte("code,name\n110101001007,x\n"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), e.msg("area.import.header")) {
		t.Fatalf("missing header: %d", rec.Code)
	}
}

func TestTokensShownOnce(t *testing.T) {
	e := newAdminEnv(t)
	c := e.session("sysadmin")
	ctx := context.Background()
	rec := e.do(http.MethodPost, "/tokens", c, url.Values{"name": {"网格系统"}, "role": {"system_admin"}, "scope": {id(e.commA.ID)}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), e.msg("apitoken.role.invalid")) {
		t.Fatalf("admin-duty token: %d", rec.Code)
	}
	rec = e.do(http.MethodPost, "/tokens", c, url.Values{"name": {"网格系统"}, "role": {"grid_worker"}, "scope": {id(e.commA.ID)}})
	if rec.Code != http.StatusOK {
		t.Fatalf("create token: %d\n%s", rec.Code, rec.Body)
	}
	m := regexp.MustCompile(`<code id="new-token"[^>]*>(lt_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the token is not shown")
	}
	a, err := e.st.TokenActor(ctx, auth.HashToken(m[1]))
	if err != nil || !a.Has(linli.RoleGridWorker) || len(a.Scope.AreaIDs) != 1 || a.Scope.AreaIDs[0] != e.commA.ID {
		t.Fatalf("token actor %+v %v", a, err)
	}
	list := e.do(http.MethodGet, "/tokens", c, nil)
	if strings.Contains(list.Body.String(), m[1]) || !strings.Contains(list.Body.String(), "网格系统") {
		t.Fatal("the list shows the token again, or lacks it")
	}
	toks, _ := e.st.APITokens(ctx, linli.NewActor(e.ids["sysadmin"], "sysadmin", []linli.Role{linli.RoleSystemAdmin}, linli.Scope{}))
	if rec := e.do(http.MethodPost, "/tokens/"+id(toks[0].ID)+"/revoke", c, url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rec.Code)
	}
	if _, err := e.st.TokenActor(ctx, auth.HashToken(m[1])); err == nil {
		t.Fatal("a revoked token still works")
	}
	if rec := e.do(http.MethodGet, "/tokens", e.login("dadmin"), nil); rec.Code != http.StatusNotFound {
		t.Errorf("district admin GET /tokens: %d, want 404", rec.Code)
	}
}

func TestAuditSearchAndExport(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	auditor := e.session("auditor")

	if rec := e.do(http.MethodGet, "/audit", e.session("sysadmin"), nil); rec.Code != http.StatusNotFound {
		t.Fatalf("system admin GET /audit: %d, want 404", rec.Code)
	}
	rec := e.do(http.MethodGet, "/audit?action=user.create", auditor, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /audit: %d", rec.Code)
	}
	body := rec.Body.String()
	if got := strings.Count(body, "<code>user.create</code>"); got != 4 {
		t.Errorf("%d user.create rows, want 4 (one per seeded account)", got)
	}
	if strings.Contains(body, "<code>area.create</code>") {
		t.Error("the action filter is ignored")
	}

	rec = e.do(http.MethodGet, "/audit?from=2026-13-01&to=yesterday", auditor, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad dates: %d, want 422", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), `id="from-err"`) || !strings.Contains(rec.Body.String(), `id="to-err"`) ||
		!strings.Contains(rec.Body.String(), e.msg("audit.date.invalid")) {
		t.Error("bad dates lack their field messages")
	}
	// Dates are Shanghai days: today's records are found by today's date,
	// and none by yesterday's.
	today := time.Now().In(shanghai).Format("2006-01-02")
	yesterday := time.Now().In(shanghai).AddDate(0, 0, -1).Format("2006-01-02")
	if body := e.do(http.MethodGet, "/audit?from="+today+"&to="+today, auditor, nil).Body.String(); !strings.Contains(body, "<code>area.create</code>") {
		t.Error("today's records are not found by today's date")
	}
	if body := e.do(http.MethodGet, "/audit?to="+yesterday, auditor, nil).Body.String(); !strings.Contains(body, e.msg("audit.none")) {
		t.Error("records are found before they happened")
	}

	rec = e.do(http.MethodGet, "/audit/export?action=area.create", auditor, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	raw := rec.Body.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Fatal("the export has no UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0][0] != e.zh.T("audit.col.seq") { // header + 4 areas
		t.Fatalf("export rows: %d, header %v", len(recs), recs[0])
	}
	for _, r := range recs[1:] {
		if r[4] != "area.create" {
			t.Errorf("exported action %q", r[4])
		}
	}
	evs, err := e.st.SearchAudit(ctx, linli.NewActor(e.ids["auditor"], "auditor", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{}),
		linli.AuditQuery{Action: "audit.export"})
	if err != nil || len(evs) != 1 || evs[0].Detail != "rows=4" || evs[0].ActorName != "auditor" {
		t.Fatalf("audit.export record: %+v %v", evs, err)
	}
}

func TestAuditOlderLink(t *testing.T) {
	e := newAdminEnv(t)
	auditor := e.session("auditor")
	ctx := context.Background()
	for i := range auditPerPage {
		if err := e.st.AuditActor(ctx, linli.ConsoleActor(), "test.fill", "test", i, 0, ""); err != nil {
			t.Fatal(err)
		}
	}
	body := e.do(http.MethodGet, "/audit?action=test.fill", auditor, nil).Body.String()
	m := regexp.MustCompile(`href="(/audit\?[^"]+)" id="audit-older"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to older records after a full page")
	}
	older, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if older.Query().Get("action") != "test.fill" || older.Query().Get("before") == "" {
		t.Fatalf("older link %q drops the filter or the cursor", m[1])
	}
	// The older page continues below the last seq: the filtered set has no more.
	body = e.do(http.MethodGet, older.String(), auditor, nil).Body.String()
	if !strings.Contains(body, e.msg("audit.none")) {
		t.Error("the older page repeats records")
	}
}
