package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/config"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
	"github.com/linli-org/linli/internal/web"
)

const userUsage = `Usage: linli user SUBCOMMAND [flags]

Subcommands (run as the console operator; every change is audited):
  add             create an account
  disable         disable an account and end its sessions
  reset-password  set a new password that must be changed at next login
  grant           replace an account's roles and scope`

func cmdUser(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, userUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	cfg := config.Defaults()
	var fs = newFlagSet(e, "user "+sub+" [flags]", "")
	cfg.RegisterStore(fs, e.getenv)
	username := fs.String("username", "", "login name")
	var name, roles, scope, org, password, profile *string
	switch sub {
	case "add":
		fs = rename(fs, "Create an account. Staff roles need --org-unit and --scope. Without --password a random one is generated and printed.")
		name = fs.String("name", "", "display name (the person's name)")
		roles = fs.String("role", "", "roles, comma-separated: "+roleList())
		scope = fs.String("scope", "", "area codes of the scope, comma-separated (a node includes its descendants)")
		org = fs.String("org-unit", "", "org unit id or exact name")
		password = fs.String("password", "", "initial password (default: generated)")
		profile = fs.String("password-profile", "default", "password policy to check against: default or dengbao")
	case "disable":
		fs = rename(fs, "Disable an account and revoke all its sessions.")
	case "reset-password":
		fs = rename(fs, "Set a new password (generated unless --password) that must be changed at next login; ends all sessions.")
		password = fs.String("password", "", "new password (default: generated)")
		profile = fs.String("password-profile", "default", "password policy to check against: default or dengbao")
	case "grant":
		fs = rename(fs, "Replace an account's roles and scope. The three admin duties are exclusive.")
		roles = fs.String("role", "", "roles, comma-separated: "+roleList())
		scope = fs.String("scope", "", "area codes of the scope, comma-separated")
	default:
		fmt.Fprintf(e.stderr, "linli: unknown user subcommand %q\n%s\n", sub, userUsage)
		return 2
	}
	if code, ok := parse(fs, e, args); !ok {
		return code
	}
	if *username == "" {
		fmt.Fprintln(e.stderr, "linli: --username is required")
		return 2
	}
	s := openPlain(ctx, e, cfg)
	if s == nil {
		return 1
	}
	defer s.Close()
	if p, err := s.Pending(ctx); err != nil || len(p) > 0 {
		fmt.Fprintf(e.stderr, "linli: the database schema is behind; run: linli migrate --db %s\n", config.RedactURL(cfg.DB))
		return 1
	}
	con := linli.ConsoleActor()
	var err error
	switch sub {
	case "add":
		err = userAdd(ctx, e, s, cfg, con, *username, *name, *roles, *scope, *org, *password, *profile)
	case "disable":
		err = withUser(ctx, s, *username, func(id int64) error { return s.DisableUser(ctx, con, id) })
		if err == nil {
			fmt.Fprintf(e.stdout, "disabled %s and ended its sessions\n", *username)
		}
	case "reset-password":
		err = userReset(ctx, e, s, cfg, con, *username, *password, *profile)
	case "grant":
		var rs []linli.Role
		var ids []int64
		if rs, err = parseRoles(*roles); err == nil {
			if ids, err = scopeIDs(ctx, s, *scope); err == nil {
				err = withUser(ctx, s, *username, func(id int64) error { return s.GrantRoles(ctx, con, id, rs, ids) })
			}
		}
		if err == nil {
			fmt.Fprintf(e.stdout, "%s now has roles %s\n", *username, *roles)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %s\n", describe(err))
		return 1
	}
	return 0
}

// rename sets the synopsis of a subcommand's usage text.
func rename(f *flag.FlagSet, synopsis string) *flag.FlagSet {
	name := f.Name()
	f.Usage = func() {
		fmt.Fprintf(f.Output(), "Usage: linli %s\n\n%s\n\nFlags:\n", name, synopsis)
		f.PrintDefaults()
	}
	return f
}

func roleList() string {
	s := make([]string, len(linli.AllRoles))
	for i, r := range linli.AllRoles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func parseRoles(s string) ([]linli.Role, error) {
	var out []linli.Role
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		r, ok := linli.ParseRole(p)
		if !ok {
			return nil, fmt.Errorf("unknown role %q (known: %s)", p, roleList())
		}
		out = append(out, r)
	}
	return out, nil
}

func scopeIDs(ctx context.Context, s *store.Store, codes string) ([]int64, error) {
	var ids []int64
	for _, c := range strings.Split(codes, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		ar, err := s.AreaByCode(ctx, linli.ConsoleActor(), c)
		if err != nil {
			return nil, fmt.Errorf("scope area %s: %w", c, err)
		}
		ids = append(ids, ar.ID)
	}
	return ids, nil
}

func withUser(ctx context.Context, s *store.Store, username string, fn func(id int64) error) error {
	id, err := s.UserIDByName(ctx, username)
	if err != nil {
		return fmt.Errorf("account %s: %w", username, err)
	}
	return fn(id)
}

// newPassword checks a given password against the policy, or generates one.
func newPassword(given, profile, username string) (string, bool, error) {
	if given == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
		out := make([]byte, len(b))
		for i, c := range b {
			out[i] = alphabet[int(c)%len(alphabet)]
		}
		// Four groups of three keep it readable and satisfy every profile.
		pw := string(out[0:4]) + "-" + string(out[4:8]) + "-" + string(out[8:12]) + "-7a"
		return pw, true, nil
	}
	return given, false, policyFor(profile).Check(given, username)
}

