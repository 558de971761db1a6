package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Certificates (证明): issued from the order page of a certificate
// service (POST /wo/{id}/certificate), listed in the register
// (/certificates, wo.read in scope), each with its page
// (/certificates/{id}: the text with the ID number masked, the void form)
// and its print view (POST /certificates/{id}/print with a purpose: the
// full text, for pii.reveal holders; audited). The store decides who may
// do what; the pages only offer the forms that would pass.

// certFields are the fields of the issue form.
var certFields = []string{"purpose", "valid_until", "note", "version"}

// certInput reads the issue form; a date that does not parse is a message
// on the form.
func certInput(p Page, f Form) linli.CertificateInput {
	in := linli.CertificateInput{Purpose: f.Values["purpose"], Note: f.Values["note"], Version: woAtoi(f.Values["version"])}
	if v := f.Values["valid_until"]; v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, shanghai)
		if err != nil {
			f.Errors["valid_until"] = p.T("cert.valid_until.invalid")
		}
		in.ValidUntil = t
	}
	return in
}

// certSection fills the certificate part of an order page: the
// certificate issued for the order, or the preview of the one that would
// be issued and whether the form is offered.
func (s *Server) certSection(r *http.Request, pg *WOOrderPage) error {
	ctx := r.Context()
	a := actor(r)
	c, err := s.st.CertificateOfOrder(ctx, a, pg.O.ID)
	switch {
	case err == nil:
		pg.Cert = &c
		return nil
	case !errors.Is(err, linli.ErrNotFound):
		return err
	}
	if !pg.O.State.Open() || !(a.Can(linli.PermWOIntake) || a.Can(linli.PermWOHandle)) {
		return nil
	}
	f := newForm()
	if pg.Act == "certificate" {
		f = pg.Form
	}
	in := certInput(pg.Page, newForm())
	in.Purpose, in.Note = f.Values["purpose"], f.Values["note"]
	text, err := s.st.CertificatePreview(ctx, a, pg.O.ID, in)
	pg.CertPreview = text
	var ve *linli.ValidationError
	switch {
	case err == nil:
		pg.CertIssue = true
	case errors.As(err, &ve):
		// What the issuer types can be corrected on the form; what the
		// order lacks (a registered requester, an answer the template
		// needs) blocks it.
		pg.CertIssue = true
		for _, fe := range ve.Fields {
			if !slices.Contains(certFields, fe.Field) {
				pg.CertIssue = false
				pg.CertProblems = append(pg.CertProblems, pg.T(fe.Key, fe.Args...))
			}
		}
	case errors.Is(err, linli.ErrConflict):
		var ce *linli.ConflictError
		if errors.As(err, &ce) && ce.Key == "cert.service.none" {
			return nil
		}
		pg.CertProblems = append(pg.CertProblems, pg.T("cert.order.not_now"))
	case errors.Is(err, linli.ErrForbidden), errors.Is(err, linli.ErrNotFound):
		pg.CertProblems = append(pg.CertProblems, pg.T("cert.order.not_yours"))
	default:
		return err
	}
	return nil
}

// certInScope loads the certificate the request's {id} names, if the
// actor may see it (else not found).
func (s *Server) certInScope(r *http.Request) (linli.Certificate, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return linli.Certificate{}, err
	}
	return s.st.Certificate(r.Context(), actor(r), id)
}

