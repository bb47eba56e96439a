-- Leaner write path for ingest (issue #17 item 6); reads are unchanged.
--
-- The index on segments(text_hash) alone served one query, reattaching a
-- re-ingested document's reviews, which now looks the document's sentences
-- up in memory (corpus_tables.rs). Kept, it was the one B-tree an ingest
-- filled in random order: at a million turns its pages were spilled from the
-- cache and rewritten over and over, most of the store's writes. Every
-- other segments index is filled in insertion order.
DROP INDEX IF EXISTS segments_text_hash;

-- Turns are written and counted, never looked up by rowid: keyed by their
-- primary key alone (WITHOUT ROWID), an insert fills one B-tree, not a table
-- and its primary-key index.
CREATE TABLE turns_keyed (
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
) WITHOUT ROWID;
INSERT INTO turns_keyed SELECT document_id, turn_index, speaker, role, is_moderator,
    start_char, end_char, start_ms, end_ms FROM turns;
DROP TABLE turns;
ALTER TABLE turns_keyed RENAME TO turns;
