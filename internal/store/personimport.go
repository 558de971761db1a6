package store

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// Person import and export (issue 3, part 10).
//
// An import is a job (job.go): the upload stores the file as a draft job,
// the worker checks a preview of the first rows and the column mapping,
// and the queued job reads the file as a stream — CSV through encoding/csv
// (UTF-8 with or without BOM, or GBK, detected), XLSX through excelize's
// row iterator over a temporary copy of the file, with worksheets unzipped
// to temporary files rather than memory — so memory does not grow with the
// number of rows (excelize keeps the shared-string table in memory).
//
// Rows are written in batches of RunnerOptions.BatchSize per transaction;
// each row goes through the same validation as CreatePerson, all of it
// before the row's first write, so a failed row leaves nothing behind and
// the others commit (see importBatch). A row whose ID number belongs to a person in the actor's scope
// updates that person: only the fields with a value in the file, each
// change with a history line of source "import" naming the file. The job's
// progress commits with its batch, so a resumed job starts after the last
// committed row, and the rows that failed (their cells and messages) are
// kept for the error report.

// MaxImportBytes is the largest file an import accepts.
const MaxImportBytes = 50 << 20

// ImportPreviewRows is the number of data rows the preview shows.
const ImportPreviewRows = 10

// Import formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ImportFields are the person fields a column can map to, in display order.
var ImportFields = []string{"name", "gender", "birth_date", "id_type", "id_number", "phones", "ethnicity", "education",
	"employment", "political", "reg_type", "grid", "room", "address"}

// importAliases maps header names to fields; aliasKey normalizes both.
var importAliases = normalizeAliases(map[string]string{
	"name": "name", "姓名": "name",
	"gender": "gender", "性别": "gender",
	"birth_date": "birth_date", "birthdate": "birth_date", "出生日期": "birth_date", "出生年月日": "birth_date",
	"id_type": "id_type", "证件类型": "id_type",
	"id_number": "id_number", "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number",
	"证件号码": "id_number", "证件号": "id_number",
	"phone": "phones", "phones": "phones", "手机": "phones", "手机号": "phones", "手机号码": "phones", "电话": "phones",
	"联系电话": "phones", "电话号码": "phones",
	"ethnicity": "ethnicity", "民族": "ethnicity",
	"education": "education", "文化程度": "education", "学历": "education",
	"employment": "employment", "就业状况": "employment", "从业状况": "employment",
	"political": "political", "政治面貌": "political",
	"reg_type": "reg_type", "户籍类型": "reg_type", "人口类型": "reg_type",
	"grid": "grid", "grid_code": "grid", "网格": "grid", "网格代码": "grid", "网格编码": "grid", "所属网格": "grid",
	"room": "room", "room_id": "room", "房屋编号": "room",
	"address": "address", "地址": "address", "现住址": "address", "居住地址": "address", "住址": "address",
})

// aliasKey lower-cases a header name and drops spaces, underscores and a
// trailing asterisk (the mark of a required column).
func aliasKey(h string) string {
	k := strings.ToLower(strings.Join(strings.Fields(h), ""))
	k = strings.ReplaceAll(k, "_", "")
	return strings.TrimRight(k, "*＊")
}

func normalizeAliases(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[aliasKey(k)] = v
	}
	return out
}

// AutoMapping maps each header cell to a field ("" for none); a field is
// used once, by its first column.
func AutoMapping(header []string) []string {
	out := make([]string, len(header))
	used := map[string]bool{}
	for i, h := range header {
		if f, ok := importAliases[aliasKey(h)]; ok && !used[f] {
			out[i], used[f] = f, true
		}
	}
	return out
}

// Code tables: the registry stores national codes, a spreadsheet holds
// names. A cell may hold the name or the code.
var (
	genderCodes = codeTable{linli.GenderMale: {"男", "male", "m"}, linli.GenderFemale: {"女", "female", "f"},
		linli.GenderUnknown: {"未知"}, linli.GenderUnspecified: {"未说明"}}
	idTypeCodes = codeTable{linli.IDResident: {"居民身份证", "身份证"}, linli.IDPassport: {"护照"},
		linli.IDHKMacao: {"港澳居民来往内地通行证", "港澳通行证", "回乡证"}, linli.IDTaiwan: {"台湾居民来往大陆通行证", "台胞证"},
		linli.IDForeignPR: {"外国人永久居留身份证", "永居证"}, linli.IDNone: {"无"}}
	regTypeCodes = codeTable{linli.RegRegistered: {"户籍人口", "户籍"}, linli.RegMigrant: {"流动人口", "流动"},
		linli.RegSeparated: {"人户分离"}, linli.RegOverseas: {"境外人员", "境外"}}
	ethnicityCodes = func() codeTable {
		names := strings.Fields(`汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水
			东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安
			裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺`)
		t := codeTable{"97": {"其他"}, "98": {"外国血统中国籍人士"}}
		for i, n := range names {
			t[fmt.Sprintf("%02d", i+1)] = []string{n + "族", n}
		}
		return t
	}()
	educationCodes = codeTable{"10": {"研究生", "博士", "硕士", "研究生教育"}, "20": {"大学本科", "本科"}, "30": {"大学专科", "专科", "大专"},
		"40": {"中等专科", "中专"}, "50": {"技工学校", "技校"}, "60": {"高中", "普通高中"}, "70": {"初中"}, "80": {"小学"},
		"90": {"其他", "文盲或半文盲", "文盲", "学龄前"}}
	politicalCodes = codeTable{"01": {"中共党员", "中国共产党党员", "党员"}, "02": {"中共预备党员", "预备党员"}, "03": {"共青团员", "团员"},
		"04": {"民革会员"}, "05": {"民盟盟员"}, "06": {"民建会员"}, "07": {"民进会员"}, "08": {"农工党党员"}, "09": {"致公党党员"},
		"10": {"九三学社社员"}, "11": {"台盟盟员"}, "12": {"无党派人士", "无党派民主人士"}, "13": {"群众"}}
	employmentCodes = codeTable{"11": {"国家公务员", "公务员"}, "13": {"专业技术人员"}, "17": {"职员"}, "21": {"企业管理人员"},
		"24": {"工人"}, "27": {"农民"}, "31": {"学生"}, "37": {"现役军人"}, "51": {"自由职业者"}, "54": {"个体经营者", "个体"},
		"70": {"无业人员", "无业", "失业"}, "80": {"退（离）休人员", "退(离)休人员", "退休人员", "退休", "离休"}, "90": {"其他"}}
)

