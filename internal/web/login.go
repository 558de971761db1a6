package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/store"
)

// LoginPage is the login form.
type LoginPage struct {
	Page
	Form Form
	Next string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if _, ok := linli.ActorFrom(r.Context()); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "login.html", LoginPage{Page: s.page(r, "login.title"), Form: newForm(), Next: safeNext(r.URL.Query().Get("next"))})
}

// hashPassword hashes and seals a password for storage: argon2id, then
// AES-GCM with the server key, so a stolen database alone cannot be
// brute-forced offline.
func HashPassword(h *auth.Hasher, k interface {
	SealField(field, plaintext string) (string, error)
}, pw string) (string, error) {
	phc, err := h.Hash(pw)
	if err != nil {
		return "", err
	}
	return k.SealField("user.password", phc)
}

func (s *Server) verifyPassword(pw, sealed string) bool {
	phc, err := s.opt.Keys.OpenField("user.password", sealed)
	if err != nil {
		s.opt.Hasher.DummyVerify(pw)
		return false
	}
	ok, err := s.opt.Hasher.Verify(pw, phc)
	return err == nil && ok
}

// login checks the password. Unknown, disabled and locked accounts cost the
// same argon2id hash as a known one, so timing tells nothing.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ri := info(r)
	p := s.page(r, "login.title")
	f := formFrom(r, "username")
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	c := store.Client{IP: clientIP(r), RequestID: ri.id, UserAgent: r.UserAgent()}
	again := func(key string, status int) error {
		f.Errors["form"] = p.T(key)
		w.Header().Set("Cache-Control", "no-store")
		return s.render(w, r, status, "login.html", LoginPage{Page: p, Form: f, Next: next})
	}
	if f.Values["username"] == "" || pw == "" {
		if f.Values["username"] == "" {
			f.Errors["username"] = p.T("login.username.required")
		}
		if pw == "" {
			f.Errors["password"] = p.T("login.password.required")
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "login.html", LoginPage{Page: p, Form: f, Next: next})
	}
	if !s.throttle.Allow(c.IP) {
		if err := s.st.LoginRefused(ctx, 0, "", "throttled", c); err != nil {
			return err
		}
		return again("login.throttled", http.StatusTooManyRequests)
	}
	u, err := s.st.LoginInfo(ctx, strings.ToLower(f.Values["username"]))
	if errors.Is(err, linli.ErrNotFound) {
		s.opt.Hasher.DummyVerify(pw)
		if err := s.st.LoginRefused(ctx, 0, "", "unknown user", c); err != nil {
			return err
		}
		return again("login.failed", http.StatusUnauthorized)
	}
	if err != nil {
		return err
	}
	ok := s.verifyPassword(pw, u.PasswordHash)
	now := s.st.Now()
	switch {
	case u.Disabled:
		if err := s.st.LoginRefused(ctx, u.ID, u.Username, "disabled", c); err != nil {
			return err
		}
		return again("login.failed", http.StatusUnauthorized)
	case now.Before(u.LockedUntil):
		if err := s.st.LoginRefused(ctx, u.ID, u.Username, "locked", c); err != nil {
			return err
		}
		return again("login.locked", http.StatusLocked)
	case !ok:
		locked, err := s.st.LoginFailed(ctx, u.ID, u.Username, c, s.opt.MaxFailures, s.opt.LockFor)
		if err != nil {
			return err
		}
		if locked {
			return again("login.locked", http.StatusLocked)
		}
		return again("login.failed", http.StatusUnauthorized)
	}
	mfa := "none"
	switch {
	case u.TOTPEnabled:
		mfa = "pending"
	case linli.NeedsSecondFactor(u.Roles):
		mfa = "enroll"
	}
	token, hash, err := auth.NewToken("s_")
	if err != nil {
		return err
	}
	sess, err := s.st.CreateSession(ctx, u.ID, hash, mfa, c, s.opt.Lifetime)
	if err != nil {
		return err
	}
	s.setSession(w, token)
	switch {
	case !sess.Ready():
		http.Redirect(w, r, s.mfaPath(&sess), http.StatusSeeOther)
	case u.MustChangePwd || s.opt.Policy.Expired(u.PasswordAt, now):
		return s.redirect(w, r, "/account#password", "account.password.must_change")
	default:
		// #nosec G710 -- next went through safeNext: a local path only
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if ri.session != nil && ri.actor != nil {
		if err := s.st.Logout(r.Context(), *ri.actor, ri.session.ID); err != nil {
			return err
		}
	}
	s.clearSession(w)
	return s.redirect(w, r, "/login", "logout.done")
}

