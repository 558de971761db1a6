package codes

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRegionData(t *testing.T) {
	tab := regions()
	wantProvinces := []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
	var provinces []string
	levels := map[Level]int{}
	for i, r := range tab.list {
		levels[r.Level]++
		if i > 0 && tab.list[i-1].Code >= r.Code {
			t.Fatalf("not sorted at %s", r.Code)
		}
		if r.Name == "" || strings.ContainsAny(r.Name, " \t") {
			t.Errorf("%s: name %q", r.Code, r.Name)
		}
		switch r.Level {
		case LevelProvince:
			provinces = append(provinces, r.Code[:2])
			if r.Parent != "" || r.Former {
				t.Errorf("province %s: parent %q, former %v", r.Code, r.Parent, r.Former)
			}
			continue
		case LevelPrefecture:
			if r.Former {
				t.Errorf("prefecture %s is former", r.Code)
			}
		}
		// Every prefecture and county hangs from a region that exists, one
		// level up (a county may hang from its province), whose code it
		// extends.
		p, ok := LookupRegion(r.Parent)
		if !ok {
			t.Errorf("%s %s: parent %q unknown", r.Code, r.Name, r.Parent)
			continue
		}
		switch {
		case r.Level == LevelPrefecture && p.Level == LevelProvince && r.Code[:2] == p.Code[:2]:
		case r.Level == LevelCounty && p.Level == LevelPrefecture && r.Code[:4] == p.Code[:4]:
		case r.Level == LevelCounty && p.Level == LevelProvince && r.Code[:2] == p.Code[:2]:
			if _, ok := LookupRegion(r.Code[:4] + "00"); ok {
				t.Errorf("county %s hangs from its province though prefecture %s00 exists", r.Code, r.Code[:4])
			}
		default:
			t.Errorf("%s (level %d) under %s (level %d)", r.Code, r.Level, p.Code, p.Level)
		}
	}
	if !slices.Equal(provinces, wantProvinces) {
		t.Fatalf("provinces = %v (%d), want the 34 province-level codes", provinces, len(provinces))
	}
	// The counts of 2023 give or take a few: about 333 prefectures and
	// 2,840 counties, plus the former codes.
	if levels[LevelPrefecture] < 320 || levels[LevelPrefecture] > 340 || levels[LevelCounty] < 2800 || levels[LevelCounty] > 2900 {
		t.Fatalf("levels = %v", levels)
	}
}

func TestLookupRegion(t *testing.T) {
	tests := []struct {
		code, name, parent, full string
		level                    Level
		former                   bool
	}{
		{"110000", "北京市", "", "北京市", LevelProvince, false},
		{"110101", "东城区", "110000", "北京市 东城区", LevelCounty, false},
		{"510100", "成都市", "510000", "四川省 成都市", LevelPrefecture, false},
		{"510104", "锦江区", "510100", "四川省 成都市 锦江区", LevelCounty, false},
		{"429004", "仙桃市", "420000", "湖北省 仙桃市", LevelCounty, false},
		{"441900", "东莞市", "440000", "广东省 东莞市", LevelPrefecture, false},
		{"330113", "临平区", "330100", "浙江省 杭州市 临平区", LevelCounty, false}, // 2021
		{"330103", "下城区", "330100", "浙江省 杭州市 下城区", LevelCounty, true},  // abolished 2021
		{"659012", "白杨市", "650000", "新疆维吾尔自治区 白杨市", LevelCounty, false},
		{"710000", "台湾省", "", "台湾省", LevelProvince, false},
		{"810000", "香港特别行政区", "", "香港特别行政区", LevelProvince, false},
		{"820000", "澳门特别行政区", "", "澳门特别行政区", LevelProvince, false},
	}
	for _, tt := range tests {
		r, ok := LookupRegion(tt.code)
		if !ok || r.Name != tt.name || r.Parent != tt.parent || r.Level != tt.level || r.Former != tt.former || r.FullName() != tt.full {
			t.Errorf("LookupRegion(%s) = %+v %q, %v", tt.code, r, r.FullName(), ok)
		}
		if got := RegionName(tt.code); got != tt.full {
			t.Errorf("RegionName(%s) = %q, want %q", tt.code, got, tt.full)
		}
	}
	for _, code := range []string{"", "110100", "130171", "232761", "999999", "11010", "1101011", "abcdef", "810001"} {
		if r, ok := LookupRegion(code); ok || RegionName(code) != "" {
			t.Errorf("LookupRegion(%q) = %+v, want unknown", code, r)
		}
	}
}

