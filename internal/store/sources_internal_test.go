package store

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
)

// Sources are stored as groups of fields sharing a source; the reader
// gives back exactly what was written, and still reads the older object by
// field.
func TestSourcesRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 30, 1, 2, 3, 456, time.UTC)
	later := at.Add(time.Hour)
	in := map[string]linli.FieldSource{
		"name":      {Source: linli.SourceImport, Note: "民政台账.xlsx", At: at},
		"gender":    {Source: linli.SourceImport, Note: "民政台账.xlsx", At: at},
		"id_number": {Source: linli.SourceImport, Note: "民政台账.xlsx", At: at},
		"phones":    {Source: linli.SourceSelf, At: later},
		"address":   {Source: linli.SourceWorker, Note: "上门核实", At: later},
	}
	s := sourcesJSON(in)
	if n := strings.Count(s, `"source"`); n != 3 {
		t.Errorf("%d groups, want 3: %s", n, s)
	}
	if strings.Count(s, "民政台账.xlsx") != 1 {
		t.Errorf("the shared note is stored more than once: %s", s)
	}
	out, err := parseSources(s)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(in, out, func(a, b linli.FieldSource) bool {
		return a.Source == b.Source && a.Note == b.Note && a.At.Equal(b.At)
	}) {
		t.Errorf("round trip:\n in %v\nout %v", in, out)
	}

	legacy := `{"name":{"source":"self","at":"2026-11-29T22:33:40.923606703Z"},"room":{"source":"worker","note":"x","at":"2026-11-29T22:33:41Z"}}`
	old, err := parseSources(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if old["name"].Source != linli.SourceSelf || old["room"].Note != "x" || old["room"].At.Second() != 41 || len(old) != 2 {
		t.Errorf("legacy form read as %v", old)
	}
	for _, empty := range []string{"", "[]", "{}"} {
		if m, err := parseSources(empty); err != nil || len(m) != 0 {
			t.Errorf("%q: %v %v", empty, m, err)
		}
	}
	if _, err := parseSources(`[{"source":`); err == nil {
		t.Error("a broken value read without an error")
	}
}
