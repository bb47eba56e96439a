//! Documents, participants, turns and segments.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use corpus::{Document, Participant};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::{now, Result, Store};

/// What storing a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IngestOutcome {
    /// Same name and content hash as before: nothing written.
    Unchanged,
    Inserted,
    /// Same name, new content: old turns, segments and their codings replaced.
    Replaced,
}

/// What a replaced document's new text left behind: the people's work on
/// sentences the edit removed or changed (a survey respondent deleted from
/// the export, a transcript corrected). Ingest names it in a warning, so
/// that a changed gold or a review gone from the page is never silent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplacedLosses {
    /// Reviews whose sentence is gone: kept, detached, and reattached if
    /// a later version brings the sentence back.
    pub detached_reviews: usize,
    /// People's codings (gold, human) whose sentence is gone: dropped. A
    /// human coding whose review went to a sentence of this version is not
    /// counted: ingest gives it back from the review.
    pub dropped_people_codings: usize,
    /// Participants who spoke in the old version and not in the new one,
    /// where they left reviews or codings behind.
    pub speakers_gone: Vec<String>,
}

impl ReplacedLosses {
    pub fn is_empty(&self) -> bool {
        self.detached_reviews == 0 && self.dropped_people_codings == 0
    }
}

/// A segment as stored, with its row id and document name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSegment {
    pub id: i64,
    pub document: String,
    pub speaker: Option<String>,
    pub participant_id: Option<String>,
    pub is_moderator: bool,
    pub turn_index: i64,
    pub sentence_index: i64,
    pub start_char: i64,
    pub end_char: i64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub text: String,
    pub text_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentSummary {
    pub id: i64,
    pub name: String,
    pub format: String,
    pub content_hash: String,
}

/// Counts for `autocode stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorpusStats {
    pub documents: i64,
    /// Participants who say at least one sentence that is not a
    /// moderator's, `unlabelled_participants` included: the people the
    /// report counts (its N).
    pub participants: i64,
    /// Sentences without a speaker label (a transcript without `Name:`
    /// labels, a table without a speaker column): one unnamed participant
    /// per document, as the report counts them (`report::freq::speaker_key`).
    pub unlabelled_participants: i64,
    /// People whose every sentence is a moderator's (a role column's
    /// moderator, or a moderator label such as `Interviewer:`).
    pub moderators: i64,
    pub turns: i64,
    pub segments: i64,
    /// Segments said by participants: not moderators, not group voices
    /// (`All:`; coded, but no one's).
    pub participant_segments: i64,
    /// attribute name → value → participants (of `participants`).
    pub participants_by: BTreeMap<String, BTreeMap<String, i64>>,
}

impl Store {
    /// The path a stored document was last read from, as it was given.
    pub fn document_source(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT source_path FROM documents WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores one document with its turns and segments in one transaction,
    /// replacing an older version of the same document.
    pub fn put_document(&mut self, doc: &Document) -> Result<IngestOutcome> {
        self.put_document_hashed_by(doc, || doc.content_hash.clone())
    }

    /// [`Store::put_document`] for a document whose content hash is still to
    /// be computed (`corpus::read_file_unhashed`): `hash` gives it. When a
    /// stored document has the same name, the hash decides first whether
    /// anything changed; a new name does not need it until its rows are
    /// written, so `hash` runs on another thread meanwhile and the single
    /// SQLite writer never waits for it (issue #17 item 6).
    pub fn put_document_hashed_by(
        &mut self,
        doc: &Document,
        hash: impl FnOnce() -> String + Send,
    ) -> Result<IngestOutcome> {
        Ok(self.put_document_reporting_losses(doc, hash)?.0)
    }

    /// [`Store::put_document_hashed_by`], with what a replacement left
    /// behind ([`ReplacedLosses`]; empty unless the document was replaced).
    pub fn put_document_reporting_losses(
        &mut self,
        doc: &Document,
        hash: impl FnOnce() -> String + Send,
    ) -> Result<(IngestOutcome, ReplacedLosses)> {
        self.write(|tx| put_document_tx(tx, doc, hash))
    }

    /// Stores `doc`, a new name, as the stored document `from` moved or
    /// renamed (the same text; the caller checked that `from`'s file is
    /// gone): `from`'s rows go, and its reviews, people's codings, gold
    /// coverage and document attributes pass to `doc` as a new version of
    /// `from` would keep them. Before, the moved file was a second copy of
    /// the interview, counted twice, and nothing could remove the first.
    pub fn put_moved_document(
        &mut self,
        doc: &Document,
        from: &str,
        content_hash: &str,
    ) -> Result<()> {
        self.write(|tx| {
            remove_moved_document_tx(tx, from, &doc.name)?;
            let (doc_id, (), _, _) = insert_document_rows_tx(tx, doc, || ())?;
            tx.execute(
                "UPDATE documents SET content_hash = ?1 WHERE id = ?2",
                params![content_hash, doc_id],
            )?;
            Ok(())
        })
    }

    /// Removes the stored document `from`, moved or renamed to `to` (the
    /// same text, the caller checked that `from`'s file is gone), whose
    /// rows a merged shard brings next: its reviews, people's codings, gold
    /// coverage and document attributes wait for `to` as
    /// [`Store::put_moved_document`] passes them on. A sharded night's
    /// merge added a renamed transcript and kept the old name too, so the
    /// interview was counted twice (hd/01).
    pub fn remove_moved_document(&mut self, from: &str, to: &str) -> Result<()> {
        self.write(|tx| remove_moved_document_tx(tx, from, to))
    }

    /// Inserts or updates participants (and their attributes) in one transaction.
    /// A listed participant's attributes are replaced by theirs.
    /// A speaker who is not listed (`registered = false`: a survey sheet's
    /// respondent, a transcript's named speaker) whose id a listed person
    /// has (an interviewee the participants file scopes to their
    /// transcript, who answered the survey too) leaves the listed row as
    /// the file gave it: see [`put_participant_tx`].
    pub fn put_participants(&mut self, people: &[Participant]) -> Result<()> {
        self.write(|tx| {
            let file_columns = participants_file_columns_tx(tx)?;
            for p in people {
                put_participant_tx(tx, p, None, file_columns.as_ref())?;
            }
            Ok(())
        })
    }

    /// [`Store::put_participants`] of a participants file's people, whose
    /// attributes replace only those of the file's columns (and `role`,
    /// which `--interviewer` sets): a survey sheet's attributes a respondent
    /// was given by an earlier export stay. Before, reading the file again
    /// with a second wave's sheet took the first wave's attributes out of
    /// every crosstab.
    pub fn put_listed_participants(&mut self, people: &corpus::Participants) -> Result<()> {
        let mut owned: Vec<&str> = people.columns.iter().map(String::as_str).collect();
        owned.push("role");
        self.write(|tx| {
            for p in &people.list {
                put_participant_tx(tx, p, Some(&owned), None)?;
            }
            Ok(())
        })
    }

    /// Sets attributes of participants already stored, beside those they
    /// have (a listed respondent's survey-sheet attributes the participants
    /// file does not give: `corpus::registered_sheet_attributes`).
    pub fn add_participant_attributes(
        &mut self,
        attributes: &[(String, BTreeMap<String, String>)],
    ) -> Result<()> {
        self.put_participant_attributes(attributes, "DO UPDATE SET value = excluded.value")
    }

    /// Gives stored participants the attributes they do not have yet (a
    /// value already stored stays): a survey's demographics from a row
    /// where the respondent answered nothing.
    pub fn fill_participant_attributes(
        &mut self,
        attributes: &[(String, BTreeMap<String, String>)],
    ) -> Result<()> {
        self.put_participant_attributes(attributes, "DO NOTHING")
    }

    /// Stores attributes of participants the store holds; `on_conflict`
    /// says what a value already stored under the key becomes.
    fn put_participant_attributes(
        &mut self,
        attributes: &[(String, BTreeMap<String, String>)],
        on_conflict: &str,
    ) -> Result<()> {
        if attributes.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO participant_attributes(participant_id, key, value)
             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM participants WHERE id = ?1)
             ON CONFLICT(participant_id, key) {on_conflict}"
        );
        self.write(|tx| {
            for (id, attrs) in attributes {
                for (k, v) in attrs {
                    tx.execute(&sql, params![id, k, v])?;
                }
            }
            Ok(())
        })
    }

    pub fn documents(&self) -> Result<Vec<DocumentSummary>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, format, content_hash FROM documents ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(DocumentSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                format: r.get(2)?,
                content_hash: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored text of a document, which segment offsets index.
    pub fn document_text(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT text FROM documents WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The distinct speaker labels of moderators' sentences.
    pub fn moderator_labels(&self) -> Result<BTreeSet<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT speaker FROM segments WHERE is_moderator = 1 AND speaker IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All segments in id order; `participants_only` drops moderator turns.
    pub fn segments(&self, participants_only: bool) -> Result<Vec<StoredSegment>> {
        let sql = format!(
            "SELECT s.id, d.name, s.speaker, s.participant_id, s.is_moderator, s.turn_index,
                    s.sentence_index, s.start_char, s.end_char, s.start_ms, s.end_ms, s.text, s.text_hash
             FROM segments s JOIN documents d ON d.id = s.document_id
             {} ORDER BY s.id",
            if participants_only { "WHERE s.is_moderator = 0" } else { "" }
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredSegment {
                id: r.get(0)?,
                document: r.get(1)?,
                speaker: r.get(2)?,
                participant_id: r.get(3)?,
                is_moderator: r.get(4)?,
                turn_index: r.get(5)?,
                sentence_index: r.get(6)?,
                start_char: r.get(7)?,
                end_char: r.get(8)?,
                start_ms: r.get(9)?,
                end_ms: r.get(10)?,
                text: r.get(11)?,
                text_hash: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every stored participant's id, sorted.
    pub fn participant_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM participants ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The documents each participant speaks in: participant id → names.
    pub fn participant_documents(&self) -> Result<BTreeMap<String, BTreeSet<String>>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT s.participant_id, d.name FROM segments s
             JOIN documents d ON d.id = s.document_id WHERE s.participant_id IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            let (id, doc) = row?;
            out.entry(id).or_default().insert(doc);
        }
        Ok(out)
    }

    /// Participant attributes: participant id → attribute → value.
    pub fn participant_attributes(&self) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT participant_id, key, value FROM participant_attributes")?;
        let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, k, v) = row?;
            out.entry(id).or_default().insert(k, v);
        }
        Ok(out)
    }

    pub fn corpus_stats(&self) -> Result<CorpusStats> {
        let one = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        // Who is a participant is read from the sentences, as the report
        // counts them: a listed person is a moderator where ingest resolved
        // their label so (a role column, or a moderator label such as
        // `Interviewer:` the file lists without one), and `participants`
        // keeps the file's row as it was. Counted from that row, a tracker
        // listing the study's moderator and interviewer gave 16
        // participants (+0 moderators) beside the report's N = 14, their
        // site, gender and age in the sample's description (h1/02).
        let counted = "SELECT DISTINCT participant_id FROM segments
                       WHERE is_moderator = 0 AND participant_id IS NOT NULL";
        let mut participants_by: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT a.key, a.value, COUNT(*) FROM participant_attributes a
             WHERE a.participant_id IN ({counted})
             GROUP BY a.key, a.value ORDER BY a.key, a.value"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (k, v, n) = row?;
            participants_by.entry(k).or_default().insert(v, n);
        }
        let unlabelled = one(
            "SELECT COUNT(*) FROM (SELECT DISTINCT document_id FROM segments
             WHERE is_moderator = 0 AND participant_id IS NULL AND speaker IS NULL)",
        )?;
        Ok(CorpusStats {
            documents: one("SELECT COUNT(*) FROM documents")?,
            participants: one(&format!("SELECT COUNT(*) FROM ({counted})"))? + unlabelled,
            unlabelled_participants: unlabelled,
            // Everyone who speaks only as a moderator; one who is a
            // participant elsewhere (a moderator label in one transcript,
            // a speaker in another) is counted once, as a participant.
            moderators: one(&format!(
                "SELECT COUNT(DISTINCT participant_id) FROM segments
                 WHERE is_moderator = 1 AND participant_id IS NOT NULL
                   AND participant_id NOT IN ({counted})"
            ))?,
            turns: one("SELECT COUNT(*) FROM turns")?,
            segments: one("SELECT COUNT(*) FROM segments")?,
            // A group voice's (`All:`, `Unknown speaker:`; no participant
            // but a label) is no participant's, as the report counts.
            participant_segments: one("SELECT COUNT(*) FROM segments WHERE is_moderator = 0
                 AND NOT (participant_id IS NULL AND speaker IS NOT NULL)")?,
            participants_by,
        })
    }
}

/// Store meta key, written by ingest (`pipeline::ingest`): the attribute
/// columns of every participants file read, lower case, as a JSON array:
/// the attributes a file gave, as against those a survey sheet gave the
/// same people.
pub const PARTICIPANTS_FILE_COLUMNS_META: &str = "participants_file_columns";

