package api

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// areaJSON is a node of the area tree as the API shows it. ParentID is
// null for a district.
type areaJSON struct {
	ID        int64      `json:"id"`
	ParentID  *int64     `json:"parent_id"`
	Level     string     `json:"level"`
	Name      string     `json:"name"`
	Code      string     `json:"code"`
	Path      string     `json:"path"`
	Retired   bool       `json:"retired"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
	Version   int64      `json:"version"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func toAreaJSON(a linli.Area) areaJSON {
	out := areaJSON{
		ID: a.ID, ParentID: optID(a.ParentID), Level: string(a.Level), Name: a.Name, Code: a.Code, Path: a.Path,
		Retired: a.Retired, Version: a.Version, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
	if a.Retired && !a.RetiredAt.IsZero() {
		t := a.RetiredAt.UTC()
		out.RetiredAt = &t
	}
	return out
}

// optID is nil for 0, so that "no parent" is JSON null.
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// createAreaRequest is the body of POST /api/v1/areas.
type createAreaRequest struct {
	ParentID int64  `json:"parent_id"`
	Level    string `json:"level"`
	Name     string `json:"name"`
	Code     string `json:"code"`
}

// updateAreaRequest is the body of PATCH /api/v1/areas/{id}: a member
// left out keeps its value. Version is the version the client read.
type updateAreaRequest struct {
	Name    *string `json:"name"`
	Code    *string `json:"code"`
	Version int64   `json:"version"`
}

// moveAreaRequest is the body of POST /api/v1/areas/{id}/move. An empty
// code keeps the node's code, which must then fit the new parent.
type moveAreaRequest struct {
	ParentID int64  `json:"parent_id"`
	Code     string `json:"code"`
}

// areaChangeJSON is one line of a node's history.
type areaChangeJSON struct {
	Action   string    `json:"action"`
	ParentID *int64    `json:"parent_id"`
	Name     string    `json:"name"`
	Code     string    `json:"code"`
	Path     string    `json:"path"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
}

// The area cursor is the unpadded base64url of the materialised path of the
// last node on the previous page; the next page starts after it in path
// (tree) order. Paths are unique, so no node is skipped or repeated; a node
// moved between two requests may show up on both pages or on neither.
func encodeAreaCursor(path string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(path))
}

func decodeAreaCursor(c string) (string, bool) {
	if c == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !validPath(string(b)) {
		return "", false
	}
	return string(b), true
}

// validPath reports whether p looks like a materialised path: "/1/4/9/".
func validPath(p string) bool {
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	digits := 0
	for i := 1; i < len(p); i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '/' && digits > 0:
			digits = 0
		default:
			return false
		}
	}
	return true
}

// listAreas is GET /api/v1/areas: the nodes in the actor's scope, in tree
// order, a page at a time.
//
// The store has no cursor parameter yet: it returns the whole filtered list
// in path order (scoped in SQL), and the page is cut here by binary search on
// the cursor's path. Scopes hold at most a few thousand nodes, so this is
// cheap; a store-level "after path" condition can replace it without
// changing the API.
func (s *server) listAreas(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := store.AreaFilter{ParentID: p.id("parent_id"), Query: p.str("q"), IncludeRetired: p.boolean("include_retired")}
	if lv := p.str("level"); lv != "" {
		l, ok := linli.ParseLevel(lv)
		if !ok {
			p.v.Add("level", "area.level.invalid")
		}
		f.Level = l
	}
	limit := p.limit()
	after, ok := decodeAreaCursor(p.str("cursor"))
	if !ok {
		p.v.Add("cursor", "api.cursor.invalid")
	}
	if err := p.err(); err != nil {
		return err
	}
	all, err := s.st.Areas(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	// Both databases order paths bytewise (SQLite's BINARY collation, the
	// C collation on PostgreSQL), as Go compares strings.
	rest := all[sort.Search(len(all), func(i int) bool { return all[i].Path > after }):]
	n := min(limit, len(rest))
	out := page[areaJSON]{Items: make([]areaJSON, 0, n)}
	for _, a := range rest[:n] {
		out.Items = append(out.Items, toAreaJSON(a))
	}
	if len(rest) > n {
		out.NextCursor = encodeAreaCursor(rest[n-1].Path)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getArea is GET /api/v1/areas/{id}. Retired nodes are shown; a node
// outside the actor's scope does not exist.
func (s *server) getArea(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.st.Area(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAreaJSON(a))
}

// areaHistory is GET /api/v1/areas/{id}/history, oldest change first.
func (s *server) areaHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	h, err := s.st.AreaHistory(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	out := page[areaChangeJSON]{Items: make([]areaChangeJSON, 0, len(h))}
	for _, c := range h {
		out.Items = append(out.Items, areaChangeJSON{Action: c.Action, ParentID: optID(c.ParentID), Name: c.Name,
			Code: c.Code, Path: c.Path, Actor: c.Actor, At: c.At.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// createArea is POST /api/v1/areas.
func (s *server) createArea(w http.ResponseWriter, r *http.Request) error {
	var req createAreaRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.st.CreateArea(r.Context(), actorOf(r), linli.AreaInput{
		ParentID: req.ParentID, Level: linli.Level(req.Level), Name: req.Name, Code: req.Code,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/areas/"+strconv.FormatInt(a.ID, 10))
	return writeJSON(w, http.StatusCreated, toAreaJSON(a))
}

// inScope loads the node a write addresses, so that a node outside the
// actor's scope is 404 whatever the actor's permissions (the store checks
// permissions first and would answer 403). The store checks scope again
// inside the write's transaction.
func (s *server) inScope(r *http.Request, id int64) (linli.Area, error) {
	return s.st.Area(r.Context(), actorOf(r), id)
}

// updateArea is PATCH /api/v1/areas/{id}: rename and/or re-code a node.
// The client sends the version it read; a stale one is a 409.
func (s *server) updateArea(w http.ResponseWriter, r *http.Request) error {
	var req updateAreaRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cur, err := s.inScope(r, id)
	if err != nil {
		return err
	}
	v := &linli.ValidationError{}
	if req.Name == nil && req.Code == nil {
		v.Add("name", "api.patch.empty")
	}
	if req.Version <= 0 {
		v.Add("version", "api.version.required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	name, code := cur.Name, ""
	if req.Name != nil {
		name = *req.Name
	}
	if req.Code != nil {
		code = *req.Code
		if code == "" {
			return linli.Invalid("code", "area.code.required")
		}
	}
	a, err := s.st.RenameArea(r.Context(), actorOf(r), id, name, code, req.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAreaJSON(a))
}

// moveArea is POST /api/v1/areas/{id}/move: move a node and its subtree
// under a new parent of the right level, both in the actor's scope.
func (s *server) moveArea(w http.ResponseWriter, r *http.Request) error {
	var req moveAreaRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.inScope(r, id); err != nil {
		return err
	}
	if req.ParentID <= 0 {
		return linli.Invalid("parent", "area.parent.required")
	}
	a, err := s.st.MoveArea(r.Context(), actorOf(r), id, req.ParentID, req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAreaJSON(a))
}

// retireArea is POST /api/v1/areas/{id}/retire. It takes no body and
// answers with the retired node.
func (s *server) retireArea(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.inScope(r, id); err != nil {
		return err
	}
	if err := s.st.RetireArea(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	a, err := s.st.Area(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAreaJSON(a))
}
