// Package testlog gives the servers that tests start a logger whose lines
// can be checked afterwards for personal data (check C04 of
// docs/SECURITY.md), and the checker itself.
//
// When LINLI_TEST_LOG_DIR names a directory, Logger and Writer write to
// one file in it per test process (named after the test binary and the
// process id), as JSON lines at debug level, so that a test run produces
// every line the product would log. Otherwise they discard. After the
// suite, `go run ./internal/testlog/cmd/logscan DIR` scans every line of
// every file (Scan) and fails on an ID number, a mobile number, a known
// password or a session or API token.
//
// The file is the one piece of process-wide state here: it is opened on
// first use and shared by every test of the process, behind a mutex, so
// that lines from tests running in parallel never interleave.
package testlog

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// EnvDir is the environment variable that names the log directory.
const EnvDir = "LINLI_TEST_LOG_DIR"

// lockedFile serialises writes: each Write (one log record, or one line
// of a program's stderr) reaches the file whole.
type lockedFile struct {
	mu sync.Mutex
	f  *os.File
}

func (l *lockedFile) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(b)
}

var (
	openOnce sync.Once
	out      io.Writer = io.Discard
)

// open opens the process's log file once. A directory that cannot be
// written is a broken test setup: it panics rather than silently logging
// nowhere (which would let the scan pass on nothing).
func open() {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return
	}
	name := fmt.Sprintf("%s-%d.jsonl", filepath.Base(os.Args[0]), os.Getpid())
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600) // #nosec G304 G703 -- a test log file in the directory the test run names
	if err != nil {
		panic(fmt.Sprintf("testlog: %s=%s: %v", EnvDir, dir, err))
	}
	out = &lockedFile{f: f}
}

// Writer is the process's log file, or io.Discard when EnvDir is not set.
// It is safe for concurrent use; give it to a program under test as its
// stderr.
func Writer() io.Writer {
	openOnce.Do(open)
	return out
}

// Logger logs JSON lines at debug level to Writer.
func Logger() *slog.Logger {
	w := Writer()
	if w == io.Discard {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
