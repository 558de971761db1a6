package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/linli-org/linli/internal/calendar"
)

var cst = calendar.Shanghai()

// at reads "2006-01-02 15:04" in Asia/Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func show(v time.Time) string { return v.In(cst).Format("2006-01-02 15:04 Mon") }

// china is the calendar of the built-in arrangements with default hours.
func china(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(calendar.China(), calendar.Hours{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIsWorkday(t *testing.T) {
	c := china(t)
	tests := []struct {
		at   string
		want bool
	}{
		{"2025-03-05 10:00", true},  // a Wednesday
		{"2025-03-08 10:00", false}, // a Saturday
		{"2025-03-09 10:00", false}, // a Sunday
		{"2025-01-01 10:00", false}, // 元旦, a Wednesday
		{"2025-01-26 10:00", true},  // Sunday worked for 春节
		{"2025-01-28 00:00", false}, // 除夕
		{"2025-02-01 10:00", false}, // Saturday inside 春节
		{"2025-02-04 23:59", false}, // last day of 春节
		{"2025-02-05 00:00", true},
		{"2025-02-08 10:00", true},  // Saturday worked
		{"2025-04-27 10:00", true},  // Sunday worked for 劳动节
		{"2025-05-05 10:00", false}, // Monday of 劳动节
		{"2025-10-08 10:00", false}, // Wednesday of 国庆节、中秋节
		{"2025-10-11 10:00", true},  // Saturday worked
		{"2026-01-02 10:00", false}, // Friday of 元旦
		{"2026-01-04 10:00", true},  // Sunday worked
		{"2026-02-14 10:00", true},  // Saturday worked before 春节
		{"2026-02-23 10:00", false}, // Monday, 正月初七
		{"2026-02-24 10:00", true},
		{"2026-02-28 10:00", true}, // Saturday worked after 春节
		{"2026-04-06 10:00", false},
		{"2026-05-09 10:00", true},
		{"2026-06-19 10:00", false},
		{"2026-09-20 10:00", true},
		{"2026-09-25 10:00", false},
		{"2026-10-07 10:00", false},
		{"2026-10-10 10:00", true},
		{"2027-01-01 10:00", true},  // a Friday of a year without data: a plain weekday
		{"2027-01-02 10:00", false}, // and a plain Saturday
	}
	for _, tt := range tests {
		if got := c.IsWorkday(at(t, tt.at)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
	// The day is the day in Beijing, whatever the zone of the argument.
	for _, tt := range []struct {
		utc  time.Time
		want bool
	}{
		{time.Date(2025, 1, 27, 15, 59, 0, 0, time.UTC), true},  // 23:59 on Monday 27 January
		{time.Date(2025, 1, 27, 16, 0, 0, 0, time.UTC), false},  // 00:00 on 除夕
		{time.Date(2025, 2, 4, 16, 0, 0, 0, time.UTC), true},    // 00:00 on 5 February
		{time.Date(2025, 3, 7, 17, 0, 0, 0, time.UTC), false},   // 01:00 on Saturday
		{time.Date(2025, 3, 9, 16, 30, 0, 0, time.UTC), true},   // 00:30 on Monday
		{time.Date(2025, 3, 9, 15, 30, 0, 0, time.UTC), false},  // 23:30 on Sunday
		{time.Date(2026, 1, 3, 16, 0, 0, 0, time.UTC), true},    // 00:00 on Sunday 4 January, worked
		{time.Date(2026, 1, 3, 15, 59, 59, 0, time.UTC), false}, // 23:59:59 on Saturday 3 January
	} {
		if got := c.IsWorkday(tt.utc); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.utc.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestIsWorkingTime(t *testing.T) {
	c := china(t)
	tests := []struct {
		at   string
		want bool
	}{
		{"2025-03-05 08:59", false},
		{"2025-03-05 09:00", true},
		{"2025-03-05 11:59", true},
		{"2025-03-05 12:00", true}, // the end of a period is a deadline's instant
		{"2025-03-05 12:01", false},
		{"2025-03-05 12:59", false},
		{"2025-03-05 13:00", true},
		{"2025-03-05 17:30", true},
		{"2025-03-05 17:31", false},
		{"2025-03-05 00:00", false},
		{"2025-03-08 10:00", false}, // Saturday
		{"2025-02-08 10:00", true},  // Saturday worked
		{"2025-01-29 10:00", false}, // 春节
	}
	for _, tt := range tests {
		if got := c.IsWorkingTime(at(t, tt.at)); got != tt.want {
			t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := china(t)
	tests := []struct {
		start string
		n     int
		want  string
	}{
		// Plain weeks: the day of the start never counts.
		{"2025-03-06 10:00", 1, "2025-03-07 17:30"}, // Thursday → Friday
		{"2025-03-07 16:00", 1, "2025-03-10 17:30"}, // Friday afternoon → Monday's close
		{"2025-03-07 08:00", 1, "2025-03-10 17:30"}, // before opening: the day still does not count
		{"2025-03-07 18:00", 1, "2025-03-10 17:30"}, // after hours
		{"2025-03-07 12:00", 1, "2025-03-10 17:30"}, // at noon
		{"2025-03-08 10:00", 1, "2025-03-10 17:30"}, // start on a Saturday
		{"2025-03-09 23:59", 1, "2025-03-10 17:30"}, // start on a Sunday night
		{"2025-03-07 16:00", 5, "2025-03-14 17:30"},
		{"2025-03-07 16:00", 10, "2025-03-21 17:30"},
		// 春节 2025: 28 January to 4 February off, 26 January and 8 February worked.
		{"2025-01-24 10:00", 1, "2025-01-26 17:30"}, // Friday → the Sunday worked
		{"2025-01-24 10:00", 2, "2025-01-27 17:30"},
		{"2025-01-27 10:00", 1, "2025-02-05 17:30"}, // the day before 除夕 → after the holiday
		{"2025-01-30 10:00", 1, "2025-02-05 17:30"}, // start inside the holiday
		{"2025-01-30 10:00", 3, "2025-02-07 17:30"},
		{"2025-01-30 10:00", 4, "2025-02-08 17:30"}, // the Saturday worked counts
		{"2025-01-30 10:00", 5, "2025-02-10 17:30"},
		{"2025-02-04 23:59", 1, "2025-02-05 17:30"},
		// 国庆节、中秋节 2025.
		{"2025-09-26 16:00", 1, "2025-09-28 17:30"}, // Friday → the Sunday worked
		{"2025-09-30 10:00", 1, "2025-10-09 17:30"},
		{"2025-09-30 10:00", 3, "2025-10-11 17:30"}, // Saturday 11 October is worked
		{"2025-09-30 10:00", 4, "2025-10-13 17:30"},
		// Across the year: 元旦 2026 is 1–3 January, Sunday 4 January worked.
		{"2025-12-31 10:00", 1, "2026-01-04 17:30"},
		{"2025-12-31 10:00", 2, "2026-01-05 17:30"},
		{"2025-12-26 16:00", 5, "2026-01-05 17:30"}, // 29, 30, 31 Dec, 4, 5 Jan
		// 春节 2026: 15–23 February off, 14 and 28 February worked.
		{"2026-02-13 16:00", 1, "2026-02-14 17:30"},
		{"2026-02-13 16:00", 2, "2026-02-24 17:30"},
		{"2026-02-14 16:00", 1, "2026-02-24 17:30"}, // from the Saturday worked
		{"2026-02-27 16:00", 1, "2026-02-28 17:30"},
		// Into a year without data: plain weekdays.
		{"2026-12-31 10:00", 1, "2027-01-01 17:30"},
		{"2026-12-31 10:00", 2, "2027-01-04 17:30"},
		// n = 0: the first close at or after the start.
		{"2025-03-05 10:00", 0, "2025-03-05 17:30"},
		{"2025-03-05 07:00", 0, "2025-03-05 17:30"},
		{"2025-03-05 17:30", 0, "2025-03-05 17:30"},
		{"2025-03-05 17:31", 0, "2025-03-06 17:30"},
		{"2025-03-07 18:00", 0, "2025-03-10 17:30"},
		{"2025-03-08 10:00", 0, "2025-03-10 17:30"},
		{"2025-01-29 10:00", 0, "2025-02-05 17:30"},
		// Negative n is n = 0.
		{"2025-03-05 10:00", -1, "2025-03-05 17:30"},
		{"2025-03-08 10:00", -3, "2025-03-10 17:30"},
	}
	for _, tt := range tests {
		if got := c.AddWorkingDays(at(t, tt.start), tt.n); show(got) != show(at(t, tt.want)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.start, tt.n, show(got), show(at(t, tt.want)))
		}
	}
}

func TestAddWorkingHours(t *testing.T) {
	c := china(t)
	h, m := time.Hour, time.Minute
	tests := []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"2025-03-05 09:00", 1 * h, "2025-03-05 10:00"},
		{"2025-03-05 09:00", 3 * h, "2025-03-05 12:00"}, // ends at noon, not at 13:00
		{"2025-03-05 09:00", 3*h + m, "2025-03-05 13:01"},
		{"2025-03-05 11:00", 1 * h, "2025-03-05 12:00"},
		{"2025-03-05 11:00", 90 * m, "2025-03-05 13:30"},
		{"2025-03-05 12:00", 1 * h, "2025-03-05 14:00"}, // start exactly at noon
		{"2025-03-05 12:30", 1 * h, "2025-03-05 14:00"}, // start in the lunch break
		{"2025-03-05 09:00", 7*h + 30*m, "2025-03-05 17:30"},
		{"2025-03-05 09:00", 7*h + 31*m, "2025-03-06 09:01"},
		{"2025-03-05 16:00", 2 * h, "2025-03-06 09:30"},
		{"2025-03-05 17:30", 1 * h, "2025-03-06 10:00"}, // start at the close
		{"2025-03-05 18:00", 1 * h, "2025-03-06 10:00"}, // after hours
		{"2025-03-05 06:00", 1 * h, "2025-03-05 10:00"}, // before opening
		{"2025-03-07 17:00", 1 * h, "2025-03-10 09:30"}, // over a weekend
		{"2025-03-08 10:00", 1 * h, "2025-03-10 10:00"}, // start on a Saturday
		{"2025-03-05 09:00", 15 * h, "2025-03-06 17:30"},
		{"2025-03-05 09:00", 75 * h, "2025-03-18 17:30"}, // ten working days
		// 春节 2025.
		{"2025-01-27 16:30", 2 * h, "2025-02-05 10:00"},
		{"2025-01-30 10:00", 1 * h, "2025-02-05 10:00"}, // start on a holiday
		{"2025-01-24 17:00", 1 * h, "2025-01-26 09:30"}, // the Sunday worked
		{"2025-02-07 17:00", 1 * h, "2025-02-08 09:30"}, // the Saturday worked
		// Across the year into the Sunday worked after 元旦 2026.
		{"2025-12-31 17:00", 8 * h, "2026-01-04 17:30"},
		{"2025-12-31 17:00", 8*h + m, "2026-01-05 09:01"},
		// Zero and negative: the first working instant at or after the start.
		{"2025-03-05 10:00", 0, "2025-03-05 10:00"},
		{"2025-03-05 12:00", 0, "2025-03-05 12:00"},
		{"2025-03-05 12:30", 0, "2025-03-05 13:00"},
		{"2025-03-05 17:30", 0, "2025-03-05 17:30"},
		{"2025-03-05 20:00", 0, "2025-03-06 09:00"},
		{"2025-01-29 10:00", 0, "2025-02-05 09:00"},
		{"2025-03-05 10:00", -2 * h, "2025-03-05 10:00"},
		{"2025-03-05 12:30", -h, "2025-03-05 13:00"},
	}
	for _, tt := range tests {
		if got := c.AddWorkingHours(at(t, tt.start), tt.d); show(got) != show(at(t, tt.want)) {
			t.Errorf("AddWorkingHours(%s, %v) = %s, want %s", tt.start, tt.d, show(got), show(at(t, tt.want)))
		}
	}
	// A start given in UTC is read in Beijing, and the result is in Beijing.
	got := c.AddWorkingHours(time.Date(2025, 3, 5, 1, 0, 0, 0, time.UTC), time.Hour)
	if want := at(t, "2025-03-05 10:00"); !got.Equal(want) || got.Location() != cst {
		t.Errorf("AddWorkingHours(01:00Z, 1h) = %v, want %v in %v", got, want, cst)
	}
}

func TestAddNatural(t *testing.T) {
	c := china(t)
	start := at(t, "2025-01-27 22:00")
	if got, want := c.AddNatural(start, 4*time.Hour), at(t, "2025-01-28 02:00"); !got.Equal(want) {
		t.Errorf("AddNatural(%s, 4h) = %s, want %s", show(start), show(got), show(want))
	}
}

func TestWorkingDuration(t *testing.T) {
	c := china(t)
	h, m := time.Hour, time.Minute
	tests := []struct {
		from, to string
		want     time.Duration
	}{
		{"2025-03-05 09:00", "2025-03-05 17:30", 7*h + 30*m},
		{"2025-03-05 00:00", "2025-03-06 00:00", 7*h + 30*m},
		{"2025-03-05 11:00", "2025-03-05 14:00", 2 * h},
		{"2025-03-05 12:00", "2025-03-05 13:00", 0},
		{"2025-03-05 10:00", "2025-03-05 10:00", 0},
		{"2025-03-05 18:00", "2025-03-06 08:00", 0},
		{"2025-03-07 17:00", "2025-03-10 09:30", 1 * h},
		{"2025-03-08 00:00", "2025-03-10 00:00", 0},           // a weekend
		{"2025-03-03 00:00", "2025-03-10 00:00", 37*h + 30*m}, // a plain week
		{"2025-01-27 09:00", "2025-02-05 09:00", 7*h + 30*m},  // across 春节
		{"2025-01-28 00:00", "2025-02-05 00:00", 0},           // the holiday itself
		{"2025-02-08 10:00", "2025-02-08 12:00", 2 * h},       // a Saturday worked
		{"2025-12-31 17:00", "2026-01-05 09:01", 8*h + m},     // across the year
		// Reversed: negative.
		{"2025-03-05 14:00", "2025-03-05 11:00", -2 * h},
		{"2025-03-10 09:30", "2025-03-07 17:00", -1 * h},
	}
	for _, tt := range tests {
		if got := c.WorkingDuration(at(t, tt.from), at(t, tt.to)); got != tt.want {
			t.Errorf("WorkingDuration(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestCovers(t *testing.T) {
	c := china(t)
	for _, tt := range []struct {
		year int
		want bool
	}{{2024, false}, {2025, true}, {2026, true}, {2027, false}} {
		if got := c.Covers(tt.year); got != tt.want {
			t.Errorf("Covers(%d) = %v, want %v", tt.year, got, tt.want)
		}
	}
	empty, err := calendar.New(nil, calendar.Hours{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Covers(2025) {
		t.Error("Covers(2025) on an empty calendar = true, want false")
	}
}

func TestNewRefuses(t *testing.T) {
	ok := calendar.Special{Date: "2025-01-01", Kind: calendar.Holiday, Name: "元旦"}
	tests := []struct {
		name     string
		specials []calendar.Special
		hours    calendar.Hours
		want     error
	}{
		{"short date", []calendar.Special{{Date: "2025-1-1", Kind: calendar.Holiday}}, calendar.Hours{}, calendar.ErrDate},
		{"no date", []calendar.Special{{Kind: calendar.Holiday}}, calendar.Hours{}, calendar.ErrDate},
		{"30 February", []calendar.Special{{Date: "2025-02-30", Kind: calendar.Holiday}}, calendar.Hours{}, calendar.ErrDate},
		{"time in date", []calendar.Special{{Date: "2025-01-01T00:00", Kind: calendar.Holiday}}, calendar.Hours{}, calendar.ErrDate},
		{"slashes", []calendar.Special{{Date: "2025/01/01", Kind: calendar.Holiday}}, calendar.Hours{}, calendar.ErrDate},
		{"unknown kind", []calendar.Special{{Date: "2025-01-01", Kind: "rest"}}, calendar.Hours{}, calendar.ErrKind},
		{"empty kind", []calendar.Special{{Date: "2025-01-01"}}, calendar.Hours{}, calendar.ErrKind},
		{"workday on a Wednesday", []calendar.Special{{Date: "2025-03-05", Kind: calendar.Workday}}, calendar.Hours{}, calendar.ErrWorkdayWeekday},
		{"duplicate", []calendar.Special{ok, {Date: "2025-01-01", Kind: calendar.Holiday, Name: "again"}}, calendar.Hours{}, calendar.ErrDuplicate},
		{"duplicate of another kind", []calendar.Special{{Date: "2025-01-26", Kind: calendar.Workday}, {Date: "2025-01-26", Kind: calendar.Holiday}}, calendar.Hours{}, calendar.ErrDuplicate},
		{"empty period", nil, calendar.Hours{Periods: []calendar.Period{{9 * time.Hour, 9 * time.Hour}}}, calendar.ErrHours},
		{"reversed period", nil, calendar.Hours{Periods: []calendar.Period{{12 * time.Hour, 9 * time.Hour}}}, calendar.ErrHours},
		{"overlap", nil, calendar.Hours{Periods: []calendar.Period{{9 * time.Hour, 12 * time.Hour}, {11 * time.Hour, 17 * time.Hour}}}, calendar.ErrHours},
		{"out of order", nil, calendar.Hours{Periods: []calendar.Period{{13 * time.Hour, 17 * time.Hour}, {9 * time.Hour, 12 * time.Hour}}}, calendar.ErrHours},
		{"past midnight", nil, calendar.Hours{Periods: []calendar.Period{{22 * time.Hour, 25 * time.Hour}}}, calendar.ErrHours},
		{"to midnight", nil, calendar.Hours{Periods: []calendar.Period{{22 * time.Hour, 24 * time.Hour}}}, calendar.ErrHours},
		{"negative", nil, calendar.Hours{Periods: []calendar.Period{{-time.Hour, time.Hour}}}, calendar.ErrHours},
		{"seconds", nil, calendar.Hours{Periods: []calendar.Period{{9 * time.Hour, 12*time.Hour + time.Second}}}, calendar.ErrHours},
	}
	for _, tt := range tests {
		c, err := calendar.New(tt.specials, tt.hours, nil)
		if !errors.Is(err, tt.want) || c != nil {
			t.Errorf("New(%s) = %v, %v; want nil, %v", tt.name, c, err, tt.want)
		}
	}
	// A holiday on a weekend is allowed (a festival's weekend days carry its name).
	if _, err := calendar.New([]calendar.Special{{Date: "2025-02-01", Kind: calendar.Holiday, Name: "春节"}}, calendar.Hours{}, nil); err != nil {
		t.Errorf("New(holiday on a Saturday) = %v, want nil", err)
	}
}

func TestParseHours(t *testing.T) {
	h, m := time.Hour, time.Minute
	good := []struct {
		in   string
		want []calendar.Period
		str  string
	}{
		{"09:00-12:00,13:00-17:30", []calendar.Period{{9 * h, 12 * h}, {13 * h, 17*h + 30*m}}, "09:00-12:00,13:00-17:30"},
		{" 08:30 - 12:00 , 14:00-18:00 ", []calendar.Period{{8*h + 30*m, 12 * h}, {14 * h, 18 * h}}, "08:30-12:00,14:00-18:00"},
		{"00:00-23:59", []calendar.Period{{0, 23*h + 59*m}}, "00:00-23:59"},
		{"09:00-12:00,12:00-17:00", []calendar.Period{{9 * h, 12 * h}, {12 * h, 17 * h}}, "09:00-12:00,12:00-17:00"},
	}
	for _, tt := range good {
		got, err := calendar.ParseHours(tt.in)
		if err != nil || len(got.Periods) != len(tt.want) {
			t.Errorf("ParseHours(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range tt.want {
			if got.Periods[i] != tt.want[i] {
				t.Errorf("ParseHours(%q) = %v, want %v", tt.in, got.Periods, tt.want)
			}
		}
		if got.String() != tt.str {
			t.Errorf("ParseHours(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
	}
	for _, in := range []string{"", "00:00-24:00", "9:00-12:00", "09:00-12:00;13:00-17:00", "09:00", "13:00-12:00", "09:00-12:00,11:00-13:00",
		"24:30-24:45", "09:60-10:00", "09:00-25:00", "aa:bb-cc:dd", "09:00-12:00,", "-1:00-02:00"} {
		if got, err := calendar.ParseHours(in); !errors.Is(err, calendar.ErrHours) {
			t.Errorf("ParseHours(%q) = %v, %v; want %v", in, got, err, calendar.ErrHours)
		}
	}
	if got := calendar.DefaultHours().String(); got != "09:00-12:00,13:00-17:30" {
		t.Errorf("DefaultHours().String() = %q, want 09:00-12:00,13:00-17:30", got)
	}
}

// TestOtherHoursAndZone uses a calendar with other hours in another zone.
func TestOtherHoursAndZone(t *testing.T) {
	hours, err := calendar.ParseHours("08:00-12:00,14:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.New([]calendar.Special{{Date: "2025-03-10", Kind: calendar.Holiday, Name: "x"}}, hours, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location() != time.UTC || c.Hours().String() != "08:00-12:00,14:00-18:00" {
		t.Fatalf("Location(), Hours() = %v, %v", c.Location(), c.Hours())
	}
	fri := time.Date(2025, 3, 7, 16, 0, 0, 0, time.UTC)
	if got, want := c.AddWorkingDays(fri, 1), time.Date(2025, 3, 11, 18, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AddWorkingDays(%v, 1) = %v, want %v", fri, got, want)
	}
	if got, want := c.AddWorkingHours(fri, 3*time.Hour), time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AddWorkingHours(%v, 3h) = %v, want %v", fri, got, want)
	}
}

// TestDeadlineProperties checks, for starts all over 2025–2026 and the
// turns of the years, that deadlines land on working time of working days,
// never before their start, that the working time counted is exactly what
// was asked and that no earlier instant would do.
func TestDeadlineProperties(t *testing.T) {
	c := china(t)
	first, last := at(t, "2024-12-28 00:00"), at(t, "2027-01-05 00:00")
	hours := []time.Duration{0, time.Minute, 30 * time.Minute, 3 * time.Hour, 7*time.Hour + 30*time.Minute, 8 * time.Hour, 40 * time.Hour}
	step := 97 * time.Minute // not a divisor of a day: starts fall at every time of day
	if testing.Short() {
		step = 11 * time.Hour
	}
	n := 0
	for start := first; start.Before(last); start = start.Add(step) {
		for _, d := range hours {
			got := c.AddWorkingHours(start, d)
			n++
			if !c.IsWorkday(got) || !c.IsWorkingTime(got) {
				t.Fatalf("AddWorkingHours(%s, %v) = %s, outside working time", show(start), d, show(got))
			}
			if got.Before(start) {
				t.Fatalf("AddWorkingHours(%s, %v) = %s, before the start", show(start), d, show(got))
			}
			if w := c.WorkingDuration(start, got); w != d {
				t.Fatalf("WorkingDuration(%s, AddWorkingHours(%s, %v)) = %v, want %v", show(start), show(start), d, w, d)
			}
			if w := c.WorkingDuration(got, start); w != -d {
				t.Fatalf("WorkingDuration(%s, %s) = %v, want %v", show(got), show(start), w, -d)
			}
			if d > 0 {
				if w := c.WorkingDuration(start, got.Add(-time.Minute)); w >= d {
					t.Fatalf("AddWorkingHours(%s, %v) = %s, but a minute earlier already counts %v", show(start), d, show(got), w)
				}
			}
		}
		for days := -1; days <= 12; days++ {
			got := c.AddWorkingDays(start, days)
			if !c.IsWorkday(got) || !c.IsWorkingTime(got) || !c.IsWorkingTime(got.Add(-time.Minute)) || c.IsWorkingTime(got.Add(time.Minute)) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day's close", show(start), days, show(got))
			}
			if got.Before(start) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, before the start", show(start), days, show(got))
			}
			// Count the working days after the day of start up to the deadline's day.
			sy, sm, sd := start.In(cst).Date()
			counted := 0
			for d := time.Date(sy, sm, sd+1, 12, 0, 0, 0, cst); d.Before(got); d = d.AddDate(0, 0, 1) {
				if c.IsWorkday(d) {
					counted++
				}
			}
			if days > 0 && counted != days {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, %d working days after the start", show(start), days, show(got), counted)
			}
			if today := time.Date(sy, sm, sd, 17, 30, 0, 0, cst); days <= 0 && c.IsWorkday(start) && !today.Before(start) && !got.Equal(today) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want the same day's close", show(start), days, show(got))
			}
			if days <= 0 && counted > 1 {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, beyond the next working day", show(start), days, show(got))
			}
		}
	}
	if n < 1000 && !testing.Short() {
		t.Fatalf("checked only %d deadlines", n)
	}
}

// TestWorkingDurationAdds checks that working time over consecutive spans
// adds up.
func TestWorkingDurationAdds(t *testing.T) {
	c := china(t)
	a := at(t, "2025-01-20 10:17")
	for b := a; b.Before(at(t, "2025-02-20 00:00")); b = b.Add(5*time.Hour + 13*time.Minute) {
		cc := b.Add(31 * time.Hour)
		if x, y, z := c.WorkingDuration(a, b), c.WorkingDuration(b, cc), c.WorkingDuration(a, cc); x+y != z {
			t.Fatalf("WorkingDuration(%s, %s) + WorkingDuration(%s, %s) = %v + %v, want WorkingDuration(%s, %s) = %v",
				show(a), show(b), show(b), show(cc), x, y, show(a), show(cc), z)
		}
	}
}
