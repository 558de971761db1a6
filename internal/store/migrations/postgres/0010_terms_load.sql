-- On SQLite this migration adds person_terms_load, where a bulk load into
-- an empty registry stages its search terms (person_terms is its own key
-- there, WITHOUT ROWID). PostgreSQL needs no such table: the load drops the
-- key of person_terms and builds it once at the end (store.bulkDeferred).
-- What it does add is that note, where an operator looking at the table
-- will find it.
COMMENT ON TABLE person_terms IS 'Search terms, derived from persons (rebuildable). A bulk load into an empty registry drops the primary key and builds it again at its end; FinishBulkLoad (run at every start) completes an interrupted one.';
