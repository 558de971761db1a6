-- Search terms a bulk load has written but not yet put into person_terms.
-- Into an empty search index, the loader appends each batch's terms here
-- (in the same transaction as the batch's people) and moves them into
-- person_terms in one sorted pass at the end: appending 8 million rows and
-- sorting them once costs a fraction of inserting them batch by batch all
-- over person_terms' key range (which also rewrote most of its pages at
-- every commit). Empty except during a load; RestoreSearchIndex finishes
-- the move after an interrupted one.
CREATE TABLE person_terms_load (
    term      TEXT NOT NULL,
    path      TEXT NOT NULL,
    person_id INTEGER NOT NULL
);
