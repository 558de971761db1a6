package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func TestMigrantsExpiring(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		m1 := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "黄一", IDNumber: idWith("51010219950101001"), RegType: linli.RegMigrant, GridID: tr.gridA.ID})
		m2 := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "黄二", IDNumber: idWith("51010219960101001"), RegType: linli.RegMigrant, GridID: tr.gridA.ID})
		m3 := newPerson(t, s, ra.gw2, linli.PersonInput{Name: "黄三", IDNumber: idWith("51010219970101001"), RegType: linli.RegMigrant, GridID: tr.gridB.ID})
		local := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "本地", IDNumber: idWith("11010519970101001"), GridID: tr.gridA.ID})
		in := store.MigrantInput{ArrivalDate: today.AddDate(0, -11, 0), Reason: "work", OriginRegion: "510102", ExpectedStayMonths: 24,
			Landlord: "房东甲", Employer: "某餐饮公司", ExpiresAt: today.AddDate(0, 0, 20)}
		r1, err := s.RegisterMigrant(ctx, ra.gw1, m1.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		in.ExpiresAt = today.AddDate(0, 0, 60)
		if _, err := s.RegisterMigrant(ctx, ra.gw1, m2.ID, in); err != nil {
			t.Fatal(err)
		}
		in.ExpiresAt = today.AddDate(0, 0, 10)
		if _, err := s.RegisterMigrant(ctx, ra.gw2, m3.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RegisterMigrant(ctx, ra.gw1, local.ID, in); err == nil {
			t.Fatal("registered resident accepted as migrant")
		}
		_, err = s.RegisterMigrant(ctx, ra.gw1, m1.ID, in)
		conflictErr(t, err, "migrant.already_registered")
		in.Reason = "tourism"
		_, err = s.RegisterMigrant(ctx, ra.gw1, m2.ID, in)
		fieldErr(t, err, "reason", "migrant.reason.invalid")

		list, err := s.MigrantsExpiring(ctx, ra.gw1, 30)
		if err != nil || len(list) != 1 || list[0].PersonID != m1.ID || list[0].Name != "黄一" {
			t.Fatalf("expiring for grid 1 = %+v, %v", list, err)
		}
		if _, err := s.RenewMigrant(ctx, ra.gw2, r1.ID, 12); err == nil {
			t.Fatal("grid 2 worker renewed a grid 1 registration")
		}
		rn, err := s.RenewMigrant(ctx, ra.gw1, r1.ID, 12)
		if err != nil || rn.ExpiresAt.Format("2006-01-02") != "2027-03-22" {
			t.Fatalf("renew = %+v, %v", rn, err)
		}
		list, _ = s.MigrantsExpiring(ctx, ra.gw1, 30)
		if len(list) != 0 {
			t.Fatalf("after renewal: %+v", list)
		}
		c.Advance(45 * 24 * time.Hour)
		list, _ = s.MigrantsExpiring(ctx, ra.gw1, 30)
		if len(list) != 1 || list[0].PersonID != m2.ID {
			t.Fatalf("45 days later: %+v", list)
		}
	})
}
