package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is the layout data every page embeds.
type Page struct {
	Title   string
	Actor   *linli.Actor
	Lang    string
	Elderly bool
	Nonce   string
	Flash   string
	Path    string
	Assets  map[string]string // logical name → content-hashed URL
	Unread  string            // the viewer's unread notices for the header ("" for none, "99+" at the cap)
	p       locale.Printer
}

// T translates a message key in the page's language.
func (p Page) T(key string, args ...any) string { return p.p.T(key, args...) }

// Can reports whether the viewer holds a permission (to show navigation).
func (p Page) Can(perm string) bool { return p.Actor != nil && p.Actor.Can(linli.Permission(perm)) }

// Purpose shows the purpose of a reveal in the page's language: a code
// from the short list, or "other:" and the reason the worker wrote.
func (p Page) Purpose(s string) string {
	if rest, ok := strings.CutPrefix(s, "other:"); ok {
		return p.T("code.purpose.other") + ": " + rest
	}
	if s != "" && p.p.Has("code.purpose."+s) {
		return p.T("code.purpose." + s)
	}
	return s
}

// Time formats a time in Asia/Shanghai (or the zone of the deployment).
func (p Page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format("2006-01-02 15:04")
}

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// page builds the layout data for a request.
func (s *Server) page(r *http.Request, titleKey string) Page {
	ri := info(r)
	lang := locale.Negotiate(r)
	p := Page{Lang: lang, Nonce: ri.nonce, Path: r.URL.Path, p: s.cat.Printer(lang), Assets: s.assetURLs()}
	p.Title = p.T(titleKey)
	if a, ok := linli.ActorFrom(r.Context()); ok {
		p.Actor = &a
		if n, err := s.st.UnreadNotices(r.Context(), a); err == nil && n > 0 {
			p.Unread = unreadLabel(n)
		}
	}
	if c, err := r.Cookie("elderly"); err == nil && c.Value == "1" {
		p.Elderly = true
	}
	if c, err := r.Cookie("flash"); err == nil {
		p.Flash = p.T(c.Value)
	}
	return p
}

// Form is a submitted form to re-render: the values the user typed and one
// message per field.
type Form struct {
	Values map[string]string
	Errors map[string]string
}

func newForm() Form { return Form{Values: map[string]string{}, Errors: map[string]string{}} }

// formFrom copies the submitted values.
func formFrom(r *http.Request, fields ...string) Form {
	f := newForm()
	for _, k := range fields {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	return f
}

// setErrors translates a validation error into per-field messages, and
// reports whether err was one.
func (f Form) setErrors(p Page, err error) bool {
	var ve *linli.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, fe := range ve.Fields {
		f.Errors[fe.Field] = p.T(fe.Key, fe.Args...)
	}
	return true
}

var funcs = template.FuncMap{
	"join":     strings.Join,
	"roleKey":  func(r linli.Role) string { return "role." + string(r) },
	"levelKey": func(l linli.Level) string { return "level." + string(l) },
	"add":      func(a, b int) int { return a + b },
}

// parseTemplates parses each page together with the layout, once.
func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := path.Base(e)
		if name == "layout.html" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", e)
		if err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// render executes a page into a buffer first, so a template error never
// sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if c, err := r.Cookie("flash"); err == nil && c.Value != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode}) // #nosec G124 -- clears the flash cookie; it carries a message key, nothing secret
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// redirect answers a successful POST (POST/Redirect/GET), with a flash
// message key for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flashKey string) error {
	if flashKey != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Value: flashKey, Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.opt.SecureCookies}) // #nosec G124 -- Secure follows --secure-cookies (on behind TLS; off for plain HTTP on loopback)
	}
	http.Redirect(w, r, to, http.StatusSeeOther) // #nosec G710 -- callers pass our own paths (or safeNext of the user's)
	return nil
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Page
	Status  int
	Message string
}

// errorTable maps sentinel errors to a status and a message key. It is the
// one place where errors become HTTP.
var errorTable = []struct {
	err    error
	status int
	key    string
}{
	{linli.ErrNotFound, http.StatusNotFound, "error.not_found"},
	{linli.ErrForbidden, http.StatusForbidden, "error.forbidden"},
	{linli.ErrUnauthorized, http.StatusUnauthorized, "error.unauthorized"},
	{linli.ErrInvalid, http.StatusUnprocessableEntity, "error.invalid"},
	{linli.ErrConflict, http.StatusConflict, "error.conflict"},
	{linli.ErrLocked, http.StatusLocked, "error.locked"},
	{linli.ErrRateLimited, http.StatusTooManyRequests, "error.rate_limited"},
	{linli.ErrUnavailable, http.StatusServiceUnavailable, "error.unavailable"},
	{errMethod, http.StatusMethodNotAllowed, "error.method"},
}

// errMethod is a known path asked with a method it does not take.
var errMethod = errors.New("method not allowed")

// fail renders an error as a page. 5xx are logged once with the request id
// and shown as a generic message; driver text never reaches the user.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, key = http.StatusRequestEntityTooLarge, "error.too_large"
	} else {
		for _, e := range errorTable {
			if errors.Is(err, e.err) {
				status, key = e.status, e.key
				break
			}
		}
	}
	var ce *linli.ConflictError
	p := s.page(r, "error.title")
	msg := p.T(key)
	if status == http.StatusRequestEntityTooLarge && strings.HasSuffix(info(r).pattern, "/import") {
		msg = p.T("import.too_large", importUploadLimit>>20)
	}
	if errors.As(err, &ce) {
		msg = p.T(ce.Key, ce.Args...)
	}
	if status >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("request_id", info(r).id), slog.String("error", err.Error()))
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if rerr := s.render(w, r, status, "error.html", ErrorPage{Page: p, Status: status, Message: msg}); rerr != nil {
		http.Error(w, http.StatusText(status), status)
	}
}

// asset is an embedded static file served under a content-hashed path.
type asset struct {
	name, url, ctype string
	body             []byte
}

func (s *Server) loadAssets() error {
	s.assets = map[string]asset{}
	s.assetURL = map[string]string{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := "application/octet-stream"
		switch path.Ext(e.Name()) {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		url := "/static/" + hex.EncodeToString(sum[:6]) + "/" + e.Name()
		s.assets[url] = asset{name: e.Name(), url: url, ctype: ctype, body: b}
		s.assetURL[e.Name()] = url
	}
	return nil
}

// assetURLs maps each static file's name to its content-hashed URL; it is
// built once and only read afterwards.
func (s *Server) assetURLs() map[string]string { return s.assetURL }

func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	a, ok := s.assets[r.URL.Path]
	if !ok {
		return linli.ErrNotFound
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, err := w.Write(a.body)
	return err
}
