package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
)

// keyCalls are the functions whose string arguments are message keys.
var keyCalls = map[string]bool{"Invalid": true, "Conflict": true, "Add": true, "T": true, "redirect": true,
	"page": true, "userAction": true, "again": true}

var keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// usedKeys collects the message keys used by templates and Go code in the
// whole module.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{}
	tmpl := regexp.MustCompile(`\.T "([^"]+)"`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		switch {
		case strings.HasSuffix(path, ".html"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range tmpl.FindAllStringSubmatch(string(b), -1) {
				keys[m[1]] = path
			}
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				// Struct fields that hold a message key: {key: "…"}.
				if kv, ok := n.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok && (id.Name == "key" || id.Name == "Key") {
						if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil && keyShape.MatchString(s) {
								keys[s] = path
							}
						}
					}
					return true
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				name := ""
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if !keyCalls[name] {
					return true
				}
				for _, arg := range call.Args {
					if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil && keyShape.MatchString(s) && !strings.HasSuffix(s, ".html") {
							keys[s] = path
						}
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range linli.AllRoles {
		keys["role."+string(r)] = "role.go"
	}
	for _, l := range linli.Levels {
		keys["level."+string(l)] = "area.go"
	}
	for _, k := range linli.OrgUnitKinds {
		keys["orgkind."+k] = "user.go"
	}
	return keys
}

// TestNoMissingTranslations fails when a key used anywhere is missing from
// a catalog, or when the catalogs do not hold the same keys.
func TestNoMissingTranslations(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := usedKeys(t)
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scanner is broken", len(used))
	}
	for _, lang := range locale.Languages {
		p := cat.Printer(lang)
		for k, where := range used {
			if !p.Has(k) {
				t.Errorf("%s: key %q (used in %s) is missing", lang, k, where)
			}
		}
	}
	zh, en := cat.Keys("zh-CN"), cat.Keys("en")
	if strings.Join(zh, "\n") != strings.Join(en, "\n") {
		for _, k := range zh {
			if !cat.Printer("en").Has(k) {
				t.Errorf("en lacks %q", k)
			}
		}
		for _, k := range en {
			if !cat.Printer("zh-CN").Has(k) {
				t.Errorf("zh-CN lacks %q", k)
			}
		}
	}
}
