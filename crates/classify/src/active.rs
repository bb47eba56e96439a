//! The review queue's order (which machine suggestion a reviewer sees
//! next) and the simulated reviewer that measures it against random review.
//!
//! One ordering function, [`queue_order`], serves both the review page and
//! `autocode eval code --simulate-review`: the order measured is the order used.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueStrategy {
    /// Round-robin over codes, codes with the fewest known positives first;
    /// each turn takes the code's suggestion that best covers the code's
    /// other suggestions not yet like anything reviewed (greedy facility
    /// location on the sentence vectors, [`queue_order`]): representative
    /// examples of every code, no two alike. The default. Against random
    /// review on OPP-115 dev (30 splits, `make bench`): see
    /// docs/benchmarks.md, "A representative queue".
    #[default]
    Representative,
    /// Round-robin over codes, codes with the fewest known positives first;
    /// within a code still short of `seek_positives` positives, its
    /// highest-probability suggestions first (find examples), else the most
    /// uncertain first (refine the boundary). The default before
    /// `Representative`. Against random review on OPP-115 dev (30 splits),
    /// Δκ −0.008 ± 0.012 / +0.027 ± 0.008 at 10 / 25 per code: it finds
    /// the rare codes' examples (2–10× random's, +0.03 to +0.19 κ on those
    /// codes) and loses about as much on the frequent codes and the
    /// catch-all, whose most probable and most uncertain suggestions are
    /// near-duplicates of each other.
    Balanced,
    /// Round-robin over codes as `Balanced`, most uncertain first in every
    /// code (the default from the self-training change until the seeking
    /// threshold was measured).
    BalancedUncertain,
    /// Most uncertain (|p − 0.5| smallest) first over all codes.
    Uncertain,
}

impl std::str::FromStr for QueueStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "representative" => Ok(QueueStrategy::Representative),
            "balanced" => Ok(QueueStrategy::Balanced),
            "balanced-uncertain" => Ok(QueueStrategy::BalancedUncertain),
            "uncertain" => Ok(QueueStrategy::Uncertain),
            _ => Err(format!(
                "unknown queue order {s:?} (representative, balanced, balanced-uncertain, uncertain)"
            )),
        }
    }
}

impl std::fmt::Display for QueueStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QueueStrategy::Representative => "representative",
            QueueStrategy::Balanced => "balanced",
            QueueStrategy::BalancedUncertain => "balanced-uncertain",
            QueueStrategy::Uncertain => "uncertain",
        })
    }
}

/// One machine suggestion waiting for a decision: a code on an item.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    /// The item (sentence, segment) it is about.
    pub item: i64,
    pub code: String,
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueParams {
    pub strategy: QueueStrategy,
    /// A code with fewer reviewer-confirmed positives is still looking for
    /// examples (`Balanced`). 3, the pseudo-labeller's own minimum: measured
    /// on OPP-115 dev (5 seeds, Δκ against random at 10 / 25 per code) 1:
    /// +0.032 / +0.080, 2: +0.033 / +0.090, 3: +0.039 / +0.097, 4: +0.040 /
    /// +0.096, 5: +0.041 / +0.075, 8 (the classifier's `min_positives`, the
    /// value before): −0.005 / +0.093.
    pub seek_positives: usize,
    /// `Representative` weighs at most this many suggestions per code (a
    /// seeded uniform sample of the rest wait behind them): the cost is
    /// its square per code.
    #[serde(default = "default_sample")]
    pub sample: usize,
    /// Seed of that sample.
    #[serde(default)]
    pub seed: u64,
    /// `Representative` picks only the first `lead` items (the page shows
    /// its first `limit`, the simulation reviews a batch); the rest follow
    /// in `Balanced` order. `None`: all. The first `lead` items are the
    /// same either way.
    #[serde(default)]
    pub lead: Option<usize>,
}

fn default_sample() -> usize {
    1000
}

impl Default for QueueParams {
    fn default() -> Self {
        QueueParams {
            strategy: QueueStrategy::default(),
            seek_positives: 3,
            sample: default_sample(),
            seed: 0,
            lead: None,
        }
    }
}

