package api

import (
	"errors"
	"net/http"

	"github.com/linli-org/linli"
)

// meJSON describes the caller: a user signed in with a session, or an API
// token (Kind "token", no user id).
type meJSON struct {
	Kind        string          `json:"kind"` // "user" or "token"
	ID          int64           `json:"id,omitempty"`
	TokenID     int64           `json:"token_id,omitempty"`
	Username    string          `json:"username"`
	Roles       []string        `json:"roles"`
	OrgUnitID   int64           `json:"org_unit_id,omitempty"` // the unit the account works for (承办单位), if any
	Permissions []string        `json:"permissions"`
	Scope       []scopeNodeJSON `json:"scope"`
}

// scopeNodeJSON is one node of the caller's scope; each includes its subtree.
type scopeNodeJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Level string `json:"level"`
	Code  string `json:"code"`
}

// me is GET /api/v1/me. The account is read from the store when the caller
// may read accounts; otherwise (and for API tokens) it is described from
// the actor the server authenticated.
func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	out := meJSON{Kind: "user", ID: a.UserID, Username: a.Username, Roles: roleNames(a.Roles), OrgUnitID: a.OrgUnitID,
		Permissions: []string{}, Scope: []scopeNodeJSON{}}
	if a.TokenID != 0 {
		out.Kind, out.ID, out.TokenID = "token", 0, a.TokenID
	}
	for _, p := range a.Permissions() {
		out.Permissions = append(out.Permissions, string(p))
	}
	if a.TokenID == 0 && a.UserID != 0 && a.Can(linli.PermUserRead) {
		u, err := s.st.User(r.Context(), a, a.UserID)
		switch {
		case err == nil:
			out.Username, out.Roles = u.Username, roleNames(u.Roles)
			for _, n := range u.Scope {
				if !n.Retired { // a retired node no longer counts in a scope
					out.Scope = append(out.Scope, scopeNodeJSON{ID: n.ID, Name: n.Name, Level: string(n.Level), Code: n.Code})
				}
			}
			return writeJSON(w, http.StatusOK, out)
		case !errors.Is(err, linli.ErrNotFound):
			return err
		}
		// Not visible to oneself (no scope node in one's own scope): fall
		// through to what the actor says.
	}
	for _, id := range a.Scope.AreaIDs {
		n, err := s.st.Area(r.Context(), a, id)
		if errors.Is(err, linli.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if n.Retired {
			continue
		}
		out.Scope = append(out.Scope, scopeNodeJSON{ID: n.ID, Name: n.Name, Level: string(n.Level), Code: n.Code})
	}
	return writeJSON(w, http.StatusOK, out)
}

func roleNames(rs []linli.Role) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}
