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

		{method: "GET", path: "/api/v1/audit", h: s.listAudit},
	}
}
