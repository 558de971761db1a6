package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The intake desk's inbox: accepted orders of the clerk's areas, oldest
// first, and those a unit asked to return; nothing of other areas.
func TestIntakeInbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		clerkB := actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b)
		create := func(area linli.Area, desc string) linli.WorkOrder {
			t.Helper()
			o, _, err := s.CreateWorkOrder(ctx, actorOn([]linli.Role{linli.RoleCommunityWorker}, area), linli.WorkOrderInput{ServiceCode: f.svc.Code,
				ContactName: "王大爷", AreaID: area.ID, Description: desc, Answers: map[string][]string{"what": {"light"}}})
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Minute)
			return o
		}
		first := create(f.tr.gridA, "一号楼")
		second := create(f.tr.a, "二号楼")
		inB := create(f.tr.b, "银闸")
		returned := create(f.tr.gridA, "三号楼")
		dispatched := create(f.tr.gridA, "四号楼")
		returned = mustAct(t, s, f.clerk, returned, linli.WOActionInput{Action: linli.ActDispatch})
		mustAct(t, s, f.wrongStaff, returned, linli.WOActionInput{Action: linli.ActRequestReturn, Note: "属物业管理范围"})
		mustAct(t, s, f.clerk, dispatched, linli.WOActionInput{Action: linli.ActDispatch})

		ids := func(l []linli.WorkOrder) []int64 {
			out := []int64{}
			for _, o := range l {
				out = append(out, o.ID)
			}
			return out
		}
		for _, tc := range []struct {
			who  linli.Actor
			tab  string
			want []int64
		}{
			{f.clerk, store.InboxNew, []int64{first.ID, second.ID}},
			{f.clerk, store.InboxReturned, []int64{returned.ID}},
			{clerkB, store.InboxNew, []int64{inB.ID}},
			{clerkB, store.InboxReturned, []int64{}},
			{f.sup, store.InboxNew, []int64{first.ID, second.ID, inB.ID}},
		} {
			got, err := s.IntakeInbox(ctx, tc.who, tc.tab, 0)
			if err != nil || !slices.Equal(ids(got), tc.want) {
				t.Errorf("IntakeInbox(%v, %s) = %v, %v; want %v", tc.who.Scope.Paths, tc.tab, ids(got), err, tc.want)
			}
			counts, err := s.InboxCounts(ctx, tc.who)
			if err != nil || counts[tc.tab] != len(tc.want) {
				t.Errorf("InboxCounts(%v)[%s] = %v, %v; want %d", tc.who.Scope.Paths, tc.tab, counts, err, len(tc.want))
			}
		}
		// The desk is for intake staff; a tab that does not exist is invalid.
		if _, err := s.IntakeInbox(ctx, f.unitStaff, store.InboxNew, 0); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("a unit's staff reads the inbox: %v", err)
		}
		if _, err := s.InboxCounts(ctx, f.unitStaff); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("a unit's staff counts the inbox: %v", err)
		}
		if _, err := s.IntakeInbox(ctx, f.clerk, "overdue", 0); !errors.Is(err, linli.ErrInvalid) {
			t.Errorf("unknown tab = %v, want invalid", err)
		}
	})
}
