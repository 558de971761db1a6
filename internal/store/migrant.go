package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/codes"
)

// Migrants (流动人口): residence registrations (居住登记) with arrival,
// reason, origin, expected stay, landlord and employer, renewal and expiry.
// A registration follows its person's grid; moving out or death ends it.

// MigrantInput is a new residence registration.
type MigrantInput struct {
	ArrivalDate        time.Time
	Reason             string // linli.MigrantReasons
	OriginRegion       string // place of origin: a GB/T 2260 code or a name that resolves to one (codes.ResolveRegion)
	ExpectedStayMonths int
	Landlord           string
	Employer           string
	ExpiresAt          time.Time // a date; default a year after registration
}

// Migrant is a residence registration.
type Migrant struct {
	ID                 int64
	PersonID           int64
	Name               string
	GridID             int64
	Path               string
	ArrivalDate        time.Time
	Reason             string
	OriginRegion       string // a GB/T 2260 code (free text in registrations from before codes were checked)
	OriginName         string // the code's full name, "四川省 成都市 锦江区"; "" when OriginRegion is not a known code
	ExpectedStayMonths int
	Landlord           string
	Employer           string
	RegisteredAt       time.Time
	ExpiresAt          time.Time
	RenewedAt          time.Time
	EndedAt            time.Time
}

const migrantCols = `m.id, m.person_id, p.name, p.grid_id, m.path, m.arrival_date, m.reason, m.origin_region, m.expected_stay_months,
	m.landlord, m.employer, m.registered_at, m.expires_at, m.renewed_at, m.ended_at`

func scanMigrant(r scanner) (Migrant, error) {
	var m Migrant
	err := r.Scan(&m.ID, &m.PersonID, &m.Name, &m.GridID, &m.Path, dt{&m.ArrivalDate}, &m.Reason, &m.OriginRegion, &m.ExpectedStayMonths,
		&m.Landlord, &m.Employer, tm{&m.RegisteredAt}, dt{&m.ExpiresAt}, tm{&m.RenewedAt}, tm{&m.EndedAt})
	m.OriginName = codes.RegionName(m.OriginRegion)
	return m, err
}

