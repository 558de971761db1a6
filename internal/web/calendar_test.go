package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/calendar"
)

const calFormType = "application/x-www-form-urlencoded"

func TestCalendarPageAndPermissions(t *testing.T) {
	e := newEnv(t)
	e.clock.now = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	admin := e.as("district.admin")

	// The demo holds 2025 and 2026; the page shows the current year.
	resp, page := e.get(admin, "/admin/calendar")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/calendar = %d", resp.StatusCode)
	}
	for _, want := range []string{`id="day-2026-02-15"`, "春节", `id="day-2026-01-04"`, `<option value="2026" selected>`, `<option value="2027">`} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /admin/calendar lacks %s", want)
		}
	}
	if strings.Contains(page, `id="calendar-warning"`) || strings.Contains(page, `id="day-2025-01-28"`) {
		t.Error("GET /admin/calendar warns about 2026 or lists 2025")
	}
	if _, page := e.get(admin, "/admin/calendar?year=2025"); !strings.Contains(page, `id="day-2025-01-28"`) || strings.Contains(page, `id="day-2026-02-15"`) {
		t.Error("GET /admin/calendar?year=2025 does not list 2025 alone")
	}
	// A year without data warns; nothing is built in for 2027.
	_, page = e.get(admin, "/admin/calendar?year=2027")
	if !strings.Contains(page, `id="calendar-warning"`) || strings.Contains(page, `id="calendar-load"`) {
		t.Error("GET /admin/calendar?year=2027: no warning, or a load button without built-in data")
	}
	// The dashboard links the page for its administrator only.
	if _, dash := e.get(admin, "/"); !strings.Contains(dash, `href="/admin/calendar"`) {
		t.Error("the district admin's dashboard lacks the calendar link")
	}
	for _, who := range []string{"comm.worker", "comm.head", "grid.worker", "sys.admin", "audit.admin"} {
		c := e.as(who)
		if _, dash := e.get(c, "/"); strings.Contains(dash, `href="/admin/calendar"`) {
			t.Errorf("%s's dashboard links the calendar", who)
		}
		for _, r := range []struct{ method, path, body string }{
			{http.MethodGet, "/admin/calendar", ""},
			{http.MethodPost, "/admin/calendar", "date=2027-02-06&kind=workday&name=x"},
			{http.MethodPost, "/admin/calendar/2026-02-15/delete", ""},
			{http.MethodPost, "/admin/calendar/load", "year=2025"},
			{http.MethodPost, "/admin/calendar/hours", "hours=00:00-24:00"},
		} {
			if resp, _ := e.do(c, r.method, r.path, calFormType, r.body); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %s %s = %d, want 404", who, r.method, r.path, resp.StatusCode)
			}
		}
	}
	cal, err := e.st.Calendar(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(time.Date(2026, 2, 16, 10, 0, 0, 0, calendar.Shanghai())) || cal.Covers(2027) || cal.Hours().String() != "09:00-12:00,13:00-17:30" {
		t.Fatal("refused requests changed the calendar")
	}
}

