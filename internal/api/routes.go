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
// The tag catalogue's writes need tag.admin (else 403); the catalogue is
// not scoped, and its tags are named by their code.
// Handlers that address an object by {id} load it in scope first, so an
// object outside the scope is 404 before the body is read.
//
// The service catalogue is read by anyone signed in (private services by
// staff who take or read work orders) and written with service.admin
// (else 403); its services are named by their code. The responsibility
// map is read by service admins and intake staff, written with
// service.admin; an entry is named by its area and service. Work orders
// are read and created by staff and by residents (their own), as the
// store decides: an order the caller may not see is 404, an action the
// caller's role may not take 403, one the state table forbids 409. The
// unit queue, the overdue board, call-backs and KPIs need wo.read,
// wo.supervise, wo.intake and kpi.read (else 403). A work order's
// certificate is issued by whom the store allows (403 otherwise); the
// certificate register needs wo.read (else 403) and is scoped. A photo is uploaded by
// residents and intake staff (else 403) and read by those who may see its
// order, or its uploader until it is linked (else 404).
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
		{method: "POST", path: "/api/v1/tags", perm: linli.PermTagAdmin, h: s.createTag},
		{method: "GET", path: "/api/v1/tags/{code}", perm: linli.PermPersonRead, h: s.getTag},
		{method: "PATCH", path: "/api/v1/tags/{code}", perm: linli.PermTagAdmin, h: s.updateTag},
		{method: "POST", path: "/api/v1/tags/{code}/retire", perm: linli.PermTagAdmin, h: s.retireTag},
		{method: "POST", path: "/api/v1/tags/{code}/unretire", perm: linli.PermTagAdmin, h: s.unretireTag},
		{method: "GET", path: "/api/v1/migrants/expiring", perm: linli.PermPersonRead, h: s.expiringMigrants},

		{method: "GET", path: "/api/v1/services", h: s.listServices},
		{method: "POST", path: "/api/v1/services", perm: linli.PermServiceAdmin, h: s.createService},
		{method: "GET", path: "/api/v1/services/{code}", h: s.getService},
		{method: "PUT", path: "/api/v1/services/{code}", perm: linli.PermServiceAdmin, h: s.updateService},
		{method: "POST", path: "/api/v1/services/{code}/retire", perm: linli.PermServiceAdmin, h: s.retireService},
		{method: "POST", path: "/api/v1/services/{code}/unretire", perm: linli.PermServiceAdmin, h: s.unretireService},
		{method: "GET", path: "/api/v1/routes", h: s.listRoutes},
		{method: "PUT", path: "/api/v1/routes", perm: linli.PermServiceAdmin, h: s.setRoute},
		{method: "DELETE", path: "/api/v1/routes", perm: linli.PermServiceAdmin, h: s.deleteRoute},

		{method: "GET", path: "/api/v1/work-orders", h: s.listWorkOrders},
		{method: "POST", path: "/api/v1/work-orders", h: s.createWorkOrder},
		{method: "GET", path: "/api/v1/work-orders/{id}", h: s.getWorkOrder},
		{method: "GET", path: "/api/v1/work-orders/{id}/timeline", h: s.workOrderTimeline},
		{method: "GET", path: "/api/v1/work-orders/{id}/assignments", h: s.workOrderAssignments},
		{method: "POST", path: "/api/v1/work-orders/{id}/actions", h: s.actOnWorkOrder},
		{method: "POST", path: "/api/v1/work-orders/{id}/certificate", h: s.issueCertificate},
		{method: "GET", path: "/api/v1/certificates", perm: linli.PermWORead, h: s.listCertificates},
		{method: "GET", path: "/api/v1/certificates/{id}", perm: linli.PermWORead, h: s.getCertificate},
		{method: "GET", path: "/api/v1/queue", perm: linli.PermWORead, h: s.queue},
		{method: "GET", path: "/api/v1/overdue", perm: linli.PermWOSupervise, h: s.overdue},
		{method: "GET", path: "/api/v1/callbacks", perm: linli.PermWOIntake, h: s.listCallbacks},
		{method: "POST", path: "/api/v1/callbacks/{id}/complete", perm: linli.PermWOIntake, h: s.completeCallback},
		{method: "GET", path: "/api/v1/kpis", perm: linli.PermKPIRead, h: s.kpis},
		{method: "POST", path: "/api/v1/attachments", h: s.uploadAttachment},
		{method: "GET", path: "/api/v1/attachments/{name}", h: s.getAttachment},

		{method: "GET", path: "/api/v1/audit", h: s.listAudit},
	}
}
