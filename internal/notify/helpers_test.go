package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/notify"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/testlog"
)

// clock is a settable clock shared by the stores of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// db opens stores on one database: several handles are several
// processes sharing it.
type db struct {
	t    *testing.T
	url  string
	keys *seal.Keyring
	c    *clock
}

func (d *db) open() *store.Store {
	d.t.Helper()
	s, err := store.Open(context.Background(), d.url, store.Options{Now: d.c.Now, Keys: d.keys})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { s.Close() })
	return s
}

// forEachDB runs fn on a fresh SQLite file and, when LINLI_TEST_POSTGRES
// is set, on PostgreSQL in a fresh schema (with CI=true a missing URL
// fails).
func forEachDB(t *testing.T, fn func(t *testing.T, d *db)) {
	t.Run("sqlite", func(t *testing.T) {
		d := &db{t: t, url: filepath.Join(t.TempDir(), "n.db"), keys: seal.Generate(), c: &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}}
		migrate(t, d)
		fn(t, d)
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("LINLI_TEST_POSTGRES")
		if base == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("CI=true but LINLI_TEST_POSTGRES is not set")
			}
			t.Skip("LINLI_TEST_POSTGRES not set")
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		schema := "n_" + hex.EncodeToString(b)
		conn, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(`CREATE SCHEMA ` + schema); err != nil {
			conn.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = conn.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			conn.Close()
		})
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		d := &db{t: t, url: base + sep + "search_path=" + schema, keys: seal.Generate(), c: &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}}
		migrate(t, d)
		fn(t, d)
	})
}

