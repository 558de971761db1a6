package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
)

// TestMigrantRegistrationForm: a migrant's person page offers the
// residence registration with a GB/T 2260 picker; an unknown code is a
// field error that keeps the input, a name is stored as its code and shown
// as its full name; the page names the region that issued the ID number
// as far as the mask shows it, and the county once the number is revealed.
func TestMigrantRegistrationForm(t *testing.T) {
	e := newEnv(t)
	grid1 := e.area(demo.GridA1Code)
	id := residentID("51010419900101123")
	m, err := e.st.CreatePerson(context.Background(), linli.ConsoleActor(), linli.PersonInput{Name: "黄外来", IDNumber: id,
		RegType: linli.RegMigrant, GridID: grid1.ID})
	if err != nil {
		t.Fatal(err)
	}
	local := e.person("本地人", residentID("11010119800101123"), "", grid1, 0)
	c := e.as("comm.worker")
	path := "/persons/" + itoa(m.ID)

	resp, body := e.get(c, path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="`+path+`/migrants"`) ||
		!strings.Contains(body, `<datalist id="region-options">`) || !strings.Contains(body, `<option value="四川省 成都市">`) ||
		!strings.Contains(body, `<option value="北京市 东城区">`) || strings.Contains(body, `<option value="四川省 成都市 锦江区">`) {
		t.Fatalf("migrant page = %d, no registration form or picker", resp.StatusCode)
	}
	if !strings.Contains(body, `id="person-id-region">四川省 成都市<`) {
		t.Fatal("the page does not name the prefecture of the ID number")
	}
	if _, body := e.get(c, "/persons/"+itoa(local.ID)); strings.Contains(body, "region-options") || strings.Contains(body, "/migrants\"") {
		t.Fatal("a registered resident is offered a residence registration")
	}

	form := url.Values{"arrival_date": {"2026-01-05"}, "reason": {"work"}, "origin_region": {"999999"}, "expected_stay_months": {"12"},
		"landlord": {"房东甲"}}
	resp, body = postForm(e, c, path+"/migrants", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "不是 GB/T 2260 行政区划代码") ||
		!strings.Contains(body, `value="999999"`) || !strings.Contains(body, `value="房东甲"`) {
		t.Fatalf("unknown code = %d", resp.StatusCode)
	}
	form.Set("origin_region", "朝阳区")
	if resp, body = postForm(e, c, path+"/migrants", form); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "北京市 朝阳区、吉林省 长春市 朝阳区") {
		t.Fatalf("ambiguous name = %d", resp.StatusCode)
	}
	form.Set("origin_region", "成都市锦江区")
	if resp, _ = postForm(e, c, path+"/migrants", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register = %d", resp.StatusCode)
	}
	ms, err := e.st.Migrants(context.Background(), linli.ConsoleActor(), m.ID)
	if err != nil || len(ms) != 1 || ms[0].OriginRegion != "510104" || ms[0].Landlord != "房东甲" {
		t.Fatalf("registrations = %+v, %v", ms, err)
	}
	resp, body = e.get(c, path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ">四川省 成都市 锦江区<") || strings.Contains(body, "region-options") {
		t.Fatalf("after registering = %d: no full name, or the form is still offered", resp.StatusCode)
	}
	// The revealed ID number names its county.
	head := e.as("comm.head")
	resp, body = postForm(e, head, path+"/reveal", url.Values{"field": {"id_number"}, "purpose": {"contact_resident"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="person-id-region">四川省 成都市 锦江区<`) {
		t.Fatalf("revealed = %d: no county of the ID number", resp.StatusCode)
	}
}
