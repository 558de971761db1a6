package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// idWith completes 17 digits with their check digit.
func idWith(first17 string) string { return first17 + string(seal.IDCheckDigit(first17)) }

// registry is a small registry over the test tree: a building with a room
// in each of grid A and grid B, a resident in each, and a household in B.
type registry struct {
	*fixture
	worker                   *linli.Actor // community worker of A (person.read and person.write)
	roomA, roomB             int64
	buildingA, buildingB     int64
	personA, personB         linli.Person
	idA, idB, phoneA, phoneB string
	householdB               int64
}

// Names and numbers of the fixture's residents.
const (
	nameA = "张少明"
	nameB = "李银花"
)

func newRegistry(t *testing.T) *registry {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "api.db"), store.Options{Keys: seal.Generate()})
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
	rg := &registry{fixture: f, worker: actorOn(0, "worker.a", []linli.Role{linli.RoleCommunityWorker}, f.tr.a),
		idA: idWith("11010119800101001"), idB: idWith("11010119750505002"), phoneA: "13800138000", phoneB: "13912345678"}
	console := linli.ConsoleActor()
	rg.buildingA, rg.roomA = mustRoom(t, st, f.tr.gridA.ID, "多福巷1号楼")
	rg.buildingB, rg.roomB = mustRoom(t, st, f.tr.gridB.ID, "银闸2号楼")
	rg.personA = mustPerson(t, st, linli.PersonInput{Name: nameA, IDNumber: rg.idA, Phones: []string{rg.phoneA},
		RegType: linli.RegRegistered, GridID: f.tr.gridA.ID, RoomID: rg.roomA})
	rg.personB = mustPerson(t, st, linli.PersonInput{Name: nameB, IDNumber: rg.idB, Phones: []string{rg.phoneB},
		RegType: linli.RegRegistered, GridID: f.tr.gridB.ID, RoomID: rg.roomB})
	h, err := st.CreateHousehold(ctx, console, rg.personB.ID, linli.HouseholdFamily, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	rg.householdB = h.ID
	if rg.personB, err = st.Person(ctx, console, rg.personB.ID); err != nil { // joining moved the version
		t.Fatal(err)
	}
	return rg
}

func mustRoom(t *testing.T, st *store.Store, gridID int64, building string) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	b, err := st.CreateBuilding(ctx, linli.ConsoleActor(), store.BuildingInput{GridID: gridID, Name: building, Floors: 6})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRoom(ctx, linli.ConsoleActor(), b.ID, 0, "101")
	if err != nil {
		t.Fatal(err)
	}
	return b.ID, r.ID
}

func mustPerson(t *testing.T, st *store.Store, in linli.PersonInput) linli.Person {
	t.Helper()
	p, err := st.CreatePerson(context.Background(), linli.ConsoleActor(), in)
	if err != nil {
		t.Fatalf("CreatePerson(%s) = %v", in.Name, err)
	}
	return p
}