// RegisterMigrant records a residence registration of a living migrant
// (registration type "migrant") of the actor's scope. A person has at most
// one open registration.
func (s *Store) RegisterMigrant(ctx context.Context, a linli.Actor, personID int64, in MigrantInput) (Migrant, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Migrant{}, linli.ErrForbidden
	}
	in.Reason = strings.TrimSpace(in.Reason)
	today := dateOf(s.now())
	expires, err := checkMigrant(&in, today)
	if err != nil {
		return Migrant{}, err
	}
	var out Migrant
	err = s.write(ctx, func(tx *Tx) error {
		p, err := tx.person(a, personID)
		if err != nil {
			return err
		}
		if p.Status != linli.StatusLiving || p.RegType != linli.RegMigrant {
			return linli.Invalid("person", "migrant.not_migrant")
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM migrant_registrations WHERE person_id = ? AND ended_at IS NULL AND expires_at >= ?`,
			p.ID, dateStr(today)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return linli.Conflict("migrant.already_registered")
		}
		// An expired registration ends when the new one starts.
		if _, err := tx.exec(`UPDATE migrant_registrations SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL`, tx.s.d.t(tx.now), p.ID); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO migrant_registrations (person_id, path, arrival_date, reason, origin_region, expected_stay_months,
			landlord, employer, registered_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Path, dateStr(dateOf(in.ArrivalDate)), in.Reason, in.OriginRegion, in.ExpectedStayMonths, in.Landlord, in.Employer,
			tx.s.d.t(tx.now), dateStr(expires))
		if err != nil {
			return err
		}
		if err := tx.personHistory(p.ID, "migrant.registered", "", dateStr(expires), linli.SourceWorker, "", a.UserID); err != nil {
			return err
		}
		if out, err = scanMigrant(tx.queryRow(`SELECT `+migrantCols+` FROM migrant_registrations m JOIN persons p ON p.id = m.person_id WHERE m.id = ?`, id)); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "migrant.register", "person", p.ID, p.GridID))
	})
	return out, err
}

// RenewMigrant extends an open registration by months (12 when 0) from
// its expiry, or from today when it has expired.
func (s *Store) RenewMigrant(ctx context.Context, a linli.Actor, regID int64, months int) (Migrant, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Migrant{}, linli.ErrForbidden
	}
	if months == 0 {
		months = 12
	}
	if months < 0 || months > 60 {
		return Migrant{}, linli.Invalid("months", "migrant.renew.months")
	}
	var out Migrant
	err := s.write(ctx, func(tx *Tx) error {
		cond, args := scopeCond("m.path", a.Scope)
		m, err := scanMigrant(tx.queryRow(`SELECT `+migrantCols+` FROM migrant_registrations m JOIN persons p ON p.id = m.person_id
			WHERE m.id = ? AND `+cond, append([]any{regID}, args...)...))
		if err != nil {
			return err
		}
		if !m.EndedAt.IsZero() {
			return linli.Conflict("migrant.ended")
		}
		from := m.ExpiresAt
		if today := dateOf(tx.now); from.Before(today) {
			from = today
		}
		exp := from.AddDate(0, months, 0)
		if _, err := tx.exec(`UPDATE migrant_registrations SET expires_at = ?, renewed_at = ? WHERE id = ?`, dateStr(exp), tx.s.d.t(tx.now), m.ID); err != nil {
			return err
		}
		if err := tx.personHistory(m.PersonID, "migrant.renewed", dateStr(m.ExpiresAt), dateStr(exp), linli.SourceWorker, "", a.UserID); err != nil {
			return err
		}
		m.ExpiresAt, m.RenewedAt = exp, tx.now
		out = m
		return tx.audit(auditEvent(a, "migrant.renew", "person", m.PersonID, m.GridID))
	})
	return out, err
}

// Migrants lists a person's registrations, newest first.
func (s *Store) Migrants(ctx context.Context, a linli.Actor, personID int64) ([]Migrant, error) {
	if _, err := s.Person(ctx, a, personID); err != nil {
		return nil, err
	}
	return s.migrants(ctx, `SELECT `+migrantCols+` FROM migrant_registrations m JOIN persons p ON p.id = m.person_id
		WHERE m.person_id = ? ORDER BY m.id DESC`, personID)
}

// MigrantsExpiring lists the open registrations of living people in the
// actor's scope that expire within days from today (already expired ones
// are not included), soonest first: the grid worker's list.
func (s *Store) MigrantsExpiring(ctx context.Context, a linli.Actor, days int) ([]Migrant, error) {
	if !a.Can(linli.PermPersonRead) {
		return nil, linli.ErrNotFound
	}
	today := dateOf(s.now())
	cond, args := scopeCond("m.path", a.Scope)
	return s.migrants(ctx, `SELECT `+migrantCols+` FROM migrant_registrations m JOIN persons p ON p.id = m.person_id
		WHERE m.ended_at IS NULL AND m.expires_at >= ? AND m.expires_at <= ? AND p.status = 'living' AND `+cond+`
		ORDER BY m.expires_at, m.id LIMIT 1000`, append([]any{dateStr(today), dateStr(today.AddDate(0, 0, days))}, args...)...)
}

func (s *Store) migrants(ctx context.Context, q string, args ...any) ([]Migrant, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Migrant
	for rows.Next() {
		m, err := scanMigrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}

// checkOrigin resolves the place of origin to its GB/T 2260 code: a known
// code (a former one too: it may come from an old ID number), or a name of
// a region in use. Empty stays empty.
func checkOrigin(v *linli.ValidationError, origin *string) {
	if *origin == "" {
		return
	}
	r, err := codes.ResolveRegion(*origin)
	var amb *codes.AmbiguousError
	switch {
	case err == nil:
		*origin = r.Code
	case errors.Is(err, codes.ErrUnknownCode):
		v.Add("origin_region", "migrant.origin.unknown_code")
	case errors.As(err, &amb):
		names := make([]string, 0, len(amb.Candidates))
		for i, c := range amb.Candidates {
			if i == 5 {
				names = append(names, "…")
				break
			}
			names = append(names, c.FullName())
		}
		v.Add("origin_region", "migrant.origin.ambiguous", strings.Join(names, "、"))
	default:
		v.Add("origin_region", "migrant.origin.unknown_name")
	}
}

// checkMigrant trims and validates a residence registration and returns its
// expiry (a year after today when none is given).
func checkMigrant(in *MigrantInput, today time.Time) (time.Time, error) {
	in.OriginRegion = strings.TrimSpace(in.OriginRegion)
	in.Landlord = strings.TrimSpace(in.Landlord)
	in.Employer = strings.TrimSpace(in.Employer)
	v := &linli.ValidationError{}
	if in.ArrivalDate.IsZero() || dateOf(in.ArrivalDate).After(today) {
		v.Add("arrival_date", "migrant.arrival.invalid")
	}
	if !slices.Contains(linli.MigrantReasons, in.Reason) {
		v.Add("reason", "migrant.reason.invalid")
	}
	if in.ExpectedStayMonths < 0 || in.ExpectedStayMonths > 600 {
		v.Add("expected_stay_months", "migrant.stay.invalid")
	}
	checkOrigin(v, &in.OriginRegion)
	for f, x := range map[string]string{"landlord": in.Landlord, "employer": in.Employer} {
		if utf8.RuneCountInString(x) > 100 {
			v.Add(f, "migrant.field.too_long", 100)
		}
	}
	expires := dateOf(in.ExpiresAt)
	if expires.IsZero() {
		expires = today.AddDate(1, 0, 0)
	} else if !expires.After(today) {
		v.Add("expires_at", "migrant.expires.past")
	}
	return expires, v.Err()
}
