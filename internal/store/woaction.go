package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
)

// Actions on work orders: linli.Transitions decides whether an action is
// allowed from the order's state; Act checks who may do it and what it
// needs, then writes the new state, the event, the audit record, the
// outbox messages and the timers in one transaction.

// who may do an action (besides the table allowing it).
func mayAct(a linli.Actor, o linli.WorkOrder, act linli.WOAction) bool {
	requester := a.UserID != 0 && o.RequesterUserID == a.UserID
	lead := a.Can(linli.PermWOHandle) && a.OrgUnitID != 0 && a.OrgUnitID == o.LeadUnitID
	switch act {
	case linli.ActAnswer, linli.ActDispatch, linli.ActApproveReturn, linli.ActRejectReturn, linli.ActVoid, linli.ActMarkDuplicate, linli.ActArchive:
		return a.Can(linli.PermWOIntake)
	case linli.ActSign, linli.ActRequestReturn, linli.ActContact, linli.ActRequestExtension, linli.ActResolve:
		return lead
	case linli.ActGrantExtension, linli.ActDenyExtension, linli.ActDefer, linli.ActResume:
		return a.Can(linli.PermWOSupervise)
	case linli.ActRate:
		return requester || a.Can(linli.PermWOIntake) // the requester, or a clerk's call-back
	case linli.ActWithdraw:
		return requester || a.Can(linli.PermWOIntake)
	case linli.ActReopen, linli.ActCloseUnrated:
		return false // the system's: a rating, a timer
	}
	return false
}

// Act applies an action to an order the actor may see.
func (s *Store) Act(ctx context.Context, a linli.Actor, id int64, in linli.WOActionInput) (linli.WorkOrder, error) {
	cal, err := s.workCalendar(ctx)
	if err != nil {
		return linli.WorkOrder{}, err
	}
	var out linli.WorkOrder
	err = s.write(ctx, func(tx *Tx) error {
		o, err := tx.workOrder(a, id)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != o.Version {
			return linli.ErrConflict
		}
		in.Certificate = "" // only IssueCertificate issues one
		if _, err := linli.Next(o.State, in.Action); err != nil {
			return err
		}
		if !mayAct(a, o, in.Action) {
			return linli.ErrForbidden
		}
		return tx.act(a, cal, &o, in)
	})
	if err != nil {
		return out, err
	}
	// Read back outside the write transaction (the actor acted on it, so
	// may see it; a unit that handed it back may no longer).
	return s.workOrderByID(ctx, id)
}

// workOrderByID loads an order without a scope check, for a caller that
// has just been allowed to act on it.
func (s *Store) workOrderByID(ctx context.Context, id int64) (linli.WorkOrder, error) {
	o, err := scanWO(s.queryRowPrepared(ctx, `SELECT `+woCols+` FROM `+woFrom+` WHERE o.id = ?`, id))
	return o, s.mapErr(err)
}

