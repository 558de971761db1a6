package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
)

// Addresses: compound (小区) → building (楼栋) → unit (单元) → room. Compounds,
// buildings and rooms carry the path of their grid, so scope is the same
// range condition as for people.

// Compound is a residential compound in a grid.
type Compound struct {
	ID        int64
	GridID    int64
	Path      string
	Name      string
	Address   string
	CreatedAt time.Time
}

// Building is a building, optionally in a compound.
type Building struct {
	ID           int64
	CompoundID   int64
	CompoundName string
	GridID       int64
	Path         string
	Name         string
	Floors       int
	CreatedAt    time.Time
}

// Unit is a stairway (单元) of a building.
type Unit struct {
	ID         int64
	BuildingID int64
	Name       string
}

// Room is a dwelling: a building, an optional unit, a number.
type Room struct {
	ID         int64
	BuildingID int64
	UnitID     int64
	UnitName   string
	Path       string
	Name       string
}

// BuildingCount is a building with the number of active households and
// living residents in its rooms.
type BuildingCount struct {
	Building
	Households int
	Residents  int
}

// RoomResidents is a room with the living people registered in it.
type RoomResidents struct {
	Room
	Residents []Resident
}

// Resident is one line of a building's residents.
type Resident struct {
	PersonID    int64
	Name        string
	Gender      string
	BirthDate   time.Time
	RegType     string
	HouseholdID int64
	Relation    string // to the household's head, "" without a household
}

func checkPlaceName(name string) error {
	switch {
	case name == "":
		return linli.Invalid("name", "building.name.required")
	case utf8.RuneCountInString(name) > 100:
		return linli.Invalid("name", "building.name.too_long", 100)
	}
	return nil
}

// CreateCompound adds a compound to a live grid of the actor's scope.
func (s *Store) CreateCompound(ctx context.Context, a linli.Actor, gridID int64, name, address string) (Compound, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Compound{}, linli.ErrForbidden
	}
	name, address = strings.TrimSpace(name), strings.TrimSpace(address)
	if err := checkPlaceName(name); err != nil {
		return Compound{}, err
	}
	var out Compound
	err := s.write(ctx, func(tx *Tx) error {
		grid, err := tx.liveGrid(a, gridID)
		if err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO compounds (grid_id, path, name, address, created_at) VALUES (?, ?, ?, ?, ?)`,
			grid.ID, grid.Path, name, address, tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		out = Compound{ID: id, GridID: grid.ID, Path: grid.Path, Name: name, Address: address, CreatedAt: tx.now}
		return tx.audit(auditEvent(a, "compound.create", "compound", id, grid.ID))
	})
	return out, err
}

// BuildingInput is a new building: in a compound (whose grid it takes when
// GridID is 0) or on its own in a grid.
type BuildingInput struct {
	CompoundID int64
	GridID     int64
	Name       string
	Floors     int
}

// CreateBuilding adds a building to a live grid of the actor's scope.
func (s *Store) CreateBuilding(ctx context.Context, a linli.Actor, in BuildingInput) (Building, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Building{}, linli.ErrForbidden
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := checkPlaceName(in.Name); err != nil {
		return Building{}, err
	}
	if in.Floors < 0 || in.Floors > 200 {
		return Building{}, linli.Invalid("floors", "building.floors.invalid")
	}
	var out Building
	err := s.write(ctx, func(tx *Tx) error {
		var compoundName string
		if in.CompoundID != 0 {
			cond, args := scopeCond("path", a.Scope)
			var grid int64
			err := tx.queryRow(`SELECT grid_id, name FROM compounds WHERE id = ? AND retired_at IS NULL AND `+cond,
				append([]any{in.CompoundID}, args...)...).Scan(&grid, &compoundName)
			if errors.Is(err, sql.ErrNoRows) {
				return linli.Invalid("compound", "building.compound.not_found")
			} else if err != nil {
				return err
			}
			if in.GridID == 0 {
				in.GridID = grid
			}
		}
		grid, err := tx.liveGrid(a, in.GridID)
		if err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO buildings (compound_id, grid_id, path, name, floors, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			nullInt(in.CompoundID), grid.ID, grid.Path, in.Name, in.Floors, tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		out = Building{ID: id, CompoundID: in.CompoundID, CompoundName: compoundName, GridID: grid.ID, Path: grid.Path,
			Name: in.Name, Floors: in.Floors, CreatedAt: tx.now}
		return tx.audit(auditEvent(a, "building.create", "building", id, grid.ID))
	})
	return out, err
}

// building loads a live building in the actor's scope.
func (tx *Tx) building(a linli.Actor, id int64) (Building, error) {
	cond, args := scopeCond("b.path", a.Scope)
	var b Building
	err := tx.queryRow(`SELECT b.id, COALESCE(b.compound_id, 0), b.grid_id, b.path, b.name, b.floors FROM buildings b
		WHERE b.id = ? AND b.retired_at IS NULL AND `+cond, append([]any{id}, args...)...).Scan(&b.ID, &b.CompoundID, &b.GridID, &b.Path, &b.Name, &b.Floors)
	return b, err
}

// CreateUnit adds a unit (单元) to a building of the actor's scope.
func (s *Store) CreateUnit(ctx context.Context, a linli.Actor, buildingID int64, name string) (Unit, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Unit{}, linli.ErrForbidden
	}
	name = strings.TrimSpace(name)
	if err := checkPlaceName(name); err != nil {
		return Unit{}, err
	}
	var out Unit
	err := s.write(ctx, func(tx *Tx) error {
		b, err := tx.building(a, buildingID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM building_units WHERE building_id = ? AND name = ? AND retired_at IS NULL`, b.ID, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return linli.Invalid("name", "building.name.taken")
		}
		id, err := tx.insert(`INSERT INTO building_units (building_id, name, created_at) VALUES (?, ?, ?)`, b.ID, name, tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		out = Unit{ID: id, BuildingID: b.ID, Name: name}
		return tx.audit(auditEvent(a, "unit.create", "building", b.ID, b.GridID))
	})
	return out, err
}