/// What `Representative` reads besides the suggestions: unit-length
/// sentence vectors of the suggested items, and of the items reviewed so
/// far (what is already covered).
#[derive(Debug, Clone, Default)]
pub struct QueueVectors<'a> {
    pub items: BTreeMap<i64, &'a [f32]>,
    pub reviewed: Vec<&'a [f32]>,
}

/// Cosine similarity of unit vectors. Eight running sums, so that the
/// compiler vectorises it (a plain `zip().sum()` must add in order): a
/// code's 1,000² similarities of 384-d vectors took 0.020–0.026 s against
/// 0.145 s for the plain sum (rustc -O, this 2-core VM, 2026-12-04). The
/// crate's `model::dot32` stays the plain sum: its rounding is part of the
/// zero-shot scores already measured. `tests::dot_is_the_naive_sum` checks
/// this one against it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The review order of `entries` (indices into it). `positives` counts,
/// per code id, the items reviewers have confirmed the code on (absent:
/// none). `vectors` serve `Representative`; entries whose item has no
/// vector (all of them without `vectors`) follow in `Balanced` order.
/// Deterministic: ties go to the lower item, then code id.
pub fn queue_order(
    entries: &[QueueEntry],
    positives: &BTreeMap<String, usize>,
    vectors: Option<&QueueVectors>,
    params: &QueueParams,
) -> Vec<usize> {
    if params.strategy == QueueStrategy::Representative {
        let empty = QueueVectors::default();
        return representative_order(entries, positives, vectors.unwrap_or(&empty), params);
    }
    let uncertainty = |e: &QueueEntry| (e.probability - 0.5).abs();
    let tie = |a: &QueueEntry, b: &QueueEntry| a.item.cmp(&b.item).then(a.code.cmp(&b.code));
    if params.strategy == QueueStrategy::Uncertain {
        let mut idx: Vec<usize> = (0..entries.len()).collect();
        idx.sort_by(|&a, &b| {
            let (x, y) = (&entries[a], &entries[b]);
            uncertainty(x).total_cmp(&uncertainty(y)).then(tie(x, y))
        });
        return idx;
    }
    let mut by_code: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_code.entry(e.code.as_str()).or_default().push(i);
    }
    let known = |c: &str| positives.get(c).copied().unwrap_or(0);
    for (code, idx) in by_code.iter_mut() {
        let seeking =
            params.strategy == QueueStrategy::Balanced && known(code) < params.seek_positives;
        idx.sort_by(|&a, &b| {
            let (x, y) = (&entries[a], &entries[b]);
            let key = if seeking {
                y.probability.total_cmp(&x.probability)
            } else {
                uncertainty(x).total_cmp(&uncertainty(y))
            };
            key.then(tie(x, y))
        });
    }
    let mut codes: Vec<(&str, Vec<usize>)> = by_code.into_iter().collect();
    codes.sort_by(|a, b| known(a.0).cmp(&known(b.0)).then(a.0.cmp(b.0)));
    let mut out = Vec::with_capacity(entries.len());
    let longest = codes.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    for round in 0..longest {
        for (_, idx) in &codes {
            if let Some(&i) = idx.get(round) {
                out.push(i);
            }
        }
    }
    out
}

/// Per code, the entries `Representative` weighs: those whose item has a
/// vector, down to a seeded sample of `params.sample` (the lowest hashes
/// of seed and item); and the entries it does not.
fn weighed<'e>(
    entries: &'e [QueueEntry],
    has_vector: impl Fn(i64) -> bool,
    params: &QueueParams,
) -> (BTreeMap<&'e str, Vec<usize>>, Vec<usize>) {
    let mut by_code: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut rest: Vec<usize> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if has_vector(e.item) {
            by_code.entry(e.code.as_str()).or_default().push(i);
        } else {
            rest.push(i);
        }
    }
    for idx in by_code.values_mut() {
        if idx.len() > params.sample {
            let mut keyed: Vec<(u64, usize)> = idx
                .iter()
                .map(|&i| {
                    let h = crate::model::SplitMix(params.seed ^ entries[i].item as u64).next_u64();
                    (h, i)
                })
                .collect();
            keyed.sort();
            let mut kept: Vec<usize> = keyed[..params.sample].iter().map(|&(_, i)| i).collect();
            kept.sort();
            for &(_, i) in &keyed[params.sample..] {
                rest.push(i);
            }
            *idx = kept;
        }
    }
    (by_code, rest)
}

