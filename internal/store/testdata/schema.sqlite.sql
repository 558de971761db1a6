-- table api_token_scopes
CREATE TABLE api_token_scopes (
    token_id INTEGER NOT NULL REFERENCES api_tokens(id),
    area_id  INTEGER NOT NULL REFERENCES areas(id),
    PRIMARY KEY (token_id, area_id)
);

-- table api_tokens
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- table area_history
CREATE TABLE area_history (
    id        INTEGER PRIMARY KEY,
    area_id   INTEGER NOT NULL REFERENCES areas(id),
    action    TEXT NOT NULL CHECK (action IN ('create', 'rename', 'move', 'recode', 'retire')),
    parent_id INTEGER,
    name      TEXT NOT NULL,
    code      TEXT NOT NULL,
    path      TEXT NOT NULL,
    actor_id  INTEGER,
    at        TEXT NOT NULL
);

-- table areas
CREATE TABLE areas (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES areas(id),
    level      TEXT NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
    name       TEXT NOT NULL,
    code       TEXT NOT NULL,
    path       TEXT NOT NULL DEFAULT '',
    retired_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- table audit
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER NOT NULL,
    actor_name  TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    area_id     INTEGER NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
    client_ip   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

-- table audit_head
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    prev_hash TEXT NOT NULL
);

-- table building_units
CREATE TABLE building_units (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);

-- table buildings
CREATE TABLE buildings (
    id          INTEGER PRIMARY KEY,
    compound_id INTEGER REFERENCES compounds(id),
    grid_id     INTEGER NOT NULL REFERENCES areas(id),
    path        TEXT NOT NULL,
    name        TEXT NOT NULL,
    floors      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);

-- table calendar_days
CREATE TABLE calendar_days (
    date       TEXT PRIMARY KEY CHECK (date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- table cert_numbers
CREATE TABLE cert_numbers (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

-- table certificates
CREATE TABLE certificates (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    order_id     INTEGER NOT NULL UNIQUE REFERENCES work_orders(id),
    service_id   INTEGER NOT NULL REFERENCES services(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    area_id      INTEGER NOT NULL REFERENCES areas(id),
    path         TEXT NOT NULL,
    community_id INTEGER,
    street_id    INTEGER,
    district_id  INTEGER,
    purpose      TEXT NOT NULL DEFAULT '',
    body_masked  TEXT NOT NULL,
    body_sealed  TEXT NOT NULL, -- sealed (field certificate.body)
    issued_by    INTEGER REFERENCES users(id),
    issued_at    TEXT NOT NULL,
    due_at       TEXT,
    valid_until  TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD, '' for no limit
    voided_at    TEXT,
    void_reason  TEXT NOT NULL DEFAULT '',
    voided_by    INTEGER REFERENCES users(id),
    CHECK ((voided_at IS NULL) = (void_reason = ''))
);

-- table compounds
CREATE TABLE compounds (
    id         INTEGER PRIMARY KEY,
    grid_id    INTEGER NOT NULL REFERENCES areas(id),
    path       TEXT NOT NULL,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    retired_at TEXT
);

-- table household_history
CREATE TABLE household_history (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    field        TEXT NOT NULL,
    old_value    TEXT NOT NULL DEFAULT '',
    new_value    TEXT NOT NULL DEFAULT '',
    actor_id     INTEGER,
    at           TEXT NOT NULL
);

-- table household_members
CREATE TABLE household_members (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    relation     TEXT NOT NULL,
    since        TEXT NOT NULL,
    until        TEXT
);

-- table households
CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    head_person_id INTEGER NOT NULL REFERENCES persons(id),
    kind           TEXT NOT NULL CHECK (kind IN ('family', 'collective', 'single')),
    room_id        INTEGER REFERENCES rooms(id),
    grid_id        INTEGER NOT NULL REFERENCES areas(id),
    path           TEXT NOT NULL,
    community_id   INTEGER NOT NULL,
    street_id      INTEGER NOT NULL,
    district_id    INTEGER NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    closed_at      TEXT,
    successor_id   INTEGER REFERENCES households(id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

-- table idempotency_keys
CREATE TABLE idempotency_keys (
    actor_key  TEXT NOT NULL,
    key        TEXT NOT NULL,
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_key, key)
);

-- table job_files
CREATE TABLE job_files (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    role   TEXT NOT NULL CHECK (role IN ('input', 'result')),
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (job_id, role, seq)
);

-- table job_row_errors
CREATE TABLE job_row_errors (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    row_no INTEGER NOT NULL,
    cells  TEXT NOT NULL, -- sealed (field job.file)
    errors TEXT NOT NULL,
    PRIMARY KEY (job_id, row_no)
);

-- table jobs
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'running', 'done', 'failed')),
    actor_id    INTEGER NOT NULL REFERENCES users(id),
    actor       TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    total       INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    result      TEXT NOT NULL DEFAULT '{}',
    error       TEXT NOT NULL DEFAULT '',
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- table kpi_daily
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

-- table kpi_monthly
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

-- table migrant_registrations
CREATE TABLE migrant_registrations (
    id                   INTEGER PRIMARY KEY,
    person_id            INTEGER NOT NULL REFERENCES persons(id),
    path                 TEXT NOT NULL,
    arrival_date         TEXT NOT NULL,
    reason               TEXT NOT NULL CHECK (reason IN ('work', 'study', 'family', 'business', 'other')),
    origin_region        TEXT NOT NULL DEFAULT '',
    expected_stay_months INTEGER NOT NULL DEFAULT 0,
    landlord             TEXT NOT NULL DEFAULT '',
    employer             TEXT NOT NULL DEFAULT '',
    registered_at        TEXT NOT NULL,
    expires_at           TEXT NOT NULL,
    renewed_at           TEXT,
    ended_at             TEXT
);

-- table notices
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id),
    unit_id    INTEGER REFERENCES org_units(id),
    order_id   INTEGER REFERENCES work_orders(id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
);

-- table open311_tokens
CREATE TABLE open311_tokens (
    token      TEXT PRIMARY KEY,
    order_id   INTEGER REFERENCES work_orders(id),
    created_at TEXT NOT NULL
);

-- table org_units
CREATE TABLE org_units (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('district_office', 'street_office', 'community_committee', 'department', 'property_company', 'social_org')),
    area_id    INTEGER NOT NULL REFERENCES areas(id),
    created_at TEXT NOT NULL, email TEXT NOT NULL DEFAULT '', supervisor_id INTEGER REFERENCES org_units(id),
    UNIQUE (area_id, name)
);

