//! Decision thresholds: where a code's calibrated probability becomes a
//! coding. Each is the threshold, on the grid 0.05, 0.06, …, 0.95, with the
//! largest Cohen's κ ([`crate::metrics::cohen_kappa`], the agreement the
//! report and `eval code` measure), ties going to the threshold nearest 0.5.
//!
//! Two estimates of that threshold, and their blend:
//! - [`best_kappa_threshold`], on the labelled sample's out-of-fold
//!   probabilities. Noisy with few positives, and biased when the sample is
//!   not drawn at random from the corpus: the review queue picks each code's
//!   likely positives, so the sample holds more of them than the corpus.
//! - [`expected_kappa_threshold`], on the unlabelled corpus's calibrated
//!   probabilities: a sentence with probability p counts p towards the
//!   positives and 1 − p towards the negatives, so the 2×2 table at each
//!   threshold is the one the model expects on the corpus itself (the
//!   plug-in rule of Lipton, Elkan & Naryanaswamy 2014, "Optimal
//!   thresholding of classifiers to maximize F1", here for κ). It reads the
//!   corpus's own mix of sentences, whatever order the labels came in, and
//!   is only as right as the calibration.
//! - [`blend`]: the sample's estimate weighted by its positives, the
//!   corpus's by a fixed number of pseudo-positives
//!   (`ClassifierParams::corpus_threshold_weight`), so that few labels lean
//!   on the corpus and many on themselves.
//!
//! Measured on OPP-115 dev (docs/classify.md, "Thresholds"): the κ grid
//! instead of the F1 grid lifts the supervised CV κ 0.7345 → 0.7389; the
//! blend with weight 50, 0.7416; the corpus's estimate alone, 0.7298.

/// The grid threshold whose 2×2 table `counts(t)` = (both yes, machine
/// only, human only, both no) has the largest κ; an undefined κ counts 0.
fn best_on_grid(counts: impl Fn(f64) -> (f64, f64, f64, f64)) -> f64 {
    let mut best: (f64, f64) = (f64::MIN, 0.5);
    for step in 5..=95 {
        let t = step as f64 / 100.0;
        let (tp, fp, fnn, tn) = counts(t);
        let k = crate::metrics::cohen_kappa(tp, fp, fnn, tn).unwrap_or(0.0);
        let better = k > best.0 + 1e-12
            || ((k - best.0).abs() <= 1e-12 && (t - 0.5).abs() < (best.1 - 0.5).abs());
        if better {
            best = (k, t);
        }
    }
    best.1
}

/// The κ-best threshold of `probs` against `labels` (the labelled sample).
pub fn best_kappa_threshold(probs: &[f64], labels: &[bool]) -> f64 {
    best_on_grid(|t| {
        let (mut tp, mut fp, mut fnn, mut tn) = (0.0, 0.0, 0.0, 0.0);
        for (&p, &y) in probs.iter().zip(labels) {
            match (p >= t, y) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fnn += 1.0,
                (false, false) => tn += 1.0,
            }
        }
        (tp, fp, fnn, tn)
    })
}

/// The κ-best threshold on the table the calibrated `probs` of unlabelled
/// sentences expect: at threshold t, Σ_{p ≥ t} p both yes, Σ_{p ≥ t} (1 − p)
/// machine only, Σ_{p < t} p human only, Σ_{p < t} (1 − p) both no.
pub fn expected_kappa_threshold(probs: &[f64]) -> f64 {
    // Sorted, so each grid point is a split of prefix sums rather than a
    // pass over every sentence.
    let mut sorted: Vec<f64> = probs.iter().map(|p| p.clamp(0.0, 1.0)).collect();
    sorted.sort_by(f64::total_cmp);
    let mut prefix = Vec::with_capacity(sorted.len() + 1);
    prefix.push(0.0);
    for &p in &sorted {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + p);
    }
    let n = sorted.len() as f64;
    let total = prefix[sorted.len()];
    best_on_grid(|t| {
        let below = sorted.partition_point(|&p| p < t);
        let below_mass = prefix[below];
        let above = n - below as f64;
        let tp = total - below_mass;
        (tp, above - tp, below_mass, below as f64 - below_mass)
    })
}

