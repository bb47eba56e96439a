-- Who covered a sentence with gold (`gold_coverage` says only that
-- people did): one row per coder who coded the sentence completely (the
-- audit page, `code --import-gold`), under the codebook version they
-- coded it under. A coder who judged "no code applies" leaves no coding,
-- so before this table a blind reviewer's "no code" unit read as coded to
-- every other reviewer, and the report took a gold coder's sentences to
-- be every covered sentence of the documents they touched: a colleague's
-- further audit units in those documents counted as the coder's "absent".
-- No rows for coverage written before (or by a .qdpx import, whose coders
-- coded whole documents): the report keeps reading those by document.
CREATE TABLE gold_coverage_coders (
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    coder TEXT NOT NULL,
    codebook_version INTEGER,
    PRIMARY KEY (segment_id, coder)
);
