package demo

import "github.com/linli-org/linli"

// The demo's service catalogue (事项目录): what the one-stop hall of a
// 东城区 community takes on, grouped by linli.ServiceGroups after the
// classes of GB/T 39666. Every entry is described in docs/demo-data.md.
//
// Duties follow the community work lists (三项清单): the committee's own
// matters (依法履职事项); matters it takes in for a government department
// (协助办理事项, with the department that assigned them and how they are
// funded: 权随责走、费随事转); and matters on the negative list
// (负面事项), which the hall refuses with a referral. The only certificates
// are the two a committee may still issue (居住情况, 参加社区活动情况);
// the certificates of 民发〔2020〕20号 are not services at all, and a
// request that names one is refused at intake (linli.ForbiddenCertificate).
//
// Deadlines follow the bureau rule of open311-and-workorders.md §4.2:
// consultation and help 3 working days, complaints and repairs 5 to 13,
// 紧急 24 natural hours, 特急 2 natural hours, certificates the next working
// day (简单证明当场办结、复杂证明限时办结).

// deadlines is a service's time allowed: normal in working days, urgent
// 24 natural hours, critical 2 natural hours.
func deadlines(normalDays int) map[linli.Priority]linli.Deadline {
	return map[linli.Priority]linli.Deadline{
		linli.PriorityNormal:   {N: normalDays, Unit: linli.UnitWorkingDays},
		linli.PriorityUrgent:   {N: 24, Unit: linli.UnitHours},
		linli.PriorityCritical: {N: 2, Unit: linli.UnitHours},
	}
}

// counterDeadlines is the time allowed for a counter matter: normal in
// working days, urgent within 4 working hours (the same half day),
// critical 2 natural hours.
func counterDeadlines(normalDays int) map[linli.Priority]linli.Deadline {
	return map[linli.Priority]linli.Deadline{
		linli.PriorityNormal:   {N: normalDays, Unit: linli.UnitWorkingDays},
		linli.PriorityUrgent:   {N: 4, Unit: linli.UnitWorkingHours},
		linli.PriorityCritical: {N: 2, Unit: linli.UnitHours},
	}
}

// values builds a list attribute's choices from key, Chinese and English
// name triples.
func values(kv ...string) []linli.AttrValue {
	out := make([]linli.AttrValue, 0, len(kv)/3)
	for i := 0; i+2 < len(kv); i += 3 {
		out = append(out, linli.AttrValue{Key: kv[i], Name: kv[i+1], NameEn: kv[i+2]})
	}
	return out
}

// Attribute builders: the code, whether it is required, its order, the
// question in Chinese and English, and the help text.
func attrString(code string, req bool, order int, zh, en, help string) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrString, Required: req, Variable: true, Order: order, Description: zh, DescriptionEn: en, Help: help}
}

func attrText(code string, req bool, order int, zh, en, help string) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrText, Required: req, Variable: true, Order: order, Description: zh, DescriptionEn: en, Help: help}
}

func attrNumber(code string, req bool, order int, zh, en, help string) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrNumber, Required: req, Variable: true, Order: order, Description: zh, DescriptionEn: en, Help: help}
}

func attrDatetime(code string, req bool, order int, zh, en, help string) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrDatetime, Required: req, Variable: true, Order: order, Description: zh, DescriptionEn: en, Help: help}
}

func attrOne(code string, req bool, order int, zh, en, help string, vals []linli.AttrValue) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrSingleValue, Required: req, Variable: true, Order: order, Description: zh, DescriptionEn: en, Help: help, Values: vals}
}

func attrMany(code string, req bool, order int, zh, en, help string, vals []linli.AttrValue) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrMultiValue, Required: req, Variable: true, Order: order, Description: zh, DescriptionEn: en, Help: help, Values: vals}
}

// attrNote is an informational text shown on the form (Open311
// variable=false): no answer.
func attrNote(code string, order int, zh, en string) linli.ServiceAttr {
	return linli.ServiceAttr{Code: code, Datatype: linli.AttrText, Order: order, Description: zh, DescriptionEn: en}
}

// Authorities of the assisted matters.
const (
	authCivil      = "东城区民政局"
	authCivilDisab = "东城区民政局、东城区残疾人联合会"
	authHR         = "东城区人力资源和社会保障局"
	authHealth     = "东城区卫生健康委员会"
	fundCivil      = "区财政社会救助专项资金；社区入户调查工作经费按协助事项清单拨付街道"
	fundElderly    = "市、区两级财政养老服务资金；社区协助经费按协助事项清单拨付"
	fundEmployment = "就业补助资金（区人社局）；社区协助经费按协助事项清单拨付"
)

