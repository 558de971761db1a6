package api

import "github.com/linli-org/linli"

// route is one endpoint: a method, a ServeMux path pattern and a handler.
type route struct {
	method string
	path   string
	public bool             // served without an authenticated actor
	perm   linli.Permission // required of the actor, if set (else 403)
	h      handlerFunc
}

// routes is the whole /api/v1 surface on one screen. openapi.json must
// describe exactly these routes; TestOpenAPICoversRoutes checks it.
//
// Every area route needs area.read (as the web interface's do); writes are
// further checked by the store (area.manage, and the scope of every node
// they touch). The audit route has no perm here: to anyone but an audit
// admin the audit log does not exist (404), which its handler and the store
// decide.
//
// Every registry route (persons, households, buildings, tags, migrants)
// needs person.read; writes are further checked by the store (person.write,
// the scope of every person and grid they touch, and the class of a tag).
// Handlers that address an object by {id} load it in scope first, so an
// object outside the scope is 404 before the body is read.
func (s *server) routes() []route {
	return []route{
		{method: "GET", path: "/api/v1/openapi.json", public: true, h: s.openAPI},
		{method: "GET", path: "/api/v1/me", h: s.me},

		{method: "GET", path: "/api/v1/areas", perm: linli.PermAreaRead, h: s.listAreas},
		{method: "POST", path: "/api/v1/areas", perm: linli.PermAreaRead, h: s.createArea},
		{method: "GET", path: "/api/v1/areas/{id}", perm: linli.PermAreaRead, h: s.getArea},
		{method: "PATCH", path: "/api/v1/areas/{id}", perm: linli.PermAreaRead, h: s.updateArea},
		{method: "GET", path: "/api/v1/areas/{id}/history", perm: linli.PermAreaRead, h: s.areaHistory},
		{method: "POST", path: "/api/v1/areas/{id}/move", perm: linli.PermAreaRead, h: s.moveArea},
		{method: "POST", path: "/api/v1/areas/{id}/retire", perm: linli.PermAreaRead, h: s.retireArea},

		{method: "GET", path: "/api/v1/persons", perm: linli.PermPersonRead, h: s.searchPersons},
		{method: "POST", path: "/api/v1/persons", perm: linli.PermPersonRead, h: s.createPerson},
		{method: "GET", path: "/api/v1/persons/{id}", perm: linli.PermPersonRead, h: s.getPerson},
		{method: "PATCH", path: "/api/v1/persons/{id}", perm: linli.PermPersonRead, h: s.updatePerson},
		{method: "GET", path: "/api/v1/persons/{id}/history", perm: linli.PermPersonRead, h: s.personHistory},
		{method: "GET", path: "/api/v1/persons/{id}/tags", perm: linli.PermPersonRead, h: s.personTags},
		{method: "POST", path: "/api/v1/persons/{id}/tags", perm: linli.PermPersonRead, h: s.addPersonTag},
		{method: "POST", path: "/api/v1/persons/{id}/move-out", perm: linli.PermPersonRead, h: s.moveOut},
		{method: "POST", path: "/api/v1/persons/{id}/death", perm: linli.PermPersonRead, h: s.death},

		{method: "POST", path: "/api/v1/households", perm: linli.PermPersonRead, h: s.createHousehold},
		{method: "GET", path: "/api/v1/households/{id}", perm: linli.PermPersonRead, h: s.getHousehold},
		{method: "POST", path: "/api/v1/households/{id}/members", perm: linli.PermPersonRead, h: s.addMember},
		{method: "POST", path: "/api/v1/households/{id}/change-head", perm: linli.PermPersonRead, h: s.changeHead},

		{method: "GET", path: "/api/v1/buildings", perm: linli.PermPersonRead, h: s.listBuildings},
		{method: "GET", path: "/api/v1/buildings/{id}/residents", perm: linli.PermPersonRead, h: s.buildingResidents},

		{method: "GET", path: "/api/v1/tags", perm: linli.PermPersonRead, h: s.listTags},
		{method: "GET", path: "/api/v1/migrants/expiring", perm: linli.PermPersonRead, h: s.expiringMigrants},

		{method: "GET", path: "/api/v1/audit", h: s.listAudit},
	}
}
