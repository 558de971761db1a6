package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// An org unit keeps its mailbox and its supervisor (migration 0007); a
// bad mailbox or an unknown supervisor is a field error.
func TestOrgUnitEmailAndSupervisor(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		con := linli.ConsoleActor()
		tr := mustTree(t, s)
		office, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东城区政务服务中心", Kind: "district_office", AreaID: tr.district.ID})
		if err != nil {
			t.Fatal(err)
		}
		dept, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东城区住建委", Kind: "department", AreaID: tr.district.ID,
			Email: " zjw@dongcheng.example ", SupervisorID: office.ID})
		if err != nil {
			t.Fatal(err)
		}
		if dept.Email != "zjw@dongcheng.example" || dept.SupervisorID != office.ID {
			t.Errorf("created %+v", dept)
		}
		units, err := s.OrgUnits(ctx, con)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, u := range units {
			switch u.ID {
			case office.ID:
				found++
				if u.Email != "" || u.SupervisorID != 0 {
					t.Errorf("office listed as %+v, want no mailbox and no supervisor", u)
				}
			case dept.ID:
				found++
				if u.Email != "zjw@dongcheng.example" || u.SupervisorID != office.ID {
					t.Errorf("department listed as %+v", u)
				}
			}
		}
		if found != 2 {
			t.Fatalf("OrgUnits = %+v, want both units", units)
		}
		for name, u := range map[string]linli.OrgUnit{
			"email":      {Name: "坏邮箱", Kind: "department", AreaID: tr.district.ID, Email: "not-an-address"},
			"supervisor": {Name: "无上级", Kind: "department", AreaID: tr.district.ID, SupervisorID: dept.ID + 1000},
		} {
			_, err := s.CreateOrgUnit(ctx, con, u)
			var v *linli.ValidationError
			if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != name {
				t.Errorf("CreateOrgUnit with a bad %s = %v, want a field error on %s", name, err, name)
			}
		}
	})
}
