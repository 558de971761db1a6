package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// linli runs the program with args and returns its exit code and output.
func runLinli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := runLinli(t, "help")
	if code != 0 {
		t.Fatalf("help = %d", code)
	}
	for _, c := range []string{"serve", "demo", "migrate", "user", "audit", "keys", "backup", "version"} {
		if !strings.Contains(out, "  "+c) {
			t.Errorf("help lacks %s", c)
		}
	}
	for _, c := range [][]string{{"serve", "-h"}, {"demo", "-h"}, {"migrate", "-h"}, {"backup", "-h"}, {"audit", "verify", "-h"}, {"keys", "rotate", "-h"}, {"user", "add", "-h"}, {"version", "-h"}} {
		code, out, _ := runLinli(t, c...)
		if code != 0 || !strings.Contains(out, "Usage: linli "+c[0]) || (c[0] != "version" && !strings.Contains(out, "  -")) {
			t.Errorf("%v = %d, %q", c, code, out)
		}
	}
	if code, _, _ := runLinli(t, "serve", "-h"); code != 0 {
		t.Fatal("serve -h")
	}
	_, out, _ = runLinli(t, "serve", "-h")
	for _, f := range []string{"-db", "-key-file", "-addr", "-idle-timeout", "-password-profile", "LINLI_DB"} {
		if !strings.Contains(out, f) {
			t.Errorf("serve -h lacks %s", f)
		}
	}
	if code, _, errs := runLinli(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown command = %d", code)
	}
	if code, out, _ := runLinli(t, "version"); code != 0 || !strings.HasPrefix(out, "linli ") {
		t.Fatalf("version = %d %q", code, out)
	}
}

// seeded creates a migrated demo database in a temp dir (no residents,
// no work-order history).
func seeded(t *testing.T) (db, key string) {
	t.Helper()
	dir := t.TempDir()
	db, key = filepath.Join(dir, "t.db"), filepath.Join(dir, "t.key")
	if code, _, errs := runLinli(t, "demo", "--db", db, "--key-file", key, "--seed-only", "--residents", "0", "--orders", "0"); code != 0 {
		t.Fatalf("demo --seed-only = %d: %s", code, errs)
	}
	return db, key
}

func TestServeRefusesSchemaBehind(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "empty.db")
	code, _, errs := runLinli(t, "serve", "--db", db, "--key-file", filepath.Join(dir, "k"), "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "schema is behind") || !strings.Contains(errs, "linli migrate --db "+db) {
		t.Fatalf("serve on an empty database = %d: %s", code, errs)
	}
	if code, out, _ := runLinli(t, "migrate", "--db", db); code != 0 || !strings.Contains(out, "0001_core.sql") {
		t.Fatalf("migrate = %d %q", code, out)
	}
	if code, out, _ := runLinli(t, "migrate", "--db", db, "--status"); code != 0 || !strings.Contains(out, "0 pending") {
		t.Fatalf("migrate --status = %d %q", code, out)
	}
}

// A notification channel configured half-way stops serve before it
// starts, naming the setting.
func TestServeRefusesBadNotifyConfig(t *testing.T) {
	env := map[string]string{"LINLI_WEBHOOK_URL": "https://sms.example.cn/send"}
	var out, errb bytes.Buffer
	dir := t.TempDir()
	code := run(context.Background(), []string{"serve", "--db", filepath.Join(dir, "t.db"), "--key-file", filepath.Join(dir, "k")},
		func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "LINLI_WEBHOOK_SECRET") {
		t.Fatalf("serve with a webhook and no secret = %d: %s", code, errb.String())
	}
}

