package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

const testRequestID = "req-test-0001"

// fixture is the API over a fresh SQLite store holding a small tree.
type fixture struct {
	st   *store.Store
	h    http.Handler
	logs *bytes.Buffer
	tr   tree
}

// tree is one district with two streets; communities A and B under the
// first street, C under the second; a grid in A and in B.
type tree struct {
	district, s1, s2, a, b, c, gridA, gridB linli.Area
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "api.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, logs: &bytes.Buffer{}}
	f.h = New(Deps{Store: st, Logger: testLogger(f.logs)})
	f.tr = mustTree(t, st)
	return f
}

func mustArea(t *testing.T, st *store.Store, parent int64, level linli.Level, name, code string) linli.Area {
	t.Helper()
	a, err := st.CreateArea(context.Background(), linli.ConsoleActor(), linli.AreaInput{ParentID: parent, Level: level, Name: name, Code: code})
	if err != nil {
		t.Fatalf("CreateArea(%s, %s) = %v", name, code, err)
	}
	return a
}

func mustTree(t *testing.T, st *store.Store) tree {
	t.Helper()
	var tr tree
	tr.district = mustArea(t, st, 0, linli.LevelDistrict, "东城区", "110101000000")
	tr.s1 = mustArea(t, st, tr.district.ID, linli.LevelStreet, "东华门街道", "110101001000")
	tr.s2 = mustArea(t, st, tr.district.ID, linli.LevelStreet, "景山街道", "110101002000")
	tr.a = mustArea(t, st, tr.s1.ID, linli.LevelCommunity, "多福巷社区", "110101001001")
	tr.b = mustArea(t, st, tr.s1.ID, linli.LevelCommunity, "银闸社区", "110101001002")
	tr.c = mustArea(t, st, tr.s2.ID, linli.LevelCommunity, "隆福寺社区", "110101002001")
	tr.gridA = mustArea(t, st, tr.a.ID, linli.LevelGrid, "多福巷第一网格", "110101001001-1")
	tr.gridB = mustArea(t, st, tr.b.ID, linli.LevelGrid, "银闸第一网格", "110101001002-1")
	return tr
}

// actorOn builds an actor with roles over the given scope nodes, as the
// server's authentication would.
func actorOn(userID int64, username string, roles []linli.Role, areas ...linli.Area) *linli.Actor {
	var sc linli.Scope
	for _, a := range areas {
		sc.AreaIDs = append(sc.AreaIDs, a.ID)
		sc.Paths = append(sc.Paths, a.Path)
	}
	a := linli.NewActor(userID, username, roles, sc)
	a.RequestID = testRequestID
	return &a
}

// withActor stands in for the server's middleware: it sets the request id
// and, when a is not nil, puts the authenticated actor into the context.
func withActor(h http.Handler, a *linli.Actor) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Request-Id", testRequestID)
		w.Header().Set("X-Request-Id", testRequestID)
		if a != nil {
			r = r.WithContext(linli.WithActor(r.Context(), *a))
		}
		h.ServeHTTP(w, r)
	})
}

// serve sends one request through the handler as actor a (nil: none).
func serve(h http.Handler, a *linli.Actor, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	withActor(h, a).ServeHTTP(rec, r)
	return rec
}

func (f *fixture) get(a *linli.Actor, target string) *httptest.ResponseRecorder {
	return serve(f.h, a, httptest.NewRequest(http.MethodGet, target, nil))
}

// send sends body (a string of JSON, or a value to encode) as application/json.
func (f *fixture) send(t *testing.T, a *linli.Actor, method, target string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(b))
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return serve(f.h, a, r)
}

// problemDoc is a problem document as a client reads it.
type problemDoc struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// mustProblem checks that rec is a problem document with status and
// returns it.
func mustProblem(t *testing.T, rec *httptest.ResponseRecorder, status int) problemDoc {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problemDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body %q: %v", rec.Body, err)
	}
	if p.Status != status || p.Title == "" || !strings.HasPrefix(p.Type, problemTypePrefix) {
		t.Fatalf("problem = %+v, want status %d with a title and a %s type", p, status, problemTypePrefix)
	}
	if p.RequestID != testRequestID {
		t.Errorf("problem request_id = %q, want %q", p.RequestID, testRequestID)
	}
	return p
}

// mustJSON checks status and decodes a JSON success response.
func mustJSON[T any](t *testing.T, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return v
}

func districtAdmin(tr tree) *linli.Actor {
	return actorOn(0, "district.admin", []linli.Role{linli.RoleDistrictAdmin}, tr.district)
}

