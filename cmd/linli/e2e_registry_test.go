package main

// Browser journeys of the resident registry (issue 3, part 13): the counter
// clerk's search, reveal and edit; the grid worker's scope; the street's
// XLSX import with its error report. They share the helpers of e2e_test.go
// and, like those, run only with LINLI_E2E=1. The people they need are
// created through the store before the browser starts, so that they do not
// depend on whatever population `linli demo` generates: the names use
// characters that the demo's name tables do not.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/demo"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

const (
	// The counter clerk's resident, in grid 1 of community A.
	e2eClerkPerson  = "骆翥鹍"
	e2eClerkQuery   = "翥鹍"
	e2eClerkPhone   = "13912345678"
	e2eClerkAddress = "多福巷17号"
	e2eClerkNewAddr = "多福巷23号2单元301"
	// A resident of grid 2 of community A, out of grid 1's scope.
	e2eGrid2Person = "闵蘅蕤"
	e2eGrid2Query  = "蘅蕤"
	// The purpose the clerk chooses, by its label; the audit keeps its code.
	e2eRevealPurposeLabel = "联系居民"
	e2eRevealPurposeCode  = "contact_resident"
	e2eClerkDisplayName   = "刘淑芬" // comm.head
)

// e2eRegistryPeople are the ids of the residents made for the journeys.
type e2eRegistryPeople struct {
	clerk, grid2 int64
}

