package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// LoginUser is what the login step needs to know about an account.
type LoginUser struct {
	ID            int64
	Username      string
	PasswordHash  string
	Disabled      bool
	LockedUntil   time.Time
	FailedLogins  int
	TOTPEnabled   bool
	Roles         []linli.Role
	PasswordAt    time.Time
	MustChangePwd bool
}

// LoginInfo finds an account by login name. Unknown is ErrNotFound.
func (s *Store) LoginInfo(ctx context.Context, username string) (LoginUser, error) {
	var u LoginUser
	var disabled time.Time
	var totp, must int
	err := s.queryRow(ctx, `SELECT id, username, password_hash, disabled_at, locked_until, failed_logins, totp_enabled, password_changed_at, must_change_password
		FROM users WHERE username = ?`, username).Scan(&u.ID, &u.Username, &u.PasswordHash, tm{&disabled}, tm{&u.LockedUntil}, &u.FailedLogins, &totp, tm{&u.PasswordAt}, &must)
	if err != nil {
		return u, s.mapErr(err)
	}
	u.Disabled = !disabled.IsZero()
	u.TOTPEnabled = totp == 1
	u.MustChangePwd = must == 1
	u.Roles, err = loadRoles(s.readQ(ctx), u.ID)
	return u, err
}

// Client describes where a request came from, for the audit record.
type Client struct {
	IP        string
	RequestID string
	UserAgent string
}

// LoginFailed counts a failed password for a known account and locks it
// for lockFor after maxFails consecutive failures. It reports whether the
// account is now locked.
func (s *Store) LoginFailed(ctx context.Context, userID int64, username string, c Client, maxFails int, lockFor time.Duration) (bool, error) {
	locked := false
	err := s.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT failed_logins FROM users WHERE id = ?`, userID).Scan(&n); err != nil {
			return err
		}
		n++
		ev := linli.AuditEvent{ActorID: userID, ActorName: username, Action: "auth.login", ObjectType: "user",
			ObjectID: itoa(userID), Outcome: linli.OutcomeDenied, ClientIP: c.IP, RequestID: c.RequestID, Detail: "bad password"}
		if n >= maxFails {
			locked = true
			if _, err := tx.exec(`UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, tx.s.d.t(tx.now.Add(lockFor)), userID); err != nil {
				return err
			}
			if err := tx.audit(ev); err != nil {
				return err
			}
			ev.Action, ev.Detail = "auth.lockout", ""
			return tx.audit(ev)
		}
		if _, err := tx.exec(`UPDATE users SET failed_logins = ? WHERE id = ?`, n, userID); err != nil {
			return err
		}
		return tx.audit(ev)
	})
	return locked, err
}

// LoginRefused records a refused login that changes no counter: an unknown
// login name (recorded without the name, which may be personal data), a
// locked or disabled account, a throttled address.
func (s *Store) LoginRefused(ctx context.Context, userID int64, username, reason string, c Client) error {
	if userID == 0 {
		username = ""
	}
	return s.Audit(ctx, linli.AuditEvent{ActorID: userID, ActorName: username, Action: "auth.login", ObjectType: "user",
		ObjectID: itoa(userID), Outcome: linli.OutcomeDenied, ClientIP: c.IP, RequestID: c.RequestID, Detail: reason})
}

// Session is a server-side login session. Only the SHA-256 of its token is
// stored.
type Session struct {
	ID         int64
	UserID     int64
	MFA        string // none: no second factor needed; pending: code needed; enroll: must enrol; done
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
	Revoked    bool
	// MustChangePwd is the account's flag: only the password form is open.
	MustChangePwd bool
}

// Ready reports whether the session may reach data routes (the second
// factor, when needed, is done).
func (s Session) Ready() bool { return s.MFA == "none" || s.MFA == "done" }

