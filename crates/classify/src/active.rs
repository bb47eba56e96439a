//! The review queue's order (which machine suggestion a reviewer sees
//! next) and the simulated reviewer that measures it against random review.
//!
//! One ordering function, [`queue_order`], serves both the review page and
//! `autocode eval code --simulate-review`: the order measured is the order used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueStrategy {
    /// Round-robin over codes, codes with the fewest known positives first;
    /// within a code still short of `seek_positives` positives, its
    /// highest-probability suggestions first (find examples), else the most
    /// uncertain first (refine the boundary). The default. Against random
    /// review on OPP-115 dev (30 splits, `make bench`), Δκ −0.008 ± 0.012
    /// / +0.027 ± 0.008 at 10 / 25 per code: it finds the rare codes'
    /// examples (2–10× random's, +0.03 to +0.19 κ on those codes) and
    /// loses about as much on the frequent codes and the catch-all. No
    /// order tried leads by more at 10 per code (docs/classify.md, "Review
    /// queue order").
    #[default]
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
            "balanced" => Ok(QueueStrategy::Balanced),
            "balanced-uncertain" => Ok(QueueStrategy::BalancedUncertain),
            "uncertain" => Ok(QueueStrategy::Uncertain),
            _ => Err(format!(
                "unknown queue order {s:?} (balanced, balanced-uncertain, uncertain)"
            )),
        }
    }
}

impl std::fmt::Display for QueueStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
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
}

impl Default for QueueParams {
    fn default() -> Self {
        QueueParams {
            strategy: QueueStrategy::default(),
            seek_positives: 3,
        }
    }
}

/// The review order of `entries` (indices into it). `positives` counts,
/// per code id, the items reviewers have confirmed the code on (absent:
/// none). Deterministic: ties go to the lower item, then code id.
pub fn queue_order(
    entries: &[QueueEntry],
    positives: &BTreeMap<String, usize>,
    params: &QueueParams,
) -> Vec<usize> {
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
        };
        assert_eq!(queue_order(&es, &BTreeMap::new(), &p), vec![1, 2, 0]);
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
        let order = queue_order(&es, &pos, &p);
        let codes: Vec<&str> = order.iter().map(|&i| es[i].code.as_str()).collect();
        assert_eq!(codes, vec!["b", "c", "a", "b", "a", "a"]);
        // A code seeking examples shows its most probable item first.
        assert_eq!(es[order[0]].item, 5);
        // Deterministic.
        assert_eq!(order, queue_order(&es, &pos, &p));
    }

    #[test]
    fn a_code_with_enough_positives_is_uncertain_first() {
        let es = vec![e(1, "a", 0.95), e(2, "a", 0.52), e(3, "a", 0.1)];
        let pos = BTreeMap::from([("a".to_string(), 20)]);
        let balanced = QueueParams {
            strategy: QueueStrategy::Balanced,
            ..QueueParams::default()
        };
        let order = queue_order(&es, &pos, &balanced);
        assert_eq!(order, vec![1, 2, 0]);
        let none = queue_order(&es, &BTreeMap::new(), &balanced);
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
        let order = queue_order(&es, &BTreeMap::new(), &p);
        // Turns a, b, a, b, a; within each code nearest 0.5 first.
        assert_eq!(order, vec![1, 4, 2, 3, 0]);
    }

    #[test]
    fn the_default_seeks_until_three_positives_then_is_uncertain_first() {
        let d = QueueParams::default();
        assert_eq!(d.strategy, QueueStrategy::Balanced);
        assert_eq!(d.seek_positives, 3);
        let es = two_codes();
        // Neither code has 3 positives: most probable first in each; "b"
        // (fewer positives) starts, so turns b, a, b, a, a.
        let two = BTreeMap::from([("a".to_string(), 2)]);
        assert_eq!(queue_order(&es, &two, &d), vec![3, 0, 4, 1, 2]);
        // "a" has 3: nearest 0.5 first there; "b" (none) goes first and seeks.
        let three = BTreeMap::from([("a".to_string(), 3)]);
        assert_eq!(queue_order(&es, &three, &d), vec![3, 1, 4, 2, 0]);
    }

    #[test]
    fn items_are_taken_once() {
        let es = vec![e(1, "a", 0.9), e(1, "b", 0.8), e(2, "a", 0.7)];
        assert_eq!(items_in_order(&es, &[0, 1, 2]), vec![1, 2]);
    }

    #[test]
    fn strategies_read_back_what_they_print() {
        for s in [
            QueueStrategy::Balanced,
            QueueStrategy::BalancedUncertain,
            QueueStrategy::Uncertain,
        ] {
            assert_eq!(s.to_string().parse::<QueueStrategy>(), Ok(s));
        }
    }
}
