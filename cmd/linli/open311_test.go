package main

import (
	"context"
	"strings"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/open311/open311test"
	"github.com/linli-org/linli/internal/store"
)

// `linli open311 check URL` runs the conformance suite against a server
// and exits 0 when every check passes.
func TestOpen311Check(t *testing.T) {
	var key string
	env := open311test.New(t, func(ctx context.Context, st *store.Store, _ func(string) (string, error)) error {
		con := linli.ConsoleActor()
		d, err := st.CreateArea(ctx, con, linli.AreaInput{Level: linli.LevelDistrict, Name: "东城区", Code: "110101000000"})
		if err != nil {
			return err
		}
		s, err := st.CreateArea(ctx, con, linli.AreaInput{ParentID: d.ID, Level: linli.LevelStreet, Name: "东华门街道", Code: "110101001000"})
		if err != nil {
			return err
		}
		c, err := st.CreateArea(ctx, con, linli.AreaInput{ParentID: s.ID, Level: linli.LevelCommunity, Name: "多福巷社区", Code: "110101001001"})
		if err != nil {
			return err
		}
		if err := open311test.Catalogue(ctx, st, 0); err != nil {
			return err
		}
		key, err = open311test.Token(ctx, st, "conformance", linli.RoleCommunityWorker, c.ID)
		return err
	})
	code, out, errOut := runLinli(t, "open311", "check", "--api-key", key, env.URL)
	if code != 0 || !strings.Contains(out, "all 16 checks passed") || strings.Contains(out, key) {
		t.Errorf("open311 check = %d\n%s%s", code, out, errOut)
	}
	// Without a key, the checks that create requests do not apply.
	if code, out, _ := runLinli(t, "open311", "check", env.URL); code != 0 || !strings.Contains(out, "SKIP  7") {
		t.Errorf("open311 check without a key = %d\n%s", code, out)
	}
	if code, _, _ := runLinli(t, "open311"); code != 2 {
		t.Errorf("open311 without check = %d, want 2", code)
	}
	if code, _, _ := runLinli(t, "open311", "check"); code != 2 {
		t.Errorf("open311 check without a URL = %d, want 2", code)
	}
}
