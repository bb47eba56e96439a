-- Audit samples: units (participants, sentences or documents) drawn at
-- random, or declared random when their gold was imported, whose human
-- coding estimates the report's counts (prediction-powered inference).
-- Only the newest sample is used; a draw with the same unit and seed lists
-- a prefix of the same random order, so drawing more extends it.
CREATE TABLE audit_samples (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL CHECK (unit IN ('participant', 'sentence', 'document')),
    origin TEXT NOT NULL CHECK (origin IN ('draw', 'import')),
    seed INTEGER,
    population INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- Unit keys: a participant id (or `speaker @ document` for unmapped
-- speakers), a document name, or `document<TAB>text sha256` for a sentence
-- (what survives re-ingestion, as reviews are keyed).
CREATE TABLE audit_units (
    sample_id INTEGER NOT NULL REFERENCES audit_samples(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    unit_key TEXT NOT NULL,
    PRIMARY KEY (sample_id, position),
    UNIQUE (sample_id, unit_key)
);