/// The items whose vectors `Representative` reads from `entries` (each
/// code's sample): a caller that loads only these vectors gets the same
/// order as one that loads them all, since an item outside every sample
/// is never weighed and every sample stays the lowest hashes of its code.
/// The review page loads these, not one vector per suggestion.
pub fn weighed_items(entries: &[QueueEntry], params: &QueueParams) -> BTreeSet<i64> {
    let (by_code, _) = weighed(entries, |_| true, params);
    by_code
        .values()
        .flatten()
        .map(|&i| entries[i].item)
        .collect()
}

/// `QueueStrategy::Representative`: codes take turns (fewest known
/// positives first, as `Balanced`); on its turn a code takes the open item
/// among its suggestions with the largest coverage gain
/// Σ_{j ∈ its suggestions} max(0, sim(j, item) − cover_j), where cover_j
/// is j's highest similarity to anything reviewed or taken before (0 at
/// least); that item's other suggestions follow it, so a reviewer sees the
/// whole sentence at once. This is the greedy algorithm for facility
/// location, a submodular objective, so gains only fall as cover grows:
/// each code keeps its candidates in a heap of stale gains and recomputes
/// only the top (lazy greedy, Minoux 1978), which picks what the plain
/// greedy picks. Written here because no maintained crate offers facility
/// location over a caller's similarities; the plain greedy it replaces
/// is in the tests as the reference.
fn representative_order(
    entries: &[QueueEntry],
    positives: &BTreeMap<String, usize>,
    vectors: &QueueVectors,
    params: &QueueParams,
) -> Vec<usize> {
    use std::collections::BinaryHeap;
    let known = |c: &str| positives.get(c).copied().unwrap_or(0);
    let (by_code, rest) = weighed(entries, |item| vectors.items.contains_key(&item), params);
    // Items in play, each with its vector and cover.
    let mut items: Vec<i64> = by_code
        .values()
        .flatten()
        .map(|&i| entries[i].item)
        .collect();
    items.sort_unstable();
    items.dedup();
    let slot: BTreeMap<i64, usize> = items.iter().enumerate().map(|(k, &it)| (it, k)).collect();
    // The length most vectors have; a vector of another length (a
    // caller's mistake) counts as unlike everything rather than reading
    // out of bounds or half a vector.
    let dim = {
        let mut lengths: BTreeMap<usize, usize> = BTreeMap::new();
        for it in &items {
            *lengths.entry(vectors.items[it].len()).or_default() += 1;
        }
        lengths
            .into_iter()
            .max_by_key(|&(len, n)| (n, len))
            .map_or(0, |(len, _)| len)
    };
    let reviewed: Vec<&[f32]> = vectors
        .reviewed
        .iter()
        .copied()
        .filter(|r| r.len() == dim)
        .collect();
    // The vectors in play side by side, in slot order: a map lookup per
    // similarity cost more than the similarity (1.35 s of the review page's
    // 1.7 s at 100k sentences, tests/bench/review_queue.sh).
    let mut matrix: Vec<f32> = Vec::with_capacity(items.len() * dim);
    for it in &items {
        let v = vectors.items[it];
        if v.len() == dim {
            matrix.extend_from_slice(v);
        } else {
            matrix.extend(std::iter::repeat_n(0f32, dim));
        }
    }
    let vec_of = |k: usize| &matrix[k * dim..(k + 1) * dim];
    let mut cover: Vec<f32> = (0..items.len())
        .into_par_iter()
        .map(|k| {
            reviewed
                .iter()
                .map(|r| dot(vec_of(k), r))
                .fold(0f32, f32::max)
        })
        .collect();
    struct Turn {
        code: String,
        /// Slots of its suggested items, and their pairwise similarities.
        members: Vec<usize>,
        sims: Vec<f32>,
        /// (stale gain, lower item first, position in `members`).
        heap: BinaryHeap<(OrdF64, std::cmp::Reverse<i64>, usize)>,
    }
    let gain = |t: &Turn, m: usize, cover: &[f32]| -> f64 {
        let n = t.members.len();
        t.members
            .iter()
            .enumerate()
            .map(|(j, &k)| (t.sims[m * n + j] - cover[k]).max(0.0) as f64)
            .sum()
    };
    let mut turns: Vec<Turn> = by_code
        .par_iter()
        .map(|(code, idx)| {
            let members: Vec<usize> = idx.iter().map(|&i| slot[&entries[i].item]).collect();
            let n = members.len();
            let mut sims = vec![0f32; n * n];
            for a in 0..n {
                for b in a..n {
                    let v = dot(vec_of(members[a]), vec_of(members[b]));
                    sims[a * n + b] = v;
                    sims[b * n + a] = v;
                }
            }
            Turn {
                code: code.to_string(),
                members,
                sims,
                heap: BinaryHeap::new(),
            }
        })
        .collect();
    for t in &mut turns {
        let heap = (0..t.members.len())
            .map(|m| {
                (
                    OrdF64(gain(t, m, &cover)),
                    std::cmp::Reverse(items[t.members[m]]),
                    m,
                )
            })
            .collect();
        t.heap = heap;
    }
    turns.sort_by(|a, b| {
        known(&a.code)
            .cmp(&known(&b.code))
            .then(a.code.cmp(&b.code))
    });
    // Entries of each item, code order, to follow the item's pick.
    let mut of_item: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        of_item.entry(e.item).or_default().push(i);
    }
    for v in of_item.values_mut() {
        v.sort_by(|&a, &b| entries[a].code.cmp(&entries[b].code));
    }
    let mut taken = vec![false; items.len()];
    let mut placed = vec![false; entries.len()];
    let mut out = Vec::with_capacity(entries.len());
    let lead = params.lead.unwrap_or(usize::MAX);
    let mut picked = 0usize;
    'rounds: loop {
        let mut progressed = false;
        for t in turns.iter_mut() {
            if picked >= lead {
                break 'rounds;
            }
            // Lazy greedy: a recomputed gain still at the top is the largest.
            let pick = loop {
                let Some((_, item, m)) = t.heap.pop() else {
                    break None;
                };
                if taken[t.members[m]] {
                    continue;
                }
                let fresh = (OrdF64(gain(t, m, &cover)), item, m);
                match t.heap.peek() {
                    Some(top) if (top.0, top.1) > (fresh.0, fresh.1) => t.heap.push(fresh),
                    _ => break Some(m),
                }
            };
            let Some(m) = pick else { continue };
            progressed = true;
            picked += 1;
            let k = t.members[m];
            taken[k] = true;
            let v = vec_of(k);
            cover
                .par_iter_mut()
                .with_min_len(1024)
                .enumerate()
                .for_each(|(c, x)| *x = x.max(dot(v, vec_of(c))));
            let code = t.code.as_str();
            let item = items[k];
            let own = of_item[&item]
                .iter()
                .copied()
                .find(|&i| entries[i].code == code);
            for i in own.into_iter().chain(of_item[&item].iter().copied()) {
                if !placed[i] {
                    placed[i] = true;
                    out.push(i);
                }
            }
        }
        if !progressed {
            break;
        }
    }
    // Whatever had no vector, fell outside the sample or past the lead, in
    // `Balanced` order.
    let mut rest: Vec<usize> = rest.into_iter().filter(|&i| !placed[i]).collect();
    rest.extend(by_code.values().flatten().copied().filter(|&i| !placed[i]));
    rest.sort_unstable();
    let sub: Vec<QueueEntry> = rest.iter().map(|&i| entries[i].clone()).collect();
    let balanced = QueueParams {
        strategy: QueueStrategy::Balanced,
        ..params.clone()
    };
    for j in queue_order(&sub, positives, None, &balanced) {
        if !placed[rest[j]] {
            placed[rest[j]] = true;
            out.push(rest[j]);
        }
    }
    out
}

