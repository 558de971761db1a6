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

func TestTagVisibility(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		street := actorOn([]linli.Role{linli.RoleStreetStaff}, tr.s1) // sensitive, not restricted
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "郑十", IDNumber: idWith("11010519500101001"), GridID: tr.gridA.ID})

		if _, err := s.AddTag(ctx, ra.gw1, p.ID, "disability", map[string]string{"type": "肢体", "level": "二级"}, time.Time{}, "", ""); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("grid worker adds a sensitive tag: %v", err)
		}
		if _, err := s.AddTag(ctx, ra.head, p.ID, "disability", map[string]string{"color": "x"}, time.Time{}, "", ""); err == nil {
			t.Fatal("unknown attribute accepted")
		}
		if _, err := s.AddTag(ctx, ra.head, p.ID, "disability", map[string]string{"type": "肢体", "level": "二级"}, time.Time{}, linli.SourceImport, "残联"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTag(ctx, ra.head, p.ID, "disability", nil, time.Time{}, "", ""); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("second open disability tag = %v", err)
		}
		if _, err := s.AddTag(ctx, ra.head, p.ID, "correction", nil, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTag(ctx, ra.gw1, p.ID, "elderly_alone", nil, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := s.DB().QueryRow(`SELECT attrs_sealed FROM person_tags WHERE attrs_sealed <> ''`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, "肢体") {
			t.Fatalf("sensitive attributes not sealed: %q", raw)
		}
		codes := func(a linli.Actor, purpose string) string {
			t.Helper()
			tags, err := s.PersonTags(ctx, a, p.ID, purpose)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range tags {
				out = append(out, x.Tag.Code)
			}
			return strings.Join(out, ",")
		}
		if got := codes(ra.gw1, ""); got != "elderly_alone" {
			t.Fatalf("grid worker sees %q", got)
		}
		if got := codes(street, ""); got != "disability,elderly_alone" {
			t.Fatalf("street staff sees %q", got)
		}
		if got := codes(ra.head, "走访核查"); got != "disability,correction,elderly_alone" {
			t.Fatalf("community head sees %q", got)
		}
		evs, err := s.SearchAudit(ctx, ra.audit, linli.AuditQuery{Action: "tag.view"})
		if err != nil || len(evs) != 1 || evs[0].Purpose != "走访核查" || evs[0].Detail != "correction" {
			t.Fatalf("tag.view audit = %+v, %v", evs, err)
		}
		tags, _ := s.PersonTags(ctx, ra.head, p.ID, "走访核查")
		if tags[0].Attrs["level"] != "二级" {
			t.Fatalf("attrs = %v", tags[0].Attrs)
		}
		// History lines about hidden tags are hidden too.
		h, _ := s.PersonHistory(ctx, ra.gw1, p.ID)
		for _, ch := range h {
			if ch.Field == "tag:disability" || ch.Field == "tag:correction" {
				t.Fatalf("grid worker sees history %+v", ch)
			}
		}
		// Catalogue and counts.
		cat, _ := s.Tags(ctx, ra.gw1)
		for _, x := range cat {
			if x.Class == linli.TagRestricted {
				t.Fatalf("grid worker's catalogue lists %s", x.Code)
			}
		}
		counts := func(a linli.Actor) map[string]store.TagCount {
			t.Helper()
			cs, err := s.CountByTag(ctx, a, 0)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]store.TagCount{}
			for _, c := range cs {
				m[c.Tag.Code] = c
			}
			return m
		}
		gw := counts(ra.gw1)
		if _, ok := gw["correction"]; ok {
			t.Fatal("grid worker counts a restricted tag")
		}
		if c := gw["disability"]; !c.Suppressed || c.Count != 0 {
			t.Fatalf("grid worker's disability count = %+v", c)
		}
		if c := gw["elderly_alone"]; c.Count != 1 || c.Suppressed {
			t.Fatalf("ordinary count = %+v", c)
		}
		hd := counts(ra.head)
		if hd["correction"].Count != 1 || hd["disability"].Count != 1 || hd["disability"].Suppressed {
			t.Fatalf("head's counts = %+v", hd)
		}
		if err := s.EndTag(ctx, ra.gw1, p.ID, "elderly_alone", time.Time{}, "子女回迁"); err != nil {
			t.Fatal(err)
		}
		if c := counts(ra.gw1)["elderly_alone"]; c.Count != 0 {
			t.Fatalf("ended tag still counted: %+v", c)
		}
	})
}
