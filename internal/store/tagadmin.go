package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/linli-org/linli"
)

// The tag catalogue's administration (tag.admin): create a tag, change its
// names, class and attributes, retire it and bring it back. Nothing is
// deleted, and the rules keep what is already recorded about people intact:
//
//   - A code never changes once created: person tags, history lines
//     ("tag:<code>"), searches and imports refer to it.
//   - A class may always become more restrictive (ordinary → sensitive →
//     restricted); the attributes already stored in plain text are sealed
//     and the history lines that show them are masked in the same
//     transaction. It may become less restrictive only while the tag has
//     never been on anyone: otherwise data recorded under a stricter rule
//     would be shown to more people than it was recorded for.
//   - An attribute may be added at any time; it may be removed only while
//     no person's tag holds a value for it.
//   - A retired tag can no longer be added to anyone (AddTag refuses it);
//     the tags people already have stay, can still be ended and revealed,
//     and their history stays. A retired tag can be brought back.
//
// Every write appends an audit record in its transaction. The catalogue has
// no version column, so an update is last-write-wins.

// TagInput is what an administrator submits for a tag. Code is read only
// by CreateTag.
type TagInput struct {
	Code   string
	NameZh string
	NameEn string
	Class  string
	Attrs  []string
}

// Limits of the catalogue's fields.
const (
	tagCodeMax   = 40
	tagNameZhMax = 40
	tagNameEnMax = 80
	tagAttrMax   = 30
	tagAttrsMax  = 10
)

// tagClassRank orders the classes from the least to the most restrictive.
func tagClassRank(class string) int {
	switch class {
	case linli.TagOrdinary:
		return 1
	case linli.TagSensitive:
		return 2
	case linli.TagRestricted:
		return 3
	}
	return 0
}

// validTagName reports whether s is a code or an attribute name: a
// lower-case ASCII letter, then lower-case letters, digits and '_'.
func validTagName(s string, max int) bool {
	if s == "" || len(s) > max || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// cleanTagInput trims the input and checks it; the code only when
// withCode. It returns one message per field.
func cleanTagInput(in TagInput, withCode bool) (TagInput, error) {
	v := &linli.ValidationError{}
	in.Code = strings.TrimSpace(in.Code)
	in.NameZh = strings.TrimSpace(in.NameZh)
	in.NameEn = strings.TrimSpace(in.NameEn)
	in.Class = strings.TrimSpace(in.Class)
	if withCode {
		switch {
		case in.Code == "":
			v.Add("code", "tag.code.required")
		case len(in.Code) < 2 || !validTagName(in.Code, tagCodeMax):
			v.Add("code", "tag.code.format", tagCodeMax)
		}
	}
	switch {
	case in.NameZh == "":
		v.Add("name_zh", "tag.name_zh.required")
	case utf8.RuneCountInString(in.NameZh) > tagNameZhMax:
		v.Add("name_zh", "tag.name_zh.too_long", tagNameZhMax)
	}
	if utf8.RuneCountInString(in.NameEn) > tagNameEnMax {
		v.Add("name_en", "tag.name_en.too_long", tagNameEnMax)
	}
	if tagClassRank(in.Class) == 0 {
		v.Add("class", "tag.class.invalid")
	}
	attrs := make([]string, 0, len(in.Attrs))
	for _, a := range in.Attrs {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			continue
		case !validTagName(a, tagAttrMax):
			v.Add("attrs", "tag.attrs.format", a)
		case slices.Contains(attrs, a):
			v.Add("attrs", "tag.attrs.duplicate", a)
		}
		attrs = append(attrs, a)
	}
	if len(attrs) > tagAttrsMax {
		v.Add("attrs", "tag.attrs.too_many", tagAttrsMax)
	}
	in.Attrs = attrs
	return in, v.Err()
}

func attrsJSON(attrs []string) string {
	if attrs == nil {
		attrs = []string{}
	}
	b, _ := json.Marshal(attrs)
	return string(b)
}

// tagForAdmin loads any tag, retired or not, by code.
func (tx *Tx) tagForAdmin(code string) (Tag, error) {
	return scanTag(tx.queryRow(`SELECT `+tagCols+` FROM tags t WHERE t.code = ?`, strings.TrimSpace(code)))
}

// Tag returns one catalogue entry by code, retired ones included, under
// the rules of Tags: restricted tags only for restricted.read or
// tag.admin, else ErrNotFound.
func (s *Store) Tag(ctx context.Context, a linli.Actor, code string) (Tag, error) {
	if !a.Can(linli.PermPersonRead) && !a.Can(linli.PermTagAdmin) {
		return Tag{}, linli.ErrNotFound
	}
	t, err := scanTag(s.queryRow(ctx, `SELECT `+tagCols+` FROM tags t WHERE t.code = ?`, strings.TrimSpace(code)))
	if err != nil {
		return Tag{}, s.mapErr(err)
	}
	if !catalogueShows(a, t) {
		return Tag{}, linli.ErrNotFound
	}
	return t, nil
}

