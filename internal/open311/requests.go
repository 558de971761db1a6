package open311

import (
	"context"
	"errors"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Limits of GET requests (reference §1.1, §1.7, and the pagination
// extension).
const (
	maxSpan     = 90 * 24 * time.Hour // start_date…end_date
	maxPageSize = 1000                // page_size default and maximum
	maxIDs      = 1000                // service_request_id list
)

// notPinpointed is FixMyStreet's address_id for a report without a place.
const notPinpointed = "#NOTPINPOINTED#"

// createRequest is POST requests: a new work order on the channel
// "open311", created by the API token that the api_key names.
func (s *server) createRequest(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			return isBadForm(err)
		}
	case "multipart/form-data":
		// Fields, and at most one photo in the part media (media.go).
		if err := r.ParseMultipartForm(maxBody); err != nil { // #nosec G120 -- the body is already capped by http.MaxBytesReader (maxBody)
			return isBadForm(err)
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	default:
		return errBadBody
	}
	a, present, err := s.keyActor(ctx, r)
	switch {
	case !present:
		return errKeyMissing
	case errors.Is(err, linli.ErrUnauthorized):
		return errKeyInvalid
	case err != nil:
		return err
	case !a.Can(linli.PermWOIntake):
		return errKeyIntake
	}
	if strings.TrimSpace(r.FormValue("service_code")) == "" {
		return badRequest("open311.service_code.required")
	}
	sv, err := s.service(ctx, r.FormValue("service_code"))
	if err != nil {
		return err
	}
	c.svc = &sv
	in := linli.WorkOrderInput{
		ServiceCode:    sv.Code,
		Channel:        linli.ChannelOpen311,
		Priority:       linli.PriorityNormal,
		ContactName:    contactName(r.FormValue("first_name"), r.FormValue("last_name")),
		ContactPhone:   strings.TrimSpace(r.FormValue("phone")),
		ContactEmail:   strings.TrimSpace(r.FormValue("email")),
		Description:    strings.TrimSpace(r.FormValue("description")),
		Answers:        attributes(r.Form),
		IdempotencyKey: strings.TrimSpace(r.Header.Get("Idempotency-Key")),
		Open311Token:   batch(sv),
	}
	if in.ContactName == "" && sv.Anonymous {
		in.Anonymous = true
	}
	if in.Description == "" {
		in.Description = sv.NameZh // the store needs one; Open311 makes it optional
	}
	// The place: a point, an address, or an address id (one is required).
	lat, long := strings.TrimSpace(r.FormValue("lat")), strings.TrimSpace(r.FormValue("long"))
	addr, addrID := strings.TrimSpace(r.FormValue("address_string")), strings.TrimSpace(r.FormValue("address_id"))
	switch {
	case lat != "" || long != "":
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) || math.IsInf(la, 0) || math.IsInf(lo, 0) {
			return badRequest("open311.location.invalid")
		}
		in.Lat, in.Lon, in.HasPoint = la, lo, true
	case addr == "" && addrID == "":
		return badRequest("open311.location.required")
	}
	in.Address = addr
	if in.Address == "" && addrID != notPinpointed {
		in.Address = addrID
	}
	if in.AreaID, err = s.area(ctx, a, r.FormValue("area_code")); err != nil {
		return err
	}
	// A photo is cleaned now and stored with the order, in its
	// transaction; a media_url is ignored (media.go).
	fh, err := mediaFile(r)
	if err != nil {
		return err
	}
	var photos []store.Attachment
	if fh != nil {
		x, err := s.photo(ctx, c, fh)
		if err != nil {
			return err
		}
		photos = append(photos, x)
	}
	o, _, err := s.st.CreateWorkOrderWithPhotos(ctx, a, in, photos)
	if err != nil {
		return err
	}
	item := obj{{"service_request_id", o.Number}}
	if batch(sv) {
		// A retried request (same Idempotency-Key) gets the first token.
		tok, err := s.st.Open311Token(ctx, o.ID)
		if err != nil {
			return err
		}
		item = obj{{"token", tok}}
	}
	item = append(item, field{"service_notice", notice(c.p, sv, o.Priority)}, field{"account_id", nil})
	return write(w, c.format, http.StatusOK, doc{root: "service_requests", body: list{item: "request", elems: []any{item}}})
}

// area is the area a POST lands in: the community (or grid) that the
// extension parameter area_code names inside the key's scope, else the
// first area of the key's scope.
func (s *server) area(ctx context.Context, a linli.Actor, code string) (int64, error) {
	if code = strings.TrimSpace(code); code != "" {
		ar, err := s.st.AreaByCode(ctx, a, code)
		if errors.Is(err, linli.ErrNotFound) {
			return 0, badRequest("open311.area.unknown")
		}
		return ar.ID, err
	}
	if len(a.Scope.AreaIDs) == 0 {
		return 0, badRequest("open311.area.unknown")
	}
	return a.Scope.AreaIDs[0], nil
}

