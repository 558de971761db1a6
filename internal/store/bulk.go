package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linli-org/linli"
)

// Bulk loading of the registry: households with their people, phones,
// addresses, memberships, tags, migrant registrations, history and search
// terms, many thousands per transaction.
//
// The loader writes exactly the rows and values that CreatePerson,
// CreateCompound/CreateBuilding/CreateUnit/CreateRoom, CreateHousehold,
// AddTag and RegisterMigrant would write for the same input (the same
// sealed fields, blind indexes, masks, sources, history lines and
// person_terms), so search, pages and history work on loaded data. It
// validates every person as CreatePerson does, every household as
// CreateHousehold does, every tag as AddTag and every registration as
// RegisterMigrant, but it does not look for duplicates person by person:
// a bulk load goes into an empty registry (the demo) or comes from an
// import path that has checked them. A repeated ID number still fails its
// batch on the unique index. Instead of one audit record per use case,
// each batch (transaction) gets one "person.bulk_load" record with the
// number of people it loaded.
//
// Work is split over goroutines: workers validate, seal, compute the blind
// indexes, masks and search terms of whole batches while one writer
// inserts the previous batch with multi-row INSERTs of prepared
// statements. Batches commit in the order they were added; when a batch
// fails, the batches before it stay committed and the loader stops.

// BulkPlace is where a household lives, by name: a room of a unit of a
// building of a compound. The loader creates each compound, building, unit
// and room the first time a load names it and reuses it afterwards (it does
// not match places that existed before the load). An empty Building means
// no room; an empty Compound a building on its own in the grid; an empty
// Unit a room directly in the building.
type BulkPlace struct {
	Compound        string
	CompoundAddress string
	Building        string
	Floors          int
	Unit            string
	Room            string
}

// address is what roomAddress renders for the place.
func (p BulkPlace) address() string {
	return p.CompoundAddress + p.Compound + p.Building + p.Unit + p.Room
}

// BulkHousehold is one household to load with its members, the head
// first.
type BulkHousehold struct {
	Kind    string // linli.HouseholdFamily, HouseholdCollective or HouseholdSingle
	GridID  int64
	Place   BulkPlace
	Members []BulkPerson
}

// BulkPerson is a member of a household. The GridID and RoomID of the
// input are ignored (the household's are used); an empty Address is the
// room's.
type BulkPerson struct {
	linli.PersonInput
	Relation string // to the head (GB/T 4761); the head's own is RelHead
	Tags     []BulkTag
	Migrant  *BulkMigrant // a residence registration (migrants only)
}

// BulkTag is a tag of a person, as AddTag takes it.
type BulkTag struct {
	Code   string
	Attrs  map[string]string
	Since  time.Time // today when zero
	Source string    // SourceWorker when empty
	Note   string
}

// BulkMigrant is a residence registration. RegisteredAt is when it was
// first registered (now when zero) and RenewedAt its last renewal (none
// when zero).
type BulkMigrant struct {
	MigrantInput
	RegisteredAt time.Time
	RenewedAt    time.Time
}

// BulkOptions tune a load.
type BulkOptions struct {
	BatchHouseholds int // households per transaction (default 5,000)
	Workers         int // preparing goroutines (default GOMAXPROCS-1, at least 1)
	// CacheMiB is the SQLite page cache of the writer connection during
	// the load (default 256); the previous size is restored at Close.
	CacheMiB int
}

// BulkResult counts what a load wrote.
type BulkResult struct {
	Batches, Households, Persons, Phones, Tags, Migrants int
	Compounds, Buildings, Units, Rooms                   int
	Terms, History                                       int
}

// BulkLoader loads households in batches; see NewBulkLoader.
type BulkLoader struct {
	s   *Store
	ctx context.Context
	a   linli.Actor
	opt BulkOptions

	tags map[string]bulkTagDef

	gridMu sync.Mutex
	grids  map[int64]linli.Area

	cur   []BulkHousehold
	work  chan *bulkBatch
	queue chan *bulkBatch
	wg    sync.WaitGroup
	done  chan struct{}

	errMu sync.Mutex
	err   error

	// owned by the writer
	places    map[string]int64
	stmts     txStmts
	res       BulkResult
	prevCache int
	deferred  bool // the indexes of bulkDeferred are built at Close
	staged    bool // terms go to person_terms_load (SQLite)
	prevTemp  int
	conn      *sql.Conn // PostgreSQL: the writer's connection, for COPY
}

type bulkTagDef struct {
	id    int64
	class string
	attrs []string
}

