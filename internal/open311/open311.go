// Package open311 serves the Open311 GeoReport v2 interface under
// /open311/v2/ over the same store as the rest of linli: the service
// catalogue becomes the service list, work orders become service
// requests.
//
// The web server mounts the handler that New returns as is, behind its
// request id, logging and security-header middleware. Open311 has its own
// authentication: the api_key (a form field or "Authorization: Bearer") is
// one of the platform's API tokens, required to POST and optional on a GET
// (a token that reads work orders sees the free text of its scope's
// requests, and the URLs of their photos, which only such a key may fetch:
// media.go); session cookies are never looked at, so no request here acts
// on a browser's behalf. Every handler
// returns an error that one adapter renders in the specification's format
// (errors.go). The whole surface is the route table in routes.go; docs/API.md
// ("Open311 GeoReport v2") describes it and our decisions.
package open311

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/locale"
	"github.com/linli-org/linli/internal/store"
)

// Prefix is where the interface is mounted.
const Prefix = "/open311/v2/"

// Specification is the token of the GeoReport v2 specification.
const Specification = "http://wiki.open311.org/GeoReport_v2"

// maxBody bounds a POST body, but for a multipart one with a photo
// (bodyLimit).
const maxBody = 1 << 20

// Deps are what the interface needs.
type Deps struct {
	Store        *store.Store
	Logger       *slog.Logger     // nil discards
	BaseURL      string           // the endpoint URL in the discovery document; "" = from the request's host
	EndpointType string           // "production" (default) or "test"
	Now          func() time.Time // nil = time.Now
}

type server struct {
	st       *store.Store
	log      *slog.Logger
	cat      locale.Catalogs
	baseURL  string
	endpoint string
	now      func() time.Time
	routes   []route
	// photoSlots bounds the photos being decoded at once (media.go).
	photoSlots chan struct{}
}

// New builds the /open311/v2/ handler.
func New(d Deps) (http.Handler, error) {
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	s := &server{st: d.Store, log: d.Logger, cat: cat, baseURL: strings.TrimSuffix(d.BaseURL, "/"), endpoint: d.EndpointType, now: d.Now,
		photoSlots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.endpoint == "" {
		s.endpoint = "production"
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.routes = s.routeTable()
	return s, nil
}

// ServeHTTP finds the route: the last path segment ends in ".xml" or
// ".json", which picks the format; errors before that are XML (the
// specification's mandatory format). A photo (media/{name}) is served as
// itself, without a format.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{format: fmtXML, p: s.cat.Printer(locale.Negotiate(r))}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		s.fail(w, r, c, errNoResource)
		return
	}
	if name, ok := isMedia(rest); ok {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", http.MethodGet)
			s.fail(w, r, c, errMethod)
			return
		}
		if err := s.media(w, r, name); err != nil {
			s.fail(w, r, c, err)
		}
		return
	}
	switch {
	case strings.HasSuffix(rest, ".xml"):
		rest = strings.TrimSuffix(rest, ".xml")
	case strings.HasSuffix(rest, ".json"):
		rest, c.format = strings.TrimSuffix(rest, ".json"), fmtJSON
	default:
		s.fail(w, r, c, errFormat)
		return
	}
	segs := strings.Split(rest, "/")
	var allow []string
	for _, rt := range s.routes {
		params, ok := match(rt.path, segs)
		if !ok {
			continue
		}
		if rt.method != r.Method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
			allow = append(allow, rt.method)
			continue
		}
		c.params = params
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(r))
		}
		if err := rt.h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
		return
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, c, errMethod)
		return
	}
	s.fail(w, r, c, errNoResource)
}

// match matches path segments against a route path.
func match(pattern string, segs []string) (map[string]string, bool) {
	ps := strings.Split(pattern, "/")
	if len(ps) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range ps {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// apiKey is the key a request presents: the api_key parameter (form or
// query), else an "Authorization: Bearer" header.
func apiKey(r *http.Request) string {
	if k := strings.TrimSpace(r.FormValue("api_key")); k != "" {
		return k
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	return ""
}

// keyActor resolves a presented key to its API token's actor. present is
// false when no key was presented; an unknown or revoked key is
// linli.ErrUnauthorized.
func (s *server) keyActor(ctx context.Context, r *http.Request) (a linli.Actor, present bool, err error) {
	k := apiKey(r)
	if k == "" {
		return a, false, nil
	}
	a, err = s.st.TokenActor(ctx, auth.HashToken(k))
	if err != nil {
		return a, true, err
	}
	a.RequestID = r.Header.Get("X-Request-Id")
	a.IP = clientIP(r)
	return a, true, nil
}

// reader is the actor of an optional key on a GET: a valid key whose token
// reads work orders sees the free text of the orders in its scope; any
// other key is ignored (GETs need none).
func (s *server) reader(ctx context.Context, r *http.Request) (linli.Actor, bool) {
	a, present, err := s.keyActor(ctx, r)
	if !present || err != nil || !a.Can(linli.PermWORead) {
		return linli.Actor{}, false
	}
	return a, true
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// endpointURL is the base URL of the interface.
func (s *server) endpointURL(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(Prefix, "/")
}

// isBadForm tells a broken or oversize body from other errors.
func isBadForm(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return errBadBody
}
