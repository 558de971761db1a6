package linli_test

import (
	"slices"
	"testing"
	"time"

	"github.com/linli-org/linli"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{"138 1234 5678", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"0086-138-1234-5678", "13812345678"},
		{"＋８６１３８１２３４５６７８", "13812345678"},
		{"010-12345678", "01012345678"},
		{"(010) 6512 3456", "01065123456"},
		{"（010）65123456", "01065123456"},
		{"8613812345678", "8613812345678"}, // only +86 and 0086 are country codes
		{"", ""},
	}
	for _, tt := range tests {
		if got := linli.NormalizePhone(tt.in); got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Birth dates are Beijing calendar dates: at 00:30 in Beijing (16:30 UTC
// the day before) a child born that day is valid, and tomorrow is not.
func TestValidatePersonShapeBirthDateInChinaTime(t *testing.T) {
	now := time.Date(2026, 11, 29, 16, 30, 0, 0, time.UTC) // 2026-11-30 00:30 in Beijing
	cases := []struct {
		birth time.Time
		ok    bool
	}{
		{time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(1849, 12, 31, 0, 0, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		in := linli.PersonInput{Name: "李小宝", BirthDate: c.birth}
		v := linli.ValidatePersonShape(in, now)
		bad := slices.ContainsFunc(v.Fields, func(f linli.FieldError) bool { return f.Field == "birth_date" })
		if bad == c.ok {
			t.Errorf("ValidatePersonShape(birth %s) birth_date error = %v, want %v", c.birth.Format("2006-01-02"), bad, !c.ok)
		}
	}
}
