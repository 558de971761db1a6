package demo_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/codes"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
)

var popDay = time.Date(2026, time.November, 29, 0, 0, 0, 0, time.UTC)

const popN = 20000

// pop20k is one 20,000-person population shared by the tests.
var pop20k = sync.OnceValue(func() demo.Population {
	return demo.GenerateAt(42, popN, demo.Grids(), popDay)
})

// share is part/whole in percent.
func share(part, whole int) float64 { return 100 * float64(part) / float64(whole) }

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.2f %%, want %.2f–%.2f %%", what, got, lo, hi)
	} else {
		t.Logf("%s = %.2f %%", what, got)
	}
}

func TestPopulationSizeAndPlacement(t *testing.T) {
	pop := pop20k()
	if len(pop.People) != popN {
		t.Fatalf("%d people, want %d", len(pop.People), popN)
	}
	grids := map[string]string{}
	for _, g := range demo.Grids() {
		grids[g.Code] = g.CommunityCode
	}
	if _, ok := grids[demo.GridA1Code]; !ok || len(grids) < 100 {
		t.Fatalf("demo grids: %d, grid A1 present %v", len(grids), ok)
	}
	sum := 0
	rooms := map[string]int{}
	perGrid := map[string]int{}
	for i, h := range pop.Households {
		if h.Index != i {
			t.Fatalf("household %d has index %d", i, h.Index)
		}
		sum += h.Size
		perGrid[h.GridCode] += h.Size
		if grids[h.GridCode] != h.CommunityCode || h.CommunityCode == "" {
			t.Errorf("household %d: grid %s in community %s", i, h.GridCode, h.CommunityCode)
		}
		c := h.Compound
		switch {
		case h.Size == 1 && h.Type != linli.HouseholdSingle,
			h.Size > 1 && h.Type != linli.HouseholdFamily && h.Type != linli.HouseholdCollective:
			t.Errorf("household %d of %d: type %s", i, h.Size, h.Type)
		}
		if c == nil || c != &pop.Compounds[c.Index] || c.GridCode != h.GridCode || c.Name != h.CompoundName {
			t.Fatalf("household %d: compound %+v does not match", i, c)
		}
		if n := len(c.Buildings); n < 5 || n > 20 {
			t.Errorf("compound %s has %d buildings", c.Name, n)
		}
		var b *demo.BuildingPlan
		for j := range c.Buildings {
			if c.Buildings[j].Name == h.Building {
				b = &c.Buildings[j]
			}
		}
		if b == nil {
			t.Fatalf("household %d: no building %s in %s", i, h.Building, c.Name)
		}
		if b.Units < 3 || b.Units > 6 || b.Floors < 6 || b.Floors > 18 || b.RoomsPerFloor < 2 || b.RoomsPerFloor > 4 {
			t.Errorf("building %+v out of range", *b)
		}
		var unit, room int
		if _, err := fmt.Sscanf(h.Unit, "%d单元", &unit); err != nil || unit < 1 || unit > b.Units {
			t.Errorf("household %d: unit %q of %d", i, h.Unit, b.Units)
		}
		if _, err := fmt.Sscanf(h.Room, "%d", &room); err != nil || room/100 != h.Floor || room/100 > b.Floors || room%100 < 1 || room%100 > b.RoomsPerFloor {
			t.Errorf("household %d: room %q floor %d in %+v", i, h.Room, h.Floor, *b)
		}
		want := h.CompoundName + h.Building + h.Unit + h.Room
		if h.Address != want {
			t.Errorf("household %d: address %q, want %q", i, h.Address, want)
		}
		key := h.CompoundName + "/" + h.Building + "/" + h.Unit + "/" + h.Room
		if j, dup := rooms[key]; dup {
			t.Errorf("households %d and %d share room %s", j, i, key)
		}
		rooms[key] = i
	}
	if sum != popN {
		t.Errorf("household sizes add up to %d", sum)
	}
	if len(perGrid) != len(grids) {
		t.Errorf("people in %d grids of %d", len(perGrid), len(grids))
	}
	names := map[string]int{}
	for i, c := range pop.Compounds {
		if c.Index != i {
			t.Errorf("compound %d has index %d", i, c.Index)
		}
		names[c.Name]++
	}
	for n, k := range names {
		if k > 1 {
			t.Errorf("compound name %s used %d times", n, k)
		}
	}
	for i := range pop.People {
		p := &pop.People[i]
		h := pop.Households[p.Household]
		if p.GridCode != h.GridCode || p.Room != h.Room || p.Building != h.Building || p.Unit != h.Unit || p.CompoundName != h.CompoundName || p.Address != h.Address {
			t.Fatalf("person %d does not live where household %d is", i, p.Household)
		}
		if p.RegType != h.RegType {
			t.Errorf("person %d: reg type %s in a %s household", i, p.RegType, h.RegType)
		}
		if v := linli.ValidatePersonShape(p.PersonInput, popDay); len(v.Fields) > 1 || (len(v.Fields) == 1 && v.Fields[0].Field != "grid") {
			t.Fatalf("person %d %+v: %v", i, p.PersonInput, v.Fields)
		}
	}
}

