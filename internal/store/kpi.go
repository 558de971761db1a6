package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// KPIs of the one-stop service hall, computed from the event log through
// its roll-ups (kpi_daily, kpi_monthly: see 0007_workorders.sql). Each
// KPI has a published formula and the count it is based on; a rate whose
// base is below the minimum volume is shown but not ranked.

// KPIDef is a KPI and its formula.
type KPIDef struct {
	Code      string
	NameZh    string
	NameEn    string
	FormulaZh string
	FormulaEn string
	Rate      bool // a share (else a count or an average)
	Higher    bool // higher is better (for ranking)
}

// KPIDefs are the KPIs, in display order.
var KPIDefs = []KPIDef{
	{"on_time", "按时办结率", "On-time completion rate", "按时办结件数 ÷ 办结件数（办结时未超过办理时限）",
		"orders resolved by their deadline ÷ orders resolved", true, true},
	{"satisfaction", "满意率", "Satisfaction rate", "评价为非常满意、满意或基本满意的件数 ÷ 评价件数（未评价的不计入）",
		"ratings of very satisfied, satisfied or fairly satisfied ÷ ratings (unrated orders are not counted)", true, true},
	{"resolution", "解决率", "Resolution rate", "诉求人评价“已解决”的件数 ÷ 评价件数",
		"ratings where the resident says it is solved ÷ ratings", true, true},
	{"response", "平均响应时长", "Average response time", "各件从派单到签收的时长之和 ÷ 签收件数（首次签收）",
		"sum of the time from dispatch to sign-for ÷ orders signed (first sign-for)", false, false},
	{"returns", "退单率", "Return rate", "退单申请次数 ÷ 派单次数", "return requests ÷ dispatches", true, false},
	{"reopens", "重办率", "Reopen rate", "因不满意重办的件数 ÷ 办结件数", "orders reopened after an unsatisfied rating ÷ orders resolved", true, false},
	{"direct", "直接办结率", "Direct-answer rate", "直接办结件数 ÷ 受理件数", "orders answered at first contact ÷ orders accepted", true, true},
	{"overdue", "超时件数", "Overdue orders", "期间内超过办理时限（发出催办）的件数", "orders that passed their deadline (reminder sent) in the period", false, false},
	{"unrated", "未评价关闭件数", "Closed unrated", "办结后期限内未评价而关闭的件数（不计为满意）",
		"orders closed without a rating after the rating period (never counted as satisfied)", false, false},
}

// kpiKinds are the event kinds the KPIs read.
var kpiKinds = []string{"created", "answer", "dispatch", "sign", "request_return", "resolve", "rate", "reopen", "reminded", "close_unrated"}

// KPIValue is one KPI of one row.
type KPIValue struct {
	Code   string
	Value  float64 // a share in [0, 1], seconds, or a count
	Num    int64   // numerator (or the count)
	Base   int64   // the count it is based on (denominator); 0: no data
	Ranked bool    // base at or above the minimum volume
	Rank   int     // 1 = best among ranked rows; 0 when not ranked
}

// KPIRow is the KPIs of one unit, community or service (or the total).
type KPIRow struct {
	Key    int64  // unit or service id; 0 for communities and the total
	Path   string // community path
	Label  string
	Counts map[string]int64 // events by kind
	Values []KPIValue       // in KPIDefs order
}

// KPIReport is the KPIs of a period in the actor's scope.
type KPIReport struct {
	From, To    time.Time // [From, To) as Beijing dates
	MinVolume   int64
	Total       KPIRow
	ByUnit      []KPIRow
	ByCommunity []KPIRow
	ByService   []KPIRow
}

// SettingKPIMinVolume is the minimum base under which a rate is not
// ranked (default 10).
const SettingKPIMinVolume = "kpi.min_volume"

type kpiAcc struct {
	n, num, flag map[string]int64
}

func newAcc() *kpiAcc {
	return &kpiAcc{n: map[string]int64{}, num: map[string]int64{}, flag: map[string]int64{}}
}

func (k *kpiAcc) add(kind string, n, num, flag int64) {
	k.n[kind] += n
	k.num[kind] += num
	k.flag[kind] += flag
}

