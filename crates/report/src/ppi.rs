//! Prediction-powered estimates of counts from a random audit sample.
//!
//! The machine's probabilities cover every unit (participant, sentence or
//! document); a *random* sample of units was coded by people. The count of
//! units with a code is the known count in the sample plus an estimate for
//! the rest: the machine's mean there, corrected by the human-minus-machine
//! difference measured on the sample (Angelopoulos et al., "Prediction-
//! powered inference", Science 2023), with the correction's weight λ tuned
//! as PPI++ does (Angelopoulos, Duchi & Zrnic, arXiv 2311.01453) so that a
//! useless classifier falls back to the sample alone.
//!
//! Two forms live here:
//! - [`ppi_mean_ci`] is the superpopulation estimator exactly as the
//!   reference implementation `ppi_py.ppi_mean_ci` computes it; a test
//!   compares the two to 1e-6 where Python has `ppi_py`.
//! - [`estimate_count`] is what the report uses: the same point estimate for
//!   the unaudited units, but the interval is the finite-population one of
//!   the survey-sampling difference estimator (Särndal, Swensson & Wretman,
//!   *Model Assisted Survey Sampling*, §6.3): the count in *this* corpus is
//!   the target, the audited units are known exactly, and the prediction
//!   error of the unaudited mean is S²ᵣ(1/n + 1/(N−n)). `ppi_py`'s variance
//!   (λ²S²_f/(N−n) + S²ᵣ/n) targets a superpopulation mean instead and is
//!   too narrow for a count when the sample is a large share of the corpus
//!   and the classifier is poor (at 30% audited, 0.84× the right width).
//!
//! Small samples: the residual variance gets pseudo-observations at ±max/2
//! around the residual mean (Agresti–Coull's "add two successes and two
//! failures" carried over to residuals: two for yes/no units, four for
//! counts), and the quantile is Student's t with n − 1 degrees of freedom;
//! without them a sample where the machine happened to be right on every
//! audited unit gives a zero-width interval.
//!
//! Lopsided samples: for yes/no units the interval is a score interval, as
//! Wilson's is for a proportion: each hypothesised count T is judged with
//! the residual variance that T implies (a population with T of N units
//! has a known S²_Y), not the sample's. A code that 76 of 85 policies have is
//! missing from a 17-policy sample 15% of the time; the Wald interval then
//! centres on 85 with the sample's near-zero spread and misses 76 (worst
//! per-code coverage 0.84 on OPP-115 policies), the score interval does
//! not (0.96).
//! The interval is clipped to what is possible: at least the audited
//! positives plus the unaudited units people coded with the code (a
//! reviewer's or a second coder's coding outside the sample: certain, as
//! the report's own counts treat it), at most the audited positives plus
//! every unaudited unit. The true count lies in that range, so the clip
//! removes impossible values only and the coverage stays.
//!
//! Whole counts: the count is a whole number, so the interval's ends are
//! rounded outward to whole numbers (⌊low⌋, ⌈high⌉, clipped as above):
//! a group's "0 [0–0.72]" people claimed no member where one mentioned
//! the code (h19/01). The point estimate stays the expected count, which
//! may be fractional; [`ppi_mean_ci`], an interval for a mean, is not
//! rounded.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// What an audit sample draws: the unit the report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditUnit {
    Participant,
    Sentence,
    Document,
}

impl AuditUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditUnit::Participant => "participant",
            AuditUnit::Sentence => "sentence",
            AuditUnit::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<AuditUnit> {
        Some(match s {
            "participant" => AuditUnit::Participant,
            "sentence" => AuditUnit::Sentence,
            "document" => AuditUnit::Document,
            _ => return None,
        })
    }

    /// The unit a sentence belongs to, as the store's `audit_units` keys it.
    pub fn key(self, s: &store::StoredSegment) -> String {
        match self {
            AuditUnit::Participant => crate::freq::speaker_key(s),
            AuditUnit::Sentence => format!("{}\t{}", s.document, s.text_hash),
            AuditUnit::Document => s.document.clone(),
        }
    }
}

