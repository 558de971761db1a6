// Package conformance checks a running Open311 GeoReport v2 server
// against the specification. No maintained conformance suite exists; this
// one follows the specification (http://wiki.open311.org/GeoReport_v2, its
// service discovery and JSON conversion pages) and the checks listed in
// the project's reference (open311-and-workorders.md §2), those that apply
// to a server serving one jurisdiction.
//
// Check runs against any base URL (".../open311/v2", without the trailing
// slash). With an API key it also creates a few service requests (their
// description starts with "一致性测试", "conformance test"), so point it at a
// test endpoint, not at a production one whose requests are acted upon;
// without a key the checks that create requests are skipped.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is the outcome of one check.
type Result struct {
	ID      int    // the check's number (1–16)
	Name    string // what it checks
	Passed  bool
	Skipped bool   // it does not apply to this server or run (Message says why)
	Message string // what failed, or notes on what passed
}

func (r Result) String() string {
	state := "FAIL"
	switch {
	case r.Skipped:
		state = "SKIP"
	case r.Passed:
		state = "ok"
	}
	s := fmt.Sprintf("%-4s %2d %s", state, r.ID, r.Name)
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

// Config is a run of the suite.
type Config struct {
	BaseURL string       // the endpoint, e.g. "https://city.example/open311/v2"
	APIKey  string       // a key that may create requests; "" skips the checks that need one
	Client  *http.Client // nil = http.DefaultClient
	// The services to create requests of: a realtime one and a batch one.
	// Empty: the first of the service list whose form the suite can fill.
	ServiceCode      string
	BatchServiceCode string
	Now              func() time.Time // nil = time.Now
}

// Check runs every check against baseURL.
func Check(ctx context.Context, baseURL, apiKey string, client *http.Client) []Result {
	return Run(ctx, Config{BaseURL: baseURL, APIKey: apiKey, Client: client})
}

// Run runs every check of a configuration, in the order of their numbers.
func Run(ctx context.Context, cfg Config) []Result {
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	r := &run{ctx: ctx, cfg: cfg, defs: map[string]definition{}}
	// The order matters: later checks read the services and requests
	// earlier ones found or created.
	var out []Result
	for _, c := range []struct {
		id   int
		name string
		fn   func(*checker)
	}{
		{1, "discovery document", r.checkDiscovery},
		{3, "service list", r.checkServices},
		{4, "service definitions (metadata=true)", r.checkDefinitions},
		{5, "service definitions (metadata=false)", r.checkNoMetadata},
		{6, "POST errors: api_key, service_code, location, required attribute", r.checkPostErrors},
		{7, "POST requests: id xor token by service type; tokens resolve", r.checkPost},
		{8, "multivaluelist attribute[code][] accepted", r.checkMultiValue},
		{9, "GET requests/{id}: one wrapped item, required fields, datetimes", r.checkGetRequest},
		{10, "GET requests filters", r.checkFilters},
		{11, "optional arguments: empty equals absent", r.checkOptional},
		{12, "jurisdiction_id", r.checkJurisdiction},
		{13, "XML and JSON equivalent for every resource", r.checkEquivalence},
		{14, "empty list", r.checkEmpty},
		{15, "UTF-8 round trip (Chinese)", r.checkUTF8},
		{16, "extensions: pagination, extensions=true, servicerequestupdates, media", r.checkExtensions},
		{2, "Content-Type, charset, XML declaration, no namespace", r.checkHeaders},
	} {
		ch := &checker{}
		c.fn(ch)
		out = append(out, ch.result(c.id, c.name))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// maxFails bounds the failures a result lists.
const maxFails = 8

// checker collects the failures and notes of one check.
type checker struct {
	fails, notes []string
	skip         string
}

func (c *checker) failf(format string, args ...any) {
	c.fails = append(c.fails, fmt.Sprintf(format, args...))
}
func (c *checker) notef(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}
func (c *checker) skipf(format string, args ...any) { c.skip = fmt.Sprintf(format, args...) }

func (c *checker) result(id int, name string) Result {
	res := Result{ID: id, Name: name}
	switch {
	case len(c.fails) > maxFails:
		res.Message = strings.Join(c.fails[:maxFails], "; ") + fmt.Sprintf("; and %d more", len(c.fails)-maxFails)
	case len(c.fails) > 0:
		res.Message = strings.Join(c.fails, "; ")
	case c.skip != "":
		res.Skipped, res.Message = true, c.skip
	default:
		res.Passed, res.Message = true, strings.Join(c.notes, "; ")
	}
	return res
}

// run is the state of one run.
type run struct {
	ctx      context.Context
	cfg      Config
	services []service
	defs     map[string]definition
	// what check 7 created
	realtime, batchSvc    *service
	idA, idB, idC, idBat  string
	token                 string
	descA                 string
	multiID, multiService string
	collected             []answer // answers check 2 inspects
}

type service struct {
	code, name, typ string
	metadata        bool
}

type definition struct {
	attrs []attribute
}

type attribute struct {
	code, datatype     string
	variable, required bool
	keys               []string
}

// answer is an HTTP response.
type answer struct {
	what   string // for messages
	format string
	status int
	ctype  string
	body   []byte
	err    error
}

func (a answer) ok() bool { return a.err == nil && a.status == http.StatusOK }

func (a answer) String() string {
	if a.err != nil {
		return a.what + ": " + a.err.Error()
	}
	body := string(a.body)
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	return fmt.Sprintf("%s: HTTP %d %s", a.what, a.status, strings.TrimSpace(body))
}

func (r *run) do(req *http.Request, what, format string) answer {
	a := answer{what: what, format: format}
	resp, err := r.cfg.Client.Do(req.WithContext(r.ctx))
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.status, a.ctype = resp.StatusCode, resp.Header.Get("Content-Type")
	a.body, a.err = io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	return a
}

// get fetches resource.format?q.
func (r *run) get(resource, format string, q url.Values) answer {
	u := r.cfg.BaseURL + "/" + resource + "." + format
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return answer{what: "GET " + resource + "." + format, err: err}
	}
	return r.do(req, "GET "+resource+"."+format+shown(q), format)
}

// shown is a query as messages show it: without the API key.
func shown(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	c := url.Values{}
	for k, v := range q {
		if k != "api_key" {
			c[k] = v
		}
	}
	if q.Has("api_key") {
		c.Set("api_key", "…")
	}
	return "?" + c.Encode()
}

// post sends a form to requests.format.
func (r *run) post(format string, form url.Values) answer {
	req, err := http.NewRequest(http.MethodPost, r.cfg.BaseURL+"/requests."+format, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{what: "POST requests." + format, err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r.do(req, "POST requests."+format, format)
}

// both fetches a resource as XML and as JSON and parses them.
func (r *run) both(resource string, q url.Values) (x answer, xn *node, j answer, jv any, err error) {
	x, j = r.get(resource, "xml", q), r.get(resource, "json", q)
	r.collected = append(r.collected, x, j)
	if x.err != nil {
		return x, nil, j, nil, x.err
	}
	if j.err != nil {
		return x, nil, j, nil, j.err
	}
	if xn, err = parseXML(x.body); err != nil {
		return x, nil, j, nil, fmt.Errorf("%s: XML: %v", x.what, err)
	}
	if jv, err = parseJSON(j.body); err != nil {
		return x, xn, j, nil, fmt.Errorf("%s: JSON: %v", j.what, err)
	}
	return x, xn, j, jv, nil
}

// keyed adds the API key to a query (clients such as FixMyStreet send it
// with every call; a GET must not need it).
func (r *run) keyed(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if r.cfg.APIKey != "" {
		q.Set("api_key", r.cfg.APIKey)
	}
	return q
}

// parseW3C parses a W3C datetime (the zone is required).
func parseW3C(s string) (time.Time, bool) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// errorBody checks an error document (JSON or XML): at least one error,
// each with a code and a non-empty description.
func errorBody(a answer) error {
	if a.format == "json" {
		v, err := parseJSON(a.body)
		if err != nil {
			return fmt.Errorf("%s: error body is not JSON: %v", a.what, err)
		}
		errs, ok := objects(v)
		if !ok || len(errs) == 0 {
			return fmt.Errorf("%s: error body is not a non-empty array of errors", a.what)
		}
		for _, e := range errs {
			if str(e, "code") == "" || strings.TrimSpace(str(e, "description")) == "" {
				return fmt.Errorf("%s: an error without code or description", a.what)
			}
		}
		return nil
	}
	n, err := parseXML(a.body)
	if err != nil {
		return fmt.Errorf("%s: error body is not XML: %v", a.what, err)
	}
	if n.name != "errors" || len(n.kids) == 0 {
		return fmt.Errorf("%s: error body is not <errors> with <error> children", a.what)
	}
	for _, e := range n.kids {
		c, d := e.child("code"), e.child("description")
		if e.name != "error" || c == nil || c.text == "" || d == nil || d.text == "" {
			return fmt.Errorf("%s: an <error> without code or description", a.what)
		}
	}
	return nil
}

// expectError checks an answer's status and error document.
func expectError(c *checker, a answer, status int) {
	switch {
	case a.err != nil:
		c.failf("%v", a)
	case a.status != status:
		c.failf("%v; want HTTP %d", a, status)
	default:
		if err := errorBody(a); err != nil {
			c.failf("%v", err)
		}
	}
}

// 1. discovery.xml and .json exist and agree, with every field, an ISO
// changeset in the past, and a GeoReport v2 endpoint that speaks XML.
func (r *run) checkDiscovery(c *checker) {
	x, xn, j, jv, err := r.both("discovery", nil)
	if !x.ok() || !j.ok() {
		c.failf("%v / %v", x, j)
		return
	}
	if err != nil {
		c.failf("%v", err)
		return
	}
	if xn.name != "discovery" {
		c.failf("XML root is <%s>, want <discovery>", xn.name)
	}
	if err := equivalent(xn, jv, "discovery"); err != nil {
		c.failf("XML and JSON differ: %v", err)
	}
	d, ok := jv.(map[string]any)
	if !ok {
		c.failf("JSON discovery is not an object")
		return
	}
	for _, k := range []string{"changeset", "contact", "key_service"} {
		if strings.TrimSpace(str(d, k)) == "" {
			c.failf("%s missing", k)
		}
	}
	if t, ok := parseW3C(str(d, "changeset")); !ok {
		c.failf("changeset %q is not an ISO 8601 datetime", str(d, "changeset"))
	} else if t.After(r.cfg.Now().Add(5 * time.Minute)) {
		c.failf("changeset %s is in the future", t)
	}
	eps, ok := objects(d["endpoints"])
	if !ok || len(eps) == 0 {
		c.failf("endpoints is not a non-empty array")
		return
	}
	good := false
	for _, e := range eps {
		for _, k := range []string{"specification", "url", "changeset", "type"} {
			if str(e, k) == "" {
				c.failf("an endpoint without %s", k)
			}
		}
		if t := str(e, "type"); t != "production" && t != "test" {
			c.failf("endpoint type %q is neither production nor test", t)
		}
		fs, _ := e["formats"].([]any)
		if str(e, "specification") == "http://wiki.open311.org/GeoReport_v2" && slices.Contains(fs, any("text/xml")) {
			good = true
		}
	}
	if !good {
		c.failf("no GeoReport v2 endpoint lists the format text/xml")
	}
}

// 3. services: root <services>, a JSON array, required members typed,
// unique codes, non-empty descriptions.
func (r *run) checkServices(c *checker) {
	x, xn, j, jv, err := r.both("services", nil)
	if !x.ok() || !j.ok() {
		c.failf("%v / %v", x, j)
		return
	}
	if err != nil {
		c.failf("%v", err)
		return
	}
	if xn.name != "services" {
		c.failf("XML root is <%s>, want <services>", xn.name)
	}
	list, ok := objects(jv)
	if !ok {
		c.failf("JSON services is not an array of objects")
		return
	}
	seen := map[string]bool{}
	for i, m := range list {
		code, isStr := m["service_code"].(string)
		if !isStr || code == "" {
			c.failf("service %d: service_code missing or not a string", i)
			continue
		}
		if seen[code] {
			c.failf("service_code %s repeated", code)
		}
		seen[code] = true
		if str(m, "service_name") == "" {
			c.failf("%s: service_name missing", code)
		}
		if strings.TrimSpace(str(m, "description")) == "" {
			c.failf("%s: description empty", code)
		}
		meta, isBool := m["metadata"].(bool)
		if !isBool {
			c.failf("%s: metadata is not a boolean", code)
		}
		typ := str(m, "type")
		if typ != "realtime" && typ != "batch" && typ != "blackbox" {
			c.failf("%s: type %q is not realtime, batch or blackbox", code, typ)
		}
		r.services = append(r.services, service{code: code, name: str(m, "service_name"), typ: typ, metadata: meta})
	}
	if len(list) == 0 {
		c.notef("the service list is empty")
	} else {
		c.notef("%d services", len(list))
	}
}

var datatypes = []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}

// definition fetches and checks a service definition (both formats).
func (r *run) definition(c *checker, sv service) (definition, bool) {
	x, xn, j, jv, err := r.both("services/"+url.PathEscape(sv.code), nil)
	var d definition
	if !x.ok() || !j.ok() {
		c.failf("%v / %v", x, j)
		return d, false
	}
	if err != nil {
		c.failf("%v", err)
		return d, false
	}
	if xn.name != "service_definition" {
		c.failf("%s: XML root is <%s>, want <service_definition>", sv.code, xn.name)
	}
	m, ok := jv.(map[string]any)
	if !ok {
		c.failf("%s: JSON definition is not an object", sv.code)
		return d, false
	}
	if str(m, "service_code") != sv.code {
		c.failf("%s: definition's service_code is %q", sv.code, str(m, "service_code"))
	}
	attrs, ok := objects(m["attributes"])
	if !ok && m["attributes"] != nil {
		c.failf("%s: attributes is not an array of objects", sv.code)
		return d, false
	}
	orders := map[string]bool{}
	for _, a := range attrs {
		at := attribute{code: str(a, "code"), datatype: str(a, "datatype")}
		var okV, okR bool
		at.variable, okV = a["variable"].(bool)
		at.required, okR = a["required"].(bool)
		if !okV || !okR {
			c.failf("%s/%s: variable and required must be booleans", sv.code, at.code)
		}
		if at.code == "" {
			c.failf("%s: an attribute without code", sv.code)
		}
		if !slices.Contains(datatypes, at.datatype) {
			c.failf("%s/%s: datatype %q", sv.code, at.code, at.datatype)
		}
		o, isNum := a["order"].(json.Number)
		if n, err := o.Int64(); !isNum || err != nil || n < 1 {
			c.failf("%s/%s: order %v is not a positive integer", sv.code, at.code, a["order"])
		} else if orders[string(o)] {
			c.failf("%s/%s: order %s repeated", sv.code, at.code, o)
		} else {
			orders[string(o)] = true
		}
		if at.variable && strings.TrimSpace(str(a, "description")) == "" {
			c.failf("%s/%s: description empty", sv.code, at.code)
		}
		if strings.HasSuffix(at.datatype, "valuelist") {
			vals, ok := objects(a["values"])
			if !ok || len(vals) == 0 {
				c.failf("%s/%s: a list without values", sv.code, at.code)
			}
			for _, v := range vals {
				k, isStr := v["key"].(string)
				_, nameStr := v["name"].(string)
				if !isStr || k == "" || !nameStr {
					c.failf("%s/%s: a value whose key or name is not a string", sv.code, at.code)
					continue
				}
				at.keys = append(at.keys, k)
			}
		}
		d.attrs = append(d.attrs, at)
	}
	r.defs[sv.code] = d
	return d, true
}

// 4. every metadata=true service has a definition.
func (r *run) checkDefinitions(c *checker) {
	n := 0
	for _, sv := range r.services {
		if sv.metadata {
			n++
			r.definition(c, sv)
		}
	}
	if n == 0 {
		c.skipf("no service has metadata=true")
		return
	}
	c.notef("%d definitions", n)
}

// 5. a metadata=false service: its definition is 404 or has no
// attributes (both are allowed).
func (r *run) checkNoMetadata(c *checker) {
	for _, sv := range r.services {
		if sv.metadata {
			continue
		}
		a := r.get("services/"+url.PathEscape(sv.code), "json", nil)
		switch {
		case a.err != nil:
			c.failf("%v", a)
		case a.status == http.StatusNotFound:
			c.notef("%s: definition is 404", sv.code)
			r.defs[sv.code] = definition{}
		case a.status == http.StatusOK:
			d, ok := r.definition(c, sv)
			if ok && len(d.attrs) > 0 {
				c.failf("%s: metadata=false but the definition has %d attributes", sv.code, len(d.attrs))
			} else if ok {
				c.notef("%s: definition with no attributes", sv.code)
			}
		default:
			c.failf("%v; want 200 or 404", a)
		}
		return // one is enough
	}
	c.skipf("every service has metadata=true")
}

// pick chooses the services to create requests of.
func (r *run) pick() {
	if r.realtime != nil || r.batchSvc != nil {
		return
	}
	for i := range r.services {
		sv := &r.services[i]
		if _, ok := r.defs[sv.code]; !ok && sv.metadata {
			continue
		}
		switch {
		case sv.typ == "realtime" && r.realtime == nil && (r.cfg.ServiceCode == "" || r.cfg.ServiceCode == sv.code):
			r.realtime = sv
		case sv.typ == "batch" && r.batchSvc == nil && (r.cfg.BatchServiceCode == "" || r.cfg.BatchServiceCode == sv.code):
			r.batchSvc = sv
		}
	}
}

// form is a valid request of a service: the required attributes filled
// with their first value (or a plain value), and a Chinese description.
func (r *run) form(sv *service, desc string) url.Values {
	f := url.Values{"service_code": {sv.code}, "description": {desc}, "first_name": {"测试"}, "last_name": {"用户"},
		"email": {"conformance@example.org"}}
	if r.cfg.APIKey != "" {
		f.Set("api_key", r.cfg.APIKey)
	}
	for _, a := range r.defs[sv.code].attrs {
		if !a.variable || !a.required {
			continue
		}
		k := "attribute[" + a.code + "]"
		switch a.datatype {
		case "singlevaluelist":
			if len(a.keys) > 0 {
				f.Set(k, a.keys[0])
			}
		case "multivaluelist":
			if len(a.keys) > 0 {
				f.Set(k+"[]", a.keys[0])
			}
		case "number":
			f.Set(k, "1")
		case "datetime":
			f.Set(k, r.cfg.Now().UTC().Format(time.RFC3339))
		default:
			f.Set(k, "一致性测试")
		}
	}
	return f
}

// created reads a POST answer: the service_request_id or token of its one
// request.
func created(a answer) (id, token string, err error) {
	if !a.ok() {
		return "", "", fmt.Errorf("%v", a)
	}
	if a.format == "xml" {
		n, err := parseXML(a.body)
		if err != nil {
			return "", "", fmt.Errorf("%s: %v", a.what, err)
		}
		if n.name != "service_requests" || len(n.kids) != 1 || n.kids[0].name != "request" {
			return "", "", fmt.Errorf("%s: want <service_requests> with one <request>", a.what)
		}
		if k := n.kids[0].child("service_request_id"); k != nil {
			id = k.text
		}
		if k := n.kids[0].child("token"); k != nil {
			token = k.text
		}
		return id, token, nil
	}
	v, err := parseJSON(a.body)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", a.what, err)
	}
	l, ok := objects(v)
	if !ok || len(l) != 1 {
		return "", "", fmt.Errorf("%s: want a JSON array of one request", a.what)
	}
	return str(l[0], "service_request_id"), str(l[0], "token"), nil
}

const location = "39.9087"

// 6. POST errors: no api_key and an invalid one are 403; with a key, an
// unknown service_code is 404, a missing location 400, a missing required
// attribute 400 with a message.
func (r *run) checkPostErrors(c *checker) {
	r.pick()
	sv := r.realtime
	if sv == nil {
		sv = r.batchSvc
	}
	if sv == nil {
		c.skipf("no realtime or batch service to post to")
		return
	}
	base := func() url.Values {
		f := r.form(sv, "一致性测试：不应受理")
		f.Set("lat", location)
		f.Set("long", "116.3975")
		return f
	}
	for _, format := range []string{"xml", "json"} {
		f := base()
		f.Del("api_key")
		expectError(c, r.post(format, f), http.StatusForbidden)
		f.Set("api_key", "conformance-invalid-key")
		expectError(c, r.post(format, f), http.StatusForbidden)
	}
	if r.cfg.APIKey == "" {
		c.notef("no API key: only the 403 cases were checked")
		return
	}
	f := base()
	f.Set("service_code", "NO-SUCH-SERVICE-0000")
	expectError(c, r.post("json", f), http.StatusNotFound)
	f = base()
	f.Del("lat")
	f.Del("long")
	expectError(c, r.post("json", f), http.StatusBadRequest)
	for i := range r.services {
		s := &r.services[i]
		if s.typ == "blackbox" {
			continue
		}
		for _, a := range r.defs[s.code].attrs {
			if a.variable && a.required {
				f := r.form(s, "一致性测试：不应受理")
				f.Set("lat", location)
				f.Set("long", "116.3975")
				f.Del("attribute[" + a.code + "]")
				f.Del("attribute[" + a.code + "][]")
				expectError(c, r.post("json", f), http.StatusBadRequest)
				c.notef("missing attribute[%s] of %s refused", a.code, s.code)
				return
			}
		}
	}
	c.notef("no service has a required attribute")
}

// 7. valid POSTs with a point, an address, an address id: a realtime
// service answers an id and no token; a batch service a token that
// tokens/{token} resolves to an id.
func (r *run) checkPost(c *checker) {
	r.pick()
	if r.cfg.APIKey == "" {
		c.skipf("no API key")
		return
	}
	if r.realtime == nil && r.batchSvc == nil {
		c.skipf("no realtime or batch service")
		return
	}
	if sv := r.realtime; sv != nil {
		r.descA = "一致性测试：3号楼楼道灯不亮，请尽快维修。（UTF-8 中文，含全角标点“”）"
		variants := []struct {
			format string
			set    url.Values
			id     *string
		}{
			{"json", url.Values{"lat": {location}, "long": {"116.3975"}}, &r.idA},
			{"xml", url.Values{"address_string": {"北京市东城区多福巷 3 号楼"}}, &r.idB},
			{"json", url.Values{"address_id": {"#NOTPINPOINTED#"}}, &r.idC},
		}
		for i, v := range variants {
			desc := r.descA
			if i > 0 {
				desc = "一致性测试：位置写法 " + strings.Join(slices.Sorted(maps.Keys(v.set)), ",")
			}
			f := r.form(sv, desc)
			for k, vs := range v.set {
				f[k] = vs
			}
			id, tok, err := created(r.post(v.format, f))
			switch {
			case err != nil:
				c.failf("%s (%v): %v", sv.code, v.set, err)
			case id == "" || tok != "":
				c.failf("%s is realtime: want service_request_id and no token, got id %q token %q", sv.code, id, tok)
			default:
				*v.id = id
			}
		}
		c.notef("realtime %s: %s, %s, %s", sv.code, r.idA, r.idB, r.idC)
	}
	if sv := r.batchSvc; sv != nil {
		f := r.form(sv, "一致性测试：批处理服务")
		f.Set("lat", location)
		f.Set("long", "116.3975")
		id, tok, err := created(r.post("json", f))
		switch {
		case err != nil:
			c.failf("%s: %v", sv.code, err)
			return
		case tok == "" || id != "":
			c.failf("%s is batch: want a token and no service_request_id, got id %q token %q", sv.code, id, tok)
			return
		}
		r.token = tok
		for _, format := range []string{"json", "xml"} {
			a := r.get("tokens/"+url.PathEscape(tok), format, nil)
			r.collected = append(r.collected, a)
			got, gotTok, err := created(a)
			switch {
			case err != nil:
				c.failf("token %s: %v", tok, err)
			case got == "" || gotTok != tok:
				c.failf("tokens/%s.%s: id %q token %q", tok, format, got, gotTok)
			default:
				r.idBat = got
			}
		}
		if r.idBat != "" {
			if a := r.get("requests/"+url.PathEscape(r.idBat), "json", r.keyed(nil)); !a.ok() {
				c.failf("the token's request: %v", a)
			}
		}
		c.notef("batch %s: token %s → %s", sv.code, tok, r.idBat)
	} else {
		c.notef("no batch service: tokens not checked")
	}
}

// 8. a multivaluelist attribute sent as attribute[code][] is accepted.
func (r *run) checkMultiValue(c *checker) {
	if r.cfg.APIKey == "" {
		c.skipf("no API key")
		return
	}
	for i := range r.services {
		sv := &r.services[i]
		if sv.typ == "blackbox" {
			continue
		}
		for _, a := range r.defs[sv.code].attrs {
			if a.datatype != "multivaluelist" || !a.variable || len(a.keys) == 0 {
				continue
			}
			f := r.form(sv, "一致性测试：多选属性")
			f.Set("lat", location)
			f.Set("long", "116.3975")
			f.Del("attribute[" + a.code + "]")
			f["attribute["+a.code+"][]"] = a.keys[:min(2, len(a.keys))]
			id, tok, err := created(r.post("json", f))
			if err != nil {
				c.failf("%s attribute[%s][]: %v", sv.code, a.code, err)
				return
			}
			if id == "" && tok == "" {
				c.failf("%s: neither id nor token", sv.code)
			}
			r.multiID, r.multiService = id, sv.code
			c.notef("%s attribute[%s][]=%s accepted", sv.code, a.code, strings.Join(a.keys[:min(2, len(a.keys))], ","))
			return
		}
	}
	c.skipf("no service has a multivaluelist attribute")
}

// requestItems parses a JSON list of requests.
func requestItems(a answer) ([]map[string]any, error) {
	if !a.ok() {
		return nil, fmt.Errorf("%v", a)
	}
	v, err := parseJSON(a.body)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", a.what, err)
	}
	l, ok := objects(v)
	if !ok {
		return nil, fmt.Errorf("%s: not an array of requests", a.what)
	}
	return l, nil
}

func ids(l []map[string]any) []string {
	out := make([]string, len(l))
	for i, m := range l {
		out[i] = str(m, "service_request_id")
	}
	sort.Strings(out)
	return out
}

// checkItem checks one request's members.
func checkItem(c *checker, m map[string]any) {
	id := str(m, "service_request_id")
	for _, k := range []string{"service_request_id", "service_code"} {
		if v, ok := m[k].(string); !ok || v == "" {
			c.failf("%s: %s missing or not a string", id, k)
		}
	}
	if st := str(m, "status"); st != "open" && st != "closed" {
		c.failf("%s: status %q", id, st)
	}
	req, ok := parseW3C(str(m, "requested_datetime"))
	if !ok {
		c.failf("%s: requested_datetime %q is not a W3C datetime with a zone", id, str(m, "requested_datetime"))
	}
	for _, k := range []string{"updated_datetime", "expected_datetime"} {
		if s := str(m, k); s != "" {
			t, ok := parseW3C(s)
			switch {
			case !ok:
				c.failf("%s: %s %q is not a W3C datetime with a zone", id, k, s)
			case k == "updated_datetime" && t.Before(req):
				c.failf("%s: updated_datetime %s before requested_datetime %s", id, s, str(m, "requested_datetime"))
			}
		}
	}
	for _, k := range []string{"lat", "long"} {
		if v, ok := m[k]; ok && v != nil {
			if _, isNum := v.(json.Number); !isNum {
				c.failf("%s: %s is not a number", id, k)
			}
		}
	}
	if v, ok := m["media_url"]; ok && v != nil {
		if _, isStr := v.(string); !isStr {
			c.failf("%s: media_url is not a string", id)
		}
	}
	if d := str(m, "description"); utf8.RuneCountInString(d) > 4000 {
		c.failf("%s: description longer than 4000 characters", id)
	}
}

// 9. GET requests/{id}: one item wrapped in a list, the required members,
// datetimes with a zone, updated not before requested.
func (r *run) checkGetRequest(c *checker) {
	id := r.anyID()
	if id == "" {
		c.skipf("no request to read (nothing was created, and the list is empty)")
		return
	}
	x, xn, j, jv, err := r.both("requests/"+url.PathEscape(id), nil)
	if !x.ok() || !j.ok() {
		c.failf("%v / %v", x, j)
		return
	}
	if err != nil {
		c.failf("%v", err)
		return
	}
	if xn.name != "service_requests" || len(xn.kids) != 1 || xn.kids[0].name != "request" {
		c.failf("XML: want <service_requests> with one <request>")
	}
	l, ok := objects(jv)
	if !ok || len(l) != 1 {
		c.failf("JSON: want an array of one request")
		return
	}
	if got := str(l[0], "service_request_id"); got != id {
		c.failf("asked for %s, got %s", id, got)
	}
	if r.realtime != nil && id == r.idA && str(l[0], "service_code") != r.realtime.code {
		c.failf("%s: service_code %q, posted %s", id, str(l[0], "service_code"), r.realtime.code)
	}
	checkItem(c, l[0])
	expectError(c, r.get("requests/NO-SUCH-REQUEST-0000", "json", nil), http.StatusNotFound)
	expectError(c, r.get("requests/NO-SUCH-REQUEST-0000", "xml", nil), http.StatusNotFound)
}

// anyID is a request to read: one created, else the newest listed.
func (r *run) anyID() string {
	for _, id := range []string{r.idA, r.idB, r.idC, r.idBat, r.multiID} {
		if id != "" {
			return id
		}
	}
	l, err := requestItems(r.get("requests", "json", nil))
	if err != nil || len(l) == 0 {
		return ""
	}
	return str(l[0], "service_request_id")
}

// 10. the filters of GET requests.
func (r *run) checkFilters(c *checker) {
	now := r.cfg.Now().UTC()
	list := func(q url.Values) []map[string]any {
		l, err := requestItems(r.get("requests", "json", q))
		if err != nil {
			c.failf("%v", err)
		}
		for _, m := range l {
			checkItem(c, m)
		}
		return l
	}
	// Default: at most 1000, requested in the last 90 days.
	for _, m := range list(nil) {
		if t, ok := parseW3C(str(m, "requested_datetime")); ok && t.Before(now.Add(-91*24*time.Hour)) {
			c.failf("the default list holds %s requested %s, more than 90 days ago", str(m, "service_request_id"), t)
			break
		}
	}
	if n := len(list(nil)); n > 1000 {
		c.failf("the default list holds %d requests, more than 1000", n)
	}
	// More than 90 days, and start after end.
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.RFC3339) }
	expectError(c, r.get("requests", "json", url.Values{"start_date": {day(-100)}, "end_date": {day(0)}}), http.StatusBadRequest)
	expectError(c, r.get("requests", "xml", url.Values{"start_date": {day(-100)}, "end_date": {day(0)}}), http.StatusBadRequest)
	expectError(c, r.get("requests", "json", url.Values{"start_date": {day(0)}, "end_date": {day(-1)}}), http.StatusBadRequest)
	if r.idA == "" || r.idB == "" {
		c.notef("no created requests: id, code, status and date filters not checked")
		return
	}
	// A comma list of ids, which overrides every other argument.
	if got := ids(list(url.Values{"service_request_id": {r.idA + "," + r.idB}})); !slices.Equal(got, sortedPair(r.idA, r.idB)) {
		c.failf("service_request_id=%s,%s gave %v", r.idA, r.idB, got)
	}
	one := list(url.Values{"service_request_id": {r.idA}, "service_code": {"NO-SUCH-SERVICE-0000"},
		"start_date": {"2000-01-01T00:00:00Z"}, "end_date": {"2000-01-02T00:00:00Z"}})
	if got := ids(one); !slices.Equal(got, []string{r.idA}) {
		c.failf("service_request_id did not override the other arguments: got %v", got)
	}
	// service_code (a comma list), and a range around now.
	code := r.realtime.code
	win := url.Values{"start_date": {now.Add(-time.Hour).Format(time.RFC3339)}, "end_date": {now.Add(time.Hour).Format(time.RFC3339)}}
	q := url.Values{"service_code": {code + ",NO-SUCH-SERVICE-0000"}}
	for k, v := range win {
		q[k] = v
	}
	got := list(q)
	for _, m := range got {
		if str(m, "service_code") != code {
			c.failf("service_code=%s gave a request of %s", code, str(m, "service_code"))
			break
		}
	}
	if g := ids(got); !slices.Contains(g, r.idA) || !slices.Contains(g, r.idB) {
		c.failf("service_code=%s in the last hour misses %s or %s", code, r.idA, r.idB)
	}
	// status open / closed.
	st := ""
	if l := list(url.Values{"service_request_id": {r.idA}}); len(l) == 1 {
		st = str(l[0], "status")
	}
	for _, want := range []string{"open", "closed"} {
		q := url.Values{"status": {want}}
		for k, v := range win {
			q[k] = v
		}
		l := list(q)
		for _, m := range l {
			if str(m, "status") != want {
				c.failf("status=%s gave a request with status %s", want, str(m, "status"))
				break
			}
		}
		if has := slices.Contains(ids(l), r.idA); has != (st == want) {
			c.failf("status=%s: %s (status %s) listed %v", want, r.idA, st, has)
		}
	}
	if l := list(url.Values{"status": {"open,closed"}, "start_date": win["start_date"], "end_date": win["end_date"]}); !slices.Contains(ids(l), r.idA) {
		c.failf("status=open,closed misses %s", r.idA)
	}
}

