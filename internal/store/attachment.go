package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// Attachments of work orders (wo_attachments): photos cleaned by
// internal/attach, uploaded before the order exists and linked to it by
// CreateWorkOrder (WorkOrderInput.AttachmentNames). Each is stored under a
// random 128-bit name and read back only by those who may see its order,
// or, until it is linked, by the account that uploaded it. Unlinked
// uploads older than a day are deleted.

// Attachment limits (internal/attach cleans the photos to fit them).
const (
	MaxAttachmentBytes     = 8 << 20
	MaxAttachmentsPerOrder = 6
	maxPendingUploads      = 30             // unlinked uploads per account within attachmentTTL
	attachmentTTL          = 24 * time.Hour // unlinked uploads older than this are deleted
)

// Attachment is a stored photo. Data is filled only by Attachment.
type Attachment struct {
	ID            int64
	Name          string // 32 hex digits
	OrderID       int64  // 0 until the order is created
	ContentType   string
	Size          int
	Width, Height int
	UploadedBy    int64
	CreatedAt     time.Time
	Data          []byte
}

// Ext is the file extension of the attachment's type.
func (a Attachment) Ext() string {
	if a.ContentType == "image/png" {
		return ".png"
	}
	return ".jpg"
}

const attCols = `t.id, t.name, COALESCE(t.order_id, 0), t.content_type, t.size, t.width, t.height, COALESCE(t.uploaded_by, 0), t.created_at`

func scanAttachment(r scanner, data *[]byte) (Attachment, error) {
	var x Attachment
	dest := []any{&x.ID, &x.Name, &x.OrderID, &x.ContentType, &x.Size, &x.Width, &x.Height, &x.UploadedBy, tm{&x.CreatedAt}}
	if data != nil {
		dest = append(dest, data)
	}
	err := r.Scan(dest...)
	return x, err
}

