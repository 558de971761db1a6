package store

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
)

// The notification outbox (migrations/*/0007_workorders.sql) and in-app
// notices. enqueue and notice (wotimer.go) write them in the transaction
// of the change they announce; internal/notify delivers the outbox.
//
// Delivery is leased like a job: a runner takes due rows by setting
// lease_until with a guarded UPDATE (state 'pending', next_at <= now, no
// lease or an expired one), so two runners — goroutines or processes —
// never hold one row at once. The lease value is the runner's fencing
// token: marking a row sent or failed requires lease_until to still be
// the value the runner set, so a runner whose lease expired (and was
// taken over) changes nothing. A send that succeeds just before its
// process dies is sent again after the lease expires: delivery is at
// least once, and the webhook carries the outbox id so a gateway can drop
// a repeat.
//
// A failed attempt is retried after 30 s × 2^(attempts−1), at most an
// hour; the eighth failure (OutboxMaxAttempts) leaves the row 'failed' for
// an administrator, who may retry it (audited). last_error is the
// sender's short reason with anything that looks like an address, a phone
// or an ID number removed: it is shown to administrators and never holds
// personal data.

// Outbox states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// Outbox channels.
const (
	ChannelInApp   = "inapp"
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// OutboxMaxAttempts failed attempts leave a message failed.
const OutboxMaxAttempts = 8

// ReasonNotConfigured is the last_error of a message whose channel is not
// configured: it waits (OutboxDeferChannel) instead of failing, and is
// resumed when a sender with that channel starts (OutboxResume).
const ReasonNotConfigured = "channel not configured"

// ErrOutboxLease is returned when a runner's lease on a message has been
// lost (it expired and another runner took the message).
var ErrOutboxLease = errors.New("outbox: lease lost")

// OutboxBackoff is the wait after the attempts-th failed attempt: 30 s,
// 1 min, 2 min, … at most one hour.
func OutboxBackoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// OutboxMessage is one message of the outbox.
type OutboxMessage struct {
	ID        int64
	Channel   string
	Recipient string // an email address, or "order:<id>" (the requester's phone, read when sending)
	Key       string // the message key of the locale catalogs
	Params    map[string]any
	OrderID   int64
	State     string
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
	SentAt    time.Time

	// For administrators (Outbox): the order's number and the recipient
	// without personal data.
	OrderNumber string
	To          string // an email address, masked
	ToOrder     string // an SMS: the number of the order whose requester it goes to

	lease time.Time // the lease this runner holds: its fencing token
}

const outboxCols = `id, channel, recipient, subject, body, COALESCE(order_id, 0), state, attempts, next_at, last_error, created_at, sent_at`

func scanOutbox(r scanner) (OutboxMessage, error) {
	var m OutboxMessage
	var body string
	err := r.Scan(&m.ID, &m.Channel, &m.Recipient, &m.Key, &body, &m.OrderID, &m.State, &m.Attempts, tm{&m.NextAt}, &m.LastError,
		tm{&m.CreatedAt}, tm{&m.SentAt})
	if err != nil {
		return m, err
	}
	m.Params = map[string]any{}
	_ = json.Unmarshal([]byte(body), &m.Params)
	return m, nil
}

// LeaseOutbox leases up to limit due messages of the given channels (all
// when none is given) for lease and returns them.
func (s *Store) LeaseOutbox(ctx context.Context, limit int, lease time.Duration, channels ...string) ([]OutboxMessage, error) {
	if limit <= 0 {
		limit = 20
	}
	var out []OutboxMessage
	err := s.write(ctx, func(tx *Tx) error {
		out = out[:0]
		now := tx.s.d.t(tx.now)
		q := `SELECT id FROM outbox WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?)`
		args := []any{now, now}
		if len(channels) > 0 {
			q += ` AND channel IN (?` + strings.Repeat(", ?", len(channels)-1) + `)`
			for _, ch := range channels {
				args = append(args, ch)
			}
		}
		q += ` ORDER BY next_at, id LIMIT ?`
		if tx.s.d.pg() {
			q += ` FOR UPDATE SKIP LOCKED` // another runner's batch is skipped, not waited for
		}
		rows, err := tx.query(q, append(args, limit)...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := tx.now.Add(lease).UTC().Truncate(time.Microsecond)
		for _, id := range ids {
			res, err := tx.exec(`UPDATE outbox SET lease_until = ? WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
				tx.s.d.t(until), id, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue // another runner was faster
			}
			m, err := scanOutbox(tx.queryRow(`SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id))
			if err != nil {
				return err
			}
			m.lease = until
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// LeaseUntil is when the runner's lease on m ends.
func (m OutboxMessage) LeaseUntil() time.Time { return m.lease }

// leased updates a message the runner holds; ErrOutboxLease when the lease
// was lost.
func (tx *Tx) leased(m OutboxMessage, set string, args ...any) error {
	res, err := tx.exec(`UPDATE outbox SET `+set+` WHERE id = ? AND state = 'pending' AND lease_until = ?`,
		append(args, m.ID, tx.s.d.t(m.lease))...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrOutboxLease
	}
	return nil
}

// OutboxSent marks a leased message sent.
func (s *Store) OutboxSent(ctx context.Context, m OutboxMessage) error {
	return s.write(ctx, func(tx *Tx) error {
		return tx.leased(m, `state = 'sent', sent_at = ?, lease_until = NULL, last_error = ''`, tx.s.d.t(tx.now))
	})
}

// OutboxAttemptFailed records a failed attempt at a leased message: it is
// tried again after OutboxBackoff, or fails for good after
// OutboxMaxAttempts attempts or when permanent (a message that can never
// be sent, such as a malformed address). reason is kept for
// administrators without addresses, phones or ID numbers. It returns the
// message as it now stands.
func (s *Store) OutboxAttemptFailed(ctx context.Context, m OutboxMessage, reason string, permanent bool) (OutboxMessage, error) {
	reason = ScrubReason(reason, m.Recipient)
	err := s.write(ctx, func(tx *Tx) error {
		m.Attempts++
		m.LastError = reason
		m.NextAt = tx.now.Add(OutboxBackoff(m.Attempts))
		m.State = OutboxPending
		if permanent || m.Attempts >= OutboxMaxAttempts {
			m.State = OutboxFailed
		}
		return tx.leased(m, `state = ?, attempts = ?, last_error = ?, next_at = ?, lease_until = NULL`,
			m.State, m.Attempts, m.LastError, tx.s.d.t(m.NextAt))
	})
	m.lease = time.Time{}
	return m, err
}

// OutboxDeferChannel puts the due messages of a channel that is not
// configured off by d, in one statement and without counting an attempt,
// with the reason ReasonNotConfigured. It returns how many.
func (s *Store) OutboxDeferChannel(ctx context.Context, channel string, d time.Duration) (int, error) {
	n := 0
	err := s.write(ctx, func(tx *Tx) error {
		now := tx.s.d.t(tx.now)
		res, err := tx.exec(`UPDATE outbox SET next_at = ?, last_error = ? WHERE state = 'pending' AND channel = ? AND next_at <= ?
			AND (lease_until IS NULL OR lease_until < ?)`, tx.s.d.t(tx.now.Add(d)), ReasonNotConfigured, channel, now, now)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n = int(k)
		return nil
	})
	return n, err
}

// OutboxRelease gives back the leases of messages a stopping runner did
// not get to, so that the next runner need not wait for them to expire.
func (s *Store) OutboxRelease(ctx context.Context, ms []OutboxMessage) error {
	if len(ms) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *Tx) error {
		for _, m := range ms {
			if err := tx.leased(m, `lease_until = NULL`); err != nil && !errors.Is(err, ErrOutboxLease) {
				return err
			}
		}
		return nil
	})
}

// OutboxResume makes the messages put off because their channel was not
// configured due now, for the channels a starting sender has. It returns
// how many.
func (s *Store) OutboxResume(ctx context.Context, channels ...string) (int, error) {
	n := 0
	err := s.write(ctx, func(tx *Tx) error {
		for _, ch := range channels {
			res, err := tx.exec(`UPDATE outbox SET next_at = ?, last_error = '' WHERE state = 'pending' AND channel = ? AND last_error = ?`,
				tx.s.d.t(tx.now), ch, ReasonNotConfigured)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// OutboxPhone returns the phone number a webhook message goes to: the
// contact phone of the order its recipient names ("order:<id>"), unsealed.
// It is for the sender only, which passes it to the gateway and never
// logs or stores it; ErrNotFound when the order has no phone.
func (s *Store) OutboxPhone(ctx context.Context, m OutboxMessage) (string, error) {
	idText, ok := strings.CutPrefix(m.Recipient, "order:")
	id, err := strconv.ParseInt(idText, 10, 64)
	if m.Channel != ChannelWebhook || !ok || err != nil {
		return "", linli.ErrNotFound
	}
	if s.keys == nil {
		return "", errNoKeys
	}
	var sealed string
	if err := s.queryRow(ctx, `SELECT contact_phone FROM work_orders WHERE id = ?`, id).Scan(&sealed); err != nil {
		return "", s.mapErr(err)
	}
	if sealed == "" {
		return "", linli.ErrNotFound
	}
	return s.keys.OpenField(fieldWOPhone, sealed)
}

var (
	reEmail  = regexp.MustCompile(`[^\s<>@"',;:()\[\]]+@[^\s<>@"',;:()\[\]]+`)
	reDigits = regexp.MustCompile(`\+?\d(?:[\s-]?\d){5,}[Xx]?`)
)

// ScrubReason makes a delivery error fit for administrators: the
// recipient, email addresses and runs of six or more digits (phones, ID
// numbers) are removed, line breaks flattened, and the text cut to 300
// bytes.
func ScrubReason(reason, recipient string) string {
	if recipient != "" {
		reason = strings.ReplaceAll(reason, recipient, "…")
	}
	reason = reEmail.ReplaceAllString(reason, "<address>")
	reason = reDigits.ReplaceAllString(reason, "#")
	reason = strings.Join(strings.Fields(reason), " ")
	if len(reason) > 300 {
		cut := 300
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut] + "…"
	}
	return reason
}

// OutboxFilter narrows the administrators' list.
type OutboxFilter struct {
	State string // pending, failed, sent; "" is pending and failed
	Limit int    // 200 when 0
}

// Outbox lists messages for administrators (settings.manage), the oldest
// due first, with the order's number and the recipient shown without
// personal data (an address masked, a phone as "the requester of order
// …").
func (s *Store) Outbox(ctx context.Context, a linli.Actor, f OutboxFilter) ([]OutboxMessage, error) {
	if !a.Can(linli.PermSettingsManage) {
		return nil, linli.ErrForbidden
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	cond := `state IN ('pending', 'failed')`
	args := []any{}
	switch f.State {
	case "":
	case OutboxPending, OutboxFailed, OutboxSent:
		cond = `state = ?`
		args = append(args, f.State)
	default:
		return nil, linli.Invalid("state", "outbox.state.invalid")
	}
	order := ` ORDER BY next_at, id`
	if f.State == OutboxSent {
		order = ` ORDER BY id DESC`
	}
	rows, err := s.query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE `+cond+order+` LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	var out []OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.mapErr(err)
	}
	// Order numbers: of the order a message is about, and of the order
	// whose requester an SMS goes to.
	numbers := map[int64]string{}
	need := func(id int64) {
		if id != 0 {
			numbers[id] = ""
		}
	}
	for _, m := range out {
		need(m.OrderID)
		need(recipientOrder(m))
	}
	if len(numbers) > 0 {
		ids := make([]any, 0, len(numbers))
		for id := range numbers {
			ids = append(ids, id)
		}
		rows, err := s.query(ctx, `SELECT id, number FROM work_orders WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
		if err != nil {
			return nil, s.mapErr(err)
		}
		for rows.Next() {
			var id int64
			var n string
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			numbers[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.mapErr(err)
		}
	}
	for i := range out {
		m := &out[i]
		m.OrderNumber = numbers[m.OrderID]
		if id := recipientOrder(*m); id != 0 {
			m.ToOrder = numbers[id]
		} else {
			m.To = maskEmail(m.Recipient)
		}
	}
	return out, nil
}

// recipientOrder is the order whose requester's phone a webhook message
// goes to (0 for other messages).
func recipientOrder(m OutboxMessage) int64 {
	if m.Channel != ChannelWebhook {
		return 0
	}
	v, ok := strings.CutPrefix(m.Recipient, "order:")
	if !ok {
		return 0
	}
	id, _ := strconv.ParseInt(v, 10, 64)
	return id
}

// maskEmail keeps the first character of the local part and the domain:
// w***@example.cn.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}

// OutboxCounts counts messages by state for administrators: pending (of
// which deferred: waiting for a channel to be configured), failed, and
// sent.
type OutboxCounts struct {
	Pending, Deferred, Failed, Sent int
}

// CountOutbox counts the outbox for administrators (settings.manage).
func (s *Store) CountOutbox(ctx context.Context, a linli.Actor) (OutboxCounts, error) {
	var c OutboxCounts
	if !a.Can(linli.PermSettingsManage) {
		return c, linli.ErrForbidden
	}
	rows, err := s.query(ctx, `SELECT state, CASE WHEN last_error = ? THEN 1 ELSE 0 END, COUNT(*) FROM outbox GROUP BY 1, 2`, ReasonNotConfigured)
	if err != nil {
		return c, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var deferred, n int
		if err := rows.Scan(&state, &deferred, &n); err != nil {
			return c, err
		}
		switch state {
		case OutboxPending:
			c.Pending += n
			if deferred == 1 {
				c.Deferred += n
			}
		case OutboxFailed:
			c.Failed += n
		case OutboxSent:
			c.Sent += n
		}
	}
	return c, s.mapErr(rows.Err())
}

// RetryOutbox makes a failed message (or a pending one waiting for its
// next attempt) due now, with its attempts counted afresh when it had
// failed. An administrator's action (settings.manage), audited.
func (s *Store) RetryOutbox(ctx context.Context, a linli.Actor, id int64) error {
	if !a.Can(linli.PermSettingsManage) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		var state, channel string
		if err := tx.queryRow(`SELECT state, channel FROM outbox WHERE id = ?`, id).Scan(&state, &channel); err != nil {
			return err
		}
		if state == OutboxSent {
			return linli.Conflict("outbox.retry.sent")
		}
		// A message being sent right now keeps its lease: retrying it
		// would send it twice.
		res, err := tx.exec(`UPDATE outbox SET state = 'pending', attempts = CASE WHEN state = 'failed' THEN 0 ELSE attempts END, next_at = ?
			WHERE id = ? AND state IN ('pending', 'failed') AND (lease_until IS NULL OR lease_until < ?)`,
			tx.s.d.t(tx.now), id, tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.Conflict("outbox.retry.sending")
		}
		ev := auditEvent(a, "outbox.retry", "outbox", id, 0)
		ev.Detail = "channel=" + channel + " state=" + state
		return tx.audit(ev)
	})
}

// Notice is an in-app notice to the actor or to the actor's unit.
type Notice struct {
	ID        int64
	Key       string
	Params    map[string]any
	OrderID   int64
	UnitID    int64 // the unit it was sent to; 0 for a personal notice
	CreatedAt time.Time
	ReadAt    time.Time
}

// Read reports whether the notice has been read.
func (n Notice) Read() bool { return !n.ReadAt.IsZero() }

// noticeCond is "the actor's own notices and those of the actor's unit".
// A unit's notice is the unit's: read by one member, it is read for all
// (like a shared inbox).
const noticeCond = `(user_id = ? OR unit_id = ?)`

// Notices returns the actor's newest notices (up to limit, 100 when 0).
func (s *Store) Notices(ctx context.Context, a linli.Actor, limit int) ([]Notice, error) {
	if a.UserID == 0 {
		return nil, nil
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT id, body, COALESCE(order_id, 0), COALESCE(unit_id, 0), created_at, read_at FROM notices
		WHERE `+noticeCond+` ORDER BY id DESC LIMIT ?`, a.UserID, a.OrgUnitID, limit)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		var n Notice
		var body string
		if err := rows.Scan(&n.ID, &body, &n.OrderID, &n.UnitID, tm{&n.CreatedAt}, tm{&n.ReadAt}); err != nil {
			return nil, err
		}
		var b struct {
			Key    string         `json:"key"`
			Params map[string]any `json:"params"`
		}
		_ = json.Unmarshal([]byte(body), &b)
		n.Key, n.Params = b.Key, b.Params
		out = append(out, n)
	}
	return out, s.mapErr(rows.Err())
}

// UnreadCap is the most unread notices UnreadNotices counts (the header
// shows "99+" beyond).
const UnreadCap = 100

// UnreadNotices counts the actor's unread notices, up to UnreadCap.
func (s *Store) UnreadNotices(ctx context.Context, a linli.Actor) (int, error) {
	if a.UserID == 0 {
		return 0, nil
	}
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM notices WHERE `+noticeCond+` AND read_at IS NULL LIMIT ?) u`,
		a.UserID, a.OrgUnitID, UnreadCap).Scan(&n)
	return n, s.mapErr(err)
}

// MarkNoticeRead marks one of the actor's notices read; another's is
// ErrNotFound.
func (s *Store) MarkNoticeRead(ctx context.Context, a linli.Actor, id int64) error {
	if a.UserID == 0 {
		return linli.ErrNotFound
	}
	return s.write(ctx, func(tx *Tx) error {
		var one int64
		if err := tx.queryRow(`SELECT id FROM notices WHERE id = ? AND `+noticeCond, id, a.UserID, a.OrgUnitID).Scan(&one); err != nil {
			return err
		}
		_, err := tx.exec(`UPDATE notices SET read_at = ? WHERE id = ? AND read_at IS NULL`, tx.s.d.t(tx.now), id)
		return err
	})
}

// MarkAllNoticesRead marks all of the actor's notices read and returns how
// many were unread.
func (s *Store) MarkAllNoticesRead(ctx context.Context, a linli.Actor) (int, error) {
	if a.UserID == 0 {
		return 0, nil
	}
	n := 0
	err := s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE notices SET read_at = ? WHERE `+noticeCond+` AND read_at IS NULL`, tx.s.d.t(tx.now), a.UserID, a.OrgUnitID)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n = int(k)
		return nil
	})
	return n, err
}
