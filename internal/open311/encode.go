package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// One document model, two encodings. Every answer is built once as a
// tree of obj (an element with named children: a JSON object) and list (a
// container of repeated elements: a JSON array), and written either as XML
// or as JSON following the Spark convention the specification uses: the
// root element is dropped when it is a container, so a list is a JSON
// array, and a nested container ("attributes", "values", "formats",
// "notes") is an array of its items. XML and JSON are thus equivalent by
// construction, field order included.
//
// Leaves are string, bool, int, float64, time.Time and nil. nil is JSON
// null and an empty XML element; the specification's optional fields are
// always present, so a client sees the same members in both formats.

// field is one named child of an obj.
type field struct {
	name string
	val  any
}

// obj is an element with named children (a JSON object).
type obj []field

// list is a container of repeated elements named item (a JSON array).
type list struct {
	item  string
	elems []any
}

// doc is a whole answer: the XML root element and its content.
type doc struct {
	root string
	body any // obj or list
}

// Formats of the answers.
const (
	fmtXML  = "xml"
	fmtJSON = "json"
)

const xmlDecl = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// encode writes d in the format.
func (d doc) encode(format string) ([]byte, error) {
	var b bytes.Buffer
	if format == fmtJSON {
		if err := writeJSON(&b, d.body); err != nil {
			return nil, err
		}
		b.WriteByte('\n')
		return b.Bytes(), nil
	}
	b.WriteString(xmlDecl)
	enc := xml.NewEncoder(&b)
	if err := writeXML(enc, d.root, d.body); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// contentType is the specification's media type of a format.
func contentType(format string) string {
	if format == fmtJSON {
		return "application/json; charset=utf-8"
	}
	return "text/xml; charset=utf-8"
}

// write sends d with the status.
func write(w http.ResponseWriter, format string, status int, d doc) error {
	body, err := d.encode(format)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentType(format))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client has gone
	return nil
}

// scalar is the text of a leaf, the same in both formats.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Time:
		return w3c(x), nil
	}
	return "", fmt.Errorf("open311: no leaf encoding for %T", v)
}

// w3c formats a time as the specification's datetime: UTC, "Z", whole
// seconds (some clients refuse offsets and fractions).
func w3c(t time.Time) string { return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z") }

func writeXML(enc *xml.Encoder, name string, v any) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	switch x := v.(type) {
	case obj:
		for _, f := range x {
			if err := writeXML(enc, f.name, f.val); err != nil {
				return err
			}
		}
	case list:
		for _, e := range x.elems {
			if err := writeXML(enc, x.item, e); err != nil {
				return err
			}
		}
	default:
		s, err := scalar(v)
		if err != nil {
			return err
		}
		if s != "" {
			if err := enc.EncodeToken(xml.CharData(s)); err != nil {
				return err
			}
		}
	}
	return enc.EncodeToken(start.End())
}

func writeJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case obj:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.name)
			b.Write(k)
			b.WriteByte(':')
			if err := writeJSON(b, f.val); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case list:
		b.WriteByte('[')
		for i, e := range x.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case nil:
		b.WriteString("null")
	case string, time.Time:
		s, _ := scalar(x)
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	default:
		s, err := scalar(v)
		if err != nil {
			return err
		}
		b.WriteString(s)
	}
	return nil
}

// orNil is nil for an empty string (a null field), else the string.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeOrNil is nil for a zero time.
func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
