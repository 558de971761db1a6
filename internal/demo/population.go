package demo

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// The synthetic population of `linli demo --residents N`. Generation is
// pure: no database, no clock, no global state; the same seed, size, grids
// and day give the same people. A loader maps the grid codes to ids and
// creates compounds, buildings, rooms, households, people and tags in bulk.
// docs/demo-data.md lists every figure used and where it comes from.

// Relations to the head of household (GB/T 4761-2008 家庭关系代码). Only
// these codes are generated.
const (
	RelHead              = linli.RelHead     // 02 户主
	RelSpouse            = linli.RelSpouse   // 10 配偶
	RelSon               = linli.RelSon      // 20 子
	RelSonInLaw          = "28"              // 女婿
	RelDaughter          = linli.RelDaughter // 30 女
	RelDaughterInLaw     = "38"              // 儿媳
	RelGrandson          = "41"              // 孙子
	RelGranddaughter     = "42"              // 孙女
	RelDaughtersSon      = "43"              // 外孙子
	RelDaughtersDaughter = "44"              // 外孙女
	RelFather            = "51"              // 父亲
	RelMother            = "52"              // 母亲
	RelHusbandsFather    = "53"              // 公公
	RelHusbandsMother    = "54"              // 婆婆
	RelWifesFather       = "55"              // 岳父
	RelWifesMother       = "56"              // 岳母
	RelGrandfather       = "61"              // 祖父
	RelGrandmother       = "62"              // 祖母
	RelNonRelative       = "99"              // 非亲属
)

// RelationNames names the generated relation codes.
var RelationNames = map[string]string{
	RelHead: "户主", RelSpouse: "配偶", RelSon: "子", RelSonInLaw: "女婿",
	RelDaughter: "女", RelDaughterInLaw: "儿媳", RelGrandson: "孙子", RelGranddaughter: "孙女",
	RelDaughtersSon: "外孙子", RelDaughtersDaughter: "外孙女", RelFather: "父亲", RelMother: "母亲",
	RelHusbandsFather: "公公", RelHusbandsMother: "婆婆", RelWifesFather: "岳父", RelWifesMother: "岳母",
	RelGrandfather: "祖父", RelGrandmother: "祖母", RelNonRelative: "非亲属",
}

// Tag codes of the generated population.
const (
	TagElderlyAlone    = "elderly_alone"     // 独居老人
	TagEmptyNest       = "empty_nest"        // 空巢老人
	TagDisability      = "disability"        // 残疾人: type, level
	TagDibao           = "dibao"             // 低保: category
	TagTekun           = "tekun"             // 特困供养
	TagLowIncome       = "low_income"        // 低收入
	TagChronic         = "chronic"           // 慢性病: disease
	TagUnemployed      = "unemployed"        // 失业
	TagVeteran         = "veteran"           // 退役军人: category
	TagLeftBehindChild = "left_behind_child" // 留守儿童
	TagCorrection      = "correction"        // 社区矫正
	TagReleased        = "released"          // 刑满释放
	TagRehab           = "rehab"             // 社区戒毒康复
	TagPregnant        = "pregnant"          // 孕产妇
	TagSevereMental    = "severe_mental"     // 严重精神障碍
)

// TagCodes lists the tags the generator assigns. They are in the store's
// built-in catalogue, which holds their names, classes and attribute keys.
var TagCodes = []string{
	TagElderlyAlone, TagEmptyNest, TagDisability, TagDibao, TagTekun, TagLowIncome, TagChronic,
	TagUnemployed, TagVeteran, TagLeftBehindChild, TagCorrection, TagReleased, TagRehab,
	TagPregnant, TagSevereMental,
}

// Employment codes (GB/T 2261.4 从业状况).
const (
	EmpCivilServant = "11" // 国家公务员
	EmpProfessional = "13" // 专业技术人员
	EmpClerk        = "17" // 职员
	EmpManager      = "21" // 企业管理人员
	EmpWorker       = "24" // 工人
	EmpStudent      = "31" // 学生
	EmpFreelance    = "51" // 自由职业者
	EmpSelfEmployed = "54" // 个体经营者
	EmpUnemployed   = "70" // 无业人员
	EmpRetired      = "80" // 退(离)休人员
	EmpOther        = "90" // 其他 (pre-school children, homemakers)
)

// Reasons of a residence registration (居住登记), among
// linli.MigrantReasons.
const (
	ReasonWork     = "work"     // 务工
	ReasonBusiness = "business" // 经商
	ReasonStudy    = "study"    // 就学
	ReasonFamily   = "family"   // 投亲靠友、随迁
	ReasonOther    = "other"    // 就医 and the rest
)

// ReferenceDay is the "today" of Generate and GenerateStream, fixed so that
// their output never depends on the clock. Use GenerateAt and
// GenerateStreamAt with the real date when registrations should expire
// relative to it.
var ReferenceDay = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// DemoSource is the SourceNote of generated people.
const DemoSource = "demo generator"

// GridRef is a grid the population lives in.
type GridRef struct {
	Code          string
	CommunityCode string
}

// Grids returns the grids of the demo district in tree order.
func Grids() []GridRef {
	var out []GridRef
	for _, n := range plan() {
		if n.Level == linli.LevelGrid {
			out = append(out, GridRef{Code: n.Code, CommunityCode: n.ParentCode})
		}
	}
	return out
}

// BuildingPlan is one building (楼栋) of a compound: Units units (单元) of
// Floors floors with RoomsPerFloor rooms per floor and unit. Room k of
// floor f is named f*100+k ("301"). Only the rooms households live at are
// named by a HouseholdPlan; the others are vacant.
type BuildingPlan struct {
	Name          string // "3号楼"
	Units         int
	Floors        int
	RoomsPerFloor int
}

// CompoundPlan is a residential compound (小区) in one grid.
type CompoundPlan struct {
	Index         int
	Name          string // "幸福里小区"
	GridCode      string
	CommunityCode string
	Buildings     []BuildingPlan
}

// HouseholdPlan is one household (户) at one room. Its members follow it:
// the head first.
type HouseholdPlan struct {
	Index         int // 0-based, in the order of generation
	GridCode      string
	CommunityCode string
	Compound      *CompoundPlan
	CompoundName  string
	Building      string // "3号楼"
	Unit          string // "2单元"
	Room          string // "301"
	Floor         int
	Address       string // "幸福里小区3号楼2单元301"
	Type          string // linli.HouseholdSingle, HouseholdFamily or HouseholdCollective
	RegType       string // of all members: linli.RegRegistered, RegMigrant or RegSeparated
	Size          int
}

// TagAttr is one attribute of a tag, e.g. {"level", "2"}.
type TagAttr struct{ Key, Value string }

// TagPlan is one tag of a person. Unused attribute slots are empty.
type TagPlan struct {
	Code  string
	Attrs [2]TagAttr
	Since time.Time
}

