-- Case attributes per document (owned by `corpus` ingestion, from a
-- documents.csv): site, date, role of the interviewee… The report's
-- crosstabs use them like participant attributes. Keyed by the document's
-- name, which survives re-ingesting a changed transcript (its row id does not).
CREATE TABLE document_attributes (
    document TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (document, key)
);
