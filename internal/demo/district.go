package demo

import (
	"fmt"
	"strings"

	"github.com/linli-org/linli"
)

// Codes of the nodes the demo story and the tests rely on. They are real
// statistical division codes (统计用区划代码) of 北京市东城区; the grid code
// follows linli's own rule (community code, "-", a number).
const (
	DistrictCode   = "110101000000"    // 东城区
	StreetCode     = "110101001000"    // 东华门街道, the first street
	CommunityACode = "110101001001"    // 多福巷社区, "community A"
	CommunityBCode = "110101001002"    // 银闸社区, "community B"
	GridA1Code     = "110101001001-01" // 多福巷社区第1网格
)

// Names of the nodes above.
const (
	DistrictName   = "东城区"
	StreetName     = "东华门街道"
	CommunityAName = "多福巷社区"
	CommunityBName = "银闸社区"
	GridA1Name     = "多福巷社区第1网格"
)

// Org unit names the accounts belong to, and the district departments a
// service hall dispatches work orders to.
const (
	OrgCivilAffairs   = "东城区民政局"
	OrgHumanResources = "东城区人社局"
	OrgServiceCenter  = "东城区政务服务中心"
	OrgPropertyA      = "北京东华物业管理有限公司"

	OrgCityManagement = "东城区城市管理委员会"
	OrgHousing        = "东城区住房和城乡建设委员会"
	OrgHealth         = "东城区卫生健康委员会"
	OrgEnvironment    = "东城区生态环境局"
	OrgDisabled       = "东城区残疾人联合会"
	OrgJustice        = "东城区司法局"
	OrgEmergency      = "东城区应急管理局"
	OrgFireRescue     = "东城区消防救援支队"
	OrgMedicalSec     = "东城区医疗保障局"
)

// departments are the district departments with the short key of their
// handler account and their mailbox (a reserved .example domain: the
// demo never mails anyone).
var departments = []struct{ Name, Key string }{
	{OrgCivilAffairs, "mzj"}, {OrgHumanResources, "rsj"}, {OrgCityManagement, "cgw"}, {OrgHousing, "zjw"},
	{OrgHealth, "wjw"}, {OrgEnvironment, "sthjj"}, {OrgDisabled, "cl"}, {OrgJustice, "sfj"},
	{OrgEmergency, "yjj"}, {OrgFireRescue, "xfzd"}, {OrgMedicalSec, "ybj"},
}

// unitMailDomain is the domain of the demo units' mailboxes (RFC 2606).
const unitMailDomain = "dongcheng.example"

// propertyCompanies are the property companies (物业服务企业) of the
// communities that have one in the demo; community A's is OrgPropertyA.
// The key names the handler account.
var propertyCompanies = []struct{ CommunityCode, Name, Key string }{
	{CommunityACode, OrgPropertyA, "wy001001"},
	{"110101001005", "北京金厂物业服务有限公司", "wy001005"},
	{"110101002001", "北京隆福物业管理有限公司", "wy002001"},
	{"110101003001", "北京交东物业服务有限公司", "wy003001"},
	{"110101005001", "北京九道湾物业管理有限公司", "wy005001"},
	{"110101006001", "北京东四物业服务有限公司", "wy006001"},
	{"110101007001", "北京史家胡同物业管理有限公司", "wy007001"},
	{"110101008001", "北京崇内物业服务有限公司", "wy008001"},
}

// streetPlan is one street (街道) of the demo district and its communities.
type streetPlan struct {
	suffix      string // the street's 3 digits (code positions 7–9)
	name        string
	communities []communityPlan
}

// communityPlan is one community (社区); suffix is its last 3 code digits.
type communityPlan struct {
	suffix string
	name   string
}

