package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// A unit's queues (/wo/queue), the intake desk's inbox (/wo/inbox), the
// supervisor's overdue board (/wo/overdue) and the clerks' call-back
// tasks (/wo/callbacks).

// queueTabs are the tabs of a unit's queue, in display order.
var queueTabs = []string{store.QueueToSign, store.QueueInProgress, store.QueueDueSoon, store.QueueOverdue, store.QueueReturned}

// QueueTab is a tab of the queue.
type QueueTab struct {
	Code   string
	Label  string
	Count  int
	Active bool
	URL    string
}

// WOQueuePage is one tab of a unit's queue.
type WOQueuePage struct {
	WOPage
	Tab      QueueTab
	Tabs     []QueueTab
	Orders   []linli.WorkOrder
	UnitID   int64
	UnitName string
	Units    []OrgOption // other units a supervisor may look at
}

// queueTabLabel is a tab's name (literal keys, so that the catalog test
// sees them).
func queueTabLabel(p Page, tab string) string {
	switch tab {
	case store.QueueToSign:
		return p.T("wostaff.queue.to_sign")
	case store.QueueInProgress:
		return p.T("wostaff.queue.in_progress")
	case store.QueueDueSoon:
		return p.T("wostaff.queue.due_soon")
	case store.QueueOverdue:
		return p.T("wostaff.queue.overdue")
	case store.QueueReturned:
		return p.T("wostaff.queue.returned")
	}
	return tab
}

func (s *Server) woQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	pg := WOQueuePage{WOPage: s.woPage(r, "wostaff.queue.title")}
	q := r.URL.Query()
	tab := q.Get("tab")
	if tab == "" {
		tab = store.QueueToSign
	}
	pg.UnitID = woAtoi(q.Get("unit"))
	if pg.UnitID == 0 {
		pg.UnitID = a.OrgUnitID
	}
	if pg.UnitID == 0 {
		return linli.ErrNotFound // no unit of one's own, and none asked for
	}
	counts, err := s.st.QueueCounts(ctx, a, pg.UnitID, pg.Now)
	if err != nil {
		return err
	}
	orders, err := s.st.UnitQueue(ctx, a, pg.UnitID, tab, pg.Now, 200)
	if errors.Is(err, linli.ErrInvalid) {
		return linli.ErrNotFound // no such tab
	}
	if err != nil {
		return err
	}
	pg.Orders = orders
	for _, t := range queueTabs {
		v := url.Values{"tab": {t}}
		if pg.UnitID != a.OrgUnitID {
			v.Set("unit", strconv.FormatInt(pg.UnitID, 10))
		}
		qt := QueueTab{Code: t, Label: queueTabLabel(pg.Page, t), Count: counts[t], Active: t == tab, URL: "/wo/queue?" + v.Encode()}
		if qt.Active {
			pg.Tab = qt
		}
		pg.Tabs = append(pg.Tabs, qt)
	}
	// The unit's name, and the units a supervisor may switch to.
	units, err := s.st.OrgUnits(ctx, a)
	if err != nil {
		return err
	}
	for _, u := range units {
		if u.ID == pg.UnitID {
			pg.UnitName = u.Name
		}
		if a.Can(linli.PermWOSupervise) {
			pg.Units = append(pg.Units, OrgOption{ID: u.ID, Name: u.Name, Selected: u.ID == pg.UnitID})
		}
	}
	if pg.UnitName == "" {
		if u, err := s.st.User(ctx, a, a.UserID); err == nil && u.OrgUnitID == pg.UnitID {
			pg.UnitName = u.OrgUnitName
		}
	}
	pg.Title = pg.T("wostaff.queue.title")
	if err := s.placesOf(r, &pg.WOPage, pg.Orders); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "wo_queue.html", pg)
}

// WOOverduePage is the supervisor's overdue board.
type WOOverduePage struct {
	WOPage
	Orders []linli.WorkOrder
}

func (s *Server) woOverdue(w http.ResponseWriter, r *http.Request) error {
	pg := WOOverduePage{WOPage: s.woPage(r, "wostaff.overdue.title")}
	orders, err := s.st.OverdueBoard(r.Context(), actor(r), pg.Now, 200)
	if err != nil {
		return err
	}
	pg.Orders = orders
	if err := s.placesOf(r, &pg.WOPage, orders); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "wo_overdue.html", pg)
}

// WOCallbacksPage lists the open call-back tasks.
type WOCallbacksPage struct {
	WOPage
	Tasks  []store.Callback
	Failed int64 // the task whose form came back
	Form   Form
}

