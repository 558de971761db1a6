package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/linli-org/linli"
)

// AreaByCode finds a live node by its code, in the actor's scope.
func (s *Store) AreaByCode(ctx context.Context, a linli.Actor, code string) (linli.Area, error) {
	cond, args := scopeCond("path", a.Scope)
	ar, err := scanArea(s.queryRow(ctx, `SELECT `+areaCols+` FROM areas WHERE code = ? AND retired_at IS NULL AND `+cond,
		append([]any{strings.TrimSpace(code)}, args...)...))
	return ar, s.mapErr(err)
}

// UserIDByName finds an account id by login name (console use).
func (s *Store) UserIDByName(ctx context.Context, username string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, `SELECT id FROM users WHERE username = ?`, strings.ToLower(strings.TrimSpace(username))).Scan(&id)
	return id, s.mapErr(err)
}

// SealedColumn is a column holding sealed values, with the field name
// bound into each ciphertext.
type SealedColumn struct{ Table, Column, Field string }

// SealedColumns lists every sealed column; `linli keys rotate` re-encrypts
// them. Later capabilities (the registry) add theirs here.
var SealedColumns = []SealedColumn{
	{"users", "password_hash", "user.password"},
	{"users", "totp_secret", "user.totp"},
	{"persons", "id_number", fieldIDNumber},
	{"person_phones", "phone", fieldPhone},
	{"person_tags", "attrs_sealed", fieldTagAttrs},
	{"certificates", "body_sealed", fieldCertBody},
}

// Reseal re-encrypts every sealed value that reseal says has changed,
// table by table, each in one transaction. It returns how many values it
// rewrote.
func (s *Store) Reseal(ctx context.Context, reseal func(field, sealed string) (string, bool, error)) (int, error) {
	total := 0
	for _, c := range SealedColumns {
		err := s.write(ctx, func(tx *Tx) error {
			rows, err := tx.query(`SELECT id, ` + c.Column + ` FROM ` + c.Table + ` WHERE ` + c.Column + ` <> ''`)
			if err != nil {
				return err
			}
			type upd struct {
				id int64
				v  string
			}
			var ups []upd
			for rows.Next() {
				var u upd
				if err := rows.Scan(&u.id, &u.v); err != nil {
					rows.Close()
					return err
				}
				nv, changed, err := reseal(c.Field, u.v)
				if err != nil {
					rows.Close()
					return fmt.Errorf("%s.%s id %d: %w", c.Table, c.Column, u.id, err)
				}
				if changed {
					ups = append(ups, upd{u.id, nv})
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, u := range ups {
				if _, err := tx.exec(`UPDATE `+c.Table+` SET `+c.Column+` = ? WHERE id = ?`, u.v, u.id); err != nil {
					return err
				}
			}
			total += len(ups)
			if len(ups) > 0 {
				ev := auditEvent(linli.ConsoleActor(), "keys.reseal", c.Table, c.Column, 0)
				ev.Detail = fmt.Sprintf("rows=%d", len(ups))
				return tx.audit(ev)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Backup writes a consistent online copy of a SQLite database to path
// with VACUUM INTO; writers keep working meanwhile. PostgreSQL deployments
// use pg_dump or base backups instead.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.d.pg() {
		return errors.New("backup: use pg_dump (or pg_basebackup with WAL archiving) for PostgreSQL; see docs/OPERATIONS.md")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	// A connection of its own: VACUUM INTO reads in one read transaction,
	// which in WAL mode does not hold up the writer.
	conn, err := sql.Open("sqlite", "file:"+s.sqlPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return os.Chmod(path, 0o600)
}

// IntegrityCheck runs SQLite's integrity and foreign-key checks; it returns
// nil on PostgreSQL.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.d.pg() {
		return nil
	}
	var res string
	if err := s.rdb.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity_check: %s", res)
	}
	rows, err := s.rdb.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		return errors.New("foreign_key_check found violations")
	}
	return rows.Err()
}

// CountSealed counts the rows with a sealed value, to notice a missing key
// file before new keys make the data unreadable.
func (s *Store) CountSealed(ctx context.Context) (int, error) {
	total := 0
	for _, c := range SealedColumns {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM `+c.Table+` WHERE `+c.Column+` <> ''`).Scan(&n); err != nil {
			return 0, s.mapErr(err)
		}
		total += n
	}
	return total, nil
}

// SchemaDump describes the schema as text: tables with their columns,
// indexes and triggers, in a stable order.
func (s *Store) SchemaDump(ctx context.Context) (string, error) {
	var b strings.Builder
	if !s.d.pg() {
		rows, err := s.rdb.QueryContext(ctx, `SELECT type, name, COALESCE(sql, '') FROM sqlite_master
			WHERE name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		for rows.Next() {
			var typ, name, sql string
			if err := rows.Scan(&typ, &name, &sql); err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "-- %s %s\n%s;\n\n", typ, name, sql)
		}
		return b.String(), rows.Err()
	}
	q := []struct{ title, sql string }{
		{"columns", `SELECT table_name || '.' || column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END ||
			COALESCE(' DEFAULT ' || column_default, '') FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`},
		{"constraints", `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = current_schema()::regnamespace ORDER BY conrelid::regclass::text, conname`},
		{"indexes", `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY tablename, indexname`},
		{"triggers", `SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
			WHERE NOT tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1`},
	}
	for _, x := range q {
		fmt.Fprintf(&b, "-- %s\n", x.title)
		rows, err := s.rdb.QueryContext(ctx, x.sql)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return "", err
			}
			// Schema names differ per test run; keep the dump stable.
			line = strings.ReplaceAll(line, currentSchemaPrefix(ctx, s), "")
			b.WriteString(line + "\n")
		}
		rows.Close()
		b.WriteString("\n")
	}
	return b.String(), nil
}

func currentSchemaPrefix(ctx context.Context, s *Store) string {
	var sc string
	if err := s.rdb.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&sc); err != nil || sc == "public" {
		return "\x00"
	}
	return sc + "."
}
