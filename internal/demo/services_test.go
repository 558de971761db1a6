package demo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/store"
)

// The catalogue validates, its codes are unique, every group has
// services, every Open311 datatype is used, and no entry is (or names)
// a certificate the rules forbid.
func TestCatalogue(t *testing.T) {
	svcs := demo.Services()
	if len(svcs) < 38 {
		t.Errorf("%d services, want about 40", len(svcs))
	}
	codes := map[string]bool{}
	groups := map[string]int{}
	types := map[linli.AttrType]bool{}
	duties := map[linli.Duty]int{}
	required, optional, info, anonymous, private, kb := 0, 0, 0, 0, 0, 0
	for _, sv := range svcs {
		if v := sv.Validate(); len(v.Fields) > 0 {
			t.Errorf("%s: %+v", sv.Code, v.Fields)
		}
		if codes[sv.Code] {
			t.Errorf("code %s used twice", sv.Code)
		}
		codes[sv.Code] = true
		groups[sv.Group]++
		duties[sv.Duty]++
		if sv.Description == "" || sv.DescriptionEn == "" || len(sv.Keywords) == 0 {
			t.Errorf("%s: descriptions or keywords missing", sv.Code)
		}
		// The texts a resident or a clerk reads. Knowledge-base answers
		// may name a forbidden certificate: they say where to get it.
		text := []string{sv.NameZh, sv.Description, sv.CertTemplate, sv.WhoMayApply}
		text = append(text, sv.Keywords...)
		text = append(text, sv.Materials...)
		for i, a := range sv.Attrs {
			types[a.Datatype] = true
			switch {
			case !a.Variable:
				info++
			case a.Required:
				required++
			default:
				optional++
			}
			if a.DescriptionEn == "" {
				t.Errorf("%s attribute %s: no English description", sv.Code, a.Code)
			}
			if i > 0 && a.Order < sv.Attrs[i-1].Order {
				t.Errorf("%s attribute %s: out of order", sv.Code, a.Code)
			}
			text = append(text, a.Description, a.Help)
			for _, v := range a.Values {
				text = append(text, v.Name)
				if v.NameEn == "" {
					t.Errorf("%s attribute %s value %s: no English name", sv.Code, a.Code, v.Key)
				}
			}
		}
		if name, _, bad := linli.ForbiddenCertificate(strings.Join(text, " ")); bad {
			t.Errorf("%s names the forbidden certificate %s", sv.Code, name)
		}
		if sv.Anonymous {
			anonymous++
		}
		if !sv.Public {
			private++
		}
		if len(sv.Answers) > 0 {
			kb++
		}
		switch sv.Duty {
		case linli.DutyNegative:
			if sv.Public || sv.Referral == "" || len(sv.Deadlines) != 0 {
				t.Errorf("%s: a negative-list entry is private, has a referral and no deadlines", sv.Code)
			}
		case linli.DutyAssist:
			if sv.Authority == "" || sv.Funding == "" {
				t.Errorf("%s: an assisted matter names its authority and funding", sv.Code)
			}
		}
		if sv.Duty != linli.DutyNegative {
			n, u, c := sv.Deadlines[linli.PriorityNormal], sv.Deadlines[linli.PriorityUrgent], sv.Deadlines[linli.PriorityCritical]
			if n.Unit != linli.UnitWorkingDays || n.N < 1 || n.N > 13 {
				t.Errorf("%s: normal deadline %+v, want 1 to 13 working days", sv.Code, n)
			}
			if hours(u) > 24*time.Hour || hours(c) > 2*time.Hour || hours(c) > hours(u) {
				t.Errorf("%s: urgent %+v, critical %+v; want at most 24 and 2 hours", sv.Code, u, c)
			}
		}
		if sv.Certificate != (sv.Group == "certificate") || sv.Certificate && (sv.CertTemplate == "" || sv.CertDays < 1) {
			t.Errorf("%s: certificate %v in group %s, template %q", sv.Code, sv.Certificate, sv.Group, sv.CertTemplate)
		}
	}
	for _, g := range linli.ServiceGroups {
		if groups[g] == 0 {
			t.Errorf("group %s has no service", g)
		}
	}
	for _, ty := range []linli.AttrType{linli.AttrString, linli.AttrNumber, linli.AttrDatetime, linli.AttrText, linli.AttrSingleValue, linli.AttrMultiValue} {
		if !types[ty] {
			t.Errorf("no attribute of type %s", ty)
		}
	}
	if required == 0 || optional == 0 || info == 0 || anonymous == 0 || private == 0 || kb < 3 {
		t.Errorf("required %d, optional %d, informational %d attributes; %d anonymous, %d private, %d with answers",
			required, optional, info, anonymous, private, kb)
	}
	if duties[linli.DutyOwn] == 0 || duties[linli.DutyAssist] == 0 || duties[linli.DutyNegative] < 2 {
		t.Errorf("duties %v", duties)
	}
	for _, code := range []string{"CERT-RESIDENCE", "CERT-ACTIVITY", "REPAIR-PUBLIC", "AID-DIBAO", "SAFETY-HAZARD", "CONSULT-POLICY"} {
		if !codes[code] {
			t.Errorf("no service %s", code)
		}
	}
	// Each forbidden certificate is refused, never listed.
	for _, fc := range linli.ForbiddenCertificates {
		for _, sv := range svcs {
			if strings.Contains(sv.NameZh, fc.Name) {
				t.Errorf("%s is the forbidden certificate %s", sv.Code, fc.Name)
			}
		}
	}
}