// Services returns the demo catalogue, in catalogue order.
func Services() []linli.Service {
	return []linli.Service{
		// ── certificate: the two certificates a committee may issue ──
		{
			Code: "CERT-RESIDENCE", NameZh: "居住证明开具", NameEn: "Certificate of residence in the community", Group: "certificate",
			Description:   "为在本社区实际居住的居民出具居住情况证明，用于子女入学、办理居住证等。属于居民委员会可以出具的证明（民发〔2020〕20号保留事项）。",
			DescriptionEn: "A certificate that a resident actually lives in the community, e.g. for school enrolment or a residence permit. One of the certificates a residents' committee may still issue.",
			Keywords:      []string{"居住证明", "居住情况", "入学", "居住证", "residence"},
			Materials:     []string{"申请人居民身份证原件", "户口簿或不动产权证书、房屋租赁合同（任选其一）", "用途说明（如学校或单位要求的格式）"},
			WhoMayApply:   "在本社区实际居住的居民本人，或持委托书的家属",
			Duty:          linli.DutyOwn, Certificate: true, CertDays: 1,
			CertTemplate: "兹证明{{name}}（公民身份号码：{{id_number}}）自{{since}}起在本社区{{address}}居住。\n" +
				"本证明仅用于{{purpose}}，有效期三个月。\n特此证明。\n\n{{committee}}\n{{date}}",
			Attrs: []linli.ServiceAttr{
				attrOne("purpose", true, 1, "证明用途", "Purpose of the certificate", "只用于所选用途",
					values("school", "子女入学", "School enrolment", "permit", "办理居住证", "Residence permit", "other", "其他", "Other")),
				attrDatetime("since", true, 2, "开始在本社区居住的日期", "Living in the community since", "年-月-日，如 2019-09-01"),
				attrNumber("copies", false, 3, "需要份数", "Number of copies", "1–3 份"),
				attrText("note", false, 4, "其他说明", "Anything else", ""),
			},
			Deadlines: counterDeadlines(1), Public: true, ReopenOnBad: true,
		},
		{
			Code: "CERT-ACTIVITY", NameZh: "参加社区活动情况证明", NameEn: "Certificate of participation in community activities", Group: "certificate",
			Description:   "证明居民参与社区治理、参加社区活动或志愿服务的情况，如学生社会实践、在职党员到社区报到情况反馈。",
			DescriptionEn: "A certificate of a resident's part in community affairs, activities or volunteering, e.g. a student's social practice or a party member's report to the community.",
			Keywords:      []string{"社区活动", "社会实践", "志愿服务时长", "党员报到", "activity"},
			Materials:     []string{"申请人居民身份证或学生证", "活动记录或志愿服务记录（社区可查系统记录）"},
			WhoMayApply:   "参加过本社区活动或志愿服务的居民、学生",
			Duty:          linli.DutyOwn, Certificate: true, CertDays: 1,
			CertTemplate: "兹证明{{name}}于{{period}}参加本社区组织的{{activity}}，累计{{hours}}小时，表现良好。\n特此证明。\n\n{{committee}}\n{{date}}",
			Attrs: []linli.ServiceAttr{
				attrOne("purpose", true, 1, "证明用途", "Purpose", "",
					values("school", "学校社会实践", "School social practice", "party", "在职党员报到反馈", "Party member's report", "volunteer", "志愿服务时长认定", "Volunteer hours", "other", "其他", "Other")),
				attrString("activity", true, 2, "参加的活动", "Activities taken part in", "如：垃圾分类桶前值守"),
				attrString("period", false, 3, "时间段", "Period", "如：2026年7月—8月"),
				attrNumber("hours", false, 4, "服务时长（小时）", "Hours", ""),
			},
			Deadlines: counterDeadlines(1), Public: true, ReopenOnBad: true,
		},

		// ── elderly ──
		{
			Code: "ELDER-ALLOWANCE", NameZh: "高龄津贴申请", NameEn: "Old-age allowance application", Group: "elderly",
			Description:   "本市户籍80周岁及以上老年人申请高龄津贴，社区受理、初审后报街道和区民政局审核发放。",
			DescriptionEn: "Residents with a Beijing hukou aged 80 or over apply for the old-age allowance; the community takes the application and checks it, the street and the district civil affairs bureau approve and pay.",
			Keywords:      []string{"高龄津贴", "高龄补贴", "80岁", "老年卡", "allowance"},
			Materials:     []string{"老年人居民身份证", "户口簿", "北京通—养老助残卡（社保卡）"},
			WhoMayApply:   "本市户籍、年满80周岁的老年人本人或其家属代办",
			Duty:          linli.DutyAssist, Authority: authCivil, Funding: fundElderly,
			Attrs: []linli.ServiceAttr{
				attrOne("age_band", true, 1, "年龄段", "Age band", "",
					values("80", "80–89周岁", "80–89", "90", "90–99周岁", "90–99", "100", "100周岁及以上", "100 and over")),
				attrOne("agent", true, 2, "办理人", "Who applies", "",
					values("self", "本人", "The elderly person", "family", "家属代办", "A family member")),
				attrNote("info", 3, "津贴按月发放至养老助残卡，审核期间社区工作人员可能电话核实。", "The allowance is paid monthly to the elderly card; the community may call to check."),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},
		{
			Code: "ELDER-SUBSIDY", NameZh: "养老服务补贴申请", NameEn: "Elderly care subsidy application", Group: "elderly",
			Description:   "经济困难、失能或失智老年人申请养老服务补贴和护理补贴，社区受理并组织入户评估。",
			DescriptionEn: "Elderly people in financial difficulty, disabled or with dementia apply for the care subsidy; the community takes the application and arranges the home assessment.",
			Keywords:      []string{"养老服务补贴", "护理补贴", "失能", "失智", "subsidy"},
			Materials:     []string{"老年人居民身份证、户口簿", "能力综合评估结果（可由社区预约评估）", "低保、低收入等救助对象证件（如有）"},
			WhoMayApply:   "本市户籍、符合条件的60周岁及以上老年人",
			Duty:          linli.DutyAssist, Authority: authCivil, Funding: fundElderly,
			Attrs: []linli.ServiceAttr{
				attrMany("category", true, 1, "申请类别", "Categories", "可多选",
					values("poor", "经济困难", "Financial difficulty", "disabled", "失能", "Disabled", "dementia", "失智", "Dementia", "alone", "独居", "Living alone")),
				attrDatetime("visit", false, 2, "方便入户评估的时间", "Convenient time for the home visit", "年-月-日 时:分"),
			},
			Deadlines: deadlines(10), Public: true, ReopenOnBad: true,
		},
		{
			Code: "ELDER-HOMECARE", NameZh: "居家养老上门服务预约", NameEn: "Home care visit booking", Group: "elderly",
			Description:   "为居家老年人预约养老驿站上门服务：助洁、助浴、助医、巡视探访等。",
			DescriptionEn: "Book a visit of the neighbourhood elderly care station: cleaning, bathing, help to see a doctor, visits.",
			Keywords:      []string{"上门服务", "养老驿站", "助浴", "助洁", "探访", "home care"},
			WhoMayApply:   "本社区居住的老年人或其家属",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrMany("services", true, 1, "服务项目", "Services", "可多选",
					values("clean", "助洁", "Cleaning", "bath", "助浴", "Bathing", "doctor", "助医", "Help to see a doctor", "visit", "巡视探访", "Visit", "haircut", "理发", "Haircut")),
				attrDatetime("when", true, 2, "希望上门的时间", "Preferred time", "年-月-日 时:分"),
				attrString("address", true, 3, "上门地址", "Address", "楼号-单元-门牌"),
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},
		{
			Code: "ELDER-MEALS", NameZh: "老年助餐", NameEn: "Meals for the elderly", Group: "elderly",
			Description:   "为老年人办理社区助餐：养老驿站或老年餐桌堂食、自取或送餐上门，按规定享受助餐补贴。",
			DescriptionEn: "Meals for elderly residents at the care station or the community canteen, collected or delivered, with the meal subsidy where eligible.",
			Keywords:      []string{"助餐", "老年餐桌", "送餐", "meals"},
			Materials:     []string{"老年人居民身份证", "北京通—养老助残卡"},
			WhoMayApply:   "本社区60周岁及以上老年人，失能、高龄、独居老人优先送餐",
			Duty:          linli.DutyAssist, Authority: authCivil, Funding: "市、区财政老年助餐服务补贴",
			Attrs: []linli.ServiceAttr{
				attrMany("meals", true, 1, "用餐", "Meals", "",
					values("lunch", "午餐", "Lunch", "dinner", "晚餐", "Dinner")),
				attrOne("delivery", true, 2, "就餐方式", "How", "",
					values("dine", "堂食", "Eat in", "pickup", "自取", "Collect", "deliver", "送餐上门", "Delivered")),
				attrDatetime("start", false, 3, "开始日期", "From", "年-月-日"),
				attrString("diet", false, 4, "饮食禁忌", "Dietary needs", "如：低盐、糖尿病餐"),
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},

		// ── employment ──
		{
			Code: "EMP-UNEMPLOYMENT", NameZh: "失业登记", NameEn: "Unemployment registration", Group: "employment",
			Description:   "劳动年龄内、有劳动能力和就业要求、处于无业状态的本市户籍或常住人员办理失业登记，社区受理并录入人社系统。",
			DescriptionEn: "People of working age who can and want to work and have no job register as unemployed; the community takes the registration into the human resources system.",
			Keywords:      []string{"失业登记", "失业", "求职", "unemployment"},
			Materials:     []string{"居民身份证", "社会保障卡", "与原单位解除劳动关系的材料（如有）"},
			WhoMayApply:   "法定劳动年龄内、有劳动能力和就业要求的居民",
			Duty:          linli.DutyAssist, Authority: authHR, Funding: fundEmployment,
			Attrs: []linli.ServiceAttr{
				attrDatetime("left_job", false, 1, "原工作终止日期", "Last job ended on", "年-月-日"),
				attrOne("reason", true, 2, "失业原因", "Reason", "",
					values("contract", "劳动合同到期", "Contract ended", "dismissed", "单位解除", "Dismissed", "quit", "本人辞职", "Resigned", "graduate", "毕业未就业", "Graduate", "other", "其他", "Other")),
				attrText("skills", false, 3, "技能与求职意向", "Skills and the work wanted", ""),
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},
		{
			Code: "EMP-ASSISTANCE", NameZh: "就业援助与公益性岗位申请", NameEn: "Employment assistance and public-interest jobs", Group: "employment",
			Description:   "就业困难人员、零就业家庭成员申请就业援助，推荐社区公益性岗位（保洁、保安、协管员等）。",
			DescriptionEn: "People who have difficulty finding work, and members of families where no one works, ask for help and for a public-interest job in the community.",
			Keywords:      []string{"就业援助", "公益性岗位", "就业困难", "零就业", "job"},
			Materials:     []string{"居民身份证", "就业失业登记记录", "就业困难人员认定材料（如有）"},
			WhoMayApply:   "已办理失业登记的就业困难人员、零就业家庭成员",
			Duty:          linli.DutyAssist, Authority: authHR, Funding: fundEmployment,
			Attrs: []linli.ServiceAttr{
				attrOne("category", true, 1, "人员类别", "Category", "",
					values("hard", "就业困难人员", "Hard to employ", "zero", "零就业家庭成员", "Family where no one works", "disabled", "残疾人", "Person with a disability", "other", "其他", "Other")),
				attrMany("posts", false, 2, "意向岗位", "Jobs wanted", "可多选",
					values("cleaning", "保洁", "Cleaning", "security", "保安", "Security", "assistant", "社区协管", "Community assistant", "parking", "停车管理", "Parking", "other", "其他", "Other")),
			},
			Deadlines: deadlines(10), Public: true, ReopenOnBad: true,
		},
		{
			Code: "EMP-TRAINING", NameZh: "职业技能培训报名", NameEn: "Vocational training enrolment", Group: "employment",
			Description:   "报名区人社局组织的免费职业技能培训（养老护理、家政服务、电工、电子商务等）。",
			DescriptionEn: "Enrol in the free vocational training of the district human resources bureau (elderly care, housekeeping, electrician, e-commerce).",
			Keywords:      []string{"培训", "技能", "职业培训", "training"},
			WhoMayApply:   "有培训需求的失业人员、就业困难人员及其他劳动者",
			Duty:          linli.DutyAssist, Authority: authHR, Funding: fundEmployment,
			Attrs: []linli.ServiceAttr{
				attrOne("course", true, 1, "培训项目", "Course", "",
					values("care", "养老护理员", "Elderly carer", "house", "家政服务员", "Housekeeper", "electric", "电工", "Electrician", "ecom", "电子商务", "E-commerce")),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},

		// ── assistance ──
		{
			Code: "AID-DIBAO", NameZh: "最低生活保障申请", NameEn: "Minimum living allowance (dibao) application", Group: "assistance",
			Description:   "家庭人均收入低于本市最低生活保障标准、且财产状况符合规定的家庭申请低保。社区受理、入户调查和民主评议，街道审核，区民政局审批。",
			DescriptionEn: "Families whose income per head is below the Beijing minimum and whose assets meet the rules apply for the minimum living allowance. The community takes the application, visits and holds the review, the street checks, the district civil affairs bureau decides.",
			Keywords:      []string{"低保", "最低生活保障", "救助", "dibao"},
			Materials: []string{"家庭成员居民身份证、户口簿", "家庭经济状况核对授权书（家庭成员签字）", "家庭收入、财产情况申报表",
				"因病、因残等特殊情况的相关材料（如有）"},
			WhoMayApply: "共同生活的家庭成员中，由户主或其委托的家庭成员提出",
			Duty:        linli.DutyAssist, Authority: authCivil, Funding: fundCivil,
			Attrs: []linli.ServiceAttr{
				attrNote("info", 0, "本事项由区民政局审批，社区负责受理、入户调查和民主评议，审批期限以区民政局规定为准。",
					"The district civil affairs bureau decides; the community takes the application, visits the home and holds the review."),
				attrNumber("household_size", true, 1, "共同生活的家庭成员人数", "People in the household", ""),
				attrOne("reason", true, 2, "主要困难原因", "Main reason", "",
					values("illness", "因病", "Illness", "disability", "因残", "Disability", "unemployed", "失业", "Unemployment", "other", "其他", "Other")),
				attrText("situation", false, 3, "家庭情况说明", "The family's situation", "简要说明，不必填写身份证号等信息"),
			},
			Deadlines: deadlines(10), Public: true, ReopenOnBad: true,
		},
		{
			Code: "AID-TEMPORARY", NameZh: "临时救助申请", NameEn: "Temporary assistance application", Group: "assistance",
			Description:   "因火灾、交通事故、突发重病等意外事件，家庭基本生活暂时出现严重困难的，可申请临时救助；情况紧急的先行救助。",
			DescriptionEn: "Families in sudden, serious hardship (fire, accident, sudden severe illness) apply for temporary assistance; urgent cases are helped first and documented after.",
			Keywords:      []string{"临时救助", "急难", "意外", "temporary"},
			Materials:     []string{"申请人居民身份证、户口簿", "导致困难的事件说明及相关材料"},
			WhoMayApply:   "本市户籍或持居住证的困难家庭、个人",
			Duty:          linli.DutyAssist, Authority: authCivil, Funding: fundCivil,
			Attrs: []linli.ServiceAttr{
				attrOne("event", true, 1, "困难原因", "Cause", "",
					values("fire", "火灾等灾害", "Fire or disaster", "accident", "交通事故等意外", "Accident", "illness", "突发重病", "Sudden severe illness", "other", "其他", "Other")),
				attrNumber("amount", false, 2, "申请金额（元）", "Amount asked for (yuan)", ""),
				attrText("situation", true, 3, "情况说明", "What happened", ""),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},
		{
			Code: "AID-DISABILITY", NameZh: "残疾人两项补贴申请", NameEn: "Disability living and care subsidies", Group: "assistance",
			Description:   "困难残疾人生活补贴和重度残疾人护理补贴的申请，社区受理并初审，街道审核，区民政局会同区残联审定。",
			DescriptionEn: "The living subsidy for disabled people in difficulty and the care subsidy for the severely disabled; the community takes and checks the application, the street reviews, the civil affairs bureau and the disabled persons' federation decide.",
			Keywords:      []string{"两项补贴", "残疾人", "护理补贴", "生活补贴", "disability"},
			Materials:     []string{"申请人居民身份证、户口簿", "中华人民共和国残疾人证（第二代）", "低保、低收入等救助对象证件（申请生活补贴的）"},
			WhoMayApply:   "持第二代残疾人证的本市户籍残疾人",
			Duty:          linli.DutyAssist, Authority: authCivilDisab, Funding: fundCivil,
			Attrs: []linli.ServiceAttr{
				attrMany("subsidies", true, 1, "申请的补贴", "Subsidies", "可多选",
					values("living", "困难残疾人生活补贴", "Living subsidy", "care", "重度残疾人护理补贴", "Care subsidy")),
				attrOne("level", true, 2, "残疾等级", "Grade", "",
					values("1", "一级", "Grade 1", "2", "二级", "Grade 2", "3", "三级", "Grade 3", "4", "四级", "Grade 4")),
			},
			Deadlines: deadlines(10), Public: true, ReopenOnBad: true,
		},

		// ── venue ──
		{
			Code: "VENUE-BOOKING", NameZh: "社区场地预约", NameEn: "Community room booking", Group: "venue",
			Description:   "预约社区党群服务中心的活动室、议事厅等场地，用于居民活动、议事协商、社区社会组织活动。",
			DescriptionEn: "Book a room of the community centre for residents' activities, meetings and community groups.",
			Keywords:      []string{"场地", "活动室", "议事厅", "预约", "venue"},
			WhoMayApply:   "本社区居民、社区社会组织、辖区单位",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("room", true, 1, "场地", "Room", "",
					values("hall", "多功能活动室", "Multi-purpose room", "meeting", "议事厅", "Meeting room", "art", "书画室", "Calligraphy room", "dance", "舞蹈室", "Dance room")),
				attrDatetime("start", true, 2, "开始时间", "From", "年-月-日 时:分"),
				attrNumber("hours", true, 3, "使用时长（小时）", "Hours", "不超过4小时"),
				attrNumber("people", false, 4, "人数", "People", ""),
				attrText("purpose", true, 5, "活动内容", "What for", ""),
			},
			Deadlines: counterDeadlines(2), Public: true, ReopenOnBad: false,
		},
		{
			Code: "VENUE-EQUIPMENT", NameZh: "活动器材借用", NameEn: "Borrowing activity equipment", Group: "venue",
			Description:   "借用社区的桌椅、音响、帐篷等活动器材。",
			DescriptionEn: "Borrow the community's tables, chairs, sound system or tents for an activity.",
			Keywords:      []string{"借用", "音响", "帐篷", "桌椅", "equipment"},
			WhoMayApply:   "本社区居民、社区社会组织",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrMany("items", true, 1, "器材", "Items", "",
					values("chairs", "桌椅", "Tables and chairs", "sound", "音响", "Sound system", "tent", "帐篷", "Tent", "projector", "投影仪", "Projector")),
				attrDatetime("from", true, 2, "借用日期", "From", "年-月-日"),
			},
			Deadlines: counterDeadlines(2), Public: true, ReopenOnBad: false,
		},

		// ── repair ──
		{
			Code: "REPAIR-PUBLIC", NameZh: "公共区域维修", NameEn: "Repairs in public areas", Group: "repair",
			Description:   "楼道灯、单元门、门禁、楼梯扶手、信报箱等公共部位和共用设施设备的报修。",
			DescriptionEn: "Report a fault in the shared parts of a building: stairwell lights, entrance doors, door entry, handrails, letter boxes.",
			Keywords:      []string{"报修", "楼道灯", "单元门", "门禁", "扶手", "repair"},
			WhoMayApply:   "本社区居民",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("what", true, 1, "损坏设施", "What is broken", "",
					values("light", "楼道灯", "Stairwell light", "door", "单元门/门禁", "Entrance door", "rail", "楼梯扶手", "Handrail", "mailbox", "信报箱", "Letter boxes", "window", "楼道窗户", "Stairwell window", "other", "其他", "Other")),
				attrMany("floors", false, 2, "涉及楼层", "Floors", "可多选",
					values("1", "一层", "1st floor", "2", "二层", "2nd floor", "3", "三层", "3rd floor", "4", "四层", "4th floor", "5", "五层", "5th floor", "6", "六层及以上", "6th floor and up")),
				attrString("building", true, 3, "楼号和单元", "Building and entrance", "如：3号楼2单元"),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},
		{
			Code: "REPAIR-LIFT", NameZh: "电梯故障报修", NameEn: "Lift breakdown", Group: "repair",
			Description:   "住宅电梯停运、异响、困人等故障报修。有人被困请同时拨打电梯内救援电话或96333，按特急处理。",
			DescriptionEn: "A residential lift is stopped, noisy or has trapped someone. If someone is trapped, also call the number in the lift or 96333: handled as critical.",
			Keywords:      []string{"电梯", "困人", "停运", "lift", "elevator"},
			WhoMayApply:   "本社区居民",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("trapped", true, 1, "是否有人被困", "Is anyone trapped?", "有人被困按特急处理",
					values("no", "否", "No", "yes", "是", "Yes")),
				attrMany("symptoms", false, 2, "故障现象", "What happens", "可多选",
					values("stopped", "停运", "Stopped", "noise", "异响", "Noise", "door", "门不能正常开关", "Doors fail", "jerk", "运行抖动", "Jerks")),
				attrString("building", true, 3, "楼号和单元", "Building and entrance", "如：5号楼1单元"),
			},
			Deadlines: map[linli.Priority]linli.Deadline{
				linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays}, linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours},
				linli.PriorityCritical: {N: 1, Unit: linli.UnitHours}},
			Public: true, ReopenOnBad: true,
		},
		{
			Code: "REPAIR-DRAIN", NameZh: "下水道堵塞与污水外溢", NameEn: "Blocked drain or sewage overflow", Group: "repair",
			Description:   "小区公共下水管道、化粪池、雨水井堵塞或污水外溢。",
			DescriptionEn: "A shared drain, septic tank or gully is blocked or sewage overflows.",
			Keywords:      []string{"下水道", "堵塞", "污水", "返水", "drain"},
			WhoMayApply:   "本社区居民",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("where", true, 1, "位置", "Where", "",
					values("building", "楼内公共管道", "Shared pipes in the building", "yard", "院内下水井", "Manhole in the yard", "road", "小区道路雨水井", "Road gully")),
				attrOne("overflow", true, 2, "是否有污水外溢", "Is sewage overflowing?", "",
					values("no", "否", "No", "yes", "是", "Yes")),
				attrString("place", true, 3, "具体地点", "Exact place", "如：7号楼东侧"),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},
		{
			Code: "REPAIR-ROAD", NameZh: "小区道路与井盖破损", NameEn: "Damaged paths and manhole covers", Group: "repair",
			Description:   "小区内道路坑洼、井盖缺失或破损、台阶损坏等，存在安全隐患的优先处理。",
			DescriptionEn: "Potholes, missing or broken manhole covers, broken steps in the compound; dangerous ones first.",
			Keywords:      []string{"井盖", "道路", "坑洼", "台阶", "road"},
			WhoMayApply:   "本社区居民",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("what", true, 1, "问题", "Problem", "",
					values("pothole", "路面坑洼", "Pothole", "cover", "井盖缺失或破损", "Manhole cover", "steps", "台阶损坏", "Broken steps")),
				attrString("place", true, 2, "具体地点", "Exact place", ""),
			},
			Deadlines: deadlines(7), Public: true, ReopenOnBad: true,
		},
		{
			Code: "REPAIR-HEATING", NameZh: "供暖问题反映", NameEn: "Heating problem", Group: "repair",
			Description:   "供暖季室温不达标、暖气不热、管道漏水等问题，转供热单位处理。",
			DescriptionEn: "During the heating season: rooms too cold, radiators not warm, leaking pipes; passed to the heating company.",
			Keywords:      []string{"供暖", "暖气", "室温", "漏水", "heating"},
			WhoMayApply:   "本社区居民",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("problem", true, 1, "问题", "Problem", "",
					values("cold", "暖气不热/室温不达标", "Not warm enough", "leak", "管道漏水", "Leaking pipe", "noise", "管道异响", "Noisy pipes")),
				attrNumber("temperature", false, 2, "室内温度（℃）", "Room temperature (°C)", "北京供暖室温标准不低于18℃"),
				attrString("address", true, 3, "住址", "Address", "楼号-单元-门牌"),
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},

		// ── environment ──
		{
			Code: "ENV-SANITATION", NameZh: "环境卫生问题", NameEn: "Sanitation problem", Group: "environment",
			Description:   "垃圾清运不及时、卫生死角、楼道堆物、小广告等环境卫生问题。",
			DescriptionEn: "Rubbish not collected, dirty corners, things piled in stairwells, illegal small ads.",
			Keywords:      []string{"卫生", "垃圾", "堆物", "小广告", "sanitation"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrMany("problems", true, 1, "问题", "Problems", "可多选",
					values("rubbish", "垃圾清运不及时", "Rubbish not collected", "corner", "卫生死角", "Dirty corner", "piles", "楼道堆物", "Things in the stairwell", "ads", "小广告", "Small ads")),
				attrString("place", true, 2, "地点", "Place", ""),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},
		{
			Code: "ENV-GREENING", NameZh: "绿化养护", NameEn: "Trees and green spaces", Group: "environment",
			Description:   "树木修剪、枯树倒伏隐患、绿地损毁、病虫害等绿化问题。",
			DescriptionEn: "Tree pruning, dead or leaning trees, damaged lawns, pests.",
			Keywords:      []string{"绿化", "树木", "修剪", "草坪", "greening"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrOne("problem", true, 1, "问题", "Problem", "",
					values("prune", "树木需修剪", "Needs pruning", "danger", "枯树或倒伏隐患", "Dead or leaning tree", "lawn", "绿地损毁", "Damaged lawn", "pests", "病虫害", "Pests")),
				attrString("place", true, 2, "地点", "Place", ""),
			},
			Deadlines: deadlines(10), Public: true, ReopenOnBad: true,
		},
		{
			Code: "ENV-GARBAGE-SORT", NameZh: "垃圾分类投诉", NameEn: "Waste sorting complaint", Group: "environment",
			Description:   "垃圾桶站设置、分类收运混装、桶站脏乱等垃圾分类问题的投诉。",
			DescriptionEn: "Complaints about waste sorting: bins, mixed collection, dirty bin stations.",
			Keywords:      []string{"垃圾分类", "桶站", "混装", "厨余", "sorting"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrOne("problem", true, 1, "问题", "Problem", "",
					values("mixed", "分类后混装收运", "Sorted waste collected mixed", "dirty", "桶站脏乱", "Dirty bin station", "bins", "桶站设置不合理", "Bins badly placed", "guide", "缺少分类指导", "No guidance")),
				attrDatetime("seen", false, 2, "发现时间", "When seen", "年-月-日 时:分"),
				attrString("place", true, 3, "桶站位置", "Bin station", ""),
			},
			Deadlines: deadlines(7), Public: true, ReopenOnBad: true,
		},
		{
			Code: "ENV-NOISE", NameZh: "噪音扰民", NameEn: "Noise nuisance", Group: "environment",
			Description:   "施工噪音、商户经营噪音、设备噪音等扰民问题。邻里之间的生活噪音请选择“邻里纠纷调解”。",
			DescriptionEn: "Noise from building work, shops or equipment. For noise between neighbours choose neighbour dispute mediation.",
			Keywords:      []string{"噪音", "扰民", "施工", "夜间", "noise"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrOne("source", true, 1, "噪音来源", "Source", "",
					values("construction", "施工", "Building work", "shop", "商户经营", "Shop", "equipment", "设备（空调外机、水泵等）", "Equipment", "other", "其他", "Other")),
				attrMany("times", true, 2, "发生时段", "When", "可多选",
					values("morning", "早晨（6–8时）", "Early morning", "day", "白天", "Daytime", "evening", "晚上（18–22时）", "Evening", "night", "夜间（22时后）", "Night")),
				attrString("place", true, 3, "噪音位置", "Where", ""),
			},
			Deadlines: deadlines(7), Public: true, ReopenOnBad: true,
		},

		// ── dispute ──
		{
			Code: "DISPUTE-NEIGHBOR", NameZh: "邻里纠纷调解", NameEn: "Neighbour dispute mediation", Group: "dispute",
			Description:   "漏水、生活噪音、占用公共空间、宠物等邻里纠纷，由社区人民调解委员会组织调解。",
			DescriptionEn: "Disputes between neighbours (leaks, household noise, shared space, pets), mediated by the community's people's mediation committee.",
			Keywords:      []string{"纠纷", "调解", "邻里", "漏水", "dispute"},
			WhoMayApply:   "纠纷当事人",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("type", true, 1, "纠纷类型", "Kind of dispute", "",
					values("leak", "漏水", "Leak", "noise", "生活噪音", "Household noise", "space", "占用公共空间", "Shared space", "pet", "宠物", "Pets", "other", "其他", "Other")),
				attrString("other_party", false, 2, "对方住址", "The other party's address", "如：5号楼302"),
				attrText("story", true, 3, "纠纷经过", "What happened", ""),
			},
			Deadlines: deadlines(13), Public: true, ReopenOnBad: true,
		},
		{
			Code: "DISPUTE-PROPERTY", NameZh: "物业服务纠纷", NameEn: "Dispute with the property company", Group: "dispute",
			Description:   "业主与物业服务企业之间的服务质量、收费等纠纷，社区协调，必要时请街道物业管理部门介入。",
			DescriptionEn: "Disputes between owners and the property company about service or fees; the community mediates, the street's property office steps in when needed.",
			Keywords:      []string{"物业", "物业费", "服务质量", "property"},
			WhoMayApply:   "本社区业主、住户",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("topic", true, 1, "纠纷事项", "About", "",
					values("service", "服务质量", "Quality of service", "fee", "收费", "Fees", "parking", "停车管理", "Parking", "other", "其他", "Other")),
				attrText("story", true, 2, "情况说明", "What happened", ""),
			},
			Deadlines: deadlines(13), Public: true, ReopenOnBad: true,
		},

		// ── safety ──
		{
			Code: "SAFETY-HAZARD", NameZh: "安全隐患上报", NameEn: "Safety hazard report", Group: "safety",
			Description:   "电动自行车楼道充电、燃气隐患、消防设施损坏、高空坠物隐患等安全隐患上报，可匿名。",
			DescriptionEn: "Report a hazard: e-bikes charged in stairwells, gas, broken fire equipment, things that may fall from height. May be anonymous.",
			Keywords:      []string{"隐患", "安全", "电动车", "燃气", "消防", "hazard"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrMany("kinds", true, 1, "隐患类型", "Kind of hazard", "可多选",
					values("ebike", "电动自行车楼道充电/停放", "E-bike in the stairwell", "gas", "燃气", "Gas", "fire", "消防设施损坏", "Broken fire equipment", "fall", "高空坠物隐患", "Risk of falling objects", "other", "其他", "Other")),
				attrString("place", true, 2, "地点", "Place", ""),
				attrDatetime("seen", false, 3, "发现时间", "When seen", "年-月-日 时:分"),
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},
		{
			Code: "SAFETY-FIRE-LANE", NameZh: "消防通道堵塞", NameEn: "Blocked fire lane", Group: "safety",
			Description:   "车辆或杂物占用、堵塞消防车通道、楼道疏散通道。",
			DescriptionEn: "Cars or things blocking a fire lane or an escape route.",
			Keywords:      []string{"消防通道", "生命通道", "占用", "堵塞", "fire lane"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrOne("by", true, 1, "占用物", "Blocked by", "",
					values("car", "机动车", "Cars", "bike", "非机动车", "Bicycles", "things", "杂物", "Things")),
				attrString("place", true, 2, "地点", "Place", ""),
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},
		{
			Code: "SAFETY-RENTAL", NameZh: "群租与违规出租线索", NameEn: "Overcrowded or illegal letting", Group: "safety",
			Description:   "群租房、地下空间违规住人等线索，社区核实后报街道处置。",
			DescriptionEn: "Tips about overcrowded flats or people living in basements; the community checks and passes them to the street.",
			Keywords:      []string{"群租", "出租", "地下室", "rental"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Attrs: []linli.ServiceAttr{
				attrString("address", true, 1, "地址", "Address", "楼号-单元-门牌"),
				attrNumber("people", false, 2, "估计居住人数", "About how many people", ""),
			},
			Deadlines: deadlines(7), Public: true, ReopenOnBad: true,
		},

		// ── consultation: answered at the counter from the knowledge base ──
		{
			Code: "CONSULT-POLICY", NameZh: "政策咨询", NameEn: "Policy questions", Group: "consultation",
			Description:   "社区服务、救助、养老、居住证等政策咨询。工作人员可直接用知识库答复办结。",
			DescriptionEn: "Questions about community services, assistance, elderly care or residence permits, answered at once from the knowledge base.",
			Keywords:      []string{"咨询", "政策", "怎么办", "question"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("topic", false, 1, "咨询主题", "Topic", "",
					values("permit", "居住证", "Residence permit", "elderly", "养老服务", "Elderly care", "aid", "社会救助", "Social assistance", "other", "其他", "Other")),
			},
			Answers: []linli.KBAnswer{
				{Question: "居住证怎么办理？", Answer: "在本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，可持身份证和相关材料到居住地派出所或街道（乡镇）政务服务中心申领居住证。社区可开具居住情况证明。"},
				{Question: "高龄津贴从什么时候开始领？", Answer: "本市户籍老年人年满80周岁后，可到户籍所在社区申请，审核通过后按月发放到养老助残卡。具体标准以区民政局公布为准。"},
				{Question: "低保申请需要多长时间？", Answer: "社区受理后入户调查和民主评议，街道审核，区民政局审批。一般在30日内办结，情况复杂的可以延长，具体以区民政局规定为准。"},
				{Question: "社区能开哪些证明？", Answer: "居委会可以出具居住情况证明和参加社区活动情况证明。亲属关系、婚姻状况、收入、健在等证明不由社区出具，工作人员会告诉您应去的部门。"},
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},
		{
			Code: "CONSULT-SOCIAL-INSURANCE", NameZh: "社保医保咨询", NameEn: "Social and medical insurance questions", Group: "consultation",
			Description:   "城乡居民养老保险、城乡居民医疗保险参保缴费、待遇领取资格认证、异地就医备案等咨询。",
			DescriptionEn: "Questions about residents' pension and medical insurance: enrolment, payment, benefit checks, treatment in other cities.",
			Keywords:      []string{"社保", "医保", "参保", "缴费", "认证", "insurance"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyAssist, Authority: authHR + "、东城区医疗保障局", Funding: "社区协助经费按协助事项清单拨付",
			Attrs: []linli.ServiceAttr{
				attrOne("topic", true, 1, "咨询主题", "Topic", "",
					values("pension", "城乡居民养老保险", "Residents' pension", "medical", "城乡居民医疗保险", "Residents' medical insurance", "check", "待遇领取资格认证", "Benefit check", "remote", "异地就医备案", "Treatment elsewhere")),
			},
			Answers: []linli.KBAnswer{
				{Question: "城乡居民医保什么时候缴费？", Answer: "本市城乡居民医保实行年度集中缴费，一般在每年9月至12月缴纳下一年度费用，可通过银行、社保卡或线上渠道缴纳。具体时间和标准以区医保局通知为准。"},
				{Question: "养老金领取资格认证怎么做？", Answer: "可通过手机“国家社会保险公共服务平台”或北京人社App人脸识别完成认证；行动不便的老年人可由社区工作人员协助或预约上门。"},
				{Question: "异地就医怎么备案？", Answer: "可通过国家医保服务平台App或北京医保公共服务平台线上备案，也可到区医保经办窗口办理。"},
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},
		{
			Code: "CONSULT-RENOVATION", NameZh: "老旧小区综合整治咨询", NameEn: "Old compound renovation questions", Group: "consultation",
			Description:   "老旧小区综合整治、加装电梯、楼本体节能改造的进度和意见征询。",
			DescriptionEn: "Questions and views on the renovation of old compounds, adding lifts and insulating buildings.",
			Keywords:      []string{"老旧小区", "加装电梯", "改造", "renovation"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("topic", true, 1, "咨询主题", "Topic", "",
					values("lift", "加装电梯", "Adding a lift", "insulation", "节能改造", "Insulation", "schedule", "整治进度", "Schedule")),
			},
			Answers: []linli.KBAnswer{
				{Question: "加装电梯需要什么条件？", Answer: "以单元为单位，需经本单元业主依法表决同意并协商一致，由业主或委托的实施主体申请。社区可组织协商，具体政策以区住建委公布为准。"},
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},

		// ── health ──
		{
			Code: "HEALTH-FOLLOWUP", NameZh: "计生与健康随访服务", NameEn: "Family planning and health follow-up", Group: "health",
			Description:   "计划生育特殊家庭联系人服务、家庭医生签约、慢性病随访和老年人健康管理预约，由社区卫生服务中心对接。",
			DescriptionEn: "Contact service for special families of the family planning policy, family doctor contracts, chronic condition follow-up and elderly health checks, with the community health centre.",
			Keywords:      []string{"随访", "家庭医生", "签约", "体检", "计生", "follow-up"},
			WhoMayApply:   "本社区居民",
			Duty:          linli.DutyAssist, Authority: authHealth, Funding: "基本公共卫生服务经费",
			Attrs: []linli.ServiceAttr{
				attrOne("service", true, 1, "服务项目", "Service", "",
					values("doctor", "家庭医生签约", "Family doctor contract", "chronic", "慢病随访", "Chronic condition follow-up", "checkup", "老年人健康体检", "Elderly health check", "special", "计生特殊家庭联系服务", "Special family contact")),
				attrDatetime("when", false, 2, "希望的时间", "Preferred time", "年-月-日"),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: true,
		},
		{
			Code: "HEALTH-VACCINE", NameZh: "疫苗接种咨询", NameEn: "Vaccination questions", Group: "health",
			Description:   "儿童预防接种、成人流感疫苗、老年人肺炎疫苗等接种地点和预约咨询。",
			DescriptionEn: "Where and how to book children's vaccinations, flu and pneumonia vaccines for adults and the elderly.",
			Keywords:      []string{"疫苗", "接种", "流感", "预约", "vaccine"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyAssist, Authority: authHealth, Funding: "基本公共卫生服务经费",
			Attrs: []linli.ServiceAttr{
				attrOne("who", true, 1, "接种对象", "For whom", "",
					values("child", "儿童", "A child", "adult", "成人", "An adult", "elderly", "60岁以上老人", "Someone over 60")),
			},
			Answers: []linli.KBAnswer{
				{Question: "流感疫苗在哪里打？", Answer: "可在社区卫生服务中心或区内指定的预防接种门诊接种，建议通过“北京预防接种服务”公众号或电话预约。本市户籍60岁以上老人按当年政策可免费接种。"},
				{Question: "孩子打疫苗要带什么？", Answer: "请携带儿童预防接种证，按接种门诊的预约时间前往。"},
			},
			Deadlines: deadlines(3), Public: true, ReopenOnBad: true,
		},

		// ── other ──
		{
			Code: "OTHER-VOLUNTEER", NameZh: "志愿服务报名", NameEn: "Volunteer sign-up", Group: "other",
			Description:   "报名参加社区志愿服务：垃圾分类值守、助老、文明引导、应急等。",
			DescriptionEn: "Sign up to volunteer in the community: waste sorting, helping the elderly, civic guidance, emergencies.",
			Keywords:      []string{"志愿者", "志愿服务", "报名", "volunteer"},
			WhoMayApply:   "年满16周岁的居民",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrMany("interests", true, 1, "服务方向", "Interests", "可多选",
					values("sorting", "垃圾分类值守", "Waste sorting", "elderly", "助老服务", "Helping the elderly", "civic", "文明引导", "Civic guidance", "emergency", "应急志愿", "Emergencies")),
				attrMany("availability", true, 2, "可服务时间", "When available", "可多选",
					values("weekday", "工作日白天", "Weekdays", "evening", "工作日晚上", "Weekday evenings", "weekend", "周末", "Weekends")),
				attrNumber("hours", false, 3, "每月可服务小时数", "Hours a month", ""),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: false,
		},
		{
			Code: "OTHER-DONATION", NameZh: "慈善捐赠", NameEn: "Donations", Group: "other",
			Description:   "向社区慈善捐赠站点捐赠衣物、图书、生活用品等，社区登记并公示去向。",
			DescriptionEn: "Give clothes, books or household goods to the community donation point; the community records them and publishes where they go.",
			Keywords:      []string{"捐赠", "慈善", "衣物", "图书", "donation"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrMany("kinds", true, 1, "捐赠物品", "What", "可多选",
					values("clothes", "衣物", "Clothes", "books", "图书", "Books", "goods", "生活用品", "Household goods", "other", "其他", "Other")),
				attrNumber("quantity", false, 2, "数量（件）", "How many items", ""),
				attrDatetime("pickup", false, 3, "上门收取时间", "Pick-up time", "需要上门收取时填写"),
			},
			Deadlines: deadlines(5), Public: true, ReopenOnBad: false,
		},
		{
			Code: "OTHER-SUGGESTION", NameZh: "意见建议", NameEn: "Suggestions", Group: "other",
			Description:   "对社区建设、服务和居务公开的意见建议，可匿名。",
			DescriptionEn: "Suggestions about the community, its services and its public notices. May be anonymous.",
			Keywords:      []string{"建议", "意见", "suggestion"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn, Anonymous: true,
			Deadlines: deadlines(13), Public: true, ReopenOnBad: true,
		},
		{
			Code: "OTHER-PRAISE", NameZh: "表扬感谢", NameEn: "Thanks and praise", Group: "other",
			Description:   "对工作人员、志愿者和承办单位的表扬感谢。",
			DescriptionEn: "Thanks to staff, volunteers and units.",
			Keywords:      []string{"表扬", "感谢", "锦旗", "thanks"},
			WhoMayApply:   "任何人",
			Duty:          linli.DutyOwn,
			Deadlines:     deadlines(5), Public: true, ReopenOnBad: false,
		},
		{
			Code: "OTHER-GRID-PATROL", NameZh: "网格巡查事件", NameEn: "Grid patrol finding", Group: "other",
			Description:   "网格员巡查发现的问题登记，按事项转相关单位处置（内部事项）。",
			DescriptionEn: "Something a grid worker found on patrol, passed to the unit concerned (internal).",
			Keywords:      []string{"巡查", "网格", "patrol"},
			WhoMayApply:   "网格员、社区工作者",
			Duty:          linli.DutyOwn,
			Attrs: []linli.ServiceAttr{
				attrOne("kind", true, 1, "事件类型", "Kind", "",
					values("facility", "设施损坏", "Broken facility", "environment", "环境问题", "Environment", "safety", "安全隐患", "Safety", "people", "重点人员关注", "People to look after")),
				attrString("place", true, 2, "地点", "Place", ""),
			},
			Deadlines: deadlines(5), Public: false, ReopenOnBad: false,
		},

		// ── the negative list: refused at intake with a referral ──
		{
			Code: "NEG-INVESTMENT", NameZh: "招商引资任务", NameEn: "Investment promotion targets", Group: "other",
			Description:   "招商引资、经济创收指标不属于社区工作事项（民发〔2015〕136号），社区不予承接。",
			DescriptionEn: "Investment promotion and revenue targets are not community work; the community does not take them on.",
			Keywords:      []string{"招商引资", "经济指标", "investment"},
			Duty:          linli.DutyNegative, Referral: "东城区商务局（区投资促进服务中心）",
		},
		{
			Code: "NEG-DEMOLITION", NameZh: "拆除违法建设执法", NameEn: "Enforcement against illegal structures", Group: "environment",
			Description:   "拆违等行政执法不由社区作为责任主体承担。居民发现违法建设可通过“安全隐患上报”或12345反映线索。",
			DescriptionEn: "Enforcement such as demolishing illegal structures is not the community's duty. Residents may report illegal building as a hazard or to 12345.",
			Keywords:      []string{"拆违", "违法建设", "违建", "执法", "demolition"},
			Duty:          linli.DutyNegative, Referral: "街道综合行政执法队；线索可拨打12345",
		},
		{
			Code: "NEG-TAX", NameZh: "协税护税", NameEn: "Tax collection assistance", Group: "other",
			Description:   "协税护税不属于社区工作事项（民发〔2015〕136号），社区不予承接。",
			DescriptionEn: "Helping to collect taxes is not community work; the community does not take it on.",
			Keywords:      []string{"协税", "护税", "税收", "tax"},
			Duty:          linli.DutyNegative, Referral: "国家税务总局北京市东城区税务局",
		},
	}
}
