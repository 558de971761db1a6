package linli

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The service catalogue (事项目录): what a community service hall takes
// on, each service with a stable code, the form it asks for (Open311
// attributes), its deadlines by priority and the unit that handles it by
// default.

// Duty says on whose behalf a community handles a service.
type Duty string

const (
	DutyOwn      Duty = "own"      // the committee's own duty (自治事项)
	DutyAssist   Duty = "assist"   // assistance to government (协助政府事项): authority and funding recorded
	DutyNegative Duty = "negative" // on the negative list: refused at intake with a referral
)

// AttrType is an Open311 attribute datatype.
type AttrType string

const (
	AttrString      AttrType = "string"
	AttrNumber      AttrType = "number"
	AttrDatetime    AttrType = "datetime"
	AttrText        AttrType = "text"
	AttrSingleValue AttrType = "singlevaluelist"
	AttrMultiValue  AttrType = "multivaluelist"
)

// AttrValue is one choice of a list attribute.
type AttrValue struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
}

// ServiceAttr is one field of a service's form (an Open311 attribute).
type ServiceAttr struct {
	Code          string      `json:"code"`
	Datatype      AttrType    `json:"datatype"`
	Required      bool        `json:"required"`
	Variable      bool        `json:"variable"` // false: an informational text, no answer
	Order         int         `json:"order"`
	Description   string      `json:"description"`    // the question, Chinese
	DescriptionEn string      `json:"description_en"` // English
	Help          string      `json:"help,omitempty"` // datatype_description
	Values        []AttrValue `json:"values,omitempty"`
}

// Service is an entry of the catalogue.
type Service struct {
	ID            int64
	Code          string // stable, e.g. "CERT-RESIDENCE"
	NameZh        string
	NameEn        string
	Group         string // catalogue group code (see ServiceGroups)
	Description   string
	DescriptionEn string
	Keywords      []string
	Materials     []string // 所需材料
	WhoMayApply   string   // 申请对象
	Duty          Duty
	Authority     string // assist: the authority that assigned it (权随责走)
	Funding       string // assist: how it is funded (费随事转)
	Referral      string // negative: where to go instead
	Certificate   bool   // issues a certificate from the allowed list
	CertTemplate  string // the certificate's text, with {{name}}-style fields
	CertDays      int    // working days to issue it
	DefaultUnitID int64
	Attrs         []ServiceAttr
	Deadlines     map[Priority]Deadline
	Public        bool // shown to residents and in Open311 service lists
	Anonymous     bool // may be requested without a name
	ReopenOnBad   bool // an unsatisfied rating reopens it to the same unit
	Answers       []KBAnswer
	Retired       bool
	Version       int64
}

// KBAnswer is a knowledge-base answer a clerk can give to close a
// consultation directly.
type KBAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// ServiceGroups are the catalogue's groups, after GB/T 39666's classes.
var ServiceGroups = []string{"certificate", "elderly", "employment", "assistance", "venue", "repair", "environment",
	"dispute", "safety", "consultation", "health", "other"}

