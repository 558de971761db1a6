// Package attach checks and cleans the photos attached to work orders.
//
// A photo is trusted for nothing: its real type is sniffed from its bytes
// (never the file name or the declared Content-Type), only JPEG, PNG and
// GIF are taken, its dimensions are read from the header and refused above
// a pixel budget before anything is decoded (a small file can declare a
// huge image: a decompression bomb), and it is decoded and encoded again.
// Re-encoding keeps the pixels and nothing else: EXIF (with its GPS
// position, camera serial and time), comments, ICC profiles and anything
// smuggled after the image data are gone. The EXIF orientation is applied
// first, so a phone photo taken upright stays upright.
//
// Large photos are scaled down to MaxSide on the long side with an area
// (box) filter; the result is a JPEG, or a PNG when the picture has
// transparent pixels. Only the standard library's codecs are used.
package attach

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
)

// Limits.
const (
	MaxBytes    = 8 << 20    // per file, as uploaded
	MaxFiles    = 6          // per work order
	MaxPixels   = 40_000_000 // width × height declared by the header
	MaxSide     = 2048       // the long side after scaling
	JPEGQuality = 85
)

// Content types of cleaned images.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// Error is a refused file, with the message key (and its arguments) to
// show the user next to the upload field.
type Error struct {
	Key  string
	Args []any
	Err  error // the decoder's error, for logs
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "attach: " + e.Key + ": " + e.Err.Error()
	}
	return "attach: " + e.Key
}

func (e *Error) Unwrap() error { return e.Err }

func refuse(key string, args ...any) *Error { return &Error{Key: key, Args: args} }

// Image is a cleaned photo.
type Image struct {
	Data          []byte
	ContentType   string // TypeJPEG or TypePNG
	Width, Height int
}

// Sniff names the real type of a file from its first bytes: "image/jpeg",
// "image/png" or "image/gif" for what Process takes, else a best guess
// ("text/html", "image/webp", "image/heic", "application/pdf", …).
func Sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && isHEIF(string(b[8:12])):
		return "image/heic"
	case markup(b):
		return "text/html"
	}
	ct, _, _ := strings.Cut(http.DetectContentType(b), ";")
	return ct
}

func isHEIF(brand string) bool {
	switch brand {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif", "avis":
		return true
	}
	return false
}

// markup reports whether b looks like HTML, XML or SVG: a document a
// browser might run scripts in if it were ever served as such.
func markup(b []byte) bool {
	if len(b) > 1024 {
		b = b[:1024]
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	b = bytes.TrimLeft(b, " \t\r\n\f")
	if len(b) == 0 || b[0] != '<' {
		return false
	}
	low := bytes.ToLower(b)
	for _, p := range []string{"<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<?xml", "<!--",
		"<div", "<p", "<a ", "<img", "<meta", "<style", "<title", "<table", "<form", "<h1", "<br", "<b>", "<font", "<object", "<embed"} {
		if bytes.HasPrefix(low, []byte(p)) {
			return true
		}
	}
	return bytes.Contains(low, []byte("<script")) || bytes.Contains(low, []byte("<html")) || bytes.Contains(low, []byte("<svg"))
}

// Process reads one uploaded file (at most MaxBytes) and returns it
// cleaned, or an *Error that says why it was refused.
func Process(r io.Reader) (Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return Image{}, err
	}
	return ProcessBytes(data)
}

// ProcessBytes is Process over bytes already read.
func ProcessBytes(data []byte) (Image, error) {
	switch {
	case len(data) == 0:
		return Image{}, refuse("wo.attachment.empty")
	case len(data) > MaxBytes:
		return Image{}, refuse("wo.attachment.too_large", MaxBytes>>20)
	}
	kind := Sniff(data)
	var cfg image.Config
	var err error
	switch kind {
	case "image/jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "image/png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "image/gif":
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	case "text/html", "text/xml", "image/svg+xml":
		return Image{}, refuse("wo.attachment.html")
	case "image/heic", "image/webp", "image/bmp", "image/tiff", "image/x-icon", "image/vnd.microsoft.icon":
		return Image{}, refuse("wo.attachment.format")
	default:
		return Image{}, refuse("wo.attachment.not_image")
	}
	if err != nil {
		return Image{}, &Error{Key: "wo.attachment.broken", Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Image{}, refuse("wo.attachment.broken")
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return Image{}, refuse("wo.attachment.too_many_pixels", MaxPixels/1_000_000)
	}
	var src image.Image
	switch kind {
	case "image/jpeg":
		src, err = jpeg.Decode(bytes.NewReader(data))
	case "image/png":
		src, err = png.Decode(bytes.NewReader(data))
	case "image/gif":
		src, err = gif.Decode(bytes.NewReader(data)) // the first frame
	}
	if err != nil {
		return Image{}, &Error{Key: "wo.attachment.broken", Err: err}
	}
	orient := 1
	if kind == "image/jpeg" {
		orient = Orientation(data)
	}
	dst := Fit(src, MaxSide)
	dst = Orient(dst, orient)
	return encode(dst)
}

// encode writes a JPEG, or a PNG when the picture has transparent pixels
// (and the PNG fits in MaxBytes; otherwise it is flattened onto white).
func encode(m *image.RGBA) (Image, error) {
	b := m.Bounds()
	out := Image{Width: b.Dx(), Height: b.Dy()}
	var buf bytes.Buffer
	if !m.Opaque() {
		if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, m); err != nil {
			return Image{}, err
		}
		if buf.Len() <= MaxBytes {
			out.Data, out.ContentType = buf.Bytes(), TypePNG
			return out, nil
		}
		buf.Reset()
		flat := image.NewRGBA(b)
		draw.Draw(flat, b, image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(flat, b, m, b.Min, draw.Over)
		m = flat
	}
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return Image{}, err
	}
	out.Data, out.ContentType = buf.Bytes(), TypeJPEG
	return out, nil
}

