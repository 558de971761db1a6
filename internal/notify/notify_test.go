package notify_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/linli-org/linli/internal/locale"
	"github.com/linli-org/linli/internal/notify"
	"github.com/linli-org/linli/internal/store"
)

func newSender(t *testing.T, opt notify.Options) *notify.Sender {
	t.Helper()
	s, err := notify.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runOnce(t *testing.T, s *notify.Sender) int {
	t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An order's email goes through a real SMTP relay (STARTTLS, AUTH) and its
// SMS through a real HTTP gateway that checks the signature; both are
// marked sent, and neither the phone nor the address reaches the logs.
func TestEmailAndSMSDelivered(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		st := d.open()
		o := orders(t, st, 1)[0]
		relay, gw := newMailServer(t), newGateway(t)
		log, logs := newLogger()
		s := newSender(t, notify.Options{Store: st, SMTP: relay.config(), Webhook: gw.config("【邻里】{{.Text}} 回复TD退订"), Logger: log})
		if n := runOnce(t, s); n != 2 {
			t.Fatalf("leased %d messages, want 2", n)
		}
		if c := counts(t, st); c != (store.OutboxCounts{Sent: 2}) {
			t.Fatalf("counts = %+v", c)
		}
		// The email.
		mails := relay.received()
		if len(mails) != 1 {
			t.Fatalf("relay received %d messages", len(mails))
		}
		m := mails[0]
		if !m.tls || m.from != "noreply@linli.example.cn" || len(m.to) != 1 || m.to[0] != email {
			t.Errorf("envelope: tls=%v from=%s to=%v", m.tls, m.from, m.to)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(m.msg.Header.Get("Subject"))
		if err != nil || !strings.HasPrefix(subject, "【邻里】您的诉求已受理") || !strings.Contains(subject, o.Number) {
			t.Errorf("subject = %q, %v", subject, err)
		}
		if m.msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" || m.msg.Header.Get("Auto-Submitted") != "auto-generated" ||
			m.msg.Header.Get("To") != "<"+email+">" {
			t.Errorf("headers = %v", m.msg.Header)
		}
		body := decodeQP(t, m.body)
		zh := strings.Index(body, "您的诉求已受理，工单号 "+o.Number+"（公共区域维修）")
		en := strings.Index(body, "Your request has been accepted as work order "+o.Number+" (Repairs in public areas)")
		if zh < 0 || en < zh || !strings.Contains(body, "请勿直接回复") {
			t.Errorf("body = %q", body)
		}
		// The SMS.
		got, ok, bad := gw.snapshot()
		if bad != 0 || len(got) != 1 {
			t.Fatalf("gateway: %d good, %d refused", len(got), bad)
		}
		p := got[0]
		if p.To != phone || p.Template != "wo.notify.accepted" || p.Order != o.Number || ok[p.ID] != 1 ||
			p.Text != "【邻里】您的诉求已受理，工单号 "+o.Number+"（公共区域维修）。我们会尽快办理，并告知您进展。 回复TD退订" ||
			p.Params["number"] != o.Number {
			t.Errorf("payload = %+v", p)
		}
		if n := runOnce(t, s); n != 0 {
			t.Errorf("second run leased %d", n)
		}
		noPersonalData(t, st, logs)
	})
}

// A receiver that fails twice then succeeds: the message is retried after
// 30 s and 1 min and delivered exactly once. A timeout is a failure too.
func TestRetryWithBackoff(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		st := d.open()
		orders(t, st, 1)
		gw := newGateway(t)
		gw.answer = func(n int, _ notify.Payload) int {
			if n <= 2 {
				return 502
			}
			return 202
		}
		log, logs := newLogger()
		s := newSender(t, notify.Options{Store: st, Webhook: gw.config(""), Logger: log}) // no SMTP: the email waits
		runOnce(t, s)
		pending := outbox(t, st, store.OutboxPending)
		if len(pending) != 2 {
			t.Fatalf("pending = %+v", pending)
		}
		for _, m := range pending {
			switch m.Channel {
			case store.ChannelEmail:
				if m.Attempts != 0 || m.LastError != store.ReasonNotConfigured || !m.NextAt.Equal(d.c.Now().Add(24*time.Hour)) {
					t.Errorf("email of an unconfigured channel = %+v", m)
				}
			case store.ChannelWebhook:
				if m.Attempts != 1 || m.LastError != "webhook: HTTP 502" || !m.NextAt.Equal(d.c.Now().Add(30*time.Second)) {
					t.Errorf("after the first failure = %+v", m)
				}
			}
		}
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("retried before the back-off: leased %d", n)
		}
		d.c.Advance(30 * time.Second)
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("after 30 s leased %d", n)
		}
		d.c.Advance(59 * time.Second)
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("retried before the second back-off (1 min): leased %d", n)
		}
		d.c.Advance(time.Second)
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("after 1 min leased %d", n)
		}
		d.c.Advance(3 * time.Hour)
		runOnce(t, s)
		got, ok, _ := gw.snapshot()
		if len(got) != 3 || len(ok) != 1 || ok[got[0].ID] != 1 || got[0].ID != got[2].ID {
			t.Fatalf("requests %d, successes %v", len(got), ok)
		}
		if sent := outbox(t, st, store.OutboxSent); len(sent) != 1 || sent[0].Attempts != 2 {
			t.Errorf("sent = %+v", sent)
		}
		if !strings.Contains(logs.String(), `"msg":"notify: delivery failed; will retry"`) {
			t.Errorf("the failures were not logged:\n%s", logs)
		}
		noPersonalData(t, st, logs)
	})
}

