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

// tagAudits returns the audit records of an action, oldest last.
func tagAudits(t *testing.T, s *store.Store, ra regActors, action string) []linli.AuditEvent {
	t.Helper()
	evs, err := s.SearchAudit(context.Background(), ra.audit, linli.AuditQuery{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// catalogue maps the codes of the actor's catalogue to its entries.
func catalogue(t *testing.T, s *store.Store, a linli.Actor) map[string]store.Tag {
	t.Helper()
	tags, err := s.Tags(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Tag{}
	for _, x := range tags {
		m[x.Code] = x
	}
	return m
}

func TestTagAdminCreate(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		before := countRows(t, s, "tags")

		// A community worker may not touch the catalogue.
		in := store.TagInput{Code: "hearing_aid", NameZh: "助听器需求", NameEn: "Needs a hearing aid", Class: linli.TagSensitive, Attrs: []string{"level", " side "}}
		if _, err := s.CreateTag(ctx, worker, in); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker CreateTag = %v, want ErrForbidden", err)
		}
		if n := countRows(t, s, "tags"); n != before {
			t.Fatalf("refused create wrote a tag: %d → %d", before, n)
		}

		tg, err := s.CreateTag(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if tg.ID == 0 || tg.Code != "hearing_aid" || tg.Class != linli.TagSensitive || strings.Join(tg.Attrs, ",") != "level,side" || tg.Retired {
			t.Fatalf("created = %+v", tg)
		}
		got, ok := catalogue(t, s, admin)["hearing_aid"]
		if !ok || got.NameZh != "助听器需求" || got.NameEn != "Needs a hearing aid" || strings.Join(got.Attrs, ",") != "level,side" {
			t.Fatalf("catalogue entry = %+v, %v", got, ok)
		}
		evs := tagAudits(t, s, ra, "tag.create")
		if len(evs) != 1 || evs[0].ObjectType != "tag" || evs[0].ObjectID != itoa(tg.ID) || !strings.Contains(evs[0].Detail, "hearing_aid") {
			t.Fatalf("tag.create audit = %+v", evs)
		}
		// The new sensitive tag works like the built-in ones.
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "孙十一", IDNumber: idWith("11010519600101001"), GridID: tr.gridA.ID})
		if _, err := s.AddTag(ctx, ra.gw1, p.ID, "hearing_aid", nil, time.Time{}, "", ""); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("grid worker adds the new sensitive tag: %v", err)
		}
		if _, err := s.AddTag(ctx, ra.head, p.ID, "hearing_aid", map[string]string{"side": "左"}, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}

		// Duplicates: a new tag's code, a built-in one, a retired one.
		for _, code := range []string{"hearing_aid", "elderly_alone"} {
			_, err := s.CreateTag(ctx, admin, store.TagInput{Code: code, NameZh: "重复", Class: linli.TagOrdinary})
			if ce := conflictErr(t, err, "tag.code.taken"); len(ce.Args) != 1 || ce.Args[0] != code {
				t.Fatalf("duplicate %s args = %v", code, ce.Args)
			}
		}
		if _, err := s.RetireTag(ctx, admin, "empty_nest"); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateTag(ctx, admin, store.TagInput{Code: "empty_nest", NameZh: "空巢", Class: linli.TagOrdinary})
		conflictErr(t, err, "tag.code.taken")

		// Validation: one message per field, nothing written.
		auditsBefore := countRows(t, s, "audit")
		_, err = s.CreateTag(ctx, admin, store.TagInput{Code: "Bad-Code", NameZh: " ", NameEn: strings.Repeat("x", 81), Class: "secret", Attrs: []string{"Type"}})
		fieldErr(t, err, "code", "tag.code.format")
		fieldErr(t, err, "name_zh", "tag.name_zh.required")
		fieldErr(t, err, "name_en", "tag.name_en.too_long")
		fieldErr(t, err, "class", "tag.class.invalid")
		fieldErr(t, err, "attrs", "tag.attrs.format")
		_, err = s.CreateTag(ctx, admin, store.TagInput{NameZh: strings.Repeat("长", 41), Class: linli.TagOrdinary, Attrs: []string{"a", "a"}})
		fieldErr(t, err, "code", "tag.code.required")
		fieldErr(t, err, "name_zh", "tag.name_zh.too_long")
		fieldErr(t, err, "attrs", "tag.attrs.duplicate")
		for _, code := range []string{"x", "1abc", "_abc", "ab c", "中文", strings.Repeat("a", 41)} {
			_, err = s.CreateTag(ctx, admin, store.TagInput{Code: code, NameZh: "名", Class: linli.TagOrdinary})
			fieldErr(t, err, "code", "tag.code.format")
		}
		_, err = s.CreateTag(ctx, admin, store.TagInput{Code: "many_attrs", NameZh: "名", Class: linli.TagOrdinary,
			Attrs: []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}})
		fieldErr(t, err, "attrs", "tag.attrs.too_many")
		if n := countRows(t, s, "tags"); n != before+1 {
			t.Fatalf("tags = %d, want %d", n, before+1)
		}
		if n := countRows(t, s, "audit"); n != auditsBefore {
			t.Fatalf("refused writes were audited: %d → %d", auditsBefore, n)
		}
	})
}

