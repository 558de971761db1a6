package main

import (
	"context"
	"fmt"

	"github.com/linli-org/linli/internal/config"
)

func cmdBackup(ctx context.Context, e env, args []string) int {
	cfg := config.Defaults()
	fs := newFlagSet(e, "backup --out FILE [flags]", "Write a consistent online copy of a SQLite database (VACUUM INTO) while it serves.\nBack up the key file separately. For PostgreSQL use pg_dump, e.g.\n  pg_dump --format=custom --file=linli.dump \"$LINLI_DB\"\nor base backups with WAL archiving (docs/OPERATIONS.md).")
	cfg.RegisterStore(fs, e.getenv)
	out := fs.String("out", "", "file to write (must not exist)")
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "linli: backup needs --out FILE")
		return 2
	}
	s := openPlain(ctx, e, cfg)
	if s == nil {
		return 1
	}
	defer s.Close()
	if err := s.Backup(ctx, *out); err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "backup written to %s; keep the key file %s with it, stored apart\n", *out, cfg.KeyFile)
	return 0
}
