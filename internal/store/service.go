package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linli-org/linli"
)

// The service catalogue (linli.Service) and the responsibility map. The
// catalogue is public: anyone may read public services (residents pick
// from it, Open311 lists it); private services are read by staff.

const serviceCols = `id, code, name_zh, name_en, grp, description, description_en, keywords, materials, who_may_apply, duty,
	authority, funding, referral, certificate, cert_template, cert_days, COALESCE(default_unit_id, 0), attrs, deadlines, answers,
	public, anonymous, reopen_on_bad, retired_at, version`

func scanService(r scanner) (linli.Service, error) {
	var sv linli.Service
	var keywords, materials, attrs, deadlines, answers string
	var cert, public, anon, reopen int
	var retired time.Time
	err := r.Scan(&sv.ID, &sv.Code, &sv.NameZh, &sv.NameEn, &sv.Group, &sv.Description, &sv.DescriptionEn, &keywords, &materials,
		&sv.WhoMayApply, &sv.Duty, &sv.Authority, &sv.Funding, &sv.Referral, &cert, &sv.CertTemplate, &sv.CertDays, &sv.DefaultUnitID,
		&attrs, &deadlines, &answers, &public, &anon, &reopen, tm{&retired}, &sv.Version)
	if err != nil {
		return sv, err
	}
	sv.Certificate, sv.Public, sv.Anonymous, sv.ReopenOnBad, sv.Retired = cert != 0, public != 0, anon != 0, reopen != 0, !retired.IsZero()
	for _, f := range []struct {
		col string
		to  any
	}{{keywords, &sv.Keywords}, {materials, &sv.Materials}, {attrs, &sv.Attrs}, {deadlines, &sv.Deadlines}, {answers, &sv.Answers}} {
		if err := json.Unmarshal([]byte(f.col), f.to); err != nil {
			return sv, fmt.Errorf("store: service %s: %w", sv.Code, err)
		}
	}
	return sv, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data is marshalled here
	}
	return string(b)
}

// ServiceFilter narrows the catalogue.
type ServiceFilter struct {
	Group         string
	Text          string // in the names, keywords or description
	IncludePriv   bool   // private services too (staff)
	IncludeRetire bool
}

// Services lists the catalogue by group and code. Private services are
// listed only for staff who take requests or administer the catalogue.
func (s *Store) Services(ctx context.Context, a linli.Actor, f ServiceFilter) ([]linli.Service, error) {
	where := []string{"1 = 1"}
	var args []any
	if !f.IncludeRetire {
		where = append(where, "retired_at IS NULL")
	}
	if !f.IncludePriv || !(a.Can(linli.PermWOIntake) || a.Can(linli.PermServiceAdmin) || a.Can(linli.PermWORead)) {
		where = append(where, "public = 1")
	}
	if f.Group != "" {
		where = append(where, "grp = ?")
		args = append(args, f.Group)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := "%" + escapeLike(t) + "%"
		where = append(where, `(name_zh LIKE ? ESCAPE '\' OR LOWER(name_en) LIKE LOWER(?) ESCAPE '\' OR keywords LIKE ? ESCAPE '\' OR description LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like, like)
	}
	rows, err := s.query(ctx, `SELECT `+serviceCols+` FROM services WHERE `+strings.Join(where, " AND ")+` ORDER BY grp, code`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.Service
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// ServiceByCode returns a service. A private or retired one is not found
// for those who may not see it.
func (s *Store) ServiceByCode(ctx context.Context, a linli.Actor, code string) (linli.Service, error) {
	sv, err := scanService(s.queryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE code = ?`, code))
	if err != nil {
		return sv, s.mapErr(err)
	}
	if !sv.Public && !(a.Can(linli.PermWOIntake) || a.Can(linli.PermServiceAdmin) || a.Can(linli.PermWORead)) {
		return linli.Service{}, linli.ErrNotFound
	}
	return sv, nil
}