func TestPopulationIDNumbers(t *testing.T) {
	pop := pop20k()
	seen := make(map[string]int, len(pop.People))
	local, born := 0, 0
	for i := range pop.People {
		p := &pop.People[i]
		if p.IDType != linli.IDResident {
			t.Fatalf("person %d: id type %q", i, p.IDType)
		}
		info, err := seal.ValidateIDNumber(p.IDNumber, popDay)
		if err != nil {
			t.Fatalf("person %d %s: %v", i, p.IDNumber, err)
		}
		if !info.Birth.Equal(p.BirthDate) {
			t.Errorf("person %d: ID says born %s, birth date %s", i, info.Birth.Format(time.DateOnly), p.BirthDate.Format(time.DateOnly))
		}
		if info.Male != (p.Gender == linli.GenderMale) || (p.Gender != linli.GenderMale && p.Gender != linli.GenderFemale) {
			t.Errorf("person %d: gender %s, ID %s", i, p.Gender, p.IDNumber)
		}
		if j, dup := seen[p.IDNumber]; dup {
			t.Fatalf("people %d and %d share ID %s", j, i, p.IDNumber)
		}
		seen[p.IDNumber] = i
		if p.RegType == linli.RegRegistered {
			born++
			if info.Region == "110101" {
				local++
			}
		}
		if p.RegType == linli.RegMigrant && info.Province == "北京" {
			t.Errorf("migrant %d has a Beijing ID %s", i, p.IDNumber)
		}
	}
	within(t, "registered residents with a 东城区 ID", share(local, born), 60, 90)
}

func TestPopulationAgesAndHouseholds(t *testing.T) {
	pop := pop20k()
	old, young := 0, 0
	for i := range pop.People {
		a := linli.AgeOn(pop.People[i].BirthDate, popDay)
		if a < 0 || a > 100 {
			t.Fatalf("person %d aged %d", i, a)
		}
		if a >= 60 {
			old++
		}
		if a < 15 {
			young++
		}
	}
	within(t, "aged 60+", share(old, popN), 18, 24)
	within(t, "aged under 15", share(young, popN), 9, 15)

	sizes := map[int]int{}
	members := make([][]*demo.PersonPlan, len(pop.Households))
	for i := range pop.People {
		p := &pop.People[i]
		members[p.Household] = append(members[p.Household], p)
	}
	for hi, h := range pop.Households {
		ms := members[hi]
		if len(ms) != h.Size {
			t.Fatalf("household %d: size %d, %d members", hi, h.Size, len(ms))
		}
		sizes[min(h.Size, 5)]++
		heads := 0
		for _, m := range ms {
			if m.Relation == demo.RelHead {
				heads++
			}
			if _, ok := demo.RelationNames[m.Relation]; !ok {
				t.Errorf("household %d: relation %q", hi, m.Relation)
			}
		}
		if heads != 1 || ms[0].Relation != demo.RelHead {
			t.Fatalf("household %d: %d heads, first is %s", hi, heads, ms[0].Relation)
		}
		checkFamily(t, hi, ms)
	}
	nh := len(pop.Households)
	for size, want := range map[int]float64{1: 25, 2: 30, 3: 25, 4: 11, 5: 9} {
		within(t, "households of size "+string(rune('0'+size)), share(sizes[size], nh), want-5, want+5)
	}
}

