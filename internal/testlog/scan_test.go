package testlog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/testlog"
)

func idWith(first17 string) string { return first17 + string(seal.IDCheckDigit(first17)) }

// wrongCheck is id with another check character.
func wrongCheck(id string) string {
	c := byte('0')
	if id[17] == '0' {
		c = '1'
	}
	return id[:17] + string(c)
}

func TestScannerFindsPlantedData(t *testing.T) {
	id := idWith("11010519491231002") // 11010519491231002X
	idLower := strings.ToLower(idWith("44052418800101001"))
	token := "s_" + strings.Repeat("aZ9-_", 8) + "abc" // 43 characters after the prefix
	sc := testlog.Scanner{Secrets: []string{"Linli-Demo-2026"}}
	cases := []struct {
		line  string
		kinds []string
	}{
		{`{"msg":"request","route":"GET /persons/{id}","status":200}`, nil},
		{`{"msg":"lookup","q":"` + id + `"}`, []string{"id_number"}},
		{`{"msg":"lookup","path":"/persons/` + idLower + `/edit"}`, []string{"id_number"}},
		{`{"msg":"sms","to":"13812345678"}`, []string{"phone"}},
		{`{"msg":"sms","to":"+8613812345678"}`, []string{"phone"}},
		{`plain text: call 13912345678, ID ` + id, []string{"phone", "id_number"}},
		{`{"msg":"login","password":"Linli-Demo-2026"}`, []string{"secret"}},
		{`{"msg":"cookie","v":"` + token + `"}`, []string{"token"}},
		// Not personal data: a wrong check digit, an impossible date, a
		// number inside a longer run or glued to letters, a duration of
		// 13.8 s in nanoseconds, a landline, 12 digits.
		{`{"msg":"lookup","q":"` + wrongCheck(id) + `"}`, nil},
		{`{"q":"` + idWith("11010519491331002") + `"}`, nil},
		{`{"n":"9` + id + `","h":"a13812345678","x":"13812345678b"}`, nil},
		{`{"msg":"request","duration":13812345678,"status":200}`, nil},
		{`{"msg":"wait","for":15000000000,"n":1.3812345678e10}`, nil},
		{`not json: waited 15000000000 ns`, []string{"phone"}}, // plain text is scanned whole
		{`{"tel":"010-65123456","n":"138123456789"}`, nil},
		{`{"h":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, nil},
	}
	for _, tc := range cases {
		hits := sc.Line(tc.line)
		var kinds []string
		for _, h := range hits {
			kinds = append(kinds, h.Kind)
			for _, raw := range []string{id, idLower, "13812345678", "13912345678", "Linli-Demo-2026", token} {
				if strings.Contains(h.Masked, raw) {
					t.Errorf("hit %v shows %q unmasked", h, raw)
				}
			}
		}
		if strings.Join(kinds, ",") != strings.Join(tc.kinds, ",") {
			t.Errorf("Line(%s) = %v, want %v", tc.line, kinds, tc.kinds)
		}
	}
}

func TestScanDirNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	id := idWith("11010519800101001")
	body := `{"msg":"ok"}` + "\n" + `{"msg":"bad","id":"` + id + `"}` + "\n" + `{"msg":"bad","phone":"13712345678"}`
	if err := os.WriteFile(filepath.Join(dir, "web.test-1.jsonl"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api.test-2.jsonl"), []byte(`{"msg":"clean"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hits, files, err := testlog.Scanner{}.Dir(dir)
	if err != nil || files != 2 {
		t.Fatalf("Dir = %d files, %v", files, err)
	}
	got := []string{}
	for _, h := range hits {
		got = append(got, strings.TrimPrefix(h.String(), dir+string(filepath.Separator)))
	}
	want := []string{"web.test-1.jsonl:2: id_number " + seal.MaskIDNumber(id), "web.test-1.jsonl:3: phone 137****5678"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Dir hits = %q, want %q", got, want)
	}
}

// TestLogScan runs the checker over LINLI_LOGSCAN_DIR when it is set (CI
// runs the command itself after the suite; this is the same check from go
// test).
func TestLogScan(t *testing.T) {
	dir := os.Getenv("LINLI_LOGSCAN_DIR")
	if dir == "" {
		t.Skip("LINLI_LOGSCAN_DIR not set")
	}
	hits, files, err := testlog.Scanner{Secrets: []string{"Linli-Demo-2026"}}.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		t.Error(h)
	}
	t.Logf("%d files scanned", files)
}

func TestLoggerDiscardsWithoutDir(t *testing.T) {
	if os.Getenv(testlog.EnvDir) != "" {
		t.Skip(testlog.EnvDir + " is set")
	}
	testlog.Logger().Info("nothing", "phone", "13812345678") // must not panic, goes nowhere
}
