package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/linli-org/linli"
)

// AreaRow is one data row of an area import. Row is its number in the file
// (1 for the first row after the header), for the error report.
type AreaRow struct {
	Row        int
	Level      linli.Level
	Code       string
	Name       string
	ParentCode string // "" for a district
}

// RowError is one problem of one import row: the field it concerns and a
// message key with its arguments.
type RowError struct {
	Row   int
	Code  string
	Field string
	Key   string
	Args  []any
}

// errImportFailed rolls the import transaction back when a row failed.
var errImportFailed = errors.New("import: rows failed")

// ImportAreas creates a whole tree (or a part of one) in one transaction.
// A row's parent is a node created by an earlier row or a live node in the
// actor's scope, named by its code. Every row is validated, so the report
// is complete; when any row fails nothing is written and rowErrs lists the
// problems (err is nil). Each node gets its own history line and audit
// record, and the import one "area.import" record with the count.
func (s *Store) ImportAreas(ctx context.Context, a linli.Actor, rows []AreaRow) (created int, rowErrs []RowError, err error) {
	if !a.Can(linli.PermAreaManage) {
		return 0, nil, linli.ErrForbidden
	}
	if len(rows) == 0 {
		return 0, nil, nil
	}
	err = s.write(ctx, func(tx *Tx) error {
		created, rowErrs = 0, nil
		made := map[string]int64{}  // code → id of the nodes this import created
		failed := map[string]bool{} // codes of the rows that failed
		fail := func(r AreaRow, field, key string, args ...any) {
			rowErrs = append(rowErrs, RowError{Row: r.Row, Code: r.Code, Field: field, Key: key, Args: args})
			failed[r.Code] = true
		}
		for _, r := range rows {
			r.Code = strings.TrimSpace(r.Code)
			r.ParentCode = strings.TrimSpace(r.ParentCode)
			in := linli.AreaInput{Level: r.Level, Name: strings.TrimSpace(r.Name), Code: r.Code}
			switch {
			case r.ParentCode != "":
				if id, ok := made[r.ParentCode]; ok {
					in.ParentID = id
					break
				}
				if failed[r.ParentCode] {
					fail(r, "parent", "area.import.parent_failed", r.ParentCode)
					continue
				}
				id, err := tx.liveAreaIDByCode(a, r.ParentCode)
				if errors.Is(tx.s.mapErr(err), linli.ErrNotFound) {
					fail(r, "parent", "area.import.parent_unknown", r.ParentCode)
					continue
				}
				if err != nil {
					return err
				}
				in.ParentID = id
			case in.Level == linli.LevelDistrict && !a.Can(linli.PermSettingsManage):
				// Only the whole tree's holder may add a top-level node.
				fail(r, "parent", "area.import.district_forbidden")
				continue
			}
			ar, err := tx.createArea(a, in)
			var ve *linli.ValidationError
			if errors.As(err, &ve) {
				for _, fe := range ve.Fields {
					fail(r, fe.Field, fe.Key, fe.Args...)
				}
				continue
			}
			if err != nil {
				return err
			}
			made[ar.Code] = ar.ID
			created++
		}
		if len(rowErrs) > 0 {
			return errImportFailed
		}
		ev := auditEvent(a, "area.import", "area", "", 0)
		ev.Detail = fmt.Sprintf("created=%d", created)
		return tx.audit(ev)
	})
	if errors.Is(err, errImportFailed) {
		return 0, rowErrs, nil
	}
	if err != nil {
		return 0, nil, err
	}
	return created, nil, nil
}

// liveAreaIDByCode finds a live node in the actor's scope by its code.
func (tx *Tx) liveAreaIDByCode(a linli.Actor, code string) (int64, error) {
	cond, args := scopeCond("path", a.Scope)
	var id int64
	err := tx.queryRow(`SELECT id FROM areas WHERE code = ? AND retired_at IS NULL AND `+cond, append([]any{code}, args...)...).Scan(&id)
	return id, err
}
