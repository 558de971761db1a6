package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Households (户). A household outside the caller's scope does not exist;
// every handler that addresses one loads it in scope before it reads the
// request body.

// householdJSON is a household with its memberships, current and past
// (a past one has until).
type householdJSON struct {
	ID          int64                 `json:"id"`
	HeadID      int64                 `json:"head_id"`
	Kind        string                `json:"kind"`
	RoomID      *int64                `json:"room_id"`
	GridID      int64                 `json:"grid_id"`
	Address     string                `json:"address"`
	Status      string                `json:"status"`
	ClosedAt    *time.Time            `json:"closed_at"`
	SuccessorID *int64                `json:"successor_id"`
	Members     []householdMemberJSON `json:"members"`
	Version     int64                 `json:"version"`
	CreatedAt   time.Time             `json:"created_at"`
	UpdatedAt   time.Time             `json:"updated_at"`
}

// householdMemberJSON is one membership; ID numbers are masked.
type householdMemberJSON struct {
	PersonID  int64   `json:"person_id"`
	Name      string  `json:"name"`
	Gender    string  `json:"gender"`
	BirthDate *string `json:"birth_date"`
	IDMasked  string  `json:"id_masked"`
	Relation  string  `json:"relation"`
	Since     *string `json:"since"`
	Until     *string `json:"until"`
}

func toHouseholdJSON(h store.Household) householdJSON {
	out := householdJSON{ID: h.ID, HeadID: h.HeadPersonID, Kind: h.Kind, RoomID: optID(h.RoomID), GridID: h.GridID,
		Address: h.Address, Status: h.Status, SuccessorID: optID(h.SuccessorID), Members: make([]householdMemberJSON, 0, len(h.Members)),
		Version: h.Version, CreatedAt: h.CreatedAt.UTC(), UpdatedAt: h.UpdatedAt.UTC()}
	if !h.ClosedAt.IsZero() {
		t := h.ClosedAt.UTC()
		out.ClosedAt = &t
	}
	for _, m := range h.Members {
		out.Members = append(out.Members, householdMemberJSON{PersonID: m.PersonID, Name: m.Name, Gender: m.Gender,
			BirthDate: optDate(m.BirthDate), IDMasked: m.IDMasked, Relation: m.Relation, Since: optDate(m.Since), Until: optDate(m.Until)})
	}
	return out
}

// memberJSON is a person with their GB/T 4761 relation to the head.
type memberJSON struct {
	PersonID int64  `json:"person_id"`
	Relation string `json:"relation"`
}

// createHouseholdRequest is the body of POST /api/v1/households. RoomID 0
// takes the head's room.
type createHouseholdRequest struct {
	HeadID  int64        `json:"head_id"`
	Kind    string       `json:"kind"`
	RoomID  int64        `json:"room_id"`
	Members []memberJSON `json:"members"`
}

// changeHeadRequest is the body of POST /api/v1/households/{id}/change-head:
// the new head (a current member) and, optionally, the members' new
// relations to them.
type changeHeadRequest struct {
	HeadID    int64        `json:"head_id"`
	Relations []memberJSON `json:"relations"`
}

func householdLocation(id int64) string { return "/api/v1/households/" + strconv.FormatInt(id, 10) }

// householdInScope loads the household that the request's {id} names.
func (s *server) householdInScope(r *http.Request) (store.Household, error) {
	id, err := pathID(r)
	if err != nil {
		return store.Household{}, err
	}
	return s.st.Household(r.Context(), actorOf(r), id)
}

// getHousehold is GET /api/v1/households/{id}.
func (s *server) getHousehold(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdInScope(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toHouseholdJSON(h))
}

// createHousehold is POST /api/v1/households. The head and every member
// must be living, in scope and in no other household; a person outside
// the scope does not exist (404).
func (s *server) createHousehold(w http.ResponseWriter, r *http.Request) error {
	var req createHouseholdRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v := &linli.ValidationError{}
	if req.HeadID <= 0 {
		v.Add("head_id", "api.integer")
	}
	members := make([]store.Member, 0, len(req.Members))
	for _, m := range req.Members {
		if m.PersonID <= 0 {
			v.Add("members", "api.integer")
			break
		}
		members = append(members, store.Member{PersonID: m.PersonID, Relation: m.Relation})
	}
	if err := v.Err(); err != nil {
		return err
	}
	h, err := s.st.CreateHousehold(r.Context(), actorOf(r), req.HeadID, req.Kind, req.RoomID, members)
	if err != nil {
		return err
	}
	w.Header().Set("Location", householdLocation(h.ID))
	return writeJSON(w, http.StatusCreated, toHouseholdJSON(h))
}

// addMember is POST /api/v1/households/{id}/members.
func (s *server) addMember(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdInScope(r)
	if err != nil {
		return err
	}
	var req memberJSON
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.PersonID <= 0 {
		return linli.Invalid("person_id", "api.integer")
	}
	h, err = s.st.AddMember(r.Context(), actorOf(r), h.ID, req.PersonID, req.Relation)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toHouseholdJSON(h))
}

// changeHead is POST /api/v1/households/{id}/change-head (停旧建新): the
// household closes and a successor opens with the same members under the
// new head. The answer is the successor, 201 with its Location.
func (s *server) changeHead(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdInScope(r)
	if err != nil {
		return err
	}
	var req changeHeadRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.HeadID <= 0 {
		return linli.Invalid("head_id", "api.integer")
	}
	rel := map[int64]string{}
	for _, m := range req.Relations {
		if m.PersonID <= 0 {
			return linli.Invalid("relations", "api.integer")
		}
		rel[m.PersonID] = m.Relation
	}
	next, err := s.st.ChangeHead(r.Context(), actorOf(r), h.ID, req.HeadID, rel)
	if err != nil {
		return err
	}
	w.Header().Set("Location", householdLocation(next.ID))
	return writeJSON(w, http.StatusCreated, toHouseholdJSON(next))
}