/// The sample's threshold weighted by its `positives`, the corpus's by
/// `weight`: (P·sample + w·corpus) / (P + w). Weight 0 (or no corpus
/// estimate) keeps the sample's.
pub fn blend(sample: f64, positives: usize, corpus: Option<f64>, weight: f64) -> f64 {
    match corpus {
        Some(c) if weight > 0.0 => {
            let p = positives as f64;
            (p * sample + weight * c) / (p + weight)
        }
        _ => sample,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive version of the expected table: one pass per grid point.
    fn expected_naive(probs: &[f64]) -> f64 {
        best_on_grid(|t| {
            let (mut tp, mut fp, mut fnn, mut tn) = (0.0, 0.0, 0.0, 0.0);
            for &p in probs {
                if p >= t {
                    tp += p;
                    fp += 1.0 - p;
                } else {
                    fnn += p;
                    tn += 1.0 - p;
                }
            }
            (tp, fp, fnn, tn)
        })
    }

    #[test]
    fn the_sample_threshold_separates_separable_labels() {
        // Positives at 0.7 and above, negatives at 0.3 and below: every
        // threshold in (0.3, 0.7] gives κ 1; the nearest 0.5 wins.
        let p = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
        let y = [false, false, false, true, true, true];
        assert_eq!(best_kappa_threshold(&p, &y), 0.5);
        // One negative at 0.6: κ is best above it.
        let p = [0.1, 0.2, 0.6, 0.7, 0.8, 0.9];
        assert_eq!(best_kappa_threshold(&p, &y), 0.61);
    }

    #[test]
    fn kappa_and_f1_thresholds_differ_where_true_negatives_count() {
        // Probabilities 0.9, 0.8, …, 0.1, 0.05; the fifth from the top a
        // negative, the seventh a positive. Coding the top five: table 5,
        // 0, 1, 4 → p_o 0.9, p_e (5·6 + 5·4)/100 = 0.5, κ 0.8 (F1 0.909),
        // on the plateau (0.4, 0.5]. Coding the top seven: 6, 1, 0, 3 →
        // κ (0.9 − 0.54)/0.46 = 0.783, F1 12/13 = 0.923, F1's best, on
        // (0.2, 0.3].
        let p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
        let y = [
            true, true, true, true, true, false, true, false, false, false,
        ];
        assert_eq!(best_kappa_threshold(&p, &y), 0.5);
        let scores = |t: f64| {
            let pred: Vec<bool> = p.iter().map(|&q| q >= t).collect();
            crate::metrics::binary_scores(&pred, &y)
        };
        assert!((scores(0.5).kappa.unwrap() - 0.8).abs() < 1e-12);
        assert!((scores(0.3).kappa.unwrap() - 0.36 / 0.46).abs() < 1e-12);
        assert!((scores(0.3).f1 - 12.0 / 13.0).abs() < 1e-12);
        assert!(scores(0.3).f1 > scores(0.5).f1);
    }

    #[test]
    fn the_expected_threshold_matches_its_naive_version() {
        let mut rng = crate::model::SplitMix(7);
        for n in [0usize, 1, 2, 17, 400] {
            let probs: Vec<f64> = (0..n)
                .map(|_| {
                    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    u * u
                })
                .collect();
            assert_eq!(expected_kappa_threshold(&probs), expected_naive(&probs));
        }
    }

    #[test]
    fn the_expected_threshold_of_a_calibrated_mix() {
        // 90 sentences at p = 0.1 and 10 at 0.9 (18 positives expected).
        // Any threshold in (0.1, 0.9] codes the 10: table 9, 1, 9, 81 →
        // p_o 0.9, p_e (10·18 + 90·82)/10⁴ = 0.756, κ 0.590; coding all
        // or none gives κ 0. The plateau's point nearest 0.5 wins.
        let mut probs = vec![0.1; 90];
        probs.extend(vec![0.9; 10]);
        assert_eq!(expected_kappa_threshold(&probs), 0.5);
        // 10 at 0.6, 10 at 0.3, 80 at 0.02 (10.6 expected). Coding the
        // 0.6s: 6, 4, 4.6, 85.4 → κ 0.0988/0.1848 = 0.535; the 0.3s too:
        // 9, 11, 1.6, 78.4 → κ 0.1376/0.2636 = 0.522. So (0.3, 0.6].
        let mut probs = vec![0.6; 10];
        probs.extend(vec![0.3; 10]);
        probs.extend(vec![0.02; 80]);
        assert_eq!(expected_kappa_threshold(&probs), 0.5);
        // With the top ten at 0.45 instead (9.1 expected): the 0.45s alone,
        // 4.5, 5.5, 4.6, 85.4 → κ 0.416; with the 0.3s, 7.5, 12.5, 1.6,
        // 78.4 → κ 0.446. So (0.02, 0.3], nearest 0.5: 0.3.
        probs[..10].iter_mut().for_each(|p| *p = 0.45);
        assert_eq!(expected_kappa_threshold(&probs), 0.3);
    }

    #[test]
    fn blend_weighs_the_sample_by_its_positives() {
        assert_eq!(blend(0.3, 50, Some(0.6), 50.0), 0.45);
        assert_eq!(blend(0.3, 0, Some(0.6), 50.0), 0.6);
        assert_eq!(blend(0.3, 50, None, 50.0), 0.3);
        assert_eq!(blend(0.3, 50, Some(0.6), 0.0), 0.3);
    }
}