func sortedPair(a, b string) []string {
	s := []string{a, b}
	sort.Strings(s)
	return s
}

// 11. an empty optional argument gives the same answer as an absent one.
func (r *run) checkOptional(c *checker) {
	cmp := func(res string, empty url.Values) {
		a, b := r.get(res, "json", nil), r.get(res, "json", empty)
		if !a.ok() || !b.ok() {
			c.failf("%v / %v", a, b)
			return
		}
		va, err1 := parseJSON(a.body)
		vb, err2 := parseJSON(b.body)
		if err1 != nil || err2 != nil {
			c.failf("%s: not JSON", res)
			return
		}
		if res == "requests" {
			la, _ := objects(va)
			lb, _ := objects(vb)
			if !slices.Equal(ids(la), ids(lb)) {
				c.failf("requests?%s differs from requests", empty.Encode())
			}
			return
		}
		ja, _ := json.Marshal(va)
		jb, _ := json.Marshal(vb)
		if !bytes.Equal(ja, jb) {
			c.failf("%s?%s differs from %s", res, empty.Encode(), res)
		}
	}
	cmp("requests", url.Values{"status": {""}})
	cmp("requests", url.Values{"service_code": {""}, "start_date": {""}, "end_date": {""}, "service_request_id": {""}})
	cmp("services", url.Values{"jurisdiction_id": {""}})
}