// NewBulkLoader starts a load as actor a, who needs person.write; every
// grid must be a live grid of the actor's scope, and the tags must be live
// tags the actor may see. Call Add for each household and Close at the
// end; Close returns what was written.
func (s *Store) NewBulkLoader(ctx context.Context, a linli.Actor, opt BulkOptions) (*BulkLoader, error) {
	if !a.Can(linli.PermPersonWrite) {
		return nil, linli.ErrForbidden
	}
	if s.keys == nil {
		return nil, errNoKeys
	}
	if opt.BatchHouseholds <= 0 {
		opt.BatchHouseholds = 5000
	}
	if opt.Workers <= 0 {
		opt.Workers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if opt.CacheMiB <= 0 {
		opt.CacheMiB = 256
	}
	l := &BulkLoader{s: s, ctx: ctx, a: a, opt: opt, tags: map[string]bulkTagDef{}, grids: map[int64]linli.Area{},
		places: map[string]int64{}, done: make(chan struct{})}
	rows, err := s.query(ctx, `SELECT id, code, class, attrs FROM tags WHERE retired_at IS NULL`)
	if err != nil {
		return nil, s.mapErr(err)
	}
	for rows.Next() {
		var d bulkTagDef
		var code, attrs string
		if err := rows.Scan(&d.id, &code, &d.class, &attrs); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal([]byte(attrs), &d.attrs)
		l.tags[code] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !s.d.pg() {
		// A large page cache keeps the search-term index in memory while
		// batches add to it all over its key range.
		if err := s.db.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&l.prevCache); err != nil {
			return nil, s.mapErr(err)
		}
		if err := s.db.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&l.prevTemp); err != nil {
			return nil, s.mapErr(err)
		}
		// Statement journals (the undo of one multi-row INSERT) stay in
		// memory instead of a temporary file.
		if _, err := s.db.ExecContext(ctx, `PRAGMA cache_size = `+strconv.Itoa(-opt.CacheMiB*1024)+`; PRAGMA temp_store = MEMORY`); err != nil {
			return nil, s.mapErr(err)
		}
	}
	// Into an empty registry, what would land all over large B-trees in
	// random order is written once, sorted, at the end (see
	// bulkDeferred). What an interrupted load left is finished first.
	if err := s.FinishBulkLoad(ctx); err != nil {
		return nil, err
	}
	var one int
	switch err := s.queryRow(ctx, `SELECT 1 FROM persons LIMIT 1`).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		for _, ix := range s.bulkDeferred() {
			if _, err := s.db.ExecContext(ctx, ix.drop); err != nil {
				return nil, s.mapErr(err)
			}
		}
		l.deferred, l.staged = true, !s.d.pg()
	case err != nil:
		return nil, s.mapErr(err)
	}
	if s.d.pg() {
		// COPY runs on the driver's connection, inside the transaction.
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, s.mapErr(err)
		}
		l.conn = conn
	}
	l.work = make(chan *bulkBatch, opt.Workers)
	l.queue = make(chan *bulkBatch, opt.Workers+1)
	for range opt.Workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for b := range l.work {
				b.err = l.prepare(b)
				close(b.ready)
			}
		}()
	}
	go l.writer()
	return l, nil
}

// Add queues a household; it keeps h (do not change it afterwards). It
// returns the error that stopped the load, if any.
func (l *BulkLoader) Add(h BulkHousehold) error {
	if err := l.failed(); err != nil {
		return err
	}
	l.cur = append(l.cur, h)
	if len(l.cur) >= l.opt.BatchHouseholds {
		l.submit()
	}
	return nil
}

func (l *BulkLoader) submit() {
	if len(l.cur) == 0 {
		return
	}
	b := &bulkBatch{in: l.cur, ready: make(chan struct{})}
	l.cur = make([]BulkHousehold, 0, l.opt.BatchHouseholds)
	l.queue <- b
	l.work <- b
}

// Close writes what is queued, waits for the writer and returns the
// counts of everything written and the first error.
func (l *BulkLoader) Close() (BulkResult, error) {
	if l.failed() == nil {
		l.submit()
	}
	close(l.work)
	close(l.queue)
	l.wg.Wait()
	<-l.done
	if l.conn != nil {
		_ = l.conn.Close()
	}
	if !l.s.d.pg() {
		// The sorts of FinishBulkLoad spill to temporary files, not
		// memory (hundreds of MB at a million residents).
		_, _ = l.s.db.ExecContext(context.WithoutCancel(l.ctx), `PRAGMA temp_store = `+strconv.Itoa(l.prevTemp))
	}
	if l.deferred {
		if err := l.s.FinishBulkLoad(context.WithoutCancel(l.ctx)); err != nil {
			l.fail(err)
		}
	}
	if l.s.d.pg() && l.res.Persons > 0 {
		// Fresh statistics: until autovacuum gets to it, the planner
		// takes a million rows for an empty table (a phone lookup then
		// ran as a parallel bitmap scan: 24 ms instead of 0.1 ms).
		if _, err := l.s.db.ExecContext(context.WithoutCancel(l.ctx), `ANALYZE persons, person_phones, person_terms, person_tags,
			person_history, households, household_members, household_history, migrant_registrations, compounds, buildings,
			building_units, rooms`); err != nil {
			l.fail(l.s.mapErr(err))
		}
	}
	if !l.s.d.pg() {
		_, _ = l.s.db.ExecContext(context.WithoutCancel(l.ctx), `PRAGMA cache_size = `+strconv.Itoa(l.prevCache))
	}
	return l.res, l.failed()
}

