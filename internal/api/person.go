package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/linli-org/linli"
)

// The registry's residents. Everything here is masked: ID numbers and
// phones appear only as id_masked and phone(s)_masked; showing them in full
// is the reveal action of the web interface, with a purpose and an audit
// record. A person outside the caller's scope does not exist (404), and
// every handler that addresses one loads it in scope before it reads the
// request body, so that a 404 comes before any validation.

// cst is China Standard Time: registry dates are calendar dates in Beijing.
var cst = time.FixedZone("CST", 8*3600)

const dateLayout = "2006-01-02"

// today is the calendar date in Beijing by the store's clock.
func (s *server) today() time.Time {
	y, m, d := s.st.Now().In(cst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// optDate is nil for the zero time (JSON null), else "YYYY-MM-DD".
func optDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(dateLayout)
	return &s
}

// ageOn is the age in whole years on day, nil when the birth date is unknown.
func ageOn(birth, day time.Time) *int {
	if birth.IsZero() {
		return nil
	}
	n := linli.AgeOn(birth, day)
	return &n
}

// parseDate reads a date member: "YYYY-MM-DD" (a calendar date) or an
// RFC 3339 time (its date in Beijing, which the store takes). "" is zero.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(dateLayout, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// personItemJSON is one line of a search: masked, never a full ID or phone.
type personItemJSON struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Gender      string  `json:"gender"`
	BirthDate   *string `json:"birth_date"`
	Age         *int    `json:"age"`
	IDType      string  `json:"id_type"`
	IDMasked    string  `json:"id_masked"`
	PhoneMasked string  `json:"phone_masked"`
	RegType     string  `json:"reg_type"`
	Status      string  `json:"status"`
	GridID      int64   `json:"grid_id"`
	Address     string  `json:"address"`
	HouseholdID *int64  `json:"household_id"`
	Version     int64   `json:"version"`
}

func toPersonItemJSON(p linli.Person, today time.Time) personItemJSON {
	out := personItemJSON{ID: p.ID, Name: p.Name, Gender: p.Gender, BirthDate: optDate(p.BirthDate), Age: ageOn(p.BirthDate, today),
		IDType: p.IDType, IDMasked: p.IDMasked, RegType: p.RegType, Status: p.Status, GridID: p.GridID, Address: p.Address,
		HouseholdID: optID(p.HouseholdID), Version: p.Version}
	if len(p.PhoneMasked) > 0 {
		out.PhoneMasked = p.PhoneMasked[0]
	}
	return out
}

// sourceJSON is where a field's value came from (collect once).
type sourceJSON struct {
	Source string    `json:"source"`
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
}

// personJSON is one resident, masked.
type personJSON struct {
	ID           int64                 `json:"id"`
	Name         string                `json:"name"`
	Gender       string                `json:"gender"`
	BirthDate    *string               `json:"birth_date"`
	Age          *int                  `json:"age"`
	IDType       string                `json:"id_type"`
	IDMasked     string                `json:"id_masked"`
	PhonesMasked []string              `json:"phones_masked"`
	Ethnicity    string                `json:"ethnicity"`
	Education    string                `json:"education"`
	Employment   string                `json:"employment"`
	Political    string                `json:"political"`
	RegType      string                `json:"reg_type"`
	Status       string                `json:"status"`
	StatusDate   *string               `json:"status_date"`
	GridID       int64                 `json:"grid_id"`
	RoomID       *int64                `json:"room_id"`
	Address      string                `json:"address"`
	HouseholdID  *int64                `json:"household_id"`
	Sources      map[string]sourceJSON `json:"sources"`
	Version      int64                 `json:"version"`
	CreatedAt    time.Time             `json:"created_at"`
	UpdatedAt    time.Time             `json:"updated_at"`
}

