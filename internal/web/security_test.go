package web_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
)

type route struct{ method, path string }

// routesFrom reads the registered routes from a routes.go source, so that a
// new route is covered by the scope walk without editing this test.
func routesFrom(t *testing.T, file string, re *regexp.Regexp) []route {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, route{m[1], m[2]})
	}
	if len(out) == 0 {
		t.Fatalf("no routes found in %s", file)
	}
	return out
}

// TestScopedRoutesHideOtherCommunities walks every route that takes an id,
// HTML and API alike, as staff of community A against the objects of
// community B: each answer is 404 and carries no byte of B's data.
func TestScopedRoutesHideOtherCommunities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.area(demo.CommunityBCode)
	var gridB linli.Area
	areas, err := e.st.Areas(ctx, linli.ConsoleActor(), storeFilterParent(b.ID))
	if err != nil || len(areas) == 0 {
		t.Fatalf("grids of B: %v", err)
	}
	gridB = areas[0]
	userB, err := e.st.UserIDByName(ctx, "comm.worker.b")
	if err != nil {
		t.Fatal(err)
	}
	userBInfo, err := e.st.User(ctx, linli.ConsoleActor(), userB)
	if err != nil {
		t.Fatal(err)
	}
	// A live session of B's worker, whose id a curious A might try.
	token, hash, _ := auth.NewToken("s_")
	_ = token
	sessB, err := e.st.CreateSession(ctx, userB, hash, "none", storeClient(), 3600e9)
	if err != nil {
		t.Fatal(err)
	}
	// A resident of B in a building of B's grid, heading a household there.
	console := linli.ConsoleActor()
	buildingB, err := e.st.CreateBuilding(ctx, console, store.BuildingInput{GridID: gridB.ID, Name: "银闸北里7号楼", Floors: 6})
	if err != nil {
		t.Fatal(err)
	}
	roomB, err := e.st.CreateRoom(ctx, console, buildingB.ID, 0, "302")
	if err != nil {
		t.Fatal(err)
	}
	personB, err := e.st.CreatePerson(ctx, console, linli.PersonInput{Name: "欧阳秋菊", Phones: []string{"13712345678"},
		RegType: linli.RegRegistered, GridID: gridB.ID, RoomID: roomB.ID})
	if err != nil {
		t.Fatal(err)
	}
	householdB, err := e.st.CreateHousehold(ctx, console, personB.ID, linli.HouseholdSingle, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if personB, err = e.st.Person(ctx, console, personB.ID); err != nil {
		t.Fatal(err)
	}
	// A resident's request in B: a notice of theirs and a message in the
	// outbox (the system admin's), neither of A's.
	orderB, noticeB := residentOrder(t, e, b.ID)
	photoB := residentPhotoIn(t, e, b.ID) // a photo of another request in B
	outboxB, err := e.st.Outbox(ctx, console, store.OutboxFilter{})
	if err != nil || len(outboxB) == 0 {
		t.Fatalf("outbox of B's request: %v", err)
	}
	secrets := []string{b.Name, b.Code, gridB.Name, gridB.Code, userBInfo.DisplayName, personB.Name, "13712345678", buildingB.Name, orderB.Number}
	// A certificate issued in B, in B's register.
	certB := issuedCertificate(t, e, "comm.worker.b", gridB, "司马春兰", residentID("11010519750505002"))
	secrets = append(secrets, certB.Number, "司马春兰")

	// Routes that name an object by {id}, and the tag catalogue's routes
	// that name a tag by {code}: the catalogue is not scoped, but its
	// administration does not exist for these roles (404).
	htmlRoutes := routesFrom(t, "routes.go", regexp.MustCompile(`s\.handle\("(GET|POST) (/[^"]*\{(?:id|code|name)\}[^"]*)"`))
	apiRoutes := routesFrom(t, "../api/routes.go", regexp.MustCompile(`method: "(GET|POST|PATCH|PUT|DELETE)", path: "(/api/v1/[^"]*\{(?:id|name)\}[^"]*)"`))
	ids := func(path string) []string {
		switch {
		case strings.Contains(path, "/areas/"):
			return []string{itoa(b.ID), itoa(gridB.ID)}
		case strings.Contains(path, "/users/"):
			return []string{itoa(userB)}
		case strings.Contains(path, "/sessions/"), strings.Contains(path, "/tokens/"):
			return []string{itoa(sessB.ID)}
		case strings.Contains(path, "/persons/"):
			return []string{itoa(personB.ID)}
		case strings.Contains(path, "/households/"):
			return []string{itoa(householdB.ID)}
		case strings.Contains(path, "/buildings/"):
			return []string{itoa(buildingB.ID)}
		case strings.HasPrefix(path, "/tags/"):
			return []string{""} // no id: the tag is named by its code
		case strings.HasPrefix(path, "/notices/"):
			return []string{itoa(noticeB.ID)}
		case strings.HasPrefix(path, "/admin/outbox/"):
			return []string{itoa(outboxB[0].ID)}
		case strings.HasPrefix(path, "/wo/"):
			return []string{itoa(orderB.ID)} // the order page, its actions, call-backs
		case strings.HasPrefix(path, "/admin/services/"):
			return []string{""} // no id: the service is named by its code
		case strings.HasPrefix(path, "/services/"), strings.HasPrefix(path, "/attachments/"):
			return []string{""} // a service's code; a photo's name
		case strings.HasPrefix(path, "/my/requests/"):
			return []string{itoa(orderB.ID)}
		case strings.HasPrefix(path, "/admin/routes/"):
			return []string{itoa(woRouteIn(t, e, b.ID))}
		case strings.HasPrefix(path, "/certificates/"), strings.HasPrefix(path, "/api/v1/certificates/"):
			return []string{itoa(certB.ID)}
		case strings.HasPrefix(path, "/api/v1/work-orders/"):
			return []string{itoa(orderB.ID)}
		case strings.HasPrefix(path, "/api/v1/attachments/"):
			return []string{""} // a photo's name
		case strings.HasPrefix(path, "/api/v1/callbacks/"):
			return []string{itoa(orderB.ID), "1"} // no call-back of A's has these ids
		}
		t.Fatalf("no ids for route %s: extend this test", path)
		return nil
	}
	walked := 0
	for _, who := range []string{"comm.worker", "comm.head", "grid.worker"} {
		c := e.as(who)
		for _, r := range append(htmlRoutes, apiRoutes...) {
			for _, id := range ids(r.path) {
				p := strings.ReplaceAll(r.path, "{id}", id)
				p = strings.ReplaceAll(p, "{sid}", itoa(sessB.ID))
				p = strings.ReplaceAll(p, "{code}", "elderly_alone")
				p = strings.ReplaceAll(p, "{name}", photoB.Name)
				ctype, body := "application/x-www-form-urlencoded", "name=x&code=110101001002&parent_id=1&version=1&roles=grid_worker&scope="+itoa(b.ID)
				switch {
				case strings.HasPrefix(p, "/api/") && strings.HasSuffix(p, "/move"):
					ctype, body = "application/json", `{"parent_id":1,"code":"110101001002"}`
				case strings.HasPrefix(p, "/api/") && strings.HasSuffix(p, "/retire"):
					ctype, body = "application/json", ``
				case strings.HasPrefix(p, "/api/"):
					ctype, body = "application/json", `{"name":"x","version":1}`
				}
				if r.method == http.MethodGet {
					ctype, body = "", ""
				}
				resp, got := e.do(c, r.method, p, ctype, body)
				walked++
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %s %s = %d, want 404", who, r.method, p, resp.StatusCode)
				}
				for _, s := range secrets {
					if strings.Contains(got, s) {
						t.Errorf("%s: %s %s leaks %q", who, r.method, p, s)
					}
				}
			}
		}
	}
	// Nothing of B changed.
	after := e.area(demo.CommunityBCode)
	if after.Name != b.Name || after.Version != b.Version || after.Retired {
		t.Fatalf("community B changed: %+v", after)
	}
	if got, err := e.st.Person(ctx, console, personB.ID); err != nil || got.Version != personB.Version || got.Status != linli.StatusLiving {
		t.Fatalf("B's resident changed: %+v, %v", got, err)
	}
	if _, _, err := e.st.SessionActor(ctx, hash, 3600e9); err != nil {
		t.Fatalf("B's session was revoked by A: %v", err)
	}
	if tg, err := e.st.Tag(ctx, console, "elderly_alone"); err != nil || tg.NameZh != "独居老人" || tg.Retired {
		t.Fatalf("the catalogue changed: %+v, %v", tg, err)
	}
	if walked < 20 {
		t.Fatalf("walked only %d requests", walked)
	}
	// The same worker sees its own community.
	resp, page := e.get(e.as("comm.worker"), "/areas/"+itoa(e.area(demo.CommunityACode).ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, demo.CommunityAName) {
		t.Fatalf("worker of A on A = %d", resp.StatusCode)
	}
}

func TestErrorPages(t *testing.T) {
	e := newEnv(t)
	c := e.as("district.admin")
	resp, body := e.get(c, "/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(body, `id="error-page"`) {
		t.Fatalf("unknown page = %d", resp.StatusCode)
	}
	resp, body = e.do(c, http.MethodDelete, "/areas", "", "")
	if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "GET") || !strings.Contains(body, `id="error-page"`) {
		t.Fatalf("DELETE /areas = %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, _ = e.do(c, http.MethodTrace, "/", "", "")
	if resp.StatusCode != 405 {
		t.Fatalf("TRACE = %d", resp.StatusCode)
	}
	big := "name=" + strings.Repeat("x", 2<<20)
	resp, body = e.do(c, http.MethodPost, "/areas", "application/x-www-form-urlencoded", big)
	if resp.StatusCode != 413 || strings.Contains(body, "http:") {
		t.Fatalf("2 MiB form = %d", resp.StatusCode)
	}
	resp, body = e.do(c, http.MethodPost, "/api/v1/areas", "application/json", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)
	if resp.StatusCode != 413 || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		t.Fatalf("2 MiB API body = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	_ = body
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
