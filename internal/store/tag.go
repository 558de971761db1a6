package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// Tags drive services: elderly living alone, disability, 低保… Each tag has
// a class. Sensitive tags (health, disability, income) are seen only with
// sensitive.read; restricted tags (community correction, release,
// rehabilitation) only with restricted.read, are left out of everyone
// else's lists and counts, and every view of them is audited with its
// purpose. Attributes of sensitive and restricted tags are sealed.

// Tag is a catalogue entry.
type Tag struct {
	ID      int64
	Code    string
	NameZh  string
	NameEn  string
	Class   string
	Attrs   []string // attribute names, e.g. "type", "level"
	Retired bool
}

// PersonTag is a tag on a person, with its attributes.
type PersonTag struct {
	ID       int64
	PersonID int64
	Tag      Tag
	Attrs    map[string]string
	Since    time.Time
	Until    time.Time // zero while the tag holds
	Source   string
	Note     string
}

// TagCount is the number of living people with a tag. Suppressed is set
// (and Count is 0) when a small count of a sensitive tag is hidden: show
// it as "<5".
type TagCount struct {
	Tag        Tag
	Count      int
	Suppressed bool
}

// SuppressBelow is the count under which a sensitive tag's count is shown
// as "<5" to those without sensitive.read.
const SuppressBelow = 5

// canSeeClass reports whether the actor may see tags of a class.
func canSeeClass(a linli.Actor, class string) bool {
	switch class {
	case linli.TagOrdinary:
		return true
	case linli.TagSensitive:
		return a.Can(linli.PermSensitiveRead) || a.Can(linli.PermRestrictedRead)
	case linli.TagRestricted:
		return a.Can(linli.PermRestrictedRead)
	}
	return false
}

const tagCols = `t.id, t.code, t.name_zh, t.name_en, t.class, t.attrs, t.retired_at`

func scanTag(r scanner, extra ...any) (Tag, error) {
	var t Tag
	var attrs string
	var retired time.Time
	err := r.Scan(append([]any{&t.ID, &t.Code, &t.NameZh, &t.NameEn, &t.Class, &attrs, tm{&retired}}, extra...)...)
	if err != nil {
		return t, err
	}
	_ = json.Unmarshal([]byte(attrs), &t.Attrs)
	t.Retired = !retired.IsZero()
	return t, nil
}

