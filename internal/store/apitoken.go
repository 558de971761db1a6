package store

import (
	"context"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// APIToken is a credential for another system. Only its hash is stored; the
// token itself is shown once at creation.
type APIToken struct {
	ID         int64
	Name       string
	Role       linli.Role
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt time.Time
	Revoked    bool
	Scope      []int64
}

// CreateAPIToken stores a new token (by hash) with one business role and a
// scope inside the actor's.
func (s *Store) CreateAPIToken(ctx context.Context, a linli.Actor, name string, role linli.Role, scopeIDs []int64, tokenHash string) (APIToken, error) {
	if !a.Can(linli.PermAPITokenManage) {
		return APIToken{}, linli.ErrForbidden
	}
	name = strings.TrimSpace(name)
	t := APIToken{Name: name, Role: role, CreatedBy: a.Username, Scope: scopeIDs}
	err := s.write(ctx, func(tx *Tx) error {
		v := &linli.ValidationError{}
		if name == "" {
			v.Add("name", "apitoken.name.required")
		}
		if _, ok := linli.ParseRole(string(role)); !ok || role.IsAdminDuty() || !role.IsStaff() {
			v.Add("role", "apitoken.role.invalid")
		}
		if len(scopeIDs) == 0 {
			v.Add("scope", "user.scope.required")
		}
		tx.checkScopeNodes(a, scopeIDs, v)
		if err := v.Err(); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO api_tokens (name, token_hash, role, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			name, tokenHash, string(role), a.UserID, tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		t.ID, t.CreatedAt = id, tx.now
		for _, aid := range scopeIDs {
			if _, err := tx.exec(`INSERT INTO api_token_scopes (token_id, area_id) VALUES (?, ?)`, id, aid); err != nil {
				return err
			}
		}
		ev := auditEvent(a, "apitoken.create", "api_token", id, firstID(scopeIDs))
		ev.Detail = "role=" + string(role)
		return tx.audit(ev)
	})
	return t, err
}

// APITokens lists the tokens (manageable by the actor).
func (s *Store) APITokens(ctx context.Context, a linli.Actor) ([]APIToken, error) {
	if !a.Can(linli.PermAPITokenManage) {
		return nil, linli.ErrNotFound
	}
	rows, err := s.query(ctx, `SELECT t.id, t.name, t.role, u.username, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.created_by ORDER BY t.id DESC`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var role string
		var revoked time.Time
		if err := rows.Scan(&t.ID, &t.Name, &role, &t.CreatedBy, tm{&t.CreatedAt}, tm{&t.LastUsedAt}, tm{&revoked}); err != nil {
			return nil, err
		}
		t.Role, t.Revoked = linli.Role(role), !revoked.IsZero()
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes a token at once.
func (s *Store) RevokeAPIToken(ctx context.Context, a linli.Actor, id int64) error {
	if !a.Can(linli.PermAPITokenManage) {
		return linli.ErrForbidden
	}
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, tx.s.d.t(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linli.ErrNotFound
		}
		return tx.audit(auditEvent(a, "apitoken.revoke", "api_token", id, 0))
	})
}

// TokenActor builds the actor of an API token (by hash); unknown or revoked
// is ErrUnauthorized.
func (s *Store) TokenActor(ctx context.Context, tokenHash string) (linli.Actor, error) {
	var id int64
	var name, role string
	var revoked, lastUsed time.Time
	err := s.queryRowPrepared(ctx, `SELECT id, name, role, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?`, tokenHash).Scan(&id, &name, &role, tm{&revoked}, tm{&lastUsed})
	if err != nil || !revoked.IsZero() {
		return linli.Actor{}, linli.ErrUnauthorized
	}
	sc, err := s.scopeOf(ctx, `SELECT a.id, a.path FROM api_token_scopes ts JOIN areas a ON a.id = ts.area_id WHERE ts.token_id = ? AND a.retired_at IS NULL ORDER BY a.path`, id)
	if err != nil {
		return linli.Actor{}, err
	}
	a := linli.NewActor(0, "token:"+name, []linli.Role{linli.Role(role)}, sc)
	a.TokenID = id
	now := s.now()
	if now.Sub(lastUsed) >= time.Minute {
		if err := s.write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, tx.s.d.t(now), id)
			return err
		}); err != nil {
			return a, err
		}
	}
	return a, nil
}

// Setting reads a deployment setting ("" when unset).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil {
		if err = s.mapErr(err); err == linli.ErrNotFound {
			return "", nil
		}
	}
	return v, err
}

// SetSetting writes a deployment setting, audited as the actor.
func (s *Store) SetSetting(ctx context.Context, a linli.Actor, key, value string) error {
	if !a.Can(linli.PermSettingsManage) {
		return linli.ErrForbidden
	}
	err := s.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM settings WHERE key = ?`, key); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO settings (key, value) VALUES (?, ?)`, key, value); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "setting.update", "setting", key, 0))
	})
	s.settings.Delete(key)
	return err
}
