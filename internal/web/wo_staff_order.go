package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The order page (/wo/{id}) for staff: everything about the order, and
// the forms of the actions the actor may take in its current state. All
// forms post to /wo/{id}/act with the action's name and the version read
// (optimistic lock); a form with messages comes back with what was typed.

// AnswerRow is one answer of the service's form.
type AnswerRow struct {
	Label string
	Value string
}

// WOOrderPage is the order page.
type WOOrderPage struct {
	WOPage
	O           linli.WorkOrder
	Service     linli.Service
	Answers     []AnswerRow
	PersonLink  bool
	Assignments []store.Assignment
	Events      []store.WOEvent
	Dups        []linli.WorkOrder
	Allowed     map[linli.WOAction]bool
	Units       []OrgOption // where a clerk may dispatch it
	Suggested   linli.OrgUnit
	KB          []linli.KBAnswer
	AskedDue    time.Time // the deadline the pending extension asks for
	Act         string    // the action whose form came back with messages
	Form        Form
	Error       string
	Ratings     []int
	// A certificate service (certificates.go): the certificate issued for
	// the order, or the preview of the one that would be, whether the
	// form is offered, and what stands in its way.
	Cert         *linli.Certificate
	CertPreview  string
	CertIssue    bool
	CertProblems []string
}

// May reports whether the page offers an action's form.
func (p WOOrderPage) May(act string) bool { return p.Allowed[linli.WOAction(act)] }

// Err is the message of a field of an action's form.
func (p WOOrderPage) Err(act, field string) string {
	if p.Act != act {
		return ""
	}
	return p.Form.Errors[field]
}

// Val is the value typed in a field of an action's form.
func (p WOOrderPage) Val(act, field string) string {
	if p.Act != act {
		return ""
	}
	return p.Form.Values[field]
}

// Public reports whether an event is shown to the requester.
func (p WOOrderPage) Public(e store.WOEvent) bool { return e.Visibility == linli.VisPublic }

// EventInfo lists what an event carries besides its note, in words.
func (p WOOrderPage) EventInfo(e store.WOEvent) []string {
	var out []string
	if e.Kind == string(linli.ActDispatch) && e.UnitName != "" {
		out = append(out, p.T("wostaff.event.to_unit", e.UnitName))
	}
	at := func(k string) time.Time {
		s, _ := e.Data[k].(string)
		t, _ := time.Parse(time.RFC3339, s)
		return t
	}
	if t := at("due_at"); !t.IsZero() {
		out = append(out, p.T("wostaff.event.due", p.Time(t)))
	}
	if t := at("new_due"); !t.IsZero() {
		out = append(out, p.T("wostaff.event.new_due", p.Time(t)))
	}
	if v, ok := e.Data["rating"].(float64); ok {
		out = append(out, p.T("wostaff.event.rating", p.RatingName(int(v))))
		if solved, ok := e.Data["solved"].(bool); ok && solved {
			out = append(out, p.T("wostaff.event.solved"))
		}
	}
	if v, ok := e.Data["into"].(string); ok {
		out = append(out, p.T("wostaff.event.into", v))
	}
	if v, ok := e.Data["from"].(string); ok {
		out = append(out, p.T("wostaff.event.from", v))
	}
	if v, ok := e.Data["certificate"].(string); ok {
		out = append(out, p.T("cert.event.number", v))
	}
	if v, ok := e.Data["channel"].(string); ok && e.Kind == "created" {
		out = append(out, p.Channel(linli.Channel(v)))
	}
	return out
}

// RatingName is the name of a rating level.
func (p WOPage) RatingName(n int) string {
	switch n {
	case linli.RatingVeryUnsatisfied:
		return p.T("wostaff.rating.1")
	case linli.RatingUnsatisfied:
		return p.T("wostaff.rating.2")
	case linli.RatingNeutral:
		return p.T("wostaff.rating.3")
	case linli.RatingSatisfied:
		return p.T("wostaff.rating.4")
	case linli.RatingVerySatisfied:
		return p.T("wostaff.rating.5")
	}
	return ""
}

func (s *Server) woShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.orderPage(w, r, id, "", newForm(), "", http.StatusOK)
}