// 12. jurisdiction_id: a server of one jurisdiction may ignore it (then an
// unknown one answers as none); one of several answers 404 to an unknown
// one.
func (r *run) checkJurisdiction(c *checker) {
	plain := r.get("services", "json", nil)
	if plain.status == http.StatusBadRequest {
		c.skipf("the server requires jurisdiction_id (several jurisdictions); this suite checks servers of one")
		return
	}
	a := r.get("services", "json", url.Values{"jurisdiction_id": {"no-such-jurisdiction.invalid"}})
	switch {
	case a.err != nil:
		c.failf("%v", a)
	case a.status == http.StatusNotFound:
		if err := errorBody(a); err != nil {
			c.failf("%v", err)
		}
		c.notef("an unknown jurisdiction_id is 404")
	case a.status == http.StatusOK:
		if !bytes.Equal(bytes.TrimSpace(a.body), bytes.TrimSpace(plain.body)) {
			c.failf("an unknown jurisdiction_id is 200 but answers differently from none")
		}
		c.notef("one jurisdiction: jurisdiction_id is ignored")
	default:
		c.failf("%v; want 404, or 200 as without it", a)
	}
}

// 13. XML and JSON are the same document under the Spark convention, for
// every resource.
func (r *run) checkEquivalence(c *checker) {
	type res struct {
		path string
		q    url.Values
	}
	all := []res{{"discovery", nil}, {"services", nil}}
	for _, sv := range r.services {
		if _, ok := r.defs[sv.code]; ok {
			all = append(all, res{"services/" + url.PathEscape(sv.code), nil})
		}
	}
	var some []string
	for _, id := range []string{r.idA, r.idB, r.idC, r.idBat} {
		if id != "" {
			some = append(some, id)
		}
	}
	if len(some) > 0 {
		all = append(all, res{"requests", url.Values{"service_request_id": {strings.Join(some, ",")}}},
			res{"requests", r.keyed(url.Values{"service_request_id": {strings.Join(some, ",")}})},
			res{"requests/" + url.PathEscape(some[0]), nil},
			res{"requests/" + url.PathEscape(some[0]), url.Values{"extensions": {"true"}}})
	} else {
		all = append(all, res{"requests", nil})
	}
	if r.token != "" {
		all = append(all, res{"tokens/" + url.PathEscape(r.token), nil})
	}
	all = append(all, res{"requests/NO-SUCH-REQUEST-0000", nil}, res{"services/NO-SUCH-SERVICE-0000", nil})
	for _, x := range all {
		xa, xn, ja, jv, err := r.both(x.path, x.q)
		if xa.status != ja.status {
			c.failf("%s: XML is HTTP %d, JSON %d", x.path, xa.status, ja.status)
			continue
		}
		if err != nil {
			c.failf("%v", err)
			continue
		}
		if err := equivalent(xn, jv, xn.name); err != nil {
			c.failf("%s: %v", x.path, err)
		}
	}
	c.notef("%d resources", len(all))
}

