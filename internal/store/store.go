// Package store keeps linli's data in SQLite or PostgreSQL through
// database/sql. A use case is one method and one transaction; every method
// that touches scoped data takes the linli.Actor and filters by its scope in
// SQL. Driver errors become linli errors here.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// Store is linli's database.
type Store struct {
	db      *sql.DB // writes (one connection on SQLite)
	rdb     *sql.DB // reads (a pool; the same as db on PostgreSQL)
	d       dialect
	now     func() time.Time
	retire  []occupancyCheck
	sqlPath string
	keys    *seal.Keyring // seals registry fields; nil for stores that never touch persons

	stmts    sync.Map // query → *sql.Stmt on the writer pool
	head     atomic.Pointer[auditHead]
	sessOnce sync.Once
	sessStmt *sql.Stmt
	sessErr  error
	cal      calCache // the working calendar (see workCalendar)
	svc      svcCache // catalogue entries (see serviceByID)
	rstmts   sync.Map // query → *sql.Stmt on the reader pool (see prepared)
	settings sync.Map // key → cachedSetting (see settingInt)
	// writers is the queue of SQLite's single writer: a goroutine blocked
	// sending on a channel is woken in arrival order, whereas database/sql
	// hands a freed connection to a random waiter, which gave concurrent
	// requests a long latency tail. nil on PostgreSQL (a pool of writers).
	writers chan struct{}
}

// Options tune a store.
type Options struct {
	Now      func() time.Time // clock; time.Now when nil
	MaxConns int              // reader pool size (default 8)
	// Keys seal the registry's personal fields (ID numbers, phones,
	// sensitive tag attributes) and compute their blind indexes. A store
	// without keys works for everything but persons: their methods fail.
	Keys *seal.Keyring
}

// Open connects to url: "postgres://…" or "postgresql://…" is PostgreSQL,
// "sqlite:PATH" or a plain path is SQLite. It does not migrate.
func Open(ctx context.Context, dbURL string, opt Options) (*Store, error) {
	s := &Store{now: opt.Now, keys: opt.Keys}
	if s.now == nil {
		s.now = time.Now
	}
	if opt.MaxConns == 0 {
		opt.MaxConns = 8
	}
	var err error
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		s.d = dialect{name: "postgres"}
		s.db, err = sql.Open("pgx", dbURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.db.SetMaxOpenConns(opt.MaxConns * 2)
		s.db.SetMaxIdleConns(opt.MaxConns)
		s.rdb = s.db
	} else {
		s.d = dialect{name: "sqlite"}
		path := strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite://"), "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("open sqlite: empty path")
		}
		s.sqlPath = path
		// A new database file is readable by its owner only (SQLite gives
		// the -wal and -shm files the same mode).
		if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil { // #nosec G304 -- the database path is the operator's configuration
			f.Close()
		}
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		s.db, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		s.db.SetMaxOpenConns(1) // one writer: writers queue instead of failing
		s.writers = make(chan struct{}, 1)
		s.db.SetConnMaxIdleTime(0)
		rq := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "query_only(1)"} {
			rq.Add("_pragma", p)
		}
		s.rdb, err = sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
		if err != nil {
			s.db.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		s.rdb.SetMaxOpenConns(opt.MaxConns)
		s.rdb.SetMaxIdleConns(opt.MaxConns)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(pctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s.retire = defaultOccupancyChecks()
	s.head.Store(&auditHead{})
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error {
	if s.sessStmt != nil {
		s.sessStmt.Close()
	}
	s.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	s.rstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	err := s.db.Close()
	if s.rdb != s.db {
		if e := s.rdb.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// DB exposes the writer pool for stats and tests.
func (s *Store) DB() *sql.DB { return s.db }

// ReadDB exposes the reader pool for stats.
func (s *Store) ReadDB() *sql.DB { return s.rdb }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.PingContext(ctx) }

// dialect holds the few real differences between SQLite and PostgreSQL.
type dialect struct{ name string }

func (d dialect) pg() bool { return d.name == "postgres" }

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Our SQL never has
// a ? inside a string literal.
func (d dialect) rebind(q string) string {
	if !d.pg() || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

const timeLayout = "2006-01-02T15:04:05.000000Z"

// t converts a time into the value the driver stores: fixed-width RFC 3339
// text in UTC on SQLite (so text order is time order), a time on PostgreSQL.
func (d dialect) t(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	v = v.UTC().Truncate(time.Microsecond)
	if d.pg() {
		return v
	}
	return v.Format(timeLayout)
}

// tm scans a nullable time column from either driver.
type tm struct{ p *time.Time }

func (s tm) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.p = time.Time{}
	case time.Time:
		*s.p = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("store: cannot scan %T into time", v)
	}
	return nil
}

func (s tm) parse(x string) error {
	for _, l := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(l, x); err == nil {
			*s.p = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: bad time %q", x)
}

// mapErr turns driver errors into linli errors.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return linli.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", linli.ErrConflict, err)
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY:
			return fmt.Errorf("%w: %v", linli.ErrUnavailable, err)
		}
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY:
			return fmt.Errorf("%w: %v", linli.ErrUnavailable, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return fmt.Errorf("%w: %v", linli.ErrConflict, err)
		case strings.HasPrefix(pe.Code, "53"), strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01":
			return fmt.Errorf("%w: %v", linli.ErrUnavailable, err)
		}
	}
	return err
}

