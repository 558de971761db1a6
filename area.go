package linli

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Level is a level of the area tree: district (区) → street (街道/乡镇) →
// community (社区/村) → grid (网格).
type Level string

const (
	LevelDistrict  Level = "district"
	LevelStreet    Level = "street"
	LevelCommunity Level = "community"
	LevelGrid      Level = "grid"
)

// Levels in tree order.
var Levels = []Level{LevelDistrict, LevelStreet, LevelCommunity, LevelGrid}

// Depth is the level's depth, 1 for a district.
func (l Level) Depth() int {
	for i, x := range Levels {
		if x == l {
			return i + 1
		}
	}
	return 0
}

// Child is the level directly below l, or "" for a grid.
func (l Level) Child() Level {
	d := l.Depth()
	if d == 0 || d >= len(Levels) {
		return ""
	}
	return Levels[d]
}

// ParseLevel returns the level named s.
func ParseLevel(s string) (Level, bool) {
	for _, l := range Levels {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// Area is a node of the area tree. Nothing is hard-deleted: a node is
// retired, and its changes are kept in area_history.
type Area struct {
	ID        int64
	ParentID  int64 // 0 for a district
	Level     Level
	Name      string
	Code      string
	Path      string // materialised path of ids, "/1/4/9/"
	Retired   bool
	RetiredAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// AreaInput is what a user submits to create or rename a node.
type AreaInput struct {
	ParentID int64
	Level    Level
	Name     string
	Code     string
}

// Statistical division codes (统计用区划代码) have 12 digits: 6 for the
// county-level district, 3 for the street, 3 for the community. A district's
// code ends in 000000 and a street's in 000. Grids have no national code; ours
// is the community code, "-", and a 1–4 digit number (e.g. 110105001001-03).

// ValidateArea checks a node against its parent (nil for a district) and
// returns field errors with message keys.
func ValidateArea(in AreaInput, parent *Area) error {
	v := &ValidationError{}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		v.Add("name", "area.name.required")
	case utf8.RuneCountInString(name) > 60:
		v.Add("name", "area.name.too_long", 60)
	}
	if in.Level.Depth() == 0 {
		v.Add("level", "area.level.invalid")
		return v
	}
	switch {
	case in.Level == LevelDistrict && parent != nil:
		v.Add("parent", "area.parent.district_top")
	case in.Level != LevelDistrict && parent == nil:
		v.Add("parent", "area.parent.required")
	case parent != nil && parent.Level.Child() != in.Level:
		v.Add("parent", "area.parent.wrong_level")
	case parent != nil && parent.Retired:
		v.Add("parent", "area.parent.retired")
	}
	if key := CheckAreaCode(in.Level, strings.TrimSpace(in.Code), parent); key != "" {
		v.Add("code", key)
	}
	return v.Err()
}

// CheckAreaCode returns a message key when code is not a valid code for a
// node of level l under parent, or "".
func CheckAreaCode(l Level, code string, parent *Area) string {
	if code == "" {
		return "area.code.required"
	}
	if l == LevelGrid {
		base, num, ok := strings.Cut(code, "-")
		if !ok || !allDigits(base) || len(base) != 12 || !allDigits(num) || len(num) < 1 || len(num) > 4 {
			return "area.code.grid_format"
		}
		if parent != nil && parent.Code != base {
			return "area.code.parent_prefix"
		}
		return ""
	}
	if len(code) != 12 || !allDigits(code) {
		return "area.code.format"
	}
	switch l {
	case LevelDistrict:
		if !strings.HasSuffix(code, "000000") || code[:6] == "000000" {
			return "area.code.district_format"
		}
	case LevelStreet:
		if !strings.HasSuffix(code, "000") || code[6:9] == "000" {
			return "area.code.street_format"
		}
		if parent != nil && code[:6] != parent.Code[:6] {
			return "area.code.parent_prefix"
		}
	case LevelCommunity:
		if code[9:] == "000" {
			return "area.code.community_format"
		}
		if parent != nil && code[:9] != parent.Code[:9] {
			return "area.code.parent_prefix"
		}
	}
	return ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CanMove reports (as a message key, "" when allowed) whether node may move
// under newParent: same parent level as before, not into its own subtree, not
// under a retired node.
func CanMove(node, newParent Area) string {
	if node.Level == LevelDistrict {
		return "area.move.district"
	}
	if newParent.Level.Child() != node.Level {
		return "area.parent.wrong_level"
	}
	if strings.HasPrefix(newParent.Path, node.Path) {
		return "area.move.into_self"
	}
	if newParent.Retired {
		return "area.parent.retired"
	}
	return ""
}
