package web_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

// The fixtures of the security checks (security_checks_test.go): every
// route of the three HTTP surfaces read from their route tables, and a
// community full of objects of every kind a route can name.

// anyRoute is one route of the web interface, the JSON API or Open311.
type anyRoute struct {
	method, path string
	surface      string // "html", "api", "open311"
}

func (r anyRoute) String() string { return r.method + " " + r.path }

// allRoutes reads every route from internal/web/routes.go,
// internal/api/routes.go and internal/open311/routes.go (an Open311
// resource is served with the suffixes .json and .xml; the photo route
// media/{name} lives outside its table), so that a new route is covered
// without editing the checks.
func allRoutes(t *testing.T) []anyRoute {
	t.Helper()
	var out []anyRoute
	for _, r := range routesFrom(t, "routes.go", regexp.MustCompile(`(?:s\.handle|s\.mux\.Handle)\("(GET|POST|PUT|PATCH|DELETE) (/[^"]*)"`)) {
		out = append(out, anyRoute{r.method, r.path, "html"})
	}
	for _, r := range routesFrom(t, "../api/routes.go", regexp.MustCompile(`method: "(GET|POST|PATCH|PUT|DELETE)", path: "(/api/v1/[^"]*)"`)) {
		out = append(out, anyRoute{r.method, r.path, "api"})
	}
	for _, r := range routesFrom(t, "../open311/routes.go", regexp.MustCompile(`\{http\.Method(Get|Post|Put|Patch|Delete), "([^"]+)"`)) {
		out = append(out, anyRoute{strings.ToUpper(r.method), "/open311/v2/" + r.path + ".json", "open311"})
		out = append(out, anyRoute{strings.ToUpper(r.method), "/open311/v2/" + r.path + ".xml", "open311"})
	}
	if _, err := os.Stat("../open311/media.go"); err == nil {
		out = append(out, anyRoute{http.MethodGet, "/open311/v2/media/{name}", "open311"})
	}
	return out
}

// world is one community's objects of every kind that a route names, and
// what of them must never reach anyone outside it.
type world struct {
	area, grid linli.Area
	user       int64 // the community worker
	session    int64 // one of the worker's sessions
	unit       int64 // the community's committee
	persons    []linli.Person
	idNumbers  []string
	phones     []string
	households []int64
	buildings  []int64
	rooms      []int64
	orders     []linli.WorkOrder
	photos     []string
	notices    []int64
	outbox     []int64
	routes     []int64
	certs      []int64
	imports    []int64
	exports    []int64
	// secrets are strings that only the community's own staff may see:
	// names, ID numbers and phones with their masks, order numbers,
	// certificate numbers, buildings, the worker's name.
	secrets []string
	// orderNumbers are among the secrets but public on Open311 (GeoReport
	// v2 gives anyone the status of a request by its number).
	orderNumbers []string
}

