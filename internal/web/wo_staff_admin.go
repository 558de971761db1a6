package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The catalogue's administration (/admin/services) and the
// responsibility map's (/admin/routes), for service.admin. A service's
// form (its Open311 attributes) and its knowledge-base answers are
// repeated fieldsets: a few blank ones follow the filled ones, and a row
// left blank is dropped.

const (
	svcBlankAttrs = 3  // blank attribute fieldsets after the filled ones
	svcBlankKB    = 2  // blank answer fieldsets
	svcMaxRows    = 60 // at most this many rows of each are read
)

// attrTypes are the Open311 datatypes, in display order.
var attrTypes = []linli.AttrType{linli.AttrString, linli.AttrText, linli.AttrNumber, linli.AttrDatetime, linli.AttrSingleValue, linli.AttrMultiValue}

// deadlineUnits are the units of a deadline, in display order.
var deadlineUnits = []linli.DeadlineUnit{linli.UnitWorkingDays, linli.UnitWorkingHours, linli.UnitHours}

// WOServicesPage lists the catalogue.
type WOServicesPage struct {
	WOPage
	Groups []SvcAdminGroup
	Q      string
}

// SvcAdminGroup is one group of the catalogue's list.
type SvcAdminGroup struct {
	Label    string
	Services []linli.Service
}

// DutyName is the name of a duty.
func (p WOPage) DutyName(d linli.Duty) string { return p.label("wostaff.duty.", string(d)) }

