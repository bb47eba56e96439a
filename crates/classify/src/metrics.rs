//! Agreement measures for binary decisions per code, and the project's one
//! Cohen's kappa (the report's agreement table and the review page's
//! progress call [`cohen_kappa`] too).

use serde::{Deserialize, Serialize};

/// Per-code scores against gold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct BinaryScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// `None` when undefined (see [`cohen_kappa`]).
    pub kappa: Option<f64>,
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

/// Cohen's kappa of two raters' yes/no decisions on the same units, from
/// their 2×2 table: `both` = units both said yes to, `only_first` /
/// `only_second` = yes from one rater only, `neither` = both said no.
/// Counts may be weights (any non-negative reals).
///
/// κ = (p_o − p_e) / (1 − p_e), p_o the observed and p_e the chance
/// agreement from the raters' marginals.
///
/// **Undefined case.** `None` when there are no units or p_e = 1, which
/// happens exactly when both raters gave every unit the same single answer
/// (e.g. a code neither rater ever used): κ is 0/0 there, and scikit-learn's
/// `cohen_kappa_score` returns NaN. Callers show such a kappa as "–" (JSON
/// `null`) and leave it out of means, saying how many they left out.
pub fn cohen_kappa(both: f64, only_first: f64, only_second: f64, neither: f64) -> Option<f64> {
    let (a, b, c, d) = (both, only_first, only_second, neither);
    let n = a + b + c + d;
    if n <= 0.0 {
        return None;
    }
    let po = (a + d) / n;
    let pe = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n);
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((po - pe) / (1.0 - pe))
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
        assert!((s.kappa.unwrap() - 0.4).abs() < 1e-12, "{:?}", s.kappa);
        assert_eq!(s.support, 5);
    }

    /// Wikipedia, "Cohen's kappa", "Simple example": 50 grant proposals; both
    /// yes 20, A yes/B no 5, A no/B yes 10, both no 15 → p_o 0.7, p_e 0.5, κ 0.4.
    #[test]
    fn kappa_wikipedia_grant_proposals() {
        let k = cohen_kappa(20.0, 5.0, 10.0, 15.0).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
    }

    #[test]
    fn kappa_is_undefined_when_both_raters_are_constant() {
        assert_eq!(cohen_kappa(0.0, 0.0, 0.0, 10.0), None);
        assert_eq!(cohen_kappa(7.0, 0.0, 0.0, 0.0), None);
        assert_eq!(cohen_kappa(0.0, 0.0, 0.0, 0.0), None);
        // One constant rater is defined (κ = 0: no agreement beyond chance).
        assert_eq!(cohen_kappa(0.0, 0.0, 3.0, 7.0), Some(0.0));
        // Two constant raters who disagree: p_e = 0, p_o = 0, κ = 0.
        assert_eq!(cohen_kappa(0.0, 10.0, 0.0, 0.0), Some(0.0));
        // Total disagreement with balanced marginals: κ = −1.
        assert_eq!(cohen_kappa(0.0, 5.0, 5.0, 0.0), Some(-1.0));
        let s = binary_scores(&[false; 4], &[false; 4]);
        assert_eq!(s.kappa, None);
    }
}
