package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Households (户): the members and their relations to the head, the
// history, and the forms: add and remove a member, change the head
// (停旧建新: a new household succeeds the old one), split some members off
// into a new household, merge another household into this one.

// HouseholdPage is one household.
type HouseholdPage struct {
	RegPage
	Household store.Household
	HeadName  string
	Current   []store.HouseholdMember
	Past      []store.HouseholdMember
	History   []store.Change
	CanWrite  bool
	Active    bool
	Forms     map[string]Form // add, remove, head, split, merge
	Error     string
}

// householdForms carries a re-rendered form into the household page.
type householdForms struct {
	name   string
	form   Form
	err    string
	status int
}

func (s *Server) showHousehold(w http.ResponseWriter, r *http.Request, id int64, hf householdForms) error {
	ctx := r.Context()
	a := actor(r)
	h, err := s.st.Household(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.regPage(r, "householdpage.title")
	p.Path = "/households/" + strconv.FormatInt(id, 10)
	pg := HouseholdPage{RegPage: p, Household: h, CanWrite: a.Can(linli.PermPersonWrite), Active: h.Status == linli.HouseholdActive,
		Forms: map[string]Form{}, Error: hf.err}
	for _, n := range []string{"add", "remove", "head", "split", "merge"} {
		pg.Forms[n] = newForm()
	}
	if hf.name != "" {
		pg.Forms[hf.name] = hf.form
	}
	for _, m := range h.Members {
		if m.PersonID == h.HeadPersonID && m.Until.IsZero() {
			pg.HeadName = m.Name
		}
		if m.Until.IsZero() {
			pg.Current = append(pg.Current, m)
		} else {
			pg.Past = append(pg.Past, m)
		}
	}
	if pg.HeadName != "" {
		p.Title = p.T("householdpage.title_of", pg.HeadName)
		pg.RegPage = p
	}
	if pg.History, err = s.st.HouseholdHistory(ctx, a, id); err != nil {
		return err
	}
	status := hf.status
	if status == 0 {
		status = http.StatusOK
	}
	return s.render(w, r, status, "household_show.html", pg)
}

func (s *Server) householdShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showHousehold(w, r, id, householdForms{})
}