// 14. a list that matches nothing is empty, not an error.
func (r *run) checkEmpty(c *checker) {
	q := url.Values{"start_date": {"2000-01-01T00:00:00Z"}, "end_date": {"2000-01-31T00:00:00Z"}}
	x, xn, j, jv, err := r.both("requests", q)
	if !x.ok() || !j.ok() {
		c.failf("%v / %v", x, j)
		return
	}
	if err != nil {
		c.failf("%v", err)
		return
	}
	if l, ok := jv.([]any); !ok || len(l) != 0 {
		c.failf("JSON: want [], got %s", strings.TrimSpace(string(j.body)))
	}
	if xn.name != "service_requests" || len(xn.kids) != 0 {
		c.failf("XML: want an empty <service_requests/>, got %s", strings.TrimSpace(string(x.body)))
	}
}

// 15. Chinese text survives the round trip: the posted description reads
// back the same in XML and JSON, and every body is valid UTF-8.
func (r *run) checkUTF8(c *checker) {
	for _, a := range r.collected {
		if a.err == nil && !utf8.Valid(a.body) {
			c.failf("%s: the body is not valid UTF-8", a.what)
		}
	}
	if r.idA == "" {
		c.skipf("nothing was created (no API key or no realtime service)")
		return
	}
	x, xn, j, jv, err := r.both("requests/"+url.PathEscape(r.idA), r.keyed(nil))
	if !x.ok() || !j.ok() || err != nil {
		c.failf("%v / %v / %v", x, j, err)
		return
	}
	l, ok := objects(jv)
	if !ok || len(l) != 1 {
		c.failf("JSON: want one request")
		return
	}
	if got := str(l[0], "description"); got != r.descA {
		c.failf("JSON description %q, posted %q", got, r.descA)
	}
	if len(xn.kids) == 1 {
		if d := xn.kids[0].child("description"); d == nil || d.text != r.descA {
			c.failf("XML description differs from the posted one")
		}
	}
	if name := r.realtime.name; name != "" && str(l[0], "service_name") != name {
		c.failf("service_name %q, the service list says %q", str(l[0], "service_name"), name)
	}
}

