package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// ResidentsKey is the setting that records how many residents
// LoadPopulation put into a demo database.
const ResidentsKey = "demo.residents"

// DefaultSeed is the seed of the demo population.
const DefaultSeed = 20260301

// LoadPopulation generates n residents over the grids of the seeded demo
// district as of today (GenerateStreamAt) and loads them with the store's
// bulk loader as the console actor: compounds, buildings, units, rooms,
// households, people with sealed ID numbers and phones, tags, residence
// registrations, history and search terms. The registry should be empty:
// the bulk loader does not look for duplicates.
func LoadPopulation(ctx context.Context, s *store.Store, n int, seed uint64, today time.Time) (store.BulkResult, error) {
	return LoadPopulationWith(ctx, s, n, seed, today, store.BulkOptions{})
}

// LoadPopulationWith is LoadPopulation with loader options.
func LoadPopulationWith(ctx context.Context, s *store.Store, n int, seed uint64, today time.Time, opt store.BulkOptions) (store.BulkResult, error) {
	if n <= 0 {
		return store.BulkResult{}, nil
	}
	// The generator's day is the Beijing date the store validates against.
	y, m, d := today.In(beijing).Date()
	today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	ids, err := GridIDs(ctx, s)
	if err != nil {
		return store.BulkResult{}, err
	}
	l, err := s.NewBulkLoader(ctx, linli.ConsoleActor(), opt)
	if err != nil {
		return store.BulkResult{}, err
	}
	genErr := GenerateStreamAt(seed, n, Grids(), today, func(h HouseholdPlan, members []PersonPlan) error {
		return l.Add(BulkHousehold(h, members, ids))
	})
	res, err := l.Close()
	if err == nil {
		err = genErr
	}
	if err != nil {
		return res, fmt.Errorf("demo: load residents: %w", err)
	}
	return res, nil
}

var beijing = time.FixedZone("CST", 8*3600)

// GridIDs maps the codes of the demo grids to their ids.
func GridIDs(ctx context.Context, s *store.Store) (map[string]int64, error) {
	areas, err := s.Areas(ctx, linli.ConsoleActor(), store.AreaFilter{Level: linli.LevelGrid})
	if err != nil {
		return nil, fmt.Errorf("demo: list grids: %w", err)
	}
	ids := map[string]int64{}
	for _, a := range areas {
		ids[a.Code] = a.ID
	}
	for _, g := range Grids() {
		if ids[g.Code] == 0 {
			return nil, fmt.Errorf("demo: grid %s is missing: seed the district first: %w", g.Code, linli.ErrNotFound)
		}
	}
	return ids, nil
}

// BulkHousehold turns a generated household into what the bulk loader
// takes. members may be reused by the generator afterwards: the result
// keeps only copies and the strings and slices the generator does not
// reuse.
func BulkHousehold(h HouseholdPlan, members []PersonPlan, gridIDs map[string]int64) store.BulkHousehold {
	out := store.BulkHousehold{
		Kind:   h.Type,
		GridID: gridIDs[h.GridCode],
		Place:  store.BulkPlace{Compound: h.CompoundName, Building: h.Building, Unit: h.Unit, Room: h.Room},
	}
	if h.Compound != nil {
		for _, b := range h.Compound.Buildings {
			if b.Name == h.Building {
				out.Place.Floors = b.Floors
				break
			}
		}
	}
	out.Members = make([]store.BulkPerson, len(members))
	for i := range members {
		m := &members[i]
		bp := store.BulkPerson{PersonInput: m.PersonInput, Relation: m.Relation}
		bp.GridID = out.GridID
		if len(m.Tags) > 0 {
			bp.Tags = make([]store.BulkTag, len(m.Tags))
			for j, t := range m.Tags {
				bt := store.BulkTag{Code: t.Code, Since: t.Since, Source: linli.SourceImport, Note: DemoSource}
				for _, a := range t.Attrs {
					if a.Key != "" {
						if bt.Attrs == nil {
							bt.Attrs = make(map[string]string, 2)
						}
						bt.Attrs[a.Key] = a.Value
					}
				}
				bp.Tags[j] = bt
			}
		}
		if r := m.Residence; r != nil {
			bp.Migrant = &store.BulkMigrant{
				MigrantInput: store.MigrantInput{ArrivalDate: r.Arrival, Reason: r.Reason, OriginRegion: r.Origin,
					ExpectedStayMonths: r.StayMonths, Landlord: r.Landlord, Employer: r.Employer, ExpiresAt: r.Expiry},
				// First registered Renewals years before the current period.
				RegisteredAt: r.Registered.AddDate(-r.Renewals, 0, 0),
			}
			if r.Renewals > 0 {
				bp.Migrant.RenewedAt = r.Registered
			}
		}
		out.Members[i] = bp
	}
	return out
}