func TestNearestRegion(t *testing.T) {
	tests := []struct{ code, want string }{
		{"510104", "510104"},
		{"330103", "330103"}, // former, still known
		{"110103", "110000"}, // 崇文区, merged into 东城区 in 2010: Beijing has no prefecture level
		{"510199", "510100"}, // unknown county of a known prefecture
		{"429099", "420000"}, // counties under the province
		{"910101", ""},
		{"5101", ""},
		{"51010x", ""},
	}
	for _, tt := range tests {
		r, ok := NearestRegion(tt.code)
		if r.Code != tt.want || ok != (tt.want != "") {
			t.Errorf("NearestRegion(%q) = %s, %v; want %q", tt.code, r.Code, ok, tt.want)
		}
	}
}

func TestRegionChildren(t *testing.T) {
	codesOf := func(rs []Region) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Code)
		}
		return out
	}
	provinces := codesOf(RegionChildren(""))
	if len(provinces) != 34 || provinces[0] != "110000" || provinces[33] != "820000" {
		t.Fatalf("RegionChildren(\"\") = %v", provinces)
	}
	tests := []struct {
		code      string
		has, lack []string
	}{
		{"110000", []string{"110101", "110108", "110119"}, []string{"110100", "110000"}},
		{"420000", []string{"420100", "422800", "429004", "429021"}, []string{"429000", "420102"}},
		{"330100", []string{"330102", "330113", "330114"}, []string{"330103", "330104"}}, // former codes are not offered
		{"510104", nil, []string{"510104"}},
		{"999999", nil, nil},
	}
	for _, tt := range tests {
		got := codesOf(RegionChildren(tt.code))
		if !slices.IsSorted(got) {
			t.Errorf("RegionChildren(%s) not sorted: %v", tt.code, got)
		}
		for _, c := range tt.has {
			if !slices.Contains(got, c) {
				t.Errorf("RegionChildren(%s) lacks %s: %v", tt.code, c, got)
			}
		}
		for _, c := range tt.lack {
			if slices.Contains(got, c) {
				t.Errorf("RegionChildren(%s) has %s", tt.code, c)
			}
		}
	}
}

func TestShortName(t *testing.T) {
	tests := []struct{ code, want string }{
		{"110000", "北京"},
		{"150000", "内蒙古"},
		{"450000", "广西"},
		{"640000", "宁夏"},
		{"650000", "新疆"},
		{"540000", "西藏"},
		{"810000", "香港"},
		{"710000", "台湾"},
		{"130100", "石家庄"},
		{"422800", "恩施"},   // 恩施土家族苗族自治州
		{"654000", "伊犁"},   // 伊犁哈萨克自治州: no 族
		{"632800", "海西"},   // 海西蒙古族藏族自治州
		{"152500", "锡林郭勒"}, // 盟
		{"542500", "阿里"},   // 地区
		{"429021", "神农架"},  // 林区
		{"520203", "六枝"},   // 六枝特区
		{"310115", "浦东"},   // 浦东新区
		{"441803", "清新"},   // 清新区: not 清
		{"622927", "积石山"},  // 积石山保安族东乡族撒拉族自治县
		{"500242", "酉阳"},   // 酉阳土家族苗族自治县
		{"510104", "锦江"},   // 区
		{"340523", "和县"},   // one character would be left
		{"140302", "城区"},   // the same
		{"469025", "白沙"},   // 白沙黎族自治县
		{"632324", "河南"},   // 河南蒙古族自治县
		{"152502", "锡林浩特"}, // 市
		{"469029", "保亭"},   // 保亭黎族苗族自治县
		{"532900", "大理"},   // 大理白族自治州
		{"130000", "河北"},   // 省
		{"500000", "重庆"},   // 市
		{"653000", "克孜勒苏"}, // 克孜勒苏柯尔克孜自治州
		{"230100", "哈尔滨"},  // 市
		{"150700", "呼伦贝尔"}, // 市
		{"152900", "阿拉善"},  // 盟
		{"220400", "辽源"},   // 市
		{"433100", "湘西"},   // 湘西土家族苗族自治州
		{"513200", "阿坝"},   // 阿坝藏族羌族自治州
		{"532800", "西双版纳"}, // 西双版纳傣族自治州
		{"130828", "围场"},   // 围场满族蒙古族自治县
		{"533325", "兰坪"},   // 兰坪白族普米族自治县
		{"460400", "儋州"},   // 市
		{"620200", "嘉峪关"},  // 市
		{"530926", "耿马"},   // 耿马傣族佤族自治县
		{"632200", "海北"},   // 海北藏族自治州
		{"230700", "伊春"},   // 市
	}
	for _, tt := range tests {
		r, ok := LookupRegion(tt.code)
		if !ok {
			t.Errorf("%s unknown", tt.code)
			continue
		}
		if got := r.ShortName(); got != tt.want {
			t.Errorf("ShortName(%s %s) = %q, want %q", tt.code, r.Name, got, tt.want)
		}
	}
}

