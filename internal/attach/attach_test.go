package attach_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/linli-org/linli/internal/attach"
)

// photo is a w×h JPEG with a gradient, and an EXIF block with the given
// orientation and a GPS position, as a phone writes it.
func photo(t testing.TB, w, h, orientation int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return withExif(buf.Bytes(), orientation)
}

// gpsSecret is in the GPS IFD's processing method: it must not survive.
const gpsSecret = "GPS-SECRET-39.9042N-116.4074E"

// withExif inserts an APP1 Exif segment right after SOI: IFD0 holds the
// orientation and a pointer to a GPS IFD with latitude and a processing
// method text.
func withExif(jpg []byte, orientation int) []byte {
	le := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	_ = binary.Write(&t, le, uint32(8))
	// IFD0 at 8: 2 entries, then the next-IFD offset.
	entry := func(tag, typ uint16, count, value uint32) {
		_ = binary.Write(&t, le, tag)
		_ = binary.Write(&t, le, typ)
		_ = binary.Write(&t, le, count)
		_ = binary.Write(&t, le, value)
	}
	ifd0End := uint32(8 + 2 + 2*12 + 4)
	_ = binary.Write(&t, le, uint16(2))
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, ifd0End) // GPSInfo
	_ = binary.Write(&t, le, uint32(0))
	// GPS IFD: LatitudeRef "N", Latitude (3 rationals), ProcessingMethod.
	gpsEnd := ifd0End + 2 + 3*12 + 4
	_ = binary.Write(&t, le, uint16(3))
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, gpsEnd)
	entry(0x001B, 7, uint32(len(gpsSecret)), gpsEnd+24)
	_ = binary.Write(&t, le, uint32(0))
	for _, r := range [][2]uint32{{39, 1}, {54, 1}, {1512, 100}} {
		_ = binary.Write(&t, le, r)
	}
	t.WriteString(gpsSecret)

	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	_ = binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

func refusedWith(t *testing.T, err error, key string) {
	t.Helper()
	var ae *attach.Error
	if !errors.As(err, &ae) || ae.Key != key {
		t.Fatalf("error = %v, want %s", err, key)
	}
}

func TestExifAndGPSAreStripped(t *testing.T) {
	in := photo(t, 64, 48, 6)
	if !bytes.Contains(in, []byte("Exif")) || !bytes.Contains(in, []byte(gpsSecret)) {
		t.Fatal("fixture lacks its EXIF")
	}
	if got := attach.Orientation(in); got != 6 {
		t.Fatalf("Orientation = %d, want 6", got)
	}
	img, err := attach.ProcessBytes(in)
	if err != nil {
		t.Fatal(err)
	}
	if img.ContentType != attach.TypeJPEG {
		t.Fatalf("type = %s", img.ContentType)
	}
	for _, bad := range []string{"Exif", gpsSecret, "II*\x00", "\xFF\xE1"} {
		if bytes.Contains(img.Data, []byte(bad)) {
			t.Errorf("cleaned photo still holds %q", bad)
		}
	}
	// Orientation 6 (stored turned anticlockwise): upright it is 48×64.
	if img.Width != 48 || img.Height != 64 {
		t.Fatalf("size = %d×%d, want 48×64", img.Width, img.Height)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.Data))
	if err != nil || cfg.Width != 48 || cfg.Height != 64 {
		t.Fatalf("cleaned JPEG = %+v, %v", cfg, err)
	}
	if attach.Orientation(img.Data) != 1 {
		t.Fatal("cleaned photo still has an orientation")
	}
}

func TestRefusals(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	_, err := attach.ProcessBytes(html)
	refusedWith(t, err, "wo.attachment.html")
	_, err = attach.ProcessBytes([]byte("\n  <svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"))
	refusedWith(t, err, "wo.attachment.html")
	_, err = attach.ProcessBytes([]byte("%PDF-1.7\n1 0 obj"))
	refusedWith(t, err, "wo.attachment.not_image")
	_, err = attach.ProcessBytes([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	refusedWith(t, err, "wo.attachment.format")
	_, err = attach.ProcessBytes([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	refusedWith(t, err, "wo.attachment.format")
	_, err = attach.ProcessBytes(nil)
	refusedWith(t, err, "wo.attachment.empty")
	// JPEG magic with HTML behind it: not a decodable image.
	_, err = attach.ProcessBytes(append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, html...))
	refusedWith(t, err, "wo.attachment.broken")

	big := append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, attach.MaxBytes)...)
	_, err = attach.Process(bytes.NewReader(big))
	refusedWith(t, err, "wo.attachment.too_large")
}

// pngHeader is a PNG signature and an IHDR chunk declaring w×h (8-bit
// RGBA), with a valid CRC, and no pixel data: a decompression bomb's
// header.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	body := make([]byte, 0, 17)
	body = append(body, "IHDR"...)
	body = binary.BigEndian.AppendUint32(body, w)
	body = binary.BigEndian.AppendUint32(body, h)
	body = append(body, 8, 6, 0, 0, 0)
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(body)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	b.WriteString("\x00\x00\x00\x00IDAT\x35\xaf\x06\x1e")
	return b.Bytes()
}

