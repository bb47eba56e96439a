-- Embedding cache (owned by `embed`): one vector per (model, text), shared by
-- every segment with that text; little-endian f32.
CREATE TABLE models (
    model_key  TEXT PRIMARY KEY,  -- model id + revision hash
    path       TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    added_at   TEXT NOT NULL
);

CREATE TABLE embeddings (
    model_key  TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL,
    truncated  INTEGER NOT NULL DEFAULT 0, -- input was longer than max_seq_length
    PRIMARY KEY (model_key, text_hash)
);