// householdAction runs a form of the household page; the store's answer
// names the household to show next.
func (s *Server) householdAction(w http.ResponseWriter, r *http.Request, name string, fields []string, flash string,
	do func(a linli.Actor, h store.Household, f Form, p Page) (int64, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	h, err := s.st.Household(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := s.page(r, "householdpage.title")
	f := formFrom(r, fields...)
	next, err := do(a, h, f, p)
	if err == nil && len(f.Errors) == 0 {
		return s.redirect(w, r, "/households/"+strconv.FormatInt(next, 10), flash)
	}
	if len(f.Errors) > 0 || f.setErrors(p, err) {
		msg := ""
		for k, e := range f.Errors {
			if !regContains(fields, k) {
				msg = e
			}
		}
		return s.showHousehold(w, r, id, householdForms{name: name, form: f, err: msg, status: http.StatusUnprocessableEntity})
	}
	if msg, ok := conflictMessage(p, err); ok {
		return s.showHousehold(w, r, id, householdForms{name: name, form: f, err: msg, status: http.StatusConflict})
	}
	if errors.Is(err, linli.ErrNotFound) && name != "" {
		// A person or household named in the form that the actor cannot
		// see: the form says so, the page exists.
		f.Errors["person"] = p.T("householdpage.not_found")
		return s.showHousehold(w, r, id, householdForms{name: name, form: f, err: f.Errors["person"], status: http.StatusUnprocessableEntity})
	}
	return err
}

// relationsFrom reads "rel_<person id>" inputs.
func relationsFrom(r *http.Request, h store.Household) map[int64]string {
	out := map[int64]string{}
	for _, m := range h.Current() {
		if v := r.PostFormValue("rel_" + strconv.FormatInt(m.PersonID, 10)); v != "" {
			out[m.PersonID] = v
		}
	}
	return out
}

func (s *Server) householdAddMember(w http.ResponseWriter, r *http.Request) error {
	return s.householdAction(w, r, "add", []string{"person", "relation"}, "householdpage.member_added",
		func(a linli.Actor, h store.Household, f Form, p Page) (int64, error) {
			pid := regAtoi(f.Values["person"])
			if pid == 0 {
				f.Errors["person"] = p.T("householdpage.person.required")
				return 0, nil
			}
			out, err := s.st.AddMember(r.Context(), a, h.ID, pid, f.Values["relation"])
			return out.ID, err
		})
}

func (s *Server) householdRemoveMember(w http.ResponseWriter, r *http.Request) error {
	return s.householdAction(w, r, "remove", []string{"person", "date"}, "householdpage.member_removed",
		func(a linli.Actor, h store.Household, f Form, p Page) (int64, error) {
			d := regDateField(p, f, "date")
			pid := regAtoi(f.Values["person"])
			if pid == 0 {
				f.Errors["person"] = p.T("householdpage.person.required")
			}
			if len(f.Errors) > 0 {
				return 0, nil
			}
			out, err := s.st.RemoveMember(r.Context(), a, h.ID, pid, d)
			return out.ID, err
		})
}

func (s *Server) householdChangeHead(w http.ResponseWriter, r *http.Request) error {
	return s.householdAction(w, r, "head", []string{"head"}, "householdpage.head_changed",
		func(a linli.Actor, h store.Household, f Form, p Page) (int64, error) {
			out, err := s.st.ChangeHead(r.Context(), a, h.ID, regAtoi(f.Values["head"]), relationsFrom(r, h))
			return out.ID, err
		})
}

func (s *Server) householdSplit(w http.ResponseWriter, r *http.Request) error {
	return s.householdAction(w, r, "split", []string{"head"}, "householdpage.split_done",
		func(a linli.Actor, h store.Household, f Form, p Page) (int64, error) {
			ids, _ := idSet(r.PostForm["members"])
			if len(ids) == 0 {
				f.Errors["members"] = p.T("householdpage.split.choose")
				return 0, nil
			}
			out, err := s.st.Split(r.Context(), a, h.ID, ids, regAtoi(f.Values["head"]), relationsFrom(r, h))
			return out.ID, err
		})
}

func (s *Server) householdMerge(w http.ResponseWriter, r *http.Request) error {
	return s.householdAction(w, r, "merge", []string{"household"}, "householdpage.merged",
		func(a linli.Actor, h store.Household, f Form, p Page) (int64, error) {
			from := regAtoi(f.Values["household"])
			if from == 0 {
				f.Errors["household"] = p.T("householdpage.merge.required")
				return 0, nil
			}
			out, err := s.st.Merge(r.Context(), a, from, h.ID, nil)
			return out.ID, err
		})
}

// householdCreate opens a household headed by a person (from the person
// page).
func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	head := regAtoi(r.PostFormValue("head"))
	if head == 0 {
		return linli.ErrNotFound
	}
	if _, err := s.st.Person(r.Context(), a, head); err != nil {
		return err
	}
	p := s.page(r, "personpage.title")
	f := formFrom(r, "head", "kind")
	h, err := s.st.CreateHousehold(r.Context(), a, head, f.Values["kind"], 0, nil)
	if err == nil {
		return s.redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10), "householdpage.created")
	}
	if f.setErrors(p, err) {
		msg := ""
		for _, e := range f.Errors {
			msg = e
		}
		return s.showPerson(w, r, head, personForms{name: "household", form: f, err: msg, status: http.StatusUnprocessableEntity})
	}
	if msg, ok := conflictMessage(p, err); ok {
		return s.showPerson(w, r, head, personForms{name: "household", form: f, err: msg, status: http.StatusConflict})
	}
	return err
}