// Attr returns the value of attribute key, or "".
func (t TagPlan) Attr(key string) string {
	for _, a := range t.Attrs {
		if a.Key == key && key != "" {
			return a.Value
		}
	}
	return ""
}

// ResidencePlan is the residence registration (居住登记) of a migrant.
// Registrations last one year and are renewed: Registered is the start of
// the current period, Expiry one year later.
type ResidencePlan struct {
	Arrival    time.Time
	Registered time.Time
	Expiry     time.Time
	Renewals   int
	Reason     string // ReasonWork, …
	Origin     string // GB/T 2260 code of the place of origin
	StayMonths int    // expected stay
	Landlord   string // e.g. "王先生"; "" when the household owns the flat
	Employer   string // for work and business; "" otherwise
}

// PersonPlan is one generated resident: what a worker would submit plus
// where the person lives. GridID and RoomID of the input are zero (the
// loader maps GridCode and the room names to ids).
type PersonPlan struct {
	linli.PersonInput
	GridCode     string
	Household    int    // HouseholdPlan.Index
	Relation     string // to the head, GB/T 4761 (RelHead for the head)
	CompoundName string
	Building     string
	Unit         string
	Room         string
	Tags         []TagPlan
	Residence    *ResidencePlan // migrants only
}

// HasTag reports whether the person carries tag code.
func (p *PersonPlan) HasTag(code string) bool {
	for i := range p.Tags {
		if p.Tags[i].Code == code {
			return true
		}
	}
	return false
}

// Population is a whole generated population.
type Population struct {
	Compounds  []CompoundPlan
	Households []HouseholdPlan
	People     []PersonPlan
}

// ErrNoGrids is returned when people are asked for but no grid is given.
var ErrNoGrids = errors.New("demo: no grids to place people in")

// Generate returns n people over grids, as of ReferenceDay.
func Generate(seed uint64, n int, grids []GridRef) Population {
	return GenerateAt(seed, n, grids, ReferenceDay)
}

// GenerateAt returns n people over grids as of today. With no grids it
// returns an empty population.
func GenerateAt(seed uint64, n int, grids []GridRef, today time.Time) Population {
	var pop Population
	if n <= 0 || len(grids) == 0 {
		return pop
	}
	pop.People = make([]PersonPlan, 0, n)
	pop.Households = make([]HouseholdPlan, 0, n*10/25+len(grids))
	var compounds []*CompoundPlan
	_ = GenerateStreamAt(seed, n, grids, today, func(h HouseholdPlan, members []PersonPlan) error {
		if len(compounds) == 0 || compounds[len(compounds)-1] != h.Compound {
			compounds = append(compounds, h.Compound)
		}
		pop.Households = append(pop.Households, h)
		pop.People = append(pop.People, members...)
		return nil
	})
	pop.Compounds = make([]CompoundPlan, len(compounds))
	for i, c := range compounds {
		pop.Compounds[i] = *c
	}
	for i := range pop.Households {
		pop.Households[i].Compound = &pop.Compounds[pop.Households[i].Compound.Index]
	}
	return pop
}

// GenerateStream emits the people of Generate household by household, as
// of ReferenceDay.
func GenerateStream(seed uint64, n int, grids []GridRef, yield func(h HouseholdPlan, members []PersonPlan) error) error {
	return GenerateStreamAt(seed, n, grids, ReferenceDay, yield)
}

// GenerateStreamAt emits n people over grids as of today, household by
// household, the head first; it keeps only the current household and the
// counters that make ID numbers and phones unique. members is reused after
// yield returns: copy what you keep (the strings, tag and phone slices and
// residence plans inside are not reused). An error from yield stops the
// generation and is returned.
func GenerateStreamAt(seed uint64, n int, grids []GridRef, today time.Time, yield func(h HouseholdPlan, members []PersonPlan) error) error {
	if n <= 0 {
		return nil
	}
	if len(grids) == 0 {
		return ErrNoGrids
	}
	g := newGenerator(seed, today)
	quotas := g.quotas(n, grids)
	for gi, grid := range grids {
		g.grid = grid
		g.cur = nil
		remaining := quotas[gi]
		for remaining > 0 {
			size := g.householdSize()
			for tries := 0; size > remaining && tries < 8; tries++ {
				size = g.householdSize()
			}
			size = min(size, remaining)
			h, members := g.household(size, remaining)
			if err := yield(h, members); err != nil {
				return err
			}
			remaining -= size
		}
	}
	return nil
}

// maxAge is the oldest age generated.
const maxAge = 100

// generator holds the state of one generation.
type generator struct {
	r         *rand.Rand
	today     time.Time
	todayDays int32
	birthLo   [maxAge + 1]int32 // earliest birth day (days since 1970) for each age
	birthHi   [maxAge + 1]int32
	seqBase   int32
	idSeq     [][]uint16 // per region: people per (birth day, gender)
	phoneSeq  []uint32   // per mobile prefix
	landSeq   uint32

	grid      GridRef
	cur       *CompoundPlan
	curUsed   bool // a household lives in the current compound
	compounds int
	bi, ui    int // cursor in the current compound: building, unit
	fl, rk    int // floor (1-based), room (1-based)
	occupancy float64

	hh     int
	mem    []member
	out    []PersonPlan
	buf    []byte
	offs   []int32
	tags   []TagPlan
	tagEnd []int
	phOff  []int32 // start and end of each phone in buf
	phEnd  []int   // per member: end of its phones in phOff pairs
}

// member is a person of the household being built.
type member struct {
	rel    string
	male   bool
	age    int
	sur    string
	eth    string
	gen    int8 // generation relative to the head: -2 … +2
	region int  // index into regionCodes
}

func newGenerator(seed uint64, today time.Time) *generator {
	y, m, d := today.Date()
	today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	g := &generator{
		r:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), // #nosec G404 -- synthetic demo data: deterministic from a seed by design
		today:     today,
		todayDays: dayNum(today),
		idSeq:     make([][]uint16, len(regionCodes)),
		phoneSeq:  make([]uint32, len(mobilePrefixes)),
		mem:       make([]member, 0, 8),
		out:       make([]PersonPlan, 0, 8),
		buf:       make([]byte, 0, 1024),
	}
	for a := 0; a <= maxAge; a++ {
		// Born after today-(a+1) years and on or before today-a years.
		g.birthLo[a] = dayNum(today.AddDate(-(a + 1), 0, 1))
		g.birthHi[a] = dayNum(today.AddDate(-a, 0, 0))
	}
	g.seqBase = g.birthLo[maxAge] - 400
	return g
}

func dayNum(t time.Time) int32 { return int32(t.Unix() / 86400) }

func dayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// quotas splits n people over the grids with weights from 0.75 to 1.25.
func (g *generator) quotas(n int, grids []GridRef) []int {
	w := make([]float64, len(grids))
	var sum float64
	for i := range w {
		w[i] = 0.75 + g.r.Float64()/2
		sum += w[i]
	}
	q := make([]int, len(grids))
	total := 0
	for i := range q {
		q[i] = int(float64(n) * w[i] / sum)
		total += q[i]
	}
	for i := 0; total < n; i = (i + 1) % len(q) {
		q[i]++
		total++
	}
	return q
}

