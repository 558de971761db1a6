package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// get sends a GET and decodes a JSON answer into out (nil: discard).
func (c *client) get(ctx context.Context, path string, out any) (int, error) {
	return c.send(ctx, http.MethodGet, path, nil, nil, out)
}

// send sends one request and reads the whole answer (so that the
// connection is reused and the latency includes the body).
func (c *client) send(ctx context.Context, method, path string, body any, hdr http.Header, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.ResolveReference(&url.URL{Path: pathOnly(path), RawQuery: queryOf(path)}).String(), rd)
	if err != nil {
		return 0, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("loadgen: %s %s: %w", method, pathOnly(path), err)
		}
	}
	return resp.StatusCode, nil
}

func pathOnly(p string) string { s, _, _ := strings.Cut(p, "?"); return s }
func queryOf(p string) string  { _, q, _ := strings.Cut(p, "?"); return q }

// login signs in through the login form, as a browser does.
func (c *client) login(ctx context.Context, user, password string) error {
	if _, err := c.get(ctx, "/login", nil); err != nil {
		return fmt.Errorf("loadgen: GET /login: %w", err)
	}
	form := url.Values{"username": {user}, "password": {password}, "next": {"/"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.ResolveReference(&url.URL{Path: "/login"}).String(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen: POST /login: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	switch {
	case resp.StatusCode != http.StatusSeeOther:
		return fmt.Errorf("loadgen: logging in as %s failed (HTTP %d): check the user name and password", user, resp.StatusCode)
	case strings.Contains(loc, "totp") || strings.Contains(loc, "mfa"):
		return fmt.Errorf("loadgen: %s needs a second factor; use an account without one (a community worker, e.g. comm.worker)", user)
	}
	return nil
}

// setup logs in and reads what the mix needs: the account's unit, the
// services it can create orders for, and residents in its scope.
func (c *client) setup(ctx context.Context, cfg Config) error {
	if err := c.login(ctx, cfg.Username, cfg.Password); err != nil {
		return err
	}
	var me struct {
		OrgUnitID   int64    `json:"org_unit_id"`
		Permissions []string `json:"permissions"`
	}
	if _, err := c.get(ctx, "/api/v1/me", &me); err != nil {
		return err
	}
	need := map[Op]string{OpSearch: "person.read", OpPerson: "person.read", OpKPI: "kpi.read", OpCreate: "wo.intake", OpAdvance: "wo.handle", OpRate: "wo.intake"}
	for op, perm := range need {
		if cfg.Mix[op] > 0 && !slices.Contains(me.Permissions, perm) {
			return fmt.Errorf("loadgen: %s lacks %s, which the %q operation needs", cfg.Username, perm, op)
		}
	}
	c.unit = me.OrgUnitID
	if c.unit == 0 && (cfg.Mix[OpAdvance] > 0 || cfg.Mix[OpQueue] > 0) {
		return fmt.Errorf("loadgen: %s belongs to no unit, so it cannot sign for orders", cfg.Username)
	}
	var svcs struct {
		Items []struct {
			Code        string `json:"code"`
			Duty        string `json:"duty"`
			Certificate bool   `json:"certificate"`
			Retired     bool   `json:"retired"`
			Attrs       []struct {
				Code     string `json:"code"`
				Datatype string `json:"datatype"`
				Required bool   `json:"required"`
				Variable bool   `json:"variable"`
				Values   []struct {
					Key string `json:"key"`
				} `json:"values"`
			} `json:"attrs"`
		} `json:"items"`
	}
	if _, err := c.get(ctx, "/api/v1/services?limit=200", &svcs); err != nil {
		return err
	}
	for _, sv := range svcs.Items {
		if sv.Retired || sv.Certificate || sv.Duty == "negative" {
			continue
		}
		ans := map[string][]string{}
		for _, at := range sv.Attrs {
			if !at.Required || !at.Variable {
				continue
			}
			switch at.Datatype {
			case "singlevaluelist", "multivaluelist":
				if len(at.Values) > 0 {
					ans[at.Code] = []string{at.Values[0].Key}
				}
			case "number":
				ans[at.Code] = []string{"1"}
			case "datetime":
				ans[at.Code] = []string{"2026-01-05"}
			default:
				ans[at.Code] = []string{"负载测试"}
			}
		}
		c.svcs = append(c.svcs, service{Code: sv.Code, Answers: ans})
	}
	if len(c.svcs) == 0 && cfg.Mix[OpCreate] > 0 {
		return fmt.Errorf("loadgen: no service to create orders for")
	}
	// Residents: a few pages of the scope, and the 2-character fragments of
	// their names for the searches.
	seen := map[string]bool{}
	cursor := ""
	for pageN := 0; pageN < 10; pageN++ {
		var pg struct {
			Items []struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				GridID int64  `json:"grid_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/api/v1/persons?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if st, err := c.get(ctx, path, &pg); err != nil || st != http.StatusOK {
			return fmt.Errorf("loadgen: listing residents: HTTP %d %v", st, err)
		}
		for _, p := range pg.Items {
			c.ppl = append(c.ppl, person{ID: p.ID, Grid: p.GridID})
			if utf8.RuneCountInString(p.Name) >= 2 {
				f := string([]rune(p.Name)[:2])
				if !seen[f] {
					seen[f] = true
					c.frags = append(c.frags, f)
				}
			}
		}
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
	}
	if len(c.ppl) == 0 {
		return fmt.Errorf("loadgen: %s sees no residents", cfg.Username)
	}
	return nil
}

// do sends one operation (an operation that has nothing to work on
// becomes a create) and returns what it did and the error kind ("" for
// success).
func (c *client) do(ctx context.Context, r *mrand.Rand, op Op) (Op, string) {
	var st int
	var err error
	switch op {
	case OpSearch:
		st, err = c.get(ctx, "/api/v1/persons?limit=20&q="+url.QueryEscape(c.frags[r.IntN(len(c.frags))]), nil)
	case OpPerson:
		st, err = c.get(ctx, "/api/v1/persons/"+strconv.FormatInt(c.ppl[r.IntN(len(c.ppl))].ID, 10), nil)
	case OpOrder:
		id := c.anyOrder(r)
		if id == 0 {
			return c.do(ctx, r, OpQueue)
		}
		st, err = c.get(ctx, "/api/v1/work-orders/"+strconv.FormatInt(id, 10), nil)
	case OpQueue:
		st, err = c.get(ctx, "/api/v1/queue?tab=in_progress&limit=50", nil)
	case OpKPI:
		st, err = c.get(ctx, "/api/v1/kpis", nil)
	case OpAdvance:
		stage, id := c.take()
		if id == 0 {
			return c.do(ctx, r, OpCreate)
		}
		body := map[string]any{"action": []string{"dispatch", "sign", "resolve"}[stage]}
		switch stage {
		case 0:
			body["unit_id"], body["note"] = c.unit, "负载测试：派往本单位"
		case 2:
			body["note"], body["public"] = "已处理完毕（负载测试）", true
		}
		st, err = c.send(ctx, http.MethodPost, "/api/v1/work-orders/"+strconv.FormatInt(id, 10)+"/actions", body, nil, nil)
		if err == nil && st/100 == 2 {
			c.put(stage+1, id)
		}
	case OpRate:
		id := c.takeRated()
		if id == 0 {
			return c.do(ctx, r, OpCreate)
		}
		body := map[string]any{"action": "rate", "rating": 3 + r.IntN(3), "solved": true, "channel": "callback"}
		st, err = c.send(ctx, http.MethodPost, "/api/v1/work-orders/"+strconv.FormatInt(id, 10)+"/actions", body, nil, nil)
	case OpCreate:
		sv := c.svcs[r.IntN(len(c.svcs))]
		p := c.ppl[r.IntN(len(c.ppl))]
		body := map[string]any{"service_code": sv.Code, "channel": "counter", "priority": "normal",
			"requester_person_id": p.ID, "area_id": p.Grid, "address": "负载测试地址", "title": "负载测试工单",
			"description": "由 linli load 生成的测试工单。", "answers": sv.Answers}
		var out struct {
			ID int64 `json:"id"`
		}
		st, err = c.send(ctx, http.MethodPost, "/api/v1/work-orders", body, http.Header{"Idempotency-Key": {newKey()}}, &out)
		if err == nil && st == http.StatusCreated && out.ID != 0 {
			c.put(0, out.ID)
		}
	}
	return op, errKind(err, st)
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// put queues an order for its next step (3: to rate).
func (c *client) put(stage int, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stage == 0 {
		c.known = append(c.known, id)
	}
	if stage == 3 {
		c.rated = append(c.rated, id)
		return
	}
	c.stage[stage] = append(c.stage[stage], id)
}

// take hands out the order furthest along (oldest first within a step),
// so that orders flow through rather than pile up at dispatch.
func (c *client) take() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := 2; s >= 0; s-- {
		if q := c.stage[s]; len(q) > 0 {
			id := q[0]
			c.stage[s] = q[1:]
			return s, id
		}
	}
	return 0, 0
}

func (c *client) takeRated() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.rated) == 0 {
		return 0
	}
	id := c.rated[0]
	c.rated = c.rated[1:]
	return id
}

func (c *client) anyOrder(r *mrand.Rand) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.known) == 0 {
		return 0
	}
	return c.known[r.IntN(len(c.known))]
}

// metricRSS reads process_resident_memory_bytes from /metrics.
func (c *client) metricRSS(ctx context.Context) int64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.ResolveReference(&url.URL{Path: "/metrics"}).String(), nil)
	if err != nil {
		return 0
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return int64(f)
			}
		}
	}
	return 0
}

// Format writes the report as a table.
func (r Report) Format(w io.Writer) {
	rate := "maximum"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%.0f/s", r.Rate)
	}
	fmt.Fprintf(w, "target %s · rate %s · %s measured · %d in flight at most\n", r.Target, rate, r.Duration, r.Concurrency)
	fmt.Fprintf(w, "sent %d · ok %d · errors %d · not sent (client saturated) %d · writes %.0f %%\n",
		r.Sent, r.OK, r.ErrorCount(), r.Skipped, 100*r.WriteShare)
	fmt.Fprintf(w, "throughput %.1f requests/s · latency p50 %s p90 %s p99 %s max %s\n",
		r.Throughput, ms(r.Latency.P50), ms(r.Latency.P90), ms(r.Latency.P99), ms(r.Latency.Max))
	if r.RSSMax > 0 {
		fmt.Fprintf(w, "server RSS max %.0f MiB · at the end %.0f MiB\n", float64(r.RSSMax)/(1<<20), float64(r.RSSEnd)/(1<<20))
	}
	fmt.Fprintf(w, "\n%-8s %8s %8s %9s %9s %9s %9s  %s\n", "op", "ok", "errors", "p50", "p90", "p99", "max", "error kinds")
	for _, o := range r.ByOp {
		n := 0
		var kinds []string
		for k, c := range o.Errors {
			n += c
			kinds = append(kinds, fmt.Sprintf("%s×%d", k, c))
		}
		slices.Sort(kinds)
		fmt.Fprintf(w, "%-8s %8d %8d %9s %9s %9s %9s  %s\n", o.Op, o.OK, n, ms(o.Latency.P50), ms(o.Latency.P90), ms(o.Latency.P99), ms(o.Latency.Max), strings.Join(kinds, " "))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