// 16. the extensions, where the server offers them: page and page_size,
// extensions=true (extended_attributes, notes), servicerequestupdates,
// media upload.
func (r *run) checkExtensions(c *checker) {
	// Pagination.
	p1, err1 := requestItems(r.get("requests", "json", url.Values{"page_size": {"1"}}))
	p2, err2 := requestItems(r.get("requests", "json", url.Values{"page_size": {"1"}, "page": {"2"}}))
	switch {
	case err1 != nil || err2 != nil:
		c.failf("pagination: %v %v", err1, err2)
	case len(p1) > 1:
		c.notef("pagination not offered (page_size ignored)")
	case len(p1) == 1 && len(p2) == 1 && str(p1[0], "service_request_id") == str(p2[0], "service_request_id"):
		c.failf("page=2 repeats page 1's request")
	case len(p2) > 1:
		c.failf("page=2&page_size=1 gave %d requests", len(p2))
	default:
		c.notef("pagination")
	}
	// extensions=true.
	if id := r.anyID(); id != "" {
		l, err := requestItems(r.get("requests/"+url.PathEscape(id), "json", url.Values{"extensions": {"true"}}))
		switch {
		case err != nil:
			c.failf("extensions=true: %v", err)
		case len(l) != 1:
			c.failf("extensions=true: want one request")
		case l[0]["extended_attributes"] == nil && l[0]["notes"] == nil:
			c.notef("extensions=true not offered")
		default:
			if _, ok := l[0]["extended_attributes"].(map[string]any); !ok {
				c.failf("extended_attributes is not an object")
			}
			notes, ok := objects(l[0]["notes"])
			if !ok {
				c.failf("notes is not an array of objects")
			}
			for _, n := range notes {
				if _, ok := parseW3C(str(n, "datetime")); !ok {
					c.failf("a note's datetime %q is not a W3C datetime", str(n, "datetime"))
				}
			}
			c.notef("extensions=true (%d notes)", len(notes))
		}
	}
	// servicerequestupdates (mySociety's extension).
	now := r.cfg.Now().UTC()
	a := r.get("servicerequestupdates", "xml", url.Values{"start_date": {now.Add(-time.Hour).Format(time.RFC3339)}, "end_date": {now.Format(time.RFC3339)}})
	switch {
	case a.err != nil:
		c.failf("%v", a)
	case a.status == http.StatusNotFound:
		c.notef("servicerequestupdates not offered")
	case a.status == http.StatusOK:
		if n, err := parseXML(a.body); err != nil || n.name != "service_request_updates" {
			c.failf("servicerequestupdates: want <service_request_updates>")
		} else {
			c.notef("servicerequestupdates")
		}
	default:
		c.failf("%v; want 200 or 404", a)
	}
	r.checkMedia(c)
}