/// The attribute columns of the participants files read
/// ([`PARTICIPANTS_FILE_COLUMNS_META`]); `None` in a store from before
/// that key, where every attribute a listed person has counts as the
/// file's (as `pipeline::ingest::listed_by_project` counts them).
fn participants_file_columns_tx(tx: &Transaction) -> Result<Option<BTreeSet<String>>> {
    let json: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [PARTICIPANTS_FILE_COLUMNS_META],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// `owned`: the attribute keys a listed participant's own replace (`None`: all).
///
/// An unlisted speaker's record (`p.registered` false) of an id the store
/// lists changes neither the listed row's name, `document` nor moderator
/// flag, and of its attributes replaces none a participants file gave
/// (`file_columns`' keys and `role`, which `--interviewer` sets; `None`:
/// every stored one): docs/corpus.md "Later ingests", the file wins over a
/// survey sheet's. Its other attributes (a survey-only column) are stored
/// as before. Before, a survey export ingested again after the interviews'
/// participants file gave an interviewee (scoped to their transcript, so
/// the sheet's row did not resolve to them) the sheet's values, and a NULL
/// `document`: a later ingest of their transcript made a new anonymous
/// participant of its `Participant:` label.
fn put_participant_tx(
    tx: &Transaction,
    p: &Participant,
    owned: Option<&[&str]>,
    file_columns: Option<&BTreeSet<String>>,
) -> Result<()> {
    let listed_before = !p.registered
        && tx
            .query_row(
                "SELECT registered FROM participants WHERE id = ?1",
                [&p.id],
                |r| r.get::<_, bool>(0),
            )
            .optional()?
            .unwrap_or(false);
    if listed_before {
        let from_file =
            |k: &str| k == "role" || file_columns.is_none_or(|c| c.contains(&k.to_lowercase()));
        for (k, v) in &p.attributes {
            let on_conflict = if from_file(k) {
                "DO NOTHING"
            } else {
                "DO UPDATE SET value = excluded.value"
            };
            tx.execute(
                &format!(
                    "INSERT INTO participant_attributes(participant_id, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT(participant_id, key) {on_conflict}"
                ),
                params![p.id, k, v],
            )?;
        }
        return Ok(());
    }
    tx.execute(
        "INSERT INTO participants(id, name, document, is_moderator, registered) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, document = excluded.document,
             is_moderator = excluded.is_moderator,
             registered = MAX(participants.registered, excluded.registered)",
        params![p.id, p.name, p.document, p.is_moderator, p.registered],
    )?;
    if p.registered {
        match owned {
            None => {
                tx.execute(
                    "DELETE FROM participant_attributes WHERE participant_id = ?1",
                    [&p.id],
                )?;
            }
            Some(keys) => {
                for k in keys {
                    tx.execute(
                        "DELETE FROM participant_attributes WHERE participant_id = ?1 AND key = ?2",
                        params![p.id, k],
                    )?;
                }
            }
        }
    }
    for (k, v) in &p.attributes {
        tx.execute(
            "INSERT INTO participant_attributes(participant_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(participant_id, key) DO UPDATE SET value = excluded.value",
            params![p.id, k, v],
        )?;
    }
    Ok(())
}

fn put_document_tx(
    tx: &Transaction,
    doc: &Document,
    hash: impl FnOnce() -> String + Send,
) -> Result<(IngestOutcome, ReplacedLosses)> {
    let existing: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, content_hash FROM documents WHERE name = ?1",
            [&doc.name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, stored)) = existing else {
        let (doc_id, content_hash, _, _) = insert_document_rows_tx(tx, doc, hash)?;
        tx.execute(
            "UPDATE documents SET content_hash = ?1 WHERE id = ?2",
            params![content_hash, doc_id],
        )?;
        return Ok((IngestOutcome::Inserted, ReplacedLosses::default()));
    };
    let content_hash = hash();
    if stored == content_hash {
        return Ok((IngestOutcome::Unchanged, ReplacedLosses::default()));
    }
    let detached_before: BTreeSet<i64> = detached_reviews_tx(tx, &doc.name)?;
    // Who left work on this version: reviews or people's codings.
    let workers_before: BTreeSet<String> = {
        let mut stmt = tx.prepare(
            "SELECT DISTINCT s.participant_id FROM segments s
             WHERE s.document_id = ?1 AND s.participant_id IS NOT NULL
               AND (EXISTS(SELECT 1 FROM reviews r WHERE r.segment_id = s.id)
                    OR EXISTS(SELECT 1 FROM codings c WHERE c.segment_id = s.id AND c.source != 'machine'))",
        )?;
        let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Segments cascade to their codings; reviews keep (document, text_hash).
    remove_document_tx(tx, id)?;
    let (doc_id, (), dropped_people_codings, relabelling) =
        insert_document_rows_tx(tx, doc, || ())?;
    tx.execute(
        "UPDATE documents SET content_hash = ?1 WHERE id = ?2",
        params![content_hash, doc_id],
    )?;
    let speaking: BTreeSet<&str> = doc
        .segments
        .iter()
        .filter_map(|s| s.participant_id.as_deref())
        .collect();
    let losses = ReplacedLosses {
        // Newly detached ones, by id: a version that brings one reviewed
        // sentence back and removes another is no net change of the count.
        detached_reviews: detached_reviews_tx(tx, &doc.name)?
            .difference(&detached_before)
            .count(),
        dropped_people_codings,
        // A relabelled participant speaks under their new id; an orphaned
        // one's id is another person's now.
        speakers_gone: workers_before
            .into_iter()
            .filter(|p| {
                !relabelling.keys.contains_key(p)
                    && (relabelling.orphaned_keys.contains(p) || !speaking.contains(p.as_str()))
            })
            .collect(),
    };
    Ok((IngestOutcome::Replaced, losses))
}

/// A document's reviews whose sentence is gone (kept, detached), by id.
fn detached_reviews_tx(tx: &Transaction, name: &str) -> Result<BTreeSet<i64>> {
    let mut stmt =
        tx.prepare("SELECT id FROM reviews WHERE document = ?1 AND segment_id IS NULL")?;
    let ids = stmt.query_map([name], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Inserts the document's row (its content hash empty: the caller sets it),
/// turns and segments, reattaches its detached reviews and people's work
/// and follows relabelled participants in the audit samples; returns its
/// id, what `alongside` returned, how many of people's codings of its
/// earlier version found no sentence (dropped), and the [`Relabelling`].
/// `alongside` runs on another thread while this one inserts the segments,
/// the longest write, once the sentence hashes are done (so that the two
/// do not compete for the cores the writer is waiting on).
fn insert_document_rows_tx<T: Send>(
    tx: &Transaction,
    doc: &Document,
    alongside: impl FnOnce() -> T + Send,
) -> Result<(i64, T, usize, Relabelling)> {
    tx.execute(
        "INSERT INTO documents(name, source_path, format, content_hash, text, ingested_at)
         VALUES (?1, ?2, ?3, '', ?4, ?5)",
        params![
            doc.name,
            doc.source_path,
            doc.format.as_str(),
            doc.text,
            now()
        ],
    )?;
    let doc_id = tx.last_insert_rowid();
    // Sentence hashes are independent of each other and of the turns: they
    // are computed on the other cores while this thread inserts the turns
    // (the connection stays on this thread), so the single SQLite writer
    // never waits for them (issue #17 item 6).
    let hashes = std::thread::scope(|scope| -> Result<Vec<String>> {
        let hashing = scope.spawn(|| {
            use rayon::prelude::*;
            doc.segments
                .par_iter()
                .map(|s| corpus::content_hash(s.text.as_bytes()))
                .collect::<Vec<String>>()
        });
        let turns = insert_turns_tx(tx, doc_id, doc);
        let hashes = hashing.join().expect("hashing sentences does not panic");
        turns.map(|()| hashes)
    })?;
    let alongside = std::thread::scope(|scope| -> Result<T> {
        let running = scope.spawn(alongside);
        let inserted = insert_segments_tx(tx, doc_id, doc, &hashes);
        let out = running
            .join()
            .expect("work alongside the writer does not panic");
        inserted.map(|()| out)
    })?;
    let speakers: BTreeSet<&str> = doc
        .segments
        .iter()
        .filter_map(|s| s.participant_id.as_deref())
        .collect();
    let mut speaker =
        tx.prepare("INSERT INTO document_speakers(document_id, participant_id) VALUES (?1, ?2)")?;
    for id in speakers {
        speaker.execute(params![doc_id, id])?;
    }
    // Reattach reviews, people's codings and gold coverage of sentences that
    // survived the edit.
    let relabelling = relabelling_tx(tx, doc_id, &doc.name)?;
    reattach_reviews_tx(tx, doc_id, &doc.name, &relabelling)?;
    let dropped = reattach_people_codings_tx(tx, doc_id, &doc.name, &relabelling)?;
    remap_audit_units_tx(tx, &relabelling)?;
    Ok((doc_id, alongside, dropped, relabelling))
}

fn insert_segments_tx(
    tx: &Transaction,
    doc_id: i64,
    doc: &Document,
    hashes: &[String],
) -> Result<()> {
    let rows: Vec<(&corpus::Segment, &String)> = doc.segments.iter().zip(hashes).collect();
    insert_rows(
        tx,
        "INSERT INTO segments(document_id, speaker, participant_id, is_moderator, turn_index,
                              sentence_index, start_char, end_char, start_ms, end_ms, text, text_hash)",
        12,
        &rows,
        |stmt, at, &(s, hash)| {
            stmt.raw_bind_parameter(at, doc_id)?;
            stmt.raw_bind_parameter(at + 1, s.speaker.as_deref())?;
            stmt.raw_bind_parameter(at + 2, s.participant_id.as_deref())?;
            stmt.raw_bind_parameter(at + 3, s.is_moderator)?;
            stmt.raw_bind_parameter(at + 4, s.turn_index as i64)?;
            stmt.raw_bind_parameter(at + 5, s.sentence_index as i64)?;
            stmt.raw_bind_parameter(at + 6, s.start_char as i64)?;
            stmt.raw_bind_parameter(at + 7, s.end_char as i64)?;
            stmt.raw_bind_parameter(at + 8, s.start_ms.map(|v| v as i64))?;
            stmt.raw_bind_parameter(at + 9, s.end_ms.map(|v| v as i64))?;
            stmt.raw_bind_parameter(at + 10, s.text.as_str())?;
            stmt.raw_bind_parameter(at + 11, hash.as_str())
        },
    )
}

fn insert_turns_tx(tx: &Transaction, doc_id: i64, doc: &Document) -> Result<()> {
    insert_rows(
        tx,
        "INSERT INTO turns(document_id, turn_index, speaker, role, is_moderator, start_char,
                           end_char, start_ms, end_ms)",
        9,
        &doc.turns,
        |stmt, at, t| {
            stmt.raw_bind_parameter(at, doc_id)?;
            stmt.raw_bind_parameter(at + 1, t.index as i64)?;
            stmt.raw_bind_parameter(at + 2, t.speaker.as_deref())?;
            stmt.raw_bind_parameter(at + 3, t.role.as_deref())?;
            stmt.raw_bind_parameter(at + 4, t.is_moderator)?;
            stmt.raw_bind_parameter(at + 5, t.start_char as i64)?;
            stmt.raw_bind_parameter(at + 6, t.end_char as i64)?;
            stmt.raw_bind_parameter(at + 7, t.start_ms.map(|v| v as i64))?;
            stmt.raw_bind_parameter(at + 8, t.end_ms.map(|v| v as i64))
        },
    )
}

/// Rows per multi-row `INSERT … VALUES (…), (…), …` statement.
const ROWS_PER_INSERT: usize = 64;

/// Inserts `rows` with `insert` (`INSERT INTO table(columns)`, `columns`
/// of them), [`ROWS_PER_INSERT`] rows per statement: one statement per row
/// spent a fifth of a large ingest's writing in starting and finishing
/// statements rather than in the B-trees (issue #17 item 6). `bind` binds
/// one row's values from parameter index `at` (1-based) on.
fn insert_rows<T>(
    tx: &Transaction,
    insert: &str,
    columns: usize,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> Result<()> {
    let sql = |n: usize| {
        let row = format!("({})", vec!["?"; columns].join(", "));
        format!("{insert} VALUES {}", vec![row; n].join(", "))
    };
    let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
    if chunks.len() > 0 {
        let mut stmt = tx.prepare(&sql(ROWS_PER_INSERT))?;
        for chunk in &mut chunks {
            for (i, row) in chunk.iter().enumerate() {
                bind(&mut stmt, 1 + i * columns, row)?;
            }
            stmt.raw_execute()?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut stmt = tx.prepare(&sql(rest.len()))?;
        for (i, row) in rest.iter().enumerate() {
            bind(&mut stmt, 1 + i * columns, row)?;
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// Deletes a document (its turns, segments and codings cascade) while its
/// reviews stay, detached, keyed by (document, text hash) and where they
/// were: the speaker and the occurrence of the text in that speaker's
/// sentences, for [`reattach_reviews_tx`] (two respondents who wrote the
/// same answer keep their own reviews).
/// Removes document `from` and points what it leaves for its next version
/// (reviews, attributes, detached codings and coverage) at the name `to`.
fn remove_moved_document_tx(tx: &Transaction, from: &str, to: &str) -> Result<()> {
    let id: i64 = tx.query_row("SELECT id FROM documents WHERE name = ?1", [from], |r| {
        r.get(0)
    })?;
    remove_document_tx(tx, id)?;
    for table in [
        "main.reviews",
        "main.document_attributes",
        "temp.detached_codings",
        "temp.detached_coverage",
        "temp.detached_coverage_coders",
        "temp.replaced_sentences",
        "temp.replaced_reviews",
    ] {
        tx.execute(
            &format!("UPDATE {table} SET document = ?2 WHERE document = ?1"),
            params![from, to],
        )?;
    }
    Ok(())
}

pub(crate) fn remove_document_tx(tx: &Transaction, id: i64) -> Result<()> {
    // The version's sentences, for [`reattach_reviews_tx`]: a sentence of
    // the new version that no speaker said so before is one a correction
    // moved (its speaker fixed), not another speaker's own same words.
    // With each sentence's audit unit key ([`UNIT_KEY`]), for
    // [`remap_audit_units_tx`], and its place in the document (its segment
    // id: segments are written in document order), for the alignment of
    // the old sentences with the new ([`sentence_successors`]).
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS replaced_sentences(
             document TEXT NOT NULL, voice TEXT NOT NULL, text_hash TEXT NOT NULL,
             occurrence INTEGER NOT NULL, unit_key TEXT NOT NULL, position INTEGER NOT NULL);",
    )?;
    tx.execute(
        &format!(
            "INSERT INTO temp.replaced_sentences
             SELECT d.name, s.voice, s.text_hash, s.occurrence, {UNIT_KEY}, s.id
             FROM ({SENTENCE_OCCURRENCES}) s JOIN main.segments g ON g.id = s.id
             JOIN main.documents d ON d.id = ?1"
        ),
        [id],
    )?;
    // The reviews this version held, which [`reattach_reviews_tx`] gives
    // to their sentences' successors; a review detached by an earlier
    // version knows its sentence by that version's numbering only.
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS replaced_reviews(
             document TEXT NOT NULL, review INTEGER NOT NULL);",
    )?;
    tx.execute(
        "INSERT INTO temp.replaced_reviews
         SELECT d.name, r.id FROM main.reviews r JOIN main.segments g ON g.id = r.segment_id
         JOIN main.documents d ON d.id = g.document_id WHERE g.document_id = ?1",
        [id],
    )?;
    tx.execute(
        &format!(
            "UPDATE main.reviews SET segment_id = NULL,
                 detached_voice = (SELECT s.voice FROM ({SENTENCE_OCCURRENCES}) s WHERE s.id = main.reviews.segment_id),
                 detached_occurrence = (SELECT s.occurrence FROM ({SENTENCE_OCCURRENCES}) s WHERE s.id = main.reviews.segment_id)
             WHERE segment_id IN (SELECT id FROM main.segments WHERE document_id = ?1)"
        ),
        [id],
    )?;
    detach_people_codings_tx(tx, id)?;
    tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
    Ok(())
}

/// A document's sentences numbered within their speaker and text: the
/// k-th sentence (by id, so in document order) whose speaker label (and
/// role) is s and text hash is h is (s, h, k): the name a detached review,
/// coding or coverage row keeps of its sentence. Which new sentence an old
/// (s, h, k) is, is not read from the new numbering but from an alignment
/// of the two versions ([`sentence_successors`]): a repeat of the words
/// inserted earlier in the transcript is the k-th one now, and is not the
/// sentence people decided. An interviewer's "Yeah." added never takes a
/// participant's "Yeah." coding (numbered across speakers, it did).
const SENTENCE_OCCURRENCES: &str = "SELECT id, text_hash,
        COALESCE(speaker, '') || char(31) || is_moderator AS voice,
        ROW_NUMBER() OVER (PARTITION BY speaker, is_moderator, text_hash ORDER BY id) AS occurrence
     FROM segments WHERE document_id = ?1";

/// A sentence's participant as an audit sample by participant keys it
/// (`report::freq::speaker_key`, `report::ppi::AuditUnit::key`), of the
/// segment `g` in the document `d`: its participant id, else its speaker
/// in that document.
const UNIT_KEY: &str = "CASE WHEN g.participant_id IS NOT NULL THEN g.participant_id
          WHEN g.speaker IS NOT NULL THEN g.speaker || ' @ ' || d.name
          ELSE '(unknown) @ ' || d.name END";

/// Sets aside the people's codings (human and gold, not the machine's,
/// which a re-run recomputes) and the gold coverage of a document about to
/// be replaced, by document name and each sentence's (text hash,
/// occurrence), in temporary tables of this connection:
/// [`reattach_people_codings_tx`] gives them back to the new version's
/// sentences of the same text. Before, segments cascaded to every coding,
/// so correcting one sentence of a transcript deleted its gold and human
/// codings with no word.
fn detach_people_codings_tx(tx: &Transaction, id: i64) -> Result<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS detached_codings(
             document TEXT NOT NULL, voice TEXT NOT NULL, text_hash TEXT NOT NULL, occurrence INTEGER NOT NULL,
             code_id TEXT NOT NULL, codebook_version INTEGER, source TEXT NOT NULL, coder TEXT NOT NULL,
             confidence REAL, assigned INTEGER NOT NULL, model_key TEXT, classifier TEXT, created_at TEXT NOT NULL);
         CREATE TEMP TABLE IF NOT EXISTS detached_coverage(
             document TEXT NOT NULL, voice TEXT NOT NULL, text_hash TEXT NOT NULL, occurrence INTEGER NOT NULL,
             codebook_version INTEGER);
         CREATE TEMP TABLE IF NOT EXISTS detached_coverage_coders(
             document TEXT NOT NULL, voice TEXT NOT NULL, text_hash TEXT NOT NULL, occurrence INTEGER NOT NULL,
             coder TEXT NOT NULL, codebook_version INTEGER);",
    )?;
    tx.execute(
        &format!(
            "INSERT INTO temp.detached_codings
             SELECT d.name, s.voice, s.text_hash, s.occurrence, c.code_id, c.codebook_version, c.source, c.coder,
                    c.confidence, c.assigned, c.model_key, c.classifier, c.created_at
             FROM main.codings c JOIN ({SENTENCE_OCCURRENCES}) s ON s.id = c.segment_id
             JOIN main.documents d ON d.id = ?1
             WHERE c.source != 'machine' ORDER BY c.id"
        ),
        [id],
    )?;
    tx.execute(
        &format!(
            "INSERT INTO temp.detached_coverage
             SELECT d.name, s.voice, s.text_hash, s.occurrence, g.codebook_version
             FROM main.gold_coverage g JOIN ({SENTENCE_OCCURRENCES}) s ON s.id = g.segment_id
             JOIN main.documents d ON d.id = ?1"
        ),
        [id],
    )?;
    // Who covered each sentence (migration 019) follows it as its coverage does.
    tx.execute(
        &format!(
            "INSERT INTO temp.detached_coverage_coders
             SELECT d.name, s.voice, s.text_hash, s.occurrence, k.coder, k.codebook_version
             FROM main.gold_coverage_coders k JOIN ({SENTENCE_OCCURRENCES}) s ON s.id = k.segment_id
             JOIN main.documents d ON d.id = ?1"
        ),
        [id],
    )?;
    Ok(())
}

/// How the speakers of a replaced document's version before map onto its
/// new version's ([`relabelling_tx`]): what its reviews, people's codings,
/// gold coverage and audit sample follow. Empty where nothing was replaced.
#[derive(Debug, Default)]
pub(crate) struct Relabelling {
    /// The version before's sentences: (voice, text hash, occurrence).
    before: HashSet<(String, String, i64)>,
    /// Old voice → new voice ([`relabelled_voices`]).
    voices: HashMap<String, String>,
    /// Old voices not relabelled whose label a relabelled voice now has
    /// (a survey's test row `Respondent 1`, deleted, whose label the next
    /// row took): the sentences under that label are another person's, so
    /// their work does not go there.
    orphaned: HashSet<String>,
    /// Participants' audit unit keys ([`UNIT_KEY`]) of relabelled voices,
    /// old → new, where each is one voice's of this document and speaks in
    /// no other (`responses.csv/Respondent 2` → `responses.csv/Respondent 1`).
    keys: HashMap<String, String>,
    /// Such keys of orphaned voices, where they now name another voice.
    orphaned_keys: HashSet<String>,
    /// The version before's sentences (voice, text hash, occurrence) that
    /// are sentences of the new version, and which (segment id):
    /// [`sentence_successors`]. What reviews, people's codings and gold
    /// coverage of the version before go to.
    successors: HashMap<(String, String, i64), i64>,
    /// The reviews the version before held (by id): detached by this
    /// replacement, they go to their sentences' successors.
    reviews: HashSet<i64>,
}

/// The [`Relabelling`] of document `doc_id` (named `name`), whose version
/// before [`remove_document_tx`] set aside in `temp.replaced_sentences`
/// (taken from there: each replacement is looked at once). Before, only
/// reviews followed a relabelled speaker, and only when the document had
/// detached reviews; people's codings and gold coverage joined on the old
/// label, so a Google Forms export re-downloaded without its test row (each
/// later `Respondent N` one lower) dropped all of them (hv/03).
pub(crate) fn relabelling_tx(tx: &Transaction, doc_id: i64, name: &str) -> Result<Relabelling> {
    let replaced: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_temp_master WHERE name = 'replaced_sentences')",
        [],
        |r| r.get(0),
    )?;
    if !replaced {
        return Ok(Relabelling::default());
    }
    let rows: Vec<(String, String, i64, String)> = {
        let mut stmt = tx.prepare(
            "SELECT voice, text_hash, occurrence, unit_key FROM temp.replaced_sentences
             WHERE document = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let reviews: HashSet<i64> = {
        let mut stmt =
            tx.prepare("SELECT review FROM temp.replaced_reviews WHERE document = ?1")?;
        let ids = stmt.query_map([name], |r| r.get(0))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    tx.execute(
        "DELETE FROM temp.replaced_reviews WHERE document = ?1",
        [name],
    )?;
    if rows.is_empty() {
        return Ok(Relabelling::default());
    }
    tx.execute(
        "DELETE FROM temp.replaced_sentences WHERE document = ?1",
        [name],
    )?;
    // Voice → the audit unit keys of its sentences, before and now; the
    // sentences of both versions in document order, for the alignment.
    let mut old_keys: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut before: HashSet<(String, String, i64)> = HashSet::new();
    let mut old_order: Vec<(String, String, i64)> = Vec::with_capacity(rows.len());
    for (voice, hash, occurrence, key) in rows {
        old_keys.entry(voice.clone()).or_default().insert(key);
        before.insert((voice.clone(), hash.clone(), occurrence));
        old_order.push((voice, hash, occurrence));
    }
    let mut now: HashSet<(String, String, i64)> = HashSet::new();
    let mut new_keys: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut new_order: Vec<(i64, String, String)> = Vec::new();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT s.voice, s.text_hash, s.occurrence, {UNIT_KEY}, s.id
             FROM ({SENTENCE_OCCURRENCES}) s JOIN main.segments g ON g.id = s.id
             JOIN main.documents d ON d.id = ?1 ORDER BY s.id"
        ))?;
        let rows = stmt.query_map([doc_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (voice, hash, occurrence, key, id) = row?;
            new_keys.entry(voice.clone()).or_default().insert(key);
            new_order.push((id, voice.clone(), hash.clone()));
            now.insert((voice, hash, occurrence));
        }
    }
    let voices = relabelled_voices(&before, &now);
    let taken: HashSet<&str> = voices.values().map(String::as_str).collect();
    let orphaned: HashSet<String> = old_keys
        .keys()
        .filter(|v| !voices.contains_key(*v) && taken.contains(v.as_str()))
        .cloned()
        .collect();
    let mut keys = HashMap::new();
    let mut orphaned_keys = HashSet::new();
    if !voices.is_empty() {
        // A voice's key, where it has one and no other voice has it.
        let own = |by_voice: &HashMap<String, BTreeSet<String>>, voice: &str| {
            let mine = by_voice.get(voice).filter(|k| k.len() == 1)?;
            let key = mine.first()?;
            let shared = by_voice.iter().any(|(v, k)| v != voice && k.contains(key));
            (!shared).then(|| key.clone())
        };
        // A participant who speaks in another document too is more than
        // this document's voice: their unit is not this label's to move.
        let mut elsewhere_stmt = tx.prepare(
            "SELECT EXISTS(SELECT 1 FROM main.document_speakers
                           WHERE participant_id = ?1 AND document_id != ?2)",
        )?;
        let mut elsewhere = |key: &str| -> Result<bool> {
            Ok(elsewhere_stmt.query_row(params![key, doc_id], |r| r.get(0))?)
        };
        for (old, new) in &voices {
            if let (Some(from), Some(to)) = (own(&old_keys, old), own(&new_keys, new)) {
                if from != to && !elsewhere(&from)? && !elsewhere(&to)? {
                    keys.insert(from, to);
                }
            }
        }
        let named_now: HashSet<&str> = new_keys.values().flatten().map(String::as_str).collect();
        for voice in &orphaned {
            if let Some(key) = own(&old_keys, voice) {
                if named_now.contains(key.as_str()) && !elsewhere(&key)? {
                    orphaned_keys.insert(key);
                }
            }
        }
    }
    let successors = sentence_successors(&old_order, &new_order, &voices, &orphaned);
    Ok(Relabelling {
        before,
        voices,
        orphaned,
        keys,
        orphaned_keys,
        successors,
        reviews,
    })
}