-- table outbox
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

-- table password_history
CREATE TABLE password_history (
    user_id       INTEGER NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    at            TEXT NOT NULL
);

-- table person_history
CREATE TABLE person_history (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id),
    field     TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT '',
    actor_id  INTEGER,
    at        TEXT NOT NULL
);

-- table person_phones
CREATE TABLE person_phones (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    phone        TEXT NOT NULL,
    phone_bidx   TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    position     INTEGER NOT NULL
);

-- table person_relations
CREATE TABLE person_relations (
    id                INTEGER PRIMARY KEY,
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    related_person_id INTEGER NOT NULL REFERENCES persons(id),
    relation          TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    since             TEXT NOT NULL,
    until             TEXT
);

-- table person_tags
CREATE TABLE person_tags (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    tag_id       INTEGER NOT NULL REFERENCES tags(id),
    attrs        TEXT NOT NULL DEFAULT '',
    attrs_sealed TEXT NOT NULL DEFAULT '',
    since        TEXT NOT NULL,
    until        TEXT,
    source       TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    path         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- table person_terms
CREATE TABLE person_terms (
    term      TEXT NOT NULL,
    path      TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (term, path, person_id)
) WITHOUT ROWID;

-- table person_terms_load
CREATE TABLE person_terms_load (
    term      TEXT NOT NULL,
    path      TEXT NOT NULL,
    person_id INTEGER NOT NULL
);

-- table persons
CREATE TABLE persons (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    gender         TEXT NOT NULL CHECK (gender IN ('0', '1', '2', '9')),
    birth_date     TEXT NOT NULL DEFAULT '',
    id_type        TEXT NOT NULL CHECK (id_type IN ('resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_pr', 'none')),
    id_number      TEXT NOT NULL DEFAULT '',
    id_number_bidx TEXT NOT NULL DEFAULT '',
    id_masked      TEXT NOT NULL DEFAULT '',
    ethnicity      TEXT NOT NULL DEFAULT '',
    education      TEXT NOT NULL DEFAULT '',
    employment     TEXT NOT NULL DEFAULT '',
    political      TEXT NOT NULL DEFAULT '',
    reg_type       TEXT NOT NULL CHECK (reg_type IN ('registered', 'migrant', 'separated', 'overseas')),
    status         TEXT NOT NULL DEFAULT 'living' CHECK (status IN ('living', 'moved_out', 'deceased')),
    status_date    TEXT NOT NULL DEFAULT '',
    grid_id        INTEGER NOT NULL REFERENCES areas(id),
    path           TEXT NOT NULL,
    community_id   INTEGER NOT NULL,
    street_id      INTEGER NOT NULL,
    district_id    INTEGER NOT NULL,
    room_id        INTEGER REFERENCES rooms(id),
    address        TEXT NOT NULL DEFAULT '',
    household_id   INTEGER,
    sources        TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

-- table recovery_codes
CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- table reveals
CREATE TABLE reveals (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    field     TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'denied')),
    at        TEXT NOT NULL
);

