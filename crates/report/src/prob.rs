//! The Poisson-binomial distribution: the number of successes among
//! independent trials with different success probabilities.
//!
//! Written by hand: statrs and friends offer the binomial but not the
//! Poisson-binomial, and the exact dynamic programme is a dozen lines.

use serde::Serialize;

/// Exact distribution of a Poisson-binomial count.
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonBinomial {
    /// `pmf[k]` = P(count = k), for k = 0..=n.
    pub pmf: Vec<f64>,
}

/// Mean and central interval of a count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CountInterval {
    pub mean: f64,
    pub low: u64,
    pub high: u64,
}

impl PoissonBinomial {
    /// Builds the distribution by the O(n²) recurrence over trials, which is
    /// exact up to rounding and stable because every step is a convex mix.
    pub fn new(probabilities: &[f64]) -> PoissonBinomial {
        // Certain trials only shift the count, impossible ones change nothing:
        // the quadratic recurrence runs over the uncertain ones alone.
        let certain = probabilities.iter().filter(|p| **p >= 1.0).count();
        let mut pmf = Vec::with_capacity(probabilities.len() + 1);
        pmf.resize(certain, 0.0);
        pmf.push(1.0);
        for &p in probabilities.iter().filter(|p| **p > 0.0 && **p < 1.0) {
            pmf.push(0.0);
            for k in (certain..pmf.len()).rev() {
                let stay = pmf[k] * (1.0 - p);
                let moved = if k > certain { pmf[k - 1] * p } else { 0.0 };
                pmf[k] = stay + moved;
            }
        }
        // Impossible trials still belong to the support (count ≤ n).
        pmf.resize(probabilities.len() + 1, 0.0);
        PoissonBinomial { pmf }
    }

    pub fn mean(&self) -> f64 {
        self.pmf.iter().enumerate().map(|(k, p)| k as f64 * p).sum()
    }

    /// The smallest k with P(count ≤ k) ≥ q.
    pub fn quantile(&self, q: f64) -> u64 {
        // A small tolerance keeps exact ties (e.g. P ≤ k equal to 0.025 in
        // exact arithmetic) from flipping on rounding error.
        let mut cdf = 0.0;
        for (k, p) in self.pmf.iter().enumerate() {
            cdf += p;
            if cdf >= q - 1e-12 {
                return k as u64;
            }
        }
        (self.pmf.len() - 1) as u64
    }

    /// Mean and the equal-tailed interval holding `level` of the probability
    /// (2.5% and 97.5% quantiles for 0.95).
    pub fn interval(&self, level: f64) -> CountInterval {
        let tail = (1.0 - level) / 2.0;
        CountInterval {
            mean: self.mean(),
            low: self.quantile(tail),
            high: self.quantile(1.0 - tail),
        }
    }
}

/// P(at least one of independent events) = 1 − Π(1 − p).
pub fn any_of(probabilities: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - probabilities
        .into_iter()
        .fold(1.0, |none, p| none * (1.0 - p.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enumerates all 2^n outcomes.
    fn brute_force(ps: &[f64]) -> Vec<f64> {
        let n = ps.len();
        let mut pmf = vec![0.0; n + 1];
        for mask in 0u32..(1 << n) {
            let mut prob = 1.0;
            for (i, p) in ps.iter().enumerate() {
                prob *= if mask & (1 << i) != 0 { *p } else { 1.0 - p };
            }
            pmf[mask.count_ones() as usize] += prob;
        }
        pmf
    }

    fn brute_quantile(pmf: &[f64], q: f64) -> u64 {
        let mut cdf = 0.0;
        for (k, p) in pmf.iter().enumerate() {
            cdf += p;
            if cdf >= q - 1e-12 {
                return k as u64;
            }
        }
        (pmf.len() - 1) as u64
    }

    #[test]
    fn matches_enumeration_on_small_cases() {
        let cases: Vec<Vec<f64>> = vec![
            vec![],
            vec![0.3],
            vec![0.1, 0.9],
            vec![0.5, 0.5, 0.5, 0.5],
            vec![1.0, 0.0, 0.25, 0.75, 0.6],
            vec![0.05, 0.12, 0.33, 0.41, 0.58, 0.67, 0.72, 0.88, 0.93, 0.99],
            vec![
                0.02, 0.02, 0.97, 0.5, 0.31, 0.8, 0.11, 0.64, 0.45, 0.07, 0.9, 0.2,
            ],
        ];
        for ps in cases {
            let dp = PoissonBinomial::new(&ps);
            let bf = brute_force(&ps);
            assert_eq!(dp.pmf.len(), bf.len());
            for (a, b) in dp.pmf.iter().zip(&bf) {
                assert!((a - b).abs() < 1e-12, "{ps:?}: {a} vs {b}");
            }
            let expected_mean: f64 = ps.iter().sum();
            assert!((dp.mean() - expected_mean).abs() < 1e-9);
            let iv = dp.interval(0.95);
            assert_eq!(iv.low, brute_quantile(&bf, 0.025), "{ps:?}");
            assert_eq!(iv.high, brute_quantile(&bf, 0.975), "{ps:?}");
        }
    }

    #[test]
    fn four_fair_coins_have_known_interval() {
        // Binomial(4, 0.5): pmf 1/16, 4/16, 6/16, 4/16, 1/16.
        let d = PoissonBinomial::new(&[0.5; 4]);
        assert_eq!(d.pmf, vec![0.0625, 0.25, 0.375, 0.25, 0.0625]);
        let iv = d.interval(0.95);
        assert_eq!((iv.low, iv.high), (0, 4));
        // 90%: tails of 5%; P(≤0) = 6.25% ≥ 5% so low = 0; P(≤3) = 93.75% < 95% so high = 4.
        let iv = d.interval(0.80);
        assert_eq!((iv.low, iv.high), (1, 3));
    }

    #[test]
    fn certain_trials_give_a_point_interval() {
        let d = PoissonBinomial::new(&[1.0, 1.0, 0.0, 1.0]);
        let iv = d.interval(0.95);
        assert_eq!((iv.mean, iv.low, iv.high), (3.0, 3, 3));
    }

    #[test]
    fn any_of_combines_sentences() {
        assert!((any_of([0.5, 0.5]) - 0.75).abs() < 1e-12);
        assert_eq!(any_of([]), 0.0);
        assert_eq!(any_of([0.2, 1.0]), 1.0);
    }
}
