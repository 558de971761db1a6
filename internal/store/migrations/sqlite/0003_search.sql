-- Registry search terms: one row per (term, person). Terms are
--   n<2 characters of the name>     every consecutive pair of the name
--   a<2 characters of the address>  every distinct consecutive pair of the address
--   p<full pinyin of the name>      zhangshaoming (prefix search)
--   i<pinyin initials>              zsm (prefix search)
--   t<last 4 digits of a phone>     5678
-- The path (the person's grid) is in the key, so one index range answers
-- "term within the actor's scope". The table is derived data: it can be
-- rebuilt from persons, so it has no foreign key (bulk loads stay fast).
CREATE TABLE person_terms (
    term      TEXT NOT NULL,
    path      TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (term, path, person_id)
) WITHOUT ROWID;
CREATE INDEX person_terms_person ON person_terms (person_id);
