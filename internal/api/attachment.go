package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/attach"
)

// Photos of work orders (附件): uploaded first, one per request, then named
// in the attachments of POST /api/v1/work-orders, which links them to the
// new order. A file is trusted for nothing: internal/attach sniffs its
// real type, refuses anything but a JPEG, PNG or GIF photo (a web page or
// an SVG disguised as one included) and re-encodes it, so EXIF and its GPS
// position are gone. Who may read a photo is the store's rule, the same as
// the web interface's: those who may see its order, and its uploader
// until it is linked; everyone else gets 404. An upload that no order took
// is deleted after a day.

// attachmentJSON is a stored photo.
type attachmentJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	URL         string `json:"url"`
}

// uploadField is the multipart part that holds the file.
const uploadField = "file"

var (
	errUploadTooLarge = &requestError{kind{http.StatusRequestEntityTooLarge, "too-large", "Content too large",
		fmt.Sprintf("A photo may be at most %d MiB (the request body at most %d bytes).", attach.MaxBytes>>20, attach.MaxUploadBody)}}
	errUploadMediaType = &requestError{kind{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
		"Send the photo as multipart/form-data, in one part named file."}}
)

func attachmentLocation(name string) string { return "/api/v1/attachments/" + name }

// uploadAttachment is POST /api/v1/attachments: one photo in the
// multipart part "file", read as a stream (nothing goes to a temporary
// file), cleaned and stored. A file that is not a photo is 422 with a
// field error on file and nothing is stored; one over attach.MaxBytes is
// 413.
func (s *server) uploadAttachment(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	// The store decides too; asking first spares decoding a photo for
	// someone who may not store it.
	if !a.Can(linli.PermSelfService) && !a.Can(linli.PermWOIntake) {
		return linli.ErrForbidden
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return errUploadMediaType
	}
	if r.ContentLength > attach.MaxUploadBody {
		return errUploadTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, attach.MaxUploadBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return uploadError(err)
	}
	var data []byte
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		if part.FormName() != uploadField {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return uploadError(err)
			}
			continue
		}
		if found {
			return linli.Invalid(uploadField, "api.file.one")
		}
		found = true
		if data, err = io.ReadAll(io.LimitReader(part, attach.MaxBytes+1)); err != nil {
			return uploadError(err)
		}
	}
	if !found {
		return linli.Invalid(uploadField, "field.required")
	}
	img, err := s.cleanPhoto(r, data)
	var ae *attach.Error
	switch {
	case errors.As(err, &ae) && ae.Key == "wo.attachment.too_large":
		return errUploadTooLarge
	case errors.As(err, &ae):
		return linli.Invalid(uploadField, ae.Key, ae.Args...)
	case err != nil:
		return err
	}
	x, err := s.st.SaveAttachment(r.Context(), a, img.ContentType, img.Width, img.Height, img.Data)
	if err != nil {
		return renameFields(err, map[string]string{"attachments": uploadField})
	}
	w.Header().Set("Location", attachmentLocation(x.Name))
	return writeJSON(w, http.StatusCreated, attachmentJSON{Name: x.Name, ContentType: x.ContentType, Size: x.Size,
		Width: x.Width, Height: x.Height, URL: attachmentLocation(x.Name)})
}

// uploadError is the problem of a multipart body that could not be read.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errUploadTooLarge
	}
	return badRequest("The body is not a valid multipart/form-data form.")
}

// cleanPhoto checks and re-encodes a file; at most a few run at once, since
// a large photo takes a few hundred megabytes to decode.
func (s *server) cleanPhoto(r *http.Request, data []byte) (attach.Image, error) {
	select {
	case s.photoSlots <- struct{}{}:
	case <-r.Context().Done():
		return attach.Image{}, r.Context().Err()
	}
	defer func() { <-s.photoSlots }()
	return attach.ProcessBytes(data)
}

// getAttachment is GET /api/v1/attachments/{name}: the photo's bytes, with
// the headers of every route that serves a photo (attach.Serve).
func (s *server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	x, err := s.st.Attachment(r.Context(), actorOf(r), r.PathValue("name"))
	if err != nil {
		return err
	}
	return attach.Serve(w, r, x.Name, x.ContentType, x.Data)
}
