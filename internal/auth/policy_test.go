package auth

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPolicyProfiles(t *testing.T) {
	if got, want := DefaultPolicy(), (Policy{MinLength: 12, MaxLength: 128}); got != want {
		t.Errorf("DefaultPolicy() = %+v, want %+v", got, want)
	}
	want := Policy{MinLength: 12, MaxLength: 128, RequireClasses: 3, RotateDays: 90, HistoryCount: 5}
	if got := DengbaoPolicy(); got != want {
		t.Errorf("DengbaoPolicy() = %+v, want %+v", got, want)
	}
}

func TestPolicyCheck(t *testing.T) {
	def, dengbao := DefaultPolicy(), DengbaoPolicy()
	cases := []struct {
		name     string
		p        Policy
		pw, user string
		wantKey  string // "" = accepted
		wantMsg  string
	}{
		{"default ok lowercase only", def, "tangerine pavilion", "zhangsan", "", ""},
		{"default 11 chars", def, "abcdefghjkm", "", KeyTooShort, "密码至少需要12个字符"},
		{"default exactly 12", def, "qpzmvnrtbxwe", "", "", ""},
		{"default too long", def, strings.Repeat("x", 129), "", KeyTooLong, "密码不能超过128个字符"},
		{"default 128 ok", def, strings.Repeat("xy", 64), "", "", ""},
		// 12 Chinese characters are 36 bytes but 12 runes: accepted.
		{"chinese 12 runes ok", def, "春眠不觉晓处处闻啼鸟夜来风", "", "", ""},
		// 11 Chinese characters are 33 bytes (>12) but only 11 runes: too short.
		{"chinese 11 runes short", def, "春眠不觉晓处处闻啼鸟夜", "", KeyTooShort, "密码至少需要12个字符"},
		{"chinese 129 runes long", def, strings.Repeat("春", 129), "", KeyTooLong, "密码不能超过128个字符"},
		{"no composition by default", def, "zzzzqqqqmmmmtttt", "", "", ""},
		{"username contained", def, "myZhangSan2024secret", "zhangsan", KeyContainsUsername, "密码不能包含用户名"},
		{"username case-insensitive", def, "correct-horse-ADMINUSER", "AdminUser", KeyContainsUsername, "密码不能包含用户名"},
		{"chinese username", def, "我是王小明的好朋友呀哈哈", "王小明", KeyContainsUsername, "密码不能包含用户名"},
		{"short username ignored", def, "lightning in a bottle", "li", "", ""},
		{"common password123", def, "password123", "", KeyTooShort, "密码至少需要12个字符"},
		{"common password12345", def, "password12345", "", KeyTooCommon, "该密码过于常见，请换一个"},
		{"common Woaini1314 long form", def, "Woaini1314woaini", "", "", ""},
		{"common qwerty123456", def, "qwerty123456", "", KeyTooCommon, "该密码过于常见，请换一个"},
		{"common mixed case", def, "QWERTYUIOP123", "", KeyTooCommon, "该密码过于常见，请换一个"},
		{"common digits", def, "1234567890", "", KeyTooShort, "密码至少需要12个字符"},
		{"dengbao two classes", dengbao, "abcdefgh2468xyz", "", KeyTooFewClasses, "密码需包含大写字母、小写字母、数字、符号中的至少3类"},
		{"dengbao three classes", dengbao, "Abcdefgh2468xyz", "", "", ""},
		{"dengbao symbol counts", dengbao, "abcdefgh-2468xyz", "", "", ""},
		{"dengbao chinese counts as symbol", dengbao, "abcdefgh2468春", "", "", ""},
		{"dengbao short first", dengbao, "Ab1!", "", KeyTooShort, "密码至少需要12个字符"},
		{"dengbao classes before username", dengbao, "zhangsanzhangsan", "zhangsan", KeyTooFewClasses, "密码需包含大写字母、小写字母、数字、符号中的至少3类"},
		{"dengbao username", dengbao, "Zhangsan@2024x", "zhangsan", KeyContainsUsername, "密码不能包含用户名"},
		{"dengbao common", dengbao, "Password@123", "", KeyTooCommon, "该密码过于常见，请换一个"},
		{"dengbao common Woaini1314@123", dengbao, "Woaini1314@123", "", KeyTooCommon, "该密码过于常见，请换一个"},
		{"dengbao common Admin@2025x", dengbao, "Administrator2025", "", KeyTooCommon, "该密码过于常见，请换一个"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Check(tc.pw, tc.user)
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tc.pw, err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("Check(%q) = %v, want *PolicyError", tc.pw, err)
			}
			if pe.Key != tc.wantKey || pe.Error() != tc.wantMsg {
				t.Fatalf("Check(%q) = {%s %q}, want {%s %q}", tc.pw, pe.Key, pe.Error(), tc.wantKey, tc.wantMsg)
			}
		})
	}
}