// householdSize draws a size: 1 25 %, 2 30 %, 3 25 %, 4 11 %, 5 6 %,
// 6 2.5 %, 7 0.5 %.
func (g *generator) householdSize() int {
	x := g.r.IntN(1000)
	switch {
	case x < 250:
		return 1
	case x < 550:
		return 2
	case x < 800:
		return 3
	case x < 910:
		return 4
	case x < 970:
		return 5
	case x < 995:
		return 6
	}
	return 7
}

// chance reports true with probability permille/1000.
func (g *generator) chance(permille int) bool { return g.r.IntN(1000) < permille }

// chance10k reports true with probability per10k/10000.
func (g *generator) chance10k(per10k int) bool { return g.r.IntN(10000) < per10k }

// between returns a uniform integer in [lo, hi].
func (g *generator) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// span is a weighted age range.
type span struct{ w, lo, hi int }

func (g *generator) pick(spans []span) int {
	t := 0
	for _, s := range spans {
		t += s.w
	}
	x := g.r.IntN(t)
	for _, s := range spans {
		if x < s.w {
			return g.between(s.lo, s.hi)
		}
		x -= s.w
	}
	return spans[len(spans)-1].lo
}

var (
	elderAlone  = []span{{42, 60, 69}, {35, 70, 79}, {23, 80, 95}}
	adultAlone  = []span{{32, 20, 29}, {30, 30, 39}, {18, 40, 49}, {20, 50, 59}}
	oldCouple   = []span{{50, 60, 69}, {35, 70, 79}, {15, 80, 92}}
	youngCouple = []span{{40, 23, 35}, {20, 36, 49}, {40, 50, 59}}
	childAges   = []span{{16, 0, 5}, {18, 6, 11}, {18, 12, 17}, {22, 18, 24}, {26, 25, 32}}
	minorAges   = []span{{30, 0, 5}, {35, 6, 11}, {35, 12, 17}}
	adultChild  = []span{{40, 22, 30}, {35, 31, 40}, {25, 41, 50}}
	migrantAge  = []span{{40, 20, 29}, {35, 30, 39}, {25, 40, 55}}
)

// household builds the members of one household of size people and its
// plan; remaining is the grid's quota left, to size a new compound.
func (g *generator) household(size, remaining int) (HouseholdPlan, []PersonPlan) {
	g.mem = g.mem[:0]
	reg := linli.RegRegistered
	switch {
	case g.chance(migrantRate(size)):
		reg = linli.RegMigrant
	case g.chance(21):
		reg = linli.RegSeparated
	}
	typ := linli.HouseholdFamily
	if reg == linli.RegMigrant {
		typ = g.buildMigrant(size)
	} else {
		g.buildFamily(size)
	}
	if size == 1 {
		typ = linli.HouseholdSingle
	}
	g.assignRegions(reg)

	h := HouseholdPlan{
		Index:         g.hh,
		GridCode:      g.grid.Code,
		CommunityCode: g.grid.CommunityCode,
		Type:          typ,
		RegType:       reg,
		Size:          size,
	}
	g.hh++
	g.placeRoom(&h, remaining)
	g.people(&h)
	return h, g.out
}

// migrantRate is the per-mille chance that a household of size people is a
// migrant household.
func migrantRate(size int) int {
	switch size {
	case 1:
		return 80
	case 2:
		return 50
	case 3:
		return 38
	case 4:
		return 15
	}
	return 0
}

func (g *generator) add(rel string, male bool, age int, sur, eth string, gen int8) int {
	age = max(0, min(age, maxAge))
	g.mem = append(g.mem, member{rel: rel, male: male, age: age, sur: sur, eth: eth, gen: gen})
	return len(g.mem) - 1
}

// addHead adds the head; a head with a spouse is the husband 3 times in 4.
func (g *generator) addHead(age int, withSpouse bool) int {
	male := g.chance(500)
	if withSpouse {
		male = g.chance(750)
	}
	return g.add(RelHead, male, age, g.surname(), g.ethnicity(), 0)
}

// addSpouse adds the head's spouse; husbands are on average 2–3 years
// older than their wives.
func (g *generator) addSpouse() int {
	h := g.mem[0]
	d := g.pick([]span{{15, -2, 0}, {55, 1, 3}, {30, 4, 7}})
	age := h.age - d
	if !h.male {
		age = h.age + d
	}
	return g.add(RelSpouse, !h.male, max(age, 20), g.surname(), g.ethnicity(), 0)
}

// husband and wife of the head's couple, or -1.
func (g *generator) couple() (husband, wife int) {
	husband, wife = -1, -1
	for i := range g.mem {
		if g.mem[i].gen != 0 || (g.mem[i].rel != RelHead && g.mem[i].rel != RelSpouse) {
			continue
		}
		if g.mem[i].male {
			husband = i
		} else {
			wife = i
		}
	}
	return husband, wife
}

// childSurname is the surname of the head couple's children: the father's,
// one in twenty the mother's.
func (g *generator) childSurname() (string, string) {
	hu, wi := g.couple()
	sur, eth := g.mem[0].sur, g.mem[0].eth
	switch {
	case hu >= 0 && wi >= 0:
		sur = g.mem[hu].sur
		if g.chance(50) {
			sur = g.mem[wi].sur
		}
		eth = inheritEth(g.mem[hu].eth, g.mem[wi].eth)
	case hu >= 0:
		sur, eth = g.mem[hu].sur, g.mem[hu].eth
	case wi >= 0:
		sur, eth = g.mem[wi].sur, g.mem[wi].eth
		if g.chance(600) {
			sur = g.surname() // the absent father's
		}
	}
	return sur, eth
}

// inheritEth is a child's ethnicity: a minority parent's if there is one.
func inheritEth(a, b string) string {
	if a != "01" {
		return a
	}
	return b
}

// addChildren adds k children of the head, the youngest aged youngest,
// siblings 1–6 years apart.
func (g *generator) addChildren(k, youngest int) {
	sur, eth := g.childSurname()
	age := youngest
	for i := 0; i < k; i++ {
		male := g.chance(515)
		rel := RelDaughter
		if male {
			rel = RelSon
		}
		g.add(rel, male, age, sur, eth, 1)
		age += g.between(1, 6)
	}
}

// parentAge is the age of a parent of someone aged age.
func (g *generator) parentAge(age int) int { return min(age+g.between(24, 34), maxAge-g.r.IntN(6)) }

