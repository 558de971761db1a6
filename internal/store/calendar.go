package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/calendar"
)

// The working calendar (table calendar_days, setting calendar.hours): the
// holidays and 调休 workdays of each year and the working hours, from
// which Calendar builds the engine that computes work-order deadlines.
// Reading needs no permission (every deadline needs it; nothing in it is
// personal). Writing needs service.admin (the service hall's
// configuration, held by the district admin), is validated per field and
// audited in its transaction. Calendar reads the database on every call;
// the work orders' cached copy (workCalendar) is dropped when a write
// commits (InvalidateCalendar), so a change applies at once in this
// process.

// CalendarHoursSetting is the setting that holds the working hours as
// calendar.ParseHours reads them; absent or empty is
// calendar.DefaultHours.
const CalendarHoursSetting = "calendar.hours"

// Limits of the calendar's fields.
const (
	calendarNameMax = 30
	calendarYearMin = 2000
	calendarYearMax = 2099
)

// CalendarDay is a special day as stored.
type CalendarDay struct {
	calendar.Special
	UpdatedAt time.Time
}

// CalendarDays lists every special day in date order.
func (s *Store) CalendarDays(ctx context.Context) ([]CalendarDay, error) {
	rows, err := s.query(ctx, `SELECT date, kind, name, updated_at FROM calendar_days ORDER BY date`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []CalendarDay
	for rows.Next() {
		var d CalendarDay
		var kind string
		if err := rows.Scan(&d.Date, &kind, &d.Name, tm{&d.UpdatedAt}); err != nil {
			return nil, s.mapErr(err)
		}
		d.Kind = calendar.Kind(kind)
		out = append(out, d)
	}
	return out, s.mapErr(rows.Err())
}

// CalendarHours returns the working hours: the setting, or the default.
func (s *Store) CalendarHours(ctx context.Context) (calendar.Hours, error) {
	v, err := s.Setting(ctx, CalendarHoursSetting)
	if err != nil {
		return calendar.Hours{}, s.mapErr(err)
	}
	if strings.TrimSpace(v) == "" {
		return calendar.DefaultHours(), nil
	}
	h, err := calendar.ParseHours(v)
	if err != nil {
		return calendar.Hours{}, fmt.Errorf("store: setting %s: %w", CalendarHoursSetting, err)
	}
	return h, nil
}

// Calendar builds the working calendar from the table and the hours, in
// Asia/Shanghai.
func (s *Store) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	days, err := s.CalendarDays(ctx)
	if err != nil {
		return nil, err
	}
	hours, err := s.CalendarHours(ctx)
	if err != nil {
		return nil, err
	}
	specials := make([]calendar.Special, len(days))
	for i, d := range days {
		specials[i] = d.Special
	}
	return calendar.New(specials, hours, calendar.Shanghai())
}

// cleanCalendarDay trims a special day and checks it, one message per
// field: a real date YYYY-MM-DD within the years the calendar accepts, a
// known kind, a workday on a Saturday or Sunday, and a name.
func cleanCalendarDay(d calendar.Special) (calendar.Special, error) {
	v := &linli.ValidationError{}
	d.Date = strings.TrimSpace(d.Date)
	d.Kind = calendar.Kind(strings.TrimSpace(string(d.Kind)))
	d.Name = strings.TrimSpace(d.Name)
	switch t, err := calendar.ParseDate(d.Date); {
	case d.Date == "":
		v.Add("date", "calendar.date.required")
	case err != nil:
		v.Add("date", "calendar.date.format")
	case t.Year() < calendarYearMin || t.Year() > calendarYearMax:
		v.Add("date", "calendar.date.range", calendarYearMin, calendarYearMax)
	}
	if d.Kind != calendar.Holiday && d.Kind != calendar.Workday {
		v.Add("kind", "calendar.kind.invalid")
	}
	switch {
	case d.Name == "":
		v.Add("name", "calendar.name.required")
	case utf8.RuneCountInString(d.Name) > calendarNameMax:
		v.Add("name", "calendar.name.too_long", calendarNameMax)
	}
	if v.Err() == nil {
		if err := d.Check(); errors.Is(err, calendar.ErrWorkdayWeekday) {
			v.Add("kind", "calendar.kind.workday_weekday")
		} else if err != nil {
			return d, err
		}
	}
	return d, v.Err()
}

