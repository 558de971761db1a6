package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// userVisible is the condition under which the actor may see user u: one of
// u's scope nodes is inside the actor's scope; accounts with no scope
// (residents, volunteers) are visible to those who manage users.
func userVisible(a linli.Actor) (string, []any) {
	cond, args := scopeCond("sa.path", a.Scope)
	q := `(EXISTS (SELECT 1 FROM user_scopes us JOIN areas sa ON sa.id = us.area_id WHERE us.user_id = u.id AND ` + cond + `)`
	if a.Can(linli.PermUserManage) || a.Can(linli.PermRoleGrantAdmin) {
		q += ` OR NOT EXISTS (SELECT 1 FROM user_scopes us WHERE us.user_id = u.id)`
	}
	return q + `)`, args
}

const userCols = `u.id, u.username, u.display_name, COALESCE(u.org_unit_id, 0), COALESCE(o.name, ''), u.disabled_at,
	u.totp_enabled, u.locked_until, u.failed_logins, u.password_changed_at, u.last_login_at, u.created_at, u.must_change_password`

func scanUser(r scanner) (linli.User, error) {
	var u linli.User
	var disabled time.Time
	var totp, must int
	err := r.Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgUnitID, &u.OrgUnitName, tm{&disabled}, &totp,
		tm{&u.LockedUntil}, &u.FailedLogins, tm{&u.PasswordAt}, tm{&u.LastLoginAt}, tm{&u.CreatedAt}, &must)
	u.Disabled = !disabled.IsZero()
	u.TOTPEnabled = totp == 1
	u.MustChangePwd = must == 1
	return u, err
}

