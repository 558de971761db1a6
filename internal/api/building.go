package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/linli-org/linli"
)

// Buildings and who lives where. Buildings carry their grid's path, so
// scope is the same as for people.

// buildingJSON is a building with its counts of active households and
// living residents.
type buildingJSON struct {
	ID           int64     `json:"id"`
	CompoundID   *int64    `json:"compound_id"`
	CompoundName string    `json:"compound_name"`
	GridID       int64     `json:"grid_id"`
	Name         string    `json:"name"`
	Floors       int       `json:"floors"`
	Households   int       `json:"households"`
	Residents    int       `json:"residents"`
	CreatedAt    time.Time `json:"created_at"`
}

// roomJSON is a room of a building with the living people registered in it.
type roomJSON struct {
	ID        int64          `json:"id"`
	UnitID    *int64         `json:"unit_id"`
	UnitName  string         `json:"unit_name"`
	Name      string         `json:"name"`
	Residents []residentJSON `json:"residents"`
}

// residentJSON is one person living in a room.
type residentJSON struct {
	PersonID    int64   `json:"person_id"`
	Name        string  `json:"name"`
	Gender      string  `json:"gender"`
	BirthDate   *string `json:"birth_date"`
	Age         *int    `json:"age"`
	RegType     string  `json:"reg_type"`
	HouseholdID *int64  `json:"household_id"`
	Relation    string  `json:"relation"`
}

// listBuildings is GET /api/v1/buildings: the live buildings under
// ?area_id= (the whole scope when left out) with their counts. An area
// outside the scope holds nothing the caller may see: an empty list.
func (s *server) listBuildings(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	areaID := p.id("area_id")
	if err := p.err(); err != nil {
		return err
	}
	bs, err := s.st.BuildingsWithCounts(r.Context(), actorOf(r), areaID)
	switch {
	case errors.Is(err, linli.ErrNotFound) && areaID != 0:
		bs = nil
	case err != nil:
		return err
	}
	out := page[buildingJSON]{Items: make([]buildingJSON, 0, len(bs))}
	for _, b := range bs {
		out.Items = append(out.Items, buildingJSON{ID: b.ID, CompoundID: optID(b.CompoundID), CompoundName: b.CompoundName,
			GridID: b.GridID, Name: b.Name, Floors: b.Floors, Households: b.Households, Residents: b.Residents,
			CreatedAt: b.CreatedAt.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// buildingResidents is GET /api/v1/buildings/{id}/residents: the
// building's rooms, each with the living people in it.
func (s *server) buildingResidents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rooms, err := s.st.BuildingResidents(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	today := s.today()
	out := page[roomJSON]{Items: make([]roomJSON, 0, len(rooms))}
	for _, rm := range rooms {
		j := roomJSON{ID: rm.ID, UnitID: optID(rm.UnitID), UnitName: rm.UnitName, Name: rm.Name,
			Residents: make([]residentJSON, 0, len(rm.Residents))}
		for _, p := range rm.Residents {
			j.Residents = append(j.Residents, residentJSON{PersonID: p.PersonID, Name: p.Name, Gender: p.Gender,
				BirthDate: optDate(p.BirthDate), Age: ageOn(p.BirthDate, today), RegType: p.RegType,
				HouseholdID: optID(p.HouseholdID), Relation: p.Relation})
		}
		out.Items = append(out.Items, j)
	}
	return writeJSON(w, http.StatusOK, out)
}
