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

// A resident's own requests: the list, the request page (who has it, the
// public timeline, the deadline, the reply, the photos) with the rating
// form once it is resolved and the withdraw form while it is open. The
// store shows a resident only the orders they asked for, and only the
// public events of their timelines; anything else is a 404.

// requestsPerPage is the length of one page of the list.
const requestsPerPage = 20

// ratingTags are the tags a resident may add to a rating, good then bad.
var ratingTags = []string{"fast", "polite", "thorough", "clear", "slow", "rude", "unsolved"}

// ResRequestRow is one request in the list.
type ResRequestRow struct {
	ID       int64
	Number   string
	Service  string
	State    string
	Open     bool
	Late     bool
	Accepted string
	Due      string
	Closed   string // when and how it ended, in words
	RateMe   bool   // resolved: waiting for the resident's rating
}

// ResRequestsPage lists the resident's requests.
type ResRequestsPage struct {
	ResPage
	Rows []ResRequestRow
	Next string
}

func (s *Server) resRequests(w http.ResponseWriter, r *http.Request) error {
	p := s.resPage(r, "myreq.title")
	f := store.WOFilter{Mine: true, Limit: requestsPerPage}
	if after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64); err == nil && after > 0 {
		f.AfterID = after
	}
	list, err := s.st.ListWorkOrders(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	now := s.st.Now()
	pg := ResRequestsPage{ResPage: p}
	for _, o := range list {
		row := ResRequestRow{ID: o.ID, Number: o.Number, Service: p.OrderService(o), State: p.State(o.State), Open: o.State.Open(),
			Accepted: p.Day(o.AcceptedAt)}
		if row.Open {
			row.Due, row.Late = p.When(o.DueAt), o.Light(now) == "red"
		} else if !o.ResolvedAt.IsZero() {
			row.Closed = p.T("myreq.resolved_short", p.Day(o.ResolvedAt))
		} else if !o.ClosedAt.IsZero() {
			row.Closed = p.T("myreq.closed_short", p.Day(o.ClosedAt))
		}
		_, row.RateMe = linli.Transitions[o.State][linli.ActRate]
		row.RateMe = row.RateMe && o.Ratings < 2
		pg.Rows = append(pg.Rows, row)
	}
	if len(list) == requestsPerPage {
		pg.Next = "/my/requests?after=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return s.render(w, r, http.StatusOK, "res_requests.html", pg)
}

// ResEvent is an entry of the public timeline.
type ResEvent struct {
	When string
	Text string
	Note string
}

// ResAnswer is a question of the form and its answer.
type ResAnswer struct {
	Label string
	Value string
}

// ResRequestShowPage is a resident's request.
type ResRequestShowPage struct {
	ResPage
	Order       linli.WorkOrder
	Service     string
	State       string
	Open        bool
	Late        bool
	Due         string
	Closed      string
	ClosedLabel string
	Unit        string
	Area        string
	Answers     []ResAnswer
	Events      []ResEvent
	Photos      []store.Attachment
	Rating      string
	CanRate     bool
	CanWithdraw bool
	Levels      []ResChoice
	Solved      []ResChoice
	Tags        []ResChoice
	Rate        Form
	Withdraw    Form
}

// resOrder loads the actor's own request named by the path.
func (s *Server) resOrder(r *http.Request) (linli.WorkOrder, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return linli.WorkOrder{}, linli.ErrNotFound
	}
	a := actor(r)
	o, err := s.st.WorkOrder(r.Context(), a, id)
	if err != nil {
		return o, err
	}
	if a.UserID == 0 || o.RequesterUserID != a.UserID {
		return linli.WorkOrder{}, linli.ErrNotFound
	}
	return o, nil
}

func (s *Server) resRequest(w http.ResponseWriter, r *http.Request) error {
	o, err := s.resOrder(r)
	if err != nil {
		return err
	}
	return s.resRequestShow(w, r, o, newForm(), newForm(), http.StatusOK)
}

// ratingName is the name of a rating level.
func (p ResPage) ratingName(level int) string {
	if level < 1 || level > 5 {
		return ""
	}
	return p.T("myreq.rating." + strconv.Itoa(level))
}

