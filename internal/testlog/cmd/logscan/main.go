// Command logscan checks the log files that a test run wrote (testlog,
// LINLI_TEST_LOG_DIR) for personal data and secrets: resident ID numbers
// with a valid check digit, mobile numbers, the demo password, session and
// API tokens (check C04 of docs/SECURITY.md). It prints each hit as
// file:line, masked, and exits 1 when there is any; 2 on a usage or read
// error.
//
//	go run ./internal/testlog/cmd/logscan [-secret S]… DIR
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/testlog"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type secrets []string

func (s *secrets) String() string     { return fmt.Sprint(len(*s), " secrets") }
func (s *secrets) Set(v string) error { *s = append(*s, v); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logscan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	extra := secrets{}
	fs.Var(&extra, "secret", "another string that must not appear in any line (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: logscan [-secret S]... DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	sc := testlog.Scanner{Secrets: append([]string{demo.DemoPassword}, extra...)}
	hits, files, err := sc.Dir(fs.Arg(0))
	for _, h := range hits {
		fmt.Fprintln(stdout, h)
	}
	if err != nil {
		fmt.Fprintf(stderr, "logscan: %v\n", err)
		return 2
	}
	if len(hits) > 0 {
		fmt.Fprintf(stderr, "logscan: %d hit(s) of personal data or secrets in %d file(s)\n", len(hits), files)
		return 1
	}
	fmt.Fprintf(stdout, "logscan: %d file(s), no personal data or secrets\n", files)
	return 0
}
