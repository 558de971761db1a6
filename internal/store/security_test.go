package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// Security checks C13 and C16 of docs/SECURITY.md: the audit chain names
// the first record an insider changed, and no personal value is stored in
// plaintext in the SQLite file, its WAL or a backup.

// randomResidents makes n residents with distinct valid ID numbers and
// mobile numbers, from a seeded source so that a failure reproduces.
func randomResidents(rng *rand.Rand, n int) (ids, phones []string) {
	seen := map[string]bool{}
	for len(ids) < n {
		birth := time.Date(1930+rng.IntN(80), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		first17 := fmt.Sprintf("110105%s%03d", birth.Format("20060102"), rng.IntN(1000))
		id := idWith(first17)
		phone := fmt.Sprintf("1%d%09d", 3+rng.IntN(7), rng.IntN(1_000_000_000))
		if seen[id] || seen[phone] {
			continue
		}
		seen[id], seen[phone] = true, true
		ids, phones = append(ids, id), append(phones, phone)
	}
	return ids, phones
}

// maskAny masks an ID number or a phone for a failure message.
func maskAny(v string) string {
	if len(v) >= 17 {
		return seal.MaskIDNumber(v)
	}
	return seal.MaskPhone(v)
}

var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
	given    = []string{"秀英", "桂兰", "建国", "志强", "淑芬", "海涛", "丽娟", "晓燕", "立新", "明华", "雅琴", "国强", "玉兰", "春梅", "德胜"}
)

