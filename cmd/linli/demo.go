package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/config"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/web"
)

func cmdDemo(ctx context.Context, e env, args []string) int {
	start := time.Now()
	cfg := config.Defaults()
	cfg.DB, cfg.KeyFile = "linli-demo.db", "linli-demo.key"
	fs := newFlagSet(e, "demo [flags]", "Create (or reuse) ./linli-demo.db and its key file, seed a synthetic but realistic district\n(北京市东城区: streets, communities, grids, org units, one account per role), print the\nURL and the logins, and serve.")
	cfg.RegisterStore(fs, e.getenv)
	cfg.RegisterServer(fs, e.getenv)
	seedOnly := fs.Bool("seed-only", false, "seed and exit without serving")
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	cfg.AutoMigrate = true
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 2
	}
	s, keys, err := openStore(ctx, e, cfg, true)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	hasher := auth.NewHasher(auth.DefaultParams, 4)
	logins, seeded, err := demo.Seed(ctx, s, func(pw string) (string, error) { return web.HashPassword(hasher, keys, pw) })
	s.Close()
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: seeding the demo: %v\n", err)
		return 1
	}
	if seeded {
		fmt.Fprintf(e.stdout, "linli: seeded the demo district into %s in %s\n", cfg.DB, time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintf(e.stdout, "linli: reusing the demo database %s\n", cfg.DB)
	}
	if *seedOnly {
		printLogins(e, "", logins)
		return 0
	}
	return serve(ctx, e, cfg, func(url string) { printLogins(e, url, logins) }, start)
}

func printLogins(e env, url string, logins []demo.Login) {
	if url != "" {
		fmt.Fprintf(e.stdout, "\n  Open %s and log in as one of these (password for all: %s):\n\n", url, demo.DemoPassword)
	} else {
		fmt.Fprintf(e.stdout, "\n  Demo logins (password for all: %s):\n\n", demo.DemoPassword)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tUSERNAME\tNAME\tSCOPE")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Role, l.Username, l.DisplayName, l.Scope)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout, "\n  The three admin roles and roles that may reveal personal data enrol a TOTP second factor at first login.")
	fmt.Fprintln(e.stdout)
}
