package web

import (
	"net/http"

	"github.com/linli-org/linli/internal/attach"
)

// attachmentShow serves a photo of a work order to those who may see the
// order (and to its uploader until the order is created): everyone else
// gets the same 404 as for a name that does not exist. The bytes are the
// re-encoded image internal/attach produced; attach.Serve sets the
// headers that make sure a browser never treats them as anything but an
// image (the API and Open311 serve photos through it too).
func (s *Server) attachmentShow(w http.ResponseWriter, r *http.Request) error {
	x, err := s.st.Attachment(r.Context(), actor(r), r.PathValue("name"))
	if err != nil {
		return err
	}
	return attach.Serve(w, r, x.Name, x.ContentType, x.Data)
}

// mountedUploads are the requests to the mounted handlers (the JSON API,
// Open311) that carry a photo, by method and path: their body limit is
// attach.MaxUploadBody rather than Options.MaxBody. Each handler checks
// its own, smaller limits too.
var mountedUploads = map[string]bool{
	"POST /api/v1/attachments":       true,
	"POST /open311/v2/requests.json": true,
	"POST /open311/v2/requests.xml":  true,
}

// mountedLimit is the body limit of a request to a mounted handler.
func (s *Server) mountedLimit(r *http.Request) int64 {
	if mountedUploads[r.Method+" "+r.URL.Path] {
		return max(attach.MaxUploadBody, s.opt.MaxBody)
	}
	return s.opt.MaxBody
}