// svcCache keeps catalogue entries for a short while: every work-order
// transaction reads its service (deadlines, rules), and parsing its JSON
// each time was a tenth of the transaction. Writes through this store
// clear it; another process's edit is seen within svcTTL.
type svcCache struct {
	m sync.Map // "c:"+code or "i:"+id → svcEntry
}

type svcEntry struct {
	sv linli.Service
	at time.Time
}

const svcTTL = 30 * time.Second

func (c *svcCache) get(key string) (linli.Service, bool) {
	v, ok := c.m.Load(key)
	if !ok || time.Since(v.(svcEntry).at) > svcTTL {
		return linli.Service{}, false
	}
	return v.(svcEntry).sv, true
}

func (c *svcCache) put(sv linli.Service) {
	e := svcEntry{sv: sv, at: time.Now()}
	c.m.Store("c:"+sv.Code, e)
	c.m.Store("i:"+strconv.FormatInt(sv.ID, 10), e)
}

func (tx *Tx) serviceByCode(code string) (linli.Service, error) {
	if sv, ok := tx.s.svc.get("c:" + code); ok {
		return sv, nil
	}
	sv, err := scanService(tx.queryRow(`SELECT `+serviceCols+` FROM services WHERE code = ?`, code))
	if err == nil {
		tx.s.svc.put(sv)
	}
	return sv, err
}

func (tx *Tx) serviceByID(id int64) (linli.Service, error) {
	if sv, ok := tx.s.svc.get("i:" + strconv.FormatInt(id, 10)); ok {
		return sv, nil
	}
	sv, err := scanService(tx.queryRow(`SELECT `+serviceCols+` FROM services WHERE id = ?`, id))
	if err == nil {
		tx.s.svc.put(sv)
	}
	return sv, err
}

// SaveService creates a service (ID 0) or updates one (by ID, checking
// Version). Only service admins.
func (s *Store) SaveService(ctx context.Context, a linli.Actor, sv linli.Service) (linli.Service, error) {
	if !a.Can(linli.PermServiceAdmin) {
		return sv, linli.ErrForbidden
	}
	sv.Code = strings.TrimSpace(sv.Code)
	sv.NameZh, sv.NameEn = strings.TrimSpace(sv.NameZh), strings.TrimSpace(sv.NameEn)
	if v := sv.Validate(); len(v.Fields) > 0 {
		return sv, v
	}
	err := s.write(ctx, func(tx *Tx) error {
		return tx.saveService(a, &sv)
	})
	s.svc.m.Clear()
	return sv, err
}