func TestTagAdminRetireRefusesAddTag(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		p1 := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "周一", IDNumber: idWith("11010519500101011"), GridID: tr.gridA.ID})
		p2 := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "吴二", IDNumber: idWith("11010519500101021"), GridID: tr.gridA.ID})
		if _, err := s.CreateTag(ctx, admin, store.TagInput{Code: "garden_club", NameZh: "社区花园志愿者", Class: linli.TagOrdinary, Attrs: []string{"plot"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTag(ctx, ra.gw1, p1.ID, "garden_club", map[string]string{"plot": "A3"}, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}

		if _, err := s.RetireTag(ctx, worker, "garden_club"); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker RetireTag = %v", err)
		}
		if _, err := s.RetireTag(ctx, admin, "no_such_tag"); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("RetireTag(unknown) = %v", err)
		}
		tg, err := s.RetireTag(ctx, admin, "garden_club")
		if err != nil || !tg.Retired {
			t.Fatalf("RetireTag = %+v, %v", tg, err)
		}
		if !catalogue(t, s, ra.gw1)["garden_club"].Retired {
			t.Fatal("the catalogue does not show the tag retired")
		}
		_, err = s.RetireTag(ctx, admin, "garden_club")
		conflictErr(t, err, "tag.retired")
		_, err = s.UpdateTag(ctx, admin, "garden_club", store.TagInput{NameZh: "新名", Class: linli.TagOrdinary})
		conflictErr(t, err, "tag.retired")

		// A retired tag cannot be added to anyone…
		_, err = s.AddTag(ctx, ra.gw1, p2.ID, "garden_club", nil, time.Time{}, "", "")
		fieldErr(t, err, "code", "tag.code.retired")
		// …but the tags people have stay, with their history, and can end.
		pts, err := s.PersonTags(ctx, ra.gw1, p1.ID, "")
		if err != nil || len(pts) != 1 || pts[0].Tag.Code != "garden_club" || pts[0].Attrs["plot"] != "A3" || !pts[0].Tag.Retired {
			t.Fatalf("person tags after retiring = %+v, %v", pts, err)
		}
		if cs, _ := s.CountByTag(ctx, ra.gw1, 0); slicesHasTag(cs, "garden_club") {
			t.Fatal("a retired tag is still counted")
		}
		if err := s.EndTag(ctx, ra.gw1, p1.ID, "garden_club", time.Time{}, "退出"); err != nil {
			t.Fatalf("ending a retired tag: %v", err)
		}
		h, _ := s.PersonHistory(ctx, ra.gw1, p1.ID)
		var lines int
		for _, ch := range h {
			if ch.Field == "tag:garden_club" {
				lines++
			}
		}
		if lines != 2 {
			t.Fatalf("history has %d lines about the tag, want 2 (added, ended)", lines)
		}

		// Brought back, it can be added again.
		if _, err := s.UnretireTag(ctx, worker, "garden_club"); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker UnretireTag = %v", err)
		}
		if tg, err := s.UnretireTag(ctx, admin, "garden_club"); err != nil || tg.Retired {
			t.Fatalf("UnretireTag = %+v, %v", tg, err)
		}
		_, err = s.UnretireTag(ctx, admin, "garden_club")
		conflictErr(t, err, "tag.not_retired")
		if _, err := s.AddTag(ctx, ra.gw1, p2.ID, "garden_club", nil, time.Time{}, "", ""); err != nil {
			t.Fatalf("adding the tag back in use: %v", err)
		}
		for _, action := range []string{"tag.retire", "tag.unretire"} {
			if evs := tagAudits(t, s, ra, action); len(evs) != 1 || evs[0].Detail != "garden_club" || evs[0].ObjectType != "tag" {
				t.Fatalf("%s audit = %+v", action, evs)
			}
		}
	})
}