// Fit returns src as premultiplied RGBA at its own size, or scaled down
// so that its long side is maxSide, with an area filter: every output
// pixel is the average of the source area it covers (exact fractional
// coverage at the edges), which is the right filter for shrinking. The
// source is read one row at a time, so the only large buffer is the
// output.
func Fit(src image.Image, maxSide int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if w > maxSide || h > maxSide {
		if w >= h {
			ow, oh = maxSide, max(1, int((int64(h)*int64(maxSide)+int64(w)/2)/int64(w)))
		} else {
			ow, oh = max(1, int((int64(w)*int64(maxSide)+int64(h)/2)/int64(h))), maxSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	if ow == w && oh == h {
		draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
		return dst
	}
	xs := spans(w, ow)
	ys := spans(h, oh)
	row := image.NewRGBA(image.Rect(0, 0, w, 1))
	hrow := make([]float32, ow*4)
	acc := make([]float32, ow*4) // the output row being built
	oy := 0
	for y := 0; y < h && oy < oh; y++ {
		draw.Draw(row, row.Rect, src, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		// Horizontal pass: this source row shrunk to ow pixels.
		for ox, sp := range xs {
			var r, g, bl, a float32
			for i, wt := range sp.w {
				p := row.Pix[(sp.first+i)*4:]
				r += wt * float32(p[0])
				g += wt * float32(p[1])
				bl += wt * float32(p[2])
				a += wt * float32(p[3])
			}
			hrow[ox*4], hrow[ox*4+1], hrow[ox*4+2], hrow[ox*4+3] = r, g, bl, a
		}
		// Vertical pass: the row adds to the one or two output rows it
		// overlaps; an output row is written when its last source row is in.
		for oy < oh {
			sp := ys[oy]
			if y < sp.first {
				break
			}
			wt := sp.w[y-sp.first]
			for i, v := range hrow {
				acc[i] += wt * v
			}
			if y < sp.first+len(sp.w)-1 {
				break // more source rows to come for this output row
			}
			out := dst.Pix[oy*dst.Stride:]
			for i, v := range acc {
				out[i] = clamp8(v)
				acc[i] = 0
			}
			// Premultiplied: no colour channel may exceed alpha.
			for i := 0; i < ow*4; i += 4 {
				a := out[i+3]
				out[i], out[i+1], out[i+2] = min(out[i], a), min(out[i+1], a), min(out[i+2], a)
			}
			oy++
			if oy < oh && ys[oy].first > y {
				break
			}
		}
	}
	return dst
}

// span is the source range of one output pixel and the weight of each
// source pixel in it (they sum to 1).
type span struct {
	first int
	w     []float32
}

// spans maps n source pixels onto m ≤ n output pixels. In units of 1/m
// source pixel, source pixel s covers [s·m, (s+1)·m) and output pixel o
// covers [o·n, (o+1)·n): integer arithmetic, so coverage is exact.
func spans(n, m int) []span {
	out := make([]span, m)
	for o := range m {
		lo, hi := int64(o)*int64(n), int64(o+1)*int64(n)
		first := int(lo / int64(m))
		last := int((hi - 1) / int64(m))
		sp := span{first: first, w: make([]float32, last-first+1)}
		for s := first; s <= last; s++ {
			a, b := max(lo, int64(s)*int64(m)), min(hi, int64(s+1)*int64(m))
			sp.w[s-first] = float32(float64(b-a) / float64(n))
		}
		out[o] = sp
	}
	return out
}

func clamp8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// Orient turns an image stored with EXIF orientation o (1–8) upright.
func Orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	d := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored turned 90° anticlockwise: turn it clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // stored turned 90° clockwise: turn it anticlockwise
				sx, sy = w-1-y, x
			}
			copy(d.Pix[y*d.Stride+x*4:y*d.Stride+x*4+4], m.Pix[sy*m.Stride+sx*4:])
		}
	}
	return d
}

// Orientation reads the EXIF orientation (1–8) of a JPEG; 1 when there is
// none or it cannot be read.
func Orientation(jpg []byte) int {
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(jpg) {
		if jpg[p] != 0xFF {
			return 1
		}
		marker := jpg[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(jpg[p+2:]))
		if n < 2 || p+2+n > len(jpg) {
			return 1
		}
		seg := jpg[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o, err := tiffOrientation(seg[6:]); err == nil {
				return o
			}
			return 1
		}
		p += 2 + n
	}
	return 1
}

var errTIFF = errors.New("attach: bad TIFF header")

// tiffOrientation finds tag 0x0112 in IFD0 of an EXIF TIFF block.
func tiffOrientation(t []byte) (int, error) {
	if len(t) < 8 {
		return 0, errTIFF
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, errTIFF
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, errTIFF
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0, errTIFF
	}
	n := int64(bo.Uint16(t[off:]))
	for i := range n {
		e := off + 2 + i*12
		if e+12 > int64(len(t)) {
			return 0, errTIFF
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if typ := bo.Uint16(t[e+2:]); typ != 3 { // SHORT
			return 0, fmt.Errorf("attach: orientation of type %d", typ)
		}
		o := int(bo.Uint16(t[e+8:]))
		if o < 1 || o > 8 {
			return 0, fmt.Errorf("attach: orientation %d", o)
		}
		return o, nil
	}
	return 1, nil
}
