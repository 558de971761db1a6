package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The service catalogue (事项目录) and the responsibility map (派单目录).
// The catalogue is not scoped: anyone signed in reads its public services,
// staff who take or read work orders also its private ones; only service
// admins change it (service.admin, else 403). Services are named by their
// code, which never changes. The map is scoped: an entry lives on an area.

// serviceJSON is an entry of the catalogue. Attributes (the form, as
// Open311 attributes), deadlines and knowledge-base answers use the
// domain's JSON shapes.
type serviceJSON struct {
	ID            int64                             `json:"id"`
	Code          string                            `json:"code"`
	NameZh        string                            `json:"name_zh"`
	NameEn        string                            `json:"name_en"`
	Group         string                            `json:"group"`
	Description   string                            `json:"description"`
	DescriptionEn string                            `json:"description_en"`
	Keywords      []string                          `json:"keywords"`
	Materials     []string                          `json:"materials"`
	WhoMayApply   string                            `json:"who_may_apply"`
	Duty          linli.Duty                        `json:"duty"`
	Authority     string                            `json:"authority"`
	Funding       string                            `json:"funding"`
	Referral      string                            `json:"referral"`
	Certificate   bool                              `json:"certificate"`
	CertTemplate  string                            `json:"cert_template"`
	CertDays      int                               `json:"cert_days"`
	DefaultUnitID *int64                            `json:"default_unit_id"`
	Attrs         []linli.ServiceAttr               `json:"attrs"`
	Deadlines     map[linli.Priority]linli.Deadline `json:"deadlines"`
	Public        bool                              `json:"public"`
	Anonymous     bool                              `json:"anonymous"`
	ReopenOnBad   bool                              `json:"reopen_on_bad"`
	Answers       []linli.KBAnswer                  `json:"answers"`
	Retired       bool                              `json:"retired"`
	Version       int64                             `json:"version"`
}

