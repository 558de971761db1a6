package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Certificates (证明): issuing one for a work order of a certificate
// service, and the register (证明开具登记簿). The store decides who may
// issue (the clerk while the order is accepted, its lead unit while it is
// being handled, in a scope that holds the whole community) and checks
// the order, the requester and the template in the same transaction that
// writes the register row and answers or resolves the order. The register
// shows the text with the ID number masked; the full text is not served
// here.

// certificateJSON is an entry of the register.
type certificateJSON struct {
	ID            int64      `json:"id"`
	Number        string     `json:"number"`
	OrderID       int64      `json:"order_id"`
	OrderNumber   string     `json:"order_number"`
	ServiceCode   string     `json:"service_code"`
	ServiceName   string     `json:"service_name"`
	ServiceNameEn string     `json:"service_name_en"`
	PersonID      int64      `json:"person_id"`
	PersonName    string     `json:"person_name"`
	AreaID        int64      `json:"area_id"`
	Purpose       string     `json:"purpose"`
	BodyMasked    string     `json:"body_masked"`
	IssuedBy      *int64     `json:"issued_by"`
	IssuedByName  string     `json:"issued_by_name"`
	IssuedAt      time.Time  `json:"issued_at"`
	DueAt         *time.Time `json:"due_at"`
	Late          bool       `json:"late"`
	ValidUntil    *string    `json:"valid_until"`
	Voided        bool       `json:"voided"`
	VoidedAt      *time.Time `json:"voided_at"`
	VoidReason    string     `json:"void_reason"`
}

func toCertificateJSON(c linli.Certificate) certificateJSON {
	return certificateJSON{ID: c.ID, Number: c.Number, OrderID: c.OrderID, OrderNumber: c.OrderNumber, ServiceCode: c.ServiceCode,
		ServiceName: c.ServiceName, ServiceNameEn: c.ServiceNameEn, PersonID: c.PersonID, PersonName: c.PersonName, AreaID: c.AreaID,
		Purpose: c.Purpose, BodyMasked: c.BodyMasked, IssuedBy: optID(c.IssuedBy), IssuedByName: c.IssuedByName,
		IssuedAt: c.IssuedAt.UTC(), DueAt: optTime(c.DueAt), Late: c.Late(), ValidUntil: optDate(c.ValidUntil),
		Voided: c.Voided(), VoidedAt: optTime(c.VoidedAt), VoidReason: c.VoidReason}
}

func certificateLocation(id int64) string { return "/api/v1/certificates/" + strconv.FormatInt(id, 10) }

// issueCertificateRequest is the body of POST /api/v1/work-orders/{id}/certificate.
type issueCertificateRequest struct {
	Purpose    string `json:"purpose"`
	ValidUntil string `json:"valid_until"`
	Note       string `json:"note"`
	Version    int64  `json:"version"`
}

// issueCertificate is POST /api/v1/work-orders/{id}/certificate: the
// order's certificate, issued and recorded (201, Location: the register
// entry). An order the caller may not see is 404 before the body is read.
func (s *server) issueCertificate(w http.ResponseWriter, r *http.Request) error {
	o, err := s.workOrderInScope(r)
	if err != nil {
		return err
	}
	var req issueCertificateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	in := linli.CertificateInput{Purpose: req.Purpose, Note: req.Note, Version: req.Version}
	if req.ValidUntil != "" {
		t, err := time.ParseInLocation(dateLayout, req.ValidUntil, cst)
		if err != nil {
			return linli.Invalid("valid_until", "api.date.invalid")
		}
		in.ValidUntil = t
	}
	c, err := s.st.IssueCertificate(r.Context(), actorOf(r), o.ID, in)
	if err != nil {
		return staleIfConflict(renameFields(err, createFieldNames))
	}
	w.Header().Set("Location", certificateLocation(c.ID))
	return writeJSON(w, http.StatusCreated, toCertificateJSON(c))
}

// listCertificates is GET /api/v1/certificates: the register in the
// caller's scope, newest first; ?service=, ?from= and ?to= (issue dates,
// Beijing), ?late=true (issued after the order's deadline). The cursor is
// the id of the last entry shown.
func (s *server) listCertificates(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := store.CertFilter{ServiceCode: p.str("service"), Late: p.boolean("late")}
	f.From, f.To = p.bound("from", false), p.bound("to", true)
	p.order(f.From, f.To)
	limit := p.limit()
	f.AfterID = p.cursor()
	if err := p.err(); err != nil {
		return err
	}
	// One more than the page tells whether there is a next one (as for
	// work orders: a full page of maxLimit always has a cursor).
	f.Limit = min(limit+1, maxLimit)
	found, err := s.st.Certificates(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(found, limit, f.Limit, toCertificateJSON, func(c linli.Certificate) int64 { return c.ID }))
}

// getCertificate is GET /api/v1/certificates/{id}.
func (s *server) getCertificate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.st.Certificate(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCertificateJSON(c))
}
