//! The audit sample: units drawn at random for blind human coding, whose
//! codes estimate the report's counts (docs/report.md, "Estimates").
//!
//! A draw gives every unit a permanent random number (its key hashed with
//! the seed, [`drawn_order`]) and keeps the `size` smallest: a simple random
//! sample, since the numbers are independent and uniform. The same seed
//! gives the same order, so a bigger draw with the same seed extends a
//! smaller one; and a unit keeps its number when others are added, so a
//! nightly run whose corpus grew keeps most of the sample people have
//! audited (survey sampling's coordination of samples over time by
//! permanent random numbers, Ohlsson 1995). Before, a seeded shuffle of the
//! sorted keys redrew the sample from scratch when one unit was added: the
//! demo grown by a transcript kept 2 of its 11 audited participants.
//! Stratification is not offered: the estimator in
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
    /// Keep the current sample when it is this draw extended (the same
    /// seed's order, more units: `audit draw --size 15` after a config's
    /// 12). A nightly run's draw sets it, so that it never undoes an
    /// extension people are coding; an explicit `audit draw` of fewer
    /// units does what it says (and names the audited units it leaves out).
    pub keep_extended: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            unit: AuditUnit::Participant,
            size: AuditSize::Fraction(0.2),
            seed: 1,
            keep_extended: false,
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
    /// Units of the sample this one replaced that people had coded and
    /// that this one leaves out (a sample of a share of a grown corpus can,
    /// when enough new units draw smaller numbers): their gold stays as
    /// people's coding, no longer as audit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_coded: Vec<String>,
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

/// The draw order of `keys` for `seed`: each key's permanent random number,
/// the first 8 bytes of SHA-256(seed, key), smallest first (ties, which do
/// not happen in practice, by key). A unit's place depends on its key and
/// the seed only, not on the other units.
pub fn drawn_order(keys: &[String], seed: u64) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut ranked: Vec<(u64, &String)> = keys
        .iter()
        .map(|k| {
            let mut h = Sha256::new();
            h.update(seed.to_le_bytes());
            h.update(k.as_bytes());
            let d = h.finalize();
            (
                u64::from_be_bytes(d[..8].try_into().expect("sha256 has 32 bytes")),
                k,
            )
        })
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, k)| k.clone()).collect()
}

/// Units of the sample whose every participant sentence is gold-covered.
/// Warns of the units people coded in part ([`warn_of_partly_coded`]), so
/// that `audit show` and `audit draw` say why a unit they list is not
/// counted.
pub fn coded_units(store: &Store, unit: AuditUnit, keys: &[String]) -> anyhow::Result<usize> {
    let coverage = unit_coverage(store, unit, keys)?;
    warn_of_partly_coded(&partly_coded(&coverage, keys));
    Ok(coverage.values().filter(|c| c.complete()).count())
}

/// How many of a unit's participant sentences there are, and how many of
/// them are gold-covered.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Coverage {
    sentences: usize,
    covered: usize,
}

impl Coverage {
    /// The report's rule: a unit is audited when its every sentence is
    /// coded (docs/report.md, "Estimates"): its human value is whether
    /// people gave a code to any of its sentences, which a sentence no one
    /// judged leaves unknown.
    fn complete(&self) -> bool {
        self.sentences > 0 && self.covered == self.sentences
    }
}

/// Each unit of `keys` that has participant sentences: its [`Coverage`].
fn unit_coverage(
    store: &Store,
    unit: AuditUnit,
    keys: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, Coverage>> {
    let gold = store.gold_segments()?;
    let wanted: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    let mut coverage: std::collections::BTreeMap<String, Coverage> = Default::default();
    for s in store.segments(false)?.iter().filter(|s| !s.is_moderator) {
        let k = unit.key(s);
        if wanted.contains(k.as_str()) {
            let c = coverage.entry(k).or_default();
            c.sentences += 1;
            c.covered += usize::from(gold.contains(&s.id));
        }
    }
    Ok(coverage)
}

/// The units of `keys` whose every participant sentence is gold-covered.
fn coded_unit_keys(store: &Store, unit: AuditUnit, keys: &[String]) -> anyhow::Result<Vec<String>> {
    Ok(unit_coverage(store, unit, keys)?
        .into_iter()
        .filter(|(_, c)| c.complete())
        .map(|(k, _)| k)
        .collect())
}

/// A unit of the audit sample that people coded in part: some of its
/// sentences are gold-covered, `uncoded` of its `sentences` are not. Its
/// codes stay, but the report does not count it as audited until it is
/// coded whole. A transcript corrected after its unit was coded leaves
/// one so: the changed sentence's gold coding goes with its old text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartlyCoded {
    pub key: String,
    pub uncoded: usize,
    pub sentences: usize,
}