// validAttachmentName reports whether s has the shape of a name we give.
func validAttachmentName(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// magicOK checks that data starts as its content type says: the store
// holds only what internal/attach produced.
func magicOK(contentType string, data []byte) bool {
	switch contentType {
	case "image/jpeg":
		return len(data) > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
	case "image/png":
		return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n"))
	}
	return false
}

// checkAttachment refuses a photo that is not what internal/attach makes.
func checkAttachment(contentType string, width, height int, data []byte) error {
	switch {
	case len(data) == 0:
		return linli.Invalid("attachments", "wo.attachment.empty")
	case len(data) > MaxAttachmentBytes:
		return linli.Invalid("attachments", "wo.attachment.too_large", MaxAttachmentBytes>>20)
	case !magicOK(contentType, data) || width <= 0 || height <= 0:
		return linli.Invalid("attachments", "wo.attachment.not_image")
	}
	return nil
}

// SaveAttachment stores a cleaned photo, not yet linked to an order, under
// a new random name. Residents (for their own requests) and intake staff
// may upload; an account holds at most 30 unlinked uploads a day.
func (s *Store) SaveAttachment(ctx context.Context, a linli.Actor, contentType string, width, height int, data []byte) (Attachment, error) {
	if !a.Can(linli.PermSelfService) && !a.Can(linli.PermWOIntake) {
		return Attachment{}, linli.ErrForbidden
	}
	if err := checkAttachment(contentType, width, height, data); err != nil {
		return Attachment{}, err
	}
	x := Attachment{ContentType: contentType, Size: len(data), Width: width, Height: height, Data: data}
	err := s.write(ctx, func(tx *Tx) error {
		// Uploads nobody linked in a day are left-overs of abandoned
		// forms: each upload clears a few.
		if _, err := tx.exec(`DELETE FROM wo_attachments WHERE id IN (SELECT id FROM wo_attachments WHERE order_id IS NULL AND created_at < ? ORDER BY id LIMIT 20)`,
			tx.s.d.t(tx.now.Add(-attachmentTTL))); err != nil {
			return err
		}
		if a.UserID != 0 || a.TokenID != 0 {
			var n int
			own, args := ownUpload("", a)
			if err := tx.queryRow(`SELECT COUNT(*) FROM wo_attachments WHERE order_id IS NULL AND `+own, args...).Scan(&n); err != nil {
				return err
			}
			if n >= maxPendingUploads {
				return linli.Invalid("attachments", "wo.attachment.quota", maxPendingUploads)
			}
		}
		return tx.insertAttachment(a, &x)
	})
	if err != nil {
		return Attachment{}, err
	}
	x.Data = nil
	return x, nil
}

// ownUpload is the condition that an upload (columns prefixed by p) is
// the actor's own: uploaded by its account, or by its API token. NULLs
// never compare equal, so an actor that is neither owns nothing.
func ownUpload(p string, a linli.Actor) (string, []any) {
	return "(" + p + "uploaded_by = ? OR " + p + "uploaded_token = ?)", []any{nullInt(a.UserID), nullInt(a.TokenID)}
}

// insertAttachment stores x (checked) under a new random name, linked to
// x.OrderID unless it is 0, with its audit record; it fills the name, id,
// uploader and time.
func (tx *Tx) insertAttachment(a linli.Actor, x *Attachment) error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	x.Name, x.UploadedBy, x.CreatedAt = hex.EncodeToString(raw[:]), a.UserID, tx.now
	id, err := tx.insert(`INSERT INTO wo_attachments (order_id, name, content_type, size, width, height, data, uploaded_by, uploaded_token, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullInt(x.OrderID), x.Name, x.ContentType, len(x.Data), x.Width, x.Height, x.Data, nullInt(a.UserID), nullInt(a.TokenID), tx.s.d.t(tx.now))
	if err != nil {
		return err
	}
	x.ID = id
	ev := auditEvent(a, "wo.attachment.upload", "wo_attachment", x.Name, 0)
	ev.Detail = x.ContentType
	return tx.audit(ev)
}

// Attachment returns a photo with its bytes, if the actor may see its
// order, or uploaded it and it is not linked yet. Anything else, a name
// of the wrong shape included, is ErrNotFound.
func (s *Store) Attachment(ctx context.Context, a linli.Actor, name string) (Attachment, error) {
	if !validAttachmentName(name) {
		return Attachment{}, linli.ErrNotFound
	}
	cond, args := woVisible(a)
	var data []byte
	own, oargs := ownUpload("t.", a)
	x, err := scanAttachment(s.queryRow(ctx, `SELECT `+attCols+`, t.data FROM wo_attachments t LEFT JOIN work_orders o ON o.id = t.order_id
		WHERE t.name = ? AND ((t.order_id IS NULL AND `+own+`) OR (t.order_id IS NOT NULL AND `+cond+`))`,
		append(append([]any{name}, oargs...), args...)...), &data)
	if err != nil {
		return Attachment{}, s.mapErr(err)
	}
	x.Data = data
	return x, nil
}

// Attachments lists the photos of an order the actor may see, without
// their bytes, in upload order.
func (s *Store) Attachments(ctx context.Context, a linli.Actor, orderID int64) ([]Attachment, error) {
	o, err := s.WorkOrder(ctx, a, orderID)
	if err != nil {
		return nil, err
	}
	return s.listAttachments(ctx, `SELECT `+attCols+` FROM wo_attachments t WHERE t.order_id = ? ORDER BY t.id`, o.ID)
}

// PendingAttachments returns, among names, the actor's own uploads that
// are not linked to an order yet (a form being filled in keeps them), in
// the order of names.
func (s *Store) PendingAttachments(ctx context.Context, a linli.Actor, names []string) ([]Attachment, error) {
	var valid []any
	for _, n := range names {
		if validAttachmentName(n) && len(valid) < MaxAttachmentsPerOrder*2 {
			valid = append(valid, n)
		}
	}
	if len(valid) == 0 || (a.UserID == 0 && a.TokenID == 0) {
		return nil, nil
	}
	own, args := ownUpload("t.", a)
	list, err := s.listAttachments(ctx, `SELECT `+attCols+` FROM wo_attachments t WHERE t.order_id IS NULL AND `+own+`
		AND t.name IN (?`+strings.Repeat(", ?", len(valid)-1)+`)`, append(args, valid...)...)
	if err != nil {
		return nil, err
	}
	byName := map[string]Attachment{}
	for _, x := range list {
		byName[x.Name] = x
	}
	var out []Attachment
	seen := map[string]bool{}
	for _, n := range names {
		if x, ok := byName[n]; ok && !seen[n] {
			seen[n] = true
			out = append(out, x)
		}
	}
	return out, nil
}

func (s *Store) listAttachments(ctx context.Context, q string, args ...any) ([]Attachment, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		x, err := scanAttachment(rows, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// CleanupAttachments deletes the uploads that no order took within a day
// of now, and returns how many went.
func (s *Store) CleanupAttachments(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM wo_attachments WHERE order_id IS NULL AND created_at < ?`, tx.s.d.t(now.Add(-attachmentTTL)))
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		ev := auditEvent(systemActor, "wo.attachment.cleanup", "wo_attachment", n, 0)
		return tx.audit(ev)
	})
	return int(n), err
}

// WorkOrderByIdempotencyKey returns the order the actor created with an
// idempotency key, or ErrNotFound: a form submitted twice finds the order
// of the first submit before doing any work again.
func (s *Store) WorkOrderByIdempotencyKey(ctx context.Context, a linli.Actor, key string) (linli.WorkOrder, error) {
	if key == "" {
		return linli.WorkOrder{}, linli.ErrNotFound
	}
	var id int64
	if err := s.queryRow(ctx, `SELECT order_id FROM idempotency_keys WHERE actor_key = ? AND key = ?`, actorKey(a), key).Scan(&id); err != nil {
		return linli.WorkOrder{}, s.mapErr(err)
	}
	return s.WorkOrder(ctx, a, id)
}

// RequestArea is a community a resident may address a request to.
type RequestArea struct {
	ID     int64
	Name   string
	Street string
}

// RequestAreas lists the live communities with their streets, street by
// street, for the residents' request form (the names of communities are
// public).
func (s *Store) RequestAreas(ctx context.Context) ([]RequestArea, error) {
	rows, err := s.query(ctx, `SELECT c.id, c.name, COALESCE(p.name, '') FROM areas c LEFT JOIN areas p ON p.id = c.parent_id
		WHERE c.level = ? AND c.retired_at IS NULL ORDER BY COALESCE(p.id, 0), c.id`, string(linli.LevelCommunity))
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []RequestArea
	for rows.Next() {
		var x RequestArea
		if err := rows.Scan(&x.ID, &x.Name, &x.Street); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
