package web

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/attach"
	"github.com/linli-org/linli/internal/store"
)

// The residents' side of the service hall: the service catalogue (办事
//指南), the request form of a service, and (requests.go) a resident's own
// requests. The pages are written for a phone first and for elderly
// residents: one column, large targets, radio buttons and check boxes
// rather than drop-downs where the choices are few, every field with a
// visible label, a summary of the problems at the top of a refused form.
// They work without JavaScript: photos are plain file inputs, and a form
// refused for another field keeps the photos already uploaded.

// photoUploadLimit is the largest request body of the request form: six
// photos and the fields.
const photoUploadLimit = attach.MaxFiles*attach.MaxBytes + 1<<20

// uploadLimits are the body limits of the routes that take files (others
// get Options.MaxBody).
var uploadLimits = map[string]int64{"POST /services/{code}/request": photoUploadLimit}

// ResPage is the layout data of the residents' pages, with helpers for
// names in the page's language, deadlines in words and dates.
type ResPage struct {
	Page
}

func (s *Server) resPage(r *http.Request, titleKey string) ResPage {
	return ResPage{Page: s.page(r, titleKey)}
}

func (p ResPage) en() bool { return p.Lang == "en" }

// State is the name of a work-order state.
func (p ResPage) State(st linli.WOState) string { return p.T("wo.state." + string(st)) }

// ServiceName is a service's name in the page's language.
func (p ResPage) ServiceName(sv linli.Service) string {
	if p.en() && sv.NameEn != "" {
		return sv.NameEn
	}
	return sv.NameZh
}

// OrderService is the name of an order's service in the page's language.
func (p ResPage) OrderService(o linli.WorkOrder) string {
	if p.en() && o.ServiceNameEn != "" {
		return o.ServiceNameEn
	}
	return o.ServiceName
}

// DeadlineWords says a deadline in words: "5 个工作日".
func (p ResPage) DeadlineWords(d linli.Deadline) string {
	switch d.Unit {
	case linli.UnitWorkingDays:
		return p.T("svc.deadline.working_days", d.N)
	case linli.UnitWorkingHours:
		return p.T("svc.deadline.working_hours", d.N)
	case linli.UnitHours:
		return p.T("svc.deadline.hours", d.N)
	}
	return ""
}

// When is a date and time for people: "2026年5月12日（星期二）18:00",
// "Tue 12 May 2026, 18:00"; "" for none.
func (p ResPage) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(shanghai)
	if p.en() {
		return l.Format("Mon 2 Jan 2006, 15:04")
	}
	return fmt.Sprintf("%d年%d月%d日（%s）%s", l.Year(), int(l.Month()), l.Day(), p.T("svc.weekday."+strconv.Itoa(int(l.Weekday()))), l.Format("15:04"))
}

// Day is a date without the time.
func (p ResPage) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(shanghai)
	if p.en() {
		return l.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", l.Year(), int(l.Month()), l.Day())
}

// ResServiceCard is one service in the catalogue.
type ResServiceCard struct {
	Code        string
	Name        string
	Description string
	Materials   []string
	Who         string
	Deadline    string
	Negative    bool
	Referral    string
	Anonymous   bool
}

// ResServiceGroup is one group of the catalogue.
type ResServiceGroup struct {
	Code     string
	Label    string
	Services []ResServiceCard
}

// ResGroupOption is a group in the filter.
type ResGroupOption struct {
	Code     string
	Label    string
	Selected bool
}

// ResServicesPage is the catalogue.
type ResServicesPage struct {
	ResPage
	Q        string
	Group    string
	Groups   []ResGroupOption
	Sections []ResServiceGroup
	Found    int
	CanApply bool
}

