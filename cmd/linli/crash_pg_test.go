package main

import (
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestCrashPostgresImmediate (issue 5): the server writes to a PostgreSQL
// cluster that the test creates for itself, and the test crash-restarts
// that cluster (`pg_ctl restart -m immediate`: no shutdown checkpoint,
// WAL recovery at start) 20 times while 200 orders a second arrive. The
// server keeps running through it. Afterwards every acknowledged order is
// there and whole, and the audit chain verifies. It needs root (initdb
// runs as the postgres user) and the PostgreSQL server binaries; without
// them it is skipped — the kill -9 tests cover the server side.
func TestCrashPostgresImmediate(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a PostgreSQL cluster")
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 || os.Geteuid() != 0 {
		t.Skip("needs root and the PostgreSQL server binaries (initdb, pg_ctl)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "linli-pgcrash-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	as := func(args ...string) ([]byte, error) {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...).CombinedOutput()
	}
	if err := exec.Command("install", "-d", "-o", "postgres", "-m", "0700", data).Run(); err != nil {
		t.Fatal(err)
	}
	if out, err := as(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	pgctl := func(args ...string) {
		t.Helper()
		full := append([]string{filepath.Join(bin, "pg_ctl"), "-D", data, "-w", "-t", "60", "-l", filepath.Join(data, "log"),
			"-o", "-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1"}, args...)
		if out, err := as(full...); err != nil {
			log, _ := os.ReadFile(filepath.Join(data, "log"))
			t.Fatalf("pg_ctl %v: %v\n%s\n%s", args, err, out, log)
		}
	}
	pgctl("start")
	t.Cleanup(func() { _, _ = as(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop") })

	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", port)
	key := filepath.Join(dir, "crash.key")
	seedCrashDB(t, dbURL, key)
	c := startChild(t, dbURL, key)
	defer c.kill()
	w := newWriter(20 * time.Second)
	w.login(t, c.url)
	w.orderBody(t, c.url)

	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 11))
	var slowest time.Duration
	for round := 0; round < 20; round++ {
		life := time.Duration(200+rng.IntN(800)) * time.Millisecond
		done := make(chan struct{})
		go func() { w.burst(c.url, life+1500*time.Millisecond); close(done) }()
		time.Sleep(life)
		start := time.Now()
		pgctl("-m", "immediate", "restart")
		slowest = max(slowest, time.Since(start))
		<-done
	}
	// The server takes writes again without a restart of its own.
	before := len(w.writes)
	w.burst(c.url, 500*time.Millisecond)
	ok := 0
	for _, x := range w.writes[before:] {
		if x.acked {
			ok++
		}
	}
	if ok == 0 {
		t.Fatal("no write succeeded after the last crash of PostgreSQL")
	}
	c.kill()
	checkWrites(t, "pgx", dbURL, w.writes)
	verifyAudit(t, dbURL, key)
	t.Logf("20 immediate restarts of PostgreSQL, slowest %s; %d of %d writes after the last one acknowledged", slowest.Round(time.Millisecond), ok, len(w.writes)-before)
}
