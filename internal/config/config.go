// Package config reads linli's settings: flags override LINLI_*
// environment variables, and the defaults make `linli demo` work with no
// configuration at all.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Config is the server's configuration.
type Config struct {
	DB              string
	KeyFile         string
	Addr            string
	LogLevel        string
	PasswordProfile string // "default" (OWASP ASVS 5) or "dengbao" (等保 level 3)
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
	SecureCookies   bool
	AutoMigrate     bool
	ShutdownTimeout time.Duration
	Notify          Notify
}

// Notify configures the delivery of notifications (internal/notify). A
// channel without its address is not configured: its messages wait.
type Notify struct {
	SMTPAddr        string // host:port of the mail relay; "" = no email
	SMTPFrom        string // the From address
	SMTPUser        string // AUTH PLAIN user; "" = no AUTH
	SMTPPassword    string
	SMTPTLS         string // starttls (required), tls (implicit, port 465), none (a relay on loopback)
	WebhookURL      string // the SMS/WeChat gateway; "" = no SMS
	WebhookSecret   string // HMAC-SHA256 key of X-Linli-Signature
	WebhookTemplate string // Go text/template of the text; "" = {{.Text}}
}

// Defaults are the values used when neither a flag nor the environment
// says otherwise.
func Defaults() Config {
	return Config{
		DB:              "linli.db",
		KeyFile:         "linli.key",
		Addr:            "127.0.0.1:8080",
		LogLevel:        "info",
		PasswordProfile: "default",
		IdleTimeout:     30 * time.Minute,
		SessionLifetime: 12 * time.Hour,
		ShutdownTimeout: 15 * time.Second,
		Notify:          Notify{SMTPTLS: "starttls"},
	}
}

// Var describes one setting for the help text and the README table.
type Var struct{ Flag, Env, Help string }

// Register defines the database and key flags on fs, defaulting from getenv.
func (c *Config) RegisterStore(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.DB, "db", envOr(getenv, "LINLI_DB", c.DB), "database: a SQLite file path, sqlite:PATH, or postgres://… URL (env LINLI_DB)")
	fs.StringVar(&c.KeyFile, "key-file", envOr(getenv, "LINLI_KEY_FILE", c.KeyFile), "file with the keys that seal personal data; created 0600 on first run, never stored in the database (env LINLI_KEY_FILE)")
}

// RegisterServer defines the server flags on fs, defaulting from getenv.
func (c *Config) RegisterServer(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "LINLI_ADDR", c.Addr), "listen address host:port; port 0 picks a free port (env LINLI_ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(getenv, "LINLI_LOG_LEVEL", c.LogLevel), "log level: debug, info, warn, error (env LINLI_LOG_LEVEL)")
	fs.StringVar(&c.PasswordProfile, "password-profile", envOr(getenv, "LINLI_PASSWORD_PROFILE", c.PasswordProfile), "password policy: default (12+ chars, common passwords refused) or dengbao (等保 level 3: also 3 character classes, 90-day rotation, no reuse of the last 5) (env LINLI_PASSWORD_PROFILE)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", envDuration(getenv, "LINLI_IDLE_TIMEOUT", c.IdleTimeout), "session idle timeout (env LINLI_IDLE_TIMEOUT)")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", envDuration(getenv, "LINLI_SESSION_LIFETIME", c.SessionLifetime), "session absolute lifetime (env LINLI_SESSION_LIFETIME)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", envBool(getenv, "LINLI_SECURE_COOKIES", c.SecureCookies), "mark cookies Secure with the __Host- prefix and send HSTS; set when served over HTTPS (env LINLI_SECURE_COOKIES)")
	fs.BoolVar(&c.AutoMigrate, "auto-migrate", envBool(getenv, "LINLI_AUTO_MIGRATE", c.AutoMigrate), "apply pending migrations at start instead of refusing to start (env LINLI_AUTO_MIGRATE)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDuration(getenv, "LINLI_SHUTDOWN_TIMEOUT", c.ShutdownTimeout), "how long SIGTERM waits for in-flight requests (env LINLI_SHUTDOWN_TIMEOUT)")
	n := &c.Notify
	fs.StringVar(&n.SMTPAddr, "smtp-addr", envOr(getenv, "LINLI_SMTP_ADDR", n.SMTPAddr), "mail relay host:port for email notifications; empty: email waits unsent (env LINLI_SMTP_ADDR)")
	fs.StringVar(&n.SMTPFrom, "smtp-from", envOr(getenv, "LINLI_SMTP_FROM", n.SMTPFrom), "From address of notification emails (env LINLI_SMTP_FROM)")
	fs.StringVar(&n.SMTPUser, "smtp-user", envOr(getenv, "LINLI_SMTP_USER", n.SMTPUser), "SMTP AUTH user, with the password in env LINLI_SMTP_PASSWORD (never a flag); empty: no AUTH (env LINLI_SMTP_USER)")
	n.SMTPPassword = envOr(getenv, "LINLI_SMTP_PASSWORD", n.SMTPPassword) // environment only: a flag shows in ps
	fs.StringVar(&n.SMTPTLS, "smtp-tls", envOr(getenv, "LINLI_SMTP_TLS", n.SMTPTLS), "starttls (required), tls (implicit TLS, port 465) or none (only for a relay on loopback) (env LINLI_SMTP_TLS)")
	fs.StringVar(&n.WebhookURL, "webhook-url", envOr(getenv, "LINLI_WEBHOOK_URL", n.WebhookURL), "SMS/WeChat gateway URL that notifications are POSTed to, signed with the key in env LINLI_WEBHOOK_SECRET (never a flag); empty: SMS waits unsent (env LINLI_WEBHOOK_URL)")
	n.WebhookSecret = envOr(getenv, "LINLI_WEBHOOK_SECRET", n.WebhookSecret) // environment only
	fs.StringVar(&n.WebhookTemplate, "webhook-template", envOr(getenv, "LINLI_WEBHOOK_TEMPLATE", n.WebhookTemplate), "Go text/template of the SMS text, with .Text .TextEn .Number .Service .Due .Key; empty: {{.Text}} (env LINLI_WEBHOOK_TEMPLATE)")
}

