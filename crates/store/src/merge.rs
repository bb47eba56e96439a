//! Merging shard stores into a project: the scale-out path. Each shard holds
//! a disjoint set of documents; merging copies documents (with their turns,
//! segments and codings), participants, models and embeddings, remapping row
//! ids. Audit samples are copied too (their unit keys name participants,
//! documents and sentence texts, not row ids), and the gold codings people
//! gave their units travel with the codings. Themes, reviews and reports are
//! not merged: they run once on the merged whole.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::{Error, Result, Store};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MergeStats {
    pub documents_added: usize,
    pub documents_replaced: usize,
    pub documents_unchanged: usize,
    /// Stale copies of moved documents left out ([`Store::merge_shard_skipping`]).
    pub documents_skipped: usize,
    pub segments: usize,
    pub embeddings: usize,
    pub codings: usize,
    /// Audit samples copied (ones the project already holds are skipped).
    pub audit_samples: usize,
}

impl Store {
    /// Merges one shard store into this one, in one transaction.
    pub fn merge_shard(&mut self, shard: &Path) -> Result<MergeStats> {
        self.merge_shard_skipping(shard, &BTreeSet::new())
    }

    /// [`Store::merge_shard`] but for the shard's documents named in
    /// `skip`: stale copies of documents moved since (their file gone, their
    /// text under a new name in another shard), which the project must not
    /// take back.
    pub fn merge_shard_skipping(
        &mut self,
        shard: &Path,
        skip: &BTreeSet<String>,
    ) -> Result<MergeStats> {
        let shard = crate::resolve(shard);
        if !shard.exists() {
            return Err(Error::NotFound(shard));
        }
        // Bring the shard up to this build's schema before reading it.
        drop(Store::open(&shard)?);
        self.conn
            .execute("ATTACH DATABASE ?1 AS shard", [shard.to_string_lossy()])?;
        let out = self.write(|tx| merge_tx(tx, skip));
        self.conn.execute("DETACH DATABASE shard", [])?;
        out
    }
}

/// What a shard was embedded and coded with: the model key its runs
/// recorded and the content hash of the newest codebook its machine
/// codings used. Shards of one run must agree on both
/// (docs/scale-out.md); `pipeline::run::merge` compares them before
/// merging anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShardIdentity {
    pub model_key: Option<String>,
    pub codebook_hash: Option<String>,
    /// The codebook's name, for messages.
    pub codebook_name: Option<String>,
}

impl Store {
    /// This store's [`ShardIdentity`].
    pub fn shard_identity(&self) -> Result<ShardIdentity> {
        let codebook: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT cb.content_hash, cb.name FROM codebooks cb
                 WHERE cb.version = (SELECT MAX(codebook_version) FROM codings WHERE source = 'machine')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(ShardIdentity {
            model_key: self.meta("model_key")?,
            codebook_hash: codebook.as_ref().map(|c| c.0.clone()),
            codebook_name: codebook.map(|c| c.1),
        })
    }
}