// contactName joins first_name and last_name. A Chinese name is family
// name first (last_name + first_name, no space); others are "first last".
func contactName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	switch {
	case first == "":
		return last
	case last == "":
		return first
	case strings.ContainsFunc(first+last, func(r rune) bool { return unicode.Is(unicode.Han, r) }):
		return last + first
	}
	return first + " " + last
}

// attributes collects attribute[CODE]=v and attribute[CODE][]=v (a
// multivaluelist) by code.
func attributes(form url.Values) map[string][]string {
	out := map[string][]string{}
	for k, vs := range form {
		rest, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		i := strings.IndexByte(rest, ']')
		if i <= 0 || (rest[i+1:] != "" && rest[i+1:] != "[]") {
			continue
		}
		out[rest[:i]] = append(out[rest[:i]], vs...)
	}
	return out
}

// listRequests is GET requests.
func (s *server) listRequests(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	ext, err := boolParam(q, "extensions")
	if err != nil {
		return err
	}
	f, err := s.filter(q)
	if err != nil {
		return err
	}
	orders, err := s.st.Open311Requests(r.Context(), f)
	if err != nil {
		return err
	}
	return s.writeRequests(w, r, c, orders, ext)
}

// filter reads the arguments of GET requests. service_request_id
// overrides all others. Otherwise start_date/end_date filter on the
// requested time, at most 90 days apart; one alone extends 90 days from
// it; with neither, updated_after/updated_before take that role; with
// none, the last 90 days. status is open, closed or both; page and
// page_size paginate (default page_size 1000, the maximum).
func (s *server) filter(q url.Values) (store.Open311Filter, error) {
	var f store.Open311Filter
	if ids := splitList(q.Get("service_request_id")); len(ids) > 0 {
		if len(ids) > maxIDs {
			return f, badRequest("open311.ids.too_many", maxIDs)
		}
		for i := range ids {
			ids[i] = strings.ToUpper(ids[i])
		}
		f.Numbers, f.Limit = ids, maxIDs
		return f, nil
	}
	f.ServiceCodes = splitList(q.Get("service_code"))
	for _, st := range splitList(q.Get("status")) {
		switch st {
		case "open", "closed":
			for _, x := range linli.WOStates {
				if status(x) == st {
					f.States = append(f.States, x)
				}
			}
		default:
			return f, badRequest("open311.status.invalid")
		}
	}
	if len(f.States) == len(linli.WOStates) {
		f.States = nil // open and closed: everything
	}
	var err error
	var times [4]time.Time
	for i, k := range []string{"start_date", "end_date", "updated_after", "updated_before"} {
		if times[i], err = dateParam(q, k, i%2 == 1); err != nil {
			return f, err
		}
	}
	for i := 0; i < 4; i += 2 {
		if !times[i].IsZero() && !times[i+1].IsZero() && times[i].After(times[i+1]) { // #nosec G602 -- times is a [4]time.Time and i+1 ≤ 3
			return f, badRequest("open311.date.order")
		}
	}
	switch {
	case !times[0].IsZero() || !times[1].IsZero():
		if f.From, f.To, err = window(times[0], times[1]); err != nil {
			return f, err
		}
		f.UpdFrom, f.UpdTo = times[2], times[3]
	case !times[2].IsZero() || !times[3].IsZero():
		if f.UpdFrom, f.UpdTo, err = window(times[2], times[3]); err != nil {
			return f, err
		}
	default:
		f.To = s.now()
		f.From = f.To.Add(-maxSpan)
	}
	page, err := intParam(q, "page", 1, 1, 1_000_000, "open311.page.invalid")
	if err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q, "page_size", maxPageSize, 1, maxPageSize, "open311.page_size.invalid"); err != nil {
		return f, err
	}
	f.Offset = (page - 1) * f.Limit
	return f, nil
}

// window completes a range with one open end to 90 days, and refuses a
// longer one.
func window(from, to time.Time) (time.Time, time.Time, error) {
	switch {
	case from.IsZero():
		from = to.Add(-maxSpan)
	case to.IsZero():
		to = from.Add(maxSpan)
	}
	if to.Sub(from) > maxSpan {
		return from, to, badRequest("open311.date.span")
	}
	return from, to, nil
}

// cst is Beijing time, in which a bare date is read.
var cst = time.FixedZone("CST", 8*3600)

