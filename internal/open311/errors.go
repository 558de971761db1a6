package open311

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
)

// The specification's error format: <errors><error><code/><description/>
// </error>…</errors>, in JSON [{"code":…,"description":…}], with the HTTP
// status: 404 for a resource that does not exist, 403 for a missing or
// invalid api_key, 400 for everything else the client can fix. Several
// errors may come at once (one per bad field). Descriptions are for end
// users, in the request's language (Chinese unless Accept-Language asks
// for English); they never hold stored data or driver text.

// apiError is an error the client receives as it is.
type apiError struct {
	status int
	items  []errItem
}

// errItem is one error: a message key and its arguments.
type errItem struct {
	key  string
	args []any
}

func (e *apiError) Error() string {
	keys := make([]string, len(e.items))
	for i, it := range e.items {
		keys[i] = it.key
	}
	return "open311: " + http.StatusText(e.status) + ": " + strings.Join(keys, ", ")
}

func newErr(status int, key string, args ...any) *apiError {
	return &apiError{status: status, items: []errItem{{key: key, args: args}}}
}

// badRequest is a 400 with one message.
func badRequest(key string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, key, args...)
}

var (
	errNoResource = newErr(http.StatusNotFound, "open311.not_found")
	errFormat     = newErr(http.StatusNotFound, "open311.format.unknown")
	errMethod     = newErr(http.StatusMethodNotAllowed, "open311.method")
	errTooLarge   = newErr(http.StatusRequestEntityTooLarge, "open311.body.too_large")
	errBadBody    = badRequest("open311.body.invalid")
	errKeyMissing = newErr(http.StatusForbidden, "open311.api_key.missing")
	errKeyInvalid = newErr(http.StatusForbidden, "open311.api_key.invalid")
	errKeyIntake  = newErr(http.StatusForbidden, "open311.api_key.no_intake")
	errNoService  = newErr(http.StatusNotFound, "open311.service_code.unknown")
	errNoRequest  = newErr(http.StatusNotFound, "open311.request.not_found")
	errNoToken    = newErr(http.StatusNotFound, "open311.token.not_found")
	errMediaKey   = newErr(http.StatusForbidden, "open311.media.api_key")
	errNoMedia    = newErr(http.StatusNotFound, "open311.media.not_found")
)

// fail renders an error. A validation error of the store becomes a 400
// with one error per field (fields.go words them); the domain's sentinel
// errors map to their statuses; anything else is a 500 that is logged
// with the request id and shown as a generic message.
func (s *server) fail(w http.ResponseWriter, r *http.Request, c *call, err error) {
	var ae *apiError
	var ve *linli.ValidationError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &ve):
		ae = &apiError{status: http.StatusBadRequest}
		for _, f := range ve.Fields {
			if f.Field == "service_code" && f.Key == "wo.service.unknown" {
				ae = errNoService
				break
			}
			ae.items = append(ae.items, fieldItem(c, f))
		}
	case errors.As(err, &mbe):
		ae = errTooLarge
	case errors.Is(err, linli.ErrNotFound):
		ae = errNoResource
	case errors.Is(err, linli.ErrForbidden):
		ae = errKeyIntake
	case errors.Is(err, linli.ErrUnauthorized):
		ae = errKeyInvalid
	case errors.Is(err, linli.ErrUnavailable):
		w.Header().Set("Retry-After", "5")
		ae = newErr(http.StatusServiceUnavailable, "open311.unavailable")
	case errors.Is(err, linli.ErrConflict):
		ae = badRequest("open311.conflict")
	default:
		id := r.Header.Get("X-Request-Id")
		s.log.LogAttrs(r.Context(), slog.LevelError, "open311 request failed", slog.String("request_id", id), slog.String("error", err.Error()))
		ae = newErr(http.StatusInternalServerError, "open311.internal", id)
	}
	if rerr := write(w, c.format, ae.status, errorDoc(c.p, ae)); rerr != nil {
		http.Error(w, http.StatusText(ae.status), ae.status)
	}
}

// errorDoc is the specification's error document.
func errorDoc(p locale.Printer, ae *apiError) doc {
	l := list{item: "error"}
	for _, it := range ae.items {
		l.elems = append(l.elems, obj{{"code", ae.status}, {"description", p.T(it.key, it.args...)}})
	}
	return doc{root: "errors", body: l}
}