/// Gives a replaced document's people's codings and gold coverage
/// ([`detach_people_codings_tx`]) to the successors of their sentences
/// ([`Relabelling::successors`], [`sentence_successors`]), where the
/// project does not hold the same coding already (a merged shard's copy):
/// the same speaker's sentence of the same text in the same place, under
/// a relabelled speaker's new label, or the line a transcriber gave to
/// another speaker, as reviews follow it ([`reattach_reviews_tx`]). An
/// orphaned speaker's are dropped. Those whose sentence the edit removed
/// or changed are dropped: they coded a text that no longer exists.
/// Returns how many codings were dropped, less the human codings whose
/// review found a sentence of the same text in this version (ingest
/// re-creates them from the review: `Store::restore_review_codings`), so
/// that the ingest's warning does not call a coding lost that it keeps.
pub(crate) fn reattach_people_codings_tx(
    tx: &Transaction,
    doc_id: i64,
    name: &str,
    relabelling: &Relabelling,
) -> Result<usize> {
    let held: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_temp_master WHERE name = 'detached_codings')",
        [],
        |r| r.get(0),
    )?;
    if !held {
        return Ok(0);
    }
    let detached: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM temp.detached_codings WHERE document = ?1)
             OR EXISTS(SELECT 1 FROM temp.detached_coverage WHERE document = ?1)",
        [name],
        |r| r.get(0),
    )?;
    if !detached {
        return Ok(0);
    }
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS sentence_successors(
             voice TEXT NOT NULL, text_hash TEXT NOT NULL, occurrence INTEGER NOT NULL,
             segment_id INTEGER NOT NULL, PRIMARY KEY (voice, text_hash, occurrence));
         DELETE FROM temp.sentence_successors;",
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO temp.sentence_successors(voice, text_hash, occurrence, segment_id)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for ((voice, hash, occurrence), segment) in &relabelling.successors {
            insert.execute(params![voice, hash, occurrence, segment])?;
        }
    }
    tx.execute(
        "INSERT INTO main.codings(segment_id, code_id, codebook_version, source, coder, confidence,
                                  assigned, model_key, classifier, created_at)
         SELECT s.segment_id, d.code_id, d.codebook_version, d.source, d.coder, d.confidence,
                d.assigned, d.model_key, d.classifier, d.created_at
         FROM temp.detached_codings d JOIN temp.sentence_successors s
           ON s.voice = d.voice AND s.text_hash = d.text_hash AND s.occurrence = d.occurrence
         WHERE d.document = ?1 AND NOT EXISTS (
             SELECT 1 FROM main.codings c WHERE c.segment_id = s.segment_id AND c.code_id = d.code_id
                 AND c.source = d.source AND c.coder = d.coder)
         ORDER BY d.rowid",
        [name],
    )?;
    let dropped: usize = tx.query_row(
        "SELECT COUNT(*) FROM temp.detached_codings d
         WHERE d.document = ?1
           AND NOT EXISTS (SELECT 1 FROM temp.sentence_successors s
                           WHERE s.voice = d.voice AND s.text_hash = d.text_hash
                             AND s.occurrence = d.occurrence)
           AND NOT (d.source = 'human' AND EXISTS (
               SELECT 1 FROM main.reviews r JOIN main.segments g ON g.id = r.segment_id
               WHERE g.document_id = ?2 AND r.text_hash = d.text_hash AND r.reviewer = d.coder
                 AND ((r.decision = 'accept' AND r.code_id = d.code_id)
                      OR (r.decision IN ('add', 'recode') AND r.new_code_id = d.code_id))
                 AND NOT EXISTS (SELECT 1 FROM main.codings c
                                 WHERE c.segment_id = r.segment_id AND c.code_id = d.code_id
                                   AND c.source = 'human' AND c.coder = d.coder)))",
        params![name, doc_id],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO main.gold_coverage(segment_id, codebook_version)
         SELECT s.segment_id, d.codebook_version
         FROM temp.detached_coverage d JOIN temp.sentence_successors s
           ON s.voice = d.voice AND s.text_hash = d.text_hash AND s.occurrence = d.occurrence
         WHERE d.document = ?1",
        [name],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO main.gold_coverage_coders(segment_id, coder, codebook_version)
         SELECT s.segment_id, d.coder, d.codebook_version
         FROM temp.detached_coverage_coders d JOIN temp.sentence_successors s
           ON s.voice = d.voice AND s.text_hash = d.text_hash AND s.occurrence = d.occurrence
         WHERE d.document = ?1",
        [name],
    )?;
    tx.execute_batch("DELETE FROM temp.sentence_successors;")?;
    tx.execute(
        "DELETE FROM temp.detached_codings WHERE document = ?1",
        [name],
    )?;
    tx.execute(
        "DELETE FROM temp.detached_coverage WHERE document = ?1",
        [name],
    )?;
    tx.execute(
        "DELETE FROM temp.detached_coverage_coders WHERE document = ?1",
        [name],
    )?;
    Ok(dropped)
}

