package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"text/template"
	"time"
)

// Webhook configures the SMS (or WeChat) gateway: each message is POSTed
// as JSON
//
//	{"id": 42, "to": "13812345678", "template": "wo.notify.accepted",
//	 "text": "…", "order": "GD20260302000001", "params": {…}, "timestamp": 1772413200}
//
// with the headers X-Linli-Timestamp (Unix seconds, the same as
// "timestamp") and X-Linli-Signature (the hex HMAC-SHA256 of the body
// under Secret). The signature covers the timestamp inside the body, so a
// receiver that checks both refuses a replay after its window. id is the
// outbox id: a repeat (delivery is at least once) carries the same one. A
// 2xx answer is success; anything else, a redirect or a timeout is retried.
type Webhook struct {
	URL      string
	Secret   string
	Template string        // Go text/template of "text" over .Text .TextEn .Number .Service .ServiceEn .Due .Key; "" is {{.Text}}
	Timeout  time.Duration // one POST (10 s)
	Client   *http.Client  // nil: a client that follows no redirect
}

// Header names of the webhook.
const (
	HeaderSignature = "X-Linli-Signature"
	HeaderTimestamp = "X-Linli-Timestamp"
)

type webhookChannel struct {
	c    Webhook
	tmpl *template.Template
	hc   *http.Client
}

func newWebhook(c Webhook) (*webhookChannel, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("notify: the webhook URL must be an http(s):// URL")
	}
	if c.Secret == "" {
		return nil, errors.New("notify: the webhook needs a secret to sign with")
	}
	t, err := parseTemplate(c.Template)
	if err != nil {
		return nil, fmt.Errorf("notify: webhook template: %w", err)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	hc := c.Client
	if hc == nil {
		// Never follow a redirect: the body holds a phone number, and a
		// 307 would send it wherever the gateway (or whoever took its
		// place) pointed.
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &webhookChannel{c: c, tmpl: t, hc: hc}, nil
}

func (w *webhookChannel) timeout() time.Duration { return w.c.Timeout }

// Payload is the JSON body of a webhook POST.
type Payload struct {
	ID        int64          `json:"id"`
	To        string         `json:"to"`
	Template  string         `json:"template"`
	Text      string         `json:"text"`
	Order     string         `json:"order"`
	Params    map[string]any `json:"params"`
	Timestamp int64          `json:"timestamp"`
}

// Sign is the signature of a body under secret: hex HMAC-SHA256.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a webhook request's signature and that its timestamp is
// within window of now; receivers (and tests) use it.
func Verify(secret string, body []byte, signature, timestamp string, now time.Time, window time.Duration) error {
	want := Sign(secret, body)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return errors.New("bad signature")
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ts != p.Timestamp {
		return errors.New("the timestamp header does not match the body")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > window || d < -window {
		return errors.New("stale timestamp")
	}
	return nil
}

func (w *webhookChannel) send(ctx context.Context, to string, m Message) error {
	var text bytes.Buffer
	if err := w.tmpl.Execute(&text, templateData{Key: m.Key, Number: m.Number, Service: m.Service, ServiceEn: m.ServiceEn, Due: m.Due,
		Text: m.Text, TextEn: m.TextEn}); err != nil {
		return permanent{fmt.Errorf("webhook template: %w", err)}
	}
	now := time.Now().Unix()
	params := m.Params
	if params == nil {
		params = map[string]any{}
	}
	body, err := json.Marshal(Payload{ID: m.ID, To: to, Template: m.Key, Text: text.String(), Order: m.Number, Params: params, Timestamp: now})
	if err != nil {
		return permanent{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.c.URL, bytes.NewReader(body))
	if err != nil {
		return permanent{errors.New("webhook: bad request")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "linli-notify")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now, 10))
	req.Header.Set(HeaderSignature, Sign(w.c.Secret, body))
	resp, err := w.hc.Do(req)
	if err != nil {
		return webhookErr(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: HTTP %d", resp.StatusCode)
	}
	return nil
}

// webhookErr describes a failed POST without the URL (its query may hold
// a gateway's token).
func webhookErr(err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return errors.New("webhook: timeout")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("webhook: %v", err)
}
