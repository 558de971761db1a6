package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDiskFull (issue 5): the SQLite database lives on a small tmpfs the
// test mounts. The server writes until the filesystem is full; it must not
// crash, must answer writes with a 503 whose text says nothing of the
// driver or the disk, must keep answering reads, and must take writes
// again within 5 s of space returning, having lost nothing it
// acknowledged.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but the test is not root: it needs to mount a tmpfs")
		}
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	db, key := filepath.Join(mnt, "full.db"), filepath.Join(dir, "full.key")
	seedCrashDB(t, db, key)

	c := startChild(t, db, key)
	defer c.kill()
	w := newWriter(10 * time.Second)
	w.login(t, c.url)
	w.orderBody(t, c.url)

	// Fill the filesystem, then give back 1 MiB for the server to use up.
	filler := filepath.Join(mnt, "filler")
	fillUp(t, filler)
	if err := os.Truncate(filler, max(0, fileSize(t, filler)-1<<20)); err != nil {
		t.Fatal(err)
	}

	post := func() (int, string) {
		wr := &write{key: newKeyHex()}
		req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/work-orders", strings.NewReader(string(w.body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", wr.key)
		resp, err := w.client.Do(req)
		if err != nil {
			t.Fatalf("POST: %v (did the server die?)", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var o struct {
			ID int64 `json:"id"`
		}
		if resp.StatusCode == http.StatusCreated && json.Unmarshal(b, &o) == nil && o.ID > 0 {
			wr.acked, wr.id = true, o.ID
		}
		w.writes = append(w.writes, wr)
		return resp.StatusCode, string(b)
	}

	// Write until the disk is full: 503s in a row.
	var full503 string
	for i, in503 := 0, 0; in503 < 10; i++ {
		if i > 5000 {
			t.Fatal("5,000 orders and the disk is not full")
		}
		code, body := post()
		switch code {
		case http.StatusCreated:
			in503 = 0
		case http.StatusServiceUnavailable:
			in503++
			full503 = body
		default:
			t.Fatalf("a write on a full disk = %d %s, want 201 or 503", code, body)
		}
	}
	low := strings.ToLower(full503)
	for _, leak := range []string{"sqlite", "disk", "full", "database", "errno", "no space", "(13)"} {
		if strings.Contains(low, leak) {
			t.Errorf("the 503 says %q: %s", leak, full503)
		}
	}
	if !strings.Contains(full503, `"status":503`) {
		t.Errorf("the 503 is not a problem document: %s", full503)
	}
	// Reads keep working.
	for _, p := range []string{"/api/v1/persons?limit=5", "/api/v1/work-orders?limit=5", "/api/v1/services", "/wo/queue"} {
		resp, err := w.client.Get(c.url + p)
		if err != nil {
			t.Fatalf("GET %s on a full disk: %v", p, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s on a full disk = %d, want 200", p, resp.StatusCode)
		}
	}
	if err := c.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the server died on a full disk: %v", err)
	}

	// Space returns: writes resume within 5 s.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for {
		code, body := post()
		if code == http.StatusCreated {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("writes did not resume within 5 s of space returning: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("writes resumed %s after space returned", time.Since(back).Round(time.Millisecond))
	for range 20 {
		if code, body := post(); code != http.StatusCreated {
			t.Fatalf("write after recovery = %d %s", code, body)
		}
	}
	c.kill()
	checkWrites(t, "sqlite", db, w.writes)
	checkSQLite(t, db)
}

// fillUp writes zeros to path until the filesystem says ENOSPC.
func fillUp(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if !strings.Contains(err.Error(), "no space") {
				t.Fatalf("filling: %v", err)
			}
			return
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
