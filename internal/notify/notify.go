// Package notify delivers the notification outbox (store.LeaseOutbox):
// email through an SMTP relay, and SMS (or WeChat) through an HTTP
// gateway that receives a signed JSON POST. In-app notices need no
// delivery: the store writes them with the change.
//
// A Sender polls the outbox every second, leases a bounded batch, sends
// each message and marks it sent or failed (retried with back-off; see
// store/outbox.go). Messages are locale keys with parameters; they are
// rendered here in Simplified Chinese with the English below.
//
// A channel that is not configured does not fail its messages (an
// installation without an SMS gateway would otherwise fill the failed
// list with noise): they stay pending, are looked at again once a day
// with the reason "channel not configured" shown to administrators, and
// go out as soon as a sender with that channel starts.
//
// Personal data: the phone of an SMS is read from its sealed column just
// before the POST and goes nowhere else; logs carry the outbox id, the
// channel, the message key and a scrubbed reason, never a recipient.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"text/template"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
	"github.com/linli-org/linli/internal/store"
)

// Options configure a Sender. Zero durations get the defaults.
type Options struct {
	Store   *store.Store
	SMTP    *SMTP    // nil: email is not configured
	Webhook *Webhook // nil: the SMS gateway is not configured
	Logger  *slog.Logger
	Poll    time.Duration // how often an idle sender looks at the outbox (1 s)
	Batch   int           // messages leased at once (20)
	Lease   time.Duration // how long a lease lasts (2 min); at least twice the longest send timeout
	Defer   time.Duration // how long a message of an unconfigured channel waits (24 h)
}

// Sender delivers the outbox. Several senders (processes) may share a
// database: a message is leased by one of them at a time.
type Sender struct {
	opt      Options
	st       *store.Store
	log      *slog.Logger
	zh, en   locale.Printer
	channels map[string]channel
}

// channel sends one rendered message to one recipient.
type channel interface {
	send(ctx context.Context, to string, m Message) error
	timeout() time.Duration
}

// Message is a rendered message.
type Message struct {
	ID        int64  // the outbox id: a gateway may use it to drop a repeat
	Key       string // the message key (the gateway's template name)
	Number    string // the work order's number
	Service   string
	ServiceEn string
	Due       string // the deadline, "2006-01-02 15:04" in Beijing time, or ""
	Text      string // the message in Simplified Chinese
	TextEn    string // the message in English
	Params    map[string]any
}

// permanent marks an error that no retry can fix (a malformed address, a
// template that does not execute): the message fails at once.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// New builds a sender; it checks the channels' settings.
func New(opt Options) (*Sender, error) {
	if opt.Store == nil {
		return nil, errors.New("notify: a store is required")
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Batch <= 0 {
		opt.Batch = 20
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if opt.Defer <= 0 {
		opt.Defer = 24 * time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	s := &Sender{opt: opt, st: opt.Store, log: opt.Logger, zh: cat.Printer("zh-CN"), en: cat.Printer("en"), channels: map[string]channel{}}
	if opt.SMTP != nil {
		c, err := newSMTP(*opt.SMTP, s.zh, s.en)
		if err != nil {
			return nil, err
		}
		s.channels[store.ChannelEmail] = c
	}
	if opt.Webhook != nil {
		c, err := newWebhook(*opt.Webhook)
		if err != nil {
			return nil, err
		}
		s.channels[store.ChannelWebhook] = c
	}
	for name, c := range s.channels {
		if opt.Lease < 2*c.timeout() {
			return nil, fmt.Errorf("notify: the lease (%s) must be at least twice the %s timeout (%s)", opt.Lease, name, c.timeout())
		}
	}
	return s, nil
}

// Channels lists the configured channels.
func (s *Sender) Channels() []string {
	var out []string
	for _, name := range []string{store.ChannelEmail, store.ChannelWebhook} {
		if s.channels[name] != nil {
			out = append(out, name)
		}
	}
	return out
}

// Run delivers the outbox until ctx ends: a full batch is followed by the
// next at once, anything less by a pause of Poll. A message being sent
// when ctx ends is finished (within its channel's timeout) and recorded.
func (s *Sender) Run(ctx context.Context) {
	if ch := s.Channels(); len(ch) > 0 {
		if n, err := s.st.OutboxResume(ctx, ch...); err != nil && ctx.Err() == nil {
			s.log.Error("notify: resume", slog.String("error", err.Error()))
		} else if n > 0 {
			s.log.Info("notify: messages that waited for their channel are due", slog.Int("messages", n))
		}
	}
	for {
		n, err := s.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("notify", slog.String("error", err.Error()))
		}
		if err == nil && n >= s.opt.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opt.Poll):
		}
	}
}

