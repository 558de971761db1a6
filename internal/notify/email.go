package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli/internal/locale"
)

// SMTP configures email through a mail relay.
type SMTP struct {
	Addr     string // host:port
	From     string // the From address ("邻里平台 <noreply@example.cn>" or a bare address)
	Username string // AUTH PLAIN when set (only over TLS, or to a relay on loopback)
	Password string
	// TLS is "starttls" (the default: the relay must offer STARTTLS), "tls"
	// (implicit TLS, port 465) or "none" (plain text, for a relay on
	// loopback).
	TLS       string
	TLSConfig *tls.Config   // nil: the system's roots, the server name from Addr
	Timeout   time.Duration // one delivery, connection included (30 s)
	Hello     string        // the EHLO name ("localhost")
}

type smtpChannel struct {
	c        SMTP
	host     string
	from     *mail.Address
	fromHdr  string
	zh, en   locale.Printer
	tlsConf  *tls.Config
	msgIDDom string
}

func newSMTP(c SMTP, zh, en locale.Printer) (*smtpChannel, error) {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp address %q: want host:port", c.Addr)
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp from %q: %v", c.From, err)
	}
	if c.TLS == "" {
		c.TLS = "starttls"
	}
	switch c.TLS {
	case "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("notify: smtp tls %q: want starttls, tls or none", c.TLS)
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Hello == "" {
		c.Hello = "localhost"
	}
	tc := c.TLSConfig
	if tc == nil {
		tc = &tls.Config{}
	} else {
		tc = tc.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	dom := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	return &smtpChannel{c: c, host: host, from: from, fromHdr: from.String(), zh: zh, en: en, tlsConf: tc, msgIDDom: dom}, nil
}

func (s *smtpChannel) timeout() time.Duration { return s.c.Timeout }

// send delivers one message in one SMTP session. A 5xx answer to RCPT (no
// such mailbox) is permanent; anything else is retried.
func (s *smtpChannel) send(ctx context.Context, to string, m Message) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil || strings.ContainsAny(rcpt.Address, "\r\n<>") {
		return permanent{errors.New("smtp: the recipient is not a valid address")}
	}
	body, err := s.compose(rcpt.Address, m)
	if err != nil {
		return permanent{err}
	}
	var d net.Dialer
	var conn net.Conn
	if s.c.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: s.tlsConf}).DialContext(ctx, "tcp", s.c.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.c.Addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: connect: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cl, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return smtpErr("greeting", err)
	}
	defer cl.Close()
	if err := cl.Hello(s.c.Hello); err != nil {
		return smtpErr("EHLO", err)
	}
	if s.c.TLS == "starttls" {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the relay does not offer STARTTLS (set LINLI_SMTP_TLS=none only for a relay on loopback)")
		}
		if err := cl.StartTLS(s.tlsConf); err != nil {
			return smtpErr("STARTTLS", err)
		}
	}
	if s.c.Username != "" {
		// PlainAuth refuses to send the password without TLS, except to
		// localhost.
		if err := cl.Auth(smtp.PlainAuth("", s.c.Username, s.c.Password, s.host)); err != nil {
			return smtpErr("AUTH", err)
		}
	}
	if err := cl.Mail(s.from.Address); err != nil {
		return smtpErr("MAIL", err)
	}
	if err := cl.Rcpt(rcpt.Address); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return permanent{smtpErr("RCPT", err)}
		}
		return smtpErr("RCPT", err)
	}
	w, err := cl.Data()
	if err != nil {
		return smtpErr("DATA", err)
	}
	if _, err := w.Write(body); err != nil {
		return smtpErr("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("DATA", err)
	}
	_ = cl.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

// smtpErr names the step that failed with the relay's answer (the store
// scrubs addresses from it).
func smtpErr(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return fmt.Errorf("smtp %s: %d %s", step, te.Code, te.Msg)
	}
	return fmt.Errorf("smtp %s: %w", step, err)
}

// compose builds the message: the subject and the text in Simplified
// Chinese, the English below, quoted-printable UTF-8.
func (s *smtpChannel) compose(to string, m Message) ([]byte, error) {
	subject := oneLine(s.zh.T("notify.email.subject", m.Text))
	var text strings.Builder
	text.WriteString(m.Text + "\r\n\r\n" + m.TextEn + "\r\n\r\n-- \r\n")
	text.WriteString(s.zh.T("notify.email.footer") + "\r\n" + s.en.T("notify.email.footer") + "\r\n")
	rnd := make([]byte, 8)
	_, _ = rand.Read(rnd)
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", s.fromHdr)
	hdr("To", "<"+to+">")
	hdr("Subject", mime.BEncoding.Encode("UTF-8", subject))
	hdr("Date", time.Now().Format(time.RFC1123Z))
	hdr("Message-ID", "<linli."+strconv.FormatInt(m.ID, 10)+"."+hex.EncodeToString(rnd)+"@"+s.msgIDDom+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=UTF-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("Auto-Submitted", "auto-generated")
	hdr("X-Linli-Message", strconv.FormatInt(m.ID, 10))
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(text.String())); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
