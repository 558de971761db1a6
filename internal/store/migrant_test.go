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
		in := store.MigrantInput{ArrivalDate: today.AddDate(0, -11, 0), Reason: "work", OriginRegion: "510104", ExpectedStayMonths: 24,
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

// TestMigrantOrigin: the place of origin is stored as a GB/T 2260 code; a
// name resolves to its code, an unknown code or name is a field error.
func TestMigrantOrigin(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		m := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "黄四", IDNumber: idWith("51010419950101001"), RegType: linli.RegMigrant, GridID: tr.gridA.ID})
		in := store.MigrantInput{ArrivalDate: today.AddDate(0, -1, 0), Reason: "work", ExpectedStayMonths: 12}
		for _, tt := range []struct{ origin, key string }{
			{"999999", "migrant.origin.unknown_code"},
			{"5101", "migrant.origin.unknown_code"},
			{"火星", "migrant.origin.unknown_name"},
			{"朝阳区", "migrant.origin.ambiguous"},
		} {
			in.OriginRegion = tt.origin
			_, err := s.RegisterMigrant(ctx, ra.gw1, m.ID, in)
			fieldErr(t, err, "origin_region", tt.key)
		}
		if got, err := s.Migrants(ctx, ra.gw1, m.ID); err != nil || len(got) != 0 {
			t.Fatalf("refused registrations were stored: %+v, %v", got, err)
		}
		in.OriginRegion = " 成都市 锦江区 "
		r, err := s.RegisterMigrant(ctx, ra.gw1, m.ID, in)
		if err != nil || r.OriginRegion != "510104" || r.OriginName != "四川省 成都市 锦江区" {
			t.Fatalf("RegisterMigrant(成都市 锦江区) = %+v, %v", r, err)
		}
		list, err := s.Migrants(ctx, ra.gw1, m.ID)
		if err != nil || len(list) != 1 || list[0].OriginRegion != "510104" || list[0].OriginName != "四川省 成都市 锦江区" {
			t.Fatalf("Migrants = %+v, %v", list, err)
		}
		// A code is kept as it is, a former one too (it may come from an
		// old ID number); no origin stays empty.
		for _, tt := range []struct{ id17, origin, code, name string }{
			{"33010319960101001", "330103", "330103", "浙江省 杭州市 下城区"},
			{"41010519970101001", "河南", "410000", "河南省"},
			{"51010419980101001", "", "", ""},
		} {
			p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "黄" + tt.id17[:2], IDNumber: idWith(tt.id17), RegType: linli.RegMigrant, GridID: tr.gridA.ID})
			in.OriginRegion = tt.origin
			r, err := s.RegisterMigrant(ctx, ra.gw1, p.ID, in)
			if err != nil || r.OriginRegion != tt.code || r.OriginName != tt.name {
				t.Fatalf("RegisterMigrant(%q) = %q %q, %v", tt.origin, r.OriginRegion, r.OriginName, err)
			}
		}
	})
}