// Tags lists the catalogue, retired tags included; restricted tags only
// for restricted.read and for the catalogue's administrators (tag.admin),
// to whom it is configuration: they see no people and no counts.
func (s *Store) Tags(ctx context.Context, a linli.Actor) ([]Tag, error) {
	if !a.Can(linli.PermPersonRead) && !a.Can(linli.PermTagAdmin) {
		return nil, linli.ErrNotFound
	}
	rows, err := s.query(ctx, `SELECT `+tagCols+` FROM tags t ORDER BY t.id`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		t, err := scanTag(rows)
		if err != nil {
			return nil, err
		}
		if !catalogueShows(a, t) {
			continue
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// tagClasses maps every tag code to its class.
func (s *Store) tagClasses(ctx context.Context) (map[string]string, error) {
	rows, err := s.query(ctx, `SELECT code, class FROM tags`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var c, cl string
		if err := rows.Scan(&c, &cl); err != nil {
			return nil, err
		}
		m[c] = cl
	}
	return m, rows.Err()
}

// tagByCode loads a tag the actor may see, retired or not (a retired
// tag's existing person tags can still be ended and revealed; AddTag
// refuses it); others are ErrNotFound.
func (tx *Tx) tagByCode(a linli.Actor, code string) (Tag, error) {
	t, err := scanTag(tx.queryRow(`SELECT `+tagCols+` FROM tags t WHERE t.code = ?`, strings.TrimSpace(code)))
	if err != nil {
		return t, err
	}
	if !canSeeClass(a, t.Class) {
		return t, linli.ErrNotFound
	}
	return t, nil
}

// AddTag puts a tag on a living person of the actor's scope from since
// (today when zero). Sensitive tags need sensitive.read, restricted ones
// restricted.read (otherwise the tag does not exist: ErrNotFound).
// A retired tag is refused (tag.code.retired on the code). Attributes must be
// among the tag's; those of sensitive and restricted tags are sealed, and
// the history shows them masked.
func (s *Store) AddTag(ctx context.Context, a linli.Actor, personID int64, code string, attrs map[string]string, since time.Time, source, note string) (PersonTag, error) {
	if !a.Can(linli.PermPersonWrite) {
		return PersonTag{}, linli.ErrForbidden
	}
	if s.keys == nil {
		return PersonTag{}, errNoKeys
	}
	source, note = strings.TrimSpace(source), strings.TrimSpace(note)
	if source == "" {
		source = linli.SourceWorker
	}
	var out PersonTag
	err := s.write(ctx, func(tx *Tx) error {
		t, err := tx.tagByCode(a, code)
		if err != nil {
			return err
		}
		if t.Retired {
			return linli.Invalid("code", "tag.code.retired")
		}
		p, err := tx.person(a, personID)
		if err != nil {
			return err
		}
		if p.Status != linli.StatusLiving {
			return linli.Conflict("tag.person_not_living")
		}
		clean := map[string]string{}
		for k, v := range attrs {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if !slices.Contains(t.Attrs, k) {
				return linli.Invalid("attrs", "tag.attr.unknown", k)
			}
			clean[k] = v
		}
		var plain, sealed string
		if len(clean) > 0 {
			b, _ := json.Marshal(clean)
			plain = string(b)
			if t.Class != linli.TagOrdinary {
				if sealed, err = tx.s.keys.SealField(fieldTagAttrs, plain); err != nil {
					return err
				}
				plain = ""
			}
		}
		d := dateOf(tx.now)
		if !since.IsZero() {
			d = dateOf(since)
		}
		id, err := tx.insert(`INSERT INTO person_tags (person_id, tag_id, attrs, attrs_sealed, since, source, note, path, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, t.ID, plain, sealed, dateStr(d), source, note, p.Path, tx.s.d.t(tx.now))
		if err != nil {
			if errors.Is(tx.s.mapErr(err), linli.ErrConflict) {
				return linli.Conflict("tag.already")
			}
			return err
		}
		shown := plain
		if sealed != "" {
			shown = "***"
		}
		if err := tx.personHistory(p.ID, "tag:"+t.Code, "", strings.TrimSpace(dateStr(d)+" "+shown), source, note, a.UserID); err != nil {
			return err
		}
		out = PersonTag{ID: id, PersonID: p.ID, Tag: t, Attrs: clean, Since: d, Source: source, Note: note}
		ev := auditEvent(a, "tag.add", "person", p.ID, p.GridID)
		ev.Detail = t.Code
		return tx.audit(ev)
	})
	return out, err
}

// EndTag ends a person's open tag at until (today when zero).
func (s *Store) EndTag(ctx context.Context, a linli.Actor, personID int64, code string, until time.Time, note string) error {
	if !a.Can(linli.PermPersonWrite) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		t, err := tx.tagByCode(a, code)
		if err != nil {
			return err
		}
		p, err := tx.person(a, personID)
		if err != nil {
			return err
		}
		d := dateOf(tx.now)
		if !until.IsZero() {
			d = dateOf(until)
		}
		var ptID int64
		var since time.Time
		err = tx.queryRow(`SELECT id, since FROM person_tags WHERE person_id = ? AND tag_id = ? AND until IS NULL`, p.ID, t.ID).Scan(&ptID, dt{&since})
		if errors.Is(err, sql.ErrNoRows) {
			return linli.ErrNotFound
		} else if err != nil {
			return err
		}
		if d.Before(since) {
			return linli.Invalid("until", "tag.until.before_since")
		}
		if _, err := tx.exec(`UPDATE person_tags SET until = ? WHERE id = ?`, dateStr(d), ptID); err != nil {
			return err
		}
		if err := tx.personHistory(p.ID, "tag:"+t.Code, dateStr(since), "until "+dateStr(d), linli.SourceWorker, strings.TrimSpace(note), a.UserID); err != nil {
			return err
		}
		ev := auditEvent(a, "tag.end", "person", p.ID, p.GridID)
		ev.Detail = t.Code
		return tx.audit(ev)
	})
}

// PersonTags lists a person's tags (current and ended) that the actor may
// see, with their attributes. When restricted tags are among them, the view
// is audited ("tag.view") with purpose before anything is returned.
func (s *Store) PersonTags(ctx context.Context, a linli.Actor, personID int64, purpose string) ([]PersonTag, error) {
	if s.keys == nil {
		return nil, errNoKeys
	}
	p, err := s.Person(ctx, a, personID)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT `+tagCols+`, pt.id, pt.attrs, pt.attrs_sealed, pt.since, pt.until, pt.source, pt.note
		FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.person_id = ? ORDER BY pt.id`, p.ID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []PersonTag
	var restricted []string
	for rows.Next() {
		var pt PersonTag
		var plain, sealed string
		t, err := scanTag(rows, &pt.ID, &plain, &sealed, dt{&pt.Since}, dt{&pt.Until}, &pt.Source, &pt.Note)
		if err != nil {
			return nil, err
		}
		if !canSeeClass(a, t.Class) {
			continue
		}
		if sealed != "" {
			if plain, err = s.keys.OpenField(fieldTagAttrs, sealed); err != nil {
				return nil, err
			}
		}
		pt.Attrs = map[string]string{}
		if plain != "" {
			_ = json.Unmarshal([]byte(plain), &pt.Attrs)
		}
		pt.PersonID, pt.Tag = p.ID, t
		if t.Class == linli.TagRestricted {
			restricted = append(restricted, t.Code)
		}
		out = append(out, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(restricted) > 0 {
		ev := auditEvent(a, "tag.view", "person", p.ID, p.GridID)
		ev.Purpose = strings.TrimSpace(purpose)
		ev.Detail = strings.Join(restricted, ",")
		if err := s.Audit(ctx, ev); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountByTag counts the living people with each open tag under an area
// (the whole scope when areaID is 0). Restricted tags are left out unless
// the actor has restricted.read; counts of sensitive tags under
// SuppressBelow are suppressed for those without sensitive.read.
func (s *Store) CountByTag(ctx context.Context, a linli.Actor, areaID int64) ([]TagCount, error) {
	if !a.Can(linli.PermPersonRead) {
		return nil, linli.ErrNotFound
	}
	cond, args := scopeCond("pt.path", a.Scope)
	if areaID != 0 {
		ar, err := s.Area(ctx, a, areaID)
		if err != nil {
			return nil, err
		}
		cond += ` AND pt.path >= ? AND pt.path < ?`
		args = append(args, ar.Path, pathUpper(ar.Path))
	}
	tags, err := s.Tags(ctx, a)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT pt.tag_id, COUNT(*) FROM person_tags pt JOIN persons p ON p.id = pt.person_id
		WHERE pt.until IS NULL AND p.status = 'living' AND `+cond+` GROUP BY pt.tag_id`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	counts := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []TagCount
	for _, t := range tags {
		if t.Retired || (t.Class == linli.TagRestricted && !a.Can(linli.PermRestrictedRead)) {
			continue
		}
		c := TagCount{Tag: t, Count: counts[t.ID]}
		if t.Class == linli.TagSensitive && !canSeeClass(a, t.Class) && c.Count < SuppressBelow {
			c.Count, c.Suppressed = 0, true
		}
		out = append(out, c)
	}
	return out, nil
}