// codeTable maps a code to its names, the display name first.
type codeTable map[string][]string

// code returns the code of a name or a code, case-insensitively.
func (t codeTable) code(v string) (string, bool) {
	if _, ok := t[v]; ok {
		return v, true
	}
	lv := strings.ToLower(v)
	for c, names := range t {
		for _, n := range names {
			if lv == strings.ToLower(n) {
				return c, true
			}
		}
	}
	return "", false
}

// name is the display name of a code (the code itself when unknown).
func (t codeTable) name(c string) string {
	if n, ok := t[c]; ok && len(n) > 0 {
		return n[0]
	}
	return c
}

// RowProblem is one message about an import row.
type RowProblem struct {
	Field string `json:"field,omitempty"`
	Key   string `json:"key"`
	Args  []any  `json:"args,omitempty"`
}

// DecodeCSV returns a whole CSV file as UTF-8 text: a UTF-8 BOM is dropped,
// and bytes that are not valid UTF-8 are read as GBK (what Excel saves on
// a Chinese Windows). ok is false when neither fits.
func DecodeCSV(b []byte) (string, bool) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b), true
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", false
	}
	return string(out), true
}

// csvSniff is how much of a CSV stream decides its encoding.
const csvSniff = 64 << 10

// DecodeCSVReader is DecodeCSV for a stream: the first 64 KiB decide
// between UTF-8 (with or without BOM) and GBK; a later line that is not
// valid in the chosen encoding shows as U+FFFD, which the import reports
// as an encoding problem of that row.
func DecodeCSVReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, csvSniff)
	head, err := br.Peek(csvSniff)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
		return br, nil
	}
	probe := head
	if len(head) == csvSniff { // drop a rune cut at the end of the window
		for i := 0; i < utf8.UTFMax && len(probe) > 0 && !utf8.FullRune(probe[lastRuneStart(probe):]); i++ {
			probe = probe[:lastRuneStart(probe)]
		}
	}
	if utf8.Valid(probe) {
		return br, nil
	}
	if _, ok := DecodeCSV(gbkProbe(head)); !ok {
		return nil, &JobError{Key: "import.encoding"}
	}
	return transform.NewReader(br, simplifiedchinese.GBK.NewDecoder()), nil
}

func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b)
}

// gbkProbe cuts a GBK window at its last line end, so that a two-byte
// character cut at the window's end does not look like a bad byte.
func gbkProbe(b []byte) []byte {
	if len(b) < csvSniff {
		return b
	}
	if i := bytes.LastIndexByte(b, '\n'); i > 0 {
		return b[:i+1]
	}
	return b
}

// rowSource yields the rows of an import file: the 1-based row number in
// the file (the header is row 1) and the cells.
type rowSource interface {
	next() (int, []string, error)
	close()
}

type csvSource struct {
	cr  *csv.Reader
	row int
}

func (c *csvSource) next() (int, []string, error) {
	rec, err := c.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, &JobError{Key: "import.csv.syntax", Args: []any{pe.Line}}
		}
		return 0, nil, err
	}
	c.row++
	return c.row, rec, nil
}

func (c *csvSource) close() {}

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	tmp  string
	row  int
}

func (x *xlsxSource) next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return 0, nil, &JobError{Key: "import.xlsx.broken"}
		}
		return 0, nil, io.EOF
	}
	x.row++
	cols, err := x.rows.Columns()
	if err != nil {
		return 0, nil, &JobError{Key: "import.xlsx.broken"}
	}
	return x.row, cols, nil
}

func (x *xlsxSource) close() {
	if x.rows != nil {
		x.rows.Close()
	}
	if x.f != nil {
		x.f.Close()
	}
	os.Remove(x.tmp)
}

// sniffFormat tells an XLSX (a zip) from a CSV by the first bytes.
func sniffFormat(head []byte) (string, error) {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return FormatXLSX, nil
	case bytes.HasPrefix(head, []byte{0xd0, 0xcf, 0x11, 0xe0}):
		return "", &JobError{Key: "import.xls_unsupported"} // legacy .xls or an encrypted workbook
	case len(head) == 0:
		return "", &JobError{Key: "import.empty"}
	}
	return FormatCSV, nil
}

// openSource opens the input file of a job.
func (s *Store) openSource(ctx context.Context, jobID int64, format string) (rowSource, error) {
	in := s.openJobFile(ctx, jobID, "input")
	if format == FormatCSV {
		r, err := DecodeCSVReader(in)
		if err != nil {
			return nil, err
		}
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		return &csvSource{cr: cr}, nil
	}
	// excelize needs random access: the file is copied to a temporary file
	// (never to memory), and worksheets over 1 MiB are unzipped to
	// temporary files as well.
	tmp, err := os.CreateTemp("", "linli-import-*.xlsx")
	if err != nil {
		return nil, err
	}
	name := tmp.Name()
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		os.Remove(name)
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return nil, err
	}
	merged, err := xlsxHasMergedCells(name)
	if err != nil {
		os.Remove(name)
		return nil, &JobError{Key: "import.xlsx.broken"}
	}
	if merged {
		os.Remove(name)
		return nil, &JobError{Key: "import.xlsx.merged_cells"}
	}
	f, err := excelize.OpenFile(name, excelize.Options{UnzipXMLSizeLimit: 1 << 20})
	if err != nil {
		os.Remove(name)
		return nil, &JobError{Key: "import.xlsx.broken"}
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		os.Remove(name)
		return nil, &JobError{Key: "import.empty"}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		os.Remove(name)
		return nil, &JobError{Key: "import.xlsx.broken"}
	}
	return &xlsxSource{f: f, rows: rows, tmp: name}, nil
}

