//! The audit sample: units drawn at random for blind human coding, whose
//! codes estimate the report's counts (docs/report.md, "Estimates").
//!
//! A draw shuffles every unit with a seeded Fisher–Yates shuffle of the
//! sorted unit keys and keeps the first `size`: the same seed gives the same
//! order, so a bigger draw with the same seed extends a smaller one and stays
//! a simple random sample. Stratification is not offered: the estimator in
//! `report::ppi` assumes a simple random sample, and a stratified draw would
//! need a stratified estimator to stay valid.

use std::collections::BTreeSet;

use anyhow::bail;
use classify::model::SplitMix;
use report::ppi::AuditUnit;
use serde::Serialize;
use store::{Store, StoredSegment};

/// How many units to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuditSize {
    Units(usize),
    /// A share of all units, rounded up.
    Fraction(f64),
}

#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub unit: AuditUnit,
    pub size: AuditSize,
    pub seed: u64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            unit: AuditUnit::Participant,
            size: AuditSize::Fraction(0.2),
            seed: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditSummary {
    pub sample_id: i64,
    pub unit: AuditUnit,
    pub seed: Option<u64>,
    /// Units there are to draw from.
    pub population: usize,
    /// Units in the sample.
    pub drawn: usize,
    /// Of those, units whose every sentence people have coded.
    pub coded: usize,
    /// Whether the sample is the one already stored (same unit, seed and size).
    pub unchanged: bool,
}

/// Participant sentences (moderators are not coded) grouped as units: the
/// sorted unit keys.
pub fn population(segments: &[StoredSegment], unit: AuditUnit) -> Vec<String> {
    let keys: BTreeSet<String> = segments
        .iter()
        .filter(|s| !s.is_moderator)
        .map(|s| unit.key(s))
        .collect();
    keys.into_iter().collect()
}

/// The seeded random order of `keys` (sorted first, so the order depends on
/// the set of units and the seed only).
pub fn shuffled(keys: &[String], seed: u64) -> Vec<String> {
    let mut out: Vec<String> = keys.to_vec();
    out.sort();
    let mut rng = SplitMix(seed);
    for i in (1..out.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

/// Units of the sample whose every participant sentence is gold-covered.
pub fn coded_units(store: &Store, unit: AuditUnit, keys: &[String]) -> anyhow::Result<usize> {
    let gold = store.gold_segments()?;
    let wanted: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    let mut complete: std::collections::BTreeMap<String, bool> = Default::default();
    for s in store.segments(false)?.iter().filter(|s| !s.is_moderator) {
        let k = unit.key(s);
        if wanted.contains(k.as_str()) {
            let e = complete.entry(k).or_insert(true);
            *e &= gold.contains(&s.id);
        }
    }
    Ok(complete.values().filter(|c| **c).count())
}

/// Draws (or extends) the audit sample and records it in the store.
pub fn draw(store: &mut Store, opts: &AuditOptions) -> anyhow::Result<AuditSummary> {
    let segments = store.segments(false)?;
    let keys = population(&segments, opts.unit);
    if keys.is_empty() {
        bail!("no participant sentences to draw from: run `autocode ingest` first");
    }
    let size = match opts.size {
        AuditSize::Units(n) => n,
        AuditSize::Fraction(f) => {
            if !(f > 0.0 && f <= 1.0) {
                bail!("--fraction must be in (0, 1], got {f}");
            }
            (f * keys.len() as f64).ceil() as usize
        }
    };
    if size == 0 {
        bail!("an audit sample needs at least one unit");
    }
    if size > keys.len() {
        bail!(
            "--size {size} is more than the {} {}s there are",
            keys.len(),
            opts.unit.as_str()
        );
    }
    let order = shuffled(&keys, opts.seed);
    let units: Vec<String> = order[..size].to_vec();
    if let Some(old) = store.audit_sample()? {
        if old.unit == opts.unit.as_str()
            && old.seed == Some(opts.seed as i64)
            && old.units == units
        {
            let coded = coded_units(store, opts.unit, &units)?;
            return Ok(AuditSummary {
                sample_id: old.id,
                unit: opts.unit,
                seed: Some(opts.seed),
                population: keys.len(),
                drawn: size,
                coded,
                unchanged: true,
            });
        }
    }
    let id = store.put_audit_sample(
        opts.unit.as_str(),
        "draw",
        Some(opts.seed as i64),
        keys.len() as i64,
        &units,
    )?;
    let coded = coded_units(store, opts.unit, &units)?;
    Ok(AuditSummary {
        sample_id: id,
        unit: opts.unit,
        seed: Some(opts.seed),
        population: keys.len(),
        drawn: size,
        coded,
        unchanged: false,
    })
}

/// Records the units an imported gold standard fully covers as the audit
/// sample: the user says they were drawn at random (`--random-sample`).
pub fn declare_imported(store: &mut Store, unit: AuditUnit) -> anyhow::Result<AuditSummary> {
    let segments = store.segments(false)?;
    let keys = population(&segments, unit);
    let gold = store.gold_segments()?;
    let mut complete: std::collections::BTreeMap<String, bool> = Default::default();
    for s in segments.iter().filter(|s| !s.is_moderator) {
        let e = complete.entry(unit.key(s)).or_insert(true);
        *e &= gold.contains(&s.id);
    }
    let units: Vec<String> = complete
        .into_iter()
        .filter(|(_, c)| *c)
        .map(|(k, _)| k)
        .collect();
    if units.is_empty() {
        bail!(
            "--random-sample: the gold standard covers no {} completely (every sentence of a unit must be coded)",
            unit.as_str()
        );
    }
    let id = store.put_audit_sample(unit.as_str(), "import", None, keys.len() as i64, &units)?;
    Ok(AuditSummary {
        sample_id: id,
        unit,
        seed: None,
        population: keys.len(),
        drawn: units.len(),
        coded: units.len(),
        unchanged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_extends_a_smaller_draw() {
        let keys: Vec<String> = (0..50).map(|i| format!("P{i:02}")).collect();
        let a = shuffled(&keys, 7);
        let mut reversed = keys.clone();
        reversed.reverse();
        assert_eq!(a, shuffled(&reversed, 7), "order depends on the set only");
        assert_ne!(a, shuffled(&keys, 8));
        let set: BTreeSet<&String> = a.iter().collect();
        assert_eq!(set.len(), 50);
    }
}
