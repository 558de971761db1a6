package main

// Browser journeys against the real program: `linli demo` runs in-process on
// a fresh database and a headless Chromium drives its pages at phone width.
// They run only with LINLI_E2E=1 (CI=true without it is a failure, so that a
// CI job cannot skip them by accident). LINLI_E2E_SHOTS=DIR saves one
// full-page screenshot per journey into DIR.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/testlog"
)

const (
	e2eChromium    = "/usr/bin/chromium"
	e2eWidth       = 360
	e2eHeight      = 844
	e2eJourneyTime = 60 * time.Second

	e2eWorker         = "e2e.worker"
	e2eWorkerName     = "端到端测试员"
	e2eWorkerPassword = "Worker-Pass-2026"
	e2eWorkerNewPass  = "Worker-Pass-2027"
	e2eCommitteeA     = demo.CommunityAName + "居民委员会"
	e2eLockedUser     = "dept.staff"
)

// e2eServer is the running program.
type e2eServer struct {
	url    string
	dbPath string
}

// startE2EServer runs `linli demo` in a goroutine until the test ends and
// returns its URL.
func startE2EServer(t *testing.T) *e2eServer {
	t.Helper()
	dir := t.TempDir()
	srv := &e2eServer{dbPath: filepath.Join(dir, "e2e.db")}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	getenv := func(string) string { return "" }
	go func() {
		// The program's log (stderr, JSON at debug level) goes to testlog,
		// for the personal-data scan after the suite (check C04).
		code := run(ctx, []string{"demo", "--db", srv.dbPath, "--key-file", filepath.Join(dir, "e2e.key"), "--addr", "127.0.0.1:0", "--log-level", "debug"},
			getenv, nil, pw, testlog.Writer())
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("linli demo exited with %d after shutdown", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("linli demo did not stop within 30s of cancellation")
		}
	})

	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found && strings.HasPrefix(line, "linli listening on ") {
				found = true
				u, _, _ := strings.Cut(strings.TrimPrefix(line, "linli listening on "), " ")
				urlc <- u
			}
		}
		// Keep draining so that the program never blocks on stdout.
		_, _ = io.Copy(io.Discard, pr)
		close(urlc)
	}()
	select {
	case u, ok := <-urlc:
		if !ok || u == "" {
			code := <-done
			t.Fatalf("linli demo ended (exit %d) before it listened", code)
		}
		srv.url = u
	case code := <-done:
		t.Fatalf("linli demo exited with %d before it listened", code)
	case <-time.After(60 * time.Second):
		t.Fatal("linli demo did not listen within 60s")
	}
	return srv
}

// communityBID reads the id of community B from the database, read-only,
// through a second store handle.
func (srv *e2eServer) communityBID(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, srv.dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AreaByCode(ctx, linli.ConsoleActor(), demo.CommunityBCode)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != demo.CommunityBName {
		t.Fatalf("community B is %q, want %q", a.Name, demo.CommunityBName)
	}
	return a.ID
}

// startE2EBrowser starts one headless Chromium for all journeys.
func startE2EBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(e2eChromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(e2eWidth, e2eHeight),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first Do starts the browser and ties its life to the context it
	// gets, so it must be browserCtx itself and not one with a deadline.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", e2eChromium, err)
	}
	return browserCtx
}

func e2eEnabled(t *testing.T) {
	t.Helper()
	if os.Getenv("LINLI_E2E") == "1" {
		if _, err := os.Stat(e2eChromium); err != nil {
			t.Fatalf("LINLI_E2E=1 but no browser: %v", err)
		}
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true: the browser journeys must run here; set LINLI_E2E=1")
	}
	t.Skip("browser journeys: set LINLI_E2E=1 to run them")
}

// e2eJourney runs fn in a fresh browser context (its own cookies) and a fresh
// tab at phone size, with a time limit, and saves a screenshot at the end.
func e2eJourney(t *testing.T, browserCtx context.Context, base, name string, fn func(b e2eTab)) bool {
	return t.Run(name, func(t *testing.T) {
		tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		defer cancelTab()
		// Open the tab without a deadline (the first Do ties the tab's life
		// to its context), so that the screenshot works after a timeout.
		if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(e2eWidth, e2eHeight)); err != nil {
			t.Fatalf("open tab: %v", err)
		}
		ctx, cancel := context.WithTimeout(tabCtx, e2eJourneyTime)
		defer cancel()
		defer e2eShot(t, tabCtx, name)
		fn(e2eTab{t: t, ctx: ctx, base: base})
	})
}

