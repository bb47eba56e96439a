//! Audit samples: which units people coded as a random sample (see
//! migrations/009_audit.sql and docs/report.md).

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

    /// The audit sample in use (the newest), with its units in draw order.
    pub fn audit_sample(&self) -> Result<Option<AuditSample>> {
        if !self.has_table("audit_samples")? {
            return Ok(None);
        }
        let head = self
            .conn
            .query_row(
                "SELECT id, unit, origin, seed, population, created_at FROM audit_samples ORDER BY id DESC LIMIT 1",
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
}