func (l *BulkLoader) failed() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}

func (l *BulkLoader) fail(err error) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// writer writes the prepared batches in the order they were added.
func (l *BulkLoader) writer() {
	defer close(l.done)
	for b := range l.queue {
		<-b.ready
		if l.failed() != nil {
			continue
		}
		if b.err != nil {
			l.fail(b.err)
			continue
		}
		if err := l.write(b, true); err != nil {
			l.fail(err)
		}
	}
}

// bulkBatch is one transaction's households, prepared.
type bulkBatch struct {
	in    []BulkHousehold
	ready chan struct{}
	err   error

	hh     []bulkHH
	people []bulkPerson
	terms  []bulkTerm
}

type bulkHH struct {
	kind    string
	grid    linli.Area
	keys    areaKeys
	place   BulkPlace
	address string
	first   int // index of the head in people
	n       int
}

type bulkPerson struct {
	pp       personPrep
	relation string
	srcMask  uint16
	tags     []bulkTagRow
	mig      *bulkMigRow
}

type bulkTagRow struct {
	tagID                                    int64
	code, attrs, sealed, since, source, note string
	shown                                    string // the history's new value
}

type bulkMigRow struct {
	arrival, reason, origin, landlord, employer, expires string
	stay                                                 int
	registered, renewed                                  time.Time
}

// bulkTerm is a search term of person (an index into the batch's people).
type bulkTerm struct {
	term, path string
	person     int32
}

// grid returns a live grid of the actor's scope, remembered for the load.
func (l *BulkLoader) grid(id int64) (linli.Area, error) {
	l.gridMu.Lock()
	defer l.gridMu.Unlock()
	if g, ok := l.grids[id]; ok {
		return g, nil
	}
	g, err := l.s.Area(l.ctx, l.a, id)
	if err != nil || g.Level != linli.LevelGrid || g.Retired {
		if err == nil || errors.Is(err, linli.ErrNotFound) {
			return g, linli.Invalid("grid", "person.grid.not_found")
		}
		return g, err
	}
	l.grids[id] = g
	return g, nil
}