func slicesHasTag(cs []store.TagCount, code string) bool {
	for _, c := range cs {
		if c.Tag.Code == code {
			return true
		}
	}
	return false
}

func TestTagAdminClassChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		worker := actorOn([]linli.Role{linli.RoleCommunityWorker}, tr.a)
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "郑三", IDNumber: idWith("11010519500101031"), GridID: tr.gridA.ID})
		if _, err := s.CreateTag(ctx, admin, store.TagInput{Code: "arrears", NameZh: "欠费住户", Class: linli.TagOrdinary, Attrs: []string{"reason"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTag(ctx, ra.gw1, p.ID, "arrears", map[string]string{"reason": "失业困难"}, time.Time{}, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateTag(ctx, worker, "arrears", store.TagInput{NameZh: "x", Class: linli.TagRestricted}); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("worker UpdateTag = %v", err)
		}
		if _, err := s.UpdateTag(ctx, admin, "no_such_tag", store.TagInput{NameZh: "x", Class: linli.TagOrdinary}); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("UpdateTag(unknown) = %v", err)
		}

		// Tightening: the plain attributes are sealed and the history masked.
		tg, err := s.UpdateTag(ctx, admin, "arrears", store.TagInput{NameZh: "欠费困难住户", NameEn: "In arrears", Class: linli.TagSensitive, Attrs: []string{"reason"}})
		if err != nil || tg.Class != linli.TagSensitive || tg.NameZh != "欠费困难住户" {
			t.Fatalf("UpdateTag = %+v, %v", tg, err)
		}
		var plain, sealed string
		if err := s.DB().QueryRow(`SELECT attrs, attrs_sealed FROM person_tags WHERE person_id = `+itoa(p.ID)).Scan(&plain, &sealed); err != nil {
			t.Fatal(err)
		}
		if plain != "" || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "失业") {
			t.Fatalf("after tightening attrs = %q, sealed = %q", plain, sealed)
		}
		var leaks int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM person_history WHERE new_value LIKE '%失业%' OR old_value LIKE '%失业%'`).Scan(&leaks); err != nil {
			t.Fatal(err)
		}
		if leaks != 0 {
			t.Fatalf("%d history lines still show the attribute", leaks)
		}
		if pts, _ := s.PersonTags(ctx, ra.gw1, p.ID, ""); len(pts) != 0 {
			t.Fatalf("grid worker still sees the tightened tag: %+v", pts)
		}
		if h, _ := s.PersonHistory(ctx, ra.gw1, p.ID); historyHas(h, "tag:arrears") {
			t.Fatal("grid worker still sees the tightened tag's history")
		}
		pts, err := s.PersonTags(ctx, ra.head, p.ID, "")
		if err != nil || len(pts) != 1 || pts[0].Attrs["reason"] != "失业困难" {
			t.Fatalf("head's person tags = %+v, %v", pts, err)
		}
		evs := tagAudits(t, s, ra, "tag.update")
		if len(evs) != 1 || !strings.Contains(evs[0].Detail, "class ordinary>sensitive") || !strings.Contains(evs[0].Detail, "name_zh") {
			t.Fatalf("tag.update audit = %+v", evs)
		}

		// Loosening a tag that has been on someone would expose it.
		_, err = s.UpdateTag(ctx, admin, "arrears", store.TagInput{NameZh: "欠费困难住户", Class: linli.TagOrdinary, Attrs: []string{"reason"}})
		fieldErr(t, err, "class", "tag.class.loosen_in_use")
		// Still so after the person's tag ended.
		if err := s.EndTag(ctx, ra.head, p.ID, "arrears", time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateTag(ctx, admin, "arrears", store.TagInput{NameZh: "欠费困难住户", Class: linli.TagOrdinary, Attrs: []string{"reason"}})
		fieldErr(t, err, "class", "tag.class.loosen_in_use")
		if got := catalogue(t, s, admin)["arrears"]; got.Class != linli.TagSensitive {
			t.Fatalf("class after refused loosening = %s", got.Class)
		}
		// An attribute someone has a value for stays; others come and go.
		_, err = s.UpdateTag(ctx, admin, "arrears", store.TagInput{NameZh: "欠费困难住户", Class: linli.TagSensitive})
		fieldErr(t, err, "attrs", "tag.attrs.in_use")
		if _, err := s.UpdateTag(ctx, admin, "arrears", store.TagInput{NameZh: "欠费困难住户", Class: linli.TagSensitive, Attrs: []string{"reason", "months"}}); err != nil {
			t.Fatalf("adding an attribute: %v", err)
		}
		if _, err := s.UpdateTag(ctx, admin, "arrears", store.TagInput{NameZh: "欠费困难住户", Class: linli.TagRestricted, Attrs: []string{"reason"}}); err != nil {
			t.Fatalf("removing an unused attribute and tightening again: %v", err)
		}
		if got := catalogue(t, s, admin)["arrears"]; got.Class != linli.TagRestricted || strings.Join(got.Attrs, ",") != "reason" {
			t.Fatalf("after update = %+v", got)
		}
		// The district admin (no restricted.read) administers restricted
		// tags, so the catalogue shows them all; a grid worker still does
		// not see them.
		if _, ok := catalogue(t, s, admin)["correction"]; !ok {
			t.Fatal("the tag admin's catalogue lacks the restricted tags")
		}
		if _, ok := catalogue(t, s, ra.gw1)["arrears"]; ok {
			t.Fatal("a grid worker's catalogue lists a restricted tag")
		}
		if _, err := s.Tag(ctx, ra.gw1, "arrears"); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("grid worker Tag(restricted) = %v", err)
		}
		// A tag nobody ever had may be loosened.
		if _, err := s.UpdateTag(ctx, admin, "severe_mental", store.TagInput{NameZh: "严重精神障碍患者", Class: linli.TagSensitive}); err != nil {
			t.Fatalf("loosening an unused tag: %v", err)
		}
		// A change that changes nothing writes nothing.
		n := countRows(t, s, "audit")
		if _, err := s.UpdateTag(ctx, admin, "severe_mental", store.TagInput{NameZh: "严重精神障碍患者", Class: linli.TagSensitive}); err != nil {
			t.Fatal(err)
		}
		if countRows(t, s, "audit") != n {
			t.Fatal("an empty change was audited")
		}
	})
}

func historyHas(h []store.Change, field string) bool {
	for _, c := range h {
		if c.Field == field {
			return true
		}
	}
	return false
}
