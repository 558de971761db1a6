package demo_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeHasher records its calls and returns a recognisable "hash".
type fakeHasher struct{ calls []string }

func (f *fakeHasher) hash(pw string) (string, error) {
	f.calls = append(f.calls, pw)
	return "sealed:" + pw, nil
}

// snapshot is what a seeded database holds, to compare before and after.
type snapshot struct {
	areas    map[linli.Level]int
	orgUnits int
	users    int
	audit    int64
}

func take(t *testing.T, s *store.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	counts, err := s.AreaCounts(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := s.OrgUnits(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.CountUsers(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.BrokenSeq != 0 {
		t.Fatalf("audit chain broken at %d: %s", v.BrokenSeq, v.Reason)
	}
	return snapshot{areas: counts, orgUnits: len(orgs), users: users, audit: v.Records}
}

func (a snapshot) equal(b snapshot) bool {
	if a.orgUnits != b.orgUnits || a.users != b.users || a.audit != b.audit || len(a.areas) != len(b.areas) {
		return false
	}
	for l, n := range a.areas {
		if b.areas[l] != n {
			return false
		}
	}
	return true
}

func mustSeed(t *testing.T, s *store.Store, h *fakeHasher) []demo.Login {
	t.Helper()
	logins, seeded, err := demo.Seed(context.Background(), s, h.hash)
	if err != nil {
		t.Fatal(err)
	}
	if !seeded {
		t.Fatal("first Seed reported seeded=false")
	}
	return logins
}

// userNamed finds an account by exact username as the console actor.
func userNamed(t *testing.T, s *store.Store, username string) linli.User {
	t.Helper()
	users, err := s.Users(context.Background(), linli.ConsoleActor(), store.UserFilter{Query: username, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			full, err := s.User(context.Background(), linli.ConsoleActor(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full
		}
	}
	t.Fatalf("no user %q", username)
	return linli.User{}
}

func TestLoginsOnePerRole(t *testing.T) {
	logins := demo.Logins()
	perRole := map[linli.Role]int{}
	names := map[string]bool{}
	for _, l := range logins {
		perRole[l.Role]++
		if names[l.Username] {
			t.Errorf("username %q used twice", l.Username)
		}
		names[l.Username] = true
		if l.Password != demo.DemoPassword {
			t.Errorf("%s: password %q, want the demo password", l.Username, l.Password)
		}
		if strings.TrimSpace(l.DisplayName) == "" {
			t.Errorf("%s: no display name", l.Username)
		}
		if l.Role.IsStaff() != (l.Scope != "") {
			t.Errorf("%s (%s): scope %q", l.Username, l.Role, l.Scope)
		}
		if l.Role.IsStaff() && !strings.HasPrefix(l.Scope, demo.DistrictName) {
			t.Errorf("%s: scope %q does not start at the district", l.Username, l.Scope)
		}
	}
	for _, r := range linli.AllRoles {
		want := 1
		if r == linli.RoleCommunityWorker {
			want = 2
		}
		if perRole[r] != want {
			t.Errorf("role %s: %d logins, want %d", r, perRole[r], want)
		}
	}
	if len(perRole) != len(linli.AllRoles) {
		t.Errorf("logins cover %d roles, want %d", len(perRole), len(linli.AllRoles))
	}
	scopes := map[string]string{}
	for _, l := range logins {
		scopes[l.Username] = l.Scope
	}
	for user, want := range map[string]string{
		"comm.worker":   "东城区 / 东华门街道 / 多福巷社区",
		"comm.worker.b": "东城区 / 东华门街道 / 银闸社区",
		"grid.worker":   "东城区 / 东华门街道 / 多福巷社区 / 多福巷社区第1网格",
		"street.staff":  "东城区 / 东华门街道",
		"sys.admin":     "东城区",
		"resident":      "",
	} {
		if scopes[user] != want {
			t.Errorf("%s: scope %q, want %q", user, scopes[user], want)
		}
	}
}

func TestDemoPasswordPassesPolicy(t *testing.T) {
	for _, l := range demo.Logins() {
		for name, p := range map[string]auth.Policy{"default": auth.DefaultPolicy(), "dengbao": auth.DengbaoPolicy()} {
			if err := p.Check(demo.DemoPassword, l.Username); err != nil {
				t.Errorf("%s policy, user %s: %v", name, l.Username, err)
			}
		}
	}
}

func TestSeedBuildsDistrict(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := demo.CommunityA(ctx, s); !errors.Is(err, linli.ErrNotFound) {
		t.Fatalf("CommunityA before seeding: %v, want ErrNotFound", err)
	}
	h := &fakeHasher{}
	logins := mustSeed(t, s, h)
	if len(h.calls) != 1 || h.calls[0] != demo.DemoPassword {
		t.Fatalf("hashPassword calls %q, want exactly one with the demo password", h.calls)
	}
	if v, err := s.Setting(ctx, demo.SeededKey); err != nil || v != "1" {
		t.Fatalf("setting %s = %q, %v", demo.SeededKey, v, err)
	}

	con := linli.ConsoleActor()
	counts, err := s.AreaCounts(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	if counts[linli.LevelDistrict] != 1 || counts[linli.LevelStreet] < 8 || counts[linli.LevelCommunity] < 30 || counts[linli.LevelGrid] < 100 {
		t.Fatalf("area counts %v, want 1 district, ≥8 streets, ≥30 communities, ≥100 grids", counts)
	}

	// Every node validates against its parent, and the tree hangs together.
	areas, err := s.Areas(ctx, con, store.AreaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]linli.Area{}
	byCode := map[string]linli.Area{}
	for _, a := range areas {
		byID[a.ID] = a
		byCode[a.Code] = a
	}
	for _, a := range areas {
		var parent *linli.Area
		if a.ParentID != 0 {
			p, ok := byID[a.ParentID]
			if !ok {
				t.Fatalf("%s: parent %d missing", a.Code, a.ParentID)
			}
			parent = &p
		}
		if err := linli.ValidateArea(linli.AreaInput{ParentID: a.ParentID, Level: a.Level, Name: a.Name, Code: a.Code}, parent); err != nil {
			t.Errorf("%s %s: %v", a.Code, a.Name, err)
		}
	}
	for code, name := range map[string]string{
		demo.DistrictCode:   "东城区",
		"110101001000":      "东华门街道",
		"110101002000":      "景山街道",
		"110101008000":      "建国门街道",
		demo.CommunityACode: "多福巷社区",
		demo.CommunityBCode: "银闸社区",
		"110101001007":      "南池子社区",
		demo.GridA1Code:     "多福巷社区第1网格",
	} {
		if byCode[code].Name != name {
			t.Errorf("node %s is %q, want %q", code, byCode[code].Name, name)
		}
	}

	a, err := demo.CommunityA(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := demo.CommunityB(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != demo.CommunityACode || a.Level != linli.LevelCommunity || b.Code != demo.CommunityBCode || a.ID == b.ID {
		t.Fatalf("communities A %+v and B %+v", a, b)
	}
	if a.ParentID != b.ParentID || byID[a.ParentID].Code != demo.StreetCode {
		t.Errorf("A and B should both be in the first street")
	}
	if byID[byCode[demo.GridA1Code].ParentID].Code != demo.CommunityACode {
		t.Errorf("grid %s is not in community A", demo.GridA1Code)
	}

	// Org units: departments and the centre at the district, one office per
	// street, one committee per community, property companies in A and in
	// some other communities (never B). Each but the centre has a
	// supervisor: the centre for departments and street offices, the
	// street office for committees and property companies.
	orgs, err := s.OrgUnits(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	unitByID := map[int64]linli.OrgUnit{}
	for _, o := range orgs {
		unitByID[o.ID] = o
	}
	propertyInA := false
	for _, o := range orgs {
		kinds[o.Kind]++
		ar := byID[o.AreaID]
		sup := unitByID[o.SupervisorID]
		switch o.Kind {
		case "department", "district_office":
			if ar.Level != linli.LevelDistrict {
				t.Errorf("%s at %s", o.Name, ar.Level)
			}
			if o.Kind == "department" && sup.Kind != "district_office" {
				t.Errorf("department %s supervised by %q", o.Name, sup.Name)
			}
			if o.Email == "" {
				t.Errorf("%s has no mailbox", o.Name)
			}
		case "street_office":
			if ar.Level != linli.LevelStreet || o.Name != ar.Name+"办事处" {
				t.Errorf("street office %s at %s %s", o.Name, ar.Level, ar.Name)
			}
			if sup.Kind != "district_office" {
				t.Errorf("street office %s supervised by %q", o.Name, sup.Name)
			}
		case "community_committee":
			if ar.Level != linli.LevelCommunity || o.Name != ar.Name+"居民委员会" {
				t.Errorf("committee %s at %s %s", o.Name, ar.Level, ar.Name)
			}
			if sup.Kind != "street_office" || sup.AreaID != ar.ParentID {
				t.Errorf("committee %s supervised by %q", o.Name, sup.Name)
			}
		case "property_company":
			if ar.Level != linli.LevelCommunity || ar.ID == b.ID {
				t.Errorf("property company %s in %s %s", o.Name, ar.Level, ar.Name)
			}
			propertyInA = propertyInA || (ar.ID == a.ID && o.Name == demo.OrgPropertyA)
			if sup.Kind != "street_office" || sup.AreaID != ar.ParentID {
				t.Errorf("property company %s supervised by %q", o.Name, sup.Name)
			}
		}
	}
	if !propertyInA {
		t.Errorf("no %s in community A", demo.OrgPropertyA)
	}
	want := map[string]int{
		"department": 11, "district_office": 1, "property_company": 8,
		"street_office": counts[linli.LevelStreet], "community_committee": counts[linli.LevelCommunity],
	}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d org units of kind %s, want %d", kinds[k], k, n)
		}
	}

	// Every login exists with its one role, the shared hash and a scope
	// whose node is the last element of the displayed scope.
	for _, l := range logins {
		li, err := s.LoginInfo(ctx, l.Username)
		if err != nil {
			t.Fatalf("%s: %v", l.Username, err)
		}
		if li.PasswordHash != "sealed:"+demo.DemoPassword || li.MustChangePwd || li.Disabled {
			t.Errorf("%s: hash %q must-change %v disabled %v", l.Username, li.PasswordHash, li.MustChangePwd, li.Disabled)
		}
		if len(li.Roles) != 1 || li.Roles[0] != l.Role {
			t.Errorf("%s: roles %v, want [%s]", l.Username, li.Roles, l.Role)
		}
		u := userNamed(t, s, l.Username)
		if u.DisplayName != l.DisplayName {
			t.Errorf("%s: display name %q, want %q", l.Username, u.DisplayName, l.DisplayName)
		}
		if !l.Role.IsStaff() {
			if len(u.Scope) != 0 || u.OrgUnitID != 0 {
				t.Errorf("%s: scope %v org %d, want none", l.Username, u.Scope, u.OrgUnitID)
			}
			continue
		}
		if len(u.Scope) != 1 || u.OrgUnitID == 0 {
			t.Fatalf("%s: scope %v org %d", l.Username, u.Scope, u.OrgUnitID)
		}
		parts := strings.Split(l.Scope, " / ")
		if u.Scope[0].Name != parts[len(parts)-1] {
			t.Errorf("%s: scope node %s, login shows %q", l.Username, u.Scope[0].Name, l.Scope)
		}
	}

	cw := userNamed(t, s, "comm.worker")
	if cw.Scope[0].ID != a.ID || cw.OrgUnitName != "多福巷社区居民委员会" {
		t.Errorf("comm.worker scope %+v org %q, want community A", cw.Scope, cw.OrgUnitName)
	}
	cwb := userNamed(t, s, "comm.worker.b")
	if cwb.Scope[0].ID != b.ID || cwb.OrgUnitName != "银闸社区居民委员会" {
		t.Errorf("comm.worker.b scope %+v org %q, want community B", cwb.Scope, cwb.OrgUnitName)
	}
	if ds := userNamed(t, s, "dept.staff"); ds.OrgUnitName != demo.OrgCivilAffairs || ds.Scope[0].Code != demo.DistrictCode {
		t.Errorf("dept.staff org %q scope %v", ds.OrgUnitName, ds.Scope)
	}
	if da := userNamed(t, s, "district.admin"); da.OrgUnitName != demo.OrgServiceCenter || da.Scope[0].Code != demo.DistrictCode {
		t.Errorf("district.admin org %q scope %v", da.OrgUnitName, da.Scope)
	}
}

func TestSeedTwiceCreatesNothing(t *testing.T) {
	s := openStore(t)
	h := &fakeHasher{}
	first := mustSeed(t, s, h)
	before := take(t, s)
	logins, seeded, err := demo.Seed(context.Background(), s, h.hash)
	if err != nil {
		t.Fatal(err)
	}
	if seeded {
		t.Error("second Seed reported seeded=true")
	}
	if len(h.calls) != 1 {
		t.Errorf("second Seed hashed the password again (%d calls)", len(h.calls))
	}
	if len(logins) != len(first) {
		t.Errorf("second Seed returned %d logins, want %d", len(logins), len(first))
	}
	if after := take(t, s); !after.equal(before) {
		t.Errorf("second Seed changed the database: %+v -> %+v", before, after)
	}
}

// TestSeedResumes covers an interrupted Seed: what exists is reused, the
// rest is created, and nothing is duplicated.
func TestSeedResumes(t *testing.T) {
	ctx := context.Background()
	con := linli.ConsoleActor()

	// Part of the tree is already there, as after a crash.
	s := openStore(t)
	d, err := s.CreateArea(ctx, con, linli.AreaInput{Level: linli.LevelDistrict, Name: demo.DistrictName, Code: demo.DistrictCode})
	if err != nil {
		t.Fatal(err)
	}
	mustSeed(t, s, &fakeHasher{})
	districts, err := s.Areas(ctx, con, store.AreaFilter{Level: linli.LevelDistrict})
	if err != nil {
		t.Fatal(err)
	}
	if len(districts) != 1 || districts[0].ID != d.ID {
		t.Fatalf("districts %v, want only the existing one (id %d)", districts, d.ID)
	}

	// Everything is there but the marker.
	full := take(t, s)
	if err := s.SetSetting(ctx, con, demo.SeededKey, "0"); err != nil {
		t.Fatal(err)
	}
	mustSeed(t, s, &fakeHasher{})
	again := take(t, s)
	// Only the two setting writes are new in the audit record.
	again.audit -= 2
	if !again.equal(full) {
		t.Errorf("resumed Seed duplicated data: %+v -> %+v", full, again)
	}
}

// TestSeedRealHasher seeds with argon2id, logs how long the whole Seed
// takes and checks that the stored hash verifies the demo password.
func TestSeedRealHasher(t *testing.T) {
	if testing.Short() {
		t.Skip("argon2id seed in -short mode")
	}
	ctx := context.Background()
	s := openStore(t)
	h := auth.NewHasher(auth.Params{}, 0)
	start := time.Now()
	logins, seeded, err := demo.Seed(ctx, s, h.Hash)
	if err != nil || !seeded {
		t.Fatalf("seed: %v seeded=%v", err, seeded)
	}
	t.Logf("Seed took %v", time.Since(start))
	for _, l := range logins {
		li, err := s.LoginInfo(ctx, l.Username)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := h.Verify(l.Password, li.PasswordHash); err != nil || !ok {
			t.Errorf("%s: demo password does not verify (%v)", l.Username, err)
		}
	}
}

func TestSeedHashError(t *testing.T) {
	s := openStore(t)
	boom := errors.New("boom")
	_, seeded, err := demo.Seed(context.Background(), s, func(string) (string, error) { return "", boom })
	if !errors.Is(err, boom) || seeded {
		t.Fatalf("Seed with a failing hasher: %v seeded=%v", err, seeded)
	}
	counts, err := s.AreaCounts(context.Background(), linli.ConsoleActor())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Errorf("failed Seed created areas: %v", counts)
	}
}