// catalogueShows reports whether the catalogue lists t to the actor: the
// catalogue is configuration, not personal data, so its administrators see
// every entry; others do not see restricted tags without restricted.read.
func catalogueShows(a linli.Actor, t Tag) bool {
	return t.Class != linli.TagRestricted || a.Can(linli.PermRestrictedRead) || a.Can(linli.PermTagAdmin)
}

// CreateTag adds a tag to the catalogue. A code already used, by a live or
// a retired tag, is a conflict (tag.code.taken).
func (s *Store) CreateTag(ctx context.Context, a linli.Actor, in TagInput) (Tag, error) {
	if !a.Can(linli.PermTagAdmin) {
		return Tag{}, linli.ErrForbidden
	}
	in, err := cleanTagInput(in, true)
	if err != nil {
		return Tag{}, err
	}
	var out Tag
	err = s.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM tags WHERE code = ?`, in.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return linli.Conflict("tag.code.taken", in.Code)
		}
		id, err := tx.insert(`INSERT INTO tags (code, name_zh, name_en, class, attrs, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			in.Code, in.NameZh, in.NameEn, in.Class, attrsJSON(in.Attrs), tx.s.d.t(tx.now))
		if err != nil {
			if errors.Is(tx.s.mapErr(err), linli.ErrConflict) {
				return linli.Conflict("tag.code.taken", in.Code)
			}
			return err
		}
		out = Tag{ID: id, Code: in.Code, NameZh: in.NameZh, NameEn: in.NameEn, Class: in.Class, Attrs: in.Attrs}
		ev := auditEvent(a, "tag.create", "tag", id, 0)
		ev.Detail = in.Code + " " + in.Class
		return tx.audit(ev)
	})
	return out, err
}

// UpdateTag changes a live tag's names, class and attributes (the code
// stays). See the rules at the top of this file.
func (s *Store) UpdateTag(ctx context.Context, a linli.Actor, code string, in TagInput) (Tag, error) {
	if !a.Can(linli.PermTagAdmin) {
		return Tag{}, linli.ErrForbidden
	}
	in, err := cleanTagInput(in, false)
	if err != nil {
		return Tag{}, err
	}
	var out Tag
	err = s.write(ctx, func(tx *Tx) error {
		t, err := tx.tagForAdmin(code)
		if err != nil {
			return err
		}
		if t.Retired {
			return linli.Conflict("tag.retired", t.Code)
		}
		var changed []string
		if in.NameZh != t.NameZh {
			changed = append(changed, "name_zh")
		}
		if in.NameEn != t.NameEn {
			changed = append(changed, "name_en")
		}
		if !slices.Equal(in.Attrs, t.Attrs) {
			changed = append(changed, "attrs")
			if err := tx.checkAttrsRemovable(t, in.Attrs); err != nil {
				return err
			}
		}
		if in.Class != t.Class {
			changed = append(changed, "class "+t.Class+">"+in.Class)
			if err := tx.changeTagClass(t, in.Class); err != nil {
				return err
			}
		}
		out = Tag{ID: t.ID, Code: t.Code, NameZh: in.NameZh, NameEn: in.NameEn, Class: in.Class, Attrs: in.Attrs}
		if len(changed) == 0 {
			return nil // nothing to write, nothing to audit
		}
		if _, err := tx.exec(`UPDATE tags SET name_zh = ?, name_en = ?, class = ?, attrs = ? WHERE id = ?`,
			in.NameZh, in.NameEn, in.Class, attrsJSON(in.Attrs), t.ID); err != nil {
			return err
		}
		ev := auditEvent(a, "tag.update", "tag", t.ID, 0)
		ev.Detail = t.Code + ": " + strings.Join(changed, ", ")
		return tx.audit(ev)
	})
	return out, err
}

