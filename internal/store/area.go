package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

const areaCols = `id, COALESCE(parent_id, 0), level, name, code, path, retired_at, created_at, updated_at, version`

// areaColsA is areaCols for a table aliased "a".
const areaColsA = `a.id, COALESCE(a.parent_id, 0), a.level, a.name, a.code, a.path, a.retired_at, a.created_at, a.updated_at, a.version`

func scanArea(r scanner) (linli.Area, error) {
	var a linli.Area
	var lvl string
	err := r.Scan(&a.ID, &a.ParentID, &lvl, &a.Name, &a.Code, &a.Path, tm{&a.RetiredAt}, tm{&a.CreatedAt}, tm{&a.UpdatedAt}, &a.Version)
	a.Level = linli.Level(lvl)
	a.Retired = !a.RetiredAt.IsZero()
	return a, err
}

// occupancyCheck counts what still lives in a subtree; a node with any of it
// cannot retire. Later capabilities (the registry) add their own checks.
type occupancyCheck struct {
	key   string // message key: "area.retire.has_staff"…
	query string // counts rows under the path range (?, ?)
}

func defaultOccupancyChecks() []occupancyCheck {
	return []occupancyCheck{
		{"area.retire.has_children", `SELECT COUNT(*) FROM areas WHERE path > ? AND path < ? AND retired_at IS NULL`},
		{"area.retire.has_staff", `SELECT COUNT(DISTINCT u.id) FROM user_scopes us JOIN areas a ON a.id = us.area_id
			JOIN users u ON u.id = us.user_id WHERE a.path >= ? AND a.path < ? AND u.disabled_at IS NULL`},
		{"area.retire.has_org_units", `SELECT COUNT(*) FROM org_units o JOIN areas a ON a.id = o.area_id
			WHERE a.path >= ? AND a.path < ?`},
		{"area.retire.has_people", `SELECT COUNT(*) FROM persons WHERE path >= ? AND path < ? AND status = 'living'`},
	}
}

// Area returns one node in the actor's scope. Retired nodes are returned
// too (history is kept); out of scope is ErrNotFound.
func (s *Store) Area(ctx context.Context, a linli.Actor, id int64) (linli.Area, error) {
	cond, args := scopeCond("path", a.Scope)
	row := s.queryRow(ctx, `SELECT `+areaCols+` FROM areas WHERE id = ? AND `+cond, append([]any{id}, args...)...)
	ar, err := scanArea(row)
	return ar, s.mapErr(err)
}

// AreaFilter narrows an area listing.
type AreaFilter struct {
	ParentID       int64 // direct children of this node
	Level          linli.Level
	IncludeRetired bool
	Query          string // name or code contains
}