func (s *Server) resRequestShow(w http.ResponseWriter, r *http.Request, o linli.WorkOrder, rate, withdraw Form, status int) error {
	ctx := r.Context()
	a := actor(r)
	p := s.resPage(r, "myreq.show.title")
	p.Title = p.T("myreq.show.title_of", o.Number)
	pg := ResRequestShowPage{ResPage: p, Order: o, Service: p.OrderService(o), State: p.State(o.State), Open: o.State.Open(),
		Unit: o.LeadUnitName, Rating: p.ratingName(o.Rating), Rate: rate, Withdraw: withdraw}
	if pg.Open {
		pg.Due, pg.Late = p.When(o.DueAt), o.Light(s.st.Now()) == "red"
	} else {
		pg.Closed, pg.ClosedLabel = p.When(o.ClosedAt), p.T("myreq.closed")
		if !o.ResolvedAt.IsZero() {
			pg.Closed, pg.ClosedLabel = p.When(o.ResolvedAt), p.T("myreq.resolved_at")
		}
	}
	if sv, err := s.st.ServiceByCode(ctx, a, o.ServiceCode); err == nil {
		pg.Answers = p.resAnswerRows(sv, o.Answers)
	}
	events, err := s.st.Timeline(ctx, a, o.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		pg.Events = append(pg.Events, p.resEvent(e))
	}
	slices.Reverse(pg.Events) // newest first
	if pg.Photos, err = s.st.Attachments(ctx, a, o.ID); err != nil {
		return err
	}
	_, rateOK := linli.Transitions[o.State][linli.ActRate]
	_, withdrawOK := linli.Transitions[o.State][linli.ActWithdraw]
	pg.CanRate, pg.CanWithdraw = rateOK && o.Ratings < 2, withdrawOK
	for l := linli.RatingVerySatisfied; l >= linli.RatingVeryUnsatisfied; l-- {
		v := strconv.Itoa(l)
		pg.Levels = append(pg.Levels, ResChoice{Key: v, Label: p.ratingName(l), Checked: rate.Values["rating"] == v})
	}
	for _, v := range []string{"yes", "no"} {
		pg.Solved = append(pg.Solved, ResChoice{Key: v, Label: p.T("myreq.solved." + v), Checked: rate.Values["solved"] == v})
	}
	chosen := strings.Split(rate.Values["tags"], ",")
	for _, t := range ratingTags {
		pg.Tags = append(pg.Tags, ResChoice{Key: t, Label: p.T("myreq.tag." + t), Checked: slices.Contains(chosen, t)})
	}
	return s.render(w, r, status, "res_request_show.html", pg)
}

// resAnswerRows lists the answers with their questions and the names of
// the chosen values, in form order.
func (p ResPage) resAnswerRows(sv linli.Service, answers map[string][]string) []ResAnswer {
	var out []ResAnswer
	for _, a := range sv.SortedAttrs() {
		vals := answers[a.Code]
		if !a.Variable || len(vals) == 0 {
			continue
		}
		label := a.Description
		if p.en() && a.DescriptionEn != "" {
			label = a.DescriptionEn
		}
		shown := make([]string, 0, len(vals))
		for _, v := range vals {
			name := v
			for _, av := range a.Values {
				if av.Key == v {
					name = av.Name
					if p.en() && av.NameEn != "" {
						name = av.NameEn
					}
				}
			}
			if a.Datatype == linli.AttrDatetime {
				name = strings.Replace(name, "T", " ", 1)
			}
			shown = append(shown, name)
		}
		out = append(out, ResAnswer{Label: label, Value: strings.Join(shown, p.T("myreq.list_sep"))})
	}
	return out
}