func toServiceJSON(sv linli.Service) serviceJSON {
	out := serviceJSON{ID: sv.ID, Code: sv.Code, NameZh: sv.NameZh, NameEn: sv.NameEn, Group: sv.Group, Description: sv.Description,
		DescriptionEn: sv.DescriptionEn, Keywords: nonNilStrings(sv.Keywords), Materials: nonNilStrings(sv.Materials),
		WhoMayApply: sv.WhoMayApply, Duty: sv.Duty, Authority: sv.Authority, Funding: sv.Funding, Referral: sv.Referral,
		Certificate: sv.Certificate, CertTemplate: sv.CertTemplate, CertDays: sv.CertDays, DefaultUnitID: optID(sv.DefaultUnitID),
		Attrs: sv.SortedAttrs(), Deadlines: sv.Deadlines, Public: sv.Public, Anonymous: sv.Anonymous, ReopenOnBad: sv.ReopenOnBad,
		Answers: sv.Answers, Retired: sv.Retired, Version: sv.Version}
	if out.Attrs == nil {
		out.Attrs = []linli.ServiceAttr{}
	}
	if out.Deadlines == nil {
		out.Deadlines = map[linli.Priority]linli.Deadline{}
	}
	if out.Answers == nil {
		out.Answers = []linli.KBAnswer{}
	}
	return out
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// serviceFields are the members of a service that a client writes. A
// member left out is cleared, except public and reopen_on_bad, which
// default to true.
type serviceFields struct {
	NameZh        string                            `json:"name_zh"`
	NameEn        string                            `json:"name_en"`
	Group         string                            `json:"group"`
	Description   string                            `json:"description"`
	DescriptionEn string                            `json:"description_en"`
	Keywords      []string                          `json:"keywords"`
	Materials     []string                          `json:"materials"`
	WhoMayApply   string                            `json:"who_may_apply"`
	Duty          linli.Duty                        `json:"duty"`
	Authority     string                            `json:"authority"`
	Funding       string                            `json:"funding"`
	Referral      string                            `json:"referral"`
	Certificate   bool                              `json:"certificate"`
	CertTemplate  string                            `json:"cert_template"`
	CertDays      int                               `json:"cert_days"`
	DefaultUnitID int64                             `json:"default_unit_id"`
	Attrs         []linli.ServiceAttr               `json:"attrs"`
	Deadlines     map[linli.Priority]linli.Deadline `json:"deadlines"`
	Public        *bool                             `json:"public"`
	Anonymous     bool                              `json:"anonymous"`
	ReopenOnBad   *bool                             `json:"reopen_on_bad"`
	Answers       []linli.KBAnswer                  `json:"answers"`
}

// createServiceRequest is the body of POST /api/v1/services.
type createServiceRequest struct {
	Code string `json:"code"`
	serviceFields
}

// updateServiceRequest is the body of PUT /api/v1/services/{code}: the
// whole definition (the code is the path's) and the version read.
type updateServiceRequest struct {
	serviceFields
	Version int64 `json:"version"`
}

func (f serviceFields) service(code string) linli.Service {
	or := func(b *bool) bool { return b == nil || *b }
	return linli.Service{Code: code, NameZh: f.NameZh, NameEn: f.NameEn, Group: f.Group, Description: f.Description,
		DescriptionEn: f.DescriptionEn, Keywords: f.Keywords, Materials: f.Materials, WhoMayApply: f.WhoMayApply, Duty: f.Duty,
		Authority: f.Authority, Funding: f.Funding, Referral: f.Referral, Certificate: f.Certificate, CertTemplate: f.CertTemplate,
		CertDays: f.CertDays, DefaultUnitID: f.DefaultUnitID, Attrs: f.Attrs, Deadlines: f.Deadlines, Public: or(f.Public),
		Anonymous: f.Anonymous, ReopenOnBad: or(f.ReopenOnBad), Answers: f.Answers}
}

// serviceFieldNames renames the store's field names of a service to the
// JSON members.
var serviceFieldNames = map[string]string{
	"default_unit":      "default_unit_id",
	"deadline_normal":   "deadlines.normal",
	"deadline_urgent":   "deadlines.urgent",
	"deadline_critical": "deadlines.critical",
}

// renameFields returns err with the fields of a validation error renamed
// by names (other errors unchanged). The global apiFields still apply.
func renameFields(err error, names map[string]string) error {
	var ve *linli.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &linli.ValidationError{Fields: make([]linli.FieldError, len(ve.Fields))}
	for i, f := range ve.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return out
}

// staleIfConflict turns the store's bare ErrConflict of an optimistic lock
// into edit.stale; keyed conflicts and refused transitions stay.
func staleIfConflict(err error) error {
	var ce *linli.ConflictError
	var te *linli.ErrTransition
	if errors.Is(err, linli.ErrConflict) && !errors.As(err, &ce) && !errors.As(err, &te) {
		return linli.Conflict("edit.stale")
	}
	return err
}

func serviceLocation(code string) string { return "/api/v1/services/" + url.PathEscape(code) }

// listServices is GET /api/v1/services: the catalogue by group and code.
// ?group= narrows to a group, ?q= matches names, keywords and description;
// ?include_retired=true lists retired services too.
func (s *server) listServices(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := store.ServiceFilter{Group: p.str("group"), Text: p.str("q"), IncludePriv: true, IncludeRetire: p.boolean("include_retired")}
	if f.Group != "" && !slices.Contains(linli.ServiceGroups, f.Group) {
		p.v.Add("group", "service.group.invalid")
	}
	if err := p.err(); err != nil {
		return err
	}
	svs, err := s.st.Services(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	out := page[serviceJSON]{Items: make([]serviceJSON, 0, len(svs))}
	for _, sv := range svs {
		out.Items = append(out.Items, toServiceJSON(sv))
	}
	return writeJSON(w, http.StatusOK, out)
}

// getService is GET /api/v1/services/{code}.
func (s *server) getService(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.st.ServiceByCode(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toServiceJSON(sv))
}

// createService is POST /api/v1/services (service.admin).
func (s *server) createService(w http.ResponseWriter, r *http.Request) error {
	var req createServiceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sv, err := s.st.SaveService(r.Context(), actorOf(r), req.service(req.Code))
	if err != nil {
		return renameFields(err, serviceFieldNames)
	}
	w.Header().Set("Location", serviceLocation(sv.Code))
	return writeJSON(w, http.StatusCreated, toServiceJSON(sv))
}

// updateService is PUT /api/v1/services/{code} (service.admin): the whole
// definition and the version read; a stale version is 409 edit.stale.
func (s *server) updateService(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	cur, err := s.st.ServiceByCode(r.Context(), a, r.PathValue("code"))
	if err != nil {
		return err
	}
	var req updateServiceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Version <= 0 {
		return linli.Invalid("version", "api.version.required")
	}
	sv := req.service(cur.Code)
	sv.ID, sv.Version = cur.ID, req.Version
	if _, err := s.st.SaveService(r.Context(), a, sv); err != nil {
		return staleIfConflict(renameFields(err, serviceFieldNames))
	}
	return s.writeService(w, r, cur.Code)
}

// writeService answers with the service as stored now.
func (s *server) writeService(w http.ResponseWriter, r *http.Request, code string) error {
	sv, err := s.st.ServiceByCode(r.Context(), actorOf(r), code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toServiceJSON(sv))
}

// retireService is POST /api/v1/services/{code}/retire (service.admin):
// the service leaves the catalogue; its orders stay.
func (s *server) retireService(w http.ResponseWriter, r *http.Request) error {
	return s.setRetired(w, r, true)
}

// unretireService is POST /api/v1/services/{code}/unretire (service.admin).
func (s *server) unretireService(w http.ResponseWriter, r *http.Request) error {
	return s.setRetired(w, r, false)
}

func (s *server) setRetired(w http.ResponseWriter, r *http.Request, retire bool) error {
	a := actorOf(r)
	cur, err := s.st.ServiceByCode(r.Context(), a, r.PathValue("code"))
	if err != nil {
		return err
	}
	if cur.Retired != retire {
		if err := s.st.RetireService(r.Context(), a, cur.Code, retire); err != nil {
			return err
		}
	}
	return s.writeService(w, r, cur.Code)
}

// routeJSON is an entry of the responsibility map: area × service → unit.
// An entry without a service is the area's fallback for any service.
type routeJSON struct {
	ID          int64  `json:"id"`
	AreaID      int64  `json:"area_id"`
	AreaName    string `json:"area_name"`
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	UnitID      int64  `json:"unit_id"`
	UnitName    string `json:"unit_name"`
}

func toRouteJSON(rt store.Route) routeJSON {
	return routeJSON{ID: rt.ID, AreaID: rt.AreaID, AreaName: rt.AreaName, ServiceCode: rt.ServiceCode, ServiceName: rt.ServiceName,
		UnitID: rt.UnitID, UnitName: rt.UnitName}
}

// setRouteRequest is the body of PUT /api/v1/routes.
type setRouteRequest struct {
	AreaID      int64  `json:"area_id"`
	ServiceCode string `json:"service_code"`
	UnitID      int64  `json:"unit_id"`
}

var routeFieldNames = map[string]string{"service": "service_code", "unit": "unit_id"}

// listRoutes is GET /api/v1/routes: the map inside the caller's scope
// (service admins and intake staff).
func (s *server) listRoutes(w http.ResponseWriter, r *http.Request) error {
	rts, err := s.st.Routes(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	out := page[routeJSON]{Items: make([]routeJSON, 0, len(rts))}
	for _, rt := range rts {
		out.Items = append(out.Items, toRouteJSON(rt))
	}
	return writeJSON(w, http.StatusOK, out)
}

// findRoute is the map's entry for area × service ("" for any service).
func (s *server) findRoute(r *http.Request, areaID int64, code string) (store.Route, error) {
	rts, err := s.st.Routes(r.Context(), actorOf(r))
	if err != nil {
		return store.Route{}, err
	}
	for _, rt := range rts {
		if rt.AreaID == areaID && rt.ServiceCode == code {
			return rt, nil
		}
	}
	return store.Route{}, linli.ErrNotFound
}

// setRoute is PUT /api/v1/routes (service.admin): maps an area in scope
// and a service (none: any service) to a unit, replacing the entry for
// the same pair.
func (s *server) setRoute(w http.ResponseWriter, r *http.Request) error {
	var req setRouteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.st.SetRoute(r.Context(), actorOf(r), req.AreaID, req.ServiceCode, req.UnitID); err != nil {
		return renameFields(err, routeFieldNames)
	}
	rt, err := s.findRoute(r, req.AreaID, req.ServiceCode)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toRouteJSON(rt))
}

// deleteRoute is DELETE /api/v1/routes?area_id=&service_code= (service.admin):
// removes the entry of the pair (no service_code: the area's fallback).
func (s *server) deleteRoute(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	areaID := p.id("area_id")
	if areaID == 0 && !p.v.Has("area_id") {
		p.v.Add("area_id", "field.required")
	}
	if err := p.err(); err != nil {
		return err
	}
	rt, err := s.findRoute(r, areaID, p.str("service_code"))
	if err != nil {
		return err
	}
	if err := s.st.DeleteRoute(r.Context(), actorOf(r), rt.ID); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
