// Package web serves linli's HTML interface, and hosts the middleware that
// every route shares: request ids, logging, metrics, security headers,
// cross-origin protection, body limits and authentication.
package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/locale"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// Options configure the server. Zero values get the defaults in
// DefaultOptions.
type Options struct {
	Store         *store.Store
	Keys          *seal.Keyring
	Hasher        *auth.Hasher
	Logger        *slog.Logger
	API           http.Handler // the /api/v1 handler, mounted as is
	Open311       http.Handler // the /open311/v2/ handler (GeoReport v2), mounted as is
	Policy        auth.Policy
	IdleTimeout   time.Duration // session idle timeout (30 min)
	Lifetime      time.Duration // session absolute lifetime (12 h)
	MaxFailures   int           // failed logins before lockout (5)
	LockFor       time.Duration // lockout duration (15 min)
	LoginRate     float64       // login attempts per second per IP (0.5)
	LoginBurst    int           // burst of login attempts per IP (10)
	SecureCookies bool          // Secure + __Host- cookies (behind TLS)
	MaxBody       int64         // request body limit for forms (1 MiB); imports get 8 MiB
	Issuer        string        // TOTP issuer name
}

// DefaultOptions fills zero fields.
func (o *Options) defaults() {
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.Lifetime == 0 {
		o.Lifetime = 12 * time.Hour
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.LockFor == 0 {
		o.LockFor = 15 * time.Minute
	}
	if o.LoginRate == 0 {
		o.LoginRate = 0.5
	}
	if o.LoginBurst == 0 {
		o.LoginBurst = 10
	}
	if o.MaxBody == 0 {
		o.MaxBody = 1 << 20
	}
	if o.Issuer == "" {
		o.Issuer = "linli"
	}
	if o.Policy.MinLength == 0 {
		o.Policy = auth.DefaultPolicy()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Server is the HTTP side of linli.
type Server struct {
	opt      Options
	st       *store.Store
	log      *slog.Logger
	cat      locale.Catalogs
	pages    map[string]*template.Template
	throttle *auth.Throttle
	mux      *http.ServeMux
	handler  http.Handler
	reg      *prometheus.Registry
	reqs     *prometheus.CounterVec
	dur      *prometheus.HistogramVec
	assets   map[string]asset
	assetURL map[string]string
	// photoSlots bounds the photos being decoded at once (services.go).
	photoSlots chan struct{}
}

// New builds the server and its routes.
func New(opt Options) (*Server, error) {
	opt.defaults()
	if opt.Store == nil || opt.Keys == nil || opt.Hasher == nil {
		return nil, errors.New("web: store, keys and hasher are required")
	}
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, st: opt.Store, log: opt.Logger, cat: cat, mux: http.NewServeMux()}
	s.photoSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	s.throttle = auth.NewThrottle(opt.LoginRate, opt.LoginBurst, time.Now)
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.reg = prometheus.NewRegistry()
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linli_http_requests_total", Help: "HTTP requests by route pattern and status."}, []string{"route", "code"})
	s.dur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "linli_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"})
	s.reg.MustRegister(s.reqs, s.dur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(opt.Store.DB(), "writer"))
	if opt.Store.ReadDB() != opt.Store.DB() {
		s.reg.MustRegister(collectors.NewDBStatsCollector(opt.Store.ReadDB(), "reader"))
	}
	s.routes()
	s.handler = s.recoverer(s.requestInfo(s.securityHeaders(s.crossOrigin(s.authenticate(http.HandlerFunc(s.dispatch))))))
	return s, nil
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Metrics is the Prometheus handler (also mounted at /metrics).
func (s *Server) Metrics() http.Handler { return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}) }

// reqInfo is per-request state that middleware and handlers share.
type reqInfo struct {
	id      string
	pattern string
	nonce   string
	actor   *linli.Actor
	session *store.Session
	start   time.Time
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestInfo assigns the request id, measures, and logs one line per
// request: route pattern, status, duration, actor id. Never the query or
// the body (they may hold personal data).
func (s *Server) requestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := &reqInfo{id: randomID(9), nonce: randomID(16), start: time.Now()}
		w.Header().Set("X-Request-Id", ri.id)
		r.Header.Set("X-Request-Id", ri.id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, ri)))
		route := ri.pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(ri.start)
		s.reqs.WithLabelValues(route, fmt.Sprint(sw.status)).Inc()
		s.dur.WithLabelValues(route).Observe(d.Seconds())
		var uid int64
		if ri.actor != nil {
			uid = ri.actor.UserID
		}
		lvl := slog.LevelInfo
		if sw.status >= 500 {
			lvl = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), lvl, "request", slog.String("request_id", ri.id), slog.String("method", r.Method),
			slog.String("route", route), slog.Int("status", sw.status), slog.Duration("duration", d), slog.Int64("user_id", uid))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", slog.String("request_id", r.Header.Get("X-Request-Id")), slog.String("panic", fmt.Sprint(v)))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries; the CSP uses a