// RunOnce leases one batch of due messages and delivers it. It returns
// how many messages it leased.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	// Messages of a channel that is not configured wait, in one statement
	// per channel rather than one lease and one update per message.
	leasable := []string{store.ChannelInApp}
	for _, name := range []string{store.ChannelEmail, store.ChannelWebhook} {
		if s.channels[name] != nil {
			leasable = append(leasable, name)
			continue
		}
		n, err := s.st.OutboxDeferChannel(ctx, name, s.opt.Defer)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			s.log.Debug("notify: channel not configured; messages wait", slog.String("channel", name), slog.Int("messages", n),
				slog.Duration("for", s.opt.Defer))
		}
	}
	msgs, err := s.st.LeaseOutbox(ctx, s.opt.Batch, s.opt.Lease, leasable...)
	if err != nil {
		return 0, err
	}
	// Results are recorded even when ctx ends meanwhile: a message that
	// went out must be marked sent.
	rec := context.WithoutCancel(ctx)
	for i, m := range msgs {
		c := s.channels[m.Channel]
		margin := 5 * time.Second
		if c != nil {
			margin += c.timeout()
		}
		// Never start a send that could outlast the lease: another runner
		// might take the message and send it too.
		if ctx.Err() != nil || s.st.Now().Add(margin).After(m.LeaseUntil()) {
			return len(msgs), s.st.OutboxRelease(rec, msgs[i:])
		}
		if err := s.deliver(ctx, rec, m, c); err != nil {
			return len(msgs), errors.Join(err, s.st.OutboxRelease(rec, msgs[i+1:]))
		}
	}
	return len(msgs), nil
}

// deliver sends one leased message and records the outcome.
func (s *Sender) deliver(ctx, rec context.Context, m store.OutboxMessage, c channel) error {
	log := s.log.With(slog.Int64("outbox", m.ID), slog.String("channel", m.Channel), slog.String("key", m.Key))
	if m.Channel == store.ChannelInApp {
		return s.recorded(log, s.st.OutboxSent(rec, m)) // notices are written with the change
	}
	if c == nil {
		return s.failed(rec, log, m, permanent{fmt.Errorf("unknown channel %q", m.Channel)})
	}
	to := m.Recipient
	if m.Channel == store.ChannelWebhook {
		phone, err := s.st.OutboxPhone(ctx, m)
		switch {
		case errors.Is(err, linli.ErrNotFound):
			return s.failed(rec, log, m, permanent{errors.New("the order has no phone number")})
		case err != nil:
			return s.failed(rec, log, m, fmt.Errorf("reading the phone: %w", err))
		}
		to = phone
	}
	msg := s.render(m)
	sctx, cancel := context.WithTimeout(rec, c.timeout()) // ctx ending does not cut a send short
	defer cancel()
	if err := c.send(sctx, to, msg); err != nil {
		return s.failed(rec, log, m, err)
	}
	log.Debug("notify: sent", slog.Int("attempt", m.Attempts+1))
	return s.recorded(log, s.st.OutboxSent(rec, m))
}

// recorded logs a lost lease (another runner took the message over: it
// is theirs now) and passes other errors on.
func (s *Sender) recorded(log *slog.Logger, err error) error {
	if errors.Is(err, store.ErrOutboxLease) {
		log.Warn("notify: lease lost before the outcome was recorded")
		return nil
	}
	return err
}

// failed records a failed attempt.
func (s *Sender) failed(rec context.Context, log *slog.Logger, m store.OutboxMessage, cause error) error {
	var p permanent
	isPermanent := errors.As(cause, &p)
	got, err := s.st.OutboxAttemptFailed(rec, m, cause.Error(), isPermanent)
	if err != nil {
		return s.recorded(log, err)
	}
	attrs := []any{slog.Int("attempts", got.Attempts), slog.String("state", got.State), slog.String("reason", got.LastError)}
	if got.State == store.OutboxFailed {
		log.Error("notify: delivery failed for good", attrs...)
	} else {
		log.Warn("notify: delivery failed; will retry", append(attrs, slog.Time("next_at", got.NextAt))...)
	}
	return nil
}

func (s *Sender) render(m store.OutboxMessage) Message {
	msg := Message{ID: m.ID, Key: m.Key, Params: m.Params,
		Number: str(m.Params["number"]), Service: str(m.Params["service"]), ServiceEn: str(m.Params["service_en"]), Due: str(m.Params["due"])}
	msg.Text = Text(s.zh, m.Key, m.Params)
	msg.TextEn = Text(s.en, m.Key, m.Params)
	return msg
}

// Text renders a message key with its parameters in the printer's
// language: the arguments are the order's number, the service's name (in
// English where the parameters have it) and the deadline. An unknown key
// renders as a generic "you have a new notice".
func Text(p locale.Printer, key string, params map[string]any) string {
	if !p.Has(key) {
		return p.T("notify.unknown")
	}
	service := str(params["service"])
	if p.Lang == "en" {
		if en := str(params["service_en"]); en != "" {
			service = en
		}
	}
	due := str(params["due"])
	if due == "" {
		due = "—"
	}
	return p.T(key, str(params["number"]), service, due)
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// templateData is what the webhook's text template sees.
type templateData struct {
	Key, Number, Service, ServiceEn, Due, Text, TextEn string
}

// defaultTemplate is the SMS text when none is configured.
const defaultTemplate = "{{.Text}}"

func parseTemplate(src string) (*template.Template, error) {
	if src == "" {
		src = defaultTemplate
	}
	return template.New("sms").Option("missingkey=error").Parse(src)
}
