//! Document attributes (migration 009) and how speakers became participants.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use crate::{Result, Store};

/// Document name → attribute → value.
pub type DocumentAttributes = BTreeMap<String, BTreeMap<String, String>>;

/// How the speakers that speak in the corpus were resolved to participants
/// (see `corpus::resolve`), for `autocode stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpeakerResolution {
    /// Non-moderators the participants file lists.
    pub registered_participants: i64,
    /// Non-moderators the file does not list, kept by name (one person in every document).
    pub named_participants: i64,
    /// Generic labels (`Interviewee`, `Respondent`, `A` beside `Q`…): one
    /// participant per document.
    pub per_document_participants: i64,
    /// The labels of those, each with the number of documents it names a participant in.
    pub per_document_labels: BTreeMap<String, i64>,
    /// Distinct speaker labels of moderator turns.
    pub moderator_labels: Vec<String>,
}

impl Store {
    /// Stores the attributes of the documents given, replacing what those
    /// documents had; other documents keep theirs. One transaction.
    pub fn put_document_attributes(&mut self, attributes: &DocumentAttributes) -> Result<()> {
        self.write(|tx| {
            let mut delete = tx.prepare("DELETE FROM document_attributes WHERE document = ?1")?;
            let mut insert = tx.prepare(
                "INSERT INTO document_attributes(document, key, value) VALUES (?1, ?2, ?3)",
            )?;
            for (document, values) in attributes {
                delete.execute([document])?;
                for (key, value) in values {
                    insert.execute(params![document, key, value])?;
                }
            }
            Ok(())
        })
    }

    /// Every stored document attribute: document name → attribute → value.
    pub fn document_attributes(&self) -> Result<DocumentAttributes> {
        let mut stmt = self.conn.prepare(
            "SELECT document, key, value FROM document_attributes ORDER BY document, key",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = DocumentAttributes::new();
        for row in rows {
            let (document, key, value) = row?;
            out.entry(document).or_default().insert(key, value);
        }
        Ok(out)
    }

    /// Attribute → value → documents, over stored documents with attributes.
    pub fn documents_by_attribute(&self) -> Result<BTreeMap<String, BTreeMap<String, i64>>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.key, a.value, COUNT(*) FROM document_attributes a
             JOIN documents d ON d.name = a.document
             GROUP BY a.key, a.value ORDER BY a.key, a.value",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for row in rows {
            let (k, v, n) = row?;
            out.entry(k).or_default().insert(v, n);
        }
        Ok(out)
    }

    /// The ids of the participants who speak in some stored document.
    pub fn speaking_participants(&self) -> Result<std::collections::BTreeSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT participant_id FROM document_speakers")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// How the speaking participants were resolved.
    pub fn speaker_resolution(&self) -> Result<SpeakerResolution> {
        let speaking = "SELECT DISTINCT participant_id FROM document_speakers";
        let mut out = SpeakerResolution::default();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT name, document, registered FROM participants
             WHERE is_moderator = 0 AND id IN ({speaking})"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for row in rows {
            match row? {
                (_, _, true) => out.registered_participants += 1,
                (name, Some(_), false) => {
                    out.per_document_participants += 1;
                    *out.per_document_labels.entry(name).or_default() += 1;
                }
                (_, None, false) => out.named_participants += 1,
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT speaker FROM segments
             WHERE is_moderator = 1 AND speaker IS NOT NULL ORDER BY speaker",
        )?;
        out.moderator_labels = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_replace_per_document() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let attrs = |pairs: &[(&str, &str, &str)]| {
            let mut m = DocumentAttributes::new();
            for (d, k, v) in pairs {
                m.entry(d.to_string())
                    .or_default()
                    .insert(k.to_string(), v.to_string());
            }
            m
        };
        s.put_document_attributes(&attrs(&[
            ("a.txt", "site", "Leeds"),
            ("a.txt", "date", "2024"),
            ("b.txt", "site", "Bristol"),
        ]))
        .unwrap();
        s.put_document_attributes(&attrs(&[("a.txt", "site", "York")]))
            .unwrap();
        assert_eq!(
            s.document_attributes().unwrap(),
            attrs(&[("a.txt", "site", "York"), ("b.txt", "site", "Bristol")])
        );
        // No documents stored: nothing to count.
        assert!(s.documents_by_attribute().unwrap().is_empty());
    }
}