func TestNoActorIsUnauthorized(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/api/v1/me", "/api/v1/areas", "/api/v1/audit", "/api/v1/nope"} {
		rec := f.get(nil, target)
		mustProblem(t, rec, http.StatusUnauthorized)
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without actor: no WWW-Authenticate header", target)
		}
	}
	// The API description is public.
	if rec := f.get(nil, "/api/v1/openapi.json"); rec.Code != http.StatusOK {
		t.Fatalf("GET openapi.json without actor = %d, want 200", rec.Code)
	}
}

func TestUnknownPathIsProblem404(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	for _, target := range []string{"/api/v1/nope", "/api/v1/areas/1/nope", "/api/v2/areas", "/api/v1/areas/abc"} {
		p := mustProblem(t, f.get(admin, target), http.StatusNotFound)
		if p.Type != problemTypePrefix+"not-found" {
			t.Errorf("GET %s: type = %q", target, p.Type)
		}
	}
}

func TestWrongMethodIsProblem405WithAllow(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	cases := []struct {
		method, target string
		allow          string
	}{
		{http.MethodDelete, "/api/v1/areas/1", "GET, HEAD, PATCH"},
		{http.MethodPut, "/api/v1/areas", "GET, HEAD, POST"},
		{http.MethodPost, "/api/v1/me", "GET, HEAD"},
		{http.MethodGet, "/api/v1/areas/1/retire", "POST"},
	}
	for _, tc := range cases {
		rec := serve(f.h, admin, httptest.NewRequest(tc.method, tc.target, nil))
		p := mustProblem(t, rec, http.StatusMethodNotAllowed)
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.target, got, tc.allow)
		}
		if p.Type != problemTypePrefix+"method-not-allowed" {
			t.Errorf("%s %s: type = %q", tc.method, tc.target, p.Type)
		}
	}
}

func TestBodyTooLargeIs413(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	big := `{"parent_id":` + fmt.Sprint(f.tr.s1.ID) + `,"level":"community","code":"110101001009","name":"` + strings.Repeat("a", 2<<20) + `"}`
	for _, chunked := range []bool{false, true} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/areas", strings.NewReader(big))
		r.Header.Set("Content-Type", "application/json")
		if chunked {
			r.ContentLength = -1 // no declared length: the reader must stop at the cap
		}
		p := mustProblem(t, serve(f.h, admin, r), http.StatusRequestEntityTooLarge)
		if p.Type != problemTypePrefix+"too-large" {
			t.Errorf("chunked=%v: type = %q", chunked, p.Type)
		}
	}
	if n := countAreas(t, f); n != 8 {
		t.Fatalf("areas after refused creates = %d, want 8", n)
	}
}

func TestNonJSONBodyIs415(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	body := fmt.Sprintf(`{"parent_id":%d,"level":"community","name":"x","code":"110101001009"}`, f.tr.s1.ID)
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/areas", strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		mustProblem(t, serve(f.h, admin, r), http.StatusUnsupportedMediaType)
	}
	// The same body as JSON (with a charset parameter) is accepted.
	r := httptest.NewRequest(http.MethodPost, "/api/v1/areas", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	if rec := serve(f.h, admin, r); rec.Code != http.StatusCreated {
		t.Fatalf("POST as application/json; charset=utf-8 = %d, want 201; body %s", rec.Code, rec.Body)
	}
}

func TestMalformedBodyIs400(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	cases := []struct {
		name, body, detail string
	}{
		{"unknown member", fmt.Sprintf(`{"parent_id":%d,"level":"community","name":"x","code":"110101001009","path":"/1/"}`, f.tr.s1.ID), `"path"`},
		{"two values", `{"level":"district"}{"level":"district"}`, "single JSON object"},
		{"wrong type", `{"parent_id":"one"}`, `"parent_id" must be a JSON integer`},
		{"not an object", `[1,2]`, "must be a JSON object"},
		{"syntax", `{"name":`, "middle of a JSON value"},
		{"empty", ``, "empty"},
	}
	for _, tc := range cases {
		p := mustProblem(t, f.send(t, admin, http.MethodPost, "/api/v1/areas", tc.body), http.StatusBadRequest)
		if !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("%s: detail = %q, want it to mention %q", tc.name, p.Detail, tc.detail)
		}
	}
	if n := countAreas(t, f); n != 8 {
		t.Fatalf("areas after refused creates = %d, want 8", n)
	}
}

