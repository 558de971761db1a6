package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one kind of request of the mix.
type Op string

// The operations of the mix. Reads: search (a 2-character name fragment,
// first page of 20), person (a person's page), order (a work order),
// queue (the unit's queue), kpi (this month's KPI report). Writes: create
// (a work order with an idempotency key), advance (the next step of an
// order the generator created: dispatch, sign, resolve) and rate (a
// clerk's call-back rating of a resolved order).
const (
	OpSearch  Op = "search"
	OpPerson  Op = "person"
	OpOrder   Op = "order"
	OpQueue   Op = "queue"
	OpKPI     Op = "kpi"
	OpCreate  Op = "create"
	OpAdvance Op = "advance"
	OpRate    Op = "rate"
)

// Ops lists the operations in report order.
var Ops = []Op{OpSearch, OpPerson, OpOrder, OpQueue, OpKPI, OpCreate, OpAdvance, OpRate}

// Writes are the operations that change data.
var Writes = map[Op]bool{OpCreate: true, OpAdvance: true, OpRate: true}

// DefaultMix is 70 % reads and 30 % writes.
var DefaultMix = Mix{OpSearch: 30, OpPerson: 25, OpOrder: 5, OpQueue: 5, OpKPI: 5, OpCreate: 10, OpAdvance: 15, OpRate: 5}

// Mix weighs the operations; the weights need not add up to 100.
type Mix map[Op]int

// ParseMix reads "search=30,person=25,…"; operations not named get 0.
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		var n int
		if _, err := fmt.Sscan(v, &n); !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("loadgen: mix entry %q is not op=weight", part)
		}
		if !knownOp(Op(k)) {
			return nil, fmt.Errorf("loadgen: unknown operation %q (known: %v)", k, Ops)
		}
		m[Op(k)] = n
	}
	if m.total() == 0 {
		return nil, fmt.Errorf("loadgen: the mix has no weight")
	}
	return m, nil
}

func knownOp(o Op) bool {
	for _, x := range Ops {
		if x == o {
			return true
		}
	}
	return false
}

func (m Mix) total() int {
	n := 0
	for _, w := range m {
		n += w
	}
	return n
}

// pick draws an operation by weight.
func (m Mix) pick(r *rand.Rand) Op {
	n := r.IntN(m.total())
	for _, o := range Ops {
		if n < m[o] {
			return o
		}
		n -= m[o]
	}
	return OpSearch
}

// Config is one run.
type Config struct {
	BaseURL     string        // http://127.0.0.1:8080
	Username    string        // an account without a second factor that may read, take in and handle orders
	Password    string        //
	Rate        float64       // requests per second; 0: as fast as Concurrency workers go
	Duration    time.Duration // measured time
	Warmup      time.Duration // time before measuring
	Concurrency int           // workers at maximum rate; most requests in flight at a fixed rate
	Mix         Mix           // nil: DefaultMix
	PID         int           // the server's process id, for its RSS; 0: read /metrics
	Timeout     time.Duration // per request (default 10 s)
	Seed        uint64
}

// Latency summarises durations.
type Latency struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// OpReport is one operation's figures.
type OpReport struct {
	Op      Op
	OK      int
	Errors  map[string]int
	Latency Latency
}

// Report is what a run measured.
type Report struct {
	Target      string
	Rate        float64 // asked for (0: maximum)
	Duration    time.Duration
	Concurrency int
	Sent        int            // requests sent in the measured window
	OK          int            // answered 2xx
	Errors      map[string]int // by kind: "http 503", "timeout", "connection", …
	Skipped     int            // at a fixed rate: requests not sent because Concurrency were in flight
	Throughput  float64        // answered requests per second (ok or not)
	Latency     Latency        // all operations
	WriteShare  float64        // share of writes among sent
	ByOp        []OpReport
	RSSMax      int64 // bytes; 0 if unknown
	RSSEnd      int64
}

// ErrorCount is the number of failed requests.
func (r Report) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Run sets up (logs in, reads the catalogue and some residents), then
// sends the mix for Warmup+Duration and reports the measured window.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Duration <= 0 {
		return Report{}, fmt.Errorf("loadgen: the duration must be positive")
	}
	base, err := CheckTarget(ctx, cfg.BaseURL)
	if err != nil {
		return Report{}, err
	}
	c, err := newClient(base, cfg)
	if err != nil {
		return Report{}, err
	}
	if err := c.setup(ctx, cfg); err != nil {
		return Report{}, err
	}
	return c.run(ctx, cfg)
}

// client is the generator's HTTP side and the state of its orders.
type client struct {
	base  *url.URL
	http  *http.Client
	seed  uint64
	unit  int64
	svcs  []service
	ppl   []person
	frags []string

	mu    sync.Mutex
	stage [3][]int64 // orders to dispatch, to sign, to resolve
	rated []int64    // orders resolved, to rate
	known []int64    // every order created, for reads
}

type service struct {
	Code    string
	Answers map[string][]string
}

type person struct {
	ID   int64
	Grid int64
}

