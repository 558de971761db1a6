package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

func TestCheckRevealPurpose(t *testing.T) {
	for _, tt := range []struct {
		in, want, field string
	}{
		{"verify_identity", "verify_identity", ""},
		{" emergency ", "emergency", ""},
		{"other:  上门 核实  住址 ", "other:上门 核实 住址", ""},
		{"other:核实身份", "other:核实身份", ""},
		{"other:核", "", "purpose_text"},
		{"", "", "purpose"},
		{"curiosity", "", "purpose"},
	} {
		got, err := store.CheckRevealPurpose(tt.in)
		if tt.field != "" {
			var ve *linli.ValidationError
			if !errors.As(err, &ve) || !ve.Has(tt.field) {
				t.Errorf("CheckRevealPurpose(%q) = %q, %v; want an error on %s", tt.in, got, err, tt.field)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckRevealPurpose(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestRevealPerson(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		con := linli.ConsoleActor()
		head := linli.NewActor(41, "head.a", []linli.Role{linli.RoleCommunityHead}, linli.Scope{AreaIDs: []int64{tr.a.ID}, Paths: []string{tr.a.Path}})
		worker := linli.NewActor(42, "worker.a", []linli.Role{linli.RoleCommunityWorker}, linli.Scope{AreaIDs: []int64{tr.a.ID}, Paths: []string{tr.a.Path}})
		auditor := actorOn([]linli.Role{linli.RoleAuditAdmin}, tr.district)
		sec := linli.NewActor(43, "sec", []linli.Role{linli.RoleSecurityAdmin}, linli.Scope{AreaIDs: []int64{tr.district.ID}, Paths: []string{tr.district.Path}})
		var people []linli.Person
		for i, name := range []string{"王秀英", "李建国", "张少明"} {
			people = append(people, newPerson(t, s, con, linli.PersonInput{Name: name,
				IDNumber: idWith("11010519491231" + string(rune('1'+i)) + "00"), Phones: []string{"1380013800" + string(rune('1'+i))}, GridID: tr.gridA.ID}))
		}
		outside := newPerson(t, s, con, linli.PersonInput{Name: "赵敏", Phones: []string{"13900139000"}, GridID: tr.gridB.ID})
		if _, err := s.AddTag(ctx, con, people[0].ID, "disability", map[string]string{"type": "visual", "level": "2"}, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}

		// Permission, scope and purpose.
		if _, err := s.RevealPerson(ctx, worker, people[0].ID, "phone", "verify_identity"); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("worker without pii.reveal: %v", err)
		}
		if _, err := s.RevealPerson(ctx, head, outside.ID, "phone", "verify_identity"); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("outside the scope: %v", err)
		}
		if _, err := s.RevealPerson(ctx, head, people[0].ID, "phone", ""); !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("without purpose: %v", err)
		}
		got, err := s.RevealPerson(ctx, head, people[0].ID, "phone", "contact_resident")
		if err != nil || got != "13800138001" {
			t.Fatalf("reveal phone = %q, %v", got, err)
		}
		got, err = s.RevealPerson(ctx, head, people[0].ID, "id_number", "other:核实身份信息")
		if err != nil || got != idWith("11010519491231100") {
			t.Fatalf("reveal id = %q, %v", got, err)
		}
		got, err = s.RevealPerson(ctx, head, people[0].ID, "tag:disability", "service_handling")
		if err != nil || got != "level: 2; type: visual" {
			t.Fatalf("reveal tag = %q, %v", got, err)
		}
		ev, err := s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "pii.reveal"})
		if err != nil || len(ev) != 3 || ev[2].Purpose != "contact_resident" || ev[2].Detail != "phone" || ev[1].Purpose != "other:核实身份信息" {
			t.Fatalf("audit = %+v, %v", ev, err)
		}
		for _, e := range ev {
			if strings.Contains(e.Detail+e.Purpose, "1380013800") {
				t.Fatalf("the audit holds the value: %+v", e)
			}
		}

		// Budget 2: the same resident again is free, a third one is refused
		// and alerts once.
		if err := s.SetSetting(ctx, con, store.RevealBudgetSetting, "2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevealPerson(ctx, head, people[1].ID, "phone", "emergency"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevealPerson(ctx, head, people[0].ID, "phone", "emergency"); err != nil {
			t.Fatalf("the same resident again counts twice: %v", err)
		}
		for range 2 {
			if _, err := s.RevealPerson(ctx, head, people[2].ID, "phone", "emergency"); !errors.Is(err, linli.ErrConflict) {
				t.Fatalf("over budget: %v", err)
			}
		}
		alerts, err := s.RecentAlerts(ctx, sec)
		if err != nil || len(alerts) != 1 || alerts[0].ActorName != "head.a" {
			t.Fatalf("alerts = %+v, %v", alerts, err)
		}
		if _, err := s.RecentAlerts(ctx, head); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("alerts for a head: %v", err)
		}
		ev, _ = s.SearchAudit(ctx, auditor, linli.AuditQuery{Action: "pii.reveal"})
		if ev[0].Outcome != linli.OutcomeDenied {
			t.Fatalf("refusal audited as %q", ev[0].Outcome)
		}
		// An hour later the budget is back.
		c.Advance(61 * time.Minute)
		if _, err := s.RevealPerson(ctx, head, people[2].ID, "phone", "emergency"); err != nil {
			t.Fatalf("after an hour: %v", err)
		}
		if vr, err := s.VerifyAudit(ctx); err != nil || vr.BrokenSeq != 0 {
			t.Fatalf("audit chain: %+v, %v", vr, err)
		}
	})
}
