package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// The staff side of work orders (工单): counter and hotline intake, the
// order page and its action forms (wo_staff_order.go), a unit's queues,
// the overdue board and call-back tasks (wo_staff_lists.go), the
// catalogue and the responsibility map (wo_staff_admin.go), and the KPI
// dashboard (wo_staff_kpi.go). Every read and every action goes through
// the store with the actor: out of scope is a 404, and Act stays the
// check of who may do what (the pages only offer the forms that would
// pass it).

// WOPage is the layout data of the work-order pages, with helpers for
// states, priorities, lights and names in the page's language.
type WOPage struct {
	Page
	Now    time.Time
	Places map[int64]string // area names of the orders on the page
}

func (s *Server) woPage(r *http.Request, titleKey string) WOPage {
	return WOPage{Page: s.page(r, titleKey), Now: s.st.Now(), Places: map[int64]string{}}
}

// State is the name of a state.
func (p WOPage) State(st linli.WOState) string { return p.T("wo.state." + string(st)) }

// Priority is the name of a priority.
func (p WOPage) Priority(pr linli.Priority) string { return p.T("wo.priority." + string(pr)) }

// Channel is the name of a channel.
func (p WOPage) Channel(c linli.Channel) string { return p.label("wostaff.channel.", string(c)) }

// Group is the name of a catalogue group.
func (p WOPage) Group(g string) string { return p.label("wostaff.group.", g) }

// ActionName is the name of an action, or of any other event of the
// timeline.
func (p WOPage) ActionName(kind string) string { return p.label("wostaff.event.", kind) }

// label translates prefix+code, or shows the code when the catalog has no
// message for it.
func (p WOPage) label(prefix, code string) string {
	if code != "" && p.p.Has(prefix+code) {
		return p.T(prefix + code)
	}
	return code
}

// SvcName is an order's service name in the page's language.
func (p WOPage) SvcName(o linli.WorkOrder) string {
	if p.Lang == "en" && o.ServiceNameEn != "" {
		return o.ServiceNameEn
	}
	return o.ServiceName
}

// ServiceLabel is a catalogue entry's name in the page's language.
func (p WOPage) ServiceLabel(sv linli.Service) string {
	if p.Lang == "en" && sv.NameEn != "" {
		return sv.NameEn
	}
	return sv.NameZh
}

// ServiceDesc is a catalogue entry's description in the page's language.
func (p WOPage) ServiceDesc(sv linli.Service) string {
	if p.Lang == "en" && sv.DescriptionEn != "" {
		return sv.DescriptionEn
	}
	return sv.Description
}

// Place is where an order is: its address and its area's name.
func (p WOPage) Place(o linli.WorkOrder) string {
	name := p.Places[o.AreaID]
	switch {
	case o.Address != "" && name != "":
		return o.Address + "（" + name + "）"
	case o.Address != "":
		return o.Address
	}
	return name
}

