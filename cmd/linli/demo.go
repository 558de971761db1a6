package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/config"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

func cmdDemo(ctx context.Context, e env, args []string) int {
	start := time.Now()
	cfg := config.Defaults()
	cfg.DB, cfg.KeyFile = "linli-demo.db", "linli-demo.key"
	fs := newFlagSet(e, "demo [flags]", "Create (or reuse) ./linli-demo.db and its key file, seed a synthetic but realistic district\n(北京市东城区: streets, communities, grids, org units, one account per role, the service\ncatalogue and a 60-day history of work orders), print the URL and the logins, and serve.")
	cfg.RegisterStore(fs, e.getenv)
	cfg.RegisterServer(fs, e.getenv)
	seedOnly := fs.Bool("seed-only", false, "seed and exit without serving")
	defResidents := 20000
	if v, err := strconv.Atoi(e.getenv("LINLI_DEMO_RESIDENTS")); err == nil {
		defResidents = v
	}
	residents := fs.Int("residents", defResidents, "synthetic residents to generate the first time the demo is seeded, 0 for none (env LINLI_DEMO_RESIDENTS)")
	defOrders := demo.HistoryOrders
	if v, err := strconv.Atoi(e.getenv("LINLI_DEMO_ORDERS")); err == nil {
		defOrders = v
	}
	orders := fs.Int("orders", defOrders, fmt.Sprintf("work orders of the history (the last %d days) written the first time the demo is seeded, 0 for none (env LINLI_DEMO_ORDERS)", demo.HistoryDays))
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	if *residents < 0 || *orders < 0 {
		fmt.Fprintf(e.stderr, "linli: --residents and --orders must be 0 or more\n")
		return 2
	}
	cfg.AutoMigrate = true
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 2
	}
	// The store's clock: the real time, except while the history is
	// written (its events carry their past times).
	clock := &demo.Clock{}
	s, keys, err := openStoreWith(ctx, e, cfg, true, store.Options{Now: clock.Now})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	// A fresh database is seeded as it was before the history began, so
	// that the audit record's times follow its sequence.
	end := time.Now()
	fresh, err := demo.Fresh(ctx, s)
	if err == nil && fresh && *orders > 0 {
		clock.Set(demo.HistoryStart(end, demo.HistoryDays).Add(-time.Hour))
	}
	var logins []demo.Login
	seeded := false
	if err == nil {
		hasher := auth.NewHasher(auth.DefaultParams, 4)
		logins, seeded, err = demo.Seed(ctx, s, func(pw string) (string, error) { return web.HashPassword(hasher, keys, pw) })
	}
	if err == nil && fresh && seeded && *orders > 0 {
		hstart := time.Now()
		h, herr := demo.SeedHistory(ctx, s, clock.Set, demo.HistoryOptions{Seed: demo.DefaultSeed, End: end, Orders: *orders})
		switch {
		case herr == nil:
			fmt.Fprintf(e.stdout, "linli: wrote a history of %d work orders over the last %d days in %s\n", h.Orders, demo.HistoryDays,
				time.Since(hstart).Round(time.Millisecond))
		case ctx.Err() != nil:
			err = herr
		default:
			// The district is seeded; the demo runs with the part of
			// the history written so far.
			fmt.Fprintf(e.stderr, "linli: the work-order history stopped: %v\n", herr)
		}
	}
	clock.Set(time.Time{})
	if err == nil {
		err = loadResidents(ctx, e, s, cfg.DB, *residents)
	}
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

// loadResidents generates the synthetic population once per demo
// database: the setting demo.residents records how many were loaded. A
// database that already holds people keeps them.
func loadResidents(ctx context.Context, e env, s *store.Store, db string, n int) error {
	have, err := s.Setting(ctx, demo.ResidentsKey)
	if err != nil {
		return err
	}
	if have != "" {
		if have != strconv.Itoa(n) {
			fmt.Fprintf(e.stdout, "linli: %s already holds the demo population of %s residents and keeps it; to generate %d instead, stop linli, delete %s (with its -wal and -shm files) and its key file, and run linli demo --residents %d again\n",
				db, have, n, db, n)
		}
		return nil
	}
	if n == 0 {
		return nil
	}
	if c, err := s.PersonCount(ctx); err != nil {
		return err
	} else if c > 0 {
		fmt.Fprintf(e.stdout, "linli: %s already holds %d residents that linli demo did not generate (or an interrupted load); it keeps them and generates none. Delete %s and its key file to start fresh\n", db, c, db)
		return nil
	}
	start := time.Now()
	fmt.Fprintf(e.stdout, "linli: generating %d synthetic residents…\n", n)
	res, err := demo.LoadPopulation(ctx, s, n, demo.DefaultSeed, time.Now())
	if err != nil {
		return err
	}
	if err := s.SetSetting(ctx, linli.ConsoleActor(), demo.ResidentsKey, strconv.Itoa(n)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "linli: loaded %d residents in %d households (%d buildings) in %s\n", res.Persons, res.Households, res.Buildings,
		time.Since(start).Round(time.Millisecond))
	return nil
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
