// Package demo seeds a realistic synthetic district for `linli demo`: the
// area tree of 北京市东城区 (real street codes, plausible communities and
// grids), its org units, and one account per role, all sharing one demo
// password.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/calendar"
	"github.com/linli-org/linli/internal/store"
)

// SeededKey is the setting that marks a database as seeded; Seed sets it to
// "1" after everything else is in place.
const SeededKey = "demo.seeded"

// DemoPassword is the password of every demo account. It is not on the
// common-password list, has four character classes and 15 characters, and
// contains no demo username, so it passes both the default and the 等保
// password policy.
const DemoPassword = "Linli-Demo-2026" // #nosec G101 -- the demo's published password for synthetic accounts, printed to the operator

// Login is one demo account as shown to the operator after seeding.
type Login struct {
	Role        linli.Role
	Username    string
	Password    string
	DisplayName string
	Scope       string // display path of the account's scope, "" for none
}

// Logins lists the demo accounts in display order. It reads nothing from
// the database.
func Logins() []Login {
	byCode := map[string]node{}
	for _, n := range plan() {
		byCode[n.Code] = n
	}
	out := make([]Login, 0, len(accounts))
	for _, ac := range accounts {
		out = append(out, Login{
			Role:        ac.Role,
			Username:    ac.Username,
			Password:    DemoPassword,
			DisplayName: ac.DisplayName,
			Scope:       scopeLabel(byCode, ac.ScopeCode),
		})
	}
	return out
}

// Seed creates the demo district, its org units and accounts, the service
// catalogue and the responsibility map, and loads the built-in holiday
// calendar (calendar.China) as the console actor, then sets SeededKey. When SeededKey is already "1" it creates nothing and
// returns the logins with seeded=false.
//
// hashPassword turns DemoPassword into the value the store keeps (the
// caller hashes and seals it); Seed calls it once and gives the result to
// every account.
//
// The store commits each node, org unit and account in its own transaction,
// so an interrupted Seed leaves part of the tree behind. Running Seed again
// resumes: nodes, org units and accounts that already exist (by code, by
// area and name, by username) are reused rather than created twice.
func Seed(ctx context.Context, s *store.Store, hashPassword func(pw string) (string, error)) (logins []Login, seeded bool, err error) {
	logins = Logins()
	v, err := s.Setting(ctx, SeededKey)
	if err != nil {
		return nil, false, fmt.Errorf("demo: read %s: %w", SeededKey, err)
	}
	if v == "1" {
		return logins, false, nil
	}
	if hashPassword == nil {
		return nil, false, errors.New("demo: no password hasher")
	}
	hash, err := hashPassword(DemoPassword)
	if err != nil {
		return nil, false, fmt.Errorf("demo: hash password: %w", err)
	}
	defer quickWrites(ctx, s)()
	sd, err := newSeeder(ctx, s)
	if err != nil {
		return nil, false, err
	}
	tree := plan()
	for _, n := range tree {
		if err := sd.area(ctx, n); err != nil {
			return nil, false, err
		}
	}
	for _, o := range orgUnits(tree) {
		if err := sd.orgUnit(ctx, o); err != nil {
			return nil, false, err
		}
	}
	for _, ac := range accounts {
		if err := sd.account(ctx, ac, hash); err != nil {
			return nil, false, err
		}
	}
	// The service catalogue and the responsibility map (services.go,
	// routes.go).
	if err := sd.catalogue(ctx); err != nil {
		return nil, false, err
	}
	if err := sd.routeMap(ctx, tree); err != nil {
		return nil, false, err
	}
	// The built-in holiday arrangements, for work-order deadlines; days
	// already in the calendar are kept.
	if _, err := s.LoadCalendarDays(ctx, sd.actor, calendar.China()); err != nil {
		return nil, false, fmt.Errorf("demo: load the calendar: %w", err)
	}
	if err := s.SetSetting(ctx, sd.actor, SeededKey, "1"); err != nil {
		return nil, false, fmt.Errorf("demo: set %s: %w", SeededKey, err)
	}
	return logins, true, nil
}

// seeder creates what is missing and remembers what exists.
type seeder struct {
	s     *store.Store
	actor linli.Actor
	areas map[string]linli.Area // live nodes by code
	orgs  map[orgKey]int64      // org unit ids by area and name
}

type orgKey struct {
	areaID int64
	name   string
}

// newSeeder loads the live nodes and the org units already in the store.
func newSeeder(ctx context.Context, s *store.Store) (*seeder, error) {
	sd := &seeder{s: s, actor: linli.ConsoleActor(), areas: map[string]linli.Area{}, orgs: map[orgKey]int64{}}
	areas, err := s.Areas(ctx, sd.actor, store.AreaFilter{})
	if err != nil {
		return nil, fmt.Errorf("demo: list areas: %w", err)
	}
	for _, a := range areas {
		sd.areas[a.Code] = a
	}
	orgs, err := s.OrgUnits(ctx, sd.actor)
	if err != nil {
		return nil, fmt.Errorf("demo: list org units: %w", err)
	}
	for _, o := range orgs {
		sd.orgs[orgKey{o.AreaID, o.Name}] = o.ID
	}
	return sd, nil
}

