//! Representative quotes: maximal marginal relevance (Carbonell & Goldstein
//! 1998) over the members closest to the centroid, so the five quotes show
//! the theme from different sides instead of five near-duplicates.

use crate::knn::dot;

/// Members considered: the most central ones (MMR only trades off among these).
const CANDIDATES: usize = 50;

/// Picks up to `count` row indices from `members`. `relevance_weight` (λ) is
/// the weight of similarity to the centroid against similarity to quotes
/// already picked; 0.7 favours central quotes but skips repeats. Rows whose
/// `text_key` equals a picked one are skipped (duplicate sentences).
pub fn mmr<'a>(
    members: &[usize],
    vector: impl Fn(usize) -> &'a [f32],
    text_key: impl Fn(usize) -> &'a str,
    centroid: &[f32],
    count: usize,
    relevance_weight: f32,
) -> Vec<usize> {
    let mut cand: Vec<(f32, usize)> = members
        .iter()
        .map(|&r| (dot(centroid, vector(r)), r))
        .collect();
    // Members arrive in key order, so ties resolve the same way on every run.
    cand.sort_by(|a, b| b.0.total_cmp(&a.0));
    // The first CANDIDATES distinct texts; stops there rather than hashing
    // every member's text (a broad theme at 1M sentences has 100,000s).
    let mut seen_text = std::collections::HashSet::new();
    let mut distinct = Vec::with_capacity(CANDIDATES);
    for &(rel, r) in &cand {
        if distinct.len() == CANDIDATES {
            break;
        }
        if seen_text.insert(text_key(r)) {
            distinct.push((rel, r));
        }
    }
    let mut cand = distinct;
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < count && !cand.is_empty() {
        let mut best = (f32::NEG_INFINITY, 0);
        for (i, &(rel, r)) in cand.iter().enumerate() {
            let redundancy = picked
                .iter()
                .map(|&p| dot(vector(p), vector(r)))
                .fold(f32::NEG_INFINITY, f32::max);
            let redundancy = if picked.is_empty() { 0.0 } else { redundancy };
            let score = relevance_weight * rel - (1.0 - relevance_weight) * redundancy;
            if score > best.0 {
                best = (score, i);
            }
        }
        picked.push(cand.remove(best.1).1);
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmr_prefers_a_different_quote_over_a_near_duplicate() {
        // Centroid along x. Rows 0 and 1 are almost the same direction, row 2
        // is a little further from the centroid but on its other side.
        let rows: Vec<Vec<f32>> = vec![
            unit(&[1.0, 0.10, 0.0]),
            unit(&[1.0, 0.10, 0.01]),
            unit(&[1.0, -0.12, 0.0]),
        ];
        let texts = ["a", "b", "c"];
        let centroid = [1.0, 0.0, 0.0];
        let by_relevance = mmr(&[0, 1, 2], |r| &rows[r], |r| texts[r], &centroid, 2, 1.0);
        assert_eq!(by_relevance, vec![0, 1]);
        let diverse = mmr(&[0, 1, 2], |r| &rows[r], |r| texts[r], &centroid, 2, 0.7);
        assert_eq!(diverse, vec![0, 2]);
    }

    #[test]
    fn duplicate_texts_are_quoted_once() {
        let rows: Vec<Vec<f32>> = vec![unit(&[1.0, 0.0]), unit(&[1.0, 0.0]), unit(&[0.8, 0.6])];
        let texts = ["Yes.", "Yes.", "No."];
        let picked = mmr(&[0, 1, 2], |r| &rows[r], |r| texts[r], &[1.0, 0.0], 3, 0.7);
        assert_eq!(picked, vec![0, 2]);
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }
}
