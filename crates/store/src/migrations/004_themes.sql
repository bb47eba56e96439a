-- Theme suggestions from clustering (owned by `themes`).
CREATE TABLE theme_runs (
    id         INTEGER PRIMARY KEY,
    model_key  TEXT NOT NULL,
    params     TEXT NOT NULL,  -- JSON
    outlier_share REAL NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE theme_suggestions (
    id           INTEGER PRIMARY KEY,
    theme_run_id INTEGER NOT NULL REFERENCES theme_runs(id) ON DELETE CASCADE,
    parent_id    INTEGER,        -- merge tree: broader theme
    label        TEXT NOT NULL,
    body         TEXT NOT NULL,  -- JSON: keywords, quotes, sizes, cohesion, stability, nearest code
    status       TEXT NOT NULL DEFAULT 'open' -- open | accepted | merged | dismissed
);

CREATE TABLE theme_members (
    theme_id   INTEGER NOT NULL REFERENCES theme_suggestions(id) ON DELETE CASCADE,
    segment_id INTEGER NOT NULL,
    PRIMARY KEY (theme_id, segment_id)
);
