package store

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyFrom adds rows to a table with PostgreSQL's COPY, inside the
// transaction (the statement runs on the connection the transaction
// holds). args holds len(cols) values per row. COPY sends the rows as one
// stream in the binary format: no statement to parse, no parameter limit,
// a fraction of the round trips of multi-row INSERTs.
func (tx *Tx) copyFrom(table string, cols []string, args []any) error {
	n := len(cols)
	rows := make([][]any, 0, len(args)/n)
	for i := 0; i+n <= len(args); i += n {
		rows = append(rows, args[i:i+n:i+n])
	}
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: COPY needs the pgx driver, not %T", dc)
		}
		_, err := c.Conn().CopyFrom(tx.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}
