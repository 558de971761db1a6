package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// auditEvent starts an audit record for an actor's action on an object.
func auditEvent(a linli.Actor, action, objType string, objID any, areaID int64) linli.AuditEvent {
	return linli.AuditEvent{
		ActorID:    a.UserID,
		ActorName:  a.Username,
		Role:       a.RoleNames(),
		Action:     action,
		ObjectType: objType,
		ObjectID:   fmt.Sprint(objID),
		AreaID:     areaID,
		Outcome:    linli.OutcomeOK,
		ClientIP:   a.IP,
		RequestID:  a.RequestID,
	}
}

// audit appends ev to the hash chain inside tx, so the record commits with
// the change it describes or not at all. The head row orders appenders (its
// row lock on PostgreSQL; SQLite has one writer).
func (tx *Tx) audit(ev linli.AuditEvent) error {
	ev.Time = linli.AuditTime(tx.now)
	if ev.Outcome == "" {
		ev.Outcome = linli.OutcomeOK
	}
	if tx.s.d.pg() {
		return tx.auditPG(ev)
	}
	// The head is remembered between transactions. The database refuses a
	// record that does not link to the head (trigger audit_link) and moves
	// the head itself (audit_advance), so one INSERT appends; when another
	// process (a console command) moved the head meanwhile, the insert is
	// refused and the head is read.
	head := tx.head
	if head == nil {
		head = tx.s.head.Load()
	}
	ev.Seq, ev.PrevHash = head.seq+1, head.hash
	for attempt := 0; ; attempt++ {
		ev.Hash = ev.ComputeHash()
		_, err := tx.exec(`INSERT INTO audit (seq, at, actor_id, actor_name, role, action, object_type, object_id,
			area_id, outcome, client_ip, request_id, purpose, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ev.Seq, tx.s.d.t(ev.Time), ev.ActorID, ev.ActorName, ev.Role, ev.Action, ev.ObjectType, ev.ObjectID,
			ev.AreaID, ev.Outcome, ev.ClientIP, ev.RequestID, ev.Purpose, ev.Detail, ev.PrevHash, ev.Hash)
		if err == nil {
			break
		}
		if attempt > 0 || !strings.Contains(err.Error(), "does not link") {
			return fmt.Errorf("audit append: %w", err)
		}
		if err := tx.queryRow(`SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&ev.Seq, &ev.PrevHash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		ev.Seq++
	}
	// Later appends in this transaction link to this record; the store
	// remembers it once the transaction commits.
	h := &auditHead{seq: ev.Seq, hash: ev.Hash}
	if tx.head == nil {
		tx.onCommit = append(tx.onCommit, func() { tx.s.head.Store(tx.head) })
	}
	tx.head = h
	return nil
}

// auditHead is the last known head of the chain (SQLite only).
type auditHead struct {
	seq  int64
	hash string
}

// auditPG appends in one statement, so that auditing costs one round trip:
// the head row moves forward (locking it until commit, which orders
// concurrent appenders) and computes the new hash from the middle of the
// canonical encoding that Go built, the new sequence number and the old
// hash; the record is inserted from what the head returns. The verifier
// recomputes every hash in Go.
func (tx *Tx) auditPG(ev linli.AuditEvent) error {
	err := tx.queryRow(`WITH h AS (
		UPDATE audit_head SET seq = seq + 1, prev_hash = hash,
			hash = encode(sha256(convert_to(length(CAST(seq + 1 AS TEXT)) || ':' || CAST(seq + 1 AS TEXT) || CAST(? AS TEXT) || '64:' || hash, 'UTF8')), 'hex')
		WHERE id = 1 RETURNING seq, prev_hash, hash)
		INSERT INTO audit (seq, at, actor_id, actor_name, role, action, object_type, object_id,
			area_id, outcome, client_ip, request_id, purpose, detail, prev_hash, hash)
		SELECT h.seq, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, h.prev_hash, h.hash FROM h
		RETURNING seq, prev_hash, hash`,
		ev.CanonicalMiddle(), tx.s.d.t(ev.Time), ev.ActorID, ev.ActorName, ev.Role, ev.Action, ev.ObjectType, ev.ObjectID,
		ev.AreaID, ev.Outcome, ev.ClientIP, ev.RequestID, ev.Purpose, ev.Detail).Scan(&ev.Seq, &ev.PrevHash, &ev.Hash)
	if err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}

// Audit records an event that has no other write (a failed login, a
// logout, an export) in its own transaction.
func (s *Store) Audit(ctx context.Context, ev linli.AuditEvent) error {
	return s.write(ctx, func(tx *Tx) error { return tx.audit(ev) })
}

// AuditActor records an actor's action in its own transaction.
func (s *Store) AuditActor(ctx context.Context, a linli.Actor, action, objType string, objID any, areaID int64, detail string) error {
	ev := auditEvent(a, action, objType, objID, areaID)
	ev.Detail = detail
	return s.Audit(ctx, ev)
}

// VerifyResult is the outcome of walking the audit chain.
type VerifyResult struct {
	Records   int64
	HeadSeq   int64
	BrokenSeq int64 // 0 when the chain is intact
	Reason    string
}

// VerifyAudit walks the whole chain in order: sequence numbers must be
// consecutive from 1, each record must link to the previous hash and hash to
// its stored value, and the last record must be the head. It reports the
// first broken sequence number.
func (s *Store) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	var headHash string
	if err := s.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&res.HeadSeq, &headHash); err != nil {
		return res, fmt.Errorf("audit head: %w", err)
	}
	rows, err := s.query(ctx, `SELECT seq, at, actor_id, actor_name, role, action, object_type, object_id, area_id,
		outcome, client_ip, request_id, purpose, detail, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	want := int64(1)
	prev := linli.GenesisHash
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			// A value that no longer scans (text in a number column, a
			// time that does not parse) was written by hand. Every record
			// before want verified, so want is the first broken one: this
			// record, or one missing before it.
			res.Records++
			res.BrokenSeq, res.Reason = want, "record altered (unreadable: "+err.Error()+")"
			return res, nil
		}
		res.Records++
		switch {
		case e.Seq != want:
			res.BrokenSeq, res.Reason = want, "missing record"
		case e.PrevHash != prev:
			res.BrokenSeq, res.Reason = e.Seq, "link to previous record broken"
		case e.ComputeHash() != e.Hash:
			res.BrokenSeq, res.Reason = e.Seq, "record altered"
		}
		if res.BrokenSeq != 0 {
			return res, nil
		}
		prev = e.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	if want-1 != res.HeadSeq || (res.HeadSeq > 0 && prev != headHash) {
		res.BrokenSeq, res.Reason = want, "records missing at the tail"
		if want-1 > res.HeadSeq {
			res.BrokenSeq, res.Reason = res.HeadSeq+1, "records beyond the head"
		}
	}
	return res, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanAudit(r scanner) (linli.AuditEvent, error) {
	var e linli.AuditEvent
	err := r.Scan(&e.Seq, tm{&e.Time}, &e.ActorID, &e.ActorName, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.AreaID, &e.Outcome, &e.ClientIP, &e.RequestID, &e.Purpose, &e.Detail, &e.PrevHash, &e.Hash)
	return e, err
}

// SearchAudit finds audit records, newest first. Only audit admins may.
func (s *Store) SearchAudit(ctx context.Context, a linli.Actor, q linli.AuditQuery) ([]linli.AuditEvent, error) {
	if !a.Can(linli.PermAuditRead) {
		return nil, linli.ErrNotFound
	}
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if q.Actor != "" {
		add("actor_name = ?", strings.TrimSpace(q.Actor))
	}
	if q.Action != "" {
		add("action = ?", strings.TrimSpace(q.Action))
	}
	if q.ObjectType != "" {
		add("object_type = ?", strings.TrimSpace(q.ObjectType))
	}
	if q.ObjectID != "" {
		add("object_id = ?", strings.TrimSpace(q.ObjectID))
	}
	// Time follows the sequence (records are stamped in append order, up to
	// the few in flight at once on PostgreSQL), so a time range is first
	// narrowed to a sequence range found by binary search over the primary
	// key, widened by a margin, then filtered exactly.
	const margin = 1000
	if !q.From.IsZero() {
		lo, err := s.auditSeqAt(ctx, q.From)
		if err != nil {
			return nil, err
		}
		add("seq >= ?", lo-margin)
		add("at >= ?", s.d.t(q.From))
	}
	if !q.To.IsZero() {
		hi, err := s.auditSeqAt(ctx, q.To)
		if err != nil {
			return nil, err
		}
		add("seq < ?", hi+margin)
		add("at < ?", s.d.t(q.To))
	}
	if q.BeforeSeq > 0 {
		add("seq < ?", q.BeforeSeq)
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	sqlq := `SELECT seq, at, actor_id, actor_name, role, action, object_type, object_id, area_id,
		outcome, client_ip, request_id, purpose, detail, prev_hash, hash FROM audit`
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY seq DESC LIMIT " + strconv.Itoa(limit)
	rows, err := s.query(ctx, sqlq, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// auditSeqAt returns the first sequence number stamped at or after t (one
// past the last record when there is none), by binary search.
func (s *Store) auditSeqAt(ctx context.Context, t time.Time) (int64, error) {
	var hi int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit`).Scan(&hi); err != nil {
		return 0, s.mapErr(err)
	}
	lo := int64(1)
	hi++
	for lo < hi {
		mid := lo + (hi-lo)/2
		var at time.Time
		var seq int64
		err := s.queryRow(ctx, `SELECT seq, at FROM audit WHERE seq >= ? ORDER BY seq LIMIT 1`, mid).Scan(&seq, tm{&at})
		if err != nil {
			return 0, s.mapErr(err)
		}
		if at.Before(t) {
			lo = seq + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}