// xlsxHasMergedCells reports whether the first worksheet of the workbook
// at name has merged cells: a merged cell spreads one value over several
// rows or columns, which no row-by-row reading can map back to people. The
// worksheet is scanned as a stream for a mergeCell element.
func xlsxHasMergedCells(name string) (bool, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return false, err
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	readXML := func(p string, v any) error {
		f, ok := files[p]
		if !ok {
			return fmt.Errorf("xlsx: no %s", p)
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v)
	}
	var wb struct {
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readXML("xl/workbook.xml", &wb); err != nil {
		return false, err
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXML("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return false, err
	}
	if len(wb.Sheets) == 0 {
		return false, nil
	}
	target := ""
	for _, r := range rels.Rel {
		if r.ID == wb.Sheets[0].RID {
			target = r.Target
		}
	}
	if strings.HasPrefix(target, "/") {
		target = strings.TrimPrefix(target, "/")
	} else {
		target = path.Join("xl", target)
	}
	f, ok := files[target]
	if !ok {
		return false, fmt.Errorf("xlsx: no sheet %s", target)
	}
	rc, err := f.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	return scanMergeCell(rc)
}

var mergeCellTag = regexp.MustCompile(`<([A-Za-z_][\w.-]*:)?mergeCell[\s/>]`)

// scanMergeCell looks for a <mergeCell> element in a stream, in windows
// that overlap by the length of a tag.
func scanMergeCell(r io.Reader) (bool, error) {
	buf := make([]byte, 256<<10)
	keep := 0
	for {
		n, err := io.ReadFull(r, buf[keep:])
		data := buf[:keep+n]
		if mergeCellTag.Match(data) {
			return true, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		keep = 64
		copy(buf, data[len(data)-keep:])
	}
}

// personImportParams are the parameters of an import job.
type personImportParams struct {
	FileName string   `json:"file"`
	Format   string   `json:"format"`
	Header   []string `json:"header"`
	Mapping  []string `json:"mapping"`
}

// ImportPreview is the head of an uploaded file and its column mapping.
type ImportPreview struct {
	FileName string
	Format   string
	Header   []string
	Rows     [][]string // the first data rows, padded to the header's width
	Mapping  []string   // field per column, "" for none
}

// UploadPersonImport stores an uploaded file as a draft import job of the
// actor and returns it with the preview of its first rows. A file the
// import cannot read (encoding, merged cells, no header) is refused with
// a *JobError and not kept.
func (s *Store) UploadPersonImport(ctx context.Context, a linli.Actor, fileName string, r io.Reader) (Job, ImportPreview, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Job{}, ImportPreview{}, linli.ErrForbidden
	}
	br := bufio.NewReader(io.LimitReader(r, MaxImportBytes+1))
	head, _ := br.Peek(8)
	format, err := sniffFormat(head)
	if err != nil {
		return Job{}, ImportPreview{}, err
	}
	counted := &countingReader{r: br}
	p := personImportParams{FileName: cleanFileName(fileName), Format: format}
	j, err := s.createJob(ctx, a, JobPersonImport, JobDraft, p, counted)
	if err != nil {
		return Job{}, ImportPreview{}, err
	}
	drop := func(err error) (Job, ImportPreview, error) {
		_ = s.write(context.WithoutCancel(ctx), func(tx *Tx) error {
			if _, err := tx.exec(`DELETE FROM job_files WHERE job_id = ?`, j.ID); err != nil {
				return err
			}
			_, err := tx.exec(`DELETE FROM jobs WHERE id = ?`, j.ID)
			return err
		})
		return Job{}, ImportPreview{}, err
	}
	if counted.n > MaxImportBytes {
		return drop(&JobError{Key: "import.too_large", Args: []any{MaxImportBytes >> 20}})
	}
	pv, err := s.readPreview(ctx, j.ID, p)
	if err != nil {
		return drop(err)
	}
	p.Header, p.Mapping = pv.Header, pv.Mapping
	pj, _ := json.Marshal(p)
	if err := s.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE jobs SET params = ? WHERE id = ?`, string(pj), j.ID)
		return err
	}); err != nil {
		return Job{}, ImportPreview{}, err
	}
	j.Params = pj
	return j, pv, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func cleanFileName(n string) string {
	n = path.Base(strings.ReplaceAll(n, "\\", "/"))
	if utf8.RuneCountInString(n) > 100 {
		n = string([]rune(n)[:100])
	}
	if n == "." || n == "/" {
		return ""
	}
	return n
}

// readPreview reads the header and the first rows of a job's file.
func (s *Store) readPreview(ctx context.Context, jobID int64, p personImportParams) (ImportPreview, error) {
	src, err := s.openSource(ctx, jobID, p.Format)
	if err != nil {
		return ImportPreview{}, err
	}
	defer src.close()
	pv := ImportPreview{FileName: p.FileName, Format: p.Format}
	for {
		_, cells, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pv, err
		}
		if blank(cells) {
			continue
		}
		if pv.Header == nil {
			pv.Header = trimCells(cells)
			continue
		}
		pv.Rows = append(pv.Rows, cells)
		if len(pv.Rows) == ImportPreviewRows {
			break
		}
	}
	if pv.Header == nil {
		return pv, &JobError{Key: "import.empty"}
	}
	if len(pv.Rows) == 0 {
		return pv, &JobError{Key: "import.no_rows"}
	}
	for i, r := range pv.Rows {
		pv.Rows[i] = padCells(r, len(pv.Header))
	}
	pv.Mapping = p.Mapping
	if len(pv.Mapping) != len(pv.Header) {
		pv.Mapping = AutoMapping(pv.Header)
	}
	return pv, nil
}

// PersonImportPreview shows an import of the actor again.
func (s *Store) PersonImportPreview(ctx context.Context, a linli.Actor, id int64) (ImportPreview, error) {
	j, err := s.JobFor(ctx, a, id)
	if err != nil {
		return ImportPreview{}, err
	}
	if j.Kind != JobPersonImport {
		return ImportPreview{}, linli.ErrNotFound
	}
	var p personImportParams
	if err := json.Unmarshal(j.Params, &p); err != nil {
		return ImportPreview{}, err
	}
	return s.readPreview(ctx, id, p)
}

// StartPersonImport queues a draft import of the actor with the column
// mapping the worker confirmed.
func (s *Store) StartPersonImport(ctx context.Context, a linli.Actor, id int64, mapping []string) error {
	if !a.Can(linli.PermPersonWrite) {
		return linli.ErrForbidden
	}
	j, err := s.JobFor(ctx, a, id)
	if err != nil {
		return err
	}
	if j.Kind != JobPersonImport {
		return linli.ErrNotFound
	}
	var p personImportParams
	if err := json.Unmarshal(j.Params, &p); err != nil {
		return err
	}
	if len(mapping) != len(p.Header) {
		return linli.Invalid("mapping", "import.mapping.columns")
	}
	seen := map[string]bool{}
	for _, f := range mapping {
		if f == "" {
			continue
		}
		if !slices.Contains(ImportFields, f) {
			return linli.Invalid("mapping", "import.mapping.unknown")
		}
		if seen[f] {
			return linli.Invalid("mapping", "import.mapping.duplicate")
		}
		seen[f] = true
	}
	if !seen["name"] {
		return linli.Invalid("mapping", "import.mapping.name_required")
	}
	p.Mapping = mapping
	return s.queueJob(ctx, a, id, p)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func trimCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.TrimSpace(c)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func padCells(cells []string, n int) []string {
	for len(cells) < n {
		cells = append(cells, "")
	}
	return cells
}

// importRow is one data row turned into an input.
type importRow struct {
	row      int
	cells    []string
	in       linli.PersonInput
	given    map[string]bool
	gridCode string
	probs    []RowProblem
}

var phoneSplit = regexp.MustCompile(`[,，;；、/\s]+`)

// parseRow maps the cells of a row to an input; values that are not codes
// or names of the code sets are problems of the row.
func parseRow(row int, cells, header, mapping []string) *importRow {
	r := &importRow{row: row, cells: cells, given: map[string]bool{}}
	bad := func(field string, i int, v string) {
		r.probs = append(r.probs, RowProblem{Field: field, Key: "import.value.unknown", Args: []any{header[i], v}})
	}
	for i, f := range mapping {
		if f == "" || i >= len(cells) {
			continue
		}
		v := strings.TrimSpace(cells[i])
		if v == "" {
			continue
		}
		r.given[f] = true
		var ok bool
		switch f {
		case "name":
			r.in.Name = v
		case "gender":
			if r.in.Gender, ok = genderCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "birth_date":
			d, ok := parseDate(v)
			if !ok {
				r.probs = append(r.probs, RowProblem{Field: f, Key: "import.date.invalid", Args: []any{v}})
			}
			r.in.BirthDate = d
		case "id_type":
			if r.in.IDType, ok = idTypeCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "id_number":
			r.in.IDNumber = v
		case "phones":
			for _, p := range phoneSplit.Split(v, -1) {
				if p != "" {
					r.in.Phones = append(r.in.Phones, p)
				}
			}
		case "ethnicity":
			if r.in.Ethnicity, ok = ethnicityCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "education":
			if r.in.Education, ok = educationCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "employment":
			if r.in.Employment, ok = employmentCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "political":
			if r.in.Political, ok = politicalCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "reg_type":
			if r.in.RegType, ok = regTypeCodes.code(v); !ok {
				bad(f, i, v)
			}
		case "grid":
			r.gridCode = v
		case "room":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				r.probs = append(r.probs, RowProblem{Field: f, Key: "person.room.not_found"})
			}
			r.in.RoomID = n
		case "address":
			r.in.Address = v
		}
	}
	return r
}

var dateLayouts = []string{"2006-01-02", "2006-1-2", "2006/1/2", "20060102", "2006年1月2日", "2006.1.2", "01-02-06", "1/2/06"}

func parseDate(v string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	// An Excel serial day number (a date cell without a date format).
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 1 && n < 80000 && n == math.Trunc(n) {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n)), true
	}
	return time.Time{}, false
}

// problemsOf turns a row's error into problems, or returns it when it is
// not about the row (the database failed).
func problemsOf(err error) ([]RowProblem, error) {
	var ve *linli.ValidationError
	if errors.As(err, &ve) {
		var out []RowProblem
		for _, f := range ve.Fields {
			out = append(out, RowProblem{Field: f.Field, Key: f.Key, Args: f.Args})
		}
		return out, nil
	}
	var ce *linli.ConflictError
	if errors.As(err, &ce) {
		return []RowProblem{{Key: ce.Key, Args: ce.Args}}, nil
	}
	return nil, err
}

// gridResolver finds grids by code in the actor's scope, with a cache.
type gridResolver struct {
	s     *Store
	a     linli.Actor
	cache map[string]int64
}

func (g *gridResolver) id(ctx context.Context, code string) (int64, error) {
	if id, ok := g.cache[code]; ok {
		return id, nil
	}
	cond, args := scopeCond("path", g.a.Scope)
	var id int64
	err := g.s.queryRow(ctx, `SELECT id FROM areas WHERE code = ? AND level = 'grid' AND retired_at IS NULL AND `+cond,
		append([]any{code}, args...)...).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, g.s.mapErr(err)
	}
	g.cache[code] = id
	return id, nil
}

// runPersonImport is the job of kind JobPersonImport.
func (s *Store) runPersonImport(ctx context.Context, jr *jobRun) error {
	var p personImportParams
	if err := jr.params(&p); err != nil {
		return err
	}
	a := jr.actor
	if !a.Can(linli.PermPersonWrite) {
		return &JobError{Key: "job.forbidden"}
	}
	total := jr.job.Total
	if total == 0 {
		n, err := s.countRows(ctx, jr.job.ID, p.Format)
		if err != nil {
			return err
		}
		total = n
	}
	src, err := s.openSource(ctx, jr.job.ID, p.Format)
	if err != nil {
		return err
	}
	defer src.close()
	grids := &gridResolver{s: s, a: a, cache: map[string]int64{}}
	done, failed := jr.job.Done, jr.job.Failed
	result := map[string]int64{"created": 0, "updated": 0, "unchanged": 0}
	for k, v := range jr.job.Result {
		result[k] = v
	}
	batch := make([]*importRow, 0, jr.r.opt.BatchSize)
	flush := func(final bool) error {
		d, f := done, failed
		res := map[string]int64{}
		for k, v := range result {
			res[k] = v
		}
		err := s.write(ctx, func(tx *Tx) error {
			d, f = done, failed
			for k, v := range result {
				res[k] = v
			}
			ib := newImportBatch(tx, a, p.FileName)
			if err := ib.prefetch(batch); err != nil {
				return err
			}
			for _, r := range batch {
				outcome, probs, err := ib.row(r)
				if err != nil {
					return err
				}
				d++
				if len(probs) > 0 {
					f++
					cj, _ := json.Marshal(r.cells)
					pj, _ := json.Marshal(probs)
					sealed, err := s.sealJobData(cj)
					if err != nil {
						return err
					}
					if _, err := tx.exec(`INSERT INTO job_row_errors (job_id, row_no, cells, errors) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
						jr.job.ID, r.row, string(sealed), string(pj)); err != nil {
						return err
					}
					continue
				}
				res[outcome]++
			}
			if err := ib.flush(); err != nil {
				return err
			}
			if final {
				ev := auditEvent(a, "person.import", "job", jr.job.ID, 0)
				ev.Detail = fmt.Sprintf("file=%s rows=%d created=%d updated=%d unchanged=%d failed=%d",
					p.FileName, d, res["created"], res["updated"], res["unchanged"], f)
				if err := tx.audit(ev); err != nil {
					return err
				}
			}
			return jr.progress(tx, max(total, d), d, f, res, final)
		})
		if err != nil {
			return err
		}
		done, failed, result = d, f, res
		batch = batch[:0]
		return nil
	}
	var header []string
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, cells, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if blank(cells) {
			continue
		}
		if header == nil {
			header = trimCells(cells)
			if len(p.Mapping) != len(header) {
				return &JobError{Key: "import.mapping.columns"}
			}
			continue
		}
		n++
		if n <= done {
			continue // committed by an earlier run
		}
		r := parseRow(row, padCells(cells, len(header)), header, p.Mapping)
		if !utf8.ValidString(strings.Join(cells, "")) || strings.ContainsRune(strings.Join(cells, ""), utf8.RuneError) {
			r.probs = append(r.probs, RowProblem{Key: "import.encoding_row"})
		}
		if r.gridCode != "" && len(r.probs) == 0 {
			id, err := grids.id(ctx, r.gridCode)
			if err != nil {
				return err
			}
			if id == 0 {
				r.probs = append(r.probs, RowProblem{Field: "grid", Key: "import.grid.unknown", Args: []any{r.gridCode}})
			}
			r.in.GridID = id
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			if err := flush(false); err != nil {
				return err
			}
		}
	}
	return flush(true)
}