func (rg *registry) countPersons(t *testing.T) int {
	t.Helper()
	var n int
	if err := rg.st.DB().QueryRow(`SELECT COUNT(*) FROM persons`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func personPath(id int64, suffix string) string {
	return fmt.Sprintf("/api/v1/persons/%d%s", id, suffix)
}

// TestSearchPersonsMasked: two characters of a name, pinyin initials, the
// full ID number and the last four digits of the phone all find the
// resident, masked: the raw body never holds the full ID or phone.
func TestSearchPersonsMasked(t *testing.T) {
	rg := newRegistry(t)
	for _, q := range []string{"少明", "zsm", "zhangshaoming", rg.idA, "8000", rg.phoneA} {
		rec := rg.get(rg.worker, "/api/v1/persons?q="+url.QueryEscape(q))
		pg := mustJSON[page[personItemJSON]](t, rec, http.StatusOK)
		if len(pg.Items) != 1 || pg.Items[0].ID != rg.personA.ID {
			t.Fatalf("q=%s: items = %+v, want %s only", q, pg.Items, nameA)
		}
		it := pg.Items[0]
		if it.Name != nameA || it.IDMasked == "" || it.IDMasked == rg.idA || it.PhoneMasked == "" ||
			it.BirthDate == nil || *it.BirthDate != "1980-01-01" || it.Age == nil || it.Gender != linli.GenderMale ||
			it.HouseholdID != nil || it.GridID != rg.tr.gridA.ID || it.Version != 1 {
			t.Errorf("q=%s: item = %+v", q, it)
		}
		body := rec.Body.String()
		for _, secret := range []string{rg.idA, rg.phoneA, rg.idA[6:14] + rg.idA[14:]} {
			if strings.Contains(body, secret) {
				t.Errorf("q=%s: the list holds %q: %s", q, secret, body)
			}
		}
	}
	// One character is too short.
	p := mustProblem(t, rg.get(rg.worker, "/api/v1/persons?q="+url.QueryEscape("张")), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "q" || p.Errors[0].Code != "person.search.too_short" {
		t.Errorf("q=张: %+v", p.Errors)
	}
	// Bad parameters, each named.
	for target, field := range map[string]string{
		"/api/v1/persons?reg_type=alien": "reg_type", "/api/v1/persons?status=asleep": "status",
		"/api/v1/persons?age_min=-1": "age_min", "/api/v1/persons?cursor=x": "cursor", "/api/v1/persons?limit=0": "limit",
	} {
		p := mustProblem(t, rg.get(rg.worker, target), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("GET %s: errors = %+v, want %s", target, p.Errors, field)
		}
	}
	// Filters.
	for target, want := range map[string]int{
		"/api/v1/persons?age_min=40":                              1,
		"/api/v1/persons?age_max=30":                              0,
		"/api/v1/persons?reg_type=migrant":                        0,
		"/api/v1/persons?status=moved_out":                        0,
		"/api/v1/persons?tag=elderly_alone":                       0,
		fmt.Sprintf("/api/v1/persons?area_id=%d", rg.tr.gridA.ID): 1,
	} {
		if pg := mustJSON[page[personItemJSON]](t, rg.get(rg.worker, target), http.StatusOK); len(pg.Items) != want {
			t.Errorf("GET %s: %d items, want %d", target, len(pg.Items), want)
		}
	}
}

func TestSearchPersonsCursor(t *testing.T) {
	rg := newRegistry(t)
	var want []int64
	for i := range 4 {
		p := mustPerson(t, rg.st, linli.PersonInput{Name: fmt.Sprintf("王秀%c", []rune("英兰芳梅")[i]), RegType: linli.RegRegistered,
			GridID: rg.tr.gridA.ID, BirthDate: time.Date(1950+i, 1, 1, 0, 0, 0, 0, time.UTC)})
		want = append(want, p.ID)
	}
	var got []int64
	target := "/api/v1/persons?q=" + url.QueryEscape("王秀") + "&limit=3"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		pg := mustJSON[page[personItemJSON]](t, rg.get(rg.worker, target), http.StatusOK)
		for _, it := range pg.Items {
			got = append(got, it.ID)
		}
		if pg.NextCursor == "" {
			break
		}
		target = "/api/v1/persons?q=" + url.QueryEscape("王秀") + "&limit=3&cursor=" + pg.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
}

// TestPersonScopeHidesOtherCommunity: to a worker of community A, a
// resident of B does not exist, whatever the route, and no search lists
// them.
func TestPersonScopeHidesOtherCommunity(t *testing.T) {
	rg := newRegistry(t)
	pb := rg.personB
	secrets := []string{nameB, rg.idB, rg.phoneB, pb.IDMasked, "银闸"}
	leaks := func(body string) string {
		for _, s := range secrets {
			if strings.Contains(body, s) {
				return s
			}
		}
		return ""
	}
	reqs := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, personPath(pb.ID, ""), nil},
		{http.MethodPatch, personPath(pb.ID, ""), map[string]any{"name": "改名", "reg_type": "registered", "grid_id": rg.tr.gridA.ID, "version": pb.Version}},
		{http.MethodPatch, personPath(pb.ID, ""), `{"unknown":1}`},
		{http.MethodGet, personPath(pb.ID, "/history"), nil},
		{http.MethodGet, personPath(pb.ID, "/tags"), nil},
		{http.MethodPost, personPath(pb.ID, "/tags"), map[string]any{"code": "elderly_alone"}},
		{http.MethodPost, personPath(pb.ID, "/move-out"), map[string]any{}},
		{http.MethodPost, personPath(pb.ID, "/death"), map[string]any{}},
		{http.MethodGet, fmt.Sprintf("/api/v1/households/%d", rg.householdB), nil},
		{http.MethodPost, fmt.Sprintf("/api/v1/households/%d/members", rg.householdB), map[string]any{"person_id": rg.personA.ID, "relation": "10"}},
		{http.MethodPost, fmt.Sprintf("/api/v1/households/%d/change-head", rg.householdB), map[string]any{"head_id": rg.personA.ID}},
		{http.MethodGet, fmt.Sprintf("/api/v1/buildings/%d/residents", rg.buildingB), nil},
		// B's resident cannot head or join a household of A's worker either.
		{http.MethodPost, "/api/v1/households", map[string]any{"head_id": pb.ID, "kind": "family"}},
	}
	for _, rq := range reqs {
		rec := rg.send(t, rg.worker, rq.method, rq.path, rq.body)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s %s = %d, want 404; body %s", rq.method, rq.path, rec.Code, rec.Body)
			continue
		}
		mustProblem(t, rec, http.StatusNotFound)
		if s := leaks(rec.Body.String()); s != "" {
			t.Errorf("%s %s leaks %q: %s", rq.method, rq.path, s, rec.Body)
		}
	}
	// Searches leave B out, whatever the text or filter.
	for _, target := range []string{"/api/v1/persons", "/api/v1/persons?q=" + url.QueryEscape("银花"), "/api/v1/persons?q=lyh",
		"/api/v1/persons?q=" + rg.idB, "/api/v1/persons?q=" + rg.phoneB, "/api/v1/persons?q=5678",
		fmt.Sprintf("/api/v1/persons?area_id=%d", rg.tr.gridB.ID), fmt.Sprintf("/api/v1/buildings?area_id=%d", rg.tr.b.ID),
		"/api/v1/buildings"} {
		rec := rg.get(rg.worker, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", target, rec.Code, rec.Body)
		}
		if s := leaks(rec.Body.String()); s != "" {
			t.Errorf("GET %s leaks %q: %s", target, s, rec.Body)
		}
	}
	// Nothing of B changed.
	got, err := rg.st.Person(context.Background(), linli.ConsoleActor(), pb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != nameB || got.Version != pb.Version || got.Status != linli.StatusLiving {
		t.Fatalf("B's resident after refused requests = %+v", got)
	}
	// Control: A's resident is visible.
	if got := mustJSON[personJSON](t, rg.get(rg.worker, personPath(rg.personA.ID, "")), http.StatusOK); got.Name != nameA {
		t.Fatalf("GET A's resident = %+v", got)
	}
}

func TestCreatePerson(t *testing.T) {
	rg := newRegistry(t)
	before := rg.countPersons(t)
	good := idWith("11010119900315004")
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])

	// A wrong check digit: 422 on id_number, nothing created.
	rec := rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", map[string]any{
		"name": "赵新", "id_number": bad, "reg_type": "registered", "grid_id": rg.tr.gridA.ID})
	p := mustProblem(t, rec, http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "id_number" || p.Errors[0].Code != "err.id.check" || p.Errors[0].Message == "err.id.check" {
		t.Fatalf("wrong check digit: errors = %+v", p.Errors)
	}
	// Other field errors use the members' names.
	for _, tc := range []struct {
		body        map[string]any
		field, code string
	}{
		{map[string]any{"name": "赵新", "reg_type": "registered"}, "grid_id", "person.grid.required"},
		{map[string]any{"name": "赵新", "reg_type": "registered", "grid_id": rg.tr.gridB.ID}, "grid_id", "person.grid.not_found"},
		{map[string]any{"name": "赵新", "reg_type": "registered", "grid_id": rg.tr.gridA.ID, "room_id": rg.roomB}, "room_id", "person.room.not_found"},
		{map[string]any{"name": "赵新", "reg_type": "registered", "grid_id": rg.tr.gridA.ID, "birth_date": "1990-02-30"}, "birth_date", "person.birth_date.invalid"},
		{map[string]any{"name": "赵新", "reg_type": "registered", "grid_id": rg.tr.gridA.ID, "phones": []string{"1380013800"}}, "phones", "person.phone.ten_digits"},
		{map[string]any{"name": "赵新", "reg_type": "registered", "grid_id": rg.tr.gridA.ID, "source": "rumour"}, "source", "error.invalid"},
	} {
		p := mustProblem(t, rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", tc.body), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code {
			t.Errorf("%v: errors = %+v, want %s %s", tc.body, p.Errors, tc.field, tc.code)
		}
	}
	if p := mustProblem(t, rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", `{"name":"赵新","idnumber":"x"}`), http.StatusBadRequest); !strings.Contains(p.Detail, "idnumber") {
		t.Errorf("unknown member: %+v", p)
	}
	if n := rg.countPersons(t); n != before {
		t.Fatalf("persons after refused creates = %d, want %d", n, before)
	}

	// A good one: 201, Location, masked, birth date and gender from the ID.
	rec = rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", map[string]any{
		"name": "赵新", "id_number": good, "phones": []string{"138-0013-9999"}, "reg_type": "registered",
		"grid_id": rg.tr.gridA.ID, "room_id": rg.roomA, "ethnicity": "01"})
	got := mustJSON[personJSON](t, rec, http.StatusCreated)
	if got.BirthDate == nil || *got.BirthDate != "1990-03-15" || got.Gender != linli.GenderFemale || got.RoomID == nil ||
		*got.RoomID != rg.roomA || got.Address == "" || len(got.PhonesMasked) != 1 || got.Sources["name"].Source != linli.SourceWorker {
		t.Fatalf("created = %+v", got)
	}
	if strings.Contains(rec.Body.String(), good) || strings.Contains(rec.Body.String(), "13800139999") {
		t.Fatalf("the answer holds the full ID or phone: %s", rec.Body)
	}
	if loc := rec.Header().Get("Location"); loc != personPath(got.ID, "") {
		t.Fatalf("Location = %q", loc)
	}

	// The same ID again: 409 with the existing resident's id, in scope.
	rec = rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", map[string]any{
		"name": "赵心", "id_number": good, "reg_type": "registered", "grid_id": rg.tr.gridA.ID})
	p = mustProblem(t, rec, http.StatusConflict)
	if p.Code != "person.duplicate_id" || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"existing_id":%d`, got.ID)) {
		t.Fatalf("duplicate ID in scope = %s", rec.Body)
	}
	// B's resident's ID: 409 without an id or anything of B.
	rec = rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", map[string]any{
		"name": "钱多", "id_number": rg.idB, "reg_type": "registered", "grid_id": rg.tr.gridA.ID})
	p = mustProblem(t, rec, http.StatusConflict)
	if p.Code != "person.duplicate_id_hidden" || strings.Contains(rec.Body.String(), "existing_id") ||
		strings.Contains(rec.Body.String(), nameB) || strings.Contains(rec.Body.String(), fmt.Sprint(rg.personB.ID)) {
		t.Fatalf("duplicate ID out of scope = %s", rec.Body)
	}
	// Same name and birth date in the community: a warning to confirm.
	same := map[string]any{"name": nameA, "birth_date": "1980-01-01", "reg_type": "migrant", "grid_id": rg.tr.gridA.ID}
	rec = rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", same)
	p = mustProblem(t, rec, http.StatusConflict)
	if p.Code != "person.possible_duplicate" || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"existing_id":%d`, rg.personA.ID)) {
		t.Fatalf("possible duplicate = %s", rec.Body)
	}
	same["confirm_duplicate"] = true
	if got := mustJSON[personJSON](t, rg.send(t, rg.worker, http.MethodPost, "/api/v1/persons", same), http.StatusCreated); got.IDType != linli.IDNone {
		t.Fatalf("confirmed duplicate = %+v", got)
	}
	if n := rg.countPersons(t); n != before+2 {
		t.Fatalf("persons = %d, want %d", n, before+2)
	}
	// A reader without person.write may not create: 403.
	reader := actorOn(0, "district.admin", []linli.Role{linli.RoleDistrictAdmin}, rg.tr.s1)
	mustProblem(t, rg.send(t, reader, http.MethodPost, "/api/v1/persons", map[string]any{
		"name": "孙悟", "reg_type": "registered", "grid_id": rg.tr.gridA.ID}), http.StatusForbidden)
}