// With a short minimum the common-password list is what refuses these.
func TestPolicyRefusesListedPasswords(t *testing.T) {
	p := Policy{MinLength: 6, MaxLength: 128}
	for _, pw := range []string{"password123", "Woaini1314", "qwerty123456", "123456", "1qaz2wsx", "P@ssw0rd", "Admin@123", "zhang123", "li123456", "5201314"} {
		err := p.Check(pw, "")
		var pe *PolicyError
		if !errors.As(err, &pe) || pe.Key != KeyTooCommon {
			t.Errorf("Check(%q) = %v, want %s", pw, err, KeyTooCommon)
		}
	}
	if err := p.Check("vermilion-otter", ""); err != nil {
		t.Errorf("uncommon password refused: %v", err)
	}
}

func TestPolicyErrorArgs(t *testing.T) {
	err := Policy{MinLength: 20}.Check("short", "")
	pe, ok := err.(*PolicyError)
	if !ok || len(pe.Args) != 1 || pe.Args[0] != 20 || pe.Error() != "密码至少需要20个字符" {
		t.Fatalf("got %#v (%v)", err, err)
	}
	err = Policy{RequireClasses: 4}.Check("Abc123def456", "")
	pe, ok = err.(*PolicyError)
	if !ok || pe.Key != KeyTooFewClasses || pe.Error() != "密码需包含大写字母、小写字母、数字、符号中的至少4类" {
		t.Fatalf("got %#v (%v)", err, err)
	}
}

func TestCommonPasswordList(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonPasswordsText, "\n"), "\n")
	if len(lines) < 1000 {
		t.Fatalf("common list has %d entries, want >= 1000", len(lines))
	}
	if !slices.IsSorted(lines) {
		t.Error("common list is not sorted")
	}
	if len(slices.Compact(slices.Clone(lines))) != len(lines) {
		t.Error("common list has duplicates")
	}
	for _, l := range lines {
		if l == "" || l != strings.ToLower(l) || l != strings.TrimSpace(l) {
			t.Errorf("bad entry %q (must be non-empty, lower case, trimmed)", l)
		}
	}
	must := []string{
		"123456", "123456789", "12345678", "1234567890", "111111", "000000", "666666", "888888",
		"5201314", "147258369", "qwerty", "qwertyuiop", "1qaz2wsx", "qazwsx", "asdfghjkl", "zxcvbnm",
		"password", "password1", "password123", "admin", "admin123", "abc123", "iloveyou", "woaini",
		"woaini1314", "aini1314", "letmein", "welcome", "dragon", "monkey", "football", "wangyang",
		"zhang123", "li123456", "password2026", "admin@123", "qwerty123456", "dragon!",
	}
	for _, w := range must {
		if !IsCommon(w) {
			t.Errorf("IsCommon(%q) = false, want true", w)
		}
	}
	if !IsCommon("PassWord123") || !IsCommon("WOAINI1314") {
		t.Error("IsCommon must compare in lower case")
	}
	if IsCommon("tangerine pavilion") || IsCommon("") {
		t.Error("IsCommon true for an uncommon password")
	}
}

func TestPolicyExpired(t *testing.T) {
	changed := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	d := DengbaoPolicy()
	if d.Expired(changed, changed.AddDate(0, 0, 89)) {
		t.Error("expired after 89 days with RotateDays=90")
	}
	if d.Expired(changed, changed.AddDate(0, 0, 90).Add(-time.Second)) {
		t.Error("expired one second before 90 days")
	}
	if !d.Expired(changed, changed.AddDate(0, 0, 90)) {
		t.Error("not expired at 90 days")
	}
	if !d.Expired(changed, changed.AddDate(1, 0, 0)) {
		t.Error("not expired after a year")
	}
	if DefaultPolicy().Expired(changed, changed.AddDate(10, 0, 0)) {
		t.Error("default policy (no rotation) reported expiry")
	}
}
