package linli

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The registry: people, households, addresses and the tags that drive
// services. Coded fields use the national code sets (GB/T 2261.1 gender,
// GB/T 3304 ethnicity, GB/T 4658 education, GB/T 4762 political status,
// GB/T 4761 family relation, GB/T 2260 regions); the store keeps the
// codes, the catalogs translate them (the regions, too many for a catalog,
// are named by internal/codes).

// Gender codes of GB/T 2261.1.
const (
	GenderUnknown     = "0"
	GenderMale        = "1"
	GenderFemale      = "2"
	GenderUnspecified = "9"
)

// ID document types.
const (
	IDResident    = "resident_id"     // 居民身份证 (GB 11643)
	IDPassport    = "passport"        // 护照
	IDHKMacao     = "hk_macao_permit" // 港澳居民来往内地通行证
	IDTaiwan      = "taiwan_permit"   // 台湾居民来往大陆通行证
	IDForeignPR   = "foreign_pr"      // 外国人永久居留身份证
	IDNone        = "none"            // not yet known (an import may lack it)
	IDTypeDefault = IDResident
)

// IDTypes lists the document types.
var IDTypes = []string{IDResident, IDPassport, IDHKMacao, IDTaiwan, IDForeignPR, IDNone}

// Registration types (户籍类型).
const (
	RegRegistered = "registered" // 户籍人口
	RegMigrant    = "migrant"    // 流动人口
	RegSeparated  = "separated"  // 人户分离
	RegOverseas   = "overseas"   // 境外人员
)

// RegTypes lists the registration types.
var RegTypes = []string{RegRegistered, RegMigrant, RegSeparated, RegOverseas}

// Person statuses; a status other than living ends the person's records
// (household membership, tags) at its date. Nothing is hard-deleted.
const (
	StatusLiving   = "living"
	StatusMovedOut = "moved_out"
	StatusDeceased = "deceased"
)

// Sources of a field's value (collect once: every value remembers where it
// came from).
const (
	SourceSelf   = "self"   // reported by the resident
	SourceWorker = "worker" // entered by staff
	SourceImport = "import" // imported (the detail names the file or department)
)

// Tag sensitivity classes.
const (
	TagOrdinary   = "ordinary"
	TagSensitive  = "sensitive"  // health, disability, income, 低保: sensitive.read
	TagRestricted = "restricted" // correction, release, rehabilitation: restricted.read
)

// Person is a resident as the registry shows it. IDNumber and Phones hold
// plaintext only inside a use case; lists carry the masked forms.
type Person struct {
	ID          int64
	Name        string
	Gender      string
	BirthDate   time.Time // a date (UTC midnight)
	IDType      string
	IDNumber    string // plaintext: only when revealed or being written
	IDMasked    string
	Phones      []string // plaintext: only when revealed or being written
	PhoneMasked []string
	Ethnicity   string
	Education   string
	Employment  string
	Political   string
	RegType     string
	Status      string
	StatusDate  time.Time
	GridID      int64
	Path        string // the grid's materialised path: the scope key
	RoomID      int64
	Address     string // the structured address rendered, or free text
	HouseholdID int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
	// Sources says where each field's value came from (collect once), by
	// field name: "name", "id_number", "phones", "address"…
	Sources map[string]FieldSource
}

// FieldSource is where a field's value came from and when.
type FieldSource struct {
	Source string    `json:"source"` // SourceSelf, SourceWorker, SourceImport
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
}

// Family relation codes of GB/T 4761-2008 (家庭关系代码). Members' relations
// are relative to the head of the household; the store keeps any code as
// text, these are the ones it reasons about.
const (
	RelSelfOrHead = "0"  // 本人或户主
	RelSelf       = "01" // 本人
	RelHead       = "02" // 户主
	RelSpouse     = "10" // 配偶
	RelHusband    = "11" // 夫
	RelWife       = "12" // 妻
	RelSon        = "20" // 子
	RelDaughter   = "30" // 女
	RelParent     = "50" // 父母
	RelOther      = "99" // 其他
)

// IsHeadRelation reports whether a relation code names the head of a
// household.
func IsHeadRelation(code string) bool {
	return code == RelSelfOrHead || code == RelSelf || code == RelHead
}

// IsSpouseRelation reports whether a relation code names the head's spouse.
func IsSpouseRelation(code string) bool {
	return code == RelSpouse || code == RelHusband || code == RelWife
}

// Household kinds and statuses.
const (
	HouseholdFamily     = "family"     // 家庭户
	HouseholdCollective = "collective" // 集体户
	HouseholdSingle     = "single"     // 单人户
	HouseholdActive     = "active"
	HouseholdClosed     = "closed"
)

