package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// cmdRestore puts a SQLite backup in place as a new database, after
// checking it: SQLite's integrity and foreign-key checks, the schema (no
// migration newer than this program), the audit chain, and that the key
// file opens its sealed values. It never overwrites: the server must be
// stopped and the old database moved away first.
func cmdRestore(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "restore --from BACKUP --db PATH --key-file KEYS", "Check a SQLite backup (made by `linli backup`) and copy it to a new database path.\n"+
		"Refuses to overwrite an existing database. Stop the server before restoring over its path\n(move the old database and its -wal/-shm files away first). For PostgreSQL see docs/OPERATIONS.md.")
	from := fs.String("from", "", "the backup file")
	dst := fs.String("db", "", "the database file to create")
	keyFile := fs.String("key-file", "", "the key file that was kept with the backup")
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	if *from == "" || *dst == "" || *keyFile == "" {
		fmt.Fprintln(e.stderr, "linli: restore needs --from, --db and --key-file")
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "linli: restore: "+format+"\n", a...)
		return 1
	}
	for _, p := range []string{*dst, *dst + "-wal", *dst + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return fail("%s exists; move it away first (the server must be stopped)", p)
		}
	}
	if _, err := os.Stat(*keyFile); err != nil {
		return fail("key file: %v", err)
	}
	keys, _, err := seal.LoadOrCreateKeyFile(*keyFile)
	if err != nil {
		return fail("key file: %v", err)
	}
	// Work on a copy next to the destination, so the backup itself is
	// never opened for writing and a half-copied file is never in place.
	tmp := filepath.Join(filepath.Dir(*dst), "."+filepath.Base(*dst)+".restoring")
	_ = os.Remove(tmp)
	if err := copyFile(*from, tmp); err != nil {
		return fail("%v", err)
	}
	defer os.Remove(tmp)
	s, err := store.Open(ctx, "sqlite:"+tmp, store.Options{Keys: keys})
	if err != nil {
		return fail("%v", err)
	}
	checks := func() error {
		if err := s.IntegrityCheck(ctx); err != nil {
			return fmt.Errorf("integrity: %w", err)
		}
		if pending, err := s.Pending(ctx); err != nil {
			return fmt.Errorf("schema: %w", err)
		} else if len(pending) > 0 {
			fmt.Fprintf(e.stdout, "note: the backup's schema is behind by %d migrations; `linli migrate` or `serve --auto-migrate` applies them\n", len(pending))
		}
		res, err := s.VerifyAudit(ctx)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		if res.BrokenSeq != 0 {
			return fmt.Errorf("audit chain broken at sequence %d: %s", res.BrokenSeq, res.Reason)
		}
		if err := s.CheckKeys(ctx); err != nil {
			return fmt.Errorf("key file: %w", err)
		}
		fmt.Fprintf(e.stdout, "backup checked: integrity ok, audit chain intact (%d records)\n", res.Records)
		return nil
	}
	err = checks()
	s.Close()
	_ = os.Remove(tmp + "-wal")
	_ = os.Remove(tmp + "-shm")
	if err != nil {
		return fail("%v", err)
	}
	if err := os.Link(tmp, *dst); err != nil { // fails if dst appeared meanwhile
		return fail("%v", err)
	}
	fmt.Fprintf(e.stdout, "restored to %s; start the server with --db %s --key-file %s\n", *dst, *dst, *keyFile)
	return 0
}

// copyFile copies src to a new file dst (mode 0600) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src) // #nosec G304 -- paths given by the operator on the command line
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- paths given by the operator on the command line
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
