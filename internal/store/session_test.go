package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func mustUser(t *testing.T, s *store.Store, tr tree, username string, roles []linli.Role, scope ...linli.Area) int64 {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	units, err := s.OrgUnits(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	var ou int64
	for _, u := range units {
		ou = u.ID
	}
	if ou == 0 {
		o, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东华门街道办事处", Kind: "street_office", AreaID: tr.s1.ID})
		if err != nil {
			t.Fatal(err)
		}
		ou = o.ID
	}
	in := linli.UserInput{Username: username, DisplayName: "测试用户", Roles: roles, OrgUnitID: ou}
	for _, a := range scope {
		in.ScopeIDs = append(in.ScopeIDs, a.ID)
	}
	u, err := s.CreateUser(ctx, con, in, "sealed-hash")
	if err != nil {
		t.Fatalf("CreateUser(%s) = %v", username, err)
	}
	return u.ID
}

func TestSessionTimeouts(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		id := mustUser(t, s, tr, "worker.a", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		if _, err := s.CreateSession(ctx, id, "h1", "none", store.Client{IP: "127.0.0.1"}, 12*time.Hour); err != nil {
			t.Fatal(err)
		}
		_, a, err := s.SessionActor(ctx, "h1", 30*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if a.UserID != id || !a.Can(linli.PermPersonRead) || len(a.Scope.Paths) != 1 || a.Scope.Paths[0] != tr.a.Path {
			t.Fatalf("actor = %+v, want worker of A", a)
		}
		// Activity keeps the session alive past the idle timeout…
		for i := 0; i < 4; i++ {
			c.Advance(20 * time.Minute)
			if _, _, err := s.SessionActor(ctx, "h1", 30*time.Minute); err != nil {
				t.Fatalf("after %d×20 min of activity: %v", i+1, err)
			}
		}
		// …but 31 idle minutes end it.
		c.Advance(31 * time.Minute)
		if _, _, err := s.SessionActor(ctx, "h1", 30*time.Minute); !errors.Is(err, linli.ErrUnauthorized) {
			t.Fatalf("after 31 idle minutes = %v, want ErrUnauthorized", err)
		}
		// The absolute lifetime ends a session however active.
		if _, err := s.CreateSession(ctx, id, "h2", "none", store.Client{}, time.Hour); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			c.Advance(20 * time.Minute)
			_, _, err = s.SessionActor(ctx, "h2", 30*time.Minute)
		}
		if !errors.Is(err, linli.ErrUnauthorized) {
			t.Fatalf("after the lifetime = %v, want ErrUnauthorized", err)
		}
		if _, _, err := s.SessionActor(ctx, "unknown", 30*time.Minute); !errors.Is(err, linli.ErrUnauthorized) {
			t.Fatalf("unknown token = %v", err)
		}
	})
}

func TestDisableAndPasswordChangeRevokeSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		id := mustUser(t, s, tr, "worker.a", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		for _, h := range []string{"a", "b", "c"} {
			if _, err := s.CreateSession(ctx, id, h, "none", store.Client{}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		_, a, err := s.SessionActor(ctx, "a", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeOwnPassword(ctx, a, "new-hash"); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"a", "b", "c"} {
			if _, _, err := s.SessionActor(ctx, h, time.Hour); !errors.Is(err, linli.ErrUnauthorized) {
				t.Fatalf("session %s after password change = %v, want revoked", h, err)
			}
		}
		for _, h := range []string{"d", "e"} {
			if _, err := s.CreateSession(ctx, id, h, "none", store.Client{}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		if err := s.DisableUser(ctx, admin, id); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"d", "e"} {
			if _, _, err := s.SessionActor(ctx, h, time.Hour); !errors.Is(err, linli.ErrUnauthorized) {
				t.Fatalf("session %s after disable = %v, want revoked", h, err)
			}
		}
	})
}

func TestLockout(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		id := mustUser(t, s, tr, "worker.a", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		for i := 1; i <= 5; i++ {
			locked, err := s.LoginFailed(ctx, id, "worker.a", store.Client{IP: "10.0.0.1"}, 5, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if locked != (i == 5) {
				t.Fatalf("failure %d: locked = %v", i, locked)
			}
		}
		u, err := s.LoginInfo(ctx, "worker.a")
		if err != nil {
			t.Fatal(err)
		}
		if want := c.Now().Add(15 * time.Minute); !u.LockedUntil.Equal(want) {
			t.Fatalf("LockedUntil = %v, want %v", u.LockedUntil, want)
		}
		auditor := actorOn([]linli.Role{linli.RoleAuditAdmin})
		ev, err := s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "auth.lockout"})
		if err != nil || len(ev) != 1 || ev[0].Outcome != linli.OutcomeDenied {
			t.Fatalf("lockout audit = %+v, %v", ev, err)
		}
		fails, _ := s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "auth.login"})
		if len(fails) != 5 {
			t.Fatalf("failed-login audit records = %d, want 5", len(fails))
		}
		sec := actorOn([]linli.Role{linli.RoleSecurityAdmin}, tr.district)
		if err := s.UnlockUser(ctx, sec, id); err != nil {
			t.Fatal(err)
		}
		u, _ = s.LoginInfo(ctx, "worker.a")
		if !u.LockedUntil.IsZero() {
			t.Fatalf("after unlock LockedUntil = %v", u.LockedUntil)
		}
	})
}

func TestTOTPReplayRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		id := mustUser(t, s, tr, "head.a", []linli.Role{linli.RoleCommunityHead}, tr.a)
		sess, err := s.CreateSession(ctx, id, "t", "pending", store.Client{}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, a, _ := s.SessionActor(ctx, "t", time.Hour)
		if err := s.UseTOTPStep(ctx, a, 1000, sess.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.UseTOTPStep(ctx, a, 1000, sess.ID); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("replayed step = %v, want ErrConflict", err)
		}
		if err := s.UseTOTPStep(ctx, a, 999, sess.ID); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("older step = %v, want ErrConflict", err)
		}
		got, _, err := s.SessionActor(ctx, "t", time.Hour)
		if err != nil || got.MFA != "done" {
			t.Fatalf("session after TOTP = %+v, %v", got, err)
		}
		auditor := actorOn([]linli.Role{linli.RoleAuditAdmin})
		ev, _ := s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "auth.totp"})
		denied := 0
		for _, e := range ev {
			if e.Outcome == linli.OutcomeDenied {
				denied++
			}
		}
		if denied != 2 {
			t.Fatalf("denied TOTP audit records = %d, want 2", denied)
		}
	})
}

func TestUserScopeAndGrants(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		wa := mustUser(t, s, tr, "worker.a", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		wb := mustUser(t, s, tr, "worker.b", []linli.Role{linli.RoleCommunityWorker}, tr.b)
		head := actorOn([]linli.Role{linli.RoleCommunityHead}, tr.a)
		if _, err := s.User(ctx, head, wb); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("User(worker of B) as head of A = %v, want ErrNotFound", err)
		}
		if u, err := s.User(ctx, head, wa); err != nil || u.Username != "worker.a" {
			t.Fatalf("User(worker of A) as head of A = %+v, %v", u, err)
		}
		list, _ := s.Users(ctx, head, store.UserFilter{})
		if len(list) != 1 || list[0].ID != wa {
			t.Fatalf("Users as head of A = %d users", len(list))
		}
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.a)
		// A district admin cannot hand out admin duties or scope outside its own.
		if err := s.GrantRoles(ctx, admin, wa, []linli.Role{linli.RoleAuditAdmin}, []int64{tr.a.ID}); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("GrantRoles(audit_admin) by district admin = %v, want ErrForbidden", err)
		}
		err := s.GrantRoles(ctx, admin, wa, []linli.Role{linli.RoleGridWorker}, []int64{tr.b.ID})
		var ve *linli.ValidationError
		if !errors.As(err, &ve) || !ve.Has("scope") {
			t.Fatalf("GrantRoles with scope outside = %v, want a scope error", err)
		}
		if err := s.GrantRoles(ctx, admin, wa, []linli.Role{linli.RoleGridWorker}, []int64{tr.gridA.ID}); err != nil {
			t.Fatal(err)
		}
		u, _ := s.User(ctx, admin, wa)
		if len(u.Roles) != 1 || u.Roles[0] != linli.RoleGridWorker || len(u.Scope) != 1 || u.Scope[0].ID != tr.gridA.ID {
			t.Fatalf("after grant = %+v", u)
		}
		// Two admin duties on one account are refused even for the console.
		_, err = s.CreateUser(ctx, linli.ConsoleActor(), linli.UserInput{Username: "two.hats", DisplayName: "x",
			Roles: []linli.Role{linli.RoleSystemAdmin, linli.RoleAuditAdmin}, OrgUnitID: u.OrgUnitID, ScopeIDs: []int64{tr.district.ID}}, "h")
		if !errors.As(err, &ve) || !hasField(ve, "roles", "user.roles.admin_exclusive") {
			t.Fatalf("CreateUser with two admin duties = %v", err)
		}
		// Duplicate usernames are a field error, and nothing half-written remains.
		_, err = s.CreateUser(ctx, linli.ConsoleActor(), linli.UserInput{Username: "worker.a", DisplayName: "x",
			Roles: []linli.Role{linli.RoleGridWorker}, OrgUnitID: u.OrgUnitID, ScopeIDs: []int64{tr.gridA.ID}}, "h")
		if !errors.As(err, &ve) || !hasField(ve, "username", "user.username.taken") {
			t.Fatalf("CreateUser duplicate = %v", err)
		}
	})
}
