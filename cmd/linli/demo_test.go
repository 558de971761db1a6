package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// linli demo writes a (small) work-order history the first time, keeps
// the audit chain intact, and reuses the database the second time.
func TestDemoHistory(t *testing.T) {
	dir := t.TempDir()
	db, key := filepath.Join(dir, "t.db"), filepath.Join(dir, "t.key")
	code, out, errs := runLinli(t, "demo", "--db", db, "--key-file", key, "--seed-only", "--residents", "0", "--orders", "30")
	if code != 0 || !strings.Contains(out, "wrote a history of") {
		t.Fatalf("demo --orders 30 = %d: %s %s", code, out, errs)
	}
	if code, out, errs := runLinli(t, "audit", "verify", "--db", db); code != 0 {
		t.Fatalf("audit verify = %d: %s %s", code, out, errs)
	}
	code, out, errs = runLinli(t, "demo", "--db", db, "--key-file", key, "--seed-only", "--residents", "0", "--orders", "30")
	if code != 0 || !strings.Contains(out, "reusing") || strings.Contains(out, "wrote a history") {
		t.Fatalf("second demo = %d: %s %s", code, out, errs)
	}
	if code, _, errs := runLinli(t, "demo", "--db", db, "--key-file", key, "--seed-only", "--orders", "-1"); code != 2 {
		t.Fatalf("demo --orders -1 = %d: %s", code, errs)
	}
}
