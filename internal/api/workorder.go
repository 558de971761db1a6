package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Work orders (工单): intake from another system or the counter, the
// lists, the timeline, and the actions of linli.Transitions. Who sees an
// order is the store's rule (staff whose scope holds its area or whose
// unit is or was assigned to it; the resident who asked); an order anyone
// else names does not exist (404), and the handlers that address one load
// it first, so the 404 comes before the body is read. Contact phones
// appear only masked: the store never returns them in full.

// idempotencyHeader names the header with which a client makes
// POST /api/v1/work-orders safe to retry.
const idempotencyHeader = "Idempotency-Key"

// optTime is nil for the zero time (JSON null), else the time in UTC.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// workOrderJSON is one work order.
type workOrderJSON struct {
	ID                 int64               `json:"id"`
	Number             string              `json:"number"`
	ServiceCode        string              `json:"service_code"`
	ServiceName        string              `json:"service_name"`
	ServiceNameEn      string              `json:"service_name_en"`
	Channel            linli.Channel       `json:"channel"`
	Priority           linli.Priority      `json:"priority"`
	State              linli.WOState       `json:"state"`
	Open               bool                `json:"open"`
	Light              string              `json:"light"`
	RequesterPersonID  *int64              `json:"requester_person_id"`
	ContactName        string              `json:"contact_name"`
	ContactPhoneMasked string              `json:"contact_phone_masked"`
	ContactEmail       string              `json:"contact_email"`
	Anonymous          bool                `json:"anonymous"`
	Address            string              `json:"address"`
	Lat                *float64            `json:"lat"`
	Lon                *float64            `json:"lon"`
	AreaID             int64               `json:"area_id"`
	Title              string              `json:"title"`
	Description        string              `json:"description"`
	Answers            map[string][]string `json:"answers"`
	LeadUnitID         *int64              `json:"lead_unit_id"`
	LeadUnitName       string              `json:"lead_unit_name"`
	AcceptedAt         time.Time           `json:"accepted_at"`
	DispatchedAt       *time.Time          `json:"dispatched_at"`
	SignedAt           *time.Time          `json:"signed_at"`
	DueAt              *time.Time          `json:"due_at"`
	WarnAt             *time.Time          `json:"warn_at"`
	PausedAt           *time.Time          `json:"paused_at"`
	ResolvedAt         *time.Time          `json:"resolved_at"`
	ClosedAt           *time.Time          `json:"closed_at"`
	Reply              string              `json:"reply"`
	Rating             *int                `json:"rating"`
	Ratings            int                 `json:"ratings"`
	Reopens            int                 `json:"reopens"`
	Returns            int                 `json:"returns"`
	Unrated            bool                `json:"unrated"`
	Overdue            bool                `json:"overdue"`
	Requesters         int                 `json:"requesters"`
	DuplicateOf        *int64              `json:"duplicate_of"`
	CreatedAt          time.Time           `json:"created_at"`
	UpdatedAt          time.Time           `json:"updated_at"`
	Version            int64               `json:"version"`
}

func toWorkOrderJSON(o linli.WorkOrder, now time.Time) workOrderJSON {
	out := workOrderJSON{ID: o.ID, Number: o.Number, ServiceCode: o.ServiceCode, ServiceName: o.ServiceName, ServiceNameEn: o.ServiceNameEn,
		Channel: o.Channel, Priority: o.Priority, State: o.State, Open: o.State.Open(), Light: o.Light(now),
		RequesterPersonID: optID(o.RequesterPersonID), ContactName: o.ContactName, ContactPhoneMasked: o.ContactPhone,
		ContactEmail: o.ContactEmail, Anonymous: o.Anonymous, Address: o.Address, AreaID: o.AreaID, Title: o.Title,
		Description: o.Description, Answers: o.Answers, LeadUnitID: optID(o.LeadUnitID), LeadUnitName: o.LeadUnitName,
		AcceptedAt: o.AcceptedAt.UTC(), DispatchedAt: optTime(o.DispatchedAt), SignedAt: optTime(o.SignedAt), DueAt: optTime(o.DueAt),
		WarnAt: optTime(o.WarnAt), PausedAt: optTime(o.PausedAt), ResolvedAt: optTime(o.ResolvedAt), ClosedAt: optTime(o.ClosedAt),
		Reply: o.Reply, Ratings: o.Ratings, Reopens: o.Reopens, Returns: o.Returns, Unrated: o.Unrated, Overdue: o.Overdue,
		Requesters: o.Requesters, DuplicateOf: optID(o.DuplicateOf), CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
		Version: o.Version}
	if o.HasPoint {
		lat, lon := o.Lat, o.Lon
		out.Lat, out.Lon = &lat, &lon
	}
	if o.Rating != 0 {
		n := o.Rating
		out.Rating = &n
	}
	if out.Answers == nil {
		out.Answers = map[string][]string{}
	}
	return out
}

