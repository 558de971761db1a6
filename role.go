package linli

import "sort"

// Role is what an account is for. Staff roles carry an area scope.
type Role string

const (
	RoleResident        Role = "resident"
	RoleVolunteer       Role = "volunteer"
	RoleGridWorker      Role = "grid_worker"      // 网格员
	RoleCommunityWorker Role = "community_worker" // 社区工作者
	RoleCommunityHead   Role = "community_head"   // 社区书记/主任
	RoleStreetStaff     Role = "street_staff"     // 街道工作人员
	RoleDeptStaff       Role = "dept_staff"       // 承办单位工作人员
	RoleDistrictAdmin   Role = "district_admin"   // 区级业务管理员
	RoleSystemAdmin     Role = "system_admin"     // 系统管理员
	RoleSecurityAdmin   Role = "security_admin"   // 安全管理员
	RoleAuditAdmin      Role = "audit_admin"      // 审计管理员
)

// AllRoles lists every role in display order.
var AllRoles = []Role{
	RoleResident, RoleVolunteer, RoleGridWorker, RoleCommunityWorker, RoleCommunityHead,
	RoleStreetStaff, RoleDeptStaff, RoleDistrictAdmin, RoleSystemAdmin, RoleSecurityAdmin, RoleAuditAdmin,
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	for _, r := range AllRoles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// IsAdminDuty reports whether r is one of the three separated admin duties
// (三员: system, security and audit administrator).
func (r Role) IsAdminDuty() bool {
	return r == RoleSystemAdmin || r == RoleSecurityAdmin || r == RoleAuditAdmin
}

// IsStaff reports whether r is a staff role, which needs an org unit and an
// area scope.
func (r Role) IsStaff() bool { return r != RoleResident && r != RoleVolunteer }

// Permission is one thing an actor may do.
type Permission string

const (
	PermDashboard      Permission = "dashboard.view"
	PermAreaRead       Permission = "area.read"
	PermAreaManage     Permission = "area.manage"
	PermUserRead       Permission = "user.read"
	PermUserManage     Permission = "user.manage"      // create, disable, reset password, grant business roles
	PermRoleGrantAdmin Permission = "role.grant_admin" // grant the three admin duties
	PermAccountUnlock  Permission = "account.unlock"
	PermSessionRevoke  Permission = "session.revoke" // revoke other people's sessions
	PermSecurityPolicy Permission = "security.policy"
	PermSettingsManage Permission = "settings.manage"
	PermAPITokenManage Permission = "apitoken.manage"
	PermAuditRead      Permission = "audit.read"
	PermAuditExport    Permission = "audit.export"
	PermPersonRead     Permission = "person.read"
	PermPersonWrite    Permission = "person.write"
	PermPIIReveal      Permission = "pii.reveal"      // sensitive: show full ID numbers and phones
	PermSensitiveRead  Permission = "sensitive.read"  // sensitive: health, disability, income, 低保
	PermRestrictedRead Permission = "restricted.read" // sensitive: correction, release, rehabilitation
	PermDataExport     Permission = "data.export"
	PermTagAdmin       Permission = "tag.admin"    // create, edit, retire entries of the tag catalogue
	PermSelfService    Permission = "self.service" // a resident's own requests and data
	PermVolunteer      Permission = "volunteer.self"
)

// SensitivePermissions are those whose holders must use a second factor.
var SensitivePermissions = []Permission{PermPIIReveal, PermSensitiveRead, PermRestrictedRead}

// RolePermissions is the one table that maps roles to permissions. It is
// rendered into docs/SECURITY.md by a test, so the matrix is reviewable.
var RolePermissions = map[Role][]Permission{
	RoleResident:        {PermSelfService},
	RoleVolunteer:       {PermSelfService, PermVolunteer},
	RoleGridWorker:      {PermDashboard, PermAreaRead, PermPersonRead, PermPersonWrite, PermWORead, PermWOIntake},
	RoleCommunityWorker: {PermDashboard, PermAreaRead, PermPersonRead, PermPersonWrite, PermWORead, PermWOIntake, PermWOHandle, PermKPIRead},
	RoleCommunityHead: {PermDashboard, PermAreaRead, PermPersonRead, PermPersonWrite, PermUserRead,
		PermPIIReveal, PermSensitiveRead, PermRestrictedRead, PermDataExport, PermWORead, PermWOIntake, PermWOHandle, PermWOSupervise, PermKPIRead},
	RoleStreetStaff: {PermDashboard, PermAreaRead, PermPersonRead, PermPersonWrite, PermUserRead,
		PermPIIReveal, PermSensitiveRead, PermDataExport, PermWORead, PermWOIntake, PermWOHandle, PermWOSupervise, PermKPIRead},
	RoleDeptStaff: {PermDashboard, PermAreaRead, PermWORead, PermWOHandle},
	RoleDistrictAdmin: {PermDashboard, PermAreaRead, PermAreaManage, PermUserRead, PermUserManage,
		PermPersonRead, PermDataExport, PermTagAdmin, PermWORead, PermWOIntake, PermWOSupervise, PermKPIRead, PermServiceAdmin},
	RoleSystemAdmin: {PermDashboard, PermAreaRead, PermAreaManage, PermUserRead, PermUserManage,
		PermSettingsManage, PermAPITokenManage},
	RoleSecurityAdmin: {PermDashboard, PermUserRead, PermRoleGrantAdmin, PermAccountUnlock,
		PermSessionRevoke, PermSecurityPolicy},
	RoleAuditAdmin: {PermDashboard, PermAuditRead, PermAuditExport},
}

// AllPermissions lists every permission that appears in the table, sorted.
func AllPermissions() []Permission {
	seen := map[Permission]bool{}
	for _, ps := range RolePermissions {
		for _, p := range ps {
			seen[p] = true
		}
	}
	out := make([]Permission, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// PermissionsOf is the union of the permissions of roles.
func PermissionsOf(roles []Role) map[Permission]bool {
	m := map[Permission]bool{}
	for _, r := range roles {
		for _, p := range RolePermissions[r] {
			m[p] = true
		}
	}
	return m
}

// NeedsSecondFactor reports whether an account with these roles must use
// TOTP: the three admin duties and any role holding a sensitive permission.
func NeedsSecondFactor(roles []Role) bool {
	perms := PermissionsOf(roles)
	for _, r := range roles {
		if r.IsAdminDuty() {
			return true
		}
	}
	for _, p := range SensitivePermissions {
		if perms[p] {
			return true
		}
	}
	return false
}

// CheckRoles validates a set of roles for one account: known roles, no
// duplicates, at most one of the three admin duties, and admin duties not
// mixed with business roles. It returns a message key or "".
func CheckRoles(roles []Role) string {
	if len(roles) == 0 {
		return "user.roles.required"
	}
	seen := map[Role]bool{}
	admin := 0
	for _, r := range roles {
		if _, ok := ParseRole(string(r)); !ok {
			return "user.roles.unknown"
		}
		if seen[r] {
			return "user.roles.duplicate"
		}
		seen[r] = true
		if r.IsAdminDuty() {
			admin++
		}
	}
	if admin > 1 {
		return "user.roles.admin_exclusive"
	}
	if admin == 1 && len(roles) > 1 {
		return "user.roles.admin_alone"
	}
	return ""
}
