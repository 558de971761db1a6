package open311

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/attach"
	"github.com/linli-org/linli/internal/store"
)

// Photos (media). GeoReport v2 knows only media_url, the URL of a picture
// somewhere else; the common extension (Bloomington, Helsinki; FixMyStreet
// with always_upload_photos) uploads the picture itself as a file part
// named media of a multipart/form-data POST. We take that: one photo per
// request, checked and re-encoded by internal/attach like the web form's
// (so EXIF and its GPS position are gone), and stored with the order in the
// order's own transaction: a refused request leaves no photo behind.
//
// A media_url sent in a POST is ignored: we never fetch a URL a client
// names (the server would reach whatever host it was told to), and we do
// not copy it into the description either, where staff, or the public for
// a request about public space, would see a link to an unknown host.
//
// Photos are never public: they may show faces, homes and number plates,
// and nobody reviews them before publication. A request's media_url is
// the absolute URL of its first photo, GET media/{name}, only on answers
// to a GET that presents an api_key whose token may read that request (a
// request of the public catalogue in the token's scope); fetching it needs
// the key again, with the same rule. To anyone else media_url is null.

// mediaPrefix starts the path of a photo under Prefix. A photo is served
// as itself, so its path has no format suffix.
const mediaPrefix = "media/"

// bodyLimit is the largest body of a POST: a multipart form may carry one
// photo.
func bodyLimit(r *http.Request) int64 {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return attach.MaxUploadBody
	}
	return maxBody
}

// mediaFile is the photo part of a multipart POST: nil when there is none
// (or only an empty file input); more than one is an error.
func mediaFile(r *http.Request) (*multipart.FileHeader, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var files []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File["media"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // a file input left empty
		}
		files = append(files, fh)
	}
	switch len(files) {
	case 0:
		return nil, nil
	case 1:
		return files[0], nil
	}
	return nil, badRequest("open311.media.one")
}

// photo cleans the uploaded media file for the store; a file that is not
// a photo we take is a 400 that says why.
func (s *server) photo(ctx context.Context, c *call, fh *multipart.FileHeader) (store.Attachment, error) {
	f, err := fh.Open()
	if err != nil {
		return store.Attachment{}, err
	}
	defer f.Close()
	img, err := s.clean(ctx, f)
	var ae *attach.Error
	if errors.As(err, &ae) {
		return store.Attachment{}, badRequest("open311.media.refused", c.p.T(ae.Key, ae.Args...))
	}
	if err != nil {
		return store.Attachment{}, err
	}
	return store.Attachment{ContentType: img.ContentType, Width: img.Width, Height: img.Height, Data: img.Data}, nil
}

// clean checks and re-encodes a photo; at most a few are decoded at once,
// since a large one takes a few hundred megabytes.
func (s *server) clean(ctx context.Context, f io.Reader) (attach.Image, error) {
	select {
	case s.photoSlots <- struct{}{}:
	case <-ctx.Done():
		return attach.Image{}, ctx.Err()
	}
	defer func() { <-s.photoSlots }()
	return attach.Process(f)
}

// mediaURL is the absolute URL of a photo.
func (s *server) mediaURL(r *http.Request, name string) string {
	return s.endpointURL(r) + "/" + mediaPrefix + name
}

// media is GET media/{name}: the photo, to a presented api_key whose token
// may read its request (see above); no key, or one that is not valid, is
// 403; anything else 404. The headers are those of every route that serves
// a photo (attach.Serve).
func (s *server) media(w http.ResponseWriter, r *http.Request, name string) error {
	ctx := r.Context()
	a, present, err := s.keyActor(ctx, r)
	switch {
	case !present, errors.Is(err, linli.ErrUnauthorized):
		return errMediaKey
	case err != nil:
		return err
	}
	x, err := s.st.Open311Attachment(ctx, a, name)
	if errors.Is(err, linli.ErrNotFound) {
		return errNoMedia
	}
	if err != nil {
		return err
	}
	return attach.Serve(w, r, x.Name, x.ContentType, x.Data)
}

// isMedia reports whether rest (the path under Prefix) names a photo, and
// which.
func isMedia(rest string) (string, bool) {
	name, ok := strings.CutPrefix(rest, mediaPrefix)
	return name, ok && name != "" && !strings.Contains(name, "/")
}
