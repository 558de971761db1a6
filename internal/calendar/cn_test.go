package calendar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli/internal/calendar"
)

// TestChinaMatchesTheNotices checks the built-in data against what the
// notices state: the weekdays they name, the length of each break, and the
// 13 public holidays a year (全国年节及纪念日放假办法, as amended in 2024).
func TestChinaMatchesTheNotices(t *testing.T) {
	days := calendar.China()
	if _, err := calendar.New(days, calendar.Hours{}, nil); err != nil {
		t.Fatalf("New(China()) = %v", err)
	}
	byDate := map[string]calendar.Special{}
	for i, d := range days {
		byDate[d.Date] = d
		if i > 0 && days[i-1].Date >= d.Date {
			t.Errorf("China() is not in date order at %s", d.Date)
		}
		if strings.TrimSpace(d.Name) == "" {
			t.Errorf("China() %s has no name", d.Date)
		}
	}
	// The weekdays as the notices print them.
	weekdays := []struct {
		date string
		kind calendar.Kind
		wd   time.Weekday
	}{
		{"2025-01-01", calendar.Holiday, time.Wednesday},
		{"2025-01-28", calendar.Holiday, time.Tuesday}, // 除夕
		{"2025-02-04", calendar.Holiday, time.Tuesday}, // 正月初七
		{"2025-01-26", calendar.Workday, time.Sunday},
		{"2025-02-08", calendar.Workday, time.Saturday},
		{"2025-04-04", calendar.Holiday, time.Friday},
		{"2025-05-01", calendar.Holiday, time.Thursday},
		{"2025-05-05", calendar.Holiday, time.Monday},
		{"2025-04-27", calendar.Workday, time.Sunday},
		{"2025-05-31", calendar.Holiday, time.Saturday},
		{"2025-06-02", calendar.Holiday, time.Monday},
		{"2025-10-01", calendar.Holiday, time.Wednesday},
		{"2025-10-08", calendar.Holiday, time.Wednesday},
		{"2025-09-28", calendar.Workday, time.Sunday},
		{"2025-10-11", calendar.Workday, time.Saturday},
		{"2026-01-01", calendar.Holiday, time.Thursday},
		{"2026-01-03", calendar.Holiday, time.Saturday},
		{"2026-01-04", calendar.Workday, time.Sunday},
		{"2026-02-15", calendar.Holiday, time.Sunday}, // 腊月二十八
		{"2026-02-23", calendar.Holiday, time.Monday}, // 正月初七
		{"2026-02-14", calendar.Workday, time.Saturday},
		{"2026-02-28", calendar.Workday, time.Saturday},
		{"2026-04-04", calendar.Holiday, time.Saturday},
		{"2026-04-06", calendar.Holiday, time.Monday},
		{"2026-05-01", calendar.Holiday, time.Friday},
		{"2026-05-05", calendar.Holiday, time.Tuesday},
		{"2026-05-09", calendar.Workday, time.Saturday},
		{"2026-06-19", calendar.Holiday, time.Friday},
		{"2026-06-21", calendar.Holiday, time.Sunday},
		{"2026-09-25", calendar.Holiday, time.Friday},
		{"2026-09-27", calendar.Holiday, time.Sunday},
		{"2026-10-01", calendar.Holiday, time.Thursday},
		{"2026-10-07", calendar.Holiday, time.Wednesday},
		{"2026-09-20", calendar.Workday, time.Sunday},
		{"2026-10-10", calendar.Workday, time.Saturday},
	}
	for _, tt := range weekdays {
		d, ok := byDate[tt.date]
		v, _ := calendar.ParseDate(tt.date)
		if !ok || d.Kind != tt.kind || v.Weekday() != tt.wd {
			t.Errorf("China()[%s] = %+v (%v), %v; want %s on a %s", tt.date, d, v.Weekday(), ok, tt.kind, tt.wd)
		}
	}
	// The length of each break, weekend days included.
	breaks := map[string]int{}
	for _, d := range days {
		if d.Kind == calendar.Holiday {
			breaks[d.Date[:4]+" "+d.Name]++
		}
	}
	for k, want := range map[string]int{
		"2025 元旦": 1, "2025 春节": 8, "2025 清明节": 3, "2025 劳动节": 5, "2025 端午节": 3, "2025 国庆节、中秋节": 8,
		"2026 元旦": 3, "2026 春节": 9, "2026 清明节": 3, "2026 劳动节": 5, "2026 端午节": 3, "2026 中秋节": 3, "2026 国庆节": 7,
	} {
		if breaks[k] != want {
			t.Errorf("China() break %s = %d days, want %d", k, breaks[k], want)
		}
	}
	if len(breaks) != 13 {
		t.Errorf("China() has %d breaks, want 13: %v", len(breaks), breaks)
	}
	// Weekdays off minus weekend days worked is the number of public
	// holidays on weekdays, 13 in both years.
	net := map[string]int{}
	for _, d := range days {
		v, _ := calendar.ParseDate(d.Date)
		weekend := v.Weekday() == time.Saturday || v.Weekday() == time.Sunday
		switch {
		case d.Kind == calendar.Holiday && !weekend:
			net[d.Date[:4]]++
		case d.Kind == calendar.Workday:
			net[d.Date[:4]]--
		}
	}
	for _, y := range []string{"2025", "2026"} {
		if net[y] != 13 {
			t.Errorf("China() %s: weekdays off − weekend days worked = %d, want 13", y, net[y])
		}
	}
}

func TestChinaYear(t *testing.T) {
	for _, tt := range []struct {
		year int
		want int
	}{{2024, 0}, {2025, 28 + 5}, {2026, 33 + 6}, {2027, 0}} {
		got := calendar.ChinaYear(tt.year)
		if len(got) != tt.want {
			t.Errorf("len(ChinaYear(%d)) = %d, want %d", tt.year, len(got), tt.want)
		}
		for _, d := range got {
			if !strings.HasPrefix(d.Date, itoa(tt.year)+"-") {
				t.Errorf("ChinaYear(%d) holds %s", tt.year, d.Date)
			}
		}
	}
}

func itoa(n int) string { return time.Date(n, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006") }
