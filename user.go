package linli

import (
	"strings"
	"time"
	"unicode/utf8"
)

// User is an account: a resident, a volunteer, a member of staff, an admin.
type User struct {
	ID            int64
	Username      string
	DisplayName   string
	Roles         []Role
	OrgUnitID     int64
	OrgUnitName   string
	Scope         []Area // the nodes of the staff scope
	Disabled      bool
	TOTPEnabled   bool
	LockedUntil   time.Time
	FailedLogins  int
	PasswordAt    time.Time
	LastLoginAt   time.Time
	CreatedAt     time.Time
	MustChangePwd bool
}

// UserInput is what an admin submits to create an account.
type UserInput struct {
	Username    string
	DisplayName string
	Password    string
	Roles       []Role
	OrgUnitID   int64
	ScopeIDs    []int64
	// MustChangePassword makes the first login go to the password form:
	// set for any password an administrator chose.
	MustChangePassword bool
}

// ValidateUser checks the shape of a new account; the password policy and
// the existence of the org unit and scope nodes are checked by the caller.
func ValidateUser(in UserInput) *ValidationError {
	v := &ValidationError{}
	u := strings.TrimSpace(in.Username)
	switch {
	case u == "":
		v.Add("username", "user.username.required")
	case len(u) < 3 || len(u) > 32 || !usernameOK(u):
		v.Add("username", "user.username.format")
	}
	dn := strings.TrimSpace(in.DisplayName)
	if dn == "" {
		v.Add("display_name", "user.display_name.required")
	} else if utf8.RuneCountInString(dn) > 40 {
		v.Add("display_name", "user.display_name.too_long", 40)
	}
	if key := CheckRoles(in.Roles); key != "" {
		v.Add("roles", key)
	}
	staff := false
	for _, r := range in.Roles {
		if r.IsStaff() {
			staff = true
		}
	}
	if staff && in.OrgUnitID == 0 {
		v.Add("org_unit", "user.org_unit.required")
	}
	if staff && len(in.ScopeIDs) == 0 {
		v.Add("scope", "user.scope.required")
	}
	return v
}

func usernameOK(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// OrgUnit is an organisation staff belong to: a street office, a community
// committee, a department, a property company.
type OrgUnit struct {
	ID           int64
	Name         string
	Kind         string
	AreaID       int64
	Email        string // where its work-order notices are mailed; "" for none
	SupervisorID int64  // the unit that supervises it (督办); 0 for none
}

// OrgUnitKinds are the kinds of org unit.
var OrgUnitKinds = []string{"district_office", "street_office", "community_committee", "department", "property_company", "social_org"}
