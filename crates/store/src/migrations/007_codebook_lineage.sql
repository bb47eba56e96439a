-- Codebook lineage (owned by `classify`): a version made on the review page
-- descends from the version it extended, so a run configured with a codebook
-- file can use the newest version made from that file's content. Versions
-- stored before this migration become roots approved from a file.
ALTER TABLE codebooks ADD COLUMN parent_version INTEGER REFERENCES codebooks(version);
-- 'file': approved from a codebook file or an import; 'review': made on the review page.
ALTER TABLE codebooks ADD COLUMN origin TEXT NOT NULL DEFAULT 'file' CHECK (origin IN ('file', 'review'));
CREATE INDEX codebooks_parent ON codebooks(parent_version);