fn merge_tx(tx: &Transaction, skip: &BTreeSet<String>) -> Result<MergeStats> {
    let mut stats = MergeStats::default();

    tx.execute_batch(
        "INSERT INTO main.participants(id, name, document, is_moderator, registered)
             SELECT id, name, document, is_moderator, registered FROM shard.participants WHERE true
             ON CONFLICT(id) DO UPDATE SET registered = MAX(participants.registered, excluded.registered);
         INSERT OR REPLACE INTO main.participant_attributes(participant_id, key, value)
             SELECT participant_id, key, value FROM shard.participant_attributes;
         INSERT OR REPLACE INTO main.document_attributes(document, key, value)
             SELECT document, key, value FROM shard.document_attributes;
         INSERT OR IGNORE INTO main.models(model_key, path, dim, added_at)
             SELECT model_key, path, dim, added_at FROM shard.models;",
    )?;
    stats.embeddings = tx.execute(
        "INSERT OR IGNORE INTO main.embeddings(model_key, text_hash, dim, vector, truncated)
         SELECT model_key, text_hash, dim, vector, truncated FROM shard.embeddings",
        [],
    )?;

    // Codebook versions are matched by content.
    let mut codebook_map: HashMap<i64, i64> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT version, name, content_hash, body, created_at FROM shard.codebooks ORDER BY version",
        )?;
        let rows: Vec<(i64, String, String, String, String)> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (version, name, hash, body, created) in rows {
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT version FROM main.codebooks WHERE content_hash = ?1",
                    [&hash],
                    |r| r.get(0),
                )
                .optional()?;
            let mapped = match existing {
                Some(v) => v,
                None => {
                    tx.execute(
                        "INSERT INTO main.codebooks(name, content_hash, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![name, hash, body, created],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            codebook_map.insert(version, mapped);
        }
    }

    let docs: Vec<(i64, String, String, String, String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT id, name, source_path, format, content_hash, text, ingested_at FROM shard.documents ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (shard_id, name, source_path, format, hash, text, ingested_at) in docs {
        if skip.contains(&name) {
            stats.documents_skipped += 1;
            continue;
        }
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, content_hash FROM main.documents WHERE name = ?1",
                [&name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match existing {
            Some((_, h)) if h == hash => {
                stats.documents_unchanged += 1;
                // Same text: still take codings the project lacks (e.g. shard coded it first).
                let main_id: i64 = tx.query_row(
                    "SELECT id FROM main.documents WHERE name = ?1",
                    [&name],
                    |r| r.get(0),
                )?;
                let has_codings: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM main.codings c JOIN main.segments s ON s.id = c.segment_id WHERE s.document_id = ?1)",
                    [main_id],
                    |r| r.get(0),
                )?;
                if !has_codings {
                    let seg_map = segment_map(tx, shard_id, main_id)?;
                    stats.codings += copy_codings(tx, &seg_map, &codebook_map)?;
                }
                continue;
            }
            Some((id, _)) => {
                crate::corpus_tables::remove_document_tx(tx, id)?;
                stats.documents_replaced += 1;
            }
            None => stats.documents_added += 1,
        }
        tx.execute(
            "INSERT INTO main.documents(name, source_path, format, content_hash, text, ingested_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, source_path, format, hash, text, ingested_at],
        )?;
        let main_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO main.turns(document_id, turn_index, speaker, role, is_moderator, start_char, end_char, start_ms, end_ms)
             SELECT ?1, turn_index, speaker, role, is_moderator, start_char, end_char, start_ms, end_ms
             FROM shard.turns WHERE document_id = ?2",
            params![main_id, shard_id],
        )?;
        stats.segments += tx.execute(
            "INSERT INTO main.segments(document_id, speaker, participant_id, is_moderator, turn_index, sentence_index,
                                       start_char, end_char, start_ms, end_ms, text, text_hash)
             SELECT ?1, speaker, participant_id, is_moderator, turn_index, sentence_index,
                    start_char, end_char, start_ms, end_ms, text, text_hash
             FROM shard.segments WHERE document_id = ?2 ORDER BY id",
            params![main_id, shard_id],
        )?;
        tx.execute(
            "INSERT INTO main.document_speakers(document_id, participant_id)
             SELECT DISTINCT ?1, participant_id FROM main.segments
             WHERE document_id = ?1 AND participant_id IS NOT NULL",
            [main_id],
        )?;
        let relabelling = crate::corpus_tables::relabelling_tx(tx, main_id, &name)?;
        crate::corpus_tables::reattach_reviews_tx(tx, main_id, &name, &relabelling)?;
        let seg_map = segment_map(tx, shard_id, main_id)?;
        stats.codings += copy_codings(tx, &seg_map, &codebook_map)?;
        // After the shard's own codings, so that a coding both hold is
        // the shard's, once.
        crate::corpus_tables::reattach_people_codings_tx(tx, main_id, &name, &relabelling)?;
        crate::corpus_tables::remap_audit_units_tx(tx, &relabelling)?;
    }
    stats.audit_samples = copy_audit_samples(tx)?;
    Ok(stats)
}