// addParents adds k (1 or 2) parents of the head or of the spouse.
func (g *generator) addParents(k int) {
	h := g.mem[0]
	own := len(g.mem) == 1 || g.mem[1].rel != RelSpouse || g.chance(700)
	sur, eth := h.sur, h.eth
	fatherRel, motherRel := RelFather, RelMother
	base := h.age
	if !own {
		sp := g.mem[1]
		sur, eth, base = sp.sur, sp.eth, sp.age
		fatherRel, motherRel = RelWifesFather, RelWifesMother
		if !h.male {
			fatherRel, motherRel = RelHusbandsFather, RelHusbandsMother
		}
	}
	motherAge := g.parentAge(base)
	if k == 2 {
		g.add(fatherRel, true, min(motherAge+g.between(0, 4), maxAge), sur, eth, -1)
		g.add(motherRel, false, motherAge, g.surname(), eth, -1)
		return
	}
	if g.chance(680) { // widows outnumber widowers
		g.add(motherRel, false, motherAge, g.surname(), eth, -1)
	} else {
		g.add(fatherRel, true, motherAge, sur, eth, -1)
	}
}

// addMarriedChild adds an adult child of an older head with the child's
// spouse (when withSpouse) and k grandchildren, the youngest aged youngest.
func (g *generator) addMarriedChild(childAge int, withSpouse bool, k, youngest int) {
	csur, ceth := g.childSurname()
	son := g.chance(650)
	if son {
		g.add(RelSon, true, childAge, csur, ceth, 1)
	} else {
		g.add(RelDaughter, false, childAge, csur, ceth, 1)
	}
	gsur, geth := csur, ceth
	if withSpouse {
		d := g.between(0, 4)
		if son {
			g.add(RelDaughterInLaw, false, max(childAge-d, 20), g.surname(), g.ethnicity(), 1)
		} else {
			s := g.surname()
			g.add(RelSonInLaw, true, childAge+d, s, g.ethnicity(), 1)
			gsur = s
		}
	}
	age := youngest
	for i := 0; i < k; i++ {
		male := g.chance(515)
		rel := RelGranddaughter
		switch {
		case son && male:
			rel = RelGrandson
		case !son && male:
			rel = RelDaughtersSon
		case !son:
			rel = RelDaughtersDaughter
		}
		g.add(rel, male, age, gsur, geth, 2)
		age += g.between(1, 5)
	}
}

// buildFamily fills g.mem with a family household of size people whose
// structure and ages fit together.
func (g *generator) buildFamily(size int) {
	x := g.r.IntN(100)
	switch size {
	case 1:
		if g.chance(270) {
			g.add(RelHead, g.chance(330), g.pick(elderAlone), g.surname(), g.ethnicity(), 0)
		} else {
			g.addHead(g.pick(adultAlone), false)
		}
	case 2:
		switch {
		case x < 24: // old couple: empty nest
			g.addHead(g.pick(oldCouple), true)
			g.addSpouse()
		case x < 64: // couple without children at home
			g.addHead(g.pick(youngCouple), true)
			g.addSpouse()
		case x < 80: // single parent and child
			c := g.pick(childAges)
			g.addHead(g.parentAge(c), false)
			g.addChildren(1, c)
		case x < 89: // adult and an old parent
			p := g.pick(oldCouple)
			g.addHead(max(p-g.between(24, 34), 22), false)
			g.addParents(1)
			g.mem[1].age = max(g.mem[1].age, p)
		case x < 96: // old head and an adult child
			c := g.pick(adultChild)
			g.add(RelHead, g.chance(350), g.parentAge(c), g.surname(), g.ethnicity(), 0)
			g.addChildren(1, c)
		default: // grandparent raising a grandchild
			gc := g.between(3, 15)
			g.add(RelHead, g.chance(400), min(gc+g.between(48, 62), 85), g.surname(), g.ethnicity(), 0)
			g.addMarriedChild(0, false, 1, gc)
			g.mem = append(g.mem[:1], g.mem[2:]...) // the parent lives elsewhere
		}
	case 3:
		switch {
		case x < 74:
			c := g.pick(childAges)
			g.addHead(g.parentAge(c), true)
			g.addSpouse()
			g.addChildren(1, c)
		case x < 79:
			g.addHead(g.between(28, 62), true)
			g.addSpouse()
			g.addParents(1)
		case x < 90:
			c := g.pick(adultChild)
			g.addHead(g.parentAge(c), true)
			g.addSpouse()
			g.addChildren(1, c)
		default:
			c := g.pick(minorAges)
			g.addHead(g.parentAge(c), false)
			g.addChildren(1, c)
			g.addParents(1)
		}
	case 4:
		switch {
		case x < 42:
			c := g.pick(minorAges)
			g.addHead(g.parentAge(c+4), true)
			g.addSpouse()
			g.addChildren(2, c)
		case x < 67:
			c := g.pick(childAges)
			g.addHead(min(g.parentAge(c), 66), true)
			g.addSpouse()
			g.addChildren(1, c)
			g.addParents(1)
		case x < 85:
			c := g.between(25, 40)
			g.addHead(g.parentAge(c), true)
			g.addSpouse()
			g.addMarriedChild(c, true, 0, 0)
		default:
			gc := g.pick(minorAges)
			c := g.parentAge(gc)
			g.addHead(g.parentAge(c), true)
			g.addSpouse()
			g.addMarriedChild(c, false, 1, gc)
		}
	case 5:
		switch {
		case x < 35:
			c := g.pick(minorAges)
			g.addHead(g.parentAge(c), true)
			g.addSpouse()
			g.addChildren(1, c)
			g.addParents(2)
		case x < 65:
			c := g.pick(minorAges)
			g.addHead(g.parentAge(c+4), true)
			g.addSpouse()
			g.addChildren(2, c)
			g.addParents(1)
		case x < 80:
			c := g.pick(minorAges)
			g.addHead(g.parentAge(c+8), true)
			g.addSpouse()
			g.addChildren(3, c)
		default:
			gc := g.pick(minorAges)
			c := g.parentAge(gc)
			g.addHead(g.parentAge(c), true)
			g.addSpouse()
			g.addMarriedChild(c, true, 1, gc)
		}
	default: // 6 or more: three generations, plus a great-grandparent
		gc := g.pick(minorAges)
		if x < 50 {
			g.addHead(g.parentAge(gc+3), true)
			g.addSpouse()
			g.addChildren(2, gc)
			g.addParents(2)
		} else {
			c := g.parentAge(gc + 3)
			g.addHead(min(g.parentAge(c), 80), true)
			g.addSpouse()
			g.addMarriedChild(c, true, 2, gc)
		}
		for len(g.mem) < size {
			g.addGrandparent()
		}
	}
}

// addGrandparent adds a grandparent of the head (four generations), or an
// adult child when the head is too old for that.
func (g *generator) addGrandparent() {
	h := g.mem[0]
	if age := h.age + g.between(45, 55); age <= maxAge {
		g.add(RelGrandmother, false, age, g.surname(), h.eth, -2)
		return
	}
	g.addChildren(1, max(h.age-g.between(26, 40), 18))
}

