-- Registry: addresses (compound → building → unit → room), people,
-- households, tags, migrants, and the field-level history of people and
-- households. Dates of the registry (birth, since/until, arrival, expiry)
-- are 'YYYY-MM-DD' text on both databases: portable and sortable.
CREATE TABLE compounds (
    id         INTEGER PRIMARY KEY,
    grid_id    INTEGER NOT NULL REFERENCES areas(id),
    path       TEXT NOT NULL,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX compounds_path ON compounds (path, id);

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
CREATE INDEX buildings_path ON buildings (path, id);
CREATE INDEX buildings_compound ON buildings (compound_id);

CREATE TABLE building_units (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX building_units_building ON building_units (building_id);

CREATE TABLE rooms (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    unit_id     INTEGER REFERENCES building_units(id),
    path        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX rooms_building ON rooms (building_id, unit_id);

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
CREATE UNIQUE INDEX persons_id_number ON persons (id_number_bidx) WHERE id_number_bidx <> '';
CREATE INDEX persons_path ON persons (path, id);
CREATE INDEX persons_community_name ON persons (community_id, name, birth_date);
CREATE INDEX persons_room ON persons (room_id) WHERE room_id IS NOT NULL;

CREATE TABLE person_phones (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    phone        TEXT NOT NULL,
    phone_bidx   TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    position     INTEGER NOT NULL
);
CREATE INDEX person_phones_person ON person_phones (person_id, position);
CREATE INDEX person_phones_bidx ON person_phones (phone_bidx);

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
CREATE INDEX households_path ON households (path, id);
CREATE INDEX households_room ON households (room_id) WHERE room_id IS NOT NULL;

CREATE TABLE household_members (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    relation     TEXT NOT NULL,
    since        TEXT NOT NULL,
    until        TEXT
);
-- A person belongs to at most one household at a time.
CREATE UNIQUE INDEX household_members_current ON household_members (person_id) WHERE until IS NULL;
CREATE INDEX household_members_household ON household_members (household_id, id);

CREATE TABLE person_relations (
    id                INTEGER PRIMARY KEY,
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    related_person_id INTEGER NOT NULL REFERENCES persons(id),
    relation          TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    since             TEXT NOT NULL,
    until             TEXT
);
CREATE INDEX person_relations_person ON person_relations (person_id);
CREATE INDEX person_relations_related ON person_relations (related_person_id);

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
INSERT INTO tags (code, name_zh, name_en, class, attrs, created_at) VALUES
    ('elderly_alone', '独居老人', 'Elderly living alone', 'ordinary', '[]', '2026-01-01T00:00:00.000000Z'),
    ('empty_nest', '空巢老人', 'Empty-nest elderly', 'ordinary', '[]', '2026-01-01T00:00:00.000000Z'),
    ('disability', '残疾人', 'Person with disability', 'sensitive', '["type","level"]', '2026-01-01T00:00:00.000000Z'),
    ('dibao', '低保', 'Minimum living allowance (dibao)', 'sensitive', '["category"]', '2026-01-01T00:00:00.000000Z'),
    ('tekun', '特困供养人员', 'Extreme poverty support (tekun)', 'sensitive', '[]', '2026-01-01T00:00:00.000000Z'),
    ('low_income', '低收入人口', 'Low-income', 'sensitive', '[]', '2026-01-01T00:00:00.000000Z'),
    ('chronic', '慢性病患者', 'Chronic disease', 'sensitive', '["disease"]', '2026-01-01T00:00:00.000000Z'),
    ('unemployed', '失业人员', 'Unemployed', 'ordinary', '[]', '2026-01-01T00:00:00.000000Z'),
    ('veteran', '退役军人/优抚对象', 'Veteran or entitled group', 'ordinary', '["category"]', '2026-01-01T00:00:00.000000Z'),
    ('left_behind_child', '留守儿童', 'Left-behind child', 'ordinary', '[]', '2026-01-01T00:00:00.000000Z'),
    ('pregnant', '孕产妇', 'Pregnant or postpartum', 'sensitive', '[]', '2026-01-01T00:00:00.000000Z'),
    ('correction', '社区矫正对象', 'Under community correction', 'restricted', '[]', '2026-01-01T00:00:00.000000Z'),
    ('released', '刑满释放人员', 'Released prisoner', 'restricted', '[]', '2026-01-01T00:00:00.000000Z'),
    ('rehab', '社区戒毒康复人员', 'Community drug rehabilitation', 'restricted', '[]', '2026-01-01T00:00:00.000000Z'),
    ('severe_mental', '严重精神障碍患者', 'Severe mental disorder', 'restricted', '[]', '2026-01-01T00:00:00.000000Z');

-- attrs holds the attributes of an ordinary tag as a JSON object;
-- attrs_sealed those of a sensitive or restricted tag, sealed with the
-- field "person_tag.attrs".
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
CREATE INDEX person_tags_person ON person_tags (person_id);
CREATE INDEX person_tags_tag ON person_tags (tag_id, path, person_id) WHERE until IS NULL;
CREATE UNIQUE INDEX person_tags_open ON person_tags (person_id, tag_id) WHERE until IS NULL;

-- Values of ID numbers, phones and sensitive fields are stored masked.
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
CREATE INDEX person_history_person ON person_history (person_id, id);

CREATE TABLE household_history (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    field        TEXT NOT NULL,
    old_value    TEXT NOT NULL DEFAULT '',
    new_value    TEXT NOT NULL DEFAULT '',
    actor_id     INTEGER,
    at           TEXT NOT NULL
);
CREATE INDEX household_history_household ON household_history (household_id, id);

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
CREATE INDEX migrant_registrations_person ON migrant_registrations (person_id);
CREATE INDEX migrant_registrations_expiry ON migrant_registrations (path, expires_at) WHERE ended_at IS NULL;