/// The units of `keys` (in their order) coded in part.
fn partly_coded(
    coverage: &std::collections::BTreeMap<String, Coverage>,
    keys: &[String],
) -> Vec<PartlyCoded> {
    keys.iter()
        .filter_map(|k| {
            let c = coverage.get(k)?;
            (c.covered > 0 && c.covered < c.sentences).then(|| PartlyCoded {
                key: k.clone(),
                uncoded: c.sentences - c.covered,
                sentences: c.sentences,
            })
        })
        .collect()
}

/// The units of the audit sample in use that people coded in part, in
/// draw order (none without a sample).
pub fn partly_coded_units(store: &Store) -> anyhow::Result<Vec<PartlyCoded>> {
    let Some(sample) = store.audit_sample()? else {
        return Ok(Vec::new());
    };
    let Some(unit) = AuditUnit::parse(&sample.unit) else {
        return Ok(Vec::new());
    };
    let coverage = unit_coverage(store, unit, &sample.units)?;
    Ok(partly_coded(&coverage, &sample.units))
}

/// Names the units coded in part in a warning: which, how many sentences
/// each still needs, and where to code them. Before, a one-letter typo
/// fixed in an audited participant's transcript took the participant out
/// of the report's audit with no word (`audited` 2 → 1, wider intervals;
/// with none left, the advice to draw an audit as if none had been done),
/// and `audit show` said "1 coded" (h20/03).
pub fn warn_of_partly_coded(units: &[PartlyCoded]) {
    if let Some(warning) = partly_coded_warning(units) {
        tracing::warn!("{warning}");
    }
}

