package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CheckKeys opens one sealed value of every sealed column that holds any,
// so that `linli restore` with the wrong key file fails at once instead of
// at the first person page of the restored database.
func (s *Store) CheckKeys(ctx context.Context) error {
	if s.keys == nil {
		return errors.New("no key file given")
	}
	for _, c := range SealedColumns {
		var v string
		err := s.queryRow(ctx, `SELECT `+c.Column+` FROM `+c.Table+` WHERE `+c.Column+` <> '' LIMIT 1`).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s.%s: %w", c.Table, c.Column, err)
		}
		if _, err := s.keys.OpenField(c.Field, v); err != nil {
			return fmt.Errorf("%s.%s cannot be opened with these keys: %w", c.Table, c.Column, err)
		}
	}
	return nil
}