// sealedPassword checks (or generates) a password and returns it with its
// sealed hash for storage.
func sealedPassword(cfg config.Config, given, profile, username string) (pw string, generated bool, hash string, err error) {
	pw, generated, err = newPassword(given, profile, username)
	if err != nil {
		return "", false, "", err
	}
	keys, _, err := seal.LoadOrCreateKeyFile(cfg.KeyFile)
	if err != nil {
		return "", false, "", err
	}
	hash, err = web.HashPassword(auth.NewHasher(auth.DefaultParams, 1), keys, pw)
	return pw, generated, hash, err
}

func userAdd(ctx context.Context, e env, s *store.Store, cfg config.Config, con linli.Actor, username, name, roles, scope, org, password, profile string) error {
	rs, err := parseRoles(roles)
	if err != nil {
		return err
	}
	ids, err := scopeIDs(ctx, s, scope)
	if err != nil {
		return err
	}
	var orgID int64
	if org != "" {
		units, err := s.OrgUnits(ctx, con)
		if err != nil {
			return err
		}
		for _, u := range units {
			if strconv.FormatInt(u.ID, 10) == org || u.Name == org {
				orgID = u.ID
			}
		}
		if orgID == 0 {
			return fmt.Errorf("org unit %q not found", org)
		}
	}
	pw, generated, hash, err := sealedPassword(cfg, password, profile, username)
	if err != nil {
		return err
	}
	u, err := s.CreateUser(ctx, con, linli.UserInput{Username: username, DisplayName: name, Roles: rs, OrgUnitID: orgID, ScopeIDs: ids, MustChangePassword: true}, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created account %s (id %d)\n", u.Username, u.ID)
	if generated {
		fmt.Fprintf(e.stdout, "initial password: %s\n", pw)
	}
	return nil
}

func userReset(ctx context.Context, e env, s *store.Store, cfg config.Config, con linli.Actor, username, password, profile string) error {
	pw, generated, hash, err := sealedPassword(cfg, password, profile, username)
	if err != nil {
		return err
	}
	if err := withUser(ctx, s, username, func(id int64) error { return s.ResetPassword(ctx, con, id, hash) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password of %s reset; it must be changed at next login\n", username)
	if generated {
		fmt.Fprintf(e.stdout, "new password: %s\n", pw)
	}
	return nil
}

// describe turns a validation error into field: key lines for the console.
func describe(err error) string {
	var ve *linli.ValidationError
	if errors.As(err, &ve) {
		var parts []string
		for _, f := range ve.Fields {
			parts = append(parts, f.Field+": "+f.Key)
		}
		return "invalid input: " + strings.Join(parts, "; ")
	}
	return err.Error()
}