// checkFamily checks that ages fit the relations to the head.
func checkFamily(t *testing.T, hi int, ms []*demo.PersonPlan) {
	t.Helper()
	head := ms[0]
	ha := linli.AgeOn(head.BirthDate, popDay)
	for _, m := range ms[1:] {
		a := linli.AgeOn(m.BirthDate, popDay)
		switch m.Relation {
		case demo.RelSpouse:
			if d := a - ha; d < -8 || d > 8 || m.Gender == head.Gender || a < 20 {
				t.Errorf("household %d: head %d %s, spouse %d %s", hi, ha, head.Gender, a, m.Gender)
			}
		case demo.RelSon, demo.RelDaughter:
			if d := ha - a; d < 18 || d > 50 {
				t.Errorf("household %d: head %d, child %d", hi, ha, a)
			}
			if (m.Relation == demo.RelSon) != (m.Gender == linli.GenderMale) {
				t.Errorf("household %d: %s is %s", hi, m.Relation, m.Gender)
			}
		case demo.RelFather, demo.RelMother, demo.RelWifesFather, demo.RelWifesMother, demo.RelHusbandsFather, demo.RelHusbandsMother:
			if d := a - ha; d < 15 {
				t.Errorf("household %d: head %d, parent %d", hi, ha, a)
			}
		case demo.RelGrandson, demo.RelGranddaughter, demo.RelDaughtersSon, demo.RelDaughtersDaughter:
			if d := ha - a; d < 36 {
				t.Errorf("household %d: head %d, grandchild %d", hi, ha, a)
			}
		case demo.RelGrandmother, demo.RelGrandfather:
			if d := a - ha; d < 36 {
				t.Errorf("household %d: head %d, grandparent %d", hi, ha, a)
			}
		}
	}
}

func TestPopulationRegistration(t *testing.T) {
	pop := pop20k()
	migrants, separated, expiring := 0, 0, 0
	for i := range pop.People {
		p := &pop.People[i]
		switch p.RegType {
		case linli.RegMigrant:
			migrants++
			r := p.Residence
			if r == nil {
				t.Fatalf("migrant %d without a residence registration", i)
			}
			if r.Arrival.After(popDay) || r.Arrival.Before(popDay.AddDate(-3, 0, 0)) {
				t.Errorf("migrant %d arrived %s", i, r.Arrival.Format(time.DateOnly))
			}
			if r.Registered.Before(r.Arrival) || r.Registered.After(popDay) || !r.Expiry.Equal(r.Registered.AddDate(1, 0, 0)) || !r.Expiry.After(popDay) {
				t.Errorf("migrant %d: arrived %s registered %s expires %s", i, r.Arrival.Format(time.DateOnly), r.Registered.Format(time.DateOnly), r.Expiry.Format(time.DateOnly))
			}
			if !strings.HasPrefix(p.IDNumber, r.Origin) || !slices.Contains(linli.MigrantReasons, r.Reason) || r.StayMonths <= 0 {
				t.Errorf("migrant %d: %+v, ID %s", i, *r, p.IDNumber)
			}
			if o, ok := codes.LookupRegion(r.Origin); !ok || o.Former || o.Level != codes.LevelCounty {
				t.Errorf("migrant %d: origin %q is not a GB/T 2260 county code in use", i, r.Origin)
			}
			if r.Expiry.Before(popDay.AddDate(0, 0, 31)) {
				expiring++
			}
		case linli.RegSeparated:
			separated++
		case linli.RegRegistered:
		default:
			t.Errorf("person %d: reg type %q", i, p.RegType)
		}
		if p.RegType != linli.RegMigrant && p.Residence != nil {
			t.Errorf("person %d (%s) has a residence registration", i, p.RegType)
		}
	}
	within(t, "migrants", share(migrants, popN), 2, 4)
	within(t, "separated", share(separated, popN), 1, 3)
	within(t, "registrations expiring within 30 days", share(expiring, migrants), 3, 15)
}

