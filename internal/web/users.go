package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/store"
)

// usersPerPage is the length of one page of the user list.
const usersPerPage = 50

// managesUsers reports whether the actor may create accounts or change
// them at all: business roles need user.manage, admin duties
// role.grant_admin.
func managesUsers(a linli.Actor) bool {
	return a.Can(linli.PermUserManage) || a.Can(linli.PermRoleGrantAdmin)
}

// mayGrant mirrors the store's rule (which stays the real check): the
// actor may give, or take away, every role in roles.
func mayGrant(a linli.Actor, roles []linli.Role) bool {
	for _, r := range roles {
		if r.IsAdminDuty() && !a.Can(linli.PermRoleGrantAdmin) {
			return false
		}
		if !r.IsAdminDuty() && !a.Can(linli.PermUserManage) {
			return false
		}
	}
	return true
}

// grantableRoles lists the roles the actor may grant, in display order.
func grantableRoles(a linli.Actor) []linli.Role {
	var out []linli.Role
	for _, r := range linli.AllRoles {
		if mayGrant(a, []linli.Role{r}) {
			out = append(out, r)
		}
	}
	return out
}

// RoleChoice is a role checkbox.
type RoleChoice struct {
	Role    linli.Role
	Checked bool
}

func roleChoices(roles []linli.Role, checked map[linli.Role]bool) []RoleChoice {
	out := make([]RoleChoice, 0, len(roles))
	for _, r := range roles {
		out = append(out, RoleChoice{Role: r, Checked: checked[r]})
	}
	return out
}

// parseRoles reads the submitted role names; ok is false when one is
// unknown.
func parseRoles(vals []string) (roles []linli.Role, set map[linli.Role]bool, ok bool) {
	set = map[linli.Role]bool{}
	ok = true
	for _, v := range vals {
		r, known := linli.ParseRole(strings.TrimSpace(v))
		if !known {
			ok = false
			continue
		}
		if !set[r] {
			set[r] = true
			roles = append(roles, r)
		}
	}
	return roles, set, ok
}

// UserRow is one account in the list.
type UserRow struct {
	linli.User
	Status string
}

// UserListPage lists the accounts visible to the actor.
type UserListPage struct {
	Page
	Users     []UserRow
	Q         string
	Role      string
	Roles     []linli.Role
	Next      string
	CanCreate bool
}

// statusOf is the display status of an account: disabled, locked or active.
func (s *Server) statusOf(p Page, u linli.User) string {
	switch {
	case u.Disabled:
		return p.T("user.status.disabled")
	case s.st.Now().Before(u.LockedUntil):
		return p.T("user.status.locked")
	}
	return p.T("user.status.active")
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	p := s.page(r, "users.title")
	q := r.URL.Query()
	f := store.UserFilter{Query: strings.TrimSpace(q.Get("q")), Limit: usersPerPage, Disabled: true}
	if role, ok := linli.ParseRole(q.Get("role")); ok {
		f.Role = role
	}
	if after, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && after > 0 {
		f.AfterID = after
	}
	users, err := s.st.Users(r.Context(), a, f)
	if err != nil {
		return err
	}
	pg := UserListPage{Page: p, Q: f.Query, Role: string(f.Role), Roles: linli.AllRoles, CanCreate: managesUsers(a)}
	for _, u := range users {
		pg.Users = append(pg.Users, UserRow{User: u, Status: s.statusOf(p, u)})
	}
	if len(users) == usersPerPage {
		v := url.Values{}
		if f.Query != "" {
			v.Set("q", f.Query)
		}
		if f.Role != "" {
			v.Set("role", string(f.Role))
		}
		v.Set("after", strconv.FormatInt(users[len(users)-1].ID, 10))
		pg.Next = "/users?" + v.Encode()
	}
	return s.render(w, r, http.StatusOK, "user_list.html", pg)
}

// OrgOption is an org unit in a select.
type OrgOption struct {
	ID       int64
	Name     string
	Selected bool
}

// UserNewPage is the form for a new account.
type UserNewPage struct {
	Page
	Form      Form
	Roles     []RoleChoice
	OrgUnits  []OrgOption
	Scope     []AreaOption
	PolicyMin int
}