// e2eShot writes a full-page PNG of the tab into LINLI_E2E_SHOTS, if set.
func e2eShot(t *testing.T, tabCtx context.Context, name string) {
	dir := os.Getenv("LINLI_E2E_SHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tabCtx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// e2eTab is one journey's tab; its methods fail the journey on a browser
// error.
type e2eTab struct {
	t    *testing.T
	ctx  context.Context
	base string // the server's URL
}

func (b e2eTab) must(err error, what string) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads the page at path and returns its HTTP status.
func (b e2eTab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	b.must(err, "open "+path)
	if resp == nil {
		b.t.Fatalf("open %s: no response", path)
	}
	return resp.Status
}

// click clicks sel (a submit button or a link), waits for the page that
// follows and returns its HTTP status.
func (b e2eTab) click(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	b.must(err, "click "+sel)
	if resp == nil {
		b.t.Fatalf("click %s: no response", sel)
	}
	return resp.Status
}

func (b e2eTab) fill(sel, v string) {
	b.t.Helper()
	b.must(chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS(sel), v)), "fill "+sel)
}

// e2eEval evaluates js in the page.
func e2eEval[T any](b e2eTab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	b.must(err, "evaluate "+js)
	return v
}

func (b e2eTab) has(sel string) bool {
	b.t.Helper()
	return e2eEval[bool](b, fmt.Sprintf("document.querySelector(%s) !== null", strconv.Quote(sel)))
}

// text is the visible text of sel, which must exist.
func (b e2eTab) text(sel string) string {
	b.t.Helper()
	if !b.has(sel) {
		b.t.Fatalf("no %s on %s; the page says:\n%s", sel, b.path(), b.pageText())
	}
	return e2eEval[string](b, fmt.Sprintf("document.querySelector(%s).innerText", strconv.Quote(sel)))
}

func (b e2eTab) pageText() string {
	b.t.Helper()
	return e2eEval[string](b, "document.body ? document.body.innerText : ''")
}

func (b e2eTab) lang() string {
	b.t.Helper()
	return e2eEval[string](b, "document.documentElement.lang")
}

// path is the current URL without the server's.
func (b e2eTab) path() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	b.must(err, "location")
	return strings.TrimPrefix(u, b.base)
}

// login fills the login form and submits it; it returns the HTTP status.
func (b e2eTab) login(user, pw string) int64 {
	b.t.Helper()
	if !strings.HasPrefix(b.path(), "/login") {
		b.open("/login")
	}
	b.fill("#username", user)
	b.fill("#password", pw)
	return b.click("#login-submit")
}

// enrolTOTP completes the second-factor enrolment when the login led to it
// (roles that must use a second factor), with the secret the page shows.
func (b e2eTab) enrolTOTP() {
	b.t.Helper()
	if b.path() != "/account/totp" {
		return
	}
	secret := strings.TrimSpace(b.text("#totp-secret"))
	code, err := auth.GenerateTOTP(secret, time.Now())
	b.must(err, "TOTP code")
	b.fill("#code", code)
	b.click(`form[action="/account/totp"] button[type=submit]`)
	if !b.has("#recovery-codes") {
		b.t.Fatalf("the TOTP enrolment did not finish:\n%s", b.pageText())
	}
}