// dateParam reads a W3C datetime (RFC 3339, with or without seconds; the
// zone is required) or a bare date, which is the start of that day in
// Beijing, or for an end (end_date, updated_before) the end of it.
func dateParam(q url.Values, key string, end bool) (time.Time, error) {
	v := strings.TrimSpace(q.Get(key))
	if v == "" {
		return time.Time{}, nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := time.ParseInLocation("2006-01-02", v, cst); err == nil {
		if end {
			d = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return d.UTC(), nil
	}
	return time.Time{}, badRequest("open311.date.invalid", key)
}

// intParam reads an optional integer in [lo, hi].
func intParam(q url.Values, key string, def, lo, hi int, msg string) (int, error) {
	v := strings.TrimSpace(q.Get(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(msg, hi)
	}
	return n, nil
}

// boolParam reads an optional boolean.
func boolParam(q url.Values, key string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(q.Get(key))) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, badRequest("open311.bool.invalid", key)
}

// splitList splits a comma-separated argument, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// getRequest is GET requests/{id}: one request, still wrapped in a list.
func (s *server) getRequest(w http.ResponseWriter, r *http.Request, c *call) error {
	ext, err := boolParam(r.URL.Query(), "extensions")
	if err != nil {
		return err
	}
	o, err := s.st.Open311Request(r.Context(), c.params["service_request_id"])
	if errors.Is(err, linli.ErrNotFound) {
		return errNoRequest
	}
	if err != nil {
		return err
	}
	return s.writeRequests(w, r, c, []linli.WorkOrder{o}, ext)
}

// token is GET tokens/{token}.
func (s *server) token(w http.ResponseWriter, r *http.Request, c *call) error {
	tok := c.params["token"]
	number, err := s.st.Open311TokenOrder(r.Context(), tok)
	if errors.Is(err, linli.ErrNotFound) {
		return errNoToken
	}
	if err != nil {
		return err
	}
	return write(w, c.format, http.StatusOK, doc{root: "service_requests", body: list{item: "request", elems: []any{
		obj{{"service_request_id", number}, {"token", tok}},
	}}})
}

// writeRequests writes orders as service requests. Nothing here names a
// person: no contact name, phone or e-mail, no staff name. Free text and
// the place are shown for requests about public space, and for any
// request in the scope of a presented key that reads work orders; all
// free text is redacted (status.go).
func (s *server) writeRequests(w http.ResponseWriter, r *http.Request, c *call, orders []linli.WorkOrder, ext bool) error {
	ctx := r.Context()
	svs, err := s.st.Services(ctx, linli.Actor{}, store.ServiceFilter{IncludeRetire: true})
	if err != nil {
		return err
	}
	byCode := make(map[string]linli.Service, len(svs))
	for _, sv := range svs {
		byCode[sv.Code] = sv
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	notes, err := s.st.Open311Notes(ctx, ids)
	if err != nil {
		return err
	}
	reader, keyed := s.reader(ctx, r)
	// Photos only to a key that may read the request (media.go).
	media := map[int64]store.Attachment{}
	if keyed {
		if media, err = s.st.Open311Media(ctx, reader, ids); err != nil {
			return err
		}
	}
	l := list{item: "request", elems: []any{}}
	for _, o := range orders {
		sv := byCode[o.ServiceCode]
		show := publicSpace[sv.Group] || (keyed && reader.Scope.Contains(o.Path))
		var mediaURL string
		if x, ok := media[o.ID]; ok {
			mediaURL = s.mediaURL(r, x.Name)
		}
		l.elems = append(l.elems, s.requestItem(c, o, sv, notes[o.ID], show, mediaURL, ext))
	}
	return write(w, c.format, http.StatusOK, doc{root: "service_requests", body: l})
}

// requestItem is one service request (reference §1.8), and with ext the
// extension members extended_attributes and notes. mediaURL is the URL of
// its first photo, or "" when the caller may not see it.
func (s *server) requestItem(c *call, o linli.WorkOrder, sv linli.Service, notes []store.Open311Note, show bool, mediaURL string, ext bool) obj {
	text := func(v string) any {
		if !show {
			return nil
		}
		return orNil(redact(v, o.ContactName))
	}
	var statusNotes string
	for _, n := range notes {
		if n.Note != "" {
			statusNotes = n.Note
		}
	}
	name := o.ServiceName
	if sv.Code != "" {
		name = c.name(sv)
	}
	updated := o.UpdatedAt
	if updated.Before(o.AcceptedAt) {
		updated = o.AcceptedAt
	}
	var lat, long any
	if show && o.HasPoint {
		lat, long = o.Lat, o.Lon
	}
	item := obj{
		{"service_request_id", o.Number},
		{"status", status(o.State)},
		{"status_notes", text(statusNotes)},
		{"service_name", name},
		{"service_code", o.ServiceCode},
		{"description", text(o.Description)},
		{"agency_responsible", orNil(o.LeadUnitName)},
		{"service_notice", notice(c.p, sv, o.Priority)},
		{"requested_datetime", o.AcceptedAt},
		{"updated_datetime", updated},
		{"expected_datetime", timeOrNil(o.DueAt)},
		{"address", text(o.Address)},
		{"address_id", nil},
		{"zipcode", nil},
		{"lat", lat},
		{"long", long},
		{"media_url", orNil(mediaURL)},
	}
	if !ext {
		return item
	}
	nl := list{item: "note", elems: []any{}}
	for _, n := range notes {
		nl.elems = append(nl.elems, obj{
			{"datetime", n.At},
			{"type", n.Kind},
			{"detailed_status", string(n.To)},
			{"summary", noteSummary(c.p, n.Kind, n.To, n.UnitName)},
			{"description", text(n.Note)},
		})
	}
	return append(item,
		field{"extended_attributes", obj{
			{"detailed_status", string(o.State)},
			{"detailed_status_name", stateName(c.p, o.State)},
			{"fms_status", fmsStatus[o.State]},
			{"channel", string(o.Channel)},
			{"priority", string(o.Priority)},
		}},
		field{"notes", nl},
	)
}
