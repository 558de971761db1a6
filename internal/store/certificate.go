package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
)

// Certificates (migrations/*/0009_certificates.sql): a residents'
// committee issues a certificate of its service's template for a work
// order of a registered resident, and records it in the register. Issuing
// is one transaction: the register row (the text masked, and in full
// sealed), the order answered at the counter or resolved by its unit
// through the same action code as any other answer or resolve (Act's
// tx.act: the event, the notices, the KPI roll-ups, the timers), and the
// audit record.
//
// Who: staff who may answer the order (wo.intake, while it is accepted)
// or resolve it (its lead unit's wo.handle), whose scope holds the order's
// whole community (a certificate speaks for the committee). The register
// is read with wo.read in scope; the full text needs pii.reveal and a
// purpose, counts against the hourly reveal budget and is audited.

const fieldCertBody = "certificate.body"

// Limits of what the issuer types.
const (
	certPurposeMax = 100
	certNoteMax    = 1000
	certVoidMax    = 500
)

const certCols = `c.id, c.number, c.order_id, o.number, c.service_id, sv.code, sv.name_zh, sv.name_en, c.person_id, p.name,
	c.area_id, c.path, c.purpose, c.body_masked, COALESCE(c.issued_by, 0), COALESCE(ub.display_name, ''), c.issued_at, c.due_at,
	c.valid_until, c.voided_at, c.void_reason, COALESCE(c.voided_by, 0), COALESCE(vb.display_name, '')`

const certFrom = `certificates c JOIN work_orders o ON o.id = c.order_id JOIN services sv ON sv.id = c.service_id
	JOIN persons p ON p.id = c.person_id LEFT JOIN users ub ON ub.id = c.issued_by LEFT JOIN users vb ON vb.id = c.voided_by`

func scanCert(r scanner) (linli.Certificate, error) {
	var c linli.Certificate
	err := r.Scan(&c.ID, &c.Number, &c.OrderID, &c.OrderNumber, &c.ServiceID, &c.ServiceCode, &c.ServiceName, &c.ServiceNameEn,
		&c.PersonID, &c.PersonName, &c.AreaID, &c.Path, &c.Purpose, &c.BodyMasked, &c.IssuedBy, &c.IssuedByName, tm{&c.IssuedAt},
		tm{&c.DueAt}, dt{&c.ValidUntil}, tm{&c.VoidedAt}, &c.VoidReason, &c.VoidedBy, &c.VoidedByName)
	return c, err
}

// rowFn runs a query that returns one row: a transaction's queryRow, or
// the reader pool's (see certRows).
type rowFn func(q string, args ...any) scanner

// certRows reads through the reader pool.
func (s *Store) certRows(ctx context.Context) rowFn {
	return func(q string, args ...any) scanner { return s.queryRow(ctx, q, args...) }
}

// mayIssue reports whether the actor's roles may issue certificates at all.
func mayIssue(a linli.Actor) bool { return a.Can(linli.PermWOIntake) || a.Can(linli.PermWOHandle) }

// certOrder loads an order inside the actor's scope (not through a unit's
// assignment: a certificate speaks for the community).
func certOrder(q rowFn, a linli.Actor, id int64) (linli.WorkOrder, error) {
	cond, args := scopeCond("o.path", a.Scope)
	return scanWO(q(`SELECT `+woCols+` FROM `+woFrom+` WHERE o.id = ? AND `+cond, append([]any{id}, args...)...))
}

// certPerson is what a certificate needs of the requester.
type certPerson struct {
	id                                        int64
	name, idMasked, idSealed, address, status string
}

// certPrep is a certificate ready to be issued: everything but the full
// text (which needs the ID number opened) and the number.
type certPrep struct {
	act        linli.WOAction
	comm       linli.Area
	person     certPerson
	vals       linli.CertValues
	purpose    string
	validUntil time.Time
	note       string
	masked     string // the text with the ID number masked
}

