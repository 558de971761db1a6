package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/linli-org/linli"
)

// Deadline timers and notifications of work orders.
//
// Timers (wo_timers) are rows, never in-memory timers: scheduleTimers
// writes them in the transaction that sets a deadline, RunTimers fires
// those that are due. Firing marks the timer fired in the transaction
// that does its effect (UPDATE … WHERE state = 'pending'), so a timer
// fires once even with two runners or a crash between the two; a timer
// whose deadline has moved since it was set does nothing.
//
// Notifications are written to the outbox (and to notices for in-app) in
// the transaction of the change; internal/notify delivers them. A message
// is a key of the locale catalogs with parameters (JSON), rendered by the
// sender: the outbox never holds a phone number or an ID number (an SMS
// to a requester names the order, and the sender reads the sealed phone
// when it sends).

// Timer kinds.
const (
	TimerWarn     = "warn"     // yellow: most of the time allowed is gone
	TimerOverdue  = "overdue"  // red: 催办 to the unit
	TimerEscalate = "escalate" // 督办 to the unit's supervisor
	TimerUnrated  = "unrated"  // resolved and never rated: closed as unrated
)

// scheduleTimers sets the first timer of a deadline: the warning (when
// the clock runs and the warning comes before the deadline) or the
// deadline itself. Each timer, when it fires, sets the next one (warn →
// overdue → escalate), so an order has one pending timer per deadline.
// Timers of an earlier deadline are not cancelled: each carries the
// deadline it was set for and does nothing if that is no longer the
// order's (a request that moves a deadline writes one row, not three
// updates and three inserts).
func (tx *Tx) scheduleTimers(orderID int64, due, warn, signedAt time.Time) error {
	if due.IsZero() {
		return nil
	}
	kind, at := TimerOverdue, due
	if !signedAt.IsZero() && !warn.IsZero() && warn.Before(due) {
		kind, at = TimerWarn, warn
	}
	return tx.addTimer(orderID, kind, at, timerKey(due, signedAt))
}