// orderPage renders the order; act and f are a form that came back with
// messages, msg a message for the whole page.
func (s *Server) orderPage(w http.ResponseWriter, r *http.Request, id int64, act string, f Form, msg string, status int) error {
	ctx := r.Context()
	a := actor(r)
	o, err := s.st.WorkOrder(ctx, a, id)
	if err != nil {
		return err
	}
	pg := WOOrderPage{WOPage: s.woPage(r, "wostaff.order.title"), O: o, Act: act, Form: f, Error: msg,
		Allowed: map[linli.WOAction]bool{}, Ratings: []int{5, 4, 3, 2, 1}}
	pg.Title = pg.T("wostaff.order.title_n", o.Number)
	for _, x := range store.AllowedActions(a, o) {
		pg.Allowed[x] = true
	}
	if sv, err := s.st.ServiceByCode(ctx, a, o.ServiceCode); err == nil {
		pg.Service, pg.KB = sv, sv.Answers
		pg.Answers = answerRows(pg.WOPage, sv, o.Answers)
	} else if !errors.Is(err, linli.ErrNotFound) {
		return err
	}
	if pg.Service.Certificate {
		if err := s.certSection(r, &pg); err != nil {
			return err
		}
	}
	pg.PersonLink = o.RequesterPersonID != 0 && a.Can(linli.PermPersonRead)
	if pg.Assignments, err = s.st.Assignments(ctx, a, o.ID); err != nil {
		return err
	}
	if pg.Events, err = s.st.Timeline(ctx, a, o.ID); err != nil {
		return err
	}
	for _, e := range pg.Events {
		if e.Kind == string(linli.ActRequestExtension) {
			s, _ := e.Data["new_due"].(string)
			pg.AskedDue, _ = time.Parse(time.RFC3339, s)
		}
	}
	if o.State.Open() {
		if pg.Dups, err = s.st.PossibleDuplicates(ctx, a, o.ID); err != nil {
			return err
		}
	}
	if pg.Allowed[linli.ActDispatch] {
		if err := s.dispatchChoices(r, &pg); err != nil {
			return err
		}
	}
	if err := s.placesOf(r, &pg.WOPage, []linli.WorkOrder{o}, pg.Dups); err != nil {
		return err
	}
	return s.render(w, r, status, "wo_order.html", pg)
}

// dispatchChoices lists the units a clerk may send the order to, with the
// map's suggestion first and preselected unless the form came back with
// another choice.
func (s *Server) dispatchChoices(r *http.Request, pg *WOOrderPage) error {
	ctx := r.Context()
	a := actor(r)
	sug, err := s.st.SuggestUnit(ctx, a, pg.O.ServiceCode, pg.O.AreaID)
	switch {
	case err == nil:
		pg.Suggested = sug
	case !errors.Is(err, linli.ErrNotFound):
		return err
	}
	units, err := s.st.DispatchUnits(ctx, a)
	if err != nil {
		return err
	}
	chosen := pg.Suggested.ID
	if pg.Act == string(linli.ActDispatch) {
		chosen = woAtoi(pg.Form.Values["unit"])
	}
	if pg.Suggested.ID != 0 {
		pg.Units = append(pg.Units, OrgOption{ID: pg.Suggested.ID, Name: pg.T("wostaff.dispatch.suggested_unit", pg.Suggested.Name), Selected: chosen == pg.Suggested.ID})
	}
	for _, u := range units {
		if u.ID != pg.Suggested.ID {
			pg.Units = append(pg.Units, OrgOption{ID: u.ID, Name: u.Name, Selected: chosen == u.ID})
		}
	}
	return nil
}

// answerRows shows the answers in the order of the service's form, list
// values by their names.
func answerRows(p WOPage, sv linli.Service, answers map[string][]string) []AnswerRow {
	var out []AnswerRow
	for _, at := range sv.SortedAttrs() {
		vals, ok := answers[at.Code]
		if !ok || !at.Variable {
			continue
		}
		label := at.Description
		if p.Lang == "en" && at.DescriptionEn != "" {
			label = at.DescriptionEn
		}
		shown := make([]string, 0, len(vals))
		for _, v := range vals {
			name := v
			for _, av := range at.Values {
				if av.Key == v {
					name = av.Name
					if p.Lang == "en" && av.NameEn != "" {
						name = av.NameEn
					}
				}
			}
			shown = append(shown, name)
		}
		out = append(out, AnswerRow{Label: label, Value: strings.Join(shown, "、")})
	}
	return out
}