func (p ResPage) card(sv linli.Service) ResServiceCard {
	c := ResServiceCard{Code: sv.Code, Name: p.ServiceName(sv), Description: sv.Description, Materials: sv.Materials, Who: sv.WhoMayApply,
		Negative: sv.Duty == linli.DutyNegative, Referral: sv.Referral, Anonymous: sv.Anonymous}
	if p.en() && sv.DescriptionEn != "" {
		c.Description = sv.DescriptionEn
	}
	if !c.Negative {
		c.Deadline = p.DeadlineWords(sv.Deadlines[linli.PriorityNormal])
	}
	return c
}

// resServices is the public catalogue: every public service by group,
// with a search over names, keywords and descriptions.
func (s *Server) resServices(w http.ResponseWriter, r *http.Request) error {
	p := s.resPage(r, "svc.title")
	if p.Actor != nil {
		w.Header().Set("Cache-Control", "no-store") // it shows what the account may do
	}
	q := r.URL.Query()
	pg := ResServicesPage{ResPage: p, Q: strings.TrimSpace(q.Get("q")), Group: q.Get("group"), CanApply: actor(r).Can(linli.PermSelfService)}
	if utf8.RuneCountInString(pg.Q) > 40 {
		pg.Q = string([]rune(pg.Q)[:40])
	}
	if !slices.Contains(linli.ServiceGroups, pg.Group) {
		pg.Group = ""
	}
	for _, g := range linli.ServiceGroups {
		pg.Groups = append(pg.Groups, ResGroupOption{Code: g, Label: p.T("svc.group." + g), Selected: g == pg.Group})
	}
	list, err := s.st.Services(r.Context(), actor(r), store.ServiceFilter{Group: pg.Group, Text: pg.Q})
	if err != nil {
		return err
	}
	for _, g := range linli.ServiceGroups {
		sec := ResServiceGroup{Code: g, Label: p.T("svc.group." + g)}
		for _, sv := range list {
			if sv.Group == g {
				sec.Services = append(sec.Services, p.card(sv))
			}
		}
		if len(sec.Services) > 0 {
			pg.Sections = append(pg.Sections, sec)
			pg.Found += len(sec.Services)
		}
	}
	return s.render(w, r, http.StatusOK, "res_services.html", pg)
}

// ResChoice is one choice of a list question.
type ResChoice struct {
	Key     string
	Label   string
	Checked bool
}

// ResField is one question of a service's form (an Open311 attribute).
type ResField struct {
	ID       string // the input's id
	Name     string // the input's name: "attribute[code]"
	TimeName string // datetime: the name of the time input
	Label    string
	Help     string
	Kind     string // string, number, date, text, radio, select, checkbox
	Required bool
	Value    string
	Time     string
	Choices  []ResChoice
	Error    string
}

// ResProblem is a line of the summary at the top of a refused form.
type ResProblem struct {
	Anchor  string // the id of the field, "" when none is on the page
	Label   string // the field's label, "" when none is on the page
	Message string
}

// ResAreaOption is a community to send the request to.
type ResAreaOption struct {
	ID       int64
	Label    string
	Selected bool
}

// DescribedBy is the ids of the hint and the message of the field.
func (f ResField) DescribedBy() string {
	var ids []string
	if f.Help != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-err")
	}
	return strings.Join(ids, " ")
}

// ResStreet groups the communities of a street in the area choice.
type ResStreet struct {
	Name  string
	Areas []ResAreaOption
}

// ResRequestPage is the request form of a service.
type ResRequestPage struct {
	ResPage
	Service   ResServiceCard
	Fields    []ResField
	Notes     []string // informational texts of the form
	Form      Form
	Streets   []ResStreet
	Photos    []store.Attachment
	Problems  []ResProblem
	MaxPhotos int
	MaxMB     int
	Referral  string // a negative-list service: where to go instead
}

// resFieldAnchor maps a field key of the store to the id of its input.
func resFieldAnchor(field string) string {
	if code, ok := strings.CutPrefix(field, "attribute["); ok {
		return "attr-" + strings.TrimSuffix(code, "]")
	}
	switch field {
	case "description", "address", "area", "contact_phone", "lat":
		return field
	case "attachments":
		return "photos"
	}
	return ""
}