// prepare validates a batch and computes everything that needs no id:
// sealed values, blind indexes, masks, sources, tag and registration rows,
// search terms (sorted by key, so that the index grows in order).
func (l *BulkLoader) prepare(b *bulkBatch) error {
	now := l.s.now()
	today := dateOf(now)
	n := 0
	for _, h := range b.in {
		n += len(h.Members)
	}
	b.hh = make([]bulkHH, 0, len(b.in))
	b.people = make([]bulkPerson, 0, n)
	b.terms = make([]bulkTerm, 0, n*20)
	for hi, h := range b.in {
		fail := func(err error) error { return fmt.Errorf("household %d of the batch: %w", hi+1, err) }
		if h.Kind != linli.HouseholdFamily && h.Kind != linli.HouseholdCollective && h.Kind != linli.HouseholdSingle {
			return fail(linli.Invalid("kind", "household.kind.invalid"))
		}
		if len(h.Members) == 0 {
			return fail(linli.Invalid("members", "household.head.not_member"))
		}
		if h.Kind == linli.HouseholdSingle && len(h.Members) > 1 {
			return fail(linli.Invalid("kind", "household.single.members"))
		}
		grid, err := l.grid(h.GridID)
		if err != nil {
			return fail(err)
		}
		pl := h.Place
		for _, f := range []*string{&pl.Compound, &pl.CompoundAddress, &pl.Building, &pl.Unit, &pl.Room} {
			*f = strings.TrimSpace(*f)
		}
		hasRoom := pl.Building != "" && pl.Room != ""
		if !hasRoom {
			pl = BulkPlace{}
		}
		for _, name := range []string{pl.Compound, pl.Building, pl.Unit, pl.Room} {
			if name != "" {
				if err := checkPlaceName(name); err != nil {
					return fail(err)
				}
			}
		}
		if pl.Floors < 0 || pl.Floors > 200 {
			return fail(linli.Invalid("floors", "building.floors.invalid"))
		}
		bh := bulkHH{kind: h.Kind, grid: grid, keys: keysOf(grid.Path), place: pl, first: len(b.people), n: len(h.Members)}
		roomAddr := pl.address()
		for mi, m := range h.Members {
			pfail := func(err error) error {
				return fmt.Errorf("household %d of the batch, member %d: %w", hi+1, mi+1, err)
			}
			rel := linli.RelHead
			if mi > 0 {
				rel = strings.TrimSpace(m.Relation)
				if linli.IsHeadRelation(rel) {
					return pfail(linli.Conflict("household.two_heads"))
				}
				if !relationShape.MatchString(rel) {
					return pfail(linli.Invalid("members", "household.relation.invalid"))
				}
			}
			in := m.PersonInput
			in.GridID, in.RoomID = grid.ID, 0
			pp, err := l.s.preparePerson(in, now)
			if err != nil {
				return pfail(err)
			}
			if hasRoom && pp.in.Address == "" {
				pp.in.Address = roomAddr
			}
			bp := bulkPerson{pp: pp, relation: rel}
			// The fields that are set get a source (as in CreatePerson).
			masks := make([]string, len(pp.phones))
			for i, ph := range pp.phones {
				masks[i] = ph.masked
			}
			set := map[string]bool{"name": pp.in.Name != "", "gender": pp.in.Gender != "", "birth_date": !pp.in.BirthDate.IsZero(),
				"id_type": pp.in.IDType != "", "id_number": pp.idMasked != "", "phones": len(masks) > 0, "ethnicity": pp.in.Ethnicity != "",
				"education": pp.in.Education != "", "employment": pp.in.Employment != "", "political": pp.in.Political != "",
				"reg_type": pp.in.RegType != "", "grid": true, "room": hasRoom, "address": pp.in.Address != ""}
			for i, f := range personFields {
				if set[f] {
					bp.srcMask |= 1 << i
				}
			}
			for _, t := range m.Tags {
				row, err := l.prepareTag(t, today)
				if err != nil {
					return pfail(err)
				}
				for _, o := range bp.tags {
					if o.tagID == row.tagID {
						return pfail(linli.Conflict("tag.already"))
					}
				}
				bp.tags = append(bp.tags, row)
			}
			if m.Migrant != nil {
				if pp.in.RegType != linli.RegMigrant {
					return pfail(linli.Invalid("person", "migrant.not_migrant"))
				}
				row, err := prepareMigrant(*m.Migrant, today)
				if err != nil {
					return pfail(err)
				}
				bp.mig = &row
			}
			idx := int32(len(b.people))
			for _, t := range personTerms(pp.in.Name, pp.in.Address, masks) {
				b.terms = append(b.terms, bulkTerm{term: t, path: grid.Path, person: idx})
			}
			b.people = append(b.people, bp)
		}
		// The household's address: its room's, else the head's.
		bh.address = roomAddr
		if !hasRoom {
			bh.address = b.people[bh.first].pp.in.Address
		}
		b.hh = append(b.hh, bh)
	}
	slices.SortFunc(b.terms, func(x, y bulkTerm) int {
		if c := strings.Compare(x.term, y.term); c != 0 {
			return c
		}
		if c := strings.Compare(x.path, y.path); c != 0 {
			return c
		}
		return cmp.Compare(x.person, y.person)
	})
	return nil
}

// prepareTag checks and seals a tag as AddTag does.
func (l *BulkLoader) prepareTag(t BulkTag, today time.Time) (bulkTagRow, error) {
	code := strings.TrimSpace(t.Code)
	def, ok := l.tags[code]
	if !ok {
		return bulkTagRow{}, fmt.Errorf("tag %q: %w", code, linli.ErrNotFound)
	}
	if !canSeeClass(l.a, def.class) {
		return bulkTagRow{}, fmt.Errorf("tag %q: %w", code, linli.ErrNotFound)
	}
	row := bulkTagRow{tagID: def.id, code: code, source: strings.TrimSpace(t.Source), note: strings.TrimSpace(t.Note)}
	if row.source == "" {
		row.source = linli.SourceWorker
	}
	clean := map[string]string{}
	for k, v := range t.Attrs {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !slices.Contains(def.attrs, k) {
			return row, linli.Invalid("attrs", "tag.attr.unknown", k)
		}
		clean[k] = v
	}
	if len(clean) > 0 {
		b, _ := json.Marshal(clean)
		row.attrs = string(b)
		if def.class != linli.TagOrdinary {
			var err error
			if row.sealed, err = l.s.keys.SealField(fieldTagAttrs, row.attrs); err != nil {
				return row, err
			}
			row.attrs = ""
		}
	}
	d := today
	if !t.Since.IsZero() {
		d = dateOf(t.Since)
	}
	row.since = dateStr(d)
	shown := row.attrs
	if row.sealed != "" {
		shown = "***"
	}
	row.shown = strings.TrimSpace(row.since + " " + shown)
	return row, nil
}