func TestE2E(t *testing.T) {
	e2eEnabled(t)
	start := time.Now()
	srv := startE2EServer(t)
	t.Logf("linli demo at %s (%s)", srv.url, time.Since(start).Round(time.Millisecond))
	browser := startE2EBrowser(t)
	base := srv.url

	created := e2eJourney(t, browser, base, "a_admin_creates_worker", func(b e2eTab) {
		b.open("/")
		if p := b.path(); !strings.HasPrefix(p, "/login") {
			b.t.Fatalf("a logged-out visit to / landed on %s, want /login", p)
		}
		if lang := b.lang(); lang != "zh-CN" {
			b.t.Errorf(`<html lang=%q>, want "zh-CN"`, lang)
		}
		b.login("district.admin", demo.DemoPassword)
		b.enrolTOTP()
		b.open("/")
		if lang := b.lang(); lang != "zh-CN" {
			b.t.Errorf(`dashboard <html lang=%q>, want "zh-CN"`, lang)
		}
		if txt := b.pageText(); !strings.Contains(txt, "工作台") {
			b.t.Errorf("the dashboard does not say 工作台:\n%s", txt)
		}
		if !b.has(`a[href="/users/new"]`) {
			b.t.Fatalf("no link to the new-user form on the dashboard:\n%s", b.pageText())
		}
		if st := b.click(`a[href="/users/new"]`); st != 200 {
			b.t.Fatalf("GET /users/new: status %d:\n%s", st, b.pageText())
		}
		b.fillNewUser()
		st := b.click("#user-create")
		if p := b.path(); st >= 400 || !strings.HasPrefix(p, "/users/") || !b.has("#user-username") {
			b.t.Fatalf("creating %s: status %d at %s:\n%s", e2eWorker, st, p, b.pageText())
		}
		if u := strings.TrimSpace(b.text("#user-username")); u != e2eWorker {
			b.t.Errorf("the new user's page shows username %q, want %q", u, e2eWorker)
		}
		if sc := b.text("#user-scope"); !strings.Contains(sc, demo.CommunityAName) {
			b.t.Errorf("the new user's scope is %q, want %s", sc, demo.CommunityAName)
		}
		txt := b.pageText()
		for _, want := range []string{e2eWorkerName, e2eCommitteeA} {
			if !strings.Contains(txt, want) {
				b.t.Errorf("the new user's page does not show %s:\n%s", want, txt)
			}
		}
		if !b.has(".flash") {
			b.t.Errorf("no confirmation (.flash) after creating the user:\n%s", txt)
		}
		// The demo has more accounts than a page holds: find the new one.
		if st := b.open("/users?q=" + e2eWorker); st != 200 {
			b.t.Fatalf("GET /users: status %d", st)
		}
		if txt := b.pageText(); !strings.Contains(txt, e2eWorker) {
			b.t.Errorf("the user list does not show %s:\n%s", e2eWorker, txt)
		}
		b.click("#logout")
		if p := b.path(); !strings.HasPrefix(p, "/login") {
			b.t.Fatalf("after logout at %s, want /login", p)
		}
		if !b.has("#login-submit") || b.has("#logout") {
			b.t.Fatalf("after logout the login form is not shown:\n%s", b.pageText())
		}
	})

	e2eJourney(t, browser, base, "b_worker_sees_only_community_A", func(b e2eTab) {
		if !created {
			b.t.Skip("the worker was not created: see a_admin_creates_worker")
		}
		bID := srv.communityBID(b.t)
		b.login(e2eWorker, e2eWorkerPassword)
		if strings.HasPrefix(b.path(), "/login") {
			b.t.Fatalf("%s could not log in:\n%s", e2eWorker, b.pageText())
		}
		if strings.HasPrefix(b.path(), "/account") {
			// A password set by an administrator must be changed first.
			b.fill("#current", e2eWorkerPassword)
			b.fill("#new", e2eWorkerNewPass)
			b.fill("#confirm", e2eWorkerNewPass)
			b.click(`form[action="/account/password"] button[type=submit]`)
			b.open("/")
		}
		if p := b.path(); p != "/" {
			b.t.Fatalf("after login at %s, want the dashboard:\n%s", p, b.pageText())
		}
		if s := b.text("#my-scope"); !strings.Contains(s, demo.CommunityAName) {
			b.t.Errorf("#my-scope is %q, want it to name %s", s, demo.CommunityAName)
		}
		if st := b.open("/areas"); st != 200 {
			b.t.Fatalf("GET /areas: status %d:\n%s", st, b.pageText())
		}
		txt := b.pageText()
		if !strings.Contains(txt, demo.CommunityAName) {
			b.t.Errorf("/areas does not show %s:\n%s", demo.CommunityAName, txt)
		}
		if strings.Contains(txt, demo.CommunityBName) {
			b.t.Errorf("/areas shows %s, outside the worker's scope:\n%s", demo.CommunityBName, txt)
		}
		st := b.open(fmt.Sprintf("/areas/%d", bID))
		if st != 404 {
			b.t.Errorf("GET /areas/%d (community B): status %d, want 404", bID, st)
		}
		if e := b.text("#error-page"); !strings.Contains(e, "404") {
			b.t.Errorf("#error-page does not say 404: %q", e)
		}
		if txt := b.pageText(); strings.Contains(txt, "银闸") {
			b.t.Errorf("the 404 page leaks the name of community B:\n%s", txt)
		}
	})

	e2eJourney(t, browser, base, "c_language_switch", func(b e2eTab) {
		b.open("/login")
		if lang := b.lang(); lang != "zh-CN" {
			b.t.Fatalf(`<html lang=%q>, want "zh-CN" by default`, lang)
		}
		b.click("#lang-switch")
		if p := b.path(); !strings.HasPrefix(p, "/login") {
			b.t.Errorf("the language switch went to %s, want back to /login", p)
		}
		if lang := b.lang(); lang != "en" {
			b.t.Errorf(`after the switch <html lang=%q>, want "en"`, lang)
		}
		if h := strings.TrimSpace(b.text("main h1")); h != "Log in" {
			b.t.Errorf("login heading %q, want %q", h, "Log in")
		}
		b.click("#lang-switch")
		if lang := b.lang(); lang != "zh-CN" {
			b.t.Errorf(`after switching back <html lang=%q>, want "zh-CN"`, lang)
		}
		if h := strings.TrimSpace(b.text("main h1")); h != "登录" {
			b.t.Errorf("login heading %q, want %q", h, "登录")
		}
	})

	e2eJourney(t, browser, base, "d_lockout", func(b e2eTab) {
		for i := 1; i <= 5; i++ {
			st := b.login(e2eLockedUser, fmt.Sprintf("Wrong-Pass-%d!", i))
			msg := b.text("#login-error")
			if i < 5 && strings.Contains(msg, "锁定") {
				b.t.Errorf("attempt %d (status %d) already says locked: %q", i, st, msg)
			}
			if i == 5 && !strings.Contains(msg, "锁定") {
				b.t.Errorf("attempt 5 (status %d) does not say locked: %q", st, msg)
			}
		}
		b.login(e2eLockedUser, demo.DemoPassword)
		if p := b.path(); !strings.HasPrefix(p, "/login") {
			b.t.Errorf("the right password while locked went to %s, want the login page", p)
		}
		if msg := b.text("#login-error"); !strings.Contains(msg, "锁定") {
			b.t.Errorf("the right password while locked: %q, want the lockout message", msg)
		}
		if b.has("#logout") {
			b.t.Error("the right password while locked logged in")
		}
	})

	e2eJourney(t, browser, base, "e_elderly_mode", func(b e2eTab) {
		b.open("/login")
		size := func() float64 {
			v := e2eEval[string](b, "window.getComputedStyle(document.body).fontSize")
			f, err := strconv.ParseFloat(strings.TrimSuffix(v, "px"), 64)
			if err != nil || f <= 0 {
				b.t.Fatalf("body font-size %q", v)
			}
			return f
		}
		before := size()
		b.click("#elderly-toggle")
		after := size()
		if after < 1.25*before {
			b.t.Errorf("elderly mode: body font-size %.1fpx → %.1fpx, want at least ×1.25 (%.1fpx)", before, after, 1.25*before)
		}
		if p := e2eEval[string](b, "document.querySelector('#elderly-toggle').getAttribute('aria-pressed')"); p != "true" {
			b.t.Errorf("#elderly-toggle aria-pressed=%q, want true", p)
		}
	})
	t.Logf("journeys done in %s", time.Since(start).Round(time.Millisecond))
}

