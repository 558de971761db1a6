// Package calendar is the working calendar of work-order deadlines: which
// days are worked, which hours of them, and deadlines counted in working
// days or working hours. It is pure (no clock, no storage): the store
// builds a Calendar from the table the administrator edits.
//
// # Days
//
// A day is a working day when it is Monday to Friday and not a Holiday
// special, or when it is a Workday special (调休上班: a Saturday or Sunday
// that is worked). The official arrangement of each year (法定节假日 and
// 调休) is data: China returns the State Council's notices for the years
// built in, and an administrator enters and corrects the others. A
// Holiday may fall on a Saturday or Sunday (a festival's weekend days are
// kept with their name, for display; they change nothing); a Workday must
// fall on a Saturday or Sunday (on a weekday it would change nothing and
// is most likely a typing error). A year without any special is counted
// with plain weekends; Covers tells the interface to warn about it.
//
// # Hours
//
// The working hours are the same periods on every working day, by default
// 09:00–12:00 and 13:00–17:30 in Asia/Shanghai (China has had no daylight
// saving time since 1991). A deadline computed in working units always
// lands inside a period of a working day, both ends included: counting
// three hours from 09:00 ends at 12:00, not at 13:00.
//
// # Deadlines
//
//   - AddWorkingDays(start, n): the close (end of the last period) of the
//     n-th working day after the day of start. The day of start never
//     counts, whatever the hour (as in 民法典 art. 201: 开始的当日不计入):
//     Friday 16:00 plus 1 working day is the next working day at 17:30, and
//     so is Friday 08:00 or a Saturday. n ≤ 0 is the first close at or
//     after start (due "today", or on the next working day when today's
//     work is over or today is not worked).
//   - AddWorkingHours(start, d): counts d of working time from start,
//     skipping the time between periods, non-working days and holidays. A
//     start outside working hours counts from the next period's start.
//     d ≤ 0 is the first working instant at or after start.
//   - AddNatural(start, d): natural time (特急/紧急 orders), start + d;
//     it may land on a holiday at night, on purpose.
//   - WorkingDuration(from, to): the working time between two instants,
//     for pauses and KPIs; negative when to is before from, so the
//     remaining time to a passed deadline is the negative overdue time.
//     WorkingDuration(s, AddWorkingHours(s, d)) == d for every d ≥ 0.
//
// Results are in the calendar's location.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is what a special day is.
type Kind string

const (
	// Holiday is a day off: a public holiday (法定节假日) or a rest day of
	// its arrangement that would otherwise be a working day.
	Holiday Kind = "holiday"
	// Workday is a Saturday or Sunday that is worked (调休上班).
	Workday Kind = "workday"
)

// DateLayout is the layout of Special.Date.
const DateLayout = "2006-01-02"

// Special is one day that the official arrangement sets apart.
type Special struct {
	Date string // YYYY-MM-DD
	Kind Kind
	Name string // the festival, e.g. 春节; shown to people, free text
}

// Errors of Special.Check, ParseHours and New. They are wrapped with the
// offending value.
var (
	ErrDate           = errors.New("calendar: the date must be a real date written YYYY-MM-DD")
	ErrKind           = errors.New("calendar: the kind must be holiday or workday")
	ErrWorkdayWeekday = errors.New("calendar: a workday (调休) must fall on a Saturday or Sunday")
	ErrDuplicate      = errors.New("calendar: a date is listed twice")
	ErrHours          = errors.New("calendar: working hours must be ordered periods like 09:00-12:00,13:00-17:30")
)

// ParseDate reads a Special date (YYYY-MM-DD, zero-padded) as midnight UTC.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return time.Time{}, fmt.Errorf("%w: %q", ErrDate, s)
	}
	return t, nil
}