// rolesAndScope fills the roles and scope nodes of users.
func (s *Store) rolesAndScope(ctx context.Context, q func(string, ...any) (*sql.Rows, error), users []linli.User) error {
	for i := range users {
		roles, err := loadRoles(q, users[i].ID)
		if err != nil {
			return err
		}
		users[i].Roles = roles
		rows, err := q(`SELECT `+areaColsA+` FROM user_scopes us JOIN areas a ON a.id = us.area_id WHERE us.user_id = ? ORDER BY a.path`, users[i].ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			ar, err := scanArea(rows)
			if err != nil {
				rows.Close()
				return err
			}
			users[i].Scope = append(users[i].Scope, ar)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func loadRoles(q func(string, ...any) (*sql.Rows, error), userID int64) ([]linli.Role, error) {
	rows, err := q(`SELECT role FROM user_roles WHERE user_id = ?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var roles []linli.Role
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		roles = append(roles, linli.Role(r))
	}
	sortRoles(roles)
	return roles, rows.Err()
}

// sortRoles puts roles in the display order of linli.AllRoles.
func sortRoles(roles []linli.Role) {
	if len(roles) < 2 {
		return
	}
	order := func(r linli.Role) int {
		for i, x := range linli.AllRoles {
			if x == r {
				return i
			}
		}
		return len(linli.AllRoles)
	}
	sort.Slice(roles, func(i, j int) bool { return order(roles[i]) < order(roles[j]) })
}

func (s *Store) readQ(ctx context.Context) func(string, ...any) (*sql.Rows, error) {
	return func(q string, args ...any) (*sql.Rows, error) { return s.query(ctx, q, args...) }
}

func (tx *Tx) q() func(string, ...any) (*sql.Rows, error) { return tx.query }

// User returns one account visible to the actor.
func (s *Store) User(ctx context.Context, a linli.Actor, id int64) (linli.User, error) {
	if !a.Can(linli.PermUserRead) {
		return linli.User{}, linli.ErrNotFound
	}
	cond, args := userVisible(a)
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return u, s.mapErr(err)
	}
	us := []linli.User{u}
	if err := s.rolesAndScope(ctx, s.readQ(ctx), us); err != nil {
		return u, err
	}
	return us[0], nil
}

// UserFilter narrows a user listing.
type UserFilter struct {
	Query    string
	Role     linli.Role
	AfterID  int64
	Limit    int
	Disabled bool // include disabled accounts
}

// Users lists the accounts visible to the actor, by id.
func (s *Store) Users(ctx context.Context, a linli.Actor, f UserFilter) ([]linli.User, error) {
	if !a.Can(linli.PermUserRead) {
		return nil, linli.ErrNotFound
	}
	cond, args := userVisible(a)
	q := `SELECT ` + userCols + ` FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id WHERE ` + cond
	if !f.Disabled {
		q += ` AND u.disabled_at IS NULL`
	}
	if f.AfterID > 0 {
		q += ` AND u.id > ?`
		args = append(args, f.AfterID)
	}
	if f.Role != "" {
		q += ` AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ?)`
		args = append(args, string(f.Role))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + escapeLike(s) + "%"
		q += ` AND (u.username LIKE ? ESCAPE '\' OR u.display_name LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q += fmt.Sprintf(` ORDER BY u.id LIMIT %d`, limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	var out []linli.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.rolesAndScope(ctx, s.readQ(ctx), out)
}

// CountUsers counts the live accounts visible to the actor.
func (s *Store) CountUsers(ctx context.Context, a linli.Actor) (int, error) {
	if !a.Can(linli.PermUserRead) {
		return 0, nil
	}
	cond, args := userVisible(a)
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM users u WHERE u.disabled_at IS NULL AND `+cond, args...).Scan(&n)
	return n, s.mapErr(err)
}

// canGrant checks who may give which roles: business roles need
// user.manage; an admin duty needs role.grant_admin (the security admin).
func canGrant(a linli.Actor, roles []linli.Role) bool {
	for _, r := range roles {
		if r.IsAdminDuty() {
			if !a.Can(linli.PermRoleGrantAdmin) {
				return false
			}
		} else if !a.Can(linli.PermUserManage) {
			return false
		}
	}
	return true
}

// checkScopeNodes loads the scope nodes and requires each to be live and in
// the actor's scope.
func (tx *Tx) checkScopeNodes(a linli.Actor, ids []int64, v *linli.ValidationError) {
	for _, id := range ids {
		ar, err := tx.area(a, id)
		if err != nil || ar.Retired {
			v.Add("scope", "user.scope.not_found")
			return
		}
	}
}

func (tx *Tx) checkOrgUnit(a linli.Actor, id int64, v *linli.ValidationError) {
	if id == 0 {
		return
	}
	cond, args := scopeCond("a.path", a.Scope)
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM org_units o JOIN areas a ON a.id = o.area_id WHERE o.id = ? AND `+cond,
		append([]any{id}, args...)...).Scan(&n); err != nil || n == 0 {
		v.Add("org_unit", "user.org_unit.not_found")
	}
}

// CreateUser adds an account. passwordHash is the sealed password hash; the
// caller has checked the password policy.
func (s *Store) CreateUser(ctx context.Context, a linli.Actor, in linli.UserInput, passwordHash string) (linli.User, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if !canGrant(a, in.Roles) {
		return linli.User{}, linli.ErrForbidden
	}
	var id int64
	err := s.write(ctx, func(tx *Tx) error {
		v := linli.ValidateUser(in)
		tx.checkScopeNodes(a, in.ScopeIDs, v)
		tx.checkOrgUnit(a, in.OrgUnitID, v)
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE username = ?`, in.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			v.Add("username", "user.username.taken")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		must := 0
		if in.MustChangePassword {
			must = 1
		}
		id, err = tx.insert(`INSERT INTO users (username, display_name, password_hash, org_unit_id, password_changed_at, must_change_password, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.Username, in.DisplayName, passwordHash, nullInt(in.OrgUnitID), tx.s.d.t(tx.now), must, tx.s.d.t(tx.now), tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		if err := tx.setRolesScope(id, in.Roles, in.ScopeIDs); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO password_history (user_id, password_hash, at) VALUES (?, ?, ?)`, id, passwordHash, tx.s.d.t(tx.now)); err != nil {
			return err
		}
		ev := auditEvent(a, "user.create", "user", id, firstID(in.ScopeIDs))
		ev.Detail = "roles=" + joinRoles(in.Roles)
		return tx.audit(ev)
	})
	if err != nil {
		return linli.User{}, err
	}
	return s.userByID(ctx, id)
}

func firstID(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

func joinRoles(rs []linli.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func (tx *Tx) setRolesScope(id int64, roles []linli.Role, scope []int64) error {
	if _, err := tx.exec(`DELETE FROM user_roles WHERE user_id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM user_scopes WHERE user_id = ?`, id); err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := tx.exec(`INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, id, string(r)); err != nil {
			return err
		}
	}
	seen := map[int64]bool{}
	for _, aid := range scope {
		if seen[aid] {
			continue
		}
		seen[aid] = true
		if _, err := tx.exec(`INSERT INTO user_scopes (user_id, area_id) VALUES (?, ?)`, id, aid); err != nil {
			return err
		}
	}
	return nil
}

// userByID reads an account without a scope check, for internal use after
// a write that already checked it.
func (s *Store) userByID(ctx context.Context, id int64) (linli.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = ?`, id))
	if err != nil {
		return u, s.mapErr(err)
	}
	us := []linli.User{u}
	err = s.rolesAndScope(ctx, s.readQ(ctx), us)
	return us[0], err
}

// txUser loads a user visible to the actor inside a transaction.
func (tx *Tx) user(a linli.Actor, id int64) (linli.User, error) {
	cond, args := userVisible(a)
	u, err := scanUser(tx.queryRow(`SELECT `+userCols+` FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return u, err
	}
	u.Roles, err = loadRoles(tx.q(), id)
	return u, err
}

// GrantRoles replaces an account's roles and scope. The actor must be
// allowed to grant both the old and the new roles, and the new scope must be
// inside the actor's.
func (s *Store) GrantRoles(ctx context.Context, a linli.Actor, id int64, roles []linli.Role, scopeIDs []int64) error {
	if !canGrant(a, roles) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		u, err := tx.user(a, id)
		if err != nil {
			return err
		}
		if !canGrant(a, u.Roles) {
			return linli.ErrForbidden
		}
		if u.ID == a.UserID {
			return linli.Invalid("roles", "user.roles.self")
		}
		v := &linli.ValidationError{}
		if key := linli.CheckRoles(roles); key != "" {
			v.Add("roles", key)
		}
		staff := false
		for _, r := range roles {
			staff = staff || r.IsStaff()
		}
		if staff && len(scopeIDs) == 0 {
			v.Add("scope", "user.scope.required")
		}
		tx.checkScopeNodes(a, scopeIDs, v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.setRolesScope(id, roles, scopeIDs); err != nil {
			return err
		}
		ev := auditEvent(a, "user.grant", "user", id, firstID(scopeIDs))
		ev.Detail = joinRoles(u.Roles) + " -> " + joinRoles(roles)
		return tx.audit(ev)
	})
}

// DisableUser disables an account and revokes all its sessions.
func (s *Store) DisableUser(ctx context.Context, a linli.Actor, id int64) error {
	return s.write(ctx, func(tx *Tx) error {
		u, err := tx.user(a, id)
		if err != nil {
			return err
		}
		if !canGrant(a, u.Roles) {
			return linli.ErrForbidden
		}
		if u.ID == a.UserID {
			return linli.Conflict("user.disable.self")
		}
		if u.Disabled {
			return linli.Conflict("user.already_disabled")
		}
		if _, err := tx.exec(`UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, tx.s.d.t(tx.now), tx.s.d.t(tx.now), id); err != nil {
			return err
		}
		if err := tx.revokeUserSessions(id, 0); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "user.disable", "user", id, 0))
	})
}

// EnableUser re-enables a disabled account.
func (s *Store) EnableUser(ctx context.Context, a linli.Actor, id int64) error {
	return s.write(ctx, func(tx *Tx) error {
		u, err := tx.user(a, id)
		if err != nil {
			return err
		}
		if !canGrant(a, u.Roles) {
			return linli.ErrForbidden
		}
		if _, err := tx.exec(`UPDATE users SET disabled_at = NULL, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`, tx.s.d.t(tx.now), id); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "user.enable", "user", id, 0))
	})
}

// ResetPassword sets a new (sealed) password hash chosen by an admin; the
// user must change it at next login. All sessions are revoked.
func (s *Store) ResetPassword(ctx context.Context, a linli.Actor, id int64, passwordHash string) error {
	return s.write(ctx, func(tx *Tx) error {
		u, err := tx.user(a, id)
		if err != nil {
			return err
		}
		if !canGrant(a, u.Roles) {
			return linli.ErrForbidden
		}
		if err := tx.setPassword(id, passwordHash, true); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "user.reset_password", "user", id, 0))
	})
}

func (tx *Tx) setPassword(id int64, hash string, mustChange bool) error {
	must := 0
	if mustChange {
		must = 1
	}
	if _, err := tx.exec(`UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`,
		hash, tx.s.d.t(tx.now), must, tx.s.d.t(tx.now), id); err != nil {
		return err
	}
	if _, err := tx.exec(`INSERT INTO password_history (user_id, password_hash, at) VALUES (?, ?, ?)`, id, hash, tx.s.d.t(tx.now)); err != nil {
		return err
	}
	return tx.revokeUserSessions(id, 0)
}

// ChangeOwnPassword stores the actor's new (sealed) password hash and
// revokes all their sessions; the caller starts a fresh one.
func (s *Store) ChangeOwnPassword(ctx context.Context, a linli.Actor, passwordHash string) error {
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.setPassword(a.UserID, passwordHash, false); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "account.password", "user", a.UserID, 0))
	})
}

// PasswordHistory returns the actor's most recent n password hashes.
func (s *Store) PasswordHistory(ctx context.Context, userID int64, n int) ([]string, error) {
	rows, err := s.query(ctx, fmt.Sprintf(`SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY at DESC LIMIT %d`, n), userID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// UnlockUser clears a lockout (the security admin's duty).
func (s *Store) UnlockUser(ctx context.Context, a linli.Actor, id int64) error {
	if !a.Can(linli.PermAccountUnlock) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.user(a, id); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`, tx.s.d.t(tx.now), id); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "user.unlock", "user", id, 0))
	})
}

