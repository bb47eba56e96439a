-- Theme suggestions from clustering (owned by `themes`).
CREATE TABLE theme_runs (
    id         INTEGER PRIMARY KEY,
    model_key  TEXT NOT NULL,
    params     TEXT NOT NULL,  -- JSON: seed, min_size, max_themes, reassign_outliers, ...
    outlier_share REAL NOT NULL, -- share of sentences in no theme (after any reassignment)
    n_segments INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE theme_suggestions (
    id           INTEGER PRIMARY KEY,
    theme_run_id INTEGER NOT NULL REFERENCES theme_runs(id) ON DELETE CASCADE,
    parent_id    INTEGER REFERENCES theme_suggestions(id), -- merge tree: broader theme
    level        INTEGER NOT NULL DEFAULT 0,               -- 0 = finest
    label        TEXT NOT NULL,
    body         TEXT NOT NULL,  -- JSON ThemeSuggestion: keywords, quotes, sizes, cohesion, stability, nearest code
    status       TEXT NOT NULL DEFAULT 'open' -- open | accepted | merged | dismissed
);
CREATE INDEX theme_suggestions_run ON theme_suggestions(theme_run_id);

CREATE TABLE theme_members (
    theme_id   INTEGER NOT NULL REFERENCES theme_suggestions(id) ON DELETE CASCADE,
    segment_id INTEGER NOT NULL,
    PRIMARY KEY (theme_id, segment_id)
);
CREATE INDEX theme_members_segment ON theme_members(segment_id);
