//! UMAP reduction (McInnes et al. 2018), following umap-learn's fuzzy
//! simplicial set and its epoch-sampled SGD layout.
//!
//! Why our own: `umap-rs` needs `sprs >= 0.11.3`, which cannot share a
//! lockfile with linfa (it pins `sprs =0.11.2`), it has no `transform`, and it
//! fell behind umap-learn at 50k points (ARI 0.82 vs 0.94, see
//! ../shared/notes/crates-measured.md). Its SGD also runs in parallel, which
//! makes layouts differ between runs; this one is single-threaded and
//! seeded, so a seed gives the same layout on every run.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::knn::KnnGraph;

/// Curve parameters umap-learn's `find_ab_params(spread=1.0, min_dist=0.0)`
/// returns; min_dist 0 packs clusters tightly, which is what BERTopic uses
/// for clustering.
const A: f32 = 1.932_808_4;
const B: f32 = 0.790_495;
const NEGATIVE_SAMPLE_RATE: f32 = 5.0;
const REPULSION: f32 = 1.0;
const SMOOTH_K_TOLERANCE: f32 = 1e-5;
const MIN_K_DIST_SCALE: f32 = 1e-3;

/// A symmetric fuzzy graph in coordinate form; both (i, j) and (j, i) present.
#[derive(Debug, Clone)]
pub struct FuzzyGraph {
    pub n: usize,
    pub heads: Vec<u32>,
    pub tails: Vec<u32>,
    pub weights: Vec<f32>,
}

/// umap-learn's `smooth_knn_dist` + `compute_membership_strengths` + fuzzy union.
pub fn fuzzy_graph(knn: &KnnGraph, n: usize) -> FuzzyGraph {
    let k = knn.k;
    let target = (k as f32).log2();
    let mean_all: f32 = knn.distances.iter().sum::<f32>() / knn.distances.len().max(1) as f32;
    let mut directed: Vec<(u32, u32, f32, bool)> = Vec::with_capacity(n * k * 2);
    for i in 0..n {
        let (idx, dist) = knn.neighbours(i);
        // rho: distance to the nearest neighbour that is not a duplicate.
        let rho = dist.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
        let (mut lo, mut hi, mut mid) = (0f32, f32::INFINITY, 1f32);
        for _ in 0..64 {
            let mut psum = 0f32;
            for &d in &dist[1..] {
                let d = d - rho;
                psum += if d > 0.0 { (-d / mid).exp() } else { 1.0 };
            }
            if (psum - target).abs() < SMOOTH_K_TOLERANCE {
                break;
            }
            if psum > target {
                hi = mid;
                mid = (lo + hi) / 2.0;
            } else {
                lo = mid;
                mid = if hi.is_infinite() {
                    mid * 2.0
                } else {
                    (lo + hi) / 2.0
                };
            }
        }
        let mean_i = dist.iter().sum::<f32>() / k as f32;
        let floor = MIN_K_DIST_SCALE * if rho > 0.0 { mean_i } else { mean_all };
        let sigma = mid.max(floor);
        for (&j, &d) in idx.iter().zip(dist) {
            if j as usize == i {
                continue;
            }
            let w = if d - rho <= 0.0 {
                1.0
            } else {
                (-(d - rho) / sigma).exp()
            };
            directed.push((i as u32, j, w, true));
            directed.push((j, i as u32, w, false));
        }
    }
    directed.sort_unstable_by_key(|e| (e.0, e.1, !e.3));
    let mut g = FuzzyGraph {
        n,
        heads: Vec::new(),
        tails: Vec::new(),
        weights: Vec::new(),
    };
    let mut p = 0;
    while p < directed.len() {
        let (i, j) = (directed[p].0, directed[p].1);
        let (mut fwd, mut bwd) = (0f32, 0f32);
        while p < directed.len() && directed[p].0 == i && directed[p].1 == j {
            if directed[p].3 {
                fwd = directed[p].2;
            } else {
                bwd = directed[p].2;
            }
            p += 1;
        }
        let w = fwd + bwd - fwd * bwd;
        if w > 0.0 {
            g.heads.push(i);
            g.tails.push(j);
            g.weights.push(w);
        }
    }
    g
}

