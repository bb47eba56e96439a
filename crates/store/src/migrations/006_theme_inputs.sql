-- What the latest theme run clustered (owned by `themes`): every input
-- sentence with its leaf theme (NULL = outlier). `autocode themes
-- --incremental` reads it to tell new sentences from old ones and carry the
-- themes forward; only the latest run's inputs are kept.
CREATE TABLE theme_run_inputs (
    theme_run_id  INTEGER NOT NULL REFERENCES theme_runs(id) ON DELETE CASCADE,
    segment_id    INTEGER NOT NULL,
    text_hash     TEXT NOT NULL,
    leaf_theme_id INTEGER REFERENCES theme_suggestions(id) ON DELETE CASCADE,
    PRIMARY KEY (theme_run_id, segment_id)
) WITHOUT ROWID;

-- The run this one carried forward (NULL: clustered from scratch), and the
-- share of sentences the clustering itself left out (before any reassignment).
ALTER TABLE theme_runs ADD COLUMN updated_from INTEGER REFERENCES theme_runs(id);
ALTER TABLE theme_runs ADD COLUMN outlier_share_clustered REAL;
