// Package linli holds the domain of the linli community services platform:
// the acting user and their scope, the area tree, accounts and roles, the
// audit record, and the errors every layer shares. It imports only the
// standard library: no SQL, no HTTP.
package linli

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors. Stores and handlers wrap them; the web and API layers map
// them to status codes through one table each.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid input")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	ErrLocked       = errors.New("account locked")
	ErrRateLimited  = errors.New("too many requests")
	ErrUnavailable  = errors.New("temporarily unavailable")
)

// FieldError is one message about one input field. Key is a message key in
// the locale catalogs; Args fill its placeholders.
type FieldError struct {
	Field string
	Key   string
	Args  []any
}

// ValidationError carries one message per field. It unwraps to ErrInvalid.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Key)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Add records a message for field unless the field already has one: a form
// shows the first problem of each field.
func (e *ValidationError) Add(field, key string, args ...any) {
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	e.Fields = append(e.Fields, FieldError{Field: field, Key: key, Args: args})
}

// Has reports whether field has a message.
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when no field has a message, else e.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid is a shortcut for a one-field validation error.
func Invalid(field, key string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, key, args...)
	return v
}

// ConflictError is a conflict with a message key for the user, e.g. a
// duplicate code, or a node that cannot retire while people live in it.
type ConflictError struct {
	Key  string
	Args []any
}

func (e *ConflictError) Error() string { return fmt.Sprintf("conflict: %s %v", e.Key, e.Args) }
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Conflict builds a ConflictError.
func Conflict(key string, args ...any) error { return &ConflictError{Key: key, Args: args} }

// Actor is the user (or system token) on whose behalf a store method runs.
// It is built from the session or API token, never from request parameters.
type Actor struct {
	UserID    int64
	Username  string
	TokenID   int64 // set when the actor is an API token
	Roles     []Role
	Scope     Scope
	OrgUnitID int64
	IP        string
	RequestID string
	perms     map[Permission]bool
}

// NewActor builds an actor and precomputes its permission set.
func NewActor(userID int64, username string, roles []Role, scope Scope) Actor {
	a := Actor{UserID: userID, Username: username, Roles: roles, Scope: scope}
	a.perms = PermissionsOf(roles)
	return a
}

// Can reports whether the actor holds permission p.
func (a Actor) Can(p Permission) bool { return a.perms[p] }

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Permissions lists the actor's permissions, sorted.
func (a Actor) Permissions() []Permission {
	out := make([]Permission, 0, len(a.perms))
	for p := range a.perms {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// RoleNames is the actor's roles as a comma-separated list (for the audit record).
func (a Actor) RoleNames() string {
	s := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// Scope is the set of area nodes an actor may see. A node includes its
// descendants. Paths are the materialised paths of the nodes ("/1/4/9/"), so
// "in scope" is a prefix test that SQL can do with LIKE on an index.
type Scope struct {
	AreaIDs []int64
	Paths   []string
}

// Empty reports whether the scope covers no area at all.
func (s Scope) Empty() bool { return len(s.Paths) == 0 }

// Contains reports whether the node with materialised path p is in scope.
func (s Scope) Contains(p string) bool {
	for _, sp := range s.Paths {
		if strings.HasPrefix(p, sp) {
			return true
		}
	}
	return false
}

// ContainsAll reports whether every path of o is inside s.
func (s Scope) ContainsAll(o Scope) bool {
	for _, p := range o.Paths {
		if !s.Contains(p) {
			return false
		}
	}
	return true
}

// ConsoleActor is the operator at the server's console (the `linli user`
// and `linli demo` commands): whole tree, may create accounts of any role
// and areas at any level. It is never built from a web request.
func ConsoleActor() Actor {
	a := Actor{Username: "console", Scope: Scope{Paths: []string{"/"}}}
	a.perms = map[Permission]bool{}
	for _, p := range []Permission{PermAreaRead, PermAreaManage, PermUserRead, PermUserManage, PermRoleGrantAdmin,
		PermAccountUnlock, PermSettingsManage, PermAPITokenManage, PermSessionRevoke,
		PermPersonRead, PermPersonWrite, PermSensitiveRead, PermRestrictedRead, PermTagAdmin, PermServiceAdmin} {
		a.perms[p] = true
	}
	return a
}