// resFields builds the questions of a service's form with the answers
// given so far.
func (p ResPage) resFields(sv linli.Service, f Form, answers map[string][]string) (fields []ResField, notes []string) {
	for _, a := range sv.SortedAttrs() {
		label := a.Description
		if p.en() && a.DescriptionEn != "" {
			label = a.DescriptionEn
		}
		if !a.Variable {
			notes = append(notes, label)
			continue
		}
		name := "attribute[" + a.Code + "]"
		fd := ResField{ID: "attr-" + a.Code, Name: name, Label: label, Help: a.Help, Required: a.Required,
			Value: f.Values[name], Error: f.Errors[name]}
		switch a.Datatype {
		case linli.AttrNumber:
			fd.Kind = "number"
		case linli.AttrDatetime:
			fd.Kind, fd.TimeName, fd.Time = "date", "attribute_time["+a.Code+"]", f.Values["attribute_time["+a.Code+"]"]
		case linli.AttrText:
			fd.Kind = "text"
		case linli.AttrSingleValue, linli.AttrMultiValue:
			fd.Kind = "radio"
			if a.Datatype == linli.AttrMultiValue {
				fd.Kind = "checkbox"
			} else if len(a.Values) > 8 {
				fd.Kind = "select"
			}
			for _, v := range a.Values {
				l := v.Name
				if p.en() && v.NameEn != "" {
					l = v.NameEn
				}
				fd.Choices = append(fd.Choices, ResChoice{Key: v.Key, Label: l, Checked: slices.Contains(answers[a.Code], v.Key)})
			}
		default:
			fd.Kind = "string"
		}
		fields = append(fields, fd)
	}
	return fields, notes
}

// resServiceFor loads a service a resident may ask for: public and in the
// catalogue.
func (s *Server) resServiceFor(r *http.Request) (linli.Service, error) {
	sv, err := s.st.ServiceByCode(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return sv, err
	}
	if sv.Retired || !sv.Public {
		return linli.Service{}, linli.ErrNotFound
	}
	return sv, nil
}

func (s *Server) resRequestPage(w http.ResponseWriter, r *http.Request, sv linli.Service, f Form, answers map[string][]string,
	photos []store.Attachment, status int) error {
	p := s.resPage(r, "svc.request.title")
	pg := ResRequestPage{ResPage: p, Service: p.card(sv), Form: f, Photos: photos, MaxPhotos: attach.MaxFiles, MaxMB: attach.MaxBytes >> 20}
	pg.Title = p.T("svc.request.title_of", pg.Service.Name)
	if sv.Duty == linli.DutyNegative {
		pg.Referral = sv.Referral
		return s.render(w, r, status, "res_request.html", pg)
	}
	pg.Fields, pg.Notes = p.resFields(sv, f, answers)
	areas, err := s.st.RequestAreas(r.Context())
	if err != nil {
		return err
	}
	for _, ar := range areas {
		if n := len(pg.Streets); n == 0 || pg.Streets[n-1].Name != ar.Street {
			pg.Streets = append(pg.Streets, ResStreet{Name: ar.Street})
		}
		st := &pg.Streets[len(pg.Streets)-1]
		st.Areas = append(st.Areas, ResAreaOption{ID: ar.ID, Label: ar.Name, Selected: f.Values["area"] == strconv.FormatInt(ar.ID, 10)})
	}
	// The summary: the fields in the order of the form, then the rest.
	order := []string{}
	labels := map[string]string{"description": p.T("svc.field.description"), "area": p.T("svc.field.area"), "address": p.T("svc.field.address"),
		"lat": p.T("svc.field.point"), "attachments": p.T("svc.field.photos"), "contact_phone": p.T("svc.field.phone")}
	for _, fd := range pg.Fields {
		order = append(order, fd.Name)
		labels[fd.Name] = fd.Label
	}
	order = append(order, "description", "area", "address", "lat", "attachments", "contact_phone")
	seen := map[string]bool{}
	for _, k := range order {
		if m := f.Errors[k]; m != "" && !seen[k] {
			seen[k] = true
			pg.Problems = append(pg.Problems, ResProblem{Anchor: resFieldAnchor(k), Label: labels[k], Message: m})
		}
	}
	var rest []string
	for k := range f.Errors {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		pg.Problems = append(pg.Problems, ResProblem{Anchor: resFieldAnchor(k), Message: f.Errors[k]})
	}
	return s.render(w, r, status, "res_request.html", pg)
}