/// Follows a re-ingest's relabelled participants ([`Relabelling::keys`])
/// in the audit samples drawn by participant, so that the units people
/// coded blind still name the same people: `responses.csv/Respondent 2`,
/// now `responses.csv/Respondent 1` after the test row above it was
/// deleted, is that unit under the new id. A unit whose person left the
/// document while another took their id ([`Relabelling::orphaned_keys`]),
/// or whose id a relabelled unit of the sample now has, leaves the sample:
/// it would name someone who was not drawn. The rest keep their keys and
/// places. Returns how many units were renamed or left. Before, the keys
/// stayed, each naming the next person up, and the report's audited units
/// were other people's (hv/03).
pub(crate) fn remap_audit_units_tx(tx: &Transaction, relabelling: &Relabelling) -> Result<usize> {
    if relabelling.keys.is_empty() && relabelling.orphaned_keys.is_empty() {
        return Ok(0);
    }
    if !crate::table_exists(tx, "audit_units")? {
        return Ok(0);
    }
    let samples: Vec<i64> = tx
        .prepare("SELECT id FROM main.audit_samples WHERE unit = 'participant' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut changed = 0;
    for sample in samples {
        let units: Vec<(i64, String)> = tx
            .prepare(
                "SELECT position, unit_key FROM main.audit_units WHERE sample_id = ?1
                 ORDER BY position",
            )?
            .query_map([sample], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let renamed_to: HashSet<&str> = units
            .iter()
            .filter_map(|(_, k)| relabelling.keys.get(k))
            .map(String::as_str)
            .collect();
        let mut kept: Vec<(i64, &str)> = Vec::with_capacity(units.len());
        let mut moved = 0;
        for (position, key) in &units {
            if let Some(new) = relabelling.keys.get(key) {
                kept.push((*position, new));
                moved += 1;
            } else if relabelling.orphaned_keys.contains(key) || renamed_to.contains(key.as_str()) {
                moved += 1;
            } else {
                kept.push((*position, key));
            }
        }
        if moved == 0 {
            continue;
        }
        changed += moved;
        tx.execute(
            "DELETE FROM main.audit_units WHERE sample_id = ?1",
            [sample],
        )?;
        let mut insert = tx.prepare(
            "INSERT INTO main.audit_units(sample_id, position, unit_key) VALUES (?1, ?2, ?3)",
        )?;
        for (position, key) in kept {
            insert.execute(params![sample, position, key])?;
        }
    }
    Ok(changed)
}

/// The speakers a re-ingest relabelled: old voice → new voice, where the
/// old speaker's sentences (text hash and occurrence, `before`) are, for
/// more than half of them, another voice's in the new version (`now`) and
/// more of them than that voice's own label keeps. Generic labels renamed
/// to pseudonyms (`Speaker 2` → `Maria`), or a survey's `Respondent N` by
/// row after a deleted row moved every later label by one. One to one: two
/// old voices that would share a new one keep their own. Before, such a
/// review went to the first sentence of its text, whoever said it (hc/02:
/// John's rejection of "They were rude." landed on Maria's), or to the
/// sentence of its text now under the old label (hc/03: two respondents'
/// "Waiting times." swapped decisions).
fn relabelled_voices(
    before: &HashSet<(String, String, i64)>,
    now: &HashSet<(String, String, i64)>,
) -> HashMap<String, String> {
    let mut now_voices: HashMap<(&str, i64), Vec<&str>> = HashMap::new();
    for (voice, hash, occurrence) in now {
        now_voices
            .entry((hash.as_str(), *occurrence))
            .or_default()
            .push(voice.as_str());
    }
    let mut old_sizes: HashMap<&str, usize> = HashMap::new();
    // (old voice, new voice) → sentences they share.
    let mut shared: HashMap<(&str, &str), usize> = HashMap::new();
    for (voice, hash, occurrence) in before {
        *old_sizes.entry(voice.as_str()).or_default() += 1;
        for new in now_voices
            .get(&(hash.as_str(), *occurrence))
            .into_iter()
            .flatten()
        {
            *shared.entry((voice.as_str(), new)).or_default() += 1;
        }
    }
    // Each old voice's best new one and each new voice's best old one; a
    // tie is no best.
    let mut best_new: HashMap<&str, (usize, Option<&str>)> = HashMap::new();
    let mut best_old: HashMap<&str, (usize, Option<&str>)> = HashMap::new();
    for (&(old, new), &n) in &shared {
        for (map, key, value) in [(&mut best_new, old, new), (&mut best_old, new, old)] {
            let e = map.entry(key).or_insert((0, None));
            if n > e.0 {
                *e = (n, Some(value));
            } else if n == e.0 && e.1 != Some(value) {
                e.1 = None;
            }
        }
    }
    // Mutual bests only: an answer edited into words another respondent
    // also wrote (RA's sentence now RB's words) does not make RA RB, whose
    // own sentences are still best explained by RB.
    let mut map: HashMap<String, String> = HashMap::new();
    for (old, &(n, new)) in &best_new {
        let Some(new) = new else { continue };
        let own = shared.get(&(*old, *old)).copied().unwrap_or(0);
        let mutual = best_old.get(new).and_then(|b| b.1) == Some(*old);
        if new != *old && mutual && n > own && 2 * n > old_sizes[old] {
            map.insert(old.to_string(), new.to_string());
        }
    }
    map
}

/// Which sentence of a replaced document's new version each sentence of
/// its version before is: `before` (voice, text hash, occurrence) and
/// `now` (segment id, voice, text hash), each in document order, aligned
/// as a diff tool aligns two versions of a file, on (voice, text hash),
/// an old voice read as its new label where `voices` relabelled it. An
/// orphaned voice's sentences ([`Relabelling::orphaned`]) are no one's
/// now. Three passes, each on what the ones before left:
///
/// 1. the longest common subsequence ([`common_subsequence`]): the
///    sentences that kept their text, speaker and order;
/// 2. within each stretch between two sentences the first pass kept, the
///    same (voice, text) in order (a stretch too long for the first pass
///    to align), then the same text said by another speaker: a transcriber
///    corrected who said the line, which stays where it was;
/// 3. runs of two or more sentences that read the same (voice and text)
///    on both sides: a passage moved; then a sentence whose speaker says
///    its words once among the rest on each side, after the same question
///    (the moderator's sentence before it): a survey export's rows sorted
///    otherwise.
///
/// The rest have no successor: their sentence was removed or changed, and
/// a new sentence of the same words elsewhere, with nothing around it
/// that was there before, is another one (a sentence alone that moved to
/// another question loses its work, which the ingest reports, rather than
/// work moving silently to a repeat of its words that no one decided). Before,
/// old and new sentences were paired by occurrence (a speaker's k-th
/// sentence of a text to their k-th), so a repeat of the words inserted
/// earlier in the transcript took the review, the human and the gold
/// codings of the sentence people had decided, and that sentence had none
/// (h20/01); and a line given to another speaker kept its review but lost
/// its gold coding and coverage (h20/02).
fn sentence_successors(
    before: &[(String, String, i64)],
    now: &[(i64, String, String)],
    voices: &HashMap<String, String>,
    orphaned: &HashSet<String>,
) -> HashMap<(String, String, i64), i64> {
    // (voice, text) and text as numbers, the same in both versions.
    fn number<K: Eq + std::hash::Hash>(numbers: &mut HashMap<K, u32>, key: K) -> u32 {
        let next = numbers.len() as u32;
        *numbers.entry(key).or_insert(next)
    }
    let mut said: HashMap<(&str, &str), u32> = HashMap::new();
    let mut texts: HashMap<&str, u32> = HashMap::new();
    // The old sentences that are still someone's, by their index in `before`.
    let old_at: Vec<usize> = (0..before.len())
        .filter(|&i| !orphaned.contains(&before[i].0))
        .collect();
    let old_voices: Vec<&str> = old_at
        .iter()
        .map(|&i| voices.get(&before[i].0).unwrap_or(&before[i].0).as_str())
        .collect();
    let old: Vec<(u32, u32)> = old_at
        .iter()
        .zip(&old_voices)
        .map(|(&i, &voice)| {
            let hash = before[i].1.as_str();
            (number(&mut said, (voice, hash)), number(&mut texts, hash))
        })
        .collect();
    let new: Vec<(u32, u32)> = now
        .iter()
        .map(|(_, voice, hash)| {
            (
                number(&mut said, (voice.as_str(), hash.as_str())),
                number(&mut texts, hash.as_str()),
            )
        })
        .collect();
    // Each sentence's question: the (voice, text) of the last moderator's
    // sentence before it ([`SENTENCE_OCCURRENCES`]' voice ends in the
    // moderator flag).
    let asked = |voices: &mut dyn Iterator<Item = &str>, tokens: &[(u32, u32)]| {
        let mut last: Option<u32> = None;
        voices
            .zip(tokens)
            .map(|(voice, token)| {
                let question = last;
                if voice.ends_with("\u{1f}1") {
                    last = Some(token.0);
                }
                question
            })
            .collect::<Vec<Option<u32>>>()
    };
    let old_asked = asked(&mut old_voices.iter().copied(), &old);
    let new_asked = asked(&mut now.iter().map(|(_, v, _)| v.as_str()), &new);
    let mut to_new: Vec<Option<usize>> = vec![None; old.len()];
    let mut from_old: Vec<bool> = vec![false; new.len()];
    let kept = common_subsequence(
        &old.iter().map(|t| t.0).collect::<Vec<_>>(),
        &new.iter().map(|t| t.0).collect::<Vec<_>>(),
    );
    for &(i, j) in &kept {
        to_new[i] = Some(j);
        from_old[j] = true;
    }
    // Pairs the unpaired old sentences of `olds` with the unpaired new ones
    // of `news` whose `key` is the same, in order.
    let mut pair = |olds: std::ops::Range<usize>,
                    news: std::ops::Range<usize>,
                    key: fn(&(u32, u32)) -> u32,
                    to_new: &mut Vec<Option<usize>>| {
        let mut open: HashMap<u32, std::collections::VecDeque<usize>> = HashMap::new();
        for j in news.filter(|&j| !from_old[j]) {
            open.entry(key(&new[j])).or_default().push_back(j);
        }
        for i in olds {
            if to_new[i].is_some() {
                continue;
            }
            if let Some(j) = open.get_mut(&key(&old[i])).and_then(|q| q.pop_front()) {
                to_new[i] = Some(j);
                from_old[j] = true;
            }
        }
    };
    let mut from = (0, 0);
    for &(i, j) in kept.iter().chain([&(old.len(), new.len())]) {
        pair(from.0..i, from.1..j, |t| t.0, &mut to_new);
        pair(from.0..i, from.1..j, |t| t.1, &mut to_new);
        from = (i + 1, j + 1);
    }
    // Runs of unpaired sentences that read the same on both sides.
    let mut unpaired_at: HashMap<u32, Vec<usize>> = HashMap::new();
    for j in (0..new.len()).filter(|&j| !from_old[j]) {
        unpaired_at.entry(new[j].0).or_default().push(j);
    }
    let run = |to_new: &[Option<usize>], from_old: &[bool], i: usize, j: usize| {
        (0..)
            .take_while(|&t| {
                i + t < old.len()
                    && j + t < new.len()
                    && to_new[i + t].is_none()
                    && !from_old[j + t]
                    && old[i + t].0 == new[j + t].0
            })
            .count()
    };
    let mut i = 0;
    while i < old.len() {
        let moved = match to_new[i] {
            Some(_) => None,
            None => unpaired_at
                .get(&old[i].0)
                .into_iter()
                .flatten()
                .map(|&j| (j, run(&to_new, &from_old, i, j)))
                .find(|&(_, n)| n >= 2),
        };
        let Some((j, n)) = moved else {
            i += 1;
            continue;
        };
        for t in 0..n {
            to_new[i + t] = Some(j + t);
            from_old[j + t] = true;
        }
        i += n;
    }
    // Sentences whose speaker says their words once among the rest on
    // each side, after the same question.
    let mut once: HashMap<u32, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, t) in old.iter().enumerate().filter(|(i, _)| to_new[*i].is_none()) {
        once.entry(t.0).or_default().0.push(i);
    }
    for (j, t) in new.iter().enumerate().filter(|(j, _)| !from_old[*j]) {
        once.entry(t.0).or_default().1.push(j);
    }
    for (olds, news) in once.values() {
        if let ([i], [j]) = (olds.as_slice(), news.as_slice()) {
            if old_asked[*i] == new_asked[*j] {
                to_new[*i] = Some(*j);
            }
        }
    }
    old_at
        .into_iter()
        .zip(to_new)
        .filter_map(|(i, j)| Some((before[i].clone(), now[j?].0)))
        .collect()
}

/// Most cells of the table a longest common subsequence fills for what
/// two versions do not share at their head and tail (16 MiB); beyond it
/// [`common_subsequence`] takes patience diff.
const ALIGNED_CELLS: usize = 1 << 22;

/// A longest common subsequence of `old` and `new`: the (old index, new
/// index) pairs of equal items it keeps, in order, by `similar`'s diff
/// algorithms. Where what the versions do not share at their head and tail
/// (one edit in a long transcript leaves little between) fits
/// [`ALIGNED_CELLS`], by dynamic programming, each item matched where it
/// meets its equal, and between two optima the one that reads the new
/// version's items as added before the old ones (a passage inserted
/// earlier, the words of an edited sentence repeated in it, leave the old
/// sentence where it was): `similar` reads the first version's items as
/// removed first, so the versions go in swapped. A larger remainder by
/// patience diff: aligned at the items it holds once in `old` and once in
/// `new` (the longest increasing run of them), the stretches between by
/// Myers' diff, its work bounded.
fn common_subsequence(old: &[u32], new: &[u32]) -> Vec<(usize, usize)> {
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (rows, cols) = (old.len() - head - tail, new.len() - head - tail);
    let algorithm = if (rows + 1).saturating_mul(cols + 1) <= ALIGNED_CELLS {
        similar::Algorithm::Lcs
    } else {
        similar::Algorithm::Patience
    };
    // Without `similar`'s compaction, which slides an edit along a run of
    // equal items and so undoes that choice between optima.
    let mut ops = similar::algorithms::Capture::new();
    let aligned = similar::algorithms::diff_slices(algorithm, &mut ops, new, old);
    let Ok(()) = aligned;
    ops.into_ops()
        .into_iter()
        .filter_map(|op| match op {
            similar::DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => Some((new_index, old_index, len)),
            _ => None,
        })
        .flat_map(|(i, j, len)| (0..len).map(move |k| (i + k, j + k)))
        .collect()
}

/// Reattaches detached reviews of a document to the sentences whose text
/// survived: a review of the version this re-ingest replaced to its
/// sentence's successor ([`sentence_successors`]: the same speaker's
/// sentence in the same place among the sentences that did not change, or
/// the line in its place that a transcriber gave to another speaker), as
/// people's codings are; while its speaker still speaks in the document
/// without a successor, it stays detached (its sentence is gone). One
/// detached by an earlier re-ingest (it knows where it was:
/// [`remove_document_tx`] wrote its speaker and occurrence) goes to the
/// first sentence of the same speaker and text that this re-ingest added
/// (its text returned; without the version before, the one of the same
/// occurrence); while that speaker still speaks without it, it stays
/// detached unless this re-ingest gave the text to another speaker where
/// no one said it so before. A
/// speaker relabelled ([`Relabelling`]) is looked for under the new
/// label; an orphaned one's stays detached (another person speaks under
/// its label now). The rest (its speaker gone, a review detached before migration
/// 016) go to the one participant's sentence with the same text hash, else
/// the first moderator's; where several participants said that text, the
/// review stays detached (kept, and reported by the ingest) rather than
/// go to one of them at random. Before, every
/// review went to the first sentence of its text: in a survey where two
/// respondents wrote "Fix the hoists.", a re-ingest moved the second's
/// review onto the first; and a respondent's review whose answer was
/// edited went to another respondent who had written the same.
/// The lookup is built here, from the document's own sentences, rather than
/// by an index on `segments(text_hash)`: that index cost every ingest a
/// B-tree filled in random order (migration 010), and this runs only when
/// the document has detached reviews.
pub(crate) fn reattach_reviews_tx(
    tx: &Transaction,
    doc_id: i64,
    name: &str,
    relabelling: &Relabelling,
) -> Result<()> {
    let detached: Vec<(i64, String, Option<String>, Option<i64>)> = {
        let mut stmt = tx.prepare(
            "SELECT id, text_hash, detached_voice, detached_occurrence FROM reviews
             WHERE document = ?1 AND segment_id IS NULL",
        )?;
        let rows = stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if detached.is_empty() {
        return Ok(());
    }
    // The sentences the version before this one had, where this ingest
    // replaced it (none for a review detached by an earlier ingest).
    let before = &relabelling.before;
    // One pass over the document's sentences, participants' first (a
    // review decides a machine suggestion, which only a participant's
    // sentence has, so an interviewer's "Yeah." added before theirs does
    // not take it): (voice, text hash, occurrence) → sentence, the voices
    // that speak, text hash → its first sentence, and text hash (and voice,
    // text hash) → its first sentence that is none of the version before's
    // (where a corrected speaker label moved it, or the text returned).
    let mut placed: HashMap<(String, String, i64), i64> = HashMap::new();
    let mut voices: HashSet<String> = HashSet::new();
    let mut first: HashMap<String, i64> = HashMap::new();
    let mut moved: HashMap<String, i64> = HashMap::new();
    let mut returned: HashMap<(String, String), i64> = HashMap::new();
    let succeeding: HashSet<i64> = relabelling.successors.values().copied().collect();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT o.id, o.text_hash, o.voice, o.occurrence
             FROM ({SENTENCE_OCCURRENCES}) o JOIN segments s ON s.id = o.id
             ORDER BY s.is_moderator, o.id"
        ))?;
        let rows = stmt.query_map([doc_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (id, hash, voice, occurrence) = row?;
            first.entry(hash.clone()).or_insert(id);
            let key = (voice, hash, occurrence);
            if !before.is_empty() && !succeeding.contains(&id) {
                moved.entry(key.1.clone()).or_insert(id);
                returned.entry((key.0.clone(), key.1.clone())).or_insert(id);
            }
            voices.insert(key.0.clone());
            placed.insert(key, id);
        }
    }
    // Participants' sentences per text: a text several said is no place
    // for a review whose speaker is unknown.
    let mut said: HashMap<&str, usize> = HashMap::new();
    for (voice, hash, _) in placed.keys() {
        if voice.ends_with("\u{1f}0") {
            *said.entry(hash.as_str()).or_default() += 1;
        }
    }
    let unique_first = |hash: &str| {
        first
            .get(hash)
            .copied()
            .filter(|_| said.get(hash).copied().unwrap_or(0) <= 1)
    };
    let mut update = tx.prepare("UPDATE reviews SET segment_id = ?1 WHERE id = ?2")?;
    for (review, hash, voice, occurrence) in detached {
        let segment = match (voice, occurrence) {
            // Another person speaks under its label now.
            (Some(v), Some(_)) if relabelling.orphaned.contains(&v) => None,
            (Some(v), Some(k)) if relabelling.reviews.contains(&review) => {
                let was = (v, hash, k);
                match relabelling.successors.get(&was) {
                    Some(id) => Some(*id),
                    // Its sentence is gone: it stays detached while its
                    // speaker speaks, not on another sentence of the same
                    // words (a repeat inserted elsewhere).
                    None => {
                        let v = relabelling.voices.get(&was.0).unwrap_or(&was.0);
                        if voices.contains(v) {
                            None
                        } else {
                            unique_first(&was.1)
                        }
                    }
                }
            }
            // Detached by an earlier version: its occurrence is that
            // version's. A sentence of its speaker and text the version
            // before had is not its own (it would have come back to it).
            (Some(v), Some(k)) => {
                let v = relabelling.voices.get(&v).cloned().unwrap_or(v);
                let own = if before.is_empty() {
                    placed.get(&(v.clone(), hash.clone(), k))
                } else {
                    returned.get(&(v.clone(), hash.clone()))
                };
                match own {
                    Some(id) => Some(*id),
                    // Its speaker still speaks: its sentence is gone, unless
                    // a corrected label moved it to another speaker.
                    None if voices.contains(&v) => moved.get(&hash).copied(),
                    None => unique_first(&hash),
                }
            }
            _ => unique_first(&hash),
        };
        if let Some(segment) = segment {
            update.execute(params![segment, review])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use corpus::{Segment, SourceFormat, Turn};

    fn doc(text: &str) -> Document {
        let n = text.chars().count();
        Document {
            name: "g1.txt".into(),
            source_path: "/x/g1.txt".into(),
            format: SourceFormat::Text,
            content_hash: corpus::content_hash(text.as_bytes()),
            text: text.into(),
            turns: vec![Turn {
                index: 0,
                speaker: Some("Ann".into()),
                role: None,
                is_moderator: false,
                start_char: 0,
                end_char: n,
                start_ms: None,
                end_ms: None,
            }],
            segments: vec![Segment {
                speaker: Some("Ann".into()),
                participant_id: Some("P1".into()),
                is_moderator: false,
                turn_index: 0,
                sentence_index: 0,
                start_char: 0,
                end_char: n,
                start_ms: None,
                end_ms: None,
                text: text.into(),
            }],
            speaker_attributes: Default::default(),
        }
    }

    /// h1/02: a participants file without a role column lists the
    /// interviewer; ingest resolves the label `Interviewer:` as a
    /// moderator (their sentences are the moderator's), while the row keeps
    /// the file's `is_moderator = 0`. stats counts them as the report does:
    /// a moderator, not a participant, and not in the sample's attributes.
    #[test]
    fn stats_count_a_listed_interviewer_as_the_report_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let listed = |id: &str, name: &str, gender: &str| corpus::Participant {
            id: id.into(),
            name: name.into(),
            document: None,
            is_moderator: false,
            registered: true,
            attributes: BTreeMap::from([("gender".to_string(), gender.to_string())]),
        };
        s.put_participants(&[
            listed("I1", "Interviewer", "Male"),
            listed("P1", "Ann", "Female"),
        ])
        .unwrap();
        let mut d = doc("How was it? Fine.");
        d.turns = vec![
            Turn {
                index: 0,
                speaker: Some("Interviewer".into()),
                role: None,
                is_moderator: true,
                start_char: 0,
                end_char: 11,
                start_ms: None,
                end_ms: None,
            },
            Turn {
                index: 1,
                speaker: Some("Ann".into()),
                role: None,
                is_moderator: false,
                start_char: 12,
                end_char: 17,
                start_ms: None,
                end_ms: None,
            },
        ];
        d.segments = vec![
            Segment {
                speaker: Some("Interviewer".into()),
                participant_id: Some("I1".into()),
                is_moderator: true,
                turn_index: 0,
                sentence_index: 0,
                start_char: 0,
                end_char: 11,
                start_ms: None,
                end_ms: None,
                text: "How was it?".into(),
            },
            Segment {
                speaker: Some("Ann".into()),
                participant_id: Some("P1".into()),
                is_moderator: false,
                turn_index: 1,
                sentence_index: 0,
                start_char: 12,
                end_char: 17,
                start_ms: None,
                end_ms: None,
                text: "Fine.".into(),
            },
        ];
        s.put_document(&d).unwrap();
        let stats = s.corpus_stats().unwrap();
        assert_eq!((stats.participants, stats.moderators), (1, 1));
        assert_eq!(stats.participant_segments, 1);
        assert_eq!(
            stats.participants_by,
            BTreeMap::from([(
                "gender".to_string(),
                BTreeMap::from([("Female".to_string(), 1)])
            )])
        );
    }

    /// Filling attributes keeps a value stored; adding replaces it; neither
    /// makes a participant the store does not hold.
    #[test]
    fn fill_keeps_stored_values_and_add_replaces_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_participants(&[corpus::Participant {
            id: "3".into(),
            name: "3".into(),
            document: None,
            is_moderator: false,
            registered: false,
            attributes: BTreeMap::from([("age".to_string(), "35+".to_string())]),
        }])
        .unwrap();
        let given = |pairs: &[(&str, &str)]| -> Vec<(String, BTreeMap<String, String>)> {
            ["3", "9"]
                .iter()
                .map(|id| {
                    let attrs = pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    (id.to_string(), attrs)
                })
                .collect()
        };
        s.fill_participant_attributes(&given(&[("age", "18-20"), ("region", "North")]))
            .unwrap();
        let stored = s.participant_attributes().unwrap();
        assert_eq!(stored["3"]["age"], "35+");
        assert_eq!(stored["3"]["region"], "North");
        assert!(!stored.contains_key("9"));
        s.add_participant_attributes(&given(&[("age", "18-20")]))
            .unwrap();
        assert_eq!(s.participant_attributes().unwrap()["3"]["age"], "18-20");
    }

    fn person(
        id: &str,
        document: Option<&str>,
        registered: bool,
        attributes: &[(&str, &str)],
    ) -> corpus::Participant {
        corpus::Participant {
            id: id.into(),
            name: id.into(),
            document: document.map(str::to_string),
            is_moderator: false,
            registered,
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn stored_row(s: &Store, id: &str) -> (String, Option<String>, bool) {
        s.conn
            .query_row(
                "SELECT name, document, registered FROM participants WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    /// h26/01, h26/02: a survey export ingested again (no participants
    /// file) after the interviews' file listed R004 with their transcript
    /// stores its respondent R004 as an unlisted speaker (the file scopes
    /// R004 to `int_R004.txt`). The file's attributes and document link
    /// stay; the sheet's survey-only `tenure` is stored as before.
    #[test]
    fn an_unlisted_record_keeps_a_listed_persons_file_attributes_and_document() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let sheet = [
            ("site", "North"),
            ("role", "contractor"),
            ("band", "25-34"),
            ("tenure", "1y"),
        ];
        // Wave 1 of the survey, then the participants file.
        s.put_participants(&[person("R004", None, false, &sheet)])
            .unwrap();
        s.set_meta(PARTICIPANTS_FILE_COLUMNS_META, r#"["band","role","site"]"#)
            .unwrap();
        let listed = corpus::Participants {
            list: vec![person(
                "R004",
                Some("int_R004.txt"),
                true,
                &[("site", "North"), ("role", "manager"), ("band", "55+")],
            )],
            columns: vec!["site".into(), "role".into(), "band".into()],
        };
        s.put_listed_participants(&listed).unwrap();
        // Wave 2: the listed person again (no file), then the sheet's row.
        s.put_listed_participants(&corpus::Participants {
            list: listed.list.clone(),
            columns: Vec::new(),
        })
        .unwrap();
        s.put_participants(&[person(
            "R004",
            None,
            false,
            &[
                ("site", "South"),
                ("role", "contractor"),
                ("band", "25-34"),
                ("tenure", "2y"),
            ],
        )])
        .unwrap();
        let attributes = &s.participant_attributes().unwrap()["R004"];
        let expected: BTreeMap<String, String> = [
            ("band", "55+"),
            ("role", "manager"),
            ("site", "North"),
            ("tenure", "2y"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(attributes, &expected);
        assert_eq!(
            stored_row(&s, "R004"),
            ("R004".to_string(), Some("int_R004.txt".to_string()), true)
        );
        let listed_now = s.registered_participants().unwrap();
        assert_eq!(listed_now.len(), 1);
        assert_eq!(listed_now[0].document.as_deref(), Some("int_R004.txt"));
    }

    /// A store from before the file's columns were remembered counts every
    /// attribute a listed person has as the file's: an unlisted record adds
    /// the keys they lack and replaces none. An unlisted person's record
    /// still replaces their own earlier one.
    #[test]
    fn without_remembered_columns_an_unlisted_record_only_fills_a_listed_person() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_participants(&[
            person("P1", Some("a.txt"), true, &[("age", "35+")]),
            person("R9", None, false, &[("age", "18-24")]),
        ])
        .unwrap();
        s.put_participants(&[
            person("P1", None, false, &[("age", "18-24"), ("region", "East")]),
            person("R9", None, false, &[("age", "25-34")]),
        ])
        .unwrap();
        let stored = s.participant_attributes().unwrap();
        assert_eq!(stored["P1"]["age"], "35+");
        assert_eq!(stored["P1"]["region"], "East");
        assert_eq!(stored["R9"]["age"], "25-34");
        assert_eq!(stored_row(&s, "P1").1.as_deref(), Some("a.txt"));
    }

    #[test]
    fn reingest_is_idempotent_and_change_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        assert_eq!(
            s.put_document(&doc("Hello there.")).unwrap(),
            IngestOutcome::Inserted
        );
        assert_eq!(
            s.put_document(&doc("Hello there.")).unwrap(),
            IngestOutcome::Unchanged
        );
        assert_eq!(
            s.put_document(&doc("Goodbye now.")).unwrap(),
            IngestOutcome::Replaced
        );
        let segs = s.segments(false).unwrap();
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].text, "Goodbye now.");
        assert_eq!(s.corpus_stats().unwrap().documents, 1);
        // The replaced document's speakers were replaced with it, not doubled.
        let speakers: Vec<String> = s
            .conn()
            .prepare("SELECT participant_id FROM document_speakers")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(speakers, ["P1"]);
    }

    #[test]
    fn a_document_hashed_alongside_its_writes_stores_that_hash() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let stored_hash = |s: &Store| -> String {
            s.conn()
                .query_row("SELECT content_hash FROM documents", [], |r| r.get(0))
                .unwrap()
        };
        let mut unhashed = doc("Hello there.");
        unhashed.content_hash = String::new();
        // A new name: the hash is computed while the rows are written, and
        // stored once they are.
        let new = s
            .put_document_hashed_by(&unhashed, || "a".repeat(64))
            .unwrap();
        assert_eq!(new, IngestOutcome::Inserted);
        assert_eq!(stored_hash(&s), "a".repeat(64));
        // A known name: the hash decides before anything is written.
        let same = s
            .put_document_hashed_by(&unhashed, || "a".repeat(64))
            .unwrap();
        assert_eq!(same, IngestOutcome::Unchanged);
        let changed = s
            .put_document_hashed_by(&unhashed, || "b".repeat(64))
            .unwrap();
        assert_eq!(changed, IngestOutcome::Replaced);
        assert_eq!(stored_hash(&s), "b".repeat(64));
        assert_eq!(s.segments(false).unwrap().len(), 1);
    }

    /// A document of one turn whose sentences are `sentences`.
    /// [`doc_of`] with each sentence said by its speaker (a respondent).
    fn doc_by(sentences: &[(&str, &str)]) -> Document {
        let mut d = doc_of(&sentences.iter().map(|(_, t)| *t).collect::<Vec<_>>());
        for (seg, (who, _)) in d.segments.iter_mut().zip(sentences) {
            seg.speaker = Some(who.to_string());
            seg.participant_id = Some(who.to_string());
        }
        d
    }

    fn doc_of(sentences: &[&str]) -> Document {
        let text = sentences.join(" ");
        let mut d = doc(&text);
        let mut at = 0;
        d.segments = sentences
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let start = at;
                at += t.chars().count() + 1;
                Segment {
                    sentence_index: i,
                    start_char: start,
                    end_char: start + t.chars().count(),
                    text: t.to_string(),
                    ..d.segments[0].clone()
                }
            })
            .collect();
        d
    }

    #[test]
    fn reviews_follow_their_sentence_text_across_a_reingest() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_of(&["Keep me.", "Drop me."])).unwrap();
        let old = s.segments(false).unwrap();
        for seg in &old {
            s.conn
                .execute(
                    "INSERT INTO reviews(segment_id, document, text_hash, decision, reviewer, created_at)
                     VALUES (?1, 'g1.txt', ?2, 'none', 'ann', 'now')",
                    params![seg.id, seg.text_hash],
                )
                .unwrap();
        }
        // "Keep me." survives twice, after a new sentence; "Drop me." is gone.
        let outcome = s
            .put_document(&doc_of(&["New one.", "Keep me.", "Keep me."]))
            .unwrap();
        assert_eq!(outcome, IngestOutcome::Replaced);
        let new = s.segments(false).unwrap();
        let attached: Vec<(String, Option<i64>)> = s
            .conn
            .prepare("SELECT text_hash, segment_id FROM reviews ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(attached[0], (old[0].text_hash.clone(), Some(new[1].id)));
        assert_eq!(attached[1], (old[1].text_hash.clone(), None));
        // Migration 010: no index on segments(text_hash) alone.
        let index: Option<String> = s
            .conn
            .query_row(
                "SELECT name FROM sqlite_master WHERE name = 'segments_text_hash'",
                [],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        assert_eq!(index, None);
    }

    /// A transcriber corrects one sentence and the file is ingested again:
    /// the gold and human codings and the gold coverage of the sentences
    /// that kept their text stay, by text and occurrence (the second
    /// "Yeah." keeps its own); the machine's go, as the changed sentence's
    /// do. Before, the segments cascaded to every coding.
    #[test]
    fn peoples_codings_follow_their_sentence_text_across_a_reingest() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_of(&[
            "Yeah.",
            "The rent is high.",
            "Yeah.",
            "Typo hre.",
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        let code = |seg: i64, code: &str, source: &str| {
            s.conn
                .execute(
                    "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
                     VALUES (?1, ?2, 1, ?3, 'ann', 1.0, 1, 'now')",
                    params![seg, code, source],
                )
                .unwrap();
        };
        code(old[1].id, "costs", "gold");
        code(old[1].id, "costs", "machine");
        code(old[2].id, "agree", "human");
        code(old[3].id, "typos", "gold");
        for seg in &old {
            s.conn
                .execute(
                    "INSERT INTO gold_coverage(segment_id, codebook_version) VALUES (?1, 1)",
                    [seg.id],
                )
                .unwrap();
        }
        let outcome = s
            .put_document(&doc_of(&[
                "Yeah.",
                "The rent is high.",
                "Yeah.",
                "Typo here.",
            ]))
            .unwrap();
        assert_eq!(outcome, IngestOutcome::Replaced);
        let new = s.segments(false).unwrap();
        let kept: Vec<(i64, String, String)> = s
            .conn
            .prepare("SELECT segment_id, code_id, source FROM codings ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            kept,
            [
                (new[1].id, "costs".to_string(), "gold".to_string()),
                (new[2].id, "agree".to_string(), "human".to_string()),
            ]
        );
        // Each keeps the codebook version it was coded under.
        let covered: Vec<(i64, Option<i64>)> = s
            .conn
            .prepare("SELECT segment_id, codebook_version FROM gold_coverage ORDER BY segment_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            covered,
            [
                (new[0].id, Some(1)),
                (new[1].id, Some(1)),
                (new[2].id, Some(1))
            ]
        );
    }

    /// Who coded a gold sentence (`gold_coverage_coders`, migration 019),
    /// "no code applies" included, is written by each audit submission
    /// and follows the sentence across a re-ingest as its coverage does;
    /// a changed sentence's goes with it.
    #[test]
    fn gold_coders_follow_their_sentence_across_a_reingest() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_of(&["Yeah.", "The rent is high.", "Typo hre."]))
            .unwrap();
        let old = s.segments(false).unwrap();
        let none = |segs: &[&StoredSegment]| -> BTreeMap<i64, BTreeSet<String>> {
            segs.iter().map(|x| (x.id, BTreeSet::new())).collect()
        };
        // ana: "no code applies" on all three; ben: "costs" on the rent.
        s.put_coder_gold_codings("ana", Some(1), &none(&[&old[0], &old[1], &old[2]]))
            .unwrap();
        let ben = BTreeMap::from([(old[1].id, BTreeSet::from(["costs".to_string()]))]);
        s.put_coder_gold_codings("ben", Some(1), &ben).unwrap();
        let ids = |segs: &[&StoredSegment]| segs.iter().map(|x| x.id).collect::<BTreeSet<i64>>();
        assert_eq!(
            s.gold_coverage_coders().unwrap(),
            BTreeMap::from([
                ("ana".to_string(), ids(&[&old[0], &old[1], &old[2]])),
                ("ben".to_string(), ids(&[&old[1]])),
            ])
        );

        let outcome = s
            .put_document(&doc_of(&[
                "Hello.",
                "Yeah.",
                "The rent is high.",
                "Typo here.",
            ]))
            .unwrap();
        assert_eq!(outcome, IngestOutcome::Replaced);
        let new = s.segments(false).unwrap();
        assert_eq!(
            s.gold_coverage_coders().unwrap(),
            BTreeMap::from([
                ("ana".to_string(), ids(&[&new[1], &new[2]])),
                ("ben".to_string(), ids(&[&new[2]])),
            ])
        );
        let gold = s.gold_codings_of(&[new[1].id, new[2].id]).unwrap();
        assert_eq!(
            gold[&new[2].id].by_coder,
            BTreeMap::from([
                ("ana".to_string(), BTreeSet::new()),
                ("ben".to_string(), BTreeSet::from(["costs".to_string()])),
            ])
        );
        assert_eq!(
            gold[&new[1].id].by_coder,
            BTreeMap::from([("ana".to_string(), BTreeSet::new())])
        );
    }

    /// Two respondents wrote the same answer: a re-ingest (a survey export
    /// grown by a row) keeps each one's review on their own sentence.
    /// Before, reviews went to the first sentence of their text, so the
    /// second respondent's review moved to the first.
    #[test]
    fn reviews_stay_with_their_speaker_across_a_reingest() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_by(&[
            ("R1", "Fix the hoists."),
            ("R2", "Fix the hoists."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        s.conn
            .execute(
                "INSERT INTO reviews(segment_id, document, text_hash, new_code_id, decision, reviewer, created_at)
                 VALUES (?1, 'g1.txt', ?2, 'training', 'add', 'ann', 'now')",
                params![old[1].id, old[1].text_hash],
            )
            .unwrap();
        s.put_document(&doc_by(&[
            ("R1", "Fix the hoists."),
            ("R2", "Fix the hoists."),
            ("R3", "More staff."),
        ]))
        .unwrap();
        let new = s.segments(false).unwrap();
        let reviewed: i64 = s
            .conn
            .query_row("SELECT segment_id FROM reviews", [], |r| r.get(0))
            .unwrap();
        assert_eq!(reviewed, new[1].id, "R2's review stays R2's");
        assert_eq!(new[1].participant_id.as_deref(), Some("R2"));
    }

    /// A respondent edits the answer a reviewer decided, and another
    /// respondent wrote the same words: the review stays detached (its
    /// sentence is gone), at this re-ingest and the next, and returns when
    /// the answer does. Before, it went to the other respondent's sentence,
    /// who then "mentioned" the reviewer's code.
    #[test]
    fn a_review_of_an_edited_answer_does_not_move_to_another_respondents_same_words() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let a_says = |answer: &str| {
            doc_by(&[
                ("RA", answer),
                ("RB", "The bus is late."),
                ("RB", "Cap the daily fare."),
            ])
        };
        s.put_document(&a_says("Cap the daily fare.")).unwrap();
        let old = s.segments(false).unwrap();
        add_review(&s, &old[0], "fares");
        let reviewed = |s: &Store| -> Option<i64> {
            s.conn
                .query_row("SELECT segment_id FROM reviews", [], |r| r.get(0))
                .unwrap()
        };
        s.put_document(&a_says("The driver was rude.")).unwrap();
        assert_eq!(reviewed(&s), None, "RA's sentence is gone");
        // The next re-ingest (another edit) leaves it detached too.
        let mut again = a_says("The driver was rude.");
        again.name = "g1.txt".into();
        again.text.push(' ');
        again.content_hash = corpus::content_hash(again.text.as_bytes());
        s.put_document(&again).unwrap();
        assert_eq!(reviewed(&s), None);
        s.put_document(&a_says("Cap the daily fare.")).unwrap();
        let now = s.segments(false).unwrap();
        assert_eq!(reviewed(&s), Some(now[0].id));
        assert_eq!(now[0].participant_id.as_deref(), Some("RA"));
        // A relabelled speaker (RA gone, the same words by RC) still takes it.
        let relabelled = doc_by(&[("RC", "Cap the daily fare."), ("RB", "The bus is late.")]);
        s.put_document(&relabelled).unwrap();
        let now = s.segments(false).unwrap();
        assert_eq!(reviewed(&s), Some(now[0].id));
    }

    /// A transcriber corrects who said one line (Ana's → Bob's) while Ana
    /// still speaks: the review follows the line to Bob, since no one said
    /// it so before. (An edited answer whose words another speaker already
    /// had stays detached: the test above.)
    #[test]
    fn a_review_follows_a_line_whose_speaker_was_corrected() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_by(&[
            ("Ana", "I take the tram."),
            ("Ana", "The buses are always late."),
            ("Bob", "I drive."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        add_review(&s, &old[1], "delays");
        let mut corrected = doc_by(&[
            ("Ana", "I take the tram."),
            ("Bob", "The buses are always late."),
            ("Bob", "I drive."),
        ]);
        // The labels are in the file's text: it changed.
        corrected.content_hash = corpus::content_hash(b"Ana: ... Bob: ...");
        assert_eq!(s.put_document(&corrected).unwrap(), IngestOutcome::Replaced);
        let now = s.segments(false).unwrap();
        let reviewed: Option<i64> = s
            .conn
            .query_row("SELECT segment_id FROM reviews", [], |r| r.get(0))
            .unwrap();
        assert_eq!(reviewed, Some(now[1].id));
        assert_eq!(now[1].participant_id.as_deref(), Some("Bob"));
    }

    /// Speaker labels renamed (generic labels to pseudonyms, hc/02) or
    /// shifted by a deleted survey row (`Respondent N` by row, hc/03): each
    /// review stays on its speaker's sentence under the new label, even
    /// where another speaker said the same words. Before, both reviews of
    /// "They were rude." went to the first speaker's, and two respondents'
    /// "Waiting times." swapped decisions.
    #[test]
    fn reviews_follow_their_speaker_to_a_new_label() {
        let reviewed = |s: &Store| -> Vec<(String, Option<String>)> {
            s.conn
                .prepare(
                    "SELECT r.new_code_id, s.speaker FROM reviews r LEFT JOIN segments s ON s.id = r.segment_id ORDER BY r.id",
                )
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let relabel = |s: &mut Store, before: &[(&str, &str)], after: &[(&str, &str)]| {
            s.put_document(&doc_by(before)).unwrap();
            let old = s.segments(false).unwrap();
            for seg in &old {
                if seg.text == "They were rude." || seg.text == "Waiting times." {
                    let code = format!("by {}", seg.speaker.as_deref().unwrap());
                    add_review(s, seg, &code);
                }
            }
            let mut new = doc_by(after);
            new.content_hash = corpus::content_hash(format!("{after:?}").as_bytes());
            assert_eq!(s.put_document(&new).unwrap(), IngestOutcome::Replaced);
        };
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        relabel(
            &mut s,
            &[
                ("Speaker 2", "The receptionist ignored me."),
                ("Speaker 2", "They were rude."),
                ("Speaker 3", "The other patients pushed in."),
                ("Speaker 3", "They were rude."),
            ],
            &[
                ("Maria", "The receptionist ignored me."),
                ("Maria", "They were rude."),
                ("John", "The other patients pushed in."),
                ("John", "They were rude."),
            ],
        );
        let got = reviewed(&s);
        let want = |pairs: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
            pairs
                .iter()
                .map(|(c, w)| (c.to_string(), Some(w.to_string())))
                .collect()
        };
        assert_eq!(
            got,
            want(&[("by Speaker 2", "Maria"), ("by Speaker 3", "John")])
        );

        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        relabel(
            &mut s,
            &[
                ("Respondent 1", "Test answer."),
                ("Respondent 2", "Waiting times."),
                ("Respondent 2", "The nurses were kind."),
                ("Respondent 3", "Parking is hard."),
                ("Respondent 3", "Waiting times."),
            ],
            &[
                ("Respondent 1", "Waiting times."),
                ("Respondent 1", "The nurses were kind."),
                ("Respondent 2", "Parking is hard."),
                ("Respondent 2", "Waiting times."),
            ],
        );
        assert_eq!(
            reviewed(&s),
            want(&[
                ("by Respondent 2", "Respondent 1"),
                ("by Respondent 3", "Respondent 2")
            ])
        );
    }

    /// A survey export without respondent ids (`Respondent N` by row, the
    /// participant of that document alone: `g1.txt/Respondent N`) is
    /// downloaded again without its test row, every answer unchanged: each
    /// later respondent is one lower. People's codings and gold coverage
    /// stay on the same sentences under the new labels, the audit sample
    /// drawn by participant names the same people (the test respondent
    /// leaves it), and the replacement reports nothing left behind. Before,
    /// codings and coverage joined on the old label: all dropped, the
    /// ingest warning that sentences people decided were gone (hv/03).
    #[test]
    fn peoples_codings_and_the_audit_sample_follow_respondents_renumbered_by_a_deleted_row() {
        let survey = |rows: &[(&str, &str)]| {
            let mut d = doc_by(rows);
            for seg in &mut d.segments {
                seg.participant_id = Some(format!("g1.txt/{}", seg.speaker.as_deref().unwrap()));
            }
            d.content_hash = corpus::content_hash(format!("{rows:?}").as_bytes());
            d
        };
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&survey(&[
            ("Respondent 1", "test"),
            ("Respondent 1", "test response please ignore"),
            ("Respondent 2", "Night shifts are short of staff."),
            ("Respondent 2", "Hire more nurses."),
            ("Respondent 3", "The rota changes at short notice."),
            ("Respondent 3", "Publish the rota."),
            ("Respondent 4", "The printers never work."),
            ("Respondent 4", "Fix the IT helpdesk."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        let by_text = |segs: &[StoredSegment], text: &str| -> i64 {
            segs.iter().find(|x| x.text == text).unwrap().id
        };
        // Gold on Respondent 2 and 4 (one sentence judged "no code"), a
        // human coding on Respondent 3.
        let gold: BTreeMap<i64, BTreeSet<String>> = [
            ("Night shifts are short of staff.", vec!["staffing"]),
            ("Hire more nurses.", vec!["staffing"]),
            ("The printers never work.", vec!["it"]),
            ("Fix the IT helpdesk.", vec![]),
        ]
        .into_iter()
        .map(|(t, codes)| {
            let codes = codes.into_iter().map(String::from).collect();
            (by_text(&old, t), codes)
        })
        .collect();
        assert_eq!(s.import_gold_codings("gold", Some(1), &gold).unwrap(), 3);
        s.conn
            .execute(
                "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
                 VALUES (?1, 'scheduling', 1, 'human', 'ann', 1.0, 1, 'now')",
                [by_text(&old, "The rota changes at short notice.")],
            )
            .unwrap();
        let units = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        s.put_audit_sample(
            "participant",
            "draw",
            Some(7),
            4,
            &units(&[
                "g1.txt/Respondent 4",
                "g1.txt/Respondent 1",
                "other.csv/Respondent 2",
                "g1.txt/Respondent 2",
            ]),
        )
        .unwrap();

        let (outcome, losses) = put(
            &mut s,
            &survey(&[
                ("Respondent 1", "Night shifts are short of staff."),
                ("Respondent 1", "Hire more nurses."),
                ("Respondent 2", "The rota changes at short notice."),
                ("Respondent 2", "Publish the rota."),
                ("Respondent 3", "The printers never work."),
                ("Respondent 3", "Fix the IT helpdesk."),
            ]),
        );
        assert_eq!(outcome, IngestOutcome::Replaced);
        assert_eq!(losses, ReplacedLosses::default(), "nothing is gone");
        let coded: Vec<(String, String, String, String)> = s
            .conn
            .prepare(
                "SELECT s.participant_id, s.text, c.code_id, c.source FROM codings c
                 JOIN segments s ON s.id = c.segment_id ORDER BY s.id, c.code_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let row = |who: &str, text: &str, code: &str, source: &str| {
            (
                format!("g1.txt/{who}"),
                text.to_string(),
                code.to_string(),
                source.to_string(),
            )
        };
        assert_eq!(
            coded,
            [
                row(
                    "Respondent 1",
                    "Night shifts are short of staff.",
                    "staffing",
                    "gold"
                ),
                row("Respondent 1", "Hire more nurses.", "staffing", "gold"),
                row(
                    "Respondent 2",
                    "The rota changes at short notice.",
                    "scheduling",
                    "human"
                ),
                row("Respondent 3", "The printers never work.", "it", "gold"),
            ]
        );
        let now = s.segments(false).unwrap();
        let covered: Vec<(String, Option<i64>)> = s
            .gold_coverage_segments()
            .unwrap()
            .into_iter()
            .map(|(seg, version)| {
                let seg = now.iter().find(|x| x.id == seg).unwrap();
                (
                    format!("{}: {}", seg.speaker.as_deref().unwrap(), seg.text),
                    version,
                )
            })
            .collect();
        assert_eq!(
            covered,
            [
                (
                    "Respondent 1: Night shifts are short of staff.".to_string(),
                    Some(1)
                ),
                ("Respondent 1: Hire more nurses.".to_string(), Some(1)),
                (
                    "Respondent 3: The printers never work.".to_string(),
                    Some(1)
                ),
                ("Respondent 3: Fix the IT helpdesk.".to_string(), Some(1)),
            ]
        );
        // The same people, in their places; the deleted test respondent
        // leaves the sample; another document's respondent keeps its key.
        let sample = s.audit_sample().unwrap().unwrap();
        assert_eq!(
            sample.units,
            units(&[
                "g1.txt/Respondent 3",
                "other.csv/Respondent 2",
                "g1.txt/Respondent 1",
            ])
        );
        assert_eq!(sample.population, 4);
    }

    /// The deleted test row's own work, where its words were also a later
    /// respondent's: its gold coding is dropped (and reported, the test
    /// respondent named as gone) and its review stays detached, rather than
    /// go to the respondent who has its label now.
    #[test]
    fn a_deleted_rows_work_does_not_go_to_the_respondent_who_took_its_label() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_by(&[
            ("Respondent 1", "Waiting times."),
            ("Respondent 2", "Waiting times."),
            ("Respondent 2", "The nurses were kind."),
            ("Respondent 3", "Parking is hard."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        for seg in [&old[0], &old[1]] {
            let code = format!("by {}", seg.speaker.as_deref().unwrap());
            add_review(&s, seg, &code);
            s.conn
                .execute(
                    "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
                     VALUES (?1, ?2, 1, 'gold', 'gold', 1.0, 1, 'now')",
                    params![seg.id, code],
                )
                .unwrap();
        }
        let mut shifted = doc_by(&[
            ("Respondent 1", "Waiting times."),
            ("Respondent 1", "The nurses were kind."),
            ("Respondent 2", "Parking is hard."),
        ]);
        shifted.content_hash = corpus::content_hash(b"shifted");
        let (_, losses) = put(&mut s, &shifted);
        assert_eq!(
            losses,
            ReplacedLosses {
                detached_reviews: 1,
                dropped_people_codings: 1,
                speakers_gone: vec!["Respondent 1".into()],
            }
        );
        let decided = |table: &str, column: &str| -> Vec<(String, Option<String>)> {
            s.conn
                .prepare(&format!(
                    "SELECT t.{column}, s.speaker FROM {table} t LEFT JOIN segments s ON s.id = t.segment_id ORDER BY t.id"
                ))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let by = |code: &str, who: Option<&str>| (code.to_string(), who.map(String::from));
        assert_eq!(
            decided("reviews", "new_code_id"),
            [
                by("by Respondent 1", None),
                by("by Respondent 2", Some("Respondent 1"))
            ]
        );
        assert_eq!(
            decided("codings", "code_id"),
            [by("by Respondent 2", Some("Respondent 1"))]
        );
    }

    /// The review, human, gold codings and coverage on one `sentence`,
    /// each as `code`.
    fn decide_all(s: &Store, sentence: &StoredSegment, code: &str) {
        add_review(s, sentence, code);
        for source in ["human", "gold"] {
            s.conn
                .execute(
                    "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
                     VALUES (?1, ?2, 1, ?3, 'ann', 1.0, 1, 'now')",
                    params![sentence.id, code, source],
                )
                .unwrap();
        }
        s.conn
            .execute(
                "INSERT INTO gold_coverage(segment_id, codebook_version) VALUES (?1, 1)",
                [sentence.id],
            )
            .unwrap();
    }

    /// Where each kind of people's work is: (kind, speaker, text).
    fn decided_where(s: &Store) -> Vec<(String, String, String)> {
        s.conn
            .prepare(
                "SELECT 'review', s.speaker, s.text FROM reviews r JOIN segments s ON s.id = r.segment_id
                 UNION ALL
                 SELECT c.source, s.speaker, s.text FROM codings c JOIN segments s ON s.id = c.segment_id
                 UNION ALL
                 SELECT 'coverage', s.speaker, s.text FROM gold_coverage g JOIN segments s ON s.id = g.segment_id
                 ORDER BY 1",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// h20/01: the transcriber adds a missed exchange earlier in the
    /// interview in which Maria says the reviewed words once more. The
    /// review, the human and gold codings and the coverage stay on the
    /// answer they were made on (now after the new exchange), not on the
    /// inserted repeat no one has seen. Before, the speaker's first
    /// sentence of the text took them (paired by occurrence).
    #[test]
    fn a_repeat_inserted_earlier_does_not_take_the_decided_sentences_work() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&interview(&[
            ("Int", "How is remote work?"),
            ("Maria", "It is fine."),
            ("Int", "And how does your manager handle it?"),
            ("Maria", "My manager checks in every morning."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        decide_all(&s, &old[3], "management");
        let mut v2 = interview(&[
            ("Int", "How is remote work?"),
            ("Maria", "It is fine."),
            ("Int", "Do you feel watched?"),
            ("Maria", "A bit."),
            ("Maria", "My manager checks in every morning."),
            ("Maria", "Every single day."),
            ("Int", "And how does your manager handle it?"),
            ("Maria", "My manager checks in every morning."),
        ]);
        v2.content_hash = corpus::content_hash(b"v2");
        let (_, losses) = put(&mut s, &v2);
        assert_eq!(losses, ReplacedLosses::default());
        let now = s.segments(false).unwrap();
        let answer = &now[7];
        assert_eq!(answer.text, "My manager checks in every morning.");
        let on = |kind: &str| (kind.to_string(), "Maria".to_string(), answer.text.clone());
        assert_eq!(
            decided_where(&s),
            [on("coverage"), on("gold"), on("human"), on("review")]
        );
        let on_answer = |table: &str| -> i64 {
            s.conn
                .query_row(
                    &format!("SELECT COUNT(*) FROM {table} WHERE segment_id = ?1"),
                    [answer.id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(
            (
                on_answer("reviews"),
                on_answer("codings"),
                on_answer("gold_coverage")
            ),
            (1, 2, 1),
            "all on the answer, none on the inserted repeat ({})",
            now[4].id
        );
    }

    /// [`doc_by`] with `Int` (an interviewer) and `Q` (a survey's
    /// questions) moderators, no participants.
    fn interview(sentences: &[(&str, &str)]) -> Document {
        let mut d = doc_by(sentences);
        for seg in d
            .segments
            .iter_mut()
            .filter(|x| matches!(x.speaker.as_deref(), Some("Int" | "Q")))
        {
            seg.participant_id = None;
            seg.is_moderator = true;
        }
        d
    }

    /// The decided answer edited while the same words are added earlier:
    /// the review stays detached at this re-ingest and the next (it is not
    /// the added repeat's), and returns to the answer when its words do.
    #[test]
    fn a_detached_review_does_not_go_to_a_repeat_its_sentence_never_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let version = |answer: &str, tail: &[(&'static str, &'static str)]| {
            let mut sentences = vec![
                ("Int", "Do you feel watched?"),
                ("Maria", "My manager checks in every morning."),
                ("Int", "And how does your manager handle it?"),
                ("Maria", answer),
            ];
            sentences.extend_from_slice(tail);
            let mut d = interview(&sentences);
            d.content_hash = corpus::content_hash(format!("{sentences:?}").as_bytes());
            d
        };
        s.put_document(&interview(&[
            ("Int", "And how does your manager handle it?"),
            ("Maria", "My manager checks in every morning."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        add_review(&s, &old[1], "management");
        let reviewed = |s: &Store| -> Option<i64> {
            s.conn
                .query_row("SELECT segment_id FROM reviews", [], |r| r.get(0))
                .unwrap()
        };
        let (_, losses) = put(&mut s, &version("She checks in daily.", &[]));
        assert_eq!(losses.detached_reviews, 1);
        assert_eq!(reviewed(&s), None, "the answer is gone");
        put(
            &mut s,
            &version("She checks in daily.", &[("Int", "Thanks.")]),
        );
        assert_eq!(reviewed(&s), None, "not the repeat's at the next re-ingest");
        put(
            &mut s,
            &version("My manager checks in every morning.", &[("Int", "Thanks.")]),
        );
        let now = s.segments(false).unwrap();
        assert_eq!(reviewed(&s), Some(now[3].id), "back on the answer");
    }

    /// Two exchanges swapped in the transcript: each answer keeps its
    /// gold coding and coverage (the moved one as a run of sentences that
    /// read the same on both sides), and nothing is reported lost.
    #[test]
    fn a_moved_passage_keeps_its_work() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&interview(&[
            ("Int", "How do you get to work?"),
            ("Maria", "By train."),
            ("Maria", "It is late."),
            ("Int", "And your manager?"),
            ("Maria", "She trusts me."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        decide_all(&s, &old[2], "commuting");
        decide_all(&s, &old[4], "management");
        let mut swapped = interview(&[
            ("Int", "And your manager?"),
            ("Maria", "She trusts me."),
            ("Int", "How do you get to work?"),
            ("Maria", "By train."),
            ("Maria", "It is late."),
        ]);
        swapped.content_hash = corpus::content_hash(b"swapped");
        let (_, losses) = put(&mut s, &swapped);
        assert_eq!(losses, ReplacedLosses::default());
        let gold: Vec<(String, String)> = s
            .conn
            .prepare(
                "SELECT s.text, c.code_id FROM codings c JOIN segments s ON s.id = c.segment_id
                 WHERE c.source = 'gold' ORDER BY s.id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            gold,
            [
                ("She trusts me.".to_string(), "management".to_string()),
                ("It is late.".to_string(), "commuting".to_string()),
            ]
        );
        let covered: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM gold_coverage", [], |r| r.get(0))
            .unwrap();
        assert_eq!(covered, 2);
    }

    /// A survey export downloaded again with its rows sorted otherwise:
    /// each answer keeps its gold coding (its respondent says its words
    /// once, after the same question), and nothing is reported lost.
    #[test]
    fn answers_keep_their_work_when_the_rows_are_sorted_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let rows = [
            ("R1", "Nobody to talk to."),
            ("R2", "The internet drops."),
            ("R3", "No."),
            ("R4", "My chair hurts."),
        ];
        let survey = |order: &[usize]| {
            let mut sentences = vec![("Q", "What is hardest?")];
            sentences.extend(order.iter().map(|&k| rows[k]));
            sentences.push(("Q", "Anything else?"));
            sentences.extend(order.iter().map(|&k| (rows[k].0, "No.")));
            let mut d = interview(&sentences);
            d.content_hash = corpus::content_hash(format!("{order:?}").as_bytes());
            d
        };
        // Each answer's respondent and question, as its code.
        let answer = |segs: &[StoredSegment], seg: &StoredSegment| {
            let second = segs.iter().find(|x| x.text == "Anything else?").unwrap();
            let question = if seg.id < second.id { 1 } else { 2 };
            format!("{} to Q{question}", seg.speaker.as_deref().unwrap())
        };
        s.put_document(&survey(&[0, 1, 2, 3])).unwrap();
        let old = s.segments(false).unwrap();
        for seg in old.iter().filter(|x| !x.is_moderator) {
            decide_all(&s, seg, &answer(&old, seg));
        }
        let (_, losses) = put(&mut s, &survey(&[3, 1, 0, 2]));
        assert_eq!(losses, ReplacedLosses::default());
        let now = s.segments(false).unwrap();
        let gold: Vec<(String, String)> = s
            .conn
            .prepare("SELECT code_id, segment_id FROM codings WHERE source = 'gold' ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|row| {
                let (code, id): (String, i64) = row.unwrap();
                let seg = now.iter().find(|x| x.id == id).unwrap();
                (code, answer(&now, seg))
            })
            .collect();
        assert_eq!(gold.len(), 8);
        for (code, on) in &gold {
            assert_eq!(code, on, "{gold:?}");
        }
        let covered: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM gold_coverage", [], |r| r.get(0))
            .unwrap();
        assert_eq!(covered, 8);
    }

    /// h20/02: a transcriber corrects who said one line of a focus group
    /// (Ana's → Bob's, Ana still speaking): the gold and human codings and
    /// the coverage follow the line, as its review does, and nothing is
    /// reported lost. Before, the review followed and the gold coding and
    /// coverage were dropped (Bob's audit unit had an uncoded sentence),
    /// and the ingest called the human coding dropped.
    #[test]
    fn peoples_codings_follow_a_line_whose_speaker_was_corrected() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_by(&[
            ("Ana", "I take the tram."),
            ("Ana", "The internet at home drops out every afternoon."),
            ("Bob", "I drive."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        decide_all(&s, &old[1], "equipment");
        let mut corrected = doc_by(&[
            ("Ana", "I take the tram."),
            ("Bob", "The internet at home drops out every afternoon."),
            ("Bob", "I drive."),
        ]);
        corrected.content_hash = corpus::content_hash(b"Ana: ... Bob: ...");
        let (outcome, losses) = put(&mut s, &corrected);
        assert_eq!(outcome, IngestOutcome::Replaced);
        assert_eq!(losses, ReplacedLosses::default(), "nothing is lost");
        let line = "The internet at home drops out every afternoon.";
        let on = |kind: &str| (kind.to_string(), "Bob".to_string(), line.to_string());
        assert_eq!(
            decided_where(&s),
            [on("coverage"), on("gold"), on("human"), on("review")]
        );
    }

    /// A line moved and given to another speaker, its own speaker gone:
    /// the review goes to the one sentence of its text (its speaker is
    /// gone), and ingest gives the human coding back from it, so only the
    /// gold coding is reported dropped. Before, both were (h20/02).
    #[test]
    fn a_human_coding_its_review_takes_along_is_not_reported_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        s.put_document(&doc_by(&[
            ("Ana", "I take the tram."),
            ("Carla", "Parking is hard."),
            ("Bob", "I drive."),
        ]))
        .unwrap();
        let old = s.segments(false).unwrap();
        decide_all(&s, &old[1], "parking");
        let mut corrected = doc_by(&[
            ("Ana", "I take the tram."),
            ("Bob", "I drive."),
            ("Bob", "Parking is hard."),
        ]);
        corrected.content_hash = corpus::content_hash(b"moved");
        let (_, losses) = put(&mut s, &corrected);
        assert_eq!(
            losses,
            ReplacedLosses {
                detached_reviews: 0,
                dropped_people_codings: 1,
                speakers_gone: vec!["Carla".into()],
            }
        );
        let line = "Parking is hard.".to_string();
        assert_eq!(
            decided_where(&s),
            [("review".to_string(), "Bob".to_string(), line)]
        );
    }

    /// A stretch too long for the table is split at the items it has once
    /// on each side: every unchanged item is aligned with itself, and an
    /// item repeated by the insertion is aligned with its own place.
    #[test]
    fn a_long_stretch_is_aligned_at_its_unique_items() {
        let old: Vec<u32> = (0..3000).collect();
        let mut new: Vec<u32> = vec![9999];
        new.extend(0..1500);
        new.extend([7777, 5]);
        new.extend(1500..3000);
        new.push(8888);
        const { assert!(3001 * 3006 > ALIGNED_CELLS, "the test takes patience diff") };
        let kept = common_subsequence(&old, &new);
        let want: Vec<(usize, usize)> = (0..3000)
            .map(|i| (i, if i < 1500 { i + 1 } else { i + 3 }))
            .collect();
        assert_eq!(kept, want);
    }

    /// A reviewer's "add" of `code` on `seg`, as the review page records it.
    fn add_review(s: &Store, seg: &StoredSegment, code: &str) {
        s.conn
            .execute(
                "INSERT INTO reviews(segment_id, document, text_hash, new_code_id, decision, reviewer, created_at)
                 VALUES (?1, 'g1.txt', ?2, ?3, 'add', 'ann', 'now')",
                params![seg.id, seg.text_hash, code],
            )
            .unwrap();
    }

    fn put(s: &mut Store, doc: &Document) -> (IngestOutcome, ReplacedLosses) {
        s.put_document_reporting_losses(doc, || doc.content_hash.clone())
            .unwrap()
    }

    /// A respondent deleted from a survey export takes their sentences
    /// with them: the replacement says what people's work was left behind
    /// (the review kept detached, the gold coding dropped, and whose).
    #[test]
    fn a_replacement_reports_the_reviews_and_codings_its_edit_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let first = doc_by(&[
            ("R1", "More staff."),
            ("R2", "Fix the hoists."),
            ("R3", "Less noise."),
        ]);
        let (outcome, losses) = put(&mut s, &first);
        assert_eq!(
            (outcome, losses),
            (IngestOutcome::Inserted, ReplacedLosses::default())
        );
        let old = s.segments(false).unwrap();
        add_review(&s, &old[1], "training");
        for seg in [&old[1], &old[2]] {
            s.conn
                .execute(
                    "INSERT INTO codings(segment_id, code_id, source, coder, confidence, created_at)
                     VALUES (?1, 'safety', 'gold', 'gold', 1.0, 'now')",
                    [seg.id],
                )
                .unwrap();
        }
        // R2 deleted from the export; R3 kept; R4 new.
        let second = doc_by(&[
            ("R1", "More staff."),
            ("R3", "Less noise."),
            ("R4", "Nothing."),
        ]);
        let (outcome, losses) = put(&mut s, &second);
        assert_eq!(outcome, IngestOutcome::Replaced);
        assert_eq!(
            losses,
            ReplacedLosses {
                detached_reviews: 1,
                dropped_people_codings: 1,
                speakers_gone: vec!["R2".into()],
            }
        );
        // R2 back and R1 gone, R1 reviewed meanwhile: R2's review returns
        // and R1's is newly detached (the count of detached ones stays one).
        let now = s.segments(false).unwrap();
        let r1 = now.iter().find(|x| x.text == "More staff.").unwrap();
        add_review(&s, r1, "staffing");
        let swapped = doc_by(&[
            ("R2", "Fix the hoists."),
            ("R3", "Less noise."),
            ("R4", "Nothing."),
        ]);
        let (_, losses) = put(&mut s, &swapped);
        assert_eq!(
            (losses.detached_reviews, losses.speakers_gone.clone()),
            (1, vec!["R1".to_string()])
        );
        // Nothing more is left behind when R1 comes back: the review returns.
        let third = doc_by(&[
            ("R1", "More staff."),
            ("R2", "Fix the hoists."),
            ("R3", "Less noise."),
        ]);
        let (_, losses) = put(&mut s, &third);
        assert!(losses.is_empty(), "{losses:?}");
        let detached: i64 = s
            .conn
            .query_row(
                "SELECT COUNT(*) FROM reviews WHERE segment_id IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(detached, 0);
    }

    /// Occurrences are counted per speaker: an interviewer's "Yeah." added
    /// before the participant's does not take the participant's coding.
    #[test]
    fn peoples_codings_stay_with_their_speaker_across_a_reingest() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        // Sentences by (speaker, moderator?).
        let voiced = |sentences: &[(&str, bool)]| {
            let mut d = doc_of(&sentences.iter().map(|(t, _)| *t).collect::<Vec<_>>());
            for (seg, (_, moderator)) in d.segments.iter_mut().zip(sentences) {
                if *moderator {
                    seg.speaker = Some("Interviewer".into());
                    seg.participant_id = None;
                    seg.is_moderator = true;
                }
            }
            d
        };
        s.put_document(&voiced(&[("Yeah.", false), ("The rent is high.", false)]))
            .unwrap();
        let old = s.segments(false).unwrap();
        s.conn
            .execute(
                "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
                 VALUES (?1, 'agree', 1, 'gold', 'g', 1.0, 1, 'now')",
                [old[0].id],
            )
            .unwrap();
        s.conn
            .execute(
                "INSERT INTO reviews(segment_id, document, text_hash, code_id, decision, reviewer, created_at)
                 VALUES (?1, 'g1.txt', ?2, 'agree', 'accept', 'ann', 'now')",
                params![old[0].id, old[0].text_hash],
            )
            .unwrap();
        s.put_document(&voiced(&[
            ("Yeah.", true),
            ("Yeah.", false),
            ("The rent is high.", false),
        ]))
        .unwrap();
        let new = s.segments(false).unwrap();
        let coded: i64 = s
            .conn
            .query_row("SELECT segment_id FROM codings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            coded, new[1].id,
            "the participant's Yeah., not the interviewer's"
        );
        let reviewed: i64 = s
            .conn
            .query_row("SELECT segment_id FROM reviews", [], |r| r.get(0))
            .unwrap();
        assert_eq!(reviewed, new[1].id, "the review too");
    }
}