/// Copies the shard's audit samples the project does not hold yet (same
/// unit, origin, seed, population, creation time and units), oldest first,
/// keeping their creation time: the sample in use stays the newest one
/// drawn (see `Store::audit_sample`).
fn copy_audit_samples(tx: &Transaction) -> Result<usize> {
    type Head = (i64, String, String, Option<i64>, i64, String);
    let heads: Vec<Head> = tx
        .prepare(
            "SELECT id, unit, origin, seed, population, created_at FROM shard.audit_samples
             ORDER BY created_at, id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let units_of = |schema: &str, id: i64| -> Result<Vec<String>> {
        let sql = format!(
            "SELECT unit_key FROM {schema}.audit_units WHERE sample_id = ?1 ORDER BY position"
        );
        let keys = tx
            .prepare(&sql)?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    };
    let mut n = 0;
    for (id, unit, origin, seed, population, created_at) in heads {
        let units = units_of("shard", id)?;
        let candidates: Vec<i64> = tx
            .prepare(
                "SELECT id FROM main.audit_samples WHERE unit = ?1 AND origin = ?2 AND seed IS ?3
                 AND population = ?4 AND created_at = ?5",
            )?
            .query_map(params![unit, origin, seed, population, created_at], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut held = false;
        for c in candidates {
            if units_of("main", c)? == units {
                held = true;
                break;
            }
        }
        if held {
            continue;
        }
        tx.execute(
            "INSERT INTO main.audit_samples(unit, origin, seed, population, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![unit, origin, seed, population, created_at],
        )?;
        let new_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO main.audit_units(sample_id, position, unit_key)
             SELECT ?1, position, unit_key FROM shard.audit_units WHERE sample_id = ?2",
            params![new_id, id],
        )?;
        n += 1;
    }
    Ok(n)
}

/// Shard segment id → project segment id, matched by (turn, sentence).
fn segment_map(tx: &Transaction, shard_doc: i64, main_doc: i64) -> Result<HashMap<i64, i64>> {
    let mut stmt = tx.prepare(
        "SELECT a.id, b.id FROM shard.segments a
         JOIN main.segments b ON b.document_id = ?2 AND b.turn_index = a.turn_index AND b.sentence_index = a.sentence_index
         WHERE a.document_id = ?1",
    )?;
    let rows = stmt.query_map(params![shard_doc, main_doc], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn copy_codings(
    tx: &Transaction,
    seg_map: &HashMap<i64, i64>,
    codebook_map: &HashMap<i64, i64>,
) -> Result<usize> {
    if seg_map.is_empty() {
        return Ok(0);
    }
    let mut read = tx.prepare(
        "SELECT segment_id, code_id, codebook_version, source, coder, confidence, assigned, model_key, classifier, created_at
         FROM shard.codings WHERE segment_id = ?1 ORDER BY id",
    )?;
    let mut write = tx.prepare(
        "INSERT INTO main.codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, model_key, classifier, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut shard_ids: Vec<&i64> = seg_map.keys().collect();
    shard_ids.sort();
    let mut marks = tx.prepare(
        "INSERT OR REPLACE INTO main.coding_marks(segment_id, codebook_version, model_key, classifier, coded_at)
         SELECT ?1, ?2, model_key, classifier, coded_at FROM shard.coding_marks WHERE segment_id = ?3",
    )?;
    let mut mark_version =
        tx.prepare("SELECT codebook_version FROM shard.coding_marks WHERE segment_id = ?1")?;
    let mut gold = tx.prepare(
        "INSERT OR IGNORE INTO main.gold_coverage(segment_id, codebook_version)
         SELECT ?1, ?3 FROM shard.gold_coverage WHERE segment_id = ?2",
    )?;
    let mut gold_version =
        tx.prepare("SELECT codebook_version FROM shard.gold_coverage WHERE segment_id = ?1")?;
    // Who covered it (migration 019), each under the version they coded in.
    let mut gold_coders = tx.prepare(
        "SELECT coder, codebook_version FROM shard.gold_coverage_coders WHERE segment_id = ?1 ORDER BY coder",
    )?;
    let mut gold_coder = tx.prepare(
        "INSERT OR IGNORE INTO main.gold_coverage_coders(segment_id, coder, codebook_version)
         VALUES (?1, ?2, ?3)",
    )?;
    let mut n = 0;
    for shard_seg in shard_ids {
        // The mark tells `code` this sentence is done (see 003_coding.sql).
        let version: Option<i64> = mark_version
            .query_row([shard_seg], |r| r.get(0))
            .optional()?;
        if let Some(v) = version.and_then(|v| codebook_map.get(&v)) {
            marks.execute(params![seg_map[shard_seg], v, shard_seg])?;
        }
        // The version people coded under, as the project numbers it.
        let coded_under: Option<i64> = gold_version
            .query_row([shard_seg], |r| r.get(0))
            .optional()?
            .flatten();
        let coded_under = coded_under.and_then(|v| codebook_map.get(&v).copied());
        gold.execute(params![seg_map[shard_seg], shard_seg, coded_under])?;
        let coders: Vec<(String, Option<i64>)> = gold_coders
            .query_map([shard_seg], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (coder, version) in coders {
            let version = version.and_then(|v| codebook_map.get(&v).copied());
            gold_coder.execute(params![seg_map[shard_seg], coder, version])?;
        }
        let rows: Vec<CodingRow> = read
            .query_map([shard_seg], |r| {
                Ok(CodingRow {
                    code_id: r.get(1)?,
                    codebook_version: r.get(2)?,
                    source: r.get(3)?,
                    coder: r.get(4)?,
                    confidence: r.get(5)?,
                    assigned: r.get(6)?,
                    model_key: r.get(7)?,
                    classifier: r.get(8)?,
                    created_at: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for c in rows {
            let version = c
                .codebook_version
                .and_then(|v| codebook_map.get(&v).copied());
            write.execute(params![
                seg_map[shard_seg],
                c.code_id,
                version,
                c.source,
                c.coder,
                c.confidence,
                c.assigned,
                c.model_key,
                c.classifier,
                c.created_at
            ])?;
            n += 1;
        }
    }
    Ok(n)
}

struct CodingRow {
    code_id: String,
    codebook_version: Option<i64>,
    source: String,
    coder: String,
    confidence: Option<f64>,
    assigned: bool,
    model_key: Option<String>,
    classifier: Option<String>,
    created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use corpus::{Document, Segment, SourceFormat};

    fn doc(name: &str, sentences: &[&str]) -> Document {
        let text = sentences.join(" ");
        let mut segments = Vec::new();
        let mut start = 0;
        for (i, s) in sentences.iter().enumerate() {
            let n = s.chars().count();
            segments.push(Segment {
                speaker: Some("Ann".into()),
                participant_id: Some("P1".into()),
                is_moderator: false,
                turn_index: 0,
                sentence_index: i,
                start_char: start,
                end_char: start + n,
                start_ms: None,
                end_ms: None,
                text: s.to_string(),
            });
            start += n + 1;
        }
        Document {
            name: name.into(),
            source_path: name.into(),
            format: SourceFormat::Text,
            content_hash: corpus::content_hash(text.as_bytes()),
            text,
            turns: vec![],
            segments,
            speaker_attributes: Default::default(),
        }
    }

    #[test]
    fn merging_shards_remaps_ids_and_keeps_codings() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Store::create(&dir.path().join("a.db")).unwrap();
        let mut b = Store::create(&dir.path().join("b.db")).unwrap();
        a.put_document(&doc("one.txt", &["Cameras everywhere.", "I like it."]))
            .unwrap();
        b.put_document(&doc("two.txt", &["Privacy matters."]))
            .unwrap();
        for (s, seg_text) in [(&a, "Cameras everywhere."), (&b, "Privacy matters.")] {
            s.conn()
                .execute(
                    "INSERT INTO codings(segment_id, code_id, source, coder, confidence, assigned, created_at)
                     SELECT id, 'privacy', 'machine', 'test', 0.9, 1, 'now' FROM segments WHERE text = ?1",
                    [seg_text],
                )
                .unwrap();
        }
        drop((a, b));
        let mut project = Store::create(&dir.path().join("p.db")).unwrap();
        let s1 = project.merge_shard(&dir.path().join("b.db")).unwrap();
        let s2 = project.merge_shard(&dir.path().join("a.db")).unwrap();
        assert_eq!((s1.documents_added, s1.segments, s1.codings), (1, 1, 1));
        assert_eq!((s2.documents_added, s2.segments, s2.codings), (1, 2, 1));
        let again = project.merge_shard(&dir.path().join("a.db")).unwrap();
        assert_eq!((again.documents_unchanged, again.codings), (1, 0));
        let coded: Vec<String> = project
            .conn()
            .prepare("SELECT s.text FROM codings c JOIN segments s ON s.id = c.segment_id ORDER BY s.text")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(coded, ["Cameras everywhere.", "Privacy matters."]);
        // Each merged document lists its speaker.
        let speakers: Vec<(String, String)> = project
            .conn()
            .prepare(
                "SELECT d.name, s.participant_id FROM document_speakers s
                 JOIN documents d ON d.id = s.document_id ORDER BY d.name",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            speakers,
            [
                ("one.txt".to_string(), "P1".to_string()),
                ("two.txt".to_string(), "P1".to_string())
            ]
        );
    }

    #[test]
    fn merging_keeps_audit_samples_and_their_gold_codings() {
        let dir = tempfile::tempdir().unwrap();
        let mut shard = Store::create(&dir.path().join("s.db")).unwrap();
        shard
            .put_document(&doc("one.txt", &["Cameras everywhere.", "I like it."]))
            .unwrap();
        let segs: Vec<i64> = shard
            .segments(false)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        let sample = shard
            .put_audit_sample("participant", "draw", Some(7), 1, &["P1".to_string()])
            .unwrap();
        assert!(sample > 0);
        // The blind coding of the unit: one sentence with a code, one "none applies".
        let labels: std::collections::BTreeMap<i64, std::collections::BTreeSet<String>> = [
            (segs[0], ["privacy".to_string()].into_iter().collect()),
            (segs[1], Default::default()),
        ]
        .into_iter()
        .collect();
        shard.put_gold_codings("rita", None, &labels).unwrap();
        drop(shard);

        let mut project = Store::create(&dir.path().join("p.db")).unwrap();
        let stats = project.merge_shard(&dir.path().join("s.db")).unwrap();
        assert_eq!(stats.audit_samples, 1);
        let got = project.audit_sample().unwrap().unwrap();
        assert_eq!(
            (
                got.unit.as_str(),
                got.origin.as_str(),
                got.seed,
                got.population
            ),
            ("participant", "draw", Some(7), 1)
        );
        assert_eq!(got.units, ["P1"]);
        let merged: Vec<i64> = project
            .segments(false)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        let gold = project.gold_codings_of(&merged).unwrap();
        assert_eq!(gold.len(), 2, "both sentences stay audited: {gold:?}");
        assert_eq!(
            gold[&merged[0]].codes.iter().collect::<Vec<_>>(),
            ["privacy"]
        );
        assert!(gold[&merged[1]].codes.is_empty());
        // Who coded them goes along, her "none applies" included.
        assert_eq!(
            project.gold_coverage_coders().unwrap(),
            std::collections::BTreeMap::from([(
                "rita".to_string(),
                merged.iter().copied().collect()
            )])
        );

        // Merging again copies nothing twice; a newer sample drawn on the
        // project stays the one in use after merging the older shard sample.
        let again = project.merge_shard(&dir.path().join("s.db")).unwrap();
        assert_eq!(again.audit_samples, 0);
        project
            .conn()
            .execute(
                "UPDATE audit_samples SET created_at = '2000-01-01T00:00:00Z'",
                [],
            )
            .unwrap();
        project
            .put_audit_sample("document", "draw", Some(1), 1, &["one.txt".to_string()])
            .unwrap();
        let shard = Store::open(&dir.path().join("s.db")).unwrap();
        shard
            .conn()
            .execute(
                "UPDATE audit_samples SET created_at = '2001-01-01T00:00:00Z'",
                [],
            )
            .unwrap();
        drop(shard);
        assert_eq!(
            project
                .merge_shard(&dir.path().join("s.db"))
                .unwrap()
                .audit_samples,
            1
        );
        assert_eq!(project.audit_sample().unwrap().unwrap().unit, "document");
    }
}
