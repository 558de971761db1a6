package api

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/linli-org/linli"
)

func TestMe(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	con := linli.ConsoleActor()
	ou, err := f.st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷社区居委会", Kind: "community_committee", AreaID: f.tr.a.ID})
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.st.CreateUser(ctx, con, linli.UserInput{Username: "li.head", DisplayName: "李书记", Roles: []linli.Role{linli.RoleCommunityHead},
		OrgUnitID: ou.ID, ScopeIDs: []int64{f.tr.a.ID}}, "sealed-hash")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("user with user.read is read from the store", func(t *testing.T) {
		// The actor's name differs from the account's, to show which is used.
		a := actorOn(u.ID, "stale-name", []linli.Role{linli.RoleCommunityHead}, f.tr.a)
		got := mustJSON[meJSON](t, f.get(a, "/api/v1/me"), http.StatusOK)
		if got.Kind != "user" || got.ID != u.ID || got.TokenID != 0 || got.Username != "li.head" {
			t.Fatalf("me = %+v", got)
		}
		if !slices.Equal(got.Roles, []string{"community_head"}) || !slices.Contains(got.Permissions, "user.read") || !slices.Contains(got.Permissions, "pii.reveal") {
			t.Fatalf("me roles %v permissions %v", got.Roles, got.Permissions)
		}
		if len(got.Scope) != 1 || got.Scope[0] != (scopeNodeJSON{ID: f.tr.a.ID, Name: f.tr.a.Name, Level: "community", Code: f.tr.a.Code}) {
			t.Fatalf("me scope = %+v", got.Scope)
		}
	})

	t.Run("user without user.read is described from the actor", func(t *testing.T) {
		a := actorOn(4242, "zhao.grid", []linli.Role{linli.RoleGridWorker}, f.tr.gridA)
		got := mustJSON[meJSON](t, f.get(a, "/api/v1/me"), http.StatusOK)
		if got.Kind != "user" || got.ID != 4242 || got.Username != "zhao.grid" || !slices.Equal(got.Roles, []string{"grid_worker"}) {
			t.Fatalf("me = %+v", got)
		}
		if slices.Contains(got.Permissions, "user.read") || !slices.Contains(got.Permissions, "area.read") {
			t.Fatalf("me permissions = %v", got.Permissions)
		}
		if len(got.Scope) != 1 || got.Scope[0].ID != f.tr.gridA.ID || got.Scope[0].Name != f.tr.gridA.Name || got.Scope[0].Level != "grid" {
			t.Fatalf("me scope = %+v", got.Scope)
		}
	})

	t.Run("API token", func(t *testing.T) {
		a := actorOn(0, "token:sync", []linli.Role{linli.RoleCommunityWorker}, f.tr.a, f.tr.b)
		a.TokenID = 7
		rec := f.get(a, "/api/v1/me")
		got := mustJSON[meJSON](t, rec, http.StatusOK)
		if got.Kind != "token" || got.TokenID != 7 || got.ID != 0 || got.Username != "token:sync" {
			t.Fatalf("me = %+v", got)
		}
		if len(got.Scope) != 2 || got.Scope[0].ID != f.tr.a.ID || got.Scope[1].ID != f.tr.b.ID {
			t.Fatalf("me scope = %+v", got.Scope)
		}
	})
}