// CreateRoom adds a room to a building (and one of its units, when unitID
// is not 0) of the actor's scope.
func (s *Store) CreateRoom(ctx context.Context, a linli.Actor, buildingID, unitID int64, name string) (Room, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Room{}, linli.ErrForbidden
	}
	name = strings.TrimSpace(name)
	if err := checkPlaceName(name); err != nil {
		return Room{}, err
	}
	var out Room
	err := s.write(ctx, func(tx *Tx) error {
		b, err := tx.building(a, buildingID)
		if err != nil {
			return err
		}
		var unitName string
		if unitID != 0 {
			err := tx.queryRow(`SELECT name FROM building_units WHERE id = ? AND building_id = ? AND retired_at IS NULL`, unitID, b.ID).Scan(&unitName)
			if errors.Is(err, sql.ErrNoRows) {
				return linli.Invalid("unit", "building.unit.not_found")
			} else if err != nil {
				return err
			}
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM rooms WHERE building_id = ? AND COALESCE(unit_id, 0) = ? AND name = ? AND retired_at IS NULL`,
			b.ID, unitID, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return linli.Invalid("name", "building.name.taken")
		}
		id, err := tx.insert(`INSERT INTO rooms (building_id, unit_id, path, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			b.ID, nullInt(unitID), b.Path, name, tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		out = Room{ID: id, BuildingID: b.ID, UnitID: unitID, UnitName: unitName, Path: b.Path, Name: name}
		return tx.audit(auditEvent(a, "room.create", "room", id, b.GridID))
	})
	return out, err
}

// Rooms lists the live rooms of a building in the actor's scope, by unit
// and name.
func (s *Store) Rooms(ctx context.Context, a linli.Actor, buildingID int64) ([]Room, error) {
	if !a.Can(linli.PermPersonRead) {
		return nil, linli.ErrNotFound
	}
	cond, args := scopeCond("r.path", a.Scope)
	rows, err := s.query(ctx, `SELECT r.id, r.building_id, COALESCE(r.unit_id, 0), COALESCE(u.name, ''), r.path, r.name
		FROM rooms r LEFT JOIN building_units u ON u.id = r.unit_id
		WHERE r.building_id = ? AND r.retired_at IS NULL AND `+cond+` ORDER BY COALESCE(u.name, ''), r.name, r.id`,
		append([]any{buildingID}, args...)...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Room
	for rows.Next() {
		var r Room
		if err := rows.Scan(&r.ID, &r.BuildingID, &r.UnitID, &r.UnitName, &r.Path, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// BuildingsWithCounts lists the live buildings under an area (the whole
// scope when areaID is 0) with their counts of active households and
// living residents. An area outside the scope is ErrNotFound.
func (s *Store) BuildingsWithCounts(ctx context.Context, a linli.Actor, areaID int64) ([]BuildingCount, error) {
	if !a.Can(linli.PermPersonRead) {
		return nil, linli.ErrNotFound
	}
	cond, args := scopeCond("b.path", a.Scope)
	if areaID != 0 {
		ar, err := s.Area(ctx, a, areaID)
		if err != nil {
			return nil, err
		}
		cond += ` AND b.path >= ? AND b.path < ?`
		args = append(args, ar.Path, pathUpper(ar.Path))
	}
	rows, err := s.query(ctx, `SELECT b.id, COALESCE(b.compound_id, 0), COALESCE(c.name, ''), b.grid_id, b.path, b.name, b.floors, b.created_at,
		(SELECT COUNT(*) FROM households h JOIN rooms r ON r.id = h.room_id WHERE r.building_id = b.id AND h.status = 'active'),
		(SELECT COUNT(*) FROM persons p JOIN rooms r ON r.id = p.room_id WHERE r.building_id = b.id AND p.status = 'living')
		FROM buildings b LEFT JOIN compounds c ON c.id = b.compound_id
		WHERE b.retired_at IS NULL AND `+cond+` ORDER BY COALESCE(c.name, ''), b.name, b.id`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []BuildingCount
	for rows.Next() {
		var b BuildingCount
		if err := rows.Scan(&b.ID, &b.CompoundID, &b.CompoundName, &b.GridID, &b.Path, &b.Name, &b.Floors, tm{&b.CreatedAt},
			&b.Households, &b.Residents); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BuildingResidents lists a building's rooms with the living people in
// each: who lives where.
func (s *Store) BuildingResidents(ctx context.Context, a linli.Actor, buildingID int64) ([]RoomResidents, error) {
	rooms, err := s.Rooms(ctx, a, buildingID)
	if err != nil {
		return nil, err
	}
	if len(rooms) == 0 {
		// An empty building of the scope, or none at all.
		cond, args := scopeCond("path", a.Scope)
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM buildings WHERE id = ? AND `+cond, append([]any{buildingID}, args...)...).Scan(&n); err != nil {
			return nil, s.mapErr(err)
		}
		if n == 0 {
			return nil, linli.ErrNotFound
		}
		return nil, nil
	}
	out := make([]RoomResidents, len(rooms))
	at := map[int64]int{}
	for i, r := range rooms {
		out[i].Room = r
		at[r.ID] = i
	}
	cond, args := scopeCond("p.path", a.Scope)
	rows, err := s.query(ctx, `SELECT p.room_id, p.id, p.name, p.gender, p.birth_date, p.reg_type, COALESCE(m.household_id, 0), COALESCE(m.relation, '')
		FROM persons p JOIN rooms r ON r.id = p.room_id
		LEFT JOIN household_members m ON m.person_id = p.id AND m.until IS NULL
		WHERE r.building_id = ? AND p.status = 'living' AND `+cond+` ORDER BY p.room_id, COALESCE(m.household_id, 0), p.id`,
		append([]any{buildingID}, args...)...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var roomID int64
		var r Resident
		if err := rows.Scan(&roomID, &r.PersonID, &r.Name, &r.Gender, dt{&r.BirthDate}, &r.RegType, &r.HouseholdID, &r.Relation); err != nil {
			return nil, err
		}
		if i, ok := at[roomID]; ok {
			out[i].Residents = append(out[i].Residents, r)
		}
	}
	return out, rows.Err()
}