// act does an allowed action to o (loaded in tx).
func (tx *Tx) act(a linli.Actor, cal linli.WorkCalendar, o *linli.WorkOrder, in linli.WOActionInput) error {
	from := o.State
	to, err := linli.Next(from, in.Action)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 4000 {
		return linli.Invalid("note", "field.too_long", 4000)
	}
	need := func(field string) error {
		if note == "" {
			return linli.Invalid(field, "wo.reason.required")
		}
		return nil
	}
	now := tx.s.d.t(tx.now)
	set := []string{"state = ?", "updated_at = ?", "version = version + 1"}
	args := []any{string(to), now}
	vis := linli.VisInternal
	data := map[string]any{}
	unit := o.LeadUnitID
	var notify []func() error
	timers := false // a new deadline: schedule its timers (older ones fire as no-ops)
	var newDue, newWarn time.Time
	reopened := false // a rating reopened it
	var num int64     // KPI figures of the event (see woEventKPI)
	var flag bool

	sv, err := tx.serviceByID(o.ServiceID)
	if err != nil {
		return err
	}
	switch in.Action {
	case linli.ActAnswer:
		if err := need("note"); err != nil {
			return linli.Invalid("note", "wo.reply.required")
		}
		set = append(set, "reply = ?", "resolved_at = ?", "closed_at = ?")
		args = append(args, note, now, now)
		vis = linli.VisPublic
		notify = append(notify, func() error { return tx.notifyRequester(*o, "wo.notify.answered") })
	case linli.ActDispatch:
		suggested, err := tx.routeUnit(sv, o.Path)
		if err != nil {
			return err
		}
		if in.UnitID == 0 {
			in.UnitID = suggested
		}
		if in.UnitID == 0 {
			return linli.Invalid("unit", "wo.unit.required")
		}
		var kind string
		if err := tx.queryRow(`SELECT kind FROM org_units WHERE id = ?`, in.UnitID).Scan(&kind); err != nil {
			return linli.Invalid("unit", "service.unit.not_found")
		}
		if in.UnitID != suggested && suggested != 0 && note == "" {
			return linli.Invalid("note", "wo.override.reason")
		}
		if slices.Contains(in.CoUnitIDs, in.UnitID) {
			return linli.Invalid("co_units", "wo.co_unit.is_lead")
		}
		if _, err := tx.exec(`UPDATE wo_assignments SET ended_at = ?, end_reason = ? WHERE order_id = ? AND ended_at IS NULL`, now, "redispatch", o.ID); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO wo_assignments (order_id, unit_id, role, reason, assigned_by, assigned_at) VALUES (?, ?, 'lead', ?, ?, ?)`,
			o.ID, in.UnitID, note, nullInt(a.UserID), now); err != nil {
			return err
		}
		for _, cu := range in.CoUnitIDs {
			if err := tx.queryRow(`SELECT kind FROM org_units WHERE id = ?`, cu).Scan(&kind); err != nil {
				return linli.Invalid("co_units", "service.unit.not_found")
			}
			if _, err := tx.exec(`INSERT INTO wo_assignments (order_id, unit_id, role, reason, assigned_by, assigned_at) VALUES (?, ?, 'co', '', ?, ?)`,
				o.ID, cu, nullInt(a.UserID), now); err != nil {
				return err
			}
		}
		set = append(set, "lead_unit_id = ?", "dispatched_at = ?")
		args = append(args, in.UnitID, now)
		unit, vis = in.UnitID, linli.VisPublic
		data["unit_id"], data["suggested_unit_id"], data["co_units"] = in.UnitID, suggested, in.CoUnitIDs
		newUnit := in.UnitID
		notify = append(notify, func() error { return tx.notifyUnit(newUnit, *o, "wo.notify.dispatched") })
		for _, cu := range in.CoUnitIDs {
			notify = append(notify, func() error { return tx.notifyUnit(cu, *o, "wo.notify.co_handler") })
		}
	case linli.ActSign:
		if o.SignedAt.IsZero() {
			// The clock starts at sign-for. A unit that signed before
			// (then asked to return it) keeps its first deadline.
			due := sv.Deadlines[o.Priority].Due(cal, tx.now)
			newDue, newWarn = due, warnAt(tx.now, due, tx.settingInt(SettingWOWarnPercent, 75))
			set = append(set, "signed_at = ?", "due_at = ?", "warn_at = ?", "overdue = 0")
			args = append(args, now, tx.s.d.t(due), tx.s.d.t(newWarn))
			data["due_at"] = due.UTC().Format(time.RFC3339)
			if !o.DispatchedAt.IsZero() {
				num = int64(tx.now.Sub(o.DispatchedAt) / time.Second)
			}
			flag = true // the first sign-for: a response (see rollKind)
		}
		vis, timers = linli.VisPublic, !newDue.IsZero()
	case linli.ActRequestReturn:
		if err := need("note"); err != nil {
			return err
		}
		set = append(set, "returns = returns + 1")
		notify = append(notify, func() error { return tx.notifyIntake(*o, "wo.notify.return_requested") })
	case linli.ActApproveReturn:
		if _, err := tx.exec(`UPDATE wo_assignments SET ended_at = ?, end_reason = ? WHERE order_id = ? AND ended_at IS NULL`, now, "returned", o.ID); err != nil {
			return err
		}
		set = append(set, "lead_unit_id = NULL", "signed_at = NULL")
	case linli.ActRejectReturn:
		if err := need("note"); err != nil {
			return err
		}
		if !o.SignedAt.IsZero() {
			to = linli.WOInProgress // it was signed: back to work, the clock never stopped
			args[0] = string(to)
		}
		notify = append(notify, func() error { return tx.notifyUnit(o.LeadUnitID, *o, "wo.notify.return_rejected") })
	case linli.ActContact:
		vis = linli.VisPublic
	case linli.ActRequestExtension:
		if err := need("note"); err != nil {
			return err
		}
		if in.NewDue.IsZero() || !in.NewDue.After(o.DueAt) {
			return linli.Invalid("new_due", "wo.extension.due_invalid")
		}
		data["new_due"] = in.NewDue.UTC().Format(time.RFC3339)
		notify = append(notify, func() error { return tx.notifySupervisor(o.LeadUnitID, *o, "wo.notify.extension_requested") })
	case linli.ActGrantExtension:
		due, err := tx.requestedDue(o.ID)
		if err != nil {
			return err
		}
		newDue, newWarn = due, warnAt(tx.now, due, tx.settingInt(SettingWOWarnPercent, 75))
		set = append(set, "due_at = ?", "warn_at = ?", "overdue = 0")
		args = append(args, tx.s.d.t(newDue), tx.s.d.t(newWarn))
		data["due_at"] = newDue.UTC().Format(time.RFC3339)
		vis, timers = linli.VisPublic, true
		notify = append(notify, func() error { return tx.notifyUnit(o.LeadUnitID, *o, "wo.notify.extension_granted") })
	case linli.ActDenyExtension:
		notify = append(notify, func() error { return tx.notifyUnit(o.LeadUnitID, *o, "wo.notify.extension_denied") })
	case linli.ActDefer:
		if err := need("note"); err != nil {
			return err
		}
		set = append(set, "paused_at = ?")
		args = append(args, now)
		vis = linli.VisPublic
	case linli.ActResume:
		// The deadline moves by the time the clock was paused.
		due := o.DueAt
		if !o.PausedAt.IsZero() && !due.IsZero() {
			due = due.Add(tx.now.Sub(o.PausedAt))
		}
		newDue, newWarn = due, warnAt(tx.now, due, tx.settingInt(SettingWOWarnPercent, 75))
		set = append(set, "paused_at = NULL", "due_at = ?", "warn_at = ?")
		args = append(args, tx.s.d.t(due), tx.s.d.t(newWarn))
		data["due_at"] = due.UTC().Format(time.RFC3339)
		vis, timers = linli.VisPublic, true
	case linli.ActResolve:
		if note == "" {
			return linli.Invalid("note", "wo.reply.required")
		}
		set = append(set, "reply = ?", "resolved_at = ?", "paused_at = NULL")
		args = append(args, note, now)
		flag = o.DueAt.IsZero() || !tx.now.After(o.DueAt) // on time
		vis = linli.VisPublic
		notify = append(notify, func() error { return tx.notifyRequester(*o, "wo.notify.resolved") })
	case linli.ActRate:
		if in.Rating < 1 || in.Rating > 5 {
			return linli.Invalid("rating", "wo.rating.invalid")
		}
		if o.Ratings >= 2 {
			return linli.Invalid("rating", "wo.rating.twice")
		}
		if utf8.RuneCountInString(note) > 500 {
			return linli.Invalid("note", "field.too_long", 500)
		}
		ch := in.Channel
		if ch == "" {
			ch = "web"
		}
		if _, err := tx.exec(`INSERT INTO wo_ratings (order_id, n, level, solved, tags, comment, channel, unit_id, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.Ratings+1, in.Rating, b2i(in.Solved), mustJSON(nonNil(in.RatingTags)), note, ch, nullInt(o.LeadUnitID), nullInt(a.UserID), now); err != nil {
			return err
		}
		set = append(set, "rating = ?", "ratings = ratings + 1")
		args = append(args, in.Rating)
		data["rating"], data["solved"], data["n"] = in.Rating, in.Solved, o.Ratings+1
		num, flag = int64(b2i(in.Solved)), linli.Satisfied(in.Rating)
		vis = linli.VisPublic
		// An unsatisfied first rating reopens the order to the same unit
		// (if the service says so), with a call-back due in one working day.
		if in.Rating <= linli.RatingUnsatisfied && sv.ReopenOnBad && o.Ratings == 0 && o.LeadUnitID != 0 {
			reopened = true
		} else {
			set = append(set, "closed_at = ?")
			args = append(args, now)
		}
	case linli.ActWithdraw, linli.ActVoid:
		if in.Action == linli.ActVoid {
			if err := need("note"); err != nil {
				return err
			}
		}
		set = append(set, "closed_at = ?")
		args = append(args, now)
		vis = linli.VisPublic
	case linli.ActArchive:
		set = append(set, "closed_at = COALESCE(closed_at, ?)")
		args = append(args, now)
	case linli.ActMarkDuplicate:
		if in.DuplicateOf == 0 || in.DuplicateOf == o.ID {
			return linli.Invalid("duplicate_of", "wo.duplicate.invalid")
		}
		target, err := tx.workOrder(a, in.DuplicateOf)
		if err != nil || !target.State.Open() {
			return linli.Invalid("duplicate_of", "wo.duplicate.invalid")
		}
		if err := tx.mergeInto(a, target, *o); err != nil {
			return err
		}
		set = append(set, "duplicate_of = ?", "closed_at = ?")
		args = append(args, target.ID, now)
		data["into"] = target.Number
		vis = linli.VisPublic
	}
	if in.Action != linli.ActAnswer && in.Action != linli.ActResolve && in.Action != linli.ActRate && note != "" {
		data["public"] = in.Public
	}
	if in.Certificate != "" && (in.Action == linli.ActAnswer || in.Action == linli.ActResolve) {
		data["certificate"] = in.Certificate
	}
	if err := tx.updateWO(o, set, args); err != nil {
		return err
	}
	o.State = to
	if err := tx.woEventKPI(a, *o, string(in.Action), from, to, unit, vis, note, data, num, flag); err != nil {
		return err
	}
	if in.Action == linli.ActResolve {
		if err := tx.scheduleUnrated(*o); err != nil {
			return err
		}
	}
	if reopened {
		if err := tx.reopen(a, cal, o, sv); err != nil {
			return err
		}
	}
	if timers {
		signed := o.SignedAt
		if in.Action == linli.ActSign && signed.IsZero() {
			signed = tx.now.UTC().Truncate(time.Microsecond)
		}
		if err := tx.scheduleTimers(o.ID, newDue, newWarn, signed); err != nil {
			return err
		}
	}
	for _, f := range notify {
		if err := f(); err != nil {
			return err
		}
	}
	ev := auditEvent(a, "wo."+string(in.Action), "work_order", o.Number, o.AreaID)
	ev.Detail = string(from) + "->" + string(o.State)
	return tx.audit(ev)
}