/// An f64 with a total order, for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The distinct items of `order` (entries' indices) in first-seen order.
pub fn items_in_order(entries: &[QueueEntry], order: &[usize]) -> Vec<i64> {
    let mut seen = std::collections::BTreeSet::new();
    order
        .iter()
        .map(|&i| entries[i].item)
        .filter(|it| seen.insert(*it))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(item: i64, code: &str, p: f64) -> QueueEntry {
        QueueEntry {
            item,
            code: code.into(),
            probability: p,
        }
    }

    #[test]
    fn uncertain_is_nearest_one_half_first() {
        let es = vec![e(1, "a", 0.9), e(2, "a", 0.55), e(3, "b", 0.3)];
        let p = QueueParams {
            strategy: QueueStrategy::Uncertain,
            seek_positives: 8,
            ..QueueParams::default()
        };
        assert_eq!(queue_order(&es, &BTreeMap::new(), None, &p), vec![1, 2, 0]);
    }

    #[test]
    fn codes_without_positives_come_first_and_codes_take_turns() {
        let es = vec![
            e(1, "a", 0.9),
            e(2, "a", 0.8),
            e(3, "a", 0.7),
            e(4, "b", 0.6),
            e(5, "b", 0.95),
            e(6, "c", 0.5),
        ];
        // "a" already has positives; "b" and "c" have none.
        let pos = BTreeMap::from([("a".to_string(), 3)]);
        let p = QueueParams {
            strategy: QueueStrategy::Balanced,
            ..QueueParams::default()
        };
        let order = queue_order(&es, &pos, None, &p);
        let codes: Vec<&str> = order.iter().map(|&i| es[i].code.as_str()).collect();
        assert_eq!(codes, vec!["b", "c", "a", "b", "a", "a"]);
        // A code seeking examples shows its most probable item first.
        assert_eq!(es[order[0]].item, 5);
        // Deterministic.
        assert_eq!(order, queue_order(&es, &pos, None, &p));
    }

    #[test]
    fn a_code_with_enough_positives_is_uncertain_first() {
        let es = vec![e(1, "a", 0.95), e(2, "a", 0.52), e(3, "a", 0.1)];
        let pos = BTreeMap::from([("a".to_string(), 20)]);
        let balanced = QueueParams {
            strategy: QueueStrategy::Balanced,
            ..QueueParams::default()
        };
        let order = queue_order(&es, &pos, None, &balanced);
        assert_eq!(order, vec![1, 2, 0]);
        let none = queue_order(&es, &BTreeMap::new(), None, &balanced);
        assert_eq!(none, vec![0, 1, 2]);
    }

    /// Three suggestions of code "a" and two of "b", spread around 0.5.
    fn two_codes() -> Vec<QueueEntry> {
        vec![
            e(1, "a", 0.95),
            e(2, "a", 0.52),
            e(3, "a", 0.1),
            e(4, "b", 0.9),
            e(5, "b", 0.4),
        ]
    }

    #[test]
    fn balanced_uncertain_takes_turns_and_is_uncertain_first_even_without_positives() {
        let es = two_codes();
        let p = QueueParams {
            strategy: QueueStrategy::BalancedUncertain,
            ..QueueParams::default()
        };
        let order = queue_order(&es, &BTreeMap::new(), None, &p);
        // Turns a, b, a, b, a; within each code nearest 0.5 first.
        assert_eq!(order, vec![1, 4, 2, 3, 0]);
    }

    #[test]
    fn balanced_seeks_until_three_positives_then_is_uncertain_first() {
        let d = QueueParams {
            strategy: QueueStrategy::Balanced,
            ..QueueParams::default()
        };
        assert_eq!(d.seek_positives, 3);
        let es = two_codes();
        // Neither code has 3 positives: most probable first in each; "b"
        // (fewer positives) starts, so turns b, a, b, a, a.
        let two = BTreeMap::from([("a".to_string(), 2)]);
        assert_eq!(queue_order(&es, &two, None, &d), vec![3, 0, 4, 1, 2]);
        // "a" has 3: nearest 0.5 first there; "b" (none) goes first and seeks.
        let three = BTreeMap::from([("a".to_string(), 3)]);
        assert_eq!(queue_order(&es, &three, None, &d), vec![3, 1, 4, 2, 0]);
    }

    #[test]
    fn items_are_taken_once() {
        let es = vec![e(1, "a", 0.9), e(1, "b", 0.8), e(2, "a", 0.7)];
        assert_eq!(items_in_order(&es, &[0, 1, 2]), vec![1, 2]);
    }

    #[test]
    fn strategies_read_back_what_they_print() {
        for s in [
            QueueStrategy::Representative,
            QueueStrategy::Balanced,
            QueueStrategy::BalancedUncertain,
            QueueStrategy::Uncertain,
        ] {
            assert_eq!(s.to_string().parse::<QueueStrategy>(), Ok(s));
        }
    }

    /// Unit vector at `deg` degrees in the plane of the first two axes.
    fn at(deg: f64) -> Vec<f32> {
        let r = deg.to_radians();
        vec![r.cos() as f32, r.sin() as f32, 0.0]
    }

    #[test]
    fn the_default_is_representative() {
        assert_eq!(
            QueueParams::default().strategy,
            QueueStrategy::Representative
        );
    }

    /// Code "a": a tight cluster of three (items 1–3, centre 2) and item
    /// 4, the most probable, with vector `fourth`.
    fn cluster_and(fourth: Vec<f32>) -> (Vec<QueueEntry>, [Vec<f32>; 4]) {
        let es = vec![
            e(1, "a", 0.5),
            e(2, "a", 0.5),
            e(3, "a", 0.5),
            e(4, "a", 0.99),
        ];
        (es, [at(0.0), at(10.0), at(20.0), fourth])
    }

    #[test]
    fn representative_takes_the_centre_of_a_cluster_then_what_is_left_uncovered() {
        // Item 4 lone and far off.
        let (es, v) = cluster_and(at(270.0));
        let vectors = QueueVectors {
            items: (1..=4).map(|i| (i, v[i as usize - 1].as_slice())).collect(),
            reviewed: Vec::new(),
        };
        let p = QueueParams::default();
        let order = queue_order(&es, &BTreeMap::new(), Some(&vectors), &p);
        // Gains: item 2 covers 1 + 2·cos 10°, items 1 and 3 1 + cos 10° +
        // cos 20°, the lone item only itself (the others are at 90° or
        // more). Then the lone item (all it covers is uncovered), then the
        // cluster's rest.
        assert_eq!(es[order[0]].item, 2);
        assert_eq!(es[order[1]].item, 4);
        assert_eq!(order.len(), 4);
        // An item like a reviewed one has nothing left to cover: with item
        // 2's neighbourhood reviewed, the lone item comes first.
        let reviewed = at(10.0);
        let vectors = QueueVectors {
            reviewed: vec![reviewed.as_slice()],
            ..vectors
        };
        let order = queue_order(&es, &BTreeMap::new(), Some(&vectors), &p);
        assert_eq!(es[order[0]].item, 4);
    }

    #[test]
    fn representative_takes_turns_and_keeps_an_items_suggestions_together() {
        // Item 1 is suggested for "a" and "b"; "b" has fewer positives, so
        // it starts; item 1 is its only suggestion.
        let es = vec![e(1, "a", 0.9), e(2, "a", 0.8), e(1, "b", 0.6)];
        let v = [at(0.0), at(45.0)];
        let vectors = QueueVectors {
            items: [(1, v[0].as_slice()), (2, v[1].as_slice())].into(),
            reviewed: Vec::new(),
        };
        let pos = BTreeMap::from([("a".to_string(), 5)]);
        let order = queue_order(&es, &pos, Some(&vectors), &QueueParams::default());
        // b's pick (item 1, entry 2), then item 1's suggestion for "a"
        // (entry 0), then a's turn: item 2.
        assert_eq!(order, vec![2, 0, 1]);
    }

    #[test]
    fn representative_weighs_a_sample_and_the_rest_follow_balanced() {
        // Four suggestions of "a"; a sample of two is weighed, the other two
        // follow most probable first (seeking, as `Balanced`).
        let es: Vec<QueueEntry> = (1..=4).map(|i| e(i, "a", 0.1 * i as f64)).collect();
        let v: Vec<Vec<f32>> = (1..=4).map(|i| at(30.0 * i as f64)).collect();
        let vectors = QueueVectors {
            items: (1..=4).map(|i| (i, v[i as usize - 1].as_slice())).collect(),
            reviewed: Vec::new(),
        };
        let p = QueueParams {
            sample: 2,
            ..QueueParams::default()
        };
        let order = queue_order(&es, &BTreeMap::new(), Some(&vectors), &p);
        let items: Vec<i64> = order.iter().map(|&i| es[i].item).collect();
        let (weighed, rest) = items.split_at(2);
        assert!(rest[0] > rest[1], "the rest most probable first: {items:?}");
        let mut all = items.clone();
        all.sort();
        assert_eq!(all, vec![1, 2, 3, 4]);
        // Another seed draws another sample (of the six possible pairs).
        let samples: BTreeSet<Vec<i64>> = (0..20)
            .map(|seed| {
                let p = QueueParams { seed, ..p.clone() };
                let o = queue_order(&es, &BTreeMap::new(), Some(&vectors), &p);
                let mut w: Vec<i64> = o[..2].iter().map(|&i| es[i].item).collect();
                w.sort();
                w
            })
            .collect();
        assert!(samples.len() > 1, "{samples:?}");
        assert!(weighed.iter().all(|i| (1..=4).contains(i)));
    }

    #[test]
    fn vectors_of_the_weighed_items_alone_give_the_same_order() {
        let mut rng = crate::model::SplitMix(5);
        let mut unif = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let vecs: Vec<Vec<f32>> = (0..60).map(|i| at(6.0 * i as f64)).collect();
        let mut es = Vec::new();
        for item in 0..60i64 {
            for code in ["a", "b", "c"] {
                if unif() < 0.6 {
                    es.push(e(item, code, unif()));
                }
            }
        }
        let p = QueueParams {
            sample: 12,
            ..QueueParams::default()
        };
        let all = QueueVectors {
            items: (0..60).map(|i| (i, vecs[i as usize].as_slice())).collect(),
            reviewed: vec![vecs[7].as_slice()],
        };
        let weighed = weighed_items(&es, &p);
        assert!(weighed.len() < 36, "{}", weighed.len());
        let some = QueueVectors {
            items: all
                .items
                .iter()
                .filter(|(i, _)| weighed.contains(i))
                .map(|(&i, &v)| (i, v))
                .collect(),
            reviewed: all.reviewed.clone(),
        };
        assert_eq!(
            queue_order(&es, &BTreeMap::new(), Some(&all), &p),
            queue_order(&es, &BTreeMap::new(), Some(&some), &p)
        );
    }

    #[test]
    fn a_lead_decides_the_first_items_only() {
        let mut rng = crate::model::SplitMix(11);
        let mut unif = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let vecs: Vec<Vec<f32>> = (0..40).map(|i| at(9.0 * i as f64)).collect();
        let es: Vec<QueueEntry> = (0..40)
            .flat_map(|i| {
                let p = unif();
                ["a", "b"].map(|c| e(i, c, p))
            })
            .collect();
        let vectors = QueueVectors {
            items: (0..40).map(|i| (i, vecs[i as usize].as_slice())).collect(),
            reviewed: Vec::new(),
        };
        let all = queue_order(
            &es,
            &BTreeMap::new(),
            Some(&vectors),
            &QueueParams::default(),
        );
        let lead = QueueParams {
            lead: Some(5),
            ..QueueParams::default()
        };
        let led = queue_order(&es, &BTreeMap::new(), Some(&vectors), &lead);
        assert_eq!(
            items_in_order(&es, &led)[..5],
            items_in_order(&es, &all)[..5]
        );
        let mut sorted = led.clone();
        sorted.sort();
        assert_eq!(sorted, (0..es.len()).collect::<Vec<_>>(), "each entry once");
    }

    #[test]
    fn representative_without_vectors_is_balanced() {
        let es = two_codes();
        let rep = QueueParams::default();
        let bal = QueueParams {
            strategy: QueueStrategy::Balanced,
            ..QueueParams::default()
        };
        for pos in [BTreeMap::new(), BTreeMap::from([("a".to_string(), 3)])] {
            assert_eq!(
                queue_order(&es, &pos, None, &rep),
                queue_order(&es, &pos, None, &bal)
            );
        }
    }

    #[test]
    fn a_vector_of_another_length_is_unlike_everything_and_does_not_panic() {
        // Item 4's vector is 2-d where the others are 3-d (a caller's
        // mistake), and so is the reviewed one: they cover nothing, so the
        // cluster's centre still leads, and every entry is still ordered.
        let (es, v) = cluster_and(vec![1.0, 0.0]);
        let vectors = QueueVectors {
            items: (1..=4).map(|i| (i, v[i as usize - 1].as_slice())).collect(),
            reviewed: vec![v[3].as_slice()],
        };
        let order = queue_order(
            &es,
            &BTreeMap::new(),
            Some(&vectors),
            &QueueParams::default(),
        );
        assert_eq!(es[order[0]].item, 2);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3]);
    }

    #[test]
    fn dot_is_the_naive_sum() {
        let mut rng = crate::model::SplitMix(3);
        for len in [0, 1, 7, 8, 9, 384, 390] {
            let v: Vec<f32> = (0..2 * len)
                .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
                .collect();
            let (a, b) = v.split_at(len);
            let naive: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            assert!((dot(a, b) - naive).abs() < 1e-5, "{len}");
        }
    }

    /// The plain greedy the lazy one must equal: every turn recomputes
    /// every open candidate's gain.
    fn plain_greedy(
        entries: &[QueueEntry],
        positives: &BTreeMap<String, usize>,
        vectors: &QueueVectors,
    ) -> Vec<i64> {
        let known = |c: &str| positives.get(c).copied().unwrap_or(0);
        let mut codes: Vec<&str> = entries.iter().map(|e| e.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        codes.sort_by(|a, b| known(a).cmp(&known(b)).then(a.cmp(b)));
        let mut items: Vec<i64> = entries.iter().map(|e| e.item).collect();
        items.sort();
        items.dedup();
        // The same similarities as the lazy greedy (`dot` is checked
        // against the naive sum on its own): the objective has true ties
        // (two items that cover only each other), which rounding breaks.
        let sim = dot;
        let mut cover: BTreeMap<i64, f32> = items
            .iter()
            .map(|&i| {
                let c = vectors
                    .reviewed
                    .iter()
                    .map(|r| sim(vectors.items[&i], r))
                    .fold(0f32, f32::max);
                (i, c)
            })
            .collect();
        let mut out: Vec<i64> = Vec::new();
        loop {
            let before = out.len();
            for code in &codes {
                let members: Vec<i64> = entries
                    .iter()
                    .filter(|e| e.code == *code)
                    .map(|e| e.item)
                    .collect();
                let mut best: Option<(f64, i64)> = None;
                for &x in members.iter().filter(|x| !out.contains(x)) {
                    let g: f64 = members
                        .iter()
                        .map(|j| {
                            (sim(vectors.items[&x], vectors.items[j]) - cover[j]).max(0.0) as f64
                        })
                        .sum();
                    if best.is_none_or(|(bg, bi)| g > bg || (g == bg && x < bi)) {
                        best = Some((g, x));
                    }
                }
                if let Some((_, x)) = best {
                    out.push(x);
                    for (j, c) in cover.iter_mut() {
                        *c = c.max(sim(vectors.items[&x], vectors.items[j]));
                    }
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    #[test]
    fn the_lazy_greedy_picks_what_the_plain_greedy_picks() {
        let mut rng = crate::model::SplitMix(7);
        let mut unif = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        for trial in 0..20 {
            let n_items = 30 + trial;
            let vecs: Vec<Vec<f32>> = (0..n_items + 5)
                .map(|_| {
                    let v: Vec<f32> = (0..12).map(|_| (unif() - 0.3) as f32).collect();
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter().map(|x| x / norm).collect()
                })
                .collect();
            let mut es = Vec::new();
            for item in 0..n_items as i64 {
                for code in ["a", "b", "c"] {
                    if unif() < 0.5 {
                        es.push(e(item, code, unif()));
                    }
                }
            }
            let vectors = QueueVectors {
                items: (0..n_items as i64)
                    .map(|i| (i, vecs[i as usize].as_slice()))
                    .collect(),
                reviewed: vecs[n_items..n_items + trial % 5]
                    .iter()
                    .map(|v| v.as_slice())
                    .collect(),
            };
            let pos = BTreeMap::from([("b".to_string(), trial % 3)]);
            let order = queue_order(&es, &pos, Some(&vectors), &QueueParams::default());
            assert_eq!(order.len(), es.len(), "every suggestion once");
            assert_eq!(
                items_in_order(&es, &order),
                plain_greedy(&es, &pos, &vectors),
                "trial {trial}"
            );
        }
    }
}
