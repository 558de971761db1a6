package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
	"github.com/linli-org/linli/internal/store"
)

// idWith completes 17 digits with their check digit.
func idWith(first17 string) string { return first17 + string(seal.IDCheckDigit(first17)) }

// regActors are the registry's usual actors on the test tree.
type regActors struct {
	head  linli.Actor // community head of A and B: sensitive and restricted
	gw1   linli.Actor // grid worker of grid A
	gw2   linli.Actor // grid worker of grid B
	audit linli.Actor
}

func registryActors(tr tree) regActors {
	return regActors{
		head:  actorOn([]linli.Role{linli.RoleCommunityHead}, tr.a, tr.b),
		gw1:   actorOn([]linli.Role{linli.RoleGridWorker}, tr.gridA),
		gw2:   actorOn([]linli.Role{linli.RoleGridWorker}, tr.gridB),
		audit: actorOn([]linli.Role{linli.RoleAuditAdmin}, tr.district),
	}
}

func newPerson(t *testing.T, s *store.Store, a linli.Actor, in linli.PersonInput) linli.Person {
	t.Helper()
	if in.RegType == "" {
		in.RegType = linli.RegRegistered
	}
	p, err := s.CreatePerson(context.Background(), a, in)
	if err != nil {
		t.Fatalf("CreatePerson(%s) = %v", in.Name, err)
	}
	return p
}

func countRows(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func fieldErr(t *testing.T, err error, field, key string) {
	t.Helper()
	var ve *linli.ValidationError
	if !errors.As(err, &ve) || !hasField(ve, field, key) {
		t.Fatalf("err = %v, want %s=%s", err, field, key)
	}
}

func conflictErr(t *testing.T, err error, key string) *linli.ConflictError {
	t.Helper()
	var ce *linli.ConflictError
	if !errors.As(err, &ce) || ce.Key != key {
		t.Fatalf("err = %v, want conflict %s", err, key)
	}
	return ce
}

func TestCreatePersonFromResidentID(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "王秀英", IDNumber: "11010519491231002x", Phones: []string{"138 0013 8000"},
			GridID: tr.gridA.ID, Address: "多福巷12号"})
		if got := p.BirthDate.Format("2006-01-02"); got != "1949-12-31" || p.Gender != linli.GenderFemale {
			t.Fatalf("derived birth %s gender %s, want 1949-12-31 and female", got, p.Gender)
		}
		if p.IDType != linli.IDResident || p.IDMasked != "1101**********002X" || p.IDNumber != "" {
			t.Fatalf("ID: %q %q %q", p.IDType, p.IDMasked, p.IDNumber)
		}
		if len(p.Phones) != 0 || len(p.PhoneMasked) != 1 || p.PhoneMasked[0] != "138****8000" {
			t.Fatalf("phones %v masked %v", p.Phones, p.PhoneMasked)
		}
		if p.Path != tr.gridA.Path || p.Sources["id_number"].Source != linli.SourceWorker {
			t.Fatalf("path %q sources %v", p.Path, p.Sources)
		}
		got, err := s.Person(ctx, ra.gw1, p.ID)
		if err != nil || got.Name != "王秀英" || got.IDNumber != "" {
			t.Fatalf("Person = %+v, %v", got, err)
		}
		// Sealed at rest: no plaintext in the raw columns.
		var idRaw, phoneRaw string
		if err := s.DB().QueryRow(`SELECT id_number FROM persons`).Scan(&idRaw); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow(`SELECT phone FROM person_phones`).Scan(&phoneRaw); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(idRaw, "v1:") || strings.Contains(idRaw, "19491231") || !strings.HasPrefix(phoneRaw, "v1:") || strings.Contains(phoneRaw, "00138000") {
			t.Fatalf("raw values not sealed: %q %q", idRaw, phoneRaw)
		}
		// A given birth date that contradicts the ID is refused.
		_, err = s.CreatePerson(ctx, ra.gw1, linli.PersonInput{Name: "李四", IDNumber: idWith("11010519800101001"), RegType: linli.RegRegistered,
			GridID: tr.gridA.ID, BirthDate: time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)})
		fieldErr(t, err, "birth_date", "person.birth_date.mismatch")
	})
}

func TestCreatePersonBadInputWritesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		base := linli.PersonInput{Name: "赵六", RegType: linli.RegRegistered, GridID: tr.gridA.ID}
		in := base
		in.IDNumber = "110105194912310021" // wrong check digit
		_, err := s.CreatePerson(ctx, ra.gw1, in)
		fieldErr(t, err, "id_number", "err.id.check")
		in = base
		in.IDNumber = idWith("11010519800101001")
		in.Phones = []string{"1380013800"}
		_, err = s.CreatePerson(ctx, ra.gw1, in)
		fieldErr(t, err, "phones", "person.phone.ten_digits")
		in = base
		in.IDType, in.IDNumber = linli.IDPassport, "E1"
		_, err = s.CreatePerson(ctx, ra.gw1, in)
		fieldErr(t, err, "id_number", "person.id_number.format")
		in = base
		in.RoomID = 999
		_, err = s.CreatePerson(ctx, ra.gw1, in)
		fieldErr(t, err, "room", "person.room.not_found")
		in = base
		in.GridID = tr.gridB.ID // outside the worker's scope
		_, err = s.CreatePerson(ctx, ra.gw1, in)
		fieldErr(t, err, "grid", "person.grid.not_found")
		for _, table := range []string{"persons", "person_phones", "person_history"} {
			if n := countRows(t, s, table); n != 0 {
				t.Fatalf("%s has %d rows after refused creates", table, n)
			}
		}
	})
}

func TestDuplicates(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		id := idWith("11010519800101001")
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "陈一", IDNumber: id, GridID: tr.gridA.ID})
		// In scope: the conflict names the existing person.
		_, err := s.CreatePerson(ctx, ra.gw1, linli.PersonInput{Name: "陈一", IDNumber: id, RegType: linli.RegRegistered, GridID: tr.gridA.ID})
		ce := conflictErr(t, err, "person.duplicate_id")
		if len(ce.Args) != 1 || ce.Args[0] != p.ID {
			t.Fatalf("duplicate args = %v, want [%d]", ce.Args, p.ID)
		}
		// Out of scope: a neutral message, no id.
		_, err = s.CreatePerson(ctx, ra.gw2, linli.PersonInput{Name: "陈一", IDNumber: " " + strings.ToLower(id), RegType: linli.RegRegistered, GridID: tr.gridB.ID})
		ce = conflictErr(t, err, "person.duplicate_id_hidden")
		if len(ce.Args) != 0 {
			t.Fatalf("hidden duplicate leaks %v", ce.Args)
		}
		// Same name and birth date in the same community: a warning, then confirmed.
		birth := time.Date(1990, 5, 6, 0, 0, 0, 0, time.UTC)
		q := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "周二", BirthDate: birth, GridID: tr.gridA.ID})
		in := linli.PersonInput{Name: "周二", BirthDate: birth, RegType: linli.RegRegistered, GridID: tr.gridA.ID}
		_, err = s.CreatePerson(ctx, ra.gw1, in)
		ce = conflictErr(t, err, "person.possible_duplicate")
		if len(ce.Args) != 1 || ce.Args[0] != q.ID {
			t.Fatalf("possible duplicate args = %v", ce.Args)
		}
		in.ConfirmDuplicate = true
		if _, err := s.CreatePerson(ctx, ra.gw1, in); err != nil {
			t.Fatalf("confirmed duplicate: %v", err)
		}
		// Another community: no warning.
		newPerson(t, s, ra.gw2, linli.PersonInput{Name: "周二", BirthDate: birth, GridID: tr.gridB.ID})
	})
}

func TestPersonScopeAndHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		p2 := newPerson(t, s, ra.gw2, linli.PersonInput{Name: "孙七", IDNumber: idWith("11010519800101003"), GridID: tr.gridB.ID})
		if _, err := s.Person(ctx, ra.gw1, p2.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("Person(grid 2) as grid 1 worker = %v, want ErrNotFound", err)
		}
		if _, err := s.UpdatePerson(ctx, ra.gw1, p2.ID, linli.PersonInput{Name: "x", RegType: linli.RegRegistered, GridID: tr.gridA.ID}); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("UpdatePerson(grid 2) as grid 1 worker = %v, want ErrNotFound", err)
		}
		if _, err := s.PersonHistory(ctx, ra.gw1, p2.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("PersonHistory(grid 2) as grid 1 worker = %v", err)
		}
		old := "11010519491231002X"
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "王秀英", IDNumber: old, GridID: tr.gridA.ID, Address: "多福巷12号"})
		newID := idWith("11010519491231004")
		in := linli.PersonInput{Name: "王秀英", IDNumber: newID, Phones: []string{"13900001111"}, RegType: linli.RegRegistered,
			GridID: tr.gridA.ID, Address: "多福巷14号", Version: p.Version, Source: linli.SourceImport, SourceNote: "民政局台账"}
		u, err := s.UpdatePerson(ctx, ra.gw1, p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.Version != p.Version+1 || u.Address != "多福巷14号" || u.Sources["address"].Note != "民政局台账" || u.Sources["name"].Source != linli.SourceWorker {
			t.Fatalf("updated = %+v", u)
		}
		if _, err := s.UpdatePerson(ctx, ra.gw1, p.ID, in); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("stale update = %v, want conflict", err)
		}
		h, err := s.PersonHistory(ctx, ra.gw1, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		byField := map[string]store.Change{}
		for _, ch := range h {
			byField[ch.Field] = ch
			if strings.Contains(ch.Old+ch.New, "19491231") || strings.Contains(ch.New, "00001111") {
				t.Fatalf("history holds plaintext: %+v", ch)
			}
		}
		if ch := byField["id_number"]; ch.Old != seal.MaskIDNumber(old) || ch.New != seal.MaskIDNumber(newID) {
			t.Fatalf("id history = %+v", ch)
		}
		if ch := byField["address"]; ch.Old != "多福巷12号" || ch.New != "多福巷14号" || ch.Source != linli.SourceImport {
			t.Fatalf("address history = %+v", ch)
		}
		if ch := byField["phones"]; ch.New != "139****1111" {
			t.Fatalf("phones history = %+v", ch)
		}
		if _, ok := byField["created"]; !ok {
			t.Fatal("no created line")
		}
		evs, err := s.SearchAudit(ctx, ra.audit, linli.AuditQuery{Action: "person.update"})
		if err != nil || len(evs) != 1 || evs[0].Detail != "id_number,phones,address" {
			t.Fatalf("audit = %+v, %v", evs, err)
		}
	})
}

func TestRetireGridWithPeopleAndDeath(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		p := newPerson(t, s, ra.gw1, linli.PersonInput{Name: "钱八", IDNumber: idWith("11010519400101001"), GridID: tr.gridA.ID})
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, tr.district)
		err := s.RetireArea(ctx, admin, tr.gridA.ID)
		conflictErr(t, err, "area.retire.has_people")
		if _, err := s.Death(ctx, ra.gw1, p.ID, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
			t.Fatal("death in the future accepted")
		}
		d, err := s.Death(ctx, ra.gw1, p.ID, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || d.Status != linli.StatusDeceased || d.StatusDate.Format("2006-01-02") != "2026-02-01" {
			t.Fatalf("Death = %+v, %v", d, err)
		}
		if _, err := s.MoveOut(ctx, ra.gw1, p.ID, time.Time{}, ""); !errors.Is(err, linli.ErrConflict) {
			t.Fatalf("move out of the dead = %v", err)
		}
		if err := s.RetireArea(ctx, admin, tr.gridA.ID); err != nil {
			t.Fatalf("retire after death: %v", err)
		}
	})
}

func TestMoveOutAndIn(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		tr := mustTree(t, s)
		ra := registryActors(tr)
		p := newPerson(t, s, ra.head, linli.PersonInput{Name: "吴九", IDNumber: idWith("11010519700101001"), GridID: tr.gridA.ID})
		out, err := s.MoveOut(ctx, ra.head, p.ID, time.Time{}, "搬往外区")
		if err != nil || out.Status != linli.StatusMovedOut {
			t.Fatalf("MoveOut = %+v, %v", out, err)
		}
		in, err := s.MoveIn(ctx, ra.head, p.ID, store.Move{GridID: tr.gridB.ID, Address: "银闸胡同5号"})
		if err != nil || in.Status != linli.StatusLiving || in.GridID != tr.gridB.ID || in.Path != tr.gridB.Path {
			t.Fatalf("MoveIn = %+v, %v", in, err)
		}
		if _, err := s.Person(ctx, ra.gw1, p.ID); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("grid 1 still sees the moved person: %v", err)
		}
		if _, err := s.MoveIn(ctx, ra.gw2, p.ID, store.Move{GridID: tr.gridA.ID}); err == nil {
			t.Fatal("move into a grid outside scope accepted")
		}
	})
}

func TestStoreWithoutKeys(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	s, err := store.Open(context.Background(), t.TempDir()+"/nokeys.db", store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr := mustTree(t, s)
	ra := registryActors(tr)
	if _, err := s.CreatePerson(context.Background(), ra.gw1, linli.PersonInput{Name: "x", RegType: linli.RegRegistered, GridID: tr.gridA.ID}); err == nil {
		t.Fatal("CreatePerson without keys succeeded")
	}
}