// OrgUnits lists the org units whose area is in the actor's scope.
func (s *Store) OrgUnits(ctx context.Context, a linli.Actor) ([]linli.OrgUnit, error) {
	cond, args := scopeCond("a.path", a.Scope)
	rows, err := s.query(ctx, `SELECT o.id, o.name, o.kind, o.area_id, o.email, COALESCE(o.supervisor_id, 0) FROM org_units o
		JOIN areas a ON a.id = o.area_id WHERE `+cond+` ORDER BY a.path, o.name`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.OrgUnit
	for rows.Next() {
		var o linli.OrgUnit
		if err := rows.Scan(&o.ID, &o.Name, &o.Kind, &o.AreaID, &o.Email, &o.SupervisorID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CreateOrgUnit adds an org unit at an area in scope.
func (s *Store) CreateOrgUnit(ctx context.Context, a linli.Actor, o linli.OrgUnit) (linli.OrgUnit, error) {
	if !a.Can(linli.PermUserManage) {
		return o, linli.ErrForbidden
	}
	o.Name, o.Email = strings.TrimSpace(o.Name), strings.TrimSpace(o.Email)
	err := s.write(ctx, func(tx *Tx) error {
		v := &linli.ValidationError{}
		if o.Name == "" {
			v.Add("name", "orgunit.name.required")
		}
		kindOK := false
		for _, k := range linli.OrgUnitKinds {
			kindOK = kindOK || k == o.Kind
		}
		if !kindOK {
			v.Add("kind", "orgunit.kind.invalid")
		}
		if _, err := tx.area(a, o.AreaID); err != nil {
			v.Add("area", "orgunit.area.not_found")
		}
		if o.Email != "" && (!strings.Contains(o.Email, "@") || len(o.Email) > 200) {
			v.Add("email", "orgunit.email.invalid")
		}
		if o.SupervisorID != 0 {
			var one int
			if err := tx.queryRow(`SELECT 1 FROM org_units WHERE id = ?`, o.SupervisorID).Scan(&one); err != nil {
				v.Add("supervisor", "orgunit.supervisor.not_found")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO org_units (name, kind, area_id, email, supervisor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			o.Name, o.Kind, o.AreaID, o.Email, nullInt(o.SupervisorID), tx.s.d.t(tx.now))
		if err != nil {
			if errors.Is(tx.s.mapErr(err), linli.ErrConflict) {
				return linli.Invalid("name", "orgunit.name.taken")
			}
			return err
		}
		o.ID = id
		return tx.audit(auditEvent(a, "orgunit.create", "org_unit", id, o.AreaID))
	})
	return o, err
}
