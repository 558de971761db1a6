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

// Org unit names the accounts belong to.
const (
	OrgCivilAffairs   = "东城区民政局"
	OrgHumanResources = "东城区人社局"
	OrgServiceCenter  = "东城区政务服务中心"
	OrgPropertyA      = "北京东华物业管理有限公司"
)

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

// orgPlan is one org unit, placed at the area with code AreaCode.
type orgPlan struct {
	Name     string
	Kind     string
	AreaCode string
}

// orgUnits returns the planned org units: the district's departments and
// service centre, one office per street, one residents' committee per
// community and a property company in community A.
func orgUnits(tree []node) []orgPlan {
	out := []orgPlan{
		{OrgCivilAffairs, "department", DistrictCode},
		{OrgHumanResources, "department", DistrictCode},
		{OrgServiceCenter, "district_office", DistrictCode},
	}
	for _, n := range tree {
		switch n.Level {
		case linli.LevelStreet:
			out = append(out, orgPlan{streetOffice(n.Name), "street_office", n.Code})
		case linli.LevelCommunity:
			out = append(out, orgPlan{committee(n.Name), "community_committee", n.Code})
		}
	}
	return append(out, orgPlan{OrgPropertyA, "property_company", CommunityACode})
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
