//! Probability calibration (Platt scaling) and its measures (ECE, reliability).

use serde::{Deserialize, Serialize};

use crate::logistic::{lbfgs, sigmoid};

/// p = σ(a·score + b), fitted on held-out (out-of-fold) scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Platt {
    /// Fits on scores and labels with Platt's (1999) smoothed targets, which
    /// keep a perfectly separated fold from producing probabilities of 0 or 1.
    pub fn fit(scores: &[f64], labels: &[bool]) -> Platt {
        let n_pos = labels.iter().filter(|&&y| y).count() as f64;
        let n_neg = labels.len() as f64 - n_pos;
        let t_pos = (n_pos + 1.0) / (n_pos + 2.0);
        let t_neg = 1.0 / (n_neg + 2.0);
        let n = labels.len().max(1) as f64;
        let (theta, _) = lbfgs(
            vec![1.0, 0.0],
            |th, g| {
                let (mut f, mut ga, mut gb) = (0.0, 0.0, 0.0);
                for (&s, &y) in scores.iter().zip(labels) {
                    let t = if y { t_pos } else { t_neg };
                    let p = sigmoid(th[0] * s + th[1]).clamp(1e-15, 1.0 - 1e-15);
                    f -= t * p.ln() + (1.0 - t) * (1.0 - p).ln();
                    ga += (p - t) * s;
                    gb += p - t;
                }
                g[0] = ga / n;
                g[1] = gb / n;
                f / n
            },
            200,
            1e-9,
        );
        Platt {
            a: theta[0],
            b: theta[1],
        }
    }

    pub fn apply(&self, score: f64) -> f64 {
        sigmoid(self.a * score + self.b)
    }
}

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    /// Mean predicted probability in the bin.
    pub confidence: f64,
    /// Share of the bin's (item, code) pairs where the code applies.
    pub frequency: f64,
}

/// Reliability table with `bins` equal-width bins over [0, 1].
pub fn reliability(probs: &[f64], labels: &[bool], bins: usize) -> Vec<ReliabilityBin> {
    let mut sum_p = vec![0.0; bins];
    let mut pos = vec![0usize; bins];
    let mut count = vec![0usize; bins];
    for (&p, &y) in probs.iter().zip(labels) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        sum_p[b] += p;
        count[b] += 1;
        pos[b] += y as usize;
    }
    (0..bins)
        .map(|b| ReliabilityBin {
            lower: b as f64 / bins as f64,
            upper: (b + 1) as f64 / bins as f64,
            count: count[b],
            confidence: if count[b] > 0 {
                sum_p[b] / count[b] as f64
            } else {
                0.0
            },
            frequency: if count[b] > 0 {
                pos[b] as f64 / count[b] as f64
            } else {
                0.0
            },
        })
        .collect()
}

/// Expected calibration error: Σ (n_bin / n) |frequency − confidence|.
pub fn ece(probs: &[f64], labels: &[bool], bins: usize) -> f64 {
    let n = probs.len();
    if n == 0 {
        return 0.0;
    }
    reliability(probs, labels, bins)
        .iter()
        .map(|b| b.count as f64 / n as f64 * (b.frequency - b.confidence).abs())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers in [0, 1) (splitmix64).
    fn uniform(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn platt_fixes_overconfident_scores() {
        // True P(y | s) = σ(s); the raw model reports σ(4s): far too sure.
        let mut seed = 7;
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..20_000 {
            let s = uniform(&mut seed) * 8.0 - 4.0;
            scores.push(s);
            labels.push(uniform(&mut seed) < sigmoid(s));
        }
        let raw: Vec<f64> = scores.iter().map(|&s| sigmoid(4.0 * s)).collect();
        let raw_logit: Vec<f64> = scores.iter().map(|&s| 4.0 * s).collect();
        let platt = Platt::fit(&raw_logit, &labels);
        let fixed: Vec<f64> = raw_logit.iter().map(|&z| platt.apply(z)).collect();
        let before = ece(&raw, &labels, 10);
        let after = ece(&fixed, &labels, 10);
        assert!(before > 0.08, "raw ECE {before}");
        assert!(after < 0.02, "calibrated ECE {after}");
        assert!((platt.a - 0.25).abs() < 0.03, "{platt:?}");
    }

    #[test]
    fn ece_of_a_known_table() {
        // Bin 0.8–0.9: 4 pairs at 0.85, 3 positive → |0.75 − 0.85| = 0.1.
        let p = [0.85, 0.85, 0.85, 0.85];
        let y = [true, true, true, false];
        assert!((ece(&p, &y, 10) - 0.1).abs() < 1e-12);
        let t = reliability(&p, &y, 10);
        assert_eq!(t[8].count, 4);
        assert_eq!(t.iter().map(|b| b.count).sum::<usize>(), 4);
    }
}
