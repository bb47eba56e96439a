-- The codebook version people coded a covered sentence under
-- (store::put_gold_codings: `code --import-gold`, the audit page). A
-- covered sentence without a gold coding of a code says that code is
-- absent only where the code was in that version: a code added later (a
-- theme accepted as a code, an edited codebook file) was never judged
-- there. NULL (rows written before this migration, a QDPX project's gold):
-- the version is not known, and the coverage judges every code, as it did.
ALTER TABLE gold_coverage ADD COLUMN codebook_version INTEGER;
