-- The certificate register (证明开具登记簿, 民发〔2020〕20号): one row per
-- certificate issued from a service's template, replacing the unused table
-- of 0007. A certificate belongs to one work order (and an order has at
-- most one certificate); its number is ZM + the community's division code
-- + "-" + the Beijing year + "-" + a sequence per community and year
-- (cert_numbers, an upsert like wo_numbers). The text is kept twice: with
-- the ID number masked (body_masked, what lists and pages show) and in
-- full, sealed with the store's keyring (body_sealed, field
-- "certificate.body"; opened only for a print with pii.reveal and a
-- purpose, which is audited). due_at is the order's deadline when the
-- certificate was issued, so the register shows whether the time limit
-- was kept. Nothing is deleted: a certificate is declared void with a
-- reason, and a trigger refuses DELETE. path is the community's path (the
-- scope), with the community, street and district ids for partitioning.
DROP TABLE certificates;

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
CREATE INDEX certificates_path ON certificates (path, id);
CREATE INDEX certificates_service ON certificates (service_id, id);
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN
    SELECT RAISE(ABORT, 'certificates are never deleted; declare them void');
END;

-- Per community and year sequence of certificate numbers; prefix is
-- "ZM<community code>-<year>".
CREATE TABLE cert_numbers (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);
