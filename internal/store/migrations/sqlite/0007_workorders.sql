-- The one-stop service hall: the service catalogue, the responsibility
-- map, work orders with their timeline, assignments, ratings, timers,
-- attachments, the notification outbox and idempotency keys. Every scoped
-- table carries the path of its area (and work orders the community,
-- street and district ids) so a city can partition by district.

-- The catalogue (事项目录). JSON columns hold lists that are read and
-- written whole: materials, keywords, the form (Open311 attributes), the
-- deadlines by priority, the knowledge-base answers.
CREATE TABLE services (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    grp             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    keywords        TEXT NOT NULL DEFAULT '[]',
    materials       TEXT NOT NULL DEFAULT '[]',
    who_may_apply   TEXT NOT NULL DEFAULT '',
    duty            TEXT NOT NULL CHECK (duty IN ('own', 'assist', 'negative')),
    authority       TEXT NOT NULL DEFAULT '',
    funding         TEXT NOT NULL DEFAULT '',
    referral        TEXT NOT NULL DEFAULT '',
    certificate     INTEGER NOT NULL DEFAULT 0,
    cert_template   TEXT NOT NULL DEFAULT '',
    cert_days       INTEGER NOT NULL DEFAULT 0,
    default_unit_id INTEGER REFERENCES org_units(id),
    attrs           TEXT NOT NULL DEFAULT '[]',
    deadlines       TEXT NOT NULL DEFAULT '{}',
    answers         TEXT NOT NULL DEFAULT '[]',
    public          INTEGER NOT NULL DEFAULT 1,
    anonymous       INTEGER NOT NULL DEFAULT 0,
    reopen_on_bad   INTEGER NOT NULL DEFAULT 1,
    retired_at      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

-- The responsibility map (派单目录): area × service → unit. service_id
-- NULL is the area's fallback for any service. The most specific area
-- (longest path) wins.
CREATE TABLE service_routes (
    id         INTEGER PRIMARY KEY,
    area_id    INTEGER NOT NULL REFERENCES areas(id),
    path       TEXT NOT NULL,
    service_id INTEGER REFERENCES services(id),
    unit_id    INTEGER NOT NULL REFERENCES org_units(id),
    created_at TEXT NOT NULL,
    UNIQUE (area_id, service_id)
);
CREATE INDEX service_routes_service ON service_routes (service_id, path);

-- Work orders (工单). state is the machine's state (linli.Transitions);
-- due_at the deadline (an estimate from acceptance until sign-for, then
-- the real one); paused_at is set while the clock is paused (挂账).
CREATE TABLE work_orders (
    id                   INTEGER PRIMARY KEY,
    number               TEXT NOT NULL UNIQUE,
    service_id           INTEGER NOT NULL REFERENCES services(id),
    channel              TEXT NOT NULL CHECK (channel IN ('counter', 'web', 'phone', 'open311', 'patrol')),
    priority             TEXT NOT NULL CHECK (priority IN ('normal', 'urgent', 'critical')),
    state                TEXT NOT NULL,
    requester_person_id  INTEGER REFERENCES persons(id),
    requester_user_id    INTEGER REFERENCES users(id),
    contact_name         TEXT NOT NULL DEFAULT '',
    contact_phone        TEXT NOT NULL DEFAULT '', -- sealed (field wo.phone)
    contact_phone_bidx   TEXT NOT NULL DEFAULT '',
    contact_phone_masked TEXT NOT NULL DEFAULT '',
    contact_email        TEXT NOT NULL DEFAULT '',
    anonymous            INTEGER NOT NULL DEFAULT 0,
    address              TEXT NOT NULL DEFAULT '',
    lat_e6               INTEGER, -- degrees × 10^6 (WGS-84)
    lon_e6               INTEGER,
    area_id              INTEGER NOT NULL REFERENCES areas(id),
    path                 TEXT NOT NULL,
    community_id         INTEGER,
    street_id            INTEGER,
    district_id          INTEGER,
    title                TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '',
    answers              TEXT NOT NULL DEFAULT '{}',
    lead_unit_id         INTEGER REFERENCES org_units(id),
    accepted_at          TEXT NOT NULL,
    dispatched_at        TEXT,
    signed_at            TEXT,
    due_at               TEXT,
    warn_at              TEXT,
    paused_at            TEXT,
    resolved_at          TEXT,
    closed_at            TEXT,
    reply                TEXT NOT NULL DEFAULT '',
    rating               INTEGER,
    ratings              INTEGER NOT NULL DEFAULT 0,
    reopens              INTEGER NOT NULL DEFAULT 0,
    returns              INTEGER NOT NULL DEFAULT 0,
    unrated              INTEGER NOT NULL DEFAULT 0,
    overdue              INTEGER NOT NULL DEFAULT 0,
    requesters           INTEGER NOT NULL DEFAULT 1,
    duplicate_of         INTEGER REFERENCES work_orders(id),
    created_by           INTEGER REFERENCES users(id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX work_orders_unit ON work_orders (lead_unit_id, state, due_at);
CREATE INDEX work_orders_path ON work_orders (path, id);
CREATE INDEX work_orders_requester ON work_orders (requester_user_id, id) WHERE requester_user_id IS NOT NULL;
CREATE INDEX work_orders_person ON work_orders (requester_person_id, id) WHERE requester_person_id IS NOT NULL;
CREATE INDEX work_orders_phone ON work_orders (contact_phone_bidx) WHERE contact_phone_bidx <> '';
CREATE INDEX work_orders_dup ON work_orders (service_id, area_id, accepted_at);
-- The supervisor's overdue board: orders the overdue timer flagged.
CREATE INDEX work_orders_overdue ON work_orders (path, due_at) WHERE overdue = 1;

-- Assignments: the lead unit (主办) and co-handlers (协办). Re-dispatch
-- ends an assignment and starts another: the history stays.
CREATE TABLE wo_assignments (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES work_orders(id),
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    role        TEXT NOT NULL CHECK (role IN ('lead', 'co')),
    reason      TEXT NOT NULL DEFAULT '',
    assigned_by INTEGER REFERENCES users(id),
    assigned_at TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX wo_assignments_order ON wo_assignments (order_id, id);
CREATE INDEX wo_assignments_unit ON wo_assignments (unit_id, ended_at, order_id);

-- The timeline: every change, one row, with its visibility. num and flag
-- carry what the KPIs count: sign-for: num = seconds from dispatch;
-- resolve: flag = on time; rate: num = solved (the resident says),
-- flag = satisfied (基本满意 or better).
CREATE TABLE wo_events (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    kind       TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    unit_id    INTEGER,
    actor_id   INTEGER,
    actor_name TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    note       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    num        INTEGER NOT NULL DEFAULT 0,
    flag       INTEGER NOT NULL DEFAULT 0,
    path       TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX wo_events_order ON wo_events (order_id, id);

-- The KPIs' roll-ups of the timeline, by Beijing day and by month, kept
-- in the transaction that appends each event (and rebuilt from wo_events
-- by RebuildKPI): per community (its path), lead unit (0: none), service
-- and event kind, the count and the sums of num and flag. A period reads
-- its whole months from kpi_monthly and its edges from kpi_daily.
CREATE TABLE kpi_daily (
    day        TEXT NOT NULL,
    path       TEXT NOT NULL,
    unit_id    INTEGER NOT NULL,
    service_id INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    n          INTEGER NOT NULL,
    num_sum    INTEGER NOT NULL,
    flag_sum   INTEGER NOT NULL,
    PRIMARY KEY (day, path, unit_id, service_id, kind)
);
CREATE TABLE kpi_monthly (
    month      TEXT NOT NULL,
    path       TEXT NOT NULL,
    unit_id    INTEGER NOT NULL,
    service_id INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    n          INTEGER NOT NULL,
    num_sum    INTEGER NOT NULL,
    flag_sum   INTEGER NOT NULL,
    PRIMARY KEY (month, path, unit_id, service_id, kind)
);

-- Ratings (回访/评价): at most two per order (the first and one 追评).
CREATE TABLE wo_ratings (
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    n          INTEGER NOT NULL CHECK (n IN (1, 2)),
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    solved     INTEGER NOT NULL DEFAULT 0,
    tags       TEXT NOT NULL DEFAULT '[]',
    comment    TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL DEFAULT 'web',
    unit_id    INTEGER,
    actor_id   INTEGER,
    at         TEXT NOT NULL,
    PRIMARY KEY (order_id, n)
);

-- The requesters of an order: the first, and those of duplicates merged
-- into it (each is kept informed).
CREATE TABLE wo_requesters (
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    from_order INTEGER NOT NULL REFERENCES work_orders(id),
    at         TEXT NOT NULL,
    PRIMARY KEY (order_id, from_order)
);

-- Call-back tasks (回访任务) for clerks: after an unsatisfied rating, or
-- for orders taken by phone.
CREATE TABLE wo_callbacks (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    reason     TEXT NOT NULL,
    path       TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    done_at    TEXT,
    done_by    INTEGER REFERENCES users(id),
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX wo_callbacks_open ON wo_callbacks (path, done_at, due_at);
CREATE INDEX wo_callbacks_order ON wo_callbacks (order_id);

-- Durable timers: warning, overdue (催办), escalation (督办), closing an
-- unrated order. A runner leases due timers; firing marks the timer
-- fired in the transaction that does its effect, so it fires once. A
-- timer carries the deadline it was set for: if the order's deadline has
-- moved, firing it does nothing.
CREATE TABLE wo_timers (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES work_orders(id),
    kind        TEXT NOT NULL CHECK (kind IN ('warn', 'overdue', 'escalate', 'unrated')),
    fire_at     TEXT NOT NULL,
    for_due     TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'cancelled')),
    lease_until TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    fired_at    TEXT
);
CREATE INDEX wo_timers_due ON wo_timers (state, fire_at);

-- Attachments: re-encoded images under random names, served only to
-- those who may see the order.
CREATE TABLE wo_attachments (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER REFERENCES work_orders(id),
    name         TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    data         BLOB NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX wo_attachments_order ON wo_attachments (order_id);

-- Certificates issued (证明开具登记簿).
CREATE TABLE certificates (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    person_id  INTEGER REFERENCES persons(id),
    body       TEXT NOT NULL,
    path       TEXT NOT NULL,
    issued_by  INTEGER REFERENCES users(id),
    issued_at  TEXT NOT NULL
);
CREATE INDEX certificates_path ON certificates (path, issued_at);

-- Idempotency keys of creating requests: a retried submit returns the
-- order the first one created.
CREATE TABLE idempotency_keys (
    actor_key  TEXT NOT NULL,
    key        TEXT NOT NULL,
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_key, key)
);

-- Open311 tokens for services whose requests are not created at once.
CREATE TABLE open311_tokens (
    token      TEXT PRIMARY KEY,
    order_id   INTEGER REFERENCES work_orders(id),
    created_at TEXT NOT NULL
);

-- Per-day sequence of work-order numbers (GD + date + sequence).
CREATE TABLE wo_numbers (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- The notification outbox, written in the transaction of the change it
-- announces; senders deliver with retries and back-off.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL CHECK (channel IN ('inapp', 'email', 'webhook')),
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    order_id   INTEGER REFERENCES work_orders(id),
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    TEXT NOT NULL,
    lease_until TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_at);

-- In-app notices to a user or to every member of a unit.
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id),
    unit_id    INTEGER REFERENCES org_units(id),
    order_id   INTEGER REFERENCES work_orders(id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX notices_user ON notices (user_id, id);
CREATE INDEX notices_unit ON notices (unit_id, id);

-- Units (承办单位) are org units: where their notices go, and who
-- supervises them (督办 goes to the supervisor's members).
ALTER TABLE org_units ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE org_units ADD COLUMN supervisor_id INTEGER REFERENCES org_units(id);
