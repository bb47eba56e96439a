-- The fitted classifier of the last `code` run, by what it was fitted on.
--
-- A nightly run that adds documents and no review used to refit every
-- code's models (79% of `code`'s time at 100k sentences,
-- docs/benchmarks.md) to get the classifier it already had. One row: the
-- newest fit replaces the one before. A cache, not a record: merge does
-- not copy it, and a store without it refits.
CREATE TABLE classifier_cache (
    key        TEXT PRIMARY KEY,
    classifier BLOB NOT NULL,
    saved_at   TEXT NOT NULL
);
