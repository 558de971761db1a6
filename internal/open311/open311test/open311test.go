// Package open311test builds what the Open311 tests share: a server made
// exactly as `linli serve` makes it (cheaper argon2 parameters aside), a
// small catalogue of services and API tokens.
package open311test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/api"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/open311"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

// Codes of the catalogue that Catalogue creates.
const (
	Repair  = "CT-REPAIR-LIGHT"   // repair (public space), realtime, a required list and a multivaluelist
	Assist  = "CT-ASSIST-SUBSIDY" // assistance to government: batch, no attributes
	Consult = "CT-CONSULT"        // a resident's own matter, anonymous allowed
	Private = "CT-PRIVATE"        // not public: not in Open311
	Refused = "CT-NEGATIVE"       // on the negative list: not in Open311
	Retired = "CT-RETIRED"        // retired: not in Open311
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Env is a running server.
type Env struct {
	Store  *store.Store
	Keys   *seal.Keyring
	Clock  *Clock
	Server *httptest.Server
	URL    string // the Open311 endpoint, without the trailing slash
}

// Seeder fills a fresh, migrated store before the server starts.
type Seeder func(ctx context.Context, st *store.Store, hashPassword func(pw string) (string, error)) error

// New starts a server over a fresh SQLite store filled by seed.
func New(t testing.TB, seed Seeder) *Env {
	t.Helper()
	ctx := context.Background()
	clock := &Clock{now: time.Now().UTC()}
	keys := seal.Generate()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "open311.db"), store.Options{Now: clock.Now, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	if seed != nil {
		if err := seed(ctx, st, func(pw string) (string, error) { return web.HashPassword(hasher, keys, pw) }); err != nil {
			t.Fatal(err)
		}
	}
	o311, err := open311.New(open311.Deps{Store: st, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{Store: st, Keys: keys, Hasher: hasher, API: api.New(api.Deps{Store: st}), Open311: o311})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return &Env{Store: st, Keys: keys, Clock: clock, Server: srv, URL: srv.URL + "/open311/v2"}
}

// Catalogue creates the test catalogue (the codes above). unitID is the
// default unit of the services (0: none).
func Catalogue(ctx context.Context, st *store.Store, unitID int64) error {
	con := linli.ConsoleActor()
	dl := map[linli.Priority]linli.Deadline{
		linli.PriorityNormal:   {N: 3, Unit: linli.UnitWorkingDays},
		linli.PriorityUrgent:   {N: 24, Unit: linli.UnitHours},
		linli.PriorityCritical: {N: 2, Unit: linli.UnitHours},
	}
	svs := []linli.Service{
		{Code: Repair, NameZh: "楼道灯、路灯报修", NameEn: "Broken stair or street lights", Group: "repair", Duty: linli.DutyOwn,
			Description: "楼道灯、路灯不亮或损坏", DescriptionEn: "A stair or street light is out or broken",
			Keywords: []string{"路灯", "楼道灯", "照明"}, Public: true, ReopenOnBad: true, Deadlines: dl, DefaultUnitID: unitID,
			Attrs: []linli.ServiceAttr{
				{Code: "what", Datatype: linli.AttrSingleValue, Required: true, Variable: true, Order: 1, Description: "损坏设施",
					DescriptionEn: "What is broken", Values: []linli.AttrValue{{Key: "stair", Name: "楼道灯", NameEn: "Stair light"},
						{Key: "street", Name: "路灯", NameEn: "Street light"}, {Key: "lift", Name: "电梯照明", NameEn: "Lift light"}}},
				{Code: "floors", Datatype: linli.AttrMultiValue, Variable: true, Order: 2, Description: "楼层", DescriptionEn: "Floors",
					Values: []linli.AttrValue{{Key: "1", Name: "一层"}, {Key: "2", Name: "二层"}, {Key: "3", Name: "三层"}}},
				{Code: "safety", Datatype: linli.AttrText, Variable: false, Order: 3, Description: "夜间请注意安全，勿自行维修",
					DescriptionEn: "Take care at night; do not repair it yourself"},
			}},
		{Code: Assist, NameZh: "高龄津贴申请协助", NameEn: "Help applying for the old-age allowance", Group: "elderly",
			Duty: linli.DutyAssist, Authority: "区民政局", Funding: "区财政", Public: true, Deadlines: dl, DefaultUnitID: unitID,
			Description: "协助八十周岁以上老人申请高龄津贴"},
		{Code: Consult, NameZh: "政策咨询", NameEn: "Policy questions", Group: "consultation", Duty: linli.DutyOwn, Public: true,
			Anonymous: true, Deadlines: dl, DefaultUnitID: unitID, Description: "社保、医保、养老等政策咨询",
			Attrs: []linli.ServiceAttr{
				{Code: "when", Datatype: linli.AttrDatetime, Variable: true, Order: 1, Description: "方便回电的时间"},
				{Code: "people", Datatype: linli.AttrNumber, Variable: true, Order: 2, Description: "涉及人数"},
			}},
		{Code: Private, NameZh: "内部事项", NameEn: "Internal matter", Group: "other", Duty: linli.DutyOwn, Deadlines: dl},
		{Code: Refused, NameZh: "无犯罪记录证明", NameEn: "No criminal record certificate", Group: "certificate",
			Duty: linli.DutyNegative, Referral: "公安机关", Public: true},
		{Code: Retired, NameZh: "旧事项", NameEn: "Old matter", Group: "other", Duty: linli.DutyOwn, Public: true, Deadlines: dl},
	}
	for _, sv := range svs {
		if _, err := st.SaveService(ctx, con, sv); err != nil {
			return err
		}
	}
	return st.RetireService(ctx, con, Retired, true)
}

// Token creates an API token with a role over areas and returns it. The
// token is created by a system administrator of the areas' district (made
// on first use), as on the 接口令牌 page.
func Token(ctx context.Context, st *store.Store, name string, role linli.Role, areaIDs ...int64) (string, error) {
	con := linli.ConsoleActor()
	if len(areaIDs) == 0 {
		return "", errors.New("open311test: a token needs a scope")
	}
	ar, err := st.Area(ctx, con, areaIDs[0])
	if err != nil {
		return "", err
	}
	districtID, _ := strconv.ParseInt(strings.Split(strings.Trim(ar.Path, "/"), "/")[0], 10, 64)
	district, err := st.Area(ctx, con, districtID)
	if err != nil {
		return "", err
	}
	const admin = "open311-tokens"
	uid, err := st.UserIDByName(ctx, admin)
	if errors.Is(err, linli.ErrNotFound) {
		ou, err := st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "接口管理", Kind: "district_office", AreaID: districtID})
		if err != nil {
			return "", err
		}
		u, err := st.CreateUser(ctx, con, linli.UserInput{Username: admin, DisplayName: "接口管理员", Roles: []linli.Role{linli.RoleSystemAdmin},
			OrgUnitID: ou.ID, ScopeIDs: []int64{districtID}}, "unused")
		if err != nil {
			return "", err
		}
		uid = u.ID
	} else if err != nil {
		return "", err
	}
	a := linli.NewActor(uid, admin, []linli.Role{linli.RoleSystemAdmin}, linli.Scope{AreaIDs: []int64{districtID}, Paths: []string{district.Path}})
	tok, hash, err := auth.NewToken("lt_")
	if err != nil {
		return "", err
	}
	_, err = st.CreateAPIToken(ctx, a, name, role, areaIDs, hash)
	return tok, err
}
