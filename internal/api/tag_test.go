package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/linli-org/linli"
)

// fieldCodes lists a problem's errors as "field=code".
func fieldCodes(p problemDoc) string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+"="+e.Code)
	}
	return strings.Join(out, ",")
}

func TestTagAdminAPI(t *testing.T) {
	rg := newRegistry(t)
	admin := districtAdmin(rg.tr)
	head := actorOn(0, "head.a", []linli.Role{linli.RoleCommunityHead}, rg.tr.a)
	good := map[string]any{"code": "garden_club", "name_zh": "社区花园志愿者", "name_en": "Garden volunteer", "class": "ordinary", "attrs": []string{"plot"}}

	// Only tag.admin writes the catalogue.
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/tags"}, {http.MethodPatch, "/api/v1/tags/elderly_alone"},
		{http.MethodPost, "/api/v1/tags/elderly_alone/retire"}, {http.MethodPost, "/api/v1/tags/elderly_alone/unretire"},
	} {
		var body any = good
		if strings.HasSuffix(c.path, "retire") {
			body = nil
		}
		mustProblem(t, rg.send(t, rg.worker, c.method, c.path, body), http.StatusForbidden)
	}
	if tg := mustJSON[tagJSON](t, rg.get(rg.worker, "/api/v1/tags/elderly_alone"), http.StatusOK); tg.NameZh != "独居老人" || tg.Retired {
		t.Fatalf("a worker changed the catalogue: %+v", tg)
	}
	mustProblem(t, rg.get(rg.worker, "/api/v1/tags/garden_club"), http.StatusNotFound)

	// Bad input: one error per member, with the JSON member names.
	p := mustProblem(t, rg.send(t, admin, http.MethodPost, "/api/v1/tags", `{"code":"Garden","name_zh":"","class":"secret","attrs":["Plot"]}`), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "code=tag.code.format,name_zh=tag.name_zh.required,class=tag.class.invalid,attrs=tag.attrs.format" {
		t.Fatalf("errors = %s", got)
	}
	if !strings.Contains(p.Errors[3].Message, "Plot") {
		t.Errorf("attrs message = %q", p.Errors[3].Message)
	}
	mustProblem(t, rg.send(t, admin, http.MethodPost, "/api/v1/tags", `{"code":"garden_club","colour":"green"}`), http.StatusBadRequest)

	// Create, read back, refuse the same code.
	rec := rg.send(t, admin, http.MethodPost, "/api/v1/tags", good)
	tg := mustJSON[tagJSON](t, rec, http.StatusCreated)
	if tg.Code != "garden_club" || tg.Class != linli.TagOrdinary || strings.Join(tg.Attrs, ",") != "plot" || tg.Retired || tg.ID == 0 {
		t.Fatalf("created = %+v", tg)
	}
	if loc := rec.Header().Get("Location"); loc != "/api/v1/tags/garden_club" {
		t.Fatalf("Location = %q", loc)
	}
	if got := mustJSON[tagJSON](t, rg.get(rg.worker, "/api/v1/tags/garden_club"), http.StatusOK); got.NameEn != "Garden volunteer" {
		t.Fatalf("GET the new tag = %+v", got)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPost, "/api/v1/tags", good), http.StatusConflict)
	if p.Code != "tag.code.taken" || !strings.Contains(p.Detail, "garden_club") {
		t.Fatalf("duplicate = %+v", p)
	}

	// A worker puts it on a resident; then its class only goes up.
	mustJSON[personTagJSON](t, rg.send(t, rg.worker, http.MethodPost, personPath(rg.personA.ID, "/tags"),
		map[string]any{"code": "garden_club", "attrs": map[string]string{"plot": "A3"}}), http.StatusCreated)
	tg = mustJSON[tagJSON](t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/garden_club", `{"class":"sensitive"}`), http.StatusOK)
	if tg.Class != linli.TagSensitive || tg.NameZh != "社区花园志愿者" || strings.Join(tg.Attrs, ",") != "plot" {
		t.Fatalf("PATCH class = %+v (members left out must keep their value)", tg)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/garden_club", `{"class":"ordinary"}`), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "class=tag.class.loosen_in_use" {
		t.Fatalf("loosening = %s", got)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/garden_club", `{"attrs":[]}`), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "attrs=tag.attrs.in_use" {
		t.Fatalf("dropping a used attribute = %s", got)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/garden_club", `{}`), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "name_zh=api.patch.empty" {
		t.Fatalf("empty PATCH = %s", got)
	}
	mustProblem(t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/garden_club", `{"code":"renamed"}`), http.StatusBadRequest)
	mustProblem(t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/no_such_tag", `{"name_zh":"x"}`), http.StatusNotFound)
	// Now sensitive, the worker no longer sees it on the resident.
	if pts := mustJSON[page[personTagJSON]](t, rg.get(rg.worker, personPath(rg.personA.ID, "/tags")), http.StatusOK); len(pts.Items) != 0 {
		t.Fatalf("the worker still sees the tightened tag: %+v", pts.Items)
	}

	// Retire: refused on a resident with a field error; it stays on the
	// one who has it.
	tg = mustJSON[tagJSON](t, rg.send(t, admin, http.MethodPost, "/api/v1/tags/garden_club/retire", nil), http.StatusOK)
	if !tg.Retired {
		t.Fatalf("retired = %+v", tg)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPost, "/api/v1/tags/garden_club/retire", nil), http.StatusConflict)
	if p.Code != "tag.retired" {
		t.Fatalf("retire twice = %+v", p)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPatch, "/api/v1/tags/garden_club", `{"name_zh":"x"}`), http.StatusConflict)
	if p.Code != "tag.retired" {
		t.Fatalf("PATCH a retired tag = %+v", p)
	}
	p = mustProblem(t, rg.send(t, head, http.MethodPost, personPath(rg.personA.ID, "/tags"), map[string]any{"code": "garden_club"}), http.StatusUnprocessableEntity)
	if got := fieldCodes(p); got != "code=tag.code.retired" {
		t.Fatalf("adding a retired tag = %s", got)
	}
	pts := mustJSON[page[personTagJSON]](t, rg.get(head, personPath(rg.personA.ID, "/tags")), http.StatusOK)
	if len(pts.Items) != 1 || pts.Items[0].Code != "garden_club" || pts.Items[0].Attrs["plot"] != "A3" || pts.Items[0].Until != nil {
		t.Fatalf("the resident's tags after retiring = %+v", pts.Items)
	}
	tg = mustJSON[tagJSON](t, rg.send(t, admin, http.MethodPost, "/api/v1/tags/garden_club/unretire", nil), http.StatusOK)
	if tg.Retired {
		t.Fatalf("unretired = %+v", tg)
	}
	p = mustProblem(t, rg.send(t, admin, http.MethodPost, "/api/v1/tags/garden_club/unretire", nil), http.StatusConflict)
	if p.Code != "tag.not_retired" {
		t.Fatalf("unretire twice = %+v", p)
	}

	// The administrator's catalogue holds the restricted tags.
	codes := func(a *linli.Actor) string {
		cat := mustJSON[page[tagJSON]](t, rg.get(a, "/api/v1/tags"), http.StatusOK)
		var out []string
		for _, x := range cat.Items {
			out = append(out, x.Code)
		}
		return "," + strings.Join(out, ",") + ","
	}
	if !strings.Contains(codes(admin), ",correction,") || strings.Contains(codes(rg.worker), ",correction,") {
		t.Fatal("restricted tags: the admin must see them, a worker must not")
	}

	// Every write is audited, refusals are not.
	for action, want := range map[string]int{"tag.create": 1, "tag.update": 1, "tag.retire": 1, "tag.unretire": 1} {
		evs, err := rg.st.SearchAudit(context.Background(), *auditAdmin(), linli.AuditQuery{Action: action})
		if err != nil || len(evs) != want {
			t.Errorf("%s: %d records, want %d (%v)", action, len(evs), want, err)
		}
	}
}
