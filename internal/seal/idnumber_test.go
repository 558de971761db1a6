package seal

import (
	"errors"
	"testing"
	"time"
)

// refIDCheck recomputes the ISO 7064 MOD 11-2 check character without the
// weight table: Horner's scheme over the 17 digits gives
// sum(d_i * 2^(17-i)) mod 11, and the check c satisfies sum + c ≡ 1 (mod 11),
// with 10 written as X. ok is false unless first17 is 17 ASCII digits.
func refIDCheck(first17 string) (c byte, ok bool) {
	if len(first17) != 17 {
		return 0, false
	}
	acc := 0
	for i := 0; i < 17; i++ {
		d := first17[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		acc = (acc + int(d-'0')) * 2 % 11
	}
	v := (12 - acc) % 11
	if v == 10 {
		return 'X', true
	}
	return byte('0' + v), true
}

// withCheck appends the correct check character to 17 digits.
func withCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, ok := refIDCheck(first17)
	if !ok {
		t.Fatalf("withCheck(%q): not 17 digits", first17)
	}
	return first17 + string(c)
}

var idNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestValidateIDNumberValid(t *testing.T) {
	tests := []struct {
		in, norm string
		birth    string
		male     bool
		region   string
		province string
	}{
		{"11010519491231002X", "11010519491231002X", "1949-12-31", false, "110105", "北京"},
		{"11010519491231002x", "11010519491231002X", "1949-12-31", false, "110105", "北京"},
		{" 110105 19491231 002X ", "11010519491231002X", "1949-12-31", false, "110105", "北京"},
		{"440524188001010014", "440524188001010014", "1880-01-01", true, "440524", "广东"},
		{withCheck(t, "11010520000229001"), withCheck(t, "11010520000229001"), "2000-02-29", true, "110105", "北京"},
		{withCheck(t, "65010118500101002"), withCheck(t, "65010118500101002"), "1850-01-01", false, "650101", "新疆"},
		{withCheck(t, "11010520260301003"), withCheck(t, "11010520260301003"), "2026-03-01", true, "110105", "北京"}, // born today
		{withCheck(t, "71000019800101001"), withCheck(t, "71000019800101001"), "1980-01-01", true, "710000", "台湾"},
		{withCheck(t, "81000019800101002"), withCheck(t, "81000019800101002"), "1980-01-01", false, "810000", "香港"},
		{withCheck(t, "82000019800101001"), withCheck(t, "82000019800101001"), "1980-01-01", true, "820000", "澳门"},
		{withCheck(t, "83000019800101001"), withCheck(t, "83000019800101001"), "1980-01-01", true, "830000", "台湾"},
		{withCheck(t, "91015619800101001"), withCheck(t, "91015619800101001"), "1980-01-01", true, "910156", foreignResident},
		{withCheck(t, "93115619800101002"), withCheck(t, "93115619800101002"), "1980-01-01", false, "931156", foreignResident},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			info, err := ValidateIDNumber(tt.in, idNow)
			if err != nil {
				t.Fatalf("ValidateIDNumber(%q) = %v", tt.in, err)
			}
			if info.Normalized != tt.norm {
				t.Errorf("Normalized = %q, want %q", info.Normalized, tt.norm)
			}
			if got := info.Birth.Format(time.DateOnly); got != tt.birth {
				t.Errorf("Birth = %s, want %s", got, tt.birth)
			}
			if info.Male != tt.male {
				t.Errorf("Male = %v, want %v", info.Male, tt.male)
			}
			if info.Region != tt.region || info.Province != tt.province {
				t.Errorf("Region, Province = %q, %q; want %q, %q", info.Region, info.Province, tt.region, tt.province)
			}
		})
	}
}

// TestIDRegionName: only the province of an ID number is validated, so an
// old number with a county code that no longer exists is accepted; its
// issuing region is named as far as the code is known.
func TestIDRegionName(t *testing.T) {
	tests := []struct{ first17, want string }{
		{"51010419800101001", "四川省 成都市 锦江区"},
		{"33010319800101001", "浙江省 杭州市 下城区"}, // abolished in 2021, still named
		{"11010319800101001", "北京市"},         // 崇文区, merged into 东城区 in 2010
		{"44052418800101001", "广东省 汕头市"},     // 潮阳, recoded when it became a district
		{"11999919800101001", "北京市"},         // no such county: the province only
		{"81000019800101002", "香港特别行政区"},
		{"91015619800101001", ""}, // a foreign permanent resident card
	}
	for _, tt := range tests {
		info, err := ValidateIDNumber(withCheck(t, tt.first17), idNow)
		if err != nil {
			t.Fatalf("ValidateIDNumber(%s…) = %v", tt.first17, err)
		}
		if got := info.RegionName(); got != tt.want {
			t.Errorf("RegionName(%s…) = %q, want %q", tt.first17, got, tt.want)
		}
	}
	if got := (IDInfo{Normalized: "123"}).RegionName(); got != "" {
		t.Errorf("RegionName of an invalid number = %q", got)
	}
}

func TestValidateIDNumberInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"wrong check digit", "110105194912310021", ErrIDCheck},
		{"empty", "", ErrIDLength},
		{"17 digits", "11010519491231002", ErrIDLength},
		{"19 characters", "11010519491231002X1", ErrIDLength},
		{"15-digit old number", "110105491231002", ErrIDLength},
		{"letter at end", "11010519491231002A", ErrIDChars},
		{"X not last", "1101051949123100X2", ErrIDChars},
		{"18 Chinese characters", "一二三四五六七八九十一二三四五六七八", ErrIDChars},
		{"invalid utf8", "11010519491231002\xff", ErrIDChars},
		{"region 00", withCheck(t, "00010519491231002"), ErrIDRegion},
		{"region 10", withCheck(t, "10010519491231002"), ErrIDRegion},
		{"region 16", withCheck(t, "16010519491231002"), ErrIDRegion},
		{"region 55", withCheck(t, "55010519491231002"), ErrIDRegion},
		{"region 72", withCheck(t, "72010519491231002"), ErrIDRegion},
		{"region 84", withCheck(t, "84010519491231002"), ErrIDRegion},
		{"region 90", withCheck(t, "90010519491231002"), ErrIDRegion},
		{"region 971", withCheck(t, "97110519491231002"), ErrIDRegion},
		{"region 99", withCheck(t, "99010519491231002"), ErrIDRegion},
		{"born 1849", withCheck(t, "11010518491231002"), ErrIDBirth},
		{"born tomorrow", withCheck(t, "11010520260302002"), ErrIDBirth},
		{"born next year", withCheck(t, "11010520270101002"), ErrIDBirth},
		{"February 30", withCheck(t, "11010519490230002"), ErrIDBirth},
		{"1900 not leap", withCheck(t, "11010519000229002"), ErrIDBirth},
		{"month 13", withCheck(t, "11010519491331002"), ErrIDBirth},
		{"month 00", withCheck(t, "11010519490031002"), ErrIDBirth},
		{"day 00", withCheck(t, "11010519491200002"), ErrIDBirth},
		{"April 31", withCheck(t, "11010519490431002"), ErrIDBirth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := ValidateIDNumber(tt.in, idNow)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ValidateIDNumber(%q) error = %v, want %v", tt.in, err, tt.want)
			}
			if info.Normalized != NormalizeIDNumber(tt.in) {
				t.Errorf("Normalized = %q on error, want the normalized input", info.Normalized)
			}
			if !info.Birth.IsZero() || info.Region != "" {
				t.Errorf("info on error carries more than Normalized: %+v", info)
			}
		})
	}
}

// TestValidateIDNumberNowLocation checks that "today" is taken in now's
// location: at 00:30 in Beijing it is already the next day.
func TestValidateIDNumberNowLocation(t *testing.T) {
	beijing := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 3, 1, 0, 30, 0, 0, beijing) // 2026-02-28 16:30 UTC
	id := withCheck(t, "11010520260301003")
	if _, err := ValidateIDNumber(id, now); err != nil {
		t.Fatalf("born today in Beijing time: %v", err)
	}
	if _, err := ValidateIDNumber(id, now.UTC()); !errors.Is(err, ErrIDBirth) {
		t.Fatalf("born tomorrow in UTC: err = %v, want ErrIDBirth", err)
	}
	// The zero time means now.
	if _, err := ValidateIDNumber("11010519491231002X", time.Time{}); err != nil {
		t.Fatalf("zero now: %v", err)
	}
}

