package attach_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/attach"
)

// Every route that serves a photo gets these headers from Serve; a type
// that is never stored is not served at all.
func TestServe(t *testing.T) {
	data := []byte("\x89PNG\r\n\x1a\nrest")
	name := "0123456789abcdef0123456789abcdef"
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := httptest.NewRecorder()
		if err := attach.Serve(rec, httptest.NewRequest(method, "/x", nil), name, attach.TypePNG, data); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"Content-Type":                 "image/png",
			"X-Content-Type-Options":       "nosniff",
			"Content-Security-Policy":      "sandbox; default-src 'none'",
			"Content-Disposition":          `inline; filename="` + name + `.png"`,
			"Cross-Origin-Resource-Policy": "same-origin",
			"Cache-Control":                "private, max-age=3600",
			"Content-Length":               "12",
		}
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", method, k, got, v)
			}
		}
		if body := rec.Body.String(); (method == http.MethodGet) != (body == string(data)) || (method == http.MethodHead && body != "") {
			t.Errorf("%s: body %q", method, body)
		}
	}
	for _, ct := range []string{"text/html", "image/svg+xml", "image/gif", ""} {
		rec := httptest.NewRecorder()
		if err := attach.Serve(rec, httptest.NewRequest(http.MethodGet, "/x", nil), name, ct, data); !errors.Is(err, linli.ErrNotFound) || rec.Body.Len() != 0 {
			t.Errorf("Serve(%q) = %v, wrote %d bytes; want ErrNotFound and nothing", ct, err, rec.Body.Len())
		}
	}
}