-- table rooms
CREATE TABLE rooms (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    unit_id     INTEGER REFERENCES building_units(id),
    path        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);

-- table schema_migrations
CREATE TABLE schema_migrations (
    version    TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
);

-- table service_routes
CREATE TABLE service_routes (
    id         INTEGER PRIMARY KEY,
    area_id    INTEGER NOT NULL REFERENCES areas(id),
    path       TEXT NOT NULL,
    service_id INTEGER REFERENCES services(id),
    unit_id    INTEGER NOT NULL REFERENCES org_units(id),
    created_at TEXT NOT NULL,
    UNIQUE (area_id, service_id)
);

-- table services
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

-- table sessions
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    mfa          TEXT NOT NULL CHECK (mfa IN ('none', 'pending', 'enroll', 'done')),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   TEXT
);

-- table settings
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- table tags
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    class      TEXT NOT NULL CHECK (class IN ('ordinary', 'sensitive', 'restricted')),
    attrs      TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    retired_at TEXT
);

-- table user_roles
CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'grid_worker', 'community_worker', 'community_head', 'street_staff', 'dept_staff', 'district_admin', 'system_admin', 'security_admin', 'audit_admin')),
    PRIMARY KEY (user_id, role)
);

-- table user_scopes
CREATE TABLE user_scopes (
    user_id INTEGER NOT NULL REFERENCES users(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    PRIMARY KEY (user_id, area_id)
);

-- table users
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    org_unit_id          INTEGER REFERENCES org_units(id),
    disabled_at          TEXT,
    totp_secret          TEXT NOT NULL DEFAULT '',
    totp_enabled         INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1)),
    totp_last_step       INTEGER NOT NULL DEFAULT 0,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    password_changed_at  TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    last_login_at        TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- table wo_assignments
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

-- table wo_attachments
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
, uploaded_token INTEGER REFERENCES api_tokens(id));

-- table wo_callbacks
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

-- table wo_events
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