func TestResolveRegion(t *testing.T) {
	tests := []struct {
		in   string
		want string // code, or an error: "code", "name", "ambiguous"
	}{
		{"510104", "510104"},
		{" 510104 ", "510104"},
		{"５１０１０４", "510104"},
		{"510100 四川省 成都市", "510100"},
		{"330103", "330103"}, // a former code is still a code
		{"999999", "code"},
		{"110100", "code"},
		{"51", "code"},
		{"5101041", "code"},
		{"锦江区", "510104"},
		{"锦江", "510104"},
		{"成都市锦江区", "510104"},
		{"四川省 成都市 锦江区", "510104"},
		{"四川 成都 锦江", "510104"},
		{"四川锦江区", "510104"},
		{"四川省/成都市/锦江区", "510104"},
		{"北京", "110000"},
		{"北京市", "110000"},
		{"北京市 东城区", "110101"},
		{"北京朝阳", "110105"},
		{"东城", "110101"},
		{"吉林", "220000"},    // the province's short name wins
		{"吉林市", "220200"},   // an official name beats short names
		{"河南", "410000"},    // not 河南蒙古族自治县
		{"黄南 河南", "632324"}, // …which its prefecture names
		{"海南", "460000"},    // not 海南藏族自治州
		{"湖北仙桃", "429004"},  // a county the province governs directly
		{"恩施州", "name"},     // 州 is not a short ending
		{"湘西", "433100"},
		{"伊犁", "654000"},
		{"内蒙古", "150000"},
		{"香港", "810000"},
		{"上海 浦东", "310115"},
		{"沙县", "350405"}, // 沙县 became 沙县区 (350405); the former 350427 is not found by name
		{"三元区", "350404"},
		{"临平", "330113"},
		{"下城区", "name"}, // abolished
		{"朝阳区", "ambiguous"},
		{"朝阳", "ambiguous"},
		{"鼓楼区", "ambiguous"},
		{"江苏 鼓楼区", "ambiguous"},
		{"南京 鼓楼区", "320106"},
		{"恩施", "ambiguous"}, // the prefecture and its city
		{"火星", "name"},
		{"", "name"},
		{"   ", "name"},
		{"成都市 锦江区 某街道", "name"},
	}
	for _, tt := range tests {
		r, err := ResolveRegion(tt.in)
		var got string
		var amb *AmbiguousError
		switch {
		case err == nil:
			got = r.Code
		case errors.Is(err, ErrUnknownCode):
			got = "code"
		case errors.Is(err, ErrUnknownName):
			got = "name"
		case errors.As(err, &amb) && errors.Is(err, ErrAmbiguous) && len(amb.Candidates) > 1:
			got = "ambiguous"
		default:
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("ResolveRegion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	_, err := ResolveRegion("鼓楼区")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) < 4 || amb.Candidates[0].FullName() != "江苏省 南京市 鼓楼区" {
		t.Fatalf("鼓楼区: %v", err)
	}
}

// TestEveryRegionResolves: the code and the full name of every region in
// use resolve to it, so a picker can offer either; former codes resolve
// by code only.
func TestEveryRegionResolves(t *testing.T) {
	for _, r := range regions().list {
		if got, err := ResolveRegion(r.Code); err != nil || got != r {
			t.Errorf("ResolveRegion(%s) = %+v, %v", r.Code, got, err)
		}
		got, err := ResolveRegion(r.FullName())
		switch {
		case r.Former:
			if err == nil && got.Code == r.Code {
				t.Errorf("former %s found by name", r.Code)
			}
		case err != nil || got != r:
			t.Errorf("ResolveRegion(%q) = %+v, %v", r.FullName(), got, err)
		}
	}
}
