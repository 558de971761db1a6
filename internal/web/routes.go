package web

import (
	"net/http"

	"github.com/linli-org/linli"
)

// routes is the whole HTML surface on one screen.
func (s *Server) routes() {
	s.handle("GET /healthz", public, "", s.healthz)
	s.handle("GET /readyz", public, "", s.readyz)
	s.mux.Handle("GET /metrics", s.Metrics())
	s.handle("GET /static/", public, "", s.static)
	s.handle("POST /prefs/lang", public, "", s.setLang)
	s.handle("POST /prefs/elderly", public, "", s.toggleElderly)

	s.handle("GET /login", public, "", s.loginForm)
	s.handle("POST /login", public, "", s.login)
	s.handle("POST /logout", mfaStep, "", s.logout)
	s.handle("GET /login/totp", mfaStep, "", s.totpForm)
	s.handle("POST /login/totp", mfaStep, "", s.totpVerify)

	s.handle("GET /{$}", loggedIn, "", s.dashboard)
	s.handle("GET /account", loggedIn, "", s.account)
	s.handle("POST /account/password", loggedIn, "", s.changePassword)
	s.handle("GET /account/totp", mfaStep, "", s.totpEnrollForm)
	s.handle("POST /account/totp", mfaStep, "", s.totpEnroll)
	s.handle("POST /account/sessions/{id}/revoke", loggedIn, "", s.revokeSession)

	s.handle("GET /areas", loggedIn, linli.PermAreaRead, s.areaList)
	s.handle("GET /areas/new", loggedIn, linli.PermAreaManage, s.areaNew)
	s.handle("POST /areas", loggedIn, linli.PermAreaManage, s.areaCreate)
	s.handle("GET /areas/import", loggedIn, linli.PermAreaManage, s.areaImportForm)
	s.handle("POST /areas/import", loggedIn, linli.PermAreaManage, s.areaImport)
	s.handle("GET /areas/{id}", loggedIn, linli.PermAreaRead, s.areaShow)
	s.handle("POST /areas/{id}", loggedIn, linli.PermAreaManage, s.areaRename)
	s.handle("POST /areas/{id}/move", loggedIn, linli.PermAreaManage, s.areaMove)
	s.handle("POST /areas/{id}/retire", loggedIn, linli.PermAreaManage, s.areaRetire)

	s.handle("GET /users", loggedIn, linli.PermUserRead, s.userList)
	s.handle("GET /users/new", loggedIn, "", s.userNew)
	s.handle("POST /users", loggedIn, "", s.userCreate)
	s.handle("GET /users/{id}", loggedIn, linli.PermUserRead, s.userShow)
	s.handle("POST /users/{id}/grant", loggedIn, "", s.userGrant)
	s.handle("POST /users/{id}/disable", loggedIn, "", s.userDisable)
	s.handle("POST /users/{id}/enable", loggedIn, "", s.userEnable)
	s.handle("POST /users/{id}/reset-password", loggedIn, "", s.userResetPassword)
	s.handle("POST /users/{id}/unlock", loggedIn, linli.PermAccountUnlock, s.userUnlock)
	s.handle("POST /users/{id}/sessions/{sid}/revoke", loggedIn, linli.PermSessionRevoke, s.userRevokeSession)

	s.handle("GET /tokens", loggedIn, linli.PermAPITokenManage, s.tokenList)
	s.handle("POST /tokens", loggedIn, linli.PermAPITokenManage, s.tokenCreate)
	s.handle("POST /tokens/{id}/revoke", loggedIn, linli.PermAPITokenManage, s.tokenRevoke)

	s.handle("GET /audit", loggedIn, linli.PermAuditRead, s.auditSearch)
	s.handle("GET /audit/export", loggedIn, linli.PermAuditExport, s.auditExport)

	// Person import and export (jobs live under /imports and /exports so
	// that they never collide with /persons/{id}/… patterns).
	s.handle("GET /persons/import", loggedIn, linli.PermPersonWrite, s.personImportForm)
	s.handle("POST /persons/import", loggedIn, linli.PermPersonWrite, s.personImportUpload)
	s.handle("GET /imports/{job}", loggedIn, linli.PermPersonWrite, s.personImportJob)
	s.handle("POST /imports/{job}/start", loggedIn, linli.PermPersonWrite, s.personImportStart)
	s.handle("GET /imports/{job}/errors.xlsx", loggedIn, linli.PermPersonWrite, s.personImportErrors)
	s.handle("GET /persons/export", loggedIn, linli.PermPersonRead, s.personExport)
	s.handle("GET /exports/{job}", loggedIn, linli.PermPersonRead, s.personExportJob)
	s.handle("GET /exports/{job}/file", loggedIn, linli.PermPersonRead, s.personExportFile)

	// The registry's pages (persons.go, households.go, buildings.go, reveal.go, migrants.go).
	s.handle("GET /persons", loggedIn, linli.PermPersonRead, s.personList)
	s.handle("GET /persons/new", loggedIn, linli.PermPersonWrite, s.personNew)
	s.handle("POST /persons", loggedIn, linli.PermPersonWrite, s.personCreate)
	s.handle("GET /persons/{id}", loggedIn, linli.PermPersonRead, s.personShow)
	s.handle("GET /persons/{id}/edit", loggedIn, linli.PermPersonWrite, s.personEdit)
	s.handle("POST /persons/{id}/edit", loggedIn, linli.PermPersonWrite, s.personUpdate)
	s.handle("POST /persons/{id}/reveal", loggedIn, linli.PermPersonRead, s.personReveal)
	s.handle("POST /persons/{id}/tags", loggedIn, linli.PermPersonWrite, s.personTagAdd)
	s.handle("POST /persons/{id}/tags/{code}/end", loggedIn, linli.PermPersonWrite, s.personTagEnd)
	s.handle("POST /persons/{id}/move-out", loggedIn, linli.PermPersonWrite, s.personMoveOut)
	s.handle("POST /persons/{id}/death", loggedIn, linli.PermPersonWrite, s.personDeath)
	s.handle("POST /persons/{id}/move", loggedIn, linli.PermPersonWrite, s.personMove)
	s.handle("POST /persons/{id}/migrants", loggedIn, linli.PermPersonWrite, s.personMigrantRegister)
	s.handle("POST /households", loggedIn, linli.PermPersonWrite, s.householdCreate)
	s.handle("GET /households/{id}", loggedIn, linli.PermPersonRead, s.householdShow)
	s.handle("POST /households/{id}/members", loggedIn, linli.PermPersonWrite, s.householdAddMember)
	s.handle("POST /households/{id}/remove", loggedIn, linli.PermPersonWrite, s.householdRemoveMember)
	s.handle("POST /households/{id}/head", loggedIn, linli.PermPersonWrite, s.householdChangeHead)
	s.handle("POST /households/{id}/split", loggedIn, linli.PermPersonWrite, s.householdSplit)
	s.handle("POST /households/{id}/merge", loggedIn, linli.PermPersonWrite, s.householdMerge)
	s.handle("GET /buildings", loggedIn, linli.PermPersonRead, s.buildingList)
	s.handle("GET /buildings/{id}", loggedIn, linli.PermPersonRead, s.buildingShow)
	s.handle("GET /migrants", loggedIn, linli.PermPersonRead, s.migrantList)
	s.handle("GET /tags", loggedIn, linli.PermPersonRead, s.tagList)
	s.handle("POST /tags", loggedIn, linli.PermTagAdmin, s.tagCreate)
	s.handle("POST /tags/{code}", loggedIn, linli.PermTagAdmin, s.tagUpdate)
	s.handle("POST /tags/{code}/retire", loggedIn, linli.PermTagAdmin, s.tagRetire)
	s.handle("POST /tags/{code}/unretire", loggedIn, linli.PermTagAdmin, s.tagUnretire)

	// The working calendar of work-order deadlines (calendar.go).
	s.handle("GET /admin/calendar", loggedIn, linli.PermServiceAdmin, s.calendarAdmin)
	s.handle("POST /admin/calendar", loggedIn, linli.PermServiceAdmin, s.calendarSet)
	s.handle("POST /admin/calendar/load", loggedIn, linli.PermServiceAdmin, s.calendarLoad)
	s.handle("POST /admin/calendar/hours", loggedIn, linli.PermServiceAdmin, s.calendarHours)
	s.handle("POST /admin/calendar/{date}/delete", loggedIn, linli.PermServiceAdmin, s.calendarDelete)

	// Work orders, staff side (wo_staff*.go): intake at the counter and
	// the hotline, the order page and its actions, queues, the overdue
	// board, call-backs, the catalogue and the map, and the KPIs.
	s.handle("GET /wo/intake", loggedIn, linli.PermWOIntake, s.woIntake)
	s.handle("POST /wo/intake", loggedIn, linli.PermWOIntake, s.woIntakeCreate)
	s.handle("GET /wo/hotline", loggedIn, linli.PermWOIntake, s.woHotline)
	s.handle("POST /wo/hotline", loggedIn, linli.PermWOIntake, s.woHotlineCreate)
	s.handle("GET /wo/queue", loggedIn, linli.PermWORead, s.woQueue)
	s.handle("GET /wo/inbox", loggedIn, linli.PermWOIntake, s.woInbox)
	s.handle("GET /wo/overdue", loggedIn, linli.PermWOSupervise, s.woOverdue)
	s.handle("GET /wo/callbacks", loggedIn, linli.PermWOIntake, s.woCallbacks)
	s.handle("POST /wo/callbacks/{id}/done", loggedIn, linli.PermWOIntake, s.woCallbackDone)
	s.handle("GET /wo/{id}", loggedIn, linli.PermWORead, s.woShow)
	s.handle("POST /wo/{id}/act", loggedIn, linli.PermWORead, s.woAct)
	s.handle("POST /wo/{id}/certificate", loggedIn, linli.PermWORead, s.woCertIssue)
	s.handle("GET /certificates", loggedIn, linli.PermWORead, s.certList)
	s.handle("GET /certificates/{id}", loggedIn, linli.PermWORead, s.certShow)
	s.handle("POST /certificates/{id}/print", loggedIn, linli.PermWORead, s.certPrint)
	s.handle("POST /certificates/{id}/void", loggedIn, linli.PermWORead, s.certVoid)
	s.handle("GET /admin/services", loggedIn, linli.PermServiceAdmin, s.woServices)
	s.handle("GET /admin/services/new", loggedIn, linli.PermServiceAdmin, s.woServiceNew)
	s.handle("POST /admin/services", loggedIn, linli.PermServiceAdmin, s.woServiceCreate)
	s.handle("GET /admin/services/{code}", loggedIn, linli.PermServiceAdmin, s.woServiceEdit)
	s.handle("POST /admin/services/{code}", loggedIn, linli.PermServiceAdmin, s.woServiceUpdate)
	s.handle("POST /admin/services/{code}/retire", loggedIn, linli.PermServiceAdmin, s.woServiceRetire)
	s.handle("GET /admin/routes", loggedIn, linli.PermServiceAdmin, s.woRoutes)
	s.handle("POST /admin/routes", loggedIn, linli.PermServiceAdmin, s.woRouteSet)
	s.handle("POST /admin/routes/{id}/delete", loggedIn, linli.PermServiceAdmin, s.woRouteDelete)
	s.handle("GET /kpi", loggedIn, linli.PermKPIRead, s.woKPI)
	s.handle("GET /kpi.xlsx", loggedIn, linli.PermKPIRead, s.woKPIExport)

	// Notifications (notices.go): one's own in-app notices, and the
	// delivery outbox for the system administrator.
	s.handle("GET /notices", loggedIn, "", s.noticeList)
	s.handle("POST /notices/read-all", loggedIn, "", s.noticeReadAll)
	s.handle("POST /notices/{id}/read", loggedIn, "", s.noticeRead)
	s.handle("GET /admin/outbox", loggedIn, linli.PermSettingsManage, s.outboxAdmin)
	s.handle("POST /admin/outbox/{id}/retry", loggedIn, linli.PermSettingsManage, s.outboxRetry)

	// The residents' side (services.go, requests.go, attachments.go): the
	// public catalogue, the request form, one's own requests; the photos
	// of orders for whoever may see them.
	s.handle("GET /services", public, "", s.resServices)
	s.handle("GET /services/{code}/request", loggedIn, linli.PermSelfService, s.resRequestForm)
	s.handle("POST /services/{code}/request", loggedIn, linli.PermSelfService, s.resRequestCreate)
	s.handle("GET /my/requests", loggedIn, linli.PermSelfService, s.resRequests)
	s.handle("GET /my/requests/{id}", loggedIn, linli.PermSelfService, s.resRequest)
	s.handle("POST /my/requests/{id}/rate", loggedIn, linli.PermSelfService, s.resRate)
	s.handle("POST /my/requests/{id}/withdraw", loggedIn, linli.PermSelfService, s.resWithdraw)
	s.handle("GET /attachments/{name}", loggedIn, "", s.attachmentShow)

	if s.opt.API != nil {
		s.mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info(r).pattern = "/api/v1/*"
			r.Body = http.MaxBytesReader(w, r.Body, s.mountedLimit(r))
			w.Header().Set("Cache-Control", "no-store")
			s.opt.API.ServeHTTP(w, r)
		}))
	}
	if s.opt.Open311 != nil {
		s.mux.Handle("/open311/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info(r).pattern = "/open311/v2/*"
			r.Body = http.MaxBytesReader(w, r.Body, s.mountedLimit(r))
			s.opt.Open311.ServeHTTP(w, r)
		}))
	}
}

// probeWriter captures the status and headers the mux's own 404 and 405
// handlers write, so that we can render our pages instead.
type probeWriter struct {
	h      http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.h }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(code int)        { p.status = code }

// dispatch routes a request; unknown paths and wrong methods get our 404
// and 405 pages rather than the mux's plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	pw := &probeWriter{h: http.Header{}}
	h.ServeHTTP(pw, r)
	if pw.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", pw.h.Get("Allow"))
		s.fail(w, r, errMethod)
		return
	}
	s.fail(w, r, linli.ErrNotFound)
}
