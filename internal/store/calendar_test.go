package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/calendar"
	"github.com/linli-org/linli/internal/store"
)

// calendarActors are the calendar's administrator, a worker who may not
// edit it and the audit admin who reads the records.
func calendarActors(tr tree) (admin, worker, auditor linli.Actor) {
	return actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district),
		actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a),
		actorOn([]linli.Role{linli.RoleAuditAdmin}, tr.district)
}

func calendarAudits(t *testing.T, s *store.Store, auditor linli.Actor, action string) []linli.AuditEvent {
	t.Helper()
	evs, err := s.SearchAudit(context.Background(), auditor, linli.AuditQuery{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func calendarDays(t *testing.T, s *store.Store) map[string]store.CalendarDay {
	t.Helper()
	days, err := s.CalendarDays(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.CalendarDay{}
	for i, d := range days {
		if i > 0 && days[i-1].Date >= d.Date {
			t.Fatalf("CalendarDays() not in date order at %s", d.Date)
		}
		m[d.Date] = d
	}
	return m
}

func TestCalendarSetAndDeleteDay(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		admin, worker, auditor := calendarActors(mustTree(t, s))
		sat := calendar.Special{Date: "2027-02-06", Kind: calendar.Workday, Name: " 春节 "}

		if _, err := s.SetCalendarDay(ctx, worker, sat); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker SetCalendarDay = %v, want ErrForbidden", err)
		}
		if n := countRows(t, s, "calendar_days"); n != 0 {
			t.Fatalf("refused SetCalendarDay wrote %d rows", n)
		}

		got, err := s.SetCalendarDay(ctx, admin, sat)
		if err != nil {
			t.Fatal(err)
		}
		if got.Date != "2027-02-06" || got.Kind != calendar.Workday || got.Name != "春节" || !got.UpdatedAt.Equal(c.t) {
			t.Fatalf("SetCalendarDay(%+v) = %+v", sat, got)
		}
		if d := calendarDays(t, s)["2027-02-06"]; d.Special != got.Special || !d.UpdatedAt.Equal(c.t) {
			t.Fatalf("stored day = %+v, want %+v", d, got)
		}
		evs := calendarAudits(t, s, auditor, "calendar.set")
		if len(evs) != 1 || evs[0].ObjectType != "calendar_day" || evs[0].ObjectID != "2027-02-06" || evs[0].Detail != "workday 春节" {
			t.Fatalf("calendar.set audit = %+v", evs)
		}

		// Saving the same again writes and audits nothing.
		c.Advance(time.Hour)
		if _, err := s.SetCalendarDay(ctx, admin, sat); err != nil {
			t.Fatal(err)
		}
		if evs := calendarAudits(t, s, auditor, "calendar.set"); len(evs) != 1 {
			t.Fatalf("unchanged save audited: %+v", evs)
		}
		if d := calendarDays(t, s)["2027-02-06"]; d.UpdatedAt.Equal(c.t) {
			t.Fatalf("unchanged save touched the row: %+v", d)
		}

		// A change of kind and name.
		if _, err := s.SetCalendarDay(ctx, admin, calendar.Special{Date: "2027-02-06", Kind: calendar.Holiday, Name: "春节假期"}); err != nil {
			t.Fatal(err)
		}
		if d := calendarDays(t, s)["2027-02-06"]; d.Kind != calendar.Holiday || d.Name != "春节假期" || !d.UpdatedAt.Equal(c.t) {
			t.Fatalf("changed day = %+v", d)
		}
		evs = calendarAudits(t, s, auditor, "calendar.set")
		if len(evs) != 2 || !strings.Contains(evs[0].Detail+evs[1].Detail, "workday 春节 > holiday 春节假期") {
			t.Fatalf("calendar.set audit after a change = %+v", evs)
		}

		// Delete.
		if err := s.DeleteCalendarDay(ctx, worker, "2027-02-06"); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker DeleteCalendarDay = %v, want ErrForbidden", err)
		}
		if err := s.DeleteCalendarDay(ctx, admin, "2027-02-06"); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "calendar_days"); n != 0 {
			t.Fatalf("after delete %d rows", n)
		}
		evs = calendarAudits(t, s, auditor, "calendar.delete")
		if len(evs) != 1 || evs[0].ObjectID != "2027-02-06" || evs[0].Detail != "holiday 春节假期" {
			t.Fatalf("calendar.delete audit = %+v", evs)
		}
		for _, date := range []string{"2027-02-06", "2027-02-07", "nonsense", ""} {
			if err := s.DeleteCalendarDay(ctx, admin, date); !errors.Is(err, linli.ErrNotFound) {
				t.Errorf("DeleteCalendarDay(%q) = %v, want ErrNotFound", date, err)
			}
		}
		if evs := calendarAudits(t, s, auditor, "calendar.delete"); len(evs) != 1 {
			t.Fatalf("refused deletes audited: %+v", evs)
		}
	})
}

func TestCalendarDayValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		admin, _, _ := calendarActors(mustTree(t, s))
		tests := []struct {
			day        calendar.Special
			field, key string
		}{
			{calendar.Special{Date: "", Kind: calendar.Holiday, Name: "x"}, "date", "calendar.date.required"},
			{calendar.Special{Date: "2027-2-6", Kind: calendar.Holiday, Name: "x"}, "date", "calendar.date.format"},
			{calendar.Special{Date: "2027-02-30", Kind: calendar.Holiday, Name: "x"}, "date", "calendar.date.format"},
			{calendar.Special{Date: "2027/02/06", Kind: calendar.Holiday, Name: "x"}, "date", "calendar.date.format"},
			{calendar.Special{Date: "1999-10-01", Kind: calendar.Holiday, Name: "x"}, "date", "calendar.date.range"},
			{calendar.Special{Date: "2100-01-01", Kind: calendar.Holiday, Name: "x"}, "date", "calendar.date.range"},
			{calendar.Special{Date: "2027-02-06", Kind: "", Name: "x"}, "kind", "calendar.kind.invalid"},
			{calendar.Special{Date: "2027-02-06", Kind: "rest", Name: "x"}, "kind", "calendar.kind.invalid"},
			{calendar.Special{Date: "2027-02-06", Kind: calendar.Holiday, Name: "  "}, "name", "calendar.name.required"},
			{calendar.Special{Date: "2027-02-06", Kind: calendar.Holiday, Name: strings.Repeat("节", 31)}, "name", "calendar.name.too_long"},
			{calendar.Special{Date: "2027-02-03", Kind: calendar.Workday, Name: "春节"}, "kind", "calendar.kind.workday_weekday"}, // a Wednesday
		}
		for _, tt := range tests {
			_, err := s.SetCalendarDay(ctx, admin, tt.day)
			fieldErr(t, err, tt.field, tt.key)
		}
		if n := countRows(t, s, "calendar_days"); n != 0 {
			t.Fatalf("refused days wrote %d rows", n)
		}
		// Several problems at once: one message per field.
		_, err := s.SetCalendarDay(ctx, admin, calendar.Special{Date: "x", Kind: "y"})
		var ve *linli.ValidationError
		if !errors.As(err, &ve) || !ve.Has("date") || !ve.Has("kind") || !ve.Has("name") {
			t.Fatalf("SetCalendarDay(all wrong) = %v, want date, kind and name", err)
		}
		// A name of 30 characters and a holiday on a Sunday are fine.
		if _, err := s.SetCalendarDay(ctx, admin, calendar.Special{Date: "2027-02-07", Kind: calendar.Holiday, Name: strings.Repeat("节", 30)}); err != nil {
			t.Fatalf("SetCalendarDay(30-character name) = %v", err)
		}
		// The database refuses what the store would (belt and braces).
		for _, q := range []string{
			`INSERT INTO calendar_days (date, kind, name, updated_at) VALUES ('2027-01-01', 'rest', 'x', '2026-01-01T00:00:00Z')`,
			`INSERT INTO calendar_days (date, kind, name, updated_at) VALUES ('2027-1-1', 'holiday', 'x', '2026-01-01T00:00:00Z')`,
			`INSERT INTO calendar_days (date, kind, name, updated_at) VALUES ('2027-02-07', 'holiday', 'x', '2026-01-01T00:00:00Z')`,
		} {
			if _, err := s.DB().ExecContext(ctx, q); err == nil {
				t.Errorf("the database accepted %s", q)
			}
		}
	})
}

