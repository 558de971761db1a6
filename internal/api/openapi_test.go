package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// canonicalJSON re-encodes a JSON document with sorted keys and a fixed
// indentation, so that the golden comparison ignores formatting only.
func canonicalJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// servedOpenAPI fetches the document the way a client does, without
// credentials.
func servedOpenAPI(t *testing.T) []byte {
	t.Helper()
	rec := serve(New(Deps{}), nil, newRequest(http.MethodGet, "/api/v1/openapi.json"))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/openapi.json = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	return rec.Body.Bytes()
}

// TestOpenAPIGolden compares the served document with the reviewed copy;
// after a deliberate change run: go test ./internal/api -run OpenAPIGolden -update
func TestOpenAPIGolden(t *testing.T) {
	got := canonicalJSON(t, servedOpenAPI(t))
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the served OpenAPI document differs from %s; review the change and run with -update", golden)
	}
}

type openAPIDocument struct {
	OpenAPI string `json:"openapi"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		Schemas         map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPICoversRoutes checks that the document describes exactly the
// routes in routes.go, marks the public ones as needing no credentials, and
// that every $ref in it resolves.
func TestOpenAPICoversRoutes(t *testing.T) {
	raw := servedOpenAPI(t)
	var doc openAPIDocument
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("servers = %+v, want /api/v1", doc.Servers)
	}
	for _, name := range []string{"bearerAuth", "cookieAuth"} {
		if _, ok := doc.Components.SecuritySchemes[name]; !ok {
			t.Errorf("no security scheme %s", name)
		}
	}
	if _, ok := doc.Components.Schemas["Problem"]; !ok {
		t.Error("no Problem schema")
	}

	documented := map[string]bool{}
	for p, item := range doc.Paths {
		for _, m := range httpMethods {
			if _, ok := item[m]; ok {
				documented[strings.ToUpper(m)+" /api/v1"+p] = true
			}
		}
	}
	routes := (&server{}).routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	for _, rt := range routes {
		key := rt.method + " " + rt.path
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
			continue
		}
		delete(documented, key)
		var op struct {
			Security  *[]json.RawMessage `json:"security"`
			Responses map[string]json.RawMessage
		}
		p := strings.TrimPrefix(rt.path, "/api/v1")
		if err := json.Unmarshal(doc.Paths[p][strings.ToLower(rt.method)], &op); err != nil {
			t.Fatal(err)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.public {
			t.Errorf("%s: public in openapi.json = %v, in routes.go = %v", key, public, rt.public)
		}
		if _, ok := op.Responses["401"]; !rt.public && !ok {
			t.Errorf("%s: no 401 response documented", key)
		}
	}
	var extra []string
	for k := range documented {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("openapi.json describes %s, which routes.go does not serve", k)
	}

	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	checkRefs(t, tree, tree)
}

// checkRefs walks v and resolves every local "$ref" against root.
func checkRefs(t *testing.T, root, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "$ref" {
				ref, _ := val.(string)
				if !resolves(root, ref) {
					t.Errorf("$ref %q does not resolve", ref)
				}
				continue
			}
			checkRefs(t, root, val)
		}
	case []any:
		for _, val := range x {
			checkRefs(t, root, val)
		}
	}
}

func resolves(root any, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	cur := root
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}