// woCertIssue issues the order's certificate and shows it in the
// register; the order page comes back with the messages otherwise.
func (s *Server) woCertIssue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	o, err := s.orderInScope(r)
	if err != nil {
		return err
	}
	p := s.page(r, "wostaff.order.title")
	f := formFrom(r, certFields...)
	in := certInput(p, f)
	if len(f.Errors) > 0 {
		return s.orderPage(w, r, o.ID, "certificate", f, "", http.StatusUnprocessableEntity)
	}
	c, err := s.st.IssueCertificate(ctx, a, o.ID, in)
	var ce *linli.ConflictError
	switch {
	case err == nil:
		return s.redirect(w, r, "/certificates/"+strconv.FormatInt(c.ID, 10), "cert.flash.issued")
	case f.setErrors(p, err):
		return s.orderPage(w, r, o.ID, "certificate", f, "", http.StatusUnprocessableEntity)
	case errors.As(err, &ce):
		return s.orderPage(w, r, o.ID, "", newForm(), p.T(ce.Key, ce.Args...), http.StatusConflict)
	case errors.Is(err, linli.ErrConflict):
		return s.orderPage(w, r, o.ID, "", newForm(), p.T("wostaff.conflict"), http.StatusConflict)
	}
	return err
}

// CertPage is the layout data of the register's pages.
type CertPage struct {
	WOPage
}

// CertSvcName is a certificate's service name in the page's language.
func (p CertPage) CertSvcName(c linli.Certificate) string {
	if p.Lang == "en" && c.ServiceNameEn != "" {
		return c.ServiceNameEn
	}
	return c.ServiceName
}

// Date formats a calendar date ("" for none).
func (p CertPage) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// CertListPage is the register (证明开具登记簿).
type CertListPage struct {
	CertPage
	Certs    []linli.Certificate
	Services []SvcOption
	Form     Form // the filters as given
	Next     string
}

// certPageSize is the register's page.
const certPageSize = 50

func (s *Server) certList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	pg := CertListPage{CertPage: CertPage{WOPage: s.woPage(r, "cert.list.title")}, Form: newForm()}
	q := r.URL.Query()
	for _, k := range []string{"service", "from", "to", "late"} {
		pg.Form.Values[k] = q.Get(k)
	}
	f := store.CertFilter{ServiceCode: q.Get("service"), Late: q.Get("late") == "1", AfterID: woAtoi(q.Get("before")), Limit: certPageSize + 1}
	day := func(k string, next bool) time.Time {
		v := q.Get(k)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, shanghai)
		if err != nil {
			pg.Form.Errors[k] = pg.T("cert.valid_until.invalid")
			return time.Time{}
		}
		if next {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	f.From, f.To = day("from", false), day("to", true)
	status := http.StatusOK
	if len(pg.Form.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		certs, err := s.st.Certificates(ctx, a, f)
		if err != nil {
			return err
		}
		if len(certs) > certPageSize {
			certs = certs[:certPageSize]
			v := url.Values{}
			for k, x := range pg.Form.Values {
				if x != "" {
					v.Set(k, x)
				}
			}
			v.Set("before", strconv.FormatInt(certs[len(certs)-1].ID, 10))
			pg.Next = "/certificates?" + v.Encode()
		}
		pg.Certs = certs
	}
	svcs, err := s.st.Services(ctx, a, store.ServiceFilter{Group: "certificate", IncludePriv: true, IncludeRetire: true})
	if err != nil {
		return err
	}
	for _, sv := range svcs {
		if sv.Certificate {
			pg.Services = append(pg.Services, SvcOption{Code: sv.Code, Name: pg.ServiceLabel(sv), Selected: sv.Code == f.ServiceCode})
		}
	}
	return s.render(w, r, status, "cert_list.html", pg)
}

// CertShowPage is one certificate of the register.
type CertShowPage struct {
	CertPage
	C        linli.Certificate
	CanVoid  bool
	CanPrint bool
	Forms    map[string]Form // "print", "void": a form that came back
	Error    string
}

// Val is a value typed in a form of the page.
func (p CertShowPage) Val(form, field string) string { return p.Forms[form].Values[field] }

// Err is the message of a field of a form of the page.
func (p CertShowPage) Err(form, field string) string { return p.Forms[form].Errors[field] }

