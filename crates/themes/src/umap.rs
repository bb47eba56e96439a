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

use rayon::prelude::*;

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

/// A symmetric fuzzy graph in coordinate form; both (i, j) and (j, i) present,
/// edges sorted by head, then tail.
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
    // Row-major blocks: vector c of point i is v[i * p + c].
    let mut v: Vec<f64> = vec![0f64; p * n];
    for c in 0..p {
        for i in 0..n {
            v[i * p + c] = rng.gen_range(-1.0..1.0);
        }
    }
    // The trivial eigenvector is known: D^½ 1.
    for i in 0..n {
        v[i * p] = degree[i].sqrt();
    }
    orthonormalise_columns(&mut v, p);
    // Rows of the graph (edges are sorted by head) with their normalised
    // weights, so each row's product is one thread's job and sums in the
    // same order whatever the thread count.
    debug_assert!(graph.heads.windows(2).all(|w| w[0] <= w[1]));
    let mut row_start = vec![0usize; n + 1];
    for &h in &graph.heads {
        row_start[h as usize + 1] += 1;
    }
    for i in 0..n {
        row_start[i + 1] += row_start[i];
    }
    let norm_w: Vec<f64> = (0..graph.weights.len())
        .map(|e| {
            let (i, j) = (graph.heads[e] as usize, graph.tails[e] as usize);
            graph.weights[e] as f64 * inv_sqrt[i] * inv_sqrt[j]
        })
        .collect();
    let mut next = vec![0f64; p * n];
    for _ in 0..300 {
        next.par_chunks_mut(p)
            .zip(v.par_chunks(p))
            .enumerate()
            .for_each(|(i, (out, own))| {
                out.iter_mut().for_each(|x| *x = 0.0);
                let row = row_start[i]..row_start[i + 1];
                for (&j, &w) in graph.tails[row.clone()].iter().zip(&norm_w[row]) {
                    let j = j as usize;
                    for c in 0..p {
                        out[c] += w * v[j * p + c];
                    }
                }
                for (a, b) in out.iter_mut().zip(own) {
                    *a = 0.5 * (*a + b);
                }
            });
        std::mem::swap(&mut v, &mut next);
        orthonormalise_columns(&mut v, p);
    }
    let mut y = vec![0f32; n * n_components];
    for c in 0..n_components {
        for i in 0..n {
            y[i * n_components + c] = v[i * p + c + 1] as f32;
        }
    }
    rescale(&mut y, n_components, seed);
    y
}