// Check validates one special day: a well-formed date, a known kind, and a
// Workday on a Saturday or Sunday.
func (s Special) Check() error {
	d, err := ParseDate(s.Date)
	if err != nil {
		return err
	}
	switch s.Kind {
	case Holiday:
	case Workday:
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return fmt.Errorf("%w: %s is a %s", ErrWorkdayWeekday, s.Date, wd)
		}
	default:
		return fmt.Errorf("%w: %q", ErrKind, s.Kind)
	}
	return nil
}

// Period is a working period of a day, as wall-clock offsets from
// midnight: [Start, End].
type Period struct {
	Start, End time.Duration
}

// Hours are the working periods of every working day, in order.
type Hours struct {
	Periods []Period
}

// DefaultHours are 09:00–12:00 and 13:00–17:30.
func DefaultHours() Hours {
	return Hours{Periods: []Period{{9 * time.Hour, 12 * time.Hour}, {13 * time.Hour, 17*time.Hour + 30*time.Minute}}}
}

// ParseHours reads periods written "09:00-12:00,13:00-17:30" (as String
// writes them; spaces are ignored).
func ParseHours(s string) (Hours, error) {
	var h Hours
	for part := range strings.SplitSeq(strings.ReplaceAll(s, " ", ""), ",") {
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return Hours{}, fmt.Errorf("%w: %q", ErrHours, s)
		}
		a, errA := parseClock(from)
		b, errB := parseClock(to)
		if errA != nil || errB != nil {
			return Hours{}, fmt.Errorf("%w: %q", ErrHours, s)
		}
		h.Periods = append(h.Periods, Period{a, b})
	}
	if err := h.Check(); err != nil {
		return Hours{}, err
	}
	return h, nil
}

// parseClock reads HH:MM (00:00 to 23:59).
func parseClock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, ErrHours
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 23 {
		return 0, ErrHours
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// String writes the periods as ParseHours reads them.
func (h Hours) String() string {
	parts := make([]string, len(h.Periods))
	for i, p := range h.Periods {
		parts[i] = clock(p.Start) + "-" + clock(p.End)
	}
	return strings.Join(parts, ",")
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// Check validates the periods: at least one, each non-empty, whole
// minutes within one day (ending by 23:59, so that a deadline is always on
// the day it counts), in order and not overlapping (a period may start
// where the previous ends).
func (h Hours) Check() error {
	if len(h.Periods) == 0 {
		return fmt.Errorf("%w: no period", ErrHours)
	}
	for i, p := range h.Periods {
		if p.Start < 0 || p.End >= 24*time.Hour || p.Start >= p.End || p.Start%time.Minute != 0 || p.End%time.Minute != 0 {
			return fmt.Errorf("%w: %s", ErrHours, h)
		}
		if i > 0 && p.Start < h.Periods[i-1].End {
			return fmt.Errorf("%w: %s", ErrHours, h)
		}
	}
	return nil
}

// Shanghai is Asia/Shanghai, or UTC+8 where the system has no time zone
// database (the same since 1991, when China last changed its clocks).
func Shanghai() *time.Location { return shanghai() }

var shanghai = sync.OnceValue(func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
})

// day is a civil date.
type day struct {
	y int
	m time.Month
	d int
}

func (d day) next() day {
	t := time.Date(d.y, d.m, d.d+1, 12, 0, 0, 0, time.UTC)
	return day{t.Year(), t.Month(), t.Day()}
}

func (d day) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d day) before(o day) bool {
	if d.y != o.y {
		return d.y < o.y
	}
	if d.m != o.m {
		return d.m < o.m
	}
	return d.d < o.d
}

// Calendar answers working-time questions. It is immutable and safe for
// concurrent use.
type Calendar struct {
	loc     *time.Location
	periods []Period
	special map[day]Kind
	years   map[int]bool
}

