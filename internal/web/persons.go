package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The registry's pages: the person list and search, the person page with
// its life-event, tag and reveal forms, the create and edit forms, the
// migrant registrations and the tag catalogue. Every read goes through the
// store with the actor, so scope and masking are the store's; out of scope
// is a 404. Full ID numbers and phones appear only in the answer to a
// reveal (reveal.go).

// personsPerPage is the length of one page of search results.
const personsPerPage = 20

// codeSets are the coded fields' values in display order; their labels
// are the catalog keys "code.<set>.<code>".
var codeSets = map[string][]string{
	"gender":  {linli.GenderMale, linli.GenderFemale, linli.GenderUnknown, linli.GenderUnspecified},
	"id_type": linli.IDTypes,
	// GB/T 3304: the 56 nationalities, other, foreign origin.
	"ethnicity": {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18",
		"19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38",
		"39", "40", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50", "51", "52", "53", "54", "55", "56", "97", "98"},
	"education":  {"10", "20", "30", "40", "60", "70", "80", "90"},                               // GB/T 4658
	"employment": {"11", "13", "17", "21", "24", "27", "31", "37", "51", "54", "70", "80", "90"}, // GB/T 2261.4
	"political":  {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"}, // GB/T 4762
	"reg_type":   linli.RegTypes,
	"status":     {linli.StatusLiving, linli.StatusMovedOut, linli.StatusDeceased},
	"relation": {"10", "11", "12", "20", "30", "28", "38", "41", "42", "43", "44", "51", "52", "53", "54", "55", "56",
		"61", "62", "99"}, // GB/T 4761, relations to the head a member may have
	"tag_class":      {linli.TagOrdinary, linli.TagSensitive, linli.TagRestricted},
	"migrant_reason": linli.MigrantReasons,
	"household_kind": {linli.HouseholdFamily, linli.HouseholdCollective, linli.HouseholdSingle},
	"purpose":        append(append([]string{}, store.RevealPurposes...), "other"),
}

// tagAttrNames are the attribute names of the built-in catalogue, offered
// as inputs of the add-tag form.
var tagAttrNames = []string{"type", "level", "category", "disease"}

// tagAttrInputs are the inputs of the add-tag form: the built-in attribute
// names, then those that administrators gave the tags of the catalogue.
func tagAttrInputs(tags []store.Tag) []string {
	out := append([]string{}, tagAttrNames...)
	for _, t := range tags {
		for _, k := range t.Attrs {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// RegPage is the layout data of the registry pages, with helpers for coded
// values and dates.
type RegPage struct {
	Page
}

// Code is the label of a code of a set ("" for no code, the code itself
// when the catalog has no label).
func (p RegPage) Code(set, code string) string {
	if code == "" {
		return ""
	}
	key := "code." + set + "." + code
	if p.p.Has(key) {
		return p.T(key)
	}
	return code
}

// CodeOption is one option of a select.
type CodeOption struct {
	Code     string
	Label    string
	Selected bool
}

// Options lists the codes of a set as options, selecting one.
func (p RegPage) Options(set, selected string) []CodeOption {
	out := make([]CodeOption, 0, len(codeSets[set]))
	for _, c := range codeSets[set] {
		out = append(out, CodeOption{Code: c, Label: p.Code(set, c), Selected: c == selected})
	}
	return out
}

// Date formats a calendar date ("" for none).
func (p RegPage) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// Age is the age in years today ("" without a birth date).
func (p RegPage) Age(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.Itoa(linli.AgeOn(t, time.Now().In(shanghai)))
}

// FieldLabel is the label of a history field.
func (p RegPage) FieldLabel(field string) string {
	if code, ok := strings.CutPrefix(field, "tag:"); ok {
		return p.T("personpage.history.tag", code)
	}
	key := "personpage.field." + strings.ReplaceAll(field, ".", "_")
	if p.p.Has(key) {
		return p.T(key)
	}
	return field
}

// HistValue shows a history value, with the label of a coded field.
func (p RegPage) HistValue(field, v string) string {
	switch field {
	case "gender", "ethnicity", "education", "employment", "political", "reg_type", "status", "id_type":
		return p.Code(field, v)
	}
	return v
}

func (s *Server) regPage(r *http.Request, titleKey string) RegPage {
	return RegPage{Page: s.page(r, titleKey)}
}

func regValidCode(set, code string) bool {
	for _, c := range codeSets[set] {
		if c == code {
			return true
		}
	}
	return false
}

func regAtoi(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// parseDate reads an optional 'YYYY-MM-DD' date; ok is false when the text
// is not a date.
func regDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

// gridOptions lists the live grids of the actor's scope.
func (s *Server) gridOptions(r *http.Request, p Page, selected int64) ([]AreaOption, error) {
	areas, err := s.st.Areas(r.Context(), actor(r), store.AreaFilter{Level: linli.LevelGrid})
	if err != nil {
		return nil, err
	}
	return areaOptions(p, areas, map[int64]bool{selected: true}), nil
}

// visibleTags lists the live tags the actor may see and search by.
func (s *Server) visibleTags(r *http.Request) ([]store.Tag, error) {
	a := actor(r)
	tags, err := s.st.Tags(r.Context(), a)
	if err != nil {
		return nil, err
	}
	var out []store.Tag
	for _, t := range tags {
		if t.Retired {
			continue
		}
		if t.Class == linli.TagSensitive && !a.Can(linli.PermSensitiveRead) && !a.Can(linli.PermRestrictedRead) {
			continue
		}
		if t.Class == linli.TagRestricted && !a.Can(linli.PermRestrictedRead) {
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// TagName is a tag's name in the page's language.
func (p RegPage) TagName(t store.Tag) string {
	if p.Lang == "en" && t.NameEn != "" {
		return t.NameEn
	}
	return t.NameZh
}

// PersonListPage is the search form and one page of results.
type PersonListPage struct {
	RegPage
	Form     Form
	Areas    []AreaOption
	Tags     []store.Tag
	Persons  []linli.Person
	Searched bool
	Next     string
	CanWrite bool
}

func (s *Server) personList(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	p := s.regPage(r, "persons.title")
	q := r.URL.Query()
	f := newForm()
	for _, k := range []string{"q", "area", "tag", "age_min", "age_max", "reg_type", "status"} {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	pq := linli.PersonQuery{Text: f.Values["q"], AreaID: regAtoi(f.Values["area"]), TagCode: f.Values["tag"],
		AfterID: regAtoi(q.Get("after")), Limit: personsPerPage}
	if regValidCode("reg_type", f.Values["reg_type"]) {
		pq.RegType = f.Values["reg_type"]
	}
	if regValidCode("status", f.Values["status"]) {
		pq.Status = f.Values["status"]
	}
	for _, k := range []string{"age_min", "age_max"} {
		if v := f.Values[k]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 150 {
				f.Errors[k] = p.T("persons.age.invalid")
				continue
			}
			if k == "age_min" {
				pq.AgeMin = n
			} else {
				pq.AgeMax = n
			}
		}
	}
	areas, err := s.st.Areas(r.Context(), a, store.AreaFilter{})
	if err != nil {
		return err
	}
	tags, err := s.visibleTags(r)
	if err != nil {
		return err
	}
	pg := PersonListPage{RegPage: p, Form: f, Areas: areaOptions(p.Page, areas, map[int64]bool{pq.AreaID: true}), Tags: tags,
		CanWrite: a.Can(linli.PermPersonWrite)}
	for k := range q {
		if k != "after" && q.Get(k) != "" {
			pg.Searched = true
		}
	}
	status := http.StatusOK
	if len(f.Errors) == 0 {
		persons, err := s.st.SearchPersons(r.Context(), a, pq)
		switch {
		case err == nil:
			pg.Persons = persons
		case errors.Is(err, linli.ErrNotFound) && pq.AreaID != 0:
			f.Errors["area"] = p.T("persons.area.invalid")
		case f.setErrors(p.Page, err):
		default:
			return err
		}
		if len(persons) == personsPerPage {
			v := url.Values{}
			for k, x := range f.Values {
				if x != "" {
					v.Set(k, x)
				}
			}
			v.Set("after", strconv.FormatInt(persons[len(persons)-1].ID, 10))
			pg.Next = "/persons?" + v.Encode()
		}
	}
	if len(f.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, status, "person_list.html", pg)
}

// personFields are the inputs of the create and edit forms.
var personFormFields = []string{"name", "gender", "birth_date", "id_type", "id_number", "phones", "ethnicity", "education",
	"employment", "political", "reg_type", "grid", "room", "address", "version"}

var phoneSep = regexp.MustCompile(`[,，、;；/\s]+`)

// personInput reads the person form; problems that need no store (a date
// that is not a date, a room that is not a number) go into f.
func personInput(p Page, r *http.Request, f Form) linli.PersonInput {
	v := f.Values
	in := linli.PersonInput{Name: v["name"], Gender: v["gender"], IDType: v["id_type"], IDNumber: v["id_number"],
		Ethnicity: v["ethnicity"], Education: v["education"], Employment: v["employment"], Political: v["political"],
		RegType: v["reg_type"], GridID: regAtoi(v["grid"]), Address: v["address"], Source: linli.SourceWorker,
		Version: regAtoi(v["version"]), ConfirmDuplicate: r.PostFormValue("confirm_duplicate") == "1"}
	for _, ph := range phoneSep.Split(v["phones"], -1) {
		if ph != "" {
			in.Phones = append(in.Phones, ph)
		}
	}
	if d, ok := regDate(v["birth_date"]); ok {
		in.BirthDate = d
	} else {
		f.Errors["birth_date"] = p.T("person.birth_date.invalid")
	}
	if room := v["room"]; room != "" {
		if in.RoomID = regAtoi(room); in.RoomID == 0 {
			f.Errors["room"] = p.T("person.room.not_found")
		}
	}
	return in
}

// PersonFormPage is the create or edit form.
type PersonFormPage struct {
	RegPage
	Form      Form
	Grids     []AreaOption
	Person    *linli.Person // the person being edited
	Error     string        // a conflict
	DupID     int64         // an existing person to look at
	Duplicate bool          // show the "a different person" confirmation
	Action    string
}

func (s *Server) personFormPage(w http.ResponseWriter, r *http.Request, pg PersonFormPage, status int) error {
	grids, err := s.gridOptions(r, pg.Page, regAtoi(pg.Form.Values["grid"]))
	if err != nil {
		return err
	}
	pg.Grids = grids
	return s.render(w, r, status, "person_form.html", pg)
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	f.Values["id_type"], f.Values["reg_type"], f.Values["ethnicity"] = linli.IDResident, linli.RegRegistered, "01"
	if g := r.URL.Query().Get("grid"); g != "" {
		f.Values["grid"] = g
	}
	return s.personFormPage(w, r, PersonFormPage{RegPage: s.regPage(r, "personform.new"), Form: f, Action: "/persons"}, http.StatusOK)
}

// personConflict turns the duplicate conflicts into the form's state; ok
// is false for other errors.
func personConflict(p Page, pg *PersonFormPage, err error) (int, bool) {
	var ce *linli.ConflictError
	if !errors.As(err, &ce) {
		return 0, false
	}
	pg.Error = p.T(ce.Key, ce.Args...)
	switch ce.Key {
	case "person.possible_duplicate", "person.possible_duplicate_hidden":
		pg.Duplicate = true
	}
	if len(ce.Args) > 0 {
		if id, ok := ce.Args[0].(int64); ok {
			pg.DupID = id
		}
	}
	return http.StatusConflict, true
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) error {
	p := s.regPage(r, "personform.new")
	f := formFrom(r, personFormFields...)
	in := personInput(p.Page, r, f)
	pg := PersonFormPage{RegPage: p, Form: f, Action: "/persons"}
	if len(f.Errors) > 0 {
		f.setErrors(p.Page, linli.ValidatePersonShape(in, time.Now()).Err())
		return s.personFormPage(w, r, pg, http.StatusUnprocessableEntity)
	}
	person, err := s.st.CreatePerson(r.Context(), actor(r), in)
	if err == nil {
		return s.redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), "personpage.created")
	}
	if f.setErrors(p.Page, err) {
		return s.personFormPage(w, r, pg, http.StatusUnprocessableEntity)
	}
	if status, ok := personConflict(p.Page, &pg, err); ok {
		return s.personFormPage(w, r, pg, status)
	}
	return err
}

// personValues fills an edit form from the record. The ID number and the
// phones stay empty: the form shows them masked and keeps them when left
// empty.
func personValues(pr linli.Person) Form {
	f := newForm()
	v := f.Values
	v["name"], v["gender"], v["id_type"] = pr.Name, pr.Gender, pr.IDType
	if !pr.BirthDate.IsZero() {
		v["birth_date"] = pr.BirthDate.Format("2006-01-02")
	}
	v["ethnicity"], v["education"], v["employment"], v["political"] = pr.Ethnicity, pr.Education, pr.Employment, pr.Political
	v["reg_type"], v["grid"], v["address"] = pr.RegType, strconv.FormatInt(pr.GridID, 10), pr.Address
	if pr.RoomID != 0 {
		v["room"] = strconv.FormatInt(pr.RoomID, 10)
	}
	v["version"] = strconv.FormatInt(pr.Version, 10)
	return f
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pr, err := s.st.Person(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	p := s.regPage(r, "personform.edit")
	return s.personFormPage(w, r, PersonFormPage{RegPage: p, Form: personValues(pr), Person: &pr,
		Action: "/persons/" + strconv.FormatInt(id, 10) + "/edit"}, http.StatusOK)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := actor(r)
	pr, err := s.st.Person(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.regPage(r, "personform.edit")
	f := formFrom(r, personFormFields...)
	in := personInput(p.Page, r, f)
	pg := PersonFormPage{RegPage: p, Form: f, Person: &pr, Action: "/persons/" + strconv.FormatInt(id, 10) + "/edit"}
	if len(f.Errors) > 0 {
		return s.personFormPage(w, r, pg, http.StatusUnprocessableEntity)
	}
	keep := store.PersonKeep{IDNumber: in.IDNumber == "", Phones: f.Values["phones"] == "" && r.PostFormValue("phones_clear") != "1"}
	_, err = s.st.UpdatePersonKeep(ctx, a, id, in, keep)
	if err == nil {
		return s.redirect(w, r, "/persons/"+strconv.FormatInt(id, 10), "personpage.updated")
	}
	if f.setErrors(p.Page, err) {
		return s.personFormPage(w, r, pg, http.StatusUnprocessableEntity)
	}
	if status, ok := personConflict(p.Page, &pg, err); ok {
		return s.personFormPage(w, r, pg, status)
	}
	return err
}

// RevealField is one masked value with its "show full" form.
type RevealField struct {
	RegPage
	PersonID int64
	Field    string // "id_number", "phone", "tag:<code>"
	Slug     string // for element ids
	Masked   string
	Value    string // the full value, only in the answer to a reveal
	CanShow  bool
	Form     Form
}

// TagRow is one of the person's tags.
type TagRow struct {
	store.PersonTag
	Attrs  string       // ordinary attributes, shown as they are
	Reveal *RevealField // sensitive attributes, masked
}

// PersonShowPage is the person with everything around them.
type PersonShowPage struct {
	RegPage
	Person    linli.Person
	Grid      string
	Household *store.Household
	Relations []store.Relation
	Tags      []TagRow
	Migrants  []store.Migrant
	History   []store.Change
	IDNumber  RevealField
	IDRegion  string // GB/T 2260 name of where the ID number was issued, as far as the page may show it
	Phone     RevealField
	CanWrite  bool
	Living    bool
	AddTags   []store.Tag
	TagAttrs  []string
	Grids     []AreaOption
	Forms     map[string]Form // by form name: tag, move_out, death, move, household, migrant
	Error     string
	Today     string
	// The residence registration form (migrants.go).
	CanRegisterMigrant bool
	RegionOptions      []string
}

// personForms carries re-rendered forms and a revealed value into the
// person page.
type personForms struct {
	name   string // the form that was submitted
	form   Form
	err    string
	field  string // revealed field
	value  string // its full value
	status int
}

func (s *Server) showPerson(w http.ResponseWriter, r *http.Request, id int64, pf personForms) error {
	ctx := r.Context()
	a := actor(r)
	pr, err := s.st.Person(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.regPage(r, "personpage.title")
	p.Title = pr.Name
	p.Path = "/persons/" + strconv.FormatInt(id, 10) // the language switch returns here, not to a POST
	pg := PersonShowPage{RegPage: p, Person: pr, CanWrite: a.Can(linli.PermPersonWrite), Living: pr.Status == linli.StatusLiving,
		Forms: map[string]Form{}, Error: pf.err, TagAttrs: tagAttrNames, Today: time.Now().In(shanghai).Format("2006-01-02")}
	for _, n := range []string{"tag", "move_out", "death", "move", "household", "migrant"} {
		pg.Forms[n] = newForm()
	}
	pg.Forms["move"].Values["grid"] = strconv.FormatInt(pr.GridID, 10)
	if pf.name != "" {
		pg.Forms[pf.name] = pf.form
	}
	if g, err := s.st.Area(ctx, a, pr.GridID); err == nil {
		pg.Grid = g.Name
	} else if !errors.Is(err, linli.ErrNotFound) {
		return err
	}
	reveal := func(field, masked string) RevealField {
		rf := RevealField{RegPage: p, PersonID: pr.ID, Field: field, Slug: revealSlug(field),
			Masked: masked, CanShow: a.Can(linli.PermPIIReveal) && masked != "", Form: newForm()}
		if pf.field == field {
			rf.Value = pf.value
			if pf.name == "reveal" {
				rf.Form = pf.form
			}
		}
		return rf
	}
	pg.IDNumber = reveal(store.RevealIDNumber, pr.IDMasked)
	pg.Phone = reveal(store.RevealPhone, strings.Join(pr.PhoneMasked, "、"))
	if pr.HouseholdID != 0 {
		h, err := s.st.Household(ctx, a, pr.HouseholdID)
		switch {
		case err == nil:
			pg.Household = &h
		case !errors.Is(err, linli.ErrNotFound):
			return err
		}
	}
	if pg.Relations, err = s.st.Relations(ctx, a, id); err != nil {
		return err
	}
	tags, err := s.st.PersonTags(ctx, a, id, "person_page")
	if err != nil {
		return err
	}
	for _, t := range tags {
		row := TagRow{PersonTag: t}
		if len(t.Attrs) > 0 {
			if t.Tag.Class == linli.TagOrdinary {
				var parts []string
				for _, k := range t.Tag.Attrs {
					if v, ok := t.Attrs[k]; ok {
						parts = append(parts, p.Code("tag_attr", k)+": "+v)
					}
				}
				row.Attrs = strings.Join(parts, "; ")
			} else {
				rf := reveal(store.RevealTag+t.Tag.Code, "***")
				rf.CanShow = t.Until.IsZero() && (a.Can(linli.PermSensitiveRead) || a.Can(linli.PermRestrictedRead))
				row.Reveal = &rf
			}
		}
		pg.Tags = append(pg.Tags, row)
	}
	if pg.Migrants, err = s.st.Migrants(ctx, a, id); err != nil {
		return err
	}
	fillMigrantParts(&pg, pf.field, pf.value)
	if pg.History, err = s.st.PersonHistory(ctx, a, id); err != nil {
		return err
	}
	if pg.CanWrite {
		if pg.AddTags, err = s.visibleTags(r); err != nil {
			return err
		}
		pg.TagAttrs = tagAttrInputs(pg.AddTags)
		if pg.Grids, err = s.gridOptions(r, p.Page, regAtoi(pg.Forms["move"].Values["grid"])); err != nil {
			return err
		}
	}
	status := pf.status
	if status == 0 {
		status = http.StatusOK
	}
	return s.render(w, r, status, "person_show.html", pg)
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showPerson(w, r, id, personForms{})
}

// personAction runs a form of the person page: success redirects back to
// the page, a validation error or a conflict re-renders it with the form.
func (s *Server) personAction(w http.ResponseWriter, r *http.Request, name string, fields []string, flash string,
	do func(a linli.Actor, id int64, f Form, p Page) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	// The person must be in scope before anything else is said.
	if _, err := s.st.Person(r.Context(), a, id); err != nil {
		return err
	}
	p := s.page(r, "personpage.title")
	f := formFrom(r, fields...)
	err = do(a, id, f, p)
	if err == nil && len(f.Errors) == 0 {
		return s.redirect(w, r, "/persons/"+strconv.FormatInt(id, 10), flash)
	}
	if len(f.Errors) > 0 || f.setErrors(p, err) {
		msg := ""
		for _, k := range []string{"date", "attrs", "until", "kind", "members", "person"} {
			if e, ok := f.Errors[k]; ok && !regContains(fields, k) {
				msg = e
			}
		}
		return s.showPerson(w, r, id, personForms{name: name, form: f, err: msg, status: http.StatusUnprocessableEntity})
	}
	if msg, ok := conflictMessage(p, err); ok {
		return s.showPerson(w, r, id, personForms{name: name, form: f, err: msg, status: http.StatusConflict})
	}
	return err
}

func regContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dateField parses a date input into f's errors.
func regDateField(p Page, f Form, name string) time.Time {
	d, ok := regDate(f.Values[name])
	if !ok {
		f.Errors[name] = p.T("personpage.date.invalid")
	}
	return d
}

func (s *Server) personTagAdd(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.visibleTags(r)
	if err != nil {
		return err
	}
	names := tagAttrInputs(tags)
	fields := []string{"code", "since", "note"}
	for _, k := range names {
		fields = append(fields, "attr_"+k)
	}
	return s.personAction(w, r, "tag", fields, "personpage.tag.added", func(a linli.Actor, id int64, f Form, p Page) error {
		since := regDateField(p, f, "since")
		if f.Values["code"] == "" {
			f.Errors["code"] = p.T("personpage.tag.choose")
		}
		if len(f.Errors) > 0 {
			return nil
		}
		attrs := map[string]string{}
		for _, k := range names {
			if v := f.Values["attr_"+k]; v != "" {
				attrs[k] = v
			}
		}
		_, err := s.st.AddTag(r.Context(), a, id, f.Values["code"], attrs, since, linli.SourceWorker, f.Values["note"])
		if errors.Is(err, linli.ErrNotFound) {
			f.Errors["code"] = p.T("personpage.tag.choose")
			return nil
		}
		return err
	})
}

func (s *Server) personTagEnd(w http.ResponseWriter, r *http.Request) error {
	return s.personAction(w, r, "tag", []string{"until", "note"}, "personpage.tag.ended", func(a linli.Actor, id int64, f Form, p Page) error {
		until := regDateField(p, f, "until")
		if len(f.Errors) > 0 {
			return nil
		}
		return s.st.EndTag(r.Context(), a, id, r.PathValue("code"), until, f.Values["note"])
	})
}

func (s *Server) personMoveOut(w http.ResponseWriter, r *http.Request) error {
	return s.personAction(w, r, "move_out", []string{"date", "note"}, "personpage.moved_out", func(a linli.Actor, id int64, f Form, p Page) error {
		d := regDateField(p, f, "date")
		if len(f.Errors) > 0 {
			return nil
		}
		_, err := s.st.MoveOut(r.Context(), a, id, d, f.Values["note"])
		return err
	})
}

func (s *Server) personDeath(w http.ResponseWriter, r *http.Request) error {
	return s.personAction(w, r, "death", []string{"date"}, "personpage.death_recorded", func(a linli.Actor, id int64, f Form, p Page) error {
		d := regDateField(p, f, "date")
		if len(f.Errors) > 0 {
			return nil
		}
		_, err := s.st.Death(r.Context(), a, id, d)
		return err
	})
}

func (s *Server) personMove(w http.ResponseWriter, r *http.Request) error {
	return s.personAction(w, r, "move", []string{"grid", "room", "address", "date", "note"}, "personpage.moved", func(a linli.Actor, id int64, f Form, p Page) error {
		d := regDateField(p, f, "date")
		m := store.Move{GridID: regAtoi(f.Values["grid"]), Address: f.Values["address"], Date: d, Note: f.Values["note"]}
		if room := f.Values["room"]; room != "" {
			if m.RoomID = regAtoi(room); m.RoomID == 0 {
				f.Errors["room"] = p.T("person.room.not_found")
			}
		}
		if len(f.Errors) > 0 {
			return nil
		}
		_, err := s.st.MoveIn(r.Context(), a, id, m)
		return err
	})
}

// MigrantsPage lists the registrations that expire within 30 days.
type MigrantsPage struct {
	RegPage
	Expiring []store.Migrant
	Days     int
}

func (s *Server) migrantList(w http.ResponseWriter, r *http.Request) error {
	const days = 30
	ms, err := s.st.MigrantsExpiring(r.Context(), actor(r), days)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "migrants.html", MigrantsPage{RegPage: s.regPage(r, "migrants.title"), Expiring: ms, Days: days})
}
