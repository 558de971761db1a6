package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// Reads and writes of the Open311 GeoReport v2 interface (internal/open311).
//
// Open311's GETs are public: anyone may list service requests. Only orders
// of the public catalogue (public services that are not on the negative
// list) are ever listed, and the interface shows no contact data of them;
// which free text it shows is its decision (see internal/open311).

// Open311Filter narrows Open311Requests. Zero values do not filter.
type Open311Filter struct {
	Numbers      []string // service_request_id: these orders only
	ServiceCodes []string
	States       []linli.WOState
	From, To     time.Time // requested (accepted_at), both ends inclusive
	UpdFrom      time.Time // updated_at, both ends inclusive
	UpdTo        time.Time
	Offset       int
	Limit        int // 1..1000; 0 = 1000
}

// open311Public is the condition on the service (sv) of an order that
// Open311 may list.
const open311Public = `sv.public = 1 AND sv.duty <> 'negative'`

// Open311Requests lists the orders of the public catalogue, newest first.
// The order is by id, which follows the acceptance time, so that the
// newest page is a short backward walk of the primary key.
func (s *Store) Open311Requests(ctx context.Context, f Open311Filter) ([]linli.WorkOrder, error) {
	where := []string{open311Public}
	var args []any
	in := func(col string, vals []string) {
		where = append(where, col+" IN (?"+strings.Repeat(", ?", len(vals)-1)+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	if len(f.Numbers) > 0 {
		in("o.number", f.Numbers)
	}
	if len(f.ServiceCodes) > 0 {
		in("sv.code", f.ServiceCodes)
	}
	if len(f.States) > 0 {
		st := make([]string, len(f.States))
		for i, x := range f.States {
			st[i] = string(x)
		}
		in("o.state", st)
	}
	for _, c := range []struct {
		cond string
		t    time.Time
	}{{"o.accepted_at >= ?", f.From}, {"o.accepted_at <= ?", f.To}, {"o.updated_at >= ?", f.UpdFrom}, {"o.updated_at <= ?", f.UpdTo}} {
		if !c.t.IsZero() {
			where = append(where, c.cond)
			args = append(args, s.d.t(c.t))
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY o.id DESC LIMIT %d`, woCols, woFrom, strings.Join(where, " AND "), limit)
	if f.Offset > 0 {
		q += fmt.Sprintf(" OFFSET %d", f.Offset)
	}
	return s.listWO(ctx, q, args...)
}

// Open311Request returns one order of the public catalogue by its number.
func (s *Store) Open311Request(ctx context.Context, number string) (linli.WorkOrder, error) {
	o, err := scanWO(s.queryRow(ctx, `SELECT `+woCols+` FROM `+woFrom+` WHERE o.number = ? AND `+open311Public,
		strings.ToUpper(strings.TrimSpace(number))))
	return o, s.mapErr(err)
}

// Open311Media returns, by order id, the first photo (without its bytes)
// of each of orderIDs that is an order of the public catalogue the actor
// may see: the media_url of Open311's service requests. Photos are never
// public (they may show faces, homes and number plates, and nobody reviews
// them before publication), so an actor who sees no order gets none.
func (s *Store) Open311Media(ctx context.Context, a linli.Actor, orderIDs []int64) (map[int64]Attachment, error) {
	out := map[int64]Attachment{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	cond, cargs := woVisible(a)
	args := make([]any, 0, len(orderIDs)+len(cargs))
	for _, id := range orderIDs {
		args = append(args, id)
	}
	list, err := s.listAttachments(ctx, `SELECT `+attCols+` FROM wo_attachments t JOIN work_orders o ON o.id = t.order_id JOIN services sv ON sv.id = o.service_id
		WHERE t.id IN (SELECT MIN(id) FROM wo_attachments WHERE order_id IN (?`+strings.Repeat(", ?", len(orderIDs)-1)+`) GROUP BY order_id)
		AND `+open311Public+` AND `+cond, append(args, cargs...)...)
	if err != nil {
		return nil, err
	}
	for _, x := range list {
		out[x.OrderID] = x
	}
	return out, nil
}

// Open311Attachment returns a photo with its bytes for Open311's media
// resource: a photo of an order of the public catalogue that the actor may
// see. Anything else (an unlinked upload included) is ErrNotFound.
func (s *Store) Open311Attachment(ctx context.Context, a linli.Actor, name string) (Attachment, error) {
	if !validAttachmentName(name) {
		return Attachment{}, linli.ErrNotFound
	}
	cond, args := woVisible(a)
	var data []byte
	x, err := scanAttachment(s.queryRow(ctx, `SELECT `+attCols+`, t.data FROM wo_attachments t JOIN work_orders o ON o.id = t.order_id
		JOIN services sv ON sv.id = o.service_id WHERE t.name = ? AND `+open311Public+` AND `+cond, append([]any{name}, args...)...), &data)
	if err != nil {
		return Attachment{}, s.mapErr(err)
	}
	x.Data = data
	return x, nil
}

// Open311Note is an event of an order's public timeline as Open311 shows
// it: no actor, and the note only when it was written for the requester.
type Open311Note struct {
	OrderID  int64
	Kind     string
	From, To linli.WOState
	UnitName string // the unit concerned (a dispatch names the unit it went to)
	Note     string // "" unless meant for the requester
	At       time.Time
}

// Open311Notes returns the public timelines of orders, oldest event first.
// A note is shown when it is the unit's reply (answer, resolve) or when
// its author marked it for the requester (data "public": true); a rating's
// comment and the reasons of internal decisions are never shown.
func (s *Store) Open311Notes(ctx context.Context, orderIDs []int64) (map[int64][]Open311Note, error) {
	out := map[int64][]Open311Note{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orderIDs))
	for i, id := range orderIDs {
		args[i] = id
	}
	rows, err := s.query(ctx, `SELECT e.order_id, e.kind, e.from_state, e.to_state, COALESCE(u.name, ''), e.note, e.data, e.at
		FROM wo_events e LEFT JOIN org_units u ON u.id = e.unit_id
		WHERE e.visibility = 'public' AND e.order_id IN (?`+strings.Repeat(", ?", len(orderIDs)-1)+`) ORDER BY e.order_id, e.id`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Open311Note
		var data string
		if err := rows.Scan(&n.OrderID, &n.Kind, &n.From, &n.To, &n.UnitName, &n.Note, &data, tm{&n.At}); err != nil {
			return nil, err
		}
		if n.Kind != string(linli.ActAnswer) && n.Kind != string(linli.ActResolve) {
			var d map[string]any
			_ = json.Unmarshal([]byte(data), &d)
			if pub, _ := d["public"].(bool); !pub {
				n.Note = ""
			}
		}
		out[n.OrderID] = append(out[n.OrderID], n)
	}
	return out, rows.Err()
}

// Open311Changeset is the last change of the catalogue (the discovery
// document's changeset); zero when the catalogue is empty.
func (s *Store) Open311Changeset(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.queryRow(ctx, `SELECT MAX(updated_at) FROM services`).Scan(tm{&t})
	return t, s.mapErr(err)
}

// Open311Token returns the token of an order created through Open311 for a
// batch service, making one when the order has none yet (a retried
// request gets the token of the first).
func (s *Store) Open311Token(ctx context.Context, orderID int64) (string, error) {
	var tok string
	err := s.write(ctx, func(tx *Tx) error {
		err := tx.queryRow(`SELECT token FROM open311_tokens WHERE order_id = ?`, orderID).Scan(&tok)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		tok = hex.EncodeToString(b)
		_, err = tx.exec(`INSERT INTO open311_tokens (token, order_id, created_at) VALUES (?, ?, ?)`, tok, orderID, tx.s.d.t(tx.now))
		return err
	})
	return tok, err
}

// Open311TokenOrder returns the number of the order a token stands for;
// ErrNotFound for an unknown token (or one whose order is not created yet).
func (s *Store) Open311TokenOrder(ctx context.Context, token string) (string, error) {
	var number string
	err := s.queryRow(ctx, `SELECT o.number FROM open311_tokens t JOIN work_orders o ON o.id = t.order_id WHERE t.token = ?`,
		strings.TrimSpace(token)).Scan(&number)
	return number, s.mapErr(err)
}
