package linli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Certificates (证明): a community committee issues only the certificates
// that a law or the State Council's list allows (民发〔2020〕20号), each
// from its service's template (Service.CertTemplate) within the service's
// time limit, and records each one in a register (证明开具登记簿). The
// template's placeholders are {{name}}-style: the resident's name, ID
// number and address, the committee, the issue date, and the answers of
// the request's form by their attribute codes.

// Built-in placeholders of a certificate template.
const (
	CertName      = "name"      // the resident's name
	CertIDNumber  = "id_number" // the resident's ID number (masked in the register's copy)
	CertAddress   = "address"   // the resident's address in the registry
	CertCommittee = "committee" // the residents' committee that issues it
	CertDate      = "date"      // the issue date, 2026年11月29日
	CertPurpose   = "purpose"   // what it is for: the purpose given at issue, else the form's answer
)

// CertValues are what fills a certificate's template.
type CertValues struct {
	Name      string
	IDNumber  string // in full
	IDMasked  string // as the registry stores it masked (seal.MaskIDNumber)
	Address   string
	Committee string
	Date      time.Time           // the issue date, shown as a Beijing date
	Purpose   string              // overrides the "purpose" answer when not blank
	Answers   map[string][]string // the order's answers by attribute code
}

var certPlaceholderRE = regexp.MustCompile(`\{\{\s*([a-z][a-z0-9_]*)\s*\}\}`)

// CertPlaceholders lists the placeholders of a template, each once, in
// the order they first appear.
func CertPlaceholders(tmpl string) []string {
	var out []string
	for _, m := range certPlaceholderRE.FindAllStringSubmatch(tmpl, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// ChineseDate writes a date the way certificates do: 2026年3月2日, in
// Beijing time.
func ChineseDate(t time.Time) string {
	t = t.In(chinaTime)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// FillCertificate fills the service's certificate template with v. It
// returns the text and the placeholders it could not fill (a value that is
// blank, an answer not given, a name that is neither built in nor an
// attribute of the form); when there are any, the error is a validation
// error on "template" naming them, and the text keeps them as they were.
// A list answer shows as its Chinese label, a datetime answer as a
// Chinese date.
func (s Service) FillCertificate(v CertValues) (string, []string, error) {
	return s.fillCertificate(v, v.IDNumber)
}

// FillCertificateMasked is FillCertificate with the ID number masked, as
// the register keeps and shows it.
func (s Service) FillCertificateMasked(v CertValues) (string, []string, error) {
	return s.fillCertificate(v, v.IDMasked)
}

// CertPurpose is what fills {{purpose}}: the purpose given at issue, else
// the form's answer by its Chinese label ("" when there is neither). The
// register records it.
func (s Service) CertPurpose(v CertValues) string {
	return strings.TrimSpace(s.certValue(CertPurpose, v, ""))
}

func (s Service) fillCertificate(v CertValues, id string) (string, []string, error) {
	if strings.TrimSpace(s.CertTemplate) == "" {
		return "", nil, Invalid("template", "cert.template.empty")
	}
	var missing []string
	text := certPlaceholderRE.ReplaceAllStringFunc(s.CertTemplate, func(m string) string {
		name := certPlaceholderRE.FindStringSubmatch(m)[1]
		val := strings.TrimSpace(s.certValue(name, v, id))
		if val == "" {
			if !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
			return m
		}
		return val
	})
	if len(missing) > 0 {
		return text, missing, Invalid("template", "cert.template.missing", strings.Join(missing, "、"))
	}
	return text, nil, nil
}

// certValue is the text of one placeholder ("" when there is none).
func (s Service) certValue(name string, v CertValues, id string) string {
	switch name {
	case CertName:
		return v.Name
	case CertIDNumber:
		return id
	case CertAddress:
		return v.Address
	case CertCommittee:
		return v.Committee
	case CertDate:
		if v.Date.IsZero() {
			return ""
		}
		return ChineseDate(v.Date)
	case CertPurpose:
		if p := strings.TrimSpace(v.Purpose); p != "" {
			return p
		}
	}
	return s.certAnswer(name, v.Answers[name])
}

// certAnswer shows an answer of the form: list values by their Chinese
// labels, datetimes as Chinese dates, anything else as given; several
// values are joined with "、".
func (s Service) certAnswer(code string, vals []string) string {
	i := slices.IndexFunc(s.Attrs, func(a ServiceAttr) bool { return a.Code == code && a.Variable })
	if i < 0 || len(vals) == 0 {
		return ""
	}
	at := s.Attrs[i]
	out := make([]string, 0, len(vals))
	for _, x := range vals {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		switch at.Datatype {
		case AttrSingleValue, AttrMultiValue:
			for _, av := range at.Values {
				if av.Key == x {
					x = av.Name
					break
				}
			}
		case AttrDatetime:
			if t, ok := answerDate(x); ok {
				x = ChineseDate(t)
			}
		}
		out = append(out, x)
	}
	return strings.Join(out, "、")
}

// answerDate reads a datetime answer (RFC 3339, a date, or a date and a
// time without a zone, which is Beijing time).
func answerDate(x string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, x); err == nil {
		return t, true
	}
	for _, l := range []string{"2006-01-02", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(l, x, chinaTime); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// CertAction is the action that issuing a certificate takes on its order
// in state st: answered at the counter (直接办结) while the order is still
// accepted, resolved (办结) by the lead unit while it is being handled.
// ok is false in any other state.
func CertAction(st WOState) (WOAction, bool) {
	if _, ok := Transitions[st][ActAnswer]; ok {
		return ActAnswer, true
	}
	if _, ok := Transitions[st][ActResolve]; ok {
		return ActResolve, true
	}
	return "", false
}

// Certificate is an entry of the certificate register. The text is held
// only with the ID number masked; the full text is sealed in the store.
type Certificate struct {
	ID            int64
	Number        string // ZM + community code + "-" + year + "-" + sequence
	OrderID       int64
	OrderNumber   string
	ServiceID     int64
	ServiceCode   string
	ServiceName   string
	ServiceNameEn string
	PersonID      int64
	PersonName    string
	AreaID        int64  // the community
	Path          string // the community's path
	Purpose       string
	BodyMasked    string
	IssuedBy      int64
	IssuedByName  string
	IssuedAt      time.Time
	DueAt         time.Time // the order's deadline when it was issued
	ValidUntil    time.Time // a date; zero: not limited
	VoidedAt      time.Time
	VoidReason    string
	VoidedBy      int64
	VoidedByName  string
}

// Late reports whether the certificate was issued after its order's
// deadline.
func (c Certificate) Late() bool { return !c.DueAt.IsZero() && c.IssuedAt.After(c.DueAt) }

// Voided reports whether the certificate was declared void.
func (c Certificate) Voided() bool { return !c.VoidedAt.IsZero() }

// CertificateInput is what the issuer adds to the order's data.
type CertificateInput struct {
	Purpose    string    // fills {{purpose}} instead of the form's answer (e.g. when it was "other")
	ValidUntil time.Time // optional: the last day it is valid
	Note       string    // optional: added to the reply to the requester
	Version    int64     // the order's version read (optimistic lock); 0 skips the check
}
