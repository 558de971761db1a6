package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestLitestreamLossWindow measures what a Litestream replica loses when
// the server and the replicator die together (SIGKILL to both at once)
// while orders arrive at 200 per second: the orders acknowledged to
// clients but missing from the restored replica, and the time they span.
// It is a measurement for docs/RELIABILITY.md, not a CI gate: it runs only
// with LINLI_LITESTREAM=/path/to/litestream (v0.3).
func TestLitestreamLossWindow(t *testing.T) {
	bin := os.Getenv("LINLI_LITESTREAM")
	if bin == "" {
		t.Skip("LINLI_LITESTREAM not set")
	}
	rounds := 5
	var worst time.Duration
	worstLost := 0
	for round := 0; round < rounds; round++ {
		dir := t.TempDir()
		db, key, replica := filepath.Join(dir, "live.db"), filepath.Join(dir, "live.key"), filepath.Join(dir, "replica")
		seedCrashDB(t, db, key)
		cfg := filepath.Join(dir, "litestream.yml")
		if err := os.WriteFile(cfg, []byte("dbs:\n  - path: "+db+"\n    replicas:\n      - type: file\n        path: "+replica+"\n        sync-interval: 1s\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ls := exec.Command(bin, "replicate", "-config", cfg)
		if err := ls.Start(); err != nil {
			t.Fatal(err)
		}
		c := startChild(t, db, key)
		w := newWriter(10 * time.Second)
		w.login(t, c.url)
		w.orderBody(t, c.url)
		var ackAt sync.Map // key → time acknowledged
		done := make(chan struct{})
		go func() {
			w.burst(c.url, 5*time.Second)
			close(done)
		}()
		// Record acknowledgement times while the writes flow.
		stop := make(chan struct{})
		go func() {
			tk := time.NewTicker(5 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					now := time.Now()
					w.mu.Lock()
					for _, x := range w.writes {
						if x.acked {
							ackAt.LoadOrStore(x.key, now)
						}
					}
					w.mu.Unlock()
				}
			}
		}()
		time.Sleep(4 * time.Second)
		killedAt := time.Now()
		_ = ls.Process.Kill()
		c.kill()
		_ = ls.Wait()
		<-done
		close(stop)

		restored := filepath.Join(dir, "restored.db")
		if out, err := exec.Command(bin, "restore", "-config", cfg, "-o", restored, db).CombinedOutput(); err != nil {
			t.Fatalf("litestream restore: %v\n%s", err, out)
		}
		present := map[string]bool{}
		rdb := openRO(t, restored)
		rows, err := rdb.Query(`SELECT key FROM idempotency_keys`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			rows.Scan(&k)
			present[k] = true
		}
		rows.Close()
		lost := 0
		var oldest time.Time
		for _, x := range w.writes {
			if x.acked && !present[x.key] {
				lost++
				if v, ok := ackAt.Load(x.key); ok {
					if at := v.(time.Time); oldest.IsZero() || at.Before(oldest) {
						oldest = at
					}
				}
			}
		}
		window := time.Duration(0)
		if !oldest.IsZero() {
			window = killedAt.Sub(oldest)
		}
		t.Logf("round %d: %d acknowledged orders lost, spanning the last %s before the kill", round+1, lost, window.Round(time.Millisecond))
		if window > worst {
			worst = window
		}
		worstLost = max(worstLost, lost)
	}
	t.Logf("worst of %d rounds: %d orders lost, a window of %s", rounds, worstLost, worst.Round(time.Millisecond))
}