// Reasons of a migrant's residence registration (居住登记).
var MigrantReasons = []string{"work", "study", "family", "business", "other"}

// PersonInput is what a worker or an import submits.
type PersonInput struct {
	Name       string
	Gender     string // derived from a resident ID when empty
	BirthDate  time.Time
	IDType     string
	IDNumber   string
	Phones     []string
	Ethnicity  string
	Education  string
	Employment string
	Political  string
	RegType    string
	GridID     int64
	RoomID     int64
	Address    string
	Source     string
	SourceNote string // e.g. the import file or the department
	Version    int64  // for updates: the version read
	// ConfirmDuplicate confirms that a person with the same name and birth
	// date in the same community is someone else.
	ConfirmDuplicate bool
}

// chinaTime is China Standard Time (UTC+8, no daylight saving), the zone
// of calendar dates in the registry.
var chinaTime = time.FixedZone("CST", 8*3600)

// ValidatePersonShape checks what needs no lookup and no document
// validator: name, codes, phone format, dates. The store validates the ID
// number (GB 11643 and the other document types) and fills birth date and
// gender from a resident ID.
func ValidatePersonShape(in PersonInput, now time.Time) *ValidationError {
	v := &ValidationError{}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		v.Add("name", "person.name.required")
	case utf8.RuneCountInString(name) > 50:
		v.Add("name", "person.name.too_long", 50)
	}
	if in.Gender != "" && !slices.Contains([]string{GenderUnknown, GenderMale, GenderFemale, GenderUnspecified}, in.Gender) {
		v.Add("gender", "person.gender.invalid")
	}
	if in.IDType != "" && !slices.Contains(IDTypes, in.IDType) {
		v.Add("id_type", "person.id_type.invalid")
	}
	// A birth date is a calendar date in China Standard Time: a child born
	// today in Beijing is valid while it is still yesterday in UTC.
	ny, nm, nd := now.In(chinaTime).Date()
	if !in.BirthDate.IsZero() && (in.BirthDate.After(time.Date(ny, nm, nd, 23, 59, 59, 0, time.UTC)) || in.BirthDate.Year() < 1850) {
		v.Add("birth_date", "person.birth_date.invalid")
	}
	for _, p := range in.Phones {
		if key := CheckPhone(p); key != "" {
			v.Add("phones", key)
		}
	}
	if in.RegType == "" || !slices.Contains(RegTypes, in.RegType) {
		v.Add("reg_type", "person.reg_type.invalid")
	}
	if in.GridID == 0 {
		v.Add("grid", "person.grid.required")
	}
	if utf8.RuneCountInString(in.Address) > 200 {
		v.Add("address", "person.address.too_long", 200)
	}
	return v
}

// NormalizePhone is the one normal form of a phone number, used for
// validation, masks and the blind index alike: white space, dashes and
// parentheses go, full-width digits and '+' become ASCII, and a leading
// country code +86 or 0086 is dropped.
func NormalizePhone(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), strings.ContainsRune("-－‐–—()（）", r):
			continue
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r == '＋':
			r = '+'
		}
		b.WriteRune(r)
	}
	out := b.String()
	for _, cc := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(out, cc); ok {
			return rest
		}
	}
	return out
}

// CheckPhone returns a message key when s is neither a mainland mobile
// number (11 digits starting with 1[3-9]) nor a landline (area code 0xx or
// 0xxx plus 7–8 digits), or "".
func CheckPhone(s string) string {
	p := NormalizePhone(s)
	if !allDigits(p) {
		return "person.phone.digits"
	}
	switch {
	case len(p) == 11 && p[0] == '1' && p[1] >= '3':
		return ""
	case p[0] == '0' && len(p) >= 10 && len(p) <= 12:
		return ""
	case len(p) == 10 && p[0] == '1':
		return "person.phone.ten_digits"
	}
	return "person.phone.format"
}

// AgeOn is the age in whole years on day.
func AgeOn(birth, day time.Time) int {
	if birth.IsZero() {
		return -1
	}
	y := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		y--
	}
	return y
}

// PersonQuery is a registry search. Text is matched as an ID number or
// phone (exact, through the blind index), as 2+ consecutive characters of a
// name or address, or as pinyin (full or initials).
type PersonQuery struct {
	Text     string
	AreaID   int64 // narrow to a node inside the scope
	TagCode  string
	AgeMin   int // 0: no minimum
	AgeMax   int // 0: no maximum
	RegType  string
	Status   string // default living
	AfterID  int64  // cursor
	Limit    int
	Today    time.Time
	GridOnly bool
}
