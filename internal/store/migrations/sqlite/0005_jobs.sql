-- Background jobs (imports and large exports). The table is the source of
-- truth: a runner leases a job by moving lease_until forward (state
-- 'running', lease_owner its id), renews the lease with every batch it
-- commits and marks the job done or failed. A job whose runner died (a
-- restart, a crash) keeps state 'running' with a lease in the past and is
-- leased again by the next runner; its progress (done) commits with the
-- rows it counts, so the next runner resumes after the last committed
-- batch. 'draft' is an uploaded import waiting for its column mapping.
-- actor is the creator's snapshot (user id, name, roles, scope area ids)
-- that the runner rebuilds the linli.Actor from.
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
CREATE INDEX jobs_state ON jobs (state, lease_until);
CREATE INDEX jobs_actor ON jobs (actor_id, id);

-- The files of a job (the uploaded input, an export's result), in chunks of
-- at most 1 MiB, each sealed (field job.file: they hold ID numbers and
-- phones), so that neither an upload nor a run holds a whole file in
-- memory, and the files live and are backed up with the database.
CREATE TABLE job_files (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    role   TEXT NOT NULL CHECK (role IN ('input', 'result')),
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (job_id, role, seq)
);

-- The rows of an import that failed: the original cells (JSON array of
-- strings) and the problems (JSON array of {field, key, args}), for the
-- error report. They commit with the batch that met them.
CREATE TABLE job_row_errors (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    row_no INTEGER NOT NULL,
    cells  TEXT NOT NULL, -- sealed (field job.file)
    errors TEXT NOT NULL,
    PRIMARY KEY (job_id, row_no)
);
