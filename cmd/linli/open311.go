package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/linli-org/linli/internal/open311/conformance"
)

// cmdOpen311 is `linli open311 check URL`: the Open311 conformance suite
// against an endpoint, ours (http://host/open311/v2) or any other
// GeoReport v2 server.
func cmdOpen311(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || (args[0] != "check" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintln(e.stderr, "Usage: linli open311 check [flags] URL")
		return 2
	}
	if args[0] != "check" {
		args = append([]string{"check"}, args...)
	}
	fs := newFlagSet(e, "open311 check [flags] URL",
		"Check an Open311 GeoReport v2 endpoint (e.g. http://127.0.0.1:8080/open311/v2) against the specification.\n"+
			"With an API key it also creates a few requests (described as 一致性测试): point it at a test endpoint.\n"+
			"Exits 1 when a check fails.")
	key := fs.String("api-key", e.getenv("LINLI_OPEN311_API_KEY"), "an API key that may create requests (env LINLI_OPEN311_API_KEY); empty skips the checks that create requests")
	service := fs.String("service", "", "the realtime service to create requests of (default: the first the suite can fill)")
	batch := fs.String("batch-service", "", "the batch service to create a request of (default: the first)")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each HTTP request")
	if code, ok := parse(fs, e, args[1:]); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	results := conformance.Run(ctx, conformance.Config{BaseURL: fs.Arg(0), APIKey: *key, Client: &http.Client{Timeout: *timeout},
		ServiceCode: *service, BatchServiceCode: *batch})
	failed := 0
	for _, r := range results {
		fmt.Fprintln(e.stdout, r)
		if !r.Passed && !r.Skipped {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stdout, "%d of %d checks failed\n", failed, len(results))
		return 1
	}
	fmt.Fprintf(e.stdout, "all %d checks passed or do not apply\n", len(results))
	return 0
}
