package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli-org/linli/internal/demo"
)

// The crash test (issue 5): the real server runs as a child process (this
// test binary, re-executed with LINLI_CHILD_ARGS), takes work orders at
// 200 per second with idempotency keys, and is killed with SIGKILL at a
// random moment, 20 times. Afterwards every acknowledged order is there,
// every order is whole or absent, the database is intact and the audit
// chain verifies.

// childArgsEnv makes the test binary run linli instead of the tests.
const childArgsEnv = "LINLI_CHILD_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(childArgsEnv); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		os.Exit(run(ctx, args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is a running server process.
type child struct {
	cmd   *exec.Cmd
	url   string
	ready time.Duration // from start to /readyz answering 200
}

// startChild starts `linli serve` on dbURL and waits until it is ready.
func startChild(t *testing.T, dbURL, keyFile string) *child {
	t.Helper()
	args, _ := json.Marshal([]string{"serve", "--db", dbURL, "--key-file", keyFile, "--addr", "127.0.0.1:0", "--log-level", "error"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(args))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The server's log is shown only when the test fails.
	var logb bytes.Buffer
	cmd.Stderr = &lockedWriter{w: &logb}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", cmd.Stderr.(*lockedWriter).String())
		}
	})
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "linli listening on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				urlc <- u
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	c := &child{cmd: cmd}
	select {
	case c.url = <-urlc:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the server did not listen within 30 s")
	}
	for {
		resp, err := http.Get(c.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 30*time.Second {
			_ = cmd.Process.Kill()
			t.Fatal("the server was not ready within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.ready = time.Since(start)
	return c
}

// lockedWriter is a buffer that the child's stderr copier and the test's
// cleanup may use at once.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		return len(p), nil // enough to see what went wrong
	}
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func (c *child) kill() {
	_ = c.cmd.Process.Kill() // SIGKILL
	_ = c.cmd.Wait()
}

// write is one order the writer tried to create.
type write struct {
	key   string
	acked bool
	id    int64 // the acknowledged order
}

// writer posts orders at a fixed rate until stopped.
type writer struct {
	mu     sync.Mutex
	writes []*write
	client *http.Client
	body   []byte
}

// newWriter is a writer whose client keeps its session cookie and never
// follows a redirect.
func newWriter(timeout time.Duration) *writer {
	jar, _ := cookiejar.New(nil)
	return &writer{client: &http.Client{Jar: jar, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// checkSQLite runs SQLite's integrity and foreign-key checks on path.
func checkSQLite(t *testing.T, path string) {
	t.Helper()
	sq, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	var ic string
	if err := sq.QueryRow(`PRAGMA integrity_check`).Scan(&ic); err != nil || ic != "ok" {
		t.Errorf("integrity_check = %q, %v", ic, err)
	}
	rows, err := sq.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
}

func newKeyHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// burst sends 200 orders per second to base until d has passed, then
// returns once every request has ended (answered or failed because the
// server died).
func (w *writer) burst(base string, d time.Duration) {
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for at := time.Now(); at.Before(end); at = at.Add(5 * time.Millisecond) {
		time.Sleep(time.Until(at))
		wr := &write{key: newKeyHex()}
		w.mu.Lock()
		w.writes = append(w.writes, wr)
		w.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/work-orders", strings.NewReader(string(w.body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", wr.key)
			resp, err := w.client.Do(req)
			if err != nil {
				return // not acknowledged
			}
			defer resp.Body.Close()
			var o struct {
				ID int64 `json:"id"`
			}
			if resp.StatusCode == http.StatusCreated && json.NewDecoder(resp.Body).Decode(&o) == nil && o.ID > 0 {
				w.mu.Lock()
				wr.acked, wr.id = true, o.ID
				w.mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// login signs the writer's client in as the demo's community worker.
func (w *writer) login(t *testing.T, base string) {
	t.Helper()
	form := url.Values{"username": {"comm.worker"}, "password": {demo.DemoPassword}, "next": {"/"}}
	resp, err := w.client.PostForm(base+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login = %d", resp.StatusCode)
	}
}

// orderBody builds a valid order for a resident of the worker's scope.
func (w *writer) orderBody(t *testing.T, base string) {
	t.Helper()
	resp, err := w.client.Get(base + "/api/v1/persons?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	var pg struct {
		Items []struct {
			ID     int64 `json:"id"`
			GridID int64 `json:"grid_id"`
		} `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&pg)
	resp.Body.Close()
	if err != nil || len(pg.Items) == 0 {
		t.Fatalf("no resident to file orders for: %v", err)
	}
	w.body, _ = json.Marshal(map[string]any{"service_code": "CONSULT-POLICY", "channel": "counter", "priority": "normal",
		"requester_person_id": pg.Items[0].ID, "area_id": pg.Items[0].GridID, "address": "崩溃测试", "title": "崩溃测试工单",
		"description": "kill -9 之间写入的工单"})
}

// crashRounds runs the rounds against a server on dbURL and returns the
// writes and the slowest restart.
func crashRounds(t *testing.T, dbURL, keyFile string, rounds int) ([]*write, time.Duration) {
	w := newWriter(10 * time.Second)
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var slowest time.Duration
	for i := 0; i < rounds; i++ {
		c := startChild(t, dbURL, keyFile)
		slowest = max(slowest, c.ready)
		if i == 0 {
			w.login(t, c.url) // the session is in the database: it outlives the restarts
			w.orderBody(t, c.url)
		}
		// Kill at a random moment while the writes flow.
		life := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		done := make(chan struct{})
		go func() { w.burst(c.url, life+300*time.Millisecond); close(done) }()
		time.Sleep(life)
		c.kill()
		<-done
	}
	return w.writes, slowest
}

func TestCrashKill9SQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the server 20 times")
	}
	dir := t.TempDir()
	db, key := filepath.Join(dir, "crash.db"), filepath.Join(dir, "crash.key")
	seedCrashDB(t, db, key)
	writes, slowest := crashRounds(t, db, key, 20)
	checkWrites(t, "sqlite", db, writes)
	t.Logf("restart to ready: slowest %s", slowest)
	if slowest > 2*time.Second {
		t.Errorf("restart to ready took %s, want ≤ 2 s", slowest)
	}
	checkSQLite(t, db)
	verifyAudit(t, db, key)
}

func TestCrashKill9Postgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the server 20 times")
	}
	base := os.Getenv("LINLI_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but LINLI_TEST_POSTGRES is not set")
		}
		t.Skip("LINLI_TEST_POSTGRES not set")
	}
	schema := "crash_" + newKeyHex()[:10]
	pg, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := pg.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = pg.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	dbURL := base + sep + "search_path=" + schema
	key := filepath.Join(t.TempDir(), "crash.key")
	seedCrashDB(t, dbURL, key)
	writes, slowest := crashRounds(t, dbURL, key, 20)
	checkWrites(t, "pgx", dbURL, writes)
	t.Logf("restart to ready: slowest %s", slowest)
	if slowest > 2*time.Second {
		t.Errorf("restart to ready took %s, want ≤ 2 s", slowest)
	}
	var bad int
	if err := pg.QueryRow(`SELECT count(*) FROM ` + schema + `.work_orders o WHERE NOT EXISTS (SELECT 1 FROM ` + schema + `.wo_events e WHERE e.order_id = o.id)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("%d orders without events (%v)", bad, err)
	}
	verifyAudit(t, dbURL, key)
}

// seedCrashDB creates a small demo district (no history) on dbURL.
func seedCrashDB(t *testing.T, dbURL, key string) {
	t.Helper()
	var out strings.Builder
	code := run(context.Background(), []string{"demo", "--seed-only", "--db", dbURL, "--key-file", key, "--residents", "300", "--orders", "0"},
		func(string) string { return "" }, nil, &out, &out)
	if code != 0 {
		t.Fatalf("seeding: exit %d\n%s", code, out.String())
	}
}

func verifyAudit(t *testing.T, dbURL, key string) {
	t.Helper()
	var out strings.Builder
	if code := run(context.Background(), []string{"audit", "verify", "--db", dbURL, "--key-file", key},
		func(string) string { return "" }, nil, &out, &out); code != 0 {
		t.Errorf("audit verify: exit %d\n%s", code, out.String())
	}
}

// checkWrites: every acknowledged order is there under its key; every key
// has either a whole order (the order, its created event, its deadline
// timer, its audit record) or nothing at all.
func checkWrites(t *testing.T, driver, dsn string, writes []*write) {
	t.Helper()
	if driver == "sqlite" {
		dsn = "file:" + dsn + "?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ph := func(q string) string {
		if driver == "pgx" {
			return strings.Replace(q, "?", "$1", 1)
		}
		return q
	}
	acked, present := 0, 0
	for _, w := range writes {
		var id int64
		err := db.QueryRow(ph(`SELECT order_id FROM idempotency_keys WHERE key = ?`), w.key).Scan(&id)
		switch {
		case err == sql.ErrNoRows:
			if w.acked {
				t.Errorf("acknowledged order %d (key %s) was lost", w.id, w.key)
			}
			continue
		case err != nil:
			t.Fatal(err)
		}
		present++
		if w.acked {
			acked++
			if id != w.id {
				t.Errorf("key %s: order %d, acknowledged as %d", w.key, id, w.id)
			}
		}
		var orders, events, timers, audits int
		var number string
		err = db.QueryRow(ph(`SELECT count(*), COALESCE(max(number), '') FROM work_orders WHERE id = ?`), id).Scan(&orders, &number)
		if err == nil {
			err = db.QueryRow(ph(`SELECT count(*) FROM wo_events WHERE order_id = ?`), id).Scan(&events)
		}
		if err == nil {
			err = db.QueryRow(ph(`SELECT count(*) FROM wo_timers WHERE order_id = ?`), id).Scan(&timers)
		}
		if err == nil {
			err = db.QueryRow(ph(`SELECT count(*) FROM audit WHERE object_type = 'work_order' AND action = 'wo.create' AND object_id = ?`), number).Scan(&audits)
		}
		if err != nil {
			t.Fatal(err)
		}
		if orders != 1 || events < 1 || timers < 1 || audits < 1 {
			t.Errorf("order %d is partial: order %d, events %d, timers %d, audit %d", id, orders, events, timers, audits)
		}
	}
	// No order without a key (all were created with one).
	var total int
	if err := db.QueryRow(`SELECT count(*) FROM work_orders`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != present {
		t.Errorf("%d orders in the database, %d keys of this run: an order appeared without its key", total, present)
	}
	nAcked := 0
	for _, w := range writes {
		if w.acked {
			nAcked++
		}
	}
	t.Logf("%d writes sent, %d acknowledged, %d present (of them %d acknowledged)", len(writes), nAcked, present, acked)
	if nAcked == 0 {
		t.Errorf("none of %d writes acknowledged: the server hardly ran", len(writes))
	}
	if acked != nAcked {
		t.Errorf("%d of %d acknowledged orders found", acked, nAcked)
	}
}