// tagInUse reports whether the tag has ever been on anyone.
func (tx *Tx) tagInUse(tagID int64) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM (SELECT 1 FROM person_tags WHERE tag_id = ? LIMIT 1) x`, tagID).Scan(&n)
	return n > 0, err
}

// checkAttrsRemovable refuses to drop an attribute of t that some person's
// tag (current or ended) holds a value for.
func (tx *Tx) checkAttrsRemovable(t Tag, keep []string) error {
	var dropped []string
	for _, k := range t.Attrs {
		if !slices.Contains(keep, k) {
			dropped = append(dropped, k)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	rows, err := tx.query(`SELECT attrs, attrs_sealed FROM person_tags WHERE tag_id = ? AND (attrs <> '' OR attrs_sealed <> '')`, t.ID)
	if err != nil {
		return err
	}
	var values []string
	for rows.Next() {
		var plain, sealed string
		if err := rows.Scan(&plain, &sealed); err != nil {
			rows.Close()
			return err
		}
		if sealed != "" {
			values = append(values, "\x00"+sealed)
		} else {
			values = append(values, plain)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, v := range values {
		if sealed, ok := strings.CutPrefix(v, "\x00"); ok {
			if tx.s.keys == nil {
				return errNoKeys
			}
			if v, err = tx.s.keys.OpenField(fieldTagAttrs, sealed); err != nil {
				return err
			}
		}
		m := map[string]string{}
		_ = json.Unmarshal([]byte(v), &m)
		for _, k := range dropped {
			if m[k] != "" {
				return linli.Invalid("attrs", "tag.attrs.in_use", k)
			}
		}
	}
	return nil
}

// changeTagClass applies the class rule: loosening needs a tag that has
// never been used; tightening seals the plain attributes of ordinary tags
// and masks them in the history.
func (tx *Tx) changeTagClass(t Tag, class string) error {
	if tagClassRank(class) < tagClassRank(t.Class) {
		used, err := tx.tagInUse(t.ID)
		if err != nil {
			return err
		}
		if used {
			return linli.Invalid("class", "tag.class.loosen_in_use")
		}
		return nil
	}
	if t.Class != linli.TagOrdinary {
		return nil // sensitive → restricted: the attributes are sealed already
	}
	type plainRow struct {
		id    int64
		attrs string
	}
	rows, err := tx.query(`SELECT id, attrs FROM person_tags WHERE tag_id = ? AND attrs <> ''`, t.ID)
	if err != nil {
		return err
	}
	var plain []plainRow
	for rows.Next() {
		var r plainRow
		if err := rows.Scan(&r.id, &r.attrs); err != nil {
			rows.Close()
			return err
		}
		plain = append(plain, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(plain) > 0 && tx.s.keys == nil {
		return errNoKeys
	}
	for _, r := range plain {
		sealed, err := tx.s.keys.SealField(fieldTagAttrs, r.attrs)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE person_tags SET attrs = '', attrs_sealed = ? WHERE id = ?`, sealed, r.id); err != nil {
			return err
		}
	}
	// History lines of this tag show "date {attributes}"; keep the date,
	// mask the attributes, as lines written under the new class would be.
	type histRow struct {
		id  int64
		val string
	}
	hrows, err := tx.query(`SELECT h.id, h.new_value FROM person_history h
		WHERE h.person_id IN (SELECT person_id FROM person_tags WHERE tag_id = ?) AND h.field = ?`, t.ID, "tag:"+t.Code)
	if err != nil {
		return err
	}
	var hist []histRow
	for hrows.Next() {
		var r histRow
		if err := hrows.Scan(&r.id, &r.val); err != nil {
			hrows.Close()
			return err
		}
		if masked, ok := maskTagHistory(r.val); ok {
			hist = append(hist, histRow{r.id, masked})
		}
	}
	hrows.Close()
	if err := hrows.Err(); err != nil {
		return err
	}
	for _, r := range hist {
		if _, err := tx.exec(`UPDATE person_history SET new_value = ? WHERE id = ?`, r.val, r.id); err != nil {
			return err
		}
	}
	return nil
}

// maskTagHistory masks the attributes of a tag's history value
// ("2026-03-02 {"category":"退役"}" → "2026-03-02 ***"); ok is false when
// the value shows none.
func maskTagHistory(v string) (string, bool) {
	date, rest, found := strings.Cut(v, " ")
	if !found || !strings.HasPrefix(strings.TrimSpace(rest), "{") {
		return v, false
	}
	return date + " ***", true
}

// RetireTag retires a live tag: it can no longer be added to anyone, and
// leaves the counts and the search filters; people's tags and history stay.
func (s *Store) RetireTag(ctx context.Context, a linli.Actor, code string) (Tag, error) {
	return s.setTagRetired(ctx, a, code, true)
}

// UnretireTag brings a retired tag back into use.
func (s *Store) UnretireTag(ctx context.Context, a linli.Actor, code string) (Tag, error) {
	return s.setTagRetired(ctx, a, code, false)
}

func (s *Store) setTagRetired(ctx context.Context, a linli.Actor, code string, retire bool) (Tag, error) {
	if !a.Can(linli.PermTagAdmin) {
		return Tag{}, linli.ErrForbidden
	}
	var out Tag
	err := s.write(ctx, func(tx *Tx) error {
		t, err := tx.tagForAdmin(code)
		if err != nil {
			return err
		}
		action := "tag.retire"
		var at any
		switch {
		case retire && t.Retired:
			return linli.Conflict("tag.retired", t.Code)
		case !retire && !t.Retired:
			return linli.Conflict("tag.not_retired", t.Code)
		case retire:
			at = tx.s.d.t(tx.now)
		default:
			action = "tag.unretire"
		}
		if _, err := tx.exec(`UPDATE tags SET retired_at = ? WHERE id = ?`, at, t.ID); err != nil {
			return err
		}
		t.Retired = retire
		out = t
		ev := auditEvent(a, action, "tag", t.ID, 0)
		ev.Detail = t.Code
		return tx.audit(ev)
	})
	return out, err
}