// prepareCert checks that the order o (loaded in the actor's scope) may
// have a certificate issued now by the actor and fills the masked text.
// A conflict or a permission error comes first; then the messages of the
// issuer's input and the requester; then the placeholders the template
// could not fill (with the text, placeholders kept, in prep.masked).
func prepareCert(q rowFn, a linli.Actor, o linli.WorkOrder, sv linli.Service, in linli.CertificateInput, now time.Time) (certPrep, error) {
	var prep certPrep
	if !sv.Certificate {
		return prep, linli.Conflict("cert.service.none")
	}
	var number string
	switch err := q(`SELECT number FROM certificates WHERE order_id = ?`, o.ID).Scan(&number); {
	case err == nil:
		return prep, linli.Conflict("cert.exists", number)
	case !errors.Is(err, sql.ErrNoRows):
		return prep, err
	}
	act, ok := linli.CertAction(o.State)
	if !ok {
		return prep, &linli.ErrTransition{From: o.State, Action: linli.ActResolve}
	}
	if !mayAct(a, o, act) {
		return prep, linli.ErrForbidden
	}
	prep.act = act
	commID, _, _ := pathIDs(o.Path)
	if commID == 0 {
		return prep, linli.Conflict("cert.area.not_community")
	}
	comm, err := scanArea(q(`SELECT `+areaCols+` FROM areas WHERE id = ?`, commID))
	if err != nil {
		return prep, err
	}
	if !a.Scope.Contains(comm.Path) {
		return prep, linli.ErrForbidden // a grid's worker does not speak for the committee
	}
	prep.comm = comm

	v := &linli.ValidationError{}
	prep.purpose = strings.Join(strings.Fields(in.Purpose), " ")
	if utf8.RuneCountInString(prep.purpose) > certPurposeMax {
		v.Add("purpose", "field.too_long", certPurposeMax)
	}
	prep.note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(prep.note) > certNoteMax {
		v.Add("note", "field.too_long", certNoteMax)
	}
	if !in.ValidUntil.IsZero() {
		y, m, d := in.ValidUntil.Date()
		prep.validUntil = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if prep.validUntil.Format(dateLayout) < now.In(cst).Format(dateLayout) {
			v.Add("valid_until", "cert.valid_until.past")
		}
	}
	if o.RequesterPersonID == 0 {
		v.Add("requester", "cert.requester.not_person")
	} else {
		cond, args := scopeCond("p.path", a.Scope)
		p := certPerson{}
		err := q(`SELECT p.id, p.name, p.id_masked, p.id_number, p.address, p.status FROM persons p WHERE p.id = ? AND `+cond,
			append([]any{o.RequesterPersonID}, args...)...).Scan(&p.id, &p.name, &p.idMasked, &p.idSealed, &p.address, &p.status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			v.Add("requester", "cert.requester.not_person")
		case err != nil:
			return prep, err
		case p.status != linli.StatusLiving:
			v.Add("requester", "cert.requester.not_living")
		}
		prep.person = p
	}
	if err := v.Err(); err != nil {
		return prep, err
	}
	committee := comm.Name + "居民委员会"
	var unit string
	switch err := q(`SELECT name FROM org_units WHERE area_id = ? AND kind = 'community_committee' ORDER BY id LIMIT 1`, comm.ID).Scan(&unit); {
	case err == nil:
		committee = unit
	case !errors.Is(err, sql.ErrNoRows):
		return prep, err
	}
	prep.vals = linli.CertValues{Name: prep.person.name, IDMasked: prep.person.idMasked, Address: prep.person.address,
		Committee: committee, Date: now, Purpose: prep.purpose, Answers: o.Answers}
	prep.purpose = sv.CertPurpose(prep.vals) // the register records the purpose as printed
	var ferr error
	prep.masked, _, ferr = sv.FillCertificateMasked(prep.vals)
	return prep, ferr
}

