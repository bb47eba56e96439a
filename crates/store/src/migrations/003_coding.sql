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

-- Which classifier last coded each participant sentence (owned by `classify`).
-- A sentence whose probabilities are all below 0.05 has no codings rows, so
-- this mark is what tells `autocode code` it is done; a new model, codebook
-- version or classifier fingerprint makes the sentence due again.
CREATE TABLE coding_marks (
    segment_id       INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
    codebook_version INTEGER NOT NULL,
    model_key        TEXT NOT NULL,
    classifier       TEXT NOT NULL,
    coded_at         TEXT NOT NULL
);

-- Segments covered by an imported gold standard: a gold segment without
-- codings rows means "no code applies", which codings alone cannot say.
CREATE TABLE gold_coverage (
    segment_id INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE
);
