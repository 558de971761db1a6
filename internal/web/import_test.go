package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/testlog"
)

func checkDigit(first17 string) string { return first17 + string(seal.IDCheckDigit(first17)) }

// gbkRegister is a GBK CSV of 5 residents of grid A1: the 4th has a wrong
// check digit, the 5th a 10-digit phone.
func gbkRegister(t *testing.T) ([]byte, []string) {
	t.Helper()
	ids := []string{checkDigit("11010119800101901"), checkDigit("11010119900202902"), checkDigit("11010119700303903"),
		checkDigit("11010119850505905"), checkDigit("11010119600606906")}
	good := ids[3]
	wrong := "0"
	if good[17] == '0' {
		wrong = "1"
	}
	ids[3] = good[:17] + wrong
	csv := "姓名,身份证号,手机,民族,网格代码,地址\r\n"
	names := []string{"柏青山", "柏青水", "柏青云", "柏青雨", "柏青风"}
	phones := []string{"13911110001", "13911110002", "13911110003", "13911110004", "1391111000"}
	for i := range ids {
		csv += fmt.Sprintf("%s,%s,%s,汉族,%s,多福巷%d号\r\n", names[i], ids[i], phones[i], demo.GridA1Code, i+1)
	}
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	return b, ids
}

func (e *env) upload(c *http.Client, path, name string, data []byte) (*http.Response, string) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return e.do(c, http.MethodPost, path, mw.FormDataContentType(), body.String())
}

var jobPath = regexp.MustCompile(`^/imports/(\d+)$`)

func (e *env) runJobs() {
	e.t.Helper()
	r := e.st.NewRunner(store.RunnerOptions{Logger: testlog.Logger()}) // scanned after the suite (C04)
	for {
		ran, err := r.RunOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func TestPersonImportPagesAndErrorReport(t *testing.T) {
	e := newEnv(t)
	worker := e.as("comm.worker")
	data, ids := gbkRegister(t)

	resp, _ := e.upload(worker, "/persons/import", "台账.csv", data)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !jobPath.MatchString(loc) {
		t.Fatalf("upload: %d %q", resp.StatusCode, loc)
	}
	resp, body := e.get(worker, loc)
	if resp.StatusCode != 200 || !strings.Contains(body, "柏青山") || !strings.Contains(body, `name="map"`) || strings.Contains(body, "http-equiv") {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	// The job is its creator's only.
	if resp, _ := e.get(e.as("comm.worker.b"), loc); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("someone else's import: %d", resp.StatusCode)
	}
	if resp, _ := e.get(e.as("comm.worker.b"), loc+"/errors.xlsx"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("someone else's report: %d", resp.StatusCode)
	}
	// A mapping with a field twice is refused on the page.
	bad := url.Values{"map": {"name", "name", "phones", "ethnicity", "grid", "address"}}
	if resp, body := e.do(worker, http.MethodPost, loc+"/start", "application/x-www-form-urlencoded", bad.Encode()); resp.StatusCode != 422 || !strings.Contains(body, "同一字段只能对应一列") {
		t.Fatalf("bad mapping: %d", resp.StatusCode)
	}
	form := url.Values{"map": {"name", "id_number", "phones", "ethnicity", "grid", "address"}}
	if resp, _ := e.do(worker, http.MethodPost, loc+"/start", "application/x-www-form-urlencoded", form.Encode()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	if _, body := e.get(worker, loc); !strings.Contains(body, `<meta http-equiv="refresh" content="2">`) {
		t.Fatalf("a queued job's page does not refresh itself:\n%s", body)
	}
	e.runJobs()
	resp, body = e.get(worker, loc)
	if resp.StatusCode != 200 || strings.Contains(body, "http-equiv") || !strings.Contains(body, `id="count-created">3<`) ||
		!strings.Contains(body, `id="count-failed">2<`) || !strings.Contains(body, "errors.xlsx") {
		t.Fatalf("progress page:\n%s", body)
	}
	resp, body = e.get(worker, loc+"/errors.xlsx")
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	if len(rows) != 3 || rows[0][0] != "行号" || rows[0][1] != "姓名" || rows[0][7] != "错误原因" {
		t.Fatalf("report rows = %q", rows)
	}
	if rows[1][0] != "5" || rows[1][2] != ids[3] || !strings.Contains(rows[1][7], "校验位") {
		t.Fatalf("check-digit row = %q", rows[1])
	}
	if rows[2][0] != "6" || rows[2][1] != "柏青风" || !strings.Contains(rows[2][7], "10位") {
		t.Fatalf("phone row = %q", rows[2])
	}
	ps, err := e.st.SearchPersons(context.Background(), linli.ConsoleActor(), linli.PersonQuery{Text: "柏青"})
	if err != nil || len(ps) != 3 {
		t.Fatalf("persons = %d, %v", len(ps), err)
	}
}

func TestPersonImportBadFiles(t *testing.T) {
	e := newEnv(t)
	worker := e.as("comm.worker")
	// Merged cells.
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "网格代码"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"甲", demo.GridA1Code})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"乙", ""})
	_ = x.MergeCell("Sheet1", "B2", "B3")
	var buf bytes.Buffer
	_ = x.Write(&buf)
	resp, body := e.upload(worker, "/persons/import", "merged.xlsx", buf.Bytes())
	if resp.StatusCode != 422 || !strings.Contains(body, "合并单元格") {
		t.Fatalf("merged cells: %d", resp.StatusCode)
	}
	// Too large: refused with 413 before anything is stored.
	big := bytes.Repeat([]byte("姓名,地址\n"), 4<<20) // 56 MiB: over the 50 MB limit
	resp, _ = e.upload(worker, "/persons/import", "big.csv", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("large file: %d", resp.StatusCode)
	}
	// Neither left a job behind.
	var n int
	_ = e.st.DB().QueryRow(`SELECT COUNT(*) FROM jobs`).Scan(&n)
	if n != 0 {
		t.Fatalf("jobs = %d", n)
	}
	// A role without person.write has no import page.
	if resp, _ := e.get(e.as("district.admin"), "/persons/import"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("district admin: %d", resp.StatusCode)
	}
}

