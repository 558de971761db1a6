package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
)

// Reveal (显示完整): a worker with the right permission asks to see one
// sealed value of a resident in full — the ID number, the phones, or the
// attributes of a sensitive or restricted tag — and says why. Each reveal
// is audited ("pii.reveal" with the purpose and the field name, never the
// value) in the same transaction as the budget check: a worker may reveal
// at most RevealBudget distinct residents per hour (revealing the same
// resident again within the hour does not count twice). Going over is
// refused, audited as denied, and raises a "security.alert" audit record
// that the security admin sees on the dashboard (RecentAlerts).

// Fields that can be revealed; a tag is "tag:<code>".
const (
	RevealIDNumber = "id_number"
	RevealPhone    = "phone"
	RevealTag      = "tag:"
)

// RevealBudgetSetting is the deployment setting that holds the number of
// distinct residents a worker may reveal per hour; DefaultRevealBudget
// applies when it is unset or not a positive number.
const (
	RevealBudgetSetting = "reveal.budget_per_hour"
	DefaultRevealBudget = 30
)

// RevealPurposes are the purposes of the short list; "other:<text>" with
// at least four characters of text is also accepted.
var RevealPurposes = []string{"verify_identity", "contact_resident", "service_handling", "emergency"}

// RevealOtherPrefix starts a free-text purpose.
const RevealOtherPrefix = "other:"

// CheckRevealPurpose normalizes a purpose, or returns a validation error on
// the field "purpose".
func CheckRevealPurpose(purpose string) (string, error) {
	purpose = strings.TrimSpace(purpose)
	if purpose == "" {
		return "", linli.Invalid("purpose", "reveal.purpose.required")
	}
	if slices.Contains(RevealPurposes, purpose) {
		return purpose, nil
	}
	text, ok := strings.CutPrefix(purpose, RevealOtherPrefix)
	if !ok {
		return "", linli.Invalid("purpose", "reveal.purpose.invalid")
	}
	text = strings.Join(strings.Fields(text), " ")
	switch n := utf8.RuneCountInString(text); {
	case n < 4:
		return "", linli.Invalid("purpose_text", "reveal.purpose.other_short", 4)
	case n > 200:
		return "", linli.Invalid("purpose_text", "reveal.purpose.other_long", 200)
	}
	return RevealOtherPrefix + text, nil
}