var serviceCodeRE = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,39}$`)

// Validate checks a service definition.
func (s Service) Validate() *ValidationError {
	v := &ValidationError{}
	if !serviceCodeRE.MatchString(s.Code) {
		v.Add("code", "service.code.invalid")
	}
	if strings.TrimSpace(s.NameZh) == "" {
		v.Add("name_zh", "field.required")
	} else if utf8.RuneCountInString(s.NameZh) > 60 {
		v.Add("name_zh", "field.too_long", 60)
	}
	if strings.TrimSpace(s.NameEn) == "" {
		v.Add("name_en", "field.required")
	}
	if !slices.Contains(ServiceGroups, s.Group) {
		v.Add("group", "service.group.invalid")
	}
	switch s.Duty {
	case DutyOwn:
	case DutyAssist:
		if strings.TrimSpace(s.Authority) == "" {
			v.Add("authority", "service.authority.required")
		}
	case DutyNegative:
		if strings.TrimSpace(s.Referral) == "" {
			v.Add("referral", "service.referral.required")
		}
	default:
		v.Add("duty", "service.duty.invalid")
	}
	if s.Duty != DutyNegative {
		for _, p := range Priorities {
			if d, ok := s.Deadlines[p]; !ok || !d.Valid() {
				v.Add("deadline_"+string(p), "service.deadline.invalid")
			}
		}
	}
	seen := map[string]bool{}
	for i, a := range s.Attrs {
		f := "attrs." + strconv.Itoa(i)
		switch {
		case !attrCodeRE.MatchString(a.Code):
			v.Add(f, "service.attr.code_invalid")
		case seen[a.Code]:
			v.Add(f, "service.attr.code_duplicate")
		case !slices.Contains([]AttrType{AttrString, AttrNumber, AttrDatetime, AttrText, AttrSingleValue, AttrMultiValue}, a.Datatype):
			v.Add(f, "service.attr.type_invalid")
		case (a.Datatype == AttrSingleValue || a.Datatype == AttrMultiValue) && len(a.Values) == 0:
			v.Add(f, "service.attr.values_required")
		case strings.TrimSpace(a.Description) == "":
			v.Add(f, "service.attr.description_required")
		}
		seen[a.Code] = true
	}
	return v
}

var attrCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// SortedAttrs returns the attributes in form order.
func (s Service) SortedAttrs() []ServiceAttr {
	out := slices.Clone(s.Attrs)
	slices.SortStableFunc(out, func(a, b ServiceAttr) int { return a.Order - b.Order })
	return out
}

// CheckAnswers validates a request's answers against the service's form:
// required attributes present, numbers numeric, datetimes RFC 3339 (or a
// date), list values among the list's keys. It returns the answers kept
// (only known, variable attributes) and one message per bad field, keyed
// "attribute[code]" as Open311 names them.
func (s Service) CheckAnswers(in map[string][]string) (map[string][]string, *ValidationError) {
	v := &ValidationError{}
	out := map[string][]string{}
	for _, a := range s.SortedAttrs() {
		if !a.Variable {
			continue
		}
		field := "attribute[" + a.Code + "]"
		var vals []string
		for _, x := range in[a.Code] {
			if x = strings.TrimSpace(x); x != "" {
				vals = append(vals, x)
			}
		}
		if len(vals) == 0 {
			if a.Required {
				v.Add(field, "wo.attr.required")
			}
			continue
		}
		if a.Datatype != AttrMultiValue && len(vals) > 1 {
			v.Add(field, "wo.attr.one_value")
			continue
		}
		switch a.Datatype {
		case AttrNumber:
			if _, err := strconv.ParseFloat(vals[0], 64); err != nil {
				v.Add(field, "wo.attr.number")
				continue
			}
		case AttrDatetime:
			if _, err := time.Parse(time.RFC3339, vals[0]); err != nil {
				if _, err := time.Parse("2006-01-02", vals[0]); err != nil {
					if _, err := time.Parse("2006-01-02T15:04", vals[0]); err != nil {
						v.Add(field, "wo.attr.datetime")
						continue
					}
				}
			}
		case AttrString:
			if utf8.RuneCountInString(vals[0]) > 200 {
				v.Add(field, "field.too_long", 200)
				continue
			}
		case AttrText:
			if utf8.RuneCountInString(vals[0]) > 4000 {
				v.Add(field, "field.too_long", 4000)
				continue
			}
		case AttrSingleValue, AttrMultiValue:
			bad := false
			for _, x := range vals {
				if !slices.ContainsFunc(a.Values, func(av AttrValue) bool { return av.Key == x }) {
					bad = true
				}
			}
			if bad {
				v.Add(field, "wo.attr.not_in_list")
				continue
			}
		}
		out[a.Code] = vals
	}
	return out, v
}

// ForbiddenCertificates are the first 20 certificates that community
// committees may no longer issue (民发〔2020〕20号), with words a request
// names them by and the authority to refer the resident to. A request for
// one is refused at intake with the referral.
var ForbiddenCertificates = []struct {
	Name     string
	Keywords []string
	Referral string
}{
	{"亲属关系证明", []string{"亲属关系"}, "凭户口簿、结婚证、出生医学证明等证件，或到公安机关、公证机构办理"},
	{"居民身份信息证明（户籍证明）", []string{"身份信息证明", "户籍证明"}, "公安机关户籍窗口"},
	{"户口登记项目内容变更申请证明", []string{"户口登记项目", "户口变更"}, "公安机关户籍窗口"},
	{"居民养犬证明", []string{"养犬证明"}, "公安机关（犬只登记）"},
	{"无犯罪记录证明", []string{"无犯罪记录", "犯罪记录证明"}, "公安机关"},
	{"社区戒毒社区康复人员情况证明", []string{"戒毒", "社区康复人员"}, "负责社区戒毒、社区康复工作的乡镇（街道）禁毒办"},
	{"人员失踪证明", []string{"失踪证明"}, "公安机关或人民法院（宣告失踪）"},
	{"婚姻状况证明", []string{"婚姻状况", "婚姻关系证明", "分居证明", "未婚证明", "单身证明"}, "民政部门婚姻登记机关，或个人书面承诺"},
	{"出生证明", []string{"出生证明"}, "助产医疗机构（出生医学证明）"},
	{"健在证明", []string{"健在证明", "生存证明"}, "社会保险经办机构（待遇资格认证）"},
	{"死亡证明", []string{"死亡证明"}, "医疗机构或公安机关"},
	{"疾病状况证明", []string{"疾病", "急诊证明", "意外伤害证明"}, "医疗机构"},
	{"残疾状况证明", []string{"残疾状况", "残疾证明"}, "残疾人联合会（残疾人证）"},
	{"婚育状况证明", []string{"婚育", "生育状况"}, "卫生健康部门，或个人书面承诺"},
	{"居民就业状况证明", []string{"就业状况", "失业证明", "在职证明"}, "人力资源社会保障部门（就业失业登记）"},
	{"居民个人档案证明", []string{"档案证明"}, "档案保管单位（人才服务机构、原单位）"},
	{"居民财产证明", []string{"财产证明", "收入证明", "经济状况证明", "房产证明", "存款证明", "车辆所有权"}, "不动产登记、税务、金融机构等有关部门"},
	{"遗产继承权证明", []string{"继承权", "遗产继承"}, "公证机构或人民法院"},
	{"市场主体住所证明", []string{"住所证明", "经营场所证明", "经营性用房", "无扰民证明"}, "市场监督管理部门（住所申报承诺制）"},
	{"证件遗失证明", []string{"遗失证明"}, "证件签发机关（挂失补办）"},
}

// ForbiddenCertificate returns the forbidden certificate a text asks for,
// if any.
func ForbiddenCertificate(text string) (name, referral string, ok bool) {
	for _, c := range ForbiddenCertificates {
		for _, k := range c.Keywords {
			if strings.Contains(text, k) {
				return c.Name, c.Referral, true
			}
		}
	}
	return "", "", false
}
