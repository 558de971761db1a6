package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The KPI dashboard (/kpi) and its export (/kpi.xlsx), for kpi.read.
// Every KPI is shown with its published formula and the count it is
// based on; a rate whose base is below the minimum volume shows "—" and
// is not ranked. The bar charts are SVG drawn on the server.

// kpiDims are the breakdowns of the report.
var kpiDims = []string{"unit", "community", "service"}

// KPIDefView is a KPI and its formula in the page's language.
type KPIDefView struct {
	Code    string
	Name    string
	Formula string
	Rate    bool
}

// KPICell is one KPI of one row, as shown.
type KPICell struct {
	Text   string // the value, or "—"
	Detail string // numerator / base
	Base   int64
	Rank   string
	Ranked bool
	Rate   bool
}

// KPIRowView is one row of the table.
type KPIRowView struct {
	Label string
	Cells []KPICell
}

// KPIChart is a bar chart of one KPI over the rows.
type KPIChart struct {
	Code     string
	Title    string
	Formula  string
	Width    int
	Height   int
	Bars     []KPIBar
	Unranked int // rows left out: below the minimum volume
}

// KPIBar is one bar.
type KPIBar struct {
	Label  string
	Value  string
	Y      int // top of the bar
	TextY  int // baseline of the texts
	W      int // bar width
	ValueX int
}

// WOKPIPage is the dashboard.
type WOKPIPage struct {
	WOPage
	Form      Form
	Dims      []CodeOption
	Defs      []KPIDefView
	Report    store.KPIReport
	Total     KPIRowView
	Rows      []KPIRowView
	Charts    []KPIChart
	DimLabel  string
	DimHead   string
	ExportURL string
	Ready     bool
}

// kpiDimLabel names a breakdown (literal keys for the catalog test).
func kpiDimLabel(p Page, dim string) string {
	switch dim {
	case "community":
		return p.T("wostaff.kpi.by.community")
	case "service":
		return p.T("wostaff.kpi.by.service")
	}
	return p.T("wostaff.kpi.by.unit")
}

// kpiDimHead is the heading of the breakdown's column.
func kpiDimHead(p Page, dim string) string {
	switch dim {
	case "community":
		return p.T("wostaff.kpi.community")
	case "service":
		return p.T("wostaff.col.service")
	}
	return p.T("wostaff.col.unit")
}

