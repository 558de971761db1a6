package open311

import (
	"net/http"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
)

// routeTable is the whole Open311 surface on one screen (reference §1.13),
// under Prefix and with the format suffix ".xml" or ".json" on the last
// segment: GET discovery.xml, POST requests.json, GET requests/{id}.xml…
// GETs need no key; the POST needs an api_key (requests.go). Besides the
// table, GET media/{name} serves a photo as itself, without a format
// suffix, to an api_key that may read its request (media.go).
func (s *server) routeTable() []route {
	return []route{
		{http.MethodGet, "discovery", s.discovery},
		{http.MethodGet, "services", s.serviceList},
		{http.MethodGet, "services/{service_code}", s.serviceDefinition},
		{http.MethodPost, "requests", s.createRequest},
		{http.MethodGet, "requests", s.listRequests},
		{http.MethodGet, "requests/{service_request_id}", s.getRequest},
		{http.MethodGet, "tokens/{token}", s.token},
	}
}

// route is one method on one resource. A path is a resource name without
// the format suffix; a segment in braces is a parameter.
type route struct {
	method string
	path   string
	h      handlerFunc
}

// handlerFunc is the shape of every handler: it writes an answer and
// returns nil, or writes nothing and returns an error for the adapter.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

// call is what a handler knows about its request besides the request.
type call struct {
	format string            // "xml" or "json"
	params map[string]string // the path's parameters
	p      locale.Printer
	svc    *linli.Service // the service a POST names, for the wording of its attributes' errors
}
