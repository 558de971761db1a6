package web

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Person export: GET /persons/export?format=xlsx|csv with the filters of
// the person search (q, area, tag, age_min, age_max, reg_type, status).
// Masked by default; unmasked=1 needs data.export and pii.reveal (else
// the page does not exist: 404). Every export is audited ("person.export",
// "rows=N masked|unmasked") before the file leaves the server: a small one
// is written to a temporary file, audited, then sent; one of more than
// store.ExportThreshold rows runs as a background job with a progress page
// (/exports/{job}) and is audited when its file is stored.

// ExportJobPage is the progress of an export job.
type ExportJobPage struct {
	Page
	Job     store.Job
	Refresh bool
	Error   string
}

// exportRequest reads the export's parameters.
func (s *Server) exportRequest(r *http.Request, p Page) store.ExportRequest {
	v := r.URL.Query()
	atoi := func(k string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(v.Get(k)))
		return max(n, 0)
	}
	area, _ := strconv.ParseInt(strings.TrimSpace(v.Get("area")), 10, 64)
	req := store.ExportRequest{
		Query: linli.PersonQuery{Text: strings.TrimSpace(v.Get("q")), AreaID: max(area, 0), TagCode: strings.TrimSpace(v.Get("tag")),
			AgeMin: atoi("age_min"), AgeMax: atoi("age_max"), RegType: strings.TrimSpace(v.Get("reg_type")), Status: strings.TrimSpace(v.Get("status"))},
		Format:   store.FormatXLSX,
		Unmasked: v.Get("unmasked") == "1",
		Statuses: map[string]string{linli.StatusLiving: p.T("export.status.living"), linli.StatusMovedOut: p.T("export.status.moved_out"),
			linli.StatusDeceased: p.T("export.status.deceased")},
	}
	if v.Get("format") == store.FormatCSV {
		req.Format = store.FormatCSV
	}
	for _, c := range store.ExportColumns {
		req.Header = append(req.Header, importFieldLabel(p, c))
	}
	return req
}

func exportContentType(format string) string {
	if format == store.FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

func (s *Server) personExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "export.title")
	req := s.exportRequest(r, p)
	if err := store.CanExport(a, req.Unmasked); err != nil {
		return err
	}
	n, err := s.st.CountForExport(ctx, a, req.Query, store.ExportThreshold)
	if err != nil {
		return err
	}
	if n > store.ExportThreshold {
		j, err := s.st.StartPersonExport(ctx, a, req)
		if err != nil {
			return err
		}
		return s.redirect(w, r, "/exports/"+strconv.FormatInt(j.ID, 10), "export.started")
	}
	tmp, err := os.CreateTemp("", "linli-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	rows, err := s.st.WritePersonExport(ctx, a, req, tmp, nil)
	if err != nil {
		return err
	}
	if err := s.st.AuditExport(ctx, a, rows, req.Unmasked); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w.Header().Set("Content-Type", exportContentType(req.Format))
	w.Header().Set("Content-Disposition", attachment("persons."+req.Format))
	_, err = io.Copy(w, tmp)
	return err
}

// exportJob loads an export job of the actor from the path.
func (s *Server) exportJob(r *http.Request) (store.Job, store.ExportRequest, error) {
	id, err := pathID(r, "job")
	if err != nil {
		return store.Job{}, store.ExportRequest{}, err
	}
	return s.st.ExportParams(r.Context(), actor(r), id)
}

func (s *Server) personExportJob(w http.ResponseWriter, r *http.Request) error {
	j, _, err := s.exportJob(r)
	if err != nil {
		return err
	}
	p := s.page(r, "export.title")
	pg := ExportJobPage{Page: p, Job: j, Refresh: !j.Finished()}
	if j.State == store.JobFailed {
		pg.Error = p.T(j.Error)
	}
	return s.render(w, r, http.StatusOK, "export_job.html", pg)
}

func (s *Server) personExportFile(w http.ResponseWriter, r *http.Request) error {
	j, req, err := s.exportJob(r)
	if err != nil {
		return err
	}
	if j.State != store.JobDone {
		return linli.ErrNotFound
	}
	w.Header().Set("Content-Type", exportContentType(req.Format))
	w.Header().Set("Content-Disposition", attachment("persons-"+strconv.FormatInt(j.ID, 10)+"."+req.Format))
	return s.st.JobResult(r.Context(), actor(r), j.ID, w)
}