// CreateSession starts a session for a user who passed the password step:
// it resets the failure counter, records the login and the audit event.
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash, mfa string, c Client, lifetime time.Duration) (Session, error) {
	var sess Session
	err := s.write(ctx, func(tx *Tx) error {
		var username string
		if err := tx.queryRow(`SELECT username FROM users WHERE id = ?`, userID).Scan(&username); err != nil {
			return err
		}
		ua := c.UserAgent
		if len(ua) > 200 {
			ua = ua[:200]
		}
		sess = Session{UserID: userID, MFA: mfa, CreatedAt: tx.now, LastSeenAt: tx.now, ExpiresAt: tx.now.Add(lifetime), IP: c.IP, UserAgent: ua}
		id, err := tx.insert(`INSERT INTO sessions (token_hash, user_id, mfa, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tokenHash, userID, mfa, tx.s.d.t(tx.now), tx.s.d.t(tx.now), tx.s.d.t(sess.ExpiresAt), c.IP, ua)
		if err != nil {
			return err
		}
		sess.ID = id
		if _, err := tx.exec(`UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`, tx.s.d.t(tx.now), userID); err != nil {
			return err
		}
		roles, err := loadRoles(tx.q(), userID)
		if err != nil {
			return err
		}
		ev := linli.AuditEvent{ActorID: userID, ActorName: username, Role: joinRoles(roles), Action: "auth.login", ObjectType: "session",
			ObjectID: itoa(id), Outcome: linli.OutcomeOK, ClientIP: c.IP, RequestID: c.RequestID, Detail: "mfa=" + mfa}
		return tx.audit(ev)
	})
	return sess, err
}

// ErrSessionExpired is returned for a session past its idle or absolute
// timeout (it unwraps to linli.ErrUnauthorized).
var ErrSessionExpired = errors.Join(linli.ErrUnauthorized, errors.New("session expired"))

// SessionActor checks a session token hash and builds the actor. A
// revoked, expired or idle session, or a disabled account, is
// ErrUnauthorized. The last-seen time is written at most once a minute, so
// most requests only read.
func (s *Store) SessionActor(ctx context.Context, tokenHash string, idle time.Duration) (Session, linli.Actor, error) {
	var sess Session
	var username string
	var roles, scope sql.NullString
	var org int64
	var must int
	stmt, err := s.sessionStmt(ctx)
	if err != nil {
		return sess, linli.Actor{}, s.mapErr(err)
	}
	err = stmt.QueryRowContext(ctx, tokenHash).Scan(
		&sess.ID, &sess.UserID, &sess.MFA, tm{&sess.LastSeenAt}, tm{&sess.ExpiresAt},
		&username, &org, &must, &roles, &scope)
	if err != nil {
		if errors.Is(s.mapErr(err), linli.ErrNotFound) {
			return sess, linli.Actor{}, linli.ErrUnauthorized
		}
		return sess, linli.Actor{}, s.mapErr(err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= idle {
		return sess, linli.Actor{}, ErrSessionExpired
	}
	a, err := actorFromLists(sess.UserID, username, roles.String, scope.String)
	if err != nil {
		return sess, a, err
	}
	a.OrgUnitID = org
	sess.MustChangePwd = must == 1
	if now.Sub(sess.LastSeenAt) >= time.Minute {
		if err := s.write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, tx.s.d.t(now), sess.ID)
			return err
		}); err != nil {
			return sess, a, err
		}
		sess.LastSeenAt = now
	}
	return sess, a, nil
}

// sessionStmt prepares, once, the single query that checks a session and
// loads its account, roles and scope: the hot path of every request.
func (s *Store) sessionStmt(ctx context.Context) (*sql.Stmt, error) {
	s.sessOnce.Do(func() {
		agg := func(expr string) string {
			if s.d.pg() {
				return "string_agg(" + expr + ", ',')"
			}
			return "GROUP_CONCAT(" + expr + ", ',')"
		}
		q := `SELECT s.id, s.user_id, s.mfa, s.last_seen_at, s.expires_at,
		u.username, COALESCE(u.org_unit_id, 0), u.must_change_password,
		(SELECT ` + agg("r.role") + ` FROM user_roles r WHERE r.user_id = u.id),
		(SELECT ` + agg("CAST(a.id AS TEXT) || ':' || a.path") + ` FROM user_scopes us JOIN areas a ON a.id = us.area_id
			WHERE us.user_id = u.id AND a.retired_at IS NULL)
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.revoked_at IS NULL AND u.disabled_at IS NULL`
		s.sessStmt, s.sessErr = s.rdb.PrepareContext(ctx, s.d.rebind(q))
	})
	return s.sessStmt, s.sessErr
}

// actorFromLists builds an actor from comma-joined roles and "id:path"
// scope entries.
func actorFromLists(userID int64, username, roles, scope string) (linli.Actor, error) {
	var rs []linli.Role
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			rs = append(rs, linli.Role(r))
		}
	}
	sortRoles(rs)
	var sc linli.Scope
	for _, e := range strings.Split(scope, ",") {
		id, path, ok := strings.Cut(e, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return linli.Actor{}, fmt.Errorf("scope entry %q: %w", e, err)
		}
		sc.AreaIDs = append(sc.AreaIDs, n)
		sc.Paths = append(sc.Paths, path)
	}
	return linli.NewActor(userID, username, rs, sc), nil
}

func (s *Store) scopeOf(ctx context.Context, q string, id int64) (linli.Scope, error) {
	var sc linli.Scope
	st, err := s.prepared(ctx, q)
	if err != nil {
		return sc, s.mapErr(err)
	}
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return sc, s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var aid int64
		var p string
		if err := rows.Scan(&aid, &p); err != nil {
			return sc, err
		}
		sc.AreaIDs = append(sc.AreaIDs, aid)
		sc.Paths = append(sc.Paths, p)
	}
	return sc, rows.Err()
}

// SetSessionMFA moves a session's second-factor state (pending → done).
func (s *Store) SetSessionMFA(ctx context.Context, sessionID int64, state string) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE sessions SET mfa = ? WHERE id = ? AND revoked_at IS NULL`, state, sessionID)
		return err
	})
}

