package linli_test

import (
	"testing"

	"github.com/linli-org/linli"
)

func TestCheckAreaCode(t *testing.T) {
	district := &linli.Area{Level: linli.LevelDistrict, Code: "110101000000"}
	street := &linli.Area{Level: linli.LevelStreet, Code: "110101001000"}
	community := &linli.Area{Level: linli.LevelCommunity, Code: "110101001001"}
	cases := []struct {
		level  linli.Level
		code   string
		parent *linli.Area
		want   string
	}{
		{linli.LevelDistrict, "110101000000", nil, ""},
		{linli.LevelDistrict, "110101001000", nil, "area.code.district_format"},
		{linli.LevelDistrict, "1101010000", nil, "area.code.format"},
		{linli.LevelStreet, "110101001000", district, ""},
		{linli.LevelStreet, "110102001000", district, "area.code.parent_prefix"},
		{linli.LevelStreet, "110101001001", district, "area.code.street_format"},
		{linli.LevelCommunity, "110101001001", street, ""},
		{linli.LevelCommunity, "110101002001", street, "area.code.parent_prefix"},
		{linli.LevelCommunity, "110101001000", street, "area.code.community_format"},
		{linli.LevelGrid, "110101001001-01", community, ""},
		{linli.LevelGrid, "110101001002-01", community, "area.code.parent_prefix"},
		{linli.LevelGrid, "110101001001-", community, "area.code.grid_format"},
		{linli.LevelGrid, "110101001001-12345", community, "area.code.grid_format"},
		{linli.LevelGrid, "", community, "area.code.required"},
		{linli.LevelStreet, "11010100100x", district, "area.code.format"},
	}
	for _, c := range cases {
		if got := linli.CheckAreaCode(c.level, c.code, c.parent); got != c.want {
			t.Errorf("CheckAreaCode(%s, %q) = %q, want %q", c.level, c.code, got, c.want)
		}
	}
}

func TestCanMove(t *testing.T) {
	street := linli.Area{ID: 2, Level: linli.LevelStreet, Path: "/1/2/"}
	community := linli.Area{ID: 3, Level: linli.LevelCommunity, Path: "/1/2/3/"}
	other := linli.Area{ID: 5, Level: linli.LevelStreet, Path: "/1/5/"}
	grid := linli.Area{ID: 4, Level: linli.LevelGrid, Path: "/1/2/3/4/"}
	if k := linli.CanMove(community, other); k != "" {
		t.Errorf("CanMove(community, other street) = %q", k)
	}
	if k := linli.CanMove(community, grid); k != "area.parent.wrong_level" {
		t.Errorf("CanMove(community, grid) = %q", k)
	}
	retired := other
	retired.Retired = true
	if k := linli.CanMove(community, retired); k != "area.parent.retired" {
		t.Errorf("CanMove(community, retired street) = %q", k)
	}
	sub := linli.Area{ID: 9, Level: linli.LevelStreet, Path: "/1/2/3/9/"}
	if k := linli.CanMove(linli.Area{ID: 3, Level: linli.LevelCommunity, Path: "/1/2/3/"}, linli.Area{Level: linli.LevelStreet, Path: sub.Path}); k != "area.move.into_self" {
		t.Errorf("CanMove into own subtree = %q", k)
	}
	_ = street
}

func TestAuditHashCoversEveryField(t *testing.T) {
	base := linli.AuditEvent{Seq: 7, ActorID: 3, ActorName: "a", Role: "r", Action: "x", ObjectType: "area", ObjectID: "9",
		AreaID: 9, Outcome: "ok", ClientIP: "127.0.0.1", RequestID: "rq", Purpose: "p", Detail: "d", PrevHash: linli.GenesisHash}
	h := base.ComputeHash()
	muts := []func(*linli.AuditEvent){
		func(e *linli.AuditEvent) { e.Seq++ }, func(e *linli.AuditEvent) { e.ActorID++ },
		func(e *linli.AuditEvent) { e.ActorName = "b" }, func(e *linli.AuditEvent) { e.Role = "s" },
		func(e *linli.AuditEvent) { e.Action = "y" }, func(e *linli.AuditEvent) { e.ObjectType = "user" },
		func(e *linli.AuditEvent) { e.ObjectID = "8" }, func(e *linli.AuditEvent) { e.AreaID++ },
		func(e *linli.AuditEvent) { e.Outcome = "denied" }, func(e *linli.AuditEvent) { e.ClientIP = "::1" },
		func(e *linli.AuditEvent) { e.RequestID = "rr" }, func(e *linli.AuditEvent) { e.Purpose = "q" },
		func(e *linli.AuditEvent) { e.Detail = "e" }, func(e *linli.AuditEvent) { e.PrevHash = "00" },
		// Shifting text between adjacent fields must change the hash too.
		func(e *linli.AuditEvent) { e.ActorName, e.Role = "ar", "" },
	}
	for i, m := range muts {
		e := base
		m(&e)
		if e.ComputeHash() == h {
			t.Errorf("mutation %d did not change the hash", i)
		}
	}
}
