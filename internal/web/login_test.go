package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
)

func TestLoginLockout(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := 1; i <= 4; i++ {
		resp := e.login(c, "comm.worker", "wrong-password-"+itoa(int64(i)))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i, resp.StatusCode)
		}
	}
	_, body := readAll(e.login(c, "comm.worker", "wrong-password-5"))
	if !strings.Contains(body, "锁定") {
		t.Fatalf("5th failure page lacks the lockout message")
	}
	resp := e.login(c, "comm.worker", demo.DemoPassword)
	_, body = readAll(resp)
	if resp.StatusCode != http.StatusLocked || !strings.Contains(body, "锁定") {
		t.Fatalf("right password while locked = %d, want 423 with the lockout message", resp.StatusCode)
	}
	if len(c.Jar.Cookies(mustURL(e.srv.URL))) != 0 {
		t.Fatal("a session cookie was set while locked")
	}
	// After 15 minutes the right password works again.
	e.clock.now = e.clock.now.Add(16 * time.Minute)
	resp = e.login(c, "comm.worker", demo.DemoPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login after the lock = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Unknown users get the same message as a wrong password.
	_, unknown := readAll(e.login(e.client(), "nobody.here", "whatever-password"))
	_, wrong := readAll(e.login(e.client(), "comm.worker.b", "whatever-password"))
	msg := regexp.MustCompile(`id="login-error">([^<]*)<`)
	if msg.FindStringSubmatch(unknown)[1] != msg.FindStringSubmatch(wrong)[1] {
		t.Fatal("unknown and known users get different messages")
	}
}

func TestLoginSessionAndLogout(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	resp := e.login(c, "district.admin", demo.DemoPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login = %d", resp.StatusCode)
	}
	first := c.Jar.Cookies(mustURL(e.srv.URL))[0].Value
	resp, body := e.get(c, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "工作台") || !strings.Contains(body, demo.DistrictName) {
		t.Fatalf("dashboard = %d", resp.StatusCode)
	}
	// A new login gets a new token (renewed at login).
	e.login(c, "district.admin", demo.DemoPassword)
	second := c.Jar.Cookies(mustURL(e.srv.URL))[0].Value
	if second == first {
		t.Fatal("session token not renewed at login")
	}
	resp, _ = e.do(c, http.MethodPost, "/logout", "application/x-www-form-urlencoded", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout = %d", resp.StatusCode)
	}
	// The old cookie no longer works even if replayed.
	old := e.client()
	old.Jar.SetCookies(mustURL(e.srv.URL), []*http.Cookie{{Name: "linli_session", Value: second, Path: "/"}})
	resp, _ = e.get(old, "/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("old session after logout = %d", resp.StatusCode)
	}
}