// woActions are the actions the order page posts.
var woActions = []linli.WOAction{linli.ActAnswer, linli.ActDispatch, linli.ActSign, linli.ActRequestReturn, linli.ActApproveReturn,
	linli.ActRejectReturn, linli.ActContact, linli.ActRequestExtension, linli.ActGrantExtension, linli.ActDenyExtension, linli.ActDefer,
	linli.ActResume, linli.ActResolve, linli.ActRate, linli.ActArchive, linli.ActVoid, linli.ActMarkDuplicate, linli.ActWithdraw}

// orderInScope loads the work order the request's {id} names, if the
// actor may see it (else not found).
func (s *Server) orderInScope(r *http.Request) (linli.WorkOrder, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return linli.WorkOrder{}, err
	}
	return s.st.WorkOrder(r.Context(), actor(r), id)
}

// woAct applies one action from the order page.
func (s *Server) woAct(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	o, err := s.orderInScope(r)
	if err != nil {
		return err
	}
	p := s.page(r, "wostaff.order.title")
	f := formFrom(r, "action", "note", "unit", "new_due", "rating", "solved", "public", "duplicate_of", "version", "kb")
	act := linli.WOAction(f.Values["action"])
	if !slices.Contains(woActions, act) {
		return linli.ErrInvalid
	}
	in := linli.WOActionInput{Action: act, Note: f.Values["note"], Version: woAtoi(f.Values["version"]), Public: f.Values["public"] == "1"}
	switch act {
	case linli.ActAnswer:
		// A knowledge-base answer, unless the clerk wrote the reply.
		if k := f.Values["kb"]; in.Note == "" && k != "" {
			sv, err := s.st.ServiceByCode(ctx, a, o.ServiceCode)
			if err != nil {
				return err
			}
			if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(sv.Answers) {
				in.Note = sv.Answers[i].Answer
			}
		}
	case linli.ActDispatch:
		in.UnitID = woAtoi(f.Values["unit"])
		for _, v := range r.PostForm["co_units"] {
			if u := woAtoi(v); u != 0 && u != in.UnitID && !slices.Contains(in.CoUnitIDs, u) {
				in.CoUnitIDs = append(in.CoUnitIDs, u)
			}
		}
		if in.UnitID != 0 {
			if sug, err := s.st.SuggestUnit(ctx, a, o.ServiceCode, o.AreaID); err == nil {
				in.Override = sug.ID != in.UnitID
			}
		}
	case linli.ActRequestExtension:
		due, err := time.ParseInLocation("2006-01-02T15:04", f.Values["new_due"], shanghai)
		if err != nil {
			f.Errors["new_due"] = p.T("wostaff.due.invalid")
			return s.orderPage(w, r, o.ID, string(act), f, "", http.StatusUnprocessableEntity)
		}
		in.NewDue = due
	case linli.ActRate:
		in.Rating = int(woAtoi(f.Values["rating"]))
		in.Solved = f.Values["solved"] == "1"
		in.Channel = "callback"
	case linli.ActMarkDuplicate:
		in.DuplicateOf = woAtoi(f.Values["duplicate_of"])
	}
	_, err = s.st.Act(ctx, a, o.ID, in)
	switch {
	case err == nil:
		return s.redirect(w, r, "/wo/"+strconv.FormatInt(o.ID, 10), "wostaff.acted")
	case f.setErrors(p, err):
		return s.orderPage(w, r, o.ID, string(act), f, "", http.StatusUnprocessableEntity)
	case errors.Is(err, linli.ErrConflict):
		return s.orderPage(w, r, o.ID, "", newForm(), p.T("wostaff.conflict"), http.StatusConflict)
	}
	return err
}

// NoteArgs are the arguments of the "note" and "public" templates: the
// page, the action, the label's message key, and whether a note is
// required.
type NoteArgs struct {
	P WOOrderPage
	A string
	L string
	R bool
}

// NoteField passes the page and an action's note field to a template.
func (p WOOrderPage) NoteField(act, labelKey string, required bool) NoteArgs {
	return NoteArgs{P: p, A: act, L: labelKey, R: required}
}