func (tx *Tx) saveService(a linli.Actor, sv *linli.Service) error {
	if sv.DefaultUnitID != 0 {
		var one int
		if err := tx.queryRow(`SELECT 1 FROM org_units WHERE id = ?`, sv.DefaultUnitID).Scan(&one); err != nil {
			return linli.Invalid("default_unit", "service.unit.not_found")
		}
	}
	now := tx.s.d.t(tx.now)
	vals := []any{sv.NameZh, sv.NameEn, sv.Group, sv.Description, sv.DescriptionEn, mustJSON(nonNil(sv.Keywords)), mustJSON(nonNil(sv.Materials)),
		sv.WhoMayApply, string(sv.Duty), sv.Authority, sv.Funding, sv.Referral, b2i(sv.Certificate), sv.CertTemplate, sv.CertDays,
		nullInt(sv.DefaultUnitID), mustJSON(nonNilAttrs(sv.Attrs)), mustJSON(sv.Deadlines), mustJSON(nonNilAnswers(sv.Answers)),
		b2i(sv.Public), b2i(sv.Anonymous), b2i(sv.ReopenOnBad)}
	action := "service.update"
	if sv.ID == 0 {
		id, err := tx.insert(`INSERT INTO services (name_zh, name_en, grp, description, description_en, keywords, materials, who_may_apply,
			duty, authority, funding, referral, certificate, cert_template, cert_days, default_unit_id, attrs, deadlines, answers, public,
			anonymous, reopen_on_bad, code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(vals, sv.Code, now, now)...)
		if err != nil {
			if errors.Is(tx.s.mapErr(err), linli.ErrConflict) {
				return linli.Invalid("code", "service.code.taken")
			}
			return err
		}
		sv.ID, sv.Version, action = id, 1, "service.create"
	} else {
		res, err := tx.exec(`UPDATE services SET name_zh = ?, name_en = ?, grp = ?, description = ?, description_en = ?, keywords = ?,
			materials = ?, who_may_apply = ?, duty = ?, authority = ?, funding = ?, referral = ?, certificate = ?, cert_template = ?,
			cert_days = ?, default_unit_id = ?, attrs = ?, deadlines = ?, answers = ?, public = ?, anonymous = ?, reopen_on_bad = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND (version = ? OR ? = 0)`,
			append(vals, now, sv.ID, sv.Version, sv.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.ErrConflict
		}
		sv.Version++
	}
	return tx.audit(auditEvent(a, action, "service", sv.Code, 0))
}

// RetireService takes a service out of the catalogue (or back in).
func (s *Store) RetireService(ctx context.Context, a linli.Actor, code string, retire bool) error {
	if !a.Can(linli.PermServiceAdmin) {
		return linli.ErrForbidden
	}
	defer s.svc.m.Clear()
	return s.write(ctx, func(tx *Tx) error {
		var at any
		action := "service.restore"
		if retire {
			at, action = tx.s.d.t(tx.now), "service.retire"
		}
		res, err := tx.exec(`UPDATE services SET retired_at = ?, updated_at = ?, version = version + 1 WHERE code = ?`, at, tx.s.d.t(tx.now), code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.ErrNotFound
		}
		return tx.audit(auditEvent(a, action, "service", code, 0))
	})
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nonNilAttrs(v []linli.ServiceAttr) []linli.ServiceAttr {
	if v == nil {
		return []linli.ServiceAttr{}
	}
	return v
}

func nonNilAnswers(v []linli.KBAnswer) []linli.KBAnswer {
	if v == nil {
		return []linli.KBAnswer{}
	}
	return v
}

// Route is an entry of the responsibility map.
type Route struct {
	ID          int64
	AreaID      int64
	AreaName    string
	Path        string
	ServiceID   int64 // 0: any service
	ServiceCode string
	ServiceName string
	UnitID      int64
	UnitName    string
}

// Routes lists the map inside the actor's scope.
func (s *Store) Routes(ctx context.Context, a linli.Actor) ([]Route, error) {
	if !a.Can(linli.PermServiceAdmin) && !a.Can(linli.PermWOIntake) {
		return nil, linli.ErrForbidden
	}
	cond, args := scopeCond("r.path", a.Scope)
	rows, err := s.query(ctx, `SELECT r.id, r.area_id, ar.name, r.path, COALESCE(r.service_id, 0), COALESCE(sv.code, ''), COALESCE(sv.name_zh, ''),
		r.unit_id, u.name FROM service_routes r JOIN areas ar ON ar.id = r.area_id JOIN org_units u ON u.id = r.unit_id
		LEFT JOIN services sv ON sv.id = r.service_id WHERE `+cond+` ORDER BY r.path, sv.code`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Route
	for rows.Next() {
		var r Route
		if err := rows.Scan(&r.ID, &r.AreaID, &r.AreaName, &r.Path, &r.ServiceID, &r.ServiceCode, &r.ServiceName, &r.UnitID, &r.UnitName); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRoute maps area × service (code "" for any service) to a unit,
// replacing an earlier entry for the same pair.
func (s *Store) SetRoute(ctx context.Context, a linli.Actor, areaID int64, serviceCode string, unitID int64) error {
	if !a.Can(linli.PermServiceAdmin) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		ar, err := tx.area(a, areaID)
		if err != nil {
			return linli.Invalid("area", "route.area.not_found")
		}
		var svID any
		if serviceCode != "" {
			sv, err := tx.serviceByCode(serviceCode)
			if err != nil {
				return linli.Invalid("service", "wo.service.unknown")
			}
			svID = sv.ID
		}
		var one int
		if err := tx.queryRow(`SELECT 1 FROM org_units WHERE id = ?`, unitID).Scan(&one); err != nil {
			return linli.Invalid("unit", "service.unit.not_found")
		}
		if svID == nil {
			_, err = tx.exec(`DELETE FROM service_routes WHERE area_id = ? AND service_id IS NULL`, ar.ID)
		} else {
			_, err = tx.exec(`DELETE FROM service_routes WHERE area_id = ? AND service_id = ?`, ar.ID, svID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO service_routes (area_id, path, service_id, unit_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			ar.ID, ar.Path, svID, unitID, tx.s.d.t(tx.now)); err != nil {
			return err
		}
		ev := auditEvent(a, "route.set", "service_route", ar.ID, ar.ID)
		ev.Detail = "service=" + serviceCode
		return tx.audit(ev)
	})
}

// DeleteRoute removes an entry of the map.
func (s *Store) DeleteRoute(ctx context.Context, a linli.Actor, id int64) error {
	if !a.Can(linli.PermServiceAdmin) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		cond, args := scopeCond("path", a.Scope)
		res, err := tx.exec(`DELETE FROM service_routes WHERE id = ? AND `+cond, append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.ErrNotFound
		}
		return tx.audit(auditEvent(a, "route.delete", "service_route", id, 0))
	})
}

// routeSQL is the query that suggests the unit for a service at an area
// path: the most specific map entry for the service, then the most
// specific entry for any service. No row: the service's default unit.
func routeSQL(svID int64, path string) (string, []any) {
	prefixes := pathPrefixes(path)
	if len(prefixes) == 0 {
		prefixes = []string{path}
	}
	args := make([]any, 0, len(prefixes)+1)
	for _, p := range prefixes {
		args = append(args, p)
	}
	return `SELECT unit_id FROM service_routes WHERE path IN (?` + strings.Repeat(", ?", len(prefixes)-1) + `) AND (service_id = ? OR service_id IS NULL)
		ORDER BY CASE WHEN service_id IS NULL THEN 1 ELSE 0 END, LENGTH(path) DESC LIMIT 1`, append(args, svID)
}

func (tx *Tx) routeUnit(sv linli.Service, path string) (int64, error) {
	q, args := routeSQL(sv.ID, path)
	var unit int64
	err := tx.queryRow(q, args...).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return sv.DefaultUnitID, nil
	}
	return unit, err
}

// pathPrefixes lists "/1/", "/1/4/", "/1/4/9/" for "/1/4/9/".
func pathPrefixes(p string) []string {
	var out []string
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i+1])
		}
	}
	return out
}

// SuggestUnit is the unit the map suggests for a service at an area.
func (s *Store) SuggestUnit(ctx context.Context, a linli.Actor, serviceCode string, areaID int64) (linli.OrgUnit, error) {
	var u linli.OrgUnit
	sv, err := scanService(s.queryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE code = ?`, serviceCode))
	if err != nil {
		return u, s.mapErr(err)
	}
	var path string
	if err := s.queryRow(ctx, `SELECT path FROM areas WHERE id = ?`, areaID).Scan(&path); err != nil {
		return u, s.mapErr(err)
	}
	q, args := routeSQL(sv.ID, path)
	id := sv.DefaultUnitID
	if err := s.queryRow(ctx, q, args...).Scan(&id); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, s.mapErr(err)
	}
	if id == 0 {
		return u, linli.ErrNotFound
	}
	err = s.queryRow(ctx, `SELECT id, name, kind, area_id FROM org_units WHERE id = ?`, id).Scan(&u.ID, &u.Name, &u.Kind, &u.AreaID)
	return u, s.mapErr(err)
}
