package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// Lists of work orders: search, a unit's queue, the intake desk's inbox,
// the overdue board, a resident's own requests, call-back tasks.

// WOFilter narrows ListWorkOrders. Zero values do not filter.
type WOFilter struct {
	States      []linli.WOState
	ServiceCode string
	AreaID      int64 // inside the actor's scope
	UnitID      int64 // lead unit
	From, To    time.Time
	Number      string
	Phone       string // the requester's phone (exact, via the blind index)
	Mine        bool   // only the actor's own requests (residents)
	AfterID     int64  // cursor: orders with a smaller id (newest first)
	Limit       int
}

// ListWorkOrders lists visible orders, newest first.
func (s *Store) ListWorkOrders(ctx context.Context, a linli.Actor, f WOFilter) ([]linli.WorkOrder, error) {
	cond, args := woVisible(a)
	where := []string{cond}
	if f.Mine {
		where = append(where, "o.requester_user_id = ?")
		args = append(args, a.UserID)
	}
	if len(f.States) > 0 {
		where = append(where, "o.state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.ServiceCode != "" {
		where = append(where, "sv.code = ?")
		args = append(args, f.ServiceCode)
	}
	if f.AreaID != 0 {
		ar, err := s.Area(ctx, a, f.AreaID)
		if err != nil {
			return nil, err
		}
		c, cargs := scopeCond("o.path", linli.Scope{AreaIDs: []int64{ar.ID}, Paths: []string{ar.Path}})
		where = append(where, c)
		args = append(args, cargs...)
	}
	if f.UnitID != 0 {
		where = append(where, "o.lead_unit_id = ?")
		args = append(args, f.UnitID)
	}
	if !f.From.IsZero() {
		where = append(where, "o.accepted_at >= ?")
		args = append(args, s.d.t(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "o.accepted_at < ?")
		args = append(args, s.d.t(f.To))
	}
	if n := strings.TrimSpace(f.Number); n != "" {
		where = append(where, "o.number = ?")
		args = append(args, strings.ToUpper(n))
	}
	if p := strings.TrimSpace(f.Phone); p != "" {
		if s.keys == nil {
			return nil, errSearchNoKeys
		}
		where = append(where, "o.contact_phone_bidx = ?")
		args = append(args, s.keys.BlindIndex("person.phone", linli.NormalizePhone(p)))
	}
	if f.AfterID > 0 {
		where = append(where, "o.id < ?")
		args = append(args, f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.listWO(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY o.id DESC LIMIT %d`, woCols, woFrom, strings.Join(where, " AND "), limit), args...)
}

func (s *Store) listWO(ctx context.Context, q string, args ...any) ([]linli.WorkOrder, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.WorkOrder
	for rows.Next() {
		o, err := scanWO(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Queue tabs of a unit.
const (
	QueueToSign     = "to_sign"     // dispatched, waiting for sign-for
	QueueInProgress = "in_progress" // signed and running (or paused)
	QueueDueSoon    = "due_soon"    // past the warning point, not yet due
	QueueOverdue    = "overdue"     // past the deadline
	QueueReturned   = "returned"    // return requested, waiting for the clerk
)

// queueStates are the states of a unit's open work.
var queueStates = []linli.WOState{linli.WOInProgress, linli.WOContacted, linli.WOExtensionRequested, linli.WODeferred, linli.WOReopened}

// UnitQueue lists a unit's orders of one tab, most urgent first (by due
// time). unitID 0 is the actor's own unit; another unit needs wo.supervise
// and the unit's area in scope.
func (s *Store) UnitQueue(ctx context.Context, a linli.Actor, unitID int64, tab string, now time.Time, limit int) ([]linli.WorkOrder, error) {
	unitID, err := s.queueUnit(ctx, a, unitID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	where := "o.lead_unit_id = ?"
	args := []any{unitID}
	states := queueStates
	switch tab {
	case QueueToSign:
		states = []linli.WOState{linli.WODispatched}
	case QueueReturned:
		states = []linli.WOState{linli.WOReturnRequested}
	case QueueDueSoon:
		where += " AND o.warn_at <= ? AND o.due_at > ?"
		args = append(args, s.d.t(now), s.d.t(now))
	case QueueOverdue:
		where += " AND o.due_at <= ?"
		args = append(args, s.d.t(now))
	case QueueInProgress, "":
	default:
		return nil, linli.Invalid("tab", "wo.queue.tab_invalid")
	}
	// One index range per state (work_orders_unit: unit, state, due).
	parts := make([]string, 0, len(states))
	var all []any
	for _, st := range states {
		parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT %s FROM %s WHERE %s AND o.state = ? ORDER BY o.due_at, o.id LIMIT %d) q%d`,
			woCols, woFrom, where, limit, len(parts)))
		all = append(all, args...)
		all = append(all, string(st))
	}
	q := strings.Join(parts, " UNION ALL ")
	if len(parts) > 1 {
		q = `SELECT * FROM (` + q + `) u ORDER BY 29, 1 LIMIT ` + fmt.Sprint(limit) // 29: due_at in woCols
	}
	return s.listWO(ctx, q, all...)
}

// queueUnit is the unit whose queue the actor asks for (0: their own),
// or ErrNotFound: another unit's queue needs wo.supervise and the unit's
// area in scope.
func (s *Store) queueUnit(ctx context.Context, a linli.Actor, unitID int64) (int64, error) {
	if unitID == 0 {
		unitID = a.OrgUnitID
	}
	if unitID == 0 || !a.Can(linli.PermWORead) {
		return 0, linli.ErrNotFound
	}
	if unitID != a.OrgUnitID {
		if !a.Can(linli.PermWOSupervise) {
			return 0, linli.ErrNotFound
		}
		var areaID int64
		if err := s.queryRow(ctx, `SELECT area_id FROM org_units WHERE id = ?`, unitID).Scan(&areaID); err != nil {
			return 0, s.mapErr(err)
		}
		if _, err := s.Area(ctx, a, areaID); err != nil {
			return 0, err
		}
	}
	return unitID, nil
}

// QueueCounts counts a unit's orders per tab (the same access rule as
// UnitQueue).
func (s *Store) QueueCounts(ctx context.Context, a linli.Actor, unitID int64, now time.Time) (map[string]int, error) {
	unitID, err := s.queueUnit(ctx, a, unitID)
	if err != nil {
		return nil, err
	}
	in := "?" + strings.Repeat(", ?", len(queueStates)-1)
	open := []any{unitID}
	for _, st := range queueStates {
		open = append(open, string(st))
	}
	out := map[string]int{}
	for _, c := range []struct {
		tab, q string
		args   []any
	}{
		{QueueToSign, `o.lead_unit_id = ? AND o.state = 'dispatched'`, []any{unitID}},
		{QueueReturned, `o.lead_unit_id = ? AND o.state = 'return_requested'`, []any{unitID}},
		{QueueInProgress, `o.lead_unit_id = ? AND o.state IN (` + in + `)`, open},
		{QueueDueSoon, `o.lead_unit_id = ? AND o.state IN (` + in + `) AND o.warn_at <= ? AND o.due_at > ?`, append(append([]any{}, open...), s.d.t(now), s.d.t(now))},
		{QueueOverdue, `o.lead_unit_id = ? AND o.state IN (` + in + `) AND o.due_at <= ?`, append(append([]any{}, open...), s.d.t(now))},
	} {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM work_orders o WHERE `+c.q, c.args...).Scan(&n); err != nil {
			return nil, s.mapErr(err)
		}
		out[c.tab] = n
	}
	return out, nil
}

// Inbox tabs of the intake desk (待派单).
const (
	InboxNew      = "new"      // accepted, not dispatched yet
	InboxReturned = "returned" // a unit asked to return it
)

// inboxCond is the condition of an inbox tab on the orders o, or false for
// an unknown tab. An accepted order has no lead unit (dispatch sets one, an
// approved return clears it), so the new tab is one range of the index
// work_orders_unit (unit, state, due). A return request has a unit, any
// unit: the returned tab is a range of that index per unit (the units are
// a few thousand at most, the orders in that state a few), not a walk of
// every order in the scope.
func inboxCond(tab string) (string, bool) {
	switch tab {
	case InboxNew:
		return `o.lead_unit_id IS NULL AND o.state = 'accepted'`, true
	case InboxReturned:
		return `o.lead_unit_id IN (SELECT id FROM org_units) AND o.state = 'return_requested'`, true
	}
	return "", false
}

// IntakeInbox lists one tab of the intake desk's inbox: the orders in the
// actor's scope that wait for a clerk, oldest first (new: by acceptance;
// returned: by the return request, the order's last change). The desk is
// for wo.intake; anyone else gets ErrNotFound. The scope is the actor's
// areas only, not the orders assigned to its unit: the desk of the area
// where an order is decides where it goes.
func (s *Store) IntakeInbox(ctx context.Context, a linli.Actor, tab string, limit int) ([]linli.WorkOrder, error) {
	if !a.Can(linli.PermWOIntake) {
		return nil, linli.ErrNotFound
	}
	cond, ok := inboxCond(tab)
	if !ok {
		return nil, linli.Invalid("tab", "wo.inbox.tab_invalid")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	order := "o.accepted_at, o.id"
	if tab == InboxReturned {
		order = "o.updated_at, o.id"
	}
	sc, args := scopeCond("o.path", a.Scope)
	return s.listWO(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s AND %s ORDER BY %s LIMIT %d`, woCols, woFrom, cond, sc, order, limit), args...)
}

// InboxCounts counts the orders of each inbox tab (the same rule as
// IntakeInbox).
func (s *Store) InboxCounts(ctx context.Context, a linli.Actor) (map[string]int, error) {
	if !a.Can(linli.PermWOIntake) {
		return nil, linli.ErrNotFound
	}
	sc, args := scopeCond("o.path", a.Scope)
	out := map[string]int{}
	for _, tab := range []string{InboxNew, InboxReturned} {
		cond, _ := inboxCond(tab)
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM work_orders o WHERE `+cond+` AND `+sc, args...).Scan(&n); err != nil {
			return nil, s.mapErr(err)
		}
		out[tab] = n
	}
	return out, nil
}

// OverdueBoard lists the open, signed orders flagged overdue in the
// actor's scope (the supervisor's board), oldest deadline first.
func (s *Store) OverdueBoard(ctx context.Context, a linli.Actor, now time.Time, limit int) ([]linli.WorkOrder, error) {
	if !a.Can(linli.PermWOSupervise) {
		return nil, linli.ErrNotFound
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	cond, args := scopeCond("o.path", a.Scope)
	in := "?" + strings.Repeat(", ?", len(queueStates)-1)
	var sargs []any
	for _, st := range queueStates {
		sargs = append(sargs, string(st))
	}
	// The overdue timer flags an order when its deadline passes (within a
	// second of the runner's poll); the partial index holds only those.
	q := fmt.Sprintf(`SELECT %s FROM %s WHERE o.overdue = 1 AND o.state IN (%s) AND o.due_at <= ? AND %s ORDER BY o.due_at LIMIT %d`, woCols, woFrom, in, cond, limit)
	return s.listWO(ctx, q, append(append(sargs, s.d.t(now)), args...)...)
}

// Callback is a call-back task for a clerk.
type Callback struct {
	ID       int64
	OrderID  int64
	Number   string
	Reason   string
	DueAt    time.Time
	DoneAt   time.Time
	Note     string
	Service  string
	Customer string
}

// Callbacks lists the open call-back tasks in the actor's scope, due
// first.
func (s *Store) Callbacks(ctx context.Context, a linli.Actor) ([]Callback, error) {
	if !a.Can(linli.PermWOIntake) {
		return nil, linli.ErrNotFound
	}
	cond, args := scopeCond("c.path", a.Scope)
	rows, err := s.query(ctx, `SELECT c.id, c.order_id, o.number, c.reason, c.due_at, c.note, sv.name_zh, o.contact_name
		FROM wo_callbacks c JOIN work_orders o ON o.id = c.order_id JOIN services sv ON sv.id = o.service_id
		WHERE c.done_at IS NULL AND `+cond+` ORDER BY c.due_at LIMIT 200`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Callback
	for rows.Next() {
		var c Callback
		if err := rows.Scan(&c.ID, &c.OrderID, &c.Number, &c.Reason, tm{&c.DueAt}, &c.Note, &c.Service, &c.Customer); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CompleteCallback marks a call-back task done with a note.
func (s *Store) CompleteCallback(ctx context.Context, a linli.Actor, id int64, note string) error {
	if !a.Can(linli.PermWOIntake) {
		return linli.ErrNotFound
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return linli.Invalid("note", "wo.reason.required")
	}
	return s.write(ctx, func(tx *Tx) error {
		cond, args := scopeCond("path", a.Scope)
		res, err := tx.exec(`UPDATE wo_callbacks SET done_at = ?, done_by = ?, note = ? WHERE id = ? AND done_at IS NULL AND `+cond,
			append([]any{tx.s.d.t(tx.now), nullInt(a.UserID), note, id}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.ErrNotFound
		}
		return tx.audit(auditEvent(a, "wo.callback_done", "wo_callback", id, 0))
	})
}
