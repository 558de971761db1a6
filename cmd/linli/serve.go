package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/linli-org/linli/internal/api"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/config"
	"github.com/linli-org/linli/internal/notify"
	"github.com/linli-org/linli/internal/open311"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

func newFlagSet(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: linli %s\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; -h prints the usage and exits 0.
func parse(fs *flag.FlagSet, e env, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

func cmdServe(ctx context.Context, e env, args []string) int {
	cfg := config.Defaults()
	fs := newFlagSet(e, "serve [flags]", "Serve the web interface, the API (/api/v1), Open311 (/open311/v2/), /healthz, /readyz and /metrics.\nRefuses to start on a database whose schema is behind, unless --auto-migrate.")
	cfg.RegisterStore(fs, e.getenv)
	cfg.RegisterServer(fs, e.getenv)
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	return serve(ctx, e, cfg, nil, time.Now())
}

func newLogger(e env, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: l}))
}

// openPlain opens the database without checking its schema (the commands
// that migrate, verify or copy it); it reports a failure itself.
func openPlain(ctx context.Context, e env, cfg config.Config) *store.Store {
	s, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return nil
	}
	return s
}

// openStore opens the database and the key file and checks that the
// schema is current.
func openStore(ctx context.Context, e env, cfg config.Config, migrate bool) (*store.Store, *seal.Keyring, error) {
	return openStoreWith(ctx, e, cfg, migrate, store.Options{})
}

// openStoreWith is openStore with store options (the keys are the key
// file's).
func openStoreWith(ctx context.Context, e env, cfg config.Config, migrate bool, opt store.Options) (*store.Store, *seal.Keyring, error) {
	keys, created, err := seal.LoadOrCreateKeyFile(cfg.KeyFile)
	if err != nil {
		return nil, nil, err
	}
	opt.Keys = keys
	s, err := store.Open(ctx, cfg.DB, opt)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*store.Store, *seal.Keyring, error) {
		s.Close()
		if created {
			_ = os.Remove(cfg.KeyFile)
		}
		return nil, nil, err
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		return fail(err)
	}
	if len(pending) > 0 {
		if !migrate {
			return fail(fmt.Errorf("the database schema is behind: %d migration(s) pending (%s); run: linli migrate --db %s",
				len(pending), strings.Join(pending, ", "), config.RedactURL(cfg.DB)))
		}
		if _, err := s.Migrate(ctx); err != nil {
			return fail(err)
		}
	}
	// A bulk load that was interrupted left search terms to move or indexes to build.
	if err := s.FinishBulkLoad(ctx); err != nil {
		return fail(err)
	}
	if created {
		if n, err := s.CountSealed(ctx); err == nil && n > 0 {
			return fail(fmt.Errorf("key file %s did not exist, but the database holds data sealed with another key: restore the key file", cfg.KeyFile))
		}
		fmt.Fprintf(e.stderr, "linli: created key file %s (mode 0600); back it up apart from the database\n", cfg.KeyFile)
	}
	return s, keys, nil
}

func policyFor(profile string) auth.Policy {
	if profile == "dengbao" {
		return auth.DengbaoPolicy()
	}
	return auth.DefaultPolicy()
}

// serve runs the HTTP server until ctx ends, then drains in-flight requests.
// banner, when set, is printed once the server listens.
func serve(ctx context.Context, e env, cfg config.Config, banner func(url string), start time.Time) int {
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 2
	}
	log := newLogger(e, cfg.LogLevel)
	s, keys, err := openStore(ctx, e, cfg, cfg.AutoMigrate)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	defer s.Close()
	hasher := auth.NewHasher(auth.DefaultParams, 4)
	o311, err := open311.New(open311.Deps{Store: s, Logger: log})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	srv, err := web.New(web.Options{
		Store: s, Keys: keys, Hasher: hasher, Logger: log,
		API:     api.New(api.Deps{Store: s, Logger: log}),
		Open311: o311,
		Policy:  policyFor(cfg.PasswordProfile), IdleTimeout: cfg.IdleTimeout, Lifetime: cfg.SessionLifetime,
		SecureCookies: cfg.SecureCookies,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	jobs := s.NewRunner(store.RunnerOptions{Logger: log}) // background imports and exports
	jobs.Start(ctx)
	defer jobs.Stop()
	sender, err := notify.New(notifyOptions(cfg.Notify, s, log))
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	// The notification sender and the work-order timers run until ctx
	// ends (or serve fails); serve returns after both have stopped.
	bctx, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	defer background.Wait()
	defer stopBackground()
	background.Go(func() { sender.Run(bctx) })
	background.Go(func() { runTimers(bctx, s, log) })
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	url := "http://" + ln.Addr().String()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if banner != nil {
		banner(url)
	}
	fmt.Fprintf(e.stdout, "linli listening on %s (ready in %s)\n", url, time.Since(start).Round(time.Millisecond))
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("config", cfg.String()))
	select {
	case err := <-errc:
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		fmt.Fprintf(e.stderr, "linli: shutdown: %v\n", err)
		return 1
	}
	fmt.Fprintln(e.stdout, "linli stopped")
	return 0
}

// notifyOptions builds the sender's options from the configuration: a
// channel without its address is left out (its messages wait).
func notifyOptions(n config.Notify, s *store.Store, log *slog.Logger) notify.Options {
	opt := notify.Options{Store: s, Logger: log}
	if n.SMTPAddr != "" {
		opt.SMTP = &notify.SMTP{Addr: n.SMTPAddr, From: n.SMTPFrom, Username: n.SMTPUser, Password: n.SMTPPassword, TLS: n.SMTPTLS}
	}
	if n.WebhookURL != "" {
		opt.Webhook = &notify.Webhook{URL: n.WebhookURL, Secret: n.WebhookSecret, Template: n.WebhookTemplate}
	}
	return opt
}

// runTimers fires the due work-order timers (deadline warnings, 催办,
// 督办, closing unrated orders) every second until ctx ends, and deletes
// unsent uploads once an hour. Timers are rows: several processes may run
// this loop, each timer fires once.
func runTimers(ctx context.Context, s *store.Store, log *slog.Logger) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var cleaned time.Time
	for {
		n, err := s.RunTimers(ctx, s.Now(), 200)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("work-order timers", slog.String("error", err.Error()))
		case n > 0:
			log.Debug("work-order timers fired", slog.Int("timers", n))
		}
		// Hourly: photos uploaded with a form that was never sent.
		if now := s.Now(); now.Sub(cleaned) >= time.Hour {
			cleaned = now
			if _, err := s.CleanupAttachments(ctx, now); err != nil && ctx.Err() == nil {
				log.Error("attachment cleanup", slog.String("error", err.Error()))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