// TestSealedAtRest (C16) registers residents with known ID numbers and
// phones, writes a backup, and reads the raw bytes of the database file,
// its WAL and the backup: none of the values is there, in any form a
// grep would find (the number, the 17 digits before the check character,
// the phone, the phone with +86). Every one of them is still found by its
// blind index.
func TestSealedAtRest(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sealed.db")
	s, err := store.Open(ctx, dbPath, store.Options{Now: c.Now, Keys: seal.Generate()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tr := mustTree(t, s)
	ra := registryActors(tr)
	rng := rand.New(rand.NewPCG(16, 16))
	const n = 120
	ids, phones := randomResidents(rng, n)
	for i := range n {
		// Every other one registered by ID number and phone, the rest
		// given both later (an update seals them too).
		name := string(surnames[i%len(surnames)]) + given[(i/len(surnames))%len(given)]
		in := linli.PersonInput{Name: name, IDNumber: ids[i], Phones: []string{phones[i]}, RegType: linli.RegRegistered,
			GridID: tr.gridA.ID, Address: "多福巷" + fmt.Sprint(i+1) + "号", ConfirmDuplicate: true}
		if i%2 == 1 {
			in.IDNumber, in.Phones = "", nil
		}
		p := newPerson(t, s, ra.gw1, in)
		if i%2 == 1 {
			in.IDNumber, in.Phones, in.Version = ids[i], []string{phones[i]}, p.Version
			if _, err := s.UpdatePerson(ctx, ra.gw1, p.ID, in); err != nil {
				t.Fatalf("UpdatePerson(%d) = %v", p.ID, err)
			}
		}
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	// The ciphertexts carry the format and key id.
	for _, q := range []string{`SELECT COUNT(*) FROM persons WHERE id_number NOT LIKE 'v1:%'`, `SELECT COUNT(*) FROM person_phones WHERE phone NOT LIKE 'v1:%'`} {
		var unsealed int
		if err := s.DB().QueryRow(q).Scan(&unsealed); err != nil || unsealed != 0 {
			t.Fatalf("%s = %d (%v): values without the v1:<key id>: prefix", q, unsealed, err)
		}
	}

	files := map[string][]byte{}
	for _, p := range []string{dbPath, dbPath + "-wal", backup} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		files[filepath.Base(p)] = b
	}
	if len(files["sealed.db-wal"]) == 0 {
		t.Log("the WAL is empty (checkpointed); the database file holds everything")
	}
	var total int
	for name, b := range files {
		total += len(b)
		for i := range n {
			for _, v := range []string{ids[i], ids[i][:17], phones[i], "+86" + phones[i]} {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s holds %s in plaintext", name, maskAny(v))
				}
			}
		}
	}
	if total < 64<<10 {
		t.Fatalf("read only %d bytes: not the files under test", total)
	}

	// The blind indexes find every one of them, in the live database and
	// in the backup (with the same keys).
	head := ra.head
	for i := range n {
		for _, q := range []string{ids[i], phones[i]} {
			got, err := s.SearchPersons(ctx, head, linli.PersonQuery{Text: q})
			if err != nil || len(got) != 1 {
				t.Fatalf("SearchPersons(%s) = %d, %v; want 1", maskAny(q), len(got), err)
			}
		}
	}
}

// auditTampers are the audit columns an insider might change, each with
// the SET clause of an UPDATE of the row seq = ? that changes its value.
var auditTampers = []struct{ col, set string }{
	{"detail", `detail = detail || ' (edited)'`},
	{"action", `action = 'login.ok'`},
	{"actor_id", `actor_id = actor_id + 1`},
	{"actor_name", `actor_name = 'someone.else'`},
	{"object_id", `object_id = object_id || '0'`},
	{"area_id", `area_id = area_id + 7`},
	{"outcome", `outcome = CASE outcome WHEN 'ok' THEN 'denied' ELSE 'ok' END`},
	{"client_ip", `client_ip = '10.0.0.66'`},
	{"request_id", `request_id = 'forged'`},
	{"purpose", `purpose = 'emergency'`},
	{"at", `at = ?`}, // another valid time, set from Go
	{"at", `at = 'yesterday'`},
	{"actor_id", `actor_id = 'root'`}, // SQLite keeps text in an INTEGER column
	{"hash", `hash = prev_hash`},
	{"prev_hash", `prev_hash = hash`},
	{"seq", `seq = seq + 1000000`},
}

// TestAuditTamperTrials (C13): on a log of 300 records, 50 trials from a
// seeded source each change one record (every column at least once, also
// to a value that no longer scans), delete one record or cut the tail
// (as an insider with raw SQL access, who first drops the append-only
// triggers), and VerifyAudit names exactly the first broken sequence
// number each time. Before that, the application's own connection cannot
// UPDATE or DELETE an audit record (the triggers refuse).
func TestAuditTamperTrials(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	s, err := store.Open(ctx, base, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	mustTree(t, s) // 8 records
	con := linli.ConsoleActor()
	const records = 300
	for i := 8; i < records; i++ {
		c.Advance(time.Second)
		if err := s.AuditActor(ctx, con, "test.event", "thing", i, int64(i%5), fmt.Sprintf("detail %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := s.VerifyAudit(ctx); err != nil || res.BrokenSeq != 0 || res.HeadSeq != records {
		t.Fatalf("VerifyAudit before tampering = %+v, %v", res, err)
	}
	var triggers int
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('audit_no_update', 'audit_no_delete')`).Scan(&triggers); err != nil || triggers != 2 {
		t.Fatalf("append-only triggers on audit: %d, %v", triggers, err)
	}
	for _, q := range []string{`UPDATE audit SET detail = 'x' WHERE seq = 7`, `DELETE FROM audit WHERE seq = 7`, `DELETE FROM audit`,
		`UPDATE audit_head SET seq = 3`} {
		if _, err := s.DB().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "audit") {
			t.Fatalf("the application ran %q: %v", q, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(13, 13))
	kinds := map[string]int{}
	for trial := range 50 {
		// The first trials change each column once; the rest are drawn.
		seq := int64(1 + rng.IntN(records))
		kind := []string{"update", "delete", "truncate"}[rng.IntN(3)]
		tm := auditTampers[rng.IntN(len(auditTampers))]
		if trial < len(auditTampers) {
			kind, tm = "update", auditTampers[trial]
		}
		what := fmt.Sprintf("trial %d: %s seq %d", trial, kind, seq)
		if kind == "update" {
			what += " " + tm.col
		}
		kinds[kind]++

		p := filepath.Join(dir, fmt.Sprintf("trial%d.db", trial))
		copyFile(t, base, p)
		raw, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		stmts := []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`}
		for _, q := range stmts {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %s: %v", what, q, err)
			}
		}
		var args []any
		var q string
		switch kind {
		case "update":
			q = `UPDATE audit SET ` + tm.set + ` WHERE seq = ?`
			if strings.HasSuffix(tm.set, "?") {
				var at string
				if err := raw.QueryRow(`SELECT at FROM audit WHERE seq = ?`, seq).Scan(&at); err != nil {
					t.Fatal(err)
				}
				old, err := time.Parse(time.RFC3339Nano, at)
				if err != nil {
					t.Fatalf("%s: time %q: %v", what, at, err)
				}
				args = append(args, old.Add(-time.Minute).Format("2006-01-02T15:04:05.000000Z"))
			}
		case "delete":
			q = `DELETE FROM audit WHERE seq = ?`
		case "truncate":
			q = `DELETE FROM audit WHERE seq >= ?`
		}
		res, err := raw.Exec(q, append(args, seq)...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed nothing", what)
		}
		if err := raw.Close(); err != nil {
			t.Fatal(err)
		}
		ts, err := store.Open(ctx, p, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ts.VerifyAudit(ctx)
		ts.Close()
		if err != nil {
			t.Fatalf("%s: VerifyAudit = %v", what, err)
		}
		if got.BrokenSeq != seq {
			t.Errorf("%s: VerifyAudit = %+v, want broken at %d", what, got, seq)
		}
		os.Remove(p)
	}
	for _, k := range []string{"update", "delete", "truncate"} {
		if kinds[k] == 0 {
			t.Errorf("no %s trial among the 50", k)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
