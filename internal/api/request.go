package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// maxBodyBytes caps every request body (1 MiB).
const maxBodyBytes = 1 << 20

// decodeJSON reads one JSON object from the body into dst, a request DTO.
// The body must be application/json, at most maxBodyBytes, hold exactly
// one value, and name no member that dst lacks.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errMediaType
	}
	if r.ContentLength > maxBodyBytes {
		return errTooLarge
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return badRequest("The body must hold a single JSON object.")
	}
	return nil
}

// jsonError turns a decoding error into a problem that tells the client
// what is wrong with its body, without echoing values.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return errTooLarge
	case errors.Is(err, io.EOF):
		return badRequest("The request body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("The body ends in the middle of a JSON value.")
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset))
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest("The body must be a JSON object.")
		}
		return badRequest(fmt.Sprintf("Member %q must be a JSON %s.", te.Field, jsonKind(te.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no type for this error; the message is stable.
		return badRequest("Unknown member " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ".")
	}
	return badRequest("The body is not a valid JSON object for this request.")
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// pathID is the {id} path value. A malformed id names no resource: 404.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, linli.ErrNotFound
	}
	return id, nil
}

// params reads query parameters and collects one field error per bad one,
// so a client learns about all of them at once.
type params struct {
	q url.Values
	v linli.ValidationError
}

func newParams(r *http.Request) *params { return &params{q: r.URL.Query()} }

// err returns the collected field errors, or nil.
func (p *params) err() error { return p.v.Err() }

// cursor reads ?cursor=, a positive number (the id or sequence number of
// the last item of the previous page); 0 when absent.
func (p *params) cursor() int64 {
	c := p.str("cursor")
	if c == "" {
		return 0
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n <= 0 {
		p.v.Add("cursor", "api.cursor.invalid")
		return 0
	}
	return n
}

// order checks that a time range's end (?to=) comes after its start.
func (p *params) order(from, to time.Time) {
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		p.v.Add("to", "api.time.order")
	}
}

func (p *params) str(name string) string { return strings.TrimSpace(p.q.Get(name)) }

// id reads an optional positive integer (0 when absent).
func (p *params) id(name string) int64 {
	s := p.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		p.v.Add(name, "api.integer")
		return 0
	}
	return n
}

// boolean reads an optional boolean (false when absent).
func (p *params) boolean(name string) bool {
	s := p.str(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.v.Add(name, "api.boolean")
	}
	return b
}

// Page sizes of every listing.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// limit reads the page size: defaultLimit when absent, else 1..maxLimit.
func (p *params) limit() int {
	s := p.str("limit")
	if s == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		p.v.Add("limit", "api.limit.range", 1, maxLimit)
		return defaultLimit
	}
	return n
}

// time reads an optional RFC 3339 time (zero when absent).
func (p *params) time(name string) time.Time {
	s := p.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.v.Add(name, "api.time.invalid")
		return time.Time{}
	}
	return t
}

// page is the envelope of every paginated listing. NextCursor is absent on
// the last page.
// pageOf makes the page of found (the store's answer to a request for
// fetched = min(limit+1, maxLimit) rows) that a client asked limit of: its
// first limit items, and a cursor (the id of the last) when the store had
// more, or a full page of maxLimit may have more.
func pageOf[T, J any](found []T, limit, fetched int, conv func(T) J, id func(T) int64) page[J] {
	n := min(limit, len(found))
	out := page[J]{Items: make([]J, 0, n)}
	for _, x := range found[:n] {
		out.Items = append(out.Items, conv(x))
	}
	if len(found) > n || (n == fetched && n > 0) {
		out.NextCursor = strconv.FormatInt(id(found[n-1]), 10)
	}
	return out
}

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