// lightColours are the fills of the traffic light.
var lightColours = map[string]string{"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}

// Light shows the traffic light of an order's deadline as a small SVG
// dot and a word (colour is never the only signal).
func (p WOPage) Light(o linli.WorkOrder) template.HTML {
	l := o.Light(p.Now)
	if l == "" {
		return template.HTML(`<span class="light light-none">` + template.HTMLEscapeString(p.T("wostaff.light.none")) + `</span>`) // #nosec G203 -- our own markup; the only text in it is escaped
	}
	var word string
	switch l {
	case "red":
		word = p.T("wostaff.light.red")
	case "yellow":
		word = p.T("wostaff.light.yellow")
	default:
		word = p.T("wostaff.light.green")
	}
	return template.HTML(`<span class="light light-` + l + `"><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><circle cx="7" cy="7" r="6" fill="` + // #nosec G203 -- our own markup; the only text in it is escaped
		lightColours[l] + `"/></svg> ` + template.HTMLEscapeString(word) + `</span>`)
}

// Late is how long an order has been past its deadline ("" when not).
func (p WOPage) Late(o linli.WorkOrder) string {
	if o.DueAt.IsZero() || !p.Now.After(o.DueAt) {
		return ""
	}
	return p.Duration(p.Now.Sub(o.DueAt))
}

// Duration shows a duration in days and hours, or hours and minutes.
func (p WOPage) Duration(d time.Duration) string {
	h := int(d / time.Hour)
	if h >= 24 {
		return p.T("wostaff.duration.days", h/24, h%24)
	}
	return p.T("wostaff.duration.hours", h, int(d/time.Minute)%60)
}

// placesOf fills the page's area names for a list of orders.
func (s *Server) placesOf(r *http.Request, p *WOPage, orders ...[]linli.WorkOrder) error {
	var ids []int64
	for _, l := range orders {
		for _, o := range l {
			ids = append(ids, o.AreaID)
		}
	}
	names, err := s.st.WOAreaNames(r.Context(), ids)
	if err != nil {
		return err
	}
	for id, n := range names {
		p.Places[id] = n
	}
	return nil
}

// woAtoi reads a positive id ("" or junk: 0).
func woAtoi(v string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ---- intake ----------------------------------------------------------

// PersonHit is a resident found for the requester.
type PersonHit struct {
	ID      int64
	Name    string
	Phones  string
	IDMask  string
	Address string
}

// SvcGroup is a group of the service picker.
type SvcGroup struct {
	Label    string
	Services []SvcOption
}

// SvcOption is a service of the picker.
type SvcOption struct {
	Code     string
	Name     string
	Selected bool
}

// AttrField is one field of a service's form (an Open311 attribute).
type AttrField struct {
	Code     string
	Name     string // the input's name: attribute[code]
	ID       string // the input's id
	Label    string
	Help     string
	Type     string
	Required bool
	Variable bool
	Value    string
	Options  []AttrOption
	Error    string
}

// AttrOption is a choice of a list attribute.
type AttrOption struct {
	Key      string
	Label    string
	Selected bool
}

// PriorityOption is a priority of the form.
type PriorityOption struct {
	Code     linli.Priority
	Selected bool
}

// WOIntakePage is the counter (or hotline) intake: the requester, the
// service, and the service's form.
type WOIntakePage struct {
	WOPage
	Hotline    bool
	Action     string // where the create form posts
	CanSearch  bool   // the actor may search the registry
	PQ         string // the registry search (counter)
	PQError    string
	Persons    []PersonHit
	Searched   bool
	Person     *PersonHit // the requester chosen
	Phone      string     // the caller's number (hotline)
	PhoneError string
	Callers    []PersonHit
	Previous   []linli.WorkOrder
	Looked     bool
	SQ         string // the service search
	Groups     []SvcGroup
	Service    *linli.Service
	Attrs      []AttrField
	Form       Form
	Areas      []AreaOption
	Priorities []PriorityOption
	Other      []string // messages of fields the form does not show
}

// Query keeps the page's state (requester, caller, service) in links.
func (p WOIntakePage) Query(set ...string) string {
	v := url.Values{}
	if p.Person != nil {
		v.Set("person", strconv.FormatInt(p.Person.ID, 10))
	}
	if p.Phone != "" {
		v.Set("phone", p.Phone)
	}
	if p.Service != nil {
		v.Set("svc", p.Service.Code)
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return p.Action + "?" + v.Encode()
}

// intakeFields are the create form's plain fields.
var intakeFields = []string{"idem", "person", "svc", "contact_name", "contact_phone", "anonymous", "area", "address", "title", "description", "priority"}

// intakeShown are the fields whose messages the form shows next to them.
var intakeShown = map[string]bool{"contact_name": true, "contact_phone": true, "anonymous": true, "area": true, "address": true,
	"title": true, "description": true, "priority": true, "requester": true, "service_code": true, "contact_email": true}

func (s *Server) woIntake(w http.ResponseWriter, r *http.Request) error {
	return s.intakePage(w, r, false, nil, http.StatusOK)
}

func (s *Server) woHotline(w http.ResponseWriter, r *http.Request) error {
	return s.intakePage(w, r, true, nil, http.StatusOK)
}

// intakePage renders the intake. posted is the create form sent back
// with its messages (nil: a fresh form from the query).
func (s *Server) intakePage(w http.ResponseWriter, r *http.Request, hotline bool, posted *Form, status int) error {
	ctx := r.Context()
	a := actor(r)
	title := "wostaff.intake.title"
	if hotline {
		title = "wostaff.hotline.title"
	}
	pg := WOIntakePage{WOPage: s.woPage(r, title), Hotline: hotline, Action: "/wo/intake", CanSearch: a.Can(linli.PermPersonRead)}
	if hotline {
		pg.Action = "/wo/hotline"
	}
	p := pg.Page
	q := r.URL.Query()
	f := newForm()
	if posted != nil {
		f = *posted
	} else {
		f.Values["idem"] = randomID(12)
		f.Values["person"] = q.Get("person")
		f.Values["svc"] = q.Get("svc")
		f.Values["priority"] = string(linli.PriorityNormal)
		if hotline {
			f.Values["contact_phone"] = strings.TrimSpace(q.Get("phone"))
		}
	}
	pg.Form = f
	// The requester: a resident of the registry.
	if id := woAtoi(f.Values["person"]); id != 0 && pg.CanSearch {
		pr, err := s.st.Person(ctx, a, id)
		switch {
		case err == nil:
			hit := personHit(pr, hotline)
			pg.Person = &hit
		case errors.Is(err, linli.ErrNotFound):
			f.Values["person"] = ""
		default:
			return err
		}
	}
	// The registry search (counter) and the caller lookup (hotline).
	if hotline {
		pg.Phone = strings.TrimSpace(q.Get("phone"))
		if posted != nil {
			pg.Phone = f.Values["lookup_phone"]
		}
		if pg.Phone != "" {
			if err := s.lookUpCaller(r, &pg); err != nil {
				return err
			}
		}
	} else if pg.PQ = strings.TrimSpace(q.Get("pq")); pg.PQ != "" && pg.CanSearch {
		pg.Searched = true
		found, err := s.st.SearchPersons(ctx, a, linli.PersonQuery{Text: pg.PQ, Limit: 10})
		var ve *linli.ValidationError
		switch {
		case errors.As(err, &ve):
			for _, fe := range ve.Fields {
				pg.PQError = p.T(fe.Key, fe.Args...)
			}
		case err != nil:
			return err
		}
		for _, pr := range found {
			pg.Persons = append(pg.Persons, personHit(pr, false))
		}
	}
	// The service: the picker and the chosen one's form.
	pg.SQ = strings.TrimSpace(q.Get("sq"))
	svcs, err := s.st.Services(ctx, a, store.ServiceFilter{Text: pg.SQ, IncludePriv: true})
	if err != nil {
		return err
	}
	if code := f.Values["svc"]; code != "" {
		sv, err := s.st.ServiceByCode(ctx, a, code)
		switch {
		case err == nil && !sv.Retired:
			pg.Service = &sv
		case err == nil, errors.Is(err, linli.ErrNotFound):
			f.Errors["service_code"] = p.T("wostaff.service.unknown")
			f.Values["svc"] = ""
		default:
			return err
		}
	}
	pg.Groups = serviceGroups(pg.WOPage, svcs, f.Values["svc"])
	if pg.Service != nil {
		pg.Attrs = attrFields(pg.WOPage, *pg.Service, r.PostForm, f.Errors)
	}
	areas, err := s.st.Areas(ctx, a, store.AreaFilter{})
	if err != nil {
		return err
	}
	var places []linli.Area
	for _, ar := range areas {
		if ar.Level == linli.LevelCommunity || ar.Level == linli.LevelGrid {
			places = append(places, ar)
		}
	}
	pg.Areas = areaOptions(p, places, map[int64]bool{woAtoi(f.Values["area"]): true})
	for _, pr := range linli.Priorities {
		pg.Priorities = append(pg.Priorities, PriorityOption{Code: pr, Selected: string(pr) == f.Values["priority"]})
	}
	for k, msg := range f.Errors {
		if !intakeShown[k] && !strings.HasPrefix(k, "attribute[") {
			pg.Other = append(pg.Other, msg)
		}
	}
	slices.Sort(pg.Other)
	if err := s.placesOf(r, &pg.WOPage, pg.Previous); err != nil {
		return err
	}
	return s.render(w, r, status, "wo_intake.html", pg)
}

// lookUpCaller finds the residents with the caller's number (masked) and
// the orders placed from it before.
func (s *Server) lookUpCaller(r *http.Request, pg *WOIntakePage) error {
	ctx := r.Context()
	a := actor(r)
	pg.Looked = true
	if key := linli.CheckPhone(pg.Phone); key != "" {
		pg.PhoneError = pg.T(key)
		return nil
	}
	if pg.CanSearch {
		found, err := s.st.SearchPersons(ctx, a, linli.PersonQuery{Text: pg.Phone, Limit: 10})
		if err != nil && !errors.Is(err, linli.ErrInvalid) {
			return err
		}
		for _, pr := range found {
			pg.Callers = append(pg.Callers, personHit(pr, true))
		}
	}
	prev, err := s.st.ListWorkOrders(ctx, a, store.WOFilter{Phone: pg.Phone, Limit: 10})
	if err != nil {
		return err
	}
	pg.Previous = prev
	return nil
}

// personHit shows a resident: masked entirely for a caller on the phone.
func personHit(pr linli.Person, masked bool) PersonHit {
	h := PersonHit{ID: pr.ID, Name: pr.Name, Phones: strings.Join(pr.PhoneMasked, "、"), IDMask: pr.IDMasked, Address: pr.Address}
	if masked {
		h.Name, h.Address = seal.MaskName(pr.Name), seal.MaskAddress(pr.Address)
	}
	return h
}

// serviceGroups groups the catalogue for the picker, in the order of
// linli.ServiceGroups.
func serviceGroups(p WOPage, svcs []linli.Service, selected string) []SvcGroup {
	var out []SvcGroup
	for _, g := range linli.ServiceGroups {
		var opts []SvcOption
		for _, sv := range svcs {
			if sv.Group == g {
				opts = append(opts, SvcOption{Code: sv.Code, Name: p.ServiceLabel(sv), Selected: sv.Code == selected})
			}
		}
		if len(opts) > 0 {
			out = append(out, SvcGroup{Label: p.Group(g), Services: opts})
		}
	}
	return out
}

// attrFields builds the inputs of a service's form, with the values sent
// (if any) and one message per field.
func attrFields(p WOPage, sv linli.Service, sent url.Values, errs map[string]string) []AttrField {
	var out []AttrField
	for _, at := range sv.SortedAttrs() {
		name := "attribute[" + at.Code + "]"
		af := AttrField{Code: at.Code, Name: name, ID: "attr-" + at.Code, Label: at.Description, Help: at.Help, Type: string(at.Datatype),
			Required: at.Required, Variable: at.Variable, Error: errs[name]}
		if p.Lang == "en" && at.DescriptionEn != "" {
			af.Label = at.DescriptionEn
		}
		vals := sent[name]
		if len(vals) > 0 {
			af.Value = vals[0]
		}
		for _, v := range at.Values {
			label := v.Name
			if p.Lang == "en" && v.NameEn != "" {
				label = v.NameEn
			}
			af.Options = append(af.Options, AttrOption{Key: v.Key, Label: label, Selected: slices.Contains(vals, v.Key)})
		}
		out = append(out, af)
	}
	return out
}

func (s *Server) woIntakeCreate(w http.ResponseWriter, r *http.Request) error {
	return s.intakeCreate(w, r, false)
}

func (s *Server) woHotlineCreate(w http.ResponseWriter, r *http.Request) error {
	return s.intakeCreate(w, r, true)
}

// intakeCreate registers the order and shows it; with messages, the
// intake comes back with what was typed. The hidden idempotency key
// makes a repeated submit return the first order.
func (s *Server) intakeCreate(w http.ResponseWriter, r *http.Request, hotline bool) error {
	a := actor(r)
	f := formFrom(r, append(intakeFields, "lookup_phone")...)
	in := linli.WorkOrderInput{ServiceCode: f.Values["svc"], Channel: linli.ChannelCounter, Priority: linli.Priority(f.Values["priority"]),
		RequesterPersonID: woAtoi(f.Values["person"]), ContactName: f.Values["contact_name"], ContactPhone: f.Values["contact_phone"],
		Anonymous: f.Values["anonymous"] == "1", AreaID: woAtoi(f.Values["area"]), Address: f.Values["address"],
		Title: f.Values["title"], Description: f.Values["description"], IdempotencyKey: f.Values["idem"], Answers: map[string][]string{}}
	if hotline {
		in.Channel = linli.ChannelPhone
	}
	for k, vs := range r.PostForm {
		if code, ok := strings.CutPrefix(k, "attribute["); ok && strings.HasSuffix(code, "]") {
			in.Answers[strings.TrimSuffix(code, "]")] = vs
		}
	}
	if in.IdempotencyKey == "" {
		f.Values["idem"] = randomID(12)
		in.IdempotencyKey = f.Values["idem"]
	}
	o, created, err := s.st.CreateWorkOrder(r.Context(), a, in)
	if err != nil {
		if f.setErrors(s.page(r, "wostaff.intake.title"), err) {
			return s.intakePage(w, r, hotline, &f, http.StatusUnprocessableEntity)
		}
		return err
	}
	flash := "wostaff.created"
	if !created {
		flash = "wostaff.created.again"
	}
	return s.redirect(w, r, "/wo/"+strconv.FormatInt(o.ID, 10), flash)
}