// fillNewUser fills the new-user form (templates/user_new.html) for the
// community worker of community A, choosing the org unit and the scope by
// what the options say, as a person would.
func (b e2eTab) fillNewUser() {
	b.t.Helper()
	b.fill("#username", e2eWorker)
	b.fill("#display_name", e2eWorkerName)
	b.fill("#password", e2eWorkerPassword)
	role := `#roles input[name="roles"][value="` + string(linli.RoleCommunityWorker) + `"]`
	if !b.has(role) {
		b.t.Fatalf("the new-user form offers no %s checkbox", linli.RoleCommunityWorker)
	}
	b.must(chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(role))), "tick "+role)
	if !e2eEval[bool](b, "document.querySelector("+strconv.Quote(role)+").checked") {
		b.t.Fatalf("%s is not ticked after a click", role)
	}
	// The org unit: the option whose text is the committee's name.
	pick := fmt.Sprintf(`(() => {
		const sel = document.querySelector('#org_unit');
		const o = sel && [...sel.options].find(o => o.text.trim() === %s);
		if (!o) return false;
		sel.value = o.value;
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, strconv.Quote(e2eCommitteeA))
	if !e2eEval[bool](b, pick) {
		b.t.Fatalf("#org_unit has no option %s", e2eCommitteeA)
	}
	// The scope: the option of community A, whose label ends in its code
	// (its grids' codes go on with "-NN").
	pick = fmt.Sprintf(`(() => {
		const sel = document.querySelector('#scope');
		const os = sel ? [...sel.options].filter(o => o.text.trim().endsWith(%s)) : [];
		if (os.length !== 1 || !os[0].text.includes(%s)) return os.length;
		for (const o of sel.options) o.selected = false;
		os[0].selected = true;
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return -1;
	})()`, strconv.Quote(" "+demo.CommunityACode), strconv.Quote(demo.CommunityAName))
	if n := e2eEval[int](b, pick); n != -1 {
		b.t.Fatalf("#scope: %d options end in %s and name %s, want exactly 1", n, demo.CommunityACode, demo.CommunityAName)
	}
}
