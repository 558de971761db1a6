package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func TestBuildingsAndResidents(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		a := ra.gw1
		cp, err := s.CreateCompound(ctx, a, tr.gridA.ID, "多福小区", "东城区多福巷12号")
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.CreateBuilding(ctx, a, store.BuildingInput{CompoundID: cp.ID, Name: "3号楼", Floors: 6})
		if err != nil || b.GridID != tr.gridA.ID {
			t.Fatalf("CreateBuilding = %+v, %v", b, err)
		}
		u, err := s.CreateUnit(ctx, a, b.ID, "2单元")
		if err != nil {
			t.Fatal(err)
		}
		r1, err := s.CreateRoom(ctx, a, b.ID, u.ID, "301")
		if err != nil {
			t.Fatal(err)
		}
		r2, err := s.CreateRoom(ctx, a, b.ID, u.ID, "302")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRoom(ctx, a, b.ID, u.ID, "301"); err == nil {
			t.Fatal("duplicate room accepted")
		}
		if _, err := s.CreateBuilding(ctx, ra.gw2, store.BuildingInput{GridID: tr.gridA.ID, Name: "x"}); err == nil {
			t.Fatal("building in another grid accepted")
		}
		p1 := newPerson(t, s, a, linli.PersonInput{Name: "甲", IDNumber: idWith("11010519600101001"), GridID: tr.gridA.ID, RoomID: r1.ID})
		if p1.Address != "东城区多福巷12号多福小区3号楼2单元301" {
			t.Fatalf("rendered address = %q", p1.Address)
		}
		p2 := newPerson(t, s, a, linli.PersonInput{Name: "乙", IDNumber: idWith("11010519600101002"), GridID: tr.gridA.ID, RoomID: r1.ID})
		newPerson(t, s, a, linli.PersonInput{Name: "丙", IDNumber: idWith("11010519600101003"), GridID: tr.gridA.ID, RoomID: r2.ID})
		if _, err := s.CreateHousehold(ctx, a, p1.ID, linli.HouseholdFamily, 0, []store.Member{{p2.ID, linli.RelSpouse}}); err != nil {
			t.Fatal(err)
		}
		// A room of grid A is not a room of grid B.
		_, err = s.CreatePerson(ctx, ra.head, linli.PersonInput{Name: "丁", RegType: linli.RegRegistered, GridID: tr.gridB.ID, RoomID: r1.ID})
		fieldErr(t, err, "room", "person.room.not_found")

		bs, err := s.BuildingsWithCounts(ctx, a, tr.gridA.ID)
		if err != nil || len(bs) != 1 || bs[0].Households != 1 || bs[0].Residents != 3 || bs[0].CompoundName != "多福小区" {
			t.Fatalf("BuildingsWithCounts = %+v, %v", bs, err)
		}
		if bs, _ := s.BuildingsWithCounts(ctx, ra.gw2, 0); len(bs) != 0 {
			t.Fatalf("grid 2 worker sees %+v", bs)
		}
		if _, err := s.BuildingsWithCounts(ctx, ra.gw2, tr.gridA.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("grid 2 worker on grid A = %v", err)
		}
		rr, err := s.BuildingResidents(ctx, a, b.ID)
		if err != nil || len(rr) != 2 || len(rr[0].Residents) != 2 || len(rr[1].Residents) != 1 || rr[0].Residents[0].Relation != linli.RelHead {
			t.Fatalf("BuildingResidents = %+v, %v", rr, err)
		}
		if _, err := s.BuildingResidents(ctx, ra.gw2, b.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("grid 2 worker's residents = %v", err)
		}
	})
}
