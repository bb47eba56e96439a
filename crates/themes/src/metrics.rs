//! Agreement between two partitions: adjusted Rand index (Hubert & Arabie
//! 1985) and normalised mutual information with the arithmetic-mean
//! normaliser (scikit-learn's default), so figures compare with BERTopic
//! papers. Labels are any ordered values; callers map outliers to one label.

use std::collections::BTreeMap;

type Contingency<A, B> = (BTreeMap<(A, B), u64>, BTreeMap<A, u64>, BTreeMap<B, u64>);

fn contingency<A: Ord + Clone, B: Ord + Clone>(a: &[A], b: &[B]) -> Contingency<A, B> {
    assert_eq!(a.len(), b.len(), "partitions of different lengths");
    let mut cells = BTreeMap::new();
    let mut rows = BTreeMap::new();
    let mut cols = BTreeMap::new();
    for (x, y) in a.iter().zip(b) {
        *cells.entry((x.clone(), y.clone())).or_insert(0) += 1;
        *rows.entry(x.clone()).or_insert(0) += 1;
        *cols.entry(y.clone()).or_insert(0) += 1;
    }
    (cells, rows, cols)
}

fn comb2(n: u64) -> f64 {
    n as f64 * (n as f64 - 1.0) / 2.0
}

pub fn adjusted_rand_index<A: Ord + Clone, B: Ord + Clone>(a: &[A], b: &[B]) -> f64 {
    let n = a.len() as u64;
    let (cells, rows, cols) = contingency(a, b);
    let index: f64 = cells.values().map(|&c| comb2(c)).sum();
    let sum_a: f64 = rows.values().map(|&c| comb2(c)).sum();
    let sum_b: f64 = cols.values().map(|&c| comb2(c)).sum();
    let total = comb2(n);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        // Both partitions trivial (all one cluster or all singletons): identical.
        return 1.0;
    }
    (index - expected) / (max - expected)
}

fn entropy(counts: impl Iterator<Item = u64>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0)
        .map(|c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

pub fn normalized_mutual_info<A: Ord + Clone, B: Ord + Clone>(a: &[A], b: &[B]) -> f64 {
    let n = a.len() as f64;
    let (cells, rows, cols) = contingency(a, b);
    if rows.len() == 1 && cols.len() == 1 || n == 0.0 {
        return 1.0;
    }
    let mut mi = 0.0;
    for ((x, y), &c) in &cells {
        let pxy = c as f64 / n;
        let px = rows[x] as f64 / n;
        let py = cols[y] as f64 / n;
        mi += pxy * (pxy / (px * py)).ln();
    }
    let h = (entropy(rows.values().copied(), n) + entropy(cols.values().copied(), n)) / 2.0;
    if h == 0.0 {
        return 0.0;
    }
    (mi / h).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_and_relabelled_partitions_score_one() {
        let a = [0, 0, 1, 1, 2, 2];
        let b = ["x", "x", "y", "y", "z", "z"];
        assert!((adjusted_rand_index(&a, &b) - 1.0).abs() < 1e-12);
        assert!((normalized_mutual_info(&a, &b) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_example() {
        // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]: contingency [[2,1,0],[0,1,2]].
        // index = C(2,2)+C(2,2) = 2; sum_a = 3+3 = 6; sum_b = 1+1+1 = 3; total = 15;
        // expected = 18/15 = 1.2; max = 4.5; ARI = 0.8/3.3 = 0.242424...
        let a = [0, 0, 0, 1, 1, 1];
        let b = [0, 0, 1, 1, 2, 2];
        assert!((adjusted_rand_index(&a, &b) - 0.8 / 3.3).abs() < 1e-12);
        // MI = 2·(2/6)ln((2/6)/(3/6·2/6)) + 2·(1/6)ln((1/6)/(3/6·2/6)) = (2/3)ln2
        // H(a) = ln2, H(b) = ln3; NMI = (2/3 ln2) / ((ln2+ln3)/2)
        let mi = 2.0 / 3.0 * 2f64.ln();
        let want = mi / ((2f64.ln() + 3f64.ln()) / 2.0);
        assert!((normalized_mutual_info(&a, &b) - want).abs() < 1e-12);
        // scikit-learn gives 0.24242424 and 0.51578... for the same input.
        assert!((normalized_mutual_info(&a, &b) - 0.515_8).abs() < 1e-3);
    }

    #[test]
    fn independent_partition_scores_near_zero_or_below() {
        let a = [0, 0, 1, 1];
        let b = [0, 1, 0, 1];
        assert!(adjusted_rand_index(&a, &b) <= 0.0);
        assert!(normalized_mutual_info(&a, &b).abs() < 1e-12);
    }
}