// Logout revokes the actor's current session.
func (s *Store) Logout(ctx context.Context, a linli.Actor, sessionID int64) error {
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, tx.s.d.t(tx.now), sessionID, a.UserID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "auth.logout", "session", sessionID, 0))
	})
}

func (tx *Tx) revokeUserSessions(userID, except int64) error {
	_, err := tx.exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, tx.s.d.t(tx.now), userID, except)
	return err
}

// Sessions lists a user's live sessions: the actor's own, or anyone's
// visible to a holder of session.revoke.
func (s *Store) Sessions(ctx context.Context, a linli.Actor, userID int64) ([]Session, error) {
	if userID != a.UserID {
		if !a.Can(linli.PermSessionRevoke) {
			return nil, linli.ErrNotFound
		}
		if _, err := s.User(ctx, a, userID); err != nil {
			return nil, err
		}
	}
	rows, err := s.query(ctx, `SELECT id, user_id, mfa, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY id DESC`, userID, s.d.t(s.now()))
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		if err := rows.Scan(&x.ID, &x.UserID, &x.MFA, tm{&x.CreatedAt}, tm{&x.LastSeenAt}, tm{&x.ExpiresAt}, &x.IP, &x.UserAgent); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// RevokeSession ends one session of the actor's own (or, with
// session.revoke, of a user in scope).
func (s *Store) RevokeSession(ctx context.Context, a linli.Actor, sessionID int64) error {
	return s.write(ctx, func(tx *Tx) error {
		var owner int64
		if err := tx.queryRow(`SELECT user_id FROM sessions WHERE id = ? AND revoked_at IS NULL`, sessionID).Scan(&owner); err != nil {
			return err
		}
		if owner != a.UserID {
			if !a.Can(linli.PermSessionRevoke) {
				return linli.ErrNotFound
			}
			if _, err := tx.user(a, owner); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE sessions SET revoked_at = ? WHERE id = ?`, tx.s.d.t(tx.now), sessionID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "session.revoke", "session", sessionID, 0))
	})
}

// TOTPState is the second-factor state of an account.
type TOTPState struct {
	Secret   string // sealed
	Enabled  bool
	LastStep int64
}

// TOTP reads an account's second-factor state.
func (s *Store) TOTP(ctx context.Context, userID int64) (TOTPState, error) {
	var st TOTPState
	var en int
	err := s.queryRow(ctx, `SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?`, userID).Scan(&st.Secret, &en, &st.LastStep)
	st.Enabled = en == 1
	return st, s.mapErr(err)
}

// SetPendingTOTP stores a new (sealed) secret that is not active until
// EnableTOTP confirms a code from it.
func (s *Store) SetPendingTOTP(ctx context.Context, a linli.Actor, sealedSecret string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE users SET totp_secret = ? WHERE id = ? AND totp_enabled = 0`, sealedSecret, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linli.Conflict("totp.already_enabled")
		}
		return nil
	})
}

// EnableTOTP activates the pending secret after a verified code (whose step
// is stored against replay), stores the recovery code hashes, and marks the
// session's second factor done.
func (s *Store) EnableTOTP(ctx context.Context, a linli.Actor, step int64, recoveryHashes []string, sessionID int64) error {
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ?`, step, a.UserID); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM recovery_codes WHERE user_id = ?`, a.UserID); err != nil {
			return err
		}
		for _, h := range recoveryHashes {
			if _, err := tx.exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, a.UserID, h); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE sessions SET mfa = 'done' WHERE id = ?`, sessionID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "account.totp_enable", "user", a.UserID, 0))
	})
}

// UseTOTPStep records that a code of step was used; it fails with
// ErrConflict when a code of this or a later step was already used (replay).
func (s *Store) UseTOTPStep(ctx context.Context, a linli.Actor, step, sessionID int64) error {
	err := s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, a.UserID, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errReplay
		}
		if _, err := tx.exec(`UPDATE sessions SET mfa = 'done' WHERE id = ?`, sessionID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "auth.totp", "user", a.UserID, 0))
	})
	if errors.Is(err, errReplay) {
		ev := auditEvent(a, "auth.totp", "user", a.UserID, 0)
		ev.Outcome, ev.Detail = linli.OutcomeDenied, "replayed code"
		if aerr := s.Audit(ctx, ev); aerr != nil {
			return aerr
		}
	}
	return err
}

// errReplay reports a TOTP code whose step was already used.
var errReplay = linli.Conflict("totp.replay")

// UseRecoveryCode spends a single-use recovery code (by hash).
func (s *Store) UseRecoveryCode(ctx context.Context, a linli.Actor, codeHash string, sessionID int64) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?`, a.UserID, codeHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linli.Invalid("code", "totp.code.wrong")
		}
		if _, err := tx.exec(`UPDATE sessions SET mfa = 'done' WHERE id = ?`, sessionID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "auth.recovery_code", "user", a.UserID, 0))
	})
}

// RecoveryCodesLeft counts the actor's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, userID).Scan(&n)
	return n, s.mapErr(err)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
