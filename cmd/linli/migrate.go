package main

import (
	"context"
	"fmt"

	"github.com/linli-org/linli/internal/config"
)

func cmdMigrate(ctx context.Context, e env, args []string) int {
	cfg := config.Defaults()
	fs := newFlagSet(e, "migrate [flags]", "Apply the pending forward-only migrations of the database's dialect.")
	cfg.RegisterStore(fs, e.getenv)
	dry := fs.Bool("status", false, "only list the pending migrations")
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	s := openPlain(ctx, e, cfg)
	if s == nil {
		return 1
	}
	defer s.Close()
	if *dry {
		p, err := s.Pending(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "linli: %v\n", err)
			return 1
		}
		fmt.Fprintf(e.stdout, "%d pending migration(s)\n", len(p))
		for _, n := range p {
			fmt.Fprintln(e.stdout, "  "+n)
		}
		return 0
	}
	done, err := s.Migrate(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s) on %s\n", len(done), s.Dialect())
	for _, n := range done {
		fmt.Fprintln(e.stdout, "  "+n)
	}
	return 0
}
