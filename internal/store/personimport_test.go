package store_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// jobUser creates an account with roles and scope (a job rebuilds its
// actor from the account) and returns its actor.
func jobUser(t testing.TB, s *store.Store, name string, roles []linli.Role, areas ...linli.Area) linli.Actor {
	t.Helper()
	ts := "'2026-01-01T00:00:00.000000Z'"
	if s.Dialect() == "postgres" {
		ts = "TIMESTAMPTZ '2026-01-01 00:00:00Z'"
	}
	db := s.DB()
	var id int64
	if err := db.QueryRow(`INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at, updated_at)
		VALUES ('` + name + `', '` + name + `', 'x', ` + ts + `, ` + ts + `, ` + ts + `) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if _, err := db.Exec(fmt.Sprintf(`INSERT INTO user_roles (user_id, role) VALUES (%d, '%s')`, id, r)); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range areas {
		if _, err := db.Exec(fmt.Sprintf(`INSERT INTO user_scopes (user_id, area_id) VALUES (%d, %d)`, id, a.ID)); err != nil {
			t.Fatal(err)
		}
	}
	a := actorOn(roles, areas...)
	return linli.NewActor(id, name, a.Roles, a.Scope)
}

// importCSV is a GBK CSV of 5 rows: 2 bad (a wrong check digit, a
// 10-digit phone), 3 good.
func importCSV(t testing.TB, gridCode, addr3 string) []byte {
	t.Helper()
	id1 := idWith("11010119800101001")
	id2 := idWith("11010119900202002")
	id3 := idWith("11010119700303003")
	bad := idWith("11010119850505005")
	bad = bad[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", bad[17])+1)%11])
	id5 := idWith("11010119600606006")
	csv := "姓名,身份证号,手机,民族,网格代码,地址\r\n" +
		"张少明," + id1 + ",13800138001,汉族," + gridCode + ",多福巷1号\r\n" +
		"李小红," + id2 + ",13800138002,回族," + gridCode + ",多福巷2号\r\n" +
		"王大伟," + id3 + ",13800138003,汉," + gridCode + "," + addr3 + "\r\n" +
		"赵错号," + bad + ",13800138004,汉族," + gridCode + ",多福巷4号\r\n" +
		"钱十位," + id5 + ",1380013800,汉族," + gridCode + ",多福巷5号\r\n"
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runAll(t testing.TB, r *store.Runner) {
	t.Helper()
	for i := 0; i < 10; i++ {
		ran, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func uploadAndStart(t testing.TB, s *store.Store, a linli.Actor, name string, file []byte) store.Job {
	t.Helper()
	ctx := context.Background()
	j, pv, err := s.UploadPersonImport(ctx, a, name, bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartPersonImport(ctx, a, j.ID, pv.Mapping); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestPersonImportGBKAndReimport(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		a := jobUser(t, s, "importer", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		file := importCSV(t, tr.gridA.Code, "多福巷3号")
		j, pv, err := s.UploadPersonImport(ctx, a, "台账.csv", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if pv.Format != store.FormatCSV || len(pv.Rows) != 5 || pv.Header[0] != "姓名" || pv.Rows[0][0] != "张少明" {
			t.Fatalf("preview = %+v", pv)
		}
		want := []string{"name", "id_number", "phones", "ethnicity", "grid", "address"}
		if strings.Join(pv.Mapping, ",") != strings.Join(want, ",") {
			t.Fatalf("mapping = %v", pv.Mapping)
		}
		// Someone else cannot see or start the job.
		other := jobUser(t, s, "other", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		if _, err := s.JobFor(ctx, other, j.ID); err != linli.ErrNotFound {
			t.Fatalf("other's JobFor = %v", err)
		}
		if err := s.StartPersonImport(ctx, other, j.ID, pv.Mapping); err != linli.ErrNotFound {
			t.Fatalf("other's start = %v", err)
		}
		if err := s.StartPersonImport(ctx, a, j.ID, pv.Mapping); err != nil {
			t.Fatal(err)
		}
		runAll(t, s.NewRunner(store.RunnerOptions{}))
		j, err = s.JobFor(ctx, a, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != store.JobDone || j.Total != 5 || j.Done != 5 || j.Failed != 2 || j.Result["created"] != 3 {
			t.Fatalf("job = %+v", j)
		}
		if n := countRows(t, s, "persons"); n != 3 {
			t.Fatalf("persons = %d, want 3", n)
		}
		var report []store.ImportRowError
		var header []string
		err = s.PersonImportErrors(ctx, a, j.ID, func(h []string) error { header = h; return nil },
			func(e store.ImportRowError) error { report = append(report, e); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(header) != 6 || len(report) != 2 || report[0].Row != 5 || report[1].Row != 6 {
			t.Fatalf("report = %+v", report)
		}
		if report[0].Problems[0].Key != "err.id.check" || report[1].Problems[0].Key != "person.phone.ten_digits" || report[0].Cells[0] != "赵错号" {
			t.Fatalf("problems = %+v", report)
		}

		// The same file again, with one address changed: updates, no
		// duplicates, the change in the history with source import.
		c.Advance(time.Minute)
		j2 := uploadAndStart(t, s, a, "台账2.csv", importCSV(t, tr.gridA.Code, "多福巷33号"))
		runAll(t, s.NewRunner(store.RunnerOptions{}))
		j2, _ = s.JobFor(ctx, a, j2.ID)
		if j2.State != store.JobDone || j2.Result["created"] != 0 || j2.Result["updated"] != 1 || j2.Result["unchanged"] != 2 || j2.Failed != 2 {
			t.Fatalf("re-import job = %+v", j2)
		}
		if n := countRows(t, s, "persons"); n != 3 {
			t.Fatalf("persons after re-import = %d, want 3", n)
		}
		ps, err := s.SearchPersons(ctx, a, linli.PersonQuery{Text: "王大伟"})
		if err != nil || len(ps) != 1 || ps[0].Address != "多福巷33号" {
			t.Fatalf("search = %+v, %v", ps, err)
		}
		hist, err := s.PersonHistory(ctx, a, ps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hist {
			if h.Field == "address" && h.Old == "多福巷3号" && h.New == "多福巷33号" && h.Source == linli.SourceImport && h.Note == "台账2.csv" {
				found = true
			}
		}
		if !found {
			t.Fatalf("history = %+v", hist)
		}
		p, _ := s.Person(ctx, a, ps[0].ID)
		if len(p.PhoneMasked) != 1 || p.Ethnicity != "01" {
			t.Fatalf("person = %+v", p)
		}
	})
}

// mergedXLSX is a workbook whose first sheet has a merged cell.
func mergedXLSX(t testing.TB) []byte {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "身份证号", "网格代码"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"张三", idWith("11010119800101001"), "x"})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"李四", idWith("11010119800101002"), ""})
	if err := f.MergeCell("Sheet1", "C2", "C3"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPersonImportRefusesMergedCells(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		tr := mustTree(t, s)
		a := jobUser(t, s, "importer", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		_, _, err := s.UploadPersonImport(context.Background(), a, "merged.xlsx", bytes.NewReader(mergedXLSX(t)))
		var je *store.JobError
		if !asJobError(err, &je) || je.Key != "import.xlsx.merged_cells" {
			t.Fatalf("err = %v, want import.xlsx.merged_cells", err)
		}
		if n := countRows(t, s, "jobs"); n != 0 {
			t.Fatalf("a refused upload left %d jobs", n)
		}
	})
}

func asJobError(err error, je **store.JobError) bool {
	e, ok := err.(*store.JobError)
	if ok {
		*je = e
	}
	return ok
}

// TestJobResumesAfterRestart: a runner dies after its first batch (its
// lease stays); a new runner leases the job once the lease expired and
// finishes it without duplicating anything.
func TestJobResumesAfterRestart(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		a := jobUser(t, s, "importer", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		j := uploadAndStart(t, s, a, "a.csv", importCSV(t, tr.gridA.Code, "多福巷3号"))
		dying, cancel := context.WithCancel(ctx)
		r1 := s.NewRunner(store.RunnerOptions{BatchSize: 2, OnProgress: func(store.Job) { cancel() }})
		if ran, err := r1.RunOnce(dying); !ran || err != nil {
			t.Fatalf("first runner: %v %v", ran, err)
		}
		j, _ = s.JobFor(ctx, a, j.ID)
		if j.State != store.JobRunning || j.Done != 2 {
			t.Fatalf("after the crash: %+v", j)
		}
		r2 := s.NewRunner(store.RunnerOptions{BatchSize: 2})
		if ran, _ := r2.RunOnce(ctx); ran {
			t.Fatal("a live lease was taken over")
		}
		c.Advance(2 * time.Minute)
		runAll(t, r2)
		j, _ = s.JobFor(ctx, a, j.ID)
		if j.State != store.JobDone || j.Done != 5 || j.Failed != 2 || j.Result["created"] != 3 || j.Attempts != 2 {
			t.Fatalf("resumed job = %+v", j)
		}
		if n := countRows(t, s, "persons"); n != 3 {
			t.Fatalf("persons = %d", n)
		}
		if n := countRows(t, s, "job_row_errors"); n != 2 {
			t.Fatalf("row errors = %d", n)
		}
	})
}

func TestPersonExportMasking(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		id := idWith("11010119800101001")
		newPerson(t, s, ra.gw1, linli.PersonInput{Name: "张少明", IDNumber: id, Phones: []string{"13800138001"}, GridID: tr.gridA.ID})
		var buf bytes.Buffer
		n, err := s.WritePersonExport(ctx, ra.gw1, store.ExportRequest{Format: store.FormatCSV}, &buf, nil)
		if err != nil || n != 1 {
			t.Fatal(n, err)
		}
		if strings.Contains(buf.String(), id) || strings.Contains(buf.String(), "13800138001") || !strings.Contains(buf.String(), "张少明") {
			t.Fatalf("masked export:\n%s", buf.String())
		}
		if _, err := s.WritePersonExport(ctx, ra.gw1, store.ExportRequest{Unmasked: true}, &buf, nil); err != linli.ErrNotFound {
			t.Fatalf("unmasked by a grid worker: %v", err)
		}
		buf.Reset()
		if _, err := s.WritePersonExport(ctx, ra.head, store.ExportRequest{Format: store.FormatXLSX, Unmasked: true}, &buf, nil); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("Sheet1")
		if len(rows) != 2 || rows[1][4] != id || rows[1][5] != "13800138001" {
			t.Fatalf("unmasked rows = %v", rows)
		}
	})
}

// BenchmarkImportXLSX100k imports a generated XLSX of 100,000 rows (the
// issue's figure: ≤ 60 s, memory flat in the file size) on SQLite and,
// with LINLI_TEST_POSTGRES, PostgreSQL, and reports rows/s and the peak
// heap sampled during the run.
func BenchmarkImportXLSX100k(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) { benchImport(b, d) })
	}
}

func benchImport(b *testing.B, dialect string) {
	const n = 100_000
	c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	var s *store.Store
	if dialect == "postgres" {
		s = openPostgres(b, c)
	} else {
		s = openSQLite(b, c)
	}
	tr := mustTree(b, s)
	a := jobUser(b, s, "importer", []linli.Role{linli.RoleCommunityWorker}, tr.a)
	file := bigXLSX(b, n, tr.gridA.Code)
	b.Logf("file: %d rows, %.1f MiB", n, float64(len(file))/(1<<20))
	for b.Loop() {
		j := uploadAndStart(b, s, a, "big.xlsx", file)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak := uint64(0)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		runAll(b, s.NewRunner(store.RunnerOptions{}))
		el := time.Since(start)
		close(stop)
		<-done
		j, _ = s.JobFor(context.Background(), a, j.ID)
		if j.State != store.JobDone || j.Result["created"] != n {
			b.Fatalf("job = %+v", j)
		}
		b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "base-heap-MiB")
		b.ReportMetric(el.Seconds(), "s/import")
	}
}

func bigXLSX(b testing.TB, n int, grid string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"姓名", "性别", "身份证号", "手机", "民族", "文化程度", "就业状况", "政治面貌", "户籍类型", "网格代码", "地址"})
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚")
	for i := 0; i < n; i++ {
		d := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%25000)
		// Unique 17-digit prefixes: the date (25,000 days) and the block.
		id := idWith(fmt.Sprintf("110101%s%d%02d", d.Format("20060102"), i/25000, i%100)[:17])
		// Rows of the same birth date (one per block) differ in surname.
		name := string([]rune{surnames[(i%5)*4+i/25000], given[i/7%len(given)], given[i/13%len(given)]})
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{name, "", id, fmt.Sprintf("139%08d", i), "汉族", "大学本科", "职员", "群众", "户籍",
			grid, fmt.Sprintf("多福巷%d号%d室", i%300, i%40)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// TestPersonExportJob: a large export runs as a job; its file is stored
// (sealed) with the audit record and only its creator can download it.
func TestPersonExportJob(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		a := jobUser(t, s, "exporter", []linli.Role{linli.RoleCommunityHead}, tr.a)
		id := idWith("11010119800101001")
		newPerson(t, s, a, linli.PersonInput{Name: "张少明", IDNumber: id, GridID: tr.gridA.ID})
		j, err := s.StartPersonExport(ctx, a, store.ExportRequest{Format: store.FormatCSV})
		if err != nil {
			t.Fatal(err)
		}
		runAll(t, s.NewRunner(store.RunnerOptions{}))
		var buf bytes.Buffer
		if err := s.JobResult(ctx, a, j.ID, &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "张少明") || strings.Contains(buf.String(), id) {
			t.Fatalf("export file:\n%s", buf.String())
		}
		other := jobUser(t, s, "other", []linli.Role{linli.RoleCommunityHead}, tr.a)
		if err := s.JobResult(ctx, other, j.ID, &buf); err != linli.ErrNotFound {
			t.Fatalf("other's download: %v", err)
		}
		evs, err := s.SearchAudit(ctx, linli.NewActor(0, "auditor", []linli.Role{linli.RoleAuditAdmin}, linli.Scope{}), linli.AuditQuery{Action: "person.export", Limit: 5})
		if err != nil || len(evs) != 1 || evs[0].Detail != "rows=1 masked" || evs[0].ActorName != "exporter" {
			t.Fatalf("audit = %+v, %v", evs, err)
		}
	})
}

// New people of a batch are written together at its end; a later row of
// the same batch still sees them: the same ID number again updates the
// person, a namesake born the same day is a possible duplicate, and the
// rows that failed leave nothing. Every new person gets what CreatePerson
// writes (history line, phones, search terms, audit record).
func TestPersonImportRowsSeeEarlierRowsOfTheirBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		a := jobUser(t, s, "importer", []linli.Role{linli.RoleCommunityWorker}, tr.a)
		g := tr.gridA.Code
		idA, idB, idC := idWith("11010119800101011"), idWith("11010119900202022"), idWith("11010119900202033")
		csv := "姓名,身份证号,出生日期,手机,网格代码,地址\n" +
			"东方明," + idA + ",,13800138011," + g + ",多福巷1号\n" +
			"西门雪," + idB + ",,13800138022," + g + ",多福巷2号\n" +
			"东方明," + idA + ",,13800138011," + g + ",多福巷11号\n" + // A again: an update
			"西门雪," + idC + ",,13800138033," + g + ",多福巷3号\n" + // B's namesake, same birth date
			"南宫错," + idA[:17] + "Z,,13800138044," + g + ",多福巷4号\n" // a bad ID
		j := uploadAndStart(t, s, a, "同批.csv", []byte(csv))
		runAll(t, s.NewRunner(store.RunnerOptions{}))
		j, err := s.JobFor(ctx, a, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != store.JobDone || j.Result["created"] != 2 || j.Result["updated"] != 1 || j.Failed != 2 {
			t.Fatalf("job = %+v", j)
		}
		var report []store.ImportRowError
		if err := s.PersonImportErrors(ctx, a, j.ID, func([]string) error { return nil },
			func(e store.ImportRowError) error { report = append(report, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(report) != 2 || report[0].Row != 5 || report[0].Problems[0].Key != "person.possible_duplicate" || report[1].Row != 6 {
			t.Fatalf("report = %+v", report)
		}
		if n := countRows(t, s, "persons"); n != 2 {
			t.Fatalf("persons = %d, want 2", n)
		}
		ps, err := s.SearchPersons(ctx, a, linli.PersonQuery{Text: "东方"})
		if err != nil || len(ps) != 1 || ps[0].Address != "多福巷11号" || len(ps[0].PhoneMasked) != 1 {
			t.Fatalf("search 东方 = %+v, %v", ps, err)
		}
		if ps, err := s.SearchPersons(ctx, a, linli.PersonQuery{Text: "8022"}); err != nil || len(ps) != 1 || ps[0].Name != "西门雪" {
			t.Fatalf("search by the last 4 digits of B's phone = %+v, %v", ps, err)
		}
		hist, err := s.PersonHistory(ctx, a, ps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, h := range hist {
			fields = append(fields, h.Field)
		}
		if !slices.Contains(fields, "created") || !slices.Contains(fields, "address") {
			t.Fatalf("history of A = %v", fields)
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM audit WHERE action = 'person.create'`: 2,
			`SELECT COUNT(*) FROM audit WHERE action = 'person.update'`: 1,
			`SELECT COUNT(*) FROM person_phones`:                        2,
		} {
			if got := count(t, s, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
	})
}
