-- Where a detached review was: the speaker (label and role) and the
-- occurrence of its text within that speaker's sentences, written when a
-- re-ingest removes its sentence (corpus_tables::remove_document_tx). A
-- later version of the document gives it back only to that speaker's
-- sentence of the same text; while the speaker still speaks there without
-- it, it stays detached. Before, a review detached by one re-ingest went
-- at the next to the first sentence of its text, whoever said it: in a
-- survey export, another respondent's identical answer. NULL: a review
-- detached before this migration, or attached.
ALTER TABLE reviews ADD COLUMN detached_voice TEXT;
ALTER TABLE reviews ADD COLUMN detached_occurrence INTEGER;