// area creates node n unless a live node with its code exists; an existing
// node must have the same level and parent, or the database holds a
// different tree and Seed stops.
func (sd *seeder) area(ctx context.Context, n node) error {
	var parentID int64
	if n.ParentCode != "" {
		p, ok := sd.areas[n.ParentCode]
		if !ok {
			return fmt.Errorf("demo: parent %s of %s missing", n.ParentCode, n.Code)
		}
		parentID = p.ID
	}
	if a, ok := sd.areas[n.Code]; ok {
		if a.Level != n.Level || a.ParentID != parentID {
			return fmt.Errorf("demo: area %s (%s) already exists elsewhere in the tree: %w", n.Code, a.Name, linli.ErrConflict)
		}
		return nil
	}
	a, err := sd.s.CreateArea(ctx, sd.actor, linli.AreaInput{ParentID: parentID, Level: n.Level, Name: n.Name, Code: n.Code})
	if err != nil {
		return fmt.Errorf("demo: create area %s %s: %w", n.Code, n.Name, err)
	}
	sd.areas[n.Code] = a
	return nil
}

// orgUnit creates o unless its area already has an org unit of that name.
func (sd *seeder) orgUnit(ctx context.Context, o orgPlan) error {
	a, ok := sd.areas[o.AreaCode]
	if !ok {
		return fmt.Errorf("demo: area %s of org unit %s missing", o.AreaCode, o.Name)
	}
	k := orgKey{a.ID, o.Name}
	if _, ok := sd.orgs[k]; ok {
		return nil
	}
	var sup int64
	if o.Supervisor != "" {
		sa, ok := sd.areas[o.SupervisorArea]
		if !ok {
			return fmt.Errorf("demo: area %s of the supervisor of %s missing", o.SupervisorArea, o.Name)
		}
		if sup, ok = sd.orgs[orgKey{sa.ID, o.Supervisor}]; !ok {
			return fmt.Errorf("demo: supervisor %s of %s missing", o.Supervisor, o.Name)
		}
	}
	ou, err := sd.s.CreateOrgUnit(ctx, sd.actor, linli.OrgUnit{Name: o.Name, Kind: o.Kind, AreaID: a.ID, Email: o.Email, SupervisorID: sup})
	if err != nil {
		return fmt.Errorf("demo: create org unit %s: %w", o.Name, err)
	}
	sd.orgs[k] = ou.ID
	return nil
}

// account creates the account unless its username is taken.
func (sd *seeder) account(ctx context.Context, ac accountPlan, hash string) error {
	if _, err := sd.s.LoginInfo(ctx, ac.Username); err == nil {
		return nil
	} else if !errors.Is(err, linli.ErrNotFound) {
		return fmt.Errorf("demo: look up %s: %w", ac.Username, err)
	}
	in := linli.UserInput{Username: ac.Username, DisplayName: ac.DisplayName, Roles: []linli.Role{ac.Role}}
	if ac.OrgName != "" {
		a, ok := sd.areas[ac.OrgArea]
		if !ok {
			return fmt.Errorf("demo: area %s of %s missing", ac.OrgArea, ac.Username)
		}
		id, ok := sd.orgs[orgKey{a.ID, ac.OrgName}]
		if !ok {
			return fmt.Errorf("demo: org unit %s of %s missing", ac.OrgName, ac.Username)
		}
		in.OrgUnitID = id
	}
	if ac.ScopeCode != "" {
		a, ok := sd.areas[ac.ScopeCode]
		if !ok {
			return fmt.Errorf("demo: scope %s of %s missing", ac.ScopeCode, ac.Username)
		}
		in.ScopeIDs = []int64{a.ID}
	}
	if _, err := sd.s.CreateUser(ctx, sd.actor, in, hash); err != nil {
		return fmt.Errorf("demo: create user %s: %w", ac.Username, err)
	}
	return nil
}

// CommunityA returns community A (多福巷社区), where the community head, the
// first community worker and the grid worker work.
func CommunityA(ctx context.Context, s *store.Store) (linli.Area, error) {
	return AreaByCode(ctx, s, CommunityACode)
}

// CommunityB returns community B (银闸社区), home of the second community
// worker.
func CommunityB(ctx context.Context, s *store.Store) (linli.Area, error) {
	return AreaByCode(ctx, s, CommunityBCode)
}

// AreaByCode returns the live node with code, read as the console actor;
// ErrNotFound when there is none.
func AreaByCode(ctx context.Context, s *store.Store, code string) (linli.Area, error) {
	areas, err := s.Areas(ctx, linli.ConsoleActor(), store.AreaFilter{Query: code})
	if err != nil {
		return linli.Area{}, err
	}
	for _, a := range areas {
		if a.Code == code {
			return a, nil
		}
	}
	return linli.Area{}, fmt.Errorf("demo: area %s: %w", code, linli.ErrNotFound)
}

// Fresh reports whether the store holds no area yet: nothing has been
// seeded, so seeding may stamp its records with an earlier time than the
// present (the work-order history's start) and the audit record's times
// still follow its sequence.
func Fresh(ctx context.Context, s *store.Store) (bool, error) {
	counts, err := s.AreaCounts(ctx, linli.ConsoleActor())
	if err != nil {
		return false, fmt.Errorf("demo: count areas: %w", err)
	}
	return len(counts) == 0, nil
}
