//! Top principal components for UMAP's initial layout.
//!
//! Only the top few (≤ 10) directions of a ≤ 1024-d covariance are needed, so
//! orthogonal (subspace) iteration on the covariance is enough and avoids
//! pulling in a linear-algebra crate whose ndarray version clashes with the
//! rest of the workspace (see ../shared/notes/crates-measured.md).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub fn column_mean(data: &[f32], dim: usize) -> Vec<f32> {
    let n = (data.len() / dim).max(1);
    let mut mean = vec![0f64; dim];
    for row in data.chunks_exact(dim) {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += x as f64;
        }
    }
    mean.iter().map(|m| (m / n as f64) as f32).collect()
}

/// Returns `n_components` unit vectors (row-major, each `dim` long), the
/// leading eigenvectors of the covariance, largest first, sign fixed so the
/// largest-magnitude coordinate is positive.
pub fn top_components(data: &[f32], dim: usize, n_components: usize, seed: u64) -> Vec<f32> {
    let n = data.len() / dim;
    let mean = column_mean(data, dim);
    let centred: Vec<f32> = data
        .chunks_exact(dim)
        .flat_map(|row| {
            row.iter()
                .zip(&mean)
                .map(|(x, m)| x - m)
                .collect::<Vec<_>>()
        })
        .collect();
    // Covariance (dim × dim) = Xᵀ X / n.
    let mut cov = vec![0f32; dim * dim];
    crate::gemm::matmul_atb(
        1.0 / n.max(1) as f32,
        &centred,
        &centred,
        dim,
        n,
        dim,
        &mut cov,
    );
    let cov: Vec<f64> = cov.into_iter().map(f64::from).collect();
    let p = n_components.min(dim);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut v: Vec<f64> = (0..p * dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
    orthonormalise(&mut v, dim);
    let mut next = vec![0f64; p * dim];
    for _ in 0..300 {
        for c in 0..p {
            let vc = &v[c * dim..(c + 1) * dim];
            for r in 0..dim {
                next[c * dim + r] = cov[r * dim..(r + 1) * dim]
                    .iter()
                    .zip(vc)
                    .map(|(a, b)| a * b)
                    .sum();
            }
        }
        std::mem::swap(&mut v, &mut next);
        orthonormalise(&mut v, dim);
    }
    for c in 0..p {
        let vc = &mut v[c * dim..(c + 1) * dim];
        let big = vc
            .iter()
            .copied()
            .fold(0f64, |acc, x| if x.abs() > acc.abs() { x } else { acc });
        if big < 0.0 {
            vc.iter_mut().for_each(|x| *x = -*x);
        }
    }
    v.into_iter().map(|x| x as f32).collect()
}

/// Modified Gram–Schmidt on the rows of `v`.
fn orthonormalise(v: &mut [f64], dim: usize) {
    let p = v.len() / dim;
    for c in 0..p {
        for prev in 0..c {
            let proj: f64 = (0..dim).map(|r| v[c * dim + r] * v[prev * dim + r]).sum();
            for r in 0..dim {
                v[c * dim + r] -= proj * v[prev * dim + r];
            }
        }
        let norm = (0..dim).map(|r| v[c * dim + r].powi(2)).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        for r in 0..dim {
            v[c * dim + r] /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_axis_of_largest_variance() {
        // Points spread 10× more along (1,1,0)/√2 than along z.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut data = Vec::new();
        for _ in 0..500 {
            let t: f32 = rng.gen_range(-10.0..10.0);
            let z: f32 = rng.gen_range(-1.0..1.0);
            data.extend_from_slice(&[t, t, z]);
        }
        let c = top_components(&data, 3, 2, 0);
        let s = std::f32::consts::FRAC_1_SQRT_2;
        assert!(
            (c[0] - s).abs() < 1e-2 && (c[1] - s).abs() < 1e-2 && c[2].abs() < 1e-2,
            "{c:?}"
        );
        assert!(c[5].abs() > 0.999);
    }
}
