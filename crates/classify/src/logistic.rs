//! L2-regularised binary logistic regression fitted by L-BFGS.
//!
//! Written here rather than taken from linfa-logistic: linfa 0.8 pins
//! ndarray 0.16 and `sprs =0.11.2`, which clashes with the ndarray 0.17 stack
//! other stages use in the same lockfile, and it has no sparse input, which
//! the TF-IDF block needs. The objective is scikit-learn's
//! `LogisticRegression(C, class_weight)`: ½‖w‖² + C Σ sᵢ log(1 + exp(−ỹᵢ(w·xᵢ + b))),
//! with the intercept unpenalised, so results are comparable.

use serde::{Deserialize, Serialize};

use crate::features::FeatureRow;

/// Validated parameters (linfa style: params → fit → fitted model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// Inverse regularisation strength (scikit-learn's `C`).
    pub c: f64,
    /// Weight classes inversely to their frequency (scikit-learn's "balanced").
    pub balanced: bool,
    pub max_iter: usize,
    /// Stop when the largest gradient component is below this (objective scaled by 1/n).
    pub tol: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 4.0,
            balanced: true,
            max_iter: 300,
            tol: 1e-5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("invalid parameter: {0}")]
    Params(String),
    #[error("training data: {0}")]
    Data(String),
}

/// A fitted binary model: the decision function is w·x + b.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// L-BFGS iterations used.
    pub iterations: usize,
}

impl Logistic {
    pub fn decision(&self, x: &FeatureRow) -> f64 {
        x.dot(&self.weights) + self.intercept
    }

    pub fn probability(&self, x: &FeatureRow) -> f64 {
        sigmoid(self.decision(x))
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + exp(z)) without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

impl LogisticParams {
    pub fn check(&self) -> Result<(), FitError> {
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(FitError::Params(format!("C must be > 0, got {}", self.c)));
        }
        if self.max_iter == 0 {
            return Err(FitError::Params("max_iter must be > 0".into()));
        }
        Ok(())
    }

    /// Fits on rows `x` (dense dims equal, sparse indices < `sparse_dim`) and labels `y`.
    pub fn fit(
        &self,
        x: &[&FeatureRow],
        y: &[bool],
        sparse_dim: usize,
    ) -> Result<Logistic, FitError> {
        self.check()?;
        if x.len() != y.len() || x.is_empty() {
            return Err(FitError::Data(format!(
                "{} rows, {} labels",
                x.len(),
                y.len()
            )));
        }
        let n_pos = y.iter().filter(|&&v| v).count();
        if n_pos == 0 || n_pos == y.len() {
            return Err(FitError::Data("both classes are needed".into()));
        }
        let n = y.len() as f64;
        let (w_pos, w_neg) = if self.balanced {
            (n / (2.0 * n_pos as f64), n / (2.0 * (n - n_pos as f64)))
        } else {
            (1.0, 1.0)
        };
        let dim = x[0].dense.len() + sparse_dim;
        // Parameters: weights then intercept. Objective divided by C·n so the
        // tolerance means the same at every sample size.
        let scale = 1.0 / (self.c * n);
        let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
            let (w, b) = theta.split_at(dim);
            grad.iter_mut().for_each(|g| *g = 0.0);
            let mut f = 0.0;
            let mut gb = 0.0;
            for (xi, &yi) in x.iter().zip(y) {
                let z = xi.dot(w) + b[0];
                let (s, sign) = if yi { (w_pos, 1.0) } else { (w_neg, -1.0) };
                f += s * softplus(-sign * z);
                // d/dz of s·log(1+exp(−ỹz)) = −s·ỹ·σ(−ỹz)
                let dz = -s * sign * sigmoid(-sign * z);
                xi.axpy(dz / n, &mut grad[..dim]);
                gb += dz;
            }
            f /= n;
            grad[dim] = gb / n;
            let mut reg = 0.0;
            for (g, wi) in grad[..dim].iter_mut().zip(w) {
                reg += wi * wi;
                *g += scale * wi;
            }
            f + 0.5 * scale * reg
        };
        let (theta, iterations) = lbfgs(vec![0.0; dim + 1], objective, self.max_iter, self.tol);
        let intercept = theta[dim];
        let mut weights = theta;
        weights.truncate(dim);
        Ok(Logistic {
            weights,
            intercept,
            iterations,
        })
    }
}