// countRows counts the non-blank data rows of a job's file.
func (s *Store) countRows(ctx context.Context, jobID int64, format string) (int64, error) {
	src, err := s.openSource(ctx, jobID, format)
	if err != nil {
		return 0, err
	}
	defer src.close()
	var n int64
	for {
		_, cells, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if !blank(cells) {
			n++
		}
	}
	if n > 0 {
		n-- // the header
	}
	return n, nil
}

// importBatch writes the rows of one transaction of an import. A new
// person is checked when its row comes (so a row's problem is its own, and
// nothing of it is written) but inserted with the batch's other new people
// at the end, in multi-row statements: one by one, a new person took a
// dozen round trips, which were most of an import's time on PostgreSQL. A
// row that needs to see a pending person (an update of one, or a possible
// duplicate of one) writes the pending ones first.
type importBatch struct {
	tx      *Tx
	a       linli.Actor
	file    string
	known   map[string]importKnown // by the blind index of the file's ID numbers
	pending []newPerson
	ids     map[string]bool // blind indexes of the pending
	names   map[string]bool // community, name and birth date of the pending
	stmts   txStmts
}

// importKnown is a person an ID number of the batch names: in the
// registry, or pending (pending is its index in importBatch.pending + 1).
type importKnown struct {
	id      int64
	path    string
	pending int
}

