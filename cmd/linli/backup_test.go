package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestore (issue 5): `linli backup` runs while the server takes
// 200 orders a second; the backup is restored into a fresh instance with
// `linli restore`, which serves it. Golden queries (row count and a
// checksum of every row, per table) of the restored database equal the
// source's at the backup's moment for the append-only tables; a second
// backup taken after the writes stop equals the source in every table.
func TestBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server")
	}
	dir := t.TempDir()
	db, key := filepath.Join(dir, "src.db"), filepath.Join(dir, "src.key")
	seedCrashDB(t, db, key)
	c := startChild(t, db, key)
	w := newWriter(10 * time.Second)
	w.login(t, c.url)
	w.orderBody(t, c.url)

	// Writes flow for 3 s; the backup runs in the middle of them.
	done := make(chan struct{})
	go func() { w.burst(c.url, 3*time.Second); close(done) }()
	time.Sleep(time.Second)
	w.mu.Lock()
	var ackedBefore []*write
	for _, x := range w.writes {
		if x.acked {
			ackedBefore = append(ackedBefore, x)
		}
	}
	w.mu.Unlock()
	hot := filepath.Join(dir, "hot.backup")
	mustRun(t, "backup", "--db", db, "--key-file", key, "--out", hot)
	<-done
	c.kill()
	if len(ackedBefore) == 0 {
		t.Fatal("no order was acknowledged before the backup")
	}
	cold := filepath.Join(dir, "cold.backup")
	mustRun(t, "backup", "--db", db, "--key-file", key, "--out", cold)

	// Restore both into fresh paths; the restore refuses to overwrite.
	hotDB, coldDB := filepath.Join(dir, "restored-hot.db"), filepath.Join(dir, "restored-cold.db")
	mustRun(t, "restore", "--from", hot, "--db", hotDB, "--key-file", key)
	mustRun(t, "restore", "--from", cold, "--db", coldDB, "--key-file", key)
	var out strings.Builder
	if code := run(context.Background(), []string{"restore", "--from", cold, "--db", coldDB, "--key-file", key}, func(string) string { return "" }, nil, &out, &out); code == 0 {
		t.Error("restore over an existing database succeeded")
	}
	wrongKey := filepath.Join(dir, "wrong.key")
	seedCrashDB(t, filepath.Join(dir, "other.db"), wrongKey)
	out.Reset()
	if code := run(context.Background(), []string{"restore", "--from", cold, "--db", filepath.Join(dir, "x.db"), "--key-file", wrongKey}, func(string) string { return "" }, nil, &out, &out); code == 0 || !strings.Contains(out.String(), "key") {
		t.Errorf("restore with another key file: exit %d %s", code, out.String())
	}

	src := goldenOf(t, db)
	coldG := goldenOf(t, coldDB)
	if len(src) < 20 {
		t.Fatalf("only %d tables", len(src))
	}
	for table, g := range src {
		if coldG[table] != g {
			t.Errorf("table %s: source %s, restored quiet backup %s", table, g, coldG[table])
		}
	}
	// The hot backup: the append-only tables up to the backup's last row
	// equal the source's rows up to the same point.
	hotG := goldenOf(t, hotDB)
	for _, tc := range []struct{ table, key string }{{"audit", "seq"}, {"work_orders", "id"}, {"wo_events", "id"}, {"persons", "id"}, {"households", "id"}} {
		hi := maxOf(t, hotDB, tc.table, tc.key)
		if a, b := goldenUpTo(t, db, tc.table, tc.key, hi), goldenUpTo(t, hotDB, tc.table, tc.key, hi); a != b {
			t.Errorf("%s up to %s %d: source %s, hot backup %s", tc.table, tc.key, hi, a, b)
		}
	}
	if hotG["work_orders"] == src["work_orders"] {
		t.Error("the hot backup holds every order: it was not taken during the writes")
	}
	// Every order acknowledged before the backup began is in it, whole;
	// later ones may or may not be (then whole too).
	before := map[*write]bool{}
	for _, x := range ackedBefore {
		before[x] = true
	}
	var asOfBackup []*write
	for _, x := range w.writes {
		y := *x
		y.acked = before[x]
		asOfBackup = append(asOfBackup, &y)
	}
	checkWrites(t, "sqlite", hotDB, asOfBackup)

	// A fresh instance serves the restored backup.
	r := startChild(t, hotDB, key)
	defer r.kill()
	w2 := newWriter(10 * time.Second)
	w2.login(t, r.url)
	resp, err := w2.client.Get(fmt.Sprintf("%s/api/v1/work-orders/%d", r.url, ackedBefore[0].id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the restored instance answers %d for an acknowledged order", resp.StatusCode)
	}
}

func mustRun(t *testing.T, args ...string) {
	t.Helper()
	var out strings.Builder
	if code := run(context.Background(), args, func(string) string { return "" }, nil, &out, &out); code != 0 {
		t.Fatalf("linli %s: exit %d\n%s", strings.Join(args, " "), code, out.String())
	}
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// goldenOf is, per table, the row count and a SHA-256 of every row in
// the order of all its columns.
func goldenOf(t *testing.T, path string) map[string]string {
	t.Helper()
	db := openRO(t, path)
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, tb := range tables {
		out[tb] = checksum(t, db, `SELECT * FROM `+tb)
	}
	return out
}

func goldenUpTo(t *testing.T, path, table, key string, hi int64) string {
	t.Helper()
	return checksum(t, openRO(t, path), fmt.Sprintf(`SELECT * FROM %s WHERE %s <= %d`, table, key, hi))
}

func maxOf(t *testing.T, path, table, key string) int64 {
	t.Helper()
	var n int64
	if err := openRO(t, path).QueryRow(`SELECT COALESCE(max(` + key + `), 0) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checksum hashes the rows of q ordered by all its columns.
func checksum(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	probe, err := db.Query(q + ` LIMIT 0`)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := probe.Columns()
	probe.Close()
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	rows, err := db.Query(q + ` ORDER BY ` + strings.Join(order, ", "))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(h, "%T:%v\x1f", v, v)
		}
		h.Write([]byte{'\n'})
		n++
	}
	return fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil))[:16])
}
