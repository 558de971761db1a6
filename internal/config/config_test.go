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
