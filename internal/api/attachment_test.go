package api

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/attach"
)

// pngPhoto is a small opaque PNG made here (re-encoded, it becomes a JPEG).
func pngPhoto(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type filePart struct {
	field, name string
	data        []byte
}

// upload posts a multipart form to POST /api/v1/attachments.
func (f *fixture) upload(t *testing.T, a *linli.Actor, parts ...filePart) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		w, err := mw.CreateFormFile(p.field, p.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/attachments", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return serve(f.h, a, r)
}

// storedPhotos counts every stored photo, linked or not.
func (f *fixture) storedPhotos(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM wo_attachments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// mustResidentActor creates a resident account and returns its actor.
func (f *fixture) mustResidentActor(t *testing.T, name string) *linli.Actor {
	t.Helper()
	u, err := f.st.CreateUser(context.Background(), linli.ConsoleActor(), linli.UserInput{Username: name, DisplayName: "王大爷",
		Roles: []linli.Role{linli.RoleResident}}, "sealed-hash")
	if err != nil {
		t.Fatal(err)
	}
	return actorOn(u.ID, name, []linli.Role{linli.RoleResident})
}

// A resident uploads a photo, reads it back, names it in a new order;
// then staff of the order's community see it and nobody else does.
func TestAttachmentUploadAndOrder(t *testing.T) {
	w := newWOFixture(t)
	wang, li := w.mustResidentActor(t, "wang.daye"), w.mustResidentActor(t, "li.dama")

	rec := w.upload(t, wang, filePart{"file", "IMG_0001.png", pngPhoto(t, 40, 30)})
	x := mustJSON[attachmentJSON](t, rec, http.StatusCreated)
	if len(x.Name) != 32 || x.ContentType != "image/jpeg" || x.Width != 40 || x.Height != 30 || x.Size == 0 ||
		x.URL != "/api/v1/attachments/"+x.Name || rec.Header().Get("Location") != x.URL {
		t.Fatalf("upload = %+v, Location %q", x, rec.Header().Get("Location"))
	}
	check := func(who *linli.Actor, want int) {
		t.Helper()
		rec := w.get(who, x.URL)
		if want == http.StatusNotFound {
			mustProblem(t, rec, http.StatusNotFound)
			return
		}
		h := rec.Header()
		if rec.Code != want || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || h.Get("Content-Disposition") != `inline; filename="`+x.Name+`.jpg"` ||
			!strings.HasPrefix(h.Get("Cache-Control"), "private") || !bytes.HasPrefix(rec.Body.Bytes(), []byte{0xFF, 0xD8, 0xFF}) ||
			rec.Body.Len() != x.Size {
			t.Fatalf("GET %s as %s = %d %v", x.URL, who.Username, rec.Code, h)
		}
	}
	// Before the order: the uploader only.
	check(wang, http.StatusOK)
	check(li, http.StatusNotFound)
	check(w.clerk, http.StatusNotFound)

	order := w.order()
	delete(order, "contact")
	order["attachments"] = []string{x.Name}
	o := mustJSON[workOrderJSON](t, w.create(t, wang, order, ""), http.StatusCreated)
	if o.Channel != linli.ChannelWeb {
		t.Fatalf("order = %+v", o)
	}
	list, err := w.st.Attachments(context.Background(), *wang, o.ID)
	if err != nil || len(list) != 1 || list[0].Name != x.Name {
		t.Fatalf("photos of the order = %+v, %v", list, err)
	}
	// After: the requester and community A's staff; not another resident,
	// not community B's staff.
	check(wang, http.StatusOK)
	check(w.clerk, http.StatusOK)
	check(li, http.StatusNotFound)
	check(w.clerkB, http.StatusNotFound)
	// A photo on an order is not linked again.
	order["attachments"] = []string{x.Name}
	p := mustProblem(t, w.create(t, wang, order, ""), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "attachments" || p.Errors[0].Code != "wo.attachment.unknown" {
		t.Fatalf("linking twice = %+v", p)
	}
}

// Anything that is not a photo is refused with a field error on file, and
// nothing is stored.
func TestAttachmentUploadRefusals(t *testing.T) {
	w := newWOFixture(t)
	wang := w.mustResidentActor(t, "wang.daye")
	photo := pngPhoto(t, 8, 8)
	for _, tc := range []struct {
		name  string
		parts []filePart
		code  string
	}{
		{"HTML named as a photo", []filePart{{"file", "photo.jpg", []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")}}, "wo.attachment.html"},
		{"SVG with a script", []filePart{{"file", "photo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}}, "wo.attachment.html"},
		{"a PDF", []filePart{{"file", "photo.jpg", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")}}, "wo.attachment.not_image"},
		{"a JPEG header and nothing else", []filePart{{"file", "photo.jpg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16}}}, "wo.attachment.broken"},
		{"an empty file", []filePart{{"file", "photo.jpg", nil}}, "wo.attachment.empty"},
		{"no file part", []filePart{{"photo", "photo.png", photo}}, "field.required"},
		{"two files", []filePart{{"file", "a.png", photo}, {"file", "b.png", photo}}, "api.file.one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProblem(t, w.upload(t, wang, tc.parts...), http.StatusUnprocessableEntity)
			if len(p.Errors) != 1 || p.Errors[0].Field != "file" || p.Errors[0].Code != tc.code || p.Errors[0].Message == tc.code {
				t.Fatalf("problem = %+v, want a field error %s on file", p, tc.code)
			}
		})
	}
	// Too large: 413, before anything is decoded.
	big := append(pngPhoto(t, 8, 8), make([]byte, attach.MaxBytes)...)
	if p := mustProblem(t, w.upload(t, wang, filePart{"file", "big.png", big}), http.StatusRequestEntityTooLarge); p.Type != problemTypePrefix+"too-large" {
		t.Fatalf("too large = %+v", p)
	}
	// Not multipart: 415; a role that takes no requests: 403.
	mustProblem(t, w.send(t, wang, http.MethodPost, "/api/v1/attachments", `{"file":"x"}`), http.StatusUnsupportedMediaType)
	mustProblem(t, w.upload(t, w.unitStaff, filePart{"file", "a.png", photo}), http.StatusForbidden)
	mustProblem(t, w.upload(t, nil, filePart{"file", "a.png", photo}), http.StatusUnauthorized)
	if n := w.storedPhotos(t); n != 0 {
		t.Fatalf("%d photos stored by refused uploads, want 0", n)
	}
	// A name that is not one of ours.
	mustProblem(t, w.get(wang, "/api/v1/attachments/..%2F..%2Fetc%2Fpasswd"), http.StatusNotFound)
}