/// Gram-Schmidt on the `p` columns of a row-major n × p matrix.
fn orthonormalise_columns(v: &mut [f64], p: usize) {
    let n = v.len() / p;
    for c in 0..p {
        for prev in 0..c {
            let proj: f64 = (0..n).map(|r| v[r * p + c] * v[r * p + prev]).sum();
            for r in 0..n {
                v[r * p + c] -= proj * v[r * p + prev];
            }
        }
        let norm = (0..n).map(|r| v[r * p + c].powi(2)).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        for r in 0..n {
            v[r * p + c] /= norm;
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
    y: Vec<f32>,
    n_components: usize,
    n_epochs: usize,
    seed: u64,
) -> Vec<f32> {
    // The point dimension as a constant lets the compiler unroll and keep a
    // point in registers; the layout is ~2/3 of a fit's CPU time.
    macro_rules! dispatch {
        ($($d:literal)*) => {
            match n_components {
                $($d => optimize_layout_fixed::<$d>(graph, y, n_epochs, seed),)*
                _ => panic!("n_components {n_components} outside 1..=10"),
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7 8 9 10)
}

fn optimize_layout_fixed<const D: usize>(
    graph: &FuzzyGraph,
    mut flat: Vec<f32>,
    n_epochs: usize,
    seed: u64,
) -> Vec<f32> {
    let n = graph.n;
    let w_max = graph.weights.iter().copied().fold(0f32, f32::max);
    if w_max <= 0.0 || n < 2 {
        return flat;
    }
    let (y, rest) = flat.as_chunks_mut::<D>();
    debug_assert!(rest.is_empty() && y.len() == n);
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
    let (pow_b, pow_b1) = (PowTable::new(B), PowTable::new(B - 1.0));
    for epoch in 0..n_epochs {
        let alpha = 1.0 - epoch as f32 / n_epochs as f32;
        let epoch_f = epoch as f32;
        for (e, &(head, tail, _)) in edges.iter().enumerate() {
            if next_sample[e] > epoch_f {
                continue;
            }
            let (j, k) = (head as usize, tail as usize);
            let (mut yj, yk) = (y[j], y[k]);
            let dist2 = sq_dist(&yj, &yk);
            let coeff = if dist2 > 0.0 {
                -2.0 * A * B * pow_b1.pow(dist2) / (A * pow_b.pow(dist2) + 1.0)
            } else {
                0.0
            };
            let mut yk_new = yk;
            for c in 0..D {
                let g = clip(coeff * (yj[c] - yk[c])) * alpha;
                yj[c] += g;
                yk_new[c] -= g;
            }
            y[k] = yk_new;
            next_sample[e] += epochs_per_sample[e];
            let n_neg = ((epoch_f - next_negative[e]) / epochs_per_negative[e]).max(0.0) as usize;
            for _ in 0..n_neg {
                let k = ((rng.next_u32() as u64 * n as u64) >> 32) as usize;
                if k == j {
                    continue;
                }
                let yk = y[k];
                let dist2 = sq_dist(&yj, &yk);
                if dist2 > 0.0 {
                    let coeff =
                        2.0 * REPULSION * B / ((0.001 + dist2) * (A * pow_b.pow(dist2) + 1.0));
                    for c in 0..D {
                        yj[c] += clip(coeff * (yj[c] - yk[c])) * alpha;
                    }
                } else {
                    for v in yj.iter_mut() {
                        *v += 4.0 * alpha;
                    }
                }
            }
            y[j] = yj;
            next_negative[e] += n_neg as f32 * epochs_per_negative[e];
        }
    }
    flat
}

#[inline(always)]
fn sq_dist<const D: usize>(a: &[f32; D], b: &[f32; D]) -> f32 {
    let mut s = 0.0;
    for c in 0..D {
        s += (a[c] - b[c]) * (a[c] - b[c]);
    }
    s
}

/// `x^p` for a fixed `p` and finite `x > 0` by table lookup: 2^(e·p) for the
/// float's exponent e times a linear interpolation of m^p over 256 steps of
/// the mantissa m in [1, 2); relative error < 2e-6 (tested below).
///
/// Why not `f32::powf`: libm's call was 29% of a 100k fit's CPU time (perf).
/// The layout is one long chain of dependent updates, so what counts is
/// latency: a short series (log, exp) without FMA made the fit 1.5× slower
/// than libm, a table is two loads and an interpolation. It is also the same
/// on every x86-64, whatever libm variant the machine picks at run time.
struct PowTable {
    by_exponent: [f32; 256],
    by_mantissa: [f32; 257],
}

impl PowTable {
    fn new(p: f32) -> Self {
        let p = p as f64;
        let mut by_exponent = [0f32; 256];
        for (e, v) in by_exponent.iter_mut().enumerate() {
            // Exponent field 0 (zero, subnormals) is treated as 1; a layout
            // never gets that close and the result stays finite.
            *v = 2f64.powf((e.max(1) as f64 - 127.0) * p) as f32;
        }
        let mut by_mantissa = [0f32; 257];
        for (i, v) in by_mantissa.iter_mut().enumerate() {
            *v = (1.0 + i as f64 / 256.0).powf(p) as f32;
        }
        PowTable {
            by_exponent,
            by_mantissa,
        }
    }

    #[inline(always)]
    fn pow(&self, x: f32) -> f32 {
        let bits = x.to_bits();
        let e = ((bits >> 23) & 0xff) as usize;
        let i = ((bits >> 15) & 0xff) as usize;
        let frac = (bits & 0x7fff) as f32 * (1.0 / 32768.0);
        let (lo, hi) = (self.by_mantissa[i], self.by_mantissa[i + 1]);
        self.by_exponent[e] * (lo + (hi - lo) * frac)
    }
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

    #[test]
    fn pow_table_matches_powf() {
        // The two powers the layout uses, and one more.
        for p in [B, B - 1.0, 0.5] {
            let table = PowTable::new(p);
            let mut worst = 0f64;
            // Squared layout distances from 1e-12 to 1e6, log-spaced.
            for i in 0..=50_000 {
                let x = 10f64.powf(-12.0 + 18.0 * i as f64 / 50_000.0) as f32;
                let want = (x as f64).powf(p as f64);
                worst = worst.max(((table.pow(x) as f64 - want) / want).abs());
            }
            assert!(worst < 2e-6, "p = {p}: worst relative error {worst}");
            assert_eq!(table.pow(1.0), 1.0);
        }
    }
}
