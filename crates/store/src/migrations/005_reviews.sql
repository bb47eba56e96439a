-- Human review decisions (owned by `review`). They outlive segments: a
-- re-ingested document keeps its reviews through (document, text_hash).
-- Rows are only ever appended; the latest row of a reviewer for a
-- (segment, code) is that reviewer's current decision.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    segment_id  INTEGER,
    document    TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    code_id     TEXT,            -- the machine-suggested code the decision is about
    decision    TEXT NOT NULL,   -- accept | reject | recode | add | none | memo
    new_code_id TEXT,            -- recode/add: the code the reviewer gives instead / as well
    reviewer    TEXT NOT NULL,
    memo        TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX reviews_text ON reviews(document, text_hash);
CREATE INDEX reviews_segment ON reviews(segment_id);

-- Decisions on theme suggestions (accept as code, rename, merge, split, dismiss).
CREATE TABLE theme_decisions (
    id               INTEGER PRIMARY KEY,
    theme_id         INTEGER NOT NULL,
    action           TEXT NOT NULL,  -- accept | rename | merge | split | dismiss
    code_id          TEXT,           -- accept: the new code; merge: the code merged into
    label            TEXT,           -- rename: the new label
    codebook_version INTEGER,        -- the codebook version the action wrote, if any
    reviewer         TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX theme_decisions_theme ON theme_decisions(theme_id);

-- Requests to retrain the classifier on the reviews so far.
CREATE TABLE retrain_requests (
    id          INTEGER PRIMARY KEY,
    reviewer    TEXT NOT NULL,
    reviews_at  INTEGER NOT NULL,  -- number of review rows when requested
    status      TEXT NOT NULL,     -- requested | running | ok | failed
    detail      TEXT,
    created_at  TEXT NOT NULL
);
