-- Human review decisions (owned by `review`). They outlive segments: a
-- re-ingested document keeps its reviews through (document, text_hash).
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    segment_id  INTEGER,
    document    TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    code_id     TEXT,
    decision    TEXT NOT NULL,   -- accept | reject | recode | add | none | memo
    new_code_id TEXT,
    reviewer    TEXT NOT NULL,
    memo        TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX reviews_text ON reviews(document, text_hash);
