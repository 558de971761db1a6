package open311

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
)

// One document, two encodings, the Spark convention: a list is an array,
// a nested container an array of its items, nil is null / an empty
// element, and times are UTC with "Z" and whole seconds.
func TestEncode(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 30, 15, 123456789, time.FixedZone("CST", 8*3600))
	d := doc{root: "service_requests", body: list{item: "request", elems: []any{obj{
		{"service_request_id", "GD20250301000001"},
		{"description", `灯 <坏> & "黑"`},
		{"metadata", true},
		{"order", 2},
		{"lat", 39.9163},
		{"requested_datetime", at},
		{"media_url", nil},
		{"values", list{item: "value", elems: []any{obj{{"key", "1"}, {"name", "一层"}}}}},
		{"formats", list{item: "format", elems: []any{"text/xml", "application/json"}}},
		{"empty", list{item: "x", elems: []any{}}},
	}}}}
	x, err := d.encode(fmtXML)
	if err != nil {
		t.Fatal(err)
	}
	wantX := `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<service_requests><request><service_request_id>GD20250301000001</service_request_id>` +
		`<description>灯 &lt;坏&gt; &amp; &#34;黑&#34;</description><metadata>true</metadata><order>2</order><lat>39.9163</lat>` +
		`<requested_datetime>2025-03-01T01:30:15Z</requested_datetime><media_url></media_url>` +
		`<values><value><key>1</key><name>一层</name></value></values><formats><format>text/xml</format><format>application/json</format></formats>` +
		`<empty></empty></request></service_requests>` + "\n"
	if string(x) != wantX {
		t.Errorf("XML =\n%s\nwant\n%s", x, wantX)
	}
	j, err := d.encode(fmtJSON)
	if err != nil {
		t.Fatal(err)
	}
	wantJ := `[{"service_request_id":"GD20250301000001","description":"灯 <坏> & \"黑\"","metadata":true,"order":2,"lat":39.9163,` +
		`"requested_datetime":"2025-03-01T01:30:15Z","media_url":null,"values":[{"key":"1","name":"一层"}],` +
		`"formats":["text/xml","application/json"],"empty":[]}]` + "\n"
	if string(j) != wantJ {
		t.Errorf("JSON =\n%s\nwant\n%s", j, wantJ)
	}
	// A leaf of an unknown type is an error, not a guess.
	if _, err := (doc{root: "x", body: obj{{"y", struct{}{}}}}).encode(fmtJSON); err == nil {
		t.Error("encoding a struct leaf succeeded")
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, name, want string }{
		{"请联系 13912345678", "", "请联系 139****5678"},
		{"电话 139 1234 5678 或 +86 139-1234-5678", "", "电话 139****5678 或 139****5678"},
		{"座机 010-65123456", "", "座机 010****3456"},
		{"身份证110101194503127829，另一个11010119450312782X", "", "身份证1101**********7829，另一个1101**********782X"},
		{"邮箱 zhang.san@example.com.cn", "", "邮箱 z***@example.com.cn"},
		{"王秀英说王秀英家楼道灯坏了", "王秀英", "王*英说王*英家楼道灯坏了"},
		{"3号楼2单元，2025-03-01 晚 8 点", "王", "3号楼2单元，2025-03-01 晚 8 点"}, // short numbers and dates stay; a one-character name is not replaced
		{"", "王秀英", ""},
	}
	for _, c := range cases {
		if got := redact(c.in, c.name); got != c.want {
			t.Errorf("redact(%q, %q) = %q, want %q", c.in, c.name, got, c.want)
		}
	}
}

// Every state maps to open/closed and an FMS status, and has a name;
// every group, deadline unit and public event kind has its words.
func TestStateTablesAndCatalogs(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, st := range linli.WOStates {
		if fmsStatus[st] == "" {
			t.Errorf("state %s has no FMS status", st)
		}
		if (status(st) == "closed") != (fmsStatus[st] == "CLOSED" || fmsStatus[st] == "FIXED" || fmsStatus[st] == "DUPLICATE" ||
			fmsStatus[st] == "CANCELLED" || fmsStatus[st] == "NO_FURTHER_ACTION") {
			t.Errorf("state %s: %s but FMS %s", st, status(st), fmsStatus[st])
		}
		keys = append(keys, "open311.state."+string(st))
	}
	for _, g := range linli.ServiceGroups {
		keys = append(keys, "open311.group."+g)
	}
	for _, u := range []linli.DeadlineUnit{linli.UnitHours, linli.UnitWorkingHours, linli.UnitWorkingDays} {
		keys = append(keys, "open311.notice."+string(u))
	}
	for _, k := range []string{"created", "dispatch", "sign", "contact", "grant_extension", "defer", "resume", "resolve", "answer", "rate",
		"reopen", "close_unrated", "withdraw", "void", "mark_duplicate"} {
		keys = append(keys, "open311.note."+k)
	}
	// And every key written in this package's code.
	files, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile(`"(open311\.[a-z_.]+[a-z_])"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	if len(keys) < 80 {
		t.Fatalf("only %d keys found", len(keys))
	}
	for _, lang := range locale.Languages {
		p := cat.Printer(lang)
		for _, k := range keys {
			if !p.Has(k) {
				t.Errorf("%s: no message %s", lang, k)
			}
		}
	}
}

func TestContactName(t *testing.T) {
	for _, c := range [][3]string{{"秀英", "王", "王秀英"}, {"张三", "", "张三"}, {"", "李", "李"}, {"John", "Smith", "John Smith"}, {" ", " ", ""}} {
		if got := contactName(c[0], c[1]); got != c[2] {
			t.Errorf("contactName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
