package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// TestScopeHidesOtherCommunity: to a worker of community A, and to an area
// manager whose scope is A, community B and its grid do not exist. Every
// read and write answers 404 and no byte of B's name or code, and nothing
// changes.
func TestScopeHidesOtherCommunity(t *testing.T) {
	f := newFixture(t)
	tr := f.tr
	actors := map[string]*linli.Actor{
		"worker of A":  actorOn(0, "worker.a", []linli.Role{linli.RoleCommunityWorker}, tr.a),
		"manager of A": actorOn(0, "manager.a", []linli.Role{linli.RoleDistrictAdmin}, tr.a),
	}
	secrets := []string{tr.b.Name, tr.b.Code, tr.gridB.Name, tr.gridB.Code, "银闸"}
	leaks := func(body string) string {
		for _, s := range secrets {
			if strings.Contains(body, s) {
				return s
			}
		}
		return ""
	}
	for who, a := range actors {
		for _, target := range []linli.Area{tr.b, tr.gridB} {
			base := fmt.Sprintf("/api/v1/areas/%d", target.ID)
			moveTo := tr.s1.ID // a street for a community…
			if target.Level == linli.LevelGrid {
				moveTo = tr.a.ID // …and the actor's own community for a grid
			}
			reqs := []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, base, nil},
				{http.MethodGet, base + "/history", nil},
				{http.MethodPatch, base, map[string]any{"name": "改名", "version": target.Version}},
				{http.MethodPost, base + "/move", map[string]any{"parent_id": moveTo}},
				{http.MethodPost, base + "/retire", nil},
			}
			for _, rq := range reqs {
				rec := f.send(t, a, rq.method, rq.path, rq.body)
				if rec.Code != http.StatusNotFound {
					t.Errorf("%s: %s %s = %d, want 404; body %s", who, rq.method, rq.path, rec.Code, rec.Body)
					continue
				}
				mustProblem(t, rec, http.StatusNotFound)
				if s := leaks(rec.Body.String()); s != "" {
					t.Errorf("%s: %s %s leaks %q: %s", who, rq.method, rq.path, s, rec.Body)
				}
			}
		}
		// Listings leave B out, whatever the filter.
		for _, target := range []string{"/api/v1/areas", "/api/v1/areas?include_retired=true",
			"/api/v1/areas?q=" + url.QueryEscape("银闸"), fmt.Sprintf("/api/v1/areas?parent_id=%d", tr.b.ID)} {
			rec := f.get(a, target)
			pg := mustJSON[page[areaJSON]](t, rec, http.StatusOK)
			if s := leaks(rec.Body.String()); s != "" {
				t.Errorf("%s: GET %s leaks %q: %s", who, target, s, rec.Body)
			}
			for _, it := range pg.Items {
				if it.ID != tr.a.ID && it.ID != tr.gridA.ID {
					t.Errorf("%s: GET %s lists area %d outside the scope", who, target, it.ID)
				}
			}
		}
		// Control: A itself is visible (the 404s above are about scope).
		rec := f.get(a, fmt.Sprintf("/api/v1/areas/%d", tr.a.ID))
		if got := mustJSON[areaJSON](t, rec, http.StatusOK); got.Name != tr.a.Name {
			t.Fatalf("%s: GET A = %+v", who, got)
		}
	}

	// A manager of A may not move A's grid under B: B is no parent it
	// knows of (422 on parent_id), and the answer does not name B.
	rec := f.send(t, actors["manager of A"], http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/move", tr.gridA.ID),
		map[string]any{"parent_id": tr.b.ID, "code": "110101001002-7"})
	p := mustProblem(t, rec, http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "parent_id" || p.Errors[0].Code != "area.parent.not_found" {
		t.Errorf("move grid A under B: errors = %+v, want parent_id area.parent.not_found", p.Errors)
	}
	if s := leaks(rec.Body.String()); s != "" {
		t.Errorf("move under B leaks %q", s)
	}
	// A worker may see A but not change it: 403.
	rec = f.send(t, actors["worker of A"], http.MethodPatch, fmt.Sprintf("/api/v1/areas/%d", tr.a.ID), map[string]any{"name": "x", "version": 1})
	mustProblem(t, rec, http.StatusForbidden)

	// Nothing about B changed.
	for _, want := range []linli.Area{tr.b, tr.gridB, tr.a, tr.gridA} {
		got, err := f.st.Area(context.Background(), linli.ConsoleActor(), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != want.Name || got.Code != want.Code || got.Path != want.Path || got.Retired || got.Version != want.Version {
			t.Errorf("area %d after refused requests = %+v, want unchanged %+v", want.ID, got, want)
		}
	}
}

func newRequest(method, target string) *http.Request {
	r, err := http.NewRequestWithContext(context.Background(), method, target, nil)
	if err != nil {
		panic(err)
	}
	return r
}

func TestCreateAreaValidation(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	cases := []struct {
		name        string
		body        map[string]any
		field, code string
	}{
		{"empty name", map[string]any{"parent_id": f.tr.s1.ID, "level": "community", "name": " ", "code": "110101001009"}, "name", "area.name.required"},
		{"wrong prefix", map[string]any{"parent_id": f.tr.s1.ID, "level": "community", "name": "新社区", "code": "110101002009"}, "code", "area.code.parent_prefix"},
		{"taken code", map[string]any{"parent_id": f.tr.s1.ID, "level": "community", "name": "新社区", "code": f.tr.a.Code}, "code", "area.code.taken"},
		{"wrong level", map[string]any{"parent_id": f.tr.s1.ID, "level": "grid", "name": "新网格", "code": "110101001001-9"}, "parent_id", "area.parent.wrong_level"},
		{"no parent", map[string]any{"level": "street", "name": "新街道", "code": "110101009000"}, "parent_id", "area.parent.required"},
		{"bad level", map[string]any{"parent_id": f.tr.s1.ID, "level": "village", "name": "新村", "code": "110101001009"}, "level", "area.level.invalid"},
	}
	for _, tc := range cases {
		p := mustProblem(t, f.send(t, admin, http.MethodPost, "/api/v1/areas", tc.body), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code {
			t.Errorf("%s: errors = %+v, want errors[0] %s %s", tc.name, p.Errors, tc.field, tc.code)
			continue
		}
		if p.Errors[0].Message == "" || p.Errors[0].Message == tc.code {
			t.Errorf("%s: message = %q, want English text", tc.name, p.Errors[0].Message)
		}
	}
	if n := countAreas(t, f); n != 8 {
		t.Fatalf("areas after refused creates = %d, want 8", n)
	}

	rec := f.send(t, admin, http.MethodPost, "/api/v1/areas",
		map[string]any{"parent_id": f.tr.s1.ID, "level": "community", "name": " 新社区 ", "code": "110101001009"})
	got := mustJSON[areaJSON](t, rec, http.StatusCreated)
	if got.Name != "新社区" || got.Level != "community" || got.ParentID == nil || *got.ParentID != f.tr.s1.ID || got.Version != 1 {
		t.Fatalf("created = %+v", got)
	}
	loc := rec.Header().Get("Location")
	if loc != fmt.Sprintf("/api/v1/areas/%d", got.ID) {
		t.Fatalf("Location = %q", loc)
	}
	if again := mustJSON[areaJSON](t, f.get(admin, loc), http.StatusOK); again.Code != "110101001009" {
		t.Fatalf("GET Location = %+v", again)
	}
}

func TestListAreasCursorPagination(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	want, err := f.st.Areas(context.Background(), *admin, store.AreaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 3, 7, 8, 50} {
		var got []int64
		seen := map[int64]bool{}
		target := fmt.Sprintf("/api/v1/areas?limit=%d", limit)
		pages := 0
		for {
			pg := mustJSON[page[areaJSON]](t, f.get(admin, target), http.StatusOK)
			pages++
			if len(pg.Items) > limit {
				t.Fatalf("limit %d: page of %d items", limit, len(pg.Items))
			}
			for _, it := range pg.Items {
				if seen[it.ID] {
					t.Fatalf("limit %d: area %d on two pages", limit, it.ID)
				}
				seen[it.ID] = true
				got = append(got, it.ID)
			}
			if pg.NextCursor == "" {
				break
			}
			if pages > len(want)+1 {
				t.Fatalf("limit %d: pagination does not end", limit)
			}
			target = fmt.Sprintf("/api/v1/areas?limit=%d&cursor=%s", limit, url.QueryEscape(pg.NextCursor))
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d areas over %d pages, want %d", limit, len(got), pages, len(want))
		}
		for i := range want {
			if got[i] != want[i].ID {
				t.Fatalf("limit %d: order %v, want tree order", limit, got)
			}
		}
		if wantPages := (len(want) + limit - 1) / limit; pages != wantPages {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, wantPages)
		}
	}
	// Filters combine with the cursor.
	pg := mustJSON[page[areaJSON]](t, f.get(admin, "/api/v1/areas?level=grid&limit=1"), http.StatusOK)
	if len(pg.Items) != 1 || pg.Items[0].ID != f.tr.gridA.ID || pg.NextCursor == "" {
		t.Fatalf("grids page 1 = %+v", pg)
	}
	pg = mustJSON[page[areaJSON]](t, f.get(admin, "/api/v1/areas?level=grid&limit=1&cursor="+url.QueryEscape(pg.NextCursor)), http.StatusOK)
	if len(pg.Items) != 1 || pg.Items[0].ID != f.tr.gridB.ID || pg.NextCursor != "" {
		t.Fatalf("grids page 2 = %+v", pg)
	}
	// Default page size.
	if pg := mustJSON[page[areaJSON]](t, f.get(admin, "/api/v1/areas"), http.StatusOK); len(pg.Items) != len(want) || pg.NextCursor != "" {
		t.Fatalf("default page = %d items, next %q", len(pg.Items), pg.NextCursor)
	}
}

func TestListAreasBadParams(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	cases := map[string]string{
		"/api/v1/areas?limit=0":                              "limit",
		"/api/v1/areas?limit=201":                            "limit",
		"/api/v1/areas?limit=ten":                            "limit",
		"/api/v1/areas?cursor=!!":                            "cursor",
		"/api/v1/areas?cursor=" + encodeAreaCursor("x'; --"): "cursor",
		"/api/v1/areas?level=village":                        "level",
		"/api/v1/areas?parent_id=-1":                         "parent_id",
		"/api/v1/areas?include_retired=perhaps":              "include_retired",
	}
	for target, field := range cases {
		p := mustProblem(t, f.get(admin, target), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("GET %s: errors = %+v, want one on %s", target, p.Errors, field)
		}
	}
	if rec := f.get(admin, "/api/v1/areas?limit=200"); rec.Code != http.StatusOK {
		t.Errorf("limit=200 = %d, want 200", rec.Code)
	}
}

func TestUpdateArea(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	path := fmt.Sprintf("/api/v1/areas/%d", f.tr.a.ID)

	got := mustJSON[areaJSON](t, f.send(t, admin, http.MethodPatch, path, map[string]any{"name": "多福巷新社区", "version": 1}), http.StatusOK)
	if got.Name != "多福巷新社区" || got.Code != f.tr.a.Code || got.Version != 2 {
		t.Fatalf("PATCH name = %+v", got)
	}
	// The same version again is stale.
	p := mustProblem(t, f.send(t, admin, http.MethodPatch, path, map[string]any{"name": "又一个名字", "version": 1}), http.StatusConflict)
	if p.Code != "edit.stale" || p.Type != problemTypePrefix+"conflict" {
		t.Fatalf("stale PATCH = %+v, want code edit.stale", p)
	}
	// Re-code only, keeping the name; the grid follows.
	got = mustJSON[areaJSON](t, f.send(t, admin, http.MethodPatch, path, map[string]any{"code": "110101001005", "version": 2}), http.StatusOK)
	if got.Name != "多福巷新社区" || got.Code != "110101001005" || got.Version != 3 {
		t.Fatalf("PATCH code = %+v", got)
	}
	grid := mustJSON[areaJSON](t, f.get(admin, fmt.Sprintf("/api/v1/areas/%d", f.tr.gridA.ID)), http.StatusOK)
	if grid.Code != "110101001005-1" {
		t.Fatalf("grid code after re-code = %q", grid.Code)
	}
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"name": "x"}, "version"},
		{map[string]any{"version": 3}, "name"},
		{map[string]any{"name": "", "version": 3}, "name"},
		{map[string]any{"code": "", "version": 3}, "code"},
	} {
		p := mustProblem(t, f.send(t, admin, http.MethodPatch, path, tc.body), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("PATCH %v: errors = %+v, want %s", tc.body, p.Errors, tc.field)
		}
	}
	h := mustJSON[page[areaChangeJSON]](t, f.get(admin, path+"/history"), http.StatusOK)
	var actions []string
	for _, c := range h.Items {
		actions = append(actions, c.Action)
	}
	if strings.Join(actions, ",") != "create,rename,recode" {
		t.Fatalf("history = %v, want create,rename,recode", actions)
	}
}