func (s *Server) woServices(w http.ResponseWriter, r *http.Request) error {
	pg := WOServicesPage{WOPage: s.woPage(r, "wostaff.services.title"), Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	svcs, err := s.st.Services(r.Context(), actor(r), store.ServiceFilter{Text: pg.Q, IncludePriv: true, IncludeRetire: true})
	if err != nil {
		return err
	}
	for _, g := range linli.ServiceGroups {
		var in []linli.Service
		for _, sv := range svcs {
			if sv.Group == g {
				in = append(in, sv)
			}
		}
		if len(in) > 0 {
			pg.Groups = append(pg.Groups, SvcAdminGroup{Label: pg.Group(g), Services: in})
		}
	}
	return s.render(w, r, http.StatusOK, "wo_services.html", pg)
}

// AttrRow is one attribute's fieldset.
type AttrRow struct {
	Index         int
	Code          string
	Type          string
	Required      bool
	Variable      bool
	Order         string
	Description   string
	DescriptionEn string
	Help          string
	Values        string // one choice a line: key|名称|Name
	Error         string
}

// KBRow is one knowledge-base answer's fieldset.
type KBRow struct {
	Index    int
	Question string
	Answer   string
}

// DeadlineRow is the deadline of one priority.
type DeadlineRow struct {
	Priority linli.Priority
	N        string
	Unit     string
	Error    string
}

// WOServiceFormPage creates or edits a service.
type WOServiceFormPage struct {
	WOPage
	New       bool
	Service   linli.Service // as stored (edit)
	Form      Form
	Attrs     []AttrRow
	KB        []KBRow
	Deadlines []DeadlineRow
	GroupOpts []CodeOption
	DutyOpts  []CodeOption
	Units     []OrgOption
	Types     []linli.AttrType
	DUnits    []linli.DeadlineUnit
	Error     string
}

// TypeName is the name of an attribute datatype.
func (p WOPage) TypeName(t linli.AttrType) string { return p.label("wostaff.attrtype.", string(t)) }

// UnitName is the name of a deadline unit.
func (p WOPage) UnitName(u linli.DeadlineUnit) string { return p.label("wostaff.dunit.", string(u)) }

// svcFields are the plain fields of the service form.
var svcFields = []string{"code", "name_zh", "name_en", "group", "description", "description_en", "keywords", "materials", "who_may_apply",
	"duty", "authority", "funding", "referral", "certificate", "cert_template", "cert_days", "default_unit", "public", "anonymous",
	"reopen_on_bad", "version"}

// serviceForm fills the form from a stored service.
func serviceForm(sv linli.Service) (Form, []AttrRow, []KBRow, []DeadlineRow) {
	f := newForm()
	b := func(v bool) string {
		if v {
			return "1"
		}
		return ""
	}
	f.Values = map[string]string{"code": sv.Code, "name_zh": sv.NameZh, "name_en": sv.NameEn, "group": sv.Group, "description": sv.Description,
		"description_en": sv.DescriptionEn, "keywords": strings.Join(sv.Keywords, "，"), "materials": strings.Join(sv.Materials, "\n"),
		"who_may_apply": sv.WhoMayApply, "duty": string(sv.Duty), "authority": sv.Authority, "funding": sv.Funding, "referral": sv.Referral,
		"certificate": b(sv.Certificate), "cert_template": sv.CertTemplate, "cert_days": strconv.Itoa(sv.CertDays),
		"default_unit": strconv.FormatInt(sv.DefaultUnitID, 10), "public": b(sv.Public), "anonymous": b(sv.Anonymous),
		"reopen_on_bad": b(sv.ReopenOnBad), "version": strconv.FormatInt(sv.Version, 10)}
	var attrs []AttrRow
	for _, at := range sv.SortedAttrs() {
		var vals []string
		for _, v := range at.Values {
			vals = append(vals, v.Key+"|"+v.Name+"|"+v.NameEn)
		}
		attrs = append(attrs, AttrRow{Code: at.Code, Type: string(at.Datatype), Required: at.Required, Variable: at.Variable,
			Order: strconv.Itoa(at.Order), Description: at.Description, DescriptionEn: at.DescriptionEn, Help: at.Help, Values: strings.Join(vals, "\n")})
	}
	var kb []KBRow
	for _, k := range sv.Answers {
		kb = append(kb, KBRow{Question: k.Question, Answer: k.Answer})
	}
	var dl []DeadlineRow
	for _, pr := range linli.Priorities {
		d, ok := sv.Deadlines[pr]
		row := DeadlineRow{Priority: pr}
		if ok {
			row.N, row.Unit = strconv.Itoa(d.N), string(d.Unit)
		}
		dl = append(dl, row)
	}
	return f, attrs, kb, dl
}

func (s *Server) woServiceNew(w http.ResponseWriter, r *http.Request) error {
	f, attrs, kb, dl := serviceForm(linli.Service{Duty: linli.DutyOwn, Public: true, ReopenOnBad: true, Group: "other",
		Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 5, Unit: linli.UnitWorkingDays},
			linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours}, linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}}})
	f.Values["cert_days"], f.Values["default_unit"], f.Values["version"] = "", "", ""
	return s.serviceFormPage(w, r, true, linli.Service{}, f, attrs, kb, dl, "", http.StatusOK)
}

