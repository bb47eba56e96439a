//! Inter-coder agreement: percent agreement, Cohen's kappa and
//! Krippendorff's alpha (nominal).
//!
//! Written by hand: no maintained Rust crate computes Krippendorff's alpha
//! with missing values. Kappa is classify's (one implementation project-wide).

use std::collections::BTreeMap;

use serde::Serialize;

/// Two coders' binary decisions on the same units, as a 2×2 table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Table2x2 {
    /// both present
    pub both: u64,
    /// only coder A
    pub only_a: u64,
    /// only coder B
    pub only_b: u64,
    /// neither
    pub neither: u64,
}

impl Table2x2 {
    pub fn add(&mut self, a: bool, b: bool) {
        match (a, b) {
            (true, true) => self.both += 1,
            (true, false) => self.only_a += 1,
            (false, true) => self.only_b += 1,
            (false, false) => self.neither += 1,
        }
    }

    pub fn merge(&mut self, other: &Table2x2) {
        self.both += other.both;
        self.only_a += other.only_a;
        self.only_b += other.only_b;
        self.neither += other.neither;
    }

    pub fn n(&self) -> u64 {
        self.both + self.only_a + self.only_b + self.neither
    }

    pub fn percent_agreement(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| (self.both + self.neither) as f64 / n as f64)
    }

    /// Cohen's kappa ([`classify::metrics::cohen_kappa`]); `None` when
    /// undefined (no units, or both coders constant).
    pub fn cohen_kappa(&self) -> Option<f64> {
        classify::metrics::cohen_kappa(
            self.both as f64,
            self.only_a as f64,
            self.only_b as f64,
            self.neither as f64,
        )
    }

    /// Krippendorff's alpha for these two coders' binary values.
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        // Each unit with two values adds both ordered pairs to the coincidence
        // matrix, with weight 1/(m−1) = 1.
        let o_yes_yes = 2.0 * self.both as f64;
        let o_no_no = 2.0 * self.neither as f64;
        let o_yes_no = (self.only_a + self.only_b) as f64;
        let n_yes = o_yes_yes + o_yes_no;
        let n_no = o_no_no + o_yes_no;
        alpha_from_coincidences(
            &[vec![o_no_no, o_yes_no], vec![o_yes_no, o_yes_yes]],
            &[n_no, n_yes],
        )
    }
}

/// Krippendorff's alpha, nominal metric, for any number of coders with
/// missing values. `units[u][c]` is coder c's value for unit u (`None`:
/// not coded). Units with fewer than two values are not pairable and ignored.
pub fn krippendorff_alpha_nominal<V: Ord + Clone>(units: &[Vec<Option<V>>]) -> Option<f64> {
    let mut index: BTreeMap<V, usize> = BTreeMap::new();
    for unit in units {
        for v in unit.iter().flatten() {
            let next = index.len();
            index.entry(v.clone()).or_insert(next);
        }
    }
    let k = index.len();
    let mut o = vec![vec![0.0f64; k]; k];
    for unit in units {
        let values: Vec<usize> = unit.iter().flatten().map(|v| index[v]).collect();
        let m = values.len();
        if m < 2 {
            continue;
        }
        let w = 1.0 / (m as f64 - 1.0);
        for (i, &a) in values.iter().enumerate() {
            for (j, &b) in values.iter().enumerate() {
                if i != j {
                    o[a][b] += w;
                }
            }
        }
    }
    let n_c: Vec<f64> = o.iter().map(|row| row.iter().sum()).collect();
    alpha_from_coincidences(&o, &n_c)
}

fn alpha_from_coincidences(o: &[Vec<f64>], n_c: &[f64]) -> Option<f64> {
    let n: f64 = n_c.iter().sum();
    if n <= 1.0 {
        return None;
    }
    let mut observed = 0.0;
    let mut expected = 0.0;
    for c in 0..n_c.len() {
        for k in 0..n_c.len() {
            if c != k {
                observed += o[c][k];
                expected += n_c[c] * n_c[k];
            }
        }
    }
    if expected == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * observed / expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64, tol: f64) {
        let a = a.expect("defined");
        assert!((a - b).abs() < tol, "{a} vs {b}");
    }

    /// Cohen's kappa worked example from Wikipedia, "Cohen's kappa", section
    /// "Simple example": 50 grant proposals read by A and B; both yes 20,
    /// A yes/B no 5, A no/B yes 10, both no 15 → p_o = 0.7, p_e = 0.5, κ = 0.4.
    #[test]
    fn kappa_wikipedia_grant_proposals() {
        let t = Table2x2 {
            both: 20,
            only_a: 5,
            only_b: 10,
            neither: 15,
        };
        close(t.percent_agreement(), 0.7, 1e-12);
        close(t.cohen_kappa(), 0.4, 1e-12);
    }

    /// Second Wikipedia example ("Same percentages but different numbers"):
    /// 45/15/25/15 of 100 → κ = 0.1304.
    #[test]
    fn kappa_wikipedia_second_table() {
        let t = Table2x2 {
            both: 45,
            only_a: 15,
            only_b: 25,
            neither: 15,
        };
        close(t.cohen_kappa(), 0.1304, 1e-4);
    }

    /// Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability",
    /// section A (binary data, two observers, no missing data): 10 units,
    /// α = 0.095.
    #[test]
    fn alpha_krippendorff_2011_binary_two_observers() {
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let units: Vec<Vec<Option<i32>>> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| vec![Some(*x), Some(*y)])
            .collect();
        close(krippendorff_alpha_nominal(&units), 0.095, 5e-4);
        let mut t = Table2x2::default();
        for (x, y) in a.iter().zip(&b) {
            t.add(*x == 1, *y == 1);
        }
        close(t.krippendorff_alpha(), 0.095, 5e-4);
        // The same table's kappa is lower than agreement suggests: p_o = 0.6.
        close(t.percent_agreement(), 0.6, 1e-12);
    }

    /// Krippendorff (2011), section C: nominal data, four observers, 12 units,
    /// missing values; α_nominal = 0.743.
    #[test]
    fn alpha_krippendorff_2011_four_observers_missing_data() {
        let rows: [[Option<i32>; 12]; 4] = [
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(1),
                Some(4),
                Some(1),
                Some(2),
                None,
                None,
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(2),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                None,
                Some(3),
            ],
            [
                None,
                Some(3),
                Some(3),
                Some(3),
                Some(2),
                Some(3),
                Some(4),
                Some(2),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
        ];
        let units: Vec<Vec<Option<i32>>> = (0..12)
            .map(|u| rows.iter().map(|r| r[u]).collect())
            .collect();
        close(krippendorff_alpha_nominal(&units), 0.743, 5e-4);
    }

    #[test]
    fn perfect_and_constant_coders() {
        let t = Table2x2 {
            both: 3,
            only_a: 0,
            only_b: 0,
            neither: 7,
        };
        close(t.cohen_kappa(), 1.0, 1e-12);
        close(t.krippendorff_alpha(), 1.0, 1e-12);
        let constant = Table2x2 {
            neither: 10,
            ..Default::default()
        };
        assert_eq!(constant.cohen_kappa(), None);
        assert_eq!(constant.krippendorff_alpha(), None);
        close(constant.percent_agreement(), 1.0, 1e-12);
    }
}