func TestPopulationPhonesAndCodes(t *testing.T) {
	pop := pop20k()
	seen := map[string]int{}
	adults, adultsWithMobile := 0, 0
	eth := map[string]int{}
	educ := map[string]int{}
	for i := range pop.People {
		p := &pop.People[i]
		a := linli.AgeOn(p.BirthDate, popDay)
		mobile := false
		for _, ph := range p.Phones {
			if key := linli.CheckPhone(ph); key != "" {
				t.Fatalf("person %d: phone %q: %s", i, ph, key)
			}
			if j, dup := seen[ph]; dup {
				t.Fatalf("people %d and %d share phone %s", j, i, ph)
			}
			seen[ph] = i
			if len(ph) == 11 && ph[0] == '1' && strings.Contains("3589", ph[1:2]) || strings.HasPrefix(ph, "166") || strings.HasPrefix(ph, "17") {
				mobile = true
			}
		}
		if a < 12 && len(p.Phones) > 0 && !strings.HasPrefix(p.Phones[0], "010") {
			t.Errorf("person %d aged %d has a mobile", i, a)
		}
		if a >= 18 && a < 70 {
			adults++
			if mobile {
				adultsWithMobile++
			}
		}
		eth[p.Ethnicity]++
		if a >= 30 {
			educ[p.Education]++
		}
		if n := utf8.RuneCountInString(p.Name); n < 2 || n > 4 {
			t.Errorf("person %d: name %q", i, p.Name)
		}
		switch {
		case a < 6 && (p.Education != "90" || p.Employment != demo.EmpOther):
			t.Errorf("person %d aged %d: education %s employment %s", i, a, p.Education, p.Employment)
		case a >= 6 && a < 18 && p.Employment != demo.EmpStudent:
			t.Errorf("person %d aged %d: employment %s", i, a, p.Employment)
		case a >= 65 && p.Employment != demo.EmpRetired:
			t.Errorf("person %d aged %d: employment %s", i, a, p.Employment)
		case a < 14 && p.Political != "13":
			t.Errorf("person %d aged %d: political %s", i, a, p.Political)
		}
	}
	within(t, "adults 18–69 with a mobile", share(adultsWithMobile, adults), 95, 100)
	within(t, "汉族", share(eth["01"], popN), 93, 97.5)
	if eth["03"] == 0 || eth["11"] == 0 || eth["02"] == 0 {
		t.Errorf("ethnic mix %v lacks 回族, 满族 or 蒙古族", eth)
	}
	var over30 int
	for _, n := range educ {
		over30 += n
	}
	within(t, "university (本科 and above) among people 30+", share(educ["10"]+educ["20"], over30), 20, 45)
}

