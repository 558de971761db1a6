package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// Registry search. Exact ID numbers and phones go through the blind
// indexes on persons and person_phones; everything else through
// person_terms (see migrations/*/0003_search.sql): name bigrams, the
// distinctive bigrams of the address, full pinyin and initials of the name
// (prefix ranges), and the last four digits of each phone. Every term row
// carries the person's grid path, so a lookup is one index range inside
// the actor's scope.
//
// An address bigram is distinctive unless it holds a digit or is one of
// the words nearly every address has (小区, 号楼, 单元…): "幸福里小区1号楼
// 1单元204" is indexed as 幸福 福里 里小, not 13 bigrams. Those made
// most of a person's terms and most of the time of a bulk load, and
// selected nobody. A query picks its first distinctive bigram and checks
// the whole text with LIKE; a query without one ("3号楼", "204") scans
// the scope in id order with LIKE, which is fast in a community and
// slower district-wide.

// pinyinArgs: plain letters, no tones, the most common reading.
var pinyinArgs = pinyin.NewArgs()

// personTerms lists the distinct search terms of a person.
func personTerms(name, address string, phoneMasked []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, g := range bigrams(normText(name)) {
		add("n" + g)
	}
	for _, g := range bigrams(normText(address)) {
		if addressTermOK(g) {
			add("a" + g)
		}
	}
	if py := pinyin.LazyPinyin(name, pinyinArgs); len(py) > 0 {
		var full, initials strings.Builder
		for _, s := range py {
			full.WriteString(s)
			initials.WriteByte(s[0])
		}
		add("p" + full.String())
		// Initials and their prefixes of two letters or more ("zs" and
		// "zsm" for 张少明): a query of initials is one exact term, read
		// in the index's order.
		ini := initials.String()
		for k := 2; k < len(ini); k++ {
			add("i" + ini[:k])
		}
		add("i" + ini)
	}
	for _, pm := range phoneMasked {
		if len(pm) >= 4 && allDigitsStr(pm[len(pm)-4:]) {
			add("t" + pm[len(pm)-4:])
		}
	}
	return out
}

// addressStop are bigrams that nearly every structured address holds.
var addressStop = map[string]bool{"小区": true, "号楼": true, "单元": true, "号院": true, "楼栋": true, "社区": true, "街道": true, "号室": true}

// addressTermOK reports whether an address bigram is indexed: it holds no
// digit and is not an address stop word.
func addressTermOK(g string) bool {
	for _, r := range g {
		if r < utf8.RuneSelf && unicode.IsDigit(r) {
			return false
		}
	}
	return !addressStop[g]
}

// normText lower-cases and drops spaces and punctuation.
func normText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// bigrams lists every pair of consecutive runes.
func bigrams(s string) []string {
	rs := []rune(s)
	if len(rs) < 2 {
		return nil
	}
	out := make([]string, 0, len(rs)-1)
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}

