package api

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/linli-org/linli"
)

func auditAdmin() *linli.Actor {
	return actorOn(0, "auditor", []linli.Role{linli.RoleAuditAdmin})
}

func TestAuditVisibleToAuditAdminOnly(t *testing.T) {
	f := newFixture(t)
	// The fixture created 8 areas: 8 area.create records, seq 1..8.
	pg := mustJSON[page[auditJSON]](t, f.get(auditAdmin(), "/api/v1/audit"), http.StatusOK)
	if len(pg.Items) != 8 || pg.NextCursor != "" {
		t.Fatalf("audit = %d items, next %q; want 8 and no next page", len(pg.Items), pg.NextCursor)
	}
	for i, e := range pg.Items {
		if e.Seq != int64(8-i) || e.Action != "area.create" || e.ObjectType != "area" || len(e.Hash) != 64 {
			t.Fatalf("item %d = %+v, want newest first, area.create, with a hash", i, e)
		}
		// Each record links to the one before it (the next item).
		if i+1 < len(pg.Items) && e.PrevHash != pg.Items[i+1].Hash {
			t.Fatalf("item %d prev_hash %s != hash of seq %d", i, e.PrevHash, pg.Items[i+1].Seq)
		}
	}
	if pg.Items[7].PrevHash != linli.GenesisHash {
		t.Fatalf("first record prev_hash = %q, want genesis", pg.Items[7].PrevHash)
	}

	others := map[string]*linli.Actor{
		"system admin":   actorOn(0, "sysadmin", []linli.Role{linli.RoleSystemAdmin}, f.tr.district),
		"security admin": actorOn(0, "secadmin", []linli.Role{linli.RoleSecurityAdmin}, f.tr.district),
		"district admin": districtAdmin(f.tr),
	}
	for who, a := range others {
		for _, target := range []string{"/api/v1/audit", "/api/v1/audit?from=yesterday"} {
			rec := f.get(a, target)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("%s: GET %s = %d, want 404; body %s", who, target, rec.Code, rec.Body)
			}
			mustProblem(t, rec, http.StatusNotFound)
		}
	}
}

func TestAuditCursorAndFilters(t *testing.T) {
	f := newFixture(t)
	aa := auditAdmin()
	seen := map[int64]bool{}
	target := "/api/v1/audit?limit=3"
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("audit pagination does not end")
		}
		pg := mustJSON[page[auditJSON]](t, f.get(aa, target), http.StatusOK)
		for _, e := range pg.Items {
			if seen[e.Seq] {
				t.Fatalf("seq %d on two pages", e.Seq)
			}
			seen[e.Seq] = true
		}
		if pg.NextCursor == "" {
			break
		}
		target = "/api/v1/audit?limit=3&cursor=" + url.QueryEscape(pg.NextCursor)
	}
	for seq := int64(1); seq <= 8; seq++ {
		if !seen[seq] {
			t.Fatalf("seq %d never listed; seen %v", seq, seen)
		}
	}
	if len(seen) != 8 {
		t.Fatalf("listed %d records, want 8", len(seen))
	}

	pg := mustJSON[page[auditJSON]](t, f.get(aa, fmt.Sprintf("/api/v1/audit?action=area.create&object_type=area&object_id=%d", f.tr.b.ID)), http.StatusOK)
	if len(pg.Items) != 1 || pg.Items[0].ObjectID != fmt.Sprint(f.tr.b.ID) {
		t.Fatalf("filtered audit = %+v, want the creation of B", pg.Items)
	}
	if pg := mustJSON[page[auditJSON]](t, f.get(aa, "/api/v1/audit?action=user.create"), http.StatusOK); len(pg.Items) != 0 {
		t.Fatalf("audit of user.create = %d items, want 0", len(pg.Items))
	}
	now := time.Now().UTC()
	window := fmt.Sprintf("/api/v1/audit?from=%s&to=%s", url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)), url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339)))
	if pg := mustJSON[page[auditJSON]](t, f.get(aa, window), http.StatusOK); len(pg.Items) != 8 {
		t.Fatalf("audit in the last hour = %d items, want 8", len(pg.Items))
	}
	future := "/api/v1/audit?from=" + url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339))
	if pg := mustJSON[page[auditJSON]](t, f.get(aa, future), http.StatusOK); len(pg.Items) != 0 {
		t.Fatalf("audit from the future = %d items, want 0", len(pg.Items))
	}
}

func TestAuditBadParams(t *testing.T) {
	f := newFixture(t)
	cases := map[string]string{
		"/api/v1/audit?from=yesterday":                                    "from",
		"/api/v1/audit?to=2026-13-01T00:00:00Z":                           "to",
		"/api/v1/audit?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z": "to",
		"/api/v1/audit?cursor=abc":                                        "cursor",
		"/api/v1/audit?limit=1000":                                        "limit",
	}
	for target, field := range cases {
		p := mustProblem(t, f.get(auditAdmin(), target), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("GET %s: errors = %+v, want errors[0].field %s", target, p.Errors, field)
		}
	}
}