func TestTimeoutIsRetried(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		st := d.open()
		orders(t, st, 1)
		gw := newGateway(t)
		gw.delay = 500 * time.Millisecond
		cfg := gw.config("")
		cfg.Timeout = 100 * time.Millisecond
		s := newSender(t, notify.Options{Store: st, Webhook: cfg})
		runOnce(t, s)
		for _, m := range outbox(t, st, store.OutboxPending) {
			if m.Channel == store.ChannelWebhook && (m.Attempts != 1 || m.LastError != "webhook: timeout") {
				t.Errorf("after a timeout: %+v", m)
			}
		}
	})
}

// A relay that refuses the mailbox (5xx to RCPT, echoing the address):
// the message fails for good at once, and the reason shown to
// administrators does not name the address.
func TestMailboxRefusedIsPermanent(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		st := d.open()
		orders(t, st, 1)
		relay := newMailServer(t)
		relay.rcptErr = func(to string) error {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: no such user here"}
		}
		log, logs := newLogger()
		s := newSender(t, notify.Options{Store: st, SMTP: relay.config(), Logger: log})
		runOnce(t, s)
		failed := outbox(t, st, store.OutboxFailed)
		if len(failed) != 1 || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "smtp RCPT: 550") ||
			!strings.Contains(failed[0].LastError, "no such user here") {
			t.Fatalf("failed = %+v", failed)
		}
		noPersonalData(t, st, logs)
		// The administrator retries it once the mailbox exists.
		relay.rcptErr = nil
		if err := st.RetryOutbox(context.Background(), sysAdmin, failed[0].ID); err != nil {
			t.Fatal(err)
		}
		runOnce(t, s)
		if len(relay.received()) != 1 || len(outbox(t, st, store.OutboxFailed)) != 0 {
			t.Errorf("after the retry: %d mails", len(relay.received()))
		}
	})
}

