package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/loadgen"
)

func cmdLoad(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "load [flags]", "Drive a running linli server on this machine with a realistic mix (resident search, person pages,\n"+
		"work-order creation and transitions, ratings, the KPI report) and report throughput, latency\n"+
		"percentiles, errors by kind and the server's RSS. Only loopback targets (127.0.0.0/8, ::1).\n"+
		"The account must need no second factor and belong to a unit (the demo's comm.worker does).")
	target := fs.String("url", "http://127.0.0.1:8080", "base URL of the server (loopback only)")
	user := fs.String("user", "comm.worker", "account to log in as")
	password := fs.String("password", demo.DemoPassword, "its password")
	rate := fs.Float64("rate", 300, "requests per second (open loop); 0 sends as fast as --concurrency workers can")
	duration := fs.Duration("duration", 60*time.Second, "measured time")
	warmup := fs.Duration("warmup", 5*time.Second, "time before measuring")
	conc := fs.Int("concurrency", 64, "workers at maximum rate; most requests in flight at a fixed rate")
	mix := fs.String("mix", "", "weights, e.g. search=30,person=25,order=5,queue=5,kpi=5,create=10,advance=15,rate=5 (the default)")
	pid := fs.Int("pid", 0, "the server's process id, to read its RSS from /proc (default: its /metrics)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	cfg := loadgen.Config{BaseURL: *target, Username: *user, Password: *password, Rate: *rate, Duration: *duration,
		Warmup: *warmup, Concurrency: *conc, PID: *pid, Seed: uint64(time.Now().UnixNano())}
	if *mix != "" {
		m, err := loadgen.ParseMix(*mix)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return 2
		}
		cfg.Mix = m
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return 1
		}
	} else {
		rep.Format(e.stdout)
	}
	if rep.ErrorCount() > 0 {
		return 3
	}
	return 0
}