// workOrderItemJSON is a line of a list of orders.
type workOrderItemJSON struct {
	ID                 int64          `json:"id"`
	Number             string         `json:"number"`
	ServiceCode        string         `json:"service_code"`
	ServiceName        string         `json:"service_name"`
	Channel            linli.Channel  `json:"channel"`
	Priority           linli.Priority `json:"priority"`
	State              linli.WOState  `json:"state"`
	Light              string         `json:"light"`
	ContactName        string         `json:"contact_name"`
	ContactPhoneMasked string         `json:"contact_phone_masked"`
	AreaID             int64          `json:"area_id"`
	Title              string         `json:"title"`
	LeadUnitID         *int64         `json:"lead_unit_id"`
	LeadUnitName       string         `json:"lead_unit_name"`
	AcceptedAt         time.Time      `json:"accepted_at"`
	DueAt              *time.Time     `json:"due_at"`
	Overdue            bool           `json:"overdue"`
	Rating             *int           `json:"rating"`
	Version            int64          `json:"version"`
}

func toWorkOrderItems(list []linli.WorkOrder, now time.Time) []workOrderItemJSON {
	out := make([]workOrderItemJSON, 0, len(list))
	for _, o := range list {
		it := workOrderItemJSON{ID: o.ID, Number: o.Number, ServiceCode: o.ServiceCode, ServiceName: o.ServiceName, Channel: o.Channel,
			Priority: o.Priority, State: o.State, Light: o.Light(now), ContactName: o.ContactName, ContactPhoneMasked: o.ContactPhone,
			AreaID: o.AreaID, Title: o.Title, LeadUnitID: optID(o.LeadUnitID), LeadUnitName: o.LeadUnitName,
			AcceptedAt: o.AcceptedAt.UTC(), DueAt: optTime(o.DueAt), Overdue: o.Overdue, Version: o.Version}
		if o.Rating != 0 {
			n := o.Rating
			it.Rating = &n
		}
		out = append(out, it)
	}
	return out
}

// contactRequest is the requester of an order who is not (or not only) a
// resident of the registry.
type contactRequest struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// createWorkOrderRequest is the body of POST /api/v1/work-orders.
type createWorkOrderRequest struct {
	ServiceCode       string              `json:"service_code"`
	Channel           linli.Channel       `json:"channel"`
	Priority          linli.Priority      `json:"priority"`
	RequesterPersonID int64               `json:"requester_person_id"`
	Contact           contactRequest      `json:"contact"`
	Anonymous         bool                `json:"anonymous"`
	AreaID            int64               `json:"area_id"`
	Address           string              `json:"address"`
	Lat               *float64            `json:"lat"`
	Lon               *float64            `json:"lon"`
	Title             string              `json:"title"`
	Description       string              `json:"description"`
	Answers           map[string][]string `json:"answers"`
	Attachments       []string            `json:"attachments"`
}

// createFieldNames renames the store's field names of a new order to the
// JSON members (and the header) the client sent.
var createFieldNames = map[string]string{
	"requester":       "requester_person_id",
	"contact_name":    "contact.name",
	"contact_phone":   "contact.phone",
	"contact_email":   "contact.email",
	"idempotency_key": idempotencyHeader,
}

func workOrderLocation(id int64) string { return "/api/v1/work-orders/" + strconv.FormatInt(id, 10) }