// Tx is a write transaction with placeholders rebound for the dialect.
type Tx struct {
	tx         *sql.Tx
	conn       *sql.Conn // set when the caller holds the connection (see writeOn)
	ctx        context.Context
	s          *Store
	now        time.Time
	unprepared []string
	onCommit   []func()
	head       *auditHead           // the chain's head after this transaction's last append (SQLite)
	grids      map[int64]linli.Area // live grids this transaction has read (liveGrid)
}

// stmt returns the transaction's handle on a statement prepared once per
// store: SQLite spends a quarter of a small write transaction parsing SQL
// (and the audit triggers) otherwise. A statement seen for the first time is
// prepared on the transaction and, once the transaction has ended, on the
// writer pool (on SQLite that pool is one connection, busy until then).
func (tx *Tx) stmt(q string) (*sql.Stmt, error) {
	if v, ok := tx.s.stmts.Load(q); ok {
		return tx.tx.StmtContext(tx.ctx, v.(*sql.Stmt)), nil
	}
	tx.unprepared = append(tx.unprepared, q)
	return tx.tx.PrepareContext(tx.ctx, tx.s.d.rebind(q))
}

// prepare caches the statements a transaction met for the first time.
func (s *Store) prepare(ctx context.Context, qs []string) {
	for _, q := range qs {
		if _, ok := s.stmts.Load(q); ok {
			continue
		}
		st, err := s.db.PrepareContext(ctx, s.d.rebind(q))
		if err != nil {
			continue // the next transaction prepares it on its own again
		}
		if _, loaded := s.stmts.LoadOrStore(q, st); loaded {
			st.Close()
		}
	}
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	st, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(tx.ctx, args...)
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(tx.ctx, args...)
}

// rowErr is a *sql.Row stand-in for a failed prepare.
type rowErr struct{ err error }

func (r rowErr) Scan(...any) error { return r.err }

func (tx *Tx) queryRow(q string, args ...any) scanner {
	st, err := tx.stmt(q)
	if err != nil {
		return rowErr{err}
	}
	return st.QueryRowContext(tx.ctx, args...)
}

// insertRows runs head (INSERT INTO t (cols) VALUES ) with one tuple of
// ncol placeholders per ncol values of args, then tail: a few rows of one
// use case in one round trip instead of one each. Nothing to insert is not
// an error.
func (tx *Tx) insertRows(head string, ncol int, args []any, tail string) error {
	if len(args) == 0 {
		return nil
	}
	_, err := tx.exec(multiRow(head, "(?"+strings.Repeat(", ?", ncol-1)+")", tail, len(args)/ncol), args...)
	return err
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// write runs fn in one transaction: all of it commits, or none of it.
func (s *Store) write(ctx context.Context, fn func(tx *Tx) error) error {
	return s.writeOn(ctx, nil, fn)
}

// writeOn is write on a connection the caller holds (nil: any), which the
// transaction's COPY (PostgreSQL) needs.
func (s *Store) writeOn(ctx context.Context, conn *sql.Conn, fn func(tx *Tx) error) error {
	var sqltx *sql.Tx
	var err error
	if conn != nil {
		sqltx, err = conn.BeginTx(ctx, nil)
	} else {
		if s.writers != nil {
			select {
			case s.writers <- struct{}{}:
				defer func() { <-s.writers }()
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		sqltx, err = s.db.BeginTx(ctx, nil)
	}
	if err != nil {
		return s.mapErr(err)
	}
	tx := &Tx{tx: sqltx, conn: conn, ctx: ctx, s: s, now: s.now()}
	defer func() {
		if len(tx.unprepared) > 0 {
			s.prepare(context.WithoutCancel(ctx), tx.unprepared)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return s.mapErr(err)
	}
	if err := sqltx.Commit(); err != nil {
		return s.mapErr(err)
	}
	for _, f := range tx.onCommit {
		f()
	}
	return nil
}

// prepared returns a statement prepared once on the reader pool, for the
// fixed query texts of hot read paths (an API token's actor, an order by
// id): parsing them was a seventh of an API request. Only constant texts
// go here, so the cache stays small.
func (s *Store) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := s.rstmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.rdb.PrepareContext(ctx, s.d.rebind(q))
	if err != nil {
		return nil, err
	}
	if v, loaded := s.rstmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRowPrepared is queryRow through prepared.
func (s *Store) queryRowPrepared(ctx context.Context, q string, args ...any) scanner {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return rowErr{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.rdb.QueryContext(ctx, s.d.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.rdb.QueryRowContext(ctx, s.d.rebind(q), args...)
}

// scopeCond returns a SQL condition that holds when the path column col is
// inside the actor's scope, with its arguments. Paths are made of digits and
// '/', and '0' follows '/' in byte order, so "under /1/4/" is the range
// ['/1/4/', '/1/40'), which a B-tree index answers on both databases (the
// PostgreSQL column uses the C collation). An empty scope matches nothing.
func scopeCond(col string, sc linli.Scope) (string, []any) {
	if sc.Empty() {
		return "1 = 0", nil
	}
	parts := make([]string, 0, len(sc.Paths))
	args := make([]any, 0, 2*len(sc.Paths))
	for _, p := range sc.Paths {
		parts = append(parts, "("+col+" >= ? AND "+col+" < ?)")
		args = append(args, p, pathUpper(p))
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// pathUpper is the exclusive upper bound of the paths under p.
func pathUpper(p string) string { return p[:len(p)-1] + "0" }

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
