package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/seal"
)

// Work orders (migrations/*/0007_workorders.sql). A use case is one
// transaction: the order, its timeline event, the audit record, the
// outbox messages and the deadline timers commit together, or nothing.
//
// Who sees an order: staff with wo.read whose scope holds the order's
// area, or whose org unit is (or was) assigned to it; the resident who
// asked for it. Everyone else gets ErrNotFound.

const fieldWOPhone = "wo.phone"

// Work-order settings (the settings table) and their defaults.
const (
	SettingWOWarnPercent   = "wo.warn_percent"    // yellow at this share of the time allowed (default 75)
	SettingWOUnratedDays   = "wo.unrated_days"    // resolved and not rated after this many days: closed as unrated (7)
	SettingWOEscalateHours = "wo.escalate_hours"  // overdue this long: escalated to the supervisor (24)
	SettingWODupHours      = "wo.duplicate_hours" // same service and place within this window: a possible duplicate (72)
)

const woCols = `o.id, o.number, o.service_id, sv.code, sv.name_zh, sv.name_en, o.channel, o.priority, o.state,
	COALESCE(o.requester_person_id, 0), COALESCE(o.requester_user_id, 0), o.contact_name, o.contact_phone_masked, o.contact_email,
	o.anonymous, o.address, o.lat_e6, o.lon_e6, o.area_id, o.path, o.title, o.description, o.answers, COALESCE(o.lead_unit_id, 0),
	COALESCE(u.name, ''), o.accepted_at, o.dispatched_at, o.signed_at, o.due_at, o.warn_at, o.paused_at, o.resolved_at, o.closed_at,
	o.reply, COALESCE(o.rating, 0), o.ratings, o.reopens, o.returns, o.unrated, o.overdue, o.requesters, COALESCE(o.duplicate_of, 0),
	o.created_at, o.updated_at, o.version`

const woFrom = `work_orders o JOIN services sv ON sv.id = o.service_id LEFT JOIN org_units u ON u.id = o.lead_unit_id`

func scanWO(r scanner) (linli.WorkOrder, error) {
	var o linli.WorkOrder
	var anon, unrated, overdue int
	var lat, lon sql.NullInt64
	var answers string
	err := r.Scan(&o.ID, &o.Number, &o.ServiceID, &o.ServiceCode, &o.ServiceName, &o.ServiceNameEn, &o.Channel, &o.Priority, &o.State,
		&o.RequesterPersonID, &o.RequesterUserID, &o.ContactName, &o.ContactPhone, &o.ContactEmail,
		&anon, &o.Address, &lat, &lon, &o.AreaID, &o.Path, &o.Title, &o.Description, &answers, &o.LeadUnitID,
		&o.LeadUnitName, tm{&o.AcceptedAt}, tm{&o.DispatchedAt}, tm{&o.SignedAt}, tm{&o.DueAt}, tm{&o.WarnAt}, tm{&o.PausedAt},
		tm{&o.ResolvedAt}, tm{&o.ClosedAt}, &o.Reply, &o.Rating, &o.Ratings, &o.Reopens, &o.Returns, &unrated, &overdue,
		&o.Requesters, &o.DuplicateOf, tm{&o.CreatedAt}, tm{&o.UpdatedAt}, &o.Version)
	if err != nil {
		return o, err
	}
	o.Anonymous, o.Unrated, o.Overdue = anon != 0, unrated != 0, overdue != 0
	if lat.Valid && lon.Valid {
		o.HasPoint, o.Lat, o.Lon = true, float64(lat.Int64)/1e6, float64(lon.Int64)/1e6
	}
	_ = json.Unmarshal([]byte(answers), &o.Answers)
	return o, nil
}