func TestErrorTable(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{linli.ErrNotFound, 404, ""},
		{fmt.Errorf("load: %w", linli.ErrNotFound), 404, ""},
		{linli.ErrForbidden, 403, ""},
		{linli.Invalid("name", "area.name.required"), 422, ""},
		{linli.Conflict("edit.stale"), 409, "edit.stale"},
		{fmt.Errorf("%w: UNIQUE constraint failed", linli.ErrConflict), 409, ""},
		{linli.ErrUnauthorized, 401, ""},
		{linli.ErrLocked, 423, ""},
		{linli.ErrRateLimited, 429, ""},
		{linli.ErrUnavailable, 503, ""},
		{&http.MaxBytesError{Limit: 1}, 413, ""},
		{errors.New("something else"), 500, ""},
	}
	for _, tc := range cases {
		p := problemFor(tc.err)
		if p.Status != tc.status || p.Code != tc.code {
			t.Errorf("problemFor(%v) = status %d code %q, want %d %q", tc.err, p.Status, p.Code, tc.status, tc.code)
		}
	}
}

// failing serves one handler that returns err, through the real adapter.
func failing(logs io.Writer, err error) http.Handler {
	s := &server{log: slog.New(slog.NewJSONHandler(logs, nil))}
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/fail", s.adapt(route{h: func(http.ResponseWriter, *http.Request) error { return err }}))
	return mux
}

func TestServerErrorsAreGenericAndLoggedOnce(t *testing.T) {
	worker := actorOn(0, "w", []linli.Role{linli.RoleGridWorker})
	cases := []struct {
		err    error
		status int
		secret string
	}{
		{errors.New("sql: Scan error on column \"secret_col\""), 500, "secret_col"},
		{fmt.Errorf("%w: database is locked (5) (SQLITE_BUSY)", linli.ErrUnavailable), 503, "SQLITE_BUSY"},
	}
	for _, tc := range cases {
		var logs bytes.Buffer
		// The query holds a person's name: it must not reach the log.
		rec := serve(failing(&logs, tc.err), worker, httptest.NewRequest(http.MethodGet, "/api/v1/fail?q=%E5%BC%A0%E4%B8%89", nil))
		p := mustProblem(t, rec, tc.status)
		if strings.Contains(rec.Body.String(), tc.secret) {
			t.Errorf("%d body %s leaks the error text", tc.status, rec.Body)
		}
		if tc.status == 500 && p.Detail != "internal error" {
			t.Errorf("500 detail = %q, want \"internal error\"", p.Detail)
		}
		if tc.status == 503 && rec.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if len(lines) != 1 {
			t.Fatalf("%d: logged %d lines, want 1: %s", tc.status, len(lines), logs.String())
		}
		var rec1 map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &rec1); err != nil {
			t.Fatal(err)
		}
		if rec1["request_id"] != testRequestID || !strings.Contains(fmt.Sprint(rec1["error"]), tc.secret) {
			t.Errorf("%d log = %v, want the request id and the error", tc.status, rec1)
		}
		if strings.Contains(logs.String(), "张三") || strings.Contains(logs.String(), "%E5%BC%A0") {
			t.Errorf("log holds the query: %s", logs.String())
		}
	}
	// Client errors are not logged.
	var logs bytes.Buffer
	serve(failing(&logs, linli.ErrNotFound), worker, httptest.NewRequest(http.MethodGet, "/api/v1/fail", nil))
	if logs.Len() != 0 {
		t.Errorf("404 logged %q, want nothing", logs.String())
	}
}

// TestMessagesFormat checks that every English message fills its
// placeholders (the store passes numbers for %d, strings for %s).
func TestMessagesFormat(t *testing.T) {
	for key, m := range messages {
		var args []any
		for i := 0; i < len(m)-1; i++ {
			if m[i] != '%' {
				continue
			}
			switch m[i+1] {
			case 'd':
				args = append(args, 3)
			case 's':
				args = append(args, "x")
			default:
				t.Errorf("%s: unexpected verb %%%c", key, m[i+1])
			}
		}
		if got := message(key, args...); strings.Contains(got, "%!") || got == key {
			t.Errorf("message(%s) = %q", key, got)
		}
	}
	if got := message("no.such.key", 1); got != "no.such.key" {
		t.Errorf("message(unknown) = %q, want the key", got)
	}
}

func countAreas(t *testing.T, f *fixture) int {
	t.Helper()
	all, err := f.st.Areas(context.Background(), linli.ConsoleActor(), store.AreaFilter{IncludeRetired: true})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}
