package open311_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// mediaSecret is in a comment segment of the uploaded photo: it must not
// come back.
const mediaSecret = "GPS-39.9163N-116.4093E"

// jpegWithComment is a small JPEG with mediaSecret in a COM segment.
func jpegWithComment(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	com := append([]byte{0xFF, 0xFE, 0, byte(len(mediaSecret) + 2)}, mediaSecret...)
	return append(append(append([]byte{}, b[:2]...), com...), b[2:]...)
}

type mediaPart struct {
	name string
	data []byte
}

// postMultipart POSTs form and files (each in a part named media) as
// multipart/form-data.
func (f *fixture) postMultipart(t *testing.T, format string, form url.Values, files ...mediaPart) answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, p := range files {
		w, err := mw.CreateFormFile("media", p.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	return f.do(t, http.MethodPost, "/requests."+format, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// photos counts every stored photo, linked or not.
func (f *fixture) photos(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM wo_attachments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fetch GETs an absolute URL.
func (f *fixture) fetch(t *testing.T, u string) answer {
	t.Helper()
	resp, err := f.env.Server.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// A multipart POST with a photo in media: the order has it, re-encoded;
// a GET with a key that may read the request shows media_url, which the
// same key fetches; to anyone else media_url is null and the photo does
// not exist.
func TestMediaUpload(t *testing.T) {
	f := newFixture(t)
	id, _ := created(t, f.postMultipart(t, "json", f.form(), mediaPart{"IMG_0042.jpg", jpegWithComment(t)}))
	if n := f.photos(t); n != 1 {
		t.Fatalf("%d photos stored, want 1", n)
	}
	mediaURL := func(a answer) any {
		t.Helper()
		l := items(t, a)
		if len(l) != 1 {
			t.Fatalf("want one request: %s", a.body)
		}
		return l[0]["media_url"]
	}
	u, _ := mediaURL(f.get(t, "/requests/"+id+".json?api_key="+f.key)).(string)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(f.env.URL) + `/media/[0-9a-f]{32}$`).MatchString(u) {
		t.Fatalf("media_url = %q, want %s/media/{name}", u, f.env.URL)
	}
	for _, p := range []string{"/requests/" + id + ".json", "/requests/" + id + ".json?api_key=" + f.keyB, "/requests/" + id + ".json?api_key=lt_nope"} {
		if got := mediaURL(f.get(t, p)); got != nil {
			t.Errorf("GET %s: media_url = %v, want null", p, got)
		}
	}
	var listed bool
	for _, m := range items(t, f.get(t, "/requests.json?api_key="+f.key)) {
		listed = listed || (m["service_request_id"] == id && m["media_url"] == u)
	}
	if !listed {
		t.Error("GET requests with the key does not show the media_url")
	}
	if a := f.get(t, "/requests/"+id+".xml?api_key="+f.key); !strings.Contains(a.body, "<media_url>"+u+"</media_url>") {
		t.Errorf("XML: %s", a.body)
	}

	// The photo: to keys that may read the request.
	for _, k := range []string{f.key, f.keyRead} {
		a := f.fetch(t, u+"?api_key="+url.QueryEscape(k))
		h := a.header
		if a.status != 200 || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline; filename=") {
			t.Fatalf("GET media = %d %v", a.status, h)
		}
		if !strings.HasPrefix(a.body, "\xFF\xD8\xFF") || strings.Contains(a.body, mediaSecret) {
			t.Fatal("the served photo is not the re-encoded JPEG")
		}
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+f.key)
	if resp, err := f.env.Server.Client().Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET media with a bearer key = %v, %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	for _, c := range []struct {
		url    string
		status int
	}{
		{u, 403},                      // no key
		{u + "?api_key=lt_nope", 403}, // not a key
		{u + "?api_key=" + url.QueryEscape(f.keyB), 404}, // another community's key
		{f.env.URL + "/media/" + strings.Repeat("0", 32) + "?api_key=" + url.QueryEscape(f.key), 404},
		{f.env.URL + "/media/..%2Fdiscovery.json?api_key=" + url.QueryEscape(f.key), 404},
	} {
		if a := f.fetch(t, c.url); a.status != c.status || strings.HasPrefix(a.body, "\xFF\xD8") {
			t.Errorf("GET %s = %d, want %d", c.url, a.status, c.status)
		}
	}
	if a := f.do(t, http.MethodPost, strings.TrimPrefix(u, f.env.URL), nil, nil); a.status != 405 || a.header.Get("Allow") != "GET" {
		t.Errorf("POST media = %d, Allow %q", a.status, a.header.Get("Allow"))
	}
	// A phone's photo is larger than the 1 MiB of a plain form.
	big := bigJPEG(t)
	if id, _ := created(t, f.postMultipart(t, "json", f.form(), mediaPart{"IMG_0043.jpg", big})); id == "" {
		t.Fatal("no id for a request with a large photo")
	}
}

// bigJPEG is a JPEG of noise, over 1 MiB.
func bigJPEG(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 1000, 800))
	seed := uint32(2463534242)
	for i := range m.Pix {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		m.Pix[i] = uint8(seed)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= 1<<20 {
		t.Fatalf("the photo has only %d bytes", buf.Len())
	}
	return buf.Bytes()
}

// A refused POST leaves no photo; a file that is not a photo is refused
// and says why; media_url is ignored, never fetched.
func TestMediaRefused(t *testing.T) {
	f := newFixture(t)
	before := f.orders(t)
	noAttr := f.form()
	noAttr.Del("attribute[what]")
	photo := jpegWithComment(t)
	noKey := f.form()
	noKey.Del("api_key")
	for _, c := range []struct {
		name   string
		form   url.Values
		files  []mediaPart
		status int
		body   string
	}{
		{"a required attribute missing", noAttr, []mediaPart{{"a.jpg", photo}}, 400, errBody(400, "attribute[what]（损坏设施）为必填项")},
		{"no key", noKey, []mediaPart{{"a.jpg", photo}}, 403,
			errBody(403, "缺少 api_key：提交诉求须提供 API 密钥（表单字段 api_key 或 Authorization: Bearer）")},
		{"a web page as the photo", f.form(), []mediaPart{{"a.jpg", []byte("<html><script>alert(1)</script></html>")}}, 400,
			errBody(400, "media 照片未被接受：这个文件不是照片，而是网页或脚本文件，不能上传")},
		{"two photos", f.form(), []mediaPart{{"a.jpg", photo}, {"b.jpg", photo}}, 400, errBody(400, "media 只能上传一张照片")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if a := f.postMultipart(t, "json", c.form, c.files...); a.status != c.status || a.body != c.body {
				t.Errorf("POST = %d %s, want %d %s", a.status, a.body, c.status, c.body)
			}
			if n := f.orders(t); n != before {
				t.Errorf("%d orders, want %d", n, before)
			}
			if n := f.photos(t); n != 0 {
				t.Errorf("%d photos left by a refused request, want 0", n)
			}
		})
	}

	// media_url: accepted, ignored (not fetched, not stored), in either
	// encoding of the form.
	form := f.form()
	form["media_url"] = []string{"http://127.0.0.1:1/evil.jpg", "http://example.com/a.jpg"}
	id, _ := created(t, f.post(t, "json", form, nil))
	id2, _ := created(t, f.postMultipart(t, "json", form))
	for _, n := range []string{id, id2} {
		l := items(t, f.get(t, "/requests/"+n+".json?api_key="+f.key))
		if l[0]["media_url"] != nil || strings.Contains(l[0]["description"].(string), "evil") {
			t.Errorf("request with a media_url = %v", l[0])
		}
	}
	if n := f.photos(t); n != 0 {
		t.Fatalf("%d photos after media_url requests, want 0", n)
	}
}