func TestMoveAndRetireArea(t *testing.T) {
	f := newFixture(t)
	admin := districtAdmin(f.tr)
	tr := f.tr

	// Move B's grid under A, with a code that fits A.
	got := mustJSON[areaJSON](t, f.send(t, admin, http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/move", tr.gridB.ID),
		map[string]any{"parent_id": tr.a.ID, "code": "110101001001-2"}), http.StatusOK)
	if got.ParentID == nil || *got.ParentID != tr.a.ID || got.Path != fmt.Sprintf("%s%d/", tr.a.Path, tr.gridB.ID) || got.Code != "110101001001-2" {
		t.Fatalf("moved grid = %+v", got)
	}
	// A grid cannot go under a street.
	p := mustProblem(t, f.send(t, admin, http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/move", tr.gridA.ID),
		map[string]any{"parent_id": tr.s1.ID}), http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "parent_id" || p.Errors[0].Code != "area.parent.wrong_level" {
		t.Fatalf("grid under street: errors = %+v", p.Errors)
	}
	p = mustProblem(t, f.send(t, admin, http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/move", tr.gridA.ID), `{}`), http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "parent_id" {
		t.Fatalf("move without parent: errors = %+v", p.Errors)
	}

	// Street 2 still holds community C: 409 with the key and the count.
	rec := serve(f.h, admin, newRequest(http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/retire", tr.s2.ID)))
	p = mustProblem(t, rec, http.StatusConflict)
	if p.Code != "area.retire.has_children" || !strings.Contains(p.Detail, "1 live sub-area") {
		t.Fatalf("retire street 2 = %+v", p)
	}
	// B is empty now (its grid moved away): it retires, and stays readable.
	rec = serve(f.h, admin, newRequest(http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/retire", tr.b.ID)))
	got = mustJSON[areaJSON](t, rec, http.StatusOK)
	if !got.Retired || got.RetiredAt == nil {
		t.Fatalf("retired B = %+v", got)
	}
	p = mustProblem(t, serve(f.h, admin, newRequest(http.MethodPost, fmt.Sprintf("/api/v1/areas/%d/retire", tr.b.ID))), http.StatusConflict)
	if p.Code != "area.retired" {
		t.Fatalf("retire twice = %+v", p)
	}
	live := mustJSON[page[areaJSON]](t, f.get(admin, "/api/v1/areas?level=community"), http.StatusOK)
	all := mustJSON[page[areaJSON]](t, f.get(admin, "/api/v1/areas?level=community&include_retired=true"), http.StatusOK)
	if len(live.Items) != 2 || len(all.Items) != 3 {
		t.Fatalf("communities live %d, with retired %d; want 2 and 3", len(live.Items), len(all.Items))
	}
}