/// How a count was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Audit sample + calibrated machine predictions on every unit.
    #[serde(rename = "prediction-powered")]
    PredictionPowered,
    /// Audit sample alone (no machine predictions to lean on).
    #[serde(rename = "sample-only")]
    SampleOnly,
    /// Every unit audited: the count is known.
    #[serde(rename = "census")]
    Census,
    /// No audit sample: the machine's expected count, no interval.
    #[serde(rename = "model-only")]
    ModelOnly,
    /// No audit sample and probabilities that no label calibrated.
    #[serde(rename = "model-only (uncalibrated)")]
    ModelOnlyUncalibrated,
    /// No machine coding, and no audit sample that estimates the figure
    /// (none at all, or a sentence sample's participants, a group the
    /// sample missed): the count people coded, a lower bound, no interval.
    #[serde(rename = "people-coded")]
    PeopleCoded,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::PredictionPowered => "prediction-powered",
            Method::SampleOnly => "sample-only",
            Method::Census => "census",
            Method::ModelOnly => "model-only",
            Method::ModelOnlyUncalibrated => "model-only (uncalibrated)",
            Method::PeopleCoded => "people-coded",
        }
    }
}

/// A mean with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanCi {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// The power-tuning weight used (1: plain PPI, 0: the sample alone).
    pub lambda: f64,
}

fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// Variance with divisor `n − ddof` (0 when there are not enough values).
fn variance(x: &[f64], ddof: usize) -> f64 {
    if x.len() <= ddof {
        return 0.0;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - ddof) as f64
}

/// PPI++'s power-tuning weight for a mean, as `ppi_py._calc_lam_glm` computes
/// it (one dimension, clipped to [0, 1]): Cov(Y, Ŷ) / ((1 + n/N) Var(Ŷ all)).
pub fn ppi_lambda(y: &[f64], yhat: &[f64], yhat_unlabeled: &[f64]) -> f64 {
    let n = y.len() as f64;
    let big_n = yhat_unlabeled.len() as f64;
    let (my, mf) = (mean(y), mean(yhat));
    let cov = y
        .iter()
        .zip(yhat)
        .map(|(a, b)| (a - my) * (b - mf))
        .sum::<f64>()
        / n;
    let all: Vec<f64> = yhat.iter().chain(yhat_unlabeled).copied().collect();
    let denom = (1.0 + n / big_n) * variance(&all, 1);
    if denom <= 0.0 || !cov.is_finite() {
        return 0.0;
    }
    (cov / denom).clamp(0.0, 1.0)
}

/// `ppi_py.ppi_mean_ci(Y, Yhat, Yhat_unlabeled, alpha, lam=lambda)`: the
/// prediction-powered confidence interval for a mean, two-sided, normal
/// quantile; `lambda = None` tunes it as PPI++ does.
pub fn ppi_mean_ci(
    y: &[f64],
    yhat: &[f64],
    yhat_unlabeled: &[f64],
    alpha: f64,
    lambda: Option<f64>,
) -> MeanCi {
    let lambda = lambda.unwrap_or_else(|| ppi_lambda(y, yhat, yhat_unlabeled));
    let rectifier: Vec<f64> = y.iter().zip(yhat).map(|(a, b)| a - lambda * b).collect();
    let estimate = lambda * mean(yhat_unlabeled) + mean(&rectifier);
    let imputed = lambda * lambda * variance(yhat_unlabeled, 0) / yhat_unlabeled.len() as f64;
    let rect = variance(&rectifier, 0) / y.len() as f64;
    let z = Normal::standard().inverse_cdf(1.0 - alpha / 2.0);
    let half = z * (imputed + rect).sqrt();
    MeanCi {
        estimate,
        low: estimate - half,
        high: estimate + half,
        lambda,
    }
}