func TestPopulationNames(t *testing.T) {
	pop := pop20k()
	first := map[string]int{}
	oneChar, twoChar := 0, 0
	for i := range pop.People {
		r := []rune(pop.People[i].Name)
		first[string(r[0])]++
		switch len(r) {
		case 2:
			oneChar++
		case 3:
			twoChar++
		}
	}
	within(t, "王", share(first["王"], popN), 5.5, 9)
	within(t, "李", share(first["李"], popN), 5.5, 9)
	within(t, "张", share(first["张"], popN), 5, 8.5)
	within(t, "one-character given names", share(oneChar, oneChar+twoChar), 12, 28)
	if first["刘"] < first["杨"] || first["杨"] < first["龚"] {
		t.Errorf("surname order broken: 刘 %d 杨 %d 龚 %d", first["刘"], first["杨"], first["龚"])
	}
	// Given names follow the birth decade.
	count := func(name string, from, to int) (in, out int) {
		for i := range pop.People {
			p := &pop.People[i]
			if !strings.HasSuffix(p.Name, name) || utf8.RuneCountInString(p.Name)-utf8.RuneCountInString(name) != 1 {
				continue
			}
			if y := p.BirthDate.Year(); y >= from && y <= to {
				in++
			} else {
				out++
			}
		}
		return
	}
	for _, c := range []struct {
		name     string
		from, to int
	}{{"建国", 1950, 1959}, {"梓涵", 2000, 2019}, {"秀英", 1950, 1959}} {
		in, out := count(c.name, c.from, c.to)
		if in == 0 || out > in/3 {
			t.Errorf("%s: %d born %d–%d, %d otherwise", c.name, in, c.from, c.to, out)
		}
	}
}