// buildMigrant fills g.mem with a migrant household: a young single, a
// couple with or without children, or unrelated co-tenants (a collective
// household).
func (g *generator) buildMigrant(size int) string {
	x := g.r.IntN(100)
	switch {
	case size == 1:
		g.addHead(g.pick(migrantAge), false)
	case size <= 3 && x < 25:
		g.addHead(g.between(19, 45), false)
		for len(g.mem) < size {
			g.add(RelNonRelative, g.chance(600), g.between(19, 50), g.surname(), g.ethnicity(), 0)
		}
		return linli.HouseholdCollective
	case size == 2:
		g.addHead(g.pick(migrantAge), true)
		g.addSpouse()
	default:
		c := g.between(0, 14)
		g.addHead(g.parentAge(c+4*(size-3)), true)
		g.addSpouse()
		g.addChildren(size-2, c)
	}
	return linli.HouseholdFamily
}

// surname draws a surname with its national frequency.
func (g *generator) surname() string {
	i := surnameTable.pick(g.r)
	if i < len(topSurnames) {
		return topSurnames[i].name
	}
	return rareSurnames[i-len(topSurnames)]
}

// ethnicity draws a GB 3304 code with Beijing's mix.
func (g *generator) ethnicity() string {
	return ethnicCodes[ethnicTable.pick(g.r)]
}

// assignRegions picks the region code of each member's ID number.
func (g *generator) assignRegions(reg string) {
	switch reg {
	case linli.RegMigrant:
		origin := g.province()
		for i := range g.mem {
			g.mem[i].region = origin
			if g.mem[i].rel == RelSpouse && g.chance(250) || g.mem[i].rel == RelNonRelative {
				g.mem[i].region = g.province()
			}
		}
	case linli.RegSeparated:
		for i := range g.mem {
			switch x := g.r.IntN(100); {
			case x < 60:
				g.mem[i].region = g.otherBeijing()
			case x < 85:
				g.mem[i].region = localRegion
			default:
				g.mem[i].region = g.province()
			}
		}
	default:
		for i := range g.mem {
			m := &g.mem[i]
			x := g.r.IntN(100)
			switch {
			case m.gen >= 1 && m.age < 25 && x < 92, m.gen < 1 && x < 68, m.gen >= 1 && m.age >= 25 && x < 80:
				m.region = localRegion
			case x < 88:
				m.region = g.otherBeijing()
			default:
				m.region = g.province()
			}
		}
	}
}

func (g *generator) province() int {
	return provinceBase + provinceTable.pick(g.r)
}

func (g *generator) otherBeijing() int {
	return beijingBase + beijingTable.pick(g.r)
}

// placeRoom puts the household in the next free room of the grid's current
// compound, skipping rooms so that a compound fills evenly; it opens a new
// compound when the current one is full.
func (g *generator) placeRoom(h *HouseholdPlan, remaining int) {
	for {
		if g.cur == nil {
			g.newCompound(remaining)
		}
		if !g.advance() {
			if !g.curUsed { // skipped every room: go round again
				g.bi, g.ui, g.fl, g.rk = 0, 0, 1, 0
				continue
			}
			g.newCompound(remaining)
			continue
		}
		if g.r.Float64() < g.occupancy {
			break
		}
	}
	g.curUsed = true
	b := &g.cur.Buildings[g.bi]
	h.Compound = g.cur
	h.CompoundName = g.cur.Name
	h.Building = b.Name
	h.Unit = unitNames[g.ui]
	h.Room = roomNames[g.fl-1][g.rk-1]
	h.Floor = g.fl
}

// advance moves the cursor to the next room; false when the compound is
// exhausted. A fresh compound starts before its first room (rk = 0).
func (g *generator) advance() bool {
	b := &g.cur.Buildings[g.bi]
	g.rk++
	if g.rk <= b.RoomsPerFloor {
		return true
	}
	g.rk = 1
	g.fl++
	if g.fl <= b.Floors {
		return true
	}
	g.fl = 1
	g.ui++
	if g.ui < b.Units {
		return true
	}
	g.ui = 0
	g.bi++
	return g.bi < len(g.cur.Buildings)
}

// newCompound opens a compound of 5–20 buildings in the current grid.
func (g *generator) newCompound(remaining int) {
	nb := g.between(5, 20)
	c := &CompoundPlan{
		Index:         g.compounds,
		Name:          compoundName(g.compounds),
		GridCode:      g.grid.Code,
		CommunityCode: g.grid.CommunityCode,
		Buildings:     make([]BuildingPlan, nb),
	}
	rooms := 0
	for i := range c.Buildings {
		floors := 6
		switch x := g.r.IntN(100); {
		case x < 25:
			floors = g.between(7, 12)
		case x < 55:
			floors = g.between(13, 18)
		}
		c.Buildings[i] = BuildingPlan{Name: buildingNames[i], Units: g.between(3, 6), Floors: floors, RoomsPerFloor: g.between(2, 4)}
		rooms += c.Buildings[i].Units * floors * c.Buildings[i].RoomsPerFloor
	}
	g.compounds++
	g.cur = c
	g.curUsed = false
	g.bi, g.ui, g.fl, g.rk = 0, 0, 1, 0
	// Spread the households the grid still needs over the compound; at
	// most 92 % of rooms are occupied.
	need := float64(remaining)/2.5*1.15 + 1
	g.occupancy = min(0.92, max(need/float64(rooms), 0.02))
}

// compoundName is the name of compound i: all words with all suffixes
// before a second phase (二期, 三期 …) of the same names.
func compoundName(i int) string {
	nw, ns := len(compoundWords), len(compoundSuffixes)
	k := i % (nw * ns)
	name := compoundWords[(k*7)%nw] + compoundSuffixes[(k/nw+k)%ns]
	if phase := i / (nw * ns); phase > 0 {
		name += strconv.Itoa(phase+1) + "期"
	}
	return name
}

var (
	buildingNames = func() []string {
		s := make([]string, 20)
		for i := range s {
			s[i] = strconv.Itoa(i+1) + "号楼"
		}
		return s
	}()
	unitNames = func() []string {
		s := make([]string, 6)
		for i := range s {
			s[i] = strconv.Itoa(i+1) + "单元"
		}
		return s
	}()
	roomNames = func() [][]string {
		s := make([][]string, 18)
		for f := range s {
			s[f] = make([]string, 4)
			for k := range s[f] {
				s[f][k] = strconv.Itoa((f+1)*100 + k + 1)
			}
		}
		return s
	}()
)

