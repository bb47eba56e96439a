-- Vectors of texts that are not corpus sentences: the codebook's names,
-- definitions, examples and reviewers' reasons (`code`, `themes`), and
-- theme phrase candidates (`themes`), by (model key, text hash).
--
-- `code` and `themes` loaded the model on every run only to embed these
-- (a quarter of a second each at the nightly's scale, docs/benchmarks.md);
-- with them kept, a run whose codebook and themes did not change loads no
-- model. A cache, not a record: merge does not copy it, a store without it
-- embeds again, and the phrase candidates of earlier theme runs are pruned.
-- `kind` says which stage's set a row belongs to ('codebook', 'phrase').
CREATE TABLE text_vectors (
    model_key TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    kind      TEXT NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (model_key, text_hash)
) WITHOUT ROWID;

-- The few vectors whose input was cut at the model's max_seq_length, so
-- that `embed` counts their segments without joining every segment to its
-- embedding (Store::truncated_segment_count).
CREATE INDEX embeddings_truncated ON embeddings(model_key, text_hash) WHERE truncated = 1;