// createWorkOrder is POST /api/v1/work-orders: one transaction writes the
// order, its first event, the audit record, the notifications and the
// deadline timer. With an Idempotency-Key already used by the same caller
// it creates nothing and answers 200 with the order the first request
// created (201 the first time). This is the hot path of intake: it does
// nothing but decode, call the store once and encode.
func (s *server) createWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var req createWorkOrderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	in := linli.WorkOrderInput{ServiceCode: req.ServiceCode, Channel: req.Channel, Priority: req.Priority,
		RequesterPersonID: req.RequesterPersonID, ContactName: req.Contact.Name, ContactPhone: req.Contact.Phone,
		ContactEmail: req.Contact.Email, Anonymous: req.Anonymous, Address: req.Address, AreaID: req.AreaID, Title: req.Title,
		Description: req.Description, Answers: req.Answers, AttachmentNames: req.Attachments,
		IdempotencyKey: strings.TrimSpace(r.Header.Get(idempotencyHeader))}
	switch {
	case req.Lat != nil && req.Lon != nil:
		in.Lat, in.Lon, in.HasPoint = *req.Lat, *req.Lon, true
	case req.Lat != nil:
		return linli.Invalid("lon", "wo.point.invalid")
	case req.Lon != nil:
		return linli.Invalid("lat", "wo.point.invalid")
	}
	a := actorOf(r)
	o, created, err := s.st.CreateWorkOrder(r.Context(), a, in)
	if err != nil && in.IdempotencyKey != "" && errors.Is(err, linli.ErrConflict) && !errors.Is(err, linli.ErrInvalid) {
		// Two requests with the same key raced (PostgreSQL: the second
		// failed on the key's primary key and wrote nothing); the first
		// one's order is there now.
		o, created, err = s.st.CreateWorkOrder(r.Context(), a, in)
	}
	if err != nil {
		return renameFields(err, createFieldNames)
	}
	w.Header().Set("Location", workOrderLocation(o.ID))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, toWorkOrderJSON(o, s.st.Now()))
}

// workOrderInScope loads the order that the request's {id} names, if the
// caller may see it.
func (s *server) workOrderInScope(r *http.Request) (linli.WorkOrder, error) {
	id, err := pathID(r)
	if err != nil {
		return linli.WorkOrder{}, err
	}
	return s.st.WorkOrder(r.Context(), actorOf(r), id)
}

// getWorkOrder is GET /api/v1/work-orders/{id}.
func (s *server) getWorkOrder(w http.ResponseWriter, r *http.Request) error {
	o, err := s.workOrderInScope(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWorkOrderJSON(o, s.st.Now()))
}

// day reads an optional date (YYYY-MM-DD) or RFC 3339 time, as the store
// takes them for a period of whole days.
func (p *params) day(name string) time.Time {
	t, ok := parseDate(p.str(name))
	if !ok {
		p.v.Add(name, "api.date.invalid")
		return time.Time{}
	}
	return t
}

// bound reads an optional bound of a time range: an RFC 3339 time, or a
// date (YYYY-MM-DD), which is a Beijing day: its start, or for the end
// of a range (end) the start of the next day, so that the day is in.
func (p *params) bound(name string, end bool) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	if d, err := time.Parse(dateLayout, v); err == nil {
		t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, cst)
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	p.v.Add(name, "api.date.invalid")
	return time.Time{}
}

// listWorkOrders is GET /api/v1/work-orders: the orders the caller may
// see, newest first, a page at a time. The cursor is the id of the last
// order shown; the next page holds older ones.
func (s *server) listWorkOrders(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := store.WOFilter{ServiceCode: p.str("service"), AreaID: p.id("area_id"), UnitID: p.id("unit_id"), Number: p.str("number"),
		Phone: p.str("phone")}
	for _, v := range p.q["state"] {
		for _, st := range strings.Split(v, ",") {
			st := linli.WOState(strings.TrimSpace(st))
			if st == "" {
				continue
			}
			if !slices.Contains(linli.WOStates, st) {
				p.v.Add("state", "error.invalid")
				continue
			}
			f.States = append(f.States, st)
		}
	}
	f.From, f.To = p.bound("from", false), p.bound("to", true)
	p.order(f.From, f.To)
	limit := p.limit()
	f.AfterID = p.cursor()
	if err := p.err(); err != nil {
		return err
	}
	// One more than the page tells whether there is a next one; the store
	// returns at most maxLimit, so a full page of maxLimit always has a
	// cursor (the next page may then be empty).
	f.Limit = min(limit+1, maxLimit)
	found, err := s.st.ListWorkOrders(r.Context(), actorOf(r), f)
	switch {
	case errors.Is(err, linli.ErrNotFound) && f.AreaID != 0:
		found = nil // an area outside the scope holds nothing the caller may see
	case err != nil:
		return err
	}
	n := min(limit, len(found))
	out := page[workOrderItemJSON]{Items: toWorkOrderItems(found[:n], s.st.Now())}
	if len(found) > n || (n == f.Limit && n > 0) {
		out.NextCursor = strconv.FormatInt(found[n-1].ID, 10)
	}
	return writeJSON(w, http.StatusOK, out)
}

