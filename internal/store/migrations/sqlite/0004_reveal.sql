-- Reveals of personal data (part 7): who showed whose full ID number, phone
-- or sensitive tag attributes, and when. The audit chain holds the purpose;
-- this table holds what the per-worker budget needs (distinct residents
-- revealed in the last hour), so the budget survives restarts. A refused
-- attempt is kept with outcome 'denied' (it does not count against the
-- budget; the first refusal of an hour raises the security alert).
CREATE TABLE reveals (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    field     TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'denied')),
    at        TEXT NOT NULL
);
CREATE INDEX reveals_user_at ON reveals (user_id, at);