func TestUpdatePerson(t *testing.T) {
	rg := newRegistry(t)
	path := personPath(rg.personA.ID, "")
	cur := mustJSON[personJSON](t, rg.get(rg.worker, path), http.StatusOK)
	body := map[string]any{"name": nameA, "id_number": rg.idA, "phones": []string{rg.phoneA}, "reg_type": "registered",
		"grid_id": rg.tr.gridA.ID, "room_id": rg.roomA, "address": "多福巷1号楼101（新）", "version": cur.Version}
	got := mustJSON[personJSON](t, rg.send(t, rg.worker, http.MethodPatch, path, body), http.StatusOK)
	if got.Address != "多福巷1号楼101（新）" || got.Version != cur.Version+1 || got.Sources["address"].Source != linli.SourceWorker {
		t.Fatalf("PATCH = %+v", got)
	}
	// The same version again is stale.
	body["address"] = "又一个地址"
	p := mustProblem(t, rg.send(t, rg.worker, http.MethodPatch, path, body), http.StatusConflict)
	if p.Code != "edit.stale" {
		t.Fatalf("stale PATCH = %+v", p)
	}
	// No version: 422.
	delete(body, "version")
	p = mustProblem(t, rg.send(t, rg.worker, http.MethodPatch, path, body), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "version" {
		t.Fatalf("PATCH without version: %+v", p.Errors)
	}
	// The history shows the change, the ID and phone never in full.
	rec := rg.get(rg.worker, path+"/history")
	h := mustJSON[page[changeJSON]](t, rec, http.StatusOK)
	var fields []string
	for _, c := range h.Items {
		fields = append(fields, c.Field)
	}
	if s := strings.Join(fields, ","); !strings.HasPrefix(s, "created,") || !strings.Contains(s, "address") {
		t.Fatalf("history fields = %s", s)
	}
	if strings.Contains(rec.Body.String(), rg.idA) || strings.Contains(rec.Body.String(), rg.phoneA) {
		t.Fatalf("history holds the full ID or phone: %s", rec.Body)
	}
}

func TestPersonTagsAndLifeEvents(t *testing.T) {
	rg := newRegistry(t)
	// The catalogue: no restricted tag for a worker.
	cat := mustJSON[page[tagJSON]](t, rg.get(rg.worker, "/api/v1/tags"), http.StatusOK)
	seen := map[string]string{}
	for _, tg := range cat.Items {
		seen[tg.Code] = tg.Class
	}
	if seen["elderly_alone"] != linli.TagOrdinary || seen["correction"] != "" || len(cat.Items) == 0 {
		t.Fatalf("catalogue = %+v", seen)
	}
	head := actorOn(0, "head.a", []linli.Role{linli.RoleCommunityHead}, rg.tr.a)
	if cat := mustJSON[page[tagJSON]](t, rg.get(head, "/api/v1/tags"), http.StatusOK); len(cat.Items) <= len(seen) {
		t.Errorf("a community head sees %d tags, a worker %d", len(cat.Items), len(seen))
	}

	tags := personPath(rg.personA.ID, "/tags")
	rec := rg.send(t, rg.worker, http.MethodPost, tags, map[string]any{"code": "veteran", "attrs": map[string]string{"category": "退役"}, "since": "2020-05-01", "note": "登记"})
	pt := mustJSON[personTagJSON](t, rec, http.StatusCreated)
	if pt.Code != "veteran" || pt.Attrs["category"] != "退役" || pt.Since == nil || *pt.Since != "2020-05-01" || pt.Until != nil {
		t.Fatalf("added tag = %+v", pt)
	}
	p := mustProblem(t, rg.send(t, rg.worker, http.MethodPost, tags, map[string]any{"code": "veteran"}), http.StatusConflict)
	if p.Code != "tag.already" {
		t.Fatalf("tag twice = %+v", p)
	}
	p = mustProblem(t, rg.send(t, rg.worker, http.MethodPost, tags, map[string]any{"code": "unemployed", "attrs": map[string]string{"colour": "x"}}), http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "attrs" || !strings.Contains(p.Errors[0].Message, "colour") {
		t.Fatalf("unknown attribute = %+v", p.Errors)
	}
	// A sensitive tag does not exist for a worker without sensitive.read.
	mustProblem(t, rg.send(t, rg.worker, http.MethodPost, tags, map[string]any{"code": "dibao"}), http.StatusNotFound)
	list := mustJSON[page[personTagJSON]](t, rg.get(rg.worker, tags), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].Code != "veteran" {
		t.Fatalf("tags = %+v", list.Items)
	}
	if pg := mustJSON[page[personItemJSON]](t, rg.get(rg.worker, "/api/v1/persons?tag=veteran"), http.StatusOK); len(pg.Items) != 1 {
		t.Fatalf("search by tag = %+v", pg.Items)
	}

	// Move-out: a future date is refused, today is fine; then death of a
	// moved-out resident is still possible, a second death is not.
	mv := personPath(rg.personA.ID, "/move-out")
	future := rg.st.Now().AddDate(0, 0, 3).Format("2006-01-02")
	p = mustProblem(t, rg.send(t, rg.worker, http.MethodPost, mv, map[string]any{"date": future}), http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "date" || p.Errors[0].Code != "person.date.future" {
		t.Fatalf("future move-out = %+v", p.Errors)
	}
	p = mustProblem(t, rg.send(t, rg.worker, http.MethodPost, mv, map[string]any{"date": "01/02/2024"}), http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "date" {
		t.Fatalf("bad date = %+v", p.Errors)
	}
	got := mustJSON[personJSON](t, rg.send(t, rg.worker, http.MethodPost, mv, map[string]any{"note": "搬往外地"}), http.StatusOK)
	if got.Status != linli.StatusMovedOut || got.StatusDate == nil {
		t.Fatalf("moved out = %+v", got)
	}
	if pg := mustJSON[page[personItemJSON]](t, rg.get(rg.worker, "/api/v1/persons?status=moved_out"), http.StatusOK); len(pg.Items) != 1 || pg.Items[0].ID != rg.personA.ID {
		t.Fatalf("moved-out search = %+v", pg.Items)
	}
	got = mustJSON[personJSON](t, rg.send(t, rg.worker, http.MethodPost, personPath(rg.personA.ID, "/death"), map[string]any{}), http.StatusOK)
	if got.Status != linli.StatusDeceased {
		t.Fatalf("death = %+v", got)
	}
	p = mustProblem(t, rg.send(t, rg.worker, http.MethodPost, personPath(rg.personA.ID, "/death"), map[string]any{}), http.StatusConflict)
	if p.Code != "person.deceased" {
		t.Fatalf("second death = %+v", p)
	}
}

func TestHouseholdCreateAndGet(t *testing.T) {
	rg := newRegistry(t)
	spouse := mustPerson(t, rg.st, linli.PersonInput{Name: "陈丽", IDNumber: idWith("11010119820202002"), RegType: linli.RegRegistered,
		GridID: rg.tr.gridA.ID, RoomID: rg.roomA})
	child := mustPerson(t, rg.st, linli.PersonInput{Name: "张小明", IDNumber: idWith("11010120100606003"), RegType: linli.RegRegistered,
		GridID: rg.tr.gridA.ID, RoomID: rg.roomA})

	for _, tc := range []struct {
		body        any
		status      int
		field, code string
	}{
		{map[string]any{"kind": "family"}, 422, "head_id", "api.integer"},
		{map[string]any{"head_id": rg.personA.ID, "kind": "tribe"}, 422, "kind", "household.kind.invalid"},
		{map[string]any{"head_id": rg.personA.ID, "kind": "family", "members": []map[string]any{{"person_id": spouse.ID, "relation": "02"}}}, 409, "", "household.two_heads"},
		{map[string]any{"head_id": rg.personA.ID, "kind": "family", "members": []map[string]any{{"person_id": spouse.ID, "relation": "spouse"}}}, 422, "members", "household.relation.invalid"},
	} {
		p := mustProblem(t, rg.send(t, rg.worker, http.MethodPost, "/api/v1/households", tc.body), tc.status)
		if tc.status == 409 && p.Code != tc.code || tc.status == 422 && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code) {
			t.Errorf("%v: %+v", tc.body, p)
		}
	}

	rec := rg.send(t, rg.worker, http.MethodPost, "/api/v1/households", map[string]any{
		"head_id": rg.personA.ID, "kind": "family", "members": []map[string]any{{"person_id": spouse.ID, "relation": "10"}}})
	h := mustJSON[householdJSON](t, rec, http.StatusCreated)
	loc := rec.Header().Get("Location")
	if loc != fmt.Sprintf("/api/v1/households/%d", h.ID) || h.HeadID != rg.personA.ID || h.Status != "active" ||
		len(h.Members) != 2 || h.RoomID == nil || *h.RoomID != rg.roomA || h.Address == "" {
		t.Fatalf("created household = %+v (Location %q)", h, loc)
	}
	got := mustJSON[householdJSON](t, rg.get(rg.worker, loc), http.StatusOK)
	if got.ID != h.ID || len(got.Members) != 2 || got.Members[1].PersonID != spouse.ID || got.Members[1].Relation != "10" ||
		got.Members[0].IDMasked == "" || strings.Contains(rg.get(rg.worker, loc).Body.String(), rg.idA) {
		t.Fatalf("GET household = %+v", got)
	}
	// The resident now points at the household.
	if p := mustJSON[personJSON](t, rg.get(rg.worker, personPath(rg.personA.ID, "")), http.StatusOK); p.HouseholdID == nil || *p.HouseholdID != h.ID {
		t.Fatalf("person's household = %v", p.HouseholdID)
	}
	// Nobody joins two households.
	p := mustProblem(t, rg.send(t, rg.worker, http.MethodPost, "/api/v1/households", map[string]any{"head_id": spouse.ID, "kind": "single"}), http.StatusConflict)
	if p.Code != "household.member.elsewhere" {
		t.Fatalf("second household = %+v", p)
	}
	got = mustJSON[householdJSON](t, rg.send(t, rg.worker, http.MethodPost, loc+"/members", map[string]any{"person_id": child.ID, "relation": "20"}), http.StatusOK)
	if len(got.Members) != 3 {
		t.Fatalf("after adding a member: %+v", got.Members)
	}
	// Change of head: a successor household, the old one closed.
	rec = rg.send(t, rg.worker, http.MethodPost, loc+"/change-head", map[string]any{"head_id": spouse.ID,
		"relations": []map[string]any{{"person_id": child.ID, "relation": "20"}}})
	next := mustJSON[householdJSON](t, rec, http.StatusCreated)
	if next.ID == h.ID || next.HeadID != spouse.ID || rec.Header().Get("Location") != fmt.Sprintf("/api/v1/households/%d", next.ID) {
		t.Fatalf("successor = %+v", next)
	}
	old := mustJSON[householdJSON](t, rg.get(rg.worker, loc), http.StatusOK)
	if old.Status != "closed" || old.SuccessorID == nil || *old.SuccessorID != next.ID || old.ClosedAt == nil {
		t.Fatalf("old household = %+v", old)
	}
	for _, m := range next.Members {
		if m.PersonID == rg.personA.ID && m.Relation != "10" {
			t.Errorf("old head's relation = %s, want 10 (spouse)", m.Relation)
		}
	}
}

func TestBuildingsAndMigrants(t *testing.T) {
	rg := newRegistry(t)
	ctx := context.Background()
	if _, err := rg.st.CreateHousehold(ctx, linli.ConsoleActor(), rg.personA.ID, linli.HouseholdSingle, 0, nil); err != nil {
		t.Fatal(err)
	}
	bs := mustJSON[page[buildingJSON]](t, rg.get(rg.worker, "/api/v1/buildings"), http.StatusOK)
	if len(bs.Items) != 1 || bs.Items[0].ID != rg.buildingA || bs.Items[0].Households != 1 || bs.Items[0].Residents != 1 {
		t.Fatalf("buildings = %+v", bs.Items)
	}
	if bs := mustJSON[page[buildingJSON]](t, rg.get(rg.worker, fmt.Sprintf("/api/v1/buildings?area_id=%d", rg.tr.gridA.ID)), http.StatusOK); len(bs.Items) != 1 {
		t.Fatalf("buildings of grid A = %+v", bs.Items)
	}
	rooms := mustJSON[page[roomJSON]](t, rg.get(rg.worker, fmt.Sprintf("/api/v1/buildings/%d/residents", rg.buildingA)), http.StatusOK)
	if len(rooms.Items) != 1 || len(rooms.Items[0].Residents) != 1 || rooms.Items[0].Residents[0].PersonID != rg.personA.ID ||
		rooms.Items[0].Residents[0].HouseholdID == nil {
		t.Fatalf("residents = %+v", rooms.Items)
	}

	m := mustPerson(t, rg.st, linli.PersonInput{Name: "刘外来", IDNumber: idWith("32010219950707005"), RegType: linli.RegMigrant, GridID: rg.tr.gridA.ID})
	today := rg.st.Now()
	if _, err := rg.st.RegisterMigrant(ctx, linli.ConsoleActor(), m.ID, store.MigrantInput{ArrivalDate: today.AddDate(0, -6, 0),
		Reason: "work", OriginRegion: "南京 鼓楼", ExpiresAt: today.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	ms := mustJSON[page[migrantJSON]](t, rg.get(rg.worker, "/api/v1/migrants/expiring"), http.StatusOK)
	if len(ms.Items) != 1 || ms.Items[0].PersonID != m.ID || ms.Items[0].Reason != "work" || ms.Items[0].DaysLeft < 9 || ms.Items[0].DaysLeft > 11 ||
		ms.Items[0].OriginRegion != "320106" || ms.Items[0].OriginRegionName != "江苏省 南京市 鼓楼区" {
		t.Fatalf("expiring = %+v", ms.Items)
	}
	if ms := mustJSON[page[migrantJSON]](t, rg.get(rg.worker, "/api/v1/migrants/expiring?days=5"), http.StatusOK); len(ms.Items) != 0 {
		t.Fatalf("expiring in 5 days = %+v", ms.Items)
	}
	p := mustProblem(t, rg.get(rg.worker, "/api/v1/migrants/expiring?days=0"), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "days" {
		t.Fatalf("days=0: %+v", p.Errors)
	}
	// Worker of B's grid sees none of A's.
	gwB := actorOn(0, "grid.b", []linli.Role{linli.RoleGridWorker}, rg.tr.gridB)
	if ms := mustJSON[page[migrantJSON]](t, rg.get(gwB, "/api/v1/migrants/expiring"), http.StatusOK); len(ms.Items) != 0 {
		t.Fatalf("B's worker sees %+v", ms.Items)
	}
}

// TestRegistryNeedsPersonRead: an actor without person.read (a system
// admin) gets 403 on every registry route.
func TestRegistryNeedsPersonRead(t *testing.T) {
	rg := newRegistry(t)
	admin := actorOn(0, "sys.admin", []linli.Role{linli.RoleSystemAdmin}, rg.tr.district)
	for _, target := range []string{"/api/v1/persons", personPath(rg.personA.ID, ""), "/api/v1/tags", "/api/v1/buildings",
		"/api/v1/migrants/expiring", fmt.Sprintf("/api/v1/households/%d", rg.householdB)} {
		mustProblem(t, rg.get(admin, target), http.StatusForbidden)
	}
}
