//! Audit samples: which units people coded as a random sample (see
//! migrations/009_audit.sql and docs/report.md), and the gold codings the
//! review page's Audit tab reads back for them.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::OptionalExtension;

use crate::{now, Result, Store};

/// The newest audit sample.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditSample {
    pub id: i64,
    /// `participant`, `sentence` or `document`.
    pub unit: String,
    /// `draw` (drawn here) or `import` (gold the user declared a random sample).
    pub origin: String,
    pub seed: Option<i64>,
    /// Units there were to draw from.
    pub population: i64,
    pub created_at: String,
    /// Unit keys in draw order.
    pub units: Vec<String>,
}

impl Store {
    /// Records a new audit sample (it becomes the one in use).
    pub fn put_audit_sample(
        &mut self,
        unit: &str,
        origin: &str,
        seed: Option<i64>,
        population: i64,
        units: &[String],
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO audit_samples(unit, origin, seed, population, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![unit, origin, seed, population, now()],
            )?;
            let id = tx.last_insert_rowid();
            let mut stmt = tx.prepare(
                "INSERT INTO audit_units(sample_id, position, unit_key) VALUES (?1, ?2, ?3)",
            )?;
            for (i, key) in units.iter().enumerate() {
                stmt.execute(rusqlite::params![id, i as i64, key])?;
            }
            Ok(id)
        })
    }

    /// Records the number of units a sample's draw was checked against
    /// today: a draw that keeps the sample as it is (the same seed's first
    /// units, after units were added) drew it from today's units.
    pub fn set_audit_population(&mut self, sample_id: i64, population: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE audit_samples SET population = ?1 WHERE id = ?2",
            rusqlite::params![population, sample_id],
        )?;
        Ok(())
    }

    /// The audit sample in use (the newest by creation time, then by id:
    /// samples merged in from shards keep their creation time, so merging an
    /// older shard sample does not displace a newer one), with its units in
    /// draw order.
    pub fn audit_sample(&self) -> Result<Option<AuditSample>> {
        if !self.has_table("audit_samples")? {
            return Ok(None);
        }
        let head = self
            .conn
            .query_row(
                "SELECT id, unit, origin, seed, population, created_at FROM audit_samples ORDER BY created_at DESC, id DESC LIMIT 1",
                [],
                |r| {
                    Ok(AuditSample {
                        id: r.get(0)?,
                        unit: r.get(1)?,
                        origin: r.get(2)?,
                        seed: r.get(3)?,
                        population: r.get(4)?,
                        created_at: r.get(5)?,
                        units: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut sample) = head else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare("SELECT unit_key FROM audit_units WHERE sample_id = ?1 ORDER BY position")?;
        sample.units = stmt
            .query_map([sample.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(sample))
    }

    /// The gold codings of `segments` that the gold standard covers (a
    /// covered sentence without a gold coding is "no code applies"): segment
    /// → its gold codes (every coder's: their union, as the report counts
    /// them), the coders who gave them and each coder's own, a coder who
    /// covered it with "no code applies" among them (`by_coder`). Segments
    /// not covered are left out.
    pub fn gold_codings_of(&self, segments: &[i64]) -> Result<BTreeMap<i64, GoldCodes>> {
        let mut covered = self.conn.prepare(
            "SELECT EXISTS(SELECT 1 FROM gold_coverage WHERE segment_id = ?1)
                 OR EXISTS(SELECT 1 FROM codings WHERE segment_id = ?1 AND source = 'gold')",
        )?;
        let mut codes = self.conn.prepare(
            "SELECT code_id, coder FROM codings WHERE segment_id = ?1 AND source = 'gold' ORDER BY id",
        )?;
        let mut covered_by = self
            .conn
            .prepare("SELECT coder FROM gold_coverage_coders WHERE segment_id = ?1")?;
        let mut out = BTreeMap::new();
        for &seg in segments {
            if !covered.query_row([seg], |r| r.get::<_, bool>(0))? {
                continue;
            }
            let mut g = GoldCodes::default();
            for coder in covered_by.query_map([seg], |r| r.get::<_, String>(0))? {
                g.by_coder.entry(coder?).or_default();
            }
            let rows = codes.query_map([seg], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            for row in rows {
                let (code, coder): (String, String) = row?;
                g.by_coder
                    .entry(coder.clone())
                    .or_default()
                    .insert(code.clone());
                g.codes.insert(code);
                g.coders.insert(coder);
            }
            out.insert(seg, g);
        }
        Ok(out)
    }
}

/// What the gold standard says about one sentence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoldCodes {
    /// Empty: no code applies.
    pub codes: BTreeSet<String>,
    pub coders: BTreeSet<String>,
    /// Coder → the codes they gave (blind double coding stores each
    /// coder's beside the other's: `Store::put_coder_gold_codings`); a
    /// coder who judged "no code applies" here has an empty set
    /// (`gold_coverage_coders`, migration 019). Coverage written before
    /// names no coder: a sentence covered so, without codings, has none.
    pub by_coder: BTreeMap<String, BTreeSet<String>>,
}
