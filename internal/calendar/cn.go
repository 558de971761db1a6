package calendar

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// China returns the built-in official arrangements of public holidays and
// adjusted working days (国务院办公厅关于部分节假日安排的通知) of 2025 and
// 2026, in date order: every day off of each festival, weekend
// days included, as a Holiday with the festival's name, and every worked
// Saturday or Sunday (调休上班) as a Workday with the name of the festival
// it belongs to.
//
// The data was typed from the notices 国办发明电〔2024〕12号 (2025) and
// 国办发明电〔2025〕7号 (2026). It is a starting point, not the authority:
// it is copied into the database (the demo seeds it; the calendar page
// offers to load a year that has no data), where an administrator checks
// it against the published notice, corrects it, and enters every later
// year when the State Council publishes it (usually in November).
func China() []Special {
	var out []Special
	for _, f := range chinaNotices {
		out = append(out, expand(f.from, f.to, f.name)...)
		for _, w := range f.work {
			out = append(out, Special{Date: w, Kind: Workday, Name: f.name})
		}
	}
	slices.SortFunc(out, func(a, b Special) int { return strings.Compare(a.Date, b.Date) })
	return out
}

// ChinaYear returns the built-in days of one year, nil when the year is
// not built in.
func ChinaYear(year int) []Special {
	prefix := strconv.Itoa(year) + "-"
	var out []Special
	for _, s := range China() {
		if strings.HasPrefix(s.Date, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// chinaNotices are the festivals of the notices, in date order: the days
// off from..to (inclusive) and the weekend days worked in exchange.
var chinaNotices = []struct {
	name     string
	from, to string
	work     []string
}{
	// 2025 (国办发明电〔2024〕12号). From 2025 the Spring Festival and Labour
	// Day each have one more public holiday (除夕, 5月2日).
	{"元旦", "2025-01-01", "2025-01-01", nil},
	{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
	{"清明节", "2025-04-04", "2025-04-06", nil},
	{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
	{"端午节", "2025-05-31", "2025-06-02", nil},
	{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
	// 2026 (国办发明电〔2025〕7号).
	{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
	{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
	{"清明节", "2026-04-04", "2026-04-06", nil},
	{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
	{"端午节", "2026-06-19", "2026-06-21", nil},
	{"中秋节", "2026-09-25", "2026-09-27", nil},
	{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
}

// expand lists the days from..to as Holidays named name.
func expand(from, to, name string) []Special {
	a, errA := ParseDate(from)
	b, errB := ParseDate(to)
	if errA != nil || errB != nil {
		panic("calendar: bad built-in date " + from + ".." + to)
	}
	var out []Special
	for t := a; !t.After(b); t = t.Add(24 * time.Hour) {
		out = append(out, Special{Date: t.Format(DateLayout), Kind: Holiday, Name: name})
	}
	return out
}
