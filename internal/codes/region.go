// Package codes holds the national code sets that are too large for a
// message catalog. Today that is GB/T 2260, the administrative division
// codes (中华人民共和国行政区划代码) of provinces, prefectures and
// counties: lookup by code, the full name of a code, the children of a
// code for a picker, and the resolution of a name to its code.
//
// The data is gbt2260.tsv, embedded and parsed once on first use; `go
// generate ./internal/codes` rebuilds it (internal/gen says from what).
// Besides the codes in use it keeps the county codes abolished or recoded
// since 2021 ("former"): they still name the issuing region of an older
// ID number. Names resolve only to codes in use.
package codes

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./internal/gen -o gbt2260.tsv

//go:embed gbt2260.tsv
var gbt2260 string

// Level is the level of a division.
type Level int8

// The three levels of GB/T 2260 kept here.
const (
	LevelProvince   Level = 1 // 省级: province, autonomous region, municipality, SAR
	LevelPrefecture Level = 2 // 地级: prefecture-level city, prefecture, league, autonomous prefecture
	LevelCounty     Level = 3 // 县级: district, county, county-level city, banner
)

// Region is one administrative division.
type Region struct {
	Code   string // 6 digits
	Name   string // its own name, e.g. "锦江区"
	Parent string // the code of the prefecture or province above it; "" for a province
	Level  Level
	Former bool // abolished or recoded; kept to name old ID numbers
}

// FullName is the names from the province down, separated by spaces:
// "四川省 成都市 锦江区", "北京市 东城区", "河北省".
func (r Region) FullName() string {
	if r.Code == "" {
		return ""
	}
	t := regions()
	names := []string{r.Name}
	for p := r.Parent; p != ""; {
		i, ok := t.byCode[p]
		if !ok {
			break
		}
		names = append(names, t.list[i].Name)
		p = t.list[i].Parent
	}
	slices.Reverse(names)
	return strings.Join(names, " ")
}

// ShortName is the name without its generic ending: "四川" for 四川省,
// "内蒙古" for 内蒙古自治区, "恩施" for 恩施土家族苗族自治州, "锦江" for
// 锦江区. A name that would shrink to one character is its own short
// name ("和县", "城区").
func (r Region) ShortName() string { return shortName(r.Name, r.Level) }

// regionTable is the parsed data: read-only once built.
type regionTable struct {
	list     []Region         // sorted by code
	short    []string         // short names, by index into list
	byCode   map[string]int32 // code → index into list
	children map[string][]int32
}

var regions = sync.OnceValue(func() *regionTable { return parseRegions(gbt2260) })

// parseRegions reads the embedded TSV; generated data, so a malformed
// line is a programming error.
func parseRegions(data string) *regionTable {
	t := &regionTable{byCode: map[string]int32{}, children: map[string][]int32{}}
	for line := range strings.Lines(data) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 || !isCode(f[0]) {
			panic("codes: bad line in gbt2260.tsv: " + line)
		}
		r := Region{Code: f[0], Name: f[1], Parent: f[2], Former: len(f) > 3 && f[3] == "former"}
		switch {
		case r.Code[2:] == "0000":
			r.Level = LevelProvince
		case r.Code[4:] == "00":
			r.Level = LevelPrefecture
		default:
			r.Level = LevelCounty
		}
		t.byCode[r.Code] = int32(len(t.list))
		t.list = append(t.list, r)
	}
	for i, r := range t.list {
		t.short = append(t.short, r.ShortName())
		if !r.Former {
			t.children[r.Parent] = append(t.children[r.Parent], int32(i))
		}
	}
	return t
}

func isCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// LookupRegion returns the region of a 6-digit code, former codes
// included.
func LookupRegion(code string) (Region, bool) {
	t := regions()
	i, ok := t.byCode[code]
	if !ok {
		return Region{}, false
	}
	return t.list[i], true
}

