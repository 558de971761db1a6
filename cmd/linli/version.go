package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func cmdVersion(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "version", "Print the version, the Go version and the source revision.")
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = " " + s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "linli %s%s (%s)\n", version, rev, runtime.Version())
	return 0
}