func TestPopulationTags(t *testing.T) {
	pop := pop20k()
	counts := map[string]int{}
	members := make([][]*demo.PersonPlan, len(pop.Households))
	for i := range pop.People {
		p := &pop.People[i]
		members[p.Household] = append(members[p.Household], p)
	}
	var adults45, working, over60 int
	// The store's built-in catalogue (migrations 0002_registry) and the
	// attribute keys of each tag there.
	catalogue := map[string][]string{
		"elderly_alone": nil, "empty_nest": nil, "disability": {"type", "level"}, "dibao": {"category"},
		"tekun": nil, "low_income": nil, "chronic": {"disease"}, "unemployed": nil, "veteran": {"category"},
		"left_behind_child": nil, "pregnant": nil, "correction": nil, "released": nil, "rehab": nil, "severe_mental": nil,
	}
	if len(demo.TagCodes) != len(catalogue) {
		t.Errorf("TagCodes %v", demo.TagCodes)
	}
	for hi, ms := range members {
		dibao := 0
		for _, p := range ms {
			a := linli.AgeOn(p.BirthDate, popDay)
			if a >= 45 {
				adults45++
			}
			if a >= 60 {
				over60++
			}
			if a >= 18 && a < 60 {
				working++
			}
			seen := map[string]bool{}
			for _, tg := range p.Tags {
				keys, ok := catalogue[tg.Code]
				if !ok {
					t.Fatalf("unknown tag %s", tg.Code)
				}
				for _, at := range tg.Attrs {
					if at.Key != "" && !slices.Contains(keys, at.Key) {
						t.Errorf("tag %s: attribute %s not in the catalogue", tg.Code, at.Key)
					}
				}
				if seen[tg.Code] {
					t.Errorf("person in household %d has %s twice", hi, tg.Code)
				}
				seen[tg.Code] = true
				counts[tg.Code]++
				if tg.Since.After(popDay) || tg.Since.Before(p.BirthDate) {
					t.Errorf("tag %s since %s, born %s", tg.Code, tg.Since.Format(time.DateOnly), p.BirthDate.Format(time.DateOnly))
				}
				switch tg.Code {
				case demo.TagElderlyAlone:
					if len(ms) != 1 || a < 60 {
						t.Errorf("elderly_alone aged %d in a household of %d", a, len(ms))
					}
				case demo.TagEmptyNest:
					if len(ms) != 2 {
						t.Errorf("empty_nest in a household of %d", len(ms))
					}
				case demo.TagDisability:
					if !strings.Contains("视力听力言语肢体智力精神多重", tg.Attr("type")) || tg.Attr("type") == "" || !strings.Contains("1234", tg.Attr("level")) || len(tg.Attr("level")) != 1 {
						t.Errorf("disability attributes %+v", tg.Attrs)
					}
				case demo.TagChronic:
					if tg.Attr("disease") == "" || a < 30 {
						t.Errorf("chronic %+v aged %d", tg.Attrs, a)
					}
				case demo.TagDibao:
					dibao++
					if c := tg.Attr("category"); c != "全额" && c != "差额" {
						t.Errorf("dibao category %q", c)
					}
				case demo.TagUnemployed:
					if p.Employment != demo.EmpUnemployed || a < 18 || a >= 60 {
						t.Errorf("unemployed aged %d employment %s", a, p.Employment)
					}
				case demo.TagPregnant:
					if p.Gender != linli.GenderFemale || a < 18 || a > 45 {
						t.Errorf("pregnant %s aged %d", p.Gender, a)
					}
				case demo.TagLeftBehindChild:
					if a >= 16 {
						t.Errorf("left-behind child aged %d", a)
					}
				}
			}
		}
		if dibao != 0 && dibao != len(ms) {
			t.Errorf("household %d: %d of %d members on dibao", hi, dibao, len(ms))
		}
		if len(ms) == 1 && linli.AgeOn(ms[0].BirthDate, popDay) >= 60 && !ms[0].HasTag(demo.TagElderlyAlone) {
			t.Errorf("household %d: an old person alone without elderly_alone", hi)
		}
		if len(ms) == 2 && ms[1].Relation == demo.RelSpouse && linli.AgeOn(ms[0].BirthDate, popDay) >= 60 && linli.AgeOn(ms[1].BirthDate, popDay) >= 60 &&
			(!ms[0].HasTag(demo.TagEmptyNest) || !ms[1].HasTag(demo.TagEmptyNest)) {
			t.Errorf("household %d: an old couple without empty_nest", hi)
		}
	}
	within(t, "disability", share(counts[demo.TagDisability], popN), 4.5, 7.5)
	within(t, "dibao", share(counts[demo.TagDibao], popN), 0.7, 2)
	within(t, "chronic among 45+", share(counts[demo.TagChronic], adults45), 13, 22)
	within(t, "veterans", share(counts[demo.TagVeteran], popN), 0.8, 2.2)
	within(t, "unemployed among 18–59", share(counts[demo.TagUnemployed], working), 2, 4.5)
	within(t, "elderly alone among 60+", share(counts[demo.TagElderlyAlone], over60), 8, 25)
	within(t, "empty nest among 60+", share(counts[demo.TagEmptyNest], over60), 15, 40)
	within(t, "correction", share(counts[demo.TagCorrection], popN), 0, 0.1)
	within(t, "severe mental disorder", share(counts[demo.TagSevereMental], popN), 0.15, 0.7)
	for _, code := range []string{demo.TagLowIncome, demo.TagPregnant, demo.TagReleased, demo.TagLeftBehindChild} {
		if counts[code] == 0 {
			t.Errorf("no %s at all", code)
		}
	}
}