func (tx *Tx) updateWO(o *linli.WorkOrder, set []string, args []any) error {
	res, err := tx.exec(`UPDATE work_orders SET `+strings.Join(set, ", ")+` WHERE id = ? AND version = ?`, append(args, o.ID, o.Version)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return linli.ErrConflict
	}
	o.Version++
	return nil
}

// reopen sends a verified order back to its unit after an unsatisfied
// rating: a new deadline from now, and a call-back task for a clerk due
// in one working day.
func (tx *Tx) reopen(a linli.Actor, cal linli.WorkCalendar, o *linli.WorkOrder, sv linli.Service) error {
	due := sv.Deadlines[o.Priority].Due(cal, tx.now)
	now := tx.s.d.t(tx.now)
	if err := tx.updateWO(o, []string{"state = ?", "reopens = reopens + 1", "resolved_at = NULL", "due_at = ?", "warn_at = ?", "overdue = 0",
		"updated_at = ?", "version = version + 1"}, []any{string(linli.WOReopened), tx.s.d.t(due),
		tx.s.d.t(warnAt(tx.now, due, tx.settingInt(SettingWOWarnPercent, 75))), now}); err != nil {
		return err
	}
	from := o.State
	o.State = linli.WOReopened
	if err := tx.woEvent(a, *o, string(linli.ActReopen), from, linli.WOReopened, 0, linli.VisPublic, "", map[string]any{"due_at": due.UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	if _, err := tx.exec(`INSERT INTO wo_callbacks (order_id, reason, path, due_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		o.ID, "unsatisfied", o.Path, tx.s.d.t(cal.AddWorkingDays(tx.now, 1)), now); err != nil {
		return err
	}
	if err := tx.scheduleTimers(o.ID, due, warnAt(tx.now, due, tx.settingInt(SettingWOWarnPercent, 75)), o.SignedAt); err != nil {
		return err
	}
	return tx.notifyUnit(o.LeadUnitID, *o, "wo.notify.reopened")
}

// requestedDue is the deadline asked for by the order's last extension
// request.
func (tx *Tx) requestedDue(orderID int64) (time.Time, error) {
	var data string
	err := tx.queryRow(`SELECT data FROM wo_events WHERE order_id = ? AND kind = ? ORDER BY id DESC LIMIT 1`, orderID, string(linli.ActRequestExtension)).Scan(&data)
	if err != nil {
		return time.Time{}, linli.Invalid("new_due", "wo.extension.due_invalid")
	}
	var d struct {
		NewDue time.Time `json:"new_due"`
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil || d.NewDue.IsZero() {
		return time.Time{}, linli.Invalid("new_due", "wo.extension.due_invalid")
	}
	return d.NewDue, nil
}

// mergeInto records dup's requester on target, and raises the target's
// priority as requesters add up: 3 or more urgent, 10 or more critical.
func (tx *Tx) mergeInto(a linli.Actor, target, dup linli.WorkOrder) error {
	if _, err := tx.exec(`INSERT INTO wo_requesters (order_id, from_order, at) VALUES (?, ?, ?)`, target.ID, dup.ID, tx.s.d.t(tx.now)); err != nil {
		return err
	}
	n := target.Requesters + dup.Requesters
	pr := target.Priority
	if n >= 3 && pr == linli.PriorityNormal {
		pr = linli.PriorityUrgent
	}
	if n >= 10 {
		pr = linli.PriorityCritical
	}
	if err := tx.updateWO(&target, []string{"requesters = ?", "priority = ?", "updated_at = ?", "version = version + 1"},
		[]any{n, string(pr), tx.s.d.t(tx.now)}); err != nil {
		return err
	}
	data := map[string]any{"from": dup.Number, "requesters": n}
	if pr != target.Priority {
		data["priority"] = pr
	}
	if err := tx.woEvent(a, target, "merged", target.State, target.State, 0, linli.VisInternal, "", data); err != nil {
		return err
	}
	return tx.notifyRequester(dup, "wo.notify.merged")
}

// PossibleDuplicates lists open orders for the same service in the same
// area accepted within the duplicate window before or after o.
func (s *Store) PossibleDuplicates(ctx context.Context, a linli.Actor, id int64) ([]linli.WorkOrder, error) {
	if !a.Can(linli.PermWORead) {
		return nil, linli.ErrNotFound
	}
	o, err := s.WorkOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v, _ := s.Setting(ctx, SettingWODupHours)
	win := time.Duration(settingNumber(v, 72)) * time.Hour
	cond, args := woVisible(a)
	rows, err := s.query(ctx, `SELECT `+woCols+` FROM `+woFrom+` WHERE o.service_id = ? AND o.area_id = ? AND o.id <> ?
		AND o.accepted_at >= ? AND o.accepted_at <= ? AND o.state NOT IN ('answered', 'archived', 'void', 'duplicate', 'withdrawn', 'verified')
		AND `+cond+` ORDER BY o.id LIMIT 20`, append([]any{o.ServiceID, o.AreaID, o.ID, s.d.t(o.AcceptedAt.Add(-win)), s.d.t(o.AcceptedAt.Add(win))}, args...)...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.WorkOrder
	for rows.Next() {
		x, err := scanWO(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
