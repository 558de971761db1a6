package seal

import (
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli/internal/codes"
)

// InputError is a validation failure of an ID number or credit code. Its
// Error text is Chinese and can be shown under a form field as it is; Key
// is the message key for the locale catalogs and English the English text.
// The values are sentinels: compare with errors.Is.
type InputError struct {
	key, zh, en string
}

func (e *InputError) Error() string { return e.zh }

// Key returns the message key, e.g. "err.id.check".
func (e *InputError) Key() string { return e.key }

// English returns the English message.
func (e *InputError) English() string { return e.en }

// Errors of ValidateIDNumber.
var (
	ErrIDLength = &InputError{"err.id.length", "身份证号应为18位", "The ID number must have 18 characters."}
	ErrIDChars  = &InputError{"err.id.chars", "身份证号只能包含数字和末位X", "The ID number may contain only digits and a final X."}
	ErrIDRegion = &InputError{"err.id.region", "身份证号地区码无效", "The region code of the ID number is not valid."}
	ErrIDBirth  = &InputError{"err.id.birth", "身份证号中的出生日期无效", "The date of birth in the ID number is not valid."}
	ErrIDCheck  = &InputError{"err.id.check", "身份证号校验位错误", "The check digit of the ID number is wrong."}
)

// IDInfo is what a valid resident ID number says about its holder.
type IDInfo struct {
	Normalized string    // 18 characters, final X upper-case
	Birth      time.Time // date of birth at 00:00 UTC
	Male       bool      // the 17th digit is odd
	Region     string    // 6-digit administrative division code where the number was issued
	Province   string    // name of the province-level region, e.g. "北京"
}

// RegionName is the full name of the region that issued the number
// ("四川省 成都市 锦江区") as far as the GB/T 2260 data knows its code: the
// county when the code is in use or was in use since 2021, else the
// prefecture or the province of its first digits. It is "" when the
// number is not valid or is a foreign permanent resident card.
func (i IDInfo) RegionName() string {
	if len(i.Region) != 6 || i.Province == foreignResident {
		return ""
	}
	if r, ok := codes.NearestRegion(i.Region); ok {
		return r.FullName()
	}
	return ""
}

// provinces maps the first two digits of an ID number to the province-level
// region. 71 is Taiwan as listed in GB/T 2260; 81, 82 and 83 are the
// residence permits of Hong Kong, Macao and Taiwan residents.
var provinces = map[string]string{
	"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
	"21": "辽宁", "22": "吉林", "23": "黑龙江",
	"31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
	"41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
	"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
	"61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
	"71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}

// foreignResident is the Province of a foreign permanent resident ID card.
const foreignResident = "外国人永久居留"

// regionOK reports whether the first digits of an 18-digit number are a
// known region, and names it. Foreign permanent resident ID cards start
// with 9: the 2017 cards with 91, the 2023 cards with 9 followed by the
// code of the issuing province (so 91 to 96).
//
// Only the province is checked, on purpose: a number keeps the county code
// of where it was first issued, and counties have been merged, renamed and
// recoded ever since (崇文区 110103 became part of 东城区 in 2010), so a
// check against the codes in use would refuse real people.
// IDInfo.RegionName names the county when the code is known.
func regionOK(id string) (string, bool) {
	if name, ok := provinces[id[:2]]; ok {
		return name, true
	}
	if id[0] == '9' {
		if id[1] == '1' {
			return foreignResident, true
		}
		if _, ok := provinces[id[1:3]]; ok && id[1] <= '6' {
			return foreignResident, true
		}
	}
	return "", false
}

// idWeights are 2^(17-i) mod 11 for positions i = 0..16.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// IDCheckDigit returns the ISO 7064 MOD 11-2 check character ('0'-'9' or
// 'X') for the first 17 digits of an ID number, or 0 if first17 is not
// exactly 17 ASCII digits.
func IDCheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// earliestBirthYear is the earliest year of birth accepted.
const earliestBirthYear = 1850

// ValidateIDNumber checks a resident ID number (GB 11643-1999) after
// NormalizeIDNumber: 18 characters, 17 digits and a digit or X, a known
// province code, a real date of birth from 1850 up to now's date, and the
// check digit. now is the reference for "not in the future"; the zero time
// means time.Now(). On failure it returns one of ErrIDLength, ErrIDChars,
// ErrIDRegion, ErrIDBirth, ErrIDCheck (checked in that order) and an IDInfo
// holding only Normalized.
func ValidateIDNumber(s string, now time.Time) (IDInfo, error) {
	id := NormalizeIDNumber(s)
	info := IDInfo{Normalized: id}
	if utf8.RuneCountInString(id) != 18 {
		return info, ErrIDLength
	}
	for i := 0; i < 18; i++ {
		c := id[i]
		if c >= '0' && c <= '9' || i == 17 && c == 'X' {
			continue
		}
		return info, ErrIDChars // also catches any multi-byte rune
	}
	province, ok := regionOK(id)
	if !ok {
		return info, ErrIDRegion
	}
	birth, ok := birthDate(id[6:14], now)
	if !ok {
		return info, ErrIDBirth
	}
	if IDCheckDigit(id[:17]) != id[17] {
		return info, ErrIDCheck
	}
	info.Birth = birth
	info.Male = (id[16]-'0')%2 == 1
	info.Region = id[:6]
	info.Province = province
	return info, nil
}

// birthDate parses 8 ASCII digits YYYYMMDD as a calendar date between
// 1850-01-01 and now's date (in now's location).
func birthDate(s string, now time.Time) (time.Time, bool) {
	y := atoi(s[0:4])
	m := atoi(s[4:6])
	d := atoi(s[6:8])
	if y < earliestBirthYear || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // e.g. 19490230 normalises to March
		return time.Time{}, false
	}
	if now.IsZero() {
		now = time.Now()
	}
	ny, nm, nd := now.Date()
	if t.After(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, false
	}
	return t, true
}

// atoi parses ASCII digits the caller has already checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