// resRequestForm shows the form of a service, with a new idempotency key:
// the same form submitted twice creates one request.
func (s *Server) resRequestForm(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.resServiceFor(r)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["idempotency_key"] = randomID(18)
	// The community of the resident's last request, if any.
	if last, err := s.st.ListWorkOrders(r.Context(), actor(r), store.WOFilter{Mine: true, Limit: 1}); err == nil && len(last) > 0 {
		f.Values["area"] = strconv.FormatInt(communityOf(last[0].Path), 10)
	}
	return s.resRequestPage(w, r, sv, f, nil, nil, http.StatusOK)
}

// communityOf is the community id of an area path "/d/s/c/…" (0 above
// community level).
func communityOf(p string) int64 {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) < 3 {
		return 0
	}
	id, _ := strconv.ParseInt(parts[2], 10, 64)
	return id
}

// resAnswers reads the answers to the service's questions. A datetime
// question has a date input and an optional time input.
func resAnswers(r *http.Request, sv linli.Service, f Form) map[string][]string {
	out := map[string][]string{}
	for _, a := range sv.Attrs {
		if !a.Variable {
			continue
		}
		name := "attribute[" + a.Code + "]"
		var vals []string
		for _, v := range r.PostForm[name] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			f.Values[name] = vals[0]
		}
		if a.Datatype == linli.AttrDatetime {
			tn := "attribute_time[" + a.Code + "]"
			t := strings.TrimSpace(r.PostFormValue(tn))
			f.Values[tn] = t
			if len(t) == 8 && t[2] == ':' && t[5] == ':' {
				t = t[:5] // seconds
			}
			if len(vals) == 1 && t != "" {
				vals = []string{vals[0] + "T" + t}
			}
		}
		if len(vals) > 0 {
			out[a.Code] = vals
		}
	}
	return out
}

// resRequestCreate takes a request: the photos are cleaned and stored
// first (so a form refused for another field keeps them), then the store
// checks everything else and creates the order.
func (s *Server) resRequestCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	sv, err := s.resServiceFor(r)
	if err != nil {
		return err
	}
	f := formFrom(r, "description", "address", "area", "lat", "lon", "contact_phone", "idempotency_key")
	if sv.Duty == linli.DutyNegative {
		return s.resRequestPage(w, r, sv, f, nil, nil, http.StatusUnprocessableEntity)
	}
	// A second submit of the same form: the order of the first one.
	if key := f.Values["idempotency_key"]; key != "" {
		if o, err := s.st.WorkOrderByIdempotencyKey(ctx, a, key); err == nil {
			return s.redirect(w, r, "/my/requests/"+strconv.FormatInt(o.ID, 10), "myreq.submitted_again")
		} else if !errors.Is(err, linli.ErrNotFound) {
			return err
		}
	}
	p := s.resPage(r, "svc.request.title")
	answers := resAnswers(r, sv, f)
	photos, photoErr, err := s.resPhotos(r, p)
	if err != nil {
		return err
	}
	in := linli.WorkOrderInput{ServiceCode: sv.Code, Channel: linli.ChannelWeb, Description: f.Values["description"], Address: f.Values["address"],
		ContactPhone: f.Values["contact_phone"], Answers: answers, IdempotencyKey: f.Values["idempotency_key"]}
	for _, x := range photos {
		in.AttachmentNames = append(in.AttachmentNames, x.Name)
	}
	if v := f.Values["area"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["area"] = p.T("wo.area.not_found")
		}
		in.AreaID = id
	}
	if f.Values["lat"] != "" || f.Values["lon"] != "" {
		lat, err1 := strconv.ParseFloat(f.Values["lat"], 64)
		lon, err2 := strconv.ParseFloat(f.Values["lon"], 64)
		if err1 != nil || err2 != nil {
			f.Errors["lat"] = p.T("wo.point.invalid")
		}
		in.Lat, in.Lon, in.HasPoint = lat, lon, true
	}
	if photoErr != "" {
		f.Errors["attachments"] = photoErr
	}
	if len(f.Errors) > 0 {
		// Say what else is wrong too, so it is all fixed at once.
		_, av := sv.CheckAnswers(answers)
		if in.Description == "" {
			av.Add("description", "field.required")
		}
		for _, fe := range av.Fields {
			if _, ok := f.Errors[fe.Field]; !ok {
				f.Errors[fe.Field] = p.T(fe.Key, fe.Args...)
			}
		}
		return s.resRequestPage(w, r, sv, f, answers, photos, http.StatusUnprocessableEntity)
	}
	o, created, err := s.st.CreateWorkOrder(ctx, a, in)
	if err != nil {
		if f.setErrors(p.Page, err) {
			return s.resRequestPage(w, r, sv, f, answers, photos, http.StatusUnprocessableEntity)
		}
		return err
	}
	flash := "myreq.submitted"
	if !created {
		flash = "myreq.submitted_again"
	}
	return s.redirect(w, r, "/my/requests/"+strconv.FormatInt(o.ID, 10), flash)
}