// Purposes are the purposes of a reveal, with the one typed selected.
func (p CertShowPage) Purposes() []CodeOption {
	sel := p.Val("print", "purpose")
	out := make([]CodeOption, 0, len(store.RevealPurposes)+1)
	for _, c := range store.RevealPurposes {
		out = append(out, CodeOption{Code: c, Label: p.Purpose(c), Selected: c == sel})
	}
	return append(out, CodeOption{Code: "other", Label: p.T("code.purpose.other"), Selected: sel == "other"})
}

func (s *Server) certShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.certPage(w, r, id, nil, "", http.StatusOK)
}

// certPage renders a certificate; forms holds a form that came back with
// messages, msg a message for the whole page.
func (s *Server) certPage(w http.ResponseWriter, r *http.Request, id int64, forms map[string]Form, msg string, status int) error {
	a := actor(r)
	c, err := s.st.Certificate(r.Context(), a, id)
	if err != nil {
		return err
	}
	pg := CertShowPage{CertPage: CertPage{WOPage: s.woPage(r, "cert.show.title")}, C: c, Forms: forms, Error: msg,
		CanVoid:  !c.Voided() && (a.Can(linli.PermWOIntake) || a.Can(linli.PermWOHandle)),
		CanPrint: !c.Voided() && a.Can(linli.PermPIIReveal)}
	pg.Title = pg.T("cert.show.title_n", c.Number)
	if pg.Forms == nil {
		pg.Forms = map[string]Form{}
	}
	return s.render(w, r, status, "cert_show.html", pg)
}

// CertPrintPage is the print view: the full text, once, for this request.
type CertPrintPage struct {
	CertPage
	C    linli.Certificate
	Text string
}

// certPrint shows the full text to print, after the store has checked
// the permission, the purpose and the budget and audited it. It is the
// answer to the POST itself (no-store), never a page of its own.
func (s *Server) certPrint(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	c, err := s.certInScope(r)
	if err != nil {
		return err
	}
	p := s.page(r, "cert.show.title")
	f := formFrom(r, "purpose", "purpose_text")
	purpose := f.Values["purpose"]
	if purpose == "other" {
		purpose = store.RevealOtherPrefix + f.Values["purpose_text"]
	}
	w.Header().Set("Cache-Control", "no-store")
	text, err := s.st.CertificateText(ctx, a, c.ID, purpose)
	var ce *linli.ConflictError
	switch {
	case err == nil:
		pg := CertPrintPage{CertPage: CertPage{WOPage: s.woPage(r, "cert.print.title")}, C: c, Text: text}
		pg.Title = pg.T("cert.print.title_n", c.Number)
		return s.render(w, r, http.StatusOK, "cert_print.html", pg)
	case f.setErrors(p, err):
		return s.certPage(w, r, c.ID, map[string]Form{"print": f}, "", http.StatusUnprocessableEntity)
	case errors.As(err, &ce):
		status := http.StatusConflict
		if ce.Key == "reveal.budget_exceeded" {
			status = http.StatusTooManyRequests
		}
		return s.certPage(w, r, c.ID, nil, p.T(ce.Key, ce.Args...), status)
	}
	return err
}

// certVoid declares a certificate void, with a reason.
func (s *Server) certVoid(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	c, err := s.certInScope(r)
	if err != nil {
		return err
	}
	p := s.page(r, "cert.show.title")
	f := formFrom(r, "reason")
	_, err = s.st.VoidCertificate(ctx, a, c.ID, f.Values["reason"])
	var ce *linli.ConflictError
	switch {
	case err == nil:
		return s.redirect(w, r, "/certificates/"+strconv.FormatInt(c.ID, 10), "cert.flash.voided")
	case f.setErrors(p, err):
		return s.certPage(w, r, c.ID, map[string]Form{"void": f}, "", http.StatusUnprocessableEntity)
	case errors.As(err, &ce):
		return s.certPage(w, r, c.ID, nil, p.T(ce.Key, ce.Args...), http.StatusConflict)
	}
	return err
}
