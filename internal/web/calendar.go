package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli/internal/calendar"
	"github.com/linli-org/linli/internal/store"
)

// The working calendar's administration (service.admin): one year's
// holidays and 调休 workdays with a year selector, a warning when the
// year has no data (deadlines then count plain weekends), a button that
// loads the built-in arrangement of such a year, a form to add or change a
// day (a row's "change" link fills it in), a delete button per day, and the
// working hours. The rules are the store's.

// CalendarPage is one year of the working calendar.
type CalendarPage struct {
	Page
	Year    int
	Years   []CalendarYear
	Days    []CalendarRow
	Covered bool // the year has data
	Builtin bool // the year has no data and a built-in arrangement exists
	Day     Form // the add-or-change form
	Hours   Form // the working hours form
}

// CalendarYear is an option of the year selector.
type CalendarYear struct {
	Year     int
	Covered  bool
	Selected bool
}

// CalendarRow is a special day with its weekday and kind shown.
type CalendarRow struct {
	store.CalendarDay
	Weekday   string
	KindLabel string
}

// calendarDayFields are the inputs of the day form.
var calendarDayFields = []string{"date", "kind", "name"}

// weekdayLabel names a weekday (literal keys, so that the catalog test
// sees them).
func weekdayLabel(p Page, d time.Weekday) string {
	switch d {
	case time.Monday:
		return p.T("calendar.weekday.mon")
	case time.Tuesday:
		return p.T("calendar.weekday.tue")
	case time.Wednesday:
		return p.T("calendar.weekday.wed")
	case time.Thursday:
		return p.T("calendar.weekday.thu")
	case time.Friday:
		return p.T("calendar.weekday.fri")
	case time.Saturday:
		return p.T("calendar.weekday.sat")
	}
	return p.T("calendar.weekday.sun")
}

func kindLabel(p Page, k calendar.Kind) string {
	if k == calendar.Workday {
		return p.T("calendar.kind.workday")
	}
	return p.T("calendar.kind.holiday")
}

// thisYear is the current year in Beijing by the store's clock.
func (s *Server) thisYear() int { return s.st.Now().In(calendar.Shanghai()).Year() }

// calendarYear reads a year from a query or form value; anything else is
// the current year.
func (s *Server) calendarYear(v string) int {
	if y, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && y >= 2000 && y <= 2099 {
		return y
	}
	return s.thisYear()
}

func calendarURL(year int) string { return "/admin/calendar?year=" + strconv.Itoa(year) }

// calendarForms carries re-rendered forms into the page.
type calendarForms struct {
	day, hours Form
	status     int
}

func (s *Server) calendarAdmin(w http.ResponseWriter, r *http.Request) error {
	year := s.calendarYear(r.URL.Query().Get("year"))
	return s.showCalendar(w, r, year, calendarForms{}, r.URL.Query().Get("date"))
}