/// Pseudo-observations added to the residual variance of count units
/// (max > 1), at ±max/2 around the residual mean: Agresti–Coull's four (two
/// successes, two failures). Two gave 0.86 coverage on 9 audited of 47 units
/// in the seeded simulation (tests/ppi.rs); four give ≥ 0.99 there and change
/// large samples by < 3%.
const PSEUDO_UNITS_COUNTS: f64 = 4.0;

/// The same for yes/no units, whose interval is the score interval
/// ([`residual_variance_at`]): that already widens a lopsided sample, and two
/// are enough. Measured with `eval audit` (1,000 draws per share, OPP-115
/// policies and segments, the demo's participants): none gives a worst code
/// at 0.81 (OPP-115 policies, 30% audited), two 0.947 or more everywhere,
/// four the same coverage with intervals 2–6% wider.
const PSEUDO_UNITS_YES_NO: f64 = 2.0;

/// One audited unit: what people said (1 the unit has the code, 0 not; or a
/// count, e.g. a participant's sentences with the code) and what the machine
/// predicted for it without having seen it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Audited {
    pub human: f64,
    pub machine: f64,
}

/// An estimated count and its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CountEstimate {
    pub method: Method,
    pub estimate: f64,
    /// The interval at `level`; `None` when no valid interval exists
    /// (model-only methods).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Units the estimate is about, and how many of them people audited.
    pub units: u64,
    pub audited: u64,
    /// The count among audited units (known exactly).
    pub audited_count: f64,
    /// The power-tuning weight (prediction-powered only).
    pub lambda: Option<f64>,
}

/// The largest possible value of one unit (1 for yes/no units), used to
/// clip the interval to what can happen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitRange {
    pub max: f64,
}

/// Estimates a count over `audited.len() + unaudited.len()` units from the
/// audited units (a simple random sample of all of them) and the machine's
/// predictions for the others. `use_machine = false` gives the sample-only
/// estimate (λ = 0); otherwise λ is tuned from the sample.
pub fn estimate_count(
    audited: &[Audited],
    unaudited: &[f64],
    level: f64,
    range: UnitRange,
    use_machine: bool,
) -> CountEstimate {
    estimate_count_within(audited, unaudited, 0.0, level, range, use_machine, None)
}

/// [`estimate_count`] where people coded `known_unaudited` of the count on
/// unaudited units (a reviewer's or a second coder's coding outside the
/// sample, summed over those units): the count is at least the audited
/// positives plus those, so the estimate and both ends of its interval are
/// too. The machine's predictions stay the machine's alone, as the
/// audited units' are. Before, a colleague's coding of four participants
/// outside the sample stood beside an estimate of 0.0 [0.0–7.2] (h1/03).
pub fn estimate_count_at_least(
    audited: &[Audited],
    unaudited: &[f64],
    known_unaudited: f64,
    level: f64,
    range: UnitRange,
    use_machine: bool,
) -> CountEstimate {
    estimate_count_within(
        audited,
        unaudited,
        known_unaudited,
        level,
        range,
        use_machine,
        None,
    )
}

/// [`estimate_count`] of a domain (a crosstab's group): units outside it
/// count 0 (`Audited { human: 0, machine: 0 }`, and 0 among `unaudited`),
/// so the estimator is the whole sample's, and the unaudited units can
/// hold at most `unaudited_capacity` together (the group's unaudited
/// members × the unit maximum). Before, the interval was clipped to every
/// unaudited unit's maximum: a group of 7 got 7.06 [2.01, 12.99].
pub fn estimate_domain_count(
    audited: &[Audited],
    unaudited: &[f64],
    level: f64,
    range: UnitRange,
    use_machine: bool,
    unaudited_capacity: f64,
) -> CountEstimate {
    estimate_count_within(
        audited,
        unaudited,
        0.0,
        level,
        range,
        use_machine,
        Some(unaudited_capacity),
    )
}

