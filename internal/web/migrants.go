package web

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/codes"
	"github.com/linli-org/linli/internal/store"
)

// The residence registration (居住登记) form of a migrant's person page,
// and the GB/T 2260 names the page shows.

// regionOptions is the picker of the place of origin: every province and
// what lies directly below it (prefectures, the districts of the
// municipalities, the counties a province governs directly), by code,
// about 500 full names for a <datalist>. A county is typed by name or
// code; the store resolves either.
var regionOptions = sync.OnceValue(func() []string {
	var out []string
	for _, p := range codes.RegionChildren("") {
		out = append(out, p.FullName())
		for _, c := range codes.RegionChildren(p.Code) {
			out = append(out, c.FullName())
		}
	}
	return out
})

// migrantFields are the fields of the registration form.
var migrantFields = []string{"arrival_date", "reason", "origin_region", "expected_stay_months", "landlord", "employer", "expires_at"}

// fillMigrantParts sets what the person page needs for registrations: the
// form when the person is a living migrant without a registration in
// force, and the name of the region that issued their ID number.
func fillMigrantParts(pg *PersonShowPage, revealedField, revealedValue string) {
	pr := pg.Person
	if pg.CanWrite && pg.Living && pr.RegType == linli.RegMigrant {
		today := time.Now().In(shanghai).Format("2006-01-02")
		open := false
		for _, m := range pg.Migrants {
			if m.EndedAt.IsZero() && m.ExpiresAt.Format("2006-01-02") >= today {
				open = true
			}
		}
		if !open {
			pg.CanRegisterMigrant = true
			pg.RegionOptions = regionOptions()
		}
	}
	if pr.IDType == linli.IDResident {
		// The masked number keeps four digits, so the page names the
		// prefecture; a revealed number names the county.
		code := ""
		switch {
		case revealedField == store.RevealIDNumber && len(revealedValue) >= 6:
			code = revealedValue[:6]
		case len(pr.IDMasked) >= 4:
			code = pr.IDMasked[:4] + "00"
		}
		if r, ok := codes.NearestRegion(code); ok {
			pg.IDRegion = r.FullName()
		}
	}
}

// personMigrantRegister is the registration form: the store checks the
// person (a living migrant of the actor's scope without a registration in
// force) and resolves the place of origin to its GB/T 2260 code.
func (s *Server) personMigrantRegister(w http.ResponseWriter, r *http.Request) error {
	return s.personAction(w, r, "migrant", migrantFields, "personpage.migrant.registered", func(a linli.Actor, id int64, f Form, p Page) error {
		in := store.MigrantInput{Reason: f.Values["reason"], OriginRegion: f.Values["origin_region"],
			Landlord: f.Values["landlord"], Employer: f.Values["employer"]}
		var ok bool
		if in.ArrivalDate, ok = regDate(f.Values["arrival_date"]); !ok {
			f.Errors["arrival_date"] = p.T("personpage.date.invalid")
		}
		if in.ExpiresAt, ok = regDate(f.Values["expires_at"]); !ok {
			f.Errors["expires_at"] = p.T("personpage.date.invalid")
		}
		if v := f.Values["expected_stay_months"]; v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				f.Errors["expected_stay_months"] = p.T("migrant.stay.invalid")
			}
			in.ExpectedStayMonths = n
		}
		if len(f.Errors) > 0 {
			return nil
		}
		_, err := s.st.RegisterMigrant(r.Context(), a, id, in)
		return err
	})
}