// showCalendar renders a year. Empty forms are filled: the day form with
// the day of edit (a row's change link) or the selected year's first of
// January, the hours form with the current hours.
func (s *Server) showCalendar(w http.ResponseWriter, r *http.Request, year int, cf calendarForms, edit string) error {
	ctx := r.Context()
	days, err := s.st.CalendarDays(ctx)
	if err != nil {
		return err
	}
	hours, err := s.st.CalendarHours(ctx)
	if err != nil {
		return err
	}
	pg := CalendarPage{Page: s.page(r, "calendar.title"), Year: year, Day: cf.day, Hours: cf.hours}
	pg.Path = "/admin/calendar"
	covered := map[int]bool{}
	prefix := strconv.Itoa(year) + "-"
	for _, d := range days {
		if y, err := strconv.Atoi(d.Date[:4]); err == nil {
			covered[y] = true
		}
		if !strings.HasPrefix(d.Date, prefix) {
			continue
		}
		t, _ := calendar.ParseDate(d.Date)
		pg.Days = append(pg.Days, CalendarRow{CalendarDay: d, Weekday: weekdayLabel(pg.Page, t.Weekday()), KindLabel: kindLabel(pg.Page, d.Kind)})
	}
	pg.Covered = covered[year]
	pg.Builtin = !pg.Covered && len(calendar.ChinaYear(year)) > 0
	// The selector: every year with data, last year to next year, and the
	// year shown.
	now := s.thisYear()
	lo, hi := min(now-1, year), max(now+1, year)
	for y := range covered {
		lo, hi = min(lo, y), max(hi, y)
	}
	for y := hi; y >= lo; y-- {
		pg.Years = append(pg.Years, CalendarYear{Year: y, Covered: covered[y], Selected: y == year})
	}
	if pg.Day.Values == nil {
		pg.Day = newForm()
		pg.Day.Values["date"], pg.Day.Values["kind"] = prefix+"01-01", string(calendar.Holiday)
		for _, d := range days {
			if d.Date == edit {
				pg.Day.Values["date"], pg.Day.Values["kind"], pg.Day.Values["name"] = d.Date, string(d.Kind), d.Name
			}
		}
	}
	if pg.Hours.Values == nil {
		pg.Hours = newForm()
		pg.Hours.Values["hours"] = hours.String()
	}
	status := cf.status
	if status == 0 {
		status = http.StatusOK
	}
	return s.render(w, r, status, "calendar.html", pg)
}

// calendarSet adds or changes a day; a bad field re-renders the form with
// the input and a message at the field.
func (s *Server) calendarSet(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, calendarDayFields...)
	d, err := s.st.SetCalendarDay(r.Context(), actor(r), calendar.Special{Date: f.Values["date"], Kind: calendar.Kind(f.Values["kind"]), Name: f.Values["name"]})
	if err == nil {
		return s.redirect(w, r, calendarURL(s.calendarYear(d.Date[:4])), "calendar.saved")
	}
	if f.setErrors(s.page(r, "calendar.title"), err) {
		year := s.calendarYear(r.PostFormValue("year"))
		if t, err := calendar.ParseDate(f.Values["date"]); err == nil {
			year = s.calendarYear(strconv.Itoa(t.Year()))
		}
		return s.showCalendar(w, r, year, calendarForms{day: f, status: http.StatusUnprocessableEntity}, "")
	}
	return err
}

// calendarDelete removes a day and goes back to its year.
func (s *Server) calendarDelete(w http.ResponseWriter, r *http.Request) error {
	date := r.PathValue("date")
	if err := s.st.DeleteCalendarDay(r.Context(), actor(r), date); err != nil {
		return err
	}
	return s.redirect(w, r, calendarURL(s.calendarYear(date[:4])), "calendar.deleted")
}

// calendarLoad loads the built-in arrangement of a year that has none.
func (s *Server) calendarLoad(w http.ResponseWriter, r *http.Request) error {
	year := s.calendarYear(r.PostFormValue("year"))
	days := calendar.ChinaYear(year)
	if len(days) == 0 {
		return s.redirect(w, r, calendarURL(year), "calendar.load.none")
	}
	n, err := s.st.LoadCalendarDays(r.Context(), actor(r), days)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.redirect(w, r, calendarURL(year), "calendar.load.nothing")
	}
	return s.redirect(w, r, calendarURL(year), "calendar.loaded")
}

// calendarHours sets the working hours.
func (s *Server) calendarHours(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, "hours")
	year := s.calendarYear(r.PostFormValue("year"))
	if _, err := s.st.SetCalendarHours(r.Context(), actor(r), f.Values["hours"]); err != nil {
		if f.setErrors(s.page(r, "calendar.title"), err) {
			return s.showCalendar(w, r, year, calendarForms{hours: f, status: http.StatusUnprocessableEntity}, "")
		}
		return err
	}
	return s.redirect(w, r, calendarURL(year)+"#hours", "calendar.hours.saved")
}
