package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
)

// tagByCode reads a catalogue entry as the console.
func (e *env) tagByCode(code string) (store.Tag, bool) {
	e.t.Helper()
	tags, err := e.st.Tags(context.Background(), linli.ConsoleActor())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, t := range tags {
		if t.Code == code {
			return t, true
		}
	}
	return store.Tag{}, false
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// TestTagAdminForms walks the catalogue administration as the district
// admin: forms re-render with the input and a message per field, the class
// cannot loosen once used, a retired tag cannot be added to anyone, and the
// forms exist for no one else.
func TestTagAdminForms(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.as("district.admin")
	worker := e.as("comm.worker")

	// Only the tag admin gets the forms, and sees the restricted tags to
	// administer them.
	resp, body := e.get(admin, "/tags")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /tags as the district admin = %d", resp.StatusCode)
	}
	mustContain(t, "the admin's catalogue", body, `id="tag-admin"`, `id="tag-new"`, `id="tag-edit-correction"`, "社区矫正对象", `action="/tags/elderly_alone/retire"`)
	_, body = e.get(worker, "/tags")
	if strings.Contains(body, `id="tag-admin"`) || strings.Contains(body, `action="/tags`) {
		t.Fatal("a community worker gets the catalogue's forms")
	}
	before := len(e.audits("tag.create"))
	resp, _ = postForm(e, worker, "/tags", url.Values{"code": {"worker_tag"}, "name_zh": {"工作者标签"}, "class": {"ordinary"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("worker POST /tags = %d, want 404", resp.StatusCode)
	}
	for _, p := range []string{"/tags/elderly_alone", "/tags/elderly_alone/retire"} {
		if resp, _ := postForm(e, worker, p, url.Values{"name_zh": {"改名"}, "class": {"ordinary"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("worker POST %s = %d, want 404", p, resp.StatusCode)
		}
	}
	if _, ok := e.tagByCode("worker_tag"); ok {
		t.Fatal("a worker created a tag")
	}
	if tg, _ := e.tagByCode("elderly_alone"); tg.NameZh != "独居老人" || tg.Retired {
		t.Fatalf("a worker changed a tag: %+v", tg)
	}

	// A bad new tag: the page again, with what was typed and a message at
	// each field.
	resp, body = postForm(e, admin, "/tags", url.Values{"code": {"Garden Club"}, "name_zh": {" "}, "name_en": {"Garden club"},
		"class": {"sensitive"}, "attrs": {"Plot, row"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad new tag = %d, want 422", resp.StatusCode)
	}
	mustContain(t, "the re-rendered new-tag form", body, `<details id="tag-new" open>`,
		`value="Garden Club"`, `value="Garden club"`, `value="Plot, row"`, `<option value="sensitive" selected>`,
		`id="tag-new-code-err"`, "代码须以小写英文字母开头", `id="tag-new-name_zh-err"`, "请填写中文名称",
		`id="tag-new-attrs-err"`, "属性名“Plot”不符合要求", `aria-invalid="true"`)
	if strings.Contains(body, `id="tag-new-class-err"`) || strings.Contains(body, `id="tag-new-name_en-err"`) {
		t.Error("a message at a field that was right")
	}
	// English second.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/tags", strings.NewReader(url.Values{"code": {"garden_club"}, "class": {"ordinary"}}.Encode()))
	req.Header.Set("Content-Type", formType)
	req.Header.Set("Accept-Language", "en")
	if r, err := admin.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "Enter the Chinese name") {
			t.Fatalf("English re-render = %d", r.StatusCode)
		}
	}
	// A code in use: the message at the code.
	resp, body = postForm(e, admin, "/tags", url.Values{"code": {"elderly_alone"}, "name_zh": {"独居"}, "class": {"ordinary"}})
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate code = %d, want 409", resp.StatusCode)
	}
	mustContain(t, "the duplicate's form", body, `id="tag-new-code-err"`, "代码“elderly_alone”已被使用", `value="独居"`)
	if n := len(e.audits("tag.create")); n != before {
		t.Fatalf("refused creates were audited: %d", n-before)
	}

	// A good one: back to the catalogue, audited.
	resp, _ = postForm(e, admin, "/tags", url.Values{"code": {"garden_club"}, "name_zh": {"社区花园志愿者"}, "name_en": {"Community garden volunteer"},
		"class": {"ordinary"}, "attrs": {"plot，row"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tags" {
		t.Fatalf("create = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	tg, ok := e.tagByCode("garden_club")
	if !ok || tg.NameEn != "Community garden volunteer" || strings.Join(tg.Attrs, ",") != "plot,row" {
		t.Fatalf("created tag = %+v", tg)
	}
	_, body = e.get(admin, "/tags")
	mustContain(t, "the catalogue after creating", body, "标签已创建", `id="tag-row-garden_club"`, `id="tag-edit-garden_club"`)
	if evs := e.audits("tag.create"); len(evs) != before+1 || !strings.Contains(evs[0].Detail, "garden_club") {
		t.Fatalf("tag.create audit = %+v", evs)
	}

	// The person page offers the new attribute; a worker adds the tag.
	grid := e.area(demo.GridA1Code)
	p1 := e.person("欧阳园丁", residentID("11010119700101551"), "", grid, 0)
	p2 := e.person("司马园丁", residentID("11010119700101662"), "", grid, 0)
	_, body = e.get(worker, "/persons/"+itoa(p1.ID))
	mustContain(t, "the person page", body, `name="attr_plot"`, `<option value="garden_club"`)
	resp, _ = postForm(e, worker, "/persons/"+itoa(p1.ID)+"/tags", url.Values{"code": {"garden_club"}, "attr_plot": {"A3"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add the new tag = %d", resp.StatusCode)
	}
	pts, err := e.st.PersonTags(ctx, linli.ConsoleActor(), p1.ID, "")
	if err != nil || len(pts) != 1 || pts[0].Attrs["plot"] != "A3" {
		t.Fatalf("person tags = %+v, %v", pts, err)
	}

	// Edit: a bad value re-renders that tag's form, open, with the input.
	resp, body = postForm(e, admin, "/tags/garden_club", url.Values{"name_zh": {""}, "name_en": {"Gardeners"}, "class": {"ordinary"}, "attrs": {"plot, row"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad edit = %d, want 422", resp.StatusCode)
	}
	mustContain(t, "the re-rendered edit form", body, `<details id="tag-edit-garden_club" open>`, `id="tag-edit-garden_club-name_zh-err"`,
		"请填写中文名称", `value="Gardeners"`)
	// Tighten, then try to loosen: the used tag's class only goes up.
	if resp, _ := postForm(e, admin, "/tags/garden_club", url.Values{"name_zh": {"社区花园志愿者"}, "class": {"sensitive"}, "attrs": {"plot, row"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tighten = %d", resp.StatusCode)
	}
	resp, body = postForm(e, admin, "/tags/garden_club", url.Values{"name_zh": {"社区花园志愿者"}, "class": {"ordinary"}, "attrs": {"plot, row"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("loosen a used tag = %d, want 422", resp.StatusCode)
	}
	mustContain(t, "the refused loosening", body, `id="tag-edit-garden_club-class-err"`, "敏感级别只能调高")
	if tg, _ := e.tagByCode("garden_club"); tg.Class != linli.TagSensitive {
		t.Fatalf("class after the refusal = %s", tg.Class)
	}
	// The worker no longer sees the tag, now sensitive.
	if _, body = e.get(worker, "/persons/"+itoa(p1.ID)); strings.Contains(body, "社区花园志愿者") {
		t.Fatal("the worker still sees the tightened tag")
	}

	// Retire: it leaves the add-tag form and a crafted add is refused with
	// a message; the person who has it keeps it.
	if resp, _ := postForm(e, admin, "/tags/garden_club/retire", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire = %d", resp.StatusCode)
	}
	resp, body = postForm(e, admin, "/tags/garden_club/retire", nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("retire twice = %d, want 409", resp.StatusCode)
	}
	mustContain(t, "the second retire", body, `id="tag-error"`, "已停用", `id="tag-edit-garden_club-unretire"`)
	head := e.as("comm.head")
	_, body = e.get(head, "/persons/"+itoa(p2.ID))
	if strings.Contains(body, `<option value="garden_club"`) {
		t.Fatal("a retired tag is offered on the person page")
	}
	resp, body = postForm(e, head, "/persons/"+itoa(p2.ID)+"/tags", url.Values{"code": {"garden_club"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "该标签已停用，不能再添加") {
		t.Fatalf("adding a retired tag = %d", resp.StatusCode)
	}
	if pts, _ := e.st.PersonTags(ctx, linli.ConsoleActor(), p2.ID, ""); len(pts) != 0 {
		t.Fatalf("a retired tag was added: %+v", pts)
	}
	if pts, _ := e.st.PersonTags(ctx, linli.ConsoleActor(), p1.ID, ""); len(pts) != 1 || !pts[0].Until.IsZero() {
		t.Fatalf("retiring touched the person's tag: %+v", pts)
	}
	// Brought back, it can be added again.
	if resp, _ := postForm(e, admin, "/tags/garden_club/unretire", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unretire = %d", resp.StatusCode)
	}
	if _, err := e.st.AddTag(ctx, linli.ConsoleActor(), p2.ID, "garden_club", nil, time.Time{}, "", ""); err != nil {
		t.Fatalf("adding the tag brought back: %v", err)
	}
	for _, action := range []string{"tag.update", "tag.retire", "tag.unretire"} {
		if len(e.audits(action)) != 1 {
			t.Errorf("%s audited %d times, want 1", action, len(e.audits(action)))
		}
	}
}
