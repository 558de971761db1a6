package web

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

const (
	auditPerPage   = 50
	auditExportMax = 100000
	auditBatch     = 1000 // the store's largest page
)

// AuditPage is the audit search: filters, results newest first, and a
// link to older records.
type AuditPage struct {
	Page
	Form      Form
	Events    []linli.AuditEvent
	Searched  bool
	Older     string
	ExportURL string
}

// auditQuery reads the filters of the search and the export. Dates are
// calendar days in Asia/Shanghai; "to" includes its whole day.
func auditQuery(r *http.Request, p Page) (linli.AuditQuery, Form) {
	q := r.URL.Query()
	f := newForm()
	for _, k := range []string{"actor", "action", "object_type", "object_id", "from", "to"} {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	aq := linli.AuditQuery{Actor: f.Values["actor"], Action: f.Values["action"], ObjectType: f.Values["object_type"], ObjectID: f.Values["object_id"]}
	if v := f.Values["from"]; v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, shanghai)
		if err != nil {
			f.Errors["from"] = p.T("audit.date.invalid")
		} else {
			aq.From = t
		}
	}
	if v := f.Values["to"]; v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, shanghai)
		if err != nil {
			f.Errors["to"] = p.T("audit.date.invalid")
		} else {
			aq.To = t.AddDate(0, 0, 1)
		}
	}
	if !aq.From.IsZero() && !aq.To.IsZero() && !aq.From.Before(aq.To) {
		f.Errors["to"] = p.T("audit.date.order")
	}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		aq.BeforeSeq = b
	}
	return aq, f
}

// filterValues is the query string of the filters (without the cursor).
func filterValues(f Form) url.Values {
	v := url.Values{}
	for _, k := range []string{"actor", "action", "object_type", "object_id", "from", "to"} {
		if f.Values[k] != "" {
			v.Set(k, f.Values[k])
		}
	}
	return v
}

func (s *Server) auditSearch(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	p := s.page(r, "audit.title")
	aq, f := auditQuery(r, p)
	pg := AuditPage{Page: p, Form: f}
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "audit.html", pg)
	}
	aq.Limit = auditPerPage
	evs, err := s.st.SearchAudit(r.Context(), a, aq)
	if err != nil {
		return err
	}
	pg.Events, pg.Searched = evs, true
	v := filterValues(f)
	if a.Can(linli.PermAuditExport) {
		pg.ExportURL = "/audit/export"
		if len(v) > 0 {
			pg.ExportURL += "?" + v.Encode()
		}
	}
	if len(evs) == auditPerPage {
		v.Set("before", strconv.FormatInt(evs[len(evs)-1].Seq, 10))
		pg.Older = "/audit?" + v.Encode()
	}
	return s.render(w, r, http.StatusOK, "audit.html", pg)
}

// auditExport sends the records matching the filters (newest first, at
// most auditExportMax) as CSV. The export is itself audited, with its row
// count, before any byte is sent.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "audit.title")
	aq, f := auditQuery(r, p)
	if len(f.Errors) > 0 {
		return linli.ErrInvalid // the search page explains the dates
	}
	var evs []linli.AuditEvent
	for len(evs) < auditExportMax {
		aq.Limit = min(auditBatch, auditExportMax-len(evs))
		batch, err := s.st.SearchAudit(ctx, a, aq)
		if err != nil {
			return err
		}
		evs = append(evs, batch...)
		if len(batch) < aq.Limit {
			break
		}
		aq.BeforeSeq = batch[len(batch)-1].Seq
	}
	if err := s.st.AuditActor(ctx, a, "audit.export", "audit", "", 0, "rows="+strconv.Itoa(len(evs))); err != nil {
		return err
	}
	name := "audit-" + s.st.Now().In(shanghai).Format("20060102-150405") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	bw := bufio.NewWriterSize(w, 64<<10)
	// A BOM, so that Excel reads the file as UTF-8. Write errors mean the
	// client went away: there is nobody left to tell.
	_, _ = bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	_ = cw.Write([]string{p.T("audit.col.seq"), p.T("audit.col.time"), p.T("audit.col.actor"), p.T("audit.col.role"),
		p.T("audit.col.action"), p.T("audit.col.object_type"), p.T("audit.col.object_id"), p.T("audit.col.area"),
		p.T("audit.col.outcome"), p.T("audit.col.ip"), p.T("audit.col.request_id"), p.T("audit.col.purpose"),
		p.T("audit.col.detail"), p.T("audit.col.hash")})
	for _, e := range evs {
		area := ""
		if e.AreaID != 0 {
			area = strconv.FormatInt(e.AreaID, 10)
		}
		_ = cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.Time.In(shanghai).Format("2006-01-02 15:04:05.000000"),
			cell(e.ActorName), cell(e.Role), cell(e.Action), cell(e.ObjectType), cell(e.ObjectID), area,
			cell(e.Outcome), cell(e.ClientIP), cell(e.RequestID), cell(e.Purpose), cell(e.Detail), e.Hash})
	}
	cw.Flush()
	_ = bw.Flush()
	return nil
}

// cell defuses a value a spreadsheet would run as a formula.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
