package web_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// BenchmarkSessionCheck measures the middleware stack with a session
// lookup (cookie → SHA-256 → session, user, roles and scope from SQLite)
// against the same stack without a cookie, and reports the p99 of the
// per-request time.
func BenchmarkSessionCheck(b *testing.B) {
	e := newEnv(b)
	c := e.as("comm.worker")
	cookie := c.Jar.Cookies(mustURL(e.srv.URL))[0]
	h := e.web.Handler()
	for _, withSession := range []bool{false, true} {
		name := "anonymous"
		if withSession {
			name = "session"
		}
		b.Run(name, func(b *testing.B) {
			var d []time.Duration
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, "http://linli.test/healthz", nil)
				req.RemoteAddr = "127.0.0.1:40000"
				if withSession {
					req.AddCookie(cookie)
				}
				w := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(w, req)
				d = append(d, time.Since(t0))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
			slices.Sort(d)
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
		})
	}
}
