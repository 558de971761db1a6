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

// The reads of the Open311 interface: only orders of the public
// catalogue, the filters, the public timeline with the notes meant for
// the requester, the catalogue's changeset and the tokens.
func TestOpen311Reads(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, f.tr.district)
		private := f.svc
		private.ID, private.Code, private.Public, private.Version = 0, "PRIVATE-MATTER", false, 0
		if _, err := s.SaveService(ctx, admin, private); err != nil {
			t.Fatal(err)
		}
		changed, err := s.Open311Changeset(ctx)
		if err != nil || !changed.Equal(c.Now()) {
			t.Errorf("changeset = %v, %v; want %v", changed, err, c.Now())
		}
		mk := func(code string) linli.WorkOrder {
			t.Helper()
			o, _, err := s.CreateWorkOrder(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: code, ContactName: "王大爷", AreaID: f.tr.gridA.ID,
				Description: "楼道灯不亮", Answers: map[string][]string{"what": {"light"}}})
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Hour)
			return o
		}
		o1 := mk(f.svc.Code)
		hidden := mk(private.Code)
		o2 := mk(f.svc.Code)
		o3 := mk(f.svc.Code)
		// o2 is dispatched with an internal reason, then resolved with a reply.
		o2 = mustAct(t, s, f.clerk, o2, linli.WOActionInput{Action: linli.ActDispatch, UnitID: f.unit.ID, Note: "改派理由：内部"})
		o2 = mustAct(t, s, f.unitStaff, o2, linli.WOActionInput{Action: linli.ActSign})
		o2 = mustAct(t, s, f.unitStaff, o2, linli.WOActionInput{Action: linli.ActContact, Note: "已电话联系，明早上门", Public: true})
		mustAct(t, s, f.unitStaff, o2, linli.WOActionInput{Action: linli.ActResolve, Note: "已更换灯泡"})

		numbers := func(l []linli.WorkOrder, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range l {
				out = append(out, o.Number)
			}
			return out
		}
		var open []linli.WOState
		for _, st := range linli.WOStates {
			if st.Open() {
				open = append(open, st)
			}
		}
		cases := []struct {
			name string
			f    store.Open311Filter
			want []string
		}{
			{"all public, newest first", store.Open311Filter{}, []string{o3.Number, o2.Number, o1.Number}},
			{"numbers", store.Open311Filter{Numbers: []string{o1.Number, hidden.Number}}, []string{o1.Number}},
			{"service codes", store.Open311Filter{ServiceCodes: []string{private.Code}}, nil},
			{"open states", store.Open311Filter{States: open}, []string{o3.Number, o1.Number}},
			{"requested range", store.Open311Filter{From: o1.AcceptedAt, To: o2.AcceptedAt}, []string{o2.Number, o1.Number}},
			{"updated since", store.Open311Filter{UpdFrom: o3.AcceptedAt.Add(time.Minute)}, []string{o2.Number}},
			{"a page", store.Open311Filter{Offset: 1, Limit: 1}, []string{o2.Number}},
		}
		for _, cs := range cases {
			if got := numbers(s.Open311Requests(ctx, cs.f)); !slices.Equal(got, cs.want) {
				t.Errorf("%s: %v, want %v", cs.name, got, cs.want)
			}
		}
		if _, err := s.Open311Request(ctx, hidden.Number); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("a private service's order = %v, want not found", err)
		}
		if got, err := s.Open311Request(ctx, " "+o1.Number+" "); err != nil || got.ID != o1.ID {
			t.Errorf("Open311Request = %v, %v", got.Number, err)
		}
		notes, err := s.Open311Notes(ctx, []int64{o1.ID, o2.ID})
		if err != nil {
			t.Fatal(err)
		}
		type note struct{ kind, unit, text string }
		var got []note
		for _, n := range notes[o2.ID] {
			got = append(got, note{n.Kind, n.UnitName, n.Note})
		}
		want := []note{{"created", "", ""}, {"dispatch", f.unit.Name, ""}, {"sign", f.unit.Name, ""},
			{"contact", f.unit.Name, "已电话联系，明早上门"}, {"resolve", f.unit.Name, "已更换灯泡"}}
		if !slices.Equal(got, want) || len(notes[o1.ID]) != 1 {
			t.Errorf("notes = %v (o1: %d), want %v", got, len(notes[o1.ID]), want)
		}
		tok, err := s.Open311Token(ctx, o3.ID)
		if err != nil || len(tok) != 24 {
			t.Fatalf("token = %q, %v", tok, err)
		}
		if again, err := s.Open311Token(ctx, o3.ID); err != nil || again != tok {
			t.Errorf("second token = %q, %v; want %q", again, err, tok)
		}
		if n, err := s.Open311TokenOrder(ctx, tok); err != nil || n != o3.Number {
			t.Errorf("token's order = %q, %v", n, err)
		}
		if _, err := s.Open311TokenOrder(ctx, "nope"); !errors.Is(err, linli.ErrNotFound) {
			t.Errorf("unknown token = %v", err)
		}
	})
}
