package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/api"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/open311"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/testlog"
	"github.com/linli-org/linli/internal/web"
)

// env is a running server over a seeded demo district, built exactly as
// `linli serve` builds it (cheaper argon2 parameters aside), with the JSON
// API and Open311 mounted.
type env struct {
	t     testing.TB
	srv   *httptest.Server
	st    *store.Store
	keys  *seal.Keyring
	web   *web.Server
	clock *testClock
}

type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	c := &testClock{now: time.Now().UTC()}
	keys := seal.Generate()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "web.db"), store.Options{Now: c.Now, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	if _, _, err := demo.Seed(ctx, st, func(pw string) (string, error) { return web.HashPassword(hasher, keys, pw) }); err != nil {
		t.Fatal(err)
	}
	// Every line the server logs goes to testlog (a file when
	// LINLI_TEST_LOG_DIR is set), for the personal-data scan after the
	// suite (check C04).
	log := testlog.Logger()
	o311, err := open311.New(open311.Deps{Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{Store: st, Keys: keys, Hasher: hasher, Logger: log, API: api.New(api.Deps{Store: st, Logger: log}),
		Open311: o311, LoginBurst: 1000, LoginRate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, st: st, keys: keys, web: w, clock: c}
}

// client is a browser-like client with a cookie jar that does not follow
// redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login posts the login form and returns the response.
func (e *env) login(c *http.Client, user, pw string) *http.Response {
	e.t.Helper()
	resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"username": {user}, "password": {pw}})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// as returns a client logged in as user with a session whose second factor
// is done (sessions are created directly, as after a TOTP check).
func (e *env) as(user string) *http.Client {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.st.UserIDByName(ctx, user)
	if err != nil {
		e.t.Fatalf("user %s: %v", user, err)
	}
	token, hash, err := auth.NewToken("s_")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateSession(ctx, id, hash, "done", store.Client{IP: "127.0.0.1"}, time.Hour); err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	u, _ := url.Parse(e.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "linli_session", Value: token, Path: "/"}})
	return c
}

func (e *env) do(c *http.Client, method, path, ctype, body string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func (e *env) get(c *http.Client, path string) (*http.Response, string) {
	return e.do(c, http.MethodGet, path, "", "")
}

func (e *env) area(code string) linli.Area {
	e.t.Helper()
	a, err := e.st.AreaByCode(context.Background(), linli.ConsoleActor(), code)
	if err != nil {
		e.t.Fatalf("area %s: %v", code, err)
	}
	return a
}
