package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Buildings: the grid worker's list of buildings with household and
// resident counts, and one building's rooms with who lives where.

// BuildingListPage lists the buildings under an area of the scope.
type BuildingListPage struct {
	RegPage
	Areas     []AreaOption
	AreaID    int64
	Buildings []store.BuildingCount
}

func (s *Server) buildingList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	areaID := regAtoi(r.URL.Query().Get("area"))
	bs, err := s.st.BuildingsWithCounts(ctx, a, areaID)
	if err != nil {
		return err
	}
	areas, err := s.st.Areas(ctx, a, store.AreaFilter{})
	if err != nil {
		return err
	}
	p := s.regPage(r, "buildings.title")
	return s.render(w, r, http.StatusOK, "building_list.html", BuildingListPage{RegPage: p,
		Areas: areaOptions(p.Page, areas, map[int64]bool{areaID: true}), AreaID: areaID, Buildings: bs})
}

// BuildingPage is one building: its rooms and residents.
type BuildingPage struct {
	RegPage
	Building *store.BuildingCount
	Rooms    []store.RoomResidents
}

func (s *Server) buildingShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rooms, err := s.st.BuildingResidents(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.regPage(r, "buildingpage.title")
	pg := BuildingPage{RegPage: p, Rooms: rooms}
	// The building's own line comes from its grid's list (rooms carry the
	// grid's path; the grid is its last node).
	if len(rooms) > 0 {
		if grid := lastPathID(rooms[0].Path); grid != 0 {
			bs, err := s.st.BuildingsWithCounts(ctx, a, grid)
			if err != nil && !errors.Is(err, linli.ErrNotFound) {
				return err
			}
			for i := range bs {
				if bs[i].ID == id {
					pg.Building = &bs[i]
					pg.Title = bs[i].CompoundName + bs[i].Name
				}
			}
		}
	}
	return s.render(w, r, http.StatusOK, "building_show.html", pg)
}

// lastPathID is the id of the last node of a materialised path.
func lastPathID(path string) int64 {
	end := len(path) - 1
	for end > 0 && path[end] == '/' {
		end--
	}
	start := end
	for start > 0 && path[start-1] != '/' {
		start--
	}
	id, _ := strconv.ParseInt(path[start:end+1], 10, 64)
	return id
}