func (s *Server) woServiceEdit(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.st.ServiceByCode(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	f, attrs, kb, dl := serviceForm(sv)
	return s.serviceFormPage(w, r, false, sv, f, attrs, kb, dl, "", http.StatusOK)
}

func (s *Server) serviceFormPage(w http.ResponseWriter, r *http.Request, isNew bool, sv linli.Service, f Form, attrs []AttrRow, kb []KBRow,
	dl []DeadlineRow, msg string, status int) error {
	title := "wostaff.service.edit"
	if isNew {
		title = "wostaff.service.new"
	}
	pg := WOServiceFormPage{WOPage: s.woPage(r, title), New: isNew, Service: sv, Form: f, Deadlines: dl, Types: attrTypes, DUnits: deadlineUnits, Error: msg}
	for i := 0; i < svcBlankAttrs; i++ {
		attrs = append(attrs, AttrRow{Type: string(linli.AttrString), Variable: true})
	}
	for i := 0; i < svcBlankKB; i++ {
		kb = append(kb, KBRow{})
	}
	for i := range attrs {
		attrs[i].Index = i
	}
	for i := range kb {
		kb[i].Index = i
	}
	pg.Attrs, pg.KB = attrs, kb
	for _, g := range linli.ServiceGroups {
		pg.GroupOpts = append(pg.GroupOpts, CodeOption{Code: g, Label: pg.Group(g), Selected: g == f.Values["group"]})
	}
	for _, d := range []linli.Duty{linli.DutyOwn, linli.DutyAssist, linli.DutyNegative} {
		pg.DutyOpts = append(pg.DutyOpts, CodeOption{Code: string(d), Label: pg.DutyName(d), Selected: string(d) == f.Values["duty"]})
	}
	units, err := s.st.OrgUnits(r.Context(), actor(r))
	if err != nil {
		return err
	}
	for _, u := range units {
		pg.Units = append(pg.Units, OrgOption{ID: u.ID, Name: u.Name, Selected: strconv.FormatInt(u.ID, 10) == f.Values["default_unit"]})
	}
	return s.render(w, r, status, "wo_service_form.html", pg)
}

// splitList splits keywords typed with commas, 、 or new lines.
func splitList(v string, lines bool) []string {
	sep := func(r rune) bool { return r == '\n' || r == '\r' }
	if !lines {
		sep = func(r rune) bool { return strings.ContainsRune(",，、;；\n\r", r) }
	}
	var out []string
	for _, x := range strings.FieldsFunc(v, sep) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseServiceForm reads the service form. rowOf maps the index of a kept
// attribute to its fieldset, for the store's "attrs.N" messages.
func parseServiceForm(r *http.Request, p Page) (linli.Service, Form, []AttrRow, []KBRow, []DeadlineRow, []int) {
	f := formFrom(r, svcFields...)
	sv := linli.Service{Code: f.Values["code"], NameZh: f.Values["name_zh"], NameEn: f.Values["name_en"], Group: f.Values["group"],
		Description: f.Values["description"], DescriptionEn: f.Values["description_en"], Keywords: splitList(f.Values["keywords"], false),
		Materials: splitList(f.Values["materials"], true), WhoMayApply: f.Values["who_may_apply"], Duty: linli.Duty(f.Values["duty"]),
		Authority: f.Values["authority"], Funding: f.Values["funding"], Referral: f.Values["referral"], Certificate: f.Values["certificate"] == "1",
		CertTemplate: f.Values["cert_template"], DefaultUnitID: woAtoi(f.Values["default_unit"]), Public: f.Values["public"] == "1",
		Anonymous: f.Values["anonymous"] == "1", ReopenOnBad: f.Values["reopen_on_bad"] == "1", Version: woAtoi(f.Values["version"]),
		Deadlines: map[linli.Priority]linli.Deadline{}}
	if v := f.Values["cert_days"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 365 {
			f.Errors["cert_days"] = p.T("wostaff.number.invalid")
		}
		sv.CertDays = n
	}
	var dl []DeadlineRow
	for _, pr := range linli.Priorities {
		row := DeadlineRow{Priority: pr, N: strings.TrimSpace(r.PostFormValue("deadline_" + string(pr) + "_n")),
			Unit: strings.TrimSpace(r.PostFormValue("deadline_" + string(pr) + "_unit"))}
		if row.N != "" || row.Unit != "" {
			n, err := strconv.Atoi(row.N)
			if err != nil && row.N != "" {
				f.Errors["deadline_"+string(pr)] = p.T("wostaff.number.invalid")
			}
			sv.Deadlines[pr] = linli.Deadline{N: n, Unit: linli.DeadlineUnit(row.Unit)}
		}
		dl = append(dl, row)
	}
	rows := min(int(woAtoi(r.PostFormValue("attr_rows"))), svcMaxRows)
	var attrs []AttrRow
	var rowOf []int
	for i := 0; i < rows; i++ {
		k := "attr." + strconv.Itoa(i) + "."
		get := func(n string) string { return strings.TrimSpace(r.PostFormValue(k + n)) }
		row := AttrRow{Code: get("code"), Type: get("type"), Required: get("required") == "1", Variable: get("variable") == "1",
			Order: get("order"), Description: get("description"), DescriptionEn: get("description_en"), Help: get("help"), Values: get("values")}
		if row.Code == "" && row.Description == "" && row.DescriptionEn == "" && row.Values == "" {
			continue // a blank fieldset
		}
		at := linli.ServiceAttr{Code: row.Code, Datatype: linli.AttrType(row.Type), Required: row.Required, Variable: row.Variable,
			Description: row.Description, DescriptionEn: row.DescriptionEn, Help: row.Help}
		if row.Order != "" {
			n, err := strconv.Atoi(row.Order)
			if err != nil {
				row.Error = p.T("wostaff.number.invalid")
			}
			at.Order = n
		} else {
			at.Order = len(sv.Attrs) + 1
		}
		for _, line := range splitList(row.Values, true) {
			parts := strings.Split(line, "|")
			v := linli.AttrValue{Key: strings.TrimSpace(parts[0])}
			if len(parts) > 1 {
				v.Name = strings.TrimSpace(parts[1])
			}
			if len(parts) > 2 {
				v.NameEn = strings.TrimSpace(parts[2])
			}
			if v.Name == "" {
				v.Name = v.Key
			}
			if v.Key == "" {
				row.Error = p.T("wostaff.attr.values_format")
			}
			at.Values = append(at.Values, v)
		}
		if row.Error != "" {
			f.Errors["attrs"] = row.Error
		}
		attrs = append(attrs, row)
		rowOf = append(rowOf, len(attrs)-1)
		sv.Attrs = append(sv.Attrs, at)
	}
	kbRows := min(int(woAtoi(r.PostFormValue("kb_rows"))), svcMaxRows)
	var kb []KBRow
	for i := 0; i < kbRows; i++ {
		k := "kb." + strconv.Itoa(i) + "."
		row := KBRow{Question: strings.TrimSpace(r.PostFormValue(k + "q")), Answer: strings.TrimSpace(r.PostFormValue(k + "a"))}
		if row.Question == "" && row.Answer == "" {
			continue
		}
		if row.Question == "" || row.Answer == "" || utf8.RuneCountInString(row.Answer) > 2000 {
			f.Errors["kb"] = p.T("wostaff.kb.incomplete")
		}
		kb = append(kb, row)
		sv.Answers = append(sv.Answers, linli.KBAnswer{Question: row.Question, Answer: row.Answer})
	}
	return sv, f, attrs, kb, dl, rowOf
}

func (s *Server) woServiceCreate(w http.ResponseWriter, r *http.Request) error {
	return s.serviceSave(w, r, true)
}

func (s *Server) woServiceUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.serviceSave(w, r, false)
}

// serviceSave creates or updates a service; with messages, the form
// comes back as typed.
func (s *Server) serviceSave(w http.ResponseWriter, r *http.Request, isNew bool) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "wostaff.service.edit")
	var stored linli.Service
	if !isNew {
		var err error
		if stored, err = s.st.ServiceByCode(ctx, a, r.PathValue("code")); err != nil {
			return err
		}
	}
	sv, f, attrs, kb, dl, rowOf := parseServiceForm(r, p)
	if !isNew {
		sv.ID, sv.Code = stored.ID, stored.Code
		f.Values["code"] = stored.Code
	}
	back := func(msg string, status int) error {
		for i := range dl {
			dl[i].Error = f.Errors["deadline_"+string(dl[i].Priority)]
		}
		for k, m := range f.Errors {
			if n, ok := strings.CutPrefix(k, "attrs."); ok {
				if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(rowOf) {
					attrs[rowOf[i]].Error = m
				}
			}
		}
		return s.serviceFormPage(w, r, isNew, stored, f, attrs, kb, dl, msg, status)
	}
	if len(f.Errors) > 0 {
		return back("", http.StatusUnprocessableEntity)
	}
	saved, err := s.st.SaveService(ctx, a, sv)
	switch {
	case err == nil:
		return s.redirect(w, r, "/admin/services/"+saved.Code, "wostaff.service.saved")
	case f.setErrors(p, err):
		return back("", http.StatusUnprocessableEntity)
	case errors.Is(err, linli.ErrConflict):
		return back(p.T("wostaff.service.conflict"), http.StatusConflict)
	}
	return err
}

