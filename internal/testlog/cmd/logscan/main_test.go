package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
)

func TestLogscanExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.jsonl", `{"msg":"request","status":200}`+"\n")
	var out, errs bytes.Buffer
	if code := run([]string{dir}, &out, &errs); code != 0 {
		t.Fatalf("clean dir: exit %d, %s %s", code, out.String(), errs.String())
	}
	first17 := "11010519491231002"
	id := first17 + string(seal.IDCheckDigit(first17))
	bad := first17 + "0" // wrong check character
	write("b.jsonl", `{"q":"`+bad+`"}`+"\n"+`{"q":"`+id+`"}`+"\n"+`{"pw":"`+demo.DemoPassword+`","to":"15912345678"}`+"\n")
	out.Reset()
	code := run([]string{dir}, &out, &errs)
	got := out.String()
	if code != 1 || !strings.Contains(got, "b.jsonl:2: id_number 1101**********002X") ||
		!strings.Contains(got, "b.jsonl:3: phone 159****5678") || !strings.Contains(got, "b.jsonl:3: secret") || strings.Contains(got, "b.jsonl:1:") {
		t.Fatalf("exit %d, output:\n%s", code, got)
	}
	for _, raw := range []string{id, "15912345678", demo.DemoPassword} {
		if strings.Contains(got, raw) {
			t.Fatalf("output shows %q unmasked", raw)
		}
	}
	if code := run([]string{"-secret", "Worker-Pass-2026"}, &out, &errs); code != 2 {
		t.Fatalf("no dir: exit %d, want 2", code)
	}
}
