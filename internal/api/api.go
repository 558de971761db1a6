// Package api serves linli's JSON API under /api/v1.
//
// The server mounts the handler that New returns as is: its middleware has
// already assigned a request id and authenticated the request (a session
// cookie or an "Authorization: Bearer" API token), and put the actor into
// the request context. Every handler here returns an error; one adapter
// renders it as an RFC 9457 problem (application/problem+json) through one
// table of sentinel errors to status codes (problem.go). The whole surface
// is in routes.go and is described by the embedded OpenAPI document
// openapi.json, which tests keep in step with the routes.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Deps are what the API needs from the server.
type Deps struct {
	Store  *store.Store
	Logger *slog.Logger // nil discards
}

// handlerFunc is the shape of every API handler: it either writes a
// success response and returns nil, or writes nothing and returns an error
// for the adapter to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

type server struct {
	st      *store.Store
	log     *slog.Logger
	mux     *http.ServeMux
	methods []string // every method some route serves, for the Allow header
	// photoSlots bounds the photos being decoded at once (attachment.go).
	photoSlots chan struct{}
}

// fallbackPattern catches every request no route matches (unknown paths and
// wrong methods), so that they get a problem document too.
const fallbackPattern = "/"

// New builds the /api/v1 handler.
func New(d Deps) http.Handler {
	s := &server{st: d.Store, log: d.Logger, mux: http.NewServeMux(), photoSlots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	addMethod := func(m string) {
		if !seen[m] {
			seen[m] = true
			s.methods = append(s.methods, m)
		}
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.path, s.adapt(rt))
		addMethod(rt.method)
		if rt.method == http.MethodGet {
			addMethod(http.MethodHead) // ServeMux serves HEAD with GET patterns
		}
	}
	s.mux.Handle(fallbackPattern, s.adapt(route{h: s.fallback}))
	return s.mux
}

// adapt turns a route's handler into an http.Handler: it requires an actor
// (and the route's permission) unless the route is public, and renders a
// returned error as a problem.
func (s *server) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.public {
			a, ok := linli.ActorFrom(r.Context())
			if !ok {
				s.fail(w, r, linli.ErrUnauthorized)
				return
			}
			if rt.perm != "" && !a.Can(rt.perm) {
				s.fail(w, r, linli.ErrForbidden)
				return
			}
		}
		if err := rt.h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fallback answers requests that no route pattern matched: 405 with an
// Allow header when the path exists under other methods, else 404.
func (s *server) fallback(w http.ResponseWriter, r *http.Request) error {
	if allow := s.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return errMethodNotAllowed
	}
	return errNoRoute
}

// allowed lists the methods under which some route matches r's path. It
// asks the mux itself, so wildcards ({id}) match exactly as they route.
func (s *server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range s.methods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != fallbackPattern {
			out = append(out, m)
		}
	}
	return out
}

// actorOf returns the request's actor; the adapter has checked that there
// is one for every non-public route.
func actorOf(r *http.Request) linli.Actor {
	a, _ := linli.ActorFrom(r.Context())
	return a
}

// requestID is the id the server's middleware gave the request.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" {
		return id
	}
	a, _ := linli.ActorFrom(r.Context())
	return a.RequestID
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the client has gone; there is no one to tell.
	_, _ = w.Write(append(b, '\n'))
	return nil
}