func TestCalendarFormsAndErrors(t *testing.T) {
	e := newEnv(t)
	e.clock.now = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	admin := e.as("district.admin")
	ctx := context.Background()

	// A workday on a Wednesday: the form comes back with the input and a
	// message at the field.
	resp, page := e.do(admin, http.MethodPost, "/admin/calendar", calFormType, "year=2027&date=2027-02-03&kind=workday&name="+url.QueryEscape("春节"))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST a workday on a Wednesday = %d, want 422", resp.StatusCode)
	}
	page = html.UnescapeString(page)
	for _, want := range []string{`id="day-kind-err"`, "调休上班日只能是周六或周日", `value="2027-02-03"`, `value="春节"`, `<option value="workday" selected>`, `<option value="2027" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("re-rendered form lacks %s", want)
		}
	}
	resp, page = e.do(admin, http.MethodPost, "/admin/calendar", calFormType, "year=2027&date=2027-2-3&kind=rest&name=")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST a bad day = %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{`id="day-date-err"`, `id="day-kind-err"`, `id="day-name-err"`, `value="2027-2-3"`} {
		if !strings.Contains(page, want) {
			t.Errorf("re-rendered bad form lacks %s", want)
		}
	}
	if cal, _ := e.st.Calendar(ctx); cal.Covers(2027) {
		t.Fatal("a refused form wrote a day")
	}

	// A good day: back to its year, which is no longer without data.
	resp, _ = e.do(admin, http.MethodPost, "/admin/calendar", calFormType, "year=2026&date=2027-02-06&kind=workday&name="+url.QueryEscape("春节"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/calendar?year=2027" {
		t.Fatalf("POST a good day = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = e.get(admin, "/admin/calendar?year=2027")
	if !strings.Contains(page, `id="day-2027-02-06"`) || strings.Contains(page, `id="calendar-warning"`) || !strings.Contains(page, "已保存") {
		t.Error("the saved day is not listed, the warning stays, or no flash")
	}
	// A row's change link fills the form in.
	_, page = e.get(admin, "/admin/calendar?year=2027&date=2027-02-06")
	if !strings.Contains(page, `id="day-date" name="date" type="date" value="2027-02-06"`) || !strings.Contains(page, `<option value="workday" selected>`) {
		t.Error("the change link does not fill the form in")
	}
	// Delete it, then a date that has nothing and one that is no date.
	resp, _ = e.do(admin, http.MethodPost, "/admin/calendar/2027-02-06/delete", calFormType, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/calendar?year=2027" {
		t.Fatalf("POST delete = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = e.get(admin, "/admin/calendar?year=2027"); !strings.Contains(page, `id="calendar-warning"`) {
		t.Error("after the delete 2027 has no warning")
	}
	for _, p := range []string{"/admin/calendar/2027-02-06/delete", "/admin/calendar/x/delete"} {
		if resp, _ := e.do(admin, http.MethodPost, p, calFormType, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", p, resp.StatusCode)
		}
	}

	// Loading the built-in arrangement of a year without data.
	for _, d := range calendar.ChinaYear(2025) {
		if err := e.st.DeleteCalendarDay(ctx, linli.ConsoleActor(), d.Date); err != nil {
			t.Fatal(err)
		}
	}
	_, page = e.get(admin, "/admin/calendar?year=2025")
	if !strings.Contains(page, `id="calendar-warning"`) || !strings.Contains(page, `id="calendar-load"`) {
		t.Fatal("2025 without data offers no load")
	}
	resp, _ = e.do(admin, http.MethodPost, "/admin/calendar/load", calFormType, "year=2025")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/calendar?year=2025" {
		t.Fatalf("POST load = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = e.get(admin, "/admin/calendar?year=2025"); strings.Contains(page, `id="calendar-warning"`) || !strings.Contains(page, `id="day-2025-10-08"`) {
		t.Error("after the load 2025 still warns or lacks its days")
	}

	// Working hours.
	resp, page = e.do(admin, http.MethodPost, "/admin/calendar/hours", calFormType, "year=2026&hours="+url.QueryEscape("13:00-12:00"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="calendar-hours-err"`) || !strings.Contains(page, `value="13:00-12:00"`) {
		t.Fatalf("POST bad hours = %d, or no message at the field", resp.StatusCode)
	}
	resp, _ = e.do(admin, http.MethodPost, "/admin/calendar/hours", calFormType, "year=2026&hours="+url.QueryEscape("08:30-12:00,14:00-18:00"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/calendar?year=2026#hours" {
		t.Fatalf("POST hours = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if h, err := e.st.CalendarHours(ctx); err != nil || h.String() != "08:30-12:00,14:00-18:00" {
		t.Fatalf("CalendarHours() = %v, %v", h, err)
	}
	if _, page = e.get(admin, "/admin/calendar"); !strings.Contains(page, `value="08:30-12:00,14:00-18:00"`) {
		t.Error("the hours form does not show the saved hours")
	}
}