// Validate checks the values.
func (c Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.DB) == "" {
		errs = append(errs, errors.New("--db is empty"))
	}
	if strings.TrimSpace(c.KeyFile) == "" {
		errs = append(errs, errors.New("--key-file is empty"))
	}
	switch c.PasswordProfile {
	case "default", "dengbao":
	default:
		errs = append(errs, fmt.Errorf("--password-profile %q: want default or dengbao", c.PasswordProfile))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.IdleTimeout < time.Minute || c.SessionLifetime < c.IdleTimeout {
		errs = append(errs, errors.New("--idle-timeout must be at least 1m and not longer than --session-lifetime"))
	}
	errs = append(errs, c.Notify.validate()...)
	return errors.Join(errs...)
}

func (n Notify) validate() []error {
	var errs []error
	if n.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(n.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("--smtp-addr %q: want host:port", n.SMTPAddr))
		}
		if _, err := mail.ParseAddress(n.SMTPFrom); err != nil {
			errs = append(errs, errors.New("--smtp-from: want the address notification emails come from"))
		}
		switch n.SMTPTLS {
		case "starttls", "tls", "none":
		default:
			errs = append(errs, fmt.Errorf("--smtp-tls %q: want starttls, tls or none", n.SMTPTLS))
		}
		if n.SMTPUser != "" && n.SMTPPassword == "" {
			errs = append(errs, errors.New("--smtp-user is set but LINLI_SMTP_PASSWORD is empty"))
		}
	}
	if n.WebhookURL != "" {
		u, err := url.Parse(n.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("--webhook-url: want an http(s):// URL"))
		}
		if len(n.WebhookSecret) < 16 {
			errs = append(errs, errors.New("--webhook-url is set: LINLI_WEBHOOK_SECRET must hold at least 16 characters (the signature key)"))
		}
	}
	if n.WebhookTemplate != "" {
		if _, err := template.New("sms").Parse(n.WebhookTemplate); err != nil {
			errs = append(errs, fmt.Errorf("--webhook-template: %v", err))
		}
	}
	return errs
}

// String shows the configuration with the database password, the SMTP
// password, the webhook secret and the webhook URL's credentials and
// query redacted.
func (c Config) String() string {
	return fmt.Sprintf("db=%s key-file=%s addr=%s log-level=%s password-profile=%s idle-timeout=%s session-lifetime=%s secure-cookies=%t auto-migrate=%t %s",
		RedactURL(c.DB), c.KeyFile, c.Addr, c.LogLevel, c.PasswordProfile, c.IdleTimeout, c.SessionLifetime, c.SecureCookies, c.AutoMigrate, c.Notify)
}

// String shows the notification settings with the secrets redacted.
func (n Notify) String() string {
	secret := func(v string) string {
		if v == "" {
			return ""
		}
		return "xxxxx"
	}
	hook := ""
	if u, err := url.Parse(n.WebhookURL); err == nil && n.WebhookURL != "" {
		u.User, u.RawQuery, u.Fragment = nil, "", ""
		hook = u.String()
		if n.WebhookURL != hook {
			hook += "?xxxxx"
		}
	}
	return fmt.Sprintf("smtp-addr=%s smtp-from=%s smtp-user=%s smtp-password=%s smtp-tls=%s webhook-url=%s webhook-secret=%s",
		n.SMTPAddr, n.SMTPFrom, n.SMTPUser, secret(n.SMTPPassword), n.SMTPTLS, hook, secret(n.WebhookSecret))
}

// RedactURL hides the password of a database URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func envOr(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}

func envDuration(getenv func(string) string, k string, def time.Duration) time.Duration {
	if v := getenv(k); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func envBool(getenv func(string) string, k string, def bool) bool {
	if v := getenv(k); v != "" {
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return def
}
