package attach

import (
	"net/http"
	"strconv"

	"github.com/linli-org/linli"
)

// MaxUploadBody is the largest request body that carries one photo: the
// file and a few form fields (the API's upload, an Open311 request with
// its media).
const MaxUploadBody = MaxBytes + 1<<20

// Serve writes a stored photo as the response: the bytes Process made,
// under the name the store gave them. Every route that serves a photo
// (the web interface, the JSON API, Open311's media) answers through
// here, after its own access check, so that they all send the same
// headers: the stored type with nosniff, a sandbox CSP that runs nothing
// even if the file is opened as a page, an inline disposition with a file
// name we made (never the uploader's), same-origin resource policy and
// private caching. Only TypeJPEG and TypePNG are ever stored; anything
// else is linli.ErrNotFound.
func Serve(w http.ResponseWriter, r *http.Request, name, contentType string, data []byte) error {
	ext := ".jpg"
	switch contentType {
	case TypeJPEG:
	case TypePNG:
		ext = ".png"
	default:
		return linli.ErrNotFound
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", `inline; filename="`+name+ext+`"`)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method == http.MethodHead {
		return nil
	}
	// A failed write means the client has gone; there is no one to tell.
	_, _ = w.Write(data)
	return nil
}