func TestIDErrors(t *testing.T) {
	tests := []struct {
		err      *InputError
		key, msg string
	}{
		{ErrIDLength, "err.id.length", "身份证号应为18位"},
		{ErrIDChars, "err.id.chars", "身份证号只能包含数字和末位X"},
		{ErrIDRegion, "err.id.region", "身份证号地区码无效"},
		{ErrIDBirth, "err.id.birth", "身份证号中的出生日期无效"},
		{ErrIDCheck, "err.id.check", "身份证号校验位错误"},
		{ErrUSCCLength, "err.uscc.length", "统一社会信用代码应为18位"},
		{ErrUSCCChars, "err.uscc.chars", "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		if tt.err.Key() != tt.key || tt.err.Error() != tt.msg {
			t.Errorf("%s: Key, Error = %q, %q; want %q, %q", tt.key, tt.err.Key(), tt.err.Error(), tt.key, tt.msg)
		}
		if tt.err.English() == "" || tt.err.English() == tt.msg {
			t.Errorf("%s: no English message", tt.key)
		}
		if seen[tt.key] {
			t.Errorf("duplicate key %s", tt.key)
		}
		seen[tt.key] = true
		var ie *InputError
		if !errors.As(error(tt.err), &ie) || ie != tt.err {
			t.Errorf("%s: errors.As does not find the InputError", tt.key)
		}
	}
	if errors.Is(ErrIDCheck, ErrIDLength) {
		t.Error("distinct sentinels compare equal")
	}
}

func TestIDCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
		{"11010520000229001", mustRef(t, "11010520000229001")},
		{"", 0},
		{"1101051949123100", 0},   // 16 digits
		{"110105194912310021", 0}, // 18 digits
		{"1101051949123100X", 0},
		{"1101051949123100２", 0},
	}
	for _, tt := range tests {
		if got := IDCheckDigit(tt.in); got != tt.want {
			t.Errorf("IDCheckDigit(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Every residue maps to its character: vary the last digit.
	for d := '0'; d <= '9'; d++ {
		first17 := "1101051949123100" + string(d)
		if got, want := IDCheckDigit(first17), mustRef(t, first17); got != want {
			t.Errorf("IDCheckDigit(%q) = %q, reference %q", first17, got, want)
		}
	}
}

func mustRef(t testing.TB, first17 string) byte {
	t.Helper()
	c, ok := refIDCheck(first17)
	if !ok {
		t.Fatalf("refIDCheck(%q) failed", first17)
	}
	return c
}

var idSentinels = []error{ErrIDLength, ErrIDChars, ErrIDRegion, ErrIDBirth, ErrIDCheck}

func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "440524188001010014", "110105194912310021",
		"", "1", "11010519491231002", "1101051949123100XX", "91015619800101001X",
		"11010520260302002X", "11010518491231002X", "１１０１０５１９４９１２３１００２Ｘ",
		"11010519490230002X", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		info, err := ValidateIDNumber(in, idNow)
		norm := NormalizeIDNumber(in)
		if info.Normalized != norm {
			t.Fatalf("Normalized = %q, want %q", info.Normalized, norm)
		}
		ref, refOK := byte(0), false
		if len(norm) >= 17 {
			ref, refOK = refIDCheck(norm[:17])
		}
		switch {
		case err == nil:
			if len(norm) != 18 || !refOK || norm[17] != ref {
				t.Fatalf("%q accepted but reference check digit is %q (ok=%v)", in, ref, refOK)
			}
			if info.Birth.Year() < 1850 || info.Birth.After(idNow) {
				t.Fatalf("%q accepted with birth %v", in, info.Birth)
			}
			if info.Birth.Format("20060102") != norm[6:14] {
				t.Fatalf("%q: Birth %v does not match digits %s", in, info.Birth, norm[6:14])
			}
			if info.Male != ((norm[16]-'0')%2 == 1) || info.Region != norm[:6] || info.Province == "" {
				t.Fatalf("%q: info %+v inconsistent", in, info)
			}
		case errors.Is(err, ErrIDCheck):
			if len(norm) != 18 || !refOK || norm[17] == ref {
				t.Fatalf("%q rejected for its check digit, but the reference agrees with it", in)
			}
			// Fixing the check digit must make it valid: every other test passed.
			if _, err := ValidateIDNumber(norm[:17]+string(ref), idNow); err != nil {
				t.Fatalf("%q with reference check digit %q: %v", in, ref, err)
			}
		default:
			known := false
			for _, s := range idSentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("%q: unexpected error %v", in, err)
			}
		}
		if refOK {
			if got := IDCheckDigit(norm[:17]); got != ref {
				t.Fatalf("IDCheckDigit(%q) = %q, reference %q", norm[:17], got, ref)
			}
			// With the right check digit appended, the check can never be the
			// reason to reject.
			if _, err := ValidateIDNumber(norm[:17]+string(ref), idNow); errors.Is(err, ErrIDCheck) {
				t.Fatalf("%q with reference check digit rejected for its check digit", norm[:17])
			}
		}
	})
}