func allDigitsStr(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// indexPerson rewrites the search terms of a person, in the transaction of
// the write that changed them.
func (tx *Tx) indexPerson(p linli.Person) error {
	if _, err := tx.exec(`DELETE FROM person_terms WHERE person_id = ?`, p.ID); err != nil {
		return err
	}
	return tx.insertTerms(p)
}

// insertTerms adds the search terms of a person who has none yet, in one
// statement.
func (tx *Tx) insertTerms(p linli.Person) error {
	terms := personTerms(p.Name, p.Address, p.PhoneMasked)
	args := make([]any, 0, 3*len(terms))
	for _, t := range terms {
		args = append(args, t, p.Path, p.ID)
	}
	return tx.insertRows(`INSERT INTO person_terms (term, path, person_id) VALUES `, 3, args, ` ON CONFLICT DO NOTHING`)
}

// prefixUpper is the exclusive upper bound of the strings starting with p
// (p is ASCII here).
func prefixUpper(p string) string { return p[:len(p)-1] + string(p[len(p)-1]+1) }

const personListCols = `p.id, p.name, p.gender, p.birth_date, p.id_type, p.id_masked, p.reg_type, p.status, p.grid_id, p.path,
	p.address, COALESCE(p.household_id, 0), p.version,
	COALESCE((SELECT ph.phone_masked FROM person_phones ph WHERE ph.person_id = p.id ORDER BY ph.position LIMIT 1), '')`

func scanPersonRow(r scanner) (linli.Person, error) {
	var p linli.Person
	var birth, phone string
	err := r.Scan(&p.ID, &p.Name, &p.Gender, &birth, &p.IDType, &p.IDMasked, &p.RegType, &p.Status, &p.GridID, &p.Path,
		&p.Address, &p.HouseholdID, &p.Version, &phone)
	if birth != "" {
		p.BirthDate, _ = time.Parse("2006-01-02", birth)
	}
	if phone != "" {
		p.PhoneMasked = []string{phone}
	}
	return p, err
}

// SearchPersons finds living (or, with q.Status, other) residents in the
// actor's scope, by id order, masked. Text is an ID number, a phone, the
// last four digits of a phone, pinyin (full or initials, as a prefix), or
// two or more consecutive characters of a name or address.
func (s *Store) SearchPersons(ctx context.Context, a linli.Actor, q linli.PersonQuery) ([]linli.Person, error) {
	if !a.Can(linli.PermPersonRead) {
		return nil, linli.ErrNotFound
	}
	sc := a.Scope
	if q.AreaID != 0 {
		ar, err := s.Area(ctx, a, q.AreaID)
		if err != nil {
			return nil, err
		}
		sc = linli.Scope{AreaIDs: []int64{ar.ID}, Paths: []string{ar.Path}}
	}
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	var from string
	var where []string
	var args []any
	// Text matched through person_terms: one or two sources, see
	// searchTerms.
	var terms []termSource
	text := strings.ReplaceAll(strings.TrimSpace(q.Text), " ", "")
	lower := strings.ToLower(text)
	pathCol := "p.path"
	switch {
	case text == "":
		from = `persons p`
	case (len(text) == 18 || len(text) == 15) && allDigitsStr(strings.TrimRight(strings.ToUpper(text), "X")):
		if s.keys == nil {
			return nil, errSearchNoKeys
		}
		from = `persons p`
		where = append(where, `p.id_number_bidx = ? AND p.id_number_bidx <> ''`)
		args = append(args, s.keys.BlindIndex("person.id_number", seal.NormalizeIDNumber(text)))
	case len(text) == 4 && allDigitsStr(text):
		from, terms = `persons p`, []termSource{{eq: "t" + text}}
	case allDigitsStr(strings.TrimPrefix(linli.NormalizePhone(text), "+")) && len(text) >= 7:
		if s.keys == nil {
			return nil, errSearchNoKeys
		}
		from = `persons p JOIN person_phones ph ON ph.person_id = p.id`
		where = append(where, `ph.phone_bidx = ?`)
		args = append(args, s.keys.BlindIndex("person.phone", linli.NormalizePhone(text)))
	case allLetters(lower):
		if len(lower) < 2 {
			return nil, linli.Invalid("q", "person.search.too_short")
		}
		from, terms = `persons p`, []termSource{{eq: "i" + lower}, {lo: "p" + lower, hi: prefixUpper("p" + lower)}}
	default:
		n := normText(text)
		if utf8.RuneCountInString(n) < 2 {
			return nil, linli.Invalid("q", "person.search.too_short")
		}
		from = `persons p`
		gs := bigrams(n)
		if i := slices.IndexFunc(gs, addressTermOK); i >= 0 {
			terms = []termSource{{eq: "n" + gs[i]}, {eq: "a" + gs[i]}}
		}
		// With no distinctive bigram, the scope is scanned with LIKE.
		if len(gs) > 1 || terms == nil {
			like := "%" + escapeLike(strings.TrimSpace(q.Text)) + "%"
			where = append(where, `(p.name LIKE ? ESCAPE '\' OR p.address LIKE ? ESCAPE '\')`)
			args = append(args, like, like)
		}
	}
	// A tag without text: drive from the open tags of the scope (index
	// person_tags_tag: tag, path, person), in id order within a grid.
	tagDriven := q.TagCode != "" && text == ""
	if tagDriven {
		from, pathCol = `person_tags pt JOIN persons p ON p.id = pt.person_id`, "pt.path"
	}
	cond, cargs := scopeCond(pathCol, sc)
	where = append(where, cond)
	args = append(args, cargs...)
	status := q.Status
	if status == "" {
		status = linli.StatusLiving
	}
	where = append(where, `p.status = ?`)
	args = append(args, status)
	if q.RegType != "" {
		where = append(where, `p.reg_type = ?`)
		args = append(args, q.RegType)
	}
	today := q.Today
	if today.IsZero() {
		today = s.now()
	}
	if q.AgeMin > 0 {
		where = append(where, `p.birth_date <= ?`)
		args = append(args, today.AddDate(-q.AgeMin, 0, 0).Format("2006-01-02"))
	}
	if q.AgeMax > 0 {
		where = append(where, `p.birth_date > ?`)
		args = append(args, today.AddDate(-q.AgeMax-1, 0, 0).Format("2006-01-02"))
	}
	if q.TagCode != "" {
		var class string
		err := s.queryRow(ctx, `SELECT class FROM tags WHERE code = ? AND retired_at IS NULL`, q.TagCode).Scan(&class)
		if err != nil || (class == linli.TagSensitive && !a.Can(linli.PermSensitiveRead)) || (class == linli.TagRestricted && !a.Can(linli.PermRestrictedRead)) {
			// An unknown tag, or one the actor may not see: no one has it.
			return nil, nil
		}
		if tagDriven {
			where = append(where, `pt.tag_id = (SELECT id FROM tags WHERE code = ?) AND pt.until IS NULL`)
			args = append(args, q.TagCode)
		} else {
			where = append(where, `EXISTS (SELECT 1 FROM person_tags pt JOIN tags tg ON tg.id = pt.tag_id WHERE pt.person_id = p.id AND tg.code = ? AND pt.until IS NULL)`)
			args = append(args, q.TagCode)
		}
	}
	if terms != nil {
		return s.searchTerms(ctx, sc, terms, where, args, q.AfterID, limit)
	}
	if q.AfterID > 0 {
		where = append(where, `p.id > ?`)
		args = append(args, q.AfterID)
	}
	sqlq := fmt.Sprintf(`SELECT DISTINCT %s FROM %s WHERE %s ORDER BY p.id LIMIT %d`, personListCols, from, strings.Join(where, " AND "), limit)
	rows, err := s.query(ctx, sqlq, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.Person
	for rows.Next() {
		p, err := scanPersonRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// termSource is one term (eq) or a range of terms [lo, hi) of a search.
type termSource struct{ eq, lo, hi string }

// termKey is a row of person_terms in the index's order after the term:
// the person's grid path, then the person.
type termKey struct {
	path string
	id   int64
}

func (a termKey) less(b termKey) bool { return a.path < b.path || (a.path == b.path && a.id < b.id) }

// searchTerms runs a text search through person_terms. Results come grid
// by grid (by path, then id): for one term that is the order of the
// index (term, path, person_id), so a page costs a short index-only range
// however many people in the scope match — a common name fragment in a
// whole district reads about 1.3 rows per result, not every match. Each source
// (the name and the address bigram; initials and full pinyin) is read in
// chunks and merged here; the persons of a chunk that pass the other
// conditions (where, on p) fill the page. A range of terms (a full-pinyin
// prefix) is sorted by the database, at the cost of its matches.
//
// The cursor is the id of the last person of the previous page; its path
// places it in this order.
func (s *Store) searchTerms(ctx context.Context, sc linli.Scope, terms []termSource, where []string, args []any,
	after int64, limit int) ([]linli.Person, error) {
	cond, cargs := scopeCond("t.path", sc)
	var cur termKey
	if after > 0 {
		if err := s.queryRow(ctx, `SELECT path FROM persons WHERE id = ?`, after).Scan(&cur.path); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, linli.Invalid("cursor", "api.cursor.invalid")
			}
			return nil, s.mapErr(err)
		}
		cur.id = after
	}
	// read returns up to n keys of one source after k, in order, and
	// whether the source may hold more.
	read := func(src termSource, k termKey, n int) ([]termKey, bool, error) {
		tc, targs := `t.term = ?`, []any{src.eq}
		if src.eq == "" {
			tc, targs = `t.term >= ? AND t.term < ?`, []any{src.lo, src.hi}
		}
		q := `SELECT t.path, t.person_id FROM person_terms t WHERE ` + tc + ` AND ` + cond +
			` AND (t.path > ? OR (t.path = ? AND t.person_id > ?)) ORDER BY t.path, t.person_id LIMIT ?`
		// The text depends only on the kind of term and the number of
		// scope paths, so it is prepared once (parsing was a quarter of a
		// community worker's search).
		st, err := s.prepared(ctx, q)
		if err != nil {
			return nil, false, s.mapErr(err)
		}
		rows, err := st.QueryContext(ctx, append(append(targs, cargs...), k.path, k.path, k.id, n)...)
		if err != nil {
			return nil, false, s.mapErr(err)
		}
		defer rows.Close()
		var out []termKey
		for rows.Next() {
			var x termKey
			if err := rows.Scan(&x.path, &x.id); err != nil {
				return nil, false, err
			}
			out = append(out, x)
		}
		return out, len(out) == n, rows.Err()
	}
	var out []linli.Person
	// The first chunk is a little over a page: with no other condition
	// (most searches) it fills the page, and each person of a chunk is a
	// row to read (a district-wide fragment used to read 4 pages' worth
	// of people for one page). Filters that drop many grow it.
	for chunk := limit + limit/4 + 1; ; chunk = min(4*chunk, 1000) {
		// Merge the sources up to the first key any of them may not have
		// reached yet.
		var keys []termKey
		var edge termKey
		bounded := false
		for _, src := range terms {
			ks, more, err := read(src, cur, chunk)
			if err != nil {
				return nil, err
			}
			keys = append(keys, ks...)
			if more && (!bounded || ks[len(ks)-1].less(edge)) {
				edge, bounded = ks[len(ks)-1], true
			}
		}
		slices.SortFunc(keys, func(a, b termKey) int {
			if a.less(b) {
				return -1
			}
			if b.less(a) {
				return 1
			}
			return 0
		})
		var ids []any
		var order []termKey
		for _, k := range keys {
			if bounded && edge.less(k) {
				break
			}
			if len(order) > 0 && order[len(order)-1] == k {
				continue // a person matching both sources
			}
			order = append(order, k)
			ids = append(ids, k.id)
		}
		if len(ids) == 0 {
			return out, nil
		}
		ids = padPow2(ids)
		w := append([]string{`p.id IN (?` + strings.Repeat(`, ?`, len(ids)-1) + `)`}, where...)
		pq := fmt.Sprintf(`SELECT %s FROM persons p WHERE %s`, personListCols, strings.Join(w, " AND "))
		pst, err := s.prepared(ctx, pq)
		if err != nil {
			return nil, s.mapErr(err)
		}
		prow, err := pst.QueryContext(ctx, append(ids, args...)...)
		if err != nil {
			return nil, s.mapErr(err)
		}
		found := map[int64]linli.Person{}
		for prow.Next() {
			p, err := scanPersonRow(prow)
			if err != nil {
				prow.Close()
				return nil, err
			}
			found[p.ID] = p
		}
		prow.Close()
		if err := prow.Err(); err != nil {
			return nil, s.mapErr(err)
		}
		for _, k := range order {
			p, ok := found[k.id]
			if !ok || p.Path != k.path {
				continue // filtered out, or moved since its terms were written
			}
			out = append(out, p)
			if len(out) == limit {
				return out, nil
			}
		}
		if !bounded {
			return out, nil
		}
		cur = order[len(order)-1]
	}
}

// padPow2 pads the values of an IN list (with its first value again) to
// a power of two, at least 8, so that a few statement texts serve every
// length and each is prepared once.
func padPow2(xs []any) []any {
	size := 8
	for size < len(xs) {
		size *= 2
	}
	for len(xs) < size {
		xs = append(xs, xs[0])
	}
	return xs
}

// errSearchNoKeys: the store was opened without the sealing keys.
var errSearchNoKeys = fmt.Errorf("store: opened without sealing keys")