// TOTPPage asks for the second factor, or enrols it.
type TOTPPage struct {
	Page
	Form          Form
	Secret        string
	QR            template.URL
	RecoveryCodes []string
}

func (s *Server) totpForm(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if ri.session.Ready() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if ri.session.MFA == "enroll" {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "totp.html", TOTPPage{Page: s.page(r, "totp.title"), Form: newForm()})
}

// totpVerify checks a TOTP code (or a recovery code). A code whose time
// step was already used is refused.
func (s *Server) totpVerify(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ri := info(r)
	a := *ri.actor
	p := s.page(r, "totp.title")
	f := formFrom(r, "code")
	code := strings.ReplaceAll(f.Values["code"], " ", "")
	if ri.session.MFA != "pending" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if !s.throttle.Allow("totp:" + strconv.FormatInt(a.UserID, 10)) {
		f.Errors["code"] = p.T("login.throttled")
		return s.render(w, r, http.StatusTooManyRequests, "totp.html", TOTPPage{Page: p, Form: f})
	}
	st, err := s.st.TOTP(ctx, a.UserID)
	if err != nil {
		return err
	}
	var verr error
	if len(code) > 6 { // a recovery code
		verr = s.st.UseRecoveryCode(ctx, a, auth.HashRecoveryCode(code), ri.session.ID)
	} else {
		secret, err := s.opt.Keys.OpenField("user.totp", st.Secret)
		if err != nil {
			return err
		}
		step, ok := auth.VerifyTOTP(secret, code, s.st.Now(), st.LastStep)
		if !ok {
			// A code that would be valid but for its spent step is a replay.
			key, detail := "totp.code.wrong", "wrong code"
			if _, valid := auth.VerifyTOTP(secret, code, s.st.Now(), 0); valid {
				key, detail = "totp.replay", "replayed code"
			}
			verr = linli.Invalid("code", key)
			if err := s.st.AuditActor(ctx, a, "auth.totp", "user", a.UserID, 0, detail); err != nil {
				return err
			}
		} else {
			verr = s.st.UseTOTPStep(ctx, a, step, ri.session.ID)
		}
	}
	if verr != nil {
		var ce *linli.ConflictError
		switch {
		case errors.As(verr, &ce):
			f.Errors["code"] = p.T(ce.Key)
		case !f.setErrors(p, verr):
			return verr
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "totp.html", TOTPPage{Page: p, Form: f})
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// totpEnrollForm shows a new secret as a QR code and as text. The secret
// is kept sealed on the account, inactive until a code confirms it.
func (s *Server) totpEnrollForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ri := info(r)
	a := *ri.actor
	if ri.session.MFA == "pending" {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return nil
	}
	st, err := s.st.TOTP(ctx, a.UserID)
	if err != nil {
		return err
	}
	p := s.page(r, "totp.enroll.title")
	if st.Enabled {
		return s.render(w, r, http.StatusOK, "totp_enroll.html", TOTPPage{Page: p, Form: newForm()})
	}
	return s.showEnroll(w, r, p, newForm(), http.StatusOK)
}

func (s *Server) showEnroll(w http.ResponseWriter, r *http.Request, p Page, f Form, status int) error {
	ctx := r.Context()
	a := *info(r).actor
	secret, url, err := auth.NewTOTPSecret(s.opt.Issuer, a.Username)
	if err != nil {
		return err
	}
	sealed, err := s.opt.Keys.SealField("user.totp", secret)
	if err != nil {
		return err
	}
	if err := s.st.SetPendingTOTP(ctx, a, sealed); err != nil {
		return err
	}
	png, err := auth.QRPNG(url, 240)
	if err != nil {
		return err
	}
	qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)) // #nosec G203 -- a data: URL of our own PNG bytes, base64-encoded
	return s.render(w, r, status, "totp_enroll.html", TOTPPage{Page: p, Form: f, Secret: secret, QR: qr})
}