// CertificatePreview is the text a certificate for the order would have
// now, with the ID number masked, and the reason it cannot be issued (nil
// when it can): the same checks as IssueCertificate, without writing.
// When placeholders are missing the text keeps them, and the error names
// them.
func (s *Store) CertificatePreview(ctx context.Context, a linli.Actor, orderID int64, in linli.CertificateInput) (string, error) {
	if !mayIssue(a) {
		return "", linli.ErrForbidden
	}
	q := s.certRows(ctx)
	o, err := certOrder(q, a, orderID)
	if err != nil {
		return "", s.mapErr(err)
	}
	sv, err := scanService(q(`SELECT `+serviceCols+` FROM services WHERE id = ?`, o.ServiceID))
	if err != nil {
		return "", s.mapErr(err)
	}
	prep, err := prepareCert(q, a, o, sv, in, s.now())
	return prep.masked, s.mapErr(err)
}

// IssueCertificate issues the certificate of a work order and records it
// in the register, in one transaction: the order must be for a
// certificate service, in the actor's scope (else ErrNotFound), without a
// certificate yet, and answerable (accepted: a clerk with wo.intake) or
// resolvable (being handled: its lead unit) by the actor; its requester
// must be a living resident of the registry in scope (else a message on
// "requester") and the template must fill (else one on "template" naming
// the placeholders). The order is answered or resolved with a public
// reply that names the certificate's number.
func (s *Store) IssueCertificate(ctx context.Context, a linli.Actor, orderID int64, in linli.CertificateInput) (linli.Certificate, error) {
	if !mayIssue(a) {
		return linli.Certificate{}, linli.ErrForbidden
	}
	if s.keys == nil {
		return linli.Certificate{}, errNoKeys
	}
	cal, err := s.workCalendar(ctx)
	if err != nil {
		return linli.Certificate{}, err
	}
	var id int64
	err = s.write(ctx, func(tx *Tx) error {
		o, err := certOrder(tx.queryRow, a, orderID)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != o.Version {
			return linli.ErrConflict
		}
		sv, err := tx.serviceByID(o.ServiceID)
		if err != nil {
			return err
		}
		prep, err := prepareCert(tx.queryRow, a, o, sv, in, tx.now)
		if err != nil {
			return err
		}
		if prep.person.idSealed != "" {
			if prep.vals.IDNumber, err = tx.s.keys.OpenField(fieldIDNumber, prep.person.idSealed); err != nil {
				return err
			}
		}
		full, _, err := sv.FillCertificate(prep.vals)
		if err != nil {
			return err
		}
		sealed, err := tx.s.keys.SealField(fieldCertBody, full)
		if err != nil {
			return err
		}
		number, err := tx.nextCertNumber(prep.comm.Code)
		if err != nil {
			return err
		}
		comm, street, district := pathIDs(prep.comm.Path)
		validUntil := ""
		if !prep.validUntil.IsZero() {
			validUntil = prep.validUntil.Format(dateLayout)
		}
		id, err = tx.insert(`INSERT INTO certificates (number, order_id, service_id, person_id, area_id, path, community_id, street_id,
			district_id, purpose, body_masked, body_sealed, issued_by, issued_at, due_at, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			number, o.ID, sv.ID, prep.person.id, prep.comm.ID, prep.comm.Path, nullInt(comm), nullInt(street), nullInt(district),
			prep.purpose, prep.masked, sealed, nullInt(a.UserID), tx.s.d.t(tx.now), tx.s.d.t(o.DueAt), validUntil)
		if err != nil {
			return err
		}
		reply := "已出具证明，证明编号 " + number + "。"
		if prep.note != "" {
			reply += prep.note
		}
		if err := tx.act(a, cal, &o, linli.WOActionInput{Action: prep.act, Note: reply, Public: true, Certificate: number}); err != nil {
			return err
		}
		ev := auditEvent(a, "cert.issue", "certificate", number, prep.comm.ID)
		ev.Detail = "order=" + o.Number
		return tx.audit(ev)
	})
	if err != nil {
		return linli.Certificate{}, err
	}
	c, err := scanCert(s.queryRow(ctx, `SELECT `+certCols+` FROM `+certFrom+` WHERE c.id = ?`, id))
	return c, s.mapErr(err)
}

// nextCertNumber allocates the next number of a community's year:
// ZM + the community's code + "-" + the Beijing year + "-" + 4 digits
// (more after the 9999th).
func (tx *Tx) nextCertNumber(communityCode string) (string, error) {
	prefix := "ZM" + communityCode + "-" + tx.now.In(cst).Format("2006")
	var last int64
	err := tx.queryRow(`INSERT INTO cert_numbers (prefix, last) VALUES (?, 1) ON CONFLICT (prefix) DO UPDATE SET last = cert_numbers.last + 1 RETURNING last`,
		prefix).Scan(&last)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%04d", prefix, last), nil
}

// CertFilter narrows the register.
type CertFilter struct {
	ServiceCode string
	From, To    time.Time // issued in [From, To); zero: open
	Late        bool      // only those issued after their order's deadline
	AfterID     int64     // cursor: only those older than this id
	Limit       int       // default 50, at most 200
}

// Certificates lists the register in the actor's scope (wo.read), newest
// first.
func (s *Store) Certificates(ctx context.Context, a linli.Actor, f CertFilter) ([]linli.Certificate, error) {
	if !a.Can(linli.PermWORead) {
		return nil, linli.ErrNotFound
	}
	cond, args := scopeCond("c.path", a.Scope)
	where := []string{cond}
	if f.ServiceCode != "" {
		where = append(where, "sv.code = ?")
		args = append(args, f.ServiceCode)
	}
	if !f.From.IsZero() {
		where = append(where, "c.issued_at >= ?")
		args = append(args, s.d.t(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "c.issued_at < ?")
		args = append(args, s.d.t(f.To))
	}
	if f.Late {
		where = append(where, "c.due_at IS NOT NULL AND c.issued_at > c.due_at")
	}
	if f.AfterID > 0 {
		where = append(where, "c.id < ?")
		args = append(args, f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	rows, err := s.query(ctx, `SELECT `+certCols+` FROM `+certFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id DESC LIMIT ?`,
		append(args, f.Limit)...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.Certificate
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Certificate returns an entry of the register in the actor's scope, its
// text masked.
func (s *Store) Certificate(ctx context.Context, a linli.Actor, id int64) (linli.Certificate, error) {
	if !a.Can(linli.PermWORead) {
		return linli.Certificate{}, linli.ErrNotFound
	}
	cond, args := scopeCond("c.path", a.Scope)
	c, err := scanCert(s.queryRow(ctx, `SELECT `+certCols+` FROM `+certFrom+` WHERE c.id = ? AND `+cond, append([]any{id}, args...)...))
	return c, s.mapErr(err)
}

// CertificateOfOrder returns the certificate issued for an order, if the
// actor may read the register there (ErrNotFound when there is none).
func (s *Store) CertificateOfOrder(ctx context.Context, a linli.Actor, orderID int64) (linli.Certificate, error) {
	if !a.Can(linli.PermWORead) {
		return linli.Certificate{}, linli.ErrNotFound
	}
	cond, args := scopeCond("c.path", a.Scope)
	c, err := scanCert(s.queryRow(ctx, `SELECT `+certCols+` FROM `+certFrom+` WHERE c.order_id = ? AND `+cond,
		append([]any{orderID}, args...)...))
	return c, s.mapErr(err)
}

// CertificateText returns a certificate's full text, to print it: only
// with pii.reveal (else ErrNotFound, as for any reveal) and a purpose
// (store.CheckRevealPurpose). It counts against the worker's hourly reveal
// budget like a resident's ID number (over it: a ConflictError
// "reveal.budget_exceeded", the refusal audited) and is audited as
// "cert.print" with the purpose. A void certificate is not printed.
func (s *Store) CertificateText(ctx context.Context, a linli.Actor, id int64, purpose string) (string, error) {
	if !a.Can(linli.PermWORead) || !a.Can(linli.PermPIIReveal) {
		return "", linli.ErrNotFound
	}
	if s.keys == nil {
		return "", errNoKeys
	}
	purpose, err := CheckRevealPurpose(purpose)
	if err != nil {
		return "", err
	}
	var text string
	denied := false
	err = s.write(ctx, func(tx *Tx) error {
		if err := tx.lockRevealer(a); err != nil {
			return err
		}
		cond, args := scopeCond("c.path", a.Scope)
		var number, sealed string
		var personID, areaID int64
		if err := tx.queryRow(`SELECT c.number, c.body_sealed, c.person_id, c.area_id FROM certificates c
			WHERE c.id = ? AND c.voided_at IS NULL AND `+cond, append([]any{id}, args...)...).Scan(&number, &sealed, &personID, &areaID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return tx.certVoidOrMissing(a, id)
			}
			return err
		}
		ev := auditEvent(a, "cert.print", "certificate", number, areaID)
		ev.Purpose, ev.Detail = purpose, "certificate"
		if denied, err = tx.spendReveal(a, personRec{Person: linli.Person{ID: personID, GridID: areaID}}, ev); err != nil || denied {
			return err
		}
		if text, err = tx.s.keys.OpenField(fieldCertBody, sealed); err != nil {
			return err
		}
		return tx.audit(ev)
	})
	if err != nil {
		return "", err
	}
	if denied {
		return "", linli.Conflict("reveal.budget_exceeded")
	}
	return text, nil
}

// certVoidOrMissing tells a void certificate in scope (a conflict) from
// one that is not there for the actor (not found).
func (tx *Tx) certVoidOrMissing(a linli.Actor, id int64) error {
	cond, args := scopeCond("c.path", a.Scope)
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM certificates c WHERE c.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return linli.ErrNotFound
	}
	return linli.Conflict("cert.voided")
}

// VoidCertificate declares a certificate void (作废), with a reason; the
// register keeps it, marked. The order's timeline gets a public event.
// Who: as for issuing (wo.intake or wo.handle), in scope.
func (s *Store) VoidCertificate(ctx context.Context, a linli.Actor, id int64, reason string) (linli.Certificate, error) {
	if !a.Can(linli.PermWORead) {
		return linli.Certificate{}, linli.ErrNotFound
	}
	reason = strings.TrimSpace(reason)
	err := s.write(ctx, func(tx *Tx) error {
		cond, args := scopeCond("c.path", a.Scope)
		var number string
		var orderID, areaID int64
		if err := tx.queryRow(`SELECT c.number, c.order_id, c.area_id FROM certificates c WHERE c.id = ? AND `+cond,
			append([]any{id}, args...)...).Scan(&number, &orderID, &areaID); err != nil {
			return err
		}
		if !mayIssue(a) {
			return linli.ErrForbidden
		}
		switch {
		case reason == "":
			return linli.Invalid("reason", "cert.void.reason_required")
		case utf8.RuneCountInString(reason) > certVoidMax:
			return linli.Invalid("reason", "field.too_long", certVoidMax)
		}
		res, err := tx.exec(`UPDATE certificates SET voided_at = ?, void_reason = ?, voided_by = ? WHERE id = ? AND voided_at IS NULL`,
			tx.s.d.t(tx.now), reason, nullInt(a.UserID), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.Conflict("cert.voided")
		}
		o, err := tx.workOrderSys(orderID)
		if err != nil {
			return err
		}
		if err := tx.woEvent(a, o, "certificate_voided", o.State, o.State, 0, linli.VisPublic, reason,
			map[string]any{"certificate": number, "public": true}); err != nil {
			return err
		}
		ev := auditEvent(a, "cert.void", "certificate", number, areaID)
		ev.Detail = "order=" + o.Number
		return tx.audit(ev)
	})
	if err != nil {
		return linli.Certificate{}, err
	}
	return s.Certificate(ctx, a, id)
}
