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

-- table org_units
CREATE TABLE org_units (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('district_office', 'street_office', 'community_committee', 'department', 'property_company', 'social_org')),
    area_id    INTEGER NOT NULL REFERENCES areas(id),
    created_at TEXT NOT NULL,
    UNIQUE (area_id, name)
);

-- table password_history
CREATE TABLE password_history (
    user_id       INTEGER NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    at            TEXT NOT NULL
);

-- table recovery_codes
CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- table schema_migrations
CREATE TABLE schema_migrations (
    version    TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
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

-- index password_history_user
CREATE INDEX password_history_user ON password_history (user_id, at);

-- index sessions_user
CREATE INDEX sessions_user ON sessions (user_id);

-- index user_scopes_area
CREATE INDEX user_scopes_area ON user_scopes (area_id);

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

