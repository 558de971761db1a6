package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/config"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

// cmdInit prepares an empty deployment: the top area, an org unit for the
// platform's administrators, and the three separated admin accounts with
// one-time passwords. There are no default accounts.
func cmdInit(ctx context.Context, e env, args []string) int {
	cfg := config.Defaults()
	fs := newFlagSet(e, "init [flags]", "Prepare an empty database: migrate, create the district (top node of the area tree), an org unit\nfor the administrators, and the three separated admin accounts (system, security, audit) with\none-time passwords that must be changed at first login. Refuses when a district already exists.")
	cfg.RegisterStore(fs, e.getenv)
	code := fs.String("district-code", "", "12-digit statistical division code of the district, e.g. 110101000000")
	name := fs.String("district-name", "", "name of the district, e.g. 东城区")
	org := fs.String("org-name", "", "org unit of the administrators (default: <district>社区服务平台管理中心)")
	if c, ok := parse(fs, e, args); !ok {
		return c
	}
	if *code == "" || *name == "" {
		fmt.Fprintln(e.stderr, "linli: init needs --district-code and --district-name")
		return 2
	}
	if *org == "" {
		*org = strings.TrimSpace(*name) + "社区服务平台管理中心"
	}
	s, keys, err := openStore(ctx, e, cfg, true)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	defer s.Close()
	con := linli.ConsoleActor()
	existing, err := s.Areas(ctx, con, store.AreaFilter{Level: linli.LevelDistrict, IncludeRetired: true})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	if len(existing) > 0 {
		fmt.Fprintf(e.stderr, "linli: the database already has a district (%s); use the web interface or `linli user add`\n", existing[0].Name)
		return 1
	}
	d, err := s.CreateArea(ctx, con, linli.AreaInput{Level: linli.LevelDistrict, Name: *name, Code: *code})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: district: %s\n", describe(err))
		return 1
	}
	ou, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: *org, Kind: "district_office", AreaID: d.ID})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: org unit: %s\n", describe(err))
		return 1
	}
	hasher := auth.NewHasher(auth.DefaultParams, 1)
	fmt.Fprintf(e.stdout, "created district %s (%s) and org unit %s\n\nOne-time passwords (each must be changed at first login; each account then enrols TOTP):\n", d.Name, d.Code, ou.Name)
	for _, a := range []struct {
		user, display string
		role          linli.Role
	}{{"sys.admin", "系统管理员", linli.RoleSystemAdmin}, {"sec.admin", "安全管理员", linli.RoleSecurityAdmin}, {"audit.admin", "审计管理员", linli.RoleAuditAdmin}} {
		pw, _, _ := newPassword("", "default", a.user)
		hash, err := web.HashPassword(hasher, keys, pw)
		if err != nil {
			fmt.Fprintf(e.stderr, "linli: %v\n", err)
			return 1
		}
		if _, err := s.CreateUser(ctx, con, linli.UserInput{Username: a.user, DisplayName: a.display, Roles: []linli.Role{a.role},
			OrgUnitID: ou.ID, ScopeIDs: []int64{d.ID}, MustChangePassword: true}, hash); err != nil {
			fmt.Fprintf(e.stderr, "linli: %s: %s\n", a.user, describe(err))
			return 1
		}
		fmt.Fprintf(e.stdout, "  %-12s %-14s %s\n", a.user, a.role, pw)
	}
	return 0
}