// RegionName is the full name of a code ("四川省 成都市 锦江区"), or ""
// when the code is unknown.
func RegionName(code string) string {
	r, ok := LookupRegion(code)
	if !ok {
		return ""
	}
	return r.FullName()
}

// NearestRegion returns the region of a 6-digit code, or when the code is
// unknown the prefecture of its first four digits, or the province of its
// first two: the most an older or unusual code still says. ok is false
// when not even the province is known.
func NearestRegion(code string) (Region, bool) {
	if !isCode(code) {
		return Region{}, false
	}
	for _, c := range []string{code, code[:4] + "00", code[:2] + "0000"} {
		if r, ok := LookupRegion(c); ok {
			return r, true
		}
	}
	return Region{}, false
}

// RegionChildren lists the regions in use directly below a code, by code:
// the provinces for "", the prefectures of a province and the counties it
// governs directly (the districts of a municipality, 仙桃市 in Hubei), the
// counties of a prefecture.
func RegionChildren(code string) []Region {
	t := regions()
	idx := t.children[code]
	out := make([]Region, len(idx))
	for i, j := range idx {
		out[i] = t.list[j]
	}
	return out
}

// Errors of ResolveRegion.
var (
	ErrUnknownCode = errors.New("codes: not a GB/T 2260 code")
	ErrUnknownName = errors.New("codes: no region has this name")
	ErrAmbiguous   = errors.New("codes: more than one region has this name")
)

// AmbiguousError is ResolveRegion's answer to a name that several regions
// have; it matches ErrAmbiguous.
type AmbiguousError struct {
	Candidates []Region // by code
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("codes: %d regions have this name", len(e.Candidates))
}

// Is makes errors.Is(err, ErrAmbiguous) true.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// ResolveRegion turns what a person typed into a region:
//
//   - a 6-digit code, which must be known (a former code too); full-width
//     digits count as digits;
//   - a code followed by text, as a picker may fill in ("510100 四川省
//     成都市"): the code counts, the text is not read;
//   - a name (FindRegions): its own ("锦江区"), short ("锦江") or after
//     the names above it ("四川省成都市锦江区", "成都 锦江", "北京 朝阳"),
//     spaces optional. Only regions in use are found by name.
//
// Any other run of digits is ErrUnknownCode; a name that matches no region
// is ErrUnknownName, and one that matches several an *AmbiguousError.
func ResolveRegion(s string) (Region, error) {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, s))
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		if digits != 6 {
			return Region{}, ErrUnknownCode
		}
		r, ok := LookupRegion(s[:6])
		if !ok {
			return Region{}, ErrUnknownCode
		}
		return r, nil
	}
	found := FindRegions(s)
	switch len(found) {
	case 0:
		return Region{}, ErrUnknownName
	case 1:
		return found[0], nil
	}
	return Region{}, &AmbiguousError{Candidates: found}
}

// FindRegions lists the regions in use that a name designates, by code. A
// region is found by its own name or its short name (Region.ShortName),
// alone or after the names of its prefecture, its province or both, each
// official or short ("锦江区", "锦江", "成都市锦江区", "成都锦江",
// "四川锦江区", "四川省成都市锦江区"), spaces and separators ("/", "-",
// "·", "、") ignored. Official names win: when any region matches with
// official names only, regions that match only with short names are left
// out, so "吉林市" is the city. Among short-name matches a province wins,
// so "河南" is the province and not 河南蒙古族自治县. Former codes are
// never found.
func FindRegions(name string) []Region {
	key := nameKey(name)
	if key == "" {
		return nil
	}
	t := regions()
	n := names()
	// The region's own name is a suffix of the key; what comes before it
	// must be names of its ancestors.
	var official, short []int32
	for i := range key {
		for _, j := range n[key[i:]] {
			r := &t.list[j]
			ok, usedShort := t.ancestorsMatch(key[:i], r)
			switch {
			case !ok || slices.Contains(official, j):
			case usedShort || key[i:] != r.Name:
				if !slices.Contains(short, j) {
					short = append(short, j)
				}
			default:
				official = append(official, j)
			}
		}
	}
	idx := official
	if len(idx) == 0 {
		idx = short
		for _, j := range short {
			if t.list[j].Level == LevelProvince {
				idx = []int32{j}
				break
			}
		}
	}
	slices.Sort(idx)
	out := make([]Region, len(idx))
	for i, j := range idx {
		out[i] = t.list[j]
	}
	return out
}

