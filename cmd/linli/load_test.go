package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/linli-org/linli/internal/loadgen"
)

// TestLoadDrivesTheDemo runs `linli load` at a fixed rate against a real
// demo server and checks that every operation of the mix was sent and
// answered, the write share matches the mix, and the server's memory was
// read.
func TestLoadDrivesTheDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo")
	}
	srv := startE2EServer(t)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"load", "--url", srv.url, "--rate", "80", "--duration", "4s", "--warmup", "1s", "--json"},
		func(string) string { return "" }, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("linli load exited %d: %s\n%s", code, errb.String(), out.String())
	}
	var rep loadgen.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if rep.Sent < 280 || rep.Sent > 330 {
		t.Errorf("sent %d requests in 4 s at 80/s, want about 320", rep.Sent)
	}
	if rep.OK != rep.Sent || rep.ErrorCount() != 0 {
		t.Errorf("ok %d of %d, errors %v", rep.OK, rep.Sent, rep.Errors)
	}
	seen := map[loadgen.Op]int{}
	for _, o := range rep.ByOp {
		seen[o.Op] = o.OK
		if o.OK > 0 && (o.Latency.P50 <= 0 || o.Latency.P99 < o.Latency.P50 || o.Latency.Max < o.Latency.P99) {
			t.Errorf("%s: latency figures out of order: %+v", o.Op, o.Latency)
		}
	}
	for _, op := range []loadgen.Op{loadgen.OpSearch, loadgen.OpPerson, loadgen.OpKPI, loadgen.OpCreate, loadgen.OpAdvance} {
		if seen[op] == 0 {
			t.Errorf("no %s request succeeded: %v", op, seen)
		}
	}
	if rep.WriteShare < 0.18 || rep.WriteShare > 0.45 {
		t.Errorf("write share %.2f, want about 0.30", rep.WriteShare)
	}
	if rep.RSSMax < 10<<20 {
		t.Errorf("server RSS %d bytes: not read from /metrics", rep.RSSMax)
	}
}

// TestLoadRefusesOtherHosts: anything but loopback is refused before a
// single request is sent.
func TestLoadRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://10.1.2.3:8080", "http://[2001:db8::1]/", "http://192.168.0.1", "ftp://127.0.0.1/"} {
		var errb bytes.Buffer
		code := run(context.Background(), []string{"load", "--url", u, "--duration", "1s"}, func(string) string { return "" }, nil, io.Discard, &errb)
		if code != 1 || (!strings.Contains(errb.String(), "loopback") && !strings.Contains(errb.String(), "not an http")) {
			t.Errorf("%s: exit %d, %q; want a refusal", u, code, errb.String())
		}
	}
}