// Two senders in two "processes" (two store handles on one database),
// polling concurrently: every message is delivered exactly once.
func TestTwoRunnersNeverSendTwice(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		const n = 15
		orders(t, d.open(), n)
		relay, gw := newMailServer(t), newGateway(t)
		relay.delay, gw.delay = 3*time.Millisecond, 3*time.Millisecond
		log, logs := newLogger()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 2 {
			s := newSender(t, notify.Options{Store: d.open(), SMTP: relay.config(), Webhook: gw.config(""), Logger: log,
				Poll: 5 * time.Millisecond, Batch: 3})
			wg.Go(func() { s.Run(ctx) })
		}
		st := d.open()
		deadline := time.Now().Add(60 * time.Second)
		for counts(t, st).Sent < 2*n && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		if c := counts(t, st); c.Sent != 2*n || c.Pending != 0 || c.Failed != 0 {
			t.Fatalf("counts = %+v", c)
		}
		seen := map[string]int{}
		for _, m := range relay.received() {
			seen[m.msg.Header.Get("X-Linli-Message")]++
		}
		_, ok, _ := gw.snapshot()
		if len(seen) != n || len(ok) != n {
			t.Fatalf("%d distinct emails, %d distinct SMS; want %d each", len(seen), len(ok), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("email %s sent %d times", id, k)
			}
		}
		for id, k := range ok {
			if k != 1 {
				t.Errorf("SMS %d sent %d times", id, k)
			}
		}
		noPersonalData(t, st, logs)
	})
}

// Run stops when its context ends.
func TestRunStops(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		s := newSender(t, notify.Options{Store: d.open(), Poll: 10 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
	})
}

// Messages of a channel configured later go out when a sender with it
// starts, without waiting out their day.
func TestUnconfiguredChannelResumes(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db) {
		st := d.open()
		orders(t, st, 1)
		runOnce(t, newSender(t, notify.Options{Store: st})) // nothing configured
		if c := counts(t, st); c.Pending != 2 || c.Deferred != 2 {
			t.Fatalf("counts = %+v", c)
		}
		gw := newGateway(t)
		s := newSender(t, notify.Options{Store: st, Webhook: gw.config(""), Poll: 10 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for counts(t, st).Sent < 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		if c := counts(t, st); c.Sent != 1 || c.Deferred != 1 {
			t.Fatalf("counts = %+v; want the SMS sent and the email still waiting", c)
		}
	})
}

func TestConfigChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  notify.Options
	}{
		{"webhook without secret", notify.Options{Webhook: &notify.Webhook{URL: "https://sms.example.cn/send"}}},
		{"webhook not http", notify.Options{Webhook: &notify.Webhook{URL: "ftp://sms.example.cn", Secret: hookSecret}}},
		{"bad template", notify.Options{Webhook: &notify.Webhook{URL: "https://sms.example.cn", Secret: hookSecret, Template: "{{.Text"}}},
		{"smtp without port", notify.Options{SMTP: &notify.SMTP{Addr: "mail.example.cn", From: "a@example.cn"}}},
		{"smtp bad from", notify.Options{SMTP: &notify.SMTP{Addr: "mail.example.cn:25", From: "nobody"}}},
		{"smtp bad tls", notify.Options{SMTP: &notify.SMTP{Addr: "mail.example.cn:25", From: "a@example.cn", TLS: "maybe"}}},
		{"lease too short", notify.Options{Lease: 10 * time.Second, SMTP: &notify.SMTP{Addr: "mail.example.cn:25", From: "a@example.cn"}}},
	} {
		tc.opt.Store = &store.Store{}
		if _, err := notify.New(tc.opt); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// Every message key the store sends has a text in both languages that
// uses its parameters.
func TestEveryNotifyKeyRenders(t *testing.T) {
	files, err := filepath.Glob("../store/*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"(wo\.notify\.[a-z_]+)"`)
	keys := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 15 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{"number": "GD20260302000001", "service": "公共区域维修", "service_en": "Repairs in public areas", "due": "2026-03-05 17:30"}
	for k := range keys {
		for _, lang := range locale.Languages {
			p := cat.Printer(lang)
			if !p.Has(k) {
				t.Errorf("%s: %s is missing", lang, k)
				continue
			}
			text := notify.Text(p, k, params)
			if !strings.Contains(text, "GD20260302000001") || strings.Contains(text, "%!") {
				t.Errorf("%s %s = %q", lang, k, text)
			}
			if lang == "en" && strings.Contains(text, "公共") {
				t.Errorf("en %s names the service in Chinese: %q", k, text)
			}
		}
	}
	if got := notify.Text(cat.Printer("en"), "wo.notify.nope", params); got != "You have a new notice." {
		t.Errorf("unknown key = %q", got)
	}
}

func decodeQP(t *testing.T, s string) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