// streets are eight real streets of 东城区 with their real codes. The
// community names are real or plausible for each street; the first street's
// codes are the published ones, the others are numbered in order.
var streets = []streetPlan{
	{"001", "东华门街道", []communityPlan{
		{"001", "多福巷社区"}, {"002", "银闸社区"}, {"005", "东厂社区"},
		{"006", "智德社区"}, {"007", "南池子社区"}, {"008", "灯市口社区"},
	}},
	{"002", "景山街道", []communityPlan{
		{"001", "隆福寺社区"}, {"002", "吉祥社区"}, {"003", "黄化门社区"},
		{"004", "钟鼓社区"}, {"005", "魏家社区"}, {"006", "景东社区"},
	}},
	{"003", "交道口街道", []communityPlan{
		{"001", "交东社区"}, {"002", "福祥社区"}, {"003", "大兴社区"},
		{"004", "府学社区"}, {"005", "鼓楼苑社区"},
	}},
	{"004", "安定门街道", []communityPlan{
		{"001", "交北头条社区"}, {"002", "北锣鼓巷社区"}, {"003", "国子监社区"},
		{"004", "钟楼湾社区"}, {"005", "宝钞南社区"},
	}},
	{"005", "北新桥街道", []communityPlan{
		{"001", "九道湾社区"}, {"002", "北新桥三条社区"}, {"003", "民安社区"},
		{"004", "前永康社区"}, {"005", "新太仓社区"},
	}},
	{"006", "东四街道", []communityPlan{
		{"001", "东四六条社区"}, {"002", "东四七条社区"}, {"003", "东四八条社区"},
		{"004", "豆瓣社区"}, {"005", "总院社区"},
	}},
	{"007", "朝阳门街道", []communityPlan{
		{"001", "史家社区"}, {"002", "内务社区"}, {"003", "演乐社区"},
		{"004", "礼士社区"}, {"005", "竹竿社区"},
	}},
	{"008", "建国门街道", []communityPlan{
		{"001", "崇内社区"}, {"002", "西总布社区"}, {"003", "大雅宝社区"},
		{"004", "赵家楼社区"}, {"005", "东单社区"},
	}},
}

// gridsIn is how many grids community ci of street si has: 3 to 6, varying
// from community to community (community A has 6, community B 5).
func gridsIn(si, ci int) int { return 6 - (si*2+ci)%4 }

// gridCode is the code of grid n (1-based) of a community.
func gridCode(communityCode string, n int) string { return fmt.Sprintf("%s-%02d", communityCode, n) }

// gridName is the display name of grid n of a community.
func gridName(communityName string, n int) string {
	return fmt.Sprintf("%s第%d网格", communityName, n)
}

// node is one area of the planned tree.
type node struct {
	Level      linli.Level
	Code       string
	Name       string
	ParentCode string // "" for the district
}

// plan returns the whole planned tree in creation order: every parent comes
// before its children.
func plan() []node {
	out := []node{{Level: linli.LevelDistrict, Code: DistrictCode, Name: DistrictName}}
	prefix := DistrictCode[:6]
	for si, st := range streets {
		sc := prefix + st.suffix + "000"
		out = append(out, node{Level: linli.LevelStreet, Code: sc, Name: st.name, ParentCode: DistrictCode})
		for ci, c := range st.communities {
			cc := prefix + st.suffix + c.suffix
			out = append(out, node{Level: linli.LevelCommunity, Code: cc, Name: c.name, ParentCode: sc})
			for n := 1; n <= gridsIn(si, ci); n++ {
				out = append(out, node{Level: linli.LevelGrid, Code: gridCode(cc, n), Name: gridName(c.name, n), ParentCode: cc})
			}
		}
	}
	return out
}

// orgPlan is one org unit, placed at the area with code AreaCode. Its
// supervisor (督办 goes there) is the unit named Supervisor at the area
// with code SupervisorArea, planned before it.
type orgPlan struct {
	Name           string
	Kind           string
	AreaCode       string
	Email          string
	Supervisor     string
	SupervisorArea string
}