// resEvent words an event of the public timeline for the requester. A
// note is shown when it is the reply, the requester's own words, or a
// note staff marked public.
func (p ResPage) resEvent(e store.WOEvent) ResEvent {
	ev := ResEvent{When: p.When(e.At)}
	key := "myreq.event." + e.Kind
	switch e.Kind {
	case string(linli.ActDispatch), string(linli.ActSign):
		unit := e.UnitName
		if unit == "" {
			unit = p.T("myreq.unit.someone")
		}
		ev.Text = p.T(key, unit)
	case string(linli.ActGrantExtension), string(linli.ActResume), string(linli.ActReopen):
		due := ""
		if s, ok := e.Data["due_at"].(string); ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				due = p.When(t)
			}
		}
		ev.Text = p.T(key, due)
	case string(linli.ActRate):
		level := 0
		if f, ok := e.Data["rating"].(float64); ok {
			level = int(f)
		}
		ev.Text = p.T(key, p.ratingName(level))
	default:
		if p.p.Has(key) {
			ev.Text = p.T(key)
		} else {
			ev.Text = p.T("myreq.event.other", p.State(e.To))
		}
	}
	switch e.Kind {
	case string(linli.ActAnswer), string(linli.ActResolve), string(linli.ActRate), string(linli.ActWithdraw):
		ev.Note = e.Note
	default:
		if pub, _ := e.Data["public"].(bool); pub {
			ev.Note = e.Note
		}
	}
	return ev
}

// resRate rates a resolved request: five levels, solved or not, tags and
// a comment. An unsatisfied rating sends it back to the unit (the store
// decides).
func (s *Server) resRate(w http.ResponseWriter, r *http.Request) error {
	o, err := s.resOrder(r)
	if err != nil {
		return err
	}
	p := s.resPage(r, "myreq.show.title")
	f := formFrom(r, "rating", "solved", "note", "version")
	var tags []string
	for _, t := range r.PostForm["tags"] {
		if slices.Contains(ratingTags, t) && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	f.Values["tags"] = strings.Join(tags, ",")
	level, err := strconv.Atoi(f.Values["rating"])
	if err != nil || level < linli.RatingVeryUnsatisfied || level > linli.RatingVerySatisfied {
		f.Errors["rating"] = p.T("myreq.rating.required")
	}
	if f.Values["solved"] != "yes" && f.Values["solved"] != "no" {
		f.Errors["solved"] = p.T("myreq.solved.required")
	}
	if len(f.Errors) > 0 {
		return s.resRequestShow(w, r, o, f, newForm(), http.StatusUnprocessableEntity)
	}
	version, _ := strconv.ParseInt(f.Values["version"], 10, 64)
	_, err = s.st.Act(r.Context(), actor(r), o.ID, linli.WOActionInput{Action: linli.ActRate, Rating: level, Solved: f.Values["solved"] == "yes",
		RatingTags: tags, Note: f.Values["note"], Version: version, Channel: "web"})
	return s.resActed(w, r, o, err, f, "rate", "myreq.rated")
}

// resWithdraw withdraws an open request, with an optional reason.
func (s *Server) resWithdraw(w http.ResponseWriter, r *http.Request) error {
	o, err := s.resOrder(r)
	if err != nil {
		return err
	}
	f := formFrom(r, "note", "version")
	version, _ := strconv.ParseInt(f.Values["version"], 10, 64)
	_, err = s.st.Act(r.Context(), actor(r), o.ID, linli.WOActionInput{Action: linli.ActWithdraw, Note: f.Values["note"], Public: true, Version: version})
	return s.resActed(w, r, o, err, f, "withdraw", "myreq.withdrawn")
}

// resActed answers an action: back to the request page with a message, the
// form again with its problems, or a notice that the request changed
// meanwhile (someone acted on it since the page was shown).
func (s *Server) resActed(w http.ResponseWriter, r *http.Request, o linli.WorkOrder, err error, f Form, which, okKey string) error {
	to := "/my/requests/" + strconv.FormatInt(o.ID, 10)
	switch {
	case err == nil:
		return s.redirect(w, r, to, okKey)
	case errors.Is(err, linli.ErrConflict), errors.Is(err, linli.ErrForbidden):
		return s.redirect(w, r, to, "myreq.changed")
	}
	p := s.resPage(r, "myreq.show.title")
	if f.setErrors(p.Page, err) {
		if which == "rate" {
			return s.resRequestShow(w, r, o, f, newForm(), http.StatusUnprocessableEntity)
		}
		return s.resRequestShow(w, r, o, newForm(), f, http.StatusUnprocessableEntity)
	}
	return err
}