/// Alternative initial layout (umap-learn's `init="pca"`): the top principal components of the input, scaled to
/// [0, 10] per axis (umap-learn's `init="pca"` with its rescaling), plus tiny
/// seeded noise so duplicates do not sit on one point.
pub fn pca_init(data: &[f32], dim: usize, n_components: usize, seed: u64) -> Vec<f32> {
    let n = data.len() / dim;
    let comps = crate::pca::top_components(data, dim, n_components, seed);
    let mean = crate::pca::column_mean(data, dim);
    let mut y = vec![0f32; n * n_components];
    for i in 0..n {
        let row = &data[i * dim..(i + 1) * dim];
        for c in 0..n_components {
            let v = &comps[c * dim..(c + 1) * dim];
            y[i * n_components + c] = row
                .iter()
                .zip(&mean)
                .zip(v)
                .map(|((x, m), w)| (x - m) * w)
                .sum();
        }
    }
    rescale(&mut y, n_components, seed);
    y
}

/// umap-learn's default initial layout: the leading non-trivial eigenvectors
/// of the normalised graph Laplacian, found by orthogonal iteration on
/// ½(I + D^-½ W D^-½) (a hand-rolled sparse eigensolver because the graph is
/// our own COO form; only a handful of vectors are needed), scaled to
/// [0, 10] per axis plus tiny seeded noise.
pub fn spectral_init(graph: &FuzzyGraph, n_components: usize, seed: u64) -> Vec<f32> {
    let n = graph.n;
    let p = n_components + 1;
    let mut degree = vec![0f64; n];
    for e in 0..graph.weights.len() {
        degree[graph.heads[e] as usize] += graph.weights[e] as f64;
    }
    let inv_sqrt: Vec<f64> = degree
        .iter()
        .map(|&d| if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5bd1_e995);
    // Column-major blocks: vector c is v[c * n..(c + 1) * n].
    let mut v: Vec<f64> = (0..p * n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    // The trivial eigenvector is known: D^½ 1.
    for i in 0..n {
        v[i] = degree[i].sqrt();
    }
    orthonormalise_columns(&mut v, n);
    let mut next = vec![0f64; p * n];
    for _ in 0..300 {
        next.iter_mut().for_each(|x| *x = 0.0);
        for e in 0..graph.weights.len() {
            let (i, j) = (graph.heads[e] as usize, graph.tails[e] as usize);
            let w = graph.weights[e] as f64 * inv_sqrt[i] * inv_sqrt[j];
            for c in 0..p {
                next[c * n + i] += w * v[c * n + j];
            }
        }
        for (a, b) in next.iter_mut().zip(&v) {
            *a = 0.5 * (*a + b);
        }
        std::mem::swap(&mut v, &mut next);
        orthonormalise_columns(&mut v, n);
    }
    let mut y = vec![0f32; n * n_components];
    for c in 0..n_components {
        for i in 0..n {
            y[i * n_components + c] = v[(c + 1) * n + i] as f32;
        }
    }
    rescale(&mut y, n_components, seed);
    y
}

fn orthonormalise_columns(v: &mut [f64], n: usize) {
    let p = v.len() / n;
    for c in 0..p {
        for prev in 0..c {
            let proj: f64 = (0..n).map(|r| v[c * n + r] * v[prev * n + r]).sum();
            for r in 0..n {
                v[c * n + r] -= proj * v[prev * n + r];
            }
        }
        let norm = (0..n).map(|r| v[c * n + r].powi(2)).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        for r in 0..n {
            v[c * n + r] /= norm;
        }
    }
}

/// Scales each axis to [0, 10] and adds tiny seeded noise, as umap-learn does
/// to any initial layout.
fn rescale(y: &mut [f32], n_components: usize, seed: u64) {
    let n = y.len() / n_components.max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    for c in 0..n_components {
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for i in 0..n {
            lo = lo.min(y[i * n_components + c]);
            hi = hi.max(y[i * n_components + c]);
        }
        let span = if hi > lo { hi - lo } else { 1.0 };
        for i in 0..n {
            let v = &mut y[i * n_components + c];
            *v = 10.0 * (*v - lo) / span + rng.gen_range(-1e-4..1e-4);
        }
    }
}

/// umap-learn's `optimize_layout_euclidean` with `move_other=True`,
/// single-threaded and seeded.
pub fn optimize_layout(
    graph: &FuzzyGraph,
    mut y: Vec<f32>,
    n_components: usize,
    n_epochs: usize,
    seed: u64,
) -> Vec<f32> {
    let n = graph.n;
    let w_max = graph.weights.iter().copied().fold(0f32, f32::max);
    if w_max <= 0.0 || n < 2 {
        return y;
    }
    // Edges too weak to be sampled even once are dropped, as umap-learn does.
    let floor = w_max / n_epochs as f32;
    let mut edges: Vec<(u32, u32, f32)> = Vec::with_capacity(graph.weights.len());
    for e in 0..graph.weights.len() {
        if graph.weights[e] >= floor {
            edges.push((graph.heads[e], graph.tails[e], w_max / graph.weights[e]));
        }
    }
    let epochs_per_sample: Vec<f32> = edges.iter().map(|e| e.2).collect();
    let epochs_per_negative: Vec<f32> = epochs_per_sample
        .iter()
        .map(|e| e / NEGATIVE_SAMPLE_RATE)
        .collect();
    let mut next_sample = epochs_per_sample.clone();
    let mut next_negative = epochs_per_negative.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let d = n_components;
    let mut grad = vec![0f32; d];
    for epoch in 0..n_epochs {
        let alpha = 1.0 - epoch as f32 / n_epochs as f32;
        let epoch_f = epoch as f32;
        for (e, &(head, tail, _)) in edges.iter().enumerate() {
            if next_sample[e] > epoch_f {
                continue;
            }
            let (j, k) = (head as usize, tail as usize);
            let dist2 = sq_dist(&y, j, k, d);
            let coeff = if dist2 > 0.0 {
                -2.0 * A * B * dist2.powf(B - 1.0) / (A * dist2.powf(B) + 1.0)
            } else {
                0.0
            };
            for c in 0..d {
                grad[c] = clip(coeff * (y[j * d + c] - y[k * d + c])) * alpha;
            }
            for c in 0..d {
                y[j * d + c] += grad[c];
                y[k * d + c] -= grad[c];
            }
            next_sample[e] += epochs_per_sample[e];
            let n_neg = ((epoch_f - next_negative[e]) / epochs_per_negative[e]).max(0.0) as usize;
            for _ in 0..n_neg {
                let k = ((rng.next_u32() as u64 * n as u64) >> 32) as usize;
                if k == j {
                    continue;
                }
                let dist2 = sq_dist(&y, j, k, d);
                if dist2 > 0.0 {
                    let coeff = 2.0 * REPULSION * B / ((0.001 + dist2) * (A * dist2.powf(B) + 1.0));
                    for c in 0..d {
                        y[j * d + c] += clip(coeff * (y[j * d + c] - y[k * d + c])) * alpha;
                    }
                } else {
                    for c in 0..d {
                        y[j * d + c] += 4.0 * alpha;
                    }
                }
            }
            next_negative[e] += n_neg as f32 * epochs_per_negative[e];
        }
    }
    y
}

#[inline]
fn sq_dist(y: &[f32], j: usize, k: usize, d: usize) -> f32 {
    let (a, b) = (&y[j * d..j * d + d], &y[k * d..k * d + d]);
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

#[inline]
fn clip(v: f32) -> f32 {
    v.clamp(-4.0, 4.0)
}

/// umap-learn's default epoch count: more for small data.
pub fn default_epochs(n: usize) -> usize {
    if n <= 10_000 {
        500
    } else {
        200
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn::exact_knn;

    #[test]
    fn fuzzy_graph_is_symmetric_with_weights_in_unit_interval() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let dim = 8;
        let mut data: Vec<f32> = (0..40 * dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
        crate::normalise_rows(&mut data, dim);
        let g = fuzzy_graph(&exact_knn(&data, dim, 6), 40);
        let mut map = std::collections::BTreeMap::new();
        for e in 0..g.weights.len() {
            assert!(g.weights[e] > 0.0 && g.weights[e] <= 1.0);
            map.insert((g.heads[e], g.tails[e]), g.weights[e]);
        }
        for (&(i, j), &w) in &map {
            assert_eq!(map.get(&(j, i)), Some(&w));
        }
        // Every point's nearest neighbour gets membership 1.
        assert!(map.values().filter(|&&w| w == 1.0).count() >= 40);
    }
}