// prepareMigrant checks a registration as RegisterMigrant does.
func prepareMigrant(m BulkMigrant, today time.Time) (bulkMigRow, error) {
	in := m.MigrantInput
	in.Reason = strings.TrimSpace(in.Reason)
	expires, err := checkMigrant(&in, today)
	if err != nil {
		return bulkMigRow{}, err
	}
	return bulkMigRow{arrival: dateStr(dateOf(in.ArrivalDate)), reason: in.Reason, origin: in.OriginRegion, landlord: in.Landlord,
		employer: in.Employer, expires: dateStr(expires), stay: in.ExpectedStayMonths, registered: m.RegisteredAt, renewed: m.RenewedAt}, nil
}

// ids reserves n new ids of table: after the largest on SQLite (the
// transaction holds the only write lock), from the identity sequence on
// PostgreSQL.
func (tx *Tx) ids(table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	out := make([]int64, 0, n)
	if !tx.s.d.pg() {
		var last int64
		if err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM ` + table).Scan(&last); err != nil {
			return nil, err
		}
		for i := range n {
			out = append(out, last+1+int64(i))
		}
		return out, nil
	}
	rows, err := tx.query(`SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// pendingPlace is a place a batch creates.
type pendingPlace struct {
	level     byte // 'c', 'b', 'u', 'r'
	key       string
	parentKey string // building: compound; unit: building; room: unit or building
	buildKey  string // room: its building
	hh        int
}

// write inserts a prepared batch in one transaction.
func (l *BulkLoader) write(b *bulkBatch, audited bool) error {
	return l.s.writeOn(l.ctx, l.conn, func(tx *Tx) error {
		now := tx.s.d.t(tx.now)
		today := dateStr(dateOf(tx.now))
		actor := nullInt(l.a.UserID)

		// Places: find the new ones, reserve their ids, insert them.
		var pend []pendingPlace
		seen := map[string]bool{}
		count := map[byte]int{}
		roomKeys := make([]string, len(b.hh))
		for i, h := range b.hh {
			p := h.place
			if p.Building == "" {
				continue
			}
			ck := ""
			if p.Compound != "" {
				ck = "c" + strconv.FormatInt(h.grid.ID, 10) + "\x00" + p.Compound + "\x00" + p.CompoundAddress
			}
			bk := "b" + strconv.FormatInt(h.grid.ID, 10) + "\x00" + ck + "\x00" + p.Building
			uk := ""
			if p.Unit != "" {
				uk = "u" + bk + "\x00" + p.Unit
			}
			rk := "r" + bk + "\x00" + uk + "\x00" + p.Room
			roomKeys[i] = rk
			for _, pp := range []pendingPlace{{'c', ck, "", "", i}, {'b', bk, ck, "", i}, {'u', uk, bk, "", i}, {'r', rk, cmp.Or(uk, bk), bk, i}} {
				if pp.key == "" || seen[pp.key] {
					continue
				}
				if _, ok := l.places[pp.key]; ok {
					continue
				}
				seen[pp.key] = true
				pend = append(pend, pp)
				count[pp.level]++
			}
		}
		tables := map[byte]string{'c': "compounds", 'b': "buildings", 'u': "building_units", 'r': "rooms"}
		alloc := map[byte][]int64{}
		for lv, t := range tables {
			ids, err := tx.ids(t, count[lv])
			if err != nil {
				return err
			}
			alloc[lv] = ids
		}
		var cArgs, bArgs, uArgs, rArgs []any
		for _, pp := range pend {
			id := alloc[pp.level][0]
			alloc[pp.level] = alloc[pp.level][1:]
			l.places[pp.key] = id
			h := b.hh[pp.hh]
			switch pp.level {
			case 'c':
				cArgs = append(cArgs, id, h.grid.ID, h.grid.Path, h.place.Compound, h.place.CompoundAddress, now)
			case 'b':
				bArgs = append(bArgs, id, nullInt(l.places[pp.parentKey]), h.grid.ID, h.grid.Path, h.place.Building, h.place.Floors, now)
			case 'u':
				uArgs = append(uArgs, id, l.places[pp.parentKey], h.place.Unit, now)
			case 'r':
				unit := int64(0)
				if pp.parentKey != pp.buildKey {
					unit = l.places[pp.parentKey]
				}
				rArgs = append(rArgs, id, l.places[pp.buildKey], nullInt(unit), h.grid.Path, h.place.Room, now)
			}
		}
		for _, ins := range []struct {
			table string
			cols  []string
			args  []any
		}{
			{"compounds", []string{"id", "grid_id", "path", "name", "address", "created_at"}, cArgs},
			{"buildings", []string{"id", "compound_id", "grid_id", "path", "name", "floors", "created_at"}, bArgs},
			{"building_units", []string{"id", "building_id", "name", "created_at"}, uArgs},
			{"rooms", []string{"id", "building_id", "unit_id", "path", "name", "created_at"}, rArgs},
		} {
			if err := l.stmts.insert(tx, ins.table, ins.cols, ins.args); err != nil {
				return err
			}
		}

		// People and households.
		pids, err := tx.ids("persons", len(b.people))
		if err != nil {
			return err
		}
		hids, err := tx.ids("households", len(b.hh))
		if err != nil {
			return err
		}
		at := tx.now.UTC()
		srcCache := map[bulkSrcKey]string{}
		sources := func(p *bulkPerson) string {
			k := bulkSrcKey{p.srcMask, p.pp.in.Source, p.pp.in.SourceNote}
			if s, ok := srcCache[k]; ok {
				return s
			}
			m := map[string]linli.FieldSource{}
			for i, f := range personFields {
				if p.srcMask&(1<<i) != 0 {
					m[f] = linli.FieldSource{Source: p.pp.in.Source, Note: p.pp.in.SourceNote, At: at}
				}
			}
			srcCache[k] = sourcesJSON(m)
			return srcCache[k]
		}
		roomOf := make([]int64, len(b.hh))
		for i := range b.hh {
			if roomKeys[i] != "" {
				roomOf[i] = l.places[roomKeys[i]]
			}
		}
		hhOf := make([]int, len(b.people))
		for i, h := range b.hh {
			for j := h.first; j < h.first+h.n; j++ {
				hhOf[j] = i
			}
		}
		pArgs := make([]any, 0, len(b.people)*24)
		var phArgs, histArgs, tagArgs, migArgs []any
		nPhones, nTags, nMig := 0, 0, 0
		for i := range b.people {
			p := &b.people[i]
			in := p.pp.in
			h := &b.hh[hhOf[i]]
			pArgs = append(pArgs, pids[i], in.Name, in.Gender, dateStr(in.BirthDate), in.IDType, p.pp.idSealed, p.pp.idBidx, p.pp.idMasked,
				in.Ethnicity, in.Education, in.Employment, in.Political, in.RegType, linli.StatusLiving, "", h.grid.ID, h.grid.Path, h.keys.community,
				h.keys.street, h.keys.district, nullInt(roomOf[hhOf[i]]), in.Address, hids[hhOf[i]], sources(p), now, now, 2)
			for pos, ph := range p.pp.phones {
				phArgs = append(phArgs, pids[i], ph.sealed, ph.bidx, ph.masked, pos)
				nPhones++
			}
		}
		if err := l.stmts.insert(tx, "persons", []string{"id", "name", "gender", "birth_date", "id_type", "id_number", "id_number_bidx", "id_masked", "ethnicity", "education", "employment", "political", "reg_type", "status", "status_date", "grid_id", "path", "community_id", "street_id", "district_id", "room_id", "address", "household_id", "sources", "created_at", "updated_at", "version"}, pArgs); err != nil {
			return err
		}
		pArgs = nil
		if err := l.stmts.insert(tx, "person_phones", []string{"person_id", "phone", "phone_bidx", "phone_masked", "position"}, phArgs); err != nil {
			return err
		}
		phArgs = nil
		// History in the order the use cases write it: created; then the
		// household joined; then tags; then the registration.
		for i := range b.people {
			histArgs = append(histArgs, pids[i], "created", "", "", b.people[i].pp.in.Source, b.people[i].pp.in.SourceNote, actor, now)
		}
		hArgs := make([]any, 0, len(b.hh)*12)
		var memArgs, hhHist []any
		for i, h := range b.hh {
			head := pids[h.first]
			hArgs = append(hArgs, hids[i], head, h.kind, nullInt(roomOf[i]), h.grid.ID, h.grid.Path, h.keys.community, h.keys.street,
				h.keys.district, h.address, "active", now, now, 1)
			hhHist = append(hhHist, hids[i], "created", "", idStr(head), actor, now)
			for j := h.first; j < h.first+h.n; j++ {
				rel := b.people[j].relation
				memArgs = append(memArgs, hids[i], pids[j], rel, today)
				hhHist = append(hhHist, hids[i], "member.joined", "", idStr(pids[j])+":"+rel, actor, now)
				histArgs = append(histArgs, pids[j], "household", "", idStr(hids[i]), linli.SourceWorker, "", actor, now)
			}
		}
		if err := l.stmts.insert(tx, "households", []string{"id", "head_person_id", "kind", "room_id", "grid_id", "path", "community_id", "street_id", "district_id", "address", "status", "created_at", "updated_at", "version"}, hArgs); err != nil {
			return err
		}
		if err := l.stmts.insert(tx, "household_members", []string{"household_id", "person_id", "relation", "since"}, memArgs); err != nil {
			return err
		}
		if err := l.stmts.insert(tx, "household_history", []string{"household_id", "field", "old_value", "new_value", "actor_id", "at"}, hhHist); err != nil {
			return err
		}
		for i := range b.people {
			p := &b.people[i]
			path := b.hh[hhOf[i]].grid.Path
			for _, t := range p.tags {
				tagArgs = append(tagArgs, pids[i], t.tagID, t.attrs, t.sealed, t.since, t.source, t.note, path, now)
				histArgs = append(histArgs, pids[i], "tag:"+t.code, "", t.shown, t.source, t.note, actor, now)
				nTags++
			}
		}
		for i := range b.people {
			m := b.people[i].mig
			if m == nil {
				continue
			}
			reg := now
			if !m.registered.IsZero() {
				reg = tx.s.d.t(m.registered)
			}
			migArgs = append(migArgs, pids[i], b.hh[hhOf[i]].grid.Path, m.arrival, m.reason, m.origin, m.stay, m.landlord, m.employer,
				reg, m.expires, tx.s.d.t(m.renewed))
			histArgs = append(histArgs, pids[i], "migrant.registered", "", m.expires, linli.SourceWorker, "", actor, now)
			nMig++
		}
		if err := l.stmts.insert(tx, "person_tags", []string{"person_id", "tag_id", "attrs", "attrs_sealed", "since", "source", "note", "path", "created_at"}, tagArgs); err != nil {
			return err
		}
		if err := l.stmts.insert(tx, "migrant_registrations", []string{"person_id", "path", "arrival_date", "reason", "origin_region", "expected_stay_months", "landlord", "employer", "registered_at", "expires_at", "renewed_at"}, migArgs); err != nil {
			return err
		}
		if err := l.stmts.insert(tx, "person_history", []string{"person_id", "field", "old_value", "new_value", "source", "note", "actor_id", "at"}, histArgs); err != nil {
			return err
		}
		nHist := len(histArgs) / 8
		histArgs = nil
		tArgs := make([]any, 0, len(b.terms)*3)
		for _, t := range b.terms {
			tArgs = append(tArgs, t.term, t.path, pids[t.person])
		}
		terms := "person_terms"
		if l.staged {
			terms = "person_terms_load"
		}
		if err := l.stmts.insert(tx, terms, []string{"term", "path", "person_id"}, tArgs); err != nil {
			return err
		}
		if audited {
			ev := auditEvent(l.a, "person.bulk_load", "person", fmt.Sprintf("%d-%d", pids[0], pids[len(pids)-1]), 0)
			ev.Detail = fmt.Sprintf("rows=%d", len(b.people))
			if err := tx.audit(ev); err != nil {
				return err
			}
		}
		tx.onCommit = append(tx.onCommit, func() {
			r := &l.res
			r.Batches++
			r.Households += len(b.hh)
			r.Persons += len(b.people)
			r.Phones += nPhones
			r.Tags += nTags
			r.Migrants += nMig
			r.Compounds += len(cArgs) / 6
			r.Buildings += len(bArgs) / 7
			r.Units += len(uArgs) / 4
			r.Rooms += len(rArgs) / 6
			r.Terms += len(b.terms)
			r.History += nHist
		})
		return nil
	})
}

type bulkSrcKey struct {
	mask         uint16
	source, note string
}

// insert adds rows (args holds len(cols) values per row) to table: COPY
// on PostgreSQL when the transaction holds its connection, multi-row
// INSERTs otherwise.
func (ts *txStmts) insert(tx *Tx, table string, cols []string, args []any) error {
	if len(args) == 0 {
		return nil
	}
	if tx.conn != nil && tx.s.d.pg() {
		return tx.copyFrom(table, cols, args)
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	return ts.insertMany(tx, head, "(?"+strings.Repeat(", ?", len(cols)-1)+")", args)
}

// maxParams bounds the parameters of one statement: SQLite allows 32,766,
// PostgreSQL 65,535.
const maxParams = 30000

// multiRowSQL caches the text of multi-row INSERTs by head, tuple, tail
// and rows.
var multiRowSQL sync.Map

// multiRow is the text head + k times tuple, separated by commas, + tail.
func multiRow(head, tuple, tail string, k int) string {
	key := head + "\x00" + tuple + "\x00" + tail + "\x00" + strconv.Itoa(k)
	if q, ok := multiRowSQL.Load(key); ok {
		return q.(string)
	}
	var sb strings.Builder
	sb.Grow(len(head) + k*(len(tuple)+2) + len(tail))
	sb.WriteString(head)
	for i := range k {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(tuple)
	}
	sb.WriteString(tail)
	q, _ := multiRowSQL.LoadOrStore(key, sb.String())
	return q.(string)
}

// insertMany inserts rows of the tuple's shape with multi-row INSERTs of
// up to 1,000 rows (fewer for wide rows); the rest is split into powers of
// two, so that every statement text is one of a few, each prepared once.
func (ts *txStmts) insertMany(tx *Tx, head, tuple string, args []any) error {
	ncol := strings.Count(tuple, "?")
	if len(args) == 0 {
		return nil
	}
	rows := len(args) / ncol
	most := min(1000, maxParams/ncol)
	for done := 0; done < rows; {
		k := rows - done
		if k >= most {
			k = most
		} else {
			k = 1 << (bitLen(k) - 1)
		}
		q := multiRow(head, tuple, "", k)
		st, err := ts.get(tx, q)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(tx.ctx, args[done*ncol:(done+k)*ncol]...); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// get is tx.stmt for statements used many times in one transaction:
// one seen for the first time is prepared once on the transaction (and
// cached on the store after it), not at every use.
func (ts *txStmts) get(tx *Tx, q string) (*sql.Stmt, error) {
	if ts.tx != tx {
		ts.tx, ts.m = tx, map[string]*sql.Stmt{}
	}
	if st, ok := ts.m[q]; ok {
		return st, nil
	}
	st, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	ts.m[q] = st
	return st, nil
}

// txStmts are the statement handles of one transaction.
type txStmts struct {
	tx *Tx
	m  map[string]*sql.Stmt
}

func bitLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// bulkDeferred are the indexes that a load into an empty registry drops
// at the start and builds once at the end (a sorted build) instead of row
// by row: they take their rows in random order (a search term, a blind
// index, a name), so that every batch rewrote most of their pages. The
// load does not read them, and keeps the unique index of ID numbers. On
// PostgreSQL the key of person_terms is one of them; on SQLite it is the
// table itself (WITHOUT ROWID), so the load stages the terms in
// person_terms_load instead (migration 0010).
func (s *Store) bulkDeferred() []deferredIndex {
	ix := func(name, def string) deferredIndex {
		return deferredIndex{name, `CREATE INDEX IF NOT EXISTS ` + name + ` ON ` + def, `DROP INDEX IF EXISTS ` + name}
	}
	out := []deferredIndex{
		ix("person_terms_person", "person_terms (person_id)"),
		ix("persons_community_name", "persons (community_id, name, birth_date)"),
		ix("person_phones_bidx", "person_phones (phone_bidx)"),
	}
	if s.d.pg() {
		out = append(out, deferredIndex{"person_terms_pkey",
			`ALTER TABLE person_terms ADD CONSTRAINT person_terms_pkey PRIMARY KEY (term, path, person_id)`,
			`ALTER TABLE person_terms DROP CONSTRAINT IF EXISTS person_terms_pkey`})
	}
	return out
}

// deferredIndex is an index of bulkDeferred and its statements.
type deferredIndex struct{ name, create, drop string }

// FinishBulkLoad finishes what a bulk load left: on SQLite it moves the
// terms of person_terms_load into person_terms, in the key's order; it
// creates the indexes of bulkDeferred that are missing. It writes nothing
// when there is nothing to finish; opening a store for serve or the demo
// calls it, for a load that was interrupted.
func (s *Store) FinishBulkLoad(ctx context.Context) error {
	var one int
	staged := false
	if !s.d.pg() {
		switch err := s.queryRow(ctx, `SELECT 1 FROM person_terms_load LIMIT 1`).Scan(&one); {
		case err == nil:
			staged = true
		case !errors.Is(err, sql.ErrNoRows):
			return s.mapErr(err)
		}
	}
	// The deferred indexes that exist, in one query (this runs at every
	// start of serve).
	deferred := s.bulkDeferred()
	names := make([]any, len(deferred))
	for i, ix := range deferred {
		names[i] = ix.name
	}
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (?` + strings.Repeat(", ?", len(names)-1) + `)`
	if s.d.pg() {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN (?` + strings.Repeat(", ?", len(names)-1) + `)`
	}
	rows, err := s.query(ctx, q, names...)
	if err != nil {
		return s.mapErr(err)
	}
	present := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		present[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.mapErr(err)
	}
	var missing []string
	for _, ix := range deferred {
		if !present[ix.name] {
			missing = append(missing, ix.create)
		}
	}
	if !staged && len(missing) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *Tx) error {
		if s.d.pg() {
			// Build the indexes in memory, not in temporary files (the
			// default is 64 MB).
			if _, err := tx.exec(`SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
				return err
			}
		}
		if staged {
			if _, err := tx.exec(`INSERT INTO person_terms (term, path, person_id)
				SELECT term, path, person_id FROM person_terms_load WHERE true ORDER BY term, path, person_id ON CONFLICT DO NOTHING`); err != nil {
				return err
			}
			if _, err := tx.exec(`DELETE FROM person_terms_load`); err != nil {
				return err
			}
		}
		for _, q := range missing {
			if _, err := tx.exec(q); err != nil {
				return err
			}
		}
		return nil
	})
}

// PersonCount is the number of people in the registry, whatever their
// status (for the demo and operations).
func (s *Store) PersonCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM persons`).Scan(&n)
	return n, s.mapErr(err)
}