// buildWorld fills community code (whose worker is the account worker)
// with residents, a household, a building, work orders with a photo and a
// certificate, a notice and an outbox message, an import and an export.
// names, ids and phones are its residents'.
func buildWorld(t *testing.T, e *env, code, worker string, names, ids, phones []string) world {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	w := world{area: e.area(code)}
	grids, err := e.st.Areas(ctx, con, storeFilterParent(w.area.ID))
	if err != nil || len(grids) == 0 {
		t.Fatalf("grids of %s: %v", code, err)
	}
	w.grid = grids[0]
	if w.user, err = e.st.UserIDByName(ctx, worker); err != nil {
		t.Fatal(err)
	}
	u, err := e.st.User(ctx, con, w.user)
	if err != nil {
		t.Fatal(err)
	}
	w.unit = u.OrgUnitID
	_, hash, _ := auth.NewToken("s_")
	sess, err := e.st.CreateSession(ctx, w.user, hash, "done", storeClient(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	w.session = sess.ID
	b, err := e.st.CreateBuilding(ctx, con, store.BuildingInput{GridID: w.grid.ID, Name: names[0][:3] + "里7号楼", Floors: 6})
	if err != nil {
		t.Fatal(err)
	}
	room, err := e.st.CreateRoom(ctx, con, b.ID, 0, "302")
	if err != nil {
		t.Fatal(err)
	}
	w.buildings, w.rooms = append(w.buildings, b.ID), append(w.rooms, room.ID)
	w.secrets = append(w.secrets, b.Name, u.DisplayName)
	for i, name := range names {
		var roomID int64
		if i == 0 {
			roomID = room.ID
		}
		p := e.person(name, ids[i], phones[i], w.grid, roomID)
		w.persons, w.idNumbers, w.phones = append(w.persons, p), append(w.idNumbers, ids[i]), append(w.phones, phones[i])
		w.secrets = append(w.secrets, name, ids[i], seal.MaskIDNumber(ids[i]), phones[i], seal.MaskPhone(phones[i]))
	}
	h, err := e.st.CreateHousehold(ctx, con, w.persons[0].ID, linli.HouseholdSingle, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.households = append(w.households, h.ID)
	if w.persons[0], err = e.st.Person(ctx, con, w.persons[0].ID); err != nil {
		t.Fatal(err)
	}

	// A resident's request with a notice and an outbox message; a photo
	// of another; a certificate issued by the worker (certificates_test.go).
	o, n := residentOrder(t, e, w.area.ID)
	w.orders, w.notices = append(w.orders, o), append(w.notices, n.ID)
	photo := residentPhotoIn(t, e, w.area.ID)
	w.photos = append(w.photos, photo.Name)
	msgs, err := e.st.Outbox(ctx, con, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.OrderID == o.ID {
			w.outbox = append(w.outbox, m.ID)
		}
	}
	if len(w.outbox) == 0 {
		t.Fatal("no outbox message of the resident's request")
	}
	w.routes = append(w.routes, woRouteIn(t, e, w.area.ID))
	cert := issuedCertificate(t, e, worker, w.grid, names[len(names)-1]+"子", residentID(ids[len(ids)-1][:6]+"20100101001"))
	w.certs = append(w.certs, cert.ID)
	w.secrets = append(w.secrets, cert.Number, names[len(names)-1]+"子")
	orders, err := e.st.ListWorkOrders(ctx, con, store.WOFilter{AreaID: w.area.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range orders {
		if x.ID != o.ID {
			w.orders = append(w.orders, x)
		}
	}
	for _, x := range w.orders {
		w.secrets, w.orderNumbers = append(w.secrets, x.Number), append(w.orderNumbers, x.Number)
	}

	// The worker's import (its preview shows the file) and export.
	a := e.actorOf(worker)
	csv := "姓名,身份证号,手机\r\n" + names[0] + "," + ids[0] + "," + phones[0] + "\r\n"
	job, _, err := e.st.UploadPersonImport(ctx, a, "台账.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	w.imports = append(w.imports, job.ID)
	// Started without a grid column: every row fails, and the job has an
	// error report.
	if err := e.st.StartPersonImport(ctx, a, job.ID, []string{"name", "id_number", "phones"}); err != nil {
		t.Fatal(err)
	}
	ex, err := e.st.StartPersonExport(ctx, a, store.ExportRequest{Format: store.FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	w.exports = append(w.exports, ex.ID)
	e.runJobs()
	return w
}

// idsFor returns ids of w's objects for a route's {id} (and its other
// parameters are filled by fill): the kind is read from the path.
func (w world) idsFor(t *testing.T, path string) []int64 {
	t.Helper()
	p := strings.TrimPrefix(strings.TrimPrefix(path, "/api/v1"), "/admin")
	switch {
	case strings.HasPrefix(p, "/areas/"):
		return []int64{w.area.ID, w.grid.ID}
	case strings.HasPrefix(p, "/users/"):
		return []int64{w.user}
	case strings.HasPrefix(p, "/account/sessions/"), strings.HasPrefix(p, "/tokens/"):
		return []int64{w.session}
	case strings.HasPrefix(p, "/persons/"):
		var out []int64
		for _, x := range w.persons {
			out = append(out, x.ID)
		}
		return out
	case strings.HasPrefix(p, "/households/"):
		return w.households
	case strings.HasPrefix(p, "/buildings/"):
		return w.buildings
	case strings.HasPrefix(p, "/rooms/"):
		return w.rooms
	case strings.HasPrefix(p, "/notices/"):
		return w.notices
	case strings.HasPrefix(p, "/outbox/"):
		return w.outbox
	case strings.HasPrefix(p, "/routes/"):
		return w.routes
	case strings.HasPrefix(p, "/certificates/"):
		return w.certs
	case strings.HasPrefix(p, "/wo/"), strings.HasPrefix(p, "/my/requests/"), strings.HasPrefix(p, "/work-orders/"), strings.HasPrefix(p, "/callbacks/"):
		var out []int64
		for _, o := range w.orders {
			out = append(out, o.ID)
		}
		return out
	}
	t.Fatalf("no ids for route %s: extend world.idsFor", path)
	return nil
}

// fill puts w's objects into a route's path parameters; pick chooses
// among candidates.
func (w world) fill(t *testing.T, path string, pick func(n int) int) string {
	t.Helper()
	return paramRE.ReplaceAllStringFunc(path, func(m string) string {
		switch m {
		case "{id}":
			ids := w.idsFor(t, path)
			return itoa(ids[pick(len(ids))])
		case "{sid}":
			return itoa(w.session)
		case "{job}":
			jobs := append(append([]int64{}, w.imports...), w.exports...)
			if strings.HasPrefix(path, "/imports/") {
				jobs = w.imports
			} else if strings.HasPrefix(path, "/exports/") {
				jobs = w.exports
			}
			return itoa(jobs[pick(len(jobs))])
		case "{name}":
			return w.photos[pick(len(w.photos))]
		case "{code}":
			// The catalogues (tags, services) are not scoped: a code.
			if strings.Contains(path, "/tags/") {
				return "elderly_alone"
			}
			return "REPAIR-PUBLIC"
		case "{service_code}":
			return "REPAIR-PUBLIC"
		case "{service_request_id}":
			return w.orders[pick(len(w.orders))].Number
		case "{token}":
			return "nope"
		case "{date}":
			return "2026-10-01"
		case "{$}":
			return ""
		}
		t.Fatalf("route %s: no value for %s; extend world.fill", path, m)
		return ""
	})
}

var paramRE = regexp.MustCompile(`\{[^}]*\}`)

// ghost is path as fill makes it, but naming objects that do not exist.
func ghost(path string) string {
	return paramRE.ReplaceAllStringFunc(path, func(m string) string {
		switch m {
		case "{id}", "{sid}", "{job}":
			return "99999999"
		case "{name}":
			return "0123456789abcdef0123456789abcdef"
		}
		return m
	})
}

// objectRoute says whether a route names one object of a community by a
// path parameter (as opposed to a list, a form, a create or a catalogue
// entry): out of scope it must be 404 (or 403 where the API refuses the
// role first).
func objectRoute(r anyRoute) bool {
	if r.surface == "open311" {
		// GeoReport v2 is public: a request's status is anyone's to read
		// by its number; only its photos are the key holder's.
		return strings.Contains(r.path, "/media/")
	}
	for _, p := range []string{"{id}", "{sid}", "{job}", "{name}"} {
		if strings.Contains(r.path, p) {
			return true
		}
	}
	return false
}

// fingerprint is a digest of every row of every table with a path under
// w's community, and of the rows of w's account, sessions, notices,
// outbox messages and jobs: any write into the community changes it.
func (w world) fingerprint(t *testing.T, e *env) string {
	t.Helper()
	db := e.st.DB()
	h := sha256.New()
	tables := pathTables(t, db)
	lo, hi := w.area.Path, w.area.Path[:len(w.area.Path)-1]+"0"
	for _, tb := range tables {
		fmt.Fprintf(h, "[%s]", tb)
		digestRows(t, h, db, `SELECT * FROM `+tb+` WHERE path >= ? AND path < ? ORDER BY 1, 2, 3`, lo, hi)
	}
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`SELECT * FROM users WHERE id = ?`, w.user},
		{`SELECT id, user_id, revoked_at, mfa FROM sessions WHERE user_id = ? ORDER BY id`, w.user},
		{`SELECT * FROM notices WHERE id = ?`, w.notices[0]},
		{`SELECT * FROM outbox WHERE id = ?`, w.outbox[0]},
		{`SELECT id, kind, state, params FROM jobs WHERE actor_id = ? ORDER BY id`, w.user},
		{`SELECT * FROM service_routes WHERE id = ?`, w.routes[0]},
	} {
		digestRows(t, h, db, q.sql, q.arg)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func pathTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'path' ORDER BY m.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if len(out) < 8 {
		t.Fatalf("only %d tables with a path: %v", len(out), out)
	}
	return out
}

func digestRows(t *testing.T, h interface{ Write([]byte) (int, error) }, db *sql.DB, q string, args ...any) {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%v\n", vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// tableCounts counts the rows of every table.
func tableCounts(t *testing.T, e *env) map[string]int {
	t.Helper()
	db := e.st.DB()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int{}
	for _, n := range names {
		var c int
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + n + `"`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

// staffOf creates an account with one role in one org unit and scope.
func (e *env) staffOf(username, display string, role linli.Role, unit int64, scope ...int64) {
	e.t.Helper()
	h := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	hash, err := web.HashPassword(h, e.keys, "Staff-Pass-2026-x")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUser(context.Background(), linli.ConsoleActor(), linli.UserInput{Username: username, DisplayName: display,
		Roles: []linli.Role{role}, OrgUnitID: unit, ScopeIDs: scope}, hash); err != nil {
		e.t.Fatalf("CreateUser(%s): %v", username, err)
	}
}

// tokenFor creates an API token with one role over scope and returns it.
func (e *env) tokenFor(role linli.Role, scope ...int64) string {
	e.t.Helper()
	tok, hash, err := auth.NewToken("lt_")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateAPIToken(context.Background(), e.actorOf("sys.admin"), "security check", role, scope, hash); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// client is how a check sends requests: a session cookie, or a bearer
// token (API) and an api_key (Open311).
type checkClient struct {
	name  string
	c     *http.Client
	token string
}

func (e *env) send(cc checkClient, method, path, ctype, body string, hdr http.Header) (*http.Response, string) {
	e.t.Helper()
	if cc.token != "" && strings.HasPrefix(path, "/open311/") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "api_key=" + url.QueryEscape(cc.token)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if cc.token != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+cc.token)
	}
	c := cc.c
	if c == nil {
		c = e.client()
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}
