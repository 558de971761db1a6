package main

import (
	"strings"
	"testing"
)

const stream = `{"config":{"scanner_name":"govulncheck"}}
{"finding":{"osv":"GO-2026-0001","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8","package":"net/http","function":"Read"},{"module":"example.com/app","function":"main"}]}}
{"finding":{"osv":"GO-2026-0001","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8","package":"net/textproto","function":"ReadLine"}]}}
{"finding":{"osv":"GO-2026-0002","fixed_version":"v0.3.8","trace":[{"module":"golang.org/x/text","version":"v0.3.7","package":"golang.org/x/text/language","function":"ParseAcceptLanguage"}]}}
{"finding":{"osv":"GO-2026-0003","fixed_version":"v1.2.0","trace":[{"module":"example.com/dep","version":"v1.1.0","package":"example.com/dep"}]}}
{"finding":{"osv":"GO-2026-0004","fixed_version":"v1.26.10","trace":[{"module":"stdlib","version":"v1.26.8","package":"crypto/x509","function":"Verify"}]}}
`

func TestGate(t *testing.T) {
	found, err := called(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 || found["GO-2026-0003"] != nil {
		t.Fatalf("called = %v (a package-level finding is not a call)", found)
	}
	if !found["GO-2026-0001"].Packages["net/textproto"] || !found["GO-2026-0001"].Packages["net/http"] {
		t.Errorf("packages of 0001 = %v", found["GO-2026-0001"].Packages)
	}
	doc := "intro GO-2026-0004\n<!-- stdlib-vulns:begin -->\n| GO-2026-0001 | net/http | 1.26.9 |\n| GO-2026-0099 | old | |\n<!-- stdlib-vulns:end -->\n"
	ok, err := listed(doc)
	if err != nil {
		t.Fatal(err)
	}
	if ok["GO-2026-0004"] || !ok["GO-2026-0001"] {
		t.Fatalf("listed = %v (only the section counts)", ok)
	}
	problems, stale := gate(found, ok)
	if len(problems) != 2 || !strings.Contains(problems[0], "GO-2026-0002") || !strings.Contains(problems[0], "upgrade the module") ||
		!strings.Contains(problems[1], "GO-2026-0004") || !strings.Contains(problems[1], "not listed") {
		t.Errorf("problems = %q", problems)
	}
	if len(stale) != 1 || stale[0] != "GO-2026-0099" {
		t.Errorf("stale = %v", stale)
	}
	// Everything listed and only stdlib: no problem.
	delete(found, "GO-2026-0002")
	ok["GO-2026-0004"] = true
	if p, _ := gate(found, ok); len(p) != 0 {
		t.Errorf("problems = %v, want none", p)
	}
	if _, err := listed("no markers"); err == nil {
		t.Error("a document without the section passed")
	}
}
