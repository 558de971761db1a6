package linli_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
)

// certService is a residence certificate like the demo's, with a list, a
// datetime, a number and a free-text attribute.
func certService(tmpl string) linli.Service {
	return linli.Service{Code: "CERT-RESIDENCE", Certificate: true, CertTemplate: tmpl, Attrs: []linli.ServiceAttr{
		{Code: "purpose", Datatype: linli.AttrSingleValue, Variable: true, Values: []linli.AttrValue{
			{Key: "school", Name: "子女入学", NameEn: "School enrolment"}, {Key: "other", Name: "其他", NameEn: "Other"}}},
		{Code: "since", Datatype: linli.AttrDatetime, Variable: true},
		{Code: "hours", Datatype: linli.AttrNumber, Variable: true},
		{Code: "activity", Datatype: linli.AttrString, Variable: true},
		{Code: "places", Datatype: linli.AttrMultiValue, Variable: true, Values: []linli.AttrValue{
			{Key: "a", Name: "垃圾分类站"}, {Key: "b", Name: "老年驿站"}}},
		{Code: "info", Datatype: linli.AttrText, Variable: false, Description: "说明"},
	}}
}

func TestFillCertificate(t *testing.T) {
	// 2026-11-28 20:00 UTC is already the 29th in Beijing.
	issued := time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)
	base := linli.CertValues{Name: "张少明", IDNumber: "11010519491231002X", IDMasked: "1101**********002X", Address: "幸福里小区1号楼1单元204",
		Committee: "多福巷社区居民委员会", Date: issued,
		Answers: map[string][]string{"purpose": {"school"}, "since": {"2019-09-01"}, "hours": {"12"}, "activity": {"垃圾分类桶前值守"},
			"places": {"a", "b"}}}
	with := func(f func(*linli.CertValues)) linli.CertValues {
		v := base
		v.Answers = map[string][]string{}
		for k, x := range base.Answers {
			v.Answers[k] = x
		}
		f(&v)
		return v
	}
	tests := []struct {
		name, tmpl   string
		v            linli.CertValues
		want, masked string
		missing      []string
	}{
		{"the demo's residence certificate",
			"兹证明{{name}}（公民身份号码：{{id_number}}）自{{since}}起在本社区{{address}}居住。本证明仅用于{{purpose}}。{{committee}} {{date}}", base,
			"兹证明张少明（公民身份号码：11010519491231002X）自2019年9月1日起在本社区幸福里小区1号楼1单元204居住。本证明仅用于子女入学。多福巷社区居民委员会 2026年11月29日",
			"兹证明张少明（公民身份号码：1101**********002X）自2019年9月1日起在本社区幸福里小区1号楼1单元204居住。本证明仅用于子女入学。多福巷社区居民委员会 2026年11月29日", nil},
		{"activities: strings and numbers as given, lists joined", "{{name}}于{{places}}参加{{activity}}，累计{{hours}}小时", base,
			"张少明于垃圾分类站、老年驿站参加垃圾分类桶前值守，累计12小时", "", nil},
		{"the purpose given at issue wins over the answer", "用于{{purpose}}", with(func(v *linli.CertValues) { v.Purpose = "办理居住证" }),
			"用于办理居住证", "", nil},
		{"an RFC 3339 datetime is a Beijing date", "自{{since}}起", with(func(v *linli.CertValues) { v.Answers["since"] = []string{"2019-08-31T17:00:00Z"} }),
			"自2019年9月1日起", "", nil},
		{"a date and time without a zone", "自{{since}}起", with(func(v *linli.CertValues) { v.Answers["since"] = []string{"2020-01-05T08:30"} }),
			"自2020年1月5日起", "", nil},
		{"spaces inside the braces, a placeholder twice", "{{ name }}，{{name}}", base, "张少明，张少明", "", nil},
		{"no placeholder at all", "特此证明。", base, "特此证明。", "", nil},
		{"an unanswered question, an unknown name, a blank address", "{{name}}{{period}}{{address}}{{nonsense}}{{period}}",
			with(func(v *linli.CertValues) { v.Address = "  " }), "张少明{{period}}{{address}}{{nonsense}}{{period}}", "",
			[]string{"period", "address", "nonsense"}},
		{"an informational attribute is not an answer", "{{info}}", with(func(v *linli.CertValues) { v.Answers["info"] = []string{"x"} }),
			"{{info}}", "", []string{"info"}},
		{"no ID number", "{{id_number}}", with(func(v *linli.CertValues) { v.IDNumber, v.IDMasked = "", "" }), "{{id_number}}", "", []string{"id_number"}},
		{"no issue date", "{{date}}", with(func(v *linli.CertValues) { v.Date = time.Time{} }), "{{date}}", "", []string{"date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv := certService(tt.tmpl)
			got, missing, err := sv.FillCertificate(tt.v)
			if got != tt.want || !slices.Equal(missing, tt.missing) {
				t.Errorf("FillCertificate = %q, missing %v; want %q, missing %v", got, missing, tt.want, tt.missing)
			}
			var ve *linli.ValidationError
			switch {
			case tt.missing == nil && err != nil:
				t.Errorf("FillCertificate error = %v, want nil", err)
			case tt.missing != nil && (!errors.As(err, &ve) || !ve.Has("template") || ve.Fields[0].Key != "cert.template.missing" ||
				ve.Fields[0].Args[0] != strings.Join(tt.missing, "、")):
				t.Errorf("FillCertificate error = %#v, want cert.template.missing on template naming %v", err, tt.missing)
			}
			if tt.masked != "" {
				m, _, err := sv.FillCertificateMasked(tt.v)
				if m != tt.masked || err != nil {
					t.Errorf("FillCertificateMasked = %q, %v; want %q", m, err, tt.masked)
				}
			}
		})
	}
	sv := certService("")
	if got := sv.CertPurpose(base); got != "子女入学" {
		t.Errorf("CertPurpose(answer) = %q, want the answer's label", got)
	}
	if got := sv.CertPurpose(with(func(v *linli.CertValues) { v.Purpose = " 办理居住证 " })); got != "办理居住证" {
		t.Errorf("CertPurpose(given) = %q, want the purpose given", got)
	}
	if got := sv.CertPurpose(with(func(v *linli.CertValues) { delete(v.Answers, "purpose") })); got != "" {
		t.Errorf("CertPurpose(none) = %q, want empty", got)
	}
	if _, _, err := certService(" ").FillCertificate(base); !errors.Is(err, linli.ErrInvalid) {
		t.Errorf("an empty template = %v, want invalid", err)
	}
}

