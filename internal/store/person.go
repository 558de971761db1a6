package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// The registry's people. ID numbers and phones are sealed at rest (fields
// "person.id_number" and "person.phone") with blind indexes for exact
// lookups and masked copies for display; nothing is hard-deleted: life
// events end-date a person's records.

// errNoKeys is returned by registry methods of a store opened without keys.
var errNoKeys = errors.New("store: the registry needs the key file (Options.Keys)")

// Sealed field names.
const (
	fieldIDNumber = "person.id_number"
	fieldPhone    = "person.phone"
	fieldTagAttrs = "person_tag.attrs"
)

// cst is China Standard Time: registry dates (today, since, until) are
// calendar dates in Beijing.
var cst = time.FixedZone("CST", 8*3600)

// dateOf is the calendar date of t in Beijing, as UTC midnight.
func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t // already a date
	}
	y, m, d := t.In(cst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const dateLayout = "2006-01-02"

// dateStr stores a date as 'YYYY-MM-DD' ("" for none).
func dateStr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// dt scans a 'YYYY-MM-DD' text column; NULL or the empty string is the
// zero time.
type dt struct{ p *time.Time }

func (s dt) Scan(v any) error {
	var str string
	switch x := v.(type) {
	case nil:
		*s.p = time.Time{}
		return nil
	case string:
		str = x
	case []byte:
		str = string(x)
	case time.Time:
		*s.p = x.UTC()
		return nil
	default:
		return fmt.Errorf("store: cannot scan %T into a date", v)
	}
	if str == "" {
		*s.p = time.Time{}
		return nil
	}
	t, err := time.Parse(dateLayout, str)
	if err != nil {
		return fmt.Errorf("store: bad date %q", str)
	}
	*s.p = t
	return nil
}

// areaKeys are the ids on a grid's path: district, street, community, grid.
type areaKeys struct{ district, street, community, grid int64 }

func keysOf(path string) areaKeys {
	var ids []int64
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	var k areaKeys
	at := func(i int) int64 {
		if i < len(ids) {
			return ids[i]
		}
		return 0
	}
	k.district, k.street, k.community, k.grid = at(0), at(1), at(2), at(3)
	return k
}

const personCols = `p.id, p.name, p.gender, p.birth_date, p.id_type, p.id_masked, p.ethnicity, p.education, p.employment,
	p.political, p.reg_type, p.status, p.status_date, p.grid_id, p.path, COALESCE(p.room_id, 0), p.address,
	COALESCE(p.household_id, 0), p.sources, p.created_at, p.updated_at, p.version, p.id_number_bidx, p.community_id`

// personRec is a person row with what the store needs besides the domain
// value.
type personRec struct {
	linli.Person
	bidx        string
	communityID int64
	phoneBidx   []string
}

func scanPerson(r scanner) (personRec, error) {
	var p personRec
	var sources string
	err := r.Scan(&p.ID, &p.Name, &p.Gender, dt{&p.BirthDate}, &p.IDType, &p.IDMasked, &p.Ethnicity, &p.Education,
		&p.Employment, &p.Political, &p.RegType, &p.Status, dt{&p.StatusDate}, &p.GridID, &p.Path, &p.RoomID,
		&p.Address, &p.HouseholdID, &sources, tm{&p.CreatedAt}, tm{&p.UpdatedAt}, &p.Version, &p.bidx, &p.communityID)
	if err != nil {
		return p, err
	}
	p.Sources, err = parseSources(sources)
	if err != nil {
		return p, fmt.Errorf("person %d: sources: %w", p.ID, err)
	}
	return p, nil
}

// loadPhones fills the masked phones (and their blind indexes) of p.
func loadPhones(q func(string, ...any) (*sql.Rows, error), p *personRec) error {
	rows, err := q(`SELECT phone_masked, phone_bidx FROM person_phones WHERE person_id = ? ORDER BY position`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	p.PhoneMasked, p.phoneBidx = nil, nil
	for rows.Next() {
		var m, b string
		if err := rows.Scan(&m, &b); err != nil {
			return err
		}
		p.PhoneMasked = append(p.PhoneMasked, m)
		p.phoneBidx = append(p.phoneBidx, b)
	}
	return rows.Err()
}

// person loads a person in the actor's scope inside a write transaction.
func (tx *Tx) person(a linli.Actor, id int64) (personRec, error) {
	cond, args := scopeCond("p.path", a.Scope)
	p, err := scanPerson(tx.queryRow(`SELECT `+personCols+` FROM persons p WHERE p.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return p, err
	}
	return p, loadPhones(tx.q(), &p)
}

// Person returns a resident in the actor's scope, masked: IDNumber and
// Phones are empty, IDMasked and PhoneMasked are set.
func (s *Store) Person(ctx context.Context, a linli.Actor, id int64) (linli.Person, error) {
	if !a.Can(linli.PermPersonRead) {
		return linli.Person{}, linli.ErrNotFound
	}
	cond, args := scopeCond("p.path", a.Scope)
	p, err := scanPerson(s.queryRow(ctx, `SELECT `+personCols+` FROM persons p WHERE p.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return linli.Person{}, s.mapErr(err)
	}
	if err := loadPhones(s.readQ(ctx), &p); err != nil {
		return linli.Person{}, s.mapErr(err)
	}
	return p.Person, nil
}

// phonePrep is one phone ready to store.
type phonePrep struct{ norm, sealed, bidx, masked string }

// personPrep is a validated input with its sealed and masked values.
type personPrep struct {
	in       linli.PersonInput
	idNorm   string
	idSealed string
	idBidx   string
	idMasked string
	phones   []phonePrep
	// idChecked: the caller has just looked this blind index up in the
	// transaction and found no one (an import row), so createPerson does
	// not look again.
	idChecked bool
}

var otherIDShape = regexp.MustCompile(`^[A-Z0-9]{5,30}$`)

// preparePerson normalizes and validates an input (everything that needs no
// lookup), derives birth date and gender from a resident ID, and seals the
// ID number and phones.
func (s *Store) preparePerson(in linli.PersonInput, now time.Time) (personPrep, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Address = strings.TrimSpace(in.Address)
	in.IDNumber = strings.TrimSpace(in.IDNumber)
	in.Ethnicity = strings.TrimSpace(in.Ethnicity)
	in.Education = strings.TrimSpace(in.Education)
	in.Employment = strings.TrimSpace(in.Employment)
	in.Political = strings.TrimSpace(in.Political)
	if in.Source == "" {
		in.Source = linli.SourceWorker
	}
	if in.IDType == "" {
		in.IDType = linli.IDNone
		if in.IDNumber != "" {
			in.IDType = linli.IDTypeDefault
		}
	}
	if !in.BirthDate.IsZero() {
		in.BirthDate = dateOf(in.BirthDate)
	}
	var phones []string
	for _, ph := range in.Phones {
		if strings.TrimSpace(ph) != "" {
			phones = append(phones, ph)
		}
	}
	in.Phones = phones
	v := linli.ValidatePersonShape(in, now)
	pp := personPrep{}
	switch {
	case v.Has("id_type"):
	case in.IDType == linli.IDResident:
		if in.IDNumber == "" {
			v.Add("id_number", "person.id_number.required")
			break
		}
		info, err := seal.ValidateIDNumber(in.IDNumber, now.In(cst))
		var ie *seal.InputError
		if errors.As(err, &ie) {
			v.Add("id_number", ie.Key())
			break
		} else if err != nil {
			return pp, err
		}
		pp.idNorm = info.Normalized
		g := linli.GenderFemale
		if info.Male {
			g = linli.GenderMale
		}
		switch {
		case in.BirthDate.IsZero():
			in.BirthDate = info.Birth
		case !in.BirthDate.Equal(info.Birth):
			v.Add("birth_date", "person.birth_date.mismatch")
		}
		switch in.Gender {
		case "", linli.GenderUnknown, linli.GenderUnspecified:
			in.Gender = g
		case g:
		default:
			v.Add("gender", "person.gender.mismatch")
		}
	case in.IDType == linli.IDNone:
		if in.IDNumber != "" {
			v.Add("id_number", "person.id_number.none_type")
		}
	default:
		norm := strings.ToUpper(strings.Join(strings.Fields(in.IDNumber), ""))
		if !otherIDShape.MatchString(norm) {
			v.Add("id_number", "person.id_number.format")
			break
		}
		pp.idNorm = norm
	}
	if in.Gender == "" {
		in.Gender = linli.GenderUnknown
	}
	if err := v.Err(); err != nil {
		return pp, err
	}
	if s.keys == nil {
		return pp, errNoKeys
	}
	in.IDNumber = pp.idNorm
	if pp.idNorm != "" {
		var err error
		if pp.idSealed, err = s.keys.SealField(fieldIDNumber, pp.idNorm); err != nil {
			return pp, err
		}
		pp.idBidx = s.keys.BlindIndex(fieldIDNumber, pp.idNorm)
		pp.idMasked = seal.MaskIDNumber(pp.idNorm)
	}
	seen := map[string]bool{}
	for i, ph := range in.Phones {
		norm := linli.NormalizePhone(ph)
		in.Phones[i] = norm
		if seen[norm] {
			continue
		}
		seen[norm] = true
		sealed, err := s.keys.SealField(fieldPhone, norm)
		if err != nil {
			return pp, err
		}
		pp.phones = append(pp.phones, phonePrep{norm: norm, sealed: sealed,
			bidx: s.keys.BlindIndex(fieldPhone, norm), masked: seal.MaskPhone(norm)})
	}
	pp.in = in
	return pp, nil
}

// liveGrid loads a live grid in the actor's scope, or a field error.
func (tx *Tx) liveGrid(a linli.Actor, id int64) (linli.Area, error) {
	// An import batch asks for the same few grids hundreds of times.
	if ar, ok := tx.grids[id]; ok && a.Scope.Contains(ar.Path) {
		return ar, nil
	}
	ar, err := tx.area(a, id)
	if err != nil {
		if tx.s.mapErr(err) == linli.ErrNotFound {
			return ar, linli.Invalid("grid", "person.grid.not_found")
		}
		return ar, err
	}
	if ar.Level != linli.LevelGrid || ar.Retired {
		return ar, linli.Invalid("grid", "person.grid.not_found")
	}
	if tx.grids == nil {
		tx.grids = map[int64]linli.Area{}
	}
	tx.grids[id] = ar
	return ar, nil
}

// roomAddress checks that a live room lies in the grid with path gridPath
// and renders its address: compound address and name, building, unit, room.
func (tx *Tx) roomAddress(roomID int64, gridPath string) (string, error) {
	var addr, compound, building, unit, room string
	err := tx.queryRow(`SELECT COALESCE(c.address, ''), COALESCE(c.name, ''), b.name, COALESCE(u.name, ''), r.name
		FROM rooms r JOIN buildings b ON b.id = r.building_id LEFT JOIN compounds c ON c.id = b.compound_id
		LEFT JOIN building_units u ON u.id = r.unit_id
		WHERE r.id = ? AND r.path = ? AND r.retired_at IS NULL`, roomID, gridPath).Scan(&addr, &compound, &building, &unit, &room)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", linli.Invalid("room", "person.room.not_found")
		}
		return "", err
	}
	return addr + compound + building + unit + room, nil
}

// checkDuplicates refuses a second person with the same ID number and,
// unless confirmed, warns of the same name and birth date in the same
// community. An existing person outside the actor's scope is never named.
func (tx *Tx) checkDuplicates(a linli.Actor, pp personPrep, communityID, except int64, checkID, checkName bool) error {
	if checkID && pp.idBidx != "" {
		var id int64
		var path string
		err := tx.queryRow(`SELECT id, path FROM persons WHERE id_number_bidx = ? AND id_number_bidx <> '' AND id <> ?`, pp.idBidx, except).Scan(&id, &path)
		switch {
		case err == nil:
			if a.Scope.Contains(path) && a.Can(linli.PermPersonRead) {
				return linli.Conflict("person.duplicate_id", id)
			}
			return linli.Conflict("person.duplicate_id_hidden")
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	if checkName && !pp.in.ConfirmDuplicate && !pp.in.BirthDate.IsZero() {
		var id int64
		var path string
		err := tx.queryRow(`SELECT id, path FROM persons WHERE community_id = ? AND name = ? AND birth_date = ? AND id <> ? ORDER BY id LIMIT 1`,
			communityID, pp.in.Name, dateStr(pp.in.BirthDate), except).Scan(&id, &path)
		switch {
		case err == nil:
			if a.Scope.Contains(path) {
				return linli.Conflict("person.possible_duplicate", id)
			}
			return linli.Conflict("person.possible_duplicate_hidden")
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	return nil
}

// personHistory appends one line to a person's history.
func (tx *Tx) personHistory(personID int64, field, oldV, newV, source, note string, actorID int64) error {
	_, err := tx.exec(`INSERT INTO person_history (person_id, field, old_value, new_value, source, note, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		personID, field, oldV, newV, source, note, nullInt(actorID), tx.s.d.t(tx.now))
	return err
}

// writePhones replaces a person's phones.
func (tx *Tx) writePhones(personID int64, phones []phonePrep) error {
	if _, err := tx.exec(`DELETE FROM person_phones WHERE person_id = ?`, personID); err != nil {
		return err
	}
	return tx.insertPhones(personID, phones)
}

// insertPhones adds the phones of a person who has none yet, in one
// statement.
func (tx *Tx) insertPhones(personID int64, phones []phonePrep) error {
	args := make([]any, 0, 5*len(phones))
	for i, ph := range phones {
		args = append(args, personID, ph.sealed, ph.bidx, ph.masked, i)
	}
	return tx.insertRows(`INSERT INTO person_phones (person_id, phone, phone_bidx, phone_masked, position) VALUES `, 5, args, ``)
}

// personFields are the fields whose changes are tracked, in display order.
var personFields = []string{"name", "gender", "birth_date", "id_type", "id_number", "phones", "ethnicity", "education",
	"employment", "political", "reg_type", "grid", "room", "address"}

// shownValues are a person's field values as the history shows them: ID
// number and phones masked.
func shownValues(p linli.Person) map[string]string {
	return map[string]string{
		"name": p.Name, "gender": p.Gender, "birth_date": dateStr(p.BirthDate), "id_type": p.IDType,
		"id_number": p.IDMasked, "phones": strings.Join(p.PhoneMasked, ","), "ethnicity": p.Ethnicity,
		"education": p.Education, "employment": p.Employment, "political": p.Political, "reg_type": p.RegType,
		"grid": idStr(p.GridID), "room": idStr(p.RoomID), "address": p.Address,
	}
}

func idStr(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func sourcesJSON(m map[string]linli.FieldSource) string {
	if len(m) == 0 {
		return "[]"
	}
	// Fields that share a source, note and time are one group: a person
	// created in one go has one group instead of 14 copies of the same
	// source (1.3 KB a row before; a fifth of a million-resident
	// database).
	var groups []sourceGroup
	for _, f := range slices.Sorted(maps.Keys(m)) {
		src := m[f]
		at := src.At.UTC()
		i := slices.IndexFunc(groups, func(g sourceGroup) bool {
			return g.Source == src.Source && g.Note == src.Note && g.At.Equal(at)
		})
		if i < 0 {
			groups = append(groups, sourceGroup{Source: src.Source, Note: src.Note, At: at})
			i = len(groups) - 1
		}
		groups[i].Fields = append(groups[i].Fields, f)
	}
	b, _ := json.Marshal(groups)
	return string(b)
}

// sourceGroup is the stored form of the fields that share one source.
type sourceGroup struct {
	Source string    `json:"source"`
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
	Fields []string  `json:"fields"`
}

// parseSources reads persons.sources: groups (sourcesJSON), or the object
// by field that rows written before 2026-11-30 hold.
func parseSources(s string) (map[string]linli.FieldSource, error) {
	m := map[string]linli.FieldSource{}
	if strings.HasPrefix(s, "{") {
		err := json.Unmarshal([]byte(s), &m)
		return m, err
	}
	var groups []sourceGroup
	if s != "" {
		if err := json.Unmarshal([]byte(s), &groups); err != nil {
			return m, err
		}
	}
	for _, g := range groups {
		for _, f := range g.Fields {
			m[f] = linli.FieldSource{Source: g.Source, Note: g.Note, At: g.At}
		}
	}
	return m, nil
}

// CreatePerson registers a resident. The ID number is validated (GB 11643
// for a resident ID, which also gives birth date and gender), the grid must
// be a live grid in the actor's scope and the room one of its rooms. A
// second person with the same ID number is refused; the same name and
// birth date in the same community is a warning until in.ConfirmDuplicate.
func (s *Store) CreatePerson(ctx context.Context, a linli.Actor, in linli.PersonInput) (linli.Person, error) {
	if !a.Can(linli.PermPersonWrite) {
		return linli.Person{}, linli.ErrForbidden
	}
	if s.keys == nil {
		return linli.Person{}, errNoKeys
	}
	pp, err := s.preparePerson(in, s.now())
	if err != nil {
		return linli.Person{}, err
	}
	var out linli.Person
	err = s.write(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.createPerson(a, pp)
		return err
	})
	return out, err
}

func (tx *Tx) createPerson(a linli.Actor, pp personPrep) (linli.Person, error) {
	np, err := tx.checkNewPerson(a, pp)
	if err != nil {
		return linli.Person{}, err
	}
	id, err := tx.insert(`INSERT INTO persons (`+strings.Join(newPersonCols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(newPersonCols)-1)+`)`,
		np.values(tx)...)
	if err != nil {
		return linli.Person{}, err
	}
	if err := tx.insertPhones(id, pp.phones); err != nil {
		return linli.Person{}, err
	}
	if err := tx.personHistory(id, "created", "", "", np.in.Source, np.in.SourceNote, a.UserID); err != nil {
		return linli.Person{}, err
	}
	p, err := tx.person(linli.Actor{Scope: linli.Scope{Paths: []string{np.grid.Path}}}, id)
	if err != nil {
		return linli.Person{}, err
	}
	if err := tx.insertTerms(p.Person); err != nil {
		return linli.Person{}, err
	}
	return p.Person, tx.audit(auditEvent(a, "person.create", "person", id, np.grid.ID))
}

// newPerson is a person that checkNewPerson found ready to insert.
type newPerson struct {
	pp   personPrep
	in   linli.PersonInput // pp.in with the room's address
	grid linli.Area
	keys areaKeys
}

// checkNewPerson does every check of a new person that needs the
// database, before anything is written: a live grid in scope, the room in
// that grid (its address is the person's when none is given), duplicates.
func (tx *Tx) checkNewPerson(a linli.Actor, pp personPrep) (newPerson, error) {
	np := newPerson{pp: pp, in: pp.in}
	var err error
	if np.grid, err = tx.liveGrid(a, np.in.GridID); err != nil {
		return np, err
	}
	if np.in.RoomID != 0 {
		addr, err := tx.roomAddress(np.in.RoomID, np.grid.Path)
		if err != nil {
			return np, err
		}
		if np.in.Address == "" {
			np.in.Address = addr
		}
	}
	np.keys = keysOf(np.grid.Path)
	return np, tx.checkDuplicates(a, pp, np.keys.community, 0, !pp.idChecked, true)
}

// newPersonCols are the columns of a new person's row, in the order of
// newPerson.values.
var newPersonCols = []string{"name", "gender", "birth_date", "id_type", "id_number", "id_number_bidx", "id_masked",
	"ethnicity", "education", "employment", "political", "reg_type", "status", "status_date", "grid_id", "path", "community_id",
	"street_id", "district_id", "room_id", "address", "sources", "created_at", "updated_at", "version"}

// values are the new person's row: every field that has a value gets the
// input's source.
func (np newPerson) values(tx *Tx) []any {
	in, pp := np.in, np.pp
	src := linli.FieldSource{Source: in.Source, Note: in.SourceNote, At: tx.now.UTC()}
	sources := map[string]linli.FieldSource{}
	draft := linli.Person{Name: in.Name, Gender: in.Gender, BirthDate: in.BirthDate, IDType: in.IDType, IDMasked: pp.idMasked,
		Ethnicity: in.Ethnicity, Education: in.Education, Employment: in.Employment, Political: in.Political,
		RegType: in.RegType, GridID: np.grid.ID, RoomID: in.RoomID, Address: in.Address}
	for _, ph := range pp.phones {
		draft.PhoneMasked = append(draft.PhoneMasked, ph.masked)
	}
	for f, v := range shownValues(draft) {
		if v != "" {
			sources[f] = src
		}
	}
	return []any{in.Name, in.Gender, dateStr(in.BirthDate), in.IDType, pp.idSealed, pp.idBidx, pp.idMasked,
		in.Ethnicity, in.Education, in.Employment, in.Political, in.RegType, linli.StatusLiving, "", np.grid.ID, np.grid.Path,
		np.keys.community, np.keys.street, np.keys.district, nullInt(in.RoomID), in.Address, sourcesJSON(sources),
		tx.s.d.t(tx.now), tx.s.d.t(tx.now), 1}
}

// UpdatePerson changes a resident's fields. in.Version, when set, must be
// the version read (else "edit.stale"). Every changed field gets a history
// line (ID number and phones masked) and its source; the audit record names
// the changed fields, not their values.
func (s *Store) UpdatePerson(ctx context.Context, a linli.Actor, id int64, in linli.PersonInput) (linli.Person, error) {
	if !a.Can(linli.PermPersonWrite) {
		return linli.Person{}, linli.ErrForbidden
	}
	if s.keys == nil {
		return linli.Person{}, errNoKeys
	}
	pp, err := s.preparePerson(in, s.now())
	if err != nil {
		return linli.Person{}, err
	}
	var out linli.Person
	err = s.write(ctx, func(tx *Tx) error {
		cur, err := tx.person(a, id)
		if err != nil {
			return err
		}
		if pp.in.Version != 0 && pp.in.Version != cur.Version {
			return linli.Conflict("edit.stale")
		}
		if cur.Status == linli.StatusDeceased {
			return linli.Conflict("person.deceased")
		}
		in := pp.in
		grid := linli.Area{ID: cur.GridID, Path: cur.Path}
		if in.GridID != cur.GridID {
			if grid, err = tx.liveGrid(a, in.GridID); err != nil {
				return err
			}
		}
		if in.RoomID != 0 && (in.RoomID != cur.RoomID || grid.ID != cur.GridID) {
			addr, err := tx.roomAddress(in.RoomID, grid.Path)
			if err != nil {
				return err
			}
			if in.Address == "" {
				in.Address = addr
			}
		}
		next := linli.Person{Name: in.Name, Gender: in.Gender, BirthDate: in.BirthDate, IDType: in.IDType, IDMasked: pp.idMasked,
			Ethnicity: in.Ethnicity, Education: in.Education, Employment: in.Employment, Political: in.Political,
			RegType: in.RegType, GridID: grid.ID, RoomID: in.RoomID, Address: in.Address}
		var newBidx []string
		for _, ph := range pp.phones {
			next.PhoneMasked = append(next.PhoneMasked, ph.masked)
			newBidx = append(newBidx, ph.bidx)
		}
		oldV, newV := shownValues(cur.Person), shownValues(next)
		idChanged := pp.idBidx != cur.bidx || (pp.idBidx == "" && oldV["id_number"] != newV["id_number"])
		phonesChanged := strings.Join(newBidx, ",") != strings.Join(cur.phoneBidx, ",")
		var changed []string
		for _, f := range personFields {
			switch f {
			case "id_number":
				if idChanged {
					changed = append(changed, f)
				}
			case "phones":
				if phonesChanged {
					changed = append(changed, f)
				}
			default:
				if oldV[f] != newV[f] {
					changed = append(changed, f)
				}
			}
		}
		if len(changed) == 0 {
			out = cur.Person
			return nil
		}
		k := keysOf(grid.Path)
		nameChanged := oldV["name"] != newV["name"] || oldV["birth_date"] != newV["birth_date"] || k.community != cur.communityID
		if err := tx.checkDuplicates(a, pp, k.community, id, idChanged, nameChanged); err != nil {
			return err
		}
		src := linli.FieldSource{Source: in.Source, Note: in.SourceNote, At: tx.now.UTC()}
		sources := cur.Sources
		if sources == nil {
			sources = map[string]linli.FieldSource{}
		}
		for _, f := range changed {
			sources[f] = src
			if err := tx.personHistory(id, f, oldV[f], newV[f], in.Source, in.SourceNote, a.UserID); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE persons SET name = ?, gender = ?, birth_date = ?, id_type = ?, id_number = ?, id_number_bidx = ?,
			id_masked = ?, ethnicity = ?, education = ?, employment = ?, political = ?, reg_type = ?, grid_id = ?, path = ?,
			community_id = ?, street_id = ?, district_id = ?, room_id = ?, address = ?, sources = ?, updated_at = ?, version = version + 1
			WHERE id = ?`,
			in.Name, in.Gender, dateStr(in.BirthDate), in.IDType, pp.idSealed, pp.idBidx, pp.idMasked, in.Ethnicity,
			in.Education, in.Employment, in.Political, in.RegType, grid.ID, grid.Path, k.community, k.street, k.district,
			nullInt(in.RoomID), in.Address, sourcesJSON(sources), tx.s.d.t(tx.now), id); err != nil {
			return err
		}
		if phonesChanged {
			if err := tx.writePhones(id, pp.phones); err != nil {
				return err
			}
		}
		if grid.Path != cur.Path {
			if err := tx.repath(id, grid.Path); err != nil {
				return err
			}
		}
		p, err := tx.person(linli.Actor{Scope: linli.Scope{Paths: []string{grid.Path}}}, id)
		if err != nil {
			return err
		}
		if err := tx.indexPerson(p.Person); err != nil {
			return err
		}
		ev := auditEvent(a, "person.update", "person", id, grid.ID)
		ev.Detail = strings.Join(changed, ",")
		out = p.Person
		return tx.audit(ev)
	})
	return out, err
}

// repath moves the scoped records that follow a person to a new grid path.
func (tx *Tx) repath(personID int64, path string) error {
	if _, err := tx.exec(`UPDATE person_tags SET path = ? WHERE person_id = ?`, path, personID); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE migrant_registrations SET path = ? WHERE person_id = ?`, path, personID)
	return err
}

// eventDate checks a life event's date: not in the future (Beijing), not
// before birth; zero means today.
func (tx *Tx) eventDate(p personRec, d time.Time) (time.Time, error) {
	today := dateOf(tx.now)
	if d.IsZero() {
		return today, nil
	}
	d = dateOf(d)
	if d.After(today) {
		return d, linli.Invalid("date", "person.date.future")
	}
	if !p.BirthDate.IsZero() && d.Before(p.BirthDate) {
		return d, linli.Invalid("date", "person.date.before_birth")
	}
	return d, nil
}

// endRecords ends a person's household membership, open tags and migrant
// registration at date.
func (tx *Tx) endRecords(a linli.Actor, p personRec, date time.Time, tags bool) error {
	if err := tx.leaveHousehold(a, p.ID, date, "member.left"); err != nil {
		return err
	}
	if tags {
		if _, err := tx.exec(`UPDATE person_tags SET until = ? WHERE person_id = ? AND until IS NULL`, dateStr(date), p.ID); err != nil {
			return err
		}
	}
	_, err := tx.exec(`UPDATE migrant_registrations SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL`, tx.s.d.t(tx.now), p.ID)
	return err
}

// setStatus records a new status of a person.
func (tx *Tx) setStatus(a linli.Actor, p personRec, status string, date time.Time, note string) error {
	if _, err := tx.exec(`UPDATE persons SET status = ?, status_date = ?, household_id = NULL, updated_at = ?, version = version + 1 WHERE id = ?`,
		status, dateStr(date), tx.s.d.t(tx.now), p.ID); err != nil {
		return err
	}
	return tx.personHistory(p.ID, "status", p.Status, status, linli.SourceWorker, note, a.UserID)
}

// MoveOut records that a resident moved away on date (today when zero):
// the person stays in the registry with status moved_out, their household
// membership, open tags and migrant registration end.
func (s *Store) MoveOut(ctx context.Context, a linli.Actor, id int64, date time.Time, note string) (linli.Person, error) {
	return s.lifeEvent(ctx, a, id, linli.StatusMovedOut, date, note)
}

// Death records a resident's death on date: status deceased, household
// membership, open tags and migrant registration end.
func (s *Store) Death(ctx context.Context, a linli.Actor, id int64, date time.Time) (linli.Person, error) {
	return s.lifeEvent(ctx, a, id, linli.StatusDeceased, date, "")
}

func (s *Store) lifeEvent(ctx context.Context, a linli.Actor, id int64, status string, date time.Time, note string) (linli.Person, error) {
	if !a.Can(linli.PermPersonWrite) {
		return linli.Person{}, linli.ErrForbidden
	}
	var out linli.Person
	err := s.write(ctx, func(tx *Tx) error {
		p, err := tx.person(a, id)
		if err != nil {
			return err
		}
		switch {
		case p.Status == linli.StatusDeceased:
			return linli.Conflict("person.deceased")
		case p.Status == status:
			return linli.Conflict("person.moved_out")
		}
		d, err := tx.eventDate(p, date)
		if err != nil {
			return err
		}
		if err := tx.endRecords(a, p, d, true); err != nil {
			return err
		}
		if err := tx.setStatus(a, p, status, d, strings.TrimSpace(note)); err != nil {
			return err
		}
		np, err := tx.person(a, id)
		if err != nil {
			return err
		}
		if err := tx.indexPerson(np.Person); err != nil {
			return err
		}
		action := "person.move_out"
		if status == linli.StatusDeceased {
			action = "person.death"
		}
		out = np.Person
		return tx.audit(auditEvent(a, action, "person", id, np.GridID))
	})
	return out, err
}

// Move is a resident's move into a grid and room of the actor's scope.
type Move struct {
	GridID  int64
	RoomID  int64
	Address string // "" renders the room's address, or keeps the old one
	Date    time.Time
	Note    string
}

// MoveIn records a move: a resident who moved out comes back (status
// living), or a living resident moves to another grid or room. Both the
// person and the new grid must be in the actor's scope. A move to another
// room ends the household membership unless the household lives there.
func (s *Store) MoveIn(ctx context.Context, a linli.Actor, id int64, m Move) (linli.Person, error) {
	if !a.Can(linli.PermPersonWrite) {
		return linli.Person{}, linli.ErrForbidden
	}
	var out linli.Person
	err := s.write(ctx, func(tx *Tx) error {
		p, err := tx.person(a, id)
		if err != nil {
			return err
		}
		if p.Status == linli.StatusDeceased {
			return linli.Conflict("person.deceased")
		}
		d, err := tx.eventDate(p, m.Date)
		if err != nil {
			return err
		}
		if m.GridID == 0 {
			m.GridID = p.GridID
		}
		grid, err := tx.liveGrid(a, m.GridID)
		if err != nil {
			return err
		}
		addr := strings.TrimSpace(m.Address)
		if m.RoomID != 0 {
			ra, err := tx.roomAddress(m.RoomID, grid.Path)
			if err != nil {
				return err
			}
			if addr == "" {
				addr = ra
			}
		}
		if addr == "" && grid.ID == p.GridID {
			addr = p.Address
		}
		if p.HouseholdID != 0 {
			var hhRoom int64
			if err := tx.queryRow(`SELECT COALESCE(room_id, 0) FROM households WHERE id = ?`, p.HouseholdID).Scan(&hhRoom); err != nil {
				return err
			}
			if grid.ID != p.GridID || (m.RoomID != hhRoom) {
				if err := tx.leaveHousehold(a, p.ID, d, "member.left"); err != nil {
					return err
				}
				if _, err := tx.exec(`UPDATE persons SET household_id = NULL WHERE id = ?`, p.ID); err != nil {
					return err
				}
			}
		}
		note := strings.TrimSpace(m.Note)
		next := p.Person
		next.GridID, next.RoomID, next.Address = grid.ID, m.RoomID, addr
		oldV, newV := shownValues(p.Person), shownValues(next)
		for _, f := range []string{"grid", "room", "address"} {
			if oldV[f] != newV[f] {
				if err := tx.personHistory(id, f, oldV[f], newV[f], linli.SourceWorker, note, a.UserID); err != nil {
					return err
				}
				p.Sources[f] = linli.FieldSource{Source: linli.SourceWorker, Note: note, At: tx.now.UTC()}
			}
		}
		if p.Status != linli.StatusLiving {
			if err := tx.personHistory(id, "status", p.Status, linli.StatusLiving, linli.SourceWorker, note, a.UserID); err != nil {
				return err
			}
		}
		k := keysOf(grid.Path)
		if _, err := tx.exec(`UPDATE persons SET status = 'living', status_date = ?, grid_id = ?, path = ?, community_id = ?,
			street_id = ?, district_id = ?, room_id = ?, address = ?, sources = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			dateStr(d), grid.ID, grid.Path, k.community, k.street, k.district, nullInt(m.RoomID), addr, sourcesJSON(p.Sources),
			tx.s.d.t(tx.now), id); err != nil {
			return err
		}
		if err := tx.repath(id, grid.Path); err != nil {
			return err
		}
		np, err := tx.person(linli.Actor{Scope: linli.Scope{Paths: []string{grid.Path}}}, id)
		if err != nil {
			return err
		}
		if err := tx.indexPerson(np.Person); err != nil {
			return err
		}
		out = np.Person
		return tx.audit(auditEvent(a, "person.move_in", "person", id, grid.ID))
	})
	return out, err
}

// Change is one line of a person's or household's history. Old and New of
// ID numbers, phones and sensitive values are masked.
type Change struct {
	Field  string
	Old    string
	New    string
	Source string
	Note   string
	Actor  string
	At     time.Time
}

// PersonHistory lists a resident's changes, oldest first. Lines about
// tags the actor may not see are left out.
func (s *Store) PersonHistory(ctx context.Context, a linli.Actor, personID int64) ([]Change, error) {
	if _, err := s.Person(ctx, a, personID); err != nil {
		return nil, err
	}
	classes, err := s.tagClasses(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT h.field, h.old_value, h.new_value, h.source, h.note, COALESCE(u.username, ''), h.at
		FROM person_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.person_id = ? ORDER BY h.id`, personID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Field, &c.Old, &c.New, &c.Source, &c.Note, &c.Actor, tm{&c.At}); err != nil {
			return nil, err
		}
		if code, ok := strings.CutPrefix(c.Field, "tag:"); ok && !canSeeClass(a, classes[code]) {
			continue
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