// woEventJSON is an entry of an order's timeline.
type woEventJSON struct {
	ID         int64          `json:"id"`
	Kind       string         `json:"kind"`
	FromState  string         `json:"from_state"`
	ToState    string         `json:"to_state"`
	UnitID     *int64         `json:"unit_id"`
	UnitName   string         `json:"unit_name"`
	Actor      string         `json:"actor"`
	Visibility string         `json:"visibility"`
	Note       string         `json:"note"`
	Data       map[string]any `json:"data"`
	At         time.Time      `json:"at"`
}

// workOrderTimeline is GET /api/v1/work-orders/{id}/timeline, oldest
// first; a requester sees only the public events and no staff names.
func (s *server) workOrderTimeline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	evs, err := s.st.Timeline(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	out := page[woEventJSON]{Items: make([]woEventJSON, 0, len(evs))}
	for _, e := range evs {
		j := woEventJSON{ID: e.ID, Kind: e.Kind, FromState: string(e.From), ToState: string(e.To), UnitID: optID(e.UnitID),
			UnitName: e.UnitName, Actor: e.ActorName, Visibility: e.Visibility, Note: e.Note, Data: e.Data, At: e.At.UTC()}
		if j.Data == nil {
			j.Data = map[string]any{}
		}
		out.Items = append(out.Items, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// assignmentJSON is one unit's turn on an order.
type assignmentJSON struct {
	UnitID     int64      `json:"unit_id"`
	UnitName   string     `json:"unit_name"`
	Role       string     `json:"role"`
	Reason     string     `json:"reason"`
	AssignedAt time.Time  `json:"assigned_at"`
	EndedAt    *time.Time `json:"ended_at"`
	EndReason  string     `json:"end_reason"`
}

// workOrderAssignments is GET /api/v1/work-orders/{id}/assignments (staff).
func (s *server) workOrderAssignments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	as, err := s.st.Assignments(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	out := page[assignmentJSON]{Items: make([]assignmentJSON, 0, len(as))}
	for _, x := range as {
		out.Items = append(out.Items, assignmentJSON{UnitID: x.UnitID, UnitName: x.UnitName, Role: x.Role, Reason: x.Reason,
			AssignedAt: x.AssignedAt.UTC(), EndedAt: optTime(x.EndedAt), EndReason: x.EndReason})
	}
	return writeJSON(w, http.StatusOK, out)
}

// actionRequest is the body of POST /api/v1/work-orders/{id}/actions.
type actionRequest struct {
	Action      linli.WOAction `json:"action"`
	Note        string         `json:"note"`
	Public      bool           `json:"public"`
	UnitID      int64          `json:"unit_id"`
	CoUnitIDs   []int64        `json:"co_unit_ids"`
	NewDue      string         `json:"new_due"`
	Rating      int            `json:"rating"`
	Solved      bool           `json:"solved"`
	Tags        []string       `json:"tags"`
	Channel     string         `json:"channel"`
	DuplicateOf int64          `json:"duplicate_of"`
	Version     int64          `json:"version"`
}

var actionFieldNames = map[string]string{"unit": "unit_id", "co_units": "co_unit_ids"}

// knownAction reports whether a is an action of the state table.
func knownAction(a linli.WOAction) bool {
	for _, acts := range linli.Transitions {
		if _, ok := acts[a]; ok {
			return true
		}
	}
	return false
}

// ratingChannels are where a rating may come from.
var ratingChannels = []string{"web", "callback", "open311"}

// actOnWorkOrder is POST /api/v1/work-orders/{id}/actions: one action of
// the state table, answered with the order after it. An action the table
// does not allow from the order's state is 409 wo.transition with the
// order's state; one the caller's role may not take is 403; a version
// other than the order's is 409 edit.stale (0 or absent: no check).
func (s *server) actOnWorkOrder(w http.ResponseWriter, r *http.Request) error {
	o, err := s.workOrderInScope(r)
	if err != nil {
		return err
	}
	var req actionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a := actorOf(r)
	v := &linli.ValidationError{}
	if !knownAction(req.Action) {
		v.Add("action", "error.invalid")
	}
	in := linli.WOActionInput{Action: req.Action, Note: req.Note, Public: req.Public, UnitID: req.UnitID, CoUnitIDs: req.CoUnitIDs,
		Rating: req.Rating, Solved: req.Solved, RatingTags: req.Tags, Channel: req.Channel, DuplicateOf: req.DuplicateOf,
		Version: req.Version}
	if req.NewDue != "" {
		t, err := time.Parse(time.RFC3339Nano, req.NewDue)
		if err != nil {
			v.Add("new_due", "api.time.invalid")
		}
		in.NewDue = t
	}
	if in.Action == linli.ActRate && in.Channel == "" {
		in.Channel = "web"
		if a.Can(linli.PermWOIntake) {
			in.Channel = "callback" // staff rate on the requester's behalf
		}
	}
	if in.Channel != "" && !slices.Contains(ratingChannels, in.Channel) {
		v.Add("channel", "error.invalid")
	}
	if err := v.Err(); err != nil {
		return err
	}
	out, err := s.st.Act(r.Context(), a, o.ID, in)
	if err != nil {
		return staleIfConflict(renameFields(err, actionFieldNames))
	}
	return writeJSON(w, http.StatusOK, toWorkOrderJSON(out, s.st.Now()))
}

// queue is GET /api/v1/queue: a unit's orders of one tab (to_sign,
// in_progress (default), due_soon, overdue, returned), most urgent first.
// unit_id defaults to the caller's unit; another unit needs wo.supervise
// and the unit's area in scope.
func (s *server) queue(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	unit, tab, limit := p.id("unit_id"), p.str("tab"), p.limit()
	if err := p.err(); err != nil {
		return err
	}
	now := s.st.Now()
	list, err := s.st.UnitQueue(r.Context(), actorOf(r), unit, tab, now, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[workOrderItemJSON]{Items: toWorkOrderItems(list, now)})
}

// overdue is GET /api/v1/overdue: the open, signed orders in scope past
// their deadline, oldest deadline first (the supervisor's board).
func (s *server) overdue(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	limit := p.limit()
	if err := p.err(); err != nil {
		return err
	}
	now := s.st.Now()
	list, err := s.st.OverdueBoard(r.Context(), actorOf(r), now, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[workOrderItemJSON]{Items: toWorkOrderItems(list, now)})
}

// callbackJSON is a call-back task: phone the requester of an order (after
// an unsatisfied rating) and note what they said.
type callbackJSON struct {
	ID          int64      `json:"id"`
	OrderID     int64      `json:"order_id"`
	Number      string     `json:"number"`
	Reason      string     `json:"reason"`
	Service     string     `json:"service_name"`
	ContactName string     `json:"contact_name"`
	DueAt       time.Time  `json:"due_at"`
	DoneAt      *time.Time `json:"done_at"`
	Note        string     `json:"note"`
}

func toCallbackJSON(c store.Callback) callbackJSON {
	return callbackJSON{ID: c.ID, OrderID: c.OrderID, Number: c.Number, Reason: c.Reason, Service: c.Service, ContactName: c.Customer,
		DueAt: c.DueAt.UTC(), DoneAt: optTime(c.DoneAt), Note: c.Note}
}

// listCallbacks is GET /api/v1/callbacks: the open call-back tasks in
// scope, due first.
func (s *server) listCallbacks(w http.ResponseWriter, r *http.Request) error {
	cbs, err := s.st.Callbacks(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	out := page[callbackJSON]{Items: make([]callbackJSON, 0, len(cbs))}
	for _, c := range cbs {
		out.Items = append(out.Items, toCallbackJSON(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

// completeCallbackRequest is the body of POST /api/v1/callbacks/{id}/complete.
type completeCallbackRequest struct {
	Note string `json:"note"`
}

// completeCallback is POST /api/v1/callbacks/{id}/complete: the task is
// done, with a note (required); 409 api.callback.done when it was done.
func (s *server) completeCallback(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a := actorOf(r)
	c, err := s.st.Callback(r.Context(), a, id)
	if err != nil {
		return err
	}
	var req completeCallbackRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if !c.DoneAt.IsZero() {
		return linli.Conflict("api.callback.done")
	}
	if err := s.st.CompleteCallback(r.Context(), a, c.ID, req.Note); err != nil {
		if errors.Is(err, linli.ErrNotFound) {
			return linli.Conflict("api.callback.done") // done meanwhile
		}
		return err
	}
	if c, err = s.st.Callback(r.Context(), a, c.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCallbackJSON(c))
}

// kpiDefJSON is a KPI and its published formula.
type kpiDefJSON struct {
	Code           string `json:"code"`
	NameZh         string `json:"name_zh"`
	NameEn         string `json:"name_en"`
	FormulaZh      string `json:"formula_zh"`
	FormulaEn      string `json:"formula_en"`
	Unit           string `json:"unit"` // share, seconds or count
	HigherIsBetter bool   `json:"higher_is_better"`
	Ranked         bool   `json:"ranked"` // rows are ranked by it
}

// kpiValueJSON is one KPI of one row.
type kpiValueJSON struct {
	Code   string  `json:"code"`
	Value  float64 `json:"value"`
	Num    int64   `json:"num"`
	Base   int64   `json:"base"`
	Ranked bool    `json:"ranked"`
	Rank   *int    `json:"rank"`
}

// kpiRowJSON is the KPIs of a unit, a community, a service or the total.
type kpiRowJSON struct {
	ID     *int64           `json:"id"`
	Label  string           `json:"label"`
	Counts map[string]int64 `json:"counts"`
	Values []kpiValueJSON   `json:"values"`
}

// kpiReportJSON is the KPI report of a period in the caller's scope.
type kpiReportJSON struct {
	From        string       `json:"from"`
	To          string       `json:"to"`
	MinVolume   int64        `json:"min_volume"`
	Definitions []kpiDefJSON `json:"definitions"`
	Total       kpiRowJSON   `json:"total"`
	ByUnit      []kpiRowJSON `json:"by_unit"`
	ByCommunity []kpiRowJSON `json:"by_community"`
	ByService   []kpiRowJSON `json:"by_service"`
}

func toKPIRow(row store.KPIRow, id int64) kpiRowJSON {
	out := kpiRowJSON{ID: optID(id), Label: row.Label, Counts: row.Counts, Values: make([]kpiValueJSON, 0, len(row.Values))}
	if out.Counts == nil {
		out.Counts = map[string]int64{}
	}
	for _, v := range row.Values {
		j := kpiValueJSON{Code: v.Code, Value: v.Value, Num: v.Num, Base: v.Base, Ranked: v.Ranked}
		if v.Rank > 0 {
			n := v.Rank
			j.Rank = &n
		}
		out.Values = append(out.Values, j)
	}
	return out
}

func toKPIRows(rows []store.KPIRow, id func(store.KPIRow) int64) []kpiRowJSON {
	out := make([]kpiRowJSON, 0, len(rows))
	for _, row := range rows {
		out = append(out, toKPIRow(row, id(row)))
	}
	return out
}

// lastPathID is the id of the area a path ends with ("/1/4/9/" → 9).
func lastPathID(p string) int64 {
	p = strings.TrimSuffix(p, "/")
	n, _ := strconv.ParseInt(p[strings.LastIndexByte(p, '/')+1:], 10, 64)
	return n
}

// kpis is GET /api/v1/kpis?from=&to=: the KPIs of [from, to) (dates,
// Beijing; default this month to today) in the caller's scope, in total
// and by unit, community and service, with their formulas.
func (s *server) kpis(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	today := s.today()
	from, to := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC), today.AddDate(0, 0, 1)
	if p.str("from") != "" {
		from = p.day("from")
	}
	if p.str("to") != "" {
		to = p.day("to")
	}
	if err := p.err(); err != nil {
		return err
	}
	rep, err := s.st.KPIs(r.Context(), actorOf(r), from, to)
	if err != nil {
		return err
	}
	out := kpiReportJSON{From: rep.From.Format(dateLayout), To: rep.To.Format(dateLayout), MinVolume: rep.MinVolume,
		Definitions: make([]kpiDefJSON, 0, len(store.KPIDefs)), Total: toKPIRow(rep.Total, 0),
		ByUnit:      toKPIRows(rep.ByUnit, func(row store.KPIRow) int64 { return row.Key }),
		ByCommunity: toKPIRows(rep.ByCommunity, func(row store.KPIRow) int64 { return lastPathID(row.Path) }),
		ByService:   toKPIRows(rep.ByService, func(row store.KPIRow) int64 { return row.Key })}
	for _, d := range store.KPIDefs {
		unit := "count"
		switch {
		case d.Rate:
			unit = "share"
		case d.Code == "response":
			unit = "seconds"
		}
		out.Definitions = append(out.Definitions, kpiDefJSON{Code: d.Code, NameZh: d.NameZh, NameEn: d.NameEn, FormulaZh: d.FormulaZh,
			FormulaEn: d.FormulaEn, Unit: unit, HigherIsBetter: d.Higher, Ranked: d.Rate})
	}
	return writeJSON(w, http.StatusOK, out)
}
