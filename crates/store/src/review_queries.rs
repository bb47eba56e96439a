//! What the review page's queue reads: machine suggestions with their
//! sentences, and a sentence with its surrounding turns.
//!
//! Free functions over a [`Connection`], like the other query modules, so
//! the page can read inside its own transactions.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::Result;

/// One machine suggestion: a code on a sentence, with its calibrated
/// probability and where the sentence is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MachineSuggestion {
    pub segment_id: i64,
    pub code_id: String,
    pub confidence: f64,
    pub assigned: bool,
    pub document: String,
    pub participant_id: Option<String>,
    pub speaker: Option<String>,
    pub text: String,
}

/// The machine codings of the newest codebook version the classifier used:
/// assigned ones, plus candidates with probability at least `floor`; only
/// those of `segment` when given. Ordered by (segment, code).
pub fn machine_suggestions(
    conn: &Connection,
    floor: f64,
    segment: Option<i64>,
) -> Result<Vec<MachineSuggestion>> {
    // SQLite returns the other columns of the MAX(id) row, i.e. the newest
    // machine row per (segment, code).
    let mut stmt = conn.prepare(
        "WITH v AS (SELECT MAX(codebook_version) AS v FROM codings WHERE source = 'machine'),
         m AS (SELECT segment_id, code_id, confidence, assigned, MAX(id) AS id FROM codings
               WHERE source = 'machine' AND codebook_version IS (SELECT v FROM v)
                 AND (?2 IS NULL OR segment_id = ?2)
               GROUP BY segment_id, code_id)
         SELECT m.segment_id, m.code_id, COALESCE(m.confidence, 0.0), m.assigned, d.name,
                s.participant_id, s.speaker, s.text
         FROM m JOIN segments s ON s.id = m.segment_id JOIN documents d ON d.id = s.document_id
         WHERE m.assigned = 1 OR m.confidence >= ?1
         ORDER BY m.segment_id, m.code_id",
    )?;
    let rows = stmt.query_map(params![floor, segment], |r| {
        Ok(MachineSuggestion {
            segment_id: r.get(0)?,
            code_id: r.get(1)?,
            confidence: r.get(2)?,
            assigned: r.get::<_, i64>(3)? != 0,
            document: r.get(4)?,
            participant_id: r.get(5)?,
            speaker: r.get(6)?,
            text: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sentence vectors of `segment_ids` from the model of the newest machine
/// codings, by segment id: what the review queue's representative order
/// compares. Segments without one are left out.
pub fn machine_segment_vectors(
    conn: &Connection,
    segment_ids: &[i64],
) -> Result<std::collections::BTreeMap<i64, Vec<f32>>> {
    let key: Option<String> = conn
        .query_row(
            "SELECT model_key FROM codings WHERE source = 'machine' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let mut out = std::collections::BTreeMap::new();
    let Some(key) = key else {
        return Ok(out);
    };
    // Chunks stay under SQLite's limit on bound parameters.
    for chunk in segment_ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let mut stmt = conn.prepare(&format!(
            "SELECT s.id, e.vector FROM segments s
             JOIN embeddings e ON e.model_key = ?1 AND e.text_hash = s.text_hash
             WHERE s.id IN ({marks})"
        ))?;
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&key];
        args.extend(chunk.iter().map(|i| i as &dyn rusqlite::ToSql));
        let rows = stmt.query_map(args.as_slice(), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                crate::embeddings::blob_to_vector(&r.get::<_, Vec<u8>>(1)?),
            ))
        })?;
        for row in rows {
            let (id, v) = row?;
            out.insert(id, v);
        }
    }
    Ok(out)
}

/// A sentence with its document's full text, to cut context from.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentInDocument {
    pub document_id: i64,
    pub document: String,
    pub document_text: String,
    pub speaker: Option<String>,
    pub participant_id: Option<String>,
    pub turn_index: i64,
    /// Code-point offsets of the sentence in `document_text`.
    pub start_char: i64,
    pub end_char: i64,
    pub text: String,
}

/// One sentence and its document, if the segment exists.
pub fn segment_in_document(
    conn: &Connection,
    segment_id: i64,
) -> Result<Option<SegmentInDocument>> {
    Ok(conn
        .query_row(
            "SELECT s.document_id, d.name, d.text, s.speaker, s.participant_id, s.turn_index,
                    s.start_char, s.end_char, s.text
             FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id = ?1",
            [segment_id],
            |r| {
                Ok(SegmentInDocument {
                    document_id: r.get(0)?,
                    document: r.get(1)?,
                    document_text: r.get(2)?,
                    speaker: r.get(3)?,
                    participant_id: r.get(4)?,
                    turn_index: r.get(5)?,
                    start_char: r.get(6)?,
                    end_char: r.get(7)?,
                    text: r.get(8)?,
                })
            },
        )
        .optional()?)
}

/// A turn shown around a sentence under review.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextTurn {
    pub turn_index: i64,
    pub speaker: Option<String>,
    pub role: Option<String>,
    pub is_moderator: bool,
    /// Code-point offsets of the turn in its document's text.
    pub start_char: i64,
    pub end_char: i64,
    /// The participant of the turn's sentences, when any has one.
    pub participant_id: Option<String>,
}

/// The turns `first..=last` of a document, in order.
/// The last moderator turn before turn `before` of a document: the question
/// a turn answers, for the review page to show where it falls outside the
/// turns around the sentence (a survey's answers follow their question by
/// every respondent's answer before theirs).
pub fn moderator_turn_before(
    conn: &Connection,
    document_id: i64,
    before: i64,
) -> Result<Option<ContextTurn>> {
    let turns = document_turns_where(
        conn,
        "t.document_id = ?1 AND t.turn_index < ?2 AND t.is_moderator = 1
         ORDER BY t.turn_index DESC LIMIT 1",
        params![document_id, before],
    )?;
    Ok(turns.into_iter().next())
}

pub fn document_turns(
    conn: &Connection,
    document_id: i64,
    first: i64,
    last: i64,
) -> Result<Vec<ContextTurn>> {
    document_turns_where(
        conn,
        "t.document_id = ?1 AND t.turn_index BETWEEN ?2 AND ?3 ORDER BY t.turn_index",
        params![document_id, first, last],
    )
}

/// [`ContextTurn`]s of the turns `filter` (an SQL condition on `t`, with
/// its ordering) selects.
fn document_turns_where(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<ContextTurn>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT t.turn_index, t.speaker, t.role, t.is_moderator, t.start_char, t.end_char,
                (SELECT participant_id FROM segments s WHERE s.document_id = t.document_id
                 AND s.turn_index = t.turn_index AND s.participant_id IS NOT NULL LIMIT 1)
         FROM turns t WHERE {filter}"
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok(ContextTurn {
            turn_index: r.get(0)?,
            speaker: r.get(1)?,
            role: r.get(2)?,
            is_moderator: r.get(3)?,
            start_char: r.get(4)?,
            end_char: r.get(5)?,
            participant_id: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
