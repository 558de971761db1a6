package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The timer that closes an unrated order belongs to one resolution: after
// an unsatisfied rating reopened the order and the unit resolved it again,
// the first resolution's timer does not close it; the second's does.
func TestUnratedTimerOfEarlierResolution(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		o, _, err := s.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "王大爷",
			AreaID: f.tr.gridA.ID, Description: "楼道灯不亮", Answers: map[string][]string{"what": {"light"}}})
		if err != nil {
			t.Fatal(err)
		}
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActDispatch})
		o = mustAct(t, s, f.wrongStaff, o, linli.WOActionInput{Action: linli.ActSign})
		o = mustAct(t, s, f.wrongStaff, o, linli.WOActionInput{Action: linli.ActResolve, Note: "已更换灯泡"})
		firstResolved := c.Now()
		c.Advance(24 * time.Hour)
		o = mustAct(t, s, f.clerk, o, linli.WOActionInput{Action: linli.ActRate, Rating: linli.RatingUnsatisfied})
		if o.State != linli.WOReopened {
			t.Fatalf("after 不满意: %s", o.State)
		}
		c.Advance(4 * 24 * time.Hour)
		o = mustAct(t, s, f.wrongStaff, o, linli.WOActionInput{Action: linli.ActResolve, Note: "更换线路"})
		// Seven days after the first resolution: the order was resolved
		// again three days ago and stays open for its rating.
		c.t = firstResolved.AddDate(0, 0, 7).Add(time.Minute)
		if _, err := s.RunTimers(ctx, c.Now(), 100); err != nil {
			t.Fatal(err)
		}
		if got, err := s.WorkOrder(ctx, f.clerk, o.ID); err != nil || got.State != linli.WOResolved || got.Unrated {
			t.Fatalf("after the first resolution's timer: %s unrated=%v (%v), want resolved", got.State, got.Unrated, err)
		}
		// Seven days after the second (five days after the first): closed
		// unrated.
		c.t = firstResolved.AddDate(0, 0, 12).Add(time.Minute)
		if _, err := s.RunTimers(ctx, c.Now(), 100); err != nil {
			t.Fatal(err)
		}
		if got, err := s.WorkOrder(ctx, f.clerk, o.ID); err != nil || got.State != linli.WOArchived || !got.Unrated {
			t.Fatalf("after the second resolution's timer: %s unrated=%v (%v), want archived unrated", got.State, got.Unrated, err)
		}
	})
}