// checkMedia exercises the media upload extension: a multipart POST with
// a small PNG in the part media. A server that takes it and shows the key
// a media_url must make it an absolute http(s) URL that serves an image
// to the same key; a server that refuses multipart uploads, or shows no
// media_url, gets a note.
func (r *run) checkMedia(c *checker) {
	if r.cfg.APIKey == "" || r.realtime == nil {
		c.notef("media upload not exercised (no API key or no realtime service)")
		return
	}
	f := r.form(r.realtime, "一致性测试：带照片（media）的诉求")
	f.Set("lat", location)
	f.Set("long", "116.3975")
	a := r.postMedia("json", f, tinyPNG())
	id, _, err := created(a)
	if err != nil || id == "" {
		c.notef("media upload not offered (%v)", a)
		return
	}
	l, err := requestItems(r.get("requests/"+url.PathEscape(id), "json", r.keyed(nil)))
	if err != nil || len(l) != 1 {
		c.failf("the request with media: %v", err)
		return
	}
	v := l[0]["media_url"]
	mu, isStr := v.(string)
	switch {
	case v == nil:
		c.notef("media taken by %s, no media_url shown", id)
		return
	case !isStr:
		c.failf("%s: media_url is not a string", id)
		return
	}
	u, err := url.Parse(mu)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		c.failf("%s: media_url %q is not an absolute http(s) URL", id, mu)
		return
	}
	q := u.Query()
	q.Set("api_key", r.cfg.APIKey)
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		c.failf("%s: media_url: %v", id, err)
		return
	}
	m := r.do(req, "GET media_url", "")
	mt, _, _ := mime.ParseMediaType(m.ctype)
	switch {
	case m.err != nil:
		c.failf("%s: media_url: %v", id, m.err)
		return
	case m.status != http.StatusOK || !strings.HasPrefix(mt, "image/"):
		c.failf("%s: media_url answers HTTP %d, Content-Type %q; want 200 and an image", id, m.status, m.ctype)
		return
	}
	c.notef("media: %s, served as %s", id, mt)
}