// people turns g.mem into PersonPlans in g.out. All strings of the
// household (names, ID numbers, phones, address) share one allocation.
func (g *generator) people(h *HouseholdPlan) {
	g.buf = g.buf[:0]
	g.offs = g.offs[:0]
	g.tags = g.tags[:0]
	g.tagEnd = g.tagEnd[:0]
	g.phOff = g.phOff[:0]
	g.phEnd = g.phEnd[:0]
	g.out = g.out[:0]

	// Household-level circumstances.
	dibao, lowIncome := false, false
	if h.RegType == linli.RegRegistered {
		switch x := g.r.IntN(1000); {
		case x < 13:
			dibao = true
		case x < 21:
			lowIncome = true
		}
	}
	dibaoCat := "差额"
	if g.chance(250) {
		dibaoCat = "全额"
	}
	alone := len(g.mem) == 1
	emptyNest := len(g.mem) == 2 && g.mem[0].age >= 60 && g.mem[1].age >= 60 && g.mem[1].rel == RelSpouse
	hasParentGen := false
	for _, m := range g.mem {
		if m.gen == 1 && m.age >= 18 {
			hasParentGen = true
		}
	}
	landline := -1
	for i, m := range g.mem {
		if m.age >= 60 && g.chance(300) {
			landline = i
			break
		}
	}

	start := len(g.buf)
	g.buf = append(g.buf, h.CompoundName...)
	g.buf = append(g.buf, h.Building...)
	g.buf = append(g.buf, h.Unit...)
	g.buf = append(g.buf, h.Room...)
	g.offs = append(g.offs, int32(start), int32(len(g.buf)))

	var res []ResidencePlan
	if h.RegType == linli.RegMigrant {
		res = make([]ResidencePlan, len(g.mem))
		arrival := g.todayDays - int32(g.r.IntN(3*365))
		reason := g.reason()
		landlord := ""
		if reason != ReasonFamily || g.chance(300) { // relatives' flats have no landlord
			landlord = g.surname() + [2]string{"先生", "女士"}[g.r.IntN(2)]
		}
		for i := range res {
			a := arrival
			if i > 0 && g.chance(200) { // joined later
				a += int32(g.r.IntN(int(g.todayDays-arrival) + 1))
			}
			res[i] = g.residence(a, reason, g.mem[i])
			res[i].Landlord = landlord
		}
	}

	for i := range g.mem {
		m := &g.mem[i]
		birth := g.birthDay(m.age)
		birthT := dayTime(birth)
		year := birthT.Year()

		// name
		ns := len(g.buf)
		g.buf = append(g.buf, m.sur...)
		g.buf = g.givenName(g.buf, year, m.male)
		ne := len(g.buf)
		// ID number
		is := len(g.buf)
		g.buf = g.idNumber(g.buf, m.region, birth, birthT, m.male)
		ie := len(g.buf)
		g.offs = append(g.offs, int32(ns), int32(ne), int32(is), int32(ie))

		// phones
		if m.age >= 12 {
			p := 0
			switch {
			case m.age < 18:
				p = 600
			case m.age < 70:
				p = 980
			case m.age < 80:
				p = 850
			default:
				p = 550
			}
			if g.chance(p) {
				g.phoneAt(g.mobile)
				if m.age >= 25 && m.age < 60 && g.chance(40) {
					g.phoneAt(g.mobile)
				}
			}
		}
		if i == landline {
			g.phoneAt(g.landline)
		}
		g.phEnd = append(g.phEnd, len(g.phOff)/2)

		edu := g.education(m.age, year)
		emp := g.employment(m, edu)
		g.personTags(m, birth, emp, alone, emptyNest, hasParentGen, dibao, dibaoCat, lowIncome)
		g.tagEnd = append(g.tagEnd, len(g.tags))
		g.out = append(g.out, PersonPlan{
			PersonInput: linli.PersonInput{
				Gender:     gender(m.male),
				BirthDate:  birthT,
				IDType:     linli.IDResident,
				Ethnicity:  m.eth,
				Education:  edu,
				Employment: emp,
				Political:  g.political(m.age, edu),
				RegType:    h.RegType,
				Source:     linli.SourceImport,
				SourceNote: DemoSource,
			},
			GridCode:     h.GridCode,
			Household:    h.Index,
			Relation:     m.rel,
			CompoundName: h.CompoundName,
			Building:     h.Building,
			Unit:         h.Unit,
			Room:         h.Room,
		})
	}

	// One string for the household; slices of it for every field.
	s := string(g.buf)
	h.Address = s[g.offs[0]:g.offs[1]]
	var phones []string
	if len(g.phOff) > 0 {
		phones = make([]string, len(g.phOff)/2)
		for i := range phones {
			phones[i] = s[g.phOff[2*i]:g.phOff[2*i+1]]
		}
	}
	var tags []TagPlan
	if len(g.tags) > 0 {
		tags = make([]TagPlan, len(g.tags))
		copy(tags, g.tags)
	}
	ph0, tg0 := 0, 0
	for i := range g.out {
		p := &g.out[i]
		o := g.offs[2+4*i:]
		p.Name = s[o[0]:o[1]]
		p.IDNumber = s[o[2]:o[3]]
		p.Address = h.Address
		if e := g.phEnd[i]; e > ph0 {
			p.Phones = phones[ph0:e:e]
			ph0 = e
		}
		if e := g.tagEnd[i]; e > tg0 {
			p.Tags = tags[tg0:e:e]
			tg0 = e
		}
		if res != nil {
			p.Residence = &res[i]
		}
	}
}

func gender(male bool) string {
	if male {
		return linli.GenderMale
	}
	return linli.GenderFemale
}

// birthDay draws a birth day (days since 1970) for someone aged age today.
func (g *generator) birthDay(age int) int32 {
	lo, hi := g.birthLo[age], g.birthHi[age]
	return lo + int32(g.r.IntN(int(hi-lo)+1))
}

// givenName appends a given name typical of the birth year: one character
// in singleRate per mille, else a common two-character name or, as often,
// the first character of one with the second of another.
func (g *generator) givenName(b []byte, year int, male bool) []byte {
	e := eraOf(year)
	one, two := e.female1, e.female2
	if male {
		one, two = e.male1, e.male2
	}
	if g.r.IntN(1000) < e.singleRate {
		return append(b, one[g.r.IntN(len(one))]...)
	}
	a := two[g.r.IntN(len(two))]
	if g.r.IntN(2) == 0 {
		return append(b, a...)
	}
	c := two[g.r.IntN(len(two))]
	return append(append(b, a[:len(a)/2]...), c[len(c)/2:]...)
}

// idNumber appends an 18-character resident ID number: region, birth date,
// a sequence whose last digit is odd for men and even for women, and the
// check character. The sequence comes from a counter per region, birth day
// and gender, so numbers never repeat; when a day's 500 numbers are used
// up the birth day moves to a neighbouring day (the caller's birth date is
// not changed: it never happens below tens of millions of people).
func (g *generator) idNumber(b []byte, region int, birth int32, birthT time.Time, male bool) []byte {
	seqs := g.idSeq[region]
	if seqs == nil {
		seqs = make([]uint16, 2*(g.todayDays-g.seqBase+1))
		g.idSeq[region] = seqs
	}
	sex := int32(0)
	if male {
		sex = 1
	}
	day := birth
	for seqs[2*(day-g.seqBase)+sex] >= 500 {
		day-- // earlier days always exist
		birthT = dayTime(day)
	}
	k := int(seqs[2*(day-g.seqBase)+sex])
	seqs[2*(day-g.seqBase)+sex]++
	// Start each day's numbering at a pseudo-random point.
	k = (k + int(uint32(day)*2654435761>>7+uint32(region)*40503)%500) % 500
	seq := k*2 + int(sex)

	start := len(b)
	b = append(b, regionCodes[region]...)
	y, m, d := birthT.Date()
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(m), 2)
	b = appendDigits(b, d, 2)
	b = appendDigits(b, seq, 3)
	return append(b, seal.IDCheckDigit(string(b[start:start+17])))
}