// woServiceRetire takes a service out of the catalogue (retire=1) or
// brings it back (retire=0).
func (s *Server) woServiceRetire(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	sv, err := s.st.ServiceByCode(ctx, a, r.PathValue("code"))
	if err != nil {
		return err
	}
	retire := r.PostFormValue("retire") != "0"
	if err := s.st.RetireService(ctx, a, sv.Code, retire); err != nil {
		return err
	}
	flash := "wostaff.service.retired"
	if !retire {
		flash = "wostaff.service.restored"
	}
	return s.redirect(w, r, "/admin/services/"+sv.Code, flash)
}

// ---- the responsibility map ------------------------------------------

// WORoutesPage lists the map and sets an entry.
type WORoutesPage struct {
	WOPage
	Routes   []store.Route
	Q        string
	Form     Form
	Areas    []AreaOption
	Services []SvcOption
	Units    []OrgOption
}

func (s *Server) woRoutes(w http.ResponseWriter, r *http.Request) error {
	return s.routesPage(w, r, newForm(), http.StatusOK)
}

func (s *Server) routesPage(w http.ResponseWriter, r *http.Request, f Form, status int) error {
	ctx := r.Context()
	a := actor(r)
	pg := WORoutesPage{WOPage: s.woPage(r, "wostaff.routes.title"), Form: f, Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	routes, err := s.st.Routes(ctx, a)
	if err != nil {
		return err
	}
	for _, rt := range routes {
		if pg.Q == "" || strings.Contains(rt.AreaName, pg.Q) || strings.Contains(rt.ServiceCode, strings.ToUpper(pg.Q)) ||
			strings.Contains(rt.ServiceName, pg.Q) || strings.Contains(rt.UnitName, pg.Q) {
			pg.Routes = append(pg.Routes, rt)
		}
	}
	areas, err := s.st.Areas(ctx, a, store.AreaFilter{})
	if err != nil {
		return err
	}
	pg.Areas = areaOptions(pg.Page, areas, map[int64]bool{woAtoi(f.Values["area"]): true})
	svcs, err := s.st.Services(ctx, a, store.ServiceFilter{IncludePriv: true})
	if err != nil {
		return err
	}
	for _, sv := range svcs {
		pg.Services = append(pg.Services, SvcOption{Code: sv.Code, Name: sv.Code + " " + pg.ServiceLabel(sv), Selected: sv.Code == f.Values["service"]})
	}
	units, err := s.st.OrgUnits(ctx, a)
	if err != nil {
		return err
	}
	for _, u := range units {
		pg.Units = append(pg.Units, OrgOption{ID: u.ID, Name: u.Name, Selected: strconv.FormatInt(u.ID, 10) == f.Values["unit"]})
	}
	return s.render(w, r, status, "wo_routes.html", pg)
}

func (s *Server) woRouteSet(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, "area", "service", "unit")
	p := s.page(r, "wostaff.routes.title")
	if woAtoi(f.Values["area"]) == 0 {
		f.Errors["area"] = p.T("wostaff.routes.area.required")
	}
	if woAtoi(f.Values["unit"]) == 0 {
		f.Errors["unit"] = p.T("wostaff.routes.unit.required")
	}
	if len(f.Errors) > 0 {
		return s.routesPage(w, r, f, http.StatusUnprocessableEntity)
	}
	err := s.st.SetRoute(r.Context(), actor(r), woAtoi(f.Values["area"]), f.Values["service"], woAtoi(f.Values["unit"]))
	if f.setErrors(p, err) {
		return s.routesPage(w, r, f, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/routes", "wostaff.routes.saved")
}

func (s *Server) woRouteDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.DeleteRoute(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/routes", "wostaff.routes.deleted")
}

// FieldArgs are the arguments of the service form's field templates.
type FieldArgs struct {
	P WOServiceFormPage
	K string // the field
	L string // its label's message key
	H string // its hint's message key ("" for none)
}

// Field passes the page and a field to a template.
func (p WOServiceFormPage) Field(field, labelKey, hintKey string) FieldArgs {
	return FieldArgs{P: p, K: field, L: labelKey, H: hintKey}
}
