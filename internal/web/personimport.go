package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// Person import: upload (stored as a draft job) → preview of the first
// rows with the column mapping → queued job → progress page that reloads
// itself with <meta http-equiv="refresh"> (no script) → error report as
// XLSX. Jobs are the creator's only: anyone else gets not-found. Job pages
// live under /imports/{job}, not /persons/import/{job}, so that they never
// collide with the person pages' /persons/{id}/… patterns in the mux.

// importUploadLimit is the largest upload the web accepts: the request
// body limit that Server.handle gives every ".../import" route. A larger
// body is refused with 413 and the specific import.too_large message
// before it reaches the handler. The store's own limit is
// store.MaxImportBytes.
const importUploadLimit = store.MaxImportBytes + 1<<20 // room for the multipart envelope

// ImportUploadPage is the upload form.
type ImportUploadPage struct {
	Page
	Form    Form
	MaxMB   int
	Columns []ImportColumn
}

// ImportColumn is one importable field with its accepted header names.
type ImportColumn struct {
	Field, Label string
}

// ImportJobPage is a draft's preview and mapping, or a job's progress.
type ImportJobPage struct {
	Page
	Job     store.Job
	Preview store.ImportPreview
	Columns []ImportColumn // the mapping choices
	Form    Form
	Refresh bool
	Error   string // why a failed job failed
}

// importFieldLabel names a field (literal keys for the catalog test).
func importFieldLabel(p Page, f string) string {
	switch f {
	case "name":
		return p.T("import.field.name")
	case "gender":
		return p.T("import.field.gender")
	case "birth_date":
		return p.T("import.field.birth_date")
	case "id_type":
		return p.T("import.field.id_type")
	case "id_number":
		return p.T("import.field.id_number")
	case "phones":
		return p.T("import.field.phones")
	case "ethnicity":
		return p.T("import.field.ethnicity")
	case "education":
		return p.T("import.field.education")
	case "employment":
		return p.T("import.field.employment")
	case "political":
		return p.T("import.field.political")
	case "reg_type":
		return p.T("import.field.reg_type")
	case "grid":
		return p.T("import.field.grid")
	case "room":
		return p.T("import.field.room")
	case "address":
		return p.T("import.field.address")
	case "status":
		return p.T("import.field.status")
	}
	return f
}

func personImportColumns(p Page) []ImportColumn {
	out := make([]ImportColumn, 0, len(store.ImportFields))
	for _, f := range store.ImportFields {
		out = append(out, ImportColumn{Field: f, Label: importFieldLabel(p, f)})
	}
	return out
}

func (s *Server) personImportForm(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "import.title")
	return s.render(w, r, http.StatusOK, "import_upload.html", ImportUploadPage{Page: p, Form: newForm(), MaxMB: importUploadLimit >> 20, Columns: personImportColumns(p)})
}

// personImportUpload stores the file as a draft and shows its preview.
func (s *Server) personImportUpload(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "import.title")
	pg := ImportUploadPage{Page: p, Form: newForm(), MaxMB: importUploadLimit >> 20, Columns: personImportColumns(p)}
	again := func(key string, args ...any) error {
		pg.Form.Errors["file"] = p.T(key, args...)
		return s.render(w, r, http.StatusUnprocessableEntity, "import_upload.html", pg)
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return again("import.no_file")
	}
	defer file.Close()
	if hdr.Size > store.MaxImportBytes {
		return tooLarge(s, w, r, p)
	}
	j, _, err := s.st.UploadPersonImport(r.Context(), actor(r), hdr.Filename, file)
	var je *store.JobError
	if errors.As(err, &je) {
		if je.Key == "import.too_large" {
			return tooLarge(s, w, r, p)
		}
		return again(je.Key, je.Args...)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/imports/"+strconv.FormatInt(j.ID, 10), "")
}

