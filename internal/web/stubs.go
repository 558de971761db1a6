package web

import (
	"net/http"

	"github.com/linli-org/linli"
)

// Placeholders until the admin pages land.
func notYet(w http.ResponseWriter, r *http.Request) error { return linli.ErrNotFound }

var (
	_ = notYet
)

func (s *Server) areaList(w http.ResponseWriter, r *http.Request) error       { return notYet(w, r) }
func (s *Server) areaNew(w http.ResponseWriter, r *http.Request) error        { return notYet(w, r) }
func (s *Server) areaCreate(w http.ResponseWriter, r *http.Request) error     { return notYet(w, r) }
func (s *Server) areaImportForm(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) areaImport(w http.ResponseWriter, r *http.Request) error     { return notYet(w, r) }
func (s *Server) areaShow(w http.ResponseWriter, r *http.Request) error       { return notYet(w, r) }
func (s *Server) areaRename(w http.ResponseWriter, r *http.Request) error     { return notYet(w, r) }
func (s *Server) areaMove(w http.ResponseWriter, r *http.Request) error       { return notYet(w, r) }
func (s *Server) areaRetire(w http.ResponseWriter, r *http.Request) error     { return notYet(w, r) }
func (s *Server) userList(w http.ResponseWriter, r *http.Request) error       { return notYet(w, r) }
func (s *Server) userNew(w http.ResponseWriter, r *http.Request) error        { return notYet(w, r) }
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error     { return notYet(w, r) }
func (s *Server) userShow(w http.ResponseWriter, r *http.Request) error       { return notYet(w, r) }
func (s *Server) userGrant(w http.ResponseWriter, r *http.Request) error      { return notYet(w, r) }
func (s *Server) userDisable(w http.ResponseWriter, r *http.Request) error    { return notYet(w, r) }
func (s *Server) userEnable(w http.ResponseWriter, r *http.Request) error     { return notYet(w, r) }
func (s *Server) userResetPassword(w http.ResponseWriter, r *http.Request) error {
	return notYet(w, r)
}
func (s *Server) userUnlock(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) userRevokeSession(w http.ResponseWriter, r *http.Request) error {
	return notYet(w, r)
}
func (s *Server) tokenList(w http.ResponseWriter, r *http.Request) error   { return notYet(w, r) }
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) auditSearch(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
