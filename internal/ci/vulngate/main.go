// Command vulngate reads the JSON stream of `govulncheck -format json` on
// stdin and fails (exit 1) when the code calls a vulnerable function of any
// module but the Go standard library, or a standard-library vulnerability
// that docs/SECURITY.md does not list with the toolchain that fixes it.
// Standard-library findings can only be fixed by a newer Go, which this
// project takes deliberately; the list makes each one visible and reviewed.
//
//	govulncheck -db file://DB -format json ./... | go run ./internal/ci/vulngate docs/SECURITY.md
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// finding is the part of govulncheck's finding message we read.
type finding struct {
	OSV          string `json:"osv"`
	FixedVersion string `json:"fixed_version"`
	Trace        []struct {
		Module   string `json:"module"`
		Version  string `json:"version"`
		Package  string `json:"package"`
		Function string `json:"function"`
	} `json:"trace"`
}

// vuln is one called vulnerability.
type vuln struct {
	ID, Module, Version, Fixed string
	Packages                   map[string]bool
}

// called collects the vulnerabilities whose vulnerable function the code
// reaches (a finding at symbol level names the function in its first
// frame; module- and package-level findings are not calls).
func called(r io.Reader) (map[string]*vuln, error) {
	dec := json.NewDecoder(r)
	out := map[string]*vuln{}
	for {
		var msg struct {
			Finding *finding `json:"finding"`
		}
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading govulncheck JSON: %w", err)
		}
		f := msg.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue
		}
		v := out[f.OSV]
		if v == nil {
			v = &vuln{ID: f.OSV, Module: f.Trace[0].Module, Version: f.Trace[0].Version, Fixed: f.FixedVersion, Packages: map[string]bool{}}
			out[f.OSV] = v
		}
		v.Packages[f.Trace[0].Package] = true
	}
}

// listed reads the vulnerability ids in the table of the accepted
// standard-library findings in SECURITY.md (between the two markers).
func listed(doc string) (map[string]bool, error) {
	start := strings.Index(doc, "<!-- stdlib-vulns:begin -->")
	end := strings.Index(doc, "<!-- stdlib-vulns:end -->")
	if start < 0 || end < start {
		return nil, errors.New("no <!-- stdlib-vulns:begin/end --> section")
	}
	out := map[string]bool{}
	for _, id := range regexp.MustCompile(`GO-\d{4}-\d+`).FindAllString(doc[start:end], -1) {
		out[id] = true
	}
	return out, nil
}

// gate returns the problems: non-stdlib vulnerabilities and unlisted
// stdlib ones, and the listed ones no longer found (to prune the list).
func gate(found map[string]*vuln, ok map[string]bool) (problems, stale []string) {
	for _, v := range found {
		pkgs := make([]string, 0, len(v.Packages))
		for p := range v.Packages {
			pkgs = append(pkgs, p)
		}
		sort.Strings(pkgs)
		switch {
		case v.Module != "stdlib" && v.Module != "toolchain":
			problems = append(problems, fmt.Sprintf("%s in %s@%s (%s), fixed in %s: upgrade the module", v.ID, v.Module, v.Version, strings.Join(pkgs, ", "), v.Fixed))
		case !ok[v.ID]:
			problems = append(problems, fmt.Sprintf("%s in the standard library %s (%s), fixed in Go %s: not listed in docs/SECURITY.md", v.ID, v.Version, strings.Join(pkgs, ", "), v.Fixed))
		}
	}
	for id := range ok {
		if found[id] == nil {
			stale = append(stale, id)
		}
	}
	sort.Strings(problems)
	sort.Strings(stale)
	return problems, stale
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: govulncheck -format json ./... | vulngate docs/SECURITY.md")
		os.Exit(2)
	}
	doc, err := os.ReadFile(os.Args[1]) // #nosec G703 -- a CI tool reading the document path its caller names
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ok, err := listed(string(doc))
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(2)
	}
	found, err := called(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(2)
	}
	problems, stale := gate(found, ok)
	for _, id := range stale {
		fmt.Printf("note: %s is listed in docs/SECURITY.md but no longer found; remove it\n", id)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println("vulnerable:", p)
		}
		os.Exit(1)
	}
	fmt.Printf("govulncheck: %d called vulnerabilities, all in the Go standard library and listed in docs/SECURITY.md\n", len(found))
}
