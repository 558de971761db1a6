package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestFlagsOverrideEnv(t *testing.T) {
	env := map[string]string{"LINLI_DB": "env.db", "LINLI_ADDR": "127.0.0.1:9999", "LINLI_IDLE_TIMEOUT": "10m"}
	c := Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.RegisterStore(fs, func(k string) string { return env[k] })
	c.RegisterServer(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--db", "flag.db"}); err != nil {
		t.Fatal(err)
	}
	if c.DB != "flag.db" || c.Addr != "127.0.0.1:9999" || c.IdleTimeout != 10*time.Minute || c.KeyFile != "linli.key" {
		t.Fatalf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateAndRedact(t *testing.T) {
	c := Defaults()
	c.PasswordProfile = "weak"
	c.IdleTimeout = time.Second
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "password-profile") || !strings.Contains(err.Error(), "idle-timeout") {
		t.Fatalf("Validate() = %v, want both problems named", err)
	}
	c = Defaults()
	c.DB = "postgres://linli:s3cret@db:5432/linli"
	if s := c.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "linli:xxxxx@db") {
		t.Fatalf("String() = %q, want the password redacted", s)
	}
}

func TestNotifySettings(t *testing.T) {
	env := map[string]string{"LINLI_SMTP_ADDR": "mail.example.cn:587", "LINLI_SMTP_FROM": "邻里 <noreply@example.cn>", "LINLI_SMTP_USER": "linli",
		"LINLI_SMTP_PASSWORD": "smtp-s3cret", "LINLI_WEBHOOK_URL": "https://user:pw@sms.example.cn/send?token=tok-s3cret",
		"LINLI_WEBHOOK_SECRET": "hook-s3cret-0123456789", "LINLI_WEBHOOK_TEMPLATE": "【邻里】{{.Text}}"}
	c := Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.RegisterServer(fs, func(k string) string { return env[k] })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	if n.SMTPAddr != "mail.example.cn:587" || n.SMTPPassword != "smtp-s3cret" || n.SMTPTLS != "starttls" || n.WebhookSecret != "hook-s3cret-0123456789" ||
		n.WebhookTemplate != "【邻里】{{.Text}}" {
		t.Fatalf("notify = %+v", n)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, secret := range []string{"smtp-s3cret", "hook-s3cret", "tok-s3cret", "pw@"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() shows %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "smtp-password=xxxxx") || !strings.Contains(s, "webhook-url=https://sms.example.cn/send?xxxxx") {
		t.Errorf("String() = %s", s)
	}
	c.Notify = Notify{SMTPAddr: "mail.example.cn", SMTPTLS: "maybe", WebhookURL: "ftp://x", WebhookSecret: "short", WebhookTemplate: "{{.Text"}
	err := c.Validate()
	for _, want := range []string{"--smtp-addr", "--smtp-from", "--smtp-tls", "--webhook-url: want", "LINLI_WEBHOOK_SECRET", "--webhook-template"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %s named", err, want)
		}
	}
}