// appendDigits appends v with exactly n digits, zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	var d [12]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}

// phoneAt appends a phone number made by f to the household's buffer.
func (g *generator) phoneAt(f func([]byte) []byte) {
	s := len(g.buf)
	g.buf = f(g.buf)
	g.phOff = append(g.phOff, int32(s), int32(len(g.buf)))
}

// mobile appends a unique mobile number: a real prefix and 8 digits that
// are an affine permutation (a multiplier prime to 10) of the prefix's
// counter, so numbers repeat only after 100 million per prefix.
func (g *generator) mobile(b []byte) []byte {
	p := g.r.IntN(len(mobilePrefixes))
	c := g.phoneSeq[p]
	g.phoneSeq[p]++
	v := (uint64(c)*48271 + uint64(p)*7919977 + 13579) % 100000000
	return appendDigits(append(b, mobilePrefixes[p]...), int(v), 8)
}

// landline appends a unique Beijing fixed line: 010 and 8 digits starting
// with 6 (the old-city exchanges).
func (g *generator) landline(b []byte) []byte {
	c := g.landSeq
	g.landSeq++
	v := (uint64(c)*7001 + 4012345) % 10000000
	return appendDigits(append(b, "0106"...), int(v), 7)
}

// reason draws why a migrant household came.
func (g *generator) reason() string {
	switch x := g.r.IntN(100); {
	case x < 68:
		return ReasonWork
	case x < 80:
		return ReasonBusiness
	case x < 85:
		return ReasonStudy
	case x < 95:
		return ReasonFamily
	}
	return ReasonOther
}

// residence is the registration of a migrant who arrived on day arrival:
// registered within 30 days of arrival, renewed every year.
func (g *generator) residence(arrival int32, reason string, m member) ResidencePlan {
	reg := min(arrival+int32(g.r.IntN(31)), g.todayDays)
	start := dayTime(reg)
	renewals := 0
	for !start.AddDate(1, 0, 0).After(g.today) {
		start = start.AddDate(1, 0, 0)
		renewals++
	}
	stay := 12
	switch x := g.r.IntN(100); {
	case x < 20:
		stay = 6
	case x < 55:
		stay = 12
	case x < 85:
		stay = 36
	default:
		stay = 60
	}
	if m.age < 16 {
		reason = ReasonFamily
	}
	employer := ""
	if (reason == ReasonWork || reason == ReasonBusiness) && g.chance(850) {
		employer = "北京" + compoundWords[g.r.IntN(len(compoundWords))] + employerKinds[g.r.IntN(len(employerKinds))]
	}
	return ResidencePlan{
		Arrival:    dayTime(arrival),
		Registered: start,
		Expiry:     start.AddDate(1, 0, 0),
		Renewals:   renewals,
		Reason:     reason,
		Origin:     regionCodes[m.region],
		StayMonths: stay,
		Employer:   employer,
	}
}

// employerKinds end the made-up employer names of migrants.
var employerKinds = []string{"商贸有限公司", "科技有限公司", "餐饮管理有限公司", "物业管理有限公司", "建筑工程有限公司", "家政服务有限公司", "物流有限公司", "便利店"}

// education is a GB/T 4658 code plausible for the age and birth year:
// the level being attended for pupils and students, else the highest
// level reached, drawn from the cohort's mix.
func (g *generator) education(age, year int) string {
	switch {
	case age < 6:
		return "90"
	case age < 12:
		return "80"
	case age < 15:
		return "70"
	case age < 18:
		if g.chance(250) {
			return "40"
		}
		return "60"
	case age < 23:
		switch x := g.r.IntN(100); {
		case x < 55:
			return "20"
		case x < 75:
			return "30"
		case x < 85:
			return "40"
		case x < 95:
			return "60"
		}
		return "70"
	}
	row := eduMix[len(eduMix)-1]
	for _, r := range eduMix {
		if year <= r.until {
			row = r
			break
		}
	}
	x := g.r.IntN(1000)
	for i, w := range row.w {
		if x < w {
			return eduCodes[i]
		}
		x -= w
	}
	return "90"
}

// eduCodes are GB/T 4658 groups: 研究生, 本科, 专科, 中专, 高中, 初中, 小学, 其他.
var eduCodes = [8]string{"10", "20", "30", "40", "60", "70", "80", "90"}

// eduMix is the mix of eduCodes (per mille) by birth cohort.
var eduMix = []struct {
	until int
	w     [8]int
}{
	{1944, [8]int{5, 60, 50, 60, 200, 300, 240, 85}},
	{1954, [8]int{10, 90, 80, 80, 250, 350, 120, 20}},
	{1964, [8]int{20, 140, 120, 100, 240, 310, 60, 10}},
	{1974, [8]int{50, 250, 170, 100, 180, 220, 30, 0}},
	{1984, [8]int{100, 350, 200, 70, 120, 150, 10, 0}},
	{1 << 30, [8]int{130, 420, 190, 60, 100, 95, 5, 0}},
}

// employment is a GB/T 2261.4 code; unemployment is 3.5 % of the working-
// age people in the labour force.
func (g *generator) employment(m *member, edu string) string {
	switch {
	case m.age < 6:
		return EmpOther
	case m.age < 18:
		return EmpStudent
	case m.age < 23 && (edu == "20" || edu == "30"):
		return EmpStudent
	case m.age >= 60 || (!m.male && m.age >= 55) || (!m.male && m.age >= 50 && g.chance(500)):
		if m.age < 65 && g.chance(80) {
			return EmpFreelance
		}
		return EmpRetired
	}
	if g.chance(35) {
		return EmpUnemployed
	}
	if g.chance(40) {
		return EmpOther
	}
	x := g.r.IntN(100)
	switch {
	case edu == "10" || edu == "20":
		switch {
		case x < 10:
			return EmpCivilServant
		case x < 50:
			return EmpProfessional
		case x < 80:
			return EmpClerk
		case x < 92:
			return EmpManager
		}
		return EmpFreelance
	case edu == "30" || edu == "40":
		switch {
		case x < 15:
			return EmpProfessional
		case x < 50:
			return EmpClerk
		case x < 75:
			return EmpWorker
		case x < 90:
			return EmpSelfEmployed
		}
		return EmpFreelance
	}
	switch {
	case x < 15:
		return EmpClerk
	case x < 65:
		return EmpWorker
	case x < 88:
		return EmpSelfEmployed
	}
	return EmpFreelance
}