// tooLarge is the 413 page with the import's own limit.
func tooLarge(s *Server, w http.ResponseWriter, r *http.Request, p Page) error {
	return s.render(w, r, http.StatusRequestEntityTooLarge, "error.html",
		ErrorPage{Page: s.page(r, "error.title"), Status: http.StatusRequestEntityTooLarge, Message: p.T("import.too_large", store.MaxImportBytes>>20)})
}

// importJob loads an import job of the actor from the path.
func (s *Server) importJob(r *http.Request) (store.Job, error) {
	id, err := pathID(r, "job")
	if err != nil {
		return store.Job{}, err
	}
	j, err := s.st.JobFor(r.Context(), actor(r), id)
	if err != nil {
		return j, err
	}
	if j.Kind != store.JobPersonImport {
		return j, linli.ErrNotFound
	}
	return j, nil
}

// personImportJob shows a draft's preview and mapping, or the progress.
func (s *Server) personImportJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	return s.importJobPage(w, r, j, newForm(), nil, http.StatusOK)
}

func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request, j store.Job, f Form, mapping []string, status int) error {
	p := s.page(r, "import.title")
	pg := ImportJobPage{Page: p, Job: j, Form: f, Columns: personImportColumns(p)}
	if j.State == store.JobDraft {
		pv, err := s.st.PersonImportPreview(r.Context(), actor(r), j.ID)
		var je *store.JobError
		if errors.As(err, &je) {
			pg.Error = p.T(je.Key, je.Args...)
		} else if err != nil {
			return err
		}
		if mapping != nil && len(mapping) == len(pv.Mapping) {
			pv.Mapping = mapping
		}
		pg.Preview = pv
	}
	pg.Refresh = j.State == store.JobQueued || j.State == store.JobRunning
	if j.State == store.JobFailed {
		pg.Error = p.T(j.Error)
	}
	return s.render(w, r, status, "import_job.html", pg)
}

// personImportStart queues a draft with the mapping chosen on its page.
func (s *Server) personImportStart(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	mapping := r.PostForm["map"]
	err = s.st.StartPersonImport(r.Context(), actor(r), j.ID, mapping)
	p := s.page(r, "import.title")
	f := newForm()
	if f.setErrors(p, err) {
		return s.importJobPage(w, r, j, f, mapping, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/imports/"+strconv.FormatInt(j.ID, 10), "import.started")
}

// personImportErrors sends the error report: the original header and rows
// of the failed lines, their row numbers and one column of messages.
func (s *Server) personImportErrors(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	if !j.Finished() {
		return linli.ErrNotFound
	}
	p := s.page(r, "import.title")
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	row, width := 1, 0
	err = s.st.PersonImportErrors(r.Context(), actor(r), j.ID, func(header []string) error {
		width = len(header)
		head := []any{p.T("import.report.row")}
		for _, h := range header {
			head = append(head, h)
		}
		head = append(head, p.T("import.report.error"))
		return sw.SetRow("A1", head)
	}, func(e store.ImportRowError) error {
		row++
		msgs := make([]string, 0, len(e.Problems))
		for _, pr := range e.Problems {
			msgs = append(msgs, p.T(pr.Key, pr.Args...))
		}
		// Row number, the cells under their header, the messages, then
		// any cells beyond the header.
		vals := []any{e.Row}
		for i := 0; i < width; i++ {
			v := ""
			if i < len(e.Cells) {
				v = e.Cells[i]
			}
			vals = append(vals, v)
		}
		vals = append(vals, strings.Join(msgs, "；"))
		for i := width; i < len(e.Cells); i++ {
			vals = append(vals, e.Cells[i])
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment("import-errors-"+strconv.FormatInt(j.ID, 10)+".xlsx"))
	return f.Write(w)
}

// attachment is a Content-Disposition for a download named name.
func attachment(name string) string {
	return `attachment; filename="` + name + `"; filename*=UTF-8''` + url.PathEscape(name)
}