/// [`estimate_domain_count`] with the group's unaudited members' count
/// people coded (`known_unaudited`) as a floor, as
/// [`estimate_count_at_least`] has it.
pub fn estimate_domain_count_at_least(
    audited: &[Audited],
    unaudited: &[f64],
    known_unaudited: f64,
    level: f64,
    range: UnitRange,
    use_machine: bool,
    unaudited_capacity: f64,
) -> CountEstimate {
    estimate_count_within(
        audited,
        unaudited,
        known_unaudited,
        level,
        range,
        use_machine,
        Some(unaudited_capacity),
    )
}

fn estimate_count_within(
    audited: &[Audited],
    unaudited: &[f64],
    known_unaudited: f64,
    level: f64,
    range: UnitRange,
    use_machine: bool,
    unaudited_capacity: Option<f64>,
) -> CountEstimate {
    let n = audited.len();
    let n_u = unaudited.len();
    let audited_count: f64 = audited.iter().map(|a| a.human).sum();
    let units = (n + n_u) as u64;
    if n_u == 0 {
        return CountEstimate {
            method: Method::Census,
            estimate: audited_count,
            low: Some(audited_count),
            high: Some(audited_count),
            units,
            audited: n as u64,
            audited_count,
            lambda: None,
        };
    }
    let y: Vec<f64> = audited.iter().map(|a| a.human).collect();
    let f: Vec<f64> = audited.iter().map(|a| a.machine).collect();
    // λ minimising the finite-population variance S²(Y − λf): the regression
    // coefficient of Y on f (f's variance over every unit, which is known).
    let lambda = if use_machine && n >= 2 {
        let all: Vec<f64> = f.iter().chain(unaudited).copied().collect();
        let var_f = variance(&all, 1);
        let cov = {
            let (my, mf) = (mean(&y), mean(&f));
            y.iter()
                .zip(&f)
                .map(|(a, b)| (a - my) * (b - mf))
                .sum::<f64>()
                / (n - 1) as f64
        };
        if var_f > 0.0 {
            (cov / var_f).clamp(0.0, 1.0)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let method = if use_machine {
        Method::PredictionPowered
    } else {
        Method::SampleOnly
    };
    let residual: Vec<f64> = y.iter().zip(&f).map(|(a, b)| a - lambda * b).collect();
    let mean_u = lambda * mean(unaudited) + mean(&residual);
    let estimate = audited_count + n_u as f64 * mean_u;
    let hi_possible = audited_count
        + unaudited_capacity
            .unwrap_or(f64::INFINITY)
            .min(n_u as f64 * range.max);
    // What people coded outside the sample is certain: a count below it is
    // impossible, as one below the audited positives is.
    let lo_possible = (audited_count + known_unaudited.max(0.0)).min(hi_possible);
    if n < 2 {
        // One audited unit says nothing about the spread: no better than
        // everything possible.
        return CountEstimate {
            method,
            estimate: estimate.clamp(lo_possible, hi_possible),
            low: Some(lo_possible),
            high: Some(hi_possible),
            units,
            audited: n as u64,
            audited_count,
            lambda: Some(lambda),
        };
    }
    // Residual variance with pseudo-observations at ±(max/2) around the
    // residual mean (see the module note).
    let yes_no = range.max == 1.0 && y.iter().all(|v| *v == 0.0 || *v == 1.0);
    let pseudo = if yes_no {
        PSEUDO_UNITS_YES_NO
    } else {
        PSEUDO_UNITS_COUNTS
    };
    let m = mean(&residual);
    let ss: f64 = residual.iter().map(|r| (r - m) * (r - m)).sum::<f64>();
    let s2 = (ss + pseudo * (range.max / 2.0).powi(2)) / (n as f64 - 1.0 + pseudo);
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|d| d.inverse_cdf(1.0 - (1.0 - level) / 2.0))
        .unwrap_or(f64::INFINITY);
    let variance_at = residual_variance_at(&y, ss / (n as f64 - 1.0), s2, n + n_u, yes_no);
    let half_at = |total: f64| {
        t * n_u as f64 * (variance_at(total) * (1.0 / n as f64 + 1.0 / n_u as f64)).sqrt()
    };
    let (low, high) = score_interval(estimate, lo_possible, hi_possible, half_at);
    let (low, high) = whole_count_ends(low, high, lo_possible, hi_possible);
    CountEstimate {
        method,
        estimate: estimate.clamp(lo_possible, hi_possible),
        low: Some(low),
        high: Some(high),
        units,
        audited: n as u64,
        audited_count,
        lambda: (method == Method::PredictionPowered).then_some(lambda),
    }
}

/// The residual variance S²ᵣ as a function of the hypothesised count T,
/// for the score interval ([`score_interval`]). For yes/no units S²ᵣ =
/// S²_Y − 2λ·Cov(Y, f) + λ²S²_f, and S²_Y is known once T is: a binary
/// population with T ones of N has S²_Y = p(1 − p)·N/(N − 1), p = T/N. So
/// the sample's S²_Y is replaced by the hypothesised one, and the
/// covariance and S²_f stay the sample's. The pseudo-observation variance
/// `floor` stays a lower bound. For counts (max > 1) S²_Y is not fixed by
/// T, and S²ᵣ is the sample's (with the floor) whatever T.
///
/// Why: a sample of 17 from 85 policies of which 76 mention a code holds no
/// policy without it 15% of the time; the sample's S²_Y is then 0, and a
/// Wald interval around 85 ends above 76. Wilson's score interval for a
/// proportion fixes exactly this by using the variance at the hypothesised
/// value; this is the same idea for the difference estimator.
fn residual_variance_at(
    y: &[f64],
    sample_variance: f64,
    floor: f64,
    units: usize,
    yes_no: bool,
) -> impl Fn(f64) -> f64 {
    let binary = yes_no && units >= 2;
    let s2_y = variance(y, 1);
    let big_n = units as f64;
    move |total: f64| {
        if !binary {
            return floor;
        }
        let p = (total / big_n).clamp(0.0, 1.0);
        let s2_y_at = p * (1.0 - p) * big_n / (big_n - 1.0);
        floor.max(sample_variance - s2_y + s2_y_at)
    }
}

/// The score interval {T : |T̂ − T| ≤ half(T)} within [lo, hi]. `half` is
/// t × the standard error at T, concave in T (the square root of a concave
/// variance), so the set is one interval and each end is found by
/// bisection from T̂. When even T̂ (clipped to what is possible) lies
/// outside it, which happens only when T̂ itself is impossible, the
/// interval is the Wald one at T̂ clipped, never inverted.
fn score_interval(estimate: f64, lo: f64, hi: f64, half: impl Fn(f64) -> f64) -> (f64, f64) {
    let centre = estimate.clamp(lo, hi);
    let inside = |total: f64| (total - estimate).abs() <= half(total);
    if !inside(centre) {
        let h = half(centre);
        let low = (estimate - h).clamp(lo, hi);
        let high = (estimate + h).clamp(lo, hi);
        return (low.min(high), high.max(low));
    }
    // The last point inside, searching from `from` (inside) towards `to`.
    let edge = |from: f64, to: f64| {
        if inside(to) {
            return to;
        }
        let (mut a, mut b) = (from, to);
        for _ in 0..64 {
            let mid = 0.5 * (a + b);
            if inside(mid) {
                a = mid;
            } else {
                b = mid;
            }
        }
        a
    };
    (edge(centre, lo), edge(centre, hi))
}

/// The interval's ends rounded outward to whole counts, within [lo, hi].
/// What is counted (participants, sentences, documents, or each unit's
/// sentences) is a whole number, and an end between two whole numbers is
/// where the normal approximation placed the boundary, which it cannot
/// place finely when few units are unaudited: the whole count just past
/// the end is kept in. Rounding outward only widens the interval, so its
/// coverage cannot fall. Before, a group whose one mentioning member was
/// unaudited read "0 [0–0.72]" (no member), and a count that could only be
/// 5 or 6 read [5.00, 5.88]; the crosstab's group cells held the truth
/// 0.92 of the time at 40 of 47 participants audited, 0.84 where one
/// member mentioned the code (h19/01; 0.995 and 1.0 rounded). `lo` and
/// `hi` are whole (counts people coded, and unit counts × a unit's whole
/// maximum), so the clip keeps the ends whole.
fn whole_count_ends(low: f64, high: f64, lo: f64, hi: f64) -> (f64, f64) {
    (low.floor().clamp(lo, hi), high.ceil().clamp(lo, hi))
}

impl CountEstimate {
    /// This estimate with `units` more units whose count, `count`, is known
    /// exactly without having been sampled: people outside the audit's
    /// frame (moderators, whom the audit cannot draw and the machine does
    /// not code, in a report with `--include-moderators`), added with
    /// what people coded of them. The estimate and both ends move by the
    /// count; the audit (`audited`, `audited_count`) stays the frame's.
    pub fn plus_known(self, count: f64, units: u64) -> CountEstimate {
        CountEstimate {
            estimate: self.estimate + count,
            low: self.low.map(|l| l + count),
            high: self.high.map(|h| h + count),
            units: self.units + units,
            ..self
        }
    }
}

/// A model-only count (no audit sample): the expected count, no interval.
pub fn model_only(predictions: &[f64], calibrated: bool) -> CountEstimate {
    CountEstimate {
        method: if calibrated {
            Method::ModelOnly
        } else {
            Method::ModelOnlyUncalibrated
        },
        estimate: predictions.iter().sum(),
        low: None,
        high: None,
        units: predictions.len() as u64,
        audited: 0,
        audited_count: 0.0,
        lambda: None,
    }
}

/// Audited units a sample-only estimate needs for a 95% interval no wider
/// than ±`half_width` × units, at prevalence `p` (clipped to [0.1, 0.5]:
/// a rare code's guess is too unsure to plan on), with the finite-population
/// correction.
pub fn audit_size_for(units: u64, p: f64, half_width: f64) -> u64 {
    if units == 0 {
        return 0;
    }
    let p = p.clamp(0.1, 0.5);
    let z = 1.96f64;
    let n0 = z * z * p * (1.0 - p) / (half_width * half_width);
    let n = n0 / (1.0 + (n0 - 1.0) / units as f64);
    (n.ceil() as u64).clamp(2.min(units), units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_one_is_plain_ppi_and_zero_the_classical_mean() {
        let y = [1.0, 0.0, 1.0, 1.0, 0.0];
        let f = [0.9, 0.2, 0.6, 0.8, 0.1];
        let fu = [0.7, 0.3, 0.2, 0.9];
        let plain = ppi_mean_ci(&y, &f, &fu, 0.05, Some(1.0));
        let expected = mean(&fu) + (mean(&y) - mean(&f));
        assert!((plain.estimate - expected).abs() < 1e-12);
        let classical = ppi_mean_ci(&y, &f, &fu, 0.05, Some(0.0));
        assert!((classical.estimate - 0.6).abs() < 1e-12);
        // sd(Y, ddof 0) = 0.4899; 1.959964 × 0.4899 / √5
        assert!(
            (classical.high - classical.low - 2.0 * 1.959964 * 0.4898979 / 5f64.sqrt()).abs()
                < 1e-5
        );
    }

    #[test]
    fn census_is_exact_and_tiny_samples_give_the_possible_range() {
        let a = [
            Audited {
                human: 1.0,
                machine: 0.2,
            },
            Audited {
                human: 0.0,
                machine: 0.9,
            },
        ];
        let c = estimate_count(&a, &[], 0.95, UnitRange { max: 1.0 }, true);
        assert_eq!(c.method, Method::Census);
        assert_eq!((c.estimate, c.low, c.high), (1.0, Some(1.0), Some(1.0)));
        let one = estimate_count(&a[..1], &[0.5; 9], 0.95, UnitRange { max: 1.0 }, true);
        assert_eq!((one.low, one.high), (Some(1.0), Some(10.0)));
    }

    #[test]
    fn a_sample_the_machine_got_all_right_still_has_a_width() {
        let a: Vec<Audited> = (0..12)
            .map(|_| Audited {
                human: 0.0,
                machine: 0.0,
            })
            .collect();
        let c = estimate_count(&a, &[0.0; 35], 0.95, UnitRange { max: 1.0 }, true);
        assert_eq!(c.estimate, 0.0);
        assert!(c.high.unwrap() >= 4.0, "{c:?}");
        assert_eq!(c.low, Some(0.0));
    }

    #[test]
    fn a_sample_without_a_single_negative_still_reaches_the_truth() {
        // 76 of 85 policies have the code; the 17 audited all do (15% of
        // such samples). The old Wald interval was [76.3, 85]: it excluded
        // the truth. The score interval judges 76 with the spread a
        // population of 76 in 85 has.
        let a = vec![
            Audited {
                human: 1.0,
                machine: 0.9,
            };
            17
        ];
        let c = estimate_count(&a, &[0.9; 68], 0.95, UnitRange { max: 1.0 }, true);
        assert_eq!(c.estimate, 85.0);
        assert_eq!(c.high, Some(85.0));
        assert!(c.low.unwrap() < 76.0, "{c:?}");
        assert!(c.low.unwrap() > 60.0, "{c:?}");
    }

    #[test]
    fn the_score_interval_is_asymmetric_towards_one_half() {
        // 2 of 20 audited have the code, the machine says nothing (λ = 0):
        // the interval reaches further up, towards 50%, than down.
        let a: Vec<Audited> = (0..20)
            .map(|i| Audited {
                human: (i < 2) as u8 as f64,
                machine: 0.5,
            })
            .collect();
        let c = estimate_count(&a, &[0.5; 180], 0.95, UnitRange { max: 1.0 }, false);
        assert!((c.estimate - 20.0).abs() < 1e-9, "{c:?}");
        let (lo, hi) = (c.low.unwrap(), c.high.unwrap());
        assert!(hi - c.estimate > c.estimate - lo, "{c:?}");
        assert!(lo >= 2.0 && hi <= 200.0, "{c:?}");
    }

    #[test]
    fn the_interval_never_leaves_what_is_possible() {
        let a: Vec<Audited> = (0..10)
            .map(|i| Audited {
                human: (i % 2) as f64,
                machine: 0.5,
            })
            .collect();
        let c = estimate_count(&a, &[0.5; 5], 0.95, UnitRange { max: 1.0 }, true);
        assert!(c.low.unwrap() >= 5.0 && c.high.unwrap() <= 10.0, "{c:?}");
    }

    /// h1/03: five audited participants without the code, a machine that
    /// sees it nowhere, and a colleague's coding of four of the nine
    /// others: the count is at least 4, so the estimate and both ends are;
    /// the upper end is the unfloored one's (the floor removes only
    /// impossible counts).
    #[test]
    fn units_people_coded_outside_the_sample_floor_the_estimate() {
        let a = vec![
            Audited {
                human: 0.0,
                machine: 0.02,
            };
            5
        ];
        let rest = [0.02; 9];
        let plain = estimate_count(&a, &rest, 0.95, UnitRange { max: 1.0 }, true);
        assert!(plain.estimate < 1.0 && plain.low == Some(0.0), "{plain:?}");
        let known = estimate_count_at_least(&a, &rest, 4.0, 0.95, UnitRange { max: 1.0 }, true);
        assert_eq!((known.estimate, known.low), (4.0, Some(4.0)), "{known:?}");
        assert_eq!(known.high, plain.high, "{known:?}");
        assert_eq!((known.audited, known.audited_count), (5, 0.0));
        // A floor above everything the interval held: the count is at
        // least it, never an interval below it.
        let all = estimate_count_at_least(&a, &rest, 9.0, 0.95, UnitRange { max: 1.0 }, true);
        assert_eq!(
            (all.estimate, all.low, all.high),
            (9.0, Some(9.0), Some(9.0))
        );
        // A group's floor, within what the group's members can hold.
        let group =
            estimate_domain_count_at_least(&a, &rest, 2.0, 0.95, UnitRange { max: 1.0 }, true, 3.0);
        assert!(group.estimate >= 2.0 && group.low == Some(2.0), "{group:?}");
        assert!(group.high.unwrap() <= 3.0, "{group:?}");
    }

    /// Known units outside the sample's frame move the estimate and both
    /// ends by their count, and add to the units; the audit stays its own.
    #[test]
    fn known_units_shift_the_estimate_and_its_interval() {
        let a = [
            Audited {
                human: 1.0,
                machine: 0.8,
            },
            Audited {
                human: 0.0,
                machine: 0.1,
            },
            Audited {
                human: 1.0,
                machine: 0.7,
            },
        ];
        let e = estimate_count(&a, &[0.5, 0.2, 0.9], 0.95, UnitRange { max: 1.0 }, true);
        let shifted = e.plus_known(2.0, 3);
        assert_eq!(shifted.estimate, e.estimate + 2.0);
        assert_eq!(shifted.low, e.low.map(|l| l + 2.0));
        assert_eq!(shifted.high, e.high.map(|h| h + 2.0));
        assert_eq!((shifted.units, shifted.audited), (9, 3));
        assert_eq!(shifted.audited_count, e.audited_count);
        let none = model_only(&[0.5], true).plus_known(1.0, 1);
        assert_eq!((none.estimate, none.low, none.units), (1.5, None, 2));
    }

    /// h19/01: 40 of 47 participants audited, a group of 7 whose six
    /// audited members do not mention the code and whose seventh is
    /// unaudited. The count is 0 or 1; the score interval's upper end fell
    /// between them (0.72 on the demo) and said "nobody" where one member
    /// mentions it. A count's ends are whole, rounded outward.
    #[test]
    fn a_counts_interval_ends_are_whole_numbers() {
        let audited = vec![
            Audited {
                human: 0.0,
                machine: 0.0,
            };
            40
        ];
        let group = estimate_domain_count(
            &audited,
            &[0.0; 7],
            0.95,
            UnitRange { max: 1.0 },
            false,
            1.0,
        );
        assert_eq!(group.estimate, 0.0, "{group:?}");
        assert_eq!((group.low, group.high), (Some(0.0), Some(1.0)), "{group:?}");

        // 8 of 20 audited have the code, 27 not audited: the score
        // interval [10.42, 27.18] is [10, 28] in whole participants; the
        // point estimate stays the expected count.
        let audited: Vec<Audited> = (0..20)
            .map(|i| Audited {
                human: f64::from(u8::from(i < 8)),
                machine: 0.5,
            })
            .collect();
        let c = estimate_count(&audited, &[0.5; 27], 0.95, UnitRange { max: 1.0 }, false);
        assert!((c.estimate - 18.8).abs() < 1e-9, "{c:?}");
        assert_eq!((c.low, c.high), (Some(10.0), Some(28.0)), "{c:?}");

        // Count units (a participant's sentences with the code, up to 3):
        // a count of sentences is whole too, [20.45, 42.55] → [20, 43].
        let audited: Vec<Audited> = (0..12)
            .map(|i| Audited {
                human: f64::from(i % 4),
                machine: 0.0,
            })
            .collect();
        let s = estimate_count(&audited, &[0.0; 9], 0.95, UnitRange { max: 3.0 }, false);
        assert_eq!(s.estimate, 31.5, "{s:?}");
        assert_eq!((s.low, s.high), (Some(20.0), Some(43.0)), "{s:?}");
    }

    #[test]
    fn audit_size_follows_the_textbook_formula() {
        // n0 = 1.96² × 0.25 / 0.1² = 96.04; with N = 47: 96.04 / (1 + 95.04/47) = 31.8
        assert_eq!(audit_size_for(47, 0.5, 0.1), 32);
        assert_eq!(audit_size_for(1_000_000, 0.5, 0.1), 97);
        assert_eq!(audit_size_for(1, 0.5, 0.1), 1);
    }
}
