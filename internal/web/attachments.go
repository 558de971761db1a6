package web

import (
	"net/http"
	"strconv"

	"github.com/linli-org/linli"
)

// attachmentShow serves a photo of a work order to those who may see the
// order (and to its uploader until the order is created): everyone else
// gets the same 404 as for a name that does not exist. The bytes are the
// re-encoded image internal/attach produced; the headers make sure a
// browser never treats them as anything but an image: the stored type
// with nosniff, a sandbox CSP that runs nothing even if the file is opened
// as a page, an inline disposition with a file name we made.
func (s *Server) attachmentShow(w http.ResponseWriter, r *http.Request) error {
	x, err := s.st.Attachment(r.Context(), actor(r), r.PathValue("name"))
	if err != nil {
		return err
	}
	ctype := x.ContentType
	if ctype != "image/jpeg" && ctype != "image/png" {
		return linli.ErrNotFound // nothing else is ever stored
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", `inline; filename="`+x.Name+x.Ext()+`"`)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Length", strconv.Itoa(len(x.Data)))
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write(x.Data)
	return err
}
