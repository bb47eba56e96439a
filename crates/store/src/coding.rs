//! Codings (the `codings`, `coding_marks`, `gold_coverage` and `gold_coverage_coders`
//! tables, owned by the classify stage); codebook versions are in `codebooks.rs`.
//!
//! Machine codings: one row per (segment, code) whose calibrated probability
//! is at least [`MIN_STORED_PROBABILITY`], `assigned` = 1 when the code is
//! given. Each sentence has one current machine coding: re-coding it replaces
//! its machine rows (of every version) and its mark, in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::{now, Result, Store};

/// Probabilities below this are not stored (they count as 0).
pub const MIN_STORED_PROBABILITY: f64 = 0.05;

/// One machine (segment, code) probability to store.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineCoding {
    pub segment_id: i64,
    pub code_id: String,
    pub confidence: f64,
    pub assigned: bool,
}

/// What the classifier that coded a batch was.
#[derive(Debug, Clone, PartialEq)]
pub struct CodingRun<'a> {
    pub codebook_version: i64,
    pub model_key: &'a str,
    /// Classifier fingerprint (mode + training data hash + parameters).
    pub classifier: &'a str,
    /// Coder name recorded on the rows, e.g. `autocode/supervised`.
    pub coder: &'a str,
}

/// A human or gold coding, with the segment's text and document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HumanCoding {
    pub segment_id: i64,
    pub code_id: String,
    pub source: String,
    pub coder: String,
}

/// One stored `codings` row.
#[derive(Debug, Clone, PartialEq)]
pub struct CodingRecord {
    pub id: i64,
    pub segment_id: i64,
    pub code_id: String,
    pub codebook_version: Option<i64>,
    /// machine | human | gold
    pub source: String,
    pub coder: String,
    pub confidence: Option<f64>,
    pub assigned: bool,
    pub classifier: Option<String>,
    /// When the row was written (`YYYY-MM-DDThh:mm:ssZ`), or the date an
    /// imported coding carried.
    pub created_at: Option<String>,
}

/// A human or gold coding to add (certain and assigned).
#[derive(Debug, Clone, PartialEq)]
pub struct SettledCoding<'a> {
    pub segment_id: i64,
    pub code_id: &'a str,
    pub codebook_version: Option<i64>,
    /// human | gold
    pub source: &'a str,
    pub coder: &'a str,
    /// What produced it, e.g. `qdpx:FILE` for an import.
    pub classifier: Option<&'a str>,
    pub created_at: &'a str,
}

/// Adds a human or gold coding unless the same coder already gave the same
/// code on the sentence from the same source; returns whether it was added.
pub fn add_settled_coding(conn: &Connection, c: &SettledCoding<'_>) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, classifier, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, 1.0, 1, ?6, ?7
         WHERE NOT EXISTS (SELECT 1 FROM codings WHERE segment_id = ?1 AND code_id = ?2 AND source = ?4 AND coder = ?5)",
        params![c.segment_id, c.code_id, c.codebook_version, c.source, c.coder, c.classifier, c.created_at],
    )?;
    Ok(n == 1)
}

/// Removes the codings a REFI-QDA import wrote (classifier `qdpx:…`) of
/// `coder` from `source` on `segments`, before a new import of the same
/// coder's work on them; returns the (segment, code, created_at) of those
/// removed. A review decision's coding (no classifier) is not touched.
pub fn remove_imported_codings(
    conn: &Connection,
    segments: &[i64],
    source: &str,
    coder: &str,
) -> Result<Vec<(i64, String, String)>> {
    let mut select = conn.prepare_cached(
        "SELECT code_id, created_at FROM codings WHERE segment_id = ?1 AND source = ?2 AND coder = ?3
         AND classifier LIKE 'qdpx:%' ORDER BY code_id",
    )?;
    let mut delete = conn.prepare_cached(
        "DELETE FROM codings WHERE segment_id = ?1 AND source = ?2 AND coder = ?3
         AND classifier LIKE 'qdpx:%'",
    )?;
    let mut removed = Vec::new();
    for &seg in segments {
        let codes = select.query_map(params![seg, source, coder], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for code in codes {
            let (code, at) = code?;
            removed.push((seg, code, at));
        }
        delete.execute(params![seg, source, coder])?;
    }
    Ok(removed)
}

/// Marks a sentence as covered by the gold standard: there, a code without a
/// gold coding is absent.
pub fn add_gold_coverage(conn: &Connection, segment_id: i64) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO gold_coverage(segment_id) VALUES (?1)",
        [segment_id],
    )?;
    Ok(())
}