// New builds a calendar from the special days (any order), the working
// hours (DefaultHours when it has no period) and the location (Shanghai
// when nil). It refuses a special that fails Check, a date listed twice
// and bad hours.
func New(specials []Special, hours Hours, loc *time.Location) (*Calendar, error) {
	if len(hours.Periods) == 0 {
		hours = DefaultHours()
	}
	if err := hours.Check(); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = Shanghai()
	}
	c := &Calendar{loc: loc, periods: slices.Clone(hours.Periods), special: map[day]Kind{}, years: map[int]bool{}}
	for _, s := range specials {
		if err := s.Check(); err != nil {
			return nil, err
		}
		t, _ := ParseDate(s.Date)
		d := day{t.Year(), t.Month(), t.Day()}
		if _, dup := c.special[d]; dup {
			return nil, fmt.Errorf("%w: %s", ErrDuplicate, s.Date)
		}
		c.special[d] = s.Kind
		c.years[d.y] = true
	}
	return c, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns the working periods.
func (c *Calendar) Hours() Hours { return Hours{Periods: slices.Clone(c.periods)} }

// Covers reports whether the calendar holds any special day in year, that
// is whether the year's official arrangement has been entered.
func (c *Calendar) Covers(year int) bool { return c.years[year] }

func (c *Calendar) dayOf(t time.Time) day {
	y, m, d := t.In(c.loc).Date()
	return day{y, m, d}
}

// at is the instant of wall-clock offset off on day d.
func (c *Calendar) at(d day, off time.Duration) time.Time {
	return time.Date(d.y, d.m, d.d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, c.loc)
}

func (c *Calendar) working(d day) bool {
	switch c.special[d] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// close is the end of the last period of d.
func (c *Calendar) close(d day) time.Time { return c.at(d, c.periods[len(c.periods)-1].End) }

// IsWorkday reports whether the day of t (in the calendar's location) is a
// working day.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.working(c.dayOf(t)) }

// IsWorkingTime reports whether t is inside a working period of a working
// day, both ends included: every deadline this package computes is.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	d := c.dayOf(t)
	if !c.working(d) {
		return false
	}
	for _, p := range c.periods {
		if !t.Before(c.at(d, p.Start)) && !t.After(c.at(d, p.End)) {
			return true
		}
	}
	return false
}

// AddWorkingDays is the close of the n-th working day after the day of
// start; for n ≤ 0, the first close at or after start (see the package
// documentation).
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	d := c.dayOf(start)
	if n <= 0 {
		for !c.working(d) || c.close(d).Before(start) {
			d = d.next()
		}
		return c.close(d)
	}
	for n > 0 {
		d = d.next()
		if c.working(d) {
			n--
		}
	}
	return c.close(d)
}

// AddWorkingHours counts d of working time from start; for d ≤ 0 it is the
// first working instant at or after start (see the package documentation).
func (c *Calendar) AddWorkingHours(start time.Time, d time.Duration) time.Time {
	d = max(d, 0)
	start = start.In(c.loc)
	for dd := c.dayOf(start); ; dd = dd.next() {
		if !c.working(dd) {
			continue
		}
		for _, p := range c.periods {
			from, end := c.at(dd, p.Start), c.at(dd, p.End)
			if end.Before(start) {
				continue
			}
			if start.After(from) {
				from = start
			}
			avail := end.Sub(from)
			if d <= avail {
				return from.Add(d)
			}
			d -= avail
		}
	}
}

// AddNatural is start + d in natural time (特急/紧急 orders), in the
// calendar's location.
func (c *Calendar) AddNatural(start time.Time, d time.Duration) time.Time {
	return start.Add(d).In(c.loc)
}

// WorkingDuration is the working time between from and to: the parts of
// working periods of working days that lie between them. It is negative
// when to is before from.
func (c *Calendar) WorkingDuration(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.WorkingDuration(to, from)
	}
	var sum time.Duration
	last := c.dayOf(to)
	for dd := c.dayOf(from); !last.before(dd); dd = dd.next() {
		if !c.working(dd) {
			continue
		}
		for _, p := range c.periods {
			a, b := c.at(dd, p.Start), c.at(dd, p.End)
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				sum += b.Sub(a)
			}
		}
	}
	return sum
}