// resPhotos keeps the photos the form already carried (the actor's own
// uploads not linked to an order yet), then cleans and stores the new
// files. It returns them all and the message for the photo field, if a
// file was refused.
func (s *Server) resPhotos(r *http.Request, p ResPage) ([]store.Attachment, string, error) {
	ctx := r.Context()
	a := actor(r)
	kept, err := s.st.PendingAttachments(ctx, a, r.PostForm["attachment"])
	if err != nil {
		return nil, "", err
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue // a file input left empty
			}
			files = append(files, fh)
		}
	}
	if len(kept)+len(files) > attach.MaxFiles {
		return kept, p.T("wo.attachment.too_many", attach.MaxFiles), nil
	}
	var msgs []string
	for _, fh := range files {
		img, err := s.cleanPhoto(ctx, fh)
		var ae *attach.Error
		if errors.As(err, &ae) {
			msgs = append(msgs, p.T("svc.photo.refused", fileLabel(fh.Filename), p.T(ae.Key, ae.Args...)))
			continue
		}
		if err != nil {
			return kept, "", err
		}
		x, err := s.st.SaveAttachment(ctx, a, img.ContentType, img.Width, img.Height, img.Data)
		var ve *linli.ValidationError
		if errors.As(err, &ve) && len(ve.Fields) > 0 {
			msgs = append(msgs, p.T("svc.photo.refused", fileLabel(fh.Filename), p.T(ve.Fields[0].Key, ve.Fields[0].Args...)))
			continue
		}
		if err != nil {
			return kept, "", err
		}
		kept = append(kept, x)
	}
	return kept, strings.Join(msgs, " "), nil
}

// cleanPhoto checks and re-encodes one uploaded file; at most a few run
// at once, since a large photo takes a few hundred megabytes to decode.
func (s *Server) cleanPhoto(ctx context.Context, fh *multipart.FileHeader) (attach.Image, error) {
	f, err := fh.Open()
	if err != nil {
		return attach.Image{}, err
	}
	defer f.Close()
	select {
	case s.photoSlots <- struct{}{}:
	case <-ctx.Done():
		return attach.Image{}, ctx.Err()
	}
	defer func() { <-s.photoSlots }()
	return attach.Process(f)
}

// fileLabel is an uploaded file's name as shown back: the base name, at
// most 40 characters.
func fileLabel(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" {
		return "?"
	}
	if r := []rune(name); len(r) > 40 {
		name = string(r[:37]) + "…"
	}
	return name
}
