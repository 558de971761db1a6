package linli_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/linli-org/linli"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSecurityMatrixGolden renders the role → permission table into
// docs/SECURITY.md between markers, so every change to it is reviewed.
func TestSecurityMatrixGolden(t *testing.T) {
	const path = "docs/SECURITY.md"
	const begin, end = "<!-- permission-matrix:begin -->", "<!-- permission-matrix:end -->"
	var b strings.Builder
	b.WriteString(begin + "\n")
	b.WriteString("| permission |")
	for _, r := range linli.AllRoles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|")
	for range linli.AllRoles {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, p := range linli.AllPermissions() {
		b.WriteString("| `" + string(p) + "` |")
		for _, r := range linli.AllRoles {
			if linli.PermissionsOf([]linli.Role{r})[p] {
				b.WriteString(" ✔ |")
			} else {
				b.WriteString("  |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| **second factor required** |")
	for _, r := range linli.AllRoles {
		if linli.NeedsSecondFactor([]linli.Role{r}) {
			b.WriteString(" ✔ |")
		} else {
			b.WriteString("  |")
		}
	}
	b.WriteString("\n" + end)
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the permission-matrix markers", path)
	}
	got := string(doc[i : j+len(end)])
	if got == b.String() {
		return
	}
	if *update {
		out := string(doc[:i]) + b.String() + string(doc[j+len(end):])
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s permission matrix is stale; run go test . -run SecurityMatrix -update\n got:\n%s\nwant:\n%s", path, got, b.String())
}

// TestAdminDutiesSeparated checks the 三员 rules on the table itself.
func TestAdminDutiesSeparated(t *testing.T) {
	sys := linli.PermissionsOf([]linli.Role{linli.RoleSystemAdmin})
	audit := linli.PermissionsOf([]linli.Role{linli.RoleAuditAdmin})
	sec := linli.PermissionsOf([]linli.Role{linli.RoleSecurityAdmin})
	if sys[linli.PermAuditRead] || sys[linli.PermAuditExport] {
		t.Error("the system admin can read the audit log")
	}
	if audit[linli.PermUserManage] || audit[linli.PermSettingsManage] || audit[linli.PermRoleGrantAdmin] || audit[linli.PermAreaManage] {
		t.Error("the audit admin can manage users or settings")
	}
	if sec[linli.PermAuditRead] || sec[linli.PermSettingsManage] {
		t.Error("the security admin can read audit or change settings")
	}
	for _, r := range linli.AllRoles {
		if r != linli.RoleAuditAdmin && linli.PermissionsOf([]linli.Role{r})[linli.PermAuditRead] {
			t.Errorf("role %s can read the audit log", r)
		}
	}
	cases := []struct {
		roles []linli.Role
		want  string
	}{
		{[]linli.Role{linli.RoleSystemAdmin, linli.RoleAuditAdmin}, "user.roles.admin_exclusive"},
		{[]linli.Role{linli.RoleSecurityAdmin, linli.RoleSystemAdmin}, "user.roles.admin_exclusive"},
		{[]linli.Role{linli.RoleSecurityAdmin, linli.RoleCommunityWorker}, "user.roles.admin_alone"},
		{[]linli.Role{linli.RoleCommunityWorker, linli.RoleCommunityWorker}, "user.roles.duplicate"},
		{[]linli.Role{"boss"}, "user.roles.unknown"},
		{nil, "user.roles.required"},
		{[]linli.Role{linli.RoleAuditAdmin}, ""},
		{[]linli.Role{linli.RoleGridWorker, linli.RoleVolunteer}, ""},
	}
	for _, c := range cases {
		if got := linli.CheckRoles(c.roles); got != c.want {
			t.Errorf("CheckRoles(%v) = %q, want %q", c.roles, got, c.want)
		}
	}
}

func TestNeedsSecondFactor(t *testing.T) {
	cases := map[linli.Role]bool{
		linli.RoleSystemAdmin: true, linli.RoleSecurityAdmin: true, linli.RoleAuditAdmin: true,
		linli.RoleCommunityHead: true, linli.RoleStreetStaff: true,
		linli.RoleCommunityWorker: false, linli.RoleDistrictAdmin: false, linli.RoleResident: false,
	}
	for r, want := range cases {
		if got := linli.NeedsSecondFactor([]linli.Role{r}); got != want {
			t.Errorf("NeedsSecondFactor(%s) = %v, want %v", r, got, want)
		}
	}
}

func TestScopeContains(t *testing.T) {
	sc := linli.Scope{Paths: []string{"/1/4/"}}
	cases := map[string]bool{"/1/4/": true, "/1/4/9/": true, "/1/40/": false, "/1/": false, "/2/4/": false}
	for p, want := range cases {
		if got := sc.Contains(p); got != want {
			t.Errorf("Scope{/1/4/}.Contains(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestTagAdminIsBusinessAdministration checks who administers the tag
// catalogue: the district's business administrator only. The catalogue is
// registry configuration, not system configuration: the system admin holds
// no registry permission (三员), and a holder must be able to open the
// catalogue page (person.read).
func TestTagAdminIsBusinessAdministration(t *testing.T) {
	var holders []linli.Role
	for _, r := range linli.AllRoles {
		perms := linli.PermissionsOf([]linli.Role{r})
		if perms[linli.PermTagAdmin] {
			holders = append(holders, r)
			if !perms[linli.PermPersonRead] {
				t.Errorf("%s holds tag.admin without person.read", r)
			}
		}
	}
	if len(holders) != 1 || holders[0] != linli.RoleDistrictAdmin {
		t.Fatalf("tag.admin holders = %v, want [district_admin]", holders)
	}
	if !linli.ConsoleActor().Can(linli.PermTagAdmin) {
		t.Error("the console cannot administer the catalogue")
	}
}
