// Command linli is the community services platform: one binary that serves
// the web interface and the API, and administers its database.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

// env is the operating system as the commands see it, so tests can call run.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "serve the web interface and API", cmdServe},
		{"demo", "create (or reuse) a demo database with a synthetic district, print the logins, and serve", cmdDemo},
		{"migrate", "apply pending database migrations", cmdMigrate},
		{"init", "prepare an empty database: the district and the three admin accounts", cmdInit},
		{"user", "manage accounts: add, disable, reset-password, grant", cmdUser},
		{"audit", "audit log tools: verify", cmdAudit},
		{"keys", "key tools: rotate", cmdKeys},
		{"backup", "make a consistent online copy of a SQLite database", cmdBackup},
		{"load", "drive a server on this machine with a realistic mix and report latency, throughput and memory", cmdLoad},
		{"restore", "check a SQLite backup and put it in place as a new database", cmdRestore},
		{"open311", "Open311 tools: check (an endpoint against the GeoReport v2 specification)", cmdOpen311},
		{"version", "print the version", cmdVersion},
		{"help", "explain the commands", nil},
	}
}

// run is the whole program; main only calls it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, getenv, stdin, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "linli: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "linli — community services platform (邻里 社区综合服务平台)")
	fmt.Fprintln(w, "\nUsage: linli COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `linli COMMAND -h` for the flags of a command. Flags override LINLI_* environment variables.")
}