// postMedia sends a form with a PNG in the file part media, as
// multipart/form-data.
func (r *run) postMedia(format string, form url.Values, img []byte) answer {
	what := "POST requests." + format + " (multipart, media)"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range slices.Sorted(maps.Keys(form)) {
		for _, v := range form[k] {
			if err := mw.WriteField(k, v); err != nil {
				return answer{what: what, err: err}
			}
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="media"; filename="conformance.png"`)
	h.Set("Content-Type", "image/png")
	w, err := mw.CreatePart(h)
	if err == nil {
		_, err = w.Write(img)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return answer{what: what, err: err}
	}
	req, err := http.NewRequest(http.MethodPost, r.cfg.BaseURL+"/requests."+format, &body)
	if err != nil {
		return answer{what: what, err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return r.do(req, what, format)
}

// tinyPNG is a 16×16 opaque PNG.
func tinyPNG() []byte {
	m := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 13)
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, m) // writing to memory does not fail
	return buf.Bytes()
}

// 2. the headers and shape of every answer seen: the media type with
// charset utf-8, the XML declaration naming utf-8, no namespace on the
// root (or only the specification's).
func (r *run) checkHeaders(c *checker) {
	if len(r.collected) == 0 {
		r.both("discovery", nil)
	}
	seen := map[string]bool{}
	for _, a := range r.collected {
		if a.err != nil || seen[a.what] {
			continue
		}
		seen[a.what] = true
		mt, params, err := mime.ParseMediaType(a.ctype)
		if err != nil {
			c.failf("%s: Content-Type %q", a.what, a.ctype)
			continue
		}
		want := "application/json"
		if a.format == "xml" {
			want = "text/xml"
			if mt == "application/xml" {
				mt = want
			}
		}
		if mt != want || !strings.EqualFold(params["charset"], "utf-8") {
			c.failf("%s: Content-Type %q, want %s; charset=utf-8", a.what, a.ctype, want)
		}
		if a.format != "xml" {
			continue
		}
		enc, ok := xmlDeclEncoding(a.body)
		if !ok || !strings.EqualFold(enc, "utf-8") {
			c.failf("%s: the body does not start with <?xml version=\"1.0\" encoding=\"utf-8\"?>", a.what)
		}
		if n, err := parseXML(a.body); err == nil && n.space != "" && n.space != "http://wiki.open311.org/GeoReport_v2" {
			c.failf("%s: root namespace %q", a.what, n.space)
		}
	}
	c.notef("%d answers", len(seen))
}
