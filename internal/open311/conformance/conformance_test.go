package conformance_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/open311/conformance"
	"github.com/linli-org/linli/internal/open311/open311test"
	"github.com/linli-org/linli/internal/store"
)

// ownServer is linli's own server over the seeded demo district, with the
// test catalogue and an API token of a community worker scoped to the
// first community.
func ownServer(t *testing.T) (*open311test.Env, string) {
	t.Helper()
	var token string
	env := open311test.New(t, func(ctx context.Context, st *store.Store, hash func(string) (string, error)) error {
		if _, _, err := demo.Seed(ctx, st, hash); err != nil {
			return err
		}
		if err := open311test.Catalogue(ctx, st, 0); err != nil {
			return err
		}
		comms, err := st.Areas(ctx, linli.ConsoleActor(), store.AreaFilter{Level: linli.LevelCommunity})
		if err != nil || len(comms) == 0 {
			t.Fatalf("no community in the demo district: %v", err)
		}
		token, err = open311test.Token(ctx, st, "open311 conformance", linli.RoleCommunityWorker, comms[0].ID)
		return err
	})
	return env, token
}

// TestConformance runs the whole suite against linli's own server: every
// check must pass (none skipped). Then it checks the suite: each fault of
// a server that mangles our answers makes its check fail.
func TestConformance(t *testing.T) {
	env, token := ownServer(t)
	t.Run("own server", func(t *testing.T) { ownServerPasses(t, env, token) })
	t.Run("faults", func(t *testing.T) { suiteFindsFaults(t, env, token) })
}

func ownServerPasses(t *testing.T, env *open311test.Env, token string) {
	results := conformance.Run(context.Background(), conformance.Config{BaseURL: env.URL, APIKey: token,
		Client: env.Server.Client(), ServiceCode: open311test.Repair, BatchServiceCode: open311test.Assist})
	if len(results) != 16 {
		t.Fatalf("%d results, want 16", len(results))
	}
	for i, r := range results {
		if r.ID != i+1 {
			t.Errorf("result %d has id %d", i, r.ID)
		}
		t.Log(r)
		if !r.Passed || r.Skipped {
			t.Errorf("check %d (%s) did not pass: %s", r.ID, r.Name, r.Message)
		}
	}
}

// mutate rewrites every Open311 response of a server.
type mutate func(h http.Header, body []byte) []byte

type mutating struct {
	next http.Handler
	fn   mutate
}

type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func (m mutating) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{h: http.Header{}, status: http.StatusOK}
	m.next.ServeHTTP(rec, r)
	body := m.fn(rec.h, rec.body.Bytes())
	for k, v := range rec.h {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
}

func suiteFindsFaults(t *testing.T, env *open311test.Env, token string) {
	faults := []struct {
		name  string
		fn    mutate
		check int
	}{
		{"no charset", func(h http.Header, b []byte) []byte {
			h.Set("Content-Type", strings.Split(h.Get("Content-Type"), ";")[0])
			return b
		}, 2},
		{"a namespace on the root", func(h http.Header, b []byte) []byte {
			return bytes.Replace(b, []byte("<services>"), []byte(`<services xmlns="urn:other">`), 1)
		}, 2},
		{"JSON differs from XML", func(h http.Header, b []byte) []byte {
			if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				return bytes.ReplaceAll(b, []byte(`"metadata":true`), []byte(`"metadata":false`))
			}
			return b
		}, 13},
		{"a photo served as a web page", func(h http.Header, b []byte) []byte {
			if strings.HasPrefix(h.Get("Content-Type"), "image/") {
				h.Set("Content-Type", "text/html")
			}
			return b
		}, 16},
		{"an empty description", func(h http.Header, b []byte) []byte {
			return bytes.ReplaceAll(b, []byte("<description>楼道灯、路灯不亮或损坏</description>"), []byte("<description></description>"))
		}, 13},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			h := mutating{next: env.Server.Config.Handler, fn: f.fn}
			client := &http.Client{Transport: handlerTransport{h}}
			results := conformance.Run(context.Background(), conformance.Config{BaseURL: "http://linli.test/open311/v2", APIKey: token,
				Client: client, ServiceCode: open311test.Repair, BatchServiceCode: open311test.Assist})
			r := results[f.check-1]
			if r.Passed {
				t.Errorf("check %d passed on a server with %s", f.check, f.name)
			} else {
				t.Logf("check %d: %s", f.check, r.Message)
			}
		})
	}
}

// handlerTransport serves requests with a handler, in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := &recorder{h: http.Header{}, status: http.StatusOK}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RemoteAddr, r.Host = "127.0.0.1:1234", r.URL.Host
	r.RequestURI = r.URL.RequestURI()
	t.h.ServeHTTP(rec, r)
	return &http.Response{StatusCode: rec.status, Header: rec.h, Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Request: r}, nil
}