// Reason is the name of a call-back's reason.
func (p WOCallbacksPage) Reason(code string) string {
	return p.label("wostaff.callbacks.reason.", code)
}

// Overdue reports whether a task is past its time.
func (p WOCallbacksPage) Overdue(c store.Callback) bool {
	return !c.DueAt.IsZero() && p.Now.After(c.DueAt)
}

func (s *Server) woCallbacks(w http.ResponseWriter, r *http.Request) error {
	return s.callbacksPage(w, r, 0, newForm(), http.StatusOK)
}

func (s *Server) callbacksPage(w http.ResponseWriter, r *http.Request, failed int64, f Form, status int) error {
	pg := WOCallbacksPage{WOPage: s.woPage(r, "wostaff.callbacks.title"), Failed: failed, Form: f}
	tasks, err := s.st.Callbacks(r.Context(), actor(r))
	if err != nil {
		return err
	}
	pg.Tasks = tasks
	return s.render(w, r, status, "wo_callbacks.html", pg)
}

// woCallbackDone closes a call-back task with a note. A task out of
// scope (or done already) is a 404 before the note is looked at.
func (s *Server) woCallbackDone(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tasks, err := s.st.Callbacks(ctx, a)
	if err != nil {
		return err
	}
	found := false
	for _, t := range tasks {
		found = found || t.ID == id
	}
	if !found {
		return linli.ErrNotFound
	}
	f := formFrom(r, "note")
	err = s.st.CompleteCallback(ctx, a, id, f.Values["note"])
	if f.setErrors(s.page(r, "wostaff.callbacks.title"), err) {
		return s.callbacksPage(w, r, id, f, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/wo/callbacks", "wostaff.callbacks.done")
}

// inboxTabs are the tabs of the intake desk's inbox, in display order.
var inboxTabs = []string{store.InboxNew, store.InboxReturned}

// WOInboxPage is one tab of the intake desk's inbox (待派单): the orders
// of the clerk's areas that wait for a dispatch (a resident's web request,
// an Open311 request, a hotline or counter order that is still accepted)
// or for a decision on a unit's return request. Dispatching happens on
// the order page.
type WOInboxPage struct {
	WOPage
	Tab    QueueTab
	Tabs   []QueueTab
	Orders []linli.WorkOrder
}

// inboxTabLabel is a tab's name (literal keys, for the catalog test).
func inboxTabLabel(p Page, tab string) string {
	switch tab {
	case store.InboxNew:
		return p.T("wostaff.inbox.new")
	case store.InboxReturned:
		return p.T("wostaff.inbox.returned")
	}
	return tab
}

// Requester is an order's requester, masked as every list shows people.
func (p WOInboxPage) Requester(o linli.WorkOrder) string {
	switch {
	case o.Anonymous:
		return p.T("wostaff.order.anonymous")
	case o.ContactName == "":
		return "—"
	}
	return seal.MaskName(o.ContactName)
}

// Waiting is how long an order has waited for the desk: since it was
// accepted, or in the returned tab since the unit asked (its last change).
func (p WOInboxPage) Waiting(o linli.WorkOrder) string {
	since := o.AcceptedAt
	if p.Tab.Code == store.InboxReturned {
		since = o.UpdatedAt
	}
	if !p.Now.After(since) {
		return p.Duration(0)
	}
	return p.Duration(p.Now.Sub(since))
}

func (s *Server) woInbox(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	pg := WOInboxPage{WOPage: s.woPage(r, "wostaff.inbox.title")}
	tab := r.URL.Query().Get("tab")
	if tab == "" {
		tab = store.InboxNew
	}
	orders, err := s.st.IntakeInbox(ctx, a, tab, 200)
	if errors.Is(err, linli.ErrInvalid) {
		return linli.ErrNotFound // no such tab
	}
	if err != nil {
		return err
	}
	counts, err := s.st.InboxCounts(ctx, a)
	if err != nil {
		return err
	}
	pg.Orders = orders
	for _, t := range inboxTabs {
		qt := QueueTab{Code: t, Label: inboxTabLabel(pg.Page, t), Count: counts[t], Active: t == tab, URL: "/wo/inbox?" + url.Values{"tab": {t}}.Encode()}
		if qt.Active {
			pg.Tab = qt
		}
		pg.Tabs = append(pg.Tabs, qt)
	}
	if err := s.placesOf(r, &pg.WOPage, pg.Orders); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "wo_inbox.html", pg)
}
