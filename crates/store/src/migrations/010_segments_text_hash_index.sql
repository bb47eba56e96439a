-- The index on segments(text_hash) alone served one query, reattaching a
-- re-ingested document's reviews, which now looks the document's sentences
-- up in memory (corpus_tables.rs). Kept, it was the one B-tree an ingest
-- filled in random order: at a million turns its pages were spilled from the
-- cache and rewritten over and over, most of the store's writes (issue #17
-- item 6). Every other segments index is filled in insertion order.
DROP INDEX IF EXISTS segments_text_hash;