// e2eIDNumber completes 17 digits with the GB 11643 check character.
func e2eIDNumber(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

// e2eWrongCheck is id with a wrong check character.
func e2eWrongCheck(id string) string {
	const chars = "0123456789X"
	return id[:17] + string(chars[(strings.IndexByte(chars, id[17])+1)%len(chars)])
}

// seedRegistry creates the journeys' residents through a second store
// handle with the demo's key file.
func (srv *e2eServer) seedRegistry(t *testing.T) e2eRegistryPeople {
	t.Helper()
	ctx := context.Background()
	keys, err := seal.LoadKeyFile(filepath.Join(filepath.Dir(srv.dbPath), "e2e.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, srv.dbPath, store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	console := linli.ConsoleActor()
	grid1, err := s.AreaByCode(ctx, console, demo.GridA1Code)
	if err != nil {
		t.Fatalf("grid %s: %v", demo.GridA1Code, err)
	}
	grid2, err := s.AreaByCode(ctx, console, demo.CommunityACode+"-02")
	if err != nil {
		t.Fatalf("grid %s-02: %v", demo.CommunityACode, err)
	}
	mk := func(in linli.PersonInput) int64 {
		in.IDType, in.RegType, in.Ethnicity, in.Source = linli.IDResident, linli.RegRegistered, "01", linli.SourceWorker
		p, err := s.CreatePerson(ctx, console, in)
		if err != nil {
			t.Fatalf("create %s: %v", in.Name, err)
		}
		return p.ID
	}
	return e2eRegistryPeople{
		clerk: mk(linli.PersonInput{Name: e2eClerkPerson, IDNumber: e2eIDNumber("11010119320229917"),
			Phones: []string{e2eClerkPhone}, GridID: grid1.ID, Address: e2eClerkAddress}),
		grid2: mk(linli.PersonInput{Name: e2eGrid2Person, IDNumber: e2eIDNumber("11010119320229928"),
			Phones: []string{"13912345679"}, GridID: grid2.ID, Address: "多福巷88号"}),
	}
}

// search runs the person search for q and returns the ids of the persons
// it lists.
func (b e2eTab) search(q string) []int64 {
	b.t.Helper()
	if !strings.HasPrefix(b.path(), "/persons") || !b.has("#q") {
		b.open("/persons")
	}
	b.fill("#q", q)
	if st := b.click("#search-submit"); st != 200 {
		b.t.Fatalf("search %q: status %d:\n%s", q, st, b.pageText())
	}
	if !b.has("#persons") {
		b.t.Fatalf("search %q: no result table #persons:\n%s", q, b.pageText())
	}
	ids := e2eEval[[]int64](b, `[...document.querySelectorAll('#persons tbody a[href^="/persons/"]')]
		.map(a => parseInt(a.getAttribute('href').slice('/persons/'.length), 10))`)
	return ids
}

// selectByText chooses the option of the select sel whose text is label,
// as a person would.
func (b e2eTab) selectByText(sel, label string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
		const s = document.querySelector(%s);
		const o = s && [...s.options].find(o => o.text.trim() === %s);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, strconv.Quote(sel), strconv.Quote(label))
	if !e2eEval[bool](b, js) {
		b.t.Fatalf("%s has no option %q:\n%s", sel, label, b.pageText())
	}
}

// rows is the text of the cells of each body row of the table sel.
func (b e2eTab) rows(sel string) [][]string {
	b.t.Helper()
	return e2eEval[[][]string](b, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(tr => [...tr.cells].map(td => td.innerText.trim()))`,
		strconv.Quote(sel+" tbody tr")))
}

// e2eXLSX is the import file: 6 rows, of which rows 3, 5 and 7 of the
// sheet are bad (a wrong check digit, a 10-digit phone, an unknown grid).
func e2eXLSX(t *testing.T) (path string, bad map[string]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	grid, unknown := demo.GridA1Code, demo.CommunityACode+"-97"
	rows := [][]any{
		{"姓名", "身份证号", "手机", "网格代码", "地址"},
		{"濮翊骞", e2eIDNumber("11010119330301913"), "13912340001", grid, "多福巷31号"},
		{"濮翊璟", e2eWrongCheck(e2eIDNumber("11010119330302924")), "13912340002", grid, "多福巷32号"},
		{"濮翊翚", e2eIDNumber("11010119330303935"), "13912340003", grid, "多福巷33号"},
		{"濮翊珣", e2eIDNumber("11010119330304946"), "1391234000", grid, "多福巷34号"},
		{"濮翊琮", e2eIDNumber("11010119330305957"), "13912340005", grid, "多福巷35号"},
		{"濮翊瑀", e2eIDNumber("11010119330306968"), "13912340006", unknown, "多福巷36号"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path = filepath.Join(t.TempDir(), "居民台账.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	// What each bad row's message must say.
	bad = map[string]string{"濮翊璟": "校验位", "濮翊珣": "10位", "濮翊瑀": unknown}
	return path, bad
}

// waitImportDone waits until the progress page (which reloads itself)
// says the job is finished, tolerating the reloads.
func (b e2eTab) waitImportDone() {
	b.t.Helper()
	const js = `(() => {
		const p = document.querySelector('#import-progress');
		if (!p || document.querySelector('meta[http-equiv="refresh"]')) return false;
		return true;
	})()`
	for {
		done, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && done {
			return
		}
		select {
		case <-b.ctx.Done():
			b.t.Fatalf("the import did not finish: %v", b.ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func TestE2ERegistry(t *testing.T) {
	e2eEnabled(t)
	start := time.Now()
	srv := startE2EServer(t)
	t.Logf("linli demo at %s (%s)", srv.url, time.Since(start).Round(time.Millisecond))
	people := srv.seedRegistry(t)
	browser := startE2EBrowser(t)
	base := srv.url

	e2eJourney(t, browser, base, "reg_a_clerk_reveal_and_edit", func(b e2eTab) {
		b.login("comm.head", demo.DemoPassword)
		b.enrolTOTP()
		if p := b.path(); strings.HasPrefix(p, "/login") {
			b.t.Fatalf("comm.head is not logged in (at %s):\n%s", p, b.pageText())
		}

		// Find the resident by two characters of the name and open them.
		ids := b.search(e2eClerkQuery)
		if len(ids) != 1 || ids[0] != people.clerk {
			b.t.Fatalf("search %q lists %v, want [%d]:\n%s", e2eClerkQuery, ids, people.clerk, b.pageText())
		}
		if txt := b.text("#persons"); strings.Contains(txt, e2eClerkPhone) {
			b.t.Errorf("the result list shows the full phone:\n%s", txt)
		}
		if st := b.click(fmt.Sprintf(`#persons a[href="/persons/%d"]`, people.clerk)); st != 200 {
			b.t.Fatalf("open the resident: status %d:\n%s", st, b.pageText())
		}
		if n := strings.TrimSpace(b.text("#person-name")); n != e2eClerkPerson {
			b.t.Fatalf("#person-name %q, want %q", n, e2eClerkPerson)
		}
		masked := strings.TrimSpace(b.text("#masked-phone"))
		if masked == "" || strings.Contains(masked, e2eClerkPhone) || masked[:3] != e2eClerkPhone[:3] {
			b.t.Errorf("#masked-phone %q, want the phone masked", masked)
		}

		// Reveal the phone with a purpose.
		b.must(chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS("#person-phones details.reveal > summary"))), "open the reveal form")
		b.selectByText("#purpose-phone", e2eRevealPurposeLabel)
		if st := b.click("#reveal-phone"); st != 200 {
			b.t.Fatalf("reveal: status %d:\n%s", st, b.pageText())
		}
		if got := strings.TrimSpace(b.text("#revealed-phone")); got != e2eClerkPhone {
			b.t.Errorf("#revealed-phone %q, want %q", got, e2eClerkPhone)
		}
		if b.has("#masked-phone") {
			b.t.Error("the phone is still masked after the reveal")
		}

		// The audit administrator sees the reveal with its purpose.
		func() {
			actx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := chromedp.Do(actx, chromedp.EmulateViewport(e2eWidth, e2eHeight)); err != nil {
				b.t.Fatalf("open the audit tab: %v", err)
			}
			defer e2eShot(b.t, actx, "reg_a_audit_search")
			// The journey's time limit covers this tab too.
			deadline, ok := b.ctx.Deadline()
			if !ok {
				deadline = time.Now().Add(e2eJourneyTime)
			}
			tctx, tcancel := context.WithDeadline(actx, deadline)
			defer tcancel()
			au := e2eTab{t: b.t, ctx: tctx, base: b.base}
			au.login("audit.admin", demo.DemoPassword)
			au.enrolTOTP()
			if st := au.open("/audit"); st != 200 {
				au.t.Fatalf("GET /audit: status %d:\n%s", st, au.pageText())
			}
			au.fill("#action", "pii.reveal")
			// The search button has no id.
			if st := au.click(`form[action="/audit"] button[type=submit]`); st != 200 {
				au.t.Fatalf("audit search: status %d:\n%s", st, au.pageText())
			}
			found := false
			object := fmt.Sprintf("person %d", people.clerk)
			for _, r := range au.rows("#audit") {
				line := strings.Join(r, " | ")
				if len(r) == 12 && r[4] == "pii.reveal" && r[5] == object {
					found = true
					au.t.Logf("audit: %s", line)
					if r[10] != e2eRevealPurposeCode && r[10] != e2eRevealPurposeLabel {
						au.t.Errorf("the reveal's purpose is %q, want %s (%s): %s", r[10], e2eRevealPurposeCode, e2eRevealPurposeLabel, line)
					}
					if !strings.Contains(r[2], "comm.head") && !strings.Contains(r[2], e2eClerkDisplayName) {
						au.t.Errorf("the reveal's actor is %q, want comm.head: %s", r[2], line)
					}
					if r[11] != store.RevealPhone {
						au.t.Errorf("the reveal's detail is %q, want %q: %s", r[11], store.RevealPhone, line)
					}
				}
			}
			if !found {
				au.t.Errorf("the audit search for pii.reveal does not list the reveal of %s:\n%s", object, au.pageText())
			}
		}()

		// Back as the clerk: edit the address and see it in the history.
		if st := b.open(fmt.Sprintf("/persons/%d", people.clerk)); st != 200 {
			b.t.Fatalf("reopen the resident: status %d", st)
		}
		if st := b.click("#edit-person"); st != 200 {
			b.t.Fatalf("edit form: status %d:\n%s", st, b.pageText())
		}
		b.fill("#address", e2eClerkNewAddr)
		if st := b.click("#person-submit"); st != 200 {
			b.t.Fatalf("save: status %d:\n%s", st, b.pageText())
		}
		if p := b.path(); p != fmt.Sprintf("/persons/%d", people.clerk) {
			b.t.Fatalf("after saving at %s:\n%s", p, b.pageText())
		}
		if a := strings.TrimSpace(b.text("#person-address")); a != e2eClerkNewAddr {
			b.t.Errorf("#person-address %q, want %q", a, e2eClerkNewAddr)
		}
		changed := false
		for _, r := range b.rows("#person-history") {
			if len(r) >= 4 && r[1] == "现住址" && r[2] == e2eClerkAddress && r[3] == e2eClerkNewAddr {
				changed = true
			}
		}
		if !changed {
			b.t.Errorf("the history does not show 现住址 %s → %s:\n%s", e2eClerkAddress, e2eClerkNewAddr, b.text("#person-history"))
		}
		// The full phone stays off the page once the reveal is over.
		if txt := b.pageText(); strings.Contains(txt, e2eClerkPhone) {
			b.t.Errorf("the person page shows the full phone without a reveal")
		}
		b.must(chromedp.Do(b.ctx, chromedp.ScrollIntoView(chromedp.CSS("#history"))), "scroll to the history")
	})

	e2eJourney(t, browser, base, "reg_b_grid_worker_scope", func(b e2eTab) {
		b.login("grid.worker", demo.DemoPassword)
		b.enrolTOTP()
		if p := b.path(); strings.HasPrefix(p, "/login") {
			b.t.Fatalf("grid.worker could not log in:\n%s", b.pageText())
		}
		// Grid 1's own resident is found: the search works for this worker.
		if ids := b.search(e2eClerkQuery); len(ids) != 1 || ids[0] != people.clerk {
			b.t.Errorf("search %q (grid 1) lists %v, want [%d]", e2eClerkQuery, ids, people.clerk)
		}
		ids := b.search(e2eGrid2Query)
		if len(ids) != 0 {
			b.t.Errorf("search %q (grid 2 only) lists %v, want nothing", e2eGrid2Query, ids)
		}
		txt := b.pageText()
		if !strings.Contains(txt, "没有找到符合条件的居民") {
			b.t.Errorf("search %q does not say that nobody matches:\n%s", e2eGrid2Query, txt)
		}
		if strings.Contains(txt, e2eGrid2Person) {
			b.t.Errorf("the search page names %s, who lives in grid 2:\n%s", e2eGrid2Person, txt)
		}
		if st := b.open(fmt.Sprintf("/persons/%d", people.grid2)); st != 404 {
			b.t.Errorf("GET /persons/%d (grid 2): status %d, want 404", people.grid2, st)
		}
		if e := b.text("#error-page"); !strings.Contains(e, "404") {
			b.t.Errorf("#error-page does not say 404: %q", e)
		}
		if txt := b.pageText(); strings.Contains(txt, e2eGrid2Person) || strings.Contains(txt, e2eGrid2Query) {
			b.t.Errorf("the not-found page names the resident of grid 2:\n%s", txt)
		}
	})

	e2eJourney(t, browser, base, "reg_c_street_import", func(b e2eTab) {
		file, bad := e2eXLSX(b.t)
		b.login("street.staff", demo.DemoPassword)
		b.enrolTOTP()
		if p := b.path(); strings.HasPrefix(p, "/login") {
			b.t.Fatalf("street.staff is not logged in (at %s):\n%s", p, b.pageText())
		}
		if st := b.open("/persons/import"); st != 200 {
			b.t.Fatalf("GET /persons/import: status %d:\n%s", st, b.pageText())
		}
		b.must(chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})), "choose the file")
		if st := b.click("#import-upload"); st != 200 {
			b.t.Fatalf("upload: status %d:\n%s", st, b.pageText())
		}
		if !strings.HasPrefix(b.path(), "/imports/") || !b.has("#import-preview") {
			b.t.Fatalf("no preview after the upload (at %s):\n%s", b.path(), b.pageText())
		}
		// The mapping the page proposes, column by column.
		want := []string{"name", "id_number", "phones", "grid", "address"}
		got := e2eEval[[]string](b, `[...document.querySelectorAll('#import-preview select[name="map"]')].map(s => s.value)`)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			b.t.Errorf("the proposed mapping is %v, want %v", got, want)
			for i, f := range want {
				b.fill(fmt.Sprintf("#map-%d", i), f)
			}
		}
		if n := len(b.rows("#import-preview")); n != 6 {
			b.t.Errorf("the preview shows %d rows, want 6", n)
		}
		if st := b.click("#import-start"); st != 200 {
			b.t.Fatalf("start: status %d:\n%s", st, b.pageText())
		}
		b.waitImportDone()
		counts := map[string]string{}
		for _, k := range []string{"total", "created", "failed"} {
			counts[k] = strings.TrimSpace(b.text("#count-" + k))
		}
		if counts["total"] != "6" || counts["created"] != "3" || counts["failed"] != "3" {
			b.t.Errorf("the finished import counts %v, want total 6, created 3, failed 3:\n%s", counts, b.pageText())
		}
		if !b.has("#import-errors") {
			b.t.Fatalf("no error-report link #import-errors:\n%s", b.pageText())
		}
		// Download the report inside the page, with the session's cookie.
		type download struct {
			Status int    `json:"status"`
			Type   string `json:"type"`
			Len    int    `json:"len"`
			B64    string `json:"b64"`
		}
		dl, err := chromedp.Run(b.ctx, chromedp.Evaluate[download](`(async () => {
			const r = await fetch(document.querySelector('#import-errors').href);
			const u = new Uint8Array(await r.arrayBuffer());
			let s = '';
			for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
			return {status: r.status, type: r.headers.get('Content-Type') || '', len: u.length, b64: btoa(s)};
		})()`, chromedp.EvalAwaitPromise))
		b.must(err, "download the error report")
		raw, err := base64.StdEncoding.DecodeString(dl.B64)
		b.must(err, "decode the error report")
		if dl.Status != 200 || len(raw) != dl.Len || !bytes.HasPrefix(raw, []byte("PK\x03\x04")) {
			b.t.Fatalf("error report: status %d, %s, %d bytes (%d decoded), starts %q; want 200 and an XLSX",
				dl.Status, dl.Type, dl.Len, len(raw), raw[:min(len(raw), 8)])
		}
		if !strings.Contains(dl.Type, "spreadsheetml") {
			b.t.Errorf("error report Content-Type %q", dl.Type)
		}
		if dir := os.Getenv("LINLI_E2E_SHOTS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "reg_c_import_errors.xlsx"), raw, 0o644)
		}
		x, err := excelize.OpenReader(bytes.NewReader(raw))
		b.must(err, "open the error report")
		defer x.Close()
		sheet := x.GetSheetName(0)
		rows, err := x.GetRows(sheet)
		b.must(err, "read the error report")
		if len(rows) != 4 {
			b.t.Fatalf("the error report has %d rows, want a header and 3 bad rows: %q", len(rows), rows)
		}
		head := rows[0]
		if len(head) != 7 || head[0] != "行号" || head[1] != "姓名" || head[6] != "错误原因" {
			b.t.Errorf("the error report's header is %q, want 行号, the file's 5 columns, 错误原因", head)
		}
		wantRows := []string{"3", "5", "7"}
		for i, r := range rows[1:] {
			if len(r) < 7 {
				b.t.Errorf("error report row %d is short: %q", i+2, r)
				continue
			}
			if r[0] != wantRows[i] {
				b.t.Errorf("error report row %d is file row %s, want %s: %q", i+2, r[0], wantRows[i], r)
			}
			need, ok := bad[r[1]]
			if !ok {
				b.t.Errorf("error report row %d is %s, not one of the bad rows: %q", i+2, r[1], r)
				continue
			}
			delete(bad, r[1])
			if !strings.Contains(r[6], need) {
				b.t.Errorf("error report: %s's message %q does not say %q", r[1], r[6], need)
			}
		}
		if len(bad) != 0 {
			b.t.Errorf("the error report misses %v", bad)
		}
		b.t.Logf("error report: %d bytes, rows %q", len(raw), rows)
	})
	t.Logf("registry journeys done in %s", time.Since(start).Round(time.Millisecond))
}