// calendarDay loads one stored day; ok is false when there is none.
func (tx *Tx) calendarDay(date string) (calendar.Special, bool, error) {
	d := calendar.Special{Date: date}
	var kind string
	err := tx.queryRow(`SELECT kind, name FROM calendar_days WHERE date = ?`, date).Scan(&kind, &d.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	d.Kind = calendar.Kind(kind)
	return d, err == nil, err
}

// SetCalendarDay adds a special day or changes the kind and name of one
// (the date is the key). Saving what is already stored writes and audits
// nothing.
func (s *Store) SetCalendarDay(ctx context.Context, a linli.Actor, d calendar.Special) (CalendarDay, error) {
	if !a.Can(linli.PermServiceAdmin) {
		return CalendarDay{}, linli.ErrForbidden
	}
	d, err := cleanCalendarDay(d)
	if err != nil {
		return CalendarDay{}, err
	}
	var out CalendarDay
	err = s.write(ctx, func(tx *Tx) error {
		tx.onCommit = append(tx.onCommit, s.InvalidateCalendar)
		old, found, err := tx.calendarDay(d.Date)
		if err != nil {
			return err
		}
		out = CalendarDay{Special: d, UpdatedAt: tx.now}
		ev := auditEvent(a, "calendar.set", "calendar_day", d.Date, 0)
		switch {
		case found && old == d:
			return nil
		case found:
			if _, err := tx.exec(`UPDATE calendar_days SET kind = ?, name = ?, updated_at = ? WHERE date = ?`,
				string(d.Kind), d.Name, tx.s.d.t(tx.now), d.Date); err != nil {
				return err
			}
			ev.Detail = string(old.Kind) + " " + old.Name + " > " + string(d.Kind) + " " + d.Name
		default:
			if _, err := tx.exec(`INSERT INTO calendar_days (date, kind, name, updated_at) VALUES (?, ?, ?, ?)`,
				d.Date, string(d.Kind), d.Name, tx.s.d.t(tx.now)); err != nil {
				return err
			}
			ev.Detail = string(d.Kind) + " " + d.Name
		}
		return tx.audit(ev)
	})
	return out, err
}

// DeleteCalendarDay removes a special day: the date becomes an ordinary
// day again. A date without a special day is ErrNotFound.
func (s *Store) DeleteCalendarDay(ctx context.Context, a linli.Actor, date string) error {
	if !a.Can(linli.PermServiceAdmin) {
		return linli.ErrForbidden
	}
	date = strings.TrimSpace(date)
	if _, err := calendar.ParseDate(date); err != nil {
		return linli.ErrNotFound
	}
	return s.write(ctx, func(tx *Tx) error {
		tx.onCommit = append(tx.onCommit, s.InvalidateCalendar)
		old, found, err := tx.calendarDay(date)
		if err != nil {
			return err
		}
		if !found {
			return linli.ErrNotFound
		}
		if _, err := tx.exec(`DELETE FROM calendar_days WHERE date = ?`, date); err != nil {
			return err
		}
		ev := auditEvent(a, "calendar.delete", "calendar_day", date, 0)
		ev.Detail = string(old.Kind) + " " + old.Name
		return tx.audit(ev)
	})
}

// LoadCalendarDays adds, in one transaction, the days that the table does
// not hold yet (the built-in arrangement of a year, the demo's seed); a
// date already present keeps what an administrator entered. Every day is
// validated before anything is written; an error names the day. It
// returns how many days it added, audited as one record.
func (s *Store) LoadCalendarDays(ctx context.Context, a linli.Actor, days []calendar.Special) (int, error) {
	if !a.Can(linli.PermServiceAdmin) {
		return 0, linli.ErrForbidden
	}
	clean := make([]calendar.Special, 0, len(days))
	seen := map[string]bool{}
	for _, d := range days {
		c, err := cleanCalendarDay(d)
		if err != nil {
			return 0, fmt.Errorf("store: calendar day %s: %w", d.Date, err)
		}
		if seen[c.Date] {
			return 0, linli.Invalid("date", "calendar.date.duplicate", c.Date)
		}
		seen[c.Date] = true
		clean = append(clean, c)
	}
	added := 0
	err := s.write(ctx, func(tx *Tx) error {
		tx.onCommit = append(tx.onCommit, s.InvalidateCalendar)
		added = 0
		var years []string
		for _, d := range clean {
			_, found, err := tx.calendarDay(d.Date)
			if err != nil {
				return err
			}
			if found {
				continue
			}
			if _, err := tx.exec(`INSERT INTO calendar_days (date, kind, name, updated_at) VALUES (?, ?, ?, ?)`,
				d.Date, string(d.Kind), d.Name, tx.s.d.t(tx.now)); err != nil {
				return err
			}
			added++
			if y := d.Date[:4]; len(years) == 0 || years[len(years)-1] != y {
				years = append(years, y)
			}
		}
		if added == 0 {
			return nil
		}
		ev := auditEvent(a, "calendar.load", "calendar_day", strings.Join(years, ","), 0)
		ev.Detail = strconv.Itoa(added) + " days"
		return tx.audit(ev)
	})
	return added, err
}

// SetCalendarHours sets the working hours ("09:00-12:00,13:00-17:30"),
// stored as calendar.Hours.String writes them.
func (s *Store) SetCalendarHours(ctx context.Context, a linli.Actor, hours string) (calendar.Hours, error) {
	if !a.Can(linli.PermServiceAdmin) {
		return calendar.Hours{}, linli.ErrForbidden
	}
	h, err := calendar.ParseHours(hours)
	if err != nil {
		return calendar.Hours{}, linli.Invalid("hours", "calendar.hours.format")
	}
	err = s.write(ctx, func(tx *Tx) error {
		tx.onCommit = append(tx.onCommit, s.InvalidateCalendar)
		var old string
		err := tx.queryRow(`SELECT value FROM settings WHERE key = ?`, CalendarHoursSetting).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if old == h.String() {
			return nil
		}
		if _, err := tx.exec(`DELETE FROM settings WHERE key = ?`, CalendarHoursSetting); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO settings (key, value) VALUES (?, ?)`, CalendarHoursSetting, h.String()); err != nil {
			return err
		}
		ev := auditEvent(a, "calendar.hours", "setting", CalendarHoursSetting, 0)
		ev.Detail = h.String()
		return tx.audit(ev)
	})
	return h, err
}
