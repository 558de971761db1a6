package conformance

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// node is a parsed XML element.
type node struct {
	name  string
	space string // namespace URL, "" when none
	text  string // character data, trimmed
	kids  []*node
}

// child returns the first child named name, or nil.
func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

var xmlDeclRE = regexp.MustCompile(`^<\?xml\s+version\s*=\s*["']1\.[0-9]["'](\s+encoding\s*=\s*["']([A-Za-z0-9._-]+)["'])?`)

// xmlDeclEncoding returns the encoding the XML declaration names; ok is
// false when the body does not start with a declaration.
func xmlDeclEncoding(body []byte) (enc string, ok bool) {
	m := xmlDeclRE.FindSubmatch(body)
	if m == nil {
		return "", false
	}
	return string(m[2]), true
}

// parseXML parses a document into a tree.
func parseXML(body []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, space: t.Name.Space}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.text = strings.TrimSpace(top.text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// parseJSON parses a document keeping numbers as json.Number.
func parseJSON(body []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// equivalent compares an XML element with a JSON value under the Spark
// convention the specification uses: a container element is an array of
// its children; an element with named children is an object; a leaf is a
// string, number or boolean whose text is the same; an empty element, a
// missing element, null and "" are all "no value".
func equivalent(x *node, j any, path string) error {
	switch v := j.(type) {
	case nil:
		if !empty(x) {
			return fmt.Errorf("%s: JSON null, XML has a value", path)
		}
	case string:
		if len(x.kids) > 0 || x.text != strings.TrimSpace(v) {
			return fmt.Errorf("%s: JSON %q, XML %q", path, v, x.text)
		}
	case json.Number:
		if len(x.kids) > 0 {
			return fmt.Errorf("%s: JSON number, XML element has children", path)
		}
		jf, err1 := strconv.ParseFloat(string(v), 64)
		xf, err2 := strconv.ParseFloat(x.text, 64)
		if x.text != string(v) && (err1 != nil || err2 != nil || jf != xf) {
			return fmt.Errorf("%s: JSON %s, XML %q", path, v, x.text)
		}
	case bool:
		if len(x.kids) > 0 || x.text != strconv.FormatBool(v) {
			return fmt.Errorf("%s: JSON %v, XML %q", path, v, x.text)
		}
	case []any:
		if x.text != "" {
			return fmt.Errorf("%s: JSON array, XML has text %q", path, x.text)
		}
		if len(x.kids) != len(v) {
			return fmt.Errorf("%s: JSON array of %d, XML has %d children", path, len(v), len(x.kids))
		}
		for i, k := range x.kids {
			if err := equivalent(k, v[i], fmt.Sprintf("%s/%s[%d]", path, k.name, i)); err != nil {
				return err
			}
		}
	case map[string]any:
		if x.text != "" {
			return fmt.Errorf("%s: JSON object, XML has text %q", path, x.text)
		}
		byName := map[string][]*node{}
		for _, k := range x.kids {
			byName[k.name] = append(byName[k.name], k)
		}
		for k, jv := range v {
			switch kids := byName[k]; len(kids) {
			case 0:
				if !emptyJSON(jv) {
					return fmt.Errorf("%s/%s: in JSON, not in XML", path, k)
				}
			case 1:
				if err := equivalent(kids[0], jv, path+"/"+k); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%s/%s: repeated in XML outside a container", path, k)
			}
		}
		for name, kids := range byName {
			if _, ok := v[name]; ok {
				continue
			}
			for _, k := range kids {
				if !empty(k) {
					return fmt.Errorf("%s/%s: in XML, not in JSON", path, name)
				}
			}
		}
	default:
		return fmt.Errorf("%s: unexpected JSON %T", path, j)
	}
	return nil
}

func empty(x *node) bool { return len(x.kids) == 0 && x.text == "" }

func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// str returns a JSON member as text ("" when absent or null).
func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// objects returns a JSON array of objects; ok is false when v is not one.
func objects(v any) ([]map[string]any, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, m)
	}
	return out, true
}