-- table wo_numbers
CREATE TABLE wo_numbers (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- table wo_ratings
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

-- table wo_requesters
CREATE TABLE wo_requesters (
    order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    from_order INTEGER NOT NULL REFERENCES work_orders(id),
    at         TEXT NOT NULL,
    PRIMARY KEY (order_id, from_order)
);

-- table wo_timers
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

-- table work_orders
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

-- index area_history_area
CREATE INDEX area_history_area ON area_history (area_id, id);

-- index areas_code_live
CREATE UNIQUE INDEX areas_code_live ON areas (code) WHERE retired_at IS NULL;

-- index areas_parent
CREATE INDEX areas_parent ON areas (parent_id);

-- index areas_path
CREATE INDEX areas_path ON areas (path);

-- index audit_actor
CREATE INDEX audit_actor ON audit (actor_name, seq);

-- index audit_object
CREATE INDEX audit_object ON audit (object_type, object_id, seq);

-- index building_units_building
CREATE INDEX building_units_building ON building_units (building_id);

-- index buildings_compound
CREATE INDEX buildings_compound ON buildings (compound_id);

-- index buildings_path
CREATE INDEX buildings_path ON buildings (path, id);

-- index certificates_path
CREATE INDEX certificates_path ON certificates (path, id);

-- index certificates_service
CREATE INDEX certificates_service ON certificates (service_id, id);

-- index compounds_path
CREATE INDEX compounds_path ON compounds (path, id);

-- index household_history_household
CREATE INDEX household_history_household ON household_history (household_id, id);

-- index household_members_current
CREATE UNIQUE INDEX household_members_current ON household_members (person_id) WHERE until IS NULL;

-- index household_members_household
CREATE INDEX household_members_household ON household_members (household_id, id);

-- index households_path
CREATE INDEX households_path ON households (path, id);

-- index households_room
CREATE INDEX households_room ON households (room_id) WHERE room_id IS NOT NULL;

-- index jobs_actor
CREATE INDEX jobs_actor ON jobs (actor_id, id);

-- index jobs_state
CREATE INDEX jobs_state ON jobs (state, lease_until);

-- index migrant_registrations_expiry
CREATE INDEX migrant_registrations_expiry ON migrant_registrations (path, expires_at) WHERE ended_at IS NULL;

-- index migrant_registrations_person
CREATE INDEX migrant_registrations_person ON migrant_registrations (person_id);

-- index notices_unit
CREATE INDEX notices_unit ON notices (unit_id, id);

-- index notices_user
CREATE INDEX notices_user ON notices (user_id, id);

-- index outbox_due
CREATE INDEX outbox_due ON outbox (state, next_at);

-- index password_history_user
CREATE INDEX password_history_user ON password_history (user_id, at);

-- index person_history_person
CREATE INDEX person_history_person ON person_history (person_id, id);

-- index person_phones_bidx
CREATE INDEX person_phones_bidx ON person_phones (phone_bidx);

-- index person_phones_person
CREATE INDEX person_phones_person ON person_phones (person_id, position);

-- index person_relations_person
CREATE INDEX person_relations_person ON person_relations (person_id);

-- index person_relations_related
CREATE INDEX person_relations_related ON person_relations (related_person_id);

-- index person_tags_open
CREATE UNIQUE INDEX person_tags_open ON person_tags (person_id, tag_id) WHERE until IS NULL;

-- index person_tags_person
CREATE INDEX person_tags_person ON person_tags (person_id);

-- index person_tags_tag
CREATE INDEX person_tags_tag ON person_tags (tag_id, path, person_id) WHERE until IS NULL;

-- index person_terms_person
CREATE INDEX person_terms_person ON person_terms (person_id);

-- index persons_community_name
CREATE INDEX persons_community_name ON persons (community_id, name, birth_date);

-- index persons_id_number
CREATE UNIQUE INDEX persons_id_number ON persons (id_number_bidx) WHERE id_number_bidx <> '';

-- index persons_path
CREATE INDEX persons_path ON persons (path, id);

-- index persons_room
CREATE INDEX persons_room ON persons (room_id) WHERE room_id IS NOT NULL;

-- index reveals_user_at
CREATE INDEX reveals_user_at ON reveals (user_id, at);

-- index rooms_building
CREATE INDEX rooms_building ON rooms (building_id, unit_id);

-- index service_routes_service
CREATE INDEX service_routes_service ON service_routes (service_id, path);

-- index sessions_user
CREATE INDEX sessions_user ON sessions (user_id);

-- index user_scopes_area
CREATE INDEX user_scopes_area ON user_scopes (area_id);

-- index wo_assignments_order
CREATE INDEX wo_assignments_order ON wo_assignments (order_id, id);

-- index wo_assignments_unit
CREATE INDEX wo_assignments_unit ON wo_assignments (unit_id, ended_at, order_id);

-- index wo_attachments_order
CREATE INDEX wo_attachments_order ON wo_attachments (order_id);

-- index wo_callbacks_open
CREATE INDEX wo_callbacks_open ON wo_callbacks (path, done_at, due_at);

-- index wo_callbacks_order
CREATE INDEX wo_callbacks_order ON wo_callbacks (order_id);

-- index wo_events_order
CREATE INDEX wo_events_order ON wo_events (order_id, id);

-- index wo_timers_due
CREATE INDEX wo_timers_due ON wo_timers (state, fire_at);

-- index work_orders_dup
CREATE INDEX work_orders_dup ON work_orders (service_id, area_id, accepted_at);

-- index work_orders_overdue
CREATE INDEX work_orders_overdue ON work_orders (path, due_at) WHERE overdue = 1;

-- index work_orders_path
CREATE INDEX work_orders_path ON work_orders (path, id);

-- index work_orders_person
CREATE INDEX work_orders_person ON work_orders (requester_person_id, id) WHERE requester_person_id IS NOT NULL;

-- index work_orders_phone
CREATE INDEX work_orders_phone ON work_orders (contact_phone_bidx) WHERE contact_phone_bidx <> '';

-- index work_orders_requester
CREATE INDEX work_orders_requester ON work_orders (requester_user_id, id) WHERE requester_user_id IS NOT NULL;

-- index work_orders_unit
CREATE INDEX work_orders_unit ON work_orders (lead_unit_id, state, due_at);

-- trigger audit_advance
CREATE TRIGGER audit_advance AFTER INSERT ON audit
BEGIN
    UPDATE audit_head SET seq = NEW.seq, prev_hash = hash, hash = NEW.hash WHERE id = 1;
END;

-- trigger audit_head_forward
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.seq <> OLD.seq + 1
BEGIN
    SELECT RAISE(ABORT, 'audit head moves forward one record at a time');
END;

-- trigger audit_link
CREATE TRIGGER audit_link BEFORE INSERT ON audit
WHEN NEW.seq <> (SELECT seq + 1 FROM audit_head WHERE id = 1) OR NEW.prev_hash <> (SELECT hash FROM audit_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit record does not link to the head');
END;

-- trigger audit_no_delete
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

-- trigger audit_no_update
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

-- trigger certificates_no_delete
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN
    SELECT RAISE(ABORT, 'certificates are never deleted; declare them void');
END;