// KPIs computes the report for [from, to) (dates, Beijing) in the
// actor's scope. The period may be at most 366 days.
func (s *Store) KPIs(ctx context.Context, a linli.Actor, from, to time.Time) (KPIReport, error) {
	var r KPIReport
	if !a.Can(linli.PermKPIRead) {
		return r, linli.ErrNotFound
	}
	from, to = dateOf(from), dateOf(to)
	if !to.After(from) {
		return r, linli.Invalid("to", "kpi.range.invalid")
	}
	if to.Sub(from) > 366*24*time.Hour {
		return r, linli.Invalid("to", "kpi.range.too_long")
	}
	r.From, r.To = from, to
	v, _ := s.Setting(ctx, SettingKPIMinVolume)
	r.MinVolume = int64(settingNumber(v, 10))
	total := newAcc()
	units, comms, svcs := map[int64]*kpiAcc{}, map[string]*kpiAcc{}, map[int64]*kpiAcc{}
	add := func(path string, unit, svc int64, kind string, n, num, flag int64) {
		total.add(kind, n, num, flag)
		if unit != 0 {
			if units[unit] == nil {
				units[unit] = newAcc()
			}
			units[unit].add(kind, n, num, flag)
		}
		if comms[path] == nil {
			comms[path] = newAcc()
		}
		comms[path].add(kind, n, num, flag)
		if svcs[svc] == nil {
			svcs[svc] = newAcc()
		}
		svcs[svc].add(kind, n, num, flag)
	}
	// Whole months from the monthly roll-up, the rest day by day.
	cond, cargs := scopeCond("path", a.Scope)
	kin := "?" + strings.Repeat(", ?", len(kpiKinds)-1)
	var kargs []any
	for _, k := range kpiKinds {
		kargs = append(kargs, k)
	}
	read := func(q string, args ...any) error {
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return s.mapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var path, kind string
			var unit, svc, n, num, flag int64
			if err := rows.Scan(&path, &unit, &svc, &kind, &n, &num, &flag); err != nil {
				return err
			}
			add(path, unit, svc, kind, n, num, flag)
		}
		return rows.Err()
	}
	for d := from; d.Before(to); {
		monthEnd := time.Date(d.Year(), d.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		if d.Day() == 1 && !monthEnd.After(to) {
			if err := read(`SELECT path, unit_id, service_id, kind, n, num_sum, flag_sum FROM kpi_monthly WHERE month = ? AND kind IN (`+kin+`) AND `+cond,
				append(append([]any{d.Format("2006-01")}, kargs...), cargs...)...); err != nil {
				return r, err
			}
			d = monthEnd
			continue
		}
		end := monthEnd
		if to.Before(end) {
			end = to
		}
		if err := read(`SELECT path, unit_id, service_id, kind, n, num_sum, flag_sum FROM kpi_daily WHERE day >= ? AND day < ? AND kind IN (`+kin+`) AND `+cond,
			append(append([]any{d.Format("2006-01-02"), end.Format("2006-01-02")}, kargs...), cargs...)...); err != nil {
			return r, err
		}
		d = end
	}
	r.Total = kpiRow(total, r.MinVolume)
	r.Total.Label = "total"
	un, err := kpiNames(ctx, s, `SELECT id, name FROM org_units WHERE id`, units)
	if err != nil {
		return r, err
	}
	sn, err := kpiNames(ctx, s, `SELECT id, name_zh FROM services WHERE id`, svcs)
	if err != nil {
		return r, err
	}
	cn, err := kpiNames(ctx, s, `SELECT path, name FROM areas WHERE path`, comms)
	if err != nil {
		return r, err
	}
	for id, acc := range units {
		row := kpiRow(acc, r.MinVolume)
		row.Key, row.Label = id, un[id]
		r.ByUnit = append(r.ByUnit, row)
	}
	for id, acc := range svcs {
		row := kpiRow(acc, r.MinVolume)
		row.Key, row.Label = id, sn[id]
		r.ByService = append(r.ByService, row)
	}
	for p, acc := range comms {
		row := kpiRow(acc, r.MinVolume)
		row.Path, row.Label = p, cn[p]
		r.ByCommunity = append(r.ByCommunity, row)
	}
	for _, rows := range [][]KPIRow{r.ByUnit, r.ByCommunity, r.ByService} {
		sort.Slice(rows, func(i, j int) bool { return rows[i].Label < rows[j].Label })
		rank(rows)
	}
	return r, nil
}