/// Minimises a smooth convex function with limited-memory BFGS (memory 10)
/// and a backtracking Armijo line search. Returns (argmin, iterations).
pub fn lbfgs(
    mut x: Vec<f64>,
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, usize) {
    const M: usize = 10;
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho: Vec<f64> = Vec::new();
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    for it in 0..max_iter {
        if g.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol {
            return (x, it);
        }
        // Two-loop recursion: d = −H·g.
        let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
        let k = s_hist.len();
        let mut alpha = vec![0.0; k];
        for i in (0..k).rev() {
            alpha[i] = rho[i] * dot(&s_hist[i], &d);
            for (dj, yj) in d.iter_mut().zip(&y_hist[i]) {
                *dj -= alpha[i] * yj;
            }
        }
        let gamma = if k > 0 {
            dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1])
        } else {
            1.0 / g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1.0)
        };
        d.iter_mut().for_each(|v| *v *= gamma);
        for i in 0..k {
            let beta = rho[i] * dot(&y_hist[i], &d);
            for (dj, sj) in d.iter_mut().zip(&s_hist[i]) {
                *dj += (alpha[i] - beta) * sj;
            }
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            d = g.iter().map(|v| -v).collect();
            slope = dot(&g, &d);
        }
        let mut step = 1.0;
        let mut f_new;
        loop {
            for i in 0..n {
                x_new[i] = x[i] + step * d[i];
            }
            f_new = f(&x_new, &mut g_new);
            if f_new <= fx + 1e-4 * step * slope || step < 1e-12 {
                break;
            }
            step *= 0.5;
        }
        if step < 1e-12 {
            return (x, it);
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        let rel = (fx - f_new).abs() / fx.abs().max(f_new.abs()).max(1.0);
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if sy > 1e-12 {
            if s_hist.len() == M {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(yv);
            rho.push(1.0 / sy);
        }
        if rel < 1e-12 {
            return (x, it + 1);
        }
    }
    (x, max_iter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(xs: &[[f32; 2]]) -> Vec<FeatureRow> {
        xs.iter()
            .map(|x| FeatureRow {
                dense: x.to_vec(),
                sparse: vec![],
            })
            .collect()
    }

    #[test]
    fn lbfgs_minimises_a_quadratic() {
        let (x, _) = lbfgs(
            vec![0.0, 0.0],
            |x, g| {
                g[0] = 2.0 * (x[0] - 3.0);
                g[1] = 20.0 * (x[1] + 1.0);
                (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
            },
            100,
            1e-10,
        );
        assert!(
            (x[0] - 3.0).abs() < 1e-6 && (x[1] + 1.0).abs() < 1e-6,
            "{x:?}"
        );
    }

    /// Reference values from scikit-learn 1.9.1:
    /// `LogisticRegression(C=1.0, tol=1e-10).fit(X, y)` on the data below gives
    /// coef [[1.05555892, 0.78460202]], intercept [-2.04803612].
    #[test]
    fn matches_scikit_learn_on_a_small_problem() {
        let x = rows(&[
            [0.0, 1.0],
            [1.0, 0.0],
            [2.0, 1.0],
            [3.0, 2.0],
            [-1.0, 0.5],
            [0.5, -1.0],
            [1.5, 1.5],
            [-0.5, -0.5],
        ]);
        let y = [false, false, true, true, false, false, true, false];
        let refs: Vec<&FeatureRow> = x.iter().collect();
        let m = LogisticParams {
            c: 1.0,
            balanced: false,
            max_iter: 500,
            tol: 1e-10,
        }
        .fit(&refs, &y, 0)
        .unwrap();
        assert!((m.weights[0] - 1.05555892).abs() < 1e-6, "{m:?}");
        assert!((m.weights[1] - 0.78460202).abs() < 1e-6, "{m:?}");
        assert!((m.intercept + 2.04803612).abs() < 1e-6, "{m:?}");
    }

    #[test]
    fn sparse_and_dense_blocks_share_one_weight_vector() {
        let x: Vec<FeatureRow> = (0..40)
            .map(|i| FeatureRow {
                dense: vec![0.1],
                sparse: vec![((i % 2) as u32, 1.0)],
            })
            .collect();
        let y: Vec<bool> = (0..40).map(|i| i % 2 == 1).collect();
        let refs: Vec<&FeatureRow> = x.iter().collect();
        let m = LogisticParams::default().fit(&refs, &y, 2).unwrap();
        assert_eq!(m.weights.len(), 3);
        assert!(m.probability(&x[1]) > 0.9 && m.probability(&x[0]) < 0.1);
    }

    #[test]
    fn refuses_one_class_and_bad_params() {
        let x = rows(&[[0.0, 1.0], [1.0, 0.0]]);
        let refs: Vec<&FeatureRow> = x.iter().collect();
        assert!(LogisticParams::default()
            .fit(&refs, &[true, true], 0)
            .is_err());
        let bad = LogisticParams {
            c: 0.0,
            ..Default::default()
        };
        assert!(matches!(
            bad.fit(&refs, &[true, false], 0),
            Err(FitError::Params(_))
        ));
    }
}
