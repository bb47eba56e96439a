-- Who speaks in each document (issue #17 item 6).
--
-- The index on segments(participant_id) served one question, "which
-- participants speak?" (`stats`, the report's speaker counts). It was the
-- costliest B-tree of an ingest: a document's sentences arrive in text
-- order, so every speaker's entries grew at their own place inside the
-- index, and each insert split pages in the middle of the tree. At a million
-- turns it was a fifth of the ingest's time. A document's speakers, a
-- handful of rows written once per document, answer the same question.
CREATE TABLE document_speakers (
    document_id    INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    PRIMARY KEY (document_id, participant_id)
) WITHOUT ROWID;
INSERT INTO document_speakers
    SELECT DISTINCT document_id, participant_id FROM segments WHERE participant_id IS NOT NULL;
DROP INDEX IF EXISTS segments_participant;