func newImportBatch(tx *Tx, a linli.Actor, file string) *importBatch {
	return &importBatch{tx: tx, a: a, file: file, known: map[string]importKnown{}, ids: map[string]bool{}, names: map[string]bool{}}
}

// importIDBidx is the blind index under which a row's ID number is
// stored.
func (s *Store) importIDBidx(in linli.PersonInput) string {
	num := strings.TrimSpace(in.IDNumber)
	if num == "" || s.keys == nil {
		return ""
	}
	norm := strings.ToUpper(strings.Join(strings.Fields(num), ""))
	if in.IDType == "" || in.IDType == linli.IDResident {
		norm = seal.NormalizeIDNumber(num)
	}
	return s.keys.BlindIndex(fieldIDNumber, norm)
}

// prefetch finds the people the batch's ID numbers name, in one query.
func (ib *importBatch) prefetch(rows []*importRow) error {
	var args []any
	for _, r := range rows {
		if len(r.probs) == 0 {
			if b := ib.tx.s.importIDBidx(r.in); b != "" {
				args = append(args, b)
			}
		}
	}
	if len(args) == 0 {
		return nil
	}
	args = padPow2(args)
	q, err := ib.tx.query(`SELECT id_number_bidx, id, path FROM persons WHERE id_number_bidx IN (?`+strings.Repeat(", ?", len(args)-1)+`) AND id_number_bidx <> ''`, args...)
	if err != nil {
		return err
	}
	defer q.Close()
	for q.Next() {
		var b string
		var k importKnown
		if err := q.Scan(&b, &k.id, &k.path); err != nil {
			return err
		}
		ib.known[b] = k
	}
	return q.Err()
}

// row checks and writes (or queues) one row: outcome is "created",
// "updated" or "unchanged", or probs says why the row failed. Any other
// error (the database failed) is returned as err and rolls the whole batch
// back. (A savepoint per row would cost a sixth of the import on SQLite,
// which writes a sub-journal for it.)
func (ib *importBatch) row(r *importRow) (outcome string, probs []RowProblem, err error) {
	if len(r.probs) > 0 {
		return "", r.probs, nil
	}
	outcome, err = ib.importPerson(r)
	if err == nil {
		return outcome, nil, nil
	}
	probs, err = problemsOf(err)
	return "", probs, err
}

// importPerson queues the new person of a row, or updates the person in
// scope with the row's ID number.
func (ib *importBatch) importPerson(r *importRow) (string, error) {
	tx, s, a := ib.tx, ib.tx.s, ib.a
	in := r.in
	in.Source, in.SourceNote = linli.SourceImport, ib.file
	bidx := s.importIDBidx(in)
	if k, ok := ib.known[bidx]; ok && bidx != "" {
		if !a.Scope.Contains(k.path) {
			return "", linli.Conflict("person.duplicate_id_hidden")
		}
		if k.pending > 0 {
			if err := ib.flush(); err != nil {
				return "", err
			}
			k = ib.known[bidx]
		}
		return tx.importUpdateRow(a, r, in, k.id)
	}
	if in.RegType == "" {
		in.RegType = linli.RegRegistered
	}
	pp, err := s.preparePerson(in, tx.now)
	if err != nil {
		return "", err
	}
	pp.idChecked = bidx != "" && pp.idBidx == bidx
	name := ""
	if g, err := tx.liveGrid(a, pp.in.GridID); err == nil {
		name = nameKey(keysOf(g.Path).community, pp)
	}
	if ib.ids[pp.idBidx] || ib.names[name] {
		if err := ib.flush(); err != nil { // the checks below must see them
			return "", err
		}
	}
	np, err := tx.checkNewPerson(a, pp)
	if err != nil {
		return "", err
	}
	ib.pending = append(ib.pending, np)
	if bidx != "" {
		ib.known[bidx] = importKnown{path: np.grid.Path, pending: len(ib.pending)}
	}
	if pp.idBidx != "" {
		ib.ids[pp.idBidx] = true
	}
	if name != "" {
		ib.names[name] = true
	}
	return "created", nil
}