func TestPersonExport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	worker := e.as("comm.worker")
	grid := e.area(demo.GridA1Code)
	id := checkDigit("11010119800101907")
	wid, _ := e.st.UserIDByName(ctx, "comm.worker")
	a := linli.NewActor(wid, "comm.worker", []linli.Role{linli.RoleCommunityWorker}, linli.Scope{AreaIDs: []int64{grid.ID}, Paths: []string{grid.Path}})
	if _, err := e.st.CreatePerson(ctx, a, linli.PersonInput{Name: "柏导出", IDNumber: id, Phones: []string{"13911119999"}, GridID: grid.ID, RegType: linli.RegRegistered}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.get(worker, "/persons/export?format=csv&q="+url.QueryEscape("柏导出"))
	if resp.StatusCode != 200 || !strings.Contains(body, "柏导出") || strings.Contains(body, id) || strings.Contains(body, "13911119999") {
		t.Fatalf("masked export: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := e.get(worker, "/persons/export?format=csv&unmasked=1"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unmasked export by a community worker: %d", resp.StatusCode)
	}
	resp, body = e.get(e.as("comm.head"), "/persons/export?format=xlsx&unmasked=1&q="+url.QueryEscape("柏导出"))
	if resp.StatusCode != 200 {
		t.Fatalf("unmasked export: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	if len(rows) != 2 || rows[1][4] != id || rows[1][5] != "13911119999" || rows[0][0] != "姓名" {
		t.Fatalf("unmasked rows = %q", rows)
	}
	evs, err := e.st.SearchAudit(ctx, linli.NewActor(0, "auditor", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{}), linli.AuditQuery{Action: "person.export", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, ev := range evs {
		details = append(details, ev.ActorName+" "+ev.Detail)
	}
	got := strings.Join(details, "; ")
	if !strings.Contains(got, "comm.worker rows=1 masked") || !strings.Contains(got, "comm.head rows=1 unmasked") {
		t.Fatalf("export audit: %s", got)
	}
}