func (s *Server) totpEnroll(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ri := info(r)
	a := *ri.actor
	p := s.page(r, "totp.enroll.title")
	f := formFrom(r, "code")
	st, err := s.st.TOTP(ctx, a.UserID)
	if err != nil {
		return err
	}
	if st.Enabled {
		return linli.Conflict("totp.already_enabled")
	}
	secret, err := s.opt.Keys.OpenField("user.totp", st.Secret)
	if err != nil || secret == "" {
		return s.showEnroll(w, r, p, f, http.StatusUnprocessableEntity)
	}
	step, ok := auth.VerifyTOTP(secret, f.Values["code"], s.st.Now(), 0)
	if !ok {
		f.Errors["code"] = p.T("totp.code.wrong")
		// Keep the same secret: the user has already scanned it.
		png, _ := auth.QRPNG("otpauth://totp/"+s.opt.Issuer+":"+a.Username+"?secret="+secret+"&issuer="+s.opt.Issuer, 240)
		qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)) // #nosec G203 -- a data: URL of our own PNG bytes, base64-encoded
		return s.render(w, r, http.StatusUnprocessableEntity, "totp_enroll.html", TOTPPage{Page: p, Form: f, Secret: secret, QR: qr})
	}
	codes, hashes := auth.NewRecoveryCodes(10)
	if err := s.st.EnableTOTP(ctx, a, step, hashes, ri.session.ID); err != nil {
		return err
	}
	p.Flash = p.T("totp.enabled")
	return s.render(w, r, http.StatusOK, "totp_enroll.html", TOTPPage{Page: p, Form: newForm(), RecoveryCodes: codes})
}

// AccountPage is "my account": password, second factor, sessions.
type AccountPage struct {
	Page
	Form          Form
	User          linli.User
	TOTP          bool
	RecoveryLeft  int
	Sessions      []store.Session
	CurrentID     int64
	PolicyMin     int
	PolicyClasses int
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, f Form, status int) error {
	ctx := r.Context()
	a := actor(r)
	st, err := s.st.TOTP(ctx, a.UserID)
	if err != nil {
		return err
	}
	left, err := s.st.RecoveryCodesLeft(ctx, a.UserID)
	if err != nil {
		return err
	}
	sessions, err := s.st.Sessions(ctx, a, a.UserID)
	if err != nil {
		return err
	}
	return s.render(w, r, status, "account.html", AccountPage{Page: s.page(r, "account.title"), Form: f, TOTP: st.Enabled,
		RecoveryLeft: left, Sessions: sessions, CurrentID: info(r).session.ID, PolicyMin: s.opt.Policy.MinLength, PolicyClasses: s.opt.Policy.RequireClasses})
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	return s.accountPage(w, r, newForm(), http.StatusOK)
}

