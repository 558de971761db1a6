package open311

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The catalogue as Open311 sees it: the public services that are not
// retired and not on the negative list (those are refused at intake with a
// referral, so offering them would only produce errors).
func (s *server) catalogue(ctx context.Context) ([]linli.Service, error) {
	all, err := s.st.Services(ctx, linli.Actor{}, store.ServiceFilter{})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, sv := range all {
		if sv.Duty != linli.DutyNegative {
			out = append(out, sv)
		}
	}
	return out, nil
}

// service is one service of the Open311 catalogue, or errNoService.
func (s *server) service(ctx context.Context, code string) (linli.Service, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return linli.Service{}, errNoService
	}
	sv, err := s.st.ServiceByCode(ctx, linli.Actor{}, code)
	if err != nil || sv.Retired || sv.Duty == linli.DutyNegative {
		if err == nil || errors.Is(err, linli.ErrNotFound) {
			return linli.Service{}, errNoService
		}
		return linli.Service{}, err
	}
	return sv, nil
}

// batch reports whether a service answers a POST with a token. Services
// of assistance to government (协助政府事项, duty "assist") are batch: the
// matter belongs to a government department that may take it up in its own
// system, so the interface promises a token rather than an id. Today the
// order is created at once and its token resolves at once.
func batch(sv linli.Service) bool { return sv.Duty == linli.DutyAssist }

func serviceType(sv linli.Service) string {
	if batch(sv) {
		return "batch"
	}
	return "realtime"
}

// name, description: the request's language, Chinese by default.
func (c *call) name(sv linli.Service) string {
	if c.p.Lang == "en" && sv.NameEn != "" {
		return sv.NameEn
	}
	return sv.NameZh
}

func (c *call) description(sv linli.Service) string {
	d := sv.Description
	if c.p.Lang == "en" && sv.DescriptionEn != "" {
		d = sv.DescriptionEn
	}
	if strings.TrimSpace(d) == "" {
		d = c.name(sv) // clients expect a non-empty description
	}
	return d
}

func (s *server) discovery(w http.ResponseWriter, r *http.Request, c *call) error {
	changed, err := s.st.Open311Changeset(r.Context())
	if err != nil {
		return err
	}
	if changed.IsZero() {
		changed = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	url := s.endpointURL(r)
	return write(w, c.format, http.StatusOK, doc{root: "discovery", body: obj{
		{"changeset", changed},
		{"contact", c.p.T("open311.discovery.contact")},
		{"key_service", c.p.T("open311.discovery.key_service")},
		{"endpoints", list{item: "endpoint", elems: []any{obj{
			{"specification", Specification},
			{"url", url},
			{"changeset", changed},
			{"type", s.endpoint},
			{"formats", list{item: "format", elems: []any{"text/xml", "application/json"}}},
		}}}},
	}})
}

func (s *server) serviceList(w http.ResponseWriter, r *http.Request, c *call) error {
	svs, err := s.catalogue(r.Context())
	if err != nil {
		return err
	}
	l := list{item: "service", elems: []any{}}
	for _, sv := range svs {
		l.elems = append(l.elems, obj{
			{"service_code", sv.Code},
			{"service_name", c.name(sv)},
			{"description", c.description(sv)},
			{"metadata", len(sv.Attrs) > 0},
			{"type", serviceType(sv)},
			{"keywords", orNil(strings.Join(sv.Keywords, ","))},
			{"group", groupName(c.p, sv.Group)},
		})
	}
	return write(w, c.format, http.StatusOK, doc{root: "services", body: l})
}

// serviceDefinition answers for every service of the list; a service
// without attributes (metadata false) has an empty attribute list. The
// order of the attributes is renumbered 1…n in form order, so that it is
// unique and positive as the specification wants.
func (s *server) serviceDefinition(w http.ResponseWriter, r *http.Request, c *call) error {
	sv, err := s.service(r.Context(), c.params["service_code"])
	if err != nil {
		return err
	}
	attrs := list{item: "attribute", elems: []any{}}
	for i, a := range sv.SortedAttrs() {
		desc := a.Description
		if c.p.Lang == "en" && a.DescriptionEn != "" {
			desc = a.DescriptionEn
		}
		o := obj{
			{"variable", a.Variable},
			{"code", a.Code},
			{"datatype", string(a.Datatype)},
			{"required", a.Required && a.Variable},
			{"datatype_description", orNil(a.Help)},
			{"order", i + 1},
			{"description", desc},
		}
		if a.Datatype == linli.AttrSingleValue || a.Datatype == linli.AttrMultiValue {
			vals := list{item: "value", elems: []any{}}
			for _, v := range a.Values {
				name := v.Name
				if c.p.Lang == "en" && v.NameEn != "" {
					name = v.NameEn
				}
				vals.elems = append(vals.elems, obj{{"key", v.Key}, {"name", name}})
			}
			o = append(o, field{"values", vals})
		}
		attrs.elems = append(attrs.elems, o)
	}
	return write(w, c.format, http.StatusOK, doc{root: "service_definition", body: obj{
		{"service_code", sv.Code},
		{"attributes", attrs},
	}})
}