func TestServeAndGracefulShutdown(t *testing.T) {
	db, key := seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--key-file", key, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, nil, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	url := ""
	for sc.Scan() {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz = %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after SIGTERM-like cancel", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestUserCommands(t *testing.T) {
	db, key := seeded(t)
	code, out, errs := runLinli(t, "user", "add", "--db", db, "--key-file", key, "--username", "li.grid", "--name", "李网格",
		"--role", "grid_worker", "--scope", "110101001001-01", "--org-unit", "多福巷社区居民委员会")
	if code != 0 || !strings.Contains(out, "initial password: ") {
		t.Fatalf("user add = %d %s %s", code, out, errs)
	}
	code, _, errs = runLinli(t, "user", "add", "--db", db, "--key-file", key, "--username", "two.hats", "--name", "x",
		"--role", "system_admin,audit_admin", "--scope", "110101000000", "--org-unit", "东城区政务服务中心")
	if code != 1 || !strings.Contains(errs, "user.roles.admin_exclusive") {
		t.Fatalf("two admin duties = %d %s", code, errs)
	}
	if code, _, errs = runLinli(t, "user", "add", "--db", db, "--key-file", key, "--username", "weak.pw", "--name", "x", "--role", "resident", "--password", "qwerty123456"); code != 1 || !strings.Contains(errs, "常见") {
		t.Fatalf("common password = %d %s", code, errs)
	}
	if code, out, _ = runLinli(t, "user", "grant", "--db", db, "--username", "li.grid", "--role", "community_worker", "--scope", "110101001001"); code != 0 {
		t.Fatalf("grant = %d %s", code, out)
	}
	if code, out, _ = runLinli(t, "user", "reset-password", "--db", db, "--key-file", key, "--username", "li.grid"); code != 0 || !strings.Contains(out, "new password: ") {
		t.Fatalf("reset = %d %s", code, out)
	}
	if code, _, _ = runLinli(t, "user", "disable", "--db", db, "--username", "li.grid"); code != 0 {
		t.Fatalf("disable = %d", code)
	}
	s := openT(t, db)
	id, _ := s.UserIDByName(context.Background(), "li.grid")
	u, err := s.User(context.Background(), linli.ConsoleActor(), id)
	if err != nil || !u.Disabled || u.Roles[0] != linli.RoleCommunityWorker || !u.MustChangePwd {
		t.Fatalf("li.grid = %+v, %v", u, err)
	}
}

func openT(t *testing.T, db string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	db, _ := seeded(t)
	code, out, _ := runLinli(t, "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify = %d %q", code, out)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET detail = 'forged' WHERE seq = 42`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ = runLinli(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "BROKEN at sequence 42") {
		t.Fatalf("verify after tampering = %d %q", code, out)
	}
}

func TestBackupRestores(t *testing.T) {
	db, key := seeded(t)
	out := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errs := runLinli(t, "backup", "--db", db, "--out", out); code != 0 {
		t.Fatalf("backup = %d %s", code, errs)
	}
	if code, _, _ := runLinli(t, "backup", "--db", db, "--out", out); code != 1 {
		t.Fatal("backup over an existing file succeeded")
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode = %v, %v", fi, err)
	}
	orig, copyS := openT(t, db), openT(t, out)
	ctx := context.Background()
	for _, s := range []*store.Store{orig, copyS} {
		if err := s.IntegrityCheck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c1, _ := orig.AreaCounts(ctx, linli.ConsoleActor())
	c2, _ := copyS.AreaCounts(ctx, linli.ConsoleActor())
	u1, _ := orig.Users(ctx, linli.ConsoleActor(), store.UserFilter{Limit: 500})
	u2, _ := copyS.Users(ctx, linli.ConsoleActor(), store.UserFilter{Limit: 500})
	v1, _ := orig.VerifyAudit(ctx)
	v2, _ := copyS.VerifyAudit(ctx)
	if len(c1) == 0 || c1[linli.LevelGrid] != c2[linli.LevelGrid] || len(u1) != len(u2) || v1.HeadSeq != v2.HeadSeq || v2.BrokenSeq != 0 {
		t.Fatalf("backup differs: areas %v/%v users %d/%d audit %+v/%+v", c1, c2, len(u1), len(u2), v1, v2)
	}
	// The restored copy serves with the same key file.
	if code, _, errs := runLinli(t, "audit", "verify", "--db", out, "--key-file", key); code != 0 {
		t.Fatalf("verify on the copy = %d %s", code, errs)
	}
}

func TestKeysRotate(t *testing.T) {
	db, key := seeded(t)
	before, err := seal.LoadKeyFile(key)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runLinli(t, "keys", "rotate", "--db", db, "--key-file", key)
	if code != 0 || !strings.Contains(out, "re-encrypted 12 value(s)") {
		t.Fatalf("keys rotate = %d %q %s", code, out, errs)
	}
	after, err := seal.LoadKeyFile(key)
	if err != nil {
		t.Fatal(err)
	}
	if after.ActiveKeyID() == before.ActiveKeyID() {
		t.Fatal("active key did not change")
	}
	s := openT(t, db)
	u, err := s.LoginInfo(context.Background(), "comm.worker")
	if err != nil {
		t.Fatal(err)
	}
	if after.NeedsRotation(u.PasswordHash) {
		t.Fatal("password hash not re-encrypted")
	}
	if phc, err := after.OpenField("user.password", u.PasswordHash); err != nil || !strings.HasPrefix(phc, "$argon2id$") {
		t.Fatalf("re-encrypted hash does not open: %v", err)
	}
	if _, err := before.OpenField("user.password", u.PasswordHash); err == nil {
		t.Fatal("old keyring alone still opens the re-encrypted hash")
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v", fi.Mode())
	}
}

func TestMissingKeyFileRefused(t *testing.T) {
	db, key := seeded(t)
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runLinli(t, "serve", "--db", db, "--key-file", key, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "restore the key file") {
		t.Fatalf("serve without its key file = %d %s", code, errs)
	}
	if _, err := os.Stat(key); !os.IsNotExist(err) {
		t.Fatal("a new key file was left behind")
	}
}

func TestInitCreatesAdminsOnce(t *testing.T) {
	dir := t.TempDir()
	db, key := filepath.Join(dir, "i.db"), filepath.Join(dir, "i.key")
	code, out, errs := runLinli(t, "init", "--db", db, "--key-file", key, "--district-code", "110105000000", "--district-name", "朝阳区")
	if code != 0 || !strings.Contains(out, "sys.admin") || !strings.Contains(out, "audit.admin") {
		t.Fatalf("init = %d %s %s", code, out, errs)
	}
	if code, _, errs := runLinli(t, "init", "--db", db, "--key-file", key, "--district-code", "110105000000", "--district-name", "朝阳区"); code != 1 || !strings.Contains(errs, "already has a district") {
		t.Fatalf("second init = %d %s", code, errs)
	}
	if code, _, errs := runLinli(t, "init", "--db", filepath.Join(dir, "j.db"), "--key-file", filepath.Join(dir, "j.key"), "--district-code", "1101", "--district-name", "x"); code != 1 || !strings.Contains(errs, "area.code") {
		t.Fatalf("init with a bad code = %d %s", code, errs)
	}
	s := openT(t, db)
	ctx := context.Background()
	for _, u := range []string{"sys.admin", "sec.admin", "audit.admin"} {
		info, err := s.LoginInfo(ctx, u)
		if err != nil || !info.MustChangePwd || len(info.Roles) != 1 || !info.Roles[0].IsAdminDuty() {
			t.Fatalf("%s = %+v, %v", u, info, err)
		}
	}
}