func TestDecompressionBombRefusedBeforeDecoding(t *testing.T) {
	_, err := attach.ProcessBytes(pngHeader(100_000, 100_000))
	refusedWith(t, err, "wo.attachment.too_many_pixels")
	_, err = attach.ProcessBytes(pngHeader(40_001, 1000))
	refusedWith(t, err, "wo.attachment.too_many_pixels")
	// A JPEG whose frame header says 65000×65000.
	jpg := photo(t, 16, 16, 1)
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(jpg[i+5:], 65000)
	binary.BigEndian.PutUint16(jpg[i+7:], 65000)
	_, err = attach.ProcessBytes(jpg)
	refusedWith(t, err, "wo.attachment.too_many_pixels")
	// Within the budget, the same kind of header is merely broken.
	_, err = attach.ProcessBytes(pngHeader(100, 100))
	refusedWith(t, err, "wo.attachment.broken")
}

func TestScaleDown(t *testing.T) {
	in := photo(t, 3000, 1000, 1)
	img, err := attach.ProcessBytes(in)
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 2048 || img.Height != 683 {
		t.Fatalf("size = %d×%d, want 2048×683", img.Width, img.Height)
	}
	// A flat colour stays exactly that colour (the weights sum to 1), and
	// a fine checkerboard averages to grey.
	flat := image.NewRGBA(image.Rect(0, 0, 3001, 2999))
	board := image.NewRGBA(image.Rect(0, 0, 4096, 4096))
	for y := range 4096 {
		for x := range 4096 {
			if x < 3001 && y < 2999 {
				flat.SetRGBA(x, y, color.RGBA{200, 100, 30, 255})
			}
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			board.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	f := attach.Fit(flat, 2048)
	if f.Rect.Dx() != 2048 || f.Rect.Dy() != 2047 {
		t.Fatalf("flat size = %v", f.Rect)
	}
	for i := 0; i < len(f.Pix); i += 4 {
		if c := f.Pix[i : i+4]; c[0] != 200 || c[1] != 100 || c[2] != 30 || c[3] != 255 {
			t.Fatalf("pixel %d = %v", i/4, c)
		}
	}
	g := attach.Fit(board, 2048)
	for i := 0; i < len(g.Pix); i += 4 {
		if c := g.Pix[i]; c < 126 || c > 129 {
			t.Fatalf("checkerboard pixel %d = %d, want grey", i/4, c)
		}
	}
	// Small photos keep their size.
	small, err := attach.ProcessBytes(photo(t, 640, 480, 1))
	if err != nil || small.Width != 640 || small.Height != 480 {
		t.Fatalf("small = %d×%d, %v", small.Width, small.Height, err)
	}
}

func TestTransparencyKeepsPNG(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range m.Pix {
		m.Pix[i] = 200
	}
	m.SetNRGBA(3, 3, color.NRGBA{10, 20, 30, 0})
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("<script>trailing</script>") // data after IEND goes too
	img, err := attach.ProcessBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if img.ContentType != attach.TypePNG || bytes.Contains(img.Data, []byte("script")) {
		t.Fatalf("transparent PNG = %s", img.ContentType)
	}
	// An opaque PNG becomes a JPEG.
	opaque := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range opaque.Pix {
		opaque.Pix[i] = 255
	}
	buf.Reset()
	_ = png.Encode(&buf, opaque)
	img, err = attach.ProcessBytes(buf.Bytes())
	if err != nil || img.ContentType != attach.TypeJPEG {
		t.Fatalf("opaque PNG = %s, %v", img.ContentType, err)
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image whose pixels are numbered 0…5 in red.
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		m.Pix[i*4], m.Pix[i*4+3] = uint8(i), 255
	}
	read := func(o *image.RGBA) string {
		var b strings.Builder
		for y := range o.Rect.Dy() {
			for x := range o.Rect.Dx() {
				b.WriteByte('0' + o.Pix[y*o.Stride+x*4])
			}
			b.WriteByte('/')
		}
		return b.String()
	}
	// Stored:    012/345/
	want := map[int]string{1: "012/345/", 2: "210/543/", 3: "543/210/", 4: "345/012/",
		5: "03/14/25/", 6: "30/41/52/", 7: "52/41/30/", 8: "25/14/03/"}
	for o, w := range want {
		if got := read(attach.Orient(m, o)); got != w {
			t.Errorf("orientation %d: %s, want %s", o, got, w)
		}
	}
}

func FuzzOrientation(f *testing.F) {
	f.Add(photo(f, 8, 8, 6))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := attach.Orientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

func FuzzProcess(f *testing.F) {
	f.Add(photo(f, 8, 8, 3))
	f.Add(pngHeader(10, 10))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := attach.ProcessBytes(b)
		if err != nil {
			return
		}
		if img.Width < 1 || img.Height < 1 || img.Width > attach.MaxSide || img.Height > attach.MaxSide {
			t.Fatalf("size %d×%d", img.Width, img.Height)
		}
		if attach.Sniff(img.Data) != img.ContentType {
			t.Fatalf("output sniffs as %s, says %s", attach.Sniff(img.Data), img.ContentType)
		}
	})
}