func newClient(base *url.URL, cfg Config) (*client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConns: cfg.Concurrency * 2,
		MaxIdleConnsPerHost: cfg.Concurrency * 2, IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	hc := &http.Client{Transport: tr, Jar: jar, Timeout: cfg.Timeout,
		// Never follow a redirect: the generator reads every answer
		// itself, and a redirect could lead off loopback.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{base: base, http: hc, seed: cfg.Seed}, nil // #nosec G404 -- load mix draws: reproducible from a seed, not security
}

// recorder collects the measured window's results.
type recorder struct {
	mu      sync.Mutex
	lat     map[Op][]time.Duration
	ok      map[Op]int
	errs    map[Op]map[string]int
	sent    atomic.Int64
	skipped atomic.Int64
	writes  atomic.Int64
}

func newRecorder() *recorder {
	return &recorder{lat: map[Op][]time.Duration{}, ok: map[Op]int{}, errs: map[Op]map[string]int{}}
}

func (r *recorder) add(op Op, d time.Duration, kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if kind == "" {
		r.ok[op]++
		r.lat[op] = append(r.lat[op], d)
		return
	}
	if r.errs[op] == nil {
		r.errs[op] = map[string]int{}
	}
	r.errs[op][kind]++
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.5) - 1
		i = max(0, min(i, len(s)-1))
		return s[i]
	}
	return Latency{N: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: s[len(s)-1]}
}

// run sends the mix and measures.
func (c *client) run(ctx context.Context, cfg Config) (Report, error) {
	rec := newRecorder()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rss := startRSS(rctx, c, cfg.PID)
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	do := func(r *rand.Rand, scheduled time.Time) {
		op := cfg.Mix.pick(r)
		measured := !scheduled.Before(measureFrom)
		if measured {
			rec.sent.Add(1)
		}
		op, kind := c.do(rctx, r, op)
		if measured {
			if Writes[op] {
				rec.writes.Add(1)
			}
			rec.add(op, time.Since(scheduled), kind)
		}
	}
	var wg sync.WaitGroup
	if cfg.Rate <= 0 {
		for w := 0; w < cfg.Concurrency; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(c.seed, uint64(w)+1)) // #nosec G404 -- load mix draws: reproducible from a seed, not security
				for time.Now().Before(end) && rctx.Err() == nil {
					do(r, time.Now())
				}
			}(w)
		}
	} else {
		// Open loop: request i is due at start + i/rate whether or not
		// earlier ones have been answered, and its latency counts from
		// then (no coordinated omission).
		sem := make(chan struct{}, cfg.Concurrency)
		interval := time.Duration(float64(time.Second) / cfg.Rate)
		for i := 0; ; i++ {
			at := start.Add(time.Duration(i) * interval)
			if !at.Before(end) || rctx.Err() != nil {
				break
			}
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
			select {
			case sem <- struct{}{}:
				wr := rand.New(rand.NewPCG(c.seed, uint64(i)+1<<32)) // #nosec G404 -- load mix draws: reproducible from a seed, not security
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					do(wr, at)
				}()
			default:
				if !at.Before(measureFrom) {
					rec.skipped.Add(1)
				}
			}
		}
	}
	wg.Wait()
	// The measured window ends when the last request sent in it has been
	// answered (at most the per-request timeout after its end).
	elapsed := max(time.Since(measureFrom), cfg.Duration)
	cancel()
	rep := Report{Target: c.base.String(), Rate: cfg.Rate, Duration: cfg.Duration, Concurrency: cfg.Concurrency,
		Sent: int(rec.sent.Load()), Skipped: int(rec.skipped.Load()), Errors: map[string]int{}}
	rep.RSSMax, rep.RSSEnd = rss()
	var all []time.Duration
	answered := 0
	for _, op := range Ops {
		or := OpReport{Op: op, OK: rec.ok[op], Errors: rec.errs[op], Latency: summarise(rec.lat[op])}
		all = append(all, rec.lat[op]...)
		rep.OK += or.OK
		answered += or.OK
		for k, n := range or.Errors {
			rep.Errors[k] += n
			answered += n
		}
		if or.OK > 0 || len(or.Errors) > 0 {
			rep.ByOp = append(rep.ByOp, or)
		}
	}
	rep.Latency = summarise(all)
	rep.Throughput = float64(answered) / elapsed.Seconds()
	if rep.Sent > 0 {
		rep.WriteShare = float64(rec.writes.Load()) / float64(rep.Sent)
	}
	return rep, nil
}

// errKind names a failure for the report.
func errKind(err error, status int) string {
	var ne net.Error
	switch {
	case err == nil && status >= 200 && status < 300:
		return ""
	case err == nil:
		return fmt.Sprintf("http %d", status)
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ErrNotLoopback):
		return "refused: not loopback"
	default:
		var op *net.OpError
		if errors.As(err, &op) {
			return "connection"
		}
		return "other"
	}
}

// readRSS reads a process's resident set from /proc.
func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	return 0
}

// startRSS samples the server's RSS every 500 ms (from /proc with a pid,
// else from the process_resident_memory_bytes metric) until ctx ends; the
// function it returns gives the maximum and the last sample.
func startRSS(ctx context.Context, c *client, pid int) func() (int64, int64) {
	var mu sync.Mutex
	var hi, last int64
	sample := func() {
		var v int64
		if pid > 0 {
			v = readRSS(pid)
		} else {
			v = c.metricRSS(ctx)
		}
		if v > 0 {
			mu.Lock()
			last = v
			hi = max(hi, v)
			mu.Unlock()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) {
		<-done
		sample()
		mu.Lock()
		defer mu.Unlock()
		return hi, last
	}
}