// political is a GB/T 4762 code: Party members (01, 02) more often among
// the educated and the old, League members (03) among the young, a few
// members of the democratic parties (04–11), the masses (13) otherwise.
func (g *generator) political(age int, edu string) string {
	if age < 14 {
		return "13"
	}
	univ := edu == "10" || edu == "20" || edu == "30"
	if age <= 28 {
		x := g.r.IntN(1000)
		switch {
		case age >= 18 && x < 50:
			return "01"
		case age >= 18 && x < 60:
			return "02"
		case age < 18 && x < 400, age >= 18 && age <= 24 && x < 560, x < 360:
			return "03"
		}
		return "13"
	}
	p := 70
	if univ {
		p += 110
	}
	if age >= 60 {
		p += 40
	}
	x := g.r.IntN(1000)
	switch {
	case x < p:
		return "01"
	case x < p+3:
		return "02"
	case univ && x < p+13:
		return democraticParties[g.r.IntN(len(democraticParties))]
	}
	return "13"
}

var democraticParties = []string{"04", "05", "06", "07", "08", "09", "10", "11"}

// personTags adds the tags of one person to g.tags.
func (g *generator) personTags(m *member, birth int32, emp string, alone, emptyNest, hasParentGen, dibao bool, dibaoCat string, lowIncome bool) {
	age := m.age
	since := func(minDay int32, maxBack int) time.Time {
		d := g.todayDays - int32(g.r.IntN(maxBack+1))
		return dayTime(max(d, minDay))
	}
	at60 := birth + int32(60*365.25)
	tag := func(code string, s time.Time, attrs ...TagAttr) {
		t := TagPlan{Code: code, Since: s}
		copy(t.Attrs[:], attrs)
		g.tags = append(g.tags, t)
	}
	if alone && age >= 60 {
		tag(TagElderlyAlone, since(at60, 3650))
		if g.chance(12) && !dibao {
			tag(TagTekun, since(at60, 3650))
		}
	}
	if emptyNest {
		tag(TagEmptyNest, since(at60, 3650))
	}
	if dibao {
		tag(TagDibao, since(birth, 2500), TagAttr{"category", dibaoCat})
	}
	if lowIncome {
		tag(TagLowIncome, since(birth, 1500))
	}
	// Disability: the 2006 survey's 6.34 %, rising steeply with age.
	dp := 100
	switch {
	case age < 15:
		dp = 100
	case age < 45:
		dp = 250
	case age < 60:
		dp = 550
	case age < 70:
		dp = 1150
	case age < 80:
		dp = 1850
	default:
		dp = 3000
	}
	if g.chance10k(dp) {
		typ := disabilityTypes[disabilityTable.pick(g.r)]
		lvl := disabilityLevels[levelTable.pick(g.r)]
		tag(TagDisability, since(birth, 20*365), TagAttr{"type", typ}, TagAttr{"level", lvl})
	}
	// Chronic disease under community management, adults 45 and over.
	cp := 0
	switch {
	case age >= 70:
		cp = 300
	case age >= 60:
		cp = 220
	case age >= 45:
		cp = 100
	case age >= 30:
		cp = 15
	}
	if cp > 0 && g.chance(cp) {
		tag(TagChronic, since(birth+30*365, 15*365), TagAttr{"disease", chronicDiseases[chronicTable.pick(g.r)]})
	}
	if emp == EmpUnemployed {
		tag(TagUnemployed, since(birth+18*365, 700))
	}
	if age >= 35 && (m.male && g.chance(45) || !m.male && g.chance(3)) {
		tag(TagVeteran, since(birth+22*365, 30*365), TagAttr{"category", veteranCategories[veteranTable.pick(g.r)]})
	}
	if age < 16 && m.gen == 2 && !hasParentGen {
		tag(TagLeftBehindChild, since(birth, 8*365))
	}
	if age >= 18 && age <= 70 {
		male := m.male || g.chance(150)
		switch x := g.r.IntN(100000); {
		case male && x < 90:
			tag(TagCorrection, since(birth+18*365, 700))
		case male && x < 300:
			tag(TagReleased, since(birth+20*365, 5*365))
		case x >= 99960 && age <= 60:
			tag(TagRehab, since(birth+18*365, 1000))
		}
	}
	if age >= 18 && g.chance10k(45) {
		tag(TagSevereMental, since(birth+16*365, 15*365))
	}
	if !m.male && age >= 22 && age <= 42 && g.chance(30) {
		tag(TagPregnant, since(birth, 270))
	}
}

var (
	disabilityTypes   = []string{"视力", "听力", "言语", "肢体", "智力", "精神", "多重"}
	disabilityLevels  = []string{"1", "2", "3", "4"}
	veteranCategories = []string{"退役士兵", "退役军官", "伤残军人", "参战退役人员"}
	veteranTable      = newWTable([]int{82, 8, 4, 6})
	chronicDiseases   = []string{"高血压", "糖尿病", "冠心病", "脑卒中", "慢阻肺", "慢性肾病", "恶性肿瘤", "其他"}
	ethnicCodes       = []string{"01", "11", "03", "02", "10", "15", "08", "06", "04", "05", "07"}

	// Weights: 2006 disability survey type mix; assumed level mix; chronic
	// disease mix of community management; Beijing ethnic mix (per 10,000).
	disabilityTable = newWTable([]int{1486, 2416, 153, 2907, 668, 740, 1630})
	levelTable      = newWTable([]int{12, 18, 30, 40})
	chronicTable    = newWTable([]int{46, 20, 12, 6, 6, 3, 4, 3})
	ethnicTable     = newWTable([]int{9610, 150, 110, 45, 25, 15, 15, 10, 5, 5, 5})

	surnameTable = func() wtable {
		w := make([]int, 0, len(topSurnames)+len(rareSurnames))
		for _, s := range topSurnames {
			w = append(w, s.share*len(rareSurnames))
		}
		for range rareSurnames {
			w = append(w, tailShare())
		}
		return newWTable(w)
	}()

	// regionCodes: 东城区 first, then the other Beijing districts, then the
	// other provinces.
	regionCodes, localRegion, beijingBase, provinceBase = func() ([]string, int, int, int) {
		codes := []string{"110101"}
		for _, r := range otherBeijing {
			codes = append(codes, r.code)
		}
		for _, r := range otherProvinces {
			codes = append(codes, r.code)
		}
		return codes, 0, 1, 1 + len(otherBeijing)
	}()
	beijingTable  = newWTable(weightsOf(otherBeijing))
	provinceTable = newWTable(weightsOf(otherProvinces))
)

func weightsOf(rs []regionShare) []int {
	w := make([]int, len(rs))
	for i, r := range rs {
		w[i] = r.weight
	}
	return w
}

// wtable draws an index with probability proportional to its weight.
type wtable struct{ cum []int }

func newWTable(w []int) wtable {
	cum := make([]int, len(w))
	t := 0
	for i, x := range w {
		t += x
		cum[i] = t
	}
	return wtable{cum}
}

func (t wtable) pick(r *rand.Rand) int {
	x := r.IntN(t.cum[len(t.cum)-1])
	lo, hi := 0, len(t.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if t.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
