package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func TestHouseholdLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		a := ra.head
		husband := newPerson(t, s, a, linli.PersonInput{Name: "刘建国", IDNumber: idWith("11010519600101001"), GridID: tr.gridA.ID})
		wife := newPerson(t, s, a, linli.PersonInput{Name: "张桂兰", IDNumber: idWith("11010519620101002"), GridID: tr.gridA.ID})
		son := newPerson(t, s, a, linli.PersonInput{Name: "刘明", IDNumber: idWith("11010519900101003"), GridID: tr.gridA.ID})
		other := newPerson(t, s, a, linli.PersonInput{Name: "马丽", IDNumber: idWith("11010519920101002"), GridID: tr.gridA.ID})

		// Two heads are refused, and nothing is left behind.
		_, err := s.CreateHousehold(ctx, a, husband.ID, linli.HouseholdFamily, 0, []store.Member{{wife.ID, linli.RelHead}})
		conflictErr(t, err, "household.two_heads")
		if n := countRows(t, s, "households"); n != 0 {
			t.Fatalf("%d households after a refused create", n)
		}
		h, err := s.CreateHousehold(ctx, a, husband.ID, linli.HouseholdFamily, 0,
			[]store.Member{{wife.ID, linli.RelWife}, {son.ID, linli.RelSon}})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Current()) != 3 || h.HeadPersonID != husband.ID {
			t.Fatalf("household = %+v", h)
		}
		if p, _ := s.Person(ctx, a, son.ID); p.HouseholdID != h.ID {
			t.Fatalf("son's household = %d", p.HouseholdID)
		}
		// One household per person.
		_, err = s.CreateHousehold(ctx, a, other.ID, linli.HouseholdFamily, 0, []store.Member{{son.ID, linli.RelSpouse}})
		conflictErr(t, err, "household.member.elsewhere")
		_, err = s.CreateHousehold(ctx, a, son.ID, linli.HouseholdSingle, 0, nil)
		conflictErr(t, err, "household.member.elsewhere")
		// Out of scope: not found.
		if _, err := s.Household(ctx, ra.gw2, h.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("Household as grid 2 worker = %v", err)
		}

		// 停旧建新: the wife becomes head; the old household closes with a successor.
		nh, err := s.ChangeHead(ctx, a, h.ID, wife.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		old, err := s.Household(ctx, a, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if old.Status != linli.HouseholdClosed || old.SuccessorID != nh.ID || len(old.Current()) != 0 || len(old.Members) != 3 {
			t.Fatalf("old household = %+v", old)
		}
		rel := map[int64]string{}
		for _, m := range nh.Current() {
			rel[m.PersonID] = m.Relation
		}
		if nh.HeadPersonID != wife.ID || rel[wife.ID] != linli.RelHead || rel[husband.ID] != linli.RelSpouse || rel[son.ID] != linli.RelSon {
			t.Fatalf("new household = %+v", nh)
		}
		hist, err := s.HouseholdHistory(ctx, a, h.ID)
		if err != nil || len(hist) == 0 {
			t.Fatalf("old history = %v, %v", hist, err)
		}

		// Split the son off, then merge him back.
		sh, err := s.Split(ctx, a, nh.ID, []int64{son.ID}, son.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(sh.Current()) != 2 {
			t.Fatalf("after split the household has %d members", len(sh.Current()))
		}
		sp, _ := s.Person(ctx, a, son.ID)
		if sp.HouseholdID == nh.ID || sp.HouseholdID == 0 {
			t.Fatalf("son's household after split = %d", sp.HouseholdID)
		}
		_, err = s.Split(ctx, a, nh.ID, []int64{wife.ID}, wife.ID, nil)
		conflictErr(t, err, "household.split.head")
		mh, err := s.Merge(ctx, a, sp.HouseholdID, nh.ID, map[int64]string{son.ID: linli.RelSon})
		if err != nil {
			t.Fatal(err)
		}
		if len(mh.Current()) != 3 {
			t.Fatalf("after merge %d members", len(mh.Current()))
		}
		from, _ := s.Household(ctx, a, sp.HouseholdID)
		if from.Status != linli.HouseholdClosed || from.SuccessorID != nh.ID {
			t.Fatalf("merged household = %+v", from)
		}

		// Death ends the membership and the tags.
		if _, err := s.AddTag(ctx, a, husband.ID, "empty_nest", nil, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Death(ctx, a, husband.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		after, _ := s.Household(ctx, a, nh.ID)
		if len(after.Current()) != 2 || isMember(after, husband.ID) {
			t.Fatalf("after death members = %+v", after.Current())
		}
		tags, err := s.PersonTags(ctx, a, husband.ID, "")
		if err != nil || len(tags) != 1 || tags[0].Until.IsZero() {
			t.Fatalf("tags after death = %+v, %v", tags, err)
		}
		if _, err := s.AddMember(ctx, a, nh.ID, husband.ID, linli.RelSpouse); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("adding the deceased = %v", err)
		}

		// Supporters outside the household.
		if _, err := s.AddRelation(ctx, a, wife.ID, other.ID, linli.RelDaughter, "每周探望"); err != nil {
			t.Fatal(err)
		}
		rels, err := s.Relations(ctx, a, wife.ID)
		if err != nil || len(rels) != 1 || rels[0].RelatedID != other.ID {
			t.Fatalf("relations = %+v, %v", rels, err)
		}
	})
}

func isMember(h store.Household, id int64) bool {
	for _, m := range h.Current() {
		if m.PersonID == id {
			return true
		}
	}
	return false
}
