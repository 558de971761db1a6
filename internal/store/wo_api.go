package store

import (
	"context"

	"github.com/linli-org/linli"
)

// Reads the JSON API needs besides those of the work-order files.

// Callback returns a call-back task in the actor's scope, done or not,
// so that the API can answer 404 for one outside the scope before it
// reads a request body.
func (s *Store) Callback(ctx context.Context, a linli.Actor, id int64) (Callback, error) {
	var c Callback
	if !a.Can(linli.PermWOIntake) {
		return c, linli.ErrNotFound
	}
	cond, args := scopeCond("c.path", a.Scope)
	err := s.queryRow(ctx, `SELECT c.id, c.order_id, o.number, c.reason, c.due_at, c.done_at, c.note, sv.name_zh, o.contact_name
		FROM wo_callbacks c JOIN work_orders o ON o.id = c.order_id JOIN services sv ON sv.id = o.service_id
		WHERE c.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&c.ID, &c.OrderID, &c.Number, &c.Reason, tm{&c.DueAt},
		tm{&c.DoneAt}, &c.Note, &c.Service, &c.Customer)
	return c, s.mapErr(err)
}
