package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/api"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

// The figure of issue 4: work-order creation through the HTTP API (order
// + event + audit + outbox + deadline timer, one transaction) sustains
// 1,000 per second with a p99 of 100 ms or less at 32 concurrent clients.
// BenchmarkAPICreateWorkOrder measures it through the whole stack that
// `linli serve` builds (web middleware: request id, log line, metrics,
// security headers, cross-origin check, API-token authentication; then
// the API handler and the store over a SQLite file with synchronous=FULL);
// BenchmarkRawSingleRowCommit is the same-run baseline: a bare one-row
// INSERT transaction on the same kind of database, from as many clients.
// Run both together, e.g.:
//
//	go test ./internal/api -run '^$' -bench 'APICreateWorkOrder|RawSingleRowCommit' -benchtime 5s
//
// Each reports orders (rows) per second and the p50 and p99 latency of a
// request as its 32 clients see it.

// benchClients is the number of concurrent clients.
const benchClients = 32

// benchEnv is a store over a small district (one community with a grid,
// a unit, a repair service) and the server's handler.
type benchEnv struct {
	st    *store.Store
	h     http.Handler
	token string // an API token of a community worker of the community
	grid  int64
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	keys := seal.Generate()
	dbURL := filepath.Join(b.TempDir(), "bench.db")
	opt := store.Options{Keys: keys}
	if os.Getenv("LINLI_BENCH_DIALECTS") == "postgres" {
		// PostgreSQL (LINLI_TEST_POSTGRES) in a schema of its own.
		base := os.Getenv("LINLI_TEST_POSTGRES")
		if base == "" {
			b.Fatal("LINLI_BENCH_DIALECTS=postgres needs LINLI_TEST_POSTGRES")
		}
		schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
		pg, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pg.Exec(`CREATE SCHEMA ` + schema); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _, _ = pg.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); pg.Close() })
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		dbURL = base + sep + "search_path=" + schema
		opt.MaxConns = 16 // 32 writer connections, one per client
	}
	st, err := store.Open(ctx, dbURL, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	con := linli.ConsoleActor()
	area := func(parent int64, level linli.Level, name, code string) linli.Area {
		a, err := st.CreateArea(ctx, con, linli.AreaInput{ParentID: parent, Level: level, Name: name, Code: code})
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	district := area(0, linli.LevelDistrict, "东城区", "110101000000")
	street := area(district.ID, linli.LevelStreet, "东华门街道", "110101001000")
	comm := area(street.ID, linli.LevelCommunity, "多福巷社区", "110101001001")
	grid := area(comm.ID, linli.LevelGrid, "多福巷第一网格", "110101001001-1")
	unit, err := st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷物业", Kind: "property_company", AreaID: comm.ID})
	if err != nil {
		b.Fatal(err)
	}
	scope := linli.Scope{AreaIDs: []int64{district.ID}, Paths: []string{district.Path}}
	admin := linli.NewActor(0, "district.admin", []linli.Role{linli.RoleDistrictAdmin}, scope)
	if _, err := st.SaveService(ctx, admin, linli.Service{
		Code: "REPAIR-PUBLIC", NameZh: "公共区域维修", NameEn: "Repairs in public areas", Group: "repair", Duty: linli.DutyOwn,
		DefaultUnitID: unit.ID, Public: true, ReopenOnBad: true,
		Deadlines: map[linli.Priority]linli.Deadline{
			linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays}, linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours},
			linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}},
		Attrs: []linli.ServiceAttr{{Code: "what", Datatype: linli.AttrSingleValue, Required: true, Variable: true, Order: 1,
			Description: "损坏设施", Values: []linli.AttrValue{{Key: "light", Name: "楼道灯"}, {Key: "lift", Name: "电梯"}}}},
	}); err != nil {
		b.Fatal(err)
	}
	// A system admin creates the API token, as on the 接口令牌 page.
	office, err := st.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "东城区政务服务中心", Kind: "district_office", AreaID: district.ID})
	if err != nil {
		b.Fatal(err)
	}
	sys, err := st.CreateUser(ctx, con, linli.UserInput{Username: "sys.admin", DisplayName: "系统管理员", Roles: []linli.Role{linli.RoleSystemAdmin},
		OrgUnitID: office.ID, ScopeIDs: []int64{district.ID}}, "unused")
	if err != nil {
		b.Fatal(err)
	}
	token, hash, err := auth.NewToken("lt_")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateAPIToken(ctx, linli.NewActor(sys.ID, "sys.admin", []linli.Role{linli.RoleSystemAdmin}, scope), "hotline",
		linli.RoleCommunityWorker, []int64{comm.ID}, hash); err != nil {
		b.Fatal(err)
	}
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	w, err := web.New(web.Options{Store: st, Keys: keys, Hasher: hasher, API: api.New(api.Deps{Store: st})})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{st: st, h: w.Handler(), token: token, grid: grid.ID}
}

// runClients runs b.N operations from benchClients goroutines and reports
// operations per second and the p50 and p99 latency.
func runClients(b *testing.B, op func(i int64) error) {
	b.Helper()
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var (
		mu   sync.Mutex
		all  []time.Duration
		next atomic.Int64
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := op(next.Add(1)); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkAPICreateWorkOrder posts new orders (each with its own
// Idempotency-Key, a contact with a phone that is sealed, and an answer)
// as an API token through the server's handler.
func BenchmarkAPICreateWorkOrder(b *testing.B) {
	e := newBenchEnv(b)
	prefix := []byte(fmt.Sprintf(`{"service_code":"REPAIR-PUBLIC","area_id":%d,"description":"3号楼2单元楼道灯不亮，`, e.grid))
	runClients(b, func(i int64) error {
		body := append(append([]byte{}, prefix...), fmt.Sprintf(`第%d次报修","contact":{"name":"王大爷","phone":"138%08d"},"answers":{"what":["light"]}}`, i, i%1e8)...)
		req := httptest.NewRequest(http.MethodPost, "http://linli.test/api/v1/work-orders", bytes.NewReader(body))
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			return fmt.Errorf("POST /api/v1/work-orders = %d: %s", rec.Code, rec.Body)
		}
		return nil
	})
}

// BenchmarkRawSingleRowCommit is the baseline: one transaction with one
// INSERT of one row, on the writer pool of the same kind of store (one
// connection, BEGIN IMMEDIATE, WAL, synchronous=FULL), from as many
// clients. Nothing else is done: no HTTP, no JSON, no audit.
func BenchmarkRawSingleRowCommit(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	db := e.st.DB()
	create, insert := `CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`, `INSERT INTO bench_raw (v) VALUES (?)`
	if os.Getenv("LINLI_BENCH_DIALECTS") == "postgres" {
		create, insert = `CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)`, `INSERT INTO bench_raw (v) VALUES ($1)`
	}
	if _, err := db.ExecContext(ctx, create); err != nil {
		b.Fatal(err)
	}
	runClients(b, func(i int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insert, fmt.Sprintf("row %d", i)); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}