// nameKey is what checkDuplicates compares for a possible duplicate
// (community, name, birth date), or "" when it does not look.
func nameKey(community int64, pp personPrep) string {
	if pp.in.ConfirmDuplicate || pp.in.BirthDate.IsZero() {
		return ""
	}
	return strconv.FormatInt(community, 10) + "\x00" + pp.in.Name + "\x00" + dateStr(pp.in.BirthDate)
}

// flush inserts the pending people with the rows createPerson writes for
// each: the person, phones, the "created" history line, search terms and
// the audit record.
func (ib *importBatch) flush() error {
	tx, n := ib.tx, len(ib.pending)
	if n == 0 {
		return nil
	}
	ids, err := tx.ids("persons", n)
	if err != nil {
		return err
	}
	var pArgs, phArgs, hArgs, tArgs []any
	actor := nullInt(ib.a.UserID)
	for i, np := range ib.pending {
		pArgs = append(append(pArgs, ids[i]), np.values(tx)...)
		masks := make([]string, len(np.pp.phones))
		for j, ph := range np.pp.phones {
			phArgs = append(phArgs, ids[i], ph.sealed, ph.bidx, ph.masked, j)
			masks[j] = ph.masked
		}
		hArgs = append(hArgs, ids[i], "created", "", "", np.in.Source, np.in.SourceNote, actor, tx.s.d.t(tx.now))
		for _, t := range personTerms(np.in.Name, np.in.Address, masks) {
			tArgs = append(tArgs, t, np.grid.Path, ids[i])
		}
	}
	for _, ins := range []struct {
		table string
		cols  []string
		args  []any
	}{
		{"persons", append([]string{"id"}, newPersonCols...), pArgs},
		{"person_phones", []string{"person_id", "phone", "phone_bidx", "phone_masked", "position"}, phArgs},
		{"person_history", []string{"person_id", "field", "old_value", "new_value", "source", "note", "actor_id", "at"}, hArgs},
		{"person_terms", []string{"term", "path", "person_id"}, tArgs},
	} {
		if err := ib.stmts.insert(tx, ins.table, ins.cols, ins.args); err != nil {
			return err
		}
	}
	for i, np := range ib.pending {
		if err := tx.audit(auditEvent(ib.a, "person.create", "person", ids[i], np.grid.ID)); err != nil {
			return err
		}
	}
	for b, k := range ib.known {
		if k.pending > 0 {
			ib.known[b] = importKnown{id: ids[k.pending-1], path: k.path}
		}
	}
	ib.pending = ib.pending[:0]
	clear(ib.ids)
	clear(ib.names)
	return nil
}

// importUpdateRow updates the person curID (in the actor's scope) from a
// row: the fields without a value in the file keep theirs.
func (tx *Tx) importUpdateRow(a linli.Actor, r *importRow, in linli.PersonInput, curID int64) (string, error) {
	s := tx.s
	cur, err := tx.person(a, curID)
	if err != nil {
		return "", err
	}
	// Fields without a value in the file keep theirs.
	keep := func(f string) bool { return !r.given[f] }
	if keep("name") {
		in.Name = cur.Name
	}
	if keep("gender") {
		in.Gender = cur.Gender
	}
	if keep("birth_date") {
		in.BirthDate = cur.BirthDate
	}
	if keep("id_type") {
		in.IDType = cur.IDType
	}
	if keep("ethnicity") {
		in.Ethnicity = cur.Ethnicity
	}
	if keep("education") {
		in.Education = cur.Education
	}
	if keep("employment") {
		in.Employment = cur.Employment
	}
	if keep("political") {
		in.Political = cur.Political
	}
	if keep("reg_type") {
		in.RegType = cur.RegType
	}
	if keep("grid") {
		in.GridID = cur.GridID
	}
	if keep("room") {
		in.RoomID = cur.RoomID
	}
	if keep("address") && (keep("room") || in.RoomID == cur.RoomID) {
		in.Address = cur.Address
	}
	pp, err := s.preparePerson(in, tx.now)
	if err != nil {
		return "", err
	}
	changed, err := tx.importUpdate(a, cur, pp, r.given["phones"])
	if err != nil {
		return "", err
	}
	if !changed {
		return "unchanged", nil
	}
	return "updated", nil
}