func toPersonJSON(p linli.Person, today time.Time) personJSON {
	out := personJSON{ID: p.ID, Name: p.Name, Gender: p.Gender, BirthDate: optDate(p.BirthDate), Age: ageOn(p.BirthDate, today),
		IDType: p.IDType, IDMasked: p.IDMasked, PhonesMasked: append([]string{}, p.PhoneMasked...), Ethnicity: p.Ethnicity,
		Education: p.Education, Employment: p.Employment, Political: p.Political, RegType: p.RegType, Status: p.Status,
		StatusDate: optDate(p.StatusDate), GridID: p.GridID, RoomID: optID(p.RoomID), Address: p.Address,
		HouseholdID: optID(p.HouseholdID), Sources: map[string]sourceJSON{}, Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for f, src := range p.Sources {
		out.Sources[f] = sourceJSON{Source: src.Source, Note: src.Note, At: src.At.UTC()}
	}
	return out
}

// personRequest is the body of POST /api/v1/persons: a linli.PersonInput.
// A resident ID gives birth date and gender when they are left out.
type personRequest struct {
	Name             string   `json:"name"`
	Gender           string   `json:"gender"`
	BirthDate        string   `json:"birth_date"`
	IDType           string   `json:"id_type"`
	IDNumber         string   `json:"id_number"`
	Phones           []string `json:"phones"`
	Ethnicity        string   `json:"ethnicity"`
	Education        string   `json:"education"`
	Employment       string   `json:"employment"`
	Political        string   `json:"political"`
	RegType          string   `json:"reg_type"`
	GridID           int64    `json:"grid_id"`
	RoomID           int64    `json:"room_id"`
	Address          string   `json:"address"`
	Source           string   `json:"source"`
	SourceNote       string   `json:"source_note"`
	ConfirmDuplicate bool     `json:"confirm_duplicate"`
}

// updatePersonRequest is the body of PATCH /api/v1/persons/{id}: the whole
// input (a member left out is cleared) and the version read.
type updatePersonRequest struct {
	personRequest
	Version int64 `json:"version"`
}

// input checks what the store cannot (the date format, the source) and
// builds the domain input.
func (req personRequest) input() (linli.PersonInput, error) {
	v := &linli.ValidationError{}
	birth, ok := parseDate(req.BirthDate)
	if !ok {
		v.Add("birth_date", "person.birth_date.invalid")
	}
	switch req.Source {
	case "", linli.SourceSelf, linli.SourceWorker, linli.SourceImport:
	default:
		v.Add("source", "error.invalid")
	}
	if err := v.Err(); err != nil {
		return linli.PersonInput{}, err
	}
	return linli.PersonInput{
		Name: req.Name, Gender: req.Gender, BirthDate: birth, IDType: req.IDType, IDNumber: req.IDNumber,
		Phones: req.Phones, Ethnicity: req.Ethnicity, Education: req.Education, Employment: req.Employment,
		Political: req.Political, RegType: req.RegType, GridID: req.GridID, RoomID: req.RoomID, Address: req.Address,
		Source: req.Source, SourceNote: req.SourceNote, ConfirmDuplicate: req.ConfirmDuplicate,
	}, nil
}

// personInScope loads the person that the request's {id} names, in the
// caller's scope.
func (s *server) personInScope(r *http.Request) (linli.Person, error) {
	id, err := pathID(r)
	if err != nil {
		return linli.Person{}, err
	}
	return s.st.Person(r.Context(), actorOf(r), id)
}

func personLocation(id int64) string { return "/api/v1/persons/" + strconv.FormatInt(id, 10) }

// count reads an optional non-negative integer (0 when absent).
func (p *params) count(name string) int {
	s := p.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 200 {
		p.v.Add(name, "api.limit.range", 0, 200)
		return 0
	}
	return n
}

// searchPersons is GET /api/v1/persons: the registry search, in id order,
// a page at a time. The cursor is the id of the last person shown.
func (s *server) searchPersons(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	q := linli.PersonQuery{
		Text: p.str("q"), AreaID: p.id("area_id"), TagCode: p.str("tag"), AgeMin: p.count("age_min"), AgeMax: p.count("age_max"),
		RegType: p.str("reg_type"), Status: p.str("status"),
	}
	if q.RegType != "" && !slices.Contains(linli.RegTypes, q.RegType) {
		p.v.Add("reg_type", "person.reg_type.invalid")
	}
	if q.Status != "" && !slices.Contains([]string{linli.StatusLiving, linli.StatusMovedOut, linli.StatusDeceased}, q.Status) {
		p.v.Add("status", "error.invalid")
	}
	limit := p.limit()
	q.AfterID = p.cursor()
	if err := p.err(); err != nil {
		return err
	}
	// One more than the page tells whether there is a next one; the store
	// returns at most maxLimit, so a full page of maxLimit always has a
	// cursor (the next page may then be empty).
	q.Limit = min(limit+1, maxLimit)
	q.Today = s.today()
	found, err := s.st.SearchPersons(r.Context(), actorOf(r), q)
	switch {
	case errors.Is(err, linli.ErrNotFound) && q.AreaID != 0:
		found = nil // an area outside the scope holds no one the caller may see
	case err != nil:
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(found, limit, q.Limit,
		func(pr linli.Person) personItemJSON { return toPersonItemJSON(pr, q.Today) }, func(pr linli.Person) int64 { return pr.ID }))
}

// getPerson is GET /api/v1/persons/{id}.
func (s *server) getPerson(w http.ResponseWriter, r *http.Request) error {
	pr, err := s.personInScope(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPersonJSON(pr, s.today()))
}

// createPerson is POST /api/v1/persons. A second person with the same ID
// number is a 409 (person.duplicate_id with existing_id when the existing
// person is in scope, person.duplicate_id_hidden otherwise); the same name
// and birth date in the community is a 409 person.possible_duplicate until
// the client sends confirm_duplicate.
func (s *server) createPerson(w http.ResponseWriter, r *http.Request) error {
	var req personRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	pr, err := s.st.CreatePerson(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", personLocation(pr.ID))
	return writeJSON(w, http.StatusCreated, toPersonJSON(pr, s.today()))
}

// updatePerson is PATCH /api/v1/persons/{id}: the whole input and the
// version read; a stale version is 409 edit.stale.
func (s *server) updatePerson(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.personInScope(r)
	if err != nil {
		return err
	}
	var req updatePersonRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Version <= 0 {
		return linli.Invalid("version", "api.version.required")
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	in.Version = req.Version
	pr, err := s.st.UpdatePerson(r.Context(), actorOf(r), cur.ID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPersonJSON(pr, s.today()))
}

// changeJSON is one line of a person's history; ID numbers, phones and
// sensitive values are masked.
type changeJSON struct {
	Field  string    `json:"field"`
	Old    string    `json:"old"`
	New    string    `json:"new"`
	Source string    `json:"source"`
	Note   string    `json:"note"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// personHistory is GET /api/v1/persons/{id}/history, oldest first.
func (s *server) personHistory(w http.ResponseWriter, r *http.Request) error {
	pr, err := s.personInScope(r)
	if err != nil {
		return err
	}
	h, err := s.st.PersonHistory(r.Context(), actorOf(r), pr.ID)
	if err != nil {
		return err
	}
	out := page[changeJSON]{Items: make([]changeJSON, 0, len(h))}
	for _, c := range h {
		out.Items = append(out.Items, changeJSON{Field: c.Field, Old: c.Old, New: c.New, Source: c.Source, Note: c.Note,
			Actor: c.Actor, At: c.At.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// lifeEventRequest is the body of POST /api/v1/persons/{id}/move-out and
// /death: the date (today when left out) and, for a move, a note.
type lifeEventRequest struct {
	Date string `json:"date"`
	Note string `json:"note"`
}

type deathRequest struct {
	Date string `json:"date"`
}

func eventDate(s string) (time.Time, error) {
	d, ok := parseDate(s)
	if !ok {
		return d, linli.Invalid("date", "api.time.invalid")
	}
	return d, nil
}

func (r *lifeEventRequest) date() string { return r.Date }
func (r *deathRequest) date() string     { return r.Date }

// lifeEvent answers the life-event routes: the person in scope first, then
// the body, the date, and the store's use case.
func (s *server) lifeEvent(w http.ResponseWriter, r *http.Request, req interface{ date() string },
	apply func(a linli.Actor, id int64, d time.Time) (linli.Person, error)) error {
	cur, err := s.personInScope(r)
	if err != nil {
		return err
	}
	if err := decodeJSON(w, r, req); err != nil {
		return err
	}
	d, err := eventDate(req.date())
	if err != nil {
		return err
	}
	pr, err := apply(actorOf(r), cur.ID, d)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPersonJSON(pr, s.today()))
}

// moveOut is POST /api/v1/persons/{id}/move-out.
func (s *server) moveOut(w http.ResponseWriter, r *http.Request) error {
	var req lifeEventRequest
	return s.lifeEvent(w, r, &req, func(a linli.Actor, id int64, d time.Time) (linli.Person, error) {
		return s.st.MoveOut(r.Context(), a, id, d, req.Note)
	})
}

// death is POST /api/v1/persons/{id}/death.
func (s *server) death(w http.ResponseWriter, r *http.Request) error {
	var req deathRequest
	return s.lifeEvent(w, r, &req, func(a linli.Actor, id int64, d time.Time) (linli.Person, error) {
		return s.st.Death(r.Context(), a, id, d)
	})
}

// migrantJSON is a residence registration (居住登记).
type migrantJSON struct {
	ID                 int64      `json:"id"`
	PersonID           int64      `json:"person_id"`
	Name               string     `json:"name"`
	GridID             int64      `json:"grid_id"`
	ArrivalDate        *string    `json:"arrival_date"`
	Reason             string     `json:"reason"`
	OriginRegion       string     `json:"origin_region"`
	OriginRegionName   string     `json:"origin_region_name"`
	ExpectedStayMonths int        `json:"expected_stay_months"`
	Landlord           string     `json:"landlord"`
	Employer           string     `json:"employer"`
	RegisteredAt       time.Time  `json:"registered_at"`
	ExpiresAt          *string    `json:"expires_at"`
	DaysLeft           int        `json:"days_left"`
	RenewedAt          *time.Time `json:"renewed_at"`
}

// maxExpiringDays bounds ?days= of the expiring registrations.
const maxExpiringDays = 366

// expiringMigrants is GET /api/v1/migrants/expiring: the open residence
// registrations in scope that expire within ?days= (default 30), soonest
// first, at most 1000.
func (s *server) expiringMigrants(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	days := 30
	if v := p.str("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxExpiringDays {
			p.v.Add("days", "api.limit.range", 1, maxExpiringDays)
		} else {
			days = n
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	ms, err := s.st.MigrantsExpiring(r.Context(), actorOf(r), days)
	if err != nil {
		return err
	}
	today := s.today()
	out := page[migrantJSON]{Items: make([]migrantJSON, 0, len(ms))}
	for _, m := range ms {
		j := migrantJSON{ID: m.ID, PersonID: m.PersonID, Name: m.Name, GridID: m.GridID, ArrivalDate: optDate(m.ArrivalDate),
			Reason: m.Reason, OriginRegion: m.OriginRegion, OriginRegionName: m.OriginName, ExpectedStayMonths: m.ExpectedStayMonths, Landlord: m.Landlord,
			Employer: m.Employer, RegisteredAt: m.RegisteredAt.UTC(), ExpiresAt: optDate(m.ExpiresAt),
			DaysLeft: int(m.ExpiresAt.Sub(today).Hours() / 24)}
		if !m.RenewedAt.IsZero() {
			t := m.RenewedAt.UTC()
			j.RenewedAt = &t
		}
		out.Items = append(out.Items, j)
	}
	return writeJSON(w, http.StatusOK, out)
}