// timerKey names the deadline a timer is for: the due time and the
// sign-for time (the estimate before sign-for is another deadline than
// the one sign-for sets, even at the same instant).
func timerKey(due, signedAt time.Time) string {
	// Microseconds: what both databases keep of a time.
	k := due.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	if !signedAt.IsZero() {
		k += "|" + signedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return k
}

func (tx *Tx) addTimer(orderID int64, kind string, at time.Time, key string) error {
	_, err := tx.exec(`INSERT INTO wo_timers (order_id, kind, fire_at, for_due, created_at) VALUES (?, ?, ?, ?, ?)`,
		orderID, kind, tx.s.d.t(at), key, tx.s.d.t(tx.now))
	return err
}

// systemActor is who timers act as.
var systemActor = linli.NewActor(0, "system", nil, linli.Scope{})

// RunTimers fires the timers due at now, up to limit, and returns how many
// had an effect (a timer whose deadline moved fires without one).
func (s *Store) RunTimers(ctx context.Context, now time.Time, limit int) (int, error) {
	rows, err := s.query(ctx, `SELECT id FROM wo_timers WHERE state = 'pending' AND fire_at <= ? ORDER BY fire_at LIMIT ?`, s.d.t(now), limit)
	if err != nil {
		return 0, s.mapErr(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.mapErr(err)
	}
	n := 0
	for _, id := range ids {
		fired, err := s.fireTimer(ctx, id)
		if err != nil {
			return n, err
		}
		if fired {
			n++
		}
	}
	return n, nil
}

// PendingTimers counts timers not yet fired (for metrics and tests).
func (s *Store) PendingTimers(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM wo_timers WHERE state = 'pending'`).Scan(&n)
	return n, s.mapErr(err)
}

func (s *Store) fireTimer(ctx context.Context, id int64) (bool, error) {
	effect := false
	err := s.write(ctx, func(tx *Tx) error {
		var orderID int64
		var kind, forDue string
		err := tx.queryRow(`UPDATE wo_timers SET state = 'fired', fired_at = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'
			RETURNING order_id, kind, for_due`, tx.s.d.t(tx.now), id).Scan(&orderID, &kind, &forDue)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another runner fired it
		}
		if err != nil {
			return err
		}
		o, err := tx.workOrderSys(orderID)
		if err != nil {
			return err
		}
		if kind != TimerUnrated && (timerKey(o.DueAt, o.SignedAt) != forDue || !o.State.Open() || o.State == linli.WODeferred) {
			return nil // the deadline moved, or the order is no longer running
		}
		effect = true
		switch kind {
		case TimerWarn:
			if err := tx.woEvent(systemActor, o, "warned", o.State, o.State, 0, linli.VisInternal, "", nil); err != nil {
				return err
			}
			if err := tx.addTimer(o.ID, TimerOverdue, o.DueAt, forDue); err != nil {
				return err
			}
			if o.LeadUnitID != 0 {
				return tx.notifyUnit(o.LeadUnitID, o, "wo.notify.due_soon")
			}
		case TimerOverdue:
			if err := tx.updateWO(&o, []string{"overdue = 1", "updated_at = ?", "version = version + 1"}, []any{tx.s.d.t(tx.now)}); err != nil {
				return err
			}
			if err := tx.woEvent(systemActor, o, "reminded", o.State, o.State, 0, linli.VisInternal, "", nil); err != nil {
				return err
			}
			if o.SignedAt.IsZero() || o.LeadUnitID == 0 {
				return tx.notifyIntake(o, "wo.notify.overdue")
			}
			esc := o.DueAt.Add(time.Duration(tx.settingInt(SettingWOEscalateHours, 24)) * time.Hour)
			if err := tx.addTimer(o.ID, TimerEscalate, esc, forDue); err != nil {
				return err
			}
			return tx.notifyUnit(o.LeadUnitID, o, "wo.notify.overdue")
		case TimerEscalate:
			if err := tx.woEvent(systemActor, o, "escalated", o.State, o.State, 0, linli.VisInternal, "", nil); err != nil {
				return err
			}
			return tx.notifySupervisor(o.LeadUnitID, o, "wo.notify.escalated")
		case TimerUnrated:
			// Only the timer of the order's latest resolution: one set by
			// a resolution before a reopen does nothing.
			if o.State != linli.WOResolved || forDue != "" && timerKey(o.ResolvedAt, time.Time{}) != forDue {
				effect = false
				return nil
			}
			from := o.State
			if err := tx.updateWO(&o, []string{"state = ?", "unrated = 1", "closed_at = ?", "updated_at = ?", "version = version + 1"},
				[]any{string(linli.WOArchived), tx.s.d.t(tx.now), tx.s.d.t(tx.now)}); err != nil {
				return err
			}
			o.State = linli.WOArchived
			return tx.woEvent(systemActor, o, string(linli.ActCloseUnrated), from, linli.WOArchived, 0, linli.VisPublic, "", nil)
		}
		return nil
	})
	return effect, err
}

// scheduleUnrated sets the timer that closes a resolved order nobody
// rated. It carries the resolution's time (the order was resolved now).
func (tx *Tx) scheduleUnrated(o linli.WorkOrder) error {
	days := tx.settingInt(SettingWOUnratedDays, 7)
	return tx.addTimer(o.ID, TimerUnrated, tx.now.AddDate(0, 0, days), timerKey(tx.now, time.Time{}))
}

// enqueue writes a message to the outbox. params are the message's
// parameters; the key names the template.
func (tx *Tx) enqueue(channel, recipient, key string, params map[string]any, orderID int64) error {
	now := tx.s.d.t(tx.now)
	_, err := tx.exec(`INSERT INTO outbox (channel, recipient, subject, body, order_id, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		channel, recipient, key, mustJSON(params), nullInt(orderID), now, now)
	return err
}

// notice writes an in-app notice to a user or a unit.
func (tx *Tx) notice(userID, unitID int64, key string, params map[string]any, orderID int64) error {
	_, err := tx.exec(`INSERT INTO notices (user_id, unit_id, order_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		nullInt(userID), nullInt(unitID), nullInt(orderID), mustJSON(map[string]any{"key": key, "params": params}), tx.s.d.t(tx.now))
	return err
}

func woParams(o linli.WorkOrder) map[string]any {
	p := map[string]any{"number": o.Number, "service": o.ServiceName, "service_en": o.ServiceNameEn, "state": string(o.State)}
	if !o.DueAt.IsZero() {
		p["due"] = o.DueAt.In(cst).Format("2006-01-02 15:04")
	}
	return p
}

// notifyRequester tells the requester (and the requesters of orders
// merged into this one): in-app to an account, email to an address, SMS
// through the gateway when there is a phone.
func (tx *Tx) notifyRequester(o linli.WorkOrder, key string) error {
	orders := []int64{o.ID}
	rows, err := tx.query(`SELECT from_order FROM wo_requesters WHERE order_id = ?`, o.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		orders = append(orders, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	params := woParams(o)
	for _, id := range orders {
		var user int64
		var email, phone string
		if err := tx.queryRow(`SELECT COALESCE(requester_user_id, 0), contact_email, contact_phone FROM work_orders WHERE id = ?`, id).Scan(&user, &email, &phone); err != nil {
			return err
		}
		if err := tx.notifyContact(o, id, user, email, phone != "", key, params); err != nil {
			return err
		}
	}
	return nil
}

// notifyContact writes the messages to one requester: in-app to an
// account, email to an address, SMS (through the gateway) when the order
// (fromOrder: the order whose sealed phone it is) has a phone.
func (tx *Tx) notifyContact(o linli.WorkOrder, fromOrder, user int64, email string, phone bool, key string, params map[string]any) error {
	if user != 0 {
		if err := tx.notice(user, 0, key, params, o.ID); err != nil {
			return err
		}
	}
	if email != "" {
		if err := tx.enqueue("email", email, key, params, o.ID); err != nil {
			return err
		}
	}
	if phone {
		return tx.enqueue("webhook", "order:"+strconv.FormatInt(fromOrder, 10), key, params, o.ID)
	}
	return nil
}

// notifyUnit tells a unit: in-app to its members, email to its address.
func (tx *Tx) notifyUnit(unitID int64, o linli.WorkOrder, key string) error {
	if unitID == 0 {
		return nil
	}
	params := woParams(o)
	if err := tx.notice(0, unitID, key, params, o.ID); err != nil {
		return err
	}
	var email string
	if err := tx.queryRow(`SELECT email FROM org_units WHERE id = ?`, unitID).Scan(&email); err != nil {
		return err
	}
	if email != "" {
		return tx.enqueue("email", email, key, params, o.ID)
	}
	return nil
}

// notifySupervisor tells the unit's supervisor: the unit named as its
// supervisor, or else the org unit of the order's street or district.
func (tx *Tx) notifySupervisor(unitID int64, o linli.WorkOrder, key string) error {
	var sup int64
	if unitID != 0 {
		_ = tx.queryRow(`SELECT COALESCE(supervisor_id, 0) FROM org_units WHERE id = ?`, unitID).Scan(&sup)
	}
	if sup == 0 {
		_, street, district := pathIDs(o.Path)
		for _, area := range []int64{street, district} {
			if area == 0 {
				continue
			}
			err := tx.queryRow(`SELECT id FROM org_units WHERE area_id = ? AND kind IN ('street_office', 'district_office') ORDER BY id LIMIT 1`, area).Scan(&sup)
			if err == nil {
				break
			}
		}
	}
	return tx.notifyUnit(sup, o, key)
}

// notifyIntake tells the community that took the order (its committee).
func (tx *Tx) notifyIntake(o linli.WorkOrder, key string) error {
	comm, _, _ := pathIDs(o.Path)
	var unit int64
	if err := tx.queryRow(`SELECT id FROM org_units WHERE area_id = ? ORDER BY id LIMIT 1`, comm).Scan(&unit); err != nil {
		return nil // no committee registered: the queue shows it anyway
	}
	return tx.notifyUnit(unit, o, key)
}

// calCache holds the working calendar between changes of calendar_days.
type calCache struct {
	mu  sync.Mutex
	cal linli.WorkCalendar
}

// workCalendar returns the working calendar, cached until the calendar
// changes (InvalidateCalendar).
func (s *Store) workCalendar(ctx context.Context) (linli.WorkCalendar, error) {
	s.cal.mu.Lock()
	defer s.cal.mu.Unlock()
	if s.cal.cal != nil {
		return s.cal.cal, nil
	}
	c, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("store: no working calendar")
	}
	s.cal.cal = c
	return c, nil
}

// InvalidateCalendar drops the cached calendar (after calendar_days
// changed).
func (s *Store) InvalidateCalendar() {
	s.cal.mu.Lock()
	s.cal.cal = nil
	s.cal.mu.Unlock()
}
