package store

import (
	"context"
	"strings"

	"github.com/linli-org/linli"
)

// Small reads for the staff pages of work orders (internal/web/wo_staff*.go).

// MayAct reports whether the actor may do act to o, by the same rule Act
// applies (whether the transition table allows it from o's state is a
// separate question: see linli.Transitions). Pages use it to offer only
// the forms that would succeed; Act stays the real check.
func MayAct(a linli.Actor, o linli.WorkOrder, act linli.WOAction) bool { return mayAct(a, o, act) }

// AllowedActions lists the actions the transition table allows from o's
// state and the actor may do, in the order of linli's action list.
func AllowedActions(a linli.Actor, o linli.WorkOrder) []linli.WOAction {
	var out []linli.WOAction
	for _, act := range woActionOrder {
		if _, ok := linli.Transitions[o.State][act]; ok && mayAct(a, o, act) {
			out = append(out, act)
		}
	}
	return out
}

// woActionOrder is the order in which pages offer actions.
var woActionOrder = []linli.WOAction{
	linli.ActAnswer, linli.ActDispatch, linli.ActSign, linli.ActContact, linli.ActResolve, linli.ActRequestReturn,
	linli.ActApproveReturn, linli.ActRejectReturn, linli.ActRequestExtension, linli.ActGrantExtension, linli.ActDenyExtension,
	linli.ActDefer, linli.ActResume, linli.ActRate, linli.ActArchive, linli.ActMarkDuplicate, linli.ActWithdraw, linli.ActVoid,
}

// DispatchUnits lists the org units a clerk may send an order to: those
// whose area is inside the actor's scope or above it (the street office,
// the district's departments), in tree order. Only for wo.intake.
func (s *Store) DispatchUnits(ctx context.Context, a linli.Actor) ([]linli.OrgUnit, error) {
	if !a.Can(linli.PermWOIntake) {
		return nil, linli.ErrNotFound
	}
	cond, args := scopeCond("a.path", a.Scope)
	var above []string
	for _, p := range a.Scope.Paths {
		for _, q := range pathPrefixes(p) {
			if q != p {
				above = append(above, q)
			}
		}
	}
	if len(above) > 0 {
		cond = "(" + cond + " OR a.path IN (?" + strings.Repeat(", ?", len(above)-1) + "))"
		for _, q := range above {
			args = append(args, q)
		}
	}
	rows, err := s.query(ctx, `SELECT o.id, o.name, o.kind, o.area_id, o.email, COALESCE(o.supervisor_id, 0) FROM org_units o
		JOIN areas a ON a.id = o.area_id WHERE `+cond+` ORDER BY a.path, o.name`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []linli.OrgUnit
	for rows.Next() {
		var o linli.OrgUnit
		if err := rows.Scan(&o.ID, &o.Name, &o.Kind, &o.AreaID, &o.Email, &o.SupervisorID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// WOAreaNames returns the names of the areas of orders the actor has
// already been shown (the place column of lists), by area id. It reads
// names only: callers pass ids of orders the store let the actor see.
func (s *Store) WOAreaNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	seen := map[int64]bool{}
	var args []any
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT id, name FROM areas WHERE id IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}