func TestPopulationDeterministic(t *testing.T) {
	grids := demo.Grids()[:7]
	a := demo.GenerateAt(7, 3000, grids, popDay)
	b := demo.GenerateAt(7, 3000, grids, popDay)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different populations")
	}
	c := demo.GenerateAt(8, 3000, grids, popDay)
	if reflect.DeepEqual(a.People[:50], c.People[:50]) {
		t.Fatal("different seeds, same people")
	}
	// The stream gives the same people and households as the batch form.
	var people []demo.PersonPlan
	var households []demo.HouseholdPlan
	err := demo.GenerateStreamAt(7, 3000, grids, popDay, func(h demo.HouseholdPlan, ms []demo.PersonPlan) error {
		if len(ms) != h.Size || ms[0].Relation != demo.RelHead {
			t.Fatalf("household %d: %d members, first %s", h.Index, len(ms), ms[0].Relation)
		}
		households = append(households, h)
		people = append(people, ms...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(people, a.People) {
		t.Fatal("stream and batch give different people")
	}
	if len(households) != len(a.Households) {
		t.Fatalf("stream %d households, batch %d", len(households), len(a.Households))
	}
	for i := range households {
		x, y := households[i], a.Households[i]
		if !reflect.DeepEqual(*x.Compound, *y.Compound) {
			t.Fatalf("household %d: compounds differ", i)
		}
		x.Compound, y.Compound = nil, nil
		if x != y {
			t.Fatalf("household %d: %+v vs %+v", i, x, y)
		}
	}
	// Generate is GenerateAt on the reference day.
	if !reflect.DeepEqual(demo.Generate(7, 500, grids), demo.GenerateAt(7, 500, grids, demo.ReferenceDay)) {
		t.Fatal("Generate differs from GenerateAt(ReferenceDay)")
	}
}

func TestPopulationStreamStopsAndEdges(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := demo.GenerateStream(1, 1000, demo.Grids(), func(demo.HouseholdPlan, []demo.PersonPlan) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	if err := demo.GenerateStream(1, 10, nil, func(demo.HouseholdPlan, []demo.PersonPlan) error { return nil }); !errors.Is(err, demo.ErrNoGrids) {
		t.Fatalf("no grids: %v", err)
	}
	if p := demo.Generate(1, 0, demo.Grids()); len(p.People) != 0 {
		t.Fatalf("n=0 gave %d people", len(p.People))
	}
	// Fewer people than grids, one grid: exact counts still.
	for _, c := range []struct {
		n     int
		grids []demo.GridRef
	}{{5, demo.Grids()}, {1, demo.Grids()[:1]}, {777, demo.Grids()[:1]}} {
		if p := demo.Generate(3, c.n, c.grids); len(p.People) != c.n {
			t.Errorf("n=%d over %d grids: %d people", c.n, len(c.grids), len(p.People))
		}
	}
}

// TestPopulationUniqueAtScale streams a million people: every ID number
// is valid and unique, every phone unique.
func TestPopulationUniqueAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("1M people")
	}
	const n = 1_000_000
	ids := make(map[[18]byte]struct{}, n)
	phones := make(map[[12]byte]struct{}, n)
	people := 0
	err := demo.GenerateStreamAt(99, n, demo.Grids(), popDay, func(h demo.HouseholdPlan, ms []demo.PersonPlan) error {
		for i := range ms {
			p := &ms[i]
			info, err := seal.ValidateIDNumber(p.IDNumber, popDay)
			if err != nil || info.Male != (p.Gender == linli.GenderMale) {
				t.Fatalf("household %d: ID %s: %v", h.Index, p.IDNumber, err)
			}
			var k [18]byte
			copy(k[:], p.IDNumber)
			if _, dup := ids[k]; dup {
				t.Fatalf("ID %s repeats", p.IDNumber)
			}
			ids[k] = struct{}{}
			for _, ph := range p.Phones {
				var pk [12]byte
				copy(pk[:], ph)
				if _, dup := phones[pk]; dup {
					t.Fatalf("phone %s repeats", ph)
				}
				phones[pk] = struct{}{}
			}
		}
		people += len(ms)
		return nil
	})
	if err != nil || people != n {
		t.Fatalf("%d people, %v", people, err)
	}
}

// BenchmarkGenerate1M streams a million people, the size `linli demo
// --residents 1000000` loads.
func BenchmarkGenerate1M(b *testing.B) {
	grids := demo.Grids()
	const n = 1_000_000
	b.ReportAllocs()
	for b.Loop() {
		people := 0
		err := demo.GenerateStream(1, n, grids, func(_ demo.HouseholdPlan, ms []demo.PersonPlan) error {
			people += len(ms)
			return nil
		})
		if err != nil || people != n {
			b.Fatalf("%d people, %v", people, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/person")
}
