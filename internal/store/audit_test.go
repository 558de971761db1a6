package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// mustAudited creates a few audited changes and returns the head sequence.
func mustAudited(t *testing.T, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	for i := 0; i < n; i++ {
		if err := s.AuditActor(ctx, con, "test.event", "thing", i, 0, "detail"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditChainVerifies(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		mustTree(t, s) // 8 audited creates
		mustAudited(t, s, 5)
		res, err := s.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.BrokenSeq != 0 || res.Records != 13 || res.HeadSeq != 13 {
			t.Fatalf("VerifyAudit = %+v, want 13 intact records", res)
		}
		// The application cannot change or remove audit records.
		if _, err := s.DB().ExecContext(ctx, `UPDATE audit SET detail = 'x' WHERE seq = 3`); err == nil {
			t.Fatal("UPDATE on audit succeeded")
		}
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM audit WHERE seq = 13`); err == nil {
			t.Fatal("DELETE on audit succeeded")
		}
		if s.Dialect() == "postgres" {
			if _, err := s.DB().ExecContext(ctx, `TRUNCATE audit`); err == nil {
				t.Fatal("TRUNCATE on audit succeeded")
			}
		}
	})
}

// tamper drops the append-only triggers (as an insider with raw SQL access
// would) and runs stmt.
func tamper(t *testing.T, s *store.Store, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	drop := []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`}
	if s.Dialect() == "postgres" {
		drop = []string{`DROP TRIGGER audit_no_update ON audit`, `DROP TRIGGER audit_no_truncate ON audit`}
	}
	for _, q := range append(drop, stmts...) {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditTamperDetected(t *testing.T) {
	cases := []struct {
		name  string
		stmts []string
		want  int64
	}{
		{"altered", []string{`UPDATE audit SET detail = 'nothing happened' WHERE seq = 4`}, 4},
		{"altered with a recomputed-looking hash", []string{`UPDATE audit SET action = 'x', hash = prev_hash WHERE seq = 6`}, 6},
		{"deleted in the middle", []string{`DELETE FROM audit WHERE seq = 5`}, 5},
		{"tail truncated", []string{`DELETE FROM audit WHERE seq >= 9`}, 9},
		{"first record deleted", []string{`DELETE FROM audit WHERE seq = 1`}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
				mustAudited(t, s, 10)
				tamper(t, s, tc.stmts...)
				res, err := s.VerifyAudit(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if res.BrokenSeq != tc.want {
					t.Fatalf("VerifyAudit after %s = %+v, want broken at %d", tc.name, res, tc.want)
				}
			})
		})
	}
}

func TestAuditSearchOnlyForAuditAdmins(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		mustTree(t, s)
		auditor := actorOn([]linli.Role{linli.RoleAuditAdmin})
		got, err := s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "area.create", Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Seq <= got[1].Seq || got[0].Action != "area.create" {
			t.Fatalf("SearchAudit = %+v, want 3 area.create records newest first", got)
		}
		older, err := s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "area.create", BeforeSeq: got[2].Seq})
		if err != nil || len(older) != 5 {
			t.Fatalf("SearchAudit before %d = %d records, %v; want 5", got[2].Seq, len(older), err)
		}
		sys := actorOn([]linli.Role{linli.RoleSystemAdmin})
		if _, err := s.SearchAudit(ctx, sys, linli.AuditQuery{}); err != linli.ErrNotFound {
			t.Fatalf("SearchAudit as system admin = %v, want ErrNotFound", err)
		}
	})
}

// TestAuditChainUnderConcurrentWriters appends from many goroutines at once;
// the head row must order them into one unbroken chain.
func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		con := linli.ConsoleActor()
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			go func(g int) {
				var err error
				for i := 0; i < 20 && err == nil; i++ {
					err = s.AuditActor(ctx, con, "test.concurrent", "thing", g*100+i, 0, "")
				}
				errs <- err
			}(g)
		}
		for g := 0; g < 8; g++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.VerifyAudit(ctx)
		if err != nil || res.BrokenSeq != 0 || res.Records != 160 {
			t.Fatalf("VerifyAudit after concurrent appends = %+v, %v", res, err)
		}
	})
}

func TestAuditSearchByTime(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		con := linli.ConsoleActor()
		start := c.Now()
		for i := 0; i < 50; i++ {
			if err := s.AuditActor(ctx, con, "test.tick", "thing", i, 0, ""); err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Hour)
		}
		auditor := actorOn([]linli.Role{linli.RoleAuditAdmin})
		got, err := s.SearchAudit(ctx, auditor, linli.AuditQuery{From: start.Add(10 * time.Hour), To: start.Add(20 * time.Hour), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 10 || got[0].ObjectID != "19" || got[9].ObjectID != "10" {
			t.Fatalf("SearchAudit(10h..20h) = %d records, first %+v", len(got), got)
		}
		got, _ = s.SearchAudit(ctx, auditor, linli.AuditQuery{From: start.Add(100 * time.Hour)})
		if len(got) != 0 {
			t.Fatalf("SearchAudit(after the end) = %d records", len(got))
		}
		got, _ = s.SearchAudit(ctx, auditor, linli.AuditQuery{To: start.Add(time.Minute), Limit: 100})
		if len(got) != 1 || got[0].ObjectID != "0" {
			t.Fatalf("SearchAudit(before 1 min) = %+v", got)
		}
	})
}