func TestCalendarEngineFromTable(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		admin, worker, auditor := calendarActors(mustTree(t, s))
		cst := calendar.Shanghai()

		empty, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if empty.Covers(2025) || empty.Covers(2026) || empty.Hours().String() != "09:00-12:00,13:00-17:30" {
			t.Fatalf("empty Calendar() covers 2025 or 2026, or hours %s", empty.Hours())
		}

		// An administrator's correction made before the load is kept.
		if _, err := s.SetCalendarDay(ctx, admin, calendar.Special{Date: "2025-01-26", Kind: calendar.Holiday, Name: "更正"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LoadCalendarDays(ctx, worker, calendar.China()); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker LoadCalendarDays = %v, want ErrForbidden", err)
		}
		n, err := s.LoadCalendarDays(ctx, admin, calendar.China())
		if err != nil || n != len(calendar.China())-1 {
			t.Fatalf("LoadCalendarDays(China()) = %d, %v; want %d", n, err, len(calendar.China())-1)
		}
		if d := calendarDays(t, s)["2025-01-26"]; d.Kind != calendar.Holiday || d.Name != "更正" {
			t.Fatalf("the correction was overwritten: %+v", d)
		}
		evs := calendarAudits(t, s, auditor, "calendar.load")
		if len(evs) != 1 || evs[0].ObjectID != "2025,2026" || evs[0].Detail != itoa(int64(n))+" days" {
			t.Fatalf("calendar.load audit = %+v", evs)
		}
		if n, err := s.LoadCalendarDays(ctx, admin, calendar.ChinaYear(2026)); err != nil || n != 0 {
			t.Fatalf("second LoadCalendarDays = %d, %v; want 0", n, err)
		}
		if evs := calendarAudits(t, s, auditor, "calendar.load"); len(evs) != 1 {
			t.Fatalf("a load that added nothing was audited: %+v", evs)
		}
		// A bad day in a load writes nothing.
		bad := []calendar.Special{{Date: "2027-01-01", Kind: calendar.Holiday, Name: "元旦"}, {Date: "2027-01-06", Kind: calendar.Workday, Name: "x"}}
		if _, err := s.LoadCalendarDays(ctx, admin, bad); !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("LoadCalendarDays(bad) = %v, want ErrInvalid", err)
		}
		dup := []calendar.Special{{Date: "2027-01-01", Kind: calendar.Holiday, Name: "元旦"}, {Date: "2027-01-01", Kind: calendar.Holiday, Name: "元旦"}}
		if _, err := s.LoadCalendarDays(ctx, admin, dup); !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("LoadCalendarDays(duplicate) = %v, want ErrInvalid", err)
		}
		if _, ok := calendarDays(t, s)["2027-01-01"]; ok {
			t.Fatal("a refused load wrote 2027-01-01")
		}

		cal, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !cal.Covers(2025) || !cal.Covers(2026) || cal.Covers(2027) {
			t.Fatalf("Covers(2025, 2026, 2027) = %v, %v, %v", cal.Covers(2025), cal.Covers(2026), cal.Covers(2027))
		}
		fri := time.Date(2026, 2, 13, 16, 0, 0, 0, cst)
		if got, want := cal.AddWorkingDays(fri, 2), time.Date(2026, 2, 24, 17, 30, 0, 0, cst); !got.Equal(want) {
			t.Errorf("AddWorkingDays(%v, 2) = %v, want %v", fri, got, want)
		}
		if cal.IsWorkday(time.Date(2025, 1, 26, 10, 0, 0, 0, cst)) {
			t.Error("IsWorkday(2025-01-26) = true, want false (the correction)")
		}

		// Working hours.
		if _, err := s.SetCalendarHours(ctx, worker, "08:00-12:00"); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker SetCalendarHours = %v, want ErrForbidden", err)
		}
		for _, bad := range []string{"", "9-12", "13:00-12:00", "09:00-12:00,11:00-13:00"} {
			_, err := s.SetCalendarHours(ctx, admin, bad)
			fieldErr(t, err, "hours", "calendar.hours.format")
		}
		h, err := s.SetCalendarHours(ctx, admin, " 08:30-12:00 , 14:00-18:00")
		if err != nil || h.String() != "08:30-12:00,14:00-18:00" {
			t.Fatalf("SetCalendarHours = %v, %v", h, err)
		}
		if _, err := s.SetCalendarHours(ctx, admin, "08:30-12:00,14:00-18:00"); err != nil {
			t.Fatal(err)
		}
		if evs := calendarAudits(t, s, auditor, "calendar.hours"); len(evs) != 1 || evs[0].Detail != "08:30-12:00,14:00-18:00" {
			t.Fatalf("calendar.hours audit = %+v", evs)
		}
		if v, err := s.Setting(ctx, store.CalendarHoursSetting); err != nil || v != "08:30-12:00,14:00-18:00" {
			t.Fatalf("Setting(%s) = %q, %v", store.CalendarHoursSetting, v, err)
		}
		cal, err = s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cal.AddWorkingDays(fri, 2), time.Date(2026, 2, 24, 18, 0, 0, 0, cst); !got.Equal(want) {
			t.Errorf("with new hours AddWorkingDays(%v, 2) = %v, want %v", fri, got, want)
		}
	})
}