// woVisible is the condition under which the actor sees an order (on o),
// with its arguments.
func woVisible(a linli.Actor) (string, []any) {
	var parts []string
	var args []any
	if a.Can(linli.PermWORead) {
		cond, cargs := scopeCond("o.path", a.Scope)
		parts = append(parts, cond)
		args = append(args, cargs...)
		if a.OrgUnitID != 0 {
			parts = append(parts, `EXISTS (SELECT 1 FROM wo_assignments wa WHERE wa.order_id = o.id AND wa.unit_id = ?)`)
			args = append(args, a.OrgUnitID)
		}
	}
	if a.Can(linli.PermSelfService) && a.UserID != 0 {
		parts = append(parts, `o.requester_user_id = ?`)
		args = append(args, a.UserID)
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// WorkOrder returns an order the actor may see.
func (s *Store) WorkOrder(ctx context.Context, a linli.Actor, id int64) (linli.WorkOrder, error) {
	cond, args := woVisible(a)
	o, err := scanWO(s.queryRow(ctx, `SELECT `+woCols+` FROM `+woFrom+` WHERE o.id = ? AND `+cond, append([]any{id}, args...)...))
	return o, s.mapErr(err)
}

// WorkOrderByNumber returns an order by its number.
func (s *Store) WorkOrderByNumber(ctx context.Context, a linli.Actor, number string) (linli.WorkOrder, error) {
	cond, args := woVisible(a)
	o, err := scanWO(s.queryRow(ctx, `SELECT `+woCols+` FROM `+woFrom+` WHERE o.number = ? AND `+cond, append([]any{number}, args...)...))
	return o, s.mapErr(err)
}

func (tx *Tx) workOrder(a linli.Actor, id int64) (linli.WorkOrder, error) {
	cond, args := woVisible(a)
	return scanWO(tx.queryRow(`SELECT `+woCols+` FROM `+woFrom+` WHERE o.id = ? AND `+cond, append([]any{id}, args...)...))
}

// workOrderSys loads an order without a scope check (timers).
func (tx *Tx) workOrderSys(id int64) (linli.WorkOrder, error) {
	return scanWO(tx.queryRow(`SELECT `+woCols+` FROM `+woFrom+` WHERE o.id = ?`, id))
}

// actorKey names the actor for idempotency keys.
func actorKey(a linli.Actor) string {
	if a.TokenID != 0 {
		return "t" + strconv.FormatInt(a.TokenID, 10)
	}
	return "u" + strconv.FormatInt(a.UserID, 10)
}

// settingInt reads an integer setting inside a transaction.
// Work-order settings are read on most transactions; they are kept for
// settingTTL (a change through SetSetting is seen at once in this process).
func (tx *Tx) settingInt(key string, def int) int {
	if v, ok := tx.s.settings.Load(key); ok && time.Since(v.(cachedSetting).at) < settingTTL {
		return v.(cachedSetting).n
	}
	var v string
	_ = tx.queryRow(`SELECT value FROM settings WHERE key = ?`, key).Scan(&v) // unset: the default
	n := settingNumber(v, def)
	tx.s.settings.Store(key, cachedSetting{n: n, at: time.Now()})
	return n
}

// settingNumber is a positive whole-number setting, or def when it is
// unset or not one.
func settingNumber(v string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return n
	}
	return def
}

type cachedSetting struct {
	n  int
	at time.Time
}

const settingTTL = 30 * time.Second

// CreateWorkOrder registers a request from any channel. With an
// idempotency key already used by the same actor, it returns the order
// the first request created and created = false.
func (s *Store) CreateWorkOrder(ctx context.Context, a linli.Actor, in linli.WorkOrderInput) (o linli.WorkOrder, created bool, err error) {
	return s.createWorkOrder(ctx, a, in, nil)
}

// CreateWorkOrderWithPhotos is CreateWorkOrder for a request that brings
// its photos along (Open311's media): each, cleaned by internal/attach
// (ContentType, Width, Height and Data set), is stored and linked to the
// order in the order's own transaction, so a refused request leaves no
// photo behind. A retry with a used idempotency key stores none again.
func (s *Store) CreateWorkOrderWithPhotos(ctx context.Context, a linli.Actor, in linli.WorkOrderInput, photos []Attachment) (linli.WorkOrder, bool, error) {
	for _, x := range photos {
		if err := checkAttachment(x.ContentType, x.Width, x.Height, x.Data); err != nil {
			return linli.WorkOrder{}, false, err
		}
	}
	return s.createWorkOrder(ctx, a, in, photos)
}

func (s *Store) createWorkOrder(ctx context.Context, a linli.Actor, in linli.WorkOrderInput, photos []Attachment) (o linli.WorkOrder, created bool, err error) {
	staff := a.Can(linli.PermWOIntake)
	self := !staff && a.Can(linli.PermSelfService)
	if !staff && !self {
		return o, false, linli.ErrForbidden
	}
	if utf8.RuneCountInString(in.IdempotencyKey) > 100 {
		return o, false, linli.Invalid("idempotency_key", "wo.idempotency.too_long")
	}
	if len(in.AttachmentNames)+len(photos) > MaxAttachmentsPerOrder {
		return o, false, linli.Invalid("attachments", "wo.attachment.too_many", MaxAttachmentsPerOrder)
	}
	cal, err := s.workCalendar(ctx)
	if err != nil {
		return o, false, err
	}
	var phoneSealed, phoneBidx, phoneMasked string
	if p := strings.TrimSpace(in.ContactPhone); p != "" {
		if key := linli.CheckPhone(p); key != "" {
			return o, false, linli.Invalid("contact_phone", key)
		}
		if s.keys == nil {
			return o, false, errSearchNoKeys
		}
		norm := linli.NormalizePhone(p)
		if phoneSealed, err = s.keys.SealField(fieldWOPhone, norm); err != nil {
			return o, false, err
		}
		phoneBidx, phoneMasked = s.keys.BlindIndex("person.phone", norm), seal.MaskPhone(norm)
	}
	err = s.write(ctx, func(tx *Tx) error {
		if in.IdempotencyKey != "" {
			var id int64
			err := tx.queryRow(`SELECT order_id FROM idempotency_keys WHERE actor_key = ? AND key = ?`, actorKey(a), in.IdempotencyKey).Scan(&id)
			if err == nil {
				o, err = tx.workOrderSys(id)
				return err
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		v := &linli.ValidationError{}
		sv, err := tx.serviceByCode(strings.TrimSpace(in.ServiceCode))
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && (sv.Retired || (!sv.Public && self))):
			return linli.Invalid("service_code", "wo.service.unknown")
		case err != nil:
			return err
		case sv.Duty == linli.DutyNegative:
			return &linli.ValidationError{Fields: []linli.FieldError{{Field: "service_code", Key: "wo.service.negative", Args: []any{sv.Referral}}}}
		}
		if sv.Group == "certificate" || sv.Certificate {
			if name, ref, bad := linli.ForbiddenCertificate(in.Title + " " + in.Description + " " + strings.Join(flatAnswers(in.Answers), " ")); bad {
				return &linli.ValidationError{Fields: []linli.FieldError{{Field: "description", Key: "wo.cert.forbidden", Args: []any{name, ref}}}}
			}
		}
		answers, av := sv.CheckAnswers(in.Answers)
		v.Fields = append(v.Fields, av.Fields...)
		in.Description = strings.TrimSpace(in.Description)
		in.Title = strings.TrimSpace(in.Title)
		switch {
		case in.Description == "":
			v.Add("description", "field.required")
		case utf8.RuneCountInString(in.Description) > 4000:
			v.Add("description", "field.too_long", 4000)
		}
		if utf8.RuneCountInString(in.Title) > 100 {
			v.Add("title", "field.too_long", 100)
		}
		if in.Priority == "" {
			in.Priority = linli.PriorityNormal
		}
		if !slices.Contains(linli.Priorities, in.Priority) {
			v.Add("priority", "wo.priority.invalid")
		}
		if in.Channel == "" {
			in.Channel = linli.ChannelCounter
			if self {
				in.Channel = linli.ChannelWeb
			}
		}
		if !slices.Contains(linli.Channels, in.Channel) || (self && in.Channel != linli.ChannelWeb) {
			v.Add("channel", "wo.channel.invalid")
		}
		if in.HasPoint && (in.Lat < -90 || in.Lat > 90 || in.Lon < -180 || in.Lon > 180) {
			v.Add("lat", "wo.point.invalid")
		}
		if utf8.RuneCountInString(in.Address) > 200 {
			v.Add("address", "field.too_long", 200)
		}
		in.ContactName = strings.TrimSpace(in.ContactName)
		in.ContactEmail = strings.TrimSpace(in.ContactEmail)
		if in.ContactEmail != "" && (!strings.Contains(in.ContactEmail, "@") || len(in.ContactEmail) > 200) {
			v.Add("contact_email", "wo.email.invalid")
		}
		// The requester: a resident of the registry, a named contact, the
		// resident account itself, or no one where the service allows it.
		var person personRec
		var areaPath string
		var areaID int64
		switch {
		case self:
			in.RequesterPersonID = 0
			if in.ContactName == "" {
				_ = tx.queryRow(`SELECT display_name FROM users WHERE id = ?`, a.UserID).Scan(&in.ContactName)
			}
		case in.RequesterPersonID != 0:
			person, err = tx.person(a, in.RequesterPersonID)
			if err != nil {
				v.Add("requester", "wo.requester.not_found")
			} else if in.ContactName == "" {
				in.ContactName = person.Name
			}
		case in.Anonymous:
			if !sv.Anonymous {
				v.Add("anonymous", "wo.anonymous.not_allowed")
			}
		case in.ContactName == "":
			v.Add("contact_name", "wo.contact.required")
		}
		if in.Anonymous && in.RequesterPersonID == 0 && !self {
			in.ContactName = ""
		}
		// The place: an area (grid or community) — the staff member's
		// scope holds it; a resident may name any area.
		aid := in.AreaID
		if aid == 0 && person.ID != 0 {
			aid = person.GridID
		}
		if aid == 0 && len(a.Scope.AreaIDs) == 1 {
			aid = a.Scope.AreaIDs[0]
		}
		if aid == 0 {
			v.Add("area", "wo.area.required")
		} else {
			var ar linli.Area
			if self {
				ar, err = scanArea(tx.queryRow(`SELECT `+areaCols+` FROM areas WHERE id = ? AND retired_at IS NULL`, aid))
			} else {
				ar, err = tx.area(a, aid)
			}
			if err != nil {
				v.Add("area", "wo.area.not_found")
			} else {
				areaPath, areaID = ar.Path, ar.ID
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		number, err := tx.nextNumber()
		if err != nil {
			return err
		}
		due := sv.Deadlines[in.Priority].Due(cal, tx.now)
		warn := warnAt(tx.now, due, tx.settingInt(SettingWOWarnPercent, 75))
		comm, street, district := pathIDs(areaPath)
		var lat, lon any
		if in.HasPoint {
			lat, lon = int64(in.Lat*1e6), int64(in.Lon*1e6)
		}
		now := tx.s.d.t(tx.now)
		var reqUser any
		if self {
			reqUser = a.UserID
		}
		id, err := tx.insert(`INSERT INTO work_orders (number, service_id, channel, priority, state, requester_person_id, requester_user_id,
			contact_name, contact_phone, contact_phone_bidx, contact_phone_masked, contact_email, anonymous, address, lat_e6, lon_e6,
			area_id, path, community_id, street_id, district_id, title, description, answers, accepted_at, due_at, warn_at, created_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			number, sv.ID, string(in.Channel), string(in.Priority), string(linli.WOAccepted), nullInt(in.RequesterPersonID), reqUser,
			in.ContactName, phoneSealed, phoneBidx, phoneMasked, in.ContactEmail, b2i(in.Anonymous), strings.TrimSpace(in.Address), lat, lon,
			areaID, areaPath, nullInt(comm), nullInt(street), nullInt(district), in.Title, in.Description, mustJSON(answers),
			now, tx.s.d.t(due), tx.s.d.t(warn), nullInt(a.UserID), now, now)
		if err != nil {
			return err
		}
		for _, name := range in.AttachmentNames {
			own, oargs := ownUpload("", a)
			res, err := tx.exec(`UPDATE wo_attachments SET order_id = ? WHERE name = ? AND order_id IS NULL AND `+own,
				append([]any{id, name}, oargs...)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return linli.Invalid("attachments", "wo.attachment.unknown")
			}
		}
		for _, x := range photos {
			x.OrderID = id
			if err := tx.insertAttachment(a, &x); err != nil {
				return err
			}
		}
		if in.Open311Token {
			// The token of a batch service commits with the order
			// (Open311Token then finds it).
			b := make([]byte, 12)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			if _, err := tx.exec(`INSERT INTO open311_tokens (token, order_id, created_at) VALUES (?, ?, ?)`, hex.EncodeToString(b), id, now); err != nil {
				return err
			}
		}
		if in.IdempotencyKey != "" {
			if _, err := tx.exec(`INSERT INTO idempotency_keys (actor_key, key, order_id, created_at) VALUES (?, ?, ?, ?)`,
				actorKey(a), in.IdempotencyKey, id, now); err != nil {
				return err
			}
		}
		// What the event, the timers and the notices need; the whole order
		// is read back after the commit.
		o = linli.WorkOrder{ID: id, Number: number, ServiceID: sv.ID, ServiceCode: sv.Code, ServiceName: sv.NameZh, ServiceNameEn: sv.NameEn,
			Channel: in.Channel, Priority: in.Priority, State: linli.WOAccepted, AreaID: areaID, Path: areaPath, DueAt: due, WarnAt: warn}
		if err := tx.woEvent(a, o, "created", "", linli.WOAccepted, 0, linli.VisPublic, "", map[string]any{"channel": in.Channel}); err != nil {
			return err
		}
		// Until a unit signs for it, the deadline is an estimate; a timer
		// still flags an order nobody dispatched in time.
		if err := tx.scheduleTimers(o.ID, o.DueAt, o.WarnAt, time.Time{}); err != nil {
			return err
		}
		// A new order has no merged requesters: its own contact is known.
		var user int64
		if self {
			user = a.UserID
		}
		if err := tx.notifyContact(o, o.ID, user, in.ContactEmail, phoneSealed != "", "wo.notify.accepted", woParams(o)); err != nil {
			return err
		}
		created = true
		ev := auditEvent(a, "wo.create", "work_order", o.Number, areaID)
		ev.Detail = "service=" + sv.Code
		return tx.audit(ev)
	})
	if err != nil || !created {
		return o, created, err
	}
	o, err = s.workOrderByID(ctx, o.ID)
	return o, created, err
}

func flatAnswers(m map[string][]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v...)
	}
	return out
}

// pathIDs returns the community, street and district ids of an area path
// "/district/street/community/grid/".
func pathIDs(p string) (community, street, district int64) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	id := func(i int) int64 {
		if i < len(parts) {
			n, _ := strconv.ParseInt(parts[i], 10, 64)
			return n
		}
		return 0
	}
	return id(2), id(1), id(0)
}

// warnAt is the warning point: pct percent of the way from start to due.
func warnAt(start, due time.Time, pct int) time.Time {
	if !due.After(start) {
		return due
	}
	return start.Add(due.Sub(start) * time.Duration(pct) / 100)
}

// nextNumber allocates the next order number of the Beijing day:
// GD + YYYYMMDD + 6 digits.
func (tx *Tx) nextNumber() (string, error) {
	day := tx.now.In(cst).Format("20060102")
	var last int64
	err := tx.queryRow(`INSERT INTO wo_numbers (day, last) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last = wo_numbers.last + 1 RETURNING last`, day).Scan(&last)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("GD%s%06d", day, last), nil
}

// woEvent appends an event to the order's timeline.
func (tx *Tx) woEvent(a linli.Actor, o linli.WorkOrder, kind string, from, to linli.WOState, unitID int64, vis, note string, data map[string]any) error {
	return tx.woEventKPI(a, o, kind, from, to, unitID, vis, note, data, 0, false)
}

// woEventKPI appends an event with the figures the KPIs count (num, flag;
// see 0007_workorders.sql) and adds it to the daily roll-up.
func (tx *Tx) woEventKPI(a linli.Actor, o linli.WorkOrder, kind string, from, to linli.WOState, unitID int64, vis, note string,
	data map[string]any, num int64, flag bool) error {
	d := "{}"
	if len(data) > 0 {
		d = mustJSON(data)
	}
	if unitID == 0 {
		unitID = o.LeadUnitID
	}
	at := tx.s.d.t(tx.now)
	if _, err := tx.exec(`INSERT INTO wo_events (order_id, kind, from_state, to_state, unit_id, actor_id, actor_name, visibility, note, data,
		num, flag, path, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, kind, string(from), string(to), nullInt(unitID),
		nullInt(a.UserID), a.Username, vis, note, d, num, b2i(flag), o.Path, at); err != nil {
		return err
	}
	return tx.rollUp(tx.now, communityPath(o.Path), unitID, o.ServiceID, rollKind(kind, flag), num, flag)
}

// rollUp adds one event to the daily and monthly KPI roll-ups.
func (tx *Tx) rollUp(at time.Time, path string, unitID, serviceID int64, kind string, num int64, flag bool) error {
	day := at.In(cst).Format("2006-01-02")
	for _, q := range []string{
		`INSERT INTO kpi_daily (day, path, unit_id, service_id, kind, n, num_sum, flag_sum) VALUES (?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (day, path, unit_id, service_id, kind) DO UPDATE SET n = kpi_daily.n + 1, num_sum = kpi_daily.num_sum + excluded.num_sum,
		flag_sum = kpi_daily.flag_sum + excluded.flag_sum`,
		`INSERT INTO kpi_monthly (month, path, unit_id, service_id, kind, n, num_sum, flag_sum) VALUES (?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (month, path, unit_id, service_id, kind) DO UPDATE SET n = kpi_monthly.n + 1, num_sum = kpi_monthly.num_sum + excluded.num_sum,
		flag_sum = kpi_monthly.flag_sum + excluded.flag_sum`,
	} {
		key := day
		if strings.Contains(q, "kpi_monthly") {
			key = day[:7]
		}
		if _, err := tx.exec(q, key, path, unitID, serviceID, kind, num, b2i(flag)); err != nil {
			return err
		}
	}
	return nil
}

// communityPath cuts an area path to its community ("/d/s/c/"), or keeps
// a shorter one.
func communityPath(p string) string {
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			n++
			if n == 4 {
				return p[:i+1]
			}
		}
	}
	return p
}

// WOEvent is an entry of an order's timeline.
type WOEvent struct {
	ID         int64
	Kind       string
	From, To   linli.WOState
	UnitID     int64
	UnitName   string
	ActorName  string
	Visibility string
	Note       string
	Data       map[string]any
	At         time.Time
}

// Timeline lists an order's events, oldest first; requesters see only the
// public ones.
func (s *Store) Timeline(ctx context.Context, a linli.Actor, id int64) ([]WOEvent, error) {
	o, err := s.WorkOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	q := `SELECT e.id, e.kind, e.from_state, e.to_state, COALESCE(e.unit_id, 0), COALESCE(u.name, ''), e.actor_name, e.visibility, e.note,
		e.data, e.at FROM wo_events e LEFT JOIN org_units u ON u.id = e.unit_id WHERE e.order_id = ?`
	if !a.Can(linli.PermWORead) {
		q += ` AND e.visibility = 'public'`
	}
	rows, err := s.query(ctx, q+` ORDER BY e.id`, o.ID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []WOEvent
	for rows.Next() {
		var e WOEvent
		var data string
		if err := rows.Scan(&e.ID, &e.Kind, &e.From, &e.To, &e.UnitID, &e.UnitName, &e.ActorName, &e.Visibility, &e.Note, &data, tm{&e.At}); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(data), &e.Data)
		if !a.Can(linli.PermWORead) {
			e.ActorName = "" // staff names are internal
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Assignment is one unit's turn on an order.
type Assignment struct {
	UnitID     int64
	UnitName   string
	Role       string
	Reason     string
	AssignedAt time.Time
	EndedAt    time.Time
	EndReason  string
}

// Assignments lists the order's assignment history (staff only).
func (s *Store) Assignments(ctx context.Context, a linli.Actor, id int64) ([]Assignment, error) {
	if !a.Can(linli.PermWORead) {
		return nil, linli.ErrNotFound
	}
	o, err := s.WorkOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT wa.unit_id, u.name, wa.role, wa.reason, wa.assigned_at, wa.ended_at, wa.end_reason
		FROM wo_assignments wa JOIN org_units u ON u.id = wa.unit_id WHERE wa.order_id = ? ORDER BY wa.id`, o.ID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var x Assignment
		if err := rows.Scan(&x.UnitID, &x.UnitName, &x.Role, &x.Reason, tm{&x.AssignedAt}, tm{&x.EndedAt}, &x.EndReason); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