func TestCertPlaceholders(t *testing.T) {
	got := linli.CertPlaceholders("{{name}}于{{ period }}参加{{activity}}；{{name}}。{{Bad}} {{date}}")
	if want := []string{"name", "period", "activity", "date"}; !slices.Equal(got, want) {
		t.Errorf("CertPlaceholders = %v, want %v", got, want)
	}
}

// A certificate is issued at the counter (answer) while the order is
// accepted, or by the lead unit (resolve) while it is being handled;
// never in any other state.
func TestCertAction(t *testing.T) {
	want := map[linli.WOState]linli.WOAction{
		linli.WOAccepted: linli.ActAnswer, linli.WOInProgress: linli.ActResolve, linli.WOContacted: linli.ActResolve,
		linli.WOExtensionRequested: linli.ActResolve, linli.WODeferred: linli.ActResolve, linli.WOReopened: linli.ActResolve,
	}
	for _, st := range linli.WOStates {
		got, ok := linli.CertAction(st)
		if w, allowed := want[st]; got != w || ok != allowed {
			t.Errorf("CertAction(%s) = %s, %v; want %s, %v", st, got, ok, w, allowed)
		}
	}
}

func TestCertificateLate(t *testing.T) {
	due := time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		issued, due time.Time
		late        bool
	}{{due.Add(-time.Hour), due, false}, {due, due, false}, {due.Add(time.Second), due, true}, {due, time.Time{}, false}} {
		if got := (linli.Certificate{IssuedAt: tt.issued, DueAt: tt.due}).Late(); got != tt.late {
			t.Errorf("Late(issued %s, due %s) = %v, want %v", tt.issued, tt.due, got, tt.late)
		}
	}
}