func (s *Server) userNewPage(w http.ResponseWriter, r *http.Request, f Form, roles map[linli.Role]bool, scope map[int64]bool, status int) error {
	ctx := r.Context()
	a := actor(r)
	orgs, err := s.st.OrgUnits(ctx, a)
	if err != nil {
		return err
	}
	areas, err := s.st.Areas(ctx, a, store.AreaFilter{})
	if err != nil {
		return err
	}
	p := s.page(r, "users.new")
	pg := UserNewPage{Page: p, Form: f, Roles: roleChoices(grantableRoles(a), roles), Scope: areaOptions(p, areas, scope), PolicyMin: s.opt.Policy.MinLength}
	for _, o := range orgs {
		pg.OrgUnits = append(pg.OrgUnits, OrgOption{ID: o.ID, Name: o.Name, Selected: f.Values["org_unit"] == strconv.FormatInt(o.ID, 10)})
	}
	return s.render(w, r, status, "user_new.html", pg)
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) error {
	if !managesUsers(actor(r)) {
		return linli.ErrNotFound
	}
	return s.userNewPage(w, r, newForm(), nil, nil, http.StatusOK)
}

// userCreate checks the password policy, hashes and seals the password and
// creates the account. The password is never echoed back.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if !managesUsers(a) {
		return linli.ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	p := s.page(r, "users.new")
	f := formFrom(r, "username", "display_name", "org_unit")
	pw := r.PostFormValue("password")
	roles, roleSet, rolesOK := parseRoles(r.PostForm["roles"])
	scopeIDs, scopeSet := idSet(r.PostForm["scope"])
	in := linli.UserInput{Username: f.Values["username"], DisplayName: f.Values["display_name"], Roles: roles, ScopeIDs: scopeIDs, MustChangePassword: true}
	if v := f.Values["org_unit"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["org_unit"] = p.T("user.org_unit.not_found")
		}
		in.OrgUnitID = id
	}
	if err := s.checkPolicy(pw, in.Username); err != nil {
		var pe *auth.PolicyError
		if !errors.As(err, &pe) {
			return err
		}
		f.Errors["password"] = p.T(pe.Key, pe.Args...)
	}
	if len(f.Errors) > 0 || !rolesOK {
		// Report the shape of the rest too, so the user fixes it all at once.
		f.setErrors(p, linli.ValidateUser(in).Err())
		if !rolesOK {
			f.Errors["roles"] = p.T("user.roles.unknown")
		}
		return s.userNewPage(w, r, f, roleSet, scopeSet, http.StatusUnprocessableEntity)
	}
	hash, err := HashPassword(s.opt.Hasher, s.opt.Keys, pw)
	if err != nil {
		return err
	}
	u, err := s.st.CreateUser(ctx, a, in, hash)
	if err == nil {
		return s.redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), "user.created")
	}
	if f.setErrors(p, err) {
		return s.userNewPage(w, r, f, roleSet, scopeSet, http.StatusUnprocessableEntity)
	}
	return err
}

// checkPolicy checks a new password against the deployment's policy.
func (s *Server) checkPolicy(pw, username string) error {
	return s.opt.Policy.Check(pw, strings.ToLower(strings.TrimSpace(username)))
}

// UserShowPage is one account with the forms the actor may use.
type UserShowPage struct {
	Page
	User        linli.User
	Status      string
	Locked      bool
	IsSelf      bool
	CanGrant    bool
	CanState    bool // disable or enable
	CanReset    bool
	CanUnlock   bool
	CanSessions bool
	Sessions    []store.Session
	Roles       []RoleChoice
	Scope       []AreaOption
	Grant       Form
	Reset       Form
	Error       string
	PolicyMin   int
}

// userForms carries re-rendered forms into the detail page.
type userForms struct {
	grant      Form
	roles      map[linli.Role]bool // nil: the account's roles
	scope      map[int64]bool      // nil: the account's scope
	reset      Form
	err        string
	statusCode int
}

func (s *Server) showUser(w http.ResponseWriter, r *http.Request, id int64, uf userForms) error {
	ctx := r.Context()
	a := actor(r)
	u, err := s.st.User(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.page(r, "user.title")
	p.Title = u.Username
	if uf.grant.Values == nil {
		uf.grant = newForm()
	}
	if uf.reset.Values == nil {
		uf.reset = newForm()
	}
	pg := UserShowPage{Page: p, User: u, Status: s.statusOf(p, u), Locked: s.st.Now().Before(u.LockedUntil), IsSelf: u.ID == a.UserID,
		Grant: uf.grant, Reset: uf.reset, Error: uf.err, PolicyMin: s.opt.Policy.MinLength}
	touch := managesUsers(a) && mayGrant(a, u.Roles) && !pg.IsSelf
	pg.CanGrant, pg.CanState, pg.CanReset = touch, touch, touch
	pg.CanUnlock = a.Can(linli.PermAccountUnlock) && !pg.IsSelf
	if a.Can(linli.PermSessionRevoke) {
		pg.CanSessions = true
		if pg.Sessions, err = s.st.Sessions(ctx, a, id); err != nil {
			return err
		}
	}
	if pg.CanGrant {
		roles := uf.roles
		if roles == nil {
			roles = map[linli.Role]bool{}
			for _, r := range u.Roles {
				roles[r] = true
			}
		}
		scope := uf.scope
		if scope == nil {
			scope = map[int64]bool{}
			for _, ar := range u.Scope {
				scope[ar.ID] = true
			}
		}
		areas, err := s.st.Areas(ctx, a, store.AreaFilter{})
		if err != nil {
			return err
		}
		pg.Roles = roleChoices(grantableRoles(a), roles)
		pg.Scope = areaOptions(p, areas, scope)
	}
	status := uf.statusCode
	if status == 0 {
		status = http.StatusOK
	}
	return s.render(w, r, status, "user_show.html", pg)
}

func (s *Server) userShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showUser(w, r, id, userForms{})
}

