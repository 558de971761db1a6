// Package locale holds the message catalogs of the user interface:
// Simplified Chinese first, English second. A message is looked up by key;
// placeholders are fmt verbs.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
)

// Languages the interface speaks, the default first.
var Languages = []string{"zh-CN", "en"}

//go:embed catalogs
var catalogFS embed.FS

// Catalogs maps a language to its messages.
type Catalogs map[string]map[string]string

// Load reads the embedded catalogs.
func Load() (Catalogs, error) {
	c := Catalogs{}
	for _, lang := range Languages {
		files, err := fs.Glob(catalogFS, "catalogs/"+lang+"/*.json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := catalogFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("catalog %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("catalog %s: key %q defined twice", f, k)
				}
				m[k] = v
			}
		}
		c[lang] = m
	}
	return c, nil
}

// Keys lists the keys of a language, sorted.
func (c Catalogs) Keys(lang string) []string {
	var out []string
	for k := range c[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Printer formats messages in one language.
type Printer struct {
	Lang string
	m    map[string]string
	base map[string]string
}

// Printer returns a printer for lang (the default language when unknown).
func (c Catalogs) Printer(lang string) Printer {
	if _, ok := c[lang]; !ok {
		lang = Languages[0]
	}
	return Printer{Lang: lang, m: c[lang], base: c[Languages[0]]}
}

// T formats the message key with args. A missing key shows as the key itself
// (tests make sure none is missing).
func (p Printer) T(key string, args ...any) string {
	msg, ok := p.m[key]
	if !ok {
		msg, ok = p.base[key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key exists in the printer's language.
func (p Printer) Has(key string) bool { _, ok := p.m[key]; return ok }

// Negotiate picks the language: the "lang" cookie, then Accept-Language,
// then the default.
func Negotiate(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil {
		for _, l := range Languages {
			if c.Value == l {
				return l
			}
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return "zh-CN"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return Languages[0]
}