// Areas lists nodes in the actor's scope, in tree order (by path).
func (s *Store) Areas(ctx context.Context, a linli.Actor, f AreaFilter) ([]linli.Area, error) {
	cond, args := scopeCond("path", a.Scope)
	q := `SELECT ` + areaCols + ` FROM areas WHERE ` + cond
	if f.ParentID != 0 {
		q += ` AND parent_id = ?`
		args = append(args, f.ParentID)
	}
	if f.Level != "" {
		q += ` AND level = ?`
		args = append(args, string(f.Level))
	}
	if !f.IncludeRetired {
		q += ` AND retired_at IS NULL`
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		q += ` AND (name LIKE ? ESCAPE '\' OR code LIKE ? ESCAPE '\')`
		like := "%" + escapeLike(s) + "%"
		args = append(args, like, like)
	}
	q += ` ORDER BY path`
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.Area
	for rows.Next() {
		ar, err := scanArea(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ar)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// AreaCounts counts the live nodes per level in the actor's scope.
func (s *Store) AreaCounts(ctx context.Context, a linli.Actor) (map[linli.Level]int, error) {
	cond, args := scopeCond("path", a.Scope)
	rows, err := s.query(ctx, `SELECT level, COUNT(*) FROM areas WHERE retired_at IS NULL AND `+cond+` GROUP BY level`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	out := map[linli.Level]int{}
	for rows.Next() {
		var l string
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			return nil, err
		}
		out[linli.Level(l)] = n
	}
	return out, rows.Err()
}

// AreaHistory lists a node's changes, oldest first.
func (s *Store) AreaHistory(ctx context.Context, a linli.Actor, id int64) ([]AreaChange, error) {
	if _, err := s.Area(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT h.action, COALESCE(h.parent_id, 0), h.name, h.code, h.path, COALESCE(u.username, ''), h.at
		FROM area_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.area_id = ? ORDER BY h.id`, id)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []AreaChange
	for rows.Next() {
		var c AreaChange
		if err := rows.Scan(&c.Action, &c.ParentID, &c.Name, &c.Code, &c.Path, &c.Actor, tm{&c.At}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AreaChange is one line of a node's history.
type AreaChange struct {
	Action   string
	ParentID int64
	Name     string
	Code     string
	Path     string
	Actor    string
	At       time.Time
}

// areaForWrite loads a node inside a write transaction, in scope.
func (tx *Tx) area(a linli.Actor, id int64) (linli.Area, error) {
	cond, args := scopeCond("path", a.Scope)
	return scanArea(tx.queryRow(`SELECT `+areaCols+` FROM areas WHERE id = ? AND `+cond, append([]any{id}, args...)...))
}

func (tx *Tx) areaHistory(ar linli.Area, action string, actorID int64) error {
	_, err := tx.exec(`INSERT INTO area_history (area_id, action, parent_id, name, code, path, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ar.ID, action, nullInt(ar.ParentID), ar.Name, ar.Code, ar.Path, nullInt(actorID), tx.s.d.t(tx.now))
	return err
}

func (tx *Tx) codeTaken(code string, except int64) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM areas WHERE code = ? AND retired_at IS NULL AND id <> ?`, code, except).Scan(&n)
	return n > 0, err
}

// CreateArea adds a node under a parent in the actor's scope (a district
// needs the system admin's whole-tree scope: no parent to be in scope of).
func (s *Store) CreateArea(ctx context.Context, a linli.Actor, in linli.AreaInput) (linli.Area, error) {
	if !a.Can(linli.PermAreaManage) {
		return linli.Area{}, linli.ErrForbidden
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Code = strings.TrimSpace(in.Code)
	var out linli.Area
	err := s.write(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.createArea(a, in)
		return err
	})
	return out, err
}

func (tx *Tx) createArea(a linli.Actor, in linli.AreaInput) (linli.Area, error) {
	var parent *linli.Area
	if in.ParentID != 0 {
		p, err := tx.area(a, in.ParentID)
		if err != nil {
			if tx.s.mapErr(err) == linli.ErrNotFound {
				return linli.Area{}, linli.Invalid("parent", "area.parent.not_found")
			}
			return linli.Area{}, err
		}
		parent = &p
	} else if in.Level == linli.LevelDistrict && !a.Can(linli.PermSettingsManage) {
		// A new top-level node is outside every scope but the whole tree's.
		return linli.Area{}, linli.ErrForbidden
	}
	if err := linli.ValidateArea(in, parent); err != nil {
		return linli.Area{}, err
	}
	if taken, err := tx.codeTaken(in.Code, 0); err != nil {
		return linli.Area{}, err
	} else if taken {
		return linli.Area{}, linli.Invalid("code", "area.code.taken")
	}
	ar := linli.Area{ParentID: in.ParentID, Level: in.Level, Name: in.Name, Code: in.Code, CreatedAt: tx.now, UpdatedAt: tx.now, Version: 1}
	id, err := tx.insert(`INSERT INTO areas (parent_id, level, name, code, path, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?)`,
		nullInt(in.ParentID), string(in.Level), in.Name, in.Code, tx.s.d.t(tx.now), tx.s.d.t(tx.now))
	if err != nil {
		return linli.Area{}, err
	}
	ar.ID = id
	ar.Path = "/" + strconv.FormatInt(id, 10) + "/"
	if parent != nil {
		ar.Path = parent.Path + strconv.FormatInt(id, 10) + "/"
	}
	if _, err := tx.exec(`UPDATE areas SET path = ? WHERE id = ?`, ar.Path, id); err != nil {
		return linli.Area{}, err
	}
	if err := tx.areaHistory(ar, "create", a.UserID); err != nil {
		return linli.Area{}, err
	}
	ev := auditEvent(a, "area.create", "area", id, id)
	ev.Detail = string(in.Level)
	return ar, tx.audit(ev)
}

// RenameArea changes a node's name (and, optionally, its code).
func (s *Store) RenameArea(ctx context.Context, a linli.Actor, id int64, name, code string, version int64) (linli.Area, error) {
	if !a.Can(linli.PermAreaManage) {
		return linli.Area{}, linli.ErrForbidden
	}
	name, code = strings.TrimSpace(name), strings.TrimSpace(code)
	var out linli.Area
	err := s.write(ctx, func(tx *Tx) error {
		ar, err := tx.area(a, id)
		if err != nil {
			return err
		}
		if ar.Retired {
			return linli.Conflict("area.retired")
		}
		if version != 0 && version != ar.Version {
			return linli.Conflict("edit.stale")
		}
		var parent *linli.Area
		if ar.ParentID != 0 {
			p, err := scanArea(tx.queryRow(`SELECT `+areaCols+` FROM areas WHERE id = ?`, ar.ParentID))
			if err != nil {
				return err
			}
			parent = &p
		}
		if code == "" {
			code = ar.Code
		}
		if err := linli.ValidateArea(linli.AreaInput{ParentID: ar.ParentID, Level: ar.Level, Name: name, Code: code}, parent); err != nil {
			return err
		}
		if taken, err := tx.codeTaken(code, id); err != nil {
			return err
		} else if taken {
			return linli.Invalid("code", "area.code.taken")
		}
		action := "rename"
		detail := "name"
		if code != ar.Code {
			action, detail = "recode", "code"
			if err := tx.recodeDescendants(ar, code); err != nil {
				return err
			}
		}
		ar.Name, ar.Code, ar.UpdatedAt, ar.Version = name, code, tx.now, ar.Version+1
		if _, err := tx.exec(`UPDATE areas SET name = ?, code = ?, updated_at = ?, version = ? WHERE id = ?`,
			name, code, tx.s.d.t(tx.now), ar.Version, id); err != nil {
			return err
		}
		if err := tx.areaHistory(ar, action, a.UserID); err != nil {
			return err
		}
		ev := auditEvent(a, "area.update", "area", id, id)
		ev.Detail = detail
		out = ar
		return tx.audit(ev)
	})
	return out, err
}

// codePrefixLen is how many leading characters of a node's code its
// descendants share.
func codePrefixLen(l linli.Level) int {
	switch l {
	case linli.LevelDistrict:
		return 6
	case linli.LevelStreet:
		return 9
	default:
		return 12
	}
}

// recodeDescendants rewrites the codes of the live nodes under ar when ar's
// code changes, keeping the rule that a child's code starts with its
// parent's.
func (tx *Tx) recodeDescendants(ar linli.Area, newCode string) error {
	n := codePrefixLen(ar.Level)
	if len(newCode) < n || len(ar.Code) < n || newCode[:n] == ar.Code[:n] {
		return nil
	}
	rows, err := tx.query(`SELECT `+areaCols+` FROM areas WHERE path > ? AND path < ? AND retired_at IS NULL ORDER BY path`, ar.Path, pathUpper(ar.Path))
	if err != nil {
		return err
	}
	var desc []linli.Area
	for rows.Next() {
		d, err := scanArea(rows)
		if err != nil {
			rows.Close()
			return err
		}
		desc = append(desc, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range desc {
		if len(d.Code) < n {
			continue
		}
		d.Code = newCode[:n] + d.Code[n:]
		if taken, err := tx.codeTaken(d.Code, d.ID); err != nil {
			return err
		} else if taken {
			return linli.Conflict("area.code.descendant_taken", d.Code)
		}
		d.Version++
		if _, err := tx.exec(`UPDATE areas SET code = ?, updated_at = ?, version = ? WHERE id = ?`, d.Code, tx.s.d.t(tx.now), d.Version, d.ID); err != nil {
			return err
		}
		if err := tx.areaHistory(d, "recode", 0); err != nil {
			return err
		}
	}
	return nil
}

// MoveArea moves a node (and its subtree) under a new parent of the right
// level. Both must be in the actor's scope. The node's code changes to
// newCode, which must fit the new parent; descendants are re-coded.
func (s *Store) MoveArea(ctx context.Context, a linli.Actor, id, newParentID int64, newCode string) (linli.Area, error) {
	if !a.Can(linli.PermAreaManage) {
		return linli.Area{}, linli.ErrForbidden
	}
	newCode = strings.TrimSpace(newCode)
	var out linli.Area
	err := s.write(ctx, func(tx *Tx) error {
		ar, err := tx.area(a, id)
		if err != nil {
			return err
		}
		if ar.Retired {
			return linli.Conflict("area.retired")
		}
		np, err := tx.area(a, newParentID)
		if err != nil {
			if tx.s.mapErr(err) == linli.ErrNotFound {
				return linli.Invalid("parent", "area.parent.not_found")
			}
			return err
		}
		if key := linli.CanMove(ar, np); key != "" {
			return linli.Invalid("parent", key)
		}
		if newCode == "" {
			newCode = ar.Code
		}
		if key := linli.CheckAreaCode(ar.Level, newCode, &np); key != "" {
			return linli.Invalid("code", key)
		}
		if taken, err := tx.codeTaken(newCode, id); err != nil {
			return err
		} else if taken {
			return linli.Invalid("code", "area.code.taken")
		}
		if err := tx.recodeDescendants(ar, newCode); err != nil {
			return err
		}
		oldPath := ar.Path
		newPath := np.Path + strconv.FormatInt(id, 10) + "/"
		// Rewrite the paths of the whole subtree: new prefix + the rest.
		if _, err := tx.exec(`UPDATE areas SET path = CAST(? AS TEXT) || SUBSTR(path, CAST(? AS INTEGER)) WHERE path >= ? AND path < ?`,
			newPath, len(oldPath)+1, oldPath, pathUpper(oldPath)); err != nil {
			return err
		}
		ar.ParentID, ar.Code, ar.Path, ar.UpdatedAt, ar.Version = newParentID, newCode, newPath, tx.now, ar.Version+1
		if _, err := tx.exec(`UPDATE areas SET parent_id = ?, code = ?, updated_at = ?, version = ? WHERE id = ?`,
			newParentID, newCode, tx.s.d.t(tx.now), ar.Version, id); err != nil {
			return err
		}
		if err := tx.areaHistory(ar, "move", a.UserID); err != nil {
			return err
		}
		ev := auditEvent(a, "area.move", "area", id, id)
		ev.Detail = fmt.Sprintf("parent %d", newParentID)
		out = ar
		return tx.audit(ev)
	})
	return out, err
}

// RetireArea retires a node that no longer has live children, staff,
// organisations or living residents. Nothing is deleted.
func (s *Store) RetireArea(ctx context.Context, a linli.Actor, id int64) error {
	if !a.Can(linli.PermAreaManage) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		ar, err := tx.area(a, id)
		if err != nil {
			return err
		}
		if ar.Retired {
			return linli.Conflict("area.retired")
		}
		for _, c := range tx.s.retire {
			var n int
			if err := tx.queryRow(c.query, ar.Path, pathUpper(ar.Path)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return linli.Conflict(c.key, n)
			}
		}
		ar.Retired, ar.RetiredAt = true, tx.now
		if _, err := tx.exec(`UPDATE areas SET retired_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			tx.s.d.t(tx.now), tx.s.d.t(tx.now), id); err != nil {
			return err
		}
		if err := tx.areaHistory(ar, "retire", a.UserID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "area.retire", "area", id, id))
	})
}
