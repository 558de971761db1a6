package main

import (
	"context"
	"fmt"

	"github.com/linli-org/linli/internal/config"
)

func cmdAudit(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintln(e.stderr, "Usage: linli audit verify [flags]")
		return 2
	}
	if args[0] != "verify" {
		args = append([]string{"verify"}, args...)
	}
	cfg := config.Defaults()
	fs := newFlagSet(e, "audit verify [flags]", "Walk the whole hash-chained audit log. Exits 0 when it is intact; otherwise exits 1 and\nnames the first broken sequence number (a record altered, deleted, or the tail truncated).")
	cfg.RegisterStore(fs, e.getenv)
	if code, ok := parse(fs, e, args[1:]); !ok {
		return code
	}
	s := openPlain(ctx, e, cfg)
	if s == nil {
		return 1
	}
	defer s.Close()
	res, err := s.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	if res.BrokenSeq != 0 {
		fmt.Fprintf(e.stdout, "audit chain BROKEN at sequence %d: %s (%d records read, head at %d)\n", res.BrokenSeq, res.Reason, res.Records, res.HeadSeq)
		return 1
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d records, head at sequence %d\n", res.Records, res.HeadSeq)
	return 0
}