// TestTOTPRequiredEnrolAndReplay walks an admin through enrolment, a
// second login with a code, and a refused replay of that code.
func TestTOTPRequiredEnrolAndReplay(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	resp := e.login(c, "audit.admin", demo.DemoPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/totp" {
		t.Fatalf("admin login = %d %s, want enrolment", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Before the second factor, data pages redirect to enrolment.
	resp, _ = e.get(c, "/audit")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/totp" {
		t.Fatalf("/audit before TOTP = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := e.get(c, "/account/totp")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("enrolment page shows no secret")
	}
	secret := m[1]
	code, _ := auth.GenerateTOTP(secret, e.clock.now)
	resp, page = e.do(c, http.MethodPost, "/account/totp", "application/x-www-form-urlencoded", "code="+code)
	if resp.StatusCode != 200 || !strings.Contains(page, `id="recovery-codes"`) {
		t.Fatalf("enrol = %d", resp.StatusCode)
	}
	if resp, _ = e.get(c, "/audit"); resp.StatusCode != 200 {
		t.Fatalf("/audit after enrolment = %d", resp.StatusCode)
	}
	// Next login asks for a code; the enrolment code's step is spent.
	c2 := e.client()
	resp = e.login(c2, "audit.admin", demo.DemoPassword)
	if resp.Header.Get("Location") != "/login/totp" {
		t.Fatalf("second login → %s, want /login/totp", resp.Header.Get("Location"))
	}
	resp, page = e.do(c2, http.MethodPost, "/login/totp", "application/x-www-form-urlencoded", "code="+code)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "已使用") {
		t.Fatalf("replayed code = %d, want 422 with the replay message", resp.StatusCode)
	}
	e.clock.now = e.clock.now.Add(30 * time.Second)
	next, _ := auth.GenerateTOTP(secret, e.clock.now)
	resp, _ = e.do(c2, http.MethodPost, "/login/totp", "application/x-www-form-urlencoded", "code="+next)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("fresh code = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ = e.get(c2, "/audit"); resp.StatusCode != 200 {
		t.Fatalf("/audit after the code = %d", resp.StatusCode)
	}
	// The system admin cannot read the audit log at all.
	if resp, _ = e.get(e.as("sys.admin"), "/audit"); resp.StatusCode != 404 {
		t.Fatalf("/audit as system admin = %d, want 404", resp.StatusCode)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	a, b := e.client(), e.client()
	e.login(a, "comm.worker", demo.DemoPassword)
	e.login(b, "comm.worker", demo.DemoPassword)
	resp, page := e.do(a, http.MethodPost, "/account/password", "application/x-www-form-urlencoded", "current=wrong&new=short&confirm=short")
	if resp.StatusCode != 422 || !strings.Contains(page, "当前密码不正确") || !strings.Contains(page, "至少需要12个字符") {
		t.Fatalf("bad change = %d", resp.StatusCode)
	}
	resp, _ = e.do(a, http.MethodPost, "/account/password", "application/x-www-form-urlencoded",
		"current="+demo.DemoPassword+"&new=Another-Long-Pass-77&confirm=Another-Long-Pass-77")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change = %d", resp.StatusCode)
	}
	if resp, _ = e.get(a, "/account"); resp.StatusCode != 200 {
		t.Fatalf("own fresh session after change = %d", resp.StatusCode)
	}
	if resp, _ = e.get(b, "/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("other session after change = %d, want redirect to login", resp.StatusCode)
	}
	if e.login(e.client(), "comm.worker", "Another-Long-Pass-77").StatusCode != http.StatusSeeOther {
		t.Fatal("new password does not log in")
	}
}

func TestPreferences(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	_, zh := e.get(c, "/login")
	if !strings.Contains(zh, `lang="zh-CN"`) || !strings.Contains(zh, "登录") {
		t.Fatal("default page is not Chinese")
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/login", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	resp, _ := c.Do(req)
	_, en := readAll(resp)
	if !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Log in") {
		t.Fatal("Accept-Language: en does not give English")
	}
	e.do(c, http.MethodPost, "/prefs/lang", "application/x-www-form-urlencoded", "lang=en&back=/login")
	if _, p := e.get(c, "/login"); !strings.Contains(p, `lang="en"`) {
		t.Fatal("language cookie ignored")
	}
	e.do(c, http.MethodPost, "/prefs/elderly", "application/x-www-form-urlencoded", "back=/login")
	if _, p := e.get(c, "/login"); !strings.Contains(p, `class="elderly"`) {
		t.Fatal("elderly mode not applied")
	}
	e.do(c, http.MethodPost, "/prefs/elderly", "application/x-www-form-urlencoded", "back=//evil.test")
	if _, p := e.get(c, "/login"); strings.Contains(p, `class="elderly"`) {
		t.Fatal("elderly mode did not toggle off")
	}
}

func TestReadyAndMetrics(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if resp, body := e.get(c, "/readyz"); resp.StatusCode != 200 || body != "ready\n" {
		t.Fatalf("readyz = %d %q", resp.StatusCode, body)
	}
	if resp, _ := e.get(c, "/healthz"); resp.StatusCode != 200 {
		t.Fatal("healthz")
	}
	e.get(c, "/login")
	_, m := e.get(c, "/metrics")
	for _, want := range []string{`linli_http_requests_total{code="200",route="GET /login"}`, "linli_http_request_duration_seconds_bucket", "go_goroutines", `go_sql_open_connections{db_name="writer"}`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_ = context.Background()
	_ = linli.ErrNotFound
}

func readAll(resp *http.Response) (*http.Response, string) {
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	return resp, b.String()
}

// TestAdminSetPasswordMustChange: a password an administrator chose opens
// only the password form until the user replaces it.
func TestAdminSetPasswordMustChange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	units, err := e.st.OrgUnits(ctx, linli.ConsoleActor())
	if err != nil || len(units) == 0 {
		t.Fatal(err)
	}
	a := e.area(demo.CommunityACode)
	admin := e.as("district.admin")
	form := "username=new.worker&display_name=新员工&password=Initial-Pass-2026&roles=community_worker&org_unit=" + itoa(units[0].ID) + "&scope=" + itoa(a.ID)
	resp, _ := e.do(admin, http.MethodPost, "/users", "application/x-www-form-urlencoded", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d", resp.StatusCode)
	}
	c := e.client()
	resp = e.login(c, "new.worker", "Initial-Pass-2026")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/account") {
		t.Fatalf("first login → %s, want the password form", resp.Header.Get("Location"))
	}
	if resp, _ = e.get(c, "/areas"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/account") {
		t.Fatalf("/areas before the change = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = e.do(c, http.MethodPost, "/account/password", "application/x-www-form-urlencoded", "current=Initial-Pass-2026&new=My-Own-Pass-2026&confirm=My-Own-Pass-2026")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change = %d", resp.StatusCode)
	}
	if resp, _ = e.get(c, "/areas"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/areas after the change = %d", resp.StatusCode)
	}
}

// TestRecoveryCodeWorksOnce: a recovery code replaces a TOTP code once.
func TestRecoveryCodeWorksOnce(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.login(c, "sec.admin", demo.DemoPassword)
	_, page := e.get(c, "/account/totp")
	secret := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)[1]
	code, _ := auth.GenerateTOTP(secret, e.clock.now)
	_, page = e.do(c, http.MethodPost, "/account/totp", "application/x-www-form-urlencoded", "code="+code)
	codes := regexp.MustCompile(`<li><code>([^<]+)</code></li>`).FindAllStringSubmatch(page, -1)
	if len(codes) != 10 {
		t.Fatalf("recovery codes shown = %d, want 10", len(codes))
	}
	rc := codes[3][1]
	for i, want := range []int{http.StatusSeeOther, http.StatusUnprocessableEntity} {
		c2 := e.client()
		e.login(c2, "sec.admin", demo.DemoPassword)
		resp, _ := e.do(c2, http.MethodPost, "/login/totp", "application/x-www-form-urlencoded", "code="+rc)
		if resp.StatusCode != want {
			t.Fatalf("recovery code use %d = %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	left, _ := e.st.RecoveryCodesLeft(context.Background(), mustID(t, e, "sec.admin"))
	if left != 9 {
		t.Fatalf("recovery codes left = %d, want 9", left)
	}
}

func mustID(t *testing.T, e *env, user string) int64 {
	t.Helper()
	id, err := e.st.UserIDByName(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
