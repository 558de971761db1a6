package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func TestAreaTreeAndScope(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		if tr.gridA.Path != tr.a.Path+itoa(tr.gridA.ID)+"/" {
			t.Fatalf("grid path = %q, want under %q", tr.gridA.Path, tr.a.Path)
		}
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		got, err := s.Areas(ctx, worker, store.AreaFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != tr.a.ID || got[1].ID != tr.gridA.ID {
			t.Fatalf("Areas(worker of A) = %v, want A and its grid", names(got))
		}
		if _, err := s.Area(ctx, worker, tr.b.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("Area(B) as worker of A = %v, want ErrNotFound", err)
		}
		if _, err := s.Area(ctx, worker, tr.a.ID); err != nil {
			t.Fatalf("Area(A) as worker of A = %v", err)
		}
		// A node whose id starts with the same digits must not leak: the
		// range scan must stop at the '/' boundary.
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		counts, err := s.AreaCounts(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if counts[linli.LevelCommunity] != 3 || counts[linli.LevelGrid] != 2 || counts[linli.LevelStreet] != 2 {
			t.Fatalf("AreaCounts(district admin) = %v", counts)
		}
		wc, _ := s.AreaCounts(ctx, worker)
		if wc[linli.LevelCommunity] != 1 || wc[linli.LevelStreet] != 0 {
			t.Fatalf("AreaCounts(worker) = %v", wc)
		}
	})
}

func TestAreaValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		cases := []struct {
			name  string
			in    linli.AreaInput
			field string
			key   string
		}{
			{"empty name", linli.AreaInput{ParentID: tr.s1.ID, Level: linli.LevelCommunity, Code: "110101001009"}, "name", "area.name.required"},
			{"wrong prefix", linli.AreaInput{ParentID: tr.s1.ID, Level: linli.LevelCommunity, Name: "x", Code: "110101002009"}, "code", "area.code.parent_prefix"},
			{"short code", linli.AreaInput{ParentID: tr.s1.ID, Level: linli.LevelCommunity, Name: "x", Code: "1101"}, "code", "area.code.format"},
			{"taken code", linli.AreaInput{ParentID: tr.s1.ID, Level: linli.LevelCommunity, Name: "x", Code: tr.a.Code}, "code", "area.code.taken"},
			{"wrong level", linli.AreaInput{ParentID: tr.s1.ID, Level: linli.LevelGrid, Name: "x", Code: "110101001001-9"}, "parent", "area.parent.wrong_level"},
			{"grid format", linli.AreaInput{ParentID: tr.a.ID, Level: linli.LevelGrid, Name: "x", Code: "110101001001"}, "code", "area.code.grid_format"},
		}
		for _, tc := range cases {
			_, err := s.CreateArea(ctx, admin, tc.in)
			var ve *linli.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: CreateArea = %v, want a validation error", tc.name, err)
			}
			if !hasField(ve, tc.field, tc.key) {
				t.Errorf("%s: CreateArea fields = %+v, want %s=%s", tc.name, ve.Fields, tc.field, tc.key)
			}
		}
		// Nothing half-written: still 3 communities.
		counts, _ := s.AreaCounts(ctx, admin)
		if counts[linli.LevelCommunity] != 3 {
			t.Fatalf("after refused creates, communities = %d, want 3", counts[linli.LevelCommunity])
		}
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		if _, err := s.CreateArea(ctx, worker, linli.AreaInput{ParentID: tr.a.ID, Level: linli.LevelGrid, Name: "x", Code: "110101001001-7"}); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("CreateArea as worker = %v, want ErrForbidden", err)
		}
		// A district admin of this district cannot create under a node outside scope.
		other := mustArea(t, s, linli.ConsoleActor(), 0, linli.LevelDistrict, "西城区", "110102000000")
		if _, err := s.CreateArea(ctx, admin, linli.AreaInput{ParentID: other.ID, Level: linli.LevelStreet, Name: "x", Code: "110102001000"}); err == nil {
			t.Fatal("CreateArea under another district succeeded")
		}
	})
}

func TestAreaRenameMoveRetire(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		admin.UserID = 0
		r, err := s.RenameArea(ctx, admin, tr.a.ID, "多福巷新社区", "", tr.a.Version)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "多福巷新社区" || r.Version != 2 {
			t.Fatalf("RenameArea = %+v", r)
		}
		if _, err := s.RenameArea(ctx, admin, tr.a.ID, "again", "", 1); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("RenameArea with a stale version = %v, want ErrConflict", err)
		}
		// Move community A (with its grid) to street 2; codes follow.
		m, err := s.MoveArea(ctx, admin, tr.a.ID, tr.s2.ID, "110101002005")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.Path, tr.s2.Path) {
			t.Fatalf("moved path = %q, want under %q", m.Path, tr.s2.Path)
		}
		g, err := s.Area(ctx, admin, tr.gridA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Path != m.Path+itoa(g.ID)+"/" || g.Code != "110101002005-1" {
			t.Fatalf("grid after move = path %q code %q", g.Path, g.Code)
		}
		if _, err := s.MoveArea(ctx, admin, tr.s1.ID, tr.gridB.ID, ""); err == nil {
			t.Fatal("moving a street under a grid succeeded")
		}
		// Street 2 now has two communities: it cannot retire.
		err = s.RetireArea(ctx, admin, tr.s2.ID)
		var ce *linli.ConflictError
		if !errors.As(err, &ce) || ce.Key != "area.retire.has_children" {
			t.Fatalf("RetireArea(street with children) = %v, want area.retire.has_children", err)
		}
		if err := s.RetireArea(ctx, admin, tr.gridB.ID); err != nil {
			t.Fatal(err)
		}
		gb, err := s.Area(ctx, admin, tr.gridB.ID)
		if err != nil || !gb.Retired {
			t.Fatalf("retired grid = %+v, %v; want kept and marked retired", gb, err)
		}
		live, _ := s.Areas(ctx, admin, store.AreaFilter{Level: linli.LevelGrid})
		if len(live) != 1 {
			t.Fatalf("live grids = %v, want 1", names(live))
		}
		h, err := s.AreaHistory(ctx, admin, tr.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, x := range h {
			actions = append(actions, x.Action)
		}
		if strings.Join(actions, ",") != "create,rename,move" {
			t.Fatalf("history of A = %v", actions)
		}
	})
}

func TestRetireRefusedWithStaff(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		ou, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "银闸社区居委会", Kind: "community_committee", AreaID: tr.s1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, con, linli.UserInput{Username: "wang.grid", DisplayName: "王网格", Roles: []linli.Role{linli.RoleGridWorker},
			OrgUnitID: ou.ID, ScopeIDs: []int64{tr.gridB.ID}}, "h"); err != nil {
			t.Fatal(err)
		}
		err = s.RetireArea(ctx, con, tr.gridB.ID)
		var ce *linli.ConflictError
		if !errors.As(err, &ce) || ce.Key != "area.retire.has_staff" {
			t.Fatalf("RetireArea(grid with staff) = %v, want area.retire.has_staff", err)
		}
	})
}

func hasField(ve *linli.ValidationError, field, key string) bool {
	for _, f := range ve.Fields {
		if f.Field == field && f.Key == key {
			return true
		}
	}
	return false
}

func names(as []linli.Area) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func itoa(v int64) string { return fmtInt(v) }
func fmtInt(v int64) string {
	return strconv.FormatInt(v, 10)
}