// RevealPerson returns one sealed value of a resident in the actor's scope
// in full: field is RevealIDNumber or RevealPhone (needs pii.reveal; the
// phones are joined with "、"), or "tag:<code>" for the attributes of a
// sensitive or restricted tag (needs the permission of its class). Without
// the permission, or for a resident outside the scope, it is ErrNotFound.
// Over the hourly budget it is a ConflictError "reveal.budget_exceeded",
// and the refusal and the alert are committed.
func (s *Store) RevealPerson(ctx context.Context, a linli.Actor, personID int64, field, purpose string) (string, error) {
	if s.keys == nil {
		return "", errNoKeys
	}
	if !a.Can(linli.PermPersonRead) {
		return "", linli.ErrNotFound
	}
	field = strings.TrimSpace(field)
	tagCode, isTag := strings.CutPrefix(field, RevealTag)
	switch {
	case field == RevealIDNumber || field == RevealPhone:
		if !a.Can(linli.PermPIIReveal) {
			return "", linli.ErrNotFound
		}
	case isTag && tagCode != "":
		if !a.Can(linli.PermSensitiveRead) && !a.Can(linli.PermRestrictedRead) {
			return "", linli.ErrNotFound
		}
	default:
		return "", linli.Invalid("field", "reveal.field.invalid")
	}
	purpose, err := CheckRevealPurpose(purpose)
	if err != nil {
		return "", err
	}
	var value string
	denied := false
	err = s.write(ctx, func(tx *Tx) error {
		if err := tx.lockRevealer(a); err != nil {
			return err
		}
		p, err := tx.person(a, personID)
		if err != nil {
			return err
		}
		sealed, err := tx.revealSealed(a, p, field, tagCode)
		if err != nil {
			return err
		}
		ev := auditEvent(a, "pii.reveal", "person", p.ID, p.GridID)
		ev.Purpose, ev.Detail = purpose, field
		if denied, err = tx.spendReveal(a, p, ev); err != nil || denied {
			return err
		}
		if value, err = tx.openRevealed(field, sealed); err != nil {
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
	return value, nil
}

// lockRevealer orders concurrent reveals of one worker on PostgreSQL, so
// that two of them cannot both pass the budget check (SQLite has one
// writer).
func (tx *Tx) lockRevealer(a linli.Actor) error {
	if !tx.s.d.pg() || a.UserID == 0 {
		return nil
	}
	var id int64
	if err := tx.queryRow(`SELECT id FROM users WHERE id = ? FOR UPDATE`, a.UserID).Scan(&id); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// spendReveal counts a reveal of p's data (ev.Detail names the field)
// against the worker's hourly budget and records it. Over the budget it
// records the refusal, its audit record and the alert instead, and
// reports denied; the caller then commits and refuses.
func (tx *Tx) spendReveal(a linli.Actor, p personRec, ev linli.AuditEvent) (denied bool, err error) {
	budget := tx.revealBudget()
	since := tx.s.d.t(tx.now.Add(-time.Hour))
	var again int
	if err := tx.queryRow(`SELECT COUNT(*) FROM reveals WHERE user_id = ? AND person_id = ? AND outcome = 'ok' AND at >= ?`,
		a.UserID, p.ID, since).Scan(&again); err != nil {
		return false, err
	}
	if again == 0 {
		var n int
		if err := tx.queryRow(`SELECT COUNT(DISTINCT person_id) FROM reveals WHERE user_id = ? AND outcome = 'ok' AND at >= ?`,
			a.UserID, since).Scan(&n); err != nil {
			return false, err
		}
		if n >= budget {
			return true, tx.revealDenied(a, p, ev, budget, since)
		}
	}
	_, err = tx.exec(`INSERT INTO reveals (user_id, person_id, field, outcome, at) VALUES (?, ?, ?, 'ok', ?)`,
		a.UserID, p.ID, ev.Detail, tx.s.d.t(tx.now))
	return false, err
}

// revealSealed loads the sealed value(s) of a field: one sealed string, or
// several joined by "\n" for the phones. A field without a value is a
// validation error.
func (tx *Tx) revealSealed(a linli.Actor, p personRec, field, tagCode string) (string, error) {
	switch field {
	case RevealIDNumber:
		var v string
		if err := tx.queryRow(`SELECT id_number FROM persons WHERE id = ?`, p.ID).Scan(&v); err != nil {
			return "", err
		}
		if v == "" {
			return "", linli.Invalid("field", "reveal.field.empty")
		}
		return v, nil
	case RevealPhone:
		rows, err := tx.query(`SELECT phone FROM person_phones WHERE person_id = ? ORDER BY position`, p.ID)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return "", err
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			return "", err
		}
		if len(out) == 0 {
			return "", linli.Invalid("field", "reveal.field.empty")
		}
		return strings.Join(out, "\n"), nil
	}
	t, err := tx.tagByCode(a, tagCode)
	if err != nil {
		return "", err
	}
	var v string
	err = tx.queryRow(`SELECT attrs_sealed FROM person_tags WHERE person_id = ? AND tag_id = ? AND attrs_sealed <> ''
		ORDER BY CASE WHEN until IS NULL THEN 0 ELSE 1 END, id DESC LIMIT 1`, p.ID, t.ID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", linli.Invalid("field", "reveal.field.empty")
	}
	return v, err
}

// openRevealed opens what revealSealed loaded.
func (tx *Tx) openRevealed(field, sealed string) (string, error) {
	switch field {
	case RevealIDNumber:
		return tx.s.keys.OpenField(fieldIDNumber, sealed)
	case RevealPhone:
		var out []string
		for _, v := range strings.Split(sealed, "\n") {
			ph, err := tx.s.keys.OpenField(fieldPhone, v)
			if err != nil {
				return "", err
			}
			out = append(out, ph)
		}
		return strings.Join(out, "、"), nil
	}
	plain, err := tx.s.keys.OpenField(fieldTagAttrs, sealed)
	if err != nil {
		return "", err
	}
	attrs := map[string]string{}
	_ = json.Unmarshal([]byte(plain), &attrs)
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+attrs[k])
	}
	return strings.Join(parts, "; "), nil
}

// revealBudget reads the hourly budget setting.
func (tx *Tx) revealBudget() int {
	var v string
	if err := tx.queryRow(`SELECT value FROM settings WHERE key = ?`, RevealBudgetSetting).Scan(&v); err != nil {
		return DefaultRevealBudget
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return DefaultRevealBudget
	}
	return n
}

// revealDenied records a refused reveal: the attempt, its audit record
// (outcome denied) and, for the first refusal of the worker's hour, the
// security alert.
func (tx *Tx) revealDenied(a linli.Actor, p personRec, ev linli.AuditEvent, budget int, since any) error {
	var prior int
	if err := tx.queryRow(`SELECT COUNT(*) FROM reveals WHERE user_id = ? AND outcome = 'denied' AND at >= ?`, a.UserID, since).Scan(&prior); err != nil {
		return err
	}
	if _, err := tx.exec(`INSERT INTO reveals (user_id, person_id, field, outcome, at) VALUES (?, ?, ?, 'denied', ?)`,
		a.UserID, p.ID, ev.Detail, tx.s.d.t(tx.now)); err != nil {
		return err
	}
	ev.Outcome = linli.OutcomeDenied
	ev.Detail += " budget_exceeded"
	if err := tx.audit(ev); err != nil {
		return err
	}
	if prior > 0 {
		return nil
	}
	alert := auditEvent(a, "security.alert", "alert", "reveal.budget", p.GridID)
	alert.Outcome = linli.OutcomeDenied
	alert.Detail = fmt.Sprintf("reveal budget of %d residents per hour exceeded by user %d (%s)", budget, a.UserID, a.Username)
	return tx.audit(alert)
}

// RecentAlerts lists the latest security alerts, newest first, for the
// security admin (security.policy). It reads only the alert records of the
// audit chain, so it needs no audit.read.
func (s *Store) RecentAlerts(ctx context.Context, a linli.Actor) ([]linli.AuditEvent, error) {
	if !a.Can(linli.PermSecurityPolicy) {
		return nil, linli.ErrNotFound
	}
	rows, err := s.query(ctx, `SELECT seq, at, actor_id, actor_name, role, action, object_type, object_id, area_id,
		outcome, client_ip, request_id, purpose, detail, prev_hash, hash FROM audit
		WHERE object_type = 'alert' AND action = 'security.alert' ORDER BY seq DESC LIMIT 20`)
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

// PersonKeep says which sealed fields an edit leaves as they are: an edit
// form never shows the full ID number or phones, so an empty input means
// "unchanged".
type PersonKeep struct {
	IDNumber bool
	Phones   bool
}

// UpdatePersonKeep is UpdatePerson for a form that did not resend the
// sealed fields: the ID number (when keep.IDNumber and the document type is
// unchanged) and the phones (when keep.Phones) are taken from the record,
// opened inside the store and sealed again; they never leave it. The
// version check of UpdatePerson guards against a change in between.
func (s *Store) UpdatePersonKeep(ctx context.Context, a linli.Actor, id int64, in linli.PersonInput, keep PersonKeep) (linli.Person, error) {
	if !a.Can(linli.PermPersonWrite) {
		return linli.Person{}, linli.ErrForbidden
	}
	if s.keys == nil {
		return linli.Person{}, errNoKeys
	}
	if keep.IDNumber || keep.Phones {
		cond, args := scopeCond("p.path", a.Scope)
		var idType, sealedID string
		err := s.queryRow(ctx, `SELECT p.id_type, p.id_number FROM persons p WHERE p.id = ? AND `+cond,
			append([]any{id}, args...)...).Scan(&idType, &sealedID)
		if err != nil {
			return linli.Person{}, s.mapErr(err)
		}
		if keep.IDNumber && sealedID != "" && (in.IDType == "" || in.IDType == idType) {
			if in.IDNumber, err = s.keys.OpenField(fieldIDNumber, sealedID); err != nil {
				return linli.Person{}, err
			}
			in.IDType = idType
		}
		if keep.Phones {
			rows, err := s.query(ctx, `SELECT phone FROM person_phones WHERE person_id = ? ORDER BY position`, id)
			if err != nil {
				return linli.Person{}, s.mapErr(err)
			}
			var phones []string
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return linli.Person{}, err
				}
				ph, err := s.keys.OpenField(fieldPhone, v)
				if err != nil {
					rows.Close()
					return linli.Person{}, err
				}
				phones = append(phones, ph)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return linli.Person{}, err
			}
			in.Phones = phones
		}
	}
	return s.UpdatePerson(ctx, a, id, in)
}