// changePassword checks the current password and the policy (and, in the
// 等保 profile, the history), stores the new one, revokes every session and
// starts a fresh one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "account.title")
	f := newForm()
	cur, pw, pw2 := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	u, err := s.st.LoginInfo(ctx, a.Username)
	if err != nil {
		return err
	}
	if !s.verifyPassword(cur, u.PasswordHash) {
		f.Errors["current"] = p.T("account.password.current_wrong")
	}
	if err := s.opt.Policy.Check(pw, a.Username); err != nil {
		var pe *auth.PolicyError
		if errors.As(err, &pe) {
			f.Errors["new"] = p.T(pe.Key, pe.Args...)
		} else {
			return err
		}
	} else if pw != pw2 {
		f.Errors["confirm"] = p.T("account.password.mismatch")
	}
	if len(f.Errors) == 0 && s.opt.Policy.HistoryCount > 0 {
		hist, err := s.st.PasswordHistory(ctx, a.UserID, s.opt.Policy.HistoryCount)
		if err != nil {
			return err
		}
		for _, h := range hist {
			if s.verifyPassword(pw, h) {
				f.Errors["new"] = p.T("account.password.reused", s.opt.Policy.HistoryCount)
				break
			}
		}
	}
	if len(f.Errors) > 0 {
		return s.accountPage(w, r, f, http.StatusUnprocessableEntity)
	}
	hash, err := HashPassword(s.opt.Hasher, s.opt.Keys, pw)
	if err != nil {
		return err
	}
	if err := s.st.ChangeOwnPassword(ctx, a, hash); err != nil {
		return err
	}
	token, th, err := auth.NewToken("s_")
	if err != nil {
		return err
	}
	mfa := "none"
	if info(r).session.MFA == "done" {
		mfa = "done"
	}
	if _, err := s.st.CreateSession(ctx, a.UserID, th, mfa, store.Client{IP: clientIP(r), RequestID: info(r).id, UserAgent: r.UserAgent()}, s.opt.Lifetime); err != nil {
		return err
	}
	s.setSession(w, token)
	return s.redirect(w, r, "/account", "account.password.changed")
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return linli.ErrNotFound
	}
	if err := s.st.RevokeSession(r.Context(), actor(r), id); err != nil {
		return err
	}
	if id == info(r).session.ID {
		s.clearSession(w)
		return s.redirect(w, r, "/login", "logout.done")
	}
	return s.redirect(w, r, "/account", "account.session.revoked")
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("lang")
	if lang != "en" {
		lang = "zh-CN"
	}
	// #nosec G124 -- a display preference, not a credential; Secure follows --secure-cookies
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: s.opt.SecureCookies})
	// #nosec G710 -- safeNext keeps only a local path
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

func (s *Server) toggleElderly(w http.ResponseWriter, r *http.Request) error {
	v := "1"
	if c, err := r.Cookie("elderly"); err == nil && c.Value == "1" {
		v = "0"
	}
	// #nosec G124 -- a display preference, not a credential; Secure follows --secure-cookies
	http.SetCookie(w, &http.Cookie{Name: "elderly", Value: v, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: s.opt.SecureCookies})
	// #nosec G710 -- safeNext keeps only a local path
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

// DashboardPage shows counts for the actor's scope.
type DashboardPage struct {
	Page
	Counts map[linli.Level]int
	Users  int
	Scope  []linli.Area
	Levels []linli.Level
	Alerts []linli.AuditEvent // recent security alerts, for security.policy
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	d := DashboardPage{Page: s.page(r, "dashboard.title"), Levels: linli.Levels}
	if a.Can(linli.PermAreaRead) {
		c, err := s.st.AreaCounts(ctx, a)
		if err != nil {
			return err
		}
		d.Counts = c
		for _, id := range a.Scope.AreaIDs {
			ar, err := s.st.Area(ctx, a, id)
			if err != nil {
				return err
			}
			d.Scope = append(d.Scope, ar)
		}
	}
	if a.Can(linli.PermUserRead) {
		n, err := s.st.CountUsers(ctx, a)
		if err != nil {
			return err
		}
		d.Users = n
	}
	if a.Can(linli.PermSecurityPolicy) {
		alerts, err := s.st.RecentAlerts(ctx, a)
		if err != nil {
			return err
		}
		d.Alerts = alerts
	}
	return s.render(w, r, http.StatusOK, "dashboard.html", d)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// readyz answers 200 when the database answers and the schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.st.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return nil
	}
	if p, err := s.st.Pending(ctx); err != nil || len(p) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("schema not current\n"))
		return nil
	}
	_, err := w.Write([]byte("ready\n"))
	return err
}

var _ = time.Second