// kpiRow computes the KPIs of one accumulator.
func kpiRow(k *kpiAcc, minVol int64) KPIRow {
	row := KPIRow{Counts: map[string]int64{}}
	for kind, n := range k.n {
		row.Counts[kind] = n
	}
	for _, d := range KPIDefs {
		var v KPIValue
		v.Code = d.Code
		switch d.Code {
		case "on_time":
			v.Num, v.Base = k.flag["resolve"], k.n["resolve"]
		case "satisfaction":
			v.Num, v.Base = k.flag["rate"], k.n["rate"]
		case "resolution":
			v.Num, v.Base = k.num["rate"], k.n["rate"]
		case "response":
			v.Num, v.Base = k.num["sign"], k.n["sign"]
		case "returns":
			v.Num, v.Base = k.n["request_return"], k.n["dispatch"]
		case "reopens":
			v.Num, v.Base = k.n["reopen"], k.n["resolve"]
		case "direct":
			v.Num, v.Base = k.n["answer"], k.n["created"]
		case "overdue":
			v.Num, v.Base = k.n["reminded"], k.n["reminded"]
		case "unrated":
			v.Num, v.Base = k.n["close_unrated"], k.n["close_unrated"]
		}
		switch {
		case !d.Rate && (d.Code == "overdue" || d.Code == "unrated"):
			v.Value = float64(v.Num)
		case v.Base > 0:
			v.Value = float64(v.Num) / float64(v.Base)
		}
		v.Ranked = d.Rate && v.Base >= minVol
		row.Values = append(row.Values, v)
	}
	return row
}

// rank numbers the ranked rows of each rate, best first.
func rank(rows []KPIRow) {
	for i, d := range KPIDefs {
		if !d.Rate {
			continue
		}
		var idx []int
		for j := range rows {
			if rows[j].Values[i].Ranked {
				idx = append(idx, j)
			}
		}
		sort.SliceStable(idx, func(a, b int) bool {
			va, vb := rows[idx[a]].Values[i].Value, rows[idx[b]].Values[i].Value
			if d.Higher {
				return va > vb
			}
			return va < vb
		})
		for r, j := range idx {
			rows[j].Values[i].Rank = r + 1
		}
	}
}

// RebuildKPI recomputes the roll-ups from the event log (after a restore
// or to check them): both tables are emptied and refilled in one
// transaction. Only service admins.
func (s *Store) RebuildKPI(ctx context.Context, a linli.Actor) error {
	if !a.Can(linli.PermServiceAdmin) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		for _, q := range []string{`DELETE FROM kpi_daily`, `DELETE FROM kpi_monthly`} {
			if _, err := tx.exec(q); err != nil {
				return err
			}
		}
		rows, err := tx.query(`SELECT e.at, e.path, COALESCE(e.unit_id, 0), o.service_id, e.kind, e.num, e.flag FROM wo_events e
			JOIN work_orders o ON o.id = e.order_id ORDER BY e.id`)
		if err != nil {
			return err
		}
		type ev struct {
			at         time.Time
			path, kind string
			unit, svc  int64
			num        int64
			flag       int
		}
		var evs []ev
		for rows.Next() {
			var e ev
			if err := rows.Scan(tm{&e.at}, &e.path, &e.unit, &e.svc, &e.kind, &e.num, &e.flag); err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range evs {
			if err := tx.rollUp(e.at, communityPath(e.path), e.unit, e.svc, rollKind(e.kind, e.flag != 0), e.num, e.flag != 0); err != nil {
				return err
			}
		}
		return tx.audit(auditEvent(a, "kpi.rebuild", "kpi", "all", 0))
	})
}

// rollKind is the roll-up's kind of an event: a unit's second sign-for
// (after a refused return) does not count as a response.
func rollKind(kind string, flag bool) string {
	if kind == string(linli.ActSign) && !flag {
		return "sign_again"
	}
	return kind
}

// kpiNames reads the names of the keys of m (unit or service ids, or
// community paths) with q, a query ending in the key column.
func kpiNames[K int64 | string](ctx context.Context, s *Store, q string, m map[K]*kpiAcc) (map[K]string, error) {
	out := map[K]string{}
	if len(m) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(m))
	for k := range m {
		args = append(args, k)
	}
	rows, err := s.query(ctx, q+` IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k K
		var name string
		if err := rows.Scan(&k, &name); err != nil {
			return nil, err
		}
		out[k] = name
	}
	return out, rows.Err()
}
