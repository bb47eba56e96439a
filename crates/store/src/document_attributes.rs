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

    /// Other stored documents that hold the same respondents answering the
    /// same questions as `name` (a survey downloaded twice, under two file
    /// names): per document, the participants (not moderators) both hold
    /// and the question sentences (moderators') both ask, with `name`'s own
    /// counts of each.
    pub fn documents_sharing_answers(&self, name: &str) -> Result<Vec<SharedAnswers>> {
        let own =
            |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [name], |r| r.get(0))?) };
        let respondents = own(
            "SELECT COUNT(DISTINCT s.participant_id) FROM segments s JOIN documents d ON d.id = s.document_id
             WHERE d.name = ?1 AND s.is_moderator = 0 AND s.participant_id IS NOT NULL",
        )?;
        let questions = own(
            "SELECT COUNT(DISTINCT s.text_hash) FROM segments s JOIN documents d ON d.id = s.document_id
             WHERE d.name = ?1 AND s.is_moderator = 1",
        )?;
        // Answers of five words or more: stock replies ("All good", "Not
        // bad") repeat from one wave of a pulse survey to the next.
        let answers = own(
            "SELECT COUNT(DISTINCT s.text_hash) FROM segments s JOIN documents d ON d.id = s.document_id
             WHERE d.name = ?1 AND s.is_moderator = 0
               AND length(trim(s.text)) - length(replace(trim(s.text), ' ', '')) >= 4",
        )?;
        let mut stmt = self.conn.prepare(
            "WITH mine AS (SELECT id FROM documents WHERE name = ?1),
             people AS (
                 SELECT o.document_id AS doc, COUNT(DISTINCT o.participant_id) AS n
                 FROM document_speakers m JOIN document_speakers o ON o.participant_id = m.participant_id
                 JOIN participants p ON p.id = m.participant_id AND p.is_moderator = 0
                 WHERE m.document_id = (SELECT id FROM mine) AND o.document_id != m.document_id
                 GROUP BY o.document_id),
             asked AS (
                 SELECT o.document_id AS doc, COUNT(DISTINCT o.text_hash) AS n
                 FROM segments m JOIN segments o ON o.text_hash = m.text_hash
                 WHERE m.document_id = (SELECT id FROM mine) AND m.is_moderator = 1
                   AND o.is_moderator = 1 AND o.document_id != m.document_id
                 GROUP BY o.document_id),
             said AS (
                 SELECT o.document_id AS doc, COUNT(DISTINCT o.text_hash) AS n
                 FROM segments o
                 WHERE o.is_moderator = 0 AND o.document_id != (SELECT id FROM mine)
                   AND length(trim(o.text)) - length(replace(trim(o.text), ' ', '')) >= 4
                   AND o.text_hash IN (SELECT text_hash FROM segments
                                       WHERE document_id = (SELECT id FROM mine) AND is_moderator = 0)
                 GROUP BY o.document_id),
             docs AS (SELECT doc FROM people UNION SELECT doc FROM said)
             SELECT d.name, COALESCE(people.n, 0), COALESCE(asked.n, 0), COALESCE(said.n, 0)
             FROM docs JOIN documents d ON d.id = docs.doc
             LEFT JOIN people ON people.doc = docs.doc
             LEFT JOIN asked ON asked.doc = docs.doc
             LEFT JOIN said ON said.doc = docs.doc
             ORDER BY COALESCE(people.n, 0) DESC, COALESCE(said.n, 0) DESC, d.name",
        )?;
        let rows = stmt.query_map([name], |r| {
            Ok(SharedAnswers {
                document: r.get(0)?,
                shared_respondents: r.get::<_, i64>(1)? as usize,
                shared_questions: r.get::<_, i64>(2)? as usize,
                shared_answers: r.get::<_, i64>(3)? as usize,
                respondents: respondents as usize,
                questions: questions as usize,
                answers: answers as usize,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The ids of the participants who speak in some stored document.
    pub fn speaking_participants(&self) -> Result<std::collections::BTreeSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT participant_id FROM document_speakers")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// The participants the project lists (`registered`: a participants
    /// file's rows, `--interviewer`'s names), in the order first stored,
    /// with their attributes; not the speakers kept by their names.
    pub fn registered_participants(&self) -> Result<Vec<corpus::Participant>> {
        let mut attributes = self.participant_attributes()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, name, document, is_moderator FROM participants
             WHERE registered = 1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, document, is_moderator) = row?;
            out.push(corpus::Participant {
                attributes: attributes.remove(&id).unwrap_or_default(),
                id,
                name,
                document,
                is_moderator,
                registered: true,
            });
        }
        Ok(out)
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

/// Another document holding the same respondents and questions
/// ([`Store::documents_sharing_answers`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SharedAnswers {
    pub document: String,
    pub shared_respondents: usize,
    pub shared_questions: usize,
    /// Answer sentences of five words or more (participants', by text)
    /// both hold: a form that
    /// exports no respondent id (Google Forms' `Respondent 3` is its row's
    /// number) shares no respondent with its second download, only words.
    pub shared_answers: usize,
    /// The document asked about: its respondents, question sentences and
    /// answer sentences of five words or more (distinct texts).
    pub respondents: usize,
    pub questions: usize,
    pub answers: usize,
}
