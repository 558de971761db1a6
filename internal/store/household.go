package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/linli-org/linli"
)

// Households (户): a head, members with their GB/T 4761 relation to the
// head, a kind and an address. A person belongs to at most one household at
// a time (a partial unique index on the open memberships). Changing the
// head closes the household and opens a successor with the same members
// (停旧建新), so the old household keeps its history.

// Household is a household with its memberships, current and past.
type Household struct {
	ID           int64
	HeadPersonID int64
	Kind         string
	RoomID       int64
	GridID       int64
	Path         string
	Address      string
	Status       string
	ClosedAt     time.Time
	SuccessorID  int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
	Members      []HouseholdMember
}

// HouseholdMember is one membership; Until is zero while it lasts.
type HouseholdMember struct {
	PersonID  int64
	Name      string
	Gender    string
	BirthDate time.Time
	IDMasked  string
	Relation  string
	Since     time.Time
	Until     time.Time
}

// Member is a person joining a household with their relation to the head.
type Member struct {
	PersonID int64
	Relation string
}

var relationShape = regexp.MustCompile(`^[0-9]{1,2}$`)

const householdCols = `h.id, h.head_person_id, h.kind, COALESCE(h.room_id, 0), h.grid_id, h.path, h.address, h.status,
	h.closed_at, COALESCE(h.successor_id, 0), h.created_at, h.updated_at, h.version`

func scanHousehold(r scanner) (Household, error) {
	var h Household
	err := r.Scan(&h.ID, &h.HeadPersonID, &h.Kind, &h.RoomID, &h.GridID, &h.Path, &h.Address, &h.Status,
		tm{&h.ClosedAt}, &h.SuccessorID, tm{&h.CreatedAt}, tm{&h.UpdatedAt}, &h.Version)
	return h, err
}

