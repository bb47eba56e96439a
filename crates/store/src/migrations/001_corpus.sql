-- Documents, participants and their sentence segments (owned by `corpus` ingestion).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    source_path  TEXT NOT NULL,
    format       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text         TEXT NOT NULL,
    ingested_at  TEXT NOT NULL
);

CREATE TABLE participants (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    document     TEXT,
    is_moderator INTEGER NOT NULL DEFAULT 0,
    registered   INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE participant_attributes (
    participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (participant_id, key)
);

CREATE TABLE turns (
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    turn_index   INTEGER NOT NULL,
    speaker      TEXT,
    role         TEXT,
    is_moderator INTEGER NOT NULL,
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    start_ms     INTEGER,
    end_ms       INTEGER,
    PRIMARY KEY (document_id, turn_index)
);

CREATE TABLE segments (
    id             INTEGER PRIMARY KEY,
    document_id    INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    speaker        TEXT,
    participant_id TEXT,
    is_moderator   INTEGER NOT NULL,
    turn_index     INTEGER NOT NULL,
    sentence_index INTEGER NOT NULL,
    start_char     INTEGER NOT NULL,
    end_char       INTEGER NOT NULL,
    start_ms       INTEGER,
    end_ms         INTEGER,
    text           TEXT NOT NULL,
    -- sha256 of `text`: the key of the embedding cache and of stable segment identity.
    text_hash      TEXT NOT NULL,
    UNIQUE (document_id, turn_index, sentence_index)
);
CREATE INDEX segments_text_hash ON segments(text_hash);
CREATE INDEX segments_participant ON segments(participant_id);

-- One row per `autocode` invocation that changes the store (owned by the batch runner).
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    status      TEXT NOT NULL,           -- running | ok | failed | partial
    versions    TEXT NOT NULL DEFAULT '{}', -- JSON: model, codebook version, classifier
    counts      TEXT NOT NULL DEFAULT '{}'  -- JSON: per-stage counts
);