// importUpdate applies an import row to an existing person: the fields
// that differ get a history line and their source; phones are kept unless
// the file gives them.
func (tx *Tx) importUpdate(a linli.Actor, cur personRec, pp personPrep, phonesGiven bool) (bool, error) {
	if cur.Status == linli.StatusDeceased {
		return false, linli.Conflict("person.deceased")
	}
	in := pp.in
	grid := linli.Area{ID: cur.GridID, Path: cur.Path}
	if in.GridID != cur.GridID {
		var err error
		if grid, err = tx.liveGrid(a, in.GridID); err != nil {
			return false, err
		}
	}
	if in.RoomID != 0 && (in.RoomID != cur.RoomID || grid.ID != cur.GridID) {
		addr, err := tx.roomAddress(in.RoomID, grid.Path)
		if err != nil {
			return false, err
		}
		if in.Address == "" {
			in.Address = addr
		}
	}
	next := linli.Person{Name: in.Name, Gender: in.Gender, BirthDate: in.BirthDate, IDType: in.IDType, IDMasked: pp.idMasked,
		Ethnicity: in.Ethnicity, Education: in.Education, Employment: in.Employment, Political: in.Political,
		RegType: in.RegType, GridID: grid.ID, RoomID: in.RoomID, Address: in.Address}
	var newBidx []string
	for _, ph := range pp.phones {
		next.PhoneMasked = append(next.PhoneMasked, ph.masked)
		newBidx = append(newBidx, ph.bidx)
	}
	phonesChanged := phonesGiven && strings.Join(newBidx, ",") != strings.Join(cur.phoneBidx, ",")
	if !phonesChanged {
		next.PhoneMasked = cur.PhoneMasked
	}
	oldV, newV := shownValues(cur.Person), shownValues(next)
	var changed []string
	for _, f := range personFields {
		switch f {
		case "id_number":
			// matched by its blind index: unchanged
		case "phones":
			if phonesChanged {
				changed = append(changed, f)
			}
		default:
			if oldV[f] != newV[f] {
				changed = append(changed, f)
			}
		}
	}
	if len(changed) == 0 {
		return false, nil
	}
	k := keysOf(grid.Path)
	nameChanged := oldV["name"] != newV["name"] || oldV["birth_date"] != newV["birth_date"] || k.community != cur.communityID
	if err := tx.checkDuplicates(a, pp, k.community, cur.ID, false, nameChanged); err != nil {
		return false, err
	}
	src := linli.FieldSource{Source: in.Source, Note: in.SourceNote, At: tx.now.UTC()}
	sources := cur.Sources
	if sources == nil {
		sources = map[string]linli.FieldSource{}
	}
	for _, f := range changed {
		sources[f] = src
		if err := tx.personHistory(cur.ID, f, oldV[f], newV[f], in.Source, in.SourceNote, a.UserID); err != nil {
			return false, err
		}
	}
	if _, err := tx.exec(`UPDATE persons SET name = ?, gender = ?, birth_date = ?, id_type = ?, ethnicity = ?, education = ?,
		employment = ?, political = ?, reg_type = ?, grid_id = ?, path = ?, community_id = ?, street_id = ?, district_id = ?,
		room_id = ?, address = ?, sources = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		in.Name, in.Gender, dateStr(in.BirthDate), in.IDType, in.Ethnicity, in.Education, in.Employment, in.Political,
		in.RegType, grid.ID, grid.Path, k.community, k.street, k.district, nullInt(in.RoomID), in.Address,
		sourcesJSON(sources), tx.s.d.t(tx.now), cur.ID); err != nil {
		return false, err
	}
	if phonesChanged {
		if err := tx.writePhones(cur.ID, pp.phones); err != nil {
			return false, err
		}
	}
	if grid.Path != cur.Path {
		if err := tx.repath(cur.ID, grid.Path); err != nil {
			return false, err
		}
	}
	p, err := tx.person(linli.Actor{Scope: linli.Scope{Paths: []string{grid.Path}}}, cur.ID)
	if err != nil {
		return false, err
	}
	if err := tx.indexPerson(p.Person); err != nil {
		return false, err
	}
	ev := auditEvent(a, "person.update", "person", cur.ID, grid.ID)
	ev.Detail = strings.Join(changed, ",") + " source=import"
	return true, tx.audit(ev)
}

// ImportRowError is one failed row of an import, for the error report.
type ImportRowError struct {
	Row      int
	Cells    []string
	Problems []RowProblem
}

// PersonImportErrors calls header with the header of the file of an
// import of the actor, then fn with each failed row, in file order.
func (s *Store) PersonImportErrors(ctx context.Context, a linli.Actor, id int64, header func([]string) error, fn func(ImportRowError) error) error {
	j, err := s.JobFor(ctx, a, id)
	if err != nil {
		return err
	}
	if j.Kind != JobPersonImport {
		return linli.ErrNotFound
	}
	var p personImportParams
	if err := json.Unmarshal(j.Params, &p); err != nil {
		return err
	}
	if err := header(p.Header); err != nil {
		return err
	}
	rows, err := s.query(ctx, `SELECT row_no, cells, errors FROM job_row_errors WHERE job_id = ? ORDER BY row_no`, id)
	if err != nil {
		return s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ImportRowError
		var cells, probs string
		if err := rows.Scan(&e.Row, &cells, &probs); err != nil {
			return err
		}
		plain, err := s.openJobData([]byte(cells))
		if err != nil {
			return err
		}
		_ = json.Unmarshal(plain, &e.Cells)
		_ = json.Unmarshal([]byte(probs), &e.Problems)
		for i := range e.Problems {
			for k, v := range e.Problems[i].Args {
				if f, ok := v.(float64); ok && f == math.Trunc(f) {
					e.Problems[i].Args[k] = int64(f) // JSON numbers come back as float64
				}
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ExportColumns are the columns of a person export, in order; an export
// reads back as an import (the header names are import aliases).
var ExportColumns = []string{"name", "gender", "birth_date", "id_type", "id_number", "phones", "ethnicity", "education",
	"employment", "political", "reg_type", "grid", "address", "status"}

// ExportThreshold is the number of rows above which an export runs as a
// background job.
const ExportThreshold = 5000

// ExportRequest says what to export and how.
type ExportRequest struct {
	Query    linli.PersonQuery `json:"query"`
	Format   string            `json:"format"`   // FormatCSV or FormatXLSX
	Unmasked bool              `json:"unmasked"` // full ID numbers and phones
	Header   []string          `json:"header"`   // column titles, in the viewer's language
	Statuses map[string]string `json:"statuses"` // status names, in the viewer's language
}

// CanExport checks the permissions of an export: person.read, and for an
// unmasked one data.export and pii.reveal (otherwise the export does not
// exist for the actor: ErrNotFound).
func CanExport(a linli.Actor, unmasked bool) error {
	if !a.Can(linli.PermPersonRead) {
		return linli.ErrNotFound
	}
	if unmasked && (!a.Can(linli.PermDataExport) || !a.Can(linli.PermPIIReveal)) {
		return linli.ErrNotFound
	}
	return nil
}

// CountForExport counts the persons an export would hold, up to limit+1.
func (s *Store) CountForExport(ctx context.Context, a linli.Actor, q linli.PersonQuery, limit int) (int, error) {
	n := 0
	q.AfterID, q.Limit = 0, 200
	for n <= limit {
		ps, err := s.SearchPersons(ctx, a, q)
		if err != nil {
			return 0, err
		}
		n += len(ps)
		if len(ps) < q.Limit {
			break
		}
		q.AfterID = ps[len(ps)-1].ID
	}
	return n, nil
}

// WritePersonExport writes the persons of a search (all pages) to w as CSV
// (UTF-8 with BOM, which Excel opens correctly) or XLSX (excelize's stream
// writer), masked unless req.Unmasked, and returns the row count. It does
// not audit: the caller records "person.export" with the count before the
// file leaves the server. progress, when set, is called every page.
func (s *Store) WritePersonExport(ctx context.Context, a linli.Actor, req ExportRequest, w io.Writer, progress func(n int) error) (int, error) {
	if err := CanExport(a, req.Unmasked); err != nil {
		return 0, err
	}
	if s.keys == nil {
		return 0, errNoKeys
	}
	var put func([]any) error
	var end func() error
	switch req.Format {
	case FormatXLSX:
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return 0, err
		}
		row := 0
		put = func(v []any) error {
			row++
			cell, _ := excelize.CoordinatesToCellName(1, row)
			return sw.SetRow(cell, v)
		}
		end = func() error {
			if err := sw.Flush(); err != nil {
				return err
			}
			return f.Write(w)
		}
	default:
		if _, err := io.WriteString(w, "\xef\xbb\xbf"); err != nil {
			return 0, err
		}
		cw := csv.NewWriter(w)
		rec := make([]string, len(ExportColumns))
		put = func(v []any) error {
			for i := range rec {
				rec[i] = fmt.Sprint(v[i])
			}
			return cw.Write(rec)
		}
		end = func() error { cw.Flush(); return cw.Error() }
	}
	head := make([]any, len(ExportColumns))
	for i, c := range ExportColumns {
		head[i] = c
		if i < len(req.Header) {
			head[i] = req.Header[i]
		}
	}
	if err := put(head); err != nil {
		return 0, err
	}
	gridCodes := map[int64]string{}
	q := req.Query
	q.AfterID, q.Limit = 0, 200
	n := 0
	for {
		ps, err := s.SearchPersons(ctx, a, q)
		if err != nil {
			return n, err
		}
		if len(ps) == 0 {
			break
		}
		details, err := s.exportDetails(ctx, ps, req.Unmasked)
		if err != nil {
			return n, err
		}
		for _, p := range ps {
			d := details[p.ID]
			code, ok := gridCodes[p.GridID]
			if !ok {
				_ = s.queryRow(ctx, `SELECT code FROM areas WHERE id = ?`, p.GridID).Scan(&code)
				gridCodes[p.GridID] = code
			}
			id, phones := p.IDMasked, strings.Join(d.phonesMasked, ",")
			if req.Unmasked {
				id, phones = d.id, strings.Join(d.phones, ",")
			}
			status := p.Status
			if t, ok := req.Statuses[status]; ok {
				status = t
			}
			if err := put([]any{p.Name, genderCodes.name(p.Gender), dateStr(p.BirthDate), idTypeCodes.name(p.IDType), id, phones,
				ethnicityCodes.name(d.ethnicity), educationCodes.name(d.education), employmentCodes.name(d.employment),
				politicalCodes.name(d.political), regTypeCodes.name(p.RegType), code, p.Address, status}); err != nil {
				return n, err
			}
			n++
		}
		if progress != nil {
			if err := progress(n); err != nil {
				return n, err
			}
		}
		if len(ps) < q.Limit {
			break
		}
		q.AfterID = ps[len(ps)-1].ID
	}
	return n, end()
}

type exportDetail struct {
	ethnicity, education, employment, political string
	id                                          string
	phones, phonesMasked                        []string
}

// exportDetails loads the columns a search row lacks, and unseals the ID
// numbers and phones of an unmasked export.
func (s *Store) exportDetails(ctx context.Context, ps []linli.Person, unmasked bool) (map[int64]*exportDetail, error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = strconv.FormatInt(p.ID, 10)
	}
	in := strings.Join(ids, ",") // integers only
	out := map[int64]*exportDetail{}
	rows, err := s.query(ctx, `SELECT id, ethnicity, education, employment, political, id_number FROM persons WHERE id IN (`+in+`)`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	for rows.Next() {
		d := &exportDetail{}
		var id int64
		var sealed string
		if err := rows.Scan(&id, &d.ethnicity, &d.education, &d.employment, &d.political, &sealed); err != nil {
			rows.Close()
			return nil, err
		}
		if unmasked && sealed != "" {
			if d.id, err = s.keys.OpenField(fieldIDNumber, sealed); err != nil {
				rows.Close()
				return nil, err
			}
		}
		out[id] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, `SELECT person_id, phone, phone_masked FROM person_phones WHERE person_id IN (`+in+`) ORDER BY person_id, position`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sealed, masked string
		if err := rows.Scan(&id, &sealed, &masked); err != nil {
			return nil, err
		}
		d := out[id]
		if d == nil {
			continue
		}
		d.phonesMasked = append(d.phonesMasked, masked)
		if unmasked {
			ph, err := s.keys.OpenField(fieldPhone, sealed)
			if err != nil {
				return nil, err
			}
			d.phones = append(d.phones, ph)
		}
	}
	return out, rows.Err()
}

// AuditExport records an export of n rows.
func (s *Store) AuditExport(ctx context.Context, a linli.Actor, n int, unmasked bool) error {
	return s.AuditActor(ctx, a, "person.export", "person", "", 0, exportDetailText(n, unmasked))
}

func exportDetailText(n int, unmasked bool) string {
	if unmasked {
		return fmt.Sprintf("rows=%d unmasked", n)
	}
	return fmt.Sprintf("rows=%d masked", n)
}

// StartPersonExport queues a large export as a job of the actor.
func (s *Store) StartPersonExport(ctx context.Context, a linli.Actor, req ExportRequest) (Job, error) {
	if err := CanExport(a, req.Unmasked); err != nil {
		return Job{}, err
	}
	return s.createJob(ctx, a, JobPersonExport, JobQueued, req, nil)
}

// runPersonExport is the job of kind JobPersonExport: the file is written
// to a temporary file, then stored as the job's result in the transaction
// that audits the export and marks the job done, so the audit record and
// the downloadable file appear together.
func (s *Store) runPersonExport(ctx context.Context, jr *jobRun) error {
	var req ExportRequest
	if err := jr.params(&req); err != nil {
		return err
	}
	if err := CanExport(jr.actor, req.Unmasked); err != nil {
		return &JobError{Key: "job.forbidden"}
	}
	tmp, err := os.CreateTemp("", "linli-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	total, err := s.CountForExport(ctx, jr.actor, req.Query, math.MaxInt32-1)
	if err != nil {
		return err
	}
	n, err := s.WritePersonExport(ctx, jr.actor, req, tmp, func(n int) error {
		if n%5000 != 0 && n < total {
			return nil
		}
		return s.write(ctx, func(tx *Tx) error {
			return jr.progress(tx, int64(total), int64(n), 0, nil, false)
		})
	})
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.writeJobFile(jr.job.ID, "result", tmp); err != nil {
			return err
		}
		ev := auditEvent(jr.actor, "person.export", "person", "", 0)
		ev.Detail = exportDetailText(n, req.Unmasked)
		if err := tx.audit(ev); err != nil {
			return err
		}
		return jr.progress(tx, int64(n), int64(n), 0, map[string]int64{"rows": int64(n)}, true)
	})
}

// ExportParams returns the request of an export job of the actor.
func (s *Store) ExportParams(ctx context.Context, a linli.Actor, id int64) (Job, ExportRequest, error) {
	j, err := s.JobFor(ctx, a, id)
	if err != nil {
		return j, ExportRequest{}, err
	}
	if j.Kind != JobPersonExport {
		return j, ExportRequest{}, linli.ErrNotFound
	}
	var req ExportRequest
	err = json.Unmarshal(j.Params, &req)
	return j, req, err
}