// hours is the longest a deadline in hours can take.
func hours(d linli.Deadline) time.Duration {
	switch d.Unit {
	case linli.UnitHours, linli.UnitWorkingHours:
		return time.Duration(d.N) * time.Hour
	}
	return 1 << 62
}

// After Seed the store holds the catalogue, and the map suggests a unit
// for every public service in every community: the property company for
// repairs where there is one, the street office or a department where the
// map says so, the committee otherwise.
func TestSeedCatalogueAndRoutes(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	mustSeed(t, s, &fakeHasher{})
	con := linli.ConsoleActor()
	have, err := s.Services(ctx, con, store.ServiceFilter{IncludePriv: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != len(demo.Services()) {
		t.Fatalf("store holds %d services, the catalogue has %d", len(have), len(demo.Services()))
	}
	units, err := s.OrgUnits(ctx, con)
	if err != nil {
		t.Fatal(err)
	}
	unitByID := map[int64]linli.OrgUnit{}
	for _, u := range units {
		unitByID[u.ID] = u
	}
	areas, err := s.Areas(ctx, con, store.AreaFilter{Level: linli.LevelCommunity})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range areas {
		for _, sv := range have {
			if !sv.Public {
				continue
			}
			u, err := s.SuggestUnit(ctx, con, sv.Code, a.ID)
			if err != nil {
				t.Fatalf("SuggestUnit(%s, %s) = %v", sv.Code, a.Name, err)
			}
			kinds[u.Kind]++
			switch {
			case sv.Code == "CERT-RESIDENCE" || sv.Code == "AID-DIBAO":
				if u.Kind != "community_committee" || u.AreaID != a.ID {
					t.Errorf("%s in %s goes to %s, want its committee", sv.Code, a.Name, u.Name)
				}
			case sv.Code == "REPAIR-LIFT" && a.Code == demo.CommunityACode:
				if u.Name != demo.OrgPropertyA {
					t.Errorf("lifts in community A go to %s, want %s", u.Name, demo.OrgPropertyA)
				}
			case sv.Code == "REPAIR-PUBLIC" && a.Code == demo.CommunityBCode:
				if u.Kind != "street_office" || u.AreaID != a.ParentID {
					t.Errorf("repairs in community B go to %s, want the street office", u.Name)
				}
			case sv.Code == "SAFETY-FIRE-LANE":
				if u.Name != demo.OrgFireRescue {
					t.Errorf("fire lanes in %s go to %s", a.Name, u.Name)
				}
			}
		}
	}
	for _, k := range []string{"community_committee", "street_office", "department", "property_company"} {
		if kinds[k] == 0 {
			t.Errorf("the map never suggests a %s", k)
		}
	}
	// The district's fallback is the district office.
	d, err := demo.AreaByCode(ctx, s, demo.DistrictCode)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.SuggestUnit(ctx, con, "CONSULT-POLICY", d.ID); err != nil || u.Name != demo.OrgServiceCenter {
		t.Errorf("SuggestUnit at the district = %+v, %v; want %s", u, err, demo.OrgServiceCenter)
	}
	// A request naming a forbidden certificate is refused at intake.
	a, err := demo.CommunityA(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	clerk := linli.NewActor(0, "clerk", []linli.Role{linli.RoleCommunityWorker}, linli.Scope{AreaIDs: []int64{a.ID}, Paths: []string{a.Path}})
	_, _, err = s.CreateWorkOrder(ctx, clerk, linli.WorkOrderInput{ServiceCode: "CERT-RESIDENCE", ContactName: "王女士",
		Description: "开一个亲属关系证明", Answers: map[string][]string{"purpose": {"other"}, "since": {"2020-01-01"}}})
	if !errors.Is(err, linli.ErrInvalid) {
		t.Errorf("a request for a forbidden certificate = %v, want invalid", err)
	}
	// And a negative-list matter with its referral.
	_, _, err = s.CreateWorkOrder(ctx, clerk, linli.WorkOrderInput{ServiceCode: "NEG-TAX", ContactName: "某公司", Description: "请社区协助催缴税款"})
	if !errors.Is(err, linli.ErrInvalid) {
		t.Errorf("a negative-list request = %v, want invalid", err)
	}
}