func loadMembers(q func(string, ...any) (*sql.Rows, error), h *Household) error {
	rows, err := q(`SELECT m.person_id, p.name, p.gender, p.birth_date, p.id_masked, m.relation, m.since, m.until
		FROM household_members m JOIN persons p ON p.id = m.person_id WHERE m.household_id = ? ORDER BY m.id`, h.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	h.Members = nil
	for rows.Next() {
		var m HouseholdMember
		if err := rows.Scan(&m.PersonID, &m.Name, &m.Gender, dt{&m.BirthDate}, &m.IDMasked, &m.Relation, dt{&m.Since}, dt{&m.Until}); err != nil {
			return err
		}
		h.Members = append(h.Members, m)
	}
	return rows.Err()
}

// Current lists the members whose membership lasts.
func (h Household) Current() []HouseholdMember {
	var out []HouseholdMember
	for _, m := range h.Members {
		if m.Until.IsZero() {
			out = append(out, m)
		}
	}
	return out
}

// Household returns a household in the actor's scope with its members
// (ID numbers masked).
func (s *Store) Household(ctx context.Context, a linli.Actor, id int64) (Household, error) {
	if !a.Can(linli.PermPersonRead) {
		return Household{}, linli.ErrNotFound
	}
	cond, args := scopeCond("h.path", a.Scope)
	h, err := scanHousehold(s.queryRow(ctx, `SELECT `+householdCols+` FROM households h WHERE h.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return h, s.mapErr(err)
	}
	return h, s.mapErr(loadMembers(s.readQ(ctx), &h))
}

func (tx *Tx) household(a linli.Actor, id int64) (Household, error) {
	cond, args := scopeCond("h.path", a.Scope)
	h, err := scanHousehold(tx.queryRow(`SELECT `+householdCols+` FROM households h WHERE h.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return h, err
	}
	return h, loadMembers(tx.q(), &h)
}

// activeHousehold loads a household that is still active.
func (tx *Tx) activeHousehold(a linli.Actor, id int64) (Household, error) {
	h, err := tx.household(a, id)
	if err != nil {
		return h, err
	}
	if h.Status != linli.HouseholdActive {
		return h, linli.Conflict("household.closed")
	}
	return h, nil
}

func (tx *Tx) householdHistory(hhID int64, field, oldV, newV string, actorID int64) error {
	_, err := tx.exec(`INSERT INTO household_history (household_id, field, old_value, new_value, actor_id, at) VALUES (?, ?, ?, ?, ?, ?)`,
		hhID, field, oldV, newV, nullInt(actorID), tx.s.d.t(tx.now))
	return err
}

// currentHousehold is the household a person belongs to now, or 0.
func (tx *Tx) currentHousehold(personID int64) (int64, error) {
	var id int64
	err := tx.queryRow(`SELECT household_id FROM household_members WHERE person_id = ? AND until IS NULL`, personID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// joinable loads a living person in scope who belongs to no household.
func (tx *Tx) joinable(a linli.Actor, personID int64) (personRec, error) {
	p, err := tx.person(a, personID)
	if err != nil {
		return p, err
	}
	if p.Status != linli.StatusLiving {
		return p, linli.Conflict("household.member.not_living", personID)
	}
	if hh, err := tx.currentHousehold(personID); err != nil {
		return p, err
	} else if hh != 0 {
		return p, linli.Conflict("household.member.elsewhere", personID)
	}
	return p, nil
}

// join starts a membership and points the person at the household.
func (tx *Tx) join(a linli.Actor, hhID, personID int64, relation string, since time.Time) error {
	if _, err := tx.exec(`INSERT INTO household_members (household_id, person_id, relation, since) VALUES (?, ?, ?, ?)`,
		hhID, personID, relation, dateStr(since)); err != nil {
		if errors.Is(tx.s.mapErr(err), linli.ErrConflict) {
			return linli.Conflict("household.member.elsewhere", personID)
		}
		return err
	}
	if _, err := tx.exec(`UPDATE persons SET household_id = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		hhID, tx.s.d.t(tx.now), personID); err != nil {
		return err
	}
	if err := tx.householdHistory(hhID, "member.joined", "", idStr(personID)+":"+relation, a.UserID); err != nil {
		return err
	}
	return tx.personHistory(personID, "household", "", idStr(hhID), linli.SourceWorker, "", a.UserID)
}

// leaveHousehold ends a person's current membership at date; a household
// left without members closes.
func (tx *Tx) leaveHousehold(a linli.Actor, personID int64, date time.Time, field string) error {
	hhID, err := tx.currentHousehold(personID)
	if err != nil || hhID == 0 {
		return err
	}
	if _, err := tx.exec(`UPDATE household_members SET until = ? WHERE person_id = ? AND until IS NULL`, dateStr(date), personID); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE persons SET household_id = NULL WHERE id = ?`, personID); err != nil {
		return err
	}
	if err := tx.householdHistory(hhID, field, idStr(personID), "", a.UserID); err != nil {
		return err
	}
	if err := tx.personHistory(personID, "household", idStr(hhID), "", linli.SourceWorker, "", a.UserID); err != nil {
		return err
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM household_members WHERE household_id = ? AND until IS NULL`, hhID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return tx.closeHousehold(a, hhID, 0)
	}
	return nil
}

func (tx *Tx) closeHousehold(a linli.Actor, hhID, successor int64) error {
	if _, err := tx.exec(`UPDATE households SET status = 'closed', closed_at = ?, successor_id = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		tx.s.d.t(tx.now), nullInt(successor), tx.s.d.t(tx.now), hhID); err != nil {
		return err
	}
	return tx.householdHistory(hhID, "status", linli.HouseholdActive, linli.HouseholdClosed, a.UserID)
}

// endMembership ends one membership without closing the household.
func (tx *Tx) endMembership(a linli.Actor, hhID, personID int64, date time.Time) error {
	if _, err := tx.exec(`UPDATE household_members SET until = ? WHERE household_id = ? AND person_id = ? AND until IS NULL`,
		dateStr(date), hhID, personID); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE persons SET household_id = NULL WHERE id = ?`, personID); err != nil {
		return err
	}
	if err := tx.householdHistory(hhID, "member.left", idStr(personID), "", a.UserID); err != nil {
		return err
	}
	return tx.personHistory(personID, "household", idStr(hhID), "", linli.SourceWorker, "", a.UserID)
}

// checkMembers validates the members of a new household with head headID:
// relations are codes, none names a second head, nobody twice.
func checkMembers(headID int64, members []Member) error {
	seen := map[int64]bool{headID: true}
	for _, m := range members {
		m.Relation = strings.TrimSpace(m.Relation)
		if linli.IsHeadRelation(m.Relation) {
			return linli.Conflict("household.two_heads")
		}
		if !relationShape.MatchString(m.Relation) {
			return linli.Invalid("members", "household.relation.invalid")
		}
		if seen[m.PersonID] {
			return linli.Invalid("members", "household.member.twice")
		}
		seen[m.PersonID] = true
	}
	return nil
}

// newHousehold inserts a household headed by head with members, all of
// whom must be free to join. It returns the id.
func (tx *Tx) newHousehold(a linli.Actor, head personRec, kind string, roomID int64, address string, members []Member) (int64, error) {
	if kind != linli.HouseholdFamily && kind != linli.HouseholdCollective && kind != linli.HouseholdSingle {
		return 0, linli.Invalid("kind", "household.kind.invalid")
	}
	if kind == linli.HouseholdSingle && len(members) > 0 {
		return 0, linli.Invalid("kind", "household.single.members")
	}
	if err := checkMembers(head.ID, members); err != nil {
		return 0, err
	}
	if roomID == 0 {
		roomID = head.RoomID
	}
	if roomID != 0 {
		addr, err := tx.roomAddress(roomID, head.Path)
		if err != nil {
			return 0, err
		}
		if address == "" {
			address = addr
		}
	}
	if address == "" {
		address = head.Address
	}
	k := keysOf(head.Path)
	id, err := tx.insert(`INSERT INTO households (head_person_id, kind, room_id, grid_id, path, community_id, street_id, district_id,
		address, status, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 1)`,
		head.ID, kind, nullInt(roomID), head.GridID, head.Path, k.community, k.street, k.district, address,
		tx.s.d.t(tx.now), tx.s.d.t(tx.now))
	if err != nil {
		return 0, err
	}
	if err := tx.householdHistory(id, "created", "", idStr(head.ID), a.UserID); err != nil {
		return 0, err
	}
	today := dateOf(tx.now)
	if err := tx.join(a, id, head.ID, linli.RelHead, today); err != nil {
		return 0, err
	}
	for _, m := range members {
		if _, err := tx.joinable(a, m.PersonID); err != nil {
			return 0, err
		}
		if err := tx.join(a, id, m.PersonID, strings.TrimSpace(m.Relation), today); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// CreateHousehold opens a household headed by headID with members. Every
// person must be living, in the actor's scope and in no other household;
// the room (the head's when 0) must be in the head's grid.
func (s *Store) CreateHousehold(ctx context.Context, a linli.Actor, headID int64, kind string, roomID int64, members []Member) (Household, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Household{}, linli.ErrForbidden
	}
	var out Household
	err := s.write(ctx, func(tx *Tx) error {
		head, err := tx.joinable(a, headID)
		if err != nil {
			return err
		}
		id, err := tx.newHousehold(a, head, kind, roomID, "", members)
		if err != nil {
			return err
		}
		if out, err = tx.household(a, id); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "household.create", "household", id, head.GridID))
	})
	return out, err
}

// AddMember adds a person to an active household.
func (s *Store) AddMember(ctx context.Context, a linli.Actor, hhID, personID int64, relation string) (Household, error) {
	return s.householdOp(ctx, a, hhID, "household.add_member", func(tx *Tx, h Household) (int64, error) {
		if h.Kind == linli.HouseholdSingle {
			return 0, linli.Invalid("kind", "household.single.members")
		}
		if err := checkMembers(h.HeadPersonID, []Member{{personID, relation}}); err != nil {
			return 0, err
		}
		if _, err := tx.joinable(a, personID); err != nil {
			return 0, err
		}
		return h.ID, tx.join(a, h.ID, personID, strings.TrimSpace(relation), dateOf(tx.now))
	})
}

// RemoveMember ends a member's membership at date (today when zero). The
// head cannot leave this way: change the head first.
func (s *Store) RemoveMember(ctx context.Context, a linli.Actor, hhID, personID int64, date time.Time) (Household, error) {
	return s.householdOp(ctx, a, hhID, "household.remove_member", func(tx *Tx, h Household) (int64, error) {
		if personID == h.HeadPersonID {
			return 0, linli.Conflict("household.remove_head")
		}
		if !isCurrent(h, personID) {
			return 0, linli.Invalid("person", "household.not_member")
		}
		d := dateOf(tx.now)
		if !date.IsZero() {
			d = dateOf(date)
		}
		return h.ID, tx.endMembership(a, h.ID, personID, d)
	})
}

func isCurrent(h Household, personID int64) bool {
	for _, m := range h.Current() {
		if m.PersonID == personID {
			return true
		}
	}
	return false
}

// householdOp runs fn on an active household of the actor's scope and
// returns the household fn names (itself or a new one), audited.
func (s *Store) householdOp(ctx context.Context, a linli.Actor, hhID int64, action string, fn func(tx *Tx, h Household) (int64, error)) (Household, error) {
	if !a.Can(linli.PermPersonWrite) {
		return Household{}, linli.ErrForbidden
	}
	var out Household
	err := s.write(ctx, func(tx *Tx) error {
		h, err := tx.activeHousehold(a, hhID)
		if err != nil {
			return err
		}
		id, err := fn(tx, h)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE households SET updated_at = ?, version = version + 1 WHERE id = ?`, tx.s.d.t(tx.now), hhID); err != nil {
			return err
		}
		if out, err = tx.household(a, id); err != nil {
			return err
		}
		ev := auditEvent(a, action, "household", hhID, h.GridID)
		if id != hhID {
			ev.Detail = "new " + idStr(id)
		}
		return tx.audit(ev)
	})
	return out, err
}

// ChangeHead makes newHeadID the head (停旧建新): the household closes with
// the new one as its successor, which opens with the same members. Members'
// relations to the new head come from relations; missing ones keep their
// code, except the old head, who becomes the spouse when the new head was
// the spouse and "other" (99) otherwise.
func (s *Store) ChangeHead(ctx context.Context, a linli.Actor, hhID, newHeadID int64, relations map[int64]string) (Household, error) {
	return s.householdOp(ctx, a, hhID, "household.change_head", func(tx *Tx, h Household) (int64, error) {
		if newHeadID == h.HeadPersonID {
			return 0, linli.Invalid("head", "household.head.same")
		}
		if !isCurrent(h, newHeadID) {
			return 0, linli.Invalid("head", "household.head.not_member")
		}
		var newHeadRel string
		for _, m := range h.Current() {
			if m.PersonID == newHeadID {
				newHeadRel = m.Relation
			}
		}
		var members []Member
		for _, m := range h.Current() {
			if m.PersonID == newHeadID {
				continue
			}
			rel, ok := relations[m.PersonID]
			switch {
			case ok:
			case m.PersonID == h.HeadPersonID && linli.IsSpouseRelation(newHeadRel):
				rel = linli.RelSpouse
			case m.PersonID == h.HeadPersonID:
				rel = linli.RelOther
			default:
				rel = m.Relation
			}
			members = append(members, Member{m.PersonID, rel})
		}
		return tx.succeed(a, h, newHeadID, h.Kind, members, "successor")
	})
}

// succeed ends the memberships of h's current members, closes h and opens
// its successor headed by headID with members.
func (tx *Tx) succeed(a linli.Actor, h Household, headID int64, kind string, members []Member, field string) (int64, error) {
	today := dateOf(tx.now)
	for _, m := range h.Current() {
		if err := tx.endMembership(a, h.ID, m.PersonID, today); err != nil {
			return 0, err
		}
	}
	if err := tx.closeHousehold(a, h.ID, 0); err != nil {
		return 0, err
	}
	head, err := tx.person(a, headID)
	if err != nil {
		return 0, err
	}
	id, err := tx.newHousehold(a, head, kind, h.RoomID, h.Address, members)
	if err != nil {
		return 0, err
	}
	if _, err := tx.exec(`UPDATE households SET successor_id = ? WHERE id = ?`, id, h.ID); err != nil {
		return 0, err
	}
	if err := tx.householdHistory(h.ID, field, "", idStr(id), a.UserID); err != nil {
		return 0, err
	}
	return id, tx.householdHistory(id, "predecessor", "", idStr(h.ID), a.UserID)
}

// Split moves personIDs out of a household into a new one headed by
// newHeadID (one of them). The head of the old household stays. Relations
// to the new head come from relations ("other" when missing).
func (s *Store) Split(ctx context.Context, a linli.Actor, hhID int64, personIDs []int64, newHeadID int64, relations map[int64]string) (Household, error) {
	return s.householdOp(ctx, a, hhID, "household.split", func(tx *Tx, h Household) (int64, error) {
		hasHead := false
		var members []Member
		for _, pid := range personIDs {
			if pid == h.HeadPersonID {
				return 0, linli.Conflict("household.split.head")
			}
			if !isCurrent(h, pid) {
				return 0, linli.Invalid("members", "household.not_member")
			}
			if pid == newHeadID {
				hasHead = true
				continue
			}
			rel, ok := relations[pid]
			if !ok {
				rel = linli.RelOther
			}
			members = append(members, Member{pid, rel})
		}
		if !hasHead {
			return 0, linli.Invalid("head", "household.head.not_member")
		}
		today := dateOf(tx.now)
		for _, pid := range personIDs {
			if err := tx.endMembership(a, h.ID, pid, today); err != nil {
				return 0, err
			}
		}
		head, err := tx.person(a, newHeadID)
		if err != nil {
			return 0, err
		}
		kind := linli.HouseholdFamily
		if len(members) == 0 {
			kind = linli.HouseholdSingle
		}
		id, err := tx.newHousehold(a, head, kind, h.RoomID, h.Address, members)
		if err != nil {
			return 0, err
		}
		if err := tx.householdHistory(h.ID, "split", "", idStr(id), a.UserID); err != nil {
			return 0, err
		}
		if err := tx.householdHistory(id, "split_from", "", idStr(h.ID), a.UserID); err != nil {
			return 0, err
		}
		return h.ID, nil
	})
}

// Merge moves every current member of household fromID into intoID and
// closes fromID with intoID as its successor. Relations to intoID's head
// come from relations ("other" when missing).
func (s *Store) Merge(ctx context.Context, a linli.Actor, fromID, intoID int64, relations map[int64]string) (Household, error) {
	return s.householdOp(ctx, a, intoID, "household.merge", func(tx *Tx, into Household) (int64, error) {
		if fromID == intoID {
			return 0, linli.Invalid("household", "household.merge.same")
		}
		from, err := tx.activeHousehold(a, fromID)
		if err != nil {
			return 0, err
		}
		if into.Kind == linli.HouseholdSingle {
			return 0, linli.Invalid("kind", "household.single.members")
		}
		var members []Member
		for _, m := range from.Current() {
			rel, ok := relations[m.PersonID]
			if !ok {
				rel = linli.RelOther
			}
			members = append(members, Member{m.PersonID, rel})
		}
		if err := checkMembers(into.HeadPersonID, members); err != nil {
			return 0, err
		}
		today := dateOf(tx.now)
		for _, m := range members {
			if err := tx.endMembership(a, from.ID, m.PersonID, today); err != nil {
				return 0, err
			}
		}
		if err := tx.closeHousehold(a, from.ID, into.ID); err != nil {
			return 0, err
		}
		if err := tx.householdHistory(from.ID, "merged_into", "", idStr(into.ID), a.UserID); err != nil {
			return 0, err
		}
		for _, m := range members {
			if err := tx.join(a, into.ID, m.PersonID, m.Relation, today); err != nil {
				return 0, err
			}
		}
		return into.ID, tx.householdHistory(into.ID, "merged_from", "", idStr(from.ID), a.UserID)
	})
}

// HouseholdHistory lists a household's changes, oldest first.
func (s *Store) HouseholdHistory(ctx context.Context, a linli.Actor, id int64) ([]Change, error) {
	if _, err := s.Household(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT h.field, h.old_value, h.new_value, COALESCE(u.username, ''), h.at
		FROM household_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.household_id = ? ORDER BY h.id`, id)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Field, &c.Old, &c.New, &c.Actor, tm{&c.At}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Relation links a person to a supporter outside the household (赡养人,
// 扶养人): RelatedID supports PersonID.
type Relation struct {
	ID        int64
	PersonID  int64
	RelatedID int64
	Name      string // the related person's name
	Relation  string // GB/T 4761 code of the related person to the person
	Note      string
	Since     time.Time
	Until     time.Time
}

// AddRelation records that relatedID supports personID. Both must be in the
// actor's scope.
func (s *Store) AddRelation(ctx context.Context, a linli.Actor, personID, relatedID int64, relation, note string) (int64, error) {
	if !a.Can(linli.PermPersonWrite) {
		return 0, linli.ErrForbidden
	}
	relation, note = strings.TrimSpace(relation), strings.TrimSpace(note)
	if !relationShape.MatchString(relation) {
		return 0, linli.Invalid("relation", "household.relation.invalid")
	}
	if personID == relatedID {
		return 0, linli.Invalid("related", "person.relation.self")
	}
	var id int64
	err := s.write(ctx, func(tx *Tx) error {
		p, err := tx.person(a, personID)
		if err != nil {
			return err
		}
		if _, err := tx.person(a, relatedID); err != nil {
			return err
		}
		id, err = tx.insert(`INSERT INTO person_relations (person_id, related_person_id, relation, note, since) VALUES (?, ?, ?, ?, ?)`,
			personID, relatedID, relation, note, dateStr(dateOf(tx.now)))
		if err != nil {
			return err
		}
		if err := tx.personHistory(personID, "relation", "", idStr(relatedID)+":"+relation, linli.SourceWorker, note, a.UserID); err != nil {
			return err
		}
		return tx.audit(auditEvent(a, "person.relation.add", "person", personID, p.GridID))
	})
	return id, err
}

// Relations lists the supporters of a person in the actor's scope.
func (s *Store) Relations(ctx context.Context, a linli.Actor, personID int64) ([]Relation, error) {
	if _, err := s.Person(ctx, a, personID); err != nil {
		return nil, err
	}
	cond, args := scopeCond("p.path", a.Scope)
	rows, err := s.query(ctx, `SELECT r.id, r.person_id, r.related_person_id, p.name, r.relation, r.note, r.since, r.until
		FROM person_relations r JOIN persons p ON p.id = r.related_person_id WHERE r.person_id = ? AND `+cond+` ORDER BY r.id`,
		append([]any{personID}, args...)...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Relation
	for rows.Next() {
		var r Relation
		if err := rows.Scan(&r.ID, &r.PersonID, &r.RelatedID, &r.Name, &r.Relation, &r.Note, dt{&r.Since}, dt{&r.Until}); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