// orgUnits returns the planned org units, each after its supervisor: the
// district's service centre (the district office, which supervises the
// departments and the street offices), the district departments, one
// office per street, one residents' committee per community (supervised
// by its street office) and the property companies of some communities
// (supervised by their street office too).
func orgUnits(tree []node) []orgPlan {
	out := []orgPlan{{Name: OrgServiceCenter, Kind: "district_office", AreaCode: DistrictCode, Email: "zwfw@" + unitMailDomain}}
	for _, d := range departments {
		out = append(out, orgPlan{Name: d.Name, Kind: "department", AreaCode: DistrictCode, Email: d.Key + "@" + unitMailDomain,
			Supervisor: OrgServiceCenter, SupervisorArea: DistrictCode})
	}
	street := map[string]string{} // street code -> name
	for _, n := range tree {
		switch n.Level {
		case linli.LevelStreet:
			street[n.Code] = n.Name
			out = append(out, orgPlan{Name: streetOffice(n.Name), Kind: "street_office", AreaCode: n.Code,
				Email: "jd" + n.Code[6:9] + "@" + unitMailDomain, Supervisor: OrgServiceCenter, SupervisorArea: DistrictCode})
		case linli.LevelCommunity:
			out = append(out, orgPlan{Name: committee(n.Name), Kind: "community_committee", AreaCode: n.Code,
				Supervisor: streetOffice(street[n.ParentCode]), SupervisorArea: n.ParentCode})
		}
	}
	for _, p := range propertyCompanies {
		sc := p.CommunityCode[:9] + "000"
		out = append(out, orgPlan{Name: p.Name, Kind: "property_company", AreaCode: p.CommunityCode,
			Supervisor: streetOffice(street[sc]), SupervisorArea: sc})
	}
	return out
}

func streetOffice(street string) string { return street + "办事处" }
func committee(community string) string { return community + "居民委员会" }

// accountPlan is one demo account. OrgName/OrgArea locate its org unit
// (empty for residents and volunteers); ScopeCode is its one scope node.
type accountPlan struct {
	Role        linli.Role
	Username    string
	DisplayName string
	OrgName     string
	OrgArea     string
	ScopeCode   string
}

// accounts are the demo accounts: one per role, plus a second community
// worker in community B so scope tests have someone outside community A.
var accounts = []accountPlan{
	{linli.RoleDistrictAdmin, "district.admin", "张明华", OrgServiceCenter, DistrictCode, DistrictCode},
	{linli.RoleSystemAdmin, "sys.admin", "王建国", OrgServiceCenter, DistrictCode, DistrictCode},
	{linli.RoleSecurityAdmin, "sec.admin", "李静怡", OrgServiceCenter, DistrictCode, DistrictCode},
	{linli.RoleAuditAdmin, "audit.admin", "赵立新", OrgServiceCenter, DistrictCode, DistrictCode},
	{linli.RoleStreetStaff, "street.staff", "陈晓燕", streetOffice(StreetName), StreetCode, StreetCode},
	{linli.RoleCommunityHead, "comm.head", "刘淑芬", committee(CommunityAName), CommunityACode, CommunityACode},
	{linli.RoleCommunityWorker, "comm.worker", "孙丽娟", committee(CommunityAName), CommunityACode, CommunityACode},
	{linli.RoleCommunityWorker, "comm.worker.b", "周海涛", committee(CommunityBName), CommunityBCode, CommunityBCode},
	{linli.RoleGridWorker, "grid.worker", "吴志强", committee(CommunityAName), CommunityACode, GridA1Code},
	{linli.RoleDeptStaff, "dept.staff", "郑雅琴", OrgCivilAffairs, DistrictCode, DistrictCode},
	{linli.RoleResident, "resident", "王秀英", "", "", ""},
	{linli.RoleVolunteer, "volunteer", "何磊", "", "", ""},
}

// scopeLabel is the display path of the node with code, e.g.
// "东城区 / 东华门街道 / 多福巷社区"; "" for no scope.
func scopeLabel(byCode map[string]node, code string) string {
	var parts []string
	for c := code; c != ""; {
		n, ok := byCode[c]
		if !ok {
			break
		}
		parts = append(parts, n.Name)
		c = n.ParentCode
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, " / ")
}