// userAction is the common shape of the account actions: an id in the
// path, a manager, a store call, a conflict shown on the page.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, flash string, do func(a linli.Actor, id int64) error) error {
	a := actor(r)
	if !managesUsers(a) {
		return linli.ErrNotFound
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = do(a, id)
	if err == nil {
		return s.redirect(w, r, "/users/"+strconv.FormatInt(id, 10), flash)
	}
	if msg, ok := conflictMessage(s.page(r, "user.title"), err); ok {
		return s.showUser(w, r, id, userForms{err: msg, statusCode: http.StatusConflict})
	}
	return err
}

// userGrant replaces an account's roles and scope.
func (s *Server) userGrant(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if !managesUsers(a) {
		return linli.ErrNotFound
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	p := s.page(r, "user.title")
	f := newForm()
	roles, roleSet, ok := parseRoles(r.PostForm["roles"])
	scopeIDs, scopeSet := idSet(r.PostForm["scope"])
	if !ok {
		f.Errors["roles"] = p.T("user.roles.unknown")
		return s.showUser(w, r, id, userForms{grant: f, roles: roleSet, scope: scopeSet, statusCode: http.StatusUnprocessableEntity})
	}
	err = s.st.GrantRoles(r.Context(), a, id, roles, scopeIDs)
	if err == nil {
		return s.redirect(w, r, "/users/"+strconv.FormatInt(id, 10), "user.granted")
	}
	if f.setErrors(p, err) {
		return s.showUser(w, r, id, userForms{grant: f, roles: roleSet, scope: scopeSet, statusCode: http.StatusUnprocessableEntity})
	}
	if msg, ok := conflictMessage(p, err); ok {
		return s.showUser(w, r, id, userForms{err: msg, statusCode: http.StatusConflict})
	}
	return err
}

func (s *Server) userDisable(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, "user.disabled", func(a linli.Actor, id int64) error {
		return s.st.DisableUser(r.Context(), a, id)
	})
}

func (s *Server) userEnable(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, "user.enabled", func(a linli.Actor, id int64) error {
		return s.st.EnableUser(r.Context(), a, id)
	})
}

// userResetPassword sets a password chosen by the admin; the user must
// change it at the next login.
func (s *Server) userResetPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if !managesUsers(a) {
		return linli.ErrNotFound
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.st.User(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.page(r, "user.title")
	pw := r.PostFormValue("password")
	if err := s.checkPolicy(pw, u.Username); err != nil {
		var pe *auth.PolicyError
		if !errors.As(err, &pe) {
			return err
		}
		f := newForm()
		f.Errors["password"] = p.T(pe.Key, pe.Args...)
		return s.showUser(w, r, id, userForms{reset: f, statusCode: http.StatusUnprocessableEntity})
	}
	hash, err := HashPassword(s.opt.Hasher, s.opt.Keys, pw)
	if err != nil {
		return err
	}
	if err := s.st.ResetPassword(ctx, a, id, hash); err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+strconv.FormatInt(id, 10), "user.password_reset")
}

func (s *Server) userUnlock(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.UnlockUser(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+strconv.FormatInt(id, 10), "user.unlocked")
}

func (s *Server) userRevokeSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sid, err := pathID(r, "sid")
	if err != nil {
		return err
	}
	// The session must be one of this account's, as the URL says.
	sessions, err := s.st.Sessions(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	found := false
	for _, x := range sessions {
		found = found || x.ID == sid
	}
	if !found {
		return linli.ErrNotFound
	}
	if err := s.st.RevokeSession(r.Context(), actor(r), sid); err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+strconv.FormatInt(id, 10), "user.session.revoked")
}