// kpiRequest reads the period and the breakdown. to is inclusive on the
// form and exclusive for the store.
func kpiRequest(r *http.Request, p Page, now time.Time) (Form, time.Time, time.Time, string) {
	q := r.URL.Query()
	f := newForm()
	today := now.In(shanghai)
	f.Values["from"] = q.Get("from")
	f.Values["to"] = q.Get("to")
	f.Values["by"] = q.Get("by")
	if f.Values["from"] == "" {
		f.Values["from"] = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	if f.Values["to"] == "" {
		f.Values["to"] = today.Format("2006-01-02")
	}
	by := f.Values["by"]
	switch by {
	case "unit", "community", "service":
	default:
		by = "unit"
		f.Values["by"] = by
	}
	from, err := time.Parse("2006-01-02", f.Values["from"])
	if err != nil {
		f.Errors["from"] = p.T("wostaff.kpi.date.invalid")
	}
	to, err := time.Parse("2006-01-02", f.Values["to"])
	if err != nil {
		f.Errors["to"] = p.T("wostaff.kpi.date.invalid")
	}
	return f, from, to.AddDate(0, 0, 1), by
}

func (s *Server) woKPI(w http.ResponseWriter, r *http.Request) error {
	pg := WOKPIPage{WOPage: s.woPage(r, "wostaff.kpi.title")}
	p := pg.Page
	f, from, to, by := kpiRequest(r, p, pg.Now)
	pg.Form = f
	for _, d := range kpiDims {
		pg.Dims = append(pg.Dims, CodeOption{Code: d, Label: kpiDimLabel(p, d), Selected: d == by})
	}
	pg.DimLabel, pg.DimHead = kpiDimLabel(p, by), kpiDimHead(p, by)
	pg.Defs = kpiDefs(p)
	status := http.StatusOK
	if len(f.Errors) == 0 {
		rep, err := s.st.KPIs(r.Context(), actor(r), from, to)
		if !f.setErrors(p, err) && err != nil {
			return err
		}
		if err == nil {
			pg.Report, pg.Ready = rep, true
		}
	}
	if !pg.Ready {
		status = http.StatusUnprocessableEntity
		return s.render(w, r, status, "wo_kpi.html", pg)
	}
	pg.Total = kpiRowView(p, pg.Report.Total, pg.Report.MinVolume)
	pg.Total.Label = p.T("wostaff.kpi.total")
	rows := kpiRowsBy(pg.Report, by)
	for _, row := range rows {
		pg.Rows = append(pg.Rows, kpiRowView(p, row, pg.Report.MinVolume))
	}
	for i, d := range store.KPIDefs {
		if d.Rate || d.Code == "response" {
			pg.Charts = append(pg.Charts, kpiChart(p, i, pg.Defs[i], rows, pg.Report.MinVolume))
		}
	}
	v := url.Values{"from": {f.Values["from"]}, "to": {f.Values["to"]}, "by": {by}}
	pg.ExportURL = "/kpi.xlsx?" + v.Encode()
	return s.render(w, r, status, "wo_kpi.html", pg)
}

// kpiDefs are the KPIs and formulas in the page's language.
func kpiDefs(p Page) []KPIDefView {
	out := make([]KPIDefView, 0, len(store.KPIDefs))
	for _, d := range store.KPIDefs {
		v := KPIDefView{Code: d.Code, Name: d.NameZh, Formula: d.FormulaZh, Rate: d.Rate}
		if p.Lang == "en" {
			v.Name, v.Formula = d.NameEn, d.FormulaEn
		}
		out = append(out, v)
	}
	return out
}

func kpiRowsBy(rep store.KPIReport, by string) []store.KPIRow {
	switch by {
	case "community":
		return rep.ByCommunity
	case "service":
		return rep.ByService
	}
	return rep.ByUnit
}

// kpiShown reports whether a KPI value is shown (not "—").
func kpiShown(d store.KPIDef, v store.KPIValue, minVol int64) bool {
	switch {
	case d.Rate:
		return v.Base >= minVol && v.Base > 0
	case d.Code == "response":
		return v.Base > 0
	}
	return true
}

// kpiText formats a value: a percentage, a duration, or a count.
func kpiText(p Page, d store.KPIDef, v store.KPIValue, minVol int64) string {
	if !kpiShown(d, v, minVol) {
		return "—"
	}
	switch {
	case d.Rate:
		return strconv.FormatFloat(math.Round(v.Value*1000)/10, 'f', 1, 64) + "%"
	case d.Code == "response":
		secs := int64(v.Value)
		if secs < 3600 {
			return p.T("wostaff.kpi.minutes", (secs+59)/60)
		}
		return p.T("wostaff.kpi.hours", strconv.FormatFloat(float64(secs)/3600, 'f', 1, 64))
	}
	return strconv.FormatInt(v.Num, 10)
}

func kpiRowView(p Page, row store.KPIRow, minVol int64) KPIRowView {
	out := KPIRowView{Label: row.Label}
	for i, d := range store.KPIDefs {
		if i >= len(row.Values) {
			break
		}
		v := row.Values[i]
		c := KPICell{Text: kpiText(p, d, v, minVol), Base: v.Base, Rate: d.Rate, Ranked: v.Ranked}
		if d.Rate || d.Code == "response" {
			c.Detail = p.T("wostaff.kpi.detail", v.Num, v.Base)
			if d.Code == "response" {
				c.Detail = p.T("wostaff.kpi.base", v.Base)
			}
		}
		if d.Rate {
			if v.Ranked && v.Rank > 0 {
				c.Rank = p.T("wostaff.kpi.rank", v.Rank)
			} else {
				c.Rank = p.T("wostaff.kpi.not_ranked")
			}
		}
		out.Cells = append(out.Cells, c)
	}
	return out
}

// Chart geometry (SVG user units).
const (
	chartWidth  = 640
	chartLabelW = 200
	chartBarMax = 340
	chartRow    = 26
	chartBarH   = 18
)

// kpiChart draws KPI i over the rows that are shown: ranked rates best
// first, the average response time shortest first.
func kpiChart(p Page, i int, def KPIDefView, rows []store.KPIRow, minVol int64) KPIChart {
	d := store.KPIDefs[i]
	ch := KPIChart{Code: d.Code, Title: def.Name, Formula: def.Formula, Width: chartWidth}
	type item struct {
		label string
		v     store.KPIValue
	}
	var items []item
	maxV := 0.0
	for _, row := range rows {
		if i >= len(row.Values) {
			continue
		}
		v := row.Values[i]
		if !kpiShown(d, v, minVol) || (d.Rate && !v.Ranked) {
			ch.Unranked++
			continue
		}
		items = append(items, item{row.Label, v})
		maxV = max(maxV, v.Value)
	}
	sort.SliceStable(items, func(a, b int) bool {
		if d.Rate {
			return items[a].v.Rank < items[b].v.Rank
		}
		return items[a].v.Value < items[b].v.Value
	})
	scale := float64(chartBarMax)
	if !d.Rate && maxV > 0 {
		scale = float64(chartBarMax) / maxV
	}
	for j, it := range items {
		w := int(math.Round(it.v.Value * scale))
		if it.v.Value > 0 && w < 1 {
			w = 1
		}
		label := []rune(it.label)
		if len(label) > 14 {
			label = append(label[:13], '…')
		}
		y := 6 + j*chartRow
		ch.Bars = append(ch.Bars, KPIBar{Label: string(label), Value: kpiText(p, d, it.v, minVol), Y: y, TextY: y + chartBarH - 4, W: w,
			ValueX: chartLabelW + 4 + w + 6})
	}
	ch.Height = 12 + len(ch.Bars)*chartRow
	return ch
}

// woKPIExport sends the report as XLSX: the chosen breakdown with the
// total first, and a sheet of formulas. The export is audited, with its
// row count, before the file is sent.
func (s *Server) woKPIExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "wostaff.kpi.title")
	f, from, to, by := kpiRequest(r, p, s.st.Now())
	if len(f.Errors) > 0 {
		return linli.ErrInvalid // the dashboard explains the dates
	}
	rep, err := s.st.KPIs(ctx, a, from, to)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := p.T("wostaff.kpi.sheet")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	head := []any{kpiDimHead(p, by)}
	defs := kpiDefs(p)
	for i, d := range store.KPIDefs {
		name := defs[i].Name
		switch {
		case d.Rate:
			head = append(head, name+" (%)", p.T("wostaff.kpi.col.num", name), p.T("wostaff.kpi.col.base", name), p.T("wostaff.kpi.col.rank", name))
		case d.Code == "response":
			head = append(head, p.T("wostaff.kpi.col.hours", name), p.T("wostaff.kpi.col.base", name))
		default:
			head = append(head, name)
		}
	}
	if err := x.SetSheetRow(sheet, "A1", &head); err != nil {
		return err
	}
	rows := append([]store.KPIRow{rep.Total}, kpiRowsBy(rep, by)...)
	for n, row := range rows {
		label := row.Label
		if n == 0 {
			label = p.T("wostaff.kpi.total")
		}
		vals := []any{label}
		for i, d := range store.KPIDefs {
			var v store.KPIValue
			if i < len(row.Values) {
				v = row.Values[i]
			}
			shown := kpiShown(d, v, rep.MinVolume)
			switch {
			case d.Rate:
				var val, rank any = "—", p.T("wostaff.kpi.not_ranked")
				if shown {
					val = math.Round(v.Value*1000) / 10
				}
				if v.Ranked && v.Rank > 0 {
					rank = v.Rank
				}
				vals = append(vals, val, v.Num, v.Base, rank)
			case d.Code == "response":
				var val any = "—"
				if shown {
					val = math.Round(v.Value/36) / 100
				}
				vals = append(vals, val, v.Base)
			default:
				vals = append(vals, v.Num)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := x.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	fs := p.T("wostaff.kpi.sheet.formulas")
	if _, err := x.NewSheet(fs); err != nil {
		return err
	}
	if err := x.SetSheetRow(fs, "A1", &[]any{p.T("wostaff.kpi.col.kpi"), p.T("wostaff.kpi.col.formula")}); err != nil {
		return err
	}
	for i, d := range defs {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := x.SetSheetRow(fs, cell, &[]any{d.Name, d.Formula}); err != nil {
			return err
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, len(defs)+3)
	if err := x.SetSheetRow(fs, cell, &[]any{p.T("wostaff.kpi.min_volume", rep.MinVolume),
		p.T("wostaff.kpi.period", from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"))}); err != nil {
		return err
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return err
	}
	if err := s.st.AuditActor(ctx, a, "kpi.export", "kpi", by, 0,
		fmt.Sprintf("rows=%d from=%s to=%s by=%s", len(rows), from.Format("2006-01-02"), to.Format("2006-01-02"), by)); err != nil {
		return err
	}
	name := "kpi-" + from.Format("20060102") + "-" + to.AddDate(0, 0, -1).Format("20060102") + "-" + by + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(name))
	_, err = w.Write(buf.Bytes())
	return err
}