/// Whose gold a write replaces on the segments it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoldWrite {
    /// Every coder's (the audit page without `--blind`).
    Replace,
    /// Every coder's, except on a covered segment whose gold codes are the
    /// ones given again (a gold file imported again).
    KeepUnchanged,
    /// The writing coder's own only (blind coding).
    ReplaceOwn,
}

impl Store {
    /// Segment ids already coded by exactly this model, codebook version and classifier.
    pub fn coded_segments(&self, run: &CodingRun<'_>) -> Result<BTreeSet<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT segment_id FROM coding_marks
             WHERE codebook_version = ?1 AND model_key = ?2 AND classifier = ?3",
        )?;
        let rows = stmt.query_map(
            params![run.codebook_version, run.model_key, run.classifier],
            |r| r.get(0),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces the machine codings of `segment_ids` with `rows` (all of which
    /// must belong to those segments) and marks them coded by `run`, in one
    /// transaction. Rows below [`MIN_STORED_PROBABILITY`] are dropped.
    pub fn put_machine_codings(
        &mut self,
        run: &CodingRun<'_>,
        segment_ids: &[i64],
        rows: &[MachineCoding],
    ) -> Result<usize> {
        self.write(|tx| {
            let created_at = now();
            let mut del =
                tx.prepare("DELETE FROM codings WHERE segment_id = ?1 AND source = 'machine'")?;
            let mut mark = tx.prepare(
                "INSERT INTO coding_marks(segment_id, codebook_version, model_key, classifier, coded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(segment_id) DO UPDATE SET codebook_version = excluded.codebook_version,
                   model_key = excluded.model_key, classifier = excluded.classifier, coded_at = excluded.coded_at",
            )?;
            for &s in segment_ids {
                del.execute([s])?;
                mark.execute(params![s, run.codebook_version, run.model_key, run.classifier, created_at])?;
            }
            let mut ins = tx.prepare(
                "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence,
                                     assigned, model_key, classifier, created_at)
                 VALUES (?1, ?2, ?3, 'machine', ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut n = 0;
            for r in rows.iter().filter(|r| r.confidence >= MIN_STORED_PROBABILITY) {
                ins.execute(params![
                    r.segment_id,
                    r.code_id,
                    run.codebook_version,
                    run.coder,
                    r.confidence,
                    r.assigned,
                    run.model_key,
                    run.classifier,
                    created_at
                ])?;
                n += 1;
            }
            Ok(n)
        })
    }

    /// Human and gold codings (source in human|gold), in segment order.
    pub fn human_codings(&self) -> Result<Vec<HumanCoding>> {
        let mut stmt = self.conn.prepare(
            "SELECT segment_id, code_id, source, coder FROM codings
             WHERE source IN ('human', 'gold') ORDER BY segment_id, code_id, source, coder",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(HumanCoding {
                segment_id: r.get(0)?,
                code_id: r.get(1)?,
                source: r.get(2)?,
                coder: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every coding row in id order.
    pub fn codings(&self) -> Result<Vec<CodingRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, segment_id, code_id, codebook_version, source, coder, confidence, assigned, classifier,
                    created_at
             FROM codings ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CodingRecord {
                id: r.get(0)?,
                segment_id: r.get(1)?,
                code_id: r.get(2)?,
                codebook_version: r.get(3)?,
                source: r.get(4)?,
                coder: r.get(5)?,
                confidence: r.get(6)?,
                assigned: r.get(7)?,
                classifier: r.get(8)?,
                created_at: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sentences the current classifier has coded (`coding_marks`).
    /// The sentences a classifier coded (`coding_marks`), with the codebook
    /// version it coded them under.
    pub fn coding_marks_by_version(&self) -> Result<BTreeMap<i64, i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT segment_id, codebook_version FROM coding_marks")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn coding_mark_segments(&self) -> Result<BTreeSet<i64>> {
        let mut stmt = self.conn.prepare("SELECT segment_id FROM coding_marks")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sentences an imported gold standard covers (`gold_coverage`), each
    /// with the codebook version people coded it under (`None`: not
    /// known, every code judged; migration 015).
    pub fn gold_coverage_segments(&self) -> Result<BTreeMap<i64, Option<i64>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT segment_id, codebook_version FROM gold_coverage")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Coder → the covered sentences they coded completely themselves
    /// (`gold_coverage_coders`, migration 019: the audit page, `code
    /// --import-gold`), "no code applies" included. Coverage written
    /// before, or by a `.qdpx` import, names no coder and is not here.
    pub fn gold_coverage_coders(&self) -> Result<BTreeMap<String, BTreeSet<i64>>> {
        let mut stmt = self.conn.prepare(
            "SELECT k.coder, k.segment_id FROM gold_coverage_coders k
             JOIN gold_coverage g ON g.segment_id = k.segment_id ORDER BY k.coder, k.segment_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        for row in rows {
            let (coder, seg) = row?;
            out.entry(coder).or_default().insert(seg);
        }
        Ok(out)
    }

    /// The code ids of each codebook version `coverage` names
    /// ([`Store::gold_coverage_segments`]; [`Store::codebook_code_ids`]):
    /// the codes people judged there. A version no longer stored is left out.
    pub fn gold_coverage_codebooks(
        &self,
        coverage: &BTreeMap<i64, Option<i64>>,
    ) -> Result<BTreeMap<i64, BTreeSet<String>>> {
        let versions: BTreeSet<i64> = coverage.values().flatten().copied().collect();
        let mut out = BTreeMap::new();
        for v in versions {
            if let Some(codes) = self.codebook_code_ids(v)? {
                out.insert(v, codes);
            }
        }
        Ok(out)
    }

    /// Segments that carry gold codings: the gold standard covers every code on them.
    pub fn gold_segments(&self) -> Result<BTreeSet<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT segment_id FROM codings WHERE source = 'gold' UNION SELECT segment_id FROM gold_coverage")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces the gold codings of the given segments (segment → codes; an
    /// empty set records "gold says no code applies") in one transaction:
    /// people coded them just now, under `codebook_version` (the audit page).
    /// Every coder's gold on them is replaced: the submission was made
    /// seeing theirs (the audit page without `--blind`, a correction).
    pub fn put_gold_codings(
        &mut self,
        coder: &str,
        codebook_version: Option<i64>,
        labels: &BTreeMap<i64, BTreeSet<String>>,
    ) -> Result<usize> {
        self.write_gold_codings(coder, codebook_version, labels, GoldWrite::Replace)
    }

    /// As [`Store::put_gold_codings`], for a coder who coded blind (the
    /// audit page with `review --blind`): only `coder`'s own gold on the
    /// segments is replaced, and every other coder's stays beside it, as
    /// two coders imported from a QDA project stay (the report gives a
    /// code where either gives it and pairs them in the agreement table).
    /// Before, a second blind coder's submission deleted the first's
    /// codings of the unit (h18/01).
    pub fn put_coder_gold_codings(
        &mut self,
        coder: &str,
        codebook_version: Option<i64>,
        labels: &BTreeMap<i64, BTreeSet<String>>,
    ) -> Result<usize> {
        self.write_gold_codings(coder, codebook_version, labels, GoldWrite::ReplaceOwn)
    }

    /// As [`Store::put_gold_codings`], for gold read from a file
    /// (`code --import-gold`, which a nightly `run` repeats): a covered
    /// sentence whose gold codes are those the file gives again is left as
    /// it is, with the codebook version it was coded under. Before, every
    /// run re-stamped the unchanged file with the codebook in use, and a
    /// code added since read as judged absent on every audited sentence.
    pub fn import_gold_codings(
        &mut self,
        coder: &str,
        codebook_version: Option<i64>,
        labels: &BTreeMap<i64, BTreeSet<String>>,
    ) -> Result<usize> {
        self.write_gold_codings(coder, codebook_version, labels, GoldWrite::KeepUnchanged)
    }

    fn write_gold_codings(
        &mut self,
        coder: &str,
        codebook_version: Option<i64>,
        labels: &BTreeMap<i64, BTreeSet<String>>,
        how: GoldWrite,
    ) -> Result<usize> {
        self.write(|tx| {
            let created_at = now();
            let mut n = 0;
            let mut covered =
                tx.prepare("SELECT EXISTS(SELECT 1 FROM gold_coverage WHERE segment_id = ?1)")?;
            let mut given = tx.prepare(
                "SELECT DISTINCT code_id FROM codings WHERE segment_id = ?1 AND source = 'gold'",
            )?;
            for (seg, codes) in labels {
                if how == GoldWrite::KeepUnchanged
                    && covered.query_row([seg], |r| r.get::<_, bool>(0))?
                {
                    let before: BTreeSet<String> = given
                        .query_map([seg], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    if &before == codes {
                        // The file's coder covered it, where the gold on
                        // it is theirs alone (coverage written before
                        // migration 019 names no coder).
                        tx.execute(
                            "INSERT OR IGNORE INTO gold_coverage_coders(segment_id, coder, codebook_version)
                             SELECT g.segment_id, ?2, g.codebook_version FROM gold_coverage g
                             WHERE g.segment_id = ?1
                               AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.segment_id = ?1
                                               AND c.source = 'gold' AND c.coder != ?2)
                               AND NOT EXISTS (SELECT 1 FROM gold_coverage_coders o
                                               WHERE o.segment_id = ?1 AND o.coder != ?2)",
                            params![seg, coder],
                        )?;
                        n += codes.len();
                        continue;
                    }
                }
                match how {
                    GoldWrite::ReplaceOwn => tx.execute(
                        "DELETE FROM codings WHERE segment_id = ?1 AND source = 'gold' AND coder = ?2",
                        params![seg, coder],
                    )?,
                    GoldWrite::Replace | GoldWrite::KeepUnchanged => {
                        // The others' codings are gone: so is their claim
                        // to have coded the sentence.
                        tx.execute(
                            "DELETE FROM gold_coverage_coders WHERE segment_id = ?1",
                            [seg],
                        )?;
                        tx.execute(
                            "DELETE FROM codings WHERE segment_id = ?1 AND source = 'gold'",
                            [seg],
                        )?
                    }
                };
                // Who coded it, even where they gave no code (migration 019).
                tx.execute(
                    "INSERT INTO gold_coverage_coders(segment_id, coder, codebook_version) VALUES (?1, ?2, ?3)
                     ON CONFLICT(segment_id, coder) DO UPDATE SET codebook_version = excluded.codebook_version",
                    params![seg, coder, codebook_version],
                )?;
                // Coded again: the sentence is judged under this version now.
                tx.execute(
                    "INSERT INTO gold_coverage(segment_id, codebook_version) VALUES (?1, ?2)
                     ON CONFLICT(segment_id) DO UPDATE SET codebook_version = excluded.codebook_version",
                    params![seg, codebook_version],
                )?;
                for code in codes {
                    tx.execute(
                        "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder,
                                             confidence, assigned, created_at)
                         VALUES (?1, ?2, ?3, 'gold', ?4, 1.0, 1, ?5)",
                        params![seg, code, codebook_version, coder, created_at],
                    )?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    /// Distinct participants with an assigned coding per code (machine,
    /// human or gold), moderators excluded.
    pub fn code_participant_counts(&self) -> Result<BTreeMap<String, i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.code_id, COUNT(DISTINCT s.participant_id) FROM codings c
             JOIN segments s ON s.id = c.segment_id
             WHERE c.assigned = 1 AND s.is_moderator = 0 AND s.participant_id IS NOT NULL
             GROUP BY c.code_id ORDER BY c.code_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// (segment, code) of every machine coding that assigns its code to a
    /// participant sentence, in segment order.
    pub fn machine_assignments(&self) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.segment_id, c.code_id FROM codings c JOIN segments s ON s.id = c.segment_id
             WHERE c.source = 'machine' AND c.assigned = 1 AND s.is_moderator = 0
             ORDER BY c.segment_id, c.code_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corpus::{Document, Segment, SourceFormat, Turn};

    fn store_with_segments() -> (tempfile::TempDir, Store, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        let text = "One. Two.".to_string();
        let seg = |i: usize, s: usize, t: &str| Segment {
            speaker: Some("Ann".into()),
            participant_id: Some("P1".into()),
            is_moderator: false,
            turn_index: 0,
            sentence_index: i,
            start_char: s,
            end_char: s + 4,
            start_ms: None,
            end_ms: None,
            text: t.into(),
        };
        let doc = Document {
            name: "a.txt".into(),
            source_path: "a.txt".into(),
            format: SourceFormat::Text,
            content_hash: corpus::content_hash(text.as_bytes()),
            text,
            turns: vec![Turn {
                index: 0,
                speaker: Some("Ann".into()),
                role: None,
                is_moderator: false,
                start_char: 0,
                end_char: 9,
                start_ms: None,
                end_ms: None,
            }],
            segments: vec![seg(0, 0, "One."), seg(1, 5, "Two.")],
            speaker_attributes: Default::default(),
        };
        store.put_document(&doc).unwrap();
        let ids = store
            .segments(false)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        (dir, store, ids)
    }

    #[test]
    fn machine_codings_replace_and_mark() {
        let (_d, mut store, ids) = store_with_segments();
        let run = CodingRun {
            codebook_version: 1,
            model_key: "m",
            classifier: "c1",
            coder: "autocode",
        };
        let rows = vec![
            MachineCoding {
                segment_id: ids[0],
                code_id: "a".into(),
                confidence: 0.9,
                assigned: true,
            },
            MachineCoding {
                segment_id: ids[0],
                code_id: "b".into(),
                confidence: 0.01,
                assigned: false,
            },
        ];
        assert_eq!(store.put_machine_codings(&run, &ids, &rows).unwrap(), 1);
        assert_eq!(store.coded_segments(&run).unwrap().len(), 2);
        let run2 = CodingRun {
            classifier: "c2",
            ..run.clone()
        };
        assert!(store.coded_segments(&run2).unwrap().is_empty());
        let rows2 = vec![MachineCoding {
            segment_id: ids[0],
            code_id: "b".into(),
            confidence: 0.4,
            assigned: false,
        }];
        store.put_machine_codings(&run2, &ids[..1], &rows2).unwrap();
        let got: Vec<(String, f64, bool)> = store
            .conn()
            .prepare("SELECT code_id, confidence, assigned FROM codings WHERE source = 'machine'")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(got, vec![("b".to_string(), 0.4, false)]);
        assert_eq!(store.coded_segments(&run).unwrap().len(), 1);
        assert!(store.code_participant_counts().unwrap().is_empty());
    }

    #[test]
    fn gold_codings_cover_segments_without_codes() {
        let (_d, mut store, ids) = store_with_segments();
        let mut labels = BTreeMap::new();
        labels.insert(ids[0], BTreeSet::from(["a".to_string()]));
        labels.insert(ids[1], BTreeSet::new());
        assert_eq!(store.put_gold_codings("gold", None, &labels).unwrap(), 1);
        assert_eq!(store.put_gold_codings("gold", None, &labels).unwrap(), 1);
        assert_eq!(store.human_codings().unwrap().len(), 1);
        assert_eq!(store.gold_segments().unwrap().len(), 2);
        assert_eq!(store.code_participant_counts().unwrap().get("a"), Some(&1));
    }

    /// Blind double coding (h18/01): a second coder's submission of the
    /// same sentences keeps the first coder's codings beside theirs; a
    /// coder submitting again replaces only their own; a correction made
    /// seeing everyone's (`put_gold_codings`) replaces every coder's.
    #[test]
    fn blind_gold_keeps_each_coders_codings() {
        let (_d, mut store, ids) = store_with_segments();
        let coded = |store: &Store| -> Vec<(i64, String, String)> {
            store
                .human_codings()
                .unwrap()
                .into_iter()
                .map(|h| (h.segment_id, h.code_id, h.coder))
                .collect()
        };
        let ana = BTreeMap::from([
            (ids[0], BTreeSet::from(["costs".to_string()])),
            (ids[1], BTreeSet::new()),
        ]);
        let ben = BTreeMap::from([
            (ids[0], BTreeSet::from(["tools".to_string()])),
            (ids[1], BTreeSet::from(["costs".to_string()])),
        ]);
        assert_eq!(
            store.put_coder_gold_codings("ana", Some(1), &ana).unwrap(),
            1
        );
        assert_eq!(
            store.put_coder_gold_codings("ben", Some(1), &ben).unwrap(),
            2
        );
        let ana_and_ben = vec![
            (ids[0], "costs".to_string(), "ana".to_string()),
            (ids[0], "tools".to_string(), "ben".to_string()),
            (ids[1], "costs".to_string(), "ben".to_string()),
        ];
        assert_eq!(coded(&store), ana_and_ben);
        assert_eq!(
            store.gold_coverage_segments().unwrap(),
            BTreeMap::from([(ids[0], Some(1)), (ids[1], Some(1))])
        );
        let gold = store.gold_codings_of(&ids).unwrap();
        assert_eq!(
            gold[&ids[0]].by_coder,
            BTreeMap::from([
                ("ana".to_string(), BTreeSet::from(["costs".to_string()])),
                ("ben".to_string(), BTreeSet::from(["tools".to_string()])),
            ])
        );
        // ana changes her mind: "no code" on the first sentence; ben's stay.
        let ana_again = BTreeMap::from([(ids[0], BTreeSet::new())]);
        store
            .put_coder_gold_codings("ana", Some(1), &ana_again)
            .unwrap();
        assert_eq!(coded(&store), ana_and_ben[1..].to_vec());
        // A correction made seeing both replaces both on its sentence.
        let fixed = BTreeMap::from([(ids[0], BTreeSet::from(["costs".to_string()]))]);
        store.put_gold_codings("cat", Some(1), &fixed).unwrap();
        assert_eq!(
            coded(&store),
            vec![
                (ids[0], "costs".to_string(), "cat".to_string()),
                (ids[1], "costs".to_string(), "ben".to_string()),
            ]
        );
    }

    /// The coverage records the codebook version people coded under, and a
    /// sentence coded again takes the newer one (migration 015). A file
    /// imported again changes only the sentences whose gold it changes.
    #[test]
    fn gold_coverage_keeps_the_codebook_version_coded_under() {
        let (_d, mut store, ids) = store_with_segments();
        let labels = BTreeMap::from([(ids[0], BTreeSet::new()), (ids[1], BTreeSet::new())]);
        store.import_gold_codings("gold", Some(1), &labels).unwrap();
        let again = BTreeMap::from([(ids[1], BTreeSet::from(["a".to_string()]))]);
        store.put_gold_codings("ann", Some(2), &again).unwrap();
        assert_eq!(
            store.gold_coverage_segments().unwrap(),
            BTreeMap::from([(ids[0], Some(1)), (ids[1], Some(2))])
        );
        // The file again under version 3: sentence 0 unchanged keeps 1;
        // sentence 1 loses its "a" and is re-judged under 3.
        assert_eq!(
            store.import_gold_codings("gold", Some(3), &labels).unwrap(),
            0
        );
        assert_eq!(
            store.gold_coverage_segments().unwrap(),
            BTreeMap::from([(ids[0], Some(1)), (ids[1], Some(3))])
        );
        // Who coded each (migration 019): the file's coder, where ann's
        // correction was taken back by the file; a correction replaces it.
        let coders = |store: &Store| store.gold_coverage_coders().unwrap();
        assert_eq!(
            coders(&store),
            BTreeMap::from([("gold".to_string(), BTreeSet::from([ids[0], ids[1]]))])
        );
        // Submitted again on the audit page, unchanged: judged under 3 now.
        store.put_gold_codings("ann", Some(3), &labels).unwrap();
        assert_eq!(
            store.gold_coverage_segments().unwrap(),
            BTreeMap::from([(ids[0], Some(3)), (ids[1], Some(3))])
        );
        assert_eq!(
            coders(&store),
            BTreeMap::from([("ann".to_string(), BTreeSet::from([ids[0], ids[1]]))])
        );
        // The file again, unchanged on both: its coder covers them only
        // where no one else's coding or coverage is there.
        store.import_gold_codings("gold", Some(3), &labels).unwrap();
        assert_eq!(
            coders(&store),
            BTreeMap::from([("ann".to_string(), BTreeSet::from([ids[0], ids[1]]))])
        );
    }

    /// Coverage written before migration 019 names no coder: a gold file
    /// imported again unchanged names its coder on the sentences only it
    /// coded, and a blind coder's "no code" names them (h18/01 follow-up).
    #[test]
    fn gold_coverage_names_its_coder_even_without_a_code() {
        let (_d, mut store, ids) = store_with_segments();
        let labels = BTreeMap::from([
            (ids[0], BTreeSet::new()),
            (ids[1], BTreeSet::from(["a".to_string()])),
        ]);
        store.import_gold_codings("gold", Some(1), &labels).unwrap();
        store
            .conn
            .execute("DELETE FROM gold_coverage_coders", [])
            .unwrap();
        store.import_gold_codings("gold", Some(1), &labels).unwrap();
        assert_eq!(
            store.gold_coverage_coders().unwrap(),
            BTreeMap::from([("gold".to_string(), BTreeSet::from([ids[0], ids[1]]))])
        );
        let none = BTreeMap::from([(ids[0], BTreeSet::new())]);
        store.put_coder_gold_codings("ana", Some(1), &none).unwrap();
        let gold = store.gold_codings_of(&[ids[0]]).unwrap();
        assert_eq!(
            gold[&ids[0]].by_coder,
            BTreeMap::from([
                ("ana".to_string(), BTreeSet::new()),
                ("gold".to_string(), BTreeSet::new()),
            ])
        );
        assert!(gold[&ids[0]].coders.is_empty());
    }
}
