//! Agreement measures for binary decisions per code.

use serde::{Deserialize, Serialize};

/// Per-code scores against gold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct BinaryScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub kappa: f64,
    /// Gold positives.
    pub support: usize,
    pub predicted: usize,
}

/// Precision, recall, F1 (0 when undefined, as scikit-learn's `zero_division=0`)
/// and Cohen's kappa of `pred` against `gold`.
pub fn binary_scores(pred: &[bool], gold: &[bool]) -> BinaryScores {
    let (mut tp, mut fp, mut fnn, mut tn) = (0f64, 0f64, 0f64, 0f64);
    for (&p, &g) in pred.iter().zip(gold) {
        match (p, g) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fnn += 1.0,
            (false, false) => tn += 1.0,
        }
    }
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fnn);
    let f1 = div(2.0 * tp, 2.0 * tp + fp + fnn);
    BinaryScores {
        precision,
        recall,
        f1,
        kappa: cohen_kappa(tp, fp, fnn, tn),
        support: (tp + fnn) as usize,
        predicted: (tp + fp) as usize,
    }
}

/// Cohen's kappa from a 2×2 table (a = both yes, b = first yes only,
/// c = second yes only, d = both no); 0 when chance agreement is total.
pub fn cohen_kappa(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let n = a + b + c + d;
    if n == 0.0 {
        return 0.0;
    }
    let po = (a + d) / n;
    let pe = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n);
    if (1.0 - pe).abs() < 1e-12 {
        if (po - 1.0).abs() < 1e-12 {
            1.0
        } else {
            0.0
        }
    } else {
        (po - pe) / (1.0 - pe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_a_known_table() {
        // tp 3, fp 1, fn 2, tn 4 (scikit-learn: P 0.75, R 0.6, F1 0.6667, kappa 0.4)
        let pred = [
            true, true, true, true, false, false, false, false, false, false,
        ];
        let gold = [
            true, true, true, false, true, true, false, false, false, false,
        ];
        let s = binary_scores(&pred, &gold);
        assert!((s.precision - 0.75).abs() < 1e-12);
        assert!((s.recall - 0.6).abs() < 1e-12);
        assert!((s.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.kappa - 0.4).abs() < 1e-12, "{}", s.kappa);
        assert_eq!(s.support, 5);
    }
}