func migrate(t *testing.T, d *db) {
	t.Helper()
	s := d.open()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

const (
	phone = "13812345678"
	email = "wang.daye@example.cn"
)

// orders creates n work orders at a counter, each with the requester's
// phone and email: each writes an email and an SMS to the outbox.
func orders(t *testing.T, s *store.Store, n int) []linli.WorkOrder {
	t.Helper()
	ctx := context.Background()
	con := linli.ConsoleActor()
	area := func(parent int64, level linli.Level, name, code string) linli.Area {
		a, err := s.CreateArea(ctx, con, linli.AreaInput{ParentID: parent, Level: level, Name: name, Code: code})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	district := area(0, linli.LevelDistrict, "东城区", "110101000000")
	street := area(district.ID, linli.LevelStreet, "东华门街道", "110101001000")
	comm := area(street.ID, linli.LevelCommunity, "多福巷社区", "110101001001")
	grid := area(comm.ID, linli.LevelGrid, "多福巷第一网格", "110101001001-1")
	admin := linli.NewActor(1, "admin", []linli.Role{linli.RoleDistrictAdmin}, linli.Scope{AreaIDs: []int64{district.ID}, Paths: []string{district.Path}})
	unit, err := s.CreateOrgUnit(ctx, con, linli.OrgUnit{Name: "多福巷物业", Kind: "property_company", AreaID: comm.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveService(ctx, admin, linli.Service{Code: "REPAIR-PUBLIC", NameZh: "公共区域维修", NameEn: "Repairs in public areas",
		Group: "repair", Duty: linli.DutyOwn, DefaultUnitID: unit.ID, Public: true,
		Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays},
			linli.PriorityUrgent: {N: 24, Unit: linli.UnitHours}, linli.PriorityCritical: {N: 2, Unit: linli.UnitHours}}}); err != nil {
		t.Fatal(err)
	}
	clerk := linli.NewActor(0, "clerk", []linli.Role{linli.RoleCommunityWorker}, linli.Scope{AreaIDs: []int64{comm.ID}, Paths: []string{comm.Path}})
	var out []linli.WorkOrder
	for i := 0; i < n; i++ {
		o, _, err := s.CreateWorkOrder(ctx, clerk, linli.WorkOrderInput{ServiceCode: "REPAIR-PUBLIC", ContactName: "王大爷",
			ContactPhone: phone, ContactEmail: email, AreaID: grid.ID, Description: "3号楼2单元楼道灯不亮"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// sysAdmin may see the outbox.
var sysAdmin = linli.NewActor(1, "sys", []linli.Role{linli.RoleSystemAdmin}, linli.Scope{})

func counts(t *testing.T, s *store.Store) store.OutboxCounts {
	t.Helper()
	c, err := s.CountOutbox(context.Background(), sysAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func outbox(t *testing.T, s *store.Store, state string) []store.OutboxMessage {
	t.Helper()
	ms, err := s.Outbox(context.Background(), sysAdmin, store.OutboxFilter{State: state})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// logBuffer captures the JSON log lines of a sender.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func newLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	// The lines go to testlog too, for the scan after the suite (C04).
	return slog.New(slog.NewJSONHandler(io.MultiWriter(lb, testlog.Writer()), &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// noPersonalData fails when the logs or the administrators' view of the
// outbox hold the phone or the email address.
func noPersonalData(t *testing.T, s *store.Store, logs *logBuffer) {
	t.Helper()
	for _, secret := range []string{phone, email, "1381234"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs.String())
		}
		for _, state := range []string{"", store.OutboxSent} {
			for _, m := range outbox(t, s, state) {
				if strings.Contains(m.LastError, secret) || strings.Contains(m.To, secret) {
					t.Errorf("outbox %d shows %q: %+v", m.ID, secret, m)
				}
			}
		}
	}
}

// mailServer is a real SMTP server on loopback (go-smtp): STARTTLS with a
// self-signed certificate, AUTH PLAIN required (only over TLS).
type mailServer struct {
	addr    string
	roots   *x509.CertPool
	mu      sync.Mutex
	msgs    []received
	rcptErr func(to string) error
	delay   time.Duration
}

type received struct {
	from string
	to   []string
	msg  *mail.Message
	body string
	tls  bool
}

const smtpUser, smtpPass = "linli", "s3cret-relay-password"

func newMailServer(t *testing.T) *mailServer {
	t.Helper()
	cert, roots := selfSigned(t)
	ms := &mailServer{roots: roots}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &mailSession{ms: ms, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ms
}

func (ms *mailServer) received() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.msgs...)
}

func (ms *mailServer) config() *notify.SMTP {
	return &notify.SMTP{Addr: ms.addr, From: "邻里平台 <noreply@linli.example.cn>", Username: smtpUser, Password: smtpPass,
		TLS: "starttls", TLSConfig: &tls.Config{RootCAs: ms.roots}, Timeout: 5 * time.Second}
}

type mailSession struct {
	ms   *mailServer
	conn *smtp.Conn
	auth bool
	from string
	to   []string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != smtpUser || pass != smtpPass {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ms.rcptErr != nil {
		if err := s.ms.rcptErr(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	if s.ms.delay > 0 {
		time.Sleep(s.ms.delay)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(m.Body)
	_, isTLS := s.conn.TLSConnectionState()
	s.ms.mu.Lock()
	s.ms.msgs = append(s.ms.msgs, received{from: s.from, to: s.to, msg: m, body: string(body), tls: isTLS})
	s.ms.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "linli test relay"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// gateway is a real HTTP receiver that checks the signature; answer
// decides the status of each request (200 when nil).
type gateway struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []notify.Payload // every request with a good signature
	ok     map[int64]int    // successful deliveries by outbox id
	bad    int              // requests refused for their signature
	answer func(n int, p notify.Payload) int
	delay  time.Duration
}

const hookSecret = "0123456789abcdef-webhook-secret"

func newGateway(t *testing.T) *gateway {
	t.Helper()
	g := &gateway{ok: map[int64]int{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.Verify(hookSecret, body, r.Header.Get(notify.HeaderSignature), r.Header.Get(notify.HeaderTimestamp), time.Now(), 5*time.Minute); err != nil ||
			r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			g.mu.Lock()
			g.bad++
			g.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.Payload
		_ = json.Unmarshal(body, &p)
		if g.delay > 0 {
			time.Sleep(g.delay)
		}
		g.mu.Lock()
		g.got = append(g.got, p)
		n := len(g.got)
		status := http.StatusOK
		if g.answer != nil {
			status = g.answer(n, p)
		}
		if status/100 == 2 {
			g.ok[p.ID]++
		}
		g.mu.Unlock()
		// An unhelpful gateway echoes the number in its error page.
		w.WriteHeader(status)
		_, _ = w.Write([]byte("status for " + p.To))
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) config(tmpl string) *notify.Webhook {
	return &notify.Webhook{URL: g.srv.URL + "/sms?token=gateway-token", Secret: hookSecret, Template: tmpl, Timeout: 2 * time.Second}
}

func (g *gateway) snapshot() ([]notify.Payload, map[int64]int, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ok := map[int64]int{}
	for k, v := range g.ok {
		ok[k] = v
	}
	return append([]notify.Payload(nil), g.got...), ok, g.bad
}