// ancestorsMatch reports whether prefix is empty or names some of r's
// ancestors from the top down (the province, the prefecture, or both),
// each by its official or short name, and whether that took a short name
// (official names are tried first).
func (t *regionTable) ancestorsMatch(prefix string, r *Region) (ok, usedShort bool) {
	if prefix == "" {
		return true, false
	}
	var anc []int32 // from the top down
	for p := r.Parent; p != ""; {
		i := t.byCode[p]
		anc = append([]int32{i}, anc...)
		p = t.list[i].Parent
	}
	matched, officialOnly := false, false
	var try func(rest string, from int, short bool)
	try = func(rest string, from int, short bool) {
		if rest == "" {
			matched = true
			officialOnly = officialOnly || !short
			return
		}
		for k := from; k < len(anc); k++ {
			a := anc[k]
			if s, ok := strings.CutPrefix(rest, t.list[a].Name); ok {
				try(s, k+1, short)
			}
			if sn := t.short[a]; sn != t.list[a].Name {
				if s, ok := strings.CutPrefix(rest, sn); ok {
					try(s, k+1, true)
				}
			}
		}
	}
	try(prefix, 0, false)
	return matched, matched && !officialOnly
}

// nameKey drops spaces and the separators people put between the levels.
func nameKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("/-－—·・,，、", r) {
			return -1
		}
		return r
	}, s)
}

// names maps the official and the short name of every region in use to
// the regions that bear it.
var names = sync.OnceValue(func() map[string][]int32 {
	t := regions()
	m := map[string][]int32{}
	for i, r := range t.list {
		if r.Former {
			continue
		}
		m[r.Name] = append(m[r.Name], int32(i))
		if sn := t.short[i]; sn != r.Name {
			m[sn] = append(m[sn], int32(i))
		}
	}
	return m
})

// ethnicGroups are the names of the 55 minority nationalities (GB/T 3304)
// as they appear in the names of autonomous areas, longest first so that
// 土家 is tried before 土.
var ethnicGroups = func() []string {
	g := []string{"蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
		"土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西",
		"景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
		"普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
		"独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"}
	slices.SortStableFunc(g, func(a, b string) int { return len(b) - len(a) })
	return g
}()

// shortName drops the generic ending of a name, and the nationalities
// before 自治州, 自治县 and 自治旗; it keeps the name when less than two
// characters would be left.
func shortName(name string, level Level) string {
	long := func(s string) bool { return utf8.RuneCountInString(s) >= 2 }
	if level == LevelProvince {
		for _, suf := range []string{"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"} {
			if s, ok := strings.CutSuffix(name, suf); ok && long(s) {
				return s
			}
		}
		return name
	}
	for _, suf := range []string{"自治州", "自治县", "自治旗"} {
		s, ok := strings.CutSuffix(name, suf)
		if !ok {
			continue
		}
		for cut := true; cut; {
			cut = false
			s = strings.TrimSuffix(s, "族")
			for _, g := range ethnicGroups {
				if t, ok := strings.CutSuffix(s, g); ok && long(t) {
					s, cut = t, true
					break
				}
			}
		}
		if long(s) {
			return s
		}
		return name
	}
	for _, suf := range []string{"地区", "林区", "特区", "新区", "盟", "市", "区", "县", "旗"} {
		if s, ok := strings.CutSuffix(name, suf); ok && long(s) {
			return s
		}
	}
	return name
}
