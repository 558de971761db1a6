package demo

import (
	"context"
	"fmt"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The responsibility map (派单目录) of the demo district: which unit a
// request goes to, by area and service. The store picks the most
// specific entry for the service, then the most specific entry for any
// service, so the plan reads from general to particular:
//
//   - the district's fallback for anything: the district office (兜底);
//   - each community's fallback: its residents' committee, which takes in
//     its own matters and the matters it assists with (certificates,
//     elderly care, assistance, employment, venues, consultations,
//     disputes, volunteering);
//   - district-wide, per service: the department that handles it
//     (greening and heating → 城管委, noise → 生态环境局, fire lanes → 消防,
//     health → 卫健委, repairs of shared parts → 住建委 …);
//   - per street: the street office for repairs, sanitation, hazards and
//     rentals in its streets;
//   - per community with a property company: the company, for repairs;
//   - a few community overrides.

// routePlan maps area × service ("" for any) to the unit named Unit at
// the area with code UnitArea.
type routePlan struct {
	AreaCode string
	Service  string
	Unit     string
	UnitArea string
}

// Services each street office handles in its streets.
var streetServices = []string{"REPAIR-PUBLIC", "REPAIR-DRAIN", "ENV-SANITATION", "SAFETY-HAZARD", "SAFETY-RENTAL"}

// Services a property company handles in its community.
var propertyServices = []string{"REPAIR-PUBLIC", "REPAIR-LIFT", "REPAIR-DRAIN", "REPAIR-ROAD"}

// districtServices are the district-wide entries per service.
var districtServices = []struct{ Service, Unit string }{
	{"REPAIR-PUBLIC", OrgHousing}, {"REPAIR-LIFT", OrgHousing}, {"REPAIR-DRAIN", OrgHousing}, {"REPAIR-ROAD", OrgHousing},
	{"REPAIR-HEATING", OrgCityManagement}, {"ENV-SANITATION", OrgCityManagement}, {"ENV-GREENING", OrgCityManagement},
	{"ENV-GARBAGE-SORT", OrgCityManagement}, {"ENV-NOISE", OrgEnvironment}, {"SAFETY-HAZARD", OrgEmergency},
	{"SAFETY-FIRE-LANE", OrgFireRescue}, {"HEALTH-FOLLOWUP", OrgHealth}, {"HEALTH-VACCINE", OrgHealth},
	{"CONSULT-SOCIAL-INSURANCE", OrgHumanResources}, {"CONSULT-RENOVATION", OrgHousing},
}

// communityOverrides are entries for one community: the street manages
// the green belt along 南池子 and the shops' noise around 国子监.
var communityOverrides = []routePlan{
	{AreaCode: "110101001007", Service: "ENV-GREENING", Unit: "东华门街道办事处", UnitArea: "110101001000"},
	{AreaCode: "110101004003", Service: "ENV-NOISE", Unit: "安定门街道办事处", UnitArea: "110101004000"},
}

// routes returns the planned map, general entries first.
func routes(tree []node) []routePlan {
	out := []routePlan{{AreaCode: DistrictCode, Unit: OrgServiceCenter, UnitArea: DistrictCode}}
	for _, d := range districtServices {
		out = append(out, routePlan{AreaCode: DistrictCode, Service: d.Service, Unit: d.Unit, UnitArea: DistrictCode})
	}
	for _, n := range tree {
		switch n.Level {
		case linli.LevelStreet:
			for _, sv := range streetServices {
				out = append(out, routePlan{AreaCode: n.Code, Service: sv, Unit: streetOffice(n.Name), UnitArea: n.Code})
			}
		case linli.LevelCommunity:
			out = append(out, routePlan{AreaCode: n.Code, Unit: committee(n.Name), UnitArea: n.Code})
		}
	}
	for _, p := range propertyCompanies {
		for _, sv := range propertyServices {
			out = append(out, routePlan{AreaCode: p.CommunityCode, Service: sv, Unit: p.Name, UnitArea: p.CommunityCode})
		}
	}
	return append(out, communityOverrides...)
}

// catalogue saves the services of Services that the store does not hold
// yet (by code); services already there, even changed or retired by an
// administrator, are kept as they are.
func (sd *seeder) catalogue(ctx context.Context) error {
	have, err := sd.s.Services(ctx, sd.actor, store.ServiceFilter{IncludePriv: true, IncludeRetire: true})
	if err != nil {
		return fmt.Errorf("demo: list services: %w", err)
	}
	known := map[string]bool{}
	for _, sv := range have {
		known[sv.Code] = true
	}
	for _, sv := range Services() {
		if known[sv.Code] {
			continue
		}
		if _, err := sd.s.SaveService(ctx, sd.actor, sv); err != nil {
			return fmt.Errorf("demo: save service %s: %w", sv.Code, err)
		}
	}
	return nil
}

// routeMap writes the entries of routes that the map does not hold yet
// (by area and service); an entry an administrator changed is kept.
func (sd *seeder) routeMap(ctx context.Context, tree []node) error {
	have, err := sd.s.Routes(ctx, sd.actor)
	if err != nil {
		return fmt.Errorf("demo: list routes: %w", err)
	}
	type key struct {
		area    int64
		service string
	}
	known := map[key]bool{}
	for _, r := range have {
		known[key{r.AreaID, r.ServiceCode}] = true
	}
	for _, r := range routes(tree) {
		a, ok := sd.areas[r.AreaCode]
		if !ok {
			return fmt.Errorf("demo: area %s of a route missing", r.AreaCode)
		}
		ua, ok := sd.areas[r.UnitArea]
		if !ok {
			return fmt.Errorf("demo: area %s of unit %s missing", r.UnitArea, r.Unit)
		}
		unit, ok := sd.orgs[orgKey{ua.ID, r.Unit}]
		if !ok {
			return fmt.Errorf("demo: unit %s of a route missing", r.Unit)
		}
		if known[key{a.ID, r.Service}] {
			continue
		}
		if err := sd.s.SetRoute(ctx, sd.actor, a.ID, r.Service, unit); err != nil {
			return fmt.Errorf("demo: route %s %s → %s: %w", r.AreaCode, r.Service, r.Unit, err)
		}
	}
	return nil
}