// per-request nonce.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+ri.nonce+"'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		for k, v := range staticHeaders {
			h[k] = v
		}
		if s.opt.SecureCookies {
			h["Strict-Transport-Security"] = hstsHeader
		}
		if r.Method == http.MethodTrace || r.Method == "TRACK" {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// staticHeaders are set on every response. The value slices are shared
// and never written (each has len == cap, so an Add copies first).
var staticHeaders = map[string][]string{
	"X-Content-Type-Options":     {"nosniff"},
	"X-Frame-Options":            {"DENY"},
	"Referrer-Policy":            {"no-referrer"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
	"Permissions-Policy":         {"camera=(), microphone=(), geolocation=()"},
}

var hstsHeader = []string{"max-age=31536000; includeSubDomains"}

// crossOrigin refuses cross-site state-changing requests (CSRF) with Go's
// http.CrossOriginProtection (Sec-Fetch-Site and Origin checks).
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	// Open311 never reads cookies (its POST authenticates with an api_key),
	// so a cross-site request there cannot act for a browser's user.
	cop.AddInsecureBypassPattern("/open311/")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, linli.ErrForbidden)
	}))
	return cop.Handler(next)
}

// cookie names: the __Host- prefix needs Secure, which needs TLS.
func (s *Server) sessionCookie() string {
	if s.opt.SecureCookies {
		return "__Host-linli_session"
	}
	return "linli_session"
}

// authenticate resolves the session cookie or the API bearer token into
// the actor. It never reads scope or identity from request parameters.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") && strings.HasPrefix(r.URL.Path, "/api/") {
			a, err := s.st.TokenActor(ctx, auth.HashToken(strings.TrimPrefix(h, "Bearer ")))
			if err == nil {
				a.IP, a.RequestID = clientIP(r), ri.id
				ri.actor = &a
				ctx = linli.WithActor(ctx, a)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if c, err := r.Cookie(s.sessionCookie()); err == nil && c.Value != "" {
			sess, a, err := s.st.SessionActor(ctx, auth.HashToken(c.Value), s.opt.IdleTimeout)
			switch {
			case err == nil:
				// Whatever answers a logged-in user (a page, an error page
				// with their name in the header, a redirect) is not stored
				// by any cache; static files and photos set their own.
				w.Header().Set("Cache-Control", "no-store")
				a.IP, a.RequestID = clientIP(r), ri.id
				ri.session = &sess
				if sess.Ready() {
					ri.actor = &a
					ctx = linli.WithActor(ctx, a)
				} else {
					ri.actor = &a // for the second-factor pages only
				}
			case errors.Is(err, linli.ErrUnauthorized):
				s.clearSession(w)
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: token, Path: "/", HttpOnly: true, // #nosec G124 -- Secure follows --secure-cookies (on behind TLS; off for plain HTTP on loopback)
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opt.Lifetime / time.Second)})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", HttpOnly: true, // #nosec G124 -- Secure follows --secure-cookies (on behind TLS; off for plain HTTP on loopback)
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// handler is the shape of our handlers: they return an error that one
// adapter renders.
type handler func(w http.ResponseWriter, r *http.Request) error

// need says what a route requires of the actor.
type need int

const (
	public   need = iota // anyone
	loggedIn             // a session, second factor done
	mfaStep              // a session waiting for its second factor
)

// handle registers a route: it records the pattern for metrics and logs,
// checks the login and the permission, limits the body and renders errors.
func (s *Server) handle(pattern string, n need, perm linli.Permission, h handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		ri.pattern = pattern
		if r.Method == http.MethodPost {
			limit := s.opt.MaxBody
			if strings.HasSuffix(pattern, "/import") {
				limit = importUploadLimit
			} else if l, ok := uploadLimits[pattern]; ok {
				limit = l
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			// Parse forms here, so an oversize or broken body is a 413 or
			// 400 page rather than an empty form.
			if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
				if err := r.ParseForm(); err != nil {
					s.fail(w, r, badForm(err))
					return
				}
			} else if strings.HasPrefix(ct, "multipart/form-data") {
				// Up to 8 MiB in memory, the rest of the files in temporary files.
				if err := r.ParseMultipartForm(min(limit, 8<<20)); err != nil { // #nosec G120 -- the body is already capped by http.MaxBytesReader (the route's upload limit)
					s.fail(w, r, badForm(err))
					return
				}
			}
		}
		switch n {
		case loggedIn:
			if _, ok := linli.ActorFrom(r.Context()); !ok {
				if ri.session != nil && !ri.session.Ready() {
					http.Redirect(w, r, s.mfaPath(ri.session), http.StatusSeeOther)
					return
				}
				s.toLogin(w, r)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			// A password chosen by an administrator must be replaced first.
			if ri.session != nil && ri.session.MustChangePwd && pattern != "GET /account" && pattern != "POST /account/password" {
				http.Redirect(w, r, "/account#password", http.StatusSeeOther)
				return
			}
		case mfaStep:
			if ri.session == nil {
				s.toLogin(w, r)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
		}
		if perm != "" {
			a, _ := linli.ActorFrom(r.Context())
			if !a.Can(perm) {
				s.fail(w, r, linli.ErrNotFound)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}))
}

// badForm keeps a body-size error as it is (413) and turns other parse
// errors into invalid input.
func badForm(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return fmt.Errorf("%w: %v", linli.ErrInvalid, err)
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.fail(w, r, linli.ErrUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+safeNext(r.URL.Path), http.StatusSeeOther) // #nosec G710 -- safeNext keeps only a local path
}

func (s *Server) mfaPath(sess *store.Session) string {
	if sess.MFA == "enroll" {
		return "/account/totp"
	}
	return "/login/totp"
}

// safeNext keeps only a local path for the post-login redirect.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	return p
}

func actor(r *http.Request) linli.Actor {
	a, _ := linli.ActorFrom(r.Context())
	return a
}
