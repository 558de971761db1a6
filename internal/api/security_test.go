package api

import (
	"io"
	"log/slog"

	"github.com/linli-org/linli/internal/testlog"
)

// testLogger logs JSON to buf (which tests read) and to testlog, for the
// personal-data scan of every log line after the suite (check C04).
func testLogger(buf io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.MultiWriter(buf, testlog.Writer()), nil))
}
