-- Codebook versions and codings (owned by `classify`).
CREATE TABLE codebooks (
    version      INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,  -- the codebook as JSON
    created_at   TEXT NOT NULL
);

CREATE TABLE codings (
    id               INTEGER PRIMARY KEY,
    segment_id       INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    code_id          TEXT NOT NULL,
    codebook_version INTEGER,
    source           TEXT NOT NULL,  -- machine | human | gold
    coder            TEXT NOT NULL,  -- classifier name or reviewer name
    confidence       REAL,           -- calibrated probability (1.0 for human/gold)
    assigned         INTEGER NOT NULL DEFAULT 1, -- 1: the code is given; 0: a machine candidate kept for its probability
    model_key        TEXT,
    classifier       TEXT,           -- classifier fingerprint (mode + training data hash)
    created_at       TEXT NOT NULL
);
CREATE INDEX codings_segment ON codings(segment_id);
CREATE INDEX codings_code ON codings(code_id);