/// [`warn_of_partly_coded`]'s warning; none when no unit is coded in part.
fn partly_coded_warning(units: &[PartlyCoded]) -> Option<String> {
    const SHOWN: usize = 5;
    if units.is_empty() {
        return None;
    }
    let mut named: Vec<String> = units
        .iter()
        .take(SHOWN)
        .map(|u| {
            format!(
                "`{}` ({} of its {} sentences not coded)",
                u.key, u.uncoded, u.sentences
            )
        })
        .collect();
    if units.len() > SHOWN {
        named.push(format!("and {} more", units.len() - SHOWN));
    }
    Some(format!(
        "{} audit unit(s) coded in part, which the report does not count as audited until they \
         are coded whole: {}. A sentence edited since its unit was coded loses its audit coding \
         with its old text: open the unit on the Audit tab (`autocode review --audit`; its other \
         sentences show their codes), code the sentence and save the unit again",
        units.len(),
        named.join(", ")
    ))
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
    let order = drawn_order(&keys, opts.seed);
    let units: Vec<String> = order[..size].to_vec();
    let mut dropped_coded = Vec::new();
    // The sample this draw replaces: its size and population, for the
    // warning's reason.
    let mut previous: Option<(usize, i64)> = None;
    if let Some(old) = store.audit_sample()? {
        previous = Some((old.units.len(), old.population));
        let same_draw = old.unit == opts.unit.as_str()
            && old.seed == Some(opts.seed as i64)
            && old.origin == "draw";
        // A sample drawn by an earlier version (a shuffle) of the same
        // units, seed and size is kept while the population is the same:
        // replacing it would orphan the audit people have done.
        let earlier_order = old.population == keys.len() as i64
            && old.units.len() == size
            && old.units.iter().all(|u| keys.binary_search(u).is_ok());
        if same_draw && (old.units == units || earlier_order) {
            // Kept as it is, it is a draw from today's units.
            if old.population != keys.len() as i64 {
                store.set_audit_population(old.id, keys.len() as i64)?;
            }
            let coded = coded_units(store, opts.unit, &units)?;
            return Ok(AuditSummary {
                sample_id: old.id,
                unit: opts.unit,
                seed: Some(opts.seed),
                population: keys.len(),
                drawn: size,
                coded,
                unchanged: true,
                dropped_coded,
            });
        }
        // The same seed's sample extended (`audit draw --size 15` after a
        // run's 12, and people coding the 13th): its first `size` units are
        // this draw, so it is kept whole. Before, the next nightly run drew
        // its 12 again and the 13th unit's audit was no longer audit.
        let extends = opts.keep_extended
            && same_draw
            && old.units.len() > size
            && old.units.len() <= order.len()
            && old.units[..] == order[..old.units.len()];
        if extends {
            if old.population != keys.len() as i64 {
                store.set_audit_population(old.id, keys.len() as i64)?;
            }
            let coded = coded_units(store, opts.unit, &old.units)?;
            return Ok(AuditSummary {
                sample_id: old.id,
                unit: opts.unit,
                seed: Some(opts.seed),
                population: keys.len(),
                drawn: old.units.len(),
                coded,
                unchanged: true,
                dropped_coded,
            });
        }
        if old.unit == opts.unit.as_str() {
            let kept: BTreeSet<&str> = units.iter().map(String::as_str).collect();
            let gone: Vec<String> = old
                .units
                .iter()
                .filter(|u| !kept.contains(u.as_str()))
                .cloned()
                .collect();
            dropped_coded = coded_unit_keys(store, opts.unit, &gone)?;
        }
    }
    if !dropped_coded.is_empty() {
        let why = match &previous {
            Some((n, population)) if *population == keys.len() as i64 && *n > size => {
                format!("it is smaller than the sample of {n} they were drawn in")
            }
            _ => "more new units drew smaller numbers than theirs".to_string(),
        };
        tracing::warn!(
            "the new audit sample ({size} of {} {}s) leaves out {} audited unit(s) people coded ({}): \
             {why}; their codes stay as people's coding, no longer as audit",
            keys.len(),
            opts.unit.as_str(),
            dropped_coded.len(),
            dropped_coded
                .iter()
                .take(5)
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
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
        dropped_coded,
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
        dropped_coded: Vec::new(),
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

    /// The draw order depends on the set and the seed only; a unit added
    /// leaves the others' order as it was (the old order is the new one
    /// with the added units taken out).
    #[test]
    fn the_draw_order_keeps_its_units_places_as_units_are_added() {
        let keys: Vec<String> = (0..41).map(|i| format!("P{i:02}")).collect();
        let a = drawn_order(&keys, 7);
        let mut reversed = keys.clone();
        reversed.reverse();
        assert_eq!(a, drawn_order(&reversed, 7));
        assert_ne!(a, drawn_order(&keys, 8));
        let grown: Vec<String> = (0..47).map(|i| format!("P{i:02}")).collect();
        let b = drawn_order(&grown, 7);
        let old: Vec<&String> = b.iter().filter(|k| keys.contains(k)).collect();
        assert_eq!(old, a.iter().collect::<Vec<_>>());
        // The demo's case: a quarter of 41 participants, then of 47.
        let first: BTreeSet<&String> = a[..11].iter().collect();
        let kept = b[..12].iter().filter(|k| first.contains(k)).count();
        assert!(kept >= 10, "{kept} of 11 kept");
    }

    /// A nightly run's draw keeps the same seed's sample extended by hand
    /// (`audit draw --size 15` after the config's 12); an explicit smaller
    /// draw replaces it.
    #[test]
    fn a_runs_draw_keeps_its_sample_extended_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.txt");
        let text: String = (0..20)
            .map(|i| format!("Person {i:02}: I said thing number {i}.\n"))
            .collect();
        std::fs::write(&path, text).unwrap();
        let people = corpus::Participants::default();
        let docs = corpus::read_file(&path, "g.txt", &Default::default(), &people.index()).unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        store.put_document(&docs[0]).unwrap();
        let opts = |n: usize, keep_extended: bool| AuditOptions {
            unit: AuditUnit::Participant,
            size: AuditSize::Units(n),
            seed: 7,
            keep_extended,
        };
        let twelve = draw(&mut store, &opts(12, true)).unwrap();
        let fifteen = draw(&mut store, &opts(15, false)).unwrap();
        assert!(!fifteen.unchanged);
        let by_run = draw(&mut store, &opts(12, true)).unwrap();
        assert!(by_run.unchanged);
        assert_eq!((by_run.sample_id, by_run.drawn), (fifteen.sample_id, 15));
        let sample = store.audit_sample().unwrap().unwrap();
        assert_eq!(sample.units.len(), 15);
        let by_hand = draw(&mut store, &opts(12, false)).unwrap();
        assert!(!by_hand.unchanged);
        assert_ne!(by_hand.sample_id, twelve.sample_id);
        assert_eq!(store.audit_sample().unwrap().unwrap().units.len(), 12);
    }

    /// A simple random sample: over 4,000 seeds each of 10 units is drawn
    /// into a sample of 3 about 30% of the time, and each pair about
    /// 3·2/(10·9) = 6.7% (binomial standard errors 0.7 and 0.4 points).
    #[test]
    fn the_draw_is_a_simple_random_sample() {
        let keys: Vec<String> = (0..10).map(|i| format!("u{i}")).collect();
        let mut single = [0usize; 10];
        let mut pair_01 = 0usize;
        let seeds = 4000;
        for seed in 0..seeds {
            let order = drawn_order(&keys, seed);
            let drawn: Vec<usize> = order[..3].iter().map(|k| k[1..].parse().unwrap()).collect();
            for &u in &drawn {
                single[u] += 1;
            }
            pair_01 += usize::from(drawn.contains(&0) && drawn.contains(&1));
        }
        for (u, &n) in single.iter().enumerate() {
            let share = n as f64 / seeds as f64;
            assert!((share - 0.3).abs() < 0.03, "unit {u}: {share}");
        }
        let share = pair_01 as f64 / seeds as f64;
        assert!((share - 6.0 / 90.0).abs() < 0.02, "pair: {share}");
    }

    /// h20/03: a typo fixed in one sentence of an audited participant
    /// drops that sentence's gold coding; the unit is coded in part. It
    /// no longer counts as audited (the report's rule is unchanged), and
    /// it is named with the sentences it still needs, where before nothing
    /// said which unit had left the audit, or why.
    #[test]
    fn a_unit_whose_sentence_was_edited_is_named_as_coded_in_part() {
        let dir = tempfile::tempdir().unwrap();
        let read = |text: &str| {
            let path = dir.path().join("g.txt");
            std::fs::write(&path, text).unwrap();
            let people = corpus::Participants::default();
            corpus::read_file(&path, "g.txt", &Default::default(), &people.index())
                .unwrap()
                .remove(0)
        };
        let v1 = "Ann: I take the train. The train is too slwo.\nBob: I drive. Parking is hard.\n";
        let mut store = Store::create(dir.path()).unwrap();
        store.put_document(&read(v1)).unwrap();
        let segments = store.segments(false).unwrap();
        let keys = population(&segments, AuditUnit::Participant);
        assert_eq!(keys.len(), 2, "{keys:?}");
        store
            .put_audit_sample("participant", "draw", Some(1), 2, &keys)
            .unwrap();
        // Both units coded whole, as the Audit tab stores them.
        let gold: std::collections::BTreeMap<i64, BTreeSet<String>> = segments
            .iter()
            .map(|s| {
                let codes = s.text.contains("train").then(|| "commuting".to_string());
                (s.id, codes.into_iter().collect())
            })
            .collect();
        store.import_gold_codings("ana", Some(1), &gold).unwrap();
        assert_eq!(
            coded_units(&store, AuditUnit::Participant, &keys).unwrap(),
            2
        );
        assert_eq!(partly_coded_units(&store).unwrap(), []);

        store
            .put_document(&read(&v1.replace("slwo", "slow")))
            .unwrap();
        let ann = keys
            .iter()
            .find(|k| k.contains("Ann"))
            .expect("Ann's unit")
            .clone();
        let partly = partly_coded_units(&store).unwrap();
        assert_eq!(
            partly,
            [PartlyCoded {
                key: ann.clone(),
                uncoded: 1,
                sentences: 2
            }]
        );
        assert_eq!(
            coded_units(&store, AuditUnit::Participant, &keys).unwrap(),
            1,
            "a unit coded in part is not audited"
        );
        let warning = partly_coded_warning(&partly).unwrap();
        assert!(
            warning.contains(&format!("`{ann}` (1 of its 2 sentences not coded)"))
                && warning.contains("Audit tab"),
            "{warning}"
        );
    }
}
